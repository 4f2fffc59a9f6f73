/*
 * /proc/net: the network's state as Linux's text files, for netstat,
 * ss-like tools and scripts (docs/net.md, "/proc/net").
 *
 * procfs (fs/procfs.c) owns the directories (/proc/net is a link to
 * self/net, /proc/<pid>/net holds the same files for every process, as
 * one network namespace would) and asks net_proc_show() for a file's
 * whole text each time it is read.  This file only formats; it reads:
 *
 *	tcp, tcp6	lwIP's TCP pcb lists (listening, then active, then
 *			TIME_WAIT), each pcb with the socket behind it
 *			(callback_arg) when there is one: connections
 *			that outlived their socket (FIN_WAIT, TIME_WAIT)
 *			show inode 0, as Linux's orphans do.  A pcb goes
 *			to tcp6 when its socket is AF_INET6 (IPv4 peers
 *			of a dual-stack socket as ::ffff:a.b.c.d), and
 *			by its address type when it has no socket.
 *	udp, udp6,	the list of inet sockets (inet_all), bound ones
 *	udplite,	only, as Linux lists only hashed sockets; UDP in
 *	udplite6,	udp*, UDP-Lite in udplite*, SOCK_RAW ICMP in raw*
 *	raw, raw6	(ping sockets are Linux's /proc/net/icmp, not
 *			provided).
 *	unix		unix_for_each() (net/unix.c).
 *	dev		the netdev registry's counters.
 *	route		the IPv4 routes as net/netlink.c derives them:
 *			each Ethernet interface that is up with an
 *			address, its subnet, and the default route
 *			through lwIP's default netif and its gateway
 *			(lo's routes live in Linux's local table, which
 *			this file does not show either).
 *	if_inet6	every valid IPv6 address of every interface.
 *
 * Formats are Linux's to the column: the same headers and widths, the
 * lines of tcp, udp and route padded with blanks to 149, 127 and 127
 * characters, IPv4 addresses as the 32-bit network-order word printed
 * as a host integer (127.0.0.1 is 0100007F on x86), IPv6 addresses as
 * four such words, ports in host order, Linux's TCP state numbers, and
 * socket inode numbers equal to the sockets' st_ino, so that a tool can
 * find a socket's owner through /proc/<pid>/fd/N -> "socket:[ino]".
 * Kernel pointers print as zeros (kptr_restrict).  Fields lwIP has no
 * equivalent for are approximated and said so where they are made.
 *
 * Locking.  TCP, UDP, raw, route and if_inet6 are generated under the
 * stack lock (inet_lock()), which guards lwIP, every inet socket and
 * inet_all; unix under unix_lock (inside unix_for_each); dev under the
 * netdev registry's lock (netdev_next) and reads the counters without
 * one (a torn 64-bit count cannot happen on x86-64).  The text goes to
 * the caller's sink while the lock is held: the sink may allocate but
 * must not take any network lock.
 */
#include <kos/file.h>
#include <kos/netdev.h>
#include <kos/socket.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <stdarg.h>
#include <uapi/socket.h>

#include "inet_internal.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "net_internal.h"

/* Line widths of the padded files (Linux's seq_setwidth). */
#define TCP4_WIDTH 149
#define UDP4_WIDTH 127
#define ROUTE_WIDTH 127

/* USER_HZ: timers print in 1/100 s. */
#define CLOCK_MS 10

/* Linux's TCP_* states, the "st" column. */
enum {
	LX_ESTABLISHED = 1,
	LX_SYN_SENT,
	LX_SYN_RECV,
	LX_FIN_WAIT1,
	LX_FIN_WAIT2,
	LX_TIME_WAIT,
	LX_CLOSE,
	LX_CLOSE_WAIT,
	LX_LAST_ACK,
	LX_LISTEN,
	LX_CLOSING,
};

struct out {
	void (*sink)(void *ctx, const char *t, size_t n);
	void *ctx;
	char line[256];
	size_t len; /* of line */
};

/* Append to the current line. */
static void out_printf(struct out *o, const char *fmt, ...) __printf(2, 3);
static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kos_vsnprintf(o->line + o->len, sizeof(o->line) - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = MIN(o->len + (size_t)n, sizeof(o->line) - 1);
}

/* End the line: blanks up to width (0: none), "\n", out to the sink. */
static void out_end(struct out *o, size_t width)
{
	while (o->len < width && o->len < sizeof(o->line) - 2)
		o->line[o->len++] = ' ';
	o->line[o->len++] = '\n';
	o->sink(o->ctx, o->line, o->len);
	o->len = 0;
}

