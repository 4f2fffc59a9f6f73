/*
 * Unit tests: kernel clocks (libkos/sched/clock.c).
 */
#include <check.h>

#include <kos/time.h>

#include "sched_test.h"

#define FAKE_EPOCH (1700000000ULL * NSEC_PER_SEC) /* plat_test's wall clock */

START_TEST(test_clock_monotonic_follows_platform)
{
	ck_assert_uint_eq(clock_monotonic_ns(), SCHED_TEST_T0);
	test_clock_set(SCHED_TEST_T0 + 123);
	ck_assert_uint_eq(clock_monotonic_ns(), SCHED_TEST_T0 + 123);
}
END_TEST

START_TEST(test_clock_realtime_set)
{
	clock_set_realtime_ns(0); /* forget earlier tests */
	clock_set_realtime_ns(FAKE_EPOCH + SCHED_TEST_T0);
	ck_assert_uint_eq(clock_realtime_ns(), FAKE_EPOCH + SCHED_TEST_T0);

	/* Setting moves real time only; both advance together. */
	clock_set_realtime_ns(2000000000ULL * NSEC_PER_SEC);
	ck_assert_uint_eq(clock_realtime_ns(), 2000000000ULL * NSEC_PER_SEC);
	ck_assert_uint_eq(clock_monotonic_ns(), SCHED_TEST_T0);
	test_clock_set(SCHED_TEST_T0 + 5 * NSEC_PER_SEC);
	ck_assert_uint_eq(clock_realtime_ns(), 2000000005ULL * NSEC_PER_SEC);

	/* Backwards, even before the platform's idea of now. */
	clock_set_realtime_ns(NSEC_PER_SEC);
	ck_assert_uint_eq(clock_realtime_ns(), NSEC_PER_SEC);
	test_clock_set(SCHED_TEST_T0 + 6 * NSEC_PER_SEC);
	ck_assert_uint_eq(clock_realtime_ns(), 2 * NSEC_PER_SEC);

	/* Back to the platform's wall clock. */
	clock_set_realtime_ns(FAKE_EPOCH + clock_monotonic_ns());
	ck_assert_uint_eq(clock_realtime_ns(),
			  FAKE_EPOCH + SCHED_TEST_T0 + 6 * NSEC_PER_SEC);
}
END_TEST

START_TEST(test_clock_deadline_after_saturates)
{
	ck_assert_uint_eq(clock_deadline_after(0), SCHED_TEST_T0);
	ck_assert_uint_eq(clock_deadline_after(7), SCHED_TEST_T0 + 7);
	ck_assert_uint_eq(clock_deadline_after(UINT64_MAX), UINT64_MAX);
	ck_assert_uint_eq(clock_deadline_after(UINT64_MAX - 1), UINT64_MAX);
}
END_TEST

Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = sched_test_tcase("core");

	tcase_add_test(tc, test_clock_monotonic_follows_platform);
	tcase_add_test(tc, test_clock_realtime_set);
	tcase_add_test(tc, test_clock_deadline_after_saturates);
	suite_add_tcase(s, tc);
	return s;
}
