/*
 * select(2) and pselect6(2): pipe readiness in each of the three sets
 * (data, EOF and a broken pipe count as readable or writable, nothing
 * is exceptional), what is written back (every set given, cleared where
 * not ready, also on a timeout), bits of closed and O_PATH descriptors
 * (EBADF, the sets untouched; O_PATH ones are open and ready), bits
 * past nfds (ignored), bad nfds and timeouts (EINVAL; microseconds over
 * a second carry), the time left written back, a wake-up by another
 * process, EINTR, and pselect6's signal mask and its size check.
 */
#include <signal.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "select"

static int p[2] = { -1, -1 };

static void closep(void)
{
	close(p[0]);
	close(p[1]);
	p[0] = p[1] = -1;
}

/* Raw select with a zero timeout on copies of the sets. */
static long sel0(int n, fd_set *r, fd_set *w, fd_set *e)
{
	struct timeval tv = { 0, 0 };

	return syscall(SYS_select, n, r, w, e, &tv);
}

CONTRACT_TEST(pipe_sets)
{
	fd_set r, w, e;

	EXPECT(pipe(p) == 0);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[0], &e);
	FD_SET(p[1], &e);
	CHECK_RET("empty pipe: only the write end", sel0(p[1] + 1, &r, &w, &e),
		  1);
	CHECK("read end not readable", !FD_ISSET(p[0], &r));
	CHECK("write end writable", FD_ISSET(p[1], &w));
	CHECK("nothing exceptional",
	      !FD_ISSET(p[0], &e) && !FD_ISSET(p[1], &e));
	EXPECT(write(p[1], "x", 1) == 1);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	CHECK_RET("with data: both", sel0(p[1] + 1, &r, &w, NULL), 2);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(p[1], &r);
	CHECK_RET("the write end in the read set",
		  sel0(p[1] + 1, &r, NULL, NULL), 1);
	CHECK("only the read end is set",
	      FD_ISSET(p[0], &r) && !FD_ISSET(p[1], &r));
	close(p[1]);
	p[1] = -1;
	{
		char c;

		EXPECT(read(p[0], &c, 1) == 1);
	}
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK_RET("EOF is readable", sel0(p[0] + 1, &r, NULL, NULL), 1);
	closep();
	EXPECT(pipe(p) == 0);
	close(p[0]);
	p[0] = -1;
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	CHECK_RET("no reader: writable", sel0(p[1] + 1, NULL, &w, NULL), 1);
	closep();
}

CONTRACT_TEST(errors)
{
	struct timeval tv = { 0, 0 }, big = { 0, 1000000 }, neg = { -1, 0 };
	struct timeval negus = { 1, -1 };
	fd_set r;
	int fd;

	FD_ZERO(&r);
	FD_SET(40, &r);
	FD_SET(0, &r);
	CHECK_ERR("a closed fd", syscall(SYS_select, 41, &r, NULL, NULL, &tv),
		  EBADF);
	CHECK("the set is untouched", FD_ISSET(40, &r) && FD_ISSET(0, &r));
	CHECK_RET("bits past nfds are ignored",
		  syscall(SYS_select, 1, NULL, NULL, NULL, &tv), 0);
	FD_ZERO(&r);
	FD_SET(40, &r);
	CHECK_RET("nfds below the closed fd",
		  syscall(SYS_select, 40, &r, NULL, NULL, &tv), 0);
	CHECK_ERR("negative nfds",
		  syscall(SYS_select, -1, NULL, NULL, NULL, &tv), EINVAL);
	CHECK_RET("usec 1000000 (carried into the seconds)",
		  syscall(SYS_select, 0, NULL, NULL, NULL, &big), 0);
	CHECK_ERR("negative usec",
		  syscall(SYS_select, 0, NULL, NULL, NULL, &negus), EINVAL);
	CHECK_ERR("negative seconds",
		  syscall(SYS_select, 0, NULL, NULL, NULL, &neg), EINVAL);
	CHECK_ERR("bad timeout address",
		  syscall(SYS_select, 0, NULL, NULL, NULL, BAD_LOW), EFAULT);
	CHECK_ERR("bad set address",
		  syscall(SYS_select, 1, BAD_LOW, NULL, NULL, &tv), EFAULT);
	fd = open("/", O_PATH);
	FD_ZERO(&r);
	FD_SET(fd, &r);
	CHECK_RET("an O_PATH fd: open, no poll method (ready)",
		  syscall(SYS_select, fd + 1, &r, NULL, NULL, &tv), 1);
	close(fd);
	fd = open("/dev/null", O_RDWR);
	FD_ZERO(&r);
	FD_SET(fd, &r);
	CHECK_RET("/dev/null, one set passed as read and write set",
		  syscall(SYS_select, fd + 1, &r, &r, NULL, &tv), 2);
	close(fd);
}

