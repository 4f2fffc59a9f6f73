/*
 * AF_INET and AF_INET6 sockets on lwIP's raw API (docs/net.md, "Inet
 * sockets").
 *
 * Files.  This one holds what every inet socket shares: the two
 * families and socket(2)'s type/protocol rules, socket addresses in and
 * out (IPv4-mapped IPv6 for dual-stack AF_INET6 sockets), Linux's
 * address-in-use rules for bind/listen/connect and the ephemeral ports,
 * and the SOL_IP/SOL_IPV6 options.  net/inet_tcp.c is SOCK_STREAM (TCP),
 * net/inet_dgram.c SOCK_DGRAM UDP and UDP-Lite and the ICMP echo
 * ("ping") sockets, SOCK_DGRAM/IPPROTO_ICMP and SOCK_RAW/IPPROTO_ICMP.
 *
 * Locking.  One lock, the stack lock of net/lwip.c (inet_lock()), guards
 * lwIP and every field of every inet socket (struct inet_sock).  lwIP's
 * callbacks run with it held (in the stack thread, or inside a system
 * call that entered lwIP) and only queue what arrived and wake the
 * socket (sock_wake).  A system call takes the lock, looks and acts, and
 * sleeps only through inet_wait(), which drops it.  Copies to and from
 * user memory never run under the stack lock (a fault may sleep): a
 * receiver takes pbuf references under the lock and copies after
 * dropping it; a sender copies a chunk into a kernel buffer first.
 * Concurrent receivers (senders) of one socket are serialized by the
 * socket's rx_mutex (tx_mutex), always taken before the stack lock.
 *
 * Lifetime.  A socket belongs to its file (kos/socket.h).  lwIP's pcbs
 * point back at their socket through callback_arg; release detaches
 * the pcb (arg and callbacks cleared, under the stack lock) before the
 * socket is freed, so no callback ever sees a freed socket, and a pcb
 * that lives on (FIN_WAIT, TIME_WAIT) runs with lwIP's defaults.  When
 * lwIP frees a pcb by itself (reset, timeout, both sides closed) its err
 * callback clears the socket's pointer.  Connections a listener accepted
 * but nobody took yet are sockets without a file on its acceptq; they go
 * with the listener (reset, as Linux does).
 *
 * Binding.  KOS, not lwIP, decides EADDRINUSE: inet_port_check() walks
 * lwIP's pcb lists and applies Linux's rules (wildcards overlap specific
 * addresses, a dual-stack :: overlaps every IPv4 address, SO_REUSEADDR on
 * both sides unless the other one listens, SO_REUSEPORT on both sides,
 * TIME_WAIT pcbs with the reuse flags of the socket they belonged to).
 * A pcb's so_options carry those flags (INET_SOF_*); lwIP always sees
 * SOF_REUSEADDR so its own, different checks never refuse what KOS
 * allowed.  Ephemeral ports come from Linux's 32768-60999.
 *
 * Dual stack.  An AF_INET6 socket's pcb is created IPADDR_TYPE_ANY and
 * bound to lwIP's any-type address for "::" (accepting IPv4 too, shown
 * as ::ffff:a.b.c.d), to the IPv6 any address with IPV6_V6ONLY, and to
 * an IPv4 address for a v4-mapped one.
 */
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/proc.h>
#include <kos/random.h>
#include <kos/socket.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <uapi/capability.h>
#include <uapi/errno.h>

#include "inet_internal.h"
#include "net_internal.h"
#include "lwip/err.h"
#include "lwip/igmp.h"
#include "lwip/ip.h"
#include "lwip/raw.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#define INET_PORT_LOW 32768 /* net.ipv4.ip_local_port_range */
#define INET_PORT_HIGH 60999
#define INET_PORT_PRIV 1024 /* net.ipv4.ip_unprivileged_port_start */

