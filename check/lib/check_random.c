/* Unit tests for the kernel random-number generator (libkos/lib/random.c). */
#include <check.h>
#include <string.h>

#include <kos/plat/random.h>
#include <kos/random.h>

/* The fake platform's entropy: a fixed pattern, so tests are repeatable. */
void plat_entropy(void *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		((unsigned char *)buf)[i] = (unsigned char)(i * 7 + 1);
}

/* RFC 8439 section 2.3.2 test vector. */
START_TEST(test_random_chacha20_known_answer)
{
	uint32_t in[16] = {
		0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
		0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c,
		0x13121110, 0x17161514, 0x1b1a1918, 0x1f1e1d1c,
		0x00000001, 0x09000000, 0x4a000000, 0x00000000,
	};
	static const uint32_t want[16] = {
		0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3,
		0xc7f4d1c7, 0x0368c033, 0x9aaa2204, 0x4e6cd4c3,
		0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9,
		0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2,
	};
	uint32_t out[16];

	kos_chacha20_block(in, out);
	for (int i = 0; i < 16; i++)
		ck_assert_msg(out[i] == want[i], "word %d: %08x want %08x", i,
			      out[i], want[i]);
}
END_TEST

START_TEST(test_random_outputs_differ)
{
	unsigned char a[64], b[64], big[1000];
	int zeros = 0;

	kos_random_bytes(a, sizeof(a));
	kos_random_bytes(b, sizeof(b));
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	memset(big, 0, sizeof(big));
	kos_random_bytes(big, sizeof(big));
	for (size_t i = 0; i < sizeof(big); i++)
		zeros += big[i] == 0;
	/* ~4 expected; a broken generator leaves hundreds. */
	ck_assert_int_lt(zeros, 30);
}
END_TEST

START_TEST(test_random_mix_changes_stream)
{
	unsigned char a[32], b[32];

	kos_random_bytes(a, sizeof(a));
	kos_random_mix("x", 1);
	kos_random_bytes(b, sizeof(b));
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
}
END_TEST

Suite *random_suite(void)
{
	Suite *s = suite_create("random");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_random_chacha20_known_answer);
	tcase_add_test(tc, test_random_outputs_differ);
	tcase_add_test(tc, test_random_mix_changes_stream);
	suite_add_tcase(s, tc);
	return s;
}
