/*
 * Time system calls: clock_gettime/clock_getres/clock_nanosleep,
 * gettimeofday, time, nanosleep.
 *
 * CLOCK_MONOTONIC, _RAW, _COARSE and BOOTTIME read the platform's monotonic
 * clock (KOS does not suspend, so BOOTTIME == MONOTONIC); REALTIME and TAI
 * the wall clock; the CPU-time clocks report thread/process run time.
 * Sleeps are interruptible only by signals, which arrive in a later issue.
 */
#include <kos/plat/cpu.h>
#include <kos/plat/time.h>
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/signal.h>
#include <kos/syscalls.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/time.h>

/* Run time of a thread (its kernel thread's, or what it had at exit). */
static uint64_t thread_cpu(struct uthread *t, int kind)
{
	if (kind == 1)
		return t->utime_ns;
	return t->thread ? sched_runtime_ns(t->thread)
			 : t->utime_ns + t->stime_ns;
}

/*
 * CPU-time clocks: of a thread or a whole process (pid 0: the caller's),
 * kind 0 PROF (user + system), 1 VIRT (user), 2 SCHED (run time).
 */
static int cpu_clock(int pid, bool thread, int kind, uint64_t *ns)
{
	struct uthread *me = uthread_current(), *t;
	struct proc *p;
	int err = 0;

	if (!me) {
		*ns = sched_runtime_ns(sched_current());
		return 0;
	}
	mutex_lock(&proc_lock);
	t = pid ? pid_task(pid) : me;
	p = t ? t->proc : NULL;
	if (!t || (thread && t->exited) || (!thread && pid && !pid_proc(pid))) {
		err = -EINVAL;
	} else if (thread) {
		*ns = thread_cpu(t, kind);
	} else {
		*ns = kind == 1 ? p->dead_threads.utime
				: p->dead_threads.utime + p->dead_threads.stime;
		list_for_each_entry (t, &p->threads, group_link)
			if (!t->exited)
				*ns += thread_cpu(t, kind);
	}
	mutex_unlock(&proc_lock);
	return err;
}

static int clock_read(int id, uint64_t *ns)
{
	if (id < 0) {
		int pid = ~(id >> 3), kind = id & 3;

		if (kind == 3)
			return -EINVAL;
		return cpu_clock(pid, id & 4, kind, ns);
	}
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
		*ns = clock_realtime_ns();
		return 0;
	case CLOCK_TAI:
		/* Linux boots with a TAI offset of 0 until NTP sets one. */
		*ns = clock_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*ns = clock_monotonic_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		return cpu_clock(0, false, 2, ns);
	case CLOCK_THREAD_CPUTIME_ID:
		return cpu_clock(0, true, 2, ns);
	default:
		return -EINVAL;
	}
}

static struct timespec ns_to_ts(uint64_t ns)
{
	struct timespec ts = { (int64_t)(ns / NSEC_PER_SEC),
			       (int64_t)(ns % NSEC_PER_SEC) };
	return ts;
}

SYSCALL_DEFINE2(clock_gettime, int, id, struct timespec __user *, tp)
{
	struct timespec ts;
	uint64_t ns;
	int err = clock_read(id, &ns);

	if (err)
		return err;
	ts = ns_to_ts(ns);
	return copy_to_user(tp, &ts, sizeof(ts));
}

SYSCALL_DEFINE2(clock_getres, int, id, struct timespec __user *, tp)
{
	struct timespec ts = { 0, 1 };
	uint64_t ns;
	int err = clock_read(id, &ns);

	if (err)
		return err;
	if (id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE)
		ts.tv_nsec = NSEC_PER_SEC / SCHED_HZ;
	if (tp && copy_to_user(tp, &ts, sizeof(ts)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE2(gettimeofday, struct timeval __user *, tv,
		struct timezone __user *, tz)
{
	uint64_t ns = clock_realtime_ns();

	if (tv) {
		struct timeval v = { (int64_t)(ns / NSEC_PER_SEC),
				     (int64_t)(ns % NSEC_PER_SEC / 1000) };
		if (copy_to_user(tv, &v, sizeof(v)))
			return -EFAULT;
	}
	if (tz) {
		struct timezone z = { 0, 0 };
		if (copy_to_user(tz, &z, sizeof(z)))
			return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE1(time, int64_t __user *, tloc)
{
	int64_t t = (int64_t)(clock_realtime_ns() / NSEC_PER_SEC);

	if (tloc && copy_to_user(tloc, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

static int get_timespec(const struct timespec __user *u, uint64_t *ns)
{
	struct timespec ts;

	if (copy_from_user(&ts, u, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	if ((uint64_t)ts.tv_sec >= UINT64_MAX / NSEC_PER_SEC - 1)
		*ns = UINT64_MAX / 2;
	else
		*ns = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	return 0;
}

static bool never(void *arg)
{
	return false;
}

/*
 * Sleep until the monotonic deadline or a signal.  Interrupted: the time
 * left goes to rem (if given) and the call restarts through
 * restart_syscall with the same deadline when no handler runs, else
 * fails with -EINTR (ERESTART_RESTARTBLOCK does both).
 */
static long sleep_until(uint64_t deadline, unsigned long rem);

static long sleep_restart(struct uthread *ut)
{
	return sleep_until(ut->restart.deadline_ns, ut->restart.rem);
}

static long sleep_until(uint64_t deadline, unsigned long rem)
{
	struct uthread *ut = uthread_current();
	struct waitq wq;
	uint64_t now, left;
	struct timespec ts;

	waitq_init(&wq);
	if (sig_wait(&wq, never, NULL, deadline) != -EINTR)
		return 0;
	now = clock_monotonic_ns();
	left = deadline > now ? deadline - now : 0;
	if (rem) {
		ts.tv_sec = (int64_t)(left / NSEC_PER_SEC);
		ts.tv_nsec = (int64_t)(left % NSEC_PER_SEC);
		if (copy_to_user((void *)rem, &ts, sizeof(ts)))
			return -EFAULT;
	}
	if (ut) {
		ut->restart.fn = sleep_restart;
		ut->restart.deadline_ns = deadline;
		ut->restart.rem = rem;
	}
	return -ERESTART_RESTARTBLOCK;
}

SYSCALL_DEFINE2(nanosleep, const struct timespec __user *, req,
		struct timespec __user *, rem)
{
	uint64_t ns;
	int err = get_timespec(req, &ns);

	if (err)
		return err;
	return sleep_until(clock_deadline_after(ns), (unsigned long)rem);
}

SYSCALL_DEFINE4(clock_nanosleep, int, id, __as_hex int, flags,
		const struct timespec __user *, req, struct timespec __user *,
		rem)
{
	uint64_t ns, now = 0;
	int err;

	/*
	 * Linux sleeps on REALTIME, MONOTONIC, BOOTTIME, TAI (and the
	 * _ALARM clocks, which need CAP_WAKE_ALARM); the RAW, COARSE and
	 * CPU-time clocks have no sleep and say EOPNOTSUPP.  Unknown flag
	 * bits are ignored, as Linux does.
	 */
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		break;
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
	err = get_timespec(req, &ns);
	if (err)
		return err;
	clock_read(id, &now);
	if (flags & TIMER_ABSTIME) {
		struct waitq wq;

		if (ns <= now)
			return 0;
		/* An absolute sleep is simply redone: ERESTARTNOHAND. */
		waitq_init(&wq);
		if (sig_wait(&wq, never, NULL,
			     clock_deadline_after(ns - now)) == -EINTR)
			return -ERESTARTNOHAND;
		return 0;
	}
	return sleep_until(clock_deadline_after(ns), (unsigned long)rem);
}
