/*
 * File locks (see kos/lock.h for the model).
 *
 * Layers, bottom up:
 *
 *   records     struct file_lock on a file's two lists (struct
 *               file_lock_ctx, hung off vnode->locks while any lock
 *               exists): "posix" for POSIX and OFD locks, "flock" for
 *               flock(2) locks.
 *   waiters     a blocked request (struct lock_waiter, on the requesting
 *               thread's stack) is on one global list with the record it
 *               waits for.  Whoever changes or frees a record takes its
 *               waiters off that list and wakes them; they retry from
 *               scratch.  The list also answers the deadlock detector's
 *               question "what is this owner waiting for?".
 *   runs        a POSIX/OFD request only ever edits its owner's own
 *               records, which sit together in the list (one "run",
 *               sorted by start).  run_apply() does the byte-range
 *               arithmetic on the run taken out of the list; the run then
 *               goes back where it was, so other owners' order holds.
 *   entry points  file_lock_posix/test/flock/close/release/list.
 *
 * Locking: lock_mutex guards every ctx, every record and the waiter list.
 * Nothing here is on a hot path, so one mutex for all files is enough.
 * It is never held across a sleep: a waiter queues itself, drops it and
 * sleeps on its own wait queue.
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/lock.h>
#include <kos/mutex.h>
#include <kos/signal.h>
#include <kos/vfs.h>
#include <kos/waitq.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

/* A file's locks (vnode->locks); freed when both lists are empty. */
struct file_lock_ctx {
	struct list_head posix; /* POSIX and OFD records, runs by owner */
	struct list_head flock; /* flock(2) records */
};

/* A request that sleeps until blocker changes. */
struct lock_waiter {
	struct list_head link;		 /* on lock_waiters while queued */
	const struct file_lock *blocker; /* NULL once woken by a change */
	const void *owner;		 /* the request's owner */
	struct waitq wq;		 /* only this waiter sleeps here */
};

static struct mutex lock_mutex = MUTEX_INIT(lock_mutex, "file_lock");
static LIST_HEAD(lock_waiters); /* lock_mutex */

/*
 * How many links of a waits-for chain the deadlock detector follows
 * before it gives up, as Linux's (MAX_DEADLK_ITERATIONS): a longer
 * cycle is not reported, its owners just wait.
 */
#define DEADLOCK_STEPS 11

/* ---- records and waiters (lock_mutex held) ---------------------------- */

static bool ranges_overlap(const struct file_lock *a, const struct file_lock *b)
{
	return a->start <= b->end && b->start <= a->end;
}

/* Two locks conflict if at least one is a write lock. */
static bool types_conflict(int a, int b)
{
	return a == F_WRLCK || b == F_WRLCK;
}

/*
 * l changed (shrank, or is about to be freed): its waiters leave the
 * waiter list and retry.
 */
static void lock_wake(const struct file_lock *l)
{
	struct lock_waiter *w, *tmp;

	list_for_each_entry_safe (w, tmp, &lock_waiters, link) {
		if (w->blocker != l)
			continue;
		list_del(&w->link);
		w->blocker = NULL;
		waitq_wake_all(&w->wq);
	}
}

/* Unlink and free l, waking its waiters. */
static void lock_drop(struct file_lock *l)
{
	lock_wake(l);
	list_del(&l->link);
	kfree(l);
}

/*
 * Sleep until blocker changes or goes, or a signal comes.  lock_mutex
 * held on entry and on return (dropped while asleep).  0 when it is worth
 * trying again, -ERESTARTSYS if a signal is pending.
 */
static int lock_wait(const struct file_lock *blocker, const void *owner)
{
	struct lock_waiter w = { .blocker = blocker, .owner = owner };
	struct waitq_entry e;
	int err = 0;

	waitq_init(&w.wq);
	list_add_tail(&w.link, &lock_waiters);
	waitq_prepare(&w.wq, &e);
	if (sig_pending()) {
		err = -ERESTARTSYS;
	} else {
		mutex_unlock(&lock_mutex);
		waitq_sleep(&e, UINT64_MAX);
		mutex_lock(&lock_mutex);
	}
	waitq_finish(&w.wq, &e);
	if (w.blocker) /* not woken by a change: still queued */
		list_del(&w.link);
	return err;
}

