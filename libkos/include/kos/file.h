/*
 * Open file descriptions (what an fd points at) and the I/O vectors that
 * carry data between them and user or kernel buffers.
 *
 * A struct file is created by vfs_openat() (or by pipes/sockets with
 * file_alloc()) with one reference; file descriptors, mmaps and the ELF
 * loader each hold references.  The position is guarded by f->pos_lock
 * for files with FMODE_ATOMIC_POS (regular files and directories), so
 * concurrent read()s on one description never see the same bytes.
 */
#ifndef KOS_FILE_H
#define KOS_FILE_H

#include <kos/mutex.h>
#include <kos/types.h>
#include <kos/vfs.h>
#include <uapi/uio.h>

struct vnode;
struct file;
struct file_async;
struct kstat;
struct poll_table;

/*
 * An I/O vector walk.  iov[] are user addresses when user is set (each
 * access then goes through copy_to_user/copy_from_user) and kernel
 * addresses otherwise.  resid counts the bytes still wanted.
 */
struct uio {
	const struct iovec *iov;
	unsigned int nr;
	unsigned int idx; /* current vector */
	size_t off;	  /* offset within iov[idx] */
	size_t resid;
	bool user;
	struct iovec one; /* storage for uio_init_* single buffers */
};

/* A uio over one kernel buffer / one user buffer. */
void uio_init_kernel(struct uio *u, void *buf, size_t len);
void uio_init_user(struct uio *u, unsigned long ubuf, size_t len);

/*
 * Move n bytes from kernel src into the uio's buffers (a read), or from
 * the buffers to kernel dst (a write); n <= resid.  0, or -EFAULT when a
 * user buffer is bad (the uio then stands after the bytes that made it).
 */
int uio_copyout(struct uio *u, const void *src, size_t n);
int uio_copyin(struct uio *u, void *dst, size_t n);
/* Store n zero bytes into the uio's buffers.  0 or -EFAULT. */
int uio_zero(struct uio *u, size_t n);

/*
 * A driver's or file system's file operations.  read/write move up to
 * u->resid bytes at *pos and advance it (pos may be a private copy for
 * pread/pwrite); they return the count or -EXXX (-EFAULT only when
 * nothing was moved).  NULL: read/write -EINVAL, llseek -ESPIPE, ioctl
 * -ENOTTY, iterate -ENOTDIR.
 */
struct file_ops {
	ssize_t (*read)(struct file *f, struct uio *u, uint64_t *pos);
	ssize_t (*write)(struct file *f, struct uio *u, uint64_t *pos);
	/* New position for (off, whence), not yet stored; or -EXXX. */
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	/* arg is the raw user argument (often a user pointer). */
	long (*ioctl)(struct file *f, unsigned int cmd, unsigned long arg);
	/* Directory entries from f->pos on (pos_lock held). */
	int (*iterate)(struct file *f, vfs_filldir_t fill, void *ctx);
	/* Called at open (f->vnode set) to set up f->priv; may fail. */
	int (*open)(struct file *f);
	/* The last reference is gone. */
	void (*release)(struct file *f);
	/*
	 * mmap(2), after the access-mode checks: may f be mapped (shared
	 * or private)?  0: map the file's pages (faults use
	 * file_getpage() or read); FILE_MMAP_ANON: map anonymous memory
	 * instead (/dev/zero); or -EXXX.  NULL: -ENODEV.
	 */
	int (*mmap)(struct file *f, bool shared);
	/* poll(2): POLL* bits now; poll_wait() the queues (kos/poll.h). */
	unsigned int (*poll)(struct file *f, struct poll_table *pt);
	/*
	 * The file takes O_ASYNC (F_SETFL, ioctl FIOASYNC), as Linux's
	 * files with a fasync method (sockets, pipes, ttys, inotify,
	 * /dev/random); others keep it clear and FIOASYNC is -ENOTTY.
	 * While it is on, the owner (F_SETOWN) gets SIGIO at each wake-up
	 * of the queues the file's poll names (fs/fasync.c).
	 */
	bool fasync;
	/* fsync(2)/fdatasync(2).  NULL: -EINVAL (pipes, most devices). */
	int (*fsync)(struct file *f, bool datasync);
	/*
	 * The lines /proc/<pid>/fdinfo/<fd> shows after Linux's generic
	 * ones (eventfd-count, inotify wd, ...), handed to sink.  Optional.
	 */
	void (*show_fdinfo)(struct file *f,
			    void (*sink)(void *ctx, const char *s, size_t n),
			    void *ctx);
};

