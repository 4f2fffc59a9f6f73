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
#define NR_munmap 11
#define NR_rt_sigaction 13
#define NR_rt_sigprocmask 14
#define NR_prctl 157
#define NR_close_range 436

#define PROT_READ 1
#define MAP_SHARED 0x01
#define MAP_FIXED 0x10
#define PR_SET_PDEATHSIG 1
#define SIGKILL 9
#define SIG_SETMASK 2
#define NSIG_MAX 64

void stub_main(unsigned long cmd_pa) __attribute__((noreturn, used));
void stub_batch(void) __attribute__((noreturn, used));
extern char stub_batch_entry[];

static char stub_stack[STUB_STACK_SIZE] __attribute__((aligned(16)));
char *const stub_stack_top = stub_stack + STUB_STACK_SIZE;
extern char _end[];

/*
 * Entry points.  Both start on a fresh stub stack; neither returns (the
 * kernel restarts the stub with new registers each time).
 */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov stub_stack_top(%rip), %rsp\n"
	"	xor %ebp, %ebp\n"
	"	call stub_main\n"
	"	ud2\n"
	".globl stub_batch_entry\n"
	"stub_batch_entry:\n"
	"	mov stub_stack_top(%rip), %rsp\n"
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

void stub_main(unsigned long cmd_pa)
{
	long r;

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

		if (op->kind == STUB_OP_MAP)
			r = sys6(NR_mmap, op->addr, op->len, op->prot,
				 MAP_SHARED | MAP_FIXED, STUB_RAM_FD, op->off);
		else
			r = sys6(NR_munmap, op->addr, op->len, 0, 0, 0, 0);
		if (is_err(r))
			report(i, r, 0);
	}
	report(n, 0, 0);
}
