/*
 * Interface configuration shared by the ioctls (net/ifioctl.c) and
 * netlink (net/netlink.c): the operations both make on lwIP's netifs,
 * with Linux's side effects, and the ioctl entry the socket layer calls.
 *
 * Addresses are IPv4 in network byte order, as lwIP keeps them.  Every
 * net_iface_* call but net_iface_ioctl and net_iface_capable is made
 * with the stack lock held (net/stack.h).
 */
#ifndef KOS_NET_IFIOCTL_H
#define KOS_NET_IFIOCTL_H

#include <kos/netdev.h>
#include <kos/types.h>

struct socket;

/* The caller has CAP_NET_ADMIN (the setters' check, as Linux). */
bool net_iface_capable(void);

/* Prefix length of a contiguous netmask, or -1; and back. */
int net_iface_prefixlen(uint32_t mask);
uint32_t net_iface_mask(unsigned int plen);

/*
 * IFF_UP on or off.  Down drops the default route through the
 * interface, as Linux flushes the routes of a device that goes down.
 */
int net_iface_set_up(struct kos_netdev *nd, bool up);
int net_iface_set_mtu(struct kos_netdev *nd, unsigned int mtu);
/* The interface's IPv4 address and netmask: false when it has none. */
bool net_iface_addr4(struct kos_netdev *nd, uint32_t *addr, uint32_t *mask);
/* Its broadcast address (0 for lo and devices without IFF_BROADCAST). */
uint32_t net_iface_brd4(struct kos_netdev *nd);
/*
 * Set (addr != 0) or remove (addr 0) the IPv4 address.  Changing or
 * removing an address drops the default route through the interface,
 * as Linux does when a device's last address goes.
 */
void net_iface_set_addr4(struct kos_netdev *nd, uint32_t addr, uint32_t mask);
/* The default route: false when there is none. */
bool net_iface_default(struct kos_netdev **nd, uint32_t *gw);
/* Its rtm_protocol (RTPROT_BOOT for ip= and the ioctls). */
extern unsigned int net_iface_default_proto;
/*
 * Add the default route via gw (on-link on oif, or on any interface
 * when oif is NULL): 0, -ENETUNREACH (no interface has gw on-link),
 * -EEXIST (one exists and !replace).
 */
int net_iface_add_default(struct kos_netdev *oif, uint32_t gw, bool replace,
			  unsigned int proto);
/* Remove it (gw 0 / oif NULL: any): 0 or -ESRCH. */
int net_iface_del_default(struct kos_netdev *oif, uint32_t gw);

/*
 * The interface ioctls (SIOCGIF*, SIOCSIF*, SIOCADDRT, SIOCDELRT) on
 * any socket: the result, or false in *handled for a cmd that is not
 * one of them (the family's ioctl then).  Takes the stack lock itself.
 */
long net_iface_ioctl(struct socket *s, unsigned int cmd, unsigned long arg,
		     bool *handled);

#endif
