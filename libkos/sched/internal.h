/*
 * Private interfaces between the files of the scheduler subsystem:
 * sched.c (threads, run queue, switching), waitq.c, mutex.c, timer.c
 * (ktimers and the tick) and clock.c.
 *
 * Everything declared here must be called with interrupts disabled, which
 * is the lock guarding all scheduler and timer state on this uniprocessor
 * kernel.
 */
#ifndef KOS_SCHED_INTERNAL_H
#define KOS_SCHED_INTERNAL_H

#include <kos/sched.h>
#include <kos/timer.h>

/* The running thread (never NULL: "main" before sched_init()). */
extern struct thread *sched_cur;

/*
 * Make t runnable if it is BLOCKED; returns true if it was.  Wakeups of
 * threads in any other state are no-ops (they are running or will run).
 */
bool sched_wake(struct thread *t);

/*
 * Block the running thread until sched_wake() or until the monotonic
 * clock reaches deadline_ns (UINT64_MAX: no timeout).  Spurious returns
 * are possible; callers re-check what they wait for.  Returns true if the
 * deadline has passed on return.
 */
bool sched_block_until(uint64_t deadline_ns);

/* Pick the next thread and switch to it (the core of everything). */
void sched_schedule(void);

/*
 * Timer interrupt hook: note that the clock reads now; requests a
 * reschedule when the running thread's slice is over and someone waits.
 */
void sched_tick(uint64_t now);

/* Enable/disable the time-slice tick (timer_init() enables it). */
void sched_tick_enable(bool on);

/*
 * The monotonic time at which the scheduler next needs a timer interrupt,
 * UINT64_MAX if none (idle, or nobody else runnable).
 */
uint64_t sched_tick_deadline(void);

/*
 * Re-arm the platform timer if the earliest of the ktimers and the
 * scheduler's deadline moved earlier than what is armed.
 */
void timer_reprogram(void);

#endif
