/*
 * A bounded fork bomb under RLIMIT_NPROC: a child becomes uid UID (argv[1],
 * default 4321) with RLIMIT_NPROC 30 in a process group of its own, and
 * every process of the bomb forks until fork fails (at most 8 tries
 * each).  Forks must end in EAGAIN with no more than 30 processes; the
 * kernel survives; init (this program, root) kills the group and reaps
 * every process, orphans included; then fork works again.  Counts are
 * kept in shared memory and printed as relations.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define LIMIT 30

struct counts {
	int alive, done, eagain, other, forked;
};

static struct counts *c;

static void bomb(int depth)
{
	__atomic_add_fetch(&c->alive, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 8 && depth < 100; i++) {
		pid_t p = fork();

		if (p == 0) {
			bomb(depth + 1);
			_exit(0);
		}
		if (p > 0)
			__atomic_add_fetch(&c->forked, 1, __ATOMIC_SEQ_CST);
		if (p < 0) {
			if (errno == EAGAIN)
				__atomic_add_fetch(&c->eagain, 1,
						   __ATOMIC_SEQ_CST);
			else
				__atomic_add_fetch(&c->other, 1,
						   __ATOMIC_SEQ_CST);
			break;
		}
	}
	__atomic_add_fetch(&c->done, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 500; i++)
		usleep(10000); /* until init kills us (5 s at most) */
}

int main(int argc, char **argv)
{
	int uid = argc > 1 ? atoi(argv[1]) : 4321;
	int st, reaped = 0;
	pid_t b;

	setvbuf(stdout, NULL, _IOLBF, 0);
	c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	CHECK(c != MAP_FAILED);
	b = fork();
	if (b == 0) {
		struct rlimit rl = { LIMIT, LIMIT };

		setpgid(0, 0);
		if (setrlimit(RLIMIT_NPROC, &rl) || setuid(uid))
			_exit(2);
		bomb(0);
		_exit(0);
	}
	setpgid(b, b);
	/*
	 * Wait until every bomb process has stopped forking: all that began
	 * are done, and every child forked has begun (a child may not have
	 * run yet when its parent is done, on Linux too).
	 */
	for (int i = 0; i < 500; i++) {
		int a = __atomic_load_n(&c->alive, __ATOMIC_SEQ_CST);

		if (a && a == __atomic_load_n(&c->done, __ATOMIC_SEQ_CST) &&
		    a == __atomic_load_n(&c->forked, __ATOMIC_SEQ_CST) + 1 &&
		    c->eagain)
			break;
		usleep(10000);
	}
	printf("bomb processes within the limit of %d: %s\n", LIMIT,
	       c->alive <= LIMIT ? "yes" : "no");
	printf("bomb reached the limit (at least %d): %s\n", LIMIT / 2,
	       c->alive >= LIMIT / 2 ? "yes" : "no");
	printf("forks refused with EAGAIN: %s, other errors: %d\n",
	       c->eagain ? "yes" : "no", c->other);
	CHECK(c->alive <= LIMIT && c->alive >= LIMIT / 2);
	CHECK(c->eagain > 0 && c->other == 0);

	/* init cleans up: kill the group, reap everyone (orphans too) */
	CHECK(kill(-b, SIGKILL) == 0);
	while (wait(&st) > 0)
		reaped++;
	CHECK(errno == ECHILD);
	printf("init reaped all of them: %s\n",
	       reaped == c->alive ? "yes" : "no");
	CHECK(reaped == c->alive);
	CHECK(kill(-b, 0) == -1 && errno == ESRCH);

	/* the kernel survived: fork works again, for root and for uid */
	pid_t p = fork();

	if (p == 0) {
		struct rlimit rl = { LIMIT, LIMIT };

		setrlimit(RLIMIT_NPROC, &rl);
		setuid(uid);
		pid_t q = fork();

		if (q < 0)
			_exit(1);
		if (q == 0)
			_exit(0);
		waitpid(q, &st, 0);
		_exit(0);
	}
	CHECK(p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
	printf("after the bomb, fork works for root and for uid %d: %s\n", uid,
	       WEXITSTATUS(st) == 0 ? "yes" : "no");
	return guest_done("forkbomb");
}
