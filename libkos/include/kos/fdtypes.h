/*
 * Files that are not in any file system: eventfd (libkos/fs/eventfd.c),
 * timerfd (libkos/fs/timerfd.c) and signalfd (libkos/fs/signalfd.c),
 * each an open file description on one shared anonymous inode, as
 * Linux's anon_inodefs (libkos/fs/anon.c).  The system calls are in
 * libkos/sys/fdtypes.c.
 *
 * Each *_create() gives a new file with one reference (the caller
 * installs it in an fd table), or -ENOMEM; the object behind the file
 * belongs to it alone and is freed with its last reference.
 */
#ifndef KOS_FDTYPES_H
#define KOS_FDTYPES_H

#include <kos/types.h>
#include <uapi/fdtypes.h>
#include <uapi/signal.h>
#include <uapi/time.h>

struct file;
struct file_ops;

/*
 * A new file on the shared anonymous inode with ops, open flags and
 * priv.  NULL if memory is short.
 */
struct file *file_alloc_anon(const struct file_ops *ops, unsigned int flags,
			     void *priv);

/* eventfd2(2): flags checked by the caller (EFD_SEMAPHORE, O_NONBLOCK). */
int eventfd_create(uint64_t initval, int flags, struct file **out);

/* timerfd_create(2) on clockid (checked by the caller). */
int timerfd_create(int clockid, int flags, struct file **out);
/* Is f a timerfd? */
bool timerfd_is(struct file *f);
/*
 * timerfd_settime(2)/timerfd_gettime(2) on a timerfd: nv was checked
 * (valid timespecs and flags); old (may be NULL) / cur get the previous
 * / current setting.
 */
void timerfd_settime(struct file *f, int flags, const struct itimerspec *nv,
		     struct itimerspec *old);
void timerfd_gettime(struct file *f, struct itimerspec *cur);
/*
 * The real-time clock was set (clock_set_realtime_ns): timers armed with
 * TFD_TIMER_CANCEL_ON_SET become readable and their next read is
 * -ECANCELED.  Any context.
 */
void timerfd_clock_was_set(void);

/* signalfd4(2): a new signalfd for mask (SIGKILL/SIGSTOP dropped). */
int signalfd_create(ksigset_t mask, int flags, struct file **out);
/* Change f's mask; -EINVAL if f is not a signalfd. */
int signalfd_set_mask(struct file *f, ksigset_t mask);

#endif
