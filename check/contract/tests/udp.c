/*
 * UDP and ICMP sockets over 127.0.0.1 and ::1 (issue 12): datagrams
 * with their source address, truncation (MSG_TRUNC both ways), MSG_PEEK,
 * FIONREAD (the next datagram's size), the send errors (EDESTADDRREQ,
 * EMSGSIZE, EACCES for broadcast, EINVAL for port 0), connected sockets
 * (default destination, filtering, AF_UNSPEC), bind's EADDRINUSE and
 * SO_REUSEADDR, dual-stack AF_INET6, sendmmsg/recvmmsg, IP options and
 * IP_RECVTTL, RFC 3542's hop limit and traffic class as control
 * messages both ways, UDP-Lite, readiness, and a raw ICMP echo to
 * 127.0.0.1.  Ports are ephemeral: the oracle shares the host's
 * loopback.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "contract.h"
#include "netlib.h"

#define CONTRACT_AREA "udp"

/* A UDP socket of fam bound to its loopback, ephemeral port. */
static int udp_lo(int fam)
{
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(fam, &ss, 0);
	int fd = socket(fam, SOCK_DGRAM, 0);

	EXPECT(fd >= 0);
	EXPECT(bind(fd, (void *)&ss, len) == 0);
	return fd;
}

/*
 * A dual-stack UDP socket bound to [::] (any port) with the SOL_IPV6
 * receive options opt1 and opt2 on: it gets both IPv6 and IPv4
 * datagrams.
 */
static int dual_stack_rx(int opt1, int opt2)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6 };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), on = 1;

	EXPECT(fd >= 0);
	EXPECT(bind(fd, (void *)&any, sizeof(any)) == 0);
	EXPECT(setsockopt(fd, IPPROTO_IPV6, opt1, &on, sizeof(on)) == 0);
	EXPECT(setsockopt(fd, IPPROTO_IPV6, opt2, &on, sizeof(on)) == 0);
	return fd;
}

static ssize_t send_lo(int fd, int fam, int port, const char *msg)
{
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(fam, &ss, port);

	return sendto(fd, msg, strlen(msg), 0, (void *)&ss, len);
}

static int wait_in(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 5000) == 1 ? p.revents : 0;
}

/*
 * recvmsg of the next datagram on b, checked to be 3 bytes, with its
 * control messages in ctl (room bytes): the first of them, or NULL.
 */
static struct cmsghdr *recv_ctl(int b, struct msghdr *mh, char *ctl,
				size_t room)
{
	static char buf[8];
	static struct iovec iov = { buf, sizeof(buf) };

	*mh = (struct msghdr){ .msg_iov = &iov,
			       .msg_iovlen = 1,
			       .msg_control = ctl,
			       .msg_controllen = room };
	CHECK_RET("recvmsg", recvmsg(b, mh, 0), 3);
	return CMSG_FIRSTHDR(mh);
}

CONTRACT_TEST(datagrams)
{
	struct sockaddr_storage from, name;
	socklen_t fl = sizeof(from), nl = sizeof(name);
	char buf[64];
	int a = udp_lo(AF_INET), b = udp_lo(AF_INET), n;
	struct pollfd p = { b, POLLIN | POLLOUT, 0 };

	CHECK_EQX("poll empty", poll(&p, 1, 0) == 1 ? p.revents : 0, POLLOUT);
	CHECK_RET("sendto",
		  send_lo(a, AF_INET, ct_port_of(b), "first datagram"), 14);
	CHECK_RET("second", send_lo(a, AF_INET, ct_port_of(b), "second"), 6);
	CHECK_EQX("poll", wait_in(b), POLLIN);
	CHECK_RET("FIONREAD", ioctl(b, FIONREAD, &n), 0);
	CHECK_EQ("next datagram's size", n, 14);
	CHECK_RET("MSG_PEEK", recv(b, buf, 5, MSG_PEEK), 5);
	CHECK_RET("MSG_TRUNC gives the size",
		  recv(b, buf, 5, MSG_PEEK | MSG_TRUNC), 14);
	CHECK_RET("recvfrom",
		  recvfrom(b, buf, sizeof(buf), 0, (void *)&from, &fl), 14);
	CHECK("data", !memcmp(buf, "first datagram", 14));
	getsockname(a, (void *)&name, &nl);
	CHECK_EQ("address length", fl, sizeof(struct sockaddr_in));
	CHECK("from the sender", !memcmp(&from, &name, nl));

	struct iovec iov = { buf, 3 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	CHECK_RET("short recvmsg", recvmsg(b, &mh, 0), 3);
	CHECK_EQX("msg_flags", mh.msg_flags, MSG_TRUNC);
	CHECK_ERR("rest dropped", recv(b, buf, sizeof(buf), MSG_DONTWAIT),
		  EAGAIN);
	CHECK_RET("empty datagram", send_lo(a, AF_INET, ct_port_of(b), ""), 0);
	wait_in(b);
	CHECK_RET("received empty", recv(b, buf, sizeof(buf), 0), 0);
	close(a);
	close(b);
}

CONTRACT_TEST(errors)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	static char big[65536];
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = udp_lo(AF_INET);
	int port = ct_port_of(b), one = 1;

	CHECK_ERR("no destination", send(a, "x", 1, 0), EDESTADDRREQ);
	CHECK_ERR("getpeername",
		  getpeername(a, (void *)&sin, &(socklen_t){ sizeof(sin) }),
		  ENOTCONN);
	CHECK_ERR("shutdown unconnected", shutdown(a, SHUT_RD), ENOTCONN);
	CHECK_ERR("listen", listen(a, 1), EOPNOTSUPP);
	CHECK_ERR("accept", accept(a, NULL, NULL), EOPNOTSUPP);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_ERR("port 0", sendto(a, "x", 1, 0, (void *)&sin, sizeof(sin)),
		  EINVAL);
	sin.sin_port = htons(port);
	CHECK_ERR("short address",
		  sendto(a, "x", 1, 0, (void *)&sin, sizeof(sin) - 1), EINVAL);
	sin.sin_family = AF_INET6;
	CHECK_ERR("wrong family",
		  sendto(a, "x", 1, 0, (void *)&sin, sizeof(sin)),
		  EAFNOSUPPORT);
	sin.sin_family = AF_INET;
	CHECK_ERR("too big",
		  sendto(a, big, 65508, 0, (void *)&sin, sizeof(sin)),
		  EMSGSIZE);
	CHECK_RET("largest",
		  sendto(a, big, 65507, 0, (void *)&sin, sizeof(sin)), 65507);
	CHECK_EQ("largest arrives", wait_in(b), POLLIN);
	CHECK_RET("its size", recv(b, big, sizeof(big), 0), 65507);
	sin.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	CHECK_ERR("broadcast", sendto(a, "x", 1, 0, (void *)&sin, sizeof(sin)),
		  EACCES);
	CHECK_ERR("recv nothing", recv(b, big, 1, MSG_DONTWAIT), EAGAIN);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_ERR("bind again", bind(b, (void *)&sin, sizeof(sin)), EINVAL);
	close(a);
	a = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_ERR("in use", bind(a, (void *)&sin, sizeof(sin)), EADDRINUSE);
	sin.sin_addr.s_addr = 0;
	CHECK_ERR("wildcard in use", bind(a, (void *)&sin, sizeof(sin)),
		  EADDRINUSE);
	close(a);
	close(b);

	a = socket(AF_INET, SOCK_DGRAM, 0);
	b = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	CHECK_RET("reuse bind", bind(a, (void *)&sin, sizeof(sin)), 0);
	sin.sin_port = htons(ct_port_of(a));
	CHECK_RET("reuse both", bind(b, (void *)&sin, sizeof(sin)), 0);
	close(a);
	close(b);
}

