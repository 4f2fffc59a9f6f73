/*
 * eventfd, timerfd and signalfd: creation flags and errors, the 8-byte
 * counter and expiration reads (EINVAL for short buffers, EAGAIN when
 * nonblocking, semaphore mode, overflow), timer settings (relative,
 * absolute, periodic, on each clock, the old value, gettime), signalfd
 * records (SI_USER, SI_QUEUE with values, SI_TKILL, several per read,
 * mask updates, SIGKILL/SIGSTOP dropped), readiness through poll and
 * select, blocking reads and writes woken by a child, and EINTR.  Times
 * are printed as relations only.
 */
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "proclib.h"

#define CONTRACT_AREA "fdtypes"

#define EFD_SEMAPHORE 1
#define EFD_CLOEXEC O_CLOEXEC
#define EFD_NONBLOCK O_NONBLOCK
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2

/* struct signalfd_siginfo (musl and glibc both have it; this is ABI). */
struct sfd_info {
	uint32_t signo;
	int32_t err;
	int32_t code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, sint;
	uint64_t ptr, utime, stime, addr;
	uint16_t addr_lsb, pad2;
	int32_t syscall_;
	uint64_t call_addr;
	uint32_t arch;
	uint8_t pad[28];
};

static long efd(unsigned int v, int flags)
{
	return syscall(SYS_eventfd2, v, flags);
}

static long rd8(int fd, uint64_t *v)
{
	return read(fd, v, sizeof(*v));
}

static long wr8(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v));
}

/* poll(2) with timeout 0 on one fd: the revents (or -errno). */
static int revents(int fd, int events)
{
	struct pollfd pf = { fd, (short)events, 0 };
	long r = syscall(SYS_poll, &pf, 1, 0);

	return r < 0 ? -errno : (unsigned short)pf.revents;
}

