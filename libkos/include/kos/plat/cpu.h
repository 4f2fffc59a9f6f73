/*
 * Platform interface: CPU and interrupt control.
 *
 * "Interrupts" are the platform's asynchronous events (timer expiry, console
 * input).  On bare metal they are real interrupts and plat_irq_* are
 * cli/sti; hosted they are host signals and plat_irq_* toggle a flag the
 * signal handler honours (a signal arriving while disabled is held pending
 * and replayed when interrupts are enabled again).
 *
 * Interrupt context: the platform calls the core's handlers
 * (kos_timer_interrupt(), kos_console_input()) with interrupts disabled,
 * then kos_irq_exit() as the last thing before returning to the interrupted
 * code, still with interrupts disabled.  kos_irq_exit() may switch threads;
 * the interrupted thread resumes later exactly where it was.
 */
#ifndef KOS_PLAT_CPU_H
#define KOS_PLAT_CPU_H

#include <kos/compiler.h>
#include <kos/types.h>

/* Disable interrupts; return the previous state for plat_irq_restore(). */
unsigned long plat_irq_save(void);
/* Restore the state plat_irq_save() returned. */
void plat_irq_restore(unsigned long flags);
void plat_irq_enable(void);
void plat_irq_disable(void);
bool plat_irq_enabled(void);

/*
 * Wait for the next interrupt.  Called by the idle thread with interrupts
 * disabled; enables them, waits, and returns with them disabled again
 * (the atomic "sti; hlt" idiom).
 */
void plat_idle(void);

/* Index of the executing CPU (0 while KOS is uniprocessor). */
unsigned int plat_cpu_id(void);

/*
 * Kernel thread stacks.  The core allocates a stack and tells the platform
 * before first use and after last use (hosted: valgrind stack registration;
 * bare metal: nothing).  The returned cookie goes back to ..._unregister.
 */
unsigned long plat_stack_register(void *lo, size_t len);
void plat_stack_unregister(unsigned long cookie);

/*
 * Per-thread platform state.  A platform may hang its own data off struct
 * thread's plat_priv (bare metal: the user FPU save area).  The scheduler
 * calls plat_thread_free(t) when t's memory is released (it never runs
 * again), with interrupts disabled; the platform frees what it attached.
 * libkos has a weak empty default, so platforms that keep nothing per
 * thread need not define it.
 */
struct thread;
void plat_thread_free(struct thread *t);

/* Handlers the core provides and the platform calls. */
void kos_timer_interrupt(void);
void kos_irq_exit(void);

/*
 * A page fault of a linked thread (core, proc/linked.c; called by the platform's fault handler, in the
 * thread's own context with interrupts on): if addr lies in one of the
 * program's mappings whose rights (mmap's prot, mprotect) refuse the
 * access, SIGSEGV (SEGV_ACCERR, addr) is delivered as after a call --
 * the handler runs, or the thread never returns (a fatal signal, a group
 * exit) -- and true says to run the faulting instruction again.  False:
 * not the program's fault (a kernel bug; the platform's report).
 */
bool proc_linked_fault(unsigned long addr, bool write);
/*
 * The way out of an interrupt (after kos_irq_exit(), interrupts on) that
 * hit a linked thread (core, proc/linked.c): if it was in the program's
 * code and a signal or the group's end waits for it, the handler runs
 * here, or the thread ends and never returns.
 */
void proc_linked_interrupt(void);

#endif
