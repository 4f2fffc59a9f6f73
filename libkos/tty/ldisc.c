/*
 * The line discipline (Linux's N_TTY): input processing, echo, editing,
 * signal characters, output post-processing, and the read side.
 *
 * Input goes into t->rbuf, a ring of TTY_BUF bytes: [read_tail,
 * canon_head) holds finished lines (canonical mode) and [canon_head,
 * read_head) the line being edited; in non-canonical mode canon_head
 * follows read_head.  A bit in t->delim marks each byte that ends a line
 * (newline, VEOL, VEOL2, VEOF), one in t->eofmk the VEOF ends, which
 * readers drop.  Everything runs under t->lock; signals raised by input
 * are collected in a mask and sent by the caller after unlocking.
 */
#include <kos/file.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/tty.h>
#include <uapi/errno.h>
#include <uapi/signal.h>

#include "internal.h"

#define MASK(x) ((x) & (TTY_BUF - 1))

static bool is_cntrl(unsigned char c)
{
	return c < 32 || c == 127;
}

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* A UTF-8 continuation byte, when IUTF8 says the input is UTF-8. */
static bool is_continuation(struct tty *t, unsigned char c)
{
	return (t->termios.c_iflag & IUTF8) && (c & 0xc0) == 0x80;
}

static bool bit_get(const uint8_t *map, size_t i)
{
	return map[MASK(i) / 8] & (1u << (MASK(i) % 8));
}

static void bit_set(uint8_t *map, size_t i, bool on)
{
	if (on)
		map[MASK(i) / 8] |= (uint8_t)(1u << (MASK(i) % 8));
	else
		map[MASK(i) / 8] &= (uint8_t) ~(1u << (MASK(i) % 8));
}

size_t tty_input_avail(struct tty *t)
{
	if (t->termios.c_lflag & ICANON)
		return t->canon_head - t->read_tail;
	return t->read_head - t->read_tail;
}

/* ---- output ----------------------------------------------------------- */

/*
 * Echo output waits in t->echo_buf, as in Linux's echo buffer, until
 * tty_ldisc_flush_echoes() hands it to the driver: at the end of each
 * batch of input, when the buffer fills, when output restarts and
 * before a write -- never while output is stopped.  A signal character
 * (without NOFLSH) discards what waits, so the echo of a line that ^C
 * throws away is not seen when both came in one batch.  Columns are
 * counted as the echo is made; echo_column and echo_canon_column keep
 * the columns from before the waiting echo, for a discard.  (Were the
 * driver to take only part of it, a discard would go back too far;
 * that needs a pty master with 8 KiB unread.)
 */
static void echo_mark(struct tty *t)
{
	if (!t->echo_len) {
		t->echo_column = t->column;
		t->echo_canon_column = t->canon_column;
	}
}

void tty_ldisc_flush_echoes(struct tty *t)
{
	size_t n;

	if (!t->echo_len || t->stopped)
		return;
	n = MIN(t->echo_len, t->drv->write_room(t));
	if (!n)
		return;
	t->drv->write(t, t->echo_buf, n);
	t->echo_len -= n;
	kos_memmove(t->echo_buf, t->echo_buf + n, t->echo_len);
	echo_mark(t);
}

/* The line being edited starts here (Linux's echo_set_canon_col). */
static void set_canon_column(struct tty *t)
{
	echo_mark(t);
	t->canon_column = t->column;
}

/* A signal character: forget the waiting echo and its columns. */
static void discard_echoes(struct tty *t)
{
	if (!t->echo_len)
		return;
	t->echo_len = 0;
	t->column = t->echo_column;
	t->canon_column = t->echo_canon_column;
}

/* Room for output: in the driver, or for echo in echo_buf. */
static size_t out_room(struct tty *t, bool echo)
{
	if (!echo)
		return t->drv->write_room(t);
	echo_mark(t);
	if (TTY_ECHO_BUF - t->echo_len < 8) /* the most one byte makes */
		tty_ldisc_flush_echoes(t);
	return TTY_ECHO_BUF - t->echo_len;
}

