/*
 * Unit tests for libkos/kern/log.c: console formatting and level, the ring
 * buffer's record format, ordering and overwrite, truncation, and the
 * interrupt state around logging.  The fake platform captures console
 * output in test_console_buf and its clock is set by hand, so every
 * expected string below is written out literally.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kos/log.h>
#include <kos/plat/cpu.h>

#include "../plat_test.h"

#define READ_SIZE (256 * 1024)

static char *rd;

static void setup(void)
{
	rd = malloc(READ_SIZE);
	ck_assert_ptr_nonnull(rd);
	kos_log_set_level(LOG_INFO);
	test_console_reset();
}

static void teardown(void)
{
	free(rd);
	rd = NULL;
	kos_log_set_level(LOG_INFO);
}

/* Read the whole ring and return a pointer to its last n lines. */
static const char *ring_tail(int n)
{
	size_t len = kos_log_read(rd, READ_SIZE);
	const char *p;

	ck_assert_uint_lt(len, READ_SIZE);
	ck_assert_uint_eq(strlen(rd), len);
	if (len == 0)
		return rd;
	ck_assert_int_eq(rd[len - 1], '\n');
	p = rd + len - 1;
	while (p > rd) {
		if (p[-1] == '\n' && --n == 0)
			break;
		p--;
	}
	return p;
}

START_TEST(test_log_console_format)
{
	test_clock_set(1234567891234ULL); /* 1234.567891234 s */
	kos_log(LOG_INFO, "hello %s %d", "world", 42);
	ck_assert_str_eq(test_console_buf, "[ 1234.567891] hello world 42\n");

	test_console_reset();
	test_clock_set(5000); /* 5 us */
	log_err("e");
	ck_assert_str_eq(test_console_buf, "[    0.000005] e\n");

	test_console_reset();
	test_clock_set(123456000000000ULL); /* wider than %5 */
	log_warn("w");
	ck_assert_str_eq(test_console_buf, "[123456.000000] w\n");
}
END_TEST

START_TEST(test_log_read_record_format)
{
	test_clock_set(2000001000ULL);
	kos_log(LOG_NOTICE, "first");
	test_clock_set(3000000000ULL);
	log_debug("second %x", 255);
	ck_assert_str_eq(ring_tail(2), "<5>[    2.000001] first\n"
				       "<7>[    3.000000] second ff\n");
}
END_TEST

START_TEST(test_log_console_level_filters)
{
	test_clock_set(0);
	kos_log_set_level(LOG_WARNING);
	log_info("quiet info");
	log_notice("quiet notice");
	ck_assert_str_eq(test_console_buf, "");
	log_warn("loud warn");
	log_err("loud err");
	ck_assert_str_eq(test_console_buf, "[    0.000000] loud warn\n"
					   "[    0.000000] loud err\n");
	/* Filtered messages still reach the ring. */
	ck_assert_str_eq(ring_tail(4), "<6>[    0.000000] quiet info\n"
				       "<5>[    0.000000] quiet notice\n"
				       "<4>[    0.000000] loud warn\n"
				       "<3>[    0.000000] loud err\n");

	test_console_reset();
	kos_log_set_level(LOG_DEBUG);
	log_debug("dbg");
	ck_assert_str_eq(test_console_buf, "[    0.000000] dbg\n");

	/* Out-of-range levels are clamped, not dropped. */
	test_console_reset();
	kos_log_set_level(LOG_INFO);
	kos_log(99, "x");
	kos_log(-5, "y");
	ck_assert_str_eq(test_console_buf, "[    0.000000] y\n");
	ck_assert_str_eq(ring_tail(2), "<7>[    0.000000] x\n"
				       "<0>[    0.000000] y\n");
}
END_TEST

START_TEST(test_log_trailing_newline_is_one_line)
{
	test_clock_set(0);
	log_info("line\n");
	log_info("%s", "");
	ck_assert_str_eq(test_console_buf, "[    0.000000] line\n"
					   "[    0.000000] \n");
	ck_assert_str_eq(ring_tail(2), "<6>[    0.000000] line\n"
				       "<6>[    0.000000] \n");
}
END_TEST

START_TEST(test_log_long_message_truncated_to_511)
{
	char big[1000], want[600];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	test_clock_set(0);
	log_info("%s", big);
	memcpy(want, "[    0.000000] ", 15);
	memset(want + 15, 'a', 511);
	strcpy(want + 15 + 511, "\n");
	ck_assert_str_eq(test_console_buf, want);
	ck_assert_str_eq(ring_tail(1) + 3, want);
}
END_TEST

