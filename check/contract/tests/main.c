/*
 * The contract-test driver: runs every registered test (or those chosen on
 * the command line, see selected()) in one process, in a fixed order
 * (areas in areas[], then source order), and checks after each test
 * that it left no fd open, the cwd at "/" and RLIMIT_NOFILE as it found
 * them, no child behind and the signal mask empty (see check_leaks).
 * Output format: see contract.h.  Ends with
 *
 *	=== end
 *	contract: N passed, N failed
 *
 * and exits 0 only if every test passed.  "-l" lists the test names.
 *
 * Staged areas (AREA_STAGED: none at present) are
 * written ahead of the kernel features they test.  They run only when
 * named on the command line ("signal", "pipe.eof") or with "-a" (every
 * area); a plain run skips them, so they cannot crash a kernel that lacks
 * the features.  Unstage an area by dropping the flag.
 *
 * "--helper ..." as the first argument does not run tests: the program is
 * the image the exec tests start (ct_helper in proclib.c).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "contract.h"
#include "proclib.h"

int ct_argc;
char **ct_argv;
char **ct_envp;
unsigned long *ct_auxv;

extern const struct ct_test __start_ct_tests[], __stop_ct_tests[];

/* AREA_PROC: after each test, also check dispositions, the alternate
 * signal stack, itimers, the umask and the process name (check_proc). */
#define AREA_STAGED 1
#define AREA_PROC 2

static const struct area {
	const char *name;
	int flags;
} areas[] = {
	{ "startup", 0 },
	{ "ident", 0 },
	{ "time", 0 },
	{ "mem", 0 },
	{ "fd", 0 },
	{ "fs", 0 },
	{ "errors", 0 },
	{ "abi", 0 },
	/* issue 8: processes, threads, signals */
	{ "proc", AREA_PROC },
	{ "clone", AREA_PROC },
	{ "thread", AREA_PROC },
	{ "exec", AREA_PROC },
	{ "wait", AREA_PROC },
	{ "pgrp", AREA_PROC },
	{ "signal", AREA_PROC },
	{ "sigframe", AREA_PROC },
	{ "futex", AREA_PROC },
	{ "pipe", AREA_PROC },
	{ "timer", AREA_PROC },
	{ "cred", AREA_PROC },
	{ "prctl", AREA_PROC },
	{ "sched", AREA_PROC },
	{ "truncate", AREA_PROC },
	{ "poll", AREA_PROC },
	/* issue 9: the file-system layer */
	{ "names", 0 },
	{ "attr", 0 },
	{ "fileops", 0 },
	{ "perm", AREA_PROC },
	{ "select", AREA_PROC },
	{ "fifo", AREA_PROC },
	{ "mount", AREA_PROC },
	{ "epoll", AREA_PROC },
	{ "fdtypes", AREA_PROC },
	{ "lock", AREA_PROC },
	{ "xattr", AREA_PROC },
	{ "inotify", AREA_PROC },
	{ "handle", AREA_PROC },
	{ "procinfo", AREA_PROC },
	{ "sysvipc", AREA_PROC },
	{ "mqueue", AREA_PROC },
	{ "posixshm", AREA_PROC },
	/* issue 10 */
	{ "reboot", AREA_PROC },
	{ "tty", AREA_PROC },
	{ "jobctl", AREA_PROC },
	/* issue 12: networking */
	{ "socket", AREA_PROC },
	{ "unix", AREA_PROC },
	{ "tcp", AREA_PROC },
	{ "udp", AREA_PROC },
	{ "netlink", AREA_PROC },
	{ "netpoll", AREA_PROC },
	{ "procnet", AREA_PROC },
};

#define NAREAS (sizeof(areas) / sizeof(areas[0]))

static int cur_failed;

int ct_failures(void)
{
	return cur_failed;
}

void ct_mark_failed(void)
{
	cur_failed++;
}

/* write(2) all of buf to stdout. */
static void out(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(1, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

void ct_say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;
	int saved = errno;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	out(buf, n);
	errno = saved;
}

void ct_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cur_failed++;
	ct_say("FAIL %s:%d: %s", file, line, msg);
}

