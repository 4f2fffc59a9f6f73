/*
 * Files and fds: open flags, fd numbering, dup/dup2/dup3, fcntl, lseek,
 * read/write/pread/pwrite, readv/writev (partial cases), device files,
 * ioctl, close.  Writes go only to the files under RW, each used by one
 * test and reset with O_TRUNC first.
 */
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>

#include "contract.h"

#define CONTRACT_AREA "fd"

CONTRACT_TEST(lowest_free)
{
	int a = open(DATA "/small", O_RDONLY);
	int b = open(DATA "/small", O_RDONLY);
	int c = open(DATA "/small", O_RDONLY);

	CHECK_EQ("first open", a, 3);
	CHECK_EQ("second open", b, 4);
	CHECK_EQ("third open", c, 5);
	close(b);
	b = open(DATA "/small", O_RDONLY);
	CHECK_EQ("reuses the hole", b, 4);
	close(a);
	close(b);
	close(c);
	a = open(DATA "/small", O_RDONLY);
	CHECK_EQ("back to 3", a, 3);
	close(a);
}

CONTRACT_TEST(open_getfl)
{
	static const struct {
		int flags;
		const char *name;
	} modes[] = {
		{ O_RDONLY, "O_RDONLY" },
		{ O_WRONLY, "O_WRONLY" },
		{ O_RDWR, "O_RDWR" },
		{ O_RDONLY | O_NONBLOCK, "O_RDONLY|O_NONBLOCK" },
		{ O_WRONLY | O_APPEND, "O_WRONLY|O_APPEND" },
		{ O_RDWR | O_CLOEXEC, "O_RDWR|O_CLOEXEC" },
		{ O_RDONLY | O_NOFOLLOW | O_NOCTTY,
		  "O_RDONLY|O_NOFOLLOW|O_NOCTTY" },
		{ O_RDONLY | O_SYNC, "O_RDONLY|O_SYNC" },
		{ O_RDONLY | O_DSYNC, "O_RDONLY|O_DSYNC" },
	};
	char l[96];

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int fd = syscall(SYS_open, RW "/scratch", modes[i].flags);

		snprintf(l, sizeof(l), "F_GETFL after open(%s)", modes[i].name);
		CHECK("open", fd >= 0);
		ct_say("%s: %#o", l, fcntl(fd, F_GETFL));
		close(fd);
	}
	int fd = syscall(SYS_open, RW "/scratch", O_RDONLY);
	CHECK_EQO("O_LARGEFILE forced on 64-bit", fcntl(fd, F_GETFL),
		  K_O_LARGEFILE);
	close(fd);
}

CONTRACT_TEST(cloexec)
{
	int a = open(DATA "/small", O_RDONLY | O_CLOEXEC);
	int b = open(DATA "/small", O_RDONLY);

	CHECK_RET("F_GETFD with O_CLOEXEC", fcntl(a, F_GETFD), FD_CLOEXEC);
	CHECK_RET("F_GETFD without", fcntl(b, F_GETFD), 0);
	CHECK_RET("F_SETFD(FD_CLOEXEC)", fcntl(b, F_SETFD, FD_CLOEXEC), 0);
	CHECK_RET("F_GETFD", fcntl(b, F_GETFD), FD_CLOEXEC);
	CHECK_RET("F_SETFD(0)", fcntl(a, F_SETFD, 0), 0);
	CHECK_RET("F_GETFD", fcntl(a, F_GETFD), 0);
	CHECK_RET("F_SETFD(0xff): only bit 0 kept", fcntl(a, F_SETFD, 0xff), 0);
	CHECK_RET("F_GETFD", fcntl(a, F_GETFD), FD_CLOEXEC);
	CHECK_RET("ioctl(FIONCLEX)", ioctl(a, FIONCLEX), 0);
	CHECK_RET("F_GETFD", fcntl(a, F_GETFD), 0);
	CHECK_RET("ioctl(FIOCLEX)", ioctl(a, FIOCLEX), 0);
	CHECK_RET("F_GETFD", fcntl(a, F_GETFD), FD_CLOEXEC);
	close(a);
	close(b);
}

CONTRACT_TEST(dup)
{
	int a = open(DATA "/small", O_RDONLY | O_CLOEXEC), b;
	char c;

	b = dup(a);
	CHECK_EQ("dup gives the lowest free", b, a + 1);
	CHECK_RET("dup clears FD_CLOEXEC", fcntl(b, F_GETFD), 0);
	CHECK_RET("read 5 through the dup",
		  read(b, &c, 1) + read(b, &c, 1) + read(b, &c, 1) +
			  read(b, &c, 1) + read(b, &c, 1),
		  5);
	CHECK_RET("offset is shared", lseek(a, 0, SEEK_CUR), 5);
	CHECK_RET("F_SETFL shared: O_NONBLOCK on one",
		  fcntl(a, F_SETFL, O_NONBLOCK), 0);
	CHECK("visible on the other", fcntl(b, F_GETFL) & O_NONBLOCK);
	close(a);
	CHECK_RET("dup still usable after closing the original", read(b, &c, 1),
		  1);
	CHECK_ERR("dup(bad)", dup(999), EBADF);
	CHECK_ERR("dup(-1)", dup(-1), EBADF);
	close(b);
}

