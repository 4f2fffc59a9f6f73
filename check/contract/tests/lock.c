/*
 * File locks.  flock(2): the operations and their errors in Linux's order
 * (LOCK_MAND ignored first, EINVAL before EBADF, O_PATH and files open
 * for neither reading nor writing), locks of the open file description
 * (shared by dup and fork, gone with the last close), conflicts between
 * descriptions and processes, conversions that drop the old lock first,
 * blocking until the holder lets go, EINTR and SA_RESTART, and flock
 * locks never meeting fcntl locks.
 *
 * fcntl(2) record locks: F_GETLK/F_SETLK/F_SETLKW argument checks (whence,
 * type, ranges, EOVERFLOW, access modes, EFAULT both ways), byte ranges
 * split, merged, converted, counted back from l_start or to EOF, from
 * SEEK_CUR and SEEK_END; F_GETLK's first conflict (in Linux's list order)
 * with its l_pid, and F_UNLCK with the rest untouched when there is none;
 * conflicts between processes, waiting, EINTR, EDEADLK for two and three
 * processes; POSIX's close rule (any fd for the file, dup2 over one, a
 * hard link, close-on-exec at exec), locks kept across exec, never
 * inherited by fork, gone at exit.  OFD locks (F_OFD_*): l_pid must be 0,
 * F_GETLK shows -1, they conflict with the process's own POSIX locks, are
 * shared through dup and fork, survive closing other fds and go with the
 * last close of the description; F_OFD_GETLK with F_UNLCK.
 *
 * A process cannot see its own POSIX locks with F_GETLK, so children look
 * (dump_locks: every lock of one other owner, in order of offset).
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "lock"

#define LF "/tmp/lockfile"
#define LF2 "/tmp/lockfile2"

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif
#ifndef LOCK_MAND
#define LOCK_MAND 32
#endif

/* fcntl(fd, cmd, &{type, whence, start, len}) as a raw system call. */
static long lk(int fd, int cmd, int type, int whence, long start, long len)
{
	struct flock l = { .l_type = (short)type,
			   .l_whence = (short)whence,
			   .l_start = start,
			   .l_len = len };

	return syscall(SYS_fcntl, fd, cmd, &l);
}

static long fl(int fd, int op)
{
	return syscall(SYS_flock, fd, op);
}

static const char *tname(int type)
{
	static char buf[16];

	switch (type) {
	case F_RDLCK:
		return "F_RDLCK";
	case F_WRLCK:
		return "F_WRLCK";
	case F_UNLCK:
		return "F_UNLCK";
	}
	snprintf(buf, sizeof(buf), "type %d", type);
	return buf;
}

/* A fresh LF of size bytes, open O_RDWR. */
static int mkfile(long size)
{
	int fd = open(LF, O_RDWR | O_CREAT | O_TRUNC, 0644);

	EXPECT(fd >= 0);
	EXPECT(ftruncate(fd, size) == 0);
	return fd;
}

/* Read one byte from a pipe (a child's "ready"); 1 if it came. */
static int await(int rfd)
{
	char c;

	return read(rfd, &c, 1) == 1;
}

static void signal_ready(int wfd)
{
	EXPECT(write(wfd, "r", 1) == 1);
}

/*
 * In a child: every lock another process holds on fd's file that
 * conflicts with a write lock, in order of offset (F_GETLK from where
 * the last one ended), with l_pid as a relation to pid.
 */
struct dump {
	int fd;
	pid_t pid; /* 0: the parent */
};

static void dump_locks(void *p)
{
	struct dump *d = p;
	pid_t want = d->pid ? d->pid : getppid();
	long from = 0;

	for (int i = 0; i < 16; i++) {
		struct flock l = { .l_type = F_WRLCK, .l_start = from };

		if (syscall(SYS_fcntl, d->fd, F_GETLK, &l)) {
			ct_say("F_GETLK: %s", ct_errname(errno));
			return;
		}
		if (l.l_type == F_UNLCK)
			break;
		ct_say("  %s start %ld len %ld whence %d, %s", tname(l.l_type),
		       (long)l.l_start, (long)l.l_len, l.l_whence,
		       l.l_pid == want ? "its pid"
		       : l.l_pid == -1 ? "pid -1"
				       : "another pid");
		if (l.l_len == 0)
			break;
		from = l.l_start + l.l_len;
	}
	ct_say("  (end)");
}

static void show(const char *what, int fd)
{
	struct dump d = { fd, 0 };

	ct_say("%s:", what);
	ct_child(dump_locks, &d);
}

/* ---- flock(2) ------------------------------------------------------------ */

CONTRACT_TEST(flock_args)
{
	int fd = mkfile(0), path = open(LF, O_PATH), none = open(LF, 3);

	CHECK("open with access mode 3", none >= 0);
	CHECK_ERR("op 0", fl(fd, 0), EINVAL);
	CHECK_ERR("LOCK_SH|LOCK_EX", fl(fd, LOCK_SH | LOCK_EX), EINVAL);
	CHECK_ERR("LOCK_NB alone", fl(fd, LOCK_NB), EINVAL);
	CHECK_ERR("LOCK_UN|LOCK_EX", fl(fd, LOCK_UN | LOCK_EX), EINVAL);
	CHECK_ERR("16", fl(fd, 16), EINVAL);
	CHECK_ERR("LOCK_READ (64) without LOCK_MAND", fl(fd, 64), EINVAL);
	CHECK_ERR("bad op on a bad fd: EINVAL first", fl(-1, 3), EINVAL);
	CHECK_RET("LOCK_MAND|LOCK_EX: ignored", fl(fd, LOCK_MAND | LOCK_EX), 0);
	CHECK_RET("LOCK_MAND on a bad fd: ignored too", fl(-1, LOCK_MAND), 0);
	CHECK_RET("-1 (has LOCK_MAND)", fl(fd, -1), 0);
	CHECK_ERR("bad fd", fl(-1, LOCK_EX), EBADF);
	CHECK_ERR("closed fd", fl(999, LOCK_SH), EBADF);
	CHECK_ERR("O_PATH LOCK_EX", fl(path, LOCK_EX), EBADF);
	CHECK_ERR("O_PATH LOCK_UN", fl(path, LOCK_UN), EBADF);
	CHECK_ERR("O_PATH bad op: EINVAL", fl(path, 0), EINVAL);
	CHECK_ERR("access mode 3: LOCK_EX", fl(none, LOCK_EX), EBADF);
	CHECK_ERR("access mode 3: LOCK_SH", fl(none, LOCK_SH), EBADF);
	CHECK_RET("access mode 3: LOCK_UN", fl(none, LOCK_UN), 0);
	CHECK_RET("op read as 32 bits",
		  syscall(SYS_flock, fd, 0x100000000L | LOCK_EX), 0);
	CHECK_RET("LOCK_UN|LOCK_NB", fl(fd, LOCK_UN | LOCK_NB), 0);
	CHECK_RET("LOCK_UN without a lock", fl(fd, LOCK_UN), 0);
	close(fd);
	close(path);
	close(none);
}

