/*
 * User-mode CPU state across system calls: general registers, flags,
 * SSE/AVX registers, MXCSR and the x87 control word, FS/GS bases (TLS).
 * Linux preserves everything except rax (the result), rcx and r11.
 */
#define ARCH_SET_GS 0x1001 /* <asm/prctl.h>, absent from musl */
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

/*
 * regs_syscall(nr, out): load fixed values into every general register
 * the syscall must preserve, run syscall nr (no arguments that matter),
 * and store what those registers hold afterwards into out[0..11]:
 * rbx rbp r12 r13 r14 r15 rdi rsi rdx r10 r8 r9.
 */
void regs_syscall(long nr, uint64_t *out);
__asm__(".text\n"
	".globl regs_syscall\n"
	"regs_syscall:\n"
	"	push %rbx\n push %rbp\n push %r12\n"
	"	push %r13\n push %r14\n push %r15\n"
	"	push %rsi\n"
	"	mov %rdi, %rax\n"
	"	movabs $0x1111111111111111, %rbx\n"
	"	movabs $0x2222222222222222, %rbp\n"
	"	movabs $0x3333333333333333, %r12\n"
	"	movabs $0x4444444444444444, %r13\n"
	"	movabs $0x5555555555555555, %r14\n"
	"	movabs $0x6666666666666666, %r15\n"
	"	movabs $0x7777777777777777, %rdi\n"
	"	movabs $0x8888888888888888, %rsi\n"
	"	movabs $0x9999999999999999, %rdx\n"
	"	movabs $0xaaaaaaaaaaaaaaaa, %r10\n"
	"	movabs $0xbbbbbbbbbbbbbbbb, %r8\n"
	"	movabs $0xcccccccccccccccc, %r9\n"
	"	syscall\n"
	"	mov (%rsp), %rax\n"
	"	mov %rbx, 0(%rax)\n mov %rbp, 8(%rax)\n"
	"	mov %r12, 16(%rax)\n mov %r13, 24(%rax)\n"
	"	mov %r14, 32(%rax)\n mov %r15, 40(%rax)\n"
	"	mov %rdi, 48(%rax)\n mov %rsi, 56(%rax)\n"
	"	mov %rdx, 64(%rax)\n mov %r10, 72(%rax)\n"
	"	mov %r8, 80(%rax)\n mov %r9, 88(%rax)\n"
	"	pop %rsi\n"
	"	pop %r15\n pop %r14\n pop %r13\n"
	"	pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n");

static void check_gprs(void)
{
	static const uint64_t want[12] = {
		0x1111111111111111, 0x2222222222222222, 0x3333333333333333,
		0x4444444444444444, 0x5555555555555555, 0x6666666666666666,
		0x7777777777777777, 0x8888888888888888, 0x9999999999999999,
		0xaaaaaaaaaaaaaaaa, 0xbbbbbbbbbbbbbbbb, 0xcccccccccccccccc,
	};
	uint64_t got[12];
	int bad = 0;

	regs_syscall(SYS_getpid, got);
	for (int i = 0; i < 12; i++)
		bad += got[i] != want[i];
	CHECK(bad == 0);
	/* An unknown number returns -ENOSYS and preserves registers too. */
	regs_syscall(100000, got);
	bad = 0;
	for (int i = 0; i < 12; i++)
		bad += got[i] != want[i];
	CHECK(bad == 0);
}

/* DF and the arithmetic flags survive a system call. */
static void check_flags(void)
{
	uint64_t fl;
	long nr = SYS_getpid;

	__asm__ __volatile__("std\n\t"
			     "stc\n\t"
			     "syscall\n\t"
			     "pushfq\n\t"
			     "popq %1\n\t"
			     "cld"
			     : "+a"(nr), "=r"(fl)
			     :
			     : "rcx", "r11", "memory", "cc");
	CHECK(fl & (1UL << 10)); /* DF */
	CHECK(fl & 1);		 /* CF */
	CHECK(fl & (1UL << 9));	 /* IF */
}

static void check_sse(void)
{
	uint8_t in[16][16], out[16][16];
	uint32_t mxcsr;
	uint16_t fcw;

	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	__asm__ __volatile__("fnstcw %0" : "=m"(fcw));
	CHECK(mxcsr == 0x1f80);
	CHECK(fcw == 0x37f);

	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j++)
			in[i][j] = (uint8_t)(i * 16 + j + 1);
	__asm__ __volatile__(
		"movdqu 0(%0), %%xmm0\n\t movdqu 16(%0), %%xmm1\n\t"
		"movdqu 32(%0), %%xmm2\n\t movdqu 48(%0), %%xmm3\n\t"
		"movdqu 64(%0), %%xmm4\n\t movdqu 80(%0), %%xmm5\n\t"
		"movdqu 96(%0), %%xmm6\n\t movdqu 112(%0), %%xmm7\n\t"
		"movdqu 128(%0), %%xmm8\n\t movdqu 144(%0), %%xmm9\n\t"
		"movdqu 160(%0), %%xmm10\n\t movdqu 176(%0), %%xmm11\n\t"
		"movdqu 192(%0), %%xmm12\n\t movdqu 208(%0), %%xmm13\n\t"
		"movdqu 224(%0), %%xmm14\n\t movdqu 240(%0), %%xmm15\n\t"
		"mov $39, %%eax\n\t syscall\n\t"
		"mov $39, %%eax\n\t syscall\n\t"
		"movdqu %%xmm0, 0(%1)\n\t movdqu %%xmm1, 16(%1)\n\t"
		"movdqu %%xmm2, 32(%1)\n\t movdqu %%xmm3, 48(%1)\n\t"
		"movdqu %%xmm4, 64(%1)\n\t movdqu %%xmm5, 80(%1)\n\t"
		"movdqu %%xmm6, 96(%1)\n\t movdqu %%xmm7, 112(%1)\n\t"
		"movdqu %%xmm8, 128(%1)\n\t movdqu %%xmm9, 144(%1)\n\t"
		"movdqu %%xmm10, 160(%1)\n\t movdqu %%xmm11, 176(%1)\n\t"
		"movdqu %%xmm12, 192(%1)\n\t movdqu %%xmm13, 208(%1)\n\t"
		"movdqu %%xmm14, 224(%1)\n\t movdqu %%xmm15, 240(%1)"
		:
		: "r"(in), "r"(out)
		: "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
		  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
		  "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	CHECK(memcmp(in, out, sizeof(in)) == 0);

	/* A changed MXCSR stays changed (round toward zero, FTZ). */
	mxcsr = 0x1f80 | 0x6000 | 0x8000;
	__asm__ __volatile__("ldmxcsr %0" : : "m"(mxcsr));
	syscall(SYS_getpid);
	mxcsr = 0;
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	CHECK(mxcsr == (0x1f80 | 0x6000 | 0x8000));
	mxcsr = 0x1f80;
	__asm__ __volatile__("ldmxcsr %0" : : "m"(mxcsr));
}

