/*
 * File-descriptor system calls: close, dup, dup2, dup3, fcntl (its lock
 * commands in sys/lock.c), and the helpers that give the rest of the kernel the calling process's files
 * (fd_get_file, fd_install).  The table work is in libkos/fs/fdtable.c.
 */
#include <kos/fdtable.h>
#include <kos/notify.h>
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

/*
 * Is nr some thread's tid or a live process group's or session's id?
 * F_SETOWN takes any number in use, as Linux's find_vpid.
 */
static bool owner_exists(int nr)
{
	bool found;

	mutex_lock(&proc_lock);
	found = pid_task(nr) || pid_used_by_group(nr);
	mutex_unlock(&proc_lock);
	return found;
}

/*
 * Has owner (type, nr) a task now: the thread, the process (a zombie
 * too) or a member of the group?  Linux's F_GETOWN shows 0 otherwise.
 */
static bool owner_has_task(int type, int nr)
{
	struct proc *p;
	bool found = false;

	if (nr <= 0)
		return false;
	mutex_lock(&proc_lock);
	if (type == F_OWNER_TID) {
		found = pid_task(nr) != NULL;
	} else if (type == F_OWNER_PID) {
		found = pid_proc(nr) != NULL;
	} else {
		list_for_each_entry (p, &proc_list, link)
			if (p->state != PROC_DEAD && p->pgid == nr) {
				found = true;
				break;
			}
	}
	mutex_unlock(&proc_lock);
	return found;
}

/* F_SETOWN, F_SETOWN_EX: make (type, nr) f's owner; 0 or -ESRCH. */
static long set_owner(struct file *f, int type, int nr)
{
	if (nr && (nr < 0 || !owner_exists(nr)))
		return -ESRCH;
	struct proc *p = proc_current();

	__atomic_store_n(&f->owner_cred,
			 (uint64_t)p->cred.uid << 32 | p->cred.euid,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&f->owner,
			 (uint64_t)(uint32_t)type << 32 | (uint32_t)nr,
			 __ATOMIC_RELAXED);
	return 0;
}

/* fcntl's owner commands (f not O_PATH): the result or -EXXX. */
static long fcntl_owner(struct file *f, unsigned int cmd, unsigned long arg)
{
	uint64_t o = __atomic_load_n(&f->owner, __ATOMIC_RELAXED);
	int type = (int)(o >> 32), nr = (int)(uint32_t)o;
	struct f_owner_ex ex;
	int who = (int)arg;

	if (!owner_has_task(type, nr))
		nr = 0;

	switch (cmd) {
	case F_SETOWN:
		if (who == -__INT_MAX__ - 1) /* no positive twin */
			return -EINVAL;
		return who < 0 ? set_owner(f, F_OWNER_PGRP, -who)
			       : set_owner(f, F_OWNER_PID, who);
	case F_GETOWN:
		/* A process group's id comes back negative. */
		return type == F_OWNER_PGRP ? -(long)nr : nr;
	case F_SETOWN_EX:
		if (copy_from_user(&ex, (const void *)arg, sizeof(ex)))
			return -EFAULT;
		if (ex.type != F_OWNER_TID && ex.type != F_OWNER_PID &&
		    ex.type != F_OWNER_PGRP)
			return -EINVAL;
		return set_owner(f, ex.type, ex.pid);
	default: /* F_GETOWN_EX */
		ex.type = type;
		ex.pid = nr;
		return copy_to_user((void *)arg, &ex, sizeof(ex)) ? -EFAULT : 0;
	}
}

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
	case F_SETFL: {
		unsigned int mask = SETFL_MASK;

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
		/* O_ASYNC stays clear where it means nothing (Linux's setfl). */
		if (!file_takes_async(f))
			mask &= ~(unsigned int)O_ASYNC;
		else if ((arg ^ f->flags) & O_ASYNC) {
			r = fasync_set(f, arg & O_ASYNC, (int)fd);
			if (r)
				break;
		}
		/* Only the status flags change; races lose one update. */
		__atomic_store_n(&f->flags,
				 (f->flags & ~mask) |
					 ((unsigned int)arg & mask),
				 __ATOMIC_RELAXED);
		r = 0;
		break;
	}
	case F_SETOWN:
	case F_GETOWN:
	case F_SETOWN_EX:
	case F_GETOWN_EX:
		r = (f->fmode & FMODE_PATH) ? -EBADF : fcntl_owner(f, cmd, arg);
		break;
	case F_SETSIG:
		r = (f->fmode & FMODE_PATH) ? -EBADF
		    : arg > _NSIG	    ? -EINVAL
					    : 0;
		if (!r)
			__atomic_store_n(&f->owner_sig, (int)arg,
					 __ATOMIC_RELAXED);
		break;
	case F_NOTIFY:
		r = (f->fmode & FMODE_PATH) ? -EBADF
					    : dnotify_set(f, fdt, (int)fd, arg);
		/* The caller becomes the owner if there is none (Linux). */
		if (!r && (arg & ~(unsigned long)DN_MULTISHOT) &&
		    !__atomic_load_n(&f->owner, __ATOMIC_RELAXED))
			set_owner(f, F_OWNER_PID, proc_current()->pid);
		break;
	case F_GETSIG:
		r = (f->fmode & FMODE_PATH)
			    ? -EBADF
			    : __atomic_load_n(&f->owner_sig, __ATOMIC_RELAXED);
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
