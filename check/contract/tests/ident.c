/*
 * Process identity: pids, uids, uname, sethostname/setdomainname,
 * resource limits, getrandom, signal bookkeeping, arch_prctl,
 * set_tid_address, set_robust_list.  Pids are printed only as relations;
 * the host oracle runs the program as pid 1 of a new pid namespace, like
 * init, and in a UTS namespace of its own (the host's names are not
 * changed, and not printed: they start as the host's).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "proclib.h"

#define CONTRACT_AREA "ident"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

CONTRACT_TEST(pids)
{
	long pid = syscall(SYS_getpid);

	CHECK("getpid == gettid", pid == syscall(SYS_gettid));
	CHECK("getpid is 1 (init)", pid == 1);
	CHECK_EQ("getppid", syscall(SYS_getppid), 0);
	CHECK("set_tid_address returns the tid",
	      syscall(SYS_set_tid_address, NULL) == pid);
}

CONTRACT_TEST(uname)
{
	struct utsname u;
	int dots = 0;

	memset(&u, 'x', sizeof(u));
	CHECK_RET("uname", uname(&u), 0);
	CHECK_STR("sysname", u.sysname, "Linux");
	CHECK_STR("machine", u.machine, "x86_64");
	CHECK_STR("domainname", u.domainname, "(none)");
	CHECK("nodename nonempty", u.nodename[0] != 0);
	CHECK("version nonempty", u.version[0] != 0);
	for (const char *p = u.release; *p && *p != '-'; p++)
		dots += *p == '.';
	CHECK("release is N.N.N...",
	      u.release[0] >= '1' && u.release[0] <= '9' && dots >= 1);
	CHECK("fields NUL-terminated",
	      memchr(u.sysname, 0, 65) && memchr(u.release, 0, 65) &&
		      memchr(u.version, 0, 65) && memchr(u.machine, 0, 65) &&
		      memchr(u.nodename, 0, 65) && memchr(u.domainname, 0, 65));
}

static const char *nodename(void)
{
	static struct utsname u;

	memset(&u, 'x', sizeof(u));
	uname(&u);
	return u.nodename;
}

static const char *domainname(void)
{
	static struct utsname u;

	memset(&u, 'x', sizeof(u));
	uname(&u);
	return u.domainname;
}

/* /proc/sys/kernel/hostname, or "?" */
static const char *proc_hostname(void)
{
	static char buf[128];
	int fd = open("/proc/sys/kernel/hostname", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return "?";
	buf[n] = 0;
	return buf;
}

static void names_not_root(void *arg)
{
	CHECK_RET("setuid(65534)", setuid(65534), 0);
	CHECK_ERR("sethostname as nobody",
		  syscall(SYS_sethostname, "nobody", 6), EPERM);
	CHECK_ERR("sethostname as nobody, len 100: EPERM first",
		  syscall(SYS_sethostname, "nobody", 100), EPERM);
	CHECK_ERR("setdomainname as nobody",
		  syscall(SYS_setdomainname, "nobody", 6), EPERM);
	CHECK_STR("nodename kept", nodename(), "kos-contract");
}

CONTRACT_TEST(sethostname)
{
	char saved[65], big[80];

	snprintf(saved, sizeof(saved), "%s", nodename());
	memset(big, 'h', sizeof(big));
	CHECK_RET("sethostname kos-contract",
		  syscall(SYS_sethostname, "kos-contract", 12), 0);
	CHECK_STR("uname's nodename", nodename(), "kos-contract");
	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	CHECK_STR("/proc/sys/kernel/hostname", proc_hostname(),
		  "kos-contract\n");
	umount2("/proc", 0);
	ct_child_ok("child", names_not_root, NULL);

	CHECK_RET("sethostname 3 bytes of abcdef",
		  syscall(SYS_sethostname, "abcdef", 3), 0);
	CHECK_STR("nodename", nodename(), "abc");
	CHECK_RET("a NUL inside", syscall(SYS_sethostname, "x\0yz", 4), 0);
	CHECK_STR("nodename", nodename(), "x");
	CHECK_RET("64 bytes", syscall(SYS_sethostname, big, 64), 0);
	CHECK_EQ("nodename length", strlen(nodename()), 64);
	CHECK_ERR("65 bytes", syscall(SYS_sethostname, big, 65), EINVAL);
	CHECK_ERR("len -1", syscall(SYS_sethostname, big, -1), EINVAL);
	CHECK_ERR("bad address", syscall(SYS_sethostname, BAD_LOW, 4), EFAULT);
	CHECK_ERR("bad address, len 65: EINVAL first",
		  syscall(SYS_sethostname, BAD_LOW, 65), EINVAL);
	CHECK_EQ("nodename kept after errors", strlen(nodename()), 64);
	CHECK_RET("NULL, 0", syscall(SYS_sethostname, NULL, 0), 0);
	CHECK_STR("nodename empty", nodename(), "");

	CHECK_RET("setdomainname kos.example",
		  syscall(SYS_setdomainname, "kos.example", 11), 0);
	CHECK_STR("uname's domainname", domainname(), "kos.example");
	CHECK_ERR("setdomainname 65 bytes", syscall(SYS_setdomainname, big, 65),
		  EINVAL);
	CHECK_ERR("setdomainname bad address",
		  syscall(SYS_setdomainname, BAD_LOW, 4), EFAULT);
	CHECK_RET("setdomainname (none)",
		  syscall(SYS_setdomainname, "(none)", 6), 0);
	CHECK_STR("domainname", domainname(), "(none)");
	syscall(SYS_sethostname, saved, strlen(saved));
}

/* Which CPU and node: printed as relations (the host has several). */
CONTRACT_TEST(getcpu)
{
	unsigned int cpu = ~0u, node = ~0u;

	CHECK_RET("getcpu(&cpu, &node, NULL)",
		  syscall(SYS_getcpu, &cpu, &node, NULL), 0);
	CHECK("cpu below 4096", cpu < 4096);
	CHECK("node below 1024", node < 1024);
	CHECK_RET("getcpu(NULL, NULL, NULL)",
		  syscall(SYS_getcpu, NULL, NULL, NULL), 0);
	CHECK_RET("getcpu(&cpu, NULL, bad cache pointer)",
		  syscall(SYS_getcpu, &cpu, NULL, BAD_LOW), 0);
	CHECK_ERR("getcpu(bad, NULL, NULL)",
		  syscall(SYS_getcpu, BAD_LOW, NULL, NULL), EFAULT);
	CHECK_ERR("getcpu(&cpu, bad, NULL)",
		  syscall(SYS_getcpu, &cpu, BAD_KERN, NULL), EFAULT);
}

static void show_limit(const char *name, int res, long cur, long max)
{
	struct rlimit rl;
	char l[48];

	snprintf(l, sizeof(l), "getrlimit(%s)", name);
	CHECK_RET(l, getrlimit(res, &rl), 0);
	snprintf(l, sizeof(l), "%s cur", name);
	CHECK_EQ(l, (long)rl.rlim_cur, cur);
	snprintf(l, sizeof(l), "%s max", name);
	CHECK_EQ(l, (long)rl.rlim_max, max);
}

/* What Linux gives init (include/asm-generic/resource.h defaults). */
CONTRACT_TEST(rlimit_defaults)
{
	struct rlimit rl;
	long inf = (long)RLIM_INFINITY;

	show_limit("CPU", RLIMIT_CPU, inf, inf);
	show_limit("FSIZE", RLIMIT_FSIZE, inf, inf);
	show_limit("DATA", RLIMIT_DATA, inf, inf);
	show_limit("STACK", RLIMIT_STACK, 8L << 20, inf);
	show_limit("CORE", RLIMIT_CORE, 0, inf);
	show_limit("RSS", RLIMIT_RSS, inf, inf);
	show_limit("NOFILE", RLIMIT_NOFILE, 1024, 4096);
	show_limit("AS", RLIMIT_AS, inf, inf);
	show_limit("LOCKS", RLIMIT_LOCKS, inf, inf);
	show_limit("MSGQUEUE", RLIMIT_MSGQUEUE, 819200, 819200);
	show_limit("NICE", RLIMIT_NICE, 0, 0);
	show_limit("RTPRIO", RLIMIT_RTPRIO, 0, 0);
	show_limit("RTTIME", RLIMIT_RTTIME, inf, inf);
	/* Depend on the memory size: only relations. */
	getrlimit(RLIMIT_NPROC, &rl);
	CHECK("NPROC cur == max > 0", rl.rlim_cur == rl.rlim_max &&
					      rl.rlim_cur > 0 &&
					      rl.rlim_cur != RLIM_INFINITY);
	getrlimit(RLIMIT_SIGPENDING, &rl);
	CHECK("SIGPENDING cur == max > 0",
	      rl.rlim_cur == rl.rlim_max && rl.rlim_cur > 0 &&
		      rl.rlim_cur != RLIM_INFINITY);
	getrlimit(RLIMIT_MEMLOCK, &rl);
	CHECK("MEMLOCK cur == max", rl.rlim_cur == rl.rlim_max);
}

CONTRACT_TEST(rlimit_set)
{
	struct rlimit old, rl;

	getrlimit(RLIMIT_NOFILE, &old);
	rl.rlim_cur = 100;
	rl.rlim_max = old.rlim_max;
	CHECK_RET("setrlimit(NOFILE, 100)", setrlimit(RLIMIT_NOFILE, &rl), 0);
	getrlimit(RLIMIT_NOFILE, &rl);
	CHECK_EQ("NOFILE cur", rl.rlim_cur, 100);
	rl.rlim_cur = rl.rlim_max + 1;
	CHECK_ERR("setrlimit(cur > max)", setrlimit(RLIMIT_NOFILE, &rl),
		  EINVAL);
	rl.rlim_cur = rl.rlim_max = 1048576 + 1;
	CHECK_ERR("setrlimit(NOFILE above nr_open)",
		  setrlimit(RLIMIT_NOFILE, &rl), EPERM);
	CHECK_RET("setrlimit(restore)", setrlimit(RLIMIT_NOFILE, &old), 0);
	CHECK_ERR("getrlimit(99)", syscall(SYS_getrlimit, 99, &rl), EINVAL);
	CHECK_ERR("setrlimit(99)", syscall(SYS_setrlimit, 99, &old), EINVAL);
	CHECK_ERR("getrlimit(RLIM_NLIMITS)",
		  syscall(SYS_getrlimit, RLIM_NLIMITS, &rl), EINVAL);
}

CONTRACT_TEST(prlimit64)
{
	struct rlimit old, nl, got;

	CHECK_RET("prlimit64(0, STACK, NULL, &old)",
		  syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &old), 0);
	CHECK_RET("prlimit64(getpid(), STACK, NULL, &got)",
		  syscall(SYS_prlimit64, getpid(), RLIMIT_STACK, NULL, &got),
		  0);
	CHECK("same limits",
	      got.rlim_cur == old.rlim_cur && got.rlim_max == old.rlim_max);
	nl.rlim_cur = 4L << 20;
	nl.rlim_max = old.rlim_max;
	CHECK_RET("prlimit64(0, STACK, &new, &got)",
		  syscall(SYS_prlimit64, 0, RLIMIT_STACK, &nl, &got), 0);
	CHECK("old value returned", got.rlim_cur == old.rlim_cur);
	getrlimit(RLIMIT_STACK, &got);
	CHECK_EQ("new STACK cur", got.rlim_cur, 4L << 20);
	CHECK_RET("prlimit64(restore)",
		  syscall(SYS_prlimit64, 0, RLIMIT_STACK, &old, NULL), 0);
	CHECK_RET("prlimit64(NULL, NULL)",
		  syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, NULL), 0);
	CHECK_ERR("prlimit64(pid 12345)",
		  syscall(SYS_prlimit64, 12345, RLIMIT_STACK, NULL, &got),
		  ESRCH);
	CHECK_ERR("prlimit64(resource 16)",
		  syscall(SYS_prlimit64, 0, 16, NULL, &got), EINVAL);
	nl.rlim_cur = 2;
	nl.rlim_max = 1;
	CHECK_ERR("prlimit64(cur > max)",
		  syscall(SYS_prlimit64, 0, RLIMIT_CORE, &nl, NULL), EINVAL);
}

