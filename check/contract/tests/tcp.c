/*
 * TCP sockets over 127.0.0.1 and ::1 (issue 12): socket(2)'s type and
 * protocol errors, bind's address checks and Linux's EADDRINUSE rules
 * (wildcards, SO_REUSEADDR with and without a listener, dual-stack ::
 * and IPV6_V6ONLY), ephemeral ports, blocking and non-blocking connect
 * (EINPROGRESS, SO_ERROR, EALREADY/EISCONN, ECONNREFUSED), accept4's
 * flags, names, data with MSG_PEEK/MSG_DONTWAIT/MSG_WAITALL/MSG_TRUNC,
 * FIONREAD/SIOCOUTQ, shutdown and EOF, EPIPE and SIGPIPE, resets
 * (SO_LINGER 0), readiness in poll, a 1 MiB exchange, and the TCP and IP
 * options.  Every port is an ephemeral one: the oracle shares the
 * host's loopback.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "contract.h"
#include "netlib.h"

#define CONTRACT_AREA "tcp"

#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif

/* A listener on the loopback of fam, ephemeral port in *port. */
static int listener(int fam, int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(fam, &ss, 0);
	int fd = socket(fam, SOCK_STREAM, 0);

	EXPECT(fd >= 0);
	EXPECT(bind(fd, (void *)&ss, len) == 0);
	EXPECT(listen(fd, 8) == 0);
	*port = ct_port_of(fd);
	return fd;
}

static int connect_lo(int fd, int fam, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(fam, &ss, port);

	return connect(fd, (void *)&ss, len);
}

/* A connected pair over fam's loopback: *c the client, *s the server. */
static void tcp_pair(int fam, int *c, int *s)
{
	int port, l = listener(fam, &port);

	*c = socket(fam, SOCK_STREAM, 0);
	EXPECT(connect_lo(*c, fam, port) == 0);
	*s = accept(l, NULL, NULL);
	EXPECT(*s >= 0);
	close(l);
}

/* Wait (at most 5 s) until fd reports one of events; the revents. */
static int wait_for(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };

	if (poll(&p, 1, 5000) != 1)
		return 0;
	return p.revents;
}

/*
 * Poll fd for everything until one of the bits of want shows (at most
 * 10 s); the revents then.
 */
static int wait_mask(int fd, short want)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDHUP, 0 };

		poll(&p, 1, 0);
		if (p.revents & want)
			return p.revents;
		usleep(2000); /* POLLOUT does not wait: let the stack run */
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 10);
	return 0;
}

/* A port nobody listens on (bound, then closed: no TIME_WAIT). */
static int free_port(int fam)
{
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(fam, &ss, 0);
	int fd = socket(fam, SOCK_STREAM, 0), port;

	EXPECT(bind(fd, (void *)&ss, len) == 0);
	port = ct_port_of(fd);
	close(fd);
	return port;
}

CONTRACT_TEST(create)
{
	int fd, v;
	socklen_t len = sizeof(v);

	CHECK_ERR("stream/udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP),
		  EPROTONOSUPPORT);
	CHECK_ERR("dgram/tcp", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP),
		  EPROTONOSUPPORT);
	CHECK_ERR("seqpacket", socket(AF_INET, SOCK_SEQPACKET, 0),
		  ESOCKTNOSUPPORT);
	CHECK_ERR("raw proto 0", socket(AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
	CHECK_ERR("inet6 stream/icmp",
		  socket(AF_INET6, SOCK_STREAM, IPPROTO_ICMPV6),
		  EPROTONOSUPPORT);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
	CHECK("socket", fd >= 0);
	CHECK_RET("SO_TYPE", getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	CHECK_EQ("type", v, SOCK_STREAM);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len);
	CHECK_EQ("protocol", v, IPPROTO_TCP);
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len);
	CHECK_EQ("domain", v, AF_INET);
	CHECK_EQO("O_NONBLOCK", fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(fd);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len);
	CHECK_EQ("inet6 protocol", v, IPPROTO_TCP);
	close(fd);
}

