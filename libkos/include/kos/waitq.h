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
 * 3. A callback entry (waitq_add_callback) stands for no thread: every
 *    wake of its queue calls its function, in the waker's context, and
 *    the entry stays queued until its owner removes it (waitq_finish).
 *    epoll hangs one on each queue a watched file names, to learn of
 *    events without looking (sys/epoll.c).  The owner must remove it
 *    before freeing it; if the queue goes away first, its owner calls
 *    waitq_free_notify(), which detaches every callback entry.
 *
 * Locking: a queue's list, and every entry's link, queued and woken, are
 * guarded by disabling interrupts (KOS is uniprocessor); every function
 * here may be called with interrupts enabled or disabled and leaves the
 * state as it found it.  Callbacks run with interrupts disabled inside
 * the wake call: they must not sleep, take a mutex, or add or remove
 * entries of the queue that is calling them (other queues are fine:
 * epoll's callback wakes the instance's own queue).
 */
#ifndef KOS_WAITQ_H
#define KOS_WAITQ_H

#include <kos/list.h>
#include <kos/types.h>

struct thread;

struct waitq {
	struct list_head waiters; /* struct waitq_entry.link, FIFO */
};

#define WAITQ_INIT(name)                       \
	{                                      \
		LIST_HEAD_INIT((name).waiters) \
	}

/* waitq_entry.func's why: a wake-up, or the queue is being freed. */
#define WAITQ_WAKE 0
#define WAITQ_FREEING 1

/*
 * One waiting thread (on the waiter's stack), or a callback entry (in
 * its owner's object).  All fields: interrupts off.
 */
struct waitq_entry {
	struct list_head link; /* on waitq.waiters while queued */
	struct thread *thread; /* the sleeper; NULL for a callback entry */
	/*
	 * A callback entry's function (NULL for a thread): see 3. above.
	 * Returns true if it took the wake-up, which ends a
	 * waitq_wake_one() at an exclusive entry.
	 */
	bool (*func)(struct waitq_entry *e, unsigned int why);
	bool queued;	/* linked on a waitq */
	bool woken;	/* set by a waker; cleared by waitq_prepare */
	bool exclusive; /* callback: may take a waitq_wake_one() */
};

void waitq_init(struct waitq *wq);

/* True if nobody is queued (a snapshot; inline: mutex_unlock asks). */
static inline bool waitq_empty(struct waitq *wq)
{
	return list_empty(&wq->waiters);
}

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

/*
 * Take e off wq if it is still queued.  Always call after waiting; also
 * removes a callback entry.  wq is not touched when e is not queued.
 */
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
 * thread entries leave the queue.  Callback entries are called in queue
 * order and stay; waitq_wake_one() calls every non-exclusive one and
 * stops at the first thread, or at the first exclusive callback that
 * takes the wake-up (as Linux's exclusive waiters).  Return the number of
 * threads woken, plus one for an exclusive callback that took it.
 */
unsigned int waitq_wake_one(struct waitq *wq);
unsigned int waitq_wake_all(struct waitq *wq);

/*
 * Queue callback entry e on wq: func(e, WAITQ_WAKE) runs at every wake
 * of wq until waitq_finish(wq, e).  A non-exclusive entry goes to the
 * head, an exclusive one to the tail (so waitq_wake_one() reaches every
 * non-exclusive callback before it stops).
 */
void waitq_add_callback(struct waitq *wq, struct waitq_entry *e,
			bool (*func)(struct waitq_entry *e, unsigned int why),
			bool exclusive);

/*
 * wq is about to be freed while callback entries may still be on it:
 * call each with WAITQ_FREEING and take it off (its owner then sees
 * e->queued false and must not touch wq again).  No thread may be
 * waiting on wq.
 */
void waitq_free_notify(struct waitq *wq);

#endif