CONTRACT_TEST(dup2)
{
	int a = open(DATA "/small", O_RDONLY), b = open(DATA "/page", O_RDONLY);
	struct stat st;

	CHECK_RET("dup2(a, a)", dup2(a, a), a);
	CHECK_RET("dup2 onto an open fd", dup2(a, b), b);
	fstat(b, &st);
	CHECK_EQ("b now refers to small", st.st_size, 16);
	CHECK_RET("dup2 to 100", dup2(a, 100), 100);
	CHECK_RET("fd 100 open", fcntl(100, F_GETFD), 0);
	CHECK_RET("dup2 keeps no FD_CLOEXEC",
		  (fcntl(a, F_SETFD, FD_CLOEXEC), dup2(a, 101)), 101);
	CHECK_RET("F_GETFD(101)", fcntl(101, F_GETFD), 0);
	CHECK_ERR("dup2(bad, 50)", dup2(999, 50), EBADF);
	CHECK_ERR("dup2(bad, bad)", syscall(SYS_dup2, 999, 999), EBADF);
	CHECK_ERR("dup2 to -1", dup2(a, -1), EBADF);
	CHECK_ERR("dup2 to the NOFILE limit", dup2(a, 4096), EBADF);
	CHECK_ERR("fd 50 untouched", fcntl(50, F_GETFD), EBADF);
	close(a);
	close(b);
	close(100);
	close(101);
}

CONTRACT_TEST(dup3)
{
	int a = open(DATA "/small", O_RDONLY);

	CHECK_RET("dup3(a, 20, 0)", syscall(SYS_dup3, a, 20, 0), 20);
	CHECK_RET("F_GETFD(20)", fcntl(20, F_GETFD), 0);
	CHECK_RET("dup3(a, 21, O_CLOEXEC)", syscall(SYS_dup3, a, 21, O_CLOEXEC),
		  21);
	CHECK_RET("F_GETFD(21)", fcntl(21, F_GETFD), FD_CLOEXEC);
	CHECK_ERR("dup3(a, a, 0)", syscall(SYS_dup3, a, a, 0), EINVAL);
	CHECK_ERR("dup3 flags O_NONBLOCK", syscall(SYS_dup3, a, 22, O_NONBLOCK),
		  EINVAL);
	CHECK_ERR("dup3(bad, 22, 0)", syscall(SYS_dup3, 999, 22, 0), EBADF);
	CHECK_ERR("dup3(a, -1, 0)", syscall(SYS_dup3, a, -1, 0), EBADF);
	close(a);
	close(20);
	close(21);
}

CONTRACT_TEST(fcntl_dupfd)
{
	int a = open(DATA "/small", O_RDONLY | O_CLOEXEC);

	CHECK_RET("F_DUPFD(a, 0)", fcntl(a, F_DUPFD, 0), a + 1);
	CHECK_RET("F_DUPFD(a, 10)", fcntl(a, F_DUPFD, 10), 10);
	CHECK_RET("F_DUPFD(a, 10) again", fcntl(a, F_DUPFD, 10), 11);
	CHECK_RET("F_GETFD(10): cloexec cleared", fcntl(10, F_GETFD), 0);
	CHECK_RET("F_DUPFD_CLOEXEC(a, 30)", fcntl(a, F_DUPFD_CLOEXEC, 30), 30);
	CHECK_RET("F_GETFD(30)", fcntl(30, F_GETFD), FD_CLOEXEC);
	CHECK_ERR("F_DUPFD(a, -1)", fcntl(a, F_DUPFD, -1), EINVAL);
	CHECK_ERR("F_DUPFD(a, NOFILE limit)", fcntl(a, F_DUPFD, 1024), EINVAL);
	CHECK_RET("F_DUPFD(a, limit - 1)", fcntl(a, F_DUPFD, 1023), 1023);
	CHECK_ERR("F_DUPFD(bad)", fcntl(999, F_DUPFD, 0), EBADF);
	close(a);
	close(a + 1);
	close(10);
	close(11);
	close(30);
	close(1023);
}

