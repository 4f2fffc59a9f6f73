/*
 * Unit tests for fd tables (libkos/fs/fdtable.c): lowest-free
 * allocation, close, dup/dup2/dup3 rules, FD_CLOEXEC and close-on-exec,
 * the RLIMIT_NOFILE limit (-EMFILE, -EBADF/-EINVAL past it), clone.
 */
#include "fs_test.h"

static struct file *nullfile(void)
{
	struct file *f = t_open("/dev/null", O_RDWR, NULL);

	ck_assert_ptr_nonnull(f);
	return f;
}

START_TEST(test_fdtable_install_close_dup)
{
	struct fdtable *t = fdtable_create();
	struct file *f = nullfile(), *g;

	file_get(f); /* ours; the first install takes the other */
	ck_assert_int_eq(fdt_install(t, f, 0, false), 0);
	file_get(f);
	ck_assert_int_eq(fdt_install(t, f, 0, true), 1);
	ck_assert_int_eq(fdt_dup(t, 0, 0, false), 2);
	ck_assert_int_eq(fdt_close(t, 1), 0);
	ck_assert_int_eq(fdt_close(t, 1), -EBADF);
	ck_assert_int_eq(fdt_close(t, -1), -EBADF);
	ck_assert_int_eq(fdt_dup(t, 0, 0, false), 1); /* lowest free */
	ck_assert_int_eq(fdt_dup(t, 0, 10, false), 10);
	ck_assert_int_eq(fdt_dup(t, 7, 0, false), -EBADF);
	g = fdt_get(t, 10);
	ck_assert_ptr_eq(g, f);
	file_put(g);
	ck_assert_ptr_null(fdt_get(t, 9));
	ck_assert_ptr_null(fdt_get(t, -5));
	ck_assert_ptr_null(fdt_get(t, 100000));
	/* dup2/dup3 */
	ck_assert_int_eq(fdt_dup3(t, 0, 0, -1), 0);
	ck_assert_int_eq(fdt_dup3(t, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(fdt_dup3(t, 0, 5, 04000), -EINVAL);
	ck_assert_int_eq(fdt_dup3(t, 9, 9, -1), -EBADF);
	ck_assert_int_eq(fdt_dup3(t, 9, 5, -1), -EBADF);
	ck_assert_int_eq(fdt_dup3(t, 0, 100000, -1), -EBADF);
	ck_assert_int_eq(fdt_dup3(t, 0, -1, -1), -EBADF);
	ck_assert_int_eq(fdt_dup3(t, 0, 300, O_CLOEXEC), 300);
	ck_assert_int_eq(fdt_get_fdflags(t, 300), FD_CLOEXEC);
	ck_assert_int_eq(fdt_dup3(t, 0, 300, -1), 300); /* replaces */
	ck_assert_int_eq(fdt_get_fdflags(t, 300), 0);
	ck_assert_int_eq(fdt_get_fdflags(t, 301), -EBADF);
	ck_assert_int_eq(fdt_set_fdflags(t, 300, 3), 0);
	ck_assert_int_eq(fdt_get_fdflags(t, 300), FD_CLOEXEC);
	/* No fd at or above the limit: EMFILE (fcntl says EINVAL itself). */
	ck_assert_int_eq(fdt_dup(t, 0, 1024, false), -EMFILE);
	ck_assert_int_eq(fdt_dup(t, 0, -1, false), -EINVAL);
	ck_assert_int_eq(f->refcnt, 6); /* 0 1 2 10 300 + ours */
	fdtable_close_on_exec(t);
	ck_assert_ptr_null(fdt_get(t, 300));
	ck_assert_int_eq(f->refcnt, 5);
	fdtable_destroy(t);
	ck_assert_int_eq(f->refcnt, 1);
	file_put(f);
}
END_TEST

START_TEST(test_fdtable_emfile_at_limit)
{
	struct fdtable *t = fdtable_create(), *c;
	struct file *f = nullfile();
	int fd;

	for (int i = 0; i < FDT_DEFAULT_NOFILE; i++) {
		file_get(f);
		ck_assert_int_eq(fdt_install(t, f, 0, false), i);
	}
	file_get(f);
	ck_assert_int_eq(fdt_install(t, f, 0, false), -EMFILE);
	file_put(f);
	ck_assert_int_eq(fdt_dup(t, 0, 0, false), -EMFILE);
	ck_assert_int_eq(fdt_close(t, 500), 0);
	ck_assert_int_eq(fdt_dup(t, 0, 0, false), 500);
	c = fdtable_clone(t);
	ck_assert_int_eq(f->refcnt, 1 + 2 * FDT_DEFAULT_NOFILE);
	fdtable_destroy(c);
	/* a lower limit leaves fds above it open but refuses new ones */
	fdtable_set_nofile(t, 10);
	fd = fdt_dup(t, 0, 0, false);
	ck_assert_int_eq(fd, -EMFILE);
	ck_assert_int_eq(fdt_dup3(t, 0, 10, -1), -EBADF);
	fdtable_destroy(t);
	ck_assert_int_eq(f->refcnt, 1);
	file_put(f);
}
END_TEST

Suite *fdtable_suite(void)
{
	Suite *s = suite_create("fdtable");
	TCase *tc = fs_test_tcase("core");

	tcase_add_test(tc, test_fdtable_install_close_dup);
	tcase_add_test(tc, test_fdtable_emfile_at_limit);
	suite_add_tcase(s, tc);
	return s;
}
