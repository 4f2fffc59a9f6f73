/*
 * Starting the network (docs/net.md): kos_main calls net_init() once,
 * before the platform's devices are found, so that drivers find the
 * families and the stack in place.  One line per piece.
 */
#include <kos/socket.h>

#include "net_internal.h"
#include "netlink.h"

void net_init(void)
{
	unix_init();	/* AF_UNIX (net/unix.c) */
	inet_init();	/* AF_INET, AF_INET6 (net/inet.c) */
	netlink_init(); /* AF_NETLINK (net/netlink.c) */
}
