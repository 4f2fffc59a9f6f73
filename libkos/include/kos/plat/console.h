/*
 * Platform interface: the boot console (serial port on metal, stdin/stdout
 * hosted).
 */
#ifndef KOS_PLAT_CONSOLE_H
#define KOS_PLAT_CONSOLE_H

#include <kos/types.h>

/* Write len bytes synchronously; safe with interrupts disabled and in panic. */
void plat_console_write(const char *buf, size_t len);

/*
 * Input: the platform calls this from interrupt context with the bytes it
 * received.  The core buffers them for readers.
 */
void kos_console_input(const char *buf, size_t len);

#endif
