/*
 * The disks' page cache: every disk has one vnode of its own (not in any
 * file system, never freed) whose page cache holds the disk's contents,
 * page by page, as a file's cache holds a file's.  Block device files
 * read and write through it, so they share the cache, dirty tracking,
 * writeback and reclaim of kos/pcache.h with regular files (Linux's
 * "bdev inode"); file systems on the disk read their metadata through
 * the same pages.
 *
 * readpage/writepage move a page (the last one may be short: disks are
 * whole blocks, not whole pages) straight between the cache page and the
 * disk: requests carry the page's physical address, so nothing is
 * copied.
 */
#include <kos/blkdev.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/mutex.h>
#include <kos/pcache.h>
#include <kos/plat/mem.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

/* Guards the creation of each disk's vnode. */
static struct mutex cache_lock = MUTEX_INIT(cache_lock, "blk.cache");

static uint64_t disk_bytes(const struct kos_blkdev *bd)
{
	return bd->nsectors * BLK_SECTOR;
}

/* Page idx of the disk <-> page: 0 or -EIO. */
static int cache_io(struct vnode *v, uint64_t idx, void *page, enum blk_op op)
{
	struct kos_blkdev *bd = v->priv;
	uint64_t off = idx * PAGE_SIZE, size = disk_bytes(bd);

	if (off >= size)
		return 0; /* past the end: a hole */
	return blkdev_io_pa(bd, op, off, plat_virt_to_phys(page),
			    (size_t)MIN((uint64_t)PAGE_SIZE, size - off))
		       ? -EIO
		       : 0;
}

static int cache_readpage(struct vnode *v, uint64_t idx, void *page)
{
	return cache_io(v, idx, page, BLK_READ);
}

static int cache_writepage(struct vnode *v, uint64_t idx, const void *page)
{
	return cache_io(v, idx, (void *)page, BLK_WRITE);
}

/* Pages idx.. of the disk <-> pages[0..n), in flight together. */
static int cache_io_pages(struct vnode *v, uint64_t idx, void *const *pages,
			  unsigned int n, enum blk_op op)
{
	struct kos_blkdev *bd = v->priv;
	uint64_t off = idx * PAGE_SIZE, size = disk_bytes(bd);
	paddr_t pa[32];
	int err = 0;

	while (n && off < size && !err) {
		unsigned int k = 0;

		/* as many as fit in pa[] and on the disk */
		while (k < n && k < ARRAY_SIZE(pa) &&
		       off + (uint64_t)k * PAGE_SIZE < size) {
			pa[k] = plat_virt_to_phys(pages[k]);
			k++;
		}
		err = blkdev_io_pages(
			bd, op, off, pa, k,
			(size_t)MIN((uint64_t)PAGE_SIZE,
				    size - off -
					    (uint64_t)(k - 1) * PAGE_SIZE));
		pages += k;
		n -= k;
		off += (uint64_t)k * PAGE_SIZE;
	}
	return err ? -EIO : 0;
}

static int cache_readpages(struct vnode *v, uint64_t idx, void *const *pages,
			   unsigned int n)
{
	return cache_io_pages(v, idx, pages, n, BLK_READ);
}

static int cache_writepages(struct vnode *v, uint64_t idx, void *const *pages,
			    unsigned int n)
{
	return cache_io_pages(v, idx, pages, n, BLK_WRITE);
}

static const struct vnode_ops cache_vops = {
	.readpage = cache_readpage,
	.writepage = cache_writepage,
	.readpages = cache_readpages,
	.writepages = cache_writepages,
};

struct vnode *blkdev_cache(struct kos_blkdev *bd)
{
	struct vnode *v;

	mutex_lock(&cache_lock);
	v = bd->cache;
	if (!v) {
		v = vnode_alloc(NULL, &cache_vops, sizeof(*v));
		if (v) {
			v->mode = S_IFBLK | 0600;
			v->rdev = bd->rdev;
			v->size = disk_bytes(bd);
			v->priv = bd;
			bd->cache = v;
		}
	}
	mutex_unlock(&cache_lock);
	return v;
}

ssize_t blkdev_cache_rw(struct kos_blkdev *bd, struct uio *u, uint64_t pos,
			bool write)
{
	struct vnode *v = blkdev_cache(bd);
	uint64_t size = disk_bytes(bd);
	size_t resid = u->resid;
	ssize_t n;

	if (!v)
		return -ENOMEM;
	if (pos >= size)
		return write && resid ? -ENOSPC : 0;
	/* The cache must not grow the "file": stop at the disk's end. */
	if (resid > size - pos)
		u->resid = (size_t)(size - pos);
	n = write ? pcache_write(v, u, pos) : pcache_read(v, u, pos);
	u->resid += resid - (size_t)MIN(resid, size - pos);
	return n;
}

int blkdev_sync(struct kos_blkdev *bd, bool drop)
{
	struct vnode *v = bd->cache;
	int err = 0;

	if (v) {
		err = pcache_writeback(v);
		if (!err && drop)
			pcache_drop_clean(v);
	}
	if (!err)
		err = blkdev_io(bd, BLK_FLUSH, 0, NULL, 0);
	return err;
}

void blkdev_cache_free(struct kos_blkdev *bd)
{
	struct vnode *v = bd->cache;

	if (!v)
		return;
	pcache_writeback(v); /* off the dirty list: it held a reference */
	pcache_release(v);
	kfree(v);
	bd->cache = NULL;
}
