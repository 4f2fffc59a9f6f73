/*
 * Unit tests for libkos/lib/string.c.  The host C library is the
 * reference: every kos_* routine is compared with its libc namesake over a
 * table of inputs, including the awkward ones (empty strings, high-bit
 * characters, truncation, overflow, base prefixes).
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <kos/string.h>

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static const char *const words[] = {
	"",	 "a",	 "b",	  "ab",	   "abc",	  "abd",
	"abcd",	 "\xff", "\x80x", "a\xff", "hello world", "hello",
	"hellO", "zzz",	 "A",
};

START_TEST(test_string_strlen_matches_libc)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		ck_assert_uint_eq(kos_strlen(words[i]), strlen(words[i]));
	ck_assert_uint_eq(kos_strlen("12345\0"
				     "678"),
			  5);
}
END_TEST

START_TEST(test_string_strnlen_stops_at_max)
{
	/* No NUL in the 4 bytes: must not read past max (valgrind). */
	char *buf = malloc(4);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, "xyzw", 4);

	ck_assert_uint_eq(kos_strnlen(buf, 4), 4);
	ck_assert_uint_eq(kos_strnlen(buf, 2), 2);
	ck_assert_uint_eq(kos_strnlen(buf, 0), 0);
	ck_assert_uint_eq(kos_strnlen("ab", 10), strnlen("ab", 10));
	ck_assert_uint_eq(kos_strnlen("", 10), 0);
	free(buf);
}
END_TEST

