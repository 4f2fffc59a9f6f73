/*
 * The virtual file system.
 *
 * Layers, bottom up:
 *
 *   struct superblock  one mounted file system instance; its ops table
 *                      (struct super_ops) releases vnodes.
 *   struct vnode       one file of any type (an inode): attributes plus a
 *                      per-filesystem ops table (struct vnode_ops) for
 *                      lookup, create, readdir, readlink, data I/O.
 *   struct mount       a superblock attached on a directory vnode of
 *                      another mount; lookup crosses mount points both
 *                      ways ("/mnt" and "/mnt/..").
 *   struct file        an open file description (kos/file.h), with its
 *                      own ops table (struct file_ops): regular files and
 *                      directories use the generic vfs ones, device nodes
 *                      the driver's (kos/dev.h), pipes and sockets their
 *                      own, without a vnode if need be.
 *
 * Path lookup (namei) runs on kernel strings: the system-call layer copies
 * the path in first.  It follows at most SYMLOOP_MAX (40) symlinks per
 * lookup (then -ELOOP), handles ".", "..", repeated and trailing slashes
 * and crossing of mount points, and checks search permission on every
 * directory for the caller's credentials.
 *
 * Path walks go through the name cache (fs/dcache.c) and ask the file
 * system's lookup op only on a miss.
 *
 * Locking (no VFS-wide lock; fs/vfs.c has the details):
 *   vnode.lock          one vnode's attributes and, for a directory, its
 *                       names: the directory ops run with it held.  Taken
 *                       parent before child, directories before other
 *                       files; two directories neither of which is the
 *                       other's ancestor only under their superblock's
 *                       rename_lock (rename).
 *   superblock.rename_lock  serialises renames on one file system, so
 *                       ancestry does not change under a rename's checks.
 *   vfs_mount_lock      the mount table: mounts, vnode.mounted, sb->mnt,
 *                       mount flags.  Taken after vnode locks, never
 *                       held across a file-system op.
 *   dcache_lock         (fs/dcache.c) the name cache; a leaf.
 * No lock is held while a file's read/write blocks; the file system
 * guards its data itself.  Reference counts on vnodes and files are
 * atomic.
 */
#ifndef KOS_VFS_H
#define KOS_VFS_H

#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/pcache.h>
#include <kos/types.h>
#include <uapi/limits.h>

struct file;
struct vnode;
struct superblock;
struct pipe;
struct mount;
struct file_lock_ctx;
struct notify_conn;
struct uio;

/*
 * Device numbers inside the kernel: 12-bit major, 20-bit minor (as Linux's
 * internal dev_t).  kdev_encode() gives the value stat(2) reports in
 * st_dev/st_rdev (Linux's new_encode_dev(), glibc's makedev() agrees).
 */
#define KDEV(ma, mi) (((uint32_t)(ma) << 20) | ((uint32_t)(mi)&0xfffff))
#define KDEV_MAJOR(d) ((uint32_t)(d) >> 20)
#define KDEV_MINOR(d) ((uint32_t)(d)&0xfffff)

static inline uint64_t kdev_encode(uint32_t d)
{
	uint32_t ma = KDEV_MAJOR(d), mi = KDEV_MINOR(d);

	return (mi & 0xff) | (ma << 8) | ((uint64_t)(mi & ~0xffu) << 12);
}

struct vfs_time {
	int64_t sec;
	uint32_t nsec;
};

/* Attributes as stat(2)/statx(2) need them; sys/fs.c converts. */
struct kstat {
	uint32_t dev; /* KDEV() of the file system */
	uint64_t ino;
	uint32_t mode; /* S_IFMT type | permission bits */
	uint32_t nlink;
	uint32_t uid, gid;
	uint32_t rdev; /* KDEV() for device nodes, else 0 */
	int64_t size;
	uint32_t blksize;
	uint64_t blocks; /* 512-byte units */
	struct vfs_time atime, mtime, ctime;
	struct vfs_time btime; /* statx's birth time, if has_btime */
	bool has_btime;
};

/*
 * Who asks: the credentials permission checks use, a copy taken at the
 * start of the system call.  NULL means the kernel itself (every
 * capability).  access(2) passes the real ids, everything else the
 * file-system ones.  caps holds the effective capabilities (CAP_* bits,
 * uapi/capability.h); groups the first VFS_CRED_GROUPS supplementary
 * groups (a process with more is checked against those only).
 */
#define VFS_CRED_GROUPS 32
struct vfs_cred {
	uint32_t uid, gid;
	uint64_t caps;
	unsigned int ngroups;
	uint32_t groups[VFS_CRED_GROUPS];
};

/* Does cred have capability cap (uapi/capability.h)?  NULL: yes. */
static inline bool vfs_capable(const struct vfs_cred *cred, int cap)
{
	return !cred || (cred->caps & (1ULL << cap));
}

/* Is gid cred's group or one of its supplementary groups?  NULL: no. */
bool vfs_in_group(const struct vfs_cred *cred, uint32_t gid);

