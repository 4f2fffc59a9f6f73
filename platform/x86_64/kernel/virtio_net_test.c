/*
 * The virtio-net driver's boot self-test (cmdline virtio_net.selftest[=N],
 * N from 1 to VIRTQ_SIZE_MAX, default 64), run by virtio_net_probe() on
 * each device once it is registered.  It needs no IP stack: it makes
 * its frames by hand, sends them with the device's xmit, and the driver
 * shows it every received frame (virtio_net_test_rx, interrupt context)
 * while virtio_net_testing is set.
 *
 * As 10.0.2.15, to the gateway 10.0.2.2 (QEMU's user network, or a TAP
 * peer that has that address), in three bursts, each sent back to back
 * so that up to N buffers are in flight each way, and each waiting up
 * to VNET_TEST_TIMEOUT for its N replies:
 *
 *   ARP      N requests for 10.0.2.2; the replies give the gateway's MAC
 *   ping     N ICMP echo requests with 1472 bytes of data (1514-byte
 *            frames); each reply's checksum and data are checked
 *   UDP      only with virtio_net.selftest.udp=PORT: N (at most
 *            VNET_UDP_BURST: a burst beyond the sockets' buffers on
 *            the way would lose some) 1000-byte datagrams to
 *            10.0.2.2:PORT, which something there must
 *            echo (the test script's echo server: QEMU's user network
 *            forwards the gateway to the host's 127.0.0.1).  They go out
 *            with a partial checksum (csum_start/csum_offset, as the
 *            stack will send them), so the device (CSUM) or the driver
 *            finishes it, and a peer that checks (slirp does) drops a
 *            wrong one; each reply's checksum (which the device may have
 *            left to the driver: NEEDS_CSUM) and data are checked.
 *
 * With virtio_net.selftest.flood=R the ping burst is then repeated R
 * times (each round waits for the last's replies), timed, to measure
 * what the driver and QEMU carry: frames and bytes a second each way.
 *
 * It logs one line per device, "virtio-net: eth0: self-test: ..." with
 * the counts and times, then "... self-test: ok" or "... FAILED".
 * scripts/run-virtio-net-test reads those lines.
 *
 * Locking: the counters are written by the interrupt handler and read
 * by the test's thread (READ_ONCE, or with interrupts off).  One device
 * is tested at a time (the probe runs at boot, one device after the
 * other).
 */
#include <kos/cmdline.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/netdev.h>
#include <kos/plat/cpu.h>
#include <kos/random.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/waitq.h>

#include "virtio.h"

#define VNET_TEST_TIMEOUT (10 * NSEC_PER_SEC)
#define VNET_TEST_DEFAULT 64
#define VNET_PING_DATA 1472 /* a 1500-byte IP packet */
#define VNET_UDP_DATA 1000
#define VNET_UDP_BURST 32
#define VNET_UDP_SPORT 34567
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define IPPROTO_ICMP 1
#define IPPROTO_UDP 17
#define IP_HLEN 20
#define L4_OFF (NETDEV_ETH_HLEN + IP_HLEN) /* ICMP or UDP header */

enum vnet_test_kind { TEST_ARP, TEST_PING, TEST_UDP };

bool virtio_net_testing;

/* The running test: set by the thread with interrupts off. */
static struct {
	struct kos_netdev *nd;
	uint16_t id;	     /* ICMP identifier */
	uint16_t port;	     /* the UDP echo's */
	unsigned int got[3]; /* replies per enum vnet_test_kind */
	unsigned int bad;    /* replies with a wrong checksum or data */
	uint8_t gw[NETDEV_ETH_ALEN];
} vt;

static const uint8_t test_ip[4] = { 10, 0, 2, 15 };
static const uint8_t test_gw_ip[4] = { 10, 0, 2, 2 };
static struct waitq test_wq = WAITQ_INIT(test_wq);

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The byte the test's data has at i of request seq. */
static uint8_t test_byte(unsigned int seq, unsigned int i)
{
	return (uint8_t)(seq * 7 + i);
}

/* The sum of the UDP pseudo-header (RFC 768) for len bytes. */
static uint32_t udp_pseudo(const uint8_t *src, const uint8_t *dst,
			   unsigned int len)
{
	uint32_t sum = virtio_net_csum_add(0, src, 4);

	sum = virtio_net_csum_add(sum, dst, 4);
	return sum + IPPROTO_UDP + len;
}

