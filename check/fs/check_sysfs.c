/*
 * Unit tests for the file-system system calls (libkos/sys/fs.c, fd.c),
 * called directly with user pointers into a real user address space
 * (libkos/mm uaccess) of a fake current process.  Covers the ABI layouts
 * (struct stat 144 bytes, statx, dirents, termios), -EFAULT for bad
 * pointers, and the Linux errno of each argument check.
 */
#include <kos/cmdline.h>
#include <kos/log.h>
#include <kos/plat/user.h>
#include <kos/proc.h>
#include <kos/syscall.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/ioctl.h>
#include <uapi/mman.h>
#include <uapi/resource.h>
#include <uapi/termios.h>
#include <uapi/uio.h>
#include <uapi/unistd.h>

#include "fs_test.h"

#define U 0x40000000UL
#define ULEN (64 * 4096UL)
#define BAD 0x1000UL /* unmapped */

static struct vm_space *vm;
static struct proc tproc;
static struct uthread tut;
static unsigned long ubump;

static void sys_setup(void)
{
	unsigned long r;

	fs_test_setup();
	vm = vm_create();
	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm_map(vm, U, ULEN, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
				0, &r),
			 0);
	vm_set_current_for_test(vm);
	memset(&tproc, 0, sizeof(tproc));
	memset(&tut, 0, sizeof(tut));
	tproc.pid = 1;
	tproc.rlim[RLIMIT_NOFILE].rlim_cur = 1024;
	tut.proc = &tproc;
	tut.fdt = fdtable_create();
	tut.fs = fs_info_create(vfs_root(), vfs_root(), 022);
	tut.sighand = sighand_create();
	tut.vm = vm;
	sched_current()->priv = &tut;
	ubump = U;
}

static void sys_teardown(void)
{
	sched_current()->priv = NULL;
	vm_set_current_for_test(NULL);
}

/* Room for n bytes of user memory (zeroed), 16-aligned. */
static unsigned long ualloc(size_t n)
{
	unsigned long p = ubump;

	ubump += (n + 15) & ~15UL;
	ck_assert_uint_le(ubump, U + ULEN);
	ck_assert_int_eq(clear_user((void *)p, n), 0);
	return p;
}

static const char *ustr(const char *s)
{
	unsigned long p = ualloc(strlen(s) + 1);

	ck_assert_int_eq(copy_to_user((void *)p, s, strlen(s) + 1), 0);
	return (const char *)p;
}

static void uget(void *dst, unsigned long src, size_t n)
{
	ck_assert_int_eq(copy_from_user(dst, (const void *)src, n), 0);
}

START_TEST(test_sysfs_open_rw_stat)
{
	unsigned long buf = ualloc(64), st = ualloc(sizeof(struct stat));
	struct stat s;
	char k[16];
	long fd;

	ck_assert_uint_eq(sizeof(struct stat), 144);
	ck_assert_uint_eq(sizeof(struct statx), 256);
	fd = sys_openat(AT_FDCWD, ustr("/f"), O_CREAT | O_RDWR, 0666);
	ck_assert_int_eq(fd, 0);
	ck_assert_int_eq(copy_to_user((void *)buf, "abcdef", 6), 0);
	ck_assert_int_eq(sys_write(fd, (char *)buf, 6), 6);
	ck_assert_int_eq(sys_lseek(fd, 1, SEEK_SET), 1);
	ck_assert_int_eq(sys_read(fd, (char *)buf + 10, 3), 3);
	uget(k, buf + 10, 3);
	ck_assert_int_eq(memcmp(k, "bcd", 3), 0);
	ck_assert_int_eq(sys_pread64(fd, (char *)buf, 2, 4), 2);
	ck_assert_int_eq(sys_pread64(fd, (char *)buf, 2, -1), -EINVAL);
	ck_assert_int_eq(sys_pwrite64(fd, (char *)buf, 2, 10), 2);
	ck_assert_int_eq(sys_fstat(fd, (void *)st), 0);
	uget(&s, st, sizeof(s));
	ck_assert_uint_eq(s.st_mode, S_IFREG | 0644); /* umask 022 */
	ck_assert_int_eq(s.st_size, 12);
	ck_assert_int_eq(s.st_blksize, 4096);
	ck_assert_uint_eq(s.st_nlink, 1);
	/* bad pointers and fds */
	ck_assert_int_eq(sys_read(fd, (char *)BAD, 1), -EFAULT);
	ck_assert_int_eq(sys_write(fd, (char *)BAD, 1), -EFAULT);
	ck_assert_int_eq(sys_read(fd, (char *)0xffff800000000000UL, 1),
			 -EFAULT);
	ck_assert_int_eq(sys_fstat(fd, (void *)BAD), -EFAULT);
	ck_assert_int_eq(sys_open((char *)BAD, O_RDONLY, 0), -EFAULT);
	ck_assert_int_eq(sys_stat((char *)BAD, (void *)st), -EFAULT);
	ck_assert_int_eq(sys_stat(ustr("/f"), (void *)BAD), -EFAULT);
	ck_assert_int_eq(sys_read(99, (char *)buf, 1), -EBADF);
	ck_assert_int_eq(sys_read(-1U, (char *)buf, 1), -EBADF);
	ck_assert_int_eq(sys_lseek(99, 0, 0), -EBADF);
	ck_assert_int_eq(sys_read(fd, (char *)buf, -1UL), -EFAULT);
	ck_assert_int_eq(sys_open(ustr(""), O_RDONLY, 0), -ENOENT);
	ck_assert_int_eq(sys_close(fd), 0);
	ck_assert_int_eq(sys_close(fd), -EBADF);
	/* stat through a symlink vs lstat */
	ck_assert_int_eq(vfs_symlinkat("/f", NULL, "/l", NULL), 0);
	ck_assert_int_eq(sys_stat(ustr("/l"), (void *)st), 0);
	uget(&s, st, sizeof(s));
	ck_assert(S_ISREG(s.st_mode));
	ck_assert_int_eq(sys_lstat(ustr("/l"), (void *)st), 0);
	uget(&s, st, sizeof(s));
	ck_assert(S_ISLNK(s.st_mode));
	ck_assert_int_eq(s.st_size, 2);
	ck_assert_int_eq(sys_stat(ustr("/dev/console"), (void *)st), 0);
	uget(&s, st, sizeof(s));
	ck_assert_uint_eq(s.st_rdev, 0x501);
}
END_TEST