CONTRACT_TEST(flock_descriptions)
{
	int a = mkfile(0), b = open(LF, O_RDONLY), c = open(LF, O_WRONLY);
	int d = open("/tmp", O_RDONLY | O_DIRECTORY);

	CHECK_RET("a: LOCK_EX", fl(a, LOCK_EX), 0);
	CHECK_RET("a: LOCK_EX again", fl(a, LOCK_EX | LOCK_NB), 0);
	CHECK_ERR("b: LOCK_SH|LOCK_NB", fl(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	CHECK_ERR("c: LOCK_EX|LOCK_NB", fl(c, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	CHECK_RET("a: down to LOCK_SH", fl(a, LOCK_SH | LOCK_NB), 0);
	CHECK_RET("b (O_RDONLY): LOCK_SH", fl(b, LOCK_SH | LOCK_NB), 0);
	CHECK_ERR("c: LOCK_EX|LOCK_NB with two readers",
		  fl(c, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	CHECK_ERR("a: up to LOCK_EX|LOCK_NB fails", fl(a, LOCK_EX | LOCK_NB),
		  EWOULDBLOCK);
	CHECK_RET("... and a lost its LOCK_SH: b up to LOCK_EX",
		  fl(b, LOCK_EX | LOCK_NB), 0);
	CHECK_ERR("a: LOCK_SH|LOCK_NB", fl(a, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	CHECK_RET("b: LOCK_UN", fl(b, LOCK_UN), 0);
	CHECK_RET("c (O_WRONLY): LOCK_SH", fl(c, LOCK_SH | LOCK_NB), 0);
	CHECK_RET("close(c) drops its lock", close(c), 0);
	CHECK_RET("a: LOCK_EX", fl(a, LOCK_EX | LOCK_NB), 0);
	CHECK_RET("a directory: LOCK_EX", fl(d, LOCK_EX | LOCK_NB), 0);
	CHECK_ERR("the file's LOCK_EX is a's still", fl(b, LOCK_SH | LOCK_NB),
		  EWOULDBLOCK);
	close(a);
	CHECK_RET("after close(a): b LOCK_EX", fl(b, LOCK_EX | LOCK_NB), 0);
	close(b);
	close(d);
	unlink(LF);
}

static void flock_child_nb(void *p)
{
	int fd = open(LF, O_RDWR);

	CHECK_ERR("child, own description: LOCK_SH|LOCK_NB",
		  fl(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	CHECK_RET("child, inherited description: LOCK_EX|LOCK_NB",
		  fl(*(int *)p, LOCK_EX | LOCK_NB), 0);
	CHECK_RET("child, inherited description: LOCK_UN",
		  fl(*(int *)p, LOCK_UN), 0);
	close(fd);
}

CONTRACT_TEST(flock_shared)
{
	int a = mkfile(0), dup_a, b;

	CHECK_RET("LOCK_EX", fl(a, LOCK_EX), 0);
	dup_a = dup(a);
	CHECK_RET("the dup holds it too: LOCK_SH", fl(dup_a, LOCK_SH), 0);
	b = open(LF, O_RDONLY);
	CHECK_RET("another description: LOCK_SH|LOCK_NB",
		  fl(b, LOCK_SH | LOCK_NB), 0);
	CHECK_ERR("the dup: back to LOCK_EX", fl(dup_a, LOCK_EX | LOCK_NB),
		  EWOULDBLOCK);
	CHECK_RET("b: LOCK_UN", fl(b, LOCK_UN), 0);
	CHECK_RET("the dup: LOCK_EX", fl(dup_a, LOCK_EX | LOCK_NB), 0);
	close(a);
	CHECK_ERR("close(a), the dup still holds it", fl(b, LOCK_SH | LOCK_NB),
		  EWOULDBLOCK);
	ct_child_ok("child", flock_child_nb, &dup_a);
	CHECK_RET("the child's LOCK_UN released the parent's lock",
		  fl(b, LOCK_EX | LOCK_NB), 0);
	close(dup_a);
	close(b);
	unlink(LF);
}

/* Processes: a blocked LOCK_EX gets the lock when the holder lets go. */
CONTRACT_TEST(flock_wait)
{
	int a = mkfile(0), p[2], st;
	pid_t pid;

	ct_pipe(p);
	CHECK_RET("parent: LOCK_EX", fl(a, LOCK_EX), 0);
	pid = ct_fork();
	if (pid == 0) {
		int fd = open(LF, O_RDWR);

		signal_ready(p[1]);
		if (fl(fd, LOCK_EX))
			_exit(1);
		/* The parent wrote its mark before letting go. */
		_exit(pread(fd, &st, 1, 0) == 1 ? 0 : 2);
	}
	CHECK("child ready", await(p[0]));
	ct_msleep(100);
	CHECK_RET("mark", pwrite(a, "m", 1, 0), 1);
	CHECK_RET("LOCK_UN", fl(a, LOCK_UN), 0);
	st = ct_wait(pid);
	CHECK_STR("the child got LOCK_EX after the mark", ct_status(st),
		  "exited 0");
	/* a child's lock goes when it exits */
	pid = ct_fork();
	if (pid == 0) {
		int fd = open(LF, O_RDWR);

		_exit(fl(fd, LOCK_EX) ? 1 : 0);
	}
	CHECK_STR("child took LOCK_EX and exited", ct_status(ct_wait(pid)),
		  "exited 0");
	CHECK_RET("its lock went with it", fl(a, LOCK_EX | LOCK_NB), 0);
	close(a);
	close(p[0]);
	close(p[1]);
	unlink(LF);
}

static volatile int alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/* A child holding LOCK_EX on its own description for ms milliseconds. */
static pid_t holder(int how, long ms)
{
	int p[2];
	pid_t pid;

	ct_pipe(p);
	pid = ct_fork();
	if (pid == 0) {
		int fd = open(LF, O_RDWR);

		if (how == 0)
			EXPECT(fl(fd, LOCK_EX) == 0);
		else
			EXPECT(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
		signal_ready(p[1]);
		ct_msleep(ms);
		_exit(0);
	}
	await(p[0]);
	close(p[0]);
	close(p[1]);
	return pid;
}

static void interrupted(int how)
{
	int a = mkfile(0);
	pid_t pid = holder(how, 400);

	alarms = 0;
	ct_sigsimple(SIGALRM, on_alarm, 0);
	ct_arm_ms(50);
	if (how == 0)
		CHECK_ERR("blocked LOCK_EX, handler without SA_RESTART",
			  fl(a, LOCK_EX), EINTR);
	else
		CHECK_ERR("blocked F_SETLKW, handler without SA_RESTART",
			  lk(a, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1), EINTR);
	ct_sigsimple(SIGALRM, on_alarm, SA_RESTART);
	ct_arm_ms(50);
	if (how == 0)
		CHECK_RET("with SA_RESTART: restarted until the holder exits",
			  fl(a, LOCK_EX), 0);
	else
		CHECK_RET("with SA_RESTART: restarted until the holder exits",
			  lk(a, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1), 0);
	CHECK_EQ("handlers run", alarms, 2);
	ct_wait(pid);
	ct_sigdfl(SIGALRM);
	close(a);
	unlink(LF);
}

CONTRACT_TEST(flock_eintr)
{
	interrupted(0);
}

static void flock_vs_fcntl_child(void *p)
{
	int fd = open(LF, O_RDWR);
	struct flock l = { .l_type = F_WRLCK };

	CHECK_ERR("child: flock LOCK_EX|LOCK_NB", fl(fd, LOCK_EX | LOCK_NB),
		  EWOULDBLOCK);
	CHECK_RET("child: F_GETLK", syscall(SYS_fcntl, fd, F_GETLK, &l), 0);
	CHECK_STR("sees the record lock", tname(l.l_type), "F_WRLCK");
	CHECK_EQ("of bytes", l.l_len, 10);
	close(fd);
}

CONTRACT_TEST(flock_vs_fcntl)
{
	int a = mkfile(0), b = open(LF, O_RDWR);

	CHECK_RET("flock LOCK_EX through a", fl(a, LOCK_EX), 0);
	CHECK_RET("F_SETLK F_WRLCK through b",
		  lk(b, F_SETLK, F_WRLCK, 0, 0, 10), 0);
	CHECK_ERR("F_OFD_SETLK F_WRLCK 5+1 through a: the record lock's",
		  lk(a, F_OFD_SETLK, F_WRLCK, 0, 5, 1), EAGAIN);
	CHECK_RET("F_OFD_SETLK F_WRLCK 20+10 through a: flock's does not count",
		  lk(a, F_OFD_SETLK, F_WRLCK, 0, 20, 10), 0);
	ct_child_ok("child", flock_vs_fcntl_child, NULL);
	close(a);
	close(b);
	unlink(LF);
}

/* ---- fcntl record locks: arguments --------------------------------------- */

CONTRACT_TEST(fcntl_args)
{
	int fd = mkfile(100), ro = open(LF, O_RDONLY), wo = open(LF, O_WRONLY);
	int path = open(LF, O_PATH), none = open(LF, 3);
	struct flock l;
	void *page;

	CHECK_ERR("bad fd", lk(-1, F_SETLK, F_RDLCK, 0, 0, 0), EBADF);
	CHECK_ERR("bad fd, bad pointer: EBADF first",
		  syscall(SYS_fcntl, 999, F_SETLK, BAD_LOW), EBADF);
	CHECK_ERR("O_PATH F_GETLK", lk(path, F_GETLK, F_RDLCK, 0, 0, 0), EBADF);
	CHECK_ERR("O_PATH F_SETLK", lk(path, F_SETLK, F_UNLCK, 0, 0, 0), EBADF);
	CHECK_ERR("O_PATH F_OFD_SETLK, bad pointer",
		  syscall(SYS_fcntl, path, F_OFD_SETLK, BAD_LOW), EBADF);
	CHECK_ERR("F_SETLK NULL", syscall(SYS_fcntl, fd, F_SETLK, NULL),
		  EFAULT);
	CHECK_ERR("F_GETLK bad pointer",
		  syscall(SYS_fcntl, fd, F_GETLK, BAD_KERN), EFAULT);
	CHECK_ERR("F_OFD_GETLK bad pointer",
		  syscall(SYS_fcntl, fd, F_OFD_GETLK, BAD_NONCANON), EFAULT);
	CHECK_ERR("F_SETLKW bad pointer",
		  syscall(SYS_fcntl, fd, F_SETLKW, BAD_LOW), EFAULT);
	CHECK_ERR("command 12 (F_GETLK64 is 32-bit only)",
		  lk(fd, 12, F_RDLCK, 0, 0, 0), EINVAL);
	CHECK_ERR("whence 3", lk(fd, F_SETLK, F_RDLCK, 3, 0, 0), EINVAL);
	CHECK_ERR("whence -1", lk(fd, F_SETLK, F_RDLCK, -1, 0, 0), EINVAL);
	CHECK_ERR("type 3", lk(fd, F_SETLK, 3, 0, 0, 0), EINVAL);
	CHECK_ERR("type -1", lk(fd, F_SETLK, -1, 0, 0, 0), EINVAL);
	CHECK_ERR("type 3, start past the largest offset: EOVERFLOW first",
		  lk(fd, F_SETLK, 3, SEEK_END, INT64_MAX, 0), EOVERFLOW);
	CHECK_ERR("start -1", lk(fd, F_SETLK, F_RDLCK, SEEK_SET, -1, 1),
		  EINVAL);
	CHECK_ERR("SEEK_END - 101", lk(fd, F_SETLK, F_RDLCK, SEEK_END, -101, 1),
		  EINVAL);
	CHECK_ERR("SEEK_END + INT64_MAX",
		  lk(fd, F_SETLK, F_RDLCK, SEEK_END, INT64_MAX, 0), EOVERFLOW);
	CHECK_RET("SEEK_END + INT64_MAX - 100",
		  lk(fd, F_SETLK, F_RDLCK, SEEK_END, INT64_MAX - 100, 1), 0);
	CHECK_ERR("... len 2",
		  lk(fd, F_SETLK, F_RDLCK, SEEK_END, INT64_MAX - 100, 2),
		  EOVERFLOW);
	CHECK_ERR("start 2 len INT64_MAX",
		  lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 2, INT64_MAX), EOVERFLOW);
	CHECK_RET("start 1 len INT64_MAX",
		  lk(fd, F_SETLK, F_RDLCK, 0, 1, INT64_MAX), 0);
	CHECK_ERR("start 0 len -1", lk(fd, F_SETLK, F_RDLCK, 0, 0, -1), EINVAL);
	CHECK_ERR("start 5 len INT64_MIN",
		  lk(fd, F_SETLK, F_RDLCK, 0, 5, INT64_MIN), EINVAL);
	CHECK_RET("start 5 len -5", lk(fd, F_SETLK, F_RDLCK, 0, 5, -5), 0);
	CHECK_ERR("F_RDLCK on O_WRONLY", lk(wo, F_SETLK, F_RDLCK, 0, 0, 0),
		  EBADF);
	CHECK_ERR("F_WRLCK on O_RDONLY", lk(ro, F_SETLK, F_WRLCK, 0, 0, 0),
		  EBADF);
	CHECK_ERR("F_WRLCK on O_RDONLY, bad whence: EINVAL first",
		  lk(ro, F_SETLK, F_WRLCK, 9, 0, 0), EINVAL);
	CHECK_ERR("F_RDLCK on access mode 3",
		  lk(none, F_SETLK, F_RDLCK, 0, 0, 0), EBADF);
	CHECK_RET("F_UNLCK on access mode 3",
		  lk(none, F_SETLK, F_UNLCK, 0, 0, 0), 0);
	CHECK_RET("F_RDLCK on O_RDONLY", lk(ro, F_SETLKW, F_RDLCK, 0, 0, 0), 0);
	CHECK_RET("F_WRLCK on O_WRONLY", lk(wo, F_SETLKW, F_WRLCK, 0, 0, 0), 0);
	CHECK_ERR("F_GETLK F_UNLCK", lk(fd, F_GETLK, F_UNLCK, 0, 0, 0), EINVAL);
	CHECK_ERR("F_GETLK type 5", lk(fd, F_GETLK, 5, 0, 0, 0), EINVAL);
	CHECK_ERR("F_GETLK whence 7", lk(fd, F_GETLK, F_RDLCK, 7, 0, 0),
		  EINVAL);
	CHECK_RET("F_GETLK F_WRLCK on O_RDONLY (no mode check)",
		  lk(ro, F_GETLK, F_WRLCK, 0, 0, 0), 0);
	CHECK_RET("F_OFD_GETLK F_UNLCK", lk(fd, F_OFD_GETLK, F_UNLCK, 0, 0, 0),
		  0);
	l = (struct flock){ .l_type = F_RDLCK, .l_pid = 5 };
	CHECK_ERR("F_OFD_GETLK l_pid 5",
		  syscall(SYS_fcntl, fd, F_OFD_GETLK, &l), EINVAL);
	CHECK_ERR("F_OFD_SETLK l_pid 5",
		  syscall(SYS_fcntl, fd, F_OFD_SETLK, &l), EINVAL);
	CHECK_ERR("F_OFD_SETLKW l_pid 5",
		  syscall(SYS_fcntl, fd, F_OFD_SETLKW, &l), EINVAL);
	l.l_type = F_WRLCK;
	CHECK_ERR("F_OFD_SETLK l_pid 5, F_WRLCK on O_RDONLY: EBADF first",
		  syscall(SYS_fcntl, ro, F_OFD_SETLK, &l), EBADF);
	l.l_type = 7;
	CHECK_ERR("F_OFD_SETLK l_pid 5, type 7: EINVAL",
		  syscall(SYS_fcntl, fd, F_OFD_SETLK, &l), EINVAL);
	l = (struct flock){ .l_type = F_RDLCK, .l_pid = 5 };
	CHECK_RET("F_SETLK ignores l_pid", syscall(SYS_fcntl, fd, F_SETLK, &l),
		  0);
	/* F_GETLK reads the structure, then writes it back. */
	page = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	((struct flock *)page)->l_type = F_RDLCK;
	mprotect(page, PG, PROT_READ);
	CHECK_ERR("F_GETLK into read-only memory",
		  syscall(SYS_fcntl, fd, F_GETLK, page), EFAULT);
	CHECK_RET("F_SETLK from read-only memory",
		  syscall(SYS_fcntl, fd, F_SETLK, page), 0);
	munmap(page, PG);
	close(fd);
	close(ro);
	close(wo);
	close(path);
	close(none);
	unlink(LF);
}

/* ---- ranges ----------------------------------------------------------------- */

CONTRACT_TEST(fcntl_ranges)
{
	int fd = mkfile(1000);

	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100);
	show("F_WRLCK 0+100", fd);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 10, 10);
	show("F_UNLCK 10+10 splits it", fd);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 10, 10);
	show("F_RDLCK 10+10 in the hole", fd);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 5);
	show("F_RDLCK 20+5: merged with its neighbour", fd);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 30);
	show("F_WRLCK 5+30 over all three: one lock", fd);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 50, 0);
	show("F_RDLCK 50 to EOF", fd);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 200, 10);
	show("F_RDLCK 200+10 inside the F_RDLCK: no change", fd);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 300, 0);
	show("F_UNLCK 300 to EOF", fd);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 300, 10);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 320, 10);
	show("F_RDLCK 300+10, 320+10", fd);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 310, 10);
	show("F_WRLCK 310+10 between them", fd);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 305, 20);
	show("F_RDLCK 305+20 over the three: merged", fd);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
	show("F_UNLCK 0 to EOF", fd);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 100, -10);
	show("F_RDLCK 100 len -10", fd);
	lseek(fd, 30, SEEK_SET);
	lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, -5, 10);
	show("F_WRLCK SEEK_CUR(30) -5 len 10", fd);
	lk(fd, F_SETLK, F_WRLCK, SEEK_END, -100, 0);
	show("F_WRLCK SEEK_END(1000) -100 to EOF", fd);
	lk(fd, F_SETLK, F_UNLCK, SEEK_END, -50, 50);
	show("F_UNLCK SEEK_END -50 len 50", fd);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 1, INT64_MAX);
	show("F_RDLCK 1 len INT64_MAX (to the largest offset)", fd);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, INT64_MAX, 1);
	show("F_WRLCK the last byte", fd);
	close(fd);
	unlink(LF);
}

