/*
 * x86_entry: where the EFI stub jumps after ExitBootServices().
 *
 * Handoff state (see docs/x86_64-kernel.md): 64-bit mode, interrupts off,
 * CR3 = the stub's page tables (kernel image at its link address, direct
 * map at KOS_DIRECT_MAP, identity map of low memory), RSP = the stub's boot
 * stack, RDI = struct kos_bootinfo * (direct-map address), firmware's
 * GDT/IDT still loaded, .bss already zeroed.
 *
 * We move to a stack inside the kernel image (so nothing the firmware
 * owned is in use any more), end the frame-pointer chain with rbp = 0 and
 * call x86_start(bi), which never returns.
 */
#include "x86.h"

	.section .text, "ax", @progbits
	.globl x86_entry
	.type x86_entry, @function
x86_entry:
	cli
	cld
	leaq	x86_boot_stack_top(%rip), %rsp
	xorl	%ebp, %ebp
	/* rdi still holds the bootinfo pointer. */
	call	x86_start
1:	cli
	hlt
	jmp	1b
	.size x86_entry, . - x86_entry

/*
 * The boot stack: kos_main() turns the boot context into its first thread,
 * so this stack lives as long as the kernel does.
 */
	.section .bss, "aw", @nobits
	.balign 4096
	.globl x86_boot_stack
x86_boot_stack:
	.skip 65536
	.globl x86_boot_stack_top
x86_boot_stack_top:

	.section .note.GNU-stack, "", @progbits
