/*
 * A deterministic system-call fuzzer:  fuzz [SEED [N]]
 *
 * Issues N raw system calls (default 2000, seed 1) chosen by a seeded
 * xorshift generator from the calls KOS implements, a few harmless Linux
 * calls KOS may lack, and numbers no x86-64 Linux assigns (those must fail
 * with ENOSYS: the only result checked).  Arguments are nasty: 0, -1,
 * INT_MIN/MAX, huge values, NULL, unaligned and page-edge pointers,
 * pointers just past a mapping, into the kernel half or non-canonical,
 * lengths 0/1/4095/4096/huge, random flags.  The kernel must survive
 * everything; the program prints "fuzz: N calls, ok" and exits 0.
 *
 * It runs natively on Linux (as root, chrooted, as the guest-test oracle)
 * as well as on KOS, so it must not hurt itself or the host, and its
 * output must not depend on any result:
 *  - fds 0-2 are /dev/null while fuzzing (stdout is saved on a high fd
 *    that no argument may name), so nothing is printed and no read blocks;
 *  - everything the kernel may write to lives in a private arena between
 *    PROT_NONE guards, and only the arena is ever unmapped, protected,
 *    advised or MAP_FIXED over (or ranges every kernel rejects before
 *    acting); the fuzzer itself never touches the arena;
 *  - structures whose contents matter (iovecs, sleep times, rlimits) are
 *    prepared: sleeps are at most 2 ms, limits are never lowered;
 *  - exit, fs base changes, blocking locks, dnotify, leases, FIFREEZE,
 *    MADV_HWPOISON and sleeps on the process CPU clock are never issued.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096UL
#define GUARD (64 * PG)
#define ARENA (256 * PG)
#define USER_TOP 0x00007ffffffff000UL
#define NRING 16

static uint64_t rng;
static char *region, *arena, *arena_end, *strpage;
static int saved_stdout;
static unsigned long brk0;
static int fds[NRING]; /* recently returned fds */
static unsigned int nfds;
static struct {
	unsigned long addr, len; /* mappings made outside the arena */
} maps[NRING];
static unsigned int nmaps;
static int enosys_failures;

/* Prepared input structures (the kernel only reads these). */
static struct {
	void *base;
	size_t len;
} iov[8];
static struct timespec ts;
static struct {
	unsigned long handler, flags, restorer, mask;
} act;
static struct {
	unsigned long cur, max;
} rlim;
static char longpath[5000];
static const char *const paths[] = {
	"/",
	".",
	"..",
	"",
	"/etc",
	"/etc/words",
	"/etc/motd",
	"/dev/null",
	"/dev/zero",
	"/nonexistent",
	"/nonexistent/x",
	"/etc/words/x",
	"//..//./etc/",
	"fz0",
	"fz1",
	"/fz2",
	"/fz3/",
	"/t",
	"/dev",
};

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned long below(unsigned long n)
{
	return rnd() % n;
}

static int one_in(unsigned long n)
{
	return below(n) == 0;
}

static unsigned long pick(const unsigned long *v, unsigned long n)
{
	return v[below(n)];
}

#define PICK(...)                                                  \
	({                                                         \
		static const unsigned long v_[] = { __VA_ARGS__ }; \
		pick(v_, sizeof(v_) / sizeof(v_[0]));              \
	})

/* An integer: boundary values, small numbers, random bits. */
static unsigned long num(void)
{
	switch (below(6)) {
	case 0:
		return PICK(0, 1, 2, -1UL, -2UL, 0x7fffffff, 0x80000000,
			    0xffffffff, 0x100000000UL, 0x7fffffffffffffffUL,
			    0x8000000000000000UL, (unsigned long)INT32_MIN);
	case 1:
		return below(64);
	case 2:
		return 1UL << below(64);
	case 3:
		return rnd() & 0xffff;
	default:
		return rnd();
	}
}

/* A length or size. */
static unsigned long len(void)
{
	switch (below(4)) {
	case 0:
		return PICK(0, 1, 2, 7, 8, 16, 24, 4095, 4096, 4097, 8192,
			    65536, ARENA, ARENA + 1, 0x7fffffff, 0x80000000,
			    0xffffffff, 0x100000000UL, 0x7fffffffffffffffUL,
			    -1UL, -4096UL, USER_TOP, USER_TOP + 1);
	case 1:
		return below(300);
	case 2:
		return below(3 * PG);
	default:
		return num();
	}
}

