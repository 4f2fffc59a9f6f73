/*
 * mmap: memory mappings in a linked-mode program (docs/linked-mode.md),
 * and the same source as an ordinary static program; the output is the
 * same on Linux.  One line per check:
 *
 *   shared anon    MAP_SHARED|MAP_ANONYMOUS: zeroed, usable
 *   file private   MAP_PRIVATE of a file: its bytes, from an offset too;
 *                  the rest of the last page zero; writes stay private
 *   MAP_FIXED      inside a mapping the program has: a fresh zeroed (or
 *                  file) range, the neighbours intact
 *   big            64 MiB from calloc (musl's malloc maps it) and 16 MiB
 *                  from mmap with a hole punched in the middle
 *   errors         EBADF, EACCES, EINVAL as Linux gives them
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG 4096
#define FILE_PATH "/tmp/kos-linked-mmap.dat"

static const char *err_of(void *p)
{
	return p == MAP_FAILED ? strerror(errno) : "ok";
}

static int all(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

int main(void)
{
	char buf[3 * PG], *p, *q, c;
	size_t big = 64 << 20;
	int fd, ok;

	p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	printf("shared anon: %s", err_of(p));
	if (p != MAP_FAILED) {
		ok = all(p, 3 * PG, 0);
		memset(p, 's', 3 * PG);
		printf(", zeroed %s, usable %s", ok ? "yes" : "no",
		       all(p, 3 * PG, 's') ? "yes" : "no");
		printf(", munmap %d", munmap(p, 3 * PG));
	}
	printf("\n");

	/* A file of 2.5 pages: page i filled with 'A' + i. */
	mkdir("/tmp", 0755);
	fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < 3; i++)
		memset(buf + i * PG, 'A' + i, PG);
	if (fd < 0 || write(fd, buf, 2 * PG + PG / 2) != 2 * PG + PG / 2) {
		printf("cannot write %s\n", FILE_PATH);
		return 1;
	}
	p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	printf("file private: %s", err_of(p));
	if (p != MAP_FAILED) {
		printf(", bytes %s, after EOF %s",
		       all(p, PG, 'A') && all(p + PG, PG, 'B') &&
				       all(p + 2 * PG, PG / 2, 'C')
			       ? "right"
			       : "wrong",
		       all(p + 2 * PG + PG / 2, PG / 2, 0) ? "zero"
							   : "not zero");
		p[0] = 'x';
		printf(", private %s",
		       pread(fd, &c, 1, 0) == 1 && c == 'A' ? "yes" : "no");
		munmap(p, 3 * PG);
	}
	printf("\n");
	p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, PG);
	printf("file at offset: %s, %s\n", err_of(p),
	       p != MAP_FAILED && all(p, PG, 'B') ? "page B" : "wrong");
	if (p != MAP_FAILED)
		munmap(p, PG);

	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 'a', 4 * PG);
	q = mmap(p + PG, PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("MAP_FIXED anon inside: %s, %s, zeroed %s, neighbours %s\n",
	       err_of(q), q == p + PG ? "at the address" : "elsewhere",
	       all(p + PG, PG, 0) ? "yes" : "no",
	       all(p, PG, 'a') && all(p + 2 * PG, 2 * PG, 'a') ? "intact"
							       : "changed");
	q = mmap(p + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd,
		 2 * PG);
	printf("MAP_FIXED file inside: %s, %s\n", err_of(q),
	       q == p + 2 * PG && all(q, PG / 2, 'C') &&
			       all(q + PG / 2, PG / 2, 0)
		       ? "page C"
		       : "wrong");
	munmap(p, 4 * PG);

	p = calloc(big, 1);
	ok = p && p[0] == 0 && p[big / 2] == 0 && p[big - 1] == 0;
	if (p) {
		p[0] = p[big - 1] = 1;
		ok = ok && p[0] == 1 && p[big - 1] == 1;
	}
	printf("calloc 64 MiB: %s\n", ok ? "ok" : "failed");
	free(p);
	p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap 16 MiB: %s", err_of(p));
	if (p != MAP_FAILED) {
		memset(p, 'm', 16 << 20);
		printf(", hole %d", munmap(p + (4 << 20), 8 << 20));
		printf(", rest %s",
		       all(p, 4 << 20, 'm') && all(p + (12 << 20), 4 << 20, 'm')
			       ? "intact"
			       : "changed");
		printf(", unmap %d %d", munmap(p, 4 << 20),
		       munmap(p + (12 << 20), 4 << 20));
	}
	printf("\n");

	printf("no fd: %s\n",
	       err_of(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0)));
	printf("length 0: %s\n",
	       err_of(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			   0)));
	printf("unaligned offset: %s\n",
	       err_of(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100)));
	close(fd);
	fd = open(FILE_PATH, O_WRONLY);
	printf("write-only file: %s\n",
	       err_of(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0)));
	close(fd);
	unlink(FILE_PATH);
	return 0;
}
