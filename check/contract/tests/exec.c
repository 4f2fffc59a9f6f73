/*
 * execve and execveat: what the new image gets (argv, envp, fds without
 * the O_CLOEXEC ones, signal state: caught signals reset, ignored ones
 * and the mask kept, pending kept, sigaltstack gone; name, prctl state,
 * itimers, umask, cwd, pid), the errors (ENOENT, EACCES, ENOEXEC, ELOOP,
 * E2BIG, EFAULT, ENAMETOOLONG, ETXTBSY), #! scripts (the one optional
 * argument, whitespace, truncation at 256 bytes, nesting depth), and
 * execve from a thread that is not the leader.  Every exec happens in a
 * child; the new image is the program itself in helper mode (ct_helper),
 * which prints facts the parent checks.  Staged (issue 8).
 */
#include <elf.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "exec"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static char out[8192];

/* The basename of the program, as the kernel names a process (15 chars). */
static const char *comm_of_self(void)
{
	static char c[16];
	const char *b = strrchr(ct_self, '/');

	snprintf(c, sizeof(c), "%s", b ? b + 1 : ct_self);
	return c;
}

struct ex {
	const char *path;
	const char *const *argv, *const *envp;
	int dirfd, flags, at; /* at: use execveat */
};

static void ex_body(void *arg)
{
	struct ex *e = arg;

	if (e->at)
		syscall(SYS_execveat, e->dirfd, e->path, e->argv, e->envp,
			e->flags);
	else
		syscall(SYS_execve, e->path, e->argv, e->envp);
	ct_say("exec: %s", ct_errname(errno));
	_exit(127);
}

/* exec path in a child with CT_HELPER=words; output in out. */
static int run(const char *path, const char *const *argv, const char *words)
{
	char env[256];
	const char *envp[] = { env, NULL };
	struct ex e = { path, argv, envp, 0, 0, 0 };

	snprintf(env, sizeof(env), "CT_HELPER=%s", words);
	return ct_capture(ex_body, &e, out, sizeof(out));
}

/* The errno of an exec that must fail, from a child. */
static const char *exec_err(const char *path, const char *const *argv,
			    const char *const *envp)
{
	static const char *const none[] = { NULL };
	struct ex e = { path, argv ? argv : none, envp ? envp : none, 0, 0, 0 };
	int st = ct_capture(ex_body, &e, out, sizeof(out));

	if (st != (127 << 8))
		return "(the exec worked)";
	return ct_field(out, "exec");
}

CONTRACT_TEST(argv_envp)
{
	const char *const words[] = { "argv", "env", NULL };
	const char *const envp[] = { "A=1", "EMPTY=", "B=two words", "NOEQ",
				     NULL };
	int st = ct_run_helper(words, envp, NULL, NULL, out, sizeof(out));

	CHECK_STR("status", ct_status(st), "exited 0");
	ct_print(out);
	CHECK_STR("argv[0]", ct_field(out, "argv[0]"), ct_self);
	CHECK_STR("argv[2]", ct_field(out, "argv[2]"), "argv");
}

CONTRACT_TEST(empty_argv)
{
	const char *const argv[] = { NULL };
	int st = run(ct_self, argv, "argv");

	CHECK_STR("status", ct_status(st), "exited 0");
	CHECK_STR("argc with argv = { NULL }", ct_field(out, "argc"), "1");
	CHECK_STR("argv[0] the kernel added", ct_field(out, "argv[0]"), "");
}

static void open_cloexec(void *arg)
{
	dup3(0, 10, O_CLOEXEC);
	dup2(0, 11);
	dup2(0, 20);
	fcntl(20, F_SETFD, FD_CLOEXEC);
}

CONTRACT_TEST(cloexec)
{
	const char *const words[] = { "fds", NULL };
	int st = ct_run_helper(words, NULL, open_cloexec, NULL, out,
			       sizeof(out));

	CHECK_STR("status", ct_status(st), "exited 0");
	CHECK_STR("fds open in the new image", ct_field(out, "fds open"),
		  "0 1 2 11");
}

static void usr1(int s)
{
}

