/*
 * Unit tests for ramfs and the generic file paths (libkos/fs/ramfs.c,
 * file.c): read/write/lseek semantics, holes, O_APPEND, truncation,
 * multi-page data, stat fields, and getdents64 records.
 */
#include <kos/plat/mem.h>

#include "fs_test.h"

START_TEST(test_ramfs_rw_lseek)
{
	struct file *f = t_open("/f", O_CREAT | O_RDWR, NULL);
	char buf[32];
	struct kstat st;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(t_write(f, "hello world", 11), 11);
	ck_assert_int_eq(file_lseek(f, 0, SEEK_CUR), 11);
	ck_assert_int_eq(file_lseek(f, 6, SEEK_SET), 6);
	ck_assert_int_eq(t_read(f, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "world", 5), 0);
	ck_assert_int_eq(t_read(f, buf, sizeof(buf)), 0); /* EOF */
	ck_assert_int_eq(file_lseek(f, -5, SEEK_END), 6);
	ck_assert_int_eq(file_lseek(f, -1, SEEK_SET), -EINVAL);
	ck_assert_int_eq(file_lseek(f, -100, SEEK_CUR), -EINVAL);
	ck_assert_int_eq(file_lseek(f, 0, 7), -EINVAL);
	ck_assert_int_eq(file_lseek(f, 0, SEEK_CUR), 6); /* unchanged */
	ck_assert_int_eq(file_lseek(f, 3, SEEK_DATA), 3);
	ck_assert_int_eq(file_lseek(f, 3, SEEK_HOLE), 11);
	ck_assert_int_eq(file_lseek(f, 11, SEEK_DATA), -ENXIO);
	/* hole: write past the end, the gap reads as zeros */
	ck_assert_int_eq(file_lseek(f, 3 * 4096 + 10, SEEK_SET), 3 * 4096 + 10);
	ck_assert_int_eq(t_write(f, "X", 1), 1);
	ck_assert_int_eq(file_pread_kernel(f, buf, 4, 4096 * 2), 4);
	ck_assert_int_eq(buf[0] | buf[1] | buf[2] | buf[3], 0);
	ck_assert_int_eq(vfs_stat_file(f, &st), 0);
	ck_assert_int_eq(st.size, 3 * 4096 + 11);
	ck_assert_uint_eq(st.blocks, 16); /* 2 pages, not 4 */
	ck_assert_uint_eq(st.blksize, 4096);
	ck_assert_uint_eq(st.nlink, 1);
	ck_assert(S_ISREG(st.mode));
	ck_assert_uint_eq(st.mode & 07777, 0644);
	ck_assert_int_eq(file_pread_kernel(f, buf, 4, 1 << 20), 0);
	ck_assert_int_eq(file_pread_kernel(f, buf, 4, (uint64_t)-1), -EINVAL);
	file_put(f);
}
END_TEST

START_TEST(test_ramfs_big_file_and_truncate)
{
	size_t n = 5 * 4096 + 123;
	char *in = malloc(n), *out = malloc(n);
	struct file *f = t_open("/big", O_CREAT | O_RDWR, NULL);

	for (size_t i = 0; i < n; i++)
		in[i] = (char)(i * 7 + 3);
	ck_assert_int_eq(t_write(f, in, n), (ssize_t)n);
	ck_assert_int_eq(file_pread_kernel(f, out, n, 0), (ssize_t)n);
	ck_assert_int_eq(memcmp(in, out, n), 0);
	ck_assert_int_eq(file_pread_kernel(f, out, 100, 4090), 100);
	ck_assert_int_eq(memcmp(in + 4090, out, 100), 0);
	ck_assert_int_eq(f->vnode->ops->truncate(f->vnode, 4100), 0);
	ck_assert_int_eq(f->vnode->ops->truncate(f->vnode, 8192), 0);
	ck_assert_int_eq(file_pread_kernel(f, out, 8192, 0), 8192);
	ck_assert_int_eq(memcmp(in, out, 4100), 0);
	for (int i = 4100; i < 8192; i++)
		ck_assert_int_eq(out[i], 0);
	file_put(f);
	/* O_TRUNC on open */
	f = t_open("/big", O_WRONLY | O_TRUNC, NULL);
	ck_assert_uint_eq(f->vnode->size, 0);
	file_put(f);
	free(in);
	free(out);
}
END_TEST

