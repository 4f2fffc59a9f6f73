/*
 * File-system notification and inotify(7).
 *
 * Layers, bottom up:
 *
 *   struct inotify       one instance (an inotify file): its event queue
 *                        and the list of its watches.
 *   struct notify_watch  one (instance, vnode) pair: the watch descriptor
 *                        and the IN_* mask it asked for.
 *   struct notify_conn   the watches of one vnode, vnode->notify; made
 *                        with its first watch and freed with its last.
 *   hooks                fsnotify_*() (kos/notify.h), called by the VFS
 *                        name operations and the file layer; they turn
 *                        an operation into events for the watches of the
 *                        vnode itself and of the watched directories that
 *                        hold it (with its name there).
 *
 * Events follow Linux's order for one operation (the contract tests in
 * check/contract/tests/inotify.c compare them line for line): a child's
 * event goes to the watched parent first, then to the child; unlink sends
 * IN_ATTRIB to the file (not a directory), then IN_DELETE_SELF and
 * IN_IGNORED if that was its last name and nobody has it open, then
 * IN_DELETE to the directory; rename sends IN_MOVED_FROM and IN_MOVED_TO
 * with one cookie, IN_ATTRIB to a replaced target, IN_MOVE_SELF, then the
 * target's IN_DELETE_SELF.  A deleted file still open is gone when its
 * last user lets go (vnode_put -> fsnotify_put: IN_DELETE_SELF then).
 *
 * Parents: KOS has no dentries, so the directory a file event is reported
 * to is found by looking for the file in every watched directory of its
 * file system whose mask wants the event (readdir, then a lookup of the
 * name found to confirm the vnode).  That costs a directory scan per
 * event, paid only while such a directory watch exists.  A file that lost
 * its last name is found in no directory: its events reach no parent (as
 * if every directory watch had IN_EXCL_UNLINK; Linux reports them under
 * the old name unless IN_EXCL_UNLINK).  A hard-linked file is reported in
 * each watched directory holding it, under its first name there.
 *
 * Locking and lifetimes:
 *  - notify_lock (a mutex) guards every conn and watch list, the watch
 *    descriptors and the per-user counts.  Taken inside directory
 *    vnode locks (the name hooks run under them) and outside an
 *    instance's qlock.
 *  - vnode->notify is written under notify_lock; hooks read it without
 *    the lock only to skip work.
 *  - A watch holds one reference to its vnode, so the vnode (and its
 *    conn) outlive the watch.  Removing a watch unlinks it at once and
 *    moves it to `retired`; notify_unlock() drops the references of the
 *    retired watches after releasing notify_lock, because a vnode_put
 *    may evict, and eviction must not run under notify_lock.
 *  - An instance belongs to its file: release removes its watches (no
 *    IN_IGNORED: nobody can read them) and frees the queue.
 *  - Events are allocated before qlock is taken; the queue is guarded
 *    by qlock (interrupts off, never held while copying to user space).
 *  - The parent scan reads each watched directory under its vnode
 *    lock, with notify_lock released.  A close may come from munmap,
 *    holding an address space's lock, which ranks below vnode locks: a
 *    close therefore only tries each directory's lock, and reaches a
 *    parent only if it is free (it is, but for another thread changing
 *    that directory).
 */
#include <kos/fdtypes.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/mutex.h>
#include <kos/notify.h>
#include <kos/pcache.h>
#include <kos/pmm.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/signal.h>
#include <kos/spinlock.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <kos/waitq.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/ioctl.h>
#include <uapi/signal.h>
#include <uapi/stat.h>

#define IN_CHILD_EVENTS                                       \
	(IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | \
	 IN_CLOSE_NOWRITE | IN_OPEN)

unsigned int fsnotify_nwatches; /* atomic; written under notify_lock */

/* /proc/sys/fs/inotify; read at the moment they apply. */
unsigned int inotify_max_queued_events = 16384;
unsigned int inotify_max_user_instances = 128;
unsigned int inotify_max_user_watches; /* 0: computed on first use */

static struct mutex notify_lock = MUTEX_INIT(notify_lock, "notify");
static LIST_HEAD(notify_conns); /* notify_lock: every conn */
static LIST_HEAD(retired);	/* notify_lock: watches to put */
static uint32_t next_cookie;	/* notify_lock */

