/*
 * The buffer cache (kos/bcache.h has the model and the locking).
 *
 * Buffers live in a hash of BCACHE_BUCKETS chains keyed by block
 * number.  Unreferenced buffers sit on the LRU list, oldest first;
 * getting one takes it off.  When more than limit buffers exist, a
 * put or a new get frees unreferenced clean ones from the old end.  If
 * every buffer is referenced or dirty the cache grows past its bound
 * rather than fail: the bound is soft, the references are the caller's
 * to give back.
 */
#include <kos/bcache.h>
#include <kos/blkdev.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/string.h>
#include <uapi/errno.h>

static struct list_head *bucket(struct bcache *bc, uint64_t blkno)
{
	return &bc->buckets[(blkno ^ (blkno >> 8)) % BCACHE_BUCKETS];
}

struct bcache *bcache_create(struct kos_blkdev *bd, unsigned int block_size,
			     unsigned int limit)
{
	struct bcache *bc;

	if (!bd || block_size < bd->block_size || block_size > PAGE_SIZE ||
	    (block_size & (block_size - 1)) || block_size % bd->block_size)
		return NULL;
	bc = kzalloc(sizeof(*bc));
	if (!bc)
		return NULL;
	bc->bd = bd;
	bc->block_size = block_size;
	bc->nblocks = bd->nsectors * BLK_SECTOR / block_size;
	bc->limit = limit ? limit : 1;
	mutex_init(&bc->lock, "bcache");
	list_init(&bc->lru);
	for (int i = 0; i < BCACHE_BUCKETS; i++)
		list_init(&bc->buckets[i]);
	return bc;
}

static void buf_free(struct bcache *bc, struct bbuf *b)
{
	list_del(&b->hash);
	list_del(&b->lru);
	bc->count--;
	kfree(b->data);
	kfree(b);
}

/* Free unreferenced clean buffers, oldest first, down to keep.  lock. */
static void trim(struct bcache *bc, unsigned int keep)
{
	struct bbuf *b, *tmp;

	list_for_each_entry_safe (b, tmp, &bc->lru, lru) {
		if (bc->count <= keep)
			break;
		if (!b->dirty)
			buf_free(bc, b);
	}
}

void bcache_destroy(struct bcache *bc)
{
	if (!bc)
		return;
	mutex_lock(&bc->lock);
	for (int i = 0; i < BCACHE_BUCKETS; i++) {
		struct bbuf *b, *tmp;

		list_for_each_entry_safe (b, tmp, &bc->buckets[i], hash) {
			KOS_ASSERT(b->refcnt == 0);
			buf_free(bc, b);
		}
	}
	mutex_unlock(&bc->lock);
	kfree(bc);
}

/* The cached buffer for blkno, referenced, or a new invalid one. */
static struct bbuf *lookup_or_add(struct bcache *bc, uint64_t blkno)
{
	struct list_head *h = bucket(bc, blkno);
	struct bbuf *b;

	mutex_lock(&bc->lock);
	list_for_each_entry (b, h, hash)
		if (b->blkno == blkno) {
			if (b->refcnt++ == 0) {
				list_del(&b->lru);
				list_init(&b->lru);
			}
			bc->hits++;
			mutex_unlock(&bc->lock);
			return b;
		}
	bc->misses++;
	trim(bc, bc->limit - 1);
	b = kzalloc(sizeof(*b));
	if (b)
		b->data = kmalloc(bc->block_size);
	if (!b || !b->data) {
		kfree(b);
		mutex_unlock(&bc->lock);
		return NULL;
	}
	b->blkno = blkno;
	b->bc = bc;
	b->refcnt = 1;
	mutex_init(&b->io_lock, "bcache.io");
	list_init(&b->lru);
	list_add(&b->hash, h);
	bc->count++;
	mutex_unlock(&bc->lock);
	return b;
}

int bcache_get(struct bcache *bc, uint64_t blkno, struct bbuf **out)
{
	struct bbuf *b;
	int err = 0;

	*out = NULL;
	if (blkno >= bc->nblocks)
		return -EINVAL;
	b = lookup_or_add(bc, blkno);
	if (!b)
		return -ENOMEM;
	/*
	 * The first getter reads; the others wait on io_lock until it is
	 * done.  Only this buffer is held across the I/O, never bc->lock.
	 */
	if (!__atomic_load_n(&b->valid, __ATOMIC_ACQUIRE)) {
		mutex_lock(&b->io_lock);
		if (!b->valid) {
			err = blkdev_io(bc->bd, BLK_READ,
					blkno * bc->block_size, b->data,
					bc->block_size);
			if (!err)
				__atomic_store_n(&b->valid, true,
						 __ATOMIC_RELEASE);
		}
		mutex_unlock(&b->io_lock);
	}
	if (err) {
		log_warn("bcache: %s: read of block %llu failed (%d)",
			 bc->bd->name, (unsigned long long)blkno, err);
		bcache_put(b);
		return err;
	}
	*out = b;
	return 0;
}

void bcache_put(struct bbuf *b)
{
	struct bcache *bc;

	if (!b)
		return;
	bc = b->bc;
	mutex_lock(&bc->lock);
	KOS_ASSERT(b->refcnt > 0);
	if (--b->refcnt == 0) {
		if (!b->valid && !b->dirty)
			buf_free(bc, b); /* a failed read: keep nothing */
		else
			list_add_tail(&b->lru, &bc->lru);
		trim(bc, bc->limit);
	}
	mutex_unlock(&bc->lock);
}

void bcache_mark_dirty(struct bbuf *b)
{
	mutex_lock(&b->bc->lock);
	KOS_ASSERT(b->refcnt > 0 && b->valid);
	b->dirty = true;
	mutex_unlock(&b->bc->lock);
}

int bcache_sync(struct bcache *bc)
{
	int err;

	for (;;) {
		struct bbuf *b = NULL, *it;

		/* One dirty buffer at a time, referenced across its write. */
		mutex_lock(&bc->lock);
		for (int i = 0; i < BCACHE_BUCKETS && !b; i++)
			list_for_each_entry (it, &bc->buckets[i], hash)
				if (it->dirty) {
					b = it;
					break;
				}
		if (!b) {
			mutex_unlock(&bc->lock);
			break;
		}
		if (b->refcnt++ == 0) {
			list_del(&b->lru);
			list_init(&b->lru);
		}
		b->dirty = false; /* a change during the write re-dirties */
		mutex_unlock(&bc->lock);
		err = blkdev_io(bc->bd, BLK_WRITE, b->blkno * bc->block_size,
				b->data, bc->block_size);
		if (err) {
			log_warn("bcache: %s: write of block %llu failed (%d)",
				 bc->bd->name, (unsigned long long)b->blkno,
				 err);
			mutex_lock(&bc->lock);
			b->dirty = true; /* still to be written */
			mutex_unlock(&bc->lock);
		}
		bcache_put(b);
		if (err)
			return err; /* no retry loop on a failing disk */
	}
	return blkdev_io(bc->bd, BLK_FLUSH, 0, NULL, 0);
}

void bcache_shrink(struct bcache *bc)
{
	mutex_lock(&bc->lock);
	trim(bc, 0);
	mutex_unlock(&bc->lock);
}
