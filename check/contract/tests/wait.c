/*
 * wait4 and waitid: ECHILD and EINVAL rules, exit and signal statuses
 * (core bit), WNOHANG, WUNTRACED/WSTOPPED, WCONTINUED, WNOWAIT, the
 * siginfo waitid fills in, rusage, waiting by process group, orphans
 * reparented to init or to a PR_SET_CHILD_SUBREAPER, SIGCHLD (its
 * siginfo, SIG_IGN and SA_NOCLDWAIT reaping automatically,
 * SA_NOCLDSTOP), pidfds (pidfd_open, pidfd_send_signal, P_PIDFD) and
 * EINTR.  Staged (issue 8).
 */
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "wait"

/* A child that waits until killed (bounded: 10 s). */
static pid_t sleeper(void)
{
	pid_t pid = ct_fork();

	if (pid == 0) {
		for (int i = 0; i < 200; i++)
			ct_msleep(50);
		_exit(0);
	}
	return pid;
}

CONTRACT_TEST(echild)
{
	siginfo_t si;
	int st;

	CHECK_ERR("wait4(-1) without children",
		  syscall(SYS_wait4, -1, &st, 0, NULL), ECHILD);
	CHECK_ERR("wait4(-1, WNOHANG)",
		  syscall(SYS_wait4, -1, &st, WNOHANG, NULL), ECHILD);
	CHECK_ERR("wait4(12345)", syscall(SYS_wait4, 12345, &st, 0, NULL),
		  ECHILD);
	CHECK_ERR("wait4(0) (own group)", syscall(SYS_wait4, 0, &st, 0, NULL),
		  ECHILD);
	CHECK_ERR("waitid(P_ALL)",
		  syscall(SYS_waitid, P_ALL, 0, &si, WEXITED, NULL), ECHILD);
	CHECK_ERR("waitid(P_PID, 12345)",
		  syscall(SYS_waitid, P_PID, 12345, &si, WEXITED, NULL),
		  ECHILD);
	CHECK_ERR("waitid(P_PGID, 12345)",
		  syscall(SYS_waitid, P_PGID, 12345, &si, WEXITED, NULL),
		  ECHILD);
}

CONTRACT_TEST(einval)
{
	siginfo_t si;
	int st, fd = open(DATA "/small", O_RDONLY);

	CHECK_ERR("wait4 options 0x10000000",
		  syscall(SYS_wait4, -1, &st, 0x10000000, NULL), EINVAL);
	CHECK_ERR("wait4 options WEXITED (waitid's)",
		  syscall(SYS_wait4, -1, &st, WEXITED, NULL), EINVAL);
	CHECK_ERR("wait4(INT_MIN)",
		  syscall(SYS_wait4, -2147483647 - 1, &st, 0, NULL), ESRCH);
	CHECK_ERR("waitid without WEXITED/WSTOPPED/WCONTINUED",
		  syscall(SYS_waitid, P_ALL, 0, &si, WNOHANG, NULL), EINVAL);
	CHECK_ERR("waitid idtype 99",
		  syscall(SYS_waitid, 99, 0, &si, WEXITED, NULL), EINVAL);
	CHECK_ERR("waitid(P_PID, 0)",
		  syscall(SYS_waitid, P_PID, 0, &si, WEXITED, NULL), EINVAL);
	CHECK_ERR("waitid(P_PID, -1)",
		  syscall(SYS_waitid, P_PID, -1, &si, WEXITED, NULL), EINVAL);
	CHECK_ERR("waitid(P_PGID, -1)",
		  syscall(SYS_waitid, P_PGID, -1, &si, WEXITED, NULL), EINVAL);
	CHECK_ERR("waitid options 0x100",
		  syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | 0x100, NULL),
		  EINVAL);
	CHECK_ERR("waitid(P_PIDFD, 99)",
		  syscall(SYS_waitid, P_PIDFD, 99, &si, WEXITED, NULL), EBADF);
	CHECK_ERR("waitid(P_PIDFD, a file)",
		  syscall(SYS_waitid, P_PIDFD, fd, &si, WEXITED, NULL), EBADF);
	close(fd);
}

