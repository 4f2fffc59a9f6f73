/*
 * Unit tests: the TCP/IP stack (libkos/net/lwip.c, loopback.c,
 * ipconfig.c) on the fake platform.  Each test boots a fresh kernel core
 * (page allocator, heap, scheduler, timers) and starts the stack; the
 * fake clock only moves when every thread sleeps, so lwIP's timeouts
 * pass in virtual time, at once.  The tests use lwIP's raw API, as the
 * socket layer does, with the stack lock (stack.h).  They need Check's
 * fork mode (the default): the stack starts once per process.
 *
 * The binary links the network object before lwIP's symbols are made
 * local (check/net/module.mk), so tcp_new & co. are visible here.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <kos/cmdline.h>
#include <kos/netdev.h>
#include <kos/sched.h>
#include <kos/time.h>
#include <kos/timer.h>
#include <kos/utsname.h>
#include <kos/waitq.h>
#include <uapi/if.h>

#include "../sched/sched_test.h"
#include "lwip/dhcp.h"
#include "lwip/icmp.h"
#include "lwip/igmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "ifioctl.h"
#include "netlink.h"
#include "stack.h"

#define NET_TEST_RAM (48UL << 20)
#define WAIT (120 * NSEC_PER_SEC) /* virtual time */

static struct waitq test_wq;

static void net_setup(void)
{
	sched_test_setup_ram(NET_TEST_RAM);
	waitq_init(&test_wq);
}

static void start_stack(void)
{
	net_stack_init();
	ck_assert(lwipk_running());
}

/* Wait (in virtual time) until *flag is non-zero. */
static bool flag_set(void *arg)
{
	return __atomic_load_n((volatile int *)arg, __ATOMIC_ACQUIRE) != 0;
}

static void wait_flag(volatile int *flag)
{
	ck_assert_int_eq(
		waitq_wait_timeout(&test_wq, flag_set, (void *)flag, WAIT), 0);
}

static void wake(void)
{
	waitq_wake_all(&test_wq);
}

/* --- a fake Ethernet device --- */

static int tst_frames;
static uint8_t tst_last[2048];
static size_t tst_last_len;

static int tst_xmit(struct kos_netdev *nd, const struct netdev_tx *tx)
{
	tst_frames++;
	tst_last_len = tx->len < sizeof(tst_last) ? tx->len : sizeof(tst_last);
	memcpy(tst_last, tx->frame, tst_last_len);
	return 0;
}

static const struct netdev_ops tst_ops = { .xmit = tst_xmit };

static struct kos_netdev tst_dev = {
	.name = "tst0",
	.type = ARPHRD_ETHER,
	.mac = { 0x02, 0, 0, 0, 0, 0x01 },
	.mtu = 1500,
	.carrier = true,
	.ops = &tst_ops,
};

/* --- tests --- */

START_TEST(test_net_stack_up)
{
	struct kos_netdev *lo;
	struct netif *netif;

	start_stack();
	lo = netdev_by_name("lo");
	ck_assert_ptr_nonnull(lo);
	ck_assert_uint_eq(lo->ifindex, 1);
	ck_assert_uint_eq(lo->mtu, 65536);
	ck_assert_uint_eq(lo->flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING),
			  IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
	lwipk_lock();
	netif = lwipk_netif(lo);
	ck_assert_ptr_nonnull(netif);
	ck_assert_ptr_eq(lwipk_netdev(netif), lo);
	ck_assert_uint_eq(netif_get_index(netif), 1);
	ck_assert(netif_is_up(netif));
	ck_assert_uint_eq(ip4_addr_get_u32(netif_ip4_addr(netif)),
			  PP_HTONL(0x7f000001));
	ck_assert_uint_eq(ip4_addr_get_u32(netif_ip4_netmask(netif)),
			  PP_HTONL(0xff000000));
	{
		ip6_addr_t one = { 0 };
		s8_t i;

		ip6_addr_set_loopback(&one);
		i = netif_get_ip6_addr_match(netif, &one);
		ck_assert_int_ge(i, 0);
		ck_assert(ip6_addr_ispreferred(netif_ip6_addr_state(netif, i)));
	}
	lwipk_unlock();
	/* a second call changes nothing */
	net_stack_init();
	ck_assert_ptr_null(netdev_by_index(2));
}
END_TEST

