/*
 * Terminals (issue 10), through a pty pair: the termios ioctls (TCGETS
 * defaults of a new slave, TCSETS/TCSETSW/TCSETSF, termios2 and speeds,
 * TCFLSH, TCXONC, TCSBRK, window sizes, queue sizes, TIOCSTI, TIOCEXCL,
 * line disciplines, ENOTTY/EINVAL/EFAULT; on the master, those that act
 * on its own side) and the N_TTY line discipline as seen from the
 * master: canonical input and its editing characters, EOF/EOL, input
 * and output processing, echo (and its holding back while output is
 * stopped), signal characters without a foreground group, VMIN/VTIME,
 * O_NONBLOCK, poll and IXON flow control.  Bytes read are printed
 * escaped.  The program is init, not a session leader: no pty becomes
 * its controlling terminal (job control is tested by the guest tests
 * and scripts/tty-session).  Each test mounts its own devpts instance.
 */
#include <poll.h>
#include <signal.h>
#include <grp.h>
#include <sys/wait.h>
#include <termios.h>

#include "ttylib.h"

#define CONTRACT_AREA "tty"

#ifndef XTABS
#define XTABS 0014000
#endif

static const char *const ccname[K_NCCS] = {
	"VINTR",  "VQUIT", "VERASE",   "VKILL",	   "VEOF",
	"VTIME",  "VMIN",  "VSWTC",    "VSTART",   "VSTOP",
	"VSUSP",  "VEOL",  "VREPRINT", "VDISCARD", "VWERASE",
	"VLNEXT", "VEOL2", "c_cc[17]", "c_cc[18]",
};

/* Linux's INIT_C_CC */
static const unsigned char init_cc[K_NCCS] = {
	003, 034, 0177, 025, 004, 0,   1, 0, 021, 023,
	032, 0,	  022,	017, 027, 026, 0, 0, 0,
};

static void show_cc(const struct kterm *t)
{
	for (int i = 0; i < K_NCCS; i++)
		CHECK_EQO(ccname[i], t->cc[i], init_cc[i]);
}

CONTRACT_TEST(defaults)
{
	struct kterm t;
	struct kterm2 t2;
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	CHECK_RET("TCGETS on the slave", tget(s, &t), 0);
	CHECK_EQO("c_iflag", t.iflag, ICRNL | IXON);
	CHECK_EQO("c_oflag", t.oflag, OPOST | ONLCR);
	CHECK_EQO("c_cflag", t.cflag, B38400 | CS8 | CREAD);
	CHECK_EQO("c_lflag", t.lflag,
		  ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
			  IEXTEN);
	CHECK_EQ("c_line", t.line, 0);
	show_cc(&t);
	memset(&t2, 0xff, sizeof(t2));
	CHECK_RET("TCGETS2", ioctl(s, K_TCGETS2, &t2), 0);
	CHECK_EQ("c_ispeed", t2.ispeed, 38400);
	CHECK_EQ("c_ospeed", t2.ospeed, 38400);
	/* Linux answers the termios ioctls on a master for its slave */
	CHECK_RET("TCGETS on the master", tget(m, &t), 0);
	CHECK_EQO("master c_iflag", t.iflag, ICRNL | IXON);
	CHECK_EQO("master c_oflag", t.oflag, OPOST | ONLCR);
	CHECK_EQO("master c_cflag", t.cflag, B38400 | CS8 | CREAD);
	CHECK_EQO("master c_lflag", t.lflag,
		  ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
			  IEXTEN);
	show_cc(&t);
	pty_end(m, s);
}

CONTRACT_TEST(tcsets)
{
	struct kterm t, u;
	char c;
	int m, s;

	if (pty_begin(&m, &s, O_NONBLOCK))
		return;
	tget(s, &t);
	t.lflag &= ~ECHO;
	t.cc[VINTR] = 'x';
	CHECK_RET("TCSETS", tset(s, TCSETS, &t), 0);
	tget(s, &u);
	CHECK("TCGETS gives it back", !memcmp(&t, &u, sizeof(t)));
	t.cflag = (t.cflag & ~CSIZE) | CS7 | PARENB | CSTOPB;
	CHECK_RET("TCSETS CS7|PARENB|CSTOPB", tset(s, TCSETS, &t), 0);
	tget(s, &u);
	CHECK_EQO("c_cflag (a pty keeps CS8|CREAD, no PARENB)", u.cflag,
		  B38400 | CS8 | CREAD | CSTOPB);
	t.lflag |= ECHO;
	CHECK_RET("TCSETSW", tset(s, TCSETSW, &t), 0);
	tget(s, &u);
	CHECK("ECHO again", u.lflag & ECHO);
	wr(m, "pending\n");
	CHECK_EQ("slave readable", prevents(s, POLLIN, 2000), POLLIN);
	CHECK_RET("FIONREAD", inq(s), 8);
	CHECK_RET("TCSETSF", tset(s, TCSETSF, &u), 0);
	CHECK_RET("FIONREAD after TCSETSF", inq(s), 0);
	CHECK_ERR("read: input flushed", read(s, &c, 1), EAGAIN);
	t.lflag = 0;
	CHECK_RET("TCSETS on the master", tset(m, TCSETS, &t), 0);
	tget(m, &u);
	CHECK_EQO("master c_lflag", u.lflag, 0);
	CHECK_EQO("master VINTR", u.cc[VINTR], 'x');
	tget(s, &u);
	CHECK_EQO("the slave's c_lflag (TCSETS on the master set it)", u.lflag,
		  0);
	pty_end(m, s);
}

