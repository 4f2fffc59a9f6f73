/*
 * poll(2) and ppoll(2): pipe readiness (data, POLLHUP once the writers
 * are gone, POLLERR once the readers are, a full pipe and the slot that
 * frees it), files and devices without a poll method (always ready),
 * negative fds (ignored) and closed ones (POLLNVAL), what revents
 * reports unasked, the RLIMIT_NOFILE bound on nfds, EFAULT both ways,
 * timeouts (0, expiring, woken by another process), EINTR also with
 * SA_RESTART, and ppoll's signal mask (installed for the wait, restored
 * after the handler), its sigsetsize and timeout checks and the
 * remaining time it writes back.  Times are printed as relations.
 */
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "proclib.h"

#define CONTRACT_AREA "poll"

static int p[2] = { -1, -1 };

static void closep(void)
{
	close(p[0]);
	close(p[1]);
	p[0] = p[1] = -1;
}

/* poll(2) on one fd, raw: the result; *rev gets revents. */
static long poll1(int fd, int events, int timeout, int *rev)
{
	struct pollfd pf = { fd, (short)events, 0x5555 };
	long r = syscall(SYS_poll, &pf, 1, timeout);

	*rev = (unsigned short)pf.revents;
	return r;
}

/* Print "label: R revents NAMES" and check both. */
static void check_poll(const char *file, int line, const char *label, int fd,
		       int events, int want_r, int want_rev)
{
	static const struct {
		int bit;
		const char *name;
	} bits[] = {
		{ POLLIN, "IN" },	  { POLLPRI, "PRI" },
		{ POLLOUT, "OUT" },	  { POLLERR, "ERR" },
		{ POLLHUP, "HUP" },	  { POLLNVAL, "NVAL" },
		{ POLLRDNORM, "RDNORM" }, { POLLRDBAND, "RDBAND" },
		{ POLLWRNORM, "WRNORM" }, { POLLWRBAND, "WRBAND" },
	};
	char names[128] = "";
	int rev;
	long r = poll1(fd, events, 0, &rev);

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (rev & bits[i].bit)
			snprintf(names + strlen(names),
				 sizeof(names) - strlen(names), " %s",
				 bits[i].name);
	if (!rev)
		snprintf(names, sizeof(names), " 0");
	ct_say("%s: %ld revents%s", label, r, names);
	if (r != want_r || rev != want_rev)
		ct_fail(file, line, "%s: want %d revents %#x", label, want_r,
			want_rev);
}

#define CHECK_POLL(label, fd, events, want_r, want_rev) \
	check_poll(__FILE__, __LINE__, label, fd, events, want_r, want_rev)

#define RD (POLLIN | POLLRDNORM)
#define WR (POLLOUT | POLLWRNORM)
#define ALL                                                                  \
	(POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLRDBAND | POLLWRNORM | \
	 POLLWRBAND)

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

CONTRACT_TEST(pipe)
{
	char buf[8];

	if (ct_pipe(p))
		return;
	CHECK_POLL("empty read end, POLLIN", p[0], POLLIN, 0, 0);
	CHECK_POLL("empty read end, everything", p[0], ALL, 0, 0);
	CHECK_POLL("write end, POLLOUT", p[1], POLLOUT, 1, POLLOUT);
	CHECK_POLL("write end, everything", p[1], ALL, 1, WR);
	CHECK_POLL("write end, POLLIN only", p[1], POLLIN, 0, 0);
	write(p[1], "abc", 3);
	CHECK_POLL("with data, POLLIN", p[0], POLLIN, 1, POLLIN);
	CHECK_POLL("with data, POLLRDNORM", p[0], POLLRDNORM, 1, POLLRDNORM);
	CHECK_POLL("with data, everything", p[0], ALL, 1, RD);
	CHECK_POLL("with data, events 0", p[0], 0, 0, 0);
	close(p[1]);
	p[1] = -1;
	CHECK_POLL("writer closed, data left", p[0], POLLIN, 1,
		   POLLIN | POLLHUP);
	read(p[0], buf, sizeof(buf));
	CHECK_POLL("writer closed, drained", p[0], POLLIN, 1, POLLHUP);
	CHECK_POLL("writer closed, events 0 (HUP unasked)", p[0], 0, 1,
		   POLLHUP);
	closep();

	ct_pipe(p);
	close(p[0]);
	p[0] = -1;
	CHECK_POLL("reader closed, POLLOUT", p[1], POLLOUT, 1,
		   POLLOUT | POLLERR);
	CHECK_POLL("reader closed, events 0 (ERR unasked)", p[1], 0, 1,
		   POLLERR);
	CHECK_POLL("reader closed, POLLIN", p[1], POLLIN, 1, POLLERR);
	closep();
}

