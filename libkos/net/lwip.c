/*
 * The TCP/IP stack: lwIP 2.1.3 driven by KOS (docs/net.md, "lwIP, the
 * stack thread and the loopback").
 *
 * lwIP runs with NO_SYS=1 (libkos/net/lwip/lwipopts.h): no threads or
 * locks of its own, only the raw API, so KOS provides what an lwIP
 * "main loop" would:
 *
 * The stack lock.  One mutex, stack_lock, serializes every entry into
 * lwIP: system calls (net/inet*.c, net/ipconfig.c), the stack thread,
 * interface configuration.  lwIP checks it on each API call
 * (LWIP_ASSERT_CORE_LOCKED -> lwipk_assert_locked).  It is a mutex, so
 * lwIP never runs in interrupt context: drivers hand frames to
 * netdev_rx(), which queues a copy (net/netdev.c), and only the stack
 * thread feeds them to lwIP.  lwIP's callbacks into KOS (a socket's
 * recv/sent/err, a netif's output) run with the lock held.  Nothing
 * copies user memory under it (a fault may sleep).  Lock order: a
 * socket's own mutexes before the stack lock; nothing after it but
 * spinlocks (the netdev receive queue, wait queues) and kmalloc.
 *
 * The stack thread ("net-stack") loops: take the lock; drain the
 * receive queue (netdev_rx_take) into each frame's netif->input, and
 * apply link changes; run lwIP's expired timeouts (sys_check_timeouts);
 * arm stack_timer, a ktimer, for lwIP's next timeout; drop the lock;
 * sleep on netdev_rx_wq until a frame is queued, the timer fires or
 * someone kicks it.  Timeouts a system call adds (a TCP retransmission
 * timer started by tcp_write, say) may be earlier than the armed
 * timer: lwipk_unlock() looks at lwIP's next timeout and moves the
 * ktimer earlier if it has to, so timeouts run on time without a
 * periodic tick.  sys_now(), lwIP's millisecond clock, is
 * clock_monotonic_ns() / 10^6.
 *
 * lwIP's cyclic timers would wake an idle stack 26 times a second:
 * IGMP and MLD every 100 ms, the DHCP client's fine timer every 500 ms,
 * ARP, ND6 and both reassemblies every second.  The three fast ones
 * have nothing to do unless a group report or a DHCP request is
 * pending (a group's or the client's timer is not 0), so net_stack_init
 * cancels them and lwipk_timers_changed(), run at every unlock, starts
 * KOS's own one-shot timeouts (ondemand_tmr) when such a timer is
 * pending; they run lwIP's timer function and stop once nothing is left
 * to count down.  The 1 s timers keep running (their tables are lwIP's
 * private state) and fire together, so an idle stack wakes once a
 * second.
 *
 * Received frames are not copied again: the netdev_frame the driver's
 * copy lives in becomes the payload of a custom pbuf (PBUF_REF) whose
 * free function kfrees it, so a TCP segment's bytes sit in the frame
 * they came in until the socket reader consumes them.  Frames larger
 * than a pbuf can describe (64 KiB) are dropped.  A device with
 * NETDEV_F_RXCSUM that marked a frame csum_ok has lwIP skip the TCP/UDP
 * checksum check for that frame (the netif's per-frame checksum flags).
 *
 * Transmit: each kos_netdev gets an lwIP netif (struct lwipk_if).
 * Ethernet devices use lwIP's ARP and IPv6 neighbour discovery
 * (etharp_output, ethip6_output); their linkoutput hands the frame to
 * ops->xmit, flattening a pbuf chain into a scratch buffer first (lwIP
 * is built with LWIP_NETIF_TX_SINGLE_PBUF, so chains are rare).  The
 * loopback (net/loopback.c) has no link layer: its output sends the IP
 * packet to its xmit, which queues it back as a received frame.  As on
 * Linux, traffic to the machine's own addresses goes through lo: an
 * Ethernet interface's output diverts packets for its own address to
 * lo (lwIP's own loopback, LWIP_NETIF_LOOPBACK, is off).  Checksums are
 * neither computed nor checked on lo, as Linux's lo does not.
 *
 * Interfaces are attached (netdev_stack_attach) when they register, or
 * by net_stack_init() for those registered before the stack started, in
 * ifindex order: lwIP's netif number is ifindex - 1, so netif_get_index()
 * and if_nametoindex agree with Linux's numbers.  nd->flags (IFF_*) is
 * kept by the lwipk_if_* helpers under the stack lock.
 *
 * Memory comes from kmalloc (MEM_LIBC_MALLOC, MEMP_MEM_MALLOC; see
 * lwipopts.h for why).
 */
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
#include <kos/netdev.h>
#include <kos/panic.h>
#include <kos/random.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/timer.h>
#include <kos/waitq.h>
#include <uapi/errno.h>
#include <uapi/if.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/igmp.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/mld6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "netdev_internal.h"
#include "stack.h"

