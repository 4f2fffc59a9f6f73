/*
 * Unit tests for ext4's namespace writing (libkos/fs/ext4/dir.c's entry
 * writes; namei.c as it comes), over a RAM disk holding a copy of the
 * scripts/mkext4-test images.  What KOS wrote is checked by KOS's own
 * lookups and then by the host's e2fsck -fn on the written image.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kos/blkdev.h>
#include <kos/boot.h>
#include <kos/crc32c.h>
#include <kos/kmalloc.h>
#include <kos/mutex.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#include "../../libkos/fs/ext4/ext4.h"
#include "../plat_test.h"
#include "host.h"
#include "ramdisk.h"

/*
 * A fresh kernel with a copy of image name on vda, /dev/vda, /mnt;
 * prep (if not NULL): debugfs -w requests (lines) run on the copy first.
 */
static void load_image_prep(const char *name, const char *prep)
{
	const char *path = ramdisk_path(name);
	char tmp[] = "/tmp/kos-ext4ns-XXXXXX", cmd[1024];

	if (prep) {
		int fd = mkstemp(tmp);

		ck_assert_int_ge(fd, 0);
		fclose(fdopen(fd, "w"));
		snprintf(cmd, sizeof(cmd),
			 "cp %s %s && printf '%s\\n' | debugfs -w -f - %s "
			 ">/dev/null 2>&1 && echo ok",
			 path, tmp, prep, tmp);
		free(host_run(cmd));
		path = tmp;
	}
	ramdisk_boot(path);
	if (prep)
		remove(tmp);
	ck_assert_int_eq(
		vfs_mount_new(NULL, MNT, "ext4", DEV, VFS_MNT_RDONLY, "", NULL),
		0);
}

static void load_image(const char *name)
{
	load_image_prep(name, NULL);
}

static struct vnode *lookup(const char *path)
{
	struct vnode *v = NULL;
	int err = vfs_lookup(NULL, path, 0, NULL, &v);

	ck_assert_msg(!err, "lookup %s: %d", path, err);
	return v;
}

/* The inode name has in dir by ext4's own lookup (0: none). */
static uint32_t ino_of(struct vnode *dir, const char *name)
{
	struct vnode *v = NULL;
	uint32_t ino;
	int err = ext4_lookup(dir, name, strlen(name), &v);

	if (err == -ENOENT)
		return 0;
	ck_assert_msg(!err, "ext4_lookup %s: %d", name, err);
	ino = (uint32_t)v->ino;
	vnode_put(v);
	return ino;
}

/*
 * Write the buffers back, unmount, run the debugfs -w request post (if
 * not NULL) on the image and then e2fsck -fn; the image is kept (its
 * path returned, malloc'd) for fsck_clean_keep's caller to look at.
 */
static char *fsck_clean_keep(struct vnode *any, const char *what,
			     const char *post)
{
	char tmp[] = "/tmp/kos-ext4ns-XXXXXX", cmd[256];
	struct bcache *bc = EXT4_FS(any->sb)->bc;
	char *out;
	FILE *f;
	int fd;

	ck_assert_int_eq(bcache_sync(bc), 0);
	vnode_put(any);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	blkdev_sync(&disk, true);
	fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "wb");
	ck_assert_uint_eq(fwrite(ram, 1, ram_size, f), ram_size);
	fclose(f);
	if (post) {
		snprintf(cmd, sizeof(cmd),
			 "debugfs -w -R '%s' %s >/dev/null 2>&1; echo $?", post,
			 tmp);
		free(host_run(cmd));
	}
	snprintf(cmd, sizeof(cmd), "e2fsck -fn %s >/dev/null 2>&1; echo $?",
		 tmp);
	out = host_run(cmd);
	ck_assert_ptr_nonnull(out);
	if (atoi(out) != 0) {
		snprintf(cmd, sizeof(cmd), "e2fsck -fn %s 2>&1 | head -30",
			 tmp);
		free(out);
		out = host_run(cmd);
		ck_abort_msg("%s: e2fsck -fn is not clean:\n%s", what,
			     out ? out : "?");
	}
	free(out);
	return strdup(tmp);
}

static void fsck_clean_post(struct vnode *any, const char *what,
			    const char *post)
{
	char *img = fsck_clean_keep(any, what, post);

	if (!getenv("KOS_EXT4NS_KEEP")) /* for a look at it afterwards */
		remove(img);
	free(img);
}

static void fsck_clean(struct vnode *any, const char *what)
{
	fsck_clean_post(any, what, NULL);
}

/*
 * A linear directory (the root): names added until its blocks are
 * full, found, removed (first entries of blocks too), gone, and the
 * image clean.
 */
static void linear_add_remove(const char *image)
{
	struct vnode *root = lookup(MNT), *t = lookup(MNT "/small"),
		     *e = lookup(MNT "/emptydir");
	struct ext4_inode_info *dir = EXT4_I(root);
	char name[32];
	int n, err = 0;

	ck_assert_int_eq(ext4_dir_empty(EXT4_I(e)), 0);
	ck_assert_int_eq(ext4_dir_empty(dir), -ENOTEMPTY);
	vnode_put(e);
	for (n = 0; n < 5000; n++) {
		snprintf(name, sizeof(name), "added-%d", n);
		err = ext4_dir_add(dir, name, strlen(name), (uint32_t)t->ino,
				   t->mode);
		if (err)
			break;
	}
	ck_assert_int_eq(err, -EAGAIN); /* full: a new block wanted */
	ck_assert_int_gt(n, 10);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "added-%d", i);
		ck_assert_uint_eq(ino_of(root, name), t->ino);
	}
	/* "small" itself goes and comes back: a first-of-block case too */
	for (int i = n - 1; i >= 0; i -= 2) {
		uint32_t ino = 0;

		snprintf(name, sizeof(name), "added-%d", i);
		ck_assert_int_eq(ext4_dir_remove(dir, name, strlen(name), &ino),
				 0);
		ck_assert_uint_eq(ino, t->ino);
	}
	for (int i = n - 2; i >= 0; i -= 2) {
		snprintf(name, sizeof(name), "added-%d", i);
		ck_assert_int_eq(ext4_dir_remove(dir, name, strlen(name), NULL),
				 0);
		ck_assert_uint_eq(ino_of(root, name), 0);
	}
	ck_assert_int_eq(ext4_dir_remove(dir, "added-0", 7, NULL), -ENOENT);
	ck_assert_uint_eq(ino_of(root, "small"), t->ino);
	vnode_put(t);
	fsck_clean(root, image);
}

