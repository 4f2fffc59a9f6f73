/*
 * CRC-32C (Castagnoli), as ext4's metadata checksums use it.
 *
 * kos_crc32c() is the bare update step: no inversion on the way in or
 * out, so a checksum over several pieces is
 * kos_crc32c(kos_crc32c(seed, a), b).  The standard CRC-32C of a buffer
 * (the check value of "123456789" is 0xe3069283) is
 * ~kos_crc32c(~0u, buf, len).
 */
#ifndef KOS_CRC32C_H
#define KOS_CRC32C_H

#include <kos/types.h>

uint32_t kos_crc32c(uint32_t crc, const void *data, size_t len);

/* The two ways kos_crc32c() chooses between, for the unit test: the
 * byte-wise table, and (x86-64 with SSE4.2, kos_crc32c_has_hw()) the
 * crc32 instruction. */
uint32_t kos_crc32c_sw(uint32_t crc, const void *data, size_t len);
uint32_t kos_crc32c_hw(uint32_t crc, const void *data, size_t len);
bool kos_crc32c_has_hw(void);

#endif
