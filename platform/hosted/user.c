/*
 * Hosted guest processes: address spaces and running user code.
 *
 * Each guest address space is one stub host process (spawn.c), traced by
 * the kernel process.  Its user-mode "CPU" is that process: the guest's
 * general registers are set and read with PTRACE_SETREGS/GETREGS, its
 * FPU/SSE/AVX state simply stays in the stub between runs, and its memory
 * is the core's page tables mirrored as MAP_SHARED mappings of the RAM
 * memfd (mirror.c), so guest writes land in the very frames the core
 * reads through its direct map.
 *
 * plat_user_run():
 *   1. mirror: while ranges are dirty, build a batch (interrupts off) and
 *      let the stub execute it (PTRACE_CONT until its int3);
 *   2. with interrupts still off: let the clock change slope if it is
 *      due (hosted_clock_refine: no guest runs now), SETREGS,
 *      PTRACE_SYSEMU, and publish "this address space's guest is
 *      running" (user_waiting);
 *   3. interrupts on, waitpid() for the stub's next stop.  An interrupt
 *      dispatched now (the tick, console input) first kicks the guest
 *      (hosted_user_kick: STUB_KICK_SIG to the stub) and only then calls
 *      kos_irq_exit(), which may switch to another kernel thread right
 *      inside the handler; waitpid resumes (SA_RESTART) when this thread
 *      is switched back and returns the kick's stop;
 *   4. interrupts off, unpublish, on; GETREGS and decode the stop:
 *        SIGTRAP|0x80      system call (PTRACE_O_TRACESYSGOOD)
 *        SIGSEGV           page fault at si_addr (or #GP for SI_KERNEL)
 *        SIGILL/FPE/BUS/TRAP  exception with the x86 vector
 *        STUB_KICK_SIG or anything else   PLAT_TRAP_INTERRUPTED
 *      The signal itself is never delivered: the next resume passes 0.
 *
 * Why the kick is race-free.  user_waiting is set and cleared with
 * interrupts off and cleared by the first kick, so it is non-NULL only
 * while its owner waits; every thread switch during the wait goes through
 * an interrupt, which clears it first.  A kick that hits an already
 * stopped stub (say at a system call) stays pending in it: the syscall
 * stop is reported now, and the next resume stops at once with the kick,
 * which we report as a spurious PLAT_TRAP_INTERRUPTED.  Nothing is lost
 * and the guest never sees the signal.
 *
 * Page-fault access bits.  The x86 error code is not in the siginfo, so
 * they are derived from the core's own entry for the faulting page, which
 * the stub's mapping mirrors exactly:
 *   not present (or PROT_NONE)       read (+user); the core maps the page
 *                                    with the VMA's rights, and a retried
 *                                    write or fetch that is not allowed
 *                                    faults again on the present page
 *   present, read-only               write   (reads and fetches would work)
 *   present, writable, NX            fetch
 *   present, read-only, NX           fetch if the address is rip or the
 *                                    page rip's instruction runs into, else
 *                                    write (both are violations anyway)
 *   present with every right         the mirror was stale; read
 * Every faulting page is also marked dirty, so a stale mirror heals on
 * the next run instead of faulting forever.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
#include <kos/panic.h>
#include <kos/pgtable.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/time.h>
#include <kos/timer.h>

#include "guest.h"
#include "hosted.h"

/* The core's struct uregs is Linux's user_regs_struct, field by field. */
#define SAME_FIELD(f)                                                \
	_Static_assert(offsetof(struct uregs, f) ==                  \
			       offsetof(struct user_regs_struct, f), \
		       "uregs." #f)
SAME_FIELD(r15);
SAME_FIELD(r8);
SAME_FIELD(rax);
SAME_FIELD(orig_rax);
SAME_FIELD(rip);
SAME_FIELD(eflags);
SAME_FIELD(rsp);
SAME_FIELD(ss);
SAME_FIELD(fs_base);
SAME_FIELD(gs_base);
SAME_FIELD(gs);
_Static_assert(sizeof(struct uregs) == sizeof(struct user_regs_struct),
	       "uregs size");

/* x86 exception vectors. */
#define X86_DE 0
#define X86_DB 1
#define X86_BP 3
#define X86_UD 6
#define X86_GP 13
#define X86_PF 14
#define X86_AC 17
#define X86_XM 19

/*
 * The address space whose guest is running while its kernel thread waits
 * in plat_user_run(), or NULL.  Written with interrupts off, cleared by
 * hosted_user_kick() from interrupt context.
 */
static struct plat_as *volatile user_waiting;

/*
 * Seccomp mode: a guest thread that has not answered a kick after this
 * long has blocked the kick signal (a forged rt_sigreturn frame can) and
 * is killed: the kick watchdog (docs/hosted-seccomp.md, 4.5).
 */
#define KICK_WATCHDOG_NS 2000000000ULL

/* The host's CLOCK_MONOTONIC in ns (async-signal-safe). */
static uint64_t host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The kick watchdog's timer (a core ktimer, interrupt context): st's
 * oldest kick unanswered for KICK_WATCHDOG_NS with no message waiting
 * means the guest thread blocked the kick signal; kill the stub.  The
 * kernel thread blocked in NOTIF_RECV for st then gets ENOENT (the
 * filter lost its task) and sc_recv() reports -ETIMEDOUT.  A message
 * that came meanwhile cleared kick_ns: nothing to do.
 */
static void sc_watchdog(struct ktimer *t, void *arg)
{
	struct sc_thread *st = arg;
	struct pollfd p = { st->listener, POLLIN, 0 };
	uint64_t k = st->kick_ns, now = host_now_ns();

	if (!k || st->listener < 0 || !st->as || st->as->pid <= 0)
		return;
	if (now - k < KICK_WATCHDOG_NS || poll(&p, 1, 0) > 0) {
		/* Not yet, or its message is waiting: look again later. */
		ktimer_arm(t, clock_monotonic_ns() + KICK_WATCHDOG_NS / 4);
		return;
	}
	st->watchdog_fired = true;
	kill(st->as->pid, SIGKILL);
}

/*
 * A kick is about to go to st: remember when, unless an older one is
 * unanswered, and arm the watchdog.  Any context.
 */
static void sc_watch(struct sc_thread *st)
{
	if (st->kick_ns)
		return;
	st->kick_ns = host_now_ns();
	ktimer_arm(&st->watchdog, clock_monotonic_ns() + KICK_WATCHDOG_NS);
}

/*
 * The kick for st's host thread alone (tgkill): with a stub thread per
 * guest thread, a process-directed signal could go to any of them.
 */
static int sc_kick(struct plat_as *as, struct sc_thread *st)
{
	if (st->tid > 0)
		return (int)syscall(SYS_tgkill, as->pid, st->tid,
				    STUB_KICK_SIG);
	return kill(as->pid, STUB_KICK_SIG);
}

static void sc_thread_free(struct plat_as *as, struct sc_thread *st);

void hosted_user_kick(void)
{
	struct plat_as *as = user_waiting;

	if (as) {
		user_waiting = NULL;
		if (as->seccomp && as->run_st) {
			sc_watch(as->run_st);
			sc_kick(as, as->run_st);
		} else {
			kill(as->pid, STUB_KICK_SIG);
		}
	}
}

/* Seccomp mode's descriptors and slots (none in ptrace mode). */
static void as_close_fds(struct plat_as *as)
{
	int *fds[] = { &as->sock, &as->done_efd, &as->parked.listener };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	for (size_t i = 0; i < STUB_MAX_THREADS; i++)
		if (as->sts[i])
			sc_thread_free(as, as->sts[i]);
	if (as->slots_pa != PMM_NOPAGE)
		pmm_free(as->slots_pa, STUB_TSLOT_ORDER);
	as->slots_pa = PMM_NOPAGE;
}

static bool as_make_spare(struct plat_as *as);

struct plat_as *plat_as_create(paddr_t pml4)
{
	struct plat_as *as = kzalloc(sizeof(*as));

	if (!as)
		return NULL;
	as->pml4 = pml4;
	list_init(&as->threads);
	waitq_init(&as->run_wq);
	list_init(&as->st_free);
	mutex_init(&as->map_lock, "hosted stub mapper");
	as->sock = as->done_efd = as->parked.listener = -1;
	as->slots_pa = PMM_NOPAGE;
	as->fresh = true;
	if (hosted_mode == HOSTED_MODE_SECCOMP) {
		as->seccomp = true;
		as->per_thread = hosted_stubthreads;
	}
	/* A stub that served an address space before (spawn.c). */
	if ((!as->seccomp || as->per_thread) && !stub_spare_take(as))
		return as;
	as->cmd_pa = pmm_alloc(STUB_CMD_ORDER);
	if (as->cmd_pa == PMM_NOPAGE)
		goto out_free;
	as->cmd = plat_phys_to_virt(as->cmd_pa);
	memset(as->cmd, 0, STUB_CMD_SIZE);
	if (as->seccomp) {
		as->slots_pa = pmm_alloc(STUB_TSLOT_ORDER);
		if (as->slots_pa == PMM_NOPAGE)
			goto out_cmd;
	}
	if (stub_spawn(as))
		goto out_fds;
	return as;

out_fds:
	as_close_fds(as);
out_cmd:
	pmm_free(as->cmd_pa, STUB_CMD_ORDER);
out_free:
	kfree(as);
	return NULL;
}

void plat_as_destroy(struct plat_as *as)
{
	unsigned long fl;

	if (!as)
		return;
	fl = plat_irq_save();
	if (user_waiting == as)
		user_waiting = NULL;
	as->run_st = NULL;
	plat_irq_restore(fl);
	hosted_fpu_unbind_all(as);
	if (!as_make_spare(as))
		stub_kill(as);
	as_close_fds(as);
	if (as->cmd_pa != PMM_NOPAGE)
		pmm_free(as->cmd_pa, STUB_CMD_ORDER);
	kfree(as);
}

/* Nothing to load: the stub process is the address space. */
void plat_as_activate(struct plat_as *as)
{
}

static void sc_settle_all(struct plat_as *as);

/*
 * Spinning: a thread whose stop came through its slot may be running
 * guest code for all the kernel knows, so a change that takes rights
 * away must not wait for the next run to reach the stub (the core frees
 * or reuses the frame next): such stops are made doorbell stops first,
 * which the host vouches for, and the change is mirrored before that
 * thread runs again (docs/hosted-seccomp.md, "Spinning").
 */
void plat_tlb_flush(struct plat_as *as, vaddr_t va, size_t len)
{
	if (as && len) {
		mirror_dirty(as, va, va + len);
		if (as->nspin)
			sc_settle_all(as);
	}
}

/* Nothing is taken away: the next run maps the new entries. */
void plat_tlb_grow(struct plat_as *as, vaddr_t va, size_t len)
{
	if (as && len)
		mirror_dirty(as, va, va + len);
}

/* The guest's pages are in another process: always the page-table walk. */
int plat_user_copy(struct plat_as *as, void *dst, const void *src, size_t n)
{
	return -1;
}

/* --- decoding stops ------------------------------------------------------ */

/* Read one guest byte through the core's tables.  false if not mapped. */
static bool guest_byte(struct plat_as *as, vaddr_t va, uint8_t *b)
{
	pte_t pte = arch_pgt_lookup(as->pml4, va & PAGE_MASK);

	if (!(pte & PTE_P) || PTE_ADDR(pte) + PAGE_SIZE > hosted_ram_size)
		return false;
	*b = *((uint8_t *)plat_phys_to_virt(PTE_ADDR(pte)) + (va & ~PAGE_MASK));
	return true;
}

/*
 * A SYSEMU stop is any system-call entry, including the 32-bit ones
 * (int $0x80, sysenter) that the host would run as compat calls.  KOS
 * implements the 64-bit ABI only; on bare metal int $0x80 is a #GP.
 * Returns true for a 64-bit "syscall" (0f 05 just before rip).
 */
static bool is_syscall64(struct plat_as *as, const struct uregs *regs,
			 uint64_t *gp_error)
{
	uint8_t b0, b1;

	if (!guest_byte(as, regs->rip - 2, &b0) ||
	    !guest_byte(as, regs->rip - 1, &b1))
		return true;
	if (b0 == 0x0f && b1 == 0x05)
		return true;
	/* int n faults with error code (n << 3) | IDT; sysenter plainly. */
	*gp_error = b0 == 0xcd ? ((uint64_t)b1 << 3) | 2 : 0;
	return false;
}

static void set_exception(struct plat_trapinfo *ti, uint32_t vector,
			  uint64_t error_code)
{
	ti->reason = PLAT_TRAP_EXCEPTION;
	ti->vector = vector;
	ti->error_code = error_code;
}

/* Page fault at addr: derive the access (see the top of the file). */
static void set_page_fault(struct plat_as *as, const struct uregs *regs,
			   uint64_t addr, struct plat_trapinfo *ti)
{
	pte_t pte = addr < PGT_USER_END
			    ? arch_pgt_lookup(as->pml4, addr & PAGE_MASK)
			    : 0;
	uint32_t access = PLAT_FAULT_USER;
	bool fetch = addr == regs->rip ||
		     ((addr & ~PAGE_MASK) == 0 && addr > regs->rip &&
		      addr - regs->rip < 15);

	if (pte & PTE_P) {
		access |= PLAT_FAULT_PRESENT;
		if (!(pte & PTE_RW) && !(pte & PTE_NX))
			access |= PLAT_FAULT_WRITE;
		else if ((pte & PTE_RW) && (pte & PTE_NX))
			access |= PLAT_FAULT_EXEC;
		else if (!(pte & PTE_RW))
			access |= fetch ? PLAT_FAULT_EXEC : PLAT_FAULT_WRITE;
	}
	ti->reason = PLAT_TRAP_PAGE_FAULT;
	ti->fault_addr = addr;
	ti->fault_access = access;
	ti->vector = X86_PF;
	ti->error_code = access;
	if (addr < STUB_HOST_TOP)
		mirror_fault(as, addr);
}

static void decode_siginfo(struct plat_as *as, int sig, const siginfo_t *si,
			   const struct uregs *regs, struct plat_trapinfo *ti);

/* Decode a signal-delivery stop of the guest (signal sig). */
static void decode_signal(struct plat_as *as, int sig, const struct uregs *regs,
			  struct plat_trapinfo *ti)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGTRAP)
		ptrace(PTRACE_GETSIGINFO, as->pid, NULL, &si);
	decode_siginfo(as, sig, &si, regs, ti);
}

