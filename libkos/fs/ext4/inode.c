/*
 * ext4 inodes: reading one from its group's inode table and checking
 * it (number, checksum, extra size, type, link count, size), turning it
 * into vnode attributes (32-bit ids, 64-bit sizes, huge_file block
 * counts, timestamps with nanoseconds and the epoch bits past 2038,
 * crtime as statx's btime, device numbers in both encodings), and the
 * vnode ops: symlinks (fast ones inside the inode, slow ones in a
 * block), file data through the page cache (readpage maps blocks with
 * ext4_map; holes and unwritten extents read as zeros), and -EROFS for
 * every change.
 *
 * Locking: an inode's fields are set before its vnode is published in
 * the inode cache and never change after (read-only file system), so
 * the ops read them without a lock.  readpage runs with the page
 * cache's lock held and does its I/O there (kos/pcache.h).
 */
#include <kos/blkdev.h>
#include <kos/crc32c.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/pcache.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/random.h>
#include <kos/string.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#include "ext4.h"

/* Does the inode's extra part reach past field end (EXT4_EXTRA_END)? */
static bool has_extra(struct ext4_inode_info *ei, size_t end)
{
	return ext4_raw(ei)->i_extra_isize >= end;
}

/* A timestamp: 32 signed bits, then in extra 2 epoch bits and the ns. */
static struct vfs_time ext4_time(uint32_t sec, bool has_extra, uint32_t extra)
{
	struct vfs_time t = { .sec = (int32_t)sec, .nsec = 0 };

	if (has_extra) {
		t.sec += (int64_t)(extra & 3) << 32;
		t.nsec = MIN(extra >> 2, 999999999u);
	}
	return t;
}

/* Linux's two device-number encodings (old 8:8 in i_block[0], new). */
static uint32_t ext4_rdev(const struct ext4_inode *ri)
{
	uint32_t old, dev;

	kos_memcpy(&old, ri->i_block, 4);
	kos_memcpy(&dev, ri->i_block + 4, 4);
	if (old)
		return KDEV((old >> 8) & 0xff, old & 0xff);
	return KDEV((dev & 0xfff00) >> 8,
		    (dev & 0xff) | ((dev >> 12) & 0xfff00));
}

/* Verify the inode's checksum; its seed for its blocks in ei. */
static int check_csum(struct ext4_fs *fs, struct ext4_inode_info *ei,
		      uint32_t ino)
{
	struct ext4_inode *ri = ext4_raw(ei);
	bool hi = fs->inode_size > EXT4_GOOD_OLD_INODE_SIZE &&
		  has_extra(ei, EXT4_EXTRA_END(i_checksum_hi));
	uint32_t want = ri->i_checksum_lo, crc, le = ino;
	uint16_t lo = ri->i_checksum_lo, h = 0;

	ei->csum_seed = kos_crc32c(fs->csum_seed, &le, 4);
	ei->csum_seed = kos_crc32c(ei->csum_seed, &ri->i_generation, 4);
	if (!fs->csum)
		return 0;
	if (hi) {
		h = ri->i_checksum_hi;
		want |= (uint32_t)h << 16;
		ri->i_checksum_hi = 0;
	}
	ri->i_checksum_lo = 0;
	crc = kos_crc32c(ei->csum_seed, ri, fs->inode_size);
	ri->i_checksum_lo = lo;
	if (hi)
		ri->i_checksum_hi = h;
	else
		crc &= 0xffff;
	if (crc != want)
		return ext4_corrupt(fs, "inode %u: bad checksum", ino);
	return 0;
}

/* Copy inode ino out of its inode table into ei->raw. */
static int read_raw(struct ext4_fs *fs, struct ext4_inode_info *ei,
		    uint32_t ino)
{
	uint32_t g = (ino - 1) / fs->inodes_per_group;
	uint64_t off =
		(uint64_t)((ino - 1) % fs->inodes_per_group) * fs->inode_size;
	struct bbuf *b;
	int err;

	ei->raw = kmalloc(MAX(fs->inode_size, sizeof(struct ext4_inode)));
	if (!ei->raw)
		return -ENOMEM;
	kos_memset(ei->raw, 0, MAX(fs->inode_size, sizeof(struct ext4_inode)));
	err = ext4_bread(fs, fs->groups[g].inode_table + off / fs->bs, &b);
	if (err)
		return err;
	kos_memcpy(ei->raw, (char *)b->data + off % fs->bs, fs->inode_size);
	bcache_put(b);
	return 0;
}

