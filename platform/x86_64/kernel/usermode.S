/*
 * Entering and leaving ring 3.
 *
 * plat_user_run() (user.c) calls x86_user_enter(uc, sysret), which never
 * returns in the ordinary sense: it saves a kernel continuation on the
 * stack and drops to user mode.  Whatever brings the CPU back to ring 0
 * next -- SYSCALL, an exception or an interrupt -- stores the user
 * registers into uc->regs and resumes that continuation, so
 * x86_user_enter() appears to return X86_USER_SYSCALL / _SYSCALL32 /
 * _TRAP.
 *
 * The continuation, lowest address first (rsp is 16-byte aligned here):
 *
 *	cont + 0	uc (struct x86_user_cont *: regs, ti, FPU area)
 *	cont + 8	r15 r14 r13 r12 rbx rbp	(the caller's callee-saved)
 *	cont + 56	return address into plat_user_run()
 *
 * cont is also the kernel stack for traps from ring 3: it is stored in
 * TSS.RSP0 (interrupts, exceptions) and in x86_syscall_stack (SYSCALL,
 * which switches no stack itself).  The CPU's interrupt frame therefore
 * lands directly below cont, and x86_user_trap() finds uc at the end of
 * the struct x86_frame it is given.  Both are rewritten on every entry to
 * user mode, so a thread switch in between (another user thread entering
 * user mode) does no harm: nothing returns to ring 3 except through here.
 *
 * No SWAPGS: the kernel never uses GS, so the user's GS base simply stays
 * in MSR_GS_BASE while the kernel runs.  One CPU: x86_syscall_stack and
 * x86_syscall_scratch are plain globals, touched only with interrupts
 * disabled (SFMASK clears IF on SYSCALL).  SMP will need per-CPU copies
 * reached through SWAPGS.
 */
#include "x86.h"

#define NEG_ENOSYS (-38) /* what Linux shows in regs->rax during a syscall */

	.section .bss, "aw", @nobits
	.balign 8
	.globl x86_syscall_stack
x86_syscall_stack:		/* cont of the thread in user mode */
	.skip 8
x86_syscall_scratch:		/* user rsp during SYSCALL entry */
	.skip 8

	.section .text, "ax", @progbits

/*
 * int x86_user_enter(struct x86_user_cont *uc, int sysret)
 *
 * Interrupts disabled, CR3/FS/GS bases/FPU state already loaded.  Loads
 * every register from uc->regs and enters ring 3: with SYSRETQ if sysret
 * (the caller checked rcx == rip, r11 == rflags, rip canonical), else with
 * IRETQ (cs/ss/rflags already sanitized by the caller).
 */
	.globl x86_user_enter
	.type x86_user_enter, @function
x86_user_enter:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi
	/* rsp = cont, 16-byte aligned (8 words pushed incl. the return). */
	movq	%rsp, x86_tss + X86_TSS_RSP0(%rip)
	movq	%rsp, x86_syscall_stack(%rip)
	movq	(%rdi), %rdi			/* uc->regs */
	testl	%esi, %esi
	jz	1f

	/*
	 * SYSRETQ.  Reload SS with the kernel selector first if an
	 * interrupt from ring 3 left a null selector there: AMD CPUs return
	 * to user mode with SS's hidden attributes unchanged.  Only then:
	 * a load of SS is slow under emulation (it ends a TCG block).
	 */
	movl	%ss, %eax
	cmpl	$X86_SEL_KERNEL_DS, %eax
	je	2f
	movl	$X86_SEL_KERNEL_DS, %eax
	movl	%eax, %ss
2:
	movq	UREGS_RIP(%rdi), %rcx
	movq	UREGS_EFLAGS(%rdi), %r11
	movq	UREGS_RAX(%rdi), %rax
	movq	UREGS_RBX(%rdi), %rbx
	movq	UREGS_RDX(%rdi), %rdx
	movq	UREGS_RSI(%rdi), %rsi
	movq	UREGS_RBP(%rdi), %rbp
	movq	UREGS_R8(%rdi), %r8
	movq	UREGS_R9(%rdi), %r9
	movq	UREGS_R10(%rdi), %r10
	movq	UREGS_R12(%rdi), %r12
	movq	UREGS_R13(%rdi), %r13
	movq	UREGS_R14(%rdi), %r14
	movq	UREGS_R15(%rdi), %r15
	movq	UREGS_RSP(%rdi), %rsp
	movq	UREGS_RDI(%rdi), %rdi
	sysretq

	/* IRETQ: build the interrupt frame below cont. */
