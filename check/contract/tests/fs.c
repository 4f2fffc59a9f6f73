/*
 * File system: stat/lstat/fstat/newfstatat/statx fields on the test tree
 * (an initramfs: Linux unpacks it into tmpfs), getdents64 record layout,
 * path resolution, symlinks and readlink, access/faccessat, getcwd/chdir,
 * openat dirfds.  The tree is built by check/contract/mkroot.
 */
#include <dirent.h>
#include <sys/sysmacros.h>

#include "contract.h"

#define CONTRACT_AREA "fs"

/* struct statx as the kernel writes it (256 bytes). */
struct xstatx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t pad;
};

struct xstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct xstatx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};

#define XSTATX_BASIC 0x7ffU
#define XAT_EMPTY_PATH 0x1000
#define XAT_STATX_FORCE_SYNC 0x2000
#define XAT_STATX_DONT_SYNC 0x4000

/* Prints the deterministic stat fields of path. */
static void show_stat(const char *path, int follow)
{
	struct stat st;
	int r = follow ? stat(path, &st) : lstat(path, &st);

	if (r) {
		ct_say("%s %s: -1 %s", follow ? "stat" : "lstat", path,
		       ct_errname(errno));
		ct_fail(__FILE__, __LINE__, "stat %s", path);
		return;
	}
	ct_say("%s %s: mode %#o nlink %ld size %ld blocks %ld blksize %ld "
	       "uid %d gid %d rdev %u:%u",
	       follow ? "stat" : "lstat", path, st.st_mode, (long)st.st_nlink,
	       (long)st.st_size, (long)st.st_blocks, (long)st.st_blksize,
	       st.st_uid, st.st_gid, major(st.st_rdev), minor(st.st_rdev));
	if (!S_ISLNK(st.st_mode))
		CHECK_EQ("  mtime", st.st_mtime, TREE_MTIME);
}

CONTRACT_TEST(stat_regular)
{
	show_stat(DATA "/empty", 1);
	show_stat(DATA "/small", 1);
	show_stat(DATA "/page", 1);
	show_stat(DATA "/big", 1);
	show_stat(DATA "/exec", 1);
	show_stat(DATA "/noperm", 1);
	show_stat("/etc/motd", 1);
}

CONTRACT_TEST(stat_dirs)
{
	show_stat("/", 1);
	show_stat("/contract", 1);
	show_stat(DATA, 1);
	show_stat(DATA "/sub", 1);
	show_stat(DATA "/sub/deeper", 1);
	show_stat(DATA "/list", 1);
	show_stat("/dev", 1);
}

CONTRACT_TEST(stat_devices)
{
	struct stat st;

	show_stat("/dev/null", 1);
	show_stat("/dev/zero", 1);
	show_stat("/dev/random", 1);
	show_stat("/dev/urandom", 1);
	show_stat("/dev/console", 1);
	show_stat("/dev/tty", 1);
	stat("/dev/null", &st);
	CHECK("S_ISCHR", S_ISCHR(st.st_mode));
	CHECK_EQX("st_rdev encoding of 1:3", st.st_rdev, 0x103);
	stat("/dev/console", &st);
	CHECK_EQX("st_rdev encoding of 5:1", st.st_rdev, 0x501);
}

CONTRACT_TEST(stat_symlinks)
{
	struct stat a, b;

	show_stat(DATA "/link", 0);
	show_stat(DATA "/link", 1);
	show_stat(DATA "/abslink", 0);
	show_stat(DATA "/dirlink", 0);
	show_stat(DATA "/dirlink", 1);
	show_stat(DATA "/dangling", 0);
	CHECK_ERR("stat dangling", stat(DATA "/dangling", &a), ENOENT);
	CHECK_ERR("stat loop", stat(DATA "/loop1", &a), ELOOP);
	CHECK_RET("lstat loop", lstat(DATA "/loop1", &a), 0);
	stat(DATA "/link", &a);
	stat(DATA "/small", &b);
	CHECK("link resolves to the same inode",
	      a.st_ino == b.st_ino && a.st_dev == b.st_dev);
}

