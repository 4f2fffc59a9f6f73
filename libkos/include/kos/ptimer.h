/*
 * Interval timers and POSIX timers of a process (libkos/proc/timers.c);
 * the system calls are in libkos/sys/timer.c.
 */
#ifndef KOS_PTIMER_H
#define KOS_PTIMER_H

#include <kos/proc.h>
#include <uapi/signal.h>
#include <uapi/time.h>

/* getitimer/setitimer (which: ITIMER_REAL/VIRTUAL/PROF).  0, -EINVAL. */
int itimer_get(struct proc *p, int which, struct itimerval *out);
int itimer_set(struct proc *p, int which, const struct itimerval *nv,
	       struct itimerval *old);

/*
 * timer_create: a new timer on clockid (a CPU-time clock too) notifying
 * as ev says (NULL: SIGEV_SIGNAL with SIGALRM and the id as value).  0
 * with *id, -EINVAL, -EOPNOTSUPP (a clock without timers), -EPERM (an
 * alarm clock without CAP_WAKE_ALARM), -EAGAIN.
 */
int ptimer_create(struct proc *p, int clockid, const struct ksigevent *ev,
		  int *id);
int ptimer_settime(struct proc *p, int id, int flags,
		   const struct itimerspec *nv, struct itimerspec *old);
int ptimer_gettime(struct proc *p, int id, struct itimerspec *cur);
int ptimer_getoverrun(struct proc *p, int id);
int ptimer_delete(struct proc *p, int id);

/*
 * A timer's signal (SI_TIMER info) leaves the pending set: fill in its
 * overrun count and let the timer queue the next one.  Any context.
 */
void ptimer_delivered(struct proc *p, struct ksiginfo *info);

#endif