CONTRACT_TEST(pipe_full)
{
	static char buf[PG];
	long total = 0, n;

	if (ct_pipe(p))
		return;
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	memset(buf, 'f', sizeof(buf));
	while ((n = write(p[1], buf, sizeof(buf))) > 0)
		total += n;
	CHECK_EQ("filled with", total, 65536);
	CHECK_POLL("full pipe, POLLOUT", p[1], POLLOUT, 0, 0);
	CHECK_POLL("its read end", p[0], POLLIN | POLLOUT, 1, POLLIN);
	CHECK_RET("read 1 byte", read(p[0], buf, 1), 1);
	CHECK_POLL("one slot still partly used: not writable", p[1], POLLOUT, 0,
		   0);
	CHECK_RET("read the rest of the slot", read(p[0], buf, PG - 1), PG - 1);
	CHECK_POLL("a free slot: writable", p[1], POLLOUT, 1, POLLOUT);
	closep();
	ct_pipe(p);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	total = 0;
	while ((n = write(p[1], "x", 1)) > 0)
		total++;
	CHECK_EQ("filled byte by byte with", total, 65536);
	CHECK_POLL("full pipe, POLLOUT", p[1], POLLOUT, 0, 0);
	closep();
}

static volatile long closed_poll_ret = -2;
static volatile int closed_poll_revents = -1;

static int poll_closed_thread(void *arg)
{
	struct pollfd pfd = { *(int *)arg, POLLIN, 0 };

	closed_poll_ret = ct_raw(SYS_poll, (long)&pfd, 1, 300, 0, 0, 0);
	closed_poll_revents = pfd.revents;
	return 0;
}

/*
 * Another thread closes the fd a sleeping poll waits on: the poll holds
 * the file, so it sleeps on to its timeout (the close wakes nobody), and
 * its last look then finds the fd closed (POLLNVAL).
 */
CONTRACT_TEST(closed_while_waiting)
{
	struct ct_thr t;
	int r;

	EXPECT(pipe(p) == 0);
	r = p[0];
	ct_thr_start(&t, CT_THREAD_FLAGS, poll_closed_thread, &r);
	nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	EXPECT(close(p[0]) == 0);
	p[0] = -1;
	ct_thr_join(&t);
	CHECK_EQ("poll: the last look at the timeout", closed_poll_ret, 1);
	CHECK_EQ("revents: POLLNVAL then", closed_poll_revents, POLLNVAL);
	closep();
}

CONTRACT_TEST(files)
{
	int fd = ct_open(DATA "/small", O_RDONLY);
	int dfd = ct_open(DATA, O_RDONLY | O_DIRECTORY);
	int nfd = ct_open("/dev/null", O_WRONLY);
	int wfd = ct_open(RW "/scratch", O_WRONLY);

	CHECK_POLL("regular file, POLLIN", fd, POLLIN, 1, POLLIN);
	CHECK_POLL("regular file, everything", fd, ALL, 1, RD | WR);
	CHECK_POLL("read-only file, POLLOUT", fd, POLLOUT, 1, POLLOUT);
	CHECK_POLL("write-only file, POLLIN", wfd, POLLIN, 1, POLLIN);
	CHECK_POLL("regular file, events 0", fd, 0, 0, 0);
	CHECK_POLL("regular file, POLLPRI", fd, POLLPRI, 0, 0);
	lseek(fd, 0, SEEK_END);
	CHECK_POLL("at EOF, POLLIN", fd, POLLIN, 1, POLLIN);
	CHECK_POLL("directory, everything", dfd, ALL, 1, RD | WR);
	CHECK_POLL("/dev/null, everything", nfd, ALL, 1, RD | WR);
	close(fd);
	close(dfd);
	close(nfd);
	close(wfd);
}