/* lo answers an ICMP echo request to 127.0.0.1. */
static volatile int echo_replies;
static uint16_t echo_seq;

static u8_t echo_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p,
		      const ip_addr_t *addr)
{
	struct icmp_echo_hdr h;
	uint16_t hlen = IPH_HL_BYTES((struct ip_hdr *)p->payload);

	/* the request passes here too: leave it to lwIP's ICMP */
	if (pbuf_copy_partial(p, &h, sizeof(h), hlen) != sizeof(h) ||
	    h.type != ICMP_ER)
		return 0;
	if (lwip_ntohs(h.seqno) == echo_seq && IP_IS_V4(addr) &&
	    ip4_addr_get_u32(ip_2_ip4(addr)) == PP_HTONL(0x7f000001))
		echo_replies++;
	pbuf_free(p);
	wake();
	return 1;
}

START_TEST(test_net_lo_echo)
{
	struct kos_netdev *lo;
	struct raw_pcb *pcb;
	struct pbuf *p;
	struct icmp_echo_hdr *h;
	ip_addr_t dst;
	uint64_t rx0;

	start_stack();
	lo = netdev_by_name("lo");
	rx0 = lo->stats.rx_packets;
	IP_ADDR4(&dst, 127, 0, 0, 1);
	lwipk_lock();
	pcb = raw_new(IP_PROTO_ICMP);
	ck_assert_ptr_nonnull(pcb);
	raw_recv(pcb, echo_recv, NULL);
	p = pbuf_alloc(PBUF_IP, sizeof(*h) + 32, PBUF_RAM);
	ck_assert_ptr_nonnull(p);
	h = p->payload;
	memset(h, 0xa5, p->len);
	h->type = ICMP_ECHO;
	h->code = 0;
	h->id = lwip_htons(0x1234);
	echo_seq = 7;
	h->seqno = lwip_htons(echo_seq);
	h->chksum = 0;
	h->chksum = inet_chksum(h, p->len);
	ck_assert_int_eq(raw_sendto(pcb, p, &dst), ERR_OK);
	pbuf_free(p);
	lwipk_unlock();
	wait_flag(&echo_replies);
	ck_assert_int_eq(echo_replies, 1);
	/* request and reply both went through lo's xmit and receive queue */
	ck_assert_uint_eq(lo->stats.rx_packets - rx0, 2);
	ck_assert_uint_eq(lo->stats.tx_packets, lo->stats.rx_packets);
	lwipk_lock();
	raw_remove(pcb);
	lwipk_unlock();
}
END_TEST

/* TCP over 127.0.0.1: 1 MiB one way, bytes compared. */
#define TCP_BYTES (1U << 20)
#define TCP_PORT 5001
static uint8_t pattern[TCP_BYTES];
static size_t tcp_sent_n, tcp_rcvd_n;
static volatile int tcp_done, tcp_bad;
static struct tcp_pcb *srv_pcb;

static uint8_t pat(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 9) + (i >> 17));
}

static void send_more(struct tcp_pcb *pcb)
{
	while (tcp_sent_n < TCP_BYTES && tcp_sndbuf(pcb) > 0) {
		size_t n = TCP_BYTES - tcp_sent_n;

		if (n > tcp_sndbuf(pcb))
			n = tcp_sndbuf(pcb);
		if (n > 20000) /* odd sizes: segments cross writes */
			n = 20000;
		if (tcp_write(pcb, pattern + tcp_sent_n, (u16_t)n,
			      TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
		tcp_sent_n += n;
	}
	tcp_output(pcb);
}

static err_t cli_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	send_more(pcb);
	return ERR_OK;
}

static err_t cli_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	ck_assert_int_eq(err, ERR_OK);
	tcp_sent(pcb, cli_sent);
	send_more(pcb);
	return ERR_OK;
}

