/*
 * File-system notification (fs/notify.c, fs/inotify.c): the hooks the VFS
 * and the file layer call when something happens to a file, and inotify(7)
 * on top of them.
 *
 * A watch (struct notify_watch) ties one inotify instance to one vnode.
 * The watches of a vnode hang off vnode->notify (a struct notify_conn,
 * allocated with the first watch and freed with the last, so NULL while
 * nobody watches the vnode).  Events on a file are reported to its own
 * watches and, for the events Linux reports to parents (open, access,
 * modify, attrib, close), with the file's name to the watches of every
 * watched directory of its file system that holds it (found by reading
 * that directory: KOS has no dentries to name a file's parent).
 *
 * Every hook below first reads one counter, fsnotify_nwatches (the
 * number of watches in the system): when nobody watches anything a hook
 * costs that one load and a branch.
 *
 * Ownership and locking (see fs/notify.c for the details):
 *  - a watch holds a reference to its vnode (as Linux's marks pin the
 *    inode), so a watched vnode is never evicted under a watch; the watch
 *    goes away by inotify_rm_watch(2), IN_ONESHOT, the close of its
 *    instance, the unmount of its file system, or when the vnode is
 *    deleted (no name left and no other user: IN_DELETE_SELF), and then
 *    drops that reference after every notify lock is released;
 *  - lock order: directory vnode locks, then notify_lock (a mutex guarding every
 *    watch list), then an instance's queue spinlock.
 */
#ifndef KOS_NOTIFY_H
#define KOS_NOTIFY_H

#include <kos/types.h>
#include <kos/vfs.h>
#include <uapi/inotify.h>

struct vnode;
struct file;
struct superblock;
struct notify_conn;

/* Watches in the whole system (atomic); 0: every hook returns at once. */
extern unsigned int fsnotify_nwatches;

static inline bool fsnotify_active(void)
{
	return __atomic_load_n(&fsnotify_nwatches, __ATOMIC_RELAXED) != 0;
}

/* The slow paths behind the hooks (fs/notify.c). */
void fsnotify_name_event(struct vnode *dir, const char *name, size_t len,
			 struct vnode *v, uint32_t mask);
void fsnotify_link_event(struct vnode *dir, const char *name, size_t len,
			 struct vnode *v);
void fsnotify_unlink_event(struct vnode *dir, const char *name, size_t len,
			   struct vnode *v);
void fsnotify_rename_event(struct vnode *odir, const char *oname, size_t olen,
			   struct vnode *ndir, const char *nname, size_t nlen,
			   struct vnode *v, struct vnode *t, bool exchange);
void fsnotify_file_event(struct file *f, uint32_t mask);
void fsnotify_vnode_event(struct vnode *v, uint32_t mask);
void fsnotify_put_slow(struct vnode *v, unsigned int left);
void fsnotify_unmount_sb(struct superblock *sb);
unsigned int fsnotify_pins_slow(struct vnode *v);

/* A new name in dir: mkdir, mknod, symlink, open(O_CREAT).  dir locked. */
static inline void fsnotify_create(struct vnode *dir, const char *name,
				   size_t len, struct vnode *v)
{
	if (fsnotify_active())
		fsnotify_name_event(dir, name, len, v, IN_CREATE);
}

/* link(2) gave v the name (name, len) in dir.  dir and v locked. */
static inline void fsnotify_link(struct vnode *dir, const char *name,
				 size_t len, struct vnode *v)
{
	if (fsnotify_active())
		fsnotify_link_event(dir, name, len, v);
}

/*
 * unlink(2)/rmdir(2) removed (name, len) from dir; the caller still holds
 * its one lookup reference to v.  dir and v locked.
 */
static inline void fsnotify_unlink(struct vnode *dir, const char *name,
				   size_t len, struct vnode *v)
{
	if (fsnotify_active())
		fsnotify_unlink_event(dir, name, len, v);
}

/*
 * rename(2) moved v from (odir, oname) to (ndir, nname), replacing t (or
 * swapping with t when exchange); the caller holds one lookup reference
 * to v and to t.  Both directories and both files locked.
 */
static inline void fsnotify_rename(struct vnode *odir, const char *oname,
				   size_t olen, struct vnode *ndir,
				   const char *nname, size_t nlen,
				   struct vnode *v, struct vnode *t,
				   bool exchange)
{
	if (fsnotify_active())
		fsnotify_rename_event(odir, oname, olen, ndir, nname, nlen, v,
				      t, exchange);
}

/* open(2) made f (then truncated it if truncated: IN_MODIFY). */
static inline void fsnotify_open(struct file *f, bool truncated)
{
	if (fsnotify_active()) {
		fsnotify_file_event(f, IN_OPEN);
		if (truncated)
			fsnotify_file_event(f, IN_MODIFY);
	}
}

