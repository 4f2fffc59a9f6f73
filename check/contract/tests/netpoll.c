/*
 * Readiness of sockets in poll, select and epoll (issue 12), against
 * Linux: TCP over 127.0.0.1, UDP over 127.0.0.1, AF_UNIX stream and
 * datagram pairs.  EPOLLRDHUP on the peer's shutdown(SHUT_WR), POLLHUP
 * once both directions are shut, POLLERR|POLLHUP on a reset, POLLOUT
 * again when a full send buffer drains, a listener readable with a
 * connection queued, a non-blocking connect writable when it completes
 * and POLLERR when it is refused, datagram sockets readable per
 * datagram, and edge-triggered epoll reporting again on each new
 * arrival.  Ports are ephemeral (the oracle shares the host's loopback).
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "contract.h"
#include "netlib.h"

#define CONTRACT_AREA "netpoll"

#define ALL_IN (POLLIN | POLLRDNORM)
#define ALL_OUT (POLLOUT | POLLWRNORM)

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The revents of fd for events now (no wait). */
static int poll_now(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

/*
 * Poll fd for events until one of the bits of want shows (at most
 * 10 s), then settle 20 ms for the rest of the state change (the FIN
 * after the data, the reset's EOF); the revents then.
 */
static int wait_mask(int fd, short events, short want)
{
	long t0 = now_ms();

	do {
		if (poll_now(fd, events) & want) {
			usleep(20000);
			return poll_now(fd, events);
		}
		usleep(2000); /* POLLOUT does not sleep: let the stack run */
	} while (now_ms() - t0 < 10000);
	return 0;
}

/* One epoll_wait of ep for fd's events (timeout ms): the events or 0. */
static unsigned int ep_events(int ep, int timeout)
{
	struct epoll_event ev;

	if (epoll_wait(ep, &ev, 1, timeout) != 1)
		return 0;
	return ev.events;
}

static int ep_new(int fd, unsigned int events)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = events, .data.fd = fd };

	EXPECT(ep >= 0);
	EXPECT(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	return ep;
}

/* select(2) of fd: "r", "w", "x" for the sets it is in after a 0 wait. */
static const char *select_now(int fd)
{
	static char out[4];
	fd_set r, w, x;
	struct timeval tv = { 0, 0 };
	int n = 0;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&x);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	FD_SET(fd, &x);
	if (select(fd + 1, &r, &w, &x, &tv) < 0)
		return "error";
	if (FD_ISSET(fd, &r))
		out[n++] = 'r';
	if (FD_ISSET(fd, &w))
		out[n++] = 'w';
	if (FD_ISSET(fd, &x))
		out[n++] = 'x';
	out[n] = 0;
	return out;
}