#define FILE_MMAP_ANON 1 /* file_ops.mmap: anonymous memory instead */

/* f->fmode bits: what the description may do. */
#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define FMODE_LSEEK 0x4	      /* lseek allowed */
#define FMODE_PREAD 0x8	      /* pread/pwrite allowed */
#define FMODE_ATOMIC_POS 0x10 /* serialise users of pos */
#define FMODE_PATH 0x20	      /* O_PATH: no I/O at all */
#define FMODE_WRITER 0x40     /* counted in vnode->writecount */
#define FMODE_DENY_WRITE 0x80 /* denies writes to its vnode (a program) */
#define FMODE_EPOLL 0x100     /* was added to an epoll: forget at close */
#define FMODE_DNOTIFY 0x200   /* had F_NOTIFY watches: end them at close */

struct file {
	unsigned int refcnt; /* atomic */
	unsigned int flags;  /* O_ACCMODE | status flags (F_GETFL) */
	unsigned int fmode;  /* FMODE_* */
	uint64_t pos;	     /* pos_lock if FMODE_ATOMIC_POS */
	struct mutex pos_lock;
	struct vnode *vnode; /* referenced; NULL for anon files */
	/*
	 * The name it was opened by, for /proc/<pid>/fd (no name cache
	 * yet): oname (kmalloc'd) relative to odir (referenced; NULL for
	 * an absolute name), or both NULL.  Constant after open.
	 */
	struct vnode *odir;
	char *oname;
	const struct file_ops *ops;
	void *priv; /* the ops' own */
	/*
	 * The epoll items watching this file (sys/epoll.c: its
	 * ep_files_lock guards the list; the items own themselves).
	 */
	struct list_head ep_items;
	/*
	 * F_SETOWN's owner: F_OWNER_* in the high half, the pid, tid or
	 * process group number in the low one (atomic; 0: none).
	 */
	uint64_t owner;
	/* Who set it: uid << 32 | euid (atomic), for Linux's sigio_perm. */
	uint64_t owner_cred;
	int owner_sig; /* F_SETSIG's signal, 0: SIGIO (atomic) */
	/* The hooks that send SIGIO while O_ASYNC is on (fs/fasync.c). */
	struct file_async *async;
};

/*
 * A new file with refcount 1 for vnode v (referenced here; may be NULL),
 * ops and open flags.  fmode gets READ/WRITE from the access mode.  NULL
 * if memory is short.
 */
struct file *file_alloc(struct vnode *v, const struct file_ops *ops,
			unsigned int flags);
void file_get(struct file *f);
/* Is f a file of a noexec mount (no PROT_EXEC mappings)? */
bool file_noexec(const struct file *f);
/* Does f take O_ASYNC (file_ops.fasync)? */
static inline bool file_takes_async(const struct file *f)
{
	return f->ops && f->ops->fasync;
}
/* Drop a reference; the last calls ops->release and drops the vnode. */
void file_put(struct file *f);

/*
 * O_ASYNC turned on (through descriptor fd, si_fd of F_SETSIG's signal)
 * or off for f, which takes it: start or stop sending SIGIO to f's
 * owner at its wake-ups.  0 or -ENOMEM.  The caller changes f->flags.
 */
int fasync_set(struct file *f, bool on, int fd);
/* f's last reference is gone: its SIGIO hooks go (before release). */
void fasync_forget(struct file *f);
/* Send the signals files' wake-ups left owed (thread context). */
void fasync_run(void);
/*
 * Owe f's owner a signal for POLL_* reason with si_fd fd, whatever
 * O_ASYNC says (dnotify); sent before the caller returns to user mode.
 * Thread context.
 */
void fasync_queue(struct file *f, int reason, int fd);
/*
 * Linux's kill_fasync: the O_ASYNC files watching wq owe their owners a
 * signal, without waking wq's sleepers (a pipe's writers at each read).
 */
