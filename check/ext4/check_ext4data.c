/*
 * Unit tests for ext4's writing of file data (libkos/fs/ext4/extent.c
 * and the write path): over a RAM disk holding a copy of a test image
 * (check/ext4/module.mk), extent trees are grown, split, converted and
 * truncated, the disk is written back, and the host's e2fsck -fn must
 * find the image clean.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kos/blkdev.h>
#include <kos/boot.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
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
#include "host.h"
#include "ramdisk.h"

/* A fresh kernel, image name on /dev/vda, mounted on /mnt. */
static struct ext4_fs *mount_fs(bool rw)
{
	struct vnode *v = NULL;
	struct ext4_fs *fs;

	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", DEV,
				       rw ? 0 : VFS_MNT_RDONLY, "", NULL),
			 0);
	ck_assert_int_eq(vfs_lookup(NULL, MNT, 0, NULL, &v), 0);
	fs = EXT4_FS(v->sb);
	vnode_put(v);
	return fs;
}

static struct ext4_fs *load(const char *name, bool rw)
{
	ramdisk_boot(ramdisk_path(name));
	return mount_fs(rw);
}

static struct ext4_inode_info *iget(const char *path)
{
	struct vnode *v = NULL;
	int err = vfs_lookup(NULL, path, 0, NULL, &v);

	ck_assert_msg(!err, "lookup %s: %d", path, err);
	return EXT4_I(v);
}

/* Write the cache back, the disk out to a file, and e2fsck -fn it. */
static void fsck_clean(struct ext4_fs *fs, const char *what)
{
	char cmd[600];
	const char *out = "build/check/ext4data-test.img";
	FILE *f;
	char *res;

	if (fs)
		ck_assert_int_eq(bcache_sync(fs->bc), 0);
	f = fopen(out, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(ram, 1, ram_size, f), ram_size);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "e2fsck -fn %s 2>&1; echo rc=$?", out);
	res = host_run(cmd);
	ck_assert_ptr_nonnull(res);
	ck_assert_msg(strstr(res, "rc=0\n") != NULL, "%s: e2fsck:\n%s", what,
		      res);
	free(res);
}

static int tree_depth(struct ext4_inode_info *ei)
{
	return ((struct ext4_extent_header *)ext4_raw(ei)->i_block)->eh_depth;
}

/* The file's tree rebuilt: blocks every step-th of n, one at a time. */
static void fill(struct ext4_inode_info *ei, uint32_t n, uint32_t step)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);

	for (uint32_t l = 0; l < n; l += step) {
		uint64_t pblk;
		uint32_t count;
		bool fresh;

		ck_assert_int_eq(
			ext4_get_blocks(ei, l, 1, true, &pblk, &count, &fresh),
			0);
		ck_assert(fresh || step == 1);
		ck_assert_uint_eq(count, 1);
	}
	ei->v.size = (uint64_t)n * fs->bs;
	ck_assert_int_eq(ext4_inode_write(ei), 0);
}

static void trunc_to(struct ext4_inode_info *ei, uint32_t lblk)
{
	ei->v.size = (uint64_t)lblk * EXT4_FS(ei->v.sb)->bs;
	ck_assert_int_eq(ext4_truncate_blocks(ei, lblk), 0);
}

