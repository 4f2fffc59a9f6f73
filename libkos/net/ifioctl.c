/*
 * Interface configuration: the netdevice(7) ioctls on any socket
 * (SIOCGIFCONF, SIOCGIFNAME, SIOCGIFINDEX, SIOCGIF/SIOCSIF FLAGS, ADDR,
 * NETMASK, BRDADDR, MTU, HWADDR, TXQLEN, METRIC, MAP, DSTADDR) and
 * route(8)'s SIOCADDRT/SIOCDELRT, plus the operations on lwIP's netifs
 * that these and netlink (net/netlink.c) share (net/ifioctl.h).
 *
 * The state is lwIP's (docs/net.md, "Interface configuration"): a netif
 * has at most one IPv4 address with its netmask, and a gateway; the
 * default route is lwIP's default netif with its gateway.  KOS keeps no
 * route table of its own: the main table Linux would show is derived
 * from that (a connected route per interface with an address, the
 * default route), so only what lwIP can route can be added.
 *
 * Linux's side effects are kept: SIOCSIFADDR gives the address its
 * class's netmask and, like any change or removal of an interface's
 * only address, flushes the routes through the interface (here: the
 * default route); taking an interface down does the same.  The setters
 * need CAP_NET_ADMIN (-EPERM), checked after the ifreq or rtentry is
 * copied in (-EFAULT first), as Linux orders it.
 *
 * The IPv4 address ioctls (ADDR, NETMASK, BRDADDR, DSTADDR, and the
 * routes) are AF_INET's on Linux (devinet_ioctl, ip_rt_ioctl): on other
 * sockets they are -ENOTTY as there; the device ioctls work on any
 * socket, Unix and netlink ones included.
 *
 * Locking: the stack lock around every look at a netif; user memory is
 * copied without it.
 */
#include <kos/netdev.h>
#include <kos/proc.h>
#include <kos/socket.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/if.h>
#include <uapi/in.h>
#include <uapi/netlink.h>

#include "ifioctl.h"
#include "lwip/netif.h"
#include "stack.h"

#define TXQLEN 1000 /* Linux's default queue length: reported only */

unsigned int net_iface_default_proto = RTPROT_BOOT;

bool net_iface_capable(void)
{
	struct proc *cur = proc_current();

	return !cur || (cur->cred.cap_effective & (1ULL << CAP_NET_ADMIN));
}

int net_iface_prefixlen(uint32_t mask)
{
	uint32_t m = __builtin_bswap32(mask);
	int n = 0;

	while (n < 32 && (m & (0x80000000U >> n)))
		n++;

	if (m != (n ? ~0U << (32 - n) : 0))
		return -1;
	return n;
}

uint32_t net_iface_mask(unsigned int plen)
{
	return plen ? __builtin_bswap32(~0U << (32 - plen)) : 0;
}

/* The default route leaves through nd: drop it (Linux flushes it). */
static void drop_default_via(struct kos_netdev *nd)
{
	struct netif *netif = lwipk_netif(nd);
	ip4_addr_t none;

	if (!netif)
		return;
	ip4_addr_set_zero(&none);
	if (netif_default == netif)
		netif_set_default(NULL);
	netif_set_gw(netif, &none);
}

int net_iface_set_up(struct kos_netdev *nd, bool up)
{
	if (!up && (nd->flags & IFF_UP))
		drop_default_via(nd);
	return lwipk_if_up(nd, up);
}

int net_iface_set_mtu(struct kos_netdev *nd, unsigned int mtu)
{
	return lwipk_if_set_mtu(nd, mtu);
}

bool net_iface_addr4(struct kos_netdev *nd, uint32_t *addr, uint32_t *mask)
{
	struct netif *netif = lwipk_netif(nd);

	if (!netif || ip4_addr_isany_val(*netif_ip4_addr(netif)))
		return false;
	*addr = ip4_addr_get_u32(netif_ip4_addr(netif));
	*mask = ip4_addr_get_u32(netif_ip4_netmask(netif));
	return true;
}

uint32_t net_iface_brd4(struct kos_netdev *nd)
{
	uint32_t a, m;

	if (!(nd->flags & IFF_BROADCAST) || !net_iface_addr4(nd, &a, &m) ||
	    net_iface_prefixlen(m) >= 31)
		return 0;
	return a | ~m;
}

