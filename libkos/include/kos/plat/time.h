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

/*
 * How the clocks derive from the TSC, for code that computes them
 * without entering the kernel (the vDSO, in user space):
 *
 *	plat_clock_ns()     == plat_tsc_clock_ns(c, rdtsc())
 *	plat_wallclock_ns() == plat_clock_ns() + c->wall_offset  (mod 2^64)
 *
 * exactly, for any TSC value user space can read, so that a program that
 * mixes system calls and the vDSO never sees time go back.  mult is in
 * units of 2^-shift ns per TSC tick (shift < 64); the product is taken
 * in 128 bits, so the TSC may run for centuries past tsc_base.
 */
struct plat_tsc_clock {
	uint64_t tsc_base;    /* a TSC value */
	uint64_t ns_base;     /* plat_clock_ns() at tsc_base */
	uint64_t mult;	      /* ns per TSC tick << shift */
	uint32_t shift;	      /* fraction bits of mult */
	uint32_t reserved;    /* 0 */
	uint64_t wall_offset; /* plat_wallclock_ns() - plat_clock_ns() */
};

/*
 * The clock at TSC value tsc.  A TSC before tsc_base (read on a CPU whose
 * TSC lags a little) counts as tsc_base, so the result never falls below
 * ns_base.  Plain integer code: platforms and the vDSO share it.
 */
static inline uint64_t plat_tsc_clock_ns(const struct plat_tsc_clock *c,
					 uint64_t tsc)
{
	uint64_t d = tsc - c->tsc_base;

	if ((int64_t)d < 0)
		d = 0;
	return c->ns_base +
	       (uint64_t)(((unsigned __int128)d * c->mult) >> c->shift);
}

/*
 * A platform's kernel-side copy of its clock: the parameters under a
 * sequence count, odd while a refinement (with interrupts off, on the
 * one CPU that changes them) rewrites them.  Readers may be interrupted
 * by a refinement, so they retry until the count is even and unchanged.
 * read_tsc is the platform's TSC read (ordered or not, as it needs).
 */
static inline uint64_t plat_tsc_clock_read(const struct plat_tsc_clock *c,
					   const volatile unsigned int *seq,
					   uint64_t (*read_tsc)(void))
{
	struct plat_tsc_clock copy;
	unsigned int s;
	uint64_t tsc;

	do {
		s = *seq;
		__asm__ __volatile__("" ::: "memory");
		copy = *c;
		tsc = read_tsc();
		__asm__ __volatile__("" ::: "memory");
	} while ((s & 1) || s != *seq);
	return plat_tsc_clock_ns(&copy, tsc);
}

/* Replace *c with *next under the sequence count (interrupts off). */
static inline void plat_tsc_clock_set(struct plat_tsc_clock *c,
				      volatile unsigned int *seq,
				      const struct plat_tsc_clock *next)
{
	(*seq)++;
	__asm__ __volatile__("" ::: "memory");
	*c = *next;
	__asm__ __volatile__("" ::: "memory");
	(*seq)++;
}

/*
 * If the platform's clocks are the TSC as above (an invariant TSC, the
 * same on every CPU, readable by user space), fill *c and return true;
 * otherwise return false (user space then makes system calls).  The
 * answer may change over time only continuously: a platform that refines
 * its calibration switches to parameters that give the same time at the
 * moment of the switch (and never less later), then calls
 * kos_clock_changed().  Called with interrupts disabled.
 */
bool plat_clock_tsc(struct plat_tsc_clock *c);

/*
 * Core entry point: what plat_clock_tsc() reports has changed.  The
 * platform calls it with interrupts disabled, right after the change.
 */
void kos_clock_changed(void);

#endif
