# /proc and /sys as BusyBox reads them: cat /proc/cpuinfo against nproc,
# /proc/self/mountinfo, smaps and fdinfo of the shell, sysfs's CPU list.
# Machine-dependent values print as relations.
# Run as: /bin/busybox sh /t/sh/sysinfo.sh
PATH=/t/bin
export PATH
mkdir -p /proc /sys
mount -t proc proc /proc
echo "mount proc: $?"
n=$(grep -c '^processor' /proc/cpuinfo)
[ "$n" = "$(nproc)" ] && echo "cpuinfo blocks = nproc"
grep -q '^flags.* fpu ' /proc/cpuinfo && echo "cpuinfo flags: fpu"
grep -q '^model name' /proc/cpuinfo && echo "cpuinfo: model name"
awk '{ for (i = 7; i < NF; i++) if ($i == "-") break }
$4 == "/" && $5 == "/proc" && $(i + 1) == "proc" { print "mountinfo: proc line" }' /proc/self/mountinfo
awk '/^Rss:/ { r += $2 } END { if (r > 0) print "smaps: Rss > 0" }' /proc/self/smaps
exec 5</etc/motd
grep '^flags' /proc/self/fdinfo/5
grep '^pos' /proc/self/fdinfo/5
exec 5<&-
mount -t sysfs sysfs /sys
echo "mount sysfs: $?"
grep -c sysfs /proc/mounts
online=$(cat /sys/devices/system/cpu/online)
case "$online" in
0) c=1 ;;
0-*) c=$(( ${online#0-} + 1 )) ;;
*) c=unknown ;;
esac
[ "$c" = "$(nproc)" ] && echo "sysfs online = nproc"
ls -d /sys/devices/system/cpu/cpu0
umount /sys
echo "umount sysfs: $?"
umount /proc
