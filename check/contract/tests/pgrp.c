/*
 * Process groups and sessions: init's ids, setpgid (and its ESRCH,
 * EINVAL, EPERM, EACCES rules), setsid, getsid, getpgid, kill of a
 * group, stop signals in orphaned and non-orphaned groups, and the
 * SIGHUP + SIGCONT a stopped group gets when it becomes orphaned.  The
 * program is init, whose group and session are 0 on Linux.  Staged
 * (issue 8).
 */
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "pgrp"

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

CONTRACT_TEST(init_ids)
{
	CHECK_EQ("getpgrp()", getpgrp(), 0);
	CHECK_EQ("getpgid(0)", getpgid(0), 0);
	CHECK_EQ("getpgid(1)", getpgid(1), 0);
	CHECK_EQ("getsid(0)", getsid(0), 0);
	CHECK_EQ("getsid(1)", getsid(1), 0);
	CHECK_ERR("getpgid(12345)", getpgid(12345), ESRCH);
	CHECK_ERR("getsid(12345)", getsid(12345), ESRCH);
	CHECK_ERR("getpgid(-1)", getpgid(-1), ESRCH);
}

static void child_ids(void *arg)
{
	pid_t me = getpid();

	CHECK_EQ("child's getpgrp (init's group)", getpgrp(), 0);
	CHECK_EQ("child's getsid", getsid(0), 0);
	CHECK_RET("setpgid(0, 0)", setpgid(0, 0), 0);
	CHECK("it leads a group now", getpgrp() == me && getpgid(0) == me);
	CHECK_RET("setpgid(0, 0) again", setpgid(0, 0), 0);
	CHECK_ERR("setsid as a group leader", setsid(), EPERM);
}

CONTRACT_TEST(setpgid_self)
{
	ct_child_ok("child", child_ids, NULL);
}

CONTRACT_TEST(setpgid_errors)
{
	pid_t a = sleeper(), b = sleeper();

	CHECK_ERR("setpgid(-1, 0)", setpgid(-1, 0), EINVAL);
	CHECK_ERR("setpgid(0, -1)", setpgid(0, -1), EINVAL);
	CHECK_ERR("setpgid(12345, 0)", setpgid(12345, 0), ESRCH);
	CHECK_RET("setpgid(child, child)", setpgid(a, a), 0);
	CHECK("getpgid(child)", getpgid(a) == a);
	CHECK_RET("setpgid(other child, first child's group)", setpgid(b, a),
		  0);
	CHECK("getpgid(other child)", getpgid(b) == a);
	CHECK_ERR("setpgid(child, 12345): no such group", setpgid(b, 12345),
		  EPERM);
	CHECK_RET("setpgid(other child, 0): its own group", setpgid(b, 0), 0);
	CHECK("getpgid(other child)", getpgid(b) == b);
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	ct_wait(a);
	ct_wait(b);
}

CONTRACT_TEST(setpgid_after_exec)
{
	const char *const argv[] = { "x", NULL };
	const char *const envp[] = { "CT_HELPER=sleep 200", NULL };
	int p[2] = { -1, -1 };
	char c;
	pid_t pid;

	pipe2(p, O_CLOEXEC);
	pid = ct_fork();
	if (pid == 0) {
		syscall(SYS_execve, ct_self, argv, envp);
		_exit(127);
	}
	/* EOF on the pipe: the exec closed it */
	close(p[1]);
	read(p[0], &c, 1);
	close(p[0]);
	CHECK_ERR("setpgid on a child that has exec'd", setpgid(pid, pid),
		  EACCES);
	CHECK_STR("status", ct_status(ct_wait(pid)), "exited 0");
}

static void session(void *arg)
{
	pid_t me = getpid();

	CHECK("setsid returns the new session id", setsid() == me);
	CHECK("getsid(0)", getsid(0) == me);
	CHECK("getpgrp()", getpgrp() == me);
	CHECK_ERR("setsid again", setsid(), EPERM);
	CHECK_ERR("setpgid(0, 0) as a session leader", setpgid(0, 0), EPERM);
	CHECK_EQ("getsid(init) from another session", getsid(1), 0);
	pid_t g = ct_fork();

	if (g == 0) {
		CHECK("the child is in the new session", getsid(0) == me);
		CHECK_ERR("setpgid(0, 1): no group 1 in this session",
			  setpgid(0, 1), EPERM);
		_exit(0);
	}
	ct_wait(g);
}

