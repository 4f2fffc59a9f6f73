/*
 * epoll(7): epoll_create, epoll_create1, epoll_ctl, epoll_wait,
 * epoll_pwait, epoll_pwait2.
 *
 * An epoll instance is a file (f->priv: struct eventpoll) holding items,
 * one per (file, fd) added.  Readiness is pushed to it, not looked for:
 * at EPOLL_CTL_ADD an item hangs a callback entry (struct ep_hook) on
 * each wait queue its file's poll names, and a wake-up on one of them
 * puts the item on the instance's ready list (if it is not on it yet)
 * and wakes the instance's sleepers.  epoll_wait asks only the items on
 * the ready list (file_poll): one still ready is reported, and then a
 * level-triggered item goes back to the tail of the list (it is asked
 * again next time; a small maxevents does not starve the others), an
 * edge-triggered one waits for the next wake-up of its file's queues,
 * an EPOLLONESHOT one is disabled until EPOLL_CTL_MOD.  An item found not
 * ready just leaves the list.  So a wait costs O(ready items), as
 * Linux's does.  At ADD and MOD an item already ready goes on the list
 * at once.
 *
 * KOS's wake-ups carry no event bits (Linux's are keyed), so a queue
 * woken for writers also lists its readers' items; they are asked, found
 * not ready and dropped.  Edge-triggered means "at most one report per
 * wake-up of the file's queues while it is ready".
 *
 * Ownership.  An instance owns its items (ep->items); an item holds no
 * reference to its file.  An item is freed by EPOLL_CTL_DEL, by its
 * instance's release, or when its file's last reference goes -- file_put
 * calls epoll_forget() before the file's release, while the queues the
 * hooks hang on still exist (Linux's eventpoll_release) -- whichever
 * comes first; closing one of several fds of a file changes nothing.
 * Each file lists its items (file.ep_items), so neither the last put nor
 * a lookup searches.  ep_remove() takes an item's hooks off their queues
 * before freeing it, and callbacks run with interrupts off on a
 * uniprocessor, so none can be running on an item being freed.  A queue
 * freed while a hook hangs on it (a sighand's signalfd queue, which
 * signalfd's poll names) detaches the hook first (waitq_free_notify):
 * the item then hears nothing more from there, as after Linux's POLLFREE.
 *
 * The ready list has two parts.  Callbacks run inside a wake call
 * (interrupts off, any context, an interrupt included), so they only
 * push the item on ep->incoming, a lock-free stack: an atomic flag
 * (item.pending) keeps an item on it at most once, and a compare-and-
 * swap links it.  Whoever holds ep->lock takes the whole stack with one
 * exchange (incoming_drain), clears the flags and appends the items, in
 * the order they came, to ep->rdlist, which only ep->lock holders touch.
 * So epoll_wait masks no interrupts at all (under emulation each STI
 * ends a translation block), and a wake-up during a harvest is never
 * lost: the flag is cleared before the item is asked, so a later
 * wake-up pushes it again.
 *
 * Locking, in the order taken:
 *   ep_mutex       what involves two instances or the end of a file:
 *                  epoll_forget, epoll_release, and EPOLL_CTL_ADD of an
 *                  epoll file (its loop check; Linux's epnested_mutex).
 *   ep->lock       (mutex) an instance's items: ep->items, ep->rdlist and
 *                  every item's fields but pending and next_in.  Held by
 *                  epoll_ctl, by a harvest (epoll_wait) and by poll of
 *                  the epoll file.  An inner instance's lock nests inside
 *                  an outer one's (asking an inner instance takes its
 *                  lock); loops are refused at EPOLL_CTL_ADD.
 *   ep_files_lock  (spinlock) every file's ep_items and the items' flink.
 *   ep->incoming, item.pending, item.next_in: atomics, as above; a
 *                  pending item's next_in belongs to the stack.
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/mutex.h>
#include <kos/plat/cpu.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/signal.h>
#include <kos/spinlock.h>
#include <kos/syscalls.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/time.h>

#include "poll_internal.h"

#define EPOLLIN 0x001
#define EPOLLPRI 0x002
#define EPOLLOUT 0x004
#define EPOLLERR 0x008
#define EPOLLHUP 0x010
#define EPOLLRDNORM 0x040
#define EPOLLRDBAND 0x080
#define EPOLLWRNORM 0x100
#define EPOLLWRBAND 0x200
#define EPOLLMSG 0x400
#define EPOLLRDHUP 0x2000
#define EPOLLEXCLUSIVE (1U << 28)
#define EPOLLWAKEUP (1U << 29)
#define EPOLLONESHOT (1U << 30)
#define EPOLLET (1U << 31)
/* The bits that say how to report, not what. */
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EPOLL_EXCLUSIVE_OK                                                  \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | \
	 EPOLLEXCLUSIVE)
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLL_CLOEXEC 02000000
#define EP_MAX_NESTS 4
#define EP_MAX_EVENTS (0x7fffffff / 12)