CONTRACT_TEST(bind_errors)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int fd6 = socket(AF_INET6, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_ERR("short", bind(fd, (void *)&sin, sizeof(sin) - 1), EINVAL);
	sin.sin_family = AF_INET6;
	CHECK_ERR("wrong family", bind(fd, (void *)&sin, sizeof(sin)),
		  EAFNOSUPPORT);
	sin.sin_family = AF_UNSPEC;
	CHECK_ERR("AF_UNSPEC, not any", bind(fd, (void *)&sin, sizeof(sin)),
		  EAFNOSUPPORT);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1: TEST-NET-1 */
	CHECK_ERR("not local", bind(fd, (void *)&sin, sizeof(sin)),
		  EADDRNOTAVAIL);
	CHECK_ERR("bad pointer", bind(fd, BAD_LOW, sizeof(sin)), EFAULT);
	sin.sin_addr.s_addr = htonl(0x7f000002); /* all of 127/8 is local */
	CHECK_RET("127.0.0.2", bind(fd, (void *)&sin, sizeof(sin)), 0);
	int port = ct_port_of(fd);

	CHECK("ephemeral port", port >= 32768 && port <= 60999);
	CHECK_ERR("again", bind(fd, (void *)&sin, sizeof(sin)), EINVAL);
	close(fd);

	CHECK_ERR("in6 short", bind(fd6, (void *)&sin6, 23), EINVAL);
	CHECK_RET("in6 rfc2133 length", bind(fd6, (void *)&sin6, 24), 0);
	close(fd6);
	fd6 = socket(AF_INET6, SOCK_STREAM, 0);
	sin.sin_family = AF_INET;
	CHECK_ERR("in6 given in4", bind(fd6, (void *)&sin, sizeof(sin)),
		  EINVAL);
	close(fd6);
}

CONTRACT_TEST(addrinuse)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1, port;
	int s1 = socket(AF_INET, SOCK_STREAM, 0);
	int s2 = socket(AF_INET, SOCK_STREAM, 0);
	int s3 = socket(AF_INET, SOCK_STREAM, 0);
	int s4 = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_RET("bind 127.0.0.1:0", bind(s1, (void *)&a, sizeof(a)), 0);
	port = ct_port_of(s1);
	a.sin_port = htons(port);
	CHECK_ERR("same address", bind(s2, (void *)&a, sizeof(a)), EADDRINUSE);
	a.sin_addr.s_addr = 0;
	CHECK_ERR("wildcard over it", bind(s2, (void *)&a, sizeof(a)),
		  EADDRINUSE);
	a.sin_addr.s_addr = htonl(0x7f000002);
	CHECK_RET("other specific address", bind(s2, (void *)&a, sizeof(a)), 0);
	close(s2);

	/* SO_REUSEADDR on both: fine until one of them listens. */
	close(s1);
	s1 = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(s3, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(s4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	CHECK_RET("reuse bind", bind(s1, (void *)&a, sizeof(a)), 0);
	a.sin_port = htons(ct_port_of(s1));
	CHECK_RET("reuse bind same", bind(s3, (void *)&a, sizeof(a)), 0);
	CHECK_RET("listen first", listen(s1, 1), 0);
	CHECK_ERR("listen second", listen(s3, 1), EADDRINUSE);
	CHECK_ERR("reuse bind over listener", bind(s4, (void *)&a, sizeof(a)),
		  EADDRINUSE);
	close(s1);
	close(s3);
	close(s4);
}

CONTRACT_TEST(addrinuse_dual)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in6 b = { .sin6_family = AF_INET6 };
	int one = 1;
	int s4 = socket(AF_INET, SOCK_STREAM, 0);
	int s6 = socket(AF_INET6, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_RET("bind v4", bind(s4, (void *)&a, sizeof(a)), 0);
	b.sin6_port = htons(ct_port_of(s4));
	CHECK_ERR("dual-stack :: over it", bind(s6, (void *)&b, sizeof(b)),
		  EADDRINUSE);
	CHECK_RET("V6ONLY",
		  setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)),
		  0);
	CHECK_RET(":: v6 only", bind(s6, (void *)&b, sizeof(b)), 0);
	CHECK_ERR("V6ONLY after bind",
		  setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)),
		  EINVAL);
	close(s4);
	close(s6);
}

