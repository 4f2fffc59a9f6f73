/*
 * POSIX threads through the C library (musl's or glibc's own clone,
 * futex, set_robust_list, TLS setup): create/join/detach, return values,
 * mutexes (normal, recursive, errorcheck, trylock), condition variables
 * (signal, broadcast, timed wait), rwlocks, barriers, pthread_once, keys
 * with destructors, __thread variables, cancellation (deferred at a
 * cancellation point, cleanup handlers, asynchronous refused as
 * PTHREAD_CANCELED is still returned), pthread_kill and per-thread
 * signal masks, and 64 threads at once.  Prints one line per part and
 * the summary.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

/*
 * pthread_create that ends the program if it fails: the waits below
 * would never end without the thread.
 */
static int start(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *),
		 void *arg)
{
	int r = pthread_create(t, a, fn, arg);

	if (r) {
		printf("pthread_create: error %d, giving up\n", r);
		exit(guest_done("pthreads") | 1);
	}
	return 0;
}

static __thread int tls_value = 7;
static __thread char tls_buf[64];

static void *ret_arg(void *arg)
{
	return (void *)((uintptr_t)arg * 2);
}

static void *tls_thread(void *arg)
{
	int seen = tls_value;

	tls_value = (int)(uintptr_t)arg;
	tls_buf[0] = 'a' + (int)(uintptr_t)arg;
	return (void *)(uintptr_t)(seen == 7 && tls_buf[1] == 0);
}

static void create_join(void)
{
	pthread_t t[4];
	void *r;
	int ok = 1;

	for (uintptr_t i = 0; i < 4; i++)
		CHECK(start(&t[i], NULL, ret_arg, (void *)i) == 0);
	for (uintptr_t i = 0; i < 4; i++) {
		CHECK(pthread_join(t[i], &r) == 0);
		ok &= r == (void *)(i * 2);
	}
	CHECK(ok);
	for (uintptr_t i = 0; i < 4; i++)
		CHECK(start(&t[i], NULL, tls_thread, (void *)i) == 0);
	for (int i = 0; i < 4; i++) {
		CHECK(pthread_join(t[i], &r) == 0);
		CHECK(r == (void *)1);
	}
	CHECK(tls_value == 7 && tls_buf[0] == 0);
	printf("create/join: return values and __thread variables\n");
}

static volatile int detached_ran;
static pthread_mutex_t det_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t det_cond = PTHREAD_COND_INITIALIZER;

static void *detached(void *arg)
{
	pthread_mutex_lock(&det_lock);
	detached_ran = 1;
	pthread_cond_signal(&det_cond);
	pthread_mutex_unlock(&det_lock);
	return NULL;
}

static void detach(void)
{
	pthread_t t;
	pthread_attr_t a;

	pthread_attr_init(&a);
	CHECK(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED) == 0);
	CHECK(pthread_attr_setstacksize(&a, 256 * 1024) == 0);
	pthread_mutex_lock(&det_lock);
	CHECK(start(&t, &a, detached, NULL) == 0);
	while (!detached_ran)
		pthread_cond_wait(&det_cond, &det_lock);
	pthread_mutex_unlock(&det_lock);
	pthread_attr_destroy(&a);
	CHECK(start(&t, NULL, detached, NULL) == 0);
	CHECK(pthread_detach(t) == 0);
	printf("detach: attribute and pthread_detach\n");
}

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add_many(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&counter_lock);
		counter++;
		pthread_mutex_unlock(&counter_lock);
	}
	return NULL;
}

