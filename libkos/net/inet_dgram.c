/*
 * Datagram inet sockets: UDP and UDP-Lite (SOCK_DGRAM) on lwIP's
 * udp_pcb, and ICMP
 * echo sockets on a raw_pcb of IPPROTO_ICMP/ICMPV6: Linux's "ping"
 * sockets (SOCK_DGRAM: the kernel owns the echo identifier and fills
 * the checksum; only echo replies for that identifier come back, without
 * the IP header) and raw ICMP sockets (SOCK_RAW, CAP_NET_RAW: every ICMP
 * message that arrives is copied to them, IPv4 ones with their IP
 * header, and what they send goes out as it is, as on Linux).
 * net/inet.c has the design and the locking.
 *
 * Receive.  lwIP's callbacks queue each datagram's pbuf (no copy) with
 * its source on dgq, up to SO_RCVBUF bytes of payload (past it the
 * datagram is dropped, as Linux drops on a full receive queue).  recvmsg
 * takes the first off the queue (MSG_PEEK: a reference to it) under the
 * stack lock and copies it out after dropping the lock.
 *
 * Send.  sendmsg allocates a pbuf of the datagram's size under the
 * stack lock, fills it from user memory without the lock, and sends it.
 * Control messages (IP_TTL and IP_TOS to an IPv4 address, IPV6_HOPLIMIT
 * and IPV6_TCLASS to an IPv6 one) set the pcb's TTL or hop limit and
 * TOS or traffic class for that one send; IP_PKTINFO and IPV6_PKTINFO
 * choose its source address and interface (lwIP's *_sendto_if_src).
 *
 * UDP-Lite (RFC 3828) is lwIP's (LWIP_UDPLITE: pcbs flagged
 * UDP_FLAGS_UDPLITE on the one UDP pcb list, lwIP checks the partial
 * checksum).  KOS adds what Linux does and lwIP does not: a port space
 * of its own (inet_port_check with IPPROTO_UDPLITE; a datagram that
 * lwIP's demultiplexer hands to a pcb of the other protocol is passed
 * to the right one, or answered with a port unreachable), the coverage
 * a send uses (UDPLITE_SEND_CSCOV, with Linux's header length field),
 * and the receiver's minimum coverage (UDPLITE_RECV_CSCOV).
 *
 * ICMP errors.  lwIP tells UDP nothing of the ICMP errors that come
 * back, so two raw pcbs of KOS's own (ICMP and ICMPv6, created with the
 * first UDP socket, never eating the message) look at every one: a
 * port unreachable (Linux's one "hard" error that matters for UDP)
 * quoting a datagram of a connected UDP socket -- its local port, its
 * peer's address and port -- sets that socket's so_error to
 * ECONNREFUSED, which the next recv or send returns (and clears) and
 * poll shows as POLLERR, as Linux does without IP_RECVERR.
 */
#include <kos/kmalloc.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/socket.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/ioctl.h>

#include "inet_internal.h"
#include "lwip/icmp.h"
#include "lwip/icmp6.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/prot/icmp6.h"
#include "lwip/raw.h"
#include "lwip/udp.h"

#define UDP4_MAX_PAYLOAD (65535 - 20 - 8)
#define UDP6_MAX_PAYLOAD (65535 - 8)

static bool is_ping(struct inet_sock *is)
{
	return is->sk.protocol != IPPROTO_UDP &&
	       is->sk.protocol != IPPROTO_UDPLITE;
}

static bool pcb_is_lite(const struct udp_pcb *u)
{
	return u->flags & UDP_FLAGS_UDPLITE;
}

/* ---- the receive queue ------------------------------------------------- */

/* Queue p (now owned here) from ip:port; false if it had to be dropped. */
static bool dgq_add(struct inet_sock *is, struct pbuf *p, const ip_addr_t *ip,
		    uint16_t port)
{
	struct inet_dgram *d;

	if (is->dgq_bytes + p->tot_len > (size_t)is->sk.rcvbuf ||
	    (is->sk.shutdown & RCV_SHUTDOWN) || !(d = kmalloc(sizeof(*d))))
		return false;
	d->p = p;
	ip_addr_copy(d->from, *ip);
	d->port = port;
	d->ttl = 0;
	d->tos = 0;
	ip_addr_copy(d->to, *ip_current_dest_addr());
	d->ifindex = ip_current_input_netif()
			     ? netif_get_index(ip_current_input_netif())
			     : 0;
	if (ip_current_is_v6() == 0 && ip4_current_header()) {
		d->ttl = IPH_TTL(ip4_current_header());
		d->tos = IPH_TOS(ip4_current_header());
	} else if (ip6_current_header()) {
		d->ttl = IP6H_HOPLIM(ip6_current_header());
		d->tos = IP6H_TC(ip6_current_header());
	}
	list_add_tail(&d->link, &is->dgq);
	is->dgq_bytes += p->tot_len;
	is->dgq_count++;
	sock_wake(&is->sk);
	return true;
}

static void dgq_free_one(struct inet_sock *is, struct inet_dgram *d)
{
	list_del(&d->link);
	is->dgq_bytes -= d->p->tot_len;
	is->dgq_count--;
	pbuf_free(d->p);
	kfree(d);
}

static void dgq_free(struct inet_sock *is)
{
	while (!list_empty(&is->dgq))
		dgq_free_one(is, list_first_entry(&is->dgq, struct inet_dgram,
						  link));
}

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p,
			const ip_addr_t *addr, u16_t port);

/* Is u bound to the address dst (its wildcards included)? */
static bool udp_local_match(const struct udp_pcb *u, const ip_addr_t *dst)
{
	if (IP_IS_ANY_TYPE_VAL(u->local_ip))
		return true; /* dual-stack :: */
	if (IP_GET_TYPE(&u->local_ip) != IP_GET_TYPE(dst))
		return false;
	return ip_addr_isany(&u->local_ip) || ip_addr_cmp(&u->local_ip, dst);
}

