/*
 * The kernel console and the console tty.
 *
 * Kernel text (log lines, batch markers) goes straight to
 * plat_console_write(), synchronous, so nothing is lost when the kernel
 * dies.  Programs see the console as a tty (kos/tty.h): /dev/console
 * (5:1) and /dev/ttyS0 (4:64) are the one console tty, whose output the
 * line discipline has already processed (ONLCR) and which goes out with
 * plat_console_put() in batches.  The platform may queue it (metal: the
 * UART's transmit interrupt sends it): the tty's write room is the
 * platform's, and its kos_console_out_room() wakes writers.
 *
 * Input arrives in interrupt context through kos_console_input() and is
 * kept in a ring; a kernel thread, "console", feeds the ring to the line
 * discipline in thread context (which may signal process groups).  When
 * the tty's buffer is full the bytes wait in the ring; when the ring is
 * full, new bytes are dropped (a terminal would beep).  The platform's
 * end of input (kos_console_eof: hosted stdin at EOF) becomes end of file
 * for readers once the ring is drained.
 *
 * Locking: the ring, eof and the window size are guarded by console_lock
 * (interrupts off); out_buf is used with the tty's lock held.
 */
#include <kos/console.h>
#include <kos/log.h>
#include <kos/plat/console.h>
#include <kos/sched.h>
#include <kos/spinlock.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/tty.h>
#include <kos/vfs.h>
#include <kos/waitq.h>
#include <uapi/signal.h>

#define CONSOLE_RING 4096 /* power of two */

static struct spinlock console_lock = SPINLOCK_INIT("console");
static char ring[CONSOLE_RING];	    /* console_lock */
static size_t ring_head, ring_tail; /* free-running; head - tail = used */
static bool input_eof;		    /* console_lock */
static struct winsize new_ws;	    /* console_lock: size to apply */
static bool ws_pending;		    /* console_lock */
static struct waitq console_wq = WAITQ_INIT(console_wq); /* its thread */
static uint64_t dropped;
static bool out_line_start = true; /* last byte written was a newline */
static struct tty *con;

static char out_buf[512]; /* con->lock */
static size_t out_len;

void console_write(const char *buf, size_t len)
{
	plat_console_write(buf, len);
	if (len)
		out_line_start = buf[len - 1] == '\n';
}

bool console_at_line_start(void)
{
	return out_line_start;
}

/* ---- the tty driver ---------------------------------------------------- */

static void con_flush(struct tty *t)
{
	if (!out_len)
		return;
	plat_console_put(out_buf, out_len);
	out_line_start = out_buf[out_len - 1] == '\n';
	out_len = 0;
}

static void con_write(struct tty *t, const char *buf, size_t n)
{
	while (n) {
		size_t k = MIN(n, sizeof(out_buf) - out_len);

		kos_memcpy(out_buf + out_len, buf, k);
		out_len += k;
		buf += k;
		n -= k;
		if (out_len == sizeof(out_buf))
			con_flush(t);
	}
}

/* What the platform takes, less what out_buf holds for it already. */
static size_t con_write_room(struct tty *t)
{
	size_t room = plat_console_out_room();

	return room > out_len ? room - out_len : 0;
}

static size_t con_chars_in_buffer(struct tty *t)
{
	return out_len + plat_console_out_pending();
}

/* The platform's queue drained (interrupt context). */
void kos_console_out_room(void)
{
	if (con)
		tty_wake_writers(con);
}

static void con_input_room(struct tty *t)
{
	waitq_wake_all(&console_wq);
}

static const struct tty_driver con_driver = {
	.name = "ttyS0",
	.write = con_write,
	.flush = con_flush,
	.write_room = con_write_room,
	.chars_in_buffer = con_chars_in_buffer,
	.input_room = con_input_room,
};

/* Made on first use: console_init(), or a unit test opening /dev/console. */
struct tty *console_tty(void)
{
	if (!con) {
		con = tty_alloc(&con_driver, NULL, KDEV(4, 64));
		if (!con)
			kos_panic("console: no memory for the tty");
		/* 0x0 as Linux's serial console, until the platform tells a
		 * terminal's size (hosted at a terminal) */
		con->termios.c_cflag |= CLOCAL;
	}
	return con;
}