CONTRACT_TEST(signal_status)
{
	static const int sigs[] = { SIGTERM, SIGKILL, SIGQUIT, SIGSEGV,
				    SIGHUP };
	static const char *const want[] = { "killed SIGTERM", "killed SIGKILL",
					    "killed SIGQUIT", "killed SIGSEGV",
					    "killed SIGHUP" };

	for (int i = 0; i < 5; i++) {
		pid_t pid = sleeper();
		int st;

		kill(pid, sigs[i]);
		st = ct_wait(pid);
		CHECK_STR(ct_signame(sigs[i]), ct_status(st), want[i]);
		if (i == 2)
			CHECK_EQX("raw status (no core: RLIMIT_CORE 0)", st,
				  SIGQUIT);
	}
}

/*
 * With RLIMIT_CORE above 0, a core-dumping signal writes "core" in the
 * cwd (this host's /proc/sys/kernel/core_pattern is "core") and sets
 * the 0x80 bit in the status.
 */
static void dump_core(void *arg)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	chdir("/tmp");
	setrlimit(RLIMIT_CORE, &rl);
	ct_kill_self(SIGABRT);
	_exit(1);
}

CONTRACT_TEST(core_dump)
{
	char buf[32], hdr[20];
	int st = ct_capture(dump_core, NULL, buf, sizeof(buf));
	int fd = open("/tmp/core", O_RDONLY);

	CHECK_STR("status", ct_status(st), "killed SIGABRT (core)");
	CHECK_EQX("raw status", st, 0x80 | SIGABRT);
	CHECK("/tmp/core written", fd >= 0);
	CHECK("an ELF core file",
	      fd >= 0 && read(fd, hdr, sizeof(hdr)) == sizeof(hdr) &&
		      !memcmp(hdr, "\177ELF", 4) && hdr[16] == 4);
	if (fd >= 0)
		close(fd);
	unlink("/tmp/core");
}

CONTRACT_TEST(wnohang)
{
	pid_t pid = sleeper();
	int st = -1;

	CHECK_RET("WNOHANG while it runs",
		  syscall(SYS_wait4, pid, &st, WNOHANG, NULL), 0);
	CHECK_EQ("status untouched", st, -1);
	kill(pid, SIGKILL);
	for (int i = 0; i < 200; i++) {
		long r = syscall(SYS_wait4, pid, &st, WNOHANG, NULL);

		if (r) {
			CHECK("WNOHANG once it is a zombie returns it",
			      r == pid);
			break;
		}
		ct_msleep(5);
	}
	CHECK_STR("status", ct_status(st), "killed SIGKILL");
}

CONTRACT_TEST(stop_continue)
{
	pid_t pid = sleeper();
	int st;

	kill(pid, SIGSTOP);
	CHECK("wait4(WUNTRACED)",
	      syscall(SYS_wait4, pid, &st, WUNTRACED, NULL) == pid);
	CHECK_STR("status", ct_status(st), "stopped SIGSTOP");
	CHECK_EQX("raw", st, 0x7f | (SIGSTOP << 8));
	CHECK_RET("reported once",
		  syscall(SYS_wait4, pid, &st, WUNTRACED | WNOHANG, NULL), 0);
	CHECK_RET("without WUNTRACED: still running",
		  syscall(SYS_wait4, pid, &st, WNOHANG, NULL), 0);
	kill(pid, SIGCONT);
	CHECK("wait4(WCONTINUED)",
	      syscall(SYS_wait4, pid, &st, WCONTINUED, NULL) == pid);
	CHECK_STR("status", ct_status(st), "continued");
	CHECK_EQX("raw", st, 0xffff);
	CHECK_RET("reported once",
		  syscall(SYS_wait4, pid, &st, WCONTINUED | WNOHANG, NULL), 0);
	kill(pid, SIGKILL);
	CHECK_STR("status", ct_status(ct_wait(pid)), "killed SIGKILL");
}

CONTRACT_TEST(stopped_then_killed)
{
	pid_t pid = sleeper();
	int st;

	kill(pid, SIGSTOP);
	syscall(SYS_wait4, pid, &st, WUNTRACED, NULL);
	CHECK_RET("SIGTERM to a stopped process", kill(pid, SIGTERM), 0);
	CHECK_RET("it stays stopped (no wait result)",
		  (ct_msleep(20), syscall(SYS_wait4, pid, &st, WNOHANG, NULL)),
		  0);
	CHECK_RET("SIGKILL", kill(pid, SIGKILL), 0);
	CHECK_STR("status", ct_status(ct_wait(pid)), "killed SIGKILL");
}

