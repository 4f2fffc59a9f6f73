/*
 * Unit tests for the metal kernel's memcpy/memmove/memset
 * (platform/x86_64/kernel/klib.c: 8-byte string steps, then the 0..7
 * bytes left).  The file is compiled in here under other names, so the
 * hosted runner exercises the very instructions the UEFI kernel runs,
 * against byte-by-byte references: every length up to 300 at every
 * alignment of both ends, overlaps either way, every fill value class.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#define memcpy klib_memcpy
#define memmove klib_memmove
#define memset klib_memset
#define memcmp klib_memcmp
#include "../../platform/x86_64/kernel/klib.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp

#define AREA 640
#define MAXLEN 300

static uint8_t src[AREA], dst[AREA], ref[AREA];

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 3));
}

/* Reference copy that handles overlap either way, one byte at a time. */
static void ref_move(uint8_t *d, const uint8_t *s, size_t n)
{
	if (d < s) {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		for (size_t i = n; i-- > 0;)
			d[i] = s[i];
	}
}

START_TEST(test_klib_memcpy_lengths_and_alignments)
{
	for (size_t n = 0; n <= MAXLEN; n++)
		for (unsigned int so = 0; so < 16; so++)
			for (unsigned int doff = 0; doff < 16; doff++) {
				fill(src, AREA, (unsigned int)n + so);
				fill(dst, AREA, 99);
				fill(ref, AREA, 99);
				ref_move(ref + doff, src + so, n);
				ck_assert_ptr_eq(
					klib_memcpy(dst + doff, src + so, n),
					dst + doff);
				ck_assert_msg(!memcmp(dst, ref, AREA),
					      "memcpy n=%zu src+%u dst+%u", n,
					      so, doff);
			}
}
END_TEST

START_TEST(test_klib_memmove_overlaps)
{
	/* dst before, on and after src, by up to 20 bytes either way */
	for (size_t n = 0; n <= MAXLEN; n++)
		for (int shift = -20; shift <= 20; shift++) {
			uint8_t *s = dst + 100, *d = dst + 100 + shift;

			fill(dst, AREA, (unsigned int)n);
			memcpy(ref, dst, AREA);
			ref_move(ref + 100 + shift, ref + 100, n);
			ck_assert_ptr_eq(klib_memmove(d, s, n), d);
			ck_assert_msg(!memcmp(dst, ref, AREA),
				      "memmove n=%zu shift=%d", n, shift);
		}
}
END_TEST

START_TEST(test_klib_memset_values)
{
	static const int values[] = { 0, 1, 0x5a, 0x80, 0xff, -1, 0x1234 };

	for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
		for (size_t n = 0; n <= MAXLEN; n++)
			for (unsigned int off = 0; off < 16; off++) {
				fill(dst, AREA, 7);
				memcpy(ref, dst, AREA);
				for (size_t i = 0; i < n; i++)
					ref[off + i] = (uint8_t)values[v];
				ck_assert_ptr_eq(
					klib_memset(dst + off, values[v], n),
					dst + off);
				ck_assert_msg(!memcmp(dst, ref, AREA),
					      "memset c=%#x n=%zu off=%u",
					      values[v], n, off);
			}
}
END_TEST

START_TEST(test_klib_memcmp_sign)
{
	ck_assert_int_eq(klib_memcmp("abc", "abc", 3), 0);
	ck_assert_int_lt(klib_memcmp("abc", "abd", 3), 0);
	ck_assert_int_gt(klib_memcmp("\xff", "\x01", 1), 0);
	ck_assert_int_eq(klib_memcmp("x", "y", 0), 0);
}
END_TEST

Suite *klib_suite(void)
{
	Suite *s = suite_create("klib");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_klib_memcpy_lengths_and_alignments);
	tcase_add_test(tc, test_klib_memmove_overlaps);
	tcase_add_test(tc, test_klib_memset_values);
	tcase_add_test(tc, test_klib_memcmp_sign);
	suite_add_tcase(s, tc);
	return s;
}
