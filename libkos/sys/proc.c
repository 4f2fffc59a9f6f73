/*
 * The calling process and thread: leaving (exit, exit_group), who we are
 * (getpid, getppid, gettid, personality), giving up the CPU
 * (sched_yield), and what a thread library registers with the kernel
 * (set_tid_address, set_robust_list, the FS/GS bases of arch_prctl).
 */
#include <kos/tty.h>
#include <kos/proc.h>
#include <kos/signal.h>
#include <kos/sched.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/personality.h>

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
	struct uthread *ut = uthread_current();

	/* This thread leaves; the last one to leave ends the process. */
	ut->exit_thread = true;
	ut->exit_code = (code & 0xff) << 8;
	return 0;
}

SYSCALL_DEFINE1(exit_group, int, code)
{
	proc_group_exit(proc_current(), (code & 0xff) << 8);
	return 0;
}

SYSCALL_DEFINE0(getpid)
{
	return proc_current()->pid;
}

SYSCALL_DEFINE0(getppid)
{
	struct proc *p = proc_current();
	int ppid;

	mutex_lock(&proc_lock);
	ppid = p->parent ? p->parent->pid : 0;
	mutex_unlock(&proc_lock);
	return ppid;
}

/*
 * personality: the calling thread's execution domain and flags before
 * the call; PERSONALITY_QUERY (0xffffffff) only asks.  Any other value
 * is taken as it is, as Linux does on x86-64 (an unknown domain too: no
 * error).  What it changes here: ADDR_NO_RANDOMIZE, the next execve
 * lays the program out without randomization; the domain PER_LINUX32,
 * uname says i686.  The other flags (READ_IMPLIES_EXEC,
 * ADDR_COMPAT_LAYOUT, UNAME26...) are kept and reported but change
 * nothing yet.
 */
SYSCALL_DEFINE1(personality, __as_hex unsigned int, persona)
{
	struct uthread *ut = uthread_current();
	unsigned int old = ut->personality;

	if (persona != PERSONALITY_QUERY)
		ut->personality = persona;
	return old;
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

SYSCALL_DEFINE3(get_robust_list, int, pid,
		struct robust_list_head __user *__user *, head_ptr,
		size_t __user *, len_ptr)
{
	struct uthread *ut = uthread_current(), *t = ut;
	unsigned long head;
	size_t len;

	if (pid) {
		mutex_lock(&proc_lock);
		t = pid_task(pid);
		if (!t || t->exited) {
			mutex_unlock(&proc_lock);
			return -ESRCH;
		}
		head = t->robust_list;
		mutex_unlock(&proc_lock);
	} else {
		head = t->robust_list;
	}
	len = ROBUST_LIST_HEAD_SIZE;
	if (copy_to_user(len_ptr, &len, sizeof(len)))
		return -EFAULT;
	return copy_to_user(head_ptr, &head, sizeof(head)) ? -EFAULT : 0;
}

/* ---- process groups and sessions ------------------------------------- */

/* The process pid names (0: the caller).  proc_lock held. */
static struct proc *find_proc(int pid)
{
	if (!pid)
		return proc_current();
	return pid > 0 ? pid_proc(pid) : NULL;
}

SYSCALL_DEFINE1(getpgid, int, pid)
{
	struct proc *p;
	long r = -ESRCH;

	mutex_lock(&proc_lock);
	p = find_proc(pid);
	if (p)
		r = p->pgid;
	mutex_unlock(&proc_lock);
	return r;
}

SYSCALL_DEFINE0(getpgrp)
{
	return sys_getpgid(0);
}

SYSCALL_DEFINE1(getsid, int, pid)
{
	struct proc *p;
	long r = -ESRCH;

	mutex_lock(&proc_lock);
	p = find_proc(pid);
	if (p)
		r = p->sid;
	mutex_unlock(&proc_lock);
	return r;
}

/* Does some process of session sid have process group pgid? */
/* A zombie stays in its group until reaped, as on Linux. */
static bool pgrp_in_session(int pgid, int sid)
{
	struct proc *p;

	list_for_each_entry (p, &proc_list, link)
		if (p->state != PROC_DEAD && p->pgid == pgid && p->sid == sid)
			return true;
	return false;
}

SYSCALL_DEFINE2(setpgid, int, pid, int, pgid)
{
	struct proc *me = proc_current(), *p;
	long r = 0;

	mutex_lock(&proc_lock);
	p = pid ? pid_proc(pid) : me;
	if (!pid)
		pid = me->pid;
	if (!pgid)
		pgid = pid;
	if (pgid < 0) {
		mutex_unlock(&proc_lock);
		return -EINVAL;
	}
	if (!p || (p != me && p->parent != me))
		r = -ESRCH;
	else if (p != me && p->sid != me->sid)
		r = -EPERM;
	else if (p != me && p->exec_done)
		r = -EACCES;
	else if (p->sid == p->pid)
		r = -EPERM; /* a session leader */
	else if (pgid != pid && !pgrp_in_session(pgid, me->sid))
		r = -EPERM;
	else
		p->pgid = pgid;
	mutex_unlock(&proc_lock);
	return r;
}

SYSCALL_DEFINE0(setsid)
{
	struct proc *me = proc_current(), *p;
	long r;

	mutex_lock(&proc_lock);
	r = me->pid;
	/* Not if the caller leads a group, or its pid names one. */
	list_for_each_entry (p, &proc_list, link)
		if (p->state != PROC_DEAD && p->pgid == me->pid)
			r = -EPERM;
	if (r > 0) {
		me->sid = me->pid;
		me->pgid = me->pid;
		tty_setsid(me);
	}
	mutex_unlock(&proc_lock);
	return r;
}

/*
 * FS/GS bases live in the user register file; the platform loads them on
 * the way back to user mode.
 */
SYSCALL_DEFINE2(arch_prctl, __as_hex int, code, __as_ptr unsigned long, addr)
{
	struct uthread *ut = uthread_current();

	uthread_regs_full(ut); /* fs_base and gs_base */
	switch (code) {
	case ARCH_SET_FS:
		/* Linked mode: musl's thread pointer, a kernel address. */
		if (addr >= USER_ADDR_LIMIT && !(ut->vm && ut->vm->linked))
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