CONTRACT_TEST(getrandom)
{
	unsigned char a[64], b[64];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	CHECK_RET("getrandom(64)", syscall(SYS_getrandom, a, 64, 0), 64);
	CHECK_RET("getrandom(64, GRND_NONBLOCK)",
		  syscall(SYS_getrandom, b, 64, 1), 64);
	CHECK("two draws differ", memcmp(a, b, 64) != 0);
	CHECK_RET("getrandom(0)", syscall(SYS_getrandom, a, 0, 0), 0);
	CHECK_RET("getrandom(GRND_RANDOM)", syscall(SYS_getrandom, a, 16, 2),
		  16);
	CHECK_RET("getrandom(GRND_INSECURE)", syscall(SYS_getrandom, a, 16, 4),
		  16);
	CHECK_ERR("getrandom(RANDOM|INSECURE)",
		  syscall(SYS_getrandom, a, 16, 6), EINVAL);
	CHECK_ERR("getrandom(flags 8)", syscall(SYS_getrandom, a, 16, 8),
		  EINVAL);
}

struct kact {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static void handler(int sig)
{
}

CONTRACT_TEST(rt_sigaction)
{
	struct kact act = { (void *)handler, 0x04000000 /* SA_RESTORER */,
			    (void *)handler, ~0ULL };
	struct kact old, got;

	CHECK_RET("query SIGUSR1",
		  syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 8), 0);
	CHECK_RET("set SIGUSR1",
		  syscall(SYS_rt_sigaction, SIGUSR1, &act, NULL, 8), 0);
	CHECK_RET("get SIGUSR1",
		  syscall(SYS_rt_sigaction, SIGUSR1, NULL, &got, 8), 0);
	CHECK("handler kept", got.handler == (void *)handler);
	CHECK_EQX("flags", got.flags, 0x04000000);
	CHECK_EQX("mask (KILL, STOP dropped)", got.mask,
		  ~0ULL & ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1))));
	CHECK_RET("restore", syscall(SYS_rt_sigaction, SIGUSR1, &old, NULL, 8),
		  0);
	CHECK_ERR("set SIGKILL",
		  syscall(SYS_rt_sigaction, SIGKILL, &act, NULL, 8), EINVAL);
	CHECK_ERR("set SIGSTOP",
		  syscall(SYS_rt_sigaction, SIGSTOP, &act, NULL, 8), EINVAL);
	CHECK_RET("query SIGKILL",
		  syscall(SYS_rt_sigaction, SIGKILL, NULL, &got, 8), 0);
	CHECK_ERR("signal 0", syscall(SYS_rt_sigaction, 0, NULL, &got, 8),
		  EINVAL);
	CHECK_ERR("signal 65", syscall(SYS_rt_sigaction, 65, NULL, &got, 8),
		  EINVAL);
	CHECK_RET("signal 64", syscall(SYS_rt_sigaction, 64, NULL, &got, 8), 0);
	CHECK_ERR("sigsetsize 4",
		  syscall(SYS_rt_sigaction, SIGUSR1, NULL, &got, 4), EINVAL);
}