/* Decode the guest's signal sig (si: its siginfo, already copied). */
static void decode_siginfo(struct plat_as *as, int sig, const siginfo_t *si_,
			   const struct uregs *regs, struct plat_trapinfo *ti)
{
	const siginfo_t si = *si_;

	if (sig == STUB_KICK_SIG) {
		ti->reason = PLAT_TRAP_INTERRUPTED;
		return;
	}
	switch (sig) {
	case SIGSEGV:
		if (si.si_code == SEGV_MAPERR || si.si_code == SEGV_ACCERR ||
		    si.si_code == SEGV_PKUERR)
			set_page_fault(as, regs, (uint64_t)si.si_addr, ti);
		else
			set_exception(ti, X86_GP, 0);
		return;
	case SIGBUS:
		set_exception(ti, X86_AC, 0);
		return;
	case SIGILL:
		set_exception(ti, X86_UD, 0);
		return;
	case SIGFPE:
		if (si.si_code == FPE_INTDIV || si.si_code == FPE_INTOVF)
			set_exception(ti, X86_DE, 0);
		else
			set_exception(ti, X86_XM, 0);
		return;
	case SIGTRAP:
		set_exception(ti, si.si_code == SI_KERNEL ? X86_BP : X86_DB, 0);
		return;
	default:
		/* A stray host signal (job control, ...): swallowed. */
		ti->reason = PLAT_TRAP_INTERRUPTED;
		return;
	}
}

/* The stub is gone or unusable: the guest dies as of a #GP. */
static void stub_failed(struct plat_as *as, const char *what, int err,
			struct plat_trapinfo *ti)
{
	if (!as->dead)
		log_err("hosted: guest stub %d: %s failed (error %d)", as->pid,
			what, err);
	as->dead = true;
	set_exception(ti, X86_GP, 0);
}

/*
 * Make the stub's mappings match the core's tables.  Interrupts off on
 * entry and exit (*fl is the state to restore while the stub works).
 * 0 or -errno.
 */
static int mirror_sync(struct plat_as *as, unsigned long *fl)
{
	int err = 0;

	while (as->ndirty && !err) {
		unsigned int n = mirror_build(as);
		uint64_t t0;

		if (!n)
			break;
		plat_irq_restore(*fl);
		t0 = hosted_prof_now();
		err = stub_run_batch(as, n);
		hosted_prof_add(as->fresh ? HOSTED_PROF_MIRROR_FIRST
					  : HOSTED_PROF_MIRROR,
				t0, n);
		*fl = plat_irq_save();
	}
	as->fresh = false;
	return err;
}

