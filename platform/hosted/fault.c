/*
 * Host faults in the kernel process.
 *
 * A bug in the core shows up here as SIGSEGV, SIGBUS, SIGILL or SIGFPE.
 * Before the process dies of it we print what bare metal's exception
 * handler would: the signal, the faulting instruction and address,
 * symbolized, and the kernel backtrace from the faulting frame.  The
 * handler runs on an alternate stack, so a kernel stack overflow is
 * reported too.  It then restores the default action and returns: the
 * faulting instruction runs again and the process dies of the signal, so
 * exit statuses, core dumps and the runners' signal mapping are unchanged.
 * (gdb stops at the fault before this handler runs.)
 *
 * One fault is not a bug: a linked program's access to its own memory
 * against the rights it gave it (mprotect; docs/linked-mode.md), which
 * is SIGSEGV for the program, as in process mode.  The core delivers it
 * (proc_linked_fault()) in the faulting thread's own context, not on this
 * alternate stack, which every fault shares: the handler saves the
 * thread's registers in a block below its stack pointer and returns into
 * linked_fault_tramp on that stack (the host restores the signal mask
 * as the thread had it).  The trampoline saves the SSE state, calls the
 * core -- the program's handler runs, or the thread ends and never comes
 * back -- and then puts every register back and jumps to the faulting
 * instruction, which runs again (Linux's rule: a handler that returns
 * without fixing the rights faults again).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include <valgrind/memcheck.h>

#include <kos/panic.h>
#include <kos/plat/console.h>
#include <kos/plat/cpu.h>
#include <kos/sched.h>

#include "hosted.h"

static const int fault_sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
static char fault_stack[64 * 1024];

/* A linked thread's registers while the core handles its fault. */
struct linked_fault {
	/* Popped in this order by linked_fault_tramp. */
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx,
		rbx, rax, rflags;
	uint64_t sp; /* the thread's rsp - 8, where its rip is kept */
	uint64_t addr, write, rip;
	uint8_t fx[512] __attribute__((aligned(16))); /* FXSAVE area */
};

_Static_assert(__builtin_offsetof(struct linked_fault, fx) == 160,
	       "linked_fault_tramp's offset");

void linked_fault_tramp(void);
void linked_fault_run(struct linked_fault *lf);

/*
 * On the thread's stack, rsp = the block (64-byte aligned): save the SSE
 * state, handle the fault, put everything back, return to the faulting
 * instruction (its address at the old rsp - 8).
 */
__asm__(".text\n"
	".globl linked_fault_tramp\n"
	".type linked_fault_tramp, @function\n"
	"linked_fault_tramp:\n"
	"	fxsave64 160(%rsp)\n"
	"	movq %rsp, %rdi\n"
	"	call linked_fault_run\n"
	"	fxrstor64 160(%rsp)\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %r11\n"
	"	popq %r10\n"
	"	popq %r9\n"
	"	popq %r8\n"
	"	popq %rbp\n"
	"	popq %rdi\n"
	"	popq %rsi\n"
	"	popq %rdx\n"
	"	popq %rcx\n"
	"	popq %rbx\n"
	"	popq %rax\n"
	"	popfq\n"
	"	popq %rsp\n"
	"	ret\n"
	".size linked_fault_tramp, .-linked_fault_tramp\n");

void linked_fault_run(struct linked_fault *lf)
{
	char sym[128];

	if (proc_linked_fault(lf->addr, lf->write))
		return;
	kos_panic("host SIGSEGV at rip %#llx <%s>, address %#llx",
		  (unsigned long long)lf->rip,
		  kos_symbolize(lf->rip, sym, sizeof(sym)),
		  (unsigned long long)lf->addr);
}

/*
 * A SIGSEGV of a linked thread running with interrupts on (the program,
 * not the kernel): send it to linked_fault_tramp.  False: not one.
 */