/* Flags: mostly a few random bits, sometimes all of them. */
static unsigned long flags(void)
{
	switch (below(5)) {
	case 0:
		return 0;
	case 1:
		return 1UL << below(32);
	case 2:
		return rnd() & rnd() & rnd() & 0xffffffff;
	case 3:
		return rnd() & 0xffffffff;
	default:
		return num();
	}
}

/* An address in the arena: page aligned, unaligned, or near its end. */
static unsigned long arena_addr(void)
{
	switch (below(4)) {
	case 0:
		return (unsigned long)arena + below(ARENA / PG) * PG;
	case 1:
		return (unsigned long)arena + below(ARENA);
	case 2:
		return (unsigned long)arena_end -
		       PICK(1, 2, 3, 4, 8, 16, 100, PG, PG + 1, 2 * PG);
	default:
		return (unsigned long)arena;
	}
}

/* An address no kernel may accept: kernel half, non-canonical, ... */
static unsigned long bad_addr(void)
{
	return PICK(0, 1, 0x10, 0xfff, PG, 0x10000, USER_TOP, USER_TOP + 1,
		    0x00007fffffffffffUL, 0x0000800000000000UL,
		    0x0000800000001000UL, 0x1000000000000000UL,
		    0x7fffffffffffffffUL, 0x8000000000000000UL,
		    0xffff800000000000UL, 0xffff800000001000UL,
		    0xffff888000000000UL, 0xffffffff80000000UL,
		    0xffffffffff600000UL, 0xfffffffffffff000UL, -1UL, -4095UL);
}

/*
 * A pointer the kernel may write through: arena, guards, or addresses it
 * must refuse (including our read-only text and constants).
 */
static unsigned long out_ptr(void)
{
	switch (below(8)) {
	case 0:
	case 1:
	case 2:
		return arena_addr();
	case 3:
		return (unsigned long)region + below(GUARD); /* low guard */
	case 4:
		return (unsigned long)arena_end +
		       below(2 * PG); /* high guard */
	case 5:
		return PICK((unsigned long)&num, (unsigned long)"/etc");
	default:
		return bad_addr();
	}
}

/* A pointer the kernel reads from: anything writable, or our own data. */
static unsigned long in_ptr(void)
{
	switch (below(6)) {
	case 0:
		return (unsigned long)&rnd + below(64);
	case 1:
		return (unsigned long)strpage + below(PG) +
		       (one_in(2) ? PG : 0);
	default:
		return out_ptr();
	}
}

/* A path name: real paths, garbage, too long, running into a guard. */
static unsigned long path(void)
{
	switch (below(8)) {
	case 0:
		return (unsigned long)longpath + below(sizeof(longpath));
	case 1:
		return (unsigned long)strpage + PG - 1 - below(8);
	case 2:
		return in_ptr();
	default:
		return (unsigned long)
			paths[below(sizeof(paths) / sizeof(paths[0]))];
	}
}

/* Never name the saved stdout. */
static unsigned long fd_filter(unsigned long fd)
{
	return (int)fd == saved_stdout ? 1 : fd;
}

static unsigned long fd(void)
{
	unsigned long v;

	switch (below(6)) {
	case 0:
		v = PICK(-1UL, 0, 1, 2, (unsigned long)AT_FDCWD, 1023, 1024,
			 4096, 0x7fffffff, 0x80000000, 0x100000000UL);
		break;
	case 1:
		v = below(20);
		break;
	case 2:
		v = num();
		break;
	default:
		v = nfds ? (unsigned long)
				    fds[below(nfds < NRING ? nfds : NRING)]
			 : 3;
		break;
	}
	return fd_filter(v);
}

static void note_fd(long r)
{
	if (r >= 0)
		fds[nfds++ % NRING] = (int)r;
}

static unsigned long offset(void)
{
	return PICK(0, 1, PG, PG - 1, -1UL, -PG, 1UL << 31, 1UL << 32,
		    1UL << 40, 0x7fffffffffffffffUL, 0x7ffffffffffff000UL,
		    0x8000000000000000UL, 100, 3 * PG);
}