static const struct {
	int num;
	const char *name;
} errnames[] = {
	{ EPERM, "EPERM" },
	{ ENOENT, "ENOENT" },
	{ ESRCH, "ESRCH" },
	{ EINTR, "EINTR" },
	{ EIO, "EIO" },
	{ ENXIO, "ENXIO" },
	{ E2BIG, "E2BIG" },
	{ ENOEXEC, "ENOEXEC" },
	{ EBADF, "EBADF" },
	{ ECHILD, "ECHILD" },
	{ EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" },
	{ EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },
	{ EXDEV, "EXDEV" },
	{ ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" },
	{ EISDIR, "EISDIR" },
	{ EINVAL, "EINVAL" },
	{ ENFILE, "ENFILE" },
	{ EMFILE, "EMFILE" },
	{ ENOTTY, "ENOTTY" },
	{ ETXTBSY, "ETXTBSY" },
	{ EFBIG, "EFBIG" },
	{ ENOSPC, "ENOSPC" },
	{ ESPIPE, "ESPIPE" },
	{ EROFS, "EROFS" },
	{ EMLINK, "EMLINK" },
	{ EPIPE, "EPIPE" },
	{ EDOM, "EDOM" },
	{ ERANGE, "ERANGE" },
	{ EDEADLK, "EDEADLK" },
	{ ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOLCK, "ENOLCK" },
	{ ENOSYS, "ENOSYS" },
	{ ENOMSG, "ENOMSG" },
	{ EIDRM, "EIDRM" },
	{ EMSGSIZE, "EMSGSIZE" },
	{ ENOTSOCK, "ENOTSOCK" },
	{ ENOTEMPTY, "ENOTEMPTY" },
	{ ELOOP, "ELOOP" },
	{ EOVERFLOW, "EOVERFLOW" },
	{ EOPNOTSUPP, "EOPNOTSUPP" },
	{ ENOTSUP, "ENOTSUP" },
	{ ETIMEDOUT, "ETIMEDOUT" },
	{ EOWNERDEAD, "EOWNERDEAD" },
	{ ECANCELED, "ECANCELED" },
	{ ESTALE, "ESTALE" },
	/* sockets (issue 12) */
	{ EDESTADDRREQ, "EDESTADDRREQ" },
	{ EPROTOTYPE, "EPROTOTYPE" },
	{ ENOPROTOOPT, "ENOPROTOOPT" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" },
	{ ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT" },
	{ EPFNOSUPPORT, "EPFNOSUPPORT" },
	{ EAFNOSUPPORT, "EAFNOSUPPORT" },
	{ EADDRINUSE, "EADDRINUSE" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	{ ENETDOWN, "ENETDOWN" },
	{ ENETUNREACH, "ENETUNREACH" },
	{ ENETRESET, "ENETRESET" },
	{ ECONNABORTED, "ECONNABORTED" },
	{ ECONNRESET, "ECONNRESET" },
	{ ENOBUFS, "ENOBUFS" },
	{ EISCONN, "EISCONN" },
	{ ENOTCONN, "ENOTCONN" },
	{ ESHUTDOWN, "ESHUTDOWN" },
	{ ETOOMANYREFS, "ETOOMANYREFS" },
	{ ECONNREFUSED, "ECONNREFUSED" },
	{ EHOSTDOWN, "EHOSTDOWN" },
	{ EHOSTUNREACH, "EHOSTUNREACH" },
	{ EALREADY, "EALREADY" },
	{ EINPROGRESS, "EINPROGRESS" },
};

const char *ct_errname(int err)
{
	static char buf[24];

	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].num == err)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "errno%d", err);
	return buf;
}

/* "-1 ENAME" for a failed call, else the value in decimal. */
static const char *result(char *buf, size_t n, long r, int err)
{
	if (r == -1)
		snprintf(buf, n, "-1 %s", ct_errname(err));
	else
		snprintf(buf, n, "%ld", r);
	return buf;
}

void ct_check_err(const char *file, int line, const char *label, long r,
		  int err, int want)
{
	char got[40];

	ct_say("%s: %s", label, result(got, sizeof(got), r, err));
	if (r != -1 || err != want)
		ct_fail(file, line, "%s: want -1 %s", label, ct_errname(want));
}

void ct_check_ret(const char *file, int line, const char *label, long r,
		  int err, long want)
{
	char got[40], w[40];

	ct_say("%s: %s", label, result(got, sizeof(got), r, err));
	if (r != want)
		ct_fail(file, line, "%s: want %s", label,
			result(w, sizeof(w), want, 0));
}

void ct_check_eq(const char *file, int line, const char *label, long got,
		 long want, int base)
{
	const char *f = base == 8    ? "%s: %#lo"
			: base == 16 ? "%s: %#lx"
				     : "%s: %ld";

	ct_say(f, label, got);
	if (got != want)
		ct_fail(file, line, "%s: want %ld (%#lx)", label, want, want);
}

void ct_check_yes(const char *file, int line, const char *label, int cond)
{
	ct_say("%s: %s", label, cond ? "yes" : "no");
	if (!cond)
		ct_fail(file, line, "%s: want yes", label);
}

void ct_check_str(const char *file, int line, const char *label,
		  const char *got, const char *want)
{
	ct_say("%s: \"%s\"", label, got ? got : "(null)");
	if (!got || strcmp(got, want))
		ct_fail(file, line, "%s: want \"%s\"", label, want);
}

int ct_open(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0)
		ct_fail(__FILE__, __LINE__, "open %s: %s", path,
			ct_errname(errno));
	return fd;
}

void *ct_map(long len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		ct_fail(__FILE__, __LINE__, "mmap %ld: %s", len,
			ct_errname(errno));
		return NULL;
	}
	return p;
}