CONTRACT_TEST(fcntl_convert)
{
	int fd = mkfile(100);
	struct flock l = { .l_type = F_WRLCK, .l_len = 10 };

	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	show("F_RDLCK 0+10 then F_WRLCK 0+10: upgraded", fd);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 5);
	show("F_RDLCK 0+5: half downgraded", fd);
	lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 2, 1);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 3, 1);
	show("F_RDLCK 2+1, F_WRLCK 3+1", fd);
	CHECK_RET("the owner's F_GETLK", syscall(SYS_fcntl, fd, F_GETLK, &l),
		  0);
	CHECK_STR("sees no conflict with itself", tname(l.l_type), "F_UNLCK");
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
	close(fd);
	unlink(LF);
}

/* ---- between processes ---------------------------------------------------- */

static void conflicts_child(void *p)
{
	int fd = open(LF, O_RDWR);
	struct flock l;

	CHECK_RET("F_SETLK F_RDLCK 0+10 (shared)",
		  lk(fd, F_SETLK, F_RDLCK, 0, 0, 10), 0);
	CHECK_ERR("F_SETLK F_WRLCK 5+1", lk(fd, F_SETLK, F_WRLCK, 0, 5, 1),
		  EAGAIN);
	CHECK_ERR("F_SETLK F_RDLCK 25+1", lk(fd, F_SETLK, F_RDLCK, 0, 25, 1),
		  EAGAIN);
	CHECK_RET("F_SETLK F_WRLCK 10+10 (the gap)",
		  lk(fd, F_SETLK, F_WRLCK, 0, 10, 10), 0);
	l = (struct flock){ .l_type = F_RDLCK, .l_start = 0, .l_len = 0 };
	CHECK_RET("F_GETLK F_RDLCK 0 to EOF",
		  syscall(SYS_fcntl, fd, F_GETLK, &l), 0);
	CHECK("finds F_WRLCK 20+10 of the parent",
	      l.l_type == F_WRLCK && l.l_start == 20 && l.l_len == 10 &&
		      l.l_whence == SEEK_SET && l.l_pid == getppid());
	l = (struct flock){ .l_type = F_WRLCK,
			    .l_whence = SEEK_CUR,
			    .l_start = 50,
			    .l_len = 7,
			    .l_pid = 12345 };
	CHECK_RET("F_GETLK F_WRLCK SEEK_CUR 50+7",
		  syscall(SYS_fcntl, fd, F_GETLK, &l), 0);
	CHECK("F_UNLCK, the rest as it was",
	      l.l_type == F_UNLCK && l.l_whence == SEEK_CUR &&
		      l.l_start == 50 && l.l_len == 7 && l.l_pid == 12345);
	close(fd);
}

