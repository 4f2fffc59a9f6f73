/*
 * poll(2), ppoll(2), select(2) and pselect6(2): wait until one of a set
 * of file descriptors is ready.  (epoll is in epoll.c and shares the
 * timeout and signal-mask helpers of poll_internal.h.)
 *
 * Each pass asks every file for its readiness (file_poll) and, while
 * nothing is ready, puts the caller on the wait queues the files name
 * (struct poll_table: one waitq_entry per queue, all of this thread), so
 * a wake-up on any of them ends the sleep; then it looks again.  A
 * negative fd is skipped (revents 0), a closed one reports POLLNVAL;
 * POLLERR and POLLHUP are reported even when not asked for.
 *
 * Signals: poll with a timeout resumes through restart_syscall with the
 * same deadline when no handler runs (ERESTART_RESTARTBLOCK), without
 * one it restarts (ERESTARTNOHAND); ppoll installs its signal mask for
 * the wait and leaves the old one to be restored after the handler, as
 * sigsuspend does (ERESTARTNOHAND).
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/plat/cpu.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/signal.h>
#include <kos/syscalls.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/resource.h>
#include <uapi/time.h>

#include "poll_internal.h"

/*
 * The queues one poll call waits on; with capture, only the list of a
 * file's queues is wanted (file_poll_queues, for epoll), nobody waits.
 */
struct poll_table {
	struct waitq_entry *e;
	struct waitq **wq;
	unsigned int n, max;
	bool capture;
	/*
	 * The files whose queues we are on, referenced (a file's queues
	 * live as long as the file: a close by another thread sharing the
	 * fd table must not free them under our entries).
	 */
	struct file **files;
	unsigned int nfiles;
};

/* f's poll registered queues n0.. of pt: hold f while we are on them. */
static void pt_hold(struct poll_table *pt, struct file *f, unsigned int n0)
{
	if (pt && pt->n > n0 && pt->files) {
		file_get(f);
		pt->files[pt->nfiles++] = f;
	}
}

void poll_wait(struct poll_table *pt, struct waitq *wq)
{
	if (!pt || pt->n == pt->max)
		return;
	if (!pt->capture)
		waitq_prepare(wq, &pt->e[pt->n]);
	pt->wq[pt->n++] = wq;
}

unsigned int file_poll(struct file *f, struct poll_table *pt)
{
	if (!f->ops || !f->ops->poll)
		return POLL_DEFAULT_MASK;
	return f->ops->poll(f, pt);
}

unsigned int file_poll_queues(struct file *f, struct waitq **wq,
			      unsigned int *n)
{
	struct poll_table cap = { NULL, wq, 0, POLL_MAX_QUEUES, true, NULL, 0 };
	unsigned int mask = file_poll(f, &cap);

	*n = cap.n;
	return mask;
}

/* Leave every queue of pt, then let go of the files. */
static void poll_finish(struct poll_table *pt)
{
	for (unsigned int i = 0; i < pt->n; i++)
		waitq_finish(pt->wq[i], &pt->e[i]);
	pt->n = 0;
	for (unsigned int i = 0; i < pt->nfiles; i++)
		file_put(pt->files[i]);
	pt->nfiles = 0;
}

/*
 * Sleep until a queue of pt wakes us, a signal, or the deadline:
 * 0 or -ETIMEDOUT.  With no queue, only a signal or the deadline.
 */
static int poll_sleep(struct poll_table *pt, uint64_t deadline)
{
	struct waitq wq;
	unsigned long fl;
	int err = 0;

	if (!pt->n) {
		waitq_init(&wq);
		poll_wait(pt, &wq); /* max >= 1: see do_poll */
	}
	/* Interrupts off: no wake-up can fall between the look and the
	 * sleep (any entry's wake-up makes the thread runnable). */
	fl = plat_irq_save();
	for (unsigned int i = 0; i < pt->n; i++)
		if (pt->e[i].woken)
			goto out;
	err = waitq_sleep(&pt->e[0], deadline);
out:
	plat_irq_restore(fl);
	poll_finish(pt);
	return err;
}

/* now + a relative timeout of sec/nsec (checked), UINT64_MAX if huge. */
static uint64_t deadline_in(int64_t sec, int64_t nsec)
{
	if ((uint64_t)sec >= UINT64_MAX / NSEC_PER_SEC - 1)
		return UINT64_MAX;
	return clock_deadline_after((uint64_t)sec * NSEC_PER_SEC +
				    (uint64_t)nsec);
}

