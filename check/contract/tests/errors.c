/*
 * Errors: exact errno values for bad arguments.  EFAULT for every
 * implemented system call that takes a user pointer, with each kind of bad
 * pointer (low, kernel half, non-canonical, unmapped, PROT_NONE, and
 * read-only for buffers the kernel writes); EBADF for every fd argument;
 * ENOENT, ENOTDIR, EISDIR, ENAMETOOLONG, ELOOP for paths.  Raw syscall(2)
 * throughout so libc cannot check or rewrite arguments first.
 */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>

#include "contract.h"

#define CONTRACT_AREA "errors"

/* Bad pointer kinds: inputs use the first IN, outputs all OUT. */
#define IN 5
#define OUT 6
static const char *const kind[OUT] = {
	"low", "kernel", "noncanonical", "unmapped", "PROT_NONE", "read-only",
};
static void *bad[OUT];
static char *area;

/* Three pages: PROT_NONE, unmapped, read-only. */
static void bad_setup(void)
{
	area = ct_map(3 * PG, PROT_READ | PROT_WRITE);
	bad[0] = BAD_LOW;
	bad[1] = BAD_KERN;
	bad[2] = BAD_NONCANON;
	bad[3] = area + PG;
	bad[4] = area;
	bad[5] = area + 2 * PG;
	munmap(area + PG, PG);
	mprotect(area, PG, PROT_NONE);
	mprotect(area + 2 * PG, PG, PROT_READ);
}

static void bad_teardown(void)
{
	munmap(area, 3 * PG);
}

#define EFAULTS(what, n, expr)                                               \
	do {                                                                 \
		for (int k_ = 0; k_ < (n); k_++) {                           \
			void *p = bad[k_];                                   \
			char l_[128];                                        \
			snprintf(l_, sizeof(l_), "%s [%s]", what, kind[k_]); \
			CHECK_ERR(l_, expr, EFAULT);                         \
		}                                                            \
	} while (0)

#define SC syscall

CONTRACT_TEST(efault_read_write)
{
	int f = open(DATA "/big", O_RDONLY), w = open(RW "/scratch", O_WRONLY);
	int z = open("/dev/zero", O_RDONLY);

	bad_setup();
	EFAULTS("read(file)", OUT, SC(SYS_read, f, p, 10));
	EFAULTS("read(/dev/zero)", OUT, SC(SYS_read, z, p, 10));
	EFAULTS("write(file)", IN, SC(SYS_write, w, p, 10));
	EFAULTS("write(stdout)", IN, SC(SYS_write, 1, p, 10));
	CHECK_RET("file offset unchanged", lseek(f, 0, SEEK_CUR), 0);
	bad_teardown();
	close(f);
	close(w);
	close(z);
}

CONTRACT_TEST(efault_pread_pwrite)
{
	int f = open(DATA "/big", O_RDONLY), w = open(RW "/scratch", O_WRONLY);

	bad_setup();
	EFAULTS("pread64", OUT, SC(SYS_pread64, f, p, 10, 0));
	EFAULTS("pwrite64", IN, SC(SYS_pwrite64, w, p, 10, 0));
	bad_teardown();
	close(f);
	close(w);
}

CONTRACT_TEST(efault_readv_writev)
{
	int f = open(DATA "/big", O_RDONLY), w = open(RW "/scratch", O_WRONLY);
	struct iovec iov[1];

	bad_setup();
	EFAULTS("readv(bad iovec array)", IN, SC(SYS_readv, f, p, 1));
	EFAULTS("writev(bad iovec array)", IN, SC(SYS_writev, w, p, 1));
	EFAULTS("readv(bad buffer)", OUT,
		(iov[0].iov_base = p, iov[0].iov_len = 8,
		 SC(SYS_readv, f, iov, 1)));
	EFAULTS("writev(bad buffer)", IN,
		(iov[0].iov_base = p, iov[0].iov_len = 8,
		 SC(SYS_writev, w, iov, 1)));
	bad_teardown();
	close(f);
	close(w);
}

CONTRACT_TEST(efault_open)
{
	bad_setup();
	EFAULTS("open", IN, SC(SYS_open, p, O_RDONLY));
	EFAULTS("open(O_CREAT)", IN, SC(SYS_open, p, O_RDWR | O_CREAT, 0644));
	EFAULTS("openat", IN, SC(SYS_openat, AT_FDCWD, p, O_RDONLY));
	bad_teardown();
}

