/*
 * Readiness of open files for poll(2) and ppoll(2) (libkos/sys/poll.c).
 *
 * A file's ops->poll(f, pt) returns its POLL* bits now and, when pt is
 * not NULL, puts the caller on every wait queue whose wake-up may change
 * them (poll_wait(), at most POLL_MAX_QUEUES per file).  Files without
 * ->poll are always readable and writable, as on Linux.
 */
#ifndef KOS_POLL_H
#define KOS_POLL_H

#include <kos/waitq.h>
#include <uapi/poll.h>

struct file;
struct poll_table;

/* The queues one file may register. */
#define POLL_MAX_QUEUES 2

/*
 * The last reference to f (which was added to an epoll instance) is
 * gone: drop its items from every instance (sys/epoll.c).  Called before
 * f's release, while the queues its poll names still exist.
 */
void epoll_forget(struct file *f);

/* Linux's DEFAULT_POLLMASK: what a file without ->poll reports. */
#define POLL_DEFAULT_MASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/* Wait on wq too (pt NULL: nothing to do). */
void poll_wait(struct poll_table *pt, struct waitq *wq);

/* f's POLL* bits now, registering the caller on pt's queues if pt. */
unsigned int file_poll(struct file *f, struct poll_table *pt);

/*
 * f's POLL* bits now, and the queues its poll names (up to
 * POLL_MAX_QUEUES) in wq[0 .. *n - 1], nobody registered on them.
 */
unsigned int file_poll_queues(struct file *f, struct waitq **wq,
			      unsigned int *n);

#endif