START_TEST(test_ext4ns_linear_1k)
{
	load_image("img-1k.img");
	linear_add_remove("img-1k.img");
}
END_TEST

START_TEST(test_ext4ns_linear_4k)
{
	load_image("img-4k.img");
	linear_add_remove("img-4k.img");
}
END_TEST

/*
 * A hash-tree directory: names removed, gone, put back (into the
 * leaves their hashes choose), found, and the image clean.
 */
static void htree_remove_readd(const char *image)
{
	struct vnode *big = lookup(MNT "/big"), *t = lookup(MNT "/big/target");
	struct ext4_inode_info *dir = EXT4_I(big);
	char name[80];

	ck_assert(dir->flags & EXT4_INDEX_FL);
	for (int i = 1; i < 4000; i += 3) {
		if (i % 80 == 0)
			continue;
		snprintf(
			name, sizeof(name), "n%04d_%.*s", i, i % 53,
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		ck_assert_int_eq(ext4_dir_remove(dir, name, strlen(name), NULL),
				 0);
		ck_assert_uint_eq(ino_of(big, name), 0);
	}
	for (int i = 1; i < 4000; i += 3) {
		if (i % 80 == 0)
			continue;
		snprintf(
			name, sizeof(name), "n%04d_%.*s", i, i % 53,
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		ck_assert_int_eq(ext4_dir_add(dir, name, strlen(name),
					      (uint32_t)t->ino, t->mode),
				 0);
		ck_assert_uint_eq(ino_of(big, name), t->ino);
	}
	ck_assert_int_eq(ext4_dir_empty(dir), -ENOTEMPTY);
	vnode_put(t);
	fsck_clean(big, image);
}

START_TEST(test_ext4ns_htree_1k)
{
	load_image("img-1k.img");
	htree_remove_readd("img-1k.img");
}
END_TEST

START_TEST(test_ext4ns_htree_4k)
{
	load_image("img-4k.img");
	htree_remove_readd("img-4k.img");
}
END_TEST

/*
 * Leaf splits: the image's big hash-tree directory got one more block
 * from debugfs expand_dir (not in its index yet); names are added to a
 * leaf until it is full, then ext4_dir_add_grown splits that leaf into
 * the new block.  Every name is found, and once the added ones are
 * removed again (their inode's link count is the image's) e2fsck -fn
 * is clean: the new block is in the index, hashes in order.
 */
static void htree_split(const char *image, uint32_t spare)
{
	struct vnode *big, *t;
	struct ext4_inode_info *dir;
	uint32_t nlblk, cnt;
	uint64_t pblk;
	struct bbuf *nb;
	char name[64];
	int n, err = 0, after;

	load_image_prep(image, spare == 1 ? "expand_dir /big"
					  : "expand_dir /big\nexpand_dir /big");
	big = lookup(MNT "/big");
	t = lookup(MNT "/big/target");
	dir = EXT4_I(big);
	nlblk = (uint32_t)(big->size / EXT4_FS(big->sb)->bs) - spare;
	for (n = 0; n < 100000; n++) {
		snprintf(name, sizeof(name), "split-%d", n);
		err = ext4_dir_add(dir, name, strlen(name), (uint32_t)t->ino,
				   t->mode);
		if (err)
			break;
	}
	ck_assert_int_eq(err, -EAGAIN);
	/* the spare blocks in turn: index splits first, then the leaf */
	for (uint32_t k = 0; err == -EAGAIN; k++) {
		ck_assert_uint_lt(k, spare);
		ck_assert_int_eq(ext4_map(dir, nlblk + k, 1, &pblk, &cnt), 0);
		ck_assert_uint_ne(pblk, 0);
		ck_assert_int_eq(ext4_bread(EXT4_FS(big->sb), pblk, &nb), 0);
		err = ext4_dir_add_grown(dir, name, strlen(name),
					 (uint32_t)t->ino, t->mode, nlblk + k,
					 nb);
		bcache_put(nb);
		ck_assert_msg(err == 0 || err == -EAGAIN, "grown: %d", err);
		ck_assert_msg(err == 0 || k + 1 < spare, "more blocks wanted");
	}
	n++;
	/* both halves have room now: a few more go in without a block */
	for (after = 0; after < 20; after++, n++) {
		snprintf(name, sizeof(name), "split-%d", n);
		err = ext4_dir_add(dir, name, strlen(name), (uint32_t)t->ino,
				   t->mode);
		if (err)
			break;
	}
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "split-%d", i);
		ck_assert_msg(ino_of(big, name) == t->ino, "%s lost", name);
	}
	ck_assert_uint_eq(ino_of(big, "target"), t->ino);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "split-%d", i);
		ck_assert_int_eq(ext4_dir_remove(dir, name, strlen(name), NULL),
				 0);
	}
	vnode_put(t);
	fsck_clean(big, image);
}

START_TEST(test_ext4ns_split_1k)
{
	htree_split("img-1k.img", 2); /* a full index block splits too */
}
END_TEST

START_TEST(test_ext4ns_split_4k)
{
	htree_split("img-4k.img", 1);
}
END_TEST

/*
 * A linear directory of one full block becomes a hash tree: emptydir
 * (given a spare block by debugfs expand_dir, hidden while it fills)
 * fills up, the spare block takes its entries and block 0 becomes the
 * root; every name is found through the index.  The inode's INDEX_FL
 * is set on disk by debugfs here (inode writing is ext4-alloc's).
 */
