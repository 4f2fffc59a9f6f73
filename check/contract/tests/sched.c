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