CONTRACT_TEST(fds)
{
	struct pollfd pf[4];
	int fd = ct_open(DATA "/small", O_RDONLY), ofd;

	CHECK_POLL("fd -1", -1, POLLIN, 0, 0);
	CHECK_POLL("fd -1000", -1000, ALL, 0, 0);
	CHECK_POLL("fd 999 (closed)", 999, POLLIN, 1, POLLNVAL);
	CHECK_POLL("closed fd, events 0", 999, 0, 1, POLLNVAL);
	ofd = ct_open(DATA "/small", O_PATH);
	CHECK_POLL("O_PATH fd", ofd, POLLIN, 1, POLLNVAL);
	close(ofd);
	pf[0] = (struct pollfd){ fd, POLLIN, 0x77 };
	pf[1] = (struct pollfd){ -1, POLLIN, 0x77 };
	pf[2] = (struct pollfd){ 999, POLLIN, 0x77 };
	pf[3] = (struct pollfd){ fd, POLLOUT, 0x77 };
	CHECK_RET("4 entries (the file twice)", syscall(SYS_poll, pf, 4, 0), 3);
	CHECK_EQX("revents[0]", (unsigned short)pf[0].revents, POLLIN);
	CHECK_EQX("revents[1] (negative fd: cleared)",
		  (unsigned short)pf[1].revents, 0);
	CHECK_EQX("revents[2]", (unsigned short)pf[2].revents, POLLNVAL);
	CHECK_EQX("revents[3]", (unsigned short)pf[3].revents, POLLOUT);
	CHECK("fd and events untouched",
	      pf[0].fd == fd && pf[0].events == POLLIN && pf[2].fd == 999);
	close(fd);
}

CONTRACT_TEST(nfds)
{
	static struct pollfd pf[1100];
	struct rlimit rl, low;

	for (int i = 0; i < 1100; i++)
		pf[i] = (struct pollfd){ -1, POLLIN, 0 };
	getrlimit(RLIMIT_NOFILE, &rl);
	CHECK_EQ("RLIMIT_NOFILE", rl.rlim_cur, 1024);
	CHECK_RET("nfds 0, NULL", syscall(SYS_poll, NULL, 0, 0), 0);
	CHECK_RET("nfds 0, a bad pointer", syscall(SYS_poll, BAD_LOW, 0, 0), 0);
	CHECK_RET("nfds 1024", syscall(SYS_poll, pf, 1024, 0), 0);
	CHECK_ERR("nfds 1025", syscall(SYS_poll, pf, 1025, 0), EINVAL);
	CHECK_ERR("nfds 0x80000000", syscall(SYS_poll, pf, 0x80000000UL, 0),
		  EINVAL);
	CHECK_ERR("nfds 1025, bad pointer (EINVAL first)",
		  syscall(SYS_poll, BAD_LOW, 1025, 0), EINVAL);
	low = rl;
	low.rlim_cur = 10;
	setrlimit(RLIMIT_NOFILE, &low);
	CHECK_RET("limit 10: nfds 10", syscall(SYS_poll, pf, 10, 0), 0);
	CHECK_ERR("limit 10: nfds 11", syscall(SYS_poll, pf, 11, 0), EINVAL);
	setrlimit(RLIMIT_NOFILE, &rl);
	pf[0].fd = 0x7fffffff;
	CHECK_RET("fd INT_MAX", syscall(SYS_poll, pf, 1, 0), 1);
	CHECK_EQX("revents", (unsigned short)pf[0].revents, POLLNVAL);
}

