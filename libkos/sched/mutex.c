/*
 * Mutexes (see kos/mutex.h).  The owner field is the lock.  A free mutex
 * is taken with one compare-and-swap and released with a store: no
 * interrupt masking on the common path (under emulation every STI ends
 * a translation block, and mutexes are on every system call's way).
 * Only contention takes the slow path, where the test of the owner and
 * "queue up -> sleep" happen with interrupts disabled: one CPU, so no
 * release can slip between them.  A release stores NULL first and then
 * looks for waiters; a waiter that queued before the store is seen and
 * woken, one that looks after it finds the mutex free.
 */
#include <kos/mutex.h>
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/sched.h>

#include "internal.h"

void mutex_init(struct mutex *m, const char *name)
{
	m->owner = NULL;
	waitq_init(&m->waiters);
	m->name = name;
}

static const char *mutex_name(const struct mutex *m)
{
	return m->name ? m->name : "?";
}

/* Take m if it is free.  True if taken. */
static bool grab(struct mutex *m)
{
	struct thread *none = NULL;

	return __atomic_compare_exchange_n(&m->owner, &none, sched_cur, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void mutex_lock(struct mutex *m)
{
	unsigned long fl;
	struct waitq_entry e;

	if (grab(m))
		return;
	fl = plat_irq_save();
	if (m->owner == sched_cur)
		panic("mutex %s: %s locks it again", mutex_name(m),
		      sched_cur->name);
	while (m->owner) {
		waitq_prepare(&m->waiters, &e);
		waitq_sleep(&e, UINT64_MAX);
	}
	m->owner = sched_cur;
	plat_irq_restore(fl);
}

bool mutex_trylock(struct mutex *m)
{
	return grab(m);
}

void mutex_unlock(struct mutex *m)
{
	struct thread *owner = READ_ONCE(m->owner);

	if (owner != sched_cur)
		panic("mutex %s: unlocked by %s, owner %s", mutex_name(m),
		      sched_cur->name, owner ? owner->name : "none");
	__atomic_store_n(&m->owner, NULL, __ATOMIC_RELEASE);
	if (!waitq_empty(&m->waiters))
		waitq_wake_one(&m->waiters);
}

bool mutex_held(const struct mutex *m)
{
	return READ_ONCE(m->owner) == sched_cur;
}
