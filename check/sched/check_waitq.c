/*
 * Unit tests: wait queues (libkos/sched/waitq.c).
 */
#include <check.h>
#include <string.h>

#include <kos/sched.h>
#include <kos/time.h>
#include <kos/timer.h>
#include <kos/waitq.h>
#include <uapi/errno.h>

#include "sched_test.h"

/* --- ping-pong: two threads hand a turn back and forth ---------------- */

#define PP_ROUNDS 1000

struct pingpong {
	struct waitq wq[2];
	int turn; /* whose move it is: 0 or 1 */
	int log[2 * PP_ROUNDS];
	int nlog;
};

struct pp_arg {
	struct pingpong *pp;
	int me;
};

static bool pp_my_turn(void *arg)
{
	struct pp_arg *a = arg;

	return a->pp->turn == a->me;
}

static void pp_thread(void *arg)
{
	struct pp_arg *a = arg;
	struct pingpong *pp = a->pp;

	for (int i = 0; i < PP_ROUNDS; i++) {
		int err = waitq_wait_timeout(&pp->wq[a->me], pp_my_turn, a,
					     UINT64_MAX);

		ck_assert_int_eq(err, 0);
		pp->log[pp->nlog++] = a->me;
		pp->turn = !a->me;
		waitq_wake_one(&pp->wq[!a->me]);
	}
	kthread_exit(a->me + 10);
}

START_TEST(test_waitq_ping_pong)
{
	static struct pingpong pp;
	struct pp_arg args[2] = { { &pp, 0 }, { &pp, 1 } };
	struct thread *t[2];
	uint64_t sw0 = sched_context_switches();

	memset(&pp, 0, sizeof(pp));
	waitq_init(&pp.wq[0]);
	waitq_init(&pp.wq[1]);
	/* Start the one whose turn it is not, so it has to wait first. */
	t[1] = kthread_create("pong", pp_thread, &args[1]);
	t[0] = kthread_create("ping", pp_thread, &args[0]);
	ck_assert_int_eq(kthread_join(t[0]), 10);
	ck_assert_int_eq(kthread_join(t[1]), 11);
	ck_assert_int_eq(pp.nlog, 2 * PP_ROUNDS);
	for (int i = 0; i < 2 * PP_ROUNDS; i++)
		ck_assert_int_eq(pp.log[i], i & 1);
	/* Roughly one switch per hand-over, and no time passed. */
	ck_assert_uint_ge(sched_context_switches() - sw0, 2 * PP_ROUNDS);
	ck_assert_uint_le(sched_context_switches() - sw0, 2 * PP_ROUNDS + 8);
	ck_assert_uint_eq(clock_monotonic_ns(), SCHED_TEST_T0);
}
END_TEST

/* --- timeouts ---------------------------------------------------------- */

static bool never(void *arg)
{
	return false;
}

static bool always(void *arg)
{
	return true;
}

static bool flag_set(void *arg)
{
	return *(volatile int *)arg != 0;
}

START_TEST(test_waitq_timeout)
{
	struct waitq wq;
	uint64_t t0 = clock_monotonic_ns();

	waitq_init(&wq);
	ck_assert_int_eq(waitq_wait_timeout(&wq, never, NULL, 5 * MS),
			 -ETIMEDOUT);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 5 * MS);
	ck_assert(waitq_empty(&wq));

	/* Zero timeout: no sleep either way. */
	ck_assert_int_eq(waitq_wait_timeout(&wq, never, NULL, 0), -ETIMEDOUT);
	ck_assert_int_eq(waitq_wait_timeout(&wq, always, NULL, 0), 0);
	ck_assert_int_eq(waitq_wait_timeout(&wq, always, NULL, UINT64_MAX), 0);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 5 * MS);

	/* Absolute deadline. */
	ck_assert_int_eq(waitq_wait_deadline(&wq, never, NULL, t0 + 12 * MS),
			 -ETIMEDOUT);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 12 * MS);
	ck_assert(waitq_empty(&wq));
}
END_TEST

/* Wakeups from interrupt context: a ktimer sets the flag and wakes. */
struct irq_waker {
	struct ktimer timer;
	struct waitq *wq;
	int flag;
};

static void irq_wake_fn(struct ktimer *t, void *arg)
{
	struct irq_waker *w = arg;

	ck_assert(!plat_irq_enabled());
	w->flag = 1;
	waitq_wake_all(w->wq);
}

START_TEST(test_waitq_wake_from_interrupt)
{
	struct waitq wq;
	struct irq_waker w = { .wq = &wq };
	uint64_t t0 = clock_monotonic_ns();

	waitq_init(&wq);
	ktimer_init(&w.timer, irq_wake_fn, &w);
	ktimer_arm(&w.timer, t0 + 7 * MS);
	ck_assert_int_eq(waitq_wait_timeout(&wq, flag_set, &w.flag, 50 * MS),
			 0);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 7 * MS);
	ck_assert(waitq_empty(&wq));
	/*
	 * The 50 ms timeout timer was cancelled: the stale platform
	 * deadline may still fire, but runs no callback.
	 */
	ck_assert_uint_eq(timer_fired_count(), 1);
	test_fire_timer();
	ck_assert_uint_eq(timer_fired_count(), 1);
}
END_TEST

