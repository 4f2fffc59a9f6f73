/*
 * The signal frame and faults.  Faults reach handlers with Linux's
 * si_code, si_addr and mcontext (RIP of the faulting instruction, trap
 * number, error code, CR2), and a handler repairs them (maps the page,
 * mprotects it, extends the file, steps over the instruction by editing
 * RIP) and returns.  The frame's layout is Linux's: return address
 * (sa_restorer), ucontext, siginfo, then the 64-byte aligned XSAVE area
 * with its magic numbers, below the red zone; rt_sigreturn restores
 * every register, the mask and the FPU state from the frame, edits
 * included.  Faults with SIGSEGV blocked or ignored kill.  Everything
 * runs in children.  Staged (issue 8).
 */
#include <setjmp.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "sigframe"

/* The kernel's frame types (x86-64 uapi), independent of the libc. */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct {
		void *ss_sp;
		int ss_flags;
		size_t ss_size;
	} uc_stack;
	struct k_sigcontext mc;
	uint64_t uc_sigmask;
};

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define FX_XMM0 160   /* offset of xmm0 in the fxsave area */
#define FX_SW 464     /* struct _fpx_sw_bytes */
#define XSAVE_HDR 512 /* xstate_bv */

/*
 * Instructions that fault, with labels on them and after them:
 *   ct_load(addr)   movl (addr), %eax
 *   ct_store(addr)  movl $7, (addr)
 *   ct_div(a, b)    idivq b  (a / b)
 *   ct_ud2()        ud2, returns eax
 *   ct_int3()       int3, returns 5
 *   ct_sigregs(pid, sig, xmm_in, out): loads xmm0 and r8-r10, rbx,
 *   rdx with patterns, kill(pid, sig) through the syscall instruction,
 *   stores xmm0, r8, r9, r10, rbx, rdx, rdi, rsi to out after it.
 */
__asm__(".text\n"
	".globl ct_load, ct_load_insn, ct_load_after\n"
	"ct_load:\n"
	"	mov %rdi, %rax\n"
	"ct_load_insn:\n"
	"	movl (%rax), %eax\n"
	"ct_load_after:\n"
	"	ret\n"
	".globl ct_store, ct_store_insn\n"
	"ct_store:\n"
	"ct_store_insn:\n"
	"	movl $7, (%rdi)\n"
	"	ret\n"
	".globl ct_div, ct_div_insn, ct_div_after\n"
	"ct_div:\n"
	"	mov %rdi, %rax\n"
	"	cqo\n"
	"ct_div_insn:\n"
	"	idivq %rsi\n"
	"ct_div_after:\n"
	"	ret\n"
	".globl ct_ud2, ct_ud2_insn, ct_ud2_after\n"
	"ct_ud2:\n"
	"	mov $1, %eax\n"
	"ct_ud2_insn:\n"
	"	ud2\n"
	"ct_ud2_after:\n"
	"	ret\n"
	".globl ct_int3, ct_int3_after\n"
	"ct_int3:\n"
	"	mov $5, %eax\n"
	"	int3\n"
	"ct_int3_after:\n"
	"	ret\n"
	".globl ct_sigregs\n"
	"ct_sigregs:\n"
	"	push %rbx\n"
	"	push %r12\n"
	"	mov %rcx, %r12\n"
	"	movdqu (%rdx), %xmm0\n"
	"	mov $0x1111111111111111, %r8\n"
	"	mov $0x2222222222222222, %r9\n"
	"	mov $0x3333333333333333, %r10\n"
	"	mov $0x4444444444444444, %rbx\n"
	"	mov $0x5555555555555555, %rdx\n"
	"	mov $62, %eax\n"
	"	syscall\n"
	"	movdqu %xmm0, (%r12)\n"
	"	mov %r8, 16(%r12)\n"
	"	mov %r9, 24(%r12)\n"
	"	mov %r10, 32(%r12)\n"
	"	mov %rbx, 40(%r12)\n"
	"	mov %rdx, 48(%r12)\n"
	"	mov %rdi, 56(%r12)\n"
	"	mov %rsi, 64(%r12)\n"
	"	pop %r12\n"
	"	pop %rbx\n"
	"	ret\n");