static void signal_setup(void *arg)
{
	stack_t ss = { ct_map(16 * PG, PROT_READ | PROT_WRITE), 0, 16 * PG };

	ct_sigsimple(SIGUSR1, usr1, 0);
	ct_sigsimple(SIGINT, usr1, SA_RESTART | SA_ONSTACK);
	ct_sigign(SIGUSR2);
	ct_sigign(SIGCHLD);
	ct_block(CT_SIGBIT(SIGTERM) | CT_SIGBIT(40));
	ct_kill_self(SIGTERM);
	syscall(SYS_rt_sigqueueinfo, syscall(SYS_getpid), 40,
		&(siginfo_t){ .si_code = SI_QUEUE });
	sigaltstack(&ss, NULL);
}

CONTRACT_TEST(signal_state)
{
	const char *const words[] = { "sigs", "altstack", NULL };
	int st = ct_run_helper(words, NULL, signal_setup, NULL, out,
			       sizeof(out));

	CHECK_STR("status", ct_status(st), "exited 0");
	CHECK_STR("caught", ct_field(out, "caught"), "none");
	CHECK_STR("ignored", ct_field(out, "ignored"), "SIGUSR2 SIGCHLD");
	CHECK_STR("blocked", ct_field(out, "blocked"), "SIGTERM SIGRT8");
	CHECK_STR("pending", ct_field(out, "pending"), "SIGTERM SIGRT8");
	CHECK_STR("sigaltstack", ct_field(out, "altstack"), "disabled");
}

