/*
 * Kernel-level IP configuration: ip= on the command line (docs/net.md),
 * as Linux's Documentation/admin-guide/nfs/nfsroot.rst describes it,
 * done once after the devices registered and before init starts.
 *
 *   ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:
 *      <autoconf>[:<dns0>:<dns1>:<ntp0>]
 *   ip=dhcp (also on, any, both, bootp)       DHCP on the first device
 *   ip=off (also none)                        nothing at all
 *
 * A client address with autoconf empty, off, none or static configures
 * the device statically: the netmask defaults to the address's class
 * (as Linux), the gateway to none; a hostname sets the host name.
 * autoconf dhcp (on, any, both, bootp), or no client address, runs
 * lwIP's DHCP client on the device and waits for a lease, at most
 * IPCONFIG_DHCP_WAIT; without one init starts anyway (with a log line),
 * and DHCP goes on trying in the background.  <device> empty: the first
 * device that is not lo.  The server and DNS/NTP fields are accepted and
 * ignored (no NFS root; user space reads resolv.conf).
 *
 * Without ip= eth0, if there is one, gets what QEMU's and libslirp's
 * user networking expect on both platforms: 10.0.2.15/24, gateway
 * 10.0.2.2 (DNS 10.0.2.3 is user space's business).
 *
 * Before configuring a device ipconfig waits for its carrier (at most
 * IPCONFIG_CARRIER_WAIT; Linux's carrier_timeout is longer): a driver
 * may report it only after registering, and lwIP routes nothing
 * through an interface without a link.
 *
 * Every change is made under the stack lock through net/lwip.c's
 * lwipk_if_* helpers, so nd->flags stays true.
 */
#include <kos/cmdline.h>
#include <kos/log.h>
#include <kos/netdev.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/utsname.h>
#include <uapi/errno.h>

#include "lwip/dhcp.h"
#include "lwip/netif.h"
#include "stack.h"

#define IPCONFIG_DHCP_WAIT (10 * NSEC_PER_SEC)
#define IPCONFIG_CARRIER_WAIT (10 * NSEC_PER_SEC)
#define IPCONFIG_POLL (20 * NSEC_PER_MSEC)
#define IPCONFIG_FIELDS 10

/* The QEMU/libslirp user-network addressing (network byte order). */
#define QEMU_ADDR PP_HTONL(0x0a00020f) /* 10.0.2.15 */
#define QEMU_MASK PP_HTONL(0xffffff00)
#define QEMU_GW PP_HTONL(0x0a000202) /* 10.0.2.2 */

/* "a.b.c.d" to a network-order address: 0, or -EINVAL. */
static int parse_ip4(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		const char *end;
		unsigned long long n;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		n = kos_strtoull(s, &end, 10);
		if (n > 255 || end - s > 3)
			return -EINVAL;
		v = v << 8 | (uint32_t)n;
		s = end;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	*out = PP_HTONL(v);
	return 0;
}

/* Linux's default netmask for an address with none: its class's. */
static uint32_t class_mask(uint32_t addr)
{
	uint32_t a = PP_NTOHL(addr);

	if (a >> 31 == 0)
		return PP_HTONL(0xff000000);
	if (a >> 30 == 2)
		return PP_HTONL(0xffff0000);
	return PP_HTONL(0xffffff00);
}

static bool is_dhcp_word(const char *w)
{
	static const char *const words[] = { "dhcp", "on", "any", "both",
					     "bootp" };

	for (unsigned int i = 0; i < ARRAY_SIZE(words); i++)
		if (!kos_strcmp(w, words[i]))
			return true;
	return false;
}

static struct kos_netdev *first_device(void)
{
	struct kos_netdev *nd;
	unsigned int idx = 0;

	while ((nd = netdev_next(idx))) {
		if (nd->type != ARPHRD_LOOPBACK)
			return nd;
		idx = nd->ifindex;
	}
	return NULL;
}

static void fmt_ip4(char buf[16], uint32_t a)
{
	a = PP_NTOHL(a);
	kos_snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		     (a >> 8) & 0xff, a & 0xff);
}

static int mask_bits(uint32_t mask)
{
	int n = 0;

	for (mask = PP_NTOHL(mask); mask; mask <<= 1)
		n++;
	return n;
}

static bool link_up(struct kos_netdev *nd)
{
	struct netif *netif;
	bool up;

	lwipk_lock();
	netif = lwipk_netif(nd);
	up = netif && netif_is_link_up(netif);
	lwipk_unlock();
	return up;
}

/*
 * Wait for nd's carrier as the stack sees it (a driver may report it
 * after registering), at most IPCONFIG_CARRIER_WAIT, as Linux's ipconfig
 * waits (carrier_timeout): until then lwIP has no route through it.
 */
static void wait_carrier(struct kos_netdev *nd)
{
	uint64_t deadline = clock_deadline_after(IPCONFIG_CARRIER_WAIT);

	while (!link_up(nd)) {
		if (clock_monotonic_ns() >= deadline) {
			log_warn("ipconfig: %s: no carrier", nd->name);
			return;
		}
		sched_sleep_ns(IPCONFIG_POLL);
	}
}

