/*
 * Scheduling and accounting calls: sched_getaffinity/sched_setaffinity
 * (sizes, errors), getcpu, getpriority/setpriority (the raw 20 - nice
 * result, clamping, non-root rules), sched_getscheduler/getparam/
 * setscheduler and the priority ranges, getrusage, times.  CPU counts
 * and times are printed as relations.  Staged (issue 8).
 */
#include <sched.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "sched"

CONTRACT_TEST(affinity)
{
	unsigned long mask[16], all, one;
	long n;
	int cpus = 0;

	memset(mask, 0, sizeof(mask));
	n = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
	/* the kernel's cpumask size depends on its configuration */
	CHECK("sched_getaffinity(128 bytes): copies 8..128 bytes, whole longs",
	      n >= 8 && n <= 128 && n % 8 == 0);
	all = mask[0];
	for (int i = 0; i < 64; i++)
		cpus += (all >> i) & 1;
	CHECK("at least one CPU", cpus >= 1);
	CHECK_RET("8 bytes", syscall(SYS_sched_getaffinity, 0, 8, mask), 8);
	CHECK_ERR("4 bytes", syscall(SYS_sched_getaffinity, 0, 4, mask),
		  EINVAL);
	CHECK_ERR("12 bytes (not a multiple of 8)",
		  syscall(SYS_sched_getaffinity, 0, 12, mask), EINVAL);
	CHECK_ERR("pid 12345", syscall(SYS_sched_getaffinity, 12345, 8, mask),
		  ESRCH);
	/* python's os.sched_getaffinity(-1) doubles the size on EINVAL */
	CHECK_ERR("pid -1", syscall(SYS_sched_getaffinity, -1, 8, mask), ESRCH);
	CHECK_ERR("pid -1, 4 bytes",
		  syscall(SYS_sched_getaffinity, -1, 4, mask), EINVAL);
	CHECK_ERR("setaffinity pid -1",
		  syscall(SYS_sched_setaffinity, -1, 8, &all), ESRCH);
	CHECK_ERR("to a bad address",
		  syscall(SYS_sched_getaffinity, 0, 8, BAD_LOW), EFAULT);
	CHECK("pid 1 is us", syscall(SYS_sched_getaffinity, 1, 8, mask) == 8 &&
				     mask[0] == all);
	one = all & -all;
	CHECK_RET("setaffinity to the lowest CPU",
		  syscall(SYS_sched_setaffinity, 0, 8, &one), 0);
	syscall(SYS_sched_getaffinity, 0, 8, mask);
	CHECK("reads back", mask[0] == one);
	mask[0] = 0;
	CHECK_ERR("empty mask", syscall(SYS_sched_setaffinity, 0, 8, mask),
		  EINVAL);
	mask[0] = 1UL << 63;
	CHECK_ERR("only CPU 63 (absent)",
		  syscall(SYS_sched_setaffinity, 0, 8, mask), EINVAL);
	CHECK_RET("restore", syscall(SYS_sched_setaffinity, 0, 8, &all), 0);
	CHECK_RET("a short mask (4 bytes) is accepted",
		  syscall(SYS_sched_setaffinity, 0, 4, &all), 0);
	syscall(SYS_sched_setaffinity, 0, 8, &all);
}

