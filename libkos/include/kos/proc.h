/*
 * Processes and threads: what Linux's tasks are to the rest of the kernel.
 *
 * A user thread (struct uthread, Linux's task) is a kernel thread running
 * a loop: run user code (plat_user_run), handle the trap (system call,
 * page fault, exception), deliver signals, run again.  What it uses is in
 * separate reference-counted objects that clone(2) shares or copies flag
 * by flag:
 *
 *	vm_space	CLONE_VM	the address space (kos/vm.h)
 *	fdtable		CLONE_FILES	file descriptors (kos/fdtable.h)
 *	fs_info		CLONE_FS	cwd, root, umask
 *	sighand		CLONE_SIGHAND	signal actions, and the lock of all
 *					pending state
 *	proc		CLONE_THREAD	the thread group: the process
 *
 * A struct proc is a thread group: its pid (the tgid, the first thread's
 * tid), parent and children, process group and session, credentials,
 * limits, exit status, the signals sent to the whole group, timers.
 *
 * Lifetime.  A proc lives while it has threads or is a zombie its parent
 * has not reaped, plus while anyone holds a reference (proc_get/put); a
 * uthread while its kernel thread runs and while referenced.  Pids are
 * numbers 1 .. PID_MAX-1 handed out in increasing order with wrap-around
 * (from PID_RESERVED) like Linux; a number stays taken while a thread has
 * it as tid (until the thread is reaped) or a living process uses it as
 * its process group or session id.
 *
 * Locking (uniprocessor: see kos/spinlock.h):
 *	proc_lock (mutex)	the pid table, the process list, parent,
 *				children and thread lists, pgid/sid, a
 *				process's state and exit status, nr_threads
 *	sighand->lock (spin,	actions, every pending set and queue of the
 *	 interrupts off)	threads sharing it and of their groups,
 *				blocked masks (written by the owner under it),
 *				group exit/stop state (proc->sig*)
 *	fs->lock (mutex)	cwd, root, umask
 * Order: proc_lock, then sighand->lock.  Fields without a note are
 * constant after creation or touched only by the owning thread.
 */
#ifndef KOS_PROC_H
#define KOS_PROC_H

#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/plat/user.h>
#include <kos/sched.h>
#include <kos/spinlock.h>
#include <kos/timer.h>
#include <kos/types.h>
#include <kos/waitq.h>
#include <uapi/resource.h>
#include <uapi/signal.h>

struct vm_space;
struct fdtable;
struct vnode;
struct thread;
struct ptimer;
struct ipc_undo_list;
struct tty;

#define PID_MAX 32768	 /* /proc/sys/kernel/pid_max, Linux's default */
#define PID_RESERVED 300 /* where numbering resumes after a wrap */
#define NGROUPS_MAX 65536
#define PROC_NGROUPS_INLINE 32 /* supplementary groups kept inline */
#define TASK_COMM_LEN 16

extern struct mutex proc_lock;
/* Every process, live or zombie (proc_lock). */
extern struct list_head proc_list;

/* Working directory, root and umask (CLONE_FS). */
struct fs_info {
	unsigned int refcnt; /* atomic */
	struct mutex lock;
	struct vnode *cwd;  /* lock; referenced */
	struct vnode *root; /* lock; referenced */
	unsigned int umask; /* lock */
};

/* A queued signal: its siginfo (standard signals queue at most one). */
struct sigqueue {
	struct list_head link;
	struct ksiginfo info;
	unsigned int uid; /* the user charged (RLIMIT_SIGPENDING) */
};

struct sigpending {
	ksigset_t set;		/* signals pending */
	struct list_head queue; /* struct sigqueue, oldest first */
};

/* Signal actions (CLONE_SIGHAND), and the lock of all signal state. */
struct sighand {
	unsigned int refcnt; /* atomic */
	struct spinlock lock;
	struct ksigaction action[_NSIG]; /* lock */
	/* Woken when a signal is queued to a thread sharing this (signalfd). */
	struct waitq signalfd_wq;
};

/* proc->state */
enum proc_state {
	PROC_LIVE,   /* has threads */
	PROC_ZOMBIE, /* every thread gone, not yet reaped */
	PROC_DEAD,   /* reaped (or being reaped) */
};

