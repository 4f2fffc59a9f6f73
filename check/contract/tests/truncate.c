/*
 * ftruncate(2) and truncate(2): growing (the new bytes read as zeros) and
 * shrinking (the bytes past the new end are gone, also after growing
 * again), on an fd and by path; the errors in Linux's order (negative
 * length, EBADF, a file not open for writing, O_PATH, directories,
 * pipes, devices, path errors, EFAULT), permission as a non-root user,
 * ETXTBSY for the running program, and a shared mapping of the file that
 * sees the new end (SIGBUS past it, zeros once it grows back).
 */
#include <setjmp.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "truncate"

#define TFILE RW "/truncate"

/* A fresh TFILE holding len bytes of the pattern; the fd, O_RDWR. */
static int mkfile(long len)
{
	char buf[512];
	int fd = open(TFILE, O_RDWR | O_CREAT | O_TRUNC, 0644);

	for (long off = 0; off < len; off += sizeof(buf)) {
		long n = len - off < (long)sizeof(buf) ? len - off
						       : (long)sizeof(buf);

		for (long i = 0; i < n; i++)
			buf[i] = (char)ct_pattern(off + i);
		EXPECT(fd >= 0 && pwrite(fd, buf, n, off) == n);
	}
	return fd;
}

static long fsize(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : (long)st.st_size;
}

/* Do bytes [from, to) of fd read as zeros? */
static int zeros(int fd, long from, long to)
{
	char buf[512];

	while (from < to) {
		long n = to - from < (long)sizeof(buf) ? to - from
						       : (long)sizeof(buf);

		if (pread(fd, buf, n, from) != n)
			return 0;
		for (long i = 0; i < n; i++)
			if (buf[i])
				return 0;
		from += n;
	}
	return 1;
}

/* Do bytes [from, to) of fd hold the pattern? */
static int pattern(int fd, long from, long to)
{
	unsigned char buf[512];

	while (from < to) {
		long n = to - from < (long)sizeof(buf) ? to - from
						       : (long)sizeof(buf);

		if (pread(fd, buf, n, from) != n)
			return 0;
		for (long i = 0; i < n; i++)
			if (buf[i] != ct_pattern(from + i))
				return 0;
		from += n;
	}
	return 1;
}

CONTRACT_TEST(grow_shrink)
{
	char buf[16];
	int fd = mkfile(100);

	CHECK_RET("ftruncate 100 -> 5000", ftruncate(fd, 5000), 0);
	CHECK_EQ("st_size", fsize(fd), 5000);
	CHECK("old bytes kept", pattern(fd, 0, 100));
	CHECK("new bytes read as zeros", zeros(fd, 100, 5000));
	CHECK_EQ("offset unchanged", lseek(fd, 0, SEEK_CUR), 0);
	CHECK_RET("shrink to 10", ftruncate(fd, 10), 0);
	CHECK_EQ("st_size", fsize(fd), 10);
	CHECK_RET("read at 10: EOF", pread(fd, buf, sizeof(buf), 10), 0);
	CHECK_RET("read at 4: 6 bytes", pread(fd, buf, sizeof(buf), 4), 6);
	CHECK_RET("grow to 50 again", ftruncate(fd, 50), 0);
	CHECK("bytes 0..9 kept", pattern(fd, 0, 10));
	CHECK("bytes past the shrink are gone (zeros)", zeros(fd, 10, 50));
	CHECK_RET("same size", ftruncate(fd, 50), 0);
	CHECK_EQ("st_size", fsize(fd), 50);
	lseek(fd, 200, SEEK_SET);
	CHECK_RET("shrink below the offset", ftruncate(fd, 0), 0);
	CHECK_EQ("offset unchanged", lseek(fd, 0, SEEK_CUR), 200);
	CHECK_RET("read at the offset: EOF", read(fd, buf, sizeof(buf)), 0);
	CHECK_RET("write there", write(fd, "x", 1), 1);
	CHECK_EQ("st_size", fsize(fd), 201);
	CHECK("the hole reads as zeros", zeros(fd, 0, 200));
	close(fd);
}