CONTRACT_TEST(getcpu)
{
	unsigned cpu = 999, node = 999;
	unsigned long mask = 0;

	syscall(SYS_sched_getaffinity, 0, 8, &mask);
	CHECK_RET("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL), 0);
	CHECK("the cpu is in the affinity mask", cpu < 64 && (mask >> cpu) & 1);
	CHECK_EQ("node", node, 0);
	CHECK_RET("getcpu(NULL, NULL)", syscall(SYS_getcpu, NULL, NULL, NULL),
		  0);
	CHECK_ERR("getcpu to a bad address",
		  syscall(SYS_getcpu, BAD_LOW, NULL, NULL), EFAULT);
}

static void prio(void *arg)
{
	CHECK_RET("raw getpriority(PRIO_PROCESS, 0): 20 - nice",
		  syscall(SYS_getpriority, PRIO_PROCESS, 0), 20);
	CHECK_RET("setpriority(PRIO_PROCESS, 0, 5)",
		  setpriority(PRIO_PROCESS, 0, 5), 0);
	CHECK_RET("raw getpriority", syscall(SYS_getpriority, PRIO_PROCESS, 0),
		  15);
	CHECK_RET("setpriority 100 (clamped to 19)",
		  setpriority(PRIO_PROCESS, 0, 100), 0);
	CHECK_RET("raw getpriority", syscall(SYS_getpriority, PRIO_PROCESS, 0),
		  1);
	CHECK_RET("setpriority -100 as root (clamped to -20)",
		  setpriority(PRIO_PROCESS, 0, -100), 0);
	CHECK_RET("raw getpriority", syscall(SYS_getpriority, PRIO_PROCESS, 0),
		  40);
	CHECK_RET("PRIO_PGRP 0", syscall(SYS_getpriority, PRIO_PGRP, 0), 40);
	CHECK_ERR("which 3", syscall(SYS_getpriority, 3, 0), EINVAL);
	CHECK_ERR("setpriority which 3", setpriority(3, 0, 0), EINVAL);
	CHECK_ERR("pid 12345", syscall(SYS_getpriority, PRIO_PROCESS, 12345),
		  ESRCH);
	CHECK_ERR("setpriority pid 12345", setpriority(PRIO_PROCESS, 12345, 0),
		  ESRCH);
	setpriority(PRIO_PROCESS, 0, 5);
	setuid(1000);
	CHECK_ERR("non-root: lower the nice value",
		  setpriority(PRIO_PROCESS, 0, 4), EACCES);
	CHECK_RET("non-root: raise it", setpriority(PRIO_PROCESS, 0, 10), 0);
	CHECK_ERR("non-root: another user's process",
		  setpriority(PRIO_PROCESS, 1, 10), EPERM);
	CHECK_RET("PRIO_USER 1000", syscall(SYS_getpriority, PRIO_USER, 1000),
		  10);
}

CONTRACT_TEST(priority)
{
	ct_child_ok("child", prio, NULL);
}

static void policy(void *arg)
{
	struct sched_param sp;

	memset(&sp, 0, sizeof(sp));

	CHECK_RET("sched_setscheduler(SCHED_BATCH)",
		  syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp), 0);
	CHECK_RET("sched_getscheduler", syscall(SYS_sched_getscheduler, 0),
		  SCHED_BATCH);
	sp.sched_priority = 1;
	CHECK_ERR("SCHED_BATCH with priority 1",
		  syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp), EINVAL);
	sp.sched_priority = 0;
	CHECK_ERR("SCHED_FIFO with priority 0",
		  syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &sp), EINVAL);
	CHECK_ERR("policy 99", syscall(SYS_sched_setscheduler, 0, 99, &sp),
		  EINVAL);
	CHECK_RET("SCHED_IDLE",
		  syscall(SYS_sched_setscheduler, 0, SCHED_IDLE, &sp), 0);
	CHECK_RET("sched_getscheduler", syscall(SYS_sched_getscheduler, 0),
		  SCHED_IDLE);
	CHECK_RET("back to SCHED_OTHER",
		  syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp), 0);
	CHECK_RET("sched_setparam(0)", syscall(SYS_sched_setparam, 0, &sp), 0);
	sp.sched_priority = 5;
	CHECK_ERR("sched_setparam(5) under SCHED_OTHER",
		  syscall(SYS_sched_setparam, 0, &sp), EINVAL);
}

