/*
 * futex(2): argument parsing and timeouts; the engine is
 * libkos/proc/futex.c (kos/futex.h).  The priority-inheritance
 * operations (LOCK_PI, UNLOCK_PI, TRYLOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI,
 * CMP_REQUEUE_PI) are not implemented: -ENOSYS, as a kernel without
 * CONFIG_FUTEX_PI answers.
 */
#include <kos/futex.h>
#include <kos/syscalls.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/time.h>

/* A user timespec as a monotonic deadline: relative, or absolute on
 * CLOCK_MONOTONIC / CLOCK_REALTIME.  0, -EFAULT or -EINVAL. */
static int futex_deadline(const struct timespec __user *uts, bool absolute,
			  bool realtime, uint64_t *deadline)
{
	struct timespec ts;
	uint64_t ns, now_rt, now_mono;

	*deadline = UINT64_MAX;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
	    ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	if (!absolute) {
		*deadline = clock_deadline_after(ns);
		return 0;
	}
	now_mono = clock_monotonic_ns();
	if (realtime) {
		now_rt = clock_realtime_ns();
		*deadline = ns > now_rt ? now_mono + (ns - now_rt) : now_mono;
	} else {
		*deadline = ns;
	}
	return 0;
}

SYSCALL_DEFINE6(futex, unsigned int __user *, uaddr, __as_hex int, op,
		unsigned int, val, const struct timespec __user *, uts,
		unsigned int __user *, uaddr2, unsigned int, val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	bool private = op & FUTEX_PRIVATE_FLAG;
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	unsigned long a = (unsigned long)uaddr, a2 = (unsigned long)uaddr2;
	uint64_t deadline;
	int err;

	if (realtime && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		err = futex_deadline(uts, cmd == FUTEX_WAIT_BITSET, realtime,
				     &deadline);
		if (err)
			return err;
		return futex_wait(a, private, val, deadline,
				  cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY
						    : val3);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return futex_wake(a, private, (int)val,
				  cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY
						    : val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		/* The requeue count travels in the timeout argument. */
		return futex_requeue(a, private, (int)val,
				     (int)(unsigned long)uts, a2,
				     cmd == FUTEX_CMP_REQUEUE, val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(a, private, (int)val, a2,
				     (int)(unsigned long)uts, val3);
	default:
		return -ENOSYS;
	}
}
