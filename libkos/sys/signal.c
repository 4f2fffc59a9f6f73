/*
 * Signal system calls: actions and masks (rt_sigaction, rt_sigprocmask),
 * sending (kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo),
 * waiting (rt_sigsuspend, pause, rt_sigtimedwait, rt_sigpending), the
 * alternate stack (sigaltstack) and the return from a handler
 * (rt_sigreturn).  The engine is libkos/proc/signal.c (kos/signal.h);
 * argument checks follow Linux's, in Linux's order.
 */
#include <kos/fpu.h>
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/pidfd.h>
#include <kos/proc.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/signal.h>
#include <uapi/time.h>

#define RFLAGS_USER_RESTORE 0x50dd5 /* AC OF DF TF SF ZF AF PF CF RF */

SYSCALL_DEFINE4(rt_sigaction, int, sig, const struct ksigaction __user *, act,
		struct ksigaction __user *, oact, size_t, sigsetsize)
{
	struct uthread *ut = uthread_current();
	struct sighand *sh = ut->sighand;
	struct ksigaction ka, old;
	unsigned long fl;

	/* Linux's order: the size, then reading act, then the signal. */
	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (act && copy_from_user(&ka, act, sizeof(ka)))
		return -EFAULT;
	if (sig < 1 || sig > _NSIG)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	fl = spin_lock_irqsave(&sh->lock);
	old = sh->action[sig - 1];
	/* Linux installs the new action even if storing the old one faults. */
	if (act) {
		ka.mask &= ~SIG_KERNEL_ONLY;
		sh->action[sig - 1] = ka;
		/* Setting SIG_IGN (or a default that ignores) discards. */
		if (ka.handler == SIG_IGN ||
		    (ka.handler == SIG_DFL &&
		     (sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH)))
			sig_flush_pending(ut, SIGBIT(sig));
	}
	spin_unlock_irqrestore(&sh->lock, fl);
	if (oact && copy_to_user(oact, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE4(rt_sigprocmask, int, how, const ksigset_t __user *, set,
		ksigset_t __user *, oset, size_t, sigsetsize)
{
	struct uthread *ut = uthread_current();
	ksigset_t new, old = ut->blocked;
	unsigned long fl;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (set) {
		if (copy_from_user(&new, set, sizeof(new)))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			new = old | new;
			break;
		case SIG_UNBLOCK:
			new = old & ~new;
			break;
		case SIG_SETMASK:
			break;
		default:
			return -EINVAL;
		}
	}
	if (oset && copy_to_user(oset, &old, sizeof(old)))
		return -EFAULT;
	if (set) {
		fl = spin_lock_irqsave(&ut->sighand->lock);
		ut->blocked = new & ~SIG_KERNEL_ONLY;
		spin_unlock_irqrestore(&ut->sighand->lock, fl);
		sig_recalc(ut);
	}
	return 0;
}

SYSCALL_DEFINE2(rt_sigpending, ksigset_t __user *, set, size_t, sigsetsize)
{
	struct uthread *ut = uthread_current();
	ksigset_t pend;
	unsigned long fl;

	if (sigsetsize > sizeof(ksigset_t))
		return -EINVAL;
	fl = spin_lock_irqsave(&ut->sighand->lock);
	pend = (ut->pending.set | ut->proc->shared.set) & ut->blocked;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	return copy_to_user(set, &pend, sigsetsize) ? -EFAULT : 0;
}

/* ---- sending ------------------------------------------------------------- */

#define CAP_KILL 5

/* May the caller signal p (Linux's check_kill_permission)? */
static bool may_signal(struct proc *p, int sig)
{
	struct proc *me = proc_current();
	const struct creds *a = &me->cred, *b = &p->cred;

	if (p == me || (a->cap_effective & (1ULL << CAP_KILL)))
		return true;
	if (sig == SIGCONT && me->sid == p->sid)
		return true;
	return a->euid == b->suid || a->euid == b->uid || a->uid == b->suid ||
	       a->uid == b->uid;
}

/*
 * kill(2)'s targets: pid > 0 a process (any of its thread ids works),
 * 0 the caller's group, -1 everyone but init and the caller, < -1 group
 * -pid.  Returns 0 if at least one got it, else the first error.
 */
static long kill_targets(int pid, int sig, const struct ksiginfo *info)
{
	struct proc *me = proc_current(), *p, *tmp;
	bool any = false;
	long err = -ESRCH;

	mutex_lock(&proc_lock);
	if (pid > 0) {
		struct uthread *t = pid_task(pid);

		p = t && !t->exited ? t->proc : (t ? pid_proc(pid) : NULL);
		if (p && p->state != PROC_DEAD) {
			if (!may_signal(p, sig))
				err = -EPERM;
			else if (p->state == PROC_ZOMBIE || !sig)
				err = 0;
			else
				err = sig_send_proc(p, sig, info);
		}
		mutex_unlock(&proc_lock);
		return err;
	}
	list_for_each_entry_safe (p, tmp, &proc_list, link) {
		int pg = pid == 0 ? me->pgid : -pid;

		if (p->state == PROC_DEAD)
			continue;
		if (pid == -1 ? (p->pid == 1 || p == me) : p->pgid != pg)
			continue;
		if (!may_signal(p, sig)) {
			if (!any)
				err = -EPERM;
			continue;
		}
		any = true;
		if (sig && p->state == PROC_LIVE)
			sig_send_proc(p, sig, info);
	}
	mutex_unlock(&proc_lock);
	return any ? 0 : err;
}

SYSCALL_DEFINE2(kill, int, pid, int, sig)
{
	struct ksiginfo info;

	if (sig < 0 || sig > _NSIG)
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	sig_info_user(&info, sig, SI_USER);
	return kill_targets(pid, sig, &info);
}

/* tkill/tgkill: one thread (of process tgid, unless tgid <= 0). */
static long thread_kill(int tgid, int tid, int sig, const struct ksiginfo *info)
{
	struct uthread *t;
	long err = -ESRCH;

	if (tid <= 0)
		return -EINVAL;
	mutex_lock(&proc_lock);
	t = pid_task(tid);
	if (t && !t->exited && !t->exiting &&
	    (tgid <= 0 || t->proc->pid == tgid)) {
		if (!may_signal(t->proc, sig))
			err = -EPERM;
		else
			err = sig ? sig_send_thread(t, sig, info) : 0;
	}
	mutex_unlock(&proc_lock);
	return err;
}

SYSCALL_DEFINE2(tkill, int, tid, int, sig)
{
	struct ksiginfo info;

	if (sig < 0 || sig > _NSIG)
		return -EINVAL;
	sig_info_user(&info, sig, SI_TKILL);
	return thread_kill(0, tid, sig, &info);
}

SYSCALL_DEFINE3(tgkill, int, tgid, int, tid, int, sig)
{
	struct ksiginfo info;

	if (sig < 0 || sig > _NSIG)
		return -EINVAL;
	if (tgid <= 0)
		return -EINVAL;
	sig_info_user(&info, sig, SI_TKILL);
	return thread_kill(tgid, tid, sig, &info);
}

/* The siginfo a sigqueue caller passes: only what it may claim. */
static long user_siginfo(struct ksiginfo *info, int sig, int target,
			 const struct ksiginfo __user *uinfo)
{
	if (copy_from_user(info, uinfo, sizeof(*info)))
		return -EFAULT;
	/*
	 * Codes >= 0 (the kernel's and kill's) and SI_TKILL only to the
	 * caller itself: Linux compares target with the calling thread's id,
	 * whoever the caller is, root included.
	 */
	if ((info->si_code >= 0 || info->si_code == SI_TKILL) &&
	    target != uthread_current()->tid)
		return -EPERM;
	info->si_signo = sig;
	return 0;
}

SYSCALL_DEFINE3(rt_sigqueueinfo, int, pid, int, sig,
		const struct ksiginfo __user *, uinfo)
{
	struct ksiginfo info;
	long err = user_siginfo(&info, sig, pid, uinfo);

	if (err)
		return err;
	if (sig < 0 || sig > _NSIG)
		return -EINVAL;
	if (pid <= 0)
		return -ESRCH;
	return kill_targets(pid, sig, &info);
}

SYSCALL_DEFINE4(rt_tgsigqueueinfo, int, tgid, int, tid, int, sig,
		const struct ksiginfo __user *, uinfo)
{
	struct ksiginfo info;
	long err;

	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	err = user_siginfo(&info, sig, tid, uinfo);
	if (err)
		return err;
	if (sig < 0 || sig > _NSIG)
		return -EINVAL;
	return thread_kill(tgid, tid, sig, &info);
}

/* ---- pidfds ------------------------------------------------------------------ */

SYSCALL_DEFINE2(pidfd_open, int, pid, __as_hex unsigned int, flags)
{
	struct file *f;
	struct proc *p;
	int err;

	if (flags & ~(unsigned int)O_NONBLOCK)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	mutex_lock(&proc_lock);
	p = pid_proc(pid);
	if (!p) {
		mutex_unlock(&proc_lock);
		return pid_task(pid) ? -ENOENT : -ESRCH;
	}
	err = pidfd_create(p, (int)flags, &f);
	mutex_unlock(&proc_lock);
	if (err)
		return err;
	err = fd_install(f, true);
	if (err < 0)
		file_put(f);
	return err;
}

SYSCALL_DEFINE4(pidfd_send_signal, __as_fd int, pidfd, int, sig,
		struct ksiginfo __user *, uinfo, __as_hex unsigned int, flags)
{
	struct ksiginfo info;
	struct file *f;
	struct proc *p = NULL;
	long err;
	int pid;

	if (flags)
		return -EINVAL;
	if (sig < 0 || sig > _NSIG)
		return -EINVAL;
	/* A pidfd, or (as Linux) a /proc/<pid> directory: found below. */
	f = fd_get_file(pidfd);
	if (!f)
		return -EBADF;
	p = pidfd_proc(f);
	pid = p ? p->pid : procfs_tgid_of(f);
	if (!pid) {
		file_put(f);
		return -EBADF;
	}
	if (uinfo) {
		/* Only a process's own signals may claim kernel codes. */
		err = user_siginfo(&info, sig, pid, uinfo);
	} else {
		sig_info_user(&info, sig, SI_USER);
		err = 0;
	}
	if (!err) {
		mutex_lock(&proc_lock);
		if (!p)
			p = pid_proc(pid);
		if (!p || p->state != PROC_LIVE)
			err = -ESRCH;
		else if (sig)
			err = sig_send_proc(p, sig, &info);
		mutex_unlock(&proc_lock);
	}
	file_put(f);
	return err;
}

/* ---- waiting -------------------------------------------------------------- */

static bool never(void *arg)
{
	return false;
}

/* Sleep until a signal (the handler runs with the old mask restored). */
static long suspend_with(ksigset_t mask)
{
	struct uthread *ut = uthread_current();
	struct waitq wq;
	unsigned long fl;

	fl = spin_lock_irqsave(&ut->sighand->lock);
	ut->saved_blocked = ut->blocked;
	ut->restore_blocked = true;
	ut->blocked = mask & ~SIG_KERNEL_ONLY;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	waitq_init(&wq);
	while (sig_wait(&wq, never, NULL, UINT64_MAX) != -EINTR)
		;
	return -ERESTARTNOHAND;
}

SYSCALL_DEFINE2(rt_sigsuspend, const ksigset_t __user *, umask, size_t,
		sigsetsize)
{
	ksigset_t mask;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	return suspend_with(mask);
}

SYSCALL_DEFINE0(pause)
{
	struct waitq wq;

	waitq_init(&wq);
	while (sig_wait(&wq, never, NULL, UINT64_MAX) != -EINTR)
		;
	return -ERESTARTNOHAND;
}

/* The lowest pending signal in set, dequeued with its info; 0 if none. */
static int take_from(struct uthread *ut, ksigset_t set, struct ksiginfo *info)
{
	ksigset_t saved = ut->blocked;
	unsigned long fl;
	int sig;

	fl = spin_lock_irqsave(&ut->sighand->lock);
	ut->blocked = ~set;
	sig = sig_dequeue(ut, info);
	ut->blocked = saved;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	return sig;
}

struct timedwait_arg {
	struct uthread *ut;
	ksigset_t set;
};

static bool set_pending(void *arg)
{
	struct timedwait_arg *a = arg;

	return ((a->ut->pending.set | a->ut->proc->shared.set) & a->set) != 0;
}

SYSCALL_DEFINE4(rt_sigtimedwait, const ksigset_t __user *, uset,
		struct ksiginfo __user *, uinfo, const struct timespec __user *,
		uts, size_t, sigsetsize)
{
	struct uthread *ut = uthread_current();
	struct timedwait_arg a = { ut, 0 };
	uint64_t deadline = UINT64_MAX;
	struct ksiginfo info;
	struct timespec ts;
	ksigset_t saved;
	unsigned long fl;
	struct waitq wq;
	int sig, err;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (copy_from_user(&a.set, uset, sizeof(a.set)))
		return -EFAULT;
	a.set &= ~SIG_KERNEL_ONLY;
	if (uts) {
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
		    ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
			return -EINVAL;
		deadline = clock_deadline_after(
			(uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec);
	}
	sig = take_from(ut, a.set, &info);
	if (!sig) {
		/* Wait with the set unblocked: a signal in it must wake us. */
		fl = spin_lock_irqsave(&ut->sighand->lock);
		saved = ut->blocked;
		ut->real_blocked = saved; /* still blocked for the senders */
		ut->blocked &= ~a.set;
		spin_unlock_irqrestore(&ut->sighand->lock, fl);
		waitq_init(&wq);
		err = sig_wait(&wq, set_pending, &a, deadline);
		fl = spin_lock_irqsave(&ut->sighand->lock);
		ut->blocked = saved;
		ut->real_blocked = 0;
		spin_unlock_irqrestore(&ut->sighand->lock, fl);
		sig = take_from(ut, a.set, &info);
		if (!sig)
			return err == -ETIMEDOUT ? -EAGAIN : -EINTR;
	}
	if (uinfo && copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return sig;
}

/* ---- the alternate stack ---------------------------------------------------- */

SYSCALL_DEFINE2(sigaltstack, const struct kstack __user *, uss,
		struct kstack __user *, uoss)
{
	struct uthread *ut = uthread_current();
	struct kstack old = ut->altstack, ss;
	unsigned long sp;
	bool on;

	uthread_regs_full(ut); /* rsp */
	sp = ut->regs.rsp;
	on = !(old.ss_flags & SS_DISABLE) && sp > old.ss_sp &&
	     sp - old.ss_sp <= old.ss_size;

	old.ss_flags = (old.ss_flags & SS_DISABLE) ? SS_DISABLE
		       : on			   ? SS_ONSTACK
						   : 0;
	old.ss_flags |= ut->altstack.ss_flags & SS_AUTODISARM;
	if (uss) {
		int mode;

		if (copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		if (on)
			return -EPERM;
		mode = ss.ss_flags & ~SS_AUTODISARM;
		if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			ut->altstack.ss_sp = 0;
			ut->altstack.ss_size = 0;
			ut->altstack.ss_flags = SS_DISABLE;
		} else {
			if (ss.ss_size < MINSIGSTKSZ)
				return -ENOMEM;
			ut->altstack.ss_sp = ss.ss_sp;
			ut->altstack.ss_size = ss.ss_size;
			ut->altstack.ss_flags = ss.ss_flags & SS_AUTODISARM;
		}
	}
	if (uoss && copy_to_user(uoss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* ---- returning from a handler -------------------------------------------------- */

/* Read the FPU state a frame points at; 0 or -EFAULT/-EINVAL. */
static int restore_fpu(struct uthread *ut, unsigned long ufp)
{
	size_t size = plat_fpu_size();
	uint64_t xfeat = plat_fpu_xfeatures();
	struct kfpx_sw_bytes sw;
	size_t take = FPU_FX_SIZE;
	uint8_t *image;
	uint32_t m2;
	int err;

	if (!ufp) {
		plat_fpu_reset(ut->thread);
		return 0;
	}
	if (ufp & 63)
		return -EFAULT;
	image = kmalloc(size);
	if (!image)
		return -ENOMEM;
	plat_fpu_save(ut->thread, image); /* what the frame does not hold */
	if (xfeat && !copy_from_user(&sw, (void *)(ufp + 464), sizeof(sw)) &&
	    sw.magic1 == FP_XSTATE_MAGIC1 &&
	    sw.xstate_size >= FPU_FX_SIZE + 64 && sw.xstate_size <= size &&
	    sw.extended_size == sw.xstate_size + FP_XSTATE_MAGIC2_SIZE &&
	    !copy_from_user(&m2, (void *)(ufp + sw.xstate_size), 4) &&
	    m2 == FP_XSTATE_MAGIC2)
		take = sw.xstate_size;
	err = copy_from_user(image, (void *)ufp, take);
	if (!err && take == FPU_FX_SIZE && xfeat) {
		/* A legacy frame: x87 and SSE from it, the rest initial. */
		uint64_t *hdr = (uint64_t *)(image + FPU_FX_SIZE);

		kos_memset(hdr, 0, 64);
		hdr[0] = 3;
	}
	if (!err)
		err = plat_fpu_restore(ut->thread, image);
	kfree(image);
	return err;
}

SYSCALL_DEFINE0(rt_sigreturn)
{
	struct uthread *ut = uthread_current();
	struct uregs *r = &ut->regs;
	unsigned long frame;
	struct kucontext uc;
	struct ksigcontext *sc = &uc.uc_mcontext;
	unsigned long fl;

	uthread_regs_full(ut);
	frame = r->rsp - 8;

	if (copy_from_user(&uc,
			   (void *)(frame + __builtin_offsetof(
						    struct krt_sigframe, uc)),
			   sizeof(uc)))
		goto bad;
	r->r8 = sc->r8;
	r->r9 = sc->r9;
	r->r10 = sc->r10;
	r->r11 = sc->r11;
	r->r12 = sc->r12;
	r->r13 = sc->r13;
	r->r14 = sc->r14;
	r->r15 = sc->r15;
	r->rdi = sc->rdi;
	r->rsi = sc->rsi;
	r->rbp = sc->rbp;
	r->rbx = sc->rbx;
	r->rdx = sc->rdx;
	r->rax = sc->rax;
	r->rcx = sc->rcx;
	r->rsp = sc->rsp;
	r->rip = sc->rip;
	r->eflags = (r->eflags & ~RFLAGS_USER_RESTORE) |
		    (sc->eflags & RFLAGS_USER_RESTORE);
	r->orig_rax = (uint64_t)-1; /* no restart games with this rax */
	fl = spin_lock_irqsave(&ut->sighand->lock);
	ut->blocked = uc.uc_sigmask & ~SIG_KERNEL_ONLY;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	sig_recalc(ut);
	if (restore_fpu(ut, sc->fpstate))
		goto bad;
	/* The alternate stack as the frame recorded it (errors ignored). */
	{
		unsigned long sp = r->rsp;
		struct kstack *a = &ut->altstack;
		bool on = !(a->ss_flags & SS_DISABLE) && sp > a->ss_sp &&
			  sp - a->ss_sp <= a->ss_size;
		int mode = uc.uc_stack.ss_flags & ~SS_AUTODISARM;

		if (!on && (mode == 0 || mode == SS_ONSTACK) &&
		    uc.uc_stack.ss_size >= MINSIGSTKSZ) {
			a->ss_sp = uc.uc_stack.ss_sp;
			a->ss_size = uc.uc_stack.ss_size;
			a->ss_flags = uc.uc_stack.ss_flags & SS_AUTODISARM;
		} else if (!on && mode == SS_DISABLE) {
			a->ss_sp = 0;
			a->ss_size = 0;
			a->ss_flags = SS_DISABLE;
		}
	}
	return (long)r->rax;
bad:
	sig_force_segv(ut);
	return 0;
}

/* restart_syscall(2): resume what ERESTART_RESTARTBLOCK interrupted. */
SYSCALL_DEFINE0(restart_syscall)
{
	struct uthread *ut = uthread_current();
	long (*fn)(struct uthread *) = ut->restart.fn;

	ut->restart.fn = NULL;
	return fn ? fn(ut) : -EINTR;
}