/* The most bytes a pbuf (u16_t lengths) can carry in one piece. */
#define LWIPK_FRAME_MAX 0xffff

/* One netdev's lwIP side: nd->stack. */
struct lwipk_if {
	struct netif netif;
	struct kos_netdev *nd;
};

/* A received frame wrapped as a pbuf (see above). */
struct lwipk_rxbuf {
	struct pbuf_custom pc;
	struct netdev_frame *fr;
};

static struct mutex stack_lock = MUTEX_INIT(stack_lock, "net-stack");
static bool stack_up;		    /* stack_lock: lwip_init() done */
static struct thread *stack_thread; /* set once */
static struct ktimer stack_timer;   /* lwIP's next timeout */
static uint64_t stack_timer_at;	    /* stack_lock: its deadline, if armed */
static bool stack_kicked;	    /* timer fired or lwipk_kick: atomic */
/* stack_lock: where linkoutput flattens pbuf chains */
static uint8_t tx_scratch[LWIPK_FRAME_MAX];

/* --- lwIP's port: clock, random numbers, memory, diagnostics --- */

u32_t sys_now(void)
{
	return (u32_t)(clock_monotonic_ns() / NSEC_PER_MSEC);
}

uint32_t lwipk_rand(void)
{
	uint32_t r;

	kos_random_bytes(&r, sizeof(r));
	return r;
}

void *lwipk_calloc(unsigned long n, unsigned long size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kzalloc(n * size);
}

void lwipk_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kos_vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void lwipk_assert(const char *msg, const char *file, int line)
{
	kos_panic("lwIP: assertion \"%s\" failed at %s:%d", msg, file, line);
}

void lwipk_assert_locked(void)
{
	if (!mutex_held(&stack_lock))
		kos_panic("lwIP entered without the stack lock");
}

/* --- the stack lock --- */

/*
 * lwIP's LWIP_CHKSUM (lwipopts.h): the ones' complement sum of data's
 * 16-bit words, each read as the CPU reads memory (so the result, stored
 * the same way, is in network order), folded to 16 bits, not inverted.
 * Words at odd addresses need no care: the sum depends only on each
 * byte's offset from data, and a 64-bit lane holds four whole words.
 * The end-around carry goes back in after each add; the last 1-7 bytes
 * fill a lane's low end (a lone last byte is a word's first byte).
 */
unsigned short lwipk_chksum(const void *data, int len)
{
	const uint8_t *p = data;
	size_t n = len > 0 ? (size_t)len : 0;
	uint64_t sum = 0, w;

	for (; n >= 8; p += 8, n -= 8) {
		kos_memcpy(&w, p, 8);
		sum += w;
		sum += sum < w;
	}
	if (n) {
		w = 0;
		for (size_t i = 0; i < n; i++)
			w |= (uint64_t)p[i] << (8 * i);
		sum += w;
		sum += sum < w;
	}
	sum = (sum & 0xffffffffU) + (sum >> 32);
	sum = (sum & 0xffffffffU) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)sum;
}

void lwipk_lock(void)
{
	mutex_lock(&stack_lock);
}

struct mutex *lwipk_mutex(void)
{
	return &stack_lock;
}

bool lwipk_locked(void)
{
	return mutex_held(&stack_lock);
}

bool lwipk_running(void)
{
	return READ_ONCE(stack_up);
}

