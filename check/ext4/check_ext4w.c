/*
 * Unit tests for writing ext4 (libkos/fs/ext4/): read-write mounts and
 * their refusals, block and inode allocation, new inodes, the
 * superblock at sync and unmount.  A copy of a test image (check/ext4/
 * module.mk) sits on a RAM disk; after unmounting, the RAM disk is
 * written to a host file and the host's e2fsck -fn must find it clean,
 * and dumpe2fs's counts must be what KOS said.
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

/* A fresh kernel with a copy of image name on vda, /dev/vda, /mnt. */
static void load_image(const char *name)
{
	ramdisk_boot(name[0] == '/' ? name : ramdisk_path(name));
}

static int mount_rw(void)
{
	return vfs_mount_new(NULL, MNT, "ext4", DEV, 0, "", NULL);
}

static struct vnode *lookup(const char *path)
{
	struct vnode *v = NULL;

	ck_assert_int_eq(vfs_lookup(NULL, path, LOOKUP_FOLLOW, NULL, &v), 0);
	return v;
}

static struct kstatfs statfs_now(void)
{
	struct kstatfs st;
	struct vnode *v = lookup(MNT);

	vfs_statfs(v, &st);
	vnode_put(v);
	return st;
}

static struct ext4_fs *mounted_fs(void)
{
	struct vnode *v = lookup(MNT);
	struct ext4_fs *fs = EXT4_FS(v->sb);

	vnode_put(v);
	return fs;
}

/* The RAM disk into a host file (its name, static). */
static const char *save_image(void)
{
	static char name[64];
	FILE *f;

	snprintf(name, sizeof(name), "/tmp/kos-ext4w-%d.img", (int)getpid());
	f = fopen(name, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(ram, 1, ram_size, f), ram_size);
	fclose(f);
	return name;
}

static bool have_e2fsck(void)
{
	return system("e2fsck -V >/dev/null 2>&1") == 0;
}

/* e2fsck -fn on the RAM disk: clean (exit 0), else its report. */
static void fsck_clean(void)
{
	const char *img = save_image();
	char cmd[256], *out;
	int rc;

	if (!have_e2fsck()) {
		fprintf(stderr, "ext4w: no e2fsck on the host: not checked\n");
		unlink(img);
		return;
	}
	snprintf(cmd, sizeof(cmd), "e2fsck -fn %s >/tmp/kos-ext4w-%d.out 2>&1",
		 img, (int)getpid());
	rc = system(cmd);
	snprintf(cmd, sizeof(cmd), "/tmp/kos-ext4w-%d.out", (int)getpid());
	out = host_slurp(cmd, &(size_t){ 0 });
	unlink(cmd);
	unlink(img);
	ck_assert_msg(rc == 0, "e2fsck -fn: exit %d:\n%s", rc,
		      out ? out : "(no output)");
	free(out);
}

/* A line of dumpe2fs -h for the RAM disk's image (malloc'd text). */
static char *dumpe2fs(void)
{
	const char *img = save_image();
	char cmd[256], *out;

	snprintf(cmd, sizeof(cmd), "dumpe2fs -h %s 2>/dev/null", img);
	out = host_run(cmd);
	unlink(img);
	ck_assert_ptr_nonnull(out);
	return out;
}

static unsigned long long field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	ck_assert_msg(p != NULL, "no \"%s\" in dumpe2fs's output", key);
	return strtoull(p + strlen(key), NULL, 0);
}

/* The RAM disk's superblock, changed by fn, its checksum redone. */
static void patch_super(void (*fn)(struct ext4_super *))
{
	struct ext4_super *es = (void *)(ram + EXT4_SB_OFFSET);

	fn(es);
	if (es->s_feature_ro_compat & EXT4_RO_COMPAT_METADATA_CSUM)
		es->s_checksum = kos_crc32c(~0u, es, 0x3fc);
}

static void set_recover(struct ext4_super *es)
{
	es->s_feature_incompat |= EXT4_INCOMPAT_RECOVER;
}

/*
 * The jbd2 superblock's s_start (big-endian, byte 28 of the journal's
 * first block, found through the superblock's copy of the journal
 * inode's extent root): nonzero, there are transactions to replay.
 */
static void journal_start(uint32_t start)
{
	const struct ext4_super *es = (void *)(ram + EXT4_SB_OFFSET);
	uint64_t blk = es->s_jnl_blocks[5] |
		       (uint64_t)(es->s_jnl_blocks[4] >> 16) << 32;
	uint32_t be = __builtin_bswap32(start);

	memcpy(ram + (blk << (10 + es->s_log_block_size)) + 28, &be, 4);
}

/* ---- tests ---------------------------------------------------------------- */

/* Mounted and unmounted read-write: clean, counted, needs_recovery off. */
START_TEST(test_ext4w_mount_clean)
{
	static const char *const images[] = { "img-1k.img", "img-2k.img",
					      "img-4k.img" };

	{
		char *before, *after;

		load_image(images[_i]);
		before = dumpe2fs();
		ck_assert_int_eq(mount_rw(), 0);
		ck_assert(writes > 0); /* the superblock, at once */
		ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
		after = dumpe2fs();
		ck_assert_uint_eq(field(after, "Mount count:"),
				  field(before, "Mount count:") + 1);
		ck_assert_uint_eq(field(after, "Free blocks:"),
				  field(before, "Free blocks:"));
		ck_assert_ptr_null(strstr(after, "needs_recovery"));
		ck_assert_ptr_nonnull(strstr(after, "clean"));
		free(before);
		free(after);
		fsck_clean();
	}
}
END_TEST

