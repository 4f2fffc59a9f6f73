/*
 * prctl: PR_SET_NAME/PR_GET_NAME (truncation, per thread),
 * PR_SET_PDEATHSIG (cleared by fork, sent when the parent -- the parent
 * thread -- exits), PR_SET_CHILD_SUBREAPER, PR_GET/SET_DUMPABLE,
 * PR_SET_NO_NEW_PRIVS, PR_GET_TID_ADDRESS and the errors.  Staged
 * (issue 8).
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "prctl"

#ifndef PR_GET_TID_ADDRESS
#define PR_GET_TID_ADDRESS 40
#endif

static const char *self_comm(void)
{
	static char c[16];
	const char *b = strrchr(ct_self, '/');

	snprintf(c, sizeof(c), "%s", b ? b + 1 : ct_self);
	return c;
}

struct thr_name {
	char got[16], after[16];
	long set;
};

static int name_thread(void *arg)
{
	struct thr_name *t = arg;

	RAW2(SYS_prctl, PR_GET_NAME, t->got);
	t->set = RAW2(SYS_prctl, PR_SET_NAME, "worker");
	RAW2(SYS_prctl, PR_GET_NAME, t->after);
	return 0;
}

CONTRACT_TEST(name)
{
	char name[32], orig[16];
	struct thr_name t;
	struct ct_thr th;

	memset(name, 'x', sizeof(name));
	CHECK_RET("PR_GET_NAME", prctl(PR_GET_NAME, orig, 0, 0, 0), 0);
	CHECK_STR("initial name: the file's basename, 15 chars", orig,
		  self_comm());
	CHECK_RET("PR_SET_NAME 21 chars",
		  prctl(PR_SET_NAME, "abcdefghijklmnopqrstu", 0, 0, 0), 0);
	prctl(PR_GET_NAME, name, 0, 0, 0);
	CHECK_STR("truncated to 15", name, "abcdefghijklmno");
	CHECK_EQ("NUL at 15", name[15], 0);
	CHECK_RET("PR_SET_NAME \"\"", prctl(PR_SET_NAME, "", 0, 0, 0), 0);
	prctl(PR_GET_NAME, name, 0, 0, 0);
	CHECK_STR("empty", name, "");
	CHECK_ERR("PR_SET_NAME from a bad address",
		  prctl(PR_SET_NAME, BAD_LOW, 0, 0, 0), EFAULT);
	CHECK_ERR("PR_GET_NAME to a bad address",
		  prctl(PR_GET_NAME, BAD_LOW, 0, 0, 0), EFAULT);
	prctl(PR_SET_NAME, "main", 0, 0, 0);
	memset(&t, 0, sizeof(t));
	ct_thr_start(&th, CT_THREAD_FLAGS, name_thread, &t);
	ct_thr_join(&th);
	CHECK_STR("a new thread's name", t.got, "main");
	CHECK_EQ("it sets its own", t.set, 0);
	CHECK_STR("to", t.after, "worker");
	prctl(PR_GET_NAME, name, 0, 0, 0);
	CHECK_STR("the main thread's is unchanged", name, "main");
	prctl(PR_SET_NAME, orig, 0, 0, 0);
}

static void pdeath_child(void *arg)
{
	int sig = -1;

	prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
	CHECK_EQ("a fork child's PR_GET_PDEATHSIG (cleared)", sig, 0);
}

/* In a child: fork clears the setting (and the oracle's init has
 * unshare's SIGKILL there, a real init 0). */
static void pdeath_values(void *arg)
{
	int sig = -1;

	CHECK_RET("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0),
		  0);
	CHECK_EQ("a fork child's (cleared)", sig, 0);
	CHECK_RET("PR_SET_PDEATHSIG SIGUSR1",
		  prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0), 0);
	prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
	CHECK_EQ("now", sig, SIGUSR1);
	ct_child_ok("child", pdeath_child, NULL);
	CHECK_ERR("PR_SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65, 0, 0, 0),
		  EINVAL);
	CHECK_ERR("PR_SET_PDEATHSIG -1", prctl(PR_SET_PDEATHSIG, -1, 0, 0, 0),
		  EINVAL);
	CHECK_ERR("PR_GET_PDEATHSIG to a bad address",
		  prctl(PR_GET_PDEATHSIG, BAD_LOW, 0, 0, 0), EFAULT);
	CHECK_RET("PR_SET_PDEATHSIG 0", prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0), 0);
	prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
	CHECK_EQ("cleared", sig, 0);
}

CONTRACT_TEST(pdeathsig_values)
{
	ct_child_ok("child", pdeath_values, NULL);
}

/* The middle process's child asks for SIGTERM when its parent dies. */
static void pdeath_middle(void *arg)
{
	int *p = arg;
	long g = ct_fork();
	char c;

	if (g == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		write(p[1], "r", 1);
		for (int i = 0; i < 100; i++)
			ct_msleep(50);
		_exit(0);
	}
	if (g != CT_NOPID)
		read(p[0], &c, 1);
	write(p[1], &g, sizeof(g));
}

