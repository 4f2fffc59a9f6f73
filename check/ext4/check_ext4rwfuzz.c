/*
 * The read-write fuzz of ext4 (suite ext4rwfuzz).  Small images (the
 * read-only fuzz's two, one group with and without metadata_csum; and
 * check/ext4/mkfuzz-groups's: three groups with flex_bg and checksums,
 * three with uninit_bg and no flex_bg, 4 KiB blocks) are corrupted on
 * the RAM disk as the read-only fuzz does (fuzz.h: random bytes in the
 * metadata blocks; here the bitmaps too), with plausible numbers
 * planted every third run and a believable orphan list every fourth,
 * then mounted read-write.  What mounts is walked and changed in every
 * directory: a new file written, appended to, fallocated, punched,
 * truncated (now and then near the largest block), given xattrs,
 * fsynced, renamed, linked, unlinked; symlinks, a FIFO, an O_TMPFILE,
 * directories made, moved and removed, many names at once, a file of
 * many extents; the names already there unlinked (their blocks freed),
 * renamed, replaced, exchanged, rewritten, truncated, chmod/chown/
 * utimes'd or given xattrs; a remount read-only and back now and then.
 * Every operation may fail with an errno (counted); none may crash,
 * hang, trip an assertion, leave a reference behind (the unmount must
 * succeed) or leak memory that grows with the runs.  Before the runs,
 * the same work on the pristine image must leave it clean for the
 * host's e2fsck -fn.
 *
 * A run replays alone: KOS_EXT4_FUZZ_ONLY=R (with the seed of the
 * summary line: KOS_EXT4_FUZZ_SEED as given); KOS_EXT4_FUZZ_VERBOSE=1
 * prints each run's number, the kernel's log and the memory held.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kos/blkdev.h>
#include <kos/boot.h>
#include <kos/crc32c.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/pcache.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>

#include "../../libkos/fs/ext4/ext4.h"
#include "../plat_test.h"
#include "fuzz.h"
#include "host.h"
#include "ramdisk.h"

/* A fresh kernel with image name on the RAM disk vda, /dev/vda, /mnt. */
static void load_image(const char *name)
{
	ramdisk_boot(ramdisk_path(name));
}

/* Put img on the RAM disk, the kernel's cached copy of the disk gone. */
static void put_image(const uint8_t *img)
{
	blkdev_sync(&disk, true); /* anything left dirty goes first */
	memcpy(ram, img, ram_size);
	blkdev_sync(&disk, true);
}

/* The block and inode bitmaps of every group: flipped too. */
static void add_bitmaps(struct ext4_fuzz *fz, const uint8_t *img)
{
	const struct ext4_super *s = (const void *)(img + 1024);
	uint32_t bs = 1024u << s->s_log_block_size, per = s->s_blocks_per_group;
	uint32_t dsize = 32, groups, gdt, k = bs / 1024; /* fz: 1 KiB units */

	if ((s->s_feature_incompat & EXT4_INCOMPAT_64BIT) && s->s_desc_size)
		dsize = s->s_desc_size;
	groups = (s->s_blocks_count_lo - s->s_first_data_block + per - 1) / per;
	gdt = s->s_first_data_block + 1;
	for (uint32_t g = 0; g < groups && (gdt + 1) * bs <= ram_size; g++) {
		const struct ext4_group_desc *d =
			(const void *)(img + (size_t)gdt * bs + g * dsize);

		if (g * dsize >= bs)
			break;
		for (uint32_t i = 0; i < k; i++) {
			fuzz_add_block(fz, d->bg_block_bitmap_lo * k + i);
			fuzz_add_block(fz, d->bg_inode_bitmap_lo * k + i);
		}
	}
}

static struct ext4_fuzz fz;

/*
 * What random bytes rarely make: a plausible number.  A few 16- or
 * 32-bit fields (aligned, in the listed blocks) get 0, 1, the largest,
 * the number of blocks or inodes (and one less or more), or the number
 * of another metadata block or of a used inode: an extent into the
 * inode table, a bitmap at the superblock, a count that is off by one.
 */
