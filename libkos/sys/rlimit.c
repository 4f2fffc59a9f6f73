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
 * prlimit64(pid, resource, new, old): pid 0 is the caller.  Another
 * process needs the caller's real, effective and saved ids to match its
 * own (or CAP_SYS_RESOURCE).  Raising a hard limit needs
 * CAP_SYS_RESOURCE.  Checks in Linux's order: reading new (EFAULT), the
 * pid (ESRCH, EPERM), the resource and the new values (EINVAL, EPERM).
 */
#define CAP_SYS_RESOURCE 24

SYSCALL_DEFINE4(prlimit64, int, pid, unsigned int, resource,
		const struct rlimit64 __user *, new_lim,
		struct rlimit64 __user *, old_lim)
{
	struct proc *me = proc_current(), *p;
	bool cap = me->cred.cap_effective & (1ULL << CAP_SYS_RESOURCE);
	struct rlimit64 nl, ol;
	long r = 0;

	if (new_lim && copy_from_user(&nl, new_lim, sizeof(nl)))
		return -EFAULT;
	mutex_lock(&proc_lock);
	p = pid ? pid_proc(pid) : me;
	if (!p || p->state != PROC_LIVE) {
		r = -ESRCH;
		goto out;
	}
	if (p != me && !cap &&
	    (me->cred.uid != p->cred.uid || me->cred.uid != p->cred.euid ||
	     me->cred.uid != p->cred.suid || me->cred.gid != p->cred.gid ||
	     me->cred.gid != p->cred.egid || me->cred.gid != p->cred.sgid)) {
		r = -EPERM;
		goto out;
	}
	if (resource >= RLIM_NLIMITS) {
		r = -EINVAL;
		goto out;
	}
	if (new_lim) {
		if (nl.rlim_cur > nl.rlim_max) {
			r = -EINVAL;
			goto out;
		}
		if (nl.rlim_max > p->rlim[resource].rlim_max && !cap) {
			r = -EPERM;
			goto out;
		}
		/* fs.nr_open, Linux's default ceiling for NOFILE. */
		if (resource == RLIMIT_NOFILE && nl.rlim_max > 1048576) {
			r = -EPERM;
			goto out;
		}
	}
	ol = p->rlim[resource];
	/* Linux applies the new limit even if storing the old one faults. */
	if (new_lim) {
		p->rlim[resource] = nl;
		if (resource == RLIMIT_DATA && p == me && uthread_current()->vm)
			vm_set_data_limit(uthread_current()->vm, nl.rlim_cur);
		if (resource == RLIMIT_STACK && p == me &&
		    uthread_current()->vm)
			vm_set_stack_limit(uthread_current()->vm, nl.rlim_cur);
	}
out:
	mutex_unlock(&proc_lock);
	if (r)
		return r;
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