/*
 * What both modes do before the guest may run: bind the calling thread
 * to the stub (its FPU state there), mirror the core's tables, let the
 * clock change slope (interrupts off and no guest running), and give up
 * if work arrived for the thread meanwhile.  true with interrupts off
 * (*fl: the state to restore once the guest is published); false with
 * *ti filled in (a failure, or PLAT_TRAP_INTERRUPTED) and interrupts as
 * on entry.
 */
static bool run_prepare(struct plat_as *as, unsigned long *fl,
			struct plat_trapinfo *ti)
{
	int err = hosted_fpu_bind(sched_current(), as);

	if (err) {
		stub_failed(as, "loading the FPU state", err, ti);
		return false;
	}
	*fl = plat_irq_save();
	err = mirror_sync(as, fl);
	if (err) {
		plat_irq_restore(*fl);
		stub_failed(as, "mirroring (host map count?)", err, ti);
		return false;
	}
	/* Interrupts are off and no guest runs: the clock may change. */
	hosted_clock_refine();
	if (sched_current()->user_work) {
		plat_irq_restore(*fl);
		ti->reason = PLAT_TRAP_INTERRUPTED;
		return false;
	}
	return true;
}

static void user_run_locked(struct plat_as *as, struct uregs *regs,
			    struct plat_trapinfo *ti);
static void seccomp_run_locked(struct plat_as *as, struct uregs *regs,
			       struct plat_trapinfo *ti);

/*
 * Threads sharing an address space share its stub, and a thread that was
 * kicked off the CPU still has a stop to collect from it: the stub is
 * run by one thread at a time, from its SETREGS to its last waitpid.
 * The turns go in ticket order, not to whoever grabs a lock first: a
 * thread whose guest spins without system calls comes back after every
 * kick (each interrupt kicks the running guest), and with a mutex it
 * took the lock again before the sibling it had just woken could run,
 * so the sibling never ran (check/linked/threads.c's spin test hung).
 */
static void run_turn_take(struct plat_as *as)
{
	struct waitq_entry e;
	unsigned long fl = plat_irq_save();
	unsigned int me = as->run_next++;

	for (;;) {
		waitq_prepare(&as->run_wq, &e);
		if (as->run_serving == me)
			break;
		waitq_sleep(&e, UINT64_MAX);
	}
	waitq_finish(&as->run_wq, &e);
	plat_irq_restore(fl);
}

static void run_turn_give(struct plat_as *as)
{
	unsigned long fl = plat_irq_save();

	as->run_serving++;
	waitq_wake_all(&as->run_wq);
	plat_irq_restore(fl);
}

void plat_user_run(struct plat_as *as, struct uregs *regs,
		   struct plat_trapinfo *ti)
{
	/* A stub thread per guest thread: no turns (seccomp_run_locked). */
	if (as->seccomp && as->per_thread) {
		memset(ti, 0, sizeof(*ti));
		if (as->dead)
			set_exception(ti, X86_GP, 0);
		else
			seccomp_run_locked(as, regs, ti);
		return;
	}
	run_turn_take(as);
	user_run_locked(as, regs, ti);
	run_turn_give(as);
}

static void user_run_locked(struct plat_as *as, struct uregs *regs,
			    struct plat_trapinfo *ti)
{
	struct user_regs_struct hr;
	unsigned long fl;
	uint64_t gp_error = 0, t0;
	int status, err, sig;

	memset(ti, 0, sizeof(*ti));
	if (as->dead) {
		set_exception(ti, X86_GP, 0);
		return;
	}
	if (as->seccomp) {
		seccomp_run_locked(as, regs, ti);
		return;
	}
	if (!run_prepare(as, &fl, ti))
		return;

	/* Start the guest and publish it. */
	memcpy(&hr, regs, sizeof(hr));
	hr.cs = stub_regs_template.cs;
	hr.ss = stub_regs_template.ss;
	hr.orig_rax = -1UL; /* no host syscall-restart games */
	if (ptrace(PTRACE_SETREGS, as->pid, NULL, &hr) < 0) {
		err = -errno;
		plat_irq_restore(fl);
		/* Bad segment or base values (EIO): a #GP on the way out. */
		if (err == -EIO)
			set_exception(ti, X86_GP, 0);
		else
			stub_failed(as, "PTRACE_SETREGS", err, ti);
		return;
	}
	hosted_fpu_running(as);
	if (ptrace(PTRACE_SYSEMU, as->pid, NULL, NULL) < 0) {
		err = -errno;
		plat_irq_restore(fl);
		stub_failed(as, "PTRACE_SYSEMU", err, ti);
		return;
	}
	user_waiting = as;
	plat_irq_restore(fl);

	t0 = hosted_prof_now();
	err = stub_wait(as, &status);
	hosted_prof_add(HOSTED_PROF_GUEST, t0, 0);

	fl = plat_irq_save();
	if (user_waiting == as)
		user_waiting = NULL;
	plat_irq_restore(fl);

	if (err) {
		stub_failed(as, "waitpid", err, ti);
		return;
	}
	if (!WIFSTOPPED(status)) {
		log_err("hosted: guest stub %d died (status %#x)", as->pid,
			status);
		as->pid = 0;
		stub_failed(as, "running", -ECHILD, ti);
		return;
	}
	if (ptrace(PTRACE_GETREGS, as->pid, NULL, &hr) < 0) {
		stub_failed(as, "PTRACE_GETREGS", -errno, ti);
		return;
	}
	/* Everything but the selectors the core chose itself. */
	hr.cs = regs->cs;
	hr.ss = regs->ss;
	memcpy(regs, &hr, sizeof(hr));

	sig = WSTOPSIG(status);
	if (sig == (SIGTRAP | 0x80)) {
		if (is_syscall64(as, regs, &gp_error)) {
			ti->reason = PLAT_TRAP_SYSCALL;
			return;
		}
		/* A fault leaves rip and rax as they were. */
		regs->rip -= 2;
		regs->rax = regs->orig_rax;
		set_exception(ti, X86_GP, gp_error);
		return;
	}
	decode_signal(as, sig, regs, ti);
}

/* --- seccomp mode ------------------------------------------------------- */

/*
 * Wait for the guest thread's next doorbell and take its message: the
 * slot header, the ucontext and the siginfo are copied once into as and
 * validated there; nothing in the slot is read again or followed.  A
 * message that does not describe a frame inside the slot is hostile (or
 * broken): -EPROTO, and the guest dies.  0, -ECHILD (stub gone) or -errno.
 */
static int sc_take_frame(struct plat_as *as, struct sc_thread *st);

static int sc_recv(struct plat_as *as, struct sc_thread *st)
{
	struct pollfd p[2] = { { st->listener, POLLIN, 0 },
			       { as->sock, 0, 0 } };
	struct seccomp_notif n;

	st->frame_valid = false;
	for (;;) {
		int r;

		/*
		 * Block in NOTIF_RECV itself (no poll first: one host call
		 * per stop less).  It returns ENOENT for a notification
		 * withdrawn before we took it (a kick) and when the
		 * thread is gone (its filter lost its last task, e.g. the
		 * watchdog killed the stub); a poll tells the two apart.
		 */
		memset(&n, 0, sizeof(n));
		if (ioctl(st->listener, SECCOMP_IOCTL_NOTIF_RECV, &n) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != ENOENT)
			return -errno;
		r = poll(p, 2, 0);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 &&
		    ((p[0].revents & (POLLHUP | POLLERR)) || p[1].revents))
			return st->watchdog_fired ? -ETIMEDOUT : -ECHILD;
	}
	if (n.data.nr != STUB_DOORBELL_NR) {
		/*
		 * A guest system call on the fast path: only once the thread
		 * runs guest code, and only with the filter that has one.
		 */
		if (!st->doorbell_ip || !as->cmd->fastpath ||
		    n.data.arch != AUDIT_ARCH_X86_64)
			return -EPROTO;
		st->notif_id = n.id;
		st->kick_ns = 0;
		st->fast_nr = n.data.nr;
		st->fast_ip = n.data.instruction_pointer;
		memcpy(st->fast_args, n.data.args, sizeof(st->fast_args));
		st->fast_valid = true;
		return 0;
	}
	if (st->doorbell_ip && n.data.instruction_pointer != st->doorbell_ip)
		return -EPROTO;
	st->doorbell_ip = n.data.instruction_pointer;
	st->notif_id = n.id;
	st->kick_ns = 0;
	if (!st->started)
		st->tid = (pid_t)n.pid;
	return sc_take_frame(as, st);
}

