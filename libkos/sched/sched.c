/*
 * Kernel threads and the scheduler.
 *
 * Layers, bottom up:
 *   - arch_context_switch() (arch/x86_64/switch.S) swaps register sets;
 *   - sched_schedule() picks the next thread from a FIFO run queue (round
 *     robin; the idle thread when the queue is empty) and switches to it;
 *   - blocking (sched_block_until), waking (sched_wake), the tick
 *     (sched_tick, from the timer interrupt) and preemption on interrupt
 *     exit (kos_irq_exit) are built on it;
 *   - thread life cycle: kthread_create / kthread_exit / kthread_join.
 *
 * Locking: all state here is guarded by disabling interrupts (uniprocessor).
 * sched_schedule() is entered with interrupts disabled; the thread that
 * switches away keeps its saved flags in its own stack frame and restores
 * them when it runs again, so interrupt state is per thread.
 *
 * The running thread is never on the run queue; the idle thread never is.
 * A dead thread's stack is in use until the switch away from it completes,
 * so it is freed later: by kthread_join(), or, for detached threads, by
 * whichever thread runs next (sched_finish_switch()).
 */
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/plat/time.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/timer.h>
#include <uapi/errno.h>

#include "internal.h"

/* The boot context; it has no stack of ours, and its struct is static. */
static struct thread main_thread = { .name = "main",
				     .tid = 1,
				     .state = THREAD_RUNNING };

struct thread *sched_cur = &main_thread;
static struct thread *idle_thread;
static LIST_HEAD(run_queue);	     /* READY threads, FIFO */
static LIST_HEAD(all_threads);	     /* live threads except idle */
static unsigned int nr_threads;	     /* on all_threads */
static struct thread *switched_from; /* for sched_finish_switch() */
static bool need_resched;	     /* switch at the next chance */
static bool tick_on;		     /* time slices enforced */
static bool sched_ready;	     /* sched_init() done */
static uint64_t nr_switches;
static uint64_t next_tid;

#define STACK_CANARY 0x6b6f732d73746b21ULL /* at the stack's lowest word */

static void thread_entry(void *arg);
static void idle_loop(void *arg);

/* Copy name into t->name, truncating. */
static void thread_set_name(struct thread *t, const char *name)
{
	kos_strlcpy(t->name, name ? name : "?", sizeof(t->name));
}

/*
 * Allocate a thread that will run fn(arg) on a fresh stack.  Not yet
 * runnable or on any list.  Returns NULL if memory is short.
 */
static struct thread *thread_alloc(const char *name, void (*fn)(void *),
				   void *arg, unsigned int stack_order)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	t->stack = pmm_alloc_va(stack_order);
	if (!t->stack) {
		kfree(t);
		return NULL;
	}
	t->stack_order = stack_order;
	t->stack_size = PAGE_SIZE << stack_order;
	*(uint64_t *)t->stack = STACK_CANARY;
	t->stack_cookie = plat_stack_register(t->stack, t->stack_size);
	thread_set_name(t, name);
	t->fn = fn;
	t->arg = arg;
	list_init(&t->run_link);
	list_init(&t->all_link);
	waitq_init(&t->exit_wq);
	arch_context_init(&t->ctx, t->stack, t->stack_size, thread_entry, t);
	return t;
}

/* Default for platforms that keep no per-thread state (kos/plat/cpu.h). */
__attribute__((weak)) void plat_thread_free(struct thread *t)
{
}

/*
 * Release a thread that is not running and never will again (DEAD, or
 * idle/new ones being discarded).  Interrupts disabled.
 */
static void thread_free(struct thread *t)
{
	KOS_ASSERT(t != sched_cur);
	if (!list_empty(&t->all_link)) {
		list_del(&t->all_link);
		nr_threads--;
	}
	plat_thread_free(t);
	if (t->stack) {
		plat_stack_unregister(t->stack_cookie);
		pmm_free_va(t->stack, t->stack_order);
		t->stack = NULL;
	}
	if (t != &main_thread)
		kfree(t);
}

/*
 * Runs first thing in a thread after a switch to it completes (from
 * sched_schedule() or thread_entry()): frees the thread we came from if
 * it was a detached thread that exited.  Interrupts disabled.
 */
static void sched_finish_switch(void)
{
	struct thread *prev = switched_from;

	switched_from = NULL;
	if (prev && prev->state == THREAD_DEAD && prev->detached)
		thread_free(prev);
}

