/*
 * Kernel random numbers: a ChaCha20-based generator seeded from
 * plat_entropy() on first use and re-keyed after every request (fast key
 * erasure), so earlier outputs can't be recovered from the state.  Backs
 * getrandom(2), /dev/urandom, /dev/random and AT_RANDOM.
 */
#ifndef KOS_RANDOM_H
#define KOS_RANDOM_H

#include <kos/types.h>

/* Fill buf with len cryptographically strong random bytes. */
void kos_random_bytes(void *buf, size_t len);

/* Mix extra bytes into the generator's key (e.g. interrupt timings). */
void kos_random_mix(const void *buf, size_t len);

/* The raw ChaCha20 block function, exposed for its known-answer test. */
void kos_chacha20_block(const uint32_t in[16], uint32_t out[16]);

#endif