/* Permission-check masks (vfs_permission). */
#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4

/*
 * Directory-entry sink for readdir: called once per entry; returns false
 * when it has no room for this entry (which is then not consumed).  next
 * is the position that resumes after this entry.
 */
typedef bool (*vfs_filldir_t)(void *ctx, const char *name, size_t len,
			      uint64_t ino, unsigned int dtype, uint64_t next);

/*
 * Per-vnode operations, supplied by the file system.  Locks held by the
 * caller: the directory's (dir, odir and ndir) for lookup, create,
 * symlink, tmpfile, link, unlink, rename and readdir, plus the lock of
 * every existing file the op changes (link's v, the victim of unlink,
 * rename's two files); v's own for the xattr ops; none for readlink
 * (a symlink's target does not change), read, write, truncate,
 * fallocate and getpage, which guard the data themselves.  All return
 * 0 / a count or -EXXX.  Names are (ptr, len), not NUL
 * terminated, 1..NAME_MAX bytes, never "." (".." is asked of lookup).
 * A NULL op means "not supported" and yields the errno noted.
 */
struct vnode_ops {
	/* Find name in directory dir; *out gets a new reference. -ENOENT */
	int (*lookup)(struct vnode *dir, const char *name, size_t len,
		      struct vnode **out);
	/*
	 * Create a node of type and permissions mode (S_IFREG, S_IFDIR,
	 * S_IFCHR/S_IFBLK with rdev, S_IFIFO, S_IFSOCK), owned by uid/gid;
	 * -EEXIST if name exists.  *out: new reference.  -EPERM if NULL.
	 */
	int (*create)(struct vnode *dir, const char *name, size_t len,
		      uint32_t mode, uint32_t rdev, uint32_t uid, uint32_t gid,
		      struct vnode **out);
	/* Create a symlink holding target (NUL terminated). -EPERM */
	int (*symlink)(struct vnode *dir, const char *name, size_t len,
		       const char *target, uint32_t uid, uint32_t gid,
		       struct vnode **out);
	/*
	 * O_TMPFILE: a regular file of mode on dir's file system with no
	 * name (nlink 0) that link() may name later if linkable.  *out: new
	 * reference.  NULL: -EOPNOTSUPP.
	 */
	int (*tmpfile)(struct vnode *dir, uint32_t mode, uint32_t uid,
		       uint32_t gid, bool linkable, struct vnode **out);
	/* Add another name for the non-directory v. -EPERM */
	int (*link)(struct vnode *dir, const char *name, size_t len,
		    struct vnode *v);
	/* Remove name; dir_only for rmdir(2). -EPERM */
	int (*unlink)(struct vnode *dir, const char *name, size_t len,
		      bool dir_only);
	/*
	 * Move oname in odir to nname in ndir (same superblock), replacing
	 * what is there (the VFS checked types and permissions; a
	 * non-empty directory target is -ENOTEMPTY here), or swapping the
	 * two with VFS_RENAME_EXCHANGE.  -EPERM if NULL.
	 */
	int (*rename)(struct vnode *odir, const char *oname, size_t olen,
		      struct vnode *ndir, const char *nname, size_t nlen,
		      unsigned int flags);
	/* Copy the symlink target (no NUL) into kernel buf; its length. */
	ssize_t (*readlink)(struct vnode *v, char *buf, size_t len);
	/*
	 * A "magic" link (/proc/PID/fd/N, exe, cwd, root): the vnode it
	 * stands for (a new reference), which a path walk goes on from
	 * instead of readlink's text, so a deleted file or a pipe opens
	 * as on Linux.  -ENOSYS: an ordinary link after all (the walk
	 * uses readlink).  Optional.
	 */
	int (*get_link)(struct vnode *v, struct vnode **out);
	/* Entries from *pos on, "." and ".." included; advances *pos. */
	int (*readdir)(struct vnode *dir, uint64_t *pos, vfs_filldir_t fill,
		       void *ctx);
	/*
	 * Regular-file data at off; short only at end of file or on a
	 * fault.  write at off UINT64_MAX appends (O_APPEND) at the size
	 * read under the fs's lock; -EFBIG past the fs's maximum size.
	 */
	ssize_t (*read)(struct vnode *v, struct uio *u, uint64_t off);
	ssize_t (*write)(struct vnode *v, struct uio *u, uint64_t off);
	int (*truncate)(struct vnode *v, uint64_t size);
	/*
	 * fallocate(2) on a regular file, mode 0 or VFS_FALLOC_* (checked
	 * by the caller): allocate [off, off + len) (growing the size
	 * unless KEEP_SIZE), punch it out (zeros; whole pages freed),
	 * zero it (ZERO_RANGE: zeros, allocated), or take it out of the
	 * file or put a hole there (COLLAPSE_RANGE, INSERT_RANGE); the
	 * last three -EOPNOTSUPP where the fs cannot.  -ENOSPC/-ENOMEM,
	 * -EFBIG.  NULL: -EOPNOTSUPP.
	 */
	int (*fallocate)(struct vnode *v, int mode, uint64_t off, uint64_t len);
	/*
	 * The page cache (regular files; called without vnode locks, the fs
	 * locks itself, and may be called with an address space's lock
	 * held): the physical page that holds the file's bytes at
	 * [pgoff * PAGE_SIZE, +PAGE_SIZE), created zero-filled for a
	 * hole, in *pa with a new reference for the caller
	 * (pmm_page_put() it).  The page stays the file's for as long as
	 * that part lies below the size: read and write go through it, so
	 * stores to a mapping of it are the file's data.  Bytes past the
	 * size in the last page are not file data.  -ENXIO if the page
	 * lies wholly at or past the end of file, -ENOMEM.  NULL: the
	 * file system has no page cache (MAP_SHARED gives -ENODEV,
	 * private mappings copy with read).
	 */
	int (*getpage)(struct vnode *v, uint64_t pgoff, paddr_t *pa);
	/*
	 * getpage only if the page is in the cache already: nothing read,
	 * nothing allocated (a hole stays one); -ENOENT if it is not.
	 * Page faults use it to map a faulting page's neighbours
	 * (fault-around).  NULL: never.
	 */
	int (*peekpage)(struct vnode *v, uint64_t pgoff, paddr_t *pa);
	/*
	 * A shared writable mapping is about to store into page pgoff
	 * (which getpage gave out): the page is dirty from now on.  Files
	 * with a store set it (pcache_page_mkwrite); without it, shared
	 * mappings of the file are made writable at once.  0 or -errno
	 * (SIGBUS).
	 */
	int (*page_mkwrite)(struct vnode *v, uint64_t pgoff);
	/*
	 * fsync(2)/fdatasync(2) after the file's dirty pages went to the
	 * store: what else the file system keeps of it (the inode, its
	 * metadata), then a flush of the disk.  NULL: nothing more.
	 */
	int (*fsync)(struct vnode *v, bool datasync);
	/*
	 * lseek SEEK_DATA (hole false) / SEEK_HOLE from off: the offset in
	 * *out, -ENXIO at or past the size.  NULL: the whole file is data.
	 */
	int (*seek_data)(struct vnode *v, uint64_t off, bool hole,
			 uint64_t *out);
	/*
	 * The page cache's hooks into the store (kos/pcache.h), called
	 * with the cache's lock held: fill page idx of v into page (a
	 * zeroed kernel page; NULL: new pages are holes), write page idx
	 * back (NULL: pages live in memory only).  0 or -EIO.
	 */
	int (*readpage)(struct vnode *v, uint64_t idx, void *page);
	int (*writepage)(struct vnode *v, uint64_t idx, const void *page);
	/*
	 * Optional batch forms (readahead, clustered writeback): pages[i]
	 * is page idx + i, n of them, with the I/O in flight together.
	 * Same lock and results as readpage/writepage.
	 */
	int (*readpages)(struct vnode *v, uint64_t idx, void *const *pages,
			 unsigned int n);
	int (*writepages)(struct vnode *v, uint64_t idx, void *const *pages,
			  unsigned int n);
	/*
	 * Extended attributes (names NUL terminated, namespace and
	 * permissions checked by fs/xattr.c).  getxattr: the value's
	 * length, copied to buf unless buf is NULL (-ERANGE if size is
	 * too small), -ENODATA.  setxattr: value NULL removes; flags
	 * VFS_XATTR_CREATE (-EEXIST) / VFS_XATTR_REPLACE (-ENODATA);
	 * ctime becomes now.  listxattr: the names, each with its NUL,
	 * into buf (NULL: the length only; -ERANGE), trusted.* only if
	 * trusted.  NULL ops: -EOPNOTSUPP.
	 */
	ssize_t (*getxattr)(struct vnode *v, const char *name, void *buf,
			    size_t size);
	int (*setxattr)(struct vnode *v, const char *name, const void *value,
			size_t size, int flags);
	ssize_t (*listxattr)(struct vnode *v, char *buf, size_t size,
			     bool trusted);
	/*
	 * The creation time statx(2) reports as btime, with v's lock held:
	 * 0, or -ENODATA when the file system did not record one.  NULL:
	 * the file system records none.
	 */
	int (*getbtime)(struct vnode *v, struct vfs_time *t);
};

