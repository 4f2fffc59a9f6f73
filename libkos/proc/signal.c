/*
 * Signals: generation, the pending sets, and delivery (kos/signal.h).
 *
 * Generation (send_signal) runs in any context.  It applies what the
 * signal does at once whatever the receiver does: SIGCONT resumes a
 * stopped group and discards pending stop signals, a stop signal
 * discards a pending SIGCONT, an ignored signal is dropped, and a signal
 * that will kill the process (SIGKILL, or a default-fatal signal nobody
 * blocks or handles) starts the group exit right there, so that even a
 * stopped or sleeping process dies promptly.  Otherwise the signal joins
 * the thread's or the process's pending set -- standard signals at most
 * once, real-time ones queued with their values -- and a thread that
 * does not block it is woken.
 *
 * Delivery (sig_handle) runs in the receiving thread before it returns
 * to user mode.  It first finishes an interrupted system call (return
 * -EINTR or restart it), then takes pending signals lowest first,
 * thread-directed ones before the process's, and acts: ignore, stop the
 * group, kill the group (status: the signal, plus the core bit for
 * "core" signals when RLIMIT_CORE allows a dump), or build a handler
 * frame.  Several handlers may be set up in one pass; each new frame
 * lands below the previous one, so the last set up runs first.
 *
 * The frame is Linux's: below the red zone (or on the alternate stack)
 * the FPU state in XSAVE format, 64-byte aligned, with struct
 * _fpx_sw_bytes in its software bytes and FP_XSTATE_MAGIC2 after it;
 * below that struct rt_sigframe (restorer address, ucontext, siginfo)
 * with rsp % 16 == 8 at the handler's entry, as after a call.
 *
 * Locking: sighand->lock (interrupts off) for pending sets, actions,
 * blocked masks and the group flags; see kos/proc.h.
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/user.h>
#include <kos/ptimer.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/resource.h>
#include <uapi/unistd.h>
#include <uapi/wait.h>

#include "internal.h"

#define USER_CS 0x33
#define USER_SS 0x2b
#define RFLAGS_TF 0x100
#define RFLAGS_DF 0x400
#define RFLAGS_RF 0x10000

/* Default actions. */
enum sig_default { SD_TERM, SD_CORE, SD_IGN, SD_STOP, SD_CONT };

static enum sig_default sig_default(int sig)
{
	switch (sig) {
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGSYS:
		return SD_CORE;
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
		return SD_IGN;
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return SD_STOP;
	case SIGCONT:
		return SD_CONT;
	default:
		return SD_TERM;
	}
}

bool sig_default_kills(int sig)
{
	enum sig_default d = sig_default(sig);

	return d == SD_TERM || d == SD_CORE;
}

