/*
 * File-system system calls: the thin layer between the Linux ABI and the
 * VFS.  Each handler copies its user arguments in (paths through
 * strncpy_from_user, structures through copy_from_user), resolves the
 * directory fd / cwd and the caller's credentials, calls the kernel-side
 * vfs_* / file_* function and copies results out.  Data for read/write
 * goes straight between the file's ops and user memory through a uio.
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/notify.h>
#include <kos/kmalloc.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/ioctl.h>
#include <uapi/limits.h>
#include <uapi/stat.h>
#include <uapi/uio.h>

#include "fs_internal.h"

unsigned int sys_cur_umask(void)
{
	struct uthread *ut = uthread_current();

	return ut && ut->fs ? ut->fs->umask : 022;
}

void sys_cur_cred(struct vfs_cred *c, bool real)
{
	proc_vfs_cred(proc_current(), c, real);
}
#define cur_cred sys_cur_cred

struct vnode *sys_cur_cwd(void)
{
	struct uthread *ut = uthread_current();
	struct vnode *v;

	if (ut && ut->fs)
		return fs_info_cwd(ut->fs);
	v = vfs_root();
	vnode_get(v);
	return v;
}
#define cur_cwd sys_cur_cwd

/*
 * Copy a user path into a new PATH_MAX kernel buffer (*out, kfree it).
 * -EFAULT, -ENAMETOOLONG; an empty path is returned as "" (callers decide).
 */
long sys_get_path(const char *upath, char **out)
{
	char *k = kmalloc(PATH_MAX);
	long n;

	if (!k)
		return -ENOMEM;
	n = strncpy_from_user(k, upath, PATH_MAX);
	if (n < 0) {
		kfree(k);
		return n;
	}
	*out = k;
	return 0;
}

/*
 * The directory a *at() call starts from: the cwd for AT_FDCWD, else the
 * directory open on dfd (-EBADF, -ENOTDIR).  For an absolute path dfd is
 * not looked at.  With empty_ok, dfd may be any file (AT_EMPTY_PATH).
 * *out: new reference.
 */
int sys_at_dir(int dfd, const char *path, bool empty_ok, struct vnode **out)
{
	struct file *f;

	if (path[0] == '/') {
		*out = NULL;
		return 0;
	}
	if (dfd == AT_FDCWD) {
		*out = cur_cwd();
		return 0;
	}
	f = fd_get_file(dfd);
	if (!f)
		return -EBADF;
	if (!f->vnode || (!empty_ok && !S_ISDIR(f->vnode->mode))) {
		file_put(f);
		return -ENOTDIR;
	}
	vnode_get(f->vnode);
	*out = f->vnode;
	file_put(f);
	return 0;
}

/*
 * Resolve (dfd, upath) to a referenced vnode.  AT_EMPTY_PATH with "" gives
 * dfd's own vnode; otherwise "" is -ENOENT.
 */
static int user_lookup_e(int dfd, const char *upath, unsigned int lflags,
			 bool empty_path, const struct vfs_cred *cred,
			 struct vnode **out, bool *was_empty)
{
	struct vnode *dir;
	char *path;
	long err;

	err = sys_get_path(upath, &path);
	if (err)
		return (int)err;
	if (was_empty)
		*was_empty = path[0] == 0;
	if (path[0] == 0 && !empty_path) {
		kfree(path);
		return -ENOENT;
	}
	err = sys_at_dir(dfd, path, path[0] == 0, &dir);
	if (!err) {
		if (path[0] == 0) {
			*out = dir;
			dir = NULL;
		} else {
			err = vfs_lookup(dir, path, lflags, cred, out);
		}
		vnode_put(dir);
	}
	kfree(path);
	return (int)err;
}

int sys_user_lookup(int dfd, const char *upath, unsigned int lflags,
		    bool empty_path, const struct vfs_cred *cred,
		    struct vnode **out)
{
	return user_lookup_e(dfd, upath, lflags, empty_path, cred, out, NULL);
}

/* ---- open, close, I/O ----------------------------------------------- */

