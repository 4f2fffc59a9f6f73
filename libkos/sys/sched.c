/*
 * Scheduling system calls: CPU affinity, nice values, scheduling policy
 * and priority queries (getcpu is in system.c, beside the vDSO's).
 *
 * KOS runs on one CPU with one round-robin policy, so these report what
 * Linux reports for SCHED_OTHER threads on a one-CPU machine: affinity
 * mask {0} (setting a mask without CPU 0 is EINVAL), policy SCHED_OTHER
 * with priority 0.  Nice values are kept per process and checked with
 * Linux's rules (lowering needs privilege), but do not yet change the
 * scheduler's choices.
 */
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/resource.h>
#include <uapi/sched.h>
#include <uapi/time.h>

#define CAP_SYS_NICE 23

/*
 * The thread named by pid (0: the caller), or NULL.  A process's leader
 * stays findable until the process is reaped (a zombie, or a leader that
 * exited before its other threads), as on Linux.  proc_lock held.
 */
static struct uthread *task_of(int pid)
{
	struct uthread *t;

	if (!pid)
		return uthread_current();
	t = pid_task(pid);
	if (!t || t->proc->state == PROC_DEAD)
		return NULL;
	return !t->exited || t->proc->pid == pid ? t : NULL;
}

/*
 * 0 if pid names a thread, else -ESRCH (a negative pid too, as Linux's
 * find_task_by_vpid; the calls that refuse one with EINVAL check first).
 */
static long task_exists(int pid)
{
	long r;

	if (pid < 0)
		return -ESRCH;
	mutex_lock(&proc_lock);
	r = task_of(pid) ? 0 : -ESRCH;
	mutex_unlock(&proc_lock);
	return r;
}

SYSCALL_DEFINE3(sched_getaffinity, int, pid, unsigned int, len,
		unsigned long __user *, mask)
{
	uint8_t buf[8] = { 1 }; /* CPU 0 */
	long r;

	/* Linux wants room for all of its CPU bits, word aligned. */
	if (len < sizeof(unsigned long) || (len & (sizeof(long) - 1)))
		return -EINVAL;
	r = task_exists(pid);
	if (r)
		return r;
	if (copy_to_user(mask, buf, sizeof(buf)))
		return -EFAULT;
	return sizeof(buf);
}

SYSCALL_DEFINE3(sched_setaffinity, int, pid, unsigned int, len,
		const unsigned long __user *, mask)
{
	uint8_t first = 0;
	long r;

	if (len && copy_from_user(&first, mask, 1))
		return -EFAULT;
	r = task_exists(pid);
	if (r)
		return r;
	return (first & 1) ? 0 : -EINVAL;
}

SYSCALL_DEFINE1(sched_getscheduler, int, pid)
{
	struct uthread *t;
	long r;

	if (pid < 0)
		return -EINVAL;
	mutex_lock(&proc_lock);
	t = task_of(pid);
	r = t ? t->sched_policy : -ESRCH;
	mutex_unlock(&proc_lock);
	return r;
}

/*
 * Without CAP_SYS_NICE (Linux's user_check_sched_setscheduler): only a
 * process of one's own (euid against its uid or euid), no leaving
 * SCHED_IDLE unless RLIMIT_NICE allows the nice value, and no clearing
 * SCHED_RESET_ON_FORK.  proc_lock held.
 */
static long policy_allowed(struct uthread *t, int policy)
{
	struct proc *me = proc_current(), *p = t->proc;
	int old = t->sched_policy;

	if (me->cred.cap_effective & (1ULL << CAP_SYS_NICE))
		return 0;
	if ((old & ~SCHED_RESET_ON_FORK) == SCHED_IDLE &&
	    (policy & ~SCHED_RESET_ON_FORK) != SCHED_IDLE &&
	    20 - p->nice > (long)p->rlim[RLIMIT_NICE].rlim_cur)
		return -EPERM;
	if (p != me && p->cred.uid != me->cred.euid &&
	    p->cred.euid != me->cred.euid)
		return -EPERM;
	if ((old & SCHED_RESET_ON_FORK) && !(policy & SCHED_RESET_ON_FORK))
		return -EPERM;
	return 0;
}

/*
 * Linux's checks, in its order.  The real-time policies (SCHED_FIFO,
 * SCHED_RR) need a real-time scheduling class, which KOS does not have:
 * -EPERM, what Linux says to a caller without CAP_SYS_NICE.  policy -1:
 * keep the thread's, flag included (sched_setparam).
 */
