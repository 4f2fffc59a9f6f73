/*
 * Helpers for the process, thread and signal areas (see proclib.h): raw
 * system calls and clone in assembly, threads joined through
 * CLONE_CHILD_CLEARTID, signal calls without libc, children whose output
 * the parent prints, and the "--helper" image the exec tests run.
 */
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "proclib.h"

/*
 * ct_raw(n, a..f): the syscall instruction with Linux's register
 * convention.  ct_clone_raw(flags, sp, ptid, ctid, tls) and
 * ct_clone3_raw(args, size): the child finds fn and arg on top of its new
 * stack, calls fn(arg) and exits with its value.  ct_restorer: the
 * rt_sigreturn trampoline.
 */
__asm__(".text\n"
	".globl ct_raw\n"
	".type ct_raw,@function\n"
	"ct_raw:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov %r8, %r10\n"
	"	mov %r9, %r8\n"
	"	mov 8(%rsp), %r9\n"
	"	syscall\n"
	"	ret\n"
	".size ct_raw, .-ct_raw\n"
	".globl ct_clone_raw\n"
	".type ct_clone_raw,@function\n"
	"ct_clone_raw:\n"
	"	mov %rcx, %r10\n"
	"	mov $56, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	".globl ct_clone3_raw\n"
	"ct_clone3_raw:\n"
	"	mov $435, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	"1:	xor %ebp, %ebp\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	call *%rax\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n"
	"	syscall\n"
	"	hlt\n"
	".size ct_clone_raw, .-ct_clone_raw\n"
	".globl ct_restorer\n"
	".type ct_restorer,@function\n"
	"ct_restorer:\n"
	"	mov $15, %eax\n"
	"	syscall\n"
	"	hlt\n"
	".size ct_restorer, .-ct_restorer\n");

long ct_clone_raw(unsigned long flags, void *sp, int *ptid, int *ctid,
		  unsigned long tls);
long ct_clone3_raw(struct ct_clone_args *args, size_t size);

const char *ct_self = "/contract/contract-musl";

/* Put fn and arg where the child's first two pops find them. */
static void *push_call(void *top, int (*fn)(void *), void *arg)
{
	uintptr_t sp = ((uintptr_t)top & ~15UL) - 16;

	((void **)sp)[0] = (void *)fn;
	((void **)sp)[1] = arg;
	return (void *)sp;
}

long ct_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid,
	      unsigned long tls, int (*fn)(void *), void *arg)
{
	return ct_clone_raw(flags, push_call(stack_top, fn, arg), ptid, ctid,
			    tls);
}

long ct_clone3(struct ct_clone_args *args, size_t size, int (*fn)(void *),
	       void *arg)
{
	char *top = (char *)(uintptr_t)(args->stack + args->stack_size);
	char *sp = push_call(top, fn, arg);

	args->stack_size = (uint64_t)(uintptr_t)sp - args->stack;
	return ct_clone3_raw(args, size);
}

#define THR_STACK (64 * 1024)