struct notify_conn {
	struct vnode *v;	  /* pinned by its watches' references */
	struct list_head watches; /* notify_watch.vlink */
	struct list_head link;	  /* notify_conns */
	unsigned int nwatches;
	uint32_t mask; /* union of the watches' event bits */
};

struct inotify;

struct notify_watch {
	struct inotify *in;	  /* NULL: a dnotify watch (below) */
	struct notify_conn *conn; /* NULL once retired */
	struct vnode *v;	  /* referenced */
	struct list_head vlink;	  /* conn->watches */
	struct list_head ilink;	  /* in->watches, or retired */
	int wd;
	uint32_t mask; /* IN_* events and flags (NOTIFY_DN_RENAME too) */
	/* A dnotify watch: the directory's file and whose fd table set it. */
	struct file *dfile; /* not referenced: it goes before the file */
	const void *downer; /* the fd table */
	int dfd;	    /* si_fd */
	bool dmultishot;    /* DN_MULTISHOT: not one event only */
};

/*
 * KOS's own event bit: a rename inside one directory, which dnotify's
 * DN_RENAME asks for (Linux's FS_RENAME); never reaches inotify.
 */
#define NOTIFY_DN_RENAME 0x00001000
#define NOTIFY_EVENTS (IN_ALL_EVENTS | NOTIFY_DN_RENAME)

static LIST_HEAD(dnotify_watches); /* notify_lock: notify_watch.ilink */

struct inotify_ev {
	struct list_head link;
	int32_t wd;
	uint32_t mask, cookie;
	uint32_t len; /* the name's length as read reports it (padded) */
	size_t namelen;
	char name[];
};

struct inotify {
	struct spinlock qlock;
	struct list_head events; /* qlock: struct inotify_ev */
	unsigned int nevents;	 /* qlock: queued, overflow included */
	size_t bytes;		 /* qlock: what read would return in all */
	unsigned int max_events; /* max_queued_events at creation */
	/* Linux's overflow event: preallocated, queued at most once. */
	struct inotify_ev overflow;
	struct waitq wq; /* readers and pollers */
	/* notify_lock: */
	struct list_head watches; /* notify_watch.ilink */
	int last_wd;
	uint32_t uid; /* the user charged for it */
};

/* ---- per-user limits -------------------------------------------------- */

#define NOTIFY_USERS 32

static struct notify_user {
	uint32_t uid;
	unsigned int instances, watches;
} users[NOTIFY_USERS]; /* notify_lock; a slot is free when both are 0 */

/* The counts of uid, made if need be; NULL when the table is full. */
static struct notify_user *user_get(uint32_t uid)
{
	struct notify_user *free = NULL;

	for (int i = 0; i < NOTIFY_USERS; i++) {
		struct notify_user *u = &users[i];

		if ((u->instances || u->watches) && u->uid == uid)
			return u;
		if (!u->instances && !u->watches && !free)
			free = u;
	}
	if (free)
		free->uid = uid;
	return free;
}

/*
 * Linux's default max_user_watches: 1% of memory at the cost of one
 * watch (its mark and two inodes, about 1 KiB on 64-bit), within
 * [8192, 1048576].
 */
static unsigned int default_max_watches(void)
{
	uint64_t n = pmm_total_pages() / 100 * PAGE_SIZE / 1080;

	if (n < 8192)
		n = 8192;
	if (n > 1048576)
		n = 1048576;
	return (unsigned int)n;
}

unsigned int inotify_user_watches_max(void)
{
	if (!inotify_max_user_watches)
		inotify_max_user_watches = default_max_watches();
	return inotify_max_user_watches;
}

/* ---- the event queue -------------------------------------------------- */

/* Linux's padding: the name and a NUL, rounded up to the header's size. */
static uint32_t padded_len(size_t namelen)
{
	size_t h = sizeof(struct inotify_event);

	return namelen ? (uint32_t)((namelen + 1 + h - 1) / h * h) : 0;
}

static bool same_event(const struct inotify_ev *a, const struct inotify_ev *b)
{
	return a->wd == b->wd && a->mask == b->mask && a->cookie == b->cookie &&
	       a->namelen == b->namelen &&
	       !kos_memcmp(a->name, b->name, a->namelen);
}