CONTRACT_TEST(fcntl_conflicts)
{
	int fd = mkfile(100);

	CHECK_RET("parent: F_RDLCK 0+10", lk(fd, F_SETLK, F_RDLCK, 0, 0, 10),
		  0);
	CHECK_RET("parent: F_WRLCK 20+10", lk(fd, F_SETLK, F_WRLCK, 0, 20, 10),
		  0);
	ct_child_ok("child", conflicts_child, NULL);
	show("after the child exited", fd);
	close(fd);
	unlink(LF);
}

/*
 * F_GETLK reports the first conflict in Linux's list: owners in the order
 * they first locked, each one's locks by offset.
 */
CONTRACT_TEST(fcntl_getlk_order)
{
	int fd = mkfile(100), p[2], q[2];
	struct dump d = { fd, 0 };
	struct flock l = { .l_type = F_WRLCK };
	pid_t pid;

	ct_pipe(p);
	ct_pipe(q);
	CHECK_RET("parent: F_WRLCK 50+10", lk(fd, F_SETLK, F_WRLCK, 0, 50, 10),
		  0);
	pid = ct_fork();
	if (pid == 0) {
		int cfd = open(LF, O_RDWR);

		EXPECT(lk(cfd, F_SETLK, F_WRLCK, 0, 0, 10) == 0);
		signal_ready(p[1]);
		await(q[0]);
		_exit(0);
	}
	CHECK("a child holds F_WRLCK 0+10", await(p[0]));
	CHECK_RET("parent: F_WRLCK 70+10", lk(fd, F_SETLK, F_WRLCK, 0, 70, 10),
		  0);
	ct_say("a second child sees:");
	ct_child(dump_locks, &d);
	CHECK_RET("the parent's F_GETLK", syscall(SYS_fcntl, fd, F_GETLK, &l),
		  0);
	CHECK("finds the child's 0+10", l.l_type == F_WRLCK && l.l_start == 0 &&
						l.l_len == 10 &&
						l.l_pid == pid);
	signal_ready(q[1]);
	ct_wait(pid);
	l = (struct flock){ .l_type = F_WRLCK };
	CHECK_RET("once it exited", syscall(SYS_fcntl, fd, F_GETLK, &l), 0);
	CHECK_STR("nothing", tname(l.l_type), "F_UNLCK");
	close(fd);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	unlink(LF);
}