/* What statfs(2) reports (sys/fs calls fill the user's struct). */
struct kstatfs {
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree;
	uint64_t namelen, frsize, flags;
};

#define VFS_FALLOC_KEEP_SIZE 0x1
#define VFS_FALLOC_PUNCH_HOLE 0x2
/* A file system without these: EOPNOTSUPP. */
#define VFS_FALLOC_ZERO_RANGE 0x4
#define VFS_FALLOC_COLLAPSE_RANGE 0x8
#define VFS_FALLOC_INSERT_RANGE 0x10

/* Per-filesystem operations. */
struct super_ops {
	/* The last reference to v went away: free it (and fs data). */
	void (*evict)(struct vnode *v);
	/*
	 * The file system is unmounted and its root evicted: free sb.
	 * Optional (NULL: sb is never freed).
	 */
	void (*put_super)(struct superblock *sb);
	/*
	 * statfs(2): the block and inode counts (the VFS fills type,
	 * namelen and flags).  Optional: without it, zeros.
	 */
	void (*statfs)(struct superblock *sb, struct kstatfs *st);
	/*
	 * The page cache takes (n > 0) or gives back (n < 0) pages of sb:
	 * 0, or -ENOSPC when a limit (tmpfs's size=) is reached.
	 * Optional.
	 */
	int (*charge)(struct superblock *sb, long n);
	/*
	 * v's attributes (mode, owner, times, nlink) changed in memory:
	 * store them (the inode to its buffer).  Called with v->lock
	 * held, after the change.  Optional.
	 */
	void (*dirty_inode)(struct vnode *v);
	/*
	 * sync(2), syncfs(2) and unmount (before put_super): the file
	 * system's own metadata to the disk, and with wait the disk
	 * flushed.  Called after the file pages were written back.
	 * Optional.
	 */
	int (*sync_fs)(struct superblock *sb, bool wait);
	/*
	 * A remount switches sb between read-only (ro) and read-write:
	 * 0, or an error that keeps the old state (-EROFS: cannot be
	 * written).  Going read-only it is called after the VFS found no
	 * writers.  Optional.
	 */
	int (*remount)(struct superblock *sb, bool ro);
};