static void out_write(struct tty *t, const char *buf, size_t n, bool echo)
{
	if (!echo) {
		t->drv->write(t, buf, n);
		return;
	}
	kos_memcpy(t->echo_buf + t->echo_len, buf, n);
	t->echo_len += n;
}

/*
 * Write c with OPOST processing (Linux's do_output_char), to the driver
 * or as echo: 1 if it went out (or was meant to vanish), 0 if there was
 * no room for it.
 */
static int out_char(struct tty *t, unsigned char c, bool echo)
{
	const struct termios *tm = &t->termios;
	size_t room = out_room(t, echo);

	if (!(tm->c_oflag & OPOST)) {
		if (!room)
			return 0;
		out_write(t, (const char *)&c, 1, echo);
		return 1;
	}
	switch (c) {
	case '\n':
		if (tm->c_oflag & ONLRET)
			t->column = 0;
		if (tm->c_oflag & ONLCR) {
			if (room < 2)
				return 0;
			t->column = t->canon_column = 0;
			out_write(t, "\r\n", 2, echo);
			return 1;
		}
		t->canon_column = t->column;
		break;
	case '\r':
		if ((tm->c_oflag & ONOCR) && t->column == 0)
			return 1;
		if (tm->c_oflag & OCRNL) {
			c = '\n';
			if (tm->c_oflag & ONLRET)
				t->canon_column = t->column = 0;
			break;
		}
		t->canon_column = t->column = 0;
		break;
	case '\t': {
		unsigned int spaces = 8 - (t->column & 7);

		if ((tm->c_oflag & TABDLY) == TAB3) {
			if (room < spaces)
				return 0;
			t->column += spaces;
			out_write(t, "        ", spaces, echo);
			return 1;
		}
		t->column += spaces;
		break;
	}
	case '\b':
		if (t->column > 0)
			t->column--;
		break;
	default:
		if (!is_cntrl(c)) {
			if ((tm->c_oflag & OLCUC) && c >= 'a' && c <= 'z')
				c = (unsigned char)(c - 'a' + 'A');
			if (!is_continuation(t, c))
				t->column++;
		}
		break;
	}
	if (!room)
		return 0;
	out_write(t, (const char *)&c, 1, echo);
	return 1;
}

int tty_ldisc_out_char(struct tty *t, unsigned char c)
{
	return out_char(t, c, false);
}

/* Echo c with OPOST processing; dropped if there is no room. */
static void echo_out(struct tty *t, unsigned char c)
{
	out_char(t, c, true);
}

/* Echo bytes that bypass OPOST ("^C"): dropped if there is no room. */
static void echo_raw(struct tty *t, const char *s, size_t n)
{
	if (out_room(t, true) >= n)
		out_write(t, s, n, true);
}

/* Linux's echo_char: control characters as ^X with ECHOCTL. */
static void echo_char(struct tty *t, unsigned char c)
{
	if ((t->termios.c_lflag & ECHOCTL) && is_cntrl(c) && c != '\t') {
		char s[2] = { '^', (char)(c ^ 0100) };

		echo_raw(t, s, 2);
		t->column += 2;
		return;
	}
	echo_out(t, c);
}

static void finish_erasing(struct tty *t)
{
	if (t->erasing) {
		echo_out(t, '/');
		t->erasing = false;
	}
}

/* Back over a tab: count the columns the line used since the last tab. */
static void erase_tab(struct tty *t)
{
	unsigned int chars = 0, bs;
	bool after_tab = false;
	size_t tail = t->read_head;

	while (tail != t->canon_head) {
		unsigned char c = (unsigned char)t->rbuf[MASK(--tail)];

		if (c == '\t') {
			after_tab = true;
			break;
		} else if (is_cntrl(c)) {
			if (t->termios.c_lflag & ECHOCTL)
				chars += 2;
		} else if (!is_continuation(t, c)) {
			chars++;
		}
	}
	if (!after_tab)
		chars += t->canon_column;
	/* As Linux: every backspace goes out, the column stops at 0. */
	for (bs = 8 - (chars & 7); bs; bs--) {
		echo_raw(t, "\b", 1);
		if (t->column > 0)
			t->column--;
	}
}

