/*
 * Kernel log: a ring buffer of records plus the console.
 *
 * kos_log() formats a message (at most LOG_LINE_MAX - 1 bytes; longer ones
 * are truncated), stamps it with plat_clock_ns() and its level, appends it
 * to a 64 KiB ring, and, when the level is at or below the console level,
 * writes "[sssss.uuuuuu] text\n" to the platform console.  When the ring is
 * full the oldest records are dropped.  kos_log_read() replays the ring as
 * "<level>[sssss.uuuuuu] text\n" lines, oldest first.
 *
 * Locking: everything below is guarded by log_lock, which is "interrupts
 * off plus a busy flag" (the same idea as struct spinlock).  The flag is
 * tested rather than spun on, because the one way to find it taken on a
 * uniprocessor is re-entry on this CPU (a panic or fault while logging, or
 * an interrupt handler that logs while log code runs with interrupts on,
 * which never happens here).  Re-entrant messages still reach the console
 * but skip the ring, so logging never deadlocks and never recurses into
 * panic.
 *
 * Ring layout: records are packed back to back in ring[] at monotonically
 * increasing 64-bit offsets (position = offset % LOG_RING_SIZE), each a
 * struct log_hdr followed by hdr.len text bytes; a record may wrap around
 * the end of the array.  [ring_head, ring_tail) is the live region.
 */
#include <kos/log.h>
#include <kos/plat/console.h>
#include <kos/plat/cpu.h>
#include <kos/plat/time.h>
#include <kos/string.h>

#define LOG_RING_SIZE (64 * 1024)
#define LOG_LINE_MAX 512 /* longest message text, including NUL */

struct log_hdr {
	uint64_t ts_ns; /* plat_clock_ns() when logged */
	uint16_t len;	/* text bytes that follow (no NUL) */
	uint8_t level;	/* LOG_* */
	uint8_t pad[5];
};

static char ring[LOG_RING_SIZE]; /* guarded by log_busy */
static uint64_t ring_head;	 /* offset of the oldest record */
static uint64_t ring_tail;	 /* offset just past the newest */
static volatile int log_busy;	 /* the lock flag, see above */
static int console_level = LOG_INFO;

/*
 * Take the log lock: interrupts off, then the busy flag.  Returns false
 * (interrupts still off, flags in *fl) if this CPU already holds it.
 */
static bool log_lock(unsigned long *fl)
{
	*fl = plat_irq_save();
	return !__atomic_exchange_n(&log_busy, 1, __ATOMIC_ACQUIRE);
}

static void log_unlock(unsigned long fl, bool held)
{
	if (held)
		__atomic_store_n(&log_busy, 0, __ATOMIC_RELEASE);
	plat_irq_restore(fl);
}

/* Copy n bytes into the ring at offset off, wrapping.  Lock held. */
static void ring_put(uint64_t off, const void *src, size_t n)
{
	const char *s = src;
	size_t pos = (size_t)(off % LOG_RING_SIZE);
	size_t first = MIN(n, LOG_RING_SIZE - pos);

	kos_memcpy(ring + pos, s, first);
	kos_memcpy(ring, s + first, n - first);
}

/* Copy n bytes out of the ring at offset off, wrapping.  Lock held. */
static void ring_get(uint64_t off, void *dst, size_t n)
{
	char *d = dst;
	size_t pos = (size_t)(off % LOG_RING_SIZE);
	size_t first = MIN(n, LOG_RING_SIZE - pos);

	kos_memcpy(d, ring + pos, first);
	kos_memcpy(d + first, ring, n - first);
}

/* Append one record, dropping the oldest ones to make room.  Lock held. */
static void ring_append(int level, uint64_t ts, const char *text, size_t len)
{
	struct log_hdr h = { .ts_ns = ts,
			     .len = (uint16_t)len,
			     .level = (uint8_t)level };
	uint64_t need = sizeof(h) + len;

	while (ring_tail + need - ring_head > LOG_RING_SIZE) {
		struct log_hdr old;

		ring_get(ring_head, &old, sizeof(old));
		ring_head += sizeof(old) + old.len;
	}
	ring_put(ring_tail, &h, sizeof(h));
	ring_put(ring_tail + sizeof(h), text, len);
	ring_tail += need;
}

