/*
 * Unit tests for file locks (libkos/fs/lock.c): byte-range arithmetic
 * (split, merge, conversion, ranges to the largest offset), conflicts
 * between owners and kinds, the order F_GETLK searches in, flock(2)'s
 * conversions, release by close (the POSIX rule through fd tables) and
 * by the last reference of a description, blocked requests woken by a
 * release, and deadlock detection.  Owners are made-up pointers: the
 * lock code only compares them.
 */
#include <kos/lock.h>

#include "fs_test.h"

#define A ((const void *)0x1000)
#define B ((const void *)0x2000)
#define C ((const void *)0x3000)
#define MAXOFF FILE_LOCK_MAX

static struct file *lf_open(void)
{
	struct file *f = t_open("/lockfile", O_RDWR | O_CREAT, NULL);

	ck_assert_ptr_nonnull(f);
	return f;
}

static struct file_lock req(const void *owner, int type, int64_t start,
			    int64_t end)
{
	struct file_lock l = { .start = start,
			       .end = end,
			       .type = type,
			       .kind = FILE_LOCK_POSIX,
			       .owner = owner,
			       .pid = (int)((uintptr_t)owner >> 12) };

	return l;
}

static int set(struct vnode *v, const void *owner, int type, int64_t start,
	       int64_t end)
{
	struct file_lock l = req(owner, type, start, end);

	return file_lock_posix(v, &l, false);
}

/*
 * v's list as text, "R0-9 W20-99 ..." with an owner letter when the
 * owner is not A ("B:W0-9").
 */
static const char *dump(struct vnode *v)
{
	static char buf[512];
	struct file_lock l[16];
	int n = file_lock_list(v, l, 16), len = 0;

	buf[0] = 0;
	for (int i = 0; i < n && i < 16; i++) {
		char end[24];

		if (l[i].end == MAXOFF)
			snprintf(end, sizeof(end), "max");
		else
			snprintf(end, sizeof(end), "%lld", (long long)l[i].end);
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s%c%lld-%s",
				i ? " " : "",
				l[i].owner == A	  ? ""
				: l[i].owner == B ? "B:"
				: l[i].owner == C ? "C:"
						  : "?:",
				l[i].type == F_RDLCK ? 'R' : 'W',
				(long long)l[i].start, end);
	}
	return buf;
}

START_TEST(test_lock_split_merge)
{
	struct file *f = lf_open();
	struct vnode *v = f->vnode;

	ck_assert_int_eq(set(v, A, F_WRLCK, 0, 99), 0);
	ck_assert_str_eq(dump(v), "W0-99");
	set(v, A, F_UNLCK, 10, 19);
	ck_assert_str_eq(dump(v), "W0-9 W20-99");
	set(v, A, F_RDLCK, 10, 19);
	ck_assert_str_eq(dump(v), "W0-9 R10-19 W20-99");
	set(v, A, F_RDLCK, 20, 24);
	ck_assert_str_eq(dump(v), "W0-9 R10-24 W25-99");
	set(v, A, F_WRLCK, 5, 34);
	ck_assert_str_eq(dump(v), "W0-99");
	/* adjacent locks of one type merge, of two types do not */
	set(v, A, F_WRLCK, 100, 109);
	ck_assert_str_eq(dump(v), "W0-109");
	set(v, A, F_RDLCK, 110, 119);
	ck_assert_str_eq(dump(v), "W0-109 R110-119");
	set(v, A, F_RDLCK, 200, 209);
	set(v, A, F_RDLCK, 120, 199);
	ck_assert_str_eq(dump(v), "W0-109 R110-209");
	/* one request over several locks of both types */
	set(v, A, F_RDLCK, 300, 309);
	set(v, A, F_WRLCK, 310, 319);
	set(v, A, F_RDLCK, 320, 329);
	set(v, A, F_RDLCK, 305, 324);
	ck_assert_str_eq(dump(v), "W0-109 R110-209 R300-329");
	/* splitting in the middle; unlocking what is not locked */
	set(v, A, F_WRLCK, 310, 319);
	ck_assert_str_eq(dump(v), "W0-109 R110-209 R300-309 W310-319 R320-329");
	set(v, A, F_UNLCK, 400, 500);
	set(v, A, F_UNLCK, 105, 315);
	ck_assert_str_eq(dump(v), "W0-104 W316-319 R320-329");
	set(v, A, F_UNLCK, 0, MAXOFF);
	ck_assert_str_eq(dump(v), "");
	ck_assert_ptr_null(v->locks); /* freed with the last lock */
	file_put(f);
}
END_TEST