CONTRACT_TEST(fcntl_wait)
{
	int a = mkfile(10), p[2], st;
	pid_t pid;

	ct_pipe(p);
	CHECK_RET("parent: F_WRLCK 0+1", lk(a, F_SETLK, F_WRLCK, 0, 0, 1), 0);
	pid = ct_fork();
	if (pid == 0) {
		int fd = open(LF, O_RDWR);
		char c = 0;

		if (lk(fd, F_SETLK, F_RDLCK, 0, 0, 1) != -1 || errno != EAGAIN)
			_exit(1);
		signal_ready(p[1]);
		if (lk(fd, F_SETLKW, F_RDLCK, 0, 0, 1))
			_exit(2);
		_exit(pread(fd, &c, 1, 5) == 1 && c == 'm' ? 0 : 3);
	}
	CHECK("child ready", await(p[0]));
	ct_msleep(100);
	CHECK_RET("mark", pwrite(a, "m", 1, 5), 1);
	CHECK_RET("parent: F_RDLCK 0+1 (a downgrade lets readers in)",
		  lk(a, F_SETLK, F_RDLCK, 0, 0, 1), 0);
	st = ct_wait(pid);
	CHECK_STR("the child's F_SETLKW returned after the mark", ct_status(st),
		  "exited 0");
	close(a);
	close(p[0]);
	close(p[1]);
	unlink(LF);
}

