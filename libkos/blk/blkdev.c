/*
 * The block-device core: the registry, synchronous I/O for kernel
 * callers, and the file operations of block device nodes (kos/blkdev.h).
 */
#include <kos/blkdev.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
#include <kos/panic.h>
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

#include "internal.h"

/* Linux's numbers (include/uapi/linux/fs.h) */
#define BLKROGET 0x125e
#define BLKGETSIZE 0x1260
#define BLKFLSBUF 0x1261
#define BLKSSZGET 0x1268
#define BLKPBSZGET 0x127b
#define BLKGETSIZE64 0x80081272

#define BLKRRPART 0x125f
#define HDIO_GETGEO 0x0301

#define NPOS (BLK_MAX_DISKS * BLK_PARTS) /* registry positions */

static struct mutex blk_lock = MUTEX_INIT(blk_lock, "blk");
/* Serializes partition scans; taken before blk_lock. */
static struct mutex scan_lock = MUTEX_INIT(scan_lock, "blk-scan");
/*
 * Every disk and partition: devs[i][0] is disk i, devs[i][n] its
 * partition n.  Partitions 16 and up have numbers of major 259, lowest
 * free first, as Linux's: ext[] maps those minors back.  blk_lock.
 */
static struct kos_blkdev *devs[BLK_MAX_DISKS][BLK_PARTS];
static struct kos_blkdev *ext[BLK_EXT_MINORS];

int blkdev_register(struct kos_blkdev *bd)
{
	int err = -ENOSPC;

	if (!bd->ops || !bd->ops->submit ||
	    (bd->block_size != 512 && bd->block_size != 4096) ||
	    bd->nsectors % (bd->block_size / BLK_SECTOR))
		return -EINVAL;
	mutex_lock(&blk_lock);
	for (int i = 0; i < BLK_MAX_DISKS; i++) {
		if (devs[i][0])
			continue;
		kos_snprintf(bd->name, sizeof(bd->name), "vd%c", 'a' + i);
		bd->rdev = KDEV(BLK_MAJOR, i * BLK_MINORS);
		bd->disk = NULL;
		bd->start = 0;
		bd->partno = 0;
		bd->users = 0;
		bd->scanned = false;
		devs[i][0] = bd;
		err = 0;
		break;
	}
	mutex_unlock(&blk_lock);
	return err;
}

/* The device of number rdev; blk_lock held. */
static struct kos_blkdev *find(uint32_t rdev)
{
	uint32_t m = KDEV_MINOR(rdev);

	if (KDEV_MAJOR(rdev) == BLK_EXT_MAJOR)
		return m < BLK_EXT_MINORS ? ext[m] : NULL;
	if (KDEV_MAJOR(rdev) != BLK_MAJOR || m >= BLK_MAX_DISKS * BLK_MINORS)
		return NULL;
	return devs[m / BLK_MINORS][m % BLK_MINORS];
}

struct kos_blkdev *blkdev_lookup(uint32_t rdev)
{
	struct kos_blkdev *bd;

	mutex_lock(&blk_lock);
	bd = find(rdev);
	mutex_unlock(&blk_lock);
	return bd;
}

struct kos_blkdev *blkdev_get(uint32_t rdev)
{
	struct kos_blkdev *bd;

	mutex_lock(&blk_lock);
	bd = find(rdev);
	if (bd)
		bd->users++;
	mutex_unlock(&blk_lock);
	return bd;
}

void blkdev_put(struct kos_blkdev *bd)
{
	mutex_lock(&blk_lock);
	KOS_ASSERT(bd->users > 0);
	bd->users--;
	mutex_unlock(&blk_lock);
}

struct kos_blkdev *blkdev_at(unsigned int i)
{
	struct kos_blkdev *bd = NULL;

	mutex_lock(&blk_lock);
	if (i < BLK_MAX_DISKS)
		bd = devs[i][0];
	mutex_unlock(&blk_lock);
	return bd;
}

bool blkdev_next(unsigned int *pos, struct blkdev_info *out)
{
	bool found = false;

	mutex_lock(&blk_lock);
	for (unsigned int p = *pos; p < NPOS && !found; p++) {
		struct kos_blkdev *disk = devs[p / BLK_PARTS][0];
		struct kos_blkdev *bd = devs[p / BLK_PARTS][p % BLK_PARTS];

		if (!disk) { /* on to the next disk */
			p += BLK_PARTS - 1 - p % BLK_PARTS;
			continue;
		}
		if (!bd)
			continue;
		kos_memcpy(out->name, bd->name, sizeof(out->name));
		kos_memcpy(out->disk, disk->name, sizeof(out->disk));
		out->rdev = bd->rdev;
		out->partno = bd->partno;
		out->nsectors = bd->nsectors;
		out->start = bd->start;
		out->block_size = bd->block_size;
		out->read_only = bd->read_only;
		kos_memcpy(out->volname, bd->volname, sizeof(out->volname));
		*pos = p;
		found = true;
	}
	mutex_unlock(&blk_lock);
	return found;
}