static void echo_erase_one(struct tty *t, unsigned char c)
{
	bool ctl = is_cntrl(c);

	if (ctl && (t->termios.c_lflag & ECHOCTL)) {
		echo_out(t, '\b');
		echo_out(t, ' ');
		echo_out(t, '\b');
	}
	if (!ctl || (t->termios.c_lflag & ECHOCTL)) {
		echo_out(t, '\b');
		echo_out(t, ' ');
		echo_out(t, '\b');
	}
}

/* VERASE, VWERASE, VKILL on the line being edited. */
static void eraser(struct tty *t, unsigned char c)
{
	const struct termios *tm = &t->termios;
	enum { ERASE, WERASE, KILL } kind;
	unsigned int alnums = 0;

	if (t->read_head == t->canon_head)
		return;
	if (c == tm->c_cc[VERASE]) {
		kind = ERASE;
	} else if (c == tm->c_cc[VWERASE]) {
		kind = WERASE;
	} else {
		if (!(tm->c_lflag & ECHO)) {
			t->read_head = t->canon_head;
			return;
		}
		if (!(tm->c_lflag & ECHOK) || !(tm->c_lflag & ECHOKE) ||
		    !(tm->c_lflag & ECHOE)) {
			t->read_head = t->canon_head;
			finish_erasing(t);
			echo_char(t, c);
			if (tm->c_lflag & ECHOK)
				echo_out(t, '\n');
			return;
		}
		kind = KILL;
	}
	while (t->read_head != t->canon_head) {
		size_t head = t->read_head;

		do {
			c = (unsigned char)t->rbuf[MASK(--head)];
		} while (is_continuation(t, c) && head != t->canon_head);
		if (is_continuation(t, c))
			break;
		if (kind == WERASE) {
			if (is_alnum(c) || c == '_')
				alnums++;
			else if (alnums)
				break;
		}
		t->read_head = head;
		if (tm->c_lflag & ECHO) {
			if (tm->c_lflag & ECHOPRT) {
				if (!t->erasing) {
					echo_out(t, '\\');
					t->erasing = true;
				}
				echo_char(t, c);
			} else if (kind == ERASE && !(tm->c_lflag & ECHOE)) {
				echo_char(t, tm->c_cc[VERASE]);
			} else if (c == '\t') {
				erase_tab(t);
			} else {
				echo_erase_one(t, c);
			}
		}
		if (kind == ERASE)
			break;
	}
	if (t->read_head == t->canon_head && (tm->c_lflag & ECHO))
		finish_erasing(t);
}

/* ---- input ------------------------------------------------------------ */

static void put_char(struct tty *t, unsigned char c, bool delim, bool eof)
{
	size_t h = t->read_head;

	t->rbuf[MASK(h)] = (char)c;
	bit_set(t->delim, h, delim);
	bit_set(t->eofmk, h, eof);
	t->read_head = h + 1;
	if (delim || !(t->termios.c_lflag & ICANON))
		t->canon_head = t->read_head;
}

/* Drop the unread input (TCIFLUSH, a signal character without NOFLSH). */
void tty_ldisc_flush_input(struct tty *t)
{
	t->read_head = t->canon_head = t->read_tail;
	t->lnext = t->erasing = false;
}

/*
 * A signal character: without NOFLSH the input, the waiting echo and
 * the driver's queued output go (Linux's isig); IXON restarts output.
 */
