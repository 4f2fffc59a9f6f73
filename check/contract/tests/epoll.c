/*
 * epoll: create and ctl with their errors in Linux's order (EPERM for
 * a regular file, ELOOP for a loop of instances, EPOLLEXCLUSIVE rules),
 * epoll_wait's checks, level-triggered reports (again and again, with
 * the user's data, EPOLLHUP unasked, rotation when maxevents is small),
 * edge-triggered ones for a reader that drains, EPOLLONESHOT until
 * EPOLL_CTL_MOD, a file leaving every set at its last close (not at the
 * close of one of its fds), nested instances and poll on an epoll fd,
 * timeouts, a wake-up by another process, EINTR, and epoll_pwait's and
 * epoll_pwait2's masks and timeouts.  Then what a ready list fed by
 * wake-ups could get wrong: 300 pipes (each ready one once per round),
 * edge-triggered items after partial reads and on a pipe's write end, an
 * instance shared by fork (items outlive the child only with their
 * files), a sleeping outer instance woken through an inner one,
 * EPOLLEXCLUSIVE items, and a signalfd item whose hook hung on a sighand
 * that went away.
 */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "epoll"

static int ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* epoll_wait with timeout 0: the count; the first event's data/bits. */
static int wait0(int ep, uint64_t *data, uint32_t *bits)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, 8, 0);

	if (n > 0) {
		if (data)
			*data = ev[0].data.u64;
		if (bits)
			*bits = ev[0].events;
	}
	return n;
}

CONTRACT_TEST(errors)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0), ep2, p[2], fd;

	CHECK("epoll_create1(0)", ep >= 0);
	CHECK_ERR("epoll_create(0) (raw: musl passes 0 as flags)",
		  syscall(SYS_epoll_create, 0), EINVAL);
	CHECK_ERR("epoll_create1(bad flag)", epoll_create1(1), EINVAL);
	EXPECT(pipe(p) == 0);
	fd = open("/contract/data/small", O_RDONLY);
	CHECK_ERR("a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev),
		  EPERM);
	CHECK_ERR("the epoll fd itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev),
		  EINVAL);
	CHECK_ERR("epfd not an epoll",
		  epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev), EINVAL);
	CHECK_ERR("bad epfd", epoll_ctl(99, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	CHECK_ERR("bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev), EBADF);
	CHECK_ERR("bad op", epoll_ctl(ep, 7, p[0], &ev), EINVAL);
	CHECK_ERR("bad event pointer",
		  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], BAD_LOW), EFAULT);
	CHECK_RET("add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	CHECK_ERR("add twice", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	CHECK_ERR("mod of a missing one",
		  epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), ENOENT);
	CHECK_ERR("del of a missing one",
		  epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), ENOENT);
	CHECK_RET("del with a NULL event",
		  epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), 0);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	CHECK_ERR("EPOLLEXCLUSIVE with EPOLLONESHOT",
		  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK_RET("EPOLLEXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	CHECK_ERR("then MOD", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);
	ep2 = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	CHECK_RET("nest one in another", epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev),
		  0);
	CHECK_ERR("and back: a loop", epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev),
		  ELOOP);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	{
		int e3 = epoll_create1(0);

		CHECK_ERR("EPOLLEXCLUSIVE on an epoll fd",
			  epoll_ctl(ep, EPOLL_CTL_ADD, e3, &ev), EINVAL);
		close(e3);
	}
	{
		struct epoll_event out[2];

		CHECK_ERR("maxevents 0", epoll_wait(ep, out, 0, 0), EINVAL);
		CHECK_ERR("maxevents -1",
			  syscall(SYS_epoll_wait, ep, out, -1, 0), EINVAL);
		CHECK_ERR("bad epfd", epoll_wait(99, out, 2, 0), EBADF);
		CHECK_ERR("not an epoll", epoll_wait(p[0], out, 2, 0), EINVAL);
		CHECK_ERR("bad buffer", epoll_wait(ep, BAD_KERN, 2, 0), EFAULT);
	}
	close(fd);
	close(ep2);
	close(ep);
	close(p[0]);
	close(p[1]);
}