static err_t srv_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	if (!p) {
		tcp_done = -1; /* closed early */
		wake();
		return ERR_OK;
	}
	for (struct pbuf *q = p; q; q = q->next) {
		const uint8_t *b = q->payload;

		for (u16_t i = 0; i < q->len; i++)
			if (b[i] != pattern[tcp_rcvd_n + i])
				tcp_bad++;
		tcp_rcvd_n += q->len;
	}
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	if (tcp_rcvd_n >= TCP_BYTES) {
		tcp_done = 1;
		wake();
	}
	return ERR_OK;
}

static err_t srv_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	ck_assert_int_eq(err, ERR_OK);
	srv_pcb = pcb;
	tcp_recv(pcb, srv_recv);
	return ERR_OK;
}

START_TEST(test_net_tcp_lo_1mib)
{
	struct tcp_pcb *l, *c;
	ip_addr_t lo4;

	for (size_t i = 0; i < TCP_BYTES; i++)
		pattern[i] = pat(i);
	start_stack();
	IP_ADDR4(&lo4, 127, 0, 0, 1);
	lwipk_lock();
	l = tcp_new_ip_type(IPADDR_TYPE_V4);
	ck_assert_int_eq(tcp_bind(l, &lo4, TCP_PORT), ERR_OK);
	l = tcp_listen(l);
	ck_assert_ptr_nonnull(l);
	tcp_accept(l, srv_accept);
	c = tcp_new_ip_type(IPADDR_TYPE_V4);
	ck_assert_int_eq(tcp_connect(c, &lo4, TCP_PORT, cli_connected), ERR_OK);
	lwipk_unlock();
	wait_flag(&tcp_done);
	ck_assert_int_eq(tcp_done, 1);
	ck_assert_uint_eq(tcp_sent_n, TCP_BYTES);
	ck_assert_uint_eq(tcp_rcvd_n, TCP_BYTES);
	ck_assert_int_eq(tcp_bad, 0);
	lwipk_lock();
	ck_assert_uint_eq(srv_pcb->state, ESTABLISHED);
	/* the MSS over lo is lwIP's largest, not Ethernet's */
	ck_assert_uint_eq(tcp_mss(c), TCP_MSS);
	tcp_close(c);
	tcp_close(srv_pcb);
	tcp_close(l);
	lwipk_unlock();
}
END_TEST

/* UDP over ::1. */
static volatile int udp_got;
static char udp_buf[64];
static ip_addr_t udp_from;
static u16_t udp_from_port;

static void udp_rx(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		   const ip_addr_t *addr, u16_t port)
{
	size_t n = pbuf_copy_partial(p, udp_buf, sizeof(udp_buf) - 1, 0);

	udp_buf[n] = '\0';
	ip_addr_copy(udp_from, *addr);
	udp_from_port = port;
	pbuf_free(p);
	udp_got++;
	wake();
}

START_TEST(test_net_udp_lo6)
{
	static const char msg[] = "hello over ::1";
	struct udp_pcb *a, *b;
	struct pbuf *p;
	ip_addr_t one;

	start_stack();
	ip_addr_set_zero_ip6(&one);
	ip6_addr_set_loopback(ip_2_ip6(&one));
	lwipk_lock();
	a = udp_new_ip_type(IPADDR_TYPE_V6);
	b = udp_new_ip_type(IPADDR_TYPE_V6);
	ck_assert_int_eq(udp_bind(a, &one, 7000), ERR_OK);
	ck_assert_int_eq(udp_bind(b, &one, 7001), ERR_OK);
	udp_recv(a, udp_rx, NULL);
	p = pbuf_alloc(PBUF_TRANSPORT, sizeof(msg), PBUF_RAM);
	memcpy(p->payload, msg, sizeof(msg));
	ck_assert_int_eq(udp_sendto(b, p, &one, 7000), ERR_OK);
	pbuf_free(p);
	lwipk_unlock();
	wait_flag(&udp_got);
	ck_assert_str_eq(udp_buf, msg);
	ck_assert(IP_IS_V6(&udp_from));
	ck_assert(ip6_addr_isloopback(ip_2_ip6(&udp_from)));
	ck_assert_uint_eq(udp_from_port, 7001);
	lwipk_lock();
	udp_remove(a);
	udp_remove(b);
	lwipk_unlock();
}
END_TEST

