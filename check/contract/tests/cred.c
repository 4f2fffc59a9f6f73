/*
 * Credentials: the id getters, setuid/setgid/setreuid/setregid/
 * setresuid/setresgid with Linux's rules for root and non-root,
 * setgroups/getgroups, setfsuid/setfsgid (and what fsuid does to file
 * access), capget/capset (version handshake, root's and non-root's
 * sets, PR_SET_KEEPCAPS).  Every change happens in a child.  Only the
 * capabilities named below are printed: the host's bounding set may
 * lack some (this one has no CAP_SYS_RESOURCE).  Staged (issue 8).
 */
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "cred"

#define CAPV3 0x20080522
#define CAP_CHOWN_BIT (1U << 0)
#define CAP_DAC_OVERRIDE_BIT (1U << 1)
#define CAP_KILL_BIT (1U << 5)
#define CAP_SETGID_BIT (1U << 6)
#define CAP_SETUID_BIT (1U << 7)
#define SOME_CAPS                                              \
	(CAP_CHOWN_BIT | CAP_DAC_OVERRIDE_BIT | CAP_KILL_BIT | \
	 CAP_SETGID_BIT | CAP_SETUID_BIT)

struct caphdr {
	uint32_t version;
	int pid;
};

struct capdata {
	uint32_t effective, permitted, inheritable;
};

static int capget_v3(int pid, struct capdata d[2])
{
	struct caphdr h = { CAPV3, pid };

	return syscall(SYS_capget, &h, d);
}

static const char *uids(void)
{
	static char b[64];
	uid_t r, e, s;

	getresuid(&r, &e, &s);
	snprintf(b, sizeof(b), "%d %d %d fs %d", (int)r, (int)e, (int)s,
		 (int)setfsuid(-1));
	return b;
}

static const char *gids(void)
{
	static char b[64];
	gid_t r, e, s;

	getresgid(&r, &e, &s);
	snprintf(b, sizeof(b), "%d %d %d fs %d", (int)r, (int)e, (int)s,
		 (int)setfsgid(-1));
	return b;
}

/* The named capabilities in the effective and permitted sets. */
static const char *caps(void)
{
	static char b[64];
	struct capdata d[2];

	memset(d, 0, sizeof(d));
	capget_v3(0, d);
	snprintf(b, sizeof(b), "eff %#x perm %#x", d[0].effective & SOME_CAPS,
		 d[0].permitted & SOME_CAPS);
	return b;
}

CONTRACT_TEST(getters)
{
	gid_t g[4];

	CHECK_EQ("getuid", getuid(), 0);
	CHECK_EQ("geteuid", geteuid(), 0);
	CHECK_EQ("getgid", getgid(), 0);
	CHECK_EQ("getegid", getegid(), 0);
	CHECK_STR("resuid", uids(), "0 0 0 fs 0");
	CHECK_STR("resgid", gids(), "0 0 0 fs 0");
	CHECK_RET("getgroups(0): none", getgroups(0, NULL), 0);
	CHECK_RET("getgroups(4)", getgroups(4, g), 0);
	CHECK_ERR("getresuid to a bad address",
		  syscall(SYS_getresuid, BAD_LOW, BAD_LOW, BAD_LOW), EFAULT);
	CHECK_STR("root's capabilities (of those named)", caps(),
		  "eff 0xe3 perm 0xe3");
}

static void setuid_root(void *arg)
{
	CHECK_RET("setuid(1000) as root", setuid(1000), 0);
	CHECK_STR("uids", uids(), "1000 1000 1000 fs 1000");
	CHECK_STR("capabilities dropped", caps(), "eff 0 perm 0");
	CHECK_ERR("setuid(0) now", setuid(0), EPERM);
	CHECK_RET("setuid(1000) (own id)", setuid(1000), 0);
	CHECK_ERR("setuid(-1)", syscall(SYS_setuid, -1), EINVAL);
}

