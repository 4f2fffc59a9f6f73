/*
 * Futexes (kos/futex.h): sleeping on a user word and waking its sleepers.
 *
 * A futex is named by a key: for a private futex (FUTEX_PRIVATE_FLAG, or
 * a word in private memory) the address space and the address; for a
 * word in a shared mapping the physical address of the word, so
 * processes mapping the same page meet.  Waiters queue on one hash table
 * of lists, each waiter with its own wait queue, so WAKE, REQUEUE and
 * WAKE_OP can pick exactly the waiters they mean.
 *
 * WAIT compares the user word with the expected value and queues itself
 * with futex_lock held, so a WAKE after the user changed the word cannot
 * slip in between.  A waiter is woken by being taken off its list, so
 * after the sleep "still queued" means timeout or signal.
 *
 * At thread exit (and execve) the thread's robust list is walked: every
 * futex word the dying thread owns gets FUTEX_OWNER_DIED and one waiter
 * is woken; clear_child_tid is zeroed and woken (CLONE_CHILD_CLEARTID,
 * what pthread_join waits for) when other threads share the memory.
 *
 * Locking: futex_lock (mutex) guards the hash table and every waiter's
 * key and queued flag; it is taken before an address space's lock.
 */
#include <kos/futex.h>
#include <kos/kmalloc.h>
#include <kos/mutex.h>
#include <kos/sched.h>
#include <kos/signal.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/errno.h>

#include "internal.h"

#define FUTEX_BUCKETS 64
#define ROBUST_LIST_LIMIT 2048

struct futex_key {
	const void *space; /* vm_space for private keys, NULL if shared */
	unsigned long addr;
};

struct futex_waiter {
	struct list_head link; /* futex_lock: on its bucket */
	struct futex_key key;  /* futex_lock (REQUEUE moves it) */
	uint32_t bitset;
	bool queued; /* futex_lock */
	struct waitq wq;
};

static struct mutex futex_lock = MUTEX_INIT(futex_lock, "futex");
static struct list_head buckets[FUTEX_BUCKETS];
static bool buckets_ready;

static struct list_head *bucket(const struct futex_key *k)
{
	uint64_t h = (uint64_t)(unsigned long)k->space ^ k->addr;

	if (!buckets_ready) {
		for (int i = 0; i < FUTEX_BUCKETS; i++)
			list_init(&buckets[i]);
		buckets_ready = true;
	}
	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ULL;
	return &buckets[(h >> 58) % FUTEX_BUCKETS];
}

static bool key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->addr == b->addr;
}

/* The key of uaddr (aligned, user).  0, -EINVAL or -EFAULT. */
static int get_key(unsigned long uaddr, bool private, struct futex_key *k)
{
	bool shared;
	paddr_t pa;
	int err;

	if (uaddr & 3)
		return -EINVAL;
	if (!user_range_ok(uaddr, 4))
		return -EFAULT;
	if (private) {
		k->space = vm_current();
		k->addr = uaddr;
		return 0;
	}
	err = user_futex_key(uaddr, &shared, &pa);
	if (err)
		return err;
	if (shared) {
		k->space = NULL;
		k->addr = pa;
	} else {
		/*
		 * A shared-style futex on private memory: keyed by the
		 * address space too, but apart from FUTEX_PRIVATE_FLAG
		 * waiters on the same word (bit 0, free in an aligned
		 * address), as on Linux.
		 */
		k->space = vm_current();
		k->addr = uaddr | 1;
	}
	return 0;
}

/* Wake up to n waiters on k whose bitset meets bits.  futex_lock held. */
static int wake_locked(const struct futex_key *k, int n, uint32_t bits)
{
	struct list_head *b = bucket(k);
	struct futex_waiter *w, *tmp;
	int woken = 0;

	list_for_each_entry_safe (w, tmp, b, link) {
		if (woken >= n)
			break;
		if (!key_eq(&w->key, k) || !(w->bitset & bits))
			continue;
		list_del(&w->link);
		w->queued = false;
		waitq_wake_all(&w->wq);
		woken++;
	}
	return woken;
}