static void stack_kick(void)
{
	__atomic_store_n(&stack_kicked, true, __ATOMIC_RELEASE);
	waitq_wake_all(&netdev_rx_wq);
}

static void stack_timer_fn(struct ktimer *t, void *arg)
{
	stack_kick();
}

/* ---- on-demand timers (IGMP, MLD, DHCP's fine timer) ------------------ */

struct ondemand {
	void (*tmr)(void);     /* lwIP's timer function */
	bool (*pending)(void); /* tmr has something to count down */
	u32_t interval;	       /* ms, lwIP's */
	bool armed;
};

static bool groups_pending(void)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		for (struct igmp_group *g = netif_igmp_data(n); g; g = g->next)
			if (g->timer)
				return true;
		for (struct mld_group *g = netif_mld6_data(n); g; g = g->next)
			if (g->timer)
				return true;
	}
	return false;
}

static void groups_tmr(void)
{
	igmp_tmr();
	mld6_tmr();
}

static bool dhcp_pending(void)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		struct dhcp *d = netif_dhcp_data(n);

		if (d && d->request_timeout)
			return true;
	}
	return false;
}

static void dhcp_tmr(void)
{
	dhcp_fine_tmr();
}

static struct ondemand ondemand[] = {
	{ groups_tmr, groups_pending, IGMP_TMR_INTERVAL, false },
	{ dhcp_tmr, dhcp_pending, DHCP_FINE_TIMER_MSECS, false },
};

static void ondemand_tmr(void *arg)
{
	struct ondemand *od = arg;

	od->tmr();
	if (od->pending())
		sys_timeout(od->interval, ondemand_tmr, od);
	else
		od->armed = false;
}

static void ondemand_start(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ondemand); i++) {
		struct ondemand *od = &ondemand[i];

		if (!od->armed && od->pending()) {
			od->armed = true;
			sys_timeout(od->interval, ondemand_tmr, od);
		}
	}
}

unsigned int lwipk_ondemand_armed(void)
{
	unsigned int m = 0;

	KOS_ASSERT(mutex_held(&stack_lock));
	for (size_t i = 0; i < ARRAY_SIZE(ondemand); i++)
		if (ondemand[i].armed)
			m |= 1U << i;
	return m;
}

/*
 * lwIP's (global under LWIP_TESTMODE); hidden, so taking its address needs
 * no GOT entry (scripts/check-symbols).
 */
extern void lwip_cyclic_timer(void *arg) __attribute__((visibility("hidden")));

/*
 * Cancel lwIP's cyclic timers that ondemand[] replaces.  Once.  They are
 * known by their intervals (100 ms: IGMP and MLD, 500 ms: DHCP's fine
 * timer; no other has these), not by their handlers' addresses, which
 * would be GOT references.
 */
static void ondemand_init(void)
{
	for (int i = 0; i < lwip_num_cyclic_timers; i++) {
		u32_t ms = lwip_cyclic_timers[i].interval_ms;

		if (ms == IGMP_TMR_INTERVAL || ms == MLD6_TMR_INTERVAL ||
		    ms == DHCP_FINE_TIMER_MSECS)
			sys_untimeout(lwip_cyclic_timer,
				      LWIP_CONST_CAST(void *,
						      &lwip_cyclic_timers[i]));
	}
}

void lwipk_timers_changed(void)
{
	u32_t ms;
	uint64_t at;

	KOS_ASSERT(mutex_held(&stack_lock));
	if (!stack_up)
		return;
	ondemand_start();
	ms = sys_timeouts_sleeptime();
	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return;
	/*
	 * sys_now() truncates: waking at now + ms, in ns, finds sys_now()
	 * at or past the timeout.
	 */
	at = clock_monotonic_ns() + (uint64_t)ms * NSEC_PER_MSEC;
	if (ktimer_pending(&stack_timer) && stack_timer_at <= at)
		return;
	stack_timer_at = at;
	ktimer_arm(&stack_timer, at);
}

void lwipk_unlock(void)
{
	lwipk_timers_changed();
	mutex_unlock(&stack_lock);
}

