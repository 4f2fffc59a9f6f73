/*
 * Helpers for the terminal areas (tty, pty, jobctl; issue 10): a devpts
 * instance of the test's own on /dev/pts, pty pairs, the kernel's termios
 * structures (raw ioctls: the C libraries' struct termios differ from the
 * kernel's and from each other), bounded reads (a pty's line discipline
 * works asynchronously on Linux: what the master writes reaches the
 * slave's reader a little later, so every read polls first, with a
 * timeout, and never blocks forever), and escaping of control bytes.
 */
#ifndef TTYLIB_H
#define TTYLIB_H

#include <sys/ioctl.h>
#include <termios.h>

#include "proclib.h"

/* The kernel's struct termios (TCGETS) and struct termios2 (TCGETS2). */
#define K_NCCS 19
struct kterm {
	unsigned int iflag, oflag, cflag, lflag;
	unsigned char line;
	unsigned char cc[K_NCCS];
};

struct kterm2 {
	unsigned int iflag, oflag, cflag, lflag;
	unsigned char line;
	unsigned char cc[K_NCCS];
	unsigned int ispeed, ospeed;
};

/* glibc's <asm/ioctls.h> names struct termios2, which no header here
 * defines: own names. */
#define K_TCGETS2 _IOR('T', 0x2A, struct kterm2)
#define K_TCSETS2 _IOW('T', 0x2B, struct kterm2)
#define K_TCSETSW2 _IOW('T', 0x2C, struct kterm2)
#define K_TCSETSF2 _IOW('T', 0x2D, struct kterm2)
#define K_TIOCGPTPEER _IO('T', 0x41)
#define K_BOTHER 0010000
#define K_CBAUD 0010017
#define K_IBSHIFT 16

/* The devpts options of the tests' instance: those of a usual system. */
#define PTS_OPTS "gid=5,mode=0620,ptmxmode=0666"
#define DEVPTS_MAGIC 0x1cd1

/*
 * Mount a fresh devpts instance on /dev/pts (making the directory if the
 * tree lacks it), so pty numbers start at 0 in every test; pts_umount
 * takes it away at the end of the test.  Report failures.
 */
int pts_mount(void);
void pts_umount(void);

/*
 * Open a pty pair: the master from /dev/ptmx (O_RDWR|O_NOCTTY|mflags),
 * unlock it, and the slave /dev/pts/N (O_RDWR|sflags).  Returns N and
 * sets *m, *s; -1 with both -1 on failure (reported).
 */
int pty_pair(int *m, int *s, int mflags, int sflags);
/* Close both if open. */
void pty_close(int m, int s);
/* pts_mount + pty_pair(m, s, 0, O_NOCTTY | sflags): 0, or -1 (nothing
 * left mounted or open); pty_end closes both and unmounts. */
int pty_begin(int *m, int *s, int sflags);
void pty_end(int m, int s);

/* TCGETS/TCSETS with the kernel's structure; 0 or -1. */
int tget(int fd, struct kterm *t);
int tset(int fd, unsigned long cmd, const struct kterm *t);
/* Non-canonical, no echo, no signals, no input or output processing,
 * VMIN/VTIME as given (TCSETS). */
int traw(int fd, int vmin, int vtime);
/* Change lflag/iflag/oflag: clear then set bits (TCSETS). */
int tflags(int fd, int which, unsigned int clear, unsigned int set);
#define T_I 0
#define T_O 1
#define T_L 3
/* Set c_cc[idx]. */
int tcc(int fd, int idx, int val);

/*
 * One read(2) once fd is readable: poll up to ms for POLLIN (or any
 * event), then read up to max bytes.  Returns what read returned, or
 * -2 if fd did not become readable in time.  (Reads are retried after
 * EINTR.)
 */
long rd1(int fd, char *buf, size_t max, int ms);
/*
 * Read from fd until want bytes have come or ms has passed without data,
 * then collect anything that follows within a short while.  Returns the
 * byte count (EOF, EIO or other errors end the collection).
 */
long rdall(int fd, char *buf, size_t max, size_t want, int ms);
/* Drop whatever fd has to read now and in the next few ms. */
void drain(int fd, int ms);

/* buf[0..n) as a C string literal ("a\r\n^C" -> "a\\r\\n\\x03"). */
const char *esc(const char *buf, long n);
/* Print "label: <n> \"escaped\"" or "label: -1 EIO" or "label: timeout". */
void say_data(const char *label, const char *buf, long n);
/* One read (rd1) printed with say_data and checked against want: a
 * string, or NULL with wantret the expected result (0, -1 with errno
 * wanterr, -2 timeout). */
void check_read(const char *file, int line, const char *label, int fd,
		size_t max, int ms, const char *want, long wantret,
		int wanterr);
#define CHECK_READ(label, fd, want) \
	check_read(__FILE__, __LINE__, label, fd, 512, 2000, want, 0, 0)
#define CHECK_READN(label, fd, max, want) \
	check_read(__FILE__, __LINE__, label, fd, max, 2000, want, 0, 0)
#define CHECK_READ_RET(label, fd, ms, ret, err) \
	check_read(__FILE__, __LINE__, label, fd, 512, ms, NULL, ret, err)
/* rdall on fd compared with want (the echo or output seen on a master). */
void check_all(const char *file, int line, const char *label, int fd,
	       const char *want, long wantlen);
#define CHECK_ALL(label, fd, want) \
	check_all(__FILE__, __LINE__, label, fd, want, sizeof(want) - 1)

/* poll(2) one fd for events with timeout ms: revents, or -1. */
int prevents(int fd, int events, int ms);
/* write all of s (strlen) to fd; EXPECTs success. */
void wr(int fd, const char *s);
/* FIONREAD as a value (-1 with errno on failure). */
long inq(int fd);

/*
 * A guard for a blocking call in the main program: SIGALRM caught
 * (without SA_RESTART) and ITIMER_REAL armed for ms, so the call ends
 * with EINTR instead of hanging.  guard_off disarms and restores SIG_DFL.
 * guard_fired says whether the alarm came.
 */
void guard_on(long ms);
void guard_off(void);
int guard_fired(void);

#endif
