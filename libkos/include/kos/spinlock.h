/*
 * Spinlocks.  Uniprocessor today, so a spinlock is "interrupts off" plus an
 * owner flag that catches recursion and unlock-without-lock in debug
 * builds; the API is the SMP one, so callers do not change when SMP comes.
 *
 *	unsigned long fl = spin_lock_irqsave(&l);
 *	...
 *	spin_unlock_irqrestore(&l, fl);
 */
#ifndef KOS_SPINLOCK_H
#define KOS_SPINLOCK_H

#include <kos/compiler.h>
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/types.h>

struct spinlock {
	volatile int locked;
	const char *name;
};

#define SPINLOCK_INIT(n) \
	{                \
		0, n     \
	}

static inline void spin_init(struct spinlock *l, const char *name)
{
	l->locked = 0;
	l->name = name;
}

static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long fl = plat_irq_save();

	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		kos_panic("spinlock %s: recursive or contended on UP",
			  l->name ? l->name : "?");
	return fl;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, unsigned long fl)
{
	KOS_ASSERT(l->locked);
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	plat_irq_restore(fl);
}

static inline bool spin_is_locked(const struct spinlock *l)
{
	return l->locked;
}

#endif
