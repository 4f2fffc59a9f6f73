/*
 * Unit tests for ext4 (libkos/fs/ext4/), read-only, over a RAM disk
 * holding images that scripts/mkext4-test made with the host's
 * mkfs.ext4 -d from a source tree (check/ext4/module.mk).
 *
 * The expected values come from the host, never from KOS: the tree is
 * walked with the host's lstat/readdir/readlink/read/xattr calls and
 * compared with what KOS reads through the VFS (names, types, modes,
 * owners, sizes, link counts, timestamps with nanoseconds, crtime as
 * btime, device numbers, symlink targets, contents, xattrs); statfs is
 * compared with dumpe2fs, the directory hashes with debugfs's dx_hash,
 * crc32c with its published check value.  The fuzzer flips random
 * bytes (seeded) in the metadata blocks of two small images (with and
 * without metadata_csum), mounts, walks and reads everything, and
 * counts the outcomes: nothing may crash, hang or leak a reference.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "fuzz.h"
#include "host.h"
#include "ramdisk.h"

/* ---- the RAM disk ------------------------------------------------------ */

/* Put image name on the RAM disk (nothing may be mounted from it). */
static void set_image(const char *name)
{
	free(ram);
	ram = host_slurp(ramdisk_path(name), &ram_size);
	ck_assert_msg(ram != NULL, "no image %s (make the ext4 test images)",
		      ramdisk_path(name));
	disk.nsectors = ram_size / BLK_SECTOR;
}

/* A fresh kernel with image name on the RAM disk vda, /dev/vda, /mnt. */
static void load_image(const char *name)
{
	ramdisk_boot(ramdisk_path(name));
}

static int mount_ro(void)
{
	return vfs_mount_new(NULL, MNT, "ext4", DEV, VFS_MNT_RDONLY, "", NULL);
}

static void umount_ok(void)
{
	ck_assert_int_eq(vfs_umount(NULL, MNT, false, false, NULL), 0);
	ck_assert_uint_eq(writes, 0);
}