/*
 * lwIP demultiplexes UDP and UDP-Lite over one list of pcbs, so a
 * datagram can land on a pcb of the other protocol bound to the same
 * port.  Find the socket of the datagram's own protocol (lite) that
 * lwIP would have chosen: connected to the source first, else the first
 * unconnected one, a specific address before a wildcard.
 */
static struct udp_pcb *udp_find(bool lite, const ip_addr_t *src, uint16_t sport,
				uint16_t dport)
{
	const ip_addr_t *dst = ip_current_dest_addr();
	struct udp_pcb *uncon = NULL;

	for (struct udp_pcb *u = udp_pcbs; u; u = u->next) {
		if (pcb_is_lite(u) != lite || u->local_port != dport ||
		    u->recv != udp_recv_cb || !udp_local_match(u, dst))
			continue;
		if (!(u->flags & UDP_FLAGS_CONNECTED)) {
			if (!uncon || !ip_addr_isany(&u->local_ip))
				uncon = u;
			continue;
		}
		if (u->remote_port == sport && ip_addr_cmp(&u->remote_ip, src))
			return u;
	}
	return uncon;
}

/*
 * Linux's receive checks of a UDP-Lite datagram (hdr its header, n the
 * length of header and data): a checksum coverage of 0 is the whole
 * datagram, one below 8 or past the end is dropped (lwIP has checked
 * the checksum over it); one that covers less than all of it is dropped
 * when the socket asked for a minimum (UDPLITE_RECV_CSCOV, 0 meaning
 * "whole datagrams only") that it does not reach.
 */
static bool udplite_accept(struct inet_sock *is, const struct udp_hdr *hdr,
			   size_t n)
{
	size_t cov = lwip_ntohs(hdr->len);

	if (!cov)
		return true;
	if (cov < UDP_HLEN || cov > n)
		return false;
	if (cov == n || !is->lite_recv_cc)
		return true;
	return is->lite_recv_cscov && cov >= is->lite_recv_cscov;
}

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p,
			const ip_addr_t *addr, u16_t port)
{
	struct inet_sock *is = arg;
	bool lite = ip_current_header_proto() == IP_PROTO_UDPLITE;
	/* lwIP took the header off the front of the first pbuf */
	const struct udp_hdr *hdr =
		(const struct udp_hdr *)((const uint8_t *)p->payload -
					 UDP_HLEN);

	if (lite != pcb_is_lite(pcb)) {
		pcb = udp_find(lite, addr, port, lwip_ntohs(hdr->dest));
		if (!pcb) {
			/* nobody of that protocol: port unreachable */
			if (!ip_addr_ismulticast(ip_current_dest_addr()) &&
			    !pbuf_header_force(
				    p, (s16_t)(ip_current_header_tot_len() +
					       UDP_HLEN)))
				icmp_port_unreach(ip_current_is_v6(), p);
			pbuf_free(p);
			return;
		}
		is = pcb->recv_arg;
	}
	if (lite && is && !udplite_accept(is, hdr, p->tot_len + UDP_HLEN)) {
		pbuf_free(p);
		return;
	}
	if (!is || !dgq_add(is, p, addr, port))
		pbuf_free(p);
}

/* An ICMP message arrived (p at its IP header). 1: eaten. */
static u8_t ping_recv_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p,
			 const ip_addr_t *addr)
{
	struct inet_sock *is = arg;
	u16_t hlen = (u16_t)ip_current_header_tot_len();
	uint8_t hdr[8];

	if (!is || p->tot_len < hlen + 8 ||
	    pbuf_copy_partial(p, hdr, 8, hlen) != 8)
		return 0;
	if (is->sk.type == SOCK_RAW) {
		if ((IP_IS_V6(addr) || hdr[0] < 32) &&
		    (is->icmp_filter[hdr[0] >> 5] & (1U << (hdr[0] & 31))))
			return 0; /* ICMP_FILTER / ICMP6_FILTER */
		/* A copy for the raw socket; lwIP goes on with the original. */
		struct pbuf *q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);

		if (!q)
			return 0;
		if (IP_IS_V6(addr))
			pbuf_remove_header(q, hlen); /* as Linux's raw6 */
		if (!dgq_add(is, q, addr, 0))
			pbuf_free(q);
		return 0;
	}
	uint8_t reply = IP_IS_V6(addr) ? ICMPV6_ECHO_REPLY : ICMP_ECHOREPLY;
	uint16_t id = (uint16_t)(hdr[4] << 8 | hdr[5]);

	if (hdr[0] != reply || hdr[1] != 0 || id != is->ping_id)
		return 0;
	if (IP_IS_V6(addr) != (is->sk.family == AF_INET6))
		return 0;
	pbuf_remove_header(p, hlen);
	if (!dgq_add(is, p, addr, 0))
		pbuf_free(p);
	return 1;
}

/* ---- ICMP errors for connected UDP sockets ----------------------------- */

static struct raw_pcb *icmp_err_pcb[2]; /* ICMP, ICMPv6 */

/*
 * The connected UDP socket that sent the datagram an ICMP error quotes
 * (from lport to ip:rport) gets err.
 */
static void udp_icmp_error(bool lite, const ip_addr_t *ip, uint16_t lport,
			   uint16_t rport, int err)
{
	for (struct udp_pcb *u = udp_pcbs; u; u = u->next) {
		struct inet_sock *is = u->recv_arg;

		if (u->recv != udp_recv_cb || !is || pcb_is_lite(u) != lite ||
		    !(u->flags & UDP_FLAGS_CONNECTED) ||
		    u->local_port != lport || u->remote_port != rport ||
		    !ip_addr_cmp(&u->remote_ip, ip))
			continue;
		is->sk.so_error = err;
		sock_wake(&is->sk);
	}
}

