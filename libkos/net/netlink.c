/*
 * AF_NETLINK, protocol NETLINK_ROUTE (docs/net.md, "Netlink and the
 * interface ioctls"): what BusyBox ip and iproute2 use to list and
 * configure interfaces, addresses and routes.
 *
 * Sockets.  SOCK_RAW or SOCK_DGRAM, protocol NETLINK_ROUTE; any other
 * protocol is -EPROTONOSUPPORT, as a Linux built without it.  A socket
 * has a port id (nl_pid): bind chooses one or takes the caller's
 * (-EADDRINUSE if taken); the first send or connect of an unbound
 * socket takes the process id, or a negative number when that is taken,
 * as Linux's autobind.  bind's nl_groups and NETLINK_ADD_MEMBERSHIP
 * subscribe to multicast groups; changes made through netlink are
 * announced to RTMGRP_LINK, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR and
 * RTMGRP_IPV4_ROUTE (those made by the interface ioctls, and those
 * lwIP makes on its own, DHCP or SLAAC, are not).  A message to a non-zero nl_pid goes to
 * that user socket (-ECONNREFUSED if none); to 0, the kernel: the
 * requests below.
 *
 * Requests.  A send holds one or more netlink messages; each is handled
 * as Linux's netlink_rcv_skb does: parsing stops silently at a
 * malformed header, messages without NLM_F_REQUEST or of a control type
 * are only acknowledged, and NLMSG_ERROR answers an error (with the
 * request appended, unless NETLINK_CAP_ACK) or NLM_F_ACK (error 0,
 * NLM_F_CAPPED).  rtnetlink's rules: types past RTM_MAX are
 * -EOPNOTSUPP, NEW/DEL/SET need CAP_NET_ADMIN (-EPERM), a GET with
 * NLM_F_DUMP dumps (every reply NLM_F_MULTI, then NLMSG_DONE, no ack),
 * other GETs answer one message.  Handled:
 *   RTM_GETLINK (dump, or one by index or IFLA_IFNAME), RTM_SETLINK and
 *     RTM_NEWLINK on an existing device (IFF_UP in ifi_change, IFLA_MTU;
 *     creating devices: -EOPNOTSUPP);
 *   RTM_GETADDR (dump; AF_INET, AF_INET6 or both), RTM_NEWADDR and
 *     RTM_DELADDR for IPv4 (lwIP holds one address per interface: a
 *     second is -EOPNOTSUPP) and IPv6 (lwIP's address slots);
 *   RTM_GETROUTE (dump of the main table), RTM_NEWROUTE and
 *     RTM_DELROUTE of the IPv4 default route (net/ifioctl.c).
 * Everything else with a doit or dump in Linux is -EOPNOTSUPP.
 *
 * Replies are built under the stack lock from lwIP's netifs and the
 * netdevs (net/ifioctl.h), into kernel buffers, and queued on the
 * socket after the lock is dropped.  A dump's messages are packed into
 * datagrams of at most NL_DGRAM_MAX bytes, NLMSG_DONE in the last;
 * everything is produced at once (the state is small), where Linux
 * produces a dump as the reader drains it.
 *
 * Receiving takes one datagram per call; MSG_PEEK leaves it queued,
 * MSG_TRUNC reports its whole length (iproute2 and BusyBox peek for the
 * size first).  The source address is the sender's port (0: kernel) and
 * the multicast group; NETLINK_PKTINFO adds the group as a control
 * message.  A multicast copy that would overflow SO_RCVBUF is dropped
 * and the next receive fails with ENOBUFS (unless NETLINK_NO_ENOBUFS).
 *
 * Locking: nl_lock (a mutex) guards the socket list, port ids and every
 * socket's queue and options; it is never held with the stack lock.
 */
#include <kos/kmalloc.h>
#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/netdev.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/socket.h>
#include <kos/string.h>
#include <uapi/errno.h>
#include <uapi/if.h>
#include <uapi/in.h>
#include <uapi/netlink.h>

#include "ifioctl.h"
#include "lwip/netif.h"
#include "netlink.h"
#include "stack.h"

#define NL_DGRAM_MAX 16384 /* the most bytes of dump messages per datagram */
#define NL_GROUPS 32	   /* groups 1..32: nl_groups' bits */

struct nl_skb {
	struct list_head link;
	uint32_t src_pid;   /* sender's port: 0 for the kernel */
	uint32_t src_group; /* multicast group number, 0: unicast */
	size_t len;
	uint8_t data[];
};

struct nl_sock {
	struct socket sk;
	struct list_head link; /* nl_socks */
	uint32_t portid;
	bool bound;
	uint32_t groups; /* subscribed groups: bit n - 1 for group n */
	uint32_t dst_pid, dst_group;
	struct list_head rq; /* nl_skb */
	size_t rq_bytes;
	bool overrun; /* a multicast copy was dropped: ENOBUFS next */
	bool pktinfo, cap_ack, ext_ack, strict, no_enobufs, bcast_err;
	bool listen_all;
};

static struct mutex nl_lock = MUTEX_INIT(nl_lock, "netlink");
static struct list_head nl_socks = LIST_HEAD_INIT(nl_socks);
static uint32_t nl_next_auto = (uint32_t)-4097; /* nl_lock */

static struct nl_sock *nsk(struct socket *s)
{
	return (struct nl_sock *)s;
}

/* --- message buffers (netlink.h) --- */

static void *buf_room(struct netlink_buf *b, size_t n)
{
	size_t need = b->len + NLMSG_ALIGN(n);
	uint8_t *p;

	if (b->nomem)
		return NULL;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;

		while (cap < need)
			cap *= 2;
		p = kmalloc(cap);
		if (!p) {
			b->nomem = true;
			return NULL;
		}
		if (b->len)
			kos_memcpy(p, b->p, b->len);
		kfree(b->p);
		b->p = p;
		b->cap = cap;
	}
	p = b->p + b->len;
	kos_memset(p, 0, NLMSG_ALIGN(n));
	b->len = need;
	return p;
}

size_t netlink_msg_begin(struct netlink_buf *b, uint16_t type, uint16_t flags,
			 uint32_t seq, uint32_t pid, const void *fixed,
			 size_t fixed_len)
{
	size_t off = b->len;
	struct nlmsghdr *h = buf_room(b, NLMSG_HDRLEN + fixed_len);

	if (!h)
		return off;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = pid;
	if (fixed)
		kos_memcpy((uint8_t *)h + NLMSG_HDRLEN, fixed, fixed_len);
	return off;
}

void netlink_put_attr(struct netlink_buf *b, uint16_t type, const void *data,
		      size_t len)
{
	struct rtattr *a = buf_room(b, RTA_LENGTH(len));

	if (!a)
		return;
	a->rta_len = (uint16_t)RTA_LENGTH(len);
	a->rta_type = type;
	if (len)
		kos_memcpy((uint8_t *)a + RTA_LENGTH(0), data, len);
}

void netlink_put_u32(struct netlink_buf *b, uint16_t type, uint32_t v)
{
	netlink_put_attr(b, type, &v, sizeof(v));
}

