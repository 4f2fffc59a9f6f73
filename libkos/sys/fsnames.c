/*
 * The name-space system calls: mkdir, mknod, symlink, link, unlink,
 * rmdir and rename in all their *at() forms, and the attribute calls:
 * chmod, chown and the utime family.  Each checks its flags the way
 * Linux does before it looks at a path, copies the path(s) in and hands
 * the work to the VFS (vfs_*at(), vfs_setattr()), which keeps Linux's
 * order of errors.
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
#include <uapi/stat.h>
#include <uapi/time.h>

#include "fs_internal.h"

/*
 * A path argument and the directory it starts from: *path (kfree it) and
 * *dir (a reference, NULL for an absolute path).  "" is -ENOENT.
 */
static long path_at(int dfd, const char __user *upath, char **path,
		    struct vnode **dir)
{
	long err = sys_get_path(upath, path);

	if (err)
		return err;
	if ((*path)[0] == 0)
		err = -ENOENT;
	else
		err = sys_at_dir(dfd, *path, false, dir);
	if (err)
		kfree(*path);
	return err;
}

/* ---- creating names ------------------------------------------------- */

SYSCALL_DEFINE3(mkdirat, __as_fd int, dfd, const char __user *, upath,
		__as_oct umode_t, mode)
{
	struct vfs_cred cred;
	struct vnode *dir;
	char *path;
	long err = path_at(dfd, upath, &path, &dir);

	if (err)
		return err;
	sys_cur_cred(&cred, false);
	err = vfs_mkdirat(dir, path, mode & 01777 & ~sys_cur_umask(), &cred);
	vnode_put(dir);
	kfree(path);
	return err;
}

SYSCALL_DEFINE2(mkdir, const char __user *, path, __as_oct umode_t, mode)
{
	return sys_mkdirat(AT_FDCWD, path, mode);
}

/* The dev_t of mknod(2) (Linux's new_decode_dev()) as a KDEV(). */
static uint32_t decode_dev(unsigned int dev)
{
	return KDEV((dev & 0xfff00) >> 8,
		    (dev & 0xff) | ((dev >> 12) & 0xfff00));
}

/* Linux's may_mknod() comes first: the type, before the path. */
SYSCALL_DEFINE4(mknodat, __as_fd int, dfd, const char __user *, upath,
		__as_oct umode_t, mode, unsigned int, dev)
{
	uint32_t type = mode & S_IFMT;
	struct vfs_cred cred;
	struct vnode *dir;
	char *path;
	long err;

	if (type == S_IFDIR)
		return -EPERM;
	if (type && type != S_IFREG && type != S_IFCHR && type != S_IFBLK &&
	    type != S_IFIFO && type != S_IFSOCK)
		return -EINVAL;
	err = path_at(dfd, upath, &path, &dir);
	if (err)
		return err;
	sys_cur_cred(&cred, false);
	err = vfs_mknodat(dir, path, type | (mode & 07777 & ~sys_cur_umask()),
			  decode_dev(dev), &cred);
	vnode_put(dir);
	kfree(path);
	return err;
}

SYSCALL_DEFINE3(mknod, const char __user *, path, __as_oct umode_t, mode,
		unsigned int, dev)
{
	return sys_mknodat(AT_FDCWD, path, mode, dev);
}

SYSCALL_DEFINE3(symlinkat, const char __user *, utarget, __as_fd int, dfd,
		const char __user *, upath)
{
	struct vfs_cred cred;
	struct vnode *dir;
	char *target, *path;
	long err = sys_get_path(utarget, &target);

	if (err)
		return err;
	if (target[0] == 0) {
		kfree(target);
		return -ENOENT;
	}
	err = path_at(dfd, upath, &path, &dir);
	if (err) {
		kfree(target);
		return err;
	}
	sys_cur_cred(&cred, false);
	err = vfs_symlinkat(target, dir, path, &cred);
	vnode_put(dir);
	kfree(path);
	kfree(target);
	return err;
}

SYSCALL_DEFINE2(symlink, const char __user *, target, const char __user *, path)
{
	return sys_symlinkat(target, AT_FDCWD, path);
}

