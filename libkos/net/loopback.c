/*
 * The loopback device, lo (docs/net.md): a kos_netdev of type
 * ARPHRD_LOOPBACK whose frames are bare IP packets.  Transmitting one
 * queues it straight back as received (netdev_rx), so it reaches lwIP
 * through the stack thread like any frame: never re-entering lwIP from
 * inside its own output path.  It is lwIP's view of 127.0.0.0/8 and ::1,
 * and of the machine's own addresses, which the stack routes here as
 * Linux does (net/lwip.c); lwIP's own loopif is not built.
 *
 * lo registers first (ifindex 1), with Linux's MTU of 65536, and comes
 * up at once with 127.0.0.1/8 and ::1 (Linux leaves that to init's
 * scripts; KOS's images do not all have them).  Checksums are neither
 * made nor checked on it (frames are csum_ok), as on Linux.  Counters:
 * every packet is one transmitted and one received.
 */
#include <kos/log.h>
#include <kos/netdev.h>
#include <uapi/errno.h>

#include "lwip/ip6_addr.h"
#include "lwip/netif.h"
#include "stack.h"

#define LO_MTU 65536

static int lo_xmit(struct kos_netdev *nd, const struct netdev_tx *tx)
{
	__atomic_add_fetch(&nd->stats.tx_packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nd->stats.tx_bytes, tx->len, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nd->stats.rx_packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nd->stats.rx_bytes, tx->len, __ATOMIC_RELAXED);
	netdev_rx(nd, tx->frame, tx->len, true);
	return 0;
}

static const struct netdev_ops lo_ops = {
	.xmit = lo_xmit,
};

static struct kos_netdev lo_dev = {
	.name = "lo",
	.type = ARPHRD_LOOPBACK,
	.mtu = LO_MTU,
	.max_mtu = LO_MTU,
	.carrier = true,
	.ops = &lo_ops,
};

void net_loopback_init(void)
{
	struct netif *netif;
	ip6_addr_t one = { 0 };
	s8_t idx;
	int err;

	if (lo_dev.ifindex)
		return;
	err = netdev_register(&lo_dev);
	if (err < 0) {
		log_err("net: cannot register lo: %d", err);
		return;
	}
	if (lo_dev.ifindex != 1)
		log_warn("net: lo is interface %u, not 1", lo_dev.ifindex);
	lwipk_lock();
	netif = lwipk_netif(&lo_dev);
	if (!netif)
		goto out;
	/* 127.0.0.1/8, no gateway */
	lwipk_if_set_ipv4(&lo_dev, PP_HTONL(0x7f000001), PP_HTONL(0xff000000),
			  0);
	ip6_addr_set_loopback(&one);
	if (netif_add_ip6_address(netif, &one, &idx) == ERR_OK)
		netif_ip6_addr_set_state(netif, idx, IP6_ADDR_PREFERRED);
	lwipk_if_up(&lo_dev, true);
out:
	lwipk_unlock();
}