START_TEST(test_sysfs_path_limits)
{
	char *p = malloc(PATH_MAX + 1);
	unsigned long up = ualloc(PATH_MAX + 1);

	memset(p, 'a', PATH_MAX);
	p[0] = '/';
	p[PATH_MAX] = 0; /* 4096 bytes + NUL: too long */
	ck_assert_int_eq(copy_to_user((void *)up, p, PATH_MAX + 1), 0);
	ck_assert_int_eq(sys_open((char *)up, O_RDONLY, 0), -ENAMETOOLONG);
	p[300] = 0; /* one component of 299 */
	ck_assert_int_eq(copy_to_user((void *)up, p, 301), 0);
	ck_assert_int_eq(sys_open((char *)up, O_RDONLY, 0), -ENAMETOOLONG);
	free(p);
}
END_TEST

START_TEST(test_sysfs_statx_newfstatat)
{
	unsigned long sx = ualloc(sizeof(struct statx));
	unsigned long st = ualloc(sizeof(struct stat));
	struct statx x;
	struct stat s;
	long fd;

	t_mkfile("/g", "12345");
	ck_assert_int_eq(sys_statx(AT_FDCWD, ustr("/g"), 0, STATX_BASIC_STATS,
				   (void *)sx),
			 0);
	uget(&x, sx, sizeof(x));
	ck_assert_uint_eq(x.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
	ck_assert_uint_eq(x.stx_size, 5);
	ck_assert_uint_eq(x.stx_mode, S_IFREG | 0644);
	ck_assert_uint_eq(x.stx_blksize, 4096);
	ck_assert_int_eq(
		sys_statx(AT_FDCWD, ustr("/g"), 0, STATX__RESERVED, (void *)sx),
		-EINVAL);
	ck_assert_int_eq(sys_statx(AT_FDCWD, ustr("/g"), 0x6000, 0, (void *)sx),
			 -EINVAL);
	ck_assert_int_eq(
		sys_statx(AT_FDCWD, ustr("/g"), 0x10000, 0, (void *)sx),
		-EINVAL);
	ck_assert_int_eq(
		sys_statx(AT_FDCWD, ustr("/dev/console"), 0, 0, (void *)sx), 0);
	uget(&x, sx, sizeof(x));
	ck_assert_uint_eq(x.stx_rdev_major, 5);
	ck_assert_uint_eq(x.stx_rdev_minor, 1);
	fd = sys_open(ustr("/g"), O_RDONLY, 0);
	ck_assert_int_eq(
		sys_newfstatat(fd, ustr(""), (void *)st, AT_EMPTY_PATH), 0);
	uget(&s, st, sizeof(s));
	ck_assert_int_eq(s.st_size, 5);
	ck_assert_int_eq(sys_newfstatat(fd, ustr(""), (void *)st, 0), -ENOENT);
	ck_assert_int_eq(sys_newfstatat(fd, ustr("x"), (void *)st, 0),
			 -ENOTDIR);
	ck_assert_int_eq(sys_newfstatat(77, ustr("x"), (void *)st, 0), -EBADF);
	ck_assert_int_eq(sys_newfstatat(77, ustr("/g"), (void *)st, 0), 0);
	ck_assert_int_eq(sys_newfstatat(AT_FDCWD, ustr("/g"), (void *)st, 1),
			 -EINVAL);
}
END_TEST

START_TEST(test_sysfs_dirs_links_access_cwd)
{
	unsigned long buf = ualloc(512);
	char k[512];
	long fd, n;

	ck_assert_int_eq(vfs_mkdirat(NULL, "/d", 0755, NULL), 0);
	t_mkfile("/d/file", "x");
	ck_assert_int_eq(vfs_symlinkat("file", NULL, "/d/sym", NULL), 0);
	fd = sys_open(ustr("/d"), O_RDONLY | O_DIRECTORY, 0);
	ck_assert_int_ge(fd, 0);
	n = sys_getdents64(fd, (void *)buf, 512);
	ck_assert_int_eq(n, 4 * 24);
	uget(k, buf, (size_t)n);
	ck_assert_str_eq(((struct linux_dirent64 *)(k + 48))->d_name, "file");
	ck_assert_int_eq(sys_getdents64(fd, (void *)buf, 512), 0);
	ck_assert_int_eq(sys_getdents64(fd, (void *)BAD, 512), 0); /* EOF */
	ck_assert_int_eq(sys_lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(sys_getdents64(fd, (void *)BAD, 512), -EFAULT);
	ck_assert_int_eq(sys_read(fd, (char *)buf, 1), -EISDIR);
	/* readlink */
	ck_assert_int_eq(sys_readlink(ustr("/d/sym"), (char *)buf, 100), 4);
	ck_assert_int_eq(sys_readlink(ustr("/d/sym"), (char *)buf, 0), -EINVAL);
	ck_assert_int_eq(sys_readlink(ustr("/d/file"), (char *)buf, 10),
			 -EINVAL);
	ck_assert_int_eq(sys_readlink(ustr(""), (char *)buf, 10), -ENOENT);
	ck_assert_int_eq(sys_readlinkat(fd, ustr("sym"), (char *)buf, 2), 2);
	ck_assert_int_eq(sys_readlink(ustr("/d/sym"), (char *)BAD, 10),
			 -EFAULT);
	/* access: root, X needs an x bit on files */
	ck_assert_int_eq(sys_access(ustr("/d/file"), F_OK), 0);
	ck_assert_int_eq(sys_access(ustr("/d/file"), R_OK | W_OK), 0);
	ck_assert_int_eq(sys_access(ustr("/d/file"), X_OK), -EACCES);
	ck_assert_int_eq(sys_access(ustr("/d"), X_OK), 0);
	ck_assert_int_eq(sys_access(ustr("/d/file/"), F_OK), -ENOTDIR);
	ck_assert_int_eq(sys_faccessat(AT_FDCWD, ustr("/d/file"), 8), -EINVAL);
	ck_assert_int_eq(sys_faccessat2(fd, ustr("file"), R_OK, 0x8000),
			 -EINVAL);
	/* a non-root caller */
	tproc.cred.uid = tproc.cred.fsuid = 1000;
	ck_assert_int_eq(sys_access(ustr("/d/file"), W_OK), -EACCES);
	ck_assert_int_eq(sys_access(ustr("/d/file"), R_OK), 0);
	tproc.cred.uid = tproc.cred.fsuid = 0;
	/* cwd */
	ck_assert_int_eq(sys_getcwd((char *)buf, 100), 2);
	ck_assert_int_eq(sys_chdir(ustr("/d/file")), -ENOTDIR);
	ck_assert_int_eq(sys_chdir(ustr("/d")), 0);
	ck_assert_int_eq(sys_getcwd((char *)buf, 100), 3);
	uget(k, buf, 3);
	ck_assert_str_eq(k, "/d");
	ck_assert_int_eq(sys_getcwd((char *)buf, 2), -ERANGE);
	ck_assert_int_eq(sys_getcwd((char *)BAD, 100), -EFAULT);
	ck_assert_int_eq(sys_access(ustr("file"), F_OK), 0);
	ck_assert_int_eq(sys_chdir(ustr("..")), 0);
	ck_assert_int_eq(sys_fchdir(fd), 0);
	ck_assert_int_eq(sys_access(ustr("sym"), F_OK), 0);
	ck_assert_int_eq(sys_fchdir(55), -EBADF);
	fs_info_put(tut.fs);
	tut.fs = fs_info_create(vfs_root(), vfs_root(), 022);
}
END_TEST

START_TEST(test_sysfs_fcntl_dup)
{
	long fd = sys_open(ustr("/dev/null"), O_RDWR | O_CLOEXEC, 0), fd2;

	ck_assert_int_eq(fd, 0);
	ck_assert_int_eq(sys_fcntl(fd, F_GETFD, 0), FD_CLOEXEC);
	ck_assert_int_eq(sys_fcntl(fd, F_GETFL, 0), O_RDWR | O_LARGEFILE);
	ck_assert_int_eq(sys_fcntl(fd, F_SETFL,
				   O_WRONLY | O_APPEND | O_NONBLOCK | O_TRUNC),
			 0);
	ck_assert_int_eq(sys_fcntl(fd, F_GETFL, 0),
			 O_RDWR | O_LARGEFILE | O_APPEND | O_NONBLOCK);
	ck_assert_int_eq(sys_fcntl(fd, F_SETFD, 0), 0);
	ck_assert_int_eq(sys_fcntl(fd, F_GETFD, 0), 0);
	ck_assert_int_eq(sys_fcntl(fd, F_DUPFD, 10), 10);
	ck_assert_int_eq(sys_fcntl(fd, F_DUPFD_CLOEXEC, 10), 11);
	ck_assert_int_eq(sys_fcntl(11, F_GETFD, 0), FD_CLOEXEC);
	ck_assert_int_eq(sys_fcntl(fd, F_DUPFD, -1UL), -EINVAL);
	ck_assert_int_eq(sys_fcntl(fd, F_DUPFD, 1024), -EINVAL);
	ck_assert_int_eq(sys_fcntl(fd, 9999, 0), -EINVAL);
	ck_assert_int_eq(sys_fcntl(42, F_GETFD, 0), -EBADF);
	ck_assert_int_eq(sys_dup(fd), 1);
	ck_assert_int_eq(sys_dup2(fd, fd), fd);
	ck_assert_int_eq(sys_dup3(fd, fd, 0), -EINVAL);
	ck_assert_int_eq(sys_dup3(fd, 7, O_NONBLOCK), -EINVAL);
	ck_assert_int_eq(sys_dup2(fd, 100000), -EBADF);
	ck_assert_int_eq(sys_dup2(99, 5), -EBADF);
	ck_assert_int_eq(sys_dup3(fd, 7, O_CLOEXEC), 7);
	ck_assert_int_eq(sys_fcntl(7, F_GETFD, 0), FD_CLOEXEC);
	fd2 = sys_open(ustr("/"), O_PATH, 0);
	ck_assert_int_eq(fd2, 2);
	ck_assert_int_eq(sys_fcntl(fd2, F_GETFL, 0), O_PATH);
	ck_assert_int_eq(sys_fcntl(fd2, F_SETFL, O_NONBLOCK), -EBADF);
	ck_assert_int_eq(sys_read(fd2, (char *)U, 1), -EBADF);
	/* RLIMIT_NOFILE follows the process's limit */
	tproc.rlim[RLIMIT_NOFILE].rlim_cur = 12;
	ck_assert_int_eq(sys_dup(fd), 3);
	ck_assert_int_eq(sys_fcntl(fd, F_DUPFD, 8), 8);
	ck_assert_int_eq(sys_fcntl(fd, F_DUPFD, 9), 9);
	ck_assert_int_eq(sys_dup(fd), 4);
	ck_assert_int_eq(sys_dup(fd), 5);
	ck_assert_int_eq(sys_dup(fd), 6);
	ck_assert_int_eq(sys_dup(fd), -EMFILE);
	ck_assert_int_eq(sys_open(ustr("/dev/null"), O_RDONLY, 0), -EMFILE);
	fdtable_close_on_exec(tut.fdt);
	ck_assert_int_eq(sys_close(7), -EBADF);
	ck_assert_int_eq(sys_close(11), -EBADF);
	ck_assert_int_eq(sys_close(10), 0);
}
END_TEST

START_TEST(test_sysfs_ioctl_tty)
{
	unsigned long t = ualloc(sizeof(struct termios));
	unsigned long w = ualloc(sizeof(struct winsize));
	unsigned long iv = ualloc(sizeof(int));
	struct termios tio;
	struct winsize ws;
	long con = sys_open(ustr("/dev/console"), O_RDWR, 0);
	long nul = sys_open(ustr("/dev/null"), O_RDWR, 0);
	long reg = sys_open(ustr("/r"), O_RDWR | O_CREAT, 0600);
	int one = 1;

	ck_assert_uint_eq(sizeof(struct termios), 36);
	ck_assert_int_eq(sys_ioctl(con, TCGETS, t), 0);
	uget(&tio, t, sizeof(tio));
	ck_assert(tio.c_lflag & ICANON);
	ck_assert(tio.c_lflag & ECHO);
	ck_assert_int_eq(tio.c_cc[VMIN], 1);
	ck_assert_int_eq(sys_ioctl(con, TIOCGWINSZ, w), 0);
	uget(&ws, w, sizeof(ws));
	/* Linux's serial console: no size until someone sets one */
	ck_assert_int_eq(ws.ws_row, 0);
	ck_assert_int_eq(ws.ws_col, 0);
	ck_assert_int_eq(sys_ioctl(con, TCGETS, BAD), -EFAULT);
	/* raw mode is remembered */
	tio.c_lflag &= ~(unsigned int)(ICANON | ECHO);
	ck_assert_int_eq(copy_to_user((void *)t, &tio, sizeof(tio)), 0);
	ck_assert_int_eq(sys_ioctl(con, TCSETS, t), 0);
	ck_assert_int_eq(clear_user((void *)t, sizeof(tio)), 0);
	ck_assert_int_eq(sys_ioctl(con, TCGETS, t), 0);
	uget(&tio, t, sizeof(tio));
	ck_assert(!(tio.c_lflag & ICANON));
	ck_assert_int_eq(sys_ioctl(nul, TCGETS, t), -ENOTTY);
	ck_assert_int_eq(sys_ioctl(nul, TIOCGWINSZ, w), -ENOTTY);
	ck_assert_int_eq(sys_ioctl(reg, TCGETS, t), -ENOTTY);
	ck_assert_int_eq(sys_ioctl(reg, 0x1234, t), -ENOTTY);
	ck_assert_int_eq(sys_ioctl(99, TCGETS, t), -EBADF);
	ck_assert_int_eq(sys_ioctl(reg, FIOCLEX, 0), 0);
	ck_assert_int_eq(sys_fcntl(reg, F_GETFD, 0), FD_CLOEXEC);
	ck_assert_int_eq(copy_to_user((void *)iv, &one, sizeof(one)), 0);
	ck_assert_int_eq(sys_ioctl(nul, FIONBIO, iv), 0);
	ck_assert(sys_fcntl(nul, F_GETFL, 0) & O_NONBLOCK);
	/* console: a stream */
	ck_assert_int_eq(sys_lseek(con, 0, SEEK_SET), -ESPIPE);
	ck_assert_int_eq(sys_pread64(con, (char *)t, 1, 0), -ESPIPE);
}
END_TEST

START_TEST(test_sysfs_readv_writev)
{
	unsigned long iov = ualloc(3 * sizeof(struct iovec));
	unsigned long a = ualloc(8), b = ualloc(8);
	struct iovec v[3] = { { (void *)a, 3 }, { NULL, 0 }, { (void *)b, 4 } };
	long fd = sys_open(ustr("/v"), O_RDWR | O_CREAT, 0600);
	char k[8];

	ck_assert_int_eq(copy_to_user((void *)a, "abc", 3), 0);
	ck_assert_int_eq(copy_to_user((void *)b, "defg", 4), 0);
	ck_assert_int_eq(copy_to_user((void *)iov, v, sizeof(v)), 0);
	ck_assert_int_eq(sys_writev(fd, (void *)iov, 3), 7);
	ck_assert_int_eq(sys_lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(clear_user((void *)a, 8), 0);
	ck_assert_int_eq(clear_user((void *)b, 8), 0);
	v[0].iov_len = 2;
	ck_assert_int_eq(copy_to_user((void *)iov, v, sizeof(v)), 0);
	ck_assert_int_eq(sys_readv(fd, (void *)iov, 3), 6);
	uget(k, b, 4);
	ck_assert_int_eq(memcmp(k, "cdef", 4), 0);
	ck_assert_int_eq(sys_readv(fd, (void *)iov, 1025), -EINVAL);
	ck_assert_int_eq(sys_readv(fd, (void *)iov, -1UL), -EINVAL);
	ck_assert_int_eq(sys_readv(fd, (void *)iov, 0), 0);
	ck_assert_int_eq(sys_readv(fd, (void *)BAD, 1), -EFAULT);
	ck_assert_int_eq(sys_readv(44, (void *)iov, 1), -EBADF);
	v[1].iov_len = (size_t)-5;
	ck_assert_int_eq(copy_to_user((void *)iov, v, sizeof(v)), 0);
	ck_assert_int_eq(sys_writev(fd, (void *)iov, 3), -EINVAL);
}
END_TEST

#define PG 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define UEND (U + ULEN) /* the first unmapped page after the buffer */

START_TEST(test_sysfs_partial_transfers)
{
	unsigned long iov = ualloc(2 * sizeof(struct iovec));
	unsigned long a = ualloc(8), edge = UEND - 100;
	struct iovec v[2] = { { (void *)a, 4 }, { (void *)BAD, 8 } };
	long fd = sys_open(ustr("/pt"), O_RDWR | O_CREAT, 0600);
	long z = sys_open(ustr("/dev/zero"), O_RDONLY, 0);
	char k[200];

	for (int i = 0; i < 200; i++)
		k[i] = (char)i;
	ck_assert_int_eq(copy_to_user((void *)(UEND - 200), k, 200), 0);
	/* A write from a buffer running into a hole: the good part. */
	ck_assert_int_eq(sys_write(fd, (char *)(UEND - 200), 300), 200);
	ck_assert_int_eq(sys_lseek(fd, 0, SEEK_CUR), 200);
	ck_assert_int_eq(sys_write(fd, (char *)BAD, 4), -EFAULT);
	/* Reads likewise, and the position moves by what was read. */
	ck_assert_int_eq(sys_lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(sys_read(fd, (char *)edge, 200), 100);
	ck_assert_int_eq(sys_lseek(fd, 0, SEEK_CUR), 100);
	ck_assert_int_eq(sys_pread64(fd, (char *)edge, 200, 0), 100);
	ck_assert_int_eq(sys_read(z, (char *)edge, 200), 100);
	ck_assert_int_eq(sys_getrandom((void *)edge, 200, 0), 100);
	ck_assert_int_eq(sys_getrandom((void *)BAD, 200, 0), -EFAULT);
	/* readv/writev: a bad second vector keeps the first's bytes. */
	ck_assert_int_eq(copy_to_user((void *)iov, v, sizeof(v)), 0);
	ck_assert_int_eq(sys_lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(sys_readv(fd, (void *)iov, 2), 4);
	ck_assert_int_eq(sys_lseek(fd, 0, SEEK_CUR), 4);
	uget(k, a, 4);
	ck_assert_int_eq(memcmp(k, "\0\1\2\3", 4), 0);
	ck_assert_int_eq(sys_writev(fd, (void *)iov, 2), 4);
	ck_assert_int_eq(sys_lseek(fd, 0, SEEK_CUR), 8);
	v[0].iov_base = (void *)BAD;
	ck_assert_int_eq(copy_to_user((void *)iov, v, sizeof(v)), 0);
	ck_assert_int_eq(sys_readv(fd, (void *)iov, 2), -EFAULT);
	ck_assert_int_eq(sys_writev(fd, (void *)iov, 2), -EFAULT);
	ck_assert_int_eq(sys_lseek(fd, 0, SEEK_CUR), 8);
}
END_TEST

START_TEST(test_sysfs_fionread)
{
	unsigned long iv = ualloc(sizeof(int));
	long fd = sys_open(ustr("/fr"), O_RDWR | O_CREAT, 0600);
	long d = sys_open(ustr("/"), O_RDONLY | O_DIRECTORY, 0);
	long n = sys_open(ustr("/dev/null"), O_RDONLY, 0);
	long p = sys_open(ustr("/fr"), O_PATH, 0);
	int avail;

	ck_assert_int_eq(sys_write(fd, ustr("0123456789abcdef"), 16), 16);
	ck_assert_int_eq(sys_lseek(fd, 4, SEEK_SET), 4);
	ck_assert_int_eq(sys_ioctl(fd, FIONREAD, iv), 0);
	uget(&avail, iv, sizeof(avail));
	ck_assert_int_eq(avail, 12);
	ck_assert_int_eq(sys_ioctl(fd, FIONREAD, BAD), -EFAULT);
	ck_assert_int_eq(sys_ioctl(d, FIONREAD, iv), -ENOTTY);
	ck_assert_int_eq(sys_ioctl(n, FIONREAD, iv), -ENOTTY);
	ck_assert_int_eq(sys_ioctl(p, FIONREAD, iv), -EBADF);
}
END_TEST

START_TEST(test_sysfs_mmap_files)
{
	long fd = sys_open(ustr("/mm"), O_RDWR | O_CREAT, 0600);
	long ro = sys_open(ustr("/mm"), O_RDONLY, 0);
	long wo = sys_open(ustr("/mm"), O_WRONLY, 0);
	long d = sys_open(ustr("/"), O_RDONLY | O_DIRECTORY, 0);
	long nul = sys_open(ustr("/dev/null"), O_RDWR, 0);
	long zero = sys_open(ustr("/dev/zero"), O_RDWR, 0);
	long path = sys_open(ustr("/mm"), O_PATH, 0);
	unsigned long buf = ualloc(16);
	long s, q, z;
	char k[8];

	ck_assert_int_eq(sys_write(fd, ustr("0123456789abcdef"), 16), 16);
	/* Linux's order: access mode, then "cannot map", then flags. */
	ck_assert_int_eq(sys_mmap(0, PG, PROT_READ, MAP_PRIVATE, d, 0),
			 -ENODEV);
	ck_assert_int_eq(sys_mmap(0, PG, PROT_READ, MAP_SHARED, nul, 0),
			 -ENODEV);
	ck_assert_int_eq(sys_mmap(0, PG, PROT_READ, MAP_PRIVATE, wo, 0),
			 -EACCES);
	ck_assert_int_eq(sys_mmap(0, PG, RW, MAP_SHARED, ro, 0), -EACCES);
	ck_assert_int_eq(sys_mmap(0, PG, PROT_READ, MAP_PRIVATE, path, 0),
			 -EBADF);
	ck_assert_int_eq(
		sys_mmap(0, PG, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, fd, 0),
		-EINVAL);
	/* Shared: stores are file data, writes show through. */
	s = sys_mmap(0, PG, RW, MAP_SHARED, fd, 0);
	ck_assert_int_gt(s, 0);
	ck_assert_int_eq(copy_to_user((void *)(s + 3), "X", 1), 0);
	ck_assert_int_eq(sys_pread64(fd, (char *)buf, 4, 0), 4);
	uget(k, buf, 4);
	ck_assert_int_eq(memcmp(k, "012X", 4), 0);
	ck_assert_int_eq(sys_pwrite64(fd, ustr("Y"), 1, 5), 1);
	uget(k, s + 5, 1);
	ck_assert_int_eq(k[0], 'Y');
	/* Private: sees the file until it writes a page. */
	q = sys_mmap(0, PG, RW, MAP_PRIVATE, fd, 0);
	ck_assert_int_gt(q, 0);
	uget(k, q, 4);
	ck_assert_int_eq(memcmp(k, "012X", 4), 0);
	ck_assert_int_eq(sys_pwrite64(fd, ustr("P"), 1, 0), 1);
	uget(k, q, 1);
	ck_assert_int_eq(k[0], 'P');
	ck_assert_int_eq(copy_to_user((void *)(q + 1), "W", 1), 0);
	ck_assert_int_eq(sys_pwrite64(fd, ustr("R"), 1, 2), 1);
	uget(k, q, 4);
	ck_assert_int_eq(memcmp(k, "PW2X", 4), 0);
	uget(k, s, 4);
	ck_assert_int_eq(memcmp(k, "P1RX", 4), 0);
	ck_assert_int_eq(sys_munmap(q, PG), 0);
	/* The shared mapping's stores survive munmap. */
	ck_assert_int_eq(sys_munmap(s, PG), 0);
	ck_assert_int_eq(sys_pread64(fd, (char *)buf, 4, 0), 4);
	uget(k, buf, 4);
	ck_assert_int_eq(memcmp(k, "P1RX", 4), 0);
	/* Read-only shared: mapped, but never writable. */
	s = sys_mmap(0, PG, PROT_READ, MAP_SHARED, ro, 0);
	ck_assert_int_gt(s, 0);
	ck_assert_int_eq(sys_mprotect(s, PG, RW), -EACCES);
	ck_assert_int_eq(copy_to_user((void *)s, "!", 1), -EFAULT);
	ck_assert_int_eq(sys_munmap(s, PG), 0);
	/* /dev/zero: anonymous memory, shared or private. */
	z = sys_mmap(0, 2 * PG, RW, MAP_SHARED, zero, 0);
	ck_assert_int_gt(z, 0);
	ck_assert_int_eq(copy_to_user((void *)(z + PG), "a", 1), 0);
	uget(k, z, 1);
	ck_assert_int_eq(k[0], 0);
	ck_assert_int_eq(sys_munmap(z, 2 * PG), 0);
	ck_assert_int_gt(sys_mmap(0, PG, RW, MAP_PRIVATE, zero, 0), 0);
}
END_TEST

/* A system call as user space makes it: the number and six registers. */
static long dispatch(unsigned long nr, unsigned long a0, unsigned long a1,
		     unsigned long a2, unsigned long a3, unsigned long a4,
		     unsigned long a5)
{
	struct uregs r;

	memset(&r, 0, sizeof(r));
	r.orig_rax = nr;
	r.rdi = a0;
	r.rsi = a1;
	r.rdx = a2;
	r.r10 = a3;
	r.r8 = a4;
	r.r9 = a5;
	return syscall_dispatch(&r);
}

/* The text of the kernel log's last record ("<5>[time] " cut off). */
static const char *last_log(void)
{
	static char ring[256 * 1024];
	size_t len = kos_log_read(ring, sizeof(ring));
	char *p;

	ck_assert_uint_gt(len, 0);
	ring[len - 1] = 0; /* the last newline */
	p = strrchr(ring, '\n');
	p = strstr(p ? p : ring, "] ");
	ck_assert_ptr_nonnull(p);
	return p + 2;
}

/*
 * Through the dispatcher: each register is converted to the type of its
 * argument (32-bit ones ignore their upper half, as on Linux; 64-bit ones
 * stay whole), and debug=syscall traces the call as the handler saw it.
 */
START_TEST(test_sysfs_dispatch_widths_and_trace)
{
	unsigned long hi = 0xffffffff00000000UL,
		      st = ualloc(sizeof(struct stat));
	unsigned long odd = (unsigned long)ustr("a\"b\n");
	struct stat s;
	char want[128];
	long fd;

	ck_assert_int_eq(cmdline_parse(&kos_cmdline, "debug=syscall"), 0);
	fd = dispatch(__NR_openat, hi | (uint32_t)AT_FDCWD,
		      (unsigned long)ustr("/n"), hi | O_CREAT | O_RDWR,
		      hi | 0644, 7, 8);
	ck_assert_int_ge(fd, 0);
	snprintf(want, sizeof(want),
		 "[1] openat(AT_FDCWD, \"/n\", 0x42, 0644) = %ld", fd);
	ck_assert_str_eq(last_log(), want);
	ck_assert_int_eq(sys_fstat(fd, (void *)st), 0);
	uget(&s, st, sizeof(s));
	ck_assert_uint_eq(s.st_mode & 07777, 0644);

	/* unsigned int: ioctl's command is not sign-extended */
	ck_assert_int_eq(
		dispatch(__NR_ioctl, hi | fd, hi | FIOCLEX, 0, 0, 0, 0), 0);
	ck_assert_int_eq(sys_fcntl(fd, F_GETFD, 0), FD_CLOEXEC);
	snprintf(want, sizeof(want), "[1] ioctl(%ld, 0x5451, NULL) = 0", fd);
	ck_assert_str_eq(last_log(), want);
	ck_assert_int_eq(
		dispatch(__NR_getrlimit, hi | RLIMIT_NOFILE, st, 0, 0, 0, 0),
		0);
	/* int: bit 31 is the sign */
	ck_assert_int_eq(
		dispatch(__NR_rt_sigaction, hi | SIGINT, 0, 0, 8, 0, 0), 0);
	ck_assert_str_eq(last_log(), "[1] rt_sigaction(2, NULL, NULL, 8) = 0");
	ck_assert_int_eq(
		dispatch(__NR_rt_sigaction, 0x180000000UL, 0, 0, 8, 0, 0),
		-EINVAL);
	ck_assert_str_eq(last_log(), "[1] rt_sigaction(-2147483648, NULL, "
				     "NULL, 8) = -1 (errno 22)");
	ck_assert_int_eq(dispatch(__NR_close, hi | 0xffffffffUL, 0, 0, 0, 0, 0),
			 -EBADF);
	ck_assert_str_eq(last_log(), "[1] close(-1) = -1 (errno 9)");

	/* 64-bit arguments keep their upper half */
	ck_assert_int_eq(
		dispatch(__NR_lseek, fd, 1UL << 32, hi | SEEK_SET, 0, 0, 0),
		1L << 32);
	snprintf(want, sizeof(want),
		 "[1] lseek(%ld, 4294967296, 0) = 0x100000000", fd);
	ck_assert_str_eq(last_log(), want);
	ck_assert_int_eq(dispatch(__NR_pread64, fd, 0, 0, -1UL, 0, 0), -EINVAL);
	snprintf(want, sizeof(want),
		 "[1] pread64(%ld, NULL, 0, -1) = -1 (errno 22)", fd);
	ck_assert_str_eq(last_log(), want);

	/* strings: escaped like strace; a bad pointer in hex */
	ck_assert_int_eq(dispatch(__NR_access, odd, 4, 0, 0, 0, 0), -ENOENT);
	ck_assert_str_eq(last_log(),
			 "[1] access(\"a\\\"b\\n\", 04) = -1 (errno 2)");
	ck_assert_int_eq(dispatch(__NR_chdir, BAD, 0, 0, 0, 0, 0), -EFAULT);
	ck_assert_str_eq(last_log(), "[1] chdir(0x1000) = -1 (errno 14)");

	/* the number is 32 bits too; numbers without a handler: ENOSYS */
	ck_assert_int_eq(dispatch(hi | __NR_getpid, 0, 0, 0, 0, 0, 0), 1);
	ck_assert_str_eq(last_log(), "[1] getpid() = 1");
	ck_assert_int_eq(dispatch(__NR_acct, 1, 2, 3, 4, 5, 6), -ENOSYS);
	ck_assert_str_eq(last_log(), "[1] acct(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) "
				     "= -1 (errno 38)");
	ck_assert_int_eq(cmdline_parse(&kos_cmdline, ""), 0);
}
END_TEST

/*
 * Found by check/guest/fuzz.c against Linux: each call reports the error
 * Linux reports first.
 */
START_TEST(test_sysfs_linux_arg_order)
{
	unsigned long kern = 0xffff800000000000UL, buf = ualloc(64);
	unsigned long rl = ualloc(16), big = 0x7ffffffffffffff0UL;
	long fd, dir;

	/* prlimit64: EFAULT, then ESRCH, then EINVAL; setrlimit(NULL). */
	ck_assert_int_eq(sys_prlimit64(-5, 99, (void *)BAD, NULL), -EFAULT);
	ck_assert_int_eq(sys_prlimit64(-5, 99, (void *)rl, NULL), -ESRCH);
	ck_assert_int_eq(sys_prlimit64(0, 99, (void *)rl, NULL), -EINVAL);
	ck_assert_int_eq(sys_setrlimit(99, (void *)BAD), -EFAULT);
	ck_assert_int_eq(sys_setrlimit(RLIMIT_NOFILE, NULL), -EFAULT);
	/* rt_sigaction reads act before it judges the signal. */
	ck_assert_int_eq(sys_rt_sigaction(0, (void *)BAD, NULL, 8), -EFAULT);
	ck_assert_int_eq(sys_rt_sigaction(0, NULL, NULL, 8), -EINVAL);

	fd = sys_openat(AT_FDCWD, ustr("/w"), O_CREAT | O_RDWR, 0666);
	ck_assert_int_ge(fd, 0);
	/* pread/pwrite: a negative offset first; no range past INT64_MAX. */
	ck_assert_int_eq(sys_pread64(99, (char *)buf, 1, -1), -EINVAL);
	ck_assert_int_eq(sys_pwrite64(fd, (char *)buf, 100, (long)big),
			 -EINVAL);
	ck_assert_int_eq(sys_lseek(fd, (long)big, SEEK_SET), (long)big);
	ck_assert_int_eq(sys_write(fd, (char *)buf, 100), -EINVAL);
	ck_assert_int_eq(sys_read(fd, (char *)kern, -1UL), -EFAULT);
	/* getdents64 checks no range up front. */
	ck_assert_int_eq(sys_getdents64(fd, (void *)kern, 100), -ENOTDIR);
	dir = sys_openat(AT_FDCWD, ustr("/"), O_RDONLY | O_DIRECTORY, 0);
	ck_assert_int_ge(dir, 0);
	ck_assert_int_eq(sys_getdents64(dir, (void *)kern, 100), -EFAULT);
	while (sys_getdents64(dir, (void *)buf, 64) > 0)
		; /* to the end */
	ck_assert_int_eq(sys_getdents64(dir, (void *)kern, 100), 0);
	/* O_TMPFILE needs O_DIRECTORY and write access; O_PATH drops it. */
	ck_assert_int_eq(
		sys_openat(AT_FDCWD, ustr("/"), O_RDWR | __O_TMPFILE, 0600),
		-EINVAL);
	ck_assert_int_eq(
		sys_openat(AT_FDCWD, ustr("/"), O_RDONLY | O_TMPFILE, 0600),
		-EINVAL);
	fd = sys_openat(AT_FDCWD, ustr("/"), O_RDWR | O_TMPFILE, 0600);
	ck_assert_int_ge(fd, 0); /* an unnamed file on the root tmpfs */
	sys_close(fd);
	ck_assert_int_ge(sys_openat(AT_FDCWD, ustr("/"), O_PATH | O_TMPFILE, 0),
			 0);
	/* O_DIRECT: regular files only. */
	ck_assert_int_eq(
		sys_openat(AT_FDCWD, ustr("/"), O_RDONLY | O_DIRECT, 0),
		-EINVAL);
	ck_assert_int_ge(
		sys_openat(AT_FDCWD, ustr("/w"), O_RDONLY | O_DIRECT, 0), 0);
}
END_TEST

Suite *sysfs_suite(void)
{
	Suite *s = suite_create("sysfs");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, sys_setup, sys_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_sysfs_open_rw_stat);
	tcase_add_test(tc, test_sysfs_path_limits);
	tcase_add_test(tc, test_sysfs_statx_newfstatat);
	tcase_add_test(tc, test_sysfs_dirs_links_access_cwd);
	tcase_add_test(tc, test_sysfs_fcntl_dup);
	tcase_add_test(tc, test_sysfs_ioctl_tty);
	tcase_add_test(tc, test_sysfs_readv_writev);
	tcase_add_test(tc, test_sysfs_partial_transfers);
	tcase_add_test(tc, test_sysfs_fionread);
	tcase_add_test(tc, test_sysfs_mmap_files);
	tcase_add_test(tc, test_sysfs_dispatch_widths_and_trace);
	tcase_add_test(tc, test_sysfs_linux_arg_order);
	suite_add_tcase(s, tc);
	return s;
}
