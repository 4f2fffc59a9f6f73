/*
 * Leaving: thread exit, process exit, zombies, reaping and waiting.
 *
 * A thread leaves its loop when it called exit(2), when its process is
 * exiting (exit_group, a fatal signal: PROC_GROUP_EXIT) or when another
 * thread runs execve (exec_owner).  proc_thread_exit() then clears its
 * clear_child_tid word and robust futexes, releases the vfork parent,
 * drops its address space, files and fs state, and leaves the group.
 *
 * The last thread to leave makes the process a zombie with its status:
 * the group status of an exit_group or fatal signal, else the last
 * thread's own exit(2) code.  Its children go to the nearest subreaper
 * ancestor or to init, and the parent gets exit_signal (SIGCHLD) and a
 * wake-up in wait4/waitid; if the parent ignores SIGCHLD or set
 * SA_NOCLDWAIT, or is gone, the zombie is reaped at once.
 *
 * A non-leader thread's tid is freed when it leaves; the leader stays on
 * the thread list (its tid is the process's pid) until the process is
 * reaped.  When init exits, every other process is killed, as in a pid
 * namespace; the last one reaped wakes proc_wait_init().
 *
 * Locking: proc_lock for the tree and states; sighand->lock for flags.
 */
#include <kos/tty.h>
#include <kos/fdtable.h>
#include <kos/ipc.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/sched.h>
#include <kos/vfs.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/wait.h>

#include "internal.h"

extern struct waitq proc_gone_wq;

static const char *const signal_names[32] = {
	[1] = "SIGHUP",	  [2] = "SIGINT",   [3] = "SIGQUIT",  [4] = "SIGILL",
	[5] = "SIGTRAP",  [6] = "SIGABRT",  [7] = "SIGBUS",   [8] = "SIGFPE",
	[9] = "SIGKILL",  [11] = "SIGSEGV", [13] = "SIGPIPE", [14] = "SIGALRM",
	[15] = "SIGTERM", [31] = "SIGSYS",
};

void proc_group_exit(struct proc *p, int status)
{
	struct uthread *ut = uthread_current();
	unsigned long fl;

	if (!ut)
		return;
	fl = spin_lock_irqsave(&ut->sighand->lock);
	if (!(p->sigflags & PROC_GROUP_EXIT)) {
		p->sigflags |= PROC_GROUP_EXIT;
		p->sigflags &= ~(PROC_STOPPED | PROC_STOP_PENDING);
		p->group_exit_status = status;
	}
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	sig_wake_group(p);
}

void proc_fatal_signal(int sig, const char *why, unsigned long addr)
{
	struct proc *p = proc_current();
	struct uthread *ut = uthread_current();
	const char *name = sig > 0 && sig < 32 ? signal_names[sig] : NULL;

	log_notice("kos: pid %d (%s) killed by %s: %s at ip %#lx addr %#lx",
		   p->pid, ut->comm, name ? name : "signal", why,
		   (unsigned long)ut->regs.rip, addr);
	proc_group_exit(p, sig & 0x7f);
}

