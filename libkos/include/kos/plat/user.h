/*
 * Platform interface: address spaces and running user code.
 *
 * Declared and documented here; implemented by the platforms together with
 * the virtual-memory subsystem (see docs/architecture.md).
 *
 * Address spaces.  The core owns real x86-64 4-level page tables in
 * physical memory on both platforms.  Bare metal loads their root into CR3;
 * hosted mirrors every change into the guest's stub host process as batched
 * mmap(memfd, pa) / munmap calls.  The core tells the platform about
 * changes through plat_tlb_flush(); the platform may defer work until the
 * next plat_user_run() on that address space.
 */
#ifndef KOS_PLAT_USER_H
#define KOS_PLAT_USER_H

#include <kos/types.h>

struct plat_as; /* platform's per-address-space state (opaque) */
struct thread;

/*
 * User register file as the core sees it: Linux's x86-64 user_regs_struct
 * order, so ptrace and signal frames can copy it wholesale.
 */
struct uregs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10;
	uint64_t r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax;
	uint64_t rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base, ds, es, fs, gs;
};

/* Why plat_user_run() returned. */
enum plat_trap {
	PLAT_TRAP_SYSCALL =
		1, /* regs->orig_rax holds the number; rip is past it */
	PLAT_TRAP_PAGE_FAULT, /* fault_addr and fault_access are valid */
	PLAT_TRAP_EXCEPTION,  /* vector holds the x86 exception vector */
	PLAT_TRAP_INTERRUPTED, /* an interrupt wants the core (resched, signal) */
};

/* Access bits for page faults (x86 page-fault error-code layout). */
#define PLAT_FAULT_PRESENT 0x1
#define PLAT_FAULT_WRITE 0x2
#define PLAT_FAULT_USER 0x4
#define PLAT_FAULT_EXEC 0x10

struct plat_trapinfo {
	enum plat_trap reason;
	uint64_t fault_addr;   /* PAGE_FAULT: the faulting address */
	uint32_t fault_access; /* PAGE_FAULT: PLAT_FAULT_* bits */
	uint32_t vector;       /* EXCEPTION: vector; PAGE_FAULT: 14 */
	uint64_t error_code;   /* EXCEPTION: the CPU's error code, if any */
	/*
	 * SYSCALL: regs hold only orig_rax, the six arguments and rip; the
	 * other registers (and the FPU state) are still in the platform's
	 * hands and regs has their last known values.  The core may then
	 * write rax (the result) and nothing else, and must call
	 * plat_user_regs() before it reads or writes anything more: signal
	 * delivery, a restart, a core dump.  Set only by the hosted
	 * platform's seccomp fast path; the caller clears it before
	 * plat_user_run(), and platforms that never use it leave it alone.
	 */
	bool regs_partial;
};

/* Create platform state for an address space whose page-table root is pml4. */
struct plat_as *plat_as_create(paddr_t pml4);
void plat_as_destroy(struct plat_as *as);
/* Make as current on this CPU (metal: load CR3). */
void plat_as_activate(struct plat_as *as);
/* Page-table entries for [va, va+len) changed: drop stale translations. */
void plat_tlb_flush(struct plat_as *as, vaddr_t va, size_t len);
/*
 * The same, when the entries of [va, va+len) that changed were all empty
 * before (a fault filled them): no frame left the range and no right
 * went away.  A platform may treat it as plat_tlb_flush(); hosted need
 * not stop guest threads for it (docs/hosted-seccomp.md, "Spinning").
 */
void plat_tlb_grow(struct plat_as *as, vaddr_t va, size_t len);

/*
 * Copy n bytes (at most PLAT_USER_COPY_MAX) between the kernel and user
 * memory of address space as through the user addresses themselves, as
 * user code would access them: dst or src is the user address, src NULL
 * zeroes dst.  0, or -1 if a page was missing or lacked the right, or
 * the platform has no direct access (hosted): the caller then takes the
 * page-table walk (uaccess.c), which faults pages in or gives -EFAULT.
 * Some bytes may have been copied when it fails.  The range must lie in
 * the user half.
 */