static void mutexes(void)
{
	pthread_t t[4];
	pthread_mutex_t m;
	pthread_mutexattr_t a;

	counter = 0;
	for (int i = 0; i < 4; i++)
		CHECK(start(&t[i], NULL, add_many, NULL) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(counter == 80000);

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&m, &a);
	CHECK(pthread_mutex_lock(&m) == 0);
	CHECK(pthread_mutex_lock(&m) == 0);
	CHECK(pthread_mutex_trylock(&m) == 0);
	for (int i = 0; i < 3; i++)
		CHECK(pthread_mutex_unlock(&m) == 0);
	CHECK(pthread_mutex_unlock(&m) == EPERM);
	pthread_mutex_destroy(&m);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &a);
	CHECK(pthread_mutex_lock(&m) == 0);
	CHECK(pthread_mutex_lock(&m) == EDEADLK);
	CHECK(pthread_mutex_unlock(&m) == 0);
	CHECK(pthread_mutex_unlock(&m) == EPERM);
	pthread_mutex_destroy(&m);
	pthread_mutexattr_destroy(&a);
	printf("mutex: 4 x 20000 increments, recursive, errorcheck\n");
}

static void *try_from_other(void *arg)
{
	return (void *)(uintptr_t)pthread_mutex_trylock(arg);
}

static void *timed_from_other(void *arg)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return (void *)(uintptr_t)pthread_mutex_timedlock(arg, &ts);
}

static void trylock(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_t t;
	void *r;

	pthread_mutex_lock(&m);
	start(&t, NULL, try_from_other, &m);
	pthread_join(t, &r);
	CHECK(r == (void *)EBUSY);
	start(&t, NULL, timed_from_other, &m);
	pthread_join(t, &r);
	CHECK(r == (void *)ETIMEDOUT);
	pthread_mutex_unlock(&m);
	printf("mutex: trylock EBUSY from another thread, timedlock\n");
}

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_nonempty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_nonfull = PTHREAD_COND_INITIALIZER;
static int queue[8], q_head, q_count;

static void *producer(void *arg)
{
	for (int i = 1; i <= 1000; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_count == 8)
			pthread_cond_wait(&q_nonfull, &q_lock);
		queue[(q_head + q_count++) % 8] = i;
		pthread_cond_signal(&q_nonempty);
		pthread_mutex_unlock(&q_lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long sum = 0;

	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_count == 0)
			pthread_cond_wait(&q_nonempty, &q_lock);
		sum += queue[q_head];
		q_head = (q_head + 1) % 8;
		q_count--;
		pthread_cond_signal(&q_nonfull);
		pthread_mutex_unlock(&q_lock);
	}
	return (void *)sum;
}

static int go;
static int waiting;