CONTRACT_TEST(fcntl_flags)
{
	int fd = open(RW "/scratch", O_RDONLY);

	CHECK_EQO("F_GETFL", fcntl(fd, F_GETFL) & ~K_O_LARGEFILE, O_RDONLY);
	CHECK_RET("F_SETFL(O_APPEND|O_NONBLOCK)",
		  fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK), 0);
	CHECK_EQO("F_GETFL", fcntl(fd, F_GETFL) & ~K_O_LARGEFILE,
		  O_APPEND | O_NONBLOCK);
	CHECK_RET("F_SETFL(O_RDWR|O_CREAT|O_TRUNC|O_EXCL): ignored bits",
		  fcntl(fd, F_SETFL, O_RDWR | O_CREAT | O_TRUNC | O_EXCL), 0);
	CHECK_EQO("F_GETFL", fcntl(fd, F_GETFL) & ~K_O_LARGEFILE, O_RDONLY);
	CHECK_ERR("unknown command", fcntl(fd, 9999), EINVAL);
	CHECK_ERR("F_GETFL(bad)", fcntl(999, F_GETFL), EBADF);
	CHECK_ERR("F_SETFD(bad)", fcntl(999, F_SETFD, 0), EBADF);
	CHECK_ERR("F_GETFD(-1)", fcntl(-1, F_GETFD), EBADF);
	close(fd);
}

