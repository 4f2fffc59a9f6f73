/*
 * Hosted interrupts: host signals behind a soft interrupt flag.
 *
 * The CPU's interrupt flag is a plain variable, irq_on.  plat_irq_save/
 * restore only flip it (they sit on every spinlock path, so they make no
 * system call).  Every interrupt source is a host signal with one handler,
 * irq_signal(), installed with SA_NODEFER|SA_RESTART, no sa_mask and no
 * alternate stack, so it runs on the stack of whichever kernel thread the
 * signal interrupted:
 *
 *   - flag off: set the source's bit in irq_pending and return; the bit is
 *     replayed when the flag goes back on (plat_irq_enable/restore, or
 *     plat_idle);
 *   - flag on:  turn it off (as the CPU does on interrupt entry), run the
 *     pending sources' handlers, call kos_irq_exit() -- which may switch
 *     to another kernel thread right here, inside the handler -- and turn
 *     the flag back on before returning.
 *
 * Switching threads inside the handler is correct because the host signal
 * frame holds the complete register state of the interrupted code (all
 * general registers, flags, and the FPU/SSE/AVX state glibc's mem*
 * routines use).  The frame stays on the preempted thread's stack until
 * that thread is switched back to; then the handler returns and
 * rt_sigreturn resumes it where it was.  SA_NODEFER matters: without it the
 * signal would stay blocked in whatever thread we switched to until the
 * preempted one returns.
 *
 * Races.  A handler runs only between two instructions of the one host
 * thread, so the flag needs no atomics, only compiler barriers.  The
 * pending mask is written by handlers (lock or) and consumed by an atomic
 * exchange, each a single instruction that a signal cannot split.  After
 * turning the flag on we look at irq_pending once more: a signal that
 * arrived just before the store found the flag off and left its bit, and a
 * signal after it sees the flag on and runs in full, so nothing is lost.
 *
 * plat_idle must enable and wait atomically ("sti; hlt").  Every signal
 * bumps irq_gen; the idle thread notes irq_gen, turns the flag on, replays
 * anything pending, and then sleeps in FUTEX_WAIT on irq_gen with the value
 * it noted.  A signal after the note changes irq_gen, so the wait returns
 * at once; a signal during the wait interrupts it, and the restarted wait
 * sees the new value.  The host signal mask is never touched: a thread
 * switch inside a handler keeps whatever mask the handler ran with, and
 * valgrind (3.19) runs a handler that ends sigsuspend() with the mask from
 * before sigsuspend(); a sigsuspend-based idle therefore left every thread
 * switched to from there running with the timer blocked under valgrind.
 *
 * Nesting.  A signal can nest inside irq_signal() only in the few
 * instructions where the flag is on (entry and exit), as on a real CPU
 * between "sti" and "iret".  Each nested frame costs one host signal frame
 * (up to ~3.5 KiB with AVX-512 state) on the kernel stack.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <kos/compiler.h>
#include <kos/plat/cpu.h>
#include <kos/sched.h>

#include "hosted.h"

/* The soft interrupt flag: 1 = interrupts enabled.  Boots disabled. */
static volatile sig_atomic_t irq_on;
/* Sources whose signal arrived while the flag was off (1 << HOSTED_IRQ_*). */
static volatile unsigned int irq_pending;
/* Bumped by every interrupt signal; plat_idle() sleeps on it (futex). */
static volatile uint32_t irq_gen;

struct irq_source {
	int sig;
	void (*handler)(void);
};

static struct irq_source irq_sources[HOSTED_IRQ_MAX];
/* Every signal some source uses (blocked for good at shutdown). */
static sigset_t irq_sigset;

/* Run the handlers of the sources in bits.  Interrupts off. */
static void irq_dispatch(unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < HOSTED_IRQ_MAX; i++)
		if ((bits & (1u << i)) && irq_sources[i].handler)
			irq_sources[i].handler();
}

/*
 * Take what is pending, handle it, then kos_irq_exit().  Called with the
 * flag off; returns with it off.  May switch threads (in kos_irq_exit).
 * One round only: sources raised meanwhile (a timer re-armed in the past
 * fires at once) wait for the caller's next look, so a storm of them
 * cannot keep kos_irq_exit() -- and the reschedule -- from happening.
 */
