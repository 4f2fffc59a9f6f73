/*
 * timerfd_create(2): a timer whose expirations are read from a file.
 *
 * The timer runs on a kernel timer (kos/timer.h) with a monotonic
 * deadline; an absolute time on CLOCK_REALTIME is turned into one when
 * the timer is set, as the POSIX timers do (libkos/proc/timers.c).  Each
 * expiration adds to ticks; a periodic timer re-arms itself from the
 * callback and counts the periods it was late as further expirations, so
 * a read returns every period that has passed.  A read of at least 8
 * bytes returns ticks and clears it, waiting while it is 0 (-EAGAIN with
 * O_NONBLOCK, -ERESTARTSYS on a signal).  Setting the timer clears ticks.
 *
 * TFD_TIMER_CANCEL_ON_SET on an absolute CLOCK_REALTIME timer puts it on
 * cancel_list: when the real-time clock is set, the timer becomes
 * readable and its next read is -ECANCELED (once), as Linux.
 *
 * Locking: tfd->lock (interrupts off: the callback runs in interrupt
 * context) guards the timer's state; cancel_lock guards cancel_list and
 * is taken before tfd->lock.  Readers and pollers sleep on tfd->wq.  The
 * struct timerfd belongs to its one file; release disarms the timer
 * before freeing it, so no callback can see it afterwards.
 */
#include <kos/fdtypes.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/list.h>
#include <kos/poll.h>
#include <kos/signal.h>
#include <kos/spinlock.h>
#include <kos/time.h>
#include <kos/timer.h>
#include <kos/waitq.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

struct timerfd {
	struct spinlock lock;
	int clockid;		/* constant */
	struct ktimer kt;	/* lock */
	uint64_t deadline;	/* lock: next expiration (monotonic); 0 off */
	uint64_t interval;	/* lock: period in ns; 0 one-shot */
	uint64_t ticks;		/* lock: expirations not yet read */
	bool canceled;		/* lock: the clock was set: read ECANCELED */
	bool might_cancel;	/* cancel_lock: on cancel_list */
	struct list_head clink; /* cancel_lock: on cancel_list */
	struct waitq wq;	/* readers and pollers */
};

static struct spinlock cancel_lock = SPINLOCK_INIT("timerfd cancel");
static LIST_HEAD(cancel_list);

static const struct file_ops tfd_fops;

bool timerfd_is(struct file *f)
{
	return f->ops == &tfd_fops;
}

/* The deadline passed at now: count it, re-arm a periodic one.  Lock. */
static void tfd_expire_locked(struct timerfd *tfd, uint64_t now)
{
	uint64_t n = 1;

	if (tfd->interval) {
		/* Periods missed while the interrupt was late count too. */
		if (now > tfd->deadline)
			n += (now - tfd->deadline) / tfd->interval;
		tfd->deadline += n * tfd->interval;
		ktimer_arm(&tfd->kt, tfd->deadline);
	} else {
		tfd->deadline = 0;
	}
	tfd->ticks += n;
}

static void tfd_fire(struct ktimer *kt, void *arg)
{
	struct timerfd *tfd = arg;
	unsigned long fl = spin_lock_irqsave(&tfd->lock);

	if (tfd->deadline)
		tfd_expire_locked(tfd, clock_monotonic_ns());
	spin_unlock_irqrestore(&tfd->lock, fl);
	waitq_wake_all(&tfd->wq);
}

/* Take the expirations (or the cancellation); 0 if none.  Lock held. */
static int64_t tfd_take(struct timerfd *tfd)
{
	int64_t n = (int64_t)tfd->ticks;

	if (tfd->canceled) {
		tfd->canceled = false;
		tfd->ticks = 0;
		return -ECANCELED;
	}
	tfd->ticks = 0;
	return n;
}

static ssize_t tfd_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct timerfd *tfd = f->priv;
	struct waitq_entry e;
	unsigned long fl;
	int64_t n;
	int err;

	if (u->resid < sizeof(uint64_t))
		return -EINVAL;
	for (;;) {
		waitq_prepare(&tfd->wq, &e);
		fl = spin_lock_irqsave(&tfd->lock);
		n = tfd_take(tfd);
		spin_unlock_irqrestore(&tfd->lock, fl);
		if (n)
			break;
		if (f->flags & O_NONBLOCK) {
			n = -EAGAIN;
			break;
		}
		if (sig_pending()) {
			n = -ERESTARTSYS;
			break;
		}
		waitq_sleep(&e, UINT64_MAX);
	}
	waitq_finish(&tfd->wq, &e);
	if (n < 0)
		return n;
	err = uio_copyout(u, &n, sizeof(n));
	return err ? err : (ssize_t)sizeof(n);
}

static unsigned int tfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *tfd = f->priv;
	unsigned long fl;
	bool ready;

	poll_wait(pt, &tfd->wq);
	fl = spin_lock_irqsave(&tfd->lock);
	ready = tfd->ticks || tfd->canceled;
	spin_unlock_irqrestore(&tfd->lock, fl);
	return ready ? POLLIN : 0;
}

/* Join or leave cancel_list. */
static void tfd_set_cancel(struct timerfd *tfd, bool on)
{
	unsigned long fl = spin_lock_irqsave(&cancel_lock);

	if (on && !tfd->might_cancel)
		list_add_tail(&tfd->clink, &cancel_list);
	else if (!on && tfd->might_cancel)
		list_del(&tfd->clink);
	tfd->might_cancel = on;
	spin_unlock_irqrestore(&cancel_lock, fl);
}