CONTRACT_TEST(efault_stat)
{
	int f = open(DATA "/small", O_RDONLY);

	bad_setup();
	EFAULTS("stat(path)", IN, SC(SYS_stat, p, area + 2 * PG));
	EFAULTS("stat(buf)", OUT, SC(SYS_stat, "/", p));
	EFAULTS("lstat(path)", IN, SC(SYS_lstat, p, area + 2 * PG));
	EFAULTS("lstat(buf)", OUT, SC(SYS_lstat, "/", p));
	EFAULTS("fstat(buf)", OUT, SC(SYS_fstat, f, p));
	EFAULTS("newfstatat(path)", IN,
		SC(SYS_newfstatat, AT_FDCWD, p, area + 2 * PG, 0));
	EFAULTS("newfstatat(buf)", OUT,
		SC(SYS_newfstatat, AT_FDCWD, "/", p, 0));
	EFAULTS("statx(path)", IN,
		SC(SYS_statx, AT_FDCWD, p, 0, 0x7ff, area + 2 * PG));
	EFAULTS("statx(buf)", OUT, SC(SYS_statx, AT_FDCWD, "/", 0, 0x7ff, p));
	bad_teardown();
	close(f);
}

CONTRACT_TEST(efault_access_chdir)
{
	bad_setup();
	EFAULTS("access", IN, SC(SYS_access, p, F_OK));
	EFAULTS("faccessat", IN, SC(SYS_faccessat, AT_FDCWD, p, F_OK));
	EFAULTS("faccessat2", IN, SC(SYS_faccessat2, AT_FDCWD, p, F_OK, 0));
	EFAULTS("chdir", IN, SC(SYS_chdir, p));
	EFAULTS("getcwd", OUT, SC(SYS_getcwd, p, 100));
	bad_teardown();
}

CONTRACT_TEST(efault_readlink)
{
	char buf[32];

	bad_setup();
	EFAULTS("readlink(path)", IN, SC(SYS_readlink, p, buf, sizeof(buf)));
	EFAULTS("readlink(buf)", OUT, SC(SYS_readlink, DATA "/link", p, 32));
	EFAULTS("readlinkat(path)", IN,
		SC(SYS_readlinkat, AT_FDCWD, p, buf, sizeof(buf)));
	EFAULTS("readlinkat(buf)", OUT,
		SC(SYS_readlinkat, AT_FDCWD, DATA "/link", p, 32));
	bad_teardown();
}

CONTRACT_TEST(efault_getdents64)
{
	int d = open(DATA "/list", O_RDONLY | O_DIRECTORY);

	bad_setup();
	EFAULTS("getdents64", OUT, SC(SYS_getdents64, d, p, 1024));
	bad_teardown();
	close(d);
}

CONTRACT_TEST(efault_time)
{
	struct timespec ts = { 0, 1000 };

	bad_setup();
	EFAULTS("clock_gettime", OUT,
		SC(SYS_clock_gettime, CLOCK_MONOTONIC, p));
	EFAULTS("clock_getres", OUT, SC(SYS_clock_getres, CLOCK_MONOTONIC, p));
	EFAULTS("gettimeofday(tv)", OUT, SC(SYS_gettimeofday, p, NULL));
	EFAULTS("gettimeofday(tz)", OUT, SC(SYS_gettimeofday, NULL, p));
	EFAULTS("time", OUT, SC(SYS_time, p));
	EFAULTS("nanosleep(req)", IN, SC(SYS_nanosleep, p, NULL));
	EFAULTS("clock_nanosleep(req)", IN,
		SC(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, p, NULL));
	CHECK_RET("clock_nanosleep(rem bad, not written)",
		  SC(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, BAD_LOW), 0);
	bad_teardown();
}

CONTRACT_TEST(efault_ident)
{
	struct rlimit rl;

	getrlimit(RLIMIT_CORE, &rl);
	bad_setup();
	EFAULTS("uname", OUT, SC(SYS_uname, p));
	EFAULTS("getrlimit", OUT, SC(SYS_getrlimit, RLIMIT_CORE, p));
	EFAULTS("setrlimit", IN, SC(SYS_setrlimit, RLIMIT_CORE, p));
	EFAULTS("prlimit64(new)", IN,
		SC(SYS_prlimit64, 0, RLIMIT_CORE, p, NULL));
	EFAULTS("prlimit64(old)", OUT,
		SC(SYS_prlimit64, 0, RLIMIT_CORE, NULL, p));
	EFAULTS("getrandom", OUT, SC(SYS_getrandom, p, 16, 0));
	EFAULTS("arch_prctl(ARCH_GET_FS)", OUT, SC(SYS_arch_prctl, 0x1003, p));
	bad_teardown();
	struct rlimit now;
	getrlimit(RLIMIT_CORE, &now);
	CHECK("RLIMIT_CORE unchanged",
	      now.rlim_cur == rl.rlim_cur && now.rlim_max == rl.rlim_max);
}

