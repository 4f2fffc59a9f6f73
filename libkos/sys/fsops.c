/*
 * File-system calls around the data: fsync, fdatasync, sync, syncfs,
 * statfs, fstatfs, fallocate, fadvise64, readahead, sendfile and
 * copy_file_range.  Each checks its arguments in Linux's order; the
 * copies move data through a kernel bounce buffer with the files' own
 * read and write operations, so any readable file can feed any writable
 * one.
 */
#include <kos/blkdev.h>
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/notify.h>
#include <kos/kmalloc.h>
#include <kos/pipe.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/limits.h>
#include <uapi/stat.h>

#include "fs_internal.h"

/* A descriptor for the data calls: O_PATH ones are -EBADF (fdget). */
static struct file *data_file(unsigned int fd)
{
	struct file *f = fd_get_file(fdarg(fd));

	if (f && (f->fmode & FMODE_PATH)) {
		file_put(f);
		return NULL;
	}
	return f;
}

/* ---- sync ------------------------------------------------------------ */

static long do_fsync(unsigned int fd, bool datasync)
{
	struct file *f = data_file(fd);
	long err;

	if (!f)
		return -EBADF;
	err = f->ops && f->ops->fsync ? f->ops->fsync(f, datasync) : -EINVAL;
	file_put(f);
	return err;
}

SYSCALL_DEFINE1(fsync, __as_fd unsigned int, fd)
{
	return do_fsync(fd, false);
}

SYSCALL_DEFINE1(fdatasync, __as_fd unsigned int, fd)
{
	return do_fsync(fd, true);
}

/*
 * Every file's dirty pages to its store, then every disk's own cache to
 * stable storage (errors are not reported).
 */
SYSCALL_DEFINE0(sync)
{
	pcache_sync(NULL);
	vfs_sync_all();
	blkdev_flush_all();
	return 0;
}

SYSCALL_DEFINE1(syncfs, __as_fd int, fd)
{
	struct file *f = data_file((unsigned int)fd);
	long err;

	if (!f)
		return -EBADF;
	err = f->vnode ? pcache_sync(f->vnode->sb) : 0;
	if (!err && f->vnode)
		err = vfs_sync_fs(f->vnode->sb);
	file_put(f);
	return err;
}

/* ---- statfs ---------------------------------------------------------- */

/* Linux's struct statfs on x86-64. */
struct statfs_k {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};

static long put_statfs(struct vnode *v, struct statfs_k __user *ubuf)
{
	struct statfs_k k = { 0 };
	struct kstatfs st;

	vfs_statfs(v, &st);
	k.f_type = (int64_t)st.type;
	k.f_bsize = (int64_t)st.bsize;
	k.f_blocks = st.blocks;
	k.f_bfree = st.bfree;
	k.f_bavail = st.bavail;
	k.f_files = st.files;
	k.f_ffree = st.ffree;
	k.f_fsid[0] = (int32_t)v->sb->dev; /* as huge_encode_dev() */
	k.f_namelen = (int64_t)st.namelen;
	k.f_frsize = (int64_t)st.frsize;
	k.f_flags = (int64_t)st.flags;
	return copy_to_user(ubuf, &k, sizeof(k)) ? -EFAULT : 0;
}

SYSCALL_DEFINE2(statfs, const char __user *, path, struct statfs_k __user *,
		buf)
{
	struct vfs_cred cred;
	struct vnode *v;
	long err;

	sys_cur_cred(&cred, false);
	err = sys_user_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, false, &cred, &v);
	if (err)
		return err;
	err = put_statfs(v, buf);
	vnode_put(v);
	return err;
}

/* fstatfs works on O_PATH descriptors too (Linux's fdget_raw). */
SYSCALL_DEFINE2(fstatfs, __as_fd unsigned int, fd, struct statfs_k __user *,
		buf)
{
	struct file *f = fd_get_file(fdarg(fd));
	long err;

	if (!f)
		return -EBADF;
	err = f->vnode ? put_statfs(f->vnode, buf) : -ENOSYS;
	file_put(f);
	return err;
}

/* ---- fallocate, fadvise64, readahead ---------------------------------- */

#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#define FALLOC_FL_NO_HIDE_STALE 0x04
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_INSERT_RANGE 0x20
#define FALLOC_FL_UNSHARE_RANGE 0x40
#define FALLOC_FL_MODE_MASK                                \
	(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | \
	 FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE |   \
	 FALLOC_FL_UNSHARE_RANGE)

