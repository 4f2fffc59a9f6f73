/*
 * Process timers: alarm(2), setitimer(2)/getitimer(2) and the POSIX
 * timers of timer_create(2).
 *
 *   ITIMER_REAL / alarm  a kernel timer on the monotonic clock; SIGALRM
 *                        to the process at expiry, re-armed by the
 *                        interval;
 *   ITIMER_VIRTUAL/PROF  budgets of the process's user (VIRTUAL) or user
 *                        plus system (PROF) time, charged by the user
 *                        loop after every stretch of running
 *                        (proc_timers_account); SIGVTALRM / SIGPROF when
 *                        spent.  A process can spend them without ever
 *                        entering the kernel, so while one is armed a
 *                        watchdog kernel timer interrupts it no later
 *                        than the budget could run out;
 *   POSIX timers         per process, ids from 0, on CLOCK_REALTIME,
 *                        MONOTONIC, BOOTTIME or TAI; SIGEV_SIGNAL (to
 *                        the process), SIGEV_THREAD_ID (to one thread)
 *                        or SIGEV_NONE.  An expiry while the previous
 *                        signal is still queued counts as an overrun,
 *                        reported in si_overrun and by timer_getoverrun.
 *
 * fork does not copy timers; execve keeps the interval timers and
 * deletes the POSIX ones; exit deletes them all.
 *
 * Locking: p->timer_lock (interrupts off: the callbacks run in interrupt
 * context) guards every field of every timer of p.  Signals are sent
 * after it is dropped.
 */
#include <kos/kmalloc.h>
#include <kos/ptimer.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/time.h>
#include <uapi/errno.h>
#include <uapi/time.h>

#include "internal.h"

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct ptimer {
	struct list_head link; /* p->ptimers */
	struct proc *p;
	int id;
	int clockid;
	int notify; /* SIGEV_* */
	int signo;
	uint64_t value;		/* sigev_value */
	struct uthread *target; /* SIGEV_THREAD_ID: referenced */
	struct ktimer kt;
	uint64_t deadline; /* monotonic ns, 0: disarmed */
	uint64_t interval;
	int overrun_acc;  /* expiries while the signal was queued */
	int last_overrun; /* of the last delivered signal */
	bool queued;	  /* its signal waits to be delivered */
};

/* ---- ITIMER_REAL ------------------------------------------------------ */

static void real_fire(struct ktimer *kt, void *arg)
{
	struct proc *p = arg;
	unsigned long fl = spin_lock_irqsave(&p->timer_lock);

	if (p->real_interval)
		ktimer_arm(&p->real_timer,
			   clock_monotonic_ns() + p->real_interval);
	spin_unlock_irqrestore(&p->timer_lock, fl);
	sig_send_proc(p, SIGALRM, NULL);
}

/* ---- CPU-time interval timers --------------------------------------------- */

static void watch_fire(struct ktimer *kt, void *arg)
{
	/* Nothing to do: the interrupt itself sends the process back
	 * through its loop, which charges the time. */
}

/* Arm the watchdog for the smallest budget left.  timer_lock held. */
static void watch_rearm(struct proc *p)
{
	uint64_t left = 0;

	for (int i = 0; i < 2; i++)
		if (p->cpu_left[i] && (!left || p->cpu_left[i] < left))
			left = p->cpu_left[i];
	if (left)
		ktimer_arm(&p->cpu_watch, clock_monotonic_ns() + left);
	else
		ktimer_cancel(&p->cpu_watch);
}

void proc_timers_account(struct uthread *ut, uint64_t user_ns, uint64_t sys_ns)
{
	static const int sig[2] = { SIGVTALRM, SIGPROF };
	struct proc *p = ut->proc;
	uint64_t spent[2] = { user_ns, user_ns + sys_ns };
	bool fire[2] = { false, false };
	unsigned long fl;

	if (!p->cpu_left[0] && !p->cpu_left[1])
		return;
	fl = spin_lock_irqsave(&p->timer_lock);
	for (int i = 0; i < 2; i++) {
		if (!p->cpu_left[i])
			continue;
		if (p->cpu_left[i] > spent[i]) {
			p->cpu_left[i] -= spent[i];
			continue;
		}
		fire[i] = true;
		p->cpu_left[i] = p->cpu_interval[i];
	}
	watch_rearm(p);
	spin_unlock_irqrestore(&p->timer_lock, fl);
	for (int i = 0; i < 2; i++)
		if (fire[i])
			sig_send_proc(p, sig[i], NULL);
}