/* len bytes of data, from seq's pattern, with seq in the first two. */
static bool data_ok(const uint8_t *d, size_t len, unsigned int *seq)
{
	*seq = get16(d);
	for (size_t i = 2; i < len; i++)
		if (d[i] != test_byte(*seq, (unsigned int)i))
			return false;
	return true;
}

static void count(enum vnet_test_kind k, bool ok)
{
	if (ok)
		vt.got[k]++;
	else
		vt.bad++;
	waitq_wake_all(&test_wq);
}

/* An ARP reply from the gateway to us: learn its MAC. */
static void test_rx_arp(const uint8_t *a, size_t len)
{
	if (len < 28 || get16(a + 6) != 2 ||
	    kos_memcmp(a + 14, test_gw_ip, 4) || kos_memcmp(a + 24, test_ip, 4))
		return;
	kos_memcpy(vt.gw, a + 8, NETDEV_ETH_ALEN);
	count(TEST_ARP, true);
}

/* An IPv4 packet from the gateway: our echo or UDP replies. */
static void test_rx_ip(const uint8_t *ip, size_t len)
{
	const uint8_t *l4 = ip + IP_HLEN;
	unsigned int seq, tot;

	if (len < IP_HLEN + 8 || ip[0] != 0x45 ||
	    kos_memcmp(ip + 12, test_gw_ip, 4) ||
	    kos_memcmp(ip + 16, test_ip, 4))
		return;
	tot = get16(ip + 2);
	if (tot > len || tot < IP_HLEN + 8)
		return;
	if (ip[9] == IPPROTO_ICMP && l4[0] == 0 && get16(l4 + 4) == vt.id) {
		count(TEST_PING,
		      tot == IP_HLEN + 8 + VNET_PING_DATA &&
			      !virtio_net_csum_fold(virtio_net_csum_add(
				      0, l4, 8 + VNET_PING_DATA)) &&
			      get16(l4 + 6) == get16(l4 + 8) &&
			      data_ok(l4 + 8, VNET_PING_DATA, &seq));
	} else if (ip[9] == IPPROTO_UDP && vt.port && get16(l4) == vt.port &&
		   get16(l4 + 2) == VNET_UDP_SPORT + vt.nd->ifindex) {
		uint32_t sum = udp_pseudo(ip + 12, ip + 16, tot - IP_HLEN);

		count(TEST_UDP,
		      tot == IP_HLEN + 8 + VNET_UDP_DATA &&
			      get16(l4 + 4) == 8 + VNET_UDP_DATA &&
			      get16(l4 + 6) != 0 &&
			      !virtio_net_csum_fold(virtio_net_csum_add(
				      sum, l4, 8 + VNET_UDP_DATA)) &&
			      data_ok(l4 + 8, VNET_UDP_DATA, &seq));
	}
}

void virtio_net_test_rx(struct kos_netdev *nd, const uint8_t *f, size_t len)
{
	if (nd != vt.nd || len < NETDEV_ETH_HLEN)
		return;
	if (get16(f + 12) == ETH_P_ARP)
		test_rx_arp(f + NETDEV_ETH_HLEN, len - NETDEV_ETH_HLEN);
	else if (get16(f + 12) == ETH_P_IP)
		test_rx_ip(f + NETDEV_ETH_HLEN, len - NETDEV_ETH_HLEN);
}

/* An ARP request for the gateway, padded to the 60-byte minimum. */
static size_t make_arp(uint8_t *f)
{
	uint8_t *a = f + NETDEV_ETH_HLEN;

	kos_memset(f, 0, 60);
	kos_memset(f, 0xff, NETDEV_ETH_ALEN);
	kos_memcpy(f + 6, vt.nd->mac, NETDEV_ETH_ALEN);
	put16(f + 12, ETH_P_ARP);
	put16(a, 1); /* Ethernet */
	put16(a + 2, ETH_P_IP);
	a[4] = NETDEV_ETH_ALEN;
	a[5] = 4;
	put16(a + 6, 1); /* request */
	kos_memcpy(a + 8, vt.nd->mac, NETDEV_ETH_ALEN);
	kos_memcpy(a + 14, test_ip, 4);
	kos_memcpy(a + 24, test_gw_ip, 4);
	return 60;
}

