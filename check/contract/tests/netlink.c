/*
 * Netlink NETLINK_ROUTE and the interface ioctls (issue 12), compared on
 * what is the same on every Linux: the loopback.  The oracle shares the
 * host's interfaces, so only lo is looked at, and nothing is changed:
 * setters are tested only for their errors (EPERM without
 * CAP_NET_ADMIN, ENODEV, EADDRNOTAVAIL, ESRCH, EOPNOTSUPP) on requests
 * that cannot succeed (a stray SIOCSIFMTU 10 on the host's lo is
 * accepted by Linux and takes lo's addresses away).
 * Sockets (bind, autobind, names), dumps (NLM_F_MULTI, NLMSG_DONE, the
 * MSG_PEEK|MSG_TRUNC size probe), single GETs, acknowledgements and
 * NLMSG_ERROR with the request appended, rtnetlink's errors, and
 * SIOCGIF* on inet, Unix and netlink sockets.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "contract.h"
#include "proclib.h"

#define CONTRACT_AREA "netlink"

/*
 * The netlink ABI, written out: musl has no <linux/netlink.h> (values as
 * Linux's uapi headers).
 */
#define NETLINK_ROUTE 0
#define SOL_NETLINK 270
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_CAP_ACK 10
#define NLM_F_REQUEST 0x01
#define NLM_F_MULTI 0x02
#define NLM_F_ACK 0x04
#define NLM_F_DUMP 0x300
#define NLM_F_CREATE 0x400
#define NLM_F_CAPPED 0x100
#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_SETLINK 19
#define RTM_NEWADDR 20
#define RTM_DELADDR 21
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_DELROUTE 25
#define RTM_GETROUTE 26
#define RTNLGRP_LINK 1
#define RTMGRP_LINK 1
#define IFLA_ADDRESS 1
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_STATS 7
#define IFLA_TXQLEN 13
#define IFLA_OPERSTATE 16
#define IFLA_STATS64 23
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_CACHEINFO 6
#define IFA_F_PERMANENT 0x80
#define RTA_DST 1
#define RTA_TABLE 15
#define RT_TABLE_MAIN 254
#define RTPROT_BOOT 3
#define RT_SCOPE_UNIVERSE 0
#define RTN_UNICAST 1
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

struct sockaddr_nl {
	unsigned short nl_family, nl_pad;
	unsigned int nl_pid, nl_groups;
};
struct nlmsghdr {
	unsigned int nlmsg_len;
	unsigned short nlmsg_type, nlmsg_flags;
	unsigned int nlmsg_seq, nlmsg_pid;
};
struct nlmsgerr {
	int error;
	struct nlmsghdr msg;
};
struct rtattr {
	unsigned short rta_len, rta_type;
};
struct ifinfomsg {
	unsigned char ifi_family, ifi_pad;
	unsigned short ifi_type;
	int ifi_index;
	unsigned int ifi_flags, ifi_change;
};
struct ifaddrmsg {
	unsigned char ifa_family, ifa_prefixlen, ifa_flags, ifa_scope;
	unsigned int ifa_index;
};
struct rtmsg {
	unsigned char rtm_family, rtm_dst_len, rtm_src_len, rtm_tos;
	unsigned char rtm_table, rtm_protocol, rtm_scope, rtm_type;
	unsigned int rtm_flags;
};

#define NLMSG_ALIGN(l) (((l) + 3U) & ~3U)
#define NLMSG_HDRLEN ((int)NLMSG_ALIGN(sizeof(struct nlmsghdr)))
#define NLMSG_LENGTH(l) ((l) + NLMSG_HDRLEN)
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_HDRLEN))
#define NLMSG_OK(h, len)                              \
	((len) >= (int)sizeof(struct nlmsghdr) &&     \
	 (h)->nlmsg_len >= sizeof(struct nlmsghdr) && \
	 (h)->nlmsg_len <= (unsigned int)(len))
#define NLMSG_NEXT(h, len)                     \
	((len) -= NLMSG_ALIGN((h)->nlmsg_len), \
	 (struct nlmsghdr *)((char *)(h) + NLMSG_ALIGN((h)->nlmsg_len)))