SYSCALL_DEFINE4(openat, __as_fd int, dfd, const char __user *, upath,
		__as_hex int, flags, __as_oct umode_t, mode)
{
	struct fdtable *fdt = sys_cur_fdt();
	struct vfs_cred cred;
	struct vnode *dir;
	struct file *f;
	char *path;
	long err;
	int fd;

	if (!fdt)
		return -EMFILE;
	/*
	 * O_PATH drops every other flag (vfs_openat()).  Otherwise O_TMPFILE
	 * needs O_DIRECTORY and write access (EINVAL, as Linux).
	 */
	if ((flags & __O_TMPFILE) && !(flags & O_PATH) &&
	    (!(flags & O_DIRECTORY) || !(flags & O_ACCMODE)))
		return -EINVAL;
	err = sys_get_path(upath, &path);
	if (err)
		return err;
	if (path[0] == 0) {
		err = -ENOENT;
		goto out;
	}
	err = sys_at_dir(dfd, path, false, &dir);
	if (err)
		goto out;
	cur_cred(&cred, false);
	err = vfs_openat(dir, path, flags, mode & 07777 & ~sys_cur_umask(),
			 &cred, &f);
	vnode_put(dir);
	if (err)
		goto out;
	fd = fdt_install(fdt, f, 0, (flags & O_CLOEXEC) != 0);
	if (fd < 0)
		file_put(f);
	err = fd;
out:
	kfree(path);
	return err;
}

SYSCALL_DEFINE3(open, const char __user *, path, __as_hex int, flags,
		__as_oct umode_t, mode)
{
	return sys_openat(AT_FDCWD, path, flags, mode);
}