static void put_u8(struct netlink_buf *b, uint16_t type, uint8_t v)
{
	netlink_put_attr(b, type, &v, 1);
}

void netlink_put_str(struct netlink_buf *b, uint16_t type, const char *s)
{
	netlink_put_attr(b, type, s, kos_strlen(s) + 1);
}

void netlink_msg_end(struct netlink_buf *b, size_t off)
{
	if (b->nomem)
		return;
	((struct nlmsghdr *)(b->p + off))->nlmsg_len = (uint32_t)(b->len - off);
}

void netlink_buf_free(struct netlink_buf *b)
{
	kfree(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->nomem = false;
}

void netlink_parse_attrs(const void *p, size_t len, const struct rtattr **tb,
			 unsigned int max)
{
	const uint8_t *c = p;

	for (unsigned int i = 0; i <= max; i++)
		tb[i] = NULL;
	while (len >= sizeof(struct rtattr)) {
		const struct rtattr *a = (const struct rtattr *)c;
		size_t step;

		if (a->rta_len < sizeof(*a) || a->rta_len > len)
			break;
		if (a->rta_type <= max)
			tb[a->rta_type] = a;
		step = RTA_ALIGN(a->rta_len);
		if (step >= len)
			break;
		c += step;
		len -= step;
	}
}

/* --- queues --- */

/* A reply (group 0) or notification, built under the stack lock. */
struct nl_pending {
	struct list_head link;
	struct nl_skb *skb;
	uint32_t group; /* 0: unicast to the requester */
};

/* Datagrams of b's messages (packed up to NL_DGRAM_MAX) onto list. */
static int buf_to_skbs(struct netlink_buf *b, struct list_head *list,
		       uint32_t group)
{
	size_t off = 0;

	if (b->nomem)
		return -ENOMEM;
	while (off < b->len) {
		size_t end = off;
		struct nl_pending *pe;

		do {
			end += NLMSG_ALIGN(
				((struct nlmsghdr *)(b->p + end))->nlmsg_len);
		} while (end < b->len &&
			 end - off +
					 NLMSG_ALIGN(((struct nlmsghdr *)(b->p +
									  end))
							     ->nlmsg_len) <=
				 NL_DGRAM_MAX);
		pe = kmalloc(sizeof(*pe));
		if (!pe)
			return -ENOMEM;
		pe->skb = kmalloc(sizeof(*pe->skb) + (end - off));
		if (!pe->skb) {
			kfree(pe);
			return -ENOMEM;
		}
		pe->group = group;
		pe->skb->src_pid = 0;
		pe->skb->src_group = group;
		pe->skb->len = end - off;
		kos_memcpy(pe->skb->data, b->p + off, end - off);
		list_add_tail(&pe->link, list);
		off = end;
	}
	return 0;
}

static void skb_queue(struct nl_sock *ns, struct nl_skb *skb)
{
	list_add_tail(&skb->link, &ns->rq);
	ns->rq_bytes += skb->len;
	sock_wake(&ns->sk);
}

static struct nl_skb *skb_copy(const struct nl_skb *skb)
{
	struct nl_skb *c = kmalloc(sizeof(*c) + skb->len);

	if (c)
		kos_memcpy(c, skb, sizeof(*c) + skb->len);
	return c;
}

/* Deliver a multicast datagram to every member of group.  nl_lock. */
static void mcast_locked(struct nl_skb *skb, uint32_t group,
			 struct nl_sock *except)
{
	struct nl_sock *ns;

	list_for_each_entry (ns, &nl_socks, link) {
		struct nl_skb *c;

		if (ns == except || group > NL_GROUPS ||
		    !(ns->groups & (1U << (group - 1))))
			continue;
		if (ns->rq_bytes + skb->len > (size_t)ns->sk.rcvbuf ||
		    !(c = skb_copy(skb))) {
			if (!ns->no_enobufs) {
				ns->overrun = true;
				sock_wake(&ns->sk);
			}
			continue;
		}
		skb_queue(ns, c);
	}
}

/* Hand out what a request produced: replies to ns, the rest to groups. */
static void deliver(struct nl_sock *ns, struct list_head *pending)
{
	struct nl_pending *pe, *t;

	mutex_lock(&nl_lock);
	list_for_each_entry_safe (pe, t, pending, link) {
		list_del(&pe->link);
		if (pe->group) {
			mcast_locked(pe->skb, pe->group, NULL);
			kfree(pe->skb);
		} else {
			skb_queue(ns, pe->skb);
		}
		kfree(pe);
	}
	mutex_unlock(&nl_lock);
}

/* --- rtnetlink messages (stack lock held) --- */

/* One request being answered. */
struct nl_req {
	struct nl_sock *ns;
	const struct nlmsghdr *h;
	uint32_t pid; /* the requester's port: the replies' nlmsg_pid */
	struct list_head *pending;
};

static unsigned int operstate(struct kos_netdev *nd)
{
	if (!(nd->flags & IFF_UP))
		return IF_OPER_DOWN;
	if (nd->type == ARPHRD_LOOPBACK)
		return IF_OPER_UNKNOWN;
	return nd->carrier ? IF_OPER_UP : IF_OPER_DOWN;
}

static void fill_link(struct netlink_buf *b, struct kos_netdev *nd,
		      uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid)
{
	struct ifinfomsg ifi = { 0 };
	struct rtnl_link_stats64 s64 = { 0 };
	struct rtnl_link_stats s32 = { 0 };
	static const uint8_t bcast[NETDEV_ETH_ALEN] = { 0xff, 0xff, 0xff,
							0xff, 0xff, 0xff };
	static const uint8_t zero[NETDEV_ETH_ALEN];
	bool lo = nd->type == ARPHRD_LOOPBACK;
	size_t off;

	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_type = (uint16_t)nd->type;
	ifi.ifi_index = (int32_t)nd->ifindex;
	ifi.ifi_flags = nd->flags;
	off = netlink_msg_begin(b, type, flags, seq, pid, &ifi, sizeof(ifi));
	netlink_put_str(b, IFLA_IFNAME, nd->name);
	netlink_put_u32(b, IFLA_TXQLEN, 1000);
	put_u8(b, IFLA_OPERSTATE, (uint8_t)operstate(nd));
	put_u8(b, IFLA_LINKMODE, 0);
	netlink_put_u32(b, IFLA_MTU, nd->mtu);
	netlink_put_u32(b, IFLA_MIN_MTU, lo ? 0 : 68);
	netlink_put_u32(b, IFLA_MAX_MTU, lo ? 0 : nd->max_mtu);
	netlink_put_u32(b, IFLA_GROUP, 0);
	netlink_put_u32(b, IFLA_PROMISCUITY, 0);
	netlink_put_u32(b, IFLA_NUM_TX_QUEUES, 1);
	netlink_put_u32(b, IFLA_NUM_RX_QUEUES, 1);
	put_u8(b, IFLA_CARRIER, nd->carrier);
	netlink_put_str(b, IFLA_QDISC, "noqueue");
	netlink_put_attr(b, IFLA_ADDRESS, lo ? zero : nd->mac, NETDEV_ETH_ALEN);
	netlink_put_attr(b, IFLA_BROADCAST, lo ? zero : bcast, NETDEV_ETH_ALEN);
	s64.rx_packets = nd->stats.rx_packets;
	s64.tx_packets = nd->stats.tx_packets;
	s64.rx_bytes = nd->stats.rx_bytes;
	s64.tx_bytes = nd->stats.tx_bytes;
	s64.rx_errors = nd->stats.rx_errors;
	s64.tx_errors = nd->stats.tx_errors;
	s64.rx_dropped = nd->stats.rx_dropped;
	s64.tx_dropped = nd->stats.tx_dropped;
	s64.multicast = nd->stats.multicast;
	s32.rx_packets = (uint32_t)s64.rx_packets;
	s32.tx_packets = (uint32_t)s64.tx_packets;
	s32.rx_bytes = (uint32_t)s64.rx_bytes;
	s32.tx_bytes = (uint32_t)s64.tx_bytes;
	s32.rx_errors = (uint32_t)s64.rx_errors;
	s32.tx_errors = (uint32_t)s64.tx_errors;
	s32.rx_dropped = (uint32_t)s64.rx_dropped;
	s32.tx_dropped = (uint32_t)s64.tx_dropped;
	s32.multicast = (uint32_t)s64.multicast;
	netlink_put_attr(b, IFLA_STATS64, &s64, sizeof(s64));
	netlink_put_attr(b, IFLA_STATS, &s32, sizeof(s32));
	netlink_msg_end(b, off);
}

/* A link as AF_INET6 dumps it (Linux's inet6_fill_ifinfo): fewer attributes. */
static void fill_link6(struct netlink_buf *b, struct kos_netdev *nd,
		       uint32_t seq, uint32_t pid)
{
	struct ifinfomsg ifi = { 0 };
	static const uint8_t zero[NETDEV_ETH_ALEN];
	size_t off;

	ifi.ifi_family = AF_INET6;
	ifi.ifi_type = (uint16_t)nd->type;
	ifi.ifi_index = (int32_t)nd->ifindex;
	ifi.ifi_flags = nd->flags;
	off = netlink_msg_begin(b, RTM_NEWLINK, NLM_F_MULTI, seq, pid, &ifi,
				sizeof(ifi));
	netlink_put_str(b, IFLA_IFNAME, nd->name);
	netlink_put_attr(b, IFLA_ADDRESS,
			 nd->type == ARPHRD_LOOPBACK ? zero : nd->mac,
			 NETDEV_ETH_ALEN);
	netlink_put_u32(b, IFLA_MTU, nd->mtu);
	put_u8(b, IFLA_OPERSTATE, (uint8_t)operstate(nd));
	netlink_msg_end(b, off);
}

static void cacheinfo(struct netlink_buf *b, uint32_t pref, uint32_t valid)
{
	struct ifa_cacheinfo ci = { pref, valid, 0, 0 };

	netlink_put_attr(b, IFA_CACHEINFO, &ci, sizeof(ci));
}

static void fill_addr4(struct netlink_buf *b, struct kos_netdev *nd,
		       uint16_t type, uint16_t flags, uint32_t seq,
		       uint32_t pid)
{
	struct ifaddrmsg ifa = { 0 };
	uint32_t a, m, brd;
	size_t off;

	if (!net_iface_addr4(nd, &a, &m))
		return;
	ifa.ifa_family = AF_INET;
	ifa.ifa_prefixlen = (uint8_t)net_iface_prefixlen(m);
	ifa.ifa_flags = IFA_F_PERMANENT;
	ifa.ifa_scope = (__builtin_bswap32(a) >> 24) == 127 ? RT_SCOPE_HOST
							    : RT_SCOPE_UNIVERSE;
	ifa.ifa_index = nd->ifindex;
	off = netlink_msg_begin(b, type, flags, seq, pid, &ifa, sizeof(ifa));
	netlink_put_u32(b, IFA_ADDRESS, a);
	netlink_put_u32(b, IFA_LOCAL, a);
	if ((brd = net_iface_brd4(nd)))
		netlink_put_u32(b, IFA_BROADCAST, brd);
	netlink_put_str(b, IFA_LABEL, nd->name);
	netlink_put_u32(b, IFA_FLAGS, IFA_F_PERMANENT);
	cacheinfo(b, 0xffffffffU, 0xffffffffU);
	netlink_msg_end(b, off);
}

/* IPv6 prefix lengths lwIP does not keep: set by RTM_NEWADDR. */
#define PLEN_IFS 16
static uint8_t v6_plen[PLEN_IFS][LWIP_IPV6_NUM_ADDRESSES]; /* stack lock */

static unsigned int plen6(struct kos_netdev *nd, int i, const ip6_addr_t *addr)
{
	if (nd->ifindex < PLEN_IFS && v6_plen[nd->ifindex][i])
		return v6_plen[nd->ifindex][i];
	return ip6_addr_isloopback(addr) ? 128 : 64;
}

static void fill_addr6_one(struct netlink_buf *b, struct kos_netdev *nd, int i,
			   uint16_t type, uint16_t flags, uint32_t seq,
			   uint32_t pid)
{
	struct netif *netif = lwipk_netif(nd);
	const ip6_addr_t *addr = netif_ip6_addr(netif, i);
	u8_t state = netif_ip6_addr_state(netif, i);
	struct ifaddrmsg ifa = { 0 };
	uint32_t fl = 0, valid = 0xffffffffU, pref = 0xffffffffU;
	size_t off;

#if LWIP_IPV6_ADDRESS_LIFETIMES
	if (!ip6_addr_life_isstatic(netif_ip6_addr_valid_life(netif, i))) {
		valid = netif_ip6_addr_valid_life(netif, i);
		pref = netif_ip6_addr_pref_life(netif, i);
	} else
#endif
		fl |= IFA_F_PERMANENT;
	if (ip6_addr_istentative(state))
		fl |= IFA_F_TENTATIVE;
	ifa.ifa_family = AF_INET6;
	ifa.ifa_prefixlen = (uint8_t)plen6(nd, i, addr);
	ifa.ifa_flags = (uint8_t)fl;
	ifa.ifa_scope = ip6_addr_isloopback(addr)    ? RT_SCOPE_HOST
			: ip6_addr_islinklocal(addr) ? RT_SCOPE_LINK
						     : RT_SCOPE_UNIVERSE;
	ifa.ifa_index = nd->ifindex;
	off = netlink_msg_begin(b, type, flags, seq, pid, &ifa, sizeof(ifa));
	netlink_put_attr(b, IFA_ADDRESS, addr->addr, 16);
	cacheinfo(b, pref, valid);
	netlink_put_u32(b, IFA_FLAGS, fl);
	netlink_msg_end(b, off);
}

static void fill_addr6(struct netlink_buf *b, struct kos_netdev *nd,
		       uint16_t type, uint16_t flags, uint32_t seq,
		       uint32_t pid)
{
	static const uint8_t scopes[] = { RT_SCOPE_UNIVERSE, RT_SCOPE_LINK,
					  RT_SCOPE_HOST };
	struct netif *netif = lwipk_netif(nd);

	if (!netif)
		return;
	/* Linux's order: global addresses first, the newest first */
	for (unsigned int k = 0; k < sizeof(scopes); k++) {
		for (int i = LWIP_IPV6_NUM_ADDRESSES - 1; i >= 0; i--) {
			const ip6_addr_t *a = netif_ip6_addr(netif, i);
			unsigned int sc = ip6_addr_isloopback(a) ? RT_SCOPE_HOST
					  : ip6_addr_islinklocal(a)
						  ? RT_SCOPE_LINK
						  : RT_SCOPE_UNIVERSE;

			if (sc == scopes[k] &&
			    !ip6_addr_isinvalid(netif_ip6_addr_state(netif, i)))
				fill_addr6_one(b, nd, i, type, flags, seq, pid);
		}
	}
}

static void fill_route4(struct netlink_buf *b, uint16_t type, uint16_t flags,
			uint32_t seq, uint32_t pid, uint32_t dst,
			unsigned int dst_len, unsigned int proto,
			unsigned int scope, uint32_t prefsrc, uint32_t gw,
			unsigned int oif)
{
	struct rtmsg rtm = { 0 };
	size_t off;

	rtm.rtm_family = AF_INET;
	rtm.rtm_dst_len = (uint8_t)dst_len;
	rtm.rtm_table = RT_TABLE_MAIN;
	rtm.rtm_protocol = (uint8_t)proto;
	rtm.rtm_scope = (uint8_t)scope;
	rtm.rtm_type = RTN_UNICAST;
	off = netlink_msg_begin(b, type, flags, seq, pid, &rtm, sizeof(rtm));
	netlink_put_u32(b, RTA_TABLE, RT_TABLE_MAIN);
	if (dst_len)
		netlink_put_u32(b, RTA_DST, dst);
	if (prefsrc)
		netlink_put_u32(b, RTA_PREFSRC, prefsrc);
	if (gw)
		netlink_put_u32(b, RTA_GATEWAY, gw);
	netlink_put_u32(b, RTA_OIF, oif);
	netlink_msg_end(b, off);
}

/* The main table: connected routes, then the default route. */
static void dump_routes4(struct netlink_buf *b, uint32_t seq, uint32_t pid)
{
	struct kos_netdev *nd;
	unsigned int idx = 0;
	uint32_t a, m, gw;

	if (net_iface_default(&nd, &gw))
		fill_route4(b, RTM_NEWROUTE, NLM_F_MULTI, seq, pid, 0, 0,
			    net_iface_default_proto, RT_SCOPE_UNIVERSE, 0, gw,
			    nd->ifindex);
	while ((nd = netdev_next(idx))) {
		idx = nd->ifindex;
		if (nd->type == ARPHRD_LOOPBACK || !(nd->flags & IFF_UP) ||
		    !net_iface_addr4(nd, &a, &m))
			continue;
		fill_route4(b, RTM_NEWROUTE, NLM_F_MULTI, seq, pid, a & m,
			    (unsigned int)net_iface_prefixlen(m), RTPROT_KERNEL,
			    RT_SCOPE_LINK, a, 0, nd->ifindex);
	}
}

/* Queue b's messages for the requester (group 0) or a group. */
static int emit(struct nl_req *r, struct netlink_buf *b, uint32_t group)
{
	int err = buf_to_skbs(b, r->pending, group);

	netlink_buf_free(b);
	return err;
}

static void notify_link(struct nl_req *r, struct kos_netdev *nd)
{
	struct netlink_buf b = { 0 };

	fill_link(&b, nd, RTM_NEWLINK, 0, 0, 0);
	emit(r, &b, RTNLGRP_LINK);
}

static struct kos_netdev *link_of(const struct ifinfomsg *ifi,
				  const struct rtattr **tb)
{
	char name[IFNAMSIZ];

	if (ifi->ifi_index > 0)
		return netdev_by_index((unsigned int)ifi->ifi_index);
	if (tb[IFLA_IFNAME]) {
		size_t n = netlink_attr_len(tb[IFLA_IFNAME]);

		if (n > IFNAMSIZ - 1)
			n = IFNAMSIZ - 1;
		kos_memcpy(name, netlink_attr_data(tb[IFLA_IFNAME]), n);
		name[n] = 0;
		return netdev_by_name(name);
	}
	return NULL;
}

/* RTM_GETLINK, RTM_SETLINK, RTM_NEWLINK */
static int do_link(struct nl_req *r, const void *body, size_t len, bool dump)
{
	const struct nlmsghdr *h = r->h;
	const struct rtattr *tb[IFLA_MAX_MTU + 1];
	struct ifinfomsg ifi = { 0 };
	struct netlink_buf b = { 0 };
	struct kos_netdev *nd;
	int err;

	if (dump) {
		unsigned int idx = 0;

		bool v6 = len && *(const uint8_t *)body == AF_INET6;

		while ((nd = netdev_next(idx))) {
			idx = nd->ifindex;
			if (v6)
				fill_link6(&b, nd, h->nlmsg_seq, r->pid);
			else
				fill_link(&b, nd, RTM_NEWLINK, NLM_F_MULTI,
					  h->nlmsg_seq, r->pid);
		}
		return emit(r, &b, 0) ? -ENOBUFS : 1;
	}
	if (len < sizeof(ifi))
		return -EINVAL;
	kos_memcpy(&ifi, body, sizeof(ifi));
	netlink_parse_attrs((const uint8_t *)body + NLMSG_ALIGN(sizeof(ifi)),
			    len > NLMSG_ALIGN(sizeof(ifi))
				    ? len - NLMSG_ALIGN(sizeof(ifi))
				    : 0,
			    tb, IFLA_MAX_MTU);
	nd = link_of(&ifi, tb);
	if (h->nlmsg_type == RTM_GETLINK) {
		if (!nd)
			return ifi.ifi_index > 0 || tb[IFLA_IFNAME] ? -ENODEV
								    : -EINVAL;
		fill_link(&b, nd, RTM_NEWLINK, 0, h->nlmsg_seq, r->pid);
		return emit(r, &b, 0) ? -ENOBUFS : 0;
	}
	if (!nd) {
		if (h->nlmsg_type == RTM_NEWLINK &&
		    (h->nlmsg_flags & NLM_F_CREATE))
			return -EOPNOTSUPP; /* no link kinds to create */
		return -ENODEV;
	}
	if (h->nlmsg_type == RTM_NEWLINK && (h->nlmsg_flags & NLM_F_EXCL))
		return -EEXIST;
	if (tb[IFLA_ADDRESS] || tb[IFLA_BROADCAST] ||
	    (ifi.ifi_index > 0 && tb[IFLA_IFNAME] &&
	     kos_strncmp(netlink_attr_data(tb[IFLA_IFNAME]), nd->name,
			 IFNAMSIZ)))
		return -EOPNOTSUPP; /* no new MACs or names */
	if (tb[IFLA_MTU]) {
		if (netlink_attr_len(tb[IFLA_MTU]) < 4)
			return -EINVAL;
		uint32_t mtu;

		kos_memcpy(&mtu, netlink_attr_data(tb[IFLA_MTU]), 4);
		if (mtu != nd->mtu && (err = net_iface_set_mtu(nd, mtu)))
			return err;
	}
	if (ifi.ifi_change || ifi.ifi_flags) {
		uint32_t change = ifi.ifi_change ? ifi.ifi_change : ~0U;

		if ((change & IFF_UP) &&
		    (err = net_iface_set_up(nd, ifi.ifi_flags & IFF_UP)))
			return err;
	}
	notify_link(r, nd);
	return 0;
}

static int addr_dump(struct nl_req *r, int family)
{
	struct netlink_buf b = { 0 };
	struct kos_netdev *nd;
	unsigned int idx;

	if (family == AF_UNSPEC || family == AF_INET)
		for (idx = 0; (nd = netdev_next(idx)); idx = nd->ifindex)
			fill_addr4(&b, nd, RTM_NEWADDR, NLM_F_MULTI,
				   r->h->nlmsg_seq, r->pid);
	if (family == AF_UNSPEC || family == AF_INET6)
		for (idx = 0; (nd = netdev_next(idx)); idx = nd->ifindex)
			fill_addr6(&b, nd, RTM_NEWADDR, NLM_F_MULTI,
				   r->h->nlmsg_seq, r->pid);
	return emit(r, &b, 0) ? -ENOBUFS : 1;
}

static int addr4_change(struct nl_req *r, struct kos_netdev *nd,
			const struct ifaddrmsg *ifa, const struct rtattr **tb)
{
	const struct rtattr *la =
		tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	struct netlink_buf b = { 0 };
	uint32_t addr = 0, a, m;
	bool has = net_iface_addr4(nd, &a, &m);

	if (la) {
		if (netlink_attr_len(la) < 4)
			return -EINVAL;
		kos_memcpy(&addr, netlink_attr_data(la), 4);
	}
	if (r->h->nlmsg_type == RTM_DELADDR) {
		if (!has || (la && addr != a) ||
		    (tb[IFA_ADDRESS] &&
		     ifa->ifa_prefixlen != net_iface_prefixlen(m)))
			return -EADDRNOTAVAIL;
		fill_addr4(&b, nd, RTM_DELADDR, 0, 0, 0);
		net_iface_set_addr4(nd, 0, 0);
		return emit(r, &b, RTNLGRP_IPV4_IFADDR);
	}
	if (!la || ifa->ifa_prefixlen > 32)
		return -EINVAL;
	if (has && a == addr) {
		if ((r->h->nlmsg_flags & NLM_F_EXCL) ||
		    !(r->h->nlmsg_flags & NLM_F_REPLACE))
			return -EEXIST;
	} else if (has) {
		return -EOPNOTSUPP; /* lwIP: one IPv4 address per interface */
	}
	net_iface_set_addr4(nd, addr, net_iface_mask(ifa->ifa_prefixlen));
	fill_addr4(&b, nd, RTM_NEWADDR, 0, 0, 0);
	return emit(r, &b, RTNLGRP_IPV4_IFADDR);
}

static int addr6_change(struct nl_req *r, struct kos_netdev *nd,
			const struct ifaddrmsg *ifa, const struct rtattr **tb)
{
	const struct rtattr *la =
		tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	struct netif *netif = lwipk_netif(nd);
	struct netlink_buf b = { 0 };
	ip6_addr_t addr;
	s8_t i;

	if (!la || netlink_attr_len(la) < 16)
		return -EINVAL;
	if (!netif)
		return -ENODEV;
	kos_memset(&addr, 0, sizeof(addr));
	kos_memcpy(addr.addr, netlink_attr_data(la), 16);
	ip6_addr_assign_zone(&addr, IP6_UNICAST, netif);
	i = netif_get_ip6_addr_match(netif, &addr);
	if (r->h->nlmsg_type == RTM_DELADDR) {
		if (i < 0)
			return -EADDRNOTAVAIL;
		fill_addr6_one(&b, nd, i, RTM_DELADDR, 0, 0, 0);
		netif_ip6_addr_set_state(netif, i, IP6_ADDR_INVALID);
		return emit(r, &b, RTNLGRP_IPV6_IFADDR);
	}
	if (ifa->ifa_prefixlen > 128)
		return -EINVAL;
	if (i >= 0) {
		if ((r->h->nlmsg_flags & NLM_F_EXCL) ||
		    !(r->h->nlmsg_flags & NLM_F_REPLACE))
			return -EEXIST;
	} else if (netif_add_ip6_address(netif, &addr, &i) != ERR_OK) {
		return -ENOSPC; /* lwIP's slots are full */
	}
	netif_ip6_addr_set_state(netif, i, IP6_ADDR_PREFERRED);
#if LWIP_IPV6_ADDRESS_LIFETIMES
	netif_ip6_addr_set_valid_life(netif, i, IP6_ADDR_LIFE_STATIC);
	netif_ip6_addr_set_pref_life(netif, i, IP6_ADDR_LIFE_STATIC);
#endif
	if (nd->ifindex < PLEN_IFS)
		v6_plen[nd->ifindex][i] = ifa->ifa_prefixlen;
	fill_addr6_one(&b, nd, i, RTM_NEWADDR, 0, 0, 0);
	return emit(r, &b, RTNLGRP_IPV6_IFADDR);
}

/* RTM_GETADDR, RTM_NEWADDR, RTM_DELADDR */
static int do_addr(struct nl_req *r, const void *body, size_t len, bool dump)
{
	const struct rtattr *tb[IFA_FLAGS + 1];
	struct ifaddrmsg ifa = { 0 };
	struct kos_netdev *nd;
	int family = len ? *(const uint8_t *)body : AF_UNSPEC;

	if (dump)
		return addr_dump(r, family == AF_INET || family == AF_INET6
					    ? family
					    : AF_UNSPEC);
	if (r->h->nlmsg_type == RTM_GETADDR)
		return -EOPNOTSUPP; /* Linux: only IPv6 answers one address */
	if (len < sizeof(ifa))
		return -EINVAL;
	kos_memcpy(&ifa, body, sizeof(ifa));
	netlink_parse_attrs((const uint8_t *)body + NLMSG_ALIGN(sizeof(ifa)),
			    len - NLMSG_ALIGN(sizeof(ifa)), tb, IFA_FLAGS);
	if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
		return -EOPNOTSUPP;
	nd = netdev_by_index(ifa.ifa_index);
	if (!nd || !ifa.ifa_index)
		return -ENODEV;
	if (ifa.ifa_family == AF_INET)
		return addr4_change(r, nd, &ifa, tb);
	return addr6_change(r, nd, &ifa, tb);
}

/* RTM_GETROUTE, RTM_NEWROUTE, RTM_DELROUTE */
static int do_route(struct nl_req *r, const void *body, size_t len, bool dump)
{
	const struct rtattr *tb[RTA_TABLE + 1];
	struct netlink_buf b = { 0 };
	struct rtmsg rtm = { 0 };
	struct kos_netdev *oif = NULL, *nd;
	uint32_t gw = 0, table, g;
	int err;

	if (dump) {
		int family = len ? *(const uint8_t *)body : AF_UNSPEC;

		if (family == AF_UNSPEC || family == AF_INET)
			dump_routes4(&b, r->h->nlmsg_seq, r->pid);
		return emit(r, &b, 0) ? -ENOBUFS : 1;
	}
	if (r->h->nlmsg_type == RTM_GETROUTE)
		return -EOPNOTSUPP; /* route look-ups (ip route get): not done */
	if (len < sizeof(rtm))
		return -EINVAL;
	kos_memcpy(&rtm, body, sizeof(rtm));
	netlink_parse_attrs((const uint8_t *)body + NLMSG_ALIGN(sizeof(rtm)),
			    len - NLMSG_ALIGN(sizeof(rtm)), tb, RTA_TABLE);
	if (rtm.rtm_family != AF_INET)
		return -EOPNOTSUPP;
	table = rtm.rtm_table;
	if (tb[RTA_TABLE] && netlink_attr_len(tb[RTA_TABLE]) >= 4)
		kos_memcpy(&table, netlink_attr_data(tb[RTA_TABLE]), 4);
	if (rtm.rtm_dst_len > 32)
		return -EINVAL;
	if (tb[RTA_OIF]) {
		uint32_t idx;

		if (netlink_attr_len(tb[RTA_OIF]) < 4)
			return -EINVAL;
		kos_memcpy(&idx, netlink_attr_data(tb[RTA_OIF]), 4);
		if (!(oif = netdev_by_index(idx)))
			return -ENODEV;
	}
	if (tb[RTA_GATEWAY]) {
		if (netlink_attr_len(tb[RTA_GATEWAY]) < 4)
			return -EINVAL;
		kos_memcpy(&gw, netlink_attr_data(tb[RTA_GATEWAY]), 4);
	}
	if (r->h->nlmsg_type == RTM_DELROUTE) {
		if ((table != RT_TABLE_MAIN && table != RT_TABLE_UNSPEC) ||
		    rtm.rtm_dst_len || !net_iface_default(&nd, &g) ||
		    (oif && oif != nd) || (gw && gw != g))
			return -ESRCH;
		fill_route4(&b, RTM_DELROUTE, 0, 0, 0, 0, 0,
			    net_iface_default_proto, RT_SCOPE_UNIVERSE, 0, g,
			    nd->ifindex);
		if ((err = net_iface_del_default(oif, gw))) {
			netlink_buf_free(&b);
			return err;
		}
		return emit(r, &b, RTNLGRP_IPV4_ROUTE);
	}
	/* lwIP routes subnets and one default route: nothing else */
	if ((table != RT_TABLE_MAIN && table != RT_TABLE_UNSPEC) ||
	    rtm.rtm_type != RTN_UNICAST || rtm.rtm_dst_len || !gw)
		return -EOPNOTSUPP;
	err = net_iface_add_default(oif, gw,
				    r->h->nlmsg_flags & NLM_F_REPLACE &&
					    !(r->h->nlmsg_flags & NLM_F_EXCL),
				    rtm.rtm_protocol);
	if (err)
		return err;
	net_iface_default(&nd, &g);
	fill_route4(&b, RTM_NEWROUTE, 0, 0, 0, 0, 0, net_iface_default_proto,
		    RT_SCOPE_UNIVERSE, 0, g, nd->ifindex);
	return emit(r, &b, RTNLGRP_IPV4_ROUTE);
}

/*
 * One rtnetlink request (stack lock held): 0 (acknowledge if asked), 1
 * (a dump was queued: no ack) or -errno.
 */
static int rtnl_request(struct nl_req *r)
{
	const struct nlmsghdr *h = r->h;
	const void *body = NLMSG_DATA(h);
	size_t len = h->nlmsg_len - NLMSG_HDRLEN;
	unsigned int kind;
	bool dump;

	if (h->nlmsg_type > RTM_MAX)
		return -EOPNOTSUPP;
	if (!len)
		return 0; /* no rtgenmsg: Linux ignores it */
	kind = (h->nlmsg_type - RTM_NEWLINK) & 3; /* new, del, get, set */
	if (kind != 2 && !net_iface_capable())
		return -EPERM;
	dump = kind == 2 && (h->nlmsg_flags & NLM_F_DUMP);
	switch (h->nlmsg_type) {
	case RTM_GETLINK:
	case RTM_SETLINK:
	case RTM_NEWLINK:
		return do_link(r, body, len, dump);
	case RTM_GETADDR:
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return do_addr(r, body, len, dump);
	case RTM_GETROUTE:
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return do_route(r, body, len, dump);
	}
	return -EOPNOTSUPP;
}

/* A dump's end: NLMSG_DONE with its int. */
static void done_msg(struct nl_req *r)
{
	struct netlink_buf b = { 0 };
	int32_t zero = 0;
	size_t off =
		netlink_msg_begin(&b, NLMSG_DONE, NLM_F_MULTI, r->h->nlmsg_seq,
				  r->pid, &zero, sizeof(zero));

	netlink_msg_end(&b, off);
	emit(r, &b, 0);
}

/* Append NLMSG_DONE to the dump's last datagram if it fits (as Linux). */
static void dump_done(struct nl_req *r, struct list_head *before_tail)
{
	struct nl_pending *last;
	struct nl_skb *skb;
	size_t donelen = NLMSG_HDRLEN + 4;

	if (r->pending->prev == before_tail) {
		done_msg(r); /* empty dump */
		return;
	}
	last = list_entry(r->pending->prev, struct nl_pending, link);
	if (last->skb->len + donelen > NL_DGRAM_MAX) {
		done_msg(r);
		return;
	}
	skb = kmalloc(sizeof(*skb) + last->skb->len + donelen);
	if (!skb) {
		done_msg(r);
		return;
	}
	kos_memcpy(skb, last->skb, sizeof(*skb) + last->skb->len);
	{
		struct nlmsghdr *d =
			(struct nlmsghdr *)(skb->data + last->skb->len);

		d->nlmsg_len = (uint32_t)donelen;
		d->nlmsg_type = NLMSG_DONE;
		d->nlmsg_flags = NLM_F_MULTI;
		d->nlmsg_seq = r->h->nlmsg_seq;
		d->nlmsg_pid = r->pid;
		kos_memset(skb->data + last->skb->len + NLMSG_HDRLEN, 0, 4);
	}
	skb->len = last->skb->len + donelen;
	kfree(last->skb);
	last->skb = skb;
}

static void ack(struct nl_req *r, int err)
{
	struct netlink_buf b = { 0 };
	const struct nlmsghdr *h = r->h;
	bool full = err && !r->ns->cap_ack;
	size_t payload = full ? h->nlmsg_len - NLMSG_HDRLEN : 0;
	size_t off = netlink_msg_begin(
		&b, NLMSG_ERROR, full ? 0 : NLM_F_CAPPED, h->nlmsg_seq, r->pid,
		NULL, sizeof(int32_t) + NLMSG_HDRLEN + payload);

	if (!b.nomem) {
		uint8_t *p = b.p + off + NLMSG_HDRLEN;
		int32_t e = err;

		kos_memcpy(p, &e, sizeof(e));
		kos_memcpy(p + sizeof(e), h, NLMSG_HDRLEN + payload);
	}
	netlink_msg_end(&b, off);
	emit(r, &b, 0);
}

/* The kernel's side of a send: every message in buf[0..len). */
static void kernel_rcv(struct nl_sock *ns, const uint8_t *buf, size_t len,
		       struct list_head *pending)
{
	lwipk_lock();
	while (len >= NLMSG_HDRLEN) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		struct nl_req r = { ns, h, ns->portid, pending };
		struct list_head *tail = pending->prev;
		size_t step;
		int err = 0;

		if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len)
			break;
		if ((h->nlmsg_flags & NLM_F_REQUEST) &&
		    h->nlmsg_type >= NLMSG_MIN_TYPE)
			err = rtnl_request(&r);
		if (err == 1)
			dump_done(&r, tail);
		else if (err || (h->nlmsg_flags & NLM_F_ACK))
			ack(&r, err);
		step = NLMSG_ALIGN(h->nlmsg_len);
		if (step > len)
			step = len;
		buf += step;
		len -= step;
	}
	lwipk_unlock();
}