START_TEST(test_string_strcmp_sign_matches_libc)
{
	size_t n = sizeof(words) / sizeof(words[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			ck_assert_msg(sign(kos_strcmp(words[i], words[j])) ==
					      sign(strcmp(words[i], words[j])),
				      "strcmp(\"%s\", \"%s\")", words[i],
				      words[j]);
}
END_TEST

START_TEST(test_string_strncmp_sign_matches_libc)
{
	size_t n = sizeof(words) / sizeof(words[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			for (size_t k = 0; k < 6; k++)
				ck_assert_msg(
					sign(kos_strncmp(words[i], words[j],
							 k)) ==
						sign(strncmp(words[i], words[j],
							     k)),
					"strncmp(\"%s\", \"%s\", %zu)",
					words[i], words[j], k);
}
END_TEST

START_TEST(test_string_strchr_strrchr_match_libc)
{
	const char *s = "abcabc\xff";
	const int cs[] = { 'a', 'b', 'c', 'z', 0, 0xff, 'a' + 256 };

	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		ck_assert_ptr_eq(kos_strchr(s, cs[i]), strchr(s, cs[i]));
		ck_assert_ptr_eq(kos_strrchr(s, cs[i]), strrchr(s, cs[i]));
	}
	ck_assert_ptr_eq(kos_strchr("", 'a'), NULL);
	ck_assert_ptr_eq(kos_strrchr("", 'a'), NULL);
}
END_TEST

START_TEST(test_string_strlcpy_truncates_and_terminates)
{
	char buf[8];

	memset(buf, 'Q', sizeof(buf));
	ck_assert_uint_eq(kos_strlcpy(buf, "hello", sizeof(buf)), 5);
	ck_assert_str_eq(buf, "hello");

	memset(buf, 'Q', sizeof(buf));
	ck_assert_uint_eq(kos_strlcpy(buf, "hello world", sizeof(buf)), 11);
	ck_assert_str_eq(buf, "hello w");

	memset(buf, 'Q', sizeof(buf));
	ck_assert_uint_eq(kos_strlcpy(buf, "abcdefgh", 1), 8);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(buf[1], 'Q');

	memset(buf, 'Q', sizeof(buf));
	ck_assert_uint_eq(kos_strlcpy(buf, "abc", 0), 3);
	ck_assert_int_eq(buf[0], 'Q');
}
END_TEST

struct num_case {
	const char *s;
	int base;
};

static const struct num_case num_cases[] = {
	{ "0", 0 },
	{ "123", 10 },
	{ "  \t\n42xyz", 0 },
	{ "-17", 10 },
	{ "+17", 10 },
	{ "0x1fF", 0 },
	{ "0X1fF", 16 },
	{ "1fF", 16 },
	{ "0x", 0 },
	{ "0xg", 16 },
	{ "0777", 0 },
	{ "0778", 0 },
	{ "0778", 10 },
	{ "08", 0 },
	{ "z", 36 },
	{ "Zz", 36 },
	{ "101102", 2 },
	{ "", 0 },
	{ "   ", 10 },
	{ "-", 10 },
	{ "+x", 16 },
	{ "xyz", 10 },
	{ "18446744073709551615", 10 },
	{ "18446744073709551616", 10 },
	{ "99999999999999999999999", 0 },
	{ "0xffffffffffffffff", 0 },
	{ "0x10000000000000000", 0 },
	{ "9223372036854775807", 10 },
	{ "9223372036854775808", 10 },
	{ "-9223372036854775808", 10 },
	{ "-9223372036854775809", 10 },
	{ "-1", 0 },
	{ "-18446744073709551615", 10 },
	{ "-18446744073709551616", 10 },
	{ "12", 1 },
	{ "12", 37 },
	{ "12", -1 },
};

START_TEST(test_string_strtoull_matches_libc)
{
	for (size_t i = 0; i < sizeof(num_cases) / sizeof(num_cases[0]); i++) {
		const struct num_case *c = &num_cases[i];
		const char *kend = NULL;
		char *hend = NULL;
		unsigned long long want, got;

		errno = 0;
		want = strtoull(c->s, &hend, c->base);
		got = kos_strtoull(c->s, &kend, c->base);
		/* glibc leaves end unset for an invalid base. */
		if (c->base == 1 || c->base < 0 || c->base > 36)
			hend = (char *)c->s;
		ck_assert_msg(got == want, "strtoull(\"%s\", %d): %llu != %llu",
			      c->s, c->base, got, want);
		ck_assert_msg(kend == hend,
			      "strtoull(\"%s\", %d): end %td != %td", c->s,
			      c->base, kend - c->s, hend - c->s);
	}
	/* end may be NULL. */
	ck_assert_uint_eq(kos_strtoull("77", NULL, 8), 63);
}
END_TEST

START_TEST(test_string_strtoll_matches_libc)
{
	for (size_t i = 0; i < sizeof(num_cases) / sizeof(num_cases[0]); i++) {
		const struct num_case *c = &num_cases[i];
		const char *kend = NULL;
		char *hend = NULL;
		long long want, got;

		want = strtoll(c->s, &hend, c->base);
		got = kos_strtoll(c->s, &kend, c->base);
		if (c->base == 1 || c->base < 0 || c->base > 36)
			hend = (char *)c->s;
		ck_assert_msg(got == want, "strtoll(\"%s\", %d): %lld != %lld",
			      c->s, c->base, got, want);
		ck_assert_msg(kend == hend,
			      "strtoll(\"%s\", %d): end %td != %td", c->s,
			      c->base, kend - c->s, hend - c->s);
	}
	ck_assert_int_eq(kos_strtoll("-0x10", NULL, 0), -16);
}
END_TEST

START_TEST(test_string_mem_builtins_work)
{
	char a[32], b[32];

	kos_memset(a, 'x', sizeof(a));
	ck_assert_int_eq(a[31], 'x');
	kos_memcpy(b, "0123456789", 11);
	ck_assert_str_eq(b, "0123456789");
	kos_memmove(b + 2, b, 8);
	ck_assert_str_eq(b, "0101234567");
	ck_assert_int_lt(kos_memcmp("abc", "abd", 3), 0);
}
END_TEST

Suite *string_suite(void)
{
	Suite *s = suite_create("string");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_string_strlen_matches_libc);
	tcase_add_test(tc, test_string_strnlen_stops_at_max);
	tcase_add_test(tc, test_string_strcmp_sign_matches_libc);
	tcase_add_test(tc, test_string_strncmp_sign_matches_libc);
	tcase_add_test(tc, test_string_strchr_strrchr_match_libc);
	tcase_add_test(tc, test_string_strlcpy_truncates_and_terminates);
	tcase_add_test(tc, test_string_strtoull_matches_libc);
	tcase_add_test(tc, test_string_strtoll_matches_libc);
	tcase_add_test(tc, test_string_mem_builtins_work);
	suite_add_tcase(s, tc);
	return s;
}