CONTRACT_TEST(pages)
{
	struct stat st;
	int fd = mkfile(3 * PG + 100);

	CHECK_RET("shrink to 1.5 pages", ftruncate(fd, PG + PG / 2), 0);
	CHECK("first 1.5 pages kept", pattern(fd, 0, PG + PG / 2));
	CHECK_RET("grow to 4 pages", ftruncate(fd, 4 * PG), 0);
	CHECK("the rest of page 1 is zeros", zeros(fd, PG + PG / 2, 2 * PG));
	CHECK("pages 2 and 3 are zeros", zeros(fd, 2 * PG, 4 * PG));
	CHECK_RET("grow to 1 MiB", ftruncate(fd, 1L << 20), 0);
	fstat(fd, &st);
	CHECK_EQ("st_size", st.st_size, 1L << 20);
	CHECK("a sparse end allocates less than 1 MiB",
	      st.st_blocks * 512 < (1L << 20));
	CHECK("its last page reads as zeros",
	      zeros(fd, (1L << 20) - PG, 1L << 20));
	CHECK_RET("truncate(2) by path to 0", truncate(TFILE, 0), 0);
	CHECK_EQ("st_size through the fd", fsize(fd), 0);
	CHECK_RET("truncate(2) by path to 3", truncate(TFILE, 3), 0);
	CHECK("zeros", zeros(fd, 0, 3));
	close(fd);
}

CONTRACT_TEST(flags)
{
	int fd = mkfile(100), fa;

	fa = ct_open(TFILE, O_WRONLY | O_APPEND);
	CHECK_RET("O_APPEND fd", ftruncate(fa, 20), 0);
	CHECK_EQ("st_size", fsize(fd), 20);
	close(fa);
	fa = ct_open(TFILE, O_RDWR | O_NONBLOCK);
	CHECK_RET("O_RDWR|O_NONBLOCK fd", ftruncate(fa, 30), 0);
	close(fa);
	fa = ct_open(TFILE, O_RDONLY);
	CHECK_ERR("O_RDONLY fd", ftruncate(fa, 0), EINVAL);
	CHECK_EQ("size unchanged", fsize(fd), 30);
	close(fa);
	fa = ct_open(TFILE, O_PATH);
	CHECK_ERR("O_PATH fd", ftruncate(fa, 0), EBADF);
	CHECK_ERR("O_PATH fd, length -1 (length first)", ftruncate(fa, -1),
		  EINVAL);
	close(fa);
	CHECK_RET("truncate(2) ignores how it is open", truncate(TFILE, 7), 0);
	CHECK_EQ("st_size", fsize(fd), 7);
	close(fd);
}

CONTRACT_TEST(errors)
{
	int fd = mkfile(10), dfd, p[2];

	CHECK_ERR("ftruncate length -1", ftruncate(fd, -1), EINVAL);
	CHECK_ERR("ftruncate length LONG_MIN",
		  syscall(SYS_ftruncate, fd, 1L << 63), EINVAL);
	CHECK_ERR("truncate length -1", truncate(TFILE, -1), EINVAL);
	CHECK_EQ("size unchanged", fsize(fd), 10);
	CHECK_ERR("fd -1", syscall(SYS_ftruncate, -1, 0), EBADF);
	CHECK_ERR("fd 999", syscall(SYS_ftruncate, 999, 0), EBADF);
	CHECK_ERR("fd 999, length -1 (the fd first)",
		  syscall(SYS_ftruncate, 999, -1), EBADF);
	dfd = ct_open(DATA, O_RDONLY | O_DIRECTORY);
	CHECK_ERR("directory fd", ftruncate(dfd, 0), EINVAL);
	close(dfd);
	CHECK_ERR("truncate a directory", truncate(DATA, 0), EISDIR);
	CHECK_ERR("truncate a directory, length -1", truncate(DATA, -1),
		  EINVAL);
	CHECK_ERR("truncate /", truncate("/", 0), EISDIR);
	CHECK_ERR("truncate /dev/null", truncate("/dev/null", 0), EINVAL);
	dfd = ct_open("/dev/null", O_WRONLY);
	CHECK_ERR("ftruncate /dev/null", ftruncate(dfd, 0), EINVAL);
	close(dfd);
	ct_pipe(p);
	CHECK_ERR("pipe read end", ftruncate(p[0], 0), EINVAL);
	CHECK_ERR("pipe write end", ftruncate(p[1], 0), EINVAL);
	close(p[0]);
	close(p[1]);
	CHECK_ERR("nonexistent path", truncate(DATA "/nonexistent", 0), ENOENT);
	CHECK_ERR("empty path", truncate("", 0), ENOENT);
	CHECK_ERR("prefix not a directory", truncate(DATA "/small/x", 0),
		  ENOTDIR);
	CHECK_ERR("trailing slash on a file", truncate(TFILE "/", 0), ENOTDIR);
	CHECK_ERR("dangling symlink", truncate(DATA "/dangling", 0), ENOENT);
	CHECK_ERR("symlink loop", truncate(DATA "/loop1", 0), ELOOP);
	CHECK_ERR("path at a bad address", syscall(SYS_truncate, BAD_LOW, 0),
		  EFAULT);
	CHECK_ERR("path at a kernel address",
		  syscall(SYS_truncate, BAD_KERN, 0), EFAULT);
	close(fd);
}

