/*
 * Block devices: the core interface (docs/block.md).
 *
 * A driver fills a struct kos_blkdev (capacity, block size, read-only,
 * ops) and calls blkdev_register(), which names it ("vda", "vdb", ...)
 * and gives it Linux's virtio-blk numbers (major 254, 16 minors a disk).
 * Requests go to ops->submit(); the driver completes each one by setting
 * rq->status and calling rq->done(rq), from its interrupt handler (or at
 * once, inside submit: both orders are allowed, and the unit tests use
 * both).  Requests carry one physically contiguous buffer (pa, len), so
 * a DMA engine or the hosted platform's RAM mapping reaches it without a
 * copy.
 *
 * Partitions.  blkdev_scan() reads a disk's partition table (GPT, else
 * MBR with logical partitions; libkos/blk/part.c) and registers each
 * partition as a struct kos_blkdev of its own, made by the core: name
 * "vda1" (1..255, as Linux), numbered as Linux numbers them: the disk's
 * own minors for 1..15 (virtio-blk has 16 a disk: vda5 is 254:5), then
 * the lowest free minor of major 259 (blkext: vda16 on a first disk
 * with many is 259:0), ops that add the partition's start to a request's sector and pass it
 * to the disk's driver.  Everything that takes a block device (files,
 * blkdev_io, the cache, file systems) works on a partition as on a
 * disk, bounded by the partition's nsectors.  A disk is scanned once,
 * by blkdev_scan_new() after the platform registered its disks (a
 * driver may register a disk before it can serve requests), and again
 * on BLKRRPART.  A table that does not check out gives no partitions
 * and a log line, never more.
 *
 * Every disk and partition has a page cache (blk/cache.c: a vnode of
 * its own whose pages are the device's, written back and reclaimed as
 * any file's; a partition's is not the disk's, as in Linux).  Files of
 * S_IFBLK nodes use blkdev_fops(): read/write at any offset through that
 * cache, lseek with the device's size, fsync (write back, then flush),
 * and the ioctls BLKGETSIZE64, BLKGETSIZE, BLKSSZGET, BLKPBSZGET,
 * BLKROGET, BLKFLSBUF (write back, drop the clean pages), BLKRRPART and
 * HDIO_GETGEO.
 *
 * Locking: the registry (every device and number, a partition's users) is
 * guarded by blk_lock, a mutex; scans are serialized by a second mutex
 * taken before it.  A disk stays for the kernel's life (no hot unplug
 * yet).  A partition is freed only by a rescan, which refuses (EBUSY,
 * as Linux) while any partition of the disk has users, so whoever
 * keeps a partition takes a reference with blkdev_get() (an open file
 * does; a mounted file system must); blkdev_lookup()'s pointer is only
 * good until the next rescan.  Apart from users and the cache, a
 * device's fields do not change once registered.  A request belongs to
 * the driver between submit and done.  Files take no lock of their own:
 * the cache's lock serializes changes to a page.
 */
#ifndef KOS_BLKDEV_H
#define KOS_BLKDEV_H

#include <kos/list.h>
#include <kos/types.h>

#define BLK_SECTOR 512 /* the unit of sector numbers, whatever the block */
#define BLK_MAJOR 254  /* virtio-blk's (Linux's first dynamic major) */
#define BLK_MINORS 16  /* minors per disk: the disk and 15 partitions */
#define BLK_MAX_DISKS 26
#define BLK_PARTS \
	256 /* a disk and partitions 1..255 (Linux's DISK_MAX_PARTS) */
#define BLK_EXT_MAJOR 259   /* Linux's blkext: partitions 16 and up */
#define BLK_EXT_MINORS 1024 /* numbers of major 259 KOS hands out */
#define BLK_VOLNAME 37	    /* a GPT partition name's 36 characters and a NUL */

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH };

struct blk_request {
	enum blk_op op;
	uint64_t sector; /* first sector (BLK_SECTOR units) */
	paddr_t pa;	 /* the data: physically contiguous */
	size_t len;	 /* bytes, a multiple of the block size; 0: FLUSH */
	int status;	 /* set by the driver before done: 0 or -EIO */
	/* Completion: interrupt context, or inside submit. */
	void (*done)(struct blk_request *rq);
	void *priv;	       /* the submitter's */
	struct list_head link; /* the driver's while it owns the request */
};

struct kos_blkdev;

struct blkdev_ops {
	/*
	 * Start rq; the driver owns it until it calls rq->done.  0, or an
	 * error without done (the request was never started).
	 */
	int (*submit)(struct kos_blkdev *bd, struct blk_request *rq);
};