void blkdev_reset(void)
{
	mutex_lock(&blk_lock);
	for (unsigned int i = 0; i < BLK_MAX_DISKS; i++) {
		for (unsigned int n = 0; n < BLK_PARTS; n++) {
			struct kos_blkdev *bd = devs[i][n];

			if (!bd)
				continue;
			blkdev_cache_free(bd);
			if (bd->disk)
				kfree(bd);
			devs[i][n] = NULL;
		}
	}
	kos_memset(ext, 0, sizeof(ext));
	mutex_unlock(&blk_lock);
}

/* ---- partitions --------------------------------------------------------- */

/* A partition's requests are its disk's, moved by the partition's start. */
static int part_submit(struct kos_blkdev *bd, struct blk_request *rq)
{
	if (rq->op != BLK_FLUSH)
		rq->sector += bd->start;
	return bd->disk->ops->submit(bd->disk, rq);
}

static const struct blkdev_ops part_ops = { .submit = part_submit };

/*
 * Take disk's partitions out of the registry and free them: 0, or
 * -EBUSY (and nothing changed) if one has users.  scan_lock held.
 */
static int drop_parts(struct kos_blkdev *disk)
{
	struct kos_blkdev **mine = devs[KDEV_MINOR(disk->rdev) / BLK_MINORS];
	struct kos_blkdev **gone;
	int err = 0;

	gone = kzalloc(BLK_PARTS * sizeof(*gone));
	if (!gone)
		return -ENOMEM;
	mutex_lock(&blk_lock);
	for (unsigned int n = 1; n < BLK_PARTS; n++)
		if (mine[n] && mine[n]->users)
			err = -EBUSY;
	for (unsigned int n = 1; n < BLK_PARTS && !err; n++) {
		gone[n] = mine[n];
		mine[n] = NULL;
		if (gone[n] && KDEV_MAJOR(gone[n]->rdev) == BLK_EXT_MAJOR)
			ext[KDEV_MINOR(gone[n]->rdev)] = NULL;
	}
	mutex_unlock(&blk_lock);
	/* Out of the registry: nobody finds them; write back, free. */
	for (unsigned int n = 1; n < BLK_PARTS; n++) {
		if (!gone[n])
			continue;
		blkdev_cache_free(gone[n]);
		kfree(gone[n]);
	}
	kfree(gone);
	return err;
}

/*
 * A number for partition p (Linux's: the disk's own minors first, then
 * the lowest free of major 259); 0, or -ENOSPC.  blk_lock held.
 */
static int number_part(struct kos_blkdev *disk, struct kos_blkdev *p)
{
	if (p->partno < BLK_MINORS) {
		p->rdev = disk->rdev + p->partno;
		return 0;
	}
	for (unsigned int m = 0; m < BLK_EXT_MINORS; m++) {
		if (ext[m])
			continue;
		p->rdev = KDEV(BLK_EXT_MAJOR, m);
		ext[m] = p;
		return 0;
	}
	return -ENOSPC;
}

/*
 * Partition n of t as a device of disk (Linux's blk_add_partition: one
 * that starts past the end is left out, one that ends past it is cut
 * short, both with a log line), or NULL.
 */
static struct kos_blkdev *make_part(struct kos_blkdev *disk,
				    const struct blk_table *t, unsigned int n)
{
	uint64_t start = t->parts[n].start, size = t->parts[n].nsectors;
	struct kos_blkdev *p;

	if (start >= disk->nsectors) {
		log_warn("blk: %s: p%u start %llu is beyond EOD", disk->name, n,
			 (unsigned long long)start);
		return NULL;
	}
	if (size > disk->nsectors - start) {
		log_warn("blk: %s: p%u size %llu extends beyond EOD, "
			 "truncated",
			 disk->name, n, (unsigned long long)size);
		size = disk->nsectors - start;
	}
	p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	kos_snprintf(p->name, sizeof(p->name), "%s%u", disk->name, n);
	p->nsectors = size;
	p->block_size = disk->block_size;
	p->read_only = disk->read_only;
	p->ops = &part_ops;
	p->disk = disk;
	p->start = start;
	p->partno = n;
	kos_memcpy(p->volname, t->parts[n].volname, sizeof(p->volname));
	return p;
}

/* A scan's memory: the table read and the partitions made of it. */
struct scan_work {
	struct blk_table t;
	struct kos_blkdev *made[BLK_PARTS];
	char line[160];
};

/* Register the partitions w made for disk; scan_lock held. */
static void install_parts(struct kos_blkdev *disk, struct scan_work *w)
{
	struct kos_blkdev **mine = devs[KDEV_MINOR(disk->rdev) / BLK_MINORS];
	size_t len = (size_t)kos_snprintf(w->line, sizeof(w->line),
					  "%s:", disk->name);

	mutex_lock(&blk_lock);
	for (unsigned int n = 1; n < BLK_PARTS; n++) {
		struct kos_blkdev *p = w->made[n];

		if (!p)
			continue;
		if (number_part(disk, p)) {
			log_warn("blk: %s: no device number left for %s",
				 disk->name, p->name);
			kfree(p);
			continue;
		}
		mine[n] = p;
		if (len < sizeof(w->line))
			len += (size_t)kos_snprintf(w->line + len,
						    sizeof(w->line) - len,
						    " %s", p->name);
	}
	disk->scanned = true;
	mutex_unlock(&blk_lock);
}

