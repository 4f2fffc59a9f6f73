/*
 * clone and clone3: Linux's EINVAL/E2BIG rules for flag combinations and
 * argument blocks, and what each flag does -- the combinations musl's and
 * glibc's pthread_create, posix_spawn, fork and vfork use (CLONE_VM, _FS,
 * _FILES, _SIGHAND, _THREAD, _SYSVSEM, _SETTLS, _PARENT_SETTID,
 * _CHILD_SETTID, _CHILD_CLEARTID, _VFORK, _PARENT, _PIDFD,
 * _CLEAR_SIGHAND, the exit signal and __WCLONE).  Staged (issue 8).
 *
 * A clone that Linux refuses must be refused before anything runs, so the
 * invalid combinations below are chosen without CLONE_VM where possible:
 * a kernel that wrongly accepts one gets a child that exits at once.
 */
#include <sched.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "clone"

#define ARCH_GET_FS 0x1003
#define STK (64 * 1024)

/* A raw clone/clone3 that must fail; a child it makes exits 99. */
static long try_clone(unsigned long flags)
{
	long r = syscall(SYS_clone, flags, 0, 0, 0, 0);

	if (r == 0)
		syscall(SYS_exit, 99);
	if (r > 0)
		ct_wait(r);
	return r;
}

static long try_clone3(struct ct_clone_args *a, size_t size)
{
	long r = syscall(SYS_clone3, a, size);

	if (r == 0)
		syscall(SYS_exit, 99);
	if (r > 0)
		ct_wait(r);
	return r;
}

CONTRACT_TEST(clone_einval)
{
	int pfd = -1;

	CHECK_ERR("CLONE_SIGHAND without CLONE_VM",
		  try_clone(CLONE_SIGHAND | SIGCHLD), EINVAL);
	CHECK_ERR("CLONE_THREAD without CLONE_SIGHAND",
		  try_clone(CLONE_THREAD | SIGCHLD), EINVAL);
	CHECK_ERR("CLONE_FS with CLONE_NEWNS",
		  try_clone(CLONE_FS | CLONE_NEWNS | SIGCHLD), EINVAL);
	CHECK_ERR("CLONE_FS with CLONE_NEWUSER",
		  try_clone(CLONE_FS | CLONE_NEWUSER | SIGCHLD), EINVAL);
	CHECK_ERR("CLONE_PARENT from init", try_clone(CLONE_PARENT | SIGCHLD),
		  EINVAL);
	CHECK_ERR("CLONE_PIDFD with CLONE_DETACHED",
		  syscall(SYS_clone, CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0,
			  &pfd, 0, 0),
		  EINVAL);
	CHECK_ERR("CLONE_PIDFD with CLONE_PARENT_SETTID (one pointer)",
		  syscall(SYS_clone,
			  CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pfd,
			  0, 0),
		  EINVAL);
	CHECK_EQ("no pidfd written", pfd, -1);
}

CONTRACT_TEST(clone_flags_are_32bit)
{
	long r = syscall(SYS_clone, SIGCHLD | (1UL << 40), 0, 0, 0, 0);

	if (r == 0)
		syscall(SYS_exit, 5);
	CHECK("clone(SIGCHLD | 1<<40) forks", r > 0);
	if (r > 0)
		CHECK_STR("status", ct_status(ct_wait(r)), "exited 5");
}