/* What cannot or must not be written is refused read-write: -EROFS. */
START_TEST(test_ext4w_refused)
{
	if (_i == 1) {
		load_image("img-ext3.img");
		ck_assert_int_eq(mount_rw(), -EROFS);
		return;
	}
	if (_i == 2) {
		load_image("inline.img");
		ck_assert_int_eq(mount_rw(), -EROFS);
		ck_assert_uint_eq(writes, 0);
		return;
	}
	load_image("img-4k.img");
	disk.read_only = true;
	ck_assert_int_eq(mount_rw(), -EROFS);
	disk.read_only = false;
	/* needs_recovery and a journal with something to replay */
	patch_super(set_recover);
	journal_start(1);
	ck_assert_int_eq(mount_rw(), -EROFS);
	ck_assert_int_eq(
		vfs_mount_new(NULL, MNT, "ext4", DEV, VFS_MNT_RDONLY, "", NULL),
		0);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	ck_assert_uint_eq(writes, 0);
}
END_TEST

/*
 * needs_recovery with an empty journal (what a crash leaves after KOS,
 * which never writes the journal): mounted read-write as Linux does
 * after replaying nothing; the flag is gone after unmount.  While it is
 * mounted the image is marked not clean, as without a journal.
 */
START_TEST(test_ext4w_empty_journal)
{
	char *out;

	load_image("img-4k.img");
	patch_super(set_recover);
	journal_start(0);
	ck_assert_int_eq(mount_rw(), 0);
	out = dumpe2fs();
	ck_assert_ptr_nonnull(strstr(out, "not clean"));
	free(out);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	out = dumpe2fs();
	ck_assert_ptr_null(strstr(out, "needs_recovery"));
	ck_assert_ptr_null(strstr(out, "not clean"));
	free(out);
	fsck_clean();
}
END_TEST

/*
 * What a crash leaves with files open but unlinked, made by debugfs:
 * o1 (100 blocks, no links) and o2 (a truncation orphan: size 4096,
 * 100 blocks) on the orphan list.  The next read-write mount frees o1
 * and trims o2, as Linux does, and e2fsck finds the image clean.
 */
START_TEST(test_ext4w_orphans)
{
	char img[64], cmd[1200];
	struct kstatfs st;
	struct vnode *v;
	uint64_t bfree, ffree;
	char *out;

	if (!have_e2fsck())
		return;
	snprintf(img, sizeof(img), "/tmp/kos-ext4w-orphans-%d.img",
		 (int)getpid());
	snprintf(
		cmd, sizeof(cmd),
		"set -e; cp %s %s; d=%s.data; head -c 409600 /dev/urandom > $d; "
		"w() { debugfs -w -R \"$1\" %s >/dev/null 2>&1; }; "
		"w 'write '$d' o1'; w 'write '$d' o2'; rm -f $d; "
		"i() { debugfs -R \"stat $1\" %s 2>/dev/null | "
		"sed -n 's/^Inode: \\([0-9]*\\).*/\\1/p'; }; "
		"a=$(i o1); b=$(i o2); test -n \"$a\" -a -n \"$b\"; "
		"w \"sif o1 links_count 0\"; w \"sif o1 dtime $b\"; "
		"w \"sif o2 size 4096\"; w \"unlink o1\"; "
		"w \"ssv last_orphan $a\"; echo $a $b",
		ramdisk_path("img-4k.img"), img, img, img, img);
	out = host_run(cmd);
	ck_assert_ptr_nonnull(out);
	free(out);
	load_image(img);
	unlink(img);
	ck_assert_uint_ne(
		((struct ext4_super *)(ram + EXT4_SB_OFFSET))->s_last_orphan,
		0);
	bfree = ((struct ext4_super *)(ram + EXT4_SB_OFFSET))
			->s_free_blocks_count_lo;
	ffree = ((struct ext4_super *)(ram + EXT4_SB_OFFSET))
			->s_free_inodes_count;
	ck_assert_int_eq(mount_rw(), 0);
	ck_assert_uint_eq(mounted_fs()->es->s_last_orphan, 0);
	st = statfs_now();
	ck_assert_uint_eq(st.ffree, ffree + 1);	       /* o1 */
	ck_assert_uint_eq(st.bfree, bfree + 100 + 99); /* o1's, o2's tail */
	v = lookup(MNT "/o2");
	ck_assert_uint_eq(v->blocks, 8);
	ck_assert_uint_eq(v->size, 4096);
	vnode_put(v);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean();
}
END_TEST

/*
 * remount,ro while an unlinked file is still open is EBUSY (as Linux):
 * made clean then, its inode would stay on the orphan list.
 */
START_TEST(test_ext4w_remount_busy)
{
	struct vnode *v;

	load_image("img-4k.img");
	ck_assert_int_eq(mount_rw(), 0);
	ck_assert_int_eq(
		vfs_mknodat(NULL, MNT "/open", S_IFREG | 0644, 0, NULL), 0);
	v = lookup(MNT "/open");
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/open", false, NULL), 0);
	ck_assert_int_eq(
		vfs_remount(NULL, MNT, VFS_MNT_RDONLY, "", false, NULL),
		-EBUSY);
	vnode_put(v);
	ck_assert_int_eq(
		vfs_remount(NULL, MNT, VFS_MNT_RDONLY, "", false, NULL), 0);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean();
}
END_TEST

