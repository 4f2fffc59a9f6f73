/*
 * Helpers for the inet areas (tcp, udp; issue 12): loopback addresses
 * and the port a socket got.  Tests bind only ephemeral ports, since the
 * host oracle shares the host's loopback.
 */
#ifndef NETLIB_H
#define NETLIB_H

#include <sys/socket.h>

/* The loopback address of family fam (AF_INET or AF_INET6), port in host order. */
socklen_t ct_lo_addr(int fam, struct sockaddr_storage *ss, int port);
/* The local port of fd (host order), or -1. */
int ct_port_of(int fd);

#endif
