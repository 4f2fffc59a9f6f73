/*
 * The kernel console: output goes straight to the platform console; input
 * arrives from the platform's interrupt handler (kos_console_input) into a
 * ring buffer that readers drain.
 */
#ifndef KOS_CONSOLE_H
#define KOS_CONSOLE_H

#include <kos/types.h>

void console_init(void);

/* Write len bytes to the console. */
void console_write(const char *buf, size_t len);

/*
 * True unless the last console_write() ended in the middle of a line
 * (kernel log lines are not counted).
 */
bool console_at_line_start(void);

/*
 * Read up to len bytes of input; blocks until at least one byte is there
 * unless nonblock, in which case it returns -EAGAIN when empty.
 */
ssize_t console_read(char *buf, size_t len, bool nonblock);

/* Bytes of input waiting. */
size_t console_input_pending(void);

struct poll_table;
/* poll(2) on the console: readable with input waiting, always writable. */
unsigned int console_poll(struct poll_table *pt);

/* Log "kos: power off, status N" and power off. */
void kos_poweroff(int status) __attribute__((noreturn));

#endif
