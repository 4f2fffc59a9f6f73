/*
 * Processes: fork (ids, copy-on-write, shared mappings, MADV_DONTFORK and
 * MADV_WIPEONFORK, the fd table and open file descriptions, inherited and
 * reset state), vfork, exit statuses, many children, RLIMIT_NPROC.
 * Staged (issue 8).  Children report through pipes or ct_child().
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "proc"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif

CONTRACT_TEST(fork_ids)
{
	int p[2] = { -1, -1 };
	long v[4] = { 0 };
	pid_t pid;

	CHECK_RET("pipe", pipe(p), 0);
	pid = ct_fork();
	if (pid == 0) {
		long w[4] = { syscall(SYS_getpid), syscall(SYS_getppid),
			      syscall(SYS_gettid), 0 };

		write(p[1], w, sizeof(w));
		_exit(42);
	}
	close(p[1]);
	CHECK("fork returns a pid > 1 in the parent", pid > 1);
	CHECK_RET("read the child's ids", read(p[0], v, sizeof(v)), sizeof(v));
	close(p[0]);
	CHECK("child's getpid is what fork returned", v[0] == pid);
	CHECK_EQ("child's getppid", v[1], 1);
	CHECK("child's gettid == its getpid", v[2] == v[0]);
	CHECK_STR("status", ct_status(ct_wait(pid)), "exited 42");
	CHECK_ERR("wait4 again", syscall(SYS_wait4, pid, NULL, 0, NULL),
		  ECHILD);
}

static int cow_global = 1;

CONTRACT_TEST(fork_cow)
{
	int go[2], back[2], *priv = ct_map(PG, PROT_READ | PROT_WRITE);
	int *shr = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int seen[3] = { 0 };
	pid_t pid;
	char c;

	if (!priv || shr == MAP_FAILED)
		return;
	*priv = 1;
	*shr = 1;
	cow_global = 1;
	ct_pipe(go);
	ct_pipe(back);
	pid = ct_fork();
	if (pid == 0) {
		read(go[0], &c, 1);
		/* the parent wrote 3 everywhere before letting us go */
		seen[0] = *priv;
		seen[1] = cow_global;
		seen[2] = *shr;
		*priv = 2;
		cow_global = 2;
		*shr = 2;
		write(back[1], seen, sizeof(seen));
		_exit(0);
	}
	if (pid == CT_NOPID)
		goto out;
	*priv = 3;
	cow_global = 3;
	*shr = 3;
	write(go[1], "g", 1);
	CHECK_RET("child's report", read(back[0], seen, sizeof(seen)),
		  sizeof(seen));
	CHECK_STR("status", ct_status(ct_wait(pid)), "exited 0");
	CHECK_EQ("child saw private page as at fork", seen[0], 1);
	CHECK_EQ("child saw .data as at fork", seen[1], 1);
	CHECK_EQ("child saw the parent's write to MAP_SHARED", seen[2], 3);
	CHECK_EQ("parent's private page after the child wrote", *priv, 3);
	CHECK_EQ("parent's .data after the child wrote", cow_global, 3);
	CHECK_EQ("parent sees the child's MAP_SHARED write", *shr, 2);
out:
	munmap(priv, PG);
	munmap(shr, PG);
	close(go[0]);
	close(go[1]);
	close(back[0]);
	close(back[1]);
}

struct madv {
	char *keep, *dontfork, *wipe;
};

static void madv_child(void *arg)
{
	struct madv *m = arg;

	CHECK_EQ("normal page in the child", m->keep[0], 'k');
	CHECK("MADV_DONTFORK page absent in the child",
	      !ct_kreadable(m->dontfork));
	CHECK_EQ("MADV_WIPEONFORK page zero in the child", m->wipe[0], 0);
	m->wipe[0] = 'c';
}