int ext4_inode_fill(struct ext4_fs *fs, struct ext4_inode_info *ei,
		    uint32_t ino)
{
	struct vnode *v = &ei->v;
	struct ext4_inode *ri;
	bool extra;
	int err;

	mutex_init(&ei->map_lock, "ext4.map");

	if (ino == 0 || ino > fs->ninodes ||
	    (ino < fs->first_ino && ino != EXT4_ROOT_INO && !ei->special))
		return ext4_corrupt(fs, "bad inode number %u", ino);
	err = read_raw(fs, ei, ino);
	if (err)
		return err;
	ri = ext4_raw(ei);
	if (fs->inode_size == EXT4_GOOD_OLD_INODE_SIZE)
		ri->i_extra_isize = 0;
	else if (ri->i_extra_isize % 4 ||
		 EXT4_GOOD_OLD_INODE_SIZE + ri->i_extra_isize >
			 (int)fs->inode_size)
		return ext4_corrupt(fs, "inode %u: bad extra size %u", ino,
				    ri->i_extra_isize);
	err = check_csum(fs, ei, ino);
	if (err)
		return err;
	if (ri->i_links_count == 0 && !ei->special)
		return ext4_corrupt(fs, "inode %u: deleted inode referenced",
				    ino);
	v->ino = ino;
	v->mode = ri->i_mode;
	switch (v->mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		return ext4_corrupt(fs, "inode %u: bad mode %#o", ino, v->mode);
	}
	v->nlink = ri->i_links_count;
	v->uid = ri->i_uid | (uint32_t)ri->i_uid_high << 16;
	v->gid = ri->i_gid | (uint32_t)ri->i_gid_high << 16;
	v->size = ri->i_size_lo | (uint64_t)ri->i_size_high << 32;
	/* Linux's "bad i_size value": past what the format can hold. */
	if ((int64_t)v->size < 0 ||
	    (S_ISREG(v->mode) && v->size > fs->sb.max_file_size))
		return ext4_corrupt(fs, "inode %u: bad size %llu", ino,
				    (unsigned long long)v->size);
	v->blocks = ri->i_blocks_lo;
	if (fs->ro_compat & EXT4_RO_COMPAT_HUGE_FILE) {
		v->blocks |= (uint64_t)ri->i_blocks_high << 32;
		if (ri->i_flags & EXT4_HUGE_FILE_FL)
			v->blocks <<= fs->log_bs - 9;
	}
	extra = fs->inode_size > EXT4_GOOD_OLD_INODE_SIZE;
	v->atime =
		ext4_time(ri->i_atime,
			  extra && has_extra(ei, EXT4_EXTRA_END(i_atime_extra)),
			  ri->i_atime_extra);
	v->mtime =
		ext4_time(ri->i_mtime,
			  extra && has_extra(ei, EXT4_EXTRA_END(i_mtime_extra)),
			  ri->i_mtime_extra);
	v->ctime =
		ext4_time(ri->i_ctime,
			  extra && has_extra(ei, EXT4_EXTRA_END(i_ctime_extra)),
			  ri->i_ctime_extra);
	if (extra && has_extra(ei, EXT4_EXTRA_END(i_crtime))) {
		ei->has_btime = true;
		ei->btime =
			ext4_time(ri->i_crtime,
				  has_extra(ei, EXT4_EXTRA_END(i_crtime_extra)),
				  ri->i_crtime_extra);
	}
	if (S_ISCHR(v->mode) || S_ISBLK(v->mode))
		v->rdev = ext4_rdev(ri);
	ei->flags = ri->i_flags;
	ei->generation = ri->i_generation;
	ei->file_acl = ri->i_file_acl_lo;
	if (fs->incompat & EXT4_INCOMPAT_64BIT)
		ei->file_acl |= (uint64_t)ri->i_file_acl_high << 32;
	if (ei->file_acl && (ei->file_acl <= fs->first_data_block ||
			     ei->file_acl >= fs->nblocks))
		return ext4_corrupt(fs, "inode %u: bad xattr block %llu", ino,
				    (unsigned long long)ei->file_acl);
	return 0;
}

void ext4_inode_free(struct ext4_inode_info *ei)
{
	kfree(ei->raw);
	ei->raw = NULL;
}

/* Inline data (not made by default): not read yet. */
static int no_inline(struct ext4_inode_info *ei)
{
	log_warn("ext4 (%s): inode %llu: inline data is not supported",
		 EXT4_FS(ei->v.sb)->bd->name, (unsigned long long)ei->v.ino);
	return -EOPNOTSUPP;
}

/* ---- regular files ----------------------------------------------------- */

/* Blocks of page idx that lie below the size (0: none). */
static uint32_t page_blocks(struct ext4_fs *fs, struct vnode *v, uint64_t idx)
{
	uint32_t per_page = PAGE_SIZE >> fs->log_bs;
	uint64_t first = idx * per_page;
	uint64_t fblocks = (v->size + fs->bs - 1) >> fs->log_bs;

	if (first >= fblocks || first >= (1ULL << 32))
		return 0;
	return (uint32_t)MIN((uint64_t)per_page, fblocks - first);
}

/* Zero what lies past the size in page idx (the disk may hold junk). */
static void zero_tail(struct vnode *v, uint64_t idx, void *page)
{
	if ((idx + 1) * PAGE_SIZE > v->size) {
		size_t in = (size_t)(v->size - MIN(v->size, idx * PAGE_SIZE));

		kos_memset((char *)page + in, 0, PAGE_SIZE - in);
	}
}

/*
 * Fill page idx of v (a zeroed kernel page) from the disk: the blocks
 * of the page that lie below the size, mapped through the extent tree a
 * run at a time and read straight into the page; holes and unwritten
 * extents stay zero, and so do the bytes past the size.  The page
 * cache's lock is held.
 */
static int ext4_readpage(struct vnode *v, uint64_t idx, void *page)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	uint32_t nblk = page_blocks(fs, v, idx), i = 0;
	uint64_t first = idx * (PAGE_SIZE >> fs->log_bs);
	paddr_t pa = plat_virt_to_phys(page);

	if (ei->flags & EXT4_INLINE_DATA_FL)
		return no_inline(ei);
	while (i < nblk) {
		uint64_t pblk;
		uint32_t n;
		int err = ext4_map(ei, (uint32_t)(first + i), nblk - i, &pblk,
				   &n);

		if (!err && pblk)
			err = blkdev_io_pa(fs->bd, BLK_READ, pblk << fs->log_bs,
					   pa + ((size_t)i << fs->log_bs),
					   (size_t)n << fs->log_bs);
		if (err)
			return err;
		i += n;
	}
	zero_tail(v, idx, page);
	return 0;
}

/*
 * Readahead: pages[0..n) are pages idx.. of v.  Runs of pages that each
 * map to one stretch of disk, the stretches following each other, go
 * to the disk as one batch (blkdev_io_pages); any other page is read
 * alone.  The page cache's lock is held.
 */
