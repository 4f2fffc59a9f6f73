/*
 * bench: system-call micro-benchmarks, one static binary for every system
 * under comparison (KOS on QEMU and hosted, Linux on QEMU, the host Linux
 * natively, User-Mode Linux, gVisor).
 *
 * Output, one line per benchmark and a last line that says the run is
 * complete (scripts/bench parses exactly these):
 *
 *	bench <name> <ns_per_op>
 *	bench-end <number of benchmarks>
 *
 * Method.  Every benchmark is a loop body run `iters` times per sample.
 * The iteration count is calibrated once per benchmark: doubled from 1
 * until a sample takes at least --target milliseconds (default 20), then
 * held fixed for --samples samples (default 5); the fastest sample
 * divided by the iteration count is the result (the minimum, not the
 * median: these machines are shared and emulated, and interference only
 * ever adds time).  --iters N skips the calibration
 * and uses N for every benchmark, so two systems can be made to run the
 * same amount of work.  Time comes from clock_gettime(CLOCK_MONOTONIC)
 * through a raw system call (the same path on every system), read only
 * once per sample, so its cost disappears in the iteration count.
 *
 * Every system call is made with the syscall instruction directly (no libc
 * wrapper), except clock_gettime_libc, which goes through musl on purpose:
 * that is the vDSO, on Linux and on KOS alike.
 *
 * fork_exec_wait runs the program itself again with --exit-now, which
 * returns at once.
 *
 * tar_xf_2000 runs BusyBox (/bin/busybox) `tar xf` of an archive of 2,000
 * small files in nested directories (/bench-tree.tar, which
 * check/bench/mktree writes at build time) into a fresh tmpfs; one
 * extraction is one operation.  Mounting the tmpfs before and unmounting
 * it after are not timed (a loop's untimed work is subtracted).  Where
 * mount is not allowed (natively, not as root) the directory is emptied
 * with `busybox rm -rf`, also untimed.
 *
 * The disk benchmarks (issue 11) run only with --disk DEV: the program
 * mounts DEV (an empty ext4 file system the harness made with mkfs.ext4
 * on the host) on /mnt/disk and measures there, the same virtio-blk
 * disk on every QEMU system: disk_seq_write_256m writes a 256 MiB file
 * in 1 MiB writes and fsyncs it (per MiB), disk_seq_read_256m reads it
 * back from a cold cache (the file system is remounted first, untimed;
 * per MiB), disk_append_fsync_1000 does 1,000 appends of 100 bytes each
 * followed by fsync (per append), disk_tar_xf_5000 is BusyBox `tar xf`
 * of a 5,000-file archive (/bench-tree5k.tar) onto the disk plus sync
 * (per extraction; removing the tree is untimed), and disk_find_5000
 * walks that tree as find does (getdents64 and an lstat of every entry)
 * from a cold cache.  Without --disk, or when the mount fails, they say
 * n/a.
 *
 * Only calls KOS implements are used in the measured loops.  Two options
 * exist for running as PID 1 of a Linux initramfs and are never used on
 * KOS: --init mounts devtmpfs on /dev and opens /dev/console as fds 0-2
 * (an initramfs without device nodes has neither), and --poweroff powers
 * the machine off with reboot(2) at the end so QEMU exits.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SIZE 4096
#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAKE_PRIVATE 129
#define FAULT_PAGES 64 /* pages touched per page-fault iteration */
#define MAX_SAMPLES 1000
#define MAX_ITERS (1L << 30)

/* Raw system calls: return the kernel's value (-errno on failure). */
static inline long sc0(long nr)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
	return ret;
}

static inline long sc1(long nr, long a)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline long sc2(long nr, long a, long b)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline long sc3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

static inline long sc6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 asm("r10") = d;
	register long r8 asm("r8") = e;
	register long r9 asm("r9") = f;
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
		       "r"(r9)
		     : "rcx", "r11", "memory");
	return ret;
}

