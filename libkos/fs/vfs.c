/*
 * The VFS core: vnode references, mounts, path lookup (namei) and the
 * namespace operations built on it (open, mkdir, mknod, symlink, link,
 * unlink, readlink, getcwd), plus boot-time set-up of the root.
 *
 * namei() walks a private copy of the path one component at a time.  A
 * symlink met on the way is spliced in front of the rest of the path
 * (target + remainder, restarting at the root for absolute targets), so
 * the walk stays iterative; nameidata.nlinks counts the links followed
 * and the 41st gives -ELOOP, as Linux's MAXSYMLINKS.
 *
 * Every component is looked up in the name cache first (fs/dcache.c),
 * and in the file system only on a miss, under the directory's lock.
 *
 * Locking (the rules are at the top of kos/vfs.h): a walk holds no lock
 * between components, and one directory's lock at a time while asking
 * the name cache or the file system.  An operation on names locks the
 * parent directory from its lookup of the last component to the change,
 * and the existing file it changes after it (parent before child).
 * rename holds its superblock's rename_lock, which keeps every
 * directory's parent fixed, works out which of the two parents is an
 * ancestor of the other without holding a vnode lock, then locks the
 * parents (ancestor first, else by address) and the two files (by
 * address).  Mounts are read and changed under vfs_mount_lock, taken
 * after vnode locks and never held across a file-system op.
 */
#include <kos/tty.h>
#include <kos/blkdev.h>
#include <kos/ext4.h>
#include <kos/file.h>
#include <kos/ipc.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/notify.h>
#include <kos/pipe.h>
#include <kos/proc.h>
#include <kos/panic.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/vfs.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>

#include "internal.h"

struct mutex vfs_mount_lock = MUTEX_INIT(vfs_mount_lock, "vfs.mount");

static struct vnode *root_vnode; /* set by vfs_init (and vfs_reset_root) */
static void mount_put(struct mount *m);
static LIST_HEAD(mounts);      /* vfs_mount_lock */
static uint32_t anon_next = 1; /* atomic */
static int mount_ids;	       /* vfs_mount_lock: the last mount id given */

struct vnode *vfs_root(void)
{
	return root_vnode;
}

/*
 * The kernel's own "/" once a real root is mounted (vfs_chroot_kernel),
 * referenced; NULL: root_vnode.  Set at boot before any user thread.
 */
static struct vnode *kernel_root;

void vfs_chroot_kernel(struct vnode *root)
{
	vnode_get(root);
	vnode_put(kernel_root);
	kernel_root = root;
}

/*
 * The root of the calling thread's view (chroot(2)), referenced: its
 * fs_info's root, or the kernel's root for the kernel's own threads.
 */
static struct vnode *cur_root(void)
{
	struct uthread *ut = uthread_current();
	struct vnode *r;

	if (!ut || !ut->fs) {
		r = kernel_root ? kernel_root : root_vnode;
		if (r) /* NULL only before vfs_init() */
			vnode_get(r);
		return r;
	}
	mutex_lock(&ut->fs->lock);
	r = ut->fs->root;
	vnode_get(r);
	mutex_unlock(&ut->fs->lock);
	return r;
}

uint32_t vfs_anon_dev(void)
{
	return KDEV(0, __atomic_fetch_add(&anon_next, 1, __ATOMIC_RELAXED));
}

struct vfs_time vfs_now(void)
{
	uint64_t ns = clock_realtime_ns();
	struct vfs_time t = { (int64_t)(ns / NSEC_PER_SEC),
			      (uint32_t)(ns % NSEC_PER_SEC) };

	return t;
}

/* ---- vnodes --------------------------------------------------------- */

struct vnode *vnode_alloc(struct superblock *sb, const struct vnode_ops *ops,
			  size_t size)
{
	struct vnode *v;

	KOS_ASSERT(size >= sizeof(*v));
	v = kzalloc(size);
	if (!v)
		return NULL;
	v->refcnt = 1;
	mutex_init(&v->lock, "vnode");
	list_init(&v->dchildren);
	pcache_init(&v->pages);
	v->sb = sb;
	v->ops = ops;
	v->atime = v->mtime = v->ctime = vfs_now();
	return v;
}

void vnode_get(struct vnode *v)
{
	__atomic_add_fetch(&v->refcnt, 1, __ATOMIC_RELAXED);
}

void vnode_put(struct vnode *v)
{
	unsigned int left;

	if (!v)
		return;
	left = __atomic_sub_fetch(&v->refcnt, 1, __ATOMIC_ACQ_REL);
	if (left != 0) {
		fsnotify_put(v, left); /* only its watches left? */
		return;
	}
	/* Every lock belongs to an open file, which holds a reference. */
	KOS_ASSERT(!v->locks);
	dcache_forget_dir(v); /* before v's address can be reused */
	pcache_release(v);
	if (v->sb && v->sb->ops && v->sb->ops->evict)
		v->sb->ops->evict(v);
	else
		kfree(v);
}

void vfs_sb_init(struct superblock *sb)
{
	mutex_init(&sb->rename_lock, "vfs.rename");
}

void vfs_getattr(struct vnode *v, struct kstat *st)
{
	kos_memset(st, 0, sizeof(*st));
	st->dev = v->sb ? v->sb->dev : 0;
	st->ino = v->ino;
	st->mode = v->mode;
	st->nlink = v->nlink;
	st->uid = v->uid;
	st->gid = v->gid;
	st->rdev = v->rdev;
	st->size = (int64_t)v->size;
	st->blksize = PAGE_SIZE;
	st->blocks = v->blocks;
	st->atime = v->atime;
	st->mtime = v->mtime;
	st->ctime = v->ctime;
	if (v->ops && v->ops->getbtime && !v->ops->getbtime(v, &st->btime))
		st->has_btime = true;
}

int vfs_stat_file(struct file *f, struct kstat *st)
{
	if (!f->vnode)
		return -EINVAL;
	mutex_lock(&f->vnode->lock);
	vfs_getattr(f->vnode, st);
	mutex_unlock(&f->vnode->lock);
	return 0;
}