/* creat: open(path, O_CREAT | O_WRONLY | O_TRUNC, mode), as Linux. */
SYSCALL_DEFINE2(creat, const char __user *, path, __as_oct umode_t, mode)
{
	return sys_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/*
 * Linux refuses bad ranges (its access_ok(), EFAULT) and then counts that
 * are negative as ssize_t (EINVAL).
 */
static long check_buf(unsigned long buf, unsigned long count)
{
	if (count && !user_range_ok(buf, count))
		return -EFAULT;
	if ((long)count < 0)
		return -EINVAL;
	return 0;
}

/*
 * Linux checks the descriptor's access mode before it looks at the
 * buffer: read(2) on a write-only fd is EBADF whatever the pointer.
 */
static bool mode_allows(const struct file *f, bool wr)
{
	return !(f->fmode & FMODE_PATH) &&
	       (f->fmode & (wr ? FMODE_WRITE : FMODE_READ));
}

static long do_rw(unsigned int fd, unsigned long buf, unsigned long count,
		  int64_t pos, bool wr)
{
	bool counted;
	struct file *f = fd_get_light(fdarg(fd), &counted);
	struct uio u;
	long r;

	if (!f)
		return -EBADF;
	/* Linux's order: O_PATH, pread on a pipe/tty, the access mode. */
	if (f->fmode & FMODE_PATH)
		r = -EBADF;
	else if (pos >= 0 && !(f->fmode & FMODE_PREAD))
		r = -ESPIPE;
	else if (!mode_allows(f, wr))
		r = -EBADF;
	else
		r = check_buf(buf, count);
	if (!r) {
		uio_init_user(&u, buf, count);
		r = wr ? file_write(f, &u, pos) : file_read(f, &u, pos);
	}
	fd_put_light(f, counted);
	return r;
}

SYSCALL_DEFINE3(read, __as_fd unsigned int, fd, void __user *, buf, size_t,
		count)
{
	return do_rw(fd, (unsigned long)buf, count, -1, false);
}

SYSCALL_DEFINE3(write, __as_fd unsigned int, fd, const void __user *, buf,
		size_t, count)
{
	return do_rw(fd, (unsigned long)buf, count, -1, true);
}

/* A negative offset is EINVAL before the fd is looked at (Linux). */
SYSCALL_DEFINE4(pread64, __as_fd unsigned int, fd, void __user *, buf, size_t,
		count, long, pos)
{
	if (pos < 0)
		return -EINVAL;
	return do_rw(fd, (unsigned long)buf, count, pos, false);
}

SYSCALL_DEFINE4(pwrite64, __as_fd unsigned int, fd, const void __user *, buf,
		size_t, count, long, pos)
{
	if (pos < 0)
		return -EINVAL;
	return do_rw(fd, (unsigned long)buf, count, pos, true);
}

/*
 * readv/writev and the p and 2 forms: copy in and check the vector
 * (-EINVAL for a bad count or a total that overflows ssize_t, -EFAULT
 * for a bad vector or buffer); transfers are capped at MAX_RW_COUNT like
 * every read/write.  pos < 0: at the file's position; else there, which
 * a pipe or tty refuses (-ESPIPE).  flags: preadv2's RWF_*, looked at
 * only when there is something to transfer, as Linux: RWF_HIPRI changes
 * nothing without O_DIRECT; RWF_DSYNC and RWF_SYNC make a write to a
 * file with an fsync method fdatasync/fsync it; RWF_NOWAIT and
 * RWF_APPEND (and newer ones) KOS does not do yet and refuses with
 * Linux's answer to a flag it lacks, EOPNOTSUPP.
 */
static long do_rwv(unsigned int fd, const struct iovec __user *uiov,
		   unsigned long cnt, int64_t pos, int flags, bool wr)
{
	struct file *f = fd_get_file(fdarg(fd));
	struct iovec *iov = NULL;
	struct uio u;
	uint64_t total = 0;
	long r = 0;

	if (!f)
		return -EBADF;
	if (pos >= 0 && !(f->fmode & FMODE_PREAD)) {
		r = -ESPIPE;
		goto out;
	}
	if (!mode_allows(f, wr)) {
		r = -EBADF;
		goto out;
	}
	if (cnt > UIO_MAXIOV) {
		r = -EINVAL;
		goto out;
	}
	if (cnt == 0)
		goto out;
	iov = kmalloc(cnt * sizeof(*iov));
	if (!iov) {
		r = -ENOMEM;
		goto out;
	}
	if (copy_from_user(iov, uiov, cnt * sizeof(*iov))) {
		r = -EFAULT;
		goto out;
	}
	for (unsigned long i = 0; i < cnt; i++) {
		if ((int64_t)iov[i].iov_len < 0 ||
		    total + iov[i].iov_len > INT64_MAX) {
			r = -EINVAL;
			goto out;
		}
		if (iov[i].iov_len &&
		    !user_range_ok((unsigned long)iov[i].iov_base,
				   iov[i].iov_len)) {
			r = -EFAULT;
			goto out;
		}
		total += iov[i].iov_len;
	}
	if (total && (flags & ~(RWF_HIPRI | RWF_DSYNC | RWF_SYNC))) {
		r = -EOPNOTSUPP;
		goto out;
	}
	u.iov = iov;
	u.nr = (unsigned int)cnt;
	u.idx = 0;
	u.off = 0;
	u.resid = (size_t)total;
	u.user = true;
	r = wr ? file_write(f, &u, pos) : file_read(f, &u, pos);
	if (r > 0 && wr && (flags & (RWF_DSYNC | RWF_SYNC)) && f->ops->fsync) {
		int err = f->ops->fsync(f, !(flags & RWF_SYNC));

		if (err)
			r = err;
	}
out:
	kfree(iov);
	file_put(f);
	return r;
}

SYSCALL_DEFINE3(readv, __as_fd unsigned int, fd, const struct iovec __user *,
		iov, unsigned long, iovcnt)
{
	return do_rwv(fd, iov, iovcnt, -1, 0, false);
}

SYSCALL_DEFINE3(writev, __as_fd unsigned int, fd, const struct iovec __user *,
		iov, unsigned long, iovcnt)
{
	return do_rwv(fd, iov, iovcnt, -1, 0, true);
}

/*
 * preadv/pwritev (and the 2 forms): the offset comes as two longs for
 * 32-bit callers; on x86-64 pos_l is all of it (Linux's pos_from_hilo).
 * Linux's fd is an unsigned long that fdget() cuts to unsigned int.
 * A negative offset is EINVAL before the fd is looked at, as pread64.
 */
SYSCALL_DEFINE5(preadv, __as_fd unsigned int, fd, const struct iovec __user *,
		iov, unsigned long, iovcnt, unsigned long, pos_l, unsigned long,
		pos_h)
{
	if ((long)pos_l < 0)
		return -EINVAL;
	return do_rwv(fd, iov, iovcnt, (int64_t)pos_l, 0, false);
}

SYSCALL_DEFINE5(pwritev, __as_fd unsigned int, fd, const struct iovec __user *,
		iov, unsigned long, iovcnt, unsigned long, pos_l, unsigned long,
		pos_h)
{
	if ((long)pos_l < 0)
		return -EINVAL;
	return do_rwv(fd, iov, iovcnt, (int64_t)pos_l, 0, true);
}

/* preadv2/pwritev2: offset -1 is the file's position (readv/writev). */
static long do_rwv2(unsigned int fd, const struct iovec __user *iov,
		    unsigned long iovcnt, unsigned long pos_l, int flags,
		    bool wr)
{
	if ((long)pos_l < -1)
		return -EINVAL;
	return do_rwv(fd, iov, iovcnt, (int64_t)pos_l, flags, wr);
}

SYSCALL_DEFINE6(preadv2, __as_fd unsigned int, fd, const struct iovec __user *,
		iov, unsigned long, iovcnt, unsigned long, pos_l, unsigned long,
		pos_h, __as_hex int, flags)
{
	return do_rwv2(fd, iov, iovcnt, pos_l, flags, false);
}

SYSCALL_DEFINE6(pwritev2, __as_fd unsigned int, fd, const struct iovec __user *,
		iov, unsigned long, iovcnt, unsigned long, pos_l, unsigned long,
		pos_h, __as_hex int, flags)
{
	return do_rwv2(fd, iov, iovcnt, pos_l, flags, true);
}

SYSCALL_DEFINE3(lseek, __as_fd unsigned int, fd, long, off, unsigned int,
		whence)
{
	struct file *f = fd_get_file(fdarg(fd));
	long r;

	if (!f)
		return -EBADF;
	r = whence > SEEK_HOLE ? -EINVAL : file_lseek(f, off, (int)whence);
	file_put(f);
	return r;
}

/* Linux's order: a regular file, then writers' exclusion, then size. */
static long do_truncate(struct vnode *v, long length)
{
	long err;

	if (S_ISDIR(v->mode))
		return -EISDIR;
	if (!S_ISREG(v->mode))
		return -EINVAL;
	err = vnode_get_write(v); /* a running program: ETXTBSY */
	if (err)
		return err;
	err = v->ops->truncate ? v->ops->truncate(v, (uint64_t)length)
			       : -EINVAL;
	vnode_put_write(v);
	if (!err)
		fsnotify_change(v, IN_MODIFY);
	return err;
}

/*
 * Linux's order (6.x): no such fd (EBADF), a negative length (EINVAL),
 * an O_PATH fd (EBADF), then a file that is not regular or not open for
 * writing (EINVAL).
 */
SYSCALL_DEFINE2(ftruncate, __as_fd unsigned int, fd, long, length)
{
	struct file *f;
	long err;

	f = fd_get_file((int)fd);
	if (!f)
		return -EBADF;
	if (length < 0)
		err = -EINVAL;
	else if (f->fmode & FMODE_PATH)
		err = -EBADF;
	else if (!f->vnode || !S_ISREG(f->vnode->mode) ||
		 !(f->fmode & FMODE_WRITE))
		err = -EINVAL;
	else
		err = do_truncate(f->vnode, length);
	file_put(f);
	return err;
}

SYSCALL_DEFINE2(truncate, const char __user *, path, long, length)
{
	struct vfs_cred cred;
	struct vnode *v;
	long err;

	if (length < 0)
		return -EINVAL;
	cur_cred(&cred, false);
	err = sys_user_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, false, &cred, &v);
	if (err)
		return err;
	/* The file's type before permission, as Linux's vfs_truncate. */
	if (S_ISDIR(v->mode))
		err = -EISDIR;
	else if (!S_ISREG(v->mode))
		err = -EINVAL;
	else
		err = vfs_permission(v, MAY_WRITE, &cred);
	if (!err)
		err = do_truncate(v, length);
	vnode_put(v);
	return err;
}

