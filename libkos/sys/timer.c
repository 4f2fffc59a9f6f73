/*
 * Timer system calls: alarm, getitimer, setitimer, and the POSIX timers
 * (timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete).  The timers themselves are libkos/proc/timers.c.
 */
#include <kos/proc.h>
#include <kos/ptimer.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/time.h>

SYSCALL_DEFINE1(alarm, unsigned int, seconds)
{
	struct itimerval nv = { { 0, 0 }, { seconds, 0 } }, old;
	long left;

	itimer_set(proc_current(), 0, &nv, &old);
	/* The seconds left, rounded; a timer that still runs is >= 1. */
	left = old.it_value.tv_sec;
	if (old.it_value.tv_usec >= 500000 || (!left && old.it_value.tv_usec))
		left++;
	return left;
}

SYSCALL_DEFINE2(getitimer, int, which, struct itimerval __user *, uval)
{
	struct itimerval v;
	int err = itimer_get(proc_current(), which, &v);

	if (err)
		return err;
	return copy_to_user(uval, &v, sizeof(v)) ? -EFAULT : 0;
}

SYSCALL_DEFINE3(setitimer, int, which, const struct itimerval __user *, unew,
		struct itimerval __user *, uold)
{
	struct itimerval nv = { { 0, 0 }, { 0, 0 } }, old;
	int err;

	/* Linux treats a NULL new value as all zeroes. */
	if (unew && copy_from_user(&nv, unew, sizeof(nv)))
		return -EFAULT;
	err = itimer_set(proc_current(), which, &nv, &old);
	if (err)
		return err;
	return uold && copy_to_user(uold, &old, sizeof(old)) ? -EFAULT : 0;
}

SYSCALL_DEFINE3(timer_create, int, clockid, struct ksigevent __user *, uev,
		int __user *, uid)
{
	struct ksigevent ev;
	int id, err;

	if (uev && copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	err = ptimer_create(proc_current(), clockid, uev ? &ev : NULL, &id);
	if (err)
		return err;
	if (copy_to_user(uid, &id, sizeof(id))) {
		ptimer_delete(proc_current(), id);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE4(timer_settime, int, id, int, flags,
		const struct itimerspec __user *, unew,
		struct itimerspec __user *, uold)
{
	struct itimerspec nv, old;
	int err;

	if (!unew)
		return -EINVAL;
	if (copy_from_user(&nv, unew, sizeof(nv)))
		return -EFAULT;
	err = ptimer_settime(proc_current(), id, flags, &nv,
			     uold ? &old : NULL);
	if (err)
		return err;
	return uold && copy_to_user(uold, &old, sizeof(old)) ? -EFAULT : 0;
}

SYSCALL_DEFINE2(timer_gettime, int, id, struct itimerspec __user *, ucur)
{
	struct itimerspec cur;
	int err = ptimer_gettime(proc_current(), id, &cur);

	if (err)
		return err;
	return copy_to_user(ucur, &cur, sizeof(cur)) ? -EFAULT : 0;
}

SYSCALL_DEFINE1(timer_getoverrun, int, id)
{
	return ptimer_getoverrun(proc_current(), id);
}

SYSCALL_DEFINE1(timer_delete, int, id)
{
	return ptimer_delete(proc_current(), id);
}
