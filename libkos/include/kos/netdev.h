/*
 * Network devices: the core interface between drivers and the stack
 * (docs/net.md).
 *
 * A driver (virtio-net on metal, libslirp or TAP hosted, the loopback in
 * libkos/net/loopback.c) fills a struct kos_netdev and calls
 * netdev_register(), which gives it an interface index and, if the driver
 * left it empty, a name ("eth0", "eth1", ...; "lo" is the loopback's own)
 * and hands it to the stack (net/lwip.c makes an lwIP netif of it).
 *
 * Frames are whole Ethernet frames (destination MAC first, no FCS); the
 * loopback's are bare IP packets (type ARPHRD_LOOPBACK).
 *
 * Transmit: the stack calls ops->xmit() with the stack lock held, in
 * thread context; the driver copies the frame (or its scatter list) out
 * before it returns, so the stack's buffer is free again at return.  A
 * full ring drops the frame (-EAGAIN, counted in tx_dropped): TCP
 * retransmits, as on Linux when a qdisc overflows.
 *
 * Receive: the driver calls netdev_rx() for each frame, from its
 * interrupt handler or any other context; the core copies the frame
 * and the stack's thread feeds it to lwIP later, so a driver never
 * takes the stack lock.  netdev_link() reports carrier changes the
 * same way.
 *
 * Offloads: a driver sets NETDEV_F_RXCSUM when the device verified the
 * checksums of the frames it passes with rx_csum_ok (virtio's
 * DATA_VALID), and NETDEV_F_TXCSUM when the device fills in TCP/UDP
 * checksums that xmit leaves partial (the stack then tells it per frame
 * through csum_start/csum_offset).  Both are optional; without them the
 * stack computes every checksum.
 *
 * Locking.  The registry (netdevs, names, indexes) is guarded by
 * netdev_lock, a mutex; devices stay for the kernel's life (no hot
 * unplug).  flags, mtu and the addresses belong to the stack and change
 * under the stack lock (ioctls, netlink); the counters are updated with
 * atomic adds by whoever counts.  priv is the driver's.
 */
#ifndef KOS_NETDEV_H
#define KOS_NETDEV_H

#include <kos/list.h>
#include <kos/types.h>

#define NETDEV_NAME 16 /* IFNAMSIZ */
#define NETDEV_ETH_ALEN 6
#define NETDEV_ETH_HLEN 14

/* kos_netdev.type: Linux's ARPHRD_* */
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772

/* kos_netdev.features */
#define NETDEV_F_RXCSUM 0x1
#define NETDEV_F_TXCSUM 0x2

struct kos_netdev;

/* What xmit gets besides the bytes. */
struct netdev_tx {
	const void *frame;
	size_t len;
	/*
	 * NETDEV_F_TXCSUM only: the device must checksum from csum_start
	 * and store the sum at csum_start + csum_offset (virtio's
	 * NEEDS_CSUM); csum_offset 0: the frame is complete.
	 */
	uint16_t csum_start, csum_offset;
};

struct netdev_ops {
	/* Send one frame (see Transmit): 0, -EAGAIN (dropped) or -EIO. */
	int (*xmit)(struct kos_netdev *nd, const struct netdev_tx *tx);
	/* The interface goes up / down (IFF_UP).  Optional. */
	int (*open)(struct kos_netdev *nd);
	void (*stop)(struct kos_netdev *nd);
	/* A new MTU within [68, max_mtu].  Optional: any in range is fine. */
	int (*set_mtu)(struct kos_netdev *nd, unsigned int mtu);
};

struct netdev_stats {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_errors, tx_errors, rx_dropped, tx_dropped;
	uint64_t multicast;
};

struct kos_netdev {
	char name[NETDEV_NAME]; /* "" for netdev_register to choose */
	unsigned int ifindex;	/* set by netdev_register: 1 is lo */
	unsigned int type;	/* ARPHRD_* */
	uint8_t mac[NETDEV_ETH_ALEN];
	unsigned int mtu, max_mtu; /* payload bytes (1500, 65535 for lo) */
	unsigned int features;	   /* NETDEV_F_* */
	unsigned int flags;	   /* Linux's IFF_*: the stack's */
	bool carrier;		   /* link up: set by netdev_link() */
	const struct netdev_ops *ops;
	void *priv;  /* the driver's */
	void *stack; /* net/lwip.c's per-device state */
	struct netdev_stats stats;
	struct list_head link; /* netdev_lock: the registry's list */
};

/* Register nd (see above): 0, -EEXIST (name taken), -ENOMEM. */
int netdev_register(struct kos_netdev *nd);
/*
 * A received frame of len bytes (see Receive).  csum_ok: the device
 * checked its TCP/UDP checksum (NETDEV_F_RXCSUM).  Any context.
 */
void netdev_rx(struct kos_netdev *nd, const void *frame, size_t len,
	       bool csum_ok);
/* The carrier came or went.  Any context. */
void netdev_link(struct kos_netdev *nd, bool up);

/*
 * kmalloc bytes held by frames waiting in the receive queue: the boot
 * self-test's leak checks leave them out (they come from interrupt
 * handlers at any moment).  Any context; walks the queue.
 */
uint64_t netdev_rx_queued_bytes(void);

/* Look-ups (the pointer stays good: devices are never freed). */
struct kos_netdev *netdev_by_index(unsigned int ifindex);
struct kos_netdev *netdev_by_name(const char *name);
/* The device with the smallest ifindex > after (0: the first), or NULL. */
struct kos_netdev *netdev_next(unsigned int after);

/*
 * Starting the network (net/lwip.c, net/loopback.c, net/ipconfig.c).
 * net_stack_init(): lwIP, the stack thread and lo (ifindex 1, up, with
 * 127.0.0.1/8 and ::1); once, before the platform's devices register.
 * net_loopback_init(): lo alone (net_stack_init calls it).
 * net_ipconfig(): configure an interface from ip= on the command line
 * (default: eth0, if there is one, 10.0.2.15/24 via 10.0.2.2); after
 * the devices, before init starts.  Returns 0 or -errno.
 */
void net_stack_init(void);
void net_loopback_init(void);
int net_ipconfig(void);

#endif