int lwipk_call(int (*fn)(void *arg), void *arg)
{
	int ret;

	lwipk_lock();
	ret = fn(arg);
	lwipk_unlock();
	return ret;
}

/* --- interfaces --- */

struct netif *lwipk_netif(struct kos_netdev *nd)
{
	struct lwipk_if *li = nd->stack;

	return li ? &li->netif : NULL;
}

struct kos_netdev *lwipk_netdev(struct netif *netif)
{
	return ((struct lwipk_if *)netif)->nd;
}

/*
 * Send the frame (or, on lo, IP packet) in p through nd's driver.  The
 * driver copies it before returning; a full ring drops it, which lwIP
 * need not know (TCP retransmits).
 */
static err_t lwipk_xmit(struct kos_netdev *nd, struct pbuf *p)
{
	struct netdev_tx tx = { 0 };
	int err;

	if (p->next) { /* tot_len is a u16_t: it fits */
		pbuf_copy_partial(p, tx_scratch, p->tot_len, 0);
		tx.frame = tx_scratch;
	} else {
		tx.frame = p->payload;
	}
	tx.len = p->tot_len;
	/* The driver counts the frame: sent, tx_dropped or tx_errors. */
	err = nd->ops->xmit(nd, &tx);
	if (err == -EAGAIN)
		return ERR_OK;
	return err < 0 ? ERR_IF : ERR_OK;
}

static err_t eth_linkoutput(struct netif *netif, struct pbuf *p)
{
	return lwipk_xmit(lwipk_netdev(netif), p);
}

/* The loopback device, once attached (stack_lock). */
static struct kos_netdev *loopback_nd;

/* Packets for the interface's own address go through lo, as Linux. */
static err_t eth_output4(struct netif *netif, struct pbuf *p,
			 const ip4_addr_t *dest)
{
	struct kos_netdev *lo;

	if (ip4_addr_cmp(dest, netif_ip4_addr(netif)) && (lo = loopback_nd))
		return lwipk_xmit(lo, p);
	return etharp_output(netif, p, dest);
}

static err_t eth_output6(struct netif *netif, struct pbuf *p,
			 const ip6_addr_t *dest)
{
	struct kos_netdev *lo;

	if (netif_get_ip6_addr_match(netif, dest) >= 0 && (lo = loopback_nd))
		return lwipk_xmit(lo, p);
	return ethip6_output(netif, p, dest);
}

static err_t ip_output4(struct netif *netif, struct pbuf *p,
			const ip4_addr_t *dest)
{
	return lwipk_xmit(lwipk_netdev(netif), p);
}

static err_t ip_output6(struct netif *netif, struct pbuf *p,
			const ip6_addr_t *dest)
{
	return lwipk_xmit(lwipk_netdev(netif), p);
}

/* lwIP's netif init callback for nd (netif->state). */
static err_t lwipk_netif_init(struct netif *netif)
{
	struct kos_netdev *nd = netif->state;

	netif->name[0] = nd->name[0];
	netif->name[1] = nd->name[1] ? nd->name[1] : '0';
	/* netif->mtu is a u16_t; 0 means "never fragment" (lo's 65536) */
	netif->mtu = nd->mtu > 0xffff ? 0 : (u16_t)nd->mtu;
#if LWIP_ND6_ALLOW_RA_UPDATES
	netif->mtu6 = netif->mtu;
#endif
	if (nd->type == ARPHRD_LOOPBACK) {
		netif->output = ip_output4;
		netif->output_ip6 = ip_output6;
		netif->flags = 0;
		NETIF_SET_CHECKSUM_CTRL(netif, NETIF_CHECKSUM_DISABLE_ALL);
		return ERR_OK;
	}
	netif->hwaddr_len = NETDEV_ETH_ALEN;
	kos_memcpy(netif->hwaddr, nd->mac, NETDEV_ETH_ALEN);
	netif->output = eth_output4;
	netif->output_ip6 = eth_output6;
	netif->linkoutput = eth_linkoutput;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		       NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
	NETIF_SET_CHECKSUM_CTRL(netif, NETIF_CHECKSUM_ENABLE_ALL);
	return ERR_OK;
}

