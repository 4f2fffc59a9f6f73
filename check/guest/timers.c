/*
 * Interval timers and POSIX timers through the C library: ITIMER_REAL
 * firing periodically, ITIMER_VIRTUAL and ITIMER_PROF while spinning,
 * timer_create with SIGEV_SIGNAL (value, periodic, overruns while
 * blocked), SIGEV_THREAD (the callback on another thread), SIGEV_NONE
 * (timer_gettime counts down), CPU-time clock timers (the process's,
 * a thread's by pthread_getcpuclockid, another process's by
 * clock_getcpuclockid, TIMER_ABSTIME, periodic), clock_nanosleep to an
 * absolute time.  Only counts and relations are printed.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static volatile int ticks[65];

static void tick(int sig)
{
	ticks[sig]++;
}

static long now_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void itimers(void)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, zero = { 0 };
	sigset_t none;
	volatile unsigned long x = 0;
	long t0;

	signal(SIGALRM, tick);
	signal(SIGVTALRM, tick);
	signal(SIGPROF, tick);
	sigemptyset(&none);
	setitimer(ITIMER_REAL, &it, NULL);
	/* short sleeps, each ended early by the signal: 2 s at most */
	for (int i = 0; i < 200 && ticks[SIGALRM] < 5; i++)
		usleep(10000);
	setitimer(ITIMER_REAL, &zero, NULL);
	CHECK(ticks[SIGALRM] >= 5);
	printf("ITIMER_REAL every 10 ms: 5 signals (%s), then disarmed\n",
	       ticks[SIGALRM] >= 5 ? "yes" : "no");

	setitimer(ITIMER_VIRTUAL, &it, NULL);
	setitimer(ITIMER_PROF, &it, NULL);
	t0 = now_ms(CLOCK_MONOTONIC);
	while ((ticks[SIGVTALRM] < 2 || ticks[SIGPROF] < 2) &&
	       now_ms(CLOCK_MONOTONIC) - t0 < 5000)
		for (int i = 0; i < 10000; i++)
			x += i;
	setitimer(ITIMER_VIRTUAL, &zero, NULL);
	setitimer(ITIMER_PROF, &zero, NULL);
	CHECK(ticks[SIGVTALRM] >= 2 && ticks[SIGPROF] >= 2);
	printf("ITIMER_VIRTUAL and ITIMER_PROF while spinning: both fired "
	       "twice (%s)\n",
	       ticks[SIGVTALRM] >= 2 && ticks[SIGPROF] >= 2 ? "yes" : "no");
}