/*
 * The stop st's slot header describes: header, frame and siginfo copied
 * once and validated (sc_recv()).  0 or -EPROTO.
 */
static int sc_take_frame(struct plat_as *as, struct sc_thread *st)
{
	unsigned long fp, base, fpsize = plat_fpu_size();
	struct stub_tslot h;

	memcpy(&h, st->slots, sizeof(h));
	if (h.frame_off < STUB_TSLOT_HDR || h.frame_off % 8 ||
	    h.frame_off > STUB_TSLOT_SIZE - sizeof(st->uc) ||
	    h.info_off < STUB_TSLOT_HDR || h.info_off % 8 ||
	    h.info_off > STUB_TSLOT_SIZE - sizeof(st->info) ||
	    (h.kind != STUB_MSG_SIGNAL && h.kind != STUB_MSG_NEW) ||
	    h.signo < 1 || h.signo > 64)
		return -EPROTO;
	memcpy(&st->uc, st->slots + h.frame_off, sizeof(st->uc));
	memcpy(st->info, st->slots + h.info_off, sizeof(st->info));
	base = STUB_SLOTS + st->slot * STUB_TSLOT_SIZE;
	fp = st->uc.fpstate - base;
	if (st->uc.fpstate < base + STUB_TSLOT_HDR || fp % 64 ||
	    fp > STUB_TSLOT_SIZE - fpsize)
		return -EPROTO;
	st->frame_off = h.frame_off;
	st->fp_off = fp;
	st->fast_valid = false;
	st->kind = h.kind;
	st->signo = h.signo;
	if (as->cmd->fsgsbase) {
		st->fsbase = h.fsbase;
		st->gsbase = h.gsbase;
	}
	st->frame_valid = true;
	return 0;
}

/* --- spinning (docs/hosted-seccomp.md, "Spinning") ---------------------- */

/*
 * How long a spin stop may take to become a doorbell stop when asked
 * (sc_spin_settle()): the handler rings at once, unless it is hostile.
 */
#define SPIN_SETTLE_NS 2000000000ULL

/*
 * The stub thread whose spin stop the kernel took last, while its
 * handler may still be waiting in the slot: when another guest thread
 * is resumed, it is told to ring the doorbell instead, so that it does
 * not keep the stubs' CPU from the one that runs.  Interrupts off.
 */
static struct sc_thread *spin_last;

static volatile unsigned int *sc_spin_word(struct sc_thread *st)
{
	return &((struct stub_tslot *)st->slots)->spin;
}

/*
 * Turn the slot's REQ into to (REPLY: the answer; SLEEP: ring the
 * doorbell).  true if the handler was still waiting there.
 */
