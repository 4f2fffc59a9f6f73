/*
 * Pipes (pipe(2), pipe2(2)).
 *
 * A pipe is a byte ring (64 KiB by default, F_SETPIPE_SZ changes it) with
 * two open file descriptions: a read end and a write end, each counted.
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
 * packet (larger ones are cut into PIPE_BUF packets) and a read returns
 * at most one packet, dropping what does not fit in its buffer.
 *
 * Both ends share an anonymous vnode of type S_IFIFO (mode 0600, the
 * creator's ids) on a private "pipefs" superblock, so fstat() looks as
 * on Linux.
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

#define PIPE_DEFAULT_SIZE (16 * PAGE_SIZE)
#define PIPE_MAX_PACKETS 256 /* packet-mode boundaries remembered */

struct pipe {
	struct mutex lock;
	uint8_t *buf;
	size_t size; /* capacity, a power-of-two number of pages */
	size_t head; /* next byte to read */
	size_t len;  /* bytes in the ring */
	int readers; /* open read ends */
	int writers; /* open write ends */
	struct waitq rd_wq, wr_wq;
	/* Packet mode: the lengths of the packets in the ring, oldest first. */
	uint16_t packets[PIPE_MAX_PACKETS];
	unsigned int pk_head, pk_count;
};

static const struct file_ops pipe_fops;
static const struct vnode_ops pipe_vops; /* no operations: unnamed */
static struct superblock pipe_sb = { .fstype = "pipefs" };
static uint64_t pipe_ino; /* atomic */

bool pipe_is(struct file *f)
{
	return f->ops == &pipe_fops;
}

static void pipe_free(struct pipe *p)
{
	kfree(p->buf);
	kfree(p);
}

/* Copy n bytes from the ring at head into the uio.  Lock held. */
static int ring_out(struct pipe *p, struct uio *u, size_t n)
{
	size_t first = MIN(n, p->size - p->head);
	int err = uio_copyout(u, p->buf + p->head, first);

	if (!err && n > first)
		err = uio_copyout(u, p->buf, n - first);
	return err;
}

/* Copy n bytes from the uio to the ring's tail.  Lock held. */
static int ring_in(struct pipe *p, struct uio *u, size_t n)
{
	size_t tail = (p->head + p->len) % p->size;
	size_t first = MIN(n, p->size - tail);
	int err = uio_copyin(u, p->buf + tail, first);

	if (!err && n > first)
		err = uio_copyin(u, p->buf, n - first);
	return err;
}