CONTRACT_TEST(stat_hardlinks_ino)
{
	struct stat a, b, c, d;

	show_stat(DATA "/hard1", 1);
	stat(DATA "/hard1", &a);
	stat(DATA "/hard2", &b);
	stat(DATA "/small", &c);
	stat("/dev/null", &d);
	CHECK("hard links share the inode", a.st_ino == b.st_ino);
	CHECK("other files differ", a.st_ino != c.st_ino);
	CHECK("nonzero inode numbers", a.st_ino && c.st_ino);
	CHECK("one file system for the whole tree",
	      a.st_dev == c.st_dev && c.st_dev == d.st_dev);
}

CONTRACT_TEST(fstat)
{
	struct stat a, b;
	int fd = open(DATA "/big", O_RDONLY), d = open(DATA, O_RDONLY);

	CHECK_RET("fstat", fstat(fd, &a), 0);
	stat(DATA "/big", &b);
	CHECK("same as stat", a.st_ino == b.st_ino && a.st_size == b.st_size &&
				      a.st_mode == b.st_mode &&
				      a.st_nlink == b.st_nlink);
	CHECK_RET("fstat a directory fd", fstat(d, &a), 0);
	CHECK("S_ISDIR", S_ISDIR(a.st_mode));
	CHECK_ERR("fstat(bad)", fstat(999, &a), EBADF);
	CHECK_RET("fstat(1)", fstat(1, &a), 0);
	close(fd);
	close(d);
}

CONTRACT_TEST(newfstatat)
{
	struct stat st;
	int d = open(DATA, O_RDONLY | O_DIRECTORY),
	    f = open(DATA "/small", O_RDONLY);

	CHECK_RET("relative to dirfd",
		  syscall(SYS_newfstatat, d, "small", &st, 0), 0);
	CHECK_EQ("  size", st.st_size, 16);
	CHECK_RET("AT_SYMLINK_NOFOLLOW",
		  syscall(SYS_newfstatat, d, "link", &st, AT_SYMLINK_NOFOLLOW),
		  0);
	CHECK("  is a link", S_ISLNK(st.st_mode));
	CHECK_RET("AT_EMPTY_PATH on a file fd",
		  syscall(SYS_newfstatat, f, "", &st, AT_EMPTY_PATH), 0);
	CHECK_EQ("  size", st.st_size, 16);
	CHECK_RET("absolute path ignores a bad dirfd",
		  syscall(SYS_newfstatat, 999, DATA "/small", &st, 0), 0);
	CHECK_ERR("empty path without AT_EMPTY_PATH",
		  syscall(SYS_newfstatat, f, "", &st, 0), ENOENT);
	CHECK_ERR("relative to a file fd",
		  syscall(SYS_newfstatat, f, "x", &st, 0), ENOTDIR);
	CHECK_ERR("relative to a bad fd",
		  syscall(SYS_newfstatat, 999, "x", &st, 0), EBADF);
	CHECK_ERR("unknown flag", syscall(SYS_newfstatat, d, "small", &st, 0x1),
		  EINVAL);
	CHECK_RET("AT_FDCWD",
		  syscall(SYS_newfstatat, AT_FDCWD, "contract", &st, 0), 0);
	close(d);
	close(f);
}

static void show_statx(const char *path, int flags)
{
	struct xstatx x;
	struct stat st;

	memset(&x, 0xee, sizeof(x));
	if (syscall(SYS_statx, AT_FDCWD, path, flags, XSTATX_BASIC, &x)) {
		ct_fail(__FILE__, __LINE__, "statx %s: %s", path,
			ct_errname(errno));
		return;
	}
	ct_say("statx %s: mask&basic %#x mode %#o nlink %u size %lu blocks "
	       "%lu blksize %u uid %u gid %u rdev %u:%u",
	       path, x.mask & XSTATX_BASIC, x.mode, x.nlink,
	       (unsigned long)x.size, (unsigned long)x.blocks, x.blksize, x.uid,
	       x.gid, x.rdev_major, x.rdev_minor);
	fstatat(AT_FDCWD, path, &st, flags & AT_SYMLINK_NOFOLLOW);
	CHECK("  agrees with stat",
	      x.ino == st.st_ino && x.mode == st.st_mode &&
		      (long)x.size == st.st_size &&
		      makedev(x.dev_major, x.dev_minor) == st.st_dev &&
		      x.mtime.tv_sec == st.st_mtime);
	CHECK("  mtime nsec in range", x.mtime.tv_nsec < 1000000000U);
}