int inet_errno(int err)
{
	switch (err) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
		return ENOMEM;
	case ERR_BUF:
		return ENOBUFS;
	case ERR_TIMEOUT:
		return ETIMEDOUT;
	case ERR_RTE:
		return ENETUNREACH;
	case ERR_INPROGRESS:
		return EINPROGRESS;
	case ERR_WOULDBLOCK:
		return EAGAIN;
	case ERR_USE:
		return EADDRINUSE;
	case ERR_ALREADY:
		return EALREADY;
	case ERR_ISCONN:
		return EISCONN;
	case ERR_CONN:
	case ERR_CLSD:
		return ENOTCONN;
	case ERR_ABRT:
		return ECONNABORTED;
	case ERR_RST:
		return ECONNRESET;
	case ERR_IF:
		return EIO;
	default:
		return EINVAL;
	}
}

int inet_wait(struct inet_sock *is, bool (*cond)(void *arg), void *arg,
	      uint64_t deadline)
{
	lwipk_timers_changed(); /* the stack thread's timer, before we sleep */
	return sock_wait(&is->sk, lwipk_mutex(), cond, arg, deadline);
}

int inet_pbuf_copyout(struct uio *u, struct pbuf *p, size_t off, size_t n)
{
	while (n && p) {
		if (off >= p->len) {
			off -= p->len;
			p = p->next;
			continue;
		}
		size_t k = MIN(n, (size_t)p->len - off);
		int err = uio_copyout(u, (const uint8_t *)p->payload + off, k);

		if (err)
			return err;
		n -= k;
		off = 0;
		p = p->next;
	}
	return 0;
}

const ip_addr_t inet_loopback4 = IPADDR4_INIT_BYTES(127, 0, 0, 1);
const ip_addr_t inet_loopback6 = IPADDR6_INIT_HOST(0, 0, 0, 1);

/* ---- addresses ------------------------------------------------------ */

static void ip_from_in6(ip_addr_t *ip, const struct in6_addr *a)
{
	if (!a->s6_addr32[0] && !a->s6_addr32[1] &&
	    a->s6_addr32[2] == PP_HTONL(0xffff)) {
		ip_addr_set_zero_ip4(ip);
		ip_2_ip4(ip)->addr = a->s6_addr32[3];
		return;
	}
	ip_addr_set_zero_ip6(ip);
	kos_memcpy(ip_2_ip6(ip)->addr, a->s6_addr32, 16);
}

/*
 * A user's sockaddr as lwIP's address and a host-order port.  AF_INET6
 * sockets take v4-mapped addresses as IPv4 (-EINVAL with IPV6_V6ONLY
 * where Linux refuses them: the caller checks).
 */
int inet_addr_in(struct inet_sock *is, const struct sockaddr *a,
		 unsigned int len, ip_addr_t *ip, uint16_t *port)
{
	if (is->sk.family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)a;

		if (len < sizeof(*sin))
			return -EINVAL;
		ip_addr_set_zero_ip4(ip);
		ip_2_ip4(ip)->addr = sin->sin_addr.s_addr;
		*port = lwip_ntohs(sin->sin_port);
		return 0;
	}
	const struct sockaddr_in6 *sin6 = (const void *)a;

	if (len < SIN6_LEN_RFC2133)
		return -EINVAL;
	ip_from_in6(ip, &sin6->sin6_addr);
	*port = lwip_ntohs(sin6->sin6_port);
	if (IP_IS_V6(ip) && len >= sizeof(*sin6) && sin6->sin6_scope_id) {
		if (!netif_get_by_index(sin6->sin6_scope_id))
			return -ENODEV;
		ip6_addr_set_zone(ip_2_ip6(ip), sin6->sin6_scope_id);
	}
	return 0;
}