/* Write "[sssss.uuuuuu] " for ts into buf; returns its length. */
static int format_stamp(char *buf, size_t size, uint64_t ts)
{
	return kos_snprintf(
		buf, size, "[%5llu.%06llu] ",
		(unsigned long long)(ts / NSEC_PER_SEC),
		(unsigned long long)(ts % NSEC_PER_SEC / NSEC_PER_USEC));
}

/*
 * Record text[len] at level: ring (unless re-entered) and, if to_console
 * and level <= console_level, the console.  Takes the log lock.
 */
static void log_emit(int level, const char *text, size_t len, bool to_console)
{
	char stamp[32];
	unsigned long fl;
	uint64_t ts = plat_clock_ns();
	bool held = log_lock(&fl);
	int n;

	if (held)
		ring_append(level, ts, text, len);
	if (to_console && level <= console_level) {
		n = format_stamp(stamp, sizeof(stamp), ts);
		plat_console_write(stamp, (size_t)n);
		plat_console_write(text, len);
		plat_console_write("\n", 1);
	}
	log_unlock(fl, held);
}

/* Clamp a level into LOG_EMERG..LOG_DEBUG. */
static int clamp_level(int level)
{
	return level < LOG_EMERG   ? LOG_EMERG
	       : level > LOG_DEBUG ? LOG_DEBUG
				   : level;
}

/*
 * Format and log a message.  One trailing newline is dropped (each record
 * is one line); the text is truncated to LOG_LINE_MAX - 1 bytes.  Callable
 * from any context.
 */
void kos_vlog(int level, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX];
	int n = kos_vsnprintf(text, sizeof(text), fmt, ap);
	size_t len = n < 0 ? 0 : MIN((size_t)n, sizeof(text) - 1);

	if (len && text[len - 1] == '\n')
		len--;
	log_emit(clamp_level(level), text, len, true);
}

void kos_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kos_vlog(level, fmt, ap);
	va_end(ap);
}

/*
 * Put an already formatted message into the ring only (no console); panic
 * uses it after printing to the console itself.
 */
void kos_log_store(int level, const char *text)
{
	size_t len = kos_strnlen(text, LOG_LINE_MAX - 1);

	if (len && text[len - 1] == '\n')
		len--;
	log_emit(clamp_level(level), text, len, false);
}

/* Set the console level; out-of-range values are clamped. */
void kos_log_set_level(int level)
{
	WRITE_ONCE(console_level, clamp_level(level));
}

int kos_log_get_level(void)
{
	return READ_ONCE(console_level);
}

/*
 * Replay the ring into buf as "<level>[stamp] text\n" lines, oldest first.
 * Only whole lines are copied; buf is NUL terminated when len > 0, and the
 * return value is the number of bytes before that NUL.  Takes the log lock
 * (returns 0 if called re-entrantly from inside the log).
 */
size_t kos_log_read(char *buf, size_t len)
{
	char line[16 + 32 + LOG_LINE_MAX];
	unsigned long fl;
	uint64_t off;
	size_t done = 0;
	bool held;

	if (!len)
		return 0;
	held = log_lock(&fl);
	for (off = ring_head; held && off < ring_tail;) {
		struct log_hdr h;
		int n;

		ring_get(off, &h, sizeof(h));
		n = kos_snprintf(line, sizeof(line), "<%u>", h.level);
		n += format_stamp(line + n, sizeof(line) - (size_t)n, h.ts_ns);
		ring_get(off + sizeof(h), line + n, h.len);
		n += h.len;
		line[n++] = '\n';
		if (done + (size_t)n > len - 1)
			break;
		kos_memcpy(buf + done, line, (size_t)n);
		done += (size_t)n;
		off += sizeof(h) + h.len;
	}
	log_unlock(fl, held);
	buf[done] = '\0';
	return done;
}

/* Write s to the console as is, bypassing the ring.  Any context. */
void kos_console_puts(const char *s)
{
	plat_console_write(s, kos_strlen(s));
}