/* ---- addresses ---------------------------------------------------------- */

/* An address as the 32-bit word Linux prints for IPv4. */
static uint32_t word4(const ip_addr_t *ip)
{
	if (IP_IS_V4_VAL(*ip))
		return ip_2_ip4(ip)->addr;
	return 0;
}

/*
 * An address as the IPv6 files (tcp6...) print it: four words; IPv4 as
 * ::ffff:a.b.c.d except the IPv4 any address (a dual-stack "::").
 */
static void out_addr6(struct out *o, const ip_addr_t *ip, uint16_t port)
{
	uint32_t w[4] = { 0, 0, 0, 0 };

	if (IP_IS_V6_VAL(*ip)) {
		kos_memcpy(w, ip_2_ip6(ip)->addr, sizeof(w));
	} else if (IP_IS_V4_VAL(*ip) && ip_2_ip4(ip)->addr) {
		w[2] = 0xffff0000; /* bytes 00 00 ff ff */
		w[3] = ip_2_ip4(ip)->addr;
	}
	out_printf(o, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3], port);
}

static void out_addr(struct out *o, bool v6, const ip_addr_t *ip, uint16_t port)
{
	if (v6)
		out_addr6(o, ip, port);
	else
		out_printf(o, "%08X:%04X", word4(ip), port);
}

/* The owner of a socket's file (Linux's sock_i_uid), 0 without one. */
static unsigned int sock_uid(struct inet_sock *is)
{
	if (is && is->sk.file && is->sk.file->vnode)
		return is->sk.file->vnode->uid;
	return 0;
}

/* A socket's inode for the tables: 0 while it has no file (accept queue). */
static unsigned long sock_ino(struct inet_sock *is)
{
	return is && is->sk.file ? is->sk.ino : 0;
}

/* ---- tcp, tcp6 ---------------------------------------------------------- */

static int tcp_lx_state(enum tcp_state st)
{
	static const uint8_t map[] = {
		[CLOSED] = LX_CLOSE,
		[LISTEN] = LX_LISTEN,
		[SYN_SENT] = LX_SYN_SENT,
		[SYN_RCVD] = LX_SYN_RECV,
		[ESTABLISHED] = LX_ESTABLISHED,
		[FIN_WAIT_1] = LX_FIN_WAIT1,
		[FIN_WAIT_2] = LX_FIN_WAIT2,
		[CLOSE_WAIT] = LX_CLOSE_WAIT,
		[CLOSING] = LX_CLOSING,
		[LAST_ACK] = LX_LAST_ACK,
		[TIME_WAIT] = LX_TIME_WAIT,
	};

	return (unsigned int)st < ARRAY_SIZE(map) ? map[st] : LX_CLOSE;
}

/* Does this pcb belong in tcp6 (true) or tcp? */
static bool tcp_is_v6(void *arg, const ip_addr_t *local)
{
	struct inet_sock *is = arg;

	if (is)
		return is->sk.family == AF_INET6;
	return !IP_IS_V4_VAL(*local);
}

/* Milliseconds as clock ticks, never negative. */
static unsigned long ms_clock(long ms)
{
	return ms > 0 ? (unsigned long)ms / CLOCK_MS : 0;
}

static void tcp_listener(struct out *o, int sl, bool v6,
			 struct tcp_pcb_listen *lp)
{
	struct inet_sock *is = lp->callback_arg;
	ip_addr_t any = IPADDR4_INIT(0);

	out_printf(o, "%4d: ", sl);
	out_addr(o, v6, &lp->local_ip, lp->local_port);
	out_printf(o, " ");
	out_addr(o, v6, &any, 0);
	/*
	 * Linux: rx_queue the accept queue's length, tx_queue 0 (nothing
	 * written); rto 1 s, cwnd 10 as a fresh socket has.
	 */
	out_printf(o,
		   " %02X %08X:%08X 00:00000000 00000000 %5u %8d %lu 1 "
		   "0000000000000000 100 0 0 10 0",
		   LX_LISTEN, 0U, is ? is->acceptq_len : 0, sock_uid(is), 0,
		   sock_ino(is));
	out_end(o, v6 ? 0 : TCP4_WIDTH);
}

