/*
 * Unit tests: kernel timers and the tick (libkos/sched/timer.c).
 */
#include <check.h>
#include <string.h>

#include <kos/sched.h>
#include <kos/time.h>
#include <kos/timer.h>
#include <kos/waitq.h>

#include "sched_test.h"

#define NREC 8

struct rec {
	struct ktimer timer;
	uint64_t deadline;
	uint64_t fired_at;
	int fired;
	int id;
};

static struct rec recs[NREC];
static int fire_order[64];
static int nfired;
static struct waitq fired_wq;

static void rec_fn(struct ktimer *t, void *arg)
{
	struct rec *r = arg;

	ck_assert_ptr_eq(t, &r->timer);
	ck_assert(!plat_irq_enabled());
	ck_assert(!ktimer_pending(t));
	r->fired_at = clock_monotonic_ns();
	r->fired++;
	fire_order[nfired++] = r->id;
	waitq_wake_all(&fired_wq);
}

static bool n_fired(void *arg)
{
	return nfired >= (int)(intptr_t)arg;
}

static void recs_reset(void)
{
	memset(recs, 0, sizeof(recs));
	nfired = 0;
	waitq_init(&fired_wq);
	for (int i = 0; i < NREC; i++) {
		recs[i].id = i;
		ktimer_init(&recs[i].timer, rec_fn, &recs[i]);
	}
}

static void wait_fired(int n)
{
	ck_assert_int_eq(waitq_wait_timeout(&fired_wq, n_fired,
					    (void *)(intptr_t)n, NSEC_PER_SEC),
			 0);
}

START_TEST(test_timer_deadline_order_ties)
{
	static const uint64_t ms[] = { 30, 10, 20, 10, 20, 5 };
	static const int want[] = { 5, 1, 3, 2, 4, 0 };
	uint64_t t0 = clock_monotonic_ns();

	recs_reset();
	for (int i = 0; i < 6; i++) {
		recs[i].deadline = t0 + ms[i] * MS;
		ktimer_arm(&recs[i].timer, recs[i].deadline);
		ck_assert(ktimer_pending(&recs[i].timer));
	}
	/* The platform is asked for the earliest deadline only. */
	ck_assert_uint_eq(test_timer_deadline, t0 + 5 * MS);
	wait_fired(6);
	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(fire_order[i], want[i]);
		ck_assert_int_eq(recs[i].fired, 1);
		ck_assert_uint_eq(recs[i].fired_at, recs[i].deadline);
	}
	ck_assert_uint_eq(timer_fired_count(), 6);
}
END_TEST

/* Several timers due at one interrupt run in one pass, in order. */
START_TEST(test_timer_same_interrupt)
{
	uint64_t t0 = clock_monotonic_ns();

	recs_reset();
	ktimer_arm(&recs[0].timer, t0 + 3 * MS);
	ktimer_arm(&recs[1].timer, t0 + 1 * MS);
	ktimer_arm(&recs[2].timer, t0 + 2 * MS);
	test_clock_set(t0 + 10 * MS);
	test_fire_timer();
	ck_assert_int_eq(nfired, 3);
	ck_assert_int_eq(fire_order[0], 1);
	ck_assert_int_eq(fire_order[1], 2);
	ck_assert_int_eq(fire_order[2], 0);
	ck_assert_uint_eq(recs[0].fired_at, t0 + 10 * MS);
}
END_TEST

START_TEST(test_timer_cancel)
{
	uint64_t t0 = clock_monotonic_ns();

	recs_reset();
	ck_assert(!ktimer_cancel(&recs[0].timer)); /* never armed */
	ktimer_arm(&recs[0].timer, t0 + 10 * MS);
	ktimer_arm(&recs[1].timer, t0 + 20 * MS);
	ktimer_arm(&recs[2].timer, t0 + 30 * MS);
	ck_assert(ktimer_cancel(&recs[0].timer));
	ck_assert(!ktimer_pending(&recs[0].timer));
	ck_assert(!ktimer_cancel(&recs[0].timer)); /* twice */
	ck_assert(ktimer_cancel(&recs[2].timer));
	wait_fired(1);
	ck_assert_int_eq(fire_order[0], 1);
	ck_assert_uint_eq(recs[1].fired_at, t0 + 20 * MS);
	ck_assert(!ktimer_cancel(&recs[1].timer)); /* already fired */
	/* Nothing else ever fires. */
	sched_sleep_ns(100 * MS);
	ck_assert_int_eq(nfired, 1);
	ck_assert_int_eq(recs[0].fired + recs[2].fired, 0);
}
END_TEST

