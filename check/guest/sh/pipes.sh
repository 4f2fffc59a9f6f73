# Pipelines, command substitution, subshells, here-documents and
# redirections in BusyBox ash.  Run as: /bin/busybox sh /t/sh/pipes.sh
PATH=/t/bin
export PATH
echo "pipeline: $(printf 'b\na\nc\na\n' | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
echo "nested: $(echo "outer $(echo "inner $(echo deepest)")")"
echo "backquotes: `echo old style`"
false | true
echo "false | true: $?"
true | false
echo "true | false: $?"
set -o pipefail
false | true
echo "with pipefail: $?"
set +o pipefail
echo "20000 lines through a pipe: $(seq 1 20000 | wc -l)"
echo "sum over a pipe: $(seq 1 1000 | awk '{ s += $1 } END { print s }')"
echo "yes | head: $(yes ok | head -n 3 | tr '\n' ' ')"
x=outside
( x=inside; echo "subshell sees: $x"; exit 3 )
echo "subshell status $?, parent still has: $x"
( cd /etc && echo "subshell cwd: $(pwd)" )
echo "parent cwd: $(pwd)"
{ echo grouped; echo twice; } | wc -l | sed 's/^/group through a pipe: /'
n=0
printf '1\n2\n3\n' | while read v; do n=$((n + v)); done
echo "while-read in a pipeline runs in a subshell: n=$n"
n=0
while read v; do n=$((n + v)); done <<EOT
4
5
6
EOT
echo "while-read from a here-document: n=$n"
cat <<'EOT' | tr a-z A-Z
here-doc, quoted: $HOME stays
EOT
echo "to a file" > /t/tmp/pipes.out
echo "appended" >> /t/tmp/pipes.out
echo "file: $(cat /t/tmp/pipes.out | tr '\n' '|')"
echo "stderr to a pipe: $(ls /nonexistent 2>&1 | wc -l)"
echo "tee: $(echo teed | tee /t/tmp/pipes.tee) and $(cat /t/tmp/pipes.tee)"
exec 3>/t/tmp/pipes.fd3
echo "via fd 3" >&3
exec 3>&-
echo "fd 3 wrote: $(cat /t/tmp/pipes.fd3)"
echo "done"