static void *wait_go(void *arg)
{
	pthread_mutex_lock(&q_lock);
	waiting++;
	pthread_cond_signal(&q_nonfull);
	while (!go)
		pthread_cond_wait(&q_nonempty, &q_lock);
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

static void condvars(void)
{
	pthread_t p, c, w[5];
	void *sum;
	struct timespec ts;

	start(&c, NULL, consumer, NULL);
	start(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, &sum);
	CHECK((long)sum == 1000L * 1001 / 2);

	for (int i = 0; i < 5; i++)
		start(&w[i], NULL, wait_go, NULL);
	pthread_mutex_lock(&q_lock);
	while (waiting < 5)
		pthread_cond_wait(&q_nonfull, &q_lock);
	go = 1;
	pthread_cond_broadcast(&q_nonempty);
	pthread_mutex_unlock(&q_lock);
	for (int i = 0; i < 5; i++)
		CHECK(pthread_join(w[i], NULL) == 0);

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&q_lock);
	CHECK(pthread_cond_timedwait(&q_nonempty, &q_lock, &ts) == ETIMEDOUT);
	pthread_mutex_unlock(&q_lock);
	printf("condvar: producer/consumer of 1000, broadcast to 5, "
	       "timedwait\n");
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int shared_data[4];

static void *reader(void *arg)
{
	int bad = 0;

	for (int i = 0; i < 2000; i++) {
		pthread_rwlock_rdlock(&rw);
		bad += shared_data[0] != shared_data[3];
		pthread_rwlock_unlock(&rw);
	}
	return (void *)(uintptr_t)bad;
}

static void *writer(void *arg)
{
	for (int i = 0; i < 2000; i++) {
		pthread_rwlock_wrlock(&rw);
		for (int j = 0; j < 4; j++)
			shared_data[j]++;
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void rwlocks(void)
{
	pthread_t r[3], w;
	void *bad;
	int total = 0;

	start(&w, NULL, writer, NULL);
	for (int i = 0; i < 3; i++)
		start(&r[i], NULL, reader, NULL);
	pthread_join(w, NULL);
	for (int i = 0; i < 3; i++) {
		pthread_join(r[i], &bad);
		total += (int)(uintptr_t)bad;
	}
	CHECK(total == 0);
	CHECK(shared_data[0] == 2000);
	CHECK(pthread_rwlock_rdlock(&rw) == 0);
	CHECK(pthread_rwlock_tryrdlock(&rw) == 0);
	CHECK(pthread_rwlock_trywrlock(&rw) == EBUSY);
	pthread_rwlock_unlock(&rw);
	pthread_rwlock_unlock(&rw);
	printf("rwlock: readers never see a half write\n");
}

static pthread_barrier_t barrier;
static volatile int phase_count[3];

static void *barrier_thread(void *arg)
{
	int serial = 0;

	for (int ph = 0; ph < 3; ph++) {
		__atomic_add_fetch(&phase_count[ph], 1, __ATOMIC_SEQ_CST);
		int r = pthread_barrier_wait(&barrier);

		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			serial++;
		else if (r != 0)
			return (void *)-1;
		/* everyone arrived before anyone leaves */
		if (phase_count[ph] != 4)
			return (void *)-1;
	}
	return (void *)(uintptr_t)serial;
}

static void barriers(void)
{
	pthread_t t[4];
	void *r;
	long serial = 0;

	pthread_barrier_init(&barrier, NULL, 4);
	for (int i = 0; i < 4; i++)
		start(&t[i], NULL, barrier_thread, NULL);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &r);
		CHECK(r != (void *)-1);
		serial += (long)r;
	}
	CHECK(serial == 3);
	pthread_barrier_destroy(&barrier);
	printf("barrier: 4 threads, 3 phases, one serial thread each\n");
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static pthread_key_t key;
static volatile int destructor_runs;

static void once_fn(void)
{
	once_runs++;
}

static void destroy(void *v)
{
	__atomic_add_fetch(&destructor_runs, (int)(uintptr_t)v,
			   __ATOMIC_SEQ_CST);
}

static void *key_thread(void *arg)
{
	pthread_once(&once, once_fn);
	CHECK(pthread_getspecific(key) == NULL);
	pthread_setspecific(key, arg);
	CHECK(pthread_getspecific(key) == arg);
	return NULL;
}

static void once_keys(void)
{
	pthread_t t[3];

	CHECK(pthread_key_create(&key, destroy) == 0);
	for (uintptr_t i = 0; i < 3; i++)
		start(&t[i], NULL, key_thread, (void *)(i + 1));
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK(once_runs == 1);
	CHECK(destructor_runs == 1 + 2 + 3);
	pthread_key_delete(key);
	printf("pthread_once ran once; key destructors ran per thread\n");
}

static volatile int cleanup_ran;
static volatile int cancel_started;

static void cleanup(void *arg)
{
	cleanup_ran = (int)(uintptr_t)arg;
}

static void *cancel_me(void *arg)
{
	int fds[2];
	char c;

	pipe(fds);
	pthread_cleanup_push(cleanup, (void *)42);
	cancel_started = 1;
	read(fds[0], &c, 1); /* a cancellation point that blocks */
	pthread_cleanup_pop(0);
	return NULL;
}

static void *no_cancel(void *arg)
{
	int old;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	while (!cancel_started)
		sched_yield();
	usleep(20000);
	pthread_setcancelstate(old, NULL);
	pthread_testcancel();
	return (void *)1;
}

static void cancellation(void)
{
	pthread_t t;
	void *r;

	start(&t, NULL, cancel_me, NULL);
	while (!cancel_started)
		usleep(1000);
	usleep(10000);
	CHECK(pthread_cancel(t) == 0);
	CHECK(pthread_join(t, &r) == 0);
	CHECK(r == PTHREAD_CANCELED);
	CHECK(cleanup_ran == 42);
	start(&t, NULL, no_cancel, NULL);
	CHECK(pthread_cancel(t) == 0);
	CHECK(pthread_join(t, &r) == 0);
	CHECK(r == PTHREAD_CANCELED);
	printf("cancel: blocked in read, cleanup handler; deferred while "
	       "disabled\n");
}

static volatile pid_t sig_tid;

static void on_usr1(int s)
{
	sig_tid = syscall(SYS_gettid);
}

static volatile pid_t waiter_tid;

static void *sig_waiter(void *arg)
{
	waiter_tid = syscall(SYS_gettid);
	while (!sig_tid)
		usleep(1000);
	return NULL;
}

static void signals(void)
{
	pthread_t t;
	sigset_t set;
	struct sigaction sa = { 0 };

	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	start(&t, NULL, sig_waiter, NULL);
	while (!waiter_tid)
		usleep(1000);
	CHECK(pthread_kill(t, SIGUSR1) == 0);
	pthread_join(t, NULL);
	CHECK(sig_tid == waiter_tid);
	/* masked in this thread: a process signal goes to another one */
	sig_tid = 0;
	waiter_tid = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	start(&t, NULL, sig_waiter, NULL);
	while (!waiter_tid)
		usleep(1000);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR1);
	pthread_join(t, NULL);
	CHECK(sig_tid == waiter_tid);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGUSR1, SIG_DFL);
	printf("signals: pthread_kill and process signals go to the right "
	       "thread\n");
}

