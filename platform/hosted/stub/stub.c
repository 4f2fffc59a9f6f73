/*
 * kos-stub: the host process behind one hosted guest address space.
 *
 * A static executable without libc (-nostdlib), linked at STUB_BASE, that
 * the kernel process starts with vfork+exec under PTRACE_TRACEME, so that
 * valgrind (--trace-children=no) leaves it native.  It keeps no state of
 * its own and does only two things, each ending in an int3 the kernel (its
 * tracer) waits for:
 *
 *   _start            set up: move to our own stack, unmap everything the
 *                     host mapped outside the reservation (its stack,
 *                     [vdso], [vvar]), map the command area read-only,
 *                     arrange to die with the kernel, close stray fds;
 *   stub_batch_entry  run one batch of mmap/munmap operations from the
 *                     command area (mirroring the core's page tables).
 *
 * In between, the kernel runs guest code in this process with
 * PTRACE_SYSEMU: every guest system call stops before it runs and is
 * handled by the kernel, so nothing here ever runs on the guest's behalf.
 * The guest's FPU/SSE/AVX state is this process's own; the code here is
 * compiled with -mgeneral-regs-only so it never touches it.
 *
 * The kernel passes the command area's physical address in rdi at _start
 * (it sets the registers at the stop after exec).
 */
#include "stub.h"

#define NR_close 3
#define NR_mmap 9
#define NR_mprotect 10
#define NR_munmap 11
#define NR_rt_sigaction 13
#define NR_rt_sigprocmask 14
#define NR_prctl 157
#define NR_close_range 436

#define PROT_READ 1
#define MAP_SHARED 0x01
#define MAP_FIXED 0x10
#define MAP_POPULATE 0x8000
#define PR_SET_PDEATHSIG 1
#define SIGKILL 9
#define SIG_SETMASK 2
#define NSIG_MAX 64

void stub_main(unsigned long cmd_pa, unsigned long *sp)
	__attribute__((noreturn, used));
void stub_batch(void) __attribute__((noreturn, used));
extern char stub_batch_entry[];

/* Not static: stub_batch_entry wipes it by name. */
char stub_stack[STUB_STACK_SIZE] __attribute__((aligned(16)));
char *const stub_stack_top = stub_stack + STUB_STACK_SIZE;
extern char __bss_start[], _end[];
#define STUB_PAGE 4096UL

/*
 * Entry points.  Both start on a fresh stub stack; neither returns (the
 * kernel restarts the stub with new registers each time).
 */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rsi\n"
	"	mov stub_stack_top(%rip), %rsp\n"
	"	xor %ebp, %ebp\n"
	"	call stub_main\n"
	"	ud2\n"
	".globl stub_batch_entry\n"
	"stub_batch_entry:\n"
	/*
	 * cmd->wipe: first zero the image's writable pages, the .bss
	 * with this stack, whole pages (the guest can write all of them).
	 */
	"	cmpq $0, (0x180030)\n"
	"	je 1f\n"
	"	lea stub_stack(%rip), %rdi\n"
	"	and $-4096, %rdi\n"
	"	lea _end+4095(%rip), %rcx\n"
	"	and $-4096, %rcx\n"
	"	sub %rdi, %rcx\n"
	"	xor %eax, %eax\n"
	"	cld\n"
	"	rep stosb\n"
	"1:	mov stub_stack_top(%rip), %rsp\n"
	"	xor %ebp, %ebp\n"
	"	call stub_batch\n"
	"	ud2\n");

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10),
			       "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return ret;
}

/*
 * Hand control back to the kernel with three result registers.  The
 * kernel always restarts us with new registers; should anything resume
 * us here, we just trap again.
 */
static void __attribute__((noreturn))
report(unsigned long rax, long rdx, unsigned long rsi)
{
	for (;;)
		__asm__ __volatile__("int3"
				     :
				     : "a"(rax), "d"(rdx), "S"(rsi)
				     : "memory");
}

static int is_err(long r)
{
	return (unsigned long)r > -4096UL;
}

/* Parse a hex number (no prefix).  0 if malformed. */
static unsigned long parse_hex(const char *p)
{
	unsigned long v = 0;

	for (; *p; p++) {
		int d = *p >= '0' && *p <= '9'	 ? *p - '0'
			: *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
						 : -1;
		if (d < 0)
			return 0;
		v = v * 16 + d;
	}
	return v;
}