void net_iface_set_addr4(struct kos_netdev *nd, uint32_t addr, uint32_t mask)
{
	struct netif *netif = lwipk_netif(nd);
	uint32_t a, m;
	ip4_addr_t ia, im, ig;

	if (!netif)
		return;
	if (net_iface_addr4(nd, &a, &m)) {
		if (a == addr && m == mask)
			return;
		drop_default_via(nd);
	}
	ip4_addr_set_u32(&ia, addr);
	ip4_addr_set_u32(&im, addr ? mask : 0);
	ip4_addr_set_zero(&ig);
	netif_set_addr(netif, &ia, &im, &ig);
}

bool net_iface_default(struct kos_netdev **nd, uint32_t *gw)
{
	struct netif *netif = netif_default;

	if (!netif || ip4_addr_isany_val(*netif_ip4_gw(netif)))
		return false;
	*nd = lwipk_netdev(netif);
	*gw = ip4_addr_get_u32(netif_ip4_gw(netif));
	return *nd != NULL;
}

/* gw is on nd's subnet and nd is up. */
static bool onlink(struct kos_netdev *nd, uint32_t gw)
{
	uint32_t a, m;

	return (nd->flags & IFF_UP) && nd->type != ARPHRD_LOOPBACK &&
	       net_iface_addr4(nd, &a, &m) && (gw & m) == (a & m);
}

int net_iface_add_default(struct kos_netdev *oif, uint32_t gw, bool replace,
			  unsigned int proto)
{
	struct kos_netdev *nd = oif, *old;
	uint32_t oldgw;
	ip4_addr_t g;

	if (!nd) {
		unsigned int idx = 0;

		while ((nd = netdev_next(idx)) && !onlink(nd, gw))
			idx = nd->ifindex;
	}
	if (!nd || !onlink(nd, gw))
		return -ENETUNREACH;
	if (net_iface_default(&old, &oldgw)) {
		if (!replace)
			return -EEXIST;
		drop_default_via(old);
	}
	ip4_addr_set_u32(&g, gw);
	netif_set_gw(lwipk_netif(nd), &g);
	netif_set_default(lwipk_netif(nd));
	net_iface_default_proto = proto;
	return 0;
}

int net_iface_del_default(struct kos_netdev *oif, uint32_t gw)
{
	struct kos_netdev *nd;
	uint32_t g;

	if (!net_iface_default(&nd, &g) || (oif && oif != nd) ||
	    (gw && gw != g))
		return -ESRCH;
	drop_default_via(nd);
	return 0;
}

/* --- the ioctls --- */

static void put_sin(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;

	kos_memset(sa, 0, sizeof(*sa));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
}

static int get_sin(const struct sockaddr *sa, uint32_t *addr)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

	if (sa->sa_family != AF_INET)
		return -EINVAL;
	*addr = sin->sin_addr.s_addr;
	return 0;
}

/* Linux's classful netmask for SIOCSIFADDR (inet_abc_len). */
static uint32_t class_mask(uint32_t addr)
{
	uint32_t h = __builtin_bswap32(addr);

	if (!h)
		return 0;
	if (!(h & 0x80000000U))
		return net_iface_mask(8);
	if ((h & 0xc0000000U) == 0x80000000U)
		return net_iface_mask(16);
	if ((h & 0xe0000000U) == 0xc0000000U)
		return net_iface_mask(24);
	return net_iface_mask(32);
}

/* The flags SIOCSIFFLAGS may change on Linux (dev_change_flags). */
#define SETTABLE_FLAGS                                                   \
	(IFF_UP | IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_DYNAMIC | \
	 IFF_MULTICAST | IFF_PORTSEL | IFF_AUTOMEDIA | IFF_PROMISC |     \
	 IFF_ALLMULTI)

static long ifconf_ioctl(unsigned long arg)
{
	struct ifconf ifc;
	struct ifreq r;
	struct kos_netdev *nd;
	unsigned int idx = 0;
	int done = 0;
	uint32_t a, m;

	if (copy_from_user(&ifc, (void *)arg, sizeof(ifc)))
		return -EFAULT;
	while ((nd = netdev_next(idx))) {
		bool has;

		idx = nd->ifindex;
		lwipk_lock();
		has = net_iface_addr4(nd, &a, &m);
		lwipk_unlock();
		if (!has)
			continue;
		if (ifc.ifc_buf) {
			if (ifc.ifc_len - done < (int)sizeof(r))
				break;
			kos_memset(&r, 0, sizeof(r));
			kos_strlcpy(r.ifr_name, nd->name, IFNAMSIZ);
			put_sin(&r.ifr_addr, a);
			if (copy_to_user(ifc.ifc_buf + done, &r, sizeof(r)))
				return -EFAULT;
		}
		done += sizeof(r);
	}
	ifc.ifc_len = done;
	if (copy_to_user((void *)arg, &ifc, sizeof(ifc)))
		return -EFAULT;
	return 0;
}