CONTRACT_TEST(fcntl_eintr)
{
	interrupted(1);
}

/*
 * Two processes: the parent holds byte 0, the child byte 1 and waits for
 * byte 0; the parent asking for byte 1 would wait forever: EDEADLK.
 */
CONTRACT_TEST(fcntl_deadlock)
{
	int fd = mkfile(10), p[2];
	pid_t pid;

	ct_pipe(p);
	CHECK_RET("parent: byte 0", lk(fd, F_SETLK, F_WRLCK, 0, 0, 1), 0);
	pid = ct_fork();
	if (pid == 0) {
		int cfd = open(LF, O_RDWR);

		EXPECT(lk(cfd, F_SETLK, F_WRLCK, 0, 1, 1) == 0);
		signal_ready(p[1]);
		_exit(lk(cfd, F_SETLKW, F_WRLCK, 0, 0, 1) ? 1 : 0);
	}
	CHECK("the child holds byte 1", await(p[0]));
	ct_msleep(100);
	CHECK_ERR("F_SETLKW byte 1", lk(fd, F_SETLKW, F_WRLCK, 0, 1, 1),
		  EDEADLK);
	CHECK_ERR("F_SETLK byte 1", lk(fd, F_SETLK, F_WRLCK, 0, 1, 1), EAGAIN);
	CHECK_ERR("F_SETLKW byte 0-1 (byte 1 is the child's)",
		  lk(fd, F_SETLKW, F_WRLCK, 0, 0, 2), EDEADLK);
	CHECK_RET("F_SETLKW byte 2 (free)", lk(fd, F_SETLKW, F_WRLCK, 0, 2, 1),
		  0);
	CHECK_RET("unlock byte 0", lk(fd, F_SETLK, F_UNLCK, 0, 0, 1), 0);
	CHECK_STR("the child got byte 0", ct_status(ct_wait(pid)), "exited 0");
	close(fd);
	close(p[0]);
	close(p[1]);
	unlink(LF);
}

/* A child holding byte hold that then waits for byte want. */
static pid_t chain_child(int hold, int want, int ready)
{
	pid_t pid = ct_fork();

	if (pid == 0) {
		int cfd = open(LF, O_RDWR);

		EXPECT(lk(cfd, F_SETLK, F_WRLCK, 0, hold, 1) == 0);
		signal_ready(ready);
		_exit(lk(cfd, F_SETLKW, F_WRLCK, 0, want, 1) ? 1 : 0);
	}
	return pid;
}

/*
 * Three: the parent holds 0; B holds 1 and waits for 2; C holds 2 and
 * waits for 0.  The parent asking for 1 closes the cycle.
 */
