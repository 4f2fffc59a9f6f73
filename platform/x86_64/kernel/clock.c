/*
 * Time: the monotonic clock (TSC), the wall clock, and the one-shot timer
 * (local APIC timer).
 *
 * Calibration at boot: against the ACPI PM timer (3.579545 MHz, free-
 * running, from the FADT) when there is one: the TSC over 1 ms of it
 * (CAL_PM_TICKS), each end the tightest of a few TSC-bracketed reads, and
 * the free-running LAPIC timer against the TSC over the same time
 * (calibrate_pm()).  Under TCG a port read is an I/O exit of a few
 * microseconds, so 1 ms gives the rate to a few hundredths of a percent,
 * and the refinements below do the rest; the boot spins 1.2 ms instead
 * of the 4 ms of PIT it used to.  Without a PM timer: PIT channel 2
 * (1.193182 MHz, gated through port 0x61 and never connected to an
 * interrupt) counts down CAL_PIT_TICKS (2 ms) in mode 0 while we watch
 * its output bit; the TSC is read around its start and around each poll,
 * the LAPIC timer is timed against the TSC on the side (see
 * calibrate_pit_once()), and of up to CAL_RUNS runs the one with the
 * tightest brackets counts.  Under QEMU TCG the TSC follows the host's
 * TSC and the PM timer, PIT and LAPIC timer follow QEMU's virtual clock
 * (host time); on hardware with an invariant TSC these are the usual
 * methods.  If the PIT output never rises (no PIT either), the rates
 * come from CPUID leaf 0x15/0x16 or a 1 GHz guess, and we say so.
 *
 * Refinement afterwards, as Linux does it: a short calibration gives the
 * rate to a few hundredths of a percent at best, but the boot should not
 * spin longer (it used to spin at least 2 x 10 ms: an app's boot time).
 * So the TSC and the PM timer, read together at the calibration's end,
 * are read again from the timer interrupt each time
 * the span since has doubled (4 ms, 8 ms, ... REFINE_MAX_NS, within the
 * 24-bit timer's 4.7 s wrap); the rate measured over the whole span
 * replaces the old one, continuing from the current time: the clock
 * changes slope, never jumps (kos_clock_changed() tells the vDSO).  The
 * offset each slope leaves before a span twice as long replaces it is
 * about one sample's bracket, so kernel time ends within tens of
 * microseconds of real time and then keeps a rate good to about a part
 * per million.  The LAPIC timer's rate, measured against the TSC, is
 * rescaled with it.  Without a PM timer the first rate stays.
 *
 * plat_clock_ns(): (rdtsc - tsc_base) scaled by a 32.32 fixed-point
 * factor with a 128-bit product, plus ns_base: monotonic because the TSC
 * is (one CPU) and a refinement starts the new slope where the old one
 * is.  Kernel readers take the parameters under the sequence count
 * clock_seq (a refinement may interrupt them).  plat_clock_tsc() hands
 * the same parameters to the vDSO, which computes the same function in
 * user space (kos/plat/time.h).
 *
 * plat_timer_arm(): converts the time left into LAPIC ticks, clamped to
 * 32 bits (about 68 s at QEMU's 62.5 MHz); when the interrupt comes
 * before the deadline (clamped, or rate error) the handler re-arms for
 * the rest instead of calling the core.
 *
 * Wall clock: the EFI stub's boot_wallclock_ns, else the CMOS RTC read
 * at boot (taken as UTC), plus elapsed monotonic time.
 *
 * Locking: the timer state is touched only with interrupts disabled
 * (plat_timer_arm()'s contract and the interrupt handler).
 */
#include <kos/log.h>
#include <kos/plat/cpu.h>
#include <kos/plat/time.h>

#include "x86.h"

#define PIT_HZ 1193182ULL
#define CAL_PIT_TICKS 2386 /* 2 ms */
#define CAL_PM_TICKS 3580  /* 1 ms of the PM timer */
#define CAL_RUNS 8
#define PM_TMR_HZ 3579545ULL
#define REFINE_MAX_NS (2 * NSEC_PER_SEC) /* the last refinement's span */
#define PIT_CMD 0x43
#define PIT_CH2 0x42
#define PORT_61 0x61

