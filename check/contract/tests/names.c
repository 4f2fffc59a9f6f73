/*
 * The name space: mkdir, rmdir, unlink, link, symlink, mknod and rename
 * in their plain and *at() forms, with Linux's errors in Linux's order,
 * link counts and directory sizes as tmpfs keeps them, and a file that
 * stays usable after its last name is gone.  Every test works in its own
 * directory under /tmp and removes it.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "contract.h"

#define CONTRACT_AREA "names"

#define T "/tmp/names"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif

/* Raw: musl has no renameat2() wrapper. */
static long renameat2_(int od, const char *op, int nd, const char *np,
		       unsigned int flags)
{
	return syscall(SYS_renameat2, od, op, nd, np, flags);
}
#define renameat2 renameat2_

/* Remove path and everything below it (best effort). */
static void rmtree(const char *path)
{
	struct stat st;
	DIR *d;

	if (lstat(path, &st))
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0755);
	d = opendir(path);
	if (d) {
		struct dirent *e;
		char sub[512];

		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rmtree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* A fresh, empty T. */
static void fresh(void)
{
	rmtree(T);
	EXPECT(mkdir(T, 0755) == 0);
}

static void mkfile(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	EXPECT(fd >= 0);
	if (text)
		EXPECT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static long nlink_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -1 : (long)st.st_nlink;
}

static long size_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -1 : (long)st.st_size;
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_mode;
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_ino;
}

