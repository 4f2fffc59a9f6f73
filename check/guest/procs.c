/*
 * Processes and signals, end to end: fork and wait statuses, copy-on-write
 * memory, execve of a program and of a "#!" script, signal handlers with
 * their frame and sigreturn, masks, SIGCHLD, kill of a child, vfork.
 * Prints one line per stage so a difference shows where.
 *
 * procs [child-exit N]   (the exec'd form: exit with status N)
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static volatile int got_sig, got_code, nested;
static volatile long handler_rsp_mod;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	ucontext_t *u = uc;

	got_sig = sig;
	got_code = si->si_code;
	/* The frame has the interrupted registers and the old mask. */
	nested = sigismember(&u->uc_sigmask, SIGUSR1);
	handler_rsp_mod = (long)__builtin_frame_address(0) & 15;
}

static void stage_fork_wait(void)
{
	int status, shared = 7;
	pid_t pid = fork();

	if (pid == 0) {
		shared = 99; /* copy-on-write: the parent keeps 7 */
		_exit(shared == 99 ? 42 : 1);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42);
	CHECK(shared == 7);
	CHECK_ERR(waitpid(-1, &status, WNOHANG), ECHILD);
	printf("fork/wait: exit status %d\n", WEXITSTATUS(status));
}

static void stage_killed_child(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK(kill(pid, SIGTERM) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	printf("killed child: signal %d\n", WTERMSIG(status));
}

static void stage_handler(void)
{
	struct sigaction sa = { 0 };
	sigset_t set;

	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(raise(SIGUSR1) == 0);
	CHECK(got_sig == SIGUSR1 && got_code == SI_TKILL);
	CHECK(nested == 0);
	/* blocked: pending until unblocked */
	got_sig = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(got_sig == 0);
	CHECK(sigpending(&set) == 0 && sigismember(&set, SIGUSR1));
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	CHECK(got_sig == SIGUSR1 && got_code == SI_USER);
	signal(SIGUSR1, SIG_DFL);
	printf("handler: signal %d, code %d\n", got_sig, got_code);
}

static volatile int chld;

static void on_chld(int sig)
{
	chld++;
}

static void stage_sigchld_exec(void)
{
	int status;
	pid_t pid;

	signal(SIGCHLD, on_chld);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "/t/procs", "child-exit", "5", NULL };

		execv(argv[0], argv);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5);
	CHECK(chld == 1);
	signal(SIGCHLD, SIG_DFL);
	printf("exec: child exit %d, SIGCHLD %d\n", WEXITSTATUS(status), chld);
}

static void stage_script(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { "/t/procs.sh", NULL };

		execv(argv[0], argv);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	printf("script: exit %d\n", WEXITSTATUS(status));
}

static void stage_vfork(void)
{
	int status;
	volatile int touched = 0;
	pid_t pid = vfork();

	if (pid == 0) {
		touched = 1; /* shared memory until exec/exit */
		_exit(9);
	}
	CHECK(touched == 1);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 9);
	printf("vfork: shared %d, exit %d\n", touched, WEXITSTATUS(status));
}

static void stage_shared_anon(void)
{
	int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	CHECK(p != MAP_FAILED);
	pid = fork();
	if (pid == 0) {
		*p = 1234;
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(*p == 1234);
	printf("shared anonymous memory: %d\n", *p);
	munmap(p, 4096);
}

static void on_any(int sig)
{
	got_sig = sig;
}

static void stage_pipe(void)
{
	int fds[2], status, n;
	char buf[16];
	pid_t pid;

	CHECK(pipe(fds) == 0);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		write(fds[1], "ping", 4);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf));
	CHECK(n == 4 && !memcmp(buf, "ping", 4));
	CHECK(read(fds[0], buf, sizeof(buf)) == 0); /* EOF */
	CHECK(waitpid(pid, &status, 0) == pid);
	close(fds[0]);
	/* no reader: SIGPIPE (ignored here) and EPIPE */
	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(fds) == 0);
	close(fds[0]);
	CHECK_ERR(write(fds[1], "x", 1), EPIPE);
	close(fds[1]);
	signal(SIGPIPE, SIG_DFL);
	printf("pipe: read %d bytes, then EOF\n", n);
}

static void stage_interrupted_sleep(void)
{
	struct timespec req = { 5, 0 }, rem = { 0, 0 };
	struct sigaction sa = { 0 };
	int status, r;
	pid_t pid;

	sa.sa_handler = on_any;
	sigaction(SIGUSR2, &sa, NULL);
	got_sig = 0;
	pid = fork();
	if (pid == 0) {
		struct timespec t = { 0, 20000000 };

		nanosleep(&t, NULL);
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	r = nanosleep(&req, &rem);
	CHECK(r == -1 && errno == EINTR && got_sig == SIGUSR2);
	CHECK(rem.tv_sec < 5 && (rem.tv_sec > 0 || rem.tv_nsec > 0));
	CHECK(waitpid(pid, &status, 0) == pid);
	signal(SIGUSR2, SIG_DFL);
	printf("nanosleep: interrupted by signal %d, time left\n", got_sig);
}

static void stage_spinner_stop_kill(void)
{
	struct timespec t = { 0, 10000000 };
	int status, stopped, continued;
	pid_t pid = fork();

	if (pid == 0)
		for (;;)
			; /* never enters the kernel */
	nanosleep(&t, NULL);
	CHECK(kill(pid, SIGSTOP) == 0);
	CHECK(waitpid(pid, &status, WUNTRACED) == pid);
	stopped = WIFSTOPPED(status) ? WSTOPSIG(status) : -1;
	CHECK(kill(pid, SIGCONT) == 0);
	CHECK(waitpid(pid, &status, WCONTINUED) == pid);
	continued = WIFCONTINUED(status);
	CHECK(stopped == SIGSTOP && continued);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	printf("spinner: stopped by %d, continued %d, killed by %d\n", stopped,
	       continued, WTERMSIG(status));
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "child-exit"))
		return atoi(argv[2]);
	setvbuf(stdout, NULL, _IONBF, 0);
	stage_fork_wait();
	stage_killed_child();
	stage_handler();
	stage_sigchld_exec();
	stage_script();
	stage_vfork();
	stage_shared_anon();
	stage_pipe();
	stage_interrupted_sleep();
	stage_spinner_stop_kill();
	return guest_done("procs");
}
