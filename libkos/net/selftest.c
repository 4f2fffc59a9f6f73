/*
 * The boot self-test's network case (kos/selftest.h, kern/selftest.c):
 * eth0 against the gateway 10.0.2.2, with no TCP/IP stack at all.
 *
 * It checks a driver end to end on the addressing every platform gets
 * from scripts/kos-run --net (QEMU's user networking: the guest
 * 10.0.2.15/24, the gateway 10.0.2.2; libslirp hosted, QEMU's slirp on
 * metal; or a TAP device whose host side is 10.0.2.2):
 *
 *   1. an ARP request "who has 10.0.2.2? tell 10.0.2.15", built by hand
 *      and sent with eth0's ops->xmit, must get its reply (the gateway's
 *      MAC) within ST_NET_TIMEOUT_NS, asked again every second;
 *   2. an ICMP echo request to 10.0.2.2 (IPv4 and ICMP checksums by
 *      hand) must come back as an echo reply with the same identifier,
 *      sequence and payload, its checksums right;
 *   3. a burst of ST_BURST echo requests handed to xmit back to back
 *      with interrupts off (many frames in flight in the driver's rings
 *      at once) must all be answered, none resent.
 *
 * Frames are read straight off the netdev receive queue with
 * netdev_rx_take() (net/netdev_internal.h).  That is only valid while no
 * stack drains the queue: once net/lwip.c has attached eth0 (nd->stack
 * set) the stack's thread owns every frame and the case skips.  Frames
 * that are not the awaited reply (IPv6 router advertisements, link
 * changes, other devices') are dropped.  No eth0: the case skips.
 */
#include <kos/kmalloc.h>
#include <kos/netdev.h>
#include <kos/plat/cpu.h>
#include <kos/selftest.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/waitq.h>
#include <uapi/errno.h>

#include "netdev_internal.h"

#define ST_NET_TIMEOUT_NS (5 * NSEC_PER_SEC)
#define ST_NET_RETRY_NS NSEC_PER_SEC

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ST_ICMP_ID 0x4b4f /* "KO" */
#define ST_ICMP_SEQ 1
#define ST_PING_DATA 32
#define ST_BURST 64 /* echo requests in flight at once */

static const uint8_t st_guest_ip[4] = { 10, 0, 2, 15 };
static const uint8_t st_gw_ip[4] = { 10, 0, 2, 2 };

struct st_net {
	struct kos_netdev *nd;
	char *reason;
	size_t size;
	uint8_t gw_mac[NETDEV_ETH_ALEN];
	/* echo replies awaited: sequence numbers and those seen */
	uint16_t seq_first;
	unsigned int seq_count; /* at most 64 */
	uint64_t seen;
};

