/*
 * User FPU/SSE/AVX state.
 *
 * The kernel is built -mgeneral-regs-only and never touches x87/SSE/AVX
 * registers, so the registers hold the user state of the thread that last
 * ran in user mode (x86_fpu_owner) for as long as no other thread enters user
 * mode -- across system calls, page faults, interrupts and any number of
 * kernel-only threads.  plat_user_run() calls x86_fpu_load(t) just before
 * entering ring 3: if t still owns the registers nothing happens,
 * otherwise the owner's state is saved into its area and t's restored.
 * This "deferred save" keeps the state exact without CR0.TS/#NM traps and
 * takes the save/restore pair (about 1 us of the 1.6 us a getpid round
 * trip would otherwise cost under TCG) off the system-call path.  Whoever
 * needs a thread's state in memory (signal frames, ptrace, later) calls
 * x86_fpu_sync(t) first.
 *
 * With XSAVE (CPUID.1:ECX.XSAVE) the boot CPU sets CR4.OSXSAVE and XCR0 =
 * x87 | SSE | AVX, plus the three AVX-512 components when the CPU has all
 * of them; MPX (deprecated), PKRU (needs CR4.PKE) and AMX (needs
 * permission requests, as on Linux) stay off.  Programs then see
 * OSXSAVE and AVX in CPUID as on Linux.  The save area is XSAVE's
 * standard format, sized by CPUID.(0xd,0).EBX for that XCR0; XSAVEOPT is
 * used when present (safe here: every area is XRSTORed before it is
 * saved to again).  Without XSAVE: FXSAVE's 512-byte legacy area.
 *
 * Each thread's area is whole pages from the page allocator (XSAVE needs
 * 64-byte alignment), allocated on the thread's first plat_user_run()
 * and kept in struct thread's plat_priv; plat_thread_free() returns it.
 * A new area holds the initial state: everything zero except FCW = 0x37f
 * and MXCSR = 0x1f80 (all exceptions masked), and an XSAVE header with
 * XSTATE_BV = 0, so XRSTOR puts every component in its init state.
 *
 * The core sees the state as images (plat_fpu_*, kos/plat/user.h): the
 * area is already in that format, so saving syncs and copies it, and
 * restoring checks the image (kos/fpu.h) and copies it in; the registers
 * are reloaded when the thread next enters user mode.
 *
 * Locking: one CPU; x86_fpu_owner and the registers change with interrupts
 * disabled.
 */
#include <kos/fpu.h>
#include <kos/log.h>
#include <kos/plat/cpu.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <uapi/errno.h>

#include "x86.h"

#define CPUID1_ECX_XSAVE (1U << 26)

#define XFEATURE_AVX (1ULL << 2)
#define XFEATURE_AVX512 (7ULL << 5) /* opmask, ZMM_Hi256, Hi16_ZMM */

#define FXSAVE_SIZE FPU_FX_SIZE

static bool use_xsave, use_xsaveopt;
struct thread *x86_fpu_owner; /* whose user state is in the registers */
static uint64_t xcr0;
static size_t area_size = FXSAVE_SIZE;
static unsigned int area_order;
static uint32_t mxcsr_mask = FPU_MXCSR_MASK_DEFAULT;

static inline void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ __volatile__("xsetbv"
			     :
			     : "c"(reg), "a"((uint32_t)v),
			       "d"((uint32_t)(v >> 32)));
}

/*
 * Pick the save mechanism and enable the components.  Boot CPU, once,
 * interrupts disabled, after CR4.OSFXSR is on.
 */
void x86_fpu_init(void)
{
	uint32_t a, b, c, d;
	uint64_t supported;

	cpuid(1, 0, &a, &b, &c, &d);
	if (c & CPUID1_ECX_XSAVE) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		cpuid(0xd, 0, &a, &b, &c, &d);
		supported = a | ((uint64_t)d << 32);
		xcr0 = XFEATURE_X87 | XFEATURE_SSE;
		if (supported & XFEATURE_AVX)
			xcr0 |= XFEATURE_AVX;
		if ((supported & XFEATURE_AVX512) == XFEATURE_AVX512 &&
		    (xcr0 & XFEATURE_AVX))
			xcr0 |= XFEATURE_AVX512;
		xsetbv(0, xcr0);
		cpuid(0xd, 0, &a, &b, &c, &d); /* EBX: size for this XCR0 */
		area_size = b;
		cpuid(0xd, 1, &a, &b, &c, &d);
		use_xsaveopt = a & 1;
		use_xsave = true;
	}
	while ((PAGE_SIZE << area_order) < area_size)
		area_order++;
	{
		/* FXSAVE tells which MXCSR bits FXRSTOR accepts. */
		static uint8_t fx[FPU_FX_SIZE] __attribute__((aligned(16)));
		uint32_t m;

		__asm__ __volatile__("fxsave64 (%0)" : : "r"(fx) : "memory");
		m = *(uint32_t *)(fx + FPU_MXCSR_MASK_OFF);
		if (m)
			mxcsr_mask = m;
	}
	if (use_xsave)
		log_info("x86: XSAVE%s, XCR0 %#llx, %zu-byte FPU areas",
			 use_xsaveopt ? "OPT" : "", (unsigned long long)xcr0,
			 area_size);
	else
		log_info("x86: FXSAVE, %zu-byte FPU areas", area_size);
}