#define RTA_ALIGN(l) (((l) + 3U) & ~3U)
#define RTA_LENGTH(l) (RTA_ALIGN(sizeof(struct rtattr)) + (l))
#define RTA_DATA(a) ((void *)((char *)(a) + RTA_LENGTH(0)))
#define RTA_PAYLOAD(a) ((int)((a)->rta_len) - (int)RTA_LENGTH(0))
#define RTA_OK(a, len)                          \
	((len) >= (int)sizeof(struct rtattr) && \
	 (a)->rta_len >= sizeof(struct rtattr) && (a)->rta_len <= (len))
#define RTA_NEXT(a, len)                   \
	((len) -= RTA_ALIGN((a)->rta_len), \
	 (struct rtattr *)((char *)(a) + RTA_ALIGN((a)->rta_len)))

static char rbuf[65536];

static int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	EXPECT(fd >= 0);
	return fd;
}

/* Send one request: header, then len bytes of body. */
static int nl_send(int fd, int type, int flags, int seq, const void *body,
		   size_t len)
{
	char buf[512];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };

	memset(buf, 0, sizeof(buf));
	h->nlmsg_len = NLMSG_LENGTH(len);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	memcpy(NLMSG_DATA(h), body, len);
	return sendto(fd, buf, h->nlmsg_len, 0, (void *)&k, sizeof(k));
}

/* One datagram into rbuf: its length, after a MSG_PEEK|MSG_TRUNC probe. */
static int nl_recv(int fd)
{
	int want = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	int n;

	EXPECT(want > 0 && want <= (int)sizeof(rbuf));
	n = recv(fd, rbuf, sizeof(rbuf), 0);
	EXPECT(n == want);
	return n;
}

/* The attribute of type t in the message's attributes, or NULL. */
static struct rtattr *attr(struct nlmsghdr *h, size_t fixed, int t)
{
	int len = h->nlmsg_len - NLMSG_LENGTH(fixed);
	struct rtattr *a = (void *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(fixed));

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == t)
			return a;
	return NULL;
}

static unsigned int u32_attr(struct nlmsghdr *h, size_t fixed, int t)
{
	struct rtattr *a = attr(h, fixed, t);
	unsigned int v = 0;

	if (a && RTA_PAYLOAD(a) >= 4)
		memcpy(&v, RTA_DATA(a), 4);
	return a ? v : 0xdeadbeef;
}

static unsigned int portid(int fd)
{
	struct sockaddr_nl sn;
	socklen_t l = sizeof(sn);

	EXPECT(getsockname(fd, (void *)&sn, &l) == 0);
	return sn.nl_pid;
}