START_TEST(test_ramfs_append_and_modes)
{
	struct file *f = t_open("/a", O_CREAT | O_WRONLY, NULL), *g;
	char buf[16];

	ck_assert_int_eq(t_write(f, "abc", 3), 3);
	ck_assert_int_eq(t_read(f, buf, 1), -EBADF); /* write-only */
	file_put(f);
	g = t_open("/a", O_RDONLY, NULL);
	ck_assert_int_eq(t_write(g, "x", 1), -EBADF);
	f = t_open("/a", O_WRONLY | O_APPEND, NULL);
	ck_assert_int_eq(file_lseek(f, 0, SEEK_SET), 0);
	ck_assert_int_eq(t_write(f, "de", 2), 2);
	ck_assert_int_eq(file_lseek(f, 0, SEEK_CUR), 5);
	/* pwrite on O_APPEND appends too (as Linux) */
	ck_assert_int_eq(file_pwrite_kernel(f, "f", 1, 0), 1);
	ck_assert_int_eq(t_read(g, buf, sizeof(buf)), 6);
	ck_assert_int_eq(memcmp(buf, "abcdef", 6), 0);
	file_put(f);
	file_put(g);
	/* a directory: read is EISDIR, lseek SEEK_END refused */
	f = t_open("/", O_RDONLY, NULL);
	ck_assert_int_eq(t_read(f, buf, 1), -EISDIR);
	ck_assert_int_eq(file_lseek(f, 0, SEEK_END), -EINVAL);
	ck_assert_int_eq(file_lseek(f, 2, SEEK_SET), 2);
	file_put(f);
	f = t_open("/a", O_RDONLY, NULL);
	ck_assert_int_eq(
		file_getdents64(f, (unsigned long)buf, sizeof(buf), false),
		-ENOTDIR);
	ck_assert_int_eq(file_ioctl(f, 0x5401, 0), -ENOTTY);
	file_put(f);
}
END_TEST

/* Parse a getdents64 buffer: names joined by ',' into out. */
static int parse_dents(const char *buf, long n, char *out, size_t outlen,
		       int64_t *last_off)
{
	int count = 0;

	out[0] = 0;
	for (long pos = 0; pos < n;) {
		const struct linux_dirent64 *d = (const void *)(buf + pos);

		ck_assert_int_eq(d->d_reclen % 8, 0);
		ck_assert_int_ge(d->d_reclen,
				 offsetof(struct linux_dirent64, d_name) +
					 strlen(d->d_name) + 1);
		ck_assert_int_eq((uintptr_t)d % 8, 0);
		ck_assert_uint_ne(d->d_ino, 0);
		if (count)
			strncat(out, ",", outlen - strlen(out) - 1);
		strncat(out, d->d_name, outlen - strlen(out) - 1);
		if (!strcmp(d->d_name, "sub") || !strcmp(d->d_name, ".") ||
		    !strcmp(d->d_name, ".."))
			ck_assert_int_eq(d->d_type, DT_DIR);
		else if (!strcmp(d->d_name, "lnk"))
			ck_assert_int_eq(d->d_type, DT_LNK);
		else
			ck_assert_int_eq(d->d_type, DT_REG);
		*last_off = d->d_off;
		pos += d->d_reclen;
		count++;
	}
	return count;
}

