/*
 * Thread groups: exit ends one thread, exit_group and fatal signals end
 * all; the leader's exit status is reported once the last thread is
 * gone; thread- and process-directed signals (tgkill, kill, per-thread
 * masks and pending sets); many threads at once.  Threads come from raw
 * clone (ct_thr_start) and use raw system calls only.  Staged (issue 8).
 */
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "thread"

/* A thread that waits (futex, bounded) until *gate != 0, then exits. */
static int wait_gate(void *arg)
{
	volatile int *gate = arg;

	for (int i = 0; i < 500 && !*gate; i++)
		ct_futex_wait(gate, 0, 10);
	return 0;
}

static void open_gate(volatile int *gate)
{
	*gate = 1;
	ct_futex_wake(gate, 100);
}

CONTRACT_TEST(exit_one)
{
	static volatile int gate;
	struct ct_thr a, b;

	gate = 0;
	ct_thr_start(&a, CT_THREAD_FLAGS, wait_gate, (void *)&gate);
	ct_thr_start(&b, CT_THREAD_FLAGS, wait_gate, (void *)&gate);
	CHECK("two threads", a.tid > 0 && b.tid > 0);
	CHECK_RET("tgkill(self, thread, 0)", syscall(SYS_tgkill, 1, a.tid, 0),
		  0);
	CHECK_RET("kill(thread's tid, 0)", syscall(SYS_kill, a.tid, 0), 0);
	open_gate(&gate);
	CHECK_RET("both exit", ct_thr_join(&a) + ct_thr_join(&b), 0);
	CHECK_ERR("tgkill(self, exited thread, 0)", ct_tgkill_gone(1, a.tid),
		  ESRCH);
	CHECK_RET("the process goes on", syscall(SYS_getpid), 1);
}

static int group_exit(void *arg)
{
	RAW1(SYS_exit_group, 7);
	return 0;
}

CONTRACT_TEST(exit_group_from_thread)
{
	pid_t pid = ct_fork();

	if (pid == 0) {
		static volatile int never;
		struct ct_thr t;

		ct_thr_start(&t, CT_THREAD_FLAGS, group_exit, NULL);
		for (int i = 0; i < 100; i++)
			ct_futex_wait(&never, 0, 50);
		_exit(1);
	}
	CHECK_STR("exit_group(7) in a thread ends the process",
		  ct_status(ct_wait(pid)), "exited 7");
}

struct late {
	volatile int gate, leader, order;
	int fd;
};

/* Waits for the gate and for the leader's exit (set_tid_address). */
static int late_thread(void *arg)
{
	struct late *l = arg;

	for (int i = 0; i < 500 && (!l->gate || l->leader); i++)
		ct_futex_wait(l->gate ? &l->leader : &l->gate,
			      l->gate ? l->leader : 0, 10);
	RAW3(SYS_write, l->fd, "T", 1);
	RAW1(SYS_exit, 5);
	return 0;
}

/* Exits at once; the leader waits for it, then exits. */
static int early_thread(void *arg)
{
	RAW1(SYS_exit, 5);
	return 0;
}

/*
 * The leader calls exit (3) and another thread exit (5): wait4 reports
 * the process only once both are gone, with the exit code of the thread
 * that exited last.
 */
static int leader_and_thread(int thread_last)
{
	struct late *l = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int p[2], st;
	char c = 0;
	pid_t pid;

	ct_pipe(p);
	l->gate = 0;
	l->leader = 1;
	l->fd = p[1];
	pid = ct_fork();
	if (pid == 0) {
		struct ct_thr t;

		syscall(SYS_set_tid_address, &l->leader);
		if (thread_last) {
			ct_thr_start(&t, CT_THREAD_FLAGS, late_thread, l);
		} else {
			ct_thr_start(&t, CT_THREAD_FLAGS, early_thread, l);
			ct_thr_join(&t);
		}
		syscall(SYS_exit, 3); /* the leader only */
	}
	close(p[1]);
	if (thread_last) {
		ct_msleep(20);
		CHECK_RET("wait4(WNOHANG) while a thread lives",
			  syscall(SYS_wait4, pid, &st, WNOHANG, NULL), 0);
		l->gate = 1;
		ct_futex_wake(&l->gate, 1);
	}
	st = ct_wait(pid);
	if (thread_last)
		CHECK_RET("the thread ran to its end first", read(p[0], &c, 1),
			  1);
	close(p[0]);
	munmap(l, PG);
	return st;
}

