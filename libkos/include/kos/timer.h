/*
 * One-shot kernel timers and the scheduler tick.
 *
 * A struct ktimer is armed with an absolute monotonic deadline; once the
 * clock reaches it, its callback runs in interrupt context (interrupts
 * disabled; it may wake threads and arm timers, including itself, but
 * must not sleep).  Expired timers run in deadline order, ties in arming
 * order.  Timers are one-shot: re-arm from the callback for periodic work.
 *
 * The platform offers one one-shot hardware deadline (plat_timer_arm());
 * this module keeps it at min(earliest ktimer, end of the running
 * thread's time slice).  The slice deadline is armed only while another
 * thread is runnable, so an idle system takes no ticks.
 *
 * Locking: the timer list is guarded by disabling interrupts; all calls
 * may be made from any context.
 */
#ifndef KOS_TIMER_H
#define KOS_TIMER_H

#include <kos/compiler.h>
#include <kos/list.h>
#include <kos/types.h>

struct ktimer {
	struct list_head link; /* on the pending list while armed */
	uint64_t deadline;     /* absolute monotonic ns */
	void (*fn)(struct ktimer *t, void *arg);
	void *arg;
	bool armed;
};

/*
 * Start the scheduler tick and reset the timer list.  Call once after
 * sched_init() (and again, after sched_init(), in unit tests).
 */
void timer_init(void);

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *t, void *arg),
		 void *arg);

/*
 * (Re)arm t to fire at monotonic time deadline_ns; an armed timer is
 * moved.  A deadline already past fires at the next timer interrupt,
 * which is requested at once.
 */
void ktimer_arm(struct ktimer *t, uint64_t deadline_ns);

/*
 * Disarm t.  Returns true if it was pending (its callback will not run),
 * false if it was not armed or has already fired.
 */
bool ktimer_cancel(struct ktimer *t);

/* True while t is armed and has not fired. */
static inline bool ktimer_pending(const struct ktimer *t)
{
	return READ_ONCE(t->armed);
}

/* Number of ktimer callbacks run so far (statistics). */
uint64_t timer_fired_count(void);

#endif