CONTRACT_TEST(echo)
{
	struct sockaddr_storage a, b;
	socklen_t al = sizeof(a), bl = sizeof(b);
	char buf[64];
	int port, l = listener(AF_INET, &port);
	int c = socket(AF_INET, SOCK_STREAM, 0), s, n;

	CHECK_ERR("getpeername unconnected", getpeername(c, (void *)&a, &al),
		  ENOTCONN);
	CHECK_RET("connect", connect_lo(c, AF_INET, port), 0);
	s = accept4(l, (void *)&a, &al, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK("accept4", s >= 0);
	CHECK_EQ("accepted address length", al, sizeof(struct sockaddr_in));
	CHECK_EQO("accepted O_NONBLOCK", fcntl(s, F_GETFL) & O_NONBLOCK,
		  O_NONBLOCK);
	CHECK_EQ("accepted FD_CLOEXEC", fcntl(s, F_GETFD), FD_CLOEXEC);
	getsockname(c, (void *)&b, &bl);
	CHECK("accepted peer is the client's name", !memcmp(&a, &b, bl));
	al = sizeof(a);
	bl = sizeof(b);
	getpeername(c, (void *)&a, &al);
	getsockname(s, (void *)&b, &bl);
	CHECK("client's peer is the server's name", !memcmp(&a, &b, bl));
	CHECK("server port", ct_port_of(s) == port);

	CHECK_ERR("recv nothing yet", recv(s, buf, sizeof(buf), 0), EAGAIN);
	CHECK_ERR("MSG_DONTWAIT", recv(c, buf, sizeof(buf), MSG_DONTWAIT),
		  EAGAIN);
	CHECK_RET("send", send(c, "hello, tcp", 10, 0), 10);
	EXPECT(wait_for(s, POLLIN) & POLLIN);
	CHECK_RET("FIONREAD", ioctl(s, FIONREAD, &n), 0);
	CHECK_EQ("bytes", n, 10);
	CHECK_RET("MSG_PEEK", recv(s, buf, 5, MSG_PEEK), 5);
	CHECK_RET("read", read(s, buf, 4), 4);
	CHECK("in order", !memcmp(buf, "hell", 4));
	CHECK_RET("MSG_TRUNC discards", recv(s, buf, 2, MSG_TRUNC), 2);
	CHECK_RET("recvfrom", recvfrom(s, buf, sizeof(buf), 0, (void *)&a, &al),
		  4);
	CHECK("the rest", !memcmp(buf, " tcp", 4));
	CHECK_EQ("no address for a stream", al, 0);
	CHECK_RET("write back", write(s, "pong", 4), 4);
	CHECK_RET("read pong", read(c, buf, sizeof(buf)), 4);
	CHECK_RET("SIOCOUTQ", ioctl(c, SIOCOUTQ, &n), 0);
	CHECK_RET("zero-length send", send(c, buf, 0, 0), 0);
	close(c);
	close(s);
	close(l);
}

CONTRACT_TEST(waitall)
{
	char buf[100];
	int c, s;

	tcp_pair(AF_INET, &c, &s);
	CHECK_RET("send 30", send(c, "0123456789abcdefghijklmnopqrst", 30, 0),
		  30);
	CHECK_RET("send 20", send(c, "ABCDEFGHIJKLMNOPQRST", 20, 0), 20);
	EXPECT(wait_for(s, POLLIN) & POLLIN);
	CHECK_RET("MSG_WAITALL 45", recv(s, buf, 45, MSG_WAITALL), 45);
	CHECK("across the sends", !memcmp(buf + 30, "ABCDEFGHIJKLMNO", 15));
	shutdown(c, SHUT_WR);
	CHECK_RET("MSG_WAITALL stops at EOF", recv(s, buf, 50, MSG_WAITALL), 5);
	CHECK_RET("EOF", recv(s, buf, 50, MSG_WAITALL), 0);
	close(c);
	close(s);
}

CONTRACT_TEST(shutdown)
{
	char buf[16];
	int c, s, r;

	tcp_pair(AF_INET, &c, &s);
	CHECK_ERR("bad how", shutdown(c, 3), EINVAL);
	CHECK_RET("SHUT_WR", shutdown(c, SHUT_WR), 0);
	r = wait_for(s, POLLIN | POLLRDHUP);
	CHECK_EQX("server sees", r, POLLIN | POLLRDHUP);
	CHECK_RET("EOF", read(s, buf, sizeof(buf)), 0);
	CHECK_EQX("poll server", wait_for(s, POLLIN | POLLOUT | POLLRDHUP),
		  POLLIN | POLLOUT | POLLRDHUP);
	CHECK_RET("server still sends", write(s, "late", 4), 4);
	EXPECT(wait_for(c, POLLIN) & POLLIN);
	CHECK_RET("client reads", read(c, buf, sizeof(buf)), 4);
	CHECK_ERR("client send after SHUT_WR", send(c, "x", 1, MSG_NOSIGNAL),
		  EPIPE);
	CHECK_RET("server SHUT_RDWR", shutdown(s, SHUT_RDWR), 0);
	r = wait_for(c, POLLRDHUP);
	CHECK_EQX("client: both ways shut",
		  wait_for(c, POLLIN | POLLOUT | POLLRDHUP),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_EQX("server: both ways shut",
		  wait_for(s, POLLIN | POLLOUT | POLLRDHUP),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	close(c);
	close(s);
}

CONTRACT_TEST(epipe)
{
	sigset_t set, old;
	struct timespec zero = { 0, 0 };
	char buf[8];
	int c, s;

	tcp_pair(AF_INET, &c, &s);
	close(s);
	EXPECT(wait_for(c, POLLIN) & POLLIN);
	CHECK_RET("EOF", read(c, buf, sizeof(buf)), 0);
	CHECK_RET("first send after the peer closed", send(c, "a", 1, 0), 1);
	CHECK_EQX("poll after the reset", wait_mask(c, POLLERR),
		  POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, &old);
	CHECK_ERR("then EPIPE", send(c, "b", 1, 0), EPIPE);
	CHECK_RET("SIGPIPE", sigtimedwait(&set, NULL, &zero), SIGPIPE);
	CHECK_ERR("EPIPE again, MSG_NOSIGNAL", send(c, "c", 1, MSG_NOSIGNAL),
		  EPIPE);
	CHECK_ERR("no SIGPIPE", sigtimedwait(&set, NULL, &zero), EAGAIN);
	CHECK_RET("read", read(c, buf, sizeof(buf)), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(c);
}

CONTRACT_TEST(reset)
{
	struct linger lg = { 1, 0 };
	char buf[8];
	int c, s, v;
	socklen_t len = sizeof(v);

	tcp_pair(AF_INET, &c, &s);
	CHECK_RET("SO_LINGER 0",
		  setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(s);
	CHECK_EQX("poll", wait_mask(c, POLLERR),
		  POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
	CHECK_ERR("recv", recv(c, buf, sizeof(buf), 0), ECONNRESET);
	CHECK_RET("then EOF", recv(c, buf, sizeof(buf), 0), 0);
	CHECK_RET("SO_ERROR", getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	CHECK_EQ("no error left", v, 0);
	CHECK_ERR("send", send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK_ERR("getpeername", getpeername(c, (void *)buf, &len), ENOTCONN);
	close(c);

	/* Closing with unread data resets the connection too. */
	tcp_pair(AF_INET, &c, &s);
	send(c, "unread", 6, 0);
	EXPECT(wait_for(s, POLLIN) & POLLIN);
	close(s);
	EXPECT(wait_mask(c, POLLERR) & POLLERR);
	CHECK_ERR("unread data lost", recv(c, buf, sizeof(buf), 0), ECONNRESET);
	close(c);
}

CONTRACT_TEST(refused)
{
	int port = free_port(AF_INET);
	int fd = socket(AF_INET, SOCK_STREAM, 0), v;
	socklen_t len = sizeof(v);

	CHECK_ERR("blocking", connect_lo(fd, AF_INET, port), ECONNREFUSED);
	CHECK_ERR("recv after", recv(fd, &v, 1, MSG_DONTWAIT), ENOTCONN);
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERR("non-blocking", connect_lo(fd, AF_INET, port), EINPROGRESS);
	CHECK_EQX("poll", wait_for(fd, POLLOUT), POLLOUT | POLLERR | POLLHUP);
	CHECK_RET("SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len),
		  0);
	CHECK_EQ("error", v, ECONNREFUSED);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len);
	CHECK_EQ("read once", v, 0);
	close(fd);

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	CHECK_ERR("ipv6", connect_lo(fd, AF_INET6, free_port(AF_INET6)),
		  ECONNREFUSED);
	close(fd);
}

CONTRACT_TEST(connect_nonblock)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int port, l = listener(AF_INET, &port), s, v;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	socklen_t len = sizeof(v);

	CHECK_ERR("short address", connect(fd, (void *)&sin, sizeof(sin) - 1),
		  EINVAL);
	sin.sin_family = AF_INET6;
	CHECK_ERR("wrong family", connect(fd, (void *)&sin, sizeof(sin)),
		  EAFNOSUPPORT);
	CHECK_ERR("connect", connect_lo(fd, AF_INET, port), EINPROGRESS);
	CHECK_EQX("poll", wait_for(fd, POLLOUT), POLLOUT);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len);
	CHECK_EQ("SO_ERROR", v, 0);
	CHECK_RET("connect again", connect_lo(fd, AF_INET, port), 0);
	CHECK_ERR("and again", connect_lo(fd, AF_INET, port), EISCONN);
	CHECK_ERR("listen when connected", listen(fd, 1), EINVAL);
	s = accept(l, NULL, NULL);
	CHECK("accept", s >= 0);
	CHECK_ERR("connect a listener", connect_lo(l, AF_INET, port), EISCONN);
	close(s);
	close(fd);
	close(l);
}

CONTRACT_TEST(unconnected)
{
	char buf[4];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	CHECK_EQX("poll fresh", wait_for(fd, POLLIN | POLLOUT),
		  POLLOUT | POLLHUP);
	CHECK_ERR("recv", recv(fd, buf, 4, 0), ENOTCONN);
	CHECK_ERR("send", send(fd, buf, 4, MSG_NOSIGNAL), EPIPE);
	CHECK_ERR("shutdown", shutdown(fd, SHUT_RDWR), ENOTCONN);
	CHECK_ERR("accept", accept(fd, NULL, NULL), EINVAL);
	CHECK_EQX("poll after shutdown", wait_for(fd, POLLIN | POLLOUT),
		  POLLIN | POLLOUT | POLLHUP);
	CHECK_RET("getsockname", getsockname(fd, (void *)&sin, &len), 0);
	CHECK("0.0.0.0:0", sin.sin_port == 0 && sin.sin_addr.s_addr == 0);
	CHECK_RET("listen unbound", listen(l, 0), 0);
	CHECK("listener got a port", ct_port_of(l) >= 32768);
	CHECK_ERR("accept empty", accept(l, NULL, NULL), EAGAIN);
	CHECK_EQX("poll listener",
		  poll(&(struct pollfd){ l, POLLIN | POLLOUT, 0 }, 1, 0), 0);
	CHECK_RET("listen again", listen(l, 5), 0);
	CHECK_ERR("recv listener", recv(l, buf, 4, 0), ENOTCONN);
	close(fd);
	close(l);
}

CONTRACT_TEST(backlog)
{
	int port, l = listener(AF_INET, &port), n = 0;
	int c[4];

	fcntl(l, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 4; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect_lo(c[i], AF_INET, port);
	}
	for (int i = 0; i < 4; i++)
		if (wait_for(c[i], POLLOUT) == POLLOUT)
			n++;
	CHECK_EQ("connected", n, 4);
	EXPECT(wait_for(l, POLLIN) == POLLIN);
	n = 0;
	for (int s; (s = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0; n++)
		close(s);
	CHECK_EQ("accepted", n, 4);
	for (int i = 0; i < 4; i++)
		close(c[i]);
	close(l);
}

CONTRACT_TEST(ipv6)
{
	struct sockaddr_in6 a;
	struct sockaddr_in b;
	socklen_t al = sizeof(a), bl = sizeof(b);
	char buf[8];
	int one = 1, port, c, s;
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 any = { .sin6_family = AF_INET6 };

	tcp_pair(AF_INET6, &c, &s);
	getpeername(s, (void *)&a, &al);
	CHECK_EQ("peer length", al, sizeof(a));
	CHECK("peer is ::1", IN6_IS_ADDR_LOOPBACK(&a.sin6_addr));
	CHECK_RET("send", send(c, "six", 3, 0), 3);
	CHECK_RET("recv", recv(s, buf, 3, MSG_WAITALL), 3);
	close(c);
	close(s);

	/* A dual-stack listener takes IPv4 as ::ffff:127.0.0.1. */
	CHECK_RET("bind ::", bind(l, (void *)&any, sizeof(any)), 0);
	listen(l, 4);
	port = ct_port_of(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_RET("v4 connect", connect_lo(c, AF_INET, port), 0);
	al = sizeof(a);
	s = accept(l, (void *)&a, &al);
	CHECK_EQ("family", a.sin6_family, AF_INET6);
	CHECK("v4-mapped", IN6_IS_ADDR_V4MAPPED(&a.sin6_addr) &&
				   a.sin6_addr.s6_addr[15] == 1);
	getsockname(c, (void *)&b, &bl);
	CHECK("same port", b.sin_port == a.sin6_port);
	al = sizeof(a);
	getsockname(s, (void *)&a, &al);
	CHECK("local ::ffff:127.0.0.1",
	      IN6_IS_ADDR_V4MAPPED(&a.sin6_addr) && ntohs(a.sin6_port) == port);
	close(c);
	close(s);
	close(l);

	l = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	bind(l, (void *)&any, sizeof(any));
	listen(l, 4);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR("v6-only refuses v4", connect_lo(c, AF_INET, ct_port_of(l)),
		  ECONNREFUSED);
	close(c);
	close(l);
}

/* 1 MiB each way through non-blocking sockets, one process. */
CONTRACT_TEST(bulk)
{
	static unsigned char out[1 << 20], in[1 << 20];
	size_t sent = 0, got = 0, back = 0;
	int c, s;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + (i >> 12));
	tcp_pair(AF_INET, &c, &s);
	fcntl(c, F_SETFL, O_NONBLOCK);
	fcntl(s, F_SETFL, O_NONBLOCK);
	while (got < sizeof(in)) {
		struct pollfd p[2] = { { c, sent < sizeof(out) ? POLLOUT : 0,
					 0 },
				       { s, POLLIN, 0 } };

		if (poll(p, 2, 5000) <= 0)
			break;
		if (p[0].revents & POLLOUT) {
			ssize_t n = send(c, out + sent, sizeof(out) - sent, 0);

			if (n > 0)
				sent += n;
		}
		if (p[1].revents & POLLIN) {
			ssize_t n = recv(s, in + got, sizeof(in) - got, 0);

			if (n > 0)
				got += n;
		}
	}
	CHECK_EQ("received", got, sizeof(in));
	CHECK("same bytes", !memcmp(in, out, sizeof(in)));
	/* and back */
	memset(in, 0, sizeof(in));
	sent = 0;
	while (back < sizeof(in)) {
		struct pollfd p[2] = { { s, sent < sizeof(out) ? POLLOUT : 0,
					 0 },
				       { c, POLLIN, 0 } };

		if (poll(p, 2, 5000) <= 0)
			break;
		if (p[0].revents & POLLOUT) {
			ssize_t n = write(s, out + sent, sizeof(out) - sent);

			if (n > 0)
				sent += n;
		}
		if (p[1].revents & POLLIN) {
			ssize_t n = read(c, in + back, sizeof(in) - back);

			if (n > 0)
				back += n;
		}
	}
	CHECK_EQ("received back", back, sizeof(in));
	CHECK("same bytes back", !memcmp(in, out, sizeof(in)));
	close(c);
	close(s);
}

CONTRACT_TEST(options)
{
	struct tcp_info ti;
	int fd = socket(AF_INET, SOCK_STREAM, 0), v, c, s, port;
	socklen_t len = sizeof(v);
	int l;

	CHECK_RET("TCP_NODELAY",
		  getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	CHECK_EQ("default", v, 0);
	v = 1;
	CHECK_RET("set",
		  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), 0);
	getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len);
	CHECK_EQ("TCP_NODELAY set", v, 1);
	CHECK_ERR("short value",
		  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, 2), EINVAL);
	getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len);
	CHECK_EQ("TCP_KEEPIDLE", v, 7200);
	getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, &len);
	CHECK_EQ("TCP_KEEPINTVL", v, 75);
	getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, &len);
	CHECK_EQ("TCP_KEEPCNT", v, 9);
	v = 0;
	CHECK_ERR("TCP_KEEPIDLE 0",
		  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)),
		  EINVAL);
	v = 60;
	CHECK_RET("TCP_KEEPIDLE 60",
		  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)), 0);
	getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len);
	CHECK_EQ("read back", v, 60);
	v = 200;
	CHECK_ERR("TCP_KEEPCNT 200",
		  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)),
		  EINVAL);
	getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len);
	CHECK_EQ("TCP_MAXSEG unconnected", v, 536);
	v = 1;
	CHECK_RET("SO_KEEPALIVE",
		  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)), 0);
	getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len);
	CHECK_EQ("IP_TTL", v, 64);
	v = 0;
	CHECK_ERR("IP_TTL 0", setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)),
		  EINVAL);
	v = 256;
	CHECK_ERR("IP_TTL 256",
		  setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), EINVAL);
	v = 9;
	CHECK_RET("IP_TTL 9", setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)),
		  0);
	getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len);
	CHECK_EQ("IP_TTL read back", v, 9);
	v = 0x10;
	setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v));
	getsockopt(fd, IPPROTO_IP, IP_TOS, &v, &len);
	CHECK_EQX("IP_TOS", v, 0x10);
	CHECK_ERR("unknown TCP option",
		  setsockopt(fd, IPPROTO_TCP, 9999, &v, sizeof(v)),
		  ENOPROTOOPT);
	CHECK_ERR("IPV6 level on v4",
		  getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len),
		  EOPNOTSUPP);
	len = 8;
	CHECK_RET("TCP_INFO", getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len),
		  0);
	CHECK_EQ("length", len, 8);
	CHECK_EQ("state closed", ti.tcpi_state, 7);
	close(fd);

	l = listener(AF_INET, &port);
	getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &len);
	CHECK_EQ("state listen", ti.tcpi_state, 10);
	len = sizeof(v);
	getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	CHECK_EQ("SO_ACCEPTCONN", v, 1);
	close(l);
	tcp_pair(AF_INET, &c, &s);
	len = 8;
	getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len);
	CHECK_EQ("state established", ti.tcpi_state, 1);
	len = sizeof(v);
	getsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &v, &len);
	CHECK("TCP_MAXSEG connected", v > 536);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len);
	CHECK_EQ("IPV6_V6ONLY", v, 0);
	close(fd);
	close(c);
	close(s);
}