CONTRACT_TEST(termios2)
{
	struct kterm2 t2;
	struct kterm t;
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	ioctl(s, K_TCGETS2, &t2);
	t2.cflag = (t2.cflag & ~K_CBAUD) | K_BOTHER;
	t2.ospeed = 12345;
	t2.ispeed = 12345;
	CHECK_RET("TCSETS2 BOTHER 12345", ioctl(s, K_TCSETS2, &t2), 0);
	memset(&t2, 0, sizeof(t2));
	ioctl(s, K_TCGETS2, &t2);
	CHECK_EQO("c_cflag & CBAUD", t2.cflag & K_CBAUD, K_BOTHER);
	CHECK_EQO("c_cflag & CIBAUD", (t2.cflag >> K_IBSHIFT) & K_CBAUD, 0);
	CHECK_EQ("c_ospeed", t2.ospeed, 12345);
	CHECK_EQ("c_ispeed", t2.ispeed, 12345);
	tget(s, &t);
	CHECK_EQO("TCGETS c_cflag & CBAUD", t.cflag & K_CBAUD, K_BOTHER);
	t.cflag = (t.cflag & ~K_CBAUD) | B9600;
	CHECK_RET("TCSETS B9600", tset(s, TCSETS, &t), 0);
	ioctl(s, K_TCGETS2, &t2);
	CHECK_EQ("TCGETS2 c_ospeed", t2.ospeed, 9600);
	CHECK_EQ("TCGETS2 c_ispeed", t2.ispeed, 9600);
	t2.cflag = (t2.cflag & ~K_CBAUD) | K_BOTHER | (B2400 << K_IBSHIFT);
	t2.ospeed = 4800;
	CHECK_RET("TCSETSW2 BOTHER 4800, input B2400",
		  ioctl(s, K_TCSETSW2, &t2), 0);
	ioctl(s, K_TCGETS2, &t2);
	CHECK_EQ("c_ospeed", t2.ospeed, 4800);
	CHECK_EQ("c_ispeed", t2.ispeed, 2400);
	CHECK_RET("TCSETSF2", ioctl(s, K_TCSETSF2, &t2), 0);
	pty_end(m, s);
}

/* The C library's view: tcgetattr, cfget/cfset*speed, cfmakeraw,
 * tcsetattr, as the kernel then reports them. */
CONTRACT_TEST(libc_speeds)
{
	struct termios lt;
	struct kterm t;
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	CHECK_RET("tcgetattr", tcgetattr(s, &lt), 0);
	CHECK_EQO("cfgetospeed", cfgetospeed(&lt), B38400);
	CHECK_EQO("cfgetispeed", cfgetispeed(&lt), B38400);
	CHECK_RET("cfsetospeed B9600", cfsetospeed(&lt, B9600), 0);
	CHECK_RET("cfsetispeed B1200", cfsetispeed(&lt, B1200), 0);
	CHECK_ERR("cfsetospeed 12345", cfsetospeed(&lt, 12345), EINVAL);
	cfmakeraw(&lt);
	CHECK_RET("tcsetattr TCSANOW", tcsetattr(s, TCSANOW, &lt), 0);
	/* what cfmakeraw and cfsetispeed leave differs between C
	 * libraries: printed, and compared with the host's output */
	tget(s, &t);
	ct_say("c_iflag: %#o", t.iflag);
	ct_say("c_oflag: %#o", t.oflag);
	ct_say("c_cflag: %#o", t.cflag);
	ct_say("c_lflag: %#o", t.lflag);
	CHECK_EQ("VMIN", t.cc[VMIN], 1);
	CHECK_EQ("VTIME", t.cc[VTIME], 0);
	CHECK_ERR("tcsetattr with a bad action", tcsetattr(s, 7, &lt), EINVAL);
	CHECK_RET("tcsetattr TCSAFLUSH", tcsetattr(s, TCSAFLUSH, &lt), 0);
	CHECK_RET("tcdrain", tcdrain(s), 0);
	CHECK_RET("tcsendbreak", tcsendbreak(s, 0), 0);
	pty_end(m, s);
}

CONTRACT_TEST(tcflsh)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	tflags(s, T_L, ECHO, 0);
	wr(m, "abc\n");
	CHECK_EQ("slave readable", prevents(s, POLLIN, 2000), POLLIN);
	CHECK_RET("slave FIONREAD", inq(s), 4);
	CHECK_RET("TCFLSH TCIFLUSH on the slave", ioctl(s, TCFLSH, TCIFLUSH),
		  0);
	CHECK_RET("slave FIONREAD", inq(s), 0);
	wr(s, "out");
	CHECK_EQ("master readable", prevents(m, POLLIN, 2000), POLLIN);
	CHECK_RET("master FIONREAD", inq(m), 3);
	CHECK_RET("TCFLSH TCOFLUSH on the slave", ioctl(s, TCFLSH, TCOFLUSH),
		  0);
	CHECK_RET("master FIONREAD", inq(m), 3);
	CHECK_RET("TCFLSH TCIFLUSH on the master", ioctl(m, TCFLSH, TCIFLUSH),
		  0);
	CHECK_RET("master FIONREAD", inq(m), 0);
	wr(m, "x\n");
	wr(s, "y");
	CHECK_EQ("slave readable", prevents(s, POLLIN, 2000), POLLIN);
	CHECK_EQ("master readable", prevents(m, POLLIN, 2000), POLLIN);
	CHECK_RET("TCFLSH TCIOFLUSH on the slave", ioctl(s, TCFLSH, TCIOFLUSH),
		  0);
	CHECK_RET("slave FIONREAD", inq(s), 0);
	CHECK_RET("master FIONREAD", inq(m), 1);
	CHECK_RET("TCFLSH TCIOFLUSH on the master", ioctl(m, TCFLSH, TCIOFLUSH),
		  0);
	CHECK_RET("master FIONREAD", inq(m), 0);
	wr(m, "q\n");
	CHECK_EQ("slave readable", prevents(s, POLLIN, 2000), POLLIN);
	CHECK_RET("TCFLSH TCOFLUSH on the master", ioctl(m, TCFLSH, TCOFLUSH),
		  0);
	CHECK_RET("slave FIONREAD: what it took in stays", inq(s), 2);
	CHECK_ERR("TCFLSH 3 on the master", ioctl(m, TCFLSH, 3), EINVAL);
	CHECK_ERR("TCFLSH 3", ioctl(s, TCFLSH, 3), EINVAL);
	CHECK_ERR("TCFLSH -1", ioctl(s, TCFLSH, -1), EINVAL);
	pty_end(m, s);
}

