/*
 * The network-device registry and the receive queue (kos/netdev.h).
 *
 * netdev_rx() runs in drivers' interrupt handlers, where neither the
 * stack lock nor lwIP may be touched: it copies the frame into a
 * kmalloc'd struct netdev_frame and appends it to one queue that the
 * stack's thread drains with netdev_rx_take() (net/lwip.c), woken
 * through netdev_rx_wq.  Link changes travel the same queue as frames of
 * length 0, so the stack sees them in order with the frames around them.
 *
 * The queue is bounded (NETDEV_RX_MAX frames): past it a frame is
 * dropped and counted in rx_dropped, as a NIC's ring overflows.
 *
 * Locking: rx_lock (a spinlock, interrupts off) guards the queue and its
 * length; netdev_lock (a mutex) the registry.  A device is never freed.
 */
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
#include <kos/netdev.h>
#include <kos/spinlock.h>
#include <kos/string.h>
#include <kos/waitq.h>
#include <uapi/errno.h>

#include "netdev_internal.h"

#define NETDEV_RX_MAX 1024

static struct mutex netdev_lock = MUTEX_INIT(netdev_lock, "netdev");
static LIST_HEAD(netdevs);	      /* netdev_lock: by ifindex */
static unsigned int next_ifindex = 1; /* netdev_lock */
static unsigned int next_eth;	      /* netdev_lock: for "ethN" */

static struct spinlock rx_lock = SPINLOCK_INIT("netdev-rx");
static LIST_HEAD(rx_queue); /* rx_lock: struct netdev_frame.link */
static unsigned int rx_len; /* rx_lock */
struct waitq netdev_rx_wq = WAITQ_INIT(netdev_rx_wq);

static struct kos_netdev *find_name(const char *name)
{
	struct kos_netdev *nd;

	list_for_each_entry (nd, &netdevs, link)
		if (!kos_strcmp(nd->name, name))
			return nd;
	return NULL;
}

int netdev_register(struct kos_netdev *nd)
{
	int err = 0;

	mutex_lock(&netdev_lock);
	if (!nd->name[0]) {
		do
			kos_snprintf(nd->name, sizeof(nd->name), "eth%u",
				     next_eth++);
		while (find_name(nd->name));
	} else if (find_name(nd->name)) {
		err = -EEXIST;
		goto out;
	}
	nd->ifindex = next_ifindex++;
	if (!nd->max_mtu)
		nd->max_mtu = nd->mtu;
	list_add_tail(&nd->link, &netdevs);
	log_info("net: %s: index %u, mtu %u, mac %02x:%02x:%02x:%02x:%02x:%02x",
		 nd->name, nd->ifindex, nd->mtu, nd->mac[0], nd->mac[1],
		 nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5]);
out:
	mutex_unlock(&netdev_lock);
	if (!err)
		netdev_stack_attach(nd);
	return err;
}

static void rx_queue_add(struct kos_netdev *nd, struct netdev_frame *fr)
{
	unsigned long fl = spin_lock_irqsave(&rx_lock);

	if (rx_len >= NETDEV_RX_MAX && fr->len) {
		spin_unlock_irqrestore(&rx_lock, fl);
		__atomic_add_fetch(&nd->stats.rx_dropped, 1, __ATOMIC_RELAXED);
		kfree(fr);
		return;
	}
	list_add_tail(&fr->link, &rx_queue);
	rx_len++;
	spin_unlock_irqrestore(&rx_lock, fl);
	waitq_wake_all(&netdev_rx_wq);
}

void netdev_rx(struct kos_netdev *nd, const void *frame, size_t len,
	       bool csum_ok)
{
	struct netdev_frame *fr;

	if (!len)
		return;
	fr = kmalloc(sizeof(*fr) + len);
	if (!fr) {
		__atomic_add_fetch(&nd->stats.rx_dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	fr->nd = nd;
	fr->len = len;
	fr->csum_ok = csum_ok;
	fr->link_up = false;
	kos_memcpy(fr->data, frame, len);
	rx_queue_add(nd, fr);
}

void netdev_link(struct kos_netdev *nd, bool up)
{
	struct netdev_frame *fr = kmalloc(sizeof(*fr));

	nd->carrier = up;
	if (!fr)
		return; /* the stack reads nd->carrier when it next looks */
	fr->nd = nd;
	fr->len = 0;
	fr->csum_ok = false;
	fr->link_up = up;
	rx_queue_add(nd, fr);
}

struct netdev_frame *netdev_rx_take(void)
{
	struct netdev_frame *fr = NULL;
	unsigned long fl = spin_lock_irqsave(&rx_lock);

	if (!list_empty(&rx_queue)) {
		fr = list_first_entry(&rx_queue, struct netdev_frame, link);
		list_del(&fr->link);
		rx_len--;
	}
	spin_unlock_irqrestore(&rx_lock, fl);
	return fr;
}

bool netdev_rx_pending(void)
{
	return !list_empty(&rx_queue);
}

uint64_t netdev_rx_queued_bytes(void)
{
	unsigned long fl = spin_lock_irqsave(&rx_lock);
	struct netdev_frame *fr;
	uint64_t n = 0;

	list_for_each_entry (fr, &rx_queue, link)
		n += kmalloc_usable_size(fr);
	spin_unlock_irqrestore(&rx_lock, fl);
	return n;
}

struct kos_netdev *netdev_by_index(unsigned int ifindex)
{
	struct kos_netdev *nd, *found = NULL;

	mutex_lock(&netdev_lock);
	list_for_each_entry (nd, &netdevs, link)
		if (nd->ifindex == ifindex) {
			found = nd;
			break;
		}
	mutex_unlock(&netdev_lock);
	return found;
}

struct kos_netdev *netdev_by_name(const char *name)
{
	struct kos_netdev *nd;

	mutex_lock(&netdev_lock);
	nd = find_name(name);
	mutex_unlock(&netdev_lock);
	return nd;
}

struct kos_netdev *netdev_next(unsigned int after)
{
	struct kos_netdev *nd, *found = NULL;

	mutex_lock(&netdev_lock);
	list_for_each_entry (nd, &netdevs, link)
		if (nd->ifindex > after) {
			found = nd;
			break;
		}
	mutex_unlock(&netdev_lock);
	return found;
}
