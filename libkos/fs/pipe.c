/*
 * Pipes (pipe(2), pipe2(2)).
 *
 * A pipe is a ring of page-sized slots (16 by default, F_SETPIPE_SZ
 * changes it; see struct pipe_slot) with two open file descriptions: a read end and a write end, each counted.
 * Linux's rules:
 *
 *   read   returns what is there (up to the count); an empty pipe blocks
 *          until data arrives, returns 0 once no writer is left, or
 *          -EAGAIN for O_NONBLOCK;
 *   write  of at most PIPE_BUF bytes is atomic: it waits until all of it
 *          fits; a larger write goes in pieces and may interleave with
 *          others.  With no reader left: SIGPIPE to the writer and -EPIPE.
 *          O_NONBLOCK: -EAGAIN if nothing (or, for <= PIPE_BUF, not all)
 *          fits, else a partial count.
 *   signal a blocked call returns what it moved, or -ERESTARTSYS.
 *
 * O_DIRECT ("packet mode"): every write of at most PIPE_BUF bytes is one
 * packet in a slot of its own (larger ones are cut into PIPE_BUF packets)
 * and a read returns at most one packet, dropping what does not fit in
 * its buffer.
 *
 * Both ends share an anonymous vnode of type S_IFIFO (mode 0600, the
 * creator's ids) on a private "pipefs" superblock, so fstat() looks as
 * on Linux.  The pipe hangs off that vnode as a named FIFO's does, so
 * opening /proc/PID/fd/N of either end (a magic link to the vnode) joins
 * it with a new end, as on Linux.
 *
 * poll: readable with data or no writer left (POLLHUP), writable with
 * room or no reader left (POLLERR), as Linux's pipe_poll.
 *
 * Locking: pipe->lock (a mutex) guards everything in struct pipe; waits
 * drop it.  rd_wq / wr_wq hold blocked readers and writers (and pollers).
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/pipe.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/ioctl.h>
#include <uapi/stat.h>

#include "internal.h"

#define PIPE_DEFAULT_SLOTS 16 /* 64 KiB */

/*
 * The pipe's data lives in slots of one page each, as Linux's
 * pipe_buffers: a write first tops up the last slot if what it has to
 * add beyond whole pages fits there (never in packet mode), then fills
 * fresh slots a page at a time.  A slot stays in use until every byte in
 * it is read, so the pipe holds 16 pages, not 64 KiB: sixteen 1000-byte
 * writes fill four slots... and a 1-byte write waits when the last slot
 * is full and the first still has an unread byte.
 */
struct pipe_slot {
	uint8_t *page;	   /* PAGE_SIZE bytes, kmalloc'd */
	uint16_t off, len; /* the unread bytes: page[off, off + len) */
	bool packet;	   /* O_DIRECT: one read takes it whole */
};

struct pipe {
	struct mutex lock;
	struct pipe_slot *slots; /* nslots, a ring from tail */
	unsigned int nslots;	 /* a power of two */
	unsigned int tail;	 /* the oldest slot in use */
	unsigned int used;	 /* slots in use */
	size_t len;		 /* bytes in all slots */
	uint8_t *spare;		 /* a free page kept for the next write */
	int readers;		 /* open read ends */
	int writers;		 /* open write ends */
	unsigned int r_counter;	 /* read opens ever (FIFOs) */
	unsigned int w_counter;	 /* write opens ever (FIFOs) */
	struct waitq rd_wq, wr_wq;
};

/*
 * A named FIFO's pipe hangs off its vnode (vnode->pipe) from the first
 * open until the last close; fifo_lock guards that link (order:
 * fifo_lock, then pipe->lock).  Each open file of a FIFO keeps in its
 * pos the number of write opens it saw when it was opened (pipes have no
 * position): a reader that opened with no writer yet gets no POLLHUP
 * until a writer has come and gone (Linux's f_version check).  An
 * anonymous pipe counts its one write end as opened once, and its ends
 * keep pos 0: no writer left always means POLLHUP.
 */