CONTRACT_TEST(rt_sigprocmask)
{
	uint64_t old, set, got;

	CHECK_RET("query",
		  syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &old, 8), 0);
	set = 1ULL << (SIGUSR1 - 1);
	CHECK_RET("SIG_BLOCK USR1",
		  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &got, 8), 0);
	CHECK("old mask returned", got == old);
	set = 1ULL << (SIGUSR2 - 1);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &got, 8);
	CHECK_EQX("USR1|USR2 blocked", got & ~old,
		  (1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGUSR2 - 1)));
	set = 1ULL << (SIGUSR1 - 1);
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &got, 8);
	CHECK_EQX("SIG_UNBLOCK USR1", got & ~old, 1ULL << (SIGUSR2 - 1));
	set = ~0ULL;
	CHECK_RET("SIG_SETMASK all",
		  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, 8), 0);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &got, 8);
	CHECK_EQX("KILL and STOP never blocked", ~got,
		  (1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
	CHECK_ERR("how 3", syscall(SYS_rt_sigprocmask, 3, &set, NULL, 8),
		  EINVAL);
	CHECK_RET("how 3 without a set",
		  syscall(SYS_rt_sigprocmask, 3, NULL, &got, 8), 0);
	CHECK_ERR("sigsetsize 4",
		  syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &got, 4),
		  EINVAL);
	CHECK_RET("restore",
		  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8), 0);
}

