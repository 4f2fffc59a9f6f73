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
 * Locking: queues and entries are guarded by disabling interrupts.
 */
#include <kos/plat/cpu.h>
#include <kos/plat/time.h>
#include <kos/waitq.h>
#include <uapi/errno.h>

#include "internal.h"

void waitq_init(struct waitq *wq)
{
	list_init(&wq->waiters);
}

bool waitq_empty(struct waitq *wq)
{
	return list_empty(&wq->waiters);
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

/* Wake the first waiter of wq.  Interrupts disabled. */
static bool wake_first(struct waitq *wq)
{
	struct waitq_entry *e;

	if (list_empty(&wq->waiters))
		return false;
	e = list_first_entry(&wq->waiters, struct waitq_entry, link);
	entry_dequeue(e);
	e->woken = true;
	sched_wake(e->thread);
	return true;
}

unsigned int waitq_wake_one(struct waitq *wq)
{
	unsigned long fl = plat_irq_save();
	unsigned int n = wake_first(wq);

	wq->seq++;
	plat_irq_restore(fl);
	return n;
}

unsigned int waitq_wake_all(struct waitq *wq)
{
	unsigned long fl = plat_irq_save();
	unsigned int n = 0;

	wq->seq++;
	while (wake_first(wq))
		n++;
	plat_irq_restore(fl);
	return n;
}
