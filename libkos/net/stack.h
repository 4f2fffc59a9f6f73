/*
 * The TCP/IP stack as the rest of libkos/net sees it (net/lwip.c): the
 * one stack lock, wake-ups for the stack thread, and the lwIP interface
 * of each network device.  For KOS files that call lwIP's raw API
 * (net/inet*.c, net/ipconfig.c, netlink later); see net/lwip.c for the
 * design.
 *
 * The rules, in short:
 *  - every call into lwIP (tcp_*, udp_*, raw_*, netif_*, pbuf_* of
 *    pbufs the stack may hold, ...) is made with the stack lock held;
 *    lwIP asserts it (LWIP_ASSERT_CORE_LOCKED, a panic);
 *  - the lock is a mutex: thread context only, never in an interrupt
 *    handler; sleep with it held only through a wait that drops it;
 *  - lwIP's callbacks (recv, sent, err, accept, udp/raw recv) run with
 *    the lock held, in the stack thread or inside the lwIP call that
 *    triggered them, and must not sleep or copy user memory;
 *  - lwIP's timeouts (TCP retransmission, ARP, DHCP, ...) run in the
 *    stack thread.  lwipk_unlock() re-arms the thread's timer when a call
 *    made under the lock asked for an earlier timeout, so a caller that
 *    releases the lock another way (sock_wait() on lwipk_mutex()) calls
 *    lwipk_timers_changed() first.  Without it the stack still notices
 *    within 100 ms (lwIP's shortest periodic timer), not at once.
 */
#ifndef KOS_NET_STACK_H
#define KOS_NET_STACK_H

#include <kos/mutex.h>
#include <kos/netdev.h>
#include <kos/types.h>

struct netif;

/* Take / release the stack lock (see above). */
void lwipk_lock(void);
void lwipk_unlock(void);
/* The lock itself, for waits that drop it (sock_wait). */
struct mutex *lwipk_mutex(void);
/* True if the calling thread holds the stack lock. */
bool lwipk_locked(void);

/*
 * Lock held: lwIP's next timeout may have moved earlier; re-arm the
 * stack thread's timer (lwipk_unlock() does this itself).
 */
void lwipk_timers_changed(void);

/*
 * Lock held: which of the on-demand timers (bit 0: IGMP/MLD reports,
 * bit 1: DHCP requests) are armed.  For the unit tests.
 */
unsigned int lwipk_ondemand_armed(void);

/* Run fn(arg) with the stack lock held and return what it returns. */
int lwipk_call(int (*fn)(void *arg), void *arg);

/* True once net_stack_init() has run. */
bool lwipk_running(void);

/*
 * The lwIP interface of nd (NULL before the stack attached it) and back.
 * The netif's number is nd->ifindex - 1, so lwIP's netif_get_index() is
 * Linux's ifindex (IPv6 scope ids need that).  Lock held.
 */
struct netif *lwipk_netif(struct kos_netdev *nd);
struct kos_netdev *lwipk_netdev(struct netif *netif);

/*
 * Interface configuration, lock held; each keeps nd->flags (IFF_*) in
 * step with lwIP.  lwipk_if_up: IFF_UP on (true) or off; an Ethernet
 * interface gets its IPv6 link-local address and starts SLAAC when it
 * comes up.  lwipk_if_set_ipv4: address, netmask (network order) and
 * gateway (0: none); a gateway also makes it the default route.
 * lwipk_if_set_mtu: 68..max_mtu, else -EINVAL.
 */
int lwipk_if_up(struct kos_netdev *nd, bool up);
int lwipk_if_set_ipv4(struct kos_netdev *nd, uint32_t addr, uint32_t mask,
		      uint32_t gw);
int lwipk_if_set_mtu(struct kos_netdev *nd, unsigned int mtu);

#endif