static int config_static(struct kos_netdev *nd, uint32_t addr, uint32_t mask,
			 uint32_t gw)
{
	char a[16], g[16];
	int err;

	wait_carrier(nd);
	lwipk_lock();
	err = lwipk_if_set_ipv4(nd, addr, mask, gw);
	if (!err)
		err = lwipk_if_up(nd, true);
	lwipk_unlock();
	if (err < 0) {
		log_err("ipconfig: %s: cannot configure: %d", nd->name, err);
		return err;
	}
	fmt_ip4(a, addr);
	fmt_ip4(g, gw);
	log_info("ipconfig: %s: %s/%d%s%s", nd->name, a, mask_bits(mask),
		 gw ? " via " : "", gw ? g : "");
	return 0;
}

static bool dhcp_bound(struct kos_netdev *nd)
{
	struct netif *netif;
	bool bound;

	lwipk_lock();
	netif = lwipk_netif(nd);
	bound = netif && dhcp_supplied_address(netif);
	lwipk_unlock();
	return bound;
}

static int config_dhcp(struct kos_netdev *nd)
{
	uint64_t deadline = clock_deadline_after(IPCONFIG_DHCP_WAIT);
	struct netif *netif;
	char a[16], m[16], g[16];
	int err;

	wait_carrier(nd);
	lwipk_lock();
	err = lwipk_if_up(nd, true);
	netif = lwipk_netif(nd);
	if (!err && netif && dhcp_start(netif) != ERR_OK)
		err = -ENOMEM;
	lwipk_unlock();
	if (err < 0) {
		log_err("ipconfig: %s: cannot start DHCP: %d", nd->name, err);
		return err;
	}
	log_info("ipconfig: %s: DHCP...", nd->name);
	while (!dhcp_bound(nd)) {
		if (clock_monotonic_ns() >= deadline) {
			log_warn("ipconfig: %s: no DHCP lease yet; "
				 "starting init anyway",
				 nd->name);
			return -ETIMEDOUT;
		}
		sched_sleep_ns(IPCONFIG_POLL);
	}
	lwipk_lock();
	netif_set_default(netif);
	fmt_ip4(a, ip4_addr_get_u32(netif_ip4_addr(netif)));
	fmt_ip4(m, ip4_addr_get_u32(netif_ip4_netmask(netif)));
	fmt_ip4(g, ip4_addr_get_u32(netif_ip4_gw(netif)));
	lwipk_unlock();
	log_info("ipconfig: %s: DHCP lease %s netmask %s via %s", nd->name, a,
		 m, g);
	return 0;
}

/*
 * Split ip='s value at ':' into at most IPCONFIG_FIELDS fields (empty
 * ones included), in buf.
 */
static unsigned int split_fields(char *buf, char *f[IPCONFIG_FIELDS])
{
	unsigned int n = 0;

	f[n++] = buf;
	for (char *p = buf; *p; p++)
		if (*p == ':') {
			*p = '\0';
			if (n == IPCONFIG_FIELDS)
				break;
			f[n++] = p + 1;
		}
	for (unsigned int i = n; i < IPCONFIG_FIELDS; i++)
		f[i] = "";
	return n;
}

int net_ipconfig(void)
{
	const char *spec = cmdline_get(&kos_cmdline, "ip");
	char buf[CMDLINE_MAX];
	char *f[IPCONFIG_FIELDS];
	struct kos_netdev *nd;
	uint32_t addr = 0, mask = 0, gw = 0;

	if (!lwipk_running())
		return -ENETDOWN;
	if (!spec) {
		nd = netdev_by_name("eth0");
		if (!nd)
			return 0;
		return config_static(nd, QEMU_ADDR, QEMU_MASK, QEMU_GW);
	}
	if (!kos_strcmp(spec, "off") || !kos_strcmp(spec, "none"))
		return 0;
	if (is_dhcp_word(spec)) {
		nd = first_device();
		if (!nd) {
			log_warn("ipconfig: ip=%s: no network device", spec);
			return -ENODEV;
		}
		return config_dhcp(nd);
	}

	kos_strlcpy(buf, spec, sizeof(buf));
	split_fields(buf, f);
	nd = f[5][0] ? netdev_by_name(f[5]) : first_device();
	if (!nd) {
		log_warn("ipconfig: ip=%s: no device %s", spec,
			 f[5][0] ? f[5] : "but lo");
		return -ENODEV;
	}
	if ((f[0][0] && parse_ip4(f[0], &addr) < 0) ||
	    (f[2][0] && parse_ip4(f[2], &gw) < 0) ||
	    (f[3][0] && parse_ip4(f[3], &mask) < 0)) {
		log_warn("ipconfig: ip=%s: bad address", spec);
		return -EINVAL;
	}
	if (f[4][0])
		uts_set_hostname(f[4], kos_strnlen(f[4], UTS_LEN - 1));
	if (!addr || is_dhcp_word(f[6]))
		return config_dhcp(nd);
	if (f[6][0] && kos_strcmp(f[6], "off") && kos_strcmp(f[6], "none") &&
	    kos_strcmp(f[6], "static")) {
		log_warn("ipconfig: ip=...:%s: unknown autoconf; static", f[6]);
	}
	if (!mask)
		mask = class_mask(addr);
	return config_static(nd, addr, mask, gw);
}