/*
 * Queue one event on in: at the queue limit the overflow event instead
 * (once), an event identical to the last one queued merges with it, as
 * Linux's inotify_merge().  Any context but interrupts; no lock needed.
 */
static void inotify_queue(struct inotify *in, int32_t wd, uint32_t mask,
			  uint32_t cookie, const char *name, size_t namelen)
{
	struct inotify_ev *e;
	struct inotify_ev *last;
	unsigned long fl;

	if (!in)
		return; /* a dnotify watch */
	e = kmalloc(sizeof(*e) + namelen);

	fl = spin_lock_irqsave(&in->qlock);
	if (!e || in->nevents >= in->max_events) {
		/* Out of room (or memory): the overflow event, once. */
		if (list_empty(&in->overflow.link)) {
			list_add_tail(&in->overflow.link, &in->events);
			in->nevents++;
			in->bytes += sizeof(struct inotify_event);
		}
		spin_unlock_irqrestore(&in->qlock, fl);
		kfree(e);
		waitq_wake_all(&in->wq);
		return;
	}
	e->wd = wd;
	e->mask = mask;
	e->cookie = cookie;
	e->namelen = namelen;
	e->len = padded_len(namelen);
	if (namelen)
		kos_memcpy(e->name, name, namelen);
	if (!list_empty(&in->events)) {
		last = list_entry(in->events.prev, struct inotify_ev, link);
		if (same_event(last, e)) {
			spin_unlock_irqrestore(&in->qlock, fl);
			kfree(e);
			return;
		}
	}
	list_add_tail(&e->link, &in->events);
	in->nevents++;
	in->bytes += sizeof(struct inotify_event) + e->len;
	spin_unlock_irqrestore(&in->qlock, fl);
	waitq_wake_all(&in->wq);
}

/* ---- watches ---------------------------------------------------------- */

static void conn_update_mask(struct notify_conn *c)
{
	struct notify_watch *w;
	uint32_t m = 0;

	list_for_each_entry (w, &c->watches, vlink)
		m |= w->mask & NOTIFY_EVENTS;
	c->mask = m;
}

/*
 * Take w out of its conn and instance (IN_IGNORED queued first if
 * ignored) and retire it: notify_unlock() drops its vnode reference.
 * The conn goes with its last watch.  notify_lock held.
 */
static void watch_remove(struct notify_watch *w, bool ignored)
{
	struct notify_conn *c = w->conn;
	struct notify_user *u = w->in ? user_get(w->in->uid) : NULL;

	if (ignored)
		inotify_queue(w->in, w->wd, IN_IGNORED, 0, NULL, 0);
	list_del(&w->vlink);
	list_del(&w->ilink);
	list_add_tail(&w->ilink, &retired);
	w->conn = NULL;
	if (u && u->watches)
		u->watches--;
	__atomic_sub_fetch(&fsnotify_nwatches, 1, __ATOMIC_RELAXED);
	if (--c->nwatches == 0) {
		list_del(&c->link);
		__atomic_store_n(&c->v->notify, NULL, __ATOMIC_RELEASE);
		kfree(c);
	} else {
		conn_update_mask(c);
	}
}

/* Release notify_lock, then drop the references of retired watches. */
static void notify_unlock(void)
{
	struct notify_watch *w, *tmp;
	LIST_HEAD(todo);

	while (!list_empty(&retired)) {
		w = list_first_entry(&retired, struct notify_watch, ilink);
		list_del(&w->ilink);
		list_add_tail(&w->ilink, &todo);
	}
	mutex_unlock(&notify_lock);
	list_for_each_entry_safe (w, tmp, &todo, ilink) {
		vnode_put(w->v);
		kfree(w);
	}
}

/*
 * Queue an event to every watch of c that wants it (mask's event bits):
 * with name for a directory's child, without for the vnode itself.
 * IN_ONESHOT watches end after their first event.  notify_lock held.
 */
static void conn_deliver(struct notify_conn *c, uint32_t mask, uint32_t cookie,
			 const char *name, size_t len)
{
	struct notify_watch *w, *tmp;

	list_for_each_entry_safe (w, tmp, &c->watches, vlink) {
		bool last = &tmp->vlink == &c->watches;

		if (!(w->mask & mask & NOTIFY_EVENTS))
			continue;
		if (!w->in) {
			/* dnotify: the owner is signalled (fs/fasync.c). */
			fasync_queue(w->dfile, POLL_MSG, w->dfd);
			if (!w->dmultishot) {
				watch_remove(w, false);
				if (last)
					break;
			}
			continue;
		}
		inotify_queue(w->in, w->wd, mask & ~NOTIFY_DN_RENAME, cookie,
			      name, len);
		if (w->mask & IN_ONESHOT) {
			watch_remove(w, true); /* the last one frees c */
			if (last)
				break;
		}
	}
}

