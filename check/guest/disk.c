/*
 * Block devices from user space: /t/disk RW-DEV RW-SECTORS RO-DEV RO-SECTORS
 *
 * Both disks hold the test pattern of scripts/run-disk-test: sector s is
 * "sector %08d " padded with '.' to 511 bytes and a newline.  On the
 * read-write disk the program writes WRITE_LEN bytes of letters at the
 * unaligned offset WRITE_OFF and syncs; the script checks the host file
 * afterwards; the read-only disk must refuse writes (as Linux does: at
 * write, not at open).  Runs the same on Linux (/dev/vda and /dev/vdb of
 * virtio-blk: kos-run --platform linux-qemu) and on KOS.  Not in cases.txt: it needs disks, which only
 * scripts/run-disk-test gives the kernel.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

/* <linux/fs.h>'s numbers (musl-gcc has no kernel headers) */
#define BLKROGET 0x125e
#define BLKGETSIZE 0x1260
#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272

#define SECTOR 512
#define WRITE_OFF (1000 * SECTOR + 123) /* keep in step with the script */
#define WRITE_LEN 5000
#define READERS 8

static void pattern(uint64_t sector, char *buf)
{
	memset(buf, '.', SECTOR - 1);
	buf[SECTOR - 1] = '\n';
	buf[snprintf(buf, SECTOR, "sector %08llu ",
		     (unsigned long long)sector)] = '.';
}

/* The pattern's bytes [off, off + len). */
static void expect(uint64_t off, char *buf, size_t len)
{
	char s[SECTOR];

	for (size_t i = 0; i < len;) {
		uint64_t at = off + i;
		size_t in = at % SECTOR, n = SECTOR - in;

		if (n > len - i)
			n = len - i;
		pattern(at / SECTOR, s);
		memcpy(buf + i, s + in, n);
		i += n;
	}
}

/* Does [off, off + len) of fd hold the pattern?  (pread, bufsz at a time) */
static int verify(int fd, uint64_t off, uint64_t len, size_t bufsz)
{
	char *got = malloc(bufsz), *want = malloc(bufsz);
	int ok = got && want;

	for (uint64_t done = 0; ok && done < len; done += bufsz) {
		size_t n = len - done < bufsz ? (size_t)(len - done) : bufsz;

		ok = pread(fd, got, n, (off_t)(off + done)) == (ssize_t)n;
		expect(off + done, want, n);
		ok = ok && !memcmp(got, want, n);
	}
	free(got);
	free(want);
	return ok;
}

/*
 * READERS processes read their own slices of the disk at once, page by
 * page backwards, so their requests overlap in the driver.
 */
static void concurrent_readers(const char *dev, uint64_t bytes)
{
	uint64_t slice = bytes / READERS / 4096 * 4096;
	int ok = 0;

	for (int i = 0; i < READERS; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			int fd = open(dev, O_RDONLY);
			int good = fd >= 0;

			for (uint64_t p = slice; good && p > 0; p -= 4096)
				good = verify(fd, i * slice + p - 4096, 4096,
					      4096);
			_exit(good ? 0 : 1);
		}
		CHECK(pid > 0);
	}
	for (int i = 0; i < READERS; i++) {
		int st;

		if (wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	}
	CHECK(ok == READERS);
}

static void rw_disk(const char *dev, uint64_t sectors)
{
	uint64_t bytes = sectors * SECTOR, size = 0;
	char buf[WRITE_LEN], back[WRITE_LEN + 1024];
	struct stat st;
	int ssz = 0, ro = -1;
	long nsec = 0;
	int fd = open(dev, O_RDWR);

	CHECK(fd >= 0);
	CHECK(fstat(fd, &st) == 0 && S_ISBLK(st.st_mode));
	CHECK(ioctl(fd, BLKGETSIZE64, &size) == 0 && size == bytes);
	CHECK(ioctl(fd, BLKGETSIZE, &nsec) == 0 && (uint64_t)nsec == sectors);
	CHECK(ioctl(fd, BLKSSZGET, &ssz) == 0 && ssz == SECTOR);
	CHECK(ioctl(fd, BLKROGET, &ro) == 0 && ro == 0);
	CHECK(lseek(fd, 0, SEEK_END) == (off_t)bytes);

	/* all of it, in big reads and in odd-sized ones */
	CHECK(verify(fd, 0, bytes, 65536));
	CHECK(verify(fd, 777, 100000, 3001));
	concurrent_readers(dev, bytes);

	/* an unaligned write, then its neighbours and itself */
	for (int i = 0; i < WRITE_LEN; i++)
		buf[i] = (char)('A' + i % 26);
	CHECK(pwrite(fd, buf, WRITE_LEN, WRITE_OFF) == WRITE_LEN);
	CHECK(fsync(fd) == 0);
	CHECK(fdatasync(fd) == 0);
	CHECK(pread(fd, back, sizeof(back), WRITE_OFF - 512) ==
	      (ssize_t)sizeof(back));
	CHECK(!memcmp(back + 512, buf, WRITE_LEN));
	CHECK(verify(fd, WRITE_OFF - 512, 512, 512));
	CHECK(verify(fd, WRITE_OFF + WRITE_LEN, 512, 512));

	/* the end of the disk */
	CHECK(pread(fd, back, 100, (off_t)bytes) == 0);
	CHECK(pread(fd, back, 100, (off_t)bytes - 60) == 60);
	CHECK_ERR(pwrite(fd, buf, 10, (off_t)bytes), ENOSPC);
	CHECK(close(fd) == 0);
}

/*
 * Linux (6.1, the reference) lets a read-only disk be opened for writing
 * (LVM and others rely on it) and refuses the writes themselves.
 */
static void ro_disk(const char *dev, uint64_t sectors)
{
	char page[4096];
	int ro = 0;
	int fd;

	memset(page, 'x', sizeof(page));
	fd = open(dev, O_RDWR);
	CHECK(fd >= 0);
	CHECK(ioctl(fd, BLKROGET, &ro) == 0 && ro == 1);
	CHECK(verify(fd, 0, sectors * SECTOR, 32768));
	CHECK_ERR(write(fd, page, 1), EPERM);
	CHECK_ERR(pwrite(fd, page, sizeof(page), 0), EPERM);
	CHECK_ERR(pwrite(fd, page, sizeof(page), (off_t)(sectors * SECTOR)),
		  EPERM);
	CHECK(lseek(fd, 0, SEEK_CUR) == 0);
	CHECK(fsync(fd) == 0);
	CHECK(close(fd) == 0);
	fd = open(dev, O_WRONLY);
	CHECK(fd >= 0);
	CHECK_ERR(write(fd, page, 512), EPERM);
	CHECK(close(fd) == 0);
	fd = open(dev, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERR(write(fd, page, 1), EBADF);
	CHECK(verify(fd, 0, sectors * SECTOR, 4096));
	CHECK(close(fd) == 0);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		printf("usage: disk RW-DEV RW-SECTORS RO-DEV RO-SECTORS\n");
		return 2;
	}
	rw_disk(argv[1], strtoull(argv[2], NULL, 0));
	ro_disk(argv[3], strtoull(argv[4], NULL, 0));
	sync();
	return guest_done("disk");
}