static int listener(int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(AF_INET, &ss, 0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	EXPECT(fd >= 0);
	EXPECT(bind(fd, (void *)&ss, len) == 0);
	EXPECT(listen(fd, 8) == 0);
	*port = ct_port_of(fd);
	return fd;
}

static int connect_lo(int fd, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(AF_INET, &ss, port);

	return connect(fd, (void *)&ss, len);
}

static void tcp_pair(int *c, int *s)
{
	int port, l = listener(&port);

	*c = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(connect_lo(*c, port) == 0);
	*s = accept(l, NULL, NULL);
	EXPECT(*s >= 0);
	close(l);
}

static void set_nonblock(int fd)
{
	EXPECT(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
}

/*
 * Write to non-blocking fd until EAGAIN and until it stays unwritable
 * for 100 ms (the stack may still be moving data out of the send
 * buffer): the bytes written.
 */
static long fill(int fd)
{
	static char buf[65536];
	long total = 0;
	ssize_t n;

	for (;;) {
		n = send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			total += n;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			break;
		struct pollfd p = { fd, POLLOUT, 0 };

		if (poll(&p, 1, 100) != 1)
			break;
	}
	return total;
}

/*
 * Read everything from s (non-blocking) until w becomes writable (at
 * most 10 s): 1 if it did.
 */
static int drain_until_writable(int s, int w)
{
	static char buf[65536];
	long t0 = now_ms();

	do {
		while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		if (poll_now(w, POLLOUT) & POLLOUT)
			return 1;
		usleep(2000);
	} while (now_ms() - t0 < 10000);
	return 0;
}

/* ---- TCP ----------------------------------------------------------------- */

CONTRACT_TEST(tcp_shutdown)
{
	int c, s, ep;
	unsigned int want = POLLIN | POLLOUT | POLLRDHUP;

	tcp_pair(&c, &s);
	ep = ep_new(s, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	CHECK_EQX("fresh connection", poll_now(s, want), POLLOUT);
	CHECK_EQX("epoll fresh", ep_events(ep, 0), EPOLLOUT);
	CHECK_STR("select fresh", select_now(s), "w");
	EXPECT(shutdown(c, SHUT_WR) == 0);
	CHECK_EQX("peer's SHUT_WR", wait_mask(s, want, POLLRDHUP),
		  POLLIN | POLLOUT | POLLRDHUP);
	CHECK_EQX("epoll", ep_events(ep, 0), EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	CHECK_STR("select", select_now(s), "rw");
	CHECK_EQX("client after its SHUT_WR", poll_now(c, want), POLLOUT);
	EXPECT(shutdown(s, SHUT_WR) == 0);
	CHECK_EQX("both shut, server", wait_mask(s, want, POLLHUP),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_EQX("both shut, client", wait_mask(c, want, POLLRDHUP),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_EQX("epoll both shut",
		  ep_events(ep, 0) & ~(unsigned int)(POLLRDNORM | POLLWRNORM),
		  EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
	close(ep);
	close(c);
	close(s);
}

CONTRACT_TEST(tcp_reset)
{
	struct linger lg = { 1, 0 };
	unsigned int want = POLLIN | POLLOUT | POLLRDHUP;
	int c, s, ep;
	char b;

	tcp_pair(&c, &s);
	ep = ep_new(c, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
	CHECK_EQX("epoll before", ep_events(ep, 0), EPOLLOUT);
	EXPECT(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	close(s);
	CHECK_EQX("reset", wait_mask(c, want, POLLERR),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLERR);
	CHECK_EQX("epoll (edge) reports the reset", ep_events(ep, 5000),
		  EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
	CHECK_EQX("epoll (edge) again", ep_events(ep, 0), 0);
	CHECK_STR("select", select_now(c), "rw");
	CHECK_ERR("read", read(c, &b, 1), ECONNRESET);
	CHECK_EQX("after the error is read", poll_now(c, want),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	close(ep);
	close(c);
}

CONTRACT_TEST(tcp_pollout_drain)
{
	int c, s, ep, sz = 65536;
	long n;

	tcp_pair(&c, &s);
	EXPECT(setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) == 0);
	EXPECT(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == 0);
	set_nonblock(c);
	ep = ep_new(c, EPOLLOUT | EPOLLET);
	CHECK_EQX("epoll (edge) first", ep_events(ep, 0), EPOLLOUT);
	n = fill(c);
	CHECK("filled", n > 0);
	CHECK_EQX("full: poll", poll_now(c, POLLIN | POLLOUT), 0);
	CHECK_STR("full: select", select_now(c), "");
	CHECK_EQX("full: epoll (edge)", ep_events(ep, 0), 0);
	CHECK_EQ("writable once drained", drain_until_writable(s, c), 1);
	CHECK_EQX("drained: epoll (edge)", ep_events(ep, 5000), EPOLLOUT);
	CHECK_STR("drained: select", select_now(c), "w");
	close(ep);
	close(c);
	close(s);
}

CONTRACT_TEST(tcp_listen)
{
	int port, l = listener(&port), c, a, ep;

	ep = ep_new(l, EPOLLIN | EPOLLOUT);
	CHECK_EQX("no connection", poll_now(l, POLLIN | POLLOUT), 0);
	CHECK_EQX("epoll", ep_events(ep, 0), 0);
	CHECK_STR("select", select_now(l), "");
	c = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(connect_lo(c, port) == 0);
	CHECK_EQX("queued", wait_mask(l, POLLIN | POLLOUT, POLLIN), POLLIN);
	CHECK_EQX("epoll queued", ep_events(ep, 5000), EPOLLIN);
	CHECK_STR("select queued", select_now(l), "r");
	a = accept(l, NULL, NULL);
	EXPECT(a >= 0);
	CHECK_EQX("taken", poll_now(l, POLLIN | POLLOUT), 0);
	close(a);
	close(c);
	close(ep);
	close(l);
}

CONTRACT_TEST(tcp_connect)
{
	int port, l = listener(&port), c, ep, err;
	socklen_t len = sizeof(err);

	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ep = ep_new(c, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
	CHECK_ERR("connect", connect_lo(c, port), EINPROGRESS);
	CHECK_EQX("connected", wait_mask(c, POLLIN | POLLOUT, POLLOUT),
		  POLLOUT);
	CHECK_EQX("epoll (edge)", ep_events(ep, 5000), EPOLLOUT);
	EXPECT(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
	CHECK_EQ("SO_ERROR", err, 0);
	close(ep);
	close(c);

	/* Refused: nobody listens on the port any more. */
	close(l);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ep = ep_new(c, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
	CHECK_ERR("connect to a closed port", connect_lo(c, port), EINPROGRESS);
	CHECK_EQX("refused", wait_mask(c, POLLIN | POLLOUT, POLLERR),
		  POLLIN | POLLOUT | POLLERR | POLLHUP);
	CHECK_EQX("epoll (edge) refused", ep_events(ep, 5000),
		  EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDHUP);
	CHECK_STR("select refused", select_now(c), "rw");
	EXPECT(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
	CHECK_EQ("SO_ERROR", err, ECONNREFUSED);
	CHECK_EQX("after SO_ERROR", poll_now(c, POLLIN | POLLOUT),
		  POLLIN | POLLOUT | POLLHUP);
	close(ep);
	close(c);
}

/* Edge-triggered epoll on a stream reports each new arrival again. */
static void edge_each_arrival(int rd, int wr)
{
	int ep = ep_new(rd, EPOLLIN | EPOLLET);
	char buf[8];

	CHECK_EQX("nothing yet", ep_events(ep, 0), 0);
	EXPECT(write(wr, "a", 1) == 1);
	CHECK_EQX("first data", ep_events(ep, 5000), EPOLLIN);
	CHECK_EQX("no new data", ep_events(ep, 0), 0);
	EXPECT(write(wr, "b", 1) == 1);
	CHECK_EQX("second data, first unread", ep_events(ep, 5000), EPOLLIN);
	CHECK_EQX("no new data again", ep_events(ep, 0), 0);
	usleep(20000);
	CHECK_RET("read both", read(rd, buf, sizeof(buf)), 2);
	CHECK_EQX("read: nothing new", ep_events(ep, 0), 0);
	close(ep);
}

CONTRACT_TEST(tcp_edge)
{
	int c, s;

	tcp_pair(&c, &s);
	edge_each_arrival(s, c);
	close(c);
	close(s);
}

/* A reset arriving in CLOSE_WAIT: POLLERR, and EPIPE as its error. */
CONTRACT_TEST(tcp_reset_close_wait)
{
	unsigned int want = POLLIN | POLLOUT | POLLRDHUP;
	int c, s, err;
	socklen_t len = sizeof(err);

	tcp_pair(&c, &s);
	close(c);
	CHECK_EQX("peer closed", wait_mask(s, want, POLLRDHUP),
		  POLLIN | POLLOUT | POLLRDHUP);
	CHECK_RET("write to it", send(s, "x", 1, MSG_NOSIGNAL), 1);
	CHECK_EQX("its reset", wait_mask(s, want, POLLERR),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLERR);
	EXPECT(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
	CHECK_EQ("SO_ERROR", err, EPIPE);
	CHECK_EQX("after SO_ERROR", poll_now(s, want),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	close(s);
}

CONTRACT_TEST(tcp_shut_rd)
{
	unsigned int want = POLLIN | POLLOUT | POLLRDHUP;
	int c, s;

	tcp_pair(&c, &s);
	EXPECT(shutdown(s, SHUT_RD) == 0);
	CHECK_EQX("SHUT_RD", poll_now(s, want), POLLIN | POLLOUT | POLLRDHUP);
	CHECK_EQX("the peer", poll_now(c, want), POLLOUT);
	EXPECT(shutdown(s, SHUT_WR) == 0);
	CHECK_EQX("SHUT_RD then SHUT_WR", poll_now(s, want),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	close(c);
	close(s);
}

/* Edge-triggered epoll on a listener: each new connection reports again. */
CONTRACT_TEST(tcp_listen_edge)
{
	int port, l = listener(&port), c1, c2, ep, a;

	ep = ep_new(l, EPOLLIN | EPOLLET);
	c1 = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(connect_lo(c1, port) == 0);
	CHECK_EQX("first connection", ep_events(ep, 5000), EPOLLIN);
	CHECK_EQX("nothing new", ep_events(ep, 0), 0);
	c2 = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(connect_lo(c2, port) == 0);
	CHECK_EQX("second connection", ep_events(ep, 5000), EPOLLIN);
	a = accept(l, NULL, NULL);
	EXPECT(a >= 0);
	close(a);
	CHECK_EQX("one taken, one queued", poll_now(l, POLLIN), POLLIN);
	a = accept(l, NULL, NULL);
	EXPECT(a >= 0);
	close(a);
	CHECK_EQX("none queued", poll_now(l, POLLIN), 0);
	close(c1);
	close(c2);
	close(ep);
	close(l);
}

/* ---- UDP ----------------------------------------------------------------- */

CONTRACT_TEST(udp_datagrams)
{
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(AF_INET, &ss, 0);
	int a = socket(AF_INET, SOCK_DGRAM, 0), b, ep;
	char buf[16];

	EXPECT(bind(a, (void *)&ss, len) == 0);
	len = ct_lo_addr(AF_INET, &ss, ct_port_of(a));
	b = socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT(connect(b, (void *)&ss, len) == 0);
	ep = ep_new(a, EPOLLIN | EPOLLET);
	CHECK_EQX("empty", poll_now(a, POLLIN | POLLOUT), POLLOUT);
	CHECK_STR("select empty", select_now(a), "w");
	EXPECT(send(b, "one", 3, 0) == 3);
	CHECK_EQX("one datagram", wait_mask(a, POLLIN | POLLOUT, POLLIN),
		  POLLIN | POLLOUT);
	CHECK_EQX("epoll (edge)", ep_events(ep, 5000), EPOLLIN);
	CHECK_EQX("epoll (edge) nothing new", ep_events(ep, 0), 0);
	EXPECT(send(b, "two", 3, 0) == 3);
	CHECK_EQX("epoll (edge) second", ep_events(ep, 5000), EPOLLIN);
	usleep(20000);
	CHECK_RET("read one", recv(a, buf, sizeof(buf), 0), 3);
	CHECK_EQX("one left", poll_now(a, POLLIN | POLLOUT), POLLIN | POLLOUT);
	CHECK_RET("read two", recv(a, buf, sizeof(buf), 0), 3);
	CHECK_EQX("none left", poll_now(a, POLLIN | POLLOUT), POLLOUT);
	EXPECT(send(b, "", 0, 0) == 0);
	CHECK_EQX("an empty datagram is readable",
		  wait_mask(a, POLLIN | POLLOUT, POLLIN), POLLIN | POLLOUT);
	CHECK_RET("read it", recv(a, buf, sizeof(buf), 0), 0);
	CHECK_EQX("after it", poll_now(a, POLLIN | POLLOUT), POLLOUT);
	close(ep);
	close(a);
	close(b);
}

CONTRACT_TEST(udp_shutdown)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK_EQX("fresh", poll_now(a, POLLIN | POLLOUT | POLLRDHUP), POLLOUT);
	CHECK_ERR("shutdown unconnected", shutdown(a, SHUT_RD), ENOTCONN);
	close(a);
}

/* ---- AF_UNIX -------------------------------------------------------------- */

CONTRACT_TEST(unix_stream)
{
	unsigned int want = POLLIN | POLLOUT | POLLRDHUP;
	int sv[2], ep;
	long n;

	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ep = ep_new(sv[1], EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	CHECK_EQX("fresh", poll_now(sv[1], want), POLLOUT);
	EXPECT(shutdown(sv[0], SHUT_WR) == 0);
	CHECK_EQX("peer's SHUT_WR", poll_now(sv[1], want),
		  POLLIN | POLLOUT | POLLRDHUP);
	CHECK_EQX("epoll", ep_events(ep, 0), EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	CHECK_EQX("the shutting side", poll_now(sv[0], want), POLLOUT);
	EXPECT(shutdown(sv[1], SHUT_WR) == 0);
	CHECK_EQX("both shut", poll_now(sv[1], want),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_EQX("both shut, other", poll_now(sv[0], want),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	close(ep);
	close(sv[0]);
	close(sv[1]);

	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	close(sv[0]);
	CHECK_EQX("peer closed", poll_now(sv[1], want),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	close(sv[1]);

	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	EXPECT(write(sv[0], "x", 1) == 1);
	close(sv[1]);
	CHECK_EQX("peer closed with our data unread", poll_now(sv[0], want),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLERR);
	close(sv[0]);

	EXPECT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	ep = ep_new(sv[0], EPOLLOUT | EPOLLET);
	CHECK_EQX("epoll (edge) first", ep_events(ep, 0), EPOLLOUT);
	n = fill(sv[0]);
	CHECK("filled", n > 0);
	CHECK_EQX("full", poll_now(sv[0], POLLIN | POLLOUT), 0);
	CHECK_EQX("full: epoll (edge)", ep_events(ep, 0), 0);
	CHECK_EQ("writable once drained", drain_until_writable(sv[1], sv[0]),
		 1);
	CHECK_EQX("drained: epoll (edge)", ep_events(ep, 0), EPOLLOUT);
	close(ep);
	close(sv[0]);
	close(sv[1]);

	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	edge_each_arrival(sv[1], sv[0]);
	close(sv[0]);
	close(sv[1]);
}

CONTRACT_TEST(unix_listen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t len;
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c, s;

	/* autobind: an abstract name of the kernel's choosing */
	EXPECT(bind(l, (void *)&a, sizeof(sa_family_t)) == 0);
	len = sizeof(a);
	EXPECT(getsockname(l, (void *)&a, &len) == 0);
	EXPECT(listen(l, 4) == 0);
	CHECK_EQX("listener, none queued", poll_now(l, POLLIN | POLLOUT), 0);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_EQX("unconnected stream", poll_now(c, POLLIN | POLLOUT),
		  POLLOUT | POLLHUP);
	EXPECT(connect(c, (void *)&a, len) == 0);
	CHECK_EQX("queued", poll_now(l, POLLIN | POLLOUT), POLLIN);
	CHECK_EQX("client before accept", poll_now(c, POLLIN | POLLOUT),
		  POLLOUT);
	s = accept(l, NULL, NULL);
	EXPECT(s >= 0);
	CHECK_EQX("taken", poll_now(l, POLLIN | POLLOUT), 0);
	close(s);
	close(c);
	close(l);
}

CONTRACT_TEST(unix_dgram)
{
	int sv[2], ep;
	char buf[16];
	long n;

	EXPECT(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	ep = ep_new(sv[1], EPOLLIN | EPOLLET);
	CHECK_EQX("empty", poll_now(sv[1], POLLIN | POLLOUT), POLLOUT);
	EXPECT(write(sv[0], "one", 3) == 3);
	EXPECT(write(sv[0], "two", 3) == 3);
	CHECK_EQX("two datagrams", poll_now(sv[1], POLLIN | POLLOUT),
		  POLLIN | POLLOUT);
	CHECK_EQX("epoll (edge)", ep_events(ep, 0), EPOLLIN);
	CHECK_EQX("epoll (edge) nothing new", ep_events(ep, 0), 0);
	EXPECT(write(sv[0], "three", 5) == 5);
	CHECK_EQX("epoll (edge) third", ep_events(ep, 0), EPOLLIN);
	CHECK_RET("read one", read(sv[1], buf, sizeof(buf)), 3);
	CHECK_RET("read two", read(sv[1], buf, sizeof(buf)), 3);
	CHECK_EQX("one left", poll_now(sv[1], POLLIN | POLLOUT),
		  POLLIN | POLLOUT);
	CHECK_RET("read three", read(sv[1], buf, sizeof(buf)), 5);
	CHECK_EQX("none left", poll_now(sv[1], POLLIN | POLLOUT), POLLOUT);
	close(ep);

	/* full: the sender's buffer (the pair are each other's peers) */
	set_nonblock(sv[0]);
	n = 0;
	while (send(sv[0], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	CHECK("filled", n > 0);
	CHECK_EQX("full", poll_now(sv[0], POLLIN | POLLOUT), 0);
	while (recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	CHECK_EQX("drained", poll_now(sv[0], POLLIN | POLLOUT), POLLOUT);
	close(sv[1]);
	CHECK_EQX("peer closed", poll_now(sv[0], POLLIN | POLLOUT | POLLRDHUP),
		  POLLOUT);
	close(sv[0]);
}

/*
 * A datagram socket connected to a receiver that is not connected back:
 * not writable while the receiver's queue is full, writable again when
 * it reads (net.unix.max_dgram_qlen).
 */
CONTRACT_TEST(unix_dgram_receiver_full)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t len;
	int r = socket(AF_UNIX, SOCK_DGRAM, 0), w, n = 0;
	char buf[8];

	EXPECT(bind(r, (void *)&a, sizeof(sa_family_t)) == 0);
	len = sizeof(a);
	EXPECT(getsockname(r, (void *)&a, &len) == 0);
	w = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	EXPECT(connect(w, (void *)&a, len) == 0);
	while (send(w, "d", 1, 0) == 1 && n < 1000)
		n++;
	CHECK_ERR("send to the full queue", send(w, "d", 1, 0), EAGAIN);
	CHECK("some were queued", n > 0);
	CHECK_EQX("full receiver", poll_now(w, POLLIN | POLLOUT), 0);
	CHECK_EQX("the receiver", poll_now(r, POLLIN | POLLOUT),
		  POLLIN | POLLOUT);
	CHECK_RET("read one", recv(r, buf, sizeof(buf), 0), 1);
	CHECK_EQX("room again", poll_now(w, POLLIN | POLLOUT), POLLOUT);
	close(w);
	close(r);
}
