/*
 * Open file descriptions and data movement.
 *
 * uio_*: copying between kernel buffers and the (user or kernel) buffers
 * of a read/write request.  file_*: reference counting and the generic
 * read/write/lseek/ioctl/getdents paths every system call goes through;
 * they check the description's mode and then call its file_ops.
 * vfs_reg_fops / vfs_dir_fops: the file ops of regular files and
 * directories of any file system, on top of its vnode ops.
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/lock.h>
#include <kos/notify.h>
#include <kos/pipe.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/ioctl.h>
#include <uapi/stat.h>

/* ---- uio ------------------------------------------------------------ */

void uio_init_kernel(struct uio *u, void *buf, size_t len)
{
	u->one.iov_base = buf;
	u->one.iov_len = len;
	u->iov = &u->one;
	u->nr = 1;
	u->idx = 0;
	u->off = 0;
	u->resid = len;
	u->user = false;
}

void uio_init_user(struct uio *u, unsigned long ubuf, size_t len)
{
	uio_init_kernel(u, (void *)ubuf, len);
	u->user = true;
}

/* One user access of a piece (dir as for uio_move).  0 or -EFAULT. */
static int uio_user_op(char *p, char *k, size_t len, int dir)
{
	if (dir == 0)
		return copy_to_user(p, k, len);
	if (dir == 1)
		return copy_from_user(k, p, len);
	return clear_user(p, len);
}

/*
 * Move one contiguous piece of len bytes between p (a buffer of the uio)
 * and kernel k.  Returns the bytes moved: all of them, or for a user
 * buffer that faults, those before the first bad page (a copy that
 * fails is redone page by page to find it, so the caller can report a
 * partial transfer as Linux does).
 */
static size_t uio_piece(struct uio *u, char *p, char *k, size_t len, int dir)
{
	size_t done = 0;

	if (!u->user) {
		if (dir == 0)
			kos_memcpy(p, k, len);
		else if (dir == 1)
			kos_memcpy(k, p, len);
		else
			kos_memset(p, 0, len);
		return len;
	}
	if (!uio_user_op(p, k, len, dir))
		return len;
	while (done < len) {
		unsigned long a = (unsigned long)p + done;
		size_t n = MIN(len - done, PAGE_SIZE - (a & ~PAGE_MASK));

		if (uio_user_op(p + done, k ? k + done : NULL, n, dir))
			break;
		done += n;
	}
	return done;
}

/*
 * Walk n bytes of the uio, moving each contiguous piece.  dir: 0 = into
 * the uio (from kbuf), 1 = out of it (to kbuf), 2 = zero fill.  On a
 * fault the uio stands right after the bytes that were moved.
 */
static int uio_move(struct uio *u, void *kbuf, size_t n, int dir)
{
	char *k = kbuf;

	while (n > 0 && u->idx < u->nr) {
		const struct iovec *v = &u->iov[u->idx];
		size_t chunk = MIN(n, v->iov_len - u->off);
		char *p = (char *)v->iov_base + u->off;
		size_t moved;

		if (chunk == 0) {
			u->idx++;
			u->off = 0;
			continue;
		}
		moved = uio_piece(u, p, k, chunk, dir);
		if (k)
			k += moved;
		n -= moved;
		u->off += moved;
		u->resid -= moved;
		if (moved < chunk)
			return -EFAULT;
	}
	return 0;
}

int uio_copyout(struct uio *u, const void *src, size_t n)
{
	return uio_move(u, (void *)src, n, 0);
}

int uio_copyin(struct uio *u, void *dst, size_t n)
{
	return uio_move(u, dst, n, 1);
}

int uio_zero(struct uio *u, size_t n)
{
	return uio_move(u, NULL, n, 2);
}

/* ---- references ----------------------------------------------------- */

