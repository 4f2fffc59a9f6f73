/*
 * The buffer cache: a file system's metadata blocks, one disk and one
 * block size per cache (the file system's block size, a power of two
 * from the disk's block size up to PAGE_SIZE).
 *
 * bcache_get() hands out a buffer holding block blkno with a reference;
 * the first getter reads it from the disk (blkdev_io), later ones find
 * it cached.  bcache_put() gives the reference back.  A buffer nobody
 * references stays cached until the cache is over its bound, then the
 * least recently used clean one goes.  For the read-write step a buffer
 * can be marked dirty (it then stays until bcache_sync() has written it)
 * and bcache_sync() writes every dirty buffer back and flushes the disk.
 *
 * Locking: struct bcache.lock (a mutex, one per cache and so per mounted
 * disk) guards the hash, the LRU list and every buffer's refcnt, dirty
 * and link fields.  It is never held across I/O: a buffer being read is
 * referenced (so it cannot be evicted) and its io_lock serialises the
 * readers, who wait for the first to fill it.  The bytes of a buffer
 * belong to whoever holds a reference; writers (next step) serialise
 * among themselves.
 */
#ifndef KOS_BCACHE_H
#define KOS_BCACHE_H

#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/types.h>

struct kos_blkdev;

struct bbuf {
	uint64_t blkno;	       /* in cache blocks (block_size units) */
	void *data;	       /* block_size bytes */
	struct bcache *bc;     /* its cache */
	unsigned int refcnt;   /* bc->lock */
	bool dirty;	       /* bc->lock */
	bool valid;	       /* data read; set under io_lock */
	struct mutex io_lock;  /* serialises the read that fills it */
	struct list_head hash; /* in bc->buckets; bc->lock */
	struct list_head lru;  /* in bc->lru while unreferenced; bc->lock */
};

#define BCACHE_BUCKETS 256

struct bcache {
	struct kos_blkdev *bd;
	unsigned int block_size;
	uint64_t nblocks;   /* blocks on the disk (reads past: -EINVAL) */
	unsigned int limit; /* buffers kept cached (a soft bound) */
	struct mutex lock;
	unsigned int count;    /* buffers allocated; lock */
	struct list_head lru;  /* unreferenced buffers, oldest first; lock */
	uint64_t hits, misses; /* statistics; lock */
	struct list_head buckets[BCACHE_BUCKETS]; /* lock */
};

/*
 * A new cache over bd in blocks of block_size bytes (a power of two,
 * a multiple of the disk's block size, at most PAGE_SIZE) that keeps
 * about limit buffers.  NULL on -ENOMEM or bad arguments.
 */
struct bcache *bcache_create(struct kos_blkdev *bd, unsigned int block_size,
			     unsigned int limit);
/*
 * Free the cache and every buffer: none may be referenced (a kernel
 * bug otherwise); dirty buffers are dropped unwritten (sync first).
 */
void bcache_destroy(struct bcache *bc);

/*
 * Block blkno, read if not cached, in *out with a reference.  0,
 * -EINVAL (past the disk), -EIO (the read failed: nothing is cached,
 * the next get tries again), -ENOMEM.  Sleeps.
 */
int bcache_get(struct bcache *bc, uint64_t blkno, struct bbuf **out);
/* Give a reference back (NULL ignored). */
void bcache_put(struct bbuf *b);
/* The caller changed b's bytes: write them back at the next sync. */
void bcache_mark_dirty(struct bbuf *b);
/* Write every dirty buffer, then flush the disk: 0 or the first error. */
int bcache_sync(struct bcache *bc);
/* Drop every unreferenced clean buffer (BLKFLSBUF, tests). */
void bcache_shrink(struct bcache *bc);

#endif
