/*
 * Driven by scripts/check-stub-kill, not a case of cases.txt: the host
 * SIGKILLs this kernel's guest stubs from outside while it runs, which
 * has no counterpart on Linux.  Runs "/bin/busybox true" N times (fork,
 * exec, wait), counting the runs that did not exit 0 and the forks that
 * failed (retried after a millisecond: a stub killed while it started
 * fails the fork), then prints "stubkill-done RUNS BAD FORKFAILS".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 300;
	int i = 0, bad = 0, forkfail = 0;

	printf("stubkill-start\n");
	fflush(stdout);
	while (i < n && forkfail < 10000) {
		pid_t p = fork();
		int st;

		if (p < 0) {
			forkfail++;
			usleep(1000);
			continue;
		}
		if (p == 0) {
			execl("/bin/busybox", "busybox", "true", (char *)0);
			_exit(127);
		}
		while (waitpid(p, &st, 0) < 0)
			if (errno != EINTR)
				return 1;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
		i++;
	}
	printf("stubkill-done %d %d %d\n", i, bad, forkfail);
	return 0;
}