static void show_si(const char *what, siginfo_t *si, pid_t pid)
{
	char l[64];

	snprintf(l, sizeof(l), "%s: si_signo", what);
	CHECK_EQ(l, si->si_signo, SIGCHLD);
	snprintf(l, sizeof(l), "%s: si_code", what);
	ct_say("%s: %d", l, si->si_code);
	snprintf(l, sizeof(l), "%s: si_status", what);
	ct_say("%s: %d", l, si->si_status);
	snprintf(l, sizeof(l), "%s: si_pid is the child", what);
	CHECK(l, si->si_pid == pid);
	snprintf(l, sizeof(l), "%s: si_uid", what);
	CHECK_EQ(l, si->si_uid, 0);
}

CONTRACT_TEST(waitid_info)
{
	siginfo_t si;
	pid_t pid = ct_fork_exit(3, 0);

	memset(&si, 0xff, sizeof(si));
	CHECK_RET("waitid(P_PID, WEXITED|WNOWAIT)",
		  syscall(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, NULL),
		  0);
	show_si("exited", &si, pid);
	CHECK_EQ("CLD_EXITED", si.si_code, CLD_EXITED);
	memset(&si, 0, sizeof(si));
	CHECK_RET("still there after WNOWAIT",
		  syscall(SYS_waitid, P_ALL, 0, &si, WEXITED, NULL), 0);
	CHECK_EQ("si_status", si.si_status, 3);
	CHECK_ERR("now gone",
		  syscall(SYS_waitid, P_PID, pid, &si, WEXITED, NULL), ECHILD);

	pid = sleeper();
	memset(&si, 0xff, sizeof(si));
	CHECK_RET("WNOHANG while it runs",
		  syscall(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, NULL),
		  0);
	CHECK_EQ("si_signo zeroed", si.si_signo, 0);
	CHECK_EQ("si_pid zeroed", si.si_pid, 0);
	kill(pid, SIGTERM);
	CHECK_RET("waitid after SIGTERM",
		  syscall(SYS_waitid, P_PID, pid, &si, WEXITED, NULL), 0);
	show_si("killed", &si, pid);
	CHECK_EQ("CLD_KILLED", si.si_code, CLD_KILLED);
	CHECK_EQ("si_status is the signal", si.si_status, SIGTERM);
	CHECK_RET("rusage pointer (the 5th argument) accepted", 0, 0);
}

CONTRACT_TEST(waitid_stop_continue)
{
	pid_t pid = sleeper();
	siginfo_t si;

	kill(pid, SIGSTOP);
	CHECK_RET("waitid(WSTOPPED)",
		  syscall(SYS_waitid, P_PID, pid, &si, WSTOPPED, NULL), 0);
	show_si("stopped", &si, pid);
	CHECK_EQ("CLD_STOPPED", si.si_code, CLD_STOPPED);
	kill(pid, SIGCONT);
	CHECK_RET("waitid(WCONTINUED)",
		  syscall(SYS_waitid, P_PID, pid, &si, WCONTINUED, NULL), 0);
	show_si("continued", &si, pid);
	CHECK_EQ("CLD_CONTINUED", si.si_code, CLD_CONTINUED);
	kill(pid, SIGKILL);
	CHECK_RET("waitid(WEXITED)",
		  syscall(SYS_waitid, P_PID, pid, &si, WEXITED, NULL), 0);
	CHECK_EQ("CLD_KILLED", si.si_code, CLD_KILLED);
}

CONTRACT_TEST(efault)
{
	pid_t pid = ct_fork_exit(0, 0);
	siginfo_t si;

	ct_msleep(20);
	CHECK_ERR("wait4 with a bad status pointer",
		  syscall(SYS_wait4, pid, BAD_LOW, 0, NULL), EFAULT);
	CHECK_ERR("the child was reaped all the same",
		  syscall(SYS_wait4, pid, NULL, WNOHANG, NULL), ECHILD);
	pid = ct_fork_exit(0, 0);
	CHECK_ERR("waitid with a bad siginfo pointer",
		  syscall(SYS_waitid, P_PID, pid, BAD_LOW, WEXITED, NULL),
		  EFAULT);
	CHECK_ERR("reaped too",
		  syscall(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, NULL),
		  ECHILD);
}