/*
 * What the owner of l is waiting for: the record a queued request of
 * that owner waits on, or NULL.  Like Linux, only requests blocked by a
 * POSIX lock count (OFD and flock locks have no process behind them).
 */
static const struct file_lock *waits_for(const struct file_lock *l)
{
	struct lock_waiter *w;

	list_for_each_entry (w, &lock_waiters, link)
		if (w->owner == l->owner && w->blocker->kind == FILE_LOCK_POSIX)
			return w->blocker;
	return NULL;
}

/*
 * Would owner waiting for blocker close a cycle?  Follow blocker's owner
 * to what it waits for, and so on, looking for owner.
 */
static bool lock_deadlock(const void *owner, const struct file_lock *blocker)
{
	for (int i = 0; i < DEADLOCK_STEPS; i++) {
		blocker = waits_for(blocker);
		if (!blocker)
			return false;
		if (blocker->owner == owner)
			return true;
	}
	return false;
}

/* v's ctx, created if need be; NULL if memory is short. */
static struct file_lock_ctx *ctx_get(struct vnode *v)
{
	struct file_lock_ctx *ctx = v->locks;

	if (ctx)
		return ctx;
	ctx = kmalloc(sizeof(*ctx));
	if (!ctx)
		return NULL;
	list_init(&ctx->posix);
	list_init(&ctx->flock);
	__atomic_store_n(&v->locks, ctx, __ATOMIC_RELEASE);
	return ctx;
}

/* Free v's ctx once it holds no lock (waiters never point at it). */
static void ctx_trim(struct vnode *v)
{
	struct file_lock_ctx *ctx = v->locks;

	if (!ctx || !list_empty(&ctx->posix) || !list_empty(&ctx->flock))
		return;
	__atomic_store_n(&v->locks, NULL, __ATOMIC_RELEASE);
	kfree(ctx);
}

/* Drop every record on list that owner holds. */
static void drop_owned(struct list_head *list, const void *owner)
{
	struct file_lock *l, *tmp;

	list_for_each_entry_safe (l, tmp, list, link)
		if (l->owner == owner)
			lock_drop(l);
}

/* ---- POSIX and OFD record locks ---------------------------------------- */

/* Does the (POSIX or OFD) lock l stand in req's way? */
static bool posix_conflict(const struct file_lock *req,
			   const struct file_lock *l)
{
	return l->owner != req->owner && ranges_overlap(req, l) &&
	       types_conflict(req->type, l->type);
}

static struct file_lock *posix_find_conflict(struct file_lock_ctx *ctx,
					     const struct file_lock *req)
{
	struct file_lock *l;

	list_for_each_entry (l, &ctx->posix, link)
		if (posix_conflict(req, l))
			return l;
	return NULL;
}

/*
 * Take owner's run out of list into run (emptied first), keeping its
 * order.  Returns the node the run stood before (the list head if it
 * was last or owner had none), where run_put_back() returns it.
 */
static struct list_head *run_take(struct list_head *list, const void *owner,
				  struct list_head *run)
{
	struct file_lock *l, *tmp;

	list_init(run);
	list_for_each_entry_safe (l, tmp, list, link) {
		if (l->owner == owner) {
			list_del(&l->link);
			list_add_tail(&l->link, run);
		} else if (!list_empty(run)) {
			return &l->link;
		}
	}
	return list;
}

static void run_put_back(struct list_head *run, struct list_head *before)
{
	while (!list_empty(run)) {
		struct file_lock *l =
			list_first_entry(run, struct file_lock, link);

		list_del(&l->link);
		list_add_tail(&l->link, before);
	}
}

/* Insert l into the sorted run: before the first record starting later. */
static void run_insert(struct list_head *run, struct file_lock *l)
{
	struct file_lock *pos;

	list_for_each_entry (pos, run, link)
		if (pos->start > l->start)
			break;
	list_add_tail(&l->link, &pos->link);
}

/*
 * Cut [s, e] out of l, a record of another type that overlaps it: l
 * shrinks, splits in two (the right part goes into *spare) or goes.
 */
