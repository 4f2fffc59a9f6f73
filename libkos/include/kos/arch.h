/*
 * x86-64 kernel-thread context, shared by both platforms (ring 0 on bare
 * metal, an ordinary host process when hosted).
 *
 * A switched-out thread's callee-saved registers (rbx, rbp, r12-r15) and
 * return address sit on its own stack; struct arch_context only records
 * where.  FPU/SSE state is never touched: kernel code is built
 * -mgeneral-regs-only, and the user FPU state belongs to the platform.
 */
#ifndef KOS_ARCH_H
#define KOS_ARCH_H

#include <kos/compiler.h>
#include <kos/types.h>

struct arch_context {
	uint64_t rsp; /* saved stack pointer; 0 while running */
};

/*
 * Save the caller's callee-saved registers and stack pointer into *from
 * and resume the context saved in *to.  Returns (in from's thread) when
 * some later switch names from as its "to".  Called with interrupts
 * disabled; the switch itself neither reads nor changes the interrupt
 * state, so each thread restores its own flags once it runs again.
 */
void arch_context_switch(struct arch_context *from, struct arch_context *to);

/*
 * Prepare ctx so that the first switch to it calls entry(arg) on the stack
 * [stack_lo, stack_lo + size), 16-byte aligned as the SysV ABI wants, with
 * rbp = 0 so backtraces stop there.  entry must not return.
 */
void arch_context_init(struct arch_context *ctx, void *stack_lo, size_t size,
		       void (*entry)(void *), void *arg);

/*
 * The time stamp counter, for measurements that compare with a TSC read
 * outside the kernel (the UEFI stub's entry: debug=boottime).  Not a
 * clock: plat_clock_ns() is.
 */
static inline uint64_t arch_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Current frame pointer, for backtraces. */
static inline unsigned long arch_frame_pointer(void)
{
	return (unsigned long)__builtin_frame_address(0);
}

/*
 * /proc/cpuinfo's text from CPUID (arch/x86_64/cpuinfo.c), handed to
 * sink in pieces.
 */
void arch_cpuinfo(void (*sink)(void *ctx, const char *s, size_t n), void *ctx);

#endif