static int ext4_readpages(struct vnode *v, uint64_t idx, void *const *pages,
			  unsigned int n)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	uint32_t per_page = PAGE_SIZE >> fs->log_bs;
	paddr_t pa[32];
	unsigned int i = 0;

	if (ei->flags & EXT4_INLINE_DATA_FL)
		return no_inline(ei);
	while (i < n) {
		unsigned int k = 0;
		uint64_t start = 0;
		uint32_t last = 0;
		int err = 0;

		/* The longest batch from page i on. */
		while (i + k < n && k < ARRAY_SIZE(pa)) {
			uint32_t want = page_blocks(fs, v, idx + i + k), cnt;
			uint64_t pblk;

			if (!want)
				break;
			err = ext4_map(ei, (uint32_t)((idx + i + k) * per_page),
				       want, &pblk, &cnt);
			if (err || !pblk || cnt != want ||
			    (k && pblk != start + (uint64_t)k * per_page))
				break;
			if (!k)
				start = pblk;
			pa[k] = plat_virt_to_phys(pages[i + k]);
			k++;
			last = want;
			if (want < per_page)
				break; /* a short page ends the batch */
		}
		if (err)
			return err;
		if (k) {
			err = blkdev_io_pages(fs->bd, BLK_READ,
					      start << fs->log_bs, pa, k,
					      (size_t)last << fs->log_bs);
			if (!err)
				zero_tail(v, idx + i + k - 1, pages[i + k - 1]);
			i += k;
		} else {
			err = ext4_readpage(v, idx + i, pages[i]);
			i++;
		}
		if (err)
			return err;
	}
	return 0;
}

static ssize_t ext4_read(struct vnode *v, struct uio *u, uint64_t off)
{
	if (EXT4_I(v)->flags & EXT4_INLINE_DATA_FL)
		return no_inline(EXT4_I(v));
	return pcache_read(v, u, off);
}

/* ---- symlinks ---------------------------------------------------------- */

static ssize_t ext4_readlink(struct vnode *v, char *buf, size_t len)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	size_t n = (size_t)MIN(v->size, (uint64_t)len);
	struct bbuf *b;
	uint64_t pblk;
	uint32_t cnt;
	int err;

	if (v->size == 0 || v->size >= fs->bs)
		return ext4_corrupt(fs, "inode %llu: bad symlink size %llu",
				    (unsigned long long)v->ino,
				    (unsigned long long)v->size);
	if (ei->flags & EXT4_INLINE_DATA_FL)
		return no_inline(ei);
	/* A fast symlink: the target is in i_block. */
	if (!(ei->flags & EXT4_EXTENTS_FL) &&
	    v->size < sizeof(ext4_raw(ei)->i_block)) {
		kos_memcpy(buf, ext4_raw(ei)->i_block, n);
		return (ssize_t)n;
	}
	err = ext4_map(ei, 0, 1, &pblk, &cnt);
	if (!err && !pblk)
		err = ext4_corrupt(fs, "inode %llu: symlink without a block",
				   (unsigned long long)v->ino);
	if (!err)
		err = ext4_bread(fs, pblk, &b);
	if (err)
		return err;
	kos_memcpy(buf, b->data, n);
	bcache_put(b);
	return (ssize_t)n;
}

static int ext4_getbtime(struct vnode *v, struct vfs_time *t)
{
	if (!EXT4_I(v)->has_btime)
		return -ENODATA;
	*t = EXT4_I(v)->btime;
	return 0;
}

/* ---- writing file data ------------------------------------------------- */

static bool is_rw(struct vnode *v)
{
	return EXT4_FS(v->sb)->rw;
}

/* Write zeros over blocks [blk, blk + n) on the disk (and its cache). */
static int zero_blocks(struct ext4_fs *fs, uint64_t blk, uint64_t n)
{
	void *z = kzalloc(PAGE_SIZE);
	uint32_t per = PAGE_SIZE >> fs->log_bs;
	int err = 0;

	if (!z)
		return -ENOMEM;
	while (n && !err) {
		uint32_t k = (uint32_t)MIN(n, (uint64_t)per);

		err = blkdev_io(fs->bd, BLK_WRITE, blk << fs->log_bs, z,
				(size_t)k << fs->log_bs);
		if (!err)
			bcache_alias_write(fs->bc, blk, k, z);
		blk += k;
		n -= k;
	}
	kfree(z);
	return err;
}

#define EXT4_WRITE_RUNS 16

struct fresh_run {
	uint32_t lblk, n;
	uint64_t pblk;
};

/*
 * Blocks for bytes [off, end) of ei, allocated now so that a full disk
 * fails the write(2) itself.  New blocks below the size are zeroed on
 * the disk (a reader, or the page cache filling a partly written page,
 * may read them before the copy); new ones past the size are noted in
 * runs (zeroed at once when runs is full) in case the write comes up
 * short.  *end shrinks to what could be allocated (ENOSPC part-way).
 * ei->lock held.
 */
static int alloc_range(struct ext4_inode_info *ei, uint64_t off, uint64_t *end,
		       struct fresh_run *runs, unsigned int *nruns)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	uint64_t first = off >> fs->log_bs;
	uint64_t last = (*end - 1) >> fs->log_bs; /* inclusive */
	uint64_t in_size = (ei->v.size + fs->bs - 1) >> fs->log_bs;
	uint64_t l = first;

	*nruns = 0;
	while (l <= last) {
		uint64_t pblk;
		uint32_t n;
		bool fresh;
		int err = ext4_get_blocks(
			ei, (uint32_t)l,
			(uint32_t)MIN(last - l + 1, (uint64_t)UINT32_MAX), true,
			&pblk, &n, &fresh);

		if (err) {
			if (l == first)
				return err;
			*end = l << fs->log_bs; /* a short write */
			return 0;
		}
		if (fresh) {
			uint64_t a = l, b = l + n;

			/*
			 * Below the size a reader could map them, or the page
			 * cache read a partly written page over them, before
			 * the copy: zeroed first.  Past it, readers and the
			 * page cache stop at the size (ext4_readpage reads
			 * only blocks below it, and pcache_write raises it a
			 * page at a time, after the copy), so a block only
			 * partly covered there needs nothing on the disk: the
			 * page holds zeros around the write, and writeback
			 * zeroes the end-of-file block past the size.
			 */
			if (a < in_size) {
				uint64_t z = MIN(b, in_size);

				err = zero_blocks(fs, pblk, z - a);
				a = z;
			}
			if (!err && b > a) {
				if (*nruns < EXT4_WRITE_RUNS) {
					runs[*nruns].lblk = (uint32_t)a;
					runs[*nruns].n = (uint32_t)(b - a);
					runs[*nruns].pblk = pblk + (a - l);
					(*nruns)++;
				} else {
					err = zero_blocks(fs, pblk + (a - l),
							  b - a);
				}
			}
			if (err)
				return err;
		}
		l += n;
	}
	return 0;
}