/* Every ICMP message (p at its IP header) comes by; never eaten. */
static u8_t icmp_err_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p,
			const ip_addr_t *addr)
{
	u16_t hlen = (u16_t)ip_current_header_tot_len();
	uint8_t b[8 + 40 + 4]; /* ICMP header, quoted IP header, ports */
	ip_addr_t dst;

	(void)arg;
	(void)pcb;
	if (IP_IS_V6(addr)) {
		if (pbuf_copy_partial(p, b, sizeof(b), hlen) != sizeof(b) ||
		    b[0] != ICMP6_TYPE_DUR || b[1] != ICMP6_DUR_PORT ||
		    (b[8 + 6] != IP_PROTO_UDP && b[8 + 6] != IP_PROTO_UDPLITE))
			return 0;
		IP_ADDR6(&dst, 0, 0, 0, 0);
		kos_memcpy(ip_2_ip6(&dst)->addr, b + 8 + 24, 16);
		ip6_addr_clear_zone(ip_2_ip6(&dst));
		udp_icmp_error(b[8 + 6] == IP_PROTO_UDPLITE, &dst,
			       (uint16_t)(b[48] << 8 | b[49]),
			       (uint16_t)(b[50] << 8 | b[51]), ECONNREFUSED);
		return 0;
	}
	u16_t qlen;

	if (pbuf_copy_partial(p, b, 8 + 20, hlen) != 8 + 20 ||
	    b[0] != ICMP_DUR || b[1] != ICMP_DUR_PORT ||
	    (b[8 + 9] != IP_PROTO_UDP && b[8 + 9] != IP_PROTO_UDPLITE))
		return 0;
	qlen = (u16_t)((b[8] & 0xf) * 4);
	if (qlen < 20 ||
	    pbuf_copy_partial(p, b + 8 + 20, 4, hlen + 8 + qlen) != 4)
		return 0;
	IP_ADDR4(&dst, b[8 + 16], b[8 + 17], b[8 + 18], b[8 + 19]);
	udp_icmp_error(b[8 + 9] == IP_PROTO_UDPLITE, &dst,
		       (uint16_t)(b[28] << 8 | b[29]),
		       (uint16_t)(b[30] << 8 | b[31]), ECONNREFUSED);
	return 0;
}

/* The two watchers, once (stack lock held). */
static void icmp_err_start(void)
{
	if (!icmp_err_pcb[0] &&
	    (icmp_err_pcb[0] = raw_new_ip_type(IPADDR_TYPE_V4, IP_PROTO_ICMP)))
		raw_recv(icmp_err_pcb[0], icmp_err_cb, NULL);
	if (!icmp_err_pcb[1] && (icmp_err_pcb[1] = raw_new_ip_type(
					 IPADDR_TYPE_V6, IP6_NEXTH_ICMP6)))
		raw_recv(icmp_err_pcb[1], icmp_err_cb, NULL);
}

/* ---- creation, binding --------------------------------------------------- */

int inet_udp_create(struct inet_sock *is)
{
	u8_t type = is->sk.family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY;
	struct udp_pcb *pcb;

	icmp_err_start();
	pcb = udp_new_ip_type(type);
	if (!pcb)
		return -ENOBUFS;
	pcb->so_options = SOF_REUSEADDR;
	if (is->sk.protocol == IPPROTO_UDPLITE)
		udp_set_flags(pcb, UDP_FLAGS_UDPLITE);
	udp_recv(pcb, udp_recv_cb, is);
	is->pcb.udp = pcb;
	return 0;
}

int inet_ping_create(struct inet_sock *is, bool raw)
{
	u8_t type = is->sk.family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6;
	struct raw_pcb *pcb = raw_new_ip_type(type, (u8_t)is->sk.protocol);

	if (!pcb)
		return -ENOBUFS;
	raw_recv(pcb, ping_recv_cb, is);
	if (type == IPADDR_TYPE_V6 && raw) {
		/* raw ICMPv6: the kernel fills the checksum (Linux's default) */
		pcb->chksum_reqd = 1;
		pcb->chksum_offset = 2;
	}
	is->pcb.raw = pcb;
	return 0;
}

static const ip_addr_t *pcb_local(struct inet_sock *is, uint16_t *port)
{
	if (is_ping(is)) {
		*port = is->ping_id;
		return &is->pcb.raw->local_ip;
	}
	*port = is->pcb.udp->local_port;
	return &is->pcb.udp->local_ip;
}

/* A new echo identifier (the "port" of a ping socket). */
static uint16_t ping_new_id(void)
{
	static uint16_t next = 1;

	if (!++next)
		next = 1;
	return next;
}

/* Bind is to ip:port (0: automatic).  Stack lock held. */
static int dgram_do_bind(struct inet_sock *is, const ip_addr_t *ip,
			 uint16_t port)
{
	if (is_ping(is)) {
		err_t e = raw_bind(is->pcb.raw, ip);

		if (e)
			return -inet_errno(e);
		is->ping_id = port ? port : ping_new_id();
		is->bound = true;
		return 0;
	}
	unsigned int sof = inet_sof(is);
	int err = inet_port_check(is->sk.protocol, is->pcb.udp, ip, &port, sof,
				  false);

	if (err)
		return err;
	is->pcb.udp->so_options =
		inet_so_options(is, is->pcb.udp->so_options) | SOF_REUSEADDR;
	err_t e = udp_bind(is->pcb.udp, ip, port);

	if (e)
		return e == ERR_USE ? -EADDRINUSE : -inet_errno(e);
	is->bound = true;
	return 0;
}

static int dgram_autobind(struct inet_sock *is, const ip_addr_t *dest)
{
	ip_addr_t any;

	if (is->bound)
		return 0;
	inet_any_addr(is, &any);
	if (is->sk.family == AF_INET6 && IP_IS_V4(dest))
		ip_addr_copy(any, *IP4_ADDR_ANY);
	return dgram_do_bind(is, &any, 0);
}

static int dgram_bind(struct socket *s, const struct sockaddr *a,
		      unsigned int len)
{
	struct inet_sock *is = inet_sk(s);
	ip_addr_t ip;
	uint16_t port;
	int err;

	inet_lock();
	err = inet_bind_addr(is, a, len, &ip, &port);
	if (err)
		;
	else if (is_ping(is) && IP_IS_V4(&ip) != (s->family == AF_INET))
		err = -EINVAL;
	else if (is->bound)
		err = -EINVAL;
	else
		err = dgram_do_bind(is, &ip, port);
	inet_unlock();
	return err;
}

