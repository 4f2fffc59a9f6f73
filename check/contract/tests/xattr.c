/*
 * Extended attributes on tmpfs: the twelve calls (set/get/list/remove,
 * each by path, by path without following a symlink, and by fd), the
 * XATTR_CREATE/XATTR_REPLACE rules, sizes (0 asks for the length,
 * ERANGE when the buffer is short, E2BIG past 64 KiB), names (empty or
 * over 255 bytes: ERANGE; a bare prefix: EINVAL; namespaces tmpfs does
 * not have: EOPNOTSUPP), the order of errors (flags and name before the
 * path, the fd before anything), the list in Linux's order, ctime, and
 * the permission rules as uid 1000 (user.* needs write/read permission
 * and a regular file or directory, the sticky-directory rule, trusted.*
 * hidden and refused, security.* needing no file permission but
 * CAP_SYS_ADMIN to change).
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "proclib.h"

#define CONTRACT_AREA "xattr"

#define XD "/tmp/xattr"
#define XF XD "/f"
#define XCREATE 1
#define XREPLACE 2

static long sx(const char *p, const char *n, const void *v, size_t s, int fl)
{
	return syscall(SYS_setxattr, p, n, v, s, fl);
}

static long lsx(const char *p, const char *n, const void *v, size_t s, int fl)
{
	return syscall(SYS_lsetxattr, p, n, v, s, fl);
}

static long fsx(int fd, const char *n, const void *v, size_t s, int fl)
{
	return syscall(SYS_fsetxattr, fd, n, v, s, fl);
}

static long gx(const char *p, const char *n, void *v, size_t s)
{
	return syscall(SYS_getxattr, p, n, v, s);
}

static long lgx(const char *p, const char *n, void *v, size_t s)
{
	return syscall(SYS_lgetxattr, p, n, v, s);
}

static long fgx(int fd, const char *n, void *v, size_t s)
{
	return syscall(SYS_fgetxattr, fd, n, v, s);
}

static long lx(const char *p, void *v, size_t s)
{
	return syscall(SYS_listxattr, p, v, s);
}

static long llx(const char *p, void *v, size_t s)
{
	return syscall(SYS_llistxattr, p, v, s);
}

static long flx(int fd, void *v, size_t s)
{
	return syscall(SYS_flistxattr, fd, v, s);
}

static long rx(const char *p, const char *n)
{
	return syscall(SYS_removexattr, p, n);
}

static long lrx(const char *p, const char *n)
{
	return syscall(SYS_lremovexattr, p, n);
}

static long frx(int fd, const char *n)
{
	return syscall(SYS_fremovexattr, fd, n);
}

static void cleanup(void)
{
	unlink(XF);
	unlink(XD "/g");
	unlink(XD "/l");
	unlink(XD "/null");
	unlink(XD "/fifo");
	unlink(XD "/mine");
	rmdir(XD "/d");
	rmdir(XD "/w");
	rmdir(XD "/s");
	rmdir(XD "/o");
	rmdir(XD);
}

static void fresh(void)
{
	cleanup();
	EXPECT(mkdir(XD, 0755) == 0);
	EXPECT(close(open(XF, O_WRONLY | O_CREAT, 0644)) == 0);
	EXPECT(close(open(XD "/g", O_WRONLY | O_CREAT, 0600)) == 0);
	EXPECT(mkdir(XD "/d", 0755) == 0);
	EXPECT(symlink("f", XD "/l") == 0);
}

/* The NUL-separated list, printed with '|' for each NUL. */
static void show_list(const char *label, const char *buf, long n)
{
	char out[512];
	long i;

	if (n < 0 || n >= (long)sizeof(out)) {
		CHECK_EQ(label, n, 0);
		return;
	}
	for (i = 0; i < n; i++)
		out[i] = buf[i] ? buf[i] : '|';
	out[n] = 0;
	ct_say("%s: %s\n", label, out);
}

static long long ctime_ns(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return -1;
	return st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
}