struct waitq;
void fasync_notify(struct waitq *wq);
/* waitq_wake_all(wq) but for the O_ASYNC files watching it. */
void fasync_wake_quiet(struct waitq *wq);

/*
 * The path /proc shows for f in kernel buf (len bytes, NUL terminated):
 * a directory's path from the root, "pipe:[ino]" for a pipe, else the
 * name it was opened by made absolute, with " (deleted)" once it has no
 * name left.  Takes vnode locks: call with none held.  The length with
 * the NUL, or -EXXX.
 */
long file_path(struct file *f, char *buf, size_t len);

/*
 * Writers and running programs exclude each other (ETXTBSY), counted in
 * vnode->writecount.  vnode_get_write: one more writer, or -ETXTBSY if a
 * program runs from v.  file_deny_write: f (a program execve() opened)
 * keeps writers out until its last reference goes; 0 or -ETXTBSY.
 */
int vnode_get_write(struct vnode *v);
void vnode_put_write(struct vnode *v);
int file_deny_write(struct file *f);

/*
 * Read len bytes at off into a KERNEL buffer, not moving f->pos (ELF
 * loader, file-backed page faults).  Works on any file with
 * FMODE_PREAD whose access mode allows reading.  Count (short at EOF) or
 * -EXXX.
 */
ssize_t file_pread_kernel(struct file *f, void *buf, size_t len, uint64_t off);
ssize_t file_pwrite_kernel(struct file *f, const void *buf, size_t len,
			   uint64_t off);

/*
 * The I/O entry points behind read/write/pread/preadv/readv... on a uio.
 * pos < 0 means "at and advancing f->pos"; otherwise positional (-ESPIPE
 * when the file has no FMODE_PREAD).  -EBADF if the access mode forbids.
 */
ssize_t file_read(struct file *f, struct uio *u, int64_t pos);
ssize_t file_write(struct file *f, struct uio *u, int64_t pos);
int64_t file_lseek(struct file *f, int64_t off, int whence);
/*
 * ioctl(2) after the fd-level requests: the generic ones (FIONREAD on a
 * regular file: bytes from the position to the end of file, as an int
 * stored at the user address arg), then the file's own (-ENOTTY if it
 * has none).  -EBADF for O_PATH files.
 */
long file_ioctl(struct file *f, unsigned int cmd, unsigned long arg);

/*
 * mmap(2) support of f for a shared or private mapping: 0 (map the
 * file), FILE_MMAP_ANON (map anonymous memory), or -ENODEV and friends.
 */
int file_mmap_check(struct file *f, bool shared);

/*
 * The page-cache page of f's file page pgoff, referenced (see
 * vnode_ops.getpage).  -ENOSYS if the file has no page cache, -ENXIO
 * past the end of file, -ENOMEM.
 */
int file_getpage(struct file *f, uint64_t pgoff, paddr_t *pa);
/*
 * file_getpage() only if the page is in the cache already (see
 * vnode_ops.peekpage): -ENOENT if not, -ENOSYS if it cannot say.
 */
int file_peekpage(struct file *f, uint64_t pgoff, paddr_t *pa);
/*
 * Does f want to hear of the first store into each page of a shared
 * mapping (vnode_ops.page_mkwrite)?  And the call itself: 0 or -errno.
 */
bool file_wants_mkwrite(struct file *f);
int file_page_mkwrite(struct file *f, uint64_t pgoff);

/*
 * getdents64(2) into a buffer of len bytes (user address when user):
 * bytes stored, 0 at end, -EINVAL if the first entry does not fit,
 * -ENOTDIR, -EFAULT.
 */
long file_getdents64(struct file *f, unsigned long buf, size_t len, bool user);

/* Generic lseek for files with a size (the vnode's). */
int64_t file_llseek_generic(struct file *f, int64_t off, int whence);
/* The same for a file of size sz, refusing offsets past max (-EINVAL). */
int64_t file_llseek_size(struct file *f, int64_t off, int whence, int64_t sz,
			 int64_t max);
/* lseek that does nothing and says 0 (/dev/null, /dev/zero, random). */
int64_t file_llseek_noop(struct file *f, int64_t off, int whence);

/* The vfs's own file ops (regular files, directories). */
extern const struct file_ops vfs_reg_fops;
extern const struct file_ops vfs_dir_fops;

#endif