CONTRACT_TEST(statx)
{
	struct xstatx x;
	int f = open(DATA "/small", O_RDONLY);

	show_statx(DATA "/small", 0);
	show_statx(DATA "/sub", 0);
	show_statx("/dev/null", 0);
	show_statx(DATA "/link", AT_SYMLINK_NOFOLLOW);
	CHECK_RET("AT_EMPTY_PATH",
		  syscall(SYS_statx, f, "", XAT_EMPTY_PATH, XSTATX_BASIC, &x),
		  0);
	CHECK_EQ("  size", x.size, 16);
	CHECK_RET("mask 0",
		  syscall(SYS_statx, AT_FDCWD, DATA "/small", 0, 0, &x), 0);
	CHECK_ERR("FORCE_SYNC|DONT_SYNC",
		  syscall(SYS_statx, AT_FDCWD, DATA "/small",
			  XAT_STATX_FORCE_SYNC | XAT_STATX_DONT_SYNC,
			  XSTATX_BASIC, &x),
		  EINVAL);
	CHECK_ERR(
		"reserved mask bit",
		syscall(SYS_statx, AT_FDCWD, DATA "/small", 0, 0x80000000U, &x),
		EINVAL);
	CHECK_ERR("unknown flag",
		  syscall(SYS_statx, AT_FDCWD, DATA "/small", 0x1, XSTATX_BASIC,
			  &x),
		  EINVAL);
	CHECK_ERR(
		"missing file",
		syscall(SYS_statx, AT_FDCWD, DATA "/nope", 0, XSTATX_BASIC, &x),
		ENOENT);
	close(f);
}

struct ent {
	char name[64];
	int type, reclen;
};

/* Reads the whole directory with a buffer of bufsz bytes. */
static int read_dir(int fd, struct ent *e, int max, int bufsz, int *calls)
{
	char buf[4096] __attribute__((aligned(8)));
	int n = 0;
	long r;

	*calls = 0;
	while ((r = syscall(SYS_getdents64, fd, buf, bufsz)) > 0) {
		(*calls)++;
		for (long off = 0; off < r;) {
			struct dirent64 *d = (void *)(buf + off);

			if (n < max) {
				snprintf(e[n].name, sizeof(e[n].name), "%.63s",
					 d->d_name);
				e[n].type = d->d_type;
				e[n].reclen = d->d_reclen;
				n++;
			}
			EXPECT(d->d_ino != 0);
			EXPECT(d->d_reclen % 8 == 0);
			EXPECT(d->d_reclen ==
			       ((19 + strlen(d->d_name) + 1 + 7) & ~7));
			off += d->d_reclen;
		}
	}
	if (r < 0)
		ct_fail(__FILE__, __LINE__, "getdents64: %s",
			ct_errname(errno));
	return n;
}

static void sort_ents(struct ent *e, int n)
{
	for (int i = 1; i < n; i++) {
		struct ent t = e[i];
		int j = i;

		for (; j > 0 && strcmp(e[j - 1].name, t.name) > 0; j--)
			e[j] = e[j - 1];
		e[j] = t;
	}
}

static const char *dtype(int t)
{
	switch (t) {
	case DT_REG:
		return "REG";
	case DT_DIR:
		return "DIR";
	case DT_LNK:
		return "LNK";
	case DT_CHR:
		return "CHR";
	case DT_BLK:
		return "BLK";
	case DT_UNKNOWN:
		return "UNKNOWN";
	default:
		return "?";
	}
}

/* Entries sorted by name (the order itself is file-system specific). */
CONTRACT_TEST(getdents64_layout)
{
	struct ent e[64];
	int fd = open(DATA "/list", O_RDONLY | O_DIRECTORY), calls, n;

	n = read_dir(fd, e, 64, 4096, &calls);
	sort_ents(e, n);
	CHECK_EQ("entries", n, 12);
	CHECK_EQ("calls with a 4 KiB buffer", calls, 1);
	for (int i = 0; i < n; i++)
		ct_say("%s %s reclen %d", e[i].name, dtype(e[i].type),
		       e[i].reclen);
	CHECK_RET("at the end", syscall(SYS_getdents64, fd, e, 4096), 0);
	close(fd);
}