#define STOP_SIGNALS \
	(SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

/* ---- pending sets ------------------------------------------------------ */

void sigpending_init(struct sigpending *sp)
{
	sp->set = 0;
	list_init(&sp->queue);
}

/*
 * RLIMIT_SIGPENDING: queued signals are charged to the receiver's real
 * user, as Linux does.  A small open table of users with entries queued;
 * sigq_lock nests inside any sighand lock.
 */
#define SIGQ_USERS 128
#define SIGQ_NOUSER 0xffffffffU /* not charged: the table was full */

static struct {
	unsigned int uid;
	unsigned long count; /* 0: the slot is free */
} sigq_users[SIGQ_USERS];
static struct spinlock sigq_lock = SPINLOCK_INIT("sigqueue users");

/* Charge uid for one entry unless over limit (force: charge anyway). */
static bool sigq_charge(unsigned int uid, unsigned long limit, bool force,
			unsigned int *charged)
{
	unsigned long fl = spin_lock_irqsave(&sigq_lock);
	int free = -1, i;
	bool ok = true;

	for (i = 0; i < SIGQ_USERS; i++) {
		if (sigq_users[i].count && sigq_users[i].uid == uid)
			break;
		if (!sigq_users[i].count && free < 0)
			free = i;
	}
	if (i == SIGQ_USERS && free >= 0) {
		i = free;
		sigq_users[i].uid = uid;
	}
	if (i == SIGQ_USERS) {
		*charged = SIGQ_NOUSER;
	} else if (force || sigq_users[i].count < limit) {
		sigq_users[i].count++;
		*charged = uid;
	} else {
		ok = false;
	}
	spin_unlock_irqrestore(&sigq_lock, fl);
	return ok;
}

static void sigq_free(struct sigqueue *q)
{
	unsigned long fl;

	if (q->uid != SIGQ_NOUSER) {
		fl = spin_lock_irqsave(&sigq_lock);
		for (int i = 0; i < SIGQ_USERS; i++) {
			if (sigq_users[i].count &&
			    sigq_users[i].uid == q->uid) {
				sigq_users[i].count--;
				break;
			}
		}
		spin_unlock_irqrestore(&sigq_lock, fl);
	}
	kfree(q);
}

void sigpending_flush(struct sigpending *sp)
{
	struct sigqueue *q, *tmp;

	list_for_each_entry_safe (q, tmp, &sp->queue, link) {
		list_del(&q->link);
		sigq_free(q);
	}
	sp->set = 0;
}

/* Drop every queued entry of signals in mask from sp.  Lock held. */
static void pending_drop(struct sigpending *sp, ksigset_t mask)
{
	struct sigqueue *q, *tmp;

	if (!(sp->set & mask))
		return;
	sp->set &= ~mask;
	list_for_each_entry_safe (q, tmp, &sp->queue, link) {
		if (SIGBIT(q->info.si_signo) & mask) {
			list_del(&q->link);
			sigq_free(q);
		}
	}
}

/* The group's sighand (every thread shares it), or NULL if none left. */
static struct sighand *proc_sighand(struct proc *p)
{
	struct uthread *ut;

	list_for_each_entry (ut, &p->threads, group_link)
		if (ut->sighand && !ut->exited)
			return ut->sighand;
	return NULL;
}

void sig_flush_pending(struct uthread *ut, ksigset_t mask)
{
	struct uthread *t;

	pending_drop(&ut->proc->shared, mask);
	list_for_each_entry (t, &ut->proc->threads, group_link)
		pending_drop(&t->pending, mask);
}

/* ---- waking ------------------------------------------------------------ */

static void wake_thread(struct uthread *ut)
{
	if (ut->thread) {
		ut->thread->user_work = 1;
		sched_wake_thread(ut->thread);
	}
}

void sig_wake_group(struct proc *p)
{
	struct uthread *ut;
	unsigned long fl = plat_irq_save();

	list_for_each_entry (ut, &p->threads, group_link)
		if (!ut->exited)
			wake_thread(ut);
	waitq_wake_all(&p->stop_wq);
	plat_irq_restore(fl);
}

/* ---- generation ---------------------------------------------------------- */

static bool handler_is(const struct ksigaction *a, unsigned long h)
{
	return a->handler == h;
}

/* Would sig be dropped by p at once (ignored, not blocked by all)? */
static bool sig_ignored_now(struct proc *p, struct sighand *sh, int sig)
{
	const struct ksigaction *a = &sh->action[sig - 1];

	if (sig == SIGKILL)
		return false;
	if (handler_is(a, SIG_IGN))
		return true;
	if (handler_is(a, SIG_DFL)) {
		if (sig_default(sig) == SD_IGN)
			return true;
		if ((p->sigflags & PROC_UNKILLABLE) && sig != SIGCHLD)
			return true; /* init ignores what it does not catch */
	}
	return false;
}

bool sig_action_ignored(struct uthread *ut, int sig)
{
	return sig_ignored_now(ut->proc, ut->sighand, sig);
}

/* A thread of p that does not block sig and can take it, or NULL. */
static struct uthread *pick_thread(struct proc *p, int sig)
{
	struct uthread *cur = uthread_current(), *ut;

	if (cur && cur->proc == p && !(cur->blocked & SIGBIT(sig)))
		return cur;
	list_for_each_entry (ut, &p->threads, group_link)
		if (!ut->exited && !(ut->blocked & SIGBIT(sig)))
			return ut;
	return NULL;
}

/* Status word for a death by sig. */
static int death_status(struct proc *p, int sig)
{
	/* The flag stays only if the dump is written (coredump.c). */
	if (sig_default(sig) == SD_CORE && p->dumpable &&
	    p->rlim[RLIMIT_CORE].rlim_cur >= PAGE_SIZE)
		return sig | WCOREFLAG;
	return sig;
}

/* Begin the group exit (a fatal signal).  sighand->lock held. */
static void group_exit_locked(struct proc *p, int status)
{
	if (p->sigflags & PROC_GROUP_EXIT)
		return;
	p->sigflags |= PROC_GROUP_EXIT;
	p->sigflags &= ~(PROC_STOPPED | PROC_STOP_PENDING);
	if (status & WCOREFLAG)
		p->sigflags |= PROC_COREDUMP;
	p->group_exit_status = status;
}

/*
 * What every signal does at generation, receiver aside (see the top of
 * the file).  false if the signal is dropped; *cont set when a stopped
 * group was resumed (the parent hears of it).  Lock held.
 */
static bool prepare_signal(struct proc *p, struct uthread *target,
			   struct sighand *sh, int sig, bool forced, bool *cont)
{
	struct uthread *ut;

	if (p->sigflags & PROC_GROUP_EXIT)
		return false;
	if (sig == SIGCONT) {
		pending_drop(&p->shared, STOP_SIGNALS);
		list_for_each_entry (ut, &p->threads, group_link)
			pending_drop(&ut->pending, STOP_SIGNALS);
		if (p->sigflags & (PROC_STOPPED | PROC_STOP_PENDING)) {
			p->sigflags &= ~(PROC_STOPPED | PROC_STOP_PENDING |
					 PROC_CLD_STOPPED);
			p->sigflags |= PROC_CLD_CONTINUED;
			waitq_wake_all(&p->stop_wq);
			*cont = true;
		}
	} else if (SIGBIT(sig) & STOP_SIGNALS) {
		pending_drop(&p->shared, SIGBIT(SIGCONT));
		list_for_each_entry (ut, &p->threads, group_link)
			pending_drop(&ut->pending, SIGBIT(SIGCONT));
	}
	if (forced)
		return true;
	if ((p->sigflags & PROC_UNKILLABLE) &&
	    (sig == SIGKILL || sig == SIGSTOP))
		return false;
	/* A blocked signal is never ignored: the action may change. */
	if (!target)
		target = p->leader && !p->leader->exited ? p->leader : NULL;
	if (target && ((target->blocked | target->real_blocked) & SIGBIT(sig)))
		return true;
	return !sig_ignored_now(p, sh, sig);
}

/* Queue sig with info on sp.  0 or -EAGAIN (real-time queue full). */
static int queue_signal(struct proc *p, struct sigpending *sp, int sig,
			const struct ksiginfo *info)
{
	struct sigqueue *q;
	bool force;

	if (sig < SIGRTMIN && (sp->set & SIGBIT(sig)))
		return 0; /* standard signals do not queue */
	/*
	 * Kernel and kill() origins of standard signals are queued past the
	 * limit; real-time signals never are.
	 */
	force = sig < SIGRTMIN && (!info || info->si_code >= 0);
	q = kmalloc(sizeof(*q));
	if (q && !sigq_charge(p->cred.uid, p->rlim[RLIMIT_SIGPENDING].rlim_cur,
			      force, &q->uid)) {
		kfree(q);
		q = NULL;
	}
	if (!q) {
		if (sig >= SIGRTMIN && info && info->si_code != SI_KERNEL &&
		    info->si_code != SI_USER)
			return -EAGAIN;
		sp->set |= SIGBIT(sig); /* without its info */
		return 0;
	}
	if (info) {
		q->info = *info;
	} else {
		kos_memset(&q->info, 0, sizeof(q->info));
		q->info.si_code = SI_KERNEL;
	}
	q->info.si_signo = sig;
	list_add_tail(&q->link, &sp->queue);
	sp->set |= SIGBIT(sig);
	return 0;
}

/*
 * The common send path.  target == NULL: group-directed to p.
 * forced: a fault's signal (sig_force_fault did the unblocking).
 */
static int send_signal(struct proc *p, struct uthread *target, int sig,
		       const struct ksiginfo *info, bool forced)
{
	struct sighand *sh;
	struct uthread *ut;
	unsigned long fl;
	bool cont = false;
	int err = 0;

	fl = plat_irq_save();
	sh = target ? target->sighand : proc_sighand(p);
	if (!sh || p->state != PROC_LIVE || (target && target->exited)) {
		plat_irq_restore(fl);
		return 0;
	}
	plat_irq_restore(fl);
	fl = spin_lock_irqsave(&sh->lock);
	if (!prepare_signal(p, target, sh, sig, forced, &cont))
		goto out;
	ut = target ? target : pick_thread(p, sig);
	/*
	 * Fatal at once: nobody catches it and the receiver neither blocks
	 * it nor waits for it in rt_sigtimedwait (real_blocked: the mask
	 * that call lifted), as Linux's complete_signal().  A thread that
	 * blocks its own signal keeps it pending.  (A stopped group wants
	 * no signal but SIGKILL: it stays queued.)
	 */
	if (sig == SIGKILL ||
	    (!forced && ut &&
	     !((ut->blocked | ut->real_blocked) & SIGBIT(sig)) &&
	     sig_default_kills(sig) &&
	     handler_is(&sh->action[sig - 1], SIG_DFL) &&
	     !(p->sigflags & (PROC_UNKILLABLE | PROC_STOPPED)))) {
		group_exit_locked(p, death_status(p, sig));
		spin_unlock_irqrestore(&sh->lock, fl);
		sig_wake_group(p);
		return 0;
	}
	err = queue_signal(p, target ? &target->pending : &p->shared, sig,
			   info);
	if (!err && ut)
		wake_thread(ut);
	/* signalfd readers and pollers watch every pending set. */
	if (!err)
		waitq_wake_all(&sh->signalfd_wq);
out:
	spin_unlock_irqrestore(&sh->lock, fl);
	if (cont)
		sig_notify_parent(p, CLD_CONTINUED, SIGCONT);
	return err;
}

int sig_send_proc(struct proc *p, int sig, const struct ksiginfo *info)
{
	if (sig < 1 || sig > _NSIG)
		return -EINVAL;
	return send_signal(p, NULL, sig, info, false);
}

int sig_send_thread(struct uthread *ut, int sig, const struct ksiginfo *info)
{
	if (sig < 1 || sig > _NSIG)
		return -EINVAL;
	return send_signal(ut->proc, ut, sig, info, false);
}

void sig_force_fault(int sig, int code, unsigned long addr)
{
	struct uthread *ut = uthread_current();
	struct ksigaction *a = &ut->sighand->action[sig - 1];
	struct ksiginfo info;
	unsigned long fl;

	kos_memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = code;
	info.fault.addr = addr;
	fl = spin_lock_irqsave(&ut->sighand->lock);
	if ((ut->blocked & SIGBIT(sig)) || handler_is(a, SIG_IGN)) {
		ut->blocked &= ~SIGBIT(sig);
		a->handler = SIG_DFL;
	}
	/* init dies of its own faults like anyone */
	if (handler_is(a, SIG_DFL))
		ut->proc->sigflags &= ~PROC_UNKILLABLE;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	send_signal(ut->proc, ut, sig, &info, true);
}

void sig_force_segv(struct uthread *ut)
{
	unsigned long fl = spin_lock_irqsave(&ut->sighand->lock);

	/* A handler that cannot get a frame would fault forever. */
	ut->sighand->action[SIGSEGV - 1].handler = SIG_DFL;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	sig_force_fault(SIGSEGV, SI_KERNEL, 0);
}

void sig_info_user(struct ksiginfo *info, int sig, int code)
{
	struct proc *p = proc_current();

	kos_memset(info, 0, sizeof(*info));
	info->si_signo = sig;
	info->si_code = code;
	info->kill.pid = p ? p->pid : 0;
	info->kill.uid = p ? p->cred.uid : 0;
}

/* ---- the parent ----------------------------------------------------------- */

void sig_notify_parent(struct proc *p, int why, int status)
{
	struct ksiginfo info;
	struct proc_times t;
	struct sighand *sh;
	struct proc *pp;
	int sig = why ? SIGCHLD : p->exit_signal;
	unsigned long fl = plat_irq_save();

	/* The parent link changes under proc_lock, never under us here. */
	pp = p->parent;
	if (pp && pp->state == PROC_LIVE)
		proc_get(pp);
	else
		pp = NULL;
	plat_irq_restore(fl);
	if (!pp)
		return;
	kos_memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.chld.pid = p->pid;
	info.chld.uid = p->cred.uid;
	if (!why) {
		if ((status & 0x7f) == 0) {
			info.si_code = CLD_EXITED;
			info.chld.status = (status >> 8) & 0xff;
		} else {
			info.si_code =
				(status & WCOREFLAG) ? CLD_DUMPED : CLD_KILLED;
			info.chld.status = status & 0x7f;
		}
	} else {
		info.si_code = why;
		info.chld.status = status;
	}
	t = p->dead_threads;
	info.chld.utime = (int64_t)(t.utime / 10000000);
	info.chld.stime = (int64_t)(t.stime / 10000000);
	waitq_wake_all(&pp->child_wq);
	sh = proc_sighand(pp);
	/* Stops and continues: not if the parent asked SA_NOCLDSTOP. */
	if (sig &&
	    !(why && sh && (sh->action[SIGCHLD - 1].flags & SA_NOCLDSTOP)))
		send_signal(pp, NULL, sig, &info, false);
	proc_put(pp);
}

/* ---- interruptible sleeps -------------------------------------------------- */

/* Unblocked signals pending for ut, or a reason to leave.  Lock held. */
static bool pending_locked(struct uthread *ut)
{
	struct proc *p = ut->proc;

	if (p->sigflags & (PROC_GROUP_EXIT | PROC_STOPPED))
		return true;
	if (p->exec_owner && p->exec_owner != ut)
		return true;
	return ((ut->pending.set | p->shared.set) & ~ut->blocked) != 0;
}

bool sig_pending(void)
{
	struct uthread *ut = uthread_current();
	unsigned long fl;
	bool r;

	if (!ut || !ut->sighand)
		return false;
	fl = spin_lock_irqsave(&ut->sighand->lock);
	r = pending_locked(ut);
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	return r;
}

bool sig_fatal_pending(void)
{
	struct uthread *ut = uthread_current();

	return ut && ((ut->proc->sigflags & PROC_GROUP_EXIT) ||
		      (ut->proc->exec_owner && ut->proc->exec_owner != ut));
}

int sig_wait(struct waitq *wq, bool (*cond)(void *), void *arg,
	     uint64_t deadline_ns)
{
	struct waitq_entry e;
	int err = 0;

	for (;;) {
		waitq_prepare(wq, &e);
		if (cond(arg))
			break;
		if (sig_pending()) {
			/* The loop must look at what interrupted us. */
			sched_current()->user_work = 1;
			err = -EINTR;
			break;
		}
		err = waitq_sleep(&e, deadline_ns);
		if (err)
			break;
	}
	waitq_finish(wq, &e);
	if (err == -ETIMEDOUT && cond(arg))
		err = 0;
	return err;
}

/* ---- delivery ------------------------------------------------------------- */

/*
 * Take the next signal ut should act on: thread-directed faults first,
 * then the lowest pending number not blocked.  Fills info.  Lock held.
 */
int sig_dequeue(struct uthread *ut, struct ksiginfo *info)
{
	return sig_dequeue_mask(ut, ~ut->blocked, info);
}

int sig_dequeue_mask(struct uthread *ut, ksigset_t mask, struct ksiginfo *info)
{
	static const ksigset_t sync = SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) |
				      SIGBIT(SIGILL) | SIGBIT(SIGTRAP) |
				      SIGBIT(SIGFPE) | SIGBIT(SIGSYS);
	struct sigpending *sp = NULL;
	ksigset_t ready;
	struct sigqueue *q;
	int sig = 0;

	ready = ut->pending.set & mask;
	if (ready & sync)
		ready &= sync;
	if (ready) {
		sp = &ut->pending;
	} else {
		ready = ut->proc->shared.set & mask;
		if (ready)
			sp = &ut->proc->shared;
	}
	if (!sp)
		return 0;
	sig = __builtin_ctzll(ready) + 1;
	kos_memset(info, 0, sizeof(*info));
	info->si_signo = sig;
	info->si_code = SI_USER; /* no entry (out of queue space): Linux's */
	list_for_each_entry (q, &sp->queue, link) {
		if (q->info.si_signo == sig) {
			*info = q->info;
			list_del(&q->link);
			sigq_free(q);
			break;
		}
	}
	if (info->si_code == SI_TIMER)
		ptimer_delivered(ut->proc, info);
	/* Another of the same real-time signal may still be queued. */
	sp->set &= ~SIGBIT(sig);
	list_for_each_entry (q, &sp->queue, link)
		if (q->info.si_signo == sig)
			sp->set |= SIGBIT(sig);
	return sig;
}