struct superblock {
	const struct super_ops *ops;
	unsigned int flags; /* VFS_SB_*: NOCACHE set before first use */
	/*
	 * Its first mount's VFS_MNT_* flags (atomic; vfs_mount_lock to
	 * write): what is enforced on its files, which do not know the
	 * mount they were reached through.
	 */
	unsigned long mnt_flags;
	long writers;		  /* atomic: files open for writing */
	uint64_t max_file_size;	  /* page cache: -EFBIG past it; 0: 16 GiB */
	struct mutex rename_lock; /* see the top of this file */
	const char *fstype;	  /* "tmpfs", "ext4", ... */
	uint64_t magic;		  /* statfs f_type (TMPFS_MAGIC, ...) */
	uint32_t dev;		  /* KDEV() reported as st_dev */
	struct vnode *root;	  /* referenced */
	struct mount *mnt;    /* its first mount (NULL: none); vfs_mount_lock */
	unsigned int nmounts; /* how many; vfs_mount_lock */
	/* The file ops of its regular files (NULL: vfs_reg_fops). */
	const struct file_ops *reg_fops;
	void *priv;
};

#define VFS_SB_NOCACHE 0x1 /* names change behind the VFS: no name cache */
#define VFS_SB_RDONLY 0x2  /* mounted read-only (atomic; vfs_mount_lock) */
#define VFS_SB_SINGLE \
	0x4 /* one instance (proc, devpts, mqueue): outlives \
			    * its last mount */
/* The file system cannot be written (yet): remounting read-write -EROFS. */
#define VFS_SB_NOWRITE 0x8

/* Set up the VFS's part of a new superblock (the fs zeroed it). */
void vfs_sb_init(struct superblock *sb);

/*
 * A mount: sb's tree from root (its root, or any directory or file of
 * it for a bind mount) shown on mountpoint.  Path walks that cross one
 * hold a reference (refcnt) while they are in it; the mount table
 * holds one while it is attached.
 */
struct mount {
	struct superblock *sb;
	struct vnode *root;	  /* referenced */
	struct vnode *mountpoint; /* covered vnode, referenced (NULL: /) */
	struct vnode *mp_dir;	  /* a file mount point's directory, ref'd */
	struct vnode *root_dir;	  /* a bound file's directory, ref'd */
	struct mount *parent;	  /* mountpoint's mount; vfs_mount_lock */
	struct list_head link;	  /* all mounts; vfs_mount_lock */
	char source[64];	  /* mount(2)'s source, for /proc/mounts */
	unsigned long flags;	  /* VFS_MNT_*; vfs_mount_lock */
	int id;			  /* /proc/<pid>/mountinfo's; the root's is 1 */
	unsigned int refcnt;	  /* atomic */
	bool attached;		  /* in the table; vfs_mount_lock */
};

/* Mount flags, with mount(2)'s MS_* values. */
#define VFS_MNT_RDONLY 0x1	 /* MS_RDONLY: changes give -EROFS */
#define VFS_MNT_NOSUID 0x2	 /* exec ignores set-user/group-ID bits */
#define VFS_MNT_NODEV 0x4	 /* device nodes do not open: -EACCES */
#define VFS_MNT_NOEXEC 0x8	 /* no exec, no PROT_EXEC mapping of files */
#define VFS_MNT_NOATIME 0x400	 /* reads never move atime */
#define VFS_MNT_NODIRATIME 0x800 /* ... of directories */
#define VFS_MNT_STRICTATIME 0x1000000 /* every read moves it (not relatime) */
#define VFS_MNT_ATIME \
	(VFS_MNT_NOATIME | VFS_MNT_NODIRATIME | VFS_MNT_STRICTATIME)