static void tcp_conn(struct out *o, int sl, bool v6, struct tcp_pcb *pcb)
{
	struct inet_sock *is = pcb->callback_arg;
	unsigned int tx = pcb->snd_lbb - pcb->lastack;
	unsigned int rx = is ? (unsigned int)is->rx_len : 0;
	unsigned long when = 0;
	int tr = 0, ssthresh = -1;
	long age = (long)(uint32_t)(tcp_ticks - pcb->tmr) * TCP_SLOW_INTERVAL;

	if (pcb->refused_data)
		rx += pcb->refused_data->tot_len;
	/*
	 * Timers: 1 retransmission (sent data unacknowledged), 2 the
	 * keepalive timer, as Linux's tr; lwIP counts in 500 ms ticks.
	 */
	if (pcb->unacked && pcb->rtime >= 0) {
		tr = 1;
		when = ms_clock((long)(pcb->rto - pcb->rtime) *
				TCP_SLOW_INTERVAL);
	} else if (ip_get_option(pcb, SOF_KEEPALIVE) &&
		   pcb->state == ESTABLISHED) {
		tr = 2;
		when = ms_clock((long)pcb->keep_idle - age);
	}
	if (pcb->ssthresh < TCP_SND_BUF && pcb->mss)
		ssthresh = (int)(pcb->ssthresh / pcb->mss);
	out_printf(o, "%4d: ", sl);
	out_addr(o, v6, &pcb->local_ip, pcb->local_port);
	out_printf(o, " ");
	out_addr(o, v6, &pcb->remote_ip, pcb->remote_port);
	out_printf(o,
		   " %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d "
		   "0000000000000000 %lu %lu %u %u %d",
		   tcp_lx_state(pcb->state), tx, rx, tr, when,
		   (unsigned int)pcb->nrtx, sock_uid(is), 0, sock_ino(is),
		   is ? 2 : 1, ms_clock((long)pcb->rto * TCP_SLOW_INTERVAL),
		   4UL, 0U, pcb->mss ? (unsigned int)(pcb->cwnd / pcb->mss) : 0,
		   ssthresh);
	out_end(o, v6 ? 0 : TCP4_WIDTH);
}

/* TIME_WAIT: Linux's short form, timer 3 counting down the 60 s. */
static void tcp_timewait(struct out *o, int sl, bool v6, struct tcp_pcb *pcb)
{
	long age = (long)(uint32_t)(tcp_ticks - pcb->tmr) * TCP_SLOW_INTERVAL;

	out_printf(o, "%4d: ", sl);
	out_addr(o, v6, &pcb->local_ip, pcb->local_port);
	out_printf(o, " ");
	out_addr(o, v6, &pcb->remote_ip, pcb->remote_port);
	out_printf(o,
		   " %02X 00000000:00000000 03:%08lX 00000000 %5d %8d 0 3 "
		   "0000000000000000",
		   LX_TIME_WAIT, ms_clock((long)(2 * TCP_MSL) - age), 0, 0);
	out_end(o, v6 ? 0 : TCP4_WIDTH);
}

