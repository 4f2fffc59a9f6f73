/*
 * The calls around a file's data: fsync and fdatasync (files and
 * directories yes, pipes and devices EINVAL), sync and syncfs, statfs
 * and fstatfs (tmpfs's and pipefs's numbers, the sizes as relations),
 * fallocate (growing, KEEP_SIZE, PUNCH_HOLE and the modes tmpfs
 * refuses, errors in Linux's order), fadvise64 and readahead (checks
 * only), sendfile and copy_file_range (offsets given or not, short
 * copies at the end of file, and their errors).
 */
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "contract.h"

#define CONTRACT_AREA "fileops"

#define D "/tmp/fileops"

#define FL_KEEP_SIZE 0x01
#define FL_PUNCH_HOLE 0x02
#define FL_COLLAPSE_RANGE 0x08
#define FL_ZERO_RANGE 0x10

/* A fresh file at path holding len bytes of the pattern; O_RDWR fd. */
static int mkdata(const char *path, long len)
{
	char buf[256];
	int fd;

	mkdir(D, 0755);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (long off = 0; off < len; off += (long)sizeof(buf)) {
		long n = len - off < (long)sizeof(buf) ? len - off
						       : (long)sizeof(buf);

		for (long i = 0; i < n; i++)
			buf[i] = (char)ct_pattern(off + i);
		EXPECT(pwrite(fd, buf, n, off) == n);
	}
	return fd;
}

static int holds_pattern(int fd, long from, long to, long shift)
{
	unsigned char c;

	for (long i = from; i < to; i++)
		if (pread(fd, &c, 1, i) != 1 || c != ct_pattern(i + shift))
			return 0;
	return 1;
}

static int holds_zeros(int fd, long from, long to)
{
	unsigned char c;

	for (long i = from; i < to; i++)
		if (pread(fd, &c, 1, i) != 1 || c)
			return 0;
	return 1;
}

static struct stat fst(int fd)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	fstat(fd, &st);
	return st;
}

static void cleanup(void)
{
	unlink(D "/a");
	unlink(D "/b");
	rmdir(D);
}

CONTRACT_TEST(fsync)
{
	int fd = mkdata(D "/a", 10), p[2], dfd, pfd, nul;

	CHECK_RET("fsync a file", fsync(fd), 0);
	CHECK_RET("fdatasync a file", fdatasync(fd), 0);
	dfd = open(D, O_RDONLY | O_DIRECTORY);
	CHECK_RET("fsync a directory", fsync(dfd), 0);
	close(dfd);
	EXPECT(pipe(p) == 0);
	CHECK_ERR("fsync a pipe", fsync(p[0]), EINVAL);
	CHECK_ERR("fdatasync a pipe", fdatasync(p[1]), EINVAL);
	close(p[0]);
	close(p[1]);
	nul = open("/dev/null", O_WRONLY);
	CHECK_ERR("fsync /dev/null", fsync(nul), EINVAL);
	close(nul);
	pfd = open(D "/a", O_PATH);
	CHECK_ERR("fsync an O_PATH fd", fsync(pfd), EBADF);
	CHECK_RET("syncfs", syscall(SYS_syncfs, fd), 0);
	CHECK_ERR("syncfs an O_PATH fd", syscall(SYS_syncfs, pfd), EBADF);
	close(pfd);
	CHECK_ERR("fsync a bad fd", fsync(99), EBADF);
	CHECK_ERR("syncfs a bad fd", syscall(SYS_syncfs, 99), EBADF);
	CHECK_RET("sync", (sync(), 0), 0);
	close(fd);
	cleanup();
}