CONTRACT_TEST(rusage)
{
	struct rusage ru, before, after;
	pid_t pid;
	int st;

	getrusage(RUSAGE_CHILDREN, &before);
	pid = ct_fork();
	if (pid == 0) {
		volatile unsigned long x = 0;
		volatile char *p = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		/* small pages: one fault per page */
		syscall(SYS_madvise, p, 4 << 20, MADV_NOHUGEPAGE);
		for (long i = 0; i < (4 << 20); i += PG)
			p[i] = 1;
		for (unsigned long i = 0; i < 20000000; i++)
			x += i;
		_exit(0);
	}
	memset(&ru, 0, sizeof(ru));
	CHECK("wait4 with rusage", syscall(SYS_wait4, pid, &st, 0, &ru) == pid);
	CHECK("the child's maxrss covers its 4 MiB", ru.ru_maxrss >= 4096);
	CHECK("it used CPU time", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec +
						  ru.ru_stime.tv_sec +
						  ru.ru_stime.tv_usec >
					  0);
	CHECK("it had page faults", ru.ru_minflt > 1000);
	getrusage(RUSAGE_CHILDREN, &after);
	CHECK("RUSAGE_CHILDREN maxrss", after.ru_maxrss >= 4096);
	CHECK("RUSAGE_CHILDREN minflt grew",
	      after.ru_minflt >= before.ru_minflt + ru.ru_minflt);
}

/* Children in a new process group: wait4(0) does not see them,
 * wait4(-pgid) and waitid(P_PGID) do. */
CONTRACT_TEST(by_pgrp)
{
	pid_t a = ct_fork_exit(1, 0), b;
	siginfo_t si;
	int st;

	setpgid(a, a);
	b = ct_fork_exit(2, 0);
	setpgid(b, a);
	ct_msleep(20);
	CHECK_ERR("wait4(0): none in our group",
		  syscall(SYS_wait4, 0, &st, WNOHANG, NULL), ECHILD);
	CHECK("wait4(-pgid)", syscall(SYS_wait4, -a, &st, 0, NULL) > 0);
	CHECK_RET("waitid(P_PGID, pgid)",
		  syscall(SYS_waitid, P_PGID, a, &si, WEXITED, NULL), 0);
	CHECK_ERR("the group is empty now",
		  syscall(SYS_wait4, -a, &st, WNOHANG, NULL), ECHILD);
}

/* The middle child exits; its child is reparented to init (us). */
static void orphan_maker(void *arg)
{
	int *p = arg;
	long g = ct_fork();

	if (g == 0) {
		long ppid = 0;

		for (int i = 0; i < 200 && (ppid = syscall(SYS_getppid)) != 1;
		     i++)
			ct_msleep(5);
		write(p[1], &ppid, sizeof(ppid));
		_exit(4);
	}
	write(p[1], &g, sizeof(g));
}

CONTRACT_TEST(orphan_to_init)
{
	int p[2];
	long g = 0, ppid = 0;

	ct_pipe(p);
	if (ct_child_ok("middle", orphan_maker, p) == 0) {
		read(p[0], &g, sizeof(g));
		read(p[0], &ppid, sizeof(ppid));
	}
	CHECK_EQ("orphan's getppid", ppid, 1);
	CHECK_STR("init reaps it", ct_status(ct_wait(g)), "exited 4");
	close(p[0]);
	close(p[1]);
}

static void subreaper(void *arg)
{
	int p[2], st;
	long g = 0, ppid = 0;
	pid_t mid;
	int v = -1;

	ct_pipe(p);
	CHECK_RET("PR_SET_CHILD_SUBREAPER",
		  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
	CHECK_EQ("PR_GET_CHILD_SUBREAPER", v, 1);
	mid = ct_fork();
	if (mid == 0) {
		orphan_maker(p);
		_exit(0);
	}
	CHECK_STR("middle", ct_status(ct_wait(mid)), "exited 0");
	if (mid == CT_NOPID)
		return;
	read(p[0], &g, sizeof(g));
	/* the grandchild waits for getppid() == 1: it never is, here */
	CHECK("the orphan is our child now",
	      syscall(SYS_wait4, g, &st, 0, NULL) == g);
	CHECK_STR("its status", ct_status(st), "exited 4");
	read(p[0], &ppid, sizeof(ppid));
	CHECK("its getppid was the subreaper", ppid == syscall(SYS_getpid));
}

CONTRACT_TEST(subreaper)
{
	ct_child_ok("subreaper", subreaper, NULL);
}

static volatile siginfo_t chld_si;
static volatile int chld_n;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	chld_si = *si;
	chld_n++;
}

