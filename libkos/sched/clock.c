/*
 * Kernel clocks (see kos/time.h).  Monotonic time is the platform's;
 * real time is the platform's wall clock plus an offset that
 * clock_set_realtime_ns() adjusts (unsigned arithmetic, so the offset may
 * be "negative").
 */
#include <kos/compiler.h>
#include <kos/fdtypes.h>
#include <kos/plat/time.h>
#include <kos/time.h>
#include <kos/vdso.h>

static uint64_t realtime_offset; /* written whole; read racily is ok */

uint64_t clock_monotonic_ns(void)
{
	return plat_clock_ns();
}

uint64_t clock_realtime_ns(void)
{
	return plat_wallclock_ns() + READ_ONCE(realtime_offset);
}

void clock_set_realtime_ns(uint64_t ns)
{
	WRITE_ONCE(realtime_offset, ns - plat_wallclock_ns());
	vdso_update_clock();	 /* the vDSO's real time moves with it */
	timerfd_clock_was_set(); /* TFD_TIMER_CANCEL_ON_SET */
}

uint64_t clock_realtime_adjust_ns(void)
{
	return READ_ONCE(realtime_offset);
}

/* The platform's TSC parameters changed: the vDSO computes with them. */
void kos_clock_changed(void)
{
	vdso_update_clock();
}

uint64_t clock_deadline_after(uint64_t delta_ns)
{
	uint64_t now = plat_clock_ns();

	return now + delta_ns < now ? UINT64_MAX : now + delta_ns;
}
