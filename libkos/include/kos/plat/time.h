/*
 * Platform interface: time sources.
 */
#ifndef KOS_PLAT_TIME_H
#define KOS_PLAT_TIME_H

#include <kos/types.h>

/* Monotonic nanoseconds since an arbitrary point near boot; never goes back. */
uint64_t plat_clock_ns(void);

/* Wall clock: nanoseconds since the Unix epoch, as read at boot + elapsed. */
uint64_t plat_wallclock_ns(void);

/*
 * Arm the one-shot timer to fire at monotonic time deadline_ns (a deadline
 * already in the past fires as soon as possible).  Re-arming replaces the
 * previous deadline.  On expiry the platform calls kos_timer_interrupt()
 * in interrupt context.  Called with interrupts disabled.
 */
void plat_timer_arm(uint64_t deadline_ns);

#endif
