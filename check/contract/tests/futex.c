/*
 * futex(2): errors (EINVAL, EFAULT, ENOSYS, EAGAIN), timeouts (relative
 * for WAIT, absolute for WAIT_BITSET, CLOCK_REALTIME), WAKE counts,
 * REQUEUE and CMP_REQUEUE, WAKE_OP, bitsets, EINTR and restart, shared
 * futexes between processes (and PRIVATE ones not shared), robust-list
 * cleanup when the owner dies.  Waiters are threads from ct_thr_start or
 * child processes.  Staged (issue 8).
 */
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "proclib.h"

#define CONTRACT_AREA "futex"

#define FUTEX_OP(op, oparg, cmp, cmparg)                                      \
	((((op)&0xf) << 28) | (((cmp)&0xf) << 24) | (((oparg)&0xfff) << 12) | \
	 ((cmparg)&0xfff))
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_GT 4

static long fx(volatile int *w, int op, int val, void *ts, volatile int *w2,
	       int val3)
{
	return syscall(SYS_futex, w, op, val, ts, w2, val3);
}

CONTRACT_TEST(errors)
{
	static int w[4] __attribute__((aligned(8)));
	struct timespec bad = { 0, 1000000000 }, neg = { -1, 0 };

	w[0] = 5;
	CHECK_ERR("WAIT, value differs", fx(w, FUTEX_WAIT, 4, NULL, NULL, 0),
		  EAGAIN);
	CHECK_ERR("WAIT, unaligned address",
		  fx((int *)((char *)w + 1), FUTEX_WAIT, 5, NULL, NULL, 0),
		  EINVAL);
	CHECK_ERR("WAIT, bad address",
		  fx(BAD_LOW, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT);
	CHECK_ERR("WAIT, tv_nsec 1e9", fx(w, FUTEX_WAIT, 5, &bad, NULL, 0),
		  EINVAL);
	CHECK_ERR("WAIT, negative timeout", fx(w, FUTEX_WAIT, 5, &neg, NULL, 0),
		  EINVAL);
	CHECK_ERR("WAIT, timeout at a bad address",
		  fx(w, FUTEX_WAIT, 5, BAD_LOW, NULL, 0), EFAULT);
	CHECK_ERR("op 99", fx(w, 99, 0, NULL, NULL, 0), ENOSYS);
	CHECK_ERR("WAKE | CLOCK_REALTIME",
		  fx(w, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0),
		  ENOSYS);
	CHECK_ERR("WAKE, bad address",
		  fx(BAD_LOW, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT);
	CHECK_ERR("WAKE, unaligned",
		  fx((int *)((char *)w + 2), FUTEX_WAKE, 1, NULL, NULL, 0),
		  EINVAL);
	CHECK_ERR("WAIT_BITSET, bitset 0",
		  fx(w, FUTEX_WAIT_BITSET, 5, NULL, NULL, 0), EINVAL);
	CHECK_ERR("WAKE_BITSET, bitset 0",
		  fx(w, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0), EINVAL);
	CHECK_ERR("CMP_REQUEUE, value differs",
		  fx(w, FUTEX_CMP_REQUEUE, 1, (void *)1, w + 1, 4), EAGAIN);
	CHECK_ERR("CMP_REQUEUE, negative nr_requeue",
		  fx(w, FUTEX_CMP_REQUEUE, 1, (void *)-1L, w + 1, 5), EINVAL);
	CHECK_ERR("CMP_REQUEUE, negative nr_wake",
		  fx(w, FUTEX_CMP_REQUEUE, -1, (void *)1, w + 1, 5), EINVAL);
	CHECK_ERR(
		"WAKE_OP, op 5",
		fx(w, FUTEX_WAKE_OP, 1, (void *)1, w + 1, FUTEX_OP(5, 0, 0, 0)),
		ENOSYS);
	CHECK_ERR("WAKE_OP, cmp 6",
		  fx(w, FUTEX_WAKE_OP, 1, (void *)1, w + 1,
		     FUTEX_OP(FUTEX_OP_SET, 0, 6, 0)),
		  ENOSYS);
	CHECK_ERR("WAIT | CLOCK_REALTIME (only the BITSET and PI waits)",
		  fx(w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 5, NULL, NULL, 0),
		  ENOSYS);
	CHECK_ERR("WAKE_OP, second word at a bad address",
		  fx(w, FUTEX_WAKE_OP, 1, (void *)1, BAD_LOW,
		     FUTEX_OP(FUTEX_OP_SET, 0, 0, 0)),
		  EFAULT);
}

CONTRACT_TEST(timeouts)
{
	static int w = 1;
	struct timespec rel = { 0, 10000000 }, abs, zero = { 0, 0 };

	CHECK_ERR("WAIT 10 ms", fx(&w, FUTEX_WAIT, 1, &rel, NULL, 0),
		  ETIMEDOUT);
	CHECK_ERR("WAIT timeout 0", fx(&w, FUTEX_WAIT, 1, &zero, NULL, 0),
		  ETIMEDOUT);
	CHECK_ERR("WAIT|PRIVATE 10 ms",
		  fx(&w, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 1, &rel, NULL, 0),
		  ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 10000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	CHECK_ERR("WAIT_BITSET until monotonic now + 10 ms",
		  fx(&w, FUTEX_WAIT_BITSET, 1, &abs, NULL,
		     FUTEX_BITSET_MATCH_ANY),
		  ETIMEDOUT);
	CHECK_ERR("WAIT_BITSET absolute 0 (past)",
		  fx(&w, FUTEX_WAIT_BITSET, 1, &zero, NULL,
		     FUTEX_BITSET_MATCH_ANY),
		  ETIMEDOUT);
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 10000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	CHECK_ERR("WAIT_BITSET|CLOCK_REALTIME until now + 10 ms",
		  fx(&w, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 1, &abs,
		     NULL, FUTEX_BITSET_MATCH_ANY),
		  ETIMEDOUT);
}

/* Waiter threads: each waits on *word, then counts itself in done. */
struct waiters {
	volatile int a, b, started, done, woke[8];
	unsigned bits[8];
	struct ct_thr t[8];
};

struct warg {
	struct waiters *w;
	int i;
	volatile int *word;
};

static struct warg wargs[8];

static int waiter(void *arg)
{
	struct warg *a = arg;
	long r;

	__atomic_add_fetch(&a->w->started, 1, __ATOMIC_SEQ_CST);
	if (a->w->bits[a->i])
		r = RAW6(SYS_futex, a->word, FUTEX_WAIT_BITSET, 0, 0, 0,
			 a->w->bits[a->i]);
	else
		r = RAW4(SYS_futex, a->word, FUTEX_WAIT, 0, 0);
	a->w->woke[a->i] = r == 0 ? 1 : (int)r;
	__atomic_add_fetch(&a->w->done, 1, __ATOMIC_SEQ_CST);
	ct_futex_wake(&a->w->done, 1);
	return 0;
}

/*
 * How many wait on word: requeue them all to a spare word and back (no
 * one is woken).  Lets a test wait until its waiters have blocked.
 */
static long waiters_on(volatile int *word)
{
	static int spare;
	long n = fx(word, FUTEX_CMP_REQUEUE, 0, (void *)0x7fffffffL, &spare,
		    *word);

	fx(&spare, FUTEX_CMP_REQUEUE, 0, (void *)0x7fffffffL, word, spare);
	return n;
}

static void until_waiting(volatile int *word, int n)
{
	for (int i = 0; i < 1000 && waiters_on(word) < n; i++)
		ct_msleep(1);
}

/* Start waiters from..n-1 on word and wait until they block. */
static void start_from(struct waiters *w, int from, int n, volatile int *word)
{
	for (int i = from; i < n; i++) {
		wargs[i].w = w;
		wargs[i].i = i;
		wargs[i].word = word;
		ct_thr_start(&w->t[i], CT_THREAD_FLAGS, waiter, &wargs[i]);
	}
	until_waiting(word, n - from);
}

static void start_waiters(struct waiters *w, int n, volatile int *word)
{
	start_from(w, 0, n, word);
}

static void wait_done(struct waiters *w, int n)
{
	for (int i = 0; i < 500 && w->done < n; i++)
		ct_futex_wait(&w->done, w->done, 10);
}

static void join_all(struct waiters *w, int n)
{
	for (int i = 0; i < n; i++)
		ct_thr_join(&w->t[i]);
}

CONTRACT_TEST(wake_counts)
{
	static struct waiters w;

	memset((void *)&w, 0, sizeof(w));
	CHECK_RET("WAKE with no waiters",
		  fx(&w.a, FUTEX_WAKE, 1, NULL, NULL, 0), 0);
	start_waiters(&w, 3, &w.a);
	CHECK_RET("WAKE 1 of 3", fx(&w.a, FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	wait_done(&w, 1);
	CHECK_EQ("one returned", w.done, 1);
	/* shared waiters on private memory have another key */
	CHECK_RET("WAKE|PRIVATE finds none of the (shared) waiters",
		  fx(&w.a, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 0x7fffffff, NULL,
		     NULL, 0),
		  0);
	CHECK_RET("WAKE 0 wakes one all the same",
		  fx(&w.a, FUTEX_WAKE, 0, NULL, NULL, 0), 1);
	CHECK_RET("WAKE INT_MAX: the last",
		  fx(&w.a, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0), 1);
	wait_done(&w, 3);
	CHECK_EQ("all returned 0", w.woke[0] + w.woke[1] + w.woke[2], 3);
	join_all(&w, 3);
}

CONTRACT_TEST(requeue)
{
	static struct waiters w;

	memset((void *)&w, 0, sizeof(w));
	start_waiters(&w, 4, &w.a);
	CHECK_RET("REQUEUE: wake 1, move 2 to b",
		  fx(&w.a, FUTEX_REQUEUE, 1, (void *)2, &w.b, 0), 3);
	wait_done(&w, 1);
	CHECK_EQ("one returned", w.done, 1);
	CHECK_RET("CMP_REQUEUE a -> b: wake 0, move all",
		  fx(&w.a, FUTEX_CMP_REQUEUE, 0, (void *)10, &w.b, 0), 1);
	CHECK_RET("WAKE a: none left", fx(&w.a, FUTEX_WAKE, 10, NULL, NULL, 0),
		  0);
	CHECK_RET("WAKE b: three", fx(&w.b, FUTEX_WAKE, 10, NULL, NULL, 0), 3);
	wait_done(&w, 4);
	CHECK_EQ("all returned", w.done, 4);
	join_all(&w, 4);
}

CONTRACT_TEST(wake_op)
{
	static struct waiters w;

	memset((void *)&w, 0, sizeof(w));
	start_waiters(&w, 2, &w.a);
	start_from(&w, 2, 3, &w.b);
	CHECK_RET("*b = 3; old (0) > 0? no: wake 1 on a",
		  fx(&w.a, FUTEX_WAKE_OP, 1, (void *)1, &w.b,
		     FUTEX_OP(FUTEX_OP_SET, 3, FUTEX_OP_CMP_GT, 0)),
		  1);
	CHECK_EQ("*b", w.b, 3);
	CHECK_RET("*b += 2; old (3) == 3: wake 1 on a and 1 on b",
		  fx(&w.a, FUTEX_WAKE_OP, 1, (void *)1, &w.b,
		     FUTEX_OP(FUTEX_OP_ADD, 2, FUTEX_OP_CMP_EQ, 3)),
		  2);
	CHECK_EQ("*b", w.b, 5);
	wait_done(&w, 3);
	CHECK_EQ("all three returned 0", w.woke[0] + w.woke[1] + w.woke[2], 3);
	CHECK_RET("no waiters: *b += 1 all the same",
		  fx(&w.a, FUTEX_WAKE_OP, 1, (void *)1, &w.b,
		     FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0)),
		  0);
	CHECK_EQ("*b", w.b, 6);
	CHECK_RET("oparg as a shift: *b = 1 << 4",
		  fx(&w.a, FUTEX_WAKE_OP, 1, (void *)1, &w.b,
		     FUTEX_OP(FUTEX_OP_SET | 8, 4, FUTEX_OP_CMP_EQ, 0)),
		  0);
	CHECK_EQ("*b", w.b, 16);
	join_all(&w, 3);
}

CONTRACT_TEST(bitset)
{
	static struct waiters w;

	memset((void *)&w, 0, sizeof(w));
	w.bits[0] = 1;
	w.bits[1] = 2;
	w.bits[2] = 3;
	start_waiters(&w, 3, &w.a);
	CHECK_RET("WAKE_BITSET 4: none match",
		  fx(&w.a, FUTEX_WAKE_BITSET, 10, NULL, NULL, 4), 0);
	CHECK_RET("WAKE_BITSET 2: two match (2 and 3)",
		  fx(&w.a, FUTEX_WAKE_BITSET, 10, NULL, NULL, 2), 2);
	wait_done(&w, 2);
	CHECK_EQ("the bitset-1 waiter still waits", w.woke[0], 0);
	CHECK_RET("plain WAKE matches any bitset",
		  fx(&w.a, FUTEX_WAKE, 10, NULL, NULL, 0), 1);
	wait_done(&w, 3);
	join_all(&w, 3);
}

static volatile int alarms;

static void on_alarm(int s)
{
	alarms++;
}

CONTRACT_TEST(eintr)
{
	static int w = 0;
	struct itimerval it = { { 0, 0 }, { 0, 10000 } };
	struct timespec ts = { 1, 0 };

	alarms = 0;
	ct_sigsimple(SIGALRM, on_alarm, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR("WAIT with a timeout, interrupted",
		  fx(&w, FUTEX_WAIT, 0, &ts, NULL, 0), EINTR);
	/* no timeout: only if SIGALRM can come */
	CHECK_ERR("WAIT without a timeout, interrupted (no SA_RESTART)",
		  setitimer(ITIMER_REAL, &it, NULL)
			  ? 0
			  : fx(&w, FUTEX_WAIT, 0, NULL, NULL, 0),
		  EINTR);
	ct_sigsimple(SIGALRM, on_alarm, SA_RESTART);
	setitimer(ITIMER_REAL, &it, NULL);
	/* long enough that a loaded machine under valgrind still sees
	 * the 10 ms signal first */
	ts.tv_sec = 5;
	ts.tv_nsec = 0;
	CHECK_ERR("WAIT 5 s, SA_RESTART handler at 10 ms",
		  fx(&w, FUTEX_WAIT, 0, &ts, NULL, 0), EINTR);
	CHECK_EQ("handler ran", alarms, 3);
	ct_sigdfl(SIGALRM);
}

/* A child waits on a MAP_SHARED word; the parent wakes it. */
CONTRACT_TEST(shared_between_processes)
{
	volatile int *m = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	m[0] = 0; /* the word */
	m[1] = 0; /* child is about to wait */
	pid = ct_fork();
	if (pid == 0) {
		struct timespec ts = { 5, 0 };
		long r;

		m[1] = 1;
		r = syscall(SYS_futex, m, FUTEX_WAIT, 0, &ts, NULL, 0);
		_exit(r == 0 ? 0 : 1);
	}
	until_waiting(m, 1);
	CHECK_RET("WAKE|PRIVATE from another process finds no one",
		  fx(m, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0), 0);
	CHECK_RET("shared WAKE wakes the child",
		  fx(m, FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	CHECK_STR("child", ct_status(ct_wait(pid)), "exited 0");
	munmap((void *)m, PG);
}

/* A shared file mapping: two mappings of the same file page are one
 * futex. */
CONTRACT_TEST(shared_file_mapping)
{
	static char zero[PG];
	int fd = open("/tmp/futex", O_RDWR | O_CREAT | O_TRUNC, 0644);
	volatile int *a, *b;
	pid_t pid;

	/* (written, not ftruncate'd: a page past EOF would be SIGBUS) */
	CHECK_RET("write a page", write(fd, zero, PG), PG);
	a = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("two mappings", a != b && a != MAP_FAILED && b != MAP_FAILED);
	if (a == MAP_FAILED || b == MAP_FAILED || lseek(fd, 0, SEEK_END) != PG)
		goto out;
	pid = ct_fork();
	if (pid == 0) {
		struct timespec ts = { 5, 0 };

		a[1] = 1;
		_exit(syscall(SYS_futex, a, FUTEX_WAIT, 0, &ts, NULL, 0) ? 1
									 : 0);
	}
	until_waiting(b, 1);
	CHECK_RET("WAKE through the other mapping",
		  fx(b, FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	CHECK_STR("child", ct_status(ct_wait(pid)), "exited 0");
out:
	munmap((void *)a, PG);
	munmap((void *)b, PG);
	close(fd);
	unlink("/tmp/futex");
}

/*
 * Robust list: a child holds a lock (its tid in the word, listed on its
 * robust list, a waiter bit set) and exits; the kernel marks the word
 * FUTEX_OWNER_DIED and wakes a waiter.
 */
struct robust {
	void *next; /* struct robust_list: the lock's list entry */
	int word;   /* the futex, at offset 8 */
	int pad;
};

struct robust_head {
	void *list;
	long offset;
	void *pending;
};

CONTRACT_TEST(robust_list)
{
	struct {
		struct robust_head head;
		struct robust lock, pend;
		volatile int tid;
	} *m = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	memset(m, 0, sizeof(*m));
	pid = ct_fork();
	if (pid == 0) {
		m->tid = syscall(SYS_gettid);
		m->lock.word = m->tid | FUTEX_WAITERS;
		m->lock.next = &m->head; /* circular: one entry */
		m->head.list = &m->lock;
		m->head.offset = 8;
		/* a lock being taken (list_op_pending), also ours */
		m->pend.word = m->tid;
		m->head.pending = &m->pend;
		syscall(SYS_set_robust_list, &m->head, sizeof(m->head));
		_exit(0);
	}
	CHECK_STR("owner", ct_status(ct_wait(pid)), "exited 0");
	CHECK("listed lock: OWNER_DIED | WAITERS, tid cleared",
	      (unsigned)m->lock.word == (FUTEX_OWNER_DIED | FUTEX_WAITERS));
	CHECK("pending lock: OWNER_DIED",
	      (unsigned)m->pend.word == FUTEX_OWNER_DIED);
	munmap(m, PG);
}

/* A lock held by someone else is left alone. */
CONTRACT_TEST(robust_list_other_owner)
{
	struct {
		struct robust_head head;
		struct robust lock;
	} *m = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	memset(m, 0, sizeof(*m));
	pid = ct_fork();
	if (pid == 0) {
		m->lock.word = 12345; /* not our tid */
		m->lock.next = &m->head;
		m->head.list = &m->lock;
		m->head.offset = 8;
		syscall(SYS_set_robust_list, &m->head, sizeof(m->head));
		_exit(0);
	}
	ct_wait(pid);
	CHECK_EQ("word untouched", m->lock.word, 12345);
	munmap(m, PG);
}

CONTRACT_TEST(get_robust_list)
{
	struct robust_head head = { &head, 0, NULL }, *got = NULL;
	size_t len = 0;

	CHECK_RET("set_robust_list", syscall(SYS_set_robust_list, &head, 24),
		  0);
	CHECK_RET("get_robust_list(0)",
		  syscall(SYS_get_robust_list, 0, &got, &len), 0);
	CHECK("head as set", got == &head);
	CHECK_EQ("len", len, 24);
	CHECK_ERR("get_robust_list(12345)",
		  syscall(SYS_get_robust_list, 12345, &got, &len), ESRCH);
	CHECK_ERR("get_robust_list, bad pointer",
		  syscall(SYS_get_robust_list, 0, BAD_LOW, &len), EFAULT);
}