static long set_policy(int pid, int policy, const int __user *param)
{
	struct uthread *t;
	int prio, base;
	long r = 0;

	if (!param || pid < 0)
		return -EINVAL;
	if (copy_from_user(&prio, param, sizeof(prio)))
		return -EFAULT;
	mutex_lock(&proc_lock);
	t = task_of(pid);
	if (!t) {
		r = -ESRCH;
		goto out;
	}
	if (policy == -1)
		policy = t->sched_policy;
	base = policy & ~SCHED_RESET_ON_FORK;
	switch (base) {
	case SCHED_OTHER:
	case SCHED_BATCH:
	case SCHED_IDLE:
		if (prio != 0)
			r = -EINVAL;
		break;
	case SCHED_FIFO:
	case SCHED_RR:
		r = prio < 1 || prio > 99 ? -EINVAL : -EPERM;
		break;
	default:
		r = -EINVAL;
		break;
	}
	if (!r)
		r = policy_allowed(t, policy);
	if (!r)
		t->sched_policy = policy;
out:
	mutex_unlock(&proc_lock);
	return r;
}

SYSCALL_DEFINE3(sched_setscheduler, int, pid, int, policy, const int __user *,
		param)
{
	if (policy < 0)
		return -EINVAL;
	return set_policy(pid, policy, param);
}

SYSCALL_DEFINE2(sched_setparam, int, pid, const int __user *, param)
{
	return set_policy(pid, -1, param);
}

SYSCALL_DEFINE2(sched_getparam, int, pid, int __user *, param)
{
	int prio = 0;
	long r;

	if (!param || pid < 0)
		return -EINVAL;
	r = task_exists(pid);
	if (r)
		return r;
	return copy_to_user(param, &prio, sizeof(prio)) ? -EFAULT : 0;
}

/* Every thread runs round robin with KOS's one time slice. */
SYSCALL_DEFINE2(sched_rr_get_interval, int, pid, struct timespec __user *,
		interval)
{
	struct timespec ts = { 0, SCHED_SLICE_NS };
	long r;

	if (pid < 0)
		return -EINVAL;
	r = task_exists(pid);
	if (r)
		return r;
	return copy_to_user(interval, &ts, sizeof(ts)) ? -EFAULT : 0;
}

SYSCALL_DEFINE1(sched_get_priority_max, int, policy)
{
	switch (policy) {
	case SCHED_FIFO:
	case SCHED_RR:
		return 99;
	case SCHED_OTHER:
	case SCHED_BATCH:
	case SCHED_IDLE:
	case SCHED_DEADLINE:
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE1(sched_get_priority_min, int, policy)
{
	long r = sys_sched_get_priority_max(policy);

	return r > 0 ? 1 : r;
}

/* ---- nice values ------------------------------------------------------- */

/* Does proc p fall under (which, who)?  proc_lock held. */
static bool prio_matches(struct proc *p, int which, int who)
{
	struct proc *me = proc_current();

	switch (which) {
	case PRIO_PROCESS:
		return p->pid == (who ? who : me->pid);
	case PRIO_PGRP:
		return p->pgid == (who ? who : me->pgid);
	default: /* PRIO_USER */
		return p->cred.uid ==
		       (unsigned int)(who ? who : (int)me->cred.uid);
	}
}

SYSCALL_DEFINE2(getpriority, int, which, int, who)
{
	struct proc *p;
	long best = -ESRCH;

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	mutex_lock(&proc_lock);
	list_for_each_entry (p, &proc_list, link) {
		long v;

		if (p->state != PROC_LIVE || !prio_matches(p, which, who))
			continue;
		v = 20 - p->nice; /* the kernel's 1..40, larger is higher */
		if (v > best)
			best = v;
	}
	mutex_unlock(&proc_lock);
	return best;
}

SYSCALL_DEFINE3(setpriority, int, which, int, who, int, niceval)
{
	struct proc *me = proc_current(), *p;
	long r = -ESRCH;

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	if (niceval < -20)
		niceval = -20;
	if (niceval > 19)
		niceval = 19;
	mutex_lock(&proc_lock);
	list_for_each_entry (p, &proc_list, link) {
		if (p->state != PROC_LIVE || !prio_matches(p, which, who))
			continue;
		if (p->cred.uid != me->cred.euid &&
		    p->cred.euid != me->cred.euid &&
		    !(me->cred.cap_effective & (1ULL << CAP_SYS_NICE))) {
			r = -EPERM;
			continue;
		}
		/* Lowering nice (raising priority) needs privilege. */
		if (niceval < p->nice &&
		    !(me->cred.cap_effective & (1ULL << CAP_SYS_NICE)) &&
		    20 - niceval > (long)me->rlim[RLIMIT_NICE].rlim_cur) {
			r = -EACCES;
			continue;
		}
		p->nice = niceval;
		if (r == -ESRCH)
			r = 0;
	}
	mutex_unlock(&proc_lock);
	return r;
}