static void plant_values(uint8_t *img)
{
	const struct ext4_super *s = (const void *)(img + 1024);
	uint32_t nb = s->s_blocks_count_lo, ni = s->s_inodes_count;
	unsigned int n = 1 + fuzz_rnd(&fz) % 4;

	for (unsigned int i = 0; i < n; i++) {
		size_t blk = fz.blocks[fuzz_rnd(&fz) % fz.nblocks];
		bool wide = fuzz_rnd(&fz) % 2;
		size_t off =
			blk * 1024 + (fuzz_rnd(&fz) % 1024 & ~(wide ? 3u : 1u));
		uint32_t val;

		switch (fuzz_rnd(&fz) % 10) {
		case 0:
			val = 0;
			break;
		case 1:
			val = 1;
			break;
		case 2:
			val = UINT32_MAX;
			break;
		case 3:
			val = nb - 1 + fuzz_rnd(&fz) % 3;
			break;
		case 4:
			val = ni - 1 + fuzz_rnd(&fz) % 3;
			break;
		case 5:
			val = 2 + fuzz_rnd(&fz) % 20; /* root, lost+found... */
			break;
		default: /* another metadata block (fz counts 1 KiB) */
			val = fz.blocks[fuzz_rnd(&fz) % fz.nblocks] >>
			      s->s_log_block_size;
			break;
		}
		if (off + 4 > ram_size)
			continue;
		img[off] = (uint8_t)val;
		img[off + 1] = (uint8_t)(val >> 8);
		if (wide) {
			img[off + 2] = (uint8_t)(val >> 16);
			img[off + 3] = (uint8_t)(val >> 24);
		}
	}
}

/*
 * An orphan list (the superblock's head, its checksum redone so that it
 * is believed) starting at an inode in use, a free one or one out of
 * range: the mount's orphan processing meets live files.
 */
static void plant_orphan(uint8_t *img)
{
	struct ext4_super *es = (void *)(img + 1024);

	if (fuzz_rnd(&fz) % 4)
		es->s_last_orphan = 1 + fuzz_rnd(&fz) % 40;
	else
		es->s_last_orphan = es->s_inodes_count - 1 + fuzz_rnd(&fz) % 3;
	if (es->s_feature_ro_compat & EXT4_RO_COMPAT_METADATA_CSUM)
		es->s_checksum = kos_crc32c(~0u, es, 0x3fc);
}

/* ---- the work on a mounted image ---------------------------------------- */

struct rw_stats {
	unsigned long runs, mounted, ops, op_errors, remounted;
	unsigned long mount_err[FUZZ_ERRNOS], op_err[FUZZ_ERRNOS];
	unsigned long remount_err[FUZZ_ERRNOS]; /* of what KOS left */
};

static struct rw_stats st;
static bool strict; /* the pristine image: every operation must work */
static unsigned int cur_run;
static bool verbose_ops; /* KOS_EXT4_FUZZ_VERBOSE=2: every operation */

/* Count an operation's result (0, a length, or -errno). */
static long op(long r, const char *what, const char *path)
{
	st.ops++;
	if (verbose_ops) {
		if (test_console_len)
			fwrite(test_console_buf, 1, test_console_len, stdout);
		test_console_reset();
		printf("  %s %s: %ld\n", what, path, r);
	}
	if (r < 0) {
		/*
		 * a directory with entries stays, xattr blocks, inodes
		 * and blocks run out (ENOSPC), files have a largest size
		 * (EFBIG), pristine or not
		 */
		if (strict && (r == -ENOTEMPTY || r == -EFBIG || r == -ENOSPC))
			return r;
		st.op_errors++;
		fuzz_count(st.op_err, (int)r);
		ck_assert_msg(!strict, "pristine image: %s %s: %ld", what, path,
			      r);
	}
	return r;
}

static void fill(char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('a' + (fuzz_rnd(&fz) + i) % 26);
}

/* Write len bytes (at off, or at the position for off -1) to f. */
static long write_some(struct file *f, size_t len, int64_t off)
{
	static char buf[16384];
	struct uio u;

	if (len > sizeof(buf))
		len = sizeof(buf);
	fill(buf, len);
	uio_init_kernel(&u, buf, len);
	return file_write(f, &u, off);
}

static long truncate_to(struct vnode *v, uint64_t size)
{
	long err;

	if (!S_ISREG(v->mode) || !v->ops->truncate)
		return -EINVAL;
	err = vnode_get_write(v);
	if (err)
		return err;
	err = v->ops->truncate(v, size);
	vnode_put_write(v);
	return err;
}

static long falloc(struct vnode *v, int mode, uint64_t off, uint64_t len)
{
	long err;

	if (!S_ISREG(v->mode) || !v->ops->fallocate)
		return -EOPNOTSUPP;
	err = vnode_get_write(v);
	if (err)
		return err;
	err = v->ops->fallocate(v, mode, off, len);
	vnode_put_write(v);
	return err;
}

static long fsync_file(struct file *f)
{
	return f->ops && f->ops->fsync ? f->ops->fsync(f, false) : -EINVAL;
}

static void read_back(const char *path)
{
	static char buf[16384];
	struct file *f = NULL;
	struct uio u;
	long r;

	if (op(vfs_openat(NULL, path, O_RDONLY, 0, NULL, &f), "open", path))
		return;
	for (int i = 0; i < 64; i++) {
		uio_init_kernel(&u, buf, sizeof(buf));
		r = op(file_read(f, &u, -1), "read", path);
		if (r <= 0)
			break;
	}
	file_put(f);
}