CONTRACT_TEST(efault_signals)
{
	uint64_t before, after;

	SC(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &before, 8);
	bad_setup();
	EFAULTS("rt_sigaction(act)", IN,
		SC(SYS_rt_sigaction, SIGUSR1, p, NULL, 8));
	EFAULTS("rt_sigaction(oact)", OUT,
		SC(SYS_rt_sigaction, SIGUSR1, NULL, p, 8));
	EFAULTS("rt_sigprocmask(set)", IN,
		SC(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8));
	EFAULTS("rt_sigprocmask(oset)", OUT,
		SC(SYS_rt_sigprocmask, SIG_BLOCK, NULL, p, 8));
	bad_teardown();
	SC(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &after, 8);
	CHECK("mask unchanged", before == after);
}

CONTRACT_TEST(efault_ioctl)
{
	int f = open(DATA "/small", O_RDONLY);

	bad_setup();
	EFAULTS("ioctl(FIONREAD)", OUT, SC(SYS_ioctl, f, FIONREAD, p));
	bad_teardown();
	close(f);
}

/*
 * A buffer that runs from a good page into a bad one: the call transfers
 * up to the boundary and returns the short count.
 */
CONTRACT_TEST(efault_partial)
{
	char *m = ct_map_with_hole(3);
	int f = open(DATA "/big", O_RDONLY), z = open("/dev/zero", O_RDONLY);
	int w = open(RW "/scratch", O_RDWR | O_TRUNC);
	char *edge = m + 2 * PG - 100;

	CHECK_RET("read(file) into good+bad", SC(SYS_read, f, edge, 200), 100);
	CHECK_RET("  file offset advanced by 100", lseek(f, 0, SEEK_CUR), 100);
	CHECK_RET("read(/dev/zero) into good+bad", SC(SYS_read, z, edge, 200),
		  100);
	CHECK_RET("write(file) from good+bad", SC(SYS_write, w, edge, 200),
		  100);
	CHECK_RET("  file size", lseek(w, 0, SEEK_END), 100);
	CHECK_RET("pread into good+bad", SC(SYS_pread64, f, edge, 200, 0), 100);
	CHECK_RET("getrandom into good+bad", SC(SYS_getrandom, edge, 200, 0),
		  100);
	CHECK_ERR("stat into good+bad", SC(SYS_stat, "/", m + 2 * PG - 8),
		  EFAULT);
	memset(m + 2 * PG - 100, 'a', 100);
	CHECK_ERR("path running into the hole",
		  SC(SYS_open, m + 2 * PG - 100, O_RDONLY), EFAULT);
	munmap(m, 3 * PG);
	close(f);
	close(z);
	close(w);
}

CONTRACT_TEST(ebadf_io)
{
	static const int fds[] = { -1, 999, 1 << 20, 0x7fffffff };
	char buf[8];
	struct iovec iov = { buf, 8 };
	char l[64];

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		int fd = fds[i];

		snprintf(l, sizeof(l), "fd %d: read", fd);
		CHECK_ERR(l, SC(SYS_read, fd, buf, 8), EBADF);
		snprintf(l, sizeof(l), "fd %d: write", fd);
		CHECK_ERR(l, SC(SYS_write, fd, buf, 8), EBADF);
		snprintf(l, sizeof(l), "fd %d: pread64", fd);
		CHECK_ERR(l, SC(SYS_pread64, fd, buf, 8, 0), EBADF);
		snprintf(l, sizeof(l), "fd %d: pwrite64", fd);
		CHECK_ERR(l, SC(SYS_pwrite64, fd, buf, 8, 0), EBADF);
		snprintf(l, sizeof(l), "fd %d: readv", fd);
		CHECK_ERR(l, SC(SYS_readv, fd, &iov, 1), EBADF);
		snprintf(l, sizeof(l), "fd %d: writev", fd);
		CHECK_ERR(l, SC(SYS_writev, fd, &iov, 1), EBADF);
	}
	int fd = open(DATA "/small", O_RDONLY);
	close(fd);
	CHECK_ERR("closed fd: read", SC(SYS_read, fd, buf, 8), EBADF);
	CHECK_ERR("bad fd checked before the buffer",
		  SC(SYS_read, 999, BAD_LOW, 8), EBADF);
}