START_TEST(test_timer_rearm_moves)
{
	uint64_t t0 = clock_monotonic_ns();

	recs_reset();
	ktimer_arm(&recs[0].timer, t0 + 10 * MS);
	ktimer_arm(&recs[1].timer, t0 + 20 * MS);
	ktimer_arm(&recs[0].timer, t0 + 30 * MS); /* later */
	ktimer_arm(&recs[1].timer, t0 + 5 * MS);  /* earlier */
	ck_assert_uint_eq(test_timer_deadline, t0 + 5 * MS);
	wait_fired(2);
	ck_assert_int_eq(fire_order[0], 1);
	ck_assert_int_eq(fire_order[1], 0);
	ck_assert_uint_eq(recs[1].fired_at, t0 + 5 * MS);
	ck_assert_uint_eq(recs[0].fired_at, t0 + 30 * MS);
	ck_assert_int_eq(recs[0].fired, 1);
}
END_TEST

/* A past deadline fires at the next interrupt, without moving the clock. */
START_TEST(test_timer_past_deadline)
{
	uint64_t t0 = clock_monotonic_ns();

	recs_reset();
	ktimer_arm(&recs[0].timer, t0 - 1);
	ck_assert_uint_le(test_timer_deadline, t0);
	wait_fired(1);
	ck_assert_uint_eq(clock_monotonic_ns(), t0);
	ck_assert_uint_eq(recs[0].fired_at, t0);
}
END_TEST

/* Periodic work: the callback re-arms its own timer. */
static int periodic_runs;

static void periodic_fn(struct ktimer *t, void *arg)
{
	if (++periodic_runs < 5)
		ktimer_arm(t, clock_monotonic_ns() + 4 * MS);
	waitq_wake_all(&fired_wq);
}

static bool periodic_done(void *arg)
{
	return periodic_runs >= 5;
}

START_TEST(test_timer_periodic_rearm)
{
	struct ktimer t;
	uint64_t t0 = clock_monotonic_ns();

	waitq_init(&fired_wq);
	periodic_runs = 0;
	ktimer_init(&t, periodic_fn, NULL);
	ktimer_arm(&t, t0 + 4 * MS);
	ck_assert_int_eq(waitq_wait_timeout(&fired_wq, periodic_done, NULL,
					    NSEC_PER_SEC),
			 0);
	ck_assert_int_eq(periodic_runs, 5);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 20 * MS);
	ck_assert(!ktimer_pending(&t));
}
END_TEST

/* A callback cancelling another timer due in the same pass stops it. */
static void cancel_other_fn(struct ktimer *t, void *arg)
{
	ck_assert(ktimer_cancel(arg));
	fire_order[nfired++] = 99;
}

START_TEST(test_timer_cancel_from_callback)
{
	struct ktimer killer;
	uint64_t t0 = clock_monotonic_ns();

	recs_reset();
	ktimer_init(&killer, cancel_other_fn, &recs[0].timer);
	ktimer_arm(&killer, t0 + 1 * MS);
	ktimer_arm(&recs[0].timer, t0 + 1 * MS);
	ktimer_arm(&recs[1].timer, t0 + 1 * MS);
	test_fire_timer();
	ck_assert_int_eq(nfired, 2);
	ck_assert_int_eq(fire_order[0], 99);
	ck_assert_int_eq(fire_order[1], 1);
	ck_assert_int_eq(recs[0].fired, 0);
}
END_TEST

/* --- the scheduler tick ------------------------------------------------- */

static void idle_worker(void *arg)
{
	sched_sleep_ns(1 * MS);
}

START_TEST(test_timer_tick_only_when_contended)
{
	uint64_t t0 = clock_monotonic_ns();
	struct thread *t;

	/* main alone: no tick. */
	ck_assert_uint_eq(test_timer_deadline, UINT64_MAX);
	/* Someone else runnable: main's slice is enforced. */
	t = kthread_create("w", idle_worker, NULL);
	ck_assert_uint_eq(test_timer_deadline, t0 + SCHED_SLICE_NS);
	ck_assert_int_eq(kthread_join(t), 0);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 1 * MS);
}
END_TEST

Suite *timer_suite(void)
{
	Suite *s = suite_create("timer");
	TCase *tc = sched_test_tcase("core");

	tcase_add_test(tc, test_timer_deadline_order_ties);
	tcase_add_test(tc, test_timer_same_interrupt);
	tcase_add_test(tc, test_timer_cancel);
	tcase_add_test(tc, test_timer_rearm_moves);
	tcase_add_test(tc, test_timer_past_deadline);
	tcase_add_test(tc, test_timer_periodic_rearm);
	tcase_add_test(tc, test_timer_cancel_from_callback);
	tcase_add_test(tc, test_timer_tick_only_when_contended);
	suite_add_tcase(s, tc);
	return s;
}