static void linear_to_htree(const char *image)
{
	struct vnode *e, *t;
	struct ext4_inode_info *dir;
	uint64_t real, pblk;
	struct bbuf *nb;
	uint32_t cnt;
	char name[64], post[128];
	int n, err = 0;

	load_image_prep(image, "expand_dir /emptydir");
	e = lookup(MNT "/emptydir");
	t = lookup(MNT "/small");
	dir = EXT4_I(e);
	real = e->size;
	ck_assert_uint_eq(real, 2 * EXT4_FS(e->sb)->bs);
	e->size = EXT4_FS(e->sb)->bs;
	for (n = 0; n < 100000; n++) {
		snprintf(name, sizeof(name), "grow-%d", n);
		err = ext4_dir_add(dir, name, strlen(name), (uint32_t)t->ino,
				   t->mode);
		if (err)
			break;
	}
	ck_assert_int_eq(err, -EAGAIN);
	e->size = real;
	ck_assert_int_eq(ext4_map(dir, 1, 1, &pblk, &cnt), 0);
	ck_assert_int_eq(ext4_bread(EXT4_FS(e->sb), pblk, &nb), 0);
	ck_assert_int_eq(ext4_dir_add_grown(dir, name, strlen(name),
					    (uint32_t)t->ino, t->mode, 1, nb),
			 -EAGAIN);
	bcache_put(nb);
	ck_assert(dir->flags & EXT4_INDEX_FL);
	/* block 1 has the room the dot entries took in block 0 */
	ck_assert_int_eq(ext4_dir_add(dir, name, strlen(name), (uint32_t)t->ino,
				      t->mode),
			 0);
	n++;
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "grow-%d", i);
		ck_assert_msg(ino_of(e, name) == t->ino, "%s lost", name);
	}
	ck_assert_uint_eq(ino_of(e, ".."), 2);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "grow-%d", i);
		ck_assert_int_eq(ext4_dir_remove(dir, name, strlen(name), NULL),
				 0);
	}
	ck_assert_int_eq(ext4_dir_empty(dir), 0);
	snprintf(post, sizeof(post), "set_inode_field /emptydir flags 0x%x",
		 dir->flags);
	vnode_put(t);
	fsck_clean_post(e, image, post);
}

START_TEST(test_ext4ns_make_indexed_1k)
{
	linear_to_htree("img-1k.img");
}
END_TEST

START_TEST(test_ext4ns_make_indexed_4k)
{
	linear_to_htree("img-4k.img");
}
END_TEST

/* The value of xattr name of v as a string ("" with -err if none). */
static const char *xget(struct vnode *v, const char *name, char *buf,
			size_t size)
{
	ssize_t n = ext4_getxattr(v, name, buf, size - 1);

	if (n < 0)
		snprintf(buf, size, "%zd", n);
	else
		buf[n] = 0;
	return buf;
}

/*
 * Attributes in the inode: create, replace (longer and shorter),
 * remove, the CREATE/REPLACE flags, values too big for the inode (to
 * the block), one in the block made small (to the inode); the image
 * stays e2fsck-clean.
 */
static void xattr_inode(const char *image)
{
	struct vnode *x, *xs, *xb;
	char buf[256], post[64];

	load_image(image);
	x = lookup(MNT "/small");
	xs = lookup(MNT "/xsmall");
	xb = lookup(MNT "/xblock");
	ck_assert_int_eq(ext4_setxattr(x, "user.kos", "hello", 5, 0), -EROFS);
	vnode_put(x);
	vnode_put(xs);
	vnode_put(xb);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", DEV, 0, "", NULL), 0);
	x = lookup(MNT "/small");
	xs = lookup(MNT "/xsmall");
	xb = lookup(MNT "/xblock");
	ck_assert_int_eq(
		ext4_setxattr(x, "user.kos", "hello", 5, VFS_XATTR_CREATE), 0);
	ck_assert_str_eq(xget(x, "user.kos", buf, sizeof(buf)), "hello");
	ck_assert_int_eq(
		ext4_setxattr(x, "user.kos", "again", 5, VFS_XATTR_CREATE),
		-EEXIST);
	ck_assert_int_eq(
		ext4_setxattr(x, "user.none", "v", 1, VFS_XATTR_REPLACE),
		-ENODATA);
	ck_assert_int_eq(
		ext4_setxattr(x, "user.none", NULL, 0, VFS_XATTR_REPLACE),
		-ENODATA);
	ck_assert_int_eq(ext4_setxattr(x, "user.kos", "a longer one", 12,
				       VFS_XATTR_REPLACE),
			 0);
	ck_assert_str_eq(xget(x, "user.kos", buf, sizeof(buf)), "a longer one");
	/* the inode of xsmall is full: a new one goes to the block */
	ck_assert_uint_eq(EXT4_I(xs)->file_acl, 0);
	ck_assert_int_eq(ext4_setxattr(xs, "user.kos", "hello", 5, 0), 0);
	ck_assert_uint_ne(EXT4_I(xs)->file_acl, 0);
	ck_assert_int_eq(ext4_setxattr(xs, "user.bb", "yo", 2, 0), 0);
	ck_assert_int_eq(ext4_setxattr(xs, "user.a", NULL, 0, 0), 0);
	ck_assert_str_eq(xget(xs, "user.a", buf, sizeof(buf)), "-61");
	ck_assert_str_eq(xget(xs, "user.bb", buf, sizeof(buf)), "yo");
	ck_assert_str_eq(xget(xs, "trusted.t", buf, sizeof(buf)), "secret");
	ck_assert_int_eq(ext4_setxattr(xs, "user.kos", "hello", 5, 0), 0);
	vnode_put(xs);
	memset(buf, 'z', 200);
	ck_assert_int_eq(ext4_setxattr(x, "user.huge", buf, 200, 0), 0);
	/* a small value for one in the block moves it into the inode */
	ck_assert_int_eq(ext4_setxattr(xb, "user.big2", "x", 1, 0), 0);
	ck_assert_str_eq(xget(xb, "user.big2", buf, sizeof(buf)), "x");
	ck_assert_int_eq(ext4_setxattr(x, "user.empty", "", 0, 0), 0);
	ck_assert_str_eq(xget(x, "user.empty", buf, sizeof(buf)), "");
	vnode_put(xb);
	snprintf(post, sizeof(post), "ea_get /small user.kos");
	fsck_clean_post(x, image, post);
}

START_TEST(test_ext4ns_xattr_1k)
{
	xattr_inode("img-1k.img");
}
END_TEST

START_TEST(test_ext4ns_xattr_4k)
{
	xattr_inode("img-4k.img");
}
END_TEST