/*
 * accept with the fd table full: EMFILE before the connection is taken,
 * so the next accept (once an fd is free) still gets it.
 */
CONTRACT_TEST(accept_emfile)
{
	int port, l = listener(AF_INET, &port), c, s;
	struct rlimit old, lim;
	char ch = 0;

	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_RET("connect", connect_lo(c, AF_INET, port), 0);
	CHECK_RET("queued", wait_for(l, POLLIN), POLLIN);
	EXPECT(getrlimit(RLIMIT_NOFILE, &old) == 0);
	lim = old;
	lim.rlim_cur = (rlim_t)(c > l ? c : l) + 1;
	EXPECT(setrlimit(RLIMIT_NOFILE, &lim) == 0);
	CHECK_ERR("table full", accept(l, NULL, NULL), EMFILE);
	CHECK_ERR("accept4 too", accept4(l, NULL, NULL, SOCK_NONBLOCK), EMFILE);
	EXPECT(setrlimit(RLIMIT_NOFILE, &old) == 0);
	CHECK_RET("still queued", wait_for(l, POLLIN), POLLIN);
	s = accept(l, NULL, NULL);
	CHECK("accepted", s >= 0);
	CHECK_RET("send", send(c, "q", 1, 0), 1);
	CHECK_RET("the same connection", recv(s, &ch, 1, 0), 1);
	CHECK_EQ("byte", ch, 'q');
	close(s);
	close(c);
	close(l);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * SO_LINGER with a time: close waits (at most l_linger s) for the data
 * and the FIN to be acknowledged; the data still arrives afterwards.
 */
CONTRACT_TEST(linger)
{
	static char big[65536];
	struct linger lg = { 1, 1 };
	struct timespec t0;
	long total = 0, got = 0, ms;
	ssize_t n;
	int c, s;

	tcp_pair(AF_INET, &c, &s);
	fcntl(c, F_SETFL, O_NONBLOCK);
	while ((n = send(c, big, sizeof(big), 0)) > 0)
		total += n;
	CHECK("send buffer full", n < 0 && errno == EAGAIN);
	CHECK_RET("SO_LINGER 1 s",
		  setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_RET("close", close(c), 0);
	ms = ms_since(&t0);
	CHECK("close waited about 1 s", ms >= 900 && ms < 4000);
	while ((n = recv(s, big, sizeof(big), 0)) > 0)
		got += n;
	CHECK("the peer gets it all", got == total);
	CHECK_RET("then EOF", n, 0);
	close(s);

	/* a reading peer: close returns once the peer acknowledged */
	tcp_pair(AF_INET, &c, &s);
	lg.l_linger = 10;
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	CHECK_RET("send", send(c, "abc", 3, 0), 3);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_RET("close 2", close(c), 0);
	CHECK("close 2 did not wait long", ms_since(&t0) < 3000);
	CHECK_RET("recv", recv(s, big, sizeof(big), 0), 3);
	CHECK_RET("EOF", recv(s, big, sizeof(big), 0), 0);
	close(s);
}

/* SO_RCVLOWAT: poll and recv wait for that many bytes (or EOF). */
CONTRACT_TEST(rcvlowat)
{
	struct pollfd p;
	char buf[64];
	int c, s, v = 10;

	tcp_pair(AF_INET, &c, &s);
	CHECK_RET("SO_RCVLOWAT",
		  setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)), 0);
	CHECK_RET("send 4", send(c, "abcd", 4, 0), 4);
	usleep(100000);
	p = (struct pollfd){ s, POLLIN, 0 };
	CHECK_RET("poll below the mark", poll(&p, 1, 200), 0);
	CHECK_RET("recv DONTWAIT below the mark",
		  recv(s, buf, sizeof(buf), MSG_DONTWAIT), 4);
	CHECK_RET("send 8", send(c, "efghijkl", 8, 0), 8);
	CHECK_RET("send 6", send(c, "mnopqr", 6, 0), 6);
	CHECK_RET("poll at the mark", poll(&p, 1, 5000), 1);
	CHECK_RET("recv", recv(s, buf, sizeof(buf), 0), 14);
	CHECK_RET("send 3", send(c, "xyz", 3, 0), 3);
	CHECK_RET("a short buffer is enough", recv(s, buf, 2, 0), 2);
	CHECK_RET("send 9", send(c, "123456789", 9, 0), 9);
	usleep(100000);
	/* a blocking recv waits until 10 bytes are there: here 10 */
	CHECK_RET("blocking recv", recv(s, buf, sizeof(buf), 0), 10);
	CHECK_RET("send 1", send(c, "!", 1, 0), 1);
	shutdown(c, SHUT_WR);
	CHECK_RET("poll at EOF", poll(&p, 1, 5000), 1);
	CHECK_RET("recv at EOF", recv(s, buf, sizeof(buf), 0), 1);
	close(c);
	close(s);
}