/* proc->sigflags (sighand->lock) */
#define PROC_GROUP_EXIT 0x1	/* exit_group or a fatal signal: all leave */
#define PROC_STOPPED 0x2	/* group stop completed (job control) */
#define PROC_STOP_PENDING 0x4	/* a stop signal is being acted on */
#define PROC_CLD_STOPPED 0x8	/* a stop not yet seen by wait */
#define PROC_CLD_CONTINUED 0x10 /* a continue not yet seen by wait */
#define PROC_UNKILLABLE 0x20	/* init: default actions do not apply */
#define PROC_COREDUMP 0x40	/* a core dump is due (proc_coredump) */

/* Credentials (struct cred, one per process here). */
struct creds {
	unsigned int uid, euid, suid, fsuid;
	unsigned int gid, egid, sgid, fsgid;
	bool keepcaps; /* PR_SET_KEEPCAPS (SECURE_KEEP_CAPS) */
	unsigned int ngroups;
	unsigned int *groups; /* ngroups entries, sorted; kmalloc'd or NULL */
	uint64_t cap_effective, cap_permitted, cap_inheritable;
};

/* CPU time of a process or its reaped children, in nanoseconds. */
struct proc_times {
	uint64_t utime, stime;
	uint64_t minflt, majflt;
	uint64_t nvcsw, nivcsw;
	uint64_t maxrss_kb;
};

/* A thread group: the process. */
struct proc {
	int pid;		   /* the tgid: the first thread's tid */
	unsigned int refcnt;	   /* atomic */
	enum proc_state state;	   /* proc_lock */
	struct proc *parent;	   /* proc_lock; NULL for init */
	struct list_head children; /* proc_lock: struct proc.sibling */
	struct list_head sibling;  /* proc_lock: on parent->children */
	struct list_head threads;  /* proc_lock: struct uthread.group_link */
	struct list_head link;	   /* proc_lock: all processes */
	int nr_threads;		   /* proc_lock: threads not yet exited */
	struct uthread *leader;	   /* the thread whose tid is pid */
	int pgid, sid;		   /* proc_lock */
	struct tty *tty; /* proc_lock: controlling terminal, referenced */
	/*
	 * proc_lock: the tid of the parent's thread that forked us (Linux's
	 * real_parent is a thread): PR_SET_PDEATHSIG fires when it exits.
	 */
	int parent_tid;
	int exit_signal; /* signal for the parent at exit (0: none) */
	int exit_status; /* proc_lock: wait(2) status word once a zombie */
	struct waitq child_wq; /* wait4 callers wait for children here */

	unsigned int sigflags;	    /* sighand->lock: PROC_* */
	int group_exit_status;	    /* sighand->lock: with GROUP_EXIT */
	int stop_signal;	    /* sighand->lock: for the stop report */
	int nr_stopped;		    /* sighand->lock: threads in the stop */
	struct sigpending shared;   /* sighand->lock: group-directed */
	struct waitq stop_wq;	    /* stopped threads sleep here */
	struct uthread *exec_owner; /* sighand->lock: execve kills others */
	struct waitq thread_wq;	    /* woken when a thread leaves */

	struct creds cred;			/* proc_lock to change */
	struct rlimit64 rlim[RLIM_NLIMITS];	/* proc_lock to change */
	bool subreaper, no_new_privs, dumpable; /* proc_lock */
	bool exec_done;				/* has called execve */
	int nice;				/* proc_lock: -20..19 */
	char comm[TASK_COMM_LEN];		/* the leader's name */
	uint64_t start_ns;			/* monotonic, at fork */

	struct proc_times dead_threads;	 /* threads that exited */
	struct proc_times children_time; /* reaped children (RUSAGE_CHILDREN) */
	/* Timers (proc/timers.c), guarded by timer_lock. */
	struct spinlock timer_lock;
	struct ktimer real_timer; /* ITIMER_REAL, alarm() */
	uint64_t real_interval;	  /* ns; 0: one shot */
	uint64_t cpu_left[2];	  /* ITIMER_VIRTUAL/PROF: ns left, 0 off */
	uint64_t cpu_interval[2]; /* ns */
	struct list_head ptimers; /* struct ptimer, POSIX timers */
	int next_timer_id;
	int nprocs_counted; /* counts toward the uid's NPROC */
	/*
	 * SEM_UNDO adjustments (ipc/sem.c), NULL if none; guarded by
	 * ipc_lock, applied and freed by ipc_exit() at the last exit.
	 */
	struct ipc_undo_list *sysvsem;
};

/* vfork(): the parent waits on this until the child execs or exits. */
struct vfork_done {
	bool done;
	struct waitq wq;
};

