/*
 * CPU and interrupt control for the platform interface (kos/plat/cpu.h):
 * the interrupt flag, idling, the CPU index and kernel-stack
 * registration.  One CPU, so "interrupts off" is the whole of mutual
 * exclusion against interrupt handlers.
 */
#include <kos/plat/cpu.h>

#include "x86.h"

unsigned long plat_irq_save(void)
{
	unsigned long fl = x86_read_rflags();

	__asm__ __volatile__("cli" ::: "memory");
	return fl & X86_RFLAGS_IF;
}

void plat_irq_restore(unsigned long flags)
{
	if (flags & X86_RFLAGS_IF)
		__asm__ __volatile__("sti" ::: "memory");
}

void plat_irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

void plat_irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

bool plat_irq_enabled(void)
{
	return x86_read_rflags() & X86_RFLAGS_IF;
}

/*
 * Called with interrupts disabled.  "sti; hlt" is atomic: sti takes
 * effect only after the next instruction, so an interrupt that became
 * pending before it wakes the hlt instead of being lost.  The handler
 * runs (and may switch threads) before hlt completes; we return with
 * interrupts disabled again.
 */
void plat_idle(void)
{
	__asm__ __volatile__("sti\n\thlt\n\tcli" ::: "memory");
}

unsigned int plat_cpu_id(void)
{
	return 0;
}

/* Bare metal needs no stack bookkeeping. */
unsigned long plat_stack_register(void *lo, size_t len)
{
	return 0;
}

void plat_stack_unregister(unsigned long cookie)
{
}
