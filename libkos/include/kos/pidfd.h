/*
 * Process file descriptors (libkos/proc/pidfd.c).
 */
#ifndef KOS_PIDFD_H
#define KOS_PIDFD_H

struct file;
struct proc;

/* A new pidfd file for p (O_NONBLOCK in flags is kept).  0 or -ENOMEM. */
int pidfd_create(struct proc *p, int flags, struct file **out);

/* The process f names if f is a pidfd, else NULL (not referenced). */
struct proc *pidfd_proc(struct file *f);

/*
 * The pidfd open at fd of the caller: *fp referenced (the caller puts
 * it), *pp the process it names, valid while *fp is held.  0, or -EBADF
 * if fd is not open or not a pidfd.
 */
int pidfd_lookup(int fd, struct file **fp, struct proc **pp);

/*
 * The pid of the process whose /proc/<pid> directory f is open on (not
 * a thread's under task/), else 0 (procfs.c).  pidfd_send_signal takes
 * such a file as a pidfd, as Linux.
 */
int procfs_tgid_of(struct file *f);

#endif
