/*
 * The few C library string functions lwIP's own sources use, for its
 * freestanding build inside libkos (libkos/net/lwip.c).  Only lwIP's
 * files see this directory.  The mem* four are the ones gcc may call
 * anyway (every KOS platform provides them); the rest are KOS's.
 */
#ifndef KOS_LWIP_LIBC_STRING_H
#define KOS_LWIP_LIBC_STRING_H

#include <kos/string.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#define strlen kos_strlen
#define strcmp kos_strcmp
#define strncmp kos_strncmp

#endif
