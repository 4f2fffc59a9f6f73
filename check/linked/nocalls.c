/*
 * nocalls: signals and the group's end reaching threads that make no
 * system calls (docs/linked-mode.md), and the same source as an ordinary
 * static program; the output is the same on Linux.  One line per check:
 *
 *   pthread_kill   a thread spinning without calls gets a signal sent to
 *                  it: the handler runs in that thread and stops it
 *   itimer         the main thread spins until SIGALRM's handler (from
 *                  setitimer) sets a flag
 *   mask           a blocked signal waits while the thread spins (and
 *                  until it is pending); the handler runs once the
 *                  thread unblocks it
 *   exit           last: with a thread spinning for good, exit(5) ends
 *                  the program, status 5 (exit_group reaches the thread)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile int stop, alarmed, handled_tid, spin_tid, spinning;
static volatile unsigned long spins;

static void on_usr1(int sig)
{
	(void)sig;
	handled_tid = gettid();
	stop = 1;
}

static void on_alrm(int sig)
{
	(void)sig;
	alarmed = 1;
}

static void *spin(void *arg)
{
	(void)arg;
	spin_tid = gettid();
	spinning = 1;
	while (!stop)
		spins++;
	return NULL;
}

static void *spin_forever(void *arg)
{
	(void)arg;
	spinning = 1;
	for (;;)
		spins++;
	return NULL;
}

/* Wait (with calls) up to about 10 s for *flag. */
static int wait_for(volatile int *flag)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 1000 && !*flag; i++)
		nanosleep(&ts, NULL);
	return *flag;
}

int main(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 50 * 1000 } };
	pthread_attr_t attr;
	sigset_t set, old;
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR1, on_usr1);
	signal(SIGALRM, on_alrm);
	/* 64 KiB stacks: a linked thread's calls run on its own stack. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);

	if (pthread_create(&t, &attr, spin, NULL))
		return 1;
	wait_for(&spinning);
	pthread_kill(t, SIGUSR1);
	wait_for(&stop);
	pthread_join(t, NULL);
	printf("pthread_kill to a spinning thread: %s, %s\n",
	       stop ? "handled" : "not handled",
	       handled_tid == spin_tid ? "in that thread" : "elsewhere");

	setitimer(ITIMER_REAL, &it, NULL);
	while (!alarmed)
		spins++;
	printf("itimer while the main thread spins: SIGALRM handled\n");

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, &old);
	alarmed = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	for (unsigned long i = 0; i < 20 * 1000 * 1000UL && !alarmed; i++)
		spins++;
	/* Until it is surely pending (calls now). */
	for (int i = 0; i < 1000 && !alarmed; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		sigset_t pend;

		sigpending(&pend);
		if (sigismember(&pend, SIGALRM))
			break;
		nanosleep(&ts, NULL);
	}
	printf("blocked while spinning: %s\n",
	       alarmed ? "handled anyway" : "not handled");
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("unblocked: %s\n", alarmed ? "handled" : "not handled");

	spinning = 0;
	if (pthread_create(&t, &attr, spin_forever, NULL))
		return 1;
	wait_for(&spinning);
	printf("exit(5) with a thread spinning for good\n");
	exit(5);
}
