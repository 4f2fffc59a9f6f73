/*
 * threads: POSIX threads in a linked-mode program (docs/linked-mode.md),
 * and the same source as an ordinary static program.  Its output must
 * not depend on how it was built, nor on which kernel runs it (Linux
 * too): it prints no tids or addresses, only what they satisfy.
 *
 *   create/join    pthread_create and pthread_join, the value returned
 *   exit           pthread_exit's value reaches the joiner
 *   detach         detached threads end on their own; their stacks (musl
 *                  unmaps them itself) and the thread-list lock the
 *                  kernel releases at exit (CLONE_CHILD_CLEARTID) let
 *                  more threads be made
 *   stack          a thread runs on the stack musl mapped for it
 *   tids           gettid differs per thread, set_tid_address returns it
 *   mutex/condvar  a producer and consumers over futexes
 *   tgkill         a signal sent to one thread, which has it blocked and
 *                  takes it with sigwaitinfo
 *   many           50 threads at once, 1000 in all
 *   spin           a thread that never makes a system call does not keep
 *                  the others from running (preemption)
 *   fpu            threads computing with SSE at once get their own
 *                  registers back after every switch
 *   last           the main thread exits first (pthread_exit); another
 *                  still reads the environment and ends the program
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

static void *ret_arg(void *arg)
{
	return (void *)((uintptr_t)arg * 2);
}

static void *exit_arg(void *arg)
{
	pthread_exit((void *)((uintptr_t)arg + 1));
	return NULL;
}

static int detached_done;

static void *detached_fn(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	detached_done++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *stack_fn(void *arg)
{
	pthread_attr_t a;
	void *lo;
	size_t size;
	char here;
	int ok = 0;

	(void)arg;
	if (!pthread_getattr_np(pthread_self(), &a) &&
	    !pthread_attr_getstack(&a, &lo, &size))
		ok = (char *)lo <= &here && &here < (char *)lo + size;
	return (void *)(uintptr_t)ok;
}

static void *tid_fn(void *arg)
{
	int *tid = arg;

	*tid = (int)syscall(SYS_gettid);
	return NULL;
}

/* The producer/consumer queue. */
#define QUEUE_ITEMS 2000
static int queue[16], q_head, q_tail, q_count, q_done;
static long consumed_sum;

static void *consumer(void *arg)
{
	long sum = 0;

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!q_count && !q_done)
			pthread_cond_wait(&cond, &lock);
		if (!q_count)
			break;
		sum += queue[q_head];
		q_head = (q_head + 1) % 16;
		q_count--;
		pthread_cond_broadcast(&cond);
	}
	consumed_sum += sum;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void producer_consumers(void)
{
	pthread_t c[4];
	long want = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&c[i], NULL, consumer, NULL);
	for (int i = 1; i <= QUEUE_ITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (q_count == 16)
			pthread_cond_wait(&cond, &lock);
		queue[q_tail] = i;
		q_tail = (q_tail + 1) % 16;
		q_count++;
		want += i;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	q_done = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < 4; i++)
		pthread_join(c[i], NULL);
	printf("mutex/condvar: %d items, sum %s\n", QUEUE_ITEMS,
	       consumed_sum == want ? "right" : "wrong");
}

static volatile int sig_ready;

static void *sigwait_fn(void *arg)
{
	siginfo_t si;
	sigset_t set;
	int *out = arg;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	out[0] = (int)syscall(SYS_gettid);
	sig_ready = 1;
	if (sigwaitinfo(&set, &si) == SIGUSR1)
		out[1] = si.si_signo == SIGUSR1 && si.si_pid == getpid();
	return NULL;
}

static void tgkill_test(void)
{
	sigset_t set, old;
	pthread_t t;
	int out[2] = { 0, 0 };

	/* Blocked in every thread made from here on. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	pthread_create(&t, NULL, sigwait_fn, out);
	while (!sig_ready)
		sched_yield();
	printf("tgkill: %s\n", syscall(SYS_tgkill, getpid(), out[0], SIGUSR1)
				       ? "failed"
				       : "sent");
	pthread_join(t, NULL);
	printf("sigwaitinfo in the thread: %s\n",
	       out[1] ? "SIGUSR1 from this process" : "no");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static int running, most;

static void *many_fn(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	if (++running > most)
		most = running;
	pthread_mutex_unlock(&lock);
	sched_yield();
	pthread_mutex_lock(&lock);
	running--;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void many_test(void)
{
	pthread_t t[50];
	int made = 0, joined = 0;
	pthread_attr_t a;

	/* Small stacks, as many programs ask: 64 KiB. */
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 << 10);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 50; i++)
			made += !pthread_create(&t[i], &a, many_fn, NULL);
		for (int i = 0; i < 50; i++)
			joined += !pthread_join(t[i], NULL);
	}
	printf("many: %d made, %d joined, %s at once\n", made, joined,
	       most > 1 ? "several" : "one");
}

