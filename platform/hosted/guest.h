/*
 * Hosted guest processes: the private interface between user.c (the
 * platform's plat_as_* / plat_user_run entry points and trap decoding),
 * mirror.c (page-table mirroring) and spawn.c (the stub processes).
 * See docs/hosted.md, "Guest processes".
 */
#ifndef HOSTED_GUEST_H
#define HOSTED_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/plat/user.h>
#include <kos/timer.h>
#include <kos/types.h>

#include "stub/stub.h"

/* The signal that stops a running guest for an interrupt (never delivered). */
#define STUB_KICK_SIG SIGVTALRM

/* Dirty ranges remembered per address space before they are merged. */
#define AS_DIRTY_MAX 16

struct sc_thread;

struct as_range {
	vaddr_t start, end; /* page aligned, start < end */
};

/*
 * Seccomp mode: a spare stub's first guest thread, kept instead of ended
 * (user.c: sc_park()) and waiting in a doorbell notification outside any
 * signal handler, so that the next address space skips a stub thread's
 * start.  listener -1: none.
 */
struct sc_parked {
	int listener;		   /* the thread's listener */
	uint64_t id;		   /* the notification it waits in */
	pid_t tid;		   /* its host tid */
	unsigned long doorbell_ip; /* its doorbell site */
};

/*
 * One guest address space.  Fields are used by the kernel thread running
 * the address space's guest; the dirty list is changed with interrupts
 * off (plat_tlb_flush() may come from any kernel thread).
 */
struct plat_as {
	paddr_t pml4;			  /* the core's page-table root */
	struct list_head threads;	  /* struct hosted_uthread.as_link */
	struct hosted_uthread *fpu_owner; /* whose FPU state the stub holds */
	/*
	 * A copy of the FPU state in the stub as the kernel last read or
	 * wrote it (fpu.c), valid until guest code runs again: signal
	 * delivery and sigreturn then need no ptrace call for it.
	 */
	void *fpu_known;
	bool fpu_known_valid;
	/*
	 * One thread runs the stub at a time, in turn (plat_user_run()):
	 * a thread takes ticket run_next++ and runs when run_serving reaches
	 * it.  Interrupts off for all three.
	 */
	unsigned int run_next, run_serving;
	struct waitq run_wq;
	pid_t pid;		   /* the stub process; 0 once reaped */
	bool dead;		   /* stub gone or broken: runs fail */
	bool fresh;		   /* no mirror batch yet (profile) */
	unsigned long batch_entry; /* the stub's stub_batch_entry */
	paddr_t cmd_pa;		   /* the command area, in RAM */
	struct stub_cmd *cmd;	   /* ... through the direct map */
	unsigned int ndirty;	   /* changed, not yet mirrored: */
	struct as_range dirty[AS_DIRTY_MAX]; /* sorted, disjoint */
	/*
	 * The pages the last page fault will bring in (the page and its
	 * fault-around), empty if none: mirror_build() maps them with
	 * STUB_OP_MAP_POP.  Interrupts off, as the dirty list.
	 */
	struct as_range pop;

	/* Seccomp mode only (docs/hosted-seccomp.md); fds are -1 if unset. */
	bool seccomp;	  /* this stub runs in seccomp mode */
	int done_efd;	  /* the eventfd at STUB_DONE_FD */
	int sock;	  /* our end of STUB_SOCK_FD's socketpair;
				      * hangs up when the stub is gone */
	paddr_t slots_pa; /* slot 0, in RAM (mapped by the stub) */
	/*
	 * Its stub guest threads, by slot (docs/hosted-seccomp.md, 3.1).
	 * Shared (per_thread false): only sts[0], run by the process's
	 * threads in turn.  Per thread (the default): one per
	 * kernel thread (struct hosted_uthread.st); a thread's stub thread
	 * goes to st_free when the thread ends and serves the next new one.
	 */
	bool per_thread;
	struct sc_thread *sts[STUB_MAX_THREADS];
	struct list_head st_free; /* struct sc_thread.free_link */
	/* Per thread: the mapper (mirror batches, clones), one at a time. */
	struct mutex map_lock;
	/* The stub thread running for the kernel thread in user_waiting. */
	struct sc_thread *run_st;
	/* Slot 0's thread, parked in a spare; sts[0] takes it over. */
	struct sc_parked parked;
	/* How many of sts[] are at a spin stop (interrupts off). */
	unsigned int nspin;
};

/*
 * One stub guest thread (seccomp mode): its slot, its listener and its
 * last stop.  Used by the kernel thread it serves (per-thread mode) or
 * under the address space's run turn (shared mode).
 */