/* ---- reading through KOS ------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
	unsigned int calls;
};

/* Takes at most 7 entries a call, so positions get resumed. */
static bool fill_names(void *ctx, const char *name, size_t len, uint64_t ino,
		       unsigned int dtype, uint64_t next)
{
	struct names *nm = ctx;

	if (nm->calls++ >= 7)
		return false;
	if (nm->n == nm->cap) {
		nm->cap = nm->cap ? nm->cap * 2 : 64;
		nm->v = realloc(nm->v, nm->cap * sizeof(char *));
	}
	nm->v[nm->n++] = strndup(name, len);
	return true;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every name readdir gives for v, sorted; 0 or the error. */
static int kos_list(struct vnode *v, struct names *nm)
{
	uint64_t pos = 0, before;
	int err;

	memset(nm, 0, sizeof(*nm));
	do {
		before = nm->n;
		nm->calls = 0;
		mutex_lock(&v->lock);
		err = v->ops->readdir(v, &pos, fill_names, nm);
		mutex_unlock(&v->lock);
	} while (!err && nm->n != before);
	qsort(nm->v, nm->n, sizeof(char *), cmpstr);
	return err;
}

static void names_free(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

/* Read the whole file at kpath (at most max bytes): malloc'd. */
static char *kos_slurp(const char *kpath, size_t max, size_t *len, int *err)
{
	struct file *f = NULL;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	*len = 0;
	*err = vfs_openat(NULL, kpath, O_RDONLY, 0, NULL, &f);
	if (*err)
		return NULL;
	for (;;) {
		struct uio u;

		if (*len == cap)
			buf = realloc(buf, cap = cap ? cap * 2 : 65536);
		uio_init_kernel(&u, buf + *len, MIN(cap - *len, max - *len));
		n = file_read(f, &u, -1);
		if (n <= 0)
			break;
		*len += (size_t)n;
		if (*len >= max)
			break;
	}
	if (n < 0)
		*err = (int)n;
	file_put(f);
	return buf;
}

/* ---- comparing with the host's tree -------------------------------------- */

struct walk_stats {
	unsigned long files, dirs, links, others, bytes, names;
};

static void compare_xattrs(const char *host, struct vnode *v)
{
	char hbuf[4096], kbuf[4096], hval[4096], kval[4096];
	long hn = host_listxattr(host, hbuf, sizeof(hbuf));
	ssize_t kn;
	size_t count = 0;

	kn = vfs_listxattr(v, kbuf, sizeof(kbuf), NULL);
	if (hn < 0)
		hn = 0;
	ck_assert_msg(kn >= 0, "%s: listxattr %zd", host, kn);
	ck_assert_msg(kn == hn, "%s: xattr list %zd bytes, host %ld", host, kn,
		      hn);
	for (long off = 0; off < hn; off += (long)strlen(hbuf + off) + 1) {
		const char *name = hbuf + off;
		long hl = host_getxattr(host, name, hval, sizeof(hval));
		ssize_t kl;
		bool listed = false;

		for (ssize_t o = 0; o < kn; o += (ssize_t)strlen(kbuf + o) + 1)
			listed |= !strcmp(kbuf + o, name);
		ck_assert_msg(listed, "%s: xattr %s not listed", host, name);
		kl = vfs_getxattr(v, name, kval, sizeof(kval), NULL);
		ck_assert_msg(kl == hl && !memcmp(kval, hval, (size_t)hl),
			      "%s: xattr %s: %zd bytes, host %ld", host, name,
			      kl, hl);
		if (hl > 0) {
			kl = vfs_getxattr(v, name, kval, (size_t)hl - 1, NULL);
			ck_assert_int_eq(kl, -ERANGE);
		}
		count++;
	}
	kn = vfs_getxattr(v, "user.no_such_name", kval, sizeof(kval), NULL);
	ck_assert_int_eq(kn, -ENODATA);
}

static void compare_time(const char *what, const char *path, struct vfs_time k,
			 int64_t sec, uint32_t nsec)
{
	ck_assert_msg(k.sec == sec && k.nsec == nsec,
		      "%s: %s %lld.%09u, host %lld.%09u", path, what,
		      (long long)k.sec, k.nsec, (long long)sec, nsec);
}

static void compare(const char *host, const char *kpath, bool root,
		    struct walk_stats *ws);

static void compare_dir(const char *host, const char *kpath, struct vnode *v,
			bool root, struct walk_stats *ws)
{
	struct names nm;
	char **hn;
	size_t nh, hi = 0;

	ck_assert_int_eq(host_list(host, &hn, &nh), 0);
	ck_assert_int_eq(kos_list(v, &nm), 0);
	/* ".", ".." (and lost+found at the root) besides the host's */
	ck_assert_msg(nm.n == nh + 2 + root, "%s: %zu names, host %zu", host,
		      nm.n, nh);
	for (size_t i = 0; i < nm.n; i++) {
		char h[1024], k[1024];
		const char *name = nm.v[i];

		if (!strcmp(name, ".") || !strcmp(name, "..") ||
		    (root && !strcmp(name, "lost+found")))
			continue;
		ck_assert_msg(hi < nh && !strcmp(name, hn[hi]),
			      "%s: KOS lists %s, host %s", host, name,
			      hi < nh ? hn[hi] : "(nothing)");
		hi++;
		snprintf(h, sizeof(h), "%s/%s", host, name);
		snprintf(k, sizeof(k), "%s/%s", kpath, name);
		compare(h, k, false, ws);
		ws->names++;
	}
	ck_assert_uint_eq(hi, nh);
	names_free(&nm);
	host_free_list(hn, nh);
}

static void compare(const char *host, const char *kpath, bool root,
		    struct walk_stats *ws)
{
	struct host_stat hs;
	struct vnode *v;
	struct kstat ks;
	int err;

	ck_assert_int_eq(host_lstat(host, &hs), 0);
	err = vfs_lookup(NULL, kpath, 0, NULL, &v);
	ck_assert_msg(!err, "lookup %s: %d", kpath, err);
	mutex_lock(&v->lock);
	vfs_getattr(v, &ks);
	mutex_unlock(&v->lock);
	ck_assert_msg(ks.mode == hs.mode, "%s: mode %o, host %o", host, ks.mode,
		      hs.mode);
	ck_assert_msg(ks.uid == hs.uid && ks.gid == hs.gid,
		      "%s: owner %u:%u, host %u:%u", host, ks.uid, ks.gid,
		      hs.uid, hs.gid);
	if (!root) /* the image's root also has lost+found */
		ck_assert_msg(ks.nlink == hs.nlink, "%s: nlink %u, host %u",
			      host, ks.nlink, hs.nlink);
	if (!S_ISDIR(hs.mode))
		ck_assert_msg((uint64_t)ks.size == hs.size,
			      "%s: size %lld, host %llu", host,
			      (long long)ks.size, (unsigned long long)hs.size);
	compare_time("mtime", host, ks.mtime, hs.mtime_sec, hs.mtime_nsec);
	compare_time("atime", host, ks.atime, hs.atime_sec, hs.atime_nsec);
	compare_time("ctime", host, ks.ctime, hs.ctime_sec, hs.ctime_nsec);
	/* mkext4-test wrote crtime = mtime - 1000 s + 7 ns */
	ck_assert(ks.has_btime);
	compare_time("btime", host, ks.btime,
		     hs.mtime_sec - 1000 + (hs.mtime_nsec + 7) / 1000000000,
		     (hs.mtime_nsec + 7) % 1000000000);
	if (S_ISCHR(hs.mode) || S_ISBLK(hs.mode))
		ck_assert_uint_eq(ks.rdev, KDEV(hs.rdev_major, hs.rdev_minor));
	if (S_ISREG(hs.mode)) {
		size_t hl, kl;
		char *h = host_slurp(host, &hl);
		char *k = kos_slurp(kpath, SIZE_MAX, &kl, &err);

		ck_assert_msg(!err, "read %s: %d", kpath, err);
		ck_assert_msg(kl == hl && (!hl || !memcmp(h, k, hl)),
			      "%s: contents differ (%zu bytes, host %zu)", host,
			      kl, hl);
		free(h);
		free(k);
		ws->files++;
		ws->bytes += hl;
	} else if (S_ISLNK(hs.mode)) {
		char h[4096], k[4096];
		long hl = host_readlink(host, h, sizeof(h));
		ssize_t kl = vfs_readlinkat(NULL, kpath, k, sizeof(k), NULL);

		ck_assert_msg(kl == hl && !memcmp(h, k, (size_t)hl),
			      "%s: link %.*s, host %.*s", host, (int)MAX(kl, 0),
			      k, (int)hl, h);
		ws->links++;
	} else if (S_ISDIR(hs.mode)) {
		compare_dir(host, kpath, v, root, ws);
		ws->dirs++;
	} else {
		ws->others++;
	}
	compare_xattrs(host, v);
	vnode_put(v);
}

static struct vnode *lookup(const char *path)
{
	struct vnode *v = NULL;
	int err = vfs_lookup(NULL, path, 0, NULL, &v);

	ck_assert_msg(!err, "lookup %s: %d", path, err);
	return v;
}

/* Mount image and compare it with the tree. */
static void check_image(const char *image)
{
	struct walk_stats ws = { 0 };
	struct vnode *a, *b;

	load_image(image);
	ck_assert_int_eq(mount_ro(), 0);
	compare(ramdisk_path("tree"), MNT, true, &ws);
	/* hard links share their inode, and its vnode */
	a = lookup(MNT "/small");
	b = lookup(MNT "/small.link2");
	ck_assert_ptr_eq(a, b);
	vnode_put(a);
	vnode_put(b);
	a = lookup(MNT "/big/target");
	b = lookup(MNT "/big/n0001_x");
	ck_assert_ptr_eq(a, b);
	vnode_put(a);
	vnode_put(b);
	ck_assert_int_eq(vfs_lookup(NULL, MNT "/big/n0001_", 0, NULL, &a),
			 -ENOENT);
	ck_assert_int_eq(vfs_lookup(NULL, MNT "/big/zzz", 0, NULL, &a),
			 -ENOENT);
	a = lookup(MNT "/lost+found");
	ck_assert(S_ISDIR(a->mode));
	vnode_put(a);
	printf("ext4 %s: %lu files (%lu bytes), %lu dirs, %lu symlinks, "
	       "%lu others, %lu names\n",
	       image, ws.files, ws.bytes, ws.dirs, ws.links, ws.others,
	       ws.names);
	ck_assert_uint_ge(ws.names, 4000);
	umount_ok();
}

/* A number after "key" in text (dumpe2fs / debugfs output). */
static unsigned long long field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	ck_assert_msg(p != NULL, "no \"%s\" in the host tool's output", key);
	return strtoull(p + strlen(key), NULL, 0);
}

/* What the host's debugfs says about an image. */
static char *debugfs(const char *image, const char *req)
{
	char cmd[1024];
	char *out;

	snprintf(cmd, sizeof(cmd), "debugfs -R '%s' %s 2>/dev/null", req,
		 ramdisk_path(image));
	out = host_run(cmd);
	ck_assert_msg(out != NULL, "%s failed", cmd);
	return out;
}

START_TEST(test_ext4_crc32c)
{
	/* the published check value of CRC-32C */
	ck_assert_uint_eq(~kos_crc32c(~0u, "123456789", 9), 0xe3069283);
	ck_assert_uint_eq(kos_crc32c(0x1234, "", 0), 0x1234);
	ck_assert_uint_eq(~kos_crc32c_sw(~0u, "123456789", 9), 0xe3069283);
}
END_TEST

/* The crc32 instruction agrees with the table at every alignment and
 * length, from any starting value. */
START_TEST(test_ext4_crc32c_hw)
{
	static uint8_t buf[4096 + 16];
	uint32_t seed = 0x9e3779b9;

	if (!kos_crc32c_has_hw())
		return;
	for (size_t i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = seed >> 16;
	}
	ck_assert_uint_eq(~kos_crc32c_hw(~0u, "123456789", 9), 0xe3069283);
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len < 70; len++)
			ck_assert_uint_eq(
				kos_crc32c_hw(seed + len, buf + off, len),
				kos_crc32c_sw(seed + len, buf + off, len));
	ck_assert_uint_eq(kos_crc32c_hw(~0u, buf + 3, 4096),
			  kos_crc32c_sw(~0u, buf + 3, 4096));
	ck_assert_uint_eq(kos_crc32c(~0u, buf, 4096),
			  kos_crc32c_sw(~0u, buf, 4096));
}
END_TEST

