/*
 * Wait queues: where threads sleep until some condition holds.
 *
 * Two ways to wait, both free of lost wakeups:
 *
 * 1. waitq_wait_timeout(wq, cond, arg, timeout_ns) sleeps until cond(arg)
 *    returns true.  cond runs in the waiting thread, interrupts enabled,
 *    possibly many times; it must not sleep and should be cheap.
 *
 * 2. The open-coded loop, for conditions that need more than a callback
 *    (dropping a mutex while asleep, for example):
 *
 *	struct waitq_entry e;
 *
 *	for (;;) {
 *		waitq_prepare(wq, &e);
 *		if (condition)
 *			break;
 *		mutex_unlock(&m);			(optional)
 *		err = waitq_sleep(&e, deadline_ns);
 *		mutex_lock(&m);				(optional)
 *		if (err)
 *			break;
 *	}
 *	waitq_finish(wq, &e);
 *
 *    A wakeup that lands anywhere after waitq_prepare() -- even before
 *    waitq_sleep() -- makes waitq_sleep() return at once.
 *
 * Wakers change the condition first, then call waitq_wake_one() or
 * waitq_wake_all().  Waking is legal from any context, interrupts
 * included.  Wakeups may be spurious: waiters always re-check.
 *
 * Locking: the queue is guarded by disabling interrupts (KOS is
 * uniprocessor); every function here may be called with interrupts enabled
 * or disabled and leaves the state as it found it.
 */
#ifndef KOS_WAITQ_H
#define KOS_WAITQ_H

#include <kos/list.h>
#include <kos/types.h>

struct thread;

struct waitq {
	struct list_head waiters; /* struct waitq_entry.link, FIFO */
	/*
	 * Wake calls so far, whether anyone waited or not (interrupts
	 * off): edge-triggered epoll items tell "something happened since
	 * I last looked" by it.
	 */
	unsigned int seq;
};

#define WAITQ_INIT(name)                          \
	{                                         \
		LIST_HEAD_INIT((name).waiters), 0 \
	}

/* One waiting thread; lives on the waiter's stack. */
struct waitq_entry {
	struct list_head link; /* on waitq.waiters while queued */
	struct thread *thread;
	bool queued; /* linked on a waitq */
	bool woken;  /* set by a waker; cleared by waitq_prepare */
};

void waitq_init(struct waitq *wq);

/* True if nobody is queued (a snapshot). */
bool waitq_empty(struct waitq *wq);

/*
 * Queue the calling thread on wq (at the tail) and clear e->woken.  Call
 * before testing the condition.  e needs no initialization; every
 * waitq_prepare() must be followed by exactly one waitq_sleep() or
 * waitq_finish() before e is prepared again (the loop above does that).
 */
void waitq_prepare(struct waitq *wq, struct waitq_entry *e);

/*
 * Block the calling thread until e is woken, the monotonic clock reaches
 * deadline_ns (UINT64_MAX: never), or a spurious wakeup.  Returns 0 at
 * once if e was already woken, and 0 after a wakeup; -ETIMEDOUT if the
 * deadline passed without a wakeup.  On return e is off the queue; call
 * waitq_prepare() again to keep waiting.
 */
int waitq_sleep(struct waitq_entry *e, uint64_t deadline_ns);

/* Take e off wq if it is still queued.  Always call after waiting. */
void waitq_finish(struct waitq *wq, struct waitq_entry *e);

/*
 * Sleep until cond(arg) is true (returns 0) or timeout_ns nanoseconds have
 * passed (returns -ETIMEDOUT; cond was false at the last check).
 * timeout_ns == UINT64_MAX waits forever.  cond is checked first, so a
 * true condition returns 0 without sleeping, even with timeout 0.
 */
int waitq_wait_timeout(struct waitq *wq, bool (*cond)(void *), void *arg,
		       uint64_t timeout_ns);

/* Same with an absolute monotonic deadline (UINT64_MAX: forever). */
int waitq_wait_deadline(struct waitq *wq, bool (*cond)(void *), void *arg,
			uint64_t deadline_ns);

/*
 * Wake the longest-waiting thread on wq / every thread on wq.  Woken
 * entries leave the queue.  Return the number of threads woken.
 */
unsigned int waitq_wake_one(struct waitq *wq);
unsigned int waitq_wake_all(struct waitq *wq);

#endif
