/*
 * fork/exec/wait trees: a tree of depth 3 and fan-out 3 where every
 * inner node forks, every leaf execs this program again ("leaf N") and
 * each node exits with the sum of its subtree modulo 256; waits in
 * creation order, in any order (wait4(-1)), with WNOHANG polling, and
 * through waitid; an orphaned grandchild reparented to init (this
 * program is PID 1); copy-on-write memory across the tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static char *self;

/* Node value: leaves are numbered 1.., a node returns its subtree sum. */
static int node(int depth, int id)
{
	pid_t kids[3];
	int sum = 0;

	if (depth == 3) {
		char arg[16];
		char *argv[] = { self, "leaf", arg, NULL };

		snprintf(arg, sizeof(arg), "%d", id);
		execv(self, argv);
		_exit(255);
	}
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(node(depth + 1, id * 3 + i));
	}
	/* alternate the ways of waiting by depth */
	if (depth == 1) {
		for (int i = 0; i < 3; i++) {
			int st;

			waitpid(kids[i], &st, 0);
			sum += WIFEXITED(st) ? WEXITSTATUS(st) : 1000;
		}
	} else if (depth == 2) {
		for (int left = 3; left;) {
			int st;
			pid_t r = waitpid(-1, &st, WNOHANG);

			if (r > 0) {
				sum += WIFEXITED(st) ? WEXITSTATUS(st) : 1000;
				left--;
			} else if (r == 0) {
				usleep(1000);
			} else {
				return 255;
			}
		}
	} else {
		for (int i = 0; i < 3; i++) {
			siginfo_t si;

			waitid(P_ALL, 0, &si, WEXITED);
			sum += si.si_code == CLD_EXITED ? si.si_status : 1000;
		}
	}
	return sum % 256;
}

int main(int argc, char **argv)
{
	int st, expect = 0;
	pid_t root;

	self = argv[0];
	if (argc == 3 && !strcmp(argv[1], "leaf"))
		return atoi(argv[2]) % 7;
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* expected: leaves ids 27..53 at depth 3 (id = ((1*3+a)*3+b)*3+c) */
	for (int a = 0; a < 3; a++) {
		int s1 = 0;

		for (int b = 0; b < 3; b++) {
			int s2 = 0;

			for (int c = 0; c < 3; c++)
				s2 += (((1 * 3 + a) * 3 + b) * 3 + c) % 7;
			s1 += s2 % 256;
		}
		expect += s1 % 256;
	}
	expect %= 256;
	fflush(stdout);
	root = fork();
	if (root == 0)
		_exit(node(0, 1));
	CHECK(waitpid(root, &st, 0) == root);
	CHECK(WIFEXITED(st));
	printf("tree of 27 exec'd leaves: sum %d (expected %d)\n",
	       WEXITSTATUS(st), expect);
	CHECK(WEXITSTATUS(st) == expect);
	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);

	/* copy-on-write down the tree */
	static int cow = 1;
	pid_t p = fork();

	if (p == 0) {
		cow = 2;
		pid_t q = fork();

		if (q == 0)
			_exit(cow == 2 ? 0 : 1);
		waitpid(q, &st, 0);
		_exit(WEXITSTATUS(st) == 0 && cow == 2 ? 0 : 1);
	}
	waitpid(p, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && cow == 1);
	printf("copy-on-write: parent 1, child 2, grandchild 2\n");

	/* an orphan comes back to init */
	int fds[2];

	pipe(fds);
	p = fork();
	if (p == 0) {
		pid_t g = fork();

		if (g == 0) {
			char c;

			read(fds[0], &c, 1);
			_exit(getppid() == 1 ? 9 : 8);
		}
		_exit(0);
	}
	waitpid(p, &st, 0);
	write(fds[1], "x", 1);
	pid_t r = wait(&st);

	CHECK(r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 9);
	printf("orphan reparented to init and reaped by it: %s\n",
	       WEXITSTATUS(st) == 9 ? "yes" : "no");

	/* 100 short-lived children, reaped in any order */
	int reaped = 0;

	for (int i = 0; i < 100; i++)
		if (fork() == 0)
			_exit(i & 1);
	while (wait(&st) > 0)
		reaped++;
	CHECK(reaped == 100 && errno == ECHILD);
	printf("100 children reaped: %d\n", reaped);
	return guest_done("forktree");
}