START_TEST(test_ext4_dirhash)
{
	/* debugfs takes the numbers (its unsigned names fall back to 0) */
	static const char *const algs[] = { "0", "1", "2", "3", "4", "5" };
	static const char *const names[] = {
		"a",
		"hello",
		"n0042_xxxxxxxxxx",
		"h\xc3\xa9\xc3\xbc"
		"80",
		"exactly_thirty_two_bytes_long_xx",
		"a_name_that_is_longer_than_thirty_two_bytes_to_need_rounds",
		"\xff\xfe\x80\x7f",
	};
	static const char seed_s[] = "4b4f5321-6861-7368-2d73-656564000002";
	uint32_t seed[4];
	uint8_t raw[16];
	unsigned int n = 0;

	/* the UUID's bytes in order, read as four little-endian words */
	for (int i = 0, j = 0; i < 16; j++) {
		unsigned int x;

		if (seed_s[j] == '-')
			continue;
		ck_assert_int_eq(sscanf(seed_s + j, "%2x", &x), 1);
		raw[i++] = (uint8_t)x;
		j++;
	}
	memcpy(seed, raw, 16);
	for (size_t a = 0; a < ARRAY_SIZE(algs); a++)
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			for (int s = 0; s < 2; s++) {
				char req[256];
				char *out;
				uint32_t want, got, wmin, gmin;

				snprintf(req, sizeof(req),
					 "dx_hash -h %s %s%s %s", algs[a],
					 s ? "-s " : "", s ? seed_s : "",
					 names[i]);
				out = debugfs("fuzz-csum.img", req);
				want = (uint32_t)field(out, " is ");
				wmin = (uint32_t)field(out, "(minor ");
				got = ext4_dirhash(names[i], strlen(names[i]),
						   (int)a, s ? seed : NULL,
						   &gmin);
				ck_assert_msg(got == want && gmin == wmin,
					      "%s of \"%s\"%s: %#x minor %#x, "
					      "debugfs %#x minor %#x",
					      algs[a], names[i],
					      s ? " (seeded)" : "", got, gmin,
					      want, wmin);
				free(out);
				n++;
			}
	ck_assert_uint_eq(n, 84);
}
END_TEST