CONTRACT_TEST(getdents64_small_buffers)
{
	struct ent e[64];
	char buf[64] __attribute__((aligned(8)));
	int fd = open(DATA "/list", O_RDONLY | O_DIRECTORY), calls, n;

	CHECK_ERR("buffer smaller than one record",
		  syscall(SYS_getdents64, fd, buf, 10), EINVAL);
	CHECK_ERR("count 0", syscall(SYS_getdents64, fd, buf, 0), EINVAL);
	/*
	 * tmpfs lists "." first; ext4 with dir_index lists in hash order,
	 * so its first record may not fit (EINVAL, as Linux's).
	 */
	if (ct_tree_ext4()) {
		long r = syscall(SYS_getdents64, fd, buf, 24);

		ct_say("24-byte buffer (ext4): %ld %s", r,
		       r < 0 ? ct_errname(errno) : "");
	} else {
		CHECK_RET("24-byte buffer: one record",
			  syscall(SYS_getdents64, fd, buf, 24), 24);
		CHECK_STR("  first entry", ((struct dirent64 *)buf)->d_name,
			  ".");
	}
	CHECK_RET("lseek rewinds", lseek(fd, 0, SEEK_SET), 0);
	n = read_dir(fd, e, 64, 48, &calls);
	CHECK_EQ("48-byte buffer: entries", n, 12);
	CHECK("  at least one call per two entries", calls >= 6);
	CHECK_RET("lseek rewinds", lseek(fd, 0, SEEK_SET), 0);
	n = read_dir(fd, e, 64, 4096, &calls);
	CHECK_EQ("full read after rewind", n, 12);
	close(fd);
}

CONTRACT_TEST(getdents64_types)
{
	struct ent e[16];
	int fd = open(DATA "/sub", O_RDONLY | O_DIRECTORY), calls, n;

	n = read_dir(fd, e, 16, 4096, &calls);
	sort_ents(e, n);
	for (int i = 0; i < n; i++)
		ct_say("sub: %s %s", e[i].name, dtype(e[i].type));
	close(fd);
	fd = open("/dev", O_RDONLY | O_DIRECTORY);
	n = read_dir(fd, e, 16, 4096, &calls);
	sort_ents(e, n);
	for (int i = 0; i < n; i++)
		ct_say("dev: %s %s", e[i].name, dtype(e[i].type));
	close(fd);
	fd = open("/", O_RDONLY | O_DIRECTORY);
	n = read_dir(fd, e, 16, 4096, &calls);
	sort_ents(e, n);
	for (int i = 0; i < n; i++)
		ct_say("/: %s %s", e[i].name, dtype(e[i].type));
	close(fd);
}

CONTRACT_TEST(getdents64_errors)
{
	char buf[256] __attribute__((aligned(8)));
	int f = open(DATA "/small", O_RDONLY);

	CHECK_ERR("on a file", syscall(SYS_getdents64, f, buf, sizeof(buf)),
		  ENOTDIR);
	CHECK_ERR("bad fd", syscall(SYS_getdents64, 999, buf, sizeof(buf)),
		  EBADF);
	close(f);
}

CONTRACT_TEST(paths)
{
	struct stat st;
	char buf[16] = "";
	int fd;

	CHECK_RET("repeated slashes and dots",
		  stat("//contract///data/./sub/../small", &st), 0);
	CHECK_EQ("  size", st.st_size, 16);
	CHECK_RET("/.. is /", stat("/../../contract", &st), 0);
	CHECK_RET("symlink in the middle", stat(DATA "/dirlink/inner", &st), 0);
	CHECK_RET("dir with trailing slash", stat(DATA "/sub/", &st), 0);
	CHECK_RET("symlink to dir with trailing slash",
		  lstat(DATA "/dirlink/", &st), 0);
	CHECK("  trailing slash follows the link", S_ISDIR(st.st_mode));
	CHECK_ERR("file with trailing slash", stat(DATA "/small/", &st),
		  ENOTDIR);
	CHECK_ERR("file/.", stat(DATA "/small/.", &st), ENOTDIR);
	CHECK_ERR("file/x", open(DATA "/small/x", O_RDONLY), ENOTDIR);
	CHECK_ERR("missing/x", open(DATA "/nope/x", O_RDONLY), ENOENT);
	CHECK_ERR("empty path", open("", O_RDONLY), ENOENT);
	CHECK_ERR("symlink loop", open(DATA "/loop1", O_RDONLY), ELOOP);
	fd = open(DATA "/abslink", O_RDONLY);
	CHECK_RET("absolute symlink: read", read(fd, buf, 5), 5);
	close(fd);
}