static uint64_t tsc_hz, lapic_hz;
static uint64_t lapic_per_ns_32;  /* LAPIC ticks per ns, 32.32 */
static uint64_t lapic_per_tsc_32; /* LAPIC ticks per TSC tick, 32.32 */
/*
 * The clocks as functions of the TSC (kos/plat/time.h): tsc_base the TSC
 * at calibration (later: at the last refinement), ns_base the time then,
 * mult ns per tick in 32.32, wall_offset the wall clock at plat_clock_ns()
 * 0.  Changed only with interrupts off, clock_seq odd meanwhile.
 */
static struct plat_tsc_clock tsc_clock;
static volatile unsigned int clock_seq;
/* Refinement: the PM timer and TSC at the calibration's end. */
static uint64_t ref_tsc, next_refine_tsc;
static uint32_t ref_pm, pm_mask;
static bool refining;
static uint64_t timer_deadline; /* armed deadline, irqs off */
static bool timer_armed;

/* One calibration run; all times in TSC ticks. */
struct cal_run {
	uint64_t tsc;	    /* PIT window */
	uint64_t lapic_tsc; /* between the two LAPIC counter reads */
	uint32_t lapic;	    /* LAPIC ticks between them */
	uint64_t err;	    /* sum of the uncertainty brackets */
};

/*
 * Run PIT channel 2 for CAL_PIT_TICKS and time it with the TSC, and time
 * the free-running LAPIC timer against the TSC on the side.  Every event
 * whose moment we cannot see directly (the PIT starting inside an outb,
 * the PIT output rising between two polls, a LAPIC counter read) is
 * bracketed by two TSC reads and taken at the bracket's midpoint; the
 * bracket widths add up to the run's uncertainty.  A long bracket means
 * we were interrupted (SMI, or the host descheduling QEMU).  Returns
 * false if the PIT output never went high.
 */
static bool calibrate_pit_once(struct cal_run *c)
{
	uint64_t ta, tb, tl, tp, t, te, tl2a, tl2b, limit;
	uint32_t l0, l1;
	uint8_t p61;

	/* Gate channel 2 on, speaker off. */
	p61 = inb(PORT_61);
	outb(PORT_61, (p61 & ~0x02) | 0x01);
	/* Channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count). */
	outb(PIT_CMD, 0xb0);
	outb(PIT_CH2, CAL_PIT_TICKS & 0xff);
	x86_lapic_timer_start_free();
	ta = rdtsc();
	outb(PIT_CH2, CAL_PIT_TICKS >> 8); /* counting starts here */
	tb = rdtsc();
	l0 = x86_lapic_timer_count();
	tl = rdtsc();
	/* Give up after ~1 s worth of a 10 GHz TSC. */
	limit = ta + 10000000000ULL;
	tp = tl;
	for (;;) {
		t = rdtsc();
		if (inb(PORT_61) & 0x20)
			break;
		if (t > limit) {
			outb(PORT_61, p61);
			return false;
		}
		tp = t; /* the output was still low after this */
	}
	te = rdtsc();
	tl2a = te;
	l1 = x86_lapic_timer_count();
	tl2b = rdtsc();
	outb(PORT_61, p61);

	c->tsc = (tp + te) / 2 - (ta + tb) / 2;
	c->lapic_tsc = (tl2a + tl2b) / 2 - (tb + tl) / 2;
	c->lapic = l0 - l1;
	c->err = (tb - ta) + (te - tp) + (tl - tb) + (tl2b - tl2a);
	return c->tsc && c->lapic_tsc && c->lapic;
}

/*
 * The run with the smallest uncertainty gives the rates.  The first run
 * only warms up (under TCG it pays for code translation); we stop once a
 * run is good to 0.2% or after CAL_RUNS.  False if the PIT does not work.
 */
static unsigned int cal_runs; /* runs made, for the log */