static void ns_to_tv(uint64_t ns, struct timeval *tv)
{
	tv->tv_sec = (int64_t)(ns / NSEC_PER_SEC);
	tv->tv_usec = (int64_t)(ns % NSEC_PER_SEC / 1000);
}

int itimer_get(struct proc *p, int which, struct itimerval *out)
{
	unsigned long fl;
	uint64_t now;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	fl = spin_lock_irqsave(&p->timer_lock);
	if (which == ITIMER_REAL) {
		now = clock_monotonic_ns();
		if (ktimer_pending(&p->real_timer) &&
		    p->real_timer.deadline > now)
			ns_to_tv(p->real_timer.deadline - now, &out->it_value);
		else if (ktimer_pending(&p->real_timer))
			ns_to_tv(1000, &out->it_value); /* due: 1 us */
		else
			ns_to_tv(0, &out->it_value);
		ns_to_tv(p->real_interval, &out->it_interval);
	} else {
		ns_to_tv(p->cpu_left[which - 1], &out->it_value);
		ns_to_tv(p->cpu_interval[which - 1], &out->it_interval);
	}
	spin_unlock_irqrestore(&p->timer_lock, fl);
	return 0;
}

/* A timeval as ns, rounded up to a microsecond; -EINVAL if malformed. */
static int tv_to_ns(const struct timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	*ns = (uint64_t)tv->tv_sec * NSEC_PER_SEC +
	      (uint64_t)tv->tv_usec * 1000;
	return 0;
}

int itimer_set(struct proc *p, int which, const struct itimerval *nv,
	       struct itimerval *old)
{
	uint64_t value, interval;
	unsigned long fl;
	int err;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	err = tv_to_ns(&nv->it_value, &value);
	if (!err)
		err = tv_to_ns(&nv->it_interval, &interval);
	if (err)
		return err;
	if (old)
		itimer_get(p, which, old);
	fl = spin_lock_irqsave(&p->timer_lock);
	if (which == ITIMER_REAL) {
		p->real_interval = value ? interval : 0;
		if (value)
			ktimer_arm(&p->real_timer,
				   clock_monotonic_ns() + value);
		else
			ktimer_cancel(&p->real_timer);
	} else {
		/* A CPU timer's budget is at least one tick on Linux. */
		p->cpu_left[which - 1] = value;
		p->cpu_interval[which - 1] = value ? interval : 0;
		watch_rearm(p);
	}
	spin_unlock_irqrestore(&p->timer_lock, fl);
	return 0;
}

/* ---- POSIX timers ---------------------------------------------------------- */

/* Queue the timer's signal, or count an overrun.  No locks held. */
static void ptimer_notify(struct ptimer *t)
{
	struct ksiginfo info;
	unsigned long fl;
	bool send = false;

	fl = spin_lock_irqsave(&t->p->timer_lock);
	if (t->notify != SIGEV_NONE) {
		if (t->queued) {
			if (t->overrun_acc < INT32_MAX)
				t->overrun_acc++;
		} else {
			t->queued = true;
			send = true;
		}
	}
	spin_unlock_irqrestore(&t->p->timer_lock, fl);
	if (!send)
		return;
	kos_memset(&info, 0, sizeof(info));
	info.si_signo = t->signo;
	info.si_code = SI_TIMER;
	info.timer.tid = t->id;
	info.timer.value = t->value;
	if (t->target)
		sig_send_thread(t->target, t->signo, &info);
	else
		sig_send_proc(t->p, t->signo, &info);
}

static void ptimer_fire(struct ktimer *kt, void *arg)
{
	struct ptimer *t = arg;
	unsigned long fl = spin_lock_irqsave(&t->p->timer_lock);

	if (t->interval) {
		t->deadline += t->interval;
		ktimer_arm(&t->kt, t->deadline);
	} else {
		t->deadline = 0;
	}
	spin_unlock_irqrestore(&t->p->timer_lock, fl);
	ptimer_notify(t);
}