int ct_tree_ext4(void)
{
	static int known = -1;
	struct statfs s;

	if (known < 0)
		known = statfs("/", &s) == 0 && s.f_type == 0xEF53;
	return known;
}

/*
 * rt_sigprocmask with an invalid "how" reads the new set first: EFAULT if
 * the kernel cannot read p, EINVAL if it can.  Reads 8 bytes at p.
 */
int ct_kreadable(const void *p)
{
	errno = 0;
	return syscall(SYS_rt_sigprocmask, 99, p, NULL, 8) == -1 &&
	       errno == EINVAL;
}

/* Reads one byte of /dev/zero to p: the byte becomes 0. */
int ct_kwritable(void *p)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	int ok = fd >= 0 && read(fd, p, 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok;
}

char *ct_map_with_hole(long pages)
{
	char *p = ct_map(pages * PG, PROT_READ | PROT_WRITE);

	if (p && munmap(p + (pages - 1) * PG, PG))
		ct_fail(__FILE__, __LINE__, "munmap: %s", ct_errname(errno));
	return p;
}

static int area_rank(const char *area)
{
	for (size_t i = 0; i < NAREAS; i++)
		if (!strcmp(area, areas[i].name))
			return i;
	return 100;
}

static int area_flags(const char *area)
{
	for (size_t i = 0; i < NAREAS; i++)
		if (!strcmp(area, areas[i].name))
			return areas[i].flags;
	return 0;
}

static int cmp_tests(const struct ct_test *x, const struct ct_test *y)
{
	int d = area_rank(x->area) - area_rank(y->area);

	if (d)
		return d;
	d = strcmp(x->area, y->area);
	if (d)
		return d;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * Arguments: "area" or "area.name" select tests (default: all but the
 * staged areas); "-a" adds the staged areas to the default; "+area.name"
 * skips every test before that one (the harness resumes after a crash
 * this way); "-l" lists the tests.
 */
static int selected(const struct ct_test *t, int argc, char **argv)
{
	char full[128];
	int any = 0, all = 0;

	snprintf(full, sizeof(full), "%s.%s", t->area, t->name);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-a"))
			all = 1;
		if (argv[i][0] == '-' || argv[i][0] == '+')
			continue;
		any = 1;
		if (!strcmp(argv[i], full) || !strcmp(argv[i], t->area))
			return 1;
	}
	return !any && (all || !(area_flags(t->area) & AREA_STAGED));
}