static uint32_t isdir(struct vnode *v)
{
	return S_ISDIR(v->mode) ? IN_ISDIR : 0;
}

/* An event of v itself (no name).  notify_lock held. */
static void self_event(struct vnode *v, uint32_t mask)
{
	struct notify_conn *c = v->notify;

	if (c)
		conn_deliver(c, mask, 0, NULL, 0);
}

/* An event on the child (name, len) of dir.  notify_lock held. */
static void dir_event(struct vnode *dir, uint32_t mask, uint32_t cookie,
		      const char *name, size_t len)
{
	struct notify_conn *c = dir->notify;

	if (c)
		conn_deliver(c, mask, cookie, name, len);
}

/*
 * v has nothing left but its watches (and extra references of the
 * caller) and no name: IN_DELETE_SELF, then every watch ends with
 * IN_IGNORED.  Dirty pages waiting for writeback are no user: Linux
 * drops them with the deleted inode.  notify_lock held.
 */
static void check_gone(struct vnode *v, unsigned int refs)
{
	struct notify_conn *c = v->notify;

	if (!c || v->nlink || refs - pcache_sync_pins(v) != c->nwatches)
		return;
	self_event(v, IN_DELETE_SELF);
	/* IN_ONESHOT may have ended some already; the last frees c. */
	while ((c = v->notify))
		watch_remove(list_first_entry(&c->watches, struct notify_watch,
					      vlink),
			     true);
}

/* ---- finding a child's name in a watched directory --------------------- */

struct find_ctx {
	struct vnode *dir, *v;
	char name[NAME_MAX + 1];
	size_t len;
	bool found;
};