CONTRACT_TEST(clone3_args)
{
	struct {
		struct ct_clone_args a;
		char tail[4096];
	} big;
	struct ct_clone_args *a = &big.a;

	memset(&big, 0, sizeof(big));
	a->exit_signal = SIGCHLD;
	CHECK_ERR("size 0", try_clone3(a, 0), EINVAL);
	CHECK_ERR("size 63 (< CLONE_ARGS_SIZE_VER0)", try_clone3(a, 63),
		  EINVAL);
	CHECK_ERR("size 4097 (> a page)", try_clone3(a, 4097), E2BIG);
	big.tail[10] = 1;
	CHECK_ERR("nonzero byte past the known struct", try_clone3(a, 200),
		  E2BIG);
	big.tail[10] = 0;
	CHECK("size 64 (VER0) forks", try_clone3(a, 64) > 0);
	CHECK("size 200 with a zero tail forks", try_clone3(a, 200) > 0);
	CHECK_ERR("args at a bad address",
		  syscall(SYS_clone3, BAD_LOW, sizeof(*a)), EFAULT);
	a->flags = 1ULL << 40;
	CHECK_ERR("unknown flag bit 40", try_clone3(a, sizeof(*a)), EINVAL);
	a->flags = CLONE_DETACHED;
	CHECK_ERR("CLONE_DETACHED", try_clone3(a, sizeof(*a)), EINVAL);
	a->flags = CLONE_PARENT;
	CHECK_ERR("CLONE_PARENT with an exit signal", try_clone3(a, sizeof(*a)),
		  EINVAL);
	a->flags = CLONE_SIGHAND | CLONE_CLEAR_SIGHAND;
	CHECK_ERR("CLONE_SIGHAND with CLONE_CLEAR_SIGHAND",
		  try_clone3(a, sizeof(*a)), EINVAL);
	a->flags = 0;
	a->exit_signal = 65;
	CHECK_ERR("exit_signal 65", try_clone3(a, sizeof(*a)), EINVAL);
	a->exit_signal = SIGCHLD | (1ULL << 32);
	CHECK_ERR("exit_signal with high bits", try_clone3(a, sizeof(*a)),
		  EINVAL);
	a->exit_signal = SIGCHLD;
	a->stack = (uint64_t)(uintptr_t)&big;
	CHECK_ERR("stack without stack_size", try_clone3(a, sizeof(*a)),
		  EINVAL);
	a->stack = 0;
	a->stack_size = 4096;
	CHECK_ERR("stack_size without stack", try_clone3(a, sizeof(*a)),
		  EINVAL);
	a->stack_size = 0;
	a->set_tid_size = 33;
	CHECK_ERR("set_tid_size 33", try_clone3(a, sizeof(*a)), EINVAL);
	a->set_tid_size = 1;
	CHECK_ERR("set_tid_size 1 without set_tid", try_clone3(a, sizeof(*a)),
		  EINVAL);
}

/* --- threads ------------------------------------------------------ */

struct ids {
	long pid, tid, ppid, fs;
	int settid;
};

static int ids_thread(void *arg)
{
	struct ids *x = arg;

	x->pid = RAW0(SYS_getpid);
	x->tid = RAW0(SYS_gettid);
	x->ppid = RAW0(SYS_getppid);
	RAW2(SYS_arch_prctl, ARCH_GET_FS, &x->fs);
	return 0;
}

CONTRACT_TEST(thread_ids)
{
	struct ids x = { 0 };
	struct ct_thr t;
	long tid = ct_thr_start(&t, CT_THREAD_FLAGS, ids_thread, &x);
	unsigned long fs;

	CHECK("clone returns a new tid", tid > 1);
	CHECK("CLONE_PARENT_SETTID stored it before clone returned",
	      t.ctid == tid || t.ctid == 0);
	CHECK_RET("joined through CLONE_CHILD_CLEARTID", ct_thr_join(&t), 0);
	CHECK_EQ("ctid cleared", t.ctid, 0);
	CHECK_EQ("thread's getpid (the tgid)", x.pid, 1);
	CHECK("thread's gettid is the clone result", x.tid == tid);
	CHECK_EQ("thread's getppid (the process's)", x.ppid, 0);
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	CHECK("without CLONE_SETTLS the FS base is copied",
	      (unsigned long)x.fs == fs);
	CHECK_ERR("wait4 on a thread",
		  syscall(SYS_wait4, tid, NULL, __WALL, NULL), ECHILD);
	CHECK_ERR("tgkill(self, ended thread, 0)", ct_tgkill_gone(1, tid),
		  ESRCH);
}

static unsigned long tls_block[32] __attribute__((aligned(64)));