static const char *start_from(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '+')
			return argv[i] + 1;
	return NULL;
}

static struct rlimit initial_nofile;

static void check_children(void);
static void check_mask(void);

/*
 * Report and repair what a test left behind.  Kept to a few system calls
 * (they show up in every syscall trace): the lowest free fd must be 3, and
 * the high fds tests use explicitly must be closed.
 */
static void check_leaks(void)
{
	static const int high[] = {
		10, 11, 20, 21, 22, 30, 50, 100, 101, 1023
	};
	char cwd[256];
	struct rlimit rl;
	int fd = dup(0);

	if (fd != 3) {
		ct_fail(__FILE__, __LINE__, "lowest free fd is %d, not 3", fd);
		for (int i = 3; i < fd; i++)
			close(i);
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < sizeof(high) / sizeof(high[0]); i++) {
		if (fcntl(high[i], F_GETFD) != -1) {
			ct_fail(__FILE__, __LINE__, "fd %d left open", high[i]);
			close(high[i]);
		}
	}
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/")) {
		ct_fail(__FILE__, __LINE__, "cwd left changed");
		if (chdir("/"))
			ct_fail(__FILE__, __LINE__, "chdir /");
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) ||
	    rl.rlim_cur != initial_nofile.rlim_cur ||
	    rl.rlim_max != initial_nofile.rlim_max) {
		ct_fail(__FILE__, __LINE__, "RLIMIT_NOFILE left changed");
		setrlimit(RLIMIT_NOFILE, &initial_nofile);
	}
	check_children();
	check_mask();
}

/*
 * No child may outlive its test (a zombie, or one still running: the
 * program is init, so orphans of a test's children land here too).  A
 * kernel without wait4 (ENOSYS) has no children to leave.
 */
static void check_children(void)
{
	int st, n = 0;
	long r;

	while ((r = syscall(SYS_wait4, -1, &st, WNOHANG | __WALL, NULL)) > 0)
		n++;
	if (r == 0) {
		ct_fail(__FILE__, __LINE__, "a child is still running");
		/* init's kill(-1) reaches every other process */
		syscall(SYS_kill, -1, SIGKILL);
		while (syscall(SYS_wait4, -1, &st, __WALL, NULL) > 0)
			;
	} else if (n) {
		ct_fail(__FILE__, __LINE__, "%d unreaped child(ren)", n);
	}
}

/* The signal mask must be empty again, nothing left pending. */
static void check_mask(void)
{
	uint64_t mask = 0, pend = 0, none = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, 8);
	syscall(SYS_rt_sigpending, &pend, 8);
	if (pend) {
		ct_fail(__FILE__, __LINE__, "signals left pending: %#llx",
			(unsigned long long)pend);
		/* drop them: ignoring a signal discards it */
		for (int s = 1; s <= 64; s++) {
			struct ct_kact ign = { SIG_IGN, 0, 0, 0 }, old;

			if (!(pend & CT_SIGBIT(s)) || s == SIGKILL ||
			    s == SIGSTOP)
				continue;
			syscall(SYS_rt_sigaction, s, &ign, &old, 8);
			syscall(SYS_rt_sigaction, s, &old, NULL, 8);
		}
	}
	if (mask) {
		ct_fail(__FILE__, __LINE__, "signal mask left %#llx",
			(unsigned long long)mask);
		syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
	}
}

/*
 * The process-wide state the AREA_PROC tests touch, as main() found it
 * (taken before the first such test runs).
 */
static struct {
	int taken;
	struct ct_kact act[65];
	char comm[16];
} proc0;

static void take_proc_state(void)
{
	for (int s = 1; s <= 64; s++)
		syscall(SYS_rt_sigaction, s, NULL, &proc0.act[s], 8);
	prctl(PR_GET_NAME, proc0.comm, 0, 0, 0);
	proc0.taken = 1;
}