/* AVX usable: CPUID says AVX and OSXSAVE, and XCR0 has SSE and AVX. */
static int have_avx(void)
{
	uint32_t a, b, c, d, lo, hi;

	__asm__ __volatile__("cpuid"
			     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			     : "a"(1), "c"(0));
	if (!(c & (1U << 28)) || !(c & (1U << 27)))
		return 0;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

__attribute__((target("avx"))) static void check_avx(void)
{
	uint8_t in[4][32], out[4][32];

	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 32; j++)
			in[i][j] = (uint8_t)(0x80 + i * 32 + j);
	__asm__ __volatile__("vmovdqu 0(%0), %%ymm0\n\t"
			     "vmovdqu 32(%0), %%ymm7\n\t"
			     "vmovdqu 64(%0), %%ymm8\n\t"
			     "vmovdqu 96(%0), %%ymm15\n\t"
			     "mov $39, %%eax\n\t syscall\n\t"
			     "vmovdqu %%ymm0, 0(%1)\n\t"
			     "vmovdqu %%ymm7, 32(%1)\n\t"
			     "vmovdqu %%ymm8, 64(%1)\n\t"
			     "vmovdqu %%ymm15, 96(%1)\n\t"
			     "vzeroupper"
			     :
			     : "r"(in), "r"(out)
			     : "rax", "rcx", "r11", "memory", "xmm0", "xmm7",
			       "xmm8", "xmm15");
	CHECK(memcmp(in, out, sizeof(in)) == 0);
}

/* x87 registers (all eight stack slots) survive a system call. */
static void x87_stack(long nr, long double out[8])
{
	__asm__ __volatile__("fld1\n\t fldpi\n\t fldl2e\n\t fldln2\n\t"
			     "fldlg2\n\t fldl2t\n\t fldpi\n\t fld1\n\t"
			     "faddp\n\t fldz\n\t"
			     "test %%rax, %%rax\n\t jz 1f\n\t syscall\n"
			     "1:\n\t"
			     "fstpt 0(%1)\n\t fstpt 16(%1)\n\t"
			     "fstpt 32(%1)\n\t fstpt 48(%1)\n\t"
			     "fstpt 64(%1)\n\t fstpt 80(%1)\n\t"
			     "fstpt 96(%1)\n\t fstpt 112(%1)"
			     : "+a"(nr)
			     : "r"(out)
			     : "rcx", "r11", "memory", "cc", "st", "st(1)",
			       "st(2)", "st(3)", "st(4)", "st(5)", "st(6)",
			       "st(7)");
}

static void check_x87(void)
{
	long double want[8], got[8];
	int bad = 0;

	memset(want, 0, sizeof(want));
	memset(got, 0, sizeof(got));
	x87_stack(0, want);
	x87_stack(SYS_getpid, got);
	for (int i = 0; i < 8; i++)
		bad += memcmp(&want[i], &got[i], 10) != 0; /* 80-bit values */
	CHECK(bad == 0);
}

static __thread int tls_counter = 42;

static void check_tls(void)
{
	unsigned long fs = 0, gs = 0, v = 0x5a5a5a5a5a5a5a5a;
	unsigned long got;

	CHECK(tls_counter == 42);
	tls_counter++;
	syscall(SYS_getpid);
	CHECK(tls_counter == 43);
	CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs) == 0);
	CHECK(fs == (unsigned long)pthread_self());
	CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0x800000000000UL),
		  EPERM);

	/* GS base: point it at v and read through %gs. */
	CHECK(syscall(SYS_arch_prctl, ARCH_SET_GS, &v) == 0);
	CHECK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs) == 0);
	CHECK(gs == (unsigned long)&v);
	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(got));
	CHECK(got == v);
	CHECK(syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL) == 0);
}

int main(void)
{
	int avx = have_avx();

	check_gprs();
	check_flags();
	check_sse();
	check_x87();
	printf("avx: %s\n", avx ? "yes" : "no");
	if (avx)
		check_avx();
	check_tls();
	return guest_done("cpu");
}
