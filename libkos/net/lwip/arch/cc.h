/*
 * lwIP's compiler and platform port for KOS (lwIP's "arch/cc.h"; see
 * libkos/net/lwip.c for the design).  lwIP is compiled freestanding into
 * libkos like the rest of the core: types from the compiler's own
 * stdint.h/stddef.h through kos/types.h, no inttypes.h, limits.h or
 * ctype.h, diagnostics to the kernel log and failed assertions to a
 * kernel panic (an lwIP assertion is a broken invariant of the stack).
 */
#ifndef KOS_LWIP_ARCH_CC_H
#define KOS_LWIP_ARCH_CC_H

#include <kos/types.h>

/* x86-64: lwIP's default BYTE_ORDER, LITTLE_ENDIAN, is right. */

/* kos/types.h has ssize_t (long); tell lwIP not to invent one. */
#define LWIP_NO_UNISTD_H 1
#define LWIP_NO_LIMITS_H 1
#ifndef INT_MAX
#define INT_MAX 0x7fffffff
#endif
#ifndef SSIZE_MAX
#define SSIZE_MAX INT64_MAX
#endif

/* No inttypes.h freestanding: lwIP's printf formats by hand. */
#define LWIP_NO_INTTYPES_H 1
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#define LWIP_NO_CTYPE_H 1

/* The stack's random numbers: ISNs, ports, DHCP xids, IPv6 ids. */
uint32_t lwipk_rand(void);
#define LWIP_RAND() lwipk_rand()

void lwipk_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void lwipk_assert(const char *msg, const char *file,
					    int line);
#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		lwipk_diag x; \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) lwipk_assert(x, __FILE__, __LINE__)

#endif