/* After an AREA_PROC test: dispositions, sigaltstack, itimers, umask,
 * name. */
static void check_proc(void)
{
	struct ct_kact ka;
	stack_t ss;
	struct itimerval it;
	char comm[16];
	mode_t um;

	for (int s = 1; s <= 64; s++) {
		if (syscall(SYS_rt_sigaction, s, NULL, &ka, 8))
			continue;
		if (ka.handler != proc0.act[s].handler ||
		    ka.flags != proc0.act[s].flags ||
		    ka.mask != proc0.act[s].mask) {
			ct_fail(__FILE__, __LINE__,
				"signal %d's disposition left changed", s);
			syscall(SYS_rt_sigaction, s, &proc0.act[s], NULL, 8);
		}
	}
	if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE)) {
		ct_fail(__FILE__, __LINE__, "sigaltstack left enabled");
		ss.ss_flags = SS_DISABLE;
		sigaltstack(&ss, NULL);
	}
	for (int w = ITIMER_REAL; w <= ITIMER_PROF; w++) {
		if (getitimer(w, &it) == 0 &&
		    (it.it_value.tv_sec || it.it_value.tv_usec)) {
			ct_fail(__FILE__, __LINE__, "itimer %d left armed", w);
			memset(&it, 0, sizeof(it));
			setitimer(w, &it, NULL);
		}
	}
	um = umask(022);
	if (um != 022)
		ct_fail(__FILE__, __LINE__, "umask left %#o", um);
	if (prctl(PR_GET_NAME, comm, 0, 0, 0) == 0 &&
	    strcmp(comm, proc0.comm)) {
		ct_fail(__FILE__, __LINE__, "process name left changed");
		prctl(PR_SET_NAME, proc0.comm, 0, 0, 0);
	}
}

int main(int argc, char **argv, char **envp)
{
	static const struct ct_test *tests[1024];
	size_t n = __stop_ct_tests - __start_ct_tests;
	char **e = envp;
	int passed = 0, failed = 0;
	const char *from = start_from(argc, argv);

	if ((argc > 1 && !strcmp(argv[1], "--helper")) || ct_helper_env(envp))
		return ct_helper(argc, argv, envp);
	if (argv[0][0] == '/')
		ct_self = argv[0];
	ct_argc = argc;
	ct_argv = argv;
	ct_envp = envp;
	while (*e)
		e++;
	ct_auxv = (unsigned long *)(e + 1);
	getrlimit(RLIMIT_NOFILE, &initial_nofile);

	if (n > sizeof(tests) / sizeof(tests[0]))
		return 2;
	for (size_t i = 0; i < n; i++)
		tests[i] = &__start_ct_tests[i];
	/* Insertion sort: no libc allocation before the startup tests. */
	for (size_t i = 1; i < n; i++) {
		const struct ct_test *t = tests[i];
		size_t j = i;

		for (; j > 0 && cmp_tests(tests[j - 1], t) > 0; j--)
			tests[j] = tests[j - 1];
		tests[j] = t;
	}

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (size_t i = 0; i < n; i++)
			ct_say("%s.%s", tests[i]->area, tests[i]->name);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ct_test *t = tests[i];
		char full[128];

		snprintf(full, sizeof(full), "%s.%s", t->area, t->name);
		if (from && strcmp(from, full))
			continue;
		from = NULL;
		if (!selected(t, argc, argv))
			continue;
		int proc = area_flags(t->area) & AREA_PROC;

		if (proc && !proc0.taken)
			take_proc_state();
		ct_say("=== %s.%s", t->area, t->name);
		cur_failed = 0;
		t->fn();
		check_leaks();
		if (proc)
			check_proc();
		ct_say("--- %s", cur_failed ? "FAIL" : "ok");
		if (cur_failed)
			failed++;
		else
			passed++;
	}
	ct_say("=== end");
	ct_say("contract: %d passed, %d failed", passed, failed);
	return failed ? 1 : 0;
}