int ct_load(const void *addr);
void ct_store(void *addr);
long ct_div(long a, long b);
int ct_ud2(void);
int ct_int3(void);
void ct_sigregs(long pid, long sig, const void *xmm, void *out);
extern char ct_load_insn[], ct_load_after[], ct_store_insn[];
extern char ct_div_insn[], ct_div_after[], ct_ud2_insn[], ct_ud2_after[];
extern char ct_int3_after[];

/* What the last handler saw. */
static struct {
	int n, signo, code, errno_;
	uintptr_t addr, rip, trapno, err, cr2;
} hit;

static void note(int sig, siginfo_t *si, struct k_ucontext *uc)
{
	hit.n++;
	hit.signo = sig;
	hit.code = si->si_code;
	hit.errno_ = si->si_errno;
	hit.addr = (uintptr_t)si->si_addr;
	hit.rip = uc->mc.rip;
	hit.trapno = uc->mc.trapno;
	hit.err = uc->mc.err;
	hit.cr2 = uc->mc.cr2;
}

static void show_hit(int sig, int code, const void *addr, const void *rip)
{
	CHECK_EQ("handler calls", hit.n, 1);
	CHECK_STR("signal", ct_signame(hit.signo), ct_signame(sig));
	CHECK_EQ("si_code", hit.code, code);
	CHECK_EQ("si_errno", hit.errno_, 0);
	CHECK("si_addr is the address", hit.addr == (uintptr_t)addr);
	CHECK("RIP is the faulting instruction", hit.rip == (uintptr_t)rip);
}

static char *fault_page;