void sched_init(void)
{
	unsigned long fl = plat_irq_save();

	/* Forget any previous run (unit tests call this repeatedly). */
	list_init(&run_queue);
	list_init(&all_threads);
	kos_memset(&main_thread, 0, sizeof(main_thread));
	thread_set_name(&main_thread, "main");
	main_thread.tid = 1;
	main_thread.state = THREAD_RUNNING;
	main_thread.slice_end = plat_clock_ns() + SCHED_SLICE_NS;
	main_thread.last_switch_ns = plat_clock_ns();
	list_init(&main_thread.run_link);
	waitq_init(&main_thread.exit_wq);
	list_add_tail(&main_thread.all_link, &all_threads);
	nr_threads = 1;
	next_tid = 2;
	sched_cur = &main_thread;
	switched_from = NULL;
	need_resched = false;
	tick_on = false;
	nr_switches = 0;

	idle_thread =
		thread_alloc("idle", idle_loop, NULL, KTHREAD_STACK_ORDER);
	if (!idle_thread)
		panic("sched_init: no memory for the idle thread");
	idle_thread->tid = 0;
	idle_thread->state = THREAD_READY;
	sched_ready = true;
	plat_irq_restore(fl);
}

/*
 * The idle thread: whenever it runs, nothing else can.  It sleeps in
 * plat_idle() until an interrupt; an interrupt that makes a thread
 * runnable switches away from idle in kos_irq_exit(), and the check
 * below covers wakeups that came from elsewhere.
 */
static void idle_loop(void *arg)
{
	plat_irq_disable();
	for (;;) {
		if (!list_empty(&run_queue))
			sched_schedule();
		else
			plat_idle();
	}
}

/*
 * First C code of every new thread; entered from the switch with
 * interrupts disabled.
 */
static void thread_entry(void *arg)
{
	struct thread *t = arg;

	sched_finish_switch();
	plat_irq_enable();
	t->fn(t->arg);
	kthread_exit(0);
}

/*
 * Put the running thread back on the run queue if it is still runnable,
 * take the next thread off it (idle if none) and switch.  Returns when the
 * calling thread is picked again.  Interrupts disabled.
 */
void sched_schedule(void)
{
	struct thread *prev = sched_cur, *next;
	uint64_t now = plat_clock_ns();
	bool involuntary = prev->state == THREAD_RUNNING;

	KOS_ASSERT(sched_ready && !plat_irq_enabled());
	if (prev->stack && *(uint64_t *)prev->stack != STACK_CANARY)
		panic("thread %s (tid %llu): kernel stack overflow", prev->name,
		      (unsigned long long)prev->tid);
	if (prev->state == THREAD_RUNNING && prev != idle_thread) {
		prev->state = THREAD_READY;
		list_add_tail(&prev->run_link, &run_queue);
	}
	if (list_empty(&run_queue)) {
		next = idle_thread;
	} else {
		next = list_first_entry(&run_queue, struct thread, run_link);
		list_del(&next->run_link);
	}
	need_resched = false;
	next->state = THREAD_RUNNING;
	next->slice_end = now + SCHED_SLICE_NS;
	if (next == prev) {
		timer_reprogram();
		return;
	}
	if (prev == idle_thread)
		prev->state = THREAD_READY;
	if (involuntary)
		prev->nivcsw++;
	else
		prev->nvcsw++;
	prev->runtime_ns += now - prev->last_switch_ns;
	next->last_switch_ns = now;
	next->switches_in++;
	nr_switches++;
	sched_cur = next;
	switched_from = prev;
	timer_reprogram();
	arch_context_switch(&prev->ctx, &next->ctx);
	sched_finish_switch();
}

uint64_t sched_runtime_ns(struct thread *t)
{
	unsigned long fl;
	uint64_t ns, sw;

	if (t == sched_cur) {
		/*
		 * The caller's own figures change only when it is switched
		 * out and back in (switches_in counts that): read them
		 * again if it happened meanwhile.  No interrupt masking:
		 * this runs twice per system call, and under emulation
		 * every STI ends a translation block.
		 */
		do {
			sw = READ_ONCE(t->switches_in);
			barrier();
			ns = t->runtime_ns +
			     (plat_clock_ns() - t->last_switch_ns);
			barrier();
		} while (sw != READ_ONCE(t->switches_in));
		return ns;
	}
	fl = plat_irq_save();
	ns = t->runtime_ns;
	plat_irq_restore(fl);
	return ns;
}

bool sched_wake(struct thread *t)
{
	if (t->state != THREAD_BLOCKED)
		return false;
	t->state = THREAD_READY;
	list_add_tail(&t->run_link, &run_queue);
	if (sched_cur == idle_thread)
		need_resched = true;
	timer_reprogram();
	return true;
}

