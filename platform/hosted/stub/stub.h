/*
 * The contract between the hosted kernel (platform/hosted/user.c,
 * mirror.c, spawn.c) and its guest stub process (stub.c, built as the
 * static executable build/hosted/kos-stub).  See docs/hosted.md, "Guest
 * processes".
 *
 * Every guest address space is one stub process.  Its own code, stack and
 * command area sit in a fixed reserved range of user addresses that the
 * core's vm layer never hands out (vm_reserve_range()); everything else in
 * the stub's address space is the guest's, mirrored from the core's page
 * tables as MAP_SHARED mappings of the RAM memfd.
 *
 * This header is included by both sides: only constants and plain
 * structures, no host or core headers.
 */
#ifndef HOSTED_STUB_H
#define HOSTED_STUB_H

/*
 * The reservation: 3 MiB at 1 MiB, up to where non-PIE executables start
 * (0x400000) and far below everything Linux (and the core) place on their
 * own: top-down mmap from VM_USER_TOP - 128 MiB, static-PIE breaks that
 * grow up from there into the stack gap, dynamic PIEs at 0x555555554000.
 * Only an explicit MAP_FIXED (or a hint) can ask for it; the core then
 * says -ENOMEM (or ignores the hint).  See docs/hosted.md.
 */
#define STUB_BASE 0x100000UL
#define STUB_SIZE 0x300000UL
#define STUB_END (STUB_BASE + STUB_SIZE)

/* The image (linked at STUB_BASE) must end below the command area. */
#define STUB_IMAGE_MAX 0x80000UL

/*
 * The command area: STUB_CMD_PAGES pages of the RAM memfd (allocated by
 * the kernel from the core's page allocator, order STUB_CMD_ORDER),
 * mapped read-only in the stub at STUB_CMD.  The kernel writes a batch of
 * operations there; the stub only reads it, so a guest cannot forge one.
 */
#define STUB_CMD (STUB_BASE + STUB_IMAGE_MAX)
#define STUB_CMD_ORDER 4
#define STUB_CMD_SIZE (4096UL << STUB_CMD_ORDER)

/* The end of the host's user address space (x86-64, 4-level paging). */
#define STUB_HOST_TOP 0x7ffffffff000UL

/* The RAM memfd's descriptor number in the stub. */
#define STUB_RAM_FD 3

/* The stub's own stack (in its .bss). */
#define STUB_STACK_SIZE 16384

/* rax at the stub's first int3: it set itself up (rdx: 0 or -errno). */
#define STUB_READY 0x6b6f7362UL /* "bsok" */

/*
 * One mirror operation: STUB_OP_MAP is mmap(addr, len, prot,
 * MAP_SHARED | MAP_FIXED, STUB_RAM_FD, off), STUB_OP_MAP_POP the same
 * with MAP_POPULATE, STUB_OP_UNMAP munmap(addr, len).
 */
#define STUB_OP_MAP 1
#define STUB_OP_UNMAP 2
/* Seccomp mode: start the guest thread (docs/hosted-seccomp.md). */
#define STUB_OP_CLONE 3
/*
 * STUB_OP_MAP with MAP_POPULATE: the host's page-table entries made in
 * the same call, for pages the guest is about to touch (the ones a fault
 * just brought in), so that the guest's first access takes no host page
 * fault (docs/hosted-seccomp.md, section 9).
 */
#define STUB_OP_MAP_POP 4

struct stub_op {
	unsigned long addr;
	unsigned long len;
	unsigned long off; /* MAP: offset in the RAM memfd (physical address) */
	unsigned int kind; /* STUB_OP_* */
	unsigned int prot; /* MAP: PROT_* */
};

#define STUB_MAX_OPS ((STUB_CMD_SIZE - 64) / sizeof(struct stub_op))

/*
 * The command area.  The kernel fills ops[0..nops) and starts the stub at
 * stub_batch_entry with rsp = stub stack top; the stub runs the operations
 * in order and traps (int3) with rax = how many succeeded and rdx = 0 or
 * the -errno of the first that failed (it stops there).
 */
struct stub_cmd {
	unsigned int nops;
	unsigned int seq; /* seccomp mode: bumped for every batch */
	/* Seccomp mode: the new guest thread's sigaltstack (a stack_t). */
	unsigned long ss_sp;
	int ss_flags, pad0;
	unsigned long ss_size;
	unsigned long fsgsbase; /* seccomp mode: the host has FSGSBASE */
	unsigned long fastpath; /* seccomp mode: guest filter with fast path */
	/*
	 * ptrace mode: zero the stub's stack (its .bss) before this batch,
	 * which makes the stub a spare (user.c: as_make_spare).
	 */
	unsigned long wipe;
	/*
	 * Seccomp mode, spinning (docs/hosted-seccomp.md, "Spinning"): how
	 * long a guest thread's handler waits for the kernel's answer in
	 * the slot (STUB_SPIN_*) before it rings the doorbell, in TSC
	 * ticks; 0: it rings at once.
	 */
	unsigned long spin_tsc;
	struct stub_op ops[STUB_MAX_OPS];
};