static ssize_t ext4_write(struct vnode *v, struct uio *u, uint64_t off)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	struct fresh_run runs[EXT4_WRITE_RUNS];
	unsigned int nruns = 0;
	uint64_t end, limit = v->sb->max_file_size, want, done_end;
	size_t resid = u->resid, keep = 0;
	ssize_t n;
	int err;

	if (!is_rw(v))
		return -EROFS;
	if (ei->flags & EXT4_INLINE_DATA_FL)
		return no_inline(ei);
	if (!resid)
		return 0;
	mutex_lock(&ei->lock);
	if (off == UINT64_MAX)
		off = v->size;
	if (!limit || limit > ((uint64_t)UINT32_MAX << fs->log_bs))
		limit = (uint64_t)UINT32_MAX << fs->log_bs;
	if (off >= limit) {
		mutex_unlock(&ei->lock);
		return -EFBIG;
	}
	end = off + MIN((uint64_t)resid, limit - off);
	want = end;
	err = alloc_range(ei, off, &end, runs, &nruns);
	mutex_unlock(&ei->lock);
	if (err)
		return err;
	if (end < want) { /* the disk filled up: a short write */
		keep = (size_t)(want - end);
		u->resid -= keep;
	}
	n = pcache_write(v, u, off);
	u->resid += keep;
	done_end = off + (n > 0 ? (uint64_t)n : 0);
	mutex_lock(&ei->lock);
	if (done_end < end) {
		/* Blocks the write did not reach must not show old data. */
		for (unsigned int i = 0; i < nruns; i++) {
			uint64_t a = runs[i].lblk, b = a + runs[i].n;
			uint64_t from = (done_end + fs->bs - 1) >> fs->log_bs;

			if (b <= from)
				continue;
			if (a < from)
				a = from;
			zero_blocks(fs, runs[i].pblk + (a - runs[i].lblk),
				    b - a);
		}
		if (v->size < end) /* no written blocks past the size */
			ext4_truncate_blocks(
				ei, (uint32_t)((v->size + fs->bs - 1) >>
					       fs->log_bs));
	}
	err = ext4_inode_write(ei);
	mutex_unlock(&ei->lock);
	if (n >= 0 && err)
		log_err("ext4 (%s): inode %llu: not written (%d)", fs->bd->name,
			(unsigned long long)v->ino, err);
	return n;
}

/*
 * Write page idx back: each run of its blocks below the size straight
 * from the page to the disk, and into the disk's cache where it has
 * the blocks (bcache_alias_write).  The block holding the end of file
 * goes through a copy zeroed past the size.  The page cache's lock is
 * held; blocks were allocated at write(2) or page_mkwrite time.
 */
static int ext4_writepage(struct vnode *v, uint64_t idx, const void *page)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	uint32_t nblk = page_blocks(fs, v, idx), i = 0;
	uint64_t first = idx * (PAGE_SIZE >> fs->log_bs);
	paddr_t pa = plat_virt_to_phys((void *)page);
	size_t tail = (size_t)(v->size % fs->bs);
	uint64_t eof_blk = v->size >> fs->log_bs;

	if (!is_rw(v))
		return -EROFS;
	while (i < nblk) {
		uint64_t pblk;
		uint32_t n;
		int err = ext4_map(ei, (uint32_t)(first + i), nblk - i, &pblk,
				   &n);

		if (err)
			return err;
		if (pblk) {
			const char *src =
				(const char *)page + ((size_t)i << fs->log_bs);
			uint32_t whole = n;

			if (tail && first + i + n - 1 == eof_blk)
				whole--; /* the end-of-file block: below */
			if (whole)
				err = blkdev_io_pa(
					fs->bd, BLK_WRITE, pblk << fs->log_bs,
					pa + ((size_t)i << fs->log_bs),
					(size_t)whole << fs->log_bs);
			if (!err && whole)
				bcache_alias_write(fs->bc, pblk, whole, src);
			if (!err && whole < n) {
				char *b = kzalloc(fs->bs);

				if (!b)
					return -ENOMEM;
				kos_memcpy(b,
					   src + ((size_t)whole << fs->log_bs),
					   tail);
				err = blkdev_io(fs->bd, BLK_WRITE,
						(pblk + whole) << fs->log_bs, b,
						fs->bs);
				if (!err)
					bcache_alias_write(fs->bc, pblk + whole,
							   1, b);
				kfree(b);
			}
			if (err)
				return err;
		}
		i += n;
	}
	return 0;
}

/*
 * Clustered writeback: runs of whole pages that each map to one stretch
 * of disk, the stretches following each other, go out as one batch
 * (blkdev_io_pages, all in flight); any other page (holes, the end of
 * file, a break on disk) goes through ext4_writepage.  The page cache's
 * lock is held.
 */