static void signal_timer(void)
{
	struct sigevent ev;
	struct itimerspec its = { { 0, 5000000 }, { 0, 5000000 } };
	timer_t t;
	sigset_t set;
	siginfo_t si;
	int got = 0, values_ok = 1;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN + 4;
	ev.sigev_value.sival_int = 1234;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 4);
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
	CHECK(timer_settime(t, 0, &its, NULL) == 0);
	for (int i = 0; i < 5; i++) {
		struct timespec ts = { 1, 0 };

		if (sigtimedwait(&set, &si, &ts) == SIGRTMIN + 4) {
			got++;
			values_ok &= si.si_code == SI_TIMER &&
				     si.si_value.sival_int == 1234;
		}
	}
	CHECK(got == 5 && values_ok);
	printf("SIGEV_SIGNAL every 5 ms: %d signals with SI_TIMER and the "
	       "value\n",
	       got);
	/* blocked for 40 ms: one signal, overruns counted */
	usleep(40000);
	memset(&si, 0, sizeof(si));
	sigtimedwait(&set, &si, &(struct timespec){ 1, 0 });
	CHECK(si.si_overrun >= 3 && timer_getoverrun(t) >= 3);
	printf("blocked for 40 ms: one signal, overrun count >= 3 (%s)\n",
	       si.si_overrun >= 3 ? "yes" : "no");
	CHECK(timer_delete(t) == 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static volatile int thread_calls;
static volatile int thread_other = 1;
static pthread_t main_thread;

static void on_expire(union sigval v)
{
	if (pthread_equal(pthread_self(), main_thread) || v.sival_int != 77)
		thread_other = 0;
	__atomic_add_fetch(&thread_calls, 1, __ATOMIC_SEQ_CST);
}

static void thread_timer(void)
{
	struct sigevent ev;
	struct itimerspec its = { { 0, 5000000 }, { 0, 5000000 } }, off;
	timer_t t;

	main_thread = pthread_self();
	memset(&ev, 0, sizeof(ev));
	memset(&off, 0, sizeof(off));
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = on_expire;
	ev.sigev_value.sival_int = 77;
	CHECK(timer_create(CLOCK_REALTIME, &ev, &t) == 0);
	timer_settime(t, 0, &its, NULL);
	for (int i = 0; i < 500 && thread_calls < 3; i++)
		usleep(2000);
	timer_settime(t, 0, &off, NULL);
	CHECK(thread_calls >= 3 && thread_other);
	printf("SIGEV_THREAD: the callback ran on another thread with the "
	       "value (%s)\n",
	       thread_calls >= 3 && thread_other ? "yes" : "no");
	timer_delete(t);
}

static void none_timer(void)
{
	struct sigevent ev;
	struct itimerspec its = { { 0, 0 }, { 1, 0 } }, a, b;
	timer_t t;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_NONE;
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
	timer_settime(t, 0, &its, NULL);
	timer_gettime(t, &a);
	usleep(20000);
	timer_gettime(t, &b);
	CHECK(b.it_value.tv_nsec < a.it_value.tv_nsec ||
	      b.it_value.tv_sec < a.it_value.tv_sec);
	printf("SIGEV_NONE: timer_gettime counts down (%s)\n",
	       b.it_value.tv_sec * 1000000000L + b.it_value.tv_nsec <
			       a.it_value.tv_sec * 1000000000L +
				       a.it_value.tv_nsec
		       ? "yes"
		       : "no");
	timer_delete(t);
}

static void cputime_timer(void)
{
	struct sigevent ev;
	struct itimerspec its = { { 0, 0 }, { 0, 20000000 } };
	volatile unsigned long x = 0;
	timer_t t;
	long t0;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	signal(SIGUSR1, tick);
	CHECK(timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &t) == 0);
	timer_settime(t, 0, &its, NULL);
	t0 = now_ms(CLOCK_MONOTONIC);
	while (!ticks[SIGUSR1] && now_ms(CLOCK_MONOTONIC) - t0 < 5000)
		for (int i = 0; i < 10000; i++)
			x += i;
	CHECK(ticks[SIGUSR1] == 1);
	printf("CLOCK_PROCESS_CPUTIME_ID timer after 20 ms of CPU: %d "
	       "signal\n",
	       ticks[SIGUSR1]);
	timer_delete(t);
}

static void spin_until(volatile int *flag, int n, long max_ms)
{
	volatile unsigned long x = 0;
	long t0 = now_ms(CLOCK_MONOTONIC);

	while (*flag < n && now_ms(CLOCK_MONOTONIC) - t0 < max_ms)
		for (int i = 0; i < 10000; i++)
			x += i;
}

static void *sleeper(void *arg)
{
	usleep(200000);
	return arg;
}

/* Is sig pending within ms milliseconds (it is blocked)? */
static int arrives(int sig, long ms)
{
	sigset_t set;
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, NULL, &ts) == sig;
}