START_TEST(test_ramfs_getdents64_layout)
{
	_Alignas(8) char buf[512];
	char names[256];
	struct file *f;
	int64_t off = 0;
	long n;

	ck_assert_int_eq(vfs_mkdirat(NULL, "/t", 0755, NULL), 0);
	t_mkfile("/t/a", "");
	t_mkfile("/t/a_long_file_name_here", "");
	ck_assert_int_eq(vfs_mkdirat(NULL, "/t/sub", 0755, NULL), 0);
	ck_assert_int_eq(vfs_symlinkat("a", NULL, "/t/lnk", NULL), 0);
	f = t_open("/t", O_RDONLY | O_DIRECTORY, NULL);
	n = file_getdents64(f, (unsigned long)buf, sizeof(buf), false);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(parse_dents(buf, n, names, sizeof(names), &off), 6);
	ck_assert_str_eq(names, ".,..,a,a_long_file_name_here,sub,lnk");
	/* "." is 24 bytes: 19-byte header + "." + NUL, padded to 8 */
	ck_assert_int_eq(((struct linux_dirent64 *)buf)->d_reclen, 24);
	ck_assert_int_eq(
		file_getdents64(f, (unsigned long)buf, sizeof(buf), false), 0);
	/* too small for one entry: EINVAL; resume by lseek to a d_off */
	ck_assert_int_eq(file_lseek(f, 0, SEEK_SET), 0);
	ck_assert_int_eq(file_getdents64(f, (unsigned long)buf, 10, false),
			 -EINVAL);
	n = file_getdents64(f, (unsigned long)buf, 50, false);
	ck_assert_int_eq(parse_dents(buf, n, names, sizeof(names), &off), 2);
	ck_assert_str_eq(names, ".,..");
	/* an entry removed before the cursor does not disturb it */
	ck_assert_int_eq(vfs_unlinkat(NULL, "/t/a", false, NULL), 0);
	n = file_getdents64(f, (unsigned long)buf, sizeof(buf), false);
	ck_assert_int_eq(parse_dents(buf, n, names, sizeof(names), &off), 3);
	ck_assert_str_eq(names, "a_long_file_name_here,sub,lnk");
	file_put(f);
}
END_TEST

/* Byte off of the physical page pa, through the direct map. */
static char *pg_byte(paddr_t pa, size_t off)
{
	return (char *)plat_phys_to_virt(pa) + off;
}

START_TEST(test_ramfs_getpage_is_the_file_data)
{
	struct file *f = t_open("/p", O_CREAT | O_RDWR, NULL);
	struct vnode *v = f->vnode;
	char in[5000], buf[8];
	paddr_t p0, p1, p;
	uint64_t blocks;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 13 + 1);
	ck_assert_int_eq(t_write(f, in, sizeof(in)), (ssize_t)sizeof(in));
	ck_assert_ptr_nonnull(v->ops->getpage);
	ck_assert_int_eq(file_getpage(f, 0, &p0), 0);
	ck_assert_int_eq(file_getpage(f, 1, &p1), 0);
	ck_assert_int_eq(file_getpage(f, 2, &p), -ENXIO);
	ck_assert_int_eq(file_getpage(f, 1ULL << 60, &p), -ENXIO);
	ck_assert_uint_eq(pmm_page_refs(p0), 2);
	ck_assert_int_eq(memcmp(pg_byte(p0, 0), in, PAGE_SIZE), 0);
	ck_assert_int_eq(memcmp(pg_byte(p1, 0), in + PAGE_SIZE, 904), 0);
	/* Stores into the page are what read() returns, and vice versa. */
	*pg_byte(p0, 3) = 'X';
	ck_assert_int_eq(file_pread_kernel(f, buf, 4, 0), 4);
	ck_assert_int_eq(buf[3], 'X');
	ck_assert_int_eq(file_pwrite_kernel(f, "Y", 1, PAGE_SIZE + 5), 1);
	ck_assert_int_eq(*pg_byte(p1, 5), 'Y');
	/* Bytes a mapping stored past EOF never become file data. */
	*pg_byte(p1, 1000) = 'J';
	ck_assert_int_eq(v->ops->truncate(v, 6000), 0);
	ck_assert_int_eq(file_pread_kernel(f, buf, 1, PAGE_SIZE + 1000), 1);
	ck_assert_int_eq(buf[0], 0);
	*pg_byte(p1, 2000) = 'J';
	ck_assert_int_eq(file_pwrite_kernel(f, "Z", 1, 7000), 1);
	ck_assert_int_eq(file_pread_kernel(f, buf, 1, PAGE_SIZE + 2000), 1);
	ck_assert_int_eq(buf[0], 0);
	/* Truncation drops the file's page; the holder keeps the frame. */
	ck_assert_int_eq(v->ops->truncate(v, 100), 0);
	ck_assert_uint_eq(pmm_page_refs(p1), 1);
	ck_assert_int_eq(*pg_byte(p1, 5), 'Y');
	ck_assert_int_eq(file_getpage(f, 1, &p), -ENXIO);
	ck_assert_int_eq(*pg_byte(p0, 200), 0); /* the tail is zeroed */
	pmm_page_put(p1);
	pmm_page_put(p0);
	/* A hole gets a zeroed page on demand (and counts as a block). */
	ck_assert_int_eq(v->ops->truncate(v, 3 * PAGE_SIZE), 0);
	blocks = v->blocks;
	ck_assert_int_eq(file_getpage(f, 2, &p), 0);
	ck_assert_uint_eq(v->blocks, blocks + PAGE_SIZE / 512);
	ck_assert_int_eq(*pg_byte(p, 0) | *pg_byte(p, PAGE_SIZE - 1), 0);
	*pg_byte(p, 9) = 'H';
	ck_assert_int_eq(file_pread_kernel(f, buf, 1, 2 * PAGE_SIZE + 9), 1);
	ck_assert_int_eq(buf[0], 'H');
	pmm_page_put(p);
	file_put(f);
}
END_TEST

