/*
 * inotify(7) on tmpfs: inotify_init1 flags, inotify_add_watch and
 * inotify_rm_watch errors in Linux's order, one watch descriptor per
 * inode (IN_MASK_ADD, IN_MASK_CREATE), the events of every file and name
 * operation in Linux's order (parent before child, IN_ISDIR, cookies of
 * a rename, IN_DELETE_SELF and IN_IGNORED, IN_MOVE_SELF), IN_ONESHOT,
 * IN_EXCL_UNLINK, IN_ONLYDIR/IN_DONT_FOLLOW, the record's layout (name
 * padding), EINVAL for a short buffer, coalescing of identical events,
 * FIONREAD, IN_Q_OVERFLOW at max_queued_events, readiness (poll, select,
 * epoll), blocking reads woken by a child or ended by a signal, and
 * IN_UNMOUNT.  Event lines print the watch descriptor, the mask by name
 * and the name; cookies only as relations.
 */
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "proclib.h"

#define CONTRACT_AREA "inotify"

#define DIR "/tmp/ino"

static const char *const evnames[] = {
	"ACCESS",	 "MODIFY",  "ATTRIB",	   "CLOSE_WRITE",
	"CLOSE_NOWRITE", "OPEN",    "MOVED_FROM",  "MOVED_TO",
	"CREATE",	 "DELETE",  "DELETE_SELF", "MOVE_SELF",
	"bit12",	 "UNMOUNT", "Q_OVERFLOW",  "IGNORED",
};

/* The mask by name: "OPEN|ISDIR". */
static void mask_str(uint32_t m, char *buf, size_t len)
{
	buf[0] = 0;
	for (int i = 0; i < 16; i++)
		if (m & (1u << i)) {
			strncat(buf, evnames[i], len - strlen(buf) - 1);
			strncat(buf, "|", len - strlen(buf) - 1);
		}
	if (m & IN_ISDIR)
		strncat(buf, "ISDIR|", len - strlen(buf) - 1);
	if (m & ~(0xffffu | IN_ISDIR))
		snprintf(buf + strlen(buf), len - strlen(buf), "0x%x|",
			 m & ~(0xffffu | IN_ISDIR));
	if (buf[0])
		buf[strlen(buf) - 1] = 0;
}

static uint32_t last_cookie;

/* Print the events in buf[0..n): "ev wd 2 MODIFY name=f len=16". */
static void show(const char *buf, long n)
{
	const char *p = buf;

	while (p < buf + n) {
		const struct inotify_event *e = (const void *)p;
		char m[160];
		const char *ck = "";

		mask_str(e->mask, m, sizeof(m));
		if (e->cookie)
			ck = e->cookie == last_cookie ? " cookie=same"
						      : " cookie=new";
		if (e->cookie)
			last_cookie = e->cookie;
		ct_say("ev wd %d %s%s%s%s len=%u%s", e->wd, m,
		       e->len ? " name=" : "", e->len ? e->name : "", ck,
		       e->len, "");
		EXPECT(e->len == 0 || strlen(e->name) < e->len);
		p += sizeof(*e) + e->len;
	}
	EXPECT(p == buf + n);
}

/* Read and print what is queued on the (nonblocking) fd. */
static void drain(int fd)
{
	char buf[8192] __attribute__((aligned(8)));
	long n = read(fd, buf, sizeof(buf));

	if (n < 0) {
		ct_say("read: -1 %s", ct_errname(errno));
		return;
	}
	show(buf, n);
}

static void touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0644);

	EXPECT(fd >= 0);
	close(fd);
}

/* Remove path and everything below it (what earlier tests left). */
static void remove_tree(const char *path)
{
	char buf[1024] __attribute__((aligned(8)));
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	long n;

	if (fd < 0) {
		unlink(path);
		return;
	}
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			char sub[256];

			off += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, d->name);
			remove_tree(sub);
		}
	}
	close(fd);
	rmdir(path);
}

static void fresh_dir(void)
{
	remove_tree(DIR);
	EXPECT(mkdir(DIR, 0755) == 0);
}