long ct_thr_start(struct ct_thr *t, unsigned long flags, int (*fn)(void *),
		  void *arg)
{
	long r;

	t->stack = mmap(NULL, THR_STACK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t->ctid = -1;
	t->tid = 0;
	if (t->stack == MAP_FAILED) {
		t->stack = NULL;
		return -ENOMEM;
	}
	r = ct_clone(flags, t->stack + THR_STACK, (int *)&t->ctid,
		     (int *)&t->ctid, 0, fn, arg);
	if (r < 0) {
		munmap(t->stack, THR_STACK);
		t->stack = NULL;
		t->ctid = 0;
		return r;
	}
	t->tid = (int)r;
	return r;
}

int ct_thr_join(struct ct_thr *t)
{
	int ok = ct_wait_value(&t->ctid, 0);

	if (ok == 0 && t->stack) {
		munmap(t->stack, THR_STACK);
		t->stack = NULL;
	}
	return ok;
}

long ct_tgkill_gone(pid_t tgid, pid_t tid)
{
	long r = syscall(SYS_tgkill, tgid, tid, 0);

	for (int i = 0; i < 200 && r == 0; i++) {
		ct_msleep(10);
		r = syscall(SYS_tgkill, tgid, tid, 0);
	}
	return r;
}

long ct_futex_wait(volatile int *w, int val, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	return RAW4(SYS_futex, w, FUTEX_WAIT, val, ms ? &ts : NULL);
}

long ct_futex_wake(volatile int *w, int n)
{
	return RAW3(SYS_futex, w, FUTEX_WAKE, n);
}

int ct_wait_value(volatile int *w, int val)
{
	for (int i = 0; i < 500; i++) {
		int v = *w;

		if (v == val)
			return 0;
		ct_futex_wait(w, v, 10);
	}
	return *w == val ? 0 : -1;
}

int ct_sigaction(int sig, ct_sigfn fn, unsigned long flags, uint64_t mask)
{
	struct ct_kact ka = { (void *)fn, flags | SA_SIGINFO | K_SA_RESTORER,
			      (void *)ct_restorer, mask };

	return syscall(SYS_rt_sigaction, sig, &ka, NULL, 8);
}

int ct_sigsimple(int sig, void (*fn)(int), unsigned long flags)
{
	struct ct_kact ka = { (void *)fn, flags | K_SA_RESTORER,
			      (void *)ct_restorer, 0 };

	return syscall(SYS_rt_sigaction, sig, &ka, NULL, 8);
}

int ct_sigdfl(int sig)
{
	struct ct_kact ka = { SIG_DFL, 0, NULL, 0 };

	return syscall(SYS_rt_sigaction, sig, &ka, NULL, 8);
}

int ct_sigign(int sig)
{
	struct ct_kact ka = { SIG_IGN, 0, NULL, 0 };

	return syscall(SYS_rt_sigaction, sig, &ka, NULL, 8);
}

uint64_t ct_getmask(void)
{
	uint64_t m = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
	return m;
}

uint64_t ct_setmask(uint64_t mask)
{
	uint64_t old = 0;

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, &old, 8);
	return old;
}

uint64_t ct_block(uint64_t set)
{
	uint64_t old = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8);
	return old;
}

uint64_t ct_pending(void)
{
	uint64_t p = 0;

	syscall(SYS_rt_sigpending, &p, 8);
	return p;
}

long ct_kill_self(int sig)
{
	return syscall(SYS_kill, syscall(SYS_getpid), sig);
}

long ct_tgkill_self(int sig)
{
	return syscall(SYS_tgkill, syscall(SYS_getpid), syscall(SYS_gettid),
		       sig);
}

static const char *const signames[32] = {
	"0",	   "SIGHUP",  "SIGINT",	   "SIGQUIT", "SIGILL",	   "SIGTRAP",
	"SIGABRT", "SIGBUS",  "SIGFPE",	   "SIGKILL", "SIGUSR1",   "SIGSEGV",
	"SIGUSR2", "SIGPIPE", "SIGALRM",   "SIGTERM", "SIGSTKFLT", "SIGCHLD",
	"SIGCONT", "SIGSTOP", "SIGTSTP",   "SIGTTIN", "SIGTTOU",   "SIGURG",
	"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",  "SIGIO",
	"SIGPWR",  "SIGSYS",
};

const char *ct_signame(int sig)
{
	static char buf[4][24];
	static int k;
	char *b = buf[k++ & 3];

	if (sig >= 0 && sig < 32)
		return signames[sig];
	snprintf(b, 24, "SIGRT%d", sig - K_SIGRTMIN);
	return b;
}

const char *ct_status(int st)
{
	static char buf[4][48];
	static int k;
	char *b = buf[k++ & 3];

	if (st == -1)
		snprintf(b, 48, "no status");
	else if (WIFEXITED(st))
		snprintf(b, 48, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, 48, "killed %s%s", ct_signame(WTERMSIG(st)),
			 WCOREDUMP(st) ? " (core)" : "");
	else if (WIFSTOPPED(st))
		snprintf(b, 48, "stopped %s", ct_signame(WSTOPSIG(st)));
	else if (WIFCONTINUED(st))
		snprintf(b, 48, "continued");
	else
		snprintf(b, 48, "status %#x", st);
	return b;
}