CONTRACT_TEST(ebadf_access_mode)
{
	int r = open(RW "/scratch", O_RDONLY),
	    w = open(RW "/scratch", O_WRONLY);
	char buf[8] = "";
	struct iovec iov = { buf, 8 };

	CHECK_ERR("write on O_RDONLY", SC(SYS_write, r, buf, 1), EBADF);
	CHECK_ERR("pwrite64 on O_RDONLY", SC(SYS_pwrite64, r, buf, 1, 0),
		  EBADF);
	CHECK_ERR("writev on O_RDONLY", SC(SYS_writev, r, &iov, 1), EBADF);
	CHECK_ERR("read on O_WRONLY", SC(SYS_read, w, buf, 1), EBADF);
	CHECK_ERR("pread64 on O_WRONLY", SC(SYS_pread64, w, buf, 1, 0), EBADF);
	CHECK_ERR("readv on O_WRONLY", SC(SYS_readv, w, &iov, 1), EBADF);
	CHECK_ERR("getdents64 on O_WRONLY file", SC(SYS_getdents64, w, buf, 8),
		  ENOTDIR);
	close(r);
	close(w);
}

CONTRACT_TEST(ebadf_meta)
{
	struct stat st;
	char buf[64];

	CHECK_ERR("close", SC(SYS_close, 999), EBADF);
	CHECK_ERR("fstat", SC(SYS_fstat, 999, &st), EBADF);
	CHECK_ERR("lseek", SC(SYS_lseek, 999, 0, SEEK_SET), EBADF);
	CHECK_ERR("fcntl(F_GETFD)", SC(SYS_fcntl, 999, F_GETFD), EBADF);
	CHECK_ERR("fcntl(F_GETFL)", SC(SYS_fcntl, 999, F_GETFL), EBADF);
	CHECK_ERR("fcntl(F_DUPFD)", SC(SYS_fcntl, 999, F_DUPFD, 0), EBADF);
	CHECK_ERR("dup", SC(SYS_dup, 999), EBADF);
	CHECK_ERR("dup2", SC(SYS_dup2, 999, 10), EBADF);
	CHECK_ERR("dup3", SC(SYS_dup3, 999, 10, 0), EBADF);
	CHECK_ERR("fchdir", SC(SYS_fchdir, 999), EBADF);
	CHECK_ERR("getdents64", SC(SYS_getdents64, 999, buf, sizeof(buf)),
		  EBADF);
	CHECK_ERR("ioctl", SC(SYS_ioctl, 999, FIONREAD, buf), EBADF);
	CHECK_ERR("mmap",
		  SC(SYS_mmap, NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0),
		  EBADF);
	CHECK_ERR("fstat(-1)", SC(SYS_fstat, -1, &st), EBADF);
}

CONTRACT_TEST(ebadf_dirfd)
{
	struct stat st;
	char buf[64];

	CHECK_ERR("openat", SC(SYS_openat, 999, "x", O_RDONLY), EBADF);
	CHECK_ERR("newfstatat", SC(SYS_newfstatat, 999, "x", &st, 0), EBADF);
	CHECK_ERR("newfstatat AT_EMPTY_PATH",
		  SC(SYS_newfstatat, 999, "", &st, AT_EMPTY_PATH), EBADF);
	CHECK_ERR("readlinkat", SC(SYS_readlinkat, 999, "x", buf, 64), EBADF);
	CHECK_ERR("faccessat", SC(SYS_faccessat, 999, "x", F_OK), EBADF);
	CHECK_ERR("faccessat2", SC(SYS_faccessat2, 999, "x", F_OK, 0), EBADF);
	CHECK_ERR("statx", SC(SYS_statx, 999, "x", 0, 0x7ff, buf), EBADF);
	CHECK_ERR("openat(-1) relative", SC(SYS_openat, -1, "x", O_RDONLY),
		  EBADF);
	CHECK_RET("openat(-1) absolute",
		  SC(SYS_close, SC(SYS_openat, -1, "/", O_RDONLY)), 0);
}