struct sc_thread {
	unsigned int slot;    /* index: at STUB_SLOTS + slot * TSLOT_SIZE */
	paddr_t slot_pa;      /* its RAM if not as->slots_pa, or NOPAGE */
	unsigned char *slots; /* the slot, through the direct map */
	pid_t tid;	      /* host thread id (the start notification) */
	int listener;	      /* the guest thread's notifications */
	bool started;	      /* the guest thread exists */
	bool frame_valid;     /* it waits at a doorbell: */
	/*
	 * ... or so its slot said (spinning, user.c: sc_spin_wait()): it
	 * may run on for all the host vouches; sc_spin_settle() makes it
	 * a doorbell stop.  Interrupts off.
	 */
	bool spin_stop;
	/*
	 * It waits in a fast-path system call, made by the guest of
	 * stop_owner (NULL if that thread is gone); its registers beyond
	 * the call's are in the host thread, not in any frame.
	 */
	bool fast_valid;
	struct hosted_uthread *stop_owner;
	struct list_head free_link; /* on as->st_free when unowned */
	int fast_nr;		    /* the call: number, rip, arguments */
	unsigned long fast_ip;
	uint64_t fast_args[6];
	uint64_t notif_id;	   /* ... this notification */
	unsigned long doorbell_ip; /* its site, from the first one */
	unsigned long frame_off;   /* validated copies of the header */
	unsigned long fp_off;	   /* the XSAVE area in the slot */
	unsigned long fsbase, gsbase;
	unsigned long csgsfs;	/* cs etc. at the start trap */
	unsigned long uc_flags; /* the frame's uc_flags there */
	unsigned int signo, kind;
	/*
	 * When the oldest unanswered kick was sent (host CLOCK_MONOTONIC ns),
	 * 0 if none: set from interrupt context, cleared by any message.
	 * The watchdog timer then checks on it (user.c: sc_watchdog); it
	 * sets watchdog_fired when it kills the stub.
	 */
	volatile uint64_t kick_ns;
	struct ktimer watchdog;
	volatile bool watchdog_fired;
	struct plat_as *as;	 /* the address space it belongs to */
	struct stub_ucontext uc; /* the frame, copied once */
	unsigned char info[128]; /* its siginfo, copied once */
};

/*
 * Per kernel thread that runs guest code (struct thread.plat_priv): the
 * address space whose stub it last ran in, and its FPU state while the
 * stub holds another thread's (fpu.c).
 */
struct hosted_uthread {
	struct plat_as *as;	  /* bound address space, or NULL */
	struct list_head as_link; /* on as->threads */
	void *image;		  /* plat_fpu_size() bytes; NULL: initial */
	/*
	 * Seccomp mode: the registers of this thread's fast-path stop,
	 * fetched when another thread needed the stub; the core's copy is
	 * still partial (user.c merges them at the next run).
	 */
	bool held_valid;
	struct uregs held;
	/* Per-thread mode: this thread's own stub thread, or NULL. */
	struct sc_thread *st;
};

/* --- fpu.c -------------------------------------------------------------- */

/* t's state, created on first use; NULL if memory is short. */
struct hosted_uthread *hosted_uthread(struct thread *t);
/*
 * t is about to run guest code in as: bind it there and make the stub
 * hold its FPU state.  0 or -errno.
 */
int hosted_fpu_bind(struct thread *t, struct plat_as *as);
/* Guest code is about to run in as: its FPU state may change. */
static inline void hosted_fpu_running(struct plat_as *as)
{
	as->fpu_known_valid = false;
}
/*
 * Per-thread mode: the thread's FPU image into its stub thread's frame
 * (at its first stop).  0 or -errno.
 */
int hosted_fpu_load(struct hosted_uthread *hu, struct sc_thread *st);
/* The frame's XSAVE area as an image, or back (set). */
int hosted_frame_fpu(struct sc_thread *st, bool set, void *image);
/* as goes away: forget every binding to it. */
void hosted_fpu_unbind_all(struct plat_as *as);

/* --- spawn.c ------------------------------------------------------------ */

/* Registers (cs, ss, ...) of a freshly exec'd stub; template for SETREGS. */
extern struct user_regs_struct stub_regs_template;

/*
 * Start the stub for as (as->cmd_pa set) and wait until it has set itself
 * up.  Fills pid and batch_entry.  0 or -errno (logged).
 */
int stub_spawn(struct plat_as *as);

/* Kill and reap as's stub (if any).  Safe to call twice. */
void stub_kill(struct plat_as *as);

/* waitpid() for the stub, retrying EINTR.  0 or -errno. */
int stub_wait(struct plat_as *as, int *status);

/*
 * Run the nops operations in as->cmd in the stub and wait for it
 * (interrupts as the caller has them, stray kicks swallowed).  0, or
 * -errno of the first failing operation / -ECHILD if the stub died.
 */
int stub_run_batch(struct plat_as *as, unsigned int nops);

/*
 * Seccomp mode: wait until fd is readable (as->done_efd: and read it).
 * 0, or -ECHILD if the stub died (then reaped and logged).
 */
int stub_wait_fd(struct plat_as *as, int fd);

/*
 * Spare stubs (spawn.c): stubs whose address space is gone, cleaned by
 * user.c (no guest thread, nothing mapped but the stub's image, command
 * area and slot 0, its stack wiped), waiting for a new one.
 */
/* Is there room for one more?  */
bool stub_spare_room(void);
/*
 * Keep as's clean stub (process, descriptors, command area, slot 0,
 * batch entry) as a spare; as no longer has them.  0, or -ENOSPC (as
 * keeps them).
 */
int stub_spare_put(struct plat_as *as);
/* Give as (fresh) a spare stub.  0, or -ENOENT if none. */
int stub_spare_take(struct plat_as *as);

/* --- mirror.c ----------------------------------------------------------- */

/* Remember that the entries for [start, end) changed.  Any context. */
void mirror_dirty(struct plat_as *as, vaddr_t start, vaddr_t end);

/*
 * A page fault at va is being reported: the pages the core will map for
 * it (va's page and its fault-around) get their host page-table entries
 * when they are mirrored (STUB_OP_MAP_POP).  Any context.
 */
void mirror_fault(struct plat_as *as, vaddr_t va);

/*
 * Turn (part of) the dirty ranges into operations in as->cmd: for each
 * page, mmap of its frame with its rights if present, munmap if not,
 * coalesced.  Call with interrupts off; what does not fit stays dirty.
 * Returns the number of operations (0 when nothing was dirty).
 */
unsigned int mirror_build(struct plat_as *as);

#endif
