/*
 * Unit tests for the line discipline (libkos/tty/ldisc.c) through a fake
 * driver that records output: canonical lines and their editing (erase,
 * word erase, kill, lnext), VEOF at and after the start of a line, echo
 * with ECHOCTL, echo held back until a batch of input ends (dropped by
 * a signal character, kept while output is stopped), OPOST/ONLCR and
 * tab expansion, the signal characters, IXON flow control,
 * non-canonical reads, and the buffer limits.
 * Expectations are Linux's n_tty behaviour.
 */
#include <check.h>
#include <string.h>

#include <kos/boot.h>
#include <kos/kmalloc.h>
#include <kos/plat/cpu.h>
#include <kos/pmm.h>
#include <uapi/signal.h>

#include "../plat_test.h"
#include "../../libkos/tty/internal.h"

static char out[8192];
static size_t out_len;
static size_t room = sizeof(out);

static void fake_write(struct tty *t, const char *buf, size_t n)
{
	ck_assert_uint_le(out_len + n, sizeof(out) - 1);
	memcpy(out + out_len, buf, n);
	out_len += n;
	out[out_len] = 0;
}

static size_t fake_room(struct tty *t)
{
	return room - out_len;
}

static const struct tty_driver fake = {
	.name = "fake",
	.write = fake_write,
	.write_room = fake_room,
};

static struct tty *t;

static void setup(void)
{
	struct kos_bootinfo bi;

	plat_irq_disable();
	test_bootinfo(&bi, 16UL << 20);
	pmm_init(&bi);
	kmalloc_init();
	plat_irq_enable();
	t = tty_alloc(&fake, NULL, 0);
	out_len = 0;
	out[0] = 0;
	room = sizeof(out);
}

static void teardown(void)
{
	tty_put(t);
}

/* Feed s; return the signals it raised. */
static uint64_t feed(const char *s)
{
	uint64_t sigs = 0;

	ck_assert_uint_eq(tty_ldisc_receive(t, s, strlen(s), &sigs), strlen(s));
	return sigs;
}

/* What a reader with an n-byte buffer gets now (NUL-terminated). */
static const char *take(size_t n)
{
	static char buf[TTY_BUF + 1];
	bool done;
	size_t got = tty_ldisc_take(t, buf, n, &done);

	buf[got] = 0;
	return buf;
}

START_TEST(test_tty_canon_lines)
{
	feed("ab");
	ck_assert_uint_eq(tty_input_avail(t), 0); /* no line yet */
	feed("c\rdef\n");			  /* ICRNL: \r ends it too */
	ck_assert_str_eq(take(100), "abc\n");
	ck_assert_str_eq(take(2), "de"); /* a short buffer: part of it */
	ck_assert_str_eq(take(100), "f\n");
	ck_assert_uint_eq(tty_input_avail(t), 0);
	ck_assert_str_eq(out, "abc\r\ndef\r\n"); /* echo, ONLCR */
}
END_TEST

START_TEST(test_tty_canon_editing)
{
	feed("hellp\177o wor\027world there\025again\n");
	ck_assert_str_eq(take(100), "again\n");
	feed("x\026\177y\n"); /* ^V makes the next byte literal */
	ck_assert_str_eq(take(100), "x\177y\n");
	feed("one two\027\027\n"); /* word erase twice: the whole line */
	ck_assert_str_eq(take(100), "\n");
}
END_TEST

START_TEST(test_tty_erase_echo)
{
	feed("ab\177");
	ck_assert_str_eq(out, "ab\b \b"); /* ECHOE */
	out_len = 0;
	feed("\003"); /* ^C: flush, echoed as ^C */
	ck_assert_str_eq(out, "^C");
	ck_assert_uint_eq(t->read_head, t->read_tail);
	out_len = 0;
	feed("\t\177");
	/* The tab echoed at column 3 ("ab", erase, "^C") spans 5 columns. */
	ck_assert_str_eq(out, "\t\b\b\b\b\b");
}
END_TEST

START_TEST(test_tty_echo_discard)
{
	/* One batch: ^C drops the echo still waiting, and its columns. */
	feed("abc\003\t\177\n");
	ck_assert_str_eq(out, "^C\t\b\b\b\b\b\b\r\n");
	out_len = 0;
	/* An earlier batch's echo is out already: it stays. */
	feed("ab");
	feed("\003");
	ck_assert_str_eq(out, "ab^C");
}
END_TEST

START_TEST(test_tty_echo_stopped)
{
	feed("\023ab"); /* ^S: echo waits */
	ck_assert_str_eq(out, "");
	feed("\021"); /* ^Q lets it out */
	ck_assert_str_eq(out, "ab");
	out_len = 0;
	out[0] = 0;
	feed("\023cd");
	ck_assert_str_eq(out, "");
	feed("\003"); /* ^C restarts output and drops the waiting echo */
	ck_assert(!t->stopped);
	ck_assert_str_eq(out, "^C");
}
END_TEST