/* n bytes of a pattern that seed picks. */
static void fill(char *buf, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(seed * 131 + i * 7 + (i >> 8));
}

/* Attribute name of v holds exactly want[0..n). */
static void xcheck(struct vnode *v, const char *name, const char *want,
		   size_t n)
{
	size_t cap = 8192;
	char *buf = malloc(cap);
	ssize_t got = ext4_getxattr(v, name, buf, cap);

	ck_assert_msg(got == (ssize_t)n, "%s: %zd, not %zu", name, got, n);
	ck_assert_msg(!memcmp(buf, want, n), "%s: other bytes", name);
	free(buf);
}

/* debugfs ea_get on the host reads want[0..n) as name of path in img. */
static void ea_check(const char *img, const char *path, const char *name,
		     const char *want, size_t n)
{
	char out[] = "/tmp/kos-ext4ns-ea-XXXXXX", cmd[512];
	int fd = mkstemp(out);
	size_t len = 0;
	char *got;

	ck_assert_int_ge(fd, 0);
	fclose(fdopen(fd, "w"));
	snprintf(cmd, sizeof(cmd),
		 "debugfs -R 'ea_get -f %s %s %s' %s >/dev/null 2>&1; echo",
		 out, path, name, img);
	free(host_run(cmd));
	got = host_slurp(out, &len);
	remove(out);
	ck_assert_msg(got && len == n && !memcmp(got, want, n),
		      "debugfs ea_get %s %s: %zu bytes, not %zu", path, name,
		      len, n);
	free(got);
}

/* The refcount of xattr block blk. */
static uint32_t xrefcount(struct ext4_fs *fs, uint64_t blk)
{
	struct bbuf *b;
	uint32_t rc;

	ck_assert_int_eq(ext4_bread(fs, blk, &b), 0);
	rc = ((struct ext4_xattr_header *)b->data)->h_refcount;
	bcache_put(b);
	return rc;
}

/*
 * Share v's xattr block with w (which has none), as mkfs or Linux's
 * mbcache would: refcount + 1 (checksum redone), w names it and counts
 * it in i_blocks.
 */
static void share_block(struct vnode *v, struct vnode *w)
{
	struct ext4_fs *fs = EXT4_FS(v->sb);
	uint64_t blk = EXT4_I(v)->file_acl;
	struct ext4_xattr_header *h;
	struct bbuf *b;

	ck_assert_uint_ne(blk, 0);
	ck_assert_uint_eq(EXT4_I(w)->file_acl, 0);
	ck_assert_int_eq(ext4_bread(fs, blk, &b), 0);
	h = b->data;
	h->h_refcount++;
	if (fs->csum) {
		uint32_t zero = 0, crc = kos_crc32c(fs->csum_seed, &blk, 8);

		crc = kos_crc32c(crc, h, 16);
		crc = kos_crc32c(crc, &zero, 4);
		h->h_checksum =
			kos_crc32c(crc, (const char *)h + 20, fs->bs - 20);
	}
	bcache_mark_dirty(b);
	bcache_put(b);
	mutex_lock(&EXT4_I(w)->lock);
	EXT4_I(w)->file_acl = blk;
	w->blocks += fs->bs / 512;
	ck_assert_int_eq(ext4_inode_write(EXT4_I(w)), 0);
	mutex_unlock(&EXT4_I(w)->lock);
}

static void remount_rw(void)
{
	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", DEV, 0, "", NULL), 0);
}

/*
 * Attributes in the block: a first one too big for the inode allocates
 * the block (i_blocks, free count), more go into it, replace, list,
 * values that do not fit (-ENOSPC, nothing changed), the values read
 * back by KOS and by debugfs, and removing the last frees the block.
 */