CONTRACT_TEST(statfs)
{
	struct statfs s, f;
	int p[2], fd;

	CHECK_RET("statfs /tmp", statfs("/tmp", &s), 0);
	CHECK_EQX("f_type (TMPFS_MAGIC; ext4: EXT4_SUPER_MAGIC)", s.f_type,
		  ct_tree_ext4() ? 0xEF53 : 0x01021994);
	CHECK_EQ("f_bsize", s.f_bsize, 4096);
	CHECK_EQ("f_frsize", s.f_frsize, 4096);
	CHECK_EQ("f_namelen", s.f_namelen, 255);
	CHECK_EQX("f_flags (ST_VALID | ST_RELATIME)", s.f_flags, 0x1020);
	CHECK("some blocks", s.f_blocks > 0);
	CHECK("f_bfree <= f_blocks", s.f_bfree <= s.f_blocks);
	/* ext4 keeps reserved blocks back from f_bavail */
	CHECK("f_bavail == f_bfree (ext4: <)",
	      ct_tree_ext4() ? s.f_bavail < s.f_bfree
			     : s.f_bavail == s.f_bfree);
	CHECK("f_ffree <= f_files", s.f_ffree <= s.f_files);
	fd = open("/tmp", O_PATH);
	CHECK_RET("fstatfs an O_PATH fd", fstatfs(fd, &f), 0);
	CHECK_EQX("same f_type", f.f_type, s.f_type);
	CHECK("same f_fsid", !memcmp(&f.f_fsid, &s.f_fsid, sizeof(s.f_fsid)));
	close(fd);
	EXPECT(pipe(p) == 0);
	CHECK_RET("fstatfs a pipe", fstatfs(p[0], &f), 0);
	CHECK_EQX("f_type (PIPEFS_MAGIC)", f.f_type, 0x50495045);
	close(p[0]);
	close(p[1]);
	CHECK_ERR("missing path", statfs("/tmp/nx/y", &s), ENOENT);
	CHECK_ERR("bad fd", fstatfs(99, &f), EBADF);
	CHECK_ERR("bad buffer", syscall(SYS_statfs, "/tmp", BAD_LOW), EFAULT);
}