static int ext4_writepages(struct vnode *v, uint64_t idx, void *const *pages,
			   unsigned int n)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	uint32_t per_page = PAGE_SIZE >> fs->log_bs;
	paddr_t pa[32];
	unsigned int i = 0;

	if (!is_rw(v))
		return -EROFS;
	while (i < n) {
		unsigned int k = 0;
		uint64_t start = 0;
		int err = 0;

		while (i + k < n && k < ARRAY_SIZE(pa)) {
			uint64_t pg = idx + i + k, pblk;
			uint32_t cnt;

			if ((pg + 1) * PAGE_SIZE > v->size ||
			    page_blocks(fs, v, pg) != per_page)
				break; /* the end of file: alone */
			err = ext4_map(ei, (uint32_t)(pg * per_page), per_page,
				       &pblk, &cnt);
			if (err || !pblk || cnt != per_page ||
			    (k && pblk != start + (uint64_t)k * per_page))
				break;
			if (!k)
				start = pblk;
			pa[k] = plat_virt_to_phys(pages[i + k]);
			k++;
		}
		if (err)
			return err;
		if (k > 1) {
			err = blkdev_io_pages(fs->bd, BLK_WRITE,
					      start << fs->log_bs, pa, k,
					      PAGE_SIZE);
			for (unsigned int j = 0; !err && j < k; j++)
				bcache_alias_write(
					fs->bc, start + (uint64_t)j * per_page,
					per_page, pages[i + j]);
			i += k;
		} else {
			err = ext4_writepage(v, idx + i, pages[i]);
			i++;
		}
		if (err)
			return err;
	}
	return 0;
}

/*
 * A shared mapping is about to store into page idx: its blocks (below
 * the size) are allocated now, so a full disk is SIGBUS here rather
 * than data lost at writeback.
 */
static int ext4_page_mkwrite(struct vnode *v, uint64_t idx)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	uint32_t per = PAGE_SIZE >> fs->log_bs, nblk, i = 0;
	int err = 0;

	if (!is_rw(v))
		return -EROFS;
	mutex_lock(&ei->lock);
	nblk = page_blocks(fs, v, idx);
	while (i < nblk && !err) {
		uint64_t pblk;
		uint32_t n;
		bool fresh;

		err = ext4_get_blocks(ei, (uint32_t)(idx * per + i), nblk - i,
				      true, &pblk, &n, &fresh);
		i += err ? 0 : n;
	}
	mutex_unlock(&ei->lock);
	if (err)
		return err;
	return pcache_page_mkwrite(v, idx);
}

static int ext4_truncate(struct vnode *v, uint64_t size)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	paddr_t pa = 0;
	int err;

	if (!is_rw(v))
		return -EROFS;
	if (!S_ISREG(v->mode))
		return -EINVAL;
	if (ei->flags & EXT4_INLINE_DATA_FL)
		return no_inline(ei);
	if (size > ((uint64_t)UINT32_MAX << fs->log_bs))
		return -EFBIG;
	/*
	 * Shrinking to the middle of a block: its page is read in, so the
	 * cache zeroes the tail, and written back so the disk has zeros
	 * there too (a later extension must read them).
	 */
	if (size < v->size && size % fs->bs &&
	    pcache_getpage(v, size / PAGE_SIZE, &pa))
		pa = 0;
	err = pcache_truncate(v, size);
	if (pa) {
		if (!err)
			err = ext4_page_mkwrite(v, size / PAGE_SIZE);
		pmm_page_put(pa);
	}
	if (err)
		return err;
	mutex_lock(&ei->lock);
	err = ext4_truncate_blocks(
		ei, (uint32_t)((size + fs->bs - 1) >> fs->log_bs));
	if (!err)
		err = ext4_inode_write(ei);
	mutex_unlock(&ei->lock);
	return err;
}

/*
 * PUNCH_HOLE|KEEP_SIZE: the page cache drops the whole pages and zeroes
 * the partial ones (read in first, so the zeros reach the disk at
 * writeback), then the whole blocks in the range are freed.
 */
static int punch_hole(struct vnode *v, int mode, uint64_t off, uint64_t len)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	uint64_t end = off + len, edge[2] = { off, end };
	paddr_t pa[2] = { 0, 0 };
	int err;

	if (!(mode & VFS_FALLOC_KEEP_SIZE) ||
	    (mode & ~(VFS_FALLOC_KEEP_SIZE | VFS_FALLOC_PUNCH_HOLE)))
		return -EOPNOTSUPP;
	if (!S_ISREG(v->mode))
		return -ENODEV;
	if (ei->flags & EXT4_INLINE_DATA_FL)
		return no_inline(ei);
	if (!len)
		return -EINVAL;
	if (end < off)
		return -EFBIG;
	if (off >= v->size)
		return 0;
	end = MIN(end, v->size);
	edge[1] = end;
	for (int i = 0; i < 2; i++)
		if (edge[i] % fs->bs && edge[i] < v->size &&
		    pcache_getpage(v, edge[i] / PAGE_SIZE, &pa[i]))
			pa[i] = 0;
	err = pcache_fallocate(v, mode, off, end - off);
	for (int i = 0; i < 2; i++)
		if (pa[i])
			pmm_page_put(pa[i]);
	if (err)
		return err;
	mutex_lock(&ei->lock);
	{
		uint64_t a = (off + fs->bs - 1) >> fs->log_bs;
		uint64_t b = end == v->size ? (end + fs->bs - 1) >> fs->log_bs
					    : end >> fs->log_bs;

		if (a < b)
			err = ext4_punch_blocks(ei, (uint32_t)a, (uint32_t)b);
	}
	mutex_unlock(&ei->lock);
	return err;
}

/*
 * COLLAPSE_RANGE and INSERT_RANGE, in Linux's order of checks: whole
 * blocks; an extent-mapped file; the range must end inside the file
 * (collapse) or start inside it (insert, which must not pass the
 * largest size).  Dirty pages are written back and the clean ones
 * forgotten (pages a mapping holds keep their old contents, as for
 * truncation), then the extents move and the size follows.
 */