/*
 * lwIP's input functions, called directly (their address would be a GOT
 * reference, which libkos does not use).
 */
static err_t eth_input(struct pbuf *p, struct netif *netif)
{
	return ethernet_input(p, netif);
}

static err_t lo_input(struct pbuf *p, struct netif *netif)
{
	return ip_input(p, netif);
}

/* Give nd its netif.  Lock held, stack up. */
static void attach_locked(struct kos_netdev *nd)
{
	struct lwipk_if *li;

	if (nd->stack)
		return;
	li = kzalloc(sizeof(*li));
	if (!li) {
		log_err("net: %s: no memory for the stack's interface",
			nd->name);
		return;
	}
	li->nd = nd;
	if (!netif_add(&li->netif, NULL, NULL, NULL, nd, lwipk_netif_init,
		       nd->type == ARPHRD_LOOPBACK ? lo_input : eth_input)) {
		log_err("net: %s: lwIP refused the interface", nd->name);
		kfree(li);
		return;
	}
	/* lwIP numbers netifs in the order they come: ifindex - 1 */
	if (li->netif.num != nd->ifindex - 1)
		li->netif.num = (u8_t)(nd->ifindex - 1);
	nd->stack = li;
	if (nd->type == ARPHRD_LOOPBACK && !loopback_nd)
		loopback_nd = nd;
	nd->flags = nd->type == ARPHRD_LOOPBACK ? IFF_LOOPBACK
						: IFF_BROADCAST | IFF_MULTICAST;
	if (nd->carrier) {
		netif_set_link_up(&li->netif);
		nd->flags |= IFF_LOWER_UP;
	}
}

void netdev_stack_attach(struct kos_netdev *nd)
{
	lwipk_lock();
	if (stack_up)
		attach_locked(nd);
	lwipk_unlock();
}

int lwipk_if_up(struct kos_netdev *nd, bool up)
{
	struct netif *netif = lwipk_netif(nd);
	int err;

	KOS_ASSERT(mutex_held(&stack_lock));
	if (!netif)
		return -ENODEV;
	if (up == !!(nd->flags & IFF_UP))
		return 0;
	if (up) {
		if (nd->ops->open && (err = nd->ops->open(nd)) < 0)
			return err;
		nd->flags |= IFF_UP;
		if (nd->carrier)
			nd->flags |= IFF_RUNNING;
		netif_set_up(netif);
		if (nd->type != ARPHRD_LOOPBACK) {
			netif_create_ip6_linklocal_address(netif, 1);
			netif_set_ip6_autoconfig_enabled(netif, 1);
		}
	} else {
		netif_set_down(netif);
		nd->flags &= ~(IFF_UP | IFF_RUNNING);
		if (nd->ops->stop)
			nd->ops->stop(nd);
	}
	return 0;
}

int lwipk_if_set_ipv4(struct kos_netdev *nd, uint32_t addr, uint32_t mask,
		      uint32_t gw)
{
	struct netif *netif = lwipk_netif(nd);
	ip4_addr_t a, m, g;

	KOS_ASSERT(mutex_held(&stack_lock));
	if (!netif)
		return -ENODEV;
	ip4_addr_set_u32(&a, addr);
	ip4_addr_set_u32(&m, mask);
	ip4_addr_set_u32(&g, gw);
	netif_set_addr(netif, &a, &m, &g);
	if (gw)
		netif_set_default(netif);
	return 0;
}

int lwipk_if_set_mtu(struct kos_netdev *nd, unsigned int mtu)
{
	struct netif *netif = lwipk_netif(nd);
	int err;

	KOS_ASSERT(mutex_held(&stack_lock));
	if (!netif)
		return -ENODEV;
	if (mtu < 68 || mtu > nd->max_mtu)
		return -EINVAL;
	if (nd->ops->set_mtu && (err = nd->ops->set_mtu(nd, mtu)) < 0)
		return err;
	nd->mtu = mtu;
	netif->mtu = mtu > 0xffff ? 0 : (u16_t)mtu;
#if LWIP_ND6_ALLOW_RA_UPDATES
	netif->mtu6 = netif->mtu;
#endif
	return 0;
}