static bool waiter_done(void *arg)
{
	return !((struct futex_waiter *)arg)->queued;
}

long futex_wait(unsigned long uaddr, bool private, uint32_t val,
		uint64_t deadline_ns, uint32_t bitset)
{
	struct futex_waiter w;
	uint32_t cur;
	int err;

	if (!bitset)
		return -EINVAL;
	err = get_key(uaddr, private, &w.key);
	if (err)
		return err;
	w.bitset = bitset;
	waitq_init(&w.wq);
	mutex_lock(&futex_lock);
	err = user_u32_op(uaddr, NULL, NULL, &cur);
	if (err || cur != val) {
		mutex_unlock(&futex_lock);
		return err ? err : -EAGAIN;
	}
	w.queued = true;
	list_add_tail(&w.link, bucket(&w.key));
	mutex_unlock(&futex_lock);

	err = sig_wait(&w.wq, waiter_done, &w, deadline_ns);

	mutex_lock(&futex_lock);
	if (w.queued) {
		list_del(&w.link);
		w.queued = false;
	} else {
		err = 0; /* woken, whatever else happened */
	}
	mutex_unlock(&futex_lock);
	if (err == -EINTR)
		return deadline_ns == UINT64_MAX ? -ERESTARTSYS : -EINTR;
	return err;
}

long futex_wake(unsigned long uaddr, bool private, int n, uint32_t bitset)
{
	struct futex_key k;
	int err, woken;

	if (!bitset)
		return -EINVAL;
	err = get_key(uaddr, private, &k);
	if (err)
		return err;
	/* Linux counts after waking: 0 (or less) wakes one all the same. */
	mutex_lock(&futex_lock);
	woken = wake_locked(&k, n > 0 ? n : 1, bitset);
	mutex_unlock(&futex_lock);
	return woken;
}

long futex_requeue(unsigned long uaddr, bool private, int nwake, int nmove,
		   unsigned long uaddr2, bool cmp, uint32_t val3)
{
	struct futex_key k1, k2;
	struct futex_waiter *w, *tmp;
	uint32_t cur;
	int err, woken, moved = 0;

	if (nwake < 0 || nmove < 0)
		return -EINVAL;
	err = get_key(uaddr, private, &k1);
	if (!err)
		err = get_key(uaddr2, private, &k2);
	if (err)
		return err;
	mutex_lock(&futex_lock);
	if (cmp) {
		err = user_u32_op(uaddr, NULL, NULL, &cur);
		if (err || cur != val3) {
			mutex_unlock(&futex_lock);
			return err ? err : -EAGAIN;
		}
	}
	woken = wake_locked(&k1, nwake, FUTEX_BITSET_MATCH_ANY);
	list_for_each_entry_safe (w, tmp, bucket(&k1), link) {
		if (moved >= nmove)
			break;
		if (!key_eq(&w->key, &k1))
			continue;
		list_del(&w->link);
		w->key = k2;
		list_add_tail(&w->link, bucket(&k2));
		moved++;
	}
	mutex_unlock(&futex_lock);
	return woken + moved;
}

/* FUTEX_OP: *uaddr2 = oldval OP oparg; then compare oldval with cmparg. */
struct wake_op {
	unsigned int op, cmp;
	uint32_t oparg, cmparg;
};

static uint32_t apply_op(uint32_t old, void *arg)
{
	const struct wake_op *o = arg;

	switch (o->op) {
	case 0: /* SET */
		return o->oparg;
	case 1: /* ADD */
		return old + o->oparg;
	case 2: /* OR */
		return old | o->oparg;
	case 3: /* ANDN */
		return old & ~o->oparg;
	default: /* XOR */
		return old ^ o->oparg;
	}
}