CONTRACT_TEST(scheduler)
{
	struct sched_param sp;
	struct timespec ts;
	static const struct {
		int policy;
		const char *name;
	} pols[] = {
		{ SCHED_OTHER, "SCHED_OTHER" }, { SCHED_FIFO, "SCHED_FIFO" },
		{ SCHED_RR, "SCHED_RR" },	{ SCHED_BATCH, "SCHED_BATCH" },
		{ SCHED_IDLE, "SCHED_IDLE" },
	};
	char l[64];

	CHECK_RET("sched_getscheduler(0)", syscall(SYS_sched_getscheduler, 0),
		  SCHED_OTHER);
	CHECK_RET("sched_getparam", syscall(SYS_sched_getparam, 0, &sp), 0);
	CHECK_EQ("priority", sp.sched_priority, 0);
	CHECK_ERR("sched_getscheduler(12345)",
		  syscall(SYS_sched_getscheduler, 12345), ESRCH);
	CHECK_ERR("sched_getscheduler(-1)", syscall(SYS_sched_getscheduler, -1),
		  EINVAL);
	CHECK_ERR("sched_getparam to a bad address",
		  syscall(SYS_sched_getparam, 0, BAD_LOW), EFAULT);
	for (size_t i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
		snprintf(l, sizeof(l), "%s priority range", pols[i].name);
		ct_say("%s: %ld..%ld", l,
		       (long)syscall(SYS_sched_get_priority_min,
				     pols[i].policy),
		       (long)syscall(SYS_sched_get_priority_max,
				     pols[i].policy));
	}
	CHECK_EQ("(FIFO max)", syscall(SYS_sched_get_priority_max, SCHED_FIFO),
		 99);
	CHECK_ERR("policy 99 range", syscall(SYS_sched_get_priority_max, 99),
		  EINVAL);
	CHECK_RET("sched_rr_get_interval(0)",
		  syscall(SYS_sched_rr_get_interval, 0, &ts), 0);
	CHECK_ERR("sched_rr_get_interval(12345)",
		  syscall(SYS_sched_rr_get_interval, 12345, &ts), ESRCH);
	ct_child_ok("child", policy, NULL);
}

CONTRACT_TEST(getrusage)
{
	struct rusage a, b;
	volatile unsigned long x = 0;

	CHECK_RET("RUSAGE_SELF", getrusage(RUSAGE_SELF, &a), 0);
	CHECK_RET("RUSAGE_CHILDREN", getrusage(RUSAGE_CHILDREN, &b), 0);
	CHECK_RET("RUSAGE_THREAD", getrusage(RUSAGE_THREAD, &b), 0);
	CHECK_ERR("who 5", syscall(SYS_getrusage, 5, &b), EINVAL);
	CHECK_ERR("who -3", syscall(SYS_getrusage, -3, &b), EINVAL);
	CHECK_ERR("to a bad address",
		  syscall(SYS_getrusage, RUSAGE_SELF, BAD_LOW), EFAULT);
	CHECK("maxrss > 0", a.ru_maxrss > 0);
	for (unsigned long i = 0; i < 20000000; i++)
		x += i;
	getrusage(RUSAGE_SELF, &b);
	CHECK("CPU time does not go back",
	      b.ru_utime.tv_sec * 1000000L + b.ru_utime.tv_usec +
			      b.ru_stime.tv_sec * 1000000L +
			      b.ru_stime.tv_usec >=
		      a.ru_utime.tv_sec * 1000000L + a.ru_utime.tv_usec +
			      a.ru_stime.tv_sec * 1000000L +
			      a.ru_stime.tv_usec);
	CHECK("usec fields below 1e6",
	      b.ru_utime.tv_usec < 1000000 && b.ru_stime.tv_usec < 1000000);
}

CONTRACT_TEST(times)
{
	struct tms t0, t1;
	clock_t c0, c1;
	pid_t pid;

	c0 = times(&t0);
	CHECK("times returns a tick count", c0 != (clock_t)-1);
	pid = ct_fork();
	if (pid == 0) {
		volatile unsigned long x = 0;

		for (unsigned long i = 0; i < 50000000; i++)
			x += i;
		_exit(0);
	}
	ct_wait(pid);
	c1 = times(&t1);
	CHECK("it does not go back", c1 >= c0);
	CHECK("children's times include the reaped child",
	      t1.tms_cutime + t1.tms_cstime >= t0.tms_cutime + t0.tms_cstime);
	CHECK("own times do not go back", t1.tms_utime >= t0.tms_utime);
	CHECK("times(NULL) works", syscall(SYS_times, NULL) >= c1);
	CHECK_ERR("times to a bad address", syscall(SYS_times, BAD_LOW),
		  EFAULT);
}

/* ---- sched_setscheduler beyond the basics ---------------------------- */

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif
#define K_SCHED_DEADLINE 6

static long setsched(int pid, int policy, int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	return syscall(SYS_sched_setscheduler, pid, policy, &sp);
}