static int shift_range(struct vnode *v, int mode, uint64_t off, uint64_t len)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	bool collapse = mode & VFS_FALLOC_COLLAPSE_RANGE;
	uint64_t max = (uint64_t)UINT32_MAX << fs->log_bs;
	uint32_t a = (uint32_t)(off >> fs->log_bs);
	uint32_t n = (uint32_t)(len >> fs->log_bs);
	int err;

	if (mode & ~(VFS_FALLOC_COLLAPSE_RANGE | VFS_FALLOC_INSERT_RANGE))
		return -EOPNOTSUPP;
	if (!S_ISREG(v->mode))
		return -ENODEV;
	if ((off | len) & (fs->bs - 1) || !len)
		return -EINVAL;
	if (!(ei->flags & EXT4_EXTENTS_FL))
		return -EOPNOTSUPP;
	if (collapse && (off + len < off || off + len >= v->size))
		return -EINVAL;
	if (!collapse && (len > max || v->size > max - len))
		return -EFBIG;
	if (!collapse && off >= v->size)
		return -EINVAL;
	err = pcache_writeback(v);
	if (err)
		return err;
	pcache_drop_clean(v);
	mutex_lock(&ei->lock);
	err = collapse ? ext4_collapse_blocks(ei, a, a + n)
		       : ext4_insert_blocks(ei, a, n);
	mutex_unlock(&ei->lock);
	if (!err)
		err = pcache_truncate(v,
				      collapse ? v->size - len : v->size + len);
	mutex_lock(&ei->lock);
	{
		int e2 = ext4_inode_write(ei);

		err = err ? err : e2;
	}
	mutex_unlock(&ei->lock);
	return err;
}

/*
 * fallocate: mode 0 and KEEP_SIZE allocate unwritten extents (read as
 * zeros until written); PUNCH_HOLE|KEEP_SIZE frees; ZERO_RANGE (with or
 * without KEEP_SIZE) punches the part inside the file out and then
 * allocates the whole range, so it reads as zeros and keeps its blocks,
 * as Linux's; COLLAPSE_RANGE and INSERT_RANGE move the extents
 * (shift_range); the rest are EOPNOTSUPP.
 */
static int ext4_fallocate(struct vnode *v, int mode, uint64_t off, uint64_t len)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	uint64_t end = off + len, l, last;
	int err = 0;

	if (!is_rw(v))
		return -EROFS;
	if (mode & VFS_FALLOC_PUNCH_HOLE)
		return punch_hole(v, mode, off, len);
	if (mode & (VFS_FALLOC_COLLAPSE_RANGE | VFS_FALLOC_INSERT_RANGE))
		return shift_range(v, mode, off, len);
	if (mode & ~(VFS_FALLOC_KEEP_SIZE | VFS_FALLOC_ZERO_RANGE))
		return -EOPNOTSUPP;
	if (!S_ISREG(v->mode))
		return -ENODEV;
	if (ei->flags & EXT4_INLINE_DATA_FL)
		return no_inline(ei);
	if (!len)
		return -EINVAL;
	if (end < off || end > ((uint64_t)UINT32_MAX << fs->log_bs))
		return -EFBIG;
	if ((mode & VFS_FALLOC_ZERO_RANGE) && off < v->size) {
		err = punch_hole(v,
				 VFS_FALLOC_PUNCH_HOLE | VFS_FALLOC_KEEP_SIZE,
				 off, MIN(end, v->size) - off);
		if (err)
			return err;
	}
	mutex_lock(&ei->lock);
	l = off >> fs->log_bs;
	last = (end - 1) >> fs->log_bs;
	while (l <= last && !err) {
		uint32_t n;

		err = ext4_prealloc(
			ei, (uint32_t)l,
			(uint32_t)MIN(last - l + 1, (uint64_t)UINT32_MAX), &n);
		l += err ? 0 : n;
	}
	mutex_unlock(&ei->lock);
	if (!err && !(mode & VFS_FALLOC_KEEP_SIZE) && end > v->size)
		err = pcache_truncate(v, end);
	mutex_lock(&ei->lock);
	{
		int e2 = ext4_inode_write(ei);

		err = err ? err : e2;
	}
	mutex_unlock(&ei->lock);
	return err;
}

void ext4_evict_inode(struct ext4_inode_info *ei)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	bool is_dir = S_ISDIR(ei->v.mode);
	int err = 0;

	if (!fs->rw || !ei->raw || ei->v.nlink)
		return;
	err = ext4_orphan_del(ei); /* namei.c: off the orphan list first */
	mutex_lock(&ei->lock);
	if (!err && (ei->flags & EXT4_EXTENTS_FL))
		err = ext4_truncate_blocks(ei, 0);
	if (!err) {
		ext4_xattr_drop_block(ei);
		ei->v.size = 0;
		ext4_raw(ei)->i_dtime = (uint32_t)vfs_now().sec;
		err = ext4_inode_write(ei);
	}
	mutex_unlock(&ei->lock);
	if (!err)
		err = ext4_free_ino(fs, (uint32_t)ei->v.ino, is_dir);
	if (err)
		log_err("ext4 (%s): inode %llu: not freed (%d)", fs->bd->name,
			(unsigned long long)ei->v.ino, err);
}

/*
 * SEEK_DATA/SEEK_HOLE from the extent tree: unwritten extents are
 * holes (as Linux 6.1 for a freshly fallocated file; it would count
 * their pages cached by a read as data).  Dirty pages never sit over a
 * hole here: blocks are allocated when pages are dirtied.
 */