static long long mtime_ns(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return -1;
	return st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

CONTRACT_TEST(basic)
{
	char buf[64];
	int fd;

	fresh();
	CHECK_RET("set user.a", sx(XF, "user.a", "hello", 5, 0), 0);
	CHECK_RET("get size", gx(XF, "user.a", NULL, 0), 5);
	memset(buf, 0, sizeof(buf));
	CHECK_RET("get", gx(XF, "user.a", buf, sizeof(buf)), 5);
	CHECK_STR("value", buf, "hello");
	CHECK_ERR("get short", gx(XF, "user.a", buf, 4), ERANGE);
	CHECK_RET("get exact", gx(XF, "user.a", buf, 5), 5);
	CHECK_ERR("create existing", sx(XF, "user.a", "x", 1, XCREATE), EEXIST);
	CHECK_ERR("replace missing", sx(XF, "user.b", "x", 1, XREPLACE),
		  ENODATA);
	CHECK_ERR("both, existing", sx(XF, "user.a", "x", 1, 3), EEXIST);
	CHECK_ERR("both, missing", sx(XF, "user.b", "x", 1, 3), ENODATA);
	CHECK_RET("replace", sx(XF, "user.a", "bye", 3, XREPLACE), 0);
	memset(buf, 0, sizeof(buf));
	CHECK_RET("get replaced", gx(XF, "user.a", buf, sizeof(buf)), 3);
	CHECK_STR("value", buf, "bye");
	CHECK_RET("create", sx(XF, "user.b", "", 0, XCREATE), 0);
	CHECK_RET("get empty", gx(XF, "user.b", buf, sizeof(buf)), 0);
	CHECK_RET("get empty size", gx(XF, "user.b", NULL, 0), 0);
	CHECK_RET("set NULL value size 0", sx(XF, "user.c", NULL, 0, 0), 0);
	CHECK_RET("get it", gx(XF, "user.c", buf, sizeof(buf)), 0);
	CHECK_ERR("get missing", gx(XF, "user.zz", buf, sizeof(buf)), ENODATA);
	CHECK_ERR("get missing size 0", gx(XF, "user.zz", NULL, 0), ENODATA);
	CHECK_RET("remove", rx(XF, "user.c"), 0);
	CHECK_ERR("remove again", rx(XF, "user.c"), ENODATA);
	CHECK_ERR("get removed", gx(XF, "user.c", buf, sizeof(buf)), ENODATA);

	fd = open(XF, O_RDONLY);
	CHECK_RET("fset (O_RDONLY fd)", fsx(fd, "user.f", "ff", 2, 0), 0);
	CHECK_RET("fget", fgx(fd, "user.f", buf, sizeof(buf)), 2);
	CHECK_RET("flist size", flx(fd, NULL, 0), 21);
	CHECK_RET("fremove", frx(fd, "user.f"), 0);
	CHECK_ERR("fremove again", frx(fd, "user.f"), ENODATA);
	close(fd);

	CHECK_RET("dir set", sx(XD "/d", "user.d", "dd", 2, 0), 0);
	CHECK_RET("dir get", gx(XD "/d", "user.d", buf, sizeof(buf)), 2);
	CHECK_RET("dir list", lx(XD "/d", buf, sizeof(buf)), 7);
	show_list("dir names", buf, 7);
	fd = open(XD "/d", O_RDONLY | O_DIRECTORY);
	CHECK_RET("dir fget", fgx(fd, "user.d", NULL, 0), 2);
	close(fd);
	cleanup();
}

CONTRACT_TEST(list)
{
	static const char *names[] = { "user.b",     "user.a",	"trusted.x",
				       "security.z", "user.ab", "trusted.a",
				       "security.a", "user.B",	"user.a1" };
	char buf[256];
	long n, i;

	fresh();
	CHECK_RET("empty list", lx(XF, buf, sizeof(buf)), 0);
	CHECK_RET("empty list size", lx(XF, NULL, 0), 0);
	for (i = 0; i < (long)(sizeof(names) / sizeof(names[0])); i++)
		EXPECT(sx(XF, names[i], "v", 1, 0) == 0);
	n = lx(XF, NULL, 0);
	CHECK_EQ("list size", n, 79);
	CHECK_RET("list", lx(XF, buf, sizeof(buf)), n);
	show_list("names", buf, n);
	CHECK_ERR("list short", lx(XF, buf, (size_t)n - 1), ERANGE);
	CHECK_ERR("list 1", lx(XF, buf, 1), ERANGE);
	CHECK_RET("list exact", lx(XF, buf, (size_t)n), n);
	CHECK_RET("list big size", lx(XF, buf, 100000), n);
	EXPECT(rx(XF, "user.ab") == 0);
	EXPECT(sx(XF, "user.ab", "w", 1, 0) == 0);
	EXPECT(sx(XF, "user.b", "w", 1, 0) == 0);
	n = lx(XF, buf, sizeof(buf));
	show_list("after remove and re-add", buf, n);
	CHECK_RET("llist of the symlink", llx(XD "/l", buf, sizeof(buf)), 0);
	CHECK_RET("list through the symlink", lx(XD "/l", buf, sizeof(buf)), n);
	CHECK_ERR("list ENOENT", lx(XD "/none", buf, sizeof(buf)), ENOENT);
	CHECK_ERR("list ENOTDIR", lx(XF "/x", buf, sizeof(buf)), ENOTDIR);
	CHECK_ERR("list EFAULT path", lx(BAD_LOW, buf, sizeof(buf)), EFAULT);
	CHECK_ERR("list EFAULT buffer", lx(XF, BAD_LOW, sizeof(buf)), EFAULT);
	CHECK_ERR("flist EBADF", flx(-1, buf, sizeof(buf)), EBADF);
	cleanup();
}

CONTRACT_TEST(names)
{
	char name[300], buf[64];

	fresh();
	CHECK_ERR("empty name", sx(XF, "", "v", 1, 0), ERANGE);
	CHECK_ERR("get empty name", gx(XF, "", buf, sizeof(buf)), ERANGE);
	CHECK_ERR("remove empty name", rx(XF, ""), ERANGE);
	memset(name, 'n', sizeof(name));
	memcpy(name, "user.", 5);
	name[255] = 0;
	CHECK_RET("255-byte name", sx(XF, name, "v", 1, 0), 0);
	CHECK_RET("get it", gx(XF, name, buf, sizeof(buf)), 1);
	CHECK_RET("list size", lx(XF, NULL, 0), 256);
	name[255] = 'n';
	name[256] = 0;
	CHECK_ERR("256-byte name", sx(XF, name, "v", 1, 0), ERANGE);
	CHECK_ERR("get 256-byte name", gx(XF, name, buf, sizeof(buf)), ERANGE);
	CHECK_ERR("remove 256-byte name", rx(XF, name), ERANGE);
	name[299] = 'n';
	name[256] = 'n';
	CHECK_ERR("unterminated 300", sx(XF, name, "v", 1, 0), ERANGE);
	CHECK_ERR("prefix only user.", sx(XF, "user.", "v", 1, 0), EINVAL);
	CHECK_ERR("get user.", gx(XF, "user.", buf, sizeof(buf)), EINVAL);
	CHECK_ERR("remove user.", rx(XF, "user."), EINVAL);
	CHECK_ERR("trusted.", sx(XF, "trusted.", "v", 1, 0), EINVAL);
	CHECK_ERR("security.", sx(XF, "security.", "v", 1, 0), EINVAL);
	CHECK_ERR("no dot", sx(XF, "user", "v", 1, 0), EOPNOTSUPP);
	CHECK_ERR("foo.bar", sx(XF, "foo.bar", "v", 1, 0), EOPNOTSUPP);
	CHECK_ERR("system.foo", sx(XF, "system.foo", "v", 1, 0), EOPNOTSUPP);
	CHECK_ERR("get foo.bar", gx(XF, "foo.bar", buf, sizeof(buf)),
		  EOPNOTSUPP);
	CHECK_ERR("remove foo.bar", rx(XF, "foo.bar"), EOPNOTSUPP);
	CHECK_ERR("USER.x", sx(XF, "USER.x", "v", 1, 0), EOPNOTSUPP);
	CHECK_RET("trusted.t", sx(XF, "trusted.t", "v", 1, 0), 0);
	CHECK_RET("security.s", sx(XF, "security.s", "v", 1, 0), 0);
	CHECK_RET("get trusted.t", gx(XF, "trusted.t", buf, sizeof(buf)), 1);
	CHECK_RET("remove security.s", rx(XF, "security.s"), 0);
	CHECK_RET("user.a.b.c", sx(XF, "user.a.b.c", "v", 1, 0), 0);
	CHECK_RET("user.. (dot suffix)", sx(XF, "user..", "v", 1, 0), 0);
	cleanup();
}

CONTRACT_TEST(sizes)
{
	static char big[70000];
	long n, max = ct_tree_ext4() ? 3000 : 65536;

	fresh();
	memset(big, 'b', sizeof(big));
	CHECK_ERR("65537 bytes", sx(XF, "user.big", big, 65537, 0), E2BIG);
	CHECK_ERR("huge size", sx(XF, "user.big", big, (size_t)-1, 0), E2BIG);
	/* ext4 (no ea_inode): a value must fit in one block */
	if (ct_tree_ext4())
		CHECK_ERR("65536 bytes (ext4: more than a block)",
			  sx(XF, "user.big", big, 65536, 0), ENOSPC);
	CHECK_RET("the largest value", sx(XF, "user.big", big, max, 0), 0);
	CHECK_RET("get size", gx(XF, "user.big", NULL, 0), max);
	memset(big, 0, sizeof(big));
	n = gx(XF, "user.big", big, sizeof(big));
	CHECK_EQ("get with a 70000-byte buffer", n, max);
	CHECK("bytes back", big[0] == 'b' && big[max - 1] == 'b' && !big[max]);
	CHECK_ERR("get short", gx(XF, "user.big", big, max - 1), ERANGE);
	CHECK_RET("get huge size", gx(XF, "user.big", big, (size_t)-1), max);
	EXPECT(sx(XF, "user.small", "abc", 3, 0) == 0);
	CHECK_RET("get small, huge size", gx(XF, "user.small", big, 1 << 20),
		  3);
	cleanup();
}

CONTRACT_TEST(errors)
{
	char buf[64];
	int fd;

	fresh();
	CHECK_ERR("flags 4", sx(XF, "user.a", "v", 1, 4), EINVAL);
	CHECK_ERR("flags -1", sx(XF, "user.a", "v", 1, -1), EINVAL);
	CHECK_ERR("flags before the path", sx(XD "/none", "user.a", "v", 1, 4),
		  EINVAL);
	CHECK_ERR("flags before the name", sx(XF, "", "v", 1, 4), EINVAL);
	CHECK_ERR("name before the path", sx(XD "/none", "", "v", 1, 0),
		  ERANGE);
	CHECK_ERR("E2BIG before the path",
		  sx(XD "/none", "user.a", "v", 65537, 0), E2BIG);
	CHECK_ERR("value EFAULT before the path",
		  sx(XD "/none", "user.a", BAD_LOW, 1, 0), EFAULT);
	CHECK_ERR("get: name before the path",
		  gx(XD "/none", "", buf, sizeof(buf)), ERANGE);
	CHECK_ERR("remove: name before the path", rx(XD "/none", ""), ERANGE);
	CHECK_ERR("set ENOENT", sx(XD "/none", "user.a", "v", 1, 0), ENOENT);
	CHECK_ERR("set empty path", sx("", "user.a", "v", 1, 0), ENOENT);
	CHECK_ERR("get ENOENT", gx(XD "/none", "user.a", buf, 1), ENOENT);
	CHECK_ERR("remove ENOENT", rx(XD "/none", "user.a"), ENOENT);
	CHECK_ERR("set ENOTDIR", sx(XF "/x", "user.a", "v", 1, 0), ENOTDIR);
	CHECK_ERR("set EFAULT path", sx(BAD_LOW, "user.a", "v", 1, 0), EFAULT);
	CHECK_ERR("set EFAULT name", sx(XF, BAD_LOW, "v", 1, 0), EFAULT);
	CHECK_ERR("set EFAULT value", sx(XF, "user.a", BAD_LOW, 1, 0), EFAULT);
	CHECK_ERR("set NULL value size 1", sx(XF, "user.a", NULL, 1, 0),
		  EFAULT);
	CHECK_ERR("get EFAULT name", gx(XF, BAD_LOW, buf, 1), EFAULT);
	CHECK_ERR("remove EFAULT name", rx(XF, BAD_LOW), EFAULT);
	EXPECT(sx(XF, "user.a", "v", 1, 0) == 0);
	CHECK_ERR("get EFAULT buffer", gx(XF, "user.a", BAD_LOW, 8), EFAULT);
	CHECK_ERR("get EFAULT buffer, missing", gx(XF, "user.zz", BAD_LOW, 8),
		  ENODATA);

	CHECK_ERR("fset EBADF", fsx(-1, "user.a", "v", 1, 0), EBADF);
	CHECK_ERR("fset flags before EBADF", fsx(-1, "user.a", "v", 1, 4),
		  EINVAL);
	CHECK_ERR("fset name before EBADF", fsx(-1, "", "v", 1, 0), ERANGE);
	CHECK_ERR("fset E2BIG before EBADF", fsx(-1, "user.a", "v", 65537, 0),
		  E2BIG);
	CHECK_ERR("fget EBADF", fgx(-1, "user.a", buf, 1), EBADF);
	CHECK_ERR("fget name before EBADF", fgx(999, "", buf, 1), ERANGE);
	CHECK_ERR("fremove EBADF", frx(-1, "user.a"), EBADF);
	CHECK_ERR("fremove name before EBADF", frx(999, ""), ERANGE);
	fd = open(XF, O_PATH);
	CHECK_ERR("fset O_PATH", fsx(fd, "user.a", "v", 1, 0), EBADF);
	CHECK_ERR("fget O_PATH", fgx(fd, "user.a", buf, sizeof(buf)), EBADF);
	CHECK_ERR("flist O_PATH", flx(fd, buf, sizeof(buf)), EBADF);
	CHECK_ERR("fremove O_PATH", frx(fd, "user.a"), EBADF);
	close(fd);
	fd = open(XF, O_RDONLY);
	CHECK_ERR("fset flags", fsx(fd, "user.a", "v", 1, 8), EINVAL);
	CHECK_ERR("fset name", fsx(fd, "", "v", 1, 0), ERANGE);
	CHECK_ERR("fset E2BIG", fsx(fd, "user.a", "v", 65537, 0), E2BIG);
	CHECK_RET("fget size", fgx(fd, "user.a", NULL, 0), 1);
	close(fd);
	cleanup();
}

CONTRACT_TEST(types)
{
	char buf[64];
	long n;

	fresh();
	CHECK_RET("set through the symlink", sx(XD "/l", "user.s", "v", 1, 0),
		  0);
	CHECK_RET("get on the target", gx(XF, "user.s", buf, sizeof(buf)), 1);
	CHECK_ERR("lset user. on the symlink",
		  lsx(XD "/l", "user.s", "v", 1, 0), EPERM);
	CHECK_ERR("lget user. on the symlink",
		  lgx(XD "/l", "user.s", buf, sizeof(buf)), ENODATA);
	CHECK_ERR("lremove user. on the symlink", lrx(XD "/l", "user.s"),
		  EPERM);
	CHECK_RET("lset trusted. on the symlink",
		  lsx(XD "/l", "trusted.t", "tt", 2, 0), 0);
	CHECK_RET("lget it", lgx(XD "/l", "trusted.t", buf, sizeof(buf)), 2);
	CHECK_ERR("not on the target", gx(XF, "trusted.t", buf, sizeof(buf)),
		  ENODATA);
	n = llx(XD "/l", buf, sizeof(buf));
	CHECK_EQ("llist", n, 10);
	show_list("llist names", buf, n);
	CHECK_RET("lremove it", lrx(XD "/l", "trusted.t"), 0);
	CHECK_RET("lset security. on the symlink",
		  lsx(XD "/l", "security.t", "tt", 2, 0), 0);
	CHECK_ERR("lset foo. on the symlink", lsx(XD "/l", "foo.t", "tt", 2, 0),
		  EOPNOTSUPP);
	CHECK_RET("lset on a file", lsx(XF, "user.lf", "v", 1, 0), 0);
	CHECK_RET("lget on a file", lgx(XF, "user.lf", buf, sizeof(buf)), 1);
	CHECK_RET("lremove on a file", lrx(XF, "user.lf"), 0);

	EXPECT(mknod(XD "/null", S_IFCHR | 0666, makedev(1, 3)) == 0);
	EXPECT(mkfifo(XD "/fifo", 0666) == 0);
	CHECK_ERR("user. on a device", sx(XD "/null", "user.a", "v", 1, 0),
		  EPERM);
	CHECK_ERR("get user. on a device",
		  gx(XD "/null", "user.a", buf, sizeof(buf)), ENODATA);
	CHECK_ERR("user. on a FIFO", sx(XD "/fifo", "user.a", "v", 1, 0),
		  EPERM);
	CHECK_RET("trusted. on a device",
		  sx(XD "/null", "trusted.a", "v", 1, 0), 0);
	CHECK_RET("list the device", lx(XD "/null", buf, sizeof(buf)), 10);
	CHECK_RET("trusted. on a FIFO", sx(XD "/fifo", "trusted.a", "v", 1, 0),
		  0);
	cleanup();
}

CONTRACT_TEST(ctime)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	long long c0, m0;

	fresh();
	c0 = ctime_ns(XF);
	m0 = mtime_ns(XF);
	nanosleep(&ts, NULL);
	CHECK_RET("set", sx(XF, "user.a", "v", 1, 0), 0);
	CHECK("ctime changed on set", ctime_ns(XF) > c0);
	CHECK("mtime kept", mtime_ns(XF) == m0);
	c0 = ctime_ns(XF);
	nanosleep(&ts, NULL);
	CHECK_ERR("failed create", sx(XF, "user.a", "v", 1, XCREATE), EEXIST);
	CHECK("ctime kept on failure", ctime_ns(XF) == c0);
	CHECK_RET("get", gx(XF, "user.a", NULL, 0), 1);
	CHECK_RET("list", lx(XF, NULL, 0), 7);
	CHECK("ctime kept on get and list", ctime_ns(XF) == c0);
	CHECK_RET("remove", rx(XF, "user.a"), 0);
	CHECK("ctime changed on remove", ctime_ns(XF) > c0);
	c0 = ctime_ns(XF);
	nanosleep(&ts, NULL);
	CHECK_ERR("failed remove", rx(XF, "user.a"), ENODATA);
	CHECK("ctime kept on failed remove", ctime_ns(XF) == c0);
	c0 = ctime_ns(XD "/d");
	m0 = mtime_ns(XD "/d");
	CHECK_RET("set on a dir", sx(XD "/d", "user.a", "v", 1, 0), 0);
	CHECK("dir ctime changed", ctime_ns(XD "/d") > c0);
	CHECK("dir mtime kept", mtime_ns(XD "/d") == m0);
	cleanup();
}

