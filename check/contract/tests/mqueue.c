/*
 * POSIX message queues: mq_open (the system call: names without the
 * leading '/'), mq_unlink, mq_timedsend, mq_timedreceive, mq_notify,
 * mq_getsetattr -- errors in Linux's order, priorities, O_NONBLOCK,
 * timeouts, blocking and signals, notifications, poll, the limits
 * (checked without CAP_SYS_RESOURCE, which the oracle's host may lack),
 * descriptors across fork and exec, and the mqueue file system.
 */
#include <dirent.h>
#include <grp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>

#include "proclib.h"

#define CONTRACT_AREA "mqueue"

struct kattr {
	long flags, maxmsg, msgsize, curmsgs, pad[4];
};

#define MQ_DIR "/tmp/mqfs"

static long mqo(const char *name, int oflag, int mode, struct kattr *a)
{
	return syscall(SYS_mq_open, name, oflag, mode, a);
}

static long mqsend(int fd, const char *m, size_t len, unsigned prio,
		   const struct timespec *ts)
{
	return syscall(SYS_mq_timedsend, fd, m, len, prio, ts);
}

static long mqrecv(int fd, char *m, size_t len, unsigned *prio,
		   const struct timespec *ts)
{
	return syscall(SYS_mq_timedreceive, fd, m, len, prio, ts);
}

static long mqattr(int fd, const struct kattr *n, struct kattr *o)
{
	return syscall(SYS_mq_getsetattr, fd, n, o);
}

static long mqnotify(int fd, const struct sigevent *ev)
{
	return syscall(SYS_mq_notify, fd, ev);
}

static void drop_sys_resource(void)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = { 0x20080522, 0 };
	struct {
		uint32_t eff, perm, inh;
	} d[2];

	EXPECT(syscall(SYS_capget, &hdr, d) == 0);
	d[0].eff &= ~(1u << 24);
	d[0].perm &= ~(1u << 24);
	EXPECT(syscall(SYS_capset, &hdr, d) == 0);
}

static void become_nobody(void)
{
	EXPECT(setgroups(0, NULL) == 0);
	EXPECT(setgid(65534) == 0);
	EXPECT(setuid(65534) == 0);
}

static void show_attr(const char *label, int fd)
{
	struct kattr a;

	memset(&a, 0x55, sizeof(a));
	if (mqattr(fd, NULL, &a)) {
		ct_say("%s: -1 %s", label, ct_errname(errno));
		return;
	}
	ct_say("%s: flags %#lo maxmsg %ld msgsize %ld curmsgs %ld", label,
	       a.flags, a.maxmsg, a.msgsize, a.curmsgs);
}

