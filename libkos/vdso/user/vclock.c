/*
 * The vDSO's functions: user code, run in every process (kos/vdso.h).
 * Built into build/vdso/vdso.so by libkos/vdso/module.mk, not into
 * libkos.a.
 *
 * Each function answers like the system call of the same name, from the
 * kernel's data page ([vvar], just below the image), for what the data
 * page can answer; everything else, it asks the kernel with the real
 * system call and returns exactly what the kernel returned (-errno on
 * failure, as Linux's vDSO: the C library turns that into errno).  So
 * a clock the kernel does not serve from the TSC, an unknown clock, and
 * any clock while the platform has no TSC clock (clock_mode
 * VDSO_CLOCK_SYSCALL) behave exactly as the system calls do.  Like
 * Linux's, these functions store through the caller's pointers
 * directly: a bad pointer faults in user space instead of giving
 * -EFAULT.
 *
 * Position independent without relocations: the only data they touch is
 * the data page, reached at a fixed distance from the code (vdso.lds.S
 * defines kos_vvar), and the image has no writable data at all.
 */
#include <kos/compiler.h>
#include <kos/vdso.h>
#include <uapi/errno.h>
#include <uapi/time.h>
#include <uapi/unistd.h>

#define VDSO_EXPORT __attribute__((visibility("default")))

/* The data page: [vvar] page 0, VDSO_VVAR_PAGES pages below the image. */
extern const struct vdso_data kos_vvar __attribute__((visibility("hidden")));

/* The same function as the libc symbol, as Linux's vDSO has it. */
#define VDSO_ALIAS(name)               \
	__typeof__(__vdso_##name) name \
		__attribute__((weak, alias("__vdso_" #name))) VDSO_EXPORT

static long vdso_syscall2(long nr, long a, long b)
{
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a), "S"(b)
			     : "rcx", "r11", "memory");
	return ret;
}

/* The TSC, read after every earlier instruction has completed. */
static inline uint64_t vdso_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * CLOCK_MONOTONIC now, and CLOCK_REALTIME - CLOCK_MONOTONIC, read
 * consistently from the data page.  false if the kernel does not serve
 * the clocks from the TSC (then ask it).
 */
static bool vdso_read_clock(uint64_t *mono, uint64_t *rt_offset)
{
	const volatile struct vdso_data *d = &kos_vvar;
	struct plat_tsc_clock c;
	uint64_t tsc, off;
	uint32_t seq;

	for (;;) {
		seq = d->seq;
		if (seq & 1) {
			__asm__ __volatile__("pause");
			continue;
		}
		barrier();
		if (d->clock_mode != VDSO_CLOCK_TSC)
			return false;
		c.tsc_base = d->clock.tsc_base;
		c.ns_base = d->clock.ns_base;
		c.mult = d->clock.mult;
		c.shift = d->clock.shift;
		off = d->realtime_offset;
		tsc = vdso_rdtsc();
		barrier();
		if (d->seq == seq)
			break;
	}
	*mono = plat_tsc_clock_ns(&c, tsc);
	*rt_offset = off;
	return true;
}

/* Which clocks the data page serves, and on which time base. */
enum vdso_base { VDSO_NONE, VDSO_MONO, VDSO_REAL };

static enum vdso_base vdso_clock_base(int id)
{
	switch (id) {
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return VDSO_MONO;
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI:
		return VDSO_REAL;
	}
	return VDSO_NONE; /* CPU time, alarm and unknown clocks */
}

int __vdso_clock_gettime(int id, struct timespec *ts) VDSO_EXPORT;
int __vdso_clock_gettime(int id, struct timespec *ts)
{
	enum vdso_base base = vdso_clock_base(id);
	uint64_t ns, off;

	if (base == VDSO_NONE || !vdso_read_clock(&ns, &off))
		return (int)vdso_syscall2(__NR_clock_gettime, id, (long)ts);
	if (base == VDSO_REAL)
		ns += off;
	ts->tv_sec = (int64_t)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (int64_t)(ns % NSEC_PER_SEC);
	return 0;
}
VDSO_ALIAS(clock_gettime);

int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz) VDSO_EXPORT;
int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz)
{
	uint64_t ns, off;

	if (!vdso_read_clock(&ns, &off))
		return (int)vdso_syscall2(__NR_gettimeofday, (long)tv,
					  (long)tz);
	if (tv) {
		ns += off;
		tv->tv_sec = (int64_t)(ns / NSEC_PER_SEC);
		tv->tv_usec = (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC);
	}
	if (tz) {
		tz->tz_minuteswest = kos_vvar.tz_minuteswest;
		tz->tz_dsttime = kos_vvar.tz_dsttime;
	}
	return 0;
}
VDSO_ALIAS(gettimeofday);

long __vdso_time(long *t) VDSO_EXPORT;
long __vdso_time(long *t)
{
	uint64_t ns, off;
	long secs;

	if (!vdso_read_clock(&ns, &off))
		return vdso_syscall2(__NR_time, (long)t, 0);
	secs = (long)((ns + off) / NSEC_PER_SEC);
	if (t)
		*t = secs;
	return secs;
}
VDSO_ALIAS(time);

/*
 * clock_getres answers from the data page for the clocks it serves,
 * whatever the clock mode (the resolution does not depend on it).
 */
int __vdso_clock_getres(int id, struct timespec *res) VDSO_EXPORT;
int __vdso_clock_getres(int id, struct timespec *res)
{
	uint64_t ns;

	if (vdso_clock_base(id) == VDSO_NONE)
		return (int)vdso_syscall2(__NR_clock_getres, id, (long)res);
	ns = id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE
		     ? kos_vvar.coarse_ns
		     : kos_vvar.hres_ns;
	if (res) {
		res->tv_sec = (int64_t)(ns / NSEC_PER_SEC);
		res->tv_nsec = (int64_t)(ns % NSEC_PER_SEC);
	}
	return 0;
}
VDSO_ALIAS(clock_getres);

/* KOS runs on one CPU of one node: CPU 0, node 0; the cache is unused. */
int __vdso_getcpu(unsigned int *cpu, unsigned int *node,
		  void *unused) VDSO_EXPORT;
int __vdso_getcpu(unsigned int *cpu, unsigned int *node, void *unused)
{
	if (cpu)
		*cpu = 0;
	if (node)
		*node = 0;
	return 0;
}
VDSO_ALIAS(getcpu);