1:	pushq	$X86_SEL_USER_DS
	pushq	UREGS_RSP(%rdi)
	pushq	UREGS_EFLAGS(%rdi)
	pushq	$X86_SEL_USER_CS
	pushq	UREGS_RIP(%rdi)
	movq	UREGS_RAX(%rdi), %rax
	movq	UREGS_RBX(%rdi), %rbx
	movq	UREGS_RCX(%rdi), %rcx
	movq	UREGS_RDX(%rdi), %rdx
	movq	UREGS_RSI(%rdi), %rsi
	movq	UREGS_RBP(%rdi), %rbp
	movq	UREGS_R8(%rdi), %r8
	movq	UREGS_R9(%rdi), %r9
	movq	UREGS_R10(%rdi), %r10
	movq	UREGS_R11(%rdi), %r11
	movq	UREGS_R12(%rdi), %r12
	movq	UREGS_R13(%rdi), %r13
	movq	UREGS_R14(%rdi), %r14
	movq	UREGS_R15(%rdi), %r15
	movq	UREGS_RDI(%rdi), %rdi
	iretq
	.size x86_user_enter, . - x86_user_enter

/*
 * void x86_user_resume(uint64_t cont, int code) -- noreturn
 *
 * Abandon the current stack frames (a trap handler's, all below cont)
 * and make the x86_user_enter() that saved cont return code.  RFLAGS
 * is reset (IF stays off): interrupt gates leave the user's AC set,
 * which would switch SMAP off in the kernel.
 */
	.globl x86_user_resume
	.type x86_user_resume, @function
x86_user_resume:
	movq	%rdi, %rsp
	pushq	$2
	popfq
	movl	%esi, %eax
x86_user_leave:			/* rsp = cont, eax = return code */
	addq	$8, %rsp			/* uc */
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size x86_user_resume, . - x86_user_resume

/*
 * SYSCALL entry (LSTAR, and CSTAR for compatibility mode).  The CPU has
 * put the return rip in rcx and rflags in r11, loaded CS/SS from STAR
 * and cleared the SFMASK bits (IF, TF, DF, AC, NT, IOPL) -- nothing
 * else: rsp is still the user's.  Save every user register into
 * uc->regs as Linux's pt_regs would look (orig_rax = the number, rax =
 * -ENOSYS until the core stores the result, rip = rcx, eflags = r11) and
 * return \code from x86_user_enter().
 */
	.macro syscall_entry name, code
	.globl \name
	.type \name, @function
\name:
	movq	%rsp, x86_syscall_scratch(%rip)
	movq	x86_syscall_stack(%rip), %rsp
	pushq	%rdi
	movq	8(%rsp), %rdi			/* uc */
	movq	(%rdi), %rdi			/* uc->regs */
	movq	%rax, UREGS_ORIG_RAX(%rdi)
	movq	$NEG_ENOSYS, UREGS_RAX(%rdi)
	movq	%rbx, UREGS_RBX(%rdi)
	movq	%rcx, UREGS_RCX(%rdi)
	movq	%rcx, UREGS_RIP(%rdi)
	movq	%rdx, UREGS_RDX(%rdi)
	movq	%rsi, UREGS_RSI(%rdi)
	movq	%rbp, UREGS_RBP(%rdi)
	movq	%r8, UREGS_R8(%rdi)
	movq	%r9, UREGS_R9(%rdi)
	movq	%r10, UREGS_R10(%rdi)
	movq	%r11, UREGS_R11(%rdi)
	movq	%r11, UREGS_EFLAGS(%rdi)
	movq	%r12, UREGS_R12(%rdi)
	movq	%r13, UREGS_R13(%rdi)
	movq	%r14, UREGS_R14(%rdi)
	movq	%r15, UREGS_R15(%rdi)
	popq	%rax
	movq	%rax, UREGS_RDI(%rdi)
	movq	x86_syscall_scratch(%rip), %rax
	movq	%rax, UREGS_RSP(%rdi)
	movq	$X86_SEL_USER_CS, UREGS_CS(%rdi)
	movq	$X86_SEL_USER_DS, UREGS_SS(%rdi)
	movl	$\code, %eax
	jmp	x86_user_leave
	.size \name, . - \name
	.endm

	.balign 16
	syscall_entry x86_syscall_entry, X86_USER_SYSCALL
	.balign 16
	syscall_entry x86_syscall32_entry, X86_USER_SYSCALL32

	.section .note.GNU-stack, "", @progbits