/* Write, fallocate, punch, truncate, fsync and an xattr on file path. */
/*
 * Far out: near the largest logical block (2^32 - 1), past the largest
 * file (EFBIG), holes of terabytes punched, truncated there and back.
 */
static void far_out(struct file *f, const char *path)
{
	static const uint64_t at[] = {
		(1ull << 32) * 1024 - 4096,
		(1ull << 32) * 1024 - 1,
		(1ull << 31) * 1024,
		(1ull << 32) * 4096 - 1,
		1ull << 40,
		1ull << 44,
	};
	uint64_t off = at[fuzz_rnd(&fz) % (sizeof(at) / sizeof(at[0]))];
	uint64_t old = f->vnode->size;

	op(write_some(f, 1 + fuzz_rnd(&fz) % 5000, (int64_t)off), "write far",
	   path);
	op(falloc(f->vnode, fuzz_rnd(&fz) % 2 ? VFS_FALLOC_KEEP_SIZE : 0,
		  off - fuzz_rnd(&fz) % 8192, 1 + fuzz_rnd(&fz) % 9000),
	   "fallocate far", path);
	op(falloc(f->vnode, VFS_FALLOC_PUNCH_HOLE | VFS_FALLOC_KEEP_SIZE,
		  fuzz_rnd(&fz) % 4096, off),
	   "punch far", path);
	op(truncate_to(f->vnode, off + fuzz_rnd(&fz) % 3), "truncate far",
	   path);
	op(truncate_to(f->vnode, old), "truncate", path);
}

static void change_file(const char *path, bool created)
{
	struct file *f = NULL;
	struct vnode *v;
	char val[400];
	size_t n;

	if (op(vfs_openat(NULL, path, O_RDWR | (created ? O_CREAT | O_EXCL : 0),
			  0644, NULL, &f),
	       "open", path))
		return;
	v = f->vnode;
	op(write_some(f, 1 + fuzz_rnd(&fz) % 9000,
		      created ? -1 : (int64_t)(fuzz_rnd(&fz) % 20000)),
	   "write", path);
	op(falloc(v, 0, fuzz_rnd(&fz) % 30000, 1 + fuzz_rnd(&fz) % 9000),
	   "fallocate", path);
	op(falloc(v, VFS_FALLOC_KEEP_SIZE, fuzz_rnd(&fz) % 40000,
		  1 + fuzz_rnd(&fz) % 5000),
	   "fallocate keep", path);
	op(falloc(v, VFS_FALLOC_PUNCH_HOLE | VFS_FALLOC_KEEP_SIZE,
		  fuzz_rnd(&fz) % 20000, 1 + fuzz_rnd(&fz) % 6000),
	   "punch", path);
	op(write_some(f, 1 + fuzz_rnd(&fz) % 3000, fuzz_rnd(&fz) % 30000),
	   "write", path);
	op(fsync_file(f), "fsync", path);
	if (fuzz_rnd(&fz) % 4 == 0)
		far_out(f, path);
	op(truncate_to(v, fuzz_rnd(&fz) % 24000), "truncate", path);
	n = 1 + fuzz_rnd(&fz) % sizeof(val);
	fill(val, n);
	if (!op(vfs_setxattr(v, "user.fz", val, n, 0, NULL), "setxattr",
		path) &&
	    fuzz_rnd(&fz) % 2)
		op(vfs_setxattr(v, "user.fz", NULL, 0, 0, NULL), "removexattr",
		   path);
	op(fsync_file(f), "fsync", path);
	file_put(f);
	/* and appended to */
	if (!op(vfs_openat(NULL, path, O_WRONLY | O_APPEND, 0, NULL, &f),
		"open", path)) {
		op(write_some(f, 1 + fuzz_rnd(&fz) % 5000, -1), "append", path);
		file_put(f);
	}
	read_back(path);
}

struct names {
	char **v;
	size_t n, cap;
};

static bool fill_names(void *ctx, const char *name, size_t len, uint64_t ino,
		       unsigned int dtype, uint64_t next)
{
	struct names *nm = ctx;

	if (nm->n >= 400)
		return false;
	if (nm->n == nm->cap) {
		nm->cap = nm->cap ? nm->cap * 2 : 64;
		nm->v = realloc(nm->v, nm->cap * sizeof(char *));
	}
	nm->v[nm->n++] = strndup(name, len);
	return true;
}

static void names_free(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

static bool is_dot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/');
}

static void walk(const char *path, int depth);