static struct mutex fifo_lock = MUTEX_INIT(fifo_lock, "fifo");

static const struct file_ops pipe_fops, fifo_fops;
static void fifo_release(struct file *f);
static const struct vnode_ops pipe_vops; /* no operations: unnamed */
static struct superblock pipe_sb = { .fstype = "pipefs",
				     .magic = 0x50495045 /* PIPEFS_MAGIC */ };
static uint64_t pipe_ino; /* atomic */

bool pipe_is(struct file *f)
{
	return f->ops == &pipe_fops || f->ops == &fifo_fops;
}

static void pipe_free(struct pipe *p)
{
	for (unsigned int i = 0; i < p->used; i++)
		kfree(p->slots[(p->tail + i) & (p->nslots - 1)].page);
	kfree(p->spare);
	kfree(p->slots);
	kfree(p);
}

static struct pipe_slot *slot_at(struct pipe *p, unsigned int i)
{
	return &p->slots[(p->tail + i) & (p->nslots - 1)];
}

/* A page for a new slot (the spare if there is one).  Lock held. */
static uint8_t *page_get(struct pipe *p)
{
	uint8_t *pg = p->spare;

	if (pg) {
		p->spare = NULL;
		return pg;
	}
	return kmalloc(PAGE_SIZE);
}

/* The oldest slot is read: its page becomes the spare.  Lock held. */
static void slot_retire(struct pipe *p)
{
	struct pipe_slot *s = slot_at(p, 0);

	if (p->spare)
		kfree(s->page);
	else
		p->spare = s->page;
	s->page = NULL;
	p->tail = (p->tail + 1) & (p->nslots - 1);
	p->used--;
}

/* Sleep on wq with p->lock dropped.  0, or -EINTR for a signal. */
static int pipe_sleep(struct pipe *p, struct waitq *wq)
{
	struct waitq_entry e;
	int err = 0;

	waitq_prepare(wq, &e);
	if (sig_pending()) {
		err = -EINTR;
	} else {
		mutex_unlock(&p->lock);
		waitq_sleep(&e, UINT64_MAX);
		mutex_lock(&p->lock);
	}
	waitq_finish(wq, &e);
	return err;
}

static ssize_t pipe_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pipe *p = f->priv;
	ssize_t done = 0;
	bool was_full;
	int err = 0;

	if (!u->resid)
		return 0;
	mutex_lock(&p->lock);
	while (!p->used) {
		if (!p->writers)
			goto out;
		if (f->flags & O_NONBLOCK) {
			err = -EAGAIN;
			goto out;
		}
		if (pipe_sleep(p, &p->rd_wq)) {
			err = -ERESTARTSYS;
			goto out;
		}
	}
	/* Writers wait only while it is full (Linux's was_full). */
	was_full = p->used == p->nslots;
	/* Whatever is there, up to the count; a packet ends the read. */
	while (p->used && u->resid) {
		struct pipe_slot *s = slot_at(p, 0);
		size_t n = MIN((size_t)s->len, u->resid);
		bool packet = s->packet;

		err = uio_copyout(u, s->page + s->off, n);
		if (err)
			break;
		done += (ssize_t)n;
		if (packet)
			n = s->len; /* the rest of the packet is dropped */
		s->off = (uint16_t)(s->off + n);
		s->len = (uint16_t)(s->len - n);
		p->len -= n;
		if (!s->len)
			slot_retire(p);
		if (packet)
			break;
	}
	if (was_full && p->used < p->nslots)
		waitq_wake_all(&p->wr_wq);
out:
	/* Linux tells O_ASYNC writers of every read, even one that got none. */
	fasync_notify(&p->wr_wq);
	mutex_unlock(&p->lock);
	return done ? done : err;
}

/* The writer gets SIGPIPE (it still sees -EPIPE if it ignores it). */
static void pipe_sigpipe(void)
{
	struct uthread *ut = uthread_current();
	struct ksiginfo info;

	if (!ut)
		return;
	sig_info_user(&info, SIGPIPE, SI_USER);
	sig_send_thread(ut, SIGPIPE, &info);
}

