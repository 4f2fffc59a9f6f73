/*
 * Controlling terminals and job control through a pty (issue 10): a
 * session leader takes the slave as its controlling terminal (opening it,
 * or TIOCSCTTY), /dev/tty then names it, TIOCGSID/TIOCGPGRP/TIOCSPGRP;
 * a background group that reads gets SIGTTIN, one that writes with
 * TOSTOP gets SIGTTOU (and writes freely without); TIOCNOTTY; and when
 * the session leader exits, its foreground group gets SIGHUP.  Each test
 * runs in a child that calls setsid(); the test program itself (init)
 * has no controlling terminal.
 */
#include <signal.h>
#include <sys/wait.h>

#include "ttylib.h"

#define CONTRACT_AREA "jobctl"

/* The pty the session leader uses: the master and the slave's name. */
struct sess {
	int m;
	int n;
	int pipe[2]; /* the leader tells the test a pid */
};

static const char *slave_name(int n)
{
	static char path[32];

	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	return path;
}

/* fork a child that moves to a group of its own and runs fn(fd). */
static pid_t in_new_group(void (*fn)(int), int fd)
{
	pid_t g = ct_fork();

	if (g == 0) {
		setpgid(0, 0);
		fn(fd);
		_exit(0);
	}
	if (g != CT_NOPID)
		setpgid(g, g);
	return g;
}

static void bg_read(int fd)
{
	char c;

	_exit(read(fd, &c, 1) < 0 ? 2 : 3);
}

static void bg_write(int fd)
{
	_exit(write(fd, "w", 1) == 1 ? 0 : 2);
}

static void leader(void *arg)
{
	struct sess *ss = arg;
	struct kterm t;
	pid_t sid, pg, g;
	int s, tty, st;

	sid = setsid();
	CHECK("setsid", sid == getpid());
	CHECK_ERR("/dev/tty before there is one", open("/dev/tty", O_RDWR),
		  ENXIO);
	s = open(slave_name(ss->n), O_RDWR);
	CHECK_RET("open the slave (it becomes the controlling tty)", s >= 0, 1);
	CHECK_RET("TIOCGSID", ioctl(s, TIOCGSID, &pg), 0);
	CHECK("the session is ours", pg == sid);
	CHECK_RET("TIOCGPGRP", ioctl(s, TIOCGPGRP, &pg), 0);
	CHECK("the foreground group is ours", pg == getpgrp());
	tty = open("/dev/tty", O_RDWR);
	CHECK_RET("/dev/tty", tty >= 0, 1);
	CHECK_RET("TIOCGSID through /dev/tty", ioctl(tty, TIOCGSID, &pg), 0);
	CHECK("same session", pg == sid);
	close(tty);

	/* background reads stop the reader */
	g = in_new_group(bg_read, s);
	syscall(SYS_wait4, g, &st, WUNTRACED, NULL);
	CHECK_STR("a background read", ct_status(st), "stopped SIGTTIN");
	kill(g, SIGKILL);
	ct_wait(g);
	/* background writes: free without TOSTOP, stopped with it */
	g = in_new_group(bg_write, s);
	syscall(SYS_wait4, g, &st, WUNTRACED, NULL);
	CHECK_STR("a background write", ct_status(st), "exited 0");
	tget(s, &t);
	t.lflag |= TOSTOP;
	tset(s, TCSETS, &t);
	g = in_new_group(bg_write, s);
	syscall(SYS_wait4, g, &st, WUNTRACED, NULL);
	CHECK_STR("a background write with TOSTOP", ct_status(st),
		  "stopped SIGTTOU");
	kill(g, SIGKILL);
	ct_wait(g);
	t.lflag &= ~TOSTOP;
	tset(s, TCSETS, &t);
	drain(ss->m, 100);

	/* a foreground group of its own, left behind when we exit */
	g = ct_fork();
	if (g == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	if (g == CT_NOPID)
		return;
	setpgid(g, g);
	CHECK_ERR("TIOCSPGRP to a group of another session",
		  ioctl(s, TIOCSPGRP, &(pid_t){ 1 }), EPERM);
	CHECK_ERR("TIOCSPGRP to no group", ioctl(s, TIOCSPGRP, &(pid_t){ -1 }),
		  EINVAL);
	CHECK_RET("TIOCSPGRP to it", ioctl(s, TIOCSPGRP, &g), 0);
	CHECK_RET("TIOCGPGRP", ioctl(s, TIOCGPGRP, &pg), 0);
	CHECK("it is the foreground group", pg == g);
	/* we are in the background now, in an orphaned group (our parent
	 * is in another session): tty_check_change says -EIO, which
	 * TIOCSPGRP turns into ENOTTY */
	CHECK_ERR("TIOCSPGRP from the background, orphaned",
		  ioctl(s, TIOCSPGRP, &g), ENOTTY);
	write(ss->pipe[1], &g, sizeof(g));
}

CONTRACT_TEST(session_leader)
{
	struct sess ss;
	int s;
	pid_t g = 0;

	if (pty_begin(&ss.m, &s, 0))
		return;
	ioctl(ss.m, TIOCGPTN, &ss.n);
	close(s);
	ct_pipe(ss.pipe);
	CHECK_ERR("init has no /dev/tty", open("/dev/tty", O_RDWR), ENXIO);
	if (ct_child_ok("session leader", leader, &ss) == 0)
		read(ss.pipe[0], &g, sizeof(g));
	/* the leader exited: its foreground group got SIGHUP (and
	 * SIGCONT), and it was reparented to us */
	if (g)
		CHECK_STR("the foreground group after the leader exited",
			  ct_status(ct_wait(g)), "killed SIGHUP");
	close(ss.pipe[0]);
	close(ss.pipe[1]);
	pty_end(ss.m, -1);
}

static void notty(void *arg)
{
	int *n = arg;
	int s, tty;

	setsid();
	s = open(slave_name(*n), O_RDWR | O_NOCTTY);
	CHECK_ERR("O_NOCTTY: no controlling tty", open("/dev/tty", O_RDWR),
		  ENXIO);
	CHECK_ERR("TIOCGSID of a tty that is not ours",
		  ioctl(s, TIOCGSID, &tty), ENOTTY);
	CHECK_RET("TIOCSCTTY", ioctl(s, TIOCSCTTY, 0), 0);
	tty = open("/dev/tty", O_RDWR);
	CHECK_RET("/dev/tty after TIOCSCTTY", tty >= 0, 1);
	close(tty);
	signal(SIGHUP, SIG_IGN); /* the leader's TIOCNOTTY sends it */
	CHECK_RET("TIOCNOTTY", ioctl(s, TIOCNOTTY), 0);
	CHECK_ERR("/dev/tty after TIOCNOTTY", open("/dev/tty", O_RDWR), ENXIO);
	CHECK_ERR("TIOCGPGRP after TIOCNOTTY", ioctl(s, TIOCGPGRP, &tty),
		  ENOTTY);
	close(s);
}

CONTRACT_TEST(noctty_sctty_notty)
{
	int m, s, n = -1;

	if (pty_begin(&m, &s, 0))
		return;
	ioctl(m, TIOCGPTN, &n);
	ct_child_ok("child", notty, &n);
	pty_end(m, s);
}
