/*
 * Boot self-test (cmdline "selftest").
 *
 * Unlike the unit tests, which drive the core against a fake platform with
 * a fake clock, this runs on the real platform: real timer interrupts, real
 * preemption, real clock.  Each test prints one line; the summary line
 * "selftest: N passed, N failed" is what scripts/run-checks reads.
 *
 * Tests never wait forever: every wait has a generous timeout, so a broken
 * kernel reports a failure instead of hanging the runner.
 */
#include <kos/blkdev.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
#include <kos/netdev.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/selftest.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/timer.h>
#include <kos/waitq.h>
#include <uapi/errno.h>

#define ST_TIMEOUT_NS (5 * NSEC_PER_SEC)

static char st_reason[160];

/* Record why the running test failed; returns false for "return fail(..)". */
static bool __printf(1, 2) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kos_vsnprintf(st_reason, sizeof(st_reason), fmt, ap);
	va_end(ap);
	return false;
}

/* Deterministic pseudo-random numbers (xorshift64). */
static uint64_t st_rand_state = 0x9e3779b97f4a7c15ULL;

static uint64_t st_rand(void)
{
	uint64_t x = st_rand_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	st_rand_state = x;
	return x;
}

/* --- ping-pong through wait queues ------------------------------------ */

#define PINGPONG_ROUNDS 2000

struct pingpong {
	struct waitq wq[2];
	volatile int turn;    /* whose move: 0 or 1 */
	volatile int count;   /* moves made */
	volatile bool broken; /* a thread saw the wrong turn */
	int who;	      /* scratch for the condition callback */
};

struct pp_arg {
	struct pingpong *pp;
	int me;
};

static bool pp_my_turn(void *p)
{
	struct pp_arg *a = p;

	return a->pp->turn == a->me;
}

static void pp_thread(void *p)
{
	struct pp_arg *a = p;
	struct pingpong *pp = a->pp;

	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		if (waitq_wait_timeout(&pp->wq[a->me], pp_my_turn, a,
				       ST_TIMEOUT_NS)) {
			pp->broken = true;
			kthread_exit(1);
		}
		if (pp->turn != a->me || pp->count != 2 * i + a->me)
			pp->broken = true;
		pp->count++;
		pp->turn = !a->me;
		waitq_wake_one(&pp->wq[!a->me]);
	}
	kthread_exit(0);
}

static bool test_pingpong(void)
{
	struct pingpong pp = { .turn = 0 };
	struct pp_arg args[2] = { { &pp, 0 }, { &pp, 1 } };
	struct thread *t[2];
	uint64_t sw0 = sched_context_switches();
	int st0, st1;

	waitq_init(&pp.wq[0]);
	waitq_init(&pp.wq[1]);
	t[1] = kthread_create("pong", pp_thread, &args[1]);
	t[0] = kthread_create("ping", pp_thread, &args[0]);
	if (!t[0] || !t[1])
		return fail("kthread_create failed");
	st0 = kthread_join(t[0]);
	st1 = kthread_join(t[1]);
	if (st0 || st1 || pp.broken)
		return fail("status %d/%d, broken %d", st0, st1, pp.broken);
	if (pp.count != 2 * PINGPONG_ROUNDS)
		return fail("%d moves, want %d", pp.count, 2 * PINGPONG_ROUNDS);
	kos_snprintf(st_reason, sizeof(st_reason), "%d moves, %llu switches",
		     pp.count,
		     (unsigned long long)(sched_context_switches() - sw0));
	return true;
}

/* --- kernel timers fire in deadline order ------------------------------ */

#define NTIMERS 6

struct timer_rec {
	struct ktimer timer;
	uint64_t deadline;
	uint64_t fired_at;
	int id;
};

static struct {
	int order[NTIMERS];
	volatile int nfired;
	struct waitq wq;
} tstate;

