/*
 * Processes: what a Linux process is to the rest of the kernel.
 *
 * A process owns an address space (struct vm_space), a file-descriptor
 * table, a working directory and credentials; its threads are kernel
 * threads (struct thread) whose priv points at their struct uthread.  Each
 * user thread's kernel side is one loop (proc_user_loop): run user code
 * with plat_user_run(), handle the trap (system call, page fault,
 * exception), deliver signals, run again.
 *
 * (Work in progress for the static-binaries issue; fields are added as the
 * subsystems land.)
 */
#ifndef KOS_PROC_H
#define KOS_PROC_H

#include <kos/list.h>
#include <kos/plat/user.h>
#include <kos/types.h>
#include <kos/waitq.h>
#include <uapi/resource.h>
#include <uapi/signal.h>

struct vm_space;
struct fdtable;
struct vnode;
struct thread;

struct proc {
	int pid;
	int ppid;
	char comm[16]; /* basename of the program */
	struct vm_space *vm;
	struct fdtable *fdt;
	struct vnode *cwd;
	unsigned int uid, euid, gid, egid;
	struct rlimit64 rlim[RLIM_NLIMITS];
	struct ksigaction sigactions[_NSIG]; /* recorded; delivery later */

	bool exiting;	       /* exit_group() or a fatal signal */
	int exit_status;       /* wait(2) status word once exiting */
	bool exited;	       /* torn down; exit_status final */
	struct waitq exit_wq;  /* waiters for exited */
	struct list_head link; /* all processes */
};

/* One user thread: the kernel thread's user-mode half. */
struct uthread {
	struct proc *proc;
	struct thread *thread;
	struct uregs regs; /* user registers while in the kernel */
	int tid;
	unsigned long clear_child_tid; /* set_tid_address() */
	unsigned long robust_list;     /* set_robust_list() */
	size_t robust_len;
	ksigset_t sigmask; /* blocked signals */
};

/* The process of the calling thread (NULL for pure kernel threads). */
struct proc *proc_current(void);
struct uthread *uthread_current(void);

/*
 * Start PID 1: a new process running the program at path with argv/envp
 * (NULL-terminated kernel arrays), stdin/stdout/stderr on /dev/console.
 * Returns its proc, or NULL with *err set (-ENOENT, -ENOEXEC, ...).
 */
struct proc *proc_start_init(const char *path, const char *const argv[],
			     const char *const envp[], int *err);

/* Give p the resource limits Linux gives init (sys/rlimit.c). */
void proc_rlimits_init(struct proc *p);

/*
 * Wait until p has exited; returns its wait(2) status word.  p itself is
 * not freed (there is no reaping before wait4 exists; PID 1 lives on).
 */
int proc_wait(struct proc *p);

/* Forget p, which proc_wait() saw exit: its pid is free again. */
void proc_release(struct proc *p);

/*
 * Start pid numbering again at 1, as after a boot (the test batch runner,
 * kern/batch.c).  -EBUSY if any process is still known.
 */
int proc_restart_pids(void);

/*
 * End the calling process: every thread leaves at its next return to the
 * kernel loop.  status is a wait(2) status word ((code & 0xff) << 8 for an
 * exit, the signal number for a kill).
 */
void proc_exit_group(int status);

/* Kill the calling process with a fatal signal (no handlers yet). */
void proc_fatal_signal(int sig, const char *why, unsigned long addr);

#endif
