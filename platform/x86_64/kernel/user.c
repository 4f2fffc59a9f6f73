/*
 * User mode on bare metal: address spaces and plat_user_run()
 * (kos/plat/user.h).
 *
 * Address spaces.  The core builds the user half (PML4 entries 0..255) of
 * every address space; plat_as_create() copies the kernel half (256..511)
 * from the boot page tables, so the kernel is mapped identically
 * everywhere and CR3 may stay on a user address space while kernel
 * threads run.  The kernel never adds PML4 entries after boot (the direct
 * map and the image are fixed), so the copies never go stale.
 *
 * Running user code.  plat_user_run() loads CR3, the FS/GS bases and the
 * thread's FPU state (fpu.c; usually still loaded), then x86_user_enter()
 * (usermode.S) saves a kernel continuation on the thread's stack and
 * enters ring 3.  The way back:
 *
 *   SYSCALL     usermode.S saves the registers into regs and resumes the
 *               continuation directly (no C on the way);
 *   exception / the CPU switches to TSS.RSP0 (= the continuation), the
 *   interrupt   IDT stub builds a struct x86_frame and x86_trap() hands it
 *               to x86_user_trap(): frame copied into regs, trap info
 *               filled in, an interrupt's handler and kos_irq_exit() run
 *               (which may switch threads), then x86_user_resume() jumps
 *               to the continuation.
 *
 * Either way plat_user_run() returns to the core's loop with the trap
 * reason; an interrupt from user mode is reported as PLAT_TRAP_INTERRUPTED
 * so the core can look at signals.  Returning to user mode uses SYSRETQ
 * when that restores exactly what regs holds (rcx == rip, r11 == rflags,
 * no TF/RF, 64-bit code), else IRETQ.  A non-canonical rip never reaches
 * either instruction (both would fault in ring 0 -- SYSRET on Intel with
 * the user's rsp): it is reported as a #GP from user mode instead.
 *
 * Locking: one CPU; the CR3/FS/GS bookkeeping is changed with interrupts
 * disabled.
 */
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/plat/user.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <uapi/errno.h>

#include "x86.h"

#define USER_TOP (1UL << 47)   /* user rip/fs/gs must be below */
#define TLB_FLUSH_MAX_PAGES 32 /* above this, reload CR3 instead */

/* RFLAGS bits user code may set (popf, sigreturn); IF is always set. */
#define USER_RFLAGS                                                      \
	(X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | \
	 X86_RFLAGS_SF | X86_RFLAGS_TF | X86_RFLAGS_DF | X86_RFLAGS_OF | \
	 X86_RFLAGS_RF | X86_RFLAGS_AC | X86_RFLAGS_ID)
/* Cleared by SYSCALL (MSR_SFMASK), as on Linux. */
#define SYSCALL_RFLAGS_MASK                                                \
	(X86_RFLAGS_TF | X86_RFLAGS_IF | X86_RFLAGS_DF | X86_RFLAGS_IOPL | \
	 X86_RFLAGS_NT | X86_RFLAGS_AC)

struct plat_as {
	paddr_t pml4;
};

/*
 * What x86_user_enter() keeps at the bottom of its continuation (usermode.S)
 * for the way back: where to put registers and trap information.
 */
struct x86_user_cont {
	struct uregs *regs; /* first: usermode.S reads it at offset 0 */
	struct plat_trapinfo *ti;
};

int x86_user_enter(struct x86_user_cont *uc, int sysret);
void x86_user_resume(uint64_t cont, int code) __noreturn;
void x86_syscall_entry(void);
void x86_syscall32_entry(void);

paddr_t x86_kernel_pml4;
static struct plat_as *active_as; /* whose PML4 is in CR3; NULL: kernel's */
static uint64_t loaded_fs_base, loaded_gs_base; /* MSR contents */