/* Read disk's table; rescan false: only if nobody did yet. */
static int scan(struct kos_blkdev *disk, bool rescan)
{
	struct scan_work *w;
	int err = 0;

	if (disk->disk || blkdev_lookup(disk->rdev) != disk)
		return -EINVAL;
	w = kzalloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	mutex_lock(&scan_lock);
	if (!rescan && disk->scanned) /* another caller got there first */
		goto out;
	err = drop_parts(disk);
	if (!err)
		err = blk_read_table(disk, &w->t);
	if (err)
		goto out;
	for (unsigned int n = 1; n < BLK_PARTS; n++)
		if (w->t.parts[n].nsectors)
			w->made[n] = make_part(disk, &w->t, n);
	install_parts(disk, w);
	if (w->t.kind)
		log_info("blk: %s (%s)", w->line, w->t.kind);
out:
	mutex_unlock(&scan_lock);
	kfree(w);
	return err;
}

int blkdev_scan(struct kos_blkdev *disk)
{
	return scan(disk, true);
}

void blkdev_scan_new(void)
{
	for (unsigned int i = 0; i < BLK_MAX_DISKS; i++) {
		struct kos_blkdev *disk = blkdev_at(i);
		bool todo;

		if (!disk)
			continue;
		mutex_lock(&blk_lock);
		todo = !disk->scanned;
		mutex_unlock(&blk_lock);
		if (todo && scan(disk, false) == -ENOMEM)
			log_warn("blk: %s: no memory to read the partition "
				 "table",
				 disk->name);
	}
}

void blkdev_show_partitions(void (*out)(void *arg, const char *s, size_t n),
			    void *arg)
{
	static const char head[] = "major minor  #blocks  name\n\n";
	struct blkdev_info i;
	char row[64];
	bool first = true;

	for (unsigned int pos = 0; blkdev_next(&pos, &i); pos++) {
		int n;

		if (!i.nsectors)
			continue;
		if (first)
			out(arg, head, sizeof(head) - 1);
		first = false;
		n = kos_snprintf(row, sizeof(row), "%4u  %7u %10llu %s\n",
				 KDEV_MAJOR(i.rdev), KDEV_MINOR(i.rdev),
				 (unsigned long long)(i.nsectors >> 1), i.name);
		out(arg, row, (size_t)n);
	}
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
	struct kos_blkdev *bd = blkdev_get(f->vnode->rdev);

	if (!bd)
		return -ENXIO;
	f->priv = bd;
	return 0;
}

static void blk_release(struct file *f)
{
	blkdev_put(f->priv);
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
	return blkdev_sync(f->priv, false);
}

static long put_val(unsigned long arg, const void *v, size_t n)
{
	return copy_to_user((void *)arg, v, n) ? -EFAULT : 0;
}

/*
 * HDIO_GETGEO's answer, as Linux's virtio-blk gives it: the device's
 * geometry, else (no VIRTIO_BLK_F_GEOMETRY) a made-up one; and the
 * partition's start.
 */
struct hd_geometry {
	uint8_t heads;
	uint8_t sectors;
	uint16_t cylinders;
	unsigned long start;
};

static long blk_getgeo(struct kos_blkdev *bd, unsigned long arg)
{
	struct kos_blkdev *disk = bd->disk ? bd->disk : bd;
	struct hd_geometry g;

	kos_memset(&g, 0, sizeof(g));
	if (disk->geometry.heads) {
		g.heads = disk->geometry.heads;
		g.sectors = disk->geometry.sectors;
		g.cylinders = disk->geometry.cylinders;
	} else {
		g.heads = 1 << 6;
		g.sectors = 1 << 5;
		g.cylinders = (uint16_t)(disk->nsectors >> 11);
	}
	g.start = (unsigned long)bd->start;
	return put_val(arg, &g, sizeof(g));
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
	case BLKRRPART: /* Linux's order of checks (blkdev_reread_part) */
		if (bd->disk)
			return -EINVAL;
		if (me && !(me->cred.cap_effective & (1ULL << CAP_SYS_ADMIN)))
			return -EACCES;
		return blkdev_scan(bd);
	case HDIO_GETGEO:
		return blk_getgeo(bd, arg);
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
	.release = blk_release,
};

const struct file_ops *blkdev_fops(uint32_t rdev)
{
	return KDEV_MAJOR(rdev) == BLK_MAJOR ||
			       KDEV_MAJOR(rdev) == BLK_EXT_MAJOR
		       ? &blk_fops
		       : NULL;
}