SYSCALL_DEFINE3(getdents64, __as_fd unsigned int, fd, void __user *, dirent,
		unsigned int, count)
{
	struct file *f = fd_get_file(fdarg(fd));
	long r;

	if (!f)
		return -EBADF;
	/*
	 * No range check up front, as Linux: a non-directory is ENOTDIR and
	 * a directory at its end returns 0 whatever the buffer; only a
	 * record that cannot be stored is EFAULT.
	 */
	r = file_getdents64(f, (unsigned long)dirent, count, true);
	file_put(f);
	return r;
}

/*
 * FIOASYNC: O_ASYNC on or off, as F_SETFL; a file that does not take it
 * is -ENOTTY, but only when the flag would change (Linux's order).
 */
static long ioctl_fioasync(struct file *f, bool on, int fd)
{
	int err;

	if (!!(f->flags & O_ASYNC) == on)
		return 0;
	if (!file_takes_async(f))
		return -ENOTTY;
	err = fasync_set(f, on, fd);
	if (err)
		return err;
	if (on)
		__atomic_or_fetch(&f->flags, O_ASYNC, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&f->flags, ~(unsigned int)O_ASYNC,
				   __ATOMIC_RELAXED);
	return 0;
}

/* FIONBIO's and FIOASYNC's int argument: 0, -EBADF (O_PATH) or -EFAULT. */
static long ioctl_int_arg(struct file *f, unsigned long arg, int *on)
{
	if (f->fmode & FMODE_PATH)
		return -EBADF;
	if (copy_from_user(on, (const void *)arg, sizeof(*on)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE3(ioctl, __as_fd unsigned int, fd, __as_hex unsigned int, cmd,
		__as_ptr unsigned long, arg)
{
	struct fdtable *fdt = sys_cur_fdt();
	struct file *f = fd_get_file(fdarg(fd));
	long r;
	int on;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		r = fdt_set_fdflags(fdt, fdarg(fd),
				    cmd == FIOCLEX ? FD_CLOEXEC : 0);
		break;
	case FIONBIO:
		r = ioctl_int_arg(f, arg, &on);
		if (r)
			break;
		if (on)
			__atomic_or_fetch(&f->flags, O_NONBLOCK,
					  __ATOMIC_RELAXED);
		else
			__atomic_and_fetch(&f->flags, ~(unsigned int)O_NONBLOCK,
					   __ATOMIC_RELAXED);
		r = 0;
		break;
	case FIOASYNC:
		r = ioctl_int_arg(f, arg, &on);
		if (!r)
			r = ioctl_fioasync(f, on != 0, (int)fd);
		break;
	default:
		r = file_ioctl(f, cmd, arg);
		break;
	}
	file_put(f);
	return r;
}

/* ---- stat ----------------------------------------------------------- */

static int put_stat(const struct kstat *k, void *ubuf)
{
	struct stat s;

	kos_memset(&s, 0, sizeof(s));
	s.st_dev = kdev_encode(k->dev);
	s.st_ino = k->ino;
	s.st_nlink = k->nlink;
	s.st_mode = k->mode;
	s.st_uid = k->uid;
	s.st_gid = k->gid;
	s.st_rdev = kdev_encode(k->rdev);
	s.st_size = k->size;
	s.st_blksize = k->blksize;
	s.st_blocks = (int64_t)k->blocks;
	s.st_atime = (uint64_t)k->atime.sec;
	s.st_atime_nsec = k->atime.nsec;
	s.st_mtime = (uint64_t)k->mtime.sec;
	s.st_mtime_nsec = k->mtime.nsec;
	s.st_ctime = (uint64_t)k->ctime.sec;
	s.st_ctime_nsec = k->ctime.nsec;
	return copy_to_user(ubuf, &s, sizeof(s)) ? -EFAULT : 0;
}

static int stat_vnode(struct vnode *v, void *ubuf)
{
	struct kstat k;

	mutex_lock(&v->lock);
	vfs_getattr(v, &k);
	mutex_unlock(&v->lock);
	return put_stat(&k, ubuf);
}

SYSCALL_DEFINE2(fstat, __as_fd unsigned int, fd, struct stat __user *, statbuf)
{
	struct file *f = fd_get_file(fdarg(fd));
	struct kstat k;
	long r;

	if (!f)
		return -EBADF;
	r = vfs_stat_file(f, &k);
	if (!r)
		r = put_stat(&k, statbuf);
	file_put(f);
	return r;
}

#define STAT_FLAGS (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)

SYSCALL_DEFINE4(newfstatat, __as_fd int, dfd, const char __user *, path,
		struct stat __user *, statbuf, __as_hex int, flags)
{
	struct vfs_cred cred;
	struct vnode *v;
	long r;

	if (flags & ~(long)STAT_FLAGS)
		return -EINVAL;
	cur_cred(&cred, false);
	r = sys_user_lookup(dfd, path,
			    (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
			    (flags & AT_EMPTY_PATH) != 0, &cred, &v);
	if (r)
		return r;
	r = stat_vnode(v, statbuf);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE2(stat, const char __user *, path, struct stat __user *, statbuf)
{
	return sys_newfstatat(AT_FDCWD, path, statbuf, 0);
}

SYSCALL_DEFINE2(lstat, const char __user *, path, struct stat __user *, statbuf)
{
	return sys_newfstatat(AT_FDCWD, path, statbuf, AT_SYMLINK_NOFOLLOW);
}

static void put_ts(struct statx_timestamp *t, struct vfs_time v)
{
	t->tv_sec = v.sec;
	t->tv_nsec = v.nsec;
}

SYSCALL_DEFINE5(statx, __as_fd int, dfd, const char __user *, path,
		__as_hex unsigned int, flags, __as_hex unsigned int, mask,
		struct statx __user *, statxbuf)
{
	struct vfs_cred cred;
	struct statx sx;
	struct kstat k;
	struct vnode *v;
	long r;

	if (flags & ~(long)(STAT_FLAGS | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (mask & STATX__RESERVED)
		return -EINVAL;
	cur_cred(&cred, false);
	r = sys_user_lookup(dfd, path,
			    (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
			    (flags & AT_EMPTY_PATH) != 0, &cred, &v);
	if (r)
		return r;
	mutex_lock(&v->lock);
	vfs_getattr(v, &k);
	mutex_unlock(&v->lock);
	vnode_put(v);
	kos_memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = k.blksize;
	sx.stx_nlink = k.nlink;
	sx.stx_uid = k.uid;
	sx.stx_gid = k.gid;
	sx.stx_mode = (uint16_t)k.mode;
	sx.stx_ino = k.ino;
	sx.stx_size = (uint64_t)k.size;
	sx.stx_blocks = k.blocks;
	put_ts(&sx.stx_atime, k.atime);
	put_ts(&sx.stx_mtime, k.mtime);
	put_ts(&sx.stx_ctime, k.ctime);
	if (k.has_btime) {
		sx.stx_mask |= STATX_BTIME;
		put_ts(&sx.stx_btime, k.btime);
	}
	sx.stx_rdev_major = KDEV_MAJOR(k.rdev);
	sx.stx_rdev_minor = KDEV_MINOR(k.rdev);
	sx.stx_dev_major = KDEV_MAJOR(k.dev);
	sx.stx_dev_minor = KDEV_MINOR(k.dev);
	return copy_to_user(statxbuf, &sx, sizeof(sx)) ? -EFAULT : 0;
}

/* ---- names ---------------------------------------------------------- */

SYSCALL_DEFINE4(readlinkat, __as_fd int, dfd, const char __user *, upath,
		char __user *, buf, int, bufsiz)
{
	struct vfs_cred cred;
	struct vnode *v;
	bool empty;
	size_t len;
	char *k;
	long r;

	if (bufsiz <= 0)
		return -EINVAL;
	cur_cred(&cred, false);
	r = user_lookup_e(dfd, upath, 0, true, &cred, &v, &empty);
	if (r)
		return r;
	if (empty && !S_ISLNK(v->mode)) {
		/* "" names dfd itself, which must be an O_PATH symlink */
		vnode_put(v);
		return -ENOENT;
	}
	len = MIN((size_t)bufsiz, (size_t)PATH_MAX);
	k = kmalloc(len);
	if (!k) {
		vnode_put(v);
		return -ENOMEM;
	}
	if (!S_ISLNK(v->mode) || !v->ops->readlink)
		r = -EINVAL;
	else
		r = v->ops->readlink(v, k, len);
	vnode_put(v);
	if (r > 0 && copy_to_user(buf, k, (size_t)r))
		r = -EFAULT;
	kfree(k);
	return r;
}

SYSCALL_DEFINE3(readlink, const char __user *, path, char __user *, buf, int,
		bufsiz)
{
	return sys_readlinkat(AT_FDCWD, path, buf, bufsiz);
}

SYSCALL_DEFINE4(faccessat2, __as_fd int, dfd, const char __user *, path,
		__as_oct int, mode, __as_hex int, flags)
{
	struct vfs_cred cred;
	struct vnode *v;
	long r;

	if (mode & ~(long)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(long)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	cur_cred(&cred, !(flags & AT_EACCESS));
	r = sys_user_lookup(dfd, path,
			    (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
			    (flags & AT_EMPTY_PATH) != 0, &cred, &v);
	if (r)
		return r;
	/* Linux: a noexec mount's files are not executable, for root too. */
	if ((mode & X_OK) && S_ISREG(v->mode) &&
	    (vfs_mnt_flags(v) & VFS_MNT_NOEXEC))
		r = -EACCES;
	if (mode && !r) {
		mutex_lock(&v->lock);
		r = vfs_permission(v, mode, &cred);
		mutex_unlock(&v->lock);
	}
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE3(faccessat, __as_fd int, dfd, const char __user *, path,
		__as_oct int, mode)
{
	return sys_faccessat2(dfd, path, mode, 0);
}

SYSCALL_DEFINE2(access, const char __user *, path, __as_oct int, mode)
{
	return sys_faccessat2(AT_FDCWD, path, mode, 0);
}

SYSCALL_DEFINE2(getcwd, char __user *, buf, unsigned long, size)
{
	struct vnode *cwd = cur_cwd();
	size_t len = MIN(size, (unsigned long)PATH_MAX);
	char *k = kmalloc(PATH_MAX);
	long r;

	if (!k) {
		vnode_put(cwd);
		return -ENOMEM;
	}
	r = vfs_getcwd(cwd, k, len);
	vnode_put(cwd);
	if (r > 0 && copy_to_user(buf, k, (size_t)r))
		r = -EFAULT;
	kfree(k);
	return r;
}

/* Make v (referenced; consumed) the caller's cwd after the checks. */
static long set_cwd(struct vnode *v, const struct vfs_cred *cred)
{
	struct uthread *ut = uthread_current();
	struct vnode *old;
	long r = 0;

	mutex_lock(&v->lock);
	if (!S_ISDIR(v->mode))
		r = -ENOTDIR;
	else
		r = vfs_permission(v, MAY_EXEC, cred);
	mutex_unlock(&v->lock);
	if (!r && ut && ut->fs) {
		mutex_lock(&ut->fs->lock);
		old = ut->fs->cwd;
		ut->fs->cwd = v;
		v = old;
		mutex_unlock(&ut->fs->lock);
	}
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE1(umask, __as_oct unsigned int, mask)
{
	struct uthread *ut = uthread_current();
	unsigned int old;

	mutex_lock(&ut->fs->lock);
	old = ut->fs->umask;
	ut->fs->umask = mask & 0777;
	mutex_unlock(&ut->fs->lock);
	return old;
}

SYSCALL_DEFINE1(chdir, const char __user *, path)
{
	struct vfs_cred cred;
	struct vnode *v;
	long r;

	cur_cred(&cred, false);
	r = sys_user_lookup(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
			    false, &cred, &v);
	if (r)
		return r;
	return set_cwd(v, &cred);
}

/* chroot(2): the caller's "/" becomes path (the cwd stays, as Linux). */
SYSCALL_DEFINE1(chroot, const char __user *, upath)
{
	struct uthread *ut = uthread_current();
	struct vnode *dir = NULL, *v, *old;
	struct vfs_cred cred;
	char *path;
	long r;

	r = sys_get_path(upath, &path);
	if (r)
		return r;
	r = path[0] ? sys_at_dir(AT_FDCWD, path, false, &dir) : -ENOENT;
	if (!r) {
		cur_cred(&cred, false);
		r = vfs_chroot(dir, path, &cred, &v);
		vnode_put(dir);
	}
	kfree(path);
	if (r)
		return r;
	mutex_lock(&ut->fs->lock);
	old = ut->fs->root;
	ut->fs->root = v;
	mutex_unlock(&ut->fs->lock);
	vnode_put(old);
	return 0;
}

SYSCALL_DEFINE1(fchdir, __as_fd unsigned int, fd)
{
	struct file *f = fd_get_file(fdarg(fd));
	struct vfs_cred cred;
	struct vnode *v;

	if (!f)
		return -EBADF;
	v = f->vnode;
	if (v)
		vnode_get(v);
	file_put(f);
	if (!v)
		return -ENOTDIR;
	cur_cred(&cred, false);
	return set_cwd(v, &cred);
}
