/*
 * The block-device core: the registry, synchronous I/O for kernel
 * callers, and the file operations of block device nodes (kos/blkdev.h).
 */
#include <kos/blkdev.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/mutex.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <kos/waitq.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

/* Linux's numbers (include/uapi/linux/fs.h) */
#define BLKROGET 0x125e
#define BLKGETSIZE 0x1260
#define BLKFLSBUF 0x1261
#define BLKSSZGET 0x1268
#define BLKPBSZGET 0x127b
#define BLKGETSIZE64 0x80081272

static struct mutex blk_lock = MUTEX_INIT(blk_lock, "blk");
static struct kos_blkdev *disks[BLK_MAX_DISKS]; /* blk_lock */

int blkdev_register(struct kos_blkdev *bd)
{
	int err = -ENOSPC;

	if (!bd->ops || !bd->ops->submit ||
	    (bd->block_size != 512 && bd->block_size != 4096) ||
	    bd->nsectors % (bd->block_size / BLK_SECTOR))
		return -EINVAL;
	mutex_lock(&blk_lock);
	for (int i = 0; i < BLK_MAX_DISKS; i++) {
		if (disks[i])
			continue;
		kos_snprintf(bd->name, sizeof(bd->name), "vd%c", 'a' + i);
		bd->rdev = KDEV(BLK_MAJOR, i * BLK_MINORS);
		disks[i] = bd;
		err = 0;
		break;
	}
	mutex_unlock(&blk_lock);
	return err;
}

struct kos_blkdev *blkdev_lookup(uint32_t rdev)
{
	struct kos_blkdev *bd = NULL;
	uint32_t minor = KDEV_MINOR(rdev);

	if (KDEV_MAJOR(rdev) != BLK_MAJOR || minor % BLK_MINORS ||
	    minor / BLK_MINORS >= BLK_MAX_DISKS)
		return NULL;
	mutex_lock(&blk_lock);
	bd = disks[minor / BLK_MINORS];
	mutex_unlock(&blk_lock);
	return bd;
}

struct kos_blkdev *blkdev_at(unsigned int i)
{
	struct kos_blkdev *bd = NULL;

	mutex_lock(&blk_lock);
	if (i < BLK_MAX_DISKS)
		bd = disks[i];
	mutex_unlock(&blk_lock);
	return bd;
}

void blkdev_reset(void)
{
	mutex_lock(&blk_lock);
	for (int i = 0; i < BLK_MAX_DISKS; i++)
		if (disks[i])
			blkdev_cache_free(disks[i]);
	kos_memset(disks, 0, sizeof(disks));
	mutex_unlock(&blk_lock);
}

static uint64_t disk_bytes(const struct kos_blkdev *bd)
{
	return bd->nsectors * BLK_SECTOR;
}

/* ---- synchronous I/O ---------------------------------------------------- */

struct blk_wait {
	struct blk_request rq;
	struct waitq wq;
	bool done; /* atomic */
};

/* Interrupt context (or inside submit). */
static void wait_done(struct blk_request *rq)
{
	struct blk_wait *w = rq->priv;

	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	waitq_wake_all(&w->wq);
}

