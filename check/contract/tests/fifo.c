/*
 * Named FIFOs (mkfifo/mknod S_IFIFO): Linux's open rules (a reader waits
 * for a writer and a writer for a reader; O_NONBLOCK lets a reader in
 * and refuses a writer with ENXIO; O_RDWR never waits; a signal ends the
 * wait with EINTR), data through the named pipe between processes, EOF
 * and POLLHUP once the writers are gone (but no POLLHUP for a reader
 * that never saw a writer), EPIPE with no reader, no seeking, FIONREAD,
 * fstat, data dropped after the last close, and an unlinked FIFO still
 * working for those who have it open.
 */
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "fifo"

#define F "/tmp/fifo"

static void mk(void)
{
	unlink(F);
	EXPECT(mkfifo(F, 0666) == 0);
}

static int revents(int fd, int events)
{
	struct pollfd pf = { fd, (short)events, 0 };

	return poll(&pf, 1, 0) < 0 ? -1 : pf.revents;
}

CONTRACT_TEST(nonblock)
{
	struct stat st;
	char c;
	int r, w, rw;

	mk();
	CHECK_ERR("O_WRONLY|O_NONBLOCK, no reader",
		  open(F, O_WRONLY | O_NONBLOCK), ENXIO);
	r = open(F, O_RDONLY | O_NONBLOCK);
	CHECK("O_RDONLY|O_NONBLOCK, no writer: opens", r >= 0);
	CHECK_RET("read: EOF (no writer)", read(r, &c, 1), 0);
	CHECK_EQ("poll: nothing, no POLLHUP before any writer",
		 revents(r, POLLIN), 0);
	w = open(F, O_WRONLY | O_NONBLOCK);
	CHECK("O_WRONLY|O_NONBLOCK with a reader: opens", w >= 0);
	CHECK_ERR("read: EAGAIN (a writer, no data)", read(r, &c, 1), EAGAIN);
	CHECK_RET("write", write(w, "ab", 2), 2);
	CHECK_EQ("poll: readable", revents(r, POLLIN), POLLIN);
	CHECK_RET("FIONREAD", ({
			  int n = -1;
			  ioctl(r, FIONREAD, &n);
			  n;
		  }),
		  2);
	close(w);
	CHECK_EQ("poll once the writer is gone: IN|HUP", revents(r, POLLIN),
		 POLLIN | POLLHUP);
	CHECK_RET("read the data", read(r, &c, 1), 1);
	CHECK_RET("read the rest", read(r, &c, 1), 1);
	CHECK_RET("then EOF", read(r, &c, 1), 0);
	CHECK_EQ("poll: HUP", revents(r, POLLIN), POLLHUP);
	fstat(r, &st);
	CHECK("fstat: a FIFO", S_ISFIFO(st.st_mode));
	CHECK_EQ("st_size", st.st_size, 0);
	CHECK_ERR("lseek", lseek(r, 0, SEEK_SET), ESPIPE);
	CHECK_ERR("pread", pread(r, &c, 1, 0), ESPIPE);
	close(r);
	rw = open(F, O_RDWR | O_NONBLOCK);
	CHECK("O_RDWR: opens", rw >= 0);
	CHECK_RET("write through it", write(rw, "xyz", 3), 3);
	CHECK_RET("read it back", read(rw, &c, 1), 1);
	CHECK_EQ("poll: IN|OUT", revents(rw, POLLIN | POLLOUT),
		 POLLIN | POLLOUT);
	close(rw);
	rw = open(F, O_RDWR | O_NONBLOCK);
	CHECK_ERR("after the last close the data is gone", read(rw, &c, 1),
		  EAGAIN);
	close(rw);
	unlink(F);
}

static void writer(void *arg)
{
	int fd;

	usleep(30000);
	fd = open(F, O_WRONLY);
	EXPECT(fd >= 0);
	EXPECT(write(fd, "hello", 5) == 5);
	close(fd);
}

static void reader(void *arg)
{
	char buf[8];
	int fd;

	usleep(30000);
	fd = open(F, O_RDONLY);
	EXPECT(fd >= 0);
	EXPECT(read(fd, buf, sizeof(buf)) == 3);
	close(fd);
}

CONTRACT_TEST(blocking)
{
	char buf[8];
	pid_t pid;
	int fd;

	mk();
	pid = ct_fork();
	if (pid == 0) {
		writer(NULL);
		_exit(0);
	}
	fd = open(F, O_RDONLY);
	CHECK("a reader's open waits for the writer", fd >= 0);
	CHECK_RET("reads its data", read(fd, buf, sizeof(buf)), 5);
	CHECK_RET("then EOF", read(fd, buf, sizeof(buf)), 0);
	waitpid(pid, NULL, 0);
	close(fd);
	pid = ct_fork();
	if (pid == 0) {
		reader(NULL);
		_exit(0);
	}
	fd = open(F, O_WRONLY);
	CHECK("a writer's open waits for the reader", fd >= 0);
	CHECK_RET("write", write(fd, "abc", 3), 3);
	CHECK_RET("the reader exits 0", ({
			  int st = -1;
			  waitpid(pid, &st, 0);
			  st;
		  }),
		  0);
	CHECK_ERR("no reader left: EPIPE (SIGPIPE ignored)", ({
			  ct_sigsimple(SIGPIPE, SIG_IGN, 0);
			  long r = write(fd, "x", 1);
			  ct_sigdfl(SIGPIPE);
			  r;
		  }),
		  EPIPE);
	close(fd);
	unlink(F);
}

static void on_usr1(int sig)
{
}

CONTRACT_TEST(interrupted)
{
	pid_t pid;

	mk();
	ct_sigsimple(SIGUSR1, on_usr1, 0);
	pid = ct_fork();
	if (pid == 0) {
		usleep(30000);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	CHECK_ERR("a signal ends the wait in open", open(F, O_RDONLY), EINTR);
	waitpid(pid, NULL, 0);
	CHECK_ERR("nobody is left behind as a reader",
		  open(F, O_WRONLY | O_NONBLOCK), ENXIO);
	ct_sigdfl(SIGUSR1);
	unlink(F);
}

CONTRACT_TEST(unlinked)
{
	char c;
	int rw;

	mk();
	rw = open(F, O_RDWR);
	CHECK_RET("unlink while open", unlink(F), 0);
	CHECK_RET("write", write(rw, "q", 1), 1);
	CHECK_RET("read", read(rw, &c, 1), 1);
	CHECK_RET("a new FIFO of that name", mkfifo(F, 0600), 0);
	CHECK_ERR("is another pipe (no reader)", open(F, O_WRONLY | O_NONBLOCK),
		  ENXIO);
	close(rw);
	CHECK_ERR("O_TRUNC|O_CREAT on a FIFO opens it (no reader)",
		  open(F, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK, 0644),
		  ENXIO);
	unlink(F);
}
