/*
 * limits: what linked mode refuses (fork, execve, shared file mappings,
 * MAP_FIXED outside the program's memory), and the memory calls musl's
 * malloc does not use on its own (mprotect to no access, then munmap:
 * check/linked/memprot.c has the rest)
 * (docs/linked-mode.md).  Linked-mode only: in
 * process mode fork and execve work.  Prints one line per check.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, strerror(errno));
	else
		printf("%s: ok\n", what);
}

static void *thread_fn(void *arg)
{
	return arg;
}

int main(void)
{
	static char *const argv[] = { "/x", NULL };
	size_t pg = 4096;
	pthread_t t;
	char *p, *q;
	int fd, err;

	report("fork", fork());
	report("execve", execve("/x", argv, argv + 1));
	err = pthread_create(&t, NULL, thread_fn, NULL);
	if (!err)
		err = pthread_join(t, NULL);
	printf("pthread_create: %s\n", err ? strerror(err) : "ok");
	p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	report("mmap 8 pages", p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return 1;
	printf("zeroed: %s\n", p[0] == 0 && p[8 * pg - 1] == 0 ? "yes" : "no");
	memset(p, 'a', 8 * pg);
	report("munmap a hole", munmap(p + 2 * pg, 2 * pg));
	report("munmap the head", munmap(p, pg));
	printf("rest intact: %s\n",
	       p[pg] == 'a' && p[4 * pg] == 'a' && p[8 * pg - 1] == 'a' ? "yes"
									: "no");
	report("mprotect rw", mprotect(p + 4 * pg, pg, PROT_READ | PROT_WRITE));
	report("mprotect none", mprotect(p + 4 * pg, pg, PROT_NONE));
	report("mprotect unmapped", mprotect(p + 2 * pg, pg, PROT_READ));
	report("munmap the rest", munmap(p, 8 * pg));
	q = mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		 0);
	report("mmap MAP_FIXED", q == MAP_FAILED ? -1 : 0);
	mkdir("/tmp", 0755);
	fd = open("/tmp/limits", O_RDWR | O_CREAT, 0644);
	q = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	report("mmap a file shared", q == MAP_FAILED ? -1 : 0);
	close(fd);
	fd = open("/dev/console", O_RDONLY);
	q = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
	report("mmap a file", q == MAP_FAILED ? -1 : 0);
	q = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	report("mmap 64 MiB", q == MAP_FAILED ? -1 : 0);
	report("read to NULL", read(fd, NULL, 1));
	return 0;
}
