/*
 * Unit tests: mutexes (libkos/sched/mutex.c).
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <kos/mutex.h>
#include <kos/sched.h>

#include "sched_test.h"

START_TEST(test_mutex_basic)
{
	struct mutex m;

	mutex_init(&m, "basic");
	ck_assert(!mutex_held(&m));
	mutex_lock(&m);
	ck_assert(mutex_held(&m));
	ck_assert_ptr_eq(m.owner, sched_current());
	ck_assert(!mutex_trylock(&m));
	mutex_unlock(&m);
	ck_assert(!mutex_held(&m));
	ck_assert(mutex_trylock(&m));
	ck_assert(mutex_held(&m));
	mutex_unlock(&m);
	ck_assert_ptr_null(m.owner);
}
END_TEST

START_TEST(test_mutex_static_init)
{
	static struct mutex m = MUTEX_INIT(m, "static");

	mutex_lock(&m);
	ck_assert(mutex_held(&m));
	mutex_unlock(&m);
	ck_assert_str_eq(m.name, "static");
}
END_TEST

/* --- exclusion: a read-modify-write with switches in the middle -------- */

#define MX_THREADS 4
#define MX_ROUNDS 100

static struct mutex mx;
static int mx_counter;
static int mx_inside;
static bool mx_overlap;

static void mx_enter(void)
{
	if (mx_inside)
		mx_overlap = true;
	mx_inside = 1;
}

static void mx_leave(void)
{
	mx_inside = 0;
}

static void mx_worker_yield(void *arg)
{
	for (int i = 0; i < MX_ROUNDS; i++) {
		int v;

		mutex_lock(&mx);
		mx_enter();
		v = mx_counter;
		sched_yield();
		mx_counter = v + 1;
		mx_leave();
		mutex_unlock(&mx);
		if (i % 3 == 0)
			sched_yield();
	}
}

static void mx_worker_preempted(void *arg)
{
	for (int i = 0; i < MX_ROUNDS; i++) {
		int v;

		if (!mutex_trylock(&mx))
			mutex_lock(&mx);
		mx_enter();
		v = mx_counter;
		test_fire_timer(); /* slice over: preempted in here */
		mx_counter = v + 1;
		mx_leave();
		mutex_unlock(&mx);
		test_fire_timer();
	}
}

static void mx_run(void (*worker)(void *))
{
	struct thread *t[MX_THREADS];

	mutex_init(&mx, "test");
	mx_counter = 0;
	mx_inside = 0;
	mx_overlap = false;
	for (int i = 0; i < MX_THREADS; i++) {
		t[i] = kthread_create("mutexer", worker, NULL);
		ck_assert_ptr_nonnull(t[i]);
	}
	for (int i = 0; i < MX_THREADS; i++)
		ck_assert_int_eq(kthread_join(t[i]), 0);
	ck_assert(!mx_overlap);
	ck_assert_int_eq(mx_counter, MX_THREADS * MX_ROUNDS);
	ck_assert_ptr_null(mx.owner);
	ck_assert(waitq_empty(&mx.waiters));
}

START_TEST(test_mutex_exclusion_yield)
{
	mx_run(mx_worker_yield);
}
END_TEST

START_TEST(test_mutex_exclusion_preempted)
{
	uint64_t sw0 = sched_context_switches();

	mx_run(mx_worker_preempted);
	/* The ticks really did switch threads. */
	ck_assert_uint_gt(sched_context_switches() - sw0, MX_ROUNDS);
}
END_TEST

/* Without the mutex the same workload does lose updates. */
static void unlocked_worker(void *arg)
{
	for (int i = 0; i < MX_ROUNDS; i++) {
		int v = mx_counter;

		sched_yield();
		mx_counter = v + 1;
	}
}

START_TEST(test_mutex_control_without_lock)
{
	struct thread *t[MX_THREADS];

	mx_counter = 0;
	for (int i = 0; i < MX_THREADS; i++)
		t[i] = kthread_create("racer", unlocked_worker, NULL);
	for (int i = 0; i < MX_THREADS; i++)
		kthread_join(t[i]);
	ck_assert_int_lt(mx_counter, MX_THREADS * MX_ROUNDS);
}
END_TEST

/* A waiter sleeps (no spinning) until the owner lets go. */
static char mx_trace[16];
static int mx_ntrace;

static void mx_blocker(void *arg)
{
	mx_trace[mx_ntrace++] = 'w';
	mutex_lock(&mx);
	mx_trace[mx_ntrace++] = 'L';
	mutex_unlock(&mx);
}

START_TEST(test_mutex_waiter_sleeps)
{
	struct thread *t;
	uint64_t sw0;

	mutex_init(&mx, "sleep");
	memset(mx_trace, 0, sizeof(mx_trace));
	mx_ntrace = 0;
	mutex_lock(&mx);
	t = kthread_create("blocker", mx_blocker, NULL);
	sched_yield();
	ck_assert_str_eq(mx_trace, "w");
	ck_assert_int_eq(t->state, THREAD_BLOCKED);
	/* Yielding again does not run the blocked thread. */
	sw0 = sched_context_switches();
	sched_yield();
	ck_assert_uint_eq(sched_context_switches(), sw0);
	mutex_unlock(&mx);
	ck_assert_int_eq(t->state, THREAD_READY);
	ck_assert_int_eq(kthread_join(t), 0);
	ck_assert_str_eq(mx_trace, "wL");
}
END_TEST

/* --- misuse panics (need a forked test process) ------------------------ */

static void mx_grab(void *arg)
{
	mutex_lock(&mx);
}

START_TEST(test_mutex_unlock_not_owner_panics)
{
	struct thread *t;

	mutex_init(&mx, "stolen");
	t = kthread_create("grabber", mx_grab, NULL);
	kthread_join(t);   /* exits holding mx */
	mutex_unlock(&mx); /* not ours: panic -> abort */
}
END_TEST

START_TEST(test_mutex_unlock_unlocked_panics)
{
	mutex_init(&mx, "free");
	mutex_unlock(&mx);
}
END_TEST

START_TEST(test_mutex_relock_panics)
{
	mutex_init(&mx, "twice");
	mutex_lock(&mx);
	mutex_lock(&mx);
}
END_TEST

Suite *mutex_suite(void)
{
	Suite *s = suite_create("mutex");
	TCase *tc = sched_test_tcase("core");

	tcase_add_test(tc, test_mutex_basic);
	tcase_add_test(tc, test_mutex_static_init);
	tcase_add_test(tc, test_mutex_exclusion_yield);
	tcase_add_test(tc, test_mutex_exclusion_preempted);
	tcase_add_test(tc, test_mutex_control_without_lock);
	tcase_add_test(tc, test_mutex_waiter_sleeps);
	suite_add_tcase(s, tc);

	/* Panics end the process: only when each test runs in a fork. */
	if (test_forking()) {
		tc = tcase_create("panics");
		tcase_add_checked_fixture(tc, sched_test_setup, NULL);
		tcase_add_test_raise_signal(
			tc, test_mutex_unlock_not_owner_panics, SIGABRT);
		tcase_add_test_raise_signal(
			tc, test_mutex_unlock_unlocked_panics, SIGABRT);
		tcase_add_test_raise_signal(tc, test_mutex_relock_panics,
					    SIGABRT);
		suite_add_tcase(s, tc);
	}
	return s;
}
