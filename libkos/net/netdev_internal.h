/*
 * Between the netdev core (net/netdev.c) and the stack (net/lwip.c).
 */
#ifndef KOS_NET_NETDEV_INTERNAL_H
#define KOS_NET_NETDEV_INTERNAL_H

#include <kos/list.h>
#include <kos/netdev.h>
#include <kos/waitq.h>

/* A received frame (len > 0) or a link change (len 0) for the stack. */
struct netdev_frame {
	struct list_head link;
	struct kos_netdev *nd;
	size_t len;
	bool csum_ok;
	bool link_up; /* len 0: the new carrier state */
	uint8_t data[];
};

/* Woken when netdev_rx_take() has something. */
extern struct waitq netdev_rx_wq;

/* The oldest queued frame, now the caller's (kfree it), or NULL. */
struct netdev_frame *netdev_rx_take(void);
/* Anything queued?  A snapshot. */
bool netdev_rx_pending(void);

/*
 * A device was registered: the stack makes its interface (net/lwip.c;
 * a weak no-op in netdev.c until the stack is built in).  Called without
 * netdev_lock, in thread context.
 */
void netdev_stack_attach(struct kos_netdev *nd);

#endif