static bool calibrate_pit(void)
{
	struct cal_run best = { .err = UINT64_MAX }, c;

	for (int i = 0; i < CAL_RUNS; i++) {
		cal_runs = (unsigned int)i + 1;
		if (!calibrate_pit_once(&c))
			return false;
		if (i > 0 && c.err < best.err)
			best = c;
		if (best.err < best.tsc / 500) /* 0.2%: refined later */
			break;
	}
	tsc_hz = best.tsc * PIT_HZ / CAL_PIT_TICKS;
	lapic_per_tsc_32 = ((uint64_t)best.lapic << 32) / best.lapic_tsc;
	lapic_hz = (uint64_t)(((unsigned __int128)tsc_hz * lapic_per_tsc_32) >>
			      32);
	if (best.err > best.tsc / 50)
		log_warn("x86: clock calibration uncertain (%llu of %llu TSC)",
			 (unsigned long long)best.err,
			 (unsigned long long)best.tsc);
	return true;
}

/* Fallback rates from CPUID (crystal clock leaf 0x15, leaf 0x16). */
static void calibrate_cpuid(void)
{
	uint32_t a, b, c, d, max;

	cpuid(0, 0, &max, &b, &c, &d);
	tsc_hz = 1000000000ULL;
	lapic_hz = 1000000000ULL / 16;
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c) {
			tsc_hz = (uint64_t)c * b / a;
			lapic_hz = c / 16; /* core crystal clock */
			return;
		}
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if (a & 0xffff)
			tsc_hz = (uint64_t)(a & 0xffff) * 1000000ULL;
	}
}

/*
 * CMOS RTC, read with the update-in-progress dance: wait for UIP clear,
 * read everything, and retry until two reads agree.
 */
static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned int bcd(uint8_t v, bool is_bcd)
{
	return is_bcd ? (v & 0xf) + (v >> 4) * 10 : v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static uint64_t rtc_read_ns(void)
{
	uint8_t r[7] = { 0 }, prev[7], regb;
	unsigned int tries = 0, year, mon, day, hour;
	bool is_bcd;

	do {
		for (unsigned int i = 0;
		     i < 1000000 && (cmos_read(0x0a) & 0x80); i++)
			cpu_relax();
		for (unsigned int i = 0; i < 7; i++)
			prev[i] = r[i];
		r[0] = cmos_read(0x00); /* seconds */
		r[1] = cmos_read(0x02); /* minutes */
		r[2] = cmos_read(0x04); /* hours */
		r[3] = cmos_read(0x07); /* day of month */
		r[4] = cmos_read(0x08); /* month */
		r[5] = cmos_read(0x09); /* year */
		r[6] = cmos_read(0x32); /* century (ACPI FADT default) */
	} while (++tries < 2 ||
		 (tries < 10 && __builtin_memcmp(r, prev, sizeof(r)) != 0));

	regb = cmos_read(0x0b);
	is_bcd = !(regb & 0x04);
	hour = bcd(r[2] & 0x7f, is_bcd);
	if (!(regb & 0x02)) { /* 12-hour clock */
		hour %= 12;
		if (r[2] & 0x80)
			hour += 12;
	}
	year = bcd(r[5], is_bcd);
	year += r[6] && bcd(r[6], is_bcd) >= 19 ? bcd(r[6], is_bcd) * 100
						: 2000;
	mon = bcd(r[4], is_bcd);
	day = bcd(r[3], is_bcd);
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 ||
	    year < 1970)
		return 0;
	return ((uint64_t)days_from_civil(year, mon, day) * 86400 +
		hour * 3600 + bcd(r[1], is_bcd) * 60 + bcd(r[0], is_bcd)) *
	       NSEC_PER_SEC;
}

uint64_t plat_clock_ns(void)
{
	return plat_tsc_clock_read(&tsc_clock, &clock_seq, rdtsc);
}

/*
 * One (TSC, PM timer) pair: of a few reads, the one the TSC brackets
 * most tightly, taken at the bracket's middle.
 */
static void pm_sample(uint64_t *tsc, uint32_t *pm)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 4; i++) {
		uint64_t t0 = rdtsc();
		uint32_t v = inl(x86_acpi.pm_tmr) & pm_mask;
		uint64_t t1 = rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*pm = v;
		}
	}
}

/* The same for the LAPIC timer's current count (an MMIO read). */
static void lapic_sample(uint64_t *tsc, uint32_t *count)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 4; i++) {
		uint64_t t0 = rdtsc();
		uint32_t v = x86_lapic_timer_count();
		uint64_t t1 = rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*count = v;
		}
	}
}

