/*
 * Private declarations of the process layer (libkos/proc/).
 */
#ifndef KOS_PROC_INTERNAL_H
#define KOS_PROC_INTERNAL_H

#include <kos/list.h>
#include <kos/proc.h>
#include <kos/signal.h>

/* PID 1, while it exists (proc_lock). */
extern struct proc *init_proc;

/* A new, empty process (refcount 1, no threads, not listed). */
struct proc *proc_alloc(void);
/* A new thread of p (referenced), with no tid and nothing shared yet. */
struct uthread *uthread_alloc(struct proc *p);

/*
 * PID 1 up to its program: the process and its one thread (named comm),
 * listed, with a file table holding /dev/console as fds 0-2, the root
 * and cwd, signal handlers; no address space yet.  0 or -errno.
 * proc_init_abort() undoes it while nothing runs the thread.
 */
int proc_init_create(const char *comm, struct proc **pp, struct uthread **utp);
void proc_init_abort(struct proc *p, struct uthread *ut);

/* Free what a thread group owns once nothing refers to it. */
void proc_free(struct proc *p);

/* exec.c: replace the calling thread's program; see sys_execve. */

/* signal.c */
void sigpending_init(struct sigpending *sp);
void sigpending_flush(struct sigpending *sp);
/* A stopped or exiting group: wake every thread so it notices. */
void sig_wake_group(struct proc *p);
/* Tell p's parent about a state change (SIGCHLD, child_wq). */
void sig_notify_parent(struct proc *p, int why, int status);
/* execve: caught signals back to default, altstack off. */
void sig_exec_reset(struct uthread *ut);
/* Block all but SIGKILL/SIGSTOP... for the given thread: used by init. */
bool sig_action_ignored(struct uthread *ut, int sig);

/* exit.c */
/* Release ut's shares (vm, files, fs, sighand) as a thread leaves. */
void uthread_release_resources(struct uthread *ut);
/*
 * Children of p forked by thread old_tid now count new_tid as their
 * parent thread; exiting: old_tid left (PR_SET_PDEATHSIG).  proc_lock.
 */
void proc_thread_children(struct proc *p, int old_tid, int new_tid,
			  bool exiting);
/* coredump.c: write the core file if a dump is due (first thread out). */
void proc_coredump(struct uthread *ut);
/* Keep vm's peak RSS in p's maxrss (the space is going away). */
void proc_note_maxrss(struct proc *p, const struct vm_space *vm);
/* Free a thread group's zombie (reaped).  proc_lock held. */
void proc_reap(struct proc *p);
/* The vfork parent of ut may go on (ut exits or has exec'd). */
void vfork_release(struct uthread *ut);
/* Should ut leave its loop (group exit, exec by another thread)? */
static inline bool uthread_must_exit(struct uthread *ut)
{
	struct proc *p = ut->proc;

	if (ut->exit_thread)
		return true;
	if (p->sigflags & PROC_GROUP_EXIT) {
		if (!ut->exit_code)
			ut->exit_code = p->group_exit_status;
		return true;
	}
	return p->exec_owner && p->exec_owner != ut;
}

/* futex.c: the thread's clear_child_tid and robust list at exit. */
void futex_exit_cleanup(struct uthread *ut);

#endif