/* A forked child's policy and raw nice value (20 - nice). */
static void show_inherited(void *arg)
{
	ct_say("child: policy %#lx, raw priority %ld",
	       (long)syscall(SYS_sched_getscheduler, 0),
	       (long)syscall(SYS_getpriority, PRIO_PROCESS, 0));
}

static void reset_on_fork(void *arg)
{
	struct sched_param sp = { 0 };

	CHECK_RET("SCHED_BATCH | SCHED_RESET_ON_FORK",
		  setsched(0, SCHED_BATCH | SCHED_RESET_ON_FORK, 0), 0);
	CHECK_EQX("sched_getscheduler shows the flag",
		  syscall(SYS_sched_getscheduler, 0),
		  SCHED_BATCH | SCHED_RESET_ON_FORK);
	CHECK_RET("sched_setparam", syscall(SYS_sched_setparam, 0, &sp), 0);
	CHECK_EQX("the flag stays", syscall(SYS_sched_getscheduler, 0),
		  SCHED_BATCH | SCHED_RESET_ON_FORK);
	CHECK_RET("nice -5", setpriority(PRIO_PROCESS, 0, -5), 0);
	ct_child_ok("fork (BATCH stays, flag and negative nice reset)",
		    show_inherited, NULL);
	CHECK_RET("SCHED_IDLE | SCHED_RESET_ON_FORK",
		  setsched(0, SCHED_IDLE | SCHED_RESET_ON_FORK, 0), 0);
	ct_child_ok("fork (IDLE stays)", show_inherited, NULL);
	CHECK_RET("SCHED_OTHER | SCHED_RESET_ON_FORK",
		  setsched(0, SCHED_OTHER | SCHED_RESET_ON_FORK, 0), 0);
	CHECK_RET("nice 5", setpriority(PRIO_PROCESS, 0, 5), 0);
	ct_child_ok("fork (positive nice kept)", show_inherited, NULL);
	CHECK_RET("SCHED_BATCH without the flag (root may clear it)",
		  setsched(0, SCHED_BATCH, 0), 0);
	CHECK_EQX("sched_getscheduler", syscall(SYS_sched_getscheduler, 0),
		  SCHED_BATCH);
	CHECK_RET("nice -3", setpriority(PRIO_PROCESS, 0, -3), 0);
	ct_child_ok("fork (everything inherited)", show_inherited, NULL);
}

CONTRACT_TEST(reset_on_fork)
{
	ct_child_ok("child", reset_on_fork, NULL);
}

static void sched_args(void *arg)
{
	struct sched_param sp = { 0 };

	CHECK_ERR("sched_setscheduler NULL param",
		  syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL),
		  EINVAL);
	CHECK_ERR("sched_setparam NULL param",
		  syscall(SYS_sched_setparam, 0, NULL), EINVAL);
	CHECK_ERR("sched_getparam NULL param",
		  syscall(SYS_sched_getparam, 0, NULL), EINVAL);
	CHECK_ERR("sched_setscheduler bad param",
		  syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, BAD_LOW),
		  EFAULT);
	CHECK_ERR("sched_setscheduler kernel param",
		  syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, BAD_KERN),
		  EFAULT);
	CHECK_ERR("sched_setparam bad param",
		  syscall(SYS_sched_setparam, 0, BAD_LOW), EFAULT);
	CHECK_ERR("pid 12345, bad param (EFAULT first)",
		  syscall(SYS_sched_setscheduler, 12345, SCHED_OTHER, BAD_LOW),
		  EFAULT);
	CHECK_ERR("pid 12345", setsched(12345, SCHED_OTHER, 0), ESRCH);
	CHECK_ERR("sched_setparam pid 12345",
		  syscall(SYS_sched_setparam, 12345, &sp), ESRCH);
	CHECK_ERR("sched_getparam pid 12345",
		  syscall(SYS_sched_getparam, 12345, &sp), ESRCH);
	CHECK_ERR("pid -1", setsched(-1, SCHED_OTHER, 0), EINVAL);
	CHECK_ERR("sched_setparam pid -1", syscall(SYS_sched_setparam, -1, &sp),
		  EINVAL);
	CHECK_ERR("sched_getparam pid -1", syscall(SYS_sched_getparam, -1, &sp),
		  EINVAL);
	CHECK_ERR("policy -1", setsched(0, -1, 0), EINVAL);
	CHECK_ERR("policy -1, NULL param",
		  syscall(SYS_sched_setscheduler, 0, -1, NULL), EINVAL);
	CHECK_ERR("SCHED_DEADLINE through sched_setscheduler",
		  setsched(0, K_SCHED_DEADLINE, 0), EINVAL);
	CHECK_ERR(
		"an unknown flag with SCHED_RESET_ON_FORK",
		setsched(0, SCHED_OTHER | SCHED_RESET_ON_FORK | 0x20000000, 0),
		EINVAL);
	CHECK_ERR("SCHED_OTHER priority -1", setsched(0, SCHED_OTHER, -1),
		  EINVAL);
	CHECK_ERR("SCHED_FIFO priority 100", setsched(0, SCHED_FIFO, 100),
		  EINVAL);
	CHECK_ERR("SCHED_RR priority -1", setsched(0, SCHED_RR, -1), EINVAL);
	CHECK_EQX("policy unchanged", syscall(SYS_sched_getscheduler, 0),
		  SCHED_OTHER);
}