static void xattr_block(const char *image)
{
	struct vnode *xs;
	struct ext4_fs *fs;
	uint64_t free0, blocks0, acl;
	unsigned int bs;
	char *v1, *v2, *v3, *img, list[256];
	ssize_t n;

	load_image(image);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	remount_rw();
	xs = lookup(MNT "/xsmall");
	fs = EXT4_FS(xs->sb);
	bs = fs->bs;
	v1 = malloc(bs + 1);
	v2 = malloc(bs);
	v3 = malloc(bs);
	free0 = fs->free_blocks;
	blocks0 = xs->blocks;
	ck_assert_uint_eq(EXT4_I(xs)->file_acl, 0);
	fill(v1, 500, 1);
	ck_assert_int_eq(ext4_setxattr(xs, "user.b1", v1, 500, 0), 0);
	acl = EXT4_I(xs)->file_acl;
	ck_assert_uint_ne(acl, 0);
	ck_assert_uint_eq(xs->blocks, blocks0 + bs / 512);
	ck_assert_uint_eq(fs->free_blocks, free0 - 1);
	ck_assert_uint_eq(xrefcount(fs, acl), 1);
	fill(v2, 300, 2);
	ck_assert_int_eq(ext4_setxattr(xs, "user.b2", v2, 300, 0), 0);
	fill(v3, 100, 3);
	ck_assert_int_eq(ext4_setxattr(xs, "trusted.b3", v3, 100, 0), 0);
	ck_assert_uint_eq(EXT4_I(xs)->file_acl, acl);
	ck_assert_uint_eq(fs->free_blocks, free0 - 1);
	xcheck(xs, "user.b1", v1, 500);
	xcheck(xs, "user.b2", v2, 300);
	xcheck(xs, "trusted.b3", v3, 100);
	xcheck(xs, "user.bb", "hello", 5);
	/* replace in the block: shorter, then CREATE on it */
	fill(v1, 200, 4);
	ck_assert_int_eq(
		ext4_setxattr(xs, "user.b1", v1, 200, VFS_XATTR_REPLACE), 0);
	ck_assert_int_eq(
		ext4_setxattr(xs, "user.b1", v1, 200, VFS_XATTR_CREATE),
		-EEXIST);
	xcheck(xs, "user.b1", v1, 200);
	ck_assert_uint_eq(EXT4_I(xs)->file_acl, acl);
	n = ext4_listxattr(xs, list, sizeof(list), true);
	ck_assert_int_eq(n, sizeof("user.a") + sizeof("user.bb") +
				    sizeof("trusted.t") + sizeof("user.b1") +
				    sizeof("user.b2") + sizeof("trusted.b3"));
	/* fits nowhere: -ENOSPC and nothing changed */
	ck_assert_int_eq(ext4_setxattr(xs, "user.huge", v3, bs + 1, 0),
			 -ENOSPC);
	ck_assert_int_eq(ext4_setxattr(xs, "user.b4", v3, bs - 200, 0),
			 -ENOSPC);
	ck_assert_int_eq(ext4_setxattr(xs, "user.b2", v3, bs - 200, 0),
			 -ENOSPC);
	xcheck(xs, "user.b2", v2, 300);
	ck_assert_int_eq(ext4_getxattr(xs, "user.b4", NULL, 0), -ENODATA);
	img = fsck_clean_keep(xs, image, NULL);
	ea_check(img, "/xsmall", "user.b1", v1, 200);
	ea_check(img, "/xsmall", "user.b2", v2, 300);
	ea_check(img, "/xsmall", "trusted.b3", v3, 100);
	ea_check(img, "/xsmall", "user.bb", "hello", 5);
	remove(img);
	free(img);

	remount_rw();
	xs = lookup(MNT "/xsmall");
	fs = EXT4_FS(xs->sb);
	xcheck(xs, "user.b2", v2, 300);
	ck_assert_int_eq(ext4_setxattr(xs, "user.b1", NULL, 0, 0), 0);
	ck_assert_int_eq(ext4_setxattr(xs, "trusted.b3", NULL, 0, 0), 0);
	ck_assert_uint_eq(EXT4_I(xs)->file_acl, acl);
	ck_assert_int_eq(ext4_getxattr(xs, "user.b1", NULL, 0), -ENODATA);
	ck_assert_int_eq(ext4_setxattr(xs, "user.b2", NULL, 0, 0), 0);
	ck_assert_uint_eq(EXT4_I(xs)->file_acl, 0);
	ck_assert_uint_eq(xs->blocks, blocks0);
	ck_assert_uint_eq(fs->free_blocks, free0);
	xcheck(xs, "user.a", "1", 1);
	/* the biggest value an empty block takes: header, entry, end */
	fill(v1, bs, 5);
	ck_assert_int_eq(
		ext4_setxattr(xs, "user.full", v1, bs - 32 - 24 - 4, 0), 0);
	xcheck(xs, "user.full", v1, bs - 32 - 24 - 4);
	ck_assert_int_eq(ext4_setxattr(xs, "user.x", "", 0, 0), -ENOSPC);
	img = fsck_clean_keep(xs, image, NULL);
	ea_check(img, "/xsmall", "user.full", v1, bs - 32 - 24 - 4);
	remove(img);
	free(img);
	free(v1);
	free(v2);
	free(v3);
}

START_TEST(test_ext4ns_xattr_block_1k)
{
	xattr_block("img-1k.img");
}
END_TEST

START_TEST(test_ext4ns_xattr_block_4k)
{
	xattr_block("img-4k.img");
}
END_TEST

/*
 * An entry KOS does not show (a POSIX ACL, name index 2, put there by
 * debugfs) stays when the inode's region is rewritten and the block
 * is written.
 */
START_TEST(test_ext4ns_xattr_acl_kept)
{
	static const char acl[16] = { 1, 0, 0, 0, 1,	0, 6, 0,
				      4, 0, 4, 0, 0x20, 0, 4, 0 };
	char path[] = "/tmp/kos-ext4ns-acl-XXXXXX", prep[128], cmd[256];
	char big[600], *img, *out;
	struct vnode *sm;
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "wb");
	ck_assert_uint_eq(fwrite(acl, 1, sizeof(acl), f), sizeof(acl));
	fclose(f);
	snprintf(prep, sizeof(prep),
		 "ea_set -r -f %s /small system.posix_acl_access", path);
	load_image_prep("img-4k.img", prep);
	remove(path);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	remount_rw();
	sm = lookup(MNT "/small");
	ck_assert_int_eq(ext4_getxattr(sm, "system.posix_acl_access", NULL, 0),
			 -EOPNOTSUPP);
	ck_assert_int_eq(ext4_setxattr(sm, "user.in", "1", 1, 0), 0);
	fill(big, sizeof(big), 7);
	ck_assert_int_eq(ext4_setxattr(sm, "user.blk", big, sizeof(big), 0), 0);
	ck_assert_uint_ne(EXT4_I(sm)->file_acl, 0);
	ck_assert_int_eq(ext4_setxattr(sm, "user.in", NULL, 0, 0), 0);
	img = fsck_clean_keep(sm, "acl kept", NULL);
	snprintf(cmd, sizeof(cmd),
		 "debugfs -R 'ea_list /small' %s 2>/dev/null | "
		 "grep -c 'system.posix_acl_access (16)'",
		 img);
	out = host_run(cmd);
	ck_assert_msg(out && atoi(out) == 1, "the ACL went: %s",
		      out ? out : "?");
	free(out);
	ea_check(img, "/small", "user.blk", big, sizeof(big));
	remove(img);
	free(img);
}
END_TEST

/* Too big for an empty inode, small enough for the 1 KiB block's room. */
#define VLEN 76

/*
 * A shared block (refcount 2, made here as mkfs or Linux's mbcache
 * would): a change copies it (the old one's refcount drops, then it is
 * changed in place); unlinking inodes derefs and then frees it.
 */
