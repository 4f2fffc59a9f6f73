/*
 * Between the pieces of libkos/net/ (docs/net.md): the start-up hooks
 * net_init() calls.
 */
#ifndef KOS_NET_INTERNAL_H
#define KOS_NET_INTERNAL_H

#include <kos/types.h>
#include <uapi/un.h>

/* Register AF_UNIX (net/unix.c). */
void unix_init(void);
/* Register AF_INET and AF_INET6 (net/inet.c). */
void inet_init(void);

/*
 * What /proc/net/unix shows of one unix socket (net/unix.c fills it,
 * net/procnet.c formats it).
 */
struct unix_sock_info {
	unsigned int refcnt; /* Linux's sk_refcnt as its procfs shows it */
	unsigned int flags;  /* __SO_ACCEPTCON (0x10000) when listening */
	int type;	     /* SOCK_* */
	int state;	   /* SS_*: 1 unconnected, 2 connecting, 3 connected */
	unsigned long ino; /* 0 for a connection not yet accepted */
	unsigned int namelen; /* bytes of sun_path that count; 0: no name */
	char name[UNIX_PATH_MAX];
};

/*
 * Call fn for every live unix socket (created or embryonic, not yet
 * released), oldest first, with unix_lock held: fn must not sleep on
 * another socket nor take unix_lock (it may allocate).
 */
void unix_for_each(void (*fn)(void *ctx, const struct unix_sock_info *i),
		   void *ctx);

#endif