/* --- receiving --- */

static void rxbuf_free(struct pbuf *p)
{
	struct lwipk_rxbuf *rb = (struct lwipk_rxbuf *)p;

	kfree(rb->fr);
	kfree(rb);
}

/* Feed one queued frame or link change to lwIP.  Lock held. */
static void stack_input(struct netdev_frame *fr)
{
	struct kos_netdev *nd = fr->nd;
	struct lwipk_if *li = nd->stack;
	struct lwipk_rxbuf *rb;
	struct pbuf *p;

	if (!li)
		goto drop;
	if (!fr->len) {
		if (fr->link_up) {
			nd->flags |= IFF_LOWER_UP;
			if (nd->flags & IFF_UP)
				nd->flags |= IFF_RUNNING;
			netif_set_link_up(&li->netif);
		} else {
			nd->flags &= ~(IFF_LOWER_UP | IFF_RUNNING);
			netif_set_link_down(&li->netif);
		}
		kfree(fr);
		return;
	}
	if (fr->len > LWIPK_FRAME_MAX || !netif_is_up(&li->netif))
		goto drop;
	rb = kmalloc(sizeof(*rb));
	if (!rb)
		goto drop;
	rb->fr = fr;
	rb->pc.custom_free_function = rxbuf_free;
	p = pbuf_alloced_custom(PBUF_RAW, (u16_t)fr->len, PBUF_REF, &rb->pc,
				fr->data, (u16_t)fr->len);
	if (nd->type != ARPHRD_LOOPBACK)
		NETIF_SET_CHECKSUM_CTRL(
			&li->netif,
			fr->csum_ok ? NETIF_CHECKSUM_ENABLE_ALL &
					      ~(NETIF_CHECKSUM_CHECK_TCP |
						NETIF_CHECKSUM_CHECK_UDP)
				    : NETIF_CHECKSUM_ENABLE_ALL);
	if (li->netif.input(p, &li->netif) != ERR_OK)
		pbuf_free(p); /* frees rb and fr */
	return;
drop:
	__atomic_add_fetch(&nd->stats.rx_dropped, 1, __ATOMIC_RELAXED);
	kfree(fr);
}

/* Frames handled per lock hold, so timeouts and callers get a turn. */
#define STACK_BATCH 64

static bool stack_has_work(void *arg)
{
	return netdev_rx_pending() ||
	       __atomic_load_n(&stack_kicked, __ATOMIC_ACQUIRE);
}

static void stack_thread_fn(void *arg)
{
	struct netdev_frame *fr;

	for (;;) {
		unsigned int n = 0;

		__atomic_store_n(&stack_kicked, false, __ATOMIC_RELAXED);
		lwipk_lock();
		while (n < STACK_BATCH && (fr = netdev_rx_take())) {
			stack_input(fr);
			n++;
		}
		sys_check_timeouts();
		lwipk_unlock();
		if (n == STACK_BATCH) {
			sched_yield();
			continue;
		}
		waitq_wait_timeout(&netdev_rx_wq, stack_has_work, NULL,
				   UINT64_MAX);
	}
}

/*
 * Start the stack: lwIP, the interfaces of devices registered so far,
 * lo (net/loopback.c), the stack thread.  Once, from net_init() (or
 * kos_main), before the platform's devices are found, so lo is index 1.
 */
void net_stack_init(void)
{
	struct kos_netdev *nd;
	unsigned int idx = 0;

	lwipk_lock();
	if (stack_up) {
		lwipk_unlock();
		return;
	}
	ktimer_init(&stack_timer, stack_timer_fn, NULL);
	lwip_init();
	ondemand_init();
	stack_up = true;
	while ((nd = netdev_next(idx))) {
		attach_locked(nd);
		idx = nd->ifindex;
	}
	lwipk_unlock();
	net_loopback_init();
	stack_thread = kthread_create("net-stack", stack_thread_fn, NULL);
	if (!stack_thread)
		kos_panic("net: cannot start the stack thread");
	log_info("net: lwIP %s up", LWIP_VERSION_STRING);
}