/*
 * lwIP's timeouts run on time: one added from outside the stack thread,
 * earlier than anything armed, fires at its time, not at the next
 * periodic timer's (lwipk_unlock re-arms the thread's timer).
 */
static volatile int tmo_fired;
static uint64_t tmo_at;

static void tmo_fn(void *arg)
{
	ck_assert(lwipk_locked());
	tmo_at = clock_monotonic_ns();
	tmo_fired++;
	wake();
}

START_TEST(test_net_timers)
{
	uint64_t t0;

	start_stack();
	/* let the stack thread start and settle on its periodic timers */
	sched_sleep_ns(1000 * MS);
	lwipk_lock();
	t0 = clock_monotonic_ns();
	sys_timeout(3, tmo_fn, NULL);
	lwipk_unlock();
	wait_flag(&tmo_fired);
	ck_assert_uint_ge(tmo_at, t0 + 3 * MS - MS);
	ck_assert_uint_le(tmo_at, t0 + 5 * MS);
	/* and a later one after the first */
	tmo_fired = 0;
	lwipk_lock();
	t0 = clock_monotonic_ns();
	sys_timeout(1500, tmo_fn, NULL);
	lwipk_unlock();
	wait_flag(&tmo_fired);
	ck_assert_uint_ge(tmo_at, t0 + 1499 * MS);
	ck_assert_uint_le(tmo_at, t0 + 1502 * MS);
}
END_TEST

/*
 * An idle stack runs no 100 ms (IGMP, MLD) or 500 ms (DHCP) timer: they
 * run only while a group report is pending, as after a join.
 */
static int fast_cyclic_timers(void)
{
	int n = 0;

	for (struct sys_timeo *t = *sys_timeouts_get_next_timeout(); t;
	     t = t->next) {
		const struct lwip_cyclic_timer *c = t->arg;

		if (t->h == lwip_cyclic_timer &&
		    (c->interval_ms == IGMP_TMR_INTERVAL ||
		     c->interval_ms == DHCP_FINE_TIMER_MSECS))
			n++;
	}
	return n;
}

START_TEST(test_net_idle_timers)
{
	ip4_addr_t grp;
	struct netif *netif;

	ck_assert_int_eq(netdev_register(&tst_dev), 0);
	start_stack();
	sched_sleep_ns(300 * MS);
	lwipk_lock();
	ck_assert_int_eq(fast_cyclic_timers(), 0);
	ck_assert_uint_eq(lwipk_ondemand_armed(), 0);
	netif = lwipk_netif(&tst_dev);
	ck_assert_int_eq(lwipk_if_set_ipv4(&tst_dev, PP_HTONL(0x0a090901),
					   PP_HTONL(0xffffff00), 0),
			 0);
	ck_assert_int_eq(lwipk_if_up(&tst_dev, true), 0);
	IP4_ADDR(&grp, 239, 1, 2, 3);
	ck_assert_int_eq(igmp_joingroup_netif(netif, &grp), ERR_OK);
	lwipk_unlock(); /* arms the report timer */
	lwipk_lock();
	ck_assert_uint_eq(lwipk_ondemand_armed() & 1, 1);
	lwipk_unlock();
	/* the report goes out within IGMP's join delay (0.5 s), then idle */
	sched_sleep_ns(2000 * MS);
	lwipk_lock();
	ck_assert_uint_eq(lwipk_ondemand_armed(), 0);
	ck_assert_int_eq(fast_cyclic_timers(), 0);
	lwipk_unlock();
}
END_TEST

/*
 * A frame queued by netdev_rx() before the stack starts is processed once
 * it runs: a UDP datagram for tst0, registered before the stack.
 */
static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static size_t make_udp_frame(uint8_t *f, const char *msg)
{
	size_t n = strlen(msg);
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint32_t sum = 0;

	memcpy(f, tst_dev.mac, 6);
	memcpy(f + 6, (uint8_t[]){ 0x02, 0, 0, 0, 0, 0x02 }, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 8 + n));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (uint8_t[]){ 10, 9, 9, 2 }, 4);
	memcpy(ip + 16, (uint8_t[]){ 10, 9, 9, 1 }, 4);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, (uint16_t)~sum);
	put16(udp, 4444);
	put16(udp + 2, 7777);
	put16(udp + 4, (uint16_t)(8 + n));
	put16(udp + 6, 0); /* no checksum (IPv4) */
	memcpy(udp + 8, msg, n);
	return 14 + 20 + 8 + n;
}