static bool find_fill(void *arg, const char *name, size_t len, uint64_t ino,
		      unsigned int dtype, uint64_t next)
{
	struct find_ctx *fc = arg;
	struct vnode *x;

	if (ino != fc->v->ino || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	if (fc->dir->ops->lookup(fc->dir, name, len, &x))
		return true;
	if (x == fc->v) {
		kos_memcpy(fc->name, name, len);
		fc->len = len;
		fc->found = true;
	}
	vnode_put(x);
	return !fc->found; /* stop at the first */
}

/*
 * An event of v that Linux reports to the parent too (parent first):
 * the watched directories of v's file system that want it are noted
 * under notify_lock, then each is searched for v under its own vnode
 * lock alone (never with notify_lock held: the name hooks take
 * notify_lock inside directory locks), then the events go out.
 * trylock: a close from munmap holds an address space's lock, which
 * ranks below vnode locks, so it only tries each directory's lock.
 */
static void child_event(struct vnode *v, uint32_t mask, bool trylock)
{
	struct notify_conn *c;
	struct find_ctx *fc = NULL;
	size_t n = 0, k = 0;

	mask |= isdir(v);
	mutex_lock(&notify_lock);
	list_for_each_entry (c, &notify_conns, link)
		if ((c->mask & mask) && S_ISDIR(c->v->mode) &&
		    c->v->sb == v->sb && c->v != v && c->v->ops->readdir &&
		    c->v->ops->lookup)
			n++;
	if (n)
		fc = kmalloc(n * sizeof(*fc));
	if (fc)
		list_for_each_entry (c, &notify_conns, link)
			if (k < n && (c->mask & mask) && S_ISDIR(c->v->mode) &&
			    c->v->sb == v->sb && c->v != v &&
			    c->v->ops->readdir && c->v->ops->lookup) {
				vnode_get(c->v);
				fc[k].dir = c->v;
				fc[k].v = v;
				fc[k].found = false;
				k++;
			}
	mutex_unlock(&notify_lock);
	for (size_t i = 0; i < k; i++) {
		struct vnode *d = fc[i].dir;
		uint64_t pos = 0;

		if (!trylock)
			mutex_lock(&d->lock);
		else if (!mutex_trylock(&d->lock))
			continue;
		d->ops->readdir(d, &pos, find_fill, &fc[i]);
		mutex_unlock(&d->lock);
	}
	mutex_lock(&notify_lock);
	for (size_t i = 0; i < k; i++)
		if (fc[i].found)
			dir_event(fc[i].dir, mask, 0, fc[i].name, fc[i].len);
	self_event(v, mask);
	notify_unlock();
	for (size_t i = 0; i < k; i++)
		vnode_put(fc[i].dir);
	kfree(fc);
}

/* ---- the hooks -------------------------------------------------------- */

void fsnotify_name_event(struct vnode *dir, const char *name, size_t len,
			 struct vnode *v, uint32_t mask)
{
	mutex_lock(&notify_lock);
	dir_event(dir, mask | isdir(v), 0, name, len);
	notify_unlock();
}

void fsnotify_link_event(struct vnode *dir, const char *name, size_t len,
			 struct vnode *v)
{
	mutex_lock(&notify_lock);
	self_event(v, IN_ATTRIB);
	dir_event(dir, IN_CREATE | isdir(v), 0, name, len);
	notify_unlock();
}

void fsnotify_unlink_event(struct vnode *dir, const char *name, size_t len,
			   struct vnode *v)
{
	uint32_t d = isdir(v);

	mutex_lock(&notify_lock);
	if (!d)
		self_event(v, IN_ATTRIB);
	/* The caller's lookup reference is the one beside the watches. */
	check_gone(v, __atomic_load_n(&v->refcnt, __ATOMIC_ACQUIRE) - 1);
	dir_event(dir, IN_DELETE | d, 0, name, len);
	notify_unlock();
}

/* One direction of a rename: v from (odir, oname) to (ndir, nname). */
static void move_events(struct vnode *odir, const char *oname, size_t olen,
			struct vnode *ndir, const char *nname, size_t nlen,
			struct vnode *v, struct vnode *target)
{
	uint32_t cookie = ++next_cookie;

	if (!cookie)
		cookie = ++next_cookie;
	if (odir == ndir)
		dir_event(odir, NOTIFY_DN_RENAME | isdir(v), 0, oname, olen);
	dir_event(odir, IN_MOVED_FROM | isdir(v), cookie, oname, olen);
	dir_event(ndir, IN_MOVED_TO | isdir(v), cookie, nname, nlen);
	if (target)
		self_event(target, IN_ATTRIB | isdir(target));
	self_event(v, IN_MOVE_SELF);
}

void fsnotify_rename_event(struct vnode *odir, const char *oname, size_t olen,
			   struct vnode *ndir, const char *nname, size_t nlen,
			   struct vnode *v, struct vnode *t, bool exchange)
{
	mutex_lock(&notify_lock);
	move_events(odir, oname, olen, ndir, nname, nlen, v,
		    exchange ? NULL : t);
	if (exchange)
		move_events(ndir, nname, nlen, odir, oname, olen, t, NULL);
	else if (t)
		check_gone(t,
			   __atomic_load_n(&t->refcnt, __ATOMIC_ACQUIRE) - 1);
	notify_unlock();
}

void fsnotify_file_event(struct file *f, uint32_t mask)
{
	struct vnode *v = f->vnode;

	if (!v || (f->fmode & FMODE_PATH))
		return;
	if (!mask) { /* close */
		mask = (f->fmode & FMODE_WRITE) ? IN_CLOSE_WRITE
						: IN_CLOSE_NOWRITE;
		child_event(v, mask, true);
		return;
	}
	child_event(v, mask, false);
}

void fsnotify_vnode_event(struct vnode *v, uint32_t mask)
{
	child_event(v, mask, false);
}

void fsnotify_put_slow(struct vnode *v, unsigned int left)
{
	if (mutex_held(&notify_lock))
		return; /* a reference dropped by the notify code itself */
	mutex_lock(&notify_lock);
	check_gone(v, left);
	notify_unlock();
}

void fsnotify_unmount_sb(struct superblock *sb)
{
	struct list_head *pos, *prev;
	struct notify_conn *c;
	struct notify_watch *w;

	/* Newest watched vnode first, as Linux walks an sb's inodes. */
	mutex_lock(&notify_lock);
	for (pos = notify_conns.prev; pos != &notify_conns; pos = prev) {
		prev = pos->prev;
		c = list_entry(pos, struct notify_conn, link);
		if (c->v->sb != sb)
			continue;
		while (c->v->notify == c) {
			bool last = c->nwatches == 1;

			w = list_first_entry(&c->watches, struct notify_watch,
					     vlink);
			inotify_queue(w->in, w->wd, IN_UNMOUNT | isdir(c->v), 0,
				      NULL, 0);
			watch_remove(w, true);
			if (last)
				break; /* c is gone */
		}
	}
	notify_unlock();
}

unsigned int fsnotify_pins_slow(struct vnode *v)
{
	unsigned int n;

	mutex_lock(&notify_lock);
	n = v->notify ? v->notify->nwatches : 0;
	mutex_unlock(&notify_lock);
	return n;
}

/* ---- the inotify file --------------------------------------------------- */

static const struct file_ops inotify_fops;

bool inotify_is(struct file *f)
{
	return f->ops == &inotify_fops;
}

/*
 * read(2): whole events only, as many as fit; -EINVAL if the first does
 * not; waits while there are none (-EAGAIN with O_NONBLOCK, -ERESTARTSYS
 * on a signal).  Events taken are gone even if the copy faults.
 */
static ssize_t inotify_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct inotify *in = f->priv;
	struct inotify_ev *e, *tmp;
	struct waitq_entry we;
	LIST_HEAD(taken);
	unsigned long fl;
	size_t room = u->resid, done = 0;
	ssize_t err = 0;

	for (;;) {
		waitq_prepare(&in->wq, &we);
		fl = spin_lock_irqsave(&in->qlock);
		while (!list_empty(&in->events)) {
			size_t n;

			e = list_first_entry(&in->events, struct inotify_ev,
					     link);
			n = sizeof(struct inotify_event) + e->len;
			if (n > room)
				break;
			room -= n;
			list_del(&e->link);
			list_add_tail(&e->link, &taken);
			in->nevents--;
			in->bytes -= n;
		}
		if (list_empty(&taken) && !list_empty(&in->events))
			err = -EINVAL;
		spin_unlock_irqrestore(&in->qlock, fl);
		if (!list_empty(&taken) || err)
			break;
		if (f->flags & O_NONBLOCK) {
			err = -EAGAIN;
			break;
		}
		if (sig_pending()) {
			err = -ERESTARTSYS;
			break;
		}
		waitq_sleep(&we, UINT64_MAX);
	}
	waitq_finish(&in->wq, &we);
	list_for_each_entry_safe (e, tmp, &taken, link) {
		struct inotify_event h = { e->wd, e->mask, e->cookie, e->len };
		static const char zeros[sizeof(struct inotify_event)];

		list_del(&e->link);
		if (!err) {
			err = uio_copyout(u, &h, sizeof(h));
			if (!err && e->len) {
				err = uio_copyout(u, e->name, e->namelen);
				if (!err)
					err = uio_copyout(u, zeros,
							  e->len - e->namelen);
			}
			if (!err)
				done += sizeof(h) + e->len;
		}
		if (e != &in->overflow)
			kfree(e);
	}
	return done ? (ssize_t)done : err;
}