/* Read everything under path (names, data, links, xattrs). */
static void read_all(const char *path, int depth)
{
	struct names nm = { 0 };
	struct vnode *v;
	uint64_t pos = 0;
	size_t before;
	char buf[1024];
	int err;

	if (op(vfs_lookup(NULL, path, 0, NULL, &v), "lookup", path))
		return;
	op(vfs_listxattr(v, buf, sizeof(buf), NULL), "listxattr", path);
	if (S_ISREG(v->mode)) {
		vnode_put(v);
		read_back(path);
		return;
	}
	if (S_ISLNK(v->mode)) {
		vnode_put(v);
		op(vfs_readlinkat(NULL, path, buf, sizeof(buf), NULL),
		   "readlink", path);
		return;
	}
	if (!S_ISDIR(v->mode) || depth > 5) {
		vnode_put(v);
		return;
	}
	do {
		before = nm.n;
		mutex_lock(&v->lock);
		err = v->ops->readdir(v, &pos, fill_names, &nm);
		mutex_unlock(&v->lock);
	} while (!err && nm.n != before && nm.n < 400);
	op(err, "readdir", path);
	vnode_put(v);
	for (size_t i = 0; i < nm.n; i++)
		if (!is_dot(nm.v[i])) {
			char sub[700];

			snprintf(sub, sizeof(sub), "%s/%s", path, nm.v[i]);
			read_all(sub, depth + 1);
		}
	names_free(&nm);
}

/* chmod, chown, utimes: the inode written through dirty_inode. */
static void set_attrs(struct vnode *v, const char *path)
{
	struct vfs_attr a = { 0 };

	a.valid = VFS_ATTR_MODE | VFS_ATTR_UID | VFS_ATTR_GID | VFS_ATTR_ATIME |
		  VFS_ATTR_MTIME | VFS_ATTR_TIMES_SET;
	a.mode = fuzz_rnd(&fz) & 07777;
	a.uid = fuzz_rnd(&fz) % 3 ? 0 : 70000 + fuzz_rnd(&fz) % 1000;
	a.gid = fuzz_rnd(&fz) % 2000;
	a.atime.sec = (int64_t)(fuzz_rnd(&fz) % 4) << 32 | fuzz_rnd(&fz);
	a.mtime.sec = -(int64_t)(fuzz_rnd(&fz) % 100000);
	a.mtime.nsec = fuzz_rnd(&fz) % 1000000000;
	op(vfs_setattr(v, &a, NULL), "setattr", path);
}

/* Several xattrs, some too big for the inode: the xattr block fills. */
static void big_xattrs(struct vnode *v, const char *path)
{
	static char val[1024];
	unsigned int n = 1 + fuzz_rnd(&fz) % 6;
	char name[32];

	for (unsigned int i = 0; i < n; i++) {
		size_t len = fuzz_rnd(&fz) % 700;

		snprintf(name, sizeof(name), "user.fz%u", fuzz_rnd(&fz) % 8);
		fill(val, len);
		op(vfs_setxattr(v, name, val, len, 0, NULL), "setxattr", path);
	}
	if (fuzz_rnd(&fz) % 2) {
		snprintf(name, sizeof(name), "user.fz%u", fuzz_rnd(&fz) % 8);
		vfs_setxattr(v, name, NULL, 0, 0, NULL); /* may be absent */
		st.ops++;
	}
	op(vfs_listxattr(v, val, sizeof(val), NULL), "listxattr", path);
}

/* What happens to an entry that was there: one change, then a walk. */
static void change_old(const char *dir, const char *name, int depth)
{
	char path[600], other[640];
	struct vnode *v;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(other, sizeof(other), "%s/%s.mv", dir, name);
	if (op(vfs_lookup(NULL, path, 0, NULL, &v), "lookup", path))
		return;
	switch (fuzz_rnd(&fz) % 12) {
	case 0: /* gone: its blocks freed */
		if (!op(vfs_unlinkat(NULL, path, S_ISDIR(v->mode), NULL),
			S_ISDIR(v->mode) ? "rmdir" : "unlink", path))
			path[0] = 0;
		break;
	case 1:
		if (!op(vfs_renameat(NULL, path, NULL, other, 0, NULL),
			"rename", path))
			strcpy(path, other);
		break;
	case 2:
		if (S_ISREG(v->mode))
			change_file(path, false);
		break;
	case 3:
		if (S_ISREG(v->mode))
			op(truncate_to(v, fuzz_rnd(&fz) % 3 ? 0 : 5000),
			   "truncate", path);
		break;
	case 4:
		if (!S_ISDIR(v->mode) &&
		    !op(vfs_linkat(NULL, path, NULL, other, 0, NULL), "link",
			path))
			if (!op(vfs_unlinkat(NULL, path, false, NULL), "unlink",
				path))
				strcpy(path, other);
		break;
	case 5:
		if (S_ISREG(v->mode) || S_ISDIR(v->mode))
			op(vfs_setxattr(v, "user.fz", "x", 1, 0, NULL),
			   "setxattr", path);
		break;
	case 6: /* replaced by a new file or an empty directory */
		if (S_ISDIR(v->mode)) {
			if (!op(vfs_mkdirat(NULL, other, 0755, NULL), "mkdir",
				other) &&
			    op(vfs_renameat(NULL, other, NULL, path, 0, NULL),
			       "rename", other))
				op(vfs_unlinkat(NULL, other, true, NULL),
				   "rmdir", other);
			break;
		}
		change_file(other, true);
		op(vfs_renameat(NULL, other, NULL, path, 0, NULL), "rename",
		   other);
		break;
	case 7: /* swapped with a new file */
		change_file(other, true);
		op(vfs_renameat(NULL, other, NULL, path, VFS_RENAME_EXCHANGE,
				NULL),
		   "exchange", other);
		break;
	case 8:
		set_attrs(v, path);
		break;
	case 9:
		if (S_ISREG(v->mode) || S_ISDIR(v->mode))
			big_xattrs(v, path);
		break;
	default: /* left alone */
		break;
	}
	vnode_put(v);
	if (path[0] && depth < 5)
		walk(path, depth + 1);
}