CONTRACT_TEST(tcxonc)
{
	int m, s;

	if (pty_begin(&m, &s, O_NONBLOCK))
		return;
	tflags(s, T_L, ECHO, 0);
	CHECK_RET("TCXONC TCOOFF", ioctl(s, TCXONC, TCOOFF), 0);
	CHECK_ERR("slave write while stopped", write(s, "a", 1), EAGAIN);
	CHECK_RET("TCXONC TCOOFF again", ioctl(s, TCXONC, TCOOFF), 0);
	CHECK_RET("TCXONC TCOON", ioctl(s, TCXONC, TCOON), 0);
	CHECK_RET("slave write", write(s, "b", 1), 1);
	CHECK_ALL("master reads", m, "b");
	CHECK_RET("TCXONC TCIOFF", ioctl(s, TCXONC, TCIOFF), 0);
	CHECK_ALL("master reads the STOP character", m, "\x13");
	CHECK_RET("TCXONC TCION", ioctl(s, TCXONC, TCION), 0);
	CHECK_ALL("master reads the START character", m, "\x11");
	CHECK_ERR("TCXONC 4", ioctl(s, TCXONC, 4), EINVAL);
	/* on the master: its own output, the slave's input */
	CHECK_RET("TCXONC TCOOFF on the master", ioctl(m, TCXONC, TCOOFF), 0);
	fcntl(m, F_SETFL, O_NONBLOCK);
	CHECK_ERR("master write while stopped", write(m, "c\n", 2), EAGAIN);
	CHECK_EQX("master poll", prevents(m, POLLOUT, 0), 0);
	fcntl(m, F_SETFL, 0);
	CHECK_RET("TCXONC TCOON on the master", ioctl(m, TCXONC, TCOON), 0);
	CHECK_RET("master write", write(m, "c\n", 2), 2);
	CHECK_READ("slave reads", s, "c\n");
	CHECK_RET("TCXONC TCIOFF on the master", ioctl(m, TCXONC, TCIOFF), 0);
	wr(m, "d\n");
	CHECK_READ("the slave reads after the STOP character", s, "d\n");
	CHECK_ERR("the slave's output is stopped (IXON)", write(s, "e", 1),
		  EAGAIN);
	CHECK_RET("TCXONC TCION on the master", ioctl(m, TCXONC, TCION), 0);
	wr(m, "f\n");
	CHECK_READ("slave reads", s, "f\n");
	CHECK_RET("the slave writes again", write(s, "e", 1), 1);
	CHECK_ALL("master reads", m, "e");
	CHECK_ERR("TCXONC 4 on the master", ioctl(m, TCXONC, 4), EINVAL);
	pty_end(m, s);
}

CONTRACT_TEST(tcsbrk)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	CHECK_RET("TCSBRK 1 (drain)", ioctl(s, TCSBRK, 1), 0);
	CHECK_RET("TCSBRK 0 (break)", ioctl(s, TCSBRK, 0), 0);
	CHECK_RET("TCSBRKP 0", ioctl(s, TCSBRKP, 0), 0);
	CHECK_RET("TCSBRKP 1", ioctl(s, TCSBRKP, 1), 0);
	CHECK_RET("TCSBRK 0 on the master", ioctl(m, TCSBRK, 0), 0);
	CHECK_RET("TIOCSBRK", ioctl(s, TIOCSBRK), 0);
	CHECK_RET("TIOCCBRK", ioctl(s, TIOCCBRK), 0);
	CHECK_EQ("nothing reaches the master",
		 rdall(m, (char[8]){ 0 }, 8, 0, 50), 0);
	pty_end(m, s);
}

static void show_ws(const char *label, int fd)
{
	struct winsize w;

	memset(&w, 0xee, sizeof(w));
	if (ioctl(fd, TIOCGWINSZ, &w))
		ct_say("%s: -1 %s", label, ct_errname(errno));
	else
		ct_say("%s: %d rows %d cols %dx%d", label, w.ws_row, w.ws_col,
		       w.ws_xpixel, w.ws_ypixel);
}

CONTRACT_TEST(winsize)
{
	struct winsize w = { 24, 80, 640, 480 }, g;
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	show_ws("slave at first", s);
	show_ws("master at first", m);
	CHECK_RET("TIOCSWINSZ on the master", ioctl(m, TIOCSWINSZ, &w), 0);
	show_ws("slave", s);
	ioctl(s, TIOCGWINSZ, &g);
	CHECK("slave sees the master's size", !memcmp(&g, &w, sizeof(w)));
	w.ws_row = 50;
	w.ws_col = 132;
	CHECK_RET("TIOCSWINSZ on the slave", ioctl(s, TIOCSWINSZ, &w), 0);
	show_ws("master", m);
	CHECK_ERR("TIOCGWINSZ EFAULT", ioctl(s, TIOCGWINSZ, BAD_LOW), EFAULT);
	CHECK_ERR("TIOCSWINSZ EFAULT", ioctl(m, TIOCSWINSZ, BAD_LOW), EFAULT);
	pty_end(m, s);
}

CONTRACT_TEST(queues)
{
	int m, s, n = -1;

	if (pty_begin(&m, &s, 0))
		return;
	tflags(s, T_L, ECHO, 0);
	CHECK_RET("TIOCOUTQ slave", ioctl(s, TIOCOUTQ, &n), 0);
	CHECK_EQ("value", n, 0);
	CHECK_RET("TIOCOUTQ master", ioctl(m, TIOCOUTQ, &n), 0);
	CHECK_EQ("value", n, 0);
	wr(m, "one\ntw");
	CHECK_EQ("slave readable", prevents(s, POLLIN, 2000), POLLIN);
	CHECK_RET("canonical FIONREAD: complete lines only", inq(s), 4);
	n = -1;
	CHECK_RET("TIOCINQ", ioctl(s, TIOCINQ, &n), 0);
	CHECK_EQ("value", n, 4);
	traw(s, 1, 0);
	CHECK_RET("non-canonical FIONREAD: every byte", inq(s), 6);
	wr(s, "12345");
	CHECK_EQ("master readable", prevents(m, POLLIN, 2000), POLLIN);
	CHECK_RET("master FIONREAD", inq(m), 5);
	CHECK_RET("slave TIOCOUTQ after a write", ioctl(s, TIOCOUTQ, &n), 0);
	CHECK_EQ("value", n, 0);
	pty_end(m, s);
}