/*
 * A timeout given as a timespec (ppoll, pselect6, epoll_pwait2): copied
 * in (-EFAULT), checked (-EINVAL), and made a deadline.
 */
long poll_get_timeout(const struct timespec __user *tsp, struct timespec *ts,
		      uint64_t *deadline)
{
	if (copy_from_user(ts, tsp, sizeof(*ts)))
		return -EFAULT;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 ||
	    ts->tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	*deadline = deadline_in(ts->tv_sec, ts->tv_nsec);
	return 0;
}

/*
 * The loop poll and select share: scan (registering on pt
 * unless this is the last look), sleep while nothing is ready, until
 * the deadline or a signal.  The scan's count, 0 at the deadline,
 * -EINTR or -ENOMEM.  A first look registers nowhere: pt's arrays (room
 * for queues entries; the caller frees them) are only allocated when
 * the caller may have to sleep.  pt's queues are left when it returns.
 */
static long wait_loop(struct poll_table *pt, size_t queues, uint64_t deadline,
		      long (*scan)(void *ctx, struct poll_table *pt), void *ctx)
{
	long ret = scan(ctx, NULL);

	if (ret || (deadline != UINT64_MAX && clock_monotonic_ns() >= deadline))
		return ret;
	pt->e = kmalloc(queues * sizeof(*pt->e));
	pt->wq = kmalloc(queues * sizeof(*pt->wq));
	pt->files = kmalloc(queues * sizeof(*pt->files));
	pt->max = (unsigned int)queues;
	if (!pt->e || !pt->wq || !pt->files)
		return -ENOMEM;
	for (;;) {
		bool last = deadline != UINT64_MAX &&
			    clock_monotonic_ns() >= deadline;

		ret = scan(ctx, last ? NULL : pt);
		if (ret || last)
			break;
		if (sig_pending()) {
			/* The loop must look at what interrupted us. */
			sched_current()->user_work = 1;
			ret = -EINTR;
			break;
		}
		poll_sleep(pt, deadline);
	}
	poll_finish(pt);
	return ret;
}

/*
 * A signal mask for the length of a wait (ppoll, pselect6,
 * epoll_pwait): install mask, keeping the old one in *old ...
 */
void poll_mask_set(struct uthread *ut, ksigset_t mask, ksigset_t *old)
{
	unsigned long fl = spin_lock_irqsave(&ut->sighand->lock);

	*old = ut->blocked;
	ut->blocked = mask & ~SIG_KERNEL_ONLY;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
}

/* ... and after it: back to old, or after the handler if a signal ended
 * the wait (as sigsuspend does). */
void poll_mask_done(struct uthread *ut, ksigset_t old, bool intr)
{
	unsigned long fl = spin_lock_irqsave(&ut->sighand->lock);

	if (intr) {
		ut->saved_blocked = old;
		ut->restore_blocked = true;
	} else {
		ut->blocked = old;
	}
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
}

/*
 * One look at every fd: the number with revents.  pt: register.  The fd
 * table is locked once for the whole look, and a file is asked without
 * a reference of its own: no close can free it while the lock is held
 * (order: the fd table's lock, then a file's own locks).
 */
static int poll_scan(struct pollfd *pfd, unsigned int nfds,
		     struct poll_table *pt)
{
	struct uthread *ut = uthread_current();
	struct fdtable *fdt = ut->fdt;
	int count = 0;

	mutex_lock(&fdt->lock);
	for (unsigned int i = 0; i < nfds; i++) {
		int fd = pfd[i].fd;
		struct file *f = fd >= 0 && (unsigned int)fd < fdt->size
					 ? fdt->files[fd]
					 : NULL;
		unsigned int mask;

		pfd[i].revents = 0;
		if (fd < 0)
			continue;
		if (!f || (f->fmode & FMODE_PATH)) {
			mask = POLLNVAL; /* an O_PATH fd too, as Linux's fdget */
		} else {
			unsigned int n0 = pt ? pt->n : 0;

			mask = file_poll(f, pt);
			pt_hold(pt, f, n0);
			mask &= (unsigned int)(uint16_t)pfd[i].events |
				POLLERR | POLLHUP;
		}
		pfd[i].revents = (int16_t)mask;
		if (mask) {
			count++;
			pt = NULL; /* something is ready: no need to wait */
		}
	}
	mutex_unlock(&fdt->lock);
	return count;
}