/* One user thread: the kernel thread's user-mode half (Linux's task). */
struct uthread {
	struct proc *proc;     /* referenced */
	struct thread *thread; /* NULL once the kernel thread is gone */
	unsigned int refcnt;   /* atomic */
	int tid;
	bool exited; /* proc_lock: left the thread group */
	/* proc_lock: leaving; tkill/tgkill no longer find it (a joiner
	 * woken by clear_child_tid must see it gone). */
	bool exiting;
	bool exit_thread;	     /* exit(2) called: leave the loop */
	int exit_code;		     /* with exit_thread: the wait status */
	struct list_head group_link; /* proc_lock: on proc->threads */

	struct uregs regs;	 /* user registers while in the kernel */
	bool regs_partial;	 /* regs: see plat_trapinfo.regs_partial */
	struct vm_space *vm;	 /* referenced */
	struct fdtable *fdt;	 /* referenced */
	struct fs_info *fs;	 /* referenced */
	struct sighand *sighand; /* referenced */

	ksigset_t blocked;	   /* sighand->lock to change */
	ksigset_t saved_blocked;   /* sigsuspend: restore after the handler */
	ksigset_t real_blocked;	   /* rt_sigtimedwait: the mask it lifted */
	bool restore_blocked;	   /* saved_blocked is valid */
	struct sigpending pending; /* sighand->lock: thread-directed */
	struct kstack altstack;	   /* sigaltstack */
	bool sigpending_hint;	   /* sighand->lock: recompute on return */

	/* restart_syscall: what an interrupted nanosleep resumes. */
	struct {
		long (*fn)(struct uthread *ut);
		uint64_t deadline_ns;
		int clockid;
		unsigned long rem; /* user pointer for the remaining time */
	} restart;

	unsigned long set_child_tid, clear_child_tid; /* user pointers */
	unsigned long robust_list;
	size_t robust_len;
	struct vfork_done *vfork_done; /* the vfork parent's, until exec/exit */
	int pdeath_signal;	       /* PR_SET_PDEATHSIG */
	/*
	 * sched_setscheduler(2): SCHED_OTHER, _BATCH or _IDLE, possibly
	 * with SCHED_RESET_ON_FORK.  KOS runs every thread in one round
	 * robin, so the normal policies behave alike.  proc_lock.
	 */
	int sched_policy;
	/*
	 * personality(2): the execution domain and its flags (Linux keeps it
	 * per thread too).  Only the thread itself changes it; clone copies
	 * it, execve keeps it but READ_IMPLIES_EXEC (and PER_CLEAR_ON_SETID
	 * for a set-user/group-ID program).  ADDR_NO_RANDOMIZE turns address
	 * randomization off for the next execve (exec_prepare()).
	 */
	unsigned int personality;
	char comm[TASK_COMM_LEN];
	void *fpu_image; /* clone: the parent's FPU state, applied at start */
	uint64_t utime_ns, stime_ns; /* CPU time, split user/kernel */
	/* Armed while CPU-time budgets measure it (proc/timers.c). */
	struct ktimer cpu_watch;
	uint64_t minflt, majflt;
	/* The last trap, for signal frames (sigcontext trapno/err/cr2). */
	unsigned long trap_nr, trap_err, trap_addr;
	/* Linked mode: argv/envp/auxv of the program (proc/linked.c). */
	struct linked_start *linked_start;
	/* Linked mode: a thread made by kos_linked_clone() (proc/linked.c). */
	struct linked_thread *linked_thread;
	/*
	 * Linked mode: the thread is running the program's code, not the
	 * kernel's (proc/linked.c: an interrupt may deliver signals then).
	 * Its own thread and interrupts on it only.
	 */
	volatile bool linked_user;
};

/* The calling thread's uthread / process (NULL in pure kernel threads). */
static inline struct uthread *uthread_current(void)
{
	struct thread *t = sched_current();

	return t ? t->priv : NULL;
}

static inline struct proc *proc_current(void)
{
	struct uthread *ut = uthread_current();

	return ut ? ut->proc : NULL;
}

/*
 * ut is the calling thread: make ut->regs whole if its last trap left
 * them partial (plat_trapinfo.regs_partial): before anything reads or
 * writes registers beyond a system call's arguments, rip and result.
 */
void uthread_regs_full(struct uthread *ut);

/* References. */
void proc_get(struct proc *p);

/*
 * The credentials p's file-system accesses use (p NULL: the kernel's,
 * root with every capability): the fs ids, effective capabilities and
 * supplementary groups; with real, those access(2) uses (the real ids,
 * and every permitted capability only if the real uid is 0).
 */
struct vfs_cred;
void proc_vfs_cred(struct proc *p, struct vfs_cred *c, bool real);