START_TEST(test_ramfs_mmap_support)
{
	struct file *f = t_open("/m", O_CREAT | O_RDWR, NULL);
	struct file *d = t_open("/", O_RDONLY | O_DIRECTORY, NULL);
	struct file *z = t_open("/dev/zero", O_RDWR, NULL);
	struct file *n = t_open("/dev/null", O_RDWR, NULL);
	paddr_t p;

	ck_assert_int_eq(file_mmap_check(f, true), 0);
	ck_assert_int_eq(file_mmap_check(f, false), 0);
	ck_assert_int_eq(file_mmap_check(d, false), -ENODEV);
	ck_assert_int_eq(file_mmap_check(n, false), -ENODEV);
	ck_assert_int_eq(file_mmap_check(z, true), FILE_MMAP_ANON);
	ck_assert_int_eq(file_getpage(d, 0, &p), -ENOSYS);
	ck_assert_int_eq(file_getpage(z, 0, &p), -ENOSYS);
	ck_assert_int_eq(file_getpage(f, 0, &p), -ENXIO); /* empty */
	file_put(f);
	file_put(d);
	file_put(z);
	file_put(n);
}
END_TEST

START_TEST(test_ramfs_unlinked_file_frees_pages)
{
	struct file *f = t_open("/u", O_CREAT | O_RDWR, NULL);
	static char data[3 * PAGE_SIZE];
	uint64_t free0, free1;
	paddr_t p;

	ck_assert_int_eq(t_write(f, data, sizeof(data)), (ssize_t)sizeof(data));
	ck_assert_int_eq(file_getpage(f, 1, &p), 0);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/u", false, NULL), 0);
	free0 = pmm_free_pages();
	file_put(f);
	/* Two data pages go (the heap may give some back too)... */
	free1 = pmm_free_pages();
	ck_assert_uint_ge(free1, free0 + 2);
	/* ...and the one still held stays until put. */
	ck_assert_uint_eq(pmm_page_refs(p), 1);
	pmm_page_put(p);
	ck_assert_uint_eq(pmm_free_pages(), free1 + 1);
}
END_TEST

Suite *ramfs_suite(void)
{
	Suite *s = suite_create("ramfs");
	TCase *tc = fs_test_tcase("core");

	tcase_add_test(tc, test_ramfs_rw_lseek);
	tcase_add_test(tc, test_ramfs_big_file_and_truncate);
	tcase_add_test(tc, test_ramfs_append_and_modes);
	tcase_add_test(tc, test_ramfs_getdents64_layout);
	tcase_add_test(tc, test_ramfs_getpage_is_the_file_data);
	tcase_add_test(tc, test_ramfs_mmap_support);
	tcase_add_test(tc, test_ramfs_unlinked_file_frees_pages);
	suite_add_tcase(s, tc);
	return s;
}
