/*
 * The calling process and thread: leaving (exit, exit_group), who we are
 * (getpid, getppid, gettid), giving up the CPU (sched_yield), and what a
 * thread library registers with the kernel (set_tid_address,
 * set_robust_list, the FS/GS bases of arch_prctl).
 */
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/syscalls.h>
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

SYSCALL_DEFINE1(exit, int, code)
{
	/* One thread per process so far: leaving it ends the process. */
	proc_exit_group((code & 0xff) << 8);
	return 0;
}

SYSCALL_DEFINE1(exit_group, int, code)
{
	proc_exit_group((code & 0xff) << 8);
	return 0;
}

SYSCALL_DEFINE0(getpid)
{
	return proc_current()->pid;
}

SYSCALL_DEFINE0(getppid)
{
	return proc_current()->ppid;
}

SYSCALL_DEFINE0(gettid)
{
	return uthread_current()->tid;
}

SYSCALL_DEFINE0(sched_yield)
{
	sched_yield();
	return 0;
}

SYSCALL_DEFINE1(set_tid_address, int __user *, tidptr)
{
	struct uthread *ut = uthread_current();

	ut->clear_child_tid = (unsigned long)tidptr;
	return ut->tid;
}

/* The robust list head is 24 bytes on x86-64 (struct robust_list_head). */
#define ROBUST_LIST_HEAD_SIZE 24

SYSCALL_DEFINE2(set_robust_list, struct robust_list_head __user *, head, size_t,
		len)
{
	struct uthread *ut = uthread_current();

	if (len != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	ut->robust_list = (unsigned long)head;
	ut->robust_len = len;
	return 0;
}

/*
 * FS/GS bases live in the user register file; the platform loads them on
 * the way back to user mode.
 */
SYSCALL_DEFINE2(arch_prctl, __as_hex int, code, __as_ptr unsigned long, addr)
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
