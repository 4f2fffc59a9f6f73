/*
 * Between the pieces of libkos/net/ (docs/net.md): the start-up hooks
 * net_init() calls.
 */
#ifndef KOS_NET_INTERNAL_H
#define KOS_NET_INTERNAL_H

/* Register AF_UNIX (net/unix.c). */
void unix_init(void);
/* Register AF_INET and AF_INET6 (net/inet.c). */
void inet_init(void);

#endif