/* Those a second mount of a file system may not change (see vfs_remount). */
#define VFS_MNT_ENFORCED \
	(VFS_MNT_RDONLY | VFS_MNT_NOSUID | VFS_MNT_NODEV | VFS_MNT_NOEXEC)
/* vfs_remount: keep the mount's atime flags (none was given). */
#define VFS_MNT_KEEP_ATIME (1UL << 40)

/*
 * A file.  The attribute fields are the file system's to maintain
 * (under lock); the VFS reads them for stat and permission checks
 * (permission checks during a path walk read them without the lock).
 */
struct vnode {
	unsigned int refcnt; /* atomic */
	struct mutex lock;   /* see the top of this file */
	uint32_t mode;
	uint32_t nlink;
	uint32_t uid, gid;
	uint32_t rdev;
	uint64_t ino;
	uint64_t size;
	uint64_t blocks; /* 512-byte units */
	struct vfs_time atime, mtime, ctime;
	struct superblock *sb;
	const struct vnode_ops *ops;
	struct mount *mounted; /* a mount covering this dir; vfs_mount_lock */
	struct list_head dchildren; /* name-cache entries here; dcache_lock */
	/*
	 * Atomic: > 0 files open for writing, < 0 files denying writes
	 * (a running program: ETXTBSY both ways), as Linux's i_writecount.
	 */
	int writecount;
	struct pipe *pipe; /* a FIFO's pipe while open; fs/pipe.c's lock */
	/*
	 * File locks (fs/lock.c, kos/lock.h): allocated with the first lock
	 * and freed with the last, so NULL when none is held.  Guarded by
	 * lock.c's mutex; read without it only to skip that mutex when
	 * there is nothing to release.
	 */
	struct file_lock_ctx *locks;
	/*
	 * Watches (fs/notify.c, kos/notify.h): NULL while unwatched;
	 * notify_lock guards it, hooks read it without to skip work.
	 */
	struct notify_conn *notify;
	struct pcache pages; /* a regular file's data (kos/pcache.h) */
	void *priv;	     /* file-system private */
};

/* Lookup flags */
#define LOOKUP_FOLLOW 0x1    /* follow a symlink in the last component */
#define LOOKUP_DIRECTORY 0x2 /* the result must be a directory */
#define LOOKUP_EMPTY 0x4     /* "" names the start directory itself */

/*
 * Boot: create the root ramfs, unpack the cpio "newc" initramfs (may be
 * NULL/0) into it and make sure /dev holds console, null, zero, random and
 * urandom.  Malformed archives are logged and unpacking stops; what was
 * unpacked so far stays.  0 or -ENOMEM.  Call once, from thread context,
 * after kmalloc_init() and sched_init().
 */
int vfs_init(const void *initrd, size_t size);

/*
 * Throw the root file system away and build a fresh one from the
 * initramfs, as after a boot (the test batch runner, kern/batch.c).  The
 * old tree is freed.  -EBUSY (nothing changed) if anything but the root
 * mount exists or anyone still holds the root; else what vfs_init()
 * returns.
 */
int vfs_reset_root(const void *initrd, size_t size);

/* The root directory (not referenced: it lives forever). */
struct vnode *vfs_root(void);

/*
 * Make root (a directory, referenced here) "/" for the kernel's own
 * lookups, as Linux's prepare_namespace() chroots into the real root
 * file system: PID 1's program is then found there, not in the
 * initramfs below it.  Boot only, before user threads run.
 */
void vfs_chroot_kernel(struct vnode *root);

/* The mount table's lock (see the top of this file). */
extern struct mutex vfs_mount_lock;

void vnode_get(struct vnode *v);
/* Drop a reference; the last one calls sb->ops->evict. NULL ignored. */
void vnode_put(struct vnode *v);

/*
 * Resolve path relative to dir (NULL: the root) for cred.  flags:
 * LOOKUP_*.  A trailing slash implies LOOKUP_DIRECTORY and following.
 * *out gets a referenced vnode.  Errors: -ENOENT, -ENOTDIR, -ELOOP,
 * -ENAMETOOLONG, -EACCES.
 */
int vfs_lookup(struct vnode *dir, const char *path, unsigned int flags,
	       const struct vfs_cred *cred, struct vnode **out);

/*
 * open(2) on a kernel path: flags are Linux O_* (O_CREAT, O_EXCL, O_TRUNC,
 * O_DIRECTORY, O_NOFOLLOW, O_PATH, O_APPEND, O_NONBLOCK honoured; the
 * caller handles O_CLOEXEC), mode the creation mode with the umask
 * already applied.  *out gets a new file (refcount 1).
 */
int vfs_openat(struct vnode *dir, const char *path, int flags, uint32_t mode,
	       const struct vfs_cred *cred, struct file **out);