CONTRACT_TEST(open)
{
	struct kattr a = { 0, 4, 128, 0, { 0 } };
	char longname[300];
	struct stat st;
	long fd, fd2;

	CHECK_ERR("empty name", mqo("", O_RDWR | O_CREAT, 0600, NULL), ENOENT);
	CHECK_ERR("a slash in it", mqo("a/b", O_RDWR | O_CREAT, 0600, NULL),
		  EACCES);
	CHECK_ERR("leading slash", mqo("/q", O_RDWR | O_CREAT, 0600, NULL),
		  EACCES);
	CHECK_ERR("\".\"", mqo(".", O_RDWR | O_CREAT, 0600, NULL), EACCES);
	CHECK_ERR("\"..\"", mqo("..", O_RDWR, 0600, NULL), EACCES);
	memset(longname, 'n', sizeof(longname));
	longname[256] = 0;
	CHECK_ERR("256 bytes", mqo(longname, O_RDWR | O_CREAT, 0600, NULL),
		  ENAMETOOLONG);
	CHECK_ERR("bad name pointer", mqo(BAD_LOW, O_RDWR, 0, NULL), EFAULT);
	CHECK_ERR("no such queue", mqo("ct-q", O_RDWR, 0, NULL), ENOENT);
	CHECK_ERR("bad attr pointer (even without O_CREAT)",
		  mqo("ct-q", O_RDWR, 0, BAD_LOW), EFAULT);
	a.maxmsg = 0;
	CHECK_ERR("maxmsg 0", mqo("ct-q", O_RDWR | O_CREAT, 0600, &a), EINVAL);
	a.maxmsg = 4;
	a.msgsize = -1;
	CHECK_ERR("msgsize -1", mqo("ct-q", O_RDWR | O_CREAT, 0600, &a),
		  EINVAL);
	a.msgsize = 128;
	umask(027);
	fd = mqo("ct-q", O_RDWR | O_CREAT | O_EXCL, 0666, &a);
	umask(022);
	CHECK("created", fd >= 3);
	CHECK_EQ("close-on-exec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	show_attr("attributes", fd);
	CHECK_RET("fstat", fstat(fd, &st), 0);
	CHECK_EQO("mode (umask applied)", st.st_mode, 0100640);
	CHECK_EQ("size", st.st_size, 80);
	CHECK_EQ("nlink", st.st_nlink, 1);
	CHECK_ERR("O_EXCL again",
		  mqo("ct-q", O_RDWR | O_CREAT | O_EXCL, 0600, &a), EEXIST);
	CHECK_ERR("access mode 3", mqo("ct-q", 3, 0, NULL), EINVAL);
	fd2 = mqo("ct-q", O_RDONLY | O_CREAT | O_NONBLOCK, 0600, NULL);
	CHECK("open it again (O_CREAT, attr ignored)", fd2 >= 3);
	show_attr("second descriptor", (int)fd2);
	close(fd2);
	fd2 = mqo("ct-default", O_WRONLY | O_CREAT, 0600, NULL);
	show_attr("defaults", (int)fd2);
	close(fd2);
	CHECK_RET("unlink it", syscall(SYS_mq_unlink, "ct-default"), 0);
	CHECK_RET("mq_unlink", syscall(SYS_mq_unlink, "ct-q"), 0);
	CHECK_ERR("mq_unlink again", syscall(SYS_mq_unlink, "ct-q"), ENOENT);
	CHECK_ERR("mq_unlink \"\"", syscall(SYS_mq_unlink, ""), ENOENT);
	CHECK_ERR("mq_unlink \"a/b\"", syscall(SYS_mq_unlink, "a/b"), EACCES);
	CHECK_RET("still usable after unlink", mqsend(fd, "x", 1, 0, NULL), 0);
	show_attr("after unlink", fd);
	close(fd);
}

static void limits_child(void *arg)
{
	struct kattr a = { 0, 11, 16, 0, { 0 } };
	long fds[12];
	int n, err = 0;

	drop_sys_resource();
	CHECK_ERR("maxmsg 11", mqo("ct-l", O_RDWR | O_CREAT, 0600, &a), EINVAL);
	a.maxmsg = 10;
	a.msgsize = 8193;
	CHECK_ERR("msgsize 8193", mqo("ct-l", O_RDWR | O_CREAT, 0600, &a),
		  EINVAL);
	/* RLIMIT_MSGQUEUE (819200): nine queues of 10 x 8192 fit. */
	for (n = 0; n < 12; n++) {
		char name[16];

		snprintf(name, sizeof(name), "ct-l%d", n);
		fds[n] = mqo(name, O_RDWR | O_CREAT, 0600, NULL);
		if (fds[n] < 0) {
			err = errno;
			break;
		}
	}
	CHECK_EQ("default queues that fit", n, 9);
	CHECK_STR("the next one", ct_errname(err), "EMFILE");
	for (int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "ct-l%d", i);
		close(fds[i]);
		syscall(SYS_mq_unlink, name);
	}
	/* 256 queues at most. */
	a.maxmsg = 1;
	a.msgsize = 1;
	for (n = 0; n < 300; n++) {
		char name[16];
		long fd;

		snprintf(name, sizeof(name), "ct-m%d", n);
		fd = mqo(name, O_RDWR | O_CREAT, 0600, &a);
		if (fd < 0) {
			CHECK_STR("the queue past the limit", ct_errname(errno),
				  "ENOSPC");
			break;
		}
		close(fd);
	}
	CHECK_EQ("queues made", n, 256);
	for (int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "ct-m%d", i);
		syscall(SYS_mq_unlink, name);
	}
}