static void run_cut(struct file_lock *l, int64_t s, int64_t e,
		    struct file_lock **spare)
{
	if (l->start < s && l->end > e) {
		struct file_lock *right = *spare;

		*spare = NULL;
		*right = *l;
		right->start = e + 1;
		list_add(&right->link, &l->link);
		l->end = s - 1;
		lock_wake(l);
	} else if (l->start < s) {
		l->end = s - 1;
		lock_wake(l);
	} else if (l->end > e) {
		l->start = e + 1;
		lock_wake(l);
	} else {
		lock_drop(l);
	}
}

/*
 * Apply req to run, one owner's records (sorted, disjoint, same-type
 * neighbours merged), and leave it so.  A lock of req's type absorbs the
 * records of that type it overlaps or touches (the first of them is
 * reused and grows, the others go); records of the other type lose the
 * bytes req covers; F_UNLCK only cuts.  spare[0] becomes the new record
 * and spare[1] a split's right half, if needed; used ones are set NULL.
 * Comparisons use "start - 1" rather than "end + 1", which would
 * overflow at FILE_LOCK_MAX.
 */
static void run_apply(struct list_head *run, const struct file_lock *req,
		      struct file_lock *spare[2])
{
	struct file_lock *l, *tmp, *merged = NULL;
	int64_t s = req->start, e = req->end;

	list_for_each_entry_safe (l, tmp, run, link) {
		if (l->end < s - 1)
			continue; /* wholly before, not touching */
		if (l->start - 1 > e)
			break; /* wholly after, not touching */
		if (l->type == req->type) {
			s = MIN(s, l->start);
			e = MAX(e, l->end);
			if (merged)
				lock_drop(l);
			else
				merged = l;
		} else if (l->end >= s && l->start <= e) {
			run_cut(l, s, e, &spare[1]);
		}
	}
	if (req->type == F_UNLCK)
		return;
	if (merged) {
		merged->start = s;
		merged->end = e;
		return;
	}
	l = spare[0];
	spare[0] = NULL;
	*l = *req;
	run_insert(run, l);
}

/* Apply req to v's list (the mutex held).  0 or -ENOLCK. */
static int posix_apply(struct vnode *v, const struct file_lock *req,
		       struct file_lock *spare[2])
{
	struct file_lock_ctx *ctx = v->locks;
	struct list_head run, *before;

	if (!ctx && req->type == F_UNLCK)
		return 0;
	ctx = ctx_get(v);
	if (!ctx)
		return -ENOLCK;
	before = run_take(&ctx->posix, req->owner, &run);
	run_apply(&run, req, spare);
	run_put_back(&run, before);
	ctx_trim(v);
	return 0;
}

int file_lock_posix(struct vnode *v, const struct file_lock *req, bool wait)
{
	/* At most two new records: the lock and a split's right half. */
	struct file_lock *spare[2] = { kmalloc(sizeof(struct file_lock)),
				       kmalloc(sizeof(struct file_lock)) };
	struct file_lock *blocker;
	int err;

	if (!spare[0] || !spare[1]) {
		err = -ENOLCK;
		goto out_free;
	}
	mutex_lock(&lock_mutex);
	for (;;) {
		blocker = NULL;
		if (req->type != F_UNLCK && v->locks)
			blocker = posix_find_conflict(v->locks, req);
		if (!blocker) {
			err = posix_apply(v, req, spare);
			break;
		}
		err = -EAGAIN;
		if (!wait)
			break;
		/* OFD locks have no process to wait for: never a deadlock. */
		err = -EDEADLK;
		if (req->kind == FILE_LOCK_POSIX &&
		    lock_deadlock(req->owner, blocker))
			break;
		err = lock_wait(blocker, req->owner);
		if (err)
			break;
	}
	mutex_unlock(&lock_mutex);
out_free:
	kfree(spare[0]);
	kfree(spare[1]);
	return err;
}

/* Is l what an F_UNLCK test asks for: req's owner's, overlapping it? */
static bool posix_test_match(const struct file_lock *req,
			     const struct file_lock *l)
{
	if (req->type == F_UNLCK)
		return l->owner == req->owner && ranges_overlap(req, l);
	return posix_conflict(req, l);
}

void file_lock_test(struct vnode *v, struct file_lock *req)
{
	struct file_lock *l;

	mutex_lock(&lock_mutex);
	if (v->locks) {
		list_for_each_entry (l, &v->locks->posix, link) {
			if (posix_test_match(req, l)) {
				*req = *l;
				mutex_unlock(&lock_mutex);
				return;
			}
		}
	}
	mutex_unlock(&lock_mutex);
	req->type = F_UNLCK;
}