int inet_addr_out(struct inet_sock *is, const ip_addr_t *ip, uint16_t port,
		  struct sockaddr_storage *out)
{
	kos_memset(out, 0, sizeof(*out));
	if (is->sk.family == AF_INET) {
		struct sockaddr_in *sin = (void *)out;

		sin->sin_family = AF_INET;
		sin->sin_port = lwip_htons(port);
		sin->sin_addr.s_addr = IP_IS_V4(ip) ? ip_2_ip4(ip)->addr : 0;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (void *)out;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = lwip_htons(port);
	if (IP_IS_V4(ip)) {
		if (!ip4_addr_isany_val(*ip_2_ip4(ip))) {
			sin6->sin6_addr.s6_addr32[2] = PP_HTONL(0xffff);
			sin6->sin6_addr.s6_addr32[3] = ip_2_ip4(ip)->addr;
		}
	} else if (IP_IS_V6(ip)) {
		kos_memcpy(sin6->sin6_addr.s6_addr32, ip_2_ip6(ip)->addr, 16);
		if (ip6_addr_islinklocal(ip_2_ip6(ip)))
			sin6->sin6_scope_id = ip6_addr_zone(ip_2_ip6(ip));
	}
	return sizeof(*sin6);
}

void inet_any_addr(struct inet_sock *is, ip_addr_t *ip)
{
	if (is->sk.family == AF_INET)
		ip_addr_copy(*ip, *IP4_ADDR_ANY);
	else if (is->v6only)
		ip_addr_copy(*ip, *IP6_ADDR_ANY);
	else
		ip_addr_copy(*ip, *IP_ANY_TYPE);
}

/*
 * Is ip one of the host's addresses (stack lock held)?  All of 127/8
 * and the addresses of the interfaces, of only's alone when only is not
 * NULL.  bind (wild): also the wildcard, multicast and broadcast
 * addresses, any protocol, as Linux lets a socket bind to them; a
 * datagram's source (IP(V6)_PKTINFO) may not be one of those.
 */
bool inet_addr_is_local(const ip_addr_t *ip, struct netif *only, bool wild)
{
	struct netif *nif;
	bool v4 = IP_IS_V4(ip);

	if (v4 && ip4_addr_isloopback(ip_2_ip4(ip)))
		return true;
	if (wild && (ip_addr_isany(ip) ||
		     (v4 ? ip4_addr_ismulticast(ip_2_ip4(ip)) ||
				      ip_2_ip4(ip)->addr == IPADDR_BROADCAST
			 : ip6_addr_ismulticast(ip_2_ip6(ip)))))
		return true;
	NETIF_FOREACH(nif)
	{
		if (only && nif != only)
			continue;
		if (v4 ? ip4_addr_cmp(netif_ip4_addr(nif), ip_2_ip4(ip)) ||
				    (wild &&
				     ip4_addr_isbroadcast(ip_2_ip4(ip), nif))
		       : netif_get_ip6_addr_match(nif, ip_2_ip6(ip)) >= 0)
			return true;
	}
	return false;
}

/* bind(2)'s address checks, shared by the types (stack lock held). */
int inet_bind_addr(struct inet_sock *is, const struct sockaddr *a,
		   unsigned int len, ip_addr_t *ip, uint16_t *port)
{
	int err;

	if (is->sk.family == AF_INET) {
		if (len < sizeof(struct sockaddr_in))
			return -EINVAL;
		if (a->sa_family != AF_INET) {
			const struct sockaddr_in *sin = (const void *)a;

			if (a->sa_family != AF_UNSPEC ||
			    sin->sin_addr.s_addr != 0)
				return -EAFNOSUPPORT;
		}
	} else {
		if (len < SIN6_LEN_RFC2133)
			return -EINVAL;
		if (a->sa_family != AF_INET6)
			return -EAFNOSUPPORT;
	}
	err = inet_addr_in(is, a, len, ip, port);
	if (err)
		return err;
	if (is->sk.family == AF_INET6) {
		if (IP_IS_V4(ip) && is->v6only)
			return -EINVAL;
		if (ip_addr_isany(ip))
			inet_any_addr(is, ip);
	}
	if (!inet_addr_is_local(ip, NULL, true))
		return -EADDRNOTAVAIL;
	if (*port && *port < 1024 &&
	    !(proc_current()->cred.cap_effective &
	      (1ULL << CAP_NET_BIND_SERVICE)))
		return -EACCES;
	return 0;
}

/* ---- port binding ----------------------------------------------------- */

/* Do two bound addresses overlap (Linux's inet_rcv_saddr_equal with wildcards)? */
static bool addr_overlap(const ip_addr_t *a, const ip_addr_t *b)
{
	if (IP_IS_ANY_TYPE_VAL(*a) || IP_IS_ANY_TYPE_VAL(*b))
		return true; /* a dual-stack "::" */
	if (IP_GET_TYPE(a) != IP_GET_TYPE(b))
		return false;
	return ip_addr_isany(a) || ip_addr_isany(b) || ip_addr_cmp(a, b);
}

static bool bind_conflict(const ip_addr_t *ip, unsigned int sof,
			  const ip_addr_t *oip, unsigned int osof,
			  bool other_listens)
{
	if ((sof & INET_SOF_REUSEADDR) && (osof & INET_SOF_REUSEADDR) &&
	    !other_listens)
		return false;
	if ((sof & INET_SOF_REUSEPORT) && (osof & INET_SOF_REUSEPORT))
		return false;
	return addr_overlap(ip, oip);
}

static bool port_in_use(int proto, void *self, const ip_addr_t *ip,
			uint16_t port, unsigned int sof)
{
	if (proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE) {
		bool lite = proto == IPPROTO_UDPLITE;

		for (struct udp_pcb *u = udp_pcbs; u; u = u->next)
			if (u != self && u->local_port == port &&
			    !(u->flags & UDP_FLAGS_UDPLITE) == !lite &&
			    bind_conflict(ip, sof, &u->local_ip, u->so_options,
					  false))
				return true;
		return false;
	}
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l;
	     l = l->next)
		if ((void *)l != self && l->local_port == port &&
		    bind_conflict(ip, sof, &l->local_ip, l->so_options, true))
			return true;
	struct tcp_pcb *lists[3] = { tcp_bound_pcbs, tcp_active_pcbs,
				     tcp_tw_pcbs };