static void nonroot(void *arg)
{
	int fd = ct_open(TFILE, O_RDWR);

	CHECK_RET("setuid(1000)", setuid(1000), 0);
	CHECK_ERR("truncate a root file (0644)", truncate(TFILE, 0), EACCES);
	CHECK_ERR("open it for writing", open(TFILE, O_WRONLY), EACCES);
	CHECK_RET("ftruncate an fd opened before", ftruncate(fd, 5), 0);
	CHECK_EQ("st_size", fsize(fd), 5);
	CHECK_ERR("truncate a directory", truncate(DATA, 0), EISDIR);
	CHECK_ERR("truncate /dev/console (not regular before permission)",
		  truncate("/dev/console", 0), EINVAL);
	CHECK_ERR("truncate noperm (0000)", truncate(DATA "/noperm", 0),
		  EACCES);
	CHECK_ERR("nonexistent", truncate(RW "/nonexistent", 0), ENOENT);
	close(fd);
}

CONTRACT_TEST(permission)
{
	struct stat st;
	int fd = mkfile(10);

	fstat(fd, &st);
	CHECK_EQO("file mode", st.st_mode & 07777, 0644);
	stat("/dev/console", &st);
	CHECK_EQO("/dev/console mode", st.st_mode & 07777, 0600);
	ct_child_ok("child", nonroot, NULL);
	CHECK_EQ("st_size after the child", fsize(fd), 5);
	close(fd);
	fd = open("/tmp/truncate-noperm", O_WRONLY | O_CREAT | O_TRUNC, 0);
	CHECK_RET("a mode 0000 file", write(fd, "abc", 3), 3);
	fstat(fd, &st);
	CHECK_EQO("its mode", st.st_mode & 07777, 0);
	CHECK_RET("root truncates it", truncate("/tmp/truncate-noperm", 1), 0);
	CHECK_EQ("st_size", fsize(fd), 1);
	unlink("/tmp/truncate-noperm");
	close(fd);
}

CONTRACT_TEST(running_program)
{
	struct stat st;
	int fd;

	CHECK_ERR("truncate the running program", truncate(ct_self, 0),
		  ETXTBSY);
	CHECK_ERR("open it for writing", open(ct_self, O_WRONLY), ETXTBSY);
	CHECK_ERR("truncate it, length -1", truncate(ct_self, -1), EINVAL);
	fd = ct_open(ct_self, O_RDONLY);
	CHECK_ERR("ftruncate a read-only fd of it", ftruncate(fd, 0), EINVAL);
	close(fd);
	CHECK("still whole", stat(ct_self, &st) == 0 && st.st_size > 4096);
}

/* ---- a shared mapping sees the new end ------------------------------ */

static sigjmp_buf bus_jmp;
static volatile int bus_sigs, bus_code;
static volatile void *bus_addr;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	bus_sigs++;
	bus_code = si->si_code;
	bus_addr = si->si_addr;
	siglongjmp(bus_jmp, 1);
}

