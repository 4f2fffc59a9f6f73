/*
 * inotify(7): inotify_init, inotify_init1, inotify_add_watch and
 * inotify_rm_watch.  The argument checks come in Linux's order (6.x):
 * add_watch refuses a mask with unknown bits or none at all (-EINVAL)
 * before it looks at the fd (-EBADF), then IN_MASK_ADD with
 * IN_MASK_CREATE and an fd that is no inotify instance (-EINVAL), then
 * the path (IN_DONT_FOLLOW, IN_ONLYDIR), read permission on the file
 * (-EACCES), and at last the watch itself (fs/notify.c).
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/mutex.h>
#include <kos/notify.h>
#include <kos/syscalls.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#include "fs_internal.h"

SYSCALL_DEFINE1(inotify_init1, __as_hex int, flags)
{
	struct file *f;
	int err, fd;

	if (flags & ~(IN_NONBLOCK | IN_CLOEXEC))
		return -EINVAL;
	err = inotify_create(flags & IN_NONBLOCK, &f);
	if (err)
		return err;
	fd = fd_install(f, flags & IN_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE0(inotify_init)
{
	return sys_inotify_init1(0);
}

/* The inotify instance at fd, referenced: -EBADF, or -EINVAL. */
static long inotify_file(int fd, struct file **out)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	*out = f;
	return 0;
}

SYSCALL_DEFINE3(inotify_add_watch, __as_fd int, fd, const char __user *, path,
		__as_hex uint32_t, mask)
{
	unsigned int lflags = 0;
	struct vfs_cred cred;
	struct vnode *v;
	struct file *f;
	long err;

	if ((mask & ~IN_ALL_BITS) || !(mask & IN_ALL_BITS))
		return -EINVAL;
	err = inotify_file(fd, &f);
	if (err)
		return err;
	if (((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) ||
	    !inotify_is(f)) {
		err = -EINVAL;
		goto out;
	}
	if (!(mask & IN_DONT_FOLLOW))
		lflags |= LOOKUP_FOLLOW;
	if (mask & IN_ONLYDIR)
		lflags |= LOOKUP_DIRECTORY;
	sys_cur_cred(&cred, false);
	err = sys_user_lookup(AT_FDCWD, path, lflags, false, &cred, &v);
	if (err)
		goto out;
	mutex_lock(&v->lock);
	err = vfs_permission(v, MAY_READ, &cred);
	mutex_unlock(&v->lock);
	if (!err)
		err = inotify_add(f, v, mask);
	vnode_put(v);
out:
	file_put(f);
	return err;
}

SYSCALL_DEFINE2(inotify_rm_watch, __as_fd int, fd, int32_t, wd)
{
	struct file *f;
	long err = inotify_file(fd, &f);

	if (err)
		return err;
	err = inotify_is(f) ? inotify_rm(f, wd) : -EINVAL;
	file_put(f);
	return err;
}
