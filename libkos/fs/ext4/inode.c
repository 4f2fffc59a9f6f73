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
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/pcache.h>
#include <kos/plat/mem.h>
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

	if (ino == 0 || ino > fs->ninodes ||
	    (ino < fs->first_ino && ino != EXT4_ROOT_INO))
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
	if (ri->i_links_count == 0)
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

/* ---- changes: not in this step ----------------------------------------- */

static int ro_create(struct vnode *dir, const char *name, size_t len,
		     uint32_t mode, uint32_t rdev, uint32_t uid, uint32_t gid,
		     struct vnode **out)
{
	return -EROFS;
}

static int ro_symlink(struct vnode *dir, const char *name, size_t len,
		      const char *target, uint32_t uid, uint32_t gid,
		      struct vnode **out)
{
	return -EROFS;
}

static int ro_tmpfile(struct vnode *dir, uint32_t mode, uint32_t uid,
		      uint32_t gid, bool linkable, struct vnode **out)
{
	return -EROFS;
}

static int ro_link(struct vnode *dir, const char *name, size_t len,
		   struct vnode *v)
{
	return -EROFS;
}

static int ro_unlink(struct vnode *dir, const char *name, size_t len,
		     bool dir_only)
{
	return -EROFS;
}

static int ro_rename(struct vnode *odir, const char *oname, size_t olen,
		     struct vnode *ndir, const char *nname, size_t nlen,
		     unsigned int flags)
{
	return -EROFS;
}

static ssize_t ro_write(struct vnode *v, struct uio *u, uint64_t off)
{
	return -EROFS;
}

static int ro_truncate(struct vnode *v, uint64_t size)
{
	return -EROFS;
}

static int ro_fallocate(struct vnode *v, int mode, uint64_t off, uint64_t len)
{
	return -EROFS;
}

static int ro_setxattr(struct vnode *v, const char *name, const void *value,
		       size_t size, int flags)
{
	return -EROFS;
}

const struct vnode_ops ext4_vops = {
	.lookup = ext4_lookup,
	.create = ro_create,
	.symlink = ro_symlink,
	.tmpfile = ro_tmpfile,
	.link = ro_link,
	.unlink = ro_unlink,
	.rename = ro_rename,
	.readlink = ext4_readlink,
	.readdir = ext4_readdir,
	.read = ext4_read,
	.write = ro_write,
	.truncate = ro_truncate,
	.fallocate = ro_fallocate,
	.getpage = pcache_getpage,
	.readpage = ext4_readpage,
	.readpages = ext4_readpages,
	.getxattr = ext4_getxattr,
	.setxattr = ro_setxattr,
	.listxattr = ext4_listxattr,
	.getbtime = ext4_getbtime,
};