/* Data was read from / written to f (or a directory listed). */
static inline void fsnotify_access(struct file *f)
{
	if (fsnotify_active())
		fsnotify_file_event(f, IN_ACCESS);
}

static inline void fsnotify_modify(struct file *f)
{
	if (fsnotify_active())
		fsnotify_file_event(f, IN_MODIFY);
}

/* The last reference to f is going (before its vnode is dropped). */
static inline void fsnotify_close(struct file *f)
{
	if (fsnotify_active())
		fsnotify_file_event(f, 0);
}

/*
 * Something happened to v without a file: IN_ATTRIB (chmod, chown,
 * utimes, xattrs), IN_MODIFY (truncate), IN_ACCESS.  No vnode lock held.
 */
static inline void fsnotify_change(struct vnode *v, uint32_t mask)
{
	if (fsnotify_active() && mask)
		fsnotify_vnode_event(v, mask);
}

/* The event vfs_setattr()'s VFS_ATTR_* changes make (fsnotify_change()). */
static inline uint32_t fsnotify_attr_mask(unsigned int valid)
{
	uint32_t m = 0;

	if (valid &
	    (VFS_ATTR_UID | VFS_ATTR_GID | VFS_ATTR_MODE | VFS_ATTR_MODE_KILL))
		m |= IN_ATTRIB;
	/* Both times: utimes(2); one alone is a read or a write. */
	if ((valid & (VFS_ATTR_ATIME | VFS_ATTR_MTIME)) ==
	    (VFS_ATTR_ATIME | VFS_ATTR_MTIME))
		m |= IN_ATTRIB;
	else if (valid & VFS_ATTR_ATIME)
		m |= IN_ACCESS;
	else if (valid & VFS_ATTR_MTIME)
		m |= IN_MODIFY;
	return m;
}

/*
 * vnode_put() left v with left > 0 references: if only its watches hold
 * it and it has no name, it is gone (IN_DELETE_SELF, IN_IGNORED).
 */
static inline void fsnotify_put(struct vnode *v, unsigned int left)
{
	if (__atomic_load_n(&v->notify, __ATOMIC_ACQUIRE) && !v->nlink)
		fsnotify_put_slow(v, left);
}

/* sb is being unmounted: its watches end (IN_UNMOUNT, IN_IGNORED). */
static inline void fsnotify_unmount(struct superblock *sb)
{
	if (fsnotify_active())
		fsnotify_unmount_sb(sb);
}

/* The references v's watches hold (umount's busy check ignores them). */
static inline unsigned int fsnotify_pins(struct vnode *v)
{
	return __atomic_load_n(&v->notify, __ATOMIC_ACQUIRE)
		       ? fsnotify_pins_slow(v)
		       : 0;
}

/* ---- inotify (fs/inotify.c) ------------------------------------------ */

/* Limits, as /proc/sys/fs/inotify shows them (writable by root). */
extern unsigned int inotify_max_queued_events;
extern unsigned int inotify_max_user_instances;
extern unsigned int inotify_max_user_watches; /* 0 until first asked */
/* max_user_watches, computed from memory (as Linux) on first use. */
unsigned int inotify_user_watches_max(void);

/* inotify_init1(2) for the caller: flags O_NONBLOCK (checked). */
int inotify_create(int flags, struct file **out);
/* Is f an inotify instance? */
bool inotify_is(struct file *f);
/*
 * Watch v (the caller checked read permission) for mask on instance f:
 * the watch descriptor (the same one again for the same vnode), or
 * -EEXIST (IN_MASK_CREATE), -ENOSPC (max_user_watches), -ENOMEM.
 */
int inotify_add(struct file *f, struct vnode *v, uint32_t mask);
/* Remove watch wd of f (IN_IGNORED queued): 0 or -EINVAL. */
int inotify_rm(struct file *f, int wd);
/*
 * /proc/<pid>/fdinfo lines for instance f ("inotify wd:... ino:..."), one
 * per watch, handed to sink.
 */
void inotify_show_fdinfo(struct file *f,
			 void (*sink)(void *ctx, const char *s, size_t n),
			 void *ctx);

/* ---- dnotify (fs/notify.c) ------------------------------------------- */

/*
 * fcntl(fd, F_NOTIFY, arg) on f by fd table owner: watch directory f for
 * arg's DN_* events (added to what owner asked before on f), or stop
 * (no event bit).  An event signals f's owner (POLL_MSG, si_fd fd) and
 * ends the watch unless DN_MULTISHOT.  0, -ENOTDIR or -ENOMEM.
 */
int dnotify_set(struct file *f, const void *owner, int fd, unsigned long arg);
/* owner closed an fd of f (NULL: f's last reference): its watches end. */
void dnotify_close(struct file *f, const void *owner);

#endif
