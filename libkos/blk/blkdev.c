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
	f->priv = bd;
	return 0;
}

/*
 * Move up to u->resid bytes at *pos, a page-aligned window of the disk at
 * a time through a bounce page: reads copy out of it; writes fill it,
 * reading it first unless they cover all of it.
 */
static ssize_t blk_rw(struct file *f, struct uio *u, uint64_t *pos, bool write)
{
	struct kos_blkdev *bd = f->priv;
	uint64_t size = disk_bytes(bd);
	size_t done = 0;
	paddr_t page;
	int err = 0;

	if (*pos >= size)
		return write && u->resid ? -ENOSPC : 0;
	page = pmm_alloc(0);
	if (!page)
		return -ENOMEM;
	while (u->resid && *pos < size) {
		uint64_t base = *pos & PAGE_MASK;
		size_t win = (size_t)MIN(PAGE_SIZE, size - base);
		size_t in = (size_t)(*pos - base);
		size_t n = MIN(u->resid, win - in);
		char *bounce = plat_phys_to_virt(page);

		if (!write || n != win)
			err = submit_wait(bd, BLK_READ, base, page, win);
		if (!err)
			err = write ? uio_copyin(u, bounce + in, n)
				    : uio_copyout(u, bounce + in, n);
		if (!err && write)
			err = submit_wait(bd, BLK_WRITE, base, page, win);
		if (err)
			break;
		*pos += n;
		done += n;
	}
	pmm_free(page, 0);
	return done ? (ssize_t)done : err;
}

static ssize_t blk_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return blk_rw(f, u, pos, false);
}

/*
 * A read-only disk opens for writing (as on Linux, where LVM and others
 * rely on it); its writes fail with EPERM, before any other check.
 */
static ssize_t blk_write(struct file *f, struct uio *u, uint64_t *pos)
{
	if (((struct kos_blkdev *)f->priv)->read_only)
		return -EPERM;
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
	return blkdev_io(f->priv, BLK_FLUSH, 0, NULL, 0);
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
	case BLKFLSBUF: /* no cache to drop yet: a flush */
		if (me && !(me->cred.cap_effective & (1ULL << CAP_SYS_ADMIN)))
			return -EACCES;
		return blkdev_io(bd, BLK_FLUSH, 0, NULL, 0);
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