static unsigned int inotify_poll(struct file *f, struct poll_table *pt)
{
	struct inotify *in = f->priv;
	unsigned int mask;
	unsigned long fl;

	poll_wait(pt, &in->wq);
	fl = spin_lock_irqsave(&in->qlock);
	mask = list_empty(&in->events) ? 0 : POLLIN;
	spin_unlock_irqrestore(&in->qlock, fl);
	return mask;
}

/* FIONREAD: the bytes a read of everything queued would return. */
static long inotify_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct inotify *in = f->priv;
	unsigned long fl;
	int n;

	if (cmd != FIONREAD)
		return -ENOTTY;
	fl = spin_lock_irqsave(&in->qlock);
	n = (int)in->bytes;
	spin_unlock_irqrestore(&in->qlock, fl);
	return copy_to_user((void *)arg, &n, sizeof(n)) ? -EFAULT : 0;
}

static void inotify_release(struct file *f)
{
	struct inotify *in = f->priv;
	struct notify_watch *w, *wtmp;
	struct inotify_ev *e, *etmp;
	struct notify_user *u;

	mutex_lock(&notify_lock);
	list_for_each_entry_safe (w, wtmp, &in->watches, ilink)
		watch_remove(w, false);
	u = user_get(in->uid);
	if (u && u->instances)
		u->instances--;
	notify_unlock();
	list_for_each_entry_safe (e, etmp, &in->events, link) {
		list_del(&e->link);
		if (e != &in->overflow)
			kfree(e);
	}
	kfree(in);
}

