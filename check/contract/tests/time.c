/*
 * Time: clock_gettime/clock_getres/clock_nanosleep, nanosleep,
 * gettimeofday, time, as system calls and through the C library (which
 * uses the vDSO).  Only properties are printed: ordering, ranges,
 * resolutions, durations within generous bounds (QEMU runs under TCG).
 */
#include <sched.h>
#include <sys/time.h>
#include <time.h>

#include "contract.h"

#define CONTRACT_AREA "time"

#define NS 1000000000L

static long ts_ns(const struct timespec *t)
{
	return t->tv_sec * NS + t->tv_nsec;
}

static long now(clockid_t id)
{
	struct timespec t;

	syscall(SYS_clock_gettime, id, &t);
	return ts_ns(&t);
}

static const struct {
	clockid_t id;
	const char *name;
} clocks[] = {
	{ CLOCK_REALTIME, "REALTIME" },
	{ CLOCK_MONOTONIC, "MONOTONIC" },
	{ CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID" },
	{ CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID" },
	{ CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" },
	{ CLOCK_REALTIME_COARSE, "REALTIME_COARSE" },
	{ CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE" },
	{ CLOCK_BOOTTIME, "BOOTTIME" },
	{ CLOCK_TAI, "TAI" },
};

#define NCLOCKS (sizeof(clocks) / sizeof(clocks[0]))

CONTRACT_TEST(clock_gettime_ids)
{
	static const long bad[] = { 10, 12, 16, 100, 0x7fffffff };
	struct timespec t;
	char l[64];

	for (size_t i = 0; i < NCLOCKS; i++) {
		t.tv_nsec = -1;
		snprintf(l, sizeof(l), "clock_gettime(%s)", clocks[i].name);
		CHECK_RET(l, syscall(SYS_clock_gettime, clocks[i].id, &t), 0);
		EXPECT(t.tv_nsec >= 0 && t.tv_nsec < NS && t.tv_sec >= 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(l, sizeof(l), "clock_gettime(%ld)", bad[i]);
		CHECK_ERR(l, syscall(SYS_clock_gettime, bad[i], &t), EINVAL);
	}
}

CONTRACT_TEST(clock_getres)
{
	struct timespec t;
	char l[64];

	for (size_t i = 0; i < NCLOCKS; i++) {
		int coarse = clocks[i].id == CLOCK_REALTIME_COARSE ||
			     clocks[i].id == CLOCK_MONOTONIC_COARSE;

		memset(&t, 0xff, sizeof(t));
		snprintf(l, sizeof(l), "clock_getres(%s)", clocks[i].name);
		CHECK_RET(l, syscall(SYS_clock_getres, clocks[i].id, &t), 0);
		if (coarse) {
			/* One tick: HZ is 100..1000. */
			CHECK("  one tick", t.tv_sec == 0 &&
						    t.tv_nsec >= 1000000 &&
						    t.tv_nsec <= 10000000);
		} else {
			ct_say("  res %ld.%09ld", (long)t.tv_sec, t.tv_nsec);
			EXPECT(t.tv_sec == 0 && t.tv_nsec == 1);
		}
	}
	CHECK_RET("clock_getres(MONOTONIC, NULL)",
		  syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL), 0);
	CHECK_ERR("clock_getres(12)", syscall(SYS_clock_getres, 12, &t),
		  EINVAL);
	CHECK_ERR("clock_getres(12, NULL)", syscall(SYS_clock_getres, 12, NULL),
		  EINVAL);
}

CONTRACT_TEST(monotonic)
{
	long prev = now(CLOCK_MONOTONIC), back = 0,
	     raw = now(CLOCK_MONOTONIC_RAW);
	long cprev = now(CLOCK_MONOTONIC_COARSE), cback = 0;

	for (int i = 0; i < 2000; i++) {
		long t = now(CLOCK_MONOTONIC), c = now(CLOCK_MONOTONIC_COARSE);

		back += t < prev;
		cback += c < cprev;
		prev = t;
		cprev = c;
	}
	CHECK("MONOTONIC never goes back", back == 0);
	CHECK("MONOTONIC_COARSE never goes back", cback == 0);
	CHECK("MONOTONIC_RAW advanced", now(CLOCK_MONOTONIC_RAW) >= raw);
	cprev = now(CLOCK_MONOTONIC_COARSE);
	CHECK("COARSE <= MONOTONIC", cprev <= now(CLOCK_MONOTONIC));
	prev = now(CLOCK_MONOTONIC);
	CHECK("BOOTTIME >= MONOTONIC", now(CLOCK_BOOTTIME) >= prev);
}

/* REALTIME, gettimeofday and time agree; TAI is not behind REALTIME. */
CONTRACT_TEST(realtime_sources)
{
	struct timeval tv;
	struct timezone tz = { 99, 99 };
	long t1 = now(CLOCK_REALTIME), t2, tloc = 0, tm;

	CHECK_RET("gettimeofday(&tv, &tz)", syscall(SYS_gettimeofday, &tv, &tz),
		  0);
	tm = syscall(SYS_time, &tloc);
	t2 = now(CLOCK_REALTIME);
	CHECK("tv_usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	CHECK("gettimeofday within REALTIME reads",
	      tv.tv_sec * NS + tv.tv_usec * 1000 >= t1 - 1000 &&
		      tv.tv_sec * NS + tv.tv_usec * 1000 <= t2);
	CHECK("time() == *tloc", tm == tloc);
	CHECK("time() within a second of REALTIME",
	      tm >= t1 / NS - 1 && tm <= t2 / NS + 1);
	CHECK_EQ("tz_minuteswest", tz.tz_minuteswest, 0);
	CHECK_EQ("tz_dsttime", tz.tz_dsttime, 0);
	CHECK_RET("gettimeofday(NULL, NULL)",
		  syscall(SYS_gettimeofday, NULL, NULL), 0);
	CHECK("time(NULL) > 2020", syscall(SYS_time, NULL) > 1577836800L);
	t1 = now(CLOCK_REALTIME);
	CHECK("TAI >= REALTIME", now(CLOCK_TAI) >= t1);
}

CONTRACT_TEST(cputime)
{
	long c0 = now(CLOCK_PROCESS_CPUTIME_ID), t0 = now(CLOCK_MONOTONIC);
	long th0 = now(CLOCK_THREAD_CPUTIME_ID);
	volatile long spin = 0;

	while (now(CLOCK_MONOTONIC) - t0 < 20000000L)
		spin++;
	CHECK("process CPU time advanced while spinning",
	      now(CLOCK_PROCESS_CPUTIME_ID) > c0);
	CHECK("thread CPU time advanced while spinning",
	      now(CLOCK_THREAD_CPUTIME_ID) > th0);
	CHECK("CPU time <= elapsed time + 1 ms",
	      now(CLOCK_THREAD_CPUTIME_ID) - th0 <=
		      now(CLOCK_MONOTONIC) - t0 + 1000000L);
}

CONTRACT_TEST(nanosleep)
{
	struct timespec req = { 0, 20000000L }, rem = { 7, 7 };
	long t0 = now(CLOCK_MONOTONIC), dt;

	CHECK_RET("nanosleep(20 ms)", syscall(SYS_nanosleep, &req, &rem), 0);
	dt = now(CLOCK_MONOTONIC) - t0;
	CHECK("slept at least 20 ms", dt >= 20000000L);
	CHECK("slept less than 2 s", dt < 2 * NS);
	req.tv_nsec = 0;
	CHECK_RET("nanosleep(0)", syscall(SYS_nanosleep, &req, NULL), 0);
	req.tv_nsec = NS;
	CHECK_ERR("nanosleep(tv_nsec 1e9)", syscall(SYS_nanosleep, &req, NULL),
		  EINVAL);
	req.tv_nsec = -1;
	CHECK_ERR("nanosleep(tv_nsec -1)", syscall(SYS_nanosleep, &req, NULL),
		  EINVAL);
	req.tv_sec = -1;
	req.tv_nsec = 0;
	CHECK_ERR("nanosleep(tv_sec -1)", syscall(SYS_nanosleep, &req, NULL),
		  EINVAL);
	req.tv_sec = 0;
	req.tv_nsec = 1000;
	CHECK_RET("nanosleep(rem = bad pointer, not written)",
		  syscall(SYS_nanosleep, &req, BAD_LOW), 0);
}

CONTRACT_TEST(clock_nanosleep)
{
	struct timespec req = { 0, 10000000L }, abs;
	long t0 = now(CLOCK_MONOTONIC), dt;

	CHECK_RET("relative 10 ms on MONOTONIC",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL),
		  0);
	dt = now(CLOCK_MONOTONIC) - t0;
	CHECK("slept at least 10 ms", dt >= 10000000L && dt < 2 * NS);
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 10000000L;
	if (abs.tv_nsec >= NS) {
		abs.tv_sec++;
		abs.tv_nsec -= NS;
	}
	CHECK_RET("TIMER_ABSTIME now + 10 ms",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
			  &abs, NULL),
		  0);
	CHECK("woke at or after the deadline",
	      now(CLOCK_MONOTONIC) >= ts_ns(&abs));
	abs.tv_sec = 1;
	abs.tv_nsec = 0;
	CHECK_RET("TIMER_ABSTIME in the past",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
			  &abs, NULL),
		  0);
	CHECK_RET("REALTIME relative 1 ms",
		  syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0,
			  &(struct timespec){ 0, 1000000 }, NULL),
		  0);
	CHECK_RET("BOOTTIME relative 1 ms",
		  syscall(SYS_clock_nanosleep, CLOCK_BOOTTIME, 0,
			  &(struct timespec){ 0, 1000000 }, NULL),
		  0);
	CHECK_ERR("THREAD_CPUTIME_ID (no sleep on it)",
		  syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req,
			  NULL),
		  EOPNOTSUPP);
	CHECK_ERR("clock 12", syscall(SYS_clock_nanosleep, 12, 0, &req, NULL),
		  EINVAL);
	CHECK_ERR("MONOTONIC_RAW (no sleep on it)",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, &req,
			  NULL),
		  EOPNOTSUPP);
	CHECK_ERR("MONOTONIC_COARSE (no sleep on it)",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_COARSE, 0, &req,
			  NULL),
		  EOPNOTSUPP);
	req.tv_nsec = NS;
	CHECK_ERR("tv_nsec 1e9",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL),
		  EINVAL);
	req.tv_nsec = 1000;
	CHECK_RET("unknown flag bits are ignored",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 2, &req, NULL),
		  0);
}

