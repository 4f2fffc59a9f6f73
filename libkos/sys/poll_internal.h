/* Shared by libkos/sys/poll.c and epoll.c: timeouts and signal masks. */
#ifndef KOS_SYS_POLL_INTERNAL_H
#define KOS_SYS_POLL_INTERNAL_H

#include <kos/signal.h>
#include <kos/types.h>
#include <kos/uaccess.h>

struct timespec;
struct uthread;

/*
 * A timeout given as a timespec (ppoll, pselect6, epoll_pwait2): copied
 * in (-EFAULT), checked (-EINVAL), and made a monotonic deadline in
 * *deadline (UINT64_MAX if it is too far away to matter).
 */
long poll_get_timeout(const struct timespec __user *tsp, struct timespec *ts,
		      uint64_t *deadline);

/*
 * A signal mask for the length of a wait (ppoll, pselect6, epoll_pwait):
 * poll_mask_set() installs mask, keeping the old one in *old;
 * poll_mask_done() puts old back, or leaves it to be restored after the
 * handler if a signal ended the wait (intr), as sigsuspend does.
 */
void poll_mask_set(struct uthread *ut, ksigset_t mask, ksigset_t *old);
void poll_mask_done(struct uthread *ut, ksigset_t old, bool intr);

#endif