static bool st_fail(struct st_net *t, const char *what)
{
	kos_snprintf(t->reason, t->size, "%s: %s", t->nd->name, what);
	return false;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The Internet checksum (RFC 1071) of len bytes. */
static uint16_t st_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Destination, source, type: the first 14 bytes of a frame. */
static void eth_header(uint8_t *f, const uint8_t *dst, const uint8_t *src,
		       uint16_t type)
{
	kos_memcpy(f, dst, NETDEV_ETH_ALEN);
	kos_memcpy(f + 6, src, NETDEV_ETH_ALEN);
	put16(f + 12, type);
}

static int st_xmit(struct st_net *t, const uint8_t *frame, size_t len)
{
	struct netdev_tx tx = { .frame = frame, .len = len };

	return t->nd->ops->xmit(t->nd, &tx);
}

static bool rx_pending(void *unused)
{
	return netdev_rx_pending();
}

/*
 * Wait until deadline for a frame of t->nd that match() accepts (which
 * may note what it needs in t).  Other frames are dropped.
 */
static bool st_await(struct st_net *t, uint64_t deadline,
		     bool (*match)(struct st_net *, const uint8_t *, size_t))
{
	for (;;) {
		struct netdev_frame *fr = netdev_rx_take();
		bool hit;

		if (!fr) {
			if (waitq_wait_deadline(&netdev_rx_wq, rx_pending, NULL,
						deadline))
				return false;
			continue;
		}
		hit = fr->nd == t->nd && fr->len >= NETDEV_ETH_HLEN &&
		      match(t, fr->data, fr->len);
		kfree(fr);
		if (hit)
			return true;
	}
}

/* ---- ARP -------------------------------------------------------------- */

/* An ARP request for 10.0.2.2 from 10.0.2.15, padded to 60 bytes. */
static size_t arp_request(struct st_net *t, uint8_t *f)
{
	static const uint8_t bcast[NETDEV_ETH_ALEN] = { 0xff, 0xff, 0xff,
							0xff, 0xff, 0xff };
	uint8_t *a = f + NETDEV_ETH_HLEN;

	kos_memset(f, 0, 60);
	eth_header(f, bcast, t->nd->mac, ETH_P_ARP);
	put16(a, 1);		/* hardware: Ethernet */
	put16(a + 2, ETH_P_IP); /* protocol: IPv4 */
	a[4] = NETDEV_ETH_ALEN;
	a[5] = 4;
	put16(a + 6, ARP_REQUEST);
	kos_memcpy(a + 8, t->nd->mac, NETDEV_ETH_ALEN);
	kos_memcpy(a + 14, st_guest_ip, 4);
	/* target hardware address a + 18: zero */
	kos_memcpy(a + 24, st_gw_ip, 4);
	return 60;
}

/* "10.0.2.2 is at ..." addressed to us. */
static bool arp_reply(struct st_net *t, const uint8_t *f, size_t len)
{
	const uint8_t *a = f + NETDEV_ETH_HLEN;

	if (len < NETDEV_ETH_HLEN + 28 || get16(f + 12) != ETH_P_ARP ||
	    get16(a) != 1 || get16(a + 2) != ETH_P_IP ||
	    a[4] != NETDEV_ETH_ALEN || a[5] != 4 || get16(a + 6) != ARP_REPLY ||
	    kos_memcmp(a + 14, st_gw_ip, 4) ||
	    kos_memcmp(a + 24, st_guest_ip, 4) ||
	    kos_memcmp(a + 18, t->nd->mac, NETDEV_ETH_ALEN))
		return false;
	kos_memcpy(t->gw_mac, a + 8, NETDEV_ETH_ALEN);
	return true;
}

static bool st_arp(struct st_net *t, uint8_t *f)
{
	uint64_t give_up = clock_monotonic_ns() + ST_NET_TIMEOUT_NS;
	size_t len = arp_request(t, f);

	while (clock_monotonic_ns() < give_up) {
		uint64_t next = clock_monotonic_ns() + ST_NET_RETRY_NS;
		int err = st_xmit(t, f, len);

		if (err && err != -EAGAIN)
			return st_fail(t, "xmit of the ARP request failed");
		if (st_await(t, next < give_up ? next : give_up, arp_reply))
			return true;
	}
	return st_fail(t, "no ARP reply from 10.0.2.2 in 5 s");
}

/* ---- ICMP echo -------------------------------------------------------- */

#define ST_PING_LEN (NETDEV_ETH_HLEN + 20 + 8 + ST_PING_DATA)

/* An echo request to the gateway with sequence number seq. */
static size_t echo_request(struct st_net *t, uint8_t *f, uint16_t seq)
{
	uint8_t *ip = f + NETDEV_ETH_HLEN, *icmp = ip + 20;

	kos_memset(f, 0, ST_PING_LEN);
	eth_header(f, t->gw_mac, t->nd->mac, ETH_P_IP);
	ip[0] = 0x45; /* version 4, 5 words of header */
	put16(ip + 2, 20 + 8 + ST_PING_DATA);
	put16(ip + 4, seq);    /* identification */
	put16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;	       /* TTL */
	ip[9] = 1;	       /* ICMP */
	kos_memcpy(ip + 12, st_guest_ip, 4);
	kos_memcpy(ip + 16, st_gw_ip, 4);
	put16(ip + 10, st_csum(ip, 20));
	icmp[0] = ICMP_ECHO;
	put16(icmp + 4, ST_ICMP_ID);
	put16(icmp + 6, seq);
	for (unsigned int i = 0; i < ST_PING_DATA; i++)
		icmp[8 + i] = (uint8_t)(seq + i);
	put16(icmp + 2, st_csum(icmp, 8 + ST_PING_DATA));
	return ST_PING_LEN;
}

/*
 * An intact echo reply for one of the sequence numbers [seq_first,
 * seq_first + seq_count): noted in t->seen.  True once all have come.
 */
static bool echo_reply(struct st_net *t, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + NETDEV_ETH_HLEN, *icmp;
	size_t ihl, total;
	uint16_t seq;

	if (len < NETDEV_ETH_HLEN + 20 || get16(f + 12) != ETH_P_IP ||
	    (ip[0] >> 4) != 4 || ip[9] != 1 ||
	    kos_memcmp(ip + 12, st_gw_ip, 4) ||
	    kos_memcmp(ip + 16, st_guest_ip, 4))
		return false;
	ihl = (size_t)(ip[0] & 15) * 4;
	total = get16(ip + 2);
	if (ihl < 20 || total < ihl + 8 + ST_PING_DATA ||
	    NETDEV_ETH_HLEN + total > len || st_csum(ip, ihl))
		return false;
	icmp = ip + ihl;
	seq = get16(icmp + 6);
	if (icmp[0] != ICMP_ECHOREPLY || icmp[1] ||
	    get16(icmp + 4) != ST_ICMP_ID ||
	    (uint16_t)(seq - t->seq_first) >= t->seq_count ||
	    st_csum(icmp, total - ihl))
		return false;
	for (unsigned int i = 0; i < ST_PING_DATA; i++)
		if (icmp[8 + i] != (uint8_t)(seq + i))
			return false;
	t->seen |= 1ULL << (seq - t->seq_first);
	return t->seen ==
	       (t->seq_count == 64 ? ~0ULL : (1ULL << t->seq_count) - 1);
}

static bool st_ping(struct st_net *t, uint8_t *f)
{
	uint64_t give_up = clock_monotonic_ns() + ST_NET_TIMEOUT_NS;
	size_t len = echo_request(t, f, ST_ICMP_SEQ);

	t->seq_first = ST_ICMP_SEQ;
	t->seq_count = 1;
	t->seen = 0;
	while (clock_monotonic_ns() < give_up) {
		uint64_t next = clock_monotonic_ns() + ST_NET_RETRY_NS;
		int err = st_xmit(t, f, len);

		if (err && err != -EAGAIN)
			return st_fail(t, "xmit of the echo request failed");
		if (st_await(t, next < give_up ? next : give_up, echo_reply))
			return true;
	}
	return st_fail(t, "no echo reply from 10.0.2.2 in 5 s");
}

/* Set bits in v (no popcount: it would be a libgcc call). */
static unsigned int st_bits(uint64_t v)
{
	unsigned int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/*
 * ST_BURST echo requests back to back, with interrupts off so that the
 * driver has them all at once (a ring's worth of frames in flight), then
 * every reply must come within ST_NET_TIMEOUT_NS.  Nothing is resent:
 * a frame lost in the driver fails the test.
 */
static bool st_burst(struct st_net *t, uint8_t *f)
{
	uint64_t give_up;
	unsigned long fl;
	unsigned int i;

	t->seq_first = ST_ICMP_SEQ + 1;
	t->seq_count = ST_BURST;
	t->seen = 0;
	fl = plat_irq_save();
	for (i = 0; i < ST_BURST; i++) {
		size_t len = echo_request(t, f, (uint16_t)(t->seq_first + i));

		if (st_xmit(t, f, len))
			break;
	}
	plat_irq_restore(fl);
	if (i < ST_BURST) {
		kos_snprintf(
			t->reason, t->size,
			"%s: xmit refused echo request %u of a burst of %u",
			t->nd->name, i + 1, ST_BURST);
		return false;
	}
	give_up = clock_monotonic_ns() + ST_NET_TIMEOUT_NS;
	if (st_await(t, give_up, echo_reply))
		return true;
	kos_snprintf(t->reason, t->size,
		     "%s: %u of %u echo replies to a burst in 5 s", t->nd->name,
		     st_bits(t->seen), ST_BURST);
	return false;
}

bool netdev_selftest(char *reason, size_t size)
{
	struct st_net t = { .reason = reason, .size = size };
	uint8_t *f;
	bool ok;

	t.nd = netdev_by_name("eth0");
	if (!t.nd) {
		kos_snprintf(reason, size, "skipped: no eth0");
		return true;
	}
	if (t.nd->stack) {
		kos_snprintf(reason, size,
			     "skipped: the stack owns eth0's frames");
		return true;
	}
	f = kmalloc(ST_PING_LEN);
	if (!f)
		return st_fail(&t, "no memory");
	ok = st_arp(&t, f) && st_ping(&t, f) && st_burst(&t, f);
	kfree(f);
	if (ok)
		kos_snprintf(reason, size,
			     "%s: 10.0.2.2 is at "
			     "%02x:%02x:%02x:%02x:%02x:%02x, answers ping "
			     "(and a burst of %u)",
			     t.nd->name, t.gw_mac[0], t.gw_mac[1], t.gw_mac[2],
			     t.gw_mac[3], t.gw_mac[4], t.gw_mac[5], ST_BURST);
	return ok;
}