static void xattr_shared(const char *image)
{
	struct vnode *xb, *sm, *one;
	struct ext4_fs *fs;
	uint64_t blk, free0, blocks0;
	char big[700], v[VLEN], *img;
	ssize_t n;

	load_image(image);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	remount_rw();
	xb = lookup(MNT "/xblock");
	sm = lookup(MNT "/small");
	fs = EXT4_FS(xb->sb);
	blk = EXT4_I(xb)->file_acl;
	n = ext4_getxattr(xb, "user.big", big, sizeof(big));
	ck_assert_int_eq(n, 700);
	share_block(xb, sm);
	xcheck(sm, "user.big", big, 700);
	vnode_put(sm);
	img = fsck_clean_keep(xb, image, NULL); /* the setup is sound */
	remove(img);
	free(img);

	remount_rw();
	xb = lookup(MNT "/xblock");
	sm = lookup(MNT "/small");
	fs = EXT4_FS(xb->sb);
	ck_assert_uint_eq(xrefcount(fs, blk), 2);
	free0 = fs->free_blocks;
	blocks0 = sm->blocks;
	fill(v, VLEN, 6);
	ck_assert_int_eq(ext4_setxattr(sm, "user.new", v, VLEN, 0), 0);
	ck_assert_uint_ne(EXT4_I(sm)->file_acl, 0);
	ck_assert_uint_ne(EXT4_I(sm)->file_acl, blk);
	ck_assert_uint_eq(xrefcount(fs, blk), 1);
	ck_assert_uint_eq(xrefcount(fs, EXT4_I(sm)->file_acl), 1);
	ck_assert_uint_eq(sm->blocks, blocks0);
	ck_assert_uint_eq(fs->free_blocks, free0 - 1);
	xcheck(sm, "user.big", big, 700);
	xcheck(sm, "user.new", v, VLEN);
	ck_assert_int_eq(ext4_getxattr(xb, "user.new", NULL, 0), -ENODATA);
	/* now xblock's alone: changed in place */
	ck_assert_int_eq(ext4_setxattr(xb, "user.big2", v, VLEN, 0), 0);
	ck_assert_uint_eq(EXT4_I(xb)->file_acl, blk);
	ck_assert_uint_eq(fs->free_blocks, free0 - 1);
	xcheck(xb, "user.big2", v, VLEN);
	xcheck(xb, "user.big", big, 700);
	vnode_put(sm);
	img = fsck_clean_keep(xb, image, NULL);
	ea_check(img, "/small", "user.new", v, VLEN);
	ea_check(img, "/small", "user.big", big, 700);
	ea_check(img, "/xblock", "user.big2", v, VLEN);
	remove(img);
	free(img);

	/* shared again, with /one; unlinking one user derefs it */
	remount_rw();
	xb = lookup(MNT "/xblock");
	one = lookup(MNT "/one");
	fs = EXT4_FS(xb->sb);
	share_block(xb, one);
	ck_assert_uint_eq(xrefcount(fs, blk), 2);
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/xblock", false, NULL), 0);
	vnode_put(xb);
	ck_assert_uint_eq(xrefcount(fs, blk), 1);
	xcheck(one, "user.big", big, 700);
	img = fsck_clean_keep(one, image, NULL);
	ea_check(img, "/one", "user.big2", v, VLEN);
	remove(img);
	free(img);

	/* the last users go: their blocks are freed */
	remount_rw();
	sm = lookup(MNT "/small");
	fs = EXT4_FS(sm->sb);
	free0 = fs->free_blocks;
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/one", false, NULL), 0);
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/small", false, NULL), 0);
	ck_assert_uint_gt(fs->free_blocks, free0 + 1);
	fsck_clean(sm, image);
}

START_TEST(test_ext4ns_xattr_shared_1k)
{
	xattr_shared("img-1k.img");
}
END_TEST

START_TEST(test_ext4ns_xattr_shared_4k)
{
	xattr_shared("img-4k.img");
}
END_TEST

/* Count the names readdir gives in v (all, "." and ".." too). */
static bool count_one(void *ctx, const char *name, size_t len, uint64_t ino,
		      unsigned int dtype, uint64_t next)
{
	(*(unsigned long *)ctx)++;
	return true;
}

static unsigned long count_names(struct vnode *v)
{
	unsigned long n = 0;
	uint64_t pos = 0;

	ck_assert_int_eq(ext4_readdir(v, &pos, count_one, &n), 0);
	return n;
}

#define NS_MANY 3000

static uint32_t small_nlink; /* /small's link count in the image */

