/*
 * Unit tests: kernel threads, round-robin scheduling, sleeping,
 * preemption and the thread life cycle (libkos/sched/sched.c).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/time.h>

#include "sched_test.h"

/* --- a small event log the threads append to ---------------------------- */

static char trace[4096];
static size_t trace_len;

static void trace_reset(void)
{
	trace_len = 0;
	trace[0] = 0;
}

static void trace_add(char c)
{
	if (trace_len < sizeof(trace) - 1) {
		trace[trace_len++] = c;
		trace[trace_len] = 0;
	}
}

/* --------------------------------------------------------------------- */

START_TEST(test_sched_main_adopted)
{
	struct thread *me = sched_current();

	ck_assert_ptr_nonnull(me);
	ck_assert_str_eq(me->name, "main");
	ck_assert_int_eq(me->state, THREAD_RUNNING);
	ck_assert_uint_eq(sched_nr_threads(), 1);
	ck_assert_uint_eq(sched_context_switches(), 0);
	/* Alone: yielding comes straight back without a switch. */
	sched_yield();
	ck_assert_uint_eq(sched_context_switches(), 0);
	ck_assert_ptr_eq(sched_current(), me);
}
END_TEST

static void exit_with(void *arg)
{
	kthread_exit((int)(intptr_t)arg);
}

static void return_plainly(void *arg)
{
	*(int *)arg = 1;
}

static void exit_deep(int depth, int status)
{
	void (*volatile self)(int, int) = exit_deep;
	volatile char pad[256];

	pad[0] = 0;
	if (depth > 0)
		self(depth - 1, status);
	kthread_exit(status + pad[0]);
}

static void exit_from_nested(void *arg)
{
	exit_deep(20, 7);
}

START_TEST(test_sched_join_returns_status)
{
	int ran = 0;
	struct thread *a = kthread_create("a", exit_with, (void *)42);
	struct thread *b = kthread_create("b", return_plainly, &ran);
	struct thread *c = kthread_create("c", exit_from_nested, NULL);
	struct thread *d = kthread_create("d", exit_with, (void *)-3);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(a->name, "a");
	ck_assert_int_eq(a->state, THREAD_READY);
	ck_assert_uint_eq(sched_nr_threads(), 5);
	/* Join in an order different from the creation order. */
	ck_assert_int_eq(kthread_join(c), 7);
	ck_assert_int_eq(kthread_join(b), 0);
	ck_assert_int_eq(ran, 1);
	ck_assert_int_eq(kthread_join(a), 42);
	ck_assert_int_eq(kthread_join(d), -3);
	ck_assert_uint_eq(sched_nr_threads(), 1);
}
END_TEST

START_TEST(test_sched_name_truncated)
{
	struct thread *t = kthread_create("a-very-long-thread-name-indeed",
					  exit_with, NULL);

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(strlen(t->name), THREAD_NAME_MAX - 1);
	ck_assert(strncmp(t->name, "a-very-long-thread-name", 15) == 0);
	ck_assert_int_eq(kthread_join(t), 0);
	ck_assert_ptr_null(kthread_create("nofn", NULL, NULL));
}
END_TEST

static void yielder(void *arg)
{
	char id = (char)(intptr_t)arg;

	for (int i = 0; i < 4; i++) {
		trace_add(id);
		ck_assert(plat_irq_enabled());
		sched_yield();
	}
}

START_TEST(test_sched_yield_round_robin)
{
	struct thread *t[3];
	uint64_t sw0 = sched_context_switches();

	trace_reset();
	for (int i = 0; i < 3; i++) {
		t[i] = kthread_create("yielder", yielder,
				      (void *)(intptr_t)('A' + i));
		ck_assert_ptr_nonnull(t[i]);
	}
	/* Nothing ran yet: creating does not switch. */
	ck_assert_str_eq(trace, "");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(kthread_join(t[i]), 0);
	ck_assert_str_eq(trace, "ABCABCABCABC");
	ck_assert_uint_ge(sched_context_switches() - sw0, 13);
}
END_TEST

/* main yields to each runnable thread in turn and gets the CPU back. */
START_TEST(test_sched_main_yields)
{
	struct thread *a = kthread_create("A", yielder, (void *)'A');
	struct thread *b = kthread_create("B", yielder, (void *)'B');

	trace_reset();
	sched_yield();
	trace_add('m');
	sched_yield();
	trace_add('m');
	ck_assert_str_eq(trace, "ABmABm");
	kthread_join(a);
	kthread_join(b);
	ck_assert_str_eq(trace, "ABmABmABAB");
}
END_TEST