void ptimer_delivered(struct proc *p, struct ksiginfo *info)
{
	struct ptimer *t;
	unsigned long fl = spin_lock_irqsave(&p->timer_lock);

	list_for_each_entry (t, &p->ptimers, link) {
		if (t->id != info->timer.tid)
			continue;
		t->queued = false;
		t->last_overrun = t->overrun_acc;
		info->timer.overrun = t->overrun_acc;
		t->overrun_acc = 0;
		break;
	}
	spin_unlock_irqrestore(&p->timer_lock, fl);
}

/* The timer id of p, or NULL.  timer_lock held. */
static struct ptimer *find(struct proc *p, int id)
{
	struct ptimer *t;

	list_for_each_entry (t, &p->ptimers, link)
		if (t->id == id)
			return t;
	return NULL;
}

static bool clock_ok(int clockid)
{
	return clockid == CLOCK_REALTIME || clockid == CLOCK_MONOTONIC ||
	       clockid == CLOCK_BOOTTIME || clockid == CLOCK_TAI;
}

int ptimer_create(struct proc *p, int clockid, const struct ksigevent *ev,
		  int *id)
{
	struct ptimer *t;
	struct uthread *target = NULL;
	unsigned long fl;

	if (!clock_ok(clockid))
		return clockid == CLOCK_PROCESS_CPUTIME_ID ||
				       clockid == CLOCK_THREAD_CPUTIME_ID
			       ? -EOPNOTSUPP
			       : -EINVAL;
	if (ev) {
		int how = ev->sigev_notify & ~SIGEV_THREAD_ID;

		if (ev->sigev_notify & SIGEV_THREAD_ID) {
			mutex_lock(&proc_lock);
			target = pid_task(ev->tid);
			if (!target || target->exited || target->proc != p ||
			    how != SIGEV_SIGNAL) {
				mutex_unlock(&proc_lock);
				return -EINVAL;
			}
			uthread_get(target);
			mutex_unlock(&proc_lock);
		} else if (how != SIGEV_SIGNAL && how != SIGEV_THREAD &&
			   how != SIGEV_NONE) {
			return -EINVAL;
		}
		if (how != SIGEV_NONE &&
		    (ev->sigev_signo <= 0 || ev->sigev_signo > _NSIG)) {
			if (target)
				uthread_put(target);
			return -EINVAL;
		}
	}
	t = kzalloc(sizeof(*t));
	if (!t) {
		if (target)
			uthread_put(target);
		return -EAGAIN;
	}
	t->p = p;
	t->clockid = clockid;
	t->target = target;
	if (ev) {
		t->notify = ev->sigev_notify & SIGEV_THREAD_ID ? SIGEV_SIGNAL
			    : (ev->sigev_notify == SIGEV_NONE) ? SIGEV_NONE
							       : SIGEV_SIGNAL;
		t->signo = ev->sigev_signo;
		t->value = ev->sigev_value;
	} else {
		t->notify = SIGEV_SIGNAL;
		t->signo = SIGALRM;
	}
	ktimer_init(&t->kt, ptimer_fire, t);
	fl = spin_lock_irqsave(&p->timer_lock);
	t->id = p->next_timer_id++;
	if (!ev)
		t->value = (uint64_t)t->id;
	list_add_tail(&t->link, &p->ptimers);
	spin_unlock_irqrestore(&p->timer_lock, fl);
	*id = t->id;
	return 0;
}

/* Remaining time and interval of t.  timer_lock held. */
static void get_locked(struct ptimer *t, struct itimerspec *cur)
{
	uint64_t now = clock_monotonic_ns(), left = 0;

	if (t->deadline)
		left = t->deadline > now ? t->deadline - now : 1;
	cur->it_value.tv_sec = (int64_t)(left / NSEC_PER_SEC);
	cur->it_value.tv_nsec = (int64_t)(left % NSEC_PER_SEC);
	cur->it_interval.tv_sec = (int64_t)(t->interval / NSEC_PER_SEC);
	cur->it_interval.tv_nsec = (int64_t)(t->interval % NSEC_PER_SEC);
}