CONTRACT_TEST(setsid)
{
	ct_child_ok("child", session, NULL);
}

CONTRACT_TEST(setpgid_other_session)
{
	int p[2];
	char c;
	pid_t pid;

	ct_pipe(p);
	pid = ct_fork();
	if (pid == 0) {
		setsid();
		write(p[1], "s", 1);
		ct_msleep(100);
		_exit(0);
	}
	if (pid != CT_NOPID)
		read(p[0], &c, 1);
	CHECK_ERR("setpgid on a child in another session", setpgid(pid, pid),
		  EPERM);
	CHECK("getsid(child)", getsid(pid) == pid);
	ct_wait(pid);
	close(p[0]);
	close(p[1]);
}

CONTRACT_TEST(kill_group)
{
	pid_t a = sleeper(), b = sleeper(), c = sleeper();

	setpgid(a, a);
	setpgid(b, a);
	setpgid(c, a);
	CHECK_RET("kill(-pgid, 0)", kill(-a, 0), 0);
	CHECK_RET("kill(-pgid, SIGTERM)", kill(-a, SIGTERM), 0);
	CHECK_STR("first", ct_status(ct_wait(a)), "killed SIGTERM");
	CHECK_STR("second", ct_status(ct_wait(b)), "killed SIGTERM");
	CHECK_STR("third", ct_status(ct_wait(c)), "killed SIGTERM");
	CHECK_ERR("kill(-pgid) once empty", kill(-a, SIGTERM), ESRCH);
	CHECK_ERR("kill(-12345, 0)", kill(-12345, 0), ESRCH);
}

/*
 * In a new session: the session leader's group is orphaned (its parent,
 * init, is in another session), so SIGTSTP/SIGTTIN/SIGTTOU at their
 * default are discarded there, while SIGSTOP stops.  A child in its own
 * group inside the session (parent in the same session, other group) is
 * not orphaned: SIGTSTP stops it.
 */
static void orphaned(void *arg)
{
	static const int sigs[] = { SIGTSTP, SIGTTIN, SIGTTOU };
	int st;

	setsid();
	for (int i = 0; i < 3; i++) {
		pid_t g = ct_fork();

		if (g == 0) {
			ct_kill_self(sigs[i]);
			_exit(0);
		}
		CHECK_STR(
			ct_signame(sigs[i]),
			ct_status((syscall(SYS_wait4, g, &st, WUNTRACED, NULL),
				   st)),
			"exited 0");
	}
	pid_t g = ct_fork();

	if (g == 0) {
		setpgid(0, 0);
		ct_kill_self(SIGTSTP);
		_exit(0);
	}
	setpgid(g, g);
	syscall(SYS_wait4, g, &st, WUNTRACED, NULL);
	CHECK_STR("SIGTSTP in a group that is not orphaned", ct_status(st),
		  "stopped SIGTSTP");
	kill(g, SIGCONT);
	syscall(SYS_wait4, g, &st, 0, NULL);
	CHECK_STR("after SIGCONT", ct_status(st), "exited 0");
}

CONTRACT_TEST(stop_in_orphaned_group)
{
	ct_child_ok("child", orphaned, NULL);
}

/*
 * A session leader S starts G in a group of its own and G stops.  When
 * S exits, G's group becomes orphaned with a stopped member: the kernel
 * sends it SIGHUP and SIGCONT, and G (SIGHUP at its default) dies.
 */
static void hup_maker(void *arg)
{
	int *p = arg, st;
	long g;

	setsid();
	g = ct_fork();
	if (g == 0) {
		setpgid(0, 0);
		ct_kill_self(SIGSTOP);
		_exit(0);
	}
	if (g == CT_NOPID)
		return;
	setpgid(g, g);
	syscall(SYS_wait4, g, &st, WUNTRACED, NULL);
	CHECK_STR("G", ct_status(st), "stopped SIGSTOP");
	write(p[1], &g, sizeof(g));
}

CONTRACT_TEST(orphaned_stopped_group_hup)
{
	int p[2];
	long g = 0;

	ct_pipe(p);
	if (ct_child_ok("session leader", hup_maker, p) == 0)
		read(p[0], &g, sizeof(g));
	CHECK_STR("G, reparented to init", ct_status(ct_wait(g)),
		  "killed SIGHUP");
	close(p[0]);
	close(p[1]);
}