struct poll_ctx {
	struct pollfd *pfd;
	unsigned int nfds;
};

static long poll_scan_ctx(void *ctx, struct poll_table *pt)
{
	struct poll_ctx *c = ctx;

	return poll_scan(c->pfd, c->nfds, pt);
}

/*
 * The poll loop on the user's array: count, 0 at the deadline, -EINTR
 * for a signal, -EFAULT, -ENOMEM, -EINVAL (nfds over RLIMIT_NOFILE).
 */
static long do_poll(struct pollfd __user *ufds, unsigned int nfds,
		    uint64_t deadline)
{
	struct proc *p = proc_current();
	struct poll_table pt = { 0 };
	struct pollfd *pfd = NULL;
	size_t queues = (size_t)nfds * POLL_MAX_QUEUES + 1;
	long ret;

	if (nfds > p->rlim[RLIMIT_NOFILE].rlim_cur)
		return -EINVAL;
	pfd = kmalloc(nfds ? nfds * sizeof(*pfd) : 1);
	ret = -ENOMEM;
	if (!pfd)
		goto out;
	ret = -EFAULT;
	if (copy_from_user(pfd, ufds, nfds * sizeof(*pfd)))
		goto out;
	{
		struct poll_ctx c = { pfd, nfds };

		ret = wait_loop(&pt, queues, deadline, poll_scan_ctx, &c);
	}
	/*
	 * Linux writes back only the revents halves; one copy of the whole
	 * array (fd and events as they were read) costs one user access
	 * instead of nfds.  It differs only if another thread rewrote an fd
	 * or events field during the call.
	 */
	if (ret >= 0 && copy_to_user(ufds, pfd, nfds * sizeof(*pfd)))
		ret = -EFAULT;
out:
	poll_finish(&pt);
	kfree(pfd);
	kfree(pt.e);
	kfree(pt.wq);
	kfree(pt.files);
	return ret;
}

static long poll_restart(struct uthread *ut)
{
	long ret = do_poll((struct pollfd __user *)ut->restart.rem,
			   (unsigned int)ut->restart.clockid,
			   ut->restart.deadline_ns);

	if (ret == -EINTR) {
		ut->restart.fn = poll_restart;
		return -ERESTART_RESTARTBLOCK;
	}
	return ret;
}

SYSCALL_DEFINE3(poll, struct pollfd __user *, ufds, unsigned int, nfds, int,
		timeout_msecs)
{
	struct uthread *ut = uthread_current();
	uint64_t deadline = UINT64_MAX;
	long ret;

	if (timeout_msecs >= 0)
		deadline =
			clock_deadline_after((uint64_t)timeout_msecs * 1000000);
	ret = do_poll(ufds, nfds, deadline);
	if (ret != -EINTR)
		return ret;
	if (deadline == UINT64_MAX)
		return -ERESTARTNOHAND;
	/* Resumed with the same deadline (restart's fields reused: the
	 * array as rem, its length as clockid). */
	ut->restart.fn = poll_restart;
	ut->restart.deadline_ns = deadline;
	ut->restart.rem = (unsigned long)ufds;
	ut->restart.clockid = (int)nfds;
	return -ERESTART_RESTARTBLOCK;
}

/*
 * ppoll writes the time left back to *tsp, as Linux does (a restart
 * after a signal then waits only for the rest); a timeout it cannot
 * write is left alone without an error.
 */
static void ppoll_remaining(struct timespec __user *tsp,
			    const struct timespec *ts, uint64_t elapsed)
{
	struct timespec left = { 0, 0 };
	uint64_t sec = elapsed / NSEC_PER_SEC;
	int64_t nsec = (int64_t)(elapsed % NSEC_PER_SEC);

	if ((uint64_t)ts->tv_sec > sec ||
	    ((uint64_t)ts->tv_sec == sec && ts->tv_nsec > nsec)) {
		left.tv_sec = ts->tv_sec - (int64_t)sec;
		left.tv_nsec = ts->tv_nsec - nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += NSEC_PER_SEC;
		}
	}
	(void)copy_to_user(tsp, &left, sizeof(left));
}