/* --- the socket --- */

static struct nl_sock *find_port(uint32_t portid)
{
	struct nl_sock *ns;

	list_for_each_entry (ns, &nl_socks, link)
		if (ns->bound && ns->portid == portid)
			return ns;
	return NULL;
}

/* Give an unbound socket its port (Linux's autobind).  nl_lock. */
static void autobind_locked(struct nl_sock *ns)
{
	uint32_t id;

	if (ns->bound)
		return;
	id = proc_current() ? (uint32_t)proc_current()->pid : 0;
	while (!id || find_port(id))
		id = nl_next_auto--;
	ns->portid = id;
	ns->bound = true;
}

static int nl_check_addr(const struct sockaddr *a, unsigned int len)
{
	if (len < sizeof(struct sockaddr_nl) || a->sa_family != AF_NETLINK)
		return -EINVAL;
	return 0;
}

static int nl_bind(struct socket *s, const struct sockaddr *a, unsigned int len)
{
	struct nl_sock *ns = nsk(s);
	const struct sockaddr_nl *sn = (const struct sockaddr_nl *)a;
	int err = nl_check_addr(a, len);

	if (err)
		return err;
	mutex_lock(&nl_lock);
	if (ns->bound) {
		if (sn->nl_pid != ns->portid)
			err = -EINVAL;
	} else if (sn->nl_pid) {
		if (find_port(sn->nl_pid)) {
			err = -EADDRINUSE;
		} else {
			ns->portid = sn->nl_pid;
			ns->bound = true;
		}
	} else {
		autobind_locked(ns);
	}
	if (!err)
		ns->groups = sn->nl_groups;
	mutex_unlock(&nl_lock);
	return err;
}