/* Linux's vfs_fallocate() checks, in its order. */
static long falloc_checks(struct file *f, int mode, long off, long len)
{
	struct vnode *v = f->vnode;

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	/* One operation, with KEEP_SIZE where it makes sense (6.x). */
	switch (mode & FALLOC_FL_MODE_MASK) {
	case 0: /* allocate */
	case FALLOC_FL_UNSHARE_RANGE:
	case FALLOC_FL_ZERO_RANGE:
		break;
	case FALLOC_FL_PUNCH_HOLE:
		if (!(mode & FALLOC_FL_KEEP_SIZE))
			return -EOPNOTSUPP;
		break;
	case FALLOC_FL_COLLAPSE_RANGE:
	case FALLOC_FL_INSERT_RANGE:
		if (mode & FALLOC_FL_KEEP_SIZE)
			return -EOPNOTSUPP;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (!(f->fmode & FMODE_WRITE))
		return -EBADF;
	if (!v || S_ISFIFO(v->mode) || pipe_is(f))
		return -ESPIPE;
	if (S_ISDIR(v->mode))
		return -EISDIR;
	if (!S_ISREG(v->mode) && !S_ISBLK(v->mode))
		return -ENODEV;
	if (off > INT64_MAX - len)
		return -EFBIG;
	/* The file system says which it does (tmpfs: no ZERO_RANGE...). */
	if (!v->ops->fallocate || (mode & FALLOC_FL_UNSHARE_RANGE))
		return -EOPNOTSUPP;
	return 0;
}

SYSCALL_DEFINE4(fallocate, __as_fd int, fd, __as_hex int, mode, long, off, long,
		len)
{
	struct file *f = data_file((unsigned int)fd);
	long err;

	if (!f)
		return -EBADF;
	err = falloc_checks(f, mode, off, len);
	if (!err && (f->flags & O_APPEND) && (mode & ~FALLOC_FL_KEEP_SIZE))
		err = -EPERM; /* Linux: only for append-only inodes; none here */
	if (!err) {
		err = vnode_get_write(f->vnode);
		if (!err) {
			err = f->vnode->ops->fallocate(
				f->vnode,
				((mode & FALLOC_FL_KEEP_SIZE)
					 ? VFS_FALLOC_KEEP_SIZE
					 : 0) |
					((mode & FALLOC_FL_PUNCH_HOLE)
						 ? VFS_FALLOC_PUNCH_HOLE
						 : 0) |
					((mode & FALLOC_FL_ZERO_RANGE)
						 ? VFS_FALLOC_ZERO_RANGE
						 : 0) |
					((mode & FALLOC_FL_COLLAPSE_RANGE)
						 ? VFS_FALLOC_COLLAPSE_RANGE
						 : 0) |
					((mode & FALLOC_FL_INSERT_RANGE)
						 ? VFS_FALLOC_INSERT_RANGE
						 : 0),
				(uint64_t)off, (uint64_t)len);
			vnode_put_write(f->vnode);
		}
		if (!err)
			fsnotify_modify(f);
	}
	file_put(f);
	return err;
}

#define POSIX_FADV_NOREUSE 5 /* the largest advice */

/*
 * Advice has nothing to act on in memory-backed files; Linux's tmpfs
 * likewise only checks the advice (not even the length).  Pipes and
 * FIFOs: -ESPIPE.
 */
SYSCALL_DEFINE4(fadvise64, __as_fd int, fd, long, off, long, len, int, advice)
{
	struct file *f = data_file((unsigned int)fd);
	long err = 0;

	if (!f)
		return -EBADF;
	if (pipe_is(f) || (f->vnode && S_ISFIFO(f->vnode->mode)))
		err = -ESPIPE;
	else if (advice < 0 || advice > POSIX_FADV_NOREUSE)
		err = -EINVAL;
	file_put(f);
	return err;
}

/* Only regular files (and block devices) read ahead; nothing to do. */
SYSCALL_DEFINE3(readahead, __as_fd int, fd, long, off, size_t, count)
{
	struct file *f = data_file((unsigned int)fd);
	long err = 0;

	if (!f)
		return -EBADF;
	if (!(f->fmode & FMODE_READ))
		err = -EBADF;
	else if (!f->vnode || !S_ISREG(f->vnode->mode))
		err = -EINVAL;
	file_put(f);
	return err;
}

/* ---- sendfile, copy_file_range ------------------------------------- */

#define COPY_CHUNK (64 * 1024)

/*
 * Move up to count bytes from in (at *ipos, or its position if ipos is
 * NULL) to out (at *opos, or its position): the bytes moved, or the
 * error if nothing moved.  After a short write the input is moved back
 * over what was not written (a pipe's bytes are lost, as they would be
 * to a reader).
 */
static long copy_between(struct file *in, int64_t *ipos, struct file *out,
			 int64_t *opos, size_t count)
{
	char *buf = kmalloc(COPY_CHUNK);
	long done = 0, err = 0;

	if (!buf)
		return -ENOMEM;
	while (count) {
		size_t n = MIN(count, (size_t)COPY_CHUNK);
		struct uio u;
		ssize_t r, w;

		uio_init_kernel(&u, buf, n);
		r = file_read(in, &u, ipos ? *ipos : -1);
		if (r <= 0) {
			err = r;
			break;
		}
		uio_init_kernel(&u, buf, (size_t)r);
		w = file_write(out, &u, opos ? *opos : -1);
		if (w <= 0) {
			err = w;
			break;
		}
		if (ipos)
			*ipos += w;
		else if (w < r && (in->fmode & FMODE_LSEEK))
			in->pos -= (uint64_t)(r - w);
		if (opos)
			*opos += w;
		done += w;
		count -= (size_t)w;
		if (w < r || (size_t)r < n)
			break; /* a short write, or all there was (EOF, a pipe) */
	}
	kfree(buf);
	return done ? done : err;
}

/*
 * sendfile(2): in must be readable and seekable when an offset is
 * given; out writable and not O_APPEND.  With offset the input's file
 * position stays; *offset advances.
 */
SYSCALL_DEFINE4(sendfile, __as_fd int, out_fd, __as_fd int, in_fd,
		int64_t __user *, offset, size_t, count)
{
	struct file *in = data_file((unsigned int)in_fd), *out = NULL;
	int64_t pos = 0;
	long err = 0;

	if (!in || !(in->fmode & FMODE_READ)) {
		err = -EBADF;
		goto out;
	}
	if (offset) {
		if (copy_from_user(&pos, offset, sizeof(pos))) {
			err = -EFAULT;
			goto out;
		}
		if (!(in->fmode & FMODE_PREAD)) {
			err = -ESPIPE;
			goto out;
		}
		if (pos < 0) {
			err = -EINVAL;
			goto out;
		}
	}
	out = data_file((unsigned int)out_fd);
	if (!out || !(out->fmode & FMODE_WRITE)) {
		err = -EBADF;
		goto out;
	}
	if (out->flags & O_APPEND) {
		err = -EINVAL;
		goto out;
	}
	if (!in->vnode || S_ISDIR(in->vnode->mode)) {
		err = -EINVAL;
		goto out;
	}
	count = MIN(count, (size_t)MAX_RW_COUNT);
	if (!count)
		goto out;
	err = copy_between(in, offset ? &pos : NULL, out, NULL, count);
	if (offset && err >= 0 && copy_to_user(offset, &pos, sizeof(pos)))
		err = -EFAULT;
out:
	if (out)
		file_put(out);
	if (in)
		file_put(in);
	return err;
}

/* An offset argument: *pos from user memory, or the file's position. */
static long get_off(int64_t __user *uoff, int64_t *pos)
{
	if (!uoff)
		return 0;
	if (copy_from_user(pos, uoff, sizeof(*pos)))
		return -EFAULT;
	return *pos < 0 ? -EINVAL : 0;
}

/* Linux's generic_copy_file_checks(), in its order. */
static long cfr_checks(struct file *in, struct file *out, int64_t ipos,
		       int64_t opos, size_t *len)
{
	struct vnode *vi = in->vnode, *vo = out->vnode;

	if (!(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE) ||
	    (out->flags & O_APPEND))
		return -EBADF;
	if (!vi || !vo || S_ISDIR(vi->mode) || S_ISDIR(vo->mode))
		return vi && vo ? -EISDIR : -EINVAL;
	if (!S_ISREG(vi->mode) || !S_ISREG(vo->mode))
		return -EINVAL;
	if (ipos > INT64_MAX - (int64_t)*len ||
	    opos > INT64_MAX - (int64_t)*len)
		return -EOVERFLOW;
	if (vi == vo && ipos < opos + (int64_t)*len &&
	    opos < ipos + (int64_t)*len)
		return -EINVAL; /* overlapping ranges of one file */
	/* Nothing past the end of the input. */
	if ((uint64_t)ipos >= vi->size)
		*len = 0;
	else
		*len = MIN(*len, (size_t)(vi->size - (uint64_t)ipos));
	return 0;
}

SYSCALL_DEFINE6(copy_file_range, __as_fd int, fd_in, int64_t __user *, off_in,
		__as_fd int, fd_out, int64_t __user *, off_out, size_t, len,
		unsigned int, flags)
{
	struct file *in = NULL, *out = NULL;
	int64_t ipos, opos;
	long err;

	if (flags)
		return -EINVAL;
	in = data_file((unsigned int)fd_in);
	out = data_file((unsigned int)fd_out);
	err = (!in || !out) ? -EBADF : 0;
	if (!err) {
		ipos = (int64_t)in->pos;
		opos = (int64_t)out->pos;
		err = get_off(off_in, &ipos);
	}
	if (!err)
		err = get_off(off_out, &opos);
	if (!err) {
		len = MIN(len, (size_t)MAX_RW_COUNT);
		err = cfr_checks(in, out, ipos, opos, &len);
	}
	if (!err && len) {
		err = copy_between(in, &ipos, out, &opos, len);
		if (err > 0) {
			if (off_in)
				err = copy_to_user(off_in, &ipos, sizeof(ipos))
					      ? -EFAULT
					      : err;
			else
				in->pos = (uint64_t)ipos;
			if (off_out && err > 0)
				err = copy_to_user(off_out, &opos, sizeof(opos))
					      ? -EFAULT
					      : err;
			else if (!off_out)
				out->pos = (uint64_t)opos;
		}
	}
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return err;
}

/* ---- splice, tee ------------------------------------------------------ */

#define SPLICE_F_NONBLOCK 0x02
#define SPLICE_F_ALL 0x0f

/*
 * splice(2) in Linux's order: len 0, flags, the fds, offsets on pipe
 * ends (-ESPIPE), the access modes, a pipe to itself (-EINVAL), O_APPEND
 * output, no pipe at all (-EINVAL).  The data moves through a bounce
 * buffer, at most what the input has at once (as a read would).
 */
SYSCALL_DEFINE6(splice, __as_fd int, fd_in, int64_t __user *, off_in,
		__as_fd int, fd_out, int64_t __user *, off_out, size_t, len,
		__as_hex unsigned int, flags)
{
	struct file *in, *out = NULL;
	int64_t ipos = 0, opos = 0;
	bool ip, op;
	long err = 0;

	if (!len)
		return 0;
	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	in = data_file((unsigned int)fd_in);
	out = in ? data_file((unsigned int)fd_out) : NULL;
	if (!in || !out) {
		err = -EBADF;
		goto out;
	}
	ip = pipe_is(in);
	op = pipe_is(out);
	if ((ip && off_in) || (op && off_out))
		err = -ESPIPE;
	else if (off_out && copy_from_user(&opos, off_out, sizeof(opos)))
		err = -EFAULT;
	else if (off_in && copy_from_user(&ipos, off_in, sizeof(ipos)))
		err = -EFAULT;
	else if (!(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE))
		err = -EBADF;
	else if (ip && op && in->priv == out->priv)
		err = -EINVAL;
	else if (!ip && !op)
		err = -EINVAL;
	else if (ip && !op && (out->flags & O_APPEND))
		err = -EINVAL;
	else if ((off_in && !(in->fmode & FMODE_PREAD)) ||
		 (off_out && !(out->fmode & FMODE_PREAD)))
		err = -EINVAL;
	else if ((off_in && ipos < 0) || (off_out && opos < 0))
		err = -EINVAL;
	if (err)
		goto out;
	err = copy_between(in, off_in ? &ipos : NULL, out,
			   off_out ? &opos : NULL,
			   MIN(len, (size_t)COPY_CHUNK));
	if (err > 0 && off_in && copy_to_user(off_in, &ipos, sizeof(ipos)))
		err = -EFAULT;
	if (err > 0 && off_out && copy_to_user(off_out, &opos, sizeof(opos)))
		err = -EFAULT;
out:
	if (out)
		file_put(out);
	if (in)
		file_put(in);
	return err;
}

/* tee(2): both ends pipes (-EINVAL), copy without consuming the input. */
SYSCALL_DEFINE4(tee, __as_fd int, fd_in, __as_fd int, fd_out, size_t, len,
		__as_hex unsigned int, flags)
{
	struct file *in, *out = NULL;
	char *buf = NULL;
	long err;

	if (!len)
		return 0;
	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	in = data_file((unsigned int)fd_in);
	out = in ? data_file((unsigned int)fd_out) : NULL;
	err = (!in || !out) ? -EBADF : 0;
	if (!err && (!pipe_is(in) || !pipe_is(out) || in->priv == out->priv))
		err = -EINVAL;
	if (!err && (!(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE)))
		err = -EBADF;
	if (!err) {
		len = MIN(len, (size_t)COPY_CHUNK);
		buf = kmalloc(len);
		err = buf ? pipe_peek(in, buf, len, flags & SPLICE_F_NONBLOCK)
			  : -ENOMEM;
	}
	if (err > 0) {
		struct uio u;

		uio_init_kernel(&u, buf, (size_t)err);
		err = file_write(out, &u, -1);
	}
	kfree(buf);
	if (out)
		file_put(out);
	if (in)
		file_put(in);
	return err;
}
