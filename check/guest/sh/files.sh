# File-system applets of BusyBox: mkdir -p, touch -d, stat -c, ln (-s),
# cp -a, mv, chmod -R, rm -rf, mkfifo, tar, gzip, find, a tmpfs mount
# with df, /proc with ps and pidof.  Run as: /bin/busybox sh /t/sh/files.sh
PATH=/t/bin
export PATH
umask 022
cd /t/tmp
mkdir -p a/b/c
echo "mkdir -p: $?"
echo hello > a/b/c/f
touch -d '2001-02-03 04:05:06' a/b/c/f
stat -c '%n %a %F %s %h %Y' a/b/c/f
ln -s b/c/f a/link
echo "readlink: $(readlink a/link)"
ln a/b/c/f a/hard
echo "links: $(stat -c '%h' a/b/c/f)"
cp -a a a2
find a2 | sort
stat -c '%n %a %Y' a2/b/c/f
stat -c '%n %a %F' a2/link
mv a2 a3
echo "after mv: $(ls)"
chmod -R go-rwx a3
stat -c '%n %a' a3 a3/b a3/b/c/f
rm -rf a3
echo "after rm -rf: $(ls)"
mkfifo fifo
stat -c '%n %F %a' fifo
rm fifo
tar cf t.tar a
tar tf t.tar | sort
mkdir x
cd x
tar xf ../t.tar
find . | sort
stat -c '%n %Y' a/b/c/f
cat a/b/c/f
cd ..
gzip -c a/b/c/f > f.gz
echo "gunzip: $(gunzip -c f.gz)"
echo data > g
gzip g
echo "gzipped: $(ls g*)"
gunzip g.gz
echo "gunzipped: $(cat g)"
rm -rf x t.tar f.gz g
find a -type f | sort
find a -type l
find a -name f -exec echo found {} \;
mkdir -p /t/mnt /proc
mount -t proc proc /proc
echo "mount proc: $?"
mount -t tmpfs -o size=64k tmpfs /t/mnt
echo "mount tmpfs: $?"
df /t/mnt | tail -n 1 | awk '{print "df:", $2, $3, $4}'
echo x > /t/mnt/file
df /t/mnt | tail -n 1 | awk '{print "df after a write:", $2, $3, $4}'

echo "mounted: $(grep -c ' /t/mnt tmpfs ' /proc/mounts)"
umount /t/mnt
echo "umount: $? $(grep -c ' /t/mnt ' /proc/mounts)"
sleep 5 &
# the child may not have exec'd sleep yet (a race on Linux too): wait
n=0
while [ -z "$(pidof sleep)" ] && [ $n -lt 2000 ]; do n=$((n + 1)); done
echo "pidof sleep: $(pidof sleep | wc -w)"
ps -o pid,comm | grep -c sleep
kill $!
wait
mkdir -p /t/dev
mount -t devtmpfs devtmpfs /t/dev
echo "mount devtmpfs: $?"
ls -l /t/dev/null /t/dev/zero /t/dev/full | awk '{print $1, $5, $6, $NF}'
echo hello > /t/dev/null && echo "write to null: $?"
echo x 2>/dev/null > /t/dev/full || echo "write to full fails"
umount /t/dev
umount /proc
echo "umount proc: $?"
rm -rf a
echo done