CONTRACT_TEST(fcntl_deadlock3)
{
	int fd = mkfile(10), p[2], hold[2];
	pid_t b, c;

	ct_pipe(p);
	ct_pipe(hold);
	CHECK_RET("parent: byte 0", lk(fd, F_SETLK, F_WRLCK, 0, 0, 1), 0);
	c = ct_fork();
	if (c == 0) {
		int cfd = open(LF, O_RDWR);

		EXPECT(lk(cfd, F_SETLK, F_WRLCK, 0, 2, 1) == 0);
		signal_ready(p[1]);
		await(hold[0]); /* until B has byte 1 */
		_exit(lk(cfd, F_SETLKW, F_WRLCK, 0, 0, 1) ? 1 : 0);
	}
	CHECK("C holds byte 2", await(p[0]));
	b = chain_child(1, 2, p[1]);
	CHECK("B holds byte 1", await(p[0]));
	signal_ready(hold[1]);
	ct_msleep(150);
	CHECK_ERR("parent: F_SETLKW byte 1", lk(fd, F_SETLKW, F_WRLCK, 0, 1, 1),
		  EDEADLK);
	CHECK_RET("parent: unlock byte 0", lk(fd, F_SETLK, F_UNLCK, 0, 0, 1),
		  0);
	CHECK_STR("C got byte 0", ct_status(ct_wait(c)), "exited 0");
	CHECK_STR("B got byte 2", ct_status(ct_wait(b)), "exited 0");
	close(fd);
	close(p[0]);
	close(p[1]);
	close(hold[0]);
	close(hold[1]);
	unlink(LF);
}

/* ---- who owns a POSIX lock, and when it goes -------------------------------- */

CONTRACT_TEST(fcntl_close_rule)
{
	int a = mkfile(10), b = open(LF, O_RDONLY);
	int o = open(LF2, O_RDWR | O_CREAT | O_TRUNC, 0644);
	int other = open("/dev/null", O_RDONLY), h1, h2;

	lk(a, F_SETLK, F_WRLCK, 0, 0, 5);
	lk(o, F_SETLK, F_WRLCK, 0, 0, 5);
	close(other);
	show("closing /dev/null: the lock stays", a);
	close(b);
	show("closing another fd for the file: gone", a);
	lk(a, F_SETLK, F_WRLCK, 0, 0, 5);
	b = dup(a);
	close(b);
	show("closing a dup: gone", a);
	lk(a, F_SETLK, F_WRLCK, 0, 0, 5);
	b = open(LF, O_RDONLY);
	CHECK("dup2 over another fd for the file", dup2(a, b) == b);
	show("gone too", a);
	close(b);
	show("the other file's lock stayed", o);
	close(o);
	unlink(LF2);
	/* one file under two names */
	h1 = open(DATA "/hard1", O_RDONLY);
	h2 = open(DATA "/hard2", O_RDONLY);
	CHECK_RET("F_RDLCK through hard1", lk(h1, F_SETLK, F_RDLCK, 0, 0, 0),
		  0);
	close(h2);
	show("closing hard2: gone", h1);
	close(h1);
	close(a);
	unlink(LF);
}

/* Exec keeps the locks, but closing a close-on-exec fd for the file drops
 * them. */