/* A range fixed-mapping, protection or advice may act on. */
static int range_ok(unsigned long addr, unsigned long n)
{
	unsigned long a = (unsigned long)arena, e = (unsigned long)arena_end;
	unsigned long pages = (n + PG - 1) & ~(PG - 1);

	if (addr >= a && addr < e && pages <= e - (addr & ~(PG - 1)) &&
	    n <= pages)
		return 1;
	/*
	 * Rejected before anything changes, or nothing to do: unaligned,
	 * beyond user space, empty, wrapping around.  (Not just "too long":
	 * Linux's madvise walks every mapping up to addr + n.)
	 */
	return (addr & (PG - 1)) || addr >= USER_TOP || !n || !pages ||
	       addr + pages < addr;
}

static void range(unsigned long *addr, unsigned long *n)
{
	*addr = one_in(6) ? bad_addr() : arena_addr();
	*n = one_in(3)
		     ? len()
		     : below(ARENA / PG + 1) * PG + (one_in(4) ? below(PG) : 0);
	if (!range_ok(*addr, *n)) {
		*addr = arena_addr();
		*n = below(((unsigned long)arena_end - *addr) / PG + 1) * PG;
	}
}

/* Fill the prepared iovecs. */
static unsigned long iovec(int out)
{
	for (unsigned int i = 0; i < 8; i++) {
		iov[i].base = (void *)(out ? out_ptr() : in_ptr());
		iov[i].len = one_in(3) ? len() : below(PG);
	}
	return one_in(5) ? out_ptr() : (unsigned long)iov + below(3) * 16;
}

/*
 * A signal action that is default or ignore (a signal sent from outside,
 * as strace does, must not run a random handler), or a bad pointer.
 */
static unsigned long sigaction_ptr(void)
{
	if (one_in(4))
		return one_in(2) ? bad_addr() : (unsigned long)region;
	act.handler = below(2);
	act.flags = flags();
	act.restorer = rnd();
	act.mask = rnd();
	return (unsigned long)&act;
}

/* A sleep of at most 2 ms, an invalid time, or a bad pointer. */
static unsigned long sleep_time(void)
{
	if (one_in(4))
		return bad_addr();
	ts.tv_sec = 0;
	ts.tv_nsec = below(2000000);
	if (one_in(4)) {
		ts.tv_sec = (long)PICK(-1UL, 0, 0x8000000000000000UL);
		ts.tv_nsec = (long)PICK(-1UL, 1000000000, 0x7fffffff, 0);
		if (ts.tv_sec == 0 && ts.tv_nsec == 0)
			ts.tv_sec = -1;
	}
	return (unsigned long)&ts;
}

/* New limits that never lower anything: the current ones, or invalid. */
static unsigned long new_rlimit(unsigned long res)
{
	if (one_in(5))
		return (unsigned long)region; /* a guard page */
	if (one_in(4))
		return PICK(0, 0x10, 0xffff800000000000UL,
			    0x0000800000000000UL);
	if (syscall(SYS_prlimit64, 0, res, NULL, &rlim) < 0)
		rlim.cur = rlim.max = 0;
	if (one_in(3)) {
		rlim.cur = -1UL;
		rlim.max = 5;
	}
	return (unsigned long)&rlim;
}