/* Read p[off]: the byte, or -1 after a SIGBUS. */
static int touch(volatile char *p, long off)
{
	if (sigsetjmp(bus_jmp, 1))
		return -1;
	return (unsigned char)p[off];
}

/* 3 pages of TFILE mapped shared, or NULL (reported). */
static volatile char *map3(int fd)
{
	void *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED) {
		CHECK("mmap", 0);
		return NULL;
	}
	ct_sigaction(SIGBUS, on_bus, 0, 0);
	return m;
}

/* The pages past the new end were never touched before the truncation. */
static void mapped(void *arg)
{
	int fd = mkfile(3 * PG), b;
	volatile char *m = map3(fd);

	if (!m)
		goto out;
	CHECK_EQ("byte 5", touch(m, 5), ct_pattern(5));
	CHECK_RET("ftruncate to PG + 100", ftruncate(fd, PG + 100), 0);
	CHECK_EQ("byte PG+50 (inside)", touch(m, PG + 50), ct_pattern(PG + 50));
	CHECK_EQ("byte PG+200 (past EOF, same page): zero", touch(m, PG + 200),
		 0);
	CHECK_EQ("byte 2*PG+5 (a page past EOF): SIGBUS", touch(m, 2 * PG + 5),
		 -1);
	CHECK_EQ("one SIGBUS", bus_sigs, 1);
	CHECK_EQ("si_code BUS_ADRERR", bus_code, BUS_ADRERR);
	CHECK("si_addr is the byte", bus_addr == m + 2 * PG + 5);
	m[10] = 'X';
	CHECK("a store through the map reaches the file",
	      pread(fd, (char *)&b, 1, 10) == 1 && (char)b == 'X');
	CHECK_RET("grow to 3 pages", ftruncate(fd, 3 * PG), 0);
	CHECK_EQ("byte PG+200 still zero", touch(m, PG + 200), 0);
	CHECK_EQ("byte 2*PG+5 now zero", touch(m, 2 * PG + 5), 0);
	m[2 * PG + 5] = 'Y';
	CHECK("a store past the old end reaches the file",
	      pread(fd, (char *)&b, 1, 2 * PG + 5) == 1 && (char)b == 'Y');
	CHECK_EQ("SIGBUS count", bus_sigs, 1);
	munmap((void *)m, 3 * PG);
out:
	close(fd);
}

CONTRACT_TEST(shared_map)
{
	ct_child_ok("child", mapped, NULL);
}

/* Every page was touched (mapped) before the truncation. */
static void mapped_before(void *arg)
{
	int fd = mkfile(3 * PG), b;
	volatile char *m = map3(fd);

	if (!m)
		goto out;
	for (int i = 0; i < 3; i++)
		EXPECT(touch(m, i * PG + 5) == ct_pattern(i * PG + 5));
	CHECK_RET("ftruncate to PG + 100", ftruncate(fd, PG + 100), 0);
	CHECK_EQ("byte PG+50 (inside)", touch(m, PG + 50), ct_pattern(PG + 50));
	CHECK_EQ("byte PG+200 (past EOF, same page): zero", touch(m, PG + 200),
		 0);
	CHECK_EQ("byte 2*PG+5 (a page past EOF): SIGBUS", touch(m, 2 * PG + 5),
		 -1);
	CHECK_RET("truncate(2) to 0", truncate(TFILE, 0), 0);
	CHECK_EQ("byte 5: SIGBUS", touch(m, 5), -1);
	CHECK_RET("grow to 3 pages", ftruncate(fd, 3 * PG), 0);
	CHECK_EQ("byte 5 now zero", touch(m, 5), 0);
	CHECK_EQ("byte 2*PG+5 now zero", touch(m, 2 * PG + 5), 0);
	m[PG + 7] = 'Z';
	CHECK("a store reaches the file",
	      pread(fd, (char *)&b, 1, PG + 7) == 1 && (char)b == 'Z');
	CHECK_EQ("SIGBUS count", bus_sigs, 2);
	munmap((void *)m, 3 * PG);
out:
	close(fd);
}

CONTRACT_TEST(shared_map_touched)
{
	ct_child_ok("child", mapped_before, NULL);
}
