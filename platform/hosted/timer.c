/*
 * Hosted time: the TSC calibrated against the host's clock, and one POSIX
 * timer.
 *
 * Kernel time starts near zero, as on a freshly booted machine, and is
 * told one of two ways, chosen once at startup:
 *
 * TSC clock, when the host's TSC is invariant (CPUID 0x80000007 EDX bit
 * 8: constant rate, runs in every power state).  plat_clock_ns() is a
 * linear function of the TSC (struct plat_tsc_clock), which the vDSO
 * computes in guest processes too, so guest and kernel agree to the
 * nanosecond (kos/plat/time.h).  Its rate comes from host CLOCK_MONOTONIC:
 * measured over CAL_NS (a quarter millisecond: boot time is an app's
 * start-up time) at startup, then re-measured over the whole time since
 * startup (so ever more exactly) each time that span has doubled, and at
 * most once every REFINE_NS once it is long, each time continuing from
 * the current kernel time: the function changes slope, it never jumps.
 * A sample is good to the width of its TSC bracket (tens of
 * nanoseconds), so the first rate is good to a few hundred parts per
 * million at worst (a startup sample is retaken until the brackets are
 * under 1/2000 of the span), and the offset each slope leaves before
 * the next, twice as long, measurement replaces it is about one
 * bracket: kernel time tracks host time to around a microsecond after
 * the doublings, and does not drift.  Slope changes happen only in hosted_clock_refine(),
 * which plat_user_run() calls with interrupts off just before it resumes
 * a guest: then no guest runs (docs/hosted.md), so none can compute
 * time from the old slope after the kernel switched to the new one.
 *
 * Host clock otherwise: CLOCK_MONOTONIC minus its value at startup, and
 * plat_clock_tsc() says no, so the vDSO makes system calls.
 *
 * Either way the wall clock is CLOCK_REALTIME at startup plus kernel
 * time, so that it too derives from the TSC (a later step of the host's
 * clock is not seen, as on bare metal).
 *
 * The one-shot timer is a timer_create(CLOCK_MONOTONIC) timer armed at an
 * absolute host time and delivering SIGALRM, the HOSTED_IRQ_TIMER
 * interrupt.  A kernel deadline becomes host time as "now + time left",
 * so a small difference of rate between the two clocks only moves the
 * expiry by parts per million of the time left.  timer_irq() checks the
 * kernel clock and re-arms for the rest if the signal came early (such a
 * difference, or a SIGALRM queued by an earlier arming), so the core sees
 * kos_timer_interrupt() only once its deadline has passed.
 *
 * Locking: the clock parameters change only with interrupts off, under
 * the sequence count clock_seq, which plat_clock_ns() reads around them
 * (it may be interrupted by a change).  The timer state is touched only
 * with interrupts off.
 */
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include <kos/compiler.h>
#include <kos/plat/cpu.h>
#include <kos/plat/time.h>

#include "hosted.h"

#define NO_DEADLINE UINT64_MAX
#define CAL_NS (250 * NSEC_PER_USEC) /* first calibration span */
#define REFINE_NS NSEC_PER_SEC	     /* least time between refinements */
#define CAL_TRIES 8		     /* clock reads per sample */

static bool tsc_mode;	      /* the TSC clock, else host time */
static uint64_t clock_origin; /* CLOCK_MONOTONIC at kernel time 0, ns */
static uint64_t wall_origin;  /* CLOCK_REALTIME at kernel time 0, ns */
/* TSC clock: the parameters, under clock_seq (odd while changing). */
static struct plat_tsc_clock tsc_clock;
static volatile unsigned int clock_seq;
static uint64_t cal_tsc, cal_mono; /* the startup sample */
static uint64_t refined_mono;	   /* host time of the last refinement */

static timer_t host_timer;
/* Deadline of the armed timer (plat_clock_ns() time); interrupts off. */
static uint64_t timer_deadline = NO_DEADLINE;

static uint64_t clock_read(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* The TSC, not read before earlier instructions finish (LFENCE). */
static uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * One (TSC, host monotonic time) pair: of CAL_TRIES clock reads, the one
 * bracketed most tightly by two TSC reads, taken at the bracket's middle.
 */
static uint64_t clock_sample(uint64_t *tsc, uint64_t *mono)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < CAL_TRIES; i++) {
		uint64_t t0 = rdtsc_ordered();
		uint64_t m = clock_read(CLOCK_MONOTONIC);
		uint64_t t1 = rdtsc_ordered();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*mono = m;
		}
	}
	return best;
}