CONTRACT_TEST(limits)
{
	ct_child_ok("child without CAP_SYS_RESOURCE", limits_child, NULL);
}

CONTRACT_TEST(send_receive)
{
	struct kattr a = { 0, 3, 16, 0, { 0 } },
		     n = { O_NONBLOCK, 0, 0, 0, { 0 } };
	struct timespec past = { 1, 0 }, bad = { 0, 1000000000L };
	char buf[32];
	unsigned prio;
	long fd = mqo("ct-sr", O_RDWR | O_CREAT, 0600, &a), r, p[2];

	CHECK_RET("send prio 1", mqsend(fd, "one", 3, 1, NULL), 0);
	CHECK_RET("send prio 5", mqsend(fd, "five", 4, 5, NULL), 0);
	CHECK_RET("send prio 1 again", mqsend(fd, "uno", 3, 1, NULL), 0);
	CHECK_ERR("full, a past timeout", mqsend(fd, "x", 1, 0, &past),
		  ETIMEDOUT);
	CHECK_ERR("a bad timeout", mqsend(fd, "x", 1, 0, &bad), EINVAL);
	CHECK_ERR("timeout at a bad address", mqsend(fd, "x", 1, 0, BAD_LOW),
		  EFAULT);
	CHECK_ERR("prio 32768", mqsend(fd, "x", 1, 32768, NULL), EINVAL);
	CHECK_ERR("17 bytes", mqsend(fd, buf, 17, 0, NULL), EMSGSIZE);
	CHECK_ERR("bad fd", mqsend(99, "x", 1, 0, NULL), EBADF);
	EXPECT(ct_pipe((int *)p) == 0);
	CHECK_ERR("a pipe", mqsend((int)((int *)p)[1], "x", 1, 0, NULL), EBADF);
	close(((int *)p)[0]);
	close(((int *)p)[1]);
	show_attr("three queued", (int)fd);
	CHECK_RET("set O_NONBLOCK", mqattr(fd, &n, NULL), 0);
	CHECK_ERR("full, O_NONBLOCK", mqsend(fd, "x", 1, 0, NULL), EAGAIN);
	show_attr("flags", (int)fd);
	n.flags = O_NONBLOCK | O_APPEND;
	CHECK_ERR("other flags", mqattr(fd, &n, NULL), EINVAL);
	CHECK_ERR("bad new attr", mqattr(fd, BAD_LOW, NULL), EFAULT);
	CHECK_ERR("bad old attr", mqattr(fd, NULL, BAD_LOW), EFAULT);
	CHECK_ERR("getsetattr of a bad fd", mqattr(99, NULL, NULL), EBADF);
	CHECK_ERR("buffer below msgsize", mqrecv(fd, buf, 15, &prio, NULL),
		  EMSGSIZE);
	for (int i = 0; i < 3; i++) {
		memset(buf, 0, sizeof(buf));
		prio = 99;
		r = mqrecv(fd, buf, sizeof(buf), &prio, NULL);
		ct_say("receive: %ld '%s' prio %u", r, buf, prio);
	}
	CHECK_ERR("empty, O_NONBLOCK", mqrecv(fd, buf, 32, NULL, NULL), EAGAIN);
	n.flags = 0;
	mqattr(fd, &n, NULL);
	CHECK_ERR("empty, a past timeout", mqrecv(fd, buf, 32, NULL, &past),
		  ETIMEDOUT);
	mqsend(fd, "lost", 4, 0, NULL);
	CHECK_ERR("receive into a bad buffer",
		  mqrecv(fd, BAD_LOW, 32, NULL, NULL), EFAULT);
	show_attr("the message is gone", (int)fd);
	mqsend(fd, "kept", 4, 0, NULL);
	CHECK_ERR("prio to a bad address", mqrecv(fd, buf, 32, BAD_LOW, NULL),
		  EFAULT);
	CHECK_ERR("send from a bad buffer", mqsend(fd, BAD_LOW, 4, 0, NULL),
		  EFAULT);
	CHECK_RET("zero-length message", mqsend(fd, "", 0, 7, NULL), 0);
	CHECK_RET("receive it", mqrecv(fd, buf, 32, &prio, NULL), 0);
	CHECK_EQ("its priority", prio, 7);
	close(fd);
	fd = mqo("ct-sr", O_WRONLY, 0, NULL);
	CHECK_ERR("receive on O_WRONLY", mqrecv(fd, buf, 32, NULL, NULL),
		  EBADF);
	CHECK_ERR("read(2) on O_WRONLY", read(fd, buf, 32), EBADF);
	close(fd);
	fd = mqo("ct-sr", O_RDONLY, 0, NULL);
	CHECK_ERR("send on O_RDONLY", mqsend(fd, "x", 1, 0, NULL), EBADF);
	CHECK_ERR("write(2)", write(fd, "x", 1), EBADF);
	memset(buf, 0, sizeof(buf));
	CHECK_RET("read(2) gives the status line",
		  read(fd, buf, sizeof(buf) - 1), 31);
	ct_say("line: %s", buf);
	close(fd);
	syscall(SYS_mq_unlink, "ct-sr");
}