#define PLAT_USER_COPY_MAX (4 * PAGE_SIZE)
int plat_user_copy(struct plat_as *as, void *dst, const void *src, size_t n);

/*
 * Run the calling kernel thread in user mode, in address space as, with
 * registers regs (and the thread's FPU state, kept by the platform), until
 * it traps.  Fills *ti, updates regs, and returns.  The caller is the
 * thread's kernel loop: run -> handle trap -> deliver signals -> run again.
 * Called and returns with interrupts enabled.  If the thread's user_work
 * is set when interrupts are off just before user mode would be entered,
 * it returns PLAT_TRAP_INTERRUPTED at once without running anything, so
 * work that arrived after the loop last looked is never left waiting.
 */
void plat_user_run(struct plat_as *as, struct uregs *regs,
		   struct plat_trapinfo *ti);

/*
 * The calling thread's last plat_user_run() in as returned with
 * ti->regs_partial: make regs whole.  Every register but rax, orig_rax
 * and rip (which the core owns at a system call) is filled in from the
 * user context, and the thread's FPU state becomes readable through
 * plat_fpu_save().  May block; on failure (the address space's user
 * context is gone) regs keep what they had and the next plat_user_run()
 * reports the failure.  A platform that never sets regs_partial need
 * not be called (the default does nothing).
 */
void plat_user_regs(struct plat_as *as, struct uregs *regs);

/*
 * clone() with CLONE_VM is about to give as its nthreads-th user thread
 * (the caller counts them, kos/vm.h's nr_threads): 0, or -EAGAIN if the
 * platform cannot run that many threads in one address space (hosted
 * seccomp mode: a stub thread slot each), which clone() returns as
 * Linux does when it is out of resources.  Nothing is held; the count
 * drops when a thread leaves the address space.  The default (libkos,
 * weak) allows any number.
 */
int plat_thread_reserve(struct plat_as *as, unsigned int nthreads);

/*
 * The FPU/SSE/AVX state of a user thread (kernel thread t), as an image
 * in the XSAVE standard format: the 512-byte legacy FXSAVE region, the
 * 64-byte XSAVE header, then every component plat_fpu_xfeatures() names
 * at its standard offset -- what Linux puts at the end of a signal frame
 * (without its trailing magic).  Without XSAVE the image is the legacy
 * region alone and plat_fpu_xfeatures() is 0.  Images are
 * plat_fpu_size() bytes; buffers need 64-byte alignment only where the
 * platform says so (neither platform does).
 *
 * t must be the calling thread or a thread that is not running user code
 * (a thread being created, or one stopped in the kernel).  A thread that
 * has not run user code yet holds the initial state (FCW 0x37f, MXCSR
 * 0x1f80, everything else 0) until plat_fpu_restore() gives it another;
 * it is applied when the thread first runs.  fork and clone copy the
 * parent's image into the child, execve and signal delivery reset it.
 *
 * plat_fpu_restore() checks the image as XRSTOR/FXRSTOR would (MXCSR
 * reserved bits, XSTATE_BV within the enabled features, a standard-format
 * header) and returns -EINVAL, changing nothing, if the CPU would fault
 * on it; -ENOMEM if the platform cannot allocate the state.  0 otherwise.
 */
size_t plat_fpu_size(void);
uint64_t plat_fpu_xfeatures(void);
void plat_fpu_save(struct thread *t, void *image);
int plat_fpu_restore(struct thread *t, const void *image);
void plat_fpu_reset(struct thread *t);

/*
 * Linked mode: the calling thread t (t->kernel_fpu) runs FPU/SSE code in
 * the kernel, and is about to return into it: make the FPU registers
 * hold t's state again if another thread's replaced them since (bare
 * metal: the deferred-save owner, platform/x86_64/kernel/fpu.c; the
 * platform also calls it when an interrupt returns into such a thread).
 * A default that does nothing stands for platforms where a switch keeps
 * the state anyway (hosted: a preempted thread's state is in its host
 * signal frame).  Interrupts in any state.
 */
void plat_fpu_kernel_own(struct thread *t);

#endif
