/*
 * stdlib.h for lwIP's freestanding build (see libc/string.h): atoi, for
 * netif_find()'s "name + number" interface names.
 */
#ifndef KOS_LWIP_LIBC_STDLIB_H
#define KOS_LWIP_LIBC_STDLIB_H

#include <kos/string.h>

#define atoi(s) ((int)kos_strtoll((s), NULL, 10))

#endif