/* TIOCSTI as a user without privileges on a tty that is not its
 * controlling terminal. */
static void sti_user(void *arg)
{
	int s = *(int *)arg;
	char c = 'u';

	setgroups(0, NULL);
	EXPECT(setgid(1000) == 0 && setuid(1000) == 0);
	CHECK_ERR("TIOCSTI as uid 1000, not the controlling tty",
		  ioctl(s, TIOCSTI, &c), EPERM);
}

CONTRACT_TEST(tiocsti)
{
	char c = 'q';
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	traw(s, 1, 0);
	CHECK_RET("TIOCSTI on the slave as root", ioctl(s, TIOCSTI, &c), 0);
	CHECK_READ("slave reads it", s, "q");
	c = 'r';
	CHECK_RET("TIOCSTI on the master", ioctl(m, TIOCSTI, &c), 0);
	CHECK_READ("the master reads it", m, "r");
	CHECK_ERR("TIOCSTI EFAULT", ioctl(s, TIOCSTI, BAD_LOW), EFAULT);
	ct_child_ok("user", sti_user, &s);
	pty_end(m, s);
}

static void excl_user(void *arg)
{
	const char *path = arg;

	setgroups(0, NULL);
	EXPECT(setgid(1000) == 0 && setuid(1000) == 0);
	CHECK_ERR("open as uid 1000 while exclusive", open(path, O_RDWR),
		  EBUSY);
}

static void nexcl_user(void *arg)
{
	int fd;

	setgroups(0, NULL);
	EXPECT(setgid(1000) == 0 && setuid(1000) == 0);
	fd = open(arg, O_RDWR | O_NOCTTY);
	CHECK("open as uid 1000 once not exclusive", fd >= 0);
	close(fd);
}

CONTRACT_TEST(exclusive)
{
	char path[32];
	int m, s, n, x = -1, fd;

	if (pty_begin(&m, &s, 0))
		return;
	ioctl(m, TIOCGPTN, &n);
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	CHECK_RET("chmod 0666", chmod(path, 0666), 0);
	CHECK_RET("TIOCGEXCL", ioctl(s, TIOCGEXCL, &x), 0);
	CHECK_EQ("value", x, 0);
	CHECK_RET("TIOCEXCL", ioctl(s, TIOCEXCL), 0);
	ioctl(s, TIOCGEXCL, &x);
	CHECK_EQ("TIOCGEXCL", x, 1);
	fd = open(path, O_RDWR | O_NOCTTY);
	CHECK("root opens it anyway", fd >= 0);
	close(fd);
	ct_child_ok("user", excl_user, path);
	CHECK_RET("TIOCNXCL", ioctl(s, TIOCNXCL), 0);
	ct_child_ok("user", nexcl_user, path);
	CHECK_RET("TIOCEXCL on the master", ioctl(m, TIOCEXCL), 0);
	ioctl(m, TIOCGEXCL, &x);
	CHECK_EQ("master TIOCGEXCL", x, 1);
	ioctl(s, TIOCGEXCL, &x);
	CHECK_EQ("slave TIOCGEXCL: the master's flag is its own", x, 0);
	ct_child_ok("user", nexcl_user, path);
	pty_end(m, s);
}

CONTRACT_TEST(ldisc)
{
	int m, s, d = -1;

	if (pty_begin(&m, &s, 0))
		return;
	CHECK_RET("TIOCGETD", ioctl(s, TIOCGETD, &d), 0);
	CHECK_EQ("N_TTY", d, 0);
	d = 0;
	CHECK_RET("TIOCSETD N_TTY", ioctl(s, TIOCSETD, &d), 0);
	d = -1;
	CHECK_ERR("TIOCSETD -1", ioctl(s, TIOCSETD, &d), EINVAL);
	d = 99;
	CHECK_ERR("TIOCSETD 99", ioctl(s, TIOCSETD, &d), EINVAL);
	CHECK_ERR("TIOCSETD EFAULT", ioctl(s, TIOCSETD, BAD_LOW), EFAULT);
	pty_end(m, s);
}

CONTRACT_TEST(enotty)
{
	struct kterm t;
	int p[2], f, n, m, s;

	if (pty_begin(&m, &s, 0))
		return;
	f = open("/dev/null", O_RDWR);
	CHECK_ERR("TCGETS /dev/null", tget(f, &t), ENOTTY);
	CHECK_ERR("TIOCGWINSZ /dev/null",
		  ioctl(f, TIOCGWINSZ, &(struct winsize){ 0 }), ENOTTY);
	CHECK_ERR("TIOCGPGRP /dev/null", ioctl(f, TIOCGPGRP, &n), ENOTTY);
	CHECK_RET("isatty /dev/null", isatty(f), 0);
	close(f);
	f = open(DATA "/small", O_RDONLY);
	CHECK_ERR("TCGETS a file", tget(f, &t), ENOTTY);
	CHECK_ERR("TCSETS a file", tset(f, TCSETS, &t), ENOTTY);
	close(f);
	pipe(p);
	CHECK_ERR("TCGETS a pipe", tget(p[0], &t), ENOTTY);
	close(p[0]);
	close(p[1]);
	CHECK_ERR("TCGETS a closed fd", tget(p[0], &t), EBADF);
	CHECK_RET("isatty slave", isatty(s), 1);
	CHECK_RET("isatty master", isatty(m), 1);
	CHECK_ERR("TIOCGPTN on the slave", ioctl(s, TIOCGPTN, &n), ENOTTY);
	CHECK_ERR("ioctl 0x54ff on the slave", ioctl(s, 0x54ff, &n), ENOTTY);
	CHECK_ERR("ioctl 0x1234 on the master", ioctl(m, 0x1234, &n), ENOTTY);
	pty_end(m, s);
}