START_TEST(test_net_rx_before_start)
{
	static const char msg[] = "queued before the stack";
	uint8_t frame[128];
	struct udp_pcb *u;
	size_t len;

	ck_assert_int_eq(netdev_register(&tst_dev), 0);
	ck_assert_ptr_null(tst_dev.stack);
	len = make_udp_frame(frame, msg);
	netdev_rx(&tst_dev, frame, len, false);
	start_stack();
	ck_assert_ptr_nonnull(tst_dev.stack);
	/* lo still came up, after tst0 */
	ck_assert_uint_eq(netdev_by_name("lo")->ifindex, tst_dev.ifindex + 1);
	lwipk_lock();
	ck_assert_uint_eq(netif_get_index(lwipk_netif(&tst_dev)),
			  tst_dev.ifindex);
	ck_assert_int_eq(lwipk_if_set_ipv4(&tst_dev, PP_HTONL(0x0a090901),
					   PP_HTONL(0xffffff00), 0),
			 0);
	ck_assert_int_eq(lwipk_if_up(&tst_dev, true), 0);
	u = udp_new_ip_type(IPADDR_TYPE_V4);
	ck_assert_int_eq(udp_bind(u, IP4_ADDR_ANY, 7777), ERR_OK);
	udp_recv(u, udp_rx, NULL);
	lwipk_unlock();
	wait_flag(&udp_got);
	ck_assert_str_eq(udp_buf, msg);
	ck_assert_uint_eq(ip4_addr_get_u32(ip_2_ip4(&udp_from)),
			  PP_HTONL(0x0a090902));
	ck_assert_uint_eq(udp_from_port, 4444);
	ck_assert_uint_eq(tst_dev.flags & (IFF_UP | IFF_RUNNING),
			  IFF_UP | IFF_RUNNING);
}
END_TEST

/*
 * Traffic to an Ethernet interface's own address goes through lo, as on
 * Linux: nothing reaches the device.
 */
START_TEST(test_net_own_address_via_lo)
{
	static const char msg[] = "to myself";
	struct udp_pcb *a, *b;
	struct pbuf *p;
	ip_addr_t me;
	uint64_t lo_rx0;
	int frames0;

	ck_assert_int_eq(netdev_register(&tst_dev), 0);
	start_stack();
	lo_rx0 = netdev_by_name("lo")->stats.rx_packets;
	IP_ADDR4(&me, 10, 9, 9, 1);
	lwipk_lock();
	lwipk_if_set_ipv4(&tst_dev, PP_HTONL(0x0a090901), PP_HTONL(0xffffff00),
			  0);
	lwipk_if_up(&tst_dev, true);
	frames0 = tst_frames;
	a = udp_new_ip_type(IPADDR_TYPE_V4);
	b = udp_new_ip_type(IPADDR_TYPE_V4);
	ck_assert_int_eq(udp_bind(a, IP4_ADDR_ANY, 9000), ERR_OK);
	udp_recv(a, udp_rx, NULL);
	p = pbuf_alloc(PBUF_TRANSPORT, sizeof(msg), PBUF_RAM);
	memcpy(p->payload, msg, sizeof(msg));
	ck_assert_int_eq(udp_sendto(b, p, &me, 9000), ERR_OK);
	pbuf_free(p);
	/* no ARP request: it did not go out on tst0 */
	ck_assert_int_eq(tst_frames, frames0);
	lwipk_unlock();
	wait_flag(&udp_got);
	ck_assert_str_eq(udp_buf, msg);
	ck_assert_uint_eq(ip4_addr_get_u32(ip_2_ip4(&udp_from)),
			  PP_HTONL(0x0a090901));
	ck_assert_uint_eq(netdev_by_name("lo")->stats.rx_packets - lo_rx0, 1);
}
END_TEST

