/*
 * signals: signal handlers in a linked-mode program (docs/linked-mode.md),
 * and the same source as an ordinary static program; the output is the
 * same on Linux.  One line per check:
 *
 *   raise/kill     a handler runs, with SA_SIGINFO's siginfo and ucontext
 *   sa_mask        a signal in sa_mask waits until the handler returns
 *   SA_NODEFER     the same signal nests inside its handler
 *   SA_RESETHAND   the handler is SIG_DFL after one delivery
 *   sigprocmask    a blocked signal is pending, delivered on unblocking
 *   sigsuspend     waits for a timer's signal, -1 EINTR after the handler
 *   EINTR/restart  a read interrupted by a handler fails with EINTR, or
 *                  with SA_RESTART starts over and gets the handler's byte
 *   sigwaitinfo    takes a blocked signal without a handler
 *   timer_create   SIGEV_SIGNAL with a value, SI_TIMER
 *   alarm          SIGALRM interrupts pause()
 *   tgkill         a handler runs in the thread it was sent to
 *   PID 1          default actions do not kill PID 1 when it signals
 *                  itself, not even SIGKILL's (as on Linux, and in KOS's
 *                  process mode: the program goes on and exits 0)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int hits, order[8], norder, depth, most, ctx_ok, info_ok;
static volatile int handler_tid;
static int pipefd[2];

static void note(int sig)
{
	if (norder < 8)
		order[norder++] = sig;
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
	ucontext_t *u = uc;

	hits++;
	info_ok = si->si_signo == sig && si->si_pid == getpid();
	/* The mask the handler runs with has sig; the saved one does not. */
	ctx_ok = u && !sigismember(&u->uc_sigmask, sig);
	handler_tid = (int)syscall(SYS_gettid);
}

static void on_order(int sig)
{
	note(sig);
	if (sig == SIGUSR1)
		raise(SIGUSR2); /* in sa_mask: after this handler */
	note(-sig);
}

static int nest_raised;

static void on_nest(int sig)
{
	if (++depth > most)
		most = depth;
	if (!nest_raised++)
		raise(sig);
	depth--;
}

static void on_plain(int sig)
{
	(void)sig;
	hits++;
}

static void on_write(int sig)
{
	(void)sig;
	hits++;
	if (write(pipefd[1], "x", 1) != 1)
		hits = -100;
}

static int timer_value, timer_code;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	timer_value = si->si_value.sival_int;
	timer_code = si->si_code;
}

static void set(int sig, void (*fn)(int), int flags, int masked)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (masked)
		sigaddset(&sa.sa_mask, masked);
	sigaction(sig, &sa, NULL);
}