static int nl_connect(struct socket *s, const struct sockaddr *a,
		      unsigned int len, unsigned int fflags)
{
	struct nl_sock *ns = nsk(s);
	const struct sockaddr_nl *sn = (const struct sockaddr_nl *)a;

	if (len >= sizeof(sa_family_t) && a->sa_family == AF_UNSPEC) {
		mutex_lock(&nl_lock);
		ns->dst_pid = ns->dst_group = 0;
		mutex_unlock(&nl_lock);
		return 0;
	}
	if (nl_check_addr(a, len))
		return -EINVAL;
	if (sn->nl_groups && !net_iface_capable())
		return -EPERM;
	mutex_lock(&nl_lock);
	autobind_locked(ns);
	ns->dst_pid = sn->nl_pid;
	ns->dst_group =
		sn->nl_groups ? (uint32_t)__builtin_ffs((int)sn->nl_groups) : 0;
	mutex_unlock(&nl_lock);
	return 0;
}

static int nl_getname(struct socket *s, struct sockaddr_storage *a, bool peer)
{
	struct nl_sock *ns = nsk(s);
	struct sockaddr_nl *sn = (struct sockaddr_nl *)a;

	kos_memset(sn, 0, sizeof(*sn));
	sn->nl_family = AF_NETLINK;
	mutex_lock(&nl_lock);
	if (peer) {
		sn->nl_pid = ns->dst_pid;
		sn->nl_groups = ns->dst_group ? 1U << (ns->dst_group - 1) : 0;
	} else {
		sn->nl_pid = ns->portid;
		sn->nl_groups = ns->groups;
	}
	mutex_unlock(&nl_lock);
	return sizeof(*sn);
}