CONTRACT_TEST(socket)
{
	struct sockaddr_nl sn = { .nl_family = AF_NETLINK };
	socklen_t l = sizeof(sn);
	int a, b, v;

	CHECK_ERR("SOCK_STREAM", socket(AF_NETLINK, SOCK_STREAM, 0),
		  ESOCKTNOSUPPORT);
	CHECK_ERR("protocol 32", socket(AF_NETLINK, SOCK_RAW, 32),
		  EPROTONOSUPPORT);
	CHECK_ERR("protocol -1", socket(AF_NETLINK, SOCK_RAW, -1),
		  EPROTONOSUPPORT);
	b = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	CHECK("SOCK_DGRAM", b >= 0);
	close(b);
	a = nl_open();
	CHECK_RET("getsockname unbound", getsockname(a, (void *)&sn, &l), 0);
	CHECK_EQ("family", sn.nl_family, AF_NETLINK);
	CHECK_EQ("pid", sn.nl_pid, 0);
	CHECK_EQ("len", l, sizeof(sn));
	CHECK_ERR("bind short", bind(a, (void *)&sn, 4), EINVAL);
	sn.nl_family = AF_INET;
	CHECK_ERR("bind AF_INET", bind(a, (void *)&sn, sizeof(sn)), EINVAL);
	sn.nl_family = AF_NETLINK;
	CHECK_RET("bind 0", bind(a, (void *)&sn, sizeof(sn)), 0);
	CHECK("autobind: the pid", portid(a) == (unsigned int)getpid());
	sn.nl_pid = 12345;
	CHECK_ERR("rebind other", bind(a, (void *)&sn, sizeof(sn)), EINVAL);
	b = nl_open();
	sn.nl_pid = getpid();
	CHECK_ERR("bind taken", bind(b, (void *)&sn, sizeof(sn)), EADDRINUSE);
	close(b);
	b = nl_open();
	CHECK("send autobinds",
	      nl_send(b, NLMSG_NOOP, NLM_F_REQUEST, 1, NULL, 0) == 16);
	CHECK("second autobind negative", (int)portid(b) < 0);
	v = 0;
	l = sizeof(v);
	CHECK_RET("SO_TYPE", getsockopt(b, SOL_SOCKET, SO_TYPE, &v, &l), 0);
	CHECK_EQ("type", v, SOCK_RAW);
	v = 1;
	CHECK_RET("NETLINK_CAP_ACK",
		  setsockopt(b, SOL_NETLINK, NETLINK_CAP_ACK, &v, sizeof(v)),
		  0);
	CHECK_ERR("NETLINK_ADD_MEMBERSHIP 0",
		  setsockopt(b, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			     &(int){ 0 }, sizeof(int)),
		  EINVAL);
	CHECK_RET("NETLINK_ADD_MEMBERSHIP link",
		  setsockopt(b, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			     &(int){ RTNLGRP_LINK }, sizeof(int)),
		  0);
	l = sizeof(sn);
	CHECK_RET("getsockname", getsockname(b, (void *)&sn, &l), 0);
	CHECK_EQX("groups", sn.nl_groups, RTMGRP_LINK);
	CHECK_ERR("recv empty", recv(b, rbuf, sizeof(rbuf), MSG_DONTWAIT),
		  EAGAIN);
	close(a);
	close(b);
}

CONTRACT_TEST(getlink_dump)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int fd = nl_open(), n, done = 0, lo = 0, msgs = 0;
	unsigned int me;

	CHECK("send", nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 7,
			      &ifi, sizeof(ifi)) > 0);
	me = portid(fd);
	while (!done && (n = nl_recv(fd)) > 0) {
		struct nlmsghdr *h = (void *)rbuf;

		for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			struct ifinfomsg *m = NLMSG_DATA(h);
			struct rtattr *a;

			msgs++;
			EXPECT(h->nlmsg_seq == 7 && h->nlmsg_pid == me);
			EXPECT(h->nlmsg_flags & NLM_F_MULTI);
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				CHECK_EQ("done len", h->nlmsg_len, 20);
				CHECK_EQ("done value", *(int *)NLMSG_DATA(h),
					 0);
				break;
			}
			EXPECT(h->nlmsg_type == RTM_NEWLINK);
			if (m->ifi_index != 1)
				continue;
			lo = 1;
			a = attr(h, sizeof(*m), IFLA_IFNAME);
			CHECK_STR("name", a ? (char *)RTA_DATA(a) : "?", "lo");
			CHECK_EQ("type", m->ifi_type, ARPHRD_LOOPBACK);
			CHECK_EQX("flags",
				  m->ifi_flags & (IFF_UP | IFF_LOOPBACK |
						  IFF_RUNNING | IFF_LOWER_UP),
				  IFF_UP | IFF_LOOPBACK | IFF_RUNNING |
					  IFF_LOWER_UP);
			CHECK_EQ("mtu", u32_attr(h, sizeof(*m), IFLA_MTU),
				 65536);
			CHECK_EQ("txqlen", u32_attr(h, sizeof(*m), IFLA_TXQLEN),
				 1000);
			a = attr(h, sizeof(*m), IFLA_OPERSTATE);
			CHECK_EQ("operstate",
				 a ? *(unsigned char *)RTA_DATA(a) : -1, 0);
			a = attr(h, sizeof(*m), IFLA_ADDRESS);
			CHECK_EQ("address len", a ? (long)RTA_PAYLOAD(a) : -1,
				 6);
			a = attr(h, sizeof(*m), IFLA_STATS64);
			CHECK("stats64", a && RTA_PAYLOAD(a) >= 192);
			a = attr(h, sizeof(*m), IFLA_STATS);
			CHECK("stats", a && RTA_PAYLOAD(a) >= 92);
		}
	}
	CHECK("lo seen", lo);
	CHECK("done seen", done);
	CHECK("messages", msgs >= 2);
	CHECK_ERR("nothing after done",
		  recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT), EAGAIN);
	close(fd);
}