/* The destination of a sendto/connect: 0, or -EXXX. */
static int dgram_dest(struct inet_sock *is, const struct sockaddr *a,
		      unsigned int len, ip_addr_t *ip, uint16_t *port)
{
	int err;

	if (is->sk.family == AF_INET) {
		if (len < sizeof(struct sockaddr_in))
			return -EINVAL;
		if (a->sa_family != AF_INET && a->sa_family != AF_UNSPEC)
			return -EAFNOSUPPORT;
	} else {
		if (len < SIN6_LEN_RFC2133)
			return -EINVAL;
		if (a->sa_family != AF_INET6)
			return -EAFNOSUPPORT;
	}
	err = inet_addr_in(is, a, len, ip, port);
	if (err)
		return err;
	if (IP_IS_V4(ip) && is->sk.family == AF_INET6 &&
	    (is->v6only || is_ping(is)))
		return -ENETUNREACH;
	if (ip_addr_isany(ip)) {
		if (IP_IS_V4(ip))
			ip_addr_copy(*ip, inet_loopback4);
		else
			ip_addr_copy(*ip, inet_loopback6);
	}
	return 0;
}

static int dgram_connect(struct socket *s, const struct sockaddr *a,
			 unsigned int len, unsigned int fflags)
{
	struct inet_sock *is = inet_sk(s);
	ip_addr_t ip;
	uint16_t port;
	int err;

	if (len < sizeof(sa_family_t))
		return -EINVAL;
	if (a->sa_family == AF_UNSPEC) {
		inet_lock();
		if (!is_ping(is))
			udp_disconnect(is->pcb.udp);
		is->peer_set = false;
		inet_unlock();
		return 0;
	}
	inet_lock();
	err = dgram_dest(is, a, len, &ip, &port);
	if (!err)
		err = dgram_autobind(is, &ip);
	if (err)
		goto out;
	if (is_ping(is)) {
		raw_connect(is->pcb.raw, &ip);
	} else {
		struct udp_pcb *pcb = is->pcb.udp;
		err_t e = udp_connect(pcb, &ip, port);

		if (e) {
			err = -inet_errno(e);
			goto out;
		}
		/* The source address is chosen now, as Linux does. */
		if (ip_addr_isany(&pcb->local_ip)) {
			struct netif *nif = ip_route(&pcb->local_ip, &ip);

			if (nif) {
				const ip_addr_t *src =
					ip_netif_get_local_ip(nif, &ip);

				if (src)
					ip_addr_copy(pcb->local_ip, *src);
			}
		}
	}
	ip_addr_copy(is->peer, ip);
	is->peer_port = port;
	is->peer_set = true;
	s->shutdown = 0;
out:
	inet_unlock();
	return err;
}

static int dgram_getname(struct socket *s, struct sockaddr_storage *a,
			 bool peer)
{
	struct inet_sock *is = inet_sk(s);
	uint16_t port;
	int ret;

	inet_lock();
	if (peer) {
		ret = is->peer_set
			      ? inet_addr_out(is, &is->peer,
					      is_ping(is) ? 0 : is->peer_port,
					      a)
			      : -ENOTCONN;
	} else {
		const ip_addr_t *ip = pcb_local(is, &port);

		ret = inet_addr_out(is, ip, is->bound ? port : 0, a);
	}
	inet_unlock();
	return ret;
}

static int dgram_shutdown(struct socket *s, int how)
{
	struct inet_sock *is = inet_sk(s);
	int err = 0;

	inet_lock();
	if (!is->peer_set)
		err = -ENOTCONN;
	s->shutdown |= (unsigned int)how + 1;
	sock_wake(s);
	inet_unlock();
	return err;
}

/* ---- data ------------------------------------------------------------ */

static bool dgram_rx_ready(void *arg)
{
	struct inet_sock *is = arg;

	return is->dgq_count || is->sk.so_error ||
	       (is->sk.shutdown & RCV_SHUTDOWN);
}