static bool sc_spin_cas(struct sc_thread *st, unsigned int to)
{
	unsigned int v = STUB_SPIN_REQ;

	return __atomic_compare_exchange_n(sc_spin_word(st), &v, to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* st's stop came through its slot (on), or is answered or settled. */
static void sc_spin_mark(struct plat_as *as, struct sc_thread *st, bool on)
{
	unsigned long fl = plat_irq_save();

	if (st->spin_stop != on) {
		st->spin_stop = on;
		if (on)
			as->nspin++;
		else
			as->nspin--;
	}
	if (on)
		spin_last = st;
	else if (spin_last == st)
		spin_last = NULL;
	plat_irq_restore(fl);
}

/*
 * Wait up to hosted_spin_ns for st's guest thread to stop through its
 * slot (STUB_SPIN_REQ), interrupts on.  1: it did, and the frame is
 * taken (sc_take_frame()), a spin stop; 0: not yet, wait for a
 * notification; -EPROTO: the slot describes no frame.
 */
static int sc_spin_wait(struct plat_as *as, struct sc_thread *st)
{
	volatile unsigned int *w = sc_spin_word(st);
	uint64_t deadline = 0;
	int err;

	if (!st->started || !st->doorbell_ip)
		return 0;
	for (unsigned int i = 0;; i++) {
		if (__atomic_load_n(w, __ATOMIC_ACQUIRE) == STUB_SPIN_REQ)
			break;
		if ((i & 63) == 63) {
			uint64_t now = host_now_ns();

			if (!deadline)
				deadline = now + hosted_spin_ns;
			else if (now >= deadline)
				return 0;
		}
		__asm__ __volatile__("pause" ::: "memory");
	}
	st->kick_ns = 0;
	err = sc_take_frame(as, st);
	if (err)
		return err;
	sc_spin_mark(as, st, true);
	return 1;
}

static int sc_notif_wait(struct plat_as *as, struct sc_thread *st,
			 struct seccomp_notif *n, uint64_t deadline);

/*
 * A spin stop becomes a doorbell stop, which the host vouches for: the
 * thread blocks in the doorbell call until answered.  Until then it may
 * be running guest code for all the kernel knows (the slot is the
 * guest's to write).  Its handler is asked to ring (REQ turned into
 * SLEEP; a handler that stopped waiting rings anyway), and the kernel
 * takes that notification, the frame already copied.  0, or -errno:
 * the thread did not ring from its doorbell in time, and the caller
 * must kill the stub.
 */
static int sc_spin_settle(struct plat_as *as, struct sc_thread *st)
{
	struct seccomp_notif n;
	int err;

	if (!st->spin_stop)
		return 0;
	sc_spin_cas(st, STUB_SPIN_SLEEP);
	err = sc_notif_wait(as, st, &n, host_now_ns() + SPIN_SETTLE_NS);
	if (!err &&
	    (n.data.nr != STUB_DOORBELL_NR ||
	     n.data.instruction_pointer != st->doorbell_ip ||
	     n.data.arch != AUDIT_ARCH_X86_64 || (pid_t)n.pid != st->tid))
		err = -EPROTO;
	sc_spin_mark(as, st, false);
	if (err) {
		st->frame_valid = false;
		return err;
	}
	st->notif_id = n.id;
	return 0;
}

/*
 * Settle every spin stop of as (plat_tlb_flush()).  A thread that does
 * not ring when asked kills its stub: it may run on with mappings the
 * core is taking away.
 */
static void sc_settle_all(struct plat_as *as)
{
	unsigned long fl = plat_irq_save();

	for (unsigned int i = 0; i < STUB_MAX_THREADS && as->nspin; i++) {
		struct sc_thread *st = as->sts[i];
		int err;

		if (!st || !st->spin_stop)
			continue;
		err = sc_spin_settle(as, st);
		if (!err)
			continue;
		if (!as->dead)
			log_warn("hosted: guest stub %d: thread %u did not "
				 "ring its doorbell when asked (error %d): "
				 "killed",
				 as->pid, i, err);
		/* Gone before the core frees anything: killed and reaped. */
		stub_kill(as);
	}
	plat_irq_restore(fl);
}

/*
 * regs into the frame of the doorbell the guest thread waits at (the
 * selectors stay the host's, from the start trap; no signal blocked
 * after rt_sigreturn), the fs/gs base for the handler to load.
 */
static void sc_frame_write(struct sc_thread *st, const struct uregs *regs)
{
	struct stub_ucontext *f = (void *)(st->slots + st->frame_off);
	struct stub_tslot *slot = (void *)st->slots;
	unsigned long *g = f->gregs;
	unsigned long base = STUB_SLOTS + st->slot * STUB_TSLOT_SIZE;

	g[REG_R8] = regs->r8;
	g[REG_R9] = regs->r9;
	g[REG_R10] = regs->r10;
	g[REG_R11] = regs->r11;
	g[REG_R12] = regs->r12;
	g[REG_R13] = regs->r13;
	g[REG_R14] = regs->r14;
	g[REG_R15] = regs->r15;
	g[REG_RDI] = regs->rdi;
	g[REG_RSI] = regs->rsi;
	g[REG_RBP] = regs->rbp;
	g[REG_RBX] = regs->rbx;
	g[REG_RDX] = regs->rdx;
	g[REG_RAX] = regs->rax;
	g[REG_RCX] = regs->rcx;
	g[REG_RSP] = regs->rsp;
	g[REG_RIP] = regs->rip;
	g[REG_EFL] = regs->eflags;
	g[REG_CSGSFS] = st->csgsfs;
	/*
	 * What else rt_sigreturn reads, from what the kernel knows, not
	 * from the slot: another guest thread may have rewritten the frame
	 * since the copy (docs/hosted-seccomp.md, section 5).  uc_stack is
	 * ignored there (the handler runs on that stack).
	 */
	f->uc_flags = st->uc_flags;
	f->fpstate = base + st->fp_off;
	f->sigmask = 0;
	slot->set_fsbase = st->fsbase = regs->fs_base;
	slot->set_gsbase = st->gsbase = regs->gs_base;
}

/*
 * Answer the waiting doorbell: regs into the frame (the selectors stay
 * the host's, from the start trap; no signal blocked after rt_sigreturn),
 * the fs/gs base for the handler to load.  A spin stop is answered in
 * the slot if its handler still waits there.  0 or -errno.
 */
static int sc_send(struct plat_as *as, struct sc_thread *st,
		   const struct uregs *regs)
{
	struct seccomp_notif_resp r;
	int err;

	sc_frame_write(st, regs);
	if (st->spin_stop) {
		/* Its handler still waits in the slot, or it rings. */
		if (sc_spin_cas(st, STUB_SPIN_REPLY)) {
			sc_spin_mark(as, st, false);
			st->frame_valid = false;
			return 0;
		}
		err = sc_spin_settle(as, st);
		if (err)
			return err;
	}
	st->frame_valid = false;
	memset(&r, 0, sizeof(r));
	r.id = st->notif_id;
	if (ioctl(st->listener, SECCOMP_IOCTL_NOTIF_SEND, &r) < 0)
		return errno == ENOENT ? -ECHILD : -errno;
	return 0;
}

/* The XSAVE area of the frame is what the ptrace image is (fpu.c)? */
static bool sc_fpu_frame_ok(struct sc_thread *st)
{
	const unsigned char *fp = st->slots + st->fp_off;
	uint32_t magic1, xsize;

	if (!plat_fpu_xfeatures())
		return true;
	memcpy(&magic1, fp + 464, 4);
	memcpy(&xsize, fp + 464 + 16, 4);
	if (magic1 == 0x46505853 /* FP_XSTATE_MAGIC1 */ &&
	    xsize == plat_fpu_size())
		return true;
	log_err("hosted: seccomp mode: the signal frame's XSAVE area (magic "
		"%#x, %u bytes) is not the ptrace layout (%zu bytes)",
		magic1, xsize, plat_fpu_size());
	return false;
}

/*
 * The guest thread's listener, sent over as->sock.  A guest could send
 * other descriptors of its stub there (the send site is reachable), but
 * only its own: the RAM memfd, the eventfd, the socket, which fail as
 * listeners (the guest dies).  0 or -errno.
 */
static int sc_take_listener(struct plat_as *as, struct sc_thread *st)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} c;
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h;
	int n = 0, fds[4];

	memset(&c, 0, sizeof(c));
	if (recvmsg(as->sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
		return -errno;
	for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0;
		     i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (n < 4)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	if (n != 1) {
		while (n)
			close(fds[--n]);
		return -EPROTO;
	}
	st->listener = fds[0];
	return 0;
}

/*
 * A new stub thread for as in its first free slot (not started yet): slot
 * 0's RAM is the one the stub mapped at its start, the others get their
 * own.  NULL if every slot is taken (-EAGAIN) or memory is short.
 */
static struct sc_thread *sc_thread_new(struct plat_as *as, int *errp)
{
	struct sc_thread *st;
	unsigned int i;

	for (i = 0; i < STUB_MAX_THREADS && as->sts[i]; i++)
		;
	*errp = -EAGAIN;
	if (i == STUB_MAX_THREADS)
		return NULL;
	*errp = -ENOMEM;
	st = kzalloc(sizeof(*st));
	if (!st)
		return NULL;
	st->slot = i;
	st->as = as;
	ktimer_init(&st->watchdog, sc_watchdog, st);
	st->listener = -1;
	st->slot_pa = PMM_NOPAGE;
	list_init(&st->free_link);
	if (i) {
		st->slot_pa = pmm_alloc(STUB_TSLOT_ORDER);
		if (st->slot_pa == PMM_NOPAGE) {
			kfree(st);
			return NULL;
		}
	}
	st->slots = plat_phys_to_virt(i ? st->slot_pa : as->slots_pa);
	memset(st->slots, 0, STUB_TSLOT_SIZE);
	as->sts[i] = st;
	return st;
}

/* Forget st (its host thread is gone or about to be, with the stub). */
static void sc_thread_free(struct plat_as *as, struct sc_thread *st)
{
	sc_spin_mark(as, st, false);
	ktimer_cancel(&st->watchdog);
	as->sts[st->slot] = NULL;
	list_del(&st->free_link);
	if (st->listener >= 0)
		close(st->listener);
	if (st->slot_pa != PMM_NOPAGE)
		pmm_free(st->slot_pa, STUB_TSLOT_ORDER);
	kfree(st);
}

/*
 * Where every stub's guest threads trap at their start (stub.c:
 * stub_start_trap; the stub is linked at a fixed address), learnt from
 * the first start trap of all, before any guest code ever ran in a stub.
 * sc_unpark() sends a parked thread there.
 */
static unsigned long stub_start_trap_ip;

/*
 * The end of a start: st's first stop must be the start trap, with a
 * frame of the layout fpu.c expects.  0 or -EPROTO.
 */
static int sc_started(struct plat_as *as, struct sc_thread *st, uint64_t t0,
		      unsigned int phase)
{
	int err = sc_recv(as, st);

	if (err)
		return err;
	if (st->kind != STUB_MSG_NEW || st->signo != SIGILL ||
	    !sc_fpu_frame_ok(st))
		return -EPROTO;
	if (!stub_start_trap_ip)
		stub_start_trap_ip = st->uc.gregs[REG_RIP];
	st->csgsfs = st->uc.gregs[REG_CSGSFS];
	st->uc_flags = st->uc.uc_flags;
	st->started = true;
	if (phase != HOSTED_PROF_UNPARK)
		hosted_spin_place(st->tid);
	hosted_prof_add(phase, t0, 0);
	return 0;
}

/*
 * Start st's guest thread (STUB_OP_CLONE through the mapper, after
 * mapping its slot), take the listener it sends, and wait for its first
 * stop at the start trap.  Per-thread mode: under as->map_lock.  0 or
 * -errno.
 */
static int sc_start(struct plat_as *as, struct sc_thread *st)
{
	unsigned long slot = STUB_SLOTS + st->slot * STUB_TSLOT_SIZE;
	uint64_t t0 = hosted_prof_now();
	unsigned int n = 0;
	int err;

	memset(st->slots, 0, STUB_TSLOT_HDR);
	as->cmd->ss_sp = slot + STUB_TSLOT_HDR;
	as->cmd->ss_flags = 0;
	as->cmd->ss_size = STUB_TSLOT_SIZE - STUB_TSLOT_HDR;
	as->cmd->fsgsbase = (getauxval(AT_HWCAP2) & 2 /* FSGSBASE */) != 0;
	as->cmd->fastpath = hosted_fastpath;
	as->cmd->spin_tsc = hosted_spin_tsc;
	if (st->slot) {
		memset(&as->cmd->ops[n], 0, sizeof(as->cmd->ops[n]));
		as->cmd->ops[n].kind = STUB_OP_MAP;
		as->cmd->ops[n].addr = slot;
		as->cmd->ops[n].len = STUB_TSLOT_SIZE;
		as->cmd->ops[n].off = st->slot_pa;
		as->cmd->ops[n].prot = PROT_READ | PROT_WRITE;
		n++;
	}
	memset(&as->cmd->ops[n], 0, sizeof(as->cmd->ops[n]));
	as->cmd->ops[n++].kind = STUB_OP_CLONE;
	err = stub_run_batch(as, n);
	if (!err)
		err = stub_wait_fd(as, as->sock);
	if (!err)
		err = sc_take_listener(as, st);
	if (err)
		return err;
	return sc_started(as, st, t0, HOSTED_PROF_TSTART);
}

/*
 * Where a parked thread's stack pointer is while it waits (sc_park()):
 * the end of its slot's header, below the alternate stack, so that the
 * start trap it goes on to takes a frame at the top of that stack as a
 * new thread's does.  The one word there is its return address.
 */
#define STUB_PARK_SP (STUB_TSLOT_HDR - 16)
_Static_assert(sizeof(struct stub_tslot) <= STUB_PARK_SP, "park word");

/*
 * Slot 0's thread of an address space taken from a spare (as->parked)
 * becomes st: the slot (wiped by sc_thread_new()) gets the parked
 * thread's return address, stub_start_trap; the answer to its
 * notification sends it there, and it stops at the start trap as a new
 * thread.  Per-thread mode, under as->map_lock.  0 or -errno.
 */
static int sc_unpark(struct plat_as *as, struct sc_thread *st)
{
	struct seccomp_notif_resp r = { .id = as->parked.id };
	uint64_t t0 = hosted_prof_now();
	int err;

	st->listener = as->parked.listener;
	as->parked.listener = -1;
	st->tid = as->parked.tid;
	st->doorbell_ip = as->parked.doorbell_ip;
	memcpy(st->slots + STUB_PARK_SP, &stub_start_trap_ip,
	       sizeof(stub_start_trap_ip));
	if (ioctl(st->listener, SECCOMP_IOCTL_NOTIF_SEND, &r) < 0)
		err = errno == ENOENT ? -ECHILD : -errno;
	else
		err = sc_started(as, st, t0, HOSTED_PROF_UNPARK);
	/* It came the way sc_park() sent it, or something went wrong. */
	if (!err && st->uc.gregs[REG_RSP] != STUB_SLOTS + STUB_PARK_SP + 8)
		err = -EPROTO;
	/* A thread in an unknown state: the stub must not become a spare. */
	if (err)
		as->dead = true;
	return err;
}

/* The registers of the frame as_recv() took, into regs. */
static void sc_regs(const struct sc_thread *st, struct uregs *regs)
{
	const unsigned long *g = st->uc.gregs;

	regs->r8 = g[REG_R8];
	regs->r9 = g[REG_R9];
	regs->r10 = g[REG_R10];
	regs->r11 = g[REG_R11];
	regs->r12 = g[REG_R12];
	regs->r13 = g[REG_R13];
	regs->r14 = g[REG_R14];
	regs->r15 = g[REG_R15];
	regs->rdi = g[REG_RDI];
	regs->rsi = g[REG_RSI];
	regs->rbp = g[REG_RBP];
	regs->rbx = g[REG_RBX];
	regs->rdx = g[REG_RDX];
	regs->rax = g[REG_RAX];
	regs->rcx = g[REG_RCX];
	regs->rsp = g[REG_RSP];
	regs->rip = g[REG_RIP];
	regs->eflags = g[REG_EFL];
	regs->orig_rax = -1UL;
	regs->fs_base = st->fsbase;
	regs->gs_base = st->gsbase;
}

/*
 * Answer the fast-path call the guest thread waits in with rax.  0 or
 * -errno (-ECHILD: the thread is gone).
 */
static int sc_answer(struct sc_thread *st, uint64_t rax)
{
	struct seccomp_notif_resp r = { .id = st->notif_id };
	int64_t v = (int64_t)rax;

	/*
	 * A restart code would have the host back the call up (the kick's
	 * SA_RESTART); the core makes the registers whole before it leaves
	 * one (restart_syscall_regs()), so this is a core bug: fail the
	 * call instead of repeating it.
	 */
	if (v >= -516 && v <= -512) {
		log_warn("hosted: restart code %lld on the fast path",
			 (long long)v);
		v = -EINTR;
	}
	r.val = v;
	st->fast_valid = false;
	if (ioctl(st->listener, SECCOMP_IOCTL_NOTIF_SEND, &r) < 0)
		return errno == ENOENT ? -ECHILD : -errno;
	return 0;
}

/*
 * The kick trick: turn the fast-path stop the guest thread waits in into
 * a doorbell stop, whose frame holds all its registers and FPU state.
 * The kick goes first, the answer (0) after it: the filter's
 * WAIT_KILLABLE_RECV keeps the kick from withdrawing a notification the
 * kernel has taken, so the call returns 0 and the kick is delivered on
 * the way out, its frame the registers right after the call.  A guest
 * that blocked the kick (a forged frame) runs on instead: its next
 * message is not the kick's, or none comes and the watchdog fires; it
 * dies either way.  The frame's stop_owner's registers go to its held
 * copy.  0 or -errno (the guest must die).
 */
static int sc_convert(struct plat_as *as, struct sc_thread *st)
{
	struct hosted_uthread *owner = st->stop_owner;
	int err;

	if (as->pid <= 0)
		return -ECHILD;
	sc_watch(st);
	if (sc_kick(as, st) < 0)
		return -errno;
	err = sc_answer(st, 0);
	if (!err)
		err = sc_recv(as, st);
	if (!err && (!st->frame_valid || st->kind != STUB_MSG_SIGNAL ||
		     st->signo != STUB_KICK_SIG))
		err = -EPROTO;
	if (err)
		return err;
	if (owner) {
		memset(&owner->held, 0, sizeof(owner->held));
		sc_regs(st, &owner->held);
		owner->held_valid = true;
	}
	return 0;
}

/*
 * hu's held registers (sc_convert()) into its partial regs: all but rax,
 * orig_rax and rip, which the core owns at a system call (the frame's
 * rax is what the call was answered with), and the selectors.
 */
static void sc_merge_held(struct hosted_uthread *hu, struct uregs *regs)
{
	uint64_t rax = regs->rax, orig_rax = regs->orig_rax, rip = regs->rip;
	uint64_t cs = regs->cs, ss = regs->ss;

	if (!hu->held_valid)
		return;
	*regs = hu->held;
	regs->rax = rax;
	regs->orig_rax = orig_rax;
	regs->rip = rip;
	regs->cs = cs;
	regs->ss = ss;
	hu->held_valid = false;
}

static void sc_failed(struct plat_as *as, const char *what, int err,
		      struct plat_trapinfo *ti);

/*
 * clone() of a thread into as (kos/plat/user.h): in per-thread mode each
 * thread needs one of the STUB_MAX_THREADS slots, so one more is EAGAIN.
 */
int plat_thread_reserve(struct plat_as *as, unsigned int nthreads)
{
	if (as && as->seccomp && as->per_thread && nthreads > STUB_MAX_THREADS)
		return -EAGAIN;
	return 0;
}

/*
 * Per-thread mode: the calling thread's stub thread in as, found,
 * taken from those of ended threads, or started; its FPU state loaded
 * into the frame when it is new to the thread.  NULL with *errp set if
 * there is none (-EAGAIN: every slot taken).
 */
static struct sc_thread *sc_bind(struct plat_as *as, struct hosted_uthread *hu,
				 int *errp)
{
	struct sc_thread *st;
	unsigned long fl;
	int err = 0, tries = 0;

	/* Leaving another address space parks the stub thread there. */
	err = hosted_fpu_bind(sched_current(), as);
	if (err) {
		*errp = err;
		return NULL;
	}
	if (hu->st)
		return hu->st;
again:
	mutex_lock(&as->map_lock);
	fl = plat_irq_save();
	st = list_empty(&as->st_free)
		     ? NULL
		     : list_first_entry(&as->st_free, struct sc_thread,
					free_link);
	if (st) {
		list_del(&st->free_link);
		list_init(&st->free_link);
	}
	plat_irq_restore(fl);
	if (st && st->fast_valid) {
		/* An ended thread's fast-path stop: its registers go. */
		st->stop_owner = NULL;
		err = sc_convert(as, st);
	} else if (!st) {
		st = sc_thread_new(as, &err);
		if (st) {
			err = st->slot == 0 && as->parked.listener >= 0
				      ? sc_unpark(as, st)
				      : sc_start(as, st);
			if (err) {
				sc_thread_free(as, st);
				st = NULL;
			}
		}
	}
	mutex_unlock(&as->map_lock);
	/*
	 * Every slot taken although clone() kept to STUB_MAX_THREADS
	 * (plat_thread_reserve()): a thread that has left the address space
	 * is still on its way out, and its stub thread is parked when its
	 * kernel thread is freed, at the next switch.  Wait for that.
	 */
	if (!st && err == -EAGAIN && ++tries < 200) {
		sched_sleep_ns(5000000);
		goto again;
	}
	if (st && !err)
		err = hosted_fpu_load(hu, st);
	if (!st || err) {
		*errp = err;
		return NULL;
	}
	st->stop_owner = hu;
	hu->st = st;
	return st;
}

/* The guest thread is unusable (err from a wait on it): kill it. */
static void sc_failed(struct plat_as *as, const char *what, int err,
		      struct plat_trapinfo *ti)
{
	if (err == -EPROTO)
		log_err("hosted: guest stub %d sent a malformed message: "
			"killed",
			as->pid);
	if (err == -ETIMEDOUT)
		log_err("hosted: guest stub %d ignored the kick signal for 2 s: "
			"killed",
			as->pid);
	stub_failed(as, what, err, ti);
	stub_kill(as);
}

/*
 * The calling thread's registers whole again (kos/plat/user.h): its
 * fast-path stop, if the guest thread still waits in it, becomes a
 * doorbell stop (sc_convert()); then the registers come from the copy
 * held for it.  Under the run turn: the stub is not running then.
 */
void plat_user_regs(struct plat_as *as, struct uregs *regs)
{
	struct thread *t = sched_current();
	struct hosted_uthread *hu = t ? t->plat_priv : NULL;
	struct plat_trapinfo ti;
	struct sc_thread *st;
	int err;

	if (!as || !as->seccomp || !hu)
		return;
	if (as->per_thread) {
		/* Its own stub thread: nobody else runs it. */
		st = hu->as == as ? hu->st : NULL;
		if (st && !as->dead && st->fast_valid) {
			st->stop_owner = hu;
			err = sc_convert(as, st);
			if (err)
				sc_failed(as, "fetching the registers", err,
					  &ti);
		}
		sc_merge_held(hu, regs);
		return;
	}
	st = as->sts[0];
	if (!st)
		return;
	run_turn_take(as);
	if (!as->dead && st->fast_valid && st->stop_owner == hu) {
		err = sc_convert(as, st);
		if (err)
			sc_failed(as, "fetching the registers", err, &ti);
	}
	sc_merge_held(hu, regs);
	run_turn_give(as);
}

/*
 * user_run_locked() in seccomp mode: the guest thread waits at a doorbell
 * (frame_valid) or in a fast-path system call (fast_valid) whenever the
 * kernel runs; resuming it is answering that notification, and the next
 * notification is its next stop (docs/hosted-seccomp.md).  A fast-path
 * stop of another kernel thread's guest is converted first: its
 * registers and FPU state must leave the host thread before this
 * thread's go in.
 */
static void seccomp_run_locked(struct plat_as *as, struct uregs *regs,
			       struct plat_trapinfo *ti)
{
	struct hosted_uthread *hu = hosted_uthread(sched_current());
	struct sc_thread *st;
	unsigned long fl;
	uint64_t gp_error = 0, t0;
	siginfo_t si;
	int err;

	if (!hu) {
		stub_failed(as, "allocating the thread state", -ENOMEM, ti);
		return;
	}
	if (as->per_thread) {
		st = sc_bind(as, hu, &err);
		if (!st) {
			sc_failed(as, "starting a guest thread", err, ti);
			return;
		}
	} else {
		st = as->sts[0];
		if (!st)
			st = sc_thread_new(as, &err);
		if (st && !st->started)
			err = sc_start(as, st);
		if (!st || !st->started) {
			stub_failed(as, "starting the guest thread", err, ti);
			return;
		}
		if (st->fast_valid && st->stop_owner != hu) {
			err = sc_convert(as, st);
			if (err) {
				sc_failed(as, "fetching the registers", err,
					  ti);
				return;
			}
		}
	}
	sc_merge_held(hu, regs);
	if (as->per_thread)
		mutex_lock(&as->map_lock);
	if (!run_prepare(as, &fl, ti)) {
		if (as->per_thread)
			mutex_unlock(&as->map_lock);
		ti->regs_partial = st->fast_valid;
		return;
	}
	hosted_fpu_running(as);
	if (spin_last && spin_last != st) {
		/* It would keep the stubs' CPU from this one. */
		sc_spin_cas(spin_last, STUB_SPIN_SLEEP);
		spin_last = NULL;
	}
	err = st->fast_valid ? sc_answer(st, regs->rax) : sc_send(as, st, regs);
	if (err) {
		plat_irq_restore(fl);
		if (as->per_thread)
			mutex_unlock(&as->map_lock);
		stub_failed(as, "answering the guest thread", err, ti);
		return;
	}
	as->run_st = st;
	user_waiting = as;
	plat_irq_restore(fl);
	if (as->per_thread)
		mutex_unlock(&as->map_lock);

	t0 = hosted_prof_now();
	err = hosted_spin_ns ? sc_spin_wait(as, st) : 0;
	err = err > 0 ? 0 : err ? err : sc_recv(as, st);
	hosted_prof_add(HOSTED_PROF_GUEST, t0, 0);
	for (t0 = hosted_kick_race_ns ? host_now_ns() : 0;
	     t0 && host_now_ns() - t0 < hosted_kick_race_ns;)
		__asm__ __volatile__("pause" ::: "memory");

	/*
	 * Unpublished, the thread stopped: no kick is unanswered, even one
	 * that came after its stop did (the tick between the wait and here,
	 * or while a spin stop waited to be seen).  That kick waits in the
	 * thread until its next resume, which stops at once; a watchdog
	 * still armed for it would otherwise kill the stub while this
	 * thread blocks in the kernel for 2 s (say in wait4()).
	 */
	fl = plat_irq_save();
	if (user_waiting == as && as->run_st == st)
		user_waiting = NULL;
	st->kick_ns = 0;
	plat_irq_restore(fl);
	if (err) {
		sc_failed(as, "running", err, ti);
		return;
	}
	st->stop_owner = hu;
	if (st->fast_valid) {
		/* Number, arguments and rip; the rest stays in the thread. */
		regs->orig_rax = (uint64_t)(int64_t)st->fast_nr;
		regs->rdi = st->fast_args[0];
		regs->rsi = st->fast_args[1];
		regs->rdx = st->fast_args[2];
		regs->r10 = st->fast_args[3];
		regs->r8 = st->fast_args[4];
		regs->r9 = st->fast_args[5];
		regs->rip = st->fast_ip;
		regs->rax = -ENOSYS;
		ti->reason = PLAT_TRAP_SYSCALL;
		ti->regs_partial = true;
		return;
	}
	if (st->kind != STUB_MSG_SIGNAL) {
		stub_failed(as, "running (unexpected start trap)", -EPROTO, ti);
		stub_kill(as);
		return;
	}
	sc_regs(st, regs);
	memset(&si, 0, sizeof(si));
	memcpy(&si, st->info, MIN(sizeof(si), sizeof(st->info)));
	if (st->signo == SIGSYS) {
		uint32_t arch;

		memcpy(&arch, st->info + 28, sizeof(arch)); /* si_arch */
		regs->orig_rax = regs->rax;
		regs->rax = -ENOSYS;
		if (arch == AUDIT_ARCH_X86_64 ||
		    is_syscall64(as, regs, &gp_error)) {
			ti->reason = PLAT_TRAP_SYSCALL;
			return;
		}
		regs->rip -= 2;
		regs->rax = regs->orig_rax;
		regs->orig_rax = -1UL;
		set_exception(ti, X86_GP, gp_error);
		return;
	}
	decode_siginfo(as, (int)st->signo, &si, regs, ti);
}

/* --- spare stubs (seccomp mode) ----------------------------------------- */

/*
 * How many guest threads a stub may have had for plat_as_destroy() to
 * end them one by one and keep the stub as a spare; past that, killing
 * it is cheaper.
 */
#define SPARE_MAX_THREADS 8

/* How long a guest thread may take to end (else the stub is killed). */
#define THREAD_EXIT_NS 2000000000ULL

/*
 * The next notification of st's guest thread before the host clock
 * reaches deadline: 0, -ETIMEDOUT, or -ECHILD (it is gone).
 */
static int sc_notif_wait(struct plat_as *as, struct sc_thread *st,
			 struct seccomp_notif *n, uint64_t deadline)
{
	struct pollfd p[2] = { { st->listener, POLLIN, 0 },
			       { as->sock, 0, 0 } };

	for (;;) {
		uint64_t now = host_now_ns();
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(p, 2, (int)((deadline - now) / 1000000 + 1));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			memset(n, 0, sizeof(*n));
			if (!ioctl(st->listener, SECCOMP_IOCTL_NOTIF_RECV, n))
				return 0;
			if (errno == EINTR || errno == ENOENT)
				continue;
			return -errno;
		}
		if ((p[0].revents & (POLLHUP | POLLERR)) || p[1].revents)
			return -ECHILD;
	}
}

/*
 * Answer st's doorbell stop with a frame that makes it call nr at the
 * doorbell's site (the instruction before doorbell_ip, learnt at the
 * start trap, before any guest code ran), with this stack pointer and
 * signal mask, every other register and the fs/gs base 0, and wait for
 * that call's notification into *n before deadline.  Anything else
 * that comes is -EPROTO.  0 or -errno.
 */
static int sc_redirect(struct plat_as *as, struct sc_thread *st, long nr,
		       unsigned long rsp, unsigned long sigmask,
		       struct seccomp_notif *n, uint64_t deadline)
{
	struct seccomp_notif_resp r;
	struct uregs regs;
	int err;

	err = sc_spin_settle(as, st);
	if (err)
		return err;
	if (!st->frame_valid)
		return -EPROTO;
	memset(&regs, 0, sizeof(regs));
	regs.rip = st->doorbell_ip - 2; /* the syscall instruction */
	regs.rax = (uint64_t)nr;
	regs.rsp = rsp;
	regs.eflags = 0x202;
	sc_frame_write(st, &regs);
	((struct stub_ucontext *)(st->slots + st->frame_off))->sigmask =
		sigmask;
	st->frame_valid = false;
	memset(&r, 0, sizeof(r));
	r.id = st->notif_id;
	if (ioctl(st->listener, SECCOMP_IOCTL_NOTIF_SEND, &r) < 0)
		return -errno;
	err = sc_notif_wait(as, st, n, deadline);
	if (err)
		return err;
	if (n->data.nr != nr ||
	    n->data.instruction_pointer != st->doorbell_ip ||
	    n->data.arch != AUDIT_ARCH_X86_64 || (pid_t)n->pid != st->tid)
		return -EPROTO;
	return 0;
}

/*
 * End st's guest thread, its address space being gone, without ending
 * the stub.  The guest's filter lets no exit through, so the kernel
 * asks the thread to make the call and then lets that one notification
 * through (SECCOMP_USER_NOTIF_FLAG_CONTINUE): at a doorbell, its frame
 * becomes "exit(0) at the doorbell's syscall instruction, every signal
 * blocked" (sc_redirect()); a fast-path stop is turned into a
 * doorbell stop first (sc_convert), unless it is an exit already.
 * Whatever else comes (the guest may have rewritten the handler's stack
 * from another thread) is -EPROTO, and the caller kills the stub.  0
 * once the thread is gone (its listener hangs up), or -errno.
 */
static int sc_thread_exit(struct plat_as *as, struct sc_thread *st)
{
	uint64_t deadline = host_now_ns() + THREAD_EXIT_NS;
	struct seccomp_notif_resp r;
	struct seccomp_notif n;
	struct pollfd p;
	int err;

	if (!st->started || !st->doorbell_ip || st->listener < 0)
		return -EPROTO;
	if (st->fast_valid && st->fast_nr != SYS_exit) {
		st->stop_owner = NULL;
		err = sc_convert(as, st);
		if (err)
			return err;
	}
	if (!st->fast_valid) {
		err = sc_redirect(as, st, SYS_exit, 0, ~0UL, &n, deadline);
		if (err)
			return err;
		st->notif_id = n.id;
	}
	st->fast_valid = false;
	memset(&r, 0, sizeof(r));
	r.id = st->notif_id;
	r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(st->listener, SECCOMP_IOCTL_NOTIF_SEND, &r) < 0)
		return -errno;
	/* The filter loses its only task: the listener hangs up. */
	p.fd = st->listener;
	p.events = POLLIN;
	for (;;) {
		uint64_t now = host_now_ns();
		int k;

		if (now >= deadline)
			return -ETIMEDOUT;
		p.revents = 0;
		k = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
		if (k < 0 && errno != EINTR)
			return -errno;
		if (k > 0 && (p.revents & POLLHUP))
			break;
		if (k > 0 && (p.revents & POLLIN))
			return -EPROTO; /* it made another call */
	}
	st->started = false;
	return 0;
}