/* A request answered by NLMSG_ERROR: its error (0: an ack). */
static int nl_error(int fd, int seq, int *len, int *flags)
{
	int n = nl_recv(fd);
	struct nlmsghdr *h = (void *)rbuf;
	struct nlmsgerr *e = NLMSG_DATA(h);

	EXPECT(n >= (int)NLMSG_LENGTH(sizeof(*e)));
	EXPECT(h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == (unsigned)seq);
	EXPECT(e->msg.nlmsg_seq == (unsigned)seq);
	*len = h->nlmsg_len;
	*flags = h->nlmsg_flags;
	return e->error;
}

CONTRACT_TEST(getlink_one)
{
	struct {
		struct ifinfomsg ifi;
		struct rtattr a;
		char name[4];
	} q = { .ifi = { .ifi_family = AF_UNSPEC } };
	int fd = nl_open(), n, len, flags;
	struct nlmsghdr *h = (void *)rbuf;

	q.ifi.ifi_index = 1;
	CHECK("send", nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 1,
			      &q.ifi, sizeof(q.ifi)) > 0);
	n = nl_recv(fd);
	CHECK_EQ("type", h->nlmsg_type, RTM_NEWLINK);
	CHECK_EQ("flags", h->nlmsg_flags, 0);
	CHECK("one message", (int)NLMSG_ALIGN(h->nlmsg_len) >= n);
	CHECK_EQ("ack", nl_error(fd, 1, &len, &flags), 0);
	CHECK_EQ("ack len", len, 36);
	CHECK_EQX("ack flags", flags, NLM_F_CAPPED);
	/* by name */
	q.ifi.ifi_index = 0;
	q.a.rta_len = RTA_LENGTH(3);
	q.a.rta_type = IFLA_IFNAME;
	memcpy(q.name, "lo", 3);
	CHECK("send",
	      nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, 2, &q, sizeof(q)) > 0);
	nl_recv(fd);
	CHECK_EQ("by name: index",
		 ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index, 1);
	memcpy(q.name, "zz9", 4);
	q.a.rta_len = RTA_LENGTH(4);
	CHECK("send",
	      nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, 3, &q, sizeof(q)) > 0);
	CHECK_EQ("no such name", nl_error(fd, 3, &len, &flags), -ENODEV);
	CHECK_EQ("error len", len, 16 + 4 + 16 + (int)sizeof(q));
	CHECK_EQX("error flags", flags, 0);
	q.ifi.ifi_index = 99999;
	CHECK("send", nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, 4, &q.ifi,
			      sizeof(q.ifi)) > 0);
	CHECK_EQ("no such index", nl_error(fd, 4, &len, &flags), -ENODEV);
	close(fd);
}

