/*
 * prctl(2): the operations programs use for processes and threads.
 *
 * Implemented: PR_SET_NAME/PR_GET_NAME (the thread's name, 16 bytes),
 * PR_SET_PDEATHSIG/PR_GET_PDEATHSIG (a signal when the parent dies),
 * PR_SET_CHILD_SUBREAPER/PR_GET_CHILD_SUBREAPER (orphans come to us),
 * PR_SET_DUMPABLE/PR_GET_DUMPABLE, PR_SET_NO_NEW_PRIVS/PR_GET_NO_NEW_PRIVS
 * (setuid bits stop working; cannot be undone), PR_SET_KEEPCAPS/
 * PR_GET_KEEPCAPS (capabilities survive leaving uid 0; reset by execve),
 * PR_GET_TID_ADDRESS (the clear_child_tid pointer).  Every other option is
 * -EINVAL, as Linux answers for options it does not know.
 */
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_GET_KEEPCAPS 7
#define PR_SET_KEEPCAPS 8
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_GET_TID_ADDRESS 40

SYSCALL_DEFINE5(prctl, int, option, __as_hex unsigned long, arg2,
		__as_hex unsigned long, arg3, __as_hex unsigned long, arg4,
		__as_hex unsigned long, arg5)
{
	struct uthread *ut = uthread_current();
	struct proc *p = ut->proc;
	char name[TASK_COMM_LEN];
	int v;

	switch (option) {
	case PR_SET_PDEATHSIG:
		if (arg2 > _NSIG)
			return -EINVAL;
		ut->pdeath_signal = (int)arg2;
		return 0;
	case PR_GET_PDEATHSIG:
		v = ut->pdeath_signal;
		return copy_to_user((void *)arg2, &v, sizeof(v)) ? -EFAULT : 0;
	case PR_GET_DUMPABLE:
		return p->dumpable;
	case PR_SET_DUMPABLE:
		if (arg2 > 1)
			return -EINVAL;
		p->dumpable = arg2;
		return 0;
	case PR_SET_NAME: {
		long n = strncpy_from_user(name, (const char *)arg2,
					   sizeof(name));

		if (n == -EFAULT)
			return -EFAULT;
		name[sizeof(name) - 1] = 0;
		kos_strlcpy(ut->comm, name, sizeof(ut->comm));
		if (p->leader == ut)
			kos_strlcpy(p->comm, name, sizeof(p->comm));
		return 0;
	}
	case PR_GET_NAME:
		kos_memset(name, 0, sizeof(name));
		kos_strlcpy(name, ut->comm, sizeof(name));
		return copy_to_user((void *)arg2, name, sizeof(name)) ? -EFAULT
								      : 0;
	case PR_SET_CHILD_SUBREAPER:
		p->subreaper = arg2 != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		v = p->subreaper;
		return copy_to_user((void *)arg2, &v, sizeof(v)) ? -EFAULT : 0;
	case PR_GET_KEEPCAPS:
		return p->cred.keepcaps;
	case PR_SET_KEEPCAPS:
		if (arg2 > 1)
			return -EINVAL;
		mutex_lock(&proc_lock);
		p->cred.keepcaps = arg2;
		mutex_unlock(&proc_lock);
		return 0;
	case PR_GET_TID_ADDRESS:
		return copy_to_user((void *)arg2, &ut->clear_child_tid,
				    sizeof(ut->clear_child_tid))
			       ? -EFAULT
			       : 0;
	case PR_SET_NO_NEW_PRIVS:
		if (arg2 != 1 || arg3 || arg4 || arg5)
			return -EINVAL;
		p->no_new_privs = true;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (arg2 || arg3 || arg4 || arg5)
			return -EINVAL;
		return p->no_new_privs;
	default:
		return -EINVAL;
	}
}