#define CHECK_UREGS(field, off)                                        \
	_Static_assert(__builtin_offsetof(struct uregs, field) == off, \
		       "UREGS_" #field " out of date")
CHECK_UREGS(r15, UREGS_R15);
CHECK_UREGS(rbp, UREGS_RBP);
CHECK_UREGS(r11, UREGS_R11);
CHECK_UREGS(r8, UREGS_R8);
CHECK_UREGS(rax, UREGS_RAX);
CHECK_UREGS(rdi, UREGS_RDI);
CHECK_UREGS(orig_rax, UREGS_ORIG_RAX);
CHECK_UREGS(rip, UREGS_RIP);
CHECK_UREGS(eflags, UREGS_EFLAGS);
CHECK_UREGS(ss, UREGS_SS);
_Static_assert(ENOSYS == 38, "usermode.S stores -38 as -ENOSYS");

/*
 * Program the SYSCALL MSRs: STAR's kernel base 0x08 gives CS 0x08 / SS
 * 0x10 on SYSCALL, its user base 0x23 gives CS 0x33 / SS 0x2b on 64-bit
 * SYSRET.  FS/GS bases start at 0.  Boot CPU, once, interrupts disabled.
 */
void x86_user_init(void)
{
	wrmsr(MSR_STAR, ((uint64_t)X86_SEL_USER32_CS << 48) |
				((uint64_t)X86_SEL_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)x86_syscall_entry);
	wrmsr(MSR_CSTAR, (uint64_t)x86_syscall32_entry);
	wrmsr(MSR_SFMASK, SYSCALL_RFLAGS_MASK);
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, 0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

/* --- address spaces --------------------------------------------------- */

struct plat_as *plat_as_create(paddr_t pml4)
{
	struct plat_as *as = kmalloc(sizeof(*as));
	const uint64_t *kernel = plat_phys_to_virt(x86_kernel_pml4);
	uint64_t *user = plat_phys_to_virt(pml4);

	if (!as)
		return NULL;
	as->pml4 = pml4;
	kos_memcpy(&user[256], &kernel[256], 256 * sizeof(uint64_t));
	return as;
}

/*
 * The dying process's own thread calls this (through vm_destroy()) while
 * CR3 still holds as: move to the kernel's tables before the core frees
 * these.
 */
void plat_as_destroy(struct plat_as *as)
{
	unsigned long fl;

	if (!as)
		return;
	fl = plat_irq_save();
	if (active_as == as) {
		write_cr3(x86_kernel_pml4);
		active_as = NULL;
	}
	plat_irq_restore(fl);
	kfree(as);
}

/* Load as (NULL: the kernel's tables) into CR3.  Interrupts disabled. */
static inline void as_load(struct plat_as *as)
{
	if (active_as != as) {
		write_cr3(as ? as->pml4 : x86_kernel_pml4);
		active_as = as;
	}
}

void plat_as_activate(struct plat_as *as)
{
	unsigned long fl = plat_irq_save();

	as_load(as);
	plat_irq_restore(fl);
}

/* Empty entries are never cached (Intel SDM 4.10.2): as a flush anyway. */
void plat_tlb_grow(struct plat_as *as, vaddr_t va, size_t len)
{
	plat_tlb_flush(as, va, len);
}

/*
 * Only the active address space can have TLB entries: loading CR3 drops
 * every non-global entry, and user pages are never global.
 */
void plat_tlb_flush(struct plat_as *as, vaddr_t va, size_t len)
{
	unsigned long fl = plat_irq_save();
	vaddr_t end = va + len;

	if (as == active_as && len) {
		if (end < va || len / PAGE_SIZE > TLB_FLUSH_MAX_PAGES) {
			write_cr3(as->pml4);
		} else {
			for (va &= ~(PAGE_SIZE - 1); va < end; va += PAGE_SIZE)
				__asm__ __volatile__("invlpg (%0)"
						     :
						     : "r"(va)
						     : "memory");
		}
	}
	plat_irq_restore(fl);
}

/*
 * With preemption off no other thread runs on this CPU, so as stays
 * loaded and its pages stay mapped for the whole copy (interrupts still
 * come; none of them changes CR3).  Not interrupt masking: under
 * emulation every STI ends a translation block.  The copy is bounded
 * (PLAT_USER_COPY_MAX) so preemption is not held off for long.
 */
int plat_user_copy(struct plat_as *as, void *dst, const void *src, size_t n)
{
	int rc;

	sched_preempt_disable();
	as_load(as);
	rc = x86_ucopy(dst, src, n);
	sched_preempt_enable();
	return rc ? -1 : 0;
}

/* --- running user code ------------------------------------------------ */

/* Load the user's FS/GS bases (MSR writes only when they change). */
static void load_user_bases(const struct uregs *regs)
{
	uint64_t fs = regs->fs_base < USER_TOP ? regs->fs_base : 0;
	uint64_t gs = regs->gs_base < USER_TOP ? regs->gs_base : 0;

	if (fs != loaded_fs_base) {
		wrmsr(MSR_FS_BASE, fs);
		loaded_fs_base = fs;
	}
	if (gs != loaded_gs_base) {
		wrmsr(MSR_GS_BASE, gs);
		loaded_gs_base = gs;
	}
}

/* A trap that never reached user mode (bad rip, no FPU memory). */
static void synthetic_trap(struct plat_trapinfo *ti, unsigned int vector)
{
	kos_memset(ti, 0, sizeof(*ti));
	ti->reason = PLAT_TRAP_EXCEPTION;
	ti->vector = vector;
}

void plat_user_run(struct plat_as *as, struct uregs *regs,
		   struct plat_trapinfo *ti)
{
	struct thread *t = sched_current();
	struct x86_user_cont uc = { .regs = regs, .ti = ti };
	bool sysret;
	int code;

	/* User threads are kthread_create()d: a stack of their own. */
	KOS_ASSERT(t->stack && (x86_read_rflags() & X86_RFLAGS_IF));
	if (!t->plat_priv && !x86_fpu_area(t)) {
		log_err("x86: no memory for the FPU state of %s", t->name);
		synthetic_trap(ti, 7); /* #NM: the core sends SIGSEGV */
		return;
	}
	if (regs->rip >= USER_TOP) {
		/* IRETQ/SYSRETQ would fault in ring 0; Linux sends SIGSEGV. */
		synthetic_trap(ti, 13);
		return;
	}
	regs->cs = X86_SEL_USER_CS;
	regs->ss = X86_SEL_USER_DS;
	regs->eflags =
		(regs->eflags & USER_RFLAGS) | X86_RFLAGS_IF | X86_RFLAGS_FIXED;
	sysret = regs->rcx == regs->rip && regs->r11 == regs->eflags &&
		 !(regs->eflags & (X86_RFLAGS_TF | X86_RFLAGS_RF));

	x86_cli(); /* inline: a call and return per system call add up in TCG */
	if (t->user_work) {
		x86_sti();
		kos_memset(ti, 0, sizeof(*ti));
		ti->reason = PLAT_TRAP_INTERRUPTED;
		return;
	}
	as_load(as); /* not plat_as_activate(): its STI ends a TCG block */
	load_user_bases(regs);
	x86_fpu_load(t);
	code = x86_user_enter(&uc, sysret);
	/* Back in ring 0, interrupts still disabled; FPU state stays live. */
	if (code == X86_USER_SYSCALL) {
		ti->reason = PLAT_TRAP_SYSCALL;
	} else if (code == X86_USER_SYSCALL32) {
		/* 32-bit syscalls are not supported: #UD, as on Intel. */
		synthetic_trap(ti, 6);
	}
	/* X86_USER_TRAP: x86_user_trap() filled ti. */
	x86_sti();
}

/* Copy a trap frame from ring 3 into the user register file. */
static void frame_to_uregs(const struct x86_frame *f, struct uregs *r)
{
	r->r15 = f->r15;
	r->r14 = f->r14;
	r->r13 = f->r13;
	r->r12 = f->r12;
	r->rbp = f->rbp;
	r->rbx = f->rbx;
	r->r11 = f->r11;
	r->r10 = f->r10;
	r->r9 = f->r9;
	r->r8 = f->r8;
	r->rax = f->rax;
	r->rcx = f->rcx;
	r->rdx = f->rdx;
	r->rsi = f->rsi;
	r->rdi = f->rdi;
	r->orig_rax = (uint64_t)-1; /* not a system call */
	r->rip = f->rip;
	r->cs = f->cs;
	r->eflags = f->rflags;
	r->rsp = f->rsp;
	r->ss = f->ss;
}

/*
 * Called by x86_trap() for every trap from ring 3 except those on IST
 * stacks (NMI, #DF, #MC), interrupts disabled, on the thread's kernel
 * stack right below the continuation x86_user_enter() saved: the CPU
 * loaded RSP0 = cont, so cont is the end of the frame.
 */
void x86_user_trap(struct x86_frame *f)
{
	uint64_t cont = (uint64_t)(f + 1);
	struct x86_user_cont *uc = *(struct x86_user_cont **)cont;
	struct plat_trapinfo *ti = uc->ti;
	unsigned int vec = (unsigned int)f->vector;

	kos_memset(ti, 0, sizeof(*ti));
	if (vec == X86_VEC_PF) {
		ti->reason = PLAT_TRAP_PAGE_FAULT;
		ti->fault_addr = read_cr2();
		ti->fault_access =
			f->error & (PLAT_FAULT_PRESENT | PLAT_FAULT_WRITE |
				    PLAT_FAULT_USER | PLAT_FAULT_EXEC);
		ti->vector = vec;
		ti->error_code = f->error;
	} else if (vec < X86_NR_EXCEPTIONS) {
		ti->reason = PLAT_TRAP_EXCEPTION;
		ti->vector = vec;
		ti->error_code = f->error;
	} else {
		ti->reason = PLAT_TRAP_INTERRUPTED;
		ti->vector = vec;
	}
	frame_to_uregs(f, uc->regs);
	if (vec >= X86_NR_EXCEPTIONS)
		x86_interrupt(f); /* may switch threads and come back */
	x86_user_resume(cont, X86_USER_TRAP);
}