CONTRACT_TEST(pdeathsig_fires)
{
	int p[2];
	long g = 0;

	ct_pipe(p);
	if (ct_child_ok("middle", pdeath_middle, p) == 0)
		read(p[0], &g, sizeof(g));
	CHECK_STR("the orphan, reaped by init", ct_status(ct_wait(g)),
		  "killed SIGTERM");
	close(p[0]);
	close(p[1]);
}

/*
 * The signal follows the parent *thread*: a thread forks, the child sets
 * PR_SET_PDEATHSIG, the thread exits -- the child gets the signal while
 * its parent process lives on.
 */
struct pd {
	int pipe[2];
	volatile int forked;
	long g;
};

static int forking_thread(void *arg)
{
	struct pd *d = arg;
	long g = RAW0(SYS_fork);

	if (g == 0) {
		char c;

		RAW2(SYS_prctl, PR_SET_PDEATHSIG, SIGTERM);
		RAW3(SYS_write, d->pipe[1], "r", 1);
		for (int i = 0; i < 100; i++) {
			struct timespec ts = { 0, 50000000 };

			RAW2(SYS_nanosleep, &ts, NULL);
		}
		(void)c;
		RAW1(SYS_exit_group, 0);
	}
	d->g = g;
	if (g > 0)
		RAW3(SYS_read, d->pipe[0], &g, 1);
	return 0; /* the thread exits */
}

static void pdeath_thread(void *arg)
{
	struct pd *d = arg;
	struct ct_thr t;
	int st;

	ct_thr_start(&t, CT_THREAD_FLAGS, forking_thread, d);
	ct_thr_join(&t);
	CHECK("the forked child's parent process is alive", 1);
	CHECK("wait4 in the process",
	      syscall(SYS_wait4, d->g, &st, __WALL, NULL) == d->g);
	CHECK_STR("the child", ct_status(st), "killed SIGTERM");
}

CONTRACT_TEST(pdeathsig_parent_thread)
{
	struct pd d;

	memset(&d, 0, sizeof(d));
	ct_pipe(d.pipe);
	ct_child_ok("process", pdeath_thread, &d);
	close(d.pipe[0]);
	close(d.pipe[1]);
}

static void subreaper_child(void *arg)
{
	int v = -1;

	prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
	CHECK_EQ("a child of a subreaper: PR_GET_CHILD_SUBREAPER", v, 0);
}

static void subreaper(void *arg)
{
	int v = -1;

	CHECK_RET("PR_GET_CHILD_SUBREAPER",
		  prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0), 0);
	CHECK_EQ("initially", v, 0);
	CHECK_RET("PR_SET_CHILD_SUBREAPER 5 (any nonzero)",
		  prctl(PR_SET_CHILD_SUBREAPER, 5, 0, 0, 0), 0);
	prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
	CHECK_EQ("reads back as", v, 1);
	ct_child_ok("child", subreaper_child, NULL);
	CHECK_ERR("to a bad address",
		  prctl(PR_GET_CHILD_SUBREAPER, BAD_LOW, 0, 0, 0), EFAULT);
}

CONTRACT_TEST(child_subreaper)
{
	ct_child_ok("child", subreaper, NULL);
}

static void dumpable(void *arg)
{
	CHECK_RET("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	CHECK_RET("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), 0);
	CHECK_RET("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	CHECK_ERR("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0),
		  EINVAL);
	pid_t pid = ct_fork();

	if (pid == 0)
		_exit(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	CHECK_STR("a fork child's value (exit status)", ct_status(ct_wait(pid)),
		  "exited 0");
	CHECK_RET("PR_SET_DUMPABLE 1", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
}

CONTRACT_TEST(dumpable)
{
	ct_child_ok("child", dumpable, NULL);
}

static void nnp(void *arg)
{
	CHECK_RET("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
		  0);
	CHECK_ERR("PR_SET_NO_NEW_PRIVS 0",
		  prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
	CHECK_ERR("PR_SET_NO_NEW_PRIVS 1 with arg3 1",
		  prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
	CHECK_RET("PR_SET_NO_NEW_PRIVS 1",
		  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	CHECK_RET("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
		  1);
	CHECK_ERR("PR_GET_NO_NEW_PRIVS with arg2 1",
		  prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
	CHECK_ERR("cannot be unset", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0),
		  EINVAL);
	pid_t pid = ct_fork();

	if (pid == 0)
		_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	CHECK_STR("inherited by fork (exit status)", ct_status(ct_wait(pid)),
		  "exited 1");
}

CONTRACT_TEST(no_new_privs)
{
	ct_child_ok("child", nnp, NULL);
}

CONTRACT_TEST(tid_address_and_errors)
{
	static int word;
	int *addr = NULL, *old = NULL;

	CHECK_RET("PR_GET_TID_ADDRESS",
		  prctl(PR_GET_TID_ADDRESS, &old, 0, 0, 0), 0);
	syscall(SYS_set_tid_address, &word);
	prctl(PR_GET_TID_ADDRESS, &addr, 0, 0, 0);
	CHECK("what set_tid_address set", addr == &word);
	syscall(SYS_set_tid_address, old);
	CHECK_ERR("option 9999", prctl(9999, 0, 0, 0, 0), EINVAL);
	CHECK_ERR("option -1", prctl(-1, 0, 0, 0, 0), EINVAL);
}