static void seccomp_main(unsigned long cmd_pa, unsigned long slots_pa,
			 unsigned long ppid) __attribute__((noreturn));

void stub_main(unsigned long cmd_pa, unsigned long *sp)
{
	long r;

	/*
	 * Seccomp mode: argv is "kos-stub" "S" cmd_pa slots_pa kernel-pid
	 * (hex), read before the host's stack goes away.
	 */
	if (sp[0] == 5 && ((char *)sp[2])[0] == 'S') {
		const char **argv = (const char **)(sp + 1);

		seccomp_main(parse_hex(argv[2]), parse_hex(argv[3]),
			     parse_hex(argv[4]));
	}

	if ((unsigned long)_end > STUB_CMD)
		report(STUB_READY, -7 /* E2BIG: image too large */, 0);
	/* Everything outside the reservation becomes the guest's. */
	r = sys6(NR_munmap, 0, STUB_BASE, 0, 0, 0, 0);
	if (!is_err(r))
		r = sys6(NR_munmap, STUB_END, STUB_HOST_TOP - STUB_END, 0, 0, 0,
			 0);
	if (!is_err(r))
		r = sys6(NR_mmap, STUB_CMD, STUB_CMD_SIZE, PROT_READ,
			 MAP_SHARED | MAP_FIXED, STUB_RAM_FD, (long)cmd_pa);
	if (is_err(r))
		report(STUB_READY, r, 0);
	/* Die with the kernel even if ptrace's EXITKILL were not set. */
	sys6(NR_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0, 0);
	/*
	 * Default dispositions and nothing blocked, whatever the kernel
	 * process had: the kernel's kick signal must reach its tracer.
	 */
	{
		unsigned long dfl[4] = { 0 }, none = 0;

		for (int sig = 1; sig <= NSIG_MAX; sig++)
			sys6(NR_rt_sigaction, sig, (long)dfl, 0, 8, 0, 0);
		sys6(NR_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8, 0, 0);
	}
	/* Keep only the RAM memfd. */
	if (is_err(sys6(NR_close_range, 0, STUB_RAM_FD - 1, 0, 0, 0, 0)))
		for (int fd = 0; fd < STUB_RAM_FD; fd++)
			sys6(NR_close, fd, 0, 0, 0, 0, 0);
	sys6(NR_close_range, STUB_RAM_FD + 1, ~0U, 0, 0, 0, 0);
	report(STUB_READY, 0, (unsigned long)stub_batch_entry);
}

void stub_batch(void)
{
	const volatile struct stub_cmd *c = (const void *)STUB_CMD;
	unsigned long n = c->nops, i;
	long r = 0;

	if (n > STUB_MAX_OPS)
		n = STUB_MAX_OPS;
	for (i = 0; i < n; i++) {
		const volatile struct stub_op *op = &c->ops[i];

		if (op->kind == STUB_OP_MAP || op->kind == STUB_OP_MAP_POP)
			r = sys6(NR_mmap, op->addr, op->len, op->prot,
				 MAP_SHARED | MAP_FIXED |
					 (op->kind == STUB_OP_MAP_POP
						  ? MAP_POPULATE
						  : 0),
				 STUB_RAM_FD, op->off);
		else
			r = sys6(NR_munmap, op->addr, op->len, 0, 0, 0, 0);
		if (is_err(r))
			report(i, r, 0);
	}
	report(n, 0, 0);
}

/* --- seccomp mode ------------------------------------------------------ */

#define NR_write 1
#define NR_rt_sigreturn 15
#define NR_getppid 110
#define NR_exit_group 231
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_RESTART 0x10000000
#define PROT_WRITE 2
#define PR_SET_NO_NEW_PRIVS 38
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

extern char stub_start_trap[];
void stub_mapper_ready(void) __attribute__((noreturn));
void stub_restorer(void);
void stub_doorbell(void);
long stub_arch_prctl(long code, unsigned long addr);

/*
 * The code that runs in guest threads besides guest code, and the
 * mapper.  Each system call the guest filter lets through has its own
 * site: the label after it is the instruction pointer the filter checks.
 *
 * stub_mapper_ready (the first thread, once set up; every signal blocked, registers and the
 * read-only command area only): wait for cmd->seq to move, run the batch,
 * write 1 to STUB_DONE_FD; a failing operation ends the stub with
 * exit_group(-errno).  STUB_OP_CLONE's child goes to stub_thread: set the
 * alternate stack (cmd->ss_*), unblock signals, install the guest filter
 * with a listener, send that to the kernel (STUB_SOCK_FD), and trap at stub_start_trap
 * (SIGILL), where the kernel gives it the guest's registers.
 */