static const struct file_ops inotify_fops = {
	.llseek = file_llseek_noop, /* Linux's noop_llseek */
	.show_fdinfo = inotify_show_fdinfo,
	.read = inotify_read,
	.poll = inotify_poll,
	.ioctl = inotify_ioctl,
	.release = inotify_release,
	.fasync = true,
};

static uint32_t cur_euid(void)
{
	struct proc *p = proc_current();

	return p ? p->cred.euid : 0;
}

int inotify_create(int flags, struct file **out)
{
	struct inotify *in = kzalloc(sizeof(*in));
	struct notify_user *u;
	int err = 0;

	if (!in)
		return -ENOMEM;
	spin_init(&in->qlock, "inotify");
	list_init(&in->events);
	list_init(&in->watches);
	list_init(&in->overflow.link);
	in->overflow.wd = -1;
	in->overflow.mask = IN_Q_OVERFLOW;
	waitq_init(&in->wq);
	in->max_events = inotify_max_queued_events;
	in->uid = cur_euid();
	mutex_lock(&notify_lock);
	u = user_get(in->uid);
	if (!u)
		err = -ENOMEM;
	else if (u->instances >= inotify_max_user_instances)
		err = -EMFILE;
	else
		u->instances++;
	mutex_unlock(&notify_lock);
	if (err) {
		kfree(in);
		return err;
	}
	*out = file_alloc_anon(&inotify_fops, O_RDONLY | (flags & O_NONBLOCK),
			       in);
	if (!*out) {
		mutex_lock(&notify_lock);
		u->instances--;
		mutex_unlock(&notify_lock);
		kfree(in);
		return -ENOMEM;
	}
	return 0;
}

/*
 * A new watch of v, its conn made if v has none (NULL when memory is
 * short), on the conn's list and counted; the caller fills in what it
 * is for, links ilink and calls conn_update_mask().  notify_lock held.
 */
static struct notify_watch *watch_new(struct vnode *v)
{
	struct notify_watch *w = kzalloc(sizeof(*w));
	struct notify_conn *c = v->notify, *newc = NULL;

	if (!c)
		c = newc = kzalloc(sizeof(*c));
	if (!w || !c) {
		kfree(w);
		kfree(newc);
		return NULL;
	}
	if (newc) {
		newc->v = v;
		list_init(&newc->watches);
		list_add_tail(&newc->link, &notify_conns);
		__atomic_store_n(&v->notify, newc, __ATOMIC_RELEASE);
	}
	vnode_get(v);
	w->v = v;
	w->conn = c;
	list_add_tail(&w->vlink, &c->watches);
	c->nwatches++;
	__atomic_add_fetch(&fsnotify_nwatches, 1, __ATOMIC_RELAXED);
	return w;
}

int inotify_add(struct file *f, struct vnode *v, uint32_t mask)
{
	struct inotify *in = f->priv;
	struct notify_conn *c;
	struct notify_watch *w;
	struct notify_user *u;
	bool create = mask & IN_MASK_CREATE;
	int r;

	mask &= ~(IN_MASK_CREATE | IN_ISDIR | IN_UNMOUNT | IN_Q_OVERFLOW |
		  IN_IGNORED);
	mutex_lock(&notify_lock);
	c = v->notify;
	if (c) {
		list_for_each_entry (w, &c->watches, vlink) {
			if (w->in != in)
				continue;
			if (create) {
				r = -EEXIST;
				goto out;
			}
			if (mask & IN_MASK_ADD)
				w->mask |= mask;
			else
				w->mask = mask;
			w->mask &= ~IN_MASK_ADD;
			conn_update_mask(c);
			r = w->wd;
			goto out;
		}
	}
	u = user_get(in->uid);
	if (!u) {
		r = -ENOMEM;
		goto out;
	}
	if (u->watches >= inotify_user_watches_max()) {
		r = -ENOSPC;
		goto out;
	}
	w = watch_new(v);
	if (!w) {
		r = -ENOMEM;
		goto out;
	}
	w->in = in;
	w->mask = mask & ~IN_MASK_ADD;
	w->wd = ++in->last_wd;
	list_add_tail(&w->ilink, &in->watches);
	conn_update_mask(w->conn);
	u->watches++;
	r = w->wd;
out:
	mutex_unlock(&notify_lock);
	return r;
}