static void irq_run_pending(void)
{
	irq_dispatch(__atomic_exchange_n(&irq_pending, 0, __ATOMIC_RELAXED));
	/* An interrupt ends user mode: stop a guest this thread waits for. */
	hosted_user_kick();
	kos_irq_exit();
}

/*
 * Turn the flag on, replaying whatever arrived while it was off.  Called
 * with the flag off.  The loop re-checks after each store so that a bit set
 * between the check and the store is never stranded.
 */
static void irq_enable_replay(void)
{
	for (;;) {
		barrier();
		irq_on = 1;
		barrier();
		if (likely(!READ_ONCE(irq_pending)))
			return;
		irq_on = 0;
		barrier();
		irq_run_pending();
	}
}

/* The one handler for every interrupt signal.  See the comment at the top. */
static void irq_signal(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	unsigned int i;

	__atomic_fetch_add(&irq_gen, 1, __ATOMIC_RELAXED);
	for (i = 0; i < HOSTED_IRQ_MAX; i++)
		if (irq_sources[i].sig == sig)
			__atomic_fetch_or(&irq_pending, 1u << i,
					  __ATOMIC_RELAXED);
	if (irq_on) {
		irq_on = 0;
		barrier();
		irq_run_pending();
		irq_enable_replay();
		/*
		 * A linked thread in the program's code takes its signals, or
		 * its end, here, flag on, on top of this frame (which holds
		 * every register, SSE included, for the return): docs/
		 * linked-mode.md.  If the thread ends, or the program's
		 * handler siglongjmps, the frame is left behind, as a thread
		 * switch in here may leave it for a while.
		 */
		if (sched_current() && sched_current()->kernel_fpu)
			proc_linked_interrupt();
	}
	errno = saved_errno;
}

void hosted_irq_register(unsigned int irq, int sig, void (*handler)(void))
{
	struct sigaction sa;

	if (irq >= HOSTED_IRQ_MAX) {
		fprintf(stderr, "kos: bad irq %u\n", irq);
		abort();
	}
	irq_sources[irq].sig = sig;
	irq_sources[irq].handler = handler;
	sigaddset(&irq_sigset, sig);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = irq_signal;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0) {
		perror("kos: sigaction");
		abort();
	}
}

void hosted_irq_raise(unsigned int irq)
{
	__atomic_fetch_or(&irq_pending, 1u << irq, __ATOMIC_RELAXED);
}

void hosted_irq_shutdown(void)
{
	irq_on = 0;
	barrier();
	sigprocmask(SIG_BLOCK, &irq_sigset, NULL);
}

unsigned long plat_irq_save(void)
{
	unsigned long was = irq_on;

	irq_on = 0;
	barrier();
	return was;
}

void plat_irq_restore(unsigned long flags)
{
	if (flags)
		plat_irq_enable();
	else
		plat_irq_disable();
}

void plat_irq_enable(void)
{
	if (!irq_on)
		irq_enable_replay();
}

void plat_irq_disable(void)
{
	irq_on = 0;
	barrier();
}

bool plat_irq_enabled(void)
{
	return irq_on;
}

/*
 * Wait for an interrupt.  Called by the idle thread with the flag off;
 * returns with it off, normally after an interrupt was handled (a stray
 * wakeup returns early; the idle loop just calls again).  Handlers run,
 * and may switch threads, either in irq_run_pending() here or inside the
 * futex wait.  See the comment at the top for why no wakeup is lost.
 */
void plat_idle(void)
{
	uint32_t gen = READ_ONCE(irq_gen);

	barrier();
	irq_on = 1;
	barrier();
	if (READ_ONCE(irq_pending)) {
		irq_on = 0;
		barrier();
		irq_run_pending();
		return;
	}
	syscall(SYS_futex, &irq_gen, FUTEX_WAIT_PRIVATE, gen, NULL, NULL, 0);
	barrier();
	irq_on = 0;
	barrier();
}