/* Ethernet and IPv4 headers to the gateway for l4len bytes of proto. */
static void make_ip(uint8_t *f, unsigned int seq, uint8_t proto,
		    unsigned int l4len)
{
	uint8_t *ip = f + NETDEV_ETH_HLEN;

	kos_memcpy(f, vt.gw, NETDEV_ETH_ALEN);
	kos_memcpy(f + 6, vt.nd->mac, NETDEV_ETH_ALEN);
	put16(f + 12, ETH_P_IP);
	kos_memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_HLEN + l4len));
	put16(ip + 4, (uint16_t)seq);
	ip[8] = 64; /* TTL */
	ip[9] = proto;
	kos_memcpy(ip + 12, test_ip, 4);
	kos_memcpy(ip + 16, test_gw_ip, 4);
	put16(ip + 10,
	      virtio_net_csum_fold(virtio_net_csum_add(0, ip, IP_HLEN)));
}

/* len bytes of seq's data at d. */
static void make_data(uint8_t *d, size_t len, unsigned int seq)
{
	put16(d, (uint16_t)seq);
	for (size_t i = 2; i < len; i++)
		d[i] = test_byte(seq, (unsigned int)i);
}

/* Echo request seq: its checksum complete. */
static size_t make_ping(uint8_t *f, unsigned int seq)
{
	uint8_t *icmp = f + L4_OFF;

	make_ip(f, seq, IPPROTO_ICMP, 8 + VNET_PING_DATA);
	icmp[0] = 8; /* echo request */
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, vt.id);
	put16(icmp + 6, (uint16_t)seq);
	make_data(icmp + 8, VNET_PING_DATA, seq);
	put16(icmp + 2, virtio_net_csum_fold(virtio_net_csum_add(
				0, icmp, 8 + VNET_PING_DATA)));
	return L4_OFF + 8 + VNET_PING_DATA;
}

/*
 * Datagram seq, its checksum left partial: the field holds the folded
 * pseudo-header sum, not complemented, for the device (or the driver)
 * to finish from csum_start.
 */
static size_t make_udp(uint8_t *f, unsigned int seq, struct netdev_tx *tx)
{
	uint8_t *udp = f + L4_OFF, *ip = f + NETDEV_ETH_HLEN;
	uint16_t partial;

	make_ip(f, seq, IPPROTO_UDP, 8 + VNET_UDP_DATA);
	put16(udp, (uint16_t)(VNET_UDP_SPORT + vt.nd->ifindex));
	put16(udp + 2, vt.port);
	put16(udp + 4, 8 + VNET_UDP_DATA);
	make_data(udp + 8, VNET_UDP_DATA, seq);
	partial = (uint16_t)~virtio_net_csum_fold(
		udp_pseudo(ip + 12, ip + 16, 8 + VNET_UDP_DATA));
	put16(udp + 6, partial);
	tx->csum_start = L4_OFF;
	tx->csum_offset = 6;
	return L4_OFF + 8 + VNET_UDP_DATA;
}

struct test_wait {
	enum vnet_test_kind kind;
	unsigned int n; /* replies to wait for, in all */
};

static bool test_done(void *arg)
{
	struct test_wait *w = arg;

	return READ_ONCE(vt.got[w->kind]) >= w->n;
}

/*
 * Send n frames of kind back to back and wait for n more replies than
 * base: the frames the device took (a full ring refuses one).
 */
static unsigned int test_burst(enum vnet_test_kind kind, unsigned int n,
			       unsigned int base, uint8_t *f)
{
	struct test_wait w = { kind, base + n };
	unsigned int sent = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct netdev_tx tx = { .frame = f };

		tx.len = kind == TEST_ARP    ? make_arp(f)
			 : kind == TEST_PING ? make_ping(f, i)
					     : make_udp(f, i, &tx);
		if (vt.nd->ops->xmit(vt.nd, &tx) == 0)
			sent++;
	}
	waitq_wait_timeout(&test_wq, test_done, &w, VNET_TEST_TIMEOUT);
	return sent;
}

static unsigned long long ms_since(uint64_t t)
{
	return (unsigned long long)((clock_monotonic_ns() - t) / NSEC_PER_MSEC);
}

/*
 * rounds more bursts of n pings, timed (see above); false if a reply
 * did not come.  The ping burst has had its n replies.
 */