/* ip= with a static configuration, Linux's syntax. */
START_TEST(test_net_ipconfig_static)
{
	struct netif *netif;
	char host[UTS_LEN];

	ck_assert_int_eq(netdev_register(&tst_dev), 0);
	start_stack();
	ck_assert_int_eq(cmdline_parse(&kos_cmdline,
				       "ip=10.1.2.3::10.1.2.1:255.255.0.0:"
				       "kosbox:tst0:off loglevel=3"),
			 0);
	ck_assert_int_eq(net_ipconfig(), 0);
	lwipk_lock();
	netif = lwipk_netif(&tst_dev);
	ck_assert(netif_is_up(netif));
	ck_assert_uint_eq(ip4_addr_get_u32(netif_ip4_addr(netif)),
			  PP_HTONL(0x0a010203));
	ck_assert_uint_eq(ip4_addr_get_u32(netif_ip4_netmask(netif)),
			  PP_HTONL(0xffff0000));
	ck_assert_uint_eq(ip4_addr_get_u32(netif_ip4_gw(netif)),
			  PP_HTONL(0x0a010201));
	ck_assert_ptr_eq(netif_default, netif);
	lwipk_unlock();
	uts_get_hostname(host);
	ck_assert_str_eq(host, "kosbox");
}
END_TEST

/* Class default netmask, ip=off, a bad address, a missing device. */
START_TEST(test_net_ipconfig_forms)
{
	struct netif *netif;

	ck_assert_int_eq(netdev_register(&tst_dev), 0);
	start_stack();
	cmdline_parse(&kos_cmdline, "ip=off");
	ck_assert_int_eq(net_ipconfig(), 0);
	ck_assert(!(tst_dev.flags & IFF_UP));
	cmdline_parse(&kos_cmdline, "ip=10.1.300.3:::::tst0:off");
	ck_assert_int_eq(net_ipconfig(), -EINVAL);
	cmdline_parse(&kos_cmdline, "ip=10.1.2.3:::::eth7:off");
	ck_assert_int_eq(net_ipconfig(), -ENODEV);
	/* no device named: the first that is not lo; class A mask */
	cmdline_parse(&kos_cmdline, "ip=10.1.2.3");
	ck_assert_int_eq(net_ipconfig(), 0);
	lwipk_lock();
	netif = lwipk_netif(&tst_dev);
	ck_assert_uint_eq(ip4_addr_get_u32(netif_ip4_netmask(netif)),
			  PP_HTONL(0xff000000));
	ck_assert_uint_eq(ip4_addr_get_u32(netif_ip4_gw(netif)), 0);
	lwipk_unlock();
}
END_TEST

/* No ip=: eth0 gets QEMU's user-network address. */
START_TEST(test_net_ipconfig_default)
{
	static struct kos_netdev eth = {
		.type = ARPHRD_ETHER,
		.mac = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 },
		.mtu = 1500,
		.carrier = true,
		.ops = &tst_ops,
	};
	struct netif *netif;

	start_stack();
	ck_assert_int_eq(netdev_register(&eth), 0);
	ck_assert_str_eq(eth.name, "eth0");
	ck_assert_uint_eq(eth.ifindex, 2);
	cmdline_parse(&kos_cmdline, "loglevel=3");
	ck_assert_int_eq(net_ipconfig(), 0);
	lwipk_lock();
	netif = lwipk_netif(&eth);
	ck_assert_uint_eq(netif_get_index(netif), 2);
	ck_assert_uint_eq(ip4_addr_get_u32(netif_ip4_addr(netif)),
			  PP_HTONL(0x0a00020f));
	ck_assert_uint_eq(ip4_addr_get_u32(netif_ip4_netmask(netif)),
			  PP_HTONL(0xffffff00));
	ck_assert_uint_eq(ip4_addr_get_u32(netif_ip4_gw(netif)),
			  PP_HTONL(0x0a000202));
	ck_assert_ptr_eq(netif_default, netif);
	/* up, with an IPv6 link-local address from the MAC */
	ck_assert(netif_is_up(netif));
	ck_assert(ip6_addr_islinklocal(netif_ip6_addr(netif, 0)));
	ck_assert_uint_eq(eth.flags & (IFF_UP | IFF_RUNNING | IFF_BROADCAST),
			  IFF_UP | IFF_RUNNING | IFF_BROADCAST);
	lwipk_unlock();
}
END_TEST