bool sched_wake_thread(struct thread *t)
{
	unsigned long fl = plat_irq_save();
	bool woken = sched_wake(t);

	plat_irq_restore(fl);
	return woken;
}

/* ktimer callback of sched_block_until(): the deadline passed. */
static void block_timeout(struct ktimer *kt, void *arg)
{
	sched_wake(arg);
}

bool sched_block_until(uint64_t deadline_ns)
{
	struct thread *self = sched_cur;
	struct ktimer kt;

	KOS_ASSERT(self != idle_thread);
	if (plat_clock_ns() >= deadline_ns)
		return true;
	if (deadline_ns != UINT64_MAX) {
		ktimer_init(&kt, block_timeout, self);
		ktimer_arm(&kt, deadline_ns);
	}
	self->state = THREAD_BLOCKED;
	sched_schedule();
	if (deadline_ns == UINT64_MAX)
		return false;
	ktimer_cancel(&kt);
	return plat_clock_ns() >= deadline_ns;
}

void sched_tick(uint64_t now)
{
	struct thread *t = sched_cur;

	if (!sched_ready)
		return;
	if (t == idle_thread) {
		if (!list_empty(&run_queue))
			need_resched = true;
		return;
	}
	if (now < t->slice_end || !tick_on)
		return;
	if (list_empty(&run_queue))
		t->slice_end = now + SCHED_SLICE_NS; /* alone: keep going */
	else
		need_resched = true;
}

void sched_tick_enable(bool on)
{
	tick_on = on;
}

/*
 * No tick is needed when idle or when nobody else could run.  Once a
 * reschedule is pending (the slice is over), a thread that has preemption
 * disabled gets no further ticks -- it switches when it enables preemption
 * -- otherwise its expired slice would re-fire the timer at once, forever;
 * a thread that allows preemption gets an interrupt as soon as possible.
 */
uint64_t sched_tick_deadline(void)
{
	struct thread *t = sched_cur;

	if (!tick_on || !sched_ready || t == idle_thread ||
	    list_empty(&run_queue))
		return UINT64_MAX;
	if (need_resched && t->preempt_count)
		return UINT64_MAX;
	return t->slice_end;
}

/*
 * Last step of every interrupt, interrupts disabled: preempt the
 * interrupted thread if a reschedule is due and it allows preemption.
 * When it is picked again, this returns and the interrupt completes.
 */
void kos_irq_exit(void)
{
	if (!sched_ready || !need_resched || sched_cur->preempt_count)
		return;
	sched_schedule();
}

struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg)
{
	return kthread_create_stack(name, fn, arg, KTHREAD_STACK_ORDER);
}

struct thread *kthread_create_stack(const char *name, void (*fn)(void *),
				    void *arg, unsigned int stack_order)
{
	struct thread *t;
	unsigned long fl;

	if (!fn)
		return NULL;
	t = thread_alloc(name, fn, arg, stack_order);
	if (!t)
		return NULL;
	fl = plat_irq_save();
	t->tid = next_tid++;
	list_add_tail(&t->all_link, &all_threads);
	nr_threads++;
	t->state = THREAD_BLOCKED;
	sched_wake(t);
	plat_irq_restore(fl);
	return t;
}

void kthread_exit(int status)
{
	struct thread *self = sched_cur;

	plat_irq_disable();
	KOS_ASSERT(self != idle_thread);
	self->exit_status = status;
	self->state = THREAD_DEAD;
	waitq_wake_all(&self->exit_wq);
	sched_schedule();
	panic("kthread_exit: dead thread %s rescheduled", self->name);
}

static bool thread_is_dead(void *arg)
{
	struct thread *t = arg;

	return READ_ONCE(t->state) == THREAD_DEAD;
}

int kthread_join(struct thread *t)
{
	unsigned long fl;
	int status;

	KOS_ASSERT(t && t != sched_cur && t != idle_thread && !t->detached);
	waitq_wait_timeout(&t->exit_wq, thread_is_dead, t, UINT64_MAX);
	fl = plat_irq_save();
	status = t->exit_status;
	thread_free(t);
	plat_irq_restore(fl);
	return status;
}

void kthread_detach(struct thread *t)
{
	unsigned long fl = plat_irq_save();

	KOS_ASSERT(t && t != idle_thread && !t->detached);
	if (t->state == THREAD_DEAD)
		thread_free(t);
	else
		t->detached = true;
	plat_irq_restore(fl);
}

/*
 * The load average: how many threads were runnable (running or ready),
 * sampled every 5 s into three exponential averages over 1, 5 and 15
 * minutes, in Linux's fixed point (11 fraction bits) and with its decay
 * factors.  Written from the timer interrupt, read with interrupts off.
 */