CONTRACT_TEST(lseek_whence)
{
	int fd = open(DATA "/big", O_RDONLY);
	unsigned char c;

	CHECK_RET("SEEK_SET 100", lseek(fd, 100, SEEK_SET), 100);
	CHECK_RET("SEEK_CUR +50", lseek(fd, 50, SEEK_CUR), 150);
	CHECK_RET("SEEK_CUR -30", lseek(fd, -30, SEEK_CUR), 120);
	CHECK_RET("SEEK_CUR 0", lseek(fd, 0, SEEK_CUR), 120);
	CHECK_RET("read 1", read(fd, &c, 1), 1);
	CHECK("byte 120", c == ct_pattern(120));
	CHECK_RET("SEEK_END 0", lseek(fd, 0, SEEK_END), BIG_SIZE);
	CHECK_RET("SEEK_END -1", lseek(fd, -1, SEEK_END), BIG_SIZE - 1);
	CHECK_RET("SEEK_END +1000 (past EOF)", lseek(fd, 1000, SEEK_END),
		  BIG_SIZE + 1000);
	CHECK_RET("read past EOF", read(fd, &c, 1), 0);
	CHECK_ERR("SEEK_SET -1", lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR("SEEK_CUR to negative", lseek(fd, -BIG_SIZE * 10L, SEEK_CUR),
		  EINVAL);
	CHECK_ERR("SEEK_END to negative", lseek(fd, -BIG_SIZE - 1, SEEK_END),
		  EINVAL);
	CHECK_RET("offset unchanged by failures", lseek(fd, 0, SEEK_CUR),
		  BIG_SIZE + 1000);
	CHECK_ERR("whence 5", lseek(fd, 0, 5), EINVAL);
	CHECK_ERR("whence -1", lseek(fd, 0, -1), EINVAL);
	CHECK_RET("SEEK_DATA 10", lseek(fd, 10, SEEK_DATA), 10);
	CHECK_RET("SEEK_HOLE 10", lseek(fd, 10, SEEK_HOLE), BIG_SIZE);
	CHECK_ERR("SEEK_DATA at EOF", lseek(fd, BIG_SIZE, SEEK_DATA), ENXIO);
	CHECK_ERR("lseek(bad)", lseek(999, 0, SEEK_SET), EBADF);
	close(fd);
}

CONTRACT_TEST(lseek_special)
{
	int d = open(DATA, O_RDONLY | O_DIRECTORY);
	int n = open("/dev/null", O_RDWR), z = open("/dev/zero", O_RDONLY);

	CHECK_RET("directory SEEK_SET 0", lseek(d, 0, SEEK_SET), 0);
	CHECK_ERR("directory SEEK_SET -1", lseek(d, -1, SEEK_SET), EINVAL);
	CHECK_RET("/dev/null SEEK_SET 1000", lseek(n, 1000, SEEK_SET), 0);
	CHECK_RET("/dev/null SEEK_END 5", lseek(n, 5, SEEK_END), 0);
	CHECK_RET("/dev/zero SEEK_SET 1000", lseek(z, 1000, SEEK_SET), 0);
	CHECK_RET("/dev/zero SEEK_CUR 7", lseek(z, 7, SEEK_CUR), 0);
	close(d);
	close(n);
	close(z);
}

CONTRACT_TEST(read_write_basic)
{
	int fd = open(DATA "/small", O_RDONLY);
	char buf[64];

	CHECK_RET("read(0 bytes)", read(fd, buf, 0), 0);
	CHECK_RET("read(64) of a 16-byte file", read(fd, buf, 64), 16);
	CHECK("contents", !memcmp(buf, SMALL_TEXT, 16));
	CHECK_RET("read at EOF", read(fd, buf, 64), 0);
	CHECK_ERR("write to O_RDONLY", write(fd, "x", 1), EBADF);
	close(fd);
	fd = open(RW "/scratch", O_WRONLY);
	CHECK_ERR("read from O_WRONLY", read(fd, buf, 1), EBADF);
	CHECK_RET("write(0 bytes)", write(fd, buf, 0), 0);
	close(fd);
	fd = open(DATA, O_RDONLY | O_DIRECTORY);
	CHECK_ERR("read a directory", read(fd, buf, 1), EISDIR);
	CHECK_ERR("write a directory (O_RDONLY)", write(fd, buf, 1), EBADF);
	close(fd);
}

CONTRACT_TEST(write_append_trunc)
{
	int fd = open(RW "/append", O_WRONLY | O_TRUNC);
	int r = open(RW "/append", O_RDONLY);
	char buf[32] = "";
	struct stat st;

	CHECK("opened", fd >= 0 && r >= 0);
	fstat(fd, &st);
	CHECK_EQ("size after O_TRUNC", st.st_size, 0);
	CHECK_RET("write abc", write(fd, "abc", 3), 3);
	CHECK_RET("lseek 1", lseek(fd, 1, SEEK_SET), 1);
	CHECK_RET("overwrite X", write(fd, "X", 1), 1);
	CHECK_RET("offset 2", lseek(fd, 0, SEEK_CUR), 2);
	close(fd);
	fd = open(RW "/append", O_WRONLY | O_APPEND);
	CHECK_RET("lseek 0 on O_APPEND", lseek(fd, 0, SEEK_SET), 0);
	CHECK_RET("append de", write(fd, "de", 2), 2);
	CHECK_RET("offset after append", lseek(fd, 0, SEEK_CUR), 5);
	CHECK_RET("pwrite on O_APPEND appends", pwrite(fd, "f", 1, 0), 1);
	CHECK_RET("read back", pread(r, buf, sizeof(buf), 0), 6);
	CHECK_STR("contents", buf, "aXcdef");
	close(fd);
	/* Writing past EOF leaves a zero-filled gap. */
	fd = open(RW "/append", O_WRONLY);
	CHECK_RET("pwrite at 10", pwrite(fd, "Z", 1, 10), 1);
	fstat(fd, &st);
	CHECK_EQ("size", st.st_size, 11);
	memset(buf, 1, sizeof(buf));
	CHECK_RET("read gap", pread(r, buf, 5, 6), 5);
	CHECK("gap reads as zeros", !memcmp(buf, "\0\0\0\0Z", 5));
	close(fd);
	close(r);
}

CONTRACT_TEST(pread_pwrite)
{
	int fd = open(DATA "/big", O_RDONLY), w;
	unsigned char buf[16];
	char s[8] = "";

	CHECK_RET("lseek 5", lseek(fd, 5, SEEK_SET), 5);
	CHECK_RET("pread 16 at 4000", pread(fd, buf, 16, 4000), 16);
	CHECK("bytes at 4000",
	      buf[0] == ct_pattern(4000) && buf[15] == ct_pattern(4015));
	CHECK_RET("offset untouched", lseek(fd, 0, SEEK_CUR), 5);
	CHECK_RET("pread straddling EOF", pread(fd, buf, 16, BIG_SIZE - 4), 4);
	CHECK_RET("pread at EOF", pread(fd, buf, 16, BIG_SIZE), 0);
	CHECK_RET("pread far past EOF", pread(fd, buf, 16, 1L << 40), 0);
	CHECK_ERR("pread negative offset", pread(fd, buf, 16, -1), EINVAL);
	close(fd);
	w = open(RW "/scratch", O_RDWR | O_TRUNC);
	CHECK_RET("pwrite 4 at 2", pwrite(w, "abcd", 4, 2), 4);
	CHECK_RET("offset still 0", lseek(w, 0, SEEK_CUR), 0);
	CHECK_RET("read 6", read(w, s, 6), 6);
	CHECK("hole then data", !memcmp(s, "\0\0abcd", 6));
	CHECK_ERR("pwrite negative offset", pwrite(w, "x", 1, -5), EINVAL);
	close(w);
	fd = open("/dev/null", O_RDWR);
	CHECK_RET("pread /dev/null", pread(fd, buf, 4, 100), 0);
	CHECK_RET("pwrite /dev/null", pwrite(fd, "abcd", 4, 100), 4);
	close(fd);
}

CONTRACT_TEST(readv_partial)
{
	int fd = open(DATA "/small", O_RDONLY);
	char a[4], b[8], c[16];
	struct iovec iov[4] = { { a, sizeof(a) },
				{ NULL, 0 },
				{ b, sizeof(b) },
				{ c, sizeof(c) } };

	CHECK_RET("readv across EOF", readv(fd, iov, 4), 16);
	CHECK("filled in order", !memcmp(a, "hell", 4) &&
					 !memcmp(b, "o, contr", 8) &&
					 !memcmp(c, "act\n", 4));
	CHECK_RET("readv at EOF", readv(fd, iov, 4), 0);
	CHECK_RET("iovcnt 0", readv(fd, iov, 0), 0);
	CHECK_ERR("iovcnt -1", syscall(SYS_readv, fd, iov, -1), EINVAL);
	CHECK_ERR("iovcnt 1025", syscall(SYS_readv, fd, iov, 1025), EINVAL);
	struct iovec huge[2] = { { a, 2 }, { b, 0x8000000000000000UL } };
	CHECK_ERR("iov_len with the sign bit set",
		  syscall(SYS_readv, fd, huge, 2), EINVAL);
	lseek(fd, 0, SEEK_SET);
	struct iovec badsecond[2] = { { a, 4 }, { BAD_LOW, 8 } };
	CHECK_RET("second buffer bad: first part only",
		  syscall(SYS_readv, fd, badsecond, 2), 4);
	CHECK_RET("offset advanced by 4", lseek(fd, 0, SEEK_CUR), 4);
	close(fd);
}

CONTRACT_TEST(writev_partial)
{
	int fd = open(RW "/writev", O_RDWR | O_TRUNC);
	int n = open("/dev/null", O_WRONLY);
	char buf[32] = "";
	struct iovec iov[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };

	CHECK_RET("writev 3 iovecs", writev(fd, iov, 3), 5);
	CHECK_RET("read back", pread(fd, buf, sizeof(buf), 0), 5);
	CHECK_STR("contents", buf, "abcde");
	struct iovec badsecond[2] = { { "xy", 2 }, { BAD_LOW, 4 } };
	CHECK_RET("second buffer bad: first part written",
		  syscall(SYS_writev, fd, badsecond, 2), 2);
	CHECK_RET("offset", lseek(fd, 0, SEEK_CUR), 7);
	struct iovec badfirst[2] = { { BAD_LOW, 4 }, { "xy", 2 } };
	CHECK_ERR("first buffer bad", syscall(SYS_writev, fd, badfirst, 2),
		  EFAULT);
	CHECK_RET("/dev/null takes everything", writev(n, iov, 3), 5);
	CHECK_RET("/dev/null never reads the buffers",
		  syscall(SYS_writev, n, badfirst, 2), 6);
	CHECK_ERR("iovcnt 1025", syscall(SYS_writev, fd, iov, 1025), EINVAL);
	CHECK_RET("iovcnt 0", writev(fd, iov, 0), 0);
	close(fd);
	close(n);
}

CONTRACT_TEST(devices_rw)
{
	int n = open("/dev/null", O_RDWR), z = open("/dev/zero", O_RDWR);
	int r = open("/dev/urandom", O_RDWR),
	    rr = open("/dev/random", O_RDONLY);
	unsigned char buf[64];
	int zeros = 0;

	CHECK_RET("read /dev/null", read(n, buf, sizeof(buf)), 0);
	CHECK_RET("write /dev/null", write(n, buf, sizeof(buf)), 64);
	CHECK_RET("write /dev/null from a bad pointer",
		  syscall(SYS_write, n, BAD_LOW, 10), 10);
	memset(buf, 0xaa, sizeof(buf));
	CHECK_RET("read /dev/zero", read(z, buf, sizeof(buf)), 64);
	for (int i = 0; i < 64; i++)
		zeros += buf[i] == 0;
	CHECK_EQ("zero bytes", zeros, 64);
	CHECK_RET("write /dev/zero", write(z, buf, 10), 10);
	CHECK_RET("read /dev/urandom", read(r, buf, sizeof(buf)), 64);
	CHECK_RET("read /dev/random", read(rr, buf, 16), 16);
	CHECK_RET("write /dev/urandom (mixes in)", write(r, buf, 0), 0);
	close(n);
	close(z);
	close(r);
	close(rr);
}

CONTRACT_TEST(ioctl)
{
	int n = open("/dev/null", O_RDWR), f = open(DATA "/small", O_RDONLY);
	struct termios t;
	int avail = -1;

	CHECK_ERR("TCGETS on /dev/null", ioctl(n, TCGETS, &t), ENOTTY);
	CHECK_ERR("TCGETS on a file", ioctl(f, TCGETS, &t), ENOTTY);
	CHECK_ERR("TIOCGWINSZ on a file", ioctl(f, TIOCGWINSZ, &t), ENOTTY);
	CHECK_RET("FIONREAD on a file", ioctl(f, FIONREAD, &avail), 0);
	CHECK_EQ("bytes available", avail, 16);
	CHECK_ERR("ioctl(bad fd)", ioctl(999, TCGETS, &t), EBADF);
	close(n);
	close(f);
}

/*
 * preadv/pwritev at an offset (the file position stays), preadv2/
 * pwritev2 at the position (-1), their errors in Linux's order, flags.
 */
CONTRACT_TEST(preadv)
{
	char a[4] = "abcd", b[3] = "xyz", ra[3] = { 0 }, rb[5] = { 0 };
	struct iovec w[2] = { { a, 4 }, { b, 3 } };
	struct iovec rv[2] = { { ra, 2 }, { rb, 4 } };
	int pp[2], wo,
		fd = open("/tmp/preadv-test", O_RDWR | O_CREAT | O_TRUNC, 0644);

	CHECK_RET("pipe", pipe(pp), 0);
	CHECK_RET("pwritev at 3", syscall(SYS_pwritev, fd, w, 2, 3, 0), 7);
	CHECK_RET("position unchanged", lseek(fd, 0, SEEK_CUR), 0);
	CHECK_RET("preadv at 2", syscall(SYS_preadv, fd, rv, 2, 2, 0), 6);
	CHECK("read: 0 a | bcdx",
	      ra[0] == 0 && ra[1] == 'a' && !memcmp(rb, "bcdx", 4));
	CHECK_RET("pos_h is ignored", syscall(SYS_preadv, fd, rv, 2, 0, 1), 6);
	CHECK_ERR("offset -1", syscall(SYS_preadv, fd, rv, 2, -1L, 0), EINVAL);
	CHECK_ERR("offset -1, bad fd", syscall(SYS_preadv, 99, rv, 2, -1L, 0),
		  EINVAL);
	CHECK_ERR("bad fd", syscall(SYS_preadv, 99, rv, 2, 0, 0), EBADF);
	CHECK_ERR("preadv on a pipe", syscall(SYS_preadv, pp[0], rv, 2, 0, 0),
		  ESPIPE);
	CHECK_ERR("pwritev on a pipe", syscall(SYS_pwritev, pp[1], w, 2, 0, 0),
		  ESPIPE);
	CHECK_ERR("bad vector", syscall(SYS_preadv, fd, BAD_LOW, 2, 0, 0),
		  EFAULT);
	CHECK_ERR("2000 vectors", syscall(SYS_preadv, fd, rv, 2000, 0, 0),
		  EINVAL);
	wo = open("/tmp/preadv-test", O_WRONLY);
	CHECK_ERR("write-only", syscall(SYS_preadv, wo, rv, 2, 0, 0), EBADF);
	CHECK_ERR("write-only, 2000 vectors",
		  syscall(SYS_preadv, wo, rv, 2000, 0, 0), EBADF);
	close(wo);
	lseek(fd, 1, SEEK_SET);
	CHECK_RET("preadv2 at -1", syscall(SYS_preadv2, fd, rv, 1, -1L, 0, 0),
		  2);
	CHECK_RET("moves the position", lseek(fd, 0, SEEK_CUR), 3);
	CHECK_ERR("preadv2 at -2", syscall(SYS_preadv2, fd, rv, 1, -2L, 0, 0),
		  EINVAL);
	CHECK_ERR("preadv2 at -2, bad fd",
		  syscall(SYS_preadv2, 99, rv, 1, -2L, 0, 0), EINVAL);
	CHECK_RET("RWF_HIPRI", syscall(SYS_preadv2, fd, rv, 1, 0, 0, 1), 2);
	CHECK_RET("pwritev2 RWF_DSYNC",
		  syscall(SYS_pwritev2, fd, w, 1, 0, 0, 2), 4);
	CHECK_RET("pwritev2 RWF_SYNC", syscall(SYS_pwritev2, fd, w, 1, 0, 0, 4),
		  4);
	CHECK_ERR("an unknown flag",
		  syscall(SYS_preadv2, fd, rv, 1, 0, 0, 0x10000000),
		  EOPNOTSUPP);
	CHECK_RET("an unknown flag, nothing to read",
		  syscall(SYS_preadv2, fd, rv, 0, 0, 0, 0x10000000), 0);
	CHECK_ERR("an unknown flag, bad fd",
		  syscall(SYS_pwritev2, 99, w, 1, 0, 0, 0x10000000), EBADF);
	CHECK_RET("pwritev2 at -1", syscall(SYS_pwritev2, fd, w, 1, -1L, 0, 0),
		  4);
	CHECK_RET("moves the position", lseek(fd, 0, SEEK_CUR), 7);
	CHECK_RET("pwritev2 on a pipe at -1",
		  syscall(SYS_pwritev2, pp[1], w, 1, -1L, 0, 0), 4);
	close(pp[0]);
	close(pp[1]);
	close(fd);
	unlink("/tmp/preadv-test");
}

/*
 * O_ASYNC through ioctl(FIOASYNC) and F_SETFL: only files that can
 * signal I/O (sockets, pipes, /dev/urandom) take it; FIOASYNC on others
 * is ENOTTY, but only when the flag would change.
 */
CONTRACT_TEST(fioasync)
{
	int sv[2], pp[2], on = 1, off = 0;
	int f = open(DATA "/small", O_RDONLY), n = open("/dev/null", O_RDWR);
	int u = open("/dev/urandom", O_RDONLY);

	CHECK_RET("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_RET("pipe", pipe(pp), 0);
	CHECK_RET("FIOASYNC on, socket", ioctl(sv[0], FIOASYNC, &on), 0);
	CHECK_EQO("socket F_GETFL", fcntl(sv[0], F_GETFL), O_RDWR | O_ASYNC);
	CHECK_RET("FIOASYNC off, socket", ioctl(sv[0], FIOASYNC, &off), 0);
	CHECK_EQO("socket F_GETFL", fcntl(sv[0], F_GETFL), O_RDWR);
	CHECK_RET("FIOASYNC on, pipe", ioctl(pp[0], FIOASYNC, &on), 0);
	CHECK_EQO("pipe F_GETFL", fcntl(pp[0], F_GETFL), O_ASYNC);
	CHECK_RET("FIOASYNC on, /dev/urandom", ioctl(u, FIOASYNC, &on), 0);
	CHECK_ERR("FIOASYNC on, a file", ioctl(f, FIOASYNC, &on), ENOTTY);
	CHECK_RET("FIOASYNC off, a file (no change)", ioctl(f, FIOASYNC, &off),
		  0);
	CHECK_ERR("FIOASYNC on, /dev/null", ioctl(n, FIOASYNC, &on), ENOTTY);
	CHECK_ERR("FIOASYNC, bad pointer", ioctl(sv[1], FIOASYNC, BAD_LOW),
		  EFAULT);
	CHECK_RET("F_SETFL O_ASYNC|O_APPEND, a file",
		  fcntl(f, F_SETFL, O_ASYNC | O_APPEND), 0);
	CHECK_EQO("file F_GETFL (no O_ASYNC)", fcntl(f, F_GETFL),
		  K_O_LARGEFILE | O_APPEND);
	CHECK_RET("F_SETFL O_ASYNC, socket", fcntl(sv[1], F_SETFL, O_ASYNC), 0);
	CHECK_EQO("socket F_GETFL", fcntl(sv[1], F_GETFL), O_RDWR | O_ASYNC);
	close(sv[0]);
	close(sv[1]);
	close(pp[0]);
	close(pp[1]);
	close(f);
	close(n);
	close(u);
}

/* F_SETOWN, F_GETOWN and their _EX forms: who would get SIGIO. */
CONTRACT_TEST(setown)
{
	struct f_owner_ex ex = { 99, 99 };
	int sv[2], f = open(DATA "/small", O_RDONLY), d;
	long me = getpid(), tid = syscall(SYS_gettid);

	CHECK_RET("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_RET("F_GETOWN_EX, new file",
		  syscall(SYS_fcntl, sv[0], F_GETOWN_EX, &ex), 0);
	CHECK_EQ("type", ex.type, F_OWNER_TID);
	CHECK_EQ("pid", ex.pid, 0);
	CHECK_RET("F_GETOWN, new file", syscall(SYS_fcntl, sv[0], F_GETOWN), 0);
	CHECK_RET("F_SETOWN self", syscall(SYS_fcntl, sv[0], F_SETOWN, me), 0);
	CHECK_EQ("F_GETOWN is getpid()", syscall(SYS_fcntl, sv[0], F_GETOWN),
		 me);
	CHECK_RET("F_GETOWN_EX", syscall(SYS_fcntl, sv[0], F_GETOWN_EX, &ex),
		  0);
	CHECK_EQ("type", ex.type, F_OWNER_PID);
	CHECK_EQ("pid is getpid()", ex.pid, me);
	d = dup(sv[0]);
	CHECK_EQ("a dup shares it", syscall(SYS_fcntl, d, F_GETOWN), me);
	close(d);
	CHECK_ERR("F_SETOWN no such pid",
		  syscall(SYS_fcntl, sv[0], F_SETOWN, 999999), ESRCH);
	CHECK_ERR("F_SETOWN no such group",
		  syscall(SYS_fcntl, sv[0], F_SETOWN, -999999), ESRCH);
	CHECK_EQ("unchanged", syscall(SYS_fcntl, sv[0], F_GETOWN), me);
	CHECK_ERR("F_SETOWN INT_MIN",
		  syscall(SYS_fcntl, sv[0], F_SETOWN, (long)(-2147483647 - 1)),
		  EINVAL);
	CHECK_RET("F_SETOWN 0", syscall(SYS_fcntl, sv[0], F_SETOWN, 0), 0);
	CHECK_RET("F_GETOWN_EX", syscall(SYS_fcntl, sv[0], F_GETOWN_EX, &ex),
		  0);
	CHECK_EQ("type", ex.type, F_OWNER_PID);
	CHECK_EQ("pid", ex.pid, 0);
	CHECK_RET("F_SETOWN on a file", syscall(SYS_fcntl, f, F_SETOWN, me), 0);
	CHECK_EQ("F_GETOWN on a file", syscall(SYS_fcntl, f, F_GETOWN), me);
	ex.type = F_OWNER_TID;
	ex.pid = (int)tid;
	CHECK_RET("F_SETOWN_EX tid",
		  syscall(SYS_fcntl, sv[1], F_SETOWN_EX, &ex), 0);
	CHECK_EQ("F_GETOWN is the tid", syscall(SYS_fcntl, sv[1], F_GETOWN),
		 tid);
	ex.type = 7;
	CHECK_ERR("F_SETOWN_EX bad type",
		  syscall(SYS_fcntl, sv[1], F_SETOWN_EX, &ex), EINVAL);
	ex.type = F_OWNER_PID;
	ex.pid = -5;
	CHECK_ERR("F_SETOWN_EX negative pid",
		  syscall(SYS_fcntl, sv[1], F_SETOWN_EX, &ex), ESRCH);
	CHECK_ERR("F_SETOWN_EX bad pointer",
		  syscall(SYS_fcntl, sv[1], F_SETOWN_EX, BAD_LOW), EFAULT);
	CHECK_ERR("F_GETOWN_EX bad pointer",
		  syscall(SYS_fcntl, sv[1], F_GETOWN_EX, BAD_LOW), EFAULT);
	close(sv[0]);
	close(sv[1]);
	close(f);
}

/*
 * An owner shows only while it has a task: a child's process group, and
 * the child itself, read back as 0 once the child is reaped.  (F_GETOWN
 * of a group is negative, which syscall() would take for an error: the
 * _EX form is asked.)
 */
CONTRACT_TEST(setown_gone)
{
	struct f_owner_ex ex = { 99, 99 };
	int sv[2], cp[2];
	char b;
	pid_t c;

	CHECK_RET("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_RET("pipe", pipe(cp), 0);
	c = fork();
	if (c == 0) {
		setpgid(0, 0);
		close(cp[1]);
		_exit(read(cp[0], &b, 1) == 0 ? 0 : 1);
	}
	close(cp[0]);
	CHECK_RET("setpgid(child, child)", setpgid(c, c), 0);
	CHECK_RET("F_SETOWN -child", syscall(SYS_fcntl, sv[0], F_SETOWN, -c),
		  0);
	CHECK_RET("F_GETOWN_EX", syscall(SYS_fcntl, sv[0], F_GETOWN_EX, &ex),
		  0);
	CHECK_EQ("type", ex.type, F_OWNER_PGRP);
	CHECK("pid is the child's", ex.pid == c);
	CHECK_RET("F_SETOWN child", syscall(SYS_fcntl, sv[1], F_SETOWN, c), 0);
	CHECK("F_GETOWN is the child's",
	      syscall(SYS_fcntl, sv[1], F_GETOWN) == c);
	close(cp[1]);
	CHECK("child reaped", waitpid(c, NULL, 0) == c);
	CHECK_RET("F_GETOWN_EX", syscall(SYS_fcntl, sv[0], F_GETOWN_EX, &ex),
		  0);
	CHECK_EQ("type", ex.type, F_OWNER_PGRP);
	CHECK_EQ("pid", ex.pid, 0);
	CHECK_RET("F_GETOWN, the child gone",
		  syscall(SYS_fcntl, sv[1], F_GETOWN), 0);
	close(sv[0]);
	close(sv[1]);
}

CONTRACT_TEST(close)
{
	int fd = open(DATA "/small", O_RDONLY);

	CHECK_RET("close", close(fd), 0);
	CHECK_ERR("close again", close(fd), EBADF);
	CHECK_ERR("close(-1)", close(-1), EBADF);
	CHECK_ERR("close(4096)", close(4096), EBADF);
	CHECK_ERR("close(INT_MAX)", close(0x7fffffff), EBADF);
}

/* RLIMIT_NOFILE bounds the fd numbers: EMFILE, and EBADF/EINVAL above. */
CONTRACT_TEST(emfile)
{
	struct rlimit old, rl;
	int fds[16], n = 0, fd;

	getrlimit(RLIMIT_NOFILE, &old);
	rl.rlim_cur = 8;
	rl.rlim_max = old.rlim_max;
	CHECK_RET("setrlimit(NOFILE, 8)", setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (n < 16 && (fd = open(DATA "/small", O_RDONLY)) >= 0)
		fds[n++] = fd;
	CHECK_EQ("opens that succeeded (fds 3..7)", n, 5);
	CHECK_ERR("open", open(DATA "/small", O_RDONLY), EMFILE);
	CHECK_ERR("openat", openat(AT_FDCWD, DATA "/small", O_RDONLY), EMFILE);
	CHECK_ERR("dup", dup(0), EMFILE);
	CHECK_ERR("F_DUPFD 0", fcntl(0, F_DUPFD, 0), EMFILE);
	CHECK_ERR("F_DUPFD 8", fcntl(0, F_DUPFD, 8), EINVAL);
	CHECK_ERR("dup2 to 8", dup2(0, 8), EBADF);
	CHECK_RET("dup2 to 7 (replaces)", dup2(fds[0], 7), 7);
	close(fds[0]);
	CHECK_RET("a slot freed: open", fd = open(DATA "/small", O_RDONLY), 3);
	close(fd);
	for (int i = 1; i < n; i++)
		close(fds[i]);
	/* Open fds above a lowered limit stay valid. */
	setrlimit(RLIMIT_NOFILE, &old);
	CHECK_RET("dup2(0, 20) under the old limit", dup2(0, 20), 20);
	rl.rlim_cur = 10;
	setrlimit(RLIMIT_NOFILE, &rl);
	CHECK_RET("fd 20 above the limit still works", fcntl(20, F_GETFD), 0);
	CHECK_RET("close it", close(20), 0);
	CHECK_RET("restore", setrlimit(RLIMIT_NOFILE, &old), 0);
}
