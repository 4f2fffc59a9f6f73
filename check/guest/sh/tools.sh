# xargs, env, exec and #! scripts with BusyBox.
# Run as: /bin/busybox sh /t/sh/tools.sh
PATH=/t/bin
export PATH
echo "xargs -n 3: $(seq 1 8 | xargs -n 3 echo | tr '\n' '|')"
echo "xargs -I: $(printf 'a\nb\n' | xargs -I{} echo '<{}>' | tr '\n' ' ')"
echo "xargs status of a failing command: $(echo x | xargs false; echo $?)"
echo "xargs -P 3: $(seq 1 6 | xargs -P 3 -n 1 sh -c 'echo $(( $0 * $0 ))' | sort -n | tr '\n' ' ')"
echo "env -i: $(env -i A=1 B=2 /t/bin/env | sort | tr '\n' ' ')"
echo "env VAR=: $(env GREETING=hi sh -c 'echo $GREETING')"
echo "env -u: $(HOME=/x env -u HOME sh -c 'echo ${HOME-unset}')"
X=exported
export X
echo "exported to a child: $(sh -c 'echo $X')"
Y=local
echo "not exported: $(sh -c 'echo ${Y-unset}')"
# script files run by path, by their x bit (shipped in /t/sh/lib with
# mode 755: the initramfs build, check/module.mk)
/t/sh/lib/script.sh one "two three"
echo "script status: $?"
/t/sh/lib/args.sh
echo "set -e script status: $?"
printf 'echo sourced, $1\n' > /t/tmp/lib.sh
. /t/tmp/lib.sh arg
(exec sh -c 'echo "exec replaced the subshell"; exit 6')
echo "exec status: $?"
echo "command -v sh: $(command -v sh)"
echo "pipes of 5 processes: $(seq 1 100 | grep 7 | sort -r | head -n 3 | tr '\n' ' ')"
echo "done"