/* SO_PEEK_OFF: peeks move the offset on, reads move it back. */
CONTRACT_TEST(peek_off)
{
	char b[16];
	int c, s, v = 0, r;
	socklen_t vl = sizeof(v);

	tcp_pair(AF_INET, &c, &s);
	CHECK_RET("get", getsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, &vl), 0);
	CHECK_EQ("default", v, -1);
	v = -5;
	CHECK_RET("set -5", setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, 4), 0);
	getsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, &vl);
	CHECK_EQ("reads back", v, -5);
	v = 0;
	CHECK_RET("set 0", setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, 4), 0);
	CHECK_RET("send", send(c, "abcdefgh", 8, 0), 8);
	wait_for(s, POLLIN);
	r = (int)recv(s, b, 3, MSG_PEEK);
	CHECK("peek abc", r == 3 && !memcmp(b, "abc", 3));
	r = (int)recv(s, b, 3, MSG_PEEK);
	CHECK("peek def", r == 3 && !memcmp(b, "def", 3));
	getsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, &vl);
	CHECK_EQ("offset", v, 6);
	r = (int)recv(s, b, 2, 0);
	CHECK("read ab", r == 2 && !memcmp(b, "ab", 2));
	getsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, &vl);
	CHECK_EQ("offset after the read", v, 4);
	r = (int)recv(s, b, sizeof(b), MSG_PEEK);
	CHECK("peek gh", r == 2 && !memcmp(b, "gh", 2));
	CHECK_ERR("nothing more to peek",
		  recv(s, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT), EAGAIN);
	r = (int)recv(s, b, sizeof(b), 0);
	CHECK("read cdefgh", r == 6 && !memcmp(b, "cdefgh", 6));
	getsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, &vl);
	CHECK_EQ("offset at 0", v, 0);
	close(c);
	close(s);
}

