/*
 * Fatal kernel errors.  panic() is reserved for broken kernel invariants;
 * nothing a user program does may reach it.  It prints the message, the
 * registers of the caller, a symbolized backtrace, and halts (or powers off
 * with status 125 when the command line says panic=poweroff, which the test
 * runners use).
 */
#ifndef KOS_PANIC_H
#define KOS_PANIC_H

#include <kos/compiler.h>
#include <kos/types.h>

void kos_panic(const char *fmt, ...) __noreturn __printf(1, 2);
#define panic(...) kos_panic(__VA_ARGS__)

/* Print a symbolized backtrace starting at frame pointer fp. */
void kos_backtrace(unsigned long fp);

/* Resolve addr to "symbol+0xoff"; writes into buf, returns buf. */
const char *kos_symbolize(unsigned long addr, char *buf, size_t len);

#define KOS_ASSERT(cond)                                                  \
	do {                                                              \
		if (unlikely(!(cond)))                                    \
			kos_panic("assertion failed: %s at %s:%d", #cond, \
				  __FILE__, __LINE__);                    \
	} while (0)

#endif