START_TEST(test_ext4_tree_1k)
{
	char *out = debugfs("img-1k.img", "htree /big");

	/* the big directory is a two-level hash tree here */
	ck_assert_uint_eq(field(out, "Indirect levels:"), 1);
	free(out);
	out = debugfs("img-1k.img", "stat /holes");
	ck_assert_ptr_nonnull(strstr(out, "(ETB1)")); /* depth 2 */
	free(out);
	/* unwritten extents over blocks of 0xaa (they read as zeros) */
	out = debugfs("img-1k.img", "stat /sparse_tail");
	ck_assert_ptr_nonnull(strstr(out, "(2-9[u])"));
	free(out);
	check_image("img-1k.img");
}
END_TEST

START_TEST(test_ext4_tree_4k)
{
	char *out = debugfs("img-4k.img", "htree /big");

	ck_assert_uint_eq(field(out, "Indirect levels:"), 0);
	free(out);
	check_image("img-4k.img");
}
END_TEST

/* ext3's layout: indirect block maps, no checksums (ext4 reads it). */
START_TEST(test_ext4_tree_ext3)
{
	char *out = debugfs("img-ext3.img", "stat /holes");

	ck_assert_ptr_nonnull(strstr(out, "(DIND)"));
	ck_assert_ptr_null(strstr(out, "EXTENTS"));
	free(out);
	check_image("img-ext3.img");
}
END_TEST