void proc_note_maxrss(struct proc *p, const struct vm_space *vm)
{
	uint64_t kb = vm_maxrss_kb(vm);
	uint64_t old =
		__atomic_load_n(&p->dead_threads.maxrss_kb, __ATOMIC_RELAXED);

	while (kb > old && !__atomic_compare_exchange_n(
				   &p->dead_threads.maxrss_kb, &old, kb, true,
				   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void uthread_release_resources(struct uthread *ut)
{
	struct vm_space *vm = ut->vm;
	struct fdtable *fdt = ut->fdt;
	struct fs_info *fs = ut->fs;

	if (vm && ut->proc)
		proc_note_maxrss(ut->proc, vm);
	ut->vm = NULL;
	ut->fdt = NULL;
	ut->fs = NULL;
	if (vm) {
		__atomic_sub_fetch(&vm->nr_threads, 1, __ATOMIC_RELAXED);
		vm_put(vm);
	}
	if (fdt)
		fdtable_put(fdt);
	fs_info_put(fs);
}

void vfork_release(struct uthread *ut)
{
	struct vfork_done *vd;

	/* proc_lock: a killed parent may be leaving (proc_clone). */
	mutex_lock(&proc_lock);
	vd = ut->vfork_done;
	if (vd) {
		ut->vfork_done = NULL;
		vd->done = true;
		waitq_wake_all(&vd->wq);
	}
	mutex_unlock(&proc_lock);
}

void uthread_account(struct uthread *ut)
{
	(void)ut; /* utime/stime are kept current by the loop */
}

static void times_add(struct proc_times *to, const struct proc_times *t)
{
	to->utime += t->utime;
	to->stime += t->stime;
	to->minflt += t->minflt;
	to->majflt += t->majflt;
	to->nvcsw += t->nvcsw;
	to->nivcsw += t->nivcsw;
	if (t->maxrss_kb > to->maxrss_kb)
		to->maxrss_kb = t->maxrss_kb;
}

/* What one thread has used. */
static void thread_times(struct uthread *ut, struct proc_times *t)
{
	t->utime = ut->utime_ns;
	t->stime = ut->stime_ns;
	t->minflt = ut->minflt;
	t->majflt = ut->majflt;
	t->nvcsw = ut->thread ? ut->thread->nvcsw : 0;
	t->nivcsw = ut->thread ? ut->thread->nivcsw : 0;
	/* the peak of the memory it runs in (Linux: the mm's hiwater) */
	t->maxrss_kb = ut->vm ? vm_maxrss_kb(ut->vm) : 0;
}

void proc_times_sum(struct proc *p, struct proc_times *t)
{
	struct uthread *ut;
	struct proc_times one;

	*t = p->dead_threads;
	list_for_each_entry (ut, &p->threads, group_link) {
		if (ut->exited)
			continue;
		thread_times(ut, &one);
		times_add(t, &one);
	}
}

/* Is p's parent one that wants no zombies (SIG_IGN / SA_NOCLDWAIT)? */
static bool parent_autoreaps(struct proc *p)
{
	struct proc *pp = p->parent;
	struct uthread *pl;
	const struct ksigaction *a;

	if (!pp || pp->state != PROC_LIVE)
		return true;
	if (p->exit_signal != SIGCHLD)
		return false;
	pl = list_first_entry(&pp->threads, struct uthread, group_link);
	if (!pl->sighand)
		return true;
	a = &pl->sighand->action[SIGCHLD - 1];
	return a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT);
}

/* Every live process but init: SIGKILL (init has exited). */
static void kill_all_but_init(void)
{
	struct proc *p;

	list_for_each_entry (p, &proc_list, link)
		if (p != init_proc && p->state == PROC_LIVE)
			sig_send_proc(p, SIGKILL, NULL);
}

/* If only init's zombie is left, reap it and wake proc_wait_init(). */
static void maybe_reap_init(void)
{
	struct proc *ip = init_proc;

	if (!ip || ip->state != PROC_ZOMBIE)
		return;
	if (proc_list.next == &ip->link && proc_list.prev == &ip->link) {
		proc_reap(ip);
		init_proc = NULL;
	}
}

void proc_reap(struct proc *p)
{
	struct uthread *ut, *tmp;
	struct proc_times t;

	KOS_ASSERT(mutex_held(&proc_lock) && p->state == PROC_ZOMBIE);
	p->state = PROC_DEAD;
	if (p->parent) {
		t = p->dead_threads;
		times_add(&t, &p->children_time);
		times_add(&p->parent->children_time, &t);
	}
	list_del(&p->sibling);
	list_init(&p->sibling);
	list_del(&p->link);
	list_init(&p->link);
	list_for_each_entry_safe (ut, tmp, &p->threads, group_link) {
		list_del(&ut->group_link);
		list_init(&ut->group_link);
		pid_free(ut->tid);
		uthread_put(ut);
	}
	p->parent = NULL;
	if (list_empty(&proc_list) || p == init_proc)
		waitq_wake_all(&proc_gone_wq);
	proc_put(p); /* the tree's reference */
	if (p != init_proc)
		maybe_reap_init();
}

/* The new parent for p's orphans: a subreaper ancestor, or init. */
static struct proc *find_new_parent(struct proc *p)
{
	for (struct proc *a = p->parent; a; a = a->parent)
		if (a->subreaper && a->state == PROC_LIVE)
			return a;
	if (init_proc && init_proc->state == PROC_LIVE && init_proc != p)
		return init_proc;
	return NULL;
}

/* A child's parent thread is gone: PR_SET_PDEATHSIG.  proc_lock held. */
static void send_pdeath(struct proc *c)
{
	struct uthread *ut;

	list_for_each_entry (ut, &c->threads, group_link)
		if (ut->pdeath_signal && !ut->exited)
			sig_send_thread(ut, ut->pdeath_signal, NULL);
}

void proc_thread_children(struct proc *p, int old_tid, int new_tid,
			  bool exiting)
{
	struct proc *c;

	KOS_ASSERT(mutex_held(&proc_lock));
	list_for_each_entry (c, &p->children, sibling) {
		if (c->parent_tid != old_tid)
			continue;
		c->parent_tid = new_tid;
		if (exiting)
			send_pdeath(c);
	}
}

/* A live thread of p other than ut, or NULL.  proc_lock held. */
static struct uthread *other_thread(struct proc *p, struct uthread *ut)
{
	struct uthread *t;

	list_for_each_entry (t, &p->threads, group_link)
		if (t != ut && !t->exited)
			return t;
	return NULL;
}

/* ---- orphaned process groups ------------------------------------------ */

/*
 * POSIX: a process group is orphaned when no member has a parent in
 * another group of the same session -- nobody in the session could
 * continue it.  Zombies, ignore, and children of init do not count (as
 * Linux).  proc_lock held.
 */
bool proc_pgrp_orphaned(int pgid, const struct proc *ignore)
{
	struct proc *p;

	KOS_ASSERT(mutex_held(&proc_lock));
	list_for_each_entry (p, &proc_list, link) {
		struct proc *par = p->parent;

		if (p->pgid != pgid || p == ignore || p->state != PROC_LIVE ||
		    !par || par == init_proc)
			continue;
		if (par->pgid != pgid && par->sid == p->sid)
			return false;
	}
	return true;
}

static bool pgrp_has_stopped(int pgid)
{
	struct proc *p;

	list_for_each_entry (p, &proc_list, link)
		if (p->pgid == pgid && p->state == PROC_LIVE &&
		    (__atomic_load_n(&p->sigflags, __ATOMIC_RELAXED) &
		     PROC_STOPPED))
			return true;
	return false;
}

/*
 * p's group may have just become orphaned (p's parent par left, or p
 * itself, ignore): stopped members get SIGHUP and SIGCONT, since nobody
 * is left to continue them.  proc_lock held.
 */
static void hup_orphaned_pgrp(struct proc *p, struct proc *par,
			      const struct proc *ignore)
{
	int pgid = p->pgid;
	struct proc *m;

	if (!par || par->pgid == pgid || par->sid != p->sid ||
	    !proc_pgrp_orphaned(pgid, ignore) || !pgrp_has_stopped(pgid))
		return;
	list_for_each_entry (m, &proc_list, link) {
		if (m->pgid != pgid || m->state != PROC_LIVE)
			continue;
		sig_send_proc(m, SIGHUP, NULL);
		sig_send_proc(m, SIGCONT, NULL);
	}
}

void proc_reparent_children(struct proc *p)
{
	struct proc *np = find_new_parent(p), *c, *tmp;

	KOS_ASSERT(mutex_held(&proc_lock));
	list_for_each_entry_safe (c, tmp, &p->children, sibling) {
		list_del(&c->sibling);
		c->parent = np;
		c->parent_tid = np ? np->pid : 0;
		if (np)
			list_add_tail(&c->sibling, &np->children);
		else
			list_init(&c->sibling);
		send_pdeath(c);
		hup_orphaned_pgrp(c, p, NULL);
		if (c->state == PROC_ZOMBIE) {
			if (parent_autoreaps(c)) {
				proc_reap(c);
			} else {
				sig_notify_parent(c, 0, c->exit_status);
			}
		}
	}
}

/* The last thread left: p becomes a zombie.  proc_lock held. */
static void proc_become_zombie(struct proc *p, int status)
{
	bool is_init = p == init_proc;

	proc_timers_exit(p);
	ipc_exit(p); /* SEM_UNDO, before anyone can see us exited */
	tty_exit(p); /* a session leader hangs up or signals its terminal */
	p->exit_status = status;
	p->state = PROC_ZOMBIE;
	/* Reaping orphans may reap init itself if nobody else is left. */
	proc_reparent_children(p);
	hup_orphaned_pgrp(p, p->parent, p);
	if (is_init) {
		kill_all_but_init();
		maybe_reap_init();
		return;
	}
	sig_notify_parent(p, 0, status);
	if (parent_autoreaps(p))
		proc_reap(p);
}

void proc_thread_exit(struct uthread *ut, int status)
{
	struct proc *p = ut->proc;
	struct proc_times t;
	struct sighand *sh;
	unsigned long fl;
	bool last;

	proc_coredump(ut);
	mutex_lock(&proc_lock);
	ut->exiting = true;
	mutex_unlock(&proc_lock);
	futex_exit_cleanup(ut);
	vfork_release(ut);
	uthread_release_resources(ut);

	mutex_lock(&proc_lock);
	fl = spin_lock_irqsave(&ut->sighand->lock);
	if (p->sigflags & PROC_GROUP_EXIT)
		status = p->group_exit_status;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	thread_times(ut, &t);
	times_add(&p->dead_threads, &t);
	ut->exited = true;
	p->nr_threads--;
	last = p->nr_threads == 0;
	if (!last) {
		/* Children this thread forked pass to a sibling thread. */
		struct uthread *heir = other_thread(p, ut);

		if (heir)
			proc_thread_children(p, ut->tid, heir->tid, true);
	}
	if (ut != p->leader) {
		list_del(&ut->group_link);
		list_init(&ut->group_link);
		pid_free(ut->tid);
		uthread_put(ut); /* the group's reference */
	}
	if (last)
		proc_become_zombie(p, status);
	waitq_wake_all(&p->thread_wq);
	mutex_unlock(&proc_lock);

	sh = ut->sighand;
	ut->sighand = NULL;
	sighand_put(sh);
}

/* ---- wait4 / waitid ------------------------------------------------------ */

static bool wait_matches(struct proc *me, struct proc *c, int which, int id,
			 unsigned int options)
{
	bool clone_child = c->exit_signal != SIGCHLD;

	switch (which) {
	case P_PID:
		if (c->pid != id)
			return false;
		break;
	case P_PGID:
		if (c->pgid != (id ? id : me->pgid))
			return false;
		break;
	default:
		break;
	}
	if (options & __WALL)
		return true;
	return (options & __WCLONE) ? clone_child : !clone_child;
}

/* Fill r for child c and what it reports (CLD_*, status). */
static void wait_fill(struct proc *c, int code, int status,
		      struct kwait_result *r)
{
	r->pid = c->pid;
	r->code = code;
	r->status = status;
	r->uid = c->cred.uid;
	if (code == CLD_EXITED)
		r->signo_status = (status >> 8) & 0xff;
	else if (code == CLD_CONTINUED)
		r->signo_status = SIGCONT;
	else if (code == CLD_STOPPED)
		r->signo_status = (status >> 8) & 0xff;
	else
		r->signo_status = status & 0x7f;
	proc_times_sum(c, &r->times);
	times_add(&r->times, &c->children_time);
}

/* CLD_* of a zombie's status word. */
static int exit_code_of(int status)
{
	if ((status & 0x7f) == 0)
		return CLD_EXITED;
	return (status & WCOREFLAG) ? CLD_DUMPED : CLD_KILLED;
}

/*
 * One pass over the children: >0 (pid) if one reported, 0 if some match
 * but none is ready, -ECHILD if none matches.  proc_lock held.
 */
static long wait_scan(struct proc *me, int which, int id, unsigned int options,
		      struct kwait_result *r)
{
	struct proc *c, *tmp;
	bool any = false;

	list_for_each_entry_safe (c, tmp, &me->children, sibling) {
		unsigned long fl;
		struct sighand *sh;

		if (!wait_matches(me, c, which, id, options))
			continue;
		any = true;
		if (c->state == PROC_ZOMBIE) {
			if (!(options & WEXITED))
				continue;
			wait_fill(c, exit_code_of(c->exit_status),
				  c->exit_status, r);
			if (!(options & WNOWAIT))
				proc_reap(c);
			return r->pid;
		}
		if (c->state != PROC_LIVE || !c->leader || !c->leader->sighand)
			continue;
		sh = c->leader->sighand;
		fl = spin_lock_irqsave(&sh->lock);
		if ((options & WUNTRACED) && (c->sigflags & PROC_CLD_STOPPED)) {
			if (!(options & WNOWAIT))
				c->sigflags &= ~PROC_CLD_STOPPED;
			spin_unlock_irqrestore(&sh->lock, fl);
			wait_fill(c, CLD_STOPPED, W_STOPCODE(c->stop_signal),
				  r);
			return r->pid;
		}
		if ((options & WCONTINUED) &&
		    (c->sigflags & PROC_CLD_CONTINUED)) {
			if (!(options & WNOWAIT))
				c->sigflags &= ~PROC_CLD_CONTINUED;
			spin_unlock_irqrestore(&sh->lock, fl);
			wait_fill(c, CLD_CONTINUED, W_CONTINUED, r);
			return r->pid;
		}
		spin_unlock_irqrestore(&sh->lock, fl);
	}
	return any ? 0 : -ECHILD;
}

long proc_wait(int which, int id, unsigned int options, struct kwait_result *r)
{
	struct proc *me = proc_current();
	struct waitq_entry e;
	long ret;

	for (;;) {
		waitq_prepare(&me->child_wq, &e);
		mutex_lock(&proc_lock);
		ret = wait_scan(me, which, id, options, r);
		mutex_unlock(&proc_lock);
		if (ret != 0 || (options & WNOHANG))
			break;
		if (sig_pending()) {
			ret = -ERESTARTSYS;
			break;
		}
		waitq_sleep(&e, UINT64_MAX);
	}
	waitq_finish(&me->child_wq, &e);
	return ret;
}