static ssize_t nl_sendmsg(struct socket *s, struct sock_msg *m,
			  unsigned int fflags)
{
	struct nl_sock *ns = nsk(s);
	struct list_head pending = LIST_HEAD_INIT(pending);
	size_t len = m->uio->resid;
	uint32_t dst_pid, dst_group;
	uint8_t *buf;
	int err;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->namelen) {
		const struct sockaddr_nl *sn = (const void *)&m->name;

		if (nl_check_addr((const struct sockaddr *)&m->name,
				  m->namelen))
			return -EINVAL;
		dst_pid = sn->nl_pid;
		dst_group =
			sn->nl_groups
				? (uint32_t)__builtin_ffs((int)sn->nl_groups)
				: 0;
		if (dst_group && !net_iface_capable())
			return -EPERM;
	} else {
		mutex_lock(&nl_lock);
		dst_pid = ns->dst_pid;
		dst_group = ns->dst_group;
		mutex_unlock(&nl_lock);
	}
	if (len > (size_t)s->sndbuf - 32)
		return -EMSGSIZE;
	buf = kmalloc(len ? len : 1);
	if (!buf)
		return -ENOBUFS;
	err = uio_copyin(m->uio, buf, len);
	if (err) {
		kfree(buf);
		return err;
	}
	mutex_lock(&nl_lock);
	autobind_locked(ns);
	if (dst_pid || dst_group) {
		struct nl_skb *skb = kmalloc(sizeof(*skb) + len);
		struct nl_sock *to = dst_pid ? find_port(dst_pid) : NULL;

		if (!skb) {
			err = -ENOBUFS;
		} else {
			skb->src_pid = ns->portid;
			skb->src_group = dst_group;
			skb->len = len;
			kos_memcpy(skb->data, buf, len);
			if (dst_group)
				mcast_locked(skb, dst_group, to);
			if (dst_pid && !to) {
				err = -ECONNREFUSED;
			} else if (to) {
				skb->src_group = 0;
				skb_queue(to, skb);
				skb = NULL;
			}
			kfree(skb);
		}
		mutex_unlock(&nl_lock);
		kfree(buf);
		return err ? err : (ssize_t)len;
	}
	mutex_unlock(&nl_lock);
	kernel_rcv(ns, buf, len, &pending);
	kfree(buf);
	deliver(ns, &pending);
	return (ssize_t)len;
}

