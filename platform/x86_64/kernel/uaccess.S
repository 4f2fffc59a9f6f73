/*
 * Direct user-memory copies (uaccess.c): the kernel reads and writes
 * user pages through their user addresses, with SMAP lifted (stac) for
 * the copy only.  A page fault anywhere between x86_ucopy_start and
 * x86_ucopy_end does not panic: x86_trap() sends it to
 * x86_ucopy_fault, which returns 1, and the caller takes the page-table
 * walk instead, which faults pages in or answers -EFAULT.
 *
 * Plain 8-byte moves, not rep movsb: QEMU's TCG runs a string
 * instruction one element per step.
 */

/*
 * int x86_ucopy(void *dst, const void *src, size_t n)
 * Copy n bytes; src NULL zeroes dst.  0, or 1 after a page fault.
 */
	.text
	.globl x86_ucopy
	.type x86_ucopy, @function
	.globl x86_ucopy_start
	.globl x86_ucopy_end
	.globl x86_ucopy_fault
x86_ucopy:
	xorl	%eax, %eax
	movq	%rdx, %rcx
	shrq	$3, %rcx
	andl	$7, %edx
	stac
x86_ucopy_start:
	testq	%rsi, %rsi
	jz	4f
1:	testq	%rcx, %rcx
	jz	2f
	movq	(%rsi), %r8
	movq	%r8, (%rdi)
	addq	$8, %rsi
	addq	$8, %rdi
	decq	%rcx
	jmp	1b
2:	testl	%edx, %edx
	jz	6f
3:	movb	(%rsi), %r8b
	movb	%r8b, (%rdi)
	incq	%rsi
	incq	%rdi
	decl	%edx
	jnz	3b
	jmp	6f
	/* zeroing */
4:	testq	%rcx, %rcx
	jz	5f
	movq	%rax, (%rdi)
	addq	$8, %rdi
	decq	%rcx
	jmp	4b
5:	testl	%edx, %edx
	jz	6f
	movb	%al, (%rdi)
	incq	%rdi
	decl	%edx
	jmp	5b
x86_ucopy_end:
6:	clac
	ret
x86_ucopy_fault:
	clac
	movl	$1, %eax
	ret
	.size x86_ucopy, . - x86_ucopy

	.section .note.GNU-stack, "", @progbits