/* The orphan chain's members, head first, into ino[] (at most max). */
static size_t orphan_chain(struct ext4_fs *fs, uint32_t *ino, size_t max)
{
	size_t n = 0;

	for (uint32_t cur = fs->es->s_last_orphan; cur && n < max; n++) {
		struct ext4_inode_info *ei = ext4_icache_peek(fs, cur);

		ck_assert_ptr_nonnull(ei);
		ino[n] = cur;
		cur = ext4_raw(ei)->i_dtime;
	}
	return n;
}

/* A new file at path, held (the reference returned) and unlinked. */
static struct vnode *open_unlinked(const char *path, uint32_t *ino)
{
	struct vnode *v;

	ck_assert_int_eq(vfs_mknodat(NULL, path, S_IFREG | 0644, 0, NULL), 0);
	v = lookup(path);
	*ino = (uint32_t)v->ino;
	ck_assert_int_eq(vfs_unlinkat(NULL, path, false, NULL), 0);
	return v;
}

/*
 * Six open files unlinked (the chain, head first: f5 ... f0), then let
 * go from the middle, the head, the tail...: after each the chain holds
 * exactly the ones still open, in order, and at the end nothing.
 */
START_TEST(test_ext4w_orphan_chain_order)
{
	static const int order[] = { 3, 5, 0, 2, 4, 1 };
	struct vnode *v[6];
	uint32_t ino[6], got[8];
	bool open_[6];
	struct ext4_fs *fs;

	load_image("img-4k.img");
	ck_assert_int_eq(mount_rw(), 0);
	fs = mounted_fs();
	for (int i = 0; i < 6; i++) {
		char path[64];

		snprintf(path, sizeof(path), MNT "/orphan%d", i);
		v[i] = open_unlinked(path, &ino[i]);
		open_[i] = true;
	}
	for (size_t k = 0; k < 6; k++) {
		size_t n, want = 0;

		vnode_put(v[order[k]]);
		open_[order[k]] = false;
		n = orphan_chain(fs, got, 8);
		for (int i = 5; i >= 0; i--)
			if (open_[i]) {
				ck_assert_uint_lt(want, n);
				ck_assert_uint_eq(got[want], ino[i]);
				want++;
			}
		ck_assert_uint_eq(n, want);
	}
	ck_assert_uint_eq(fs->es->s_last_orphan, 0);
	ck_assert_int_eq(
		vfs_remount(NULL, MNT, VFS_MNT_RDONLY, "", false, NULL), 0);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean();
}
END_TEST

/* The orphan chain as the RAM disk has it (after a sync), head first. */
static size_t disk_orphan_chain(struct ext4_fs *fs, uint32_t *ino, size_t max)
{
	const struct ext4_super *es = (void *)(ram + EXT4_SB_OFFSET);
	size_t n = 0;

	for (uint32_t cur = es->s_last_orphan; cur && n < max; n++) {
		uint32_t g = (cur - 1) / fs->inodes_per_group;
		uint32_t i = (cur - 1) % fs->inodes_per_group;
		const struct ext4_inode *ri;

		ck_assert_uint_ge(cur, fs->first_ino);
		ck_assert_uint_le(cur, fs->ninodes);
		ri = (const void *)(ram + fs->groups[g].inode_table * fs->bs +
				    (size_t)i * fs->inode_size);
		ck_assert_uint_eq(ri->i_links_count, 0);
		ino[n] = cur;
		cur = ri->i_dtime;
	}
	return n;
}

/* The inodes still open, newest first: what the chain must hold. */
static size_t open_chain(const bool *open_, const uint32_t *ino, size_t n,
			 uint32_t *want)
{
	size_t k = 0;

	for (size_t i = n; i-- > 0;)
		if (open_[i])
			want[k++] = ino[i];
	return k;
}

/*
 * e2fsck -fy on a copy of the RAM disk (a crash now): the inodes it
 * clears from the orphan list, in its order, into got[]; then the copy
 * must be clean for e2fsck -fn.
 */
static size_t fsck_orphans(uint32_t *got, size_t max)
{
	const char *img = save_image();
	char cmd[512], *out, *p;
	size_t n = 0;

	snprintf(cmd, sizeof(cmd),
		 "e2fsck -fy %s 2>&1; echo \"fix: $?\"; e2fsck -fn %s "
		 ">/dev/null 2>&1; echo \"clean: $?\"",
		 img, img);
	out = host_run(cmd);
	unlink(img);
	ck_assert_ptr_nonnull(out);
	for (p = out; (p = strstr(p, "Clearing orphaned inode ")); p++) {
		ck_assert_uint_lt(n, max);
		got[n++] = (uint32_t)strtoul(p + 24, NULL, 10);
	}
	ck_assert_msg(strstr(out, "clean: 0") != NULL,
		      "not clean after e2fsck -fy:\n%s", out);
	free(out);
	return n;
}

/*
 * 300 files unlinked while open (the chain: newest first), then let go
 * in a shuffled order: after each, the chain in memory holds exactly
 * the ones still open, in order; every so often the disk's chain
 * (after a sync) does too, and halfway e2fsck, given the image as a
 * crash would leave it, clears exactly those and finds it clean after.
 * Taking an orphan off the middle of the chain costs no walk (the
 * in-memory list is doubly linked), so this is quick.
 */