static void misc_setup(void *arg)
{
	struct itimerval it = { { 7, 0 }, { 100, 0 } };

	prctl(PR_SET_NAME, "renamed", 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	umask(027);
	chdir("/tmp");
}

CONTRACT_TEST(process_state)
{
	const char *const words[] = { "comm",  "prctl", "timers",
				      "umask", "cwd",	NULL };
	int st = ct_run_helper(words, NULL, misc_setup, NULL, out, sizeof(out));

	CHECK_STR("status", ct_status(st), "exited 0");
	CHECK_STR("name (the file's basename)", ct_field(out, "comm"),
		  comm_of_self());
	CHECK_STR("no_new_privs kept", ct_field(out, "no_new_privs"), "1");
	CHECK_STR("dumpable set again", ct_field(out, "dumpable"), "1");
	CHECK_STR("pdeathsig kept", ct_field(out, "pdeathsig"), "12");
	CHECK_STR("keepcaps reset", ct_field(out, "keepcaps"), "0");
	CHECK_STR("ITIMER_REAL kept", ct_field(out, "itimer real armed"),
		  "yes");
	CHECK_STR("its interval", ct_field(out, "itimer real interval"),
		  "7.000000");
	CHECK_STR("umask kept", ct_field(out, "umask"), "027");
	CHECK_STR("cwd kept", ct_field(out, "cwd"), "/tmp");
}

static void pid_body(void *arg)
{
	char w[64], env[80];
	const char *argv[] = { "x", NULL };
	const char *envp[] = { env, NULL };

	snprintf(w, sizeof(w), "expect-pid %ld ppid",
		 (long)syscall(SYS_getpid));
	snprintf(env, sizeof(env), "CT_HELPER=%s", w);
	syscall(SYS_execve, ct_self, argv, envp);
	_exit(127);
}

CONTRACT_TEST(same_pid)
{
	CHECK_STR("status",
		  ct_status(ct_capture(pid_body, NULL, out, sizeof(out))),
		  "exited 0");
	CHECK_STR("pid kept", ct_field(out, "pid as expected"), "yes");
	CHECK_STR("tid == pid", ct_field(out, "tid == pid"), "yes");
	CHECK_STR("ppid", ct_field(out, "ppid"), "1");
}

CONTRACT_TEST(errors)
{
	char *longp = malloc(5000);
	const char *argv[] = { "x", NULL };
	const char *badarg[] = { "x", BAD_LOW, NULL };
	static const char elf_arm[64] = { 0x7f, 'E', 'L', 'F', 2,  1, 1,
					  0,	0,   0,	  0,   0,  0, 0,
					  0,	0,   2,	  0,   40, 0, 1 };

	memset(longp, 'a', 4999);
	longp[0] = '/';
	longp[4999] = 0;
	ct_write_file("/tmp/nox", "#!/bin/sh\n", 0644);
	ct_write_file("/tmp/empty", "", 0755);
	ct_write_file("/tmp/short-elf", "\177ELF", 0755);
	int fd = open("/tmp/arm-elf", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	write(fd, elf_arm, sizeof(elf_arm));
	close(fd);

	CHECK_STR("nonexistent", exec_err("/nonexistent", argv, NULL),
		  "ENOENT");
	CHECK_STR("empty path", exec_err("", argv, NULL), "ENOENT");
	CHECK_STR("through a file", exec_err(DATA "/small/x", argv, NULL),
		  "ENOTDIR");
	CHECK_STR("mode 0000 (root too)", exec_err(DATA "/noperm", argv, NULL),
		  "EACCES");
	CHECK_STR("mode 0644", exec_err("/tmp/nox", argv, NULL), "EACCES");
	CHECK_STR("a directory", exec_err(DATA, argv, NULL), "EACCES");
	CHECK_STR("a device", exec_err("/dev/null", argv, NULL), "EACCES");
	CHECK_STR("text without #!", exec_err(DATA "/exec", argv, NULL),
		  "ENOEXEC");
	CHECK_STR("empty file", exec_err("/tmp/empty", argv, NULL), "ENOEXEC");
	CHECK_STR("4-byte ELF", exec_err("/tmp/short-elf", argv, NULL),
		  "ENOEXEC");
	CHECK_STR("ELF for ARM", exec_err("/tmp/arm-elf", argv, NULL),
		  "ENOEXEC");
	CHECK_STR("symlink loop", exec_err(DATA "/loop1", argv, NULL), "ELOOP");
	CHECK_STR("dangling symlink", exec_err(DATA "/dangling", argv, NULL),
		  "ENOENT");
	CHECK_STR("5000-byte path", exec_err(longp, argv, NULL),
		  "ENAMETOOLONG");
	CHECK_STR("path at a bad address", exec_err(BAD_LOW, argv, NULL),
		  "EFAULT");
	CHECK_STR("argv at a bad address",
		  exec_err(ct_self, (const char *const *)BAD_LOW, NULL),
		  "EFAULT");
	CHECK_STR("argv[1] at a bad address", exec_err(ct_self, badarg, NULL),
		  "EFAULT");
	CHECK_STR("envp at a bad address",
		  exec_err(ct_self, argv, (const char *const *)BAD_LOW),
		  "EFAULT");
	unlink("/tmp/nox");
	unlink("/tmp/empty");
	unlink("/tmp/short-elf");
	unlink("/tmp/arm-elf");
	free(longp);
}

/* MAX_ARG_STRLEN is 32 pages; all strings together at most a quarter of
 * RLIMIT_STACK (8 MiB here). */
CONTRACT_TEST(e2big)
{
	size_t n = 32 * PG;
	char *big = malloc(n + 1);
	const char *argv[40];

	memset(big, 'b', n);
	big[n] = 0;
	argv[0] = "x";
	argv[1] = big;
	argv[2] = NULL;
	CHECK_STR("one argument of 128 KiB (with its NUL: too long)",
		  exec_err(ct_self, argv, NULL), "E2BIG");
	CHECK_STR("one environment string of 128 KiB",
		  exec_err(ct_self, (const char *[]){ "x", NULL },
			   (const char *const *)argv + 1),
		  "E2BIG");
	big[n - 1] = 0;
	CHECK_STR("status with a 128 KiB - 1 argument",
		  ct_status(run(ct_self, argv, "exit 0")), "exited 0");
	for (int i = 1; i < 20; i++)
		argv[i] = big;
	argv[20] = NULL;
	CHECK_STR("19 such arguments (over 2 MiB)",
		  exec_err(ct_self, argv, NULL), "E2BIG");
	free(big);
}

/* --- #! scripts ---------------------------------------------------- */

static void script(const char *path, const char *fmt, const char *a)
{
	char text[600];

	snprintf(text, sizeof(text), fmt, ct_self, a ? a : "");
	ct_write_file(path, text, 0755);
}

CONTRACT_TEST(script_argv)
{
	const char *const argv[] = { "name", "x", "y z", NULL };

	script("/tmp/s0", "#!%s\n", NULL);
	CHECK_STR("#!INTERP: status", ct_status(run("/tmp/s0", argv, "argv")),
		  "exited 0");
	ct_print(out);
	script("/tmp/s1", "#!%s   one arg  \n", NULL);
	CHECK_STR("#!INTERP ARG: status",
		  ct_status(run("/tmp/s1", argv, "argv")), "exited 0");
	ct_print(out);
	script("/tmp/s2", "#! \t%s\tx\n", NULL);
	CHECK_STR("#! <space><tab>INTERP<tab>x: status",
		  ct_status(run("/tmp/s2", argv, "argv")), "exited 0");
	ct_print(out);
	script("/tmp/s3", "#!%s", NULL);
	CHECK_STR("no newline at all: status",
		  ct_status(run("/tmp/s3", argv, "argv")), "exited 0");
	ct_print(out);
	CHECK_STR("relative path: status",
		  ct_status(run("tmp/s0", argv, "argv")), "exited 0");
	CHECK_STR("argv[1] is the path as given", ct_field(out, "argv[1]"),
		  "tmp/s0");
	for (int i = 0; i < 4; i++) {
		char p[16];

		snprintf(p, sizeof(p), "/tmp/s%d", i);
		unlink(p);
	}
}

CONTRACT_TEST(script_long_line)
{
	char arg[400];
	const char *const argv[] = { "name", NULL };
	/* the kernel reads 256 bytes and keeps the last for a NUL */
	size_t room = 255 - 2 - strlen(ct_self) - 1;

	memset(arg, 'a', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = 0;
	script("/tmp/long", "#!%s %s\n", arg);
	CHECK_STR("a 400-byte argument: status",
		  ct_status(run("/tmp/long", argv, "argv")), "exited 0");
	CHECK_EQ("its length: what fits in 256 bytes",
		 strlen(ct_field(out, "argv[1]")), room);
	memset(arg, 'p', sizeof(arg) - 1);
	arg[0] = '/';
	snprintf(out, sizeof(out), "#!%s\n", arg);
	ct_write_file("/tmp/long", out, 0755);
	CHECK_STR("a 400-byte interpreter path",
		  exec_err("/tmp/long", argv, NULL), "ENOEXEC");
	unlink("/tmp/long");
}

CONTRACT_TEST(script_errors)
{
	const char *const argv[] = { "name", NULL };

	ct_write_file("/tmp/e1", "#!/nonexistent\n", 0755);
	CHECK_STR("interpreter missing", exec_err("/tmp/e1", argv, NULL),
		  "ENOENT");
	ct_write_file("/tmp/e1", "#!" DATA "/small\n", 0755);
	CHECK_STR("interpreter not executable", exec_err("/tmp/e1", argv, NULL),
		  "EACCES");
	ct_write_file("/tmp/e1", "#!" DATA "\n", 0755);
	CHECK_STR("interpreter a directory", exec_err("/tmp/e1", argv, NULL),
		  "EACCES");
	ct_write_file("/tmp/e1", "#!\n", 0755);
	CHECK_STR("#! alone", exec_err("/tmp/e1", argv, NULL), "ENOEXEC");
	ct_write_file("/tmp/e1", "#!  \t \n", 0755);
	CHECK_STR("#! and blanks", exec_err("/tmp/e1", argv, NULL), "ENOEXEC");
	ct_write_file("/tmp/e1", "#!/tmp/e1\n", 0755);
	CHECK_STR("#! itself", exec_err("/tmp/e1", argv, NULL), "ELOOP");
	script("/tmp/e1", "#!%s\r\n", NULL);
	CHECK_STR("CRLF line end (interpreter name ends in CR)",
		  exec_err("/tmp/e1", argv, NULL), "ENOENT");
	/* a new file, so the test needs no chmod */
	snprintf(out, sizeof(out), "#!%s\n", ct_self);
	ct_write_file("/tmp/e1-rw", out, 0644);
	CHECK_STR("script without x bit", exec_err("/tmp/e1-rw", argv, NULL),
		  "EACCES");
	unlink("/tmp/e1");
	unlink("/tmp/e1-rw");
}

CONTRACT_TEST(script_nesting)
{
	const char *const argv[] = { "name", NULL };
	char path[16], prev[16], l[48];

	script("/tmp/n0", "#!%s\n", NULL);
	for (int i = 1; i <= 6; i++) {
		snprintf(prev, sizeof(prev), "/tmp/n%d", i - 1);
		snprintf(path, sizeof(path), "/tmp/n%d", i);
		snprintf(out, sizeof(out), "#!%s\n", prev);
		ct_write_file(path, out, 0755);
	}
	for (int i = 0; i <= 6; i++) {
		int st;

		snprintf(path, sizeof(path), "/tmp/n%d", i);
		st = run(path, argv, "argv");
		snprintf(l, sizeof(l), "%d script levels", i + 1);
		CHECK_STR(l, st == 0 ? "runs" : ct_field(out, "exec"),
			  i < 5 ? "runs" : "ELOOP");
	}
	for (int i = 0; i <= 6; i++) {
		snprintf(path, sizeof(path), "/tmp/n%d", i);
		unlink(path);
	}
}

/* --- execveat -------------------------------------------------------- */

static int run_at(int dirfd, const char *path, int flags,
		  const char *const *argv, const char *words)
{
	char env[256];
	const char *envp[] = { env, NULL };
	struct ex e = { path, argv, envp, dirfd, flags, 1 };

	snprintf(env, sizeof(env), "CT_HELPER=%s", words);
	return ct_capture(ex_body, &e, out, sizeof(out));
}

static const char *at_result(int st)
{
	return st == 0 ? "runs" : ct_field(out, "exec");
}

CONTRACT_TEST(execveat)
{
	const char *const argv[] = { "name", NULL };
	int fd = open(ct_self, O_RDONLY);
	int pfd = open(ct_self, O_PATH);
	int dfd = open("/contract", O_RDONLY | O_DIRECTORY);
	const char *base = strrchr(ct_self, '/') + 1;

	CHECK_STR("fd, \"\", AT_EMPTY_PATH",
		  at_result(run_at(fd, "", AT_EMPTY_PATH, argv, "exit 0")),
		  "runs");
	CHECK_STR("O_PATH fd, \"\", AT_EMPTY_PATH",
		  at_result(run_at(pfd, "", AT_EMPTY_PATH, argv, "exit 0")),
		  "runs");
	CHECK_STR("dirfd, relative name",
		  at_result(run_at(dfd, base, 0, argv, "exit 0")), "runs");
	CHECK_STR("fd, \"\" without AT_EMPTY_PATH",
		  at_result(run_at(fd, "", 0, argv, "exit 0")), "ENOENT");
	CHECK_STR("a file as dirfd, relative name",
		  at_result(run_at(fd, "x", 0, argv, "exit 0")), "ENOTDIR");
	CHECK_STR("bad dirfd, relative name",
		  at_result(run_at(99, "x", 0, argv, "exit 0")), "EBADF");
	CHECK_STR("flags 0x4, empty path (the name is looked at first)",
		  at_result(run_at(fd, "", 0x4, argv, "exit 0")), "ENOENT");
	CHECK_STR("flags 0x4 and a path",
		  at_result(run_at(AT_FDCWD, ct_self, 0x4, argv, "exit 0")),
		  "EINVAL");
	symlink(ct_self, "/tmp/selflink");
	CHECK_STR(
		"symlink",
		at_result(run_at(AT_FDCWD, "/tmp/selflink", 0, argv, "exit 0")),
		"runs");
	CHECK_STR("symlink with AT_SYMLINK_NOFOLLOW",
		  at_result(run_at(AT_FDCWD, "/tmp/selflink",
				   AT_SYMLINK_NOFOLLOW, argv, "exit 0")),
		  "ELOOP");
	unlink("/tmp/selflink");
	close(fd);
	close(pfd);
	close(dfd);
}

CONTRACT_TEST(execveat_script_fd)
{
	const char *const argv[] = { "name", NULL };
	int fd, st;

	script("/tmp/sfd", "#!%s\n", NULL);
	fd = open("/tmp/sfd", O_RDONLY);
	st = run_at(fd, "", AT_EMPTY_PATH, argv, "argv");
	CHECK_STR("script by fd", at_result(st), "runs");
	CHECK("its path argument is /dev/fd/N",
	      !strncmp(ct_field(out, "argv[1]"), "/dev/fd/", 8));
	close(fd);
	fd = open("/tmp/sfd", O_RDONLY | O_CLOEXEC);
	CHECK_STR("script by an O_CLOEXEC fd (the interpreter could not open "
		  "it)",
		  at_result(run_at(fd, "", AT_EMPTY_PATH, argv, "argv")),
		  "ENOENT");
	close(fd);
	unlink("/tmp/sfd");
}

/* --- exec and the thread group -------------------------------------- */

struct xthr {
	char env[80];
	const char *argv[2], *envp[2];
};

static int exec_thread(void *arg)
{
	struct xthr *x = arg;

	RAW3(SYS_execve, ct_self, x->argv, x->envp);
	return 99;
}

static void exec_from_thread(void *arg)
{
	static struct xthr x;
	static volatile int never;
	struct ct_thr t;

	snprintf(x.env, sizeof(x.env), "CT_HELPER=expect-pid %ld ppid",
		 (long)syscall(SYS_getpid));
	x.argv[0] = "x";
	x.argv[1] = NULL;
	x.envp[0] = x.env;
	x.envp[1] = NULL;
	ct_thr_start(&t, CT_THREAD_FLAGS, exec_thread, &x);
	/* the exec ends this thread (the leader) */
	for (int i = 0; i < 100; i++)
		ct_futex_wait(&never, 0, 50);
	ct_say("leader still running");
	_exit(1);
}

CONTRACT_TEST(from_thread)
{
	int st = ct_capture(exec_from_thread, NULL, out, sizeof(out));

	CHECK_STR("status", ct_status(st), "exited 0");
	CHECK_STR("the new image has the process's pid",
		  ct_field(out, "pid as expected"), "yes");
	CHECK_STR("and it is the only thread (tid == pid)",
		  ct_field(out, "tid == pid"), "yes");
	CHECK_STR("ppid", ct_field(out, "ppid"), "1");
}

static volatile int fail_kept_sig;

static void mark(int s)
{
	fail_kept_sig = s;
}

static void failed_exec(void *arg)
{
	const char *const argv[] = { "x", NULL };
	int fd = open(DATA "/small", O_RDONLY | O_CLOEXEC);
	char c;

	ct_sigsimple(SIGUSR1, mark, 0);
	CHECK_ERR("execve of a text file",
		  syscall(SYS_execve, DATA "/exec", argv, argv + 1), ENOEXEC);
	CHECK_RET("the handler is still there", ct_kill_self(SIGUSR1), 0);
	CHECK_EQ("it ran", fail_kept_sig, SIGUSR1);
	CHECK_RET("the O_CLOEXEC fd is still open", read(fd, &c, 1), 1);
}

CONTRACT_TEST(failure_keeps_image)
{
	ct_child_ok("child", failed_exec, NULL);
}

CONTRACT_TEST(etxtbsy)
{
	const char *const argv[] = { "x", NULL };
	int fd;

	CHECK_ERR("open the running program for writing",
		  open(ct_self, O_WRONLY), ETXTBSY);
	script("/tmp/busy", "#!%s\n", NULL);
	fd = open("/tmp/busy", O_WRONLY);
	CHECK_STR("exec of a script open for writing",
		  exec_err("/tmp/busy", argv, NULL), "ETXTBSY");
	close(fd);
	unlink("/tmp/busy");
}
