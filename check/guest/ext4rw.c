/*
 * ext4rw: file data that must reach the disk (scripts/check-ext4-power).
 *
 *   ext4rw write DIR   make the files below in DIR, then sync()
 *   ext4rw check DIR   read them back (read(2), not a mapping) and
 *                      check every byte and attribute
 *
 * The writes, each file a different way to the page cache and the disk:
 *   map1   3 pages, MAP_SHARED: page 0 stored then msync(MS_SYNC);
 *          page 1 stored then munmap; mapped again, page 2 stored then
 *          fsync (with the mapping still there)
 *   map2   empty, ftruncate to 5 pages and a bit, every byte written
 *          through a shared mapping (the tail past the size too: it
 *          must not show), fsync
 *   wr     write(2) 200 KiB, pwrite a hole far out, fdatasync
 *   xattr  user.small (in the inode), user.big (500 bytes: a block),
 *          trusted.t, user.gone set then removed
 * The run ends "ext4rw: N checks, N failed" (check/guest/guest.h).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096
#define MAP2_SIZE (5 * PG + 123)
#define WR_SIZE (200 * 1024)
#define WR_FAR (3 * 1024 * 1024)

static char path_buf[512];

static const char *at(const char *dir, const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", dir, name);
	return path_buf;
}

/* The byte file `tag' holds at offset i. */
static unsigned char pat(int tag, long i)
{
	return (unsigned char)(tag * 31 + i * 7 + (i >> 12));
}

static void fill(unsigned char *p, int tag, long off, long n)
{
	for (long i = 0; i < n; i++)
		p[i] = pat(tag, off + i);
}

static int same(const unsigned char *p, int tag, long off, long n)
{
	for (long i = 0; i < n; i++)
		if (p[i] != pat(tag, off + i))
			return 0;
	return 1;
}

static char big_value[500];

static void do_write(const char *dir)
{
	unsigned char *m;
	int fd;

	/* map1 */
	fd = open(at(dir, "map1"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 3 * PG) == 0);
	m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m != MAP_FAILED) {
		fill(m, 1, 0, PG);
		CHECK(msync(m, 3 * PG, MS_SYNC) == 0);
		fill(m + PG, 1, PG, PG);
		CHECK(munmap(m, 3 * PG) == 0);
	}
	m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m != MAP_FAILED) {
		CHECK(same(m, 1, 0, 2 * PG));
		fill(m + 2 * PG, 1, 2 * PG, PG);
		CHECK(fsync(fd) == 0);
	}
	close(fd);

	/* map2 */
	fd = open(at(dir, "map2"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, MAP2_SIZE) == 0);
	m = mmap(NULL, 6 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m != MAP_FAILED) {
		fill(m, 2, 0, 6 * PG); /* the last page's tail too */
		CHECK(fsync(fd) == 0);
		CHECK(munmap(m, 6 * PG) == 0);
	}
	close(fd);

	/* wr */
	unsigned char *buf = malloc(WR_SIZE);
	fill(buf, 3, 0, WR_SIZE);
	fd = open(at(dir, "wr"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, buf, WR_SIZE) == WR_SIZE);
	CHECK(pwrite(fd, buf, 100, WR_FAR) == 100);
	CHECK(fdatasync(fd) == 0);
	close(fd);
	free(buf);

	/* xattr */
	fd = open(at(dir, "xattr"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK(setxattr(path_buf, "user.small", "value", 5, XATTR_CREATE) == 0);
	CHECK(setxattr(path_buf, "user.big", big_value, sizeof(big_value), 0) ==
	      0);
	CHECK(setxattr(path_buf, "trusted.t", "T", 1, 0) == 0);
	CHECK(setxattr(path_buf, "user.gone", "x", 1, 0) == 0);
	CHECK(removexattr(path_buf, "user.gone") == 0);
	CHECK_ERR(setxattr(path_buf, "user.small", "v", 1, XATTR_CREATE),
		  EEXIST);
	sync();
}

static int read_all(const char *path, unsigned char *buf, long max)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	if (fd < 0)
		return -1;
	while (n < max && (r = read(fd, buf + n, max - n)) > 0)
		n += r;
	close(fd);
	return (int)n;
}

static void do_check(const char *dir)
{
	unsigned char *buf = malloc(WR_FAR + 200);
	struct stat st;
	char v[600];

	CHECK(read_all(at(dir, "map1"), buf, 4 * PG) == 3 * PG);
	CHECK(same(buf, 1, 0, 3 * PG));

	CHECK(stat(at(dir, "map2"), &st) == 0 && st.st_size == MAP2_SIZE);
	CHECK(read_all(path_buf, buf, 8 * PG) == MAP2_SIZE);
	CHECK(same(buf, 2, 0, MAP2_SIZE));
	/* the tail past the size reads as zeros when the file grows */
	int fd = open(path_buf, O_RDWR);
	CHECK(fd >= 0 && ftruncate(fd, 6 * PG) == 0);
	close(fd);
	CHECK(read_all(path_buf, buf, 8 * PG) == 6 * PG);
	int zero = 1;
	for (long i = MAP2_SIZE; i < 6 * PG; i++)
		zero &= buf[i] == 0;
	CHECK(zero);

	CHECK(stat(at(dir, "wr"), &st) == 0 && st.st_size == WR_FAR + 100);
	CHECK(read_all(path_buf, buf, WR_FAR + 200) == WR_FAR + 100);
	CHECK(same(buf, 3, 0, WR_SIZE));
	zero = 1;
	for (long i = WR_SIZE; i < WR_FAR; i++)
		zero &= buf[i] == 0;
	CHECK(zero);
	CHECK(same(buf + WR_FAR, 3, 0, 100));

	at(dir, "xattr");
	CHECK(getxattr(path_buf, "user.small", v, sizeof(v)) == 5 &&
	      !memcmp(v, "value", 5));
	CHECK(getxattr(path_buf, "user.big", v, sizeof(v)) ==
		      sizeof(big_value) &&
	      !memcmp(v, big_value, sizeof(big_value)));
	CHECK(getxattr(path_buf, "trusted.t", v, sizeof(v)) == 1 &&
	      v[0] == 'T');
	CHECK_ERR(getxattr(path_buf, "user.gone", v, sizeof(v)), ENODATA);
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ext4rw write|check DIR\n");
		return 2;
	}
	for (unsigned i = 0; i < sizeof(big_value); i++)
		big_value[i] = (char)('a' + i % 26);
	if (!strcmp(argv[1], "write"))
		do_write(argv[2]);
	else
		do_check(argv[2]);
	return guest_done("ext4rw");
}