void timerfd_clock_was_set(void)
{
	unsigned long fl = spin_lock_irqsave(&cancel_lock), tfl;
	struct timerfd *tfd;

	list_for_each_entry (tfd, &cancel_list, clink) {
		tfl = spin_lock_irqsave(&tfd->lock);
		tfd->canceled = true;
		spin_unlock_irqrestore(&tfd->lock, tfl);
		waitq_wake_all(&tfd->wq);
	}
	spin_unlock_irqrestore(&cancel_lock, fl);
}

static void tfd_release(struct file *f)
{
	struct timerfd *tfd = f->priv;
	unsigned long fl;

	tfd_set_cancel(tfd, false);
	fl = spin_lock_irqsave(&tfd->lock);
	ktimer_cancel(&tfd->kt);
	tfd->deadline = 0;
	spin_unlock_irqrestore(&tfd->lock, fl);
	kfree(tfd);
}

static const struct file_ops tfd_fops = {
	.llseek = file_llseek_noop, /* Linux's noop_llseek */
	.read = tfd_read,
	.poll = tfd_poll,
	.release = tfd_release,
};

static uint64_t ts_to_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

static struct timespec ns_to_ts(uint64_t ns)
{
	struct timespec ts = { (int64_t)(ns / NSEC_PER_SEC),
			       (int64_t)(ns % NSEC_PER_SEC) };

	return ts;
}

/* The time left and the period.  Lock held. */
static void tfd_get_locked(struct timerfd *tfd, struct itimerspec *cur)
{
	uint64_t now = clock_monotonic_ns(), left = 0;

	/* A deadline just passed whose interrupt is due reads as 1 ns. */
	if (tfd->deadline)
		left = tfd->deadline > now ? tfd->deadline - now : 1;
	cur->it_value = ns_to_ts(left);
	cur->it_interval = ns_to_ts(tfd->interval);
}

void timerfd_gettime(struct file *f, struct itimerspec *cur)
{
	struct timerfd *tfd = f->priv;
	unsigned long fl = spin_lock_irqsave(&tfd->lock);

	tfd_get_locked(tfd, cur);
	spin_unlock_irqrestore(&tfd->lock, fl);
}

/* The monotonic deadline for value (ns) as flags say, from now. */
static uint64_t tfd_deadline(int clockid, int flags, uint64_t value,
			     uint64_t now)
{
	uint64_t base = now;

	if (!(flags & TFD_TIMER_ABSTIME))
		return now + value;
	if (clockid == CLOCK_REALTIME || clockid == CLOCK_REALTIME_ALARM)
		base = clock_realtime_ns();
	if (value >= base)
		return now + (value - base);
	/*
	 * A time already passed: the deadline stays in the past, so the
	 * timer fires at once and counts every period since then.
	 */
	return base - value < now ? now - (base - value) : 1;
}

void timerfd_settime(struct file *f, int flags, const struct itimerspec *nv,
		     struct itimerspec *old)
{
	struct timerfd *tfd = f->priv;
	uint64_t value = ts_to_ns(&nv->it_value), now;
	bool realtime = tfd->clockid == CLOCK_REALTIME ||
			tfd->clockid == CLOCK_REALTIME_ALARM;
	unsigned long fl;

	/* Linux watches the clock only for absolute real-time timers. */
	tfd_set_cancel(tfd, realtime && (flags & TFD_TIMER_ABSTIME) &&
				    (flags & TFD_TIMER_CANCEL_ON_SET));
	fl = spin_lock_irqsave(&tfd->lock);
	if (old)
		tfd_get_locked(tfd, old);
	ktimer_cancel(&tfd->kt);
	tfd->ticks = 0;
	tfd->canceled = false;
	tfd->deadline = 0;
	/* A disarmed timer keeps the interval for gettime, as Linux. */
	tfd->interval = ts_to_ns(&nv->it_interval);
	if (value) {
		now = clock_monotonic_ns();
		tfd->deadline = tfd_deadline(tfd->clockid, flags, value, now);
		if (!tfd->deadline)
			tfd->deadline = 1; /* 0 means "off" */
		/*
		 * A time already passed counts now, not at the next timer
		 * interrupt: a read right after settime sees it, as on Linux.
		 */
		if (tfd->deadline <= now)
			tfd_expire_locked(tfd, now);
		else
			ktimer_arm(&tfd->kt, tfd->deadline);
	}
	spin_unlock_irqrestore(&tfd->lock, fl);
	waitq_wake_all(&tfd->wq);
}

int timerfd_create(int clockid, int flags, struct file **out)
{
	struct timerfd *tfd = kzalloc(sizeof(*tfd));

	if (!tfd)
		return -ENOMEM;
	spin_init(&tfd->lock, "timerfd");
	tfd->clockid = clockid;
	ktimer_init(&tfd->kt, tfd_fire, tfd);
	waitq_init(&tfd->wq);
	list_init(&tfd->clink);
	*out = file_alloc_anon(&tfd_fops, O_RDWR | (flags & O_NONBLOCK), tfd);
	if (!*out) {
		kfree(tfd);
		return -ENOMEM;
	}
	return 0;
}