/* Many names in dir: new directory blocks, hash-tree leaves split. */
static void grow_dir(const char *dir)
{
	unsigned int n = 20 + fuzz_rnd(&fz) % 60;
	char name[700];

	for (unsigned int i = 0; i < n; i++) {
		struct file *f = NULL;

		snprintf(name, sizeof(name), "%s/fz.%u.many.%u.%0*u", dir,
			 cur_run, i, (int)(fuzz_rnd(&fz) % 60), i);
		if (!op(vfs_openat(NULL, name, O_RDWR | O_CREAT, 0644, NULL,
				   &f),
			"create", name))
			file_put(f);
	}
	for (unsigned int i = 0; i < n; i += 1 + fuzz_rnd(&fz) % 3) {
		struct vnode *v;
		struct names nm = { 0 };
		uint64_t pos = 0;

		/* the names again, by readdir: one of them removed */
		if (op(vfs_lookup(NULL, dir, 0, NULL, &v), "lookup", dir))
			return;
		if (S_ISDIR(v->mode)) {
			mutex_lock(&v->lock);
			op(v->ops->readdir(v, &pos, fill_names, &nm), "readdir",
			   dir);
			mutex_unlock(&v->lock);
		}
		vnode_put(v);
		for (size_t k = 0; k < nm.n; k++)
			if (strstr(nm.v[k], ".many.") &&
			    fuzz_rnd(&fz) % 4 == 0) {
				snprintf(name, sizeof(name), "%s/%s", dir,
					 nm.v[k]);
				op(vfs_unlinkat(NULL, name, false, NULL),
				   "unlink", name);
			}
		names_free(&nm);
	}
}

/* A file of many extents (every other block): index blocks. */
static void scatter(const char *dir)
{
	struct file *f = NULL;
	char name[640];
	unsigned int n = 40 + fuzz_rnd(&fz) % 200;

	snprintf(name, sizeof(name), "%s/fz.%u.scatter", dir, cur_run);
	if (op(vfs_openat(NULL, name, O_RDWR | O_CREAT, 0644, NULL, &f),
	       "create", name))
		return;
	for (unsigned int i = 0; i < n; i++)
		if (op(write_some(f, 100,
				  (int64_t)(fuzz_rnd(&fz) % 600) * 2048),
		       "write", name) < 0)
			break;
	op(fsync_file(f), "fsync", name);
	op(falloc(f->vnode, VFS_FALLOC_PUNCH_HOLE | VFS_FALLOC_KEEP_SIZE,
		  fuzz_rnd(&fz) % 600000, fuzz_rnd(&fz) % 400000),
	   "punch", name);
	op(truncate_to(f->vnode, fuzz_rnd(&fz) % 800000), "truncate", name);
	file_put(f);
	if (fuzz_rnd(&fz) % 2)
		op(vfs_unlinkat(NULL, name, false, NULL), "unlink", name);
}

/* A new directory with a file moved into dir's parent and back. */
static void move_up(const char *dir)
{
	char d[640], d2[640], f[700];

	snprintf(d, sizeof(d), "%s/fzm.%u", dir, cur_run);
	snprintf(f, sizeof(f), "%s/file", d);
	snprintf(d2, sizeof(d2), MNT "/fzm.%u.up", cur_run);
	if (op(vfs_mkdirat(NULL, d, 0755, NULL), "mkdir", d))
		return;
	change_file(f, true);
	/* to the root and back: ".." and the link counts change */
	if (!op(vfs_renameat(NULL, d, NULL, d2, 0, NULL), "rename", d))
		op(vfs_renameat(NULL, d2, NULL, d, 0, NULL), "rename", d2);
	if (fuzz_rnd(&fz) % 2) {
		op(vfs_unlinkat(NULL, f, false, NULL), "unlink", f);
		op(vfs_unlinkat(NULL, d, true, NULL), "rmdir", d);
	}
}