int ptimer_gettime(struct proc *p, int id, struct itimerspec *cur)
{
	unsigned long fl = spin_lock_irqsave(&p->timer_lock);
	struct ptimer *t = find(p, id);

	if (t)
		get_locked(t, cur);
	spin_unlock_irqrestore(&p->timer_lock, fl);
	return t ? 0 : -EINVAL;
}

static int ts_ns(const struct timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 ||
	    ts->tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	*ns = (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
	return 0;
}

int ptimer_settime(struct proc *p, int id, int flags,
		   const struct itimerspec *nv, struct itimerspec *old)
{
	uint64_t value, interval, now, deadline = 0;
	struct ptimer *t;
	unsigned long fl;
	bool fire = false;
	int err;

	err = ts_ns(&nv->it_value, &value);
	if (!err)
		err = ts_ns(&nv->it_interval, &interval);
	if (err)
		return err;
	fl = spin_lock_irqsave(&p->timer_lock);
	t = find(p, id);
	if (!t) {
		spin_unlock_irqrestore(&p->timer_lock, fl);
		return -EINVAL;
	}
	if (old)
		get_locked(t, old);
	ktimer_cancel(&t->kt);
	t->deadline = 0;
	t->interval = value ? interval : 0;
	if (value) {
		now = clock_monotonic_ns();
		if (flags & TIMER_ABSTIME) {
			uint64_t base = (t->clockid == CLOCK_MONOTONIC ||
					 t->clockid == CLOCK_BOOTTIME)
						? now
						: clock_realtime_ns();

			deadline = value > base ? now + (value - base) : now;
		} else {
			deadline = now + value;
		}
		if (deadline <= now && !t->interval) {
			fire = true; /* already due, once */
		} else {
			t->deadline = deadline;
			ktimer_arm(&t->kt, deadline);
		}
	}
	spin_unlock_irqrestore(&p->timer_lock, fl);
	if (fire)
		ptimer_notify(t);
	return 0;
}

int ptimer_getoverrun(struct proc *p, int id)
{
	unsigned long fl = spin_lock_irqsave(&p->timer_lock);
	struct ptimer *t = find(p, id);
	int r = t ? t->last_overrun : -EINVAL;

	spin_unlock_irqrestore(&p->timer_lock, fl);
	return r;
}

static void ptimer_free(struct ptimer *t)
{
	if (t->target)
		uthread_put(t->target);
	kfree(t);
}

int ptimer_delete(struct proc *p, int id)
{
	unsigned long fl = spin_lock_irqsave(&p->timer_lock);
	struct ptimer *t = find(p, id);

	if (t) {
		ktimer_cancel(&t->kt);
		list_del(&t->link);
	}
	spin_unlock_irqrestore(&p->timer_lock, fl);
	if (!t)
		return -EINVAL;
	ptimer_free(t);
	return 0;
}

/* ---- lifetime ------------------------------------------------------------ */

void proc_timers_init(struct proc *p)
{
	spin_init(&p->timer_lock, "timers");
	ktimer_init(&p->real_timer, real_fire, p);
	ktimer_init(&p->cpu_watch, watch_fire, p);
	list_init(&p->ptimers);
}

void proc_timers_exec(struct proc *p)
{
	struct ptimer *t;
	unsigned long fl;

	for (;;) {
		fl = spin_lock_irqsave(&p->timer_lock);
		if (list_empty(&p->ptimers)) {
			spin_unlock_irqrestore(&p->timer_lock, fl);
			break;
		}
		t = list_first_entry(&p->ptimers, struct ptimer, link);
		ktimer_cancel(&t->kt);
		list_del(&t->link);
		spin_unlock_irqrestore(&p->timer_lock, fl);
		ptimer_free(t);
	}
}

void proc_timers_exit(struct proc *p)
{
	unsigned long fl = spin_lock_irqsave(&p->timer_lock);

	ktimer_cancel(&p->real_timer);
	ktimer_cancel(&p->cpu_watch);
	p->cpu_left[0] = p->cpu_left[1] = 0;
	spin_unlock_irqrestore(&p->timer_lock, fl);
	proc_timers_exec(p);
}