CONTRACT_TEST(arch_prctl)
{
	unsigned long fs = 0, gs = 1, fs2 = 0;

	CHECK_RET("ARCH_GET_FS", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	CHECK_RET("ARCH_GET_GS", syscall(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	CHECK_EQ("initial GS base", gs, 0);
	CHECK_RET("ARCH_SET_FS same", syscall(SYS_arch_prctl, ARCH_SET_FS, fs),
		  0);
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs2);
	CHECK("FS unchanged", fs2 == fs);
	CHECK_ERR("ARCH_SET_FS non-canonical",
		  syscall(SYS_arch_prctl, ARCH_SET_FS, 0x800000000000UL),
		  EPERM);
	CHECK_ERR("ARCH_SET_GS kernel address",
		  syscall(SYS_arch_prctl, ARCH_SET_GS, 0xffff800000000000UL),
		  EPERM);
	CHECK_ERR("code 0x9999", syscall(SYS_arch_prctl, 0x9999, &fs), EINVAL);
	CHECK_ERR("ARCH_GET_FS to a bad pointer",
		  syscall(SYS_arch_prctl, ARCH_GET_FS, BAD_LOW), EFAULT);
}

CONTRACT_TEST(robust_list_yield)
{
	static struct {
		void *next;
		long offset;
		void *pending;
	} head = { &head, 0, NULL };

	CHECK_RET("set_robust_list(len 24)",
		  syscall(SYS_set_robust_list, &head, 24), 0);
	CHECK_ERR("set_robust_list(len 23)",
		  syscall(SYS_set_robust_list, &head, 23), EINVAL);
	CHECK_ERR("set_robust_list(len 0)",
		  syscall(SYS_set_robust_list, &head, 0), EINVAL);
	CHECK_RET("sched_yield", syscall(SYS_sched_yield), 0);
}
