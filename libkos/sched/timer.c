/*
 * One-shot kernel timers and the timer interrupt (see kos/timer.h).
 *
 * Pending ktimers sit on one list sorted by deadline; a new timer goes
 * after every timer with the same or an earlier deadline, so ties fire in
 * arming order.  The platform's single one-shot deadline is kept at or
 * before min(first ktimer, scheduler tick); armed_deadline remembers what
 * was last requested so re-arming happens only when something earlier
 * appears (a stale earlier interrupt is harmless: it just re-arms).
 *
 * Locking: everything is guarded by disabling interrupts.
 */
#include <kos/plat/cpu.h>
#include <kos/plat/time.h>
#include <kos/timer.h>

#include "internal.h"

static LIST_HEAD(pending);		     /* armed ktimers, by deadline */
static uint64_t armed_deadline = UINT64_MAX; /* last plat_timer_arm() */
static uint64_t nr_fired;
static bool timer_ready;

void timer_init(void)
{
	unsigned long fl = plat_irq_save();

	list_init(&pending);
	armed_deadline = UINT64_MAX;
	nr_fired = 0;
	timer_ready = true;
	sched_tick_enable(true);
	timer_reprogram();
	plat_irq_restore(fl);
}

void timer_reprogram(void)
{
	uint64_t next = sched_tick_deadline();

	if (!list_empty(&pending)) {
		struct ktimer *t =
			list_first_entry(&pending, struct ktimer, link);

		next = MIN(next, t->deadline);
	}
	if (next < armed_deadline) {
		armed_deadline = next;
		plat_timer_arm(next);
	}
}

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *t, void *arg),
		 void *arg)
{
	list_init(&t->link);
	t->deadline = 0;
	t->fn = fn;
	t->arg = arg;
	t->armed = false;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline_ns)
{
	unsigned long fl = plat_irq_save();
	struct list_head *pos;

	if (t->armed)
		list_del(&t->link);
	t->deadline = deadline_ns;
	t->armed = true;
	/* Insert before the first timer due strictly later. */
	list_for_each (pos, &pending) {
		struct ktimer *o = list_entry(pos, struct ktimer, link);

		if (o->deadline > deadline_ns)
			break;
	}
	list_add_tail(&t->link, pos);
	timer_reprogram();
	plat_irq_restore(fl);
}

bool ktimer_cancel(struct ktimer *t)
{
	unsigned long fl = plat_irq_save();
	bool was = t->armed;

	if (was) {
		list_del(&t->link);
		t->armed = false;
	}
	plat_irq_restore(fl);
	return was;
}

uint64_t timer_fired_count(void)
{
	return nr_fired;
}

/*
 * The platform's one-shot deadline arrived (interrupt context, interrupts
 * disabled): run every expired ktimer in order, account the tick, and arm
 * the next deadline.  Callbacks may arm timers; one armed already expired
 * runs in this same pass.
 */
void kos_timer_interrupt(void)
{
	uint64_t now = plat_clock_ns();

	if (!timer_ready)
		return;
	armed_deadline = UINT64_MAX;
	while (!list_empty(&pending)) {
		struct ktimer *t =
			list_first_entry(&pending, struct ktimer, link);

		if (t->deadline > now)
			break;
		list_del(&t->link);
		t->armed = false;
		nr_fired++;
		t->fn(t, t->arg);
	}
	sched_tick(now);
	timer_reprogram();
}