/*
 * Does any thread use a file of sb (cwd, root, an open file, a mapping,
 * its program)?  For umount's EBUSY.  Takes proc_lock (after
 * vfs_mount_lock).
 */
struct superblock;
bool proc_uses_sb(const struct superblock *sb);

/*
 * pivot_root(2)'s last step, as Linux's chroot_fs_refs(): every thread
 * whose root or cwd is from gets to instead; returns how many
 * references to from it gave up (the caller puts them, outside every
 * lock).  Takes proc_lock, then each fs_info's lock.
 */
struct vnode;
unsigned int proc_fs_replace(struct vnode *from, struct vnode *to);
void proc_put(struct proc *p);
void uthread_get(struct uthread *ut);
void uthread_put(struct uthread *ut);

struct fs_info *fs_info_create(struct vnode *root, struct vnode *cwd,
			       unsigned int umask);
struct fs_info *fs_info_copy(struct fs_info *fs);
void fs_info_put(struct fs_info *fs);
/* fs's cwd, referenced (the caller puts it). */
struct vnode *fs_info_cwd(struct fs_info *fs);
struct sighand *sighand_create(void);
struct sighand *sighand_copy(struct sighand *sh);
void sighand_put(struct sighand *sh);

/*
 * Linked mode (proc/linked.c, docs/linked-mode.md): is a program linked
 * into this kernel?  Then proc_start_linked() starts it as PID 1 with
 * argv/envp (NULL-terminated kernel arrays; argv[0] names it), as
 * proc_start_init() starts a program file: its proc (referenced), or NULL
 * with *err set.
 */
bool proc_linked_present(void);
struct proc *proc_start_linked(const char *const argv[],
			       const char *const envp[], int *errp);

/*
 * The linked program's system-call entry and thread pointer, called by
 * its C library (linked/musl/arch/x86_64/).
 */
long kos_linked_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
			long a6);
unsigned long kos_linked_get_tp(void);
/*
 * Threads of a linked program (musl's __clone and __unmapself,
 * linked/musl/src/thread/x86_64/): a new thread of the calling process
 * that runs fn(arg) on stack; the end of a thread that unmaps its own
 * stack [base, base + len).
 */
long kos_linked_clone(int (*fn)(void *), void *stack, unsigned long flags,
		      void *arg, int *ptid, void *tls, int *ctid);
__noreturn void kos_linked_unmapself(void *base, unsigned long len);
/* proc.c's uthread_start() for a linked process's new thread. */
int proc_linked_thread_start(struct uthread *ut);
/* Defined by the program's object (linked/start.c), weakly by libkos. */
extern bool kos_linked_app_present;
int kos_linked_app_start(int argc, char **argv);

/*
 * Start PID 1: a new process running the program at path with argv/envp
 * (NULL-terminated kernel arrays), stdin/stdout/stderr on /dev/console.
 * Returns its proc (referenced), or NULL with *err set.
 */
struct proc *proc_start_init(const char *path, const char *const argv[],
			     const char *const envp[], int *err);
/*
 * The directory PID 1 starts in as its root and cwd (root=: the real
 * root, after kern/main.c moved it onto "/"); NULL: the initramfs.
 */
void proc_set_init_root(struct vnode *root);

/* Give p the resource limits Linux gives init (sys/rlimit.c). */
void proc_rlimits_init(struct proc *p);

/*
 * Wait until PID 1 (p) has exited and every other process is gone
 * (killed when init exits, as in a pid namespace); returns init's wait(2)
 * status word.  Drops the caller's reference.
 */
int proc_wait_init(struct proc *p);

/*
 * Start pid numbering again at 1, as after a boot (the test batch runner,
 * kern/batch.c).  -EBUSY if any process is still known.
 */
int proc_restart_pids(void);

/* --- lookups (proc_lock held) ---------------------------------------------- */

/* The thread with this tid (live or zombie), or NULL. */
struct uthread *pid_task(int tid);
/* The process whose tgid is pid (live or zombie), or NULL. */
struct proc *pid_proc(int pid);

/* --- the pid table (proc/pid.c; proc_lock held) ----------------------------- */

/* A free number for a new thread, or -EAGAIN; the table maps it to ut. */
int pid_alloc(struct uthread *ut);
/* Forget ut's number (it may be reused once no process group uses it). */
void pid_free(int nr);
/* Map nr to ut (execve: the new leader takes the process's pid). */
void pid_set(int nr, struct uthread *ut);
/* Is nr some live process's pgid or sid (not reusable)? */
bool pid_used_by_group(int nr);
void pid_table_reset(void);

