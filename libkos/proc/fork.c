/*
 * Creating threads and processes: clone(2), clone3(2), fork(2), vfork(2).
 *
 * proc_clone() checks the flags in Linux's order, then builds the child
 * from the calling thread flag by flag (kos/proc.h lists what each flag
 * shares; without it the child gets a copy), gives it a tid, links it
 * into the thread group or the process tree, and starts its kernel
 * thread.  The child resumes from the same registers with rax = 0, on
 * the given stack and TLS, with a copy of the FPU state.
 *
 * Not supported, refused with -EINVAL: the namespace flags
 * (CLONE_NEW*), CLONE_INTO_CGROUP and clone3's set_tid.
 */
#include <kos/tty.h>
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/pidfd.h>
#include <kos/plat/user.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/sched.h>

#include "internal.h"

#define CLONE_NAMESPACES                                               \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
	 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME)

/* Linux's checks of the flag combination (copy_process), in its order. */
static int check_flags(uint64_t f, struct proc *cur)
{
	if ((f & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
		return -EINVAL;
	if ((f & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		return -EINVAL;
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		return -EINVAL;
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		return -EINVAL;
	if ((f & CLONE_PARENT) && (cur->sigflags & PROC_UNKILLABLE))
		return -EINVAL;
	if ((f & CLONE_THREAD) && (f & (CLONE_NEWUSER | CLONE_NEWPID)))
		return -EINVAL;
	if ((f & CLONE_PIDFD) && (f & CLONE_DETACHED))
		return -EINVAL;
	if (f & (CLONE_NAMESPACES | CLONE_INTO_CGROUP))
		return -EINVAL; /* not supported */
	return 0;
}

/* Undo a child that never ran.  proc_lock free. */
static void clone_abort(struct uthread *ut, bool new_proc)
{
	struct proc *p = ut->proc;

	mutex_lock(&proc_lock);
	if (ut->tid) {
		unsigned long fl = spin_lock_irqsave(&ut->sighand->lock);

		list_del(&ut->group_link);
		list_init(&ut->group_link);
		spin_unlock_irqrestore(&ut->sighand->lock, fl);
		pid_free(ut->tid);
		if (new_proc) {
			list_del(&p->sibling);
			list_init(&p->sibling);
			list_del(&p->link);
			list_init(&p->link);
			p->state = PROC_DEAD;
		} else {
			p->nr_threads--;
		}
	}
	mutex_unlock(&proc_lock);
	uthread_release_resources(ut);
	sighand_put(ut->sighand);
	ut->sighand = NULL;
	kfree(ut->fpu_image);
	ut->fpu_image = NULL;
	if (ut->tid)
		uthread_put(ut); /* the group's reference */
	uthread_put(ut);
	if (new_proc && ut->tid)
		proc_put(p); /* the tree's reference */
}

/* A new process: the calling one's identity, limits and name. */
static struct proc *new_proc(struct proc *cur, const struct clone_req *req)
{
	struct proc *p = proc_alloc();

	if (!p)
		return NULL;
	p->cred = cur->cred;
	p->cred.groups = NULL;
	if (cur->cred.ngroups) {
		size_t n = cur->cred.ngroups * sizeof(unsigned int);

		p->cred.groups = kmalloc(n);
		if (!p->cred.groups) {
			proc_put(p);
			return NULL;
		}
		kos_memcpy(p->cred.groups, cur->cred.groups, n);
	}
	kos_memcpy(p->rlim, cur->rlim, sizeof(p->rlim));
	kos_memcpy(p->comm, cur->comm, sizeof(p->comm));
	p->nice = cur->nice;
	p->no_new_privs = cur->no_new_privs;
	p->dumpable = cur->dumpable;
	p->exit_signal = req->exit_signal;
	return p;
}

/* Platforms without a limit on threads per address space (plat/user.h). */
__attribute__((weak)) int plat_thread_reserve(struct plat_as *as,
					      unsigned int nthreads)
{
	(void)as;
	(void)nthreads;
	return 0;
}

/* The shares of a new thread, per flag.  0, -ENOMEM or -EAGAIN. */
static int copy_shares(struct uthread *ut, struct uthread *cur, uint64_t f)
{
	if (f & CLONE_VM) {
		/* The platform may run only so many threads in one space. */
		unsigned int n = __atomic_add_fetch(&cur->vm->nr_threads, 1,
						    __ATOMIC_RELAXED);
		int err = plat_thread_reserve(cur->vm->as, n);

		if (err) {
			__atomic_sub_fetch(&cur->vm->nr_threads, 1,
					   __ATOMIC_RELAXED);
			return err;
		}
		vm_get(cur->vm);
		ut->vm = cur->vm;
	} else {
		ut->vm = vm_fork(cur->vm);
		if (ut->vm)
			__atomic_add_fetch(&ut->vm->nr_threads, 1,
					   __ATOMIC_RELAXED);
	}
	if (f & CLONE_FILES) {
		fdtable_get(cur->fdt);
		ut->fdt = cur->fdt;
	} else {
		ut->fdt = fdtable_clone(cur->fdt);
	}
	if (f & CLONE_FS) {
		__atomic_add_fetch(&cur->fs->refcnt, 1, __ATOMIC_RELAXED);
		ut->fs = cur->fs;
	} else {
		ut->fs = fs_info_copy(cur->fs);
	}
	if (f & CLONE_SIGHAND) {
		__atomic_add_fetch(&cur->sighand->refcnt, 1, __ATOMIC_RELAXED);
		ut->sighand = cur->sighand;
	} else {
		ut->sighand = sighand_copy(cur->sighand);
		if (ut->sighand && (f & CLONE_CLEAR_SIGHAND))
			for (int i = 0; i < _NSIG; i++)
				if (ut->sighand->action[i].handler != SIG_IGN)
					kos_memset(&ut->sighand->action[i], 0,
						   sizeof(struct ksigaction));
	}
	if (!ut->vm || !ut->fdt || !ut->fs || !ut->sighand)
		return -ENOMEM;
	return 0;
}

/* Is the calling user over RLIMIT_NPROC (root and CAP_SYS_RESOURCE not)? */
static bool nproc_exceeded(struct proc *cur)
{
	uint64_t lim = cur->rlim[RLIMIT_NPROC].rlim_cur;

	if (cur->cred.uid == 0 || (cur->cred.cap_effective & (1ULL << 24)))
		return false;
	return (uint64_t)proc_count_uid(cur->cred.uid) >= lim;
}

long proc_clone(const struct clone_req *req)
{
	struct uthread *cur = uthread_current(), *ut;
	struct proc *curp = cur->proc, *p;
	uint64_t f = req->flags;
	struct vfork_done vd;
	bool newp = !(f & CLONE_THREAD);
	unsigned long fl;
	long err;
	int tid;

	err = check_flags(f, curp);
	if (err)
		return err;
	uthread_regs_full(cur); /* the child starts with all of them */
	if (newp) {
		p = new_proc(curp, req);
		if (!p)
			return -ENOMEM;
	} else {
		p = curp;
	}
	ut = uthread_alloc(p);
	if (newp)
		proc_put(p); /* ut holds it now */
	if (!ut)
		return -ENOMEM;
	kos_memcpy(ut->comm, cur->comm, sizeof(ut->comm));
	/*
	 * SCHED_RESET_ON_FORK: the child loses the flag and a negative nice
	 * value; the normal policies stay (only real-time ones, which KOS
	 * does not have, would become SCHED_OTHER).
	 */
	ut->sched_policy = cur->sched_policy & ~SCHED_RESET_ON_FORK;
	ut->personality = cur->personality;
	if ((cur->sched_policy & SCHED_RESET_ON_FORK) && newp && p->nice < 0)
		p->nice = 0;
	err = copy_shares(ut, cur, f);
	if (err)
		goto fail;
	ut->fpu_image = kmalloc(plat_fpu_size());
	if (!ut->fpu_image) {
		err = -ENOMEM;
		goto fail;
	}
	plat_fpu_save(cur->thread, ut->fpu_image);

	/* Registers: the parent's, returning 0, on the new stack and TLS. */
	ut->regs = cur->regs;
	ut->regs.rax = 0;
	if (req->stack)
		ut->regs.rsp = req->stack;
	if (f & CLONE_SETTLS)
		ut->regs.fs_base = req->tls;
	ut->blocked = cur->blocked;
	if ((f & (CLONE_VM | CLONE_VFORK)) != CLONE_VM)
		ut->altstack = cur->altstack;
	if (f & CLONE_CHILD_SETTID)
		ut->set_child_tid = req->child_tid;
	if (f & CLONE_CHILD_CLEARTID)
		ut->clear_child_tid = req->child_tid;
	if (f & CLONE_VFORK) {
		vd.done = false;
		waitq_init(&vd.wq);
		ut->vfork_done = &vd;
	}

	mutex_lock(&proc_lock);
	if (newp && nproc_exceeded(curp)) {
		mutex_unlock(&proc_lock);
		err = -EAGAIN;
		goto fail;
	}
	fl = spin_lock_irqsave(&cur->sighand->lock);
	if (curp->sigflags & PROC_GROUP_EXIT) {
		spin_unlock_irqrestore(&cur->sighand->lock, fl);
		mutex_unlock(&proc_lock);
		err = -ERESTARTNOINTR;
		goto fail;
	}
	spin_unlock_irqrestore(&cur->sighand->lock, fl);
	tid = pid_alloc(ut);
	if (tid < 0) {
		mutex_unlock(&proc_lock);
		err = tid;
		goto fail;
	}
	ut->tid = tid;
	if (newp) {
		struct proc *parent = (f & CLONE_PARENT) ? curp->parent : curp;

		p->pid = tid;
		p->leader = ut;
		p->pgid = curp->pgid;
		p->sid = curp->sid;
		tty_fork(p, curp);
		p->parent = parent;
		p->parent_tid =
			(f & CLONE_PARENT) ? curp->parent_tid : cur->tid;
		if (parent)
			list_add_tail(&p->sibling, &parent->children);
		list_add_tail(&p->link, &proc_list);
		proc_get(p); /* the tree's reference, until reaped */
	}
	fl = spin_lock_irqsave(&ut->sighand->lock);
	list_add_tail(&ut->group_link, &p->threads);
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	uthread_get(ut); /* the group's reference */
	p->nr_threads++;
	mutex_unlock(&proc_lock);

	if ((f & CLONE_PARENT_SETTID) &&
	    copy_to_user((void *)req->parent_tid, &tid, sizeof(tid))) {
		/* Linux ignores this fault; so does KOS. */
	}
	if (f & CLONE_PIDFD) {
		/* The parent's pidfd for the child, close-on-exec. */
		struct file *pf;
		int fd = pidfd_create(p, 0, &pf);

		if (!fd) {
			fd = fdt_install(cur->fdt, pf, 0, true);
			if (fd < 0)
				file_put(pf);
		}
		if (fd >= 0 &&
		    copy_to_user((void *)req->pidfd, &fd, sizeof(fd))) {
			fdt_close(cur->fdt, fd);
			fd = -EFAULT;
		}
		if (fd < 0) {
			err = fd;
			goto fail_started; /* the child never ran */
		}
	}
	err = uthread_start(ut);
	if (err) {
		/* uthread_start failed: the group's reference is dropped too */
		goto fail_started;
	}
	if (f & CLONE_VFORK) {
		struct waitq_entry e;

		/* Killable: a fatal signal ends the wait (not the child). */
		for (;;) {
			waitq_prepare(&vd.wq, &e);
			if (vd.done || sig_fatal_pending())
				break;
			waitq_sleep(&e, UINT64_MAX);
		}
		waitq_finish(&vd.wq, &e);
		if (!vd.done) {
			/* The child must not point at our stack any more. */
			mutex_lock(&proc_lock);
			if (ut->vfork_done == &vd)
				ut->vfork_done = NULL;
			mutex_unlock(&proc_lock);
		}
	}
	uthread_put(ut); /* ours; the kernel thread and the group hold it */
	return tid;

fail_started:
	clone_abort(ut, newp);
	return err;
fail:
	if (ut->tid) {
		clone_abort(ut, newp);
		return err;
	}
	uthread_release_resources(ut);
	sighand_put(ut->sighand);
	ut->sighand = NULL;
	kfree(ut->fpu_image);
	ut->fpu_image = NULL;
	uthread_put(ut);
	return err;
}
