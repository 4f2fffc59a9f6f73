/*
 * Attributes: chmod, chown and the utime family as root (the non-root
 * rules are in perm.c): which bits stick, what chown clears, -1 ids,
 * symlinks followed or not, descriptors (O_PATH ones refused), times to
 * the nanosecond with UTIME_NOW and UTIME_OMIT, and the errors in
 * Linux's order (flags, then the file, then the values).
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <utime.h>

#include "contract.h"
#include "proclib.h"

#define CONTRACT_AREA "attr"

#define A "/tmp/attr"

static void fresh(void)
{
	unlink(A "/f");
	unlink(A "/l");
	rmdir(A "/d");
	rmdir(A);
	EXPECT(mkdir(A, 0755) == 0);
	EXPECT(close(open(A "/f", O_WRONLY | O_CREAT, 0644)) == 0);
	EXPECT(mkdir(A "/d", 0755) == 0);
	EXPECT(symlink("f", A "/l") == 0);
}

static void cleanup(void)
{
	unlink(A "/f");
	unlink(A "/l");
	rmdir(A "/d");
	rmdir(A);
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_mode & 07777;
}

static struct stat st_of(const char *path)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	lstat(path, &st);
	return st;
}

static long long ns(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

CONTRACT_TEST(chmod)
{
	struct stat before, after;
	int fd;

	fresh();
	before = st_of(A "/f");
	usleep(20000);
	CHECK_RET("chmod 0600", chmod(A "/f", 0600), 0);
	after = st_of(A "/f");
	CHECK_EQO("mode", mode_of(A "/f"), 0600);
	CHECK("ctime advances", ns(after.st_ctim) > ns(before.st_ctim));
	CHECK("mtime stays", ns(after.st_mtim) == ns(before.st_mtim));
	CHECK_RET("every bit", chmod(A "/f", 07777), 0);
	CHECK_EQO("mode", mode_of(A "/f"), 07777);
	CHECK_RET("type bits are ignored", chmod(A "/f", S_IFDIR | 0644), 0);
	CHECK_EQO("mode", st_of(A "/f").st_mode, S_IFREG | 0644);
	CHECK_RET("through a symlink", chmod(A "/l", 0640), 0);
	CHECK_EQO("target mode", mode_of(A "/f"), 0640);
	CHECK_EQO("link mode", mode_of(A "/l"), 0777);
	CHECK_RET("a directory", chmod(A "/d", 01777), 0);
	CHECK_EQO("mode", mode_of(A "/d"), 01777);
	CHECK_RET("fchmodat", fchmodat(AT_FDCWD, A "/f", 0604, 0), 0);
	CHECK_EQO("mode", mode_of(A "/f"), 0604);
	fd = open(A "/f", O_RDONLY);
	CHECK_RET("fchmod on a read-only fd", fchmod(fd, 0600), 0);
	CHECK_EQO("mode", mode_of(A "/f"), 0600);
	close(fd);
	fd = open(A "/f", O_PATH);
	CHECK_ERR("fchmod on an O_PATH fd (raw: musl retries by /proc)",
		  syscall(SYS_fchmod, fd, 0644), EBADF);
	close(fd);
	CHECK_ERR("fchmod on a bad fd", fchmod(99, 0644), EBADF);
	CHECK_ERR("missing file", chmod(A "/nx", 0644), ENOENT);
	CHECK_ERR("dangling link",
		  (symlink("nx", A "/dl"), chmod(A "/dl", 0644)), ENOENT);
	unlink(A "/dl");
	CHECK_ERR("empty path", chmod("", 0644), ENOENT);
	CHECK_ERR("bad address", syscall(SYS_chmod, BAD_LOW, 0644), EFAULT);
	CHECK_ERR("fchmodat with a file as dfd", ({
			  int f = open(A "/f", O_RDONLY);
			  long r = syscall(SYS_fchmodat, f, "x", 0644);
			  close(f);
			  r;
		  }),
		  ENOTDIR);
	cleanup();
}

CONTRACT_TEST(chown)
{
	struct stat st;
	int fd;

	fresh();
	CHECK_RET("chown 1000:2000", chown(A "/f", 1000, 2000), 0);
	st = st_of(A "/f");
	CHECK_EQ("uid", st.st_uid, 1000);
	CHECK_EQ("gid", st.st_gid, 2000);
	CHECK_RET("-1 -1", chown(A "/f", -1, -1), 0);
	st = st_of(A "/f");
	CHECK_EQ("uid unchanged", st.st_uid, 1000);
	CHECK_EQ("gid unchanged", st.st_gid, 2000);
	CHECK_RET("uid only", chown(A "/f", 3000, -1), 0);
	CHECK_EQ("gid kept", st_of(A "/f").st_gid, 2000);
	CHECK_RET("lchown a symlink", lchown(A "/l", 5, 6), 0);
	CHECK_EQ("link uid", st_of(A "/l").st_uid, 5);
	CHECK_EQ("target uid unchanged", st_of(A "/f").st_uid, 3000);
	CHECK_RET("chown follows", chown(A "/l", 7, 8), 0);
	CHECK_EQ("target uid", st_of(A "/f").st_uid, 7);
	CHECK_EQ("link uid unchanged", st_of(A "/l").st_uid, 5);
	CHECK_RET("fchownat AT_SYMLINK_NOFOLLOW",
		  fchownat(AT_FDCWD, A "/l", 0, 0, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_EQ("link uid", st_of(A "/l").st_uid, 0);
	fd = open(A "/f", O_PATH);
	CHECK_RET("fchownat AT_EMPTY_PATH on an O_PATH fd",
		  fchownat(fd, "", 9, 9, AT_EMPTY_PATH), 0);
	CHECK_EQ("uid", st_of(A "/f").st_uid, 9);
	CHECK_ERR("fchown on an O_PATH fd (raw)", syscall(SYS_fchown, fd, 1, 1),
		  EBADF);
	CHECK_ERR("\"\" without AT_EMPTY_PATH", fchownat(fd, "", 9, 9, 0),
		  ENOENT);
	close(fd);
	fd = open(A "/f", O_RDONLY);
	CHECK_RET("fchown", fchown(fd, 0, 0), 0);
	close(fd);
	CHECK_ERR("bad flags", fchownat(AT_FDCWD, A "/f", 0, 0, 1), EINVAL);
	CHECK_ERR("bad flags, missing file",
		  fchownat(AT_FDCWD, A "/nx", 0, 0, 1), EINVAL);
	CHECK_ERR("missing file", chown(A "/nx", 0, 0), ENOENT);
	CHECK_ERR("bad fd", fchown(99, 0, 0), EBADF);
	cleanup();
}

CONTRACT_TEST(chown_clears)
{
	fresh();
	chmod(A "/f", 04755);
	CHECK_RET("chown a setuid file", chown(A "/f", 0, 0), 0);
	CHECK_EQO("setuid gone", mode_of(A "/f"), 0755);
	chmod(A "/f", 02755);
	CHECK_RET("chown a setgid g+x file", chown(A "/f", -1, -1), 0);
	CHECK_EQO("setgid gone", mode_of(A "/f"), 0755);
	chmod(A "/f", 02745);
	CHECK_RET("chown a setgid g-x file", chown(A "/f", 1, 1), 0);
	CHECK_EQO("setgid kept (mandatory locking bit)", mode_of(A "/f"),
		  02745);
	chmod(A "/d", 06755);
	CHECK_RET("chown a setuid directory", chown(A "/d", 1, 1), 0);
	CHECK_EQO("bits kept", mode_of(A "/d"), 06755);
	cleanup();
}

CONTRACT_TEST(utimensat)
{
	struct timespec ts[2] = { { 1000000000, 123456789 },
				  { 1100000000, 987654321 } };
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	struct timespec now_omit[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	struct timespec neg[2] = { { 0, -1 }, { 0, 0 } };
	struct stat st, before;
	struct timespec t0;
	int fd;

	fresh();
	CHECK_RET("explicit times", utimensat(AT_FDCWD, A "/f", ts, 0), 0);
	st = st_of(A "/f");
	CHECK_EQ("atime sec", st.st_atim.tv_sec, 1000000000);
	CHECK_EQ("atime nsec", st.st_atim.tv_nsec, 123456789);
	CHECK_EQ("mtime sec", st.st_mtim.tv_sec, 1100000000);
	CHECK_EQ("mtime nsec", st.st_mtim.tv_nsec, 987654321);
	CHECK("ctime is now, not the times given",
	      st.st_ctim.tv_sec > 1100000000);
	CHECK_RET("both UTIME_OMIT", utimensat(AT_FDCWD, A "/f", omit, 0), 0);
	CHECK_RET("both UTIME_OMIT on a missing file",
		  utimensat(AT_FDCWD, A "/nx", omit, 0), 0);
	CHECK_RET("both UTIME_OMIT with bad flags",
		  utimensat(AT_FDCWD, A "/f", omit, 0x8000), 0);
	clock_gettime(CLOCK_REALTIME, &t0);
	t0.tv_sec -= 1;
	CHECK_RET("UTIME_NOW, UTIME_OMIT",
		  utimensat(AT_FDCWD, A "/f", now_omit, 0), 0);
	st = st_of(A "/f");
	CHECK("atime is now", ns(st.st_atim) >= ns(t0));
	CHECK_EQ("mtime kept", st.st_mtim.tv_sec, 1100000000);
	CHECK_RET("NULL: both now", utimensat(AT_FDCWD, A "/f", NULL, 0), 0);
	st = st_of(A "/f");
	CHECK("mtime is now", ns(st.st_mtim) >= ns(t0));
	CHECK_ERR("nanoseconds 1e9", utimensat(AT_FDCWD, A "/f", bad, 0),
		  EINVAL);
	CHECK_ERR("negative nanoseconds", utimensat(AT_FDCWD, A "/f", neg, 0),
		  EINVAL);
	CHECK_ERR("bad nanoseconds, missing file",
		  utimensat(AT_FDCWD, A "/nx", bad, 0), ENOENT);
	CHECK_ERR("bad flags", utimensat(AT_FDCWD, A "/f", ts, 1), EINVAL);
	CHECK_ERR("bad flags, missing file",
		  utimensat(AT_FDCWD, A "/nx", ts, 1), EINVAL);
	before = st_of(A "/f");
	CHECK_RET("AT_SYMLINK_NOFOLLOW on a symlink",
		  utimensat(AT_FDCWD, A "/l", ts, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_EQ("link mtime", st_of(A "/l").st_mtim.tv_sec, 1100000000);
	CHECK("target untouched",
	      ns(st_of(A "/f").st_mtim) == ns(before.st_mtim));
	fd = open(A "/f", O_RDONLY);
	CHECK_RET("by fd (NULL path)", syscall(SYS_utimensat, fd, NULL, ts, 0),
		  0);
	CHECK_EQ("mtime", st_of(A "/f").st_mtim.tv_sec, 1100000000);
	CHECK_ERR("by fd with flags",
		  syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW),
		  EINVAL);
	CHECK_ERR("NULL path, AT_FDCWD",
		  syscall(SYS_utimensat, AT_FDCWD, NULL, ts, 0), EFAULT);
	CHECK_RET("AT_EMPTY_PATH", utimensat(fd, "", NULL, AT_EMPTY_PATH), 0);
	close(fd);
	fd = open(A "/f", O_PATH);
	CHECK_ERR("by an O_PATH fd", syscall(SYS_utimensat, fd, NULL, ts, 0),
		  EBADF);
	CHECK_RET("AT_EMPTY_PATH on an O_PATH fd",
		  utimensat(fd, "", ts, AT_EMPTY_PATH), 0);
	close(fd);
	CHECK_ERR("bad fd", syscall(SYS_utimensat, 99, NULL, ts, 0), EBADF);
	CHECK_ERR("bad times address",
		  syscall(SYS_utimensat, AT_FDCWD, A "/f", BAD_LOW, 0), EFAULT);
	CHECK_RET("a directory", utimensat(AT_FDCWD, A "/d", ts, 0), 0);
	CHECK_EQ("mtime", st_of(A "/d").st_mtim.tv_sec, 1100000000);
	cleanup();
}

static void noatime_other(void *arg)
{
	int fd;

	(void)arg;
	EXPECT(setgid(65534) == 0);
	EXPECT(setuid(65534) == 0);
	CHECK_ERR("O_NOATIME by another user",
		  open(A "/f", O_RDONLY | O_NOATIME), EPERM);
	fd = open(A "/f", O_RDONLY);
	CHECK_ERR("F_SETFL O_NOATIME by another user",
		  fcntl(fd, F_SETFL, O_NOATIME), EPERM);
	CHECK_RET("F_SETFL without it", fcntl(fd, F_SETFL, 0), 0);
	close(fd);
}

/*
 * relatime (tmpfs's default on Linux): a read moves atime when it is not
 * after mtime or ctime, or is a day old; otherwise it stays.  getdents
 * and mmap count as reads; O_NOATIME reads leave it, and only the owner
 * (or CAP_FOWNER) may ask for O_NOATIME (EPERM).
 */