/* --- sleeping --------------------------------------------------------- */

struct sleeper {
	uint64_t ms;
	uint64_t start, woke;
	char id;
};

static void sleeper_fn(void *arg)
{
	struct sleeper *s = arg;

	s->start = clock_monotonic_ns();
	sched_sleep_ns(s->ms * MS);
	s->woke = clock_monotonic_ns();
	trace_add(s->id);
}

START_TEST(test_sched_sleep_order)
{
	struct sleeper s[3] = {
		{ .ms = 30, .id = '3' },
		{ .ms = 10, .id = '1' },
		{ .ms = 20, .id = '2' },
	};
	struct thread *t[3];

	trace_reset();
	for (int i = 0; i < 3; i++) {
		t[i] = kthread_create("sleeper", sleeper_fn, &s[i]);
		ck_assert_ptr_nonnull(t[i]);
	}
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(kthread_join(t[i]), 0);
	ck_assert_str_eq(trace, "123");
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(s[i].start, SCHED_TEST_T0);
		ck_assert_uint_ge(s[i].woke, s[i].start + s[i].ms * MS);
		/* The fake clock jumps straight to each deadline. */
		ck_assert_uint_eq(s[i].woke, s[i].start + s[i].ms * MS);
	}
}
END_TEST

START_TEST(test_sched_sleep_main)
{
	uint64_t t0 = clock_monotonic_ns();

	sched_sleep_ns(15 * MS);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 15 * MS);
	sched_sleep_until(t0); /* in the past: no sleep */
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 15 * MS);
	sched_sleep_ns(0); /* a yield */
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 15 * MS);
	sched_sleep_ns(1);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 15 * MS + 1);
}
END_TEST

static void wake_sleeper(void *arg)
{
	struct thread *main_thread = arg;

	ck_assert(sched_wake_thread(main_thread));
	ck_assert(!sched_wake_thread(main_thread)); /* READY already */
}

/* A spurious wakeup does not cut a sleep short. */
START_TEST(test_sched_sleep_spurious_wakeup)
{
	struct thread *t =
		kthread_create("waker", wake_sleeper, sched_current());
	uint64_t t0 = clock_monotonic_ns();

	sched_sleep_ns(25 * MS);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + 25 * MS);
	ck_assert_int_eq(kthread_join(t), 0);
}
END_TEST

/* --- preemption ------------------------------------------------------- */

static volatile int spin_flag;
static unsigned int spin_ticks;

static void spinner(void *arg)
{
	/* Never yields: only a tick can let the flagger run. */
	while (!spin_flag) {
		spin_ticks++;
		ck_assert_uint_le(spin_ticks, 100);
		test_fire_timer();
	}
	trace_add('s');
}

static void flagger(void *arg)
{
	trace_add('f');
	spin_flag = 1;
}

START_TEST(test_sched_preempt_on_tick)
{
	struct thread *s, *f;
	uint64_t t0 = clock_monotonic_ns();

	spin_flag = 0;
	spin_ticks = 0;
	trace_reset();
	s = kthread_create("spinner", spinner, NULL);
	f = kthread_create("flagger", flagger, NULL);
	/* Two runnable besides main: the tick is armed for main's slice. */
	ck_assert_uint_eq(test_timer_deadline, t0 + SCHED_SLICE_NS);
	ck_assert_int_eq(kthread_join(s), 0);
	ck_assert_int_eq(kthread_join(f), 0);
	ck_assert_str_eq(trace, "fs");
	/* One tick: the spinner's slice ran out exactly once. */
	ck_assert_uint_eq(spin_ticks, 1);
	ck_assert_uint_eq(clock_monotonic_ns(), t0 + SCHED_SLICE_NS);
}
END_TEST

static void spinner_nopreempt(void *arg)
{
	sched_preempt_disable();
	sched_preempt_disable();
	for (int i = 0; i < 5; i++) {
		test_fire_timer();
		/* Reschedule pending: no tick storm meanwhile. */
		ck_assert_uint_eq(test_timer_deadline, UINT64_MAX);
	}
	ck_assert(!spin_flag);
	sched_preempt_enable();
	ck_assert(!spin_flag);
	/* The pending reschedule happens right here. */
	sched_preempt_enable();
	ck_assert(spin_flag);
	trace_add('s');
}

/*
 * Preemption enabled again while interrupts are off: the held-back switch
 * happens at the first interrupt after they come back on.
 */