/* SIGSEGV: map the missing page, or make it writable, and return. */
static void repair(int sig, siginfo_t *si, void *uc)
{
	note(sig, si, uc);
	if (si->si_code == SEGV_MAPERR)
		mmap(fault_page, PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	else
		mprotect(fault_page, PG, PROT_READ | PROT_WRITE);
}

static void segv_unmapped(void *arg)
{
	memset(&hit, 0, sizeof(hit));
	fault_page = ct_map(PG, PROT_READ);
	munmap(fault_page, PG);
	ct_sigaction(SIGSEGV, repair, 0, 0);
	ct_store(fault_page + 8);
	show_hit(SIGSEGV, SEGV_MAPERR, fault_page + 8, ct_store_insn);
	CHECK_EQ("trapno (page fault)", hit.trapno, 14);
	CHECK_EQX("err (user, write, not present)", hit.err, 6);
	CHECK("cr2 is the address", hit.cr2 == (uintptr_t)fault_page + 8);
	CHECK_EQ("the store completed after the repair", fault_page[8], 7);
}

CONTRACT_TEST(segv_unmapped)
{
	ct_child_ok("child", segv_unmapped, NULL);
}

static void segv_readonly(void *arg)
{
	memset(&hit, 0, sizeof(hit));
	fault_page = ct_map(PG, PROT_READ | PROT_WRITE);
	fault_page[100] = 1;
	mprotect(fault_page, PG, PROT_READ);
	ct_sigaction(SIGSEGV, repair, 0, 0);
	ct_store(fault_page + 100);
	show_hit(SIGSEGV, SEGV_ACCERR, fault_page + 100, ct_store_insn);
	CHECK_EQX("err (user, write, present)", hit.err, 7);
	CHECK_EQ("the store completed", fault_page[100], 7);

	memset(&hit, 0, sizeof(hit));
	fault_page[200] = 3;
	mprotect(fault_page, PG, PROT_NONE);
	CHECK_EQ("a load from PROT_NONE returns after the repair",
		 ct_load(fault_page + 200) & 0xff, 3);
	show_hit(SIGSEGV, SEGV_ACCERR, fault_page + 200, ct_load_insn);
}

CONTRACT_TEST(segv_protection)
{
	ct_child_ok("child", segv_readonly, NULL);
}

/* Step over the load, with 42 as its result. */
static void skip_load(int sig, siginfo_t *si, void *ucv)
{
	struct k_ucontext *uc = ucv;

	note(sig, si, uc);
	if (uc->mc.rip == (uintptr_t)ct_load_insn) {
		uc->mc.rip = (uintptr_t)ct_load_after;
		uc->mc.rax = 42;
	}
}

static void segv_odd(void *arg)
{
	ct_sigaction(SIGSEGV, skip_load, 0, 0);
	memset(&hit, 0, sizeof(hit));
	CHECK_EQ("load from NULL, skipped by the handler", ct_load(NULL), 42);
	show_hit(SIGSEGV, SEGV_MAPERR, NULL, ct_load_insn);
	memset(&hit, 0, sizeof(hit));
	CHECK_EQ("load from a kernel address",
		 ct_load((void *)0xffffffff81000000UL), 42);
	show_hit(SIGSEGV, SEGV_MAPERR, (void *)0xffffffff81000000UL,
		 ct_load_insn);
	memset(&hit, 0, sizeof(hit));
	/* a #GP, not a page fault: no address */
	CHECK_EQ("load from a non-canonical address",
		 ct_load((void *)0x8000000000000000UL), 42);
	show_hit(SIGSEGV, SI_KERNEL, NULL, ct_load_insn);
	CHECK_EQ("trapno (general protection)", hit.trapno, 13);
}

CONTRACT_TEST(segv_null_kernel_noncanonical)
{
	ct_child_ok("child", segv_odd, NULL);
}

static int bus_fd;

static void extend_file(int sig, siginfo_t *si, void *uc)
{
	note(sig, si, uc);
	ftruncate(bus_fd, 2 * PG);
}

static void bus(void *arg)
{
	char *m;

	memset(&hit, 0, sizeof(hit));
	bus_fd = open("/tmp/bus", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(bus_fd, "0123456789", 10);
	m = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, bus_fd, 0);
	ct_sigaction(SIGBUS, extend_file, 0, 0);
	CHECK_EQ("byte past EOF in the last page", ct_load(m + 12) & 0xff, 0);
	CHECK_EQ("no signal for it", hit.n, 0);
	CHECK_EQ("a page past EOF: 0 once the handler extended the file",
		 ct_load(m + PG + 4), 0);
	show_hit(SIGBUS, BUS_ADRERR, m + PG + 4, ct_load_insn);
	munmap(m, 2 * PG);
	close(bus_fd);
	unlink("/tmp/bus");
}

CONTRACT_TEST(sigbus_past_eof)
{
	ct_child_ok("child", bus, NULL);
}

static void skip_div(int sig, siginfo_t *si, void *ucv)
{
	struct k_ucontext *uc = ucv;

	note(sig, si, uc);
	uc->mc.rip = (uintptr_t)ct_div_after;
	uc->mc.rax = 99;
}

static void fpe(void *arg)
{
	ct_sigaction(SIGFPE, skip_div, 0, 0);
	memset(&hit, 0, sizeof(hit));
	CHECK_EQ("7 / 0 (skipped)", ct_div(7, 0), 99);
	show_hit(SIGFPE, FPE_INTDIV, ct_div_insn, ct_div_insn);
	CHECK_EQ("trapno (divide error)", hit.trapno, 0);
	memset(&hit, 0, sizeof(hit));
	CHECK_EQ("LONG_MIN / -1 (skipped)",
		 ct_div(-0x7fffffffffffffffL - 1, -1), 99);
	show_hit(SIGFPE, FPE_INTDIV, ct_div_insn, ct_div_insn);
	CHECK_EQ("10 / 3", ct_div(10, 3), 3);
}

CONTRACT_TEST(sigfpe_divide)
{
	ct_child_ok("child", fpe, NULL);
}

static void skip_ud2(int sig, siginfo_t *si, void *ucv)
{
	struct k_ucontext *uc = ucv;

	note(sig, si, uc);
	uc->mc.rip += 2;
	uc->mc.rax = 77;
}

static void note_trap(int sig, siginfo_t *si, void *uc)
{
	note(sig, si, uc);
}

static void ill_trap(void *arg)
{
	ct_sigaction(SIGILL, skip_ud2, 0, 0);
	memset(&hit, 0, sizeof(hit));
	CHECK_EQ("ud2, RIP += 2 in the handler", ct_ud2(), 77);
	show_hit(SIGILL, ILL_ILLOPN, ct_ud2_insn, ct_ud2_insn);
	CHECK_EQ("trapno (invalid opcode)", hit.trapno, 6);
	ct_sigaction(SIGTRAP, note_trap, 0, 0);
	memset(&hit, 0, sizeof(hit));
	CHECK_EQ("int3 returns", ct_int3(), 5);
	show_hit(SIGTRAP, SI_KERNEL, NULL, ct_int3_after);
	CHECK_EQ("trapno (breakpoint)", hit.trapno, 3);
}

CONTRACT_TEST(sigill_sigtrap)
{
	ct_child_ok("child", ill_trap, NULL);
}

/* A fault with SIGSEGV blocked or ignored kills the process. */
static void fault_blocked(void *arg)
{
	int how = *(int *)arg;

	if (how == 0) {
		ct_sigaction(SIGSEGV, repair, 0, 0);
		ct_block(CT_SIGBIT(SIGSEGV));
	} else if (how == 1) {
		ct_sigign(SIGSEGV);
	} else {
		/* the handler itself faults: SIGSEGV is blocked there */
		ct_sigaction(SIGSEGV, skip_load, 0, 0);
		fault_page = NULL;
		ct_sigaction(SIGSEGV, (ct_sigfn)(void *)ct_load, 0, 0);
	}
	ct_load(NULL);
	_exit(0);
}

CONTRACT_TEST(fatal_faults)
{
	static const char *const what[] = { "SIGSEGV blocked",
					    "SIGSEGV ignored",
					    "handler at a bad address" };
	char buf[64];

	for (int how = 0; how < 3; how++) {
		int st = ct_capture(fault_blocked, &how, buf, sizeof(buf));

		CHECK_STR(what[how], ct_status(st), "killed SIGSEGV");
	}
}

/* The frame, seen from a SIGUSR1 handler. */
static struct {
	uintptr_t uc, info, local, fp, ret, slot;
	struct k_ucontext u;
	uint8_t fx[1024];
	uint32_t magic2;
} fr;

static void frame_handler(int sig, siginfo_t *si, void *ucv)
{
	volatile char local;
	struct k_ucontext *uc = ucv;

	fr.uc = (uintptr_t)uc;
	fr.info = (uintptr_t)si;
	fr.local = (uintptr_t)&local;
	fr.ret = (uintptr_t)__builtin_return_address(0);
	fr.slot = *(uintptr_t *)(fr.uc - 8);
	fr.u = *uc;
	fr.fp = uc->mc.fpstate;
	if (fr.fp) {
		uint32_t xsize = *(uint32_t *)(fr.fp + FX_SW + 16);

		memcpy(fr.fx, (void *)fr.fp, sizeof(fr.fx));
		if (*(uint32_t *)(fr.fp + FX_SW) == FP_XSTATE_MAGIC1)
			fr.magic2 = *(uint32_t *)(fr.fp + xsize);
	}
}

static void frame(void *arg)
{
	uint32_t magic1, ext, xsize;
	uint64_t xfeat, bv;

	stack_t off = { NULL, SS_DISABLE, 0 };

	/* uc_stack.ss_flags holds the flags last given to sigaltstack (0
	 * if it was never called): make them SS_DISABLE */
	syscall(SYS_sigaltstack, &off, NULL);
	ct_sigaction(SIGUSR1, frame_handler, 0, 0);
	ct_block(CT_SIGBIT(SIGUSR2));
	ct_kill_self(SIGUSR1);
	CHECK("the return address is sa_restorer",
	      fr.ret == (uintptr_t)ct_restorer);
	CHECK("it sits right below the ucontext",
	      fr.slot == (uintptr_t)ct_restorer);
	CHECK_EQ("siginfo follows the 304-byte ucontext", fr.info - fr.uc, 304);
	CHECK_EQ("ucontext 16-byte aligned (entry rsp + 8)", fr.uc % 16, 0);
	CHECK("the handler's locals are below the frame", fr.local < fr.uc);
	CHECK_EQX("uc_flags & (SIGCONTEXT_SS | STRICT_RESTORE_SS)",
		  fr.u.uc_flags & 6, 6);
	CHECK_EQ("uc_link", fr.u.uc_link, 0);
	CHECK_EQ("uc_stack.ss_flags", fr.u.uc_stack.ss_flags, SS_DISABLE);
	CHECK("uc_stack.ss_sp, ss_size",
	      !fr.u.uc_stack.ss_sp && !fr.u.uc_stack.ss_size);
	CHECK_EQX("uc_sigmask: the mask before the signal", fr.u.uc_sigmask,
		  CT_SIGBIT(SIGUSR2));
	CHECK_EQX("cs", fr.u.mc.cs, 0x33);
	CHECK_EQX("ss", fr.u.mc.ss, 0x2b);
	CHECK_EQX("oldmask (the same mask)", fr.u.mc.oldmask,
		  CT_SIGBIT(SIGUSR2));
	CHECK("fpstate present, 64-byte aligned", fr.fp && fr.fp % 64 == 0);
	CHECK("fpstate above siginfo", fr.fp >= fr.info + 128);
	magic1 = *(uint32_t *)(fr.fx + FX_SW);
	ext = *(uint32_t *)(fr.fx + FX_SW + 4);
	xfeat = *(uint64_t *)(fr.fx + FX_SW + 8);
	xsize = *(uint32_t *)(fr.fx + FX_SW + 16);
	bv = *(uint64_t *)(fr.fx + XSAVE_HDR);
	CHECK_EQX("mxcsr", *(uint32_t *)(fr.fx + 24), 0x1f80);
	CHECK("UC_FP_XSTATE iff FP_XSTATE_MAGIC1",
	      !!(fr.u.uc_flags & UC_FP_XSTATE) == (magic1 == FP_XSTATE_MAGIC1));
	if (magic1 == FP_XSTATE_MAGIC1) {
		CHECK("extended_size = xstate_size + 4 (MAGIC2)",
		      ext == xsize + 4);
		CHECK("xstate_size at least legacy + header (576)",
		      xsize >= 576);
		CHECK("xfeatures include x87 and SSE", (xfeat & 3) == 3);
		CHECK("xstate_bv has x87 and SSE set", (bv & 3) == 3);
		CHECK("FP_XSTATE_MAGIC2 after the xstate",
		      fr.magic2 == FP_XSTATE_MAGIC2);
		CHECK("the frame ends below the red zone",
		      fr.fp + ext <= fr.u.mc.rsp - 128);
	} else {
		CHECK("the frame ends below the red zone",
		      fr.fp + 512 <= fr.u.mc.rsp - 128);
	}
}

CONTRACT_TEST(frame_layout)
{
	ct_child_ok("child", frame, NULL);
}

/* The handler edits saved xmm0, r9 and the mask; rt_sigreturn must load
 * them, and restore every other register as it was. */
static const uint8_t pat_in[16] = { 1, 2,  3,  4,  5,  6,  7,  8,
				    9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t pat_new[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
				     0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
				     0xac, 0xad, 0xae, 0xaf };
static volatile int xmm_seen_ok;

static void edit_frame(int sig, siginfo_t *si, void *ucv)
{
	struct k_ucontext *uc = ucv;
	uint8_t *fx = (uint8_t *)(uintptr_t)uc->mc.fpstate;
	volatile double d = 1.5;

	/* use the FPU and SSE registers here */
	d = d * 3.25 + (double)sig;
	xmm_seen_ok = fx && !memcmp(fx + FX_XMM0, pat_in, 16) && d > 0;
	if (fx)
		memcpy(fx + FX_XMM0, pat_new, 16);
	uc->mc.r9 = 0x9999999999999999UL;
	uc->uc_sigmask |= CT_SIGBIT(SIGUSR2);
}

static void regs(void *arg)
{
	uint64_t out[9];

	ct_sigaction(SIGUSR1, edit_frame, 0, 0);
	ct_sigregs(syscall(SYS_getpid), SIGUSR1, pat_in, out);
	CHECK("xmm0 in the frame", xmm_seen_ok);
	CHECK("xmm0 after return is the handler's edit",
	      !memcmp(out, pat_new, 16));
	CHECK_EQX("r8 kept", out[2], 0x1111111111111111UL);
	CHECK_EQX("r9 as edited", out[3], 0x9999999999999999UL);
	CHECK_EQX("r10 kept", out[4], 0x3333333333333333UL);
	CHECK_EQX("rbx kept", out[5], 0x4444444444444444UL);
	CHECK_EQX("rdx kept", out[6], 0x5555555555555555UL);
	CHECK("rdi, rsi kept (the kill arguments)",
	      out[7] == (uint64_t)syscall(SYS_getpid) && out[8] == SIGUSR1);
	CHECK_EQX("mask as edited in uc_sigmask", ct_getmask(),
		  CT_SIGBIT(SIGUSR2));
}

CONTRACT_TEST(sigreturn_restores)
{
	ct_child_ok("child", regs, NULL);
}

/* Stack overflow: the SIGSEGV handler can only run on an alternate
 * stack; it jumps out. */
static sigjmp_buf overflow_jmp;
static volatile uintptr_t overflow_sp;

static void overflow_handler(int sig, siginfo_t *si, void *uc)
{
	volatile char here;

	overflow_sp = (uintptr_t)&here;
	hit.code = si->si_code;
	siglongjmp(overflow_jmp, 1);
}

static volatile int depth_limit = 1 << 30;

static int recurse(volatile char *p, int depth)
{
	volatile char buf[1024];

	buf[0] = *p;
	if (depth >= depth_limit)
		return 0;
	return recurse(buf, depth + 1) + buf[1];
}

static void overflow(void *arg)
{
	char *alt = ct_map(16 * PG, PROT_READ | PROT_WRITE);
	stack_t ss = { alt, 0, 16 * PG };
	struct rlimit rl = { 256 * 1024, RLIM_INFINITY };
	char c = 0;

	setrlimit(RLIMIT_STACK, &rl);
	syscall(SYS_sigaltstack, &ss, NULL);
	ct_sigaction(SIGSEGV, overflow_handler, SA_ONSTACK, 0);
	if (sigsetjmp(overflow_jmp, 1) == 0)
		recurse(&c, 0);
	CHECK("the handler ran on the alternate stack",
	      overflow_sp >= (uintptr_t)alt &&
		      overflow_sp < (uintptr_t)alt + 16 * PG);
	CHECK_EQ("si_code", hit.code, SEGV_MAPERR);
	CHECK_EQX("mask restored by siglongjmp", ct_getmask(), 0);
}

CONTRACT_TEST(stack_overflow_altstack)
{
	ct_child_ok("child", overflow, NULL);
}