CONTRACT_TEST(connected)
{
	struct sockaddr_in sin, peer;
	socklen_t len = sizeof(sin);
	char buf[16];
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = udp_lo(AF_INET);
	int c = udp_lo(AF_INET);
	struct sockaddr_storage ss;
	socklen_t sl = ct_lo_addr(AF_INET, &ss, ct_port_of(b));

	CHECK_RET("connect", connect(a, (void *)&ss, sl), 0);
	CHECK_RET("getsockname", getsockname(a, (void *)&sin, &len), 0);
	CHECK("bound to 127.0.0.1 and a port",
	      sin.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && sin.sin_port);
	CHECK_RET("getpeername", getpeername(a, (void *)&peer, &len), 0);
	CHECK("the peer", !memcmp(&peer, &ss, sizeof(peer)));
	CHECK_RET("send", send(a, "to b", 4, 0), 4);
	wait_in(b);
	CHECK_RET("b got it", recv(b, buf, sizeof(buf), 0), 4);
	/* Only the peer's datagrams reach a connected socket. */
	CHECK_RET("c to a", send_lo(c, AF_INET, ct_port_of(a), "from c"), 6);
	CHECK_RET("b to a", send_lo(b, AF_INET, ct_port_of(a), "from b"), 6);
	wait_in(a);
	CHECK_RET("a reads", recv(a, buf, sizeof(buf), 0), 6);
	CHECK("from b", !memcmp(buf, "from b", 6));
	CHECK_ERR("nothing from c", recv(a, buf, sizeof(buf), MSG_DONTWAIT),
		  EAGAIN);
	CHECK_RET("shutdown connected", shutdown(a, SHUT_RD), 0);
	CHECK_RET("read after SHUT_RD", recv(a, buf, sizeof(buf), 0), 0);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	CHECK_RET("AF_UNSPEC", connect(a, &unspec, sizeof(unspec)), 0);
	CHECK_ERR("no peer", getpeername(a, (void *)&peer, &len), ENOTCONN);
	CHECK_ERR("no destination", send(a, "x", 1, 0), EDESTADDRREQ);
	close(a);
	close(b);
	close(c);
}

CONTRACT_TEST(ipv6)
{
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	char buf[16];
	int a = udp_lo(AF_INET6), b = udp_lo(AF_INET6);
	int d = socket(AF_INET6, SOCK_DGRAM, 0), v4 = udp_lo(AF_INET);
	struct sockaddr_in6 any = { .sin6_family = AF_INET6 };

	CHECK_RET("sendto ::1", send_lo(a, AF_INET6, ct_port_of(b), "six"), 3);
	wait_in(b);
	CHECK_RET("recvfrom",
		  recvfrom(b, buf, sizeof(buf), 0, (void *)&from, &fl), 3);
	CHECK_EQ("length", fl, sizeof(from));
	CHECK("from ::1", IN6_IS_ADDR_LOOPBACK(&from.sin6_addr) &&
				  ntohs(from.sin6_port) == ct_port_of(a));

	CHECK_RET("bind ::", bind(d, (void *)&any, sizeof(any)), 0);
	CHECK_RET("v4 to dual stack", send_lo(v4, AF_INET, ct_port_of(d), "4"),
		  1);
	wait_in(d);
	fl = sizeof(from);
	CHECK_RET("received",
		  recvfrom(d, buf, sizeof(buf), 0, (void *)&from, &fl), 1);
	CHECK("from ::ffff:127.0.0.1",
	      IN6_IS_ADDR_V4MAPPED(&from.sin6_addr) &&
		      from.sin6_addr.s6_addr[12] == 127);
	CHECK_RET("answer to the mapped address",
		  sendto(d, "back", 4, 0, (void *)&from, fl), 4);
	wait_in(v4);
	CHECK_RET("v4 gets it", recv(v4, buf, sizeof(buf), 0), 4);
	close(a);
	close(b);
	close(d);
	close(v4);
}

CONTRACT_TEST(mmsg)
{
	int a = udp_lo(AF_INET), b = udp_lo(AF_INET);
	struct sockaddr_storage ss;
	socklen_t sl = ct_lo_addr(AF_INET, &ss, ct_port_of(b));
	char in[3][8];
	struct iovec out_iov[3] = { { "one", 3 },
				    { "two", 3 },
				    { "three", 5 } };
	struct iovec in_iov[3] = { { in[0], 8 }, { in[1], 8 }, { in[2], 8 } };
	struct mmsghdr om[3], im[3];

	memset(om, 0, sizeof(om));
	memset(im, 0, sizeof(im));
	for (int i = 0; i < 3; i++) {
		om[i].msg_hdr.msg_iov = &out_iov[i];
		om[i].msg_hdr.msg_iovlen = 1;
		im[i].msg_hdr.msg_iov = &in_iov[i];
		im[i].msg_hdr.msg_iovlen = 1;
	}
	connect(a, (void *)&ss, sl);
	CHECK_RET("sendmmsg", sendmmsg(a, om, 3, 0), 3);
	CHECK_EQ("sent lengths", om[2].msg_len, 5);
	CHECK_RET("recvmmsg", recvmmsg(b, im, 3, 0, NULL), 3);
	CHECK_EQ("third length", im[2].msg_len, 5);
	CHECK("in order",
	      !memcmp(in[0], "one", 3) && !memcmp(in[2], "three", 5));
	close(a);
	close(b);
}