static void st_timer_fn(struct ktimer *t, void *arg)
{
	struct timer_rec *r = arg;

	r->fired_at = clock_monotonic_ns();
	if (tstate.nfired < NTIMERS)
		tstate.order[tstate.nfired] = r->id;
	tstate.nfired++;
	waitq_wake_all(&tstate.wq);
}

static bool all_timers_fired(void *unused)
{
	return tstate.nfired >= NTIMERS;
}

static bool test_timers(void)
{
	/* Offsets in ms; ids 2 and 5 tie, so 2 (armed first) fires first. */
	static const int offset_ms[NTIMERS] = { 50, 10, 30, 40, 20, 30 };
	static const int want[NTIMERS] = { 1, 4, 2, 5, 3, 0 };
	struct timer_rec rec[NTIMERS];
	uint64_t now = clock_monotonic_ns();
	int err;

	kos_memset(&tstate, 0, sizeof(tstate));
	waitq_init(&tstate.wq);
	for (int i = 0; i < NTIMERS; i++) {
		rec[i].id = i;
		rec[i].deadline = now + offset_ms[i] * NSEC_PER_MSEC;
		rec[i].fired_at = 0;
		ktimer_init(&rec[i].timer, st_timer_fn, &rec[i]);
	}
	for (int i = 0; i < NTIMERS; i++)
		ktimer_arm(&rec[i].timer, rec[i].deadline);
	err = waitq_wait_timeout(&tstate.wq, all_timers_fired, NULL,
				 ST_TIMEOUT_NS);
	if (err) {
		for (int i = 0; i < NTIMERS; i++)
			ktimer_cancel(&rec[i].timer);
		return fail("only %d of %d timers fired", tstate.nfired,
			    NTIMERS);
	}
	for (int i = 0; i < NTIMERS; i++) {
		if (tstate.order[i] != want[i])
			return fail("fired #%d was timer %d, want %d", i,
				    tstate.order[i], want[i]);
		if (rec[i].fired_at < rec[i].deadline)
			return fail("timer %d fired %llu ns early", i,
				    (unsigned long long)(rec[i].deadline -
							 rec[i].fired_at));
	}
	/* A cancelled timer never fires. */
	tstate.nfired = 0;
	ktimer_arm(&rec[0].timer, clock_monotonic_ns() + 5 * NSEC_PER_MSEC);
	if (!ktimer_cancel(&rec[0].timer))
		return fail("cancel of an armed timer returned false");
	sched_sleep_ns(20 * NSEC_PER_MSEC);
	if (tstate.nfired)
		return fail("cancelled timer fired");
	kos_snprintf(st_reason, sizeof(st_reason), "%d timers in order",
		     NTIMERS);
	return true;
}

/* --- sleeps wake in order, never early --------------------------------- */

static struct {
	int order[3];
	volatile int n;
	bool early;
} sleep_state;

static void sleeper(void *arg)
{
	int ms = (int)(uintptr_t)arg;
	uint64_t start = clock_monotonic_ns();

	sched_sleep_ns(ms * NSEC_PER_MSEC);
	if (clock_monotonic_ns() - start < ms * NSEC_PER_MSEC)
		sleep_state.early = true;
	sleep_state.order[sleep_state.n++] = ms;
}

static bool test_sleep(void)
{
	static const int ms[3] = { 30, 10, 20 };
	struct thread *t[3];

	kos_memset(&sleep_state, 0, sizeof(sleep_state));
	for (int i = 0; i < 3; i++) {
		t[i] = kthread_create("sleeper", sleeper,
				      (void *)(uintptr_t)ms[i]);
		if (!t[i])
			return fail("kthread_create failed");
	}
	for (int i = 0; i < 3; i++)
		kthread_join(t[i]);
	if (sleep_state.early)
		return fail("a sleep returned early");
	if (sleep_state.order[0] != 10 || sleep_state.order[1] != 20 ||
	    sleep_state.order[2] != 30)
		return fail("woke in order %d,%d,%d", sleep_state.order[0],
			    sleep_state.order[1], sleep_state.order[2]);
	return true;
}

/* --- the tick preempts a thread that never yields ---------------------- */