/* Drop n bytes from the front of the ring.  Lock held. */
static void ring_drop(struct pipe *p, size_t n)
{
	p->head = (p->head + n) % p->size;
	p->len -= n;
	if (!p->len)
		p->head = 0;
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
	size_t n;
	int err = 0;

	if (!u->resid)
		return 0;
	mutex_lock(&p->lock);
	while (!p->len) {
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
	if (f->flags & O_DIRECT) {
		size_t pk = p->pk_count ? p->packets[p->pk_head] : p->len;

		n = MIN(pk, u->resid);
		err = ring_out(p, u, n);
		if (!err) {
			ring_drop(p, pk);
			if (p->pk_count) {
				p->pk_head =
					(p->pk_head + 1) % PIPE_MAX_PACKETS;
				p->pk_count--;
			}
			done = (ssize_t)n;
		}
	} else {
		n = MIN(p->len, u->resid);
		err = ring_out(p, u, n);
		if (!err) {
			ring_drop(p, n);
			done = (ssize_t)n;
		}
		/* A packet-mode writer's boundaries no longer apply. */
		p->pk_count = 0;
	}
	waitq_wake_all(&p->wr_wq);
out:
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

static ssize_t pipe_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pipe *p = f->priv;
	bool packets = f->flags & O_DIRECT;
	size_t want = u->resid, room, n;
	ssize_t done = 0;
	int err = 0;

	if (!want)
		return 0;
	mutex_lock(&p->lock);
	while (u->resid) {
		if (!p->readers) {
			pipe_sigpipe();
			err = -EPIPE;
			break;
		}
		room = p->size - p->len;
		if (packets && p->pk_count == PIPE_MAX_PACKETS)
			room = 0;
		/* Up to PIPE_BUF goes in whole; more goes in pieces. */
		if ((want <= PIPE_BUF && room < u->resid) || room == 0) {
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
		n = MIN(room, u->resid);
		if (packets)
			n = MIN(n, PIPE_BUF);
		err = ring_in(p, u, n);
		if (err)
			break;
		p->len += n;
		done += (ssize_t)n;
		if (packets) {
			p->packets[(p->pk_head + p->pk_count) %
				   PIPE_MAX_PACKETS] = (uint16_t)n;
			p->pk_count++;
		}
		waitq_wake_all(&p->rd_wq);
	}
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

/* Linux's pipe_poll: data or no writer left; room or no reader left. */
static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	unsigned int mask = 0;

	mutex_lock(&p->lock);
	if (f->fmode & FMODE_READ) {
		poll_wait(pt, &p->rd_wq);
		if (p->len)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers)
			mask |= POLLHUP;
	}
	if (f->fmode & FMODE_WRITE) {
		poll_wait(pt, &p->wr_wq);
		if (p->len < p->size)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	mutex_unlock(&p->lock);
	return mask;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;
	bool last;

	mutex_lock(&p->lock);
	if (f->fmode & FMODE_READ)
		p->readers--;
	if (f->fmode & FMODE_WRITE)
		p->writers--;
	last = !p->readers && !p->writers;
	waitq_wake_all(&p->rd_wq);
	waitq_wake_all(&p->wr_wq);
	mutex_unlock(&p->lock);
	if (last)
		pipe_free(p);
}

static const struct file_ops pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
	.poll = pipe_poll,
};

long pipe_size(struct file *f, bool set, unsigned long size)
{
	struct pipe *p = f->priv;
	struct proc *cur = proc_current();
	size_t pages = 1, bytes;
	uint8_t *nb;
	long r;

	if (!set)
		return (long)p->size;
	if (size > (1UL << 31))
		return -EINVAL;
	while (pages * PAGE_SIZE < size)
		pages <<= 1;
	bytes = pages * PAGE_SIZE;
	/* /proc/sys/fs/pipe-max-size: 1 MiB, unless privileged. */
	if (bytes > (1UL << 20) && cur && cur->cred.euid != 0)
		return -EPERM;
	nb = kmalloc(bytes);
	if (!nb)
		return -ENOMEM;
	mutex_lock(&p->lock);
	if (p->len > bytes) {
		mutex_unlock(&p->lock);
		kfree(nb);
		return -EBUSY;
	}
	for (size_t i = 0; i < p->len; i++)
		nb[i] = p->buf[(p->head + i) % p->size];
	kfree(p->buf);
	p->buf = nb;
	p->size = bytes;
	p->head = 0;
	r = (long)bytes;
	waitq_wake_all(&p->wr_wq);
	mutex_unlock(&p->lock);
	return r;
}

int pipe_create(int flags, struct file **rd, struct file **wr)
{
	struct proc *cur = proc_current();
	struct pipe *p = kzalloc(sizeof(*p));
	struct vnode *v = NULL;
	unsigned int fl = flags & (O_NONBLOCK | O_DIRECT);

	if (!p)
		return -ENOMEM;
	p->buf = kmalloc(PIPE_DEFAULT_SIZE);
	if (!p->buf)
		goto fail;
	p->size = PIPE_DEFAULT_SIZE;
	mutex_init(&p->lock, "pipe");
	waitq_init(&p->rd_wq);
	waitq_init(&p->wr_wq);
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
	p->readers = 1;
	p->writers = 1;
	return 0;
fail:
	vnode_put(v);
fail_noput:
	kfree(p->buf);
	kfree(p);
	return -ENOMEM;
}