/* New names in dir path: made, changed and (mostly) removed again. */
static void change_new(const char *dir)
{
	char a[600], b[600], c[600], d[600], e[640], e2[640];

	snprintf(a, sizeof(a), "%s/fz.%u", dir, cur_run);
	snprintf(b, sizeof(b), "%s/fz.%u.r", dir, cur_run);
	snprintf(c, sizeof(c), "%s/fz.%u.l", dir, cur_run);
	snprintf(d, sizeof(d), "%s/fzd.%u", dir, cur_run);
	snprintf(e, sizeof(e), "%s/sub", d);
	snprintf(e2, sizeof(e2), "%s/sub2", d);
	change_file(a, true);
	op(vfs_renameat(NULL, a, NULL, b, 0, NULL), "rename", a);
	op(vfs_linkat(NULL, b, NULL, c, 0, NULL), "link", b);
	op(vfs_unlinkat(NULL, b, false, NULL), "unlink", b);
	op(vfs_symlinkat("fz.target", NULL, a, NULL), "symlink", a);
	if (fuzz_rnd(&fz) % 2) {
		char target[300], sl[640], fifo[640];
		struct file *f = NULL;

		/* a slow symlink (its own block), a FIFO, an O_TMPFILE */
		fill(target, sizeof(target) - 1);
		target[sizeof(target) - 1] = 0;
		snprintf(sl, sizeof(sl), "%s/fz.%u.slow", dir, cur_run);
		snprintf(fifo, sizeof(fifo), "%s/fz.%u.fifo", dir, cur_run);
		op(vfs_symlinkat(target, NULL, sl, NULL), "symlink", sl);
		op(vfs_mknodat(NULL, fifo, S_IFIFO | 0600, 0, NULL), "mknod",
		   fifo);
		if (!op(vfs_openat(NULL, dir, O_TMPFILE | O_RDWR, 0600, NULL,
				   &f),
			"tmpfile", dir)) {
			op(write_some(f, 1 + fuzz_rnd(&fz) % 6000, -1), "write",
			   dir);
			file_put(f);
		}
		if (fuzz_rnd(&fz) % 2)
			op(vfs_unlinkat(NULL, sl, false, NULL), "unlink", sl);
	}
	op(vfs_mkdirat(NULL, d, 0755, NULL), "mkdir", d);
	op(vfs_mkdirat(NULL, e, 0755, NULL), "mkdir", e);
	op(vfs_renameat(NULL, e, NULL, e2, 0, NULL), "rename", e);
	op(vfs_unlinkat(NULL, e2, true, NULL), "rmdir", e2);
	op(vfs_unlinkat(NULL, d, true, NULL), "rmdir", d);
	if (fuzz_rnd(&fz) % 2)
		op(vfs_unlinkat(NULL, c, false, NULL), "unlink", c);
	if (fuzz_rnd(&fz) % 2)
		op(vfs_unlinkat(NULL, a, false, NULL), "unlink", a);
	switch (fuzz_rnd(&fz) % 4) {
	case 0:
		grow_dir(dir);
		break;
	case 1:
		scatter(dir);
		break;
	case 2:
		move_up(dir);
		break;
	default:
		break;
	}
}

/* Read and change everything under directory path. */
static void walk(const char *path, int depth)
{
	struct names nm = { 0 };
	struct vnode *v;
	uint64_t pos = 0;
	size_t before;
	int err;

	if (op(vfs_lookup(NULL, path, 0, NULL, &v), "lookup", path))
		return;
	if (S_ISREG(v->mode)) {
		vnode_put(v);
		read_back(path);
		return;
	}
	if (!S_ISDIR(v->mode)) {
		vnode_put(v);
		return;
	}
	do {
		before = nm.n;
		mutex_lock(&v->lock);
		err = v->ops->readdir(v, &pos, fill_names, &nm);
		mutex_unlock(&v->lock);
	} while (!err && nm.n != before && nm.n < 400);
	op(err, "readdir", path);
	vnode_put(v);
	for (size_t i = 0; i < nm.n; i++)
		if (!is_dot(nm.v[i]))
			change_old(path, nm.v[i], depth);
	change_new(path);
	names_free(&nm);
}

/* ---- the runs ------------------------------------------------------------ */

/* The kernel's log since the last call, on stdout if verbose. */
static void show_log(bool verbose)
{
	if (verbose && test_console_len)
		fwrite(test_console_buf, 1, test_console_len, stdout);
	test_console_reset();
}

static int mount_rw(void)
{
	return vfs_mount_new(NULL, MNT, "ext4", DEV, 0, "", NULL);
}

