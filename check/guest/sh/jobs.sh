# Background jobs, wait, kill, trap and exit statuses in BusyBox ash.
# Run as: /bin/busybox sh /t/sh/jobs.sh
PATH=/t/bin
export PATH
sh -c 'exit 7'
echo "sh -c 'exit 7': $?"
sh -c 'kill -TERM $$'
echo "killed by SIGTERM: $?"
sh -c 'kill -KILL $$'
echo "killed by SIGKILL: $?"
/nonexistent 2>/dev/null
echo "not found: $?"
/etc/motd 2>/dev/null
echo "not executable: $?"
(exit 300)
echo "exit 300: $?"
sleep 0.02 &
p1=$!
sh -c 'sleep 0.01; exit 4' &
p2=$!
wait $p2
echo "wait for the second job: $?"
wait $p1
echo "wait for the first job: $?"
sleep 5 &
p=$!
kill $p
# ash prints "Terminated" only when wait itself reaps the job; if a
# SIGCHLD got there first (a slow machine, valgrind) it stays silent.
wait $p 2>/dev/null
echo "a killed background job: $?"
for i in 1 2 3 4 5; do
	sh -c "exit $i" &
done
wait
echo "wait with no argument: $?"
trap 'echo "trap: got USR1"' USR1
kill -USR1 $$
trap - USR1
trap 'echo "trap: EXIT in a subshell"' EXIT
( trap 'echo "trap: subshell EXIT"' EXIT; exit 0 )
trap - EXIT
sh -c 'trap "echo child caught TERM; exit 9" TERM; kill -TERM $$; sleep 1'
echo "a child that traps TERM: $?"
sh -c 'trap "" INT; kill -INT $$; echo "ignored INT, still here"'
timeout 1 sleep 0.01
echo "timeout, command finishes: $?"
timeout -s KILL 0.05 sleep 5
echo "timeout -s KILL kills: $?"
timeout 0.05 sh -c 'sleep 5'
echo "timeout kills with TERM: $?"
kill -0 $$
echo "kill -0 self: $?"
kill -0 99999 2>/dev/null
echo "kill -0 nonexistent: $?"
echo "done"