CONTRACT_TEST(options)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), v, b;
	socklen_t len = sizeof(v);
	struct ip_mreq mr = { 0 };
	char ctl[64];

	getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len);
	CHECK_EQ("IP_TTL", v, 64);
	getsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &v, &len);
	CHECK_EQ("IP_MULTICAST_TTL", v, 1);
	getsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &v, &len);
	CHECK_EQ("IP_MULTICAST_LOOP", v, 1);
	getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, &len);
	CHECK_EQ("SO_BROADCAST", v, 0);
	mr.imr_multiaddr.s_addr = htonl(0x0a000001);
	CHECK_ERR(
		"join a unicast group",
		setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)),
		EINVAL);
	CHECK_ERR("short ip_mreq",
		  setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, 4),
		  EINVAL);
	CHECK_ERR("a TCP option", setsockopt(fd, IPPROTO_TCP, 1, &v, sizeof(v)),
		  ENOPROTOOPT);
	close(fd);

	fd = udp_lo(AF_INET);
	b = udp_lo(AF_INET);
	v = 1;
	CHECK_RET("IP_RECVTTL",
		  setsockopt(b, IPPROTO_IP, IP_RECVTTL, &v, sizeof(v)), 0);
	CHECK_RET("IP_PKTINFO",
		  setsockopt(b, IPPROTO_IP, IP_PKTINFO, &v, sizeof(v)), 0);
	send_lo(fd, AF_INET, ct_port_of(b), "ttl");
	wait_in(b);

	struct msghdr mh;
	struct cmsghdr *c = recv_ctl(b, &mh, ctl, sizeof(ctl));

	CHECK("IP_PKTINFO first", c != NULL);
	if (c) {
		struct in_pktinfo pi;

		memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		CHECK_EQ("level", c->cmsg_level, IPPROTO_IP);
		CHECK_EQ("pktinfo type", c->cmsg_type, IP_PKTINFO);
		CHECK_EQ("pktinfo length", c->cmsg_len, CMSG_LEN(sizeof(pi)));
		CHECK_EQ("ifindex (lo)", pi.ipi_ifindex, 1);
		CHECK("addresses",
		      pi.ipi_addr.s_addr == htonl(INADDR_LOOPBACK) &&
			      pi.ipi_spec_dst.s_addr == htonl(INADDR_LOOPBACK));
		c = CMSG_NXTHDR(&mh, c);
	}
	CHECK("then IP_TTL", c != NULL);
	if (c) {
		CHECK_EQ("type", c->cmsg_type, IP_TTL);
		CHECK_EQ("ttl", *(int *)CMSG_DATA(c), 64);
		CHECK("no more", CMSG_NXTHDR(&mh, c) == NULL);
	}
	close(fd);
	close(b);
}

/*
 * IP_TOS and IPV6_TCLASS keep the ECN bits on datagram sockets (a
 * received datagram carries them) and drop them on TCP, whose ECN is the
 * stack's; IP_TOS keeps one byte of an int.
 */
CONTRACT_TEST(tos_ecn)
{
	static const struct {
		int fam, type, level, name, set;
	} cases[] = {
		{ AF_INET, SOCK_DGRAM, IPPROTO_IP, IP_TOS, 0xbb },
		{ AF_INET, SOCK_DGRAM, IPPROTO_IP, IP_TOS, 0x1bb },
		{ AF_INET, SOCK_DGRAM, IPPROTO_IP, IP_TOS, -1 },
		{ AF_INET, SOCK_STREAM, IPPROTO_IP, IP_TOS, 0xbb },
		{ AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_TCLASS, 0xbb },
		{ AF_INET6, SOCK_STREAM, IPPROTO_IPV6, IPV6_TCLASS, 0xbb },
	};
	int v, a, b;
	socklen_t len;
	char ctl[64];

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = socket(cases[i].fam, cases[i].type, 0);

		v = cases[i].set;
		len = sizeof(v);
		CHECK_RET("set",
			  setsockopt(fd, cases[i].level, cases[i].name, &v,
				     sizeof(v)),
			  0);
		v = -2;
		getsockopt(fd, cases[i].level, cases[i].name, &v, &len);
		ct_say("%s %s %#x: %#x",
		       cases[i].fam == AF_INET ? "inet" : "inet6",
		       cases[i].type == SOCK_DGRAM ? "dgram" : "stream",
		       cases[i].set, v);
		close(fd);
	}

	a = udp_lo(AF_INET);
	b = udp_lo(AF_INET);
	v = 0xbb;
	EXPECT(setsockopt(a, IPPROTO_IP, IP_TOS, &v, sizeof(v)) == 0);
	v = 1;
	EXPECT(setsockopt(b, IPPROTO_IP, IP_RECVTOS, &v, sizeof(v)) == 0);
	send_lo(a, AF_INET, ct_port_of(b), "tos");
	wait_in(b);

	struct msghdr mh;
	struct cmsghdr *c = recv_ctl(b, &mh, ctl, sizeof(ctl));
	CHECK("IP_TOS message", c && c->cmsg_type == IP_TOS);
	if (c)
		ct_say("received tos %#x", *(unsigned char *)CMSG_DATA(c));
	close(a);
	close(b);
}

/*
 * sendmsg with IP_PKTINFO (a struct in_pktinfo) or IPV6_PKTINFO to fd's
 * loopback at port: what it returned, then who the receiver b saw as
 * the sender.  Only loopback addresses and lo (ifindex 1) are used: the
 * oracle shares the host's interfaces.
 */
static void send_pktinfo(int fd, int b, int fam, int port, const void *pi,
			 size_t pilen, const char *what)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo) + 8)];
		struct cmsghdr align;
	} u;
	struct sockaddr_storage to, from;
	socklen_t fl = sizeof(from);
	struct iovec iov = { "p", 1 };
	struct msghdr mh = { .msg_name = &to,
			     .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = CMSG_SPACE(pilen) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	char host[INET6_ADDRSTRLEN], buf[8];
	ssize_t n;

	memset(&u, 0, sizeof(u));
	mh.msg_namelen = ct_lo_addr(fam, &to, port);
	c->cmsg_level = fam == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	c->cmsg_type = fam == AF_INET ? IP_PKTINFO : IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(pilen);
	memcpy(CMSG_DATA(c), pi, pilen);
	n = sendmsg(fd, &mh, 0);
	if (n < 0) {
		ct_say("%s: %s", what, strerror(errno));
		return;
	}
	if (!wait_in(b)) {
		ct_say("%s: sent, nothing arrived", what);
		return;
	}
	recvfrom(b, buf, sizeof(buf), 0, (void *)&from, &fl);
	inet_ntop(fam,
		  fam == AF_INET
			  ? (void *)&((struct sockaddr_in *)&from)->sin_addr
			  : (void *)&((struct sockaddr_in6 *)&from)->sin6_addr,
		  host, sizeof(host));
	ct_say("%s: from %s, %s port", what, host,
	       ct_port_of(fd) == ntohs(((struct sockaddr_in *)&from)->sin_port)
		       ? "its"
		       : "another");
}