static ssize_t dgram_recvmsg(struct socket *s, struct sock_msg *m,
			     unsigned int fflags)
{
	struct inet_sock *is = inet_sk(s);
	unsigned int flags = m->flags;
	bool peek = flags & MSG_PEEK;
	struct inet_dgram *d;
	ssize_t ret;
	int err;

	m->flags = 0;
	m->namelen = 0;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	mutex_lock(&is->rx_mutex);
	inet_lock();
	for (;;) {
		if (is->dgq_count)
			break;
		if (s->so_error) {
			ret = -s->so_error;
			s->so_error = 0;
			goto out;
		}
		if (s->shutdown & RCV_SHUTDOWN) {
			ret = 0;
			goto out;
		}
		if (inet_nonblock(fflags, flags)) {
			ret = -EAGAIN;
			goto out;
		}
		err = inet_wait(is, dgram_rx_ready, is, sock_rcv_deadline(s));
		if (err) {
			ret = err;
			goto out;
		}
	}
	d = list_first_entry(&is->dgq, struct inet_dgram, link);
	if (peek)
		pbuf_ref(d->p);
	else
		list_del(&d->link);
	if (!peek) {
		is->dgq_bytes -= d->p->tot_len;
		is->dgq_count--;
	}
	inet_unlock();

	size_t len = d->p->tot_len;
	size_t n = MIN(len, m->uio->resid);

	err = inet_pbuf_copyout(m->uio, d->p, 0, n);
	if (!err) {
		ret = (flags & MSG_TRUNC) ? (ssize_t)len : (ssize_t)n;
		if (n < len)
			m->flags |= MSG_TRUNC;
		{
			int l = inet_addr_out(is, &d->from, d->port, &m->name);

			m->namelen = l > 0 ? (unsigned int)l : 0;
		}
		/* in Linux's order: IP_PKTINFO, IP_TTL, IP_TOS */
		if (is->recv_pktinfo && IP_IS_V4(&d->to)) {
			struct in_pktinfo pi = {
				.ipi_ifindex = d->ifindex,
				.ipi_spec_dst = { ip_2_ip4(&d->to)->addr },
				.ipi_addr = { ip_2_ip4(&d->to)->addr },
			};

			sock_put_cmsg(m, SOL_IP, IP_PKTINFO, &pi, sizeof(pi));
		}
		if (is->recv_ttl && is->sk.family == AF_INET) {
			int ttl = d->ttl;

			sock_put_cmsg(m, SOL_IP, IP_TTL, &ttl, sizeof(ttl));
		}
		/* IPv6: IPV6_PKTINFO, then the hop limit, as Linux */
		if (is->sk.family == AF_INET6 && is->recv_pktinfo6) {
			struct in6_pktinfo pi;

			kos_memset(&pi, 0, sizeof(pi));
			pi.ipi6_ifindex = (int)d->ifindex;
			if (IP_IS_V4(&d->to)) {
				pi.ipi6_addr.s6_addr32[2] = PP_HTONL(0xffff);
				pi.ipi6_addr.s6_addr32[3] =
					ip_2_ip4(&d->to)->addr;
			} else {
				kos_memcpy(pi.ipi6_addr.s6_addr32,
					   ip_2_ip6(&d->to)->addr, 16);
			}
			sock_put_cmsg(m, SOL_IPV6, IPV6_PKTINFO, &pi,
				      sizeof(pi));
		}
		/*
		 * Then RFC 3542's hop limit and traffic class and RFC 2292's
		 * hop limit, as Linux; an IPv4 datagram gets none of them.
		 */
		if (is->sk.family == AF_INET6 && IP_IS_V6(&d->to)) {
			int hops = d->ttl, tclass = d->tos;

			if (is->recv_hoplimit)
				sock_put_cmsg(m, SOL_IPV6, IPV6_HOPLIMIT, &hops,
					      sizeof(hops));
			if (is->recv_tclass)
				sock_put_cmsg(m, SOL_IPV6, IPV6_TCLASS, &tclass,
					      sizeof(tclass));
			if (is->recv_hoplimit2292)
				sock_put_cmsg(m, SOL_IPV6, IPV6_2292HOPLIMIT,
					      &hops, sizeof(hops));
		}
		if (is->recv_tos && is->sk.family == AF_INET) {
			uint8_t tos = d->tos;

			sock_put_cmsg(m, SOL_IP, IP_TOS, &tos, sizeof(tos));
		}
	} else {
		ret = err;
	}
	inet_lock();
	if (peek) {
		pbuf_free(d->p);
	} else {
		pbuf_free(d->p);
		kfree(d);
	}
out:
	inet_unlock();
	mutex_unlock(&is->rx_mutex);
	return ret;
}

static bool is_broadcast(const ip_addr_t *ip)
{
	struct netif *nif;

	if (!IP_IS_V4(ip))
		return false;
	if (ip_2_ip4(ip)->addr == IPADDR_BROADCAST)
		return true;
	NETIF_FOREACH(nif)
	{
		if (ip4_addr_isbroadcast(ip_2_ip4(ip), nif))
			return true;
	}
	return false;
}

/* What a send's control messages ask for beyond the socket's settings. */
struct dgram_ctl {
	int hops, tclass; /* TTL or hop limit, TOS or class; -1: the socket's */
	int ifindex;	  /* IP(V6)_PKTINFO's interface; 0: the route's */
	ip_addr_t src;	  /* IP(V6)_PKTINFO's source; any: the usual */
};

/*
 * The SOL_IPV6 control messages of a send from an AF_INET6 socket to an
 * IPv6 address, as Linux's ip6_datagram_send_ctl checks them: an
 * IPV6_HOPLIMIT or IPV6_2292HOPLIMIT (-1: the socket's) and an
 * IPV6_TCLASS (-1 is taken as it is, which Linux sends as 0xff) of
 * exactly one int, -1..255; IPV6_PKTINFO (or IPV6_2292PKTINFO) of at
 * least a struct in6_pktinfo, its interface and source address checked
 * later (dgram_pktinfo); every other SOL_IPV6 type Linux knows is
 * accepted and ignored (IPV6_FLOWINFO, the extension headers,
 * IPV6_DONTFRAG: not done), an unknown one is -EINVAL.  Other levels
 * are skipped.
 */