START_TEST(test_lock_max_offset)
{
	struct file *f = lf_open();
	struct vnode *v = f->vnode;

	set(v, A, F_RDLCK, 1, MAXOFF);
	set(v, A, F_WRLCK, MAXOFF, MAXOFF);
	ck_assert_str_eq(dump(v),
			 "R1-9223372036854775806 W9223372036854775807-max");
	set(v, A, F_RDLCK, MAXOFF, MAXOFF);
	ck_assert_str_eq(dump(v), "R1-max");
	set(v, A, F_UNLCK, 50, MAXOFF);
	ck_assert_str_eq(dump(v), "R1-49");
	set(v, A, F_WRLCK, 50, MAXOFF);
	ck_assert_str_eq(dump(v), "R1-49 W50-max");
	set(v, A, F_RDLCK, 0, 0);
	ck_assert_str_eq(dump(v), "R0-49 W50-max");
	set(v, A, F_UNLCK, 0, MAXOFF);
	file_put(f);
}
END_TEST

START_TEST(test_lock_conflicts)
{
	struct file *f = lf_open();
	struct vnode *v = f->vnode;
	struct file_lock t;

	ck_assert_int_eq(set(v, A, F_RDLCK, 0, 9), 0);
	ck_assert_int_eq(set(v, B, F_RDLCK, 5, 14), 0); /* readers share */
	ck_assert_int_eq(set(v, B, F_WRLCK, 5, 5), -EAGAIN);
	ck_assert_int_eq(set(v, A, F_WRLCK, 0, 9), -EAGAIN);
	ck_assert_int_eq(set(v, A, F_WRLCK, 0, 4), 0);	 /* B's starts at 5 */
	ck_assert_int_eq(set(v, B, F_WRLCK, 10, 14), 0); /* its own only */
	ck_assert_str_eq(dump(v), "W0-4 R5-9 B:R5-9 B:W10-14");
	/* an unlock never conflicts; a failed request changes nothing */
	ck_assert_int_eq(set(v, C, F_UNLCK, 0, MAXOFF), 0);
	ck_assert_int_eq(set(v, C, F_WRLCK, 3, 12), -EAGAIN);
	ck_assert_str_eq(dump(v), "W0-4 R5-9 B:R5-9 B:W10-14");
	/* F_GETLK: the first conflict in list order, not by offset */
	t = req(C, F_RDLCK, 0, MAXOFF);
	file_lock_test(v, &t);
	ck_assert_int_eq(t.type, F_WRLCK);
	ck_assert_ptr_eq(t.owner, A);
	ck_assert_int_eq(t.start, 0);
	ck_assert_int_eq(t.end, 4);
	t = req(C, F_RDLCK, 5, MAXOFF);
	file_lock_test(v, &t);
	ck_assert_ptr_eq(t.owner, B);
	ck_assert_int_eq(t.start, 10);
	ck_assert_int_eq(t.pid, 2);
	t = req(A, F_WRLCK, 0, 4); /* its own lock is no conflict */
	file_lock_test(v, &t);
	ck_assert_int_eq(t.type, F_UNLCK);
	ck_assert_int_eq(t.end, 4);
	/* F_UNLCK asks for the owner's own locks */
	t = req(B, F_UNLCK, 7, 7);
	file_lock_test(v, &t);
	ck_assert_int_eq(t.type, F_RDLCK);
	ck_assert_ptr_eq(t.owner, B);
	t = req(C, F_UNLCK, 0, MAXOFF);
	file_lock_test(v, &t);
	ck_assert_int_eq(t.type, F_UNLCK);
	set(v, A, F_UNLCK, 0, MAXOFF);
	set(v, B, F_UNLCK, 0, MAXOFF);
	ck_assert_ptr_null(v->locks);
	file_put(f);
}
END_TEST

/* An owner's locks keep their place in the list when they change. */
START_TEST(test_lock_owner_order)
{
	struct file *f = lf_open();
	struct vnode *v = f->vnode;
	struct file_lock t;

	set(v, B, F_WRLCK, 50, 59);
	set(v, A, F_WRLCK, 0, 9);
	set(v, B, F_WRLCK, 60, 69); /* merged: B stays first */
	set(v, B, F_RDLCK, 50, 69); /* converted: still first */
	ck_assert_str_eq(dump(v), "B:R50-69 W0-9");
	t = req(C, F_WRLCK, 0, MAXOFF);
	file_lock_test(v, &t);
	ck_assert_ptr_eq(t.owner, B);
	set(v, B, F_UNLCK, 0, MAXOFF);
	set(v, B, F_RDLCK, 20, 29); /* a new run goes last */
	ck_assert_str_eq(dump(v), "W0-9 B:R20-29");
	set(v, A, F_UNLCK, 0, MAXOFF);
	set(v, B, F_UNLCK, 0, MAXOFF);
	file_put(f);
}
END_TEST

