/*
 * Signal bookkeeping system calls: rt_sigaction and rt_sigprocmask record
 * what the program asks for, with Linux's argument checks; delivery of
 * signals to handlers arrives in a later issue (fatal signals from faults
 * already terminate the process, see proc.c).
 */
#include <kos/proc.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/signal.h>

#define SIG_UNBLOCKABLE ((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)))

SYSCALL_DEFINE4(rt_sigaction, int, sig, const struct ksigaction __user *, act,
		struct ksigaction __user *, oact, size_t, sigsetsize)
{
	struct proc *p = proc_current();
	struct ksigaction ka, old;

	/* Linux's order: the size, then reading act, then the signal. */
	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (act && copy_from_user(&ka, act, sizeof(ka)))
		return -EFAULT;
	if (sig < 1 || sig > _NSIG)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	old = p->sigactions[sig - 1];
	/* Linux installs the new action even if storing the old one faults. */
	if (act) {
		ka.mask &= ~SIG_UNBLOCKABLE;
		p->sigactions[sig - 1] = ka;
	}
	if (oact && copy_to_user(oact, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE4(rt_sigprocmask, int, how, const ksigset_t __user *, set,
		ksigset_t __user *, oset, size_t, sigsetsize)
{
	struct uthread *ut = uthread_current();
	ksigset_t new, old = ut->sigmask;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (set) {
		if (copy_from_user(&new, set, sizeof(new)))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			new = old | new;
			break;
		case SIG_UNBLOCK:
			new = old & ~new;
			break;
		case SIG_SETMASK:
			break;
		default:
			return -EINVAL;
		}
	}
	if (oset && copy_to_user(oset, &old, sizeof(old)))
		return -EFAULT;
	if (set)
		ut->sigmask = new & ~SIG_UNBLOCKABLE;
	return 0;
}