int inotify_rm(struct file *f, int wd)
{
	struct inotify *in = f->priv;
	struct notify_watch *w;
	int r = -EINVAL;

	mutex_lock(&notify_lock);
	list_for_each_entry (w, &in->watches, ilink) {
		if (w->wd == wd) {
			watch_remove(w, true);
			r = 0;
			break;
		}
	}
	notify_unlock();
	return r;
}

void inotify_show_fdinfo(struct file *f,
			 void (*sink)(void *ctx, const char *s, size_t n),
			 void *ctx)
{
	struct inotify *in = f->priv;
	struct notify_watch *w;
	char line[160];
	int n;

	mutex_lock(&notify_lock);
	list_for_each_entry (w, &in->watches, ilink) {
		n = kos_snprintf(line, sizeof(line),
				 "inotify wd:%x ino:%llx sdev:%x mask:%x "
				 "ignored_mask:0\n",
				 w->wd, (unsigned long long)w->v->ino,
				 (unsigned int)kdev_encode(w->v->sb->dev),
				 w->mask & ~IN_ONESHOT & ~IN_EXCL_UNLINK &
					 ~IN_DONT_FOLLOW & ~IN_ONLYDIR);
		if (n > 0)
			sink(ctx, line, (size_t)n);
	}
	mutex_unlock(&notify_lock);
}

/* ---- dnotify (fcntl F_NOTIFY) ------------------------------------------ */

/* dnotify's DN_* events in KOS's IN_* terms, as Linux's convert_arg(). */
static uint32_t dn_events(unsigned long arg)
{
	uint32_t m = 0;

	if (arg & DN_ACCESS)
		m |= IN_ACCESS;
	if (arg & DN_MODIFY)
		m |= IN_MODIFY;
	if (arg & DN_CREATE)
		m |= IN_CREATE | IN_MOVED_TO;
	if (arg & DN_DELETE)
		m |= IN_DELETE | IN_MOVED_FROM;
	if (arg & DN_RENAME)
		m |= NOTIFY_DN_RENAME;
	if (arg & DN_ATTRIB)
		m |= IN_ATTRIB;
	return m;
}

void dnotify_close(struct file *f, const void *owner)
{
	struct notify_watch *w, *tmp;

	mutex_lock(&notify_lock);
	list_for_each_entry_safe (w, tmp, &dnotify_watches, ilink)
		if (w->dfile == f && (!owner || w->downer == owner))
			watch_remove(w, false);
	notify_unlock();
}

int dnotify_set(struct file *f, const void *owner, int fd, unsigned long arg)
{
	struct vnode *v = f->vnode;
	struct notify_conn *c;
	struct notify_watch *w;
	int r = 0;

	if (!(arg & ~(unsigned long)DN_MULTISHOT)) {
		if (f->fmode & FMODE_DNOTIFY)
			dnotify_close(f, owner);
		return 0;
	}
	if (!v || !S_ISDIR(v->mode))
		return -ENOTDIR;
	mutex_lock(&notify_lock);
	c = v->notify;
	if (c)
		list_for_each_entry (w, &c->watches, vlink)
			if (!w->in && w->dfile == f && w->downer == owner) {
				/* More events for the same fd table: added. */
				w->mask |= dn_events(arg);
				w->dmultishot |= (arg & DN_MULTISHOT) != 0;
				w->dfd = fd;
				conn_update_mask(c);
				goto out;
			}
	w = watch_new(v);
	if (!w) {
		r = -ENOMEM;
		goto out;
	}
	w->mask = dn_events(arg);
	w->dfile = f;
	w->downer = owner;
	w->dfd = fd;
	w->dmultishot = (arg & DN_MULTISHOT) != 0;
	list_add_tail(&w->ilink, &dnotify_watches);
	conn_update_mask(w->conn);
	__atomic_or_fetch(&f->fmode, FMODE_DNOTIFY, __ATOMIC_RELAXED);
out:
	notify_unlock();
	return r;
}