/* send_pktinfo with pi (size bytes) 4 bytes short, then 4 zeros long. */
static void send_pktinfo_sizes(int fd, int b, int fam, int port, const void *pi,
			       size_t size, const char *name)
{
	char what[40], longer[sizeof(struct in6_pktinfo) + 4] = { 0 };

	memcpy(longer, pi, size);
	snprintf(what, sizeof(what), "short %s", name);
	send_pktinfo(fd, b, fam, port, longer, size - 4, what);
	snprintf(what, sizeof(what), "long %s", name);
	send_pktinfo(fd, b, fam, port, longer, size + 4, what);
}

/*
 * IP_PKTINFO and IPV6_PKTINFO on send choose the source address
 * (ipi_spec_dst, ipi6_addr) and interface (ifindex); Linux's errors for
 * a bad source or an unknown interface.
 */
CONTRACT_TEST(pktinfo_send)
{
	static const struct {
		int ifindex;
		const char *spec, *addr;
	} v4[] = {
		{ 0, "127.0.0.2", "0.0.0.0" },
		{ 1, "0.0.0.0", "0.0.0.0" },
		{ 1, "127.0.0.3", "0.0.0.0" },
		{ 0, "0.0.0.0", "10.9.9.9" },
		{ 999, "0.0.0.0", "0.0.0.0" },
		{ 999, "127.0.0.2", "0.0.0.0" },
		{ 0, "224.0.0.1", "0.0.0.0" },
		{ 999, "224.0.0.1", "0.0.0.0" },
		{ 0, "255.255.255.255", "0.0.0.0" },
		{ 0, "0.1.2.3", "0.0.0.0" },
		{ 0, "192.0.2.1", "0.0.0.0" },
		{ -1, "0.0.0.0", "0.0.0.0" },
	};
	static const struct {
		int ifindex;
		const char *addr;
	} v6[] = {
		{ 0, "::1" },	  { 1, "::" },	    { 1, "::1" },
		{ 999, "::" },	  { 999, "::1" },   { 0, "2001:db8::1" },
		{ 0, "ff02::1" }, { 0, "fe80::1" }, { 1, "fe80::1" },
	};
	int b = udp_lo(AF_INET), port = ct_port_of(b), fd;
	char what[80];

	for (unsigned int i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		struct in_pktinfo pi = { .ipi_ifindex = v4[i].ifindex };

		inet_pton(AF_INET, v4[i].spec, &pi.ipi_spec_dst);
		inet_pton(AF_INET, v4[i].addr, &pi.ipi_addr);
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		snprintf(what, sizeof(what), "if %d spec %s addr %s",
			 v4[i].ifindex, v4[i].spec, v4[i].addr);
		send_pktinfo(fd, b, AF_INET, port, &pi, sizeof(pi), what);
		close(fd);
	}
	{
		struct in_pktinfo pi = { .ipi_ifindex = 0 };

		inet_pton(AF_INET, "127.0.0.5", &pi.ipi_spec_dst);
		fd = udp_lo(AF_INET);
		send_pktinfo(fd, b, AF_INET, port, &pi, sizeof(pi),
			     "bound to 127.0.0.1, spec 127.0.0.5");
		send_pktinfo_sizes(fd, b, AF_INET, port, &pi, sizeof(pi),
				   "in_pktinfo");
		close(fd);
	}
	close(b);

	b = udp_lo(AF_INET6);
	port = ct_port_of(b);
	for (unsigned int i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		struct in6_pktinfo pi = { .ipi6_ifindex = v6[i].ifindex };

		inet_pton(AF_INET6, v6[i].addr, &pi.ipi6_addr);
		fd = socket(AF_INET6, SOCK_DGRAM, 0);
		snprintf(what, sizeof(what), "if %d addr %s", v6[i].ifindex,
			 v6[i].addr);
		send_pktinfo(fd, b, AF_INET6, port, &pi, sizeof(pi), what);
		if (i == 0)
			send_pktinfo_sizes(fd, b, AF_INET6, port, &pi,
					   sizeof(pi), "in6_pktinfo");
		close(fd);
	}
	close(b);
}

static unsigned short icmp_sum(const void *p, int len)
{
	const unsigned short *w = p;
	unsigned int sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const unsigned char *)w;
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return (unsigned short)~sum;
}

/* Root's raw ICMP socket: an echo to 127.0.0.1 and its reply. */
CONTRACT_TEST(raw_ping)
{
	struct sockaddr_storage ss;
	socklen_t sl = ct_lo_addr(AF_INET, &ss, 0);
	unsigned char pkt[64], in[256];
	struct icmphdr *ic = (void *)pkt;
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), seen = 0;
	unsigned short id = (unsigned short)(0x4b00 | (getpid() & 0xff));

	CHECK("socket", fd >= 0);
	memset(pkt, 0, sizeof(pkt));
	ic->type = ICMP_ECHO;
	ic->un.echo.id = htons(id);
	ic->un.echo.sequence = htons(1);
	memcpy(pkt + 8, "kos ping", 8);
	ic->checksum = icmp_sum(pkt, 16);
	CHECK_RET("sendto", sendto(fd, pkt, 16, 0, (void *)&ss, sl), 16);
	for (int i = 0; i < 20 && !seen; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);

		if (!(wait_in(fd) & POLLIN))
			break;
		ssize_t n = recvfrom(fd, in, sizeof(in), 0, (void *)&from, &fl);
		struct iphdr *ip = (void *)in;

		if (n < 28 || ip->protocol != IPPROTO_ICMP)
			continue;
		struct icmphdr *r = (void *)(in + ip->ihl * 4);

		if (r->type != ICMP_ECHOREPLY || ntohs(r->un.echo.id) != id)
			continue;
		seen = 1;
		CHECK_EQ("length with the IP header", n, 20 + 16);
		CHECK("from 127.0.0.1",
		      from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
		CHECK("payload", !memcmp(in + 28, "kos ping", 8));
	}
	CHECK("echo reply", seen);
	close(fd);
}

/*
 * A datagram to a closed port: the ICMP port unreachable that comes back
 * makes the next recv or send of a connected socket fail ECONNREFUSED
 * (once); an unconnected socket hears nothing.
 */