static void extent_trees(const char *image)
{
	struct ext4_fs *fs = load(image, false);
	struct ext4_inode_info *ei = iget(MNT "/holes");
	uint64_t pblk, p2;
	uint32_t count, n;
	bool fresh;

	mutex_lock(&ei->lock);
	/* truncation of a big tree: in the middle, then everything */
	trunc_to(ei, 1500);
	fsck_clean(fs, "holes truncated to 1500 blocks");
	trunc_to(ei, 0);
	ck_assert_int_eq(tree_depth(ei), 0);
	ck_assert_uint_eq(ei->v.blocks, 0);
	fsck_clean(fs, "holes truncated to 0");
	/* every other block: splits, growth to depth 2 with 1 KiB blocks */
	n = fs->bs == 1024 ? 2000 : 1400;
	fill(ei, 2 * n, 2);
	ck_assert_int_ge(tree_depth(ei), fs->bs == 1024 ? 2 : 1);
	fsck_clean(fs, "every other block");
	/* a punched middle: whole leaves emptied and freed, ends trimmed */
	ck_assert_int_eq(ext4_punch_blocks(ei, 101, 2 * n - 301), 0);
	ck_assert_int_eq(ext4_map(ei, 101, 10, &pblk, &count), 0);
	ck_assert_uint_eq(pblk, 0);
	fsck_clean(fs, "punched");
	ck_assert_int_eq(ext4_punch_blocks(ei, 0, 2 * n), 0);
	ck_assert_uint_eq(ei->v.blocks, 0);
	fsck_clean(fs, "all punched");
	/* the holes filled in: the neighbours merge */
	fill(ei, 2 * n, 1);
	fsck_clean(fs, "holes filled");
	trunc_to(ei, n + 7);
	fsck_clean(fs, "truncated in the middle");
	trunc_to(ei, 0);
	ck_assert_uint_eq(ei->v.blocks, 0);
	fsck_clean(fs, "truncated to 0");
	/* fallocate's unwritten extents, written from the head on */
	ck_assert_int_eq(ext4_prealloc(ei, 0, 100, &count), 0);
	ck_assert_uint_eq(count, 100);
	ck_assert_int_eq(ext4_map(ei, 0, 100, &pblk, &count), 0);
	ck_assert_uint_eq(pblk, 0);
	ck_assert_int_eq(
		ext4_get_blocks(ei, 0, 10, true, &pblk, &count, &fresh), 0);
	ck_assert(fresh);
	ck_assert_int_eq(
		ext4_get_blocks(ei, 10, 10, true, &pblk, &count, &fresh), 0);
	ck_assert_uint_eq(count, 10);
	ck_assert_int_eq(ext4_map(ei, 0, 100, &pblk, &count), 0);
	ck_assert_uint_eq(count, 20);	    /* merged into one written extent */
	ei->v.size = 50 * (uint64_t)fs->bs; /* unwritten past the size */
	ck_assert_int_eq(ext4_inode_write(ei), 0);
	fsck_clean(fs, "unwritten extents");
	trunc_to(ei, 0);
	ck_assert_uint_eq(ei->v.blocks, 0);
	/* a long sequential run: one call maps many blocks */
	ck_assert_int_eq(
		ext4_get_blocks(ei, 0, 4096, true, &pblk, &count, &fresh), 0);
	ck_assert_uint_ge(count, 256);
	ck_assert_int_eq(
		ext4_get_blocks(ei, count, 4096, true, &p2, &n, &fresh), 0);
	ei->v.size = (uint64_t)(count + n) * fs->bs;
	ck_assert_int_eq(ext4_inode_write(ei), 0);
	ck_assert_uint_eq(((struct ext4_extent_header *)ext4_raw(ei)->i_block)
				  ->eh_entries,
			  p2 == pblk + count ? 1 : 2);
	fsck_clean(fs, "sequential");
	mutex_unlock(&ei->lock);
	vnode_put(&ei->v);

	/* unwritten extents (blocks 2-9 of sparse_tail) written in part */
	ei = iget(MNT "/sparse_tail");
	mutex_lock(&ei->lock);
	ck_assert_int_eq(ext4_get_blocks(ei, 4, 2, true, &pblk, &count, &fresh),
			 0);
	ck_assert(fresh);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(ext4_map(ei, 4, 10, &p2, &n), 0);
	ck_assert_uint_eq(p2, pblk);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ext4_map(ei, 3, 10, &p2, &n), 0);
	ck_assert_uint_eq(p2, 0); /* still unwritten */
	ck_assert_int_eq(ext4_get_blocks(ei, 2, 1, true, &pblk, &count, &fresh),
			 0);
	ck_assert_int_eq(ext4_get_blocks(ei, 9, 1, true, &pblk, &count, &fresh),
			 0);
	fsck_clean(fs, "unwritten extents converted");
	trunc_to(ei, 3);
	fsck_clean(fs, "sparse_tail truncated");
	mutex_unlock(&ei->lock);
	vnode_put(&ei->v);
}

static void check_bytes(struct file *f, const uint8_t *want, size_t len,
			uint64_t off)
{
	uint8_t *got = malloc(len);

	ck_assert_int_eq(file_pread_kernel(f, got, len, off), (ssize_t)len);
	ck_assert_msg(memcmp(got, want, len) == 0, "data at %llu differs",
		      (unsigned long long)off);
	free(got);
}

