/*
 * Small process system calls: exit, exit_group, sched_yield, arch_prctl,
 * getrandom.
 */
#include <kos/file.h>
#include <kos/proc.h>
#include <kos/random.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM 0x2
#define GRND_INSECURE 0x4

/* The lowest address that is not user space (x86-64, 4-level paging). */
#define USER_ADDR_LIMIT 0x00007ffffffff000UL

long sys_exit(long code)
{
	/* One thread per process so far: leaving it ends the process. */
	proc_exit_group(((int)code & 0xff) << 8);
	return 0;
}

long sys_exit_group(long code)
{
	proc_exit_group(((int)code & 0xff) << 8);
	return 0;
}

long sys_sched_yield(void)
{
	sched_yield();
	return 0;
}

/*
 * FS/GS bases live in the user register file; the platform loads them on
 * the way back to user mode.
 */
long sys_arch_prctl(long code, unsigned long addr)
{
	struct uthread *ut = uthread_current();

	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_ADDR_LIMIT)
			return -EPERM;
		ut->regs.fs_base = addr;
		return 0;
	case ARCH_SET_GS:
		if (addr >= USER_ADDR_LIMIT)
			return -EPERM;
		ut->regs.gs_base = addr;
		return 0;
	case ARCH_GET_FS:
		return copy_to_user((void *)addr, &ut->regs.fs_base,
				    sizeof(uint64_t));
	case ARCH_GET_GS:
		return copy_to_user((void *)addr, &ut->regs.gs_base,
				    sizeof(uint64_t));
	case ARCH_GET_CPUID: /* cpuid always works: no CPUID faulting */
		return 1;
	case ARCH_SET_CPUID: /* as Linux on a CPU without CPUID faulting */
		return -ENODEV;
	default:
		return -EINVAL;
	}
}

/*
 * getrandom: the generator is seeded at first use, so it never blocks and
 * GRND_RANDOM draws from the same pool (as Linux 5.6+ does).
 */
long sys_getrandom(void __user *buf, unsigned long len, unsigned long flags)
{
	unsigned char tmp[256];
	struct uio u;

	if (flags &
	    ~(unsigned long)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	/* A bad page part-way: the bytes before it count (as Linux). */
	uio_init_user(&u, (unsigned long)buf, len);
	while (u.resid > 0) {
		size_t n = MIN(u.resid, sizeof(tmp));

		kos_random_bytes(tmp, n);
		if (uio_copyout(&u, tmp, n))
			break;
	}
	kos_memset(tmp, 0, sizeof(tmp));
	if (len && u.resid == len)
		return -EFAULT;
	return (long)(len - u.resid);
}
