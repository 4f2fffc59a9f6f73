/*
 * Shared set-up for the scheduler-subsystem unit tests: a fresh page
 * allocator, heap, scheduler and timer list on the fake platform, with the
 * fake clock at a known time and nothing armed.
 */
#ifndef CHECK_SCHED_TEST_H
#define CHECK_SCHED_TEST_H

#include <check.h>
#include <stdint.h>

#include <kos/boot.h>
#include <kos/kmalloc.h>
#include <kos/plat/cpu.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/timer.h>

#include "../plat_test.h"

#define SCHED_TEST_RAM (16UL << 20)
#define SCHED_TEST_T0 (5 * NSEC_PER_SEC) /* fake clock at set-up */
#define MS NSEC_PER_MSEC

static inline void sched_test_setup_ram(uint64_t ram)
{
	struct kos_bootinfo bi;

	plat_irq_disable();
	test_clock_set(SCHED_TEST_T0);
	test_timer_deadline = UINT64_MAX;
	test_bootinfo(&bi, ram);
	pmm_init(&bi);
	kmalloc_init();
	sched_init();
	timer_init();
	plat_irq_enable();
}

static inline void sched_test_setup(void)
{
	sched_test_setup_ram(SCHED_TEST_RAM);
}

/* Every test must leave only "main" behind. */
static inline void sched_test_teardown(void)
{
	ck_assert_uint_eq(sched_nr_threads(), 1);
	ck_assert_str_eq(sched_current()->name, "main");
	ck_assert(plat_irq_enabled());
}

/* A test case with the set-up above, 10 s timeout. */
static inline TCase *sched_test_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, sched_test_setup, sched_test_teardown);
	tcase_set_timeout(tc, 10);
	return tc;
}

#endif