static volatile int spin_go, spin_seen;

static void *spin_fn(void *arg)
{
	(void)arg;
	spin_go = 1;
	while (!spin_seen)
		; /* no system call */
	return NULL;
}

/* An SSE computation long enough to be preempted many times. */
static double fpu_work(double seed, long n)
{
	double x = seed, y = 1.0 / (seed + 1.0);

	for (long i = 0; i < n; i++) {
		x = x * 0.999999 + y;
		y = y * 1.000001 - x * 1e-9;
	}
	return x + y;
}

#define FPU_THREADS 3
#define FPU_ITERS 3000000L
static double fpu_got[FPU_THREADS];

static void *fpu_fn(void *arg)
{
	int i = (int)(uintptr_t)arg;

	fpu_got[i] = fpu_work(i + 1.5, FPU_ITERS);
	return NULL;
}

/* Outlives the main thread, then exits the process with status 4. */
static void *last_fn(void *arg)
{
	struct timespec ts = { 0, 50000000 };

	(void)arg;
	nanosleep(&ts, NULL);
	printf("after the main thread: environment %s\n",
	       getenv("HOME") ? "still there" : "gone");
	exit(4);
}

int main(void)
{
	pthread_t t, d[20];
	void *v;
	int tids[3] = { 0, 0, 0 };
	int ok;

	ok = !pthread_create(&t, NULL, ret_arg, (void *)21) &&
	     !pthread_join(t, &v);
	printf("create/join: %s, returned %d\n", ok ? "ok" : "failed",
	       (int)(uintptr_t)v);
	ok = !pthread_create(&t, NULL, exit_arg, (void *)41) &&
	     !pthread_join(t, &v);
	printf("pthread_exit: %s, value %d\n", ok ? "ok" : "failed",
	       (int)(uintptr_t)v);

	for (int i = 0; i < 20; i++) {
		pthread_create(&d[i], NULL, detached_fn, NULL);
		pthread_detach(d[i]);
	}
	pthread_mutex_lock(&lock);
	while (detached_done < 20)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	printf("detach: %d detached threads ran\n", detached_done);

	pthread_create(&t, NULL, stack_fn, NULL);
	pthread_join(t, &v);
	printf("stack: %s\n", v ? "the thread's own" : "elsewhere");

	for (int i = 1; i < 3; i++) {
		pthread_create(&t, NULL, tid_fn, &tids[i]);
		pthread_join(t, NULL);
	}
	tids[0] = (int)syscall(SYS_gettid);
	printf("gettid: main is %s, threads %s\n",
	       tids[0] == getpid() ? "the pid" : "not the pid",
	       tids[1] > 0 && tids[2] > 0 && tids[1] != tids[2] &&
			       tids[1] != tids[0] && tids[2] != tids[0]
		       ? "distinct"
		       : "wrong");

	producer_consumers();
	tgkill_test();
	many_test();

	pthread_create(&t, NULL, spin_fn, NULL);
	while (!spin_go)
		sched_yield();
	spin_seen = 1; /* only reached if the spinner was preempted */
	pthread_join(t, NULL);
	printf("spin: the spinning thread was preempted\n");

	for (int i = 0; i < FPU_THREADS; i++)
		pthread_create(&d[i], NULL, fpu_fn, (void *)(uintptr_t)i);
	for (int i = 0; i < FPU_THREADS; i++)
		pthread_join(d[i], NULL);
	ok = 1;
	for (int i = 0; i < FPU_THREADS; i++)
		ok &= fpu_got[i] == fpu_work(i + 1.5, FPU_ITERS);
	printf("fpu: %d threads, results %s\n", FPU_THREADS,
	       ok ? "exact" : "WRONG");
	/*
	 * set_tid_address returns the caller's tid.  Last, in the main
	 * thread: the address it sets is what the kernel clears at the
	 * thread's exit, which the C library's own (its join, musl's thread
	 * list lock) relies on.
	 */
	static int cleared;
	printf("set_tid_address: %s\n",
	       syscall(SYS_set_tid_address, &cleared) == tids[0] ? "the tid"
								 : "wrong");
	/* The main thread leaves first; the last thread ends the program. */
	fflush(stdout);
	pthread_create(&t, NULL, last_fn, NULL);
	pthread_exit(NULL);
}