static void show_tcp(struct out *o, bool v6)
{
	struct tcp_pcb *pcb;
	struct tcp_pcb_listen *lp;
	int sl = 0;

	out_printf(o, v6 ? "  sl  local_address                         "
			   "remote_address                        st tx_queue "
			   "rx_queue tr tm->when retrnsmt   uid  timeout inode"
			 : "  sl  local_address rem_address   st tx_queue "
			   "rx_queue tr tm->when retrnsmt   uid  timeout "
			   "inode");
	out_end(o, v6 ? 0 : TCP4_WIDTH);
	if (!lwipk_running())
		return;
	inet_lock();
	for (lp = tcp_listen_pcbs.listen_pcbs; lp; lp = lp->next)
		if (tcp_is_v6(lp->callback_arg, &lp->local_ip) == v6)
			tcp_listener(o, sl++, v6, lp);
	for (pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
		if (tcp_is_v6(pcb->callback_arg, &pcb->local_ip) == v6)
			tcp_conn(o, sl++, v6, pcb);
	for (pcb = tcp_tw_pcbs; pcb; pcb = pcb->next)
		if (tcp_is_v6(pcb->callback_arg, &pcb->local_ip) == v6)
			tcp_timewait(o, sl++, v6, pcb);
	inet_unlock();
}

/* ---- udp, udp6, udplite, udplite6, raw, raw6 ----------------------------- */

/* proto: IPPROTO_UDP or IPPROTO_UDPLITE, 0 for the SOCK_RAW files */
static void show_dgram(struct out *o, bool v6, int proto)
{
	struct inet_sock *is;
	bool raw = !proto;
	int sl = 0;

	if (raw || v6)
		out_printf(o, "  sl  ");
	else
		out_printf(o, "   sl  ");
	out_printf(o, v6 ? "local_address                         "
			   "remote_address                        "
			 : "local_address rem_address   ");
	out_printf(o, "st tx_queue rx_queue tr tm->when retrnsmt   uid  "
		      "timeout inode ref pointer drops");
	out_end(o, raw || v6 ? 0 : UDP4_WIDTH);
	if (!lwipk_running())
		return;
	inet_lock();
	list_for_each_entry (is, &inet_all, all_link) {
		const ip_addr_t *local, *remote;
		uint16_t lport, rport;
		bool connected;

		if ((is->sk.family == AF_INET6) != v6 || !is->pcb.any)
			continue;
		if (raw ? is->sk.type != SOCK_RAW
			: is->sk.type != SOCK_DGRAM || is->sk.protocol != proto)
			continue;
		if (raw) {
			/* Linux shows the protocol as the local "port". */
			local = &is->pcb.raw->local_ip;
			remote = &is->pcb.raw->remote_ip;
			lport = (uint16_t)is->sk.protocol;
			rport = 0;
		} else {
			if (!is->pcb.udp->local_port)
				continue; /* unbound: not hashed on Linux */
			local = &is->pcb.udp->local_ip;
			remote = &is->pcb.udp->remote_ip;
			lport = is->pcb.udp->local_port;
			rport = is->pcb.udp->remote_port;
		}
		connected = is->peer_set;
		if (raw || v6)
			out_printf(o, "%4d: ", sl++);
		else
			out_printf(o, "%5d: ", sl++);
		out_addr(o, v6, local, lport);
		out_printf(o, " ");
		out_addr(o, v6, remote, rport);
		/* rx_queue: payload bytes queued (Linux: their truesize) */
		out_printf(o,
			   " %02X %08X:%08X 00:00000000 00000000 %5u %8d %lu "
			   "2 0000000000000000 0",
			   connected ? LX_ESTABLISHED : LX_CLOSE, 0U,
			   (unsigned int)is->dgq_bytes, sock_uid(is), 0,
			   sock_ino(is));
		out_end(o, raw || v6 ? 0 : UDP4_WIDTH);
	}
	inet_unlock();
}

/* ---- unix --------------------------------------------------------------- */

static void unix_line(void *ctx, const struct unix_sock_info *i)
{
	struct out *o = ctx;
	unsigned int n;

	out_printf(o, "0000000000000000: %08X %08X %08X %04X %02X %5lu",
		   i->refcnt, 0U, i->flags, (unsigned int)i->type,
		   (unsigned int)i->state, i->ino);
	if (i->namelen) {
		out_printf(o, " ");
		if (i->name[0]) {
			n = (unsigned int)kos_strnlen(i->name, i->namelen);
			out_printf(o, "%.*s", (int)n, i->name);
		} else {
			/* abstract: '@' for the leading NUL and any other */
			for (n = 0; n < i->namelen; n++)
				out_printf(o, "%c",
					   i->name[n] ? i->name[n] : '@');
		}
	}
	out_end(o, 0);
}

static void show_unix(struct out *o)
{
	out_printf(o,
		   "Num       RefCount Protocol Flags    Type St Inode Path");
	out_end(o, 0);
	unix_for_each(unix_line, o);
}

/* ---- dev ---------------------------------------------------------------- */

static void show_dev(struct out *o)
{
	struct kos_netdev *nd;
	unsigned int idx = 0;

	out_printf(o, "Inter-|   Receive                            "
		      "                    |  Transmit");
	out_end(o, 0);
	out_printf(o, " face |bytes    packets errs drop fifo frame "
		      "compressed multicast|bytes    packets errs drop fifo "
		      "colls carrier compressed");
	out_end(o, 0);
	while ((nd = netdev_next(idx))) {
		const struct netdev_stats *st = &nd->stats;

		idx = nd->ifindex;
		out_printf(o,
			   "%6s:%8llu %7llu %4llu %4llu %4llu %5llu %10llu "
			   "%9llu ",
			   nd->name, (unsigned long long)st->rx_bytes,
			   (unsigned long long)st->rx_packets,
			   (unsigned long long)st->rx_errors,
			   (unsigned long long)st->rx_dropped, 0ULL, 0ULL, 0ULL,
			   (unsigned long long)st->multicast);
		out_printf(o,
			   "%8llu %7llu %4llu %4llu %4llu %5llu %7llu "
			   "%10llu",
			   (unsigned long long)st->tx_bytes,
			   (unsigned long long)st->tx_packets,
			   (unsigned long long)st->tx_errors,
			   (unsigned long long)st->tx_dropped, 0ULL, 0ULL, 0ULL,
			   0ULL);
		out_end(o, 0);
	}
}

/* ---- route, if_inet6 ---------------------------------------------------- */

#define RTF_UP 0x0001
#define RTF_GATEWAY 0x0002

static void route_line(struct out *o, const char *ifname, uint32_t dst,
		       uint32_t gw, unsigned int flags, uint32_t mask)
{
	out_printf(o, "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u",
		   ifname, dst, gw, flags, 0, 0U, 0, mask, 0, 0U, 0U);
	out_end(o, ROUTE_WIDTH);
}

static void show_route(struct out *o)
{
	struct netif *n;
	int pass;

	out_printf(o, "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\t"
		      "Metric\tMask\t\tMTU\tWindow\tIRTT");
	out_end(o, ROUTE_WIDTH);
	if (!lwipk_running())
		return;
	inet_lock();
	/* Linux's order is by destination: the default routes first. */
	for (pass = 0; pass < 2; pass++) {
		NETIF_FOREACH(n)
		{
			struct kos_netdev *nd = lwipk_netdev(n);
			uint32_t addr = ip4_addr_get_u32(netif_ip4_addr(n));
			uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(n));
			uint32_t gw = ip4_addr_get_u32(netif_ip4_gw(n));

			if (!nd || nd->type == ARPHRD_LOOPBACK ||
			    !netif_is_up(n) || !addr)
				continue;
			/* the default route: lwIP's default netif's (netlink.c) */
			if (pass == 0 && gw && n == netif_default)
				route_line(o, nd->name, 0, gw,
					   RTF_UP | RTF_GATEWAY, 0);
			if (pass == 1)
				route_line(o, nd->name, addr & mask, 0, RTF_UP,
					   mask);
		}
	}
	inet_unlock();
}