struct epoll_event_k {
	uint32_t events;
	uint64_t data;
} __packed;

struct epitem;

/* An item's callback entry on one queue its file's poll named. */
struct ep_hook {
	struct waitq_entry e; /* on *wq while e.queued (interrupts off) */
	struct waitq *wq;     /* NULL once that queue was freed (same) */
	struct epitem *it;    /* constant */
};

/* One (file, fd) in one instance; see "Ownership" above. */
struct epitem {
	struct list_head link;	 /* ep->lock: on ep->items */
	struct list_head rdlink; /* ep->lock: on rdlist, a harvest's, none */
	struct list_head flink;	 /* ep_files_lock: on file->ep_items */
	struct epitem *next_in;	 /* on ep->incoming (while pending) */
	uint8_t pending;	 /* atomic: on ep->incoming */
	struct eventpoll *ep;	 /* constant */
	struct file *file;	 /* constant; not referenced */
	int fd;			 /* constant */
	/*
	 * ep->lock (callbacks read it): what was asked, with EPOLLERR |
	 * EPOLLHUP; only private bits left once EPOLLONESHOT reported.
	 */
	uint32_t events;
	uint64_t data; /* ep->lock */
	unsigned int nhooks;
	struct ep_hook hook[POLL_MAX_QUEUES];
};

struct eventpoll {
	struct mutex lock;
	struct list_head items;	 /* lock: struct epitem.link */
	struct list_head rdlist; /* lock: items to ask, struct epitem.rdlink */
	struct epitem *incoming; /* atomic: items woken, not yet on rdlist */
	/* Sleepers in epoll_wait, pollers of the epoll file, and the hooks
	 * of the instances it was added to. */
	struct waitq wq;
};

static struct mutex ep_mutex = MUTEX_INIT(ep_mutex, "epoll");
static struct spinlock ep_files_lock = SPINLOCK_INIT("epoll files");
static const struct file_ops epoll_fops;

static bool is_epoll(const struct file *f)
{
	return f->ops == &epoll_fops;
}

/* EPOLLONESHOT reported it: nothing to report until EPOLL_CTL_MOD. */
static bool item_disabled(uint32_t events)
{
	return !(events & ~EP_PRIVATE_BITS);
}

/*
 * The bits item it would report now (0: none).  ep->lock.  Its file has
 * a poll method (EPOLL_CTL_ADD checks).
 */
static uint32_t item_poll(struct epitem *it)
{
	uint32_t events = it->events;

	if (item_disabled(events))
		return 0;
	return it->file->ops->poll(it->file, NULL) & events & ~EP_PRIVATE_BITS;
}