/* Runs the path-taking calls on path, each expecting err. */
static void path_calls(const char *tag, const char *path, int err)
{
	struct stat st;
	char buf[64], l[96];
	unsigned int x[64];

#define P(name, call)                                     \
	do {                                              \
		snprintf(l, sizeof(l), "%s: " name, tag); \
		CHECK_ERR(l, call, err);                  \
	} while (0)
	P("open", SC(SYS_open, path, O_RDONLY));
	P("openat", SC(SYS_openat, AT_FDCWD, path, O_RDONLY));
	P("stat", SC(SYS_stat, path, &st));
	P("lstat", SC(SYS_lstat, path, &st));
	P("newfstatat", SC(SYS_newfstatat, AT_FDCWD, path, &st, 0));
	P("statx", SC(SYS_statx, AT_FDCWD, path, 0, 0x7ff, x));
	P("access", SC(SYS_access, path, F_OK));
	P("faccessat2", SC(SYS_faccessat2, AT_FDCWD, path, F_OK, 0));
	P("readlink", SC(SYS_readlink, path, buf, sizeof(buf)));
	P("chdir", SC(SYS_chdir, path));
#undef P
}

CONTRACT_TEST(enoent)
{
	path_calls("missing", DATA "/nope", ENOENT);
	path_calls("missing dir", DATA "/nope/x", ENOENT);
	path_calls("empty", "", ENOENT);
	path_calls("dangling/x", DATA "/dangling/x", ENOENT);
}

CONTRACT_TEST(enotdir)
{
	path_calls("file/x", DATA "/small/x", ENOTDIR);
	path_calls("link-to-file/x", DATA "/link/x", ENOTDIR);
	path_calls("file/..", DATA "/small/..", ENOTDIR);
}

CONTRACT_TEST(eisdir)
{
	int d = open(DATA, O_RDONLY | O_DIRECTORY);
	char buf[8];

	CHECK_ERR("open O_WRONLY", SC(SYS_open, DATA "/sub", O_WRONLY), EISDIR);
	CHECK_ERR("open O_RDWR", SC(SYS_open, DATA "/sub", O_RDWR), EISDIR);
	CHECK_ERR("open O_WRONLY|O_CREAT",
		  SC(SYS_open, DATA "/sub", O_WRONLY | O_CREAT, 0644), EISDIR);
	CHECK_ERR("open O_WRONLY|O_TRUNC",
		  SC(SYS_open, DATA "/sub", O_WRONLY | O_TRUNC), EISDIR);
	CHECK_ERR("openat dirlink O_RDWR",
		  SC(SYS_openat, AT_FDCWD, DATA "/dirlink", O_RDWR), EISDIR);
	CHECK_ERR("read", SC(SYS_read, d, buf, 8), EISDIR);
	CHECK_ERR("pread64", SC(SYS_pread64, d, buf, 8, 0), EISDIR);
	close(d);
}

CONTRACT_TEST(enametoolong)
{
	static char path[4200];
	int n;

	/* A 255-byte component is fine (just missing); 256 is too long. */
	n = snprintf(path, sizeof(path), DATA "/");
	memset(path + n, 'a', 255);
	path[n + 255] = 0;
	path_calls("255-byte name", path, ENOENT);
	path[n + 255] = 'a';
	path[n + 256] = 0;
	path_calls("256-byte name", path, ENAMETOOLONG);
	/* Whole path: 4095 bytes + NUL fits, 4096 does not. */
	memset(path, '/', sizeof(path));
	strcpy(path + 4095 - strlen(DATA "/nope"), DATA "/nope");
	path_calls("4095-byte path", path, ENOENT);
	memset(path, '/', sizeof(path));
	strcpy(path + 4096 - strlen(DATA "/nope"), DATA "/nope");
	path_calls("4096-byte path", path, ENAMETOOLONG);
	memset(path, '/', sizeof(path));
	strcpy(path + 4095 - strlen(DATA "/small"), DATA "/small");
	CHECK_RET("4095-byte path to a file: stat",
		  SC(SYS_stat, path, (struct stat[1]){}), 0);
}

CONTRACT_TEST(eloop)
{
	struct stat st;

	path_calls("loop/x", DATA "/loop1/x", ELOOP);
	CHECK_ERR("open loop", SC(SYS_open, DATA "/loop1", O_RDONLY), ELOOP);
	CHECK_ERR("stat loop", SC(SYS_stat, DATA "/loop1", &st), ELOOP);
	CHECK_ERR("chdir loop", SC(SYS_chdir, DATA "/loop1"), ELOOP);
	CHECK_ERR("access loop", SC(SYS_access, DATA "/loop1", F_OK), ELOOP);
	CHECK_RET("lstat loop (not followed)",
		  SC(SYS_lstat, DATA "/loop1", &st), 0);
}