static void spinner_irqoff(void *arg)
{
	unsigned long fl;

	sched_preempt_disable();
	test_fire_timer();
	ck_assert_uint_eq(test_timer_deadline, UINT64_MAX);
	fl = plat_irq_save();
	sched_preempt_enable();
	ck_assert(!spin_flag);
	/* An interrupt is requested at once (the slice is over). */
	ck_assert_uint_le(test_timer_deadline, clock_monotonic_ns());
	plat_irq_restore(fl);
	ck_assert(!spin_flag);
	test_fire_timer();
	ck_assert(spin_flag);
	trace_add('s');
}

START_TEST(test_sched_preempt_enable_irqs_off)
{
	struct thread *s, *f;

	spin_flag = 0;
	trace_reset();
	s = kthread_create("spinner", spinner_irqoff, NULL);
	f = kthread_create("flagger", flagger, NULL);
	ck_assert_int_eq(kthread_join(s), 0);
	ck_assert_int_eq(kthread_join(f), 0);
	ck_assert_str_eq(trace, "fs");
}
END_TEST

START_TEST(test_sched_preempt_disabled)
{
	struct thread *s, *f;

	spin_flag = 0;
	trace_reset();
	s = kthread_create("spinner", spinner_nopreempt, NULL);
	f = kthread_create("flagger", flagger, NULL);
	ck_assert_int_eq(kthread_join(s), 0);
	ck_assert_int_eq(kthread_join(f), 0);
	ck_assert_str_eq(trace, "fs");
}
END_TEST

/* A thread alone on the CPU keeps it, and no tick is armed for it. */
START_TEST(test_sched_tickless_alone)
{
	uint64_t sw0 = sched_context_switches();

	ck_assert_uint_eq(test_timer_deadline, UINT64_MAX);
	test_fire_timer(); /* spurious: harmless */
	ck_assert_uint_eq(sched_context_switches(), sw0);
	ck_assert_uint_eq(test_timer_deadline, UINT64_MAX);
}
END_TEST

/* --- life cycle and memory -------------------------------------------- */

/*
 * Create n threads and join them, so the heap's caches reach their steady
 * state before a test takes its baseline: a slab cache keeps one empty
 * slab, so the first burst of n threads may leave a page behind.
 */
static void warm_up_heap(int n)
{
	struct thread *t[16];

	for (int i = 0; i < n; i++) {
		t[i] = kthread_create("warm", exit_with, NULL);
		ck_assert_ptr_nonnull(t[i]);
	}
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(kthread_join(t[i]), 0);
}

static void count_and_yield(void *arg)
{
	(*(int *)arg)++;
	sched_yield();
	(*(int *)arg)++;
}

START_TEST(test_sched_create_join_no_leak)
{
	uint64_t bytes0, pages0;
	struct thread *t[16];
	int count = 0;

	warm_up_heap(16);
	bytes0 = kmalloc_bytes_in_use();
	pages0 = pmm_free_pages();

	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 16; i++) {
			t[i] = kthread_create("worker", count_and_yield,
					      &count);
			ck_assert_ptr_nonnull(t[i]);
		}
		for (int i = 0; i < 16; i++)
			ck_assert_int_eq(kthread_join(t[i]), 0);
	}
	ck_assert_int_eq(count, 40 * 16 * 2);
	ck_assert_uint_eq(sched_nr_threads(), 1);
	ck_assert_uint_eq(kmalloc_bytes_in_use(), bytes0);
	ck_assert_uint_eq(pmm_free_pages(), pages0);
}
END_TEST

START_TEST(test_sched_detached_freed)
{
	uint64_t bytes0, pages0;
	int count = 0;
	struct thread *t;

	warm_up_heap(16);
	bytes0 = kmalloc_bytes_in_use();
	pages0 = pmm_free_pages();

	for (int i = 0; i < 20; i++) {
		t = kthread_create("detached", count_and_yield, &count);
		ck_assert_ptr_nonnull(t);
		kthread_detach(t);
	}
	/* Already dead when detached: freed on the spot. */
	t = kthread_create("early", exit_with, NULL);
	ck_assert_ptr_nonnull(t);
	sched_yield();
	while (count < 40)
		sched_yield();
	sched_yield();
	kthread_detach(t);
	ck_assert_uint_eq(sched_nr_threads(), 1);
	ck_assert_uint_eq(kmalloc_bytes_in_use(), bytes0);
	ck_assert_uint_eq(pmm_free_pages(), pages0);
}
END_TEST

/*
 * Create threads until memory runs out; join them all.  Returns how many
 * were created.
 */
