/*
 * File-descriptor system calls: close, dup, dup2, dup3, fcntl (its lock
 * commands in sys/lock.c), and the helpers that give the rest of the kernel the calling process's files
 * (fd_get_file, fd_install).  The table work is in libkos/fs/fdtable.c.
 */
#include <kos/fdtable.h>
#include <kos/pipe.h>
#include <kos/uaccess.h>
#include <kos/file.h>
#include <kos/proc.h>
#include <kos/syscalls.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/limits.h>
#include <uapi/resource.h>

#include "fs_internal.h"

struct fdtable *sys_cur_fdt(void)
{
	struct uthread *ut = uthread_current();
	uint64_t lim;

	if (!ut || !ut->fdt)
		return NULL;
	/* Follow setrlimit(RLIMIT_NOFILE); 0 is a real limit. */
	lim = ut->proc->rlim[RLIMIT_NOFILE].rlim_cur;
	if (lim > NR_OPEN)
		lim = NR_OPEN;
	if (lim != ut->fdt->nofile)
		fdtable_set_nofile(ut->fdt, (unsigned long)lim);
	return ut->fdt;
}

struct file *fd_get_file(int fd)
{
	struct fdtable *fdt = sys_cur_fdt();

	return fdt ? fdt_get(fdt, fd) : NULL;
}

struct file *fd_get_light(int fd, bool *counted)
{
	struct fdtable *fdt = sys_cur_fdt();

	*counted = false;
	return fdt ? fdt_get_light(fdt, fd, counted) : NULL;
}

void fd_put_light(struct file *f, bool counted)
{
	if (counted)
		file_put(f);
}

int fd_install(struct file *f, bool cloexec)
{
	struct fdtable *fdt = sys_cur_fdt();

	return fdt ? fdt_install(fdt, f, 0, cloexec) : -EMFILE;
}

SYSCALL_DEFINE1(close, __as_fd unsigned int, fd)
{
	struct fdtable *fdt = sys_cur_fdt();

	return fdt ? fdt_close(fdt, fdarg(fd)) : -EBADF;
}

SYSCALL_DEFINE1(dup, __as_fd unsigned int, fd)
{
	struct fdtable *fdt = sys_cur_fdt();

	return fdt ? fdt_dup(fdt, fdarg(fd), 0, false) : -EBADF;
}

SYSCALL_DEFINE2(dup2, __as_fd unsigned int, oldfd, __as_fd unsigned int, newfd)
{
	struct fdtable *fdt = sys_cur_fdt();

	return fdt ? fdt_dup3(fdt, fdarg(oldfd), fdarg(newfd), -1) : -EBADF;
}

SYSCALL_DEFINE3(dup3, __as_fd unsigned int, oldfd, __as_fd unsigned int, newfd,
		__as_hex int, flags)
{
	struct fdtable *fdt = sys_cur_fdt();

	if (flags == -1)
		return -EINVAL;
	return fdt ? fdt_dup3(fdt, fdarg(oldfd), fdarg(newfd), flags) : -EBADF;
}

#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

SYSCALL_DEFINE3(fcntl, __as_fd unsigned int, fd, unsigned int, cmd,
		__as_hex unsigned long, arg)
{
	struct fdtable *fdt = sys_cur_fdt();
	struct file *f;
	long r;

	if (!fdt)
		return -EBADF;
	f = fdt_get(fdt, fdarg(fd));
	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		r = arg >= fdt->nofile ? -EINVAL
				       : fdt_dup(fdt, fdarg(fd), (int)arg,
						 cmd == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		r = fdt_get_fdflags(fdt, fdarg(fd));
		break;
	case F_SETFD:
		r = fdt_set_fdflags(fdt, fdarg(fd), (int)arg);
		break;
	case F_GETFL:
		r = (long)__atomic_load_n(&f->flags, __ATOMIC_RELAXED);
		break;
	case F_SETFL:
		if (f->fmode & FMODE_PATH) {
			r = -EBADF;
			break;
		}
		if ((arg & O_NOATIME) && !(f->flags & O_NOATIME) && f->vnode) {
			struct vfs_cred cred;

			sys_cur_cred(&cred, false);
			if (!vfs_owner_or_capable(f->vnode, &cred)) {
				r = -EPERM;
				break;
			}
		}
		/* Only the status flags change; races lose one update. */
		__atomic_store_n(&f->flags,
				 (f->flags & ~(unsigned int)SETFL_MASK) |
					 ((unsigned int)arg & SETFL_MASK),
				 __ATOMIC_RELAXED);
		r = 0;
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		r = sys_fcntl_lock(fdt, fdarg(fd), f, cmd, arg);
		break;
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		r = pipe_is(f) ? pipe_size(f, cmd == F_SETPIPE_SZ, arg)
			       : -EBADF;
		break;
	default:
		r = (f->fmode & FMODE_PATH) ? -EBADF : -EINVAL;
		break;
	}
	file_put(f);
	return r;
}

SYSCALL_DEFINE2(pipe2, int __user *, ufds, __as_hex int, flags)
{
	struct fdtable *fdt = sys_cur_fdt();
	struct file *rd, *wr;
	int fds[2], err;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (!fdt)
		return -EMFILE;
	err = pipe_create(flags, &rd, &wr);
	if (err)
		return err;
	fds[0] = fdt_install(fdt, rd, 0, flags & O_CLOEXEC);
	if (fds[0] < 0) {
		file_put(rd);
		file_put(wr);
		return fds[0];
	}
	fds[1] = fdt_install(fdt, wr, 0, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		fdt_close(fdt, fds[0]);
		file_put(wr);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fdt_close(fdt, fds[0]);
		fdt_close(fdt, fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE1(pipe, int __user *, ufds)
{
	return sys_pipe2(ufds, 0);
}