/* Monotonic time in ns through the system call itself. */
static long now_ns(void)
{
	struct timespec ts;

	sc2(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* ------------------------------------------------------------------ state */

static const char *file_path; /* opened and stat'ed: argv[0] by default */
static const char *tar_path = "/bench-tree.tar"; /* --tar */
static long untimed_ns; /* time a sample's loop spent on untimed work */
static int zero_fd = -1, null_fd = -1;
static int failed; /* a measured call returned an error */

static void fail(const char *what, long err)
{
	if (!failed)
		printf("bench-error %s: %ld\n", what, err);
	failed = 1;
}

/* --------------------------------------------------------- the loops */

/*
 * Each benchmark runs its operation n times and returns the cost per
 * operation as a divisor: usually 1 per iteration; page_fault reports per
 * page.  A failing call sets `failed` and the run's result is not printed.
 */
static long do_getpid(long n)
{
	for (long i = 0; i < n; i++)
		sc0(SYS_getpid);
	return 1;
}

static long do_clock_raw(long n)
{
	struct timespec ts;

	for (long i = 0; i < n; i++)
		sc2(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts);
	return 1;
}

static long do_clock_libc(long n)
{
	struct timespec ts;

	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return 1;
}

static long do_read_zero(long n)
{
	char c;

	for (long i = 0; i < n; i++) {
		long r = sc3(SYS_read, zero_fd, (long)&c, 1);

		if (r != 1)
			fail("read /dev/zero", r);
	}
	return 1;
}

static long do_write_null(long n)
{
	char c = 'x';

	for (long i = 0; i < n; i++) {
		long r = sc3(SYS_write, null_fd, (long)&c, 1);

		if (r != 1)
			fail("write /dev/null", r);
	}
	return 1;
}

static long do_open_close(long n)
{
	for (long i = 0; i < n; i++) {
		long fd = sc3(SYS_open, (long)file_path, O_RDONLY, 0);

		if (fd < 0) {
			fail("open", fd);
			break;
		}
		sc1(SYS_close, fd);
	}
	return 1;
}

static long do_stat(long n)
{
	struct stat st;

	for (long i = 0; i < n; i++) {
		long r = sc2(SYS_stat, (long)file_path, (long)&st);

		if (r)
			fail("stat", r);
	}
	return 1;
}

static long do_mmap_munmap(long n)
{
	for (long i = 0; i < n; i++) {
		long p = sc6(SYS_mmap, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p < 0 && p > -4096) {
			fail("mmap", p);
			break;
		}
		sc2(SYS_munmap, p, PAGE_SIZE);
	}
	return 1;
}

/* Map FAULT_PAGES fresh pages, write one byte in each, unmap: per page. */
static long do_page_fault(long n)
{
	long len = FAULT_PAGES * PAGE_SIZE;

	for (long i = 0; i < n; i++) {
		long p = sc6(SYS_mmap, 0, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p < 0 && p > -4096) {
			fail("mmap", p);
			break;
		}
		for (long off = 0; off < len; off += PAGE_SIZE)
			*(volatile char *)(p + off) = 1;
		sc2(SYS_munmap, p, len);
	}
	return FAULT_PAGES;
}

/* Grow the break by one page and shrink it back: two brk calls per op. */
static long do_brk(long n)
{
	long base = sc1(SYS_brk, 0);

	for (long i = 0; i < n; i++) {
		long r = sc1(SYS_brk, base + PAGE_SIZE);

		if (r != base + PAGE_SIZE) {
			fail("brk grow", r);
			break;
		}
		sc1(SYS_brk, base);
	}
	return 1;
}

/* ------------------------------------------------- processes, threads */

static long do_fork_exit_wait(long n)
{
	for (long i = 0; i < n; i++) {
		long pid = sc0(SYS_fork);
		int status;

		if (pid == 0)
			sc1(SYS_exit_group, 0);
		if (pid < 0) {
			fail("fork", pid);
			break;
		}
		sc6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
	}
	return 1;
}

static long do_fork_exec_wait(long n)
{
	char *argv[] = { (char *)file_path, "--exit-now", NULL };
	char *envp[] = { NULL };

	for (long i = 0; i < n; i++) {
		long pid = sc0(SYS_fork);
		int status;

		if (pid == 0) {
			sc3(SYS_execve, (long)file_path, (long)argv,
			    (long)envp);
			sc1(SYS_exit_group, 127);
		}
		if (pid < 0) {
			fail("fork", pid);
			break;
		}
		sc6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
		if (status) {
			fail("exec", status);
			break;
		}
	}
	return 1;
}

/* A child echoes every byte back: one round trip per operation. */
static long do_pipe_pingpong(long n)
{
	int to[2], from[2], status;
	char c = 'x';
	long pid;

	if (sc1(SYS_pipe, (long)to) || sc1(SYS_pipe, (long)from)) {
		fail("pipe", -1);
		return 1;
	}
	pid = sc0(SYS_fork);
	if (pid == 0) {
		for (long i = 0; i < n; i++) {
			if (sc3(SYS_read, to[0], (long)&c, 1) != 1)
				break;
			sc3(SYS_write, from[1], (long)&c, 1);
		}
		sc1(SYS_exit_group, 0);
	}
	for (long i = 0; i < n; i++) {
		sc3(SYS_write, to[1], (long)&c, 1);
		if (sc3(SYS_read, from[0], (long)&c, 1) != 1) {
			fail("pipe read", -1);
			break;
		}
	}
	sc6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
	for (int k = 0; k < 2; k++) {
		sc1(SYS_close, to[k]);
		sc1(SYS_close, from[k]);
	}
	return 1;
}

static volatile long signals_seen;

static void on_usr1(int sig __attribute__((unused)))
{
	signals_seen++;
}

/* kill(self) + handler + rt_sigreturn. */
static long do_signal(long n)
{
	struct sigaction sa, old;
	long pid = sc0(SYS_getpid);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, &old);
	for (long i = 0; i < n; i++)
		sc2(SYS_kill, pid, SIGUSR1);
	sigaction(SIGUSR1, &old, NULL);
	return 1;
}

static void *thread_nop(void *arg)
{
	return arg;
}

static long do_thread_create_join(long n)
{
	for (long i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, thread_nop, NULL)) {
			fail("pthread_create", -1);
			break;
		}
		pthread_join(t, NULL);
	}
	return 1;
}