static volatile bool spin_flag;
static volatile uint64_t spin_loops;

static void spinner(void *unused)
{
	uint64_t give_up = clock_monotonic_ns() + ST_TIMEOUT_NS;

	while (!spin_flag && clock_monotonic_ns() < give_up)
		spin_loops++;
	kthread_exit(spin_flag ? 0 : 1);
}

static void flagger(void *unused)
{
	spin_flag = true;
}

static bool test_preempt(void)
{
	struct thread *s, *f;
	int st;

	spin_flag = false;
	spin_loops = 0;
	s = kthread_create("spinner", spinner, NULL);
	if (!s)
		return fail("kthread_create failed");
	/* Let the spinner get the CPU before the flagger exists. */
	sched_yield();
	f = kthread_create("flagger", flagger, NULL);
	if (!f)
		return fail("kthread_create failed");
	st = kthread_join(s);
	kthread_join(f);
	if (st)
		return fail("spinner was never preempted");
	kos_snprintf(st_reason, sizeof(st_reason),
		     "spinner preempted after %llu loops",
		     (unsigned long long)spin_loops);
	return true;
}

/* --- mutexes exclude, even across yields ------------------------------- */

#define MUTEX_THREADS 4
#define MUTEX_ROUNDS 200

static struct mutex st_mutex;
static volatile int in_critical, mutex_counter;
static volatile bool mutex_overlap;

static void mutex_worker(void *unused)
{
	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		mutex_lock(&st_mutex);
		if (in_critical++)
			mutex_overlap = true;
		int v = mutex_counter;
		if (i % 7 == 0)
			sched_yield();
		mutex_counter = v + 1;
		in_critical--;
		mutex_unlock(&st_mutex);
	}
}

static bool test_mutex(void)
{
	struct thread *t[MUTEX_THREADS];

	mutex_init(&st_mutex, "selftest");
	in_critical = mutex_counter = 0;
	mutex_overlap = false;
	for (int i = 0; i < MUTEX_THREADS; i++) {
		t[i] = kthread_create("mutexer", mutex_worker, NULL);
		if (!t[i])
			return fail("kthread_create failed");
	}
	for (int i = 0; i < MUTEX_THREADS; i++)
		kthread_join(t[i]);
	if (mutex_overlap)
		return fail("two threads inside the mutex");
	if (mutex_counter != MUTEX_THREADS * MUTEX_ROUNDS)
		return fail("counter %d, want %d", mutex_counter,
			    MUTEX_THREADS * MUTEX_ROUNDS);
	return true;
}

/* --- allocator stress gives back everything it took -------------------- */

#define STRESS_SLOTS 512
#define STRESS_STEPS 20000

struct stress_slot {
	void *p;
	size_t size; /* kmalloc size, or 0 for a page block */
	unsigned int order;
	uint8_t fill;
};

static bool slot_intact(const struct stress_slot *s)
{
	const uint8_t *b = s->p;
	size_t n = s->size ? s->size : (PAGE_SIZE << s->order);

	for (size_t i = 0; i < n; i += 61)
		if (b[i] != s->fill)
			return false;
	return b[n - 1] == s->fill;
}

static void slot_free(struct stress_slot *s)
{
	if (s->size)
		kfree(s->p);
	else
		pmm_free_va(s->p, s->order);
	s->p = NULL;
}

/*
 * kmalloc_bytes_in_use() is global, and interrupt handlers allocate too:
 * a frame arriving on a network interface stays queued in a kmalloc'd
 * buffer until the stack takes it (the TAP runs of the self-test saw 96
 * bytes appear).  So the whole count, from the first sample to the last,
 * runs with interrupts off: nothing else runs (one CPU), and the
 * allocators never sleep.
 */