/* The text of a small file ("" if unreadable). */
static const char *text_of(const char *path)
{
	static char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

CONTRACT_TEST(mkdir)
{
	char longname[300];

	fresh();
	CHECK_RET("mkdir 0777", mkdir(T "/d", 0777), 0);
	CHECK_EQO("mode (umask 022)", mode_of(T "/d"), S_IFDIR | 0755);
	CHECK_EQ("st_nlink", nlink_of(T "/d"), 2);
	CHECK_EQ("parent st_nlink", nlink_of(T), 3);
	CHECK_EQ("empty directory st_size", size_of(T "/d"), CT_DIRSIZE(40));
	CHECK_RET("mkdir with a trailing slash", mkdir(T "/e/", 0700), 0);
	CHECK_EQO("mode", mode_of(T "/e"), S_IFDIR | 0700);
	CHECK_EQ("parent st_size with two entries", size_of(T), CT_DIRSIZE(80));
	CHECK_RET("sticky and setuid bits", mkdir(T "/s", 07777), 0);
	CHECK_EQO("mode keeps only the sticky bit", mode_of(T "/s"),
		  S_IFDIR | 01755);
	CHECK_ERR("existing directory", mkdir(T "/d", 0755), EEXIST);
	mkfile(T "/f", NULL);
	CHECK_ERR("existing file", mkdir(T "/f", 0755), EEXIST);
	CHECK_ERR("existing file with a slash", mkdir(T "/f/", 0755), EEXIST);
	CHECK_ERR("\".\"", mkdir(T "/d/.", 0755), EEXIST);
	CHECK_ERR("\"..\"", mkdir(T "/d/..", 0755), EEXIST);
	CHECK_ERR("\"/\"", mkdir("/", 0755), EEXIST);
	CHECK_ERR("missing parent", mkdir(T "/nx/d", 0755), ENOENT);
	CHECK_ERR("file as parent", mkdir(T "/f/d", 0755), ENOTDIR);
	CHECK_ERR("empty path", mkdir("", 0755), ENOENT);
	CHECK_ERR("bad address", syscall(SYS_mkdir, BAD_LOW, 0755), EFAULT);
	memset(longname, 'n', 256);
	longname[256] = 0;
	CHECK_ERR("name of 256 bytes", (chdir(T), mkdir(longname, 0755)),
		  ENAMETOOLONG);
	longname[255] = 0;
	CHECK_RET("name of 255 bytes", mkdir(longname, 0755), 0);
	chdir("/");
	CHECK_ERR("dangling symlink as the name",
		  (symlink("nowhere", T "/dl"), mkdir(T "/dl", 0755)), EEXIST);
	rmtree(T);
}

CONTRACT_TEST(mkdirat)
{
	int dfd, ffd;

	fresh();
	dfd = open(T, O_RDONLY | O_DIRECTORY);
	CHECK_RET("mkdirat relative to a directory fd",
		  mkdirat(dfd, "sub", 0755), 0);
	CHECK_EQO("mode", mode_of(T "/sub"), S_IFDIR | 0755);
	CHECK_RET("absolute path ignores the fd", mkdirat(-1, T "/abs", 0755),
		  0);
	CHECK_ERR("bad fd", mkdirat(99, "x", 0755), EBADF);
	mkfile(T "/f", NULL);
	ffd = open(T "/f", O_RDONLY);
	CHECK_ERR("fd of a file", mkdirat(ffd, "x", 0755), ENOTDIR);
	close(ffd);
	close(dfd);
	dfd = open(T, O_PATH);
	CHECK_RET("O_PATH directory fd", mkdirat(dfd, "p", 0755), 0);
	close(dfd);
	rmtree(T);
}

CONTRACT_TEST(rmdir)
{
	fresh();
	EXPECT(mkdir(T "/d", 0755) == 0 && mkdir(T "/d/sub", 0755) == 0);
	mkfile(T "/f", NULL);
	CHECK_ERR("non-empty", rmdir(T "/d"), ENOTEMPTY);
	CHECK_ERR("a file", rmdir(T "/f"), ENOTDIR);
	CHECK_ERR("a file with a slash", rmdir(T "/f/"), ENOTDIR);
	CHECK_ERR("missing", rmdir(T "/nx"), ENOENT);
	CHECK_ERR("\".\"", rmdir(T "/d/."), EINVAL);
	CHECK_ERR("\"..\"", rmdir(T "/d/sub/.."), ENOTEMPTY);
	CHECK_ERR("\"/\"", rmdir("/"), EBUSY);
	CHECK_ERR("empty path", rmdir(""), ENOENT);
	CHECK_EQ("parent st_nlink before", nlink_of(T "/d"), 3);
	CHECK_RET("rmdir with a trailing slash", rmdir(T "/d/sub/"), 0);
	CHECK_EQ("parent st_nlink after", nlink_of(T "/d"), 2);
	CHECK_EQ("parent st_size after", size_of(T "/d"), CT_DIRSIZE(40));
	CHECK_ERR("again", rmdir(T "/d/sub"), ENOENT);
	symlink("d", T "/dl");
	CHECK_ERR("a symlink to a directory", rmdir(T "/dl"), ENOTDIR);
	CHECK_RET("unlinkat AT_REMOVEDIR",
		  unlinkat(AT_FDCWD, T "/d", AT_REMOVEDIR), 0);
	rmtree(T);
}

CONTRACT_TEST(unlink)
{
	fresh();
	mkfile(T "/f", "x");
	EXPECT(mkdir(T "/d", 0755) == 0);
	CHECK_ERR("a directory", unlink(T "/d"), EISDIR);
	CHECK_ERR("a directory with a slash", unlink(T "/d/"), EISDIR);
	CHECK_ERR("a file with a slash", unlink(T "/f/"), ENOTDIR);
	CHECK_ERR("\".\"", unlink(T "/d/."), EISDIR);
	CHECK_ERR("\"..\"", unlink(T "/d/.."), EISDIR);
	CHECK_ERR("missing", unlink(T "/nx"), ENOENT);
	CHECK_ERR("missing with a slash", unlink(T "/nx/"), ENOENT);
	CHECK_ERR("under a file", unlink(T "/f/x"), ENOTDIR);
	CHECK_ERR("bad flags", unlinkat(AT_FDCWD, T "/f", 0x1), EINVAL);
	CHECK_ERR("AT_SYMLINK_NOFOLLOW is not a flag here",
		  unlinkat(AT_FDCWD, T "/f", AT_SYMLINK_NOFOLLOW), EINVAL);
	CHECK_ERR("bad address", syscall(SYS_unlink, BAD_LOW), EFAULT);
	symlink("f", T "/l");
	CHECK_RET("a symlink (not its target)", unlink(T "/l"), 0);
	CHECK_EQ("target still there", nlink_of(T "/f"), 1);
	CHECK_RET("the file", unlink(T "/f"), 0);
	CHECK_ERR("gone", access(T "/f", F_OK), ENOENT);
	CHECK_EQ("directory st_size (one entry left)", size_of(T),
		 CT_DIRSIZE(60));
	rmtree(T);
}

CONTRACT_TEST(unlinked_open)
{
	struct stat st;
	char buf[16];
	int fd, fd2;

	fresh();
	fd = open(T "/f", O_RDWR | O_CREAT, 0644);
	EXPECT(write(fd, "hello", 5) == 5);
	fd2 = open(T "/f", O_RDONLY);
	CHECK_RET("unlink while open", unlink(T "/f"), 0);
	fstat(fd, &st);
	CHECK_EQ("st_nlink", st.st_nlink, 0);
	CHECK_EQ("st_size", st.st_size, 5);
	CHECK_RET("write more", pwrite(fd, " world", 6, 5), 6);
	CHECK_RET("read through the other fd", pread(fd2, buf, sizeof(buf), 0),
		  11);
	CHECK("the data", !memcmp(buf, "hello world", 11));
	CHECK_ERR("the name is gone", access(T "/f", F_OK), ENOENT);
	CHECK_RET("a new file of that name", (mkfile(T "/f", "new"), 0), 0);
	CHECK("is another file", st.st_ino != ino_of(T "/f"));
	CHECK_RET("ftruncate the unlinked file", ftruncate(fd, 2), 0);
	CHECK_RET("read", pread(fd2, buf, sizeof(buf), 0), 2);
	CHECK_STR("the new file untouched", text_of(T "/f"), "new");
	close(fd);
	close(fd2);
	rmtree(T);
}

CONTRACT_TEST(link)
{
	int fd;

	fresh();
	mkfile(T "/f", "data");
	EXPECT(mkdir(T "/d", 0755) == 0);
	CHECK_RET("link", link(T "/f", T "/g"), 0);
	CHECK_EQ("st_nlink", nlink_of(T "/f"), 2);
	CHECK("same inode", ino_of(T "/f") == ino_of(T "/g"));
	CHECK_STR("same data", text_of(T "/g"), "data");
	CHECK_ERR("existing name", link(T "/f", T "/g"), EEXIST);
	CHECK_ERR("existing directory", link(T "/f", T "/d"), EEXIST);
	CHECK_ERR("a directory", link(T "/d", T "/d2"), EPERM);
	CHECK_ERR("a directory onto an existing name", link(T "/d", T "/g"),
		  EEXIST);
	CHECK_ERR("missing source", link(T "/nx", T "/h"), ENOENT);
	CHECK_ERR("new name with a slash", link(T "/f", T "/h/"), ENOENT);
	CHECK_ERR("source with a slash", link(T "/f/", T "/h"), ENOTDIR);
	CHECK_ERR("missing directory", link(T "/f", T "/nx/h"), ENOENT);
	CHECK_ERR("\".\" as the new name", link(T "/f", T "/d/."), EEXIST);
	CHECK_ERR("bad flags", linkat(AT_FDCWD, T "/f", AT_FDCWD, T "/h", 1),
		  EINVAL);
	symlink("f", T "/l");
	CHECK_RET("link a symlink",
		  linkat(AT_FDCWD, T "/l", AT_FDCWD, T "/l2", 0), 0);
	CHECK("is a symlink", S_ISLNK(mode_of(T "/l2")));
	CHECK_RET(
		"AT_SYMLINK_FOLLOW",
		linkat(AT_FDCWD, T "/l", AT_FDCWD, T "/l3", AT_SYMLINK_FOLLOW),
		0);
	CHECK("links the target", ino_of(T "/l3") == ino_of(T "/f"));
	CHECK_EQ("st_nlink", nlink_of(T "/f"), 3);
	symlink("nowhere", T "/dang");
	CHECK_ERR("AT_SYMLINK_FOLLOW, dangling",
		  linkat(AT_FDCWD, T "/dang", AT_FDCWD, T "/x",
			 AT_SYMLINK_FOLLOW),
		  ENOENT);
	fd = open(T "/f", O_RDONLY);
	CHECK_RET("AT_EMPTY_PATH (root)",
		  linkat(fd, "", AT_FDCWD, T "/e", AT_EMPTY_PATH), 0);
	CHECK("links the fd's file", ino_of(T "/e") == ino_of(T "/f"));
	CHECK_ERR("\"\" without AT_EMPTY_PATH",
		  linkat(fd, "", AT_FDCWD, T "/e2", 0), ENOENT);
	close(fd);
	fd = open(T "/t", O_RDWR | O_CREAT, 0644);
	unlink(T "/t");
	CHECK_ERR("AT_EMPTY_PATH of an unlinked file",
		  linkat(fd, "", AT_FDCWD, T "/t2", AT_EMPTY_PATH), ENOENT);
	close(fd);
	CHECK_RET("unlink one name", unlink(T "/g"), 0);
	CHECK_EQ("st_nlink", nlink_of(T "/f"), 3);
	rmtree(T);
}

CONTRACT_TEST(symlink)
{
	char buf[64];
	int dfd;

	fresh();
	CHECK_RET("symlink", symlink("target/path", T "/l"), 0);
	CHECK_EQO("mode", mode_of(T "/l"), S_IFLNK | 0777);
	CHECK_EQ("st_size", size_of(T "/l"), 11);
	CHECK_EQ("st_nlink", nlink_of(T "/l"), 1);
	CHECK_RET("readlink", readlink(T "/l", buf, sizeof(buf)), 11);
	CHECK_ERR("existing name", symlink("x", T "/l"), EEXIST);
	CHECK_ERR("empty target", symlink("", T "/e"), ENOENT);
	CHECK_ERR("name with a slash", symlink("x", T "/n/"), ENOENT);
	CHECK_ERR("missing directory", symlink("x", T "/nx/n"), ENOENT);
	CHECK_ERR("bad target address", syscall(SYS_symlink, BAD_LOW, T "/b"),
		  EFAULT);
	dfd = open(T, O_RDONLY | O_DIRECTORY);
	CHECK_RET("symlinkat", symlinkat("/", dfd, "root"), 0);
	CHECK_RET("follows to a directory", S_ISDIR(({
			  struct stat st;
			  stat(T "/root", &st) ? 0 : st.st_mode;
		  })),
		  1);
	close(dfd);
	mkfile(T "/f", "abc");
	symlink("f", T "/lf");
	CHECK_STR("read through it", text_of(T "/lf"), "abc");
	CHECK_ERR("O_NOFOLLOW on it", open(T "/lf", O_RDONLY | O_NOFOLLOW),
		  ELOOP);
	symlink("loop2", T "/loop1");
	symlink("loop1", T "/loop2");
	CHECK_ERR("a loop", open(T "/loop1", O_RDONLY), ELOOP);
	CHECK_ERR("O_CREAT through a dangling link into a missing directory",
		  (symlink("nx/new", T "/dl"),
		   open(T "/dl", O_CREAT | O_WRONLY, 0644)),
		  ENOENT);
	CHECK_RET("O_CREAT through a dangling link",
		  (symlink("made", T "/dl2"),
		   close(open(T "/dl2", O_CREAT | O_WRONLY, 0644))),
		  0);
	CHECK("creates the target", S_ISREG(mode_of(T "/made")));
	rmtree(T);
}

CONTRACT_TEST(mknod)
{
	struct stat st;

	fresh();
	CHECK_RET("a FIFO", mknod(T "/fifo", S_IFIFO | 0666, 0), 0);
	CHECK_EQO("mode (umask 022)", mode_of(T "/fifo"), S_IFIFO | 0644);
	CHECK_RET("mode 0 type: a regular file", mknod(T "/reg", 0644, 0), 0);
	CHECK_EQO("mode", mode_of(T "/reg"), S_IFREG | 0644);
	CHECK_RET("a character device",
		  mknod(T "/null", S_IFCHR | 0666, makedev(1, 3)), 0);
	stat(T "/null", &st);
	CHECK_EQ("major", major(st.st_rdev), 1);
	CHECK_EQ("minor", minor(st.st_rdev), 3);
	CHECK_RET("a large device number",
		  mknod(T "/big", S_IFBLK | 0600, makedev(300, 70000)), 0);
	stat(T "/big", &st);
	CHECK_EQ("major", major(st.st_rdev), 300);
	CHECK_EQ("minor", minor(st.st_rdev), 70000);
	CHECK_EQ("st_size", st.st_size, 0);
	CHECK_RET("a socket node", mknod(T "/sock", S_IFSOCK | 0644, 0), 0);
	CHECK("is a socket", S_ISSOCK(mode_of(T "/sock")));
	CHECK_ERR("a directory", mknod(T "/dir", S_IFDIR | 0755, 0), EPERM);
	CHECK_ERR("a directory, missing parent",
		  mknod(T "/nx/dir", S_IFDIR | 0755, 0), EPERM);
	CHECK_ERR("an unknown type", mknod(T "/u", 0110000 | 0644, 0), EINVAL);
	CHECK_ERR("a symlink type", mknod(T "/u", S_IFLNK | 0644, 0), EINVAL);
	CHECK_ERR("existing", mknod(T "/fifo", S_IFIFO | 0644, 0), EEXIST);
	CHECK_ERR("missing directory", mknod(T "/nx/f", S_IFIFO | 0644, 0),
		  ENOENT);
	CHECK_RET("the new /dev/null works", ({
			  int fd = open(T "/null", O_WRONLY);
			  long r = write(fd, "x", 1);
			  close(fd);
			  r;
		  }),
		  1);
	rmtree(T);
}

CONTRACT_TEST(rename_files)
{
	struct stat st, st2;

	fresh();
	mkfile(T "/a", "A");
	mkfile(T "/b", "B");
	stat(T "/a", &st);
	CHECK_RET("rename to a new name", rename(T "/a", T "/c"), 0);
	CHECK_ERR("old name gone", access(T "/a", F_OK), ENOENT);
	stat(T "/c", &st2);
	CHECK("same inode", st.st_ino == st2.st_ino);
	CHECK_RET("over an existing file", rename(T "/c", T "/b"), 0);
	CHECK_STR("the data moved", text_of(T "/b"), "A");
	CHECK_EQ("directory st_size (one entry left)", size_of(T),
		 CT_DIRSIZE(60));
	CHECK_RET("onto itself", rename(T "/b", T "/b"), 0);
	link(T "/b", T "/h");
	CHECK_RET("onto another link of itself", rename(T "/b", T "/h"), 0);
	CHECK_EQ("both names stay", nlink_of(T "/b"), 2);
	CHECK_ERR("missing source", rename(T "/nx", T "/y"), ENOENT);
	CHECK_ERR("missing target directory", rename(T "/b", T "/nx/y"),
		  ENOENT);
	CHECK_ERR("source with a slash", rename(T "/b/", T "/y"), ENOTDIR);
	CHECK_ERR("target with a slash", rename(T "/b", T "/y/"), ENOTDIR);
	CHECK_ERR("\".\"", rename(T "/.", T "/y"), EBUSY);
	CHECK_ERR("onto \"..\"", rename(T "/b", T "/.."), EBUSY);
	CHECK_ERR("\"/\"", rename("/", T "/y"), EBUSY);
	CHECK_ERR("empty path", rename("", T "/y"), ENOENT);
	symlink("b", T "/l");
	CHECK_RET("a symlink (not its target)", rename(T "/l", T "/l2"), 0);
	CHECK("still a symlink", S_ISLNK(mode_of(T "/l2")));
	CHECK_STR("to the same file", text_of(T "/l2"), "A");
	CHECK_RET("renameat with fds", ({
			  int d = open(T, O_RDONLY | O_DIRECTORY);
			  long r = renameat(d, "l2", d, "l3");
			  close(d);
			  r;
		  }),
		  0);
	rmtree(T);
}

CONTRACT_TEST(rename_dirs)
{
	fresh();
	EXPECT(mkdir(T "/d", 0755) == 0 && mkdir(T "/d/sub", 0755) == 0);
	EXPECT(mkdir(T "/e", 0755) == 0 && mkdir(T "/empty", 0755) == 0);
	mkfile(T "/d/sub/f", "x");
	mkfile(T "/f", "y");
	CHECK_RET("a directory to a new name", rename(T "/d", T "/d2"), 0);
	CHECK_STR("its contents came along", text_of(T "/d2/sub/f"), "x");
	CHECK_RET("into another directory", rename(T "/d2/sub", T "/e/sub"), 0);
	CHECK_EQ("old parent st_nlink", nlink_of(T "/d2"), 2);
	CHECK_EQ("new parent st_nlink", nlink_of(T "/e"), 3);
	CHECK("\"..\" is the new parent",
	      ino_of(T "/e/sub/..") == ino_of(T "/e"));
	CHECK_RET("over an empty directory", rename(T "/e/sub", T "/empty"), 0);
	CHECK_EQ("st_nlink of " T, nlink_of(T), 5);
	CHECK_ERR("over a non-empty directory", rename(T "/d2", T "/empty"),
		  ENOTEMPTY);
	mkfile(T "/e/g", NULL);
	CHECK_ERR("over a non-empty directory (2)", rename(T "/d2", T "/e"),
		  ENOTEMPTY);
	CHECK_ERR("a file over a directory", rename(T "/f", T "/d2"), EISDIR);
	CHECK_ERR("a directory over a file", rename(T "/d2", T "/f"), ENOTDIR);
	CHECK_ERR("into its own subtree",
		  rename(T "/empty", T "/empty/f/below"), ENOTDIR);
	EXPECT(mkdir(T "/d2/x", 0755) == 0);
	CHECK_ERR("into its own child", rename(T "/d2", T "/d2/x/y"), EINVAL);
	CHECK_ERR("onto its own child", rename(T "/d2", T "/d2/x"), EINVAL);
	CHECK_ERR("onto its parent", rename(T "/d2/x", T "/d2"), ENOTEMPTY);
	CHECK_RET("with slashes", rename(T "/d2/", T "/d3/"), 0);
	rmtree(T);
}

CONTRACT_TEST(renameat2)
{
	fresh();
	mkfile(T "/a", "A");
	mkfile(T "/b", "B");
	EXPECT(mkdir(T "/d", 0755) == 0);
	CHECK_ERR(
		"RENAME_NOREPLACE onto an existing file",
		renameat2(AT_FDCWD, T "/a", AT_FDCWD, T "/b", RENAME_NOREPLACE),
		EEXIST);
	CHECK_RET(
		"RENAME_NOREPLACE to a new name",
		renameat2(AT_FDCWD, T "/a", AT_FDCWD, T "/c", RENAME_NOREPLACE),
		0);
	CHECK_ERR("RENAME_NOREPLACE onto \".\"",
		  renameat2(AT_FDCWD, T "/c", AT_FDCWD, T "/d/.",
			    RENAME_NOREPLACE),
		  EEXIST);
	CHECK_RET(
		"RENAME_EXCHANGE",
		renameat2(AT_FDCWD, T "/b", AT_FDCWD, T "/c", RENAME_EXCHANGE),
		0);
	CHECK_STR("b", text_of(T "/b"), "A");
	CHECK_STR("c", text_of(T "/c"), "B");
	CHECK_RET(
		"RENAME_EXCHANGE a file and a directory",
		renameat2(AT_FDCWD, T "/b", AT_FDCWD, T "/d", RENAME_EXCHANGE),
		0);
	CHECK("b is the directory now", S_ISDIR(mode_of(T "/b")));
	CHECK_STR("d is the file", text_of(T "/d"), "A");
	CHECK_ERR(
		"RENAME_EXCHANGE with a missing target",
		renameat2(AT_FDCWD, T "/c", AT_FDCWD, T "/nx", RENAME_EXCHANGE),
		ENOENT);
	CHECK_ERR("RENAME_EXCHANGE | RENAME_NOREPLACE",
		  renameat2(AT_FDCWD, T "/c", AT_FDCWD, T "/d",
			    RENAME_EXCHANGE | RENAME_NOREPLACE),
		  EINVAL);
	CHECK_ERR("unknown flag",
		  renameat2(AT_FDCWD, T "/c", AT_FDCWD, T "/d", 8), EINVAL);
	CHECK_ERR("flags before paths",
		  renameat2(AT_FDCWD, T "/nx", AT_FDCWD, T "/d", 8), EINVAL);
	rmtree(T);
}

CONTRACT_TEST(tmpfile)
{
	struct stat st;
	char buf[8];
	int fd, fx;

	fresh();
	fd = open(T, O_TMPFILE | O_RDWR, 0640);
	CHECK("O_TMPFILE: a descriptor", fd >= 0);
	fstat(fd, &st);
	CHECK("a regular file", S_ISREG(st.st_mode));
	CHECK_EQO("mode", st.st_mode & 07777, 0640);
	CHECK_EQ("st_nlink", st.st_nlink, 0);
	CHECK_EQ("the directory is still empty", size_of(T), CT_DIRSIZE(40));
	CHECK_RET("write", pwrite(fd, "tmp", 3, 0), 3);
	CHECK_RET("link it a name (AT_EMPTY_PATH)",
		  linkat(fd, "", AT_FDCWD, T "/named", AT_EMPTY_PATH), 0);
	CHECK_EQ("st_nlink", nlink_of(T "/named"), 1);
	CHECK_RET("its data", ({
			  int r = open(T "/named", O_RDONLY);
			  long n = read(r, buf, sizeof(buf));
			  close(r);
			  n;
		  }),
		  3);
	CHECK_RET("a second link through the fd",
		  linkat(fd, "", AT_FDCWD, T "/again", AT_EMPTY_PATH), 0);
	CHECK_EQ("st_nlink", nlink_of(T "/named"), 2);
	close(fd);
	fx = open(T, O_TMPFILE | O_RDWR | O_EXCL, 0600);
	CHECK_ERR("O_EXCL: it can never be linked",
		  linkat(fx, "", AT_FDCWD, T "/x", AT_EMPTY_PATH), ENOENT);
	close(fx);
	CHECK_ERR("O_TMPFILE read-only", open(T, O_TMPFILE | O_RDONLY, 0600),
		  EINVAL);
	CHECK_ERR("O_TMPFILE on a file",
		  open(T "/named", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
	CHECK_ERR("O_TMPFILE on a missing directory",
		  open(T "/nx", O_TMPFILE | O_RDWR, 0600), ENOENT);
	rmtree(T);
}

CONTRACT_TEST(times_on_change)
{
	struct stat d0, d1, f0, f1;

	fresh();
	mkfile(T "/f", "x");
	stat(T, &d0);
	stat(T "/f", &f0);
	usleep(20000);
	link(T "/f", T "/g");
	stat(T, &d1);
	stat(T "/f", &f1);
	CHECK("link: directory mtime advances",
	      d1.st_mtim.tv_sec * 1000000000L + d1.st_mtim.tv_nsec >
		      d0.st_mtim.tv_sec * 1000000000L + d0.st_mtim.tv_nsec);
	CHECK("link: file ctime advances",
	      f1.st_ctim.tv_sec * 1000000000L + f1.st_ctim.tv_nsec >
		      f0.st_ctim.tv_sec * 1000000000L + f0.st_ctim.tv_nsec);
	CHECK("link: file mtime stays",
	      f1.st_mtim.tv_sec == f0.st_mtim.tv_sec &&
		      f1.st_mtim.tv_nsec == f0.st_mtim.tv_nsec);
	rmtree(T);
}
