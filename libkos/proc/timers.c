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
 *                        entering the kernel: see the watchdog below;
 *   POSIX timers         per process, ids from 0, on CLOCK_REALTIME,
 *                        MONOTONIC, BOOTTIME, TAI (and the _ALARM ones,
 *                        with CAP_WAKE_ALARM) on kernel timers, or on a
 *                        CPU-time clock (below); SIGEV_SIGNAL (to the
 *                        process), SIGEV_THREAD_ID (to one thread) or
 *                        SIGEV_NONE.  An expiry while the previous
 *                        signal is still queued counts as an overrun,
 *                        reported in si_overrun and by timer_getoverrun;
 *                        so do the periods an expiry came too late for.
 *   CPU-time timers      on CLOCK_PROCESS/THREAD_CPUTIME_ID or a clock
 *                        id of clock_getcpuclockid/pthread_getcpuclockid
 *                        (Linux's encoding: ~pid << 3 | per-thread << 2 |
 *                        PROF, VIRT or SCHED): any process, or a thread
 *                        of the caller's.  Like the CPU interval timers
 *                        they are budgets of that clock, charged by the
 *                        loop of every thread they measure (and
 *                        watched like them).  The signal goes to the
 *                        timer's owner, as on Linux.
 *
 * The watchdog.  Every user thread has a kernel timer, ut->cpu_watch,
 * which its loop arms, after each charge and so right before it returns
 * to user mode, for the earliest moment a budget measuring it could run
 * out (now + the smallest budget left: one CPU, so the thread cannot
 * run more user code than that in less wall time).  Its expiry sets the
 * thread's user_work.  If the thread is in user mode then, the interrupt
 * itself brings it back to its loop, which charges the time; if it is
 * still in the kernel on its way there (the deadline can be mere
 * microseconds away, and the thread may even be preempted on the way),
 * user_work makes plat_user_run() come straight back instead of running
 * user code that nothing would interrupt.  The time charged then covers
 * the deadline, so the budget runs out and the loop never spins.
 *
 * fork does not copy timers; execve keeps the interval timers and
 * deletes the POSIX ones; exit deletes them all.
 *
 * Locking: p->timer_lock (interrupts off: the callbacks run in interrupt
 * context) guards every field of every timer of p, except what cpu_lock
 * guards: the list of CPU-time timers and their budgets.  Order:
 * timer_lock, then cpu_lock.  Signals are sent after both are dropped.
 */
#include <kos/kmalloc.h>
#include <kos/ptimer.h>
#include <kos/sched.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/time.h>
#include <uapi/errno.h>
#include <uapi/time.h>

#include "internal.h"

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

/* Linux's CPU-time clock ids (negative: ~pid << 3 | thread << 2 | kind). */
#define CPUCLOCK_PROF 0	 /* user + system time */
#define CPUCLOCK_VIRT 1	 /* user time */
#define CPUCLOCK_SCHED 2 /* run time (here user + system too) */
#define CPUCLOCK_PERTHREAD 4
#define CLOCKFD 3 /* (id & 7) == 3: a posix clock fd, no timers */
#define MAKE_CPUCLOCK(pid, bits) ((int)(~(unsigned int)(pid) << 3 | (bits)))

#define CAP_WAKE_ALARM 35

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

	/* CPU-time clocks: what it measures (one of the two, referenced) */
	struct proc *cpu_proc;
	struct uthread *cpu_thread;
	int cpu_kind;		   /* CPUCLOCK_* */
	struct list_head cpu_link; /* cpu_lock: on proc_cpu_timers */
	uint64_t cpu_left;	   /* cpu_lock: ns of the clock left, 0 off */
};

/* Every CPU-time POSIX timer of every process. */
static struct spinlock cpu_lock = SPINLOCK_INIT("cpu timers");
LIST_HEAD(proc_cpu_timers);

static bool is_cpu_timer(const struct ptimer *t)
{
	return t->cpu_proc || t->cpu_thread;
}

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

/* ---- the watchdog (see the top of the file) ------------------------------- */

/* Interrupt context: send the thread round its loop before user code. */
static void watch_fire(struct ktimer *kt, void *arg)
{
	struct uthread *ut = arg;

	if (ut->thread)
		ut->thread->user_work = 1;
}

void proc_timers_thread_init(struct uthread *ut)
{
	ktimer_init(&ut->cpu_watch, watch_fire, ut);
}

void proc_timers_thread_exit(struct uthread *ut)
{
	ktimer_cancel(&ut->cpu_watch);
}

/* Watch ut for least ns of CPU time from now (0: nothing to watch). */
static void watch_arm(struct uthread *ut, uint64_t least)
{
	if (least)
		ktimer_arm(&ut->cpu_watch, clock_monotonic_ns() + least);
	else if (ktimer_pending(&ut->cpu_watch))
		ktimer_cancel(&ut->cpu_watch);
}