/*
 * Open an absolute (or root-relative) path for the kernel itself, as root:
 * the ELF loader opens binaries and interpreters with this.
 */
int vfs_open_kernel(const char *path, int flags, struct file **out);

/*
 * Open the file behind vnode v (its type decides the ops: regular,
 * directory, character device), without permission checks (execve
 * checked exec permission itself).  Takes its own vnode reference.
 */
int vfs_open_vnode(struct vnode *v, int flags, struct file **out);

/* Fill st from v / from an open file (O_PATH files too). */
void vfs_getattr(struct vnode *v, struct kstat *st);
int vfs_stat_file(struct file *f, struct kstat *st);

/*
 * May cred access v with mask (MAY_*)?  Root passes read/write always and
 * exec when v is a directory or has any x bit.  0 or -EACCES.
 */
int vfs_permission(struct vnode *v, int mask, const struct vfs_cred *cred);

/*
 * The ELF loader's check before exec: v must be a regular file that cred
 * may execute (Linux: directories and devices also give -EACCES).
 * 0 or -EACCES.
 */
int vfs_may_exec(struct vnode *v, const struct vfs_cred *cred);

/* readlink(2) on path relative to dir into kernel buf; length or -EXXX. */
ssize_t vfs_readlinkat(struct vnode *dir, const char *path, char *buf,
		       size_t len, const struct vfs_cred *cred);

/* Create directory / node / symlink / hard link (kernel-side mkdir etc.) */
int vfs_mkdirat(struct vnode *dir, const char *path, uint32_t mode,
		const struct vfs_cred *cred);
int vfs_mknodat(struct vnode *dir, const char *path, uint32_t mode,
		uint32_t rdev, const struct vfs_cred *cred);
int vfs_symlinkat(const char *target, struct vnode *dir, const char *path,
		  const struct vfs_cred *cred);
int vfs_linkat(struct vnode *odir, const char *opath, struct vnode *ndir,
	       const char *npath, unsigned int lflags,
	       const struct vfs_cred *cred);
int vfs_unlinkat(struct vnode *dir, const char *path, bool dir_only,
		 const struct vfs_cred *cred);

/* rename flags (Linux's RENAME_* values) */
#define VFS_RENAME_NOREPLACE 0x1
#define VFS_RENAME_EXCHANGE 0x2
#define VFS_RENAME_WHITEOUT 0x4

/*
 * renameat2(2) on kernel paths; flags VFS_RENAME_*, already checked for
 * validity by the caller.
 */
int vfs_renameat(struct vnode *odir, const char *opath, struct vnode *ndir,
		 const char *npath, unsigned int flags,
		 const struct vfs_cred *cred);

/*
 * chroot(2)'s checks on path (relative to dir): the directory (ENOENT,
 * ENOTDIR...), search permission (EACCES), then CAP_SYS_CHROOT (EPERM).
 * *out: the new root, referenced, for the caller to install.  Path
 * walks then start absolute paths there and stop ".." there; paths the
 * kernel shows (getcwd, /proc links) are relative to the reader's root,
 * "(unreachable)/..." outside it, as Linux's.
 */
int vfs_chroot(struct vnode *dir, const char *path, const struct vfs_cred *cred,
	       struct vnode **out);

/* Attribute changes: what struct vfs_attr asks for. */
#define VFS_ATTR_MODE 0x1 /* permission bits (a->mode & 07777) */
#define VFS_ATTR_UID 0x2
#define VFS_ATTR_GID 0x4
#define VFS_ATTR_ATIME 0x8 /* a->atime, or now with _ATIME_NOW */
#define VFS_ATTR_MTIME 0x10
#define VFS_ATTR_ATIME_NOW 0x20
#define VFS_ATTR_MTIME_NOW 0x40
#define VFS_ATTR_TIMES_SET 0x80	 /* an explicit time: owner only */
#define VFS_ATTR_KILL_SUID 0x100 /* chown: drop setuid/setgid-exec */
#define VFS_ATTR_MODE_KILL 0x200 /* (internal: KILL_SUID changed mode) */

struct vfs_attr {
	unsigned int valid; /* VFS_ATTR_* */
	uint32_t mode, uid, gid;
	struct vfs_time atime, mtime;
};

/*
 * chmod/chown/utimes on v with Linux's rules (setattr_prepare()): only
 * the owner or CAP_FOWNER changes the mode (setgid dropped unless the
 * group is one's own or CAP_FSETID); the owner only by CAP_CHOWN; the
 * group by CAP_CHOWN or the owner to one of its groups; explicit times
 * by the owner or CAP_FOWNER (-EPERM), "now" also by anyone who may
 * write (-EACCES).  ctime becomes now.  0 or the error.
 */
int vfs_setattr(struct vnode *v, const struct vfs_attr *a,
		const struct vfs_cred *cred);