CONTRACT_TEST(thread_settls)
{
	struct ids x = { 0 };
	struct ct_thr t;
	unsigned long fs0, fs1;

	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs0);
	tls_block[0] = (unsigned long)tls_block;
	t.stack = mmap(NULL, STK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t.ctid = -1;
	long tid = ct_clone(CT_THREAD_FLAGS | CLONE_SETTLS, t.stack + STK,
			    (int *)&t.ctid, (int *)&t.ctid,
			    (unsigned long)tls_block, ids_thread, &x);
	CHECK("clone with CLONE_SETTLS", tid > 0);
	if (tid > 0)
		ct_thr_join(&t);
	else
		munmap(t.stack, STK);
	CHECK("thread's FS base is the tls argument",
	      x.fs == (long)(unsigned long)tls_block);
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs1);
	CHECK("caller's FS base unchanged", fs1 == fs0);
}

static int settid_thread(void *arg)
{
	struct ids *x = arg;

	/* CLONE_CHILD_SETTID wrote our tid before we ran */
	x->tid = RAW0(SYS_gettid);
	x->pid = x->settid;
	return 0;
}

CONTRACT_TEST(thread_child_settid)
{
	struct ids x = { 0 };
	struct ct_thr t;
	long tid;

	t.stack = mmap(NULL, STK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t.ctid = -1;
	x.settid = -1;
	/* CHILD_SETTID at x.settid; CHILD_CLEARTID stays on t.ctid */
	tid = ct_clone(CT_THREAD_FLAGS | CLONE_CHILD_SETTID, t.stack + STK,
		       (int *)&t.ctid, &x.settid, 0, settid_thread, &x);
	CHECK("clone", tid > 0);
	if (tid <= 0) {
		munmap(t.stack, STK);
		return;
	}
	/* ctid is both CHILD_SETTID and CHILD_CLEARTID: wait by polling */
	for (int i = 0; i < 500 && x.settid != 0; i++)
		ct_futex_wait(&x.settid, x.settid, 10);
	CHECK("child saw its own tid at ctid", x.pid == tid && x.tid == tid);
	CHECK_EQ("ctid cleared at exit", x.settid, 0);
	t.ctid = 0;
	ct_thr_join(&t);
	munmap(t.stack, STK);
}

/* --- clone children sharing memory (CLONE_VM, own process) -------- */

struct share {
	int fd;	    /* what the child opened */
	int closed; /* result of closing the parent's fd */
	int pfd;    /* the parent's fd */
};

static int files_child(void *arg)
{
	struct share *s = arg;

	s->fd = RAW3(SYS_open, DATA "/small", O_RDONLY, 0);
	s->closed = RAW1(SYS_close, s->pfd);
	return 0;
}

/* Start fn in a CLONE_VM child process with flags, wait for it. */
static int vm_child(unsigned long flags, int (*fn)(void *), void *arg)
{
	char *stack = ct_map(STK, PROT_READ | PROT_WRITE);
	long pid;
	int st = -1;

	if (!stack)
		return -1;
	pid = ct_clone(CLONE_VM | SIGCHLD | flags, stack + STK, NULL, NULL, 0,
		       fn, arg);
	if (pid > 0)
		st = ct_wait(pid);
	else
		ct_fail(__FILE__, __LINE__, "clone: %s", ct_errname(-pid));
	munmap(stack, STK);
	return st;
}

CONTRACT_TEST(files_private)
{
	struct share s = { -1, -1, open(DATA "/big", O_RDONLY) };

	CHECK_STR("child", ct_status(vm_child(0, files_child, &s)), "exited 0");
	CHECK_EQ("child's open got the lowest free fd", s.fd, s.pfd + 1);
	CHECK_EQ("child's close of the parent's fd", s.closed, 0);
	CHECK_ERR("child's fd is not in the parent", fcntl(s.fd, F_GETFD),
		  EBADF);
	CHECK_RET("parent's fd still open", fcntl(s.pfd, F_GETFD), 0);
	close(s.pfd);
}

CONTRACT_TEST(files_shared)
{
	struct share s = { -1, -1, open(DATA "/big", O_RDONLY) };

	CHECK_STR("child", ct_status(vm_child(CLONE_FILES, files_child, &s)),
		  "exited 0");
	CHECK_EQ("child's open got the lowest free fd", s.fd, s.pfd + 1);
	CHECK_RET("child's fd is in the parent", fcntl(s.fd, F_GETFD), 0);
	CHECK_ERR("parent's fd closed by the child", fcntl(s.pfd, F_GETFD),
		  EBADF);
	close(s.fd);
}

static int fs_child(void *arg)
{
	RAW1(SYS_chdir, "/tmp");
	RAW1(SYS_umask, 077);
	return 0;
}

CONTRACT_TEST(fs_private)
{
	char cwd[64];

	CHECK_STR("child", ct_status(vm_child(0, fs_child, NULL)), "exited 0");
	CHECK_STR("parent's cwd", getcwd(cwd, sizeof(cwd)), "/");
	CHECK_EQO("parent's umask", umask(022), 022);
}

CONTRACT_TEST(fs_shared)
{
	char cwd[64];

	CHECK_STR("child", ct_status(vm_child(CLONE_FS, fs_child, NULL)),
		  "exited 0");
	CHECK_STR("parent's cwd", getcwd(cwd, sizeof(cwd)), "/tmp");
	CHECK_EQO("parent's umask", umask(022), 077);
	chdir("/");
}

static void usr2(int s)
{
}

static int sighand_child(void *arg)
{
	struct ct_kact ka = { (void *)usr2, K_SA_RESTORER, (void *)ct_restorer,
			      0 };

	return RAW4(SYS_rt_sigaction, SIGUSR2, &ka, NULL, 8) ? 1 : 0;
}

CONTRACT_TEST(sighand)
{
	struct ct_kact ka;

	CHECK_STR("child without CLONE_SIGHAND",
		  ct_status(vm_child(0, sighand_child, NULL)), "exited 0");
	syscall(SYS_rt_sigaction, SIGUSR2, NULL, &ka, 8);
	CHECK("its handler is not the parent's", ka.handler == SIG_DFL);
	CHECK_STR("child with CLONE_SIGHAND",
		  ct_status(vm_child(CLONE_SIGHAND, sighand_child, NULL)),
		  "exited 0");
	syscall(SYS_rt_sigaction, SIGUSR2, NULL, &ka, 8);
	CHECK("its handler is the parent's", ka.handler == (void *)usr2);
	ct_sigdfl(SIGUSR2);
}

static int exit7(void *arg)
{
	return 7;
}

CONTRACT_TEST(exit_signal)
{
	char *stack = ct_map(STK, PROT_READ | PROT_WRITE);
	siginfo_t si;
	struct timespec ts = { 1, 0 };
	uint64_t set = CT_SIGBIT(SIGUSR1);
	int st;
	long pid;

	ct_block(set);
	pid = ct_clone(SIGUSR1, stack + STK, NULL, NULL, 0, exit7, NULL);
	CHECK("clone with exit signal SIGUSR1", pid > 0);
	CHECK_RET("exit signal SIGUSR1 arrives",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &ts, 8), SIGUSR1);
	CHECK_EQ("si_code CLD_EXITED", si.si_code, CLD_EXITED);
	CHECK_ERR("wait4 without __WCLONE",
		  syscall(SYS_wait4, pid, &st, 0, NULL), ECHILD);
	CHECK_ERR("waitid without __WCLONE",
		  syscall(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, NULL),
		  ECHILD);
	CHECK("wait4 with __WCLONE reaps it",
	      syscall(SYS_wait4, pid, &st, __WCLONE, NULL) == pid);
	CHECK_STR("status", ct_status(st), "exited 7");

	pid = ct_clone(0, stack + STK, NULL, NULL, 0, exit7, NULL);
	CHECK("clone with no exit signal", pid > 0);
	CHECK("wait4 with __WALL reaps it",
	      syscall(SYS_wait4, pid, &st, __WALL, NULL) == pid);
	CHECK_STR("status", ct_status(st), "exited 7");
	CHECK_EQX("nothing pending", ct_pending(), 0);

	pid = ct_clone(SIGCHLD, stack + STK, NULL, NULL, 0, exit7, NULL);
	CHECK_RET("SIGCHLD child: wait4 with __WCLONE sees nothing",
		  syscall(SYS_wait4, pid, &st, __WCLONE | WNOHANG, NULL), -1);
	ct_wait(pid);
	ct_setmask(0);
	munmap(stack, STK);
}

