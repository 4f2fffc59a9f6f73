/*
 * Interrupt and exception entry: one tiny stub per vector (all 256), one
 * common path.
 *
 * Each stub makes the stack look the same whatever the vector: it pushes a
 * zero where the CPU pushes no error code, then the vector number, and
 * jumps to x86_trap_common.  The common path saves every general register
 * into a struct x86_frame (x86.h), calls x86_trap(frame) and restores
 * everything with iretq.  The kernel is built -mgeneral-regs-only, so no
 * FPU/SSE state is touched here.
 *
 * Stack alignment: in 64-bit mode the CPU aligns RSP to 16 bytes before it
 * pushes its 5-word frame; with vector, error code and 15 registers the
 * frame is 176 bytes, and the 16-byte fake frame record below keeps RSP
 * 16-byte aligned at the call, as the ABI wants.
 *
 * Backtraces: before calling C we push a frame record {rbp, rip} of the
 * interrupted code and point rbp at it, so a frame-pointer walk from
 * inside a handler passes through the interrupted instruction and goes on
 * into its callers.  For traps from ring 3 the record is {0, 0} and ends
 * the walk.
 *
 * Nothing here keeps per-CPU state: the frame lives on the interrupted
 * thread's stack, so kos_irq_exit() may switch threads from inside
 * x86_trap() and the other thread's interrupts nest on its own stack.
 * From ring 3 the CPU has switched to TSS.RSP0 (the running
 * plat_user_run()'s continuation, see usermode.S) and x86_trap() hands
 * the frame to x86_user_trap(), which never comes back here.  No SWAPGS:
 * the kernel does not use GS.
 */
#include "x86.h"

#define FRAME_RIP (17 * 8)
#define FRAME_CS (18 * 8)

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		      (v) == 21 || (v) == 29 || (v) == 30)

	.section .text, "ax", @progbits

	.balign 16
	.type x86_trap_common, @function
x86_trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	testb	$3, FRAME_CS(%rsp)
	jnz	1f
	pushq	FRAME_RIP(%rsp)
	pushq	%rbp
	jmp	2f
1:	pushq	$0
	pushq	$0
2:	movq	%rsp, %rbp
	call	x86_trap
	addq	$16, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq
	.size x86_trap_common, . - x86_trap_common

/*
 * The stubs, and x86_trap_stubs[256]: a table of their addresses that
 * idt.c puts into the gates.
 */
	.macro trap_stub v
	.balign 16
x86_trap_stub_\v:
	.if !HAS_ERROR(\v)
	pushq	$0
	.endif
	pushq	$\v
	jmp	x86_trap_common
	.pushsection .rodata
	.quad	x86_trap_stub_\v
	.popsection
	.endm

	.pushsection .rodata
	.balign 8
	.globl x86_trap_stubs
x86_trap_stubs:
	.popsection

	.altmacro
	.set vec, 0
	.rept 256
	trap_stub %vec
	.set vec, vec + 1
	.endr

	.section .note.GNU-stack, "", @progbits
