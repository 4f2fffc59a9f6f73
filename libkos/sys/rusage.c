/*
 * Resource usage: getrusage(2) and times(2).
 *
 * CPU time is split at the user/kernel boundary by the user-thread loop
 * (the time a thread spends in plat_user_run() is user time, the rest of
 * its running time system time), so figures include the platform's cost
 * of entering user mode.  Page faults that mapped a page count as minor
 * faults; there are no major faults (no swap, no disk yet).  Children's
 * figures cover reaped children and their reaped descendants.
 */
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/resource.h>

#define USER_HZ 100

struct tms {
	int64_t tms_utime, tms_stime, tms_cutime, tms_cstime;
};

static void to_rusage(struct rusage *ru, const struct proc_times *t)
{
	kos_memset(ru, 0, sizeof(*ru));
	ru->ru_utime.tv_sec = (int64_t)(t->utime / NSEC_PER_SEC);
	ru->ru_utime.tv_usec = (int64_t)(t->utime % NSEC_PER_SEC / 1000);
	ru->ru_stime.tv_sec = (int64_t)(t->stime / NSEC_PER_SEC);
	ru->ru_stime.tv_usec = (int64_t)(t->stime % NSEC_PER_SEC / 1000);
	ru->ru_maxrss = (int64_t)t->maxrss_kb;
	ru->ru_minflt = (int64_t)t->minflt;
	ru->ru_majflt = (int64_t)t->majflt;
	ru->ru_nvcsw = (int64_t)t->nvcsw;
	ru->ru_nivcsw = (int64_t)t->nivcsw;
}

SYSCALL_DEFINE2(getrusage, int, who, struct rusage __user *, uru)
{
	struct uthread *ut = uthread_current();
	struct proc *p = ut->proc;
	struct proc_times t;
	struct rusage ru;

	mutex_lock(&proc_lock);
	switch (who) {
	case RUSAGE_SELF:
		proc_times_sum(p, &t);
		break;
	case RUSAGE_CHILDREN:
		t = p->children_time;
		break;
	case RUSAGE_THREAD:
		kos_memset(&t, 0, sizeof(t));
		t.utime = ut->utime_ns;
		t.stime = ut->stime_ns;
		t.minflt = ut->minflt;
		t.nvcsw = ut->thread->nvcsw;
		t.nivcsw = ut->thread->nivcsw;
		t.maxrss_kb = vm_maxrss_kb(ut->vm);
		break;
	default:
		mutex_unlock(&proc_lock);
		return -EINVAL;
	}
	mutex_unlock(&proc_lock);
	to_rusage(&ru, &t);
	return copy_to_user(uru, &ru, sizeof(ru)) ? -EFAULT : 0;
}

static int64_t ticks(uint64_t ns)
{
	return (int64_t)(ns / (NSEC_PER_SEC / USER_HZ));
}

SYSCALL_DEFINE1(times, struct tms __user *, ubuf)
{
	struct proc *p = proc_current();
	struct proc_times t;
	struct tms tb;

	mutex_lock(&proc_lock);
	proc_times_sum(p, &t);
	tb.tms_utime = ticks(t.utime);
	tb.tms_stime = ticks(t.stime);
	tb.tms_cutime = ticks(p->children_time.utime);
	tb.tms_cstime = ticks(p->children_time.stime);
	mutex_unlock(&proc_lock);
	if (ubuf && copy_to_user(ubuf, &tb, sizeof(tb)))
		return -EFAULT;
	/* Clock ticks since an arbitrary point: boot. */
	return ticks(clock_monotonic_ns());
}