/* A wake-up for it: onto ep->incoming unless it is on it.  Any context. */
static void incoming_push(struct eventpoll *ep, struct epitem *it)
{
	struct epitem *head;

	if (__atomic_exchange_n(&it->pending, 1, __ATOMIC_ACQ_REL))
		return;
	head = __atomic_load_n(&ep->incoming, __ATOMIC_RELAXED);
	do {
		it->next_in = head;
	} while (!__atomic_compare_exchange_n(&ep->incoming, &head, it, true,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

/* Put it on ep's ready list if it is on none.  ep->lock. */
static void ready_add(struct eventpoll *ep, struct epitem *it)
{
	if (list_empty(&it->rdlink))
		list_add_tail(&it->rdlink, &ep->rdlist);
}

/*
 * Move the items callbacks pushed onto ep's ready list, oldest first.
 * Each flag is cleared before its item can be asked: a wake-up after
 * that pushes it again.  ep->lock.
 */
static void incoming_move(struct eventpoll *ep)
{
	struct epitem *it, *next, *rev = NULL;

	it = __atomic_exchange_n(&ep->incoming, NULL, __ATOMIC_ACQUIRE);
	for (; it; it = next) { /* newest first: reverse */
		next = it->next_in;
		it->next_in = rev;
		rev = it;
	}
	for (it = rev; it; it = next) {
		next = it->next_in; /* before the flag: then it may move */
		__atomic_store_n(&it->pending, 0, __ATOMIC_RELEASE);
		ready_add(ep, it);
	}
}

static inline void incoming_drain(struct eventpoll *ep)
{
	if (__atomic_load_n(&ep->incoming, __ATOMIC_RELAXED))
		incoming_move(ep);
}

/* Anything to ask?  A hint, read without ep->lock. */
static bool ready_any(struct eventpoll *ep)
{
	return __atomic_load_n(&ep->incoming, __ATOMIC_RELAXED) ||
	       READ_ONCE(ep->rdlist.next) != &ep->rdlist;
}

/*
 * A hook's queue was woken (in the waker's context, interrupts off):
 * list the item as ready and wake the instance's sleepers.  Takes an
 * exclusive wake-up (EPOLLEXCLUSIVE) when someone was waiting for it.
 * A queue going away (WAITQ_FREEING, already unhooked) is a wake-up too,
 * as Linux's POLLFREE one: the item is asked once more.
 */
static bool ep_hook_wake(struct waitq_entry *e, unsigned int why)
{
	struct ep_hook *h = container_of(e, struct ep_hook, e);
	struct epitem *it = h->it;
	struct eventpoll *ep = it->ep;
	uint32_t events = READ_ONCE(it->events);
	bool took;

	if (why == WAITQ_FREEING)
		h->wq = NULL;
	if (item_disabled(events))
		return false;
	incoming_push(ep, it);
	took = (events & EPOLLEXCLUSIVE) && !waitq_empty(&ep->wq);
	waitq_wake_all(&ep->wq);
	return took;
}

/* List it as ready, and wake ep's sleepers, if it is ready now.
 * ep->lock. */
static void ep_check_ready(struct eventpoll *ep, struct epitem *it)
{
	if (item_poll(it)) {
		ready_add(ep, it);
		waitq_wake_all(&ep->wq);
	}
}

/*
 * Unhook and free it.  ep->lock held (so no harvest has a list of its
 * own): once the hooks are off nothing pushes it, and a drain takes it
 * off the stack if it is there.
 */
static void ep_remove(struct eventpoll *ep, struct epitem *it)
{
	unsigned long fl;

	for (unsigned int i = 0; i < it->nhooks; i++) {
		fl = plat_irq_save(); /* h->wq stays valid while we look */
		if (it->hook[i].wq)
			waitq_finish(it->hook[i].wq, &it->hook[i].e);
		plat_irq_restore(fl);
	}
	if (__atomic_load_n(&it->pending, __ATOMIC_ACQUIRE))
		incoming_drain(ep);
	if (!list_empty(&it->rdlink))
		list_del(&it->rdlink);
	list_del(&it->link);
	fl = spin_lock_irqsave(&ep_files_lock);
	list_del(&it->flink);
	spin_unlock_irqrestore(&ep_files_lock, fl);
	kfree(it);
}

/*
 * The epoll file's own readiness: POLLIN while an item on the ready list
 * is ready.  Items found not ready leave the list (they would be dropped
 * by the next harvest anyway); the rest keep their places.
 */
static unsigned int epoll_fpoll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->priv;
	unsigned int mask = 0;
	struct epitem *it;
	LIST_HEAD(look);

	poll_wait(pt, &ep->wq);
	mutex_lock(&ep->lock);
	incoming_drain(ep);
	list_splice_init(&ep->rdlist, &look);
	while (!list_empty(&look)) {
		it = list_first_entry(&look, struct epitem, rdlink);
		if (item_poll(it)) {
			mask = POLLIN | POLLRDNORM;
			break;
		}
		list_del(&it->rdlink);
	}
	list_splice_init(&look, &ep->rdlist);
	mutex_unlock(&ep->lock);
	return mask;
}

/*
 * The epoll file's last reference is gone (its own items went first if
 * it was in another instance: epoll_forget).  Nothing can wait on it any
 * more: epoll_wait holds a reference.
 */
static void epoll_release(struct file *f)
{
	struct eventpoll *ep = f->priv;

	mutex_lock(&ep_mutex);
	mutex_lock(&ep->lock);
	while (!list_empty(&ep->items))
		ep_remove(ep,
			  list_first_entry(&ep->items, struct epitem, link));
	mutex_unlock(&ep->lock);
	mutex_unlock(&ep_mutex);
	kfree(ep);
}

static const struct file_ops epoll_fops = {
	.poll = epoll_fpoll,
	.release = epoll_release,
};

void epoll_forget(struct file *f)
{
	mutex_lock(&ep_mutex);
	for (;;) {
		struct epitem *it = NULL;
		struct eventpoll *ep;
		unsigned long fl = spin_lock_irqsave(&ep_files_lock);

		if (!list_empty(&f->ep_items))
			it = list_first_entry(&f->ep_items, struct epitem,
					      flink);
		spin_unlock_irqrestore(&ep_files_lock, fl);
		if (!it)
			break;
		/* ep_mutex: it and its instance stay until we remove it. */
		ep = it->ep;
		mutex_lock(&ep->lock);
		ep_remove(ep, it);
		mutex_unlock(&ep->lock);
	}
	mutex_unlock(&ep_mutex);
}

static long epoll_new(int flags)
{
	struct fdtable *fdt = uthread_current()->fdt;
	struct eventpoll *ep = kzalloc(sizeof(*ep));
	struct file *f;
	int fd;

	if (!ep)
		return -ENOMEM;
	mutex_init(&ep->lock, "eventpoll");
	list_init(&ep->items);
	list_init(&ep->rdlist);
	waitq_init(&ep->wq);
	f = file_alloc(NULL, &epoll_fops, O_RDWR);
	if (!f) {
		kfree(ep);
		return -ENOMEM;
	}
	f->priv = ep;
	fd = fdt_install(fdt, f, 0, (flags & EPOLL_CLOEXEC) != 0);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE1(epoll_create1, __as_hex int, flags)
{
	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	return epoll_new(flags);
}

SYSCALL_DEFINE1(epoll_create, int, size)
{
	if (size <= 0)
		return -EINVAL;
	return epoll_new(0);
}

/*
 * Would adding target (an epoll file) under ep make a loop, or nest
 * epolls deeper than Linux allows?  depth: levels above target.
 * ep_mutex held: no other instance changes its epoll items meanwhile.
 */
static bool ep_loops(struct eventpoll *ep, struct file *target, int depth)
{
	struct eventpoll *inner = target->priv;
	struct epitem *it;
	bool bad = false;

	if (inner == ep || depth > EP_MAX_NESTS)
		return true;
	mutex_lock(&inner->lock);
	list_for_each_entry (it, &inner->items, link)
		if (is_epoll(it->file) && ep_loops(ep, it->file, depth + 1)) {
			bad = true;
			break;
		}
	mutex_unlock(&inner->lock);
	return bad;
}

/* ep's item for (f, fd), or NULL.  ep->lock held (it stays). */
static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	unsigned long fl = spin_lock_irqsave(&ep_files_lock);
	struct epitem *it, *found = NULL;

	list_for_each_entry (it, &f->ep_items, flink)
		if (it->ep == ep && it->fd == fd) {
			found = it;
			break;
		}
	spin_unlock_irqrestore(&ep_files_lock, fl);
	return found;
}

/*
 * EPOLL_CTL_ADD: a new item for (tf, fd), hooked on tf's queues.  ep->lock
 * held; the caller holds a reference to tf.
 */
static long ep_insert(struct eventpoll *ep, struct file *tf, int fd,
		      const struct epoll_event_k *ev)
{
	struct waitq *wq[POLL_MAX_QUEUES];
	struct epitem *it = kzalloc(sizeof(*it));
	unsigned long fl;
	unsigned int n;

	if (!it)
		return -ENOMEM;
	list_init(&it->rdlink);
	it->ep = ep;
	it->file = tf;
	it->fd = fd;
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data;
	file_poll_queues(tf, wq, &n);
	it->nhooks = n;
	for (unsigned int i = 0; i < n; i++) {
		it->hook[i].it = it;
		it->hook[i].wq = wq[i];
		waitq_add_callback(wq[i], &it->hook[i].e, ep_hook_wake,
				   (ev->events & EPOLLEXCLUSIVE) != 0);
	}
	list_add_tail(&it->link, &ep->items);
	fl = spin_lock_irqsave(&ep_files_lock);
	list_add_tail(&it->flink, &tf->ep_items);
	spin_unlock_irqrestore(&ep_files_lock, fl);
	__atomic_or_fetch(&tf->fmode, FMODE_EPOLL, __ATOMIC_RELAXED);
	/* Asked with the hooks on: an event after this look wakes them. */
	ep_check_ready(ep, it);
	return 0;
}

static long ep_ctl(struct file *epf, struct file *tf, int op, int fd,
		   const struct epoll_event_k *ev)
{
	struct eventpoll *ep = epf->priv;
	bool nest = op == EPOLL_CTL_ADD && is_epoll(tf);
	struct epitem *it;
	long err = 0;

	if (tf == epf || !is_epoll(epf))
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD ||
	     (op == EPOLL_CTL_ADD &&
	      (is_epoll(tf) || (ev->events & ~EPOLL_EXCLUSIVE_OK)))))
		return -EINVAL;
	if (nest) {
		mutex_lock(&ep_mutex);
		if (ep_loops(ep, tf, 1)) {
			mutex_unlock(&ep_mutex);
			return -ELOOP;
		}
	}
	mutex_lock(&ep->lock);
	it = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		err = it ? -EEXIST : ep_insert(ep, tf, fd, ev);
		break;
	case EPOLL_CTL_MOD:
		if (!it) {
			err = -ENOENT;
		} else if (it->events & EPOLLEXCLUSIVE) {
			err = -EINVAL;
		} else {
			WRITE_ONCE(it->events,
				   ev->events | EPOLLERR | EPOLLHUP);
			it->data = ev->data;
			ep_check_ready(ep, it);
		}
		break;
	case EPOLL_CTL_DEL:
		if (it)
			ep_remove(ep, it);
		else
			err = -ENOENT;
		break;
	default:
		err = -EINVAL;
	}
	mutex_unlock(&ep->lock);
	if (nest)
		mutex_unlock(&ep_mutex);
	return err;
}