CONTRACT_TEST(efault)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	CHECK_ERR("TCGETS", ioctl(s, TCGETS, BAD_LOW), EFAULT);
	CHECK_ERR("TCSETS", ioctl(s, TCSETS, BAD_LOW), EFAULT);
	CHECK_ERR("TCSETSW", ioctl(s, TCSETSW, BAD_KERN), EFAULT);
	CHECK_ERR("TCGETS2", ioctl(s, K_TCGETS2, BAD_NONCANON), EFAULT);
	CHECK_ERR("TCSETS2", ioctl(s, K_TCSETS2, BAD_LOW), EFAULT);
	CHECK_ERR("FIONREAD", ioctl(s, FIONREAD, BAD_LOW), EFAULT);
	CHECK_ERR("TIOCOUTQ", ioctl(s, TIOCOUTQ, BAD_LOW), EFAULT);
	CHECK_ERR("TIOCGPTN", ioctl(m, TIOCGPTN, BAD_LOW), EFAULT);
	CHECK_ERR("TIOCSPTLCK", ioctl(m, TIOCSPTLCK, BAD_LOW), EFAULT);
	CHECK_ERR("TIOCGETD", ioctl(s, TIOCGETD, BAD_LOW), EFAULT);
	CHECK_ERR("TCGETS on the master", ioctl(m, TCGETS, BAD_LOW), EFAULT);
	pty_end(m, s);
}

/* ---- the line discipline ---------------------------------------- */

CONTRACT_TEST(canon_line)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	wr(m, "hello\n");
	CHECK_READ("slave reads the line", s, "hello\n");
	CHECK_ALL("echo on the master (ONLCR)", m, "hello\r\n");
	wr(m, "one\ntwo\n");
	CHECK_READ("one line per read", s, "one\n");
	CHECK_READ("then the next", s, "two\n");
	CHECK_ALL("echo", m, "one\r\ntwo\r\n");
	wr(m, "hello\n");
	CHECK_READN("read(3) of a line", s, 3, "hel");
	CHECK_READN("read(100): the rest", s, 100, "lo\n");
	wr(m, "a\r");
	CHECK_READ("CR ends a line (ICRNL)", s, "a\n");
	pty_end(m, s);
}

CONTRACT_TEST(canon_incomplete)
{
	char c;
	int m, s;

	if (pty_begin(&m, &s, O_NONBLOCK))
		return;
	wr(m, "abc");
	CHECK_ALL("echo: the input was seen", m, "abc");
	CHECK_ERR("read: no line yet", read(s, &c, 1), EAGAIN);
	CHECK_EQ("poll: not readable", prevents(s, POLLIN | POLLOUT, 0),
		 POLLOUT);
	CHECK_RET("FIONREAD", inq(s), 0);
	wr(m, "\n");
	CHECK_EQ("poll once the line ends", prevents(s, POLLIN, 2000), POLLIN);
	CHECK_READ("read", s, "abc\n");
	pty_end(m, s);
}

CONTRACT_TEST(erase)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	wr(m, "abx\x7f"
	      "c\n");
	CHECK_READ("VERASE", s, "abc\n");
	CHECK_ALL("echo (ECHOE)", m, "abx\b \bc\r\n");
	wr(m, "\x7f\x7f"
	      "d\n");
	CHECK_READ("VERASE at the start of a line", s, "d\n");
	CHECK_ALL("echo", m, "d\r\n");
	wr(m, "a\tb\x7f\x7f"
	      "c\n");
	CHECK_READ("erasing a tab", s, "ac\n");
	/* the tab went from column 1 to 8: seven backspaces */
	CHECK_ALL("echo", m,
		  "a\tb\b \b"
		  "\b\b\b\b\b\b\b"
		  "c\r\n");
	tflags(s, T_L, ECHOE, 0);
	wr(m, "xy\x7f\n");
	CHECK_READ("VERASE without ECHOE", s, "x\n");
	CHECK_ALL("echo", m, "xy^?\r\n");
	tflags(s, T_L, ECHOCTL, ECHOE | ECHOPRT);
	wr(m, "xyz\x7f\x7f"
	      "w\n");
	CHECK_READ("VERASE with ECHOPRT", s, "xw\n");
	/* "\" before the erased characters, "/" when typing goes on */
	CHECK_ALL("echo", m, "xyz\\zy/w\r\n");
	pty_end(m, s);
}

CONTRACT_TEST(kill)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	wr(m, "junk\x15ok\n");
	CHECK_READ("VKILL", s, "ok\n");
	CHECK_ALL("echo (ECHOKE)", m, "junk\b \b\b \b\b \b\b \bok\r\n");
	tflags(s, T_L, ECHOKE, 0);
	wr(m, "junk\x15ok\n");
	CHECK_READ("VKILL", s, "ok\n");
	CHECK_ALL("echo (ECHOK, no ECHOKE)", m, "junk^U\r\nok\r\n");
	tflags(s, T_L, ECHOK, 0);
	wr(m, "junk\x15ok\n");
	CHECK_READ("VKILL", s, "ok\n");
	CHECK_ALL("echo (no ECHOK)", m, "junk^Uok\r\n");
	pty_end(m, s);
}

CONTRACT_TEST(werase)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	wr(m, "one two\x17three\n");
	CHECK_READ("VWERASE", s, "one three\n");
	CHECK_ALL("echo", m, "one two\b \b\b \b\b \bthree\r\n");
	wr(m, "a b  \x17x\n");
	CHECK_READ("trailing blanks go too", s, "a x\n");
	CHECK_ALL("echo", m, "a b  \b \b\b \b\b \bx\r\n");
	tflags(s, T_L, IEXTEN, 0);
	wr(m, "one two\x17\n");
	CHECK_READ("without IEXTEN: plain data", s, "one two\x17\n");
	CHECK_ALL("echo", m, "one two^W\r\n");
	pty_end(m, s);
}