struct kos_blkdev {
	char name[8];	     /* "vda": set by blkdev_register */
	uint32_t rdev;	     /* set by blkdev_register */
	uint64_t nsectors;   /* capacity in BLK_SECTOR units */
	uint32_t block_size; /* logical block size: 512 or 4096 */
	bool read_only;
	const struct blkdev_ops *ops;
	void *priv;	     /* the driver's */
	struct vnode *cache; /* the device's pages: blk/cache.c */
	/*
	 * The driver's, if the device tells (VIRTIO_BLK_F_GEOMETRY) for
	 * HDIO_GETGEO; heads 0: Linux's made-up 64 heads, 32 sectors.
	 */
	struct {
		uint16_t cylinders;
		uint8_t heads, sectors;
	} geometry;
	/* Set by the core: */
	struct kos_blkdev *disk;   /* a partition's disk; NULL for a disk */
	uint64_t start;		   /* a partition's first sector on its disk */
	unsigned int partno;	   /* 1..255 for a partition, 0 for a disk */
	char volname[BLK_VOLNAME]; /* a GPT partition's name, as Linux's */
	unsigned int users;	   /* blk_lock: blkdev_get()s not yet put */
	bool scanned; /* table read: written under scan_lock and blk_lock */
};

/* What blkdev_next() copies out of the registry. */
struct blkdev_info {
	char name[8];	     /* "vda1" */
	char disk[8];	     /* "vda": the whole disk's name */
	uint32_t rdev;	     /* KDEV(254 or 259, minor) */
	unsigned int partno; /* 0: the disk itself */
	uint64_t nsectors;
	uint64_t start; /* first sector on the disk (0 for a disk) */
	uint32_t block_size;
	bool read_only;
	char volname[BLK_VOLNAME];
};

/*
 * Name and number the disk bd; 0, -EINVAL (bad geometry) or -ENOSPC (too
 * many).  Its partitions come with blkdev_scan_new(), not here.
 */
int blkdev_register(struct kos_blkdev *bd);
/*
 * (Re)read disk's partition table and replace its partitions with the
 * table's: 0 (a missing or bad table is no error: no partitions), -EBUSY
 * (a partition has users), -EINVAL (not a disk), -ENOMEM.  Sleeps.
 */
int blkdev_scan(struct kos_blkdev *disk);
/* blkdev_scan() every registered disk not scanned yet.  Sleeps. */
void blkdev_scan_new(void);
/* The disk or partition with device number rdev, or NULL (see above). */
struct kos_blkdev *blkdev_lookup(uint32_t rdev);
/* blkdev_lookup() with a reference that keeps a partition, or NULL. */
struct kos_blkdev *blkdev_get(uint32_t rdev);
void blkdev_put(struct kos_blkdev *bd);
/* Disk number i (0: vda) or NULL: for walking the disks. */
struct kos_blkdev *blkdev_at(unsigned int i);
/*
 * The first device at a registry position >= *pos, copied into out, its
 * position (disk * BLK_PARTS + partition number) in *pos: true; false
 * past the last.  Walks every disk and partition in Linux's order (disk
 * after disk, each followed by its partitions by number):
 * for (p = 0; blkdev_next(&p, &i); p++).
 */
bool blkdev_next(unsigned int *pos, struct blkdev_info *out);
/* Forget every disk and free every partition (unit tests). */
void blkdev_reset(void);
/*
 * /proc/partitions' text, as Linux prints it, through out(arg, s, n):
 * nothing without a disk, else a header, a blank line and a row per
 * disk and partition ("%4d  %7d %10llu %s", #blocks in KiB).
 */
void blkdev_show_partitions(void (*out)(void *arg, const char *s, size_t n),
			    void *arg);

/*
 * Synchronous I/O for kernel callers: op on len bytes at byte offset off
 * (both multiples of the block size) to/from kernel buffer buf (any
 * alignment; bounced a page at a time).  Sleeps; 0, -EINVAL, -EIO,
 * -EROFS, -ENOMEM.  BLK_FLUSH ignores off, buf and len.
 */
int blkdev_io(struct kos_blkdev *bd, enum blk_op op, uint64_t off, void *buf,
	      size_t len);

/* The same for one physically contiguous buffer (no bounce). */
int blkdev_io_pa(struct kos_blkdev *bd, enum blk_op op, uint64_t off,
		 paddr_t pa, size_t len);
/*
 * READ or WRITE of n pages pa[0..n) at consecutive disk offsets from
 * off, all in flight at once: each a whole page but the last, which is
 * len bytes (a multiple of the block size).  Sleeps until all are done;
 * 0 or the first error.
 */
int blkdev_io_pages(struct kos_blkdev *bd, enum blk_op op, uint64_t off,
		    const paddr_t *pa, unsigned int n, size_t len);

/*
 * The disk's cache (blk/cache.c): its vnode, made on first use (NULL:
 * -ENOMEM); a read or write through it at byte pos, stopping at the
 * disk's end (a write at or past it: -ENOSPC); and a sync that writes
 * the dirty pages back and flushes the disk (drop: then also forgets
 * the clean pages, BLKFLSBUF).
 */
struct uio;
struct vnode *blkdev_cache(struct kos_blkdev *bd);
ssize_t blkdev_cache_rw(struct kos_blkdev *bd, struct uio *u, uint64_t pos,
			bool write);
int blkdev_sync(struct kos_blkdev *bd, bool drop);
/* Write back and free the cache (blkdev_reset: the unit tests). */
void blkdev_cache_free(struct kos_blkdev *bd);
/* sync(2): flush every disk (after the page cache was written back). */
void blkdev_flush_all(void);

/* File operations for a block device node of number rdev, or NULL. */
const struct file_ops *blkdev_fops(uint32_t rdev);

#endif