/*
 * Calibrate against the ACPI PM timer: the TSC over CAL_PM_TICKS (1 ms)
 * of it, each end a pm_sample(), and the free-running LAPIC timer against
 * the TSC over the same time.  One millisecond gives the rate to a few
 * tenths of a percent under TCG (each end is bracketed by a port read of
 * a few microseconds); the refinements below take it from there.  The
 * end sample is the refinements' reference.  False without a PM timer.
 */
static bool calibrate_pm(void)
{
	uint64_t t0, t1, la = 0, lb = 0, limit;
	uint32_t p0, p1, l0 = 0, l1 = 0;

	if (!x86_acpi.pm_tmr)
		return false;
	pm_mask = x86_acpi.pm_tmr_32 ? UINT32_MAX : 0xffffff;
	x86_lapic_timer_start_free();
	pm_sample(&t0, &p0);
	lapic_sample(&la, &l0);
	limit = t0 + 10000000000ULL; /* ~1 s of a 10 GHz TSC */
	do {
		pm_sample(&t1, &p1);
		if (t1 > limit)
			return false; /* the PM timer does not count */
	} while (((p1 - p0) & pm_mask) < CAL_PM_TICKS);
	lapic_sample(&lb, &l1);
	tsc_hz = (t1 - t0) * PM_TMR_HZ / ((p1 - p0) & pm_mask);
	lapic_per_tsc_32 = ((uint64_t)(l0 - l1) << 32) / (lb - la);
	lapic_hz = (uint64_t)(((unsigned __int128)tsc_hz * lapic_per_tsc_32) >>
			      32);
	ref_tsc = t1;
	ref_pm = p1;
	cal_runs = 1;
	return true;
}

/* Start the refinements: the PM timer's first sample.  Boot. */
static void refine_start(void)
{
	if (!x86_acpi.pm_tmr)
		return;
	if (!ref_tsc) { /* calibrated on the PIT */
		pm_mask = x86_acpi.pm_tmr_32 ? UINT32_MAX : 0xffffff;
		pm_sample(&ref_tsc, &ref_pm);
	}
	next_refine_tsc = ref_tsc + tsc_hz * 4 / 1000; /* 4 ms on */
	refining = true;
}

/*
 * Interrupts off: if the span since the calibration's end has doubled,
 * measure the rate over it and continue the clock at that slope.
 */
static void clock_refine(void)
{
	struct plat_tsc_clock c;
	uint64_t tsc, span, hz, span_ns;
	uint32_t pm;

	if (!refining || rdtsc() < next_refine_tsc)
		return;
	pm_sample(&tsc, &pm);
	span = tsc - ref_tsc;
	/*
	 * 64-bit products suffice: spans stay under REFINE_MAX_NS, about
	 * 2^33 ticks of a 4 GHz TSC (times 2^22 for the PM timer's rate,
	 * or 2^30 for the nanoseconds of a second).
	 */
	if (!((pm - ref_pm) & pm_mask) || span >> 36) {
		refining = false;
		return;
	}
	hz = span * PM_TMR_HZ / ((pm - ref_pm) & pm_mask);
	/* Implausible (a wrap we missed, a broken timer): keep the rate. */
	if (hz < tsc_hz - tsc_hz / 20 || hz > tsc_hz + tsc_hz / 20) {
		refining = false;
		return;
	}
	span_ns = (span >> 8) * NSEC_PER_SEC / (hz >> 8);
	tsc_hz = hz;
	if (lapic_per_tsc_32) {
		lapic_hz = (uint64_t)(((unsigned __int128)tsc_hz *
				       lapic_per_tsc_32) >>
				      32);
		lapic_per_ns_32 = (lapic_hz << 32) / NSEC_PER_SEC;
	}
	c = tsc_clock;
	c.mult = (NSEC_PER_SEC << 32) / tsc_hz;
	c.tsc_base = rdtsc();
	c.ns_base = plat_tsc_clock_ns(&tsc_clock, c.tsc_base);
	plat_tsc_clock_set(&tsc_clock, &clock_seq, &c);
	kos_clock_changed();
	log_debug("x86: TSC %llu.%03llu MHz over %llu ms of PM timer",
		  (unsigned long long)(tsc_hz / 1000000),
		  (unsigned long long)(tsc_hz / 1000 % 1000),
		  (unsigned long long)(span_ns / NSEC_PER_MSEC));
	if (span_ns >= REFINE_MAX_NS / 2)
		refining = false;
	else
		next_refine_tsc = ref_tsc + 2 * span;
}

