/*
 * hello: the smallest KOS app (apps/hello/README.md).
 *
 *   hello [-t] [-s STATUS] [WORD...]
 *
 * Prints a greeting, its arguments and a few environment variables, and
 * exits with STATUS (default 0), which becomes the exit status of the
 * hosted executable and of the QEMU run (docs/apps.md).  -t first prints
 * the time stamp counter, CLOCK_BOOTTIME and CLOCK_REALTIME as read on
 * entry to main (scripts/bench-apps measures boot time with them).
 * Plain C and libc only (and gcc's rdtsc builtin): it runs the same on
 * Linux.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char *const shown_env[] = { "HOME", "TERM", "PATH", "HELLO" };

static void usage(void)
{
	fprintf(stderr, "usage: hello [-t] [-s STATUS] [WORD...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long tsc = __builtin_ia32_rdtsc();
	struct timespec t0, w0;
	long status = 0;
	int opt, i, timing = 0;
	char *end;

	clock_gettime(CLOCK_BOOTTIME, &t0);
	clock_gettime(CLOCK_REALTIME, &w0);
	while ((opt = getopt(argc, argv, "+ts:")) != -1) {
		switch (opt) {
		case 't':
			timing = 1;
			break;
		case 's':
			errno = 0;
			status = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || status < 0 ||
			    status > 255)
				usage();
			break;
		default:
			usage();
		}
	}
	if (timing)
		printf("hello: main at tsc %llu boottime %lld.%09ld "
		       "realtime %lld.%09ld\n",
		       tsc, (long long)t0.tv_sec, t0.tv_nsec,
		       (long long)w0.tv_sec, w0.tv_nsec);
	printf("Hello, world! This is hello, pid %d.\n", (int)getpid());
	printf("argc %d\n", argc);
	for (i = 0; i < argc; i++)
		printf("argv[%d] \"%s\"\n", i, argv[i]);
	for (i = 0; i < (int)(sizeof(shown_env) / sizeof(shown_env[0])); i++) {
		const char *v = getenv(shown_env[i]);

		printf("env %s %s%s%s\n", shown_env[i], v ? "\"" : "",
		       v ? v : "(unset)", v ? "\"" : "");
	}
	printf("exit status %ld\n", status);
	fflush(stdout);
	return (int)status;
}