/* Linux's order: the event, the fds, a target without poll (EPERM). */
SYSCALL_DEFINE4(epoll_ctl, __as_fd int, epfd, int, op, __as_fd int, fd,
		struct epoll_event_k __user *, uev)
{
	struct epoll_event_k ev = { 0, 0 };
	struct file *epf, *tf;
	long err;

	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev)))
		return -EFAULT;
	epf = fd_get_file(epfd);
	if (!epf || (epf->fmode & FMODE_PATH)) {
		if (epf)
			file_put(epf);
		return -EBADF;
	}
	tf = fd_get_file(fd);
	if (!tf || (tf->fmode & FMODE_PATH))
		err = -EBADF;
	else if (!tf->ops || !tf->ops->poll)
		err = -EPERM;
	else
		err = ep_ctl(epf, tf, op, fd, &ev);
	if (tf)
		file_put(tf);
	file_put(epf);
	return err;
}

/*
 * Report up to max ready items into uev (checked by the caller): the
 * count, or -EFAULT if the first copy failed (the item stays listed).
 * Takes ep->lock.
 */
static long ep_harvest(struct eventpoll *ep, struct epoll_event_k __user *uev,
		       int max)
{
	struct epoll_event_k ev;
	struct epitem *it;
	LIST_HEAD(todo);
	long n = 0;

	mutex_lock(&ep->lock);
	incoming_drain(ep);
	/* Level-triggered ones go back on rdlist: not asked twice now. */
	list_splice_init(&ep->rdlist, &todo);
	while (n < max && !list_empty(&todo)) {
		it = list_first_entry(&todo, struct epitem, rdlink);
		list_del(&it->rdlink);
		ev.events = item_poll(it);
		if (!ev.events)
			continue; /* not ready: off the list */
		ev.data = it->data;
		if (copy_to_user(&uev[n], &ev, sizeof(ev))) {
			ready_add(ep, it);
			if (!n)
				n = -EFAULT;
			break;
		}
		n++;
		if (it->events & EPOLLONESHOT)
			WRITE_ONCE(it->events, it->events & EP_PRIVATE_BITS);
		else if (!(it->events & EPOLLET))
			ready_add(ep, it); /* level: ask again next time */
	}
	/* The ones not asked go first next time. */
	list_splice_init(&todo, &ep->rdlist);
	mutex_unlock(&ep->lock);
	/* Some left for another sleeper (Linux's ep_done_scan). */
	if (n > 0 && ready_any(ep) && !waitq_empty(&ep->wq))
		waitq_wake_all(&ep->wq);
	return n;
}