	for (unsigned int i = 0; i < 3; i++)
		for (struct tcp_pcb *p = lists[i]; p; p = p->next)
			if ((void *)p != self && p->local_port == port &&
			    bind_conflict(ip, sof, &p->local_ip, p->so_options,
					  false))
				return true;
	return false;
}

/*
 * Is port the far end of a TCP connection in TIME_WAIT?  Then it was a
 * client port of this host's (or a peer's) recent connection, and a new
 * connection from it to the same server would meet that TIME_WAIT,
 * whose answer to a SYN is a reset (lwIP does not take over a TIME_WAIT
 * on a new SYN as Linux does).  Stack lock held.
 */
static bool tw_peer_port(uint16_t port)
{
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		if (p->remote_port == port)
			return true;
	return false;
}

/*
 * The next automatic port to try: ports go out in turn from a random
 * start, as Linux's mostly do, so a port comes back only after the
 * whole range (a random pick each time met a recent one's TIME_WAIT
 * after a few hundred loopback connections).  Stack lock.
 */
static uint32_t port_hint;
static bool port_hint_set;

int inet_port_check(int proto, void *self, const ip_addr_t *ip, uint16_t *port,
		    unsigned int sof, bool listening)
{
	if (*port)
		return port_in_use(proto, self, ip, *port, sof) ? -EADDRINUSE
								: 0;
	unsigned int n = INET_PORT_HIGH - INET_PORT_LOW + 1;

	if (!port_hint_set) {
		kos_random_bytes(&port_hint, sizeof(port_hint));
		port_hint_set = true;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint16_t p = INET_PORT_LOW + (port_hint + i) % n;

		/* An automatic port is never shared, whatever the flags. */
		if (port_in_use(proto, self, ip, p, 0) ||
		    (proto == IPPROTO_TCP && tw_peer_port(p)))
			continue;
		port_hint = (port_hint + i + 1) % n;
		*port = p;
		return 0;
	}
	return -EADDRINUSE;
}

unsigned int inet_sof(struct inet_sock *is)
{
	unsigned int sof = 0;

	if (is->sk.reuseaddr)
		sof |= INET_SOF_REUSEADDR;
	if (is->sk.reuseport)
		sof |= INET_SOF_REUSEPORT;
	return sof;
}