static bool test_flood(struct kos_netdev *nd, unsigned int n,
		       unsigned int rounds, uint8_t *f)
{
	uint64_t t = clock_monotonic_ns(), ns;
	unsigned int sent = 0, got;
	uint64_t frames, kib_s;

	for (unsigned int r = 0; r < rounds; r++) {
		sent += test_burst(TEST_PING, n, n + r * n, f);
		if (READ_ONCE(vt.got[TEST_PING]) < n + (r + 1) * n)
			break;
	}
	ns = MAX(clock_monotonic_ns() - t, 1ULL);
	got = READ_ONCE(vt.got[TEST_PING]) - n;
	frames = (uint64_t)got * NSEC_PER_SEC / ns;
	kib_s = frames * (L4_OFF + 8 + VNET_PING_DATA) / 1024;
	log_info("virtio-net: %s: self-test: flood: %u/%u 1500-byte pings "
		 "in %llu ms: %llu frames/s, %llu KiB/s each way",
		 nd->name, got, sent, (unsigned long long)(ns / NSEC_PER_MSEC),
		 (unsigned long long)frames, (unsigned long long)kib_s);
	return sent == n * rounds && got == n * rounds;
}

void virtio_net_selftest(struct kos_netdev *nd)
{
	long long n = cmdline_get_int(&kos_cmdline, "virtio_net.selftest",
				      VNET_TEST_DEFAULT);
	long long port =
		cmdline_get_int(&kos_cmdline, "virtio_net.selftest.udp", 0);
	long long flood =
		cmdline_get_int(&kos_cmdline, "virtio_net.selftest.flood", 0);
	bool flood_ok = true;
	unsigned int want[3] = { 0, 0, 0 }, sent[3] = { 0, 0, 0 }, got[3], bad;
	unsigned long long ms[3] = { 0, 0, 0 };
	uint8_t *f = kmalloc(L4_OFF + 8 + VNET_PING_DATA);
	unsigned long fl;
	uint64_t t;
	char udp[64] = "";
	bool ok;

	n = MIN(MAX(n, 1LL), (long long)VIRTQ_SIZE_MAX);
	if (!f) {
		log_err("virtio-net: %s: self-test: FAILED (no memory)",
			nd->name);
		return;
	}
	fl = plat_irq_save();
	kos_memset(&vt, 0, sizeof(vt));
	vt.nd = nd;
	kos_random_bytes(&vt.id, sizeof(vt.id));
	vt.port = port > 0 && port < 65536 ? (uint16_t)port : 0;
	virtio_net_testing = true;
	plat_irq_restore(fl);

	for (enum vnet_test_kind k = TEST_ARP; k <= TEST_UDP; k++) {
		if (k == TEST_UDP && !vt.port)
			break;
		if (k != TEST_ARP && !READ_ONCE(vt.got[TEST_ARP]))
			break; /* no gateway MAC */
		t = clock_monotonic_ns();
		want[k] = k == TEST_UDP ? (unsigned int)MIN(n, VNET_UDP_BURST)
					: (unsigned int)n;
		sent[k] = test_burst(k, want[k], 0, f);
		ms[k] = ms_since(t);
	}
	if (flood > 0 && READ_ONCE(vt.got[TEST_PING]) == (unsigned int)n)
		flood_ok =
			test_flood(nd, (unsigned int)n, (unsigned int)flood, f);

	fl = plat_irq_save();
	virtio_net_testing = false;
	vt.nd = NULL;
	kos_memcpy(got, vt.got, sizeof(got));
	got[TEST_PING] = MIN(got[TEST_PING], (unsigned int)n);
	bad = vt.bad;
	plat_irq_restore(fl);
	kfree(f);

	if (vt.port)
		kos_snprintf(udp, sizeof(udp),
			     ", %u/%u UDP echoes from port %u in %llu ms",
			     got[TEST_UDP], sent[TEST_UDP], vt.port,
			     ms[TEST_UDP]);
	log_info("virtio-net: %s: self-test: %u/%u ARP requests for 10.0.2.2 "
		 "answered (%02x:%02x:%02x:%02x:%02x:%02x) in %llu ms, "
		 "%u/%u 1500-byte pings in %llu ms%s, %u bad",
		 nd->name, got[TEST_ARP], sent[TEST_ARP], vt.gw[0], vt.gw[1],
		 vt.gw[2], vt.gw[3], vt.gw[4], vt.gw[5], ms[TEST_ARP],
		 got[TEST_PING], sent[TEST_PING], ms[TEST_PING], udp, bad);
	ok = !bad && flood_ok;
	for (enum vnet_test_kind k = TEST_ARP; k <= TEST_UDP; k++)
		if (k != TEST_UDP || vt.port)
			ok = ok && want[k] && sent[k] == want[k] &&
			     got[k] == want[k];
	if (ok)
		log_info("virtio-net: %s: self-test: ok", nd->name);
	else
		log_err("virtio-net: %s: self-test: FAILED", nd->name);
}
