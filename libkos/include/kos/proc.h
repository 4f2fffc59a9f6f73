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

struct vm_space;
struct fdtable;
struct vnode;
struct thread;

struct proc {
	int pid;
	int ppid;
	char comm[16];			/* basename of the program */
	struct vm_space *vm;
	struct fdtable *fdt;
	struct vnode *cwd;
	unsigned int uid, euid, gid, egid;
	int exit_status;		/* wait(2) status word once exited */
	bool exited;
};

/* One user thread: the kernel thread's user-mode half. */
struct uthread {
	struct proc *proc;
	struct thread *thread;
	struct uregs regs;		/* user registers while in the kernel */
	int tid;
	unsigned long clear_child_tid;	/* set_tid_address() */
	unsigned long robust_list;	/* set_robust_list() */
	size_t robust_len;
};

/* The process of the calling thread (NULL for pure kernel threads). */
struct proc *proc_current(void);
struct uthread *uthread_current(void);

#endif