uint8_t inet_so_options(struct inet_sock *is, uint8_t cur)
{
	return (uint8_t)((cur & ~(INET_SOF_REUSEADDR | INET_SOF_REUSEPORT)) |
			 inet_sof(is));
}

/* ---- IP-level options ------------------------------------------------ */

static int get_int(const void *val, unsigned int len, int *out)
{
	if (len >= sizeof(int)) {
		kos_memcpy(out, val, sizeof(int));
		return 0;
	}
	if (len >= 1) { /* Linux takes a byte for some IP options */
		*out = *(const uint8_t *)val;
		return 0;
	}
	return -EINVAL;
}

static int put_int(void *val, unsigned int *len, int v)
{
	if (*len >= sizeof(int)) {
		kos_memcpy(val, &v, sizeof(int));
		*len = sizeof(int);
	} else if (*len) {
		*(uint8_t *)val = (uint8_t)v;
		*len = 1;
	} else {
		return -EINVAL;
	}
	return 0;
}

void inet_apply_ip_opts(struct inet_sock *is)
{
	uint8_t ttl = is->ttl < 0 ? 64 : (uint8_t)is->ttl;

	if (!is->pcb.any)
		return;
	switch (is->sk.type) {
	case SOCK_STREAM:
		is->pcb.tcp->ttl = ttl;
		is->pcb.tcp->tos = (uint8_t)is->tos;
		break;
	case SOCK_DGRAM:
	case SOCK_RAW:
		if (is->sk.protocol == IPPROTO_UDP ||
		    is->sk.protocol == IPPROTO_UDPLITE) {
			is->pcb.udp->ttl = ttl;
			is->pcb.udp->tos = (uint8_t)is->tos;
			udp_set_multicast_ttl(is->pcb.udp, (uint8_t)is->mc_ttl);
			if (is->mc_loop)
				udp_set_flags(is->pcb.udp,
					      UDP_FLAGS_MULTICAST_LOOP);
			else
				udp_clear_flags(is->pcb.udp,
						UDP_FLAGS_MULTICAST_LOOP);
			break;
		}
		/* ping sockets are raw pcbs */
		is->pcb.raw->ttl = ttl;
		is->pcb.raw->tos = (uint8_t)is->tos;
		break;
	}
}

static int mcast_membership(struct inet_sock *is, int name, const void *val,
			    unsigned int len)
{
	ip4_addr_t group, ifaddr;
	struct ip_mreqn mr = { 0 };

	if (is->sk.type != SOCK_DGRAM || (is->sk.protocol != IPPROTO_UDP &&
					  is->sk.protocol != IPPROTO_UDPLITE))
		return -EINVAL;
	if (len < sizeof(struct ip_mreq))
		return -EINVAL;
	kos_memcpy(&mr, val, MIN(len, sizeof(mr)));
	group.addr = mr.imr_multiaddr.s_addr;
	ifaddr.addr = mr.imr_address.s_addr;
	if (!ip4_addr_ismulticast(&group))
		return -EINVAL;
	err_t e;

	if (len >= sizeof(struct ip_mreqn) && mr.imr_ifindex) {
		struct netif *nif = netif_get_by_index(mr.imr_ifindex);

		if (!nif)
			return -ENODEV;
		e = name == IP_ADD_MEMBERSHIP
			    ? igmp_joingroup_netif(nif, &group)
			    : igmp_leavegroup_netif(nif, &group);
	} else {
		e = name == IP_ADD_MEMBERSHIP
			    ? igmp_joingroup(&ifaddr, &group)
			    : igmp_leavegroup(&ifaddr, &group);
	}
	if (e == ERR_VAL)
		return name == IP_ADD_MEMBERSHIP ? -ENODEV : -EADDRNOTAVAIL;
	return e ? -inet_errno(e) : 0;
}