CONTRACT_TEST(icmp_refused)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	char buf[4];

	for (int i = 0; i < 2; i++) {
		int fam = fams[i], b = udp_lo(fam), port = ct_port_of(b);
		int a = socket(fam, SOCK_DGRAM, 0), v = -1;
		struct sockaddr_storage ss;
		socklen_t sl = ct_lo_addr(fam, &ss, port), len = sizeof(v);
		struct pollfd p = { a, POLLIN, 0 };

		ct_say("%s", fam == AF_INET ? "ipv4" : "ipv6");
		close(b); /* nobody on port now */
		CHECK_RET("connect", connect(a, (void *)&ss, sl), 0);
		CHECK_RET("send", send(a, "x", 1, 0), 1);
		CHECK_RET("poll", poll(&p, 1, 5000), 1);
		CHECK_EQX("revents", p.revents, POLLERR);
		CHECK_ERR("recv", recv(a, buf, sizeof(buf), MSG_DONTWAIT),
			  ECONNREFUSED);
		CHECK_ERR("recv again", recv(a, buf, sizeof(buf), MSG_DONTWAIT),
			  EAGAIN);
		CHECK_RET("send 2", send(a, "x", 1, 0), 1);
		CHECK_RET("poll 2", poll(&p, 1, 5000), 1);
		CHECK_ERR("send 3", send(a, "x", 1, 0), ECONNREFUSED);
		CHECK_RET("send 4", send(a, "x", 1, 0), 1);
		CHECK_RET("poll 4", poll(&p, 1, 5000), 1);
		CHECK_RET("SO_ERROR",
			  getsockopt(a, SOL_SOCKET, SO_ERROR, &v, &len), 0);
		CHECK_EQ("error", v, ECONNREFUSED);
		CHECK_ERR("then recv", recv(a, buf, sizeof(buf), MSG_DONTWAIT),
			  EAGAIN);
		close(a);
		/* Unconnected: the error is not reported. */
		a = socket(fam, SOCK_DGRAM, 0);
		p.fd = a;
		CHECK_RET("sendto", sendto(a, "x", 1, 0, (void *)&ss, sl), 1);
		CHECK_RET("poll unconnected", poll(&p, 1, 300), 0);
		CHECK_ERR("recv unconnected",
			  recv(a, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
		close(a);
	}
}

/*
 * IPV6_RECVPKTINFO: IPV6_PKTINFO before IPV6_HOPLIMIT; an IPv4 datagram
 * to a dual-stack socket gets the mapped address and no hop limit.
 */
static void pktinfo6_recv(int b, const char *what, int want_v4)
{
	char buf[8], ctl[128];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct in6_pktinfo pi;
	struct cmsghdr *c;

	ct_say("%s", what);
	wait_in(b);
	CHECK_RET("recvmsg", recvmsg(b, &mh, 0), 2);
	c = CMSG_FIRSTHDR(&mh);
	CHECK("IPV6_PKTINFO first", c != NULL);
	if (!c)
		return;
	memcpy(&pi, CMSG_DATA(c), sizeof(pi));
	CHECK_EQ("level", c->cmsg_level, IPPROTO_IPV6);
	CHECK_EQ("type", c->cmsg_type, IPV6_PKTINFO);
	CHECK_EQ("length", c->cmsg_len, CMSG_LEN(sizeof(pi)));
	CHECK_EQ("ifindex (lo)", pi.ipi6_ifindex, 1);
	if (want_v4)
		CHECK("::ffff:127.0.0.1",
		      IN6_IS_ADDR_V4MAPPED(&pi.ipi6_addr) &&
			      pi.ipi6_addr.s6_addr32[3] ==
				      htonl(INADDR_LOOPBACK));
	else
		CHECK("::1", IN6_IS_ADDR_LOOPBACK(&pi.ipi6_addr));
	c = CMSG_NXTHDR(&mh, c);
	if (want_v4) { /* Linux gives an IPv4 datagram no hop limit */
		CHECK("no more", c == NULL);
		return;
	}
	CHECK("then IPV6_HOPLIMIT", c != NULL);
	if (c) {
		CHECK_EQ("type", c->cmsg_type, IPV6_HOPLIMIT);
		CHECK_EQ("hop limit", *(int *)CMSG_DATA(c), 64);
		CHECK("no more", CMSG_NXTHDR(&mh, c) == NULL);
	}
}

CONTRACT_TEST(pktinfo6)
{
	int a = udp_lo(AF_INET6), b = udp_lo(AF_INET6), v = 1, v4;
	socklen_t len = sizeof(v);

	CHECK_RET("IPV6_RECVPKTINFO",
		  setsockopt(b, IPPROTO_IPV6, IPV6_RECVPKTINFO, &v, sizeof(v)),
		  0);
	CHECK_RET("IPV6_RECVHOPLIMIT",
		  setsockopt(b, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &v, sizeof(v)),
		  0);
	v = 0;
	getsockopt(b, IPPROTO_IPV6, IPV6_RECVPKTINFO, &v, &len);
	CHECK_EQ("getsockopt", v, 1);
	CHECK_RET("send", send_lo(a, AF_INET6, ct_port_of(b), "p6"), 2);
	pktinfo6_recv(b, "over ::1", 0);
	close(b);
	/* a dual-stack socket on :: gets an IPv4 datagram */
	b = dual_stack_rx(IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT);
	v4 = udp_lo(AF_INET);
	CHECK_RET("send v4", send_lo(v4, AF_INET, ct_port_of(b), "p4"), 2);
	pktinfo6_recv(b, "over 127.0.0.1", 1);
	close(v4);
	close(a);
	close(b);
}

/* Receive one datagram on b and print its control messages. */
static void print_cmsgs(int b, const char *what, size_t room)
{
	char buf[8], ctl[256];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = room };
	struct cmsghdr *c;
	int v;

	ct_say("%s", what);
	if (!wait_in(b)) {
		ct_say("nothing arrived");
		return;
	}
	CHECK("recvmsg", recvmsg(b, &mh, 0) >= 0);
	ct_say("msg_flags %#x controllen %zu", mh.msg_flags,
	       (size_t)mh.msg_controllen);
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		v = -1;
		if (c->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&v, CMSG_DATA(c), sizeof(v));
		else if (c->cmsg_len == CMSG_LEN(1)) /* IP_TOS */
			v = *(unsigned char *)CMSG_DATA(c);
		ct_say("cmsg level %d type %d len %zu value %d", c->cmsg_level,
		       c->cmsg_type, (size_t)c->cmsg_len, v);
	}
}

/*
 * sendmsg of "x" from the AF_INET6 socket a to ::1 (fam AF_INET6) or
 * ::ffff:127.0.0.1 (AF_INET) port, with one or two int control messages
 * at SOL_IPV6, the first extra bytes long.
 */