CONTRACT_TEST(lnext)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	wr(m, "a\x16\x7f\x16\x15\x16\x16"
	      "b\n");
	CHECK_READ("VLNEXT quotes ERASE, KILL, LNEXT", s,
		   "a\x7f\x15\x16"
		   "b\n");
	CHECK_ALL("echo", m, "a^\b^?^\b^U^\b^Vb\r\n");
	wr(m, "x\x16\n\n");
	CHECK_READ("a quoted newline does not end the line", s, "x\n\n");
	CHECK_ALL("echo: the quoted newline as ^J", m, "x^\b^J\r\n");
	pty_end(m, s);
}

CONTRACT_TEST(eof)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	wr(m, "\x04");
	CHECK_READ_RET("VEOF at the start of a line: read 0", s, 2000, 0, 0);
	wr(m, "ab\x04");
	CHECK_READ("VEOF after data: the data, no newline", s, "ab");
	wr(m, "\x04");
	CHECK_READ_RET("VEOF again: 0", s, 2000, 0, 0);
	wr(m, "cd\x04\x04");
	CHECK_READ("data then two VEOFs", s, "cd");
	CHECK_READ_RET("then 0", s, 2000, 0, 0);
	CHECK_ALL("VEOF is not echoed", m, "abcd");
	tflags(s, T_L, ICANON, 0);
	wr(m, "x\x04");
	CHECK_READ("non-canonical: VEOF is data", s, "x\x04");
	pty_end(m, s);
}

CONTRACT_TEST(eol)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	tcc(s, VEOL, '!');
	tcc(s, VEOL2, '@');
	wr(m, "ab!cd@ef\n");
	CHECK_READ("VEOL ends a line", s, "ab!");
	CHECK_READ("VEOL2 ends a line", s, "cd@");
	CHECK_READ("newline", s, "ef\n");
	CHECK_ALL("echo", m, "ab!cd@ef\r\n");
	tflags(s, T_L, IEXTEN, 0);
	wr(m, "gh@ij!");
	CHECK_READ("VEOL2 needs IEXTEN", s, "gh@ij!");
	pty_end(m, s);
}

static void show_input(int m, int s, unsigned int iflag, const char *in,
		       const char *want)
{
	char label[64];
	struct kterm t;

	tget(s, &t);
	t.iflag = iflag;
	tset(s, TCSETS, &t);
	wr(m, in);
	snprintf(label, sizeof(label), "c_iflag %#o", iflag);
	CHECK_READ(label, s, want);
}

CONTRACT_TEST(input_cr_nl)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	traw(s, 1, 0);
	show_input(m, s, 0, "x\ny\r", "x\ny\r");
	show_input(m, s, ICRNL, "x\ny\r", "x\ny\n");
	show_input(m, s, INLCR, "x\ny\r", "x\ry\r");
	show_input(m, s, INLCR | ICRNL, "x\ny\r", "x\ry\n");
	show_input(m, s, IGNCR, "x\ny\rz", "x\nyz");
	show_input(m, s, IGNCR | ICRNL, "x\r\n", "x\n");
	show_input(m, s, ISTRIP, "\xe9\xc1", "iA");
	show_input(m, s, IUCLC, "AbC", "AbC");
	tflags(s, T_L, 0, IEXTEN);
	show_input(m, s, IUCLC, "AbC", "abc");
	pty_end(m, s);
}

static void show_output(int m, int s, unsigned int oflag, const char *out,
			const char *want)
{
	char label[64];
	struct kterm t;

	tget(s, &t);
	t.oflag = oflag;
	tset(s, TCSETS, &t);
	wr(s, out);
	snprintf(label, sizeof(label), "c_oflag %#o", oflag);
	check_all(__FILE__, __LINE__, label, m, want, strlen(want));
}

CONTRACT_TEST(output)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	show_output(m, s, OPOST | ONLCR, "a\nb\r", "a\r\nb\r");
	show_output(m, s, ONLCR, "a\nb\r", "a\nb\r");
	show_output(m, s, OPOST, "a\nb\r", "a\nb\r");
	/*
	 * The output column carries over from write to write: a newline
	 * without ONLCR or ONLRET keeps it (column 2 after this one).
	 */
	show_output(m, s, OPOST | OCRNL, "a\rb\n", "a\nb\n");
	/* ONOCR: a CR at column 2 goes out, at column 0 it does not */
	show_output(m, s, OPOST | ONOCR, "\rab\r\r", "\rab\r");
	show_output(m, s, OPOST | ONOCR, "\rx", "x");
	show_output(m, s, OPOST | ONLCR | ONLRET, "ab\ncd", "ab\r\ncd");
	/* from column 2: tab stops at 8 and 16 */
	show_output(m, s, OPOST | XTABS, "a\tbc\tx", "a     bc      x");
	show_output(m, s, OPOST | OLCUC, "abC1", "ABC1");
	show_output(m, s, OPOST | ONLCR | OCRNL, "\r\n", "\n\r\n");
	pty_end(m, s);
}

CONTRACT_TEST(echo)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	wr(m, "\x01\t\x1b[A\n");
	CHECK_READ("control bytes are data", s, "\x01\t\x1b[A\n");
	CHECK_ALL("ECHOCTL: ^A, a tab as itself, ^[", m, "^A\t^[[A\r\n");
	tflags(s, T_L, ECHOCTL, 0);
	wr(m, "\x01\x1b\n");
	CHECK_READ("read", s, "\x01\x1b\n");
	CHECK_ALL("without ECHOCTL: as they are", m, "\x01\x1b\r\n");
	tflags(s, T_L, ECHO, 0);
	wr(m, "quiet\n");
	CHECK_READ("read", s, "quiet\n");
	CHECK_ALL("no ECHO: nothing", m, "");
	tflags(s, T_L, 0, ECHONL);
	wr(m, "quiet\n");
	CHECK_READ("read", s, "quiet\n");
	CHECK_ALL("ECHONL without ECHO: the newline", m, "\r\n");
	traw(s, 1, 0);
	tflags(s, T_L, 0, ECHO);
	wr(m, "r\n\x03");
	CHECK_READ("non-canonical read", s, "r\n\x03");
	CHECK_ALL("non-canonical ECHO, no OPOST", m, "r\n\x03");
	pty_end(m, s);
}

