/*
 * Wait queues (see kos/waitq.h for the contracts).
 *
 * A waiter queues a struct waitq_entry from its stack, then tests its
 * condition, then sleeps unless the entry was woken meanwhile.  A waker
 * unlinks the entry, marks it woken and makes the thread runnable, all
 * with interrupts disabled, so a wakeup can never fall between the test
 * and the sleep.  Entries are dequeued by whoever ends the wait: the waker,
 * or the waiter itself (timeout, spurious wakeup, waitq_finish()).
 *
 * Callback entries (epoll's) are called by every wake and stay queued
 * until their owner removes them.  Non-exclusive ones sit at the head of
 * the queue, threads and exclusive callbacks after them in FIFO order,
 * so one walk from the head serves both wake calls.
 *
 * Locking: queues and entries are guarded by disabling interrupts.
 */
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/plat/time.h>
#include <kos/waitq.h>
#include <uapi/errno.h>

#include "internal.h"

void waitq_init(struct waitq *wq)
{
	list_init(&wq->waiters);
}

/* Unlink e if queued.  Interrupts disabled. */
static void entry_dequeue(struct waitq_entry *e)
{
	if (e->queued) {
		list_del(&e->link);
		e->queued = false;
	}
}

void waitq_prepare(struct waitq *wq, struct waitq_entry *e)
{
	unsigned long fl = plat_irq_save();

	e->thread = sched_cur;
	e->func = NULL;
	e->exclusive = false;
	list_add_tail(&e->link, &wq->waiters);
	e->queued = true;
	e->woken = false;
	plat_irq_restore(fl);
}

int waitq_sleep(struct waitq_entry *e, uint64_t deadline_ns)
{
	unsigned long fl = plat_irq_save();
	int err = 0;

	if (!e->woken && sched_block_until(deadline_ns) && !e->woken)
		err = -ETIMEDOUT;
	entry_dequeue(e);
	plat_irq_restore(fl);
	return err;
}

void waitq_finish(struct waitq *wq, struct waitq_entry *e)
{
	unsigned long fl = plat_irq_save();

	entry_dequeue(e);
	plat_irq_restore(fl);
}

int waitq_wait_deadline(struct waitq *wq, bool (*cond)(void *), void *arg,
			uint64_t deadline_ns)
{
	struct waitq_entry e;
	int err;

	for (;;) {
		waitq_prepare(wq, &e);
		if (cond(arg)) {
			err = 0;
			break;
		}
		err = waitq_sleep(&e, deadline_ns);
		if (err) {
			err = cond(arg) ? 0 : err;
			break;
		}
	}
	waitq_finish(wq, &e);
	return err;
}

int waitq_wait_timeout(struct waitq *wq, bool (*cond)(void *), void *arg,
		       uint64_t timeout_ns)
{
	uint64_t now = plat_clock_ns();
	uint64_t deadline = now + timeout_ns;

	if (timeout_ns == UINT64_MAX || deadline < now)
		deadline = UINT64_MAX;
	return waitq_wait_deadline(wq, cond, arg, deadline);
}

/*
 * Wake wq: every non-exclusive callback, and threads and exclusive
 * callbacks in order until one (one) or all of them took it.  The count
 * of waitq_wake_one().  Interrupts disabled.
 */
static unsigned int wake(struct waitq *wq, bool one)
{
	struct waitq_entry *e, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe (e, tmp, &wq->waiters, link) {
		if (e->func) {
			if (e->func(e, WAITQ_WAKE) && e->exclusive) {
				n++;
				if (one)
					break;
			}
			continue;
		}
		entry_dequeue(e);
		e->woken = true;
		sched_wake(e->thread);
		n++;
		if (one)
			break;
	}
	return n;
}

unsigned int waitq_wake_one(struct waitq *wq)
{
	unsigned long fl = plat_irq_save();
	unsigned int n = wake(wq, true);

	plat_irq_restore(fl);
	return n;
}

unsigned int waitq_wake_all(struct waitq *wq)
{
	unsigned long fl = plat_irq_save();
	unsigned int n = wake(wq, false);

	plat_irq_restore(fl);
	return n;
}

void waitq_add_callback(struct waitq *wq, struct waitq_entry *e,
			bool (*func)(struct waitq_entry *e, unsigned int why),
			bool exclusive)
{
	unsigned long fl = plat_irq_save();

	e->thread = NULL;
	e->func = func;
	e->exclusive = exclusive;
	e->woken = false;
	if (exclusive)
		list_add_tail(&e->link, &wq->waiters);
	else
		list_add(&e->link, &wq->waiters);
	e->queued = true;
	plat_irq_restore(fl);
}

void waitq_free_notify(struct waitq *wq)
{
	unsigned long fl = plat_irq_save();
	struct waitq_entry *e, *tmp;

	list_for_each_entry_safe (e, tmp, &wq->waiters, link) {
		KOS_ASSERT(e->func); /* a thread sleeps on freed memory */
		entry_dequeue(e);
		e->func(e, WAITQ_FREEING);
	}
	plat_irq_restore(fl);
}