static ssize_t send6_cmsg(int a, int fam, int port, int t1, int v1, int t2,
			  int v2, size_t extra)
{
	struct sockaddr_storage ss;
	socklen_t sl = ct_lo_addr(AF_INET6, &ss, port);
	union {
		char b[2 * CMSG_SPACE(sizeof(int) + 4)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { "x", 1 };
	struct msghdr mh = { .msg_name = &ss,
			     .msg_namelen = sl,
			     .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.b };
	struct cmsghdr *c;

	if (fam == AF_INET) { /* ::ffff:127.0.0.1 */
		struct sockaddr_in6 *sin6 = (void *)&ss;

		memset(&sin6->sin6_addr, 0, 16);
		sin6->sin6_addr.s6_addr32[2] = htonl(0xffff);
		sin6->sin6_addr.s6_addr32[3] = htonl(INADDR_LOOPBACK);
	}
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_controllen = CMSG_SPACE(sizeof(int) + extra) +
			    (t2 ? CMSG_SPACE(sizeof(int)) : 0);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = t1;
	c->cmsg_len = CMSG_LEN(sizeof(int) + extra);
	memcpy(CMSG_DATA(c), &v1, sizeof(int));
	if (t2) {
		c = CMSG_NXTHDR(&mh, c);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = t2;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &v2, sizeof(int));
	}
	return sendmsg(a, &mh, 0);
}

/*
 * RFC 3542's traffic class and hop limit: IPV6_RECVTCLASS and
 * IPV6_RECVHOPLIMIT on receive (in Linux's order), IPV6_TCLASS and
 * IPV6_HOPLIMIT as control messages of a send, with Linux's checks.
 */
CONTRACT_TEST(rfc3542)
{
	int a = udp_lo(AF_INET6), b = udp_lo(AF_INET6), v = 1, port;
	socklen_t len = sizeof(v);

	port = ct_port_of(b);
	v = 7;
	CHECK_RET("get IPV6_RECVTCLASS",
		  getsockopt(b, IPPROTO_IPV6, IPV6_RECVTCLASS, &v, &len), 0);
	CHECK_EQ("default", v, 0);
	v = 1;
	CHECK_RET("IPV6_RECVTCLASS",
		  setsockopt(b, IPPROTO_IPV6, IPV6_RECVTCLASS, &v, sizeof(v)),
		  0);
	CHECK_RET("IPV6_RECVHOPLIMIT",
		  setsockopt(b, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &v, sizeof(v)),
		  0);
	v = 0;
	len = sizeof(v);
	getsockopt(b, IPPROTO_IPV6, IPV6_RECVTCLASS, &v, &len);
	CHECK_EQ("get again", v, 1);
	CHECK_RET("plain send", send_lo(a, AF_INET6, port, "x"), 1);
	print_cmsgs(b, "defaults", 256);
	v = 0x28;
	CHECK_RET("IPV6_TCLASS 0x28",
		  setsockopt(a, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), 0);
	CHECK_RET("send", send_lo(a, AF_INET6, port, "x"), 1);
	print_cmsgs(b, "socket's traffic class", 256);
	CHECK_RET("HOPLIMIT 2",
		  send6_cmsg(a, AF_INET6, port, IPV6_HOPLIMIT, 2, 0, 0, 0), 1);
	print_cmsgs(b, "hop limit 2, socket's class", 256);
	CHECK_RET("TCLASS 0x10 HOPLIMIT 5",
		  send6_cmsg(a, AF_INET6, port, IPV6_TCLASS, 0x10,
			     IPV6_HOPLIMIT, 5, 0),
		  1);
	print_cmsgs(b, "class 0x10, hop limit 5", 256);
	CHECK_RET("TCLASS -1 HOPLIMIT -1",
		  send6_cmsg(a, AF_INET6, port, IPV6_TCLASS, -1, IPV6_HOPLIMIT,
			     -1, 0),
		  1);
	print_cmsgs(b, "defaults by -1", 256);
	CHECK_RET("TCLASS 0xff",
		  send6_cmsg(a, AF_INET6, port, IPV6_TCLASS, 0xff, 0, 0, 0), 1);
	print_cmsgs(b, "class 0xff", 256);
	CHECK_RET("2292HOPLIMIT 9",
		  send6_cmsg(a, AF_INET6, port, IPV6_2292HOPLIMIT, 9, 0, 0, 0),
		  1);
	print_cmsgs(b, "2292 hop limit 9", 256);
	CHECK_RET("room for one", send_lo(a, AF_INET6, port, "x"), 1);
	print_cmsgs(b, "room for one", CMSG_SPACE(sizeof(int)));
	CHECK_RET("room for a header", send_lo(a, AF_INET6, port, "x"), 1);
	print_cmsgs(b, "room for a header", CMSG_LEN(0));

	CHECK_ERR("TCLASS one byte long",
		  send6_cmsg(a, AF_INET6, port, IPV6_TCLASS, 0x10,
			     IPV6_HOPLIMIT, 5, 1),
		  EINVAL);
	CHECK_ERR("HOPLIMIT one byte long",
		  send6_cmsg(a, AF_INET6, port, IPV6_HOPLIMIT, 5, 0, 0, 1),
		  EINVAL);
	CHECK_ERR("TCLASS 256",
		  send6_cmsg(a, AF_INET6, port, IPV6_TCLASS, 256, 0, 0, 0),
		  EINVAL);
	CHECK_ERR("TCLASS -2",
		  send6_cmsg(a, AF_INET6, port, IPV6_TCLASS, -2, 0, 0, 0),
		  EINVAL);
	CHECK_ERR("HOPLIMIT 256",
		  send6_cmsg(a, AF_INET6, port, IPV6_HOPLIMIT, 256, 0, 0, 0),
		  EINVAL);
	CHECK_ERR("HOPLIMIT -2",
		  send6_cmsg(a, AF_INET6, port, IPV6_HOPLIMIT, -2, 0, 0, 0),
		  EINVAL);
	CHECK_ERR("unknown type",
		  send6_cmsg(a, AF_INET6, port, 1000, 0, 0, 0, 0), EINVAL);
	CHECK_ERR("IPV6_RECVTCLASS as a cmsg",
		  send6_cmsg(a, AF_INET6, port, IPV6_RECVTCLASS, 1, 0, 0, 0),
		  EINVAL);
	CHECK_ERR("a good one, then a bad one",
		  send6_cmsg(a, AF_INET6, port, IPV6_HOPLIMIT, 3, IPV6_TCLASS,
			     300, 0),
		  EINVAL);
	CHECK_ERR("nothing was sent", recv(b, &v, sizeof(v), MSG_DONTWAIT),
		  EAGAIN);
	close(b);

	/* a dual-stack socket: an IPv4 datagram gets no class or limit */
	b = dual_stack_rx(IPV6_RECVTCLASS, IPV6_RECVHOPLIMIT);
	port = ct_port_of(b);
	close(a);
	a = socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK_RET("v4-mapped with HOPLIMIT",
		  send6_cmsg(a, AF_INET, port, IPV6_HOPLIMIT, 2, 0, 0, 0), 1);
	print_cmsgs(b, "over 127.0.0.1", 256);
	CHECK_RET("v4-mapped, unknown type",
		  send6_cmsg(a, AF_INET, port, 1000, 0, 0, 0, 0), 1);
	print_cmsgs(b, "unknown type to 127.0.0.1", 256);
	close(a);
	close(b);
}

/*
 * sendmsg of "x" from the AF_INET socket a to 127.0.0.1:port with one
 * control message at level of type and vlen bytes of v.
 */
static ssize_t send4_cmsg(int a, int port, int level, int type, int v,
			  size_t vlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = ct_lo_addr(AF_INET, &ss, port);
	union {
		char b[CMSG_SPACE(sizeof(struct in_pktinfo) + 8)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { "x", 1 };
	struct msghdr mh = { .msg_name = &ss,
			     .msg_namelen = sl,
			     .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.b,
			     .msg_controllen = CMSG_SPACE(vlen) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	unsigned char byte = (unsigned char)v;

	memset(&ctl, 0, sizeof(ctl));
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(vlen);
	if (vlen == 1)
		memcpy(CMSG_DATA(c), &byte, 1);
	else if (vlen >= sizeof(int))
		memcpy(CMSG_DATA(c), &v, sizeof(int));
	return sendmsg(a, &mh, 0);
}

/*
 * An AF_INET socket's control messages on send: IP_TTL and IP_TOS for
 * that datagram, with Linux's checks; unknown SOL_IP types are EINVAL,
 * other levels' messages are skipped.
 */
CONTRACT_TEST(cmsg4)
{
	int a = udp_lo(AF_INET), b = udp_lo(AF_INET), v = 1;
	int port = ct_port_of(b);

	setsockopt(b, IPPROTO_IP, IP_RECVTTL, &v, sizeof(v));
	setsockopt(b, IPPROTO_IP, IP_RECVTOS, &v, sizeof(v));
	CHECK_RET("IP_TTL 7", send4_cmsg(a, port, IPPROTO_IP, IP_TTL, 7, 4), 1);
	print_cmsgs(b, "ttl 7", 256);
	CHECK_RET("IP_TOS 0x20",
		  send4_cmsg(a, port, IPPROTO_IP, IP_TOS, 0x20, 4), 1);
	print_cmsgs(b, "tos 0x20", 256);
	CHECK_RET("IP_TOS byte 0x40",
		  send4_cmsg(a, port, IPPROTO_IP, IP_TOS, 0x40, 1), 1);
	print_cmsgs(b, "tos 0x40", 256);
	CHECK_RET("IP_TOS 0xff",
		  send4_cmsg(a, port, IPPROTO_IP, IP_TOS, 0xff, 4), 1);
	print_cmsgs(b, "tos 0xff", 256);
	CHECK_RET("SOL_IPV6 IPV6_HOPLIMIT skipped",
		  send4_cmsg(a, port, IPPROTO_IPV6, IPV6_HOPLIMIT, 3, 4), 1);
	print_cmsgs(b, "defaults", 256);
	CHECK_ERR("IP_TTL 0", send4_cmsg(a, port, IPPROTO_IP, IP_TTL, 0, 4),
		  EINVAL);
	CHECK_ERR("IP_TTL 256", send4_cmsg(a, port, IPPROTO_IP, IP_TTL, 256, 4),
		  EINVAL);
	CHECK_ERR("IP_TTL -1", send4_cmsg(a, port, IPPROTO_IP, IP_TTL, -1, 4),
		  EINVAL);
	CHECK_ERR("IP_TTL a byte",
		  send4_cmsg(a, port, IPPROTO_IP, IP_TTL, 7, 1), EINVAL);
	CHECK_ERR("IP_TOS 256", send4_cmsg(a, port, IPPROTO_IP, IP_TOS, 256, 4),
		  EINVAL);
	CHECK_ERR("IP_TOS -1", send4_cmsg(a, port, IPPROTO_IP, IP_TOS, -1, 4),
		  EINVAL);
	CHECK_ERR("IP_TOS 2 bytes",
		  send4_cmsg(a, port, IPPROTO_IP, IP_TOS, 1, 2), EINVAL);
	CHECK_ERR("IP_PKTINFO short",
		  send4_cmsg(a, port, IPPROTO_IP, IP_PKTINFO, 0, 4), EINVAL);
	CHECK_RET("IP_PROTOCOL 17",
		  send4_cmsg(a, port, IPPROTO_IP, 52 /* IP_PROTOCOL */, 17, 4),
		  1);
	print_cmsgs(b, "IP_PROTOCOL changes nothing here", 256);
	CHECK_ERR("IP_PROTOCOL 0", send4_cmsg(a, port, IPPROTO_IP, 52, 0, 4),
		  EINVAL);
	CHECK_ERR("unknown SOL_IP type",
		  send4_cmsg(a, port, IPPROTO_IP, 1000, 0, 4), EINVAL);
	CHECK_ERR("IP_RECVTTL as a cmsg",
		  send4_cmsg(a, port, IPPROTO_IP, IP_RECVTTL, 1, 4), EINVAL);
	CHECK_ERR("nothing was sent", recv(b, &v, sizeof(v), MSG_DONTWAIT),
		  EAGAIN);
	close(a);
	close(b);
}

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif
#define CT_SOL_UDPLITE 136
#define CT_UDPLITE_SEND_CSCOV 10
#define CT_UDPLITE_RECV_CSCOV 11

/* A socket of fam and protocol proto bound to its loopback, ephemeral port. */
static int dgram_lo(int fam, int proto, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(fam, &ss, port);
	int fd = socket(fam, SOCK_DGRAM, proto);

	EXPECT(fd >= 0);
	EXPECT(bind(fd, (void *)&ss, len) == 0);
	return fd;
}

static int cscov(int fd, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, CT_SOL_UDPLITE, name, &v, &len))
		return -errno;
	return v;
}

/* n bytes from fd to the loopback of fam, port */
static ssize_t send_big(int fd, int fam, int port, size_t n)
{
	static const char zeros[256];
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(fam, &ss, port);

	return sendto(fd, zeros, n, 0, (void *)&ss, len);
}

/* Did fd get a datagram of n bytes within 300 ms (then it is read)? */
static int got(int fd, int n)
{
	char buf[256];
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, 300) != 1)
		return 0;
	return recv(fd, buf, sizeof(buf), MSG_DONTWAIT) == n;
}