/* Nanoseconds per TSC tick in 32.32 fixed point, from two samples. */
static uint64_t clock_rate(uint64_t tsc, uint64_t mono)
{
	unsigned __int128 ns = (unsigned __int128)(mono - cal_mono) << 32;

	return (uint64_t)(ns / (tsc - cal_tsc));
}

uint64_t plat_clock_ns(void)
{
	if (!tsc_mode)
		return clock_read(CLOCK_MONOTONIC) - clock_origin;
	return plat_tsc_clock_read(&tsc_clock, &clock_seq, rdtsc_ordered);
}

uint64_t plat_wallclock_ns(void)
{
	return plat_clock_ns() + wall_origin;
}

bool plat_clock_tsc(struct plat_tsc_clock *c)
{
	if (!tsc_mode)
		return false;
	*c = tsc_clock; /* interrupts are off: no change under us */
	return true;
}

void hosted_clock_refine(void)
{
	struct plat_tsc_clock c;
	uint64_t tsc, mono;

	if (!tsc_mode)
		return;
	mono = clock_read(CLOCK_MONOTONIC);
	if (mono - refined_mono < MIN(REFINE_NS, refined_mono - cal_mono))
		return;
	clock_sample(&tsc, &mono);
	refined_mono = mono;
	c = tsc_clock;
	c.mult = clock_rate(tsc, mono);
	/* Switch at a TSC later than every read so far: no step back. */
	c.tsc_base = rdtsc_ordered();
	c.ns_base = plat_tsc_clock_ns(&tsc_clock, c.tsc_base);
	plat_tsc_clock_set(&tsc_clock, &clock_seq, &c);
	kos_clock_changed();
}

/* Does the host's TSC run at a constant rate in every state? */
static bool tsc_invariant(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
}

/*
 * Choose the clock and start it: kernel time 0 is now.  The TSC clock's
 * first rate needs CAL_NS of host time (or more, if the host took the
 * CPU away in the middle of a sample), spent spinning here.
 */
static void clock_init(void)
{
	uint64_t tsc, mono, w0, w;

	tsc_mode = tsc_invariant();
	wall_origin = clock_read(CLOCK_REALTIME);
	clock_origin = clock_read(CLOCK_MONOTONIC);
	if (!tsc_mode)
		return;
	w0 = clock_sample(&cal_tsc, &cal_mono);
	do
		w = clock_sample(&tsc, &mono);
	while (mono - cal_mono < CAL_NS || tsc <= cal_tsc ||
	       (w0 + w) * 2000 > tsc - cal_tsc);
	clock_origin = cal_mono;
	refined_mono = mono;
	tsc_clock.tsc_base = cal_tsc;
	tsc_clock.ns_base = 0;
	tsc_clock.mult = clock_rate(tsc, mono);
	tsc_clock.shift = 32;
	tsc_clock.wall_offset = wall_origin;
}

/* Arm the host timer for kernel time deadline.  Interrupts off. */
static void timer_program(uint64_t deadline)
{
	struct itimerspec its = { 0 };
	uint64_t host = clock_read(CLOCK_MONOTONIC), now = plat_clock_ns();
	uint64_t abs_ns = host + (deadline > now ? deadline - now : 0);

	if (abs_ns < host) { /* overflow: "never" */
		timer_deadline = NO_DEADLINE;
	} else {
		timer_deadline = deadline;
		its.it_value.tv_sec = (time_t)(abs_ns / NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(abs_ns % NSEC_PER_SEC);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1; /* 0 would disarm */
	}
	if (timer_settime(host_timer, TIMER_ABSTIME, &its, NULL) < 0)
		perror("kos: timer_settime");
}

/* HOSTED_IRQ_TIMER handler: interrupt context. */
static void timer_irq(void)
{
	if (timer_deadline == NO_DEADLINE)
		return; /* stale signal from an earlier arming */
	if (plat_clock_ns() < timer_deadline) {
		timer_program(timer_deadline); /* early: wait for the rest */
		return;
	}
	timer_deadline = NO_DEADLINE;
	kos_timer_interrupt();
}

/*
 * Arm the host timer for deadline_ns of kernel time.  Interrupts off.
 * Past deadlines fire at once (an absolute time already passed expires
 * immediately); a deadline too far to represent disarms the timer.
 */
void plat_timer_arm(uint64_t deadline_ns)
{
	timer_program(deadline_ns);
}

int hosted_timer_init(void)
{
	struct sigevent sev = { 0 };

	clock_init();
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	if (timer_create(CLOCK_MONOTONIC, &sev, &host_timer) < 0) {
		int err = -errno;

		perror("kos: timer_create");
		return err;
	}
	hosted_irq_register(HOSTED_IRQ_TIMER, SIGALRM, timer_irq);
	return 0;
}