struct file *file_alloc(struct vnode *v, const struct file_ops *ops,
			unsigned int flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->refcnt = 1;
	f->flags = flags;
	f->ops = ops;
	list_init(&f->ep_items);
	if (flags & O_PATH) {
		f->fmode = FMODE_PATH;
	} else {
		switch (flags & O_ACCMODE) {
		case O_RDONLY:
			f->fmode = FMODE_READ;
			break;
		case O_WRONLY:
			f->fmode = FMODE_WRITE;
			break;
		case O_RDWR:
			f->fmode = FMODE_READ | FMODE_WRITE;
			break;
		default: /* 3: ioctl only */
			break;
		}
	}
	mutex_init(&f->pos_lock, "file.pos");
	if (v) {
		vnode_get(v);
		f->vnode = v;
	}
	return f;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refcnt, 1, __ATOMIC_RELAXED);
}

int vnode_get_write(struct vnode *v)
{
	int n = __atomic_load_n(&v->writecount, __ATOMIC_RELAXED);

	do {
		if (n < 0)
			return -ETXTBSY;
	} while (!__atomic_compare_exchange_n(&v->writecount, &n, n + 1, true,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	/* Counted before the read-only check: see vfs_remount(). */
	if (v->sb) {
		__atomic_add_fetch(&v->sb->writers, 1, __ATOMIC_SEQ_CST);
		if (vfs_read_only(v)) {
			vnode_put_write(v);
			return -EROFS;
		}
	}
	return 0;
}

void vnode_put_write(struct vnode *v)
{
	if (v->sb)
		__atomic_sub_fetch(&v->sb->writers, 1, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&v->writecount, 1, __ATOMIC_RELEASE);
}

int file_deny_write(struct file *f)
{
	struct vnode *v = f->vnode;
	int n;

	if (!v || (f->fmode & FMODE_DENY_WRITE))
		return 0;
	n = __atomic_load_n(&v->writecount, __ATOMIC_RELAXED);
	do {
		if (n > 0)
			return -ETXTBSY;
	} while (!__atomic_compare_exchange_n(&v->writecount, &n, n - 1, true,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	f->fmode |= FMODE_DENY_WRITE;
	return 0;
}

void file_put(struct file *f)
{
	if (!f)
		return;
	if (__atomic_sub_fetch(&f->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (f->fmode & FMODE_EPOLL)
		epoll_forget(f); /* before release: no epoll looks at it now */
	if (f->async)
		fasync_forget(f); /* the same for the SIGIO hooks */
	if (f->fmode & FMODE_DNOTIFY)
		dnotify_close(f, NULL); /* and its dnotify watches */
	file_lock_release(f);		/* its OFD and flock locks */
	fsnotify_close(f);
	if (f->ops && f->ops->release && !(f->fmode & FMODE_PATH))
		f->ops->release(f);
	if (f->fmode & FMODE_WRITER)
		vnode_put_write(f->vnode);
	if (f->fmode & FMODE_DENY_WRITE)
		__atomic_add_fetch(&f->vnode->writecount, 1, __ATOMIC_RELEASE);
	vnode_put(f->vnode);
	vnode_put(f->odir);
	kfree(f->oname);
	kfree(f);
}

long file_path(struct file *f, char *buf, size_t len)
{
	struct vnode *v = f->vnode;
	long n = 0;

	if (!v)
		return -ENOENT;
	if (S_ISDIR(v->mode))
		return vfs_path(v, buf, len);
	if (pipe_is(f) && !f->oname)
		return kos_snprintf(buf, len, "pipe:[%llu]",
				    (unsigned long long)v->ino) +
		       1;
	if (S_ISSOCK(v->mode) && !f->oname)
		return kos_snprintf(buf, len, "socket:[%llu]",
				    (unsigned long long)v->ino) +
		       1;
	if (!f->oname)
		return -ENOENT;
	if (f->odir) {
		n = vfs_path(f->odir, buf, len);
		if (n < 0)
			return n;
		n--; /* over the NUL */
		if (n > 1)
			buf[n++] = '/';
		else
			n = 1; /* "/" */
	}
	n += kos_snprintf(buf + n, len - (size_t)n, "%s%s", f->oname,
			  v->nlink ? "" : " (deleted)");
	return (size_t)n < len ? n + 1 : -ENAMETOOLONG;
}

/* ---- I/O ------------------------------------------------------------ */

/* Linux caps one transfer at MAX_RW_COUNT; shorten the uio's view. */
static void uio_cap(struct uio *u)
{
	if (u->resid > (size_t)MAX_RW_COUNT)
		u->resid = MAX_RW_COUNT;
}

/*
 * Linux's rw_verify_area(): a transfer of n bytes at pos must not reach
 * past the largest file offset (INT64_MAX), whatever the count is capped
 * to later.
 */
static bool pos_range_ok(uint64_t pos, size_t n)
{
	return pos <= (uint64_t)INT64_MAX && n <= (uint64_t)INT64_MAX - pos;
}

static ssize_t file_rw(struct file *f, struct uio *u, int64_t pos, bool wr)
{
	ssize_t (*op)(struct file *, struct uio *, uint64_t *);
	uint64_t p;
	ssize_t r;

	if (!(f->fmode & (wr ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	op = wr ? f->ops->write : f->ops->read;
	if (!op)
		return -EINVAL;
	if (pos >= 0) {
		if (!(f->fmode & FMODE_PREAD))
			return -ESPIPE;
		p = (uint64_t)pos;
		if (!pos_range_ok(p, u->resid))
			return -EINVAL;
		uio_cap(u);
		return u->resid ? op(f, u, &p) : 0;
	}
	if (pos != -1)
		return -EINVAL;
	if (f->fmode & FMODE_ATOMIC_POS)
		mutex_lock(&f->pos_lock);
	p = f->pos;
	if (pos_range_ok(p, u->resid)) {
		uio_cap(u);
		r = op(f, u, &p);
	} else {
		r = -EINVAL;
	}
	if (r >= 0)
		f->pos = p;
	if (f->fmode & FMODE_ATOMIC_POS)
		mutex_unlock(&f->pos_lock);
	return r;
}

ssize_t file_read(struct file *f, struct uio *u, int64_t pos)
{
	ssize_t r = file_rw(f, u, pos, false);

	if (r > 0)
		fsnotify_access(f);
	return r;
}

ssize_t file_write(struct file *f, struct uio *u, int64_t pos)
{
	ssize_t r = file_rw(f, u, pos, true);

	if (r > 0)
		fsnotify_modify(f);
	return r;
}

ssize_t file_pread_kernel(struct file *f, void *buf, size_t len, uint64_t off)
{
	struct uio u;

	if ((int64_t)off < 0)
		return -EINVAL;
	uio_init_kernel(&u, buf, len);
	return file_read(f, &u, (int64_t)off);
}

ssize_t file_pwrite_kernel(struct file *f, const void *buf, size_t len,
			   uint64_t off)
{
	struct uio u;

	if ((int64_t)off < 0)
		return -EINVAL;
	uio_init_kernel(&u, (void *)buf, len);
	return file_write(f, &u, (int64_t)off);
}

int64_t file_lseek(struct file *f, int64_t off, int whence)
{
	int64_t r;

	if (f->fmode & FMODE_PATH)
		return -EBADF;
	if (whence < SEEK_SET || whence > SEEK_HOLE)
		return -EINVAL;
	if (!f->ops->llseek)
		return -ESPIPE;
	if (f->fmode & FMODE_ATOMIC_POS)
		mutex_lock(&f->pos_lock);
	r = f->ops->llseek(f, off, whence);
	if (r >= 0)
		f->pos = (uint64_t)r;
	if (f->fmode & FMODE_ATOMIC_POS)
		mutex_unlock(&f->pos_lock);
	return r;
}

int64_t file_llseek_noop(struct file *f, int64_t off, int whence)
{
	return 0;
}

int64_t file_llseek_generic(struct file *f, int64_t off, int whence)
{
	struct vnode *v = f->vnode;

	if ((whence == SEEK_DATA || whence == SEEK_HOLE) && v->ops->seek_data) {
		uint64_t out;
		int err;

		if (off < 0)
			return -ENXIO;
		err = v->ops->seek_data(v, (uint64_t)off, whence == SEEK_HOLE,
					&out);
		return err ? err : (int64_t)out;
	}
	return file_llseek_size(f, off, whence, (int64_t)f->vnode->size,
				INT64_MAX);
}

/*
 * lseek over a file of size sz, to at most max: SEEK_DATA/SEEK_HOLE
 * treat the whole file as data (holes read as zeros, which Linux also
 * permits).
 */
int64_t file_llseek_size(struct file *f, int64_t off, int whence, int64_t sz,
			 int64_t max)
{
	int64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		base = sz;
		break;
	case SEEK_DATA:
		if (off < 0 || off >= sz)
			return -ENXIO;
		return off;
	case SEEK_HOLE:
		if (off < 0 || off >= sz)
			return -ENXIO;
		return sz;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off))
		return -EOVERFLOW;
	if (base + off < 0 || base + off > max)
		return -EINVAL;
	return base + off;
}

long file_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct vnode *v = f->vnode;

	if (f->fmode & FMODE_PATH)
		return -EBADF;
	/* Other files leave FIONREAD to their driver (or -ENOTTY). */
	if (cmd == FIONREAD && v && S_ISREG(v->mode)) {
		int n = (int)(__atomic_load_n(&v->size, __ATOMIC_RELAXED) -
			      __atomic_load_n(&f->pos, __ATOMIC_RELAXED));

		return copy_to_user((void *)arg, &n, sizeof(n)) ? -EFAULT : 0;
	}
	if (!f->ops->ioctl)
		return -ENOTTY;
	return f->ops->ioctl(f, cmd, arg);
}

/* ---- mmap support --------------------------------------------------- */

bool file_noexec(const struct file *f)
{
	return f->vnode && (vfs_mnt_flags(f->vnode) & VFS_MNT_NOEXEC);
}

int file_mmap_check(struct file *f, bool shared)
{
	if (!f->ops->mmap)
		return -ENODEV;
	return f->ops->mmap(f, shared);
}

int file_getpage(struct file *f, uint64_t pgoff, paddr_t *pa)
{
	struct vnode *v = f->vnode;

	if (!v || !S_ISREG(v->mode) || !v->ops->getpage)
		return -ENOSYS;
	return v->ops->getpage(v, pgoff, pa);
}

int file_peekpage(struct file *f, uint64_t pgoff, paddr_t *pa)
{
	struct vnode *v = f->vnode;

	if (!v || !S_ISREG(v->mode) || !v->ops->peekpage)
		return -ENOSYS;
	return v->ops->peekpage(v, pgoff, pa);
}

bool file_wants_mkwrite(struct file *f)
{
	return f->vnode && f->vnode->ops->page_mkwrite;
}

int file_page_mkwrite(struct file *f, uint64_t pgoff)
{
	struct vnode *v = f->vnode;

	return v && v->ops->page_mkwrite ? v->ops->page_mkwrite(v, pgoff) : 0;
}

/* ---- getdents64 ----------------------------------------------------- */

struct dents_ctx {
	unsigned long buf; /* user or kernel address */
	bool user;
	size_t len, used;
	int err;
};

static bool dents_fill(void *arg, const char *name, size_t nlen, uint64_t ino,
		       unsigned int dtype, uint64_t next)
{
	struct dents_ctx *c = arg;
	size_t reclen =
		ALIGN_UP(offsetof(struct linux_dirent64, d_name) + nlen + 1, 8);
	/* Big enough for a header and a NAME_MAX name, padded. */
	union {
		struct linux_dirent64 d;
		char raw[ALIGN_UP(sizeof(struct linux_dirent64) + NAME_MAX + 1,
				  8)];
	} rec;

	if (c->used + reclen > c->len) {
		if (c->used == 0)
			c->err = -EINVAL;
		return false;
	}
	kos_memset(&rec, 0, reclen);
	rec.d.d_ino = ino;
	rec.d.d_off = (int64_t)next;
	rec.d.d_reclen = (uint16_t)reclen;
	rec.d.d_type = (uint8_t)dtype;
	kos_memcpy(rec.d.d_name, name, nlen);
	if (c->user) {
		if (copy_to_user((void *)(c->buf + c->used), &rec, reclen)) {
			c->err = -EFAULT;
			return false;
		}
	} else {
		kos_memcpy((char *)c->buf + c->used, &rec, reclen);
	}
	c->used += reclen;
	return true;
}

long file_getdents64(struct file *f, unsigned long buf, size_t len, bool user)
{
	struct dents_ctx c = { buf, user, len, 0, 0 };
	int r;

	if (f->fmode & FMODE_PATH)
		return -EBADF;
	if (!f->ops->iterate)
		return -ENOTDIR;
	if (len > INT32_MAX)
		c.len = INT32_MAX;
	mutex_lock(&f->pos_lock);
	r = f->ops->iterate(f, dents_fill, &c);
	mutex_unlock(&f->pos_lock);
	fsnotify_access(f);
	if (c.used)
		return (long)c.used;
	if (c.err)
		return c.err;
	return r;
}

/* ---- regular files and directories ---------------------------------- */

static ssize_t reg_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct vnode *v = f->vnode;
	ssize_t r;

	if (!v->ops->read)
		return -EINVAL;
	r = v->ops->read(v, u, *pos);
	if (r > 0)
		*pos += (uint64_t)r;
	if (r >= 0 && (r > 0 || u->resid))
		vfs_file_accessed(f);
	return r;
}

static ssize_t reg_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct vnode *v = f->vnode;
	ssize_t r;

	if (!v->ops->write)
		return -EINVAL;
	if (v->mode & (S_ISUID | S_ISGID)) {
		struct vfs_cred cred;

		proc_vfs_cred(proc_current(), &cred, false);
		vfs_kill_suid(v, &cred);
	}
	/*
	 * O_APPEND: at end of file, read under its own lock by the fs write
	 * op (a pos of UINT64_MAX asks for "append").
	 */
	if (f->flags & O_APPEND)
		*pos = UINT64_MAX;
	r = v->ops->write(v, u, *pos);
	if (r > 0) {
		if (f->flags & O_APPEND)
			*pos = v->size;
		else
			*pos += (uint64_t)r;
	}
	return r;
}

/* Any regular file maps privately; shared needs the fs's page cache. */
static int reg_mmap(struct file *f, bool shared)
{
	if (shared && !f->vnode->ops->getpage)
		return -ENODEV;
	vfs_file_accessed(f);
	return 0;
}

static int dir_iterate(struct file *f, vfs_filldir_t fill, void *ctx)
{
	struct vnode *v = f->vnode;
	int r;

	if (!v->ops->readdir)
		return -ENOTDIR;
	mutex_lock(&v->lock);
	r = v->ops->readdir(v, &f->pos, fill, ctx);
	mutex_unlock(&v->lock);
	vfs_file_accessed(f);
	return r;
}

static ssize_t dir_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return -EISDIR;
}

/* Directories: SEEK_SET/SEEK_CUR to a cookie (tmpfs refuses SEEK_END). */
static int64_t dir_llseek(struct file *f, int64_t off, int whence)
{
	int64_t base;

	if (whence == SEEK_SET)
		base = 0;
	else if (whence == SEEK_CUR)
		base = (int64_t)f->pos;
	else
		return -EINVAL;
	if (off > 0 && base > INT64_MAX - off)
		return -EOVERFLOW;
	if (base + off < 0)
		return -EINVAL;
	return base + off;
}

/*
 * The file's dirty pages go to its store (a no-op for tmpfs, whose
 * pages are the store; a directory has nothing cached), then the file
 * system's fsync op writes the rest (inode, metadata) and flushes.
 */
static int mem_fsync(struct file *f, bool datasync)
{
	struct vnode *v = f->vnode;
	int err = v && S_ISREG(v->mode) ? pcache_writeback(v) : 0;

	if (!err && v && v->ops->fsync)
		err = v->ops->fsync(v, datasync);
	return err;
}

const struct file_ops vfs_reg_fops = {
	.read = reg_read,
	.write = reg_write,
	.llseek = file_llseek_generic,
	.mmap = reg_mmap,
	.fsync = mem_fsync,
};

const struct file_ops vfs_dir_fops = {
	.read = dir_read,
	.llseek = dir_llseek,
	.iterate = dir_iterate,
	.fsync = mem_fsync,
};