static void check_statfs(const char *image, bool first)
{
	char cmd[600], *out;
	struct kstatfs st;
	struct vnode *v;
	unsigned long long blocks, over, bfree, resv;

	snprintf(cmd, sizeof(cmd), "dumpe2fs -h %s 2>/dev/null",
		 ramdisk_path(image));
	out = host_run(cmd);
	ck_assert_ptr_nonnull(out);
	if (first)
		load_image(image);
	else
		set_image(image);
	ck_assert_int_eq(mount_ro(), 0);
	v = lookup(MNT);
	vfs_statfs(v, &st);
	vnode_put(v);
	blocks = field(out, "Block count:");
	over = field(out, "Overhead clusters:");
	bfree = field(out, "Free blocks:");
	resv = field(out, "Reserved block count:");
	ck_assert_uint_eq(st.bsize, field(out, "Block size:"));
	ck_assert_uint_eq(st.blocks, blocks - over);
	ck_assert_uint_eq(st.bfree, bfree);
	ck_assert_uint_eq(st.bavail, bfree - resv);
	ck_assert_uint_eq(st.files, field(out, "Inode count:"));
	ck_assert_uint_eq(st.ffree, field(out, "Free inodes:"));
	ck_assert_uint_eq(st.type, 0xef53);
	ck_assert(st.flags & 1); /* ST_RDONLY */
	free(out);
	umount_ok();
}

START_TEST(test_ext4_statfs)
{
	check_statfs("img-1k.img", true);
	check_statfs("img-4k.img", false);
}
END_TEST

