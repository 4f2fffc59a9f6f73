/*
 * poll(2) and ppoll(2): wait until one of a set of file descriptors is
 * ready.
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
#include <uapi/resource.h>
#include <uapi/time.h>

/* The queues one poll call waits on. */
struct poll_table {
	struct waitq_entry *e;
	struct waitq **wq;
	unsigned int n, max;
};

void poll_wait(struct poll_table *pt, struct waitq *wq)
{
	if (!pt || pt->n == pt->max)
		return;
	waitq_prepare(wq, &pt->e[pt->n]);
	pt->wq[pt->n++] = wq;
}

unsigned int file_poll(struct file *f, struct poll_table *pt)
{
	if (!f->ops || !f->ops->poll)
		return POLL_DEFAULT_MASK;
	return f->ops->poll(f, pt);
}

/* Leave every queue of pt. */
static void poll_finish(struct poll_table *pt)
{
	for (unsigned int i = 0; i < pt->n; i++)
		waitq_finish(pt->wq[i], &pt->e[i]);
	pt->n = 0;
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

/* One look at every fd: the number with revents.  pt: register. */
static int poll_scan(struct pollfd *pfd, unsigned int nfds,
		     struct poll_table *pt)
{
	int count = 0;

	for (unsigned int i = 0; i < nfds; i++) {
		struct file *f;
		unsigned int mask;

		pfd[i].revents = 0;
		if (pfd[i].fd < 0)
			continue;
		f = fd_get_file(pfd[i].fd);
		if (!f || (f->fmode & FMODE_PATH)) {
			mask = POLLNVAL; /* an O_PATH fd too, as Linux's fdget */
		} else {
			mask = file_poll(f, pt);
			mask &= (unsigned int)(uint16_t)pfd[i].events |
				POLLERR | POLLHUP;
		}
		if (f)
			file_put(f);
		pfd[i].revents = (int16_t)mask;
		if (mask) {
			count++;
			pt = NULL; /* something is ready: no need to wait */
		}
	}
	return count;
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
	pt.e = kmalloc(queues * sizeof(*pt.e));
	pt.wq = kmalloc(queues * sizeof(*pt.wq));
	pt.max = (unsigned int)queues;
	ret = -ENOMEM;
	if (!pfd || !pt.e || !pt.wq)
		goto out;
	ret = -EFAULT;
	if (copy_from_user(pfd, ufds, nfds * sizeof(*pfd)))
		goto out;
	for (;;) {
		bool last = deadline != UINT64_MAX &&
			    clock_monotonic_ns() >= deadline;

		ret = poll_scan(pfd, nfds, last ? NULL : &pt);
		if (ret || last)
			break;
		if (sig_pending()) {
			/* The loop must look at what interrupted us. */
			sched_current()->user_work = 1;
			ret = -EINTR;
			break;
		}
		poll_sleep(&pt, deadline);
	}
	poll_finish(&pt);
	if (ret >= 0) {
		/* Linux writes back only the revents halves. */
		for (unsigned int i = 0; i < nfds; i++)
			if (copy_to_user(&ufds[i].revents, &pfd[i].revents,
					 sizeof(pfd[i].revents))) {
				ret = -EFAULT;
				break;
			}
	}
out:
	poll_finish(&pt);
	kfree(pfd);
	kfree(pt.e);
	kfree(pt.wq);
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
	unsigned long fl;
	long ret;

	if (tsp) {
		if (copy_from_user(&ts, tsp, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
		    ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
			return -EINVAL;
		deadline = (uint64_t)ts.tv_sec >= UINT64_MAX / NSEC_PER_SEC - 1
				   ? UINT64_MAX
				   : clock_deadline_after((uint64_t)ts.tv_sec *
								  NSEC_PER_SEC +
							  (uint64_t)ts.tv_nsec);
	}
	if (sigmask) {
		if (sigsetsize != sizeof(ksigset_t))
			return -EINVAL;
		if (copy_from_user(&mask, sigmask, sizeof(mask)))
			return -EFAULT;
		fl = spin_lock_irqsave(&ut->sighand->lock);
		old = ut->blocked;
		ut->blocked = mask & ~SIG_KERNEL_ONLY;
		spin_unlock_irqrestore(&ut->sighand->lock, fl);
	}
	ret = do_poll(ufds, nfds, deadline);
	if (sigmask) {
		fl = spin_lock_irqsave(&ut->sighand->lock);
		if (ret == -EINTR) {
			/* restored after the handler, as for sigsuspend */
			ut->saved_blocked = old;
			ut->restore_blocked = true;
		} else {
			ut->blocked = old;
		}
		spin_unlock_irqrestore(&ut->sighand->lock, fl);
	}
	if (tsp && (ts.tv_sec || ts.tv_nsec))
		ppoll_remaining(tsp, &ts, clock_monotonic_ns() - start);
	return ret == -EINTR ? -ERESTARTNOHAND : ret;
}