/* CLONE_PARENT from a child: the new process is the child's sibling. */
static int report_ppid(void *arg)
{
	long ppid = RAW0(SYS_getppid);

	RAW3(SYS_write, *(int *)arg, &ppid, sizeof(ppid));
	return 0;
}

static void parent_child(void *arg)
{
	char *stack = ct_map(STK, PROT_READ | PROT_WRITE);
	int p[2];
	long pid, ppid = -1;

	ct_pipe(p);
	pid = ct_clone(CLONE_PARENT | SIGCHLD, stack + STK, NULL, NULL, 0,
		       report_ppid, &p[1]);
	CHECK("clone(CLONE_PARENT) from a child", pid > 0);
	if (pid <= 0)
		return;
	read(p[0], &ppid, sizeof(ppid));
	CHECK_EQ("the new process's parent is init", ppid, 1);
	CHECK_ERR("its creator cannot wait for it",
		  syscall(SYS_wait4, pid, NULL, __WALL, NULL), ECHILD);
	/* tell init which pid to reap */
	write(*(int *)arg, &pid, sizeof(pid));
}

CONTRACT_TEST(parent)
{
	int p[2];
	long sib = 0;

	ct_pipe(p);
	ct_child_ok("child", parent_child, &p[1]);
	close(p[1]);
	CHECK_RET("sibling's pid", read(p[0], &sib, sizeof(sib)), sizeof(sib));
	close(p[0]);
	CHECK_STR("init reaps the sibling", ct_status(ct_wait(sib)),
		  "exited 0");
}