/* The page cache hands out the file's pages (what mmap maps). */
START_TEST(test_ext4_getpage)
{
	static const char *const files[] = { "holes", "large", "odd",
					     "hole_first" };

	load_image("img-1k.img");
	ck_assert_int_eq(mount_ro(), 0);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char kp[128], hp[600];
		struct vnode *v;
		uint64_t pages;
		size_t hl;
		char *h;

		snprintf(hp, sizeof(hp), "%s/%s", ramdisk_path("tree"),
			 files[i]);
		h = host_slurp(hp, &hl);
		ck_assert_ptr_nonnull(h);
		snprintf(kp, sizeof(kp), MNT "/%s", files[i]);
		v = lookup(kp);
		pages = (hl + PAGE_SIZE - 1) / PAGE_SIZE;
		for (uint64_t p = 0; p < pages; p += 1 + p / 7) {
			size_t n = MIN(PAGE_SIZE, hl - p * PAGE_SIZE);
			paddr_t pa;
			char *page;

			ck_assert_int_eq(v->ops->getpage(v, p, &pa), 0);
			page = plat_phys_to_virt(pa);
			ck_assert_msg(!memcmp(page, h + p * PAGE_SIZE, n),
				      "%s: page %llu differs", files[i],
				      (unsigned long long)p);
			for (size_t k = n; k < PAGE_SIZE; k++)
				ck_assert_int_eq(page[k], 0);
			pmm_page_put(pa);
		}
		ck_assert_int_eq(v->ops->getpage(v, pages, &(paddr_t){ 0 }),
				 -ENXIO);
		vnode_put(v);
		free(h);
	}
	umount_ok();
}
END_TEST

START_TEST(test_ext4_read_only)
{
	struct vfs_cred *root = NULL;
	struct file *f = NULL;
	struct vnode *v;

	load_image("img-4k.img");
	/* read-write on a write-protected disk is refused: BusyBox
	 * retries read-only */
	disk.read_only = true;
	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", DEV, 0, "", NULL),
			 -EROFS);
	disk.read_only = false;
	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", DEV, VFS_MNT_RDONLY,
				       "bogus_option", NULL),
			 -EINVAL);
	ck_assert_int_eq(mount_ro(), 0);
	ck_assert_int_eq(vfs_openat(NULL, MNT "/small", O_WRONLY, 0, root, &f),
			 -EROFS);
	ck_assert_int_eq(vfs_openat(NULL, MNT "/new", O_CREAT | O_WRONLY, 0644,
				    root, &f),
			 -EROFS);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT "/newdir", 0755, root), -EROFS);
	ck_assert_int_eq(vfs_unlinkat(NULL, MNT "/small", false, root), -EROFS);
	ck_assert_int_eq(vfs_symlinkat("x", NULL, MNT "/sl", root), -EROFS);
	ck_assert_int_eq(
		vfs_renameat(NULL, MNT "/one", NULL, MNT "/two", 0, root),
		-EROFS);
	v = lookup(MNT "/xsmall");
	ck_assert_int_eq(vfs_setxattr(v, "user.a", "2", 1, 0, root), -EROFS);
	/* and the ops themselves refuse, whatever the VFS checks */
	ck_assert_int_eq(v->ops->truncate(v, 0), -EROFS);
	ck_assert_int_eq(v->ops->setxattr(v, "user.a", "2", 1, 0), -EROFS);
	vnode_put(v);
	disk.read_only = true; /* else remount,rw would write */
	ck_assert_int_eq(vfs_remount(NULL, MNT, 0, "", false, root), -EROFS);
	disk.read_only = false;
	ck_assert_int_eq(
		vfs_remount(NULL, MNT, VFS_MNT_RDONLY, "", false, root), 0);
	umount_ok();
	/* the source must be a block device node of a disk that exists */
	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", "/dev/null",
				       VFS_MNT_RDONLY, "", NULL),
			 -ENOTBLK);
	ck_assert_int_eq(vfs_mknodat(NULL, "/dev/vdz", S_IFBLK | 0600,
				     KDEV(254, 16 * 25), NULL),
			 0);
	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", "/dev/vdz",
				       VFS_MNT_RDONLY, "", NULL),
			 -ENXIO);
	ck_assert_int_eq(vfs_mount_new(NULL, MNT, "ext4", "/dev/nothing",
				       VFS_MNT_RDONLY, "", NULL),
			 -ENOENT);
	/* not ext4 at all */
	memset(ram + 1024, 0, 1024);
	ck_assert_int_eq(mount_ro(), -EINVAL);
	ck_assert_uint_eq(writes, 0);
}
END_TEST