/* e2fsck -fn on the RAM disk: clean (skipped without e2fsck). */
static void fsck_clean(const char *image)
{
	char img[64], cmd[256];
	FILE *f;
	int rc;

	if (system("e2fsck -V >/dev/null 2>&1") != 0) {
		fprintf(stderr, "ext4rwfuzz: no e2fsck on the host\n");
		return;
	}
	snprintf(img, sizeof(img), "/tmp/kos-ext4rwfuzz-%d.img", (int)getpid());
	f = fopen(img, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(ram, 1, ram_size, f), ram_size);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "e2fsck -fn %s >/dev/null 2>&1", img);
	rc = system(cmd);
	ck_assert_msg(rc == 0, "%s changed by the fuzz's work: e2fsck -fn %s",
		      image, img);
	unlink(img);
}

static void rw_fuzz(const char *image, uint64_t seed, unsigned int runs)
{
	const char *only = getenv("KOS_EXT4_FUZZ_ONLY");
	const char *vb = getenv("KOS_EXT4_FUZZ_VERBOSE");
	bool verbose = vb != NULL;
	uint8_t *pristine;
	size_t free0 = 0;
	uint64_t bytes0 = 0;

	fuzz_init(&fz, ramdisk_dir(), image, seed, runs);
	load_image(image);
	add_bitmaps(&fz, ram);
	pristine = malloc(ram_size);
	memcpy(pristine, ram, ram_size);
	memset(&st, 0, sizeof(st));
	/* the work itself is sound: a pristine image stays clean */
	strict = true;
	cur_run = 0;
	fuzz_seed_run(&fz, ~0u);
	ck_assert_int_eq(mount_rw(), 0);
	walk(MNT, 0);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	ck_assert_uint_gt(st.ops, 300);
	show_log(verbose);
	fsck_clean(image);
	strict = false;
	memset(&st, 0, sizeof(st));
	for (unsigned int r = 0; r < fz.runs; r++) {
		int err;

		if (only && r != (unsigned int)strtoul(only, NULL, 0))
			continue;
		if (verbose) {
			printf("ext4rwfuzz %s: run %u\n", image, r);
			fflush(stdout);
		}
		verbose_ops = verbose && atoi(vb) >= 2;
		put_image(pristine);
		fuzz_seed_run(&fz, r);
		fuzz_flip(&fz, r, ram, ram_size);
		if (r % 3 == 2)
			plant_values(ram);
		if (r % 4 == 3)
			plant_orphan(ram);
		cur_run = r;
		st.runs++;
		err = mount_rw();
		if (err) {
			fuzz_count(st.mount_err, err);
			show_log(verbose);
			continue;
		}
		st.mounted++;
		walk(MNT, 0);
		/* now and then: read-only and back, and more work */
		if (fuzz_rnd(&fz) % 4 == 0 &&
		    !op(vfs_remount(NULL, MNT, VFS_MNT_RDONLY, "", false, NULL),
			"remount,ro", MNT) &&
		    !op(vfs_remount(NULL, MNT, 0, "", false, NULL),
			"remount,rw", MNT)) {
			cur_run += 1000000; /* other names */
			change_new(MNT);
		}
		/* EBUSY here: a reference leaked */
		err = vfs_umount(NULL, MNT, false, false, NULL);
		ck_assert_msg(!err, "%s run %u: umount %d", image, r, err);
		show_log(verbose);
		/*
		 * What KOS wrote over a corrupt image is corrupt in new
		 * ways (blocks given twice, half-freed trees): mounted
		 * again, read everywhere and changed at the top.
		 */
		blkdev_sync(&disk, true);
		err = mount_rw();
		if (err) {
			fuzz_count(st.remount_err, err);
		} else {
			st.remounted++;
			cur_run += 2000000;
			read_all(MNT, 0);
			change_new(MNT);
			err = vfs_umount(NULL, MNT, false, false, NULL);
			ck_assert_msg(!err, "%s run %u: second umount %d",
				      image, r, err);
		}
		show_log(verbose);
		put_image(pristine);
		/* no file of the unmounted fs left dirty (and referenced) */
		{
			uint64_t cached, dirty;

			pcache_stats(&cached, &dirty);
			ck_assert_msg(!dirty,
				      "%s run %u: %llu dirty pages after "
				      "unmount",
				      image, r, (unsigned long long)dirty);
		}
		if (!free0) {
			free0 = pmm_free_pages();
			bytes0 = kmalloc_bytes_in_use();
		}
		if (verbose)
			printf("ext4rwfuzz %s: run %u: %zu free pages, %llu "
			       "bytes kmalloc'd\n",
			       image, r, pmm_free_pages(),
			       (unsigned long long)kmalloc_bytes_in_use());
	}
	verbose_ops = false;
	put_image(pristine);
	printf("ext4rwfuzz %s (seed %#llx): %lu runs, %lu mounted read-write "
	       "(%lu again after), %lu ops with %lu errors; mount errors:",
	       image, (unsigned long long)fz.seed, st.runs, st.mounted,
	       st.remounted, st.ops, st.op_errors);
	fuzz_print_errs(st.mount_err);
	printf("; mount errors after:");
	fuzz_print_errs(st.remount_err);
	printf("; op errors:");
	fuzz_print_errs(st.op_err);
	printf("; free pages %zu then %zu, kmalloc'd %llu then %llu bytes\n",
	       free0, pmm_free_pages(), (unsigned long long)bytes0,
	       (unsigned long long)kmalloc_bytes_in_use());
	fflush(stdout);
	/*
	 * No leak that grows with the runs: after the first, what is left
	 * (caches, the name cache of /) moves by a few KiB at most.
	 */
	ck_assert_uint_le(kmalloc_bytes_in_use(), bytes0 + 65536);
	ck_assert_uint_ge(pmm_free_pages() + 64, free0);
	free(pristine);
}

