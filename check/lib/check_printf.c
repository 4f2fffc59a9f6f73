/*
 * Unit tests for libkos/lib/printf.c.  Host snprintf is the oracle: each
 * case formats the same format string and arguments with both and demands
 * identical text and return value, at full size and truncated.
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <kos/string.h>

/*
 * The point is to feed odd but legal flag combinations ("%+u", "%05s",
 * "%-08d", "%+p") to both implementations; gcc's format checker rightly
 * calls them pointless, so silence it here.
 */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

/*
 * Compare kos_snprintf with snprintf for one format and its arguments,
 * into a big buffer and into every buffer size from 0 to the length + 1.
 */
#define CMP(fmt, ...)                                                         \
	do {                                                                  \
		char want[256], got[256];                                     \
		int wn = snprintf(want, sizeof(want), fmt, ##__VA_ARGS__);    \
		int gn = kos_snprintf(got, sizeof(got), fmt, ##__VA_ARGS__);  \
		ck_assert_msg(wn == gn && strcmp(want, got) == 0,             \
			      "format \"%s\": want %d \"%s\", got %d \"%s\"", \
			      fmt, wn, want, gn, got);                        \
		for (size_t sz = 0; sz <= (size_t)wn + 1; sz++) {             \
			memset(want, 'Q', sizeof(want));                      \
			memset(got, 'Q', sizeof(got));                        \
			wn = snprintf(want, sz, fmt, ##__VA_ARGS__);          \
			gn = kos_snprintf(got, sz, fmt, ##__VA_ARGS__);       \
			ck_assert_msg(wn == gn && memcmp(want, got,           \
							 sizeof(want)) == 0,  \
				      "format \"%s\" size %zu differs", fmt,  \
				      sz);                                    \
		}                                                             \
	} while (0)

START_TEST(test_printf_plain_text_and_percent)
{
	CMP("");
	CMP("hello");
	CMP("100%%");
	CMP("%%%%x%%");
}
END_TEST

START_TEST(test_printf_signed_matches_libc)
{
	const int ints[] = { 0, 1, -1, 42, -42, 123456, INT_MAX, INT_MIN };

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		int v = ints[i];

		CMP("%d", v);
		CMP("%i", v);
		CMP("%5d|", v);
		CMP("%-5d|", v);
		CMP("%05d", v);
		CMP("%+d", v);
		CMP("% d", v);
		CMP("%+05d", v);
		CMP("% 06d", v);
		CMP("%.3d", v);
		CMP("%8.3d", v);
		CMP("%-8.3d|", v);
		CMP("%08.3d", v);
		CMP("%.0d|", v);
		CMP("%+.0d|", v);
		CMP("%5.0d|", v);
		CMP("%-+012d|", v);
		CMP("%+ d", v);
	}
}
END_TEST

START_TEST(test_printf_unsigned_bases_match_libc)
{
	const unsigned int us[] = {
		0, 1, 7, 8, 15, 16, 255, 0x7fffffff, 0x80000000u, UINT_MAX
	};

	for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
		unsigned int v = us[i];

		CMP("%u", v);
		CMP("%x", v);
		CMP("%X", v);
		CMP("%o", v);
		CMP("%#x", v);
		CMP("%#X", v);
		CMP("%#o", v);
		CMP("%#10x|", v);
		CMP("%#-10x|", v);
		CMP("%#010x", v);
		CMP("%#.5x", v);
		CMP("%#.0x|", v);
		CMP("%#.0o|", v);
		CMP("%#.3o", v);
		CMP("%#5o|", v);
		CMP("%08X", v);
		CMP("%-8o|", v);
		CMP("%.0u|", v);
		CMP("%+u", v);
		CMP("% x", v);
	}
}
END_TEST

START_TEST(test_printf_length_modifiers_match_libc)
{
	CMP("%hhd %hhu %hhx", 300, 300, -1);
	CMP("%hd %hu %hx", 70000, 70000, -1);
	CMP("%hhd", -129);
	CMP("%ld %lu %lx", LONG_MIN, ULONG_MAX, 0x123456789abcdefUL);
	CMP("%lld %llu %llo", LLONG_MIN, ULLONG_MAX, ULLONG_MAX);
	CMP("%lli %#llx", LLONG_MAX, 0xdeadbeefcafeULL);
	CMP("%zu %zd %zx", (size_t)SIZE_MAX, (ssize_t)-5, (size_t)4096);
	CMP("%td %tx", (ptrdiff_t)-77, (ptrdiff_t)77);
	CMP("%jd %ju", (intmax_t)INTMAX_MIN, (uintmax_t)UINTMAX_MAX);
	CMP("%d %ld %d", 1, 2L, 3);
}
END_TEST

START_TEST(test_printf_strings_and_chars_match_libc)
{
	const char *volatile null = NULL; /* hide it from -Wformat */

	CMP("%s", "abc");
	CMP("%s", "");
	CMP("[%10s]", "abc");
	CMP("[%-10s]", "abc");
	CMP("[%.2s]", "abc");
	CMP("[%.0s]", "abc");
	CMP("[%10.2s]", "abc");
	CMP("[%-10.5s]", "abcdefgh");
	CMP("[%05s]", "ab");
	CMP("[%s]", null);
	CMP("[%10s]", null);
	CMP("[%.3s]", null);
	CMP("[%.6s]", null);
	CMP("%c", 'x');
	CMP("[%3c]", 'x');
	CMP("[%-3c]", 'x');
	CMP("%c%c%c", 'a', 0x80 + 'b', 'c');
	CMP("%s=%d, %s=%x", "a", 1, "b", 255);
}
END_TEST

START_TEST(test_printf_star_width_precision_match_libc)
{
	CMP("[%*d]", 6, 42);
	CMP("[%*d]", -6, 42);
	CMP("[%-*d]", 6, 42);
	CMP("[%.*d]", 4, 42);
	CMP("[%.*d]", -4, 42);
	CMP("[%*.*d]", 8, 4, -42);
	CMP("[%*.*s]", -8, 2, "hello");
	CMP("[%.*s]", 3, "hello");
	CMP("[%.*s]", -1, "hello");
	CMP("[%0*x]", 8, 0xbeef);
}
END_TEST

START_TEST(test_printf_pointer_matches_libc)
{
	void *ptrs[] = { NULL, (void *)1, (void *)0x1234,
			 (void *)0xffffffff81000000UL, (void *)&ptrs };

	for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		void *p = ptrs[i];

		CMP("%p", p);
		CMP("[%20p]", p);
		CMP("[%-20p]", p);
		CMP("[%8p]", p);
	}
	CMP("[%020p]", (void *)0x1234);
	CMP("[%.8p]", (void *)0x1234);
	CMP("[%+p]", (void *)0x1234);
}
END_TEST

START_TEST(test_printf_return_value_when_truncated)
{
	char buf[4] = "QQQ";

	/* size 0: nothing written, buf may even be NULL. */
	ck_assert_int_eq(kos_snprintf(NULL, 0, "%d", 123456), 6);
	ck_assert_int_eq(kos_snprintf(buf, 0, "abc"), 3);
	ck_assert_str_eq(buf, "QQQ");
	ck_assert_int_eq(kos_snprintf(buf, sizeof(buf), "%s", "abcdef"), 6);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(kos_snprintf(buf, 1, "xyz"), 3);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_printf_long_output_is_counted)
{
	char big[2048], want[2048];
	int n = kos_snprintf(big, sizeof(big), "%1000d|%-1000s|", 7, "x");

	ck_assert_int_eq(
		n, snprintf(want, sizeof(want), "%1000d|%-1000s|", 7, "x"));
	ck_assert_str_eq(big, want);
	ck_assert_int_eq(n, 2002);
}
END_TEST

/* A va_list caller, as kos_vlog is: arguments must come through intact. */
static int vwrap(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int vwrap(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kos_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

START_TEST(test_printf_vsnprintf_many_args)
{
	char buf[128];

	/* More arguments than fit in registers: some go on the stack. */
	ck_assert_int_eq(vwrap(buf, sizeof(buf), "%d %d %d %d %d %d %d %d %s",
			       1, 2, 3, 4, 5, 6, 7, 8, "end"),
			 19);
	ck_assert_str_eq(buf, "1 2 3 4 5 6 7 8 end");
}
END_TEST

START_TEST(test_printf_unknown_conversion_is_printed)
{
	char buf[32];

	/* glibc prints unknown conversions verbatim as well. */
	ck_assert_int_eq(kos_snprintf(buf, sizeof(buf), "a%yb"), 4);
	ck_assert_str_eq(buf, "a%yb");
	ck_assert_int_eq(kos_snprintf(buf, sizeof(buf), "end%"), 4);
	ck_assert_str_eq(buf, "end%");
}
END_TEST

Suite *printf_suite(void)
{
	Suite *s = suite_create("printf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_printf_plain_text_and_percent);
	tcase_add_test(tc, test_printf_signed_matches_libc);
	tcase_add_test(tc, test_printf_unsigned_bases_match_libc);
	tcase_add_test(tc, test_printf_length_modifiers_match_libc);
	tcase_add_test(tc, test_printf_strings_and_chars_match_libc);
	tcase_add_test(tc, test_printf_star_width_precision_match_libc);
	tcase_add_test(tc, test_printf_pointer_matches_libc);
	tcase_add_test(tc, test_printf_return_value_when_truncated);
	tcase_add_test(tc, test_printf_long_output_is_counted);
	tcase_add_test(tc, test_printf_vsnprintf_many_args);
	tcase_add_test(tc, test_printf_unknown_conversion_is_printed);
	suite_add_tcase(s, tc);
	return s;
}
