/*
 * hello: the first linked-mode program (docs/linked-mode.md), and the
 * same source as an ordinary static program.  Prints a greeting, its
 * arguments and environment, its pid and the system's name, writes and
 * reads back a file, passes a bad pointer, allocates (musl's malloc:
 * mmap), and exits with status 3.  Its output must not depend on how it was built.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp)
{
	struct utsname u;
	struct timespec ts;
	char buf[64];
	char *big;
	ssize_t n;
	int fd;

	printf("hello from KOS\n");
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	for (int i = 0; envp[i]; i++)
		printf("env[%d]=%s\n", i, envp[i]);
	printf("pid=%d\n", (int)getpid());
	printf("float: %.3f %g\n", argc * 1.5, 1.0 / (argc + 1)); /* SSE */
	if (uname(&u) == 0)
		printf("uname: %s %s\n", u.sysname, u.machine);
	printf("clock_gettime: %s\n",
	       clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_sec >= 0
		       ? "ok"
		       : "failed");
	mkdir("/tmp", 0755); /* an empty root has none */
	fd = open("/tmp/hello.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("open");
	} else {
		if (write(fd, "file ok\n", 8) != 8)
			perror("write");
		lseek(fd, 0, SEEK_SET);
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		printf("read back: %s", buf);
		close(fd);
	}
	printf("bad pointer: %s\n",
	       write(1, (void *)8, 4) < 0 ? "error" : "accepted");
	big = malloc(1 << 20);
	if (big) {
		memset(big, 'x', 1 << 20);
		printf("malloc 1 MiB: ok\n");
		free(big);
	}
	fflush(stdout);
	return 3;
}