/* Inline data (not a mkfs default) is refused, never misread. */
START_TEST(test_ext4_inline_data)
{
	char *out = debugfs("inline.img", "stat /tiny");
	struct vnode *v;
	struct names nm;
	size_t len;
	char *data;
	int err;

	ck_assert_ptr_nonnull(strstr(out, "Flags: 0x10000000"));
	free(out);
	load_image("inline.img");
	ck_assert_int_eq(mount_ro(), 0);
	data = kos_slurp(MNT "/tiny", 4096, &len, &err);
	free(data);
	ck_assert_int_eq(err, -EOPNOTSUPP);
	v = lookup(MNT "/dir");
	ck_assert_int_eq(kos_list(v, &nm), -EOPNOTSUPP);
	names_free(&nm);
	vnode_put(v);
	ck_assert_int_eq(vfs_lookup(NULL, MNT "/dir/b", 0, NULL, &v),
			 -EOPNOTSUPP);
	v = lookup(MNT "/a"); /* too big to be inline */
	ck_assert_uint_eq(v->size, 3000);
	vnode_put(v);
	umount_ok();
}
END_TEST

/*
 * A superblock written through /dev/vda (the device's page cache, not
 * yet on the disk) is what mount reads.
 */
START_TEST(test_ext4_dev_cache)
{
	struct file *f = NULL;
	char sb[1024];
	struct uio u;
	uint64_t pos = 1024;

	load_image("img-4k.img");
	memcpy(sb, ram + 1024, sizeof(sb));
	memset(ram + 1024, 0, sizeof(sb)); /* the disk: no file system */
	ck_assert_int_eq(vfs_openat(NULL, DEV, O_RDWR, 0, NULL, &f), 0);
	uio_init_kernel(&u, sb, sizeof(sb));
	ck_assert_int_eq(f->ops->write(f, &u, &pos), (ssize_t)sizeof(sb));
	file_put(f);
	ck_assert_uint_eq(ram[1024 + 0x38], 0); /* still only cached */
	ck_assert_int_eq(mount_ro(), 0);
	ck_assert_uint_eq(ram[1024 + 0x38], 0x53); /* written back first */
	writes = 0;
	umount_ok();
}
END_TEST

START_TEST(test_ext4_tree_2k)
{
	check_image("img-2k.img");
}
END_TEST

/* ---- fuzzing ------------------------------------------------------------- */

struct fuzz_stats {
	unsigned long runs, mounted, ops, op_errors;
	unsigned long err[FUZZ_ERRNOS]; /* mount errors by errno */
	unsigned long op_err[FUZZ_ERRNOS];
};

/* Walk and read everything under kpath; errors are counted, not fatal. */
static void fuzz_walk(const char *kpath, int depth, struct fuzz_stats *fs)
{
	struct vnode *v;
	struct names nm;
	char buf[4096];
	ssize_t n;
	int err;

	fs->ops++;
	err = vfs_lookup(NULL, kpath, 0, NULL, &v);
	if (err) {
		fs->op_errors++;
		fuzz_count(fs->op_err, err);
		return;
	}
	n = vfs_listxattr(v, buf, sizeof(buf), NULL);
	for (ssize_t o = 0; n > 0 && o < n; o += (ssize_t)strlen(buf + o) + 1) {
		char val[4096];

		buf[n - 1] = 0;
		vfs_getxattr(v, buf + o, val, sizeof(val), NULL);
	}
	if (S_ISREG(v->mode)) {
		size_t len;
		char *data = kos_slurp(kpath, 256 * 1024, &len, &err);

		free(data);
		if (err) {
			fs->op_errors++;
			fuzz_count(fs->op_err, err);
		}
	} else if (S_ISLNK(v->mode)) {
		n = vfs_readlinkat(NULL, kpath, buf, sizeof(buf), NULL);
		if (n < 0) {
			fs->op_errors++;
			fuzz_count(fs->op_err, (int)n);
		}
	} else if (S_ISDIR(v->mode) && depth < 6) {
		err = kos_list(v, &nm);
		if (err) {
			fs->op_errors++;
			fuzz_count(fs->op_err, err);
		}
		for (size_t i = 0; i < nm.n && i < 400; i++) {
			char sub[1024];

			if (!strcmp(nm.v[i], ".") || !strcmp(nm.v[i], "..") ||
			    strchr(nm.v[i], '/'))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", kpath, nm.v[i]);
			fuzz_walk(sub, depth + 1, fs);
		}
		names_free(&nm);
	}
	vnode_put(v);
}