/* OFD locks are owned by a description and meet POSIX locks. */
START_TEST(test_lock_ofd_kinds)
{
	struct file *f = lf_open(), *g = lf_open();
	struct vnode *v = f->vnode;
	struct file_lock o = req(f, F_WRLCK, 0, 9), t;

	o.kind = FILE_LOCK_OFD;
	ck_assert_int_eq(file_lock_posix(v, &o, false), 0);
	ck_assert_int_eq(set(v, A, F_RDLCK, 5, 5), -EAGAIN);
	o.owner = g;
	o.type = F_RDLCK;
	ck_assert_int_eq(file_lock_posix(v, &o, false), -EAGAIN);
	t = req(A, F_RDLCK, 0, 0);
	file_lock_test(v, &t);
	ck_assert_int_eq(t.kind, FILE_LOCK_OFD);
	ck_assert_ptr_eq(t.owner, f);
	/* closing another description or fd leaves it; the last put not */
	file_lock_close(g, A);
	file_put(g);
	ck_assert_str_eq(dump(v), "?:W0-9");
	file_put(f);
	ck_assert_ptr_null(v->locks);
}
END_TEST

START_TEST(test_lock_flock)
{
	struct file *a = lf_open(), *b = lf_open();
	struct vnode *v = a->vnode;

	ck_assert_int_eq(file_lock_flock(a, F_WRLCK, false), 0);
	ck_assert_int_eq(file_lock_flock(a, F_WRLCK, false), 0);
	ck_assert_int_eq(file_lock_flock(b, F_RDLCK, false), -EAGAIN);
	ck_assert_int_eq(file_lock_flock(a, F_RDLCK, false), 0);
	ck_assert_int_eq(file_lock_flock(b, F_RDLCK, false), 0);
	/* a conversion drops the old lock first: a failed one lost it */
	ck_assert_int_eq(file_lock_flock(a, F_WRLCK, false), -EAGAIN);
	ck_assert_int_eq(file_lock_flock(b, F_WRLCK, false), 0);
	/* flock and POSIX locks do not meet */
	ck_assert_int_eq(set(v, A, F_WRLCK, 0, MAXOFF), 0);
	ck_assert_str_eq(dump(v), "W0-max");
	set(v, A, F_UNLCK, 0, MAXOFF);
	/* the last reference releases */
	file_get(b);
	file_put(b);
	ck_assert_int_eq(file_lock_flock(a, F_RDLCK, false), -EAGAIN);
	file_put(b);
	ck_assert_int_eq(file_lock_flock(a, F_RDLCK, false), 0);
	ck_assert_int_eq(file_lock_flock(a, F_UNLCK, false), 0);
	ck_assert_int_eq(file_lock_flock(a, F_UNLCK, false), 0);
	ck_assert_ptr_null(v->locks);
	file_put(a);
}
END_TEST

/* The POSIX close rule, driven by an fd table (the owner). */
START_TEST(test_lock_close_rule)
{
	struct fdtable *t = fdtable_create(), *other = fdtable_create();
	struct file *f = lf_open(), *g = lf_open(), *n;
	struct vnode *v = f->vnode;
	int fd, gd;

	n = t_open("/dev/null", O_RDWR, NULL);
	fd = fdt_install(t, f, 0, false);
	gd = fdt_install(t, g, 0, true);
	ck_assert_int_eq(fdt_install(t, n, 0, false), 2);
	ck_assert_int_eq(set(v, t, F_WRLCK, 0, 9), 0);
	ck_assert_int_eq(set(v, other, F_WRLCK, 20, 29), 0);
	fdt_close(t, 2); /* another file */
	ck_assert_int_eq(file_lock_list(v, NULL, 0), 2);
	file_get(g);
	fdt_close(t, gd); /* another fd for the file: t's locks go */
	ck_assert_int_eq(file_lock_list(v, NULL, 0), 1);
	/* dup2 over an fd for the file */
	gd = fdt_install(t, g, 0, true);
	set(v, t, F_WRLCK, 0, 9);
	ck_assert_int_eq(fdt_dup3(t, fd, gd, -1), gd);
	ck_assert_int_eq(file_lock_list(v, NULL, 0), 1);
	/* close-on-exec */
	gd = fdt_dup(t, fd, 0, true);
	set(v, t, F_WRLCK, 0, 9);
	fdtable_close_on_exec(t);
	ck_assert_int_eq(file_lock_list(v, NULL, 0), 1);
	/* the table's end */
	set(v, t, F_WRLCK, 0, 9);
	fdtable_destroy(t);
	ck_assert_str_eq(dump(v), "?:W20-29");
	set(v, other, F_UNLCK, 0, MAXOFF);
	fdtable_destroy(other);
	ck_assert_ptr_null(v->locks);
}
END_TEST