static int create_until_enomem(struct thread **t, int max)
{
	int n = 0;

	while (n < max &&
	       (t[n] = kthread_create("hog", exit_with, (void *)(intptr_t)n)))
		n++;
	ck_assert_int_lt(n, max);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(kthread_join(t[i]), i);
	return n;
}

/* Creating threads until memory runs out fails cleanly, then recovers. */
START_TEST(test_sched_create_enomem)
{
	enum { MAXT = 4096 };
	static struct thread *t[MAXT];
	uint64_t bytes0, pages0;
	int n;

	sched_test_setup_ram(2UL << 20);
	/* The first round lets the heap settle (see warm_up_heap()). */
	n = create_until_enomem(t, MAXT);
	ck_assert_int_gt(n, 10);
	bytes0 = kmalloc_bytes_in_use();
	pages0 = pmm_free_pages();
	ck_assert_int_eq(create_until_enomem(t, MAXT), n);
	ck_assert_uint_eq(kmalloc_bytes_in_use(), bytes0);
	ck_assert_uint_eq(pmm_free_pages(), pages0);
	t[0] = kthread_create("again", exit_with, (void *)5);
	ck_assert_ptr_nonnull(t[0]);
	ck_assert_int_eq(kthread_join(t[0]), 5);
}
END_TEST

/* Interrupt state is per thread and survives switches. */
static void irq_off_yielder(void *arg)
{
	unsigned long fl = plat_irq_save();

	sched_yield();
	ck_assert(!plat_irq_enabled());
	plat_irq_restore(fl);
	ck_assert(plat_irq_enabled());
}

START_TEST(test_sched_irq_state_per_thread)
{
	struct thread *t = kthread_create("irqoff", irq_off_yielder, NULL);

	sched_yield();
	ck_assert(plat_irq_enabled());
	ck_assert_int_eq(kthread_join(t), 0);
	ck_assert(plat_irq_enabled());
}
END_TEST

START_TEST(test_sched_dump_lists_threads)
{
	static char buf[16384];
	struct thread *t = kthread_create("dumpee", exit_with, NULL);
	size_t n;

	sched_dump();
	n = kos_log_read(buf, sizeof(buf) - 1);
	buf[n] = 0;
	ck_assert_ptr_nonnull(strstr(buf, "main"));
	ck_assert_ptr_nonnull(strstr(buf, "dumpee"));
	ck_assert_ptr_nonnull(strstr(buf, "idle"));
	ck_assert_ptr_nonnull(strstr(buf, "ready"));
	ck_assert_int_eq(kthread_join(t), 0);
}
END_TEST

/* --- broken invariants panic (need a forked test process) ------------- */

static void smash_own_stack(void *arg)
{
	*(volatile uint64_t *)sched_current()->stack = 0;
	sched_yield(); /* the switch checks the canary */
}

START_TEST(test_sched_stack_overflow_panics)
{
	kthread_join(kthread_create("smasher", smash_own_stack, NULL));
}
END_TEST

Suite *sched_suite(void)
{
	Suite *s = suite_create("sched");
	TCase *tc = sched_test_tcase("core");

	tcase_add_test(tc, test_sched_main_adopted);
	tcase_add_test(tc, test_sched_join_returns_status);
	tcase_add_test(tc, test_sched_name_truncated);
	tcase_add_test(tc, test_sched_yield_round_robin);
	tcase_add_test(tc, test_sched_main_yields);
	tcase_add_test(tc, test_sched_sleep_order);
	tcase_add_test(tc, test_sched_sleep_main);
	tcase_add_test(tc, test_sched_sleep_spurious_wakeup);
	tcase_add_test(tc, test_sched_preempt_on_tick);
	tcase_add_test(tc, test_sched_preempt_disabled);
	tcase_add_test(tc, test_sched_preempt_enable_irqs_off);
	tcase_add_test(tc, test_sched_tickless_alone);
	tcase_add_test(tc, test_sched_create_join_no_leak);
	tcase_add_test(tc, test_sched_detached_freed);
	tcase_add_test(tc, test_sched_create_enomem);
	tcase_add_test(tc, test_sched_irq_state_per_thread);
	tcase_add_test(tc, test_sched_dump_lists_threads);
	suite_add_tcase(s, tc);

	if (test_forking()) {
		tc = tcase_create("panics");
		tcase_add_checked_fixture(tc, sched_test_setup, NULL);
		tcase_add_test_raise_signal(
			tc, test_sched_stack_overflow_panics, SIGABRT);
		suite_add_tcase(s, tc);
	}
	return s;
}