/*
 * The epoll_wait loop: the number of events copied out, 0 at the
 * deadline (a monotonic time; 0: look once), -EINTR for a signal,
 * -EBADF, -EINVAL, -EFAULT.
 */
static long do_epoll_wait(int epfd, struct epoll_event_k __user *uev, int max,
			  uint64_t deadline)
{
	struct waitq_entry e;
	struct eventpoll *ep;
	struct file *f;
	long ret;

	if (max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	if (!user_range_ok((unsigned long)uev, (size_t)max * sizeof(*uev)))
		return -EFAULT;
	f = fd_get_file(epfd);
	if (!f)
		return -EBADF;
	if (!is_epoll(f)) {
		file_put(f);
		return -EINVAL;
	}
	ep = f->priv;
	for (;;) {
		ret = ep_harvest(ep, uev, max);
		if (ret)
			break;
		if (!deadline || (deadline != UINT64_MAX &&
				  clock_monotonic_ns() >= deadline))
			break;
		if (sig_pending()) {
			/* The loop must look at what interrupted us. */
			sched_current()->user_work = 1;
			ret = -EINTR;
			break;
		}
		/* Queued before the look: a callback after it wakes us. */
		waitq_prepare(&ep->wq, &e);
		if (!ready_any(ep))
			waitq_sleep(&e, deadline);
		waitq_finish(&ep->wq, &e);
	}
	file_put(f);
	return ret;
}

/* epoll_wait's timeout as a deadline: 0 (one look, no clock read) for 0. */
static uint64_t ms_deadline(int timeout)
{
	if (timeout <= 0)
		return timeout ? UINT64_MAX : 0;
	return clock_deadline_after((uint64_t)timeout * 1000000);
}

/* A signal: -EINTR to the user, never restarted (Linux). */
SYSCALL_DEFINE4(epoll_wait, __as_fd int, epfd, struct epoll_event_k __user *,
		events, int, maxevents, int, timeout)
{
	return do_epoll_wait(epfd, events, maxevents, ms_deadline(timeout));
}

/* The signal mask for the wait, as ppoll installs it. */
static long with_mask(const ksigset_t __user *usig, size_t sigsetsize, int epfd,
		      struct epoll_event_k __user *events, int maxevents,
		      uint64_t deadline)
{
	struct uthread *ut = uthread_current();
	ksigset_t mask, old = 0;
	long ret;

	if (usig) {
		if (sigsetsize != sizeof(ksigset_t))
			return -EINVAL;
		if (copy_from_user(&mask, usig, sizeof(mask)))
			return -EFAULT;
		poll_mask_set(ut, mask, &old);
	}
	ret = do_epoll_wait(epfd, events, maxevents, deadline);
	if (usig)
		poll_mask_done(ut, old, ret == -EINTR);
	return ret;
}

SYSCALL_DEFINE6(epoll_pwait, __as_fd int, epfd, struct epoll_event_k __user *,
		events, int, maxevents, int, timeout, const ksigset_t __user *,
		sigmask, size_t, sigsetsize)
{
	return with_mask(sigmask, sigsetsize, epfd, events, maxevents,
			 ms_deadline(timeout));
}

SYSCALL_DEFINE6(epoll_pwait2, __as_fd int, epfd, struct epoll_event_k __user *,
		events, int, maxevents, const struct timespec __user *, tsp,
		const ksigset_t __user *, sigmask, size_t, sigsetsize)
{
	uint64_t deadline = UINT64_MAX;
	struct timespec ts;

	if (tsp) {
		long e = poll_get_timeout(tsp, &ts, &deadline);

		if (e)
			return e;
	}
	return with_mask(sigmask, sigsetsize, epfd, events, maxevents,
			 deadline);
}
