/*
 * Hosted time: the host's clocks and one POSIX timer.
 *
 * plat_clock_ns() is CLOCK_MONOTONIC minus its value at startup, so kernel
 * time starts near zero as on a freshly booted machine.  The one-shot timer
 * is a timer_create(CLOCK_MONOTONIC) timer armed at an absolute time and
 * delivering SIGALRM, the HOSTED_IRQ_TIMER interrupt.
 *
 * timer_deadline remembers what the core asked for.  A SIGALRM that was
 * already queued when the core re-armed for later would otherwise reach
 * the core early; timer_irq() drops any signal that arrives before the
 * current deadline.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include <kos/compiler.h>
#include <kos/plat/cpu.h>
#include <kos/plat/time.h>

#include "hosted.h"

#define NO_DEADLINE UINT64_MAX

static uint64_t clock_origin; /* CLOCK_MONOTONIC at startup, ns */
static timer_t host_timer;
/* Deadline of the armed timer (plat_clock_ns() time); interrupts off. */
static uint64_t timer_deadline = NO_DEADLINE;

static uint64_t clock_read(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t plat_clock_ns(void)
{
	return clock_read(CLOCK_MONOTONIC) - clock_origin;
}

uint64_t plat_wallclock_ns(void)
{
	return clock_read(CLOCK_REALTIME);
}

/* HOSTED_IRQ_TIMER handler: interrupt context. */
static void timer_irq(void)
{
	if (timer_deadline == NO_DEADLINE || plat_clock_ns() < timer_deadline)
		return; /* stale signal from an earlier arming */
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
	struct itimerspec its = { 0 };
	uint64_t abs_ns = clock_origin + deadline_ns;

	if (abs_ns < clock_origin) { /* overflow: "never" */
		timer_deadline = NO_DEADLINE;
	} else {
		timer_deadline = deadline_ns;
		its.it_value.tv_sec = (time_t)(abs_ns / NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(abs_ns % NSEC_PER_SEC);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1; /* 0 would disarm */
	}
	if (timer_settime(host_timer, TIMER_ABSTIME, &its, NULL) < 0)
		perror("kos: timer_settime");
}

int hosted_timer_init(void)
{
	struct sigevent sev = { 0 };

	clock_origin = clock_read(CLOCK_MONOTONIC);
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
