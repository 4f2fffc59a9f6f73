/*
 * Unit tests for the console tty's output path (libkos/kern/console.c)
 * over a platform that queues output (check/plat_test.c's
 * test_console_out_limit, as metal's UART ring): the tty's write room is
 * the platform's less what the driver holds, nothing goes to the
 * platform beyond the room it gave, TIOCOUTQ's count includes the
 * platform's queue, and a drained queue makes room again.
 */
#include <check.h>
#include <string.h>

#include <kos/boot.h>
#include <kos/console.h>
#include <kos/kmalloc.h>
#include <kos/plat/cpu.h>
#include <kos/pmm.h>

#include "../plat_test.h"
#include "../../libkos/tty/internal.h"

static struct tty *con;

static void setup(void)
{
	struct kos_bootinfo bi;

	plat_irq_disable();
	test_bootinfo(&bi, 16UL << 20);
	pmm_init(&bi);
	kmalloc_init();
	plat_irq_enable();
	con = console_tty();
	test_console_reset();
	test_console_out_limit = 8;
	test_console_out_queued = 0;
}

static void teardown(void)
{
	test_console_out_limit = 0;
	test_console_out_queued = 0;
}

/* Write s through the line discipline: how many bytes it took. */
static size_t put(const char *s)
{
	unsigned long fl = spin_lock_irqsave(&con->lock);
	size_t i = 0;

	while (s[i] && tty_ldisc_out_char(con, (unsigned char)s[i]))
		i++;
	tty_out_flush(con);
	spin_unlock_irqrestore(&con->lock, fl);
	return i;
}

START_TEST(test_console_queue_limits_writes)
{
	ck_assert_uint_eq(con->drv->write_room(con), 8);
	/* "abcdef" and "\n" as "\r\n": 8 bytes, then no room for "g" */
	ck_assert_uint_eq(put("abcdef\ngh"), 7);
	ck_assert_str_eq(test_console_buf, "abcdef\r\n");
	ck_assert_uint_eq(test_console_out_queued, 8);
	ck_assert_uint_eq(con->drv->write_room(con), 0);
	ck_assert_uint_eq(con->drv->chars_in_buffer(con), 8);
	test_console_out_drain();
	ck_assert_uint_eq(con->drv->chars_in_buffer(con), 0);
	ck_assert_uint_eq(con->drv->write_room(con), 8);
	ck_assert_uint_eq(put("gh"), 2);
	ck_assert_str_eq(test_console_buf, "abcdef\r\ngh");
}
END_TEST

START_TEST(test_console_newline_needs_two)
{
	/* ONLCR makes two bytes of "\n": with one byte of room it waits */
	ck_assert_uint_eq(put("1234567\n"), 7);
	ck_assert_uint_eq(con->drv->write_room(con), 1);
	ck_assert_uint_eq(put("\n"), 0);
	test_console_out_drain();
	ck_assert_uint_eq(put("\n"), 1);
	ck_assert_str_eq(test_console_buf, "1234567\r\n");
}
END_TEST

Suite *console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("output");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_console_queue_limits_writes);
	tcase_add_test(tc, test_console_newline_needs_two);
	suite_add_tcase(s, tc);
	return s;
}
