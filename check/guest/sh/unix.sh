# Unix-domain sockets through BusyBox: syslogd reads datagrams on the
# socket /dev/log and logger sends to it.  Run as: /bin/busybox sh /t/sh/unix.sh
PATH=/t/bin
export PATH
cd /t/tmp
mkdir -p /dev
rm -f /dev/log
syslogd -n -O /t/tmp/syslog &
pid=$!
i=0
while [ ! -S /dev/log ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
stat -c '%n %F %a' /dev/log
logger -t kos "first message"
logger -t kos -p user.err "second message"
i=0
while [ "$(grep -c 'kos: ' /t/tmp/syslog 2>/dev/null)" != 2 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "first: $(grep -c 'kos: first message' /t/tmp/syslog)"
echo "second: $(grep -c 'user.err kos: second message' /t/tmp/syslog)"
kill $pid
wait $pid 2>/dev/null
echo "syslogd: $?"
rm -f /dev/log /t/tmp/syslog