CONTRACT_TEST(init)
{
	struct stat st;
	int fd, n = -1;
	char c;

	CHECK_ERR("init1 bad flag", syscall(SYS_inotify_init1, 1), EINVAL);
	CHECK_ERR("init1 -1", syscall(SYS_inotify_init1, -1), EINVAL);
	CHECK_ERR("init1 O_RDWR", syscall(SYS_inotify_init1, O_RDWR), EINVAL);
	fd = (int)syscall(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC);
	CHECK_RET("init1 NONBLOCK|CLOEXEC", fd, 3);
	CHECK_EQX("F_GETFL", fcntl(fd, F_GETFL), O_NONBLOCK);
	CHECK_RET("F_GETFD", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_RET("fstat", fstat(fd, &st), 0);
	CHECK_EQO("mode", st.st_mode, 0600);
	CHECK_EQ("nlink", st.st_nlink, 1);
	CHECK_ERR("read empty, no room", read(fd, &c, 1), EAGAIN);
	CHECK_ERR("read empty, room", read(fd, &st, sizeof(st)), EAGAIN);
	CHECK_ERR("write", write(fd, "x", 1), EBADF);
	CHECK_RET("lseek", lseek(fd, 0, SEEK_SET), 0);
	CHECK_RET("FIONREAD", ioctl(fd, FIONREAD, &n), 0);
	CHECK_EQ("queued bytes", n, 0);
	CHECK_ERR("FIONREAD bad pointer", ioctl(fd, FIONREAD, BAD_LOW), EFAULT);
	CHECK_ERR("other ioctl", ioctl(fd, 0x1234, 0), ENOTTY);
	close(fd);
	fd = (int)syscall(SYS_inotify_init);
	CHECK_RET("init", fd, 3);
	CHECK_EQX("F_GETFL", fcntl(fd, F_GETFL), 0);
	CHECK_RET("F_GETFD", fcntl(fd, F_GETFD), 0);
	close(fd);
}

static long addw(int fd, const char *path, uint32_t mask)
{
	return syscall(SYS_inotify_add_watch, fd, path, mask);
}

CONTRACT_TEST(add_watch_errors)
{
	int fd = inotify_init1(IN_NONBLOCK);
	int p[2];

	EXPECT(pipe(p) == 0);
	CHECK_ERR("mask 0, bad fd", addw(99, "/tmp", 0), EINVAL);
	CHECK_ERR("unknown bit, bad fd", addw(99, "/tmp", IN_OPEN | 0x10000),
		  EINVAL);
	CHECK_ERR("bit 12", addw(fd, "/tmp", IN_OPEN | 0x1000), EINVAL);
	CHECK_ERR("bad fd", addw(99, "/tmp", IN_OPEN), EBADF);
	CHECK_ERR("bad fd, bad path", addw(99, BAD_LOW, IN_OPEN), EBADF);
	CHECK_ERR("a pipe", addw(p[0], "/tmp", IN_OPEN), EINVAL);
	CHECK_ERR("MASK_ADD|MASK_CREATE",
		  addw(fd, "/nonexistent",
		       IN_OPEN | IN_MASK_ADD | IN_MASK_CREATE),
		  EINVAL);
	CHECK_ERR("mask 0", addw(fd, "/tmp", 0), EINVAL);
	CHECK_ERR("ENOENT", addw(fd, "/nonexistent", IN_OPEN), ENOENT);
	CHECK_ERR("flags only, ENOENT", addw(fd, "/nonexistent", IN_ONLYDIR),
		  ENOENT);
	CHECK_ERR("empty path", addw(fd, "", IN_OPEN), ENOENT);
	CHECK_ERR("EFAULT", addw(fd, BAD_LOW, IN_OPEN), EFAULT);
	CHECK_ERR("ONLYDIR on a file",
		  addw(fd, DATA "/small", IN_OPEN | IN_ONLYDIR), ENOTDIR);
	CHECK_ERR("file/", addw(fd, DATA "/small/", IN_OPEN), ENOTDIR);
	CHECK_ERR("ONLYDIR through a dangling link",
		  addw(fd, DATA "/dangling", IN_OPEN | IN_ONLYDIR), ENOENT);
	CHECK_RET("DONT_FOLLOW on a dangling link",
		  addw(fd, DATA "/dangling", IN_OPEN | IN_DONT_FOLLOW), 1);
	CHECK_ERR("following it", addw(fd, DATA "/dangling", IN_OPEN), ENOENT);
	CHECK_ERR("a loop", addw(fd, DATA "/loop1", IN_OPEN), ELOOP);
	CHECK_RET("ONLYDIR alone", addw(fd, "/tmp", IN_ONLYDIR), 2);
	CHECK_RET("ISDIR alone", addw(fd, "/tmp", IN_ISDIR), 2);
	CHECK_RET("IGNORED alone", addw(fd, "/tmp", IN_IGNORED), 2);
	CHECK_ERR("MASK_CREATE existing", addw(fd, "/tmp", IN_MASK_CREATE),
		  EEXIST);
	CHECK_ERR("rm_watch bad fd", syscall(SYS_inotify_rm_watch, 99, 1),
		  EBADF);
	CHECK_ERR("rm_watch a pipe", syscall(SYS_inotify_rm_watch, p[0], 1),
		  EINVAL);
	CHECK_ERR("rm_watch unknown", syscall(SYS_inotify_rm_watch, fd, 99),
		  EINVAL);
	CHECK_ERR("rm_watch -1", syscall(SYS_inotify_rm_watch, fd, -1), EINVAL);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void as_nobody(void *arg)
{
	int fd = inotify_init1(IN_NONBLOCK);

	EXPECT(setgid(65534) == 0 && setuid(65534) == 0);
	CHECK_ERR("unreadable file", addw(fd, DATA "/noperm", IN_OPEN), EACCES);
	CHECK_RET("readable file", addw(fd, DATA "/small", IN_OPEN), 1);
	CHECK_ERR("unsearchable path", addw(fd, "/root/x", IN_OPEN), ENOENT);
}

CONTRACT_TEST(add_watch_perm)
{
	ct_child_ok("as uid 65534", as_nobody, NULL);
}

CONTRACT_TEST(same_wd)
{
	int fd = inotify_init1(IN_NONBLOCK), f;

	CHECK_RET("hard1", addw(fd, DATA "/hard1", IN_OPEN), 1);
	CHECK_RET("hard2 (same inode)", addw(fd, DATA "/hard2", IN_ACCESS), 1);
	CHECK_RET("through a symlink", addw(fd, DATA "/link", IN_OPEN), 2);
	CHECK_RET("the link itself",
		  addw(fd, DATA "/link", IN_OPEN | IN_DONT_FOLLOW), 3);
	CHECK_RET("small", addw(fd, DATA "/small", IN_CLOSE_NOWRITE), 2);
	/* hard1's mask was replaced: IN_ACCESS only */
	f = open(DATA "/hard1", O_RDONLY);
	drain(fd);
	close(f);
	CHECK_RET("MASK_ADD", addw(fd, DATA "/hard1", IN_OPEN | IN_MASK_ADD),
		  1);
	f = open(DATA "/hard2", O_RDONLY);
	drain(fd);
	close(f);
	/* small: IN_CLOSE_NOWRITE replaced IN_OPEN */
	f = open(DATA "/small", O_RDONLY);
	close(f);
	drain(fd);
	close(fd);
	fd = inotify_init1(IN_NONBLOCK);
	CHECK_RET("another instance starts at 1",
		  addw(fd, DATA "/hard1", IN_OPEN), 1);
	CHECK_RET("rm_watch", syscall(SYS_inotify_rm_watch, fd, 1), 0);
	drain(fd);
	CHECK_ERR("rm_watch again", syscall(SYS_inotify_rm_watch, fd, 1),
		  EINVAL);
	CHECK_RET("a new watch gets a new wd", addw(fd, DATA "/hard1", IN_OPEN),
		  2);
	close(fd);
}

CONTRACT_TEST(file_events)
{
	int fd = inotify_init1(IN_NONBLOCK), f;
	char b[4];

	fresh_dir();
	touch(DIR "/f");
	CHECK_RET("watch dir", addw(fd, DIR, IN_ALL_EVENTS), 1);
	CHECK_RET("watch file", addw(fd, DIR "/f", IN_ALL_EVENTS), 2);
	ct_say("-- open, 2 writes, read, close");
	f = open(DIR "/f", O_RDWR);
	EXPECT(write(f, "ab", 2) == 2);
	EXPECT(write(f, "cd", 2) == 2);
	lseek(f, 0, SEEK_SET);
	EXPECT(read(f, b, 4) == 4);
	EXPECT(read(f, b, 4) == 0); /* nothing read: no event */
	close(f);
	drain(fd);
	ct_say("-- O_TRUNC");
	close(open(DIR "/f", O_WRONLY | O_TRUNC));
	drain(fd);
	ct_say("-- O_RDONLY, O_PATH");
	close(open(DIR "/f", O_RDONLY));
	close(open(DIR "/f", O_PATH));
	drain(fd);
	ct_say("-- chmod, chown, utimes, one time");
	chmod(DIR "/f", 0600);
	drain(fd);
	EXPECT(chown(DIR "/f", 0, 0) == 0);
	drain(fd);
	{
		struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };

		utimensat(AT_FDCWD, DIR "/f", ts, 0);
		drain(fd);
		ts[0].tv_nsec = UTIME_OMIT;
		utimensat(AT_FDCWD, DIR "/f", ts, 0);
		drain(fd);
		ts[0].tv_nsec = 0;
		ts[1].tv_nsec = UTIME_OMIT;
		utimensat(AT_FDCWD, DIR "/f", ts, 0);
		drain(fd);
	}
	ct_say("-- truncate, ftruncate, fallocate");
	EXPECT(truncate(DIR "/f", 100) == 0);
	drain(fd);
	f = open(DIR "/f", O_WRONLY);
	EXPECT(ftruncate(f, 10) == 0);
	EXPECT(fallocate(f, 0, 0, 4096) == 0);
	close(f);
	drain(fd);
	ct_say("-- xattr");
	EXPECT(setxattr(DIR "/f", "user.a", "1", 1, 0) == 0);
	drain(fd);
	ct_say("-- a directory listed");
	f = open(DIR, O_RDONLY | O_DIRECTORY);
	{
		char d[512];

		EXPECT(syscall(SYS_getdents64, f, d, sizeof(d)) > 0);
	}
	close(f);
	drain(fd);
	close(fd);
}

CONTRACT_TEST(name_events)
{
	int fd = inotify_init1(IN_NONBLOCK), f;

	fresh_dir();
	touch(DIR "/f");
	EXPECT(mkdir(DIR "/sub", 0755) == 0);
	CHECK_RET("watch dir", addw(fd, DIR, IN_ALL_EVENTS), 1);
	CHECK_RET("watch f", addw(fd, DIR "/f", IN_ALL_EVENTS), 2);
	CHECK_RET("watch sub", addw(fd, DIR "/sub", IN_ALL_EVENTS), 3);
	ct_say("-- mkdir, symlink, mkfifo, creat");
	EXPECT(mkdir(DIR "/d2", 0755) == 0);
	EXPECT(symlink("x", DIR "/s") == 0);
	EXPECT(mknod(DIR "/p", S_IFIFO | 0644, 0) == 0);
	f = open(DIR "/k", O_CREAT | O_EXCL | O_WRONLY, 0644);
	close(f);
	drain(fd);
	ct_say("-- rename f g");
	EXPECT(rename(DIR "/f", DIR "/g") == 0);
	drain(fd);
	ct_say("-- link g h");
	EXPECT(link(DIR "/g", DIR "/h") == 0);
	drain(fd);
	ct_say("-- unlink h");
	EXPECT(unlink(DIR "/h") == 0);
	drain(fd);
	ct_say("-- unlink g (last name)");
	EXPECT(unlink(DIR "/g") == 0);
	drain(fd);
	ct_say("-- rmdir sub");
	EXPECT(rmdir(DIR "/sub") == 0);
	drain(fd);
	ct_say("-- rename over a watched file");
	touch(DIR "/a");
	touch(DIR "/b");
	CHECK_RET("watch b", addw(fd, DIR "/b", IN_ALL_EVENTS), 4);
	drain(fd);
	EXPECT(rename(DIR "/a", DIR "/b") == 0);
	drain(fd);
	ct_say("-- rename a watched dir into a watched dir");
	EXPECT(mkdir(DIR "/e", 0755) == 0);
	CHECK_RET("watch e", addw(fd, DIR "/e", IN_ALL_EVENTS), 5);
	CHECK_RET("watch d2", addw(fd, DIR "/d2", IN_ALL_EVENTS), 6);
	drain(fd);
	EXPECT(rename(DIR "/e", DIR "/d2/e") == 0);
	drain(fd);
	ct_say("-- exchange");
	CHECK_RET("watch b", addw(fd, DIR "/b", IN_ALL_EVENTS), 7);
	CHECK_RET("watch k", addw(fd, DIR "/k", IN_ALL_EVENTS), 8);
	EXPECT(syscall(SYS_renameat2, AT_FDCWD, DIR "/b", AT_FDCWD, DIR "/k",
		       2 /* RENAME_EXCHANGE */) == 0);
	drain(fd);
	ct_say("-- the same file twice");
	EXPECT(link(DIR "/k", DIR "/x") == 0);
	drain(fd);
	EXPECT(rename(DIR "/k", DIR "/x") == 0);
	drain(fd);
	ct_say("-- rmdir d2/e, d2");
	EXPECT(rmdir(DIR "/d2/e") == 0);
	EXPECT(rmdir(DIR "/d2") == 0);
	drain(fd);
	close(fd);
}

CONTRACT_TEST(delete_open)
{
	int fd = inotify_init1(IN_NONBLOCK), f;

	fresh_dir();
	touch(DIR "/k");
	CHECK_RET("watch dir, EXCL_UNLINK",
		  addw(fd, DIR, IN_ALL_EVENTS | IN_EXCL_UNLINK), 1);
	CHECK_RET("watch k", addw(fd, DIR "/k", IN_ALL_EVENTS), 2);
	f = open(DIR "/k", O_RDWR);
	drain(fd);
	ct_say("-- unlink while open");
	EXPECT(unlink(DIR "/k") == 0);
	drain(fd);
	ct_say("-- write, close");
	EXPECT(write(f, "x", 1) == 1);
	close(f);
	drain(fd);
	close(fd);
}

CONTRACT_TEST(oneshot)
{
	int fd = inotify_init1(IN_NONBLOCK), f;

	fresh_dir();
	touch(DIR "/f");
	CHECK_RET("watch f oneshot",
		  addw(fd, DIR "/f", IN_ALL_EVENTS | IN_ONESHOT), 1);
	f = open(DIR "/f", O_RDWR);
	EXPECT(write(f, "x", 1) == 1);
	close(f);
	drain(fd);
	CHECK_ERR("rm_watch after", syscall(SYS_inotify_rm_watch, fd, 1),
		  EINVAL);
	CHECK_RET("watch again", addw(fd, DIR "/f", IN_MODIFY), 2);
	CHECK_RET("rm_watch", syscall(SYS_inotify_rm_watch, fd, 2), 0);
	drain(fd);
	close(fd);
}

CONTRACT_TEST(records)
{
	int fd = inotify_init1(IN_NONBLOCK), n = -1, f;
	char buf[256] __attribute__((aligned(8)));
	struct inotify_event *e = (void *)buf;

	fresh_dir();
	CHECK_RET("watch dir", addw(fd, DIR, IN_CREATE | IN_MODIFY), 1);
	touch(DIR "/a");
	touch(DIR "/x234567890abcde");	/* 15 bytes: padded to 16 */
	touch(DIR "/x234567890abcdef"); /* 16 bytes: padded to 32 */
	CHECK_RET("FIONREAD", ioctl(fd, FIONREAD, &n), 0);
	CHECK_EQ("queued bytes", n, 3 * 16 + 16 + 16 + 32);
	CHECK_ERR("read 0", read(fd, buf, 0), EINVAL);
	CHECK_ERR("read 31", read(fd, buf, 31), EINVAL);
	CHECK_RET("read 32", read(fd, buf, 32), 32);
	CHECK_EQ("len", e->len, 16);
	CHECK_STR("name", e->name, "a");
	CHECK("padded with NULs", !memcmp(e->name + 1,
					  "\0\0\0\0\0\0\0\0\0\0"
					  "\0\0\0\0\0",
					  15));
	CHECK_RET("read 63 (one fits)", read(fd, buf, 63), 32);
	CHECK_EQ("len", e->len, 16);
	CHECK_RET("read 100", read(fd, buf, 100), 48);
	CHECK_EQ("len", e->len, 32);
	CHECK_ERR("empty", read(fd, buf, sizeof(buf)), EAGAIN);
	CHECK_ERR("empty, bad buffer",
		  syscall(SYS_read, fd, BAD_LOW, sizeof(buf)), EAGAIN);
	ct_say("-- coalescing");
	f = open(DIR "/a", O_WRONLY);
	EXPECT(write(f, "1", 1) == 1);
	EXPECT(write(f, "2", 1) == 1);
	EXPECT(write(f, "3", 1) == 1);
	touch(DIR "/b");
	EXPECT(write(f, "4", 1) == 1);
	close(f);
	drain(fd);
	ct_say("-- a bad buffer");
	touch(DIR "/e");
	CHECK_ERR("read to a bad buffer",
		  syscall(SYS_read, fd, BAD_LOW, sizeof(buf)), EFAULT);
	CHECK_RET("FIONREAD", ioctl(fd, FIONREAD, &n), 0);
	CHECK_EQ("the event is gone", n, 0);
	close(fd);
}

/* Read a number from a /proc file; -1 if that fails. */
static long proc_num(const char *path)
{
	char b[32] = { 0 };
	int f = open(path, O_RDONLY);
	long n;

	if (f < 0)
		return -1;
	n = read(f, b, sizeof(b) - 1);
	close(f);
	return n > 0 ? strtol(b, NULL, 10) : -1;
}

CONTRACT_TEST(overflow)
{
	long max;
	int fd, f, n = -1;
	static char buf[1 << 20] __attribute__((aligned(8)));
	struct inotify_event *e;
	long got, events = 0;
	char c = 'x';

	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	max = proc_num("/proc/sys/fs/inotify/max_queued_events");
	CHECK_EQ("max_queued_events", max, 16384);
	CHECK_EQ("max_user_instances",
		 proc_num("/proc/sys/fs/inotify/max_user_instances"), 128);
	CHECK("max_user_watches > 0",
	      proc_num("/proc/sys/fs/inotify/max_user_watches") > 0);
	umount2("/proc", 0);
	if (max != 16384)
		return;
	fd = inotify_init1(IN_NONBLOCK);
	fresh_dir();
	touch(DIR "/f");
	f = open(DIR "/f", O_RDWR);
	CHECK_RET("watch", addw(fd, DIR "/f", IN_ACCESS | IN_MODIFY), 1);
	/* alternate, so that nothing merges */
	for (long i = 0; i < max + 10; i++) {
		if (i & 1)
			EXPECT(pread(f, &c, 1, 0) == 1);
		else
			EXPECT(pwrite(f, &c, 1, 0) == 1);
	}
	CHECK_RET("FIONREAD", ioctl(fd, FIONREAD, &n), 0);
	CHECK_EQ("queued bytes", n, (max + 1) * 16);
	got = read(fd, buf, sizeof(buf));
	CHECK_EQ("read", got, (max + 1) * 16);
	for (e = (void *)buf; (char *)e < buf + got; e++)
		events++;
	e--;
	CHECK_EQ("events", events, max + 1);
	CHECK_EQ("last wd", e->wd, -1);
	CHECK_EQX("last mask", e->mask, IN_Q_OVERFLOW);
	CHECK_EQX("first mask", ((struct inotify_event *)buf)->mask, IN_MODIFY);
	EXPECT(pwrite(f, &c, 1, 0) == 1);
	drain(fd);
	close(f);
	close(fd);
}

static void writer(void *arg)
{
	ct_msleep(50);
	touch(DIR "/w");
}

static int alrm;

static void on_alrm(int sig)
{
	alrm++;
}

static void blocking(void *arg)
{
	int fd = inotify_init1(0), ep, f;
	struct pollfd pf;
	struct epoll_event ev = { .events = EPOLLIN }, out;
	fd_set r;
	struct timeval tv = { 0, 0 };
	char buf[256] __attribute__((aligned(8)));
	pid_t pid;

	fresh_dir();
	CHECK_RET("watch", addw(fd, DIR, IN_CREATE), 1);
	pf.fd = fd;
	pf.events = POLLIN | POLLOUT;
	CHECK_RET("poll, empty", poll(&pf, 1, 0), 0);
	FD_ZERO(&r);
	FD_SET(fd, &r);
	CHECK_RET("select, empty", select(fd + 1, &r, NULL, NULL, &tv), 0);
	ep = epoll_create1(0);
	EXPECT(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	CHECK_RET("epoll, empty", epoll_wait(ep, &out, 1, 0), 0);
	touch(DIR "/a");
	CHECK_RET("poll", poll(&pf, 1, 0), 1);
	CHECK_EQX("revents", pf.revents, POLLIN);
	FD_SET(fd, &r);
	CHECK_RET("select", select(fd + 1, &r, NULL, NULL, &tv), 1);
	CHECK_RET("epoll", epoll_wait(ep, &out, 1, 0), 1);
	CHECK_EQX("epoll events", out.events, EPOLLIN);
	CHECK_RET("read", read(fd, buf, sizeof(buf)), 32);
	pf.revents = 0;
	CHECK_RET("poll, read", poll(&pf, 1, 0), 0);

	pid = fork();
	if (pid == 0) {
		writer(NULL);
		_exit(0);
	}
	CHECK_RET("poll waits for the child", poll(&pf, 1, 5000), 1);
	waitpid(pid, NULL, 0);
	CHECK_RET("read", read(fd, buf, sizeof(buf)), 32);
	pid = fork();
	if (pid == 0) {
		ct_msleep(50);
		touch(DIR "/b");
		_exit(0);
	}
	CHECK_RET("blocking read", read(fd, buf, sizeof(buf)), 32);
	CHECK_STR("name", ((struct inotify_event *)buf)->name, "b");
	waitpid(pid, NULL, 0);

	ct_sigsimple(SIGALRM, on_alrm, 0);
	ct_arm_ms(50);
	CHECK_ERR("blocking read, signal", read(fd, buf, sizeof(buf)), EINTR);
	CHECK_EQ("handler ran", alrm, 1);
	ct_sigsimple(SIGALRM, on_alrm, SA_RESTART);
	pid = fork();
	if (pid == 0) {
		ct_msleep(150);
		touch(DIR "/e");
		_exit(0);
	}
	ct_arm_ms(50);
	CHECK_RET("SA_RESTART: read restarts", read(fd, buf, sizeof(buf)), 32);
	CHECK_EQ("handler ran", alrm, 2);
	waitpid(pid, NULL, 0);
	f = open(DIR "/a", O_RDONLY);
	close(f);
	close(ep);
	close(fd);
}

CONTRACT_TEST(readiness)
{
	ct_child_ok("child", blocking, NULL);
}

CONTRACT_TEST(unmount)
{
	int fd = inotify_init1(IN_NONBLOCK);

	fresh_dir();
	mkdir(DIR "/x", 0755);
	CHECK_RET("mount", mount("t", DIR "/x", "tmpfs", 0, NULL), 0);
	touch(DIR "/x/f");
	CHECK_RET("watch the root", addw(fd, DIR "/x", IN_ATTRIB), 1);
	CHECK_RET("watch a file", addw(fd, DIR "/x/f", IN_ATTRIB), 2);
	CHECK_RET("watch the mount point's dir", addw(fd, DIR, IN_DELETE), 3);
	CHECK_RET("umount", umount(DIR "/x"), 0);
	drain(fd);
	CHECK_ERR("rm_watch of an ended watch",
		  syscall(SYS_inotify_rm_watch, fd, 2), EINVAL);
	rmdir(DIR "/x");
	drain(fd);
	close(fd);
}