CONTRACT_TEST(errors)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int fd = nl_open(), len, flags, v = 1;

	CHECK("unknown type",
	      nl_send(fd, 0x7ff, NLM_F_REQUEST, 1, &ifi, sizeof(ifi)) > 0);
	CHECK_EQ("unknown type", nl_error(fd, 1, &len, &flags), -EOPNOTSUPP);
	CHECK("noop ack", nl_send(fd, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 2,
				  NULL, 0) > 0);
	CHECK_EQ("noop ack", nl_error(fd, 2, &len, &flags), 0);
	CHECK("no request flag",
	      nl_send(fd, RTM_GETLINK, NLM_F_ACK, 3, &ifi, sizeof(ifi)) > 0);
	CHECK_EQ("no request flag: ack", nl_error(fd, 3, &len, &flags), 0);
	CHECK("no request flag, no ack",
	      nl_send(fd, RTM_GETLINK, 0, 4, &ifi, sizeof(ifi)) > 0);
	CHECK_ERR("nothing", recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT),
		  EAGAIN);
	ifi.ifi_index = 99999;
	CHECK("newlink create",
	      nl_send(fd, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE, 5, &ifi,
		      sizeof(ifi)) > 0);
	CHECK_EQ("newlink create: no kind", nl_error(fd, 5, &len, &flags),
		 -EOPNOTSUPP);
	CHECK("setlink none", nl_send(fd, RTM_SETLINK, NLM_F_REQUEST, 6, &ifi,
				      sizeof(ifi)) > 0);
	CHECK_EQ("setlink none", nl_error(fd, 6, &len, &flags), -ENODEV);
	{
		struct {
			struct ifaddrmsg ifa;
			struct rtattr a;
			struct in_addr in;
		} q = { { AF_INET, 8, 0, 0, 1 },
			{ RTA_LENGTH(4), IFA_LOCAL },
			{ htonl(0x0a636363) } };

		CHECK("deladdr", nl_send(fd, RTM_DELADDR, NLM_F_REQUEST, 7, &q,
					 sizeof(q)) > 0);
		CHECK_EQ("deladdr none", nl_error(fd, 7, &len, &flags),
			 -EADDRNOTAVAIL);
	}
	{
		struct {
			struct rtmsg rtm;
			struct rtattr a;
			struct in_addr in;
		} q = { { AF_INET, 16, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT,
			  RT_SCOPE_UNIVERSE, RTN_UNICAST, 0 },
			{ RTA_LENGTH(4), RTA_DST },
			{ htonl(0x0a630000) } };

		CHECK("delroute", nl_send(fd, RTM_DELROUTE, NLM_F_REQUEST, 8,
					  &q, sizeof(q)) > 0);
		CHECK_EQ("delroute none", nl_error(fd, 8, &len, &flags),
			 -ESRCH);
	}
	/* NETLINK_CAP_ACK: errors without the request */
	CHECK_RET("cap ack",
		  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &v, sizeof(v)),
		  0);
	CHECK("setlink none", nl_send(fd, RTM_SETLINK, NLM_F_REQUEST, 9, &ifi,
				      sizeof(ifi)) > 0);
	CHECK_EQ("capped error", nl_error(fd, 9, &len, &flags), -ENODEV);
	CHECK_EQ("capped len", len, 36);
	CHECK_EQX("capped flags", flags, NLM_F_CAPPED);
	close(fd);
}

static void unprivileged(void *arg)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = 1 };
	struct ifreq r;
	int fd, s, len, flags;

	EXPECT(setresuid(1000, 1000, 1000) == 0);
	fd = nl_open();
	CHECK("setlink", nl_send(fd, RTM_SETLINK, NLM_F_REQUEST, 1, &ifi,
				 sizeof(ifi)) > 0);
	CHECK_EQ("setlink as uid 1000", nl_error(fd, 1, &len, &flags), -EPERM);
	CHECK("getlink", nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, 2, &ifi,
				 sizeof(ifi)) > 0);
	nl_recv(fd);
	CHECK_EQ("getlink as uid 1000", ((struct nlmsghdr *)rbuf)->nlmsg_type,
		 RTM_NEWLINK);
	close(fd);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	CHECK_RET("SIOCGIFFLAGS", ioctl(s, SIOCGIFFLAGS, &r), 0);
	CHECK_ERR("SIOCSIFFLAGS", ioctl(s, SIOCSIFFLAGS, &r), EPERM);
	CHECK_ERR("SIOCSIFMTU", ioctl(s, SIOCSIFMTU, &r), EPERM);
	CHECK_ERR("SIOCSIFADDR", ioctl(s, SIOCSIFADDR, &r), EPERM);
	CHECK_ERR("SIOCSIFFLAGS EFAULT first", ioctl(s, SIOCSIFFLAGS, BAD_LOW),
		  EFAULT);
	CHECK_ERR("SIOCADDRT EFAULT first", ioctl(s, SIOCADDRT, BAD_LOW),
		  EFAULT);
	CHECK_ERR("SIOCADDRT", ioctl(s, SIOCADDRT, &(struct rtentry){ 0 }),
		  EPERM);
	close(s);
}

CONTRACT_TEST(permissions)
{
	ct_child_ok("unprivileged", unprivileged, NULL);
}

