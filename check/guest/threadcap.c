/*
 * Threads until clone() says no: up to 300 threads alive at once, each
 * blocked in read() on a pipe.  Linux runs all 300.  KOS's hosted
 * seccomp mode gives each thread a stub thread slot and has 156
 * (docs/hosted-seccomp.md): clone() must then fail with EAGAIN, as Linux
 * does when it is out of resources, and not kill the process.  Either
 * way the process and the threads it has must go on working: all of
 * them are released and joined, and a new thread starts after that
 * (taking over an ended thread's stub thread on KOS).  The output is the
 * same whichever cap was met; "threadcap -v" also says where it was.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define MAXT 300

static int pfd[2];
static volatile int done_count, started;

static void *worker(void *arg)
{
	char c;

	__atomic_add_fetch(&started, 1, __ATOMIC_RELAXED);
	if (read(pfd[0], &c, 1) == 1)
		__atomic_add_fetch(&done_count, 1, __ATOMIC_RELAXED);
	return arg;
}

/*
 * A raw clone() of a thread that exits at once (it runs only the code
 * after the syscall, no stack): the kernel's own answer, which musl's
 * pthread_create turns into EAGAIN whatever it was.  -errno or a tid.
 */
static long raw_thread_clone(void)
{
	static unsigned char stack[256] __attribute__((aligned(16)));
	long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		     CLONE_THREAD | CLONE_SYSVSEM;
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	long ret;

	__asm__ __volatile__("syscall\n\t"
			     "test %%rax, %%rax\n\t"
			     "jnz 1f\n\t"
			     "mov $60, %%eax\n\t" /* the child: exit(0) */
			     "xor %%edi, %%edi\n\t"
			     "syscall\n"
			     "1:"
			     : "=a"(ret)
			     : "a"((long)SYS_clone), "D"(flags),
			       "S"(stack + sizeof(stack)), "d"(0L), "r"(r10),
			       "r"(r8)
			     : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	static pthread_t t[MAXT];
	pthread_attr_t attr;
	pthread_t extra;
	void *ret = NULL;
	int n, err = 0, joined = 0, written = 0;
	long r;

	setvbuf(stdout, NULL, _IONBF, 0);
	CHECK(pipe(pfd) == 0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 65536);
	for (n = 0; n < MAXT; n++) {
		err = pthread_create(&t[n], &attr, worker, (void *)(intptr_t)n);
		if (err)
			break;
	}
	/* All 300, or the kernel's EAGAIN (checked raw: musl says EAGAIN). */
	CHECK(n == MAXT || err == EAGAIN);
	r = n == MAXT ? -EAGAIN : raw_thread_clone();
	CHECK(r == -EAGAIN);
	CHECK(n >= 100);
	if (argc > 1 && !strcmp(argv[1], "-v"))
		printf("  %d threads besides main, then pthread_create %d, "
		       "raw clone %ld\n",
		       n, err, r);

	/* Every thread runs (on KOS: has its stub thread) at once... */
	while (started < n)
		sched_yield();
	/* ... and they still work: release and join every one. */
	for (int i = 0; i < n; i++)
		written += write(pfd[1], "x", 1) == 1;
	CHECK(written == n);
	for (int i = 0; i < n; i++)
		if (!pthread_join(t[i], &ret) && ret == (void *)(intptr_t)i)
			joined++;
	CHECK(joined == n);
	CHECK(done_count == n);

	/* And a new thread starts. */
	CHECK(pthread_create(&extra, &attr, worker, (void *)(intptr_t)7) == 0);
	CHECK(write(pfd[1], "x", 1) == 1);
	CHECK(pthread_join(extra, &ret) == 0 && ret == (void *)(intptr_t)7);
	CHECK(done_count == n + 1);
	return guest_done("threadcap");
}
