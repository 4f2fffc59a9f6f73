/*
 * The buffer cache: a file system's metadata blocks, one disk (or
 * partition) and one block size per cache (the file system's block
 * size, a power of two from the disk's block size up to PAGE_SIZE).
 *
 * There is one copy of every block: the disk's own page cache
 * (blk/cache.c, the vnode whose pages are the disk's).  A buffer is a
 * window onto a page of it -- block blkno of a 1 KiB file system is a
 * quarter of page blkno / 4 -- held with a page reference, so the
 * page cannot be reclaimed while the buffer is out, and a block device
 * file, partition-table reads and the file system all see the same
 * bytes.  Caching, readahead, writeback (the page cache's "flush"
 * thread, every 30 s) and reclaim are the page cache's.
 *
 * bcache_get() hands out the buffer of block blkno with a reference
 * (the page is read on a miss); concurrent getters of one block share
 * one struct bbuf.  bcache_put() gives the reference back; with the
 * last one the struct goes (the page stays cached).  A caller that
 * changed a buffer's bytes calls bcache_mark_dirty() afterwards: the
 * page is then written back by the next writeback (a writeback in
 * progress holds the page cache's lock, so marking waits for it and
 * the change is written again).  bcache_sync() writes back every dirty
 * page of the disk and flushes it.
 *
 * Verified blocks: a file system that checks a block's checksum when it
 * reads it calls bcache_set_verified() once it matched, and skips the
 * check while bcache_verified() says so (Linux's buffer_verified).  The
 * mark is the page cache's (pcache_page_marks): a block read from the
 * disk again (its page reclaimed, BLKFLSBUF) or changed by anyone but
 * the file system's own buffer writes (write(2) to the device,
 * bcache_alias_write) is unverified.  It says nothing about what the
 * block was verified as: the checks that keep the bytes from being
 * misread (lengths, counts) are the file system's to run every time.
 *
 * Locking: struct bcache.lock (a mutex per cache) guards the hash of
 * buffers in use and their refcnt; never held across I/O.  The bytes
 * of a buffer belong to whoever holds a reference; writers serialise
 * among themselves (the file system's locks).
 */
#ifndef KOS_BCACHE_H
#define KOS_BCACHE_H

#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/types.h>

struct kos_blkdev;
struct vnode;

struct bbuf {
	uint64_t blkno;	       /* in cache blocks (block_size units) */
	void *data;	       /* block_size bytes, inside the page */
	struct bcache *bc;     /* its cache */
	paddr_t page;	       /* the disk cache's page: one reference */
	unsigned int refcnt;   /* bc->lock */
	struct list_head hash; /* in bc->buckets; bc->lock */
};

#define BCACHE_BUCKETS 256

struct bcache {
	struct kos_blkdev *bd;
	struct vnode *cache; /* the disk's pages (blkdev_cache) */
	unsigned int block_size;
	uint64_t nblocks; /* blocks on the disk (reads past: -EINVAL) */
	struct mutex lock;
	unsigned int count;			  /* buffers in use; lock */
	uint64_t gets, made;			  /* statistics; lock */
	struct list_head buckets[BCACHE_BUCKETS]; /* lock */
};

/*
 * A new cache over bd in blocks of block_size bytes (a power of two,
 * a multiple of the disk's block size, at most PAGE_SIZE).  limit is
 * no longer used (the page cache reclaims).  NULL on -ENOMEM or bad
 * arguments.
 */
struct bcache *bcache_create(struct kos_blkdev *bd, unsigned int block_size,
			     unsigned int limit);
/* Free the cache: no buffer may be held (a kernel bug otherwise). */
void bcache_destroy(struct bcache *bc);

/*
 * Block blkno, read if not cached, in *out with a reference.  0,
 * -EINVAL (past the disk), -EIO (the read failed: nothing is cached,
 * the next get tries again), -ENOMEM.  Sleeps.
 */
int bcache_get(struct bcache *bc, uint64_t blkno, struct bbuf **out);
/* Give a reference back (NULL ignored). */
void bcache_put(struct bbuf *b);
/*
 * The caller changed b's bytes: write them back.  A verified block
 * stays verified: the caller wrote its checksum with the change.
 */
void bcache_mark_dirty(struct bbuf *b);
/* Has b's checksum been verified since its block came from the disk? */
bool bcache_verified(struct bbuf *b);
/* It has (the caller checked it). */
void bcache_set_verified(struct bbuf *b);
/* Write every dirty page of the disk, then flush: 0 or the first error. */
int bcache_sync(struct bcache *bc);
/*
 * A file system wrote count blocks from blk on straight to the disk
 * (file data, around the cache): copy them into the disk's cached pages
 * too, where there are any, so a later writeback of such a page (a block
 * that was metadata before it was freed and reused) cannot put old
 * bytes over them, and readers of the cache see them.
 */
void bcache_alias_write(struct bcache *bc, uint64_t blk, uint64_t count,
			const void *src);
/* Forget the disk's clean pages nobody holds (BLKFLSBUF, tests). */
void bcache_shrink(struct bcache *bc);

#endif