CONTRACT_TEST(sigchld)
{
	uint64_t set = CT_SIGBIT(SIGCHLD);
	struct timespec ts = { 2, 0 };
	siginfo_t si;
	pid_t pid;

	ct_block(set);
	pid = ct_fork_exit(5, 0);
	CHECK_RET("SIGCHLD arrives",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &ts, 8), SIGCHLD);
	CHECK_EQ("si_code", si.si_code, CLD_EXITED);
	CHECK_EQ("si_status", si.si_status, 5);
	CHECK("si_pid", si.si_pid == pid);
	ct_wait(pid);
	ct_setmask(0);
	chld_n = 0;
	ct_sigaction(SIGCHLD, on_chld, SA_RESTART, 0);
	pid = ct_fork_exit(6, 0);
	ct_wait(pid);
	CHECK_EQ("handler ran once", chld_n, 1);
	CHECK_EQ("its si_status", chld_si.si_status, 6);
	CHECK("its si_pid", chld_si.si_pid == pid);
	ct_sigdfl(SIGCHLD);
}

/* SIG_IGN for SIGCHLD (and SA_NOCLDWAIT) reap children at exit: wait4
 * blocks until all are gone and then fails with ECHILD. */
static void autoreap(void *arg)
{
	int flags = *(int *)arg;
	int st;

	if (flags)
		ct_sigaction(SIGCHLD, on_chld, SA_NOCLDWAIT | SA_RESTART, 0);
	else
		ct_sigign(SIGCHLD);
	chld_n = 0;
	ct_fork_exit(1, 0);
	ct_fork_exit(2, 20);
	CHECK_ERR("wait4(-1)", syscall(SYS_wait4, -1, &st, 0, NULL), ECHILD);
	CHECK_ERR("waitid(P_ALL)",
		  syscall(SYS_waitid, P_ALL, 0, NULL, WEXITED | WNOHANG, NULL),
		  ECHILD);
	if (flags)
		CHECK("SA_NOCLDWAIT: the handler still runs", chld_n >= 1);
}

CONTRACT_TEST(sigchld_ignored)
{
	int flags = 0;

	ct_child_ok("SIG_IGN", autoreap, &flags);
	flags = 1;
	ct_child_ok("SA_NOCLDWAIT", autoreap, &flags);
}

CONTRACT_TEST(nocldstop)
{
	uint64_t set = CT_SIGBIT(SIGCHLD);
	struct timespec ts = { 0, 50000000 };
	pid_t pid = sleeper();
	int st;

	ct_block(set);
	ct_sigaction(SIGCHLD, on_chld, SA_NOCLDSTOP, 0);
	kill(pid, SIGSTOP);
	syscall(SYS_wait4, pid, &st, WUNTRACED, NULL);
	CHECK_ERR("no SIGCHLD for the stop with SA_NOCLDSTOP",
		  syscall(SYS_rt_sigtimedwait, &set, NULL, &ts, 8), EAGAIN);
	ct_sigaction(SIGCHLD, on_chld, 0, 0);
	kill(pid, SIGCONT);
	syscall(SYS_wait4, pid, &st, WCONTINUED, NULL);
	CHECK_RET("SIGCHLD for the continue without it",
		  syscall(SYS_rt_sigtimedwait, &set, NULL, &ts, 8), SIGCHLD);
	kill(pid, SIGKILL);
	ct_wait(pid);
	syscall(SYS_rt_sigtimedwait, &set, NULL, &ts, 8);
	ct_setmask(0);
	ct_sigdfl(SIGCHLD);
}

static volatile int alarms;
static int token_fd;

static void on_alarm(int s)
{
	alarms++;
	write(token_fd, "t", 1);
}

/* The child exits after two tokens, which the SIGALRM handler writes. */
CONTRACT_TEST(eintr)
{
	struct itimerval it = { { 0, 0 }, { 0, 10000 } };
	int p[2], st;
	pid_t pid;

	ct_pipe(p);
	token_fd = p[1];
	pid = ct_fork();
	if (pid == 0) {
		char c[2];

		read(p[0], &c[0], 1);
		read(p[0], &c[1], 1);
		_exit(0);
	}
	alarms = 0;
	ct_sigsimple(SIGALRM, on_alarm, 0);
	if (setitimer(ITIMER_REAL, &it, NULL)) {
		/* no SIGALRM would come: do not wait */
		ct_fail(__FILE__, __LINE__, "setitimer: %s", ct_errname(errno));
		kill(pid, SIGKILL);
		ct_wait(pid);
		goto out;
	}
	CHECK_ERR("wait4 interrupted by a handler (no SA_RESTART)",
		  syscall(SYS_wait4, pid, &st, 0, NULL), EINTR);
	CHECK_EQ("handler ran", alarms, 1);
	ct_sigsimple(SIGALRM, on_alarm, SA_RESTART);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK("with SA_RESTART wait4 goes on to reap it",
	      syscall(SYS_wait4, pid, &st, 0, NULL) == pid);
	CHECK_EQ("handler ran", alarms, 2);
out:
	ct_sigdfl(SIGALRM);
	close(p[0]);
	close(p[1]);
}