/* Drop the queued entries of timer id from sp.  Lock held. */
static void drop_timer_in(struct sigpending *sp, int sig, int id)
{
	struct sigqueue *q, *tmp;
	bool left = false;

	list_for_each_entry_safe (q, tmp, &sp->queue, link) {
		if (q->info.si_signo != sig)
			continue;
		if (q->info.si_code == SI_TIMER && q->info.timer.tid == id) {
			list_del(&q->link);
			sigq_free(q);
		} else {
			left = true;
		}
	}
	if (!left)
		sp->set &= ~SIGBIT(sig);
}

void sig_drop_timer(struct proc *p, struct uthread *target, int sig, int id)
{
	struct sighand *sh;
	unsigned long fl;

	fl = plat_irq_save();
	sh = target ? target->sighand : proc_sighand(p);
	if (!sh || p->state != PROC_LIVE) {
		plat_irq_restore(fl);
		return;
	}
	plat_irq_restore(fl);
	fl = spin_lock_irqsave(&sh->lock);
	drop_timer_in(target ? &target->pending : &p->shared, sig, id);
	spin_unlock_irqrestore(&sh->lock, fl);
}

/* Is sp on ut's alternate stack? */
static bool on_altstack(struct uthread *ut, unsigned long sp)
{
	if (ut->altstack.ss_flags & SS_DISABLE)
		return false;
	return sp > ut->altstack.ss_sp &&
	       sp - ut->altstack.ss_sp <= ut->altstack.ss_size;
}