static int dgram_cmsg6(struct sock_msg *m, struct dgram_ctl *ctl)
{
	for (struct cmsghdr *c = cmsg_first(m); c; c = cmsg_next(m, c)) {
		struct in6_pktinfo pi;
		int v;

		if (c->cmsg_level != SOL_IPV6)
			continue;
		switch (c->cmsg_type) {
		case IPV6_HOPLIMIT:
		case IPV6_2292HOPLIMIT:
		case IPV6_TCLASS:
			if (cmsg_datalen(c) != sizeof(int))
				return -EINVAL;
			kos_memcpy(&v, cmsg_data(c), sizeof(int));
			if (v < -1 || v > 255)
				return -EINVAL;
			if (c->cmsg_type == IPV6_TCLASS)
				ctl->tclass = v & 0xff;
			else
				ctl->hops = v;
			break;
		case IPV6_PKTINFO:
		case IPV6_2292PKTINFO:
			if (cmsg_datalen(c) < sizeof(pi))
				return -EINVAL;
			kos_memcpy(&pi, cmsg_data(c), sizeof(pi));
			ctl->ifindex = (int)pi.ipi6_ifindex;
			IP_SET_TYPE_VAL(ctl->src, IPADDR_TYPE_V6);
			kos_memcpy(ip_2_ip6(&ctl->src)->addr, &pi.ipi6_addr,
				   16);
			ip6_addr_clear_zone(ip_2_ip6(&ctl->src));
			break;
		case IPV6_FLOWINFO:
		case IPV6_2292HOPOPTS:
		case IPV6_HOPOPTS:
		case IPV6_2292DSTOPTS:
		case IPV6_RTHDRDSTOPTS:
		case IPV6_DSTOPTS:
		case IPV6_2292RTHDR:
		case IPV6_RTHDR:
		case IPV6_DONTFRAG:
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The SOL_IP control messages of a send to an IPv4 address (from either
 * family), as Linux's ip_cmsg_send checks them: IP_TTL (exactly an int,
 * 1..255) and IP_TOS (an int or a byte, 0..255) for this datagram;
 * IP_PKTINFO must be exactly a struct in_pktinfo, whose ipi_ifindex and
 * ipi_spec_dst choose the interface and source (checked later, by
 * dgram_pktinfo; ipi_addr is not used on send); IP_PROTOCOL must be an
 * int 1..255 and is ignored, as is IP_RETOPTS (IP options: not done);
 * any other SOL_IP type is -EINVAL.  Other levels are skipped.
 */
static int dgram_cmsg4(struct sock_msg *m, struct dgram_ctl *ctl)
{
	for (struct cmsghdr *c = cmsg_first(m); c; c = cmsg_next(m, c)) {
		size_t n = cmsg_datalen(c);
		struct in_pktinfo pi;
		int v = 0;

		if (c->cmsg_level != SOL_IP)
			continue;
		switch (c->cmsg_type) {
		case IP_TTL:
		case IP_PROTOCOL:
			if (n != sizeof(int))
				return -EINVAL;
			kos_memcpy(&v, cmsg_data(c), sizeof(int));
			if (v < 1 || v > 255)
				return -EINVAL;
			if (c->cmsg_type == IP_TTL)
				ctl->hops = v;
			break;
		case IP_TOS:
			if (n == sizeof(int))
				kos_memcpy(&v, cmsg_data(c), sizeof(int));
			else if (n == 1)
				v = *(const uint8_t *)cmsg_data(c);
			else
				return -EINVAL;
			if (v < 0 || v > 255)
				return -EINVAL;
			ctl->tclass = v;
			break;
		case IP_PKTINFO:
			if (n != sizeof(pi))
				return -EINVAL;
			kos_memcpy(&pi, cmsg_data(c), sizeof(pi));
			ctl->ifindex = pi.ipi_ifindex;
			ip_addr_set_ip4_u32(&ctl->src, pi.ipi_spec_dst.s_addr);
			break;
		case IP_RETOPTS:
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The interface and source address that IP(V6)_PKTINFO asks for, to
 * dst, checked as Linux checks them (stack lock held).  *nif stays NULL
 * when the message asked for neither: the pcb's usual route.  IPv4: a
 * multicast or broadcast source is -EINVAL, an unknown interface
 * -ENODEV, a source that is not the host's -ENETUNREACH (as Linux's
 * route lookup).  IPv6: an unknown interface is -ENODEV, a link-local
 * source without an interface or a source that is not the host's
 * (on that interface when link-local) -EINVAL.  Then no route to dst
 * is -ENETUNREACH.  The source is the one asked for, else the socket's
 * bound address, else the interface's (IPv6: lwIP's choice for dst).
 */
static int dgram_pktinfo(struct inet_sock *is, const struct dgram_ctl *ctl,
			 const ip_addr_t *dst, struct netif **nif,
			 ip_addr_t *src)
{
	const ip_addr_t *local =
		is_ping(is) ? &is->pcb.raw->local_ip : &is->pcb.udp->local_ip;
	bool v4 = IP_IS_V4(dst), have = !ip_addr_isany(&ctl->src);

	*nif = NULL;
	if (!ctl->ifindex && !have)
		return 0;
	if (have && v4) {
		uint32_t a = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&ctl->src)));

		if (ip4_addr_ismulticast(ip_2_ip4(&ctl->src)) ||
		    a == 0xffffffffU)
			return -EINVAL;
	}
	if (ctl->ifindex) {
		if (ctl->ifindex < 0 || ctl->ifindex > 255 ||
		    !(*nif = netif_get_by_index((u8_t)ctl->ifindex)))
			return -ENODEV;
	}
	if (have) {
		bool ll = !v4 && ip6_addr_islinklocal(ip_2_ip6(&ctl->src));

		if (ll && !*nif)
			return -EINVAL;
		if (!inet_addr_is_local(&ctl->src, ll ? *nif : NULL, false))
			return v4 ? -ENETUNREACH : -EINVAL;
		ip_addr_copy(*src, ctl->src);
	} else {
		ip_addr_copy(*src, *local);
	}
	if (!*nif)
		*nif = ip_route(src, dst);
	if (!*nif)
		return -ENETUNREACH;
	if (!ip_addr_isany(src) && !ip_addr_ismulticast(src))
		return 0;
	if (v4) {
		ip_addr_copy(*src, *netif_ip_addr4(*nif));
	} else {
		const ip_addr_t *a =
			ip6_select_source_address(*nif, ip_2_ip6(dst));

		if (!a)
			return -ENETUNREACH;
		ip_addr_copy(*src, *a);
	}
	return 0;
}

/*
 * Send p to ip:port with a TTL (hop limit) and TOS (traffic class) for
 * this one datagram (-1: the socket's), set on the pcb around the call;
 * from src through nif when nif is set (IP(V6)_PKTINFO).
 */
static err_t dgram_send_pcb(struct inet_sock *is, struct pbuf *p,
			    const ip_addr_t *ip, uint16_t port,
			    const struct dgram_ctl *ctl, struct netif *nif,
			    const ip_addr_t *src)
{
	struct udp_pcb *u = is_ping(is) ? NULL : is->pcb.udp;
	struct raw_pcb *r = is_ping(is) ? is->pcb.raw : NULL;
	u8_t *ttl = u ? &u->ttl : &r->ttl, *tos = u ? &u->tos : &r->tos;
	u8_t *mttl = u ? &u->mcast_ttl : &r->mcast_ttl;
	u8_t ttl0 = *ttl, tos0 = *tos, mttl0 = *mttl;
	err_t e;

	if (u && pcb_is_lite(u)) {
		/*
		 * UDP-Lite's coverage, as Linux: UDPLITE_SEND_CSCOV when set
		 * and shorter than header and data (0: the whole, with 0 in
		 * the header), else the whole with its length in the header.
		 */
		u16_t n = (u16_t)(p->tot_len + UDP_HLEN);

		u->chksum_len_tx = is->lite_send_cc && is->lite_send_cscov < n
					   ? is->lite_send_cscov
					   : n;
	}
	if (ctl->hops >= 0)
		*ttl = *mttl = (u8_t)ctl->hops;
	if (ctl->tclass >= 0)
		*tos = (u8_t)ctl->tclass;
	if (nif)
		e = u ? udp_sendto_if_src(u, p, ip, port, nif, src)
		      : raw_sendto_if_src(r, p, ip, nif, src);
	else
		e = u ? udp_sendto(u, p, ip, port) : raw_sendto(r, p, ip);
	*ttl = ttl0;
	*tos = tos0;
	*mttl = mttl0;
	return e;
}