CONTRACT_TEST(setscheduler_args)
{
	ct_child_ok("child", sched_args, NULL);
}

static int hold[2] = { -1, -1 };

/* A child that waits for hold[1] to close, then exits with its policy. */
static pid_t holder(void)
{
	pid_t pid;
	char c;

	if (ct_pipe(hold))
		return CT_NOPID;
	pid = ct_fork();
	if (pid == 0) {
		close(hold[1]);
		read(hold[0], &c, 1);
		_exit((int)syscall(SYS_sched_getscheduler, 0) & 0xff);
	}
	close(hold[0]);
	return pid;
}

static void release(pid_t pid, const char *want)
{
	close(hold[1]);
	hold[0] = hold[1] = -1;
	CHECK_STR("the child's own policy at its exit", ct_status(ct_wait(pid)),
		  want);
}

CONTRACT_TEST(other_process)
{
	struct sched_param sp = { .sched_priority = 7 };
	siginfo_t si;
	pid_t pid = holder();

	CHECK_RET("sched_getscheduler(child)",
		  syscall(SYS_sched_getscheduler, pid), SCHED_OTHER);
	CHECK_RET("sched_getparam(child)",
		  syscall(SYS_sched_getparam, pid, &sp), 0);
	CHECK_EQ("priority", sp.sched_priority, 0);
	CHECK_RET("root sets the child's policy",
		  setsched(pid, SCHED_BATCH | SCHED_RESET_ON_FORK, 0), 0);
	CHECK_EQX("sched_getscheduler(child)",
		  syscall(SYS_sched_getscheduler, pid),
		  SCHED_BATCH | SCHED_RESET_ON_FORK);
	CHECK_RET("sched_setparam(child)",
		  syscall(SYS_sched_setparam, pid, &sp), 0);
	CHECK_EQX("ours unchanged", syscall(SYS_sched_getscheduler, 0),
		  SCHED_OTHER);
	release(pid, "exited 3");

	pid = holder();
	setsched(pid, SCHED_IDLE, 0);
	close(hold[1]);
	hold[0] = hold[1] = -1;
	memset(&si, 0, sizeof(si));
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	CHECK_EQ("a zombie", si.si_pid == pid, 1);
	CHECK_RET("sched_getscheduler(zombie)",
		  syscall(SYS_sched_getscheduler, pid), SCHED_IDLE);
	CHECK_RET("sched_getparam(zombie)",
		  syscall(SYS_sched_getparam, pid, &sp), 0);
	CHECK_STR("reaped", ct_status(ct_wait(pid)), "exited 5");
	CHECK_ERR("sched_getscheduler(reaped)",
		  syscall(SYS_sched_getscheduler, pid), ESRCH);
}