__asm__(".text\n"
	".globl stub_mapper_ready\n"
	"stub_mapper_ready:\n"
	"	mov (0x180004), %r12d\n" /* cmd->seq done so far */
	"	jmp 9f\n"
	"1:	mov (0x180004), %eax\n"
	"	cmp %eax, %r12d\n"
	"	jne 2f\n"
	"	mov $202, %eax\n" /* futex(&seq, FUTEX_WAIT, r12d, NULL) */
	"	mov $0x180004, %edi\n"
	"	xor %esi, %esi\n"
	"	mov %r12d, %edx\n"
	"	xor %r10d, %r10d\n"
	"	syscall\n"
	"	jmp 1b\n"
	"2:	mov %eax, %r12d\n"
	"	mov (0x180000), %r14d\n" /* nops */
	"	mov $2046, %eax\n"	 /* STUB_MAX_OPS */
	"	cmp %rax, %r14\n"
	"	cmova %rax, %r14\n"
	"	mov $0x180040, %r13d\n" /* ops */
	"3:	test %r14, %r14\n"
	"	jz 9f\n"
	"	mov 24(%r13), %eax\n"
	"	mov $0x11, %r10d\n" /* MAP_SHARED | MAP_FIXED */
	"	cmp $4, %eax\n"
	"	jne 12f\n"
	"	mov $0x8011, %r10d\n" /* ... | MAP_POPULATE */
	"	mov $1, %eax\n"
	"12:	cmp $1, %eax\n"
	"	jne 4f\n"
	"	mov $9, %eax\n" /* mmap(addr, len, prot, flags, 3, off) */
	"	mov (%r13), %rdi\n"
	"	mov 8(%r13), %rsi\n"
	"	mov 28(%r13), %edx\n"
	"	mov $3, %r8d\n"
	"	mov 16(%r13), %r9\n"
	"	syscall\n"
	"	jmp 7f\n"
	"4:	cmp $2, %eax\n"
	"	jne 5f\n"
	"	mov $11, %eax\n" /* munmap(addr, len) */
	"	mov (%r13), %rdi\n"
	"	mov 8(%r13), %rsi\n"
	"	syscall\n"
	"	jmp 7f\n"
	"5:	cmp $3, %eax\n"
	"	jne 6f\n"
	/*
	 * close(STUB_LISTENER_FD): the last started thread's listener,
	 * which the kernel holds by now, so that the new thread's is
	 * STUB_LISTENER_FD again (the start message names that number).
	 */
	"	mov $3, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	mov $56, %eax\n" /* clone(VM|FS|FILES|SIGHAND|THREAD|SYSVSEM) */
	"	mov $0x50f00, %edi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz stub_thread\n"
	"	jmp 7f\n"
	"6:	mov $-22, %rax\n"
	"7:	cmp $-4095, %rax\n"
	"	jae 8f\n"
	"	add $32, %r13\n"
	"	dec %r14\n"
	"	jmp 3b\n"
	"8:	neg %eax\n"
	"	mov %eax, %edi\n"
	"	mov $231, %eax\n"
	"	syscall\n"
	"9:	mov $1, %eax\n"
	"	mov $4, %edi\n"
	"	lea stub_one(%rip), %rsi\n"
	"	mov $8, %edx\n"
	"	syscall\n"
	"	jmp 1b\n"
	"stub_thread:\n"
	"	mov $131, %eax\n" /* sigaltstack(&cmd->ss, NULL) */
	"	mov $0x180008, %edi\n"
	"	xor %esi, %esi\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 10f\n"
	"	mov $14, %eax\n" /* rt_sigprocmask(SIG_SETMASK, &0, NULL, 8) */
	"	mov $2, %edi\n"
	"	lea stub_zero(%rip), %rsi\n"
	"	xor %edx, %edx\n"
	"	mov $8, %r10d\n"
	"	syscall\n"
	/*
	 * seccomp(SET_MODE_FILTER, flags, filter): with cmd->fastpath the
	 * filter that notifies most calls directly, and WAIT_KILLABLE_RECV
	 * (a kick must not withdraw a notification the kernel has taken);
	 * else the slow path's filter and NEW_LISTENER alone.
	 */
	"	mov $8, %esi\n"
	"	lea stub_guest_fprog(%rip), %rdx\n"
	"	cmpq $0, (0x180028)\n" /* cmd->fastpath */
	"	je 11f\n"
	"	mov $40, %esi\n" /* NEW_LISTENER | WAIT_KILLABLE_RECV */
	"	lea stub_fast_fprog(%rip), %rdx\n"
	"11:	mov $317, %eax\n"
	"	mov $1, %edi\n"
	"	syscall\n"
	"	cmp $-4095, %rax\n"
	"	jae 10f\n"
	"	mov $46, %eax\n" /* sendmsg(STUB_SOCK_FD, &start_msg, 0) */
	"	mov $5, %edi\n"
	"	lea stub_start_msg(%rip), %rsi\n"
	"	xor %edx, %edx\n"
	"	syscall\n"
	"stub_start_send_ip:\n"
	".globl stub_start_trap\n"
	"stub_start_trap:\n"
	"	ud2\n"
	"10:	mov $231, %eax\n"
	"	mov $1, %edi\n"
	"	syscall\n"
	"	ud2\n"
	".globl stub_restorer\n"
	"stub_restorer:\n"
	"	mov $15, %eax\n"
	"	syscall\n"
	"stub_restorer_ip:\n"
	"	ud2\n"
	".globl stub_doorbell\n"
	"stub_doorbell:\n"
	"	mov $0x7000, %eax\n"
	"	syscall\n"
	"stub_doorbell_ip:\n"
	"	ret\n"
	".globl stub_arch_prctl\n"
	"stub_arch_prctl:\n"
	"	mov $158, %eax\n"
	"	syscall\n"
	"stub_arch_prctl_ip:\n"
	"	ret\n"
	/*
	 * The guest filter G (struct sock_filter: code, jt, jf, k; offsets into
	 * struct seccomp_data: nr 0, arch 4, ip 8, args 16).  Wrong
	 * architecture (int $0x80, sysenter) and everything not listed:
	 * SECCOMP_RET_TRAP (SIGSYS, reported as a guest system call).  The
	 * doorbell from its site: SECCOMP_RET_USER_NOTIF.  Allowed from their
	 * sites only: rt_sigreturn, arch_prctl on fs/gs, the start message.
	 */
	".section .rodata\n"
	".balign 8\n"
	"stub_one: .quad 1\n"
	"stub_zero: .quad 0\n"
	/* struct msghdr: one byte, SCM_RIGHTS of STUB_LISTENER_FD */
	"stub_start_msg: .quad 0, 0, stub_start_iov, 1, stub_start_cmsg, 24\n"
	"	.quad 0\n"
	"stub_start_iov: .quad stub_zero, 1\n"
	"stub_start_cmsg: .quad 20; .long 1, 1, 0, 0\n"
	"stub_guest_filter:\n"
	"	.short 0x20; .byte 0, 0; .long 4\n"	      /* 0 ld arch */
	"	.short 0x15; .byte 0, 26; .long 0xc000003e\n" /* 1 != x86-64 */
	"	.short 0x20; .byte 0, 0; .long 12\n"	      /* 2 ld ip hi */
	"	.short 0x15; .byte 0, 24; .long 0\n"	      /* 3 != 0: trap */
	"	.short 0x20; .byte 0, 0; .long 8\n"	      /* 4 ld ip lo */
	"	.short 0x07; .byte 0, 0; .long 0\n"	      /* 5 x = a */
	"	.short 0x20; .byte 0, 0; .long 0\n"	      /* 6 ld nr */
	"	.short 0x15; .byte 0, 2; .long 0x7000\n"      /* 7 doorbell? */
	"	.short 0x87; .byte 0, 0; .long 0\n"	      /* 8 a = x */
	"	.short 0x15; .byte 16, 18; .long stub_doorbell_ip\n" /* 9 */
	"	.short 0x15; .byte 0, 2; .long 15\n" /* 10 rt_sigreturn? */
	"	.short 0x87; .byte 0, 0; .long 0\n"  /* 11 a = x */
	"	.short 0x15; .byte 14, 15; .long stub_restorer_ip\n" /* 12 */
	"	.short 0x15; .byte 0, 7; .long 158\n" /* 13 arch_prctl? */
	"	.short 0x87; .byte 0, 0; .long 0\n"   /* 14 a = x */
	"	.short 0x15; .byte 0, 12; .long stub_arch_prctl_ip\n" /* 15 */
	"	.short 0x20; .byte 0, 0; .long 20\n"	 /* 16 ld arg0 hi */
	"	.short 0x15; .byte 0, 10; .long 0\n"	 /* 17 */
	"	.short 0x20; .byte 0, 0; .long 16\n"	 /* 18 ld arg0 lo */
	"	.short 0x35; .byte 0, 8; .long 0x1001\n" /* 19 >= SET_GS */
	"	.short 0x25; .byte 7, 6; .long 0x1004\n" /* 20 > GET_GS: trap */
	"	.short 0x15; .byte 0, 6; .long 46\n"	 /* 21 sendmsg? */
	"	.short 0x87; .byte 0, 0; .long 0\n"	 /* 22 a = x */
	"	.short 0x15; .byte 0, 4; .long stub_start_send_ip\n" /* 23 */
	"	.short 0x20; .byte 0, 0; .long 16\n" /* 24 ld arg0 lo */
	"	.short 0x15; .byte 1, 2; .long 5\n"  /* 25 fd 5: allow */
	"	.short 0x06; .byte 0, 0; .long 0x7fc00000\n" /* 26 notify */
	"	.short 0x06; .byte 0, 0; .long 0x7fff0000\n" /* 27 allow */
	"	.short 0x06; .byte 0, 0; .long 0x00030000\n" /* 28 trap */
	"stub_guest_filter_end:\n"
	".balign 8\n"
	"stub_guest_fprog:\n"
	"	.short (stub_guest_filter_end - stub_guest_filter) / 8\n"
	"	.balign 8\n"
	"	.quad stub_guest_filter\n"
	/*
	 * The fast path's guest filter: the same sites allowed, but a guest
	 * call is notified directly (SECCOMP_RET_USER_NOTIF: the kernel gets
	 * its number, arguments and rip without a signal frame) unless its
	 * handling needs the whole register file, which still traps:
	 * rt_sigreturn, clone, fork, vfork, execve, execveat, arch_prctl,
	 * sigaltstack, ptrace, rt_sigsuspend, pause, clone3, and the thread's
	 * exit (not for its registers: its stub thread is parked, and the
	 * next thread that takes it over then finds it at a doorbell with
	 * a frame, not in a call it must convert first) except from the
	 * doorbell's site, where the kernel puts it to end a stub thread
	 * whose stub becomes a spare (a notification it then lets through
	 * with SECCOMP_USER_NOTIF_FLAG_CONTINUE; X is the ip's low half
	 * there, or 0 for an ip above 4 GiB, which cannot match); so does the
	 * doorbell's number anywhere but its site.  A sendmsg from the start
	 * site on another fd is an ordinary guest call.  So does a negative
	 * number: a kick that lands before the kernel takes a notification
	 * makes the host call -ERESTARTSYS, which the host restarts through
	 * SA_RESTART, except for number -1, where Linux sees no system call
	 * to restart and the guest would get 512 (fuzz-pie saw it).
	 */
	"stub_fast_filter:\n"
	"	.short 0x20; .byte 0, 0; .long 4\n"	      /* 0 ld arch */
	"	.short 0x15; .byte 0, 42; .long 0xc000003e\n" /* 1 != x86-64 */
	"	.short 0x20; .byte 0, 0; .long 12\n"	      /* 2 ld ip hi */
	"	.short 0x15; .byte 0, 22; .long 0\n"	 /* 3 != 0: guest */
	"	.short 0x20; .byte 0, 0; .long 8\n"	 /* 4 ld ip lo */
	"	.short 0x07; .byte 0, 0; .long 0\n"	 /* 5 x = a */
	"	.short 0x20; .byte 0, 0; .long 0\n"	 /* 6 ld nr */
	"	.short 0x15; .byte 0, 2; .long 0x7000\n" /* 7 doorbell? */
	"	.short 0x87; .byte 0, 0; .long 0\n"	 /* 8 a = x */
	"	.short 0x15; .byte 32, 34; .long stub_doorbell_ip\n" /* 9 */
	"	.short 0x15; .byte 0, 2; .long 15\n" /* 10 rt_sigreturn? */
	"	.short 0x87; .byte 0, 0; .long 0\n"  /* 11 a = x */
	"	.short 0x15; .byte 30, 31; .long stub_restorer_ip\n" /* 12 */
	"	.short 0x15; .byte 0, 7; .long 158\n" /* 13 arch_prctl? */
	"	.short 0x87; .byte 0, 0; .long 0\n"   /* 14 a = x */
	"	.short 0x15; .byte 0, 28; .long stub_arch_prctl_ip\n" /* 15 */
	"	.short 0x20; .byte 0, 0; .long 20\n"	   /* 16 ld arg0 hi */
	"	.short 0x15; .byte 0, 26; .long 0\n"	   /* 17 */
	"	.short 0x20; .byte 0, 0; .long 16\n"	   /* 18 ld arg0 lo */
	"	.short 0x35; .byte 0, 24; .long 0x1001\n"  /* 19 >= SET_GS */
	"	.short 0x25; .byte 23, 22; .long 0x1004\n" /* 20 > GET_GS */
	"	.short 0x15; .byte 0, 4; .long 46\n"	   /* 21 sendmsg? */
	"	.short 0x87; .byte 0, 0; .long 0\n"	   /* 22 a = x */
	"	.short 0x15; .byte 0, 2; .long stub_start_send_ip\n" /* 23 */
	"	.short 0x20; .byte 0, 0; .long 16\n" /* 24 ld arg0 lo */
	"	.short 0x15; .byte 17, 0; .long 5\n" /* 25 fd 5: allow */
	"	.short 0x20; .byte 0, 0; .long 0\n"  /* 26 guest: ld nr */
	"	.short 0x35; .byte 16, 0; .long 0x80000000\n" /* 27 nr < 0: trap */
	"	.short 0x15; .byte 15, 0; .long 0x7000\n"     /* 28 */
	"	.short 0x15; .byte 14, 0; .long 15\n" /* 29 rt_sigreturn */
	"	.short 0x15; .byte 13, 0; .long 56\n" /* 30 clone */
	"	.short 0x15; .byte 12, 0; .long 57\n" /* 31 fork */
	"	.short 0x15; .byte 11, 0; .long 58\n" /* 32 vfork */
	"	.short 0x15; .byte 10, 0; .long 59\n" /* 33 execve */
	"	.short 0x15; .byte 9, 0; .long 322\n" /* 34 execveat */
	"	.short 0x15; .byte 8, 0; .long 158\n" /* 35 arch_prctl */
	"	.short 0x15; .byte 7, 0; .long 131\n" /* 36 sigaltstack */
	"	.short 0x15; .byte 6, 0; .long 101\n" /* 37 ptrace */
	"	.short 0x15; .byte 5, 0; .long 130\n" /* 38 rt_sigsuspend */
	"	.short 0x15; .byte 4, 0; .long 34\n"  /* 39 pause */
	"	.short 0x15; .byte 3, 0; .long 435\n" /* 40 clone3 */
	"	.short 0x15; .byte 3, 0; .long 60\n"  /* 41 exit */
	"	.short 0x06; .byte 0, 0; .long 0x7fc00000\n" /* 42 notify */
	"	.short 0x06; .byte 0, 0; .long 0x7fff0000\n" /* 43 allow */
	"	.short 0x06; .byte 0, 0; .long 0x00030000\n" /* 44 trap */
	"	.short 0x87; .byte 0, 0; .long 0\n" /* 45 exit: a = x */
	"	.short 0x15; .byte 0, 1; .long stub_doorbell_ip\n" /* 46 */
	"	.short 0x06; .byte 0, 0; .long 0x7fc00000\n" /* 47 notify */
	"	.short 0x06; .byte 0, 0; .long 0x00030000\n" /* 48 trap */
	"stub_fast_filter_end:\n"
	".balign 8\n"
	"stub_fast_fprog:\n"
	"	.short (stub_fast_filter_end - stub_fast_filter) / 8\n"
	"	.balign 8\n"
	"	.quad stub_fast_filter\n"
	".text\n");