static void nonroot(void *arg)
{
	char buf[256];
	long n;
	int fd;

	(void)arg;
	if (setuid(1000)) {
		ct_say("setuid failed\n");
		return;
	}
	CHECK_ERR("set user. without write permission",
		  sx(XF, "user.n", "v", 1, 0), EACCES);
	CHECK_RET("get user. with read permission",
		  gx(XF, "user.a", buf, sizeof(buf)), 1);
	CHECK_ERR("remove user. without write permission", rx(XF, "user.a"),
		  EACCES);
	CHECK_ERR("get user. without read permission",
		  gx(XD "/g", "user.a", buf, sizeof(buf)), EACCES);
	CHECK_ERR("get missing user. without read permission",
		  gx(XD "/g", "user.zz", buf, sizeof(buf)), EACCES);
	CHECK_ERR("get foo. without read permission",
		  gx(XD "/g", "foo.zz", buf, sizeof(buf)), EACCES);
	CHECK_ERR("get foo. with read permission",
		  gx(XF, "foo.zz", buf, sizeof(buf)), EOPNOTSUPP);
	CHECK_ERR("set foo. without write permission",
		  sx(XF, "foo.zz", "v", 1, 0), EACCES);
	n = lx(XD "/g", buf, sizeof(buf));
	CHECK_EQ("list without read permission", n, 18);
	show_list("names", buf, n);
	n = lx(XF, NULL, 0);
	CHECK_EQ("list size, trusted. hidden", n, 25);
	n = lx(XF, buf, sizeof(buf));
	show_list("names", buf, n);
	CHECK_ERR("list short", lx(XF, buf, 5), ERANGE);
	CHECK_ERR("get trusted.", gx(XF, "trusted.t", buf, sizeof(buf)),
		  ENODATA);
	CHECK_ERR("get trusted. unreadable",
		  gx(XD "/g", "trusted.t", buf, sizeof(buf)), ENODATA);
	CHECK_ERR("set trusted.", sx(XF, "trusted.t", "v", 1, 0), EPERM);
	CHECK_ERR("remove trusted.", rx(XF, "trusted.t"), EPERM);
	CHECK_RET("get security. readable",
		  gx(XF, "security.s", buf, sizeof(buf)), 1);
	CHECK_RET("get security. unreadable",
		  gx(XD "/g", "security.s", buf, sizeof(buf)), 1);
	CHECK_ERR("set security. unwritable", sx(XF, "security.n", "v", 1, 0),
		  EPERM);
	CHECK_ERR("set system.x unwritable", sx(XF, "system.x", "v", 1, 0),
		  EOPNOTSUPP);

	fd = open(XD "/mine", O_WRONLY | O_CREAT, 0600);
	CHECK("own file", fd >= 0);
	CHECK_RET("set user. on one's own file", fsx(fd, "user.m", "mm", 2, 0),
		  0);
	CHECK_ERR("set security. on one's own file",
		  fsx(fd, "security.m", "v", 1, 0), EPERM);
	CHECK_ERR("remove security. on one's own file", frx(fd, "security.m"),
		  EPERM);
	CHECK_ERR("get security. on one's own file",
		  fgx(fd, "security.m", buf, sizeof(buf)), ENODATA);
	CHECK_ERR("set trusted. on one's own file",
		  fsx(fd, "trusted.m", "v", 1, 0), EPERM);
	CHECK_RET("remove user. on one's own file", frx(fd, "user.m"), 0);
	close(fd);
	EXPECT(unlink(XD "/mine") == 0);
	CHECK_ERR("user. on the sticky /tmp, not the owner",
		  sx("/tmp", "user.t", "v", 1, 0), EPERM);
	CHECK_ERR("get user. on /tmp", gx("/tmp", "user.t", buf, sizeof(buf)),
		  ENODATA);
	CHECK_ERR("user. on a non-sticky dir, no write permission",
		  sx(XD "/d", "user.t", "v", 1, 0), EACCES);
	CHECK_RET("user. on a writable dir", sx(XD "/w", "user.t", "v", 1, 0),
		  0);
	CHECK_ERR("user. on a sticky dir, not the owner",
		  sx(XD "/s", "user.t", "v", 1, 0), EPERM);
	CHECK_RET("user. on one's own sticky dir",
		  sx(XD "/o", "user.t", "v", 1, 0), 0);
}

CONTRACT_TEST(perm)
{
	fresh();
	EXPECT(chmod(XD, 0777) == 0);
	EXPECT(sx(XF, "user.a", "v", 1, 0) == 0);
	EXPECT(sx(XF, "user.b", "v", 1, 0) == 0);
	EXPECT(sx(XF, "trusted.t", "v", 1, 0) == 0);
	EXPECT(sx(XF, "security.s", "v", 1, 0) == 0);
	EXPECT(sx(XD "/g", "user.a", "v", 1, 0) == 0);
	EXPECT(sx(XD "/g", "trusted.t", "v", 1, 0) == 0);
	EXPECT(sx(XD "/g", "security.s", "v", 1, 0) == 0);
	EXPECT(mkdir(XD "/w", 0777) == 0);
	EXPECT(chmod(XD "/w", 0777) == 0);
	EXPECT(mkdir(XD "/s", 01777) == 0);
	EXPECT(chmod(XD "/s", 01777) == 0);
	EXPECT(mkdir(XD "/o", 01755) == 0);
	EXPECT(chown(XD "/o", 1000, 1000) == 0);
	EXPECT(chmod(XD "/o", 01755) == 0);
	ct_child_ok("uid 1000", nonroot, NULL);
	cleanup();
}