/* write(2) and friends through the VFS, e2fsck, then read back. */
static void write_path(const char *image)
{
	size_t big = 3 * 1024 * 1024 + 123, small = 1000003;
	uint8_t *pat = malloc(big), *zero = calloc(1, 65536);
	struct ext4_fs *fs = load(image, true);
	struct ext4_inode_info *ei;
	struct file *f = NULL;
	struct vnode *v;

	for (size_t i = 0; i < big; i++)
		pat[i] = (uint8_t)(i * 7 + i / 4096);
	ck_assert_int_eq(vfs_openat(NULL, MNT "/small", O_RDWR, 0, NULL, &f),
			 0);
	v = f->vnode;
	/* a large sequential write over a small file */
	ck_assert_int_eq(file_pwrite_kernel(f, pat, big, 0), (ssize_t)big);
	check_bytes(f, pat, big, 0);
	/* sparse: far past the end, the gap reads as zeros */
	ck_assert_int_eq(file_pwrite_kernel(f, "hello", 5, 10000000), 5);
	check_bytes(f, zero, 65536, 5000000);
	check_bytes(f, (const uint8_t *)"hello", 5, 10000000);
	ck_assert_uint_eq(v->size, 10000005);
	/* overwrite in the middle of a block */
	ck_assert_int_eq(file_pwrite_kernel(f, pat + 100005, 10, 100005), 10);
	/* shrink to the middle of a block, then grow: zeros after */
	ck_assert_int_eq(v->ops->truncate(v, small), 0);
	ck_assert_int_eq(v->ops->truncate(v, small + 5000), 0);
	check_bytes(f, pat, small, 0);
	check_bytes(f, zero, 5000, small);
	/* fallocate past the end, kept size: unwritten extents */
	ck_assert_int_eq(v->ops->fallocate(v, VFS_FALLOC_KEEP_SIZE,
					   4 * 1024 * 1024, 1024 * 1024),
			 0);
	ck_assert_uint_eq(v->size, small + 5000);
	ck_assert_int_eq(v->ops->fallocate(v, VFS_FALLOC_PUNCH_HOLE, 0, 4096),
			 -EOPNOTSUPP);
	/* punch: partial blocks at both ends, whole blocks freed between */
	ck_assert_int_eq(
		v->ops->fallocate(v,
				  VFS_FALLOC_PUNCH_HOLE | VFS_FALLOC_KEEP_SIZE,
				  300000 + 17, 200000),
		0);
	memset(pat + 300000 + 17, 0, 200000);
	check_bytes(f, pat, small, 0);
	ck_assert_int_eq(file_lseek(f, 310000, SEEK_HOLE), 310000);
	ck_assert_int_eq(file_lseek(f, 310000, SEEK_DATA),
			 (300000 + 17 + 200000) / fs->bs * fs->bs);
	/* SEEK_DATA/SEEK_HOLE: the punched hole comes first; unwritten
	 * space is a hole */
	ck_assert_int_eq(file_lseek(f, 0, SEEK_DATA), 0);
	ck_assert_int_eq(file_lseek(f, 4096, SEEK_DATA), 4096);
	ck_assert_int_eq(file_lseek(f, 0, SEEK_HOLE),
			 (300017 + fs->bs - 1) / fs->bs * fs->bs);
	ck_assert_int_eq(file_lseek(f, small + 5000, SEEK_HOLE), -ENXIO);
	ck_assert_int_eq(file_lseek(f, small + 5000, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(v->ops->truncate(v, 8 * 1024 * 1024), 0);
	ck_assert_int_eq(file_lseek(f, 4 * 1024 * 1024, SEEK_DATA), -ENXIO);
	ck_assert_int_eq(file_lseek(f, 4 * 1024 * 1024, SEEK_HOLE),
			 4 * 1024 * 1024);
	ck_assert_int_eq(file_pwrite_kernel(f, "x", 1, 6 * 1024 * 1024), 1);
	ck_assert_int_eq(file_lseek(f, 4 * 1024 * 1024, SEEK_DATA),
			 6 * 1024 * 1024 - 6 * 1024 * 1024 % fs->bs);
	ck_assert_int_eq(v->ops->truncate(v, small + 5000), 0);
	/* a shared mapping's store into a hole page: blocks at mkwrite */
	{
		paddr_t pa;
		uint64_t idx = 360000 / 4096;

		ck_assert_int_eq(file_getpage(f, idx, &pa), 0);
		ck_assert_int_eq(file_page_mkwrite(f, idx), 0);
		memset(plat_phys_to_virt(pa), 'M', 4096);
		memset(pat + idx * 4096, 'M', 4096);
		pmm_page_put(pa);
	}
	ck_assert_int_eq(f->ops->fsync(f, false), 0);
	file_put(f);
	/* an inode with no links: its last reference frees it all */
	ei = iget(MNT);
	{
		struct ext4_inode_info *ni = NULL;

		ck_assert_int_eq(ext4_new_inode(ei, S_IFREG | 0644, 0, 0, &ni),
				 0);
		mutex_lock(&ni->lock);
		fill(ni, 1200, 2); /* a tree block or more */
		ck_assert_int_ge(tree_depth(ni), 1);
		mutex_unlock(&ni->lock);
		vnode_put(&ni->v);
	}
	vnode_put(&ei->v);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean(NULL, "after writes");
	/* again from the disk */
	fs = mount_fs(false);
	ck_assert_int_eq(vfs_openat(NULL, MNT "/small", O_RDONLY, 0, NULL, &f),
			 0);
	ck_assert_uint_eq(f->vnode->size, small + 5000);
	check_bytes(f, pat, small, 0);
	check_bytes(f, zero, 5000, small);
	file_put(f);
	ei = iget(MNT "/small");
	/* the sequential write, a punch, a page: still a small tree */
	ck_assert_int_le(tree_depth(ei), 1);
	vnode_put(&ei->v);
	(void)fs;
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	free(pat);
	free(zero);
}

/* Writing until the disk is full: ENOSPC from write(2), then clean. */
static void fill_disk(const char *image)
{
	size_t chunk = 1024 * 1024;
	uint8_t *buf = malloc(chunk);
	struct file *f = NULL;
	uint64_t off = 0;
	ssize_t n = 0;

	memset(buf, 0x5a, chunk);
	load(image, true);
	ck_assert_int_eq(vfs_openat(NULL, MNT "/one", O_RDWR, 0, NULL, &f), 0);
	for (int i = 0; i < 4096; i++) {
		n = file_pwrite_kernel(f, buf, chunk, off);
		if (n <= 0)
			break;
		off += (uint64_t)n;
	}
	ck_assert_int_eq(n, -ENOSPC);
	ck_assert_uint_eq(f->vnode->size, off);
	ck_assert_int_eq(f->ops->fsync(f, false), 0);
	/* room again: a truncate gives the blocks back */
	ck_assert_int_eq(f->vnode->ops->truncate(f->vnode, off / 2), 0);
	ck_assert_int_eq(file_pwrite_kernel(f, buf, 4096, off / 2), 4096);
	file_put(f);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean(NULL, "disk filled");
	free(buf);
}

/* Reads of [off, off + len) of path are zeros but for data at doff. */
static void check_zeros_around(const char *path, uint64_t off, size_t len,
			       const void *data, size_t dlen, uint64_t doff)
{
	uint8_t *want = calloc(1, len), *got = malloc(len);
	struct file *f = NULL;

	if (dlen)
		memcpy(want + (doff - off), data, dlen);
	ck_assert_int_eq(vfs_openat(NULL, path, O_RDONLY, 0, NULL, &f), 0);
	ck_assert_int_eq(file_pread_kernel(f, got, len, off), (ssize_t)len);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(got[i] == want[i],
			      "%s: byte %llu is %#x, want %#x", path,
			      (unsigned long long)(off + i), got[i], want[i]);
	file_put(f);
	free(want);
	free(got);
}

static struct file *create(const char *path)
{
	struct file *f = NULL;

	ck_assert_int_eq(
		vfs_openat(NULL, path, O_RDWR | O_CREAT, 0644, NULL, &f), 0);
	return f;
}

static void remount(void)
{
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	mount_fs(true);
}

/*
 * New blocks never show what the disk held before: every free block
 * is first filled with junk (a file written until ENOSPC, then
 * unlinked), then blocks only partly written (the end of a file, past
 * a gap, in a hole below the size) are read back, from the page cache
 * and again from the disk, and after growing the file over them.
 */
static void no_stale_blocks(const char *image)
{
	size_t chunk = 1024 * 1024;
	uint8_t *buf = malloc(chunk);
	struct ext4_fs *fs = load(image, true);
	uint64_t bs = fs->bs, off = 0;
	struct file *f = NULL;
	ssize_t n = 0;

	memset(buf, 0xa5, chunk);
	f = create(MNT "/junk");
	for (int i = 0;
	     i < 4096 && (n = file_pwrite_kernel(f, buf, chunk, off)) > 0; i++)
		off += (uint64_t)n;
	ck_assert_int_eq(n, -ENOSPC);
	ck_assert_int_eq(f->ops->fsync(f, false), 0);
	file_put(f);
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/junk", false, NULL), 0);
	remount();

	/* the end of a new file: 100 bytes, then grown by truncate */
	f = create(MNT "/tail");
	ck_assert_int_eq(file_pwrite_kernel(f, "tail-data", 9, 91), 9);
	ck_assert_int_eq(f->vnode->ops->truncate(f->vnode, 3 * bs), 0);
	file_put(f);
	check_zeros_around(MNT "/tail", 0, 3 * bs, "tail-data", 9, 91);
	f = create(MNT "/tail2");
	ck_assert_int_eq(file_pwrite_kernel(f, "tail-data", 9, 91), 9);
	file_put(f);
	remount();
	check_zeros_around(MNT "/tail", 0, 3 * bs, "tail-data", 9, 91);
	f = create(MNT "/tail2");
	ck_assert_int_eq(f->vnode->ops->truncate(f->vnode, 3 * bs), 0);
	file_put(f);
	check_zeros_around(MNT "/tail2", 0, 3 * bs, "tail-data", 9, 91);

	/* past a gap, in the middle of a block and of a page */
	f = create(MNT "/gap");
	ck_assert_int_eq(file_pwrite_kernel(f, "gap", 3, 5 * bs + 77), 3);
	ck_assert_int_eq(file_pwrite_kernel(f, "more", 4, 9 * bs + 1), 4);
	file_put(f);
	check_zeros_around(MNT "/gap", 0, 9 * bs, "gap", 3, 5 * bs + 77);
	remount();
	check_zeros_around(MNT "/gap", 0, 9 * bs, "gap", 3, 5 * bs + 77);
	check_zeros_around(MNT "/gap", 6 * bs, 3 * bs + 5, "more", 4,
			   9 * bs + 1);

	/* into a hole below the size, after a remount */
	f = create(MNT "/hole");
	memset(buf, 'h', 16 * bs);
	ck_assert_int_eq(file_pwrite_kernel(f, buf, bs, 0), (ssize_t)bs);
	ck_assert_int_eq(file_pwrite_kernel(f, buf, bs, 15 * bs), (ssize_t)bs);
	file_put(f);
	remount();
	f = create(MNT "/hole");
	ck_assert_int_eq(file_pwrite_kernel(f, "mid", 3, 7 * bs + 100), 3);
	file_put(f);
	check_zeros_around(MNT "/hole", bs, 14 * bs, "mid", 3, 7 * bs + 100);
	remount();
	check_zeros_around(MNT "/hole", bs, 14 * bs, "mid", 3, 7 * bs + 100);

	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean(NULL, "partial blocks");
	free(buf);
}

START_TEST(test_ext4data_no_stale_1k)
{
	no_stale_blocks("img-1k.img");
}
END_TEST

START_TEST(test_ext4data_no_stale_4k)
{
	no_stale_blocks("img-4k.img");
}
END_TEST

START_TEST(test_ext4data_enospc)
{
	fill_disk("img-1k.img");
}
END_TEST

START_TEST(test_ext4data_write_1k)
{
	write_path("img-1k.img");
}
END_TEST

START_TEST(test_ext4data_write_4k)
{
	write_path("img-4k.img");
}
END_TEST

START_TEST(test_ext4data_extents_1k)
{
	extent_trees("img-1k.img");
}
END_TEST

START_TEST(test_ext4data_extents_4k)
{
	extent_trees("img-4k.img");
}
END_TEST

Suite *ext4data_suite(void)
{
	Suite *s = suite_create("ext4data");
	TCase *tc = tcase_create("ext4data");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_ext4data_extents_1k);
	tcase_add_test(tc, test_ext4data_extents_4k);
	tcase_add_test(tc, test_ext4data_write_1k);
	tcase_add_test(tc, test_ext4data_write_4k);
	tcase_add_test(tc, test_ext4data_enospc);
	tcase_add_test(tc, test_ext4data_no_stale_1k);
	tcase_add_test(tc, test_ext4data_no_stale_4k);
	suite_add_tcase(s, tc);
	return s;
}