CONTRACT_TEST(fork_madvise)
{
	struct madv m;
	char *a = ct_map(3 * PG, PROT_READ | PROT_WRITE);

	if (!a)
		return;
	m.keep = a;
	m.dontfork = a + PG;
	m.wipe = a + 2 * PG;
	memset(a, 0, 3 * PG);
	m.keep[0] = 'k';
	m.dontfork[0] = 'd';
	m.wipe[0] = 'w';
	CHECK_RET("MADV_DONTFORK",
		  syscall(SYS_madvise, m.dontfork, PG, MADV_DONTFORK), 0);
	CHECK_RET("MADV_WIPEONFORK",
		  syscall(SYS_madvise, m.wipe, PG, MADV_WIPEONFORK), 0);
	CHECK_ERR("MADV_WIPEONFORK on a shared mapping", ({
			  char *s = mmap(NULL, PG, PROT_READ,
					 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
			  long r_ =
				  syscall(SYS_madvise, s, PG, MADV_WIPEONFORK);
			  int e_ = errno;
			  munmap(s, PG);
			  errno = e_;
			  r_;
		  }),
		  EINVAL);
	ct_child_ok("fork", madv_child, &m);
	CHECK_EQ("parent keeps the MADV_DONTFORK page", m.dontfork[0], 'd');
	CHECK_EQ("parent keeps the MADV_WIPEONFORK page", m.wipe[0], 'w');
	munmap(a, 3 * PG);
}

struct fds {
	int fd, cl;
};

static void fds_child(void *arg)
{
	struct fds *f = arg;
	char buf[5];
	int n;

	CHECK_RET("child reads 5 bytes", read(f->fd, buf, 5), 5);
	CHECK_RET("FD_CLOEXEC kept in the child", fcntl(f->cl, F_GETFD),
		  FD_CLOEXEC);
	n = open(DATA "/small", O_RDONLY);
	CHECK("child's new fd is the next free one", n == f->cl + 1);
	CHECK_RET("child closes the shared fd", close(f->fd), 0);
}

CONTRACT_TEST(fork_fd_table)
{
	struct fds f;

	f.fd = open(DATA "/big", O_RDONLY);
	f.cl = open(DATA "/small", O_RDONLY | O_CLOEXEC);
	ct_child_ok("fork", fds_child, &f);
	CHECK_RET("offset shared with the child", lseek(f.fd, 0, SEEK_CUR), 5);
	CHECK_RET("fd still open in the parent", fcntl(f.fd, F_GETFD), 0);
	CHECK_ERR("the child's new fd is not in the parent",
		  fcntl(f.cl + 1, F_GETFD), EBADF);
	close(f.fd);
	close(f.cl);
}

static void noop(int sig)
{
}

static void inherit_child(void *arg)
{
	struct rlimit rl;
	struct itimerval it;
	struct ct_kact ka;
	char cwd[64], comm[16];
	stack_t ss;

	CHECK_STR("cwd", getcwd(cwd, sizeof(cwd)), "/tmp");
	CHECK_EQO("umask", umask(022), 027);
	getrlimit(RLIMIT_CORE, &rl);
	CHECK_EQ("RLIMIT_CORE cur", rl.rlim_cur, 4096);
	CHECK_EQX("signal mask", ct_getmask(), CT_SIGBIT(SIGUSR2));
	CHECK_EQX("pending signals (cleared)", ct_pending(), 0);
	syscall(SYS_rt_sigaction, SIGUSR1, NULL, &ka, 8);
	CHECK("SIGUSR1 handler inherited", ka.handler == (void *)noop);
	syscall(SYS_rt_sigaction, SIGHUP, NULL, &ka, 8);
	CHECK("SIGHUP still ignored", ka.handler == SIG_IGN);
	sigaltstack(NULL, &ss);
	CHECK("sigaltstack inherited", !(ss.ss_flags & SS_DISABLE));
	getitimer(ITIMER_REAL, &it);
	CHECK("ITIMER_REAL not inherited",
	      !it.it_value.tv_sec && !it.it_value.tv_usec);
	CHECK_RET("alarm not inherited", alarm(0), 0);
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	CHECK_STR("name", comm, "ct-inherit");
}

CONTRACT_TEST(fork_inherits)
{
	struct rlimit old, rl = { 4096, RLIM_INFINITY };
	struct itimerval it = { { 0, 0 }, { 100, 0 } }, zero = { 0 };
	char comm[16];
	stack_t ss = { ct_map(16 * PG, PROT_READ | PROT_WRITE), 0, 16 * PG };
	stack_t off = { NULL, SS_DISABLE, 0 };

	prctl(PR_GET_NAME, comm, 0, 0, 0);
	getrlimit(RLIMIT_CORE, &old);
	setrlimit(RLIMIT_CORE, &rl);
	chdir("/tmp");
	umask(027);
	ct_sigsimple(SIGUSR1, noop, 0);
	ct_sigign(SIGHUP);
	sigaltstack(&ss, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	alarm(100);
	prctl(PR_SET_NAME, "ct-inherit", 0, 0, 0);
	ct_block(CT_SIGBIT(SIGUSR2));
	ct_kill_self(SIGUSR2);
	CHECK("SIGUSR2 pending in the parent",
	      ct_pending() == CT_SIGBIT(SIGUSR2));
	ct_child_ok("fork", inherit_child, NULL);
	/* restore: SIGUSR2 goes with ignoring it */
	ct_sigign(SIGUSR2);
	ct_sigdfl(SIGUSR2);
	ct_setmask(0);
	alarm(0);
	setitimer(ITIMER_REAL, &zero, NULL);
	sigaltstack(&off, NULL);
	munmap(ss.ss_sp, 16 * PG);
	ct_sigdfl(SIGUSR1);
	ct_sigdfl(SIGHUP);
	umask(022);
	chdir("/");
	setrlimit(RLIMIT_CORE, &old);
	prctl(PR_SET_NAME, comm, 0, 0, 0);
}

static volatile int vfork_flag;

CONTRACT_TEST(vfork_shares)
{
	pid_t pid;

	vfork_flag = 0;
	pid = vfork();
	if (pid == 0) {
		struct timespec ts = { 0, 20000000 };

		/* the parent is suspended: it cannot see 0 after this */
		syscall(SYS_nanosleep, &ts, NULL);
		vfork_flag = 7;
		_exit(3);
	}
	CHECK("vfork returned a pid", pid > 1);
	CHECK_EQ("parent resumed after the child's write", vfork_flag, 7);
	CHECK_STR("status", ct_status(ct_wait(pid)), "exited 3");
}

CONTRACT_TEST(vfork_exec)
{
	const char *argv[] = { ct_self, "--helper", "exit", "9", NULL };
	static const char *const envp[] = { NULL };
	pid_t pid;

	vfork_flag = 0;
	pid = vfork();
	if (pid == 0) {
		vfork_flag = 1;
		syscall(SYS_execve, argv[0], argv, envp);
		_exit(127);
	}
	CHECK_EQ("the child ran before the parent resumed", vfork_flag, 1);
	CHECK_STR("status", ct_status(ct_wait(pid)), "exited 9");
	vfork_flag = 0;
	pid = vfork();
	if (pid == 0) {
		syscall(SYS_execve, DATA "/exec", argv, envp);
		vfork_flag = errno;
		_exit(127);
	}
	CHECK_STR("failed exec in the child: errno", ct_errname(vfork_flag),
		  "ENOEXEC");
	CHECK_STR("status", ct_status(ct_wait(pid)), "exited 127");
}

CONTRACT_TEST(exit_codes)
{
	static const int codes[] = { 0, 1, 255, 256, 256 + 7, -1 };
	static const char *const want[] = { "exited 0",	  "exited 1",
					    "exited 255", "exited 0",
					    "exited 7",	  "exited 255" };
	char l[48];

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		pid_t pid = ct_fork();

		if (pid == 0)
			syscall(SYS_exit, codes[i]);
		snprintf(l, sizeof(l), "exit(%d)", codes[i]);
		CHECK_STR(l, ct_status(ct_wait(pid)), want[i]);
	}
	pid_t pid = ct_fork();

	if (pid == 0)
		syscall(SYS_exit_group, 300);
	CHECK_STR("exit_group(300)", ct_status(ct_wait(pid)), "exited 44");
}

CONTRACT_TEST(many_children)
{
	pid_t pids[24];
	int sum = 0, n = 0, st;
	long r;

	for (int i = 0; i < 24; i++)
		pids[i] = ct_fork_exit(i, i % 3 ? 0 : 5);
	while ((r = syscall(SYS_wait4, -1, &st, 0, NULL)) > 0) {
		for (int i = 0; i < 24; i++)
			if (pids[i] == r) {
				pids[i] = 0;
				n++;
				sum += WEXITSTATUS(st);
			}
	}
	CHECK_STR("then", ct_errname(errno), "ECHILD");
	CHECK_EQ("children reaped", n, 24);
	CHECK_EQ("sum of their statuses", sum, 23 * 24 / 2);
}

CONTRACT_TEST(pids_distinct)
{
	pid_t a = ct_fork_exit(0, 20), b = ct_fork_exit(0, 20);

	CHECK("two live children have different pids", a != b && a > 1);
	CHECK_RET("kill(child, 0)", kill(a, 0), 0);
	ct_wait(a);
	ct_wait(b);
	CHECK_ERR("kill(reaped child, 0)", kill(a, 0), ESRCH);
}

/* A non-root user (uid 12345) with RLIMIT_NPROC 3 can have 3 processes. */
static void nproc_child(void *arg)
{
	struct rlimit rl = { 3, 3 };
	pid_t kids[8];
	int n = 0, err = 0;
	int gate[2];

	ct_pipe(gate);
	CHECK_RET("setrlimit(NPROC, 3)", setrlimit(RLIMIT_NPROC, &rl), 0);
	CHECK_RET("setuid(12345)", setuid(12345), 0);
	for (int i = 0; i < 8; i++) {
		pid_t pid = fork(); /* it is to fail */

		if (pid == 0) {
			char c;

			close(gate[1]);
			read(gate[0], &c, 1);
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n++] = pid;
	}
	CHECK_EQ("forks that succeeded (with this process: 3)", n, 2);
	CHECK_STR("then fork fails with", ct_errname(err), "EAGAIN");
	close(gate[1]);
	for (int i = 0; i < n; i++)
		ct_wait(kids[i]);
	pid_t pid = ct_fork();

	if (pid == 0)
		_exit(0);
	CHECK("fork works again once they are gone", pid > 0);
	if (pid > 0)
		ct_wait(pid);
	close(gate[0]);
}

CONTRACT_TEST(rlimit_nproc)
{
	ct_child_ok("child", nproc_child, NULL);
}

/* root is not held to RLIMIT_NPROC. */
static void nproc_root(void *arg)
{
	struct rlimit rl = { 1, 1 };
	pid_t pid;

	setrlimit(RLIMIT_NPROC, &rl);
	pid = ct_fork();
	if (pid == 0)
		_exit(0);
	CHECK("root forks past RLIMIT_NPROC 1", pid > 0);
	if (pid > 0)
		ct_wait(pid);
}

CONTRACT_TEST(rlimit_nproc_root)
{
	ct_child_ok("child", nproc_root, NULL);
}
