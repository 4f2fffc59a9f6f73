/*
 * Resource limits: Linux's defaults for a new process
 * (proc_rlimits_init) and the calls that read and set them (prlimit64,
 * and getrlimit/setrlimit on top of it).  Limits are per process; the
 * subsystems that enforce one read p->rlim (the fd table for
 * RLIMIT_NOFILE, the address space for RLIMIT_DATA).
 */
#include <kos/proc.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/resource.h>

/* Linux's defaults for a new init process. */
void proc_rlimits_init(struct proc *p)
{
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		p->rlim[i].rlim_cur = RLIM64_INFINITY;
		p->rlim[i].rlim_max = RLIM64_INFINITY;
	}
	p->rlim[RLIMIT_STACK].rlim_cur = 8ULL << 20;
	p->rlim[RLIMIT_CORE].rlim_cur = 0;
	p->rlim[RLIMIT_NOFILE].rlim_cur = 1024;
	p->rlim[RLIMIT_NOFILE].rlim_max = 4096;
	p->rlim[RLIMIT_MEMLOCK].rlim_cur = 8ULL << 20;
	p->rlim[RLIMIT_MEMLOCK].rlim_max = 8ULL << 20;
	p->rlim[RLIMIT_NPROC].rlim_cur = 63671;
	p->rlim[RLIMIT_NPROC].rlim_max = 63671;
	p->rlim[RLIMIT_SIGPENDING].rlim_cur = 63671;
	p->rlim[RLIMIT_SIGPENDING].rlim_max = 63671;
	p->rlim[RLIMIT_MSGQUEUE].rlim_cur = 819200;
	p->rlim[RLIMIT_MSGQUEUE].rlim_max = 819200;
	p->rlim[RLIMIT_NICE].rlim_cur = 0;
	p->rlim[RLIMIT_NICE].rlim_max = 0;
	p->rlim[RLIMIT_RTPRIO].rlim_cur = 0;
	p->rlim[RLIMIT_RTPRIO].rlim_max = 0;
}

/*
 * prlimit64(pid, resource, new, old): pid 0 or our own pid only (no other
 * processes exist to address yet: ESRCH).  Raising the hard limit needs
 * privilege; we run as root, as Linux would allow.  Checks in Linux's
 * order: reading new (EFAULT), the pid (ESRCH), the resource and the new
 * values (EINVAL, EPERM).
 */
SYSCALL_DEFINE4(prlimit64, int, pid, unsigned int, resource,
		const struct rlimit64 __user *, new_lim,
		struct rlimit64 __user *, old_lim)
{
	struct proc *p = proc_current();
	struct rlimit64 nl, ol;

	if (new_lim && copy_from_user(&nl, new_lim, sizeof(nl)))
		return -EFAULT;
	if (pid != 0 && pid != p->pid)
		return -ESRCH;
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (new_lim) {
		if (nl.rlim_cur > nl.rlim_max)
			return -EINVAL;
		/* fs.nr_open, Linux's default ceiling for NOFILE. */
		if (resource == RLIMIT_NOFILE && nl.rlim_max > 1048576)
			return -EPERM;
	}
	ol = p->rlim[resource];
	/* Linux applies the new limit even if storing the old one faults. */
	if (new_lim) {
		p->rlim[resource] = nl;
		if (resource == RLIMIT_DATA && uthread_current()->vm)
			vm_set_data_limit(uthread_current()->vm, nl.rlim_cur);
	}
	if (old_lim && copy_to_user(old_lim, &ol, sizeof(ol)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE2(getrlimit, unsigned int, resource, struct rlimit64 __user *, rl)
{
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	return sys_prlimit64(0, resource, NULL, rl);
}

/*
 * Linux reads the new limit (NULL too: EFAULT) before it looks at the
 * resource.
 */
SYSCALL_DEFINE2(setrlimit, unsigned int, resource,
		const struct rlimit64 __user *, rl)
{
	if (!rl)
		return -EFAULT;
	return sys_prlimit64(0, resource, rl, NULL);
}
