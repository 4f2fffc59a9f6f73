/*
 * Kernel threads and the scheduler.
 *
 * Uniprocessor, preemptive round robin: every runnable thread gets a time
 * slice of SCHED_SLICE_NS (HZ = 100); when it is used up and another
 * thread is runnable, the timer interrupt asks for a reschedule and
 * kos_irq_exit() switches threads on the way out of the interrupt.
 * Threads also switch when they block (wait queues, mutexes, sleeps),
 * yield or exit.  An idle thread runs plat_idle() when nothing else can.
 *
 * Locking: the scheduler's state (run queue, thread states, current) is
 * guarded by disabling interrupts.  Every function here may be called
 * with interrupts enabled or disabled and restores the caller's state;
 * the blocking ones (yield, sleep, join) switch threads in between, and
 * other threads run with their own interrupt state meanwhile.
 */
#ifndef KOS_SCHED_H
#define KOS_SCHED_H

#include <kos/arch.h>
#include <kos/compiler.h>
#include <kos/list.h>
#include <kos/types.h>
#include <kos/waitq.h>

#define SCHED_HZ 100
#define SCHED_SLICE_NS (NSEC_PER_SEC / SCHED_HZ)

#define KTHREAD_STACK_ORDER 2 /* 2^2 pages = 16 KiB */
#define KTHREAD_STACK_SIZE (PAGE_SIZE << KTHREAD_STACK_ORDER)
#define THREAD_NAME_MAX 16

enum thread_state {
	THREAD_RUNNING = 1, /* on the CPU (== sched_current()) */
	THREAD_READY,	    /* on the run queue */
	THREAD_BLOCKED,	    /* asleep; a wakeup makes it READY */
	THREAD_DEAD,	    /* exited, waiting for kthread_join() */
};

/*
 * A kernel thread.  Fields are guarded by the scheduler (interrupts
 * disabled) unless noted.
 */
struct thread {
	struct arch_context ctx;    /* saved registers while not running */
	char name[THREAD_NAME_MAX]; /* constant after creation */
	uint64_t tid;		    /* constant; main is 1 */
	enum thread_state state;

	void *stack;	   /* lowest address; NULL for main */
	size_t stack_size; /* PAGE_SIZE << stack_order */
	unsigned int stack_order;
	unsigned long stack_cookie; /* from plat_stack_register() */

	struct list_head run_link; /* run queue, while READY */
	struct list_head all_link; /* every live thread */

	void (*fn)(void *); /* entry point and its argument */
	void *arg;

	int preempt_count;	 /* >0: no involuntary switch */
	uint64_t slice_end;	 /* monotonic ns its time slice ends */
	uint64_t switches_in;	 /* times it was switched to */
	uint64_t runtime_ns;	 /* CPU time, approximate */
	uint64_t last_switch_ns; /* when it last went on the CPU */
	uint64_t nvcsw, nivcsw;	 /* switches away: blocked / preempted */

	int exit_status;      /* valid once DEAD */
	bool detached;	      /* freed on exit, nobody joins */
	struct waitq exit_wq; /* joiners wait here for DEAD */

	/*
	 * Set (any context) when the thread's user-mode loop has work before
	 * it runs user code again (a signal, an exit); plat_user_run()
	 * checks it with interrupts off and returns at once if set.
	 */
	volatile int user_work;
	/*
	 * Runs FPU/SSE code outside user mode (a linked-mode program's
	 * thread, proc/linked.c): the platform keeps its registers as a user
	 * thread's when it is preempted (plat_fpu_kernel_own()).  Constant.
	 */
	bool kernel_fpu;

	void *priv;	 /* owned by the process layer */
	void *plat_priv; /* owned by the platform; see plat_thread_free() */
};

/*
 * Adopt the calling (boot) context as thread "main" and create the idle
 * thread.  Call once, with interrupts disabled, after kmalloc_init().
 * Calling it again (unit tests) forgets every thread of the previous run.
 */
void sched_init(void);

/*
 * Create a kernel thread running fn(arg), runnable at once (it runs when
 * the scheduler picks it; the caller keeps the CPU).  Its stack is
 * KTHREAD_STACK_SIZE bytes from the page allocator.  name is copied
 * (truncated to THREAD_NAME_MAX - 1).  Returns NULL if out of memory.
 * Returning from fn is kthread_exit(0).  Someone must kthread_join() the
 * thread, unless it is kthread_detach()ed.
 */
struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg);

/*
 * kthread_create() with a stack of 2^stack_order pages: for threads that
 * run more than kernel code on it (a linked-mode program, proc/linked.c).
 */
struct thread *kthread_create_stack(const char *name, void (*fn)(void *),
				    void *arg, unsigned int stack_order);

/* End the calling thread with status; wakes its joiner. */
void kthread_exit(int status) __noreturn;

/*
 * Wait for t to exit, free it (stack and struct), and return its exit
 * status.  t must be a joinable thread other than the caller, joined once.
 */
int kthread_join(struct thread *t);

/*
 * Let t be freed as soon as it exits instead of by a join.  Do not touch
 * t afterwards.  If t already exited it is freed here.
 */
void kthread_detach(struct thread *t);

/* The running thread (changes only in a switch, interrupts off). */
extern struct thread *sched_cur;

static inline struct thread *sched_current(void)
{
	return sched_cur;
}

/*
 * Make t runnable if it is blocked (in any wait: queue, sleep, join); it
 * sees a spurious wakeup and re-checks what it waits for.  For signals and
 * the like.  Any context.  Returns true if t was blocked.
 */
bool sched_wake_thread(struct thread *t);

/* Give the CPU to the next runnable thread, if any; return when rescheduled. */
void sched_yield(void);

/* Sleep at least ns nanoseconds of monotonic time (0: just yield). */
void sched_sleep_ns(uint64_t ns);
/* Sleep until the monotonic clock reads at least deadline_ns. */
void sched_sleep_until(uint64_t deadline_ns);

/*
 * Forbid / allow involuntary switches (preemption) of the calling thread.
 * Nest.  Blocking while preemption is disabled is allowed (the count is
 * per thread) but defeats its purpose.  Enabling it again reschedules if
 * a preemption was requested meanwhile.
 */
void sched_preempt_disable(void);
void sched_preempt_enable(void);

/* CPU time t has used so far (includes the running slice). */
uint64_t sched_runtime_ns(struct thread *t);

/* Statistics. */
uint64_t sched_context_switches(void);
uint64_t sched_idle_ns(void); /* CPU time of the idle thread */
/*
 * The 1, 5 and 15 minute load averages (fixed point, 11 fraction bits,
 * as Linux's avenrun) and the threads runnable now.  sched_load_start()
 * starts the 5-second sampling (kos_main(), after timer_init()).
 */
void sched_loadavg(unsigned long out[3], unsigned int *runnable);
void sched_load_start(void);
unsigned int sched_nr_threads(void); /* live threads, idle excluded */

/* Log every thread with its state and statistics (debugging). */
void sched_dump(void);

#endif