long futex_wake_op(unsigned long uaddr, bool private, int nwake,
		   unsigned long uaddr2, int nwake2, uint32_t encoded)
{
	struct wake_op o = {
		.op = (encoded >> 28) & 7,
		.cmp = (encoded >> 24) & 15,
		.oparg = (encoded >> 12) & 0xfff,
		.cmparg = encoded & 0xfff,
	};
	struct futex_key k1, k2;
	uint32_t old;
	bool hit;
	int err, woken;

	if (encoded & (8U << 28)) /* FUTEX_OP_OPARG_SHIFT */
		o.oparg = o.oparg < 32 ? 1U << o.oparg : 0;
	if (o.op > 4 || o.cmp > 5)
		return -ENOSYS;
	err = get_key(uaddr, private, &k1);
	if (!err)
		err = get_key(uaddr2, private, &k2);
	if (err)
		return err;
	mutex_lock(&futex_lock);
	err = user_u32_op(uaddr2, apply_op, &o, &old);
	if (err) {
		mutex_unlock(&futex_lock);
		return err;
	}
	woken = wake_locked(&k1, nwake > 0 ? nwake : 1, FUTEX_BITSET_MATCH_ANY);
	switch (o.cmp) {
	case 0:
		hit = old == o.cmparg;
		break;
	case 1:
		hit = old != o.cmparg;
		break;
	case 2:
		hit = (int32_t)old < (int32_t)o.cmparg;
		break;
	case 3:
		hit = (int32_t)old <= (int32_t)o.cmparg;
		break;
	case 4:
		hit = (int32_t)old > (int32_t)o.cmparg;
		break;
	default:
		hit = (int32_t)old >= (int32_t)o.cmparg;
		break;
	}
	if (hit)
		woken += wake_locked(&k2, nwake2 > 0 ? nwake2 : 1,
				     FUTEX_BITSET_MATCH_ANY);
	mutex_unlock(&futex_lock);
	return woken;
}

/* ---- thread exit --------------------------------------------------------- */

struct owner_died {
	uint32_t tid;
	bool waiters;
	bool mine;
};

static uint32_t mark_owner_died(uint32_t old, void *arg)
{
	struct owner_died *od = arg;

	od->mine = (old & FUTEX_TID_MASK) == od->tid;
	if (!od->mine)
		return old;
	od->waiters = old & FUTEX_WAITERS;
	return (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
}

/* One robust futex word at uaddr: owner died, wake one waiter. */
static void robust_one(struct uthread *ut, unsigned long uaddr, bool pi)
{
	struct owner_died od = { .tid = (uint32_t)ut->tid };
	uint32_t old;

	if (user_u32_op(uaddr, mark_owner_died, &od, &old))
		return;
	if (od.mine && od.waiters && !pi)
		futex_wake(uaddr, false, 1, FUTEX_BITSET_MATCH_ANY);
}

/* Walk ut's robust list (struct robust_list_head in user memory). */
static void robust_cleanup(struct uthread *ut)
{
	uint64_t head[3]; /* next, futex_offset, list_op_pending */
	unsigned long entry, pending;
	int64_t off;

	if (!ut->robust_list ||
	    copy_from_user(head, (void *)ut->robust_list, sizeof(head)))
		return;
	off = (int64_t)head[1];
	pending = head[2] & ~1UL;
	entry = head[0];
	for (int n = 0; n < ROBUST_LIST_LIMIT && entry != ut->robust_list;
	     n++) {
		uint64_t next;
		bool pi = entry & 1;

		entry &= ~1UL;
		if (!entry ||
		    copy_from_user(&next, (void *)entry, sizeof(next)))
			break;
		if (entry != pending)
			robust_one(ut, entry + off, pi);
		entry = next;
	}
	if (pending)
		robust_one(ut, pending + off, head[2] & 1);
}

void futex_exit_cleanup(struct uthread *ut)
{
	if (!ut->vm)
		return;
	robust_cleanup(ut);
	ut->robust_list = 0;
	if (ut->clear_child_tid &&
	    __atomic_load_n(&ut->vm->users, __ATOMIC_RELAXED) > 1) {
		uint32_t zero = 0;
		unsigned long a = ut->clear_child_tid;

		if (!copy_to_user((void *)a, &zero, sizeof(zero)))
			futex_wake(a, false, 1, FUTEX_BITSET_MATCH_ANY);
	}
	ut->clear_child_tid = 0;
}