SYSCALL_DEFINE5(ppoll, struct pollfd __user *, ufds, unsigned int, nfds,
		struct timespec __user *, tsp, const ksigset_t __user *,
		sigmask, size_t, sigsetsize)
{
	struct uthread *ut = uthread_current();
	uint64_t deadline = UINT64_MAX;
	ksigset_t mask, old = 0;
	struct timespec ts;
	uint64_t start = clock_monotonic_ns();
	long ret;

	if (tsp) {
		ret = poll_get_timeout(tsp, &ts, &deadline);
		if (ret)
			return ret;
	}
	if (sigmask) {
		if (sigsetsize != sizeof(ksigset_t))
			return -EINVAL;
		if (copy_from_user(&mask, sigmask, sizeof(mask)))
			return -EFAULT;
		poll_mask_set(ut, mask, &old);
	}
	ret = do_poll(ufds, nfds, deadline);
	if (sigmask) {
		poll_mask_done(ut, old, ret == -EINTR);
	}
	if (tsp && (ts.tv_sec || ts.tv_nsec))
		ppoll_remaining(tsp, &ts, clock_monotonic_ns() - start);
	return ret == -EINTR ? -ERESTARTNOHAND : ret;
}

/* ---- select ------------------------------------------------------------ */

/* Which poll bits make an fd ready for each set (Linux's POLL*_SET). */
#define SEL_IN (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX POLLPRI

#define SEL_WORD_BITS 64
#define SEL_WORDS(n) (((n) + SEL_WORD_BITS - 1) / SEL_WORD_BITS)

/* The three sets asked (NULL: not given) and the three answers. */
struct sel_sets {
	uint64_t *want[3];
	uint64_t *res[3];
};

/*
 * One look at every fd in any set: the number of bits set in the
 * answers, or -EBADF for a bit on a descriptor that is not open.  An
 * O_PATH descriptor is open and has no poll method: always ready (Linux
 * 6.18 answers so, where poll(2) says POLLNVAL).  pt: register.
 */
static int select_scan(unsigned int n, struct sel_sets *s,
		       struct poll_table *pt)
{
	static const unsigned int ready[3] = { SEL_IN, SEL_OUT, SEL_EX };
	int count = 0;

	for (unsigned int w = 0; w < SEL_WORDS(n); w++)
		for (int k = 0; k < 3; k++)
			if (s->res[k])
				s->res[k][w] = 0;
	for (unsigned int fd = 0; fd < n; fd++) {
		unsigned int w = fd / SEL_WORD_BITS, mask;
		uint64_t bit = 1ULL << (fd % SEL_WORD_BITS);
		bool any = false;
		struct file *f;
		unsigned int n0;

		for (int k = 0; k < 3; k++)
			any |= s->want[k] && (s->want[k][w] & bit);
		if (!any)
			continue;
		f = fd_get_file((int)fd);
		if (!f)
			return -EBADF;
		n0 = pt ? pt->n : 0;
		mask = (f->fmode & FMODE_PATH) ? POLL_DEFAULT_MASK
					       : file_poll(f, pt);
		pt_hold(pt, f, n0);
		file_put(f);
		for (int k = 0; k < 3; k++) {
			if (s->want[k] && (s->want[k][w] & bit) &&
			    (mask & ready[k])) {
				s->res[k][w] |= bit;
				count++;
			}
		}
		if (count)
			pt = NULL; /* something is ready: no need to wait */
	}
	return count;
}

struct select_ctx {
	unsigned int nfds;
	struct sel_sets *s;
};

static long select_scan_ctx(void *ctx, struct poll_table *pt)
{
	struct select_ctx *c = ctx;

	return select_scan(c->nfds, c->s, pt);
}

/*
 * The select loop: the number of ready bits, 0 at the deadline, -EINTR
 * for a signal, -EBADF, -EFAULT, -ENOMEM, -EINVAL (n < 0).  The answer
 * is written back to every set given, unless it failed.
 */
