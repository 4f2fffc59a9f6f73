/*
 * Bad pointers make system calls fail with EFAULT; the kernel survives.
 * Uses raw syscall(2) so libc cannot intercept the pointers.
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define BAD ((void *)0x10)
#define KERN ((void *)0xffff800000001000UL)
#define NONCANON ((void *)0x0000900000000000UL)

int main(void)
{
	void *bad[] = { BAD, KERN, NONCANON };
	int zero = open("/dev/zero", O_RDONLY);
	int dir = open("/", O_RDONLY | O_DIRECTORY);

	CHECK(zero >= 0 && dir >= 0);

	for (int i = 0; i < 3; i++) {
		void *p = bad[i];

		CHECK_ERR(syscall(SYS_write, 1, p, 10), EFAULT);
		CHECK_ERR(syscall(SYS_read, zero, p, 10), EFAULT);
		CHECK_ERR(syscall(SYS_open, p, O_RDONLY), EFAULT);
		CHECK_ERR(syscall(SYS_openat, AT_FDCWD, p, O_RDONLY), EFAULT);
		CHECK_ERR(syscall(SYS_stat, p, p), EFAULT);
		CHECK_ERR(syscall(SYS_stat, "/", p), EFAULT);
		CHECK_ERR(syscall(SYS_fstat, 1, p), EFAULT);
		CHECK_ERR(syscall(SYS_uname, p), EFAULT);
		CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p),
			  EFAULT);
		CHECK_ERR(syscall(SYS_gettimeofday, p, NULL), EFAULT);
		CHECK_ERR(syscall(SYS_nanosleep, p, NULL), EFAULT);
		CHECK_ERR(syscall(SYS_getcwd, p, 100), EFAULT);
		CHECK_ERR(syscall(SYS_chdir, p), EFAULT);
		CHECK_ERR(syscall(SYS_access, p, R_OK), EFAULT);
		CHECK_ERR(syscall(SYS_readlink, p, p, 10), EFAULT);
		CHECK_ERR(syscall(SYS_getrandom, p, 16, 0), EFAULT);
		CHECK_ERR(syscall(SYS_prlimit64, 0, 7, NULL, p), EFAULT);
		CHECK_ERR(syscall(SYS_rt_sigprocmask, 0, p, NULL, 8), EFAULT);
		CHECK_ERR(syscall(SYS_rt_sigaction, 10, p, NULL, 8), EFAULT);
		CHECK_ERR(syscall(SYS_writev, 1, p, 1), EFAULT);
		CHECK_ERR(syscall(SYS_getdents64, dir, p, 100), EFAULT);
	}
	/* A good iovec pointing at a bad buffer. */
	struct {
		void *base;
		size_t len;
	} iov = { BAD, 4 };
	CHECK_ERR(syscall(SYS_writev, 1, &iov, 1), EFAULT);
	printf("still alive\n");
	return guest_done("efault");
}