/* Two threads hand a token back and forth with futex wait/wake. */
static volatile int token;
static long pp_rounds;

static void futex_wait_for(int want)
{
	while (token != want)
		sc6(SYS_futex, (long)&token, FUTEX_WAIT_PRIVATE, !want, 0, 0,
		    0);
}

static void futex_give(int v)
{
	token = v;
	sc6(SYS_futex, (long)&token, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

static void *futex_partner(void *arg __attribute__((unused)))
{
	for (long i = 0; i < pp_rounds; i++) {
		futex_wait_for(1);
		futex_give(0);
	}
	return NULL;
}

static long do_futex_pingpong(long n)
{
	pthread_t t;

	token = 0;
	pp_rounds = n;
	if (pthread_create(&t, NULL, futex_partner, NULL)) {
		fail("pthread_create", -1);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		futex_give(1);
		futex_wait_for(0);
	}
	pthread_join(t, NULL);
	return 1;
}

/* ---- file-system benchmarks (issue 9), in a directory of their own --- */

#define FS_DIR "/tmp/kos-bench"
#define DEEP FS_DIR "/a/b/c/d/e/f/g/h"

/* mkdir(2) that tolerates an existing directory. */
static void mkdir_ok(const char *path)
{
	long r = sc2(SYS_mkdir, (long)path, 0755);

	if (r && r != -17)
		fail("mkdir", r);
}

static void fs_setup(void)
{
	static const char *const dirs[] = {
		"/tmp",
		FS_DIR,
		FS_DIR "/a",
		FS_DIR "/a/b",
		FS_DIR "/a/b/c",
		FS_DIR "/a/b/c/d",
		FS_DIR "/a/b/c/d/e",
		FS_DIR "/a/b/c/d/e/f",
		FS_DIR "/a/b/c/d/e/f/g",
		DEEP,
	};
	long fd;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdir_ok(dirs[i]);
	fd = sc3(SYS_open, (long)DEEP "/file", O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		fail("open", fd);
	sc1(SYS_close, fd);
}

static long do_create_write_unlink(long n)
{
	static const char data[16] = "0123456789abcdef";

	fs_setup();
	for (long i = 0; i < n; i++) {
		long fd = sc3(SYS_open, (long)FS_DIR "/f",
			      O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			fail("open", fd);
		sc3(SYS_write, fd, (long)data, sizeof(data));
		sc1(SYS_close, fd);
		if (sc1(SYS_unlink, (long)FS_DIR "/f"))
			fail("unlink", -1);
	}
	return 1;
}

static long do_mkdir_rmdir(long n)
{
	fs_setup();
	for (long i = 0; i < n; i++) {
		long r = sc2(SYS_mkdir, (long)FS_DIR "/d", 0755);

		if (r)
			fail("mkdir", r);
		r = sc1(SYS_rmdir, (long)FS_DIR "/d");
		if (r)
			fail("rmdir", r);
	}
	return 1;
}

static long do_rename(long n)
{
	long fd;

	fs_setup();
	fd = sc3(SYS_open, (long)FS_DIR "/r0", O_WRONLY | O_CREAT, 0644);
	sc1(SYS_close, fd);
	for (long i = 0; i < n; i++) {
		long r = sc2(SYS_rename,
			     (long)(i & 1 ? FS_DIR "/r1" : FS_DIR "/r0"),
			     (long)(i & 1 ? FS_DIR "/r0" : FS_DIR "/r1"));

		if (r)
			fail("rename", r);
	}
	sc1(SYS_unlink, (long)(n & 1 ? FS_DIR "/r1" : FS_DIR "/r0"));
	return 1;
}

static long do_stat_deep(long n)
{
	struct stat st;

	fs_setup();
	for (long i = 0; i < n; i++) {
		long r = sc2(SYS_stat, (long)DEEP "/file", (long)&st);

		if (r)
			fail("stat", r);
	}
	return 1;
}

#define NPIPES 100

static int pipes[NPIPES][2];

/* 100 pipes, the last one readable; once per process. */
static void pipes_setup(void)
{
	static int done;

	if (done)
		return;
	for (int i = 0; i < NPIPES; i++)
		if (sc1(SYS_pipe, (long)pipes[i]))
			fail("pipe", -1);
	sc3(SYS_write, pipes[NPIPES - 1][1], (long)"x", 1);
	done = 1;
}

static long do_poll_100(long n)
{
	struct pollfd pf[NPIPES];

	pipes_setup();
	for (int i = 0; i < NPIPES; i++) {
		pf[i].fd = pipes[i][0];
		pf[i].events = POLLIN;
	}
	for (long i = 0; i < n; i++) {
		long r = sc3(SYS_poll, (long)pf, NPIPES, 0);

		if (r != 1)
			fail("poll", r);
	}
	return 1;
}

static long do_epoll_100(long n)
{
	struct epoll_event ev[4];
	long ep;

	pipes_setup();
	ep = sc1(SYS_epoll_create1, 0);
	if (ep < 0)
		fail("epoll_create1", ep);
	for (int i = 0; i < NPIPES; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u64 = i };

		sc6(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, pipes[i][0], (long)&e, 0,
		    0);
	}
	for (long i = 0; i < n; i++) {
		long r = sc6(SYS_epoll_wait, ep, (long)ev, 4, 0, 0, 0);

		if (r != 1)
			fail("epoll_wait", r);
	}
	sc1(SYS_close, ep);
	return 1;
}

/* ------------------------------------------------------- tar xf */

#define TAR_DIR "/tmp/kos-bench-tar"
#define BUSYBOX "/bin/busybox"

/* Run busybox with argv (argv[0] the applet): its exit status, or -errno. */
static long busybox(char *const argv[])
{
	char *envp[] = { "PATH=/bin", NULL };
	long pid = sc0(SYS_fork);
	int status = 0;

	if (pid == 0) {
		sc3(SYS_execve, (long)BUSYBOX, (long)argv, (long)envp);
		sc1(SYS_exit_group, 127);
	}
	if (pid < 0)
		return pid;
	sc6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
	return status;
}

static int tar_mount = -1; /* TAR_DIR a tmpfs: unknown, no, yes */

/* An empty TAR_DIR: a fresh tmpfs if mount is allowed. */
static void tar_dir_setup(void)
{
	mkdir("/tmp", 01777);
	mkdir(TAR_DIR, 0755);
	if (tar_mount != 0)
		tar_mount = !mount("tmpfs", TAR_DIR, "tmpfs", 0, "mode=0755");
}

/* And gone again: unmounted, or removed with everything in it. */
static void tar_dir_clean(void)
{
	char *rm[] = { "rm", "-rf", TAR_DIR, NULL };

	if (tar_mount == 1)
		sc2(SYS_umount2, (long)TAR_DIR, 0);
	busybox(rm);
}

/* Extractions; setting up and cleaning up are not timed. */
static long do_tar_xf(long n)
{
	char *tar[] = { "tar", "xf", (char *)tar_path, "-C", TAR_DIR, NULL };

	for (long i = 0; i < n; i++) {
		long t = now_ns(), r;

		tar_dir_setup();
		untimed_ns += now_ns() - t;
		r = busybox(tar);
		t = now_ns();
		tar_dir_clean();
		untimed_ns += now_ns() - t;
		if (r) {
			fail("busybox tar xf", r);
			break;
		}
	}
	return 1;
}

struct bench {
	const char *name;
	long (*run)(long n);
	/* seconds an iteration: one iteration a sample, three samples */
	int heavy;
};

/* ------------------------------------------------------- disks */

#define DISK_MNT "/mnt/disk"
#define DISK_FILE DISK_MNT "/seq"
#define DISK_TREE DISK_MNT "/tree"
#define MIB (1L << 20)

static const char *disk_dev; /* --disk DEV */
static const char *tar5k_path = "/bench-tree5k.tar";
static int disk_state = -1; /* -1 not tried, 0 no disk, 1 mounted */

/* The disk mounted on DISK_MNT: 1, or 0 (the benchmark is n/a). */
static int disk_ready(void)
{
	if (disk_state < 0) {
		mkdir("/mnt", 0755);
		mkdir(DISK_MNT, 0755);
		disk_state =
			disk_dev && !mount(disk_dev, DISK_MNT, "ext4", 0, NULL);
		if (disk_dev && !disk_state)
			fprintf(stderr, "bench: mount %s: error\n", disk_dev);
	}
	if (!disk_state)
		fail("no --disk (or it did not mount)", -19);
	return disk_state;
}

/* Cold caches: write everything, unmount, mount again (untimed). */
static void disk_remount(void)
{
	long t = now_ns();

	sync();
	if (umount(DISK_MNT) || mount(disk_dev, DISK_MNT, "ext4", 0, NULL))
		fail("remount", -5);
	untimed_ns += now_ns() - t;
}

static char *disk_buf(void)
{
	static char *buf;

	if (!buf) {
		buf = malloc(MIB);
		if (buf)
			for (long i = 0; i < MIB; i++)
				buf[i] = (char)(i * 7 + i / 4096);
	}
	return buf;
}

/* Write the 256 MiB file and fsync it: 0 or -1. */
static int write_seq_file(void)
{
	char *buf = disk_buf();
	long fd = sc3(SYS_open, (long)DISK_FILE, O_WRONLY | O_CREAT | O_TRUNC,
		      0644);

	if (fd < 0 || !buf) {
		fail("open " DISK_FILE, fd);
		return -1;
	}
	for (int i = 0; i < 256; i++) {
		long r = sc3(SYS_write, fd, (long)buf, MIB);

		if (r != MIB) {
			fail("write", r);
			break;
		}
	}
	if (sc1(SYS_fsync, fd))
		fail("fsync", -5);
	sc1(SYS_close, fd);
	return failed ? -1 : 0;
}

static long do_disk_seq_write(long n)
{
	if (!disk_ready())
		return 1;
	for (long i = 0; i < n && !failed; i++) {
		long t = now_ns();

		unlink(DISK_FILE); /* the blocks go back first, untimed */
		sync();
		untimed_ns += now_ns() - t;
		write_seq_file();
	}
	return 256;
}

static long do_disk_seq_read(long n)
{
	char *buf = disk_buf();
	struct stat st;

	if (!disk_ready())
		return 1;
	if (stat(DISK_FILE, &st) || st.st_size != 256 * MIB) {
		long t = now_ns();

		write_seq_file();
		untimed_ns += now_ns() - t;
	}
	for (long i = 0; i < n && !failed; i++) {
		long fd;

		disk_remount();
		fd = sc3(SYS_open, (long)DISK_FILE, O_RDONLY, 0);
		if (fd < 0) {
			fail("open " DISK_FILE, fd);
			break;
		}
		for (int k = 0; k < 256; k++) {
			long r = sc3(SYS_read, fd, (long)buf, MIB);

			if (r != MIB) {
				fail("read", r);
				break;
			}
		}
		sc1(SYS_close, fd);
	}
	return 256;
}

static long do_disk_append_fsync(long n)
{
	static const char line[100] = "an appended line of a log file\n";

	if (!disk_ready())
		return 1000;
	for (long i = 0; i < n && !failed; i++) {
		long fd = sc3(SYS_open, (long)DISK_MNT "/log",
			      O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);

		if (fd < 0) {
			fail("open log", fd);
			break;
		}
		for (int k = 0; k < 1000; k++) {
			long r = sc3(SYS_write, fd, (long)line, sizeof(line));

			if (r != sizeof(line) || sc1(SYS_fsync, fd)) {
				fail("append+fsync", r);
				break;
			}
		}
		sc1(SYS_close, fd);
	}
	return 1000;
}

/* The tree gone again (the callers leave it untimed). */
static void disk_tree_clean(void)
{
	char *rm[] = { "rm", "-rf", DISK_TREE, NULL };

	busybox(rm);
	sync();
}

/* Extract the 5,000-file archive into DISK_TREE: 0 or the status. */
static long disk_tree_extract(void)
{
	char *tar[] = {
		"tar", "xf", (char *)tar5k_path, "-C", DISK_TREE, NULL
	};

	mkdir(DISK_TREE, 0755);
	return busybox(tar);
}

static long do_disk_tar_xf(long n)
{
	if (!disk_ready())
		return 1;
	for (long i = 0; i < n && !failed; i++) {
		long t = now_ns(), r;

		disk_tree_clean();
		untimed_ns += now_ns() - t;
		r = disk_tree_extract();
		sync();
		if (r)
			fail("busybox tar xf", r);
	}
	return 1;
}

/* find(1)'s walk: every entry's lstat, every directory's getdents64. */
static long walk(int dfd)
{
	char buf[8192];
	long count = 0, r;

	while ((r = sc3(SYS_getdents64, dfd, (long)buf, sizeof(buf))) > 0) {
		for (long off = 0; off < r;) {
			struct {
				unsigned long long ino;
				long long off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			struct stat st;

			off += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			count++;
			if (fstatat(dfd, d->name, &st, AT_SYMLINK_NOFOLLOW))
				fail("fstatat", -2);
			else if (S_ISDIR(st.st_mode)) {
				int sub = openat(dfd, d->name,
						 O_RDONLY | O_DIRECTORY);

				if (sub < 0) {
					fail("openat", -2);
					continue;
				}
				count += walk(sub);
				close(sub);
			}
		}
	}
	return count;
}

static long do_disk_find(long n)
{
	struct stat st;

	if (!disk_ready())
		return 1;
	if (stat(DISK_TREE "/.done", &st)) {
		long t = now_ns();

		disk_tree_clean();
		if (disk_tree_extract())
			fail("busybox tar xf", -5);
		close(open(DISK_TREE "/.done", O_WRONLY | O_CREAT, 0644));
		untimed_ns += now_ns() - t;
	}
	for (long i = 0; i < n && !failed; i++) {
		int dfd;

		disk_remount();
		dfd = open(DISK_TREE, O_RDONLY | O_DIRECTORY);
		if (dfd < 0) {
			fail("open tree", -2);
			break;
		}
		if (walk(dfd) < 5000)
			fail("walk: fewer than 5,000 entries", -2);
		close(dfd);
	}
	return 1;
}

static const struct bench benches[] = {
	{ "getpid", do_getpid, 0 },
	{ "clock_gettime_raw", do_clock_raw, 0 },
	{ "clock_gettime_libc", do_clock_libc, 0 },
	{ "read_zero_1", do_read_zero, 0 },
	{ "write_null_1", do_write_null, 0 },
	{ "open_close", do_open_close, 0 },
	{ "stat", do_stat, 0 },
	{ "mmap_munmap_1page", do_mmap_munmap, 0 },
	{ "page_fault", do_page_fault, 0 },
	{ "brk_grow_shrink", do_brk, 0 },
	{ "fork_exit_wait", do_fork_exit_wait, 0 },
	{ "fork_exec_wait", do_fork_exec_wait, 0 },
	{ "pipe_pingpong", do_pipe_pingpong, 0 },
	{ "signal_handler", do_signal, 0 },
	{ "thread_create_join", do_thread_create_join, 0 },
	{ "futex_pingpong", do_futex_pingpong, 0 },
	{ "create_write_unlink", do_create_write_unlink, 0 },
	{ "mkdir_rmdir", do_mkdir_rmdir, 0 },
	{ "rename", do_rename, 0 },
	{ "stat_deep_path", do_stat_deep, 0 },
	{ "poll_100_pipes", do_poll_100, 0 },
	{ "epoll_100_pipes", do_epoll_100, 0 },
	{ "tar_xf_2000", do_tar_xf, 0 },
	{ "disk_seq_write_256m", do_disk_seq_write, 1 },
	{ "disk_seq_read_256m", do_disk_seq_read, 1 },
	{ "disk_append_fsync_1000", do_disk_append_fsync, 1 },
	{ "disk_tar_xf_5000", do_disk_tar_xf, 1 },
	{ "disk_find_5000", do_disk_find, 1 },
};

/* ------------------------------------------------------------- driver */

static long opt_iters, opt_target_ms = 20, opt_samples = 5;

/* One sample: elapsed ns for n iterations; *div gets the per-op divisor. */
static long sample(const struct bench *b, long n, long *div)
{
	long t0 = now_ns();

	untimed_ns = 0;
	*div = b->run(n);
	return now_ns() - t0 - untimed_ns;
}

/*
 * Run one benchmark and print its line.  Returns 0, or -1 if a call in
 * it failed (then an error line was printed instead).
 */
static int run_bench(const struct bench *b)
{
	long n = opt_iters, best = 0, div = 1;
	long target = opt_target_ms * 1000000L;

	long samples = b->heavy && opt_samples > 3 ? 3 : opt_samples;

	failed = 0;
	if (b->heavy) {
		n = 1; /* no warm-up or calibration: seconds each */
	} else {
		b->run(1); /* warm up: first touches, lookups */
		if (!n) {
			for (n = 1; n < MAX_ITERS; n *= 2)
				if (failed || sample(b, n, &div) >= target)
					break;
		}
	}
	for (long s = 0; s < samples && !failed; s++) {
		long t = sample(b, n, &div);

		if (!s || t < best)
			best = t;
	}
	if (failed) {
		printf("bench %s n/a\n", b->name);
		return -1;
	}
	printf("bench %s %.1f\n", b->name, (double)best / ((double)n * div));
	fflush(stdout);
	return 0;
}

/* PID 1 of a Linux initramfs: get /dev and a console. */
static void linux_init(void)
{
	int fd;

	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench [--iters N] [--target MS] [--samples N] "
		"[--file PATH]\n"
		"             [--only NAME] [--tar ARCHIVE] [--list] [--init] "
		"[--poweroff]\n"
		"             [--disk DEV] [--tar5k ARCHIVE]\n");
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int init = 0, poweroff = 0, list = 0, count = 0, rc = 0;

	file_path = argv[0];
	if (argc > 1 && !strcmp(argv[1], "--exit-now"))
		return 0; /* the exec'd child of fork_exec_wait */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--init")) {
			init = 1;
		} else if (!strcmp(a, "--poweroff")) {
			poweroff = 1;
		} else if (!strcmp(a, "--list")) {
			list = 1;
		} else if (v && !strcmp(a, "--iters")) {
			opt_iters = atol(v), i++;
		} else if (v && !strcmp(a, "--target")) {
			opt_target_ms = atol(v), i++;
		} else if (v && !strcmp(a, "--samples")) {
			opt_samples = atol(v), i++;
		} else if (v && !strcmp(a, "--file")) {
			file_path = v, i++;
		} else if (v && !strcmp(a, "--tar")) {
			tar_path = v, i++;
		} else if (v && !strcmp(a, "--disk")) {
			disk_dev = v, i++;
		} else if (v && !strcmp(a, "--tar5k")) {
			tar5k_path = v, i++;
		} else if (v && !strcmp(a, "--only")) {
			only = v, i++;
		} else if (a[0] != '-') {
			/* a word a kernel added (UML: root=, console=) */
			continue;
		} else {
			usage();
			return 2;
		}
	}
	if (opt_iters < 0 || opt_target_ms <= 0 || opt_samples <= 0 ||
	    opt_samples > MAX_SAMPLES) {
		usage();
		return 2;
	}
	if (list) {
		for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]);
		     i++)
			printf("%s\n", benches[i].name);
		return 0;
	}
	if (init)
		linux_init();

	/* Natively the archive is in the program's directory, the cwd. */
	if (access(tar_path, R_OK) && !strcmp(tar_path, "/bench-tree.tar")) {
		static char here[4096];

		if (getcwd(here, sizeof(here) - 20)) {
			strcat(here, "/bench-tree.tar");
			tar_path = here;
		}
	}
	zero_fd = open("/dev/zero", O_RDONLY);
	null_fd = open("/dev/null", O_WRONLY);
	printf("bench-start file=%s iters=%ld target_ms=%ld samples=%ld\n",
	       file_path, opt_iters, opt_target_ms, opt_samples);
	fflush(stdout);
	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		/* --only NAME, or a prefix ending in '*' (--only 'disk_*') */
		if (only && strcmp(only, benches[i].name) &&
		    !(only[0] && only[strlen(only) - 1] == '*' &&
		      !strncmp(only, benches[i].name, strlen(only) - 1)))
			continue;
		if (run_bench(&benches[i]))
			rc = 1;
		count++;
	}
	printf("bench-end %d\n", count);
	fflush(stdout);
	if (poweroff) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return rc;
}