CONTRACT_TEST(relatime)
{
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct timespec day[2] = { { 0, 0 }, { 0, UTIME_OMIT } };
	struct timespec t0;
	struct stat st;
	char c;
	int fd;

	fresh();
	EXPECT(utimensat(AT_FDCWD, A "/f", old, 0) == 0);
	clock_gettime(CLOCK_REALTIME, &t0);
	t0.tv_sec -= 1;
	fd = open(A "/f", O_RDONLY);
	CHECK_RET("read at EOF", read(fd, &c, 1), 0);
	st = st_of(A "/f");
	CHECK("atime <= mtime: the read moves it", ns(st.st_atim) >= ns(t0));
	EXPECT(lseek(fd, 0, SEEK_SET) == 0);
	EXPECT(utimensat(AT_FDCWD, A "/f", old, 0) == 0); /* ctime now */
	/* Linux's timestamps are coarse (a tick): let atime pass ctime. */
	EXPECT(nanosleep(&(struct timespec){ 0, 20000000 }, NULL) == 0);
	CHECK_RET("read again", read(fd, &c, 1), 0);
	st = st_of(A "/f");
	CHECK("atime <= ctime: moves", ns(st.st_atim) >= ns(t0));
	/*
	 * A loaded host's coarse clock can miss a tick in those 20 ms (the
	 * host failed this test once: the read left atime equal to ctime,
	 * so the next read moved it).  Read on, silently, until atime is
	 * past ctime: what follows needs it after both.
	 */
	for (int i = 0; i < 100 && ns(st.st_atim) <= ns(st.st_ctim); i++) {
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		if (read(fd, &c, 1) < 0)
			break;
		st = st_of(A "/f");
	}
	/* atime after both, and recent: stays */
	day[0].tv_sec = st.st_atim.tv_sec;
	day[0].tv_nsec = st.st_atim.tv_nsec;
	CHECK_RET("zero-length read", read(fd, &c, 0), 0);
	CHECK_RET("read once more", read(fd, &c, 1), 0);
	CHECK("recent atime after mtime and ctime stays",
	      ns(st_of(A "/f").st_atim) == ns(st.st_atim));
	close(fd);
	/* a day old: moves even though it is after mtime and ctime */
	EXPECT(utimensat(AT_FDCWD, A "/f", old, 0) == 0);
	fd = open(A "/f", O_RDONLY);
	day[0].tv_sec = t0.tv_sec - 2 * 86400;
	day[0].tv_nsec = 0;
	EXPECT(futimens(fd, day) == 0);
	CHECK_RET("read", read(fd, &c, 1), 0);
	CHECK("a day old: moves", ns(st_of(A "/f").st_atim) >= ns(t0));
	close(fd);
	/* O_NOATIME */
	EXPECT(utimensat(AT_FDCWD, A "/f", old, 0) == 0);
	fd = open(A "/f", O_RDONLY | O_NOATIME);
	CHECK("O_NOATIME open by the owner", fd >= 0);
	CHECK_RET("read", read(fd, &c, 1), 0);
	CHECK_EQ("O_NOATIME: atime stays", st_of(A "/f").st_atim.tv_sec,
		 1000000000);
	close(fd);
	/* getdents */
	EXPECT(utimensat(AT_FDCWD, A "/d", old, 0) == 0);
	fd = open(A "/d", O_RDONLY | O_DIRECTORY);
	{
		char buf[256];

		CHECK("getdents64",
		      syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0);
	}
	CHECK("getdents moves the directory's atime",
	      ns(st_of(A "/d").st_atim) >= ns(t0));
	close(fd);
	/* not the owner, without CAP_FOWNER */
	EXPECT(chown(A "/f", 1234, 1234) == 0);
	ct_child_ok("uid 65534", noatime_other, NULL);
	cleanup();
}