START_TEST(test_ext4w_orphans_shuffled)
{
	enum { N = 300 };
	static struct vnode *v[N];
	static uint32_t ino[N], got[N + 1], want[N];
	static bool open_[N];
	static int order[N];
	uint32_t rnd = 20261206;
	struct ext4_fs *fs;
	size_t n, w;

	load_image("img-4k.img");
	ck_assert_int_eq(mount_rw(), 0);
	fs = mounted_fs();
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/o", 0755, NULL), 0);
	for (int i = 0; i < N; i++) {
		char path[64];

		snprintf(path, sizeof(path), MNT "/o/f%d", i);
		v[i] = open_unlinked(path, &ino[i]);
		open_[i] = true;
		order[i] = i;
	}
	for (int i = N - 1; i > 0; i--) { /* Fisher-Yates, a fixed LCG */
		int j, t;

		rnd = rnd * 1103515245u + 12345u;
		j = (int)((rnd >> 8) % (uint32_t)(i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (size_t k = 0; k <= N; k++) {
		if (k) {
			vnode_put(v[order[k - 1]]);
			open_[order[k - 1]] = false;
		}
		w = open_chain(open_, ino, N, want);
		n = orphan_chain(fs, got, N + 1);
		ck_assert_uint_eq(n, w);
		for (size_t i = 0; i < n; i++)
			ck_assert_uint_eq(got[i], want[i]);
		if (k % 37 && k != N && k != N / 2)
			continue;
		ck_assert_int_eq(vfs_sync_fs(fs->sb.root->sb), 0);
		n = disk_orphan_chain(fs, got, N + 1);
		ck_assert_uint_eq(n, w);
		for (size_t i = 0; i < n; i++)
			ck_assert_uint_eq(got[i], want[i]);
		if (k == N / 2 && have_e2fsck()) {
			n = fsck_orphans(got, N + 1);
			ck_assert_uint_eq(n, w);
			for (size_t i = 0; i < n; i++)
				ck_assert_uint_eq(got[i], want[i]);
		}
	}
	ck_assert_uint_eq(fs->es->s_last_orphan, 0);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean();
}
END_TEST

/* Disk block lblk of directory d. */
static uint64_t dir_pblk(struct vnode *d, uint32_t lblk)
{
	uint64_t pblk;
	uint32_t n;

	ck_assert_int_eq(ext4_map(EXT4_I(d), lblk, 1, &pblk, &n), 0);
	ck_assert_uint_ne(pblk, 0);
	return pblk;
}

/* Is block blk's buffer verified (its checksum checked since read)? */
static bool verified(struct ext4_fs *fs, uint64_t blk)
{
	struct bbuf *b;
	bool yes;

	ck_assert_int_eq(bcache_get(fs->bc, blk, &b), 0);
	yes = bcache_verified(b);
	bcache_put(b);
	return yes;
}

/* ext4's own lookup of name in d (no name cache): 0 or -errno. */
static int dir_lookup(struct vnode *d, const char *name)
{
	struct vnode *v = NULL;
	int err = ext4_lookup(d, name, strlen(name), &v);

	if (!err)
		vnode_put(v);
	return err;
}

/* Flip a byte of the RAM disk, under the cache. */
static void flip_on_disk(struct ext4_fs *fs, uint64_t blk, size_t off)
{
	ram[blk * fs->bs + off] ^= 0x5a;
}

/* Where a hash-tree root block keeps its checksum (the dx tail's). */
static size_t dx_root_csum_off(struct ext4_fs *fs, uint64_t blk)
{
	uint16_t limit;

	memcpy(&limit, ram + blk * fs->bs + 0x20, 2);
	return 0x20 + (size_t)limit * 8 + 4;
}

/*
 * Directory checksums are verified once per read of the block from the
 * disk (Linux's buffer_verified): a leaf and a hash-tree root KOS has
 * read (or written) are marked and not summed again; a checksum broken
 * on the disk is found when the block is read again (the cache
 * dropped), and when the device is written under the mount; mended, the
 * blocks read again.  The directory KOS filled is clean for e2fsck, and
 * a fresh mount of the image with the leaf's checksum broken finds it.
 */
START_TEST(test_ext4w_dir_csum_once)
{
	size_t leaf_off, root_off;
	struct vnode *d, *big, *v;
	uint8_t good[4], bad[4];
	uint64_t leaf, root;
	struct ext4_fs *fs;
	struct file *f;
	struct bbuf *b;

	load_image("img-4k.img");
	ck_assert_int_eq(mount_rw(), 0);
	fs = mounted_fs();
	ck_assert(fs->csum);
	ck_assert_uint_eq(fs->bs, 4096);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/d", 0755, NULL), 0);
	for (int i = 0; i < 10; i++) {
		char path[64];

		snprintf(path, sizeof(path), MNT "/d/f%d", i);
		ck_assert_int_eq(
			vfs_mknodat(NULL, path, S_IFREG | 0644, 0, NULL), 0);
	}
	d = lookup(MNT "/d");
	big = lookup(MNT "/big");
	ck_assert(EXT4_I(big)->flags & EXT4_INDEX_FL);
	leaf = dir_pblk(d, 0);
	root = dir_pblk(big, 0);
	leaf_off = fs->bs - 4; /* det_checksum */
	root_off = dx_root_csum_off(fs, root);
	ck_assert_uint_lt(root_off, fs->bs);
	/* read and written by KOS: verified, and stays so */
	ck_assert_int_eq(dir_lookup(d, "f1"), 0);
	ck_assert_int_eq(dir_lookup(big, "target"), 0);
	ck_assert(verified(fs, leaf));
	ck_assert(verified(fs, root));
	/* not summed again: a checksum broken in the cached copy goes unseen */
	ck_assert_int_eq(bcache_get(fs->bc, leaf, &b), 0);
	((uint8_t *)b->data)[leaf_off] ^= 0x5a;
	ck_assert_int_eq(dir_lookup(d, "f2"), 0);
	((uint8_t *)b->data)[leaf_off] ^= 0x5a;
	bcache_put(b);
	/* broken on the disk, read again: found (EUCLEAN, as ever) */
	ck_assert_int_eq(bcache_sync(fs->bc), 0);
	flip_on_disk(fs, leaf, leaf_off);
	flip_on_disk(fs, root, root_off);
	bcache_shrink(fs->bc);
	ck_assert(!verified(fs, leaf));
	ck_assert(!verified(fs, root));
	ck_assert_int_eq(dir_lookup(d, "f3"), -EUCLEAN);
	ck_assert_int_eq(dir_lookup(big, "own01"), -EUCLEAN);
	ck_assert_int_eq(dir_lookup(d, "f3"), -EUCLEAN); /* and again */
	ck_assert(!verified(fs, leaf));
	/* mended on the disk */
	flip_on_disk(fs, leaf, leaf_off);
	flip_on_disk(fs, root, root_off);
	bcache_shrink(fs->bc);
	ck_assert_int_eq(dir_lookup(d, "f3"), 0);
	ck_assert_int_eq(dir_lookup(big, "own01"), 0);
	ck_assert(verified(fs, leaf));
	ck_assert(verified(fs, root));
	/* written through the device under the mount: checked again */
	ck_assert_int_eq(vfs_openat(NULL, DEV, O_RDWR, 0, NULL, &f), 0);
	ck_assert_int_eq(bcache_get(fs->bc, leaf, &b), 0);
	memcpy(good, (uint8_t *)b->data + leaf_off, 4);
	bcache_put(b);
	memcpy(bad, good, 4);
	bad[0] ^= 0x5a;
	ck_assert_int_eq(
		file_pwrite_kernel(f, bad, 4, leaf * fs->bs + leaf_off), 4);
	ck_assert(!verified(fs, leaf));
	ck_assert_int_eq(dir_lookup(d, "f4"), -EUCLEAN);
	ck_assert_int_eq(
		file_pwrite_kernel(f, good, 4, leaf * fs->bs + leaf_off), 4);
	ck_assert_int_eq(dir_lookup(d, "f4"), 0);
	ck_assert(verified(fs, leaf));
	file_put(f);
	vnode_put(big);
	vnode_put(d);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean();
	/* a fresh mount of the image with the leaf broken (fs is gone) */
	ram[leaf * 4096 + leaf_off] ^= 0x5a;
	blkdev_sync(&disk, true);
	ck_assert_int_eq(mount_rw(), 0);
	ck_assert_int_eq(vfs_lookup(NULL, MNT "/d/f5", 0, NULL, &v), -EUCLEAN);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
}
END_TEST

/*
 * An extended attribute block's checksum is verified once per read of
 * the block, as directory blocks' are: a changed value seals it again
 * and it stays verified; a checksum broken in the cached copy goes
 * unseen, one broken on the disk is found (EUCLEAN) once the cache is
 * dropped, and mended it reads again.
 */
START_TEST(test_ext4w_xattr_csum_once)
{
	const size_t csum_off = 16; /* h_checksum */
	char big[1200], got[1200];
	struct ext4_fs *fs;
	struct vnode *v;
	struct bbuf *b;
	uint64_t blk;

	load_image("img-4k.img");
	ck_assert_int_eq(mount_rw(), 0);
	fs = mounted_fs();
	ck_assert(fs->csum);
	ck_assert_int_eq(vfs_mknodat(NULL, MNT "/x", S_IFREG | 0644, 0, NULL),
			 0);
	v = lookup(MNT "/x");
	memset(big, 'v', sizeof(big)); /* too big for the inode: a block */
	ck_assert_int_eq(vfs_setxattr(v, "user.big", big, sizeof(big), 0, NULL),
			 0);
	blk = EXT4_I(v)->file_acl;
	ck_assert_uint_ne(blk, 0);
	ck_assert_int_eq(vfs_getxattr(v, "user.big", got, sizeof(got), NULL),
			 (ssize_t)sizeof(big));
	ck_assert(verified(fs, blk));
	big[0] = 'w'; /* rewritten in place (not shared): still verified */
	ck_assert_int_eq(vfs_setxattr(v, "user.big", big, sizeof(big), 0, NULL),
			 0);
	ck_assert_uint_eq(EXT4_I(v)->file_acl, blk);
	ck_assert(verified(fs, blk));
	/* not summed again: broken in the cached copy, unseen */
	ck_assert_int_eq(bcache_get(fs->bc, blk, &b), 0);
	((uint8_t *)b->data)[csum_off] ^= 0x5a;
	ck_assert_int_eq(vfs_getxattr(v, "user.big", got, sizeof(got), NULL),
			 (ssize_t)sizeof(big));
	ck_assert_int_eq(got[0], 'w');
	((uint8_t *)b->data)[csum_off] ^= 0x5a;
	bcache_put(b);
	/* broken on the disk, read again: found */
	ck_assert_int_eq(bcache_sync(fs->bc), 0);
	flip_on_disk(fs, blk, csum_off);
	bcache_shrink(fs->bc);
	ck_assert(!verified(fs, blk));
	ck_assert_int_eq(vfs_getxattr(v, "user.big", got, sizeof(got), NULL),
			 -EUCLEAN);
	ck_assert(!verified(fs, blk));
	/* mended */
	flip_on_disk(fs, blk, csum_off);
	bcache_shrink(fs->bc);
	ck_assert_int_eq(vfs_getxattr(v, "user.big", got, sizeof(got), NULL),
			 (ssize_t)sizeof(big));
	ck_assert(verified(fs, blk));
	vnode_put(v);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean();
}
END_TEST

/* Blocks: runs from the goal, counted in statfs, freed again. */
static void blocks_on(const char *image)
{
	struct kstatfs st0, st1;
	struct ext4_fs *fs;
	uint64_t a, b, c;
	uint32_t na, nb, nc;
	char *out;

	load_image(image);
	ck_assert_int_eq(mount_rw(), 0);
	fs = mounted_fs();
	st0 = statfs_now();
	ck_assert_int_eq(ext4_alloc_blocks(fs, 0, 100, false, &a, &na), 0);
	ck_assert_uint_ge(na, 1);
	ck_assert_uint_le(na, 100);
	/* the next run continues where the last one ended, if free */
	ck_assert_int_eq(ext4_alloc_blocks(fs, a + na, 50, false, &b, &nb), 0);
	ck_assert_uint_ge(b, a + na);
	/* a goal in the last group, then past the end: still something */
	ck_assert_int_eq(
		ext4_alloc_blocks(fs, fs->nblocks - 1, 8, false, &c, &nc), 0);
	ck_assert_uint_lt(c + nc, fs->nblocks + 1);
	st1 = statfs_now();
	ck_assert_uint_eq(st1.bfree, st0.bfree - na - nb - nc);
	ck_assert_uint_eq(st1.bavail, st0.bavail - na - nb - nc);
	/* freeing a free block or metadata is corruption, nothing freed */
	ck_assert_int_eq(ext4_free_blocks(fs, fs->groups[0].block_bitmap, 1),
			 -EUCLEAN);
	ck_assert_uint_ge(fs->njnl, 1); /* the journal found, and kept */
	ck_assert_int_eq(ext4_free_blocks(fs, fs->jnl[0].start + 1, 1),
			 -EUCLEAN);
	ck_assert_int_eq(ext4_free_blocks(fs, c, nc), 0);
	ck_assert_int_eq(ext4_free_blocks(fs, c, 1), -EUCLEAN);
	ck_assert_uint_eq(statfs_now().bfree, st0.bfree - na - nb);
	/* leave a and b in use: e2fsck must then report them, so free */
	ck_assert_int_eq(ext4_free_blocks(fs, a, na), 0);
	ck_assert_int_eq(ext4_free_blocks(fs, b, nb), 0);
	ck_assert_uint_eq(statfs_now().bfree, st0.bfree);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	out = dumpe2fs();
	ck_assert_uint_eq(field(out, "Free blocks:"), st0.bfree);
	free(out);
	fsck_clean();
}

START_TEST(test_ext4w_blocks)
{
	blocks_on(_i ? "img-4k.img" : "img-1k.img");
}
END_TEST

/*
 * The root reserve: without reserve, allocation stops at it; with it,
 * goes on into it.  Everything is given back: e2fsck clean.
 */
START_TEST(test_ext4w_reserve)
{
	struct ext4_fs *fs;
	uint64_t *firsts;
	uint32_t *gots;
	size_t n = 0, cap = 4096;
	uint64_t first, got_total = 0;
	uint32_t got;
	int err;

	load_image("img-1k.img");
	ck_assert_int_eq(mount_rw(), 0);
	fs = mounted_fs();
	firsts = malloc(cap * sizeof(*firsts));
	gots = malloc(cap * sizeof(*gots));
	while (!(err = ext4_alloc_blocks(fs, 0, 8192, false, &first, &got))) {
		ck_assert_uint_lt(n, cap);
		firsts[n] = first;
		gots[n++] = got;
		got_total += got;
	}
	ck_assert_int_eq(err, -ENOSPC);
	ck_assert_uint_eq(statfs_now().bavail, 0);
	ck_assert_uint_eq(statfs_now().bfree, fs->r_blocks);
	ck_assert_int_eq(ext4_alloc_blocks(fs, 0, 1, true, &first, &got), 0);
	ck_assert_uint_eq(got, 1);
	ck_assert_int_eq(ext4_free_blocks(fs, first, 1), 0);
	while (n--)
		ck_assert_int_eq(ext4_free_blocks(fs, firsts[n], gots[n]), 0);
	free(firsts);
	free(gots);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean();
}
END_TEST

/* Inodes: numbers, directory spread, a new inode, freed again. */
START_TEST(test_ext4w_inodes)
{
	struct ext4_inode_info *ei;
	struct kstatfs st0;
	struct ext4_fs *fs;
	struct vnode *root, *v;
	uint32_t f1, f2, d1;

	load_image("img-4k.img");
	ck_assert_int_eq(mount_rw(), 0);
	fs = mounted_fs();
	st0 = statfs_now();
	ck_assert_int_eq(ext4_alloc_ino(fs, EXT4_ROOT_INO, S_IFREG, &f1), 0);
	ck_assert_int_eq(ext4_alloc_ino(fs, EXT4_ROOT_INO, S_IFREG, &f2), 0);
	ck_assert_uint_ge(f1, fs->first_ino);
	ck_assert_uint_ne(f1, f2);
	ck_assert_int_eq(ext4_alloc_ino(fs, EXT4_ROOT_INO, S_IFDIR, &d1), 0);
	ck_assert_uint_eq(statfs_now().ffree, st0.ffree - 3);
	ck_assert_int_eq(ext4_free_ino(fs, f2, false), 0);
	ck_assert_int_eq(ext4_free_ino(fs, f2, false), -EUCLEAN);
	ck_assert_int_eq(ext4_free_ino(fs, f1, false), 0);
	ck_assert_int_eq(ext4_free_ino(fs, d1, true), 0);
	ck_assert_uint_eq(statfs_now().ffree, st0.ffree);

	/* a new inode: initialised, in the cache, written */
	root = lookup(MNT);
	ck_assert_int_eq(
		ext4_new_inode(EXT4_I(root), S_IFREG | 0640, 70000, 70001, &ei),
		0);
	ck_assert_uint_eq(ei->v.nlink, 0);
	ck_assert(ei->flags & EXT4_EXTENTS_FL);
	ck_assert_uint_eq(ext4_raw(ei)->i_extra_isize, 32);
	ck_assert(ei->has_btime);
	ck_assert_int_eq(ext4_iget(fs, (uint32_t)ei->v.ino, &v), 0);
	ck_assert_ptr_eq(v, &ei->v);
	vnode_put(v);
	/* what a fresh read of the table gives back */
	{
		struct ext4_inode_info *copy = calloc(1, sizeof(*copy));
		struct ext4_inode *ri;

		copy->v.sb = &fs->sb;
		/* nlink 0 is refused by a fill: look at the raw bytes */
		ck_assert_int_eq(ext4_inode_fill(fs, copy, (uint32_t)ei->v.ino),
				 -EUCLEAN);
		ri = ext4_raw(copy);
		ck_assert_uint_eq(ri->i_mode, S_IFREG | 0640);
		ck_assert_uint_eq(ri->i_uid | (uint32_t)ri->i_uid_high << 16,
				  70000);
		ck_assert_uint_eq(ri->i_gid | (uint32_t)ri->i_gid_high << 16,
				  70001);
		ck_assert_uint_eq(ri->i_crtime, (uint32_t)ei->btime.sec);
		ck_assert_uint_eq(ri->i_mtime_extra >> 2, ei->v.mtime.nsec);
		ext4_inode_free(copy);
		free(copy);
	}
	/* with a link count it reads back whole (checksum and all) */
	ei->v.nlink = 1;
	ei->v.size = 12345;
	ei->v.mtime.nsec = 123456789;
	mutex_lock(&ei->lock);
	ck_assert_int_eq(ext4_inode_write(ei), 0);
	mutex_unlock(&ei->lock);
	{
		struct ext4_inode_info *copy = calloc(1, sizeof(*copy));

		copy->v.sb = &fs->sb;
		ck_assert_int_eq(ext4_inode_fill(fs, copy, (uint32_t)ei->v.ino),
				 0);
		ck_assert_uint_eq(copy->v.size, 12345);
		ck_assert_uint_eq(copy->v.mtime.nsec, 123456789);
		ck_assert_uint_eq(copy->v.uid, 70000);
		ext4_inode_free(copy);
		free(copy);
	}
	/* gone again: no entry names it, so e2fsck must not see it */
	ei->v.nlink = 0;
	ext4_raw(ei)->i_dtime = (uint32_t)ei->v.ctime.sec; /* as Linux */
	mutex_lock(&ei->lock);
	ck_assert_int_eq(ext4_inode_write(ei), 0);
	mutex_unlock(&ei->lock);
	ck_assert_int_eq(ext4_free_ino(fs, (uint32_t)ei->v.ino, false), 0);
	vnode_put(&ei->v);
	vnode_put(root);
	ck_assert_uint_eq(statfs_now().ffree, st0.ffree);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean();
}
END_TEST

/* chmod/chown/utimes reach the disk through dirty_inode. */
START_TEST(test_ext4w_setattr)
{
	struct vfs_attr a = { 0 };
	struct vnode *v;
	char cmd[256], *out;
	const char *img;

	load_image("img-4k.img");
	ck_assert_int_eq(mount_rw(), 0);
	v = lookup(MNT "/small");
	a.valid = VFS_ATTR_MODE | VFS_ATTR_UID | VFS_ATTR_MTIME;
	a.mode = 0612;
	a.uid = 4242;
	a.mtime.sec = 1234567890;
	a.mtime.nsec = 5000;
	ck_assert_int_eq(vfs_setattr(v, &a, NULL), 0);
	vnode_put(v);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	img = save_image();
	snprintf(cmd, sizeof(cmd), "debugfs -R 'stat /small' %s 2>/dev/null",
		 img);
	out = host_run(cmd);
	unlink(img);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strstr(out, "Mode:  0612"), "%s", out);
	ck_assert_msg(strstr(out, "User:  4242"), "%s", out);
	ck_assert_msg(strstr(out, "mtime: 0x499602d2:00004e20"), "%s", out);
	free(out);
	fsck_clean();
}
END_TEST

/*
 * A bitmap that says a metadata block is free is corruption: the block
 * is not handed out (the inode table's first block, its bit cleared in
 * the cached bitmap after its checksum was checked).
 */
START_TEST(test_ext4w_metadata_guard)
{
	struct ext4_fs *fs;
	uint64_t first, itab, bfree;
	uint32_t got, bit;
	struct bbuf *b;

	load_image("img-4k.img");
	ck_assert_int_eq(mount_rw(), 0);
	fs = mounted_fs();
	itab = fs->groups[0].inode_table;
	ck_assert_int_eq(ext4_alloc_blocks(fs, 0, 1, false, &first, &got), 0);
	ck_assert_int_eq(ext4_free_blocks(fs, first, got), 0);
	bfree = statfs_now().bfree;
	bit = (uint32_t)(itab - fs->first_data_block);
	ck_assert_int_eq(ext4_bread(fs, fs->groups[0].block_bitmap, &b), 0);
	((uint8_t *)b->data)[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
	ck_assert_int_eq(ext4_alloc_blocks(fs, itab, 1, false, &first, &got),
			 -EUCLEAN);
	ck_assert_uint_eq(statfs_now().bfree, bfree);
	((uint8_t *)b->data)[bit / 8] |= (uint8_t)(1u << (bit % 8));
	bcache_put(b);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean();
}
END_TEST

/* remount,rw and remount,ro: written, then clean again. */
START_TEST(test_ext4w_remount)
{
	char *out;

	load_image("img-1k.img");
	ck_assert_int_eq(
		vfs_mount_new(NULL, MNT, "ext4", DEV, VFS_MNT_RDONLY, "", NULL),
		0);
	ck_assert_uint_eq(writes, 0);
	ck_assert_int_eq(vfs_remount(NULL, MNT, 0, "", false, NULL), 0);
	ck_assert(writes > 0);
	out = dumpe2fs();
	ck_assert_ptr_nonnull(strstr(out, "needs_recovery"));
	free(out);
	ck_assert_int_eq(
		vfs_remount(NULL, MNT, VFS_MNT_RDONLY, "", false, NULL), 0);
	out = dumpe2fs();
	ck_assert_ptr_null(strstr(out, "needs_recovery"));
	free(out);
	fsck_clean();
	writes = 0;
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	ck_assert_uint_eq(writes, 0); /* read-only again: nothing to write */
	fsck_clean();
}
END_TEST

/*
 * Without metadata_csum but with uninit_bg (gdt_csum): the crc16
 * descriptor checksums, verified at mount and written with changes.
 */
START_TEST(test_ext4w_gdt_csum)
{
	char img[64], cmd[256];
	struct ext4_fs *fs;
	uint64_t first;
	uint32_t got, ino;

	snprintf(img, sizeof(img), "/tmp/kos-ext4w-gdt-%d.img", (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "mkfs.ext4 -q -F -O ^metadata_csum,uninit_bg -b 1024 %s 32M "
		 ">/dev/null 2>&1",
		 img);
	if (system(cmd) != 0) {
		fprintf(stderr, "ext4w: no mkfs.ext4: gdt_csum not tested\n");
		return;
	}
	load_image(img);
	unlink(img);
	ck_assert_int_eq(mount_rw(), 0);
	fs = mounted_fs();
	ck_assert(fs->gdt_csum && !fs->csum);
	/* group 1 is BLOCK_UNINIT and INODE_UNINIT: built on first use */
	ck_assert_uint_ge(fs->ngroups, 2);
	ck_assert(fs->groups[1].flags & EXT4_BG_BLOCK_UNINIT);
	ck_assert(fs->groups[1].flags & EXT4_BG_INODE_UNINIT);
	ck_assert_int_eq(ext4_alloc_blocks(fs, fs->blocks_per_group + 1001, 4,
					   false, &first, &got),
			 0);
	ck_assert_uint_eq(first, fs->blocks_per_group + 1001);
	ck_assert(!(fs->groups[1].flags & EXT4_BG_BLOCK_UNINIT));
	ck_assert_int_eq(
		ext4_alloc_ino(fs, fs->inodes_per_group + 1, S_IFREG, &ino), 0);
	ck_assert_uint_eq(ino, fs->inodes_per_group + 1);
	ck_assert(!(fs->groups[1].flags & EXT4_BG_INODE_UNINIT));
	ck_assert_uint_eq(fs->groups[1].itable_unused,
			  fs->inodes_per_group - 1);
	ck_assert_int_eq(ext4_free_blocks(fs, first, got), 0);
	ck_assert_int_eq(ext4_free_ino(fs, ino, false), 0);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	fsck_clean();
	/* and KOS mounts what it wrote (the crc16s check) */
	ck_assert_int_eq(mount_rw(), 0);
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
}
END_TEST

Suite *ext4w_suite(void)
{
	Suite *s = suite_create("ext4w");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_ext4w_mount_clean, 0, 3);
	tcase_add_loop_test(tc, test_ext4w_refused, 0, 3);
	tcase_add_test(tc, test_ext4w_empty_journal);
	tcase_add_test(tc, test_ext4w_orphans);
	tcase_add_test(tc, test_ext4w_orphan_chain_order);
	tcase_add_test(tc, test_ext4w_orphans_shuffled);
	tcase_add_test(tc, test_ext4w_dir_csum_once);
	tcase_add_test(tc, test_ext4w_xattr_csum_once);
	tcase_add_test(tc, test_ext4w_remount_busy);
	tcase_add_loop_test(tc, test_ext4w_blocks, 0, 2);
	tcase_add_test(tc, test_ext4w_reserve);
	tcase_add_test(tc, test_ext4w_inodes);
	tcase_add_test(tc, test_ext4w_setattr);
	tcase_add_test(tc, test_ext4w_metadata_guard);
	tcase_add_test(tc, test_ext4w_remount);
	tcase_add_test(tc, test_ext4w_gdt_csum);
	suite_add_tcase(s, tc);
	return s;
}