/* Copy n bytes of u into a new slot at the head.  Lock held. */
static int slot_fill(struct pipe *p, struct uio *u, size_t n, bool packet)
{
	struct pipe_slot *s = slot_at(p, p->used);
	uint8_t *pg = page_get(p);
	int err;

	if (!pg)
		return -ENOMEM;
	err = uio_copyin(u, pg, n);
	if (err) {
		if (p->spare)
			kfree(pg);
		else
			p->spare = pg;
		return err;
	}
	s->page = pg;
	s->off = 0;
	s->len = (uint16_t)n;
	s->packet = packet;
	p->used++;
	p->len += n;
	return 0;
}

static ssize_t pipe_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pipe *p = f->priv;
	bool packets = f->flags & O_DIRECT;
	size_t n;
	ssize_t done = 0;
	int err = 0;

	if (!u->resid)
		return 0;
	mutex_lock(&p->lock);
	if (!p->readers) {
		pipe_sigpipe();
		err = -EPIPE;
		goto out;
	}
	/* The part beyond whole pages may top up the last slot. */
	n = u->resid & (PAGE_SIZE - 1);
	if (n && p->used && !packets) {
		struct pipe_slot *s = slot_at(p, p->used - 1);

		if (!s->packet && s->off + s->len + n <= PAGE_SIZE) {
			err = uio_copyin(u, s->page + s->off + s->len, n);
			if (err)
				goto out;
			s->len = (uint16_t)(s->len + n);
			p->len += n;
			done = (ssize_t)n;
			waitq_wake_all(&p->rd_wq);
		}
	}
	while (u->resid) {
		if (!p->readers) {
			pipe_sigpipe();
			err = -EPIPE;
			break;
		}
		if (p->used == p->nslots) {
			/* Full: up to PIPE_BUF waits whole (nothing went in). */
			if (f->flags & O_NONBLOCK) {
				err = -EAGAIN;
				break;
			}
			if (pipe_sleep(p, &p->wr_wq)) {
				err = -ERESTARTSYS;
				break;
			}
			continue;
		}
		n = MIN(u->resid, packets ? (size_t)PIPE_BUF : PAGE_SIZE);
		err = slot_fill(p, u, n, packets);
		if (err)
			break;
		done += (ssize_t)n;
		waitq_wake_all(&p->rd_wq);
	}
out:
	mutex_unlock(&p->lock);
	return done ? done : err;
}

static long pipe_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct pipe *p = f->priv;
	int n;

	switch (cmd) {
	case FIONREAD:
		mutex_lock(&p->lock);
		n = (int)p->len;
		mutex_unlock(&p->lock);
		return copy_to_user((void *)arg, &n, sizeof(n)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

/*
 * Linux's pipe_poll: data or no writer left; room or no reader left.
 * Without the lock, as Linux: the caller is queued before the state is
 * read, so a change after the read wakes it; each field is read once.
 */
static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	unsigned int mask = 0;

	if (f->fmode & FMODE_READ) {
		poll_wait(pt, &p->rd_wq);
		if (READ_ONCE(p->used))
			mask |= POLLIN | POLLRDNORM;
		if (!READ_ONCE(p->writers) && f->pos != READ_ONCE(p->w_counter))
			mask |= POLLHUP;
	}
	if (f->fmode & FMODE_WRITE) {
		poll_wait(pt, &p->wr_wq);
		if (READ_ONCE(p->used) < READ_ONCE(p->nslots))
			mask |= POLLOUT | POLLWRNORM;
		if (!READ_ONCE(p->readers))
			mask |= POLLERR;
	}
	return mask;
}

/* One end (or both) of p goes; everyone waiting looks again.  Last? */
static bool pipe_drop(struct pipe *p, bool rd, bool wr)
{
	bool last;

	mutex_lock(&p->lock);
	if (rd)
		p->readers--;
	if (wr)
		p->writers--;
	last = !p->readers && !p->writers;
	waitq_wake_all(&p->rd_wq);
	waitq_wake_all(&p->wr_wq);
	mutex_unlock(&p->lock);
	return last;
}

static const struct file_ops pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.release = fifo_release, /* the pipe hangs off its vnode too */
	.poll = pipe_poll,
	.fasync = true,
};