/*
 * The signal characters with ISIG on a tty that no session has: no
 * signal (no foreground group), but the echo and the flush happen.
 * Echo waits in the line discipline until the input that came with it
 * is processed: the flush takes the echo of the discarded line too
 * (each write here reaches the slave in one piece).
 */
CONTRACT_TEST(isig_no_group)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	wr(m, "abc\x03"
	      "x\n");
	CHECK_READ("VINTR discards the partial line", s, "x\n");
	CHECK_ALL("echo: not that of the discarded line", m, "^Cx\r\n");
	wr(m, "de\x1c"
	      "y\n");
	CHECK_READ("VQUIT too", s, "y\n");
	CHECK_ALL("echo", m, "^\\y\r\n");
	wr(m, "fg\x1a"
	      "z\n");
	CHECK_READ("VSUSP too", s, "z\n");
	CHECK_ALL("echo", m, "^Zz\r\n");
	wr(m, "abc\x03\t\x7f"
	      "w\n");
	CHECK_READ("a tab erased after VINTR", s, "w\n");
	/* the discarded echo moved no column: ^C ends at 2, the tab at 8 */
	CHECK_ALL("echo", m, "^C\t\b\b\b\b\b\bw\r\n");
	wr(m, "ab");
	CHECK_ALL("echo of a separate write", m, "ab");
	wr(m, "\x03"
	      "v\n");
	CHECK_READ("VINTR", s, "v\n");
	CHECK_ALL("echo: what was shown stays", m, "^Cv\r\n");
	tflags(s, T_L, 0, NOFLSH);
	wr(m, "abc\x03"
	      "x\n");
	CHECK_READ("NOFLSH keeps it", s, "abcx\n");
	CHECK_ALL("echo", m, "abc^Cx\r\n");
	tflags(s, T_L, ISIG, 0);
	wr(m, "a\x03\x1c\x1a\n");
	CHECK_READ("without ISIG: data", s, "a\x03\x1c\x1a\n");
	CHECK_ALL("echo", m, "a^C^\\^Z\r\n");
	pty_end(m, s);
}

CONTRACT_TEST(vmin_vtime)
{
	char buf[16];
	long n;
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	traw(s, 0, 0);
	CHECK_RET("VMIN 0 VTIME 0, nothing there: 0", read(s, buf, 16), 0);
	wr(m, "xy");
	CHECK_READ("data there: read it", s, "xy");
	traw(s, 3, 0);
	wr(m, "ab");
	CHECK_EQ("VMIN 3, 2 bytes: poll not readable", prevents(s, POLLIN, 200),
		 0);
	/* read takes bytes as they come: a signal (the guard's) ends the
	 * wait for the third, and read returns the two it has */
	guard_on(300);
	errno = 0;
	n = read(s, buf, 16);
	say_data("read waits for the third, the guard ends it", buf, n);
	CHECK("what came before the signal", n == 2 && !memcmp(buf, "ab", 2));
	CHECK("the guard fired", guard_fired());
	guard_off();
	wr(m, "cde");
	CHECK_EQ("poll at 3 bytes", prevents(s, POLLIN, 2000), POLLIN);
	CHECK_READ("read", s, "cde");
	traw(s, 0, 2);
	guard_on(3000);
	CHECK_RET("VMIN 0 VTIME 2, nothing: 0 once the time is up",
		  read(s, buf, 16), 0);
	guard_off();
	wr(m, "d");
	CHECK_READ("with data", s, "d");
	traw(s, 5, 1);
	wr(m, "ef");
	guard_on(3000);
	CHECK_EQ("VMIN 5 VTIME 1: readable at one byte",
		 prevents(s, POLLIN, 2000), POLLIN);
	errno = 0;
	n = read(s, buf, 16);
	say_data("read: what came before the inter-byte timer", buf, n);
	CHECK("ef", n == 2 && !memcmp(buf, "ef", 2));
	guard_off();
	traw(s, 2, 0);
	wr(m, "ghijk");
	CHECK_EQ("VMIN 2, 5 bytes", prevents(s, POLLIN, 2000), POLLIN);
	CHECK_READN("read(3): what fits", s, 3, "ghi");
	CHECK_READN("read(16): the rest, below VMIN", s, 16, "jk");
	pty_end(m, s);
}

CONTRACT_TEST(nonblock)
{
	char c;
	int m, s;

	if (pty_begin(&m, &s, O_NONBLOCK))
		return;
	fcntl(m, F_SETFL, O_NONBLOCK);
	CHECK_ERR("master, nothing to read", read(m, &c, 1), EAGAIN);
	CHECK_ERR("slave (canonical), nothing", read(s, &c, 1), EAGAIN);
	traw(s, 1, 0);
	CHECK_ERR("slave (VMIN 1), nothing", read(s, &c, 1), EAGAIN);
	traw(s, 0, 0);
	CHECK_RET("slave (VMIN 0 VTIME 0), nothing: 0", read(s, &c, 1), 0);
	traw(s, 0, 5);
	CHECK_ERR("slave (VMIN 0 VTIME 5), nothing", read(s, &c, 1), EAGAIN);
	wr(m, "z");
	CHECK_READ("then data", s, "z");
	pty_end(m, s);
}

