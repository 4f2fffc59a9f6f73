/*
 * Unit tests for the device nodes (libkos/fs/dev.c): /dev is created
 * with Linux's numbers and modes; null, zero, urandom and console behave
 * as on Linux (console: stream, output reaches the platform console).
 */
#include "fs_test.h"

START_TEST(test_dev_nodes_numbers_and_modes)
{
	static const struct {
		const char *path;
		uint32_t rdev, mode;
	} want[] = {
		{ "/dev/console", KDEV(5, 1), S_IFCHR | 0600 },
		{ "/dev/tty", KDEV(5, 0), S_IFCHR | 0666 },
		{ "/dev/null", KDEV(1, 3), S_IFCHR | 0666 },
		{ "/dev/zero", KDEV(1, 5), S_IFCHR | 0666 },
		{ "/dev/random", KDEV(1, 8), S_IFCHR | 0666 },
		{ "/dev/urandom", KDEV(1, 9), S_IFCHR | 0666 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct vnode *v = t_lookup(want[i].path, 0);

		ck_assert_uint_eq(v->rdev, want[i].rdev);
		ck_assert_uint_eq(v->mode, want[i].mode);
		vnode_put(v);
	}
	/* stat's encoding matches glibc's makedev() */
	ck_assert_uint_eq(kdev_encode(KDEV(5, 1)), 0x501);
	ck_assert_uint_eq(kdev_encode(KDEV(1, 3)), 0x103);
	ck_assert_uint_eq(kdev_encode(KDEV(259, 300)), 0x11032cULL);
}
END_TEST

START_TEST(test_dev_memory_devices)
{
	struct file *f;
	char buf[64];
	int zeros = 0;

	f = t_open("/dev/null", O_RDWR, NULL);
	ck_assert_int_eq(t_read(f, buf, sizeof(buf)), 0);
	ck_assert_int_eq(t_write(f, buf, sizeof(buf)), 64);
	ck_assert_int_eq(file_lseek(f, 100, SEEK_SET), 0);
	ck_assert_int_eq(file_pread_kernel(f, buf, 4, 10), 0);
	ck_assert_int_eq(file_ioctl(f, 0x5401, 0), -ENOTTY);
	file_put(f);
	f = t_open("/dev/zero", O_RDWR, NULL);
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(t_read(f, buf, sizeof(buf)), 64);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(buf[i], 0);
	ck_assert_int_eq(t_write(f, buf, 10), 10);
	file_put(f);
	f = t_open("/dev/urandom", O_RDONLY, NULL);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(t_read(f, buf, sizeof(buf)), 64);
	for (int i = 0; i < 64; i++)
		zeros += buf[i] == 0;
	ck_assert_int_lt(zeros, 10);
	ck_assert_int_eq(t_write(f, "x", 1), -EBADF);
	file_put(f);
}
END_TEST

START_TEST(test_dev_console_stream)
{
	struct file *f = t_open("/dev/console", O_RDWR, NULL);
	char c;

	ck_assert_ptr_nonnull(f);
	test_console_reset();
	ck_assert_int_eq(t_write(f, "hello\n", 6), 6);
	/* ONLCR: the console tty sends "\r\n" */
	ck_assert_str_eq(test_console_buf, "hello\r\n");
	ck_assert_int_eq(file_lseek(f, 0, SEEK_SET), -ESPIPE);
	ck_assert_int_eq(file_pread_kernel(f, &c, 1, 0), -ESPIPE);
	f->flags |= O_NONBLOCK;
	ck_assert_int_eq(t_read(f, &c, 1), -EAGAIN);
	file_put(f);
}
END_TEST

START_TEST(test_dev_links_and_tty)
{
	static const char *const links[][2] = {
		{ "/dev/fd", "/proc/self/fd" },
		{ "/dev/stdin", "/proc/self/fd/0" },
		{ "/dev/stdout", "/proc/self/fd/1" },
		{ "/dev/stderr", "/proc/self/fd/2" },
	};
	char buf[64];
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		ssize_t n = vfs_readlinkat(NULL, links[i][0], buf, sizeof(buf),
					   NULL);

		ck_assert_int_eq(n, (ssize_t)strlen(links[i][1]));
		ck_assert_int_eq(memcmp(buf, links[i][1], (size_t)n), 0);
	}
	/* no process has a controlling terminal */
	ck_assert_ptr_null(t_open("/dev/tty", O_RDWR, &err));
	ck_assert_int_eq(err, -ENXIO);
}
END_TEST

Suite *dev_suite(void)
{
	Suite *s = suite_create("dev");
	TCase *tc = fs_test_tcase("core");

	tcase_add_test(tc, test_dev_nodes_numbers_and_modes);
	tcase_add_test(tc, test_dev_memory_devices);
	tcase_add_test(tc, test_dev_console_stream);
	tcase_add_test(tc, test_dev_links_and_tty);
	suite_add_tcase(s, tc);
	return s;
}
