/*
 * Block devices: the core interface (docs/plan-block-ext4.md, step 1).
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
 * Every disk has a page cache (blk/cache.c: a vnode of its own whose
 * pages are the disk's, written back and reclaimed as any file's).
 * Files of S_IFBLK nodes use blkdev_fops(): read/write at any offset
 * through that cache, lseek with the disk's size, fsync (write back,
 * then flush), and the ioctls BLKGETSIZE64, BLKGETSIZE, BLKSSZGET,
 * BLKPBSZGET, BLKROGET and BLKFLSBUF (write back, drop the clean pages).
 *
 * Locking: the registry is guarded by blk_lock (a mutex); a registered
 * disk stays for the kernel's life (no hot unplug yet).  A request
 * belongs to the driver between submit and done.  Files take no lock of
 * their own: the cache's lock serializes changes to a page.
 */
#ifndef KOS_BLKDEV_H
#define KOS_BLKDEV_H

#include <kos/list.h>
#include <kos/types.h>

#define BLK_SECTOR 512 /* the unit of sector numbers, whatever the block */
#define BLK_MAJOR 254  /* virtio-blk's (Linux's first dynamic major) */
#define BLK_MINORS 16  /* minors per disk: the disk and 15 partitions */
#define BLK_MAX_DISKS 26

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
	struct vnode *cache; /* the disk's pages: blk/cache.c */
};

/* Name and number bd; 0, -EINVAL (bad geometry) or -ENOSPC (too many). */
int blkdev_register(struct kos_blkdev *bd);
/* The disk with device number rdev, or NULL. */
struct kos_blkdev *blkdev_lookup(uint32_t rdev);
/* Disk number i (0: vda) or NULL: for walking the registry. */
struct kos_blkdev *blkdev_at(unsigned int i);
/* Forget every disk (unit tests). */
void blkdev_reset(void);

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