/*
 * AT_EMPTY_PATH links the file open on olddfd (any fd, O_PATH too), but
 * only with CAP_DAC_READ_SEARCH; without it "" is -ENOENT, as Linux.
 */
SYSCALL_DEFINE5(linkat, __as_fd int, odfd, const char __user *, uopath,
		__as_fd int, ndfd, const char __user *, unpath, __as_hex int,
		flags)
{
	struct vnode *odir = NULL, *ndir = NULL;
	char *opath = NULL, *npath = NULL;
	unsigned int lflags = 0;
	struct vfs_cred cred;
	long err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	sys_cur_cred(&cred, false);
	if (flags & AT_SYMLINK_FOLLOW)
		lflags |= LOOKUP_FOLLOW;
	if ((flags & AT_EMPTY_PATH) && vfs_capable(&cred, CAP_DAC_READ_SEARCH))
		lflags |= LOOKUP_EMPTY;
	err = sys_get_path(uopath, &opath);
	if (err)
		return err;
	if (opath[0] == 0 && !(lflags & LOOKUP_EMPTY))
		err = -ENOENT;
	else
		err = sys_at_dir(odfd, opath, opath[0] == 0, &odir);
	if (!err)
		err = path_at(ndfd, unpath, &npath, &ndir);
	if (!err) {
		err = vfs_linkat(odir, opath, ndir, npath, lflags, &cred);
		kfree(npath);
	}
	vnode_put(ndir);
	vnode_put(odir);
	kfree(opath);
	return err;
}

SYSCALL_DEFINE2(link, const char __user *, opath, const char __user *, npath)
{
	return sys_linkat(AT_FDCWD, opath, AT_FDCWD, npath, 0);
}

/* ---- removing and renaming ------------------------------------------ */

SYSCALL_DEFINE3(unlinkat, __as_fd int, dfd, const char __user *, upath,
		__as_hex int, flags)
{
	struct vfs_cred cred;
	struct vnode *dir;
	char *path;
	long err;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	err = path_at(dfd, upath, &path, &dir);
	if (err)
		return err;
	sys_cur_cred(&cred, false);
	err = vfs_unlinkat(dir, path, (flags & AT_REMOVEDIR) != 0, &cred);
	vnode_put(dir);
	kfree(path);
	return err;
}

SYSCALL_DEFINE1(unlink, const char __user *, path)
{
	return sys_unlinkat(AT_FDCWD, path, 0);
}