/*
 * getcwd(2): the path of cwd as seen from root, NUL terminated, into
 * kernel buf of len bytes.  Returns the length including the NUL, -ERANGE
 * if it does not fit, -ENOENT if cwd was removed.
 */
long vfs_getcwd(struct vnode *cwd, char *buf, size_t len);
/* The same for any directory v (no vnode lock held by the caller). */
long vfs_path(struct vnode *v, char *buf, size_t len);

/*
 * Mount sb on the directory path (kernel-side mount(2)).  The mount
 * holds a reference to sb->root and to the covered vnode.
 */
int vfs_mount(struct superblock *sb, const char *path);

/*
 * mount(2) of a new instance of fstype ("tmpfs", "proc", "ext4") named
 * source on the directory path (relative to dir), with VFS_MNT_* flags
 * and the file system's options (tmpfs: size=, mode=, uid=, gid=;
 * -EINVAL for others).  -ENODEV for an unknown type, -EBUSY if
 * something is mounted there already.  For a disk file system (ext4)
 * source is the path of a block device node, also looked up from dir:
 * -ENOTBLK if it is something else, -ENXIO if no such disk exists;
 * ext4 mounts only read-only for now (else -EROFS).
 */
int vfs_mount_new(struct vnode *dir, const char *path, const char *fstype,
		  const char *source, unsigned long flags, const char *data,
		  const struct vfs_cred *cred);

/*
 * umount2(2) of the mount whose root path names (after following what
 * is mounted on it, as Linux's LOOKUP_MOUNTPOINT): -EINVAL if it is not
 * one, -EBUSY if something below is in use or mounted (unless detach,
 * MNT_DETACH: then it goes from the name space at once and the file
 * system stays until its last user lets go).
 */
int vfs_umount(struct vnode *dir, const char *path, bool nofollow, bool detach,
	       const struct vfs_cred *cred);

/*
 * mount(2) with MS_BIND (MS_REC alike: mounts below the source show
 * through either way): the file or directory opath names, shown on
 * npath as well.  MS_MOVE: the mount rooted at opath moves to npath
 * (-EINVAL if opath is not a mount's root, -ELOOP into itself).  Both
 * -EPERM without CAP_SYS_ADMIN, -EBUSY if npath has a mount already,
 * -ENOTDIR when a directory would cover a file or the other way round.
 */
int vfs_bind(struct vnode *odir, const char *opath, struct vnode *ndir,
	     const char *npath, const struct vfs_cred *cred);
int vfs_move_mount(struct vnode *odir, const char *opath, struct vnode *ndir,
		   const char *npath, const struct vfs_cred *cred);

/*
 * pivot_root(2): the mount rooted at npath becomes the root of the
 * caller's view, the one of its root goes onto opath (at or under
 * npath; followed down onto what is mounted there, so "." and "." put
 * the old root on top of the new), and every thread whose root or cwd
 * was the old root moves to the new.  Linux's errors in Linux's order:
 * -EPERM without CAP_SYS_ADMIN, the look-ups' (-ENOENT, -ENOTDIR, ...),
 * -ENOENT for a removed directory, -EBUSY if npath or opath is in the
 * root's own mount, -EINVAL if the root or npath is not a mount's root,
 * the root is the top mount, or opath is not under npath.
 */
int vfs_pivot_root(struct vnode *ndir, const char *npath, struct vnode *odir,
		   const char *opath, const struct vfs_cred *cred);

/*
 * mount(2) with MS_REMOUNT on the root of a mount path names: flags
 * (VFS_MNT_*) replace the mount's, its atime flags too unless
 * VFS_MNT_KEEP_ATIME; data gives tmpfs a new size= (not with bind,
 * MS_BIND: the mount's flags only).  -EINVAL if path is not a mount's
 * root, or for a second mount of a file system whose VFS_MNT_ENFORCED
 * flags would differ from the first's (KOS enforces them per file
 * system; Linux allows it), -EPERM without CAP_SYS_ADMIN, -EBUSY when
 * going read-only while files are open for writing.
 */
int vfs_remount(struct vnode *dir, const char *path, unsigned long flags,
		const char *data, bool bind, const struct vfs_cred *cred);

/*
 * Is path the root of a mount (what mount(2)'s propagation changes act
 * on)?  0, or the lookup's error, -EPERM without CAP_SYS_ADMIN, -EINVAL.
 */
int vfs_mount_root(struct vnode *dir, const char *path,
		   const struct vfs_cred *cred);

/* /proc/mounts: one line per mount, handed to sink(ctx, text, len). */
void vfs_show_mounts(void (*sink)(void *ctx, const char *s, size_t n),
		     void *ctx);

/* /proc/<pid>/mountinfo: Linux's format, one line per mount, to sink. */
void vfs_show_mountinfo(void (*sink)(void *ctx, const char *s, size_t n),
			void *ctx);

/* The id mountinfo shows for the mount sb is on (0 if none). */
int vfs_mount_id(struct superblock *sb);

/* sysfs (fs/sysfs.c): a new instance for mount -t sysfs. */
struct superblock *sysfs_create(void);

