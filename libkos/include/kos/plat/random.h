/*
 * Platform interface: entropy.
 */
#ifndef KOS_PLAT_RANDOM_H
#define KOS_PLAT_RANDOM_H

#include <kos/types.h>

/*
 * Fill buf with len bytes from the best entropy source the platform has
 * (bare metal: RDSEED/RDRAND when the CPU has them, mixed with the TSC;
 * hosted: the host's getrandom()).  Used only to seed the kernel's
 * generator, so it may be slow.
 */
void plat_entropy(void *buf, size_t len);

#endif
