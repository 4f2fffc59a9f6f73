/*
 * vfork: the parent is suspended until the child execs or exits, the
 * child runs in the parent's memory (its writes are seen), exec and
 * _exit from the child, a failed exec, vfork from a vfork child's
 * exec'd image, and many in a row.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static volatile int shared_word;

int main(int argc, char **argv)
{
	int st;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	shared_word = 0;
	pid = vfork();
	if (pid == 0) {
		usleep(20000);
		shared_word = 42;
		_exit(3);
	}
	CHECK(pid > 0);
	CHECK(shared_word == 42);
	CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 3);
	printf("vfork: the parent waited, saw the child's write (%d)\n",
	       shared_word);

	char *args[] = { argv[0], "exit", "17", NULL };

	pid = vfork();
	if (pid == 0) {
		execv(argv[0], args);
		_exit(127);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 17);
	printf("vfork + exec: status %d\n", WEXITSTATUS(st));

	shared_word = 0;
	pid = vfork();
	if (pid == 0) {
		execl("/nonexistent", "x", (char *)NULL);
		shared_word = errno;
		_exit(127);
	}
	waitpid(pid, &st, 0);
	CHECK(shared_word == ENOENT && WEXITSTATUS(st) == 127);
	printf("vfork + failed exec: errno %s, status %d\n",
	       shared_word == ENOENT ? "ENOENT" : "other", WEXITSTATUS(st));

	int ok = 0;

	for (int i = 0; i < 50; i++) {
		char code[16];
		char *a[] = { argv[0], "exit", code, NULL };

		snprintf(code, sizeof(code), "%d", i);
		pid = vfork();
		if (pid == 0) {
			execv(argv[0], a);
			_exit(127);
		}
		ok += waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == i;
	}
	CHECK(ok == 50);
	printf("50 vfork + exec in a row: %d ok\n", ok);
	return guest_done("vfork");
}