#define LOAD_FSHIFT 11
#define LOAD_ONE (1UL << LOAD_FSHIFT)
#define LOAD_PERIOD_NS (5ULL * 1000000000ULL)
static const unsigned long load_exp[3] = { 1884, 2014, 2037 };
static unsigned long loadavg[3];
static struct ktimer load_timer;

static unsigned int nr_runnable(void)
{
	struct thread *t;
	unsigned int n = sched_cur != idle_thread;

	list_for_each_entry (t, &run_queue, run_link)
		n++;
	return n;
}

static void load_sample(struct ktimer *t, void *arg)
{
	unsigned long active = nr_runnable() * LOAD_ONE;

	for (int i = 0; i < 3; i++) {
		unsigned long v = loadavg[i] * load_exp[i] +
				  active * (LOAD_ONE - load_exp[i]);

		if (active >= loadavg[i])
			v += LOAD_ONE - 1; /* round up while rising */
		loadavg[i] = v / LOAD_ONE;
	}
	ktimer_arm(t, clock_monotonic_ns() + LOAD_PERIOD_NS);
}

void sched_load_start(void)
{
	loadavg[0] = loadavg[1] = loadavg[2] = 0;
	ktimer_init(&load_timer, load_sample, NULL);
	ktimer_arm(&load_timer, clock_monotonic_ns() + LOAD_PERIOD_NS);
}

void sched_loadavg(unsigned long out[3], unsigned int *runnable)
{
	unsigned long fl = plat_irq_save();

	for (int i = 0; i < 3; i++)
		out[i] = loadavg[i];
	if (runnable)
		*runnable = nr_runnable();
	plat_irq_restore(fl);
}

uint64_t sched_idle_ns(void)
{
	return idle_thread ? sched_runtime_ns(idle_thread) : 0;
}

void sched_yield(void)
{
	unsigned long fl = plat_irq_save();

	sched_schedule();
	plat_irq_restore(fl);
}

void sched_sleep_until(uint64_t deadline_ns)
{
	unsigned long fl = plat_irq_save();

	while (!sched_block_until(deadline_ns))
		;
	plat_irq_restore(fl);
}

void sched_sleep_ns(uint64_t ns)
{
	uint64_t now = plat_clock_ns();

	if (ns == 0) {
		sched_yield();
		return;
	}
	sched_sleep_until(now + ns < now ? UINT64_MAX : now + ns);
}

void sched_preempt_disable(void)
{
	sched_cur->preempt_count++;
	barrier();
}

void sched_preempt_enable(void)
{
	struct thread *self = sched_cur;
	unsigned long fl;
	bool irqs_on;

	barrier();
	KOS_ASSERT(self->preempt_count > 0);
	if (--self->preempt_count || !READ_ONCE(need_resched))
		return;
	/*
	 * A preemption was held back.  Take it now, or, with interrupts
	 * disabled, ask for a timer interrupt that will take it as soon as
	 * they are enabled again.
	 */
	irqs_on = plat_irq_enabled();
	fl = plat_irq_save();
	if (irqs_on)
		sched_schedule();
	else
		timer_reprogram();
	plat_irq_restore(fl);
}

uint64_t sched_context_switches(void)
{
	return nr_switches;
}

unsigned int sched_nr_threads(void)
{
	return nr_threads;
}

static const char *const state_names[] = {
	[THREAD_RUNNING] = "running",
	[THREAD_READY] = "ready",
	[THREAD_BLOCKED] = "blocked",
	[THREAD_DEAD] = "dead",
};

static void dump_one(struct thread *t)
{
	const char *st = "?";

	if (t->state >= THREAD_RUNNING && t->state <= THREAD_DEAD)
		st = state_names[t->state];
	kos_log(LOG_INFO, "  %3llu %-15s %-8s switches %llu cpu %llu us%s",
		(unsigned long long)t->tid, t->name, st,
		(unsigned long long)t->switches_in,
		(unsigned long long)(t->runtime_ns / NSEC_PER_USEC),
		t->preempt_count ? " (preempt off)" : "");
}

void sched_dump(void)
{
	unsigned long fl = plat_irq_save();
	struct thread *t;

	kos_log(LOG_INFO,
		"threads (%u, %llu switches, current %s):", nr_threads,
		(unsigned long long)nr_switches, sched_cur->name);
	list_for_each_entry (t, &all_threads, all_link)
		dump_one(t);
	if (idle_thread)
		dump_one(idle_thread);
	plat_irq_restore(fl);
}