static long route_ioctl(unsigned int cmd, unsigned long arg)
{
	struct rtentry rt;
	struct kos_netdev *dev = NULL;
	uint32_t dst, mask = 0, gw = 0;
	int err;

	if (copy_from_user(&rt, (void *)arg, sizeof(rt)))
		return -EFAULT;
	if (!net_iface_capable())
		return -EPERM;
	if (rt.rt_dst.sa_family != AF_INET)
		return -EAFNOSUPPORT;
	dst = ((struct sockaddr_in *)&rt.rt_dst)->sin_addr.s_addr;
	if (rt.rt_flags & RTF_HOST) {
		mask = 0xffffffffU;
	} else if (rt.rt_genmask.sa_family == AF_INET) {
		mask = ((struct sockaddr_in *)&rt.rt_genmask)->sin_addr.s_addr;
		if (net_iface_prefixlen(mask) < 0)
			return -EINVAL;
	} else if (rt.rt_genmask.sa_family != AF_UNSPEC || dst) {
		return -EINVAL;
	}
	if (dst & ~mask)
		return -EINVAL;
	if (rt.rt_dev) {
		char name[IFNAMSIZ];

		if (strncpy_from_user(name, rt.rt_dev, IFNAMSIZ - 1) < 0)
			return -EFAULT;
		name[IFNAMSIZ - 1] = 0;
		if (!(dev = netdev_by_name(name)))
			return -ENODEV;
	}
	if (rt.rt_flags & RTF_GATEWAY) {
		if (rt.rt_gateway.sa_family != AF_INET)
			return -EAFNOSUPPORT;
		gw = ((struct sockaddr_in *)&rt.rt_gateway)->sin_addr.s_addr;
	}
	lwipk_lock();
	if (mask) /* lwIP routes only a default route besides its subnets */
		err = cmd == SIOCADDRT ? -EOPNOTSUPP : -ESRCH;
	else if (cmd == SIOCADDRT)
		err = gw ? net_iface_add_default(dev, gw, false, RTPROT_BOOT)
			 : -EOPNOTSUPP;
	else
		err = net_iface_del_default(dev, gw);
	lwipk_unlock();
	return err;
}