CONTRACT_TEST(level)
{
	int ep = epoll_create1(0), p[2], q[2], r[2];
	uint64_t data = 0;
	uint32_t bits = 0;

	EXPECT(pipe(p) == 0 && pipe(q) == 0 && pipe(r) == 0);
	ep_add(ep, p[0], EPOLLIN, 111);
	CHECK_RET("nothing yet", wait0(ep, NULL, NULL), 0);
	EXPECT(write(p[1], "ab", 2) == 2);
	CHECK_RET("readable", wait0(ep, &data, &bits), 1);
	CHECK_EQ("its data", data, 111);
	CHECK_EQX("its bits", bits, EPOLLIN);
	CHECK_RET("again (level)", wait0(ep, NULL, NULL), 1);
	ep_add(ep, p[1], EPOLLOUT, 222);
	CHECK_RET("and the write end", wait0(ep, NULL, NULL), 2);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL);
	close(p[1]);
	p[1] = -1;
	CHECK_RET("writer gone", wait0(ep, &data, &bits), 1);
	CHECK_EQX("EPOLLIN|EPOLLHUP (HUP unasked)", bits, EPOLLIN | EPOLLHUP);
	close(ep);
	/* three ready, one at a time: they take turns */
	ep = epoll_create1(0);
	EXPECT(write(q[1], "q", 1) == 1 && write(r[1], "r", 1) == 1);
	ep_add(ep, p[0], EPOLLIN, 111);
	ep_add(ep, q[0], EPOLLIN, 333);
	ep_add(ep, r[0], EPOLLIN, 444);
	for (int i = 0; i < 4; i++) {
		struct epoll_event ev;
		char label[32];

		snprintf(label, sizeof(label), "maxevents 1, call %d", i + 1);
		CHECK_RET(label, epoll_wait(ep, &ev, 1, 0), 1);
		CHECK_EQ("data", ev.data.u64,
			 i == 3	  ? 111
			 : i == 0 ? 111
			 : i == 1 ? 333
				  : 444);
	}
	close(ep);
	close(p[0]);
	close(q[0]);
	close(q[1]);
	close(r[0]);
	close(r[1]);
}

CONTRACT_TEST(edge_oneshot)
{
	int ep = epoll_create1(0), p[2], q[2];
	char buf[16];

	EXPECT(pipe(p) == 0 && pipe(q) == 0);
	ep_add(ep, p[0], EPOLLIN | EPOLLET, 1);
	EXPECT(write(p[1], "x", 1) == 1);
	CHECK_RET("EPOLLET: reported", wait0(ep, NULL, NULL), 1);
	CHECK_RET("not again", wait0(ep, NULL, NULL), 0);
	EXPECT(write(p[1], "w", 1) == 1);
	CHECK_RET("more data, not drained: reported", wait0(ep, NULL, NULL), 1);
	CHECK_RET("not again", wait0(ep, NULL, NULL), 0);
	CHECK_RET("drain", read(p[0], buf, sizeof(buf)), 2);
	EXPECT(write(p[1], "y", 1) == 1);
	CHECK_RET("new data after draining: reported", wait0(ep, NULL, NULL),
		  1);
	ep_add(ep, q[0], EPOLLIN | EPOLLONESHOT, 2);
	EXPECT(write(q[1], "z", 1) == 1);
	read(p[0], buf, sizeof(buf));
	CHECK_RET("EPOLLONESHOT: reported", wait0(ep, NULL, NULL), 1);
	CHECK_RET("then disabled", wait0(ep, NULL, NULL), 0);
	CHECK_ERR("add again: still there", ep_add(ep, q[0], EPOLLIN, 2),
		  EEXIST);
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 3 };

		CHECK_RET("EPOLL_CTL_MOD re-arms",
			  epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &ev), 0);
	}
	CHECK_RET("reported again", wait0(ep, NULL, NULL), 1);
	close(ep);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

CONTRACT_TEST(close_and_nest)
{
	int ep = epoll_create1(0), outer = epoll_create1(0), p[2], d;
	struct pollfd pf;
	uint64_t data = 0;

	EXPECT(pipe(p) == 0);
	ep_add(ep, p[0], EPOLLIN, 7);
	d = dup(p[0]);
	close(p[0]);
	EXPECT(write(p[1], "x", 1) == 1);
	CHECK_RET("closing one fd of two: still watched",
		  wait0(ep, &data, NULL), 1);
	CHECK_EQ("data", data, 7);
	ep_add(outer, ep, EPOLLIN, 8);
	CHECK_RET("the outer instance sees the inner one ready",
		  wait0(outer, &data, NULL), 1);
	CHECK_EQ("data", data, 8);
	pf.fd = ep;
	pf.events = POLLIN;
	CHECK_RET("poll on an epoll fd", poll(&pf, 1, 0), 1);
	CHECK_EQX("revents", pf.revents, POLLIN);
	close(d);
	CHECK_RET("the last close: gone from the set", wait0(ep, NULL, NULL),
		  0);
	CHECK_RET("and from the outer view", wait0(outer, NULL, NULL), 0);
	close(outer);
	close(ep);
	close(p[1]);
}