static int ext4_seek_data(struct vnode *v, uint64_t off, bool hole,
			  uint64_t *out)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	uint64_t size, l, nblk;
	bool found = false;
	int err = 0;

	mutex_lock(&ei->lock);
	size = v->size;
	if (off >= size) {
		mutex_unlock(&ei->lock);
		return -ENXIO;
	}
	*out = hole ? size : 0;
	nblk = MIN((size + fs->bs - 1) >> fs->log_bs, 1ULL << 32);
	if (ei->flags & EXT4_INLINE_DATA_FL) {
		*out = hole ? size : off;
		nblk = 0;
		found = true;
	}
	for (l = off >> fs->log_bs; l < nblk;) {
		uint64_t pblk;
		uint32_t n;

		err = ext4_map(ei, (uint32_t)l,
			       (uint32_t)MIN(nblk - l, (uint64_t)UINT32_MAX),
			       &pblk, &n);
		if (err)
			break;
		if (!pblk == hole) {
			*out = MAX(off, l << fs->log_bs);
			found = true;
			break;
		}
		l += n;
	}
	mutex_unlock(&ei->lock);
	if (err)
		return err;
	if (!hole && !found)
		return -ENXIO; /* no data from off on */
	*out = MIN(*out, size);
	return 0;
}

/* fsync: the pages are written; the inode, the metadata, a flush. */
static int ext4_fsync(struct vnode *v, bool datasync)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	int err;

	(void)datasync;
	if (!is_rw(v))
		return 0;
	mutex_lock(&ei->lock);
	err = ext4_inode_write(ei);
	mutex_unlock(&ei->lock);
	if (!err)
		err = bcache_sync(fs->bc);
	return err;
}

const struct vnode_ops ext4_vops = {
	.lookup = ext4_lookup,
	.create = ext4_create,
	.symlink = ext4_symlink,
	.tmpfile = ext4_tmpfile,
	.link = ext4_link,
	.unlink = ext4_unlink,
	.rename = ext4_rename,
	.readlink = ext4_readlink,
	.readdir = ext4_readdir,
	.read = ext4_read,
	.write = ext4_write,
	.truncate = ext4_truncate,
	.fallocate = ext4_fallocate,
	.getpage = pcache_getpage,
	.peekpage = pcache_peekpage,
	.page_mkwrite = ext4_page_mkwrite,
	.fsync = ext4_fsync,
	.seek_data = ext4_seek_data,
	.readpage = ext4_readpage,
	.writepage = ext4_writepage,
	.writepages = ext4_writepages,
	.readpages = ext4_readpages,
	.getxattr = ext4_getxattr,
	.setxattr = ext4_setxattr,
	.listxattr = ext4_listxattr,
	.getbtime = ext4_getbtime,
};

/* ---- writing inodes (alloc part of step 7) ------------------------------ */

/* A timestamp's extra word: the epoch bits past 32, the nanoseconds. */
static uint32_t time_extra(struct vfs_time t)
{
	return ((uint32_t)((t.sec - (int32_t)t.sec) >> 32) & 3) |
	       (uint32_t)MIN(t.nsec, 999999999u) << 2;
}

/* The inode's checksum over its raw bytes (fs->csum). */
static void set_csum(struct ext4_fs *fs, struct ext4_inode_info *ei)
{
	struct ext4_inode *ri = ext4_raw(ei);
	bool hi = fs->inode_size > EXT4_GOOD_OLD_INODE_SIZE &&
		  has_extra(ei, EXT4_EXTRA_END(i_checksum_hi));
	uint32_t crc;

	if (!fs->csum)
		return;
	ri->i_checksum_lo = 0;
	if (hi)
		ri->i_checksum_hi = 0;
	crc = kos_crc32c(ei->csum_seed, ri, fs->inode_size);
	ri->i_checksum_lo = (uint16_t)crc;
	if (hi)
		ri->i_checksum_hi = (uint16_t)(crc >> 16);
}

/* i_blocks from v->blocks (512-byte units), as huge_file allows. */
static int store_blocks(struct ext4_fs *fs, struct ext4_inode_info *ei)
{
	struct ext4_inode *ri = ext4_raw(ei);
	uint64_t n = ei->v.blocks;

	ei->flags &= ~EXT4_HUGE_FILE_FL;
	if (n <= 0xffffffffu) {
		ri->i_blocks_lo = (uint32_t)n;
		ri->i_blocks_high = 0;
		return 0;
	}
	if (!(fs->ro_compat & EXT4_RO_COMPAT_HUGE_FILE))
		return -EFBIG;
	if (n >= 1ULL << 48) {
		n >>= fs->log_bs - 9;
		ei->flags |= EXT4_HUGE_FILE_FL;
		if (n >= 1ULL << 48)
			return -EFBIG;
	}
	ri->i_blocks_lo = (uint32_t)n;
	ri->i_blocks_high = (uint16_t)(n >> 32);
	return 0;
}