static void nonroot_sched(void *arg)
{
	struct sched_param sp = { 0 };
	pid_t pid;

	CHECK_RET("setuid(1000)", setuid(1000), 0);
	CHECK_RET("sched_getscheduler(1) (root's)",
		  syscall(SYS_sched_getscheduler, 1), SCHED_OTHER);
	CHECK_RET("sched_getparam(1)", syscall(SYS_sched_getparam, 1, &sp), 0);
	CHECK_ERR("sched_setscheduler(1, SCHED_OTHER)",
		  setsched(1, SCHED_OTHER, 0), EPERM);
	CHECK_ERR("sched_setscheduler(1, SCHED_BATCH)",
		  setsched(1, SCHED_BATCH, 0), EPERM);
	CHECK_ERR("sched_setparam(1)", syscall(SYS_sched_setparam, 1, &sp),
		  EPERM);
	CHECK_ERR("sched_setscheduler(1), priority 5 (EINVAL first)",
		  setsched(1, SCHED_OTHER, 5), EINVAL);
	CHECK_ERR("SCHED_FIFO 1 (RLIMIT_RTPRIO 0)", setsched(0, SCHED_FIFO, 1),
		  EPERM);
	CHECK_ERR("SCHED_RR 50", setsched(0, SCHED_RR, 50), EPERM);
	CHECK_RET("own SCHED_BATCH", setsched(0, SCHED_BATCH, 0), 0);
	CHECK_RET("own SCHED_OTHER", setsched(0, SCHED_OTHER, 0), 0);

	pid = holder();
	CHECK_RET("same user's child: SCHED_BATCH",
		  setsched(pid, SCHED_BATCH, 0), 0);
	CHECK_RET("sched_getscheduler(child)",
		  syscall(SYS_sched_getscheduler, pid), SCHED_BATCH);
	release(pid, "exited 3");

	CHECK_RET("own SCHED_IDLE", setsched(0, SCHED_IDLE, 0), 0);
	CHECK_ERR("SCHED_IDLE to SCHED_OTHER (RLIMIT_NICE 0)",
		  setsched(0, SCHED_OTHER, 0), EPERM);
	CHECK_ERR("SCHED_IDLE to SCHED_BATCH", setsched(0, SCHED_BATCH, 0),
		  EPERM);
	CHECK_RET("SCHED_IDLE again", setsched(0, SCHED_IDLE, 0), 0);
	CHECK_RET("sched_setparam under SCHED_IDLE",
		  syscall(SYS_sched_setparam, 0, &sp), 0);
	CHECK_RET("SCHED_IDLE | SCHED_RESET_ON_FORK",
		  setsched(0, SCHED_IDLE | SCHED_RESET_ON_FORK, 0), 0);
	CHECK_ERR("clearing SCHED_RESET_ON_FORK", setsched(0, SCHED_IDLE, 0),
		  EPERM);
	CHECK_RET("sched_setparam keeps it",
		  syscall(SYS_sched_setparam, 0, &sp), 0);
	CHECK_EQX("sched_getscheduler", syscall(SYS_sched_getscheduler, 0),
		  SCHED_IDLE | SCHED_RESET_ON_FORK);
}

CONTRACT_TEST(nonroot)
{
	ct_child_ok("child", nonroot_sched, NULL);
}

static void realtime(void *arg)
{
	struct sched_param sp = { 0 };

	CHECK_RET("SCHED_FIFO 1 as root", setsched(0, SCHED_FIFO, 1), 0);
	CHECK_RET("sched_getscheduler", syscall(SYS_sched_getscheduler, 0),
		  SCHED_FIFO);
	syscall(SYS_sched_getparam, 0, &sp);
	CHECK_EQ("priority", sp.sched_priority, 1);
	sp.sched_priority = 50;
	CHECK_RET("sched_setparam 50", syscall(SYS_sched_setparam, 0, &sp), 0);
	sp.sched_priority = 0;
	CHECK_ERR("sched_setparam 0 under SCHED_FIFO",
		  syscall(SYS_sched_setparam, 0, &sp), EINVAL);
	CHECK_RET("SCHED_RR 99", setsched(0, SCHED_RR, 99), 0);
	CHECK_RET("back to SCHED_OTHER", setsched(0, SCHED_OTHER, 0), 0);
}

CONTRACT_TEST(realtime)
{
	ct_child_ok("child", realtime, NULL);
}