static bool test_alloc_stress(void)
{
	unsigned long fl = plat_irq_save();
	uint64_t pages0 = pmm_free_pages();
	uint64_t bytes0 = kmalloc_bytes_in_use();
	uint64_t bytes1;
	struct stress_slot *slots;
	unsigned long allocs = 0;
	bool ok = true;

	slots = kzalloc(sizeof(*slots) * STRESS_SLOTS);
	if (!slots) {
		plat_irq_restore(fl);
		return fail("kzalloc of the slot table failed");
	}
	for (int step = 0; step < STRESS_STEPS && ok; step++) {
		struct stress_slot *s = &slots[st_rand() % STRESS_SLOTS];

		if (s->p) {
			if (!slot_intact(s))
				ok = fail("block of %zu/%u corrupted", s->size,
					  s->order);
			slot_free(s);
			continue;
		}
		if (st_rand() % 8) {
			s->size = 1 + st_rand() % (st_rand() % 4 ? 256 : 9000);
			s->p = kmalloc(s->size);
		} else {
			s->size = 0;
			s->order = st_rand() % 5;
			s->p = pmm_alloc_va(s->order);
		}
		if (!s->p) {
			ok = fail("allocation failed at step %d", step);
			break;
		}
		s->fill = (uint8_t)st_rand();
		kos_memset(s->p, s->fill,
			   s->size ? s->size : (PAGE_SIZE << s->order));
		allocs++;
	}
	for (int i = 0; i < STRESS_SLOTS; i++)
		if (slots[i].p)
			slot_free(&slots[i]);
	kfree(slots);
	bytes1 = kmalloc_bytes_in_use();
	plat_irq_restore(fl);
	if (!ok)
		return false;
	if (bytes1 != bytes0)
		return fail("kmalloc in use %llu bytes, was %llu",
			    (unsigned long long)bytes1,
			    (unsigned long long)bytes0);
	/* Slab caches may keep empty slabs cached; allow that, bounded. */
	if (pmm_free_pages() + 64 < pages0)
		return fail("%llu pages not returned",
			    (unsigned long long)(pages0 - pmm_free_pages()));
	kos_snprintf(st_reason, sizeof(st_reason), "%lu allocations", allocs);
	return true;
}

/* --- many threads: create, exit with a status, join, no leaks ---------- */

#define MANY_THREADS 64

static void exit_with(void *arg)
{
	int v = (int)(uintptr_t)arg;

	if (v % 3 == 0)
		sched_yield();
	if (v % 2)
		kthread_exit(v);
	/* even ones return: that is exit status 0 */
}

/*
 * kmalloc bytes in use, less the frames an interface's interrupt handler
 * queued for the stack (see test_alloc_stress): threads must run here,
 * so interrupts stay on.
 */
static uint64_t kmalloc_bytes_own(void)
{
	unsigned long fl = plat_irq_save();
	uint64_t n = kmalloc_bytes_in_use() - netdev_rx_queued_bytes();

	plat_irq_restore(fl);
	return n;
}

static bool test_threads(void)
{
	struct thread *t[MANY_THREADS];
	uint64_t pages0 = pmm_free_pages();
	uint64_t bytes0 = kmalloc_bytes_own();

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < MANY_THREADS; i++) {
			t[i] = kthread_create("worker", exit_with,
					      (void *)(uintptr_t)i);
			if (!t[i])
				return fail("kthread_create %d failed", i);
		}
		for (int i = 0; i < MANY_THREADS; i++) {
			int st = kthread_join(t[i]);
			int want = i % 2 ? i : 0;

			if (st != want)
				return fail("thread %d status %d, want %d", i,
					    st, want);
		}
	}
	if (kmalloc_bytes_own() != bytes0)
		return fail("leaked %lld kmalloc bytes",
			    (long long)(kmalloc_bytes_own() - bytes0));
	if (pmm_free_pages() + 64 < pages0)
		return fail("leaked %llu pages",
			    (unsigned long long)(pages0 - pmm_free_pages()));
	return true;
}

/* --- clocks ------------------------------------------------------------ */