static void exec_keep(int cloexec_fd)
{
	int fd = mkfile(10), p[2], null = open("/dev/null", O_WRONLY);
	pid_t pid;
	char c;

	ct_pipe(p);
	pid = ct_fork();
	if (pid == 0) {
		int cfd = open(LF, O_RDWR);

		if (cloexec_fd)
			open(LF, O_RDONLY | O_CLOEXEC);
		EXPECT(lk(cfd, F_SETLK, F_WRLCK, 0, 0, 1) == 0);
		/* exec closes fds in order: this one after the file's */
		dup3(p[1], 100, O_CLOEXEC);
		close(p[1]);
		dup2(null, 1);
		execl(ct_self, ct_self, "--helper", "sleep", "300",
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	CHECK_RET("the child execs (EOF on its close-on-exec pipe)",
		  read(p[0], &c, 1), 0);
	{
		struct dump d = { fd, pid };

		ct_say("after exec:");
		ct_child(dump_locks, &d);
	}
	CHECK_STR("helper", ct_status(ct_wait(pid)), "exited 0");
	close(p[0]);
	close(null);
	close(fd);
	unlink(LF);
}

CONTRACT_TEST(fcntl_exec)
{
	exec_keep(0);
	ct_say("with an O_CLOEXEC fd for the file:");
	exec_keep(1);
}

static void fork_child(void *p)
{
	int fd = *(int *)p;
	struct dump d = { fd, getppid() };

	CHECK_ERR("child: F_SETLK F_WRLCK 0+1 (not inherited)",
		  lk(fd, F_SETLK, F_WRLCK, 0, 0, 1), EAGAIN);
	CHECK_RET("child: F_UNLCK 0 to EOF (has none)",
		  lk(fd, F_SETLK, F_UNLCK, 0, 0, 0), 0);
	CHECK_RET("child: F_WRLCK 20+5", lk(fd, F_SETLK, F_WRLCK, 0, 20, 5), 0);
	ct_say("a grandchild sees the parent's lock whole, and the child's:");
	ct_child(dump_locks, &d);
}

CONTRACT_TEST(fcntl_fork_exit)
{
	int fd = mkfile(10);

	CHECK_RET("parent: F_WRLCK 0+10", lk(fd, F_SETLK, F_WRLCK, 0, 0, 10),
		  0);
	ct_child_ok("child", fork_child, &fd);
	CHECK_RET("the child's lock went at its exit",
		  lk(fd, F_SETLK, F_WRLCK, 0, 20, 5), 0);
	show("the parent's", fd);
	close(fd);
	unlink(LF);
}

/* ---- OFD locks ---------------------------------------------------------------- */

static void ofd_child(void *p)
{
	int fd = *(int *)p, own = open(LF, O_RDWR);
	struct flock l = { .l_type = F_WRLCK };

	CHECK_RET("child, shared description: F_OFD_GETLK",
		  syscall(SYS_fcntl, fd, F_OFD_GETLK, &l), 0);
	CHECK_STR("no conflict with its own description", tname(l.l_type),
		  "F_UNLCK");
	l = (struct flock){ .l_type = F_WRLCK };
	CHECK_RET("child, own description: F_GETLK",
		  syscall(SYS_fcntl, own, F_GETLK, &l), 0);
	CHECK("the OFD lock's first part, l_pid -1",
	      l.l_type == F_RDLCK && l.l_start == 0 && l.l_len == 5 &&
		      l.l_pid == -1);
	CHECK_RET("child: F_OFD_SETLK F_UNLCK through the shared description",
		  lk(fd, F_OFD_SETLK, F_UNLCK, 0, 0, 0), 0);
	close(own);
}

CONTRACT_TEST(ofd)
{
	int a = mkfile(100), b = open(LF, O_RDWR), dup_a;
	struct flock l = { .l_type = F_RDLCK };

	CHECK_RET("a: F_OFD_SETLK F_WRLCK 0+10",
		  lk(a, F_OFD_SETLK, F_WRLCK, 0, 0, 10), 0);
	CHECK_ERR("b, same process: F_OFD_SETLK F_RDLCK 5+1",
		  lk(b, F_OFD_SETLK, F_RDLCK, 0, 5, 1), EAGAIN);
	CHECK_ERR("b: F_SETLK F_RDLCK 5+1 (the process's own POSIX lock)",
		  lk(b, F_SETLK, F_RDLCK, 0, 5, 1), EAGAIN);
	CHECK_ERR("a: F_SETLK too (another owner)",
		  lk(a, F_SETLK, F_RDLCK, 0, 5, 1), EAGAIN);
	CHECK_RET("b: F_GETLK", syscall(SYS_fcntl, b, F_GETLK, &l), 0);
	CHECK("finds the OFD lock, l_pid -1",
	      l.l_type == F_WRLCK && l.l_start == 0 && l.l_len == 10 &&
		      l.l_pid == -1);
	l = (struct flock){ .l_type = F_RDLCK };
	CHECK_RET("a: F_OFD_GETLK", syscall(SYS_fcntl, a, F_OFD_GETLK, &l), 0);
	CHECK_STR("its own: no conflict", tname(l.l_type), "F_UNLCK");
	l = (struct flock){ .l_type = F_UNLCK, .l_start = 5 };
	CHECK_RET("a: F_OFD_GETLK F_UNLCK 5 to EOF",
		  syscall(SYS_fcntl, a, F_OFD_GETLK, &l), 0);
	CHECK("finds its own lock", l.l_type == F_WRLCK && l.l_start == 0 &&
					    l.l_len == 10 && l.l_pid == -1);
	l = (struct flock){ .l_type = F_UNLCK };
	CHECK_RET("b: F_OFD_GETLK F_UNLCK",
		  syscall(SYS_fcntl, b, F_OFD_GETLK, &l), 0);
	CHECK_STR("b has none", tname(l.l_type), "F_UNLCK");
	CHECK_RET("b: F_SETLK F_WRLCK 50+10",
		  lk(b, F_SETLK, F_WRLCK, 0, 50, 10), 0);
	l = (struct flock){ .l_type = F_RDLCK };
	CHECK_RET("a: F_OFD_GETLK", syscall(SYS_fcntl, a, F_OFD_GETLK, &l), 0);
	CHECK("finds the process's POSIX lock with its pid",
	      l.l_type == F_WRLCK && l.l_start == 50 && l.l_pid == getpid());
	CHECK_RET("F_SETLK F_UNLCK", lk(b, F_SETLK, F_UNLCK, 0, 0, 0), 0);
	close(b);
	b = open(LF, O_RDWR);
	CHECK_ERR("closing another fd leaves the OFD lock",
		  lk(b, F_OFD_SETLK, F_RDLCK, 0, 5, 1), EAGAIN);
	dup_a = dup(a);
	CHECK_RET("the dup: F_OFD_SETLK F_RDLCK 0+5 (same owner)",
		  lk(dup_a, F_OFD_SETLK, F_RDLCK, 0, 0, 5), 0);
	show("split by the dup", b);
	close(a);
	show("after close(a), the dup keeps them", b);
	ct_child_ok("child", ofd_child, &dup_a);
	show("after the child's F_UNLCK", b);
	CHECK_RET("the dup: F_OFD_SETLKW F_WRLCK 0 to EOF",
		  lk(dup_a, F_OFD_SETLKW, F_WRLCK, 0, 0, 0), 0);
	close(dup_a);
	CHECK_RET("the last close released it",
		  lk(b, F_OFD_SETLK, F_WRLCK, 0, 0, 0), 0);
	close(b);
	unlink(LF);
}

/* An OFD lock held by a child's description: F_OFD_SETLKW waits for its
 * last close (the child's exit). */
CONTRACT_TEST(ofd_wait)
{
	int a = mkfile(10), p[2];
	pid_t pid;

	ct_pipe(p);
	pid = ct_fork();
	if (pid == 0) {
		int fd = open(LF, O_RDWR);

		EXPECT(lk(fd, F_OFD_SETLK, F_WRLCK, 0, 0, 0) == 0);
		signal_ready(p[1]);
		ct_msleep(100);
		EXPECT(pwrite(fd, "m", 1, 3) == 1);
		_exit(0);
	}
	CHECK("child holds an OFD lock", await(p[0]));
	CHECK_ERR("F_OFD_SETLK", lk(a, F_OFD_SETLK, F_RDLCK, 0, 3, 1), EAGAIN);
	CHECK_RET("F_OFD_SETLKW", lk(a, F_OFD_SETLKW, F_RDLCK, 0, 3, 1), 0);
	CHECK_RET("after the child's write", ({
			  char c = 0;
			  pread(a, &c, 1, 3) == 1 && c == 'm';
		  }),
		  1);
	ct_wait(pid);
	close(a);
	close(p[0]);
	close(p[1]);
	unlink(LF);
}