/* --- pidfds ------------------------------------------------------------ */

CONTRACT_TEST(pidfd_open)
{
	pid_t pid = sleeper();
	int fd;
	siginfo_t si;

	CHECK_ERR("pidfd_open(0)", syscall(SYS_pidfd_open, 0, 0), EINVAL);
	CHECK_ERR("pidfd_open(-1)", syscall(SYS_pidfd_open, -1, 0), EINVAL);
	CHECK_ERR("pidfd_open(12345)", syscall(SYS_pidfd_open, 12345, 0),
		  ESRCH);
	CHECK_ERR("pidfd_open(child, 1)", syscall(SYS_pidfd_open, pid, 1),
		  EINVAL);
	fd = syscall(SYS_pidfd_open, pid, 0);
	CHECK_EQ("pidfd_open(child)", fd, 3);
	CHECK_RET("close-on-exec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_ERR("pidfd_send_signal flags 8",
		  syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 8), EINVAL);
	CHECK_ERR("pidfd_send_signal signal 65",
		  syscall(SYS_pidfd_send_signal, fd, 65, NULL, 0), EINVAL);
	CHECK_ERR("pidfd_send_signal(a file)",
		  syscall(SYS_pidfd_send_signal, 0, SIGTERM, NULL, 0), EBADF);
	CHECK_RET("pidfd_send_signal(SIGTERM)",
		  syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0), 0);
	CHECK_RET("waitid(P_PIDFD)",
		  syscall(SYS_waitid, P_PIDFD, fd, &si, WEXITED, NULL), 0);
	CHECK_EQ("si_code", si.si_code, CLD_KILLED);
	CHECK_EQ("si_status", si.si_status, SIGTERM);
	CHECK_ERR("pidfd_send_signal after the reap",
		  syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0), ESRCH);
	CHECK_ERR("waitid(P_PIDFD) after the reap",
		  syscall(SYS_waitid, P_PIDFD, fd, &si, WEXITED, NULL), ECHILD);
	close(fd);
	fd = syscall(SYS_pidfd_open, 1, 0);
	CHECK("pidfd_open(self)", fd >= 0);
	CHECK_ERR(
		"waitid(P_PIDFD, self)",
		syscall(SYS_waitid, P_PIDFD, fd, &si, WEXITED | WNOHANG, NULL),
		ECHILD);
	CHECK_RET("pidfd_send_signal(self, 0)",
		  syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0), 0);
	close(fd);
}

/*
 * pidfd_send_signal takes a /proc/<pid> directory as a pidfd (Linux's
 * tgid_pidfd_to_pid); not a thread's directory under task/, not /proc.
 */
CONTRACT_TEST(pidfd_procdir)
{
	char path[64];
	pid_t pid = sleeper();
	int d, t, r;
	siginfo_t si;

	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	d = open(path, O_RDONLY | O_DIRECTORY);
	CHECK("open /proc/<child>", d >= 0);
	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)pid);
	t = open(path, O_RDONLY | O_DIRECTORY);
	CHECK("open /proc/<child>/task/<child>", t >= 0);
	r = open("/proc", O_RDONLY | O_DIRECTORY);
	CHECK_RET("signal 0", syscall(SYS_pidfd_send_signal, d, 0, NULL, 0), 0);
	CHECK_ERR("a thread's directory",
		  syscall(SYS_pidfd_send_signal, t, SIGTERM, NULL, 0), EBADF);
	CHECK_ERR("/proc", syscall(SYS_pidfd_send_signal, r, SIGTERM, NULL, 0),
		  EBADF);
	CHECK_RET("SIGTERM",
		  syscall(SYS_pidfd_send_signal, d, SIGTERM, NULL, 0), 0);
	CHECK_RET("waitid", waitid(P_PID, pid, &si, WEXITED), 0);
	CHECK_EQ("si_status", si.si_status, SIGTERM);
	CHECK_ERR("after the reap",
		  syscall(SYS_pidfd_send_signal, d, SIGTERM, NULL, 0), ESRCH);
	close(d);
	close(t);
	close(r);
	umount2("/proc", 0);
}
