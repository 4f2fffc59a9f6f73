/*
 * KOS linked mode: musl's cancellable system call (replaces musl's
 * src/thread/x86_64/syscall_cp.s).  As musl's: if the thread's cancel flag
 * (*%rdi) is set, act on the cancellation; otherwise make the call -- here
 * a C call to kos_linked_syscall(nr, a1..a6) instead of SYSCALL.
 *
 * __syscall_cp_asm(cancel, nr, a1, a2, a3, a4, a5, a6): cancel in %rdi,
 * nr in %rsi, a1-a4 in %rdx %rcx %r8 %r9, a5 and a6 on the stack.  The
 * arguments move one register down; a6 is pushed, which also keeps the
 * stack 16-byte aligned at the call.  __cp_begin/__cp_end bracket the
 * code as musl's cancellation handler expects.
 */
.text
.global __cp_begin
.hidden __cp_begin
.global __cp_end
.hidden __cp_end
.global __cp_cancel
.hidden __cp_cancel
.hidden __cancel
.global __syscall_cp_asm
.hidden __syscall_cp_asm
.type   __syscall_cp_asm,@function
__syscall_cp_asm:

__cp_begin:
	mov (%rdi),%eax
	test %eax,%eax
	jnz __cp_cancel
	mov %rsi,%rdi
	mov %rdx,%rsi
	mov %rcx,%rdx
	mov %r8,%rcx
	mov %r9,%r8
	mov 8(%rsp),%r9
	mov 16(%rsp),%rax
	push %rax
	call kos_linked_syscall
	add $8,%rsp
__cp_end:
	ret
__cp_cancel:
	jmp __cancel