static volatile int got_sig;
static volatile siginfo_t last_info;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	got_sig = sig;
	memcpy((void *)&last_info, si, sizeof(*si));
}

struct blockarg {
	int restart;
	int p[2];
};

static void block_child(void *arg)
{
	struct blockarg *b = arg;
	long fd = mqo("ct-blk", O_RDWR, 0, NULL);
	char buf[32];
	unsigned prio;
	long r;

	ct_sigaction(SIGUSR1, on_sig,
		     SA_SIGINFO | (b->restart ? SA_RESTART : 0), 0);
	EXPECT(write(b->p[1], "x", 1) == 1);
	r = mqrecv(fd, buf, sizeof(buf), &prio, NULL);
	if (r < 0)
		ct_say("child: receive: -1 %s, handler ran: %s",
		       ct_errname(errno), got_sig ? "yes" : "no");
	else
		ct_say("child: receive: %ld '%.*s' prio %u, handler ran: %s", r,
		       (int)r, buf, prio, got_sig ? "yes" : "no");
	close(fd);
}

static void run_block(int restart)
{
	struct kattr a = { 0, 2, 16, 0, { 0 } };
	long fd = mqo("ct-blk", O_RDWR | O_CREAT, 0600, &a);
	struct blockarg b = { restart, { -1, -1 } };
	char c;
	int st;
	pid_t pid;
	char out[512];
	int p2[2];

	EXPECT(ct_pipe(b.p) == 0);
	EXPECT(pipe(p2) == 0);
	pid = ct_fork();
	if (pid == 0) {
		dup2(p2[1], 1);
		close(p2[0]);
		close(p2[1]);
		block_child(&b);
		_exit(0);
	}
	close(p2[1]);
	EXPECT(read(b.p[0], &c, 1) == 1);
	ct_msleep(100);
	kill(pid, SIGUSR1);
	ct_msleep(100);
	mqsend(fd, "hi", 2, 3, NULL);
	st = ct_wait(pid);
	memset(out, 0, sizeof(out));
	EXPECT(read(p2[0], out, sizeof(out) - 1) > 0);
	ct_print(out);
	CHECK_STR("child", ct_status(st), "exited 0");
	show_attr("queue", (int)fd);
	close(p2[0]);
	close(b.p[0]);
	close(b.p[1]);
	close(fd);
	syscall(SYS_mq_unlink, "ct-blk");
}

CONTRACT_TEST(eintr)
{
	run_block(0);
}

CONTRACT_TEST(restart)
{
	run_block(1);
}