CONTRACT_TEST(fallocate)
{
	int fd = mkdata(D "/a", 100), ro, p[2], nul;
	struct stat st;

	CHECK_RET("allocate past the end", fallocate(fd, 0, 0, 3 * PG), 0);
	st = fst(fd);
	CHECK_EQ("st_size grows", st.st_size, 3 * PG);
	CHECK_EQ("st_blocks", st.st_blocks, 3 * PG / 512);
	CHECK("data kept", holds_pattern(fd, 0, 100, 0));
	CHECK("the rest reads as zeros", holds_zeros(fd, 100, 3 * PG));
	CHECK_RET("KEEP_SIZE past the end",
		  fallocate(fd, FL_KEEP_SIZE, 3 * PG, 2 * PG), 0);
	st = fst(fd);
	CHECK_EQ("st_size unchanged", st.st_size, 3 * PG);
	CHECK_EQ("st_blocks counts them", st.st_blocks, 5 * PG / 512);
	CHECK_RET("inside the file: nothing changes", fallocate(fd, 0, 10, 20),
		  0);
	CHECK_EQ("st_size", fst(fd).st_size, 3 * PG);
	close(fd);
	fd = mkdata(D "/a", 3 * PG);
	CHECK_RET("PUNCH_HOLE|KEEP_SIZE",
		  fallocate(fd, FL_PUNCH_HOLE | FL_KEEP_SIZE, 100, 2 * PG), 0);
	st = fst(fd);
	CHECK_EQ("st_size unchanged", st.st_size, 3 * PG);
	CHECK_EQ("one whole page freed", st.st_blocks, 2 * PG / 512);
	CHECK("before the hole kept", holds_pattern(fd, 0, 100, 0));
	CHECK("the hole reads as zeros", holds_zeros(fd, 100, 2 * PG + 100));
	CHECK("after the hole kept",
	      holds_pattern(fd, 2 * PG + 100, 3 * PG, 0));
	CHECK_ERR("PUNCH_HOLE without KEEP_SIZE",
		  fallocate(fd, FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP);
	if (ct_tree_ext4())
		CHECK_RET("ZERO_RANGE (ext4)",
			  fallocate(fd, FL_ZERO_RANGE, 0, 10), 0);
	else
		CHECK_ERR("ZERO_RANGE (tmpfs)",
			  fallocate(fd, FL_ZERO_RANGE, 0, 10), EOPNOTSUPP);
	CHECK_ERR("COLLAPSE_RANGE with KEEP_SIZE",
		  fallocate(fd, FL_COLLAPSE_RANGE | FL_KEEP_SIZE, 0, PG),
		  EOPNOTSUPP);
	CHECK_ERR("PUNCH_HOLE|ZERO_RANGE",
		  fallocate(fd, FL_PUNCH_HOLE | FL_ZERO_RANGE | FL_KEEP_SIZE, 0,
			    PG),
		  EOPNOTSUPP);
	if (ct_tree_ext4())
		CHECK_RET("COLLAPSE_RANGE alone (ext4)",
			  fallocate(fd, FL_COLLAPSE_RANGE, 0, PG), 0);
	else
		CHECK_ERR("COLLAPSE_RANGE alone (tmpfs)",
			  fallocate(fd, FL_COLLAPSE_RANGE, 0, PG), EOPNOTSUPP);
	CHECK_ERR("unknown mode", fallocate(fd, 0x80, 0, 10), EOPNOTSUPP);
	CHECK_ERR("len 0", fallocate(fd, 0, 0, 0), EINVAL);
	CHECK_ERR("negative offset", fallocate(fd, 0, -1, 10), EINVAL);
	CHECK_ERR("offset + len overflows",
		  syscall(SYS_fallocate, fd, 0, 0x7fffffffffff0000L, 0x100000L),
		  EFBIG);
	ro = open(D "/a", O_RDONLY);
	CHECK_ERR("read-only fd", fallocate(ro, 0, 0, 10), EBADF);
	CHECK_ERR("read-only fd, len 0 (EINVAL first)", fallocate(ro, 0, 0, 0),
		  EINVAL);
	close(ro);
	ro = open(D, O_RDONLY | O_DIRECTORY);
	CHECK_ERR("a directory (read-only)", fallocate(ro, 0, 0, 10), EBADF);
	close(ro);
	EXPECT(pipe(p) == 0);
	CHECK_ERR("a pipe", fallocate(p[1], 0, 0, 10), ESPIPE);
	close(p[0]);
	close(p[1]);
	nul = open("/dev/null", O_WRONLY);
	CHECK_ERR("/dev/null", fallocate(nul, 0, 0, 10), ENODEV);
	close(nul);
	CHECK_ERR("bad fd", fallocate(99, 0, 0, 10), EBADF);
	close(fd);
	cleanup();
}

CONTRACT_TEST(advice)
{
	int fd = mkdata(D "/a", 10), wo, p[2];

	CHECK_RET("fadvise64 NORMAL", syscall(SYS_fadvise64, fd, 0, 0, 0), 0);
	CHECK_RET("fadvise64 DONTNEED", syscall(SYS_fadvise64, fd, 0, 100, 4),
		  0);
	CHECK_ERR("advice 6", syscall(SYS_fadvise64, fd, 0, 0, 6), EINVAL);
	CHECK_RET("negative len (tmpfs does not look)",
		  syscall(SYS_fadvise64, fd, 0, -1, 0), 0);
	CHECK_ERR("bad fd", syscall(SYS_fadvise64, 99, 0, 0, 0), EBADF);
	EXPECT(pipe(p) == 0);
	CHECK_ERR("a pipe", syscall(SYS_fadvise64, p[0], 0, 0, 0), ESPIPE);
	CHECK_ERR("readahead on a pipe", syscall(SYS_readahead, p[0], 0, 10),
		  EINVAL);
	close(p[0]);
	close(p[1]);
	CHECK_RET("readahead", syscall(SYS_readahead, fd, 0, 4096), 0);
	wo = open(D "/a", O_WRONLY);
	CHECK_ERR("readahead on a write-only fd",
		  syscall(SYS_readahead, wo, 0, 10), EBADF);
	close(wo);
	wo = open(D, O_RDONLY | O_DIRECTORY);
	CHECK_ERR("readahead on a directory", syscall(SYS_readahead, wo, 0, 10),
		  EINVAL);
	close(wo);
	CHECK_ERR("readahead on a bad fd", syscall(SYS_readahead, 99, 0, 10),
		  EBADF);
	close(fd);
	cleanup();
}

CONTRACT_TEST(sendfile)
{
	int in = mkdata(D "/a", 10000), out, p[2], ro;
	off_t off;
	char buf[64];

	out = open(D "/b", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_RET("file to file", sendfile(out, in, NULL, 5000), 5000);
	CHECK_EQ("input position advanced", lseek(in, 0, SEEK_CUR), 5000);
	CHECK_EQ("output position advanced", lseek(out, 0, SEEK_CUR), 5000);
	CHECK("the data", holds_pattern(out, 0, 5000, 0));
	off = 9000;
	CHECK_RET("with an offset: up to the end",
		  sendfile(out, in, &off, 5000), 1000);
	CHECK_EQ("offset advanced", off, 10000);
	CHECK_EQ("input position unchanged", lseek(in, 0, SEEK_CUR), 5000);
	CHECK("the data", holds_pattern(out, 5000, 6000, 4000));
	CHECK_RET("at the end: 0", sendfile(out, in, &off, 10), 0);
	CHECK_RET("count 0", sendfile(out, in, NULL, 0), 0);
	EXPECT(pipe(p) == 0);
	off = 0;
	CHECK_RET("to a pipe", sendfile(p[1], in, &off, 20), 20);
	CHECK_RET("read it", read(p[0], buf, sizeof(buf)), 20);
	CHECK_ERR("from a pipe with an offset", sendfile(out, p[0], &off, 10),
		  ESPIPE);
	close(p[0]);
	close(p[1]);
	ro = open(D "/a", O_RDONLY);
	CHECK_ERR("to a read-only fd", sendfile(ro, in, NULL, 10), EBADF);
	close(ro);
	ro = open(D "/a", O_WRONLY);
	CHECK_ERR("from a write-only fd", sendfile(out, ro, NULL, 10), EBADF);
	close(ro);
	ro = open(D "/b", O_WRONLY | O_APPEND);
	CHECK_ERR("to an O_APPEND fd", sendfile(ro, in, NULL, 10), EINVAL);
	close(ro);
	off = -1;
	CHECK_ERR("negative offset", sendfile(out, in, &off, 10), EINVAL);
	CHECK_ERR("bad offset pointer",
		  syscall(SYS_sendfile, out, in, BAD_LOW, 10), EFAULT);
	CHECK_ERR("bad fds", sendfile(99, in, NULL, 10), EBADF);
	close(in);
	close(out);
	cleanup();
}

CONTRACT_TEST(copy_file_range)
{
	int in = mkdata(D "/a", 8000), out, ro, p[2], dfd;
	loff_t oi, oo;

	out = open(D "/b", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_RET("copy 3000",
		  syscall(SYS_copy_file_range, in, NULL, out, NULL, 3000, 0),
		  3000);
	CHECK_EQ("input position", lseek(in, 0, SEEK_CUR), 3000);
	CHECK_EQ("output position", lseek(out, 0, SEEK_CUR), 3000);
	CHECK("the data", holds_pattern(out, 0, 3000, 0));
	oi = 7000;
	oo = 100;
	CHECK_RET("with offsets: short at the end",
		  syscall(SYS_copy_file_range, in, &oi, out, &oo, 5000, 0),
		  1000);
	CHECK_EQ("in offset", oi, 8000);
	CHECK_EQ("out offset", oo, 1100);
	CHECK_EQ("positions unchanged", lseek(in, 0, SEEK_CUR), 3000);
	CHECK("the data", holds_pattern(out, 100, 1100, 6900));
	CHECK_RET("past the end: 0",
		  syscall(SYS_copy_file_range, in, &oi, out, &oo, 10, 0), 0);
	CHECK_RET("len 0",
		  syscall(SYS_copy_file_range, in, NULL, out, NULL, 0, 0), 0);
	CHECK_ERR("flags 1",
		  syscall(SYS_copy_file_range, in, NULL, out, NULL, 10, 1),
		  EINVAL);
	oi = 0;
	oo = 100;
	CHECK_ERR("overlapping ranges of one file",
		  syscall(SYS_copy_file_range, in, &oi, in, &oo, 200, 0),
		  EINVAL);
	oo = 8000;
	CHECK_RET("disjoint ranges of one file",
		  syscall(SYS_copy_file_range, in, &oi, in, &oo, 200, 0), 200);
	ro = open(D "/a", O_RDONLY);
	CHECK_ERR("to a read-only fd",
		  syscall(SYS_copy_file_range, in, NULL, ro, NULL, 10, 0),
		  EBADF);
	close(ro);
	ro = open(D "/b", O_WRONLY | O_APPEND);
	CHECK_ERR("to an O_APPEND fd",
		  syscall(SYS_copy_file_range, in, NULL, ro, NULL, 10, 0),
		  EBADF);
	close(ro);
	dfd = open(D, O_RDONLY | O_DIRECTORY);
	CHECK_ERR("from a directory",
		  syscall(SYS_copy_file_range, dfd, NULL, out, NULL, 10, 0),
		  EISDIR);
	close(dfd);
	EXPECT(pipe(p) == 0);
	CHECK_ERR("to a pipe",
		  syscall(SYS_copy_file_range, in, NULL, p[1], NULL, 10, 0),
		  EINVAL);
	close(p[0]);
	close(p[1]);
	CHECK_ERR("bad fd",
		  syscall(SYS_copy_file_range, 99, NULL, out, NULL, 10, 0),
		  EBADF);
	close(in);
	close(out);
	cleanup();
}

CONTRACT_TEST(splice_tee)
{
	int fd = mkdata(D "/a", 0), p[2], q[2], f2;
	loff_t off;
	char buf[32];

	EXPECT(pipe(p) == 0 && pipe(q) == 0);
	EXPECT(write(p[1], "hello", 5) == 5);
	off = 2;
	CHECK_RET("pipe to a file at an offset",
		  syscall(SYS_splice, p[0], NULL, fd, &off, 10, 0), 5);
	CHECK_EQ("offset advanced", off, 7);
	CHECK_EQ("file position unchanged", lseek(fd, 0, SEEK_CUR), 0);
	memset(buf, 0, sizeof(buf));
	CHECK_RET("the file", pread(fd, buf, sizeof(buf), 0), 7);
	CHECK("holds the data", !memcmp(buf + 2, "hello", 5));
	off = 2;
	CHECK_RET("file to a pipe",
		  syscall(SYS_splice, fd, &off, q[1], NULL, 3, 0), 3);
	CHECK_RET("read it", read(q[0], buf, sizeof(buf)), 3);
	CHECK("the bytes", !memcmp(buf, "hel", 3));
	EXPECT(write(p[1], "abc", 3) == 3);
	CHECK_RET("pipe to pipe",
		  syscall(SYS_splice, p[0], NULL, q[1], NULL, 100, 0), 3);
	EXPECT(write(p[1], "xyz", 3) == 3);
	CHECK_RET("tee", syscall(SYS_tee, p[0], q[1], 100, 0), 3);
	CHECK_RET("the input keeps its data", read(p[0], buf, sizeof(buf)), 3);
	CHECK_RET("the output has both", read(q[0], buf, sizeof(buf)), 6);
	CHECK("in order", !memcmp(buf, "abcxyz", 6));
	CHECK_ERR("tee from an empty pipe, SPLICE_F_NONBLOCK",
		  syscall(SYS_tee, p[0], q[1], 10, 2), EAGAIN);
	CHECK_RET("len 0", syscall(SYS_splice, p[0], NULL, q[1], NULL, 0, 0),
		  0);
	CHECK_ERR("bad flags",
		  syscall(SYS_splice, p[0], NULL, q[1], NULL, 1, 0x10), EINVAL);
	f2 = open(D "/a", O_RDONLY);
	CHECK_ERR("no pipe at all",
		  syscall(SYS_splice, f2, NULL, fd, NULL, 1, 0), EINVAL);
	off = 0;
	CHECK_ERR("an offset for a pipe end",
		  syscall(SYS_splice, p[0], &off, fd, NULL, 1, 0), ESPIPE);
	CHECK_ERR("a pipe to itself",
		  syscall(SYS_splice, p[0], NULL, p[1], NULL, 1, 0), EINVAL);
	CHECK_ERR("into a read-only file",
		  syscall(SYS_splice, p[0], NULL, f2, NULL, 1, 0), EBADF);
	CHECK_ERR("tee of a file", syscall(SYS_tee, f2, q[1], 1, 0), EINVAL);
	CHECK_ERR("a bad fd", syscall(SYS_splice, 99, NULL, q[1], NULL, 1, 0),
		  EBADF);
	close(p[1]);
	CHECK_RET("from an empty pipe with no writer",
		  syscall(SYS_splice, p[0], NULL, q[1], NULL, 10, 0), 0);
	close(f2);
	close(p[0]);
	close(q[0]);
	close(q[1]);
	close(fd);
	cleanup();
}