/* A timeout that coincides with the wakeup still reports the wakeup. */
START_TEST(test_waitq_wake_at_deadline)
{
	struct waitq wq;
	struct irq_waker w = { .wq = &wq };
	uint64_t t0 = clock_monotonic_ns();

	waitq_init(&wq);
	ktimer_init(&w.timer, irq_wake_fn, &w);
	ktimer_arm(&w.timer, t0 + 7 * MS);
	ck_assert_int_eq(waitq_wait_timeout(&wq, flag_set, &w.flag, 7 * MS), 0);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 7 * MS);
}
END_TEST

/* --- wake_one / wake_all ------------------------------------------------ */

static struct waitq shared_wq;
static int tokens;
static char order[64];
static int norder;

static bool take_token(void *arg)
{
	if (tokens > 0) {
		tokens--;
		return true;
	}
	return false;
}

static void token_waiter(void *arg)
{
	int err = waitq_wait_timeout(&shared_wq, take_token, NULL, UINT64_MAX);

	ck_assert_int_eq(err, 0);
	order[norder++] = (char)(intptr_t)arg;
}

START_TEST(test_waitq_wake_one_fifo)
{
	struct thread *t[4];

	waitq_init(&shared_wq);
	tokens = 0;
	norder = 0;
	memset(order, 0, sizeof(order));
	for (int i = 0; i < 4; i++)
		t[i] = kthread_create("waiter", token_waiter,
				      (void *)(intptr_t)('a' + i));
	sched_yield(); /* all four queue up */
	ck_assert_str_eq(order, "");
	ck_assert(!waitq_empty(&shared_wq));

	/* Wake them one at a time: FIFO order, one per wakeup. */
	for (int i = 0; i < 4; i++) {
		tokens++;
		ck_assert_uint_eq(waitq_wake_one(&shared_wq), 1);
		sched_yield();
		ck_assert_int_eq(norder, i + 1);
	}
	ck_assert_str_eq(order, "abcd");
	ck_assert(waitq_empty(&shared_wq));
	ck_assert_uint_eq(waitq_wake_one(&shared_wq), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(kthread_join(t[i]), 0);
}
END_TEST

START_TEST(test_waitq_wake_all)
{
	struct thread *t[5];

	waitq_init(&shared_wq);
	tokens = 0;
	norder = 0;
	memset(order, 0, sizeof(order));
	for (int i = 0; i < 5; i++)
		t[i] = kthread_create("waiter", token_waiter,
				      (void *)(intptr_t)('a' + i));
	sched_yield();
	/* Three tokens, everyone woken: three proceed, two wait again. */
	tokens = 3;
	ck_assert_uint_eq(waitq_wake_all(&shared_wq), 5);
	sched_yield();
	ck_assert_int_eq(norder, 3);
	ck_assert_str_eq(order, "abc");
	tokens = 2;
	ck_assert_uint_eq(waitq_wake_all(&shared_wq), 2);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(kthread_join(t[i]), 0);
	ck_assert_str_eq(order, "abcde");
}
END_TEST

/* --- the open-coded prepare / sleep / finish loop ---------------------- */

START_TEST(test_waitq_prepare_no_lost_wakeup)
{
	struct waitq wq;
	struct waitq_entry e;
	uint64_t sw0 = sched_context_switches();

	waitq_init(&wq);
	waitq_prepare(&wq, &e);
	ck_assert(!waitq_empty(&wq));
	/* The wakeup lands between the condition test and the sleep. */
	ck_assert_uint_eq(waitq_wake_one(&wq), 1);
	ck_assert(waitq_empty(&wq));
	ck_assert_int_eq(waitq_sleep(&e, UINT64_MAX), 0);
	waitq_finish(&wq, &e);
	ck_assert_uint_eq(sched_context_switches(), sw0);
	ck_assert_uint_eq(clock_monotonic_ns(), SCHED_TEST_T0);

	/* Timeout path, then finish on an entry no longer queued. */
	waitq_prepare(&wq, &e);
	ck_assert_int_eq(waitq_sleep(&e, SCHED_TEST_T0 + 3 * MS), -ETIMEDOUT);
	ck_assert(waitq_empty(&wq));
	waitq_finish(&wq, &e);
	ck_assert_uint_eq(clock_monotonic_ns(), SCHED_TEST_T0 + 3 * MS);

	/* Prepare then give up without sleeping. */
	waitq_prepare(&wq, &e);
	waitq_finish(&wq, &e);
	ck_assert(waitq_empty(&wq));
}
END_TEST

/* --- callback entries (epoll's hooks) ------------------------------------ */

struct cb {
	struct waitq_entry e;
	int wakes, frees;
	bool take; /* what the callback returns */
};

static bool cb_func(struct waitq_entry *e, unsigned int why)
{
	struct cb *c = (struct cb *)e; /* e is the first member */

	if (why == WAITQ_FREEING)
		c->frees++;
	else
		c->wakes++;
	return c->take;
}

START_TEST(test_waitq_callback_stays_queued)
{
	struct waitq wq;
	struct cb a = { .take = true }, b = { .take = true };

	waitq_init(&wq);
	waitq_add_callback(&wq, &a.e, cb_func, false);
	waitq_add_callback(&wq, &b.e, cb_func, false);
	/* Non-exclusive callbacks do not count as woken threads. */
	ck_assert_uint_eq(waitq_wake_all(&wq), 0);
	ck_assert_uint_eq(waitq_wake_one(&wq), 0);
	ck_assert_int_eq(a.wakes, 2);
	ck_assert_int_eq(b.wakes, 2);
	ck_assert(a.e.queued && b.e.queued);
	waitq_finish(&wq, &a.e);
	waitq_wake_all(&wq);
	ck_assert_int_eq(a.wakes, 2);
	ck_assert_int_eq(b.wakes, 3);
	waitq_finish(&wq, &b.e);
	ck_assert(waitq_empty(&wq));
}
END_TEST

START_TEST(test_waitq_callback_before_thread)
{
	struct waitq wq;
	struct waitq_entry t;
	struct cb a = { .take = true };

	waitq_init(&wq);
	waitq_prepare(&wq, &t); /* this thread, queued first */
	waitq_add_callback(&wq, &a.e, cb_func, false);
	/* wake_one still reaches the callback, and wakes the thread. */
	ck_assert_uint_eq(waitq_wake_one(&wq), 1);
	ck_assert_int_eq(a.wakes, 1);
	ck_assert(t.woken && !t.queued);
	ck_assert_int_eq(waitq_sleep(&t, UINT64_MAX), 0);
	waitq_finish(&wq, &t);
	waitq_finish(&wq, &a.e);
}
END_TEST

START_TEST(test_waitq_callback_exclusive)
{
	struct waitq wq;
	struct cb x = { .take = false }, y = { .take = true };
	struct cb z = { .take = true };

	waitq_init(&wq);
	waitq_add_callback(&wq, &x.e, cb_func, true);
	waitq_add_callback(&wq, &y.e, cb_func, true);
	waitq_add_callback(&wq, &z.e, cb_func, true);
	/* wake_one: x declines, y takes it, z is not called. */
	ck_assert_uint_eq(waitq_wake_one(&wq), 1);
	ck_assert_int_eq(x.wakes, 1);
	ck_assert_int_eq(y.wakes, 1);
	ck_assert_int_eq(z.wakes, 0);
	/* wake_all calls them all. */
	ck_assert_uint_eq(waitq_wake_all(&wq), 2);
	ck_assert_int_eq(z.wakes, 1);
	waitq_finish(&wq, &x.e);
	waitq_finish(&wq, &y.e);
	waitq_finish(&wq, &z.e);
}
END_TEST

START_TEST(test_waitq_free_notify)
{
	struct waitq wq;
	struct cb a = { 0 }, b = { 0 };

	waitq_init(&wq);
	waitq_add_callback(&wq, &a.e, cb_func, false);
	waitq_add_callback(&wq, &b.e, cb_func, true);
	waitq_free_notify(&wq);
	ck_assert_int_eq(a.frees, 1);
	ck_assert_int_eq(b.frees, 1);
	ck_assert(!a.e.queued && !b.e.queued);
	ck_assert(waitq_empty(&wq));
	/* The owner's later removal does not touch the queue. */
	waitq_finish(NULL, &a.e);
	waitq_finish(NULL, &b.e);
}
END_TEST

Suite *waitq_suite(void)
{
	Suite *s = suite_create("waitq");
	TCase *tc = sched_test_tcase("core");

	tcase_add_test(tc, test_waitq_ping_pong);
	tcase_add_test(tc, test_waitq_timeout);
	tcase_add_test(tc, test_waitq_wake_from_interrupt);
	tcase_add_test(tc, test_waitq_wake_at_deadline);
	tcase_add_test(tc, test_waitq_wake_one_fifo);
	tcase_add_test(tc, test_waitq_wake_all);
	tcase_add_test(tc, test_waitq_prepare_no_lost_wakeup);
	tcase_add_test(tc, test_waitq_callback_stays_queued);
	tcase_add_test(tc, test_waitq_callback_before_thread);
	tcase_add_test(tc, test_waitq_callback_exclusive);
	tcase_add_test(tc, test_waitq_free_notify);
	suite_add_tcase(s, tc);
	return s;
}