static void cpu_clocks(void)
{
	struct sigevent ev;
	struct itimerspec its = { { 0, 5000000 }, { 0, 5000000 } }, cur;
	struct timespec now;
	sigset_t set;
	clockid_t c;
	pthread_t th;
	timer_t t;
	pid_t child;
	int st;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR2;
	signal(SIGUSR2, tick);

	/* this thread's clock, periodic */
	CHECK(pthread_getcpuclockid(pthread_self(), &c) == 0);
	CHECK(timer_create(c, &ev, &t) == 0);
	CHECK(timer_settime(t, 0, &its, NULL) == 0);
	CHECK(timer_gettime(t, &cur) == 0);
	CHECK(cur.it_interval.tv_nsec == 5000000 && cur.it_value.tv_sec == 0 &&
	      cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 5000000);
	spin_until(&ticks[SIGUSR2], 3, 5000);
	CHECK(ticks[SIGUSR2] >= 3);
	printf("thread CPU clock, every 5 ms of CPU: 3 signals (%s)\n",
	       ticks[SIGUSR2] >= 3 ? "yes" : "no");
	timer_delete(t);

	/* another thread's clock: it sleeps, so no signal */
	ticks[SIGUSR2] = 0;
	CHECK(pthread_create(&th, NULL, sleeper, NULL) == 0);
	CHECK(pthread_getcpuclockid(th, &c) == 0);
	CHECK(timer_create(c, &ev, &t) == 0);
	its.it_interval.tv_nsec = 0;
	its.it_value.tv_nsec = 50000000;
	CHECK(timer_settime(t, 0, &its, NULL) == 0);
	spin_until(&ticks[SIGUSR2], 1, 100);
	CHECK(ticks[SIGUSR2] == 0);
	printf("a sleeping thread's CPU clock timer: %d signals\n",
	       ticks[SIGUSR2]);
	timer_delete(t);
	pthread_join(th, NULL);

	/* the process's clock by clock_getcpuclockid, TIMER_ABSTIME */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK(clock_getcpuclockid(getpid(), &c) == 0);
	CHECK(timer_create(c, &ev, &t) == 0);
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 1;
	CHECK(timer_settime(t, TIMER_ABSTIME, &its, NULL) == 0);
	st = arrives(SIGUSR2, 1000);
	CHECK(st);
	printf("TIMER_ABSTIME at a CPU time already reached fires: %s\n",
	       st ? "yes" : "no");
	clock_gettime(c, &now);
	its.it_value = now;
	its.it_value.tv_nsec += 30000000;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	CHECK(timer_settime(t, TIMER_ABSTIME, &its, NULL) == 0);
	st = arrives(SIGUSR2, 100); /* sleeping uses no CPU */
	CHECK(!st);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	ticks[SIGUSR2] = 0;
	/* 30 ms of CPU: under valgrind on a loaded machine that took more
	 * than 5 s of wall time once; the spin stops at the signal */
	spin_until(&ticks[SIGUSR2], 1, 30000);
	CHECK(ticks[SIGUSR2] == 1);
	printf("TIMER_ABSTIME 30 ms of CPU ahead: not while sleeping (%s), "
	       "then %d signal\n",
	       st ? "no" : "yes", ticks[SIGUSR2]);
	timer_delete(t);

	/* a child's clock: the signal comes to us while it spins */
	child = fork();
	if (child == 0) {
		volatile unsigned long x = 0;

		for (long t0 = now_ms(CLOCK_MONOTONIC);
		     now_ms(CLOCK_MONOTONIC) - t0 < 10000;)
			x++;
		_exit(0);
	}
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK(clock_getcpuclockid(child, &c) == 0);
	CHECK(timer_create(c, &ev, &t) == 0);
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 20000000;
	CHECK(timer_settime(t, 0, &its, NULL) == 0);
	st = arrives(SIGUSR2, 5000);
	CHECK(st);
	printf("a child's CPU clock timer signals the parent: %s\n",
	       st ? "yes" : "no");
	timer_delete(t);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/* the clock of a process that does not exist */
	errno = 0;
	CHECK(timer_create((clockid_t)((~99999U << 3) | 2), &ev, &t) == -1 &&
	      errno == EINVAL);
	CHECK(timer_create(CLOCK_MONOTONIC_RAW, &ev, &t) == -1 &&
	      errno == EOPNOTSUPP);
	printf("timer_create: no such process EINVAL, MONOTONIC_RAW "
	       "EOPNOTSUPP\n");
}

static void abs_sleep(void)
{
	struct timespec target, now;

	clock_gettime(CLOCK_MONOTONIC, &target);
	target.tv_nsec += 20000000;
	if (target.tv_nsec >= 1000000000) {
		target.tv_sec++;
		target.tv_nsec -= 1000000000;
	}
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL) ==
	      0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	CHECK(now.tv_sec > target.tv_sec ||
	      (now.tv_sec == target.tv_sec && now.tv_nsec >= target.tv_nsec));
	printf("clock_nanosleep(TIMER_ABSTIME) wakes at or after the "
	       "target\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	itimers();
	signal_timer();
	thread_timer();
	none_timer();
	cputime_timer();
	cpu_clocks();
	abs_sleep();
	return guest_done("timers");
}