static ssize_t dgram_sendmsg(struct socket *s, struct sock_msg *m,
			     unsigned int fflags)
{
	struct inet_sock *is = inet_sk(s);
	size_t len = m->uio->resid;
	size_t max = s->family == AF_INET ? UDP4_MAX_PAYLOAD : UDP6_MAX_PAYLOAD;
	struct dgram_ctl ctl = { .hops = -1, .tclass = -1, .ifindex = 0 };
	struct netif *nif = NULL;
	ip_addr_t ip, src;
	uint16_t port = 0;
	struct pbuf *p;
	int err;
	err_t e;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->namelen) {
		inet_lock();
		err = dgram_dest(is, (struct sockaddr *)&m->name, m->namelen,
				 &ip, &port);
		inet_unlock();
		if (err)
			return err;
		if (!port && !is_ping(is))
			return -EINVAL;
	}
	if (is_ping(is)) {
		if (s->type == SOCK_DGRAM && len < 8)
			return -EINVAL;
		max = 65535 - (s->family == AF_INET ? 20 : 40);
	}
	if (len > max)
		return -EMSGSIZE;
	mutex_lock(&is->tx_mutex);
	inet_lock();
	if (s->so_error) {
		err = -s->so_error;
		s->so_error = 0;
		goto out;
	}
	if (s->shutdown & SEND_SHUTDOWN) {
		err = -EPIPE;
		goto out;
	}
	if (!m->namelen) {
		if (!is->peer_set) {
			err = -EDESTADDRREQ;
			goto out;
		}
		ip_addr_copy(ip, is->peer);
		port = is->peer_port;
	}
	if (m->ctl_len) {
		ip_addr_set_zero(&ctl.src);
		if (IP_IS_V4(&ip))
			err = dgram_cmsg4(m, &ctl);
		else
			err = dgram_cmsg6(m, &ctl);
		if (err)
			goto out;
	}
	if (is_broadcast(&ip) && !s->broadcast) {
		err = -EACCES;
		goto out;
	}
	err = dgram_autobind(is, &ip);
	if (!err && m->ctl_len)
		err = dgram_pktinfo(is, &ctl, &ip, &nif, &src);
	if (err)
		goto out;
	p = pbuf_alloc(is_ping(is) ? PBUF_IP : PBUF_TRANSPORT, (u16_t)len,
		       PBUF_RAM);
	if (!p) {
		err = -ENOBUFS;
		goto out;
	}
	inet_unlock();
	err = uio_copyin(m->uio, p->payload, len);
	inet_lock();
	if (err) {
		pbuf_free(p);
		goto out;
	}
	if (is_ping(is)) {
		uint8_t *h = p->payload;

		if (s->type == SOCK_DGRAM) {
			uint8_t echo = s->family == AF_INET
					       ? ICMP_ECHO
					       : ICMPV6_ECHO_REQUEST;

			if (h[0] != echo || h[1] != 0) {
				pbuf_free(p);
				err = -EINVAL;
				goto out;
			}
			h[4] = (uint8_t)(is->ping_id >> 8);
			h[5] = (uint8_t)is->ping_id;
			h[2] = h[3] = 0;
			if (s->family == AF_INET) {
				u16_t sum = inet_chksum(h, (u16_t)len);

				kos_memcpy(h + 2, &sum, 2);
			} else {
				is->pcb.raw->chksum_reqd = 1;
				is->pcb.raw->chksum_offset = 2;
			}
		}
	}
	e = dgram_send_pcb(is, p, &ip, port, &ctl, nif, &src);
	pbuf_free(p);
	err = e ? -inet_errno(e) : (int)len;
out:
	inet_unlock();
	mutex_unlock(&is->tx_mutex);
	if (err == -EPIPE)
		sock_sigpipe(m->flags);
	return err;
}

/* ---- readiness, ioctls, options ---------------------------------------- */

static unsigned int dgram_poll(struct socket *s, struct poll_table *pt)
{
	struct inet_sock *is = inet_sk(s);
	unsigned int mask = POLLOUT | POLLWRNORM | POLLWRBAND;

	poll_wait(pt, &s->wq);
	inet_lock();
	if (is->dgq_count)
		mask |= POLLIN | POLLRDNORM;
	if (s->so_error)
		mask |= POLLERR;
	if (s->shutdown & RCV_SHUTDOWN)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (s->shutdown == (RCV_SHUTDOWN | SEND_SHUTDOWN))
		mask |= POLLHUP;
	inet_unlock();
	return mask;
}

static long dgram_ioctl(struct socket *s, unsigned int cmd, unsigned long arg)
{
	struct inet_sock *is = inet_sk(s);
	int v = 0;

	switch (cmd) {
	case SIOCINQ:
		/* Linux: the size of the next datagram */
		inet_lock();
		if (is->dgq_count)
			v = list_first_entry(&is->dgq, struct inet_dgram, link)
				    ->p->tot_len;
		inet_unlock();
		break;
	case SIOCOUTQ:
		v = 0; /* sent at once */
		break;
	default:
		return -ENOTTY;
	}
	return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}