static void isig(struct tty *t, int sig, unsigned char c, uint64_t *sigs)
{
	*sigs |= SIGBIT(sig);
	if (!(t->termios.c_lflag & NOFLSH)) {
		discard_echoes(t);
		tty_ldisc_flush_input(t);
		if (t->drv->flush_output)
			t->drv->flush_output(t);
	}
	if ((t->termios.c_iflag & IXON) && !t->tco_stopped)
		t->stopped = false;
	if (t->termios.c_lflag & ECHO)
		echo_char(t, c);
}

/*
 * Room for one more byte of input.  In canonical mode the last byte of
 * the buffer is kept for a line end, so a full line can still finish
 * (Linux: the rest of an over-long line is thrown away).
 */
static bool room_for(struct tty *t, bool ends_line)
{
	size_t used = t->read_head - t->read_tail;

	if (t->termios.c_lflag & ICANON)
		return used < TTY_BUF - 1 || (ends_line && used < TTY_BUF);
	return used < TTY_BUF;
}

/*
 * Bytes tty_receive() may take: 0 when a non-canonical buffer is full
 * (the sender waits).  A canonical line that overflows takes everything,
 * dropping what does not fit, so a writer never waits for a line end
 * that cannot arrive.
 */
size_t tty_ldisc_receive_room(struct tty *t)
{
	size_t used = t->read_head - t->read_tail;

	if (t->termios.c_lflag & ICANON)
		return t->canon_head == t->read_tail || used < TTY_BUF
			       ? SIZE_MAX
			       : 0;
	return TTY_BUF - used;
}

static void receive_char(struct tty *t, unsigned char c, uint64_t *sigs)
{
	const struct termios *tm = &t->termios;
	unsigned int lf = tm->c_lflag;

	if (tm->c_iflag & ISTRIP)
		c &= 0x7f;
	if ((tm->c_iflag & IUCLC) && (lf & IEXTEN) && c >= 'A' && c <= 'Z')
		c = (unsigned char)(c - 'A' + 'a');
	if (t->lnext) {
		t->lnext = false;
		goto literal;
	}
	if (tm->c_iflag & IXON) {
		/* ^Q does not undo TCOOFF (Linux's start_tty) */
		if (c == tm->c_cc[VSTART] && c) {
			if (!t->tco_stopped) {
				t->stopped = false;
				tty_ldisc_flush_echoes(t);
			}
			return;
		}
		if (c == tm->c_cc[VSTOP] && c) {
			t->stopped = true;
			return;
		}
		if (t->stopped && !t->tco_stopped && (tm->c_iflag & IXANY)) {
			t->stopped = false;
			tty_ldisc_flush_echoes(t);
		}
	}
	if (lf & ISIG) {
		int sig = 0;

		if (c == tm->c_cc[VINTR] && c)
			sig = SIGINT;
		else if (c == tm->c_cc[VQUIT] && c)
			sig = SIGQUIT;
		else if (c == tm->c_cc[VSUSP] && c)
			sig = SIGTSTP;
		if (sig) {
			isig(t, sig, c, sigs);
			return;
		}
	}
	if (c == '\r') {
		if (tm->c_iflag & IGNCR)
			return;
		if (tm->c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (tm->c_iflag & INLCR)) {
		c = '\r';
	}
	if (lf & ICANON) {
		if (c && (c == tm->c_cc[VERASE] || c == tm->c_cc[VKILL] ||
			  (c == tm->c_cc[VWERASE] && (lf & IEXTEN)))) {
			eraser(t, c);
			return;
		}
		if (c && c == tm->c_cc[VLNEXT] && (lf & IEXTEN)) {
			t->lnext = true;
			if (lf & ECHO) {
				finish_erasing(t);
				if (lf & ECHOCTL) {
					echo_raw(t, "^\b", 2);
				}
			}
			return;
		}
		if (c && c == tm->c_cc[VREPRINT] && (lf & ECHO) &&
		    (lf & IEXTEN)) {
			size_t i;

			finish_erasing(t);
			echo_char(t, c);
			echo_out(t, '\n');
			for (i = t->canon_head; i != t->read_head; i++)
				echo_char(t, (unsigned char)t->rbuf[MASK(i)]);
			return;
		}
		if (c == '\n') {
			if (!room_for(t, true))
				return;
			if (lf & (ECHO | ECHONL)) {
				finish_erasing(t);
				echo_out(t, '\n');
			}
			put_char(t, c, true, false);
			return;
		}
		if (c && c == tm->c_cc[VEOF]) {
			if (!room_for(t, true))
				return;
			put_char(t, c, true, true);
			return;
		}
		if (c && (c == tm->c_cc[VEOL] ||
			  (c == tm->c_cc[VEOL2] && (lf & IEXTEN)))) {
			if (!room_for(t, true))
				return;
			if (lf & ECHO) {
				finish_erasing(t);
				if (t->canon_head == t->read_head)
					set_canon_column(t);
				echo_char(t, c);
			}
			put_char(t, c, true, false);
			return;
		}
	}
	if (!room_for(t, false))
		return;
	if (lf & ECHO) {
		finish_erasing(t);
		if (c == '\n' && (lf & ICANON)) {
			echo_out(t, '\n');
		} else {
			if (t->canon_head == t->read_head)
				set_canon_column(t);
			echo_char(t, c);
		}
	} else if (c == '\n' && (lf & ECHONL) && (lf & ICANON)) {
		echo_out(t, '\n');
	}
	put_char(t, c, false, false);
	return;
literal:
	if (!room_for(t, false))
		return;
	if (lf & ECHO) {
		finish_erasing(t);
		if (t->canon_head == t->read_head)
			set_canon_column(t);
		echo_char(t, c);
	}
	put_char(t, c, false, false);
}

size_t tty_ldisc_receive(struct tty *t, const char *buf, size_t n,
			 uint64_t *sigs)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!tty_ldisc_receive_room(t))
			break;
		receive_char(t, (unsigned char)buf[i], sigs);
	}
	tty_ldisc_flush_echoes(t);
	return i;
}