/*
 * Seccomp mode (docs/hosted-seccomp.md).  The stub is not traced; its
 * first thread (the mapper) runs batches when the kernel bumps seq and
 * FUTEX_WAKEs it, and reports each done by writing 1 to the eventfd at
 * STUB_DONE_FD.  Its guest thread (STUB_OP_CLONE) installs its seccomp
 * filter, whose listener is then at STUB_LISTENER_FD, and sends that to
 * the kernel (SCM_RIGHTS) over the socket at STUB_SOCK_FD, which also
 * tells the kernel when the stub dies (it hangs up).  Guest system calls and faults become
 * signals whose handler, on the thread's alternate stack in its slot,
 * describes the frame in the slot header and rings the doorbell: the
 * system call STUB_DOORBELL_NR, which the filter turns into a user
 * notification for the kernel.  The kernel edits the frame in place and
 * answers; the handler returns through rt_sigreturn into guest code.
 */
#define STUB_DONE_FD 4
#define STUB_SOCK_FD 5
#define STUB_LISTENER_FD 0
#define STUB_DOORBELL_NR 0x7000

/* Thread slots (RAM, read-write in the stub), after the command area. */
#define STUB_SLOTS (STUB_CMD + STUB_CMD_SIZE)
#define STUB_TSLOT_ORDER 2
#define STUB_TSLOT_SIZE (4096UL << STUB_TSLOT_ORDER)
#define STUB_NSLOTS 1 /* mapped at the stub's start; the others on use */
/* How many stub guest threads fit (per-thread mode). */
#define STUB_MAX_THREADS ((STUB_END - STUB_SLOTS) / STUB_TSLOT_SIZE)
_Static_assert(STUB_SLOTS % STUB_TSLOT_SIZE == 0, "slot alignment");
_Static_assert(STUB_SLOTS + STUB_NSLOTS * STUB_TSLOT_SIZE <= STUB_END,
	       "slots fit the reservation");

/* The slot header (guest-writable: the kernel trusts nothing in it). */
#define STUB_MSG_SIGNAL 1 /* a signal: the frame describes it */
#define STUB_MSG_NEW 2	  /* the thread's first stop, at stub_start_trap */
#define STUB_TSLOT_HDR 256

struct stub_tslot {
	unsigned int kind; /* STUB_MSG_* */
	unsigned int signo;
	unsigned long frame_off; /* the ucontext, from the slot's start */
	unsigned long info_off;	 /* the siginfo */
	/*
	 * The guest's fs/gs base at the stop.  Hosts with FSGSBASE: read
	 * at every stop (the guest may write them itself).  Without it,
	 * only the handler changes them (arch_prctl), so these are what it
	 * last loaded and are not read back (the kernel keeps its own).
	 */
	unsigned long fsbase, gsbase;
	unsigned long set_fsbase, set_gsbase; /* kernel: load these */
	/*
	 * Spinning (cmd->spin_tsc): the handler sets REQ once the header
	 * above describes its frame and waits; the kernel answers by
	 * turning REQ into REPLY (the frame rewritten first), or into
	 * SLEEP when it wants the doorbell after all; the handler turns
	 * REQ into SLEEP itself when it stops waiting.  SLEEP: the
	 * doorbell rings.  Guest-writable like the rest: a hint to the
	 * kernel, which trusts no stop it learns from here (user.c).
	 */
	unsigned int spin;
	unsigned int spin_pad;
};

#define STUB_SPIN_IDLE 0
#define STUB_SPIN_REQ 1
#define STUB_SPIN_REPLY 2
#define STUB_SPIN_SLEEP 3

/* The kernel's struct ucontext as a signal frame holds it (x86-64). */
struct stub_ucontext {
	unsigned long uc_flags, uc_link;
	unsigned long ss_sp;
	int ss_flags, ss_pad;
	unsigned long ss_size;
	unsigned long gregs[23]; /* sys/ucontext.h's REG_* order */
	unsigned long fpstate;	 /* address of the XSAVE area */
	unsigned long reserved[8];
	unsigned long sigmask;
};

#endif