static void fuzz(const char *image, uint64_t seed, unsigned int runs)
{
	struct fuzz_stats st = { 0 };
	struct ext4_fuzz fz;
	uint8_t *pristine;

	/* a longer soak by hand: fuzz.h's KOS_EXT4_FUZZ_* */
	fuzz_init(&fz, ramdisk_dir(), image, seed, runs);
	load_image(image);
	pristine = malloc(ram_size);
	memcpy(pristine, ram, ram_size);
	for (unsigned int r = 0; r < fz.runs; r++) {
		int err;

		memcpy(ram, pristine, ram_size);
		/* changed behind the kernel's back: forget the cached pages */
		blkdev_sync(&disk, true);
		fuzz_flip(&fz, r, ram, ram_size);
		st.runs++;
		err = mount_ro();
		if (err) {
			fuzz_count(st.err, err);
			continue;
		}
		st.mounted++;
		fuzz_walk(MNT, 0, &st);
		/* EBUSY here: a reference leaked (or a name-cache loop) */
		err = vfs_umount(NULL, MNT, false, false, NULL);
		ck_assert_msg(!err, "%s run %u: umount %d", image, r, err);
	}
	ck_assert_uint_eq(writes, 0);
	printf("ext4 fuzz %s: %lu runs, %lu mounted, %lu walk ops with %lu "
	       "errors; mount errors:",
	       image, st.runs, st.mounted, st.ops, st.op_errors);
	fuzz_print_errs(st.err);
	printf("; walk errors:");
	fuzz_print_errs(st.op_err);
	printf("\n");
	fflush(stdout);
	/* the pristine image mounts and reads cleanly */
	memcpy(ram, pristine, ram_size);
	blkdev_sync(&disk, true);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(mount_ro(), 0);
	fuzz_walk(MNT, 0, &st);
	ck_assert_uint_eq(st.op_errors, 0);
	ck_assert_uint_gt(st.ops, 150);
	umount_ok();
	free(pristine);
}

START_TEST(test_ext4_fuzz_csum)
{
	fuzz("fuzz-csum.img", 0x5eed0001, 400);
}
END_TEST

START_TEST(test_ext4_fuzz_nocsum)
{
	fuzz("fuzz-nocsum.img", 0x5eed0002, 400);
}
END_TEST

Suite *ext4_suite(void)
{
	Suite *s = suite_create("ext4");
	TCase *tc = tcase_create("ext4");
	TCase *fz = tcase_create("ext4_fuzz");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_ext4_crc32c);
	tcase_add_test(tc, test_ext4_crc32c_hw);
	tcase_add_test(tc, test_ext4_dirhash);
	tcase_add_test(tc, test_ext4_tree_1k);
	tcase_add_test(tc, test_ext4_tree_2k);
	tcase_add_test(tc, test_ext4_tree_4k);
	tcase_add_test(tc, test_ext4_tree_ext3);
	tcase_add_test(tc, test_ext4_statfs);
	tcase_add_test(tc, test_ext4_getpage);
	tcase_add_test(tc, test_ext4_read_only);
	tcase_add_test(tc, test_ext4_inline_data);
	tcase_add_test(tc, test_ext4_dev_cache);
	suite_add_tcase(s, tc);
	tcase_set_timeout(fz, 600);
	tcase_add_test(fz, test_ext4_fuzz_csum);
	tcase_add_test(fz, test_ext4_fuzz_nocsum);
	suite_add_tcase(s, fz);
	return s;
}