CONTRACT_TEST(notify)
{
	struct kattr a = { 0, 4, 16, 0, { 0 } };
	long fd = mqo("ct-n", O_RDWR | O_CREAT, 0600, &a), fd2;
	struct sigevent ev;
	char buf[100];
	int rfd;
	long n;
	pid_t pid;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR2;
	ev.sigev_value.sival_int = 1234;
	ct_sigaction(SIGUSR2, on_sig, SA_SIGINFO, 0);
	got_sig = 0;
	CHECK_RET("register SIGEV_SIGNAL", mqnotify(fd, &ev), 0);
	CHECK_RET("again from the same process", mqnotify(fd, &ev), -1);
	pid = ct_fork();
	if (pid == 0)
		_exit(mqnotify(fd, &ev) == -1 && errno == EBUSY ? 0 : 1);
	CHECK_STR("another process: EBUSY", ct_status(ct_wait(pid)),
		  "exited 0");
	rfd = open(MQ_DIR "/ct-n", O_RDONLY); /* not mounted yet: ENOENT */
	if (rfd >= 0)
		close(rfd);
	CHECK_RET("send", mqsend(fd, "a", 1, 0, NULL), 0);
	CHECK_EQ("signal", got_sig, SIGUSR2);
	CHECK_EQ("si_code SI_MESGQ", last_info.si_code, SI_MESGQ);
	CHECK_EQ("si_value", last_info.si_value.sival_int, 1234);
	CHECK("si_pid is us", last_info.si_pid == getpid());
	got_sig = 0;
	CHECK_RET("send again", mqsend(fd, "b", 1, 0, NULL), 0);
	CHECK_EQ("one shot: no signal", got_sig, 0);
	mqrecv(fd, buf, 16, NULL, NULL);
	mqrecv(fd, buf, 16, NULL, NULL);
	CHECK_RET("register again", mqnotify(fd, &ev), 0);
	CHECK_RET("unregister", mqnotify(fd, NULL), 0);
	CHECK_RET("send", mqsend(fd, "c", 1, 0, NULL), 0);
	CHECK_EQ("no signal", got_sig, 0);
	mqrecv(fd, buf, 16, NULL, NULL);
	ev.sigev_notify = SIGEV_NONE;
	CHECK_RET("SIGEV_NONE", mqnotify(fd, &ev), 0);
	CHECK_ERR("then SIGEV_SIGNAL", mqnotify(fd, &ev), EBUSY);
	mqnotify(fd, NULL);
	ev.sigev_notify = 5;
	CHECK_ERR("sigev_notify 5", mqnotify(fd, &ev), EINVAL);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = 65;
	CHECK_ERR("signal 65", mqnotify(fd, &ev), EINVAL);
	ev.sigev_signo = 0;
	CHECK_RET("signal 0 (accepted, sends nothing)", mqnotify(fd, &ev), 0);
	mqnotify(fd, NULL);
	CHECK_ERR("bad sigevent pointer", mqnotify(fd, BAD_LOW), EFAULT);
	CHECK_ERR("bad fd", mqnotify(99, NULL), EBADF);
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_signo = 99;
	ev.sigev_value.sival_ptr = buf;
	CHECK_ERR("SIGEV_THREAD, bad socket fd", mqnotify(fd, &ev), EBADF);
	ev.sigev_signo = (int)fd;
	CHECK_ERR("SIGEV_THREAD, not a socket", mqnotify(fd, &ev), ENOTSOCK);
	ev.sigev_value.sival_ptr = BAD_LOW;
	CHECK_ERR("SIGEV_THREAD, bad cookie", mqnotify(fd, &ev), EFAULT);
	/* A registration goes with its process. */
	ev.sigev_notify = SIGEV_NONE;
	pid = ct_fork();
	if (pid == 0)
		_exit(mqnotify(fd, &ev) == 0 ? 0 : 1);
	CHECK_STR("a child registers", ct_status(ct_wait(pid)), "exited 0");
	CHECK_RET("free again once it exited", mqnotify(fd, &ev), 0);
	fd2 = mqo("ct-n", O_RDONLY, 0, NULL);
	memset(buf, 0, sizeof(buf));
	n = read(fd2, buf, sizeof(buf) - 1);
	CHECK_EQ("status line length", n, 60);
	ct_say("line: %s", buf);
	close(fd2);
	mqnotify(fd, NULL);
	ct_sigdfl(SIGUSR2);
	close(fd);
	syscall(SYS_mq_unlink, "ct-n");
}