/* netlink's message building and attribute parsing (net/netlink.c) */
START_TEST(test_netlink_attrs)
{
	struct netlink_buf b = { 0 };
	const struct rtattr *tb[10];
	uint8_t fixed[16] = { 1, 2, 3 }, five[5] = { 9, 9, 9, 9, 9 };
	struct nlmsghdr *h;
	size_t off, off2;
	uint8_t *p;

	off = netlink_msg_begin(&b, RTM_NEWLINK, NLM_F_MULTI, 7, 42, fixed,
				sizeof(fixed));
	ck_assert_uint_eq(off, 0);
	netlink_put_attr(&b, 1, five, 1);
	netlink_put_str(&b, 2, "lo");
	netlink_put_u32(&b, 3, 0x11223344);
	netlink_put_attr(&b, 4, five, 5);
	netlink_put_attr(&b, 1, five, 2); /* a second type 1: the last wins */
	netlink_msg_end(&b, off);
	ck_assert(!b.nomem);
	h = (struct nlmsghdr *)b.p;
	/* header 16, fixed 16, attributes 8 + 8 + 8 + 12 + 8 */
	ck_assert_uint_eq(h->nlmsg_len, 76);
	ck_assert_uint_eq(b.len, 76);
	ck_assert_uint_eq(h->nlmsg_type, RTM_NEWLINK);
	ck_assert_uint_eq(h->nlmsg_flags, NLM_F_MULTI);
	ck_assert_uint_eq(h->nlmsg_seq, 7);
	ck_assert_uint_eq(h->nlmsg_pid, 42);
	ck_assert_mem_eq(b.p + 16, fixed, sizeof(fixed));
	p = b.p + 32;
	ck_assert_uint_eq(((struct rtattr *)p)->rta_len, 5);
	ck_assert_uint_eq(p[5] | p[6] | p[7], 0); /* zero padding */
	netlink_parse_attrs(b.p + 32, h->nlmsg_len - 32, tb, 9);
	ck_assert_ptr_nonnull(tb[1]);
	ck_assert_uint_eq(netlink_attr_len(tb[1]), 2);
	ck_assert_str_eq(netlink_attr_data(tb[2]), "lo");
	ck_assert_uint_eq(tb[2]->rta_len, 7);
	ck_assert_uint_eq(*(const uint32_t *)netlink_attr_data(tb[3]),
			  0x11223344);
	ck_assert_uint_eq(tb[4]->rta_len, 9);
	ck_assert_mem_eq(netlink_attr_data(tb[4]), five, 5);
	ck_assert_ptr_null(tb[5]);
	/* a second message after the first, the buffer growing past 1 KiB */
	off2 = netlink_msg_begin(&b, NLMSG_DONE, 0, 8, 42, NULL, 4);
	ck_assert_uint_eq(off2, 76);
	for (int i = 0; i < 100; i++)
		netlink_put_attr(&b, 5, fixed, 16);
	netlink_msg_end(&b, off2);
	ck_assert(!b.nomem);
	ck_assert_uint_eq(((struct nlmsghdr *)(b.p + off2))->nlmsg_len,
			  16 + 4 + 100 * 20);
	ck_assert_uint_eq(((struct nlmsghdr *)b.p)->nlmsg_len, 76);
	/* malformed: a length past the end stops the parse, as Linux's */
	p = b.p + 32;
	((struct rtattr *)(p + 16))->rta_len = 200; /* the third attribute */
	netlink_parse_attrs(p, 44, tb, 9);
	ck_assert_ptr_nonnull(tb[2]);
	ck_assert_ptr_null(tb[3]);
	ck_assert_ptr_null(tb[4]);
	((struct rtattr *)(p + 16))->rta_len = 2; /* shorter than a header */
	netlink_parse_attrs(p, 44, tb, 9);
	ck_assert_ptr_null(tb[3]);
	netlink_parse_attrs(p, 3, tb, 9); /* no room for a header */
	ck_assert_ptr_null(tb[1]);
	netlink_buf_free(&b);
}
END_TEST

