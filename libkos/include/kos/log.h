/*
 * Kernel log.
 *
 * Every message goes into a ring buffer (readable later as dmesg) with its
 * level and a monotonic timestamp; messages at or below the console level
 * (cmdline loglevel=, default LOG_INFO) are also written to the console as
 * "[    1.234567] text".  Safe from any context, including interrupts and
 * panic.
 */
#ifndef KOS_LOG_H
#define KOS_LOG_H

#include <kos/compiler.h>
#include <kos/types.h>

#define LOG_EMERG 0
#define LOG_ALERT 1
#define LOG_CRIT 2
#define LOG_ERR 3
#define LOG_WARNING 4
#define LOG_NOTICE 5
#define LOG_INFO 6
#define LOG_DEBUG 7

void kos_log(int level, const char *fmt, ...) __printf(2, 3);
void kos_vlog(int level, const char *fmt, va_list ap);

#define log_err(...) kos_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...) kos_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) kos_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) kos_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) kos_log(LOG_DEBUG, __VA_ARGS__)

/* Console verbosity: messages with level <= this reach the console. */
void kos_log_set_level(int level);
int kos_log_get_level(void);

/*
 * Copy the ring buffer's text (oldest first, one "<level>[timestamp] text\n"
 * line per record) into buf: whole lines only, at most len - 1 bytes, then a
 * NUL (when len > 0).  Returns the bytes copied, not counting the NUL.
 */
size_t kos_log_read(char *buf, size_t len);

/*
 * Store an already formatted message in the ring only, without console
 * output (panic prints to the console itself, then records the message).
 */
void kos_log_store(int level, const char *text);

/* Write raw text to the console, bypassing the ring (for panic and banners). */
void kos_console_puts(const char *s);

/*
 * debug=init: log the boot steps recorded so far, with the time each
 * took (kern/main.c; called at PID 1's start and its first system call).
 */
void init_steps_show(void);

#endif