CONTRACT_TEST(efault)
{
	struct pollfd *ro, *hole;
	int fd = ct_open(DATA "/small", O_RDONLY);

	CHECK_ERR("fds at a bad address", syscall(SYS_poll, BAD_LOW, 1, 0),
		  EFAULT);
	CHECK_ERR("fds at a kernel address", syscall(SYS_poll, BAD_KERN, 1, 0),
		  EFAULT);
	ro = ct_map(PG, PROT_READ | PROT_WRITE);
	ro[0] = (struct pollfd){ fd, POLLIN, 0 };
	ro[1] = (struct pollfd){ -1, POLLIN, 0 };
	mprotect(ro, PG, PROT_READ);
	CHECK_ERR("read-only array, ready fd (revents not stored)",
		  syscall(SYS_poll, ro, 1, 0), EFAULT);
	CHECK_ERR("read-only array, nothing ready",
		  syscall(SYS_poll, ro + 1, 1, 0), EFAULT);
	munmap(ro, PG);
	hole = (struct pollfd *)(ct_map_with_hole(2) + PG) - 1;
	hole[0] = (struct pollfd){ fd, POLLIN, 0 };
	CHECK_RET("last entry of a page", syscall(SYS_poll, hole, 1, 0), 1);
	CHECK_ERR("one more, in the hole", syscall(SYS_poll, hole, 2, 0),
		  EFAULT);
	munmap((char *)(hole + 1) - PG, 2 * PG);
	close(fd);
}

CONTRACT_TEST(timeout)
{
	int rev;
	long t0, t;

	if (ct_pipe(p))
		return;
	t0 = now_ms();
	CHECK_RET("timeout 0, nothing ready", poll1(p[0], POLLIN, 0, &rev), 0);
	CHECK("returns at once (< 500 ms)", now_ms() - t0 < 500);
	t0 = now_ms();
	CHECK_RET("timeout 100 ms expires", poll1(p[0], POLLIN, 100, &rev), 0);
	t = now_ms() - t0;
	CHECK("after at least 100 ms", t >= 100);
	CHECK("revents 0", rev == 0);
	t0 = now_ms();
	CHECK_RET("no fds, 50 ms", syscall(SYS_poll, NULL, 0, 50), 0);
	CHECK("slept at least 50 ms", now_ms() - t0 >= 50);
	write(p[1], "x", 1);
	t0 = now_ms();
	CHECK_RET("ready, timeout -1", poll1(p[0], POLLIN, -1, &rev), 1);
	CHECK_RET("ready, timeout 10 s", poll1(p[0], POLLIN, 10000, &rev), 1);
	CHECK("both at once", now_ms() - t0 < 500);
	closep();
}

static void write_later(void *arg)
{
	ct_msleep(50);
	write(p[1], "w", 1);
	ct_msleep(50);
}

CONTRACT_TEST(wakeup)
{
	pid_t pid;
	int rev, st;
	long t0;

	if (ct_pipe(p))
		return;
	/*
	 * t0 before the fork: the child writes 50 ms after it starts, so at
	 * least 50 ms after t0 however late a loaded host lets the parent
	 * run on (taken after the fork, it once measured 30 ms).
	 */
	t0 = now_ms();
	pid = ct_fork();
	if (pid == 0) {
		write_later(NULL);
		_exit(0);
	}
	close(p[1]);
	p[1] = -1;
	CHECK_RET("woken by a write from a child",
		  poll1(p[0], POLLIN, 5000, &rev), 1);
	CHECK_EQX("revents", rev, POLLIN);
	CHECK("after the write, before the timeout",
	      now_ms() - t0 >= 40 && now_ms() - t0 < 4000);
	read(p[0], &rev, 1);
	CHECK_RET("woken by the child's exit (last writer)",
		  poll1(p[0], POLLIN, 5000, &rev), 1);
	CHECK_EQX("revents", rev, POLLHUP);
	st = ct_wait(pid);
	CHECK_STR("child", ct_status(st), "exited 0");
	closep();
}