/* An ioctl on one interface (struct ifreq in r): 0 or -EXXX. */
static long ifreq_ioctl(struct socket *s, unsigned int cmd, struct ifreq *r,
			bool *out)
{
	struct kos_netdev *nd;
	uint32_t a, m;
	bool inet = s->family == AF_INET;
	long err = 0;

	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCSIFADDR:
	case SIOCGIFNETMASK:
	case SIOCSIFNETMASK:
	case SIOCGIFBRDADDR:
	case SIOCSIFBRDADDR:
	case SIOCGIFDSTADDR:
		if (!inet)
			return -ENOTTY;
		break;
	}
	if (cmd == SIOCGIFNAME) {
		nd = netdev_by_index((unsigned int)r->ifr_ifindex);
		if (!nd || r->ifr_ifindex <= 0)
			return -ENODEV;
		kos_strlcpy(r->ifr_name, nd->name, IFNAMSIZ);
		*out = true;
		return 0;
	}
	r->ifr_name[IFNAMSIZ - 1] = 0;
	nd = netdev_by_name(r->ifr_name);
	if (!nd)
		return -ENODEV;
	switch (cmd) {
	case SIOCSIFFLAGS:
	case SIOCSIFADDR:
	case SIOCSIFNETMASK:
	case SIOCSIFBRDADDR:
	case SIOCSIFMTU:
	case SIOCSIFHWADDR:
	case SIOCSIFTXQLEN:
		if (!net_iface_capable())
			return -EPERM;
	}
	*out = cmd != SIOCSIFFLAGS && cmd != SIOCSIFADDR &&
	       cmd != SIOCSIFNETMASK && cmd != SIOCSIFBRDADDR &&
	       cmd != SIOCSIFMTU && cmd != SIOCSIFHWADDR &&
	       cmd != SIOCSIFTXQLEN;
	lwipk_lock();
	switch (cmd) {
	case SIOCGIFINDEX:
		r->ifr_ifindex = (int)nd->ifindex;
		break;
	case SIOCGIFFLAGS:
		r->ifr_flags = (short)nd->flags;
		break;
	case SIOCSIFFLAGS: {
		unsigned int want = (unsigned short)r->ifr_flags;

		if ((want ^ nd->flags) & SETTABLE_FLAGS & ~IFF_UP)
			err = -EOPNOTSUPP; /* only IFF_UP is KOS's to change */
		else
			err = net_iface_set_up(nd, want & IFF_UP);
		break;
	}
	case SIOCGIFMTU:
		r->ifr_ifindex = (int)nd->mtu;
		break;
	case SIOCSIFMTU:
		err = r->ifr_ifindex < 0
			      ? -EINVAL
			      : net_iface_set_mtu(nd,
						  (unsigned int)r->ifr_ifindex);
		break;
	case SIOCGIFHWADDR:
		kos_memset(&r->ifr_addr, 0, sizeof(r->ifr_addr));
		r->ifr_addr.sa_family = (sa_family_t)nd->type;
		if (nd->type == ARPHRD_ETHER)
			kos_memcpy(r->ifr_addr.sa_data, nd->mac,
				   NETDEV_ETH_ALEN);
		break;
	case SIOCSIFHWADDR:
	case SIOCSIFTXQLEN:
	case SIOCSIFBRDADDR:
		err = -EOPNOTSUPP; /* lwIP's broadcast follows the netmask */
		break;
	case SIOCGIFTXQLEN:
		r->ifr_ifindex = TXQLEN;
		break;
	case SIOCGIFMETRIC:
		r->ifr_ifindex = 0;
		break;
	case SIOCGIFMAP:
		kos_memset(&r->ifr_map, 0, sizeof(r->ifr_map));
		break;
	case SIOCGIFADDR:
	case SIOCGIFDSTADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
		if (!net_iface_addr4(nd, &a, &m)) {
			err = -EADDRNOTAVAIL;
			break;
		}
		put_sin(&r->ifr_addr, cmd == SIOCGIFNETMASK ? m
				      : cmd == SIOCGIFBRDADDR
					      ? net_iface_brd4(nd)
					      : a);
		break;
	case SIOCSIFADDR:
		if ((err = get_sin(&r->ifr_addr, &a)))
			break;
		net_iface_set_addr4(nd, a, class_mask(a));
		break;
	case SIOCSIFNETMASK: {
		uint32_t nm, cur;

		if ((err = get_sin(&r->ifr_addr, &nm)))
			break;
		if (!net_iface_addr4(nd, &a, &cur))
			err = -EADDRNOTAVAIL;
		else if (net_iface_prefixlen(nm) < 0)
			err = -EINVAL;
		else
			net_iface_set_addr4(nd, a, nm);
		break;
	}
	default:
		err = -ENOTTY;
	}
	lwipk_unlock();
	return err;
}

long net_iface_ioctl(struct socket *s, unsigned int cmd, unsigned long arg,
		     bool *handled)
{
	struct ifreq r;
	bool out = false;
	long err;

	*handled = true;
	switch (cmd) {
	case SIOCGIFCONF:
		return ifconf_ioctl(arg);
	case SIOCADDRT:
	case SIOCDELRT:
		if (s->family != AF_INET)
			break;
		return route_ioctl(cmd, arg);
	case SIOCGIFNAME:
	case SIOCGIFFLAGS:
	case SIOCSIFFLAGS:
	case SIOCGIFADDR:
	case SIOCSIFADDR:
	case SIOCGIFDSTADDR:
	case SIOCGIFBRDADDR:
	case SIOCSIFBRDADDR:
	case SIOCGIFNETMASK:
	case SIOCSIFNETMASK:
	case SIOCGIFMETRIC:
	case SIOCGIFMTU:
	case SIOCSIFMTU:
	case SIOCSIFHWADDR:
	case SIOCGIFHWADDR:
	case SIOCGIFINDEX:
	case SIOCGIFTXQLEN:
	case SIOCSIFTXQLEN:
	case SIOCGIFMAP:
		if (copy_from_user(&r, (void *)arg, sizeof(r)))
			return -EFAULT;
		err = ifreq_ioctl(s, cmd, &r, &out);
		if (!err && out && copy_to_user((void *)arg, &r, sizeof(r)))
			return -EFAULT;
		return err;
	}
	*handled = false;
	return 0;
}