static bool test_clock(void)
{
	uint64_t prev = clock_monotonic_ns(), start = prev;
	/* 2020-01-01T00:00:00Z */
	const uint64_t y2020 = 1577836800ULL * NSEC_PER_SEC;

	for (int i = 0; i < 10000; i++) {
		uint64_t now = clock_monotonic_ns();

		if (now < prev)
			return fail("monotonic clock went back by %llu ns",
				    (unsigned long long)(prev - now));
		prev = now;
	}
	sched_sleep_ns(10 * NSEC_PER_MSEC);
	if (clock_monotonic_ns() - start < 10 * NSEC_PER_MSEC)
		return fail("10 ms sleep took %llu ns",
			    (unsigned long long)(clock_monotonic_ns() - start));
	if (clock_realtime_ns() < y2020)
		return fail("wall clock %llu s is before 2020",
			    (unsigned long long)(clock_realtime_ns() /
						 NSEC_PER_SEC));
	return true;
}

/* ---- block queue ---------------------------------------------------- */

#define ST_BLK_REQS 128 /* more than a driver's queue (virtio-blk: 42) */

struct st_blk {
	struct blk_request rq[ST_BLK_REQS + 1]; /* + a FLUSH */
	paddr_t page[ST_BLK_REQS];
	unsigned int done; /* atomic */
	struct waitq wq;
};

/* Interrupt context (or inside submit). */
static void st_blk_done(struct blk_request *rq)
{
	struct st_blk *b = rq->priv;

	__atomic_add_fetch(&b->done, 1, __ATOMIC_RELEASE);
	waitq_wake_all(&b->wq);
}

static bool st_blk_all_done(void *arg)
{
	struct st_blk *b = arg;

	return __atomic_load_n(&b->done, __ATOMIC_ACQUIRE) == ST_BLK_REQS + 1;
}

/*
 * The first disk, if there is one: ST_BLK_REQS page reads of scattered
 * pages and a FLUSH, all submitted with interrupts off so that the
 * driver has more at once than its queue holds (the rest must wait in
 * it), then each page compared with a synchronous read of the same
 * place.  The disk must not be uniform (the disk test's pattern image):
 * with every page alike, a request completed into the wrong buffer would
 * go unseen.
 */
