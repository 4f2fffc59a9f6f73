/*
 * sysbench: the cost of one system call, for linked mode against process
 * mode (docs/linked-mode.md).  Times N getpid() calls and N 1-byte
 * write()s to /dev/null (default N 100000, argv[1]) with CLOCK_MONOTONIC
 * and prints the mean per call in ns.  A benchmark, not a test: its
 * numbers vary.  Makes /dev/null itself if the root has none (a
 * linked-mode image has an empty root).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	long long t0, t1;
	int fd;

	if (n <= 0)
		n = 100000;
	mkdir("/dev", 0755);
	mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3));
	fd = open("/dev/null", O_WRONLY);
	if (fd < 0) {
		perror("/dev/null");
		return 1;
	}
	for (int i = 0; i < 1000; i++) /* warm up (TCG translation) */
		syscall(SYS_getpid);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
	t1 = now_ns();
	printf("getpid: %lld ns/call (%ld calls)\n", (t1 - t0) / n, n);
	for (int i = 0; i < 1000; i++)
		write(fd, "", 1);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		write(fd, "", 1);
	t1 = now_ns();
	printf("write /dev/null: %lld ns/call (%ld calls)\n", (t1 - t0) / n, n);
	return 0;
}