/* procfs (fs/procfs.c): its one instance, made on first use. */
struct superblock *vfs_procfs(void);

/* Allocate a zeroed vnode with refcount 1 for sb (fs helpers). */
struct vnode *vnode_alloc(struct superblock *sb, const struct vnode_ops *ops,
			  size_t size);

/*
 * f was read (read(2) of a non-zero length, getdents, mmap, exec): its
 * access time moves as relatime says, unless O_NOATIME or a read-only
 * mount.
 */
void vfs_file_accessed(struct file *f);
/* Tell v's file system its attributes changed (v->lock held). */
void vfs_dirty_inode(struct vnode *v);
/* sync(2): every mounted file system's sync_fs (after the pages). */
void vfs_sync_all(void);
/* syncfs(2)'s part after the pages: sb's sync_fs, if any. */
int vfs_sync_fs(struct superblock *sb);

/* Linux's inode_owner_or_capable(): v's owner, or CAP_FOWNER. */
bool vfs_owner_or_capable(struct vnode *v, const struct vfs_cred *cred);

/* Is v on a read-only mount? */
bool vfs_read_only(struct vnode *v);
/* The VFS_MNT_* flags that apply to v (its file system's first mount). */
static inline unsigned long vfs_mnt_flags(const struct vnode *v)
{
	return v && v->sb ? __atomic_load_n(&v->sb->mnt_flags, __ATOMIC_RELAXED)
			  : 0;
}

/* statfs(2) of the file system v lives on. */
void vfs_statfs(struct vnode *v, struct kstatfs *st);

/*
 * A write to v by cred (file_remove_privs()): a regular file loses
 * setuid, and setgid if group-executable, unless cred has CAP_FSETID.
 */
void vfs_kill_suid(struct vnode *v, const struct vfs_cred *cred);

/* Extended attributes (fs/xattr.c): Linux's XATTR_* limits and flags. */
#define VFS_XATTR_CREATE 0x1
#define VFS_XATTR_REPLACE 0x2
#define VFS_XATTR_NAME_MAX 255
#define VFS_XATTR_SIZE_MAX 65536
#define VFS_XATTR_LIST_MAX 65536

/*
 * The xattr calls on v with Linux's checks (xattr_permission() and the
 * capability hooks): a read-only mount (-EROFS, changes only); user.*
 * only on regular files and directories (else -EPERM to change,
 * -ENODATA to read), the sticky-directory rule (-EPERM), then read or
 * write permission (-EACCES); trusted.* only with CAP_SYS_ADMIN (-EPERM
 * to change, -ENODATA to read); security.* without a permission check
 * but CAP_SYS_ADMIN to change (-EPERM); other namespaces -EOPNOTSUPP
 * (after the permission check), a bare prefix -EINVAL.  Kernel buffers;
 * name is NUL terminated, 1..VFS_XATTR_NAME_MAX bytes.
 */
ssize_t vfs_getxattr(struct vnode *v, const char *name, void *buf, size_t size,
		     const struct vfs_cred *cred);
/* value NULL: removexattr(2) (flags ignored). */
int vfs_setxattr(struct vnode *v, const char *name, const void *value,
		 size_t size, int flags, const struct vfs_cred *cred);
/* listxattr(2): trusted.* shown only to CAP_SYS_ADMIN; no permission. */
ssize_t vfs_listxattr(struct vnode *v, char *buf, size_t size,
		      const struct vfs_cred *cred);

/* "now" for timestamps. */
struct vfs_time vfs_now(void);

/*
 * The unnamed file behind a MAP_SHARED|MAP_ANONYMOUS mapping (shmem.c):
 * size bytes of zeroes, open read-write.  0 or -errno.
 */
int shmem_file_create(uint64_t size, struct file **out);
/* The same with permission bits mode (memfd_create's file). */
int shmem_file_create_mode(uint64_t size, uint32_t mode, struct file **out);
/* Free the private instance behind them (none may be open; tests). */
void shmem_shutdown(void);

/* A new anonymous device number for a superblock (0:n). */
uint32_t vfs_anon_dev(void);

/* ramfs: a new instance (the root file system is one). */
struct superblock *ramfs_create(void);
/*
 * tmpfs mount options: size=N[kmg%], nr_blocks=, mode=octal (default
 * 1777), uid=, gid=, nr_inodes= (accepted).  -EINVAL for anything else
 * (nothing changed then).  On a remount only the size limit changes
 * (-EINVAL below what is in use).
 */
int ramfs_apply_options(struct superblock *sb, const char *data, bool remount);

/*
 * Unpack a cpio "newc" (or "crc") archive into the tree under dir.
 * Returns 0 when the whole archive (up to TRAILER!!!) was unpacked,
 * -EINVAL for a malformed archive (logged; entries before the damage
 * stay), -ENOMEM.  Entries that cannot be created are logged and skipped.
 */
int cpio_unpack(struct vnode *dir, const void *data, size_t size);

#endif