CONTRACT_TEST(leader_exits_first)
{
	CHECK_STR("status", ct_status(leader_and_thread(1)), "exited 5");
}

CONTRACT_TEST(leader_exits_last)
{
	CHECK_STR("status", ct_status(leader_and_thread(0)), "exited 3");
}

CONTRACT_TEST(fatal_signal_ends_all)
{
	int p[2];
	char c;
	pid_t pid;

	ct_pipe(p);
	pid = ct_fork();
	if (pid == 0) {
		static volatile int never;
		struct ct_thr t;

		ct_thr_start(&t, CT_THREAD_FLAGS, wait_gate, (void *)&never);
		write(p[1], "r", 1);
		for (int i = 0; i < 100; i++)
			ct_futex_wait(&never, 0, 50);
		_exit(1);
	}
	if (pid != CT_NOPID)
		read(p[0], &c, 1);
	CHECK_RET("SIGTERM to the process", kill(pid, SIGTERM), 0);
	CHECK_STR("status", ct_status(ct_wait(pid)), "killed SIGTERM");
	close(p[0]);
	close(p[1]);
}

static volatile long handled_tid;

static void record_tid(int sig, siginfo_t *si, void *uc)
{
	handled_tid = RAW0(SYS_gettid);
	ct_futex_wake((volatile int *)&handled_tid, 10);
}

static void wait_handled(void)
{
	for (int i = 0; i < 500 && !handled_tid; i++)
		ct_futex_wait((volatile int *)&handled_tid, 0, 10);
}

CONTRACT_TEST(tgkill_to_thread)
{
	static volatile int gate;
	struct ct_thr t;

	gate = 0;
	handled_tid = 0;
	ct_sigaction(SIGUSR1, record_tid, 0, 0);
	ct_thr_start(&t, CT_THREAD_FLAGS, wait_gate, (void *)&gate);
	CHECK_RET("tgkill(self, thread, SIGUSR1)",
		  syscall(SYS_tgkill, 1, t.tid, SIGUSR1), 0);
	wait_handled();
	CHECK("the handler ran in that thread", handled_tid == t.tid);
	handled_tid = 0;
	CHECK_RET("tkill(thread, SIGUSR1)", syscall(SYS_tkill, t.tid, SIGUSR1),
		  0);
	wait_handled();
	CHECK("the handler ran in that thread", handled_tid == t.tid);
	handled_tid = 0;
	CHECK_RET("tgkill(self, own tid, SIGUSR1)",
		  syscall(SYS_tgkill, 1, 1, SIGUSR1), 0);
	CHECK("the handler ran in the caller before tgkill returned",
	      handled_tid == 1);
	open_gate(&gate);
	ct_thr_join(&t);
	ct_sigdfl(SIGUSR1);
}

CONTRACT_TEST(process_signal_to_unblocked_thread)
{
	static volatile int gate;
	struct ct_thr t;

	gate = 0;
	handled_tid = 0;
	ct_sigaction(SIGUSR1, record_tid, 0, 0);
	ct_thr_start(&t, CT_THREAD_FLAGS, wait_gate, (void *)&gate);
	ct_block(CT_SIGBIT(SIGUSR1));
	CHECK_RET("kill(self, SIGUSR1) with SIGUSR1 blocked here",
		  kill(1, SIGUSR1), 0);
	wait_handled();
	CHECK("delivered to the thread that does not block it",
	      handled_tid == t.tid);
	CHECK_EQX("nothing left pending here", ct_pending(), 0);
	open_gate(&gate);
	ct_thr_join(&t);
	ct_setmask(0);
	ct_sigdfl(SIGUSR1);
}

