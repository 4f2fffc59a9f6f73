/*
 * Extended attributes: setxattr, getxattr, listxattr and removexattr,
 * each by path (following a final symlink), by path without following
 * it (l*) and by descriptor (f*).  The arguments are checked in Linux's
 * order (6.13 and later): the flags, the name (empty or longer than 255
 * bytes: -ERANGE), the value (-E2BIG past 64 KiB, -EFAULT), and only
 * then the file (the path, or the descriptor: -EBADF, O_PATH too).
 * fs/xattr.c does the namespace and permission checks; values and lists
 * pass through kernel buffers, copied outside the vnode's lock.
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#include "fs_internal.h"

/* The file an xattr call is about: a path, or (upath NULL) an fd. */
struct xattr_target {
	const char __user *upath;
	bool follow;
	int fd;
};

/* Copy a name into kname (VFS_XATTR_NAME_MAX + 1 bytes). */
static long get_name(const char __user *uname, char *kname)
{
	long n = strncpy_from_user(kname, uname, VFS_XATTR_NAME_MAX + 1);

	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? n : 0;
}

/*
 * The target's vnode (a new reference; NULL for a file without one,
 * such as a pipe) and the caller's credentials.
 */
static long get_target(const struct xattr_target *t, struct vfs_cred *cred,
		       struct vnode **out)
{
	struct file *f;

	sys_cur_cred(cred, false);
	if (t->upath)
		return sys_user_lookup(AT_FDCWD, t->upath,
				       t->follow ? LOOKUP_FOLLOW : 0, false,
				       cred, out);
	f = fd_get_file(t->fd);
	if (!f)
		return -EBADF;
	if (f->fmode & FMODE_PATH) {
		file_put(f);
		return -EBADF;
	}
	*out = f->vnode;
	if (*out)
		vnode_get(*out);
	file_put(f);
	return 0;
}

static long do_setxattr(const struct xattr_target *t, const char __user *uname,
			const void __user *uvalue, size_t size, int flags,
			bool remove)
{
	char kname[VFS_XATTR_NAME_MAX + 1];
	struct vfs_cred cred;
	struct vnode *v;
	void *kvalue = NULL;
	long err;

	if (flags & ~(VFS_XATTR_CREATE | VFS_XATTR_REPLACE))
		return -EINVAL;
	err = get_name(uname, kname);
	if (err)
		return err;
	if (size > VFS_XATTR_SIZE_MAX)
		return -E2BIG;
	if (!remove) {
		/* An empty value is a value ("", not a removal). */
		kvalue = kmalloc(size ? size : 1);
		if (!kvalue)
			return -ENOMEM;
		if (size && copy_from_user(kvalue, uvalue, size)) {
			kfree(kvalue);
			return -EFAULT;
		}
	}
	err = get_target(t, &cred, &v);
	if (!err) {
		err = v ? vfs_setxattr(v, kname, kvalue, size, flags, &cred)
			: -EOPNOTSUPP;
		vnode_put(v);
	}
	kfree(kvalue);
	return err;
}

static long do_getxattr(const struct xattr_target *t, const char __user *uname,
			void __user *uvalue, size_t size)
{
	char kname[VFS_XATTR_NAME_MAX + 1];
	struct vfs_cred cred;
	struct vnode *v;
	void *kvalue = NULL;
	long r = get_name(uname, kname);

	if (r)
		return r;
	r = get_target(t, &cred, &v);
	if (r)
		return r;
	if (size > VFS_XATTR_SIZE_MAX)
		size = VFS_XATTR_SIZE_MAX;
	if (size && !(kvalue = kmalloc(size)))
		r = -ENOMEM;
	else if (!v)
		r = -EOPNOTSUPP;
	else
		r = vfs_getxattr(v, kname, kvalue, size, &cred);
	if (r > 0 && size && copy_to_user(uvalue, kvalue, (size_t)r))
		r = -EFAULT;
	else if (r == -ERANGE && size >= VFS_XATTR_SIZE_MAX)
		r = -E2BIG;
	kfree(kvalue);
	vnode_put(v);
	return r;
}

static long do_listxattr(const struct xattr_target *t, void __user *ulist,
			 size_t size)
{
	struct vfs_cred cred;
	struct vnode *v;
	char *klist = NULL;
	long r = get_target(t, &cred, &v);

	if (r)
		return r;
	if (size > VFS_XATTR_LIST_MAX)
		size = VFS_XATTR_LIST_MAX;
	if (size && !(klist = kmalloc(size)))
		r = -ENOMEM;
	else if (v)
		r = vfs_listxattr(v, klist, size, &cred);
	if (r > 0 && size && copy_to_user(ulist, klist, (size_t)r))
		r = -EFAULT;
	else if (r == -ERANGE && size >= VFS_XATTR_LIST_MAX)
		r = -E2BIG;
	kfree(klist);
	vnode_put(v);
	return r;
}

#define PATH_T(p, f) (&(struct xattr_target){ .upath = (p), .follow = (f) })
#define FD_T(n) (&(struct xattr_target){ .fd = (n) })

SYSCALL_DEFINE5(setxattr, const char __user *, path, const char __user *, name,
		const void __user *, value, size_t, size, __as_hex int, flags)
{
	return do_setxattr(PATH_T(path, true), name, value, size, flags, false);
}

SYSCALL_DEFINE5(lsetxattr, const char __user *, path, const char __user *, name,
		const void __user *, value, size_t, size, __as_hex int, flags)
{
	return do_setxattr(PATH_T(path, false), name, value, size, flags,
			   false);
}

SYSCALL_DEFINE5(fsetxattr, __as_fd int, fd, const char __user *, name,
		const void __user *, value, size_t, size, __as_hex int, flags)
{
	return do_setxattr(FD_T(fd), name, value, size, flags, false);
}

SYSCALL_DEFINE4(getxattr, const char __user *, path, const char __user *, name,
		void __user *, value, size_t, size)
{
	return do_getxattr(PATH_T(path, true), name, value, size);
}

SYSCALL_DEFINE4(lgetxattr, const char __user *, path, const char __user *, name,
		void __user *, value, size_t, size)
{
	return do_getxattr(PATH_T(path, false), name, value, size);
}

SYSCALL_DEFINE4(fgetxattr, __as_fd int, fd, const char __user *, name,
		void __user *, value, size_t, size)
{
	return do_getxattr(FD_T(fd), name, value, size);
}

SYSCALL_DEFINE3(listxattr, const char __user *, path, void __user *, list,
		size_t, size)
{
	return do_listxattr(PATH_T(path, true), list, size);
}

SYSCALL_DEFINE3(llistxattr, const char __user *, path, void __user *, list,
		size_t, size)
{
	return do_listxattr(PATH_T(path, false), list, size);
}

SYSCALL_DEFINE3(flistxattr, __as_fd int, fd, void __user *, list, size_t, size)
{
	return do_listxattr(FD_T(fd), list, size);
}

SYSCALL_DEFINE2(removexattr, const char __user *, path, const char __user *,
		name)
{
	return do_setxattr(PATH_T(path, true), name, NULL, 0, 0, true);
}

SYSCALL_DEFINE2(lremovexattr, const char __user *, path, const char __user *,
		name)
{
	return do_setxattr(PATH_T(path, false), name, NULL, 0, 0, true);
}

SYSCALL_DEFINE2(fremovexattr, __as_fd int, fd, const char __user *, name)
{
	return do_setxattr(FD_T(fd), name, NULL, 0, 0, true);
}