/* ---- input --------------------------------------------------------------- */

/* Called by the platform in interrupt context. */
void kos_console_input(const char *buf, size_t len)
{
	unsigned long fl = spin_lock_irqsave(&console_lock);

	for (size_t i = 0; i < len; i++) {
		if (ring_head - ring_tail == CONSOLE_RING) {
			dropped += len - i;
			break;
		}
		ring[ring_head++ % CONSOLE_RING] = buf[i];
	}
	spin_unlock_irqrestore(&console_lock, fl);
	waitq_wake_all(&console_wq);
}

size_t kos_console_room(void)
{
	unsigned long fl = spin_lock_irqsave(&console_lock);
	size_t n = CONSOLE_RING - (ring_head - ring_tail);

	spin_unlock_irqrestore(&console_lock, fl);
	return n;
}

void kos_console_eof(void)
{
	unsigned long fl = spin_lock_irqsave(&console_lock);

	input_eof = true;
	spin_unlock_irqrestore(&console_lock, fl);
	waitq_wake_all(&console_wq);
}

void kos_console_winsize(unsigned int rows, unsigned int cols)
{
	unsigned long fl = spin_lock_irqsave(&console_lock);

	new_ws.ws_row = (uint16_t)rows;
	new_ws.ws_col = (uint16_t)cols;
	ws_pending = true;
	spin_unlock_irqrestore(&console_lock, fl);
	waitq_wake_all(&console_wq);
}

static bool console_work(void *unused)
{
	unsigned long fl = spin_lock_irqsave(&console_lock);
	bool r = ring_head != ring_tail || input_eof || ws_pending;

	spin_unlock_irqrestore(&console_lock, fl);
	return r;
}

/* A new window size from the platform: as TIOCSWINSZ would set it. */
static void apply_winsize(void)
{
	unsigned long fl = spin_lock_irqsave(&console_lock);
	struct winsize ws = new_ws;
	bool pending = ws_pending, changed;

	ws_pending = false;
	spin_unlock_irqrestore(&console_lock, fl);
	if (!pending)
		return;
	fl = spin_lock_irqsave(&con->lock);
	changed = ws.ws_row != con->ws.ws_row || ws.ws_col != con->ws.ws_col;
	con->ws.ws_row = ws.ws_row;
	con->ws.ws_col = ws.ws_col;
	spin_unlock_irqrestore(&con->lock, fl);
	if (changed)
		tty_signal_fg(con, SIGBIT(SIGWINCH));
}

static void console_thread(void *unused)
{
	bool eof_sent = false;

	for (;;) {
		char buf[256];
		size_t n = 0, took;
		unsigned long fl;
		bool eof;

		waitq_wait_deadline(&console_wq, console_work, NULL,
				    UINT64_MAX);
		apply_winsize();
		fl = spin_lock_irqsave(&console_lock);
		while (n < sizeof(buf) && ring_tail + n != ring_head) {
			buf[n] = ring[(ring_tail + n) % CONSOLE_RING];
			n++;
		}
		eof = input_eof && n == 0;
		spin_unlock_irqrestore(&console_lock, fl);
		if (eof) {
			if (!eof_sent)
				tty_input_eof(con);
			eof_sent = true;
			/* Nothing more will come: sleep until a size change. */
			fl = spin_lock_irqsave(&console_lock);
			input_eof = false;
			spin_unlock_irqrestore(&console_lock, fl);
			continue;
		}
		took = n ? tty_receive(con, buf, n) : 0;
		fl = spin_lock_irqsave(&console_lock);
		ring_tail += took;
		spin_unlock_irqrestore(&console_lock, fl);
		if (took)
			plat_console_input_room();
		if (n && !took) /* the tty is full: wait for a reader */
			sched_sleep_ns(10 * 1000 * 1000);
	}
}

void console_init(void)
{
	console_tty();
	if (!kthread_create("console", console_thread, NULL))
		kos_panic("console: cannot start its thread");
}