void ct_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int ct_wait(pid_t pid)
{
	int st;
	long r;

	do
		r = syscall(SYS_wait4, pid, &st, __WALL, NULL);
	while (r < 0 && errno == EINTR);
	if (r != pid) {
		ct_fail(__FILE__, __LINE__, "wait4: %ld %s", r,
			ct_errname(errno));
		return -1;
	}
	return st;
}

void ct_reap_all(void)
{
	int st;

	while (syscall(SYS_wait4, -1, &st, __WALL, NULL) > 0)
		;
}

pid_t ct_fork(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		ct_fail(__FILE__, __LINE__, "fork: %s", ct_errname(errno));
		return CT_NOPID;
	}
	return pid;
}

int ct_pipe(int p[2])
{
	p[0] = p[1] = -1;
	if (pipe(p) == 0)
		return 0;
	ct_fail(__FILE__, __LINE__, "pipe: %s", ct_errname(errno));
	p[0] = p[1] = -1;
	return -1;
}

int ct_arm_ms(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	if (setitimer(ITIMER_REAL, &it, NULL) == 0)
		return 0;
	ct_fail(__FILE__, __LINE__, "setitimer: %s", ct_errname(errno));
	return -1;
}

pid_t ct_fork_exit(int code, long ms)
{
	pid_t pid = ct_fork();

	if (pid == 0) {
		if (ms)
			ct_msleep(ms);
		_exit(code);
	}
	return pid;
}