/* The addresses stub_mapper and stub_thread use. */
_Static_assert(STUB_MAX_OPS == 2046, "stub_mapper's STUB_MAX_OPS");
_Static_assert(STUB_CMD == 0x180000, "stub_mapper's STUB_CMD");
_Static_assert(__builtin_offsetof(struct stub_cmd, seq) == 4, "seq");
_Static_assert(__builtin_offsetof(struct stub_cmd, ss_sp) == 8, "ss");
_Static_assert(__builtin_offsetof(struct stub_cmd, fastpath) == 0x28,
	       "fastpath");
_Static_assert(__builtin_offsetof(struct stub_cmd, ops) == 64, "ops");
_Static_assert(__builtin_offsetof(struct stub_cmd, wipe) == 0x30, "wipe");
_Static_assert(sizeof(struct stub_op) == 32, "op size");
/* check/guest/stubattack.c's attack 8 knows these two. */
_Static_assert(__builtin_offsetof(struct stub_cmd, spin_tsc) == 0x38,
	       "spin_tsc");
_Static_assert(__builtin_offsetof(struct stub_tslot, spin) == 56, "spin");

static unsigned long stub_rdtsc(void)
{
	unsigned int lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((unsigned long)hi << 32) | lo;
}

/*
 * Spinning: tell the kernel that the slot describes a stop (REQ) and
 * wait up to budget TSC ticks for its answer in *w.  1 if it answered
 * there (REPLY: the frame is rewritten), 0 if the doorbell must ring:
 * the kernel asked for it (SLEEP or anything else), or the wait ended
 * first (REQ turned into SLEEP here, unless the answer came meanwhile).
 */
