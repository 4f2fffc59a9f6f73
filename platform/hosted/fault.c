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
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include <kos/panic.h>
#include <kos/plat/console.h>

#include "hosted.h"

static const int fault_sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
static char fault_stack[64 * 1024];

static void fault_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	const greg_t *r = uc->uc_mcontext.gregs;
	char sym[128], line[320];
	int n;

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
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(fault_sigs); i++)
		sigaction(fault_sigs[i], &sa, NULL);
}
