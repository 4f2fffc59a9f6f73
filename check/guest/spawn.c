/*
 * posix_spawn and posix_spawnp (the C library's clone(CLONE_VM |
 * CLONE_VFORK) or clone3 path): argv and envp, file actions (open,
 * dup2, close), attributes (signal mask, default dispositions, process
 * group, RESETIDS), the error of a program that cannot run, PATH search.
 * Runs itself as the child ("child WORDS") and reads what it reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

extern char **environ;

/* Child mode: report on stdout. */
static int child(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t mask;
	char buf[64];
	int n;

	printf("argc %d argv[2] %s\n", argc, argc > 2 ? argv[2] : "-");
	printf("SPAWN_VAR=%s\n",
	       getenv("SPAWN_VAR") ? getenv("SPAWN_VAR") : "(unset)");
	sigprocmask(SIG_BLOCK, NULL, &mask);
	printf("SIGUSR2 blocked: %d\n", sigismember(&mask, SIGUSR2));
	sigaction(SIGUSR1, NULL, &sa);
	printf("SIGUSR1: %s\n", sa.sa_handler == SIG_IGN   ? "ignored"
				: sa.sa_handler == SIG_DFL ? "default"
							   : "caught");
	sigaction(SIGHUP, NULL, &sa);
	printf("SIGHUP: %s\n",
	       sa.sa_handler == SIG_IGN ? "ignored" : "default");
	printf("own group: %d\n", getpgrp() == getpid());
	printf("fd 5 open: %d\n", fcntl(5, F_GETFD) >= 0);
	n = read(7, buf, sizeof(buf) - 1);
	printf("fd 7 reads: %d\n", n);
	fflush(stdout);
	return 3;
}

/* Spawn with actions and attributes; collect stdout through a pipe. */
static int run(const char *path, int p, char *const *argv,
	       const posix_spawn_file_actions_t *fa,
	       const posix_spawnattr_t *at, char *out, size_t len, int *st)
{
	pid_t pid;
	int err, fds[2];
	size_t n = 0;
	ssize_t r;

	pipe(fds);
	posix_spawn_file_actions_t own;

	if (!fa) {
		posix_spawn_file_actions_init(&own);
		fa = &own;
	}
	posix_spawn_file_actions_adddup2((posix_spawn_file_actions_t *)fa,
					 fds[1], 1);
	err = p ? posix_spawnp(&pid, path, fa, at, argv, environ)
		: posix_spawn(&pid, path, fa, at, argv, environ);
	close(fds[1]);
	while (!err && n + 1 < len &&
	       (r = read(fds[0], out + n, len - 1 - n)) > 0)
		n += r;
	out[n] = 0;
	close(fds[0]);
	if (!err)
		waitpid(pid, st, 0);
	return err;
}

int main(int argc, char **argv)
{
	char *cargv[] = { argv[0], "child", "hello", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t set;
	char out[1024];
	int st = -1, err;

	if (argc > 1 && !strcmp(argv[1], "child"))
		return child(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setenv("SPAWN_VAR", "from parent", 1);

	/* plain */
	err = run(argv[0], 0, cargv, NULL, NULL, out, sizeof(out), &st);
	CHECK(err == 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	printf("--- plain spawn\n%s", out);

	/* file actions and attributes */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 7, "/etc/motd", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 0, 5);
	posix_spawn_file_actions_addclose(&fa, 5);
	posix_spawnattr_init(&at);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	posix_spawnattr_setsigmask(&at, &set);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	posix_spawnattr_setsigdefault(&at, &set);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(
		&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
			     POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_RESETIDS);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	err = run(argv[0], 0, cargv, &fa, &at, out, sizeof(out), &st);
	CHECK(err == 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	printf("--- with actions and attributes\n%s", out);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);

	/* errors come back as the return value */
	err = run("/nonexistent", 0, cargv, NULL, NULL, out, sizeof(out), &st);
	printf("--- /nonexistent: %s\n", err == ENOENT ? "ENOENT" : "other");
	CHECK(err == ENOENT);
	err = run("/etc/motd", 0, cargv, NULL, NULL, out, sizeof(out), &st);
	printf("--- /etc/motd: %s\n", err == EACCES ? "EACCES" : "other");
	CHECK(err == EACCES);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 7, "/nonexistent", O_RDONLY, 0);
	err = run(argv[0], 0, cargv, &fa, NULL, out, sizeof(out), &st);
	printf("--- failing file action: %s\n",
	       err == ENOENT ? "ENOENT" : "other");
	CHECK(err == ENOENT);
	posix_spawn_file_actions_destroy(&fa);

	/* PATH search */
	setenv("PATH", "/nonexistent:/t", 1);
	cargv[0] = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	err = run(cargv[0], 1, cargv, NULL, NULL, out, sizeof(out), &st);
	CHECK(err == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 3);
	printf("--- posix_spawnp through PATH: %s\n", err ? "failed" : "ran");

	/* many in a row */
	int ok = 0;

	for (int i = 0; i < 20; i++) {
		err = run(argv[0], 0, cargv, NULL, NULL, out, sizeof(out), &st);
		ok += !err && WIFEXITED(st) && WEXITSTATUS(st) == 3;
	}
	CHECK(ok == 20);
	printf("--- 20 spawns in a row: %d ok\n", ok);
	return guest_done("spawn");
}