static volatile int vfork_mark;

static int vfork_child(void *arg)
{
	struct timespec ts = { 0, 20000000 };

	RAW2(SYS_nanosleep, &ts, NULL);
	vfork_mark = 1;
	return 4;
}

CONTRACT_TEST(vfork_flag)
{
	char *stack = ct_map(STK, PROT_READ | PROT_WRITE);
	long pid;

	vfork_mark = 0;
	pid = ct_clone(CLONE_VM | CLONE_VFORK | SIGCHLD, stack + STK, NULL,
		       NULL, 0, vfork_child, NULL);
	CHECK("clone(CLONE_VM|CLONE_VFORK)", pid > 0);
	CHECK_EQ("parent resumed only after the child ended", vfork_mark, 1);
	CHECK_STR("status", ct_status(ct_wait(pid)), "exited 4");
	munmap(stack, STK);
}

/* glibc's fork: SIGCHLD | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID. */
static int fork_tid;

CONTRACT_TEST(glibc_fork_flags)
{
	int p[2];
	long r, w[2] = { 0 };

	ct_pipe(p);
	fork_tid = -1;
	r = syscall(SYS_clone,
		    CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0,
		    NULL, &fork_tid, 0);
	if (r == 0) {
		long v[2] = { fork_tid, syscall(SYS_gettid) };

		write(p[1], v, sizeof(v));
		_exit(0);
	}
	CHECK("clone", r > 0);
	if (r > 0)
		read(p[0], w, sizeof(w));
	CHECK("child's ctid holds its tid", w[0] == w[1] && w[1] == r);
	CHECK_EQ("parent's copy untouched", fork_tid, -1);
	ct_wait(r);
	close(p[0]);
	close(p[1]);
}