/*
 * Park st, slot 0's thread of an address space that is gone, for the
 * next address space to take over (sc_unpark()) instead of ending it:
 * its frame becomes "the doorbell call at the doorbell's site, every
 * other register 0, the stack pointer at STUB_PARK_SP of its slot", and
 * it returns out of its signal handler into that call and waits in it,
 * on no stack of the slot: its slot, registers and FPU state hold
 * nothing the kernel does not write again before the next guest runs
 * (sc_unpark(), hosted_fpu_load()).  A fast-path stop is made a doorbell
 * stop first (sc_convert()).  Whatever else comes is -EPROTO, and the
 * caller kills the stub.  0 once it waits (as->parked), or -errno.
 */
static int sc_park(struct plat_as *as, struct sc_thread *st)
{
	uint64_t deadline = host_now_ns() + THREAD_EXIT_NS;
	struct seccomp_notif n;
	int err;

	if (!st->started || !st->doorbell_ip || st->listener < 0 || st->slot ||
	    !stub_start_trap_ip)
		return -EPROTO;
	if (st->fast_valid) {
		st->stop_owner = NULL;
		err = sc_convert(as, st);
		if (err)
			return err;
	}
	/*
	 * Every signal blocked but the start trap's: a kick still on its
	 * way would otherwise land in the parked call, its frame on the
	 * alternate stack that is about to be wiped.  It waits for the
	 * next guest's first resume instead (a stop for nothing).
	 */
	err = sc_redirect(as, st, STUB_DOORBELL_NR, STUB_SLOTS + STUB_PARK_SP,
			  ~(1UL << (SIGILL - 1)), &n, deadline);
	if (err)
		return err;
	as->parked.listener = st->listener;
	as->parked.id = n.id;
	as->parked.tid = st->tid;
	as->parked.doorbell_ip = st->doorbell_ip;
	st->listener = -1;
	st->started = false;
	return 0;
}