/*
 * A change of termios: leaving canonical mode makes the line being
 * edited readable; entering it starts a new line after what is there
 * (Linux keeps the bytes but they count as one unfinished line).
 */
void tty_ldisc_termios_changed(struct tty *t, const struct termios *old)
{
	bool was = old->c_lflag & ICANON, now = t->termios.c_lflag & ICANON;

	if (was && !now) {
		t->canon_head = t->read_head;
		t->erasing = false;
	} else if (!was && now) {
		t->canon_head = t->read_tail;
		t->lnext = t->erasing = false;
	}
	if (!(t->termios.c_iflag & IXON) && !t->tco_stopped) {
		t->stopped = false;
		tty_ldisc_flush_echoes(t);
	}
}

/*
 * Take up to n input bytes for a reader into kbuf.  Canonical: at most
 * one line, stopping after its end (which a VEOF end leaves out);
 * *line_done is set when the line's end was consumed.
 */
size_t tty_ldisc_take(struct tty *t, char *kbuf, size_t n, bool *line_done)
{
	size_t got = 0;
	bool canon = t->termios.c_lflag & ICANON;
	size_t end = canon ? t->canon_head : t->read_head;

	*line_done = false;
	while (got < n && t->read_tail != end) {
		size_t i = t->read_tail++;
		bool delim = canon && bit_get(t->delim, i);

		if (delim && bit_get(t->eofmk, i)) {
			*line_done = true;
			break;
		}
		kbuf[got++] = t->rbuf[MASK(i)];
		if (delim) {
			*line_done = true;
			break;
		}
	}
	/* A VEOF right after a full buffer's worth still belongs to it. */
	if (canon && !*line_done && t->read_tail != end &&
	    bit_get(t->eofmk, t->read_tail) &&
	    bit_get(t->delim, t->read_tail)) {
		t->read_tail++;
		*line_done = true;
	}
	return got;
}