uint64_t plat_wallclock_ns(void)
{
	return plat_clock_ns() + tsc_clock.wall_offset;
}

/*
 * The kernel's clock is the TSC, so the vDSO's is the very same function;
 * user space may read the TSC (CR4.TSD is clear).  One CPU, so one TSC.
 */
bool plat_clock_tsc(struct plat_tsc_clock *c)
{
	*c = tsc_clock; /* interrupts are off: no refinement under us */
	return true;
}

/* Program the LAPIC for deadline; interrupts disabled. */
static void timer_program(uint64_t deadline)
{
	uint64_t now = plat_clock_ns(), ticks = 1;

	if (deadline > now) {
		ticks = (uint64_t)(((unsigned __int128)(deadline - now) *
				    lapic_per_ns_32) >>
				   32) +
			1;
		if (ticks > UINT32_MAX)
			ticks = UINT32_MAX;
	}
	x86_lapic_timer_oneshot((uint32_t)ticks);
}

void plat_timer_arm(uint64_t deadline_ns)
{
	unsigned long fl = plat_irq_save();

	timer_deadline = deadline_ns;
	timer_armed = true;
	timer_program(deadline_ns);
	plat_irq_restore(fl);
}

/*
 * LAPIC timer interrupt.  Early expiry (clamped count, calibration error)
 * re-arms for the remainder; otherwise the core runs its timers.  The
 * serial port is polled here too when its interrupt could not be routed.
 */
static void timer_irq(struct x86_frame *f)
{
	x86_lapic_eoi();
	if (x86_serial_polled)
		x86_serial_poll();
	clock_refine();
	if (!timer_armed)
		return;
	if (plat_clock_ns() < timer_deadline) {
		timer_program(timer_deadline);
		return;
	}
	timer_armed = false;
	kos_timer_interrupt();
}

/* Calibrate the TSC and LAPIC timer, read the wall clock, hook the timer. */
void x86_clock_init(const struct kos_bootinfo *bi)
{
	const char *how = "PM timer";
	uint64_t t0 = rdtsc();

	if (!calibrate_pm()) {
		ref_tsc = 0;
		how = "PIT";
		if (!calibrate_pit()) {
			calibrate_cpuid();
			how = "CPUID/guess (no PIT)";
		}
	}
	if (!lapic_hz)
		lapic_hz = 1000000000ULL / 16;
	tsc_clock.mult = (NSEC_PER_SEC << 32) / tsc_hz;
	tsc_clock.shift = 32;
	lapic_per_ns_32 = (lapic_hz << 32) / NSEC_PER_SEC;
	x86_lapic_timer_oneshot(0);
	tsc_clock.tsc_base = rdtsc();
	refine_start();

	tsc_clock.wall_offset = bi->boot_wallclock_ns;
	if (!tsc_clock.wall_offset)
		tsc_clock.wall_offset = rtc_read_ns();
	x86_irq_set_handler(X86_VEC_APIC_TIMER, timer_irq);
	log_info("x86: TSC %llu.%03llu MHz, APIC timer %llu.%03llu MHz (%s%s)",
		 (unsigned long long)(tsc_hz / 1000000),
		 (unsigned long long)(tsc_hz / 1000 % 1000),
		 (unsigned long long)(lapic_hz / 1000000),
		 (unsigned long long)(lapic_hz / 1000 % 1000), how,
		 refining ? ", refined against the PM timer" : "");
	log_info("x86: kernel entered at TSC %llu; %u calibration runs in "
		 "%llu us",
		 (unsigned long long)x86_entry_tsc, cal_runs,
		 (unsigned long long)((tsc_clock.tsc_base - t0) * 1000000 /
				      tsc_hz));
}