void *x86_fpu_area(struct thread *t)
{
	uint8_t *area = t->plat_priv;

	if (area)
		return area;
	area = pmm_alloc_va(area_order);
	if (!area)
		return NULL;
	fpu_image_init(area, PAGE_SIZE << area_order);
	t->plat_priv = area;
	return area;
}

/* Called by the scheduler when t's memory is released (kos/plat/cpu.h). */
void plat_thread_free(struct thread *t)
{
	if (x86_fpu_owner == t)
		x86_fpu_owner = NULL;
	if (t->plat_priv) {
		pmm_free_va(t->plat_priv, area_order);
		t->plat_priv = NULL;
	}
}

/* Save the live user FPU state into area.  Interrupts disabled. */
static void fpu_save(void *area)
{
	uint32_t lo = (uint32_t)xcr0, hi = (uint32_t)(xcr0 >> 32);

	if (use_xsaveopt)
		__asm__ __volatile__("xsaveopt64 (%0)"
				     :
				     : "r"(area), "a"(lo), "d"(hi)
				     : "memory");
	else if (use_xsave)
		__asm__ __volatile__("xsave64 (%0)"
				     :
				     : "r"(area), "a"(lo), "d"(hi)
				     : "memory");
	else
		__asm__ __volatile__("fxsave64 (%0)" : : "r"(area) : "memory");
}

/* Load area into the FPU registers.  Interrupts disabled. */
static void fpu_restore(const void *area)
{
	uint32_t lo = (uint32_t)xcr0, hi = (uint32_t)(xcr0 >> 32);

	if (use_xsave)
		__asm__ __volatile__("xrstor64 (%0)"
				     :
				     : "r"(area), "a"(lo), "d"(hi)
				     : "memory");
	else
		__asm__ __volatile__("fxrstor64 (%0)" : : "r"(area) : "memory");
}

void x86_fpu_switch(struct thread *t)
{
	if (x86_fpu_owner)
		fpu_save(x86_fpu_owner->plat_priv);
	fpu_restore(t->plat_priv);
	x86_fpu_owner = t;
}

/*
 * A linked-mode thread uses the registers in ring 0; it owns them as a
 * user thread does from plat_user_run() on.  Voluntary switches (inside
 * its system calls) would not need this -- the ABI makes every vector
 * register caller-saved -- but a preempted one, or a thread switched to
 * after that, must not see another's registers.
 */
void plat_fpu_kernel_own(struct thread *t)
{
	unsigned long fl;

	if (x86_fpu_owner == t)
		return;
	fl = plat_irq_save();
	if (x86_fpu_owner != t && x86_fpu_area(t))
		x86_fpu_switch(t);
	plat_irq_restore(fl);
}

void x86_fpu_sync(struct thread *t)
{
	unsigned long fl = plat_irq_save();

	if (x86_fpu_owner == t)
		fpu_save(t->plat_priv);
	plat_irq_restore(fl);
}

/* --- images for the core (kos/plat/user.h) ------------------------------ */

size_t plat_fpu_size(void)
{
	return area_size;
}

uint64_t plat_fpu_xfeatures(void)
{
	return use_xsave ? xcr0 : 0;
}

void plat_fpu_save(struct thread *t, void *image)
{
	if (!t->plat_priv) {
		fpu_image_init(image, area_size);
		return;
	}
	x86_fpu_sync(t);
	kos_memcpy(image, t->plat_priv, area_size);
}

int plat_fpu_restore(struct thread *t, const void *image)
{
	unsigned long fl;
	void *area;

	if (fpu_image_check(image, plat_fpu_xfeatures(), mxcsr_mask))
		return -EINVAL;
	area = x86_fpu_area(t);
	if (!area)
		return -ENOMEM;
	fl = plat_irq_save();
	kos_memcpy(area, image, area_size);
	if (x86_fpu_owner == t)
		x86_fpu_owner = NULL; /* reload from the area on the way out */
	plat_irq_restore(fl);
	return 0;
}

void plat_fpu_reset(struct thread *t)
{
	unsigned long fl;

	if (!t->plat_priv)
		return; /* the initial state until it first runs */
	fl = plat_irq_save();
	/* XSAVE/XRSTOR use area_size bytes; the rest of the pages idle. */
	fpu_image_init(t->plat_priv, area_size);
	if (x86_fpu_owner == t)
		x86_fpu_owner = NULL;
	plat_irq_restore(fl);
}