CONTRACT_TEST(poll)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	CHECK_EQX("master", prevents(m, POLLIN | POLLOUT | POLLPRI, 0),
		  POLLOUT);
	CHECK_EQX("slave", prevents(s, POLLIN | POLLOUT | POLLPRI, 0), POLLOUT);
	CHECK_EQX("master, POLLRDNORM|POLLWRNORM",
		  prevents(m, POLLRDNORM | POLLWRNORM, 0), POLLWRNORM);
	tflags(s, T_L, ECHO, 0);
	wr(s, "x");
	CHECK_EQX("master once the slave wrote", prevents(m, POLLIN, 2000),
		  POLLIN);
	CHECK_EQX("all of it", prevents(m, POLLIN | POLLOUT | POLLRDNORM, 0),
		  POLLIN | POLLOUT | POLLRDNORM);
	wr(m, "ab");
	CHECK_EQX("slave, a partial line", prevents(s, POLLIN, 100), 0);
	wr(m, "\n");
	CHECK_EQX("slave, a line", prevents(s, POLLIN, 2000), POLLIN);
	CHECK_EQX("slave, all", prevents(s, POLLIN | POLLOUT | POLLRDNORM, 0),
		  POLLIN | POLLOUT | POLLRDNORM);
	pty_end(m, s);
}

/* Echo waits while output is stopped; a signal character drops it. */
CONTRACT_TEST(echo_stopped)
{
	int m, s;

	if (pty_begin(&m, &s, 0))
		return;
	wr(m, "\x13"
	      "ab\n");
	CHECK_READ("slave reads", s, "ab\n");
	CHECK_ALL("no echo while stopped", m, "");
	wr(m, "\x11");
	CHECK_ALL("^Q lets it out", m, "ab\r\n");
	wr(m, "\x13"
	      "cd");
	CHECK_ALL("stopped", m, "");
	wr(m, "\x03"
	      "e\n");
	CHECK_READ("slave reads", s, "e\n");
	CHECK_ALL("^C restarts output; the waiting echo is gone", m, "^Ce\r\n");
	tflags(s, T_L, 0, NOFLSH);
	wr(m, "\x13"
	      "fg");
	CHECK_ALL("stopped", m, "");
	wr(m, "\x03"
	      "h\n");
	CHECK_READ("NOFLSH: the line stays", s, "fgh\n");
	CHECK_ALL("and so does its echo", m, "fg^Ch\r\n");
	pty_end(m, s);
}

/* TCOOFF and ^S stop output apart: TCOON restarts only what TCOOFF
 * stopped, ^Q only what ^S stopped. */
CONTRACT_TEST(tcooff_and_stop)
{
	int m, s;

	if (pty_begin(&m, &s, O_NONBLOCK))
		return;
	traw(s, 1, 0);
	tflags(s, T_I, 0, IXON);
	CHECK_RET("TCXONC TCOOFF", ioctl(s, TCXONC, TCOOFF), 0);
	wr(m, "\x11"
	      "a");
	CHECK_READ("^Q is not data", s, "a");
	CHECK_ERR("still stopped after ^Q", write(s, "x", 1), EAGAIN);
	CHECK_RET("TCXONC TCOON", ioctl(s, TCXONC, TCOON), 0);
	CHECK_RET("write after TCOON", write(s, "x", 1), 1);
	CHECK_ALL("master reads", m, "x");
	wr(m, "\x13"
	      "b");
	CHECK_READ("^S is not data", s, "b");
	CHECK_RET("TCXONC TCOON after ^S", ioctl(s, TCXONC, TCOON), 0);
	CHECK_ERR("still stopped after TCOON", write(s, "y", 1), EAGAIN);
	wr(m, "\x11"
	      "c");
	CHECK_READ("^Q", s, "c");
	CHECK_RET("write after ^Q", write(s, "y", 1), 1);
	CHECK_ALL("master reads", m, "y");
	pty_end(m, s);
}

CONTRACT_TEST(ixon)
{
	int m, s;

	if (pty_begin(&m, &s, O_NONBLOCK))
		return;
	traw(s, 1, 0);
	tflags(s, T_I, 0, IXON);
	wr(m, "\x13"
	      "m");
	CHECK_READ("^S is not data", s, "m");
	CHECK_ERR("slave write once stopped", write(s, "out", 3), EAGAIN);
	CHECK_ALL("nothing on the master", m, "");
	wr(m, "a");
	CHECK_READ("input still flows", s, "a");
	CHECK_ERR("output does not", write(s, "out", 3), EAGAIN);
	wr(m, "\x11"
	      "n");
	CHECK_READ("^Q is not data", s, "n");
	CHECK_RET("slave write once restarted", write(s, "out", 3), 3);
	CHECK_ALL("master reads", m, "out");
	wr(m, "\x13"
	      "m");
	CHECK_READ("stopped again", s, "m");
	tflags(s, T_I, 0, IXANY);
	CHECK_ERR("write (IXANY set while stopped)", write(s, "x", 1), EAGAIN);
	wr(m, "z");
	CHECK_READ("IXANY: any character restarts (and is data)", s, "z");
	CHECK_RET("write", write(s, "x", 1), 1);
	CHECK_ALL("master reads", m, "x");
	wr(m, "\x13"
	      "y");
	CHECK_READ("IXANY: the byte after ^S restarts at once", s, "y");
	CHECK_RET("write", write(s, "x", 1), 1);
	CHECK_ALL("master reads", m, "x");
	tflags(s, T_I, IXANY, 0);
	tcc(s, VSTOP, 's');
	tcc(s, VSTART, 'q');
	wr(m, "s\x13"
	      "e");
	CHECK_READ("VSTOP changed: ^S is data", s,
		   "\x13"
		   "e");
	CHECK_ERR("write", write(s, "x", 1), EAGAIN);
	wr(m, "qw");
	CHECK_READ("VSTART restarts", s, "w");
	CHECK_RET("write", write(s, "x", 1), 1);
	tflags(s, T_I, IXON, 0);
	wr(m, "s\x11");
	CHECK_READ("no IXON: data", s, "s\x11");
	CHECK_ALL("master", m, "x");
	pty_end(m, s);
}