static bool linked_fault_redirect(int sig, siginfo_t *si, ucontext_t *uc)
{
	greg_t *r = uc->uc_mcontext.gregs;
	struct thread *t = sched_current();
	struct linked_fault *lf;
	uint64_t sp = (uint64_t)r[REG_RSP], addr = (uint64_t)si->si_addr;

	if (sig != SIGSEGV || si->si_code <= 0 || !t || !t->kernel_fpu ||
	    !plat_irq_enabled())
		return false;
	/*
	 * A fault just below the stack pointer is the stack running into
	 * its guard page (musl's threads have one): no room for the block
	 * there, and none for a handler.  The report, as before.
	 */
	if (addr < sp && sp - addr <= 8 * 1024)
		return false;
	/* Below the red zone, which the kernel's own code may use. */
	lf = (struct linked_fault *)((sp - 128 - sizeof(*lf)) & ~63UL);
	/*
	 * Memcheck holds memory below a stack pointer inaccessible, and
	 * does not see the trampoline's first push below the block as the
	 * stack growing: the block, and room under it, are made writable.
	 */
	VALGRIND_MAKE_MEM_UNDEFINED((char *)lf - 256, sp - (uint64_t)lf + 256);
	lf->r15 = (uint64_t)r[REG_R15];
	lf->r14 = (uint64_t)r[REG_R14];
	lf->r13 = (uint64_t)r[REG_R13];
	lf->r12 = (uint64_t)r[REG_R12];
	lf->r11 = (uint64_t)r[REG_R11];
	lf->r10 = (uint64_t)r[REG_R10];
	lf->r9 = (uint64_t)r[REG_R9];
	lf->r8 = (uint64_t)r[REG_R8];
	lf->rbp = (uint64_t)r[REG_RBP];
	lf->rdi = (uint64_t)r[REG_RDI];
	lf->rsi = (uint64_t)r[REG_RSI];
	lf->rdx = (uint64_t)r[REG_RDX];
	lf->rcx = (uint64_t)r[REG_RCX];
	lf->rbx = (uint64_t)r[REG_RBX];
	lf->rax = (uint64_t)r[REG_RAX];
	lf->rflags = (uint64_t)r[REG_EFL];
	lf->rip = (uint64_t)r[REG_RIP];
	lf->sp = sp - 8;
	*(uint64_t *)(sp - 8) = lf->rip;
	lf->addr = addr;
	lf->write = (r[REG_ERR] & 2) != 0;
	r[REG_RSP] = (greg_t)lf;
	r[REG_RIP] = (greg_t)linked_fault_tramp;
	return true;
}

static void fault_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	const greg_t *r = uc->uc_mcontext.gregs;
	char sym[128], line[320];
	int n;

	if (linked_fault_redirect(sig, si, uc))
		return;
	hosted_irq_shutdown();
	n = snprintf(line, sizeof(line),
		     "\nkos: host %s (code %d) at rip %#llx <%s>, address %p\n",
		     sigabbrev_np(sig) ? sigabbrev_np(sig) : "signal",
		     si->si_code, (unsigned long long)r[REG_RIP],
		     kos_symbolize((unsigned long)r[REG_RIP], sym, sizeof(sym)),
		     si->si_addr);
	if (n > 0)
		plat_console_write(line, MIN((size_t)n, sizeof(line) - 1));
	n = snprintf(
		line, sizeof(line),
		"kos: rsp %#llx rbp %#llx rax %#llx rdi %#llx rsi %#llx\n",
		(unsigned long long)r[REG_RSP], (unsigned long long)r[REG_RBP],
		(unsigned long long)r[REG_RAX], (unsigned long long)r[REG_RDI],
		(unsigned long long)r[REG_RSI]);
	if (n > 0)
		plat_console_write(line, MIN((size_t)n, sizeof(line) - 1));
	kos_backtrace((unsigned long)r[REG_RBP]);
	hosted_console_restore();
	fflush(NULL);

	signal(sig, SIG_DFL);
	if (si->si_code <= 0)
		raise(sig); /* sent, not a fault: deliver it on return */
}

void hosted_fault_init(void)
{
	stack_t ss = { .ss_sp = fault_stack, .ss_size = sizeof(fault_stack) };
	struct sigaction sa;
	size_t i;

	if (sigaltstack(&ss, NULL) < 0) {
		perror("kos: sigaltstack");
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_signal;
	/* Not SA_RESETHAND: a linked program may fault again; the
	 * handler resets the action itself before a fatal return. */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(fault_sigs); i++)
		sigaction(fault_sigs[i], &sa, NULL);
}