START_TEST(test_log_ring_drops_oldest_in_order)
{
	const int total = 5000;
	const char *p;
	int first = -1, prev = -1, lines = 0;

	kos_log_set_level(LOG_ERR); /* keep the console quiet */
	test_clock_set(7000000);
	for (int i = 0; i < total; i++)
		log_info("msg %05d", i);

	/* Everything left is one unbroken, ordered run ending at the last. */
	kos_log_read(rd, READ_SIZE);
	for (p = rd; *p; p = strchr(p, '\n') + 1) {
		int n;

		ck_assert_msg(strncmp(p, "<6>[    0.007000] msg ", 22) == 0 &&
				      sscanf(p + 22, "%d", &n) == 1,
			      "bad line: %.40s", p);
		if (first < 0)
			first = n;
		else
			ck_assert_int_eq(n, prev + 1);
		prev = n;
		lines++;
	}
	ck_assert_int_eq(prev, total - 1);
	ck_assert_int_gt(first, 0);
	/* 64 KiB of 9-byte messages: at least 64K / (9 + 32) kept. */
	ck_assert_int_ge(lines, 65536 / (9 + 32));
	ck_assert_int_lt(lines, 65536 / 9);
}
END_TEST

START_TEST(test_log_read_whole_lines_only)
{
	char small[64];
	size_t n;

	test_clock_set(0);
	for (int i = 0; i < 4000; i++) /* push any earlier records out */
		kos_log(LOG_DEBUG, "filler %d", i);
	kos_log(LOG_DEBUG, "%s", "");

	/* The oldest line is "<7>[    0.000000] filler NNNN\n", 30 bytes. */
	memset(small, 'Q', sizeof(small));
	n = kos_log_read(small, 30);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(small[0], '\0');
	n = kos_log_read(small, 31);
	ck_assert_uint_eq(n, 30);
	ck_assert_uint_eq(strlen(small), 30);
	ck_assert(strncmp(small, "<7>[    0.000000] filler ", 25) == 0);
	ck_assert_int_eq(small[29], '\n');
	n = kos_log_read(small, sizeof(small));
	ck_assert_uint_eq(n, 60);

	/* len 0: nothing touched. */
	memset(small, 'Q', sizeof(small));
	ck_assert_uint_eq(kos_log_read(small, 0), 0);
	ck_assert_int_eq(small[0], 'Q');
}
END_TEST

START_TEST(test_log_store_skips_console)
{
	test_clock_set(0);
	kos_log_store(LOG_EMERG, "stored only\n");
	ck_assert_str_eq(test_console_buf, "");
	ck_assert_str_eq(ring_tail(1), "<0>[    0.000000] stored only\n");
}
END_TEST

START_TEST(test_log_console_puts_is_raw)
{
	kos_console_puts("raw\ttext");
	kos_console_puts("");
	kos_console_puts("!\n");
	ck_assert_str_eq(test_console_buf, "raw\ttext!\n");
	/* and not in the ring */
	log_info("marker");
	ck_assert_str_eq(strstr(ring_tail(1), "] "), "] marker\n");
}
END_TEST

START_TEST(test_log_restores_interrupt_state)
{
	plat_irq_enable();
	log_info("on");
	ck_assert(plat_irq_enabled());
	kos_log_read(rd, READ_SIZE);
	ck_assert(plat_irq_enabled());

	plat_irq_disable();
	log_info("off");
	ck_assert(!plat_irq_enabled());
	kos_log_read(rd, READ_SIZE);
	ck_assert(!plat_irq_enabled());
	plat_irq_enable();
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_log_console_format);
	tcase_add_test(tc, test_log_read_record_format);
	tcase_add_test(tc, test_log_console_level_filters);
	tcase_add_test(tc, test_log_trailing_newline_is_one_line);
	tcase_add_test(tc, test_log_long_message_truncated_to_511);
	tcase_add_test(tc, test_log_ring_drops_oldest_in_order);
	tcase_add_test(tc, test_log_read_whole_lines_only);
	tcase_add_test(tc, test_log_store_skips_console);
	tcase_add_test(tc, test_log_console_puts_is_raw);
	tcase_add_test(tc, test_log_restores_interrupt_state);
	suite_add_tcase(s, tc);
	return s;
}