/*
 * UDP-Lite (RFC 3828): sockets, datagrams over 127.0.0.1 and ::1, a
 * port space of its own beside UDP's, and the checksum coverage options
 * with Linux's rules (0 is the whole datagram, 1-7 become 8; a receiver
 * drops partly covered datagrams below its minimum).
 */
CONTRACT_TEST(udplite)
{
	int fam, a, b, u, v;

	CHECK_ERR("SOCK_STREAM", socket(AF_INET, SOCK_STREAM, IPPROTO_UDPLITE),
		  EPROTONOSUPPORT);
	for (fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		char buf[32];

		ct_say("%s", fam == AF_INET ? "IPv4" : "IPv6");
		a = dgram_lo(fam, IPPROTO_UDPLITE, 0);
		b = dgram_lo(fam, IPPROTO_UDPLITE, 0);
		CHECK_RET("sendto", send_lo(a, fam, ct_port_of(b), "lite"), 4);
		wait_in(b);
		CHECK_RET("recvfrom",
			  recvfrom(b, buf, sizeof(buf), 0, (void *)&from, &fl),
			  4);
		CHECK("data", !memcmp(buf, "lite", 4));
		CHECK("from a's port",
		      ntohs(((struct sockaddr_in *)&from)->sin_port) ==
			      ct_port_of(a));
		/* a UDP socket on b's port: each protocol gets its own */
		u = dgram_lo(fam, IPPROTO_UDP, ct_port_of(b));
		CHECK("UDP on the same port", u >= 0);
		v = socket(fam, SOCK_DGRAM, 0);
		CHECK_RET("UDP to it", send_lo(v, fam, ct_port_of(b), "udp"),
			  3);
		CHECK_RET("UDP-Lite to it",
			  send_lo(a, fam, ct_port_of(b), "lite!"), 5);
		CHECK("UDP socket got the UDP one", got(u, 3));
		CHECK("UDP-Lite socket got the UDP-Lite one", got(b, 5));
		CHECK("nothing else", !got(u, 5) && !got(b, 3));
		v = socket(fam, SOCK_DGRAM, IPPROTO_UDPLITE);
		{
			struct sockaddr_storage ss;
			socklen_t sl = ct_lo_addr(fam, &ss, ct_port_of(b));

			CHECK_ERR("second UDP-Lite bind",
				  bind(v, (void *)&ss, sl), EADDRINUSE);
		}
		close(v);
		close(u);

		/* coverage: a covers 20 bytes, b wants at least 30 */
		v = 20;
		CHECK_RET("SEND_CSCOV 20",
			  setsockopt(a, CT_SOL_UDPLITE, CT_UDPLITE_SEND_CSCOV,
				     &v, sizeof(v)),
			  0);
		v = 30;
		CHECK_RET("RECV_CSCOV 30",
			  setsockopt(b, CT_SOL_UDPLITE, CT_UDPLITE_RECV_CSCOV,
				     &v, sizeof(v)),
			  0);
		CHECK_RET("100 bytes", send_big(a, fam, ct_port_of(b), 100),
			  100);
		CHECK("dropped: covered below 30", !got(b, 100));
		CHECK_RET("4 bytes", send_big(a, fam, ct_port_of(b), 4), 4);
		CHECK("arrives: 12 <= 20 is whole", got(b, 4));
		v = 16;
		setsockopt(b, CT_SOL_UDPLITE, CT_UDPLITE_RECV_CSCOV, &v,
			   sizeof(v));
		CHECK_RET("100 bytes", send_big(a, fam, ct_port_of(b), 100),
			  100);
		CHECK("arrives: 20 >= 16", got(b, 100));
		v = 0;
		setsockopt(b, CT_SOL_UDPLITE, CT_UDPLITE_RECV_CSCOV, &v,
			   sizeof(v));
		CHECK_RET("100 bytes", send_big(a, fam, ct_port_of(b), 100),
			  100);
		CHECK("dropped: RECV_CSCOV 0 wants it whole", !got(b, 100));
		v = 0;
		setsockopt(a, CT_SOL_UDPLITE, CT_UDPLITE_SEND_CSCOV, &v,
			   sizeof(v));
		CHECK_RET("100 bytes, SEND_CSCOV 0",
			  send_big(a, fam, ct_port_of(b), 100), 100);
		CHECK("arrives: whole", got(b, 100));
		close(a);
		close(b);
	}

	/* the options */
	a = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE);
	u = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	CHECK_EQ("SEND_CSCOV default", cscov(a, CT_UDPLITE_SEND_CSCOV), 0);
	CHECK_EQ("RECV_CSCOV default", cscov(a, CT_UDPLITE_RECV_CSCOV), 0);
	{
		static const int in[] = { 3, 8, 20, -5, 70000, 0 };

		for (unsigned int i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
			v = in[i];
			setsockopt(a, CT_SOL_UDPLITE, CT_UDPLITE_SEND_CSCOV, &v,
				   sizeof(v));
			setsockopt(a, IPPROTO_UDP, CT_UDPLITE_RECV_CSCOV, &v,
				   sizeof(v));
			ct_say("set %d: send %d recv %d", in[i],
			       cscov(a, CT_UDPLITE_SEND_CSCOV),
			       cscov(a, CT_UDPLITE_RECV_CSCOV));
		}
	}
	CHECK_ERR("short value",
		  setsockopt(a, CT_SOL_UDPLITE, CT_UDPLITE_SEND_CSCOV, &v, 2),
		  EINVAL);
	v = 8;
	CHECK_ERR("on UDP",
		  setsockopt(u, CT_SOL_UDPLITE, CT_UDPLITE_SEND_CSCOV, &v,
			     sizeof(v)),
		  ENOPROTOOPT);
	CHECK_EQ("get on UDP (Linux reads 0)", cscov(u, CT_UDPLITE_SEND_CSCOV),
		 0);
	CHECK_ERR("unknown option",
		  setsockopt(a, CT_SOL_UDPLITE, 99, &v, sizeof(v)),
		  ENOPROTOOPT);
	close(a);
	close(u);

	/* a connected socket hears of a closed port */
	b = dgram_lo(AF_INET, IPPROTO_UDPLITE, 0);
	v = ct_port_of(b);
	close(b);
	a = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE);
	{
		struct sockaddr_storage ss;
		socklen_t sl = ct_lo_addr(AF_INET, &ss, v);
		char c;

		CHECK_RET("connect", connect(a, (void *)&ss, sl), 0);
		CHECK_RET("send", send(a, "x", 1, 0), 1);
		wait_in(a);
		CHECK_ERR("recv", recv(a, &c, 1, MSG_DONTWAIT), ECONNREFUSED);
	}
	close(a);
}