struct pend {
	volatile int step, done;
	uint64_t seen[2], mask;
};

static int pend_thread(void *arg)
{
	struct pend *p = arg;
	uint64_t m = CT_SIGBIT(SIGUSR2);

	/* block USR2 as well: this thread's mask only */
	RAW4(SYS_rt_sigprocmask, SIG_BLOCK, &m, NULL, 8);
	RAW4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &p->mask, 8);
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < 500 && p->step <= s; i++)
			ct_futex_wait(&p->step, s, 10);
		RAW2(SYS_rt_sigpending, &p->seen[s], 8);
		p->done = s + 1;
		ct_futex_wake(&p->done, 1);
	}
	return 0;
}

CONTRACT_TEST(pending_per_thread)
{
	static struct pend p;
	struct ct_thr t;
	uint64_t set = CT_SIGBIT(SIGUSR1) | CT_SIGBIT(SIGUSR2);
	struct timespec ts = { 0, 0 };

	memset(&p, 0, sizeof(p));
	ct_block(CT_SIGBIT(SIGUSR1));
	ct_thr_start(&t, CT_THREAD_FLAGS, pend_thread, &p);
	syscall(SYS_tgkill, 1, 1, SIGUSR1);
	CHECK_EQX("pending here after tgkill(self)", ct_pending(),
		  CT_SIGBIT(SIGUSR1));
	p.step = 1;
	ct_futex_wake(&p.step, 1);
	ct_wait_value(&p.done, 1);
	CHECK_EQX("pending in the other thread", p.seen[0], 0);
	CHECK_EQX("the other thread's mask", p.mask,
		  CT_SIGBIT(SIGUSR1) | CT_SIGBIT(SIGUSR2));
	CHECK_EQX("this thread's mask", ct_getmask(), CT_SIGBIT(SIGUSR1));
	/* process-directed, blocked by both threads: shared pending */
	ct_block(CT_SIGBIT(SIGUSR2));
	kill(1, SIGUSR2);
	p.step = 2;
	ct_futex_wake(&p.step, 1);
	ct_wait_value(&p.done, 2);
	CHECK_EQX("process-directed SIGUSR2 pending in the other thread",
		  p.seen[1], CT_SIGBIT(SIGUSR2));
	CHECK_EQX("pending here", ct_pending(), set);
	ct_thr_join(&t);
	CHECK_RET("take SIGUSR1",
		  syscall(SYS_rt_sigtimedwait, &set, NULL, &ts, 8), SIGUSR1);
	CHECK_RET("take SIGUSR2",
		  syscall(SYS_rt_sigtimedwait, &set, NULL, &ts, 8), SIGUSR2);
	ct_setmask(0);
}

static volatile int counter;

static int count_thread(void *arg)
{
	__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
	return 0;
}

CONTRACT_TEST(many_threads)
{
	static struct ct_thr t[32];
	int started = 0, joined = 0, distinct = 1;

	counter = 0;
	for (int i = 0; i < 32; i++)
		started += ct_thr_start(&t[i], CT_THREAD_FLAGS, count_thread,
					NULL) > 0;
	for (int i = 0; i < 32; i++)
		joined += ct_thr_join(&t[i]) == 0;
	for (int i = 0; i < 32; i++)
		for (int j = 0; j < i; j++)
			distinct &= t[i].tid != t[j].tid;
	CHECK_EQ("threads started", started, 32);
	CHECK_EQ("threads joined", joined, 32);
	CHECK_EQ("increments", counter, 32);
	CHECK("tids distinct", distinct);
}