/*
 * The C library's calls (through the vDSO where it has the function)
 * against the system calls: the same errors, the same resolutions, and
 * times that never go back when the two are mixed.
 */
CONTRACT_TEST(libc_vs_syscall)
{
	static const int bad[] = { 10, 12, 100 };
	struct timespec t, r;
	struct timeval tv;
	char l[64];
	time_t tt;
	long a, b;
	int back = 0, same = 1;

	for (size_t i = 0; i < NCLOCKS; i++) {
		clockid_t id = clocks[i].id;

		snprintf(l, sizeof(l), "clock_gettime(%s) between syscalls",
			 clocks[i].name);
		a = now(id);
		CHECK_RET(l, clock_gettime(id, &t), 0);
		b = now(id);
		CHECK(l, a <= ts_ns(&t) && ts_ns(&t) <= b);
		memset(&r, 0x55, sizeof(r));
		memset(&t, 0x55, sizeof(t));
		syscall(SYS_clock_getres, id, &r);
		EXPECT(clock_getres(id, &t) == 0);
		same &= !memcmp(&r, &t, sizeof(t));
	}
	CHECK("clock_getres as the system call", same);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(l, sizeof(l), "clock_gettime(%d)", bad[i]);
		CHECK_ERR(l, clock_gettime(bad[i], &t), EINVAL);
		snprintf(l, sizeof(l), "clock_getres(%d)", bad[i]);
		CHECK_ERR(l, clock_getres(bad[i], &t), EINVAL);
	}
	a = now(CLOCK_MONOTONIC);
	for (int i = 0; i < 1000; i++) {
		if (i & 1) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			b = ts_ns(&t);
		} else {
			b = now(CLOCK_MONOTONIC);
		}
		back += b < a;
		a = b;
	}
	CHECK("MONOTONIC, libc and syscall mixed, never goes back", !back);
	a = now(CLOCK_REALTIME);
	CHECK_RET("gettimeofday", gettimeofday(&tv, NULL), 0);
	tt = time(NULL);
	b = now(CLOCK_REALTIME);
	CHECK("gettimeofday between REALTIME reads",
	      tv.tv_sec * NS + tv.tv_usec * 1000 >= a / 1000 * 1000 &&
		      tv.tv_sec * NS + tv.tv_usec * 1000 <= b);
	CHECK("time() between REALTIME reads", tt >= a / NS && tt <= b / NS);
	CHECK("sched_getcpu() is a CPU", sched_getcpu() >= 0);
}