CONTRACT_TEST(getaddr)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	int fd = nl_open(), n, done = 0, v4 = 0, v6 = 0;

	for (int fam = 0; fam < 2; fam++) {
		ifa.ifa_family = fam ? AF_INET6 : AF_INET;
		done = 0;
		CHECK("send",
		      nl_send(fd, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP,
			      10 + fam, &ifa, sizeof(ifa)) > 0);
		while (!done && (n = nl_recv(fd)) > 0) {
			struct nlmsghdr *h = (void *)rbuf;

			for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
				struct ifaddrmsg *m = NLMSG_DATA(h);
				struct rtattr *a;
				char txt[64];

				if (h->nlmsg_type == NLMSG_DONE) {
					done = 1;
					break;
				}
				EXPECT(h->nlmsg_type == RTM_NEWADDR);
				EXPECT(m->ifa_family == ifa.ifa_family);
				if (m->ifa_index != 1)
					continue;
				a = attr(h, sizeof(*m), IFA_ADDRESS);
				EXPECT(a);
				if (!a)
					continue;
				inet_ntop(m->ifa_family, RTA_DATA(a), txt,
					  sizeof(txt));
				if (strcmp(txt, "127.0.0.1") &&
				    strcmp(txt, "::1"))
					continue;
				ct_say("%s/%d scope %d permanent %d", txt,
				       m->ifa_prefixlen, m->ifa_scope,
				       !!(m->ifa_flags & IFA_F_PERMANENT));
				if (fam) {
					v6 = 1;
					continue;
				}
				v4 = 1;
				CHECK_EQX("local",
					  u32_attr(h, sizeof(*m), IFA_LOCAL),
					  htonl(0x7f000001));
				a = attr(h, sizeof(*m), IFA_LABEL);
				CHECK_STR("label",
					  a ? (char *)RTA_DATA(a) : "?", "lo");
				CHECK("no broadcast",
				      !attr(h, sizeof(*m), IFA_BROADCAST));
				a = attr(h, sizeof(*m), IFA_CACHEINFO);
				CHECK("cacheinfo", a && RTA_PAYLOAD(a) == 16);
			}
		}
	}
	CHECK("127.0.0.1 seen", v4);
	CHECK("::1 seen", v6);
	close(fd);
}

CONTRACT_TEST(getroute)
{
	struct rtmsg rtm = { .rtm_family = AF_INET };
	int fd = nl_open(), n, done = 0;

	CHECK("send", nl_send(fd, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 5,
			      &rtm, sizeof(rtm)) > 0);
	while (!done && (n = nl_recv(fd)) > 0) {
		struct nlmsghdr *h = (void *)rbuf;

		for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			struct rtmsg *m = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			EXPECT(h->nlmsg_type == RTM_NEWROUTE);
			EXPECT(m->rtm_family == AF_INET);
			/* main-table routes name their table */
			if (m->rtm_table == RT_TABLE_MAIN)
				EXPECT(u32_attr(h, sizeof(*m), RTA_TABLE) ==
				       RT_TABLE_MAIN);
		}
	}
	CHECK("done seen", done);
	close(fd);
}