SYSCALL_DEFINE1(rmdir, const char __user *, path)
{
	return sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

/*
 * RENAME_WHITEOUT needs CAP_MKNOD (-EPERM) and then a whiteout device,
 * which KOS does not create: -EINVAL.
 */
SYSCALL_DEFINE5(renameat2, __as_fd int, odfd, const char __user *, uopath,
		__as_fd int, ndfd, const char __user *, unpath,
		__as_hex unsigned int, flags)
{
	struct vnode *odir = NULL, *ndir = NULL;
	char *opath = NULL, *npath = NULL;
	struct vfs_cred cred;
	long err;

	if (flags &
	    ~(VFS_RENAME_NOREPLACE | VFS_RENAME_EXCHANGE | VFS_RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & (VFS_RENAME_NOREPLACE | VFS_RENAME_WHITEOUT)) &&
	    (flags & VFS_RENAME_EXCHANGE))
		return -EINVAL;
	sys_cur_cred(&cred, false);
	if (flags & VFS_RENAME_WHITEOUT)
		return vfs_capable(&cred, CAP_MKNOD) ? -EINVAL : -EPERM;
	err = path_at(odfd, uopath, &opath, &odir);
	if (err)
		return err;
	err = path_at(ndfd, unpath, &npath, &ndir);
	if (!err) {
		err = vfs_renameat(odir, opath, ndir, npath, flags, &cred);
		vnode_put(ndir);
		kfree(npath);
	}
	vnode_put(odir);
	kfree(opath);
	return err;
}

SYSCALL_DEFINE4(renameat, __as_fd int, odfd, const char __user *, opath,
		__as_fd int, ndfd, const char __user *, npath)
{
	return sys_renameat2(odfd, opath, ndfd, npath, 0);
}

SYSCALL_DEFINE2(rename, const char __user *, opath, const char __user *, npath)
{
	return sys_renameat2(AT_FDCWD, opath, AT_FDCWD, npath, 0);
}

/* ---- attributes ----------------------------------------------------- */

/* vfs_setattr() on the caller's behalf; consumes the reference to v. */
static long setattr_put(struct vnode *v, struct vfs_attr *a)
{
	struct vfs_cred cred;
	long err;

	sys_cur_cred(&cred, false);
	err = vfs_setattr(v, a, &cred);
	vnode_put(v);
	return err;
}

/* The vnode behind fd for f*() calls: O_PATH descriptors are -EBADF. */
static long fd_vnode(unsigned int fd, struct vnode **out)
{
	struct file *f = fd_get_file(fdarg(fd));
	long err = 0;

	if (!f)
		return -EBADF;
	if ((f->fmode & FMODE_PATH) || !f->vnode)
		err = -EBADF;
	else
		vnode_get(*out = f->vnode);
	file_put(f);
	return err;
}

/* A path (following symlinks unless nofollow) for the attribute calls. */
static long attr_lookup(int dfd, const char __user *path, bool nofollow,
			bool empty, struct vnode **out)
{
	struct vfs_cred cred;

	sys_cur_cred(&cred, false);
	return sys_user_lookup(dfd, path, nofollow ? 0 : LOOKUP_FOLLOW, empty,
			       &cred, out);
}

static long chmod_vnode(struct vnode *v, umode_t mode)
{
	struct vfs_attr a = { .valid = VFS_ATTR_MODE, .mode = mode & 07777 };

	return setattr_put(v, &a);
}

SYSCALL_DEFINE3(fchmodat, __as_fd int, dfd, const char __user *, path,
		__as_oct umode_t, mode)
{
	struct vnode *v;
	long err = attr_lookup(dfd, path, false, false, &v);

	return err ? err : chmod_vnode(v, mode);
}

SYSCALL_DEFINE2(chmod, const char __user *, path, __as_oct umode_t, mode)
{
	return sys_fchmodat(AT_FDCWD, path, mode);
}

SYSCALL_DEFINE2(fchmod, __as_fd unsigned int, fd, __as_oct umode_t, mode)
{
	struct vnode *v;
	long err = fd_vnode(fd, &v);

	return err ? err : chmod_vnode(v, mode);
}

/*
 * Linux's chown_common(): -1 leaves an id as it is, and any chown of a
 * non-directory drops setuid (and setgid if group-executable).
 */
static long chown_vnode(struct vnode *v, unsigned int uid, unsigned int gid)
{
	struct vfs_attr a = { .uid = uid, .gid = gid };

	if (uid != (unsigned int)-1)
		a.valid |= VFS_ATTR_UID;
	if (gid != (unsigned int)-1)
		a.valid |= VFS_ATTR_GID;
	if (!S_ISDIR(v->mode))
		a.valid |= VFS_ATTR_KILL_SUID;
	return setattr_put(v, &a);
}

SYSCALL_DEFINE5(fchownat, __as_fd int, dfd, const char __user *, path,
		unsigned int, uid, unsigned int, gid, __as_hex int, flags)
{
	struct vnode *v;
	long err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = attr_lookup(dfd, path, flags & AT_SYMLINK_NOFOLLOW,
			  flags & AT_EMPTY_PATH, &v);
	return err ? err : chown_vnode(v, uid, gid);
}

SYSCALL_DEFINE3(chown, const char __user *, path, unsigned int, uid,
		unsigned int, gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, 0);
}