/* mmap with anything, but MAP_FIXED only where range_ok() says. */
static void fuzz_mmap(void)
{
	unsigned long addr, n, prot, fl, f;
	long r;

	/*
	 * No hints below user space's end outside the arena: Linux would
	 * map there (even page 0, for root), making a "bad" address good.
	 */
	addr = one_in(2) ? 0 : bad_addr();
	if (addr && addr < USER_TOP)
		addr = arena_addr();
	n = one_in(2) ? len() : below(16) * PG;
	prot = one_in(8) ? flags() : below(8);
	fl = PICK(MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, 0, 3) |
	     (one_in(4) ? flags() : 0) | (one_in(2) ? MAP_ANONYMOUS : 0) |
	     (one_in(3) ? MAP_FIXED : 0) |
	     (one_in(8) ? MAP_FIXED_NOREPLACE : 0) |
	     (one_in(8) ? MAP_GROWSDOWN : 0) | (one_in(8) ? MAP_POPULATE : 0);
	if (!range_ok(addr, n)) /* (root may even map page 0) */
		fl &= ~(unsigned long)(MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (n > 16 * PG) /* populating gigabytes takes long */
		fl &= ~(unsigned long)(MAP_POPULATE | MAP_LOCKED);
	f = one_in(4) ? -1UL : fd();
	r = syscall(SYS_mmap, addr, n, prot, fl, f,
		    offset() & -(one_in(4) ? 1UL : PG));
	if (r == -1 || (fl & MAP_FIXED))
		return;
	if ((unsigned long)r >= (unsigned long)region &&
	    (unsigned long)r < (unsigned long)arena_end + GUARD)
		return;
	if (nmaps >= NRING) {
		unsigned int i = below(NRING);

		syscall(SYS_munmap, maps[i].addr, maps[i].len);
		maps[i] = maps[--nmaps];
	}
	maps[nmaps].addr = (unsigned long)r;
	maps[nmaps++].len = n;
}

static void fuzz_munmap(void)
{
	unsigned long a, n;

	if (nmaps && one_in(3)) {
		unsigned int i = below(nmaps);

		syscall(SYS_munmap, maps[i].addr, maps[i].len);
		maps[i] = maps[--nmaps];
		return;
	}
	range(&a, &n);
	syscall(SYS_munmap, a, n);
}

static void fuzz_arch_prctl(void)
{
	unsigned long code = PICK(0x1001, 0x1002, 0x1003, 0x1004, 0x1011, 0,
				  0x1005, 0x1fff, 0x3000, -1UL, 0x1002);
	unsigned long arg = out_ptr();

	if (code == 0x1002) /* ARCH_SET_FS: only values Linux refuses */
		arg = PICK(USER_TOP, 0x0000800000000000UL, 0xffff800000000000UL,
			   -1UL);
	syscall(SYS_arch_prctl, code, arg);
}

static void fuzz_fcntl(void)
{
	unsigned long cmd = one_in(4) ? num() : below(48);
	unsigned int kcmd = (unsigned int)cmd; /* what the kernel reads */

	/* F_SETLKW, F_OFD_SETLKW may block on our own locks; no leases or
	 * dnotify, whose signals would kill us. */
	if (kcmd == 7 || kcmd == 38 || kcmd == 1024 || kcmd == 1026)
		cmd = 1;
	syscall(SYS_fcntl, fd(), cmd, one_in(2) ? num() : out_ptr());
}

static void fuzz_ioctl(void)
{
	unsigned long cmd =
		one_in(2) ? PICK(0x5401, 0x5413, 0x541b, 0x5421, 0x5450, 0x5451,
				 0x80086601, 0x40086602, 0, -1UL)
			  : num();

	if (((cmd >> 8) & 0xff) == 'X') /* FIFREEZE, FITHAW, ... */
		cmd = 0x5401;
	syscall(SYS_ioctl, fd(), cmd, one_in(2) ? num() : out_ptr());
}

static void fuzz_madvise(void)
{
	unsigned long a, n, adv = one_in(4) ? num() : below(30);

	if (adv == 100 || adv == 101) /* MADV_HWPOISON, MADV_SOFT_OFFLINE */
		adv = 4;
	range(&a, &n);
	syscall(SYS_madvise, a, n, adv);
}

static void fuzz_clock_nanosleep(void)
{
	/* Not 2 (CLOCK_PROCESS_CPUTIME_ID): nothing else runs, so Linux
	 * would never wake up. */
	unsigned long id = PICK(0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 100,
				-1UL, 0x7fffffff, 0x80000000);

	syscall(SYS_clock_nanosleep, id, flags(), sleep_time(), out_ptr());
}

/*
 * Numbers no x86-64 Linux assigns (5.x to 6.x): must be ENOSYS.  (Not 335
 * and 336, which some vendor kernels use.)
 */
static void fuzz_unassigned(void)
{
	unsigned long nr;
	long r;

	switch (below(4)) {
	case 0:
		nr = PICK(174, 177, 178, 180, 181, 182, 183, 184, 185, 236);
		break;
	case 1:
		nr = 340 + below(423 - 340 + 1);
		break;
	case 2:
		nr = 512 + below(600 - 512 + 1);
		break;
	default:
		nr = PICK(-1UL, 1000, 0x7fffffff, 0x80000000, 4095, 4096);
		break;
	}
	errno = 0;
	r = syscall(nr, num(), num(), num(), num(), num(), num());
	if ((r != -1 || errno != ENOSYS) && enosys_failures++ < 10)
		dprintf(saved_stdout,
			"FAIL syscall %ld: %ld errno %d, want ENOSYS\n",
			(long)nr, r, errno);
}

/* Linux calls that are harmless whatever their arguments. */
static void fuzz_harmless(void)
{
	unsigned long nr = PICK(
		SYS_getpgrp, SYS_getsid, SYS_getpgid, SYS_sysinfo, SYS_times,
		SYS_getitimer, SYS_getresuid, SYS_getresgid, SYS_getgroups,
		SYS_sched_getaffinity, SYS_getpriority, SYS_sched_getscheduler,
		SYS_sched_getparam, SYS_sched_get_priority_max,
		SYS_sched_get_priority_min, SYS_sched_rr_get_interval,
		SYS_getrusage, SYS_getcpu, SYS_capget, SYS_umask);

	syscall(nr, one_in(2) ? num() : out_ptr(), out_ptr(), out_ptr());
}

static void fuzz_one(void)
{
	unsigned long a, n, res;

	switch (below(64)) {
	case 0:
		if (one_in(2))
			syscall(SYS_read, fd(), out_ptr(), len());
		else
			syscall(SYS_pread64, fd(), out_ptr(), len(), offset());
		break;
	case 1:
		if (one_in(2))
			syscall(SYS_write, fd(), in_ptr(), len());
		else
			syscall(SYS_pwrite64, fd(), in_ptr(), len(), offset());
		break;
	case 2:
		note_fd(syscall(SYS_open, path(), flags(), num()));
		break;
	case 3:
	case 4:
		note_fd(syscall(SYS_openat, fd(), path(), flags(), num()));
		break;
	case 5:
		syscall(SYS_close, fd());
		break;
	case 6:
		syscall(PICK(SYS_stat, SYS_lstat), path(), out_ptr());
		break;
	case 7:
		syscall(SYS_fstat, fd(), out_ptr());
		break;
	case 8:
		syscall(SYS_lseek, fd(), offset(),
			one_in(4) ? num() : below(5));
		break;
	case 9:
	case 10:
		fuzz_mmap();
		break;
	case 11:
		range(&a, &n);
		syscall(SYS_mprotect, a, n, one_in(4) ? flags() : below(8));
		break;
	case 12:
		fuzz_munmap();
		break;
	case 13:
		syscall(SYS_brk,
			one_in(2) ? brk0 + (num() & ~(PG - 1)) : num());
		break;
	case 14:
		syscall(SYS_rt_sigaction, num() & 0x7f, sigaction_ptr(),
			out_ptr(), one_in(4) ? num() : 8);
		break;
	case 15:
		syscall(SYS_rt_sigprocmask, one_in(4) ? num() : below(3),
			in_ptr(), out_ptr(), one_in(4) ? num() : 8);
		break;
	case 16:
		fuzz_ioctl();
		break;
	case 17:
		syscall(SYS_readv, fd(), iovec(1),
			one_in(3) ? num() : below(9));
		break;
	case 18:
		syscall(SYS_writev, fd(), iovec(0),
			one_in(3) ? num() : below(9));
		break;
	case 19:
		syscall(SYS_access, path(), num());
		break;
	case 20:
		syscall(SYS_sched_yield);
		break;
	case 21:
		fuzz_madvise();
		break;
	case 22:
		syscall(SYS_msync, one_in(2) ? arena_addr() : out_ptr(), len(),
			one_in(2) ? below(8) : flags());
		break;
	case 23:
		note_fd(syscall(SYS_dup, fd()));
		break;
	case 24:
		note_fd(syscall(SYS_dup2, fd(), fd()));
		break;
	case 25:
		note_fd(syscall(SYS_dup3, fd(), fd(), flags()));
		break;
	case 26:
		syscall(SYS_nanosleep, sleep_time(), out_ptr());
		break;
	case 27:
		syscall(PICK(SYS_getpid, SYS_getuid, SYS_getgid, SYS_geteuid,
			     SYS_getegid, SYS_getppid, SYS_gettid));
		break;
	case 28:
		syscall(SYS_uname, out_ptr());
		break;
	case 29:
	case 30:
		fuzz_fcntl();
		break;
	case 31:
		syscall(SYS_getcwd, out_ptr(), len());
		break;
	case 32:
		syscall(SYS_chdir, path());
		break;
	case 33:
		syscall(SYS_fchdir, fd());
		break;
	case 34:
		syscall(SYS_readlink, path(), out_ptr(), len());
		break;
	case 35:
		syscall(SYS_gettimeofday, out_ptr(), out_ptr());
		break;
	case 36:
		syscall(SYS_getrlimit, num(), out_ptr());
		break;
	case 37:
		res = one_in(4) ? num() : below(17);
		syscall(SYS_setrlimit, res, new_rlimit(res));
		break;
	case 38:
		res = one_in(4) ? num() : below(17);
		syscall(SYS_prlimit64, one_in(2) ? 0 : num(), res,
			one_in(3) ? 0 : new_rlimit(res), out_ptr());
		break;
	case 39:
		fuzz_arch_prctl();
		break;
	case 40:
		syscall(SYS_time, out_ptr());
		break;
	case 41:
		syscall(SYS_getdents64, fd(), out_ptr(), len());
		break;
	case 42:
		syscall(SYS_set_tid_address, out_ptr());
		break;
	case 43:
		syscall(PICK(SYS_clock_gettime, SYS_clock_getres),
			one_in(2) ? below(16) : num(), out_ptr());
		break;
	case 44:
		fuzz_clock_nanosleep();
		break;
	case 45:
		syscall(SYS_newfstatat, fd(), path(), out_ptr(), flags());
		break;
	case 46:
		syscall(SYS_readlinkat, fd(), path(), out_ptr(), len());
		break;
	case 47:
		syscall(SYS_faccessat, fd(), path(), num());
		break;
	case 48:
		syscall(SYS_faccessat2, fd(), path(), num(), flags());
		break;
	case 49:
		syscall(SYS_set_robust_list, out_ptr(), one_in(2) ? 24 : len());
		break;
	case 50:
		syscall(SYS_getrandom, out_ptr(), len(), flags());
		break;
	case 51:
		syscall(SYS_statx, fd(), path(), flags(), flags(), out_ptr());
		break;
	case 52:
	case 53:
	case 54:
	case 55:
		fuzz_unassigned();
		break;
	case 56:
	case 57:
		fuzz_harmless();
		break;
	case 58:
		/* LOCK_NB always: a lock of ours on another description
		 * would make a blocking flock wait forever */
		syscall(SYS_flock, fd(), (one_in(4) ? num() : below(16)) | 4);
		break;
	default: /* the cheap, well-trodden calls once more */
		syscall(PICK(SYS_fstat, SYS_close, SYS_lseek, SYS_dup), fd(),
			out_ptr(), below(3));
		break;
	}
}

/* The arena between guards, a string page before a guard, fds 0-2. */
static void setup(void)
{
	int null;

	region = mmap(NULL, GUARD + ARENA + GUARD, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strpage = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || strpage == MAP_FAILED) {
		printf("fuzz: mmap failed\n");
		exit(1);
	}
	arena = region + GUARD;
	arena_end = arena + ARENA;
	memset(strpage, 'a', PG);
	memset(longpath, '/', 4096);
	memset(longpath + 4096, 'x', 300);
	if (mprotect(arena, ARENA, PROT_READ | PROT_WRITE) ||
	    mprotect(strpage + PG, PG, PROT_NONE)) {
		printf("fuzz: mprotect failed\n");
		exit(1);
	}
	brk0 = (unsigned long)syscall(SYS_brk, 0);
	fflush(stdout);
	saved_stdout = fcntl(1, F_DUPFD_CLOEXEC, 64);
	null = open("/dev/null", O_RDWR);
	if (saved_stdout < 0 || null < 0) {
		printf("fuzz: no stdout or /dev/null\n");
		exit(1);
	}
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	note_fd(null);
}

int main(int argc, char **argv)
{
	unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	long n = argc > 2 ? strtol(argv[2], NULL, 0) : 2000;

	rng = seed * 0x9e3779b97f4a7c15UL + 1;
	setup();
	for (long i = 0; i < n; i++) {
		/* Now and then a fresh arena, so good pointers stay good. */
		if (i % 512 == 511)
			mmap(arena, ARENA, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		fuzz_one();
	}
	dup2(saved_stdout, 1);
	printf("fuzz: %ld calls, %s\n", n, enosys_failures ? "FAILED" : "ok");
	fflush(stdout);
	return enosys_failures ? 1 : 0;
}