/*
 * SO_PEEK_OFF on an AF_UNIX stream, beside TCP's: peeks go across
 * sends, reads move the offset back.
 */
CONTRACT_TEST(peek_off_unix)
{
	char b[16];
	int sv[2], v = 0, r;
	socklen_t vl = sizeof(v);

	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK_RET("get", getsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, &vl),
		  0);
	CHECK_EQ("default", v, -1);
	CHECK_RET("send abc", send(sv[0], "abc", 3, 0), 3);
	CHECK_RET("send defgh", send(sv[0], "defgh", 5, 0), 5);
	r = (int)recv(sv[1], b, sizeof(b), MSG_PEEK);
	CHECK("a plain peek sees both", r == 8 && !memcmp(b, "abcdefgh", 8));
	v = 2;
	CHECK_RET("set 2", setsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, 4),
		  0);
	r = (int)recv(sv[1], b, 3, MSG_PEEK);
	CHECK("peek cde", r == 3 && !memcmp(b, "cde", 3));
	r = (int)recv(sv[1], b, sizeof(b), MSG_PEEK);
	CHECK("peek fgh", r == 3 && !memcmp(b, "fgh", 3));
	getsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, &vl);
	CHECK_EQ("offset", v, 8);
	CHECK_ERR("nothing more to peek",
		  recv(sv[1], b, sizeof(b), MSG_PEEK | MSG_DONTWAIT), EAGAIN);
	r = (int)recv(sv[1], b, 4, 0);
	CHECK("read abcd", r == 4 && !memcmp(b, "abcd", 4));
	getsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, &vl);
	CHECK_EQ("offset after the read", v, 4);
	CHECK_RET("send ij", send(sv[0], "ij", 2, 0), 2);
	r = (int)recv(sv[1], b, sizeof(b), MSG_PEEK);
	CHECK("peek ij", r == 2 && !memcmp(b, "ij", 2));
	r = (int)recv(sv[1], b, sizeof(b), 0);
	CHECK("read efghij", r == 6 && !memcmp(b, "efghij", 6));
	getsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, &vl);
	CHECK_EQ("offset at 0", v, 0);
	close(sv[0]);
	close(sv[1]);
}

