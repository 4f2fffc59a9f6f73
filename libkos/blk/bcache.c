/*
 * The buffer cache (kos/bcache.h has the model and the locking): a hash
 * of the buffers in use, each a window onto a page of the disk's own
 * page cache.
 */
#include <kos/bcache.h>
#include <kos/blkdev.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/pcache.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
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

	(void)limit;
	/* PAGE_SIZE / 8 at least: a page has eight marks (verified) */
	if (!bd || block_size < bd->block_size || block_size > PAGE_SIZE ||
	    block_size < PAGE_SIZE / 8 || (block_size & (block_size - 1)) ||
	    block_size % bd->block_size)
		return NULL;
	bc = kzalloc(sizeof(*bc));
	if (!bc)
		return NULL;
	bc->cache = blkdev_cache(bd);
	if (!bc->cache) {
		kfree(bc);
		return NULL;
	}
	bc->bd = bd;
	bc->block_size = block_size;
	bc->nblocks = bd->nsectors * BLK_SECTOR / block_size;
	mutex_init(&bc->lock, "bcache");
	for (int i = 0; i < BCACHE_BUCKETS; i++)
		list_init(&bc->buckets[i]);
	return bc;
}

void bcache_destroy(struct bcache *bc)
{
	if (!bc)
		return;
	KOS_ASSERT(bc->count == 0);
	kfree(bc);
}

/* The buffer of blkno in use, referenced, or NULL.  bc->lock held. */
static struct bbuf *find(struct bcache *bc, uint64_t blkno)
{
	struct bbuf *b;

	list_for_each_entry (b, bucket(bc, blkno), hash)
		if (b->blkno == blkno) {
			b->refcnt++;
			return b;
		}
	return NULL;
}

int bcache_get(struct bcache *bc, uint64_t blkno, struct bbuf **out)
{
	uint64_t off = blkno * bc->block_size;
	struct bbuf *b, *nb;
	paddr_t pa;
	int err;

	*out = NULL;
	if (blkno >= bc->nblocks)
		return -EINVAL;
	mutex_lock(&bc->lock);
	bc->gets++;
	b = find(bc, blkno);
	mutex_unlock(&bc->lock);
	if (b) {
		*out = b;
		return 0;
	}
	/* The page, read if it is not cached; no bcache lock held. */
	nb = kzalloc(sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	err = pcache_page_ref(bc->cache, off / PAGE_SIZE, &pa);
	if (err) {
		kfree(nb);
		if (err != -ENOMEM)
			log_warn("bcache: %s: read of block %llu failed (%d)",
				 bc->bd->name, (unsigned long long)blkno, err);
		return err == -ENXIO ? -EINVAL : err;
	}
	nb->blkno = blkno;
	nb->bc = bc;
	nb->page = pa;
	nb->data = (char *)plat_phys_to_virt(pa) + off % PAGE_SIZE;
	nb->refcnt = 1;
	mutex_lock(&bc->lock);
	b = find(bc, blkno); /* another getter was quicker */
	if (!b) {
		list_add(&nb->hash, bucket(bc, blkno));
		bc->count++;
		bc->made++;
		b = nb;
		nb = NULL;
	}
	mutex_unlock(&bc->lock);
	if (nb) {
		pmm_page_put(nb->page);
		kfree(nb);
	}
	*out = b;
	return 0;
}

void bcache_put(struct bbuf *b)
{
	struct bcache *bc;
	bool last;

	if (!b)
		return;
	bc = b->bc;
	mutex_lock(&bc->lock);
	KOS_ASSERT(b->refcnt > 0);
	last = --b->refcnt == 0;
	if (last) {
		list_del(&b->hash);
		bc->count--;
	}
	mutex_unlock(&bc->lock);
	if (last) {
		pmm_page_put(b->page);
		kfree(b);
	}
}

void bcache_mark_dirty(struct bbuf *b)
{
	KOS_ASSERT(b->refcnt > 0);
	pcache_page_dirty(b->bc->cache,
			  b->blkno * b->bc->block_size / PAGE_SIZE);
}

/* b's verified mark among its page's (one per block of the page). */
static unsigned int verified_mark(struct bbuf *b)
{
	uint64_t off = b->blkno * b->bc->block_size;

	return 1u << (off % PAGE_SIZE / b->bc->block_size);
}

bool bcache_verified(struct bbuf *b)
{
	KOS_ASSERT(b->refcnt > 0);
	return pcache_page_marks(b->bc->cache,
				 b->blkno * b->bc->block_size / PAGE_SIZE) &
	       verified_mark(b);
}

void bcache_set_verified(struct bbuf *b)
{
	KOS_ASSERT(b->refcnt > 0);
	pcache_page_set_marks(b->bc->cache,
			      b->blkno * b->bc->block_size / PAGE_SIZE,
			      verified_mark(b));
}

int bcache_sync(struct bcache *bc)
{
	return blkdev_sync(bc->bd, false);
}

void bcache_alias_write(struct bcache *bc, uint64_t blk, uint64_t count,
			const void *src)
{
	uint64_t off = blk * bc->block_size, end = off + count * bc->block_size;

	while (off < end) {
		uint64_t idx = off / PAGE_SIZE;
		size_t in = (size_t)(off % PAGE_SIZE);
		size_t n = (size_t)MIN((uint64_t)(PAGE_SIZE - in), end - off);

		pcache_poke(bc->cache, idx, in, src, n);
		src = (const char *)src + n;
		off += n;
	}
}

void bcache_shrink(struct bcache *bc)
{
	pcache_drop_clean(bc->cache);
}