CONTRACT_TEST(setuid_root)
{
	ct_child_ok("child", setuid_root, NULL);
}

static void euid_only(void *arg)
{
	CHECK_RET("setresuid(-1, 1000, -1)", setresuid(-1, 1000, -1), 0);
	CHECK_STR("uids", uids(), "0 1000 0 fs 1000");
	CHECK_STR("effective set cleared, permitted kept", caps(),
		  "eff 0 perm 0xe3");
	CHECK_RET("back to euid 0", setresuid(-1, 0, -1), 0);
	CHECK_STR("uids", uids(), "0 0 0 fs 0");
	CHECK_STR("effective set back", caps(), "eff 0xe3 perm 0xe3");
	CHECK_RET("seteuid(2000)", seteuid(2000), 0);
	CHECK_RET("setreuid(-1, 0)", setreuid(-1, 0), 0);
	CHECK_STR("uids", uids(), "0 0 0 fs 0");
}

CONTRACT_TEST(euid_root)
{
	ct_child_ok("child", euid_only, NULL);
}

/* Non-root (r=1000 e=2000 s=3000): euid may become r, e or s only. */
static void nonroot_rules(void *arg)
{
	CHECK_RET("setresuid(1000, 2000, 3000) as root",
		  setresuid(1000, 2000, 3000), 0);
	CHECK_STR("uids", uids(), "1000 2000 3000 fs 2000");
	CHECK_ERR("setresuid(4000, -1, -1)", setresuid(4000, -1, -1), EPERM);
	CHECK_ERR("setuid(4000)", setuid(4000), EPERM);
	CHECK_RET("setresuid(-1, -1, -1)", setresuid(-1, -1, -1), 0);
	CHECK_RET("seteuid(3000) (the saved id)", seteuid(3000), 0);
	CHECK_STR("uids", uids(), "1000 3000 3000 fs 3000");
	CHECK_RET("setresuid(3000, 1000, 1000) (a permutation)",
		  setresuid(3000, 1000, 1000), 0);
	CHECK_STR("uids", uids(), "3000 1000 1000 fs 1000");
	CHECK_RET("setreuid(-1, 3000): euid = ruid, saved stays",
		  setreuid(-1, 3000), 0);
	CHECK_STR("uids", uids(), "3000 3000 1000 fs 3000");
	CHECK_ERR("setreuid(1000, -1): ruid only to ruid or euid",
		  setreuid(1000, -1), EPERM);
	CHECK_RET("setreuid(-1, 1000): euid != ruid, saved follows",
		  setreuid(-1, 1000), 0);
	CHECK_STR("uids", uids(), "3000 1000 1000 fs 1000");
	CHECK_RET("setuid(3000) non-root: only the euid", setuid(3000), 0);
	CHECK_STR("uids", uids(), "3000 3000 1000 fs 3000");
}

CONTRACT_TEST(uid_rules_nonroot)
{
	ct_child_ok("child", nonroot_rules, NULL);
}

static void gid_rules(void *arg)
{
	CHECK_RET("setgid(100) as root", setgid(100), 0);
	CHECK_STR("gids", gids(), "100 100 100 fs 100");
	CHECK_RET("setresgid(10, 20, 30)", setresgid(10, 20, 30), 0);
	CHECK_STR("gids", gids(), "10 20 30 fs 20");
	CHECK_RET("setregid(-1, 30)", setregid(-1, 30), 0);
	CHECK_STR("gids", gids(), "10 30 30 fs 30");
	CHECK_ERR("setgid(-1)", syscall(SYS_setgid, -1), EINVAL);
	setuid(1000);
	CHECK_ERR("non-root: setgid(40)", setgid(40), EPERM);
	CHECK_ERR("non-root: setresgid(-1, 40, -1)", setresgid(-1, 40, -1),
		  EPERM);
	CHECK_RET("non-root: setegid(10) (the real gid)", setegid(10), 0);
	CHECK_STR("gids", gids(), "10 10 30 fs 10");
	CHECK_RET("non-root: setgid(30) (the saved gid)", setgid(30), 0);
	CHECK_STR("gids", gids(), "10 30 30 fs 30");
}