long pipe_size(struct file *f, bool set, unsigned long size)
{
	struct pipe *p = f->priv;
	struct proc *cur = proc_current();
	struct pipe_slot *ns;
	unsigned int pages = 1;
	long r;

	if (!set)
		return (long)p->nslots * PAGE_SIZE;
	if (size > (1UL << 31))
		return -EINVAL;
	while ((unsigned long)pages * PAGE_SIZE < size)
		pages <<= 1;
	/* /proc/sys/fs/pipe-max-size: 1 MiB, unless privileged. */
	if ((unsigned long)pages * PAGE_SIZE > (1UL << 20) && cur &&
	    cur->cred.euid != 0)
		return -EPERM;
	ns = kzalloc(pages * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	mutex_lock(&p->lock);
	if (p->used > pages) {
		mutex_unlock(&p->lock);
		kfree(ns);
		return -EBUSY;
	}
	for (unsigned int i = 0; i < p->used; i++)
		ns[i] = *slot_at(p, i);
	kfree(p->slots);
	p->slots = ns;
	p->nslots = pages;
	p->tail = 0;
	r = (long)pages * PAGE_SIZE;
	waitq_wake_all(&p->wr_wq);
	mutex_unlock(&p->lock);
	return r;
}

/* An empty pipe with no ends, or NULL. */
static struct pipe *pipe_alloc(void)
{
	struct pipe *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->slots = kzalloc(PIPE_DEFAULT_SLOTS * sizeof(*p->slots));
	if (!p->slots) {
		kfree(p);
		return NULL;
	}
	p->nslots = PIPE_DEFAULT_SLOTS;
	mutex_init(&p->lock, "pipe");
	waitq_init(&p->rd_wq);
	waitq_init(&p->wr_wq);
	return p;
}

int pipe_create(int flags, struct file **rd, struct file **wr)
{
	struct proc *cur = proc_current();
	struct pipe *p = pipe_alloc();
	struct vnode *v = NULL;
	unsigned int fl = flags & (O_NONBLOCK | O_DIRECT);

	if (!p)
		return -ENOMEM;
	if (!pipe_sb.dev)
		pipe_sb.dev = vfs_anon_dev();
	v = vnode_alloc(&pipe_sb, &pipe_vops, sizeof(*v));
	if (!v)
		goto fail;
	v->mode = S_IFIFO | 0600;
	v->nlink = 1;
	v->uid = cur ? cur->cred.fsuid : 0;
	v->gid = cur ? cur->cred.fsgid : 0;
	v->ino = __atomic_add_fetch(&pipe_ino, 1, __ATOMIC_RELAXED);
	*rd = file_alloc(v, &pipe_fops, O_RDONLY | fl);
	*wr = *rd ? file_alloc(v, &pipe_fops, O_WRONLY | fl) : NULL;
	vnode_put(v);
	if (!*rd || !*wr) {
		if (*rd) {
			(*rd)->ops = NULL;
			file_put(*rd);
		}
		goto fail_noput;
	}
	(*rd)->priv = p;
	(*wr)->priv = p;
	v->pipe = p; /* a new vnode: nobody else can see it yet */
	p->readers = 1;
	p->writers = 1;
	p->r_counter = 1;
	p->w_counter = 1;
	return 0;
fail:
	vnode_put(v);
fail_noput:
	pipe_free(p);
	return -ENOMEM;
}

/* ---- tee ------------------------------------------------------------------ */

long pipe_peek(struct file *f, void *buf, size_t len, bool nonblock)
{
	struct pipe *p = f->priv;
	size_t done = 0;
	long err = 0;

	mutex_lock(&p->lock);
	while (!p->used) {
		if (!p->writers)
			goto out;
		if (nonblock || (f->flags & O_NONBLOCK)) {
			err = -EAGAIN;
			goto out;
		}
		if (pipe_sleep(p, &p->rd_wq)) {
			err = -ERESTARTSYS;
			goto out;
		}
	}
	for (unsigned int i = 0; i < p->used && done < len; i++) {
		struct pipe_slot *s = slot_at(p, i);
		size_t n = MIN((size_t)s->len, len - done);

		kos_memcpy((char *)buf + done, s->page + s->off, n);
		done += n;
	}
out:
	mutex_unlock(&p->lock);
	return done ? (long)done : err;
}

/* ---- named FIFOs ------------------------------------------------------ */

/*
 * Sleep until *cnt moves (a partner opened), on wq.  Lock held.
 * 0, or -ERESTARTSYS for a signal.
 */
static int wait_partner(struct pipe *p, unsigned int *cnt, struct waitq *wq)
{
	unsigned int seen = *cnt;

	while (*cnt == seen)
		if (pipe_sleep(p, wq))
			return -ERESTARTSYS;
	return 0;
}

/* Drop one file's ends of p; the last end unhooks p from v and frees it. */
static void fifo_put(struct vnode *v, struct pipe *p, bool rd, bool wr)
{
	bool last;

	mutex_lock(&fifo_lock);
	last = pipe_drop(p, rd, wr);
	if (last)
		v->pipe = NULL;
	mutex_unlock(&fifo_lock);
	if (last)
		pipe_free(p);
}

/*
 * Linux's fifo_open(): a reader waits for a writer and a writer for a
 * reader, unless O_NONBLOCK (a reader goes on; a writer with no reader
 * gets -ENXIO) or O_RDWR (never waits).  A signal while waiting is
 * -ERESTARTSYS.  A new end of an anonymous pipe (opened through
 * /proc/PID/fd) never waits and is never refused.
 */
static int fifo_open(struct file *f)
{
	struct vnode *v = f->vnode;
	bool rd = f->fmode & FMODE_READ, wr = f->fmode & FMODE_WRITE;
	bool anon = v->sb == &pipe_sb;
	bool nonblock = f->flags & O_NONBLOCK;
	struct pipe *p;
	int err = 0;

	mutex_lock(&fifo_lock);
	p = v->pipe;
	if (!p) {
		p = pipe_alloc();
		if (!p) {
			mutex_unlock(&fifo_lock);
			return -ENOMEM;
		}
		v->pipe = p;
	}
	mutex_lock(&p->lock);
	if (wr && !rd && nonblock && !p->readers && !anon) {
		bool unused = !p->readers && !p->writers;

		mutex_unlock(&p->lock);
		if (unused)
			v->pipe = NULL;
		mutex_unlock(&fifo_lock);
		if (unused)
			pipe_free(p);
		return -ENXIO;
	}
	if (rd) {
		p->readers++;
		p->r_counter++;
	}
	if (wr) {
		p->writers++;
		p->w_counter++;
	}
	mutex_unlock(&fifo_lock);
	f->priv = p;
	f->pos = p->w_counter;
	waitq_wake_all(&p->rd_wq);
	waitq_wake_all(&p->wr_wq);
	if (!anon && rd && !wr && !nonblock && !p->writers)
		err = wait_partner(p, &p->w_counter, &p->rd_wq);
	else if (!anon && wr && !rd && !p->readers)
		err = wait_partner(p, &p->r_counter, &p->wr_wq);
	mutex_unlock(&p->lock);
	if (err)
		fifo_put(v, p, rd, wr);
	return err;
}

static void fifo_release(struct file *f)
{
	fifo_put(f->vnode, f->priv, f->fmode & FMODE_READ,
		 f->fmode & FMODE_WRITE);
}

static const struct file_ops fifo_fops = {
	.open = fifo_open,
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.release = fifo_release,
	.poll = pipe_poll,
	.fasync = true,
};

const struct file_ops *pipe_fifo_ops(void)
{
	return &fifo_fops;
}