CONTRACT_TEST(poll)
{
	struct kattr a = { 0, 2, 16, 0, { 0 } };
	long fd = mqo("ct-p", O_RDWR | O_CREAT, 0600, &a);
	struct pollfd pfd = { (int)fd, POLLIN | POLLOUT, 0 };
	struct epoll_event ev = { EPOLLIN, { .u64 = 7 } }, out;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	CHECK_RET("poll empty", poll(&pfd, 1, 0), 1);
	CHECK_EQX("revents", pfd.revents, POLLOUT);
	mqsend(fd, "a", 1, 0, NULL);
	poll(&pfd, 1, 0);
	CHECK_EQX("one message", pfd.revents, POLLIN | POLLOUT);
	mqsend(fd, "b", 1, 0, NULL);
	poll(&pfd, 1, 0);
	CHECK_EQX("full", pfd.revents, POLLIN);
	CHECK_RET("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, (int)fd, &ev), 0);
	CHECK_RET("epoll_wait", epoll_wait(ep, &out, 1, 0), 1);
	CHECK_EQX("events", out.events, EPOLLIN);
	{
		char buf[16];

		mqrecv(fd, buf, 16, NULL, NULL);
		mqrecv(fd, buf, 16, NULL, NULL);
	}
	CHECK_RET("epoll_wait empty", epoll_wait(ep, &out, 1, 0), 0);
	pfd.events = POLLIN;
	CHECK_RET("poll for input, 50 ms", poll(&pfd, 1, 50), 0);
	close(ep);
	close(fd);
	syscall(SYS_mq_unlink, "ct-p");
}

static void fork_child(void *arg)
{
	long fd = *(long *)arg;
	char buf[16];

	CHECK_RET("child: receive on the inherited descriptor",
		  mqrecv(fd, buf, 16, NULL, NULL), 1);
	CHECK_RET("child: send", mqsend(fd, "c", 1, 0, NULL), 0);
}

CONTRACT_TEST(fork_exec)
{
	struct kattr a = { 0, 2, 16, 0, { 0 } };
	long fd = mqo("ct-f", O_RDWR | O_CREAT, 0600, &a);
	char buf[16], out[256];
	char fdword[16];
	const char *words[] = { "fds", NULL };

	mqsend(fd, "p", 1, 0, NULL);
	ct_child_ok("child", fork_child, &fd);
	CHECK_RET("parent receives the child's",
		  mqrecv(fd, buf, 16, NULL, NULL), 1);
	snprintf(fdword, sizeof(fdword), "%ld", fd);
	ct_run_helper(words, NULL, NULL, NULL, out, sizeof(out));
	CHECK("not open after exec", !strstr(ct_field(out, "fds"), fdword));
	close(fd);
	syscall(SYS_mq_unlink, "ct-f");
}

static void nobody_child(void *arg)
{
	long fd;

	become_nobody();
	CHECK_ERR("open root's 0600 queue", mqo("ct-root", O_RDONLY, 0, NULL),
		  EACCES);
	CHECK_ERR("unlink it (sticky root)", syscall(SYS_mq_unlink, "ct-root"),
		  EPERM);
	fd = mqo("ct-shared", O_RDONLY, 0, NULL);
	CHECK("read-only open of a 0644 queue", fd >= 0);
	close(fd);
	CHECK_ERR("write open of it", mqo("ct-shared", O_WRONLY, 0, NULL),
		  EACCES);
	fd = mqo("ct-mine", O_RDWR | O_CREAT, 0600, NULL);
	CHECK("create one's own", fd >= 0);
	close(fd);
	CHECK_RET("unlink one's own", syscall(SYS_mq_unlink, "ct-mine"), 0);
}

CONTRACT_TEST(perm)
{
	long a = mqo("ct-root", O_RDWR | O_CREAT, 0600, NULL);
	long b = mqo("ct-shared", O_RDWR | O_CREAT, 0644, NULL);

	ct_child_ok("nobody", nobody_child, NULL);
	close(a);
	close(b);
	syscall(SYS_mq_unlink, "ct-root");
	syscall(SYS_mq_unlink, "ct-shared");
}

static int count_entries(const char *dir, const char *want, int *found)
{
	char buf[4096];
	int fd = open(dir, O_RDONLY | O_DIRECTORY), n = 0;
	long len;

	*found = 0;
	if (fd < 0)
		return -1;
	while ((len = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < len;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);

			n++;
			if (!strcmp(d->name, want))
				*found = d->type == DT_REG;
			off += d->reclen;
		}
	}
	close(fd);
	return n;
}