static bool rq_ready(void *arg)
{
	struct nl_sock *ns = arg;

	return !list_empty(&ns->rq) || ns->overrun;
}

static ssize_t nl_recvmsg(struct socket *s, struct sock_msg *m,
			  unsigned int fflags)
{
	struct nl_sock *ns = nsk(s);
	uint64_t deadline = sock_rcv_deadline(s);
	struct sockaddr_nl *sn = (struct sockaddr_nl *)&m->name;
	struct nl_skb *skb;
	size_t n;
	ssize_t r;
	int err;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	mutex_lock(&nl_lock);
	while (list_empty(&ns->rq)) {
		if (ns->overrun)
			break;
		if (m->flags & MSG_DONTWAIT) {
			err = -EAGAIN;
			goto out;
		}
		err = sock_wait(s, &nl_lock, rq_ready, ns, deadline);
		if (err)
			goto out;
	}
	if (ns->overrun) {
		ns->overrun = false;
		err = -ENOBUFS;
		goto out;
	}
	skb = list_first_entry(&ns->rq, struct nl_skb, link);
	n = MIN(skb->len, m->uio->resid);
	err = uio_copyout(m->uio, skb->data, n);
	if (err)
		goto out;
	r = (m->flags & MSG_TRUNC) ? (ssize_t)skb->len : (ssize_t)n;
	if (n < skb->len)
		m->flags |= MSG_TRUNC;
	kos_memset(sn, 0, sizeof(*sn));
	sn->nl_family = AF_NETLINK;
	sn->nl_pid = skb->src_pid;
	sn->nl_groups = skb->src_group ? 1U << (skb->src_group - 1) : 0;
	m->namelen = sizeof(*sn);
	if (ns->pktinfo)
		sock_put_cmsg(m, SOL_NETLINK, NETLINK_PKTINFO, &skb->src_group,
			      sizeof(uint32_t));
	if (!(m->flags & MSG_PEEK)) {
		list_del(&skb->link);
		ns->rq_bytes -= skb->len;
		kfree(skb);
	}
	mutex_unlock(&nl_lock);
	return r;
out:
	mutex_unlock(&nl_lock);
	return err;
}