SYSCALL_DEFINE3(lchown, const char __user *, path, unsigned int, uid,
		unsigned int, gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE3(fchown, __as_fd unsigned int, fd, unsigned int, uid,
		unsigned int, gid)
{
	struct vnode *v;
	long err = fd_vnode(fd, &v);

	return err ? err : chown_vnode(v, uid, gid);
}

#define UTIME_NOW_NS ((1L << 30) - 1)
#define UTIME_OMIT_NS ((1L << 30) - 2)

/* One of utimensat's times into a; false if its nanoseconds are bad. */
static bool utime_field(const struct timespec *ts, struct vfs_attr *a,
			bool mtime)
{
	unsigned int set = mtime ? VFS_ATTR_MTIME : VFS_ATTR_ATIME;
	unsigned int now = mtime ? VFS_ATTR_MTIME_NOW : VFS_ATTR_ATIME_NOW;
	struct vfs_time *t = mtime ? &a->mtime : &a->atime;

	if (ts->tv_nsec == UTIME_OMIT_NS)
		return true;
	if (ts->tv_nsec == UTIME_NOW_NS) {
		a->valid |= set | now;
		return true;
	}
	if (ts->tv_nsec < 0 || ts->tv_nsec > 999999999)
		return false;
	a->valid |= set;
	t->sec = ts->tv_sec;
	t->nsec = (uint32_t)ts->tv_nsec;
	return true;
}

/*
 * Linux's do_utimes(): times NULL (both now), the file by path or, with
 * a NULL path, by dfd; flags checked first, then the file, then the
 * nanoseconds.
 */
static long do_utimes(int dfd, const char __user *path,
		      const struct timespec *times, int flags)
{
	struct vfs_attr a = { 0 };
	struct vnode *v;
	long err;

	if (!path && dfd != AT_FDCWD) {
		if (flags)
			return -EINVAL;
		err = fd_vnode((unsigned int)dfd, &v);
	} else {
		if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
			return -EINVAL;
		err = attr_lookup(dfd, path, flags & AT_SYMLINK_NOFOLLOW,
				  flags & AT_EMPTY_PATH, &v);
	}
	if (err)
		return err;
	if (!times) {
		a.valid = VFS_ATTR_ATIME | VFS_ATTR_MTIME | VFS_ATTR_ATIME_NOW |
			  VFS_ATTR_MTIME_NOW;
	} else if (!utime_field(&times[0], &a, false) ||
		   !utime_field(&times[1], &a, true)) {
		vnode_put(v);
		return -EINVAL;
	}
	/*
	 * Times given are the owner's to set (-EPERM), unless both are
	 * "now": that is a touch, for which write permission is enough.
	 */
	if (times &&
	    !((a.valid & VFS_ATTR_ATIME_NOW) && (a.valid & VFS_ATTR_MTIME_NOW)))
		a.valid |= VFS_ATTR_TIMES_SET;
	return setattr_put(v, &a);
}

/* Both UTIME_OMIT: nothing to do, not even the path is looked at. */
SYSCALL_DEFINE4(utimensat, __as_fd int, dfd, const char __user *, path,
		const struct timespec __user *, utimes, __as_hex int, flags)
{
	struct timespec ts[2];

	if (!utimes)
		return do_utimes(dfd, path, NULL, flags);
	if (copy_from_user(ts, utimes, sizeof(ts)))
		return -EFAULT;
	if (ts[0].tv_nsec == UTIME_OMIT_NS && ts[1].tv_nsec == UTIME_OMIT_NS)
		return 0;
	return do_utimes(dfd, path, ts, flags);
}

/* utimes(2)/futimesat(2): microseconds, checked before the path. */
SYSCALL_DEFINE3(futimesat, __as_fd int, dfd, const char __user *, path,
		const struct timeval __user *, utimes)
{
	struct timeval tv[2];
	struct timespec ts[2];

	if (!utimes)
		return do_utimes(dfd, path, NULL, 0);
	if (copy_from_user(tv, utimes, sizeof(tv)))
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return do_utimes(dfd, path, ts, 0);
}

SYSCALL_DEFINE2(utimes, const char __user *, path,
		const struct timeval __user *, utimes)
{
	return sys_futimesat(AT_FDCWD, path, utimes);
}

struct utimbuf_k {
	long actime, modtime;
};

SYSCALL_DEFINE2(utime, const char __user *, path,
		const struct utimbuf_k __user *, times)
{
	struct utimbuf_k ub;
	struct timespec ts[2];

	if (!times)
		return do_utimes(AT_FDCWD, path, NULL, 0);
	if (copy_from_user(&ub, times, sizeof(ub)))
		return -EFAULT;
	ts[0].tv_sec = ub.actime;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = ub.modtime;
	ts[1].tv_nsec = 0;
	return do_utimes(AT_FDCWD, path, ts, 0);
}