static void on_usr1(int sig)
{
}

CONTRACT_TEST(blocking)
{
	struct epoll_event ev;
	struct timespec ts = { 0, 20000000 };
	sigset_t empty, block;
	int ep = epoll_create1(0), p[2];
	pid_t pid;

	EXPECT(pipe(p) == 0);
	ep_add(ep, p[0], EPOLLIN, 5);
	CHECK_RET("a 30 ms timeout", epoll_wait(ep, &ev, 1, 30), 0);
	pid = ct_fork();
	if (pid == 0) {
		usleep(30000);
		EXPECT(write(p[1], "w", 1) == 1);
		_exit(0);
	}
	CHECK_RET("woken by another process", epoll_wait(ep, &ev, 1, -1), 1);
	waitpid(pid, NULL, 0);
	{
		char c;

		EXPECT(read(p[0], &c, 1) == 1);
	}
	ct_sigsimple(SIGUSR1, on_usr1, SA_RESTART);
	pid = ct_fork();
	if (pid == 0) {
		usleep(30000);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	CHECK_ERR("a signal: EINTR even with SA_RESTART",
		  epoll_wait(ep, &ev, 1, 5000), EINTR);
	waitpid(pid, NULL, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	sigemptyset(&empty);
	CHECK_ERR("epoll_pwait's mask lets it in",
		  epoll_pwait(ep, &ev, 1, 1000, &empty), EINTR);
	CHECK_ERR("a bad mask size",
		  syscall(SYS_epoll_pwait, ep, &ev, 1, 0, &empty, 16), EINVAL);
	CHECK_RET("epoll_pwait2 with a 20 ms timeout",
		  syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8), 0);
	ts.tv_nsec = -1;
	CHECK_ERR("epoll_pwait2 with a bad timeout",
		  syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8), EINVAL);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	ct_sigdfl(SIGUSR1);
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* 300 pipes, every 7th readable: each ready one once a round, no other. */
CONTRACT_TEST(many)
{
	enum { N = 300 };
	static int p[N][2];
	static unsigned char seen[N];
	struct epoll_event *all = malloc(N * sizeof(*all));
	int ep = epoll_create1(0), ready = 0, bad = 0, total = 0, n;
	int distinct = 0, most = 0;

	for (int i = 0; i < N; i++) {
		EXPECT(pipe(p[i]) == 0);
		EXPECT(ep_add(ep, p[i][0], EPOLLIN, (uint64_t)i) == 0);
	}
	for (int i = 0; i < N; i += 7, ready++)
		EXPECT(write(p[i][1], "m", 1) == 1);
	CHECK_EQ("ready pipes", ready, 43);
	memset(seen, 0, sizeof(seen));
	n = epoll_wait(ep, all, N, 0);
	CHECK_EQ("one call with room for all", n, ready);
	for (int k = 0; k < n; k++) {
		uint64_t i = all[k].data.u64;

		if (i >= N || i % 7 || seen[i]++)
			bad++;
	}
	CHECK_EQ("each ready one once, no other", bad, 0);
	memset(seen, 0, sizeof(seen));
	for (int c = 0; c < 5; c++) {
		n = epoll_wait(ep, all, 10, 0);
		total += n;
		for (int k = 0; k < n; k++) {
			uint64_t i = all[k].data.u64;

			if (i >= N || i % 7)
				bad++;
			else
				seen[i]++;
		}
	}
	for (int i = 0; i < N; i++) {
		distinct += seen[i] != 0;
		most = seen[i] > most ? seen[i] : most;
	}
	CHECK_EQ("five calls of 10", total, 50);
	CHECK_EQ("none but ready ones", bad, 0);
	CHECK_EQ("distinct in those", distinct, 43);
	CHECK_EQ("most reports of one", most, 2);
	for (int i = 0; i < N; i += 14) {
		char c;

		EXPECT(read(p[i][0], &c, 1) == 1);
	}
	CHECK_RET("half of them drained", epoll_wait(ep, all, N, 0), 21);
	CHECK_RET("a deleted one is not reported",
		  epoll_ctl(ep, EPOLL_CTL_DEL, p[7][0], NULL), 0);
	CHECK_RET("then", epoll_wait(ep, all, N, 0), 20);
	for (int i = 0; i < N; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	CHECK_RET("all closed: none", epoll_wait(ep, all, N, 0), 0);
	close(ep);
	free(all);
}

/* Edge-triggered: partial reads, and a pipe's write end. */
CONTRACT_TEST(edge_partial)
{
	int ep = epoll_create1(0), p[2], slots = 0;
	static char buf[4096];
	uint64_t data = 0;

	EXPECT(pipe(p) == 0);
	ep_add(ep, p[0], EPOLLIN | EPOLLET, 1);
	EXPECT(write(p[1], "0123456789", 10) == 10);
	CHECK_RET("reported", wait0(ep, NULL, NULL), 1);
	CHECK_RET("a partial read", read(p[0], buf, 3), 3);
	CHECK_RET("data left, no new event: not reported",
		  wait0(ep, NULL, NULL), 0);
	EXPECT(write(p[1], "a", 1) == 1);
	CHECK_RET("another write: reported again", wait0(ep, NULL, NULL), 1);
	CHECK_RET("once", wait0(ep, NULL, NULL), 0);
	CHECK_RET("drain", read(p[0], buf, sizeof(buf)), 8);
	CHECK_RET("drained", wait0(ep, NULL, NULL), 0);
	ep_add(ep, p[1], EPOLLOUT | EPOLLET, 2);
	CHECK_RET("the write end: room, reported", wait0(ep, &data, NULL), 1);
	CHECK_EQ("data", data, 2);
	CHECK_RET("once", wait0(ep, NULL, NULL), 0);
	EXPECT(write(p[1], "b", 1) == 1);
	CHECK_RET("a write: the read end reports", wait0(ep, &data, NULL), 1);
	CHECK_EQ("data", data, 1);
	EXPECT(read(p[0], buf, 1) == 1);
	CHECK_RET("a read of a pipe that was not full", wait0(ep, NULL, NULL),
		  0);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	while (write(p[1], buf, sizeof(buf)) == (ssize_t)sizeof(buf))
		slots++;
	CHECK_EQ("pages to fill it", slots, 16);
	CHECK_RET("full: the read end reports", wait0(ep, &data, NULL), 1);
	CHECK_EQ("data", data, 1);
	CHECK_RET("a read that frees no page", read(p[0], buf, 16), 16);
	CHECK_RET("still full", wait0(ep, NULL, NULL), 0);
	CHECK_RET("a read that frees one", read(p[0], buf, 4080), 4080);
	CHECK_RET("room: the write end reports", wait0(ep, &data, NULL), 1);
	CHECK_EQ("data", data, 2);
	CHECK_RET("once", wait0(ep, NULL, NULL), 0);
	CHECK_RET("another read", read(p[0], buf, 100), 100);
	CHECK_RET("the pipe was not full: no event", wait0(ep, NULL, NULL), 0);
	close(ep);
	close(p[0]);
	close(p[1]);
}

/*
 * An instance shared by fork: the child's item for a file the parent
 * also has stays after the child is gone; one for a file only the child
 * had goes with that file.
 */
CONTRACT_TEST(fork_shared)
{
	int ep = epoll_create1(0), p[2];
	uint64_t data = 0;
	pid_t pid;

	EXPECT(pipe(p) == 0);
	pid = ct_fork();
	if (pid == 0) {
		int q[2];

		ep_add(ep, p[0], EPOLLIN, 41);
		if (pipe(q) == 0) {
			(void)!write(q[1], "q", 1);
			ep_add(ep, q[0], EPOLLIN, 42);
		}
		_exit(0);
	}
	ct_wait(pid);
	CHECK_RET("the child's own pipe went with it", wait0(ep, NULL, NULL),
		  0);
	EXPECT(write(p[1], "p", 1) == 1);
	CHECK_RET("the shared pipe's item stays", wait0(ep, &data, NULL), 1);
	CHECK_EQ("with the child's data", data, 41);
	CHECK_ERR("found by the parent's fd", ep_add(ep, p[0], EPOLLIN, 1),
		  EEXIST);
	pid = ct_fork();
	if (pid == 0) {
		struct epoll_event ev;
		char c;

		/* The child takes the event; the parent sees it gone. */
		if (epoll_wait(ep, &ev, 1, 1000) == 1 && read(p[0], &c, 1) == 1)
			_exit(0);
		_exit(1);
	}
	CHECK_EQ("the child got the event", ct_wait(pid), 0);
	CHECK_RET("none left", wait0(ep, NULL, NULL), 0);
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* A sleeper on an outer instance (and poll on one) woken through an inner. */
CONTRACT_TEST(nested_wake)
{
	int inner = epoll_create1(0), mid = epoll_create1(0);
	int outer = epoll_create1(0), p[2];
	struct epoll_event ev = { 0 };
	struct pollfd pf = { .events = POLLIN };
	pid_t pid;
	char c;

	EXPECT(pipe(p) == 0);
	ep_add(inner, p[0], EPOLLIN, 1);
	ep_add(mid, inner, EPOLLIN, 2);
	ep_add(outer, mid, EPOLLIN | EPOLLET, 3);
	CHECK_RET("nothing yet", wait0(outer, NULL, NULL), 0);
	pid = ct_fork();
	if (pid == 0) {
		usleep(30000);
		(void)!write(p[1], "x", 1);
		_exit(0);
	}
	CHECK_RET("three levels: the outer one woken",
		  epoll_wait(outer, &ev, 1, 5000), 1);
	CHECK_EQ("its data", ev.data.u64, 3);
	ct_wait(pid);
	CHECK_RET("edge-triggered: not again", wait0(outer, NULL, NULL), 0);
	CHECK_RET("the middle one (level)", wait0(mid, NULL, NULL), 1);
	CHECK_RET("the inner one", wait0(inner, NULL, NULL), 1);
	EXPECT(read(p[0], &c, 1) == 1);
	CHECK_RET("drained: the middle one", wait0(mid, NULL, NULL), 0);
	pid = ct_fork();
	if (pid == 0) {
		usleep(30000);
		(void)!write(p[1], "y", 1);
		_exit(0);
	}
	pf.fd = mid;
	CHECK_RET("poll on an instance, woken through its inner one",
		  poll(&pf, 1, 5000), 1);
	CHECK_EQX("revents", pf.revents, POLLIN);
	ct_wait(pid);
	CHECK_RET("the outer one: a new edge", wait0(outer, NULL, NULL), 1);
	close(outer);
	close(mid);
	close(inner);
	close(p[0]);
	close(p[1]);
}

/* EPOLLEXCLUSIVE items are reported, and wake a sleeper. */
CONTRACT_TEST(exclusive)
{
	int a = epoll_create1(0), b = epoll_create1(0), p[2];
	struct epoll_event ev = { 0 };
	pid_t pid;
	char c;

	EXPECT(pipe(p) == 0);
	CHECK_RET("add", ep_add(a, p[0], EPOLLIN | EPOLLEXCLUSIVE, 1), 0);
	CHECK_RET("to another", ep_add(b, p[0], EPOLLIN | EPOLLEXCLUSIVE, 2),
		  0);
	CHECK_RET("nothing yet", wait0(a, NULL, NULL), 0);
	EXPECT(write(p[1], "x", 1) == 1);
	CHECK_RET("nobody sleeping: one sees it", wait0(a, NULL, NULL), 1);
	CHECK_RET("and the other", wait0(b, NULL, NULL), 1);
	EXPECT(read(p[0], &c, 1) == 1);
	pid = ct_fork();
	if (pid == 0) {
		usleep(30000);
		(void)!write(p[1], "y", 1);
		_exit(0);
	}
	CHECK_RET("a sleeper is woken", epoll_wait(a, &ev, 1, 5000), 1);
	CHECK_EQ("its data", ev.data.u64, 1);
	ct_wait(pid);
	close(a);
	close(b);
	close(p[0]);
	close(p[1]);
}

/*
 * signalfd's poll hooks the caller's sighand: added by a child that then
 * exits, the hook's queue goes away with the child's sighand (Linux's
 * POLLFREE), and the item stays.
 */
CONTRACT_TEST(signalfd_owner_gone)
{
	int ep = epoll_create1(0), sfd;
	struct signalfd_siginfo si;
	uint64_t data = 0;
	sigset_t set;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	CHECK("signalfd", sfd >= 0);
	pid = ct_fork();
	if (pid == 0) {
		_exit(ep_add(ep, sfd, EPOLLIN, 9) ? 1 : 0);
	}
	CHECK_EQ("the child added it", ct_wait(pid), 0);
	CHECK_ERR("the item stays", ep_add(ep, sfd, EPOLLIN, 9), EEXIST);
	raise(SIGUSR2);
	CHECK_RET("a signal for the parent", wait0(ep, &data, NULL), 1);
	CHECK_EQ("data", data, 9);
	CHECK_RET("read it", read(sfd, &si, sizeof(si)), sizeof(si));
	CHECK_RET("then", wait0(ep, NULL, NULL), 0);
	raise(SIGUSR2);
	CHECK_RET("another signal", wait0(ep, NULL, NULL), 0);
	CHECK_RET("read it", read(sfd, &si, sizeof(si)), sizeof(si));
	close(ep);
	close(sfd);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}