/*
 * shutdown on a listener: SHUT_WR changes nothing; SHUT_RD stops it
 * listening (queued connections are reset, accept says EINVAL, the
 * port bound as 0 is given up) and it may listen again.
 */
CONTRACT_TEST(shutdown_listener)
{
	int port, l = listener(AF_INET, &port), c, s, v;
	socklen_t len = sizeof(v);

	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_RET("connect", connect_lo(c, AF_INET, port), 0);
	CHECK_RET("SHUT_WR", shutdown(l, SHUT_WR), 0);
	getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	CHECK_EQ("still listening", v, 1);
	CHECK_RET("queued", wait_for(l, POLLIN), POLLIN);
	CHECK_RET("SHUT_RD", shutdown(l, SHUT_RD), 0);
	getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	CHECK_EQ("not listening", v, 0);
	CHECK_ERR("accept", accept(l, NULL, NULL), EINVAL);
	CHECK_EQX("the queued one is reset",
		  wait_mask(c, POLLERR) & (POLLERR | POLLHUP),
		  POLLERR | POLLHUP);
	CHECK_ERR("its recv", recv(c, &v, 1, 0), ECONNRESET);
	close(c);
	CHECK_ERR("SHUT_RD again", shutdown(l, SHUT_RD), ENOTCONN);
	CHECK_RET("listen again", listen(l, 4), 0);
	/* the port bound as 0 went with the listen: a new one */
	port = ct_port_of(l);
	CHECK("a port", port > 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_RET("connect again", connect_lo(c, AF_INET, port), 0);
	s = accept(l, NULL, NULL);
	CHECK("accepted", s >= 0);
	close(s);
	close(c);
	close(l);
}