/* These files report POLLIN/POLLOUT only, never the NORM bits. */
#define RD POLLIN
#define WR POLLOUT
#define ALL (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/* select(2) with timeout 0: "r", "w", "rw" or "-". */
static const char *sel(int fd)
{
	fd_set r, w;
	struct timeval tv = { 0, 0 };
	int ir, iw;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	if (select(fd + 1, &r, &w, NULL, &tv) < 0)
		return "error";
	ir = FD_ISSET(fd, &r);
	iw = FD_ISSET(fd, &w);
	return ir && iw ? "rw" : ir ? "r" : iw ? "w" : "-";
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- eventfd -------------------------------------------------------- */

CONTRACT_TEST(eventfd_flags)
{
	int fd;

	CHECK_ERR("eventfd2 flags 0x10", efd(0, 0x10), EINVAL);
	CHECK_ERR("eventfd2 flags O_RDWR", efd(0, O_RDWR), EINVAL);
	CHECK_ERR("eventfd2 flags -1", efd(0, -1), EINVAL);
	fd = (int)syscall(SYS_eventfd, 0);
	CHECK("eventfd: fd >= 3", fd >= 3);
	CHECK_EQO("F_GETFL", fcntl(fd, F_GETFL), O_RDWR);
	CHECK_EQ("F_GETFD", fcntl(fd, F_GETFD), 0);
	CHECK_RET("lseek (a no-op)", lseek(fd, 5, SEEK_SET), 0);
	close(fd);
	fd = (int)efd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
	CHECK("eventfd2 all flags: fd >= 3", fd >= 3);
	CHECK_EQO("F_GETFL", fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK);
	CHECK_EQ("F_GETFD", fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);
}

CONTRACT_TEST(eventfd_counter)
{
	uint64_t v = 0;
	char small[7];
	int fd = (int)efd(5, EFD_NONBLOCK);

	CHECK_RET("read", rd8(fd, &v), 8);
	CHECK_EQ("value", v, 5);
	CHECK_ERR("read at 0", rd8(fd, &v), EAGAIN);
	CHECK_RET("write 3", wr8(fd, 3), 8);
	CHECK_RET("write 4", wr8(fd, 4), 8);
	CHECK_RET("write 0", wr8(fd, 0), 8);
	CHECK_ERR("read 7 bytes", read(fd, small, sizeof(small)), EINVAL);
	CHECK_ERR("write 7 bytes", write(fd, small, sizeof(small)), EINVAL);
	CHECK_ERR("write 0xffffffffffffffff", wr8(fd, ~0ULL), EINVAL);
	{
		char big[16] = { 0 };

		CHECK_RET("read 16 bytes", read(fd, big, sizeof(big)), 8);
		memcpy(&v, big, 8);
		CHECK_EQ("value", v, 7);
	}
	CHECK_RET("write max-1", wr8(fd, ~0ULL - 1), 8);
	CHECK_ERR("write 1 more", wr8(fd, 1), EAGAIN);
	CHECK_RET("write 0 at max", wr8(fd, 0), 8);
	CHECK_RET("read", rd8(fd, &v), 8);
	CHECK_EQX("value", v, ~0ULL - 1);
	CHECK_RET("write 2", wr8(fd, 2), 8);
	CHECK_ERR("write max-2 (sum max)", wr8(fd, ~0ULL - 2), EAGAIN);
	CHECK_RET("write max-3", wr8(fd, ~0ULL - 3), 8);
	CHECK_ERR("read bad buffer", syscall(SYS_read, fd, BAD_LOW, 8), EFAULT);
	CHECK_ERR("write bad buffer", syscall(SYS_write, fd, BAD_LOW, 8),
		  EFAULT);
	close(fd);

	fd = (int)efd(3, EFD_NONBLOCK | EFD_SEMAPHORE);
	for (int i = 0; i < 3; i++) {
		v = 0;
		CHECK_RET("semaphore read", rd8(fd, &v), 8);
		CHECK_EQ("value", v, 1);
	}
	CHECK_ERR("semaphore read at 0", rd8(fd, &v), EAGAIN);
	close(fd);
}

CONTRACT_TEST(eventfd_poll)
{
	int fd = (int)efd(0, EFD_NONBLOCK);
	uint64_t v;

	CHECK_EQX("count 0: revents", revents(fd, ALL | POLLPRI), WR);
	CHECK_STR("count 0: select", sel(fd), "w");
	wr8(fd, 1);
	CHECK_EQX("count 1: revents", revents(fd, ALL | POLLPRI), RD | WR);
	CHECK_STR("count 1: select", sel(fd), "rw");
	CHECK_EQX("count 1: POLLIN only", revents(fd, POLLIN), POLLIN);
	wr8(fd, ~0ULL - 2);
	CHECK_EQX("count max-1: revents", revents(fd, ALL), RD);
	CHECK_STR("count max-1: select", sel(fd), "r");
	rd8(fd, &v);
	CHECK_EQX("read: revents", revents(fd, ALL), WR);
	close(fd);
}

static volatile int alrm_sigs;

static void on_alrm(int sig)
{
	(void)sig;
	alrm_sigs++;
}

/* A child that sleeps ms, then writes v to fd / reads fd. */
static pid_t child_write(int fd, uint64_t v, long ms)
{
	pid_t pid = ct_fork();

	if (pid == 0) {
		ct_msleep(ms);
		_exit(wr8(fd, v) == 8 ? 0 : 1);
	}
	return pid;
}

static pid_t child_read(int fd, long ms)
{
	pid_t pid = ct_fork();
	uint64_t v;

	if (pid == 0) {
		ct_msleep(ms);
		_exit(rd8(fd, &v) == 8 ? 0 : 1);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int st = -1;

	waitpid(pid, &st, 0);
	CHECK_STR("child", ct_status(st), "exited 0");
}

static void eventfd_blocking(void *arg)
{
	int fd = (int)efd(0, 0);
	uint64_t v = 0;
	struct pollfd pf = { fd, POLLIN, 0 };
	pid_t pid;
	long t0;

	(void)arg;
	pid = child_write(fd, 42, 50);
	t0 = now_ms();
	CHECK_RET("blocking read", rd8(fd, &v), 8);
	CHECK_EQ("value from the child", v, 42);
	CHECK("waited for the child", now_ms() - t0 >= 30);
	reap(pid);

	pid = child_write(fd, 9, 50);
	CHECK_RET("poll waits for the child", syscall(SYS_poll, &pf, 1, 5000),
		  1);
	CHECK_EQX("revents", pf.revents, POLLIN);
	reap(pid);
	rd8(fd, &v);

	wr8(fd, ~0ULL - 1);
	pid = child_read(fd, 50);
	t0 = now_ms();
	CHECK_RET("blocking write (overflow)", wr8(fd, 5), 8);
	CHECK("waited for the child", now_ms() - t0 >= 30);
	reap(pid);
	CHECK_RET("read", rd8(fd, &v), 8);
	CHECK_EQ("value", v, 5);

	ct_sigsimple(SIGALRM, on_alrm, 0);
	ct_arm_ms(50);
	CHECK_ERR("blocking read, signal", rd8(fd, &v), EINTR);
	CHECK_EQ("handler ran", alrm_sigs, 1);
	wr8(fd, ~0ULL - 1);
	ct_arm_ms(50);
	CHECK_ERR("blocking write, signal", wr8(fd, 1), EINTR);
	CHECK_EQ("handler ran", alrm_sigs, 2);
	ct_sigdfl(SIGALRM);
	close(fd);
}

CONTRACT_TEST(eventfd_block)
{
	ct_child_ok("child", eventfd_blocking, NULL);
}

/* ---- timerfd -------------------------------------------------------- */

static long tfd_set(int fd, int flags, long vs, long vns, long is, long ins,
		    struct itimerspec *old)
{
	struct itimerspec it = { { is, ins }, { vs, vns } };

	return syscall(SYS_timerfd_settime, fd, flags, &it, old);
}

static long tfd_create(int clock, int flags)
{
	return syscall(SYS_timerfd_create, clock, flags);
}

CONTRACT_TEST(timerfd_errors)
{
	struct itimerspec cur;
	int fd, e;

	CHECK_ERR("CLOCK_PROCESS_CPUTIME_ID",
		  tfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
	CHECK_ERR("CLOCK_MONOTONIC_RAW", tfd_create(CLOCK_MONOTONIC_RAW, 0),
		  EINVAL);
	CHECK_ERR("CLOCK_TAI", tfd_create(11, 0), EINVAL);
	CHECK_ERR("clock -1", tfd_create(-1, 0), EINVAL);
	CHECK_ERR("clock 99", tfd_create(99, 0), EINVAL);
	CHECK_ERR("flags 1", tfd_create(CLOCK_MONOTONIC, 1), EINVAL);
	fd = (int)tfd_create(CLOCK_MONOTONIC, O_CLOEXEC | O_NONBLOCK);
	CHECK("fd >= 3", fd >= 3);
	CHECK_EQO("F_GETFL", fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK);
	CHECK_EQ("F_GETFD", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_ERR("settime flags 4", tfd_set(fd, 4, 1, 0, 0, 0, NULL), EINVAL);
	CHECK_ERR("value nsec 1e9", tfd_set(fd, 0, 0, 1000000000, 0, 0, NULL),
		  EINVAL);
	CHECK_ERR("value nsec -1", tfd_set(fd, 0, 1, -1, 0, 0, NULL), EINVAL);
	CHECK_ERR("value sec -1", tfd_set(fd, 0, -1, 0, 0, 0, NULL), EINVAL);
	CHECK_ERR("interval nsec 1e9",
		  tfd_set(fd, 0, 1, 0, 0, 1000000000, NULL), EINVAL);
	CHECK_ERR("disarmed, bad interval", tfd_set(fd, 0, 0, 0, 0, -5, NULL),
		  EINVAL);
	CHECK_ERR("bad value on fd -1", tfd_set(-1, 0, -1, 0, 0, 0, NULL),
		  EINVAL);
	CHECK_ERR("settime fd -1", tfd_set(-1, 0, 1, 0, 0, 0, NULL), EBADF);
	CHECK_ERR("settime fd 999", tfd_set(999, 0, 1, 0, 0, 0, NULL), EBADF);
	CHECK_ERR("settime on stdin", tfd_set(0, 0, 1, 0, 0, 0, NULL), EINVAL);
	e = (int)efd(0, 0);
	CHECK_ERR("settime on an eventfd", tfd_set(e, 0, 1, 0, 0, 0, NULL),
		  EINVAL);
	CHECK_ERR("gettime on an eventfd",
		  syscall(SYS_timerfd_gettime, e, &cur), EINVAL);
	close(e);
	CHECK_ERR("gettime fd -1", syscall(SYS_timerfd_gettime, -1, &cur),
		  EBADF);
	CHECK_ERR("settime NULL",
		  syscall(SYS_timerfd_settime, fd, 0, NULL, NULL), EFAULT);
	CHECK_ERR("settime bad new",
		  syscall(SYS_timerfd_settime, fd, 0, BAD_LOW, NULL), EFAULT);
	CHECK_ERR("gettime bad", syscall(SYS_timerfd_gettime, fd, BAD_LOW),
		  EFAULT);
	CHECK_ERR("settime bad old", tfd_set(fd, 0, 100, 0, 0, 0, BAD_LOW),
		  EFAULT);
	CHECK_RET("gettime", syscall(SYS_timerfd_gettime, fd, &cur), 0);
	CHECK("armed anyway (EFAULT after the change)",
	      cur.it_value.tv_sec >= 99);
	CHECK_ERR("write", wr8(fd, 1), EINVAL);
	CHECK_RET("lseek (a no-op)", lseek(fd, 5, SEEK_SET), 0);
	close(fd);
}

CONTRACT_TEST(timerfd_oneshot)
{
	struct itimerspec cur, old;
	char small[7];
	uint64_t v = 0;
	int fd = (int)tfd_create(CLOCK_MONOTONIC, O_NONBLOCK);

	CHECK_RET("gettime, never armed",
		  syscall(SYS_timerfd_gettime, fd, &cur), 0);
	CHECK("all zero", !cur.it_value.tv_sec && !cur.it_value.tv_nsec &&
				  !cur.it_interval.tv_sec &&
				  !cur.it_interval.tv_nsec);
	CHECK_ERR("read, disarmed", rd8(fd, &v), EAGAIN);
	CHECK_EQX("revents, disarmed", revents(fd, ALL), 0);
	CHECK_RET("arm 80 ms", tfd_set(fd, 0, 0, 80000000, 0, 0, NULL), 0);
	syscall(SYS_timerfd_gettime, fd, &cur);
	CHECK("gettime: 0 < left <= 80 ms",
	      cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
		      cur.it_value.tv_nsec <= 80000000);
	CHECK("interval 0",
	      !cur.it_interval.tv_sec && !cur.it_interval.tv_nsec);
	CHECK_ERR("read before", rd8(fd, &v), EAGAIN);
	CHECK_ERR("read 7 bytes", read(fd, small, sizeof(small)), EINVAL);
	CHECK_EQX("revents before", revents(fd, ALL), 0);
	CHECK_STR("select before", sel(fd), "-");
	ct_msleep(120);
	CHECK_EQX("revents after", revents(fd, ALL), RD);
	CHECK_STR("select after", sel(fd), "r");
	CHECK_ERR("read 7 bytes", read(fd, small, sizeof(small)), EINVAL);
	CHECK_RET("read", rd8(fd, &v), 8);
	CHECK_EQ("expirations", v, 1);
	CHECK_ERR("read again", rd8(fd, &v), EAGAIN);
	syscall(SYS_timerfd_gettime, fd, &cur);
	CHECK("gettime after: zero",
	      !cur.it_value.tv_sec && !cur.it_value.tv_nsec);

	/* Setting clears expirations not yet read; old gives the setting. */
	tfd_set(fd, 0, 0, 1000000, 0, 0, NULL);
	ct_msleep(30);
	CHECK_RET("re-arm 100 s, 2 s period",
		  tfd_set(fd, 0, 100, 0, 2, 500, &old), 0);
	CHECK("old value zero (expired)",
	      !old.it_value.tv_sec && !old.it_value.tv_nsec);
	CHECK_ERR("expiration dropped", rd8(fd, &v), EAGAIN);
	CHECK_RET("disarm", tfd_set(fd, 0, 0, 0, 7, 0, &old), 0);
	CHECK("old: 99 s < left <= 100 s",
	      old.it_value.tv_sec == 99 ||
		      (old.it_value.tv_sec == 100 && !old.it_value.tv_nsec));
	CHECK("old interval 2 s 500 ns",
	      old.it_interval.tv_sec == 2 && old.it_interval.tv_nsec == 500);
	syscall(SYS_timerfd_gettime, fd, &cur);
	/* Unlike timer_settime, the interval stays (Linux's timerfd_setup). */
	CHECK("disarmed: value 0, interval 7 s kept",
	      !cur.it_value.tv_sec && !cur.it_value.tv_nsec &&
		      cur.it_interval.tv_sec == 7 && !cur.it_interval.tv_nsec);
	close(fd);
}

CONTRACT_TEST(timerfd_interval)
{
	struct itimerspec cur;
	struct timespec now, after;
	uint64_t v = 0;
	long ns, took;
	int fd = (int)tfd_create(CLOCK_MONOTONIC, O_NONBLOCK);

	CHECK_RET("arm 20 ms, period 20 ms",
		  tfd_set(fd, 0, 0, 20000000, 0, 20000000, NULL), 0);
	ct_msleep(130);
	CHECK_RET("read", rd8(fd, &v), 8);
	CHECK("expirations >= 5", v >= 5);
	CHECK("expirations <= 12", v <= 12);
	syscall(SYS_timerfd_gettime, fd, &cur);
	CHECK("gettime: left <= 20 ms",
	      cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 20000000);
	CHECK("gettime: period 20 ms",
	      cur.it_interval.tv_sec == 0 &&
		      cur.it_interval.tv_nsec == 20000000);

	/*
	 * An absolute time 50 ms ago with a 1 ms period: ~50 at once, and
	 * one more for each millisecond the calls took (a loaded machine,
	 * valgrind: tens of them), no more.
	 */
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = now.tv_sec * 1000000000L + now.tv_nsec - 50000000L;
	CHECK_RET("abstime 50 ms ago, period 1 ms",
		  tfd_set(fd, TFD_TIMER_ABSTIME, ns / 1000000000L,
			  ns % 1000000000L, 0, 1000000, NULL),
		  0);
	CHECK_RET("read", rd8(fd, &v), 8);
	clock_gettime(CLOCK_MONOTONIC, &after);
	took = (after.tv_sec - now.tv_sec) * 1000L +
	       (after.tv_nsec - now.tv_nsec) / 1000000L;
	CHECK("expirations >= 50", v >= 50);
	CHECK("expirations <= 51 + the ms the calls took",
	      v <= (uint64_t)(51 + took));
	close(fd);
}

CONTRACT_TEST(timerfd_clocks)
{
	static const struct {
		int id;
		const char *name;
	} clocks[] = { { CLOCK_REALTIME, "REALTIME" },
		       { CLOCK_MONOTONIC, "MONOTONIC" },
		       { CLOCK_BOOTTIME, "BOOTTIME" } };
	char label[80];
	uint64_t v;

	for (unsigned int i = 0; i < 3; i++) {
		struct timespec now;
		int fd = (int)tfd_create(clocks[i].id, 0);

		snprintf(label, sizeof(label), "%s: fd >= 3", clocks[i].name);
		CHECK(label, fd >= 3);
		snprintf(label, sizeof(label), "%s: relative 30 ms",
			 clocks[i].name);
		CHECK_RET(label, tfd_set(fd, 0, 0, 30000000, 0, 0, NULL), 0);
		CHECK_RET("blocking read", rd8(fd, &v), 8);
		CHECK_EQ("expirations", v, 1);
		clock_gettime(clocks[i].id, &now);
		now.tv_nsec += 30000000;
		if (now.tv_nsec >= 1000000000) {
			now.tv_sec++;
			now.tv_nsec -= 1000000000;
		}
		snprintf(label, sizeof(label), "%s: absolute now + 30 ms",
			 clocks[i].name);
		CHECK_RET(label,
			  tfd_set(fd,
				  TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
				  now.tv_sec, now.tv_nsec, 0, 0, NULL),
			  0);
		CHECK_RET("blocking read", rd8(fd, &v), 8);
		CHECK_EQ("expirations", v, 1);
		CHECK_RET("CANCEL_ON_SET without ABSTIME",
			  tfd_set(fd, TFD_TIMER_CANCEL_ON_SET, 0, 1000000, 0, 0,
				  NULL),
			  0);
		CHECK_RET("blocking read", rd8(fd, &v), 8);
		close(fd);
	}
}

static void timerfd_blocking(void *arg)
{
	int fd = (int)tfd_create(CLOCK_MONOTONIC, 0);
	struct pollfd pf = { fd, POLLIN, 0 };
	fd_set r;
	struct timeval tv = { 5, 0 };
	uint64_t v;
	long t0;

	(void)arg;
	tfd_set(fd, 0, 0, 50000000, 0, 0, NULL);
	t0 = now_ms();
	CHECK_RET("poll waits for the timer", syscall(SYS_poll, &pf, 1, 5000),
		  1);
	CHECK_EQX("revents", pf.revents, POLLIN);
	CHECK("waited", now_ms() - t0 >= 30);
	rd8(fd, &v);
	tfd_set(fd, 0, 0, 50000000, 0, 0, NULL);
	FD_ZERO(&r);
	FD_SET(fd, &r);
	CHECK_RET("select waits for the timer",
		  select(fd + 1, &r, NULL, NULL, &tv), 1);
	CHECK("readable", FD_ISSET(fd, &r));
	rd8(fd, &v);
	ct_sigsimple(SIGALRM, on_alrm, 0);
	ct_arm_ms(50);
	tfd_set(fd, 0, 10, 0, 0, 0, NULL);
	CHECK_ERR("blocking read, signal", rd8(fd, &v), EINTR);
	ct_sigsimple(SIGALRM, on_alrm, SA_RESTART);
	ct_arm_ms(30);
	tfd_set(fd, 0, 0, 100000000, 0, 0, NULL);
	CHECK_RET("SA_RESTART: read restarted", rd8(fd, &v), 8);
	CHECK_EQ("expirations", v, 1);
	CHECK_EQ("handler ran twice", alrm_sigs, 2);
	ct_sigdfl(SIGALRM);
	close(fd);
}

CONTRACT_TEST(timerfd_block)
{
	ct_child_ok("child", timerfd_blocking, NULL);
}

/* ---- signalfd ------------------------------------------------------- */

static long sfd4(int fd, uint64_t *mask, size_t size, int flags)
{
	return syscall(SYS_signalfd4, fd, mask, size, flags);
}

static void say_info(const char *what, const struct sfd_info *s)
{
	ct_say("%s: %s code %d uid %u errno %d int %d ptr %llu", what,
	       ct_signame((int)s->signo), s->code, s->uid, s->err, s->sint,
	       (unsigned long long)s->ptr);
}

CONTRACT_TEST(signalfd_errors)
{
	uint64_t mask = CT_SIGBIT(SIGUSR1);
	int fd, e;

	CHECK_ERR("sizemask 4", sfd4(-1, &mask, 4, 0), EINVAL);
	CHECK_ERR("sizemask 16", sfd4(-1, &mask, 16, 0), EINVAL);
	CHECK_ERR("sizemask 0, bad mask", sfd4(-1, BAD_LOW, 0, 0), EINVAL);
	CHECK_ERR("bad mask", sfd4(-1, BAD_LOW, 8, 0), EFAULT);
	CHECK_ERR("flags 1", sfd4(-1, &mask, 8, 1), EINVAL);
	CHECK_ERR("flags O_RDWR", sfd4(-1, &mask, 8, O_RDWR), EINVAL);
	CHECK_ERR("fd 999", sfd4(999, &mask, 8, 0), EBADF);
	CHECK_ERR("fd -2", sfd4(-2, &mask, 8, 0), EBADF);
	CHECK_ERR("fd 999, bad flags", sfd4(999, &mask, 8, 1), EINVAL);
	CHECK_ERR("stdin", sfd4(0, &mask, 8, 0), EINVAL);
	e = (int)efd(0, 0);
	CHECK_ERR("an eventfd", sfd4(e, &mask, 8, 0), EINVAL);
	close(e);
	CHECK_ERR("signalfd, sizemask 4", syscall(SYS_signalfd, -1, &mask, 4),
		  EINVAL);
	fd = (int)syscall(SYS_signalfd, -1, &mask, 8);
	CHECK("signalfd: fd >= 3", fd >= 3);
	CHECK_EQO("F_GETFL", fcntl(fd, F_GETFL), O_RDWR);
	CHECK_EQ("F_GETFD", fcntl(fd, F_GETFD), 0);
	CHECK_ERR("write", wr8(fd, 1), EINVAL);
	CHECK_RET("lseek (a no-op)", lseek(fd, 5, SEEK_SET), 0);
	close(fd);
	fd = (int)sfd4(-1, &mask, 8, O_NONBLOCK | O_CLOEXEC);
	CHECK_EQO("signalfd4 flags: F_GETFL", fcntl(fd, F_GETFL),
		  O_RDWR | O_NONBLOCK);
	CHECK_EQ("F_GETFD", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_RET("update: same fd", sfd4(fd, &mask, 8, 0) == fd, 1);
	CHECK_RET("update with flags: same fd",
		  sfd4(fd, &mask, 8, O_CLOEXEC) == fd, 1);
	CHECK_EQ("F_GETFD unchanged", fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);
}

CONTRACT_TEST(signalfd_read)
{
	uint64_t mask = CT_SIGBIT(SIGUSR1) | CT_SIGBIT(SIGUSR2) |
			CT_SIGBIT(K_SIGRTMIN + 1) | CT_SIGBIT(SIGKILL) |
			CT_SIGBIT(SIGSTOP);
	uint64_t old =
		ct_block(mask & ~(CT_SIGBIT(SIGKILL) | CT_SIGBIT(SIGSTOP)));
	struct sfd_info s[4];
	siginfo_t si;
	int fd = (int)sfd4(-1, &mask, 8, O_NONBLOCK);

	CHECK("SIGKILL and SIGSTOP in the mask: fd >= 3", fd >= 3);
	CHECK_ERR("read, nothing pending", read(fd, s, sizeof(s)), EAGAIN);
	CHECK_ERR("read 127 bytes", read(fd, s, 127), EINVAL);
	CHECK_EQX("revents, nothing pending", revents(fd, ALL), 0);
	CHECK_STR("select", sel(fd), "-");
	kill(getpid(), SIGUSR1);
	CHECK_EQX("revents, SIGUSR1 pending", revents(fd, ALL), RD);
	CHECK_STR("select", sel(fd), "r");
	CHECK_ERR("read 127 bytes", read(fd, s, 127), EINVAL);
	memset(s, 0x55, sizeof(s));
	CHECK_RET("read", read(fd, s, sizeof(s)), 128);
	say_info("kill", &s[0]);
	CHECK("ssi_pid is ours", s[0].pid == (uint32_t)getpid());
	CHECK_EQ("no longer pending", ct_pending() & mask, 0);

	/* Two queued real-time signals and a standard one in one read. */
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = 0;
	si.si_value.sival_int = 42;
	syscall(SYS_rt_sigqueueinfo, getpid(), K_SIGRTMIN + 1, &si);
	si.si_value.sival_int = 43;
	syscall(SYS_rt_sigqueueinfo, getpid(), K_SIGRTMIN + 1, &si);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
	CHECK_RET("read 2 records' room", read(fd, s, 2 * 128 + 100), 256);
	say_info("first", &s[0]);
	say_info("second", &s[1]);
	CHECK_RET("read the rest", read(fd, s, sizeof(s)), 128);
	say_info("third", &s[0]);
	CHECK_ERR("read, drained", read(fd, s, sizeof(s)), EAGAIN);

	/* A new mask: SIGUSR1 pending but no longer asked for. */
	mask = CT_SIGBIT(SIGUSR2);
	CHECK_RET("update mask", sfd4(fd, &mask, 8, 0) == fd, 1);
	kill(getpid(), SIGUSR1);
	CHECK_EQX("revents, SIGUSR1 not in the mask", revents(fd, ALL), 0);
	CHECK_ERR("read", read(fd, s, sizeof(s)), EAGAIN);
	kill(getpid(), SIGUSR2);
	CHECK_RET("read SIGUSR2", read(fd, s, sizeof(s)), 128);
	say_info("after update", &s[0]);
	CHECK_EQX("SIGUSR1 still pending", ct_pending() & CT_SIGBIT(SIGUSR1),
		  CT_SIGBIT(SIGUSR1));
	mask = CT_SIGBIT(SIGUSR1);
	sfd4(fd, &mask, 8, 0);
	CHECK_RET("read SIGUSR1", read(fd, s, sizeof(s)), 128);
	CHECK_ERR("bad buffer", syscall(SYS_read, fd, BAD_LOW, 128), EAGAIN);
	kill(getpid(), SIGUSR1);
	CHECK_ERR("bad buffer, signal pending",
		  syscall(SYS_read, fd, BAD_LOW, 128), EFAULT);
	CHECK_EQ("consumed anyway", ct_pending() & CT_SIGBIT(SIGUSR1), 0);
	close(fd);
	ct_setmask(old);
}

static void signalfd_blocking(void *arg)
{
	uint64_t mask = CT_SIGBIT(SIGUSR1);
	struct sfd_info s;
	struct pollfd pf;
	pid_t pid;
	long t0;
	int fd;

	(void)arg;
	ct_block(mask);
	fd = (int)sfd4(-1, &mask, 8, 0);
	pid = ct_fork();
	if (pid == 0) {
		ct_msleep(50);
		_exit(kill(getppid(), SIGUSR1) ? 1 : 0);
	}
	t0 = now_ms();
	CHECK_RET("blocking read", read(fd, &s, sizeof(s)), 128);
	CHECK("waited", now_ms() - t0 >= 30);
	say_info("from the child", &s);
	CHECK("ssi_pid is the child's", s.pid == (uint32_t)pid);
	reap(pid);

	pid = ct_fork();
	if (pid == 0) {
		ct_msleep(50);
		_exit(kill(getppid(), SIGUSR1) ? 1 : 0);
	}
	pf.fd = fd;
	pf.events = POLLIN;
	pf.revents = 0;
	CHECK_RET("poll waits for the signal", syscall(SYS_poll, &pf, 1, 5000),
		  1);
	CHECK_EQX("revents", pf.revents, POLLIN);
	reap(pid);
	CHECK_RET("read", read(fd, &s, sizeof(s)), 128);

	/* The child reads its own pending signals, not its parent's. */
	kill(getpid(), SIGUSR1);
	pid = ct_fork();
	if (pid == 0) {
		struct sfd_info c;

		if (read(fd, &c, sizeof(c)) != -1 || errno != EINTR)
			_exit(2);
		_exit(0);
	}
	(void)pid;
	ct_msleep(50);
	kill(pid, SIGTERM);
	{
		int st = -1;

		waitpid(pid, &st, 0);
		CHECK_STR("child blocked in read, then", ct_status(st),
			  "killed SIGTERM");
	}
	CHECK_EQX("ours still pending", ct_pending() & mask, mask);
	CHECK_RET("read", read(fd, &s, sizeof(s)), 128);

	ct_sigsimple(SIGALRM, on_alrm, 0);
	ct_arm_ms(50);
	CHECK_ERR("blocking read, signal", read(fd, &s, sizeof(s)), EINTR);
	CHECK_EQ("handler ran", alrm_sigs, 1);
	ct_sigdfl(SIGALRM);
	close(fd);
}

CONTRACT_TEST(signalfd_block)
{
	ct_child_ok("child", signalfd_blocking, NULL);
}

/*
 * memfd_create: an unnamed read-write file, /proc's name "/memfd:NAME
 * (deleted)", mode 0777, writable, growable and mappable; the flags' and
 * the name's checks.  (Seals are not tested: KOS has none yet.)
 */
CONTRACT_TEST(memfd)
{
	char name[260], path[64], link[300];
	struct stat st;
	long n;
	char *m;
	int fd = syscall(SYS_memfd_create, "Hi", 1 /* MFD_CLOEXEC */), fd2;

	CHECK("created", fd >= 0);
	CHECK_EQ("F_GETFD", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQO("F_GETFL", fcntl(fd, F_GETFL), O_RDWR | K_O_LARGEFILE);
	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n < 0 ? 0 : n] = 0;
	CHECK_STR("its /proc name", link, "/memfd:Hi (deleted)");
	umount2("/proc", 0);
	CHECK_RET("fstat", fstat(fd, &st), 0);
	CHECK_EQO("mode", st.st_mode, 0100777);
	CHECK_EQ("size", st.st_size, 0);
	CHECK_EQ("nlink", st.st_nlink, 0);
	CHECK_RET("write", write(fd, "memfd_create", 12), 12);
	CHECK_RET("position", lseek(fd, 0, SEEK_CUR), 12);
	CHECK_RET("ftruncate", ftruncate(fd, 8192), 0);
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("mmap", m != MAP_FAILED);
	if (m != MAP_FAILED) {
		CHECK("the written bytes", !memcmp(m, "memfd", 5));
		munmap(m, 8192);
	}
	close(fd);
	fd2 = syscall(SYS_memfd_create, "x", 8 /* MFD_NOEXEC_SEAL */);
	CHECK("MFD_NOEXEC_SEAL", fd2 >= 0);
	fstat(fd2, &st);
	CHECK_EQO("its mode", st.st_mode, 0100666);
	CHECK_EQ("no MFD_CLOEXEC", fcntl(fd2, F_GETFD), 0);
	close(fd2);
	memset(name, 'a', 249);
	name[249] = 0;
	fd2 = syscall(SYS_memfd_create, name, 0);
	CHECK("a 249-byte name", fd2 >= 0);
	close(fd2);
	name[249] = 'a';
	name[250] = 0;
	CHECK_ERR("a 250-byte name", syscall(SYS_memfd_create, name, 0),
		  EINVAL);
	fd2 = syscall(SYS_memfd_create, "", 0);
	CHECK("an empty name", fd2 >= 0);
	close(fd2);
	CHECK_ERR("unknown flag", syscall(SYS_memfd_create, "x", 0x100),
		  EINVAL);
	CHECK_ERR("MFD_EXEC|MFD_NOEXEC_SEAL",
		  syscall(SYS_memfd_create, "x", 0x18), EINVAL);
	CHECK_ERR("unknown flag, bad name",
		  syscall(SYS_memfd_create, BAD_LOW, 0x100), EINVAL);
	CHECK_ERR("bad name", syscall(SYS_memfd_create, BAD_LOW, 0), EFAULT);
}