/*
 * plat_as_destroy(): instead of killing the stub, clean it and keep it
 * as a spare for the next address space (spawn.c), which so skips a
 * host process start (docs/hosted-seccomp.md, "Fork and exec: spare stubs").  Seccomp mode
 * parks slot 0's guest thread (sc_park()) and ends the others (only
 * with the fast path's filter, through which the exit goes as a
 * notification, and a clean stop of every thread); ptrace mode's one
 * thread is the stub's own and stays, stopped.  Then one batch unmaps
 * everything of the address space but the stub's image, command area
 * and slot 0 (ptrace mode: the
 * batch zeroes the stub's stack first, the one writable part of its
 * image there), and the command area and slot 0 are wiped (the next
 * guest can read them).  What is left in the stub is what it was set
 * up with: its mapper, which never ran guest code, its descriptors and
 * handlers, which no guest can change, its read-only image, and in
 * ptrace mode registers and an FPU state the next run overwrites.  false
 * if the stub must be killed instead.
 */
static bool as_make_spare(struct plat_as *as)
{
	uint64_t t0 = hosted_prof_now();
	unsigned int i, n = 0, nthreads = 0;
	struct stub_op *op;
	int err;

	if (as->dead || as->pid <= 0 || !stub_spare_room())
		return false;
	if (!as->seccomp)
		goto unmap; /* its one thread is the stub's own */
	if (!as->per_thread)
		return false;
	for (i = 0; i < STUB_MAX_THREADS; i++)
		if (as->sts[i])
			nthreads++;
	if (nthreads > SPARE_MAX_THREADS)
		return false;
	/*
	 * Only the fast path's filter lets the exit from the doorbell's
	 * site through that ends a thread; parking needs none.
	 */
	if (!as->cmd->fastpath &&
	    (!hosted_park || nthreads > 1 || (nthreads && !as->sts[0])))
		return false;
	for (i = 0; i < STUB_MAX_THREADS; i++) {
		if (!as->sts[i])
			continue;
		err = i == 0 && hosted_park ? sc_park(as, as->sts[0])
					    : sc_thread_exit(as, as->sts[i]);
		if (err) {
			log_warn("hosted: guest stub %d: a thread did not %s "
				 "cleanly (error %d): killed",
				 as->pid,
				 i == 0 && hosted_park ? "park" : "end", err);
			return false;
		}
	}
	/* No guest thread is left: nothing runs guest code any more. */
unmap:
	op = as->cmd->ops;
	memset(op, 0, 3 * sizeof(*op));
	op[n].kind = STUB_OP_UNMAP;
	op[n].addr = 0;
	op[n++].len = STUB_BASE;
	op[n].kind = STUB_OP_UNMAP;
	op[n].addr = STUB_SLOTS + STUB_NSLOTS * STUB_TSLOT_SIZE;
	op[n++].len = STUB_END - (STUB_SLOTS + STUB_NSLOTS * STUB_TSLOT_SIZE);
	op[n].kind = STUB_OP_UNMAP;
	op[n].addr = STUB_END;
	op[n++].len = STUB_HOST_TOP - STUB_END;
	/* ptrace mode: the batch wipes the stub's stack first. */
	as->cmd->wipe = !as->seccomp;
	err = stub_run_batch(as, n);
	as->cmd->wipe = 0;
	if (err)
		return false;
	memset(as->cmd->ops, 0, sizeof(as->cmd->ops));
	if (as->slots_pa != PMM_NOPAGE)
		memset(plat_phys_to_virt(as->slots_pa), 0,
		       STUB_NSLOTS * STUB_TSLOT_SIZE);
	if (stub_spare_put(as))
		return false;
	hosted_prof_add(HOSTED_PROF_SPARE_PUT, t0, nthreads);
	return true;
}