/* Called with the stack lock held. */
int inet_ip_setsockopt(struct inet_sock *is, int level, int name,
		       const void *val, unsigned int len)
{
	int v = 0;

	if (level == SOL_IP) {
		switch (name) {
		case IP_ADD_MEMBERSHIP:
		case IP_DROP_MEMBERSHIP:
			return mcast_membership(is, name, val, len);
		case IP_TTL:
			if (get_int(val, len, &v))
				return -EINVAL;
			if (v != -1 && (v < 1 || v > 255))
				return -EINVAL;
			is->ttl = v;
			break;
		case IP_TOS:
			if (get_int(val, len, &v))
				return -EINVAL;
			/* a byte, as Linux; TCP's ECN bits are the stack's */
			is->tos =
				v & (is->sk.type == SOCK_STREAM ? 0xfc : 0xff);
			break;
		case IP_MULTICAST_TTL:
			if (get_int(val, len, &v))
				return -EINVAL;
			if (v == -1)
				v = 1;
			if (v < 0 || v > 255)
				return -EINVAL;
			is->mc_ttl = v;
			break;
		case IP_MULTICAST_LOOP:
			if (get_int(val, len, &v))
				return -EINVAL;
			is->mc_loop = v != 0;
			break;
		case IP_PKTINFO:
		case IP_RECVTTL:
		case IP_RECVTOS:
			if (get_int(val, len, &v))
				return -EINVAL;
			if (name == IP_PKTINFO)
				is->recv_pktinfo = v != 0;
			else if (name == IP_RECVTTL)
				is->recv_ttl = v != 0;
			else
				is->recv_tos = v != 0;
			break;
		default:
			return -ENOPROTOOPT;
		}
		inet_apply_ip_opts(is);
		return 0;
	}
	/* SOL_IPV6 */
	if (is->sk.family != AF_INET6)
		return -ENOPROTOOPT;
	switch (name) {
	case IPV6_V6ONLY:
		if (len < sizeof(int))
			return -EINVAL;
		kos_memcpy(&v, val, sizeof(int));
		if (is->bound)
			return -EINVAL;
		is->v6only = v != 0;
		return 0;
	case IPV6_UNICAST_HOPS:
		if (len < sizeof(int))
			return -EINVAL;
		kos_memcpy(&v, val, sizeof(int));
		if (v < -1 || v > 255)
			return -EINVAL;
		is->ttl = v;
		inet_apply_ip_opts(is);
		return 0;
	case IPV6_TCLASS:
		if (len < sizeof(int))
			return -EINVAL;
		kos_memcpy(&v, val, sizeof(int));
		if (v < -1 || v > 255)
			return -EINVAL;
		is->tos = v < 0 ? 0 : v;
		if (is->sk.type == SOCK_STREAM)
			is->tos &= 0xfc; /* the ECN bits are the stack's */
		inet_apply_ip_opts(is);
		return 0;
	case IPV6_RECVPKTINFO:
		if (len < sizeof(int))
			return -EINVAL;
		kos_memcpy(&v, val, sizeof(int));
		is->recv_pktinfo6 = v != 0;
		return 0;
	case IPV6_RECVHOPLIMIT:
	case IPV6_2292HOPLIMIT:
	case IPV6_RECVTCLASS:
		if (len < sizeof(int))
			return -EINVAL;
		kos_memcpy(&v, val, sizeof(int));
		if (name == IPV6_RECVHOPLIMIT)
			is->recv_hoplimit = v != 0;
		else if (name == IPV6_2292HOPLIMIT)
			is->recv_hoplimit2292 = v != 0;
		else
			is->recv_tclass = v != 0;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int inet_ip_getsockopt(struct inet_sock *is, int level, int name, void *val,
		       unsigned int *len)
{
	if (level == SOL_IP) {
		switch (name) {
		case IP_TTL:
			return put_int(val, len, is->ttl < 0 ? 64 : is->ttl);
		case IP_TOS:
			return put_int(val, len, is->tos);
		case IP_MULTICAST_TTL:
			return put_int(val, len, is->mc_ttl);
		case IP_MULTICAST_LOOP:
			return put_int(val, len, is->mc_loop);
		case IP_PKTINFO:
			return put_int(val, len, is->recv_pktinfo);
		case IP_RECVTTL:
			return put_int(val, len, is->recv_ttl);
		case IP_RECVTOS:
			return put_int(val, len, is->recv_tos);
		default:
			return -ENOPROTOOPT;
		}
	}
	if (is->sk.family != AF_INET6)
		return -EOPNOTSUPP; /* Linux's ip_getsockopt */
	if (*len < sizeof(int))
		return -EINVAL;
	switch (name) {
	case IPV6_V6ONLY:
		return put_int(val, len, is->v6only);
	case IPV6_UNICAST_HOPS:
		return put_int(val, len, is->ttl < 0 ? 64 : is->ttl);
	case IPV6_TCLASS:
		return put_int(val, len, is->tos);
	case IPV6_RECVPKTINFO:
		return put_int(val, len, is->recv_pktinfo6);
	case IPV6_RECVHOPLIMIT:
		return put_int(val, len, is->recv_hoplimit);
	case IPV6_RECVTCLASS:
		return put_int(val, len, is->recv_tclass);
	case IPV6_2292HOPLIMIT:
		return put_int(val, len, is->recv_hoplimit2292);
	default:
		return -ENOPROTOOPT;
	}
}

/* ---- the families ----------------------------------------------------- */

struct list_head inet_all = LIST_HEAD_INIT(inet_all);

static int inet_create(int family, int type, int protocol, struct socket **out)
{
	int icmp = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	const struct sock_ops *ops;
	bool raw = false;

	switch (type) {
	case SOCK_STREAM:
		if (protocol && protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		protocol = IPPROTO_TCP;
		ops = &inet_tcp_ops;
		break;
	case SOCK_DGRAM:
		if (!protocol || protocol == IPPROTO_UDP) {
			protocol = IPPROTO_UDP;
			ops = &inet_dgram_ops;
		} else if (protocol == IPPROTO_UDPLITE) {
			ops = &inet_dgram_ops;
		} else if (protocol == icmp) {
			ops = &inet_dgram_ops;
		} else {
			return -EPROTONOSUPPORT;
		}
		break;
	case SOCK_RAW:
		if (!protocol)
			return -EPROTONOSUPPORT;
		if (!(proc_current()->cred.cap_effective &
		      (1ULL << CAP_NET_RAW)))
			return -EPERM;
		if (protocol != icmp) /* only ICMP raw sockets for now */
			return -EPROTONOSUPPORT;
		ops = &inet_dgram_ops;
		raw = true;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}

	struct inet_sock *is = kzalloc(sizeof(*is));
	int err;

	if (!is)
		return -ENOMEM;
	sock_init(&is->sk, family, type, protocol, ops);
	mutex_init(&is->rx_mutex, "inet-rx");
	mutex_init(&is->tx_mutex, "inet-tx");
	list_init(&is->acceptq);
	list_init(&is->accept_link);
	list_init(&is->dgq);
	is->ttl = -1;
	is->mc_ttl = 1;
	is->mc_loop = true;
	inet_lock();
	if (type == SOCK_STREAM)
		err = inet_tcp_create(is);
	else if (protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE)
		err = inet_udp_create(is);
	else
		err = inet_ping_create(is, raw);
	if (!err) {
		inet_apply_ip_opts(is);
		list_add_tail(&is->all_link, &inet_all);
	}
	inet_unlock();
	if (err) {
		kfree(is);
		return err;
	}
	*out = &is->sk;
	return 0;
}

static int inet4_create(int type, int protocol, struct socket **out)
{
	return inet_create(AF_INET, type, protocol, out);
}

static int inet6_create(int type, int protocol, struct socket **out)
{
	return inet_create(AF_INET6, type, protocol, out);
}

static const struct sock_family inet4_family = {
	.family = AF_INET,
	.create = inet4_create,
};

static const struct sock_family inet6_family = {
	.family = AF_INET6,
	.create = inet6_create,
};

void inet_init(void)
{
	sock_register(&inet4_family);
	sock_register(&inet6_family);
}