static volatile int alrm_sigs;

static void on_alrm(int sig)
{
	struct itimerval it = { { 0, 0 }, { 2, 0 } };

	alrm_sigs++;
	/* a poll restarted by mistake ends here, by the default action */
	ct_sigdfl(SIGALRM);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void restart(void *arg)
{
	int rev;

	if (ct_pipe(p))
		return;
	ct_sigsimple(SIGALRM, on_alrm, SA_RESTART);
	ct_arm_ms(50);
	CHECK_ERR("poll, timeout -1, SA_RESTART handler",
		  poll1(p[0], POLLIN, -1, &rev), EINTR);
	CHECK_EQ("handler ran", alrm_sigs, 1);
	ct_sigsimple(SIGALRM, on_alrm, SA_RESTART);
	ct_arm_ms(50);
	CHECK_ERR("poll, timeout 5 s, SA_RESTART handler",
		  poll1(p[0], POLLIN, 5000, &rev), EINTR);
	CHECK_EQ("handler ran", alrm_sigs, 2);
	closep();
}

CONTRACT_TEST(eintr)
{
	ct_child_ok("child", restart, NULL);
}

/* ---- ppoll ---------------------------------------------------------- */

static volatile int usr1_sigs;
static volatile uint64_t usr1_mask;

static void on_usr1(int sig)
{
	usr1_sigs++;
	usr1_mask = ct_getmask();
}

static long ppoll_raw(struct pollfd *pf, unsigned long n, void *ts, void *mask,
		      unsigned long size)
{
	return syscall(SYS_ppoll, pf, n, ts, mask, size);
}

CONTRACT_TEST(ppoll_mask)
{
	struct pollfd pf;
	struct timespec ts = { 0, 0 };
	uint64_t m2 = CT_SIGBIT(SIGUSR2), m1 = CT_SIGBIT(SIGUSR1);

	if (ct_pipe(p))
		return;
	pf = (struct pollfd){ p[0], POLLIN, 0 };
	ct_sigsimple(SIGUSR1, on_usr1, 0);
	ct_setmask(m1);
	ct_kill_self(SIGUSR1);
	CHECK_RET("SIGUSR1 pending and blocked, ppoll without a mask",
		  ppoll_raw(&pf, 1, &ts, NULL, 8), 0);
	CHECK_RET("mask that blocks it too", ppoll_raw(&pf, 1, &ts, &m1, 8), 0);
	CHECK_EQ("handler not run", usr1_sigs, 0);
	ts.tv_sec = 2;
	CHECK_ERR("mask that unblocks it: EINTR",
		  ppoll_raw(&pf, 1, &ts, &m2, 8), EINTR);
	CHECK_EQ("handler ran", usr1_sigs, 1);
	CHECK_EQX("mask in the handler: ppoll's plus the signal", usr1_mask,
		  m2 | m1);
	CHECK_EQX("mask after: restored", ct_getmask(), m1);
	ts.tv_sec = 0;
	ts.tv_nsec = 20000000;
	CHECK_RET("timeout 20 ms with the mask, nothing pending",
		  ppoll_raw(&pf, 1, &ts, &m2, 8), 0);
	CHECK_EQX("mask after: restored", ct_getmask(), m1);
	ct_kill_self(SIGUSR1);
	write(p[1], "x", 1);
	CHECK_RET("ready fd and an unblocked pending signal",
		  ppoll_raw(&pf, 1, NULL, &m2, 8), 1);
	CHECK_EQ("handler not run (mask restored at once)", usr1_sigs, 1);
	CHECK_EQX("mask after", ct_getmask(), m1);
	CHECK_EQX("still pending", ct_pending(), m1);
	ct_setmask(0);
	CHECK_EQ("runs once unblocked", usr1_sigs, 2);
	ct_sigdfl(SIGUSR1);
	closep();
}

CONTRACT_TEST(ppoll_args)
{
	struct pollfd pf;
	struct timespec ts = { 0, 0 }, *rts;
	uint64_t m = 0;

	if (ct_pipe(p))
		return;
	pf = (struct pollfd){ p[0], POLLIN, 0 };
	CHECK_RET("sigsetsize 8", ppoll_raw(&pf, 1, &ts, &m, 8), 0);
	CHECK_ERR("sigsetsize 4", ppoll_raw(&pf, 1, &ts, &m, 4), EINVAL);
	CHECK_ERR("sigsetsize 16", ppoll_raw(&pf, 1, &ts, &m, 16), EINVAL);
	CHECK_ERR("sigsetsize 0", ppoll_raw(&pf, 1, &ts, &m, 0), EINVAL);
	CHECK_RET("no mask, sigsetsize 4 (ignored)",
		  ppoll_raw(&pf, 1, &ts, NULL, 4), 0);
	CHECK_ERR("mask at a bad address", ppoll_raw(&pf, 1, &ts, BAD_LOW, 8),
		  EFAULT);
	CHECK_ERR("mask at a bad address, sigsetsize 4",
		  ppoll_raw(&pf, 1, &ts, BAD_LOW, 4), EINVAL);
	ts.tv_nsec = -1;
	CHECK_ERR("tv_nsec -1", ppoll_raw(&pf, 1, &ts, NULL, 8), EINVAL);
	ts.tv_nsec = 1000000000;
	CHECK_ERR("tv_nsec 1e9", ppoll_raw(&pf, 1, &ts, NULL, 8), EINVAL);
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	CHECK_ERR("tv_sec -1", ppoll_raw(&pf, 1, &ts, NULL, 8), EINVAL);
	ts.tv_sec = 0;
	CHECK_ERR("timeout at a bad address, sigsetsize 4 (the timeout first)",
		  ppoll_raw(&pf, 1, BAD_LOW, &m, 4), EFAULT);
	CHECK_ERR("timeout at a bad address",
		  ppoll_raw(&pf, 1, BAD_LOW, NULL, 8), EFAULT);
	CHECK_ERR("fds at a bad address", ppoll_raw(BAD_LOW, 1, &ts, NULL, 8),
		  EFAULT);
	CHECK_ERR("nfds 1025", ppoll_raw(&pf, 1025, &ts, NULL, 8), EINVAL);

	/* the remaining time is written back */
	write(p[1], "x", 1);
	ts.tv_sec = 5;
	ts.tv_nsec = 0;
	CHECK_RET("ready, timeout 5 s", ppoll_raw(&pf, 1, &ts, NULL, 8), 1);
	CHECK("remaining time written back: 4..5 s",
	      ts.tv_sec == 4 && ts.tv_nsec > 0);
	ts.tv_sec = 0x7fffffffffffffffL;
	ts.tv_nsec = 999999999;
	CHECK_RET("ready, timeout LONG_MAX s", ppoll_raw(&pf, 1, &ts, NULL, 8),
		  1);
	read(p[0], &m, 1);
	ts.tv_sec = 0;
	ts.tv_nsec = 20000000;
	CHECK_RET("20 ms expires", ppoll_raw(&pf, 1, &ts, NULL, 8), 0);
	CHECK("remaining time 0", ts.tv_sec == 0 && ts.tv_nsec == 0);
	rts = ct_map(PG, PROT_READ | PROT_WRITE);
	rts->tv_sec = 0;
	rts->tv_nsec = 20000000;
	mprotect(rts, PG, PROT_READ);
	CHECK_RET("read-only timeout: not written back, no error",
		  ppoll_raw(&pf, 1, rts, NULL, 8), 0);
	CHECK("unchanged", rts->tv_nsec == 20000000);
	munmap(rts, PG);
	closep();
}