/*
 * SOL_UDP / SOL_UDPLITE (either level, as Linux): UDP-Lite's checksum
 * coverage, 1-7 taken as 8, above 65535 as 65535 (ENOPROTOOPT on UDP).
 * KOS has none of UDP's own options (UDP_CORK, UDP_SEGMENT, UDP_GRO,
 * UDP_ENCAP...): ENOPROTOOPT.
 */
static int udp_setsockopt(struct inet_sock *is, int name, const void *val,
			  unsigned int len)
{
	int v;

	if (len < sizeof(int))
		return -EINVAL;
	kos_memcpy(&v, val, sizeof(int));
	if ((name != UDPLITE_SEND_CSCOV && name != UDPLITE_RECV_CSCOV) ||
	    is->sk.protocol != IPPROTO_UDPLITE)
		return -ENOPROTOOPT;
	if (v != 0 && v < 8)
		v = 8;
	else if (v > 65535)
		v = 65535;
	inet_lock();
	if (name == UDPLITE_SEND_CSCOV) {
		is->lite_send_cscov = (uint16_t)v;
		is->lite_send_cc = true;
	} else {
		is->lite_recv_cscov = (uint16_t)v;
		is->lite_recv_cc = true;
	}
	inet_unlock();
	return 0;
}

static int dgram_setsockopt(struct socket *s, int level, int name,
			    const void *val, unsigned int len)
{
	struct inet_sock *is = inet_sk(s);
	int v, err;

	if (level == SOL_SOCKET) {
		if (len < sizeof(int))
			return -ENOPROTOOPT;
		kos_memcpy(&v, val, sizeof(int));
		inet_lock();
		if (!is_ping(is)) {
			struct udp_pcb *pcb = is->pcb.udp;
			unsigned int bit = 0;

			if (name == SO_REUSEADDR)
				bit = INET_SOF_REUSEADDR;
			else if (name == SO_REUSEPORT)
				bit = INET_SOF_REUSEPORT;
			else if (name == SO_BROADCAST)
				bit = SOF_BROADCAST;
			if (bit && v)
				pcb->so_options |= bit;
			else if (bit)
				pcb->so_options &= ~bit;
		} else if (name == SO_BROADCAST) {
			if (v)
				ip_set_option(is->pcb.raw, SOF_BROADCAST);
			else
				ip_reset_option(is->pcb.raw, SOF_BROADCAST);
		}
		inet_unlock();
		return -ENOPROTOOPT;
	}
	if (level == SOL_IP || level == SOL_IPV6) {
		inet_lock();
		err = inet_ip_setsockopt(is, level, name, val, len);
		inet_unlock();
		return err;
	}
	if ((level == SOL_UDP || level == SOL_UDPLITE) && !is_ping(is))
		return udp_setsockopt(is, name, val, len);
	if (level == SOL_RAW && name == IPV6_CHECKSUM && s->type == SOCK_RAW &&
	    s->family == AF_INET6)
		return -EINVAL; /* ICMPv6 always has its checksum filled */
	if (s->type == SOCK_RAW &&
	    ((level == SOL_RAW && name == ICMP_FILTER) ||
	     (level == SOL_ICMPV6 && name == ICMP6_FILTER))) {
		size_t room = s->family == AF_INET ? 4 : 32;

		if ((s->family == AF_INET) != (level == SOL_RAW))
			return -EOPNOTSUPP;
		inet_lock();
		kos_memset(is->icmp_filter, 0, sizeof(is->icmp_filter));
		kos_memcpy(is->icmp_filter, val, MIN((size_t)len, room));
		inet_unlock();
		return 0;
	}
	return -ENOPROTOOPT;
}

static int dgram_getsockopt(struct socket *s, int level, int name, void *val,
			    unsigned int *len)
{
	struct inet_sock *is = inet_sk(s);
	int err;

	if (level == SOL_IP || level == SOL_IPV6) {
		inet_lock();
		err = inet_ip_getsockopt(is, level, name, val, len);
		inet_unlock();
		return err;
	}
	if ((level == SOL_UDP || level == SOL_UDPLITE) && !is_ping(is)) {
		int v;

		if (name == UDPLITE_SEND_CSCOV)
			v = is->lite_send_cscov;
		else if (name == UDPLITE_RECV_CSCOV)
			v = is->lite_recv_cscov;
		else
			return -ENOPROTOOPT;
		/* Linux copies min(len, sizeof(int)) bytes, 0 for UDP */
		*len = MIN(*len, (unsigned int)sizeof(int));
		kos_memcpy(val, &v, *len);
		return 0;
	}
	if (s->type == SOCK_RAW &&
	    ((level == SOL_RAW && name == ICMP_FILTER) ||
	     (level == SOL_ICMPV6 && name == ICMP6_FILTER))) {
		if ((s->family == AF_INET) != (level == SOL_RAW))
			return -EOPNOTSUPP;
		*len = MIN(*len, s->family == AF_INET ? 4U : 32U);
		inet_lock();
		kos_memcpy(val, is->icmp_filter, *len);
		inet_unlock();
		return 0;
	}
	return -ENOPROTOOPT;
}

static void dgram_release(struct socket *s)
{
	struct inet_sock *is = inet_sk(s);

	inet_lock();
	if (is_ping(is)) {
		raw_recv(is->pcb.raw, NULL, NULL);
		raw_remove(is->pcb.raw);
	} else {
		udp_recv(is->pcb.udp, NULL, NULL);
		udp_remove(is->pcb.udp);
	}
	is->pcb.any = NULL;
	dgq_free(is);
	list_del(&is->all_link);
	inet_unlock();
	sock_put(s, inet_free);
}

/* UDP, ping and raw ICMP sockets: the code looks at is's protocol. */
const struct sock_ops inet_dgram_ops = {
	.bind = dgram_bind,
	.connect = dgram_connect,
	.getname = dgram_getname,
	.shutdown = dgram_shutdown,
	.sendmsg = dgram_sendmsg,
	.recvmsg = dgram_recvmsg,
	.poll = dgram_poll,
	.setsockopt = dgram_setsockopt,
	.getsockopt = dgram_getsockopt,
	.ioctl = dgram_ioctl,
	.release = dgram_release,
};