/* The smaller nonzero budget of a and b (0: neither). */
static uint64_t least_left(uint64_t a, uint64_t b)
{
	return !a || (b && b < a) ? b : a;
}

/* ---- CPU-time interval timers --------------------------------------------- */

static uint64_t cpu_ptimers_charge(struct uthread *ut, uint64_t user_ns,
				   uint64_t sys_ns);

void proc_timers_charge(struct uthread *ut, uint64_t user_ns, uint64_t sys_ns)
{
	static const int sig[2] = { SIGVTALRM, SIGPROF };
	struct proc *p = ut->proc;
	uint64_t spent[2] = { user_ns, user_ns + sys_ns }, least = 0;
	bool fire[2] = { false, false };
	unsigned long fl;

	if (!list_empty(&proc_cpu_timers))
		least = cpu_ptimers_charge(ut, user_ns, sys_ns);
	if (!p->cpu_left[0] && !p->cpu_left[1]) {
		watch_arm(ut, least);
		return;
	}
	fl = spin_lock_irqsave(&p->timer_lock);
	for (int i = 0; i < 2; i++) {
		if (!p->cpu_left[i])
			continue;
		if (p->cpu_left[i] > spent[i]) {
			p->cpu_left[i] -= spent[i];
		} else {
			fire[i] = true;
			p->cpu_left[i] = p->cpu_interval[i];
		}
		least = least_left(least, p->cpu_left[i]);
	}
	watch_arm(ut, least);
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
		/* A CPU timer's budget is at least one tick on Linux.  No
		 * watchdog yet: every thread of p charges (and arms its own)
		 * before it next runs user code. */
		p->cpu_left[which - 1] = value;
		p->cpu_interval[which - 1] = value ? interval : 0;
	}
	spin_unlock_irqrestore(&p->timer_lock, fl);
	return 0;
}

/* ---- POSIX timers ---------------------------------------------------------- */

/*
 * Queue the timer's signal, or count an overrun; extra: periods that
 * passed unsignalled besides this expiry.  No locks held.
 */
