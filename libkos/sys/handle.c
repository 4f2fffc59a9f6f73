/*
 * name_to_handle_at(2) and open_by_handle_at(2).  No KOS file system
 * can encode or decode file handles yet, so after Linux's argument
 * checks name_to_handle_at answers -EOPNOTSUPP (what Linux says for a
 * file system without export operations, such as proc) and
 * open_by_handle_at -ESTALE (what Linux says when the mount's file
 * system cannot decode a handle).  The order of the checks is Linux's
 * (6.x), measured on the host:
 *
 *   name_to_handle_at: unknown flags, or AT_HANDLE_FID with
 *     AT_HANDLE_CONNECTABLE (-EINVAL); the path (-EBADF, -EFAULT,
 *     -ENOENT, ...); then the file system (-EOPNOTSUPP) -- before the
 *     handle and mnt_id pointers are looked at.
 *   open_by_handle_at: the handle's header (-EFAULT), handle_bytes 0 or
 *     above MAX_HANDLE_SZ (-EINVAL), mountdirfd (-EBADF), the
 *     capability to decode (CAP_DAC_READ_SEARCH, else -EPERM), the
 *     handle's bytes (-EFAULT); then -ESTALE.
 *
 * check/contract/divergences.txt lists where Linux's tmpfs differs
 * (it encodes handles).
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#include "fs_internal.h"

#define MAX_HANDLE_SZ 128
#define AT_HANDLE_MNT_ID_UNIQUE 0x001
#define AT_HANDLE_CONNECTABLE 0x002
#define AT_HANDLE_FID 0x200

/* struct file_handle's fixed part; f_handle[handle_bytes] follows. */
struct file_handle {
	uint32_t handle_bytes;
	int32_t handle_type;
};

SYSCALL_DEFINE5(name_to_handle_at, __as_fd int, dfd, const char __user *, path,
		struct file_handle __user *, handle, void __user *, mnt_id,
		__as_hex int, flags)
{
	unsigned int lflags = 0;
	struct vfs_cred cred;
	struct vnode *v;
	long err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH | AT_HANDLE_FID |
		      AT_HANDLE_MNT_ID_UNIQUE | AT_HANDLE_CONNECTABLE))
		return -EINVAL;
	if ((flags & AT_HANDLE_FID) && (flags & AT_HANDLE_CONNECTABLE))
		return -EINVAL;
	if (flags & AT_SYMLINK_FOLLOW)
		lflags |= LOOKUP_FOLLOW;
	sys_cur_cred(&cred, false);
	err = sys_user_lookup(dfd, path, lflags, flags & AT_EMPTY_PATH, &cred,
			      &v);
	if (err)
		return err;
	vnode_put(v);
	return -EOPNOTSUPP; /* no file system here exports handles */
}

SYSCALL_DEFINE3(open_by_handle_at, __as_fd int, mountdirfd,
		struct file_handle __user *, handle, __as_hex int, flags)
{
	struct file_handle h;
	struct vfs_cred cred;
	struct file *f;
	char *bytes;

	if (copy_from_user(&h, handle, sizeof(h)))
		return -EFAULT;
	if (h.handle_bytes == 0 || h.handle_bytes > MAX_HANDLE_SZ)
		return -EINVAL;
	if (mountdirfd != AT_FDCWD) {
		f = fd_get_file(mountdirfd);
		if (!f)
			return -EBADF;
		file_put(f);
	}
	sys_cur_cred(&cred, false);
	if (!vfs_capable(&cred, CAP_DAC_READ_SEARCH))
		return -EPERM;
	bytes = kmalloc(h.handle_bytes);
	if (!bytes)
		return -ENOMEM;
	if (copy_from_user(bytes, (const char *)handle + sizeof(h),
			   h.handle_bytes)) {
		kfree(bytes);
		return -EFAULT;
	}
	kfree(bytes);
	return -ESTALE; /* KOS never made this handle: nothing decodes it */
}
