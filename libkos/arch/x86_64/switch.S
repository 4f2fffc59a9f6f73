/*
 * Kernel-thread context switch and thread start, x86-64 SysV ABI.
 * See kos/arch.h for the contracts.  Used unchanged by the bare-metal
 * kernel (ring 0) and the hosted kernel (a Linux process), so nothing here
 * may be privileged or touch FPU/SSE state.
 *
 * A switched-out thread's stack, from its saved rsp upwards:
 *	r15 r14 r13 r12 rbx rbp <return address>
 */
	.text

/* void arch_context_switch(struct arch_context *from, struct arch_context *to) */
	.globl	arch_context_switch
	.type	arch_context_switch, @function
arch_context_switch:
	.cfi_startproc
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	movq	%rsp, (%rdi)
	movq	(%rsi), %rsp
	movq	$0, (%rsi)
	popq	%r15
	.cfi_adjust_cfa_offset -8
	popq	%r14
	.cfi_adjust_cfa_offset -8
	popq	%r13
	.cfi_adjust_cfa_offset -8
	popq	%r12
	.cfi_adjust_cfa_offset -8
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_endproc
	.size	arch_context_switch, . - arch_context_switch

/*
 * First code a new thread runs: arch_context_init() left the entry
 * function in rbx and its argument in r12, and rsp 16-byte aligned.
 */
	.globl	arch_thread_start
	.type	arch_thread_start, @function
arch_thread_start:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%r12, %rdi
	call	*%rbx
	ud2
	.cfi_endproc
	.size	arch_thread_start, . - arch_thread_start

	.section .note.GNU-stack, "", @progbits