START_TEST(test_netlink_prefixlen)
{
	ck_assert_int_eq(net_iface_prefixlen(0), 0);
	ck_assert_int_eq(net_iface_prefixlen(PP_HTONL(0xff000000)), 8);
	ck_assert_int_eq(net_iface_prefixlen(PP_HTONL(0xffffff00)), 24);
	ck_assert_int_eq(net_iface_prefixlen(PP_HTONL(0xfffffffe)), 31);
	ck_assert_int_eq(net_iface_prefixlen(0xffffffff), 32);
	ck_assert_int_eq(net_iface_prefixlen(PP_HTONL(0xff00ff00)), -1);
	ck_assert_int_eq(net_iface_prefixlen(PP_HTONL(0x000000ff)), -1);
	ck_assert_uint_eq(net_iface_mask(0), 0);
	ck_assert_uint_eq(net_iface_mask(8), PP_HTONL(0xff000000));
	ck_assert_uint_eq(net_iface_mask(20), PP_HTONL(0xfffff000));
	ck_assert_uint_eq(net_iface_mask(32), 0xffffffff);
	for (unsigned int n = 0; n <= 32; n++)
		ck_assert_int_eq(net_iface_prefixlen(net_iface_mask(n)),
				 (int)n);
}
END_TEST

/*
 * lwipk_chksum (LWIP_CHKSUM) against RFC 1071 done the slow way: the
 * bytes taken in pairs from the start, first byte high, summed with
 * end-around carry; lwIP's contract is that sum stored in memory order.
 * Every length to 300 at every alignment, over bytes that make carries.
 */
static uint16_t ref_chksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < n; i += 2) {
		sum += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return lwip_htons((uint16_t)sum);
}

START_TEST(test_net_chksum_matches_rfc1071)
{
	static uint8_t buf[320];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0xff - (i * 37 % 11));
	for (size_t n = 0; n <= 300; n++)
		for (unsigned int off = 0; off < 16; off++)
			ck_assert_msg(lwipk_chksum(buf + off, (int)n) ==
					      ref_chksum(buf + off, n),
				      "n=%zu off=%u: %#x, want %#x", n, off,
				      lwipk_chksum(buf + off, (int)n),
				      ref_chksum(buf + off, n));
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(lwipk_chksum(buf, 300), 0xffff);
	ck_assert_uint_eq(lwipk_chksum(buf, -1), 0);
	/* A real IPv4 header sums to 0xffff; inet_chksum inverts to 0. */
	static const uint8_t ip[20] = { 0x45, 0,    0,	  0x73, 0,
					0,    0x40, 0,	  0x40, 0x11,
					0xb8, 0x61, 0xc0, 0xa8, 0,
					1,    0xc0, 0xa8, 0,	0xc7 };
	ck_assert_uint_eq(inet_chksum(ip, sizeof(ip)), 0);
}
END_TEST

Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("stack");

	tcase_add_checked_fixture(tc, net_setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_net_stack_up);
	tcase_add_test(tc, test_net_lo_echo);
	tcase_add_test(tc, test_net_tcp_lo_1mib);
	tcase_add_test(tc, test_net_udp_lo6);
	tcase_add_test(tc, test_net_timers);
	tcase_add_test(tc, test_net_rx_before_start);
	tcase_add_test(tc, test_net_idle_timers);
	tcase_add_test(tc, test_net_own_address_via_lo);
	tcase_add_test(tc, test_net_ipconfig_static);
	tcase_add_test(tc, test_net_ipconfig_forms);
	tcase_add_test(tc, test_net_ipconfig_default);
	suite_add_tcase(s, tc);
	tc = tcase_create("netlink");
	tcase_add_checked_fixture(tc, net_setup, NULL);
	tcase_add_test(tc, test_netlink_attrs);
	tcase_add_test(tc, test_netlink_prefixlen);
	tcase_add_test(tc, test_net_chksum_matches_rfc1071);
	suite_add_tcase(s, tc);
	return s;
}