CONTRACT_TEST(fs)
{
	struct kattr a = { 0, 3, 10, 0, { 0 } };
	long fd = mqo("ct-fs", O_RDWR | O_CREAT, 0640, &a), fd2;
	struct statfs sfs;
	struct stat st;
	char buf[100];
	int found, rfd;

	mkdir(MQ_DIR, 0755);
	CHECK_RET("mount -t mqueue", mount("none", MQ_DIR, "mqueue", 0, NULL),
		  0);
	CHECK_RET("statfs", statfs(MQ_DIR, &sfs), 0);
	CHECK_EQX("f_type", sfs.f_type, 0x19800202);
	CHECK_RET("stat the root", stat(MQ_DIR, &st), 0);
	CHECK_EQO("root mode", st.st_mode, 041777);
	CHECK_EQ("root size", st.st_size, 60);
	CHECK_EQ("entries", count_entries(MQ_DIR, "ct-fs", &found), 3);
	CHECK("the queue, a regular file", found);
	CHECK_RET("stat the queue", stat(MQ_DIR "/ct-fs", &st), 0);
	CHECK_EQO("mode", st.st_mode, 0100640);
	CHECK_EQ("size", st.st_size, 80);
	mqsend(fd, "hello", 5, 0, NULL);
	mqsend(fd, "abc", 3, 0, NULL);
	rfd = open(MQ_DIR "/ct-fs", O_RDONLY);
	CHECK("open(2) it", rfd >= 0);
	memset(buf, 0, sizeof(buf));
	CHECK_RET("read", read(rfd, buf, sizeof(buf) - 1), 60);
	ct_say("line: %s", buf);
	CHECK_RET("read at the end", read(rfd, buf, sizeof(buf)), 0);
	CHECK_RET("pread at 6", pread(rfd, buf, 4, 6), 4);
	ct_say("bytes 6..9: %.4s", buf);
	CHECK_RET("the open(2) descriptor is a queue",
		  mqrecv(rfd, buf, 10, NULL, NULL), 5);
	close(rfd);
	rfd = open(MQ_DIR "/ct-new", O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK("open(2) O_CREAT makes a queue", rfd >= 0);
	show_attr("with the defaults", rfd);
	close(rfd);
	fd2 = mqo("ct-new", O_RDWR, 0, NULL);
	CHECK("mq_open finds it", fd2 >= 0);
	close(fd2);
	CHECK_ERR("mkdir in it", mkdir(MQ_DIR "/d", 0755), EPERM);
	CHECK_ERR("mknod a FIFO in it", mknod(MQ_DIR "/f", S_IFIFO | 0600, 0),
		  EPERM);
	CHECK_RET("unlink(2) a queue", unlink(MQ_DIR "/ct-new"), 0);
	CHECK_ERR("mq_open no longer finds it", mqo("ct-new", O_RDWR, 0, NULL),
		  ENOENT);
	CHECK_RET("mq_unlink", syscall(SYS_mq_unlink, "ct-fs"), 0);
	CHECK_ERR("gone from the mount", stat(MQ_DIR "/ct-fs", &st), ENOENT);
	/* (KOS: a queue open anywhere keeps the mount busy; docs/ipc.md) */
	close(fd);
	CHECK_RET("umount", umount(MQ_DIR), 0);
	rmdir(MQ_DIR);
}