static bool test_blk_queue(void)
{
	struct kos_blkdev *bd = blkdev_at(0);
	uint64_t pages;
	struct st_blk *b;
	char *buf = NULL;
	bool ok = false, alike = true;
	unsigned int submitted = 0, i;
	unsigned long fl;

	if (!bd) {
		fail("skipped: no disk");
		return true;
	}
	pages = bd->nsectors * BLK_SECTOR / PAGE_SIZE;
	if (pages < ST_BLK_REQS)
		return fail("%s: %llu pages, want %u", bd->name,
			    (unsigned long long)pages, ST_BLK_REQS);
	b = kzalloc(sizeof(*b));
	if (!b)
		return fail("no memory");
	waitq_init(&b->wq);
	for (i = 0; i < ST_BLK_REQS; i++) {
		b->page[i] = pmm_alloc(0);
		if (b->page[i] == PMM_NOPAGE) {
			fail("no memory");
			goto out;
		}
	}
	buf = kmalloc(PAGE_SIZE);
	if (!buf) {
		fail("no memory");
		goto out;
	}
	fl = plat_irq_save();
	for (i = 0; i <= ST_BLK_REQS; i++) {
		struct blk_request *rq = &b->rq[i];
		/* page 37i mod pages: scattered, distinct while i < pages */
		uint64_t pg = (uint64_t)i * 37 % pages;

		list_init(&rq->link);
		rq->op = i == ST_BLK_REQS / 2 ? BLK_FLUSH : BLK_READ;
		rq->sector =
			rq->op == BLK_READ ? pg * (PAGE_SIZE / BLK_SECTOR) : 0;
		rq->len = rq->op == BLK_READ ? PAGE_SIZE : 0;
		rq->status = 1;
		rq->done = st_blk_done;
		rq->priv = b;
		if (rq->op == BLK_READ)
			rq->pa = b->page[i < ST_BLK_REQS / 2 ? i : i - 1];
		if (bd->ops->submit(bd, rq) == 0)
			submitted++;
		else
			__atomic_add_fetch(&b->done, 1, __ATOMIC_RELEASE);
	}
	plat_irq_restore(fl);
	if (submitted != ST_BLK_REQS + 1) {
		fail("%u of %u requests refused", ST_BLK_REQS + 1 - submitted,
		     ST_BLK_REQS + 1);
	}
	if (waitq_wait_timeout(&b->wq, st_blk_all_done, b, ST_TIMEOUT_NS)) {
		fail("%u of %u requests still pending after 5 s",
		     ST_BLK_REQS + 1 -
			     __atomic_load_n(&b->done, __ATOMIC_ACQUIRE),
		     ST_BLK_REQS + 1);
		b = NULL; /* they may still complete into it: leak it */
		goto out;
	}
	if (submitted != ST_BLK_REQS + 1)
		goto out;
	for (i = 0; i <= ST_BLK_REQS; i++) {
		struct blk_request *rq = &b->rq[i];

		if (rq->status) {
			fail("request %u: status %d", i, rq->status);
			goto out;
		}
		if (rq->op != BLK_READ)
			continue;
		if (blkdev_io(bd, BLK_READ, rq->sector * BLK_SECTOR, buf,
			      PAGE_SIZE)) {
			fail("synchronous read of sector %llu failed",
			     (unsigned long long)rq->sector);
			goto out;
		}
		if (kos_memcmp(buf, plat_phys_to_virt(rq->pa), PAGE_SIZE)) {
			fail("request %u (sector %llu): wrong data", i,
			     (unsigned long long)rq->sector);
			goto out;
		}
		if (i &&
		    kos_memcmp(buf, plat_phys_to_virt(b->rq[0].pa), PAGE_SIZE))
			alike = false;
	}
	ok = !alike || fail("%s: every page alike; use a disk with a "
			    "pattern (scripts/run-disk-test)",
			    bd->name);
out:
	kfree(buf);
	if (b) {
		for (i = 0; i < ST_BLK_REQS; i++)
			if (b->page[i] && b->page[i] != PMM_NOPAGE)
				pmm_free(b->page[i], 0);
		kfree(b);
	}
	return ok;
}

/* ---- the TCP/IP stack: net/stack_selftest.c --------------------------- */

static bool test_net_stack(void)
{
	return net_stack_selftest(st_reason, sizeof(st_reason));
}

/* ---- network: net/selftest.c ----------------------------------------- */

static bool test_net(void)
{
	return netdev_selftest(st_reason, sizeof(st_reason));
}

static const struct {
	const char *name;
	bool (*fn)(void);
} tests[] = {
	{ "clock", test_clock },	 { "pingpong", test_pingpong },
	{ "timers", test_timers },	 { "sleep", test_sleep },
	{ "preempt", test_preempt },	 { "mutex", test_mutex },
	{ "threads", test_threads },	 { "alloc-stress", test_alloc_stress },
	{ "blk-queue", test_blk_queue }, { "net", test_net },
	{ "net-stack", test_net_stack },
};

int selftest_run(void)
{
	int passed = 0, failed = 0;
	uint64_t t0 = clock_monotonic_ns();

	for (size_t i = 0; i < ARRAY_SIZE(tests); i++) {
		uint64_t start = clock_monotonic_ns();
		bool ok;

		st_reason[0] = 0;
		ok = tests[i].fn();
		log_info("selftest: %-12s %s (%llu ms)%s%s", tests[i].name,
			 ok ? "ok" : "FAILED",
			 (unsigned long long)((clock_monotonic_ns() - start) /
					      NSEC_PER_MSEC),
			 st_reason[0] ? ": " : "", st_reason);
		if (ok)
			passed++;
		else
			failed++;
	}
	log_notice("selftest: %d passed, %d failed (%llu ms)", passed, failed,
		   (unsigned long long)((clock_monotonic_ns() - t0) /
					NSEC_PER_MSEC));
	return failed ? 1 : 0;
}