CONTRACT_TEST(utimes)
{
	struct timeval tv[2] = { { 1200000000, 5 }, { 1300000000, 999999 } };
	struct timeval bad[2] = { { 0, 1000000 }, { 0, 0 } };
	struct utimbuf ub = { 1400000000, 1500000000 };
	struct stat st;

	fresh();
	CHECK_RET("utimes", utimes(A "/f", tv), 0);
	st = st_of(A "/f");
	CHECK_EQ("atime sec", st.st_atim.tv_sec, 1200000000);
	CHECK_EQ("atime nsec (from usec)", st.st_atim.tv_nsec, 5000);
	CHECK_EQ("mtime nsec", st.st_mtim.tv_nsec, 999999000);
	CHECK_ERR("usec 1000000", syscall(SYS_utimes, A "/f", bad), EINVAL);
	CHECK_ERR("usec 1000000, missing file",
		  syscall(SYS_utimes, A "/nx", bad), EINVAL);
	CHECK_RET("utimes NULL", syscall(SYS_utimes, A "/f", NULL), 0);
	CHECK("now", st_of(A "/f").st_mtim.tv_sec > 1300000000);
	CHECK_RET("futimesat", syscall(SYS_futimesat, AT_FDCWD, A "/f", tv), 0);
	CHECK_EQ("mtime", st_of(A "/f").st_mtim.tv_sec, 1300000000);
	CHECK_RET("utime", syscall(SYS_utime, A "/f", &ub), 0);
	st = st_of(A "/f");
	CHECK_EQ("atime", st.st_atim.tv_sec, 1400000000);
	CHECK_EQ("mtime", st.st_mtim.tv_sec, 1500000000);
	CHECK_EQ("mtime nsec", st.st_mtim.tv_nsec, 0);
	CHECK_RET("utime NULL", syscall(SYS_utime, A "/f", NULL), 0);
	CHECK_ERR("utime, missing file", syscall(SYS_utime, A "/nx", &ub),
		  ENOENT);
	CHECK_ERR("utime, bad buffer", syscall(SYS_utime, A "/f", BAD_LOW),
		  EFAULT);
	cleanup();
}