START_TEST(test_tty_eof)
{
	bool done;
	char buf[8];

	feed("\004"); /* ^D at the start of a line: end of file */
	ck_assert_uint_eq(tty_ldisc_take(t, buf, 8, &done), 0);
	ck_assert(done);
	feed("ab\004"); /* after text: the line goes out without it */
	ck_assert_str_eq(take(100), "ab");
	ck_assert_uint_eq(tty_input_avail(t), 0);
	feed("xy\004"); /* an exact-size read skips the VEOF */
	ck_assert_str_eq(take(2), "xy");
	ck_assert_uint_eq(tty_input_avail(t), 0);
	ck_assert_str_eq(out, "abxy"); /* VEOF is never echoed */
}
END_TEST

START_TEST(test_tty_signals)
{
	ck_assert_uint_eq(feed("\003"), SIGBIT(SIGINT));
	ck_assert_uint_eq(feed("\034"), SIGBIT(SIGQUIT));
	ck_assert_uint_eq(feed("\032"), SIGBIT(SIGTSTP));
	feed("abc");
	t->termios.c_lflag |= NOFLSH;
	feed("\003");
	t->termios.c_lflag &= ~(unsigned int)ISIG;
	ck_assert_uint_eq(feed("\003\n"), 0); /* a plain byte now */
	ck_assert_str_eq(take(100), "abc\003\n");
}
END_TEST

START_TEST(test_tty_opost)
{
	t->termios.c_oflag |= TAB3;
	for (const char *s = "a\tb\n"; *s; s++)
		ck_assert_int_eq(tty_ldisc_out_char(t, (unsigned char)*s), 1);
	ck_assert_str_eq(out, "a       b\r\n");
	out_len = 0;
	t->termios.c_oflag &= ~(unsigned int)OPOST;
	tty_ldisc_out_char(t, '\n');
	ck_assert_str_eq(out, "\n");
	/* No room: nothing written, the caller retries. */
	t->termios.c_oflag |= OPOST;
	room = out_len + 1;
	ck_assert_int_eq(tty_ldisc_out_char(t, '\n'), 0);
}
END_TEST

START_TEST(test_tty_ixon)
{
	feed("\023"); /* ^S */
	ck_assert(t->stopped);
	feed("\021"); /* ^Q */
	ck_assert(!t->stopped);
	ck_assert_uint_eq(t->read_head, 0); /* neither is input */
}
END_TEST

START_TEST(test_tty_raw)
{
	struct termios old = t->termios;

	t->termios.c_lflag &= ~(unsigned int)(ICANON | ECHO);
	tty_ldisc_termios_changed(t, &old);
	feed("ab");
	ck_assert_uint_eq(tty_input_avail(t), 2);
	ck_assert_str_eq(take(1), "a");
	ck_assert_str_eq(take(10), "b");
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_tty_full)
{
	static char big[TTY_BUF + 10];
	uint64_t sigs = 0;

	/* Canonical: an over-long line keeps one byte for its end. */
	memset(big, 'x', sizeof(big));
	t->termios.c_lflag &= ~(unsigned int)ECHO;
	ck_assert_uint_eq(tty_ldisc_receive(t, big, sizeof(big), &sigs),
			  sizeof(big));
	ck_assert_uint_eq(t->read_head - t->read_tail, TTY_BUF - 1);
	feed("\n");
	ck_assert_uint_eq(tty_input_avail(t), TTY_BUF);
	/* A full buffer of finished lines takes nothing more. */
	ck_assert_uint_eq(tty_ldisc_receive_room(t), 0);
	ck_assert_uint_eq(tty_ldisc_receive(t, "y", 1, &sigs), 0);
}
END_TEST

Suite *tty_suite(void)
{
	Suite *s = suite_create("tty");
	TCase *tc = tcase_create("ldisc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tty_canon_lines);
	tcase_add_test(tc, test_tty_canon_editing);
	tcase_add_test(tc, test_tty_erase_echo);
	tcase_add_test(tc, test_tty_echo_discard);
	tcase_add_test(tc, test_tty_echo_stopped);
	tcase_add_test(tc, test_tty_eof);
	tcase_add_test(tc, test_tty_signals);
	tcase_add_test(tc, test_tty_opost);
	tcase_add_test(tc, test_tty_ixon);
	tcase_add_test(tc, test_tty_raw);
	tcase_add_test(tc, test_tty_full);
	suite_add_tcase(s, tc);
	return s;
}