START_TEST(test_ext4_rwfuzz_csum)
{
	rw_fuzz("fuzz-csum.img", 0x5eed1001, 300);
}
END_TEST

START_TEST(test_ext4_rwfuzz_nocsum)
{
	rw_fuzz("fuzz-nocsum.img", 0x5eed1002, 300);
}
END_TEST

/* Three groups, the later ones uninitialised: flex_bg, or crc16 and none */
START_TEST(test_ext4_rwfuzz_groups_csum)
{
	rw_fuzz("fuzz-groups-csum.img", 0x5eed1003, 150);
}
END_TEST

START_TEST(test_ext4_rwfuzz_groups_nocsum)
{
	rw_fuzz("fuzz-groups-nocsum.img", 0x5eed1004, 150);
}
END_TEST

/* 4 KiB blocks: a block a page */
START_TEST(test_ext4_rwfuzz_4k)
{
	rw_fuzz("fuzz-4k.img", 0x5eed1005, 150);
}
END_TEST

/*
 * An extent over metadata (Linux's block_validity): a file whose first
 * extent points at the inode table neither reads nor writes it
 * (EUCLEAN), so a write cannot overwrite inodes.
 */
START_TEST(test_ext4_extent_over_metadata)
{
	const struct ext4_super *es;
	const struct ext4_group_desc *gd;
	struct ext4_inode *raw;
	struct file *f = NULL;
	struct vnode *v;
	uint32_t itable;
	uint64_t ino;
	char buf[64];
	struct uio u;

	load_image("fuzz-nocsum.img"); /* no inode checksum to redo */
	ck_assert_int_eq(
		vfs_mount_new(NULL, MNT, "ext4", DEV, VFS_MNT_RDONLY, "", NULL),
		0);
	ck_assert_int_eq(vfs_lookup(NULL, MNT "/a", 0, NULL, &v), 0);
	ino = v->ino;
	vnode_put(v);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	blkdev_sync(&disk, true);
	es = (const void *)(ram + 1024);
	ck_assert_uint_eq(es->s_log_block_size, 0);
	gd = (const void *)(ram + (es->s_first_data_block + 1) * 1024);
	itable = gd->bg_inode_table_lo;
	ck_assert_uint_lt(ino, es->s_inodes_per_group);
	raw = (void *)(ram + itable * 1024 + (ino - 1) * es->s_inode_size);
	memcpy(&raw->i_block[20], &itable, 4); /* extent 0's start */
	ck_assert_int_eq(mount_rw(), 0);
	ck_assert_int_eq(vfs_openat(NULL, MNT "/a", O_RDWR, 0, NULL, &f), 0);
	uio_init_kernel(&u, buf, sizeof(buf));
	ck_assert_int_eq(file_read(f, &u, 0), -EUCLEAN);
	memset(buf, 'x', sizeof(buf));
	uio_init_kernel(&u, buf, sizeof(buf));
	ck_assert_int_eq(file_write(f, &u, 0), -EUCLEAN);
	file_put(f);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
}
END_TEST

Suite *ext4rwfuzz_suite(void)
{
	Suite *s = suite_create("ext4rwfuzz");
	TCase *tc = tcase_create("ext4rwfuzz");

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, test_ext4_rwfuzz_csum);
	tcase_add_test(tc, test_ext4_rwfuzz_nocsum);
	tcase_add_test(tc, test_ext4_rwfuzz_groups_csum);
	tcase_add_test(tc, test_ext4_rwfuzz_groups_nocsum);
	tcase_add_test(tc, test_ext4_rwfuzz_4k);
	tcase_add_test(tc, test_ext4_extent_over_metadata);
	suite_add_tcase(s, tc);
	return s;
}
