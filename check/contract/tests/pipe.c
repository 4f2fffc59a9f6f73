/*
 * Pipes: pipe/pipe2 and their flags (O_CLOEXEC, O_NONBLOCK, O_DIRECT
 * packet mode), fstat, EOF once the last writer closes, SIGPIPE/EPIPE,
 * the 64 KiB default and how it fills (page-sized slots), PIPE_BUF
 * atomicity, F_GETPIPE_SZ/F_SETPIPE_SZ, FIONREAD, EAGAIN, ESPIPE, EBADF,
 * blocking writers and readers across processes, EINTR.  Staged
 * (issue 8).
 */
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "pipe"

#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#endif

static int p[2] = { -1, -1 };

static int mkpipe(int flags)
{
	p[0] = p[1] = -1;
	return syscall(SYS_pipe2, p, flags);
}

static void closep(void)
{
	close(p[0]);
	close(p[1]);
}

CONTRACT_TEST(basic)
{
	struct stat st;
	char buf[16];

	p[0] = p[1] = -1;
	CHECK_RET("pipe", syscall(SYS_pipe, p), 0);
	CHECK("fds 3 and 4", p[0] == 3 && p[1] == 4);
	CHECK_EQO("F_GETFL read end", fcntl(p[0], F_GETFL), O_RDONLY);
	CHECK_EQO("F_GETFL write end", fcntl(p[1], F_GETFL), O_WRONLY);
	CHECK_RET("F_GETFD", fcntl(p[0], F_GETFD), 0);
	CHECK_RET("fstat", fstat(p[0], &st), 0);
	CHECK_EQO("st_mode", st.st_mode, S_IFIFO | 0600);
	CHECK_EQ("st_nlink", st.st_nlink, 1);
	CHECK_EQ("st_uid", st.st_uid, 0);
	CHECK_EQ("st_size", st.st_size, 0);
	CHECK_EQ("st_blksize", st.st_blksize, 4096);
	CHECK_RET("write 5", write(p[1], "hello", 5), 5);
	fstat(p[1], &st);
	CHECK_EQ("st_size with data", st.st_size, 0);
	CHECK_RET("read", read(p[0], buf, sizeof(buf)), 5);
	CHECK("same bytes", !memcmp(buf, "hello", 5));
	CHECK_RET("write 0", write(p[1], buf, 0), 0);
	CHECK_RET("read 0", read(p[0], buf, 0), 0);
	closep();
}

CONTRACT_TEST(pipe2_flags)
{
	int q[2] = { -1, -1 };

	CHECK_RET("pipe2(O_CLOEXEC)", mkpipe(O_CLOEXEC), 0);
	CHECK("both close-on-exec", fcntl(p[0], F_GETFD) == FD_CLOEXEC &&
					    fcntl(p[1], F_GETFD) == FD_CLOEXEC);
	closep();
	CHECK_RET("pipe2(O_NONBLOCK)", mkpipe(O_NONBLOCK), 0);
	CHECK_EQO("F_GETFL read end", fcntl(p[0], F_GETFL),
		  O_RDONLY | O_NONBLOCK);
	CHECK_EQO("F_GETFL write end", fcntl(p[1], F_GETFL),
		  O_WRONLY | O_NONBLOCK);
	closep();
	CHECK_RET("pipe2(O_DIRECT)", mkpipe(O_DIRECT), 0);
	CHECK_EQO("F_GETFL write end", fcntl(p[1], F_GETFL),
		  O_WRONLY | O_DIRECT);
	closep();
	CHECK_ERR("pipe2(O_WRONLY)", syscall(SYS_pipe2, q, O_WRONLY), EINVAL);
	CHECK_ERR("pipe2(O_APPEND)", syscall(SYS_pipe2, q, O_APPEND), EINVAL);
	CHECK_ERR("pipe2 at a bad address", syscall(SYS_pipe2, BAD_LOW, 0),
		  EFAULT);
	char *ro = ct_map(PG, PROT_READ);

	CHECK_ERR("pipe at a read-only address", syscall(SYS_pipe, ro), EFAULT);
	munmap(ro, PG);
	CHECK("no fds left behind", q[0] == -1 && dup(0) == 3);
	close(3);
}

