/*
 * Mutexes: sleeping locks for thread context.  A contended mutex_lock()
 * blocks the caller on the mutex's wait queue; mutex_unlock() wakes one
 * waiter.  The owner is tracked: locking a mutex you hold, or unlocking
 * one you do not hold, is a kernel bug and panics.  Not for interrupt
 * context (use interrupt disabling there).  Not recursive, no priority
 * inheritance; a woken waiter competes with newcomers for the lock.
 */
#ifndef KOS_MUTEX_H
#define KOS_MUTEX_H

#include <kos/types.h>
#include <kos/waitq.h>

struct thread;

struct mutex {
	struct thread *owner; /* NULL when free; compare-and-swap */
	struct waitq waiters;
	const char *name; /* for panic messages; may be NULL */
};

#define MUTEX_INIT(m, n)                         \
	{                                        \
		NULL, WAITQ_INIT((m).waiters), n \
	}

void mutex_init(struct mutex *m, const char *name);
/* Acquire m, sleeping as long as another thread holds it. */
void mutex_lock(struct mutex *m);
/* Acquire m if free; true on success.  Never sleeps. */
bool mutex_trylock(struct mutex *m);
/* Release m, which the caller must hold. */
void mutex_unlock(struct mutex *m);
/* True if the calling thread holds m. */
bool mutex_held(const struct mutex *m);

#endif