CONTRACT_TEST(clone3_fork)
{
	struct ct_clone_args a;
	int ptid = 0, pidfd = -1;
	long pid;
	siginfo_t si;

	memset(&a, 0, sizeof(a));
	a.flags = CLONE_PARENT_SETTID | CLONE_PIDFD;
	a.parent_tid = (uint64_t)(uintptr_t)&ptid;
	a.pidfd = (uint64_t)(uintptr_t)&pidfd;
	a.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		syscall(SYS_exit, 6);
	CHECK("clone3", pid > 0);
	CHECK("parent_tid holds the pid", ptid == pid);
	CHECK_EQ("pidfd is the lowest free fd", pidfd, 3);
	CHECK_RET("pidfd is close-on-exec", fcntl(pidfd, F_GETFD), FD_CLOEXEC);
	memset(&si, 0, sizeof(si));
	CHECK_RET("waitid(P_PIDFD)",
		  syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, NULL), 0);
	CHECK("si_pid", si.si_pid == pid);
	CHECK_EQ("si_status", si.si_status, 6);
	close(pidfd);
}

CONTRACT_TEST(clone_pidfd)
{
	int pidfd = -1;
	long pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);

	if (pid == 0)
		syscall(SYS_exit, 2);
	CHECK("clone(CLONE_PIDFD)", pid > 0);
	CHECK_EQ("pidfd stored through the parent_tid argument", pidfd, 3);
	CHECK_STR("status", ct_status(ct_wait(pid)), "exited 2");
	close(pidfd);
}

static int report_sigs(void *arg)
{
	struct ct_kact a, b;
	long v[2];

	RAW4(SYS_rt_sigaction, SIGUSR1, NULL, &a, 8);
	RAW4(SYS_rt_sigaction, SIGUSR2, NULL, &b, 8);
	v[0] = (long)a.handler;
	v[1] = (long)b.handler;
	RAW3(SYS_write, *(int *)arg, v, sizeof(v));
	return 0;
}

CONTRACT_TEST(clone3_clear_sighand)
{
	struct ct_clone_args a;
	char *stack = ct_map(STK, PROT_READ | PROT_WRITE);
	int p[2];
	long v[2] = { -1, -1 }, pid;

	ct_pipe(p);
	ct_sigsimple(SIGUSR1, usr2, 0);
	ct_sigign(SIGUSR2);
	memset(&a, 0, sizeof(a));
	a.flags = CLONE_CLEAR_SIGHAND;
	a.exit_signal = SIGCHLD;
	a.stack = (uint64_t)(uintptr_t)stack;
	a.stack_size = STK;
	pid = ct_clone3(&a, sizeof(a), report_sigs, &p[1]);
	CHECK("clone3(CLONE_CLEAR_SIGHAND)", pid > 0);
	if (pid > 0)
		read(p[0], v, sizeof(v));
	CHECK("caught signal back to SIG_DFL", v[0] == (long)SIG_DFL);
	CHECK("ignored signal still ignored", v[1] == (long)SIG_IGN);
	if (pid > 0)
		ct_wait(pid);
	ct_sigdfl(SIGUSR1);
	ct_sigdfl(SIGUSR2);
	close(p[0]);
	close(p[1]);
	munmap(stack, STK);
}

/* glibc's posix_spawn: clone3 with CLONE_VM | CLONE_VFORK and a stack. */
CONTRACT_TEST(clone3_vfork_stack)
{
	struct ct_clone_args a;
	char *stack = ct_map(STK, PROT_READ | PROT_WRITE);
	long pid;

	memset(&a, 0, sizeof(a));
	a.flags = CLONE_VM | CLONE_VFORK;
	a.exit_signal = SIGCHLD;
	a.stack = (uint64_t)(uintptr_t)stack;
	a.stack_size = STK;
	vfork_mark = 0;
	pid = ct_clone3(&a, sizeof(a), vfork_child, NULL);
	CHECK("clone3(CLONE_VM|CLONE_VFORK)", pid > 0);
	CHECK_EQ("parent resumed only after the child ended", vfork_mark, 1);
	CHECK_STR("status", ct_status(ct_wait(pid)), "exited 4");
	munmap(stack, STK);
}