#define IFA_F_TENTATIVE 0x40
#define IFA_F_PERMANENT 0x80

static void show_if_inet6(struct out *o)
{
	struct netif *n;

	if (!lwipk_running())
		return;
	inet_lock();
	NETIF_FOREACH(n)
	{
		struct kos_netdev *nd = lwipk_netdev(n);

		if (!nd)
			continue;
		for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
			uint8_t st = netif_ip6_addr_state(n, i);
			const ip6_addr_t *a = netif_ip6_addr(n, i);
			const uint8_t *b = (const uint8_t *)a->addr;
			unsigned int scope = 0, plen = 64, flags = 0;

			if (!ip6_addr_isvalid(st))
				continue;
			if (ip6_addr_isloopback(a)) {
				scope = 0x10;
				plen = 128;
				flags = IFA_F_PERMANENT;
			} else if (ip6_addr_islinklocal(a)) {
				scope = 0x20;
				flags = IFA_F_PERMANENT;
			}
			if (ip6_addr_istentative(st))
				flags |= IFA_F_TENTATIVE;
			for (int j = 0; j < 16; j++)
				out_printf(o, "%02x", b[j]);
			out_printf(o, " %02x %02x %02x %02x %8s", nd->ifindex,
				   plen, scope, flags, nd->name);
			out_end(o, 0);
		}
	}
	inet_unlock();
}

/* ---- the files ------------------------------------------------------------ */

void net_proc_show(int which, void (*sink)(void *ctx, const char *t, size_t n),
		   void *ctx)
{
	struct out o = { .sink = sink, .ctx = ctx, .len = 0 };

	switch (which) {
	case NET_PROC_TCP:
	case NET_PROC_TCP6:
		show_tcp(&o, which == NET_PROC_TCP6);
		break;
	case NET_PROC_UDP:
	case NET_PROC_UDP6:
		show_dgram(&o, which == NET_PROC_UDP6, IPPROTO_UDP);
		break;
	case NET_PROC_UDPLITE:
	case NET_PROC_UDPLITE6:
		show_dgram(&o, which == NET_PROC_UDPLITE6, IPPROTO_UDPLITE);
		break;
	case NET_PROC_RAW:
	case NET_PROC_RAW6:
		show_dgram(&o, which == NET_PROC_RAW6, 0);
		break;
	case NET_PROC_UNIX:
		show_unix(&o);
		break;
	case NET_PROC_DEV:
		show_dev(&o);
		break;
	case NET_PROC_ROUTE:
		show_route(&o);
		break;
	case NET_PROC_IF_INET6:
		show_if_inet6(&o);
		break;
	default:
		break;
	}
}