CONTRACT_TEST(timeout)
{
	struct timeval tv = { 0, 50000 };
	struct timespec ts = { 0, 30000000 };
	fd_set r;

	EXPECT(pipe(p) == 0);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK_RET("times out",
		  syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv), 0);
	CHECK("the set is cleared", !FD_ISSET(p[0], &r));
	CHECK("the time left is written back (0)",
	      tv.tv_sec == 0 && tv.tv_usec == 0);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	FD_SET(p[0], &r);
	EXPECT(write(p[1], "x", 1) == 1);
	CHECK_RET("ready at once",
		  syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv), 1);
	CHECK("time left written back, below 5 s",
	      tv.tv_sec < 5 || (tv.tv_sec == 5 && tv.tv_usec == 0));
	CHECK("and above 4 s", tv.tv_sec >= 4);
	FD_ZERO(&r);
	CHECK_RET("pselect6 times out",
		  syscall(SYS_pselect6, 1, &r, NULL, NULL, &ts, NULL), 0);
	CHECK("its time left is written back",
	      ts.tv_sec == 0 && ts.tv_nsec == 0);
	CHECK_RET("no fds, NULL sets: a sleep",
		  syscall(SYS_select, 0, NULL, NULL, NULL,
			  &(struct timeval){ 0, 10000 }),
		  0);
	closep();
}

static void write_later(void *arg)
{
	usleep(30000);
	EXPECT(write(p[1], "y", 1) == 1);
}

CONTRACT_TEST(wakeup)
{
	fd_set r;
	pid_t pid;

	EXPECT(pipe(p) == 0);
	pid = ct_fork();
	if (pid == 0) {
		write_later(NULL);
		_exit(0);
	}
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK_RET("woken by a write in another process",
		  syscall(SYS_select, p[0] + 1, &r, NULL, NULL, NULL), 1);
	CHECK("readable", FD_ISSET(p[0], &r));
	waitpid(pid, NULL, 0);
	closep();
}

static void on_usr1(int sig)
{
}

CONTRACT_TEST(signals)
{
	struct {
		const sigset_t *ss;
		size_t len;
	} sig;
	struct timeval tv = { 5, 0 };
	struct timespec ts = { 0, 20000000 };
	sigset_t block, empty;
	fd_set r;
	pid_t pid;

	EXPECT(pipe(p) == 0);
	ct_sigsimple(SIGUSR1, on_usr1, 0);
	pid = ct_fork();
	if (pid == 0) {
		usleep(30000);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK_ERR("a signal interrupts select",
		  syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv), EINTR);
	CHECK("the set is left as it was", FD_ISSET(p[0], &r));
	CHECK("time left written back", tv.tv_sec < 5);
	waitpid(pid, NULL, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	sigemptyset(&empty);
	sig.ss = &empty;
	sig.len = 8;
	CHECK_ERR("pselect6's mask lets the pending signal in",
		  syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, &sig),
		  EINTR);
	sig.len = 16;
	CHECK_ERR("a mask size other than 8",
		  syscall(SYS_pselect6, 0, NULL, NULL, NULL, &ts, &sig),
		  EINVAL);
	sig.ss = NULL;
	CHECK_RET("a NULL mask with any size is no mask",
		  syscall(SYS_pselect6, 0, NULL, NULL, NULL, &ts, &sig), 0);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	ct_sigdfl(SIGUSR1);
	closep();
}