static void ptimer_notify(struct ptimer *t, uint64_t extra)
{
	struct ksiginfo info;
	unsigned long fl;
	uint64_t acc;
	bool send = false;

	fl = spin_lock_irqsave(&t->p->timer_lock);
	if (t->notify != SIGEV_NONE) {
		acc = (uint64_t)t->overrun_acc + extra;
		if (t->queued)
			acc++;
		else
			t->queued = send = true;
		t->overrun_acc = acc < INT32_MAX ? (int)acc : INT32_MAX;
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
	uint64_t now, late = 0;

	if (t->interval) {
		/* A late expiry skips the periods already gone (overruns). */
		now = clock_monotonic_ns();
		t->deadline += t->interval;
		if (t->deadline <= now) {
			late = (now - t->deadline) / t->interval + 1;
			t->deadline += late * t->interval;
		}
		ktimer_arm(&t->kt, t->deadline);
	} else {
		t->deadline = 0;
	}
	spin_unlock_irqrestore(&t->p->timer_lock, fl);
	ptimer_notify(t, late);
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

/* ---- CPU-time timers -------------------------------------------------------- */

/* Does running ut advance t's clock? */
static bool cpu_measures(const struct ptimer *t, const struct uthread *ut)
{
	return t->cpu_thread == ut || t->cpu_proc == ut->proc;
}

/*
 * Charge ut's run time to the CPU-time timers measuring it; fire those
 * whose budget is spent and re-arm the periodic ones.  Returns the
 * smallest budget left of those measuring ut (0: none), for its
 * watchdog.  Interrupts stay off throughout: on this uniprocessor
 * nothing can delete a timer between dropping cpu_lock and notifying (as
 * for ptimer_fire, which runs in interrupt context).
 */
static uint64_t cpu_ptimers_charge(struct uthread *ut, uint64_t user_ns,
				   uint64_t sys_ns)
{
	unsigned long irq = plat_irq_save(), fl;
	uint64_t least = 0, spent, over, late;
	struct ptimer *t;

	fl = spin_lock_irqsave(&cpu_lock);
	list_for_each_entry (t, &proc_cpu_timers, cpu_link) {
		if (!t->cpu_left || !cpu_measures(t, ut))
			continue;
		spent = user_ns;
		if (t->cpu_kind != CPUCLOCK_VIRT)
			spent += sys_ns;
		if (t->cpu_left > spent) {
			t->cpu_left -= spent;
		} else {
			over = spent - t->cpu_left;
			late = 0;
			t->cpu_left = 0;
			if (t->interval) {
				late = over / t->interval;
				t->cpu_left = t->interval - over % t->interval;
			}
			spin_unlock_irqrestore(&cpu_lock, fl);
			ptimer_notify(t, late);
			fl = spin_lock_irqsave(&cpu_lock);
		}
		least = least_left(least, t->cpu_left);
	}
	spin_unlock_irqrestore(&cpu_lock, fl);
	plat_irq_restore(irq);
	return least;
}

/*
 * What clockid measures, for a timer of the calling thread's process:
 * any process (by pid, 0: the caller's) or a thread of the caller's
 * (by tid, 0: the caller).  Referenced into t.  -EINVAL if none.
 */
static int cpu_target(struct ptimer *t, int clockid)
{
	struct uthread *me = uthread_current(), *ut;
	int pid = ~(clockid >> 3), err = 0;
	struct proc *p;

	t->cpu_kind = clockid & 3;
	if (t->cpu_kind > CPUCLOCK_SCHED || !me)
		return -EINVAL;
	mutex_lock(&proc_lock);
	if (clockid & CPUCLOCK_PERTHREAD) {
		ut = pid ? pid_task(pid) : me;
		if (ut && !ut->exited && ut->proc == me->proc) {
			uthread_get(ut);
			t->cpu_thread = ut;
		} else {
			err = -EINVAL;
		}
	} else {
		p = pid ? pid_proc(pid) : me->proc;
		if (p) {
			proc_get(p);
			t->cpu_proc = p;
		} else {
			err = -EINVAL;
		}
	}
	mutex_unlock(&proc_lock);
	return err;
}

/* Is what t measures gone (reaped, or the thread exited)? */
static bool cpu_target_gone(const struct ptimer *t)
{
	if (t->cpu_thread)
		return READ_ONCE(t->cpu_thread->exited);
	return READ_ONCE(t->cpu_proc->state) == PROC_DEAD;
}

/*
 * The CPU time charged so far to process cp or thread ct (user time only
 * if virt).  No spinlocks held.
 */
static uint64_t cpu_sample(struct proc *cp, struct uthread *ct, bool virt)
{
	struct uthread *ut;
	uint64_t ns;

	mutex_lock(&proc_lock);
	if (ct) {
		ns = ct->utime_ns + (virt ? 0 : ct->stime_ns);
	} else {
		ns = cp->dead_threads.utime;
		if (!virt)
			ns += cp->dead_threads.stime;
		list_for_each_entry (ut, &cp->threads, group_link)
			if (!ut->exited)
				ns += ut->utime_ns + (virt ? 0 : ut->stime_ns);
	}
	mutex_unlock(&proc_lock);
	return ns;
}

/* ---- timer_create and the rest --------------------------------------------- */

/*
 * Which clocks have timers: 0, -EINVAL (no such clock), -EOPNOTSUPP (a
 * clock without timers), -EPERM (an alarm clock without CAP_WAKE_ALARM).
 */
static int clock_has_timers(struct proc *p, int clockid)
{
	if (clockid < 0)
		return (clockid & 7) == CLOCKFD ? -EOPNOTSUPP : 0;
	switch (clockid) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		return 0;
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		return p->cred.cap_effective & (1ULL << CAP_WAKE_ALARM)
			       ? 0
			       : -EPERM;
	default:
		return -EINVAL;
	}
}

static void ptimer_free(struct ptimer *t)
{
	/* A signal of a deleted timer is not delivered (as Linux). */
	if (__atomic_load_n(&t->queued, __ATOMIC_RELAXED))
		sig_drop_timer(t->p, t->target, t->signo, t->id);
	if (t->target)
		uthread_put(t->target);
	if (t->cpu_thread)
		uthread_put(t->cpu_thread);
	if (t->cpu_proc)
		proc_put(t->cpu_proc);
	kfree(t);
}

int ptimer_create(struct proc *p, int clockid, const struct ksigevent *ev,
		  int *id)
{
	struct ptimer *t;
	struct uthread *target = NULL;
	unsigned long fl;
	int err = clock_has_timers(p, clockid);

	if (err)
		return err;
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
	list_init(&t->cpu_link);
	/* The CPU-time clocks as Linux encodes them (2 and 3: the caller's). */
	if (clockid == CLOCK_PROCESS_CPUTIME_ID)
		err = cpu_target(t, MAKE_CPUCLOCK(0, CPUCLOCK_SCHED));
	else if (clockid == CLOCK_THREAD_CPUTIME_ID)
		err = cpu_target(t, MAKE_CPUCLOCK(0, CPUCLOCK_PERTHREAD |
							     CPUCLOCK_SCHED));
	else if (clockid < 0)
		err = cpu_target(t, clockid);
	if (err) {
		ptimer_free(t);
		return err;
	}
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
	if (is_cpu_timer(t)) {
		unsigned long cfl = spin_lock_irqsave(&cpu_lock);

		list_add_tail(&t->cpu_link, &proc_cpu_timers);
		spin_unlock_irqrestore(&cpu_lock, cfl);
	}
	spin_unlock_irqrestore(&p->timer_lock, fl);
	*id = t->id;
	return 0;
}

/* Remaining time and interval of t.  timer_lock held. */
static void get_locked(struct ptimer *t, struct itimerspec *cur)
{
	uint64_t now, left = 0;
	unsigned long fl;

	if (is_cpu_timer(t)) {
		fl = spin_lock_irqsave(&cpu_lock);
		if (!cpu_target_gone(t))
			left = t->cpu_left;
		spin_unlock_irqrestore(&cpu_lock, fl);
	} else if (t->deadline) {
		now = clock_monotonic_ns();
		left = t->deadline > now ? t->deadline - now : 1;
	}
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

/*
 * The current value of timer id's clock if it is a CPU-time clock and
 * TIMER_ABSTIME asks for it (sampling takes proc_lock, so before
 * timer_lock): 0, or -EINVAL (no such timer), -ESRCH (the clock's
 * process or thread is gone).
 */
static int cpu_now(struct proc *p, int id, int flags, uint64_t *now)
{
	unsigned long fl = spin_lock_irqsave(&p->timer_lock);
	struct ptimer *t = find(p, id);
	struct proc *cp = NULL;
	struct uthread *ct = NULL;
	bool virt = false;
	int err = 0;

	*now = 0;
	if (!t) {
		err = -EINVAL;
	} else if (is_cpu_timer(t) && cpu_target_gone(t)) {
		err = -ESRCH;
	} else if (is_cpu_timer(t) && (flags & TIMER_ABSTIME)) {
		/* t may go while proc_lock is taken: hold what it measures */
		cp = t->cpu_proc;
		ct = t->cpu_thread;
		virt = t->cpu_kind == CPUCLOCK_VIRT;
		if (cp)
			proc_get(cp);
		if (ct)
			uthread_get(ct);
	}
	spin_unlock_irqrestore(&p->timer_lock, fl);
	if (cp || ct) {
		*now = cpu_sample(cp, ct, virt);
		if (cp)
			proc_put(cp);
		if (ct)
			uthread_put(ct);
	}
	return err;
}

/* Arm a CPU-time timer: value ns from now on its clock (0: disarm). */
static void cpu_arm(struct ptimer *t, uint64_t value)
{
	unsigned long fl = spin_lock_irqsave(&cpu_lock);

	t->cpu_left = value;
	spin_unlock_irqrestore(&cpu_lock, fl);
}

int ptimer_settime(struct proc *p, int id, int flags,
		   const struct itimerspec *nv, struct itimerspec *old)
{
	uint64_t value, interval, now, cpu_clock, deadline = 0;
	struct ptimer *t;
	unsigned long fl;
	bool fire = false;
	int err;

	err = ts_ns(&nv->it_value, &value);
	if (!err)
		err = ts_ns(&nv->it_interval, &interval);
	if (!err)
		err = cpu_now(p, id, flags, &cpu_clock);
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
	if (is_cpu_timer(t) && value) {
		/* A time already reached fires now (the period goes on). */
		if (flags & TIMER_ABSTIME)
			value = value > cpu_clock ? value - cpu_clock : 0;
		fire = !value;
		cpu_arm(t, fire ? t->interval : value);
	} else if (is_cpu_timer(t)) {
		cpu_arm(t, 0);
	} else if (value) {
		now = clock_monotonic_ns();
		if (flags & TIMER_ABSTIME) {
			uint64_t base = (t->clockid == CLOCK_MONOTONIC ||
					 t->clockid == CLOCK_BOOTTIME ||
					 t->clockid == CLOCK_BOOTTIME_ALARM)
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
		ptimer_notify(t, 0);
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

/* Take t off its lists and stop it.  timer_lock held. */
static void ptimer_unlink(struct ptimer *t)
{
	unsigned long fl;

	ktimer_cancel(&t->kt);
	list_del(&t->link);
	if (is_cpu_timer(t)) {
		fl = spin_lock_irqsave(&cpu_lock);
		list_del(&t->cpu_link);
		spin_unlock_irqrestore(&cpu_lock, fl);
	}
}

int ptimer_delete(struct proc *p, int id)
{
	unsigned long fl = spin_lock_irqsave(&p->timer_lock);
	struct ptimer *t = find(p, id);

	if (t)
		ptimer_unlink(t);
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
		ptimer_unlink(t);
		spin_unlock_irqrestore(&p->timer_lock, fl);
		ptimer_free(t);
	}
}

void proc_timers_exit(struct proc *p)
{
	unsigned long fl = spin_lock_irqsave(&p->timer_lock);

	ktimer_cancel(&p->real_timer);
	p->cpu_left[0] = p->cpu_left[1] = 0;
	spin_unlock_irqrestore(&p->timer_lock, fl);
	proc_timers_exec(p);
}