bool vfs_in_group(const struct vfs_cred *cred, uint32_t gid)
{
	unsigned int lo = 0, hi;

	if (!cred)
		return false;
	if (cred->gid == gid)
		return true;
	hi = MIN(cred->ngroups, VFS_CRED_GROUPS);
	while (lo < hi) { /* sorted, as setgroups(2) keeps them */
		unsigned int mid = lo + (hi - lo) / 2;

		if (cred->groups[mid] == gid)
			return true;
		if (cred->groups[mid] < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Linux's generic_permission(): the owner's, the group's or the others'
 * bits (the first class that matches, even if a later one would allow
 * more), then CAP_DAC_READ_SEARCH (read, and search of directories) and
 * CAP_DAC_OVERRIDE (anything, but exec of a non-directory only if some
 * x bit is set).
 */
int vfs_permission(struct vnode *v, int mask, const struct vfs_cred *cred)
{
	uint32_t bits;

	mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
	if (cred) {
		if (cred->uid == v->uid)
			bits = v->mode >> 6;
		else if (vfs_in_group(cred, v->gid))
			bits = v->mode >> 3;
		else
			bits = v->mode;
		if (((bits & 7) & (uint32_t)mask) == (uint32_t)mask)
			return 0;
	}
	if (S_ISDIR(v->mode)) {
		if (!(mask & MAY_WRITE) &&
		    vfs_capable(cred, CAP_DAC_READ_SEARCH))
			return 0;
		return vfs_capable(cred, CAP_DAC_OVERRIDE) ? 0 : -EACCES;
	}
	if (mask == MAY_READ && vfs_capable(cred, CAP_DAC_READ_SEARCH))
		return 0;
	if (vfs_capable(cred, CAP_DAC_OVERRIDE) &&
	    (!(mask & MAY_EXEC) || (v->mode & (S_IXUSR | S_IXGRP | S_IXOTH))))
		return 0;
	return -EACCES;
}

bool vfs_read_only(struct vnode *v)
{
	return v->sb && (__atomic_load_n(&v->sb->flags, __ATOMIC_SEQ_CST) &
			 VFS_SB_RDONLY);
}

/*
 * A mount's flags change: the superblock mirrors its first mount's
 * read-only flag.  vfs_mount_lock held.
 */
static void mount_set_flags(struct mount *m, unsigned long flags)
{
	m->flags = flags;
	if (m != m->sb->mnt)
		return;
	__atomic_store_n(&m->sb->mnt_flags, flags, __ATOMIC_RELAXED);
	if (flags & VFS_MNT_RDONLY)
		__atomic_or_fetch(&m->sb->flags, VFS_SB_RDONLY,
				  __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(&m->sb->flags, ~VFS_SB_RDONLY,
				   __ATOMIC_SEQ_CST);
}

bool vfs_owner_or_capable(struct vnode *v, const struct vfs_cred *cred)
{
	return (cred && cred->uid == v->uid) || vfs_capable(cred, CAP_FOWNER);
}

/*
 * May cred remove (or rename away) v from dir?  Linux's may_delete():
 * write and search permission on dir (-EACCES), the sticky bit (only
 * v's or dir's owner, or CAP_FOWNER: -EPERM), then the type: -ENOTDIR
 * for rmdir of a non-directory, -EISDIR for unlink of a directory,
 * -EBUSY for a file system's root.
 */
static int may_delete(struct vnode *dir, struct vnode *v, bool isdir,
		      const struct vfs_cred *cred)
{
	int err = vfs_permission(dir, MAY_WRITE | MAY_EXEC, cred);

	if (err)
		return err;
	if ((dir->mode & S_ISVTX) && !(cred && cred->uid == v->uid) &&
	    !(cred && cred->uid == dir->uid) && !vfs_capable(cred, CAP_FOWNER))
		return -EPERM;
	if (isdir) {
		if (!S_ISDIR(v->mode))
			return -ENOTDIR;
		if (v == root_vnode || v == v->sb->root)
			return -EBUSY;
	} else if (S_ISDIR(v->mode)) {
		return -EISDIR;
	}
	return 0;
}

int vfs_may_exec(struct vnode *v, const struct vfs_cred *cred)
{
	if (!S_ISREG(v->mode) || (vfs_mnt_flags(v) & VFS_MNT_NOEXEC))
		return -EACCES;
	return vfs_permission(v, MAY_EXEC, cred);
}

/* ---- path lookup ---------------------------------------------------- */

struct nameidata {
	const struct vfs_cred *cred;
	struct vnode *root; /* the caller's "/" (chroot), referenced */
	/*
	 * The mount the walk is in, once it has crossed one (referenced);
	 * NULL while it does not know (it started in a directory).
	 */
	struct mount *mnt;
	unsigned int flags; /* LOOKUP_* */
	int nlinks;	    /* symlinks followed so far */
	char *path;	    /* PATH_MAX: the rest of the walk */
	char *tmp;	    /* PATH_MAX: symlink targets */
	/* Parent mode results: */
	char last[NAME_MAX + 1]; /* "" when the path ended in "/" */
	size_t last_len;
	bool trailing; /* last component followed by '/' */
};

static int nd_init(struct nameidata *nd, const struct vfs_cred *cred,
		   unsigned int flags)
{
	kos_memset(nd, 0, sizeof(*nd));
	nd->cred = cred;
	nd->flags = flags;
	nd->path = kmalloc(PATH_MAX);
	nd->tmp = kmalloc(PATH_MAX);
	if (!nd->path || !nd->tmp) {
		kfree(nd->path);
		kfree(nd->tmp);
		return -ENOMEM;
	}
	return 0;
}

/*
 * The caller's root, looked up on first need: a relative walk without
 * ".." never takes the fs_info lock for it.
 */
static struct vnode *nd_root(struct nameidata *nd)
{
	if (!nd->root)
		nd->root = cur_root();
	return nd->root;
}

static void nd_fini(struct nameidata *nd)
{
	vnode_put(nd->root);
	mount_put(nd->mnt);
	kfree(nd->path);
	kfree(nd->tmp);
}

static bool is_dot(const char *s, size_t len)
{
	return len == 1 && s[0] == '.';
}

static bool is_dotdot(const char *s, size_t len)
{
	return len == 2 && s[0] == '.' && s[1] == '.';
}

/* ---- mounts as a walk sees them ------------------------------------ */

static struct mount *root_mount; /* vfs_mount_lock */

static void mount_get(struct mount *m)
{
	if (m)
		__atomic_add_fetch(&m->refcnt, 1, __ATOMIC_RELAXED);
}

static void mount_put(struct mount *m)
{
	if (m && __atomic_sub_fetch(&m->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(m);
}

/* *mp = m, with the references moved accordingly. */
static void mount_set(struct mount **mp, struct mount *m)
{
	mount_get(m);
	mount_put(*mp);
	*mp = m;
}

/*
 * The first attached mount whose root is v, or NULL; the root mount for
 * the root.  A directory bind-mounted in several places is the root of
 * several mounts: a walk that did not come through one of them (it
 * started in a directory inside) takes the first.  vfs_mount_lock.
 */
static struct mount *mount_at_root(struct vnode *v)
{
	struct mount *m;

	list_for_each_entry (m, &mounts, link)
		if (m->root == v)
			return m;
	return NULL;
}

/*
 * Step from a mount point down onto what is mounted there (the vnode
 * reference moves); *mntp (if not NULL) follows into the mount.
 */
static struct vnode *cross_down(struct vnode *v, struct mount **mntp)
{
	for (;;) {
		struct vnode *r = NULL;
		struct mount *m;

		/* Unlocked: a mount racing with the walk may be missed. */
		if (!READ_ONCE(v->mounted))
			return v;
		mutex_lock(&vfs_mount_lock);
		m = v->mounted;
		if (m) {
			r = m->root;
			vnode_get(r);
			if (mntp)
				mount_set(mntp, m);
		}
		mutex_unlock(&vfs_mount_lock);
		if (!r)
			return v;
		vnode_put(v);
		v = r;
	}
}

/*
 * Out of mount roots: while v is the root of a mount (the one in *mntp
 * when the walk knows it), the mount point it covers, and *mntp its
 * parent mount.  A new reference to the directory reached.
 */
static struct vnode *climb(struct vnode *v, struct vnode *root,
			   struct mount **mntp)
{
	mutex_lock(&vfs_mount_lock);
	while (v != root_vnode && v != root) {
		struct mount *m = *mntp;

		if (m && m->attached && m->root != v)
			break; /* inside a known mount */
		if (!m || !m->attached || m->root != v)
			m = mount_at_root(v);
		if (!m || !m->mountpoint)
			break;
		v = m->mountpoint;
		mount_set(mntp, m->parent);
	}
	vnode_get(v);
	mutex_unlock(&vfs_mount_lock);
	return v;
}

/*
 * name in dir, dir->lock held: the name cache, then the file system,
 * whose answer (a vnode or -ENOENT) the cache keeps.  ".." is asked of
 * the file system every time.
 */
static int lookup_locked(struct vnode *dir, const char *name, size_t len,
			 struct vnode **out)
{
	int err;

	if (!dir->ops->lookup)
		return -ENOTDIR;
	if (is_dotdot(name, len))
		return dir->ops->lookup(dir, name, len, out);
	err = dcache_lookup(dir, name, len, out);
	if (err <= 0)
		return err;
	err = dir->ops->lookup(dir, name, len, out);
	if (err == 0)
		dcache_add(dir, name, len, *out);
	else if (err == -ENOENT)
		dcache_add(dir, name, len, NULL);
	return err;
}

/* The same without the lock: a cache hit takes no vnode lock at all. */
static int lookup_one(struct vnode *dir, const char *name, size_t len,
		      struct vnode **out)
{
	int err;

	if (dir->ops->lookup && !is_dotdot(name, len) &&
	    (err = dcache_lookup(dir, name, len, out)) <= 0)
		return err;
	mutex_lock(&dir->lock);
	err = lookup_locked(dir, name, len, out);
	mutex_unlock(&dir->lock);
	return err;
}

/*
 * "..": from cur (not referenced by the result) to a new reference;
 * *mntp follows the walk out of mounts.
 */
static int step_up(struct vnode *cur, struct vnode *root, struct mount **mntp,
		   struct vnode **out)
{
	int r;

	cur = climb(cur, root, mntp);
	if (cur == root_vnode || cur == root) { /* ".." of / is / */
		*out = cur;
		return 0;
	}
	r = lookup_one(cur, "..", 2, out);
	vnode_put(cur);
	if (r == 0)
		*out = cross_down(*out, mntp);
	return r;
}

/*
 * Replace nd->path with the target of symlink v followed by rest (which
 * starts at a '/' or is empty).  0, -ELOOP, -ENOENT (empty target),
 * -ENAMETOOLONG.
 */
static int splice_link(struct nameidata *nd, struct vnode *v, const char *rest)
{
	size_t rlen = kos_strlen(rest);
	ssize_t n;

	if (++nd->nlinks > SYMLOOP_MAX)
		return -ELOOP;
	if (!v->ops->readlink)
		return -EINVAL;
	n = v->ops->readlink(v, nd->tmp, PATH_MAX);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENOENT;
	if ((size_t)n + rlen + 1 > PATH_MAX)
		return -ENAMETOOLONG;
	/* rest may live in nd->path: move it first, then the target. */
	kos_memmove(nd->path + n, rest, rlen + 1);
	kos_memcpy(nd->path, nd->tmp, (size_t)n);
	return 0;
}

/*
 * If link is a magic link (vnode_ops.get_link), the vnode it stands for
 * in *out (a new reference), counted as a link followed.  -ENOSYS for an
 * ordinary link, else 0 or the error (-ELOOP, -ENOENT, ...).
 */
static int follow_magic(struct nameidata *nd, struct vnode *link,
			struct vnode **out)
{
	int err;

	if (!link->ops->get_link)
		return -ENOSYS;
	err = link->ops->get_link(link, out);
	if (err || ++nd->nlinks <= SYMLOOP_MAX)
		return err;
	vnode_put(*out);
	return -ELOOP;
}

/*
 * Walk nd->path from start (NULL: root).  In parent mode, stop at the
 * last component: *out is its directory and nd->last its name.  No lock
 * held.  *out is a new reference.
 */
static int namei(struct nameidata *nd, struct vnode *start, bool parent,
		 struct vnode **out)
{
	struct vnode *cur, *next;
	const char *p = nd->path;
	bool must_dir = false;
	int err;

	if (*p == 0 && !(nd->flags & LOOKUP_EMPTY))
		return -ENOENT;
	cur = *p == '/' || !start ? nd_root(nd) : start;
	vnode_get(cur);
	for (;;) {
		const char *name, *q, *rest;
		size_t len;
		bool last, slash;

		while (*p == '/')
			p++;
		if (*p == 0) {
			/* "/", or a symlink target that ended in '/' */
			if (parent) {
				nd->last[0] = 0;
				nd->last_len = 0;
				nd->trailing = true;
			}
			break;
		}
		name = p;
		for (q = p; *q && *q != '/'; q++)
			;
		len = (size_t)(q - p);
		for (rest = q; *rest == '/'; rest++)
			;
		last = *rest == 0;
		slash = *q == '/';
		if (len > NAME_MAX) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		if (!S_ISDIR(cur->mode)) {
			err = -ENOTDIR;
			goto fail;
		}
		err = vfs_permission(cur, MAY_EXEC, nd->cred);
		if (err)
			goto fail;
		if (last && parent) {
			kos_memcpy(nd->last, name, len);
			nd->last[len] = 0;
			nd->last_len = len;
			nd->trailing = slash;
			break;
		}
		if (is_dot(name, len)) {
			next = cur;
			vnode_get(next);
		} else if (is_dotdot(name, len)) {
			err = step_up(cur, nd_root(nd), &nd->mnt, &next);
		} else {
			err = lookup_one(cur, name, len, &next);
			if (!err)
				next = cross_down(next, &nd->mnt);
		}
		if (err)
			goto fail;
		if (S_ISLNK(next->mode) &&
		    (!last || slash || (nd->flags & LOOKUP_FOLLOW))) {
			struct vnode *to;
			bool abs;

			err = follow_magic(nd, next, &to);
			if (err != -ENOSYS) {
				/* on from the file itself, in no mount
				 * the walk knows */
				vnode_put(next);
				if (err)
					goto fail;
				vnode_put(cur);
				cur = to;
				mount_set(&nd->mnt, NULL);
				p = q;
				if (last) {
					must_dir = slash;
					break;
				}
				continue;
			}
			err = splice_link(nd, next, q);
			vnode_put(next);
			if (err)
				goto fail;
			abs = nd->path[0] == '/';
			if (abs) {
				vnode_put(cur);
				cur = nd_root(nd);
				vnode_get(cur);
				mount_set(&nd->mnt, NULL);
			}
			p = nd->path;
			continue;
		}
		vnode_put(cur);
		cur = next;
		p = q;
		if (last) {
			must_dir = slash;
			break;
		}
	}
	if (!parent && (must_dir || (nd->flags & LOOKUP_DIRECTORY)) &&
	    !S_ISDIR(cur->mode)) {
		err = -ENOTDIR;
		goto fail;
	}
	*out = cur;
	return 0;
fail:
	vnode_put(cur);
	return err;
}

/* Copy a kernel path into nd->path: -ENAMETOOLONG if >= PATH_MAX. */
static int nd_set_path(struct nameidata *nd, const char *path)
{
	size_t n = kos_strnlen(path, PATH_MAX);

	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	kos_memcpy(nd->path, path, n + 1);
	return 0;
}

/* nd_init() and nd_set_path(); on an error nd is finished already. */
static int nd_begin(struct nameidata *nd, const struct vfs_cred *cred,
		    unsigned int flags, const char *path)
{
	int err = nd_init(nd, cred, flags);

	if (!err) {
		err = nd_set_path(nd, path);
		if (err)
			nd_fini(nd);
	}
	return err;
}

int vfs_lookup(struct vnode *dir, const char *path, unsigned int flags,
	       const struct vfs_cred *cred, struct vnode **out)
{
	struct nameidata nd;
	int err = nd_begin(&nd, cred, flags, path);

	if (err)
		return err;
	err = namei(&nd, dir, false, out);
	nd_fini(&nd);
	return err;
}

/* ---- creating names ------------------------------------------------- */

/*
 * Linux's inode_init_owner(): a new node belongs to cred's fs ids; in a
 * setgid directory it takes the directory's group, a directory also the
 * setgid bit, and a group-executable setgid file loses that bit unless
 * the group is one of cred's or it has CAP_FSETID.
 */
static void init_owner(struct vnode *dir, uint32_t *mode,
		       const struct vfs_cred *cred, uint32_t *uid,
		       uint32_t *gid)
{
	*uid = cred ? cred->uid : 0;
	*gid = cred ? cred->gid : 0;
	if (!(dir->mode & S_ISGID))
		return;
	*gid = dir->gid;
	if (S_ISDIR(*mode))
		*mode |= S_ISGID;
	else if ((*mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
		 !vfs_in_group(cred, *gid) && !vfs_capable(cred, CAP_FSETID))
		*mode &= ~S_ISGID;
}

/*
 * Find or create the last component of nd->path (relative to dir) as a
 * regular file for open(O_CREAT), following symlinks in the last
 * component unless O_NOFOLLOW.  *created tells whether it is new.
 */
static int open_create(struct nameidata *nd, struct vnode *dir, int flags,
		       uint32_t mode, struct vnode **out, bool *created)
{
	struct vnode *base = NULL; /* holds dir alive across links */
	struct vnode *parent, *v;
	int err;

	for (;;) {
		err = namei(nd, dir, true, &parent);
		if (err)
			break;
		if (nd->trailing || nd->last_len == 0 ||
		    is_dot(nd->last, nd->last_len) ||
		    is_dotdot(nd->last, nd->last_len)) {
			vnode_put(parent);
			err = -EISDIR;
			break;
		}
		mutex_lock(&parent->lock);
		err = lookup_locked(parent, nd->last, nd->last_len, &v);
		if (err == 0) {
			mutex_unlock(&parent->lock);
			v = cross_down(v, NULL);
			if (flags & O_EXCL)
				err = -EEXIST;
			else if (S_ISLNK(v->mode) && (flags & O_NOFOLLOW))
				err = -ELOOP;
			else if (S_ISLNK(v->mode)) {
				struct vnode *to;

				err = follow_magic(nd, v, &to);
				if (!err) {
					vnode_put(v);
					v = to; /* the open file itself */
					if (S_ISLNK(v->mode))
						err = -ELOOP;
				} else if (err == -ENOSYS) {
					err = splice_link(nd, v, "");
				}
			}
			if (err || !S_ISLNK(v->mode)) {
				vnode_put(parent);
				if (err) {
					vnode_put(v);
				} else {
					*out = v;
					*created = false;
				}
				break;
			}
			/* Dangling or not: walk the target from parent. */
			vnode_put(v);
			vnode_put(base);
			base = dir = parent;
			continue;
		}
		if (err == -ENOENT)
			err = vfs_permission(parent, MAY_WRITE | MAY_EXEC,
					     nd->cred);
		if (!err && vfs_read_only(parent))
			err = -EROFS;
		if (!err && !parent->ops->create)
			err = -EPERM;
		if (!err) {
			uint32_t m = S_IFREG | (mode & 07777), uid, gid;

			init_owner(parent, &m, nd->cred, &uid, &gid);
			err = parent->ops->create(parent, nd->last,
						  nd->last_len, m, 0, uid, gid,
						  &v);
			if (!err) {
				dcache_add(parent, nd->last, nd->last_len, v);
				fsnotify_create(parent, nd->last, nd->last_len,
						v);
			}
		}
		mutex_unlock(&parent->lock);
		vnode_put(parent);
		if (!err) {
			*out = v;
			*created = true;
		}
		break;
	}
	vnode_put(base);
	return err;
}

/*
 * Create the last component of nd->path under dir: mode gives the type
 * (S_IFLNK with target).  Shared by mkdir, mknod and symlink.
 */
static int create_node(struct nameidata *nd, struct vnode *dir, uint32_t mode,
		       uint32_t rdev, const char *target, struct vnode **out)
{
	struct vnode *parent, *v;
	uint32_t uid, gid;
	int err;

	err = namei(nd, dir, true, &parent);
	if (err)
		return err;
	if (nd->last_len == 0 || is_dot(nd->last, nd->last_len) ||
	    is_dotdot(nd->last, nd->last_len)) {
		err = -EEXIST;
		goto out_put;
	}
	mutex_lock(&parent->lock);
	err = lookup_locked(parent, nd->last, nd->last_len, &v);
	if (nd->trailing && !S_ISDIR(mode)) {
		/* "name/" can only be a directory: exists or ENOENT. */
		if (!err) {
			vnode_put(v);
			err = -EEXIST;
		}
		goto out;
	}
	if (!err) {
		vnode_put(v);
		err = -EEXIST;
		goto out;
	}
	if (err != -ENOENT)
		goto out;
	err = vfs_permission(parent, MAY_WRITE | MAY_EXEC, nd->cred);
	if (!err && vfs_read_only(parent))
		err = -EROFS;
	if (err)
		goto out;
	if ((S_ISCHR(mode) || S_ISBLK(mode)) &&
	    !vfs_capable(nd->cred, CAP_MKNOD)) {
		err = -EPERM;
		goto out;
	}
	init_owner(parent, &mode, nd->cred, &uid, &gid);
	if (S_ISLNK(mode)) {
		err = parent->ops->symlink
			      ? parent->ops->symlink(parent, nd->last,
						     nd->last_len, target, uid,
						     gid, &v)
			      : -EPERM;
	} else {
		err = parent->ops->create
			      ? parent->ops->create(parent, nd->last,
						    nd->last_len, mode, rdev,
						    uid, gid, &v)
			      : -EPERM;
	}
	if (!err) {
		dcache_add(parent, nd->last, nd->last_len, v);
		fsnotify_create(parent, nd->last, nd->last_len, v);
		if (out)
			*out = v;
		else
			vnode_put(v);
	}
out:
	mutex_unlock(&parent->lock);
out_put:
	vnode_put(parent);
	return err;
}

/* Run create_node on a kernel path with its own nameidata. */
static int create_path(struct vnode *dir, const char *path, uint32_t mode,
		       uint32_t rdev, const char *target,
		       const struct vfs_cred *cred, struct vnode **out)
{
	struct nameidata nd;
	int err = nd_begin(&nd, cred, 0, path);

	if (err)
		return err;
	err = create_node(&nd, dir, mode, rdev, target, out);
	nd_fini(&nd);
	return err;
}

int vfs_mkdirat(struct vnode *dir, const char *path, uint32_t mode,
		const struct vfs_cred *cred)
{
	return create_path(dir, path, S_IFDIR | (mode & 01777), 0, NULL, cred,
			   NULL);
}

/*
 * Kernel-side mknod: mode carries the type (0 means regular); a
 * directory is -EPERM, an unknown type -EINVAL (Linux's may_mknod()).
 */
int vfs_mknodat(struct vnode *dir, const char *path, uint32_t mode,
		uint32_t rdev, const struct vfs_cred *cred)
{
	uint32_t type = mode & S_IFMT;

	if (type == 0)
		type = S_IFREG;
	if (type == S_IFDIR)
		return -EPERM;
	if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK &&
	    type != S_IFIFO && type != S_IFSOCK)
		return -EINVAL;
	if (type != S_IFCHR && type != S_IFBLK)
		rdev = 0;
	return create_path(dir, path, type | (mode & 07777), rdev, NULL, cred,
			   NULL);
}

int vfs_symlinkat(const char *target, struct vnode *dir, const char *path,
		  const struct vfs_cred *cred)
{
	size_t n = kos_strnlen(target, PATH_MAX);

	if (n == 0)
		return -ENOENT;
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	return create_path(dir, path, S_IFLNK | 0777, 0, target, cred, NULL);
}

/* Kernel-internal create returning the vnode (cpio sets attributes). */
int vfs_create_vnode(struct vnode *dir, const char *path, uint32_t mode,
		     uint32_t rdev, const char *target, struct vnode **out)
{
	return create_path(dir, path, mode, rdev, target, NULL, out);
}

/*
 * Linux's may_linkat() with fs.protected_hardlinks = 1 (Debian's and
 * most distributions' default): someone who is not v's owner (nor has
 * CAP_FOWNER) may link only a regular file that is neither setuid nor
 * setgid-executable and that they may both read and write.
 */
static int may_link(struct vnode *v, const struct vfs_cred *cred)
{
	if (vfs_owner_or_capable(v, cred))
		return 0;
	if (S_ISREG(v->mode) && !(v->mode & S_ISUID) &&
	    (v->mode & (S_ISGID | S_IXGRP)) != (S_ISGID | S_IXGRP) &&
	    !vfs_permission(v, MAY_READ | MAY_WRITE, cred))
		return 0;
	return -EPERM;
}

/*
 * link(2) in Linux's order: the old name (-ENOENT...), the new one
 * (-EEXIST, -ENOENT for "new/"), -EXDEV, protected hard links (-EPERM),
 * write permission on the new directory (-EACCES), a directory (-EPERM).
 * lflags: LOOKUP_FOLLOW for AT_SYMLINK_FOLLOW, LOOKUP_EMPTY when opath
 * is "" and odir the file itself (AT_EMPTY_PATH).
 */
int vfs_linkat(struct vnode *odir, const char *opath, struct vnode *ndir,
	       const char *npath, unsigned int lflags,
	       const struct vfs_cred *cred)
{
	struct nameidata nd;
	struct vnode *v = NULL, *parent = NULL, *tmp;
	bool isdir;
	int err = nd_init(&nd, cred, lflags);

	if (err)
		return err;
	err = nd_set_path(&nd, opath);
	if (!err)
		err = namei(&nd, odir, false, &v);
	if (err)
		goto out_put;
	nd.nlinks = 0;
	nd.flags = 0;
	err = nd_set_path(&nd, npath);
	if (!err)
		err = namei(&nd, ndir, true, &parent);
	if (err)
		goto out_put;
	if (nd.last_len == 0 || is_dot(nd.last, nd.last_len) ||
	    is_dotdot(nd.last, nd.last_len)) {
		err = -EEXIST;
		goto out_put;
	}
	/* A directory (refused below) might be parent's ancestor. */
	isdir = S_ISDIR(v->mode);
	mutex_lock(&parent->lock);
	if (!isdir)
		mutex_lock(&v->lock);
	err = lookup_locked(parent, nd.last, nd.last_len, &tmp);
	if (!err) {
		vnode_put(tmp);
		err = -EEXIST;
		goto out;
	}
	if (err != -ENOENT)
		goto out;
	if (nd.trailing) {
		err = -ENOENT;
		goto out;
	}
	if (parent->sb != v->sb) {
		err = -EXDEV;
		goto out;
	}
	err = may_link(v, cred);
	if (!err)
		err = vfs_permission(parent, MAY_WRITE | MAY_EXEC, cred);
	if (!err && vfs_read_only(parent))
		err = -EROFS;
	if (!err && isdir)
		err = -EPERM;
	if (!err)
		err = parent->ops->link ? parent->ops->link(parent, nd.last,
							    nd.last_len, v)
					: -EPERM;
	if (!err) {
		dcache_add(parent, nd.last, nd.last_len, v);
		fsnotify_link(parent, nd.last, nd.last_len, v);
	}
out:
	if (!isdir)
		mutex_unlock(&v->lock);
	mutex_unlock(&parent->lock);
out_put:
	vnode_put(parent);
	vnode_put(v);
	nd_fini(&nd);
	return err;
}

/*
 * unlink(2)/rmdir(2) in Linux's order: the kind of last component (rmdir
 * of "/" -EBUSY, of "." -EINVAL, of ".." -ENOTEMPTY; unlink of any of
 * them -EISDIR), the lookup, "name/" for unlink (-EISDIR or -ENOTDIR),
 * may_delete(), a mount point (-EBUSY), then the file system (a
 * non-empty directory: -ENOTEMPTY).
 */
int vfs_unlinkat(struct vnode *dir, const char *path, bool dir_only,
		 const struct vfs_cred *cred)
{
	struct nameidata nd;
	struct vnode *parent = NULL, *v = NULL;
	int err = nd_init(&nd, cred, 0);

	if (err)
		return err;
	err = nd_set_path(&nd, path);
	if (!err)
		err = namei(&nd, dir, true, &parent);
	if (err)
		goto out_put;
	if (nd.last_len == 0 || is_dot(nd.last, nd.last_len) ||
	    is_dotdot(nd.last, nd.last_len)) {
		if (!dir_only)
			err = -EISDIR;
		else if (nd.last_len == 0)
			err = -EBUSY;
		else
			err = is_dot(nd.last, nd.last_len) ? -EINVAL
							   : -ENOTEMPTY;
		goto out_put;
	}
	mutex_lock(&parent->lock);
	err = lookup_locked(parent, nd.last, nd.last_len, &v);
	if (err) {
		mutex_unlock(&parent->lock);
		goto out_put;
	}
	mutex_lock(&v->lock); /* a child: after its parent */
	if (!dir_only && nd.trailing)
		err = S_ISDIR(v->mode) ? -EISDIR : -ENOTDIR;
	if (!err)
		err = may_delete(parent, v, dir_only, cred);
	if (!err && vfs_read_only(parent))
		err = -EROFS;
	if (!err && READ_ONCE(v->mounted))
		err = -EBUSY;
	if (!err)
		err = parent->ops->unlink
			      ? parent->ops->unlink(parent, nd.last,
						    nd.last_len, dir_only)
			      : -EPERM;
	if (!err) {
		dcache_forget(parent, nd.last, nd.last_len);
		if (dir_only)
			dcache_forget_dir(v);
		fsnotify_unlink(parent, nd.last, nd.last_len, v);
	}
	mutex_unlock(&v->lock);
	mutex_unlock(&parent->lock);
out_put:
	vnode_put(v);
	vnode_put(parent);
	nd_fini(&nd);
	return err;
}

/*
 * The directories from d up to its file system's root (d first), each
 * referenced, in a kmalloc'ed array; *n gets the count.  Each ".." is
 * looked up under that directory's lock alone, so no lock is nested.
 * With the superblock's rename_lock held the chain stays as it is.
 * NULL on -ENOMEM.
 */
static struct vnode **ancestry(struct vnode *d, size_t *n)
{
	size_t cap = 16, k = 0;
	struct vnode **a = kmalloc(cap * sizeof(*a)), *up;

	if (!a)
		return NULL;
	vnode_get(d);
	a[k++] = d;
	while (d != d->sb->root && d->ops->lookup) {
		mutex_lock(&d->lock);
		if (d->ops->lookup(d, "..", 2, &up))
			up = NULL;
		mutex_unlock(&d->lock);
		if (!up)
			break;
		if (up == d) { /* a removed directory */
			vnode_put(up);
			break;
		}
		if (k == cap) {
			struct vnode **b = kmalloc(2 * cap * sizeof(*b));

			if (!b) {
				vnode_put(up);
				while (k)
					vnode_put(a[--k]);
				kfree(a);
				return NULL;
			}
			kos_memcpy(b, a, k * sizeof(*a));
			kfree(a);
			a = b;
			cap *= 2;
		}
		a[k++] = d = up;
	}
	*n = k;
	return a;
}

static void ancestry_put(struct vnode **a, size_t n)
{
	if (!a)
		return;
	while (n)
		vnode_put(a[--n]);
	kfree(a);
}

static bool in_chain(struct vnode **a, size_t n, struct vnode *v)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] == v)
			return true;
	return false;
}

/* Lock two distinct vnodes neither of which contains the other. */
static void lock_pair(struct vnode *a, struct vnode *b)
{
	if ((uintptr_t)a > (uintptr_t)b) {
		struct vnode *t = a;

		a = b;
		b = t;
	}
	mutex_lock(&a->lock);
	mutex_lock(&b->lock);
}

/*
 * rename(2) in Linux's order (do_renameat2(), vfs_rename()): both
 * parents; -EXDEV across file systems; -EBUSY for a last component that
 * is "/", "." or ".." (-EEXIST for the new one with RENAME_NOREPLACE);
 * the old name (-ENOENT); the new one (-EEXIST with RENAME_NOREPLACE,
 * -ENOENT without a target for RENAME_EXCHANGE); trailing slashes on a
 * non-directory (-ENOTDIR); a source that is an ancestor of the new
 * parent (-EINVAL), a target that is an ancestor of the old parent
 * (-ENOTEMPTY, -EINVAL when exchanging); the same file twice: done;
 * may_delete() of the source and of the target (or write permission
 * on the new parent), write permission on a directory that changes
 * parent (its ".."), mount points (-EBUSY), then the file system.
 */
int vfs_renameat(struct vnode *odir, const char *opath, struct vnode *ndir,
		 const char *npath, unsigned int flags,
		 const struct vfs_cred *cred)
{
	struct nameidata ond, nnd;
	struct vnode *op = NULL, *np = NULL, *v = NULL, *t = NULL;
	struct vnode **ochain = NULL, **nchain = NULL;
	size_t on = 0, nn = 0;
	bool exchange = flags & VFS_RENAME_EXCHANGE;
	bool noreplace = flags & VFS_RENAME_NOREPLACE;
	bool isdir, locked_kids = false;
	struct superblock *sb = NULL;
	int err = nd_init(&ond, cred, 0);

	if (err)
		return err;
	err = nd_init(&nnd, cred, 0);
	if (err) {
		nd_fini(&ond);
		return err;
	}
	err = nd_set_path(&ond, opath);
	if (!err)
		err = namei(&ond, odir, true, &op);
	if (!err)
		err = nd_set_path(&nnd, npath);
	if (!err)
		err = namei(&nnd, ndir, true, &np);
	if (err)
		goto out_put;
	if (op->sb != np->sb) {
		err = -EXDEV;
		goto out_put;
	}
	if (ond.last_len == 0 || is_dot(ond.last, ond.last_len) ||
	    is_dotdot(ond.last, ond.last_len)) {
		err = -EBUSY;
		goto out_put;
	}
	if (nnd.last_len == 0 || is_dot(nnd.last, nnd.last_len) ||
	    is_dotdot(nnd.last, nnd.last_len)) {
		err = noreplace ? -EEXIST : -EBUSY;
		goto out_put;
	}
	sb = op->sb;
	mutex_lock(&sb->rename_lock);
	if (op == np) {
		mutex_lock(&op->lock);
	} else {
		ochain = ancestry(op, &on);
		nchain = ancestry(np, &nn);
		if (!ochain || !nchain) {
			err = -ENOMEM;
			goto out_unlocked;
		}
		if (in_chain(nchain, nn, op)) {
			mutex_lock(&op->lock);
			mutex_lock(&np->lock);
		} else if (in_chain(ochain, on, np)) {
			mutex_lock(&np->lock);
			mutex_lock(&op->lock);
		} else {
			lock_pair(op, np);
		}
	}
	err = lookup_locked(op, ond.last, ond.last_len, &v);
	if (err)
		goto out;
	err = lookup_locked(np, nnd.last, nnd.last_len, &t);
	if (err == -ENOENT) {
		t = NULL;
		err = exchange ? -ENOENT : 0;
	} else if (!err && noreplace) {
		err = -EEXIST;
	}
	if (err)
		goto out;
	isdir = S_ISDIR(v->mode);
	if (exchange && !S_ISDIR(t->mode) && nnd.trailing) {
		err = -ENOTDIR;
		goto out;
	}
	if (!isdir && (ond.trailing || (!exchange && nnd.trailing))) {
		err = -ENOTDIR;
		goto out;
	}
	if (op != np && in_chain(nchain, nn, v)) {
		err = -EINVAL;
		goto out;
	}
	if (t && op != np && in_chain(ochain, on, t)) {
		err = exchange ? -EINVAL : -ENOTEMPTY;
		goto out;
	}
	if (v == t) {
		err = 0;
		goto out;
	}
	/* Now v and t are unrelated children of locked directories. */
	if (t)
		lock_pair(v, t);
	else
		mutex_lock(&v->lock);
	locked_kids = true;
	err = may_delete(op, v, isdir, cred);
	if (!err && vfs_read_only(op))
		err = -EROFS;
	if (err)
		goto out;
	if (!t)
		err = vfs_permission(np, MAY_WRITE | MAY_EXEC, cred);
	else
		err = may_delete(np, t, exchange ? S_ISDIR(t->mode) : isdir,
				 cred);
	if (err)
		goto out;
	if (!op->ops->rename) {
		err = -EPERM;
		goto out;
	}
	if (op != np) {
		if (isdir && !exchange)
			err = vfs_permission(v, MAY_WRITE, cred);
		else if (exchange && S_ISDIR(t->mode))
			err = vfs_permission(t, MAY_WRITE, cred);
		if (!err && exchange && isdir)
			err = vfs_permission(v, MAY_WRITE, cred);
		if (err)
			goto out;
	}
	if (READ_ONCE(v->mounted) || (t && READ_ONCE(t->mounted))) {
		err = -EBUSY;
		goto out;
	}
	err = op->ops->rename(op, ond.last, ond.last_len, np, nnd.last,
			      nnd.last_len, flags);
	if (!err) {
		dcache_forget(op, ond.last, ond.last_len);
		dcache_forget(np, nnd.last, nnd.last_len);
		if (t && !exchange && S_ISDIR(t->mode))
			dcache_forget_dir(t);
		fsnotify_rename(op, ond.last, ond.last_len, np, nnd.last,
				nnd.last_len, v, t, exchange);
	}
out:
	if (locked_kids) {
		if (t)
			mutex_unlock(&t->lock);
		mutex_unlock(&v->lock);
	}
	if (op != np)
		mutex_unlock(&np->lock);
	mutex_unlock(&op->lock);
out_unlocked:
	mutex_unlock(&sb->rename_lock);
out_put:
	ancestry_put(ochain, on);
	ancestry_put(nchain, nn);
	vnode_put(t);
	vnode_put(v);
	vnode_put(np);
	vnode_put(op);
	nd_fini(&nnd);
	nd_fini(&ond);
	return err;
}

/* ---- attributes ----------------------------------------------------- */

/* statfs f_flags: the mount's flags (ST_VALID: these are valid). */
#define ST_RDONLY 0x1
#define ST_NOSUID 0x2
#define ST_NODEV 0x4
#define ST_NOEXEC 0x8
#define ST_VALID 0x20
#define ST_NOATIME 0x400
#define ST_NODIRATIME 0x800
#define ST_RELATIME 0x1000

void vfs_statfs(struct vnode *v, struct kstatfs *st)
{
	struct superblock *sb = v->sb;
	unsigned long mf;

	kos_memset(st, 0, sizeof(*st));
	if (sb->ops && sb->ops->statfs)
		sb->ops->statfs(sb, st);
	st->type = sb->magic;
	st->namelen = NAME_MAX;
	if (!st->bsize)
		st->bsize = PAGE_SIZE;
	st->frsize = st->bsize;
	mf = vfs_mnt_flags(v);
	st->flags = ST_VALID |
		    (mf & (VFS_MNT_NOSUID | VFS_MNT_NODEV | VFS_MNT_NOEXEC |
			   VFS_MNT_NOATIME | VFS_MNT_NODIRATIME));
	if (!(mf & (VFS_MNT_NOATIME | VFS_MNT_STRICTATIME)))
		st->flags |= ST_RELATIME;
	if (vfs_read_only(v))
		st->flags |= ST_RDONLY;
}

void vfs_kill_suid(struct vnode *v, const struct vfs_cred *cred)
{
	uint32_t kill = S_ISUID;

	if (!S_ISREG(v->mode) || vfs_capable(cred, CAP_FSETID))
		return;
	if ((v->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		kill |= S_ISGID;
	if (!(READ_ONCE(v->mode) & kill))
		return;
	mutex_lock(&v->lock);
	v->mode &= ~kill;
	v->ctime = vfs_now();
	vfs_dirty_inode(v);
	mutex_unlock(&v->lock);
}

/*
 * relatime, Linux's default (relatime_need_update()): the access time
 * moves only if it is not after the last modification or change, or is
 * a day old.  The mount's noatime, nodiratime and strictatime (always)
 * say otherwise.
 */
static bool atime_due(struct vnode *v, struct vfs_time now)
{
	struct vfs_time a = v->atime, m = v->mtime, c = v->ctime;

	if (a.sec < m.sec || (a.sec == m.sec && a.nsec <= m.nsec))
		return true;
	if (a.sec < c.sec || (a.sec == c.sec && a.nsec <= c.nsec))
		return true;
	return now.sec - a.sec >= 24 * 60 * 60;
}

void vfs_file_accessed(struct file *f)
{
	struct vnode *v = f->vnode;
	unsigned long mf = vfs_mnt_flags(v);
	bool strict = mf & VFS_MNT_STRICTATIME;
	struct vfs_time now;

	if (!v || (f->flags & O_NOATIME) || (mf & VFS_MNT_NOATIME) ||
	    ((mf & VFS_MNT_NODIRATIME) && S_ISDIR(v->mode)))
		return;
	now = vfs_now();
	if ((!strict && !atime_due(v, now)) || vfs_read_only(v)) /* unlocked */
		return;
	mutex_lock(&v->lock);
	if (strict || atime_due(v, now)) {
		v->atime = now;
		vfs_dirty_inode(v);
	}
	mutex_unlock(&v->lock);
}

void vfs_dirty_inode(struct vnode *v)
{
	if (v->sb && v->sb->ops && v->sb->ops->dirty_inode)
		v->sb->ops->dirty_inode(v);
}

/*
 * Is gid one cred may give a file it owns (its group or a supplementary
 * one), or does it have CAP_FSETID?  Linux's in_group_or_capable().
 */
static bool group_ok(uint32_t gid, const struct vfs_cred *cred)
{
	return vfs_in_group(cred, gid) || vfs_capable(cred, CAP_FSETID);
}

int vfs_setattr(struct vnode *v, const struct vfs_attr *a,
		const struct vfs_cred *cred)
{
	struct vfs_time now = vfs_now();
	unsigned int valid = a->valid;
	uint32_t mode, uid, gid;
	int err = 0;

	mutex_lock(&v->lock);
	mode = v->mode;
	uid = v->uid;
	gid = v->gid;
	if (vfs_read_only(v)) {
		err = -EROFS;
		goto out;
	}
	if (valid & VFS_ATTR_UID) {
		/* CAP_CHOWN, or the owner "changing" it to itself. */
		if (!(cred && cred->uid == v->uid && a->uid == v->uid) &&
		    !vfs_capable(cred, CAP_CHOWN)) {
			err = -EPERM;
			goto out;
		}
		uid = a->uid;
	}
	if (valid & VFS_ATTR_GID) {
		/* The owner may pick one of its groups; else CAP_CHOWN. */
		if (!vfs_capable(cred, CAP_CHOWN) &&
		    (!(cred && cred->uid == v->uid) ||
		     (a->gid != v->gid && !vfs_in_group(cred, a->gid)))) {
			err = -EPERM;
			goto out;
		}
		gid = a->gid;
	}
	if (valid & VFS_ATTR_KILL_SUID) {
		/*
		 * chown of a non-directory: setuid, and setgid if g+x or
		 * the caller is not in the file's group (nor has
		 * CAP_FSETID): Linux's setattr_should_drop_sgid().
		 */
		if (mode & S_ISUID)
			mode &= ~S_ISUID;
		if ((mode & S_ISGID) &&
		    ((mode & S_IXGRP) || !group_ok(v->gid, cred)))
			mode &= ~S_ISGID;
		if (mode != v->mode)
			valid |= VFS_ATTR_MODE_KILL;
	}
	if (valid & (VFS_ATTR_MODE | VFS_ATTR_MODE_KILL)) {
		if (!vfs_owner_or_capable(v, cred)) {
			err = -EPERM;
			goto out;
		}
		if (valid & VFS_ATTR_MODE)
			mode = (v->mode & S_IFMT) | (a->mode & 07777);
		/* setgid only for a group of one's own (or CAP_FSETID). */
		if (!group_ok(gid, cred))
			mode &= ~S_ISGID;
	}
	if (valid & (VFS_ATTR_ATIME | VFS_ATTR_MTIME)) {
		if (valid & VFS_ATTR_TIMES_SET) {
			if (!vfs_owner_or_capable(v, cred)) {
				err = -EPERM;
				goto out;
			}
		} else if (!vfs_owner_or_capable(v, cred)) {
			err = vfs_permission(v, MAY_WRITE, cred);
			if (err)
				goto out;
		}
	}
	v->uid = uid;
	v->gid = gid;
	v->mode = mode;
	if (valid & VFS_ATTR_ATIME)
		v->atime = (valid & VFS_ATTR_ATIME_NOW) ? now : a->atime;
	if (valid & VFS_ATTR_MTIME)
		v->mtime = (valid & VFS_ATTR_MTIME_NOW) ? now : a->mtime;
	v->ctime = now;
	vfs_dirty_inode(v);
out:
	mutex_unlock(&v->lock);
	if (!err)
		fsnotify_change(v, fsnotify_attr_mask(valid));
	return err;
}

/* ---- open ----------------------------------------------------------- */

static const struct file_ops path_fops; /* O_PATH files: nothing */

int vfs_open_vnode(struct vnode *v, int flags, struct file **out)
{
	const struct file_ops *ops;
	unsigned int fmode = 0;
	struct file *f;
	int err;

	if (flags & O_PATH) {
		f = file_alloc(v, &path_fops,
			       flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW));
		if (!f)
			return -ENOMEM;
		*out = f;
		return 0;
	}
	switch (v->mode & S_IFMT) {
	case S_IFREG:
		ops = v->sb->reg_fops ? v->sb->reg_fops : &vfs_reg_fops;
		fmode = FMODE_LSEEK | FMODE_PREAD | FMODE_ATOMIC_POS;
		break;
	case S_IFDIR:
		ops = &vfs_dir_fops;
		fmode = FMODE_LSEEK | FMODE_PREAD | FMODE_ATOMIC_POS;
		break;
	case S_IFCHR:
		ops = chrdev_fops(v->rdev);
		if (!ops)
			return -ENXIO;
		fmode = FMODE_LSEEK | FMODE_PREAD;
		break;
	case S_IFIFO:
		ops = pipe_fifo_ops();
		break;
	case S_IFBLK:
		ops = blkdev_fops(v->rdev);
		if (!ops)
			return -ENXIO;
		fmode = FMODE_LSEEK | FMODE_PREAD;
		break;
	case S_IFLNK:
		return -ELOOP;
	default: /* sockets: not yet */
		return -ENXIO;
	}
	/* Only regular files do direct I/O (tmpfs too); Linux: EINVAL. */
	if ((flags & O_DIRECT) && !S_ISREG(v->mode))
		return -EINVAL;
	/* O_NOCTTY stays for the open op (a tty's), then goes, as Linux */
	flags &= ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC);
	if (S_ISREG(v->mode) && ((flags & O_ACCMODE) == O_WRONLY ||
				 (flags & O_ACCMODE) == O_RDWR)) {
		err = vnode_get_write(v);
		if (err)
			return err;
		fmode |= FMODE_WRITER;
	}
	f = file_alloc(v, ops, (unsigned int)flags | O_LARGEFILE);
	if (!f) {
		if (fmode & FMODE_WRITER)
			vnode_put_write(v);
		return -ENOMEM;
	}
	f->fmode |= fmode;
	if (ops->open) {
		err = ops->open(f);
		if (err) {
			f->ops = &path_fops;
			file_put(f);
			return err;
		}
	}
	f->flags &= ~(unsigned int)O_NOCTTY;
	*out = f;
	return 0;
}

/*
 * O_TMPFILE: the directory the path names, write and search permission
 * on it, then an unnamed file there (Linux's vfs_tmpfile()).
 */
static int open_tmpfile(struct nameidata *nd, struct vnode *dir, int flags,
			uint32_t mode, struct vnode **out)
{
	uint32_t m = S_IFREG | (mode & 07777), uid, gid;
	struct vnode *d;
	int err;

	nd->flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY;
	err = namei(nd, dir, false, &d);
	if (err)
		return err;
	err = vfs_permission(d, MAY_WRITE | MAY_EXEC, nd->cred);
	if (!err && vfs_read_only(d))
		err = -EROFS;
	if (!err && !d->ops->tmpfile)
		err = -EOPNOTSUPP;
	if (!err) {
		mutex_lock(&d->lock);
		init_owner(d, &m, nd->cred, &uid, &gid);
		err = d->ops->tmpfile(d, m, uid, gid, !(flags & O_EXCL), out);
		mutex_unlock(&d->lock);
	}
	vnode_put(d);
	return err;
}

/*
 * Checks open(2) makes on the vnode it found: type against flags, then
 * permissions (skipped for a file this open created), then O_TRUNC.
 */
static int open_checks(struct vnode *v, int flags, bool created,
		       const struct vfs_cred *cred)
{
	int acc = flags & O_ACCMODE, mask = 0, err;

	if (flags & O_PATH) {
		if ((flags & O_DIRECTORY) && !S_ISDIR(v->mode))
			return -ENOTDIR;
		return 0;
	}
	if (flags & __O_TMPFILE)
		return 0; /* a new file of the right type */
	if (S_ISLNK(v->mode))
		return -ELOOP;
	if ((flags & O_DIRECTORY) && !S_ISDIR(v->mode))
		return -ENOTDIR;
	if (S_ISDIR(v->mode) &&
	    (acc != O_RDONLY || (flags & (O_TRUNC | O_CREAT))))
		return -EISDIR;
	if ((S_ISCHR(v->mode) || S_ISBLK(v->mode)) &&
	    (vfs_mnt_flags(v) & VFS_MNT_NODEV))
		return -EACCES;
	if (created)
		return 0;
	if (acc == O_RDONLY || acc == O_RDWR || acc == 3)
		mask |= MAY_READ;
	if (acc == O_WRONLY || acc == O_RDWR || acc == 3 || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	err = vfs_permission(v, mask, cred);
	if (err)
		return err;
	if ((mask & MAY_WRITE) && S_ISREG(v->mode) && vfs_read_only(v))
		return -EROFS;
	if ((flags & O_NOATIME) && !vfs_owner_or_capable(v, cred))
		return -EPERM;
	/* A running program is not truncated (nor opened for writing). */
	if (S_ISREG(v->mode) && (mask & MAY_WRITE) &&
	    __atomic_load_n(&v->writecount, __ATOMIC_RELAXED) < 0)
		return -ETXTBSY;
	if ((flags & O_TRUNC) && S_ISREG(v->mode) && v->ops->truncate)
		return v->ops->truncate(v, 0);
	return 0;
}

int vfs_openat(struct vnode *dir, const char *path, int flags, uint32_t mode,
	       const struct vfs_cred *cred, struct file **out)
{
	struct nameidata nd;
	struct vnode *v = NULL;
	bool created = false;
	unsigned int lflags = 0;
	int err;

	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if (!(flags & O_NOFOLLOW))
		lflags |= LOOKUP_FOLLOW;
	if (flags & O_DIRECTORY)
		lflags |= LOOKUP_DIRECTORY;
	err = nd_init(&nd, cred, lflags);
	if (err)
		return err;
	err = nd_set_path(&nd, path);
	if (err)
		goto out_fini;
	if ((flags & __O_TMPFILE) && !(flags & O_PATH)) {
		err = open_tmpfile(&nd, dir, flags, mode, &v);
		created = true;
	} else if (flags & O_CREAT) {
		if (flags & O_DIRECTORY)
			err = -EINVAL;
		else
			err = open_create(&nd, dir, flags, mode, &v, &created);
	} else {
		err = namei(&nd, dir, false, &v);
	}
	if (!err)
		err = open_checks(v, flags, created, cred);
	if (!err)
		err = vfs_open_vnode(v, flags, out);
	if (!err)
		fsnotify_open(*out, (flags & O_TRUNC) && !created &&
					    S_ISREG(v->mode));
	if (!err) {
		(*out)->oname = kstrdup(path);
		if (path[0] != '/' && dir) {
			vnode_get(dir);
			(*out)->odir = dir;
		}
	}
	vnode_put(v);
out_fini:
	nd_fini(&nd);
	return err;
}

int vfs_open_kernel(const char *path, int flags, struct file **out)
{
	return vfs_openat(NULL, path, flags & ~O_CREAT, 0, NULL, out);
}

/* ---- readlink, getcwd ----------------------------------------------- */

ssize_t vfs_readlinkat(struct vnode *dir, const char *path, char *buf,
		       size_t len, const struct vfs_cred *cred)
{
	struct vnode *v;
	ssize_t n;
	int err;

	err = vfs_lookup(dir, path, 0, cred, &v);
	if (err)
		return err;
	if (!S_ISLNK(v->mode) || !v->ops->readlink)
		n = -EINVAL;
	else
		n = v->ops->readlink(v, buf, len);
	vnode_put(v);
	return n;
}

struct find_name {
	uint64_t ino;
	char *name; /* NAME_MAX + 1 */
	size_t len;
	bool found;
};

static bool find_name_fill(void *arg, const char *name, size_t len,
			   uint64_t ino, unsigned int dtype, uint64_t next)
{
	struct find_name *fn = arg;

	if (ino != fn->ino || is_dot(name, len) || is_dotdot(name, len))
		return true;
	kos_memcpy(fn->name, name, len);
	fn->len = len;
	fn->found = true;
	return false;
}

/* v's name in directory dir (ino match, "." and ".." skipped). */
static int find_name(struct vnode *dir, struct vnode *v, struct find_name *fn)
{
	uint64_t rpos = 0;
	int err = 0;

	fn->ino = v->ino;
	fn->found = false;
	mutex_lock(&dir->lock);
	if (dir->ops->readdir)
		err = dir->ops->readdir(dir, &rpos, find_name_fill, fn);
	mutex_unlock(&dir->lock);
	return err ? err : fn->found ? 0 : -ENOENT;
}

/*
 * The path of directory v into buf (len bytes, NUL terminated): from
 * the root, crossing mounts (mounts), or from the root of v's own file
 * system.  The length with the NUL; -ENOENT once v is removed, -ERANGE.
 */
static long build_path(struct vnode *v, bool mounts, char *buf, size_t len)
{
	char *tmp = kmalloc(PATH_MAX), name[NAME_MAX + 1];
	size_t pos = PATH_MAX - 1; /* tmp[pos..] holds the result */
	struct find_name fn = { 0, name, 0, false };
	struct vnode *parent, *root = NULL;
	struct mount *mnt = NULL;
	long err = 0;

	if (!tmp)
		return -ENOMEM;
	tmp[pos] = 0;
	vnode_get(v);
	if (mounts)
		root = cur_root();
	if (v->nlink == 0 || !S_ISDIR(v->mode)) {
		err = S_ISDIR(v->mode) ? -ENOENT : -ENOTDIR;
		goto out;
	}
	for (;;) {
		if (mounts) {
			struct vnode *w = climb(v, root, &mnt);

			vnode_put(v);
			v = w;
		}
		if (v == root || (!mounts && v == v->sb->root))
			break;
		if (v == root_vnode) { /* outside the caller's chroot */
			static const char unreach[] = "(unreachable)";

			if (pos < sizeof(unreach)) {
				err = -ENAMETOOLONG;
				goto out;
			}
			if (tmp[pos] == 0)
				tmp[--pos] = '/';
			pos -= sizeof(unreach) - 1;
			kos_memcpy(tmp + pos, unreach, sizeof(unreach) - 1);
			break;
		}
		/* The parent in v's own file system (no mount crossing). */
		parent = NULL;
		err = lookup_one(v, "..", 2, &parent);
		if (!err)
			err = find_name(parent, v, &fn);
		if (!err && fn.len + 1 > pos)
			err = -ENAMETOOLONG;
		if (parent) {
			vnode_put(v);
			v = parent;
		}
		if (err)
			goto out;
		pos -= fn.len;
		kos_memcpy(tmp + pos, fn.name, fn.len);
		tmp[--pos] = '/';
	}
	if (tmp[pos] == 0)
		tmp[--pos] = '/';
	if (PATH_MAX - pos > len) {
		err = -ERANGE;
		goto out;
	}
	kos_memcpy(buf, tmp + pos, PATH_MAX - pos);
	err = (long)(PATH_MAX - pos);
out:
	mount_put(mnt);
	vnode_put(root);
	vnode_put(v);
	kfree(tmp);
	return err;
}

long vfs_path(struct vnode *v, char *buf, size_t len)
{
	return build_path(v, true, buf, len);
}

/*
 * The path of v (a directory, or a file found in directory dir), from
 * the root (mounts) or from its file system's root, into buf.
 */
static long path_in(struct vnode *dir, struct vnode *v, bool mounts, char *buf,
		    size_t len)
{
	char name[NAME_MAX + 1];
	struct find_name fn = { 0, name, 0, false };
	long n;
	int err;

	if (S_ISDIR(v->mode))
		return build_path(v, mounts, buf, len);
	if (!dir)
		return -ENOENT;
	n = build_path(dir, mounts, buf, len);
	if (n < 0)
		return n;
	err = find_name(dir, v, &fn);
	if (err)
		return err;
	if (n > 2) /* not "/" */
		buf[n - 1] = '/';
	else
		n = 1;
	if ((size_t)n + fn.len + 1 > len)
		return -ERANGE;
	kos_memcpy(buf + n, fn.name, fn.len);
	buf[n + fn.len] = 0;
	return n + (long)fn.len + 1;
}

long vfs_getcwd(struct vnode *cwd, char *buf, size_t len)
{
	return vfs_path(cwd, buf, len);
}

/* ---- chroot ---------------------------------------------------------- */

int vfs_chroot(struct vnode *dir, const char *path, const struct vfs_cred *cred,
	       struct vnode **out)
{
	struct vnode *v;
	int err = vfs_lookup(dir, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, cred,
			     &v);

	if (err)
		return err;
	err = vfs_permission(v, MAY_EXEC, cred);
	if (!err && !vfs_capable(cred, CAP_SYS_CHROOT))
		err = -EPERM;
	if (err) {
		vnode_put(v);
		return err;
	}
	*out = v;
	return 0;
}

/* ---- mounts -------------------------------------------------------- */

/*
 * A new mount of sb showing root on mp inside parent (NULL, NULL: the
 * root mount), with flags and source; root_dir and mp_dir are the
 * directories of a file root and a file mount point (else NULL).
 * vfs_mount_lock held; mp (if any) locked by the caller.  The mount
 * table holds the first reference; each vnode given one.
 */
static struct mount *mount_attach(struct superblock *sb, struct vnode *root,
				  struct vnode *root_dir, struct vnode *mp,
				  struct vnode *mp_dir, struct mount *parent,
				  unsigned long flags, const char *source)
{
	struct mount *m;

	KOS_ASSERT(sb->rename_lock.name); /* vfs_sb_init() was called */
	m = kzalloc(sizeof(*m));
	if (!m)
		return NULL;
	m->sb = sb;
	m->root = root;
	vnode_get(root);
	m->mountpoint = mp;
	if (mp) {
		vnode_get(mp);
		mp->mounted = m;
	}
	m->mp_dir = mp_dir;
	if (mp_dir)
		vnode_get(mp_dir);
	m->root_dir = root_dir;
	if (root_dir)
		vnode_get(root_dir);
	m->parent = parent;
	m->refcnt = 1;
	m->attached = true;
	kos_strlcpy(m->source, source ? source : "none", sizeof(m->source));
	if (!sb->mnt)
		sb->mnt = m;
	sb->nmounts++;
	mount_set_flags(m, flags);
	m->id = ++mount_ids; /* the root mount's is 1, as Linux's rootfs */
	list_add_tail(&m->link, &mounts);
	return m;
}

/*
 * Take m out of the mount table (vfs_mount_lock held); the caller then
 * gives back its references with mount_release().
 */
static void mount_detach(struct mount *m)
{
	struct superblock *sb = m->sb;

	list_del(&m->link);
	m->attached = false;
	if (m->mountpoint)
		m->mountpoint->mounted = NULL;
	sb->nmounts--;
	if (sb->mnt == m) {
		struct mount *o;

		sb->mnt = NULL;
		list_for_each_entry (o, &mounts, link)
			if (o->sb == sb) {
				sb->mnt = o;
				break;
			}
	}
}

static void mount_release(struct mount *m)
{
	vnode_put(m->root_dir);
	vnode_put(m->mp_dir);
	vnode_put(m->mountpoint);
	vnode_put(m->root);
	mount_put(m);
}

/*
 * Whether mounting root on mp would make a walk cross mounts forever:
 * mp is root, or a root mounted over root, and so on (proc on /proc
 * again: the single instance's root on itself).  vfs_mount_lock held.
 */
static bool mount_loops(struct vnode *root, struct vnode *mp)
{
	for (struct vnode *r = root; r;
	     r = r->mounted ? r->mounted->root : NULL)
		if (r == mp)
			return true;
	return false;
}

/*
 * Attach root (of sb) on the vnode mp in mount parent: mp's lock keeps
 * it from being removed meanwhile (unlink checks "mounted" under it).
 * Linux's errors: a directory on a non-directory or the other way
 * round (-ENOTDIR), a removed mount point (-ENOENT), something mounted
 * there already or a mount that would loop (-EBUSY: mounts do not stack
 * here).
 */
static int mount_on(struct superblock *sb, struct vnode *root,
		    struct vnode *root_dir, struct vnode *mp,
		    struct vnode *mp_dir, struct mount *parent,
		    unsigned long flags, const char *source)
{
	int err = 0;

	mutex_lock(&mp->lock);
	mutex_lock(&vfs_mount_lock);
	if (S_ISDIR(mp->mode) != S_ISDIR(root->mode))
		err = -ENOTDIR;
	else if (mp->nlink == 0)
		err = -ENOENT;
	else if (mp->mounted || mount_loops(root, mp))
		err = -EBUSY;
	else if (!mount_attach(sb, root, root_dir, mp, mp_dir, parent, flags,
			       source))
		err = -ENOMEM;
	mutex_unlock(&vfs_mount_lock);
	mutex_unlock(&mp->lock);
	return err;
}

/*
 * Held by sync(2) while it calls the file systems' sync_fs, and by
 * sb_release around put_super: a file system sync(2) found is not freed
 * under it.  Outside vfs_mount_lock.
 */
static struct mutex sb_sync_lock = MUTEX_INIT(sb_sync_lock, "vfs.sbsync");

int vfs_sync_fs(struct superblock *sb)
{
	if (!sb->ops || !sb->ops->sync_fs)
		return 0;
	return sb->ops->sync_fs(sb, true);
}

void vfs_sync_all(void)
{
	struct superblock **sbs;
	struct mount *m;
	size_t n = 0, cap = 0;

	mutex_lock(&sb_sync_lock);
	mutex_lock(&vfs_mount_lock);
	list_for_each_entry (m, &mounts, link)
		if (m == m->sb->mnt && m->sb->ops && m->sb->ops->sync_fs)
			cap++;
	mutex_unlock(&vfs_mount_lock);
	sbs = cap ? kmalloc(cap * sizeof(*sbs)) : NULL;
	if (sbs) {
		mutex_lock(&vfs_mount_lock);
		list_for_each_entry (m, &mounts, link)
			if (m == m->sb->mnt && m->sb->ops &&
			    m->sb->ops->sync_fs && n < cap)
				sbs[n++] = m->sb;
		mutex_unlock(&vfs_mount_lock);
	}
	for (size_t i = 0; i < n; i++)
		sbs[i]->ops->sync_fs(sbs[i], true);
	mutex_unlock(&sb_sync_lock);
	kfree(sbs);
}

/* Free a superblock that never got mounted (or was unmounted). */
static void sb_release(struct superblock *sb)
{
	dcache_forget_sb(sb);
	vnode_put(sb->root);
	sb->root = NULL;
	mutex_lock(&sb_sync_lock);
	if (sb->ops->sync_fs)
		sb->ops->sync_fs(sb, true);
	if (sb->ops->put_super)
		sb->ops->put_super(sb);
	mutex_unlock(&sb_sync_lock);
}

/*
 * vfs_lookup that also gives the mount the result lies in (a new
 * reference): the one the walk knows, else the one rooted there, else
 * its file system's first.
 */
static int lookup_mnt(struct vnode *dir, const char *path, unsigned int flags,
		      const struct vfs_cred *cred, struct vnode **out,
		      struct mount **mnt)
{
	struct nameidata nd;
	int err = nd_begin(&nd, cred, flags, path);

	if (err)
		return err;
	err = namei(&nd, dir, false, out);
	if (!err) {
		struct mount *m = nd.mnt;

		mutex_lock(&vfs_mount_lock);
		if (!m || !m->attached)
			m = mount_at_root(*out);
		if (!m)
			m = (*out)->sb->mnt;
		mount_get(m);
		mutex_unlock(&vfs_mount_lock);
		*mnt = m;
	}
	nd_fini(&nd);
	return err;
}

/* The directory path's last component is in (a new reference). */
static int lookup_parent(struct vnode *dir, const char *path,
			 const struct vfs_cred *cred, struct vnode **out)
{
	struct nameidata nd;
	int err = nd_begin(&nd, cred, 0, path);

	if (err)
		return err;
	err = namei(&nd, dir, true, out);
	nd_fini(&nd);
	return err;
}

/* The mount rooted at v: the walk's mount m if it is, else the first. */
static struct mount *mount_rooted(struct mount *m, struct vnode *v)
{
	if (m && m->attached && m->root == v)
		return m;
	return mount_at_root(v);
}

/*
 * The disk or partition a mount's source names (Linux's
 * lookup_bdev()): a path (followed) to a block device node (-ENOTBLK
 * otherwise) of a device that exists (-ENXIO otherwise).  *out comes
 * with a reference (blkdev_get: a partition stays while mounted).
 */
static int source_disk(struct vnode *dir, const char *source,
		       const struct vfs_cred *cred, struct kos_blkdev **out)
{
	struct vnode *v;
	int err;

	if (!source || !*source)
		return -ENOENT;
	err = vfs_lookup(dir, source, LOOKUP_FOLLOW, cred, &v);
	if (err)
		return err;
	if (!S_ISBLK(v->mode))
		err = -ENOTBLK;
	else if (!(*out = blkdev_get(v->rdev)))
		err = -ENXIO;
	vnode_put(v);
	return err;
}

int vfs_mount_new(struct vnode *dir, const char *path, const char *fstype,
		  const char *source, unsigned long flags, const char *data,
		  const struct vfs_cred *cred)
{
	struct superblock *sb = NULL;
	struct mount *pm = NULL;
	struct vnode *mp;
	bool fresh = true;
	int err;

	err = lookup_mnt(dir, path, LOOKUP_FOLLOW, cred, &mp, &pm);
	if (err)
		return err;
	if (!vfs_capable(cred, CAP_SYS_ADMIN)) {
		err = -EPERM;
		goto out;
	}
	if (!kos_strcmp(fstype, "tmpfs")) {
		sb = ramfs_create();
		err = sb ? ramfs_apply_options(sb, data, false) : -ENOMEM;
	} else if (!kos_strcmp(fstype, "devtmpfs")) {
		sb = ramfs_create();
		err = sb ? dev_fill_devtmpfs(sb->root) : -ENOMEM;
		if (sb)
			sb->fstype = "devtmpfs";
	} else if (!kos_strcmp(fstype, "sysfs")) {
		sb = sysfs_create();
		err = sb ? 0 : -ENOMEM;
	} else if (!kos_strcmp(fstype, "proc")) {
		sb = vfs_procfs(); /* one instance, mounted any number of times */
		err = sb ? 0 : -ENOMEM;
		fresh = false;
	} else if (!kos_strcmp(fstype, "devpts")) {
		sb = tty_devpts_create(data,
				       &err); /* tty/pty.c: one instance */
		fresh = false;
	} else if (!kos_strcmp(fstype, "mqueue")) {
		sb = mqueue_sb(); /* ipc/mqueue.c: one instance, like proc */
		err = sb ? 0 : -ENOMEM;
		fresh = false;
	} else if (!kos_strcmp(fstype, "ext4")) {
		struct kos_blkdev *bd;

		err = source_disk(dir, source, cred, &bd);
		if (!err)
			err = ext4_mount(bd, flags & VFS_MNT_RDONLY, data, &sb);
	} else {
		err = -ENODEV;
	}
	if (!err && !S_ISDIR(mp->mode))
		err = -ENOTDIR;
	if (!err)
		err = mount_on(sb, sb->root, NULL, mp, NULL, pm, flags, source);
	if (err && sb && fresh)
		sb_release(sb);
out:
	mount_put(pm);
	vnode_put(mp);
	return err;
}

/*
 * What MS_BIND and MS_MOVE look up, in Linux's order: the target (and,
 * for a file, its directory, which /proc/mounts names it by), the
 * privilege, the source (and a file's directory).  All referenced;
 * mount_pair_put() gives them back (NULLs allowed).
 */
struct mount_pair {
	struct vnode *tv, *td, *sv, *sd;
	struct mount *tm, *sm;
};

static void mount_pair_put(struct mount_pair *mp)
{
	mount_put(mp->sm);
	mount_put(mp->tm);
	vnode_put(mp->sd);
	vnode_put(mp->sv);
	vnode_put(mp->td);
	vnode_put(mp->tv);
}

static int mount_pair_get(struct vnode *odir, const char *opath,
			  struct vnode *ndir, const char *npath,
			  const struct vfs_cred *cred, struct mount_pair *mp)
{
	int err;

	kos_memset(mp, 0, sizeof(*mp));
	err = lookup_mnt(ndir, npath, LOOKUP_FOLLOW, cred, &mp->tv, &mp->tm);
	if (!err && !vfs_capable(cred, CAP_SYS_ADMIN))
		err = -EPERM;
	if (!err)
		err = lookup_mnt(odir, opath, LOOKUP_FOLLOW, cred, &mp->sv,
				 &mp->sm);
	if (!err && !S_ISDIR(mp->tv->mode))
		err = lookup_parent(ndir, npath, cred, &mp->td);
	if (!err && !S_ISDIR(mp->sv->mode))
		err = lookup_parent(odir, opath, cred, &mp->sd);
	if (err)
		mount_pair_put(mp);
	return err;
}

int vfs_bind(struct vnode *odir, const char *opath, struct vnode *ndir,
	     const char *npath, const struct vfs_cred *cred)
{
	struct mount_pair mp;
	char source[sizeof(mp.sm->source)];
	unsigned long flags;
	int err = mount_pair_get(odir, opath, ndir, npath, cred, &mp);

	if (err)
		return err;
	mutex_lock(&vfs_mount_lock);
	kos_memcpy(source, mp.sm->source, sizeof(source));
	flags = mp.sm->flags;
	mutex_unlock(&vfs_mount_lock);
	err = mount_on(mp.sv->sb, mp.sv, mp.sd, mp.tv, mp.td, mp.tm, flags,
		       source);
	mount_pair_put(&mp);
	return err;
}

/* Is m a or below a (through parents)?  vfs_mount_lock held. */
static bool mount_below(struct mount *m, struct mount *a)
{
	for (; m; m = m->parent)
		if (m == a)
			return true;
	return false;
}

int vfs_move_mount(struct vnode *odir, const char *opath, struct vnode *ndir,
		   const char *npath, const struct vfs_cred *cred)
{
	struct vnode *old = NULL, *old_dir = NULL;
	struct mount_pair mp;
	struct mount *m;
	int err = mount_pair_get(odir, opath, ndir, npath, cred, &mp);

	if (err)
		return err;
	mutex_lock(&mp.tv->lock);
	mutex_lock(&vfs_mount_lock);
	m = mount_rooted(mp.sm, mp.sv);
	if (!m || !m->mountpoint)
		err = -EINVAL;
	else if (mount_below(mp.tm, m))
		err = -ELOOP;
	else if (S_ISDIR(mp.tv->mode) != S_ISDIR(mp.sv->mode))
		err = -ENOTDIR;
	else if (mp.tv->nlink == 0)
		err = -ENOENT;
	else if (mp.tv->mounted)
		err = -EBUSY;
	if (!err) {
		/* The old mount point and its directory go below. */
		old = m->mountpoint;
		old->mounted = NULL;
		old_dir = m->mp_dir;
		vnode_get(mp.tv);
		mp.tv->mounted = m;
		m->mountpoint = mp.tv;
		m->mp_dir = mp.td;
		mp.td = NULL; /* the mount's now */
		m->parent = mp.tm;
	}
	mutex_unlock(&vfs_mount_lock);
	mutex_unlock(&mp.tv->lock);
	vnode_put(old);
	vnode_put(old_dir);
	mount_pair_put(&mp);
	return err;
}

/*
 * pivot_root(2), as Linux's: the mount of the caller's root (root_mnt)
 * goes onto put_old, and the mount rooted at new_root (new_mnt) takes
 * its place; every thread whose root or cwd was the old root gets the
 * new one.  Mounts here are attached to vnodes, so the mounts below
 * either one move with it.  put_old is followed down onto whatever is
 * mounted there (Linux's lock_mount()), which makes pivot_root(".",
 * ".") put the old root on top of the new one: a walk that starts at
 * the new root does not cross it (nor does ".", as in Linux), and
 * umount2(".", MNT_DETACH) then finds it (vfs_umount follows mounts on
 * the last component).
 */
struct pivot {
	struct vnode *nv, *ov, *root; /* new_root, put_old, the root */
	struct mount *nm, *om, *rm;   /* their mounts (rm: NULL if none) */
};

static void pivot_put(struct pivot *pv)
{
	mount_put(pv->rm);
	mount_put(pv->om);
	mount_put(pv->nm);
	vnode_put(pv->root);
	vnode_put(pv->ov);
	vnode_put(pv->nv);
}

/* Linux's checks after the look-ups, in its order.  vfs_mount_lock. */
static int pivot_check(struct pivot *pv)
{
	struct mount *rm = pv->rm ? pv->rm : pv->root->sb->mnt;

	if (!pv->nm->attached || !pv->om->attached || !rm || !rm->attached)
		return -EINVAL;
	if (pv->nv->nlink == 0)
		return -ENOENT;
	if (pv->nm == rm || pv->om == rm)
		return -EBUSY; /* new_root, put_old in the root's own mount */
	if (!pv->rm || !rm->mountpoint)
		return -EINVAL; /* the root is no mount's root, or the top */
	if (pv->nm->root != pv->nv || !pv->nm->mountpoint)
		return -EINVAL; /* new_root is not a mount point */
	if (!mount_below(pv->om, pv->nm))
		return -EINVAL; /* put_old not at or under new_root */
	if (!mount_below(pv->nm, rm))
		return -EINVAL; /* new_root not under the root */
	if (pv->ov->mounted)
		return -EBUSY; /* mounted on since the look-up */
	return 0;
}

/*
 * The swap itself (vfs_mount_lock held, checks passed): root_mnt onto
 * put_old under put_old's mount, new_mnt where root_mnt was.  The
 * references the mount points lose go to *put1 and *put2.
 */
static void pivot_swap(struct pivot *pv, struct vnode **put1,
		       struct vnode **put2)
{
	struct mount *rm = pv->rm, *nm = pv->nm;
	struct vnode *rmp = rm->mountpoint;

	*put1 = nm->mountpoint;
	*put2 = nm->mp_dir; /* NULL: a directory */
	nm->mountpoint->mounted = NULL;
	rmp->mounted = nm;
	nm->mountpoint = rmp; /* root_mnt's reference */
	nm->mp_dir = rm->mp_dir;
	nm->parent = rm->parent;
	vnode_get(pv->ov);
	pv->ov->mounted = rm;
	rm->mountpoint = pv->ov;
	rm->mp_dir = NULL;
	rm->parent = pv->om;
}

/*
 * The swap undone: put1, put2 from pivot_swap go back to new_mnt; the
 * reference pivot_swap took on put_old is the caller's to put.
 */
static void pivot_unswap(struct pivot *pv, struct vnode *put1,
			 struct vnode *put2, struct mount *nparent)
{
	struct mount *rm = pv->rm, *nm = pv->nm;

	pv->ov->mounted = NULL;
	rm->mountpoint = nm->mountpoint; /* with its reference */
	nm->mountpoint->mounted = rm;
	rm->mp_dir = nm->mp_dir;
	rm->parent = nm->parent;
	nm->mountpoint = put1;
	nm->mp_dir = put2;
	nm->parent = nparent;
	put1->mounted = nm;
}

/*
 * Would a walk that reaches v cross mounts forever (v's mounted roots
 * lead back to it)?  At most as many steps as there are mounts, which
 * also ends a chain that ran into a cycle elsewhere.  vfs_mount_lock.
 */
static bool mount_cycle(struct vnode *v)
{
	struct vnode *r = v;
	struct mount *m;
	size_t n = 0;

	list_for_each_entry (m, &mounts, link)
		n++;
	while (r->mounted && n--) {
		r = r->mounted->root;
		if (r == v)
			return true;
	}
	return r->mounted != NULL;
}

int vfs_pivot_root(struct vnode *ndir, const char *npath, struct vnode *odir,
		   const char *opath, const struct vfs_cred *cred)
{
	struct vnode *put1 = NULL, *put2 = NULL;
	struct pivot pv = { 0 };
	unsigned int n = 0;
	int err;

	if (!vfs_capable(cred, CAP_SYS_ADMIN))
		return -EPERM;
	err = lookup_mnt(ndir, npath, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, cred,
			 &pv.nv, &pv.nm);
	if (err)
		return err;
	err = lookup_mnt(odir, opath, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, cred,
			 &pv.ov, &pv.om);
	if (err)
		goto out;
	pv.ov = cross_down(pv.ov, &pv.om); /* the top of a stack there */
	pv.root = cur_root();
	mutex_lock(&pv.ov->lock);
	mutex_lock(&vfs_mount_lock);
	pv.rm = mount_at_root(pv.root);
	if (pv.rm)
		mount_get(pv.rm);
	/* A removed put_old first (Linux's lock_mount()), then the rest. */
	err = pv.ov->nlink == 0 ? -ENOENT : pivot_check(&pv);
	if (!err) {
		struct mount *nparent = pv.nm->parent;
		struct vnode *rmp = pv.rm->mountpoint;

		pivot_swap(&pv, &put1, &put2);
		/*
		 * Mounts do not stack here (divergence mount.stack_self):
		 * an old root bound onto put_old, say, would now lead a
		 * walk round for ever.  Refused as mount(2) is, -EBUSY.
		 */
		if (mount_cycle(pv.ov) || mount_cycle(rmp)) {
			pivot_unswap(&pv, put1, put2, nparent);
			put1 = pv.ov; /* pivot_swap's reference */
			put2 = NULL;
			err = -EBUSY;
		}
	}
	if (!err) {
		/* The kernel's own threads follow too. */
		if (kernel_root == pv.root) {
			vnode_get(pv.nv);
			kernel_root = pv.nv;
			n = 1;
		}
	}
	mutex_unlock(&vfs_mount_lock);
	mutex_unlock(&pv.ov->lock);
	if (!err) {
		n += proc_fs_replace(pv.root, pv.nv);
		while (n--)
			vnode_put(pv.root);
	}
	vnode_put(put1);
	vnode_put(put2);
out:
	pivot_put(&pv);
	return err;
}

/*
 * Is anything of m in use: a mount below it, or, when m is its file
 * system's only mount, an open file, a cwd, a mapping of the file
 * system (beyond the superblock's and the mount's hold on the root)?
 * A bind mount's users cannot be told from the others' and never
 * count.  vfs_mount_lock held.
 */
static bool mount_busy(struct mount *m)
{
	struct superblock *sb = m->sb;
	struct mount *o;

	list_for_each_entry (o, &mounts, link)
		if (o->parent == m)
			return true;
	if (sb->nmounts > 1 || m->root != sb->root)
		return false;
	return __atomic_load_n(&sb->root->refcnt, __ATOMIC_ACQUIRE) >
		       2 + fsnotify_pins(sb->root) ||
	       proc_uses_sb(sb);
}

/* Detach m and every mount below it onto gone (deepest first). */
static void detach_tree(struct mount *m, struct list_head *gone)
{
	struct mount *o, *tmp;

	list_for_each_entry_safe (o, tmp, &mounts, link)
		if (o->parent == m)
			detach_tree(o, gone);
	mount_detach(m);
	list_add_tail(&m->link, gone);
}

int vfs_umount(struct vnode *dir, const char *path, bool nofollow, bool detach,
	       const struct vfs_cred *cred)
{
	struct mount *wm = NULL, *m, *tmp;
	LIST_HEAD(gone);
	struct vnode *v;
	int err;

	err = lookup_mnt(dir, path, nofollow ? 0 : LOOKUP_FOLLOW, cred, &v,
			 &wm);
	if (err)
		return err;
	/* "." or "/" on which something is mounted: the top mount. */
	v = cross_down(v, &wm);
	if (!vfs_capable(cred, CAP_SYS_ADMIN)) {
		mount_put(wm);
		vnode_put(v);
		return -EPERM;
	}
	mutex_lock(&vfs_mount_lock);
	m = mount_rooted(wm, v);
	if (!m || !m->mountpoint) {
		err = -EINVAL; /* v may be anything: put it unlocked */
	} else {
		vnode_put(v); /* our lookup's (not the last), before counting */
		v = NULL;
		if (!detach && mount_busy(m))
			err = -EBUSY;
		else
			detach_tree(m, &gone);
	}
	mutex_unlock(&vfs_mount_lock);
	vnode_put(v);
	mount_put(wm);
	if (err)
		return err;
	/*
	 * A file system goes with its last mount: at once when not
	 * detached; detached, its tree goes with its last user (the
	 * superblock itself stays).  A single instance (proc, devpts,
	 * mqueue) stays.
	 */
	list_for_each_entry_safe (m, tmp, &gone, link) {
		struct superblock *sb = m->sb;
		bool last =
			!READ_ONCE(sb->nmounts) && !(sb->flags & VFS_SB_SINGLE);

		mount_release(m);
		if (!last)
			continue;
		fsnotify_unmount(
			sb); /* its watches end: IN_UNMOUNT, IN_IGNORED */
		if (!detach) {
			sb_release(sb);
		} else {
			dcache_forget_sb(sb);
			vnode_put(sb->root);
		}
	}
	return 0;
}

int vfs_remount(struct vnode *dir, const char *path, unsigned long flags,
		const char *data, bool bind, const struct vfs_cred *cred)
{
	bool to_ro = flags & VFS_MNT_RDONLY, was_rw = false;
	struct mount *wm = NULL, *m;
	unsigned long others = 0; /* the new flags but read-only */
	struct vnode *v;
	int err = lookup_mnt(dir, path, LOOKUP_FOLLOW, cred, &v, &wm);

	if (err)
		return err;
	if (!vfs_capable(cred, CAP_SYS_ADMIN)) {
		err = -EPERM;
		goto out;
	}
	mutex_lock(&vfs_mount_lock);
	m = mount_rooted(wm, v);
	if (!m)
		err = -EINVAL;
	if (m) {
		others = flags & ~(VFS_MNT_RDONLY | VFS_MNT_KEEP_ATIME);
		if (flags & VFS_MNT_KEEP_ATIME)
			others = (others & ~VFS_MNT_ATIME) |
				 (m->flags & VFS_MNT_ATIME);
	}
	/*
	 * Read-only, nosuid, nodev and noexec are enforced per file system
	 * (files do not know their mount): a second mount of one cannot
	 * differ from the first in them.
	 */
	if (m && m != v->sb->mnt &&
	    (flags & VFS_MNT_ENFORCED) !=
		    (v->sb->mnt->flags & VFS_MNT_ENFORCED))
		err = -EINVAL;
	else if (m && !to_ro && (v->sb->flags & VFS_SB_NOWRITE))
		err = -EROFS; /* a file system KOS cannot write yet */
	if (m)
		was_rw = m == v->sb->mnt && !(m->flags & VFS_MNT_RDONLY);
	mutex_unlock(&vfs_mount_lock);
	if (!err && !bind && data && *data &&
	    !kos_strcmp(v->sb->fstype, "tmpfs"))
		err = ramfs_apply_options(v->sb, data, true);
	/* Going read-write: the file system first (it may refuse). */
	if (!err && !to_ro && m == v->sb->mnt && !was_rw && v->sb->ops->remount)
		err = v->sb->ops->remount(v->sb, false);
	if (err)
		goto out;
	/*
	 * Going read-only: publish the flag, then look for writers;
	 * vnode_get_write() counts itself first, then looks at the flag,
	 * so one of the two sees the other.
	 */
	mutex_lock(&vfs_mount_lock);
	if (m->attached)
		mount_set_flags(m, others | (to_ro ? VFS_MNT_RDONLY : 0));
	mutex_unlock(&vfs_mount_lock);
	if (to_ro && __atomic_load_n(&v->sb->writers, __ATOMIC_SEQ_CST)) {
		mutex_lock(&vfs_mount_lock);
		mount_set_flags(m, m->flags & ~VFS_MNT_RDONLY);
		mutex_unlock(&vfs_mount_lock);
		err = -EBUSY;
	} else if (to_ro && was_rw && v->sb->ops->remount) {
		pcache_sync(v->sb); /* the pages before the metadata */
		err = v->sb->ops->remount(v->sb, true);
		if (err) {
			mutex_lock(&vfs_mount_lock);
			mount_set_flags(m, m->flags & ~VFS_MNT_RDONLY);
			mutex_unlock(&vfs_mount_lock);
		}
	}
out:
	mount_put(wm);
	vnode_put(v);
	return err;
}

int vfs_mount_root(struct vnode *dir, const char *path,
		   const struct vfs_cred *cred)
{
	struct mount *wm = NULL;
	struct vnode *v;
	int err = lookup_mnt(dir, path, LOOKUP_FOLLOW, cred, &v, &wm);

	if (err)
		return err;
	if (!vfs_capable(cred, CAP_SYS_ADMIN)) {
		err = -EPERM;
	} else {
		mutex_lock(&vfs_mount_lock);
		if (!mount_rooted(wm, v))
			err = -EINVAL;
		mutex_unlock(&vfs_mount_lock);
	}
	mount_put(wm);
	vnode_put(v);
	return err;
}

/* One mount as /proc shows it, copied under vfs_mount_lock. */
struct mount_snap {
	struct vnode *mountpoint, *mp_dir; /* referenced; NULL: / */
	struct vnode *root, *root_dir;	   /* referenced (root_dir NULL) */
	char source[64];
	const char *fstype;
	unsigned long flags; /* VFS_MNT_* */
	int id, parent_id;
	uint32_t dev;
};

static void get_maybe(struct vnode *v)
{
	if (v)
		vnode_get(v);
}

/*
 * Every mount, in the table's order, into a kmalloc'ed array (*n of
 * them): paths are built after, without the lock, as they take vnode
 * locks.  NULL when memory is short.
 */
static struct mount_snap *mounts_snapshot(size_t *n)
{
	struct mount_snap *snap;
	struct mount *m;
	size_t i = 0;

	mutex_lock(&vfs_mount_lock);
	*n = 0;
	list_for_each_entry (m, &mounts, link)
		(*n)++;
	snap = kzalloc(*n * sizeof(*snap) + 1);
	if (snap)
		list_for_each_entry (m, &mounts, link) {
			struct mount_snap *ms = &snap[i++];

			get_maybe(ms->mountpoint = m->mountpoint);
			get_maybe(ms->mp_dir = m->mp_dir);
			get_maybe(ms->root = m->root);
			get_maybe(ms->root_dir = m->root_dir);
			kos_memcpy(ms->source, m->source, sizeof(ms->source));
			ms->fstype = m->sb->fstype;
			ms->flags = m->flags;
			ms->id = m->id;
			ms->parent_id = m->parent ? m->parent->id : m->id;
			ms->dev = m->sb->dev;
		}
	mutex_unlock(&vfs_mount_lock);
	return snap;
}

static void snapshot_free(struct mount_snap *snap, size_t n)
{
	for (size_t i = 0; snap && i < n; i++) {
		vnode_put(snap[i].mountpoint);
		vnode_put(snap[i].mp_dir);
		vnode_put(snap[i].root);
		vnode_put(snap[i].root_dir);
	}
	kfree(snap);
}

/* Where a snapshot's mount is, into path (PATH_MAX): < 0 to skip it. */
/*
 * Where ms is mounted, as the reader sees it: "/" for the mount of the
 * reader's root (after switch_root, the mount moved onto the old "/"),
 * -ENOENT for mounts out of its reach, which Linux leaves out of
 * /proc/mounts and mountinfo.
 */
static long snap_point(struct mount_snap *ms, char *path)
{
	struct vnode *root = cur_root();
	long n;

	if (ms->root == root || !ms->mountpoint) {
		n = ms->root == root || root == root_vnode ? 2 : -ENOENT;
		if (n > 0)
			kos_strlcpy(path, "/", PATH_MAX);
	} else {
		n = path_in(ms->mp_dir, ms->mountpoint, true, path, PATH_MAX);
		if (n > 0 && path[0] != '/')
			n = -ENOENT; /* "(unreachable)/..." */
	}
	vnode_put(root);
	return n;
}

/*
 * The per-mount options in Linux's order (show_mnt_opts): "ro" or "rw",
 * nosuid, nodev, noexec, noatime, nodiratime, relatime; the first
 * mount of all (rootfs) has "rw" alone, as Linux's.
 */
static const char *snap_opts(const struct mount_snap *ms, char *buf, size_t len)
{
	static const struct {
		unsigned long flag;
		const char *name;
	} opts[] = {
		{ VFS_MNT_NOSUID, ",nosuid" },
		{ VFS_MNT_NODEV, ",nodev" },
		{ VFS_MNT_NOEXEC, ",noexec" },
		{ VFS_MNT_NOATIME, ",noatime" },
		{ VFS_MNT_NODIRATIME, ",nodiratime" },
	};
	size_t n = kos_strlcpy(buf, (ms->flags & VFS_MNT_RDONLY) ? "ro" : "rw",
			       len);

	if (!ms->mountpoint)
		return buf;
	for (size_t i = 0; i < ARRAY_SIZE(opts) && n < len; i++)
		if (ms->flags & opts[i].flag)
			n += kos_strlcpy(buf + n, opts[i].name, len - n);
	if (!(ms->flags & (VFS_MNT_NOATIME | VFS_MNT_STRICTATIME)) && n < len)
		kos_strlcpy(buf + n, ",relatime", len - n);
	return buf;
}

void vfs_show_mounts(void (*sink)(void *ctx, const char *s, size_t n),
		     void *ctx)
{
	char *path = kmalloc(PATH_MAX), line[160], opts[80];
	struct mount_snap *snap;
	size_t n;

	if (!path)
		return;
	snap = mounts_snapshot(&n);
	for (size_t i = 0; snap && i < n; i++) {
		struct mount_snap *ms = &snap[i];
		int k;

		if (snap_point(ms, path) < 0)
			continue;
		k = kos_snprintf(line, sizeof(line), "%s ",
				 ms->mountpoint ? ms->source : "rootfs");
		sink(ctx, line, (size_t)k);
		sink(ctx, path, kos_strlen(path));
		k = kos_snprintf(line, sizeof(line), " %s %s 0 0\n",
				 ms->mountpoint ? ms->fstype : "rootfs",
				 snap_opts(ms, opts, sizeof(opts)));
		sink(ctx, line, (size_t)k);
	}
	snapshot_free(snap, n);
	kfree(path);
}

/*
 * Linux's show_mountinfo(): "id parent major:minor root mountpoint
 * options - fstype source superoptions"; the root mount is its own
 * parent, as Linux's rootfs; root is the mount's root inside its file
 * system (a bind mount's).
 */
void vfs_show_mountinfo(void (*sink)(void *ctx, const char *s, size_t n),
			void *ctx)
{
	char *path = kmalloc(2 * PATH_MAX), line[200], opts[80];
	char *rpath = path + PATH_MAX;
	struct mount_snap *snap;
	size_t n;

	if (!path)
		return;
	snap = mounts_snapshot(&n);
	for (size_t i = 0; snap && i < n; i++) {
		struct mount_snap *ms = &snap[i];
		const char *rw = (ms->flags & VFS_MNT_RDONLY) ? "ro" : "rw";
		int k;

		if (snap_point(ms, path) < 0 ||
		    path_in(ms->root_dir, ms->root, false, rpath, PATH_MAX) < 0)
			continue;
		k = kos_snprintf(line, sizeof(line), "%d %d %u:%u ", ms->id,
				 ms->parent_id, KDEV_MAJOR(ms->dev),
				 KDEV_MINOR(ms->dev));
		sink(ctx, line, (size_t)k);
		sink(ctx, rpath, kos_strlen(rpath));
		sink(ctx, " ", 1);
		sink(ctx, path, kos_strlen(path));
		k = kos_snprintf(line, sizeof(line), " %s - %s %s %s\n",
				 snap_opts(ms, opts, sizeof(opts)),
				 ms->mountpoint ? ms->fstype : "rootfs",
				 ms->mountpoint ? ms->source : "rootfs", rw);
		sink(ctx, line, (size_t)k);
	}
	snapshot_free(snap, n);
	kfree(path);
}

int vfs_mount_id(struct superblock *sb)
{
	int id;

	mutex_lock(&vfs_mount_lock);
	id = sb && sb->mnt ? sb->mnt->id : 0;
	mutex_unlock(&vfs_mount_lock);
	return id;
}

int vfs_mount(struct superblock *sb, const char *path)
{
	struct mount *pm = NULL;
	struct vnode *mp;
	int err;

	if (READ_ONCE(sb->mnt))
		return -EBUSY; /* a new file system, mounted once */
	err = lookup_mnt(NULL, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, NULL,
			 &mp, &pm);
	if (err)
		return err;
	err = mount_on(sb, sb->root, NULL, mp, NULL, pm, 0, sb->fstype);
	mount_put(pm);
	vnode_put(mp);
	return err;
}

/* ---- the root (fs/rootfs.c sets it up at boot) ----------------------- */

int vfs_set_root(struct superblock *sb)
{
	struct mount *m;

	mutex_lock(&vfs_mount_lock);
	list_init(&mounts);
	m = mount_attach(sb, sb->root, NULL, NULL, NULL, NULL, 0, "rootfs");
	if (m) {
		root_vnode = sb->root;
		root_mount = m;
	}
	mutex_unlock(&vfs_mount_lock);
	return m ? 0 : -ENOMEM;
}

int vfs_drop_root(void)
{
	struct superblock *old;
	struct mount *m;

	mutex_lock(&vfs_mount_lock);
	old = root_vnode->sb;
	m = root_mount;
	if (mounts.next != &m->link || mounts.prev != &m->link) {
		mutex_unlock(&vfs_mount_lock);
		return -EBUSY;
	}
	mutex_unlock(&vfs_mount_lock);
	/* The name cache's pins are not users. */
	dcache_forget_sb(old);
	mutex_lock(&vfs_mount_lock);
	/* Held by the superblock and the root mount only. */
	if (mounts.next != &m->link || mounts.prev != &m->link ||
	    __atomic_load_n(&root_vnode->refcnt, __ATOMIC_ACQUIRE) != 2) {
		mutex_unlock(&vfs_mount_lock);
		return -EBUSY;
	}
	mount_detach(m);
	root_vnode = NULL;
	root_mount = NULL;
	mutex_unlock(&vfs_mount_lock);
	mount_release(m);
	/* Nobody else holds the root: this frees the whole tree. */
	sb_release(old);
	return 0;
}
