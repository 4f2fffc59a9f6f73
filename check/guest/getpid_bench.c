/*
 * System-call round trip: time N getpid() calls (default 100000) with
 * CLOCK_MONOTONIC and print the mean in ns.  A benchmark, not a test:
 * its output varies, so it is not in cases.txt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
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

	if (n <= 0)
		n = 100000;
	for (int i = 0; i < 1000; i++) /* warm up (TCG translation) */
		syscall(SYS_getpid);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
	t1 = now_ns();
	printf("getpid: %ld calls, %lld ns total, %lld ns/call\n", n, t1 - t0,
	       (t1 - t0) / n);
	return 0;
}