/* sigaltstack's view of sp: SS_ONSTACK, SS_DISABLE or 0. */
static int altstack_flags(struct uthread *ut, unsigned long sp)
{
	if (ut->altstack.ss_flags & SS_DISABLE)
		return SS_DISABLE;
	return on_altstack(ut, sp) ? SS_ONSTACK : 0;
}

/*
 * The most stack a handler frame of setup_frame() takes, alignment
 * included: what AT_MINSIGSTKSZ tells a new program.
 */
size_t sig_frame_size(void)
{
	size_t fpframe = plat_fpu_size() +
			 (plat_fpu_xfeatures() ? FP_XSTATE_MAGIC2_SIZE : 0);

	return fpframe + 63 + sizeof(struct krt_sigframe) + 15 + 8;
}

/*
 * Build the handler frame for sig on ut's user stack and point the
 * registers at the handler.  oldmask is what the handler's return
 * restores.  0 or -EFAULT.
 */
static int setup_frame(struct uthread *ut, int sig, const struct ksigaction *ka,
		       const struct ksiginfo *info, ksigset_t oldmask)
{
	struct uregs *r = &ut->regs;
	size_t fpsize = plat_fpu_size();
	uint64_t xfeat = plat_fpu_xfeatures();
	size_t fpframe = fpsize + (xfeat ? FP_XSTATE_MAGIC2_SIZE : 0);
	unsigned long sp = r->rsp - 128, fpbuf, frame_addr;
	bool onstack = false;
	struct krt_sigframe frame;
	struct kstack saved = ut->altstack;
	uint8_t *image;
	int err = 0;

	if (!(ka->flags & SA_RESTORER))
		return -EFAULT;
	if ((ka->flags & SA_ONSTACK) && altstack_flags(ut, r->rsp) == 0) {
		sp = ut->altstack.ss_sp + ut->altstack.ss_size;
		onstack = true;
	} else if (on_altstack(ut, r->rsp)) {
		onstack = true;
	}
	fpbuf = ALIGN_DOWN(sp - fpframe, 64);
	frame_addr = ALIGN_DOWN(fpbuf - sizeof(frame), 16) - 8;
	if (onstack && !on_altstack(ut, frame_addr))
		return -EFAULT; /* the frame does not fit on the alt stack */

	image = kmalloc(fpframe);
	if (!image)
		return -EFAULT;
	plat_fpu_save(ut->thread, image);
	if (xfeat) {
		struct kfpx_sw_bytes sw = {
			.magic1 = FP_XSTATE_MAGIC1,
			.extended_size = (uint32_t)fpframe,
			.xfeatures = xfeat,
			.xstate_size = (uint32_t)fpsize,
		};
		uint32_t m2 = FP_XSTATE_MAGIC2;

		uint64_t bv;

		kos_memcpy(image + 464, &sw, sizeof(sw));
		kos_memcpy(image + fpsize, &m2, sizeof(m2));
		/*
		 * x87 and SSE always count as saved in the frame (Linux does
		 * the same), so a handler that edits the legacy area sees its
		 * change restored by sigreturn.  xstate_bv is at 512.
		 */
		kos_memcpy(&bv, image + 512, sizeof(bv));
		bv |= 3;
		kos_memcpy(image + 512, &bv, sizeof(bv));
	}
	err = copy_to_user((void *)fpbuf, image, fpframe);
	kfree(image);
	if (err)
		return -EFAULT;

	kos_memset(&frame, 0, sizeof(frame));
	frame.pretcode = ka->restorer;
	frame.uc.uc_flags = (xfeat ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS |
			    UC_STRICT_RESTORE_SS;
	/*
	 * The stack as sigaltstack() set it, flags included (SS_DISABLE,
	 * or 0 with SS_AUTODISARM if asked): Linux reports those, not
	 * whether the interrupted code was on the stack.
	 */
	frame.uc.uc_stack.ss_sp = saved.ss_sp;
	frame.uc.uc_stack.ss_flags = saved.ss_flags;
	frame.uc.uc_stack.ss_size = saved.ss_size;
	struct ksigcontext *sc = &frame.uc.uc_mcontext;
	sc->r8 = r->r8;
	sc->r9 = r->r9;
	sc->r10 = r->r10;
	sc->r11 = r->r11;
	sc->r12 = r->r12;
	sc->r13 = r->r13;
	sc->r14 = r->r14;
	sc->r15 = r->r15;
	sc->rdi = r->rdi;
	sc->rsi = r->rsi;
	sc->rbp = r->rbp;
	sc->rbx = r->rbx;
	sc->rdx = r->rdx;
	sc->rax = r->rax;
	sc->rcx = r->rcx;
	sc->rsp = r->rsp;
	sc->rip = r->rip;
	sc->eflags = r->eflags;
	sc->cs = USER_CS;
	sc->ss = USER_SS;
	sc->err = ut->trap_err;
	sc->trapno = ut->trap_nr;
	sc->oldmask = oldmask;
	sc->cr2 = ut->trap_addr;
	sc->fpstate = fpbuf;
	frame.uc.uc_sigmask = oldmask;
	frame.info = *info;
	if (copy_to_user((void *)frame_addr, &frame, sizeof(frame)))
		return -EFAULT;

	if (onstack && (saved.ss_flags & SS_AUTODISARM)) {
		ut->altstack.ss_sp = 0;
		ut->altstack.ss_size = 0;
		ut->altstack.ss_flags = SS_DISABLE;
	}
	r->rdi = sig;
	r->rsi = frame_addr + __builtin_offsetof(struct krt_sigframe, info);
	r->rdx = frame_addr + __builtin_offsetof(struct krt_sigframe, uc);
	r->rax = 0;
	r->rsp = frame_addr;
	r->rip = ka->handler;
	r->eflags &= ~(RFLAGS_DF | RFLAGS_RF | RFLAGS_TF);
	r->cs = USER_CS;
	r->ss = USER_SS;
	plat_fpu_reset(ut->thread); /* the handler starts with a clean FPU */
	return 0;
}

/* The syscall's result decides: restart it, or make it -EINTR. */
static void restart_syscall_regs(struct uthread *ut, bool handler,
				 const struct ksigaction *ka)
{
	struct uregs *r = &ut->regs;
	long ret = (long)r->rax;

	if ((long)r->orig_rax < 0)
		return;
	if (sig_restart_code(r))
		uthread_regs_full(ut); /* rip moves, or a frame follows */
	switch (-ret) {
	case ERESTART_RESTARTBLOCK:
		if (handler) {
			r->rax = (uint64_t)-EINTR;
		} else {
			r->rax = __NR_restart_syscall;
			r->rip -= 2;
		}
		break;
	case ERESTARTNOHAND:
		if (handler) {
			r->rax = (uint64_t)-EINTR;
			break;
		}
		/* fall through */
	case ERESTARTNOINTR:
		r->rax = r->orig_rax;
		r->rip -= 2;
		break;
	case ERESTARTSYS:
		if (handler && !(ka->flags & SA_RESTART)) {
			r->rax = (uint64_t)-EINTR;
			break;
		}
		r->rax = r->orig_rax;
		r->rip -= 2;
		break;
	default:
		break;
	}
	r->orig_rax = (uint64_t)-1;
}

/* Sleep while the group is stopped (job control). */
static void stop_wait(struct uthread *ut)
{
	struct proc *p = ut->proc;
	struct waitq_entry e;

	for (;;) {
		waitq_prepare(&p->stop_wq, &e);
		if (!(p->sigflags & PROC_STOPPED) ||
		    (p->sigflags & PROC_GROUP_EXIT))
			break;
		waitq_sleep(&e, UINT64_MAX);
	}
	waitq_finish(&p->stop_wq, &e);
}

/* Start a group stop for sig (lock held); the parent hears of it. */
static void group_stop_locked(struct uthread *ut, int sig)
{
	struct proc *p = ut->proc;

	if (p->sigflags & (PROC_STOPPED | PROC_GROUP_EXIT))
		return;
	p->sigflags |= PROC_STOPPED | PROC_CLD_STOPPED;
	p->sigflags &= ~PROC_CLD_CONTINUED;
	p->stop_signal = sig;
}

/* Is rax an interrupted system call's restart code? */
void sig_recalc(struct uthread *ut)
{
	unsigned long fl = spin_lock_irqsave(&ut->sighand->lock);

	if (pending_locked(ut) && ut->thread)
		ut->thread->user_work = 1;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
}

void sig_handle(struct uthread *ut)
{
	struct sighand *sh = ut->sighand;
	struct proc *p = ut->proc;
	bool delivered = false, notify_stop = false;
	struct ksiginfo info;
	struct ksigaction ka;
	unsigned long fl;
	ksigset_t oldmask;
	int sig;

	/* The common case: nothing arrived, no call to finish. */
	if (!ut->thread->user_work && !sig_restart_code(&ut->regs) &&
	    !ut->restore_blocked)
		return;
	ut->thread->user_work = 0;
	fasync_run(); /* SIGIO this thread's calls owe (fs/fasync.c) */
	for (;;) {
		fl = spin_lock_irqsave(&sh->lock);
		if ((p->sigflags & PROC_GROUP_EXIT) ||
		    (p->exec_owner && p->exec_owner != ut)) {
			spin_unlock_irqrestore(&sh->lock, fl);
			return;
		}
		if (p->sigflags & PROC_STOPPED) {
			spin_unlock_irqrestore(&sh->lock, fl);
			if (notify_stop) {
				mutex_lock(&proc_lock);
				sig_notify_parent(p, CLD_STOPPED,
						  p->stop_signal);
				mutex_unlock(&proc_lock);
				notify_stop = false;
			}
			stop_wait(ut);
			continue;
		}
		sig = sig_dequeue(ut, &info);
		if (!sig) {
			spin_unlock_irqrestore(&sh->lock, fl);
			break;
		}
		ka = sh->action[sig - 1];
		if (handler_is(&ka, SIG_IGN)) {
			spin_unlock_irqrestore(&sh->lock, fl);
			continue;
		}
		if (handler_is(&ka, SIG_DFL)) {
			enum sig_default d = sig_default(sig);

			if (d == SD_IGN || d == SD_CONT ||
			    ((p->sigflags & PROC_UNKILLABLE) &&
			     sig != SIGKILL)) {
				spin_unlock_irqrestore(&sh->lock, fl);
				continue;
			}
			if (d == SD_STOP && sig != SIGSTOP) {
				/*
				 * Terminal stops are discarded in an
				 * orphaned group (nobody would continue
				 * it).  proc_lock ranks above the lock.
				 */
				bool orphaned;

				spin_unlock_irqrestore(&sh->lock, fl);
				mutex_lock(&proc_lock);
				orphaned = proc_pgrp_orphaned(p->pgid, NULL);
				mutex_unlock(&proc_lock);
				if (orphaned)
					continue;
				fl = spin_lock_irqsave(&sh->lock);
				if (p->sigflags & PROC_GROUP_EXIT) {
					spin_unlock_irqrestore(&sh->lock, fl);
					return;
				}
			}
			if (d == SD_STOP) {
				group_stop_locked(ut, sig);
				notify_stop = true;
				spin_unlock_irqrestore(&sh->lock, fl);
				sig_wake_group(p);
				continue;
			}
			group_exit_locked(p, death_status(p, sig));
			spin_unlock_irqrestore(&sh->lock, fl);
			sig_wake_group(p);
			return;
		}
		/* A handler. */
		if (ka.flags & SA_RESETHAND)
			sh->action[sig - 1].handler = SIG_DFL;
		oldmask = ut->restore_blocked ? ut->saved_blocked : ut->blocked;
		spin_unlock_irqrestore(&sh->lock, fl);
		if (!delivered)
			restart_syscall_regs(ut, true, &ka);
		uthread_regs_full(ut);
		if (setup_frame(ut, sig, &ka, &info, oldmask)) {
			sig_force_segv(ut);
			continue;
		}
		delivered = true;
		fl = spin_lock_irqsave(&sh->lock);
		ut->restore_blocked = false;
		ut->blocked |= ka.mask;
		if (!(ka.flags & SA_NODEFER))
			ut->blocked |= SIGBIT(sig);
		ut->blocked &= ~SIG_KERNEL_ONLY;
		spin_unlock_irqrestore(&sh->lock, fl);
		/* Linked mode runs each handler before the next is set up. */
		if (ut->vm->linked) {
			sig_recalc(ut);
			break;
		}
	}
	if (!delivered) {
		restart_syscall_regs(ut, false, NULL);
		if (ut->restore_blocked) {
			fl = spin_lock_irqsave(&sh->lock);
			ut->blocked = ut->saved_blocked;
			ut->restore_blocked = false;
			spin_unlock_irqrestore(&sh->lock, fl);
		}
	}
}

/* ---- execve ------------------------------------------------------------ */

void sig_exec_reset(struct uthread *ut)
{
	struct sighand *sh = ut->sighand;
	unsigned long fl = spin_lock_irqsave(&sh->lock);

	for (int i = 0; i < _NSIG; i++) {
		struct ksigaction *a = &sh->action[i];

		if (!handler_is(a, SIG_IGN) && !handler_is(a, SIG_DFL))
			a->handler = SIG_DFL;
		if (handler_is(a, SIG_DFL) || i + 1 == SIGCHLD) {
			a->flags = 0;
			a->mask = 0;
			a->restorer = 0;
		}
		if (handler_is(a, SIG_IGN)) {
			a->flags = 0;
			a->restorer = 0;
			a->mask = 0;
		}
	}
	ut->altstack.ss_sp = 0;
	ut->altstack.ss_size = 0;
	ut->altstack.ss_flags = SS_DISABLE;
	spin_unlock_irqrestore(&sh->lock, fl);
}
