/*
 * eventfd(2): a 64-bit counter as a file.
 *
 * Linux's rules: a write of an 8-byte value v adds v to the counter,
 * waiting while the sum would exceed 0xfffffffffffffffe (v itself may
 * not be 0xffffffffffffffff); a read waits while the counter is 0, then
 * returns it and resets it to 0 -- or, with EFD_SEMAPHORE, returns 1 and
 * takes 1.  Buffers shorter than 8 bytes are -EINVAL; O_NONBLOCK turns
 * every wait into -EAGAIN and a signal ends one with -ERESTARTSYS.
 *
 * poll: POLLIN while the counter is not 0, POLLOUT while at least 1 can
 * be added, POLLERR if it somehow reached the maximum (as Linux).
 *
 * Locking: efd->lock (interrupts off, never held while sleeping or
 * copying) guards the counter; readers, writers and pollers all sleep
 * on efd->wq, woken whenever the counter moves.  The struct eventfd
 * belongs to its one file and is freed by release.
 */
#include <kos/fdtypes.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/poll.h>
#include <kos/signal.h>
#include <kos/spinlock.h>
#include <kos/string.h>
#include <kos/waitq.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#define EFD_MAX UINT64_MAX /* the counter stays below it */

struct eventfd {
	struct spinlock lock;
	int id;		 /* fdinfo's eventfd-id; constant */
	uint64_t count;	 /* lock */
	bool semaphore;	 /* EFD_SEMAPHORE; constant */
	struct waitq wq; /* readers, writers, pollers */
};

/* What a read may take now (0: must wait).  Lock held. */
static uint64_t efd_take(struct eventfd *efd)
{
	uint64_t v = efd->semaphore ? 1 : efd->count;

	if (!efd->count)
		return 0;
	efd->count -= v;
	return v;
}

/* Add v if it fits; false if the writer must wait.  Lock held. */
static bool efd_add(struct eventfd *efd, uint64_t v)
{
	if (EFD_MAX - efd->count <= v)
		return false;
	efd->count += v;
	return true;
}

/*
 * Run op(efd, v) under the lock until it succeeds (returns nonzero),
 * sleeping on efd->wq between tries.  The result of op, or -EAGAIN
 * (nonblocking) / -ERESTARTSYS (a signal) as a negative value in *err.
 */
static uint64_t efd_wait(struct eventfd *efd, bool nonblock,
			 uint64_t (*op)(struct eventfd *, uint64_t), uint64_t v,
			 int *err)
{
	struct waitq_entry e;
	unsigned long fl;
	uint64_t r;

	*err = 0;
	for (;;) {
		waitq_prepare(&efd->wq, &e);
		fl = spin_lock_irqsave(&efd->lock);
		r = op(efd, v);
		spin_unlock_irqrestore(&efd->lock, fl);
		if (r)
			break;
		if (nonblock) {
			*err = -EAGAIN;
			break;
		}
		if (sig_pending()) {
			*err = -ERESTARTSYS;
			break;
		}
		waitq_sleep(&e, UINT64_MAX);
	}
	waitq_finish(&efd->wq, &e);
	if (r)
		waitq_wake_all(&efd->wq); /* the counter moved */
	return r;
}

static uint64_t op_read(struct eventfd *efd, uint64_t unused)
{
	return efd_take(efd);
}

static uint64_t op_write(struct eventfd *efd, uint64_t v)
{
	/* Adding 0 always succeeds; report it as done all the same. */
	return efd_add(efd, v) ? 1 : 0;
}

static ssize_t efd_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct eventfd *efd = f->priv;
	uint64_t v;
	int err;

	if (u->resid < sizeof(v))
		return -EINVAL;
	v = efd_wait(efd, f->flags & O_NONBLOCK, op_read, 0, &err);
	if (err)
		return err;
	/* Like Linux, a bad buffer loses the value already taken. */
	err = uio_copyout(u, &v, sizeof(v));
	return err ? err : (ssize_t)sizeof(v);
}

static ssize_t efd_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct eventfd *efd = f->priv;
	uint64_t v;
	int err;

	if (u->resid < sizeof(v))
		return -EINVAL;
	err = uio_copyin(u, &v, sizeof(v));
	if (err)
		return err;
	if (v == EFD_MAX)
		return -EINVAL;
	efd_wait(efd, f->flags & O_NONBLOCK, op_write, v, &err);
	return err ? err : (ssize_t)sizeof(v);
}

static unsigned int efd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *efd = f->priv;
	unsigned int mask = 0;
	unsigned long fl;

	poll_wait(pt, &efd->wq);
	fl = spin_lock_irqsave(&efd->lock);
	if (efd->count)
		mask |= POLLIN;
	if (efd->count == EFD_MAX)
		mask |= POLLERR;
	if (EFD_MAX - 1 > efd->count)
		mask |= POLLOUT;
	spin_unlock_irqrestore(&efd->lock, fl);
	return mask;
}

static void efd_release(struct file *f)
{
	kfree(f->priv);
}

static int efd_ids; /* atomic: the last id given */

/* Linux's eventfd_show_fdinfo(). */
static void efd_show_fdinfo(struct file *f,
			    void (*sink)(void *ctx, const char *s, size_t n),
			    void *ctx)
{
	struct eventfd *efd = f->priv;
	unsigned long fl;
	uint64_t count;
	char line[96];
	int n;

	fl = spin_lock_irqsave(&efd->lock);
	count = efd->count;
	spin_unlock_irqrestore(&efd->lock, fl);
	n = kos_snprintf(line, sizeof(line),
			 "eventfd-count: %16llx\neventfd-id: %d\n"
			 "eventfd-semaphore: %d\n",
			 (unsigned long long)count, efd->id,
			 efd->semaphore ? 1 : 0);
	sink(ctx, line, (size_t)n);
}

static const struct file_ops efd_fops = {
	.show_fdinfo = efd_show_fdinfo,
	.llseek = file_llseek_noop, /* Linux's noop_llseek */
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.release = efd_release,
};

int eventfd_create(uint64_t initval, int flags, struct file **out)
{
	struct eventfd *efd = kzalloc(sizeof(*efd));

	if (!efd)
		return -ENOMEM;
	spin_init(&efd->lock, "eventfd");
	waitq_init(&efd->wq);
	efd->count = initval;
	efd->id = __atomic_add_fetch(&efd_ids, 1, __ATOMIC_RELAXED) - 1;
	efd->semaphore = flags & EFD_SEMAPHORE;
	*out = file_alloc_anon(&efd_fops, O_RDWR | (flags & O_NONBLOCK), efd);
	if (!*out) {
		kfree(efd);
		return -ENOMEM;
	}
	return 0;
}