/* What namespace() made, checked after a remount too. */
static void namespace_check(void)
{
	struct vnode *v, *d;
	char path[96], buf[128];

	d = lookup(MNT "/nd/many");
	ck_assert(EXT4_I(d)->flags & EXT4_INDEX_FL);
	{
		/* 1 KiB blocks: more leaves than the root holds, 2 levels */
		struct ext4_fs *fs = EXT4_FS(d->sb);
		const struct ext4_dx_root_info *info;
		struct bbuf *b;
		uint64_t pblk;
		uint32_t cnt;

		ck_assert_int_eq(ext4_map(EXT4_I(d), 0, 1, &pblk, &cnt), 0);
		ck_assert_int_eq(ext4_bread(fs, pblk, &b), 0);
		info = (const void *)((char *)b->data + 24);
		ck_assert_uint_eq(info->indirect_levels,
				  fs->bs == 1024 ? 1 : 0);
		bcache_put(b);
	}
	ck_assert_uint_eq(count_names(d), NS_MANY / 2 + 2);
	for (int i = 0; i < NS_MANY; i++) {
		snprintf(path, sizeof(path), "file-%04d-%.*s", i, i % 40,
			 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
		ck_assert_msg((ino_of(d, path) != 0) == (i % 2 == 1),
			      "%s wrong", path);
	}
	vnode_put(d);
	v = lookup(MNT "/d1/moved");
	ck_assert(S_ISDIR(v->mode));
	ck_assert_uint_eq(v->nlink, 3);
	d = lookup(MNT "/d1");
	ck_assert_uint_eq(ino_of(v, ".."), d->ino);
	vnode_put(d);
	d = lookup(MNT "/d1/moved/inner");
	ck_assert_uint_eq(ino_of(d, ".."), v->ino);
	vnode_put(d);
	vnode_put(v);
	v = lookup(MNT "/nd/chr");
	ck_assert(S_ISCHR(v->mode));
	ck_assert_uint_eq(v->rdev, KDEV(1, 3));
	vnode_put(v);
	v = lookup(MNT "/nd/blk");
	ck_assert(S_ISBLK(v->mode));
	ck_assert_uint_eq(v->rdev, KDEV(259, 300));
	vnode_put(v);
	v = lookup(MNT "/nd/fast");
	ck_assert_int_eq(v->ops->readlink(v, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "small", 5), 0);
	vnode_put(v);
	v = lookup(MNT "/nd/slow");
	ck_assert_int_eq(v->ops->readlink(v, buf, sizeof(buf)), 100);
	vnode_put(v);
	v = lookup(MNT "/small");
	ck_assert_uint_eq(v->nlink, small_nlink + 1);
	vnode_put(v);
	v = lookup(MNT "/nd/renamed-link");
	ck_assert(S_ISREG(v->mode));
	vnode_put(v);
	v = lookup(MNT "/nd/was-tmp");
	ck_assert(S_ISREG(v->mode));
	ck_assert_uint_eq(v->nlink, 1);
	vnode_put(v);
	v = lookup(MNT "/nd/xa");
	ck_assert(S_ISREG(v->mode));
	vnode_put(v);
	v = lookup(MNT "/d1/xf");
	d = lookup(MNT "/d1");
	ck_assert(S_ISDIR(v->mode));
	ck_assert_uint_eq(ino_of(v, ".."), d->ino);
	vnode_put(d);
	vnode_put(v);
}

/*
 * Through the VFS on a read-write mount: mkdir, mknod of every type,
 * fast and slow symlinks, a hard link, renames (a directory across
 * parents, a file to a new name, a file over another name of a file
 * with two), 3000 files in one directory (it becomes a hash tree and
 * splits); unmount, e2fsck -fn clean, remount and check again.
 */
static void namespace(const char *image)
{
	char path[128];
	struct vnode *root;

	load_image_prep(image, NULL);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", DEV, 0, "", NULL), 0);
	root = lookup(MNT "/small");
	small_nlink = root->nlink;
	vnode_put(root);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd", 0755, NULL), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd", 0755, NULL), -EEXIST);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd/moved", 0700, NULL), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd/moved/inner", 0700, NULL),
			 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd/many", 0755, NULL), 0);
	ck_assert_int_eq(
		vfs_mknodat(NULL, MNT "/nd/fifo", S_IFIFO | 0644, 0, NULL), 0);
	ck_assert_int_eq(
		vfs_mknodat(NULL, MNT "/nd/sock", S_IFSOCK | 0644, 0, NULL), 0);
	ck_assert_int_eq(vfs_mknodat(NULL, MNT "/nd/chr", S_IFCHR | 0600,
				     KDEV(1, 3), NULL),
			 0);
	ck_assert_int_eq(vfs_mknodat(NULL, MNT "/nd/blk", S_IFBLK | 0600,
				     KDEV(259, 300), NULL),
			 0);
	ck_assert_int_eq(vfs_symlinkat("small", NULL, MNT "/nd/fast", NULL), 0);
	memset(path, 'L', 100);
	path[100] = 0;
	ck_assert_int_eq(vfs_symlinkat(path, NULL, MNT "/nd/slow", NULL), 0);
	ck_assert_int_eq(vfs_linkat(NULL, MNT "/small", NULL,
				    MNT "/nd/small-link", 0, NULL),
			 0);
	ck_assert_int_eq(vfs_linkat(NULL, MNT "/small", NULL,
				    MNT "/nd/small-link2", 0, NULL),
			 0);
	/* over another name of the same file: nothing happens */
	ck_assert_int_eq(vfs_renameat(NULL, MNT "/nd/small-link2", NULL,
				      MNT "/nd/small-link", 0, NULL),
			 0);
	ck_assert_int_eq(vfs_renameat(NULL, MNT "/nd/small-link2", NULL,
				      MNT "/nd/renamed-link", 0, NULL),
			 0);
	ck_assert_int_eq(vfs_renameat(NULL, MNT "/nd/fifo", NULL,
				      MNT "/nd/small-link", 0, NULL),
			 0);
	ck_assert_int_eq(vfs_renameat(NULL, MNT "/nd/sock", NULL, MNT "/nd/chr",
				      VFS_RENAME_NOREPLACE, NULL),
			 -EEXIST);
	ck_assert_int_eq(vfs_renameat(NULL, MNT "/nd/moved", NULL,
				      MNT "/d1/moved", 0, NULL),
			 0);
	/* a directory and a file swap places across parents */
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd/xa", 0755, NULL), 0);
	ck_assert_int_eq(
		vfs_mknodat(NULL, MNT "/d1/xf", S_IFREG | 0644, 0, NULL), 0);
	ck_assert_int_eq(vfs_renameat(NULL, MNT "/nd/xa", NULL, MNT "/d1/xf",
				      VFS_RENAME_EXCHANGE, NULL),
			 0);
	for (int i = 0; i < NS_MANY; i++) {
		snprintf(path, sizeof(path), MNT "/nd/many/file-%04d-%.*s", i,
			 i % 40, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
		ck_assert_int_eq(
			vfs_mknodat(NULL, path, S_IFREG | 0644, 0, NULL), 0);
	}
	/* half of them go; a directory over an empty one; an open file */
	for (int i = 0; i < NS_MANY; i += 2) {
		snprintf(path, sizeof(path), MNT "/nd/many/file-%04d-%.*s", i,
			 i % 40, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
		ck_assert_int_eq(vfs_unlinkat(NULL, path, false, NULL), 0);
	}
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd/e1", 0755, NULL), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd/e2", 0755, NULL), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd/e2/in", 0755, NULL), 0);
	ck_assert_int_eq(vfs_renameat(NULL, MNT "/nd/e1", NULL, MNT "/d1/moved",
				      0, NULL),
			 -ENOTEMPTY);
	ck_assert_int_eq(
		vfs_renameat(NULL, MNT "/nd/e2", NULL, MNT "/nd/e1", 0, NULL),
		0);
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/nd/e1/in", true, NULL), 0);
	ck_assert_int_eq(
		vfs_mknodat(NULL, MNT "/nd/open", S_IFREG | 0644, 0, NULL), 0);
	root = lookup(MNT "/nd/open");
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/nd/open", false, NULL), 0);
	ck_assert(EXT4_I(root)->orphan);
	ck_assert_uint_eq(EXT4_FS(root->sb)->es->s_last_orphan, root->ino);
	vnode_put(root); /* evict frees it and takes it off the list */
	{
		/* O_TMPFILE: one linked in later, one dropped */
		struct vnode *nd = lookup(MNT "/nd"), *t1, *t2;

		ck_assert_int_eq(ext4_tmpfile(nd, 0600, 0, 0, true, &t1), 0);
		ck_assert_int_eq(ext4_tmpfile(nd, 0600, 0, 0, true, &t2), 0);
		ck_assert_uint_eq(t1->nlink, 0);
		ck_assert(EXT4_I(t1)->orphan && EXT4_I(t2)->orphan);
		mutex_lock(&nd->lock);
		ck_assert_int_eq(ext4_link(nd, "was-tmp", 7, t1), 0);
		mutex_unlock(&nd->lock);
		ck_assert_uint_eq(t1->nlink, 1);
		ck_assert(!EXT4_I(t1)->orphan);
		vnode_put(t2);
		vnode_put(t1);
		vnode_put(nd);
	}
	namespace_check();
	root = lookup(MNT);
	ck_assert_uint_eq(EXT4_FS(root->sb)->es->s_last_orphan, 0);
	fsck_clean(root, image);
	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", DEV, 0, "", NULL), 0);
	namespace_check();
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
}

