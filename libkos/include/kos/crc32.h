/*
 * CRC-32 as IEEE 802.3, zlib and the UEFI specification (GPT headers and
 * partition entry arrays) define it: the reflected polynomial 0xedb88320,
 * initial value and final XOR all ones.  crc32("123456789") = 0xcbf43926.
 */
#ifndef KOS_CRC32_H
#define KOS_CRC32_H

#include <kos/types.h>

/*
 * The CRC of len bytes at buf, continuing from crc (0 to start):
 * kos_crc32(kos_crc32(0, a, n), b, m) is the CRC of a followed by b.
 */
uint32_t kos_crc32(uint32_t crc, const void *buf, size_t len);

#endif
