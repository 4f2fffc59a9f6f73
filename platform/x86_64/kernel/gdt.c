/*
 * Global descriptor table and task-state segment of the boot CPU.
 *
 * Layout (selectors; the same as Linux so user programs and ptrace see the
 * familiar values, and so SYSCALL/SYSRET work):
 *
 *	0x00  null
 *	0x08  kernel code, 64-bit	STAR[47:32] = 0x08: SYSCALL loads
 *	0x10  kernel data		CS = 0x08, SS = 0x10
 *	0x18  unused (null)
 *	0x20  user code, 32-bit (0x23)	STAR[63:48] = 0x23: SYSRET loads
 *	0x28  user data (0x2b)		SS = 0x23 + 8, CS = 0x23 + 16
 *	0x30  user code, 64-bit (0x33)
 *	0x38  unused (null)
 *	0x40  TSS (16-byte system descriptor, entries 8 and 9)
 *
 * The TSS provides RSP0 (the stack for interrupts from ring 3; usermode.S
 * points it just below plat_user_run()'s frame on every entry to user
 * mode) and three interrupt stacks: IST1 for
 * double faults, IST2 for NMIs, IST3 for machine checks, so those run on a
 * known-good stack even when the kernel stack is gone.  No I/O bitmap: ring
 * 3 never gets port access.
 */
#include "x86.h"

#define IST_STACK_SIZE (16 * 1024)

/* 64-bit TSS (Intel SDM vol. 3, "Task Management in 64-bit Mode"). */
struct x86_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

struct x86_desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

/*
 * Code/data descriptors in their raw 8-byte form: base 0, limit 4 GiB,
 * granularity 4 KiB, present, accessed; type/DPL/L/D as noted.
 */
#define SEG_KERNEL_CODE64 0x00af9b000000ffffULL /* DPL 0, L=1 */
#define SEG_KERNEL_DATA 0x00cf93000000ffffULL	/* DPL 0, writable */
#define SEG_USER_CODE32 0x00cffb000000ffffULL	/* DPL 3, D=1 */
#define SEG_USER_DATA 0x00cff3000000ffffULL	/* DPL 3, writable */
#define SEG_USER_CODE64 0x00affb000000ffffULL	/* DPL 3, L=1 */

static uint64_t gdt[10] __aligned(16) = {
	[X86_SEL_KERNEL_CS >> 3] = SEG_KERNEL_CODE64,
	[X86_SEL_KERNEL_DS >> 3] = SEG_KERNEL_DATA,
	[X86_SEL_USER32_CS >> 3] = SEG_USER_CODE32,
	[X86_SEL_USER_DS >> 3] = SEG_USER_DATA,
	[X86_SEL_USER_CS >> 3] = SEG_USER_CODE64,
	/* TSS descriptor filled in by x86_gdt_init(). */
};

/* Global so usermode.S can store RSP0 (offset X86_TSS_RSP0) directly. */
struct x86_tss x86_tss __aligned(16);
_Static_assert(__builtin_offsetof(struct x86_tss, rsp) == X86_TSS_RSP0,
	       "X86_TSS_RSP0 out of date");

static char ist_stacks[3][IST_STACK_SIZE] __aligned(16);
/* RSP0 until the first entry to user mode sets it. */
static char rsp0_stack[IST_STACK_SIZE] __aligned(16);

/* Build the 16-byte available-64-bit-TSS descriptor at gdt[8..9]. */
static void set_tss_desc(void)
{
	uint64_t base = (uint64_t)&x86_tss;
	uint64_t limit = sizeof(x86_tss) - 1;

	gdt[X86_SEL_TSS >> 3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
				(0x89ULL << 40) | /* present, type 9 */
				(((limit >> 16) & 0xf) << 48) |
				(((base >> 24) & 0xff) << 56);
	gdt[(X86_SEL_TSS >> 3) + 1] = base >> 32;
}

/*
 * Load the GDT and TSS, reload every segment register.  Boot CPU, once,
 * interrupts disabled.  CS is reloaded with a far return; DS/ES/SS get the
 * kernel data selector, FS/GS the null selector (their bases are MSRs).
 */
void x86_gdt_init(void)
{
	struct x86_desc_ptr p = { sizeof(gdt) - 1, (uint64_t)gdt };
	uint64_t tmp;

	for (int i = 0; i < 3; i++)
		x86_tss.ist[i] = (uint64_t)&ist_stacks[i][IST_STACK_SIZE];
	x86_tss.rsp[0] = (uint64_t)&rsp0_stack[IST_STACK_SIZE];
	x86_tss.iomap_base = sizeof(x86_tss); /* no I/O bitmap */
	set_tss_desc();

	__asm__ __volatile__("lgdt %1\n\t"
			     "pushq %2\n\t"
			     "leaq 1f(%%rip), %0\n\t"
			     "pushq %0\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "movl %3, %k0\n\t"
			     "movl %k0, %%ds\n\t"
			     "movl %k0, %%es\n\t"
			     "movl %k0, %%ss\n\t"
			     "xorl %k0, %k0\n\t"
			     "movl %k0, %%fs\n\t"
			     "movl %k0, %%gs\n\t"
			     "ltr %w4"
			     : "=&r"(tmp)
			     : "m"(p), "i"(X86_SEL_KERNEL_CS),
			       "i"(X86_SEL_KERNEL_DS), "r"(X86_SEL_TSS)
			     : "memory");
}