static unsigned int nl_poll(struct socket *s, struct poll_table *pt)
{
	struct nl_sock *ns = nsk(s);
	unsigned int mask = POLLOUT | POLLWRNORM;

	poll_wait(pt, &s->wq);
	mutex_lock(&nl_lock);
	if (!list_empty(&ns->rq))
		mask |= POLLIN | POLLRDNORM;
	if (ns->overrun)
		mask |= POLLERR;
	mutex_unlock(&nl_lock);
	return mask;
}

static bool *bool_opt(struct nl_sock *ns, int name)
{
	switch (name) {
	case NETLINK_PKTINFO:
		return &ns->pktinfo;
	case NETLINK_BROADCAST_ERROR:
		return &ns->bcast_err;
	case NETLINK_NO_ENOBUFS:
		return &ns->no_enobufs;
	case NETLINK_LISTEN_ALL_NSID:
		return &ns->listen_all;
	case NETLINK_CAP_ACK:
		return &ns->cap_ack;
	case NETLINK_EXT_ACK:
		return &ns->ext_ack;
	case NETLINK_GET_STRICT_CHK:
		return &ns->strict;
	}
	return NULL;
}

static int nl_setsockopt(struct socket *s, int level, int name, const void *val,
			 unsigned int len)
{
	struct nl_sock *ns = nsk(s);
	bool *b;
	int v;

	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (len < sizeof(int))
		return -EINVAL;
	kos_memcpy(&v, val, sizeof(v));
	mutex_lock(&nl_lock);
	if (name == NETLINK_ADD_MEMBERSHIP || name == NETLINK_DROP_MEMBERSHIP) {
		mutex_unlock(&nl_lock);
		if (!v || (unsigned int)v > NL_GROUPS)
			return -EINVAL;
		mutex_lock(&nl_lock);
		autobind_locked(ns);
		if (name == NETLINK_ADD_MEMBERSHIP)
			ns->groups |= 1U << (v - 1);
		else
			ns->groups &= ~(1U << (v - 1));
	} else if ((b = bool_opt(ns, name))) {
		*b = v != 0;
	} else {
		mutex_unlock(&nl_lock);
		return -ENOPROTOOPT;
	}
	mutex_unlock(&nl_lock);
	return 0;
}

