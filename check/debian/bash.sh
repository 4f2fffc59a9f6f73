# bash: functions, arrays, here-documents, process substitution, $( ),
# pipes, job control builtins, trap, wait -n.
set -u
fact() { local n=$1; (( n <= 1 )) && echo 1 || echo $(( n * $(fact $((n - 1))) )); }
echo "fact 10: $(fact 10)"
a=(zero one two "three four")
a+=(five)
echo "count ${#a[@]}, last ${a[-1]}, slice ${a[@]:1:2}, keys ${!a[*]}"
declare -A m=([apple]=red [banana]=yellow)
m[cherry]=dark
for k in $(printf '%s\n' "${!m[@]}" | sort); do echo "$k=${m[$k]}"; done
cat <<END
here: ${a[3]} $((6 * 7))
END
cat <<'END'
quoted: $HOME $(not run)
END
tr a-z A-Z <<< "here string"
diff <(printf '%s\n' 1 2 3) <(printf '%s\n' 1 3 4) && echo same || echo "diff status $?"
while read -r x; do echo "read $x"; done < <(seq 3)
echo "pipe: $(seq 100 | grep 7 | wc -l)"
set -o pipefail
false | true || echo "pipefail caught $?"
set +o pipefail
s=hello_world_again
echo "${s^^} ${s//_/-} ${s#*_} ${s%_*} ${#s}"
trap 'echo trapped USR1' USR1
kill -USR1 $$
trap 'echo exit trap' EXIT
sleep 0.2 & p1=$!
(sleep 0.05; exit 7) & p2=$!
wait -n; echo "wait -n: $?"
wait $p1; echo "wait p1: $?"
sleep 10 &
sleep 0.2; jobs; kill %1; wait %1; echo "killed job: $?"
sleep 0.1 & disown; echo "disowned: $(jobs | wc -l)"
( exit 3 ); echo "subshell: $?"
x=$( { echo out; echo err >&2; } 2>&1 ); echo "captured: $x"
coproc C { read -r l; echo "co: $l"; }
echo ping >&"${C[1]}"; read -r r <&"${C[0]}"; echo "$r"; wait "$C_PID" 2>/dev/null
printf '%05d|%-5s|%x|%s\n' 42 ab 255 "$(date -u -d @0 +%Y)"
case "x.tar.gz" in *.tar.gz) echo "case tgz";; *) echo "case other";; esac
[[ abc123 =~ ^([a-z]+)([0-9]+)$ ]] && echo "regex ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
echo "ulimit -n: $(ulimit -n)"