int ext4_inode_write(struct ext4_inode_info *ei)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	struct ext4_inode *ri = ext4_raw(ei);
	struct vnode *v = &ei->v;
	uint32_t ino = (uint32_t)v->ino;
	uint32_t g = (ino - 1) / fs->inodes_per_group;
	uint64_t off =
		(uint64_t)((ino - 1) % fs->inodes_per_group) * fs->inode_size;
	bool extra = fs->inode_size > EXT4_GOOD_OLD_INODE_SIZE;
	struct bbuf *b;
	int err;

	err = store_blocks(fs, ei);
	if (err)
		return err;
	ri->i_mode = (uint16_t)v->mode;
	ri->i_uid = (uint16_t)v->uid;
	ri->i_uid_high = (uint16_t)(v->uid >> 16);
	ri->i_gid = (uint16_t)v->gid;
	ri->i_gid_high = (uint16_t)(v->gid >> 16);
	/* dir_nlink: a directory past 65000 links counts 1 ("many"). */
	if (S_ISDIR(v->mode) && v->nlink >= 65000)
		ri->i_links_count = 1;
	else
		ri->i_links_count = (uint16_t)MIN(v->nlink, 0xffffu);
	ri->i_size_lo = (uint32_t)v->size;
	ri->i_size_high = (uint32_t)(v->size >> 32);
	ri->i_atime = (uint32_t)v->atime.sec;
	ri->i_mtime = (uint32_t)v->mtime.sec;
	ri->i_ctime = (uint32_t)v->ctime.sec;
	if (extra && has_extra(ei, EXT4_EXTRA_END(i_atime_extra))) {
		ri->i_ctime_extra = time_extra(v->ctime);
		ri->i_mtime_extra = time_extra(v->mtime);
		ri->i_atime_extra = time_extra(v->atime);
	}
	if (ei->has_btime && extra && has_extra(ei, EXT4_EXTRA_END(i_crtime))) {
		ri->i_crtime = (uint32_t)ei->btime.sec;
		if (has_extra(ei, EXT4_EXTRA_END(i_crtime_extra)))
			ri->i_crtime_extra = time_extra(ei->btime);
	}
	if (S_ISCHR(v->mode) || S_ISBLK(v->mode)) {
		uint32_t ma = KDEV_MAJOR(v->rdev), mi = KDEV_MINOR(v->rdev);
		uint32_t w[2] = { 0, 0 };

		if (ma < 256 && mi < 256)
			w[0] = ma << 8 | mi;
		else
			w[1] = (mi & 0xff) | ma << 8 | (mi & ~0xffu) << 12;
		kos_memcpy(ri->i_block, w, sizeof(w));
	}
	ri->i_flags = ei->flags;
	ri->i_generation = ei->generation;
	ri->i_file_acl_lo = (uint32_t)ei->file_acl;
	ri->i_file_acl_high = (uint16_t)(ei->file_acl >> 32);
	set_csum(fs, ei);
	err = ext4_bread(fs, fs->groups[g].inode_table + off / fs->bs, &b);
	if (err)
		return err;
	kos_memcpy((char *)b->data + off % fs->bs, ri, fs->inode_size);
	bcache_mark_dirty(b);
	bcache_put(b);
	return 0;
}

int ext4_new_inode(struct ext4_inode_info *dir, uint32_t mode, uint32_t uid,
		   uint32_t gid, struct ext4_inode_info **out)
{
	struct ext4_fs *fs = EXT4_FS(dir->v.sb);
	size_t rawlen = MAX(fs->inode_size, sizeof(struct ext4_inode));
	struct ext4_inode_info *ei;
	struct ext4_inode *ri;
	struct vnode *v;
	uint32_t ino, le;
	int err;

	*out = NULL;
	err = ext4_alloc_ino(fs, (uint32_t)dir->v.ino, mode, &ino);
	if (err)
		return err;
	v = vnode_alloc(&fs->sb, &ext4_vops, sizeof(*ei));
	if (!v) {
		ext4_free_ino(fs, ino, S_ISDIR(mode));
		return -ENOMEM;
	}
	ei = EXT4_I(v);
	list_init(&ei->hash);
	list_init(&ei->orphan_link);
	mutex_init(&ei->lock, "ext4.inode");
	mutex_init(&ei->map_lock, "ext4.map");
	ei->raw = kzalloc(rawlen);
	if (!ei->raw) {
		vnode_put(v);
		ext4_free_ino(fs, ino, S_ISDIR(mode));
		return -ENOMEM;
	}
	ri = ext4_raw(ei);
	v->ino = ino;
	v->mode = mode;
	v->uid = uid;
	v->gid = gid;
	v->nlink = 0;
	v->size = 0;
	v->blocks = 0;
	v->atime = v->mtime = v->ctime = vfs_now();
	if (fs->inode_size > EXT4_GOOD_OLD_INODE_SIZE) {
		uint32_t want = fs->es->s_want_extra_isize;

		if (want < EXT4_EXTRA_END(i_crtime_extra) || want % 4 ||
		    EXT4_GOOD_OLD_INODE_SIZE + want > fs->inode_size)
			want = (uint32_t)MIN(sizeof(struct ext4_inode),
					     (size_t)fs->inode_size) -
			       EXT4_GOOD_OLD_INODE_SIZE;
		ri->i_extra_isize = (uint16_t)want;
		if (has_extra(ei, EXT4_EXTRA_END(i_crtime))) {
			ei->has_btime = true;
			ei->btime = v->ctime;
		}
	}
	kos_random_bytes(&ei->generation, sizeof(ei->generation));
	if ((fs->incompat & EXT4_INCOMPAT_EXTENTS) &&
	    (S_ISREG(mode) || S_ISDIR(mode) || S_ISLNK(mode))) {
		struct ext4_extent_header eh = {
			.eh_magic = EXT4_EXT_MAGIC,
			.eh_entries = 0,
			.eh_max = (sizeof(ri->i_block) - sizeof(eh)) /
				  sizeof(struct ext4_extent),
			.eh_depth = 0,
		};

		ei->flags |= EXT4_EXTENTS_FL;
		kos_memcpy(ri->i_block, &eh, sizeof(eh));
	}
	le = ino;
	ei->csum_seed = kos_crc32c(fs->csum_seed, &le, 4);
	ei->csum_seed = kos_crc32c(ei->csum_seed, &ei->generation, 4);
	if (S_ISDIR(mode))
		ei->parent = (uint32_t)dir->v.ino;
	mutex_lock(&ei->lock);
	err = ext4_inode_write(ei);
	mutex_unlock(&ei->lock);
	if (err) {
		vnode_put(v); /* evict: not yet in the cache */
		ext4_free_ino(fs, ino, S_ISDIR(mode));
		return err;
	}
	ext4_icache_add(fs, ei);
	*out = ei;
	return 0;
}