CONTRACT_TEST(eof)
{
	char buf[8];
	int w2;

	mkpipe(0);
	write(p[1], "abc", 3);
	w2 = dup(p[1]);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	CHECK_RET("read the data", read(p[0], buf, sizeof(buf)), 3);
	CHECK_ERR("empty, a writer left", read(p[0], buf, sizeof(buf)), EAGAIN);
	close(w2);
	CHECK_RET("all writers gone: EOF", read(p[0], buf, sizeof(buf)), 0);
	CHECK_RET("and again", read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
}

static volatile int pipe_sigs;
static volatile siginfo_t pipe_si;

static void on_pipe(int sig, siginfo_t *si, void *uc)
{
	pipe_sigs++;
	pipe_si = *si;
}

static void default_sigpipe(void *arg)
{
	mkpipe(0);
	close(p[0]);
	write(p[1], "x", 1);
	_exit(0);
}

CONTRACT_TEST(epipe)
{
	char buf[8];

	mkpipe(0);
	close(p[0]);
	ct_block(CT_SIGBIT(SIGPIPE));
	CHECK_ERR("write, no reader, SIGPIPE blocked", write(p[1], "x", 1),
		  EPIPE);
	CHECK_EQX("SIGPIPE pending", ct_pending(), CT_SIGBIT(SIGPIPE));
	ct_sigign(SIGPIPE);
	ct_sigdfl(SIGPIPE);
	ct_setmask(0);
	ct_sigign(SIGPIPE);
	CHECK_ERR("SIGPIPE ignored", write(p[1], "x", 1), EPIPE);
	ct_sigaction(SIGPIPE, on_pipe, 0, 0);
	pipe_sigs = 0;
	CHECK_ERR("SIGPIPE caught", write(p[1], "x", 1), EPIPE);
	CHECK_EQ("handler ran", pipe_sigs, 1);
	CHECK_EQ("si_code SI_USER", pipe_si.si_code, SI_USER);
	CHECK_EQ("si_pid: the writer itself", pipe_si.si_pid, 1);
	CHECK_ERR("writev too", writev(p[1], &(struct iovec){ buf, 1 }, 1),
		  EPIPE);
	ct_sigdfl(SIGPIPE);
	close(p[1]);
	CHECK_STR(
		"at SIG_DFL",
		ct_status(ct_capture(default_sigpipe, NULL, buf, sizeof(buf))),
		"killed SIGPIPE");
}

CONTRACT_TEST(capacity)
{
	static char page[4096];
	int n = 0, avail = -1;

	mkpipe(O_NONBLOCK);
	CHECK_RET("F_GETPIPE_SZ", fcntl(p[1], F_GETPIPE_SZ), 65536);
	CHECK_RET("F_GETPIPE_SZ on the read end", fcntl(p[0], F_GETPIPE_SZ),
		  65536);
	while (n < 40 && write(p[1], page, sizeof(page)) == sizeof(page))
		n++;
	CHECK_EQ("4096-byte writes that fit", n, 16);
	CHECK_STR("then", ct_errname(errno), "EAGAIN");
	CHECK_RET("FIONREAD", ioctl(p[0], FIONREAD, &avail), 0);
	CHECK_EQ("bytes in the pipe", avail, 65536);
	CHECK_ERR("one more byte", write(p[1], "x", 1), EAGAIN);
	CHECK_RET("read 1", read(p[0], page, 1), 1);
	CHECK_ERR("one byte after reading one (the slot is still in use)",
		  write(p[1], "x", 1), EAGAIN);
	CHECK_RET("read the rest of that page", read(p[0], page, 4095), 4095);
	CHECK_RET("now a page fits", write(p[1], page, 4096), 4096);
	closep();
}

/* Writes merge into the last page only while they fit in it. */
CONTRACT_TEST(capacity_small_writes)
{
	static char buf[1000];
	int n = 0, avail = 0;

	mkpipe(O_NONBLOCK);
	while (n < 100 && write(p[1], buf, sizeof(buf)) == sizeof(buf))
		n++;
	CHECK_EQ("1000-byte writes that fit (4 per page)", n, 64);
	ioctl(p[0], FIONREAD, &avail);
	CHECK_EQ("bytes in the pipe", avail, 64000);
	CHECK_RET("96 more fit in the last page", write(p[1], buf, 96), 96);
	CHECK_ERR("then not one", write(p[1], buf, 1), EAGAIN);
	closep();
	mkpipe(O_NONBLOCK);
	n = 0;
	while (n < 70000 && write(p[1], buf, 1) == 1)
		n++;
	CHECK_EQ("1-byte writes that fit", n, 65536);
	closep();
}

CONTRACT_TEST(atomicity)
{
	static char big[8192];
	int avail = 0;

	mkpipe(O_NONBLOCK);
	for (int i = 0; i < 15; i++)
		write(p[1], big, 4096);
	write(p[1], big, 4000);
	CHECK_ERR("PIPE_BUF bytes, 96 free: all or nothing",
		  write(p[1], big, 4096), EAGAIN);
	CHECK_RET("96 bytes", write(p[1], big, 96), 96);
	read(p[0], big, 4096);
	read(p[0], big, 4096);
	CHECK_RET("8192 (> PIPE_BUF) with two pages free: all",
		  write(p[1], big, 8192), 8192);
	read(p[0], big, 4096);
	CHECK_RET("8192 with one page free: partial", write(p[1], big, 8192),
		  4096);
	ioctl(p[0], FIONREAD, &avail);
	CHECK_EQ("FIONREAD", avail, 65536);
	closep();
}

static void setsz_nonroot(void *arg)
{
	setuid(1000);
	mkpipe(0);
	CHECK_RET("non-root: F_SETPIPE_SZ 1 MiB (pipe-max-size)",
		  fcntl(p[0], F_SETPIPE_SZ, 1 << 20), 1 << 20);
	CHECK_ERR("non-root: 2 MiB", fcntl(p[0], F_SETPIPE_SZ, 2 << 20), EPERM);
	closep();
}

CONTRACT_TEST(setpipe_sz)
{
	static char buf[10000];
	int fd = open(DATA "/small", O_RDONLY);

	mkpipe(0);
	CHECK_RET("F_SETPIPE_SZ 5000 (rounded up to pages, power of two)",
		  fcntl(p[1], F_SETPIPE_SZ, 5000), 8192);
	CHECK_RET("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ), 8192);
	CHECK_RET("F_SETPIPE_SZ 0 (one page)", fcntl(p[1], F_SETPIPE_SZ, 0),
		  4096);
	CHECK_RET("F_SETPIPE_SZ 12288", fcntl(p[1], F_SETPIPE_SZ, 12288),
		  16384);
	CHECK_RET("write 10000", write(p[1], buf, 10000), 10000);
	CHECK_ERR("shrink below the data", fcntl(p[1], F_SETPIPE_SZ, 4096),
		  EBUSY);
	CHECK_RET("F_SETPIPE_SZ 1 MiB", fcntl(p[1], F_SETPIPE_SZ, 1 << 20),
		  1 << 20);
	CHECK_ERR("F_SETPIPE_SZ -1", fcntl(p[1], F_SETPIPE_SZ, -1), EINVAL);
	CHECK_ERR("F_GETPIPE_SZ on a file", fcntl(fd, F_GETPIPE_SZ), EBADF);
	CHECK_ERR("F_SETPIPE_SZ on a file", fcntl(fd, F_SETPIPE_SZ, 4096),
		  EBADF);
	closep();
	close(fd);
	ct_child_ok("child", setsz_nonroot, NULL);
}

CONTRACT_TEST(packet_mode)
{
	static char buf[8192];

	mkpipe(O_DIRECT | O_NONBLOCK);
	write(p[1], "0123456789", 10);
	write(p[1], "abcdefghijklmnopqrst", 20);
	CHECK_RET("read(100): one packet", read(p[0], buf, 100), 10);
	CHECK_RET("read(5) of a 20-byte packet", read(p[0], buf, 5), 5);
	CHECK_ERR("its rest is gone", read(p[0], buf, 100), EAGAIN);
	CHECK_RET("write 5000 bytes", write(p[1], buf, 5000), 5000);
	CHECK_RET("first packet", read(p[0], buf, sizeof(buf)), 4096);
	CHECK_RET("second", read(p[0], buf, sizeof(buf)), 904);
	CHECK_RET("F_SETFL without O_DIRECT", fcntl(p[1], F_SETFL, O_NONBLOCK),
		  0);
	write(p[1], "abc", 3);
	write(p[1], "def", 3);
	CHECK_RET("stream mode again: both writes at once",
		  read(p[0], buf, sizeof(buf)), 6);
	closep();
}

CONTRACT_TEST(fionread_espipe_ebadf)
{
	char buf[4];
	int n = -1;

	mkpipe(0);
	ioctl(p[0], FIONREAD, &n);
	CHECK_EQ("FIONREAD empty", n, 0);
	write(p[1], "abcdefg", 7);
	ioctl(p[0], FIONREAD, &n);
	CHECK_EQ("FIONREAD", n, 7);
	ioctl(p[1], FIONREAD, &n);
	CHECK_EQ("FIONREAD on the write end", n, 7);
	CHECK_ERR("lseek", lseek(p[0], 0, SEEK_CUR), ESPIPE);
	CHECK_ERR("pread", syscall(SYS_pread64, p[0], buf, 1, 0), ESPIPE);
	CHECK_ERR("pwrite", syscall(SYS_pwrite64, p[1], buf, 1, 0), ESPIPE);
	CHECK_ERR("write to the read end", write(p[0], "x", 1), EBADF);
	CHECK_ERR("read from the write end", read(p[1], buf, 1), EBADF);
	CHECK_ERR("read into a bad buffer", syscall(SYS_read, p[0], BAD_LOW, 4),
		  EFAULT);
	CHECK_RET("nothing lost", read(p[0], buf, 4), 4);
	closep();
}

/* A child writes 200000 bytes (more than fits) through a blocking pipe. */
CONTRACT_TEST(blocking_transfer)
{
	static unsigned char buf[8192];
	long total = 0, bad = 0;
	pid_t pid;
	ssize_t n;

	mkpipe(0);
	pid = ct_fork();
	if (pid == 0) {
		static unsigned char out[200000];

		close(p[0]);
		for (int i = 0; i < 200000; i++)
			out[i] = ct_pattern(i);
		_exit(write(p[1], out, sizeof(out)) == sizeof(out) ? 0 : 1);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			bad += buf[i] != ct_pattern(total + i);
		total += n;
	}
	CHECK_EQ("bytes received", total, 200000);
	CHECK_EQ("bytes wrong", bad, 0);
	CHECK_STR("writer", ct_status(ct_wait(pid)), "exited 0");
	close(p[0]);
}

/* Writers of PIPE_BUF-sized records never interleave within one. */
CONTRACT_TEST(writers_atomic)
{
	static unsigned char rec[4096];
	int mixed = 0, count[4] = { 0 };
	pid_t pids[4];

	mkpipe(0);
	for (int w = 0; w < 4; w++) {
		pids[w] = ct_fork();
		if (pids[w] == 0) {
			close(p[0]);
			memset(rec, 'a' + w, sizeof(rec));
			for (int i = 0; i < 20; i++)
				write(p[1], rec, sizeof(rec));
			_exit(0);
		}
	}
	close(p[1]);
	for (;;) {
		size_t got = 0;
		ssize_t n;

		while (got < sizeof(rec) &&
		       (n = read(p[0], rec + got, sizeof(rec) - got)) > 0)
			got += n;
		if (got < sizeof(rec))
			break;
		for (size_t i = 1; i < sizeof(rec); i++)
			mixed += rec[i] != rec[0];
		if (rec[0] >= 'a' && rec[0] < 'a' + 4)
			count[rec[0] - 'a']++;
	}
	for (int w = 0; w < 4; w++)
		ct_wait(pids[w]);
	CHECK_EQ("mixed bytes", mixed, 0);
	CHECK("20 records from each", count[0] == 20 && count[1] == 20 &&
					      count[2] == 20 && count[3] == 20);
	close(p[0]);
}

/* The reader closes while a writer is blocked: the write returns what
 * it wrote, the next one EPIPE. */
CONTRACT_TEST(reader_closes)
{
	long res[2] = { 0, 0 };
	int r[2];
	char c;
	pid_t pid;

	mkpipe(0);
	ct_pipe(r);
	pid = ct_fork();
	if (pid == 0) {
		static char big[100000];
		long v[2];

		ct_sigign(SIGPIPE);
		close(p[0]);
		write(r[1], "s", 1);
		v[0] = write(p[1], big, sizeof(big));
		v[1] = write(p[1], big, 1) < 0 ? -errno : 0;
		write(r[1], v, sizeof(v));
		_exit(0);
	}
	if (pid == CT_NOPID)
		goto out;
	read(r[0], &c, 1);
	/* wait until the writer has filled the pipe */
	for (int i = 0, n = 0; i < 500 && n < 65536; i++) {
		ioctl(p[0], FIONREAD, &n);
		ct_msleep(2);
	}
	ct_msleep(20);
	close(p[0]);
	close(p[1]);
	read(r[0], res, sizeof(res));
	CHECK_EQ("blocked write returns the part written", res[0], 65536);
	CHECK_STR("next write", ct_errname(-res[1]), "EPIPE");
	ct_wait(pid);
out:
	closep();
	close(r[0]);
	close(r[1]);
}

static volatile int alarms;

static void on_alarm(int s)
{
	alarms++;
}

CONTRACT_TEST(write_eintr)
{
	static char page[4096];
	struct itimerval it = { { 0, 0 }, { 0, 10000 } };

	mkpipe(O_NONBLOCK);
	for (int i = 0; i < 16; i++)
		write(p[1], page, sizeof(page));
	fcntl(p[1], F_SETFL, 0);
	alarms = 0;
	ct_sigsimple(SIGALRM, on_alarm, 0);
	CHECK_ERR("blocking write to a full pipe, interrupted",
		  setitimer(ITIMER_REAL, &it, NULL) ? 0 : write(p[1], page, 10),
		  EINTR);
	CHECK_EQ("handler ran", alarms, 1);
	ct_sigdfl(SIGALRM);
	closep();
}