CONTRACT_TEST(open_flags_fs)
{
	int fd;

	CHECK_ERR("O_DIRECTORY on a file",
		  open(DATA "/small", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR("O_DIRECTORY on a link to a file",
		  open(DATA "/link", O_RDONLY | O_DIRECTORY), ENOTDIR);
	fd = open(DATA "/dirlink", O_RDONLY | O_DIRECTORY);
	CHECK("O_DIRECTORY on a link to a dir", fd >= 0);
	close(fd);
	CHECK_ERR("O_WRONLY on a dir", open(DATA, O_WRONLY), EISDIR);
	CHECK_ERR("O_RDWR on a dir", open(DATA, O_RDWR), EISDIR);
	CHECK_ERR("O_CREAT on a dir",
		  open(DATA "/sub", O_RDONLY | O_CREAT, 0644), EISDIR);
	CHECK_ERR("O_NOFOLLOW on a symlink",
		  open(DATA "/link", O_RDONLY | O_NOFOLLOW), ELOOP);
	fd = open(DATA "/dirlink/inner", O_RDONLY | O_NOFOLLOW);
	CHECK("O_NOFOLLOW follows links before the last part", fd >= 0);
	close(fd);
	CHECK_ERR("O_CREAT|O_EXCL on an existing file",
		  open(DATA "/small", O_RDONLY | O_CREAT | O_EXCL, 0644),
		  EEXIST);
	CHECK_ERR("O_CREAT|O_EXCL on a dangling symlink",
		  open(DATA "/dangling", O_RDONLY | O_CREAT | O_EXCL, 0644),
		  EEXIST);
	fd = open(DATA "/small", O_RDONLY | O_CREAT, 0600);
	CHECK("O_CREAT on an existing file opens it", fd >= 0);
	close(fd);
	show_stat(DATA "/small", 1);
	CHECK_ERR("missing without O_CREAT", open("/tmp/nope", O_RDONLY),
		  ENOENT);
}

/* Creates /tmp/created (once per boot): mode & ~umask (022). */
CONTRACT_TEST(open_creat)
{
	int fd = open("/tmp/created", O_RDWR | O_CREAT | O_EXCL, 0666);
	struct stat st;

	CHECK("created", fd >= 0);
	fstat(fd, &st);
	CHECK_EQO("mode", st.st_mode, 0100644);
	CHECK_EQ("size", st.st_size, 0);
	CHECK_EQ("nlink", st.st_nlink, 1);
	CHECK_RET("write", write(fd, "data", 4), 4);
	close(fd);
	CHECK_ERR("again with O_EXCL",
		  open("/tmp/created", O_RDWR | O_CREAT | O_EXCL, 0666),
		  EEXIST);
	stat("/tmp/created", &st);
	CHECK_EQ("size after write", st.st_size, 4);
}

/* creat(2): open's O_CREAT | O_WRONLY | O_TRUNC (glibc may use open). */
CONTRACT_TEST(creat)
{
	const char *p = "/tmp/creat-test";
	struct stat st;
	char c;
	int fd;

	unlink(p);
	fd = syscall(SYS_creat, p, 0640);
	CHECK("created", fd >= 0);
	CHECK_EQO("F_GETFL", fcntl(fd, F_GETFL), K_O_LARGEFILE | O_WRONLY);
	CHECK_RET("write", write(fd, "data", 4), 4);
	CHECK_ERR("read: write-only", read(fd, &c, 1), EBADF);
	close(fd);
	CHECK_RET("stat", stat(p, &st), 0);
	CHECK_EQO("mode", st.st_mode, 0100640);
	CHECK_EQ("size", st.st_size, 4);
	fd = syscall(SYS_creat, p, 0600);
	CHECK("again: opened", fd >= 0);
	close(fd);
	CHECK_RET("stat", stat(p, &st), 0);
	CHECK_EQ("truncated", st.st_size, 0);
	CHECK_EQO("mode kept", st.st_mode, 0100640);
	CHECK_ERR("a directory", syscall(SYS_creat, "/tmp", 0644), EISDIR);
	CHECK_ERR("missing parent", syscall(SYS_creat, "/tmp/nope/x", 0644),
		  ENOENT);
	CHECK_ERR("bad pointer", syscall(SYS_creat, BAD_LOW, 0644), EFAULT);
	unlink(p);
}

CONTRACT_TEST(readlink)
{
	char buf[64];
	int d = open(DATA, O_RDONLY | O_DIRECTORY);

	memset(buf, 'Z', sizeof(buf));
	CHECK_RET("readlink link", readlink(DATA "/link", buf, sizeof(buf)), 5);
	CHECK("not NUL-terminated", !memcmp(buf, "smallZ", 6));
	CHECK_RET("truncated to bufsiz", readlink(DATA "/abslink", buf, 3), 3);
	CHECK("  prefix", !memcmp(buf, "/co", 3));
	CHECK_RET("absolute target",
		  readlink(DATA "/abslink", buf, sizeof(buf)), 20);
	CHECK_RET("dangling link", readlink(DATA "/dangling", buf, sizeof(buf)),
		  11);
	CHECK_ERR("bufsiz 0", syscall(SYS_readlink, DATA "/link", buf, 0),
		  EINVAL);
	CHECK_ERR("not a link", readlink(DATA "/small", buf, sizeof(buf)),
		  EINVAL);
	CHECK_ERR("a directory", readlink(DATA, buf, sizeof(buf)), EINVAL);
	CHECK_ERR("missing", readlink(DATA "/nope", buf, sizeof(buf)), ENOENT);
	CHECK_ERR("trailing slash follows it",
		  readlink(DATA "/dirlink/", buf, sizeof(buf)), EINVAL);
	CHECK_RET("readlinkat dirfd", readlinkat(d, "link", buf, sizeof(buf)),
		  5);
	CHECK_RET("readlinkat AT_FDCWD",
		  readlinkat(AT_FDCWD, DATA "/link", buf, sizeof(buf)), 5);
	CHECK_ERR("readlinkat bad dirfd",
		  readlinkat(999, "link", buf, sizeof(buf)), EBADF);
	CHECK_ERR("readlinkat empty path on a dir fd",
		  syscall(SYS_readlinkat, d, "", buf, sizeof(buf)), ENOENT);
	close(d);
}

CONTRACT_TEST(access)
{
	CHECK_RET("F_OK", access(DATA "/small", F_OK), 0);
	CHECK_RET("R_OK|W_OK", access(DATA "/small", R_OK | W_OK), 0);
	CHECK_ERR("X_OK on 0644", access(DATA "/small", X_OK), EACCES);
	CHECK_RET("X_OK on 0755", access(DATA "/exec", X_OK), 0);
	CHECK_RET("root: R_OK|W_OK on 0000",
		  access(DATA "/noperm", R_OK | W_OK), 0);
	CHECK_ERR("root: X_OK on 0000", access(DATA "/noperm", X_OK), EACCES);
	CHECK_RET("X_OK on a dir", access(DATA, X_OK), 0);
	CHECK_RET("X_OK on /dev/null (0666)", access("/dev/null", R_OK), 0);
	CHECK_ERR("missing", access(DATA "/nope", F_OK), ENOENT);
	CHECK_ERR("dangling link", access(DATA "/dangling", F_OK), ENOENT);
	CHECK_ERR("mode 8", syscall(SYS_access, DATA "/small", 8), EINVAL);
	CHECK_ERR("file/x", access(DATA "/small/x", F_OK), ENOTDIR);
}

CONTRACT_TEST(faccessat)
{
	int d = open(DATA, O_RDONLY | O_DIRECTORY);

	CHECK_RET("faccessat dirfd", syscall(SYS_faccessat, d, "small", R_OK),
		  0);
	CHECK_ERR("faccessat bad dirfd",
		  syscall(SYS_faccessat, 999, "small", R_OK), EBADF);
	CHECK_ERR("faccessat mode 8", syscall(SYS_faccessat, d, "small", 8),
		  EINVAL);
	CHECK_RET("faccessat2 AT_EACCESS",
		  syscall(SYS_faccessat2, d, "small", R_OK, AT_EACCESS), 0);
	CHECK_RET("faccessat2 AT_SYMLINK_NOFOLLOW on a dangling link",
		  syscall(SYS_faccessat2, d, "dangling", F_OK,
			  AT_SYMLINK_NOFOLLOW),
		  0);
	CHECK_ERR("faccessat2 following a dangling link",
		  syscall(SYS_faccessat2, d, "dangling", F_OK, 0), ENOENT);
	CHECK_RET("faccessat2 AT_EMPTY_PATH",
		  syscall(SYS_faccessat2, d, "", R_OK, XAT_EMPTY_PATH), 0);
	CHECK_ERR("faccessat2 unknown flag",
		  syscall(SYS_faccessat2, d, "small", R_OK, 0x1), EINVAL);
	close(d);
}

CONTRACT_TEST(getcwd_chdir)
{
	char buf[256];
	int d = open("/contract", O_RDONLY | O_DIRECTORY);
	int f = open(DATA "/small", O_RDONLY);

	CHECK_RET("raw getcwd length includes the NUL",
		  syscall(SYS_getcwd, buf, sizeof(buf)), 2);
	CHECK_ERR("size 1", syscall(SYS_getcwd, buf, 1), ERANGE);
	CHECK_ERR("size 0", syscall(SYS_getcwd, buf, 0), ERANGE);
	CHECK_RET("chdir " DATA, chdir(DATA), 0);
	CHECK_STR("getcwd", getcwd(buf, sizeof(buf)), DATA);
	CHECK_ERR("size == strlen", syscall(SYS_getcwd, buf, strlen(DATA)),
		  ERANGE);
	CHECK_RET("size == strlen + 1",
		  syscall(SYS_getcwd, buf, strlen(DATA) + 1), 15);
	close(f);
	CHECK_RET("relative open", f = open("small", O_RDONLY), 4);
	CHECK_RET("chdir sub", chdir("sub"), 0);
	CHECK_RET("chdir ..", chdir(".."), 0);
	CHECK_RET("chdir through a symlink", chdir("dirlink"), 0);
	CHECK_STR("getcwd (resolved)", getcwd(buf, sizeof(buf)), DATA "/sub");
	CHECK_RET("fchdir", fchdir(d), 0);
	CHECK_STR("getcwd", getcwd(buf, sizeof(buf)), "/contract");
	CHECK_ERR("fchdir to a file", fchdir(f), ENOTDIR);
	CHECK_ERR("fchdir(bad)", fchdir(999), EBADF);
	CHECK_ERR("chdir to a file", chdir(DATA "/small"), ENOTDIR);
	CHECK_ERR("chdir missing", chdir(DATA "/nope"), ENOENT);
	CHECK_ERR("chdir empty", chdir(""), ENOENT);
	CHECK_STR("cwd unchanged by failures", getcwd(buf, sizeof(buf)),
		  "/contract");
	CHECK_RET("chdir /..", chdir("/.."), 0);
	CHECK_STR("getcwd", getcwd(buf, sizeof(buf)), "/");
	close(d);
	close(f);
}

CONTRACT_TEST(openat)
{
	int d = open(DATA, O_RDONLY | O_DIRECTORY),
	    f = open(DATA "/small", O_RDONLY), fd;

	fd = openat(d, "sub/inner", O_RDONLY);
	CHECK("relative to dirfd", fd >= 0);
	close(fd);
	fd = openat(999, DATA "/small", O_RDONLY);
	CHECK("absolute path ignores a bad dirfd", fd >= 0);
	close(fd);
	CHECK_ERR("relative to a bad dirfd", openat(999, "small", O_RDONLY),
		  EBADF);
	CHECK_ERR("relative to a file", openat(f, "small", O_RDONLY), ENOTDIR);
	fd = openat(d, "..", O_RDONLY | O_DIRECTORY);
	CHECK("dirfd/..", fd >= 0);
	close(fd);
	fd = openat(AT_FDCWD, "contract/data/small", O_RDONLY);
	CHECK("AT_FDCWD relative", fd >= 0);
	close(fd);
	close(d);
	close(f);
}