START_TEST(test_ext4ns_namespace_1k)
{
	namespace("img-1k.img");
}
END_TEST

START_TEST(test_ext4ns_namespace_4k)
{
	namespace("img-4k.img");
}
END_TEST

/*
 * unlink and rmdir through the VFS: errors as Linux, names gone, link
 * counts, the orphan list on disk (s_last_orphan chained through
 * i_dtime) holding what was unlinked.  Freeing at evict is
 * ext4_evict_inode's (not here yet), so no e2fsck here.
 */
static void unlink_rmdir(const char *image)
{
	struct vnode *d, *keep, *sub, *f;
	struct ext4_fs *fs;
	uint32_t nl, kino;

	load_image_prep(image, NULL);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", DEV, 0, "", NULL), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd", 0755, NULL), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/nd/sub", 0755, NULL), 0);
	ck_assert_int_eq(
		vfs_mknodat(NULL, MNT "/nd/sub/f", S_IFREG | 0644, 0, NULL), 0);
	ck_assert_int_eq(
		vfs_mknodat(NULL, MNT "/nd/g", S_IFREG | 0644, 0, NULL), 0);
	d = lookup(MNT "/nd");
	fs = EXT4_FS(d->sb);
	nl = d->nlink;
	ck_assert_uint_eq(nl, 3);
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/nd/sub", true, NULL),
			 -ENOTEMPTY);
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/nd/sub", false, NULL),
			 -EISDIR);
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/nd/g", true, NULL), -ENOTDIR);
	keep = lookup(MNT "/nd/g");
	kino = (uint32_t)keep->ino;
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/nd/g", false, NULL), 0);
	ck_assert_uint_eq(keep->nlink, 0);
	ck_assert(EXT4_I(keep)->orphan);
	ck_assert_uint_eq(fs->es->s_last_orphan, kino);
	sub = lookup(MNT "/nd/sub");
	f = lookup(MNT "/nd/sub/f");
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/nd/sub/f", false, NULL), 0);
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/nd/sub", true, NULL), 0);
	ck_assert_uint_eq(d->nlink, 2);
	ck_assert_uint_eq(sub->nlink, 0);
	ck_assert_uint_eq(ino_of(d, "sub"), 0);
	ck_assert_uint_eq(ino_of(d, "g"), 0);
	ck_assert_int_eq(ext4_dir_empty(EXT4_I(d)), 0);
	/* the list: sub -> f -> g; off from the middle, the end, the head */
	ck_assert_uint_eq(fs->es->s_last_orphan, sub->ino);
	ck_assert_uint_eq(ext4_raw(EXT4_I(sub))->i_dtime, f->ino);
	ck_assert_uint_eq(ext4_raw(EXT4_I(f))->i_dtime, kino);
	ck_assert_int_eq(ext4_orphan_del(EXT4_I(f)), 0);
	ck_assert_uint_eq(ext4_raw(EXT4_I(sub))->i_dtime, kino);
	ck_assert_int_eq(ext4_orphan_del(EXT4_I(keep)), 0);
	ck_assert_uint_eq(ext4_raw(EXT4_I(sub))->i_dtime, 0);
	ck_assert_int_eq(ext4_orphan_del(EXT4_I(sub)), 0);
	ck_assert_uint_eq(fs->es->s_last_orphan, 0);
	ck_assert(!EXT4_I(keep)->orphan && !EXT4_I(sub)->orphan);
	vnode_put(f);
	vnode_put(sub);
	vnode_put(keep);
	vnode_put(d);
}

START_TEST(test_ext4ns_unlink_1k)
{
	unlink_rmdir("img-1k.img");
}
END_TEST

START_TEST(test_ext4ns_unlink_4k)
{
	unlink_rmdir("img-4k.img");
}
END_TEST

Suite *ext4ns_suite(void)
{
	Suite *s = suite_create("ext4ns");
	TCase *tc = tcase_create("ext4ns");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_ext4ns_linear_1k);
	tcase_add_test(tc, test_ext4ns_linear_4k);
	tcase_add_test(tc, test_ext4ns_htree_1k);
	tcase_add_test(tc, test_ext4ns_htree_4k);
	tcase_add_test(tc, test_ext4ns_split_1k);
	tcase_add_test(tc, test_ext4ns_split_4k);
	tcase_add_test(tc, test_ext4ns_make_indexed_1k);
	tcase_add_test(tc, test_ext4ns_make_indexed_4k);
	tcase_add_test(tc, test_ext4ns_xattr_1k);
	tcase_add_test(tc, test_ext4ns_xattr_4k);
	tcase_add_test(tc, test_ext4ns_xattr_block_1k);
	tcase_add_test(tc, test_ext4ns_xattr_block_4k);
	tcase_add_test(tc, test_ext4ns_xattr_shared_1k);
	tcase_add_test(tc, test_ext4ns_xattr_shared_4k);
	tcase_add_test(tc, test_ext4ns_xattr_acl_kept);
	tcase_add_test(tc, test_ext4ns_namespace_1k);
	tcase_add_test(tc, test_ext4ns_namespace_4k);
	tcase_add_test(tc, test_ext4ns_unlink_1k);
	tcase_add_test(tc, test_ext4ns_unlink_4k);
	suite_add_tcase(s, tc);
	return s;
}