static bool wait_finished(void *arg)
{
	struct blk_wait *w = arg;

	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

/* One request, checked, submitted and waited for.  0 or an error. */
static int submit_wait(struct kos_blkdev *bd, enum blk_op op, uint64_t off,
		       paddr_t pa, size_t len)
{
	struct blk_wait w;
	int err;

	if (op == BLK_WRITE && bd->read_only)
		return -EROFS;
	if (op != BLK_FLUSH &&
	    (off % bd->block_size || len % bd->block_size || !len ||
	     off > disk_bytes(bd) || len > disk_bytes(bd) - off))
		return -EINVAL;
	kos_memset(&w, 0, sizeof(w));
	waitq_init(&w.wq);
	w.rq.op = op;
	w.rq.sector = op == BLK_FLUSH ? 0 : off / BLK_SECTOR;
	w.rq.pa = pa;
	w.rq.len = op == BLK_FLUSH ? 0 : len;
	w.rq.done = wait_done;
	w.rq.priv = &w;
	list_init(&w.rq.link);
	err = bd->ops->submit(bd, &w.rq);
	if (err)
		return err;
	waitq_wait_timeout(&w.wq, wait_finished, &w, UINT64_MAX);
	return w.rq.status;
}

int blkdev_io_pa(struct kos_blkdev *bd, enum blk_op op, uint64_t off,
		 paddr_t pa, size_t len)
{
	return submit_wait(bd, op, off, pa, len);
}

/* Several requests in flight at once, waited for together. */
struct blk_batch {
	struct waitq wq;
	unsigned int left; /* atomic: requests not done yet */
	int status;	   /* the first error; atomic */
	struct blk_request rq[];
};

static void batch_done(struct blk_request *rq)
{
	struct blk_batch *b = rq->priv;

	if (rq->status)
		__atomic_compare_exchange_n(&b->status, &(int){ 0 }, rq->status,
					    false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	if (__atomic_sub_fetch(&b->left, 1, __ATOMIC_ACQ_REL) == 0)
		waitq_wake_all(&b->wq);
}

static bool batch_finished(void *arg)
{
	struct blk_batch *b = arg;

	return __atomic_load_n(&b->left, __ATOMIC_ACQUIRE) == 0;
}

int blkdev_io_pages(struct kos_blkdev *bd, enum blk_op op, uint64_t off,
		    const paddr_t *pa, unsigned int n, size_t len)
{
	struct blk_batch *b;
	uint64_t bytes = disk_bytes(bd);
	unsigned int i;
	int err = 0;

	if (op == BLK_WRITE && bd->read_only)
		return -EROFS;
	if (!n || op == BLK_FLUSH || off % bd->block_size ||
	    len % bd->block_size || !len || len > PAGE_SIZE || off > bytes ||
	    (n - 1) * (uint64_t)PAGE_SIZE + len > bytes - off)
		return -EINVAL;
	b = kzalloc(sizeof(*b) + n * sizeof(b->rq[0]));
	if (!b)
		return -ENOMEM;
	waitq_init(&b->wq);
	b->left = n;
	for (i = 0; i < n; i++) {
		struct blk_request *rq = &b->rq[i];

		rq->op = op;
		rq->sector = (off + (uint64_t)i * PAGE_SIZE) / BLK_SECTOR;
		rq->pa = pa[i];
		rq->len = i + 1 < n ? PAGE_SIZE : len;
		rq->done = batch_done;
		rq->priv = b;
		list_init(&rq->link);
	}
	for (i = 0; i < n; i++) {
		err = bd->ops->submit(bd, &b->rq[i]);
		if (err)
			break;
	}
	/* Those never started count as done (with the error). */
	if (err) {
		__atomic_compare_exchange_n(&b->status, &(int){ 0 }, err, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		if (__atomic_sub_fetch(&b->left, n - i, __ATOMIC_ACQ_REL) == 0)
			waitq_wake_all(&b->wq);
	}
	waitq_wait_timeout(&b->wq, batch_finished, b, UINT64_MAX);
	err = __atomic_load_n(&b->status, __ATOMIC_RELAXED);
	kfree(b);
	return err;
}

void blkdev_flush_all(void)
{
	for (unsigned int i = 0; i < BLK_MAX_DISKS; i++) {
		struct kos_blkdev *bd = blkdev_at(i);

		if (bd)
			blkdev_io(bd, BLK_FLUSH, 0, NULL, 0);
	}
}

int blkdev_io(struct kos_blkdev *bd, enum blk_op op, uint64_t off, void *buf,
	      size_t len)
{
	paddr_t page;
	int err = 0;

	if (op == BLK_FLUSH)
		return submit_wait(bd, op, 0, 0, 0);
	if (op == BLK_WRITE && bd->read_only)
		return -EROFS;
	if (off % bd->block_size || len % bd->block_size)
		return -EINVAL;
	page = pmm_alloc(0);
	if (!page)
		return -ENOMEM;
	while (len && !err) {
		size_t n = MIN(len, PAGE_SIZE);
		void *bounce = plat_phys_to_virt(page);

		if (op == BLK_WRITE)
			kos_memcpy(bounce, buf, n);
		err = submit_wait(bd, op, off, page, n);
		if (!err && op == BLK_READ)
			kos_memcpy(buf, bounce, n);
		buf = (char *)buf + n;
		off += n;
		len -= n;
	}
	pmm_free(page, 0);
	return err;
}

/* ---- block device files ------------------------------------------------- */

static int blk_open(struct file *f)
{
	struct kos_blkdev *bd = blkdev_lookup(f->vnode->rdev);

	if (!bd)
		return -ENXIO;
	if ((f->fmode & FMODE_WRITE) && bd->read_only)
		return -EACCES;
	f->priv = bd;
	return 0;
}

static ssize_t blk_rw(struct file *f, struct uio *u, uint64_t *pos, bool write)
{
	ssize_t n = blkdev_cache_rw(f->priv, u, *pos, write);

	if (n > 0)
		*pos += (uint64_t)n;
	return n;
}

static ssize_t blk_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return blk_rw(f, u, pos, false);
}

static ssize_t blk_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return blk_rw(f, u, pos, true);
}

/* Linux's fixed_size_llseek: no offset past the end of the disk. */
static int64_t blk_llseek(struct file *f, int64_t off, int whence)
{
	int64_t size = (int64_t)disk_bytes(f->priv);

	if (whence == SEEK_DATA || whence == SEEK_HOLE)
		return -EINVAL; /* not yet: a disk has no holes to report */
	return file_llseek_size(f, off, whence, size, size);
}

static int blk_fsync(struct file *f, bool datasync)
{
	return blkdev_sync(f->priv, false);
}

static long put_val(unsigned long arg, const void *v, size_t n)
{
	return copy_to_user((void *)arg, v, n) ? -EFAULT : 0;
}

static long blk_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct kos_blkdev *bd = f->priv;
	struct proc *me = proc_current();
	uint64_t bytes = disk_bytes(bd);
	unsigned long sectors = (unsigned long)bd->nsectors;
	int ro = bd->read_only, bs = (int)bd->block_size;

	switch (cmd) {
	case BLKGETSIZE64:
		return put_val(arg, &bytes, sizeof(bytes));
	case BLKGETSIZE:
		return put_val(arg, &sectors, sizeof(sectors));
	case BLKSSZGET:
	case BLKPBSZGET:
		return put_val(arg, &bs, sizeof(bs));
	case BLKROGET:
		return put_val(arg, &ro, sizeof(ro));
	case BLKFLSBUF:
		if (me && !(me->cred.cap_effective & (1ULL << CAP_SYS_ADMIN)))
			return -EACCES;
		return blkdev_sync(bd, true);
	default:
		return -ENOTTY;
	}
}

static const struct file_ops blk_fops = {
	.open = blk_open,
	.read = blk_read,
	.write = blk_write,
	.llseek = blk_llseek,
	.fsync = blk_fsync,
	.ioctl = blk_ioctl,
};

const struct file_ops *blkdev_fops(uint32_t rdev)
{
	return KDEV_MAJOR(rdev) == BLK_MAJOR ? &blk_fops : NULL;
}