/* ---- blocked requests (kernel threads) ---------------------------------- */

struct waiter_arg {
	struct vnode *v;
	struct file_lock req;
	int result;
	bool done;
};

static void waiter_fn(void *p)
{
	struct waiter_arg *w = p;

	w->result = file_lock_posix(w->v, &w->req, true);
	w->done = true;
}

/* Run the other threads until t sleeps. */
static void until_blocked(struct thread *t)
{
	for (int i = 0; i < 100 && t->state != THREAD_BLOCKED; i++)
		sched_yield();
	ck_assert_int_eq(t->state, THREAD_BLOCKED);
}

START_TEST(test_lock_wait_wakes)
{
	struct file *f = lf_open();
	struct waiter_arg w = { f->vnode, req(B, F_WRLCK, 5, 5), 0, false };
	struct thread *t;

	set(w.v, A, F_RDLCK, 0, 9);
	t = kthread_create("locker", waiter_fn, &w);
	until_blocked(t);
	/* a change elsewhere does not let it through */
	set(w.v, A, F_RDLCK, 20, 29);
	ck_assert(!w.done);
	set(w.v, A, F_UNLCK, 0, 4); /* shrinks the blocker: it retries */
	until_blocked(t);
	ck_assert(!w.done);
	set(w.v, A, F_UNLCK, 5, 5);
	ck_assert_int_eq(kthread_join(t), 0);
	ck_assert(w.done);
	ck_assert_int_eq(w.result, 0);
	ck_assert_str_eq(dump(w.v), "R6-9 R20-29 B:W5-5");
	set(w.v, A, F_UNLCK, 0, MAXOFF);
	set(w.v, B, F_UNLCK, 0, MAXOFF);
	file_put(f);
}
END_TEST

START_TEST(test_lock_deadlock)
{
	struct file *f = lf_open();
	struct waiter_arg w = { f->vnode, req(B, F_WRLCK, 0, 0), 0, false };
	struct waiter_arg w2 = { f->vnode, req(C, F_WRLCK, 1, 1), 0, false };
	struct file_lock r = req(A, F_WRLCK, 2, 2);
	struct thread *t, *t2;

	set(w.v, A, F_WRLCK, 0, 0);
	set(w.v, B, F_WRLCK, 1, 1);
	set(w.v, C, F_WRLCK, 2, 2);
	t = kthread_create("B", waiter_fn, &w); /* B waits for A */
	until_blocked(t);
	t2 = kthread_create("C", waiter_fn, &w2); /* C waits for B */
	until_blocked(t2);
	/* A waiting for C closes the cycle A -> C -> B -> A */
	ck_assert_int_eq(file_lock_posix(w.v, &r, true), -EDEADLK);
	ck_assert_int_eq(file_lock_posix(w.v, &r, false), -EAGAIN);
	set(w.v, A, F_UNLCK, 0, 0); /* B gets byte 0 */
	ck_assert_int_eq(kthread_join(t), 0);
	ck_assert_int_eq(w.result, 0);
	set(w.v, B, F_UNLCK, 0, MAXOFF); /* C gets byte 1 */
	ck_assert_int_eq(kthread_join(t2), 0);
	ck_assert_int_eq(w2.result, 0);
	ck_assert_str_eq(dump(w.v), "C:W1-2");
	set(w.v, C, F_UNLCK, 0, MAXOFF);
	file_put(f);
}
END_TEST

Suite *lock_suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = fs_test_tcase("core");

	tcase_add_test(tc, test_lock_split_merge);
	tcase_add_test(tc, test_lock_max_offset);
	tcase_add_test(tc, test_lock_conflicts);
	tcase_add_test(tc, test_lock_owner_order);
	tcase_add_test(tc, test_lock_ofd_kinds);
	tcase_add_test(tc, test_lock_flock);
	tcase_add_test(tc, test_lock_close_rule);
	tcase_add_test(tc, test_lock_wait_wakes);
	tcase_add_test(tc, test_lock_deadlock);
	suite_add_tcase(s, tc);
	return s;
}
