/*
 * The kernel console.
 *
 * Output goes straight to plat_console_write() (synchronous, so nothing is
 * lost when the kernel dies).  Input arrives in interrupt context through
 * kos_console_input() and is kept in a ring buffer until a reader takes it;
 * when the ring is full, new bytes are dropped (a terminal would beep).
 *
 * Locking: the ring is guarded by console_lock (interrupts disabled while
 * held); readers sleep on console_wq.
 */
#include <kos/console.h>
#include <kos/plat/console.h>
#include <kos/poll.h>
#include <kos/signal.h>
#include <kos/spinlock.h>
#include <kos/waitq.h>
#include <uapi/errno.h>

#define CONSOLE_RING 4096 /* power of two */

static struct spinlock console_lock = SPINLOCK_INIT("console");
static char ring[CONSOLE_RING];	    /* guarded by console_lock */
static size_t ring_head, ring_tail; /* free-running; head - tail = used */
static struct waitq console_wq;
static uint64_t dropped;
static bool out_line_start = true; /* last byte written was a newline */

void console_init(void)
{
	waitq_init(&console_wq);
}

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

size_t console_input_pending(void)
{
	unsigned long fl = spin_lock_irqsave(&console_lock);
	size_t n = ring_head - ring_tail;

	spin_unlock_irqrestore(&console_lock, fl);
	return n;
}

unsigned int console_poll(struct poll_table *pt)
{
	poll_wait(pt, &console_wq);
	return POLLOUT | POLLWRNORM |
	       (console_input_pending() ? POLLIN | POLLRDNORM : 0);
}

static bool input_ready(void *unused)
{
	return console_input_pending() > 0;
}

ssize_t console_read(char *buf, size_t len, bool nonblock)
{
	unsigned long fl;
	size_t n = 0;

	if (len == 0)
		return 0;
	/* A signal ends the wait: the caller restarts or sees EINTR. */
	if (!nonblock &&
	    sig_wait(&console_wq, input_ready, NULL, UINT64_MAX) == -EINTR)
		return -ERESTARTSYS;
	fl = spin_lock_irqsave(&console_lock);
	while (n < len && ring_tail != ring_head)
		buf[n++] = ring[ring_tail++ % CONSOLE_RING];
	spin_unlock_irqrestore(&console_lock, fl);
	return n ? (ssize_t)n : -EAGAIN;
}
