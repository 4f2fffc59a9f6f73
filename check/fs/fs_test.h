/*
 * Shared set-up for the VFS unit tests: a fresh page allocator, heap and
 * scheduler (the VFS mutexes need a current thread) on the fake platform,
 * a root ramfs from vfs_init(), and a builder for cpio "newc" archives.
 */
#ifndef CHECK_FS_TEST_H
#define CHECK_FS_TEST_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kos/boot.h>
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/plat/cpu.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/vfs.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>

#include "../plat_test.h"

#define FS_TEST_RAM (48UL << 20)

/* A growing newc archive. */
struct newc {
	char *buf;
	size_t len, cap;
	uint32_t ino;
};

static inline void newc_put(struct newc *a, const void *p, size_t n)
{
	if (a->len + n + 4 > a->cap) {
		a->cap = (a->len + n + 4) * 2;
		a->buf = realloc(a->buf, a->cap);
		ck_assert_ptr_nonnull(a->buf);
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static inline void newc_pad(struct newc *a)
{
	while (a->len % 4)
		newc_put(a, "", 1);
}

/* One member; ino 0 picks a fresh inode number. */
static inline void newc_add_ino(struct newc *a, const char *name, uint32_t mode,
				uint32_t ino, uint32_t nlink, const void *data,
				size_t size, uint32_t rmaj, uint32_t rmin)
{
	char hdr[111];

	if (!ino)
		ino = ++a->ino + 1000;
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X"
		 "%08X",
		 ino, mode, 1000u, 100u, nlink, 1600000000u, (unsigned)size, 0u,
		 0u, rmaj, rmin, (unsigned)strlen(name) + 1, 0u);
	newc_put(a, hdr, 110);
	newc_put(a, name, strlen(name) + 1);
	newc_pad(a);
	if (size)
		newc_put(a, data, size);
	newc_pad(a);
}

static inline void newc_add(struct newc *a, const char *name, uint32_t mode,
			    const char *data)
{
	newc_add_ino(a, name, mode, 0, S_ISDIR(mode) ? 2 : 1, data,
		     data ? strlen(data) : 0, 0, 0);
}

static inline void newc_end(struct newc *a)
{
	newc_add_ino(a, "TRAILER!!!", 0, 0, 1, NULL, 0, 0, 0);
}

static inline void fs_test_setup_with(const void *initrd, size_t size)
{
	struct kos_bootinfo bi;

	plat_irq_disable();
	test_bootinfo(&bi, FS_TEST_RAM);
	pmm_init(&bi);
	kmalloc_init();
	sched_init();
	plat_irq_enable();
	ck_assert_int_eq(vfs_init(initrd, size), 0);
}

static inline void fs_test_setup(void)
{
	fs_test_setup_with(NULL, 0);
}

static inline void fs_test_teardown(void)
{
}

static inline TCase *fs_test_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, fs_test_setup, fs_test_teardown);
	tcase_set_timeout(tc, 30);
	return tc;
}

/* Helpers on kernel paths (root credentials). */
static inline struct file *t_open(const char *path, int flags, int *err)
{
	struct file *f = NULL;
	int e = vfs_openat(NULL, path, flags, 0644, NULL, &f);

	if (err)
		*err = e;
	return e ? NULL : f;
}

static inline int t_lookup_err(const char *path, unsigned int flags)
{
	struct vnode *v;
	int e = vfs_lookup(NULL, path, flags, NULL, &v);

	if (!e)
		vnode_put(v);
	return e;
}

static inline struct vnode *t_lookup(const char *path, unsigned int flags)
{
	struct vnode *v = NULL;

	ck_assert_int_eq(vfs_lookup(NULL, path, flags, NULL, &v), 0);
	return v;
}

static inline ssize_t t_write(struct file *f, const void *buf, size_t n)
{
	struct uio u;

	uio_init_kernel(&u, (void *)buf, n);
	return file_write(f, &u, -1);
}

static inline ssize_t t_read(struct file *f, void *buf, size_t n)
{
	struct uio u;

	uio_init_kernel(&u, buf, n);
	return file_read(f, &u, -1);
}

/* Create path with the given contents. */
static inline void t_mkfile(const char *path, const char *data)
{
	int err;
	struct file *f = t_open(path, O_CREAT | O_WRONLY | O_TRUNC, &err);

	ck_assert_msg(f != NULL, "create %s: %d", path, err);
	ck_assert_int_eq(t_write(f, data, strlen(data)), (ssize_t)strlen(data));
	file_put(f);
}

#endif
