/*
 * The calling process and thread: leaving (exit, exit_group), who we are
 * (getpid, getppid, gettid), giving up the CPU (sched_yield), and what a
 * thread library registers with the kernel (set_tid_address,
 * set_robust_list, the FS/GS bases of arch_prctl).
 */
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

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

long sys_getpid(void)
{
	return proc_current()->pid;
}

long sys_getppid(void)
{
	return proc_current()->ppid;
}

long sys_gettid(void)
{
	return uthread_current()->tid;
}

long sys_sched_yield(void)
{
	sched_yield();
	return 0;
}

long sys_set_tid_address(unsigned long tidptr)
{
	struct uthread *ut = uthread_current();

	ut->clear_child_tid = tidptr;
	return ut->tid;
}

/* The robust list head is 24 bytes on x86-64 (struct robust_list_head). */
#define ROBUST_LIST_HEAD_SIZE 24

long sys_set_robust_list(unsigned long head, unsigned long len)
{
	struct uthread *ut = uthread_current();

	if (len != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	ut->robust_list = head;
	ut->robust_len = len;
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