static int stub_spin(volatile unsigned int *w, unsigned long budget)
{
	unsigned long t0 = stub_rdtsc();
	unsigned int v;

	__atomic_store_n(w, STUB_SPIN_REQ, __ATOMIC_RELEASE);
	for (;;) {
		v = __atomic_load_n(w, __ATOMIC_ACQUIRE);
		if (v != STUB_SPIN_REQ)
			return v == STUB_SPIN_REPLY;
		if (stub_rdtsc() - t0 > budget)
			break;
		__asm__ __volatile__("pause" ::: "memory");
	}
	v = STUB_SPIN_REQ;
	if (__atomic_compare_exchange_n(w, &v, STUB_SPIN_SLEEP, 0,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	return v == STUB_SPIN_REPLY;
}

/*
 * Every signal of a guest thread (system call, fault, kick, the start
 * trap): on the thread's alternate stack, which lies in its slot.
 * Describe the frame, ring the doorbell, and when the kernel answers
 * (having rewritten the frame's registers and FPU state) load the fs/gs
 * base it asks for and return into guest code through stub_restorer.
 */
static void stub_signal(int sig, void *info, void *ucv)
{
	struct stub_tslot *s =
		(void *)((unsigned long)__builtin_frame_address(0) &
			 ~(STUB_TSLOT_SIZE - 1));
	struct stub_ucontext *uc = ucv;
	const volatile struct stub_cmd *cmd = (const void *)STUB_CMD;

	s->kind = uc->gregs[16] == (unsigned long)stub_start_trap
			  ? STUB_MSG_NEW
			  : STUB_MSG_SIGNAL;
	s->signo = sig;
	s->frame_off = (unsigned long)ucv - (unsigned long)s;
	s->info_off = (unsigned long)info - (unsigned long)s;
	if (cmd->fsgsbase) {
		__asm__ __volatile__("rdfsbase %0" : "=r"(s->fsbase));
		__asm__ __volatile__("rdgsbase %0" : "=r"(s->gsbase));
	}
	if (!cmd->spin_tsc || s->kind != STUB_MSG_SIGNAL ||
	    !stub_spin(&s->spin, cmd->spin_tsc))
		stub_doorbell();
	if (cmd->fsgsbase) {
		__asm__ __volatile__("wrfsbase %0" : : "r"(s->set_fsbase));
		__asm__ __volatile__("wrgsbase %0" : : "r"(s->set_gsbase));
		return;
	}
	/* Two system calls per stop saved: only when they change. */
	if (s->set_fsbase != s->fsbase &&
	    !stub_arch_prctl(ARCH_SET_FS, s->set_fsbase))
		s->fsbase = s->set_fsbase;
	if (s->set_gsbase != s->gsbase &&
	    !stub_arch_prctl(ARCH_SET_GS, s->set_gsbase))
		s->gsbase = s->set_gsbase;
}

/*
 * Seccomp mode's set-up, after the common part: map the thread slots,
 * install the handlers, block every signal in this (the mapper) thread,
 * report ready through STUB_DONE_FD and become the mapper.
 */
static void seccomp_main(unsigned long cmd_pa, unsigned long slots_pa,
			 unsigned long ppid)
{
	static const int sigs[] = { 31 /* SIGSYS */,
				    11,
				    7,
				    4,
				    8,
				    5,
				    26 /* SIGVTALRM */ };
	/*
	 * SA_RESTART: a kick that interrupts a fast-path call before the
	 * kernel took its notification makes the call -ERESTARTSYS; the
	 * host then backs rip up onto the syscall instruction, and the
	 * frame shows a guest about to make the call, not one it failed
	 * with EINTR.
	 */
	struct ksigaction sa = {
		.handler = (void *)stub_signal,
		.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER | SA_RESTART,
		.restorer = (void *)stub_restorer,
		.mask = ~0UL,
	};
	unsigned long dfl[4] = { 0 }, all = ~0UL;
	unsigned long bss = (unsigned long)__bss_start;
	long r;

	r = sys6(NR_munmap, 0, STUB_BASE, 0, 0, 0, 0);
	if (!is_err(r))
		r = sys6(NR_munmap, STUB_END, STUB_HOST_TOP - STUB_END, 0, 0, 0,
			 0);
	if (!is_err(r) && (unsigned long)_end > STUB_CMD)
		r = -7; /* E2BIG: image too large */
	if (!is_err(r))
		r = sys6(NR_mmap, STUB_CMD, STUB_CMD_SIZE, PROT_READ,
			 MAP_SHARED | MAP_FIXED, STUB_RAM_FD, (long)cmd_pa);
	if (!is_err(r))
		r = sys6(NR_mmap, STUB_SLOTS, STUB_NSLOTS * STUB_TSLOT_SIZE,
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 STUB_RAM_FD, (long)slots_pa);
	if (!is_err(r))
		r = sys6(NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
	if (is_err(r) || !cmd_pa || !slots_pa)
		sys6(NR_exit_group, 100, 0, 0, 0, 0, 0);
	/* Die with the kernel; if it is gone already, now. */
	sys6(NR_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0, 0);
	if ((unsigned long)sys6(NR_getppid, 0, 0, 0, 0, 0, 0) != ppid)
		sys6(NR_exit_group, 101, 0, 0, 0, 0, 0);
	sys6(NR_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, 8, 0, 0);
	for (int sig = 1; sig <= NSIG_MAX; sig++)
		sys6(NR_rt_sigaction, sig, (long)dfl, 0, 8, 0, 0);
	for (unsigned int i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (is_err(sys6(NR_rt_sigaction, sigs[i], (long)&sa, 0, 8, 0,
				0)))
			sys6(NR_exit_group, 102, 0, 0, 0, 0, 0);
	/* Keep the RAM memfd, the eventfd and the socket. */
	sys6(NR_close_range, 0, STUB_RAM_FD - 1, 0, 0, 0, 0);
	sys6(NR_close_range, STUB_SOCK_FD + 1, ~0U, 0, 0, 0, 0);
	/*
	 * Nothing in this process writes its own memory from here on (the
	 * mapper uses registers, a guest thread's handler its slot), so
	 * the image's writable part, the .bss with this stack, becomes
	 * read-only: guest code can leave nothing there for the next
	 * address space that gets this stub (a spare stub, user.c).  First
	 * the stack this ran on is cleared (registers only from here): the
	 * guest can read it, and it held the kernel's host pid and the RAM
	 * layout (section 5 of docs/hosted-seccomp.md).  Then a jmp, not a
	 * call: the stack is read-only, and the mapper needs none.
	 */
	__asm__ __volatile__(
		"mov %%rdi, %%r8\n\t"
		"lea stub_stack(%%rip), %%rdi\n\t"
		"mov %[words], %%ecx\n\t"
		"xor %%eax, %%eax\n\t"
		"rep stosq\n\t"
		"mov %%r8, %%rdi\n\t"
		"mov %[nr], %%eax\n\t"
		"syscall\n\t"
		"jmp stub_mapper_ready"
		:
		: [nr] "i"(NR_mprotect), [words] "i"(STUB_STACK_SIZE / 8),
		  "D"(bss & -STUB_PAGE),
		  "S"(((unsigned long)_end - (bss & -STUB_PAGE) + STUB_PAGE -
		       1) &
		      -STUB_PAGE),
		  "d"(PROT_READ)
		: "rax", "rcx", "r8", "r11", "memory");
	__builtin_unreachable();
}
