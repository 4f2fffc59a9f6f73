# coreutils, findutils, grep, sed, gawk, tar, gzip, xz one-liners on a
# small tree made here (fixed contents and times).
set -u
mkdir -p /tmp/cu && cd /tmp/cu || exit 1
seq 1 2000 > nums
printf 'pear\napple\nfig\napple\nbanana\n' > fruit
mkdir -p d/a/b d/c && echo one > d/a/f1 && echo two > d/a/b/f2 && : > d/c/empty
ln -s ../a/f1 d/c/link
touch -d '2020-01-02 03:04:05 UTC' d/a/f1 d/a/b/f2 d/c/empty fruit nums
sort fruit | uniq -c
sort -rn nums | head -3; tail -n 2 nums; wc -l -w -c nums
cut -c1-3 fruit | paste -sd, ; tr a-z A-Z < fruit | tac
sha256sum nums; md5sum fruit; cksum fruit; base64 fruit | head -2
od -An -tx1 -N8 nums; printf 'a\tb\n' | expand -t4 | cat -A
stat -c '%n %s %a %F' fruit d/c/link d/a; ls -l --time-style=+%F d/a | tail -n +2 | awk '{print $1, $5, $6, $7}'
du -sb d/a/b/f2 | cut -f1; readlink -f d/c/link | sed 's|/tmp/cu/||'
cp -a d e && diff -r d e && echo "cp -a same"; mv e f && rm -r f && ls
ln nums hard && stat -c %h nums; rm hard; truncate -s 10K sparse && stat -c %s sparse
split -l 700 nums part. && ls part.* && cat part.* | cmp - nums && echo "split ok"
date -u -d '2024-02-29 12:00' +'%F %T %j %a'; expr 7 \* 6; factor 360; numfmt --to=iec 123456789
find d -type f | sort; find d -name 'f*' -newer nums -o -name empty -print | sort; find d -type l -printf '%p -> %l\n'
find d -type f -print0 | xargs -0 cat | sort; seq 5 | xargs -n2 echo
grep -c 9 nums; grep -E '^1(0|1)+$' nums | tr '\n' ' '; echo; grep -rl two d; grep -n -w apple fruit
sed -n '10,12p' nums; sed 's/a/A/g; /fig/d' fruit; sed -E 's/([0-9])([0-9])/\2\1/' nums | sed -n '15p;100p'
awk '{s+=$1} END {print s, NR, s/NR}' nums; awk -F: '$3 == 0 {print $1, $7}' /etc/passwd
awk 'BEGIN{printf "%.3f %d %s\n", atan2(0,-1), 2^20, toupper(substr("hello",2,3))}'
gawk '{c[$1]++} END {n=asorti(c,k); for(i=1;i<=n;i++) print k[i], c[k[i]]}' fruit
tar --mtime=@0 --owner=0 --group=0 --sort=name -cf t.tar d && tar -tvf t.tar | awk '{print $1, $3, $6}'
mkdir x && tar -xf t.tar -C x && diff -r d x/d && echo "tar round trip"
gzip -9 -n -c nums > nums.gz && gzip -l nums.gz | tail -1 | awk '{print $2}' && zcat nums.gz | cmp - nums && echo gzip ok
xz -6 -c nums > nums.xz && xz -l --robot nums.xz | awk '$1=="totals"{print $5}' && xz -dc nums.xz | cmp - nums && echo xz ok
tar -cJf t.txz d && tar -tJf t.txz | sort | head -3; tar -czf - d | tar -tzf - | wc -l
ps -o pid=,comm= -p $$ | awk '{print $2}'; pgrep -c bash >/dev/null && echo pgrep ok; free -k | head -1 | awk '{print $1, $2}'
id; uname -s -m; nproc >/dev/null && echo nproc ok; env -i FOO=bar env; printenv HOME
mktemp -d -p /tmp | grep -c '^/tmp/tmp\.'; sleep 0.1; timeout 0.2 sleep 5; echo "timeout: $?"
yes | head -3; seq -s+ 10 | bc 2>/dev/null || seq -s+ 10 | awk '{print}' ; shuf -n1 -i 5-5; nl fruit | head -2
