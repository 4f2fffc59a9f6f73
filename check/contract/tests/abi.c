/*
 * ABI corners: how Linux reads register-sized arguments (syscall numbers,
 * fds and fcntl commands are 32-bit), the order of its argument checks
 * (access mode before the buffer), partial success before a fault, the
 * empty fd range, and shared anonymous memory under MADV_DONTNEED.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "contract.h"

#define CONTRACT_AREA "abi"

#define KERNEL_PTR ((void *)0xffff800000001000UL)
#define HIGH32 0x100000000UL

struct k_sigaction {
	unsigned long handler, flags, restorer, mask;
};

CONTRACT_TEST(syscall_number_is_32bit)
{
	CHECK_EQ("getpid with bit 32 set in the number",
		 syscall((long)(HIGH32 | SYS_getpid)), syscall(SYS_getpid));
}

CONTRACT_TEST(fd_args_are_32bit)
{
	int d = open("/", O_RDONLY | O_DIRECTORY);
	struct stat st;

	CHECK("open /", d >= 0);
	CHECK_RET("newfstatat(dfd | 1<<32, \"dev\")",
		  syscall(SYS_newfstatat, HIGH32 | (unsigned long)d, "dev", &st,
			  0),
		  0);
	CHECK_RET("fstat(fd | 1<<32)",
		  syscall(SYS_fstat, HIGH32 | (unsigned long)d, &st), 0);
	close(d);
}

CONTRACT_TEST(fcntl_cmd_is_32bit)
{
	long fd = syscall(SYS_fcntl, 0, HIGH32 | F_DUPFD_CLOEXEC, 10);

	CHECK("F_DUPFD_CLOEXEC with bit 32 set: fd >= 10", fd >= 10);
	CHECK_EQ("close-on-exec set", fcntl((int)fd, F_GETFD), FD_CLOEXEC);
	close((int)fd);
}

CONTRACT_TEST(badf_before_efault)
{
	int wo = open("/dev/null", O_WRONLY);
	int ro = open("/dev/zero", O_RDONLY);
	struct iovec iov = { KERNEL_PTR, 10 };

	CHECK("open", wo >= 0 && ro >= 0);
	CHECK_ERR("read(write-only fd, kernel pointer)",
		  syscall(SYS_read, wo, KERNEL_PTR, 10), EBADF);
	CHECK_ERR("write(read-only fd, kernel pointer)",
		  syscall(SYS_write, ro, KERNEL_PTR, 10), EBADF);
	CHECK_ERR("readv(write-only fd, bad iovec array)",
		  syscall(SYS_readv, wo, KERNEL_PTR, 1), EBADF);
	CHECK_ERR("writev(read-only fd, iovec to a kernel pointer)",
		  syscall(SYS_writev, ro, &iov, 1), EBADF);
	CHECK_ERR("read(read-only fd, kernel pointer)",
		  syscall(SYS_read, ro, KERNEL_PTR, 10), EFAULT);
	close(wo);
	close(ro);
}

CONTRACT_TEST(nofile_zero)
{
	struct rlimit old, zero;

	getrlimit(RLIMIT_NOFILE, &old);
	zero.rlim_cur = 0;
	zero.rlim_max = old.rlim_max;
	CHECK_RET("setrlimit(NOFILE, 0)", setrlimit(RLIMIT_NOFILE, &zero), 0);
	CHECK_ERR("open with no fds allowed", open("/", O_RDONLY), EMFILE);
	CHECK_ERR("dup with no fds allowed", dup(0), EMFILE);
	CHECK_ERR("F_DUPFD 0 with no fds allowed", fcntl(0, F_DUPFD, 0),
		  EINVAL);
	CHECK_RET("restore", setrlimit(RLIMIT_NOFILE, &old), 0);
}

CONTRACT_TEST(new_value_applied_before_old_faults)
{
	struct rlimit64 {
		unsigned long cur, max;
	} nl = { 4096, ~0UL }, got, zero = { 0, ~0UL };
	struct k_sigaction ign = { (unsigned long)SIG_IGN, 0, 0, 0 }, cur;
	struct k_sigaction dfl = { (unsigned long)SIG_DFL, 0, 0, 0 };

	CHECK_ERR("prlimit64(CORE, new, bad old)",
		  syscall(SYS_prlimit64, 0, RLIMIT_CORE, &nl, (void *)1),
		  EFAULT);
	syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &got);
	CHECK_EQ("the new limit is in force", got.cur, 4096);
	syscall(SYS_prlimit64, 0, RLIMIT_CORE, &zero, NULL);

	CHECK_ERR("rt_sigaction(USR1, SIG_IGN, bad old)",
		  syscall(SYS_rt_sigaction, SIGUSR1, &ign, (void *)1, 8),
		  EFAULT);
	syscall(SYS_rt_sigaction, SIGUSR1, NULL, &cur, 8);
	CHECK("the new action is in force",
	      cur.handler == (unsigned long)SIG_IGN);
	syscall(SYS_rt_sigaction, SIGUSR1, &dfl, NULL, 8);
}

CONTRACT_TEST(shared_anon_dontneed_keeps_data)
{
	volatile char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	CHECK("mmap shared anonymous", p != MAP_FAILED);
	p[0] = 88;
	CHECK_RET("madvise(DONTNEED)", madvise((void *)p, PG, MADV_DONTNEED),
		  0);
	CHECK_EQ("the byte survives", p[0], 88);
	CHECK_ERR("madvise(FREE) on shared memory",
		  madvise((void *)p, PG, MADV_FREE), EINVAL);
	munmap((void *)p, PG);
}
