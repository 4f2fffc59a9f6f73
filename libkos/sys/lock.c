/*
 * File-lock system calls: flock(2), and fcntl(2)'s record-lock commands
 * (F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW),
 * which sys_fcntl() hands to sys_fcntl_lock().  This layer checks the
 * arguments in Linux's order and turns the user's struct flock into a
 * struct file_lock and back; the locks themselves are libkos/fs/lock.c's.
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/lock.h>
#include <kos/proc.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#include "fs_internal.h"

/* The caller's tgid, which F_GETLK reports as l_pid. */
static int cur_tgid(void)
{
	struct proc *p = proc_current();

	return p ? p->pid : 0;
}

/*
 * Linux's flock_to_posix_lock(): the bytes l names, from the start of
 * file, f's position or its size, into fl.  Errors in Linux's order:
 * -EINVAL (whence), -EOVERFLOW (the range passes the largest offset),
 * -EINVAL (it starts before 0), -EINVAL (type).
 */
static int flock_to_lock(struct file *f, const struct flock *l,
			 struct file_lock *fl)
{
	int64_t base, start;

	switch (l->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)__atomic_load_n(&f->pos, __ATOMIC_RELAXED);
		break;
	case SEEK_END:
		base = f->vnode ? (int64_t)f->vnode->size : 0;
		break;
	default:
		return -EINVAL;
	}
	if (l->l_start > FILE_LOCK_MAX - base)
		return -EOVERFLOW;
	start = base + l->l_start;
	if (start < 0)
		return -EINVAL;
	/* l_len > 0: that many bytes; < 0: the bytes before; 0: to EOF. */
	if (l->l_len > 0) {
		if (l->l_len - 1 > FILE_LOCK_MAX - start)
			return -EOVERFLOW;
		fl->start = start;
		fl->end = start + (l->l_len - 1);
	} else if (l->l_len < 0) {
		if (start + l->l_len < 0)
			return -EINVAL;
		fl->start = start + l->l_len;
		fl->end = start - 1;
	} else {
		fl->start = start;
		fl->end = FILE_LOCK_MAX;
	}
	if (l->l_type != F_RDLCK && l->l_type != F_WRLCK &&
	    l->l_type != F_UNLCK)
		return -EINVAL;
	fl->type = l->l_type;
	return 0;
}

/*
 * Whose lock a request is: an OFD command's is f's and needs l_pid 0
 * (-EINVAL); the others' are the fd table's (the process's).
 */
static int lock_owner(struct fdtable *fdt, struct file *f, bool ofd,
		      const struct flock *l, struct file_lock *fl)
{
	fl->pid = cur_tgid();
	if (!ofd) {
		fl->kind = FILE_LOCK_POSIX;
		fl->owner = fdt;
		return 0;
	}
	if (l->l_pid != 0)
		return -EINVAL;
	fl->kind = FILE_LOCK_OFD;
	fl->owner = f;
	return 0;
}

/* F_GETLK, F_OFD_GETLK: the first conflicting lock into *ul. */
static long fcntl_getlk(struct fdtable *fdt, struct file *f, bool ofd,
			struct flock *l, struct flock __user *ul)
{
	struct file_lock fl;
	int err;

	/* F_UNLCK is a question only F_OFD_GETLK may ask (kos/lock.h). */
	if (!ofd && l->l_type != F_RDLCK && l->l_type != F_WRLCK)
		return -EINVAL;
	err = flock_to_lock(f, l, &fl);
	if (!err)
		err = lock_owner(fdt, f, ofd, l, &fl);
	if (err)
		return err;
	file_lock_test(f->vnode, &fl);
	l->l_type = (short)fl.type;
	if (fl.type != F_UNLCK) {
		l->l_whence = SEEK_SET;
		l->l_start = fl.start;
		l->l_len = fl.end == FILE_LOCK_MAX ? 0 : fl.end - fl.start + 1;
		/* An OFD lock has no process to name. */
		l->l_pid = fl.kind == FILE_LOCK_POSIX ? fl.pid : -1;
	}
	return copy_to_user(ul, l, sizeof(*l)) ? -EFAULT : 0;
}

/*
 * F_SETLK(W), F_OFD_SETLK(W).  After a POSIX lock is granted, fd must
 * still be f: a thread sharing the table may have closed it meanwhile,
 * and the close rule would then have run before the lock existed; undo
 * it (-EBADF) as Linux does.
 */
static long fcntl_setlk(struct fdtable *fdt, int fd, struct file *f, bool ofd,
			bool wait, const struct flock *l)
{
	struct file_lock fl;
	struct file *now;
	int err;

	err = flock_to_lock(f, l, &fl);
	if (err)
		return err;
	if ((fl.type == F_RDLCK && !(f->fmode & FMODE_READ)) ||
	    (fl.type == F_WRLCK && !(f->fmode & FMODE_WRITE)))
		return -EBADF;
	err = lock_owner(fdt, f, ofd, l, &fl);
	if (err)
		return err;
	err = file_lock_posix(f->vnode, &fl, wait);
	if (err || ofd || fl.type == F_UNLCK)
		return err;
	now = fdt_get(fdt, fd);
	if (now != f) {
		file_lock_close(f, fdt);
		err = -EBADF;
	}
	file_put(now);
	return err;
}

long sys_fcntl_lock(struct fdtable *fdt, int fd, struct file *f,
		    unsigned int cmd, unsigned long arg)
{
	struct flock __user *ul = (struct flock __user *)arg;
	struct flock l;
	bool ofd = cmd >= F_OFD_GETLK;

	if (f->fmode & FMODE_PATH)
		return -EBADF;
	if (!f->vnode)
		return -EINVAL;
	if (copy_from_user(&l, ul, sizeof(l)))
		return -EFAULT;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK)
		return fcntl_getlk(fdt, f, ofd, &l, ul);
	return fcntl_setlk(fdt, fd, f, ofd,
			   cmd == F_SETLKW || cmd == F_OFD_SETLKW, &l);
}

/* flock(2)'s operation without LOCK_NB as a lock type, or -EINVAL. */
static int flock_type(unsigned int op)
{
	switch (op) {
	case LOCK_SH:
		return F_RDLCK;
	case LOCK_EX:
		return F_WRLCK;
	case LOCK_UN:
		return F_UNLCK;
	default:
		return -EINVAL;
	}
}

/*
 * flock(2): LOCK_SH, LOCK_EX or LOCK_UN, maybe | LOCK_NB.  Errors in
 * Linux's order: a LOCK_MAND request succeeds doing nothing (the feature
 * is gone; Linux ignores it before anything else), a bad operation
 * -EINVAL, a bad or O_PATH fd -EBADF, and -EBADF for a lock on a file
 * open neither for reading nor for writing.  A conflict is -EWOULDBLOCK
 * (-EAGAIN) with LOCK_NB; else the wait ends with the lock or a signal.
 */
SYSCALL_DEFINE2(flock, __as_fd unsigned int, fd, __as_hex unsigned int, cmd)
{
	int type = flock_type(cmd & ~(unsigned int)LOCK_NB);
	struct file *f;
	long r;

	if (cmd & LOCK_MAND)
		return 0;
	if (type < 0)
		return type;
	f = fd_get_file(fdarg(fd));
	if (!f)
		return -EBADF;
	if ((f->fmode & FMODE_PATH) ||
	    (type != F_UNLCK && !(f->fmode & (FMODE_READ | FMODE_WRITE))))
		r = -EBADF;
	else
		r = file_lock_flock(f, type, !(cmd & LOCK_NB));
	file_put(f);
	return r;
}
