/*
 * CRC-32 (kos/crc32.h), a byte at a time from a 256-entry table built on
 * first use.  Callers are partition-table reads (a few KiB per disk), so
 * speed does not matter; a race on the first use only builds the same
 * table twice.
 */
#include <kos/crc32.h>

#define CRC32_POLY 0xedb88320u /* 0x04c11db7 bit-reversed */

static uint32_t table[256];
static bool table_ready; /* atomic: table[] is complete */

static void make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ CRC32_POLY : c >> 1;
		table[i] = c;
	}
	__atomic_store_n(&table_ready, true, __ATOMIC_RELEASE);
}

uint32_t kos_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE))
		make_table();
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
