/*
 * Helpers for the terminal areas: see ttylib.h.
 */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/time.h>

#include "ttylib.h"

int pts_mount(void)
{
	struct stat st;

	if (stat("/dev/pts", &st) != 0 && mkdir("/dev/pts", 0755) != 0) {
		ct_fail(__FILE__, __LINE__, "mkdir /dev/pts: %s",
			ct_errname(errno));
		return -1;
	}
	if (mount("devpts", "/dev/pts", "devpts", 0, PTS_OPTS) != 0) {
		ct_fail(__FILE__, __LINE__, "mount devpts: %s",
			ct_errname(errno));
		return -1;
	}
	return 0;
}

void pts_umount(void)
{
	struct stat st;

	if (stat("/dev/pts/ptmx", &st) != 0 && errno == ENOENT)
		return; /* not ours (the mount failed) */
	if (umount("/dev/pts") != 0) {
		ct_fail(__FILE__, __LINE__, "umount /dev/pts: %s",
			ct_errname(errno));
		umount2("/dev/pts", MNT_DETACH);
	}
}

int pty_pair(int *m, int *s, int mflags, int sflags)
{
	char path[32];
	int n = -1, unlock = 0;

	*s = -1;
	*m = open("/dev/ptmx", O_RDWR | O_NOCTTY | mflags);
	if (*m < 0) {
		ct_fail(__FILE__, __LINE__, "open /dev/ptmx: %s",
			ct_errname(errno));
		return -1;
	}
	if (ioctl(*m, TIOCSPTLCK, &unlock) || ioctl(*m, TIOCGPTN, &n)) {
		ct_fail(__FILE__, __LINE__, "unlock/TIOCGPTN: %s",
			ct_errname(errno));
		goto fail;
	}
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	*s = open(path, O_RDWR | sflags);
	if (*s < 0) {
		ct_fail(__FILE__, __LINE__, "open %s: %s", path,
			ct_errname(errno));
		goto fail;
	}
	return n;
fail:
	close(*m);
	*m = *s = -1;
	return -1;
}

void pty_close(int m, int s)
{
	if (s >= 0)
		close(s);
	if (m >= 0)
		close(m);
}

int pty_begin(int *m, int *s, int sflags)
{
	*m = *s = -1;
	if (pts_mount())
		return -1;
	if (pty_pair(m, s, 0, O_NOCTTY | sflags) < 0) {
		pts_umount();
		return -1;
	}
	return 0;
}

void pty_end(int m, int s)
{
	pty_close(m, s);
	pts_umount();
}

int tget(int fd, struct kterm *t)
{
	memset(t, 0, sizeof(*t));
	return ioctl(fd, TCGETS, t);
}

int tset(int fd, unsigned long cmd, const struct kterm *t)
{
	return ioctl(fd, cmd, t);
}

int traw(int fd, int vmin, int vtime)
{
	struct kterm t;

	if (tget(fd, &t))
		return -1;
	t.iflag = 0;
	t.oflag = 0;
	t.lflag = 0;
	t.cc[VMIN] = vmin;
	t.cc[VTIME] = vtime;
	return tset(fd, TCSETS, &t);
}

int tflags(int fd, int which, unsigned int clear, unsigned int set)
{
	struct kterm t;
	unsigned int *f;

	if (tget(fd, &t))
		return -1;
	f = which == T_I ? &t.iflag : which == T_O ? &t.oflag : &t.lflag;
	*f = (*f & ~clear) | set;
	return tset(fd, TCSETS, &t);
}

int tcc(int fd, int idx, int val)
{
	struct kterm t;

	if (tget(fd, &t))
		return -1;
	t.cc[idx] = val;
	return tset(fd, TCSETS, &t);
}

int prevents(int fd, int events, int ms)
{
	struct pollfd p = { fd, (short)events, 0 };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : p.revents;
}

long rd1(int fd, char *buf, size_t max, int ms)
{
	long r;

	if (prevents(fd, POLLIN, ms) == 0)
		return -2;
	do
		r = read(fd, buf, max);
	while (r < 0 && errno == EINTR);
	return r;
}

long rdall(int fd, char *buf, size_t max, size_t want, int ms)
{
	size_t n = 0;

	while (n < max) {
		int ev = prevents(fd, POLLIN, n >= want ? 50 : ms);
		long r;

		if (ev <= 0)
			break;
		r = read(fd, buf + n, max - n);
		if (r <= 0)
			break;
		n += r;
	}
	return n;
}

void drain(int fd, int ms)
{
	char junk[4096];

	while (prevents(fd, POLLIN, ms) > 0 && read(fd, junk, sizeof(junk)) > 0)
		;
}

const char *esc(const char *buf, long n)
{
	static char out[4200];
	size_t o = 0;

	for (long i = 0; i < n && o + 8 < sizeof(out); i++) {
		unsigned char c = buf[i];

		if (c == '\n')
			o += snprintf(out + o, 8, "\\n");
		else if (c == '\r')
			o += snprintf(out + o, 8, "\\r");
		else if (c == '\t')
			o += snprintf(out + o, 8, "\\t");
		else if (c == '\b')
			o += snprintf(out + o, 8, "\\b");
		else if (c == '\\' || c == '"')
			o += snprintf(out + o, 8, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += snprintf(out + o, 8, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o] = 0;
	return out;
}

void say_data(const char *label, const char *buf, long n)
{
	if (n == -2)
		ct_say("%s: timeout", label);
	else if (n < 0)
		ct_say("%s: -1 %s", label, ct_errname(errno));
	else
		ct_say("%s: %ld \"%s\"", label, n, esc(buf, n));
}

void check_read(const char *file, int line, const char *label, int fd,
		size_t max, int ms, const char *want, long wantret, int wanterr)
{
	char buf[512];
	long n;

	errno = 0;
	n = rd1(fd, buf, max < sizeof(buf) ? max : sizeof(buf), ms);
	say_data(label, buf, n);
	if (want) {
		if (n != (long)strlen(want) || memcmp(buf, want, n))
			ct_fail(file, line, "%s: want \"%s\"", label,
				esc(want, strlen(want)));
	} else if (n != wantret || (n == -1 && errno != wanterr)) {
		ct_fail(file, line, "%s: want %ld %s", label, wantret,
			wantret == -1 ? ct_errname(wanterr) : "");
	}
}

void check_all(const char *file, int line, const char *label, int fd,
	       const char *want, long wantlen)
{
	char buf[4096];
	long n = rdall(fd, buf, sizeof(buf), wantlen, 2000);

	say_data(label, buf, n);
	if (n != wantlen || memcmp(buf, want, n))
		ct_fail(file, line, "%s: want \"%s\"", label,
			esc(want, wantlen));
}

void wr(int fd, const char *s)
{
	size_t n = strlen(s);
	long r = write(fd, s, n);

	if (r != (long)n)
		ct_fail(__FILE__, __LINE__, "write %zu: %ld %s", n, r,
			r < 0 ? ct_errname(errno) : "");
}

long inq(int fd)
{
	int n = -1;

	if (ioctl(fd, FIONREAD, &n))
		return -1;
	return n;
}

static volatile int fired;

static void on_alarm(int sig)
{
	fired = 1;
}

void guard_on(long ms)
{
	fired = 0;
	ct_sigsimple(SIGALRM, on_alarm, 0);
	ct_arm_ms(ms);
}

void guard_off(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &off, NULL);
	ct_sigdfl(SIGALRM);
}

int guard_fired(void)
{
	return fired;
}