static int nl_getsockopt(struct socket *s, int level, int name, void *val,
			 unsigned int *len)
{
	struct nl_sock *ns = nsk(s);
	bool *b;
	int v;

	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (name == NETLINK_LIST_MEMBERSHIPS) {
		uint32_t g;

		if (*len < sizeof(g)) {
			*len = sizeof(g); /* Linux reports the size it needs */
			return 0;
		}
		mutex_lock(&nl_lock);
		g = ns->groups;
		mutex_unlock(&nl_lock);
		kos_memcpy(val, &g, sizeof(g));
		*len = sizeof(g);
		return 0;
	}
	if (!(b = bool_opt(ns, name)) || name == NETLINK_LISTEN_ALL_NSID)
		return -ENOPROTOOPT;
	if (*len < sizeof(int))
		return -EINVAL;
	mutex_lock(&nl_lock);
	v = *b;
	mutex_unlock(&nl_lock);
	kos_memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static void nl_free(struct socket *s)
{
	kfree(nsk(s));
}

static void nl_release(struct socket *s)
{
	struct nl_sock *ns = nsk(s);
	struct nl_skb *skb, *t;

	mutex_lock(&nl_lock);
	list_del(&ns->link);
	list_for_each_entry_safe (skb, t, &ns->rq, link) {
		list_del(&skb->link);
		kfree(skb);
	}
	mutex_unlock(&nl_lock);
	sock_put(s, nl_free);
}

static const struct sock_ops nl_ops = {
	.bind = nl_bind,
	.connect = nl_connect,
	.getname = nl_getname,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.poll = nl_poll,
	.setsockopt = nl_setsockopt,
	.getsockopt = nl_getsockopt,
	.release = nl_release,
};

static int nl_create(int type, int protocol, struct socket **out)
{
	struct nl_sock *ns;

	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol < 0 || protocol >= MAX_LINKS)
		return -EPROTONOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	ns = kzalloc(sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	sock_init(&ns->sk, AF_NETLINK, type, protocol, &nl_ops);
	list_init(&ns->rq);
	mutex_lock(&nl_lock);
	list_add_tail(&ns->link, &nl_socks);
	mutex_unlock(&nl_lock);
	*out = &ns->sk;
	return 0;
}

static const struct sock_family netlink_family = {
	.family = AF_NETLINK,
	.create = nl_create,
};

void netlink_init(void)
{
	sock_register(&netlink_family);
}
