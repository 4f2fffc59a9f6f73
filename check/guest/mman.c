/*
 * mmap/munmap/mprotect/brk/madvise semantics.  Signals are not delivered
 * yet, so protections are probed through the kernel: a system call that
 * touches an inaccessible buffer fails with EFAULT instead of faulting.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096

static int devnull, devzero;

/*
 * Can the kernel read / write this byte of ours?  access() reads a path
 * string (here an empty one: the pages are zero) and fails with ENOENT
 * if it could, EFAULT if it could not; /dev/zero writes the buffer.
 */
static int readable(void *p)
{
	errno = 0;
	return access(p, F_OK) == 0 || errno != EFAULT;
}

static int writable(void *p)
{
	return read(devzero, p, 1) == 1;
}

int main(void)
{
	devnull = open("/dev/null", O_WRONLY);
	devzero = open("/dev/zero", O_RDONLY);
	CHECK(devnull >= 0 && devzero >= 0);

	/* Anonymous private memory is zeroed and page aligned. */
	char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	CHECK(((uintptr_t)a & (PG - 1)) == 0);
	CHECK(a[0] == 0 && a[4 * PG - 1] == 0);
	a[100] = 42;
	CHECK(a[100] == 42);

	/* munmap in the middle splits the mapping. */
	CHECK(munmap(a + PG, PG) == 0);
	CHECK(readable(a));
	CHECK(!readable(a + PG));
	CHECK(readable(a + 2 * PG));
	CHECK(a[100] == 42);

	/* mprotect changes what the kernel may touch. */
	CHECK(mprotect(a + 2 * PG, PG, PROT_READ) == 0);
	CHECK(readable(a + 2 * PG));
	CHECK(!writable(a + 2 * PG));
	CHECK(mprotect(a + 2 * PG, PG, PROT_NONE) == 0);
	CHECK(!readable(a + 2 * PG));
	CHECK(mprotect(a + 2 * PG, PG, PROT_READ | PROT_WRITE) == 0);
	CHECK(writable(a + 2 * PG));
	CHECK_ERR(mprotect(a + PG, PG, PROT_READ), ENOMEM);
	CHECK_ERR(syscall(SYS_mprotect, a + 1, PG, PROT_READ), EINVAL);

	/* MAP_FIXED replaces, MAP_FIXED_NOREPLACE refuses. */
	char *f = mmap(a, PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(f == a);
	CHECK(a[100] == 0);
	char *nr =
		mmap(a, PG, PROT_READ,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(nr == MAP_FAILED && errno == EEXIST);
	nr = mmap(a + PG, PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(nr == a + PG);

	/* A free hint is honoured. */
	char *hint = (char *)0x200000000000UL;
	char *h = mmap(hint, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(h == hint);
	CHECK(munmap(h, PG) == 0);

	/* madvise(MADV_DONTNEED) gives back zero pages. */
	a[5] = 7;
	CHECK(madvise(a, PG, MADV_DONTNEED) == 0);
	CHECK(a[5] == 0);
	CHECK_ERR(madvise(a, PG, 12345), EINVAL);

	/* Bad arguments. */
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		      MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED &&
	      errno == EBADF);
	CHECK_ERR(munmap(a + 1, PG), EINVAL);
	CHECK_ERR(munmap(a, 0), EINVAL);
	CHECK(munmap(a, 4 * PG) == 0);
	CHECK(munmap(a, 4 * PG) == 0); /* unmapping a hole is fine */

	/* A private file mapping sees the file's bytes. */
	int fd = open("/etc/motd", O_RDONLY);
	CHECK(fd >= 0);
	char *m = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m != MAP_FAILED) {
		char buf[16];
		CHECK(pread(fd, buf, sizeof(buf), 0) == sizeof(buf));
		CHECK(memcmp(m, buf, sizeof(buf)) == 0);
		CHECK(m[PG - 1] == 0); /* past EOF in the last page */
		munmap(m, PG);
	}
	CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 1) == MAP_FAILED &&
	      errno == EINVAL);
	close(fd);

	/* brk: query, grow, use, shrink; never below the start. */
	char *b0 = (char *)syscall(SYS_brk, 0);
	CHECK(b0 != NULL);
	CHECK((char *)syscall(SYS_brk, b0 + 3 * PG) == b0 + 3 * PG);
	b0[3 * PG - 1] = 1;
	CHECK((char *)syscall(SYS_brk, 0) == b0 + 3 * PG);
	CHECK((char *)syscall(SYS_brk, b0) == b0);
	CHECK(!readable(b0 + 2 * PG));
	/* Below the start or absurdly high: refused, the break stays. */
	CHECK((char *)syscall(SYS_brk, b0 - 100 * PG) == b0);
	CHECK((char *)syscall(SYS_brk, (char *)0x7fffffffff00UL) == b0);
	return guest_done("mman");
}