CONTRACT_TEST(gid_rules)
{
	ct_child_ok("child", gid_rules, NULL);
}

static void groups(void *arg)
{
	gid_t set[3] = { 30, 10, 20 }, got[8];
	static gid_t many[65537];

	CHECK_RET("setgroups(3)", setgroups(3, set), 0);
	CHECK_RET("getgroups(0)", getgroups(0, NULL), 3);
	CHECK_RET("getgroups(8)", getgroups(8, got), 3);
	CHECK("returned sorted", got[0] == 10 && got[1] == 20 && got[2] == 30);
	CHECK_ERR("getgroups(2): too small", getgroups(2, got), EINVAL);
	CHECK_ERR("getgroups(-1)", syscall(SYS_getgroups, -1, got), EINVAL);
	CHECK_ERR("getgroups to a bad address",
		  syscall(SYS_getgroups, 8, BAD_LOW), EFAULT);
	CHECK_ERR("setgroups(65537)", syscall(SYS_setgroups, 65537, many),
		  EINVAL);
	CHECK_RET("setgroups(65536)", syscall(SYS_setgroups, 65536, many), 0);
	CHECK_ERR("setgroups from a bad address",
		  syscall(SYS_setgroups, 2, BAD_LOW), EFAULT);
	CHECK_RET("setgroups(0)", setgroups(0, NULL), 0);
	CHECK_RET("getgroups(0)", getgroups(0, NULL), 0);
	setgroups(3, set);
	setuid(1000);
	CHECK_RET("groups kept by setuid", getgroups(0, NULL), 3);
	CHECK_ERR("non-root: setgroups", setgroups(1, set), EPERM);
}

CONTRACT_TEST(groups)
{
	ct_child_ok("child", groups, NULL);
}