int file_lock_list(struct vnode *v, struct file_lock *out, int max)
{
	struct file_lock *l;
	int n = 0;

	mutex_lock(&lock_mutex);
	if (v->locks) {
		list_for_each_entry (l, &v->locks->posix, link) {
			if (n < max)
				out[n] = *l;
			n++;
		}
	}
	mutex_unlock(&lock_mutex);
	return n;
}

/* ---- flock(2) ----------------------------------------------------------- */

static struct file_lock *flock_find(struct file_lock_ctx *ctx,
				    const struct file *f)
{
	struct file_lock *l;

	list_for_each_entry (l, &ctx->flock, link)
		if (l->owner == f)
			return l;
	return NULL;
}

static struct file_lock *flock_find_conflict(struct file_lock_ctx *ctx,
					     const struct file *f, int type)
{
	struct file_lock *l;

	list_for_each_entry (l, &ctx->flock, link)
		if (l->owner != f && types_conflict(type, l->type))
			return l;
	return NULL;
}

/*
 * One attempt (the mutex held, ctx present): 0 when done (*nl used if
 * set), 1 when blocker (*blocker) stands in the way.
 */
static int flock_try(struct file_lock_ctx *ctx, struct file *f, int type,
		     struct file_lock **nl, struct file_lock **blocker)
{
	struct file_lock *own = flock_find(ctx, f);

	if (own && own->type == type)
		return 0;
	/* A conversion is not atomic: the old lock goes first (Linux). */
	if (own)
		lock_drop(own);
	if (type == F_UNLCK)
		return 0;
	*blocker = flock_find_conflict(ctx, f, type);
	if (*blocker)
		return 1;
	(*nl)->type = type;
	(*nl)->kind = FILE_LOCK_FLOCK;
	(*nl)->owner = f;
	(*nl)->start = 0;
	(*nl)->end = FILE_LOCK_MAX;
	(*nl)->pid = 0;
	list_add_tail(&(*nl)->link, &ctx->flock);
	*nl = NULL;
	return 0;
}

int file_lock_flock(struct file *f, int type, bool wait)
{
	struct vnode *v = f->vnode;
	struct file_lock *nl = NULL, *blocker;
	struct file_lock_ctx *ctx;
	int err = 0;

	if (!v)
		return -ENOLCK;
	if (type != F_UNLCK) {
		nl = kmalloc(sizeof(*nl));
		if (!nl)
			return -ENOLCK;
	}
	mutex_lock(&lock_mutex);
	for (;;) {
		ctx = type == F_UNLCK ? v->locks : ctx_get(v);
		if (!ctx) {
			err = type == F_UNLCK ? 0 : -ENOLCK;
			break;
		}
		if (!flock_try(ctx, f, type, &nl, &blocker))
			break;
		err = -EAGAIN;
		if (!wait)
			break;
		err = lock_wait(blocker, f);
		if (err)
			break;
	}
	ctx_trim(v);
	mutex_unlock(&lock_mutex);
	kfree(nl);
	return err;
}

/* ---- release ------------------------------------------------------------ */

/*
 * The lockless look at v->locks: a NULL there means no lock at all, and
 * the locks this caller could release were set before it got here.
 */
static bool has_locks(const struct vnode *v)
{
	return v && __atomic_load_n(&v->locks, __ATOMIC_ACQUIRE);
}

void file_lock_close(struct file *f, const void *owner)
{
	struct vnode *v = f->vnode;

	if (!has_locks(v))
		return;
	mutex_lock(&lock_mutex);
	if (v->locks)
		drop_owned(&v->locks->posix, owner);
	ctx_trim(v);
	mutex_unlock(&lock_mutex);
}

void file_lock_release(struct file *f)
{
	struct vnode *v = f->vnode;

	if (!has_locks(v))
		return;
	mutex_lock(&lock_mutex);
	if (v->locks) {
		drop_owned(&v->locks->posix, f); /* OFD locks */
		drop_owned(&v->locks->flock, f);
	}
	ctx_trim(v);
	mutex_unlock(&lock_mutex);
}