/* Read fd to EOF into out (NUL-terminated, truncated at len - 1). */
static void slurp(int fd, char *out, size_t len)
{
	size_t n = 0;
	char junk[512];

	for (;;) {
		ssize_t r;

		if (n + 1 < len)
			r = read(fd, out + n, len - 1 - n);
		else
			r = read(fd, junk, sizeof(junk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n + 1 < len)
			n += r;
	}
	out[n] = 0;
}

/* Copy a child's output to stdout; each FAIL line fails the test. */
static void forward(const char *text)
{
	size_t len = strlen(text);

	while (len) {
		ssize_t w = write(1, text, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		text += w;
		len -= w;
	}
}

int ct_capture(void (*body)(void *), void *arg, char *out, size_t len)
{
	int p[2];
	pid_t pid;

	out[0] = 0;
	if (pipe2(p, O_CLOEXEC)) {
		ct_fail(__FILE__, __LINE__, "pipe2: %s", ct_errname(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		body(arg);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		ct_fail(__FILE__, __LINE__, "fork: %s", ct_errname(errno));
		return -1;
	}
	slurp(p[0], out, len);
	close(p[0]);
	return ct_wait(pid);
}

static char child_out[32768];

int ct_child(void (*fn)(void *), void *arg)
{
	int st = ct_capture(fn, arg, child_out, sizeof(child_out));

	forward(child_out);
	for (const char *l = child_out; l && *l;) {
		if (!strncmp(l, "FAIL ", 5))
			ct_mark_failed();
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return st;
}

int ct_child_ok(const char *what, void (*fn)(void *), void *arg)
{
	int st = ct_child(fn, arg);

	if (st != 0)
		ct_fail(__FILE__, __LINE__, "%s: child %s", what,
			ct_status(st));
	return st;
}

struct helper_run {
	const char *const *argv, *const *envp;
	void (*setup)(void *);
	void *arg;
};

static void helper_body(void *arg)
{
	struct helper_run *h = arg;

	if (h->setup)
		h->setup(h->arg);
	syscall(SYS_execve, ct_self, h->argv, h->envp);
	ct_say("exec: %s", ct_errname(errno));
	_exit(127);
}

int ct_run_helper(const char *const *words, const char *const *envp,
		  void (*setup)(void *), void *arg, char *out, size_t len)
{
	static const char *const defenv[] = { "HOME=/", NULL };
	const char *argv[32];
	struct helper_run h = { argv, envp ? envp : defenv, setup, arg };
	int n = 0;

	argv[n++] = ct_self;
	argv[n++] = "--helper";
	for (int i = 0; words[i] && n < 31; i++)
		argv[n++] = words[i];
	argv[n] = NULL;
	return ct_capture(helper_body, &h, out, len);
}

void ct_print(const char *out)
{
	forward(out);
}

const char *ct_field(const char *out, const char *key)
{
	static char buf[4][256];
	static int k;
	char *b = buf[k++ & 3];
	size_t kl = strlen(key);

	for (const char *l = out; l && *l;) {
		if (!strncmp(l, key, kl) && l[kl] == ':' && l[kl + 1] == ' ') {
			const char *v = l + kl + 2, *e = strchr(v, '\n');
			size_t n = e ? (size_t)(e - v) : strlen(v);

			if (n > 255)
				n = 255;
			memcpy(b, v, n);
			b[n] = 0;
			return b;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return "(missing)";
}

int ct_write_file(const char *path, const char *text, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t n = strlen(text);

	if (fd < 0 || write(fd, text, n) != (ssize_t)n) {
		ct_fail(__FILE__, __LINE__, "write %s: %s", path,
			ct_errname(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return chmod(path, mode);
}

/* --- the helper image ----------------------------------------------- */

static void sig_list(char *buf, size_t len, uint64_t set)
{
	size_t n = 0;

	buf[0] = 0;
	for (int s = 1; s <= 64 && n + 12 < len; s++)
		if (set & CT_SIGBIT(s))
			n += snprintf(buf + n, len - n, "%s%s", n ? " " : "",
				      ct_signame(s));
	if (!n)
		snprintf(buf, len, "none");
}

/* The words of CT_HELPER=... in envp, or NULL. */
const char *ct_helper_env(char **envp)
{
	for (char **e = envp; *e; e++)
		if (!strncmp(*e, "CT_HELPER=", 10))
			return *e + 10;
	return NULL;
}

/*
 * The helper image: "PROG --helper WORD..." or any argv with
 * CT_HELPER="WORD ..." in the environment (a #! script's interpreter gets
 * the script's path as an argument).  Each word prints one or more facts
 * about the new image, in order, as "key: value" lines on stdout.
 */
int ct_helper(int fargc, char **fargv, char **envp)
{
	char *argv[32], wbuf[512];
	const char *env = ct_helper_env(envp);
	int argc = 0;
	char l[512];

	if (env) {
		snprintf(wbuf, sizeof(wbuf), "%s", env);
		for (char *t = strtok(wbuf, " "); t && argc < 31;
		     t = strtok(NULL, " "))
			argv[argc++] = t;
	} else {
		for (int i = 2; i < fargc && argc < 31; i++)
			argv[argc++] = fargv[i];
	}
	argv[argc] = NULL;
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : "0";

		if (!strcmp(w, "argv")) {
			ct_say("argc: %d", fargc);
			for (int j = 0; j < fargc; j++)
				ct_say("argv[%d]: %s", j, fargv[j]);
		} else if (!strcmp(w, "env")) {
			for (char **e = envp; *e; e++)
				ct_say("env: %s", *e);
		} else if (!strcmp(w, "fds")) {
			size_t n = 0;

			for (int fd = 0; fd < 64; fd++)
				if (fcntl(fd, F_GETFD) >= 0)
					n += snprintf(l + n, sizeof(l) - n,
						      " %d", fd);
			ct_say("fds open:%s", l);
		} else if (!strcmp(w, "sigs")) {
			uint64_t caught = 0, ign = 0;

			for (int s = 1; s <= 64; s++) {
				struct ct_kact ka;

				if (syscall(SYS_rt_sigaction, s, NULL, &ka, 8))
					continue;
				if (ka.handler == SIG_IGN)
					ign |= CT_SIGBIT(s);
				else if (ka.handler != SIG_DFL)
					caught |= CT_SIGBIT(s);
			}
			sig_list(l, sizeof(l), caught);
			ct_say("caught: %s", l);
			sig_list(l, sizeof(l), ign);
			ct_say("ignored: %s", l);
			sig_list(l, sizeof(l), ct_getmask());
			ct_say("blocked: %s", l);
			sig_list(l, sizeof(l), ct_pending());
			ct_say("pending: %s", l);
		} else if (!strcmp(w, "altstack")) {
			stack_t ss;

			sigaltstack(NULL, &ss);
			ct_say("altstack: %s", ss.ss_flags & SS_DISABLE
						       ? "disabled"
						       : "enabled");
		} else if (!strcmp(w, "expect-pid")) {
			long want = atol(next);

			i++;
			ct_say("pid as expected: %s",
			       syscall(SYS_getpid) == want ? "yes" : "no");
			ct_say("tid == pid: %s",
			       syscall(SYS_gettid) == want ? "yes" : "no");
		} else if (!strcmp(w, "ppid")) {
			ct_say("ppid: %ld", (long)syscall(SYS_getppid));
		} else if (!strcmp(w, "comm")) {
			char comm[17] = "";

			prctl(PR_GET_NAME, comm, 0, 0, 0);
			ct_say("comm: %s", comm);
		} else if (!strcmp(w, "prctl")) {
			int sig = -1;

			prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
			ct_say("no_new_privs: %d",
			       prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
			ct_say("dumpable: %d",
			       prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
			ct_say("pdeathsig: %d", sig);
			ct_say("keepcaps: %d",
			       prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
		} else if (!strcmp(w, "timers")) {
			struct itimerval it;

			getitimer(ITIMER_REAL, &it);
			ct_say("itimer real armed: %s",
			       it.it_value.tv_sec || it.it_value.tv_usec
				       ? "yes"
				       : "no");
			ct_say("itimer real interval: %ld.%06ld",
			       (long)it.it_interval.tv_sec,
			       (long)it.it_interval.tv_usec);
		} else if (!strcmp(w, "umask")) {
			mode_t m = umask(0);

			umask(m);
			ct_say("umask: %#o", m);
		} else if (!strcmp(w, "cwd")) {
			char cwd[256];

			ct_say("cwd: %s", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
		} else if (!strcmp(w, "exe")) {
			/* exe DIR: where DIR/self/exe (a procfs) points */
			char t[256] = "", path[128];

			snprintf(path, sizeof(path), "%s/self/exe", next);
			if (readlink(path, t, sizeof(t) - 1) < 0)
				snprintf(t, sizeof(t), "%s", ct_errname(errno));
			ct_say("exe: %s", t);
			i++;
		} else if (!strcmp(w, "ids")) {
			uid_t r, e, s;
			gid_t gr, ge, gs;

			getresuid(&r, &e, &s);
			getresgid(&gr, &ge, &gs);
			ct_say("uids: %d %d %d", (int)r, (int)e, (int)s);
			ct_say("gids: %d %d %d", (int)gr, (int)ge, (int)gs);
		} else if (!strcmp(w, "write")) {
			/* write FD TEXT */
			int fd = atoi(next);
			const char *t = i + 2 < argc ? argv[i + 2] : "";
			long r = write(fd, t, strlen(t));

			ct_say("write fd %d: %s", fd,
			       r < 0 ? ct_errname(errno) : "ok");
			i += 2;
		} else if (!strcmp(w, "sleep")) {
			ct_msleep(atol(next));
			i++;
		} else if (!strcmp(w, "kill-self")) {
			ct_kill_self(atoi(next));
			i++;
		} else if (!strcmp(w, "exit")) {
			_exit(atoi(next));
		} else {
			ct_say("helper: unknown word %s", w);
			return 2;
		}
	}
	return 0;
}