/* --- exit (proc/exit.c) -------------------------------------------------- */

/*
 * End the calling thread (exit(2)); the last thread to leave ends the
 * process with its group status.  status is a wait(2) status word.
 * Called from the thread's loop, never returns into user code.
 */
void proc_thread_exit(struct uthread *ut, int status);

/*
 * exit_group(2) / a fatal signal: every thread of the calling process
 * leaves at its next return to user mode, and the process's status is
 * status (the first such call wins).
 */
void proc_group_exit(struct proc *p, int status);

/* Kill the calling process with a fatal signal from a trap (log, exit). */
void proc_fatal_signal(int sig, const char *why, unsigned long addr);

/* wait4/waitid's engine (proc/exit.c). */
struct kwait_result {
	int pid;
	int status;	  /* wait status word */
	int code;	  /* CLD_* */
	int signo_status; /* waitid si_status */
	unsigned int uid;
	struct proc_times times;
};
long proc_wait(int which, int id, unsigned int options, struct kwait_result *r);

/* Hand every child of p to its new parent (init or a subreaper). */
void proc_reparent_children(struct proc *p);
/* Is process group pgid orphaned (ignore left out)?  proc_lock held. */
bool proc_pgrp_orphaned(int pgid, const struct proc *ignore);

/* CPU time of ut so far, folded into its user/system counters. */
void uthread_account(struct uthread *ut);
/* Sum of every thread's times of p (live and dead). */
void proc_times_sum(struct proc *p, struct proc_times *t);

/* The process count toward RLIMIT_NPROC of uid. */
int proc_count_uid(unsigned int uid);

/* --- timers (proc/timers.c) ------------------------------------------------ */

/* A new process's timers (none armed). */
void proc_timers_init(struct proc *p);
/* A new thread's CPU-time watchdog; the exiting thread's, stopped. */
void proc_timers_thread_init(struct uthread *ut);
void proc_timers_thread_exit(struct uthread *ut);
/*
 * The calling thread ut ran user_ns in user mode and sys_ns in the
 * kernel: charge its CPU-time budgets and arm its watchdog for the rest.
 * The loop calls it once per round trip, right before plat_user_run().
 * Inline: with nothing to charge it costs no call (the common case).
 */
extern struct list_head proc_cpu_timers; /* every CPU-time POSIX timer */
void proc_timers_charge(struct uthread *ut, uint64_t user_ns, uint64_t sys_ns);

static inline void proc_timers_account(struct uthread *ut, uint64_t user_ns,
				       uint64_t sys_ns)
{
	if (!list_empty(&proc_cpu_timers) || ut->proc->cpu_left[0] ||
	    ut->proc->cpu_left[1] || ktimer_pending(&ut->cpu_watch))
		proc_timers_charge(ut, user_ns, sys_ns);
}
/* execve: POSIX timers go, interval timers stay.  exit: all go. */
void proc_timers_exec(struct proc *p);
void proc_timers_exit(struct proc *p);

/* --- clone (proc/fork.c) ---------------------------------------------------- */

/* What clone(2) and clone3(2) ask for, after their own argument parsing. */
struct clone_req {
	uint64_t flags;		  /* CLONE_*, without the exit signal */
	int exit_signal;	  /* for the parent at exit; 0 none */
	unsigned long stack;	  /* new stack pointer, 0 = the parent's */
	unsigned long tls;	  /* CLONE_SETTLS: the new FS base */
	unsigned long parent_tid; /* CLONE_PARENT_SETTID: where to store */
	unsigned long child_tid;  /* CLONE_CHILD_SETTID/CLEARTID */
	unsigned long pidfd;	  /* CLONE_PIDFD: where to store the fd */
};

/*
 * Create a thread or process as req says, with the calling thread's
 * registers (rax 0 in the child).  Returns the child's tid (its pid for a
 * process) or -errno: -EINVAL for flag combinations Linux refuses or
 * KOS does not support (namespaces), -EAGAIN (RLIMIT_NPROC, no pid),
 * -ENOMEM.  With CLONE_VFORK it returns once the child has exec'd or
 * exited.
 */
long proc_clone(const struct clone_req *req);

/* --- the user-thread loop (proc/proc.c) ---------------------------------- */

/*
 * Create the kernel thread for a new user thread ut (fully set up) and
 * let it run.  0 or -ENOMEM.
 */
int uthread_start(struct uthread *ut);

/* Set p's comm (and the calling thread's) from a program path. */
void proc_set_comm(struct uthread *ut, const char *path);

#endif
