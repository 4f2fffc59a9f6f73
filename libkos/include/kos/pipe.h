/*
 * Pipes (libkos/fs/pipe.c).
 */
#ifndef KOS_PIPE_H
#define KOS_PIPE_H

#include <kos/types.h>

#define PIPE_BUF 4096 /* writes up to this size are atomic */

struct file;

/*
 * A new pipe: *rd and *wr are its read and write ends (one reference
 * each), with the status flags O_NONBLOCK and O_DIRECT from flags.
 * 0 or -ENOMEM.
 */
int pipe_create(int flags, struct file **rd, struct file **wr);

/*
 * The file operations of a named FIFO's open file (vfs_open_vnode):
 * their open joins the pipe that hangs off the vnode while it is open,
 * waiting for the other side as Linux does.
 */
struct file_ops;
const struct file_ops *pipe_fifo_ops(void);

/*
 * tee(2)'s half: copy up to len bytes of what pipe end f holds into buf
 * without consuming them; waits for data as a read would (unless
 * nonblock or O_NONBLOCK: -EAGAIN).  Bytes copied, 0 with no writer
 * left, or -ERESTARTSYS.
 */
long pipe_peek(struct file *f, void *buf, size_t len, bool nonblock);

/* Is f an end of a pipe (or an open FIFO)? */
bool pipe_is(struct file *f);

/*
 * F_GETPIPE_SZ (set false) / F_SETPIPE_SZ: the capacity in bytes, or
 * -EINVAL, -EPERM (over pipe-max-size unprivileged), -EBUSY (more data
 * than the new size), -ENOMEM.
 */
long pipe_size(struct file *f, bool set, unsigned long size);

#endif