static void ifreq_on(int s, const char *what)
{
	struct ifreq r;
	struct sockaddr_in *sin = (struct sockaddr_in *)&r.ifr_addr;

	ct_say("on %s:", what);
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	CHECK_RET("SIOCGIFINDEX", ioctl(s, SIOCGIFINDEX, &r), 0);
	CHECK_EQ("index", r.ifr_ifindex, 1);
	CHECK_RET("SIOCGIFFLAGS", ioctl(s, SIOCGIFFLAGS, &r), 0);
	CHECK_EQX("flags", r.ifr_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING),
		  IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
	CHECK_RET("SIOCGIFMTU", ioctl(s, SIOCGIFMTU, &r), 0);
	CHECK_EQ("mtu", r.ifr_mtu, 65536);
	CHECK_RET("SIOCGIFTXQLEN", ioctl(s, SIOCGIFTXQLEN, &r), 0);
	CHECK_EQ("qlen", r.ifr_qlen, 1000);
	memset(&r.ifr_hwaddr, 0x55, sizeof(r.ifr_hwaddr));
	CHECK_RET("SIOCGIFHWADDR", ioctl(s, SIOCGIFHWADDR, &r), 0);
	CHECK_EQ("hw family", r.ifr_hwaddr.sa_family, ARPHRD_LOOPBACK);
	CHECK_EQ("hw byte 0", r.ifr_hwaddr.sa_data[0], 0);
	CHECK_EQ("hw byte 5", r.ifr_hwaddr.sa_data[5], 0);
	memset(&r, 0, sizeof(r));
	r.ifr_ifindex = 1;
	CHECK_RET("SIOCGIFNAME", ioctl(s, SIOCGIFNAME, &r), 0);
	CHECK_STR("name", r.ifr_name, "lo");
	r.ifr_ifindex = 99999;
	CHECK_ERR("SIOCGIFNAME none", ioctl(s, SIOCGIFNAME, &r), ENODEV);
	strcpy(r.ifr_name, "zz9");
	CHECK_ERR("SIOCGIFFLAGS none", ioctl(s, SIOCGIFFLAGS, &r), ENODEV);
	CHECK_ERR("SIOCGIFFLAGS EFAULT", ioctl(s, SIOCGIFFLAGS, BAD_LOW),
		  EFAULT);
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	/* No setter that could succeed: the oracle's lo is the host's. */
	if (strcmp(what, "inet"))
		return;
	CHECK_RET("SIOCGIFADDR", ioctl(s, SIOCGIFADDR, &r), 0);
	CHECK_EQ("family", sin->sin_family, AF_INET);
	CHECK_EQX("addr", sin->sin_addr.s_addr, htonl(0x7f000001));
	CHECK_RET("SIOCGIFNETMASK", ioctl(s, SIOCGIFNETMASK, &r), 0);
	CHECK_EQX("mask", sin->sin_addr.s_addr, htonl(0xff000000));
	CHECK_RET("SIOCGIFBRDADDR", ioctl(s, SIOCGIFBRDADDR, &r), 0);
	CHECK_EQX("brd", sin->sin_addr.s_addr, 0);
}

CONTRACT_TEST(ioctls)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0), u, n = nl_open();
	struct ifconf ifc = { 0 };
	struct ifreq req[32];
	struct ifreq r;
	int lo = 0;

	ifreq_on(s, "inet");
	u = socket(AF_UNIX, SOCK_STREAM, 0);
	ifreq_on(u, "unix");
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	CHECK_ERR("unix SIOCGIFADDR", ioctl(u, SIOCGIFADDR, &r), ENOTTY);
	ifreq_on(n, "netlink");
	CHECK_RET("SIOCGIFCONF size", ioctl(s, SIOCGIFCONF, &ifc), 0);
	CHECK("size: whole ifreqs",
	      ifc.ifc_len > 0 && ifc.ifc_len % sizeof(struct ifreq) == 0);
	ifc.ifc_len = sizeof(req);
	ifc.ifc_req = req;
	CHECK_RET("SIOCGIFCONF", ioctl(s, SIOCGIFCONF, &ifc), 0);
	for (int i = 0; i < ifc.ifc_len / (int)sizeof(req[0]); i++)
		if (!strcmp(req[i].ifr_name, "lo") &&
		    ((struct sockaddr_in *)&req[i].ifr_addr)->sin_addr.s_addr ==
			    htonl(0x7f000001))
			lo = 1;
	CHECK("lo listed", lo);
	ifc.ifc_len = sizeof(req[0]) + 5;
	CHECK_RET("SIOCGIFCONF room for one", ioctl(s, SIOCGIFCONF, &ifc), 0);
	CHECK_EQ("one", ifc.ifc_len, sizeof(req[0]));
	ifc.ifc_len = sizeof(req);
	ifc.ifc_buf = BAD_LOW;
	CHECK_ERR("SIOCGIFCONF EFAULT", ioctl(s, SIOCGIFCONF, &ifc), EFAULT);
	CHECK_ERR("SIOCGIFCONF EFAULT 2", ioctl(s, SIOCGIFCONF, BAD_LOW),
		  EFAULT);
	close(s);
	close(u);
	close(n);
}
