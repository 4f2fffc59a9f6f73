/*
 * Mutexes (see kos/mutex.h).  The owner field is the lock; it is tested
 * and set with interrupts disabled, which also makes "owner busy -> queue
 * up -> sleep" atomic with respect to mutex_unlock(), so a release cannot
 * slip between a waiter's test and its sleep.
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

void mutex_lock(struct mutex *m)
{
	unsigned long fl = plat_irq_save();
	struct waitq_entry e;

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
	unsigned long fl = plat_irq_save();
	bool got = !m->owner;

	if (got)
		m->owner = sched_cur;
	plat_irq_restore(fl);
	return got;
}

void mutex_unlock(struct mutex *m)
{
	unsigned long fl = plat_irq_save();

	if (m->owner != sched_cur)
		panic("mutex %s: unlocked by %s, owner %s", mutex_name(m),
		      sched_cur->name, m->owner ? m->owner->name : "none");
	m->owner = NULL;
	waitq_wake_one(&m->waiters);
	plat_irq_restore(fl);
}

bool mutex_held(const struct mutex *m)
{
	return READ_ONCE(m->owner) == sched_cur;
}
