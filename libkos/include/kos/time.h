/*
 * Kernel clocks.
 *
 * clock_monotonic_ns(): nanoseconds since an arbitrary point near boot;
 * never goes back (CLOCK_MONOTONIC).  clock_realtime_ns(): nanoseconds
 * since the Unix epoch (CLOCK_REALTIME); starts as the platform's wall
 * clock and can be set, which shifts it without disturbing monotonic time.
 * Both are safe from any context.
 */
#ifndef KOS_TIME_H
#define KOS_TIME_H

#include <kos/types.h>

uint64_t clock_monotonic_ns(void);
uint64_t clock_realtime_ns(void);

/* Set the real-time clock to ns (since the epoch) as of now. */
void clock_set_realtime_ns(uint64_t ns);

/*
 * clock_realtime_ns() - plat_wallclock_ns(), as clock_set_realtime_ns()
 * left it (mod 2^64; 0 until the clock is set).
 */
uint64_t clock_realtime_adjust_ns(void);

/*
 * now + delta_ns on the monotonic clock, saturating at UINT64_MAX (so a
 * timeout of UINT64_MAX stays "forever").
 */
uint64_t clock_deadline_after(uint64_t delta_ns);

#endif
