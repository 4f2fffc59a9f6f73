/*
 * The kernel console: kernel text goes straight to the platform console;
 * programs use the console tty (console_tty() in kos/tty.h), fed from the
 * platform's interrupt handler (kos_console_input) by a kernel thread.
 */
#ifndef KOS_CONSOLE_H
#define KOS_CONSOLE_H

#include <kos/types.h>

/* Create the console tty and its input thread (needs the scheduler). */
void console_init(void);

/* Write len bytes of kernel text ("\n" line ends) to the console. */
void console_write(const char *buf, size_t len);

/*
 * True unless the last console_write() ended in the middle of a line
 * (kernel log lines are not counted).
 */
bool console_at_line_start(void);

/* Log "kos: power off, status N" and power off. */
void kos_poweroff(int status) __attribute__((noreturn));

#endif