static long do_select(int n, uint64_t __user *uset[3], uint64_t deadline)
{
	struct fdtable *fdt = uthread_current()->fdt;
	struct poll_table pt = { 0 };
	struct sel_sets s = { 0 };
	size_t bytes, queues;
	unsigned int nfds;
	uint64_t *buf = NULL;
	long ret;

	if (n < 0)
		return -EINVAL;
	nfds = (unsigned int)n;
	mutex_lock(&fdt->lock);
	if (nfds > fdt->size) /* Linux: fds past the table are never open */
		nfds = fdt->size;
	mutex_unlock(&fdt->lock);
	bytes = SEL_WORDS(nfds) * sizeof(uint64_t);
	queues = (size_t)nfds * POLL_MAX_QUEUES + 1;
	buf = kzalloc(bytes * 6 + 8);
	ret = -ENOMEM;
	if (!buf)
		goto out;
	for (int k = 0; k < 3; k++) {
		if (!uset[k])
			continue;
		s.want[k] = buf + k * SEL_WORDS(nfds);
		s.res[k] = buf + (3 + k) * SEL_WORDS(nfds);
		ret = -EFAULT;
		if (copy_from_user(s.want[k], uset[k], bytes))
			goto out;
	}
	{
		struct select_ctx c = { nfds, &s };

		ret = wait_loop(&pt, queues, deadline, select_scan_ctx, &c);
	}
	for (int k = 0; ret >= 0 && k < 3; k++)
		if (uset[k] && copy_to_user(uset[k], s.res[k], bytes))
			ret = -EFAULT;
out:
	poll_finish(&pt);
	kfree(buf);
	kfree(pt.e);
	kfree(pt.wq);
	kfree(pt.files);
	return ret;
}

/* Time left until deadline (0 if passed), for the write-back. */
static uint64_t left_until(uint64_t deadline)
{
	uint64_t now = clock_monotonic_ns();

	return deadline > now ? deadline - now : 0;
}

/*
 * select(2) writes the time left back to *tvp (Linux does, unless the
 * personality says otherwise); if it cannot, the call still succeeds
 * but a signal gives -EINTR instead of a restart.
 */
SYSCALL_DEFINE5(select, int, n, uint64_t __user *, inp, uint64_t __user *, outp,
		uint64_t __user *, exp, struct timeval __user *, tvp)
{
	uint64_t __user *sets[3] = { inp, outp, exp };
	uint64_t deadline = UINT64_MAX, left;
	struct timeval tv;
	long ret;

	if (tvp) {
		if (copy_from_user(&tv, tvp, sizeof(tv)))
			return -EFAULT;
		/* Linux carries whole seconds out of tv_usec first. */
		tv.tv_sec += tv.tv_usec / 1000000;
		tv.tv_usec %= 1000000;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		deadline = deadline_in(tv.tv_sec, tv.tv_usec * 1000);
	}
	ret = do_select(n, sets, deadline);
	if (tvp && deadline != UINT64_MAX) {
		left = left_until(deadline);
		tv.tv_sec = (int64_t)(left / NSEC_PER_SEC);
		tv.tv_usec = (int64_t)(left % NSEC_PER_SEC) / 1000;
		if (copy_to_user(tvp, &tv, sizeof(tv)))
			return ret == -EINTR ? -EINTR : ret;
	}
	return ret == -EINTR ? -ERESTARTNOHAND : ret;
}

/* pselect6's sixth argument: the mask and its size, by reference. */
struct pselect_sig {
	const ksigset_t __user *ss;
	size_t ss_len;
};

SYSCALL_DEFINE6(pselect6, int, n, uint64_t __user *, inp, uint64_t __user *,
		outp, uint64_t __user *, exp, struct timespec __user *, tsp,
		const struct pselect_sig __user *, usig)
{
	uint64_t __user *sets[3] = { inp, outp, exp };
	struct uthread *ut = uthread_current();
	uint64_t deadline = UINT64_MAX, left;
	struct pselect_sig sig = { NULL, 0 };
	ksigset_t mask, old = 0;
	struct timespec ts;
	long ret;

	if (tsp) {
		long e = poll_get_timeout(tsp, &ts, &deadline);

		if (e)
			return e;
	}
	if (usig && copy_from_user(&sig, usig, sizeof(sig)))
		return -EFAULT;
	if (sig.ss) {
		if (sig.ss_len != sizeof(ksigset_t))
			return -EINVAL;
		if (copy_from_user(&mask, sig.ss, sizeof(mask)))
			return -EFAULT;
		poll_mask_set(ut, mask, &old);
	}
	ret = do_select(n, sets, deadline);
	if (sig.ss) {
		poll_mask_done(ut, old, ret == -EINTR);
	}
	if (tsp && deadline != UINT64_MAX) {
		left = left_until(deadline);
		ts.tv_sec = (int64_t)(left / NSEC_PER_SEC);
		ts.tv_nsec = (int64_t)(left % NSEC_PER_SEC);
		if (copy_to_user(tsp, &ts, sizeof(ts)))
			return ret;
	}
	return ret == -EINTR ? -ERESTARTNOHAND : ret;
}
