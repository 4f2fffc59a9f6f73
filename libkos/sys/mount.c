/*
 * mount(2) and umount2(2): new tmpfs and proc instances on a directory,
 * read-only ones with MS_RDONLY, remounts (MS_REMOUNT: read-only or
 * back, tmpfs's size=), bind mounts (MS_BIND), moves (MS_MOVE), and
 * their removal (fs/vfs.c has the rules); propagation changes (MS_SHARED & co) on a mount's root
 * have no other mount name space to affect and succeed (-EINVAL
 * elsewhere, as Linux); pivot_root(2).
 */
#include <kos/kmalloc.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#include "fs_internal.h"

#define MS_RDONLY 0x1
#define MS_NOSUID 0x2
#define MS_NODEV 0x4
#define MS_NOEXEC 0x8
#define MS_REMOUNT 0x20
#define MS_NOATIME 0x400
#define MS_NODIRATIME 0x800
#define MS_RELATIME 0x200000
#define MS_STRICTATIME 0x1000000
#define MS_BIND 0x1000
#define MS_MOVE 0x2000
#define MS_PROPAGATION (0x20000 | 0x40000 | 0x80000 | 0x100000)
#define MS_MGC_MSK 0xffff0000UL
#define MS_MGC_VAL 0xc0ed0000UL

#define MNT_FORCE 1
#define MNT_DETACH 2
#define MNT_EXPIRE 4
#define UMOUNT_NOFOLLOW 8

/* A short user string (type, source): -EFAULT, or "" for NULL. */
static long get_str(const char __user *u, char *buf, size_t len)
{
	long n;

	buf[0] = 0;
	if (!u)
		return 0;
	n = strncpy_from_user(buf, u, len);
	if (n == -ENAMETOOLONG)
		buf[len - 1] = 0;
	return n < 0 && n != -ENAMETOOLONG ? n : 0;
}

/*
 * MS_BIND, MS_MOVE: the source is a path here, of any length, and has
 * a start directory of its own (switch_root moves "." onto "/").
 */
static long mount_from(const char __user *usource, struct vnode *dir,
		       const char *target, const struct vfs_cred *cred,
		       bool move)
{
	struct vnode *sdir = NULL;
	char *from = NULL;
	long err = usource ? sys_get_path(usource, &from) : -EFAULT;

	if (!err && !from[0])
		err = -ENOENT;
	if (!err)
		err = sys_at_dir(AT_FDCWD, from, false, &sdir);
	if (!err && move)
		err = vfs_move_mount(sdir, from, dir, target, cred);
	else if (!err)
		err = vfs_bind(sdir, from, dir, target, cred);
	vnode_put(sdir);
	kfree(from);
	return err;
}

/*
 * The mount flags of mount(2)'s flags, as Linux's path_mount(): relatime
 * unless noatime or strictatime; a remount that names no atime flag
 * keeps the mount's (VFS_MNT_KEEP_ATIME).
 */
static unsigned long mnt_flags_of(unsigned long flags)
{
	unsigned long f = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV |
				   MS_NOEXEC | MS_NOATIME | MS_NODIRATIME);

	if (flags & MS_STRICTATIME)
		f = (f & ~(unsigned long)VFS_MNT_NOATIME) | VFS_MNT_STRICTATIME;
	if ((flags & MS_REMOUNT) && !(flags & (MS_NOATIME | MS_NODIRATIME |
					       MS_RELATIME | MS_STRICTATIME)))
		f |= VFS_MNT_KEEP_ATIME;
	return f;
}

SYSCALL_DEFINE5(mount, const char __user *, usource, const char __user *,
		utarget, const char __user *, utype, __as_hex unsigned long,
		flags, const void __user *, udata)
{
	char type[32], source[64], *target = NULL, *data = NULL;
	struct vfs_cred cred;
	struct vnode *dir = NULL;
	long err;

	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MSK;
	if ((err = get_str(utype, type, sizeof(type))) ||
	    (err = get_str(usource, source, sizeof(source))))
		return err;
	err = sys_get_path(utarget, &target);
	if (err)
		return err;
	data = kzalloc(PAGE_SIZE);
	if (!data) {
		err = -ENOMEM;
		goto out;
	}
	if (udata && strncpy_from_user(data, udata, PAGE_SIZE) == -EFAULT) {
		err = -EFAULT;
		goto out;
	}
	data[PAGE_SIZE - 1] = 0;
	err = target[0] ? sys_at_dir(AT_FDCWD, target, false, &dir) : -ENOENT;
	if (err)
		goto out;
	sys_cur_cred(&cred, false);
	/* Linux's order of precedence (path_mount()). */
	if (flags & MS_REMOUNT) {
		err = vfs_remount(dir, target, mnt_flags_of(flags), data,
				  flags & MS_BIND, &cred);
	} else if (flags & MS_BIND) {
		err = mount_from(usource, dir, target, &cred, false);
	} else if (flags & MS_PROPAGATION) {
		err = vfs_mount_root(dir, target, &cred);
	} else if (flags & MS_MOVE) {
		err = mount_from(usource, dir, target, &cred, true);
	} else {
		/*
		 * Both paths from the working directory: an absolute target
		 * ignores it, a relative source (a disk's node) needs it.
		 */
		struct vnode *cwd = NULL;

		err = sys_at_dir(AT_FDCWD, ".", false, &cwd);
		if (!err)
			err = vfs_mount_new(cwd, target, type, source,
					    mnt_flags_of(flags), data, &cred);
		vnode_put(cwd);
	}
	vnode_put(dir);
out:
	kfree(data);
	kfree(target);
	return err;
}

SYSCALL_DEFINE2(umount2, const char __user *, utarget, __as_hex int, flags)
{
	struct vfs_cred cred;
	struct vnode *dir = NULL;
	char *target;
	long err;

	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH)))
		return -EINVAL;
	err = sys_get_path(utarget, &target);
	if (err)
		return err;
	err = target[0] ? sys_at_dir(AT_FDCWD, target, false, &dir) : -ENOENT;
	if (!err) {
		sys_cur_cred(&cred, false);
		err = vfs_umount(dir, target, flags & UMOUNT_NOFOLLOW,
				 flags & MNT_DETACH, &cred);
		vnode_put(dir);
	}
	kfree(target);
	return err;
}

/* pivot_root(2): fs/vfs.c's vfs_pivot_root has the rules. */
SYSCALL_DEFINE2(pivot_root, const char __user *, unew, const char __user *,
		uold)
{
	char *npath = NULL, *opath = NULL;
	struct vnode *ndir = NULL, *odir = NULL;
	struct vfs_cred cred;
	long err;

	sys_cur_cred(&cred, false);
	if (!vfs_capable(&cred, CAP_SYS_ADMIN))
		return -EPERM;
	err = sys_get_path(unew, &npath);
	if (!err && !npath[0])
		err = -ENOENT;
	if (!err)
		err = sys_at_dir(AT_FDCWD, npath, false, &ndir);
	if (!err) {
		/* new_root's errors before put_old is even read, as Linux */
		struct vnode *v;

		err = vfs_lookup(ndir, npath, LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
				 &cred, &v);
		if (!err)
			vnode_put(v);
	}
	if (!err)
		err = sys_get_path(uold, &opath);
	if (!err && !opath[0])
		err = -ENOENT;
	if (!err)
		err = sys_at_dir(AT_FDCWD, opath, false, &odir);
	if (!err)
		err = vfs_pivot_root(ndir, npath, odir, opath, &cred);
	vnode_put(odir);
	vnode_put(ndir);
	kfree(opath);
	kfree(npath);
	return err;
}