static void set_info(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* An interval timer's SIGALRM after ms milliseconds. */
static void alarm_ms(int ms)
{
	struct itimerval it = { { 0, 0 }, { 0, ms * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void interrupted_read(int flags)
{
	char c;
	ssize_t n;

	set(SIGALRM, on_write, flags, 0);
	alarm_ms(30);
	n = read(pipefd[0], &c, 1);
	printf("read %s: %s\n", flags ? "with SA_RESTART" : "without",
	       n == 1  ? "restarted, got the handler's byte"
	       : n < 0 ? strerror(errno)
		       : "?");
	if (n < 0) /* drain the handler's byte */
		n = read(pipefd[0], &c, 1);
}

static volatile int thread_ready, thread_tid;

static void *pause_thread(void *arg)
{
	(void)arg;
	thread_tid = (int)syscall(SYS_gettid);
	thread_ready = 1;
	pause();
	return NULL;
}

int main(void)
{
	struct sigaction old;
	struct sigevent sev;
	sigset_t set_usr1, none, pend;
	siginfo_t si;
	timer_t tm;
	pthread_t t;
	int r;

	sigemptyset(&none);
	sigemptyset(&set_usr1);
	sigaddset(&set_usr1, SIGUSR1);

	set_info(SIGUSR1, on_info);
	raise(SIGUSR1);
	printf("raise: %d handled, siginfo %s, ucontext %s\n", hits,
	       info_ok ? "right" : "wrong", ctx_ok ? "right" : "wrong");
	kill(getpid(), SIGUSR1);
	printf("kill: %d handled\n", hits);

	set(SIGUSR1, on_order, 0, SIGUSR2);
	set(SIGUSR2, on_order, 0, 0);
	raise(SIGUSR1);
	printf("sa_mask: order %d %d %d %d\n", order[0], order[1], order[2],
	       order[3]);

	set(SIGUSR1, on_nest, SA_NODEFER, 0);
	raise(SIGUSR1);
	printf("SA_NODEFER: nested %d deep\n", most);
	most = nest_raised = 0;
	set(SIGUSR1, on_nest, 0, 0);
	raise(SIGUSR1);
	printf("without: nested %d deep\n", most);

	hits = 0;
	set(SIGUSR1, on_plain, SA_RESETHAND, 0);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	printf("SA_RESETHAND: %d handled, now %s\n", hits,
	       old.sa_handler == SIG_DFL ? "SIG_DFL" : "still the handler");

	hits = 0;
	set(SIGUSR1, on_plain, 0, 0);
	sigprocmask(SIG_BLOCK, &set_usr1, NULL);
	raise(SIGUSR1);
	sigpending(&pend);
	printf("sigprocmask: blocked, %d handled, pending %d\n", hits,
	       sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &set_usr1, NULL);
	printf("unblocked: %d handled\n", hits);

	hits = 0;
	set(SIGALRM, on_plain, 0, 0);
	sigaddset(&set_usr1, SIGALRM);
	sigprocmask(SIG_BLOCK, &set_usr1, NULL);
	alarm_ms(20);
	r = sigsuspend(&none);
	printf("sigsuspend: %d %s, %d handled\n", r, strerror(errno), hits);
	sigprocmask(SIG_UNBLOCK, &set_usr1, NULL);

	if (pipe(pipefd))
		return 1;
	interrupted_read(0);
	interrupted_read(SA_RESTART);

	sigemptyset(&set_usr1);
	sigaddset(&set_usr1, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set_usr1, NULL);
	raise(SIGUSR2);
	printf("sigwaitinfo: %s\n",
	       sigwaitinfo(&set_usr1, &si) == SIGUSR2 && si.si_pid == getpid()
		       ? "SIGUSR2 from this process"
		       : "wrong");
	sigprocmask(SIG_UNBLOCK, &set_usr1, NULL);

	set_info(SIGRTMIN, on_timer);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	sev.sigev_value.sival_int = 77;
	if (!timer_create(CLOCK_MONOTONIC, &sev, &tm)) {
		struct itimerspec its = { { 0, 0 }, { 0, 20000000 } };

		timer_settime(tm, 0, &its, NULL);
		while (!timer_value)
			pause();
		timer_delete(tm);
	}
	printf("timer_create: value %d, %s\n", timer_value,
	       timer_code == SI_TIMER ? "SI_TIMER" : "wrong code");

	hits = 0;
	set(SIGALRM, on_plain, 0, 0);
	alarm(1);
	r = pause();
	printf("alarm: pause %d %s, %d handled\n", r, strerror(errno), hits);

	set_info(SIGUSR1, on_info);
	pthread_create(&t, NULL, pause_thread, NULL);
	while (!thread_ready)
		sched_yield();
	syscall(SYS_tgkill, getpid(), thread_tid, SIGUSR1);
	pthread_join(t, NULL);
	printf("tgkill: handled in %s\n",
	       handler_tid == thread_tid ? "the target thread" : "another");

	set(SIGTERM, SIG_DFL, 0, 0);
	raise(SIGTERM);
	printf("SIGTERM with SIG_DFL: ignored, PID %d lives on\n", getpid());
	fflush(stdout);
	kill(getpid(), SIGKILL);
	printf("not reached: SIGKILL to itself is ignored by PID 1\n");
	return 0;
}
