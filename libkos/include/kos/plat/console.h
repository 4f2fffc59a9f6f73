/*
 * Platform interface: the boot console (serial port on metal, stdin/stdout
 * hosted).
 */
#ifndef KOS_PLAT_CONSOLE_H
#define KOS_PLAT_CONSOLE_H

#include <kos/types.h>

/*
 * Write len bytes of kernel text synchronously; safe with interrupts
 * disabled and in panic.  Lines end in "\n"; the platform sends what its
 * device needs (a serial line or a raw terminal gets "\r\n").
 */
void plat_console_write(const char *buf, size_t len);

/*
 * Write len bytes of terminal output as they are (the line discipline
 * made "\r\n" of "\n" already); len is at most what
 * plat_console_out_room() said.  The platform may queue them (metal:
 * sent by the UART's interrupt) or write them at once (hosted).
 * Hosted, when stdout is not a terminal, a "\r" before "\n" is dropped
 * so files and pipes get Unix line ends.  Kernel text written later
 * (plat_console_write) goes after what is queued.
 */
void plat_console_put(const char *buf, size_t len);
/* Bytes plat_console_put() takes now (any context). */
size_t plat_console_out_room(void);
/* Bytes queued by plat_console_put() and not yet sent (any context). */
size_t plat_console_out_pending(void);
/*
 * The core's hook: queued output went out, there is room for more (or
 * none is left).  Interrupt context.
 */
void kos_console_out_room(void);

/*
 * Input: the platform calls this from interrupt context with the bytes it
 * received.  The core buffers them for readers.
 */
void kos_console_input(const char *buf, size_t len);
/* Bytes kos_console_input() can take now (any context). */
size_t kos_console_room(void);
/*
 * The platform's hook: the core's input ring has room again after
 * kos_console_room() said 0 (a platform that holds input back until
 * then delivers it now).  Thread context.
 */
void plat_console_input_room(void);
/* The input ended for good (hosted stdin at end of file): any context. */
void kos_console_eof(void);
/* The terminal's size changed (hosted: the host terminal's): any context. */
void kos_console_winsize(unsigned int rows, unsigned int cols);

#endif