static void fsids(void *arg)
{
	int fd;

	ct_write_file("/tmp/secret", "x\n", 0600);
	CHECK_RET("setfsuid(1000) returns the old fsuid", setfsuid(1000), 0);
	CHECK_RET("setfsuid(-1) returns the current one", setfsuid(-1), 1000);
	CHECK_STR("uids", uids(), "0 0 0 fs 1000");
	CHECK_STR("fs capabilities (DAC_OVERRIDE, CHOWN) leave the effective "
		  "set",
		  caps(), "eff 0xe0 perm 0xe3");
	fd = open("/tmp/secret", O_RDONLY);
	CHECK_STR("open a 0600 root file as fsuid 1000",
		  fd < 0 ? ct_errname(errno) : "opened", "EACCES");
	if (fd >= 0)
		close(fd);
	setfsuid(0);
	fd = open("/tmp/secret", O_RDONLY);
	CHECK("back to fsuid 0: opens", fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_RET("setfsgid(50)", setfsgid(50), 0);
	CHECK_STR("gids", gids(), "0 0 0 fs 50");
	CHECK_RET("seteuid(1000) moves fsuid along", seteuid(1000), 0);
	CHECK_RET("fsuid", setfsuid(-1), 1000);
	CHECK_RET("non-root setfsuid(7) fails silently: returns 1000",
		  setfsuid(7), 1000);
	CHECK_RET("unchanged", setfsuid(-1), 1000);
	CHECK_RET("setfsuid(0) to the saved uid 0", setfsuid(0), 1000);
	CHECK_RET("allowed", setfsuid(-1), 0);
	seteuid(0);
	unlink("/tmp/secret");
}

CONTRACT_TEST(fsuid)
{
	ct_child_ok("child", fsids, NULL);
}

static void capabilities(void *arg)
{
	struct caphdr h = { 0x12345678, 0 };
	struct capdata d[2];
	pid_t other;

	CHECK_ERR("capget with a bad version", syscall(SYS_capget, &h, d),
		  EINVAL);
	CHECK_EQX("the kernel's preferred version written back", h.version,
		  CAPV3);
	h.version = 0;
	CHECK_RET("capget(version 0, NULL): 0 (libcap's probe)",
		  syscall(SYS_capget, &h, NULL), 0);
	CHECK_EQX("version written back", h.version, CAPV3);
	h.version = CAPV3;
	CHECK_RET("capget(v3, NULL): a probe", syscall(SYS_capget, &h, NULL),
		  0);
	h.pid = -5;
	CHECK_ERR("capget(pid -5)", syscall(SYS_capget, &h, d), EINVAL);
	h.pid = 12345;
	CHECK_ERR("capget(pid 12345)", syscall(SYS_capget, &h, d), ESRCH);
	other = ct_fork();
	if (other == 0) {
		ct_msleep(100);
		_exit(0);
	}
	CHECK_RET("capget(a child)", capget_v3(other, d), 0);
	CHECK_EQX("its effective (named caps)", d[0].effective & SOME_CAPS,
		  SOME_CAPS);
	capget_v3(0, d);
	h.pid = other;
	CHECK_ERR("capset on another process", syscall(SYS_capset, &h, d),
		  EPERM);
	kill(other, SIGKILL);
	ct_wait(other);
	h.pid = 0;
	d[0].effective &= ~CAP_KILL_BIT;
	CHECK_RET("capset: drop CAP_KILL from effective",
		  syscall(SYS_capset, &h, d), 0);
	CHECK_STR("caps", caps(), "eff 0xc3 perm 0xe3");
	d[0].effective |= CAP_KILL_BIT;
	CHECK_RET("raise it again (permitted)", syscall(SYS_capset, &h, d), 0);
	d[0].permitted &= ~CAP_KILL_BIT;
	d[0].effective &= ~CAP_KILL_BIT;
	CHECK_RET("drop it from permitted", syscall(SYS_capset, &h, d), 0);
	d[0].effective |= CAP_KILL_BIT;
	CHECK_ERR("effective beyond permitted", syscall(SYS_capset, &h, d),
		  EPERM);
	d[0].effective &= ~CAP_KILL_BIT;
	d[0].permitted |= CAP_KILL_BIT;
	CHECK_ERR("permitted back", syscall(SYS_capset, &h, d), EPERM);
	CHECK_STR("caps", caps(), "eff 0xc3 perm 0xc3");
}

CONTRACT_TEST(capget_capset)
{
	ct_child_ok("child", capabilities, NULL);
}

static void keepcaps(void *arg)
{
	struct caphdr h = { CAPV3, 0 };
	struct capdata d[2];

	CHECK_RET("PR_SET_KEEPCAPS", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), 0);
	CHECK_RET("setresuid(1000, 1000, 1000)", setresuid(1000, 1000, 1000),
		  0);
	CHECK_STR("permitted kept, effective cleared", caps(),
		  "eff 0 perm 0xe3");
	capget_v3(0, d);
	d[0].effective = CAP_SETUID_BIT;
	CHECK_RET("capset: CAP_SETUID effective", syscall(SYS_capset, &h, d),
		  0);
	CHECK_RET("setresuid(0, 0, 0) with CAP_SETUID", setresuid(0, 0, 0), 0);
	CHECK_STR("uids", uids(), "0 0 0 fs 0");
	CHECK_STR("caps: back to uid 0 raises effective to permitted", caps(),
		  "eff 0xe3 perm 0xe3");
	CHECK_RET("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
	CHECK_ERR("PR_SET_KEEPCAPS 2", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0),
		  EINVAL);
}

CONTRACT_TEST(keepcaps)
{
	ct_child_ok("child", keepcaps, NULL);
}