static void *sum_thread(void *arg)
{
	volatile long s = 0;

	for (long i = 0; i < 1000; i++)
		s += i;
	__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
	return (void *)(uintptr_t)(s == 999L * 1000 / 2);
}

static void many(void)
{
	pthread_t t[64];
	pthread_attr_t a;
	void *r;
	int created = 0, ok = 0;

	counter = 0;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	for (int i = 0; i < 64; i++)
		created += pthread_create(&t[i], &a, sum_thread, NULL) == 0;
	for (int i = 0; i < created; i++) {
		pthread_join(t[i], &r);
		ok += r == (void *)1;
	}
	pthread_attr_destroy(&a);
	CHECK(created == 64 && ok == 64 && counter == 64);
	printf("64 threads at once: %d created, %d joined\n", created, ok);
}

/*
 * 40 threads alive at once, each having run user code (the barrier):
 * hosted seccomp mode then has 41 stub threads in one stub process, more
 * than the 28 slots of its first reservation.
 */
#define WIDE 40
static pthread_barrier_t wide_bar;

static void *wide_thread(void *arg)
{
	int r = pthread_barrier_wait(&wide_bar);

	return (void *)(uintptr_t)(r == 0 ||
				   r == PTHREAD_BARRIER_SERIAL_THREAD);
}

static void wide(void)
{
	pthread_t t[WIDE];
	pthread_attr_t a;
	void *r;
	int ok = 0;

	pthread_barrier_init(&wide_bar, NULL, WIDE + 1);
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	for (int i = 0; i < WIDE; i++)
		start(&t[i], &a, wide_thread, NULL);
	pthread_barrier_wait(&wide_bar);
	for (int i = 0; i < WIDE; i++) {
		pthread_join(t[i], &r);
		ok += r == (void *)1;
	}
	pthread_attr_destroy(&a);
	pthread_barrier_destroy(&wide_bar);
	CHECK(ok == WIDE);
	printf("%d threads waiting at one barrier: %d passed it\n", WIDE, ok);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	create_join();
	detach();
	mutexes();
	trylock();
	condvars();
	rwlocks();
	barriers();
	once_keys();
	cancellation();
	signals();
	many();
	wide();
	return guest_done("pthreads");
}
