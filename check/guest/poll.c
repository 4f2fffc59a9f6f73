/*
 * poll(2) and ppoll(2) on pipes, /dev/null and bad descriptors: the
 * revents bits of each state of a pipe (empty, data, full, writer or
 * reader gone), a negative fd skipped, a closed one POLLNVAL; a wait
 * ended by another process's write, by the timeout, by a signal
 * (EINTR); ppoll's mask letting a blocked signal in.  revents are
 * printed in hex; times only as relations.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll one fd for events, timeout 0: revents, or -1 on error. */
static int look(int fd, short events)
{
	struct pollfd p = { fd, events, 0x7777 };
	int r = poll(&p, 1, 0);

	return r < 0 ? -1 : p.revents;
}

static volatile int got;

static void on_sig(int sig)
{
	got = sig;
}

static void states(void)
{
	int p[2], n = 0;
	char c = 'x', buf[4096];

	CHECK(pipe(p) == 0);
	printf("empty pipe: read end %#x, write end %#x\n",
	       look(p[0], POLLIN | POLLOUT), look(p[1], POLLIN | POLLOUT));
	write(p[1], &c, 1);
	printf("one byte: read end %#x (POLLRDNORM asked: %#x)\n",
	       look(p[0], POLLIN), look(p[0], POLLRDNORM));
	close(p[1]);
	printf("writer gone, data left: %#x (nothing asked: %#x)\n",
	       look(p[0], POLLIN), look(p[0], 0));
	read(p[0], &c, 1);
	printf("writer gone, drained: %#x\n", look(p[0], POLLIN));
	close(p[0]);

	CHECK(pipe2(p, O_NONBLOCK) == 0);
	while (write(p[1], buf, sizeof(buf)) > 0)
		n++;
	CHECK(errno == EAGAIN && n > 0);
	printf("full pipe: write end %#x\n", look(p[1], POLLOUT));
	close(p[0]);
	printf("reader gone: write end %#x\n", look(p[1], POLLOUT));
	close(p[1]);

	n = open("/dev/null", O_RDWR);
	printf("/dev/null: %#x\n", look(n, POLLIN | POLLOUT | POLLPRI));
	close(n);
	printf("fd -1: %#x, closed fd: %#x\n", look(-1, POLLIN),
	       look(n, POLLIN));
}

static void waits(void)
{
	struct pollfd pf[3];
	int p[2], q[2], r, st;
	long t0;
	char c = 'y';
	pid_t pid;
	sigset_t usr1, old;
	struct timespec ts = { 5, 0 };

	/* another process's write ends the wait; the other fds say 0 */
	CHECK(pipe(p) == 0 && pipe(q) == 0);
	pid = fork();
	if (pid == 0) {
		usleep(20000);
		write(p[1], &c, 1);
		_exit(0);
	}
	pf[0] = (struct pollfd){ q[0], POLLIN, 0 };
	pf[1] = (struct pollfd){ -5, POLLIN, 0 };
	pf[2] = (struct pollfd){ p[0], POLLIN, 0 };
	r = poll(pf, 3, -1);
	CHECK(r == 1);
	printf("woken by a write: %d ready, revents %#x %#x %#x\n", r,
	       pf[0].revents, pf[1].revents, pf[2].revents);
	waitpid(pid, &st, 0);

	/* the timeout */
	t0 = now_ms();
	r = poll(pf, 1, 30);
	CHECK(r == 0 && now_ms() - t0 >= 30);
	printf("timeout of 30 ms: %d ready, waited long enough (%s)\n", r,
	       now_ms() - t0 >= 30 ? "yes" : "no");

	/* a signal with a handler (no SA_RESTART): EINTR */
	struct sigaction sa = { .sa_handler = on_sig };
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	errno = 0;
	r = poll(pf, 1, 5000);
	CHECK(r == -1 && errno == EINTR && got == SIGALRM);
	printf("poll interrupted by a handled signal: %s\n",
	       r == -1 && errno == EINTR ? "EINTR" : "no");

	/* ppoll: its mask lets a blocked pending signal in */
	got = 0;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	kill(getpid(), SIGUSR1);
	errno = 0;
	r = ppoll(pf, 1, &ts, &old);
	CHECK(r == -1 && errno == EINTR && got == SIGUSR1);
	printf("ppoll with a mask unblocking a pending signal: %s\n",
	       r == -1 && errno == EINTR ? "EINTR" : "no");
	sigprocmask(SIG_SETMASK, NULL, &usr1);
	CHECK(sigismember(&usr1, SIGUSR1));
	printf("then the old mask is back: %s\n",
	       sigismember(&usr1, SIGUSR1) ? "yes" : "no");
	sigprocmask(SIG_SETMASK, &old, NULL);

	/* errors */
	CHECK_ERR(poll((struct pollfd *)8, 1, 0), EFAULT);
	ts.tv_nsec = 1000000000;
	CHECK_ERR(ppoll(pf, 1, &ts, NULL), EINVAL);
	printf("bad array EFAULT, bad timeout EINVAL\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	states();
	waits();
	return guest_done("poll");
}
