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
 * Locking: every function here takes vfs_lock for the duration of the
 * walk and the operation; the static helpers expect it held.
 */
#include <kos/file.h>
#include <kos/ipc.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
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

struct mutex vfs_lock = MUTEX_INIT(vfs_lock, "vfs");

static struct vnode *root_vnode; /* set by vfs_init (and vfs_reset_root) */
static LIST_HEAD(mounts);	 /* vfs_lock */
static uint32_t anon_next = 1;	 /* vfs_lock */

struct vnode *vfs_root(void)
{
	return root_vnode;
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
	if (!v)
		return;
	if (__atomic_sub_fetch(&v->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	/* Every lock belongs to an open file, which holds a reference. */
	KOS_ASSERT(!v->locks);
	if (v->sb && v->sb->ops && v->sb->ops->evict)
		v->sb->ops->evict(v);
	else
		kfree(v);
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
}

int vfs_stat_file(struct file *f, struct kstat *st)
{
	if (!f->vnode)
		return -EINVAL;
	mutex_lock(&vfs_lock);
	vfs_getattr(f->vnode, st);
	mutex_unlock(&vfs_lock);
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

/* Is v on a read-only mount? */
static bool read_only(struct vnode *v)
{
	return v->sb->mnt && (v->sb->mnt->flags & VFS_MNT_RDONLY);
}

/* Linux's inode_owner_or_capable(): the owner, or CAP_FOWNER. */
static bool owner_or_capable(struct vnode *v, const struct vfs_cred *cred)
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
	if (!S_ISREG(v->mode))
		return -EACCES;
	return vfs_permission(v, MAY_EXEC, cred);
}

/* ---- path lookup ---------------------------------------------------- */

struct nameidata {
	const struct vfs_cred *cred;
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

static void nd_fini(struct nameidata *nd)
{
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

/* Step from a mount point down onto what is mounted there (ref moves). */
static struct vnode *cross_down(struct vnode *v)
{
	while (v->mounted) {
		struct vnode *r = v->mounted->sb->root;

		vnode_get(r);
		vnode_put(v);
		v = r;
	}
	return v;
}

/* "..": from cur (not referenced by the result) to a new reference. */
static int step_up(struct vnode *cur, struct vnode **out)
{
	int r;

	if (cur == root_vnode) {
		vnode_get(cur);
		*out = cur;
		return 0;
	}
	while (cur == cur->sb->root && cur->sb->mnt && cur->sb->mnt->mountpoint)
		cur = cur->sb->mnt->mountpoint;
	if (cur == root_vnode) {
		vnode_get(cur);
		*out = cur;
		return 0;
	}
	if (!cur->ops->lookup)
		return -ENOTDIR;
	r = cur->ops->lookup(cur, "..", 2, out);
	if (r == 0)
		*out = cross_down(*out);
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
 * Walk nd->path from start (NULL: root).  In parent mode, stop at the
 * last component: *out is its directory and nd->last its name.  vfs_lock
 * held.  *out is a new reference.
 */
static int namei(struct nameidata *nd, struct vnode *start, bool parent,
		 struct vnode **out)
{
	struct vnode *cur, *next;
	const char *p = nd->path;
	bool must_dir = false;
	int err;

	if (!start)
		start = root_vnode;
	if (*p == 0 && !(nd->flags & LOOKUP_EMPTY))
		return -ENOENT;
	cur = *p == '/' ? root_vnode : start;
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
			err = step_up(cur, &next);
		} else if (!cur->ops->lookup) {
			err = -ENOTDIR;
		} else {
			err = cur->ops->lookup(cur, name, len, &next);
			if (!err)
				next = cross_down(next);
		}
		if (err)
			goto fail;
		if (S_ISLNK(next->mode) &&
		    (!last || slash || (nd->flags & LOOKUP_FOLLOW))) {
			bool abs;

			err = splice_link(nd, next, q);
			vnode_put(next);
			if (err)
				goto fail;
			abs = nd->path[0] == '/';
			if (abs) {
				vnode_put(cur);
				cur = root_vnode;
				vnode_get(cur);
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

int vfs_lookup(struct vnode *dir, const char *path, unsigned int flags,
	       const struct vfs_cred *cred, struct vnode **out)
{
	struct nameidata nd;
	int err = nd_init(&nd, cred, flags);

	if (err)
		return err;
	err = nd_set_path(&nd, path);
	if (!err) {
		mutex_lock(&vfs_lock);
		err = namei(&nd, dir, false, out);
		mutex_unlock(&vfs_lock);
	}
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
		err = parent->ops->lookup(parent, nd->last, nd->last_len, &v);
		if (err == 0) {
			v = cross_down(v);
			if (flags & O_EXCL)
				err = -EEXIST;
			else if (S_ISLNK(v->mode) && (flags & O_NOFOLLOW))
				err = -ELOOP;
			else if (S_ISLNK(v->mode))
				err = splice_link(nd, v, "");
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
		if (!err && read_only(parent))
			err = -EROFS;
		if (!err && !parent->ops->create)
			err = -EPERM;
		if (!err) {
			uint32_t m = S_IFREG | (mode & 07777), uid, gid;

			init_owner(parent, &m, nd->cred, &uid, &gid);
			err = parent->ops->create(parent, nd->last,
						  nd->last_len, m, 0, uid, gid,
						  &v);
		}
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
		goto out;
	}
	if (nd->trailing && !S_ISDIR(mode)) {
		/* "name/" can only be a directory: exists or ENOENT. */
		err = parent->ops->lookup(parent, nd->last, nd->last_len, &v);
		if (!err) {
			vnode_put(v);
			err = -EEXIST;
		}
		goto out;
	}
	err = parent->ops->lookup(parent, nd->last, nd->last_len, &v);
	if (!err) {
		vnode_put(v);
		err = -EEXIST;
		goto out;
	}
	if (err != -ENOENT)
		goto out;
	err = vfs_permission(parent, MAY_WRITE | MAY_EXEC, nd->cred);
	if (!err && read_only(parent))
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
		if (out)
			*out = v;
		else
			vnode_put(v);
	}
out:
	vnode_put(parent);
	return err;
}

/* Run create_node on a kernel path with its own nameidata. */
static int create_path(struct vnode *dir, const char *path, uint32_t mode,
		       uint32_t rdev, const char *target,
		       const struct vfs_cred *cred, struct vnode **out)
{
	struct nameidata nd;
	int err = nd_init(&nd, cred, 0);

	if (err)
		return err;
	err = nd_set_path(&nd, path);
	if (!err) {
		mutex_lock(&vfs_lock);
		err = create_node(&nd, dir, mode, rdev, target, out);
		mutex_unlock(&vfs_lock);
	}
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
	if (owner_or_capable(v, cred))
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
	int err = nd_init(&nd, cred, lflags);

	if (err)
		return err;
	mutex_lock(&vfs_lock);
	err = nd_set_path(&nd, opath);
	if (!err)
		err = namei(&nd, odir, false, &v);
	if (err)
		goto out;
	nd.nlinks = 0;
	nd.flags = 0;
	err = nd_set_path(&nd, npath);
	if (!err)
		err = namei(&nd, ndir, true, &parent);
	if (err)
		goto out;
	if (nd.last_len == 0 || is_dot(nd.last, nd.last_len) ||
	    is_dotdot(nd.last, nd.last_len)) {
		err = -EEXIST;
		goto out;
	}
	err = parent->ops->lookup(parent, nd.last, nd.last_len, &tmp);
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
	if (!err && read_only(parent))
		err = -EROFS;
	if (!err && S_ISDIR(v->mode))
		err = -EPERM;
	if (!err)
		err = parent->ops->link ? parent->ops->link(parent, nd.last,
							    nd.last_len, v)
					: -EPERM;
out:
	mutex_unlock(&vfs_lock);
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
	mutex_lock(&vfs_lock);
	err = nd_set_path(&nd, path);
	if (!err)
		err = namei(&nd, dir, true, &parent);
	if (err)
		goto out;
	if (nd.last_len == 0 || is_dot(nd.last, nd.last_len) ||
	    is_dotdot(nd.last, nd.last_len)) {
		if (!dir_only)
			err = -EISDIR;
		else if (nd.last_len == 0)
			err = -EBUSY;
		else
			err = is_dot(nd.last, nd.last_len) ? -EINVAL
							   : -ENOTEMPTY;
		goto out;
	}
	err = parent->ops->lookup(parent, nd.last, nd.last_len, &v);
	if (err)
		goto out;
	if (!dir_only && nd.trailing)
		err = S_ISDIR(v->mode) ? -EISDIR : -ENOTDIR;
	if (!err)
		err = may_delete(parent, v, dir_only, cred);
	if (!err && read_only(parent))
		err = -EROFS;
	if (!err && v->mounted)
		err = -EBUSY;
	if (!err)
		err = parent->ops->unlink
			      ? parent->ops->unlink(parent, nd.last,
						    nd.last_len, dir_only)
			      : -EPERM;
out:
	mutex_unlock(&vfs_lock);
	vnode_put(v);
	vnode_put(parent);
	nd_fini(&nd);
	return err;
}

/* Is anc an ancestor of v, or v itself (within v's file system)? */
static bool is_ancestor(struct vnode *anc, struct vnode *v)
{
	struct vnode *cur = v, *up;
	bool found = false;

	vnode_get(cur);
	for (;;) {
		if (cur == anc) {
			found = true;
			break;
		}
		if (cur == cur->sb->root || !cur->ops->lookup ||
		    cur->ops->lookup(cur, "..", 2, &up))
			break;
		if (up == cur) {
			vnode_put(up);
			break;
		}
		vnode_put(cur);
		cur = up;
	}
	vnode_put(cur);
	return found;
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
	bool exchange = flags & VFS_RENAME_EXCHANGE;
	bool noreplace = flags & VFS_RENAME_NOREPLACE;
	bool isdir;
	int err = nd_init(&ond, cred, 0);

	if (err)
		return err;
	err = nd_init(&nnd, cred, 0);
	if (err) {
		nd_fini(&ond);
		return err;
	}
	mutex_lock(&vfs_lock);
	err = nd_set_path(&ond, opath);
	if (!err)
		err = namei(&ond, odir, true, &op);
	if (!err)
		err = nd_set_path(&nnd, npath);
	if (!err)
		err = namei(&nnd, ndir, true, &np);
	if (err)
		goto out;
	if (op->sb != np->sb) {
		err = -EXDEV;
		goto out;
	}
	if (ond.last_len == 0 || is_dot(ond.last, ond.last_len) ||
	    is_dotdot(ond.last, ond.last_len)) {
		err = -EBUSY;
		goto out;
	}
	if (nnd.last_len == 0 || is_dot(nnd.last, nnd.last_len) ||
	    is_dotdot(nnd.last, nnd.last_len)) {
		err = noreplace ? -EEXIST : -EBUSY;
		goto out;
	}
	err = op->ops->lookup(op, ond.last, ond.last_len, &v);
	if (err)
		goto out;
	err = np->ops->lookup(np, nnd.last, nnd.last_len, &t);
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
	if (op != np && is_ancestor(v, np)) {
		err = -EINVAL;
		goto out;
	}
	if (t && op != np && is_ancestor(t, op)) {
		err = exchange ? -EINVAL : -ENOTEMPTY;
		goto out;
	}
	if (v == t) {
		err = 0;
		goto out;
	}
	err = may_delete(op, v, isdir, cred);
	if (!err && read_only(op))
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
	if (v->mounted || (t && t->mounted)) {
		err = -EBUSY;
		goto out;
	}
	err = op->ops->rename(op, ond.last, ond.last_len, np, nnd.last,
			      nnd.last_len, flags);
out:
	mutex_unlock(&vfs_lock);
	vnode_put(t);
	vnode_put(v);
	vnode_put(np);
	vnode_put(op);
	nd_fini(&nnd);
	nd_fini(&ond);
	return err;
}

/* ---- attributes ----------------------------------------------------- */

#define ST_VALID 0x20	   /* statfs f_flags: the flags are valid */
#define ST_RELATIME 0x1000 /* the default atime mode */

void vfs_statfs(struct vnode *v, struct kstatfs *st)
{
	struct superblock *sb = v->sb;

	kos_memset(st, 0, sizeof(*st));
	if (sb->ops && sb->ops->statfs)
		sb->ops->statfs(sb, st);
	st->type = sb->magic;
	st->namelen = NAME_MAX;
	if (!st->bsize)
		st->bsize = PAGE_SIZE;
	st->frsize = st->bsize;
	st->flags = ST_VALID | ST_RELATIME;
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
	mutex_lock(&vfs_lock);
	v->mode &= ~kill;
	v->ctime = vfs_now();
	mutex_unlock(&vfs_lock);
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
	uint32_t mode = v->mode, uid = v->uid, gid = v->gid;
	struct vfs_time now = vfs_now();
	unsigned int valid = a->valid;
	int err = 0;

	mutex_lock(&vfs_lock);
	if (read_only(v)) {
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
		if (!owner_or_capable(v, cred)) {
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
			if (!owner_or_capable(v, cred)) {
				err = -EPERM;
				goto out;
			}
		} else if (!owner_or_capable(v, cred)) {
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
out:
	mutex_unlock(&vfs_lock);
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
	case S_IFLNK:
		return -ELOOP;
	default: /* block devices, sockets: not yet */
		return -ENXIO;
	}
	/* Only regular files do direct I/O (tmpfs too); Linux: EINVAL. */
	if ((flags & O_DIRECT) && !S_ISREG(v->mode))
		return -EINVAL;
	flags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
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
	*out = f;
	return 0;
}

/*
 * O_TMPFILE: the directory the path names, write and search permission
 * on it, then an unnamed file there (Linux's vfs_tmpfile()).  vfs_lock.
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
	if (!err && read_only(d))
		err = -EROFS;
	if (!err && !d->ops->tmpfile)
		err = -EOPNOTSUPP;
	if (!err) {
		init_owner(d, &m, nd->cred, &uid, &gid);
		err = d->ops->tmpfile(d, m, uid, gid, !(flags & O_EXCL), out);
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
	if (created)
		return 0;
	if (acc == O_RDONLY || acc == O_RDWR || acc == 3)
		mask |= MAY_READ;
	if (acc == O_WRONLY || acc == O_RDWR || acc == 3 || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	err = vfs_permission(v, mask, cred);
	if (err)
		return err;
	if ((mask & MAY_WRITE) && S_ISREG(v->mode) && read_only(v))
		return -EROFS;
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
	mutex_lock(&vfs_lock);
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
	mutex_unlock(&vfs_lock);
	if (!err)
		err = vfs_open_vnode(v, flags, out);
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
	mutex_lock(&vfs_lock);
	if (!S_ISLNK(v->mode) || !v->ops->readlink)
		n = -EINVAL;
	else
		n = v->ops->readlink(v, buf, len);
	mutex_unlock(&vfs_lock);
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

long vfs_path_locked(struct vnode *cwd, char *buf, size_t len)
{
	char *tmp = kmalloc(PATH_MAX), name[NAME_MAX + 1];
	size_t pos = PATH_MAX - 1; /* tmp[pos..] holds the result */
	struct vnode *v, *parent;
	long err = 0;

	if (!tmp)
		return -ENOMEM;
	tmp[pos] = 0;
	v = cwd;
	vnode_get(v);
	if (v->nlink == 0) {
		err = -ENOENT;
		goto out;
	}
	while (v != root_vnode) {
		struct find_name fn = { 0, name, 0, false };
		struct vnode *w = v;
		uint64_t rpos = 0;

		while (w == w->sb->root && w->sb->mnt && w->sb->mnt->mountpoint)
			w = w->sb->mnt->mountpoint;
		if (w == root_vnode)
			break;
		err = step_up(w, &parent);
		if (err)
			goto out;
		fn.ino = w->ino;
		if (parent->ops->readdir)
			err = parent->ops->readdir(parent, &rpos,
						   find_name_fill, &fn);
		if (!err && !fn.found)
			err = -ENOENT;
		if (!err && fn.len + 1 > pos)
			err = -ENAMETOOLONG;
		vnode_put(v);
		v = parent;
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
	vnode_put(v);
	kfree(tmp);
	return err;
}

long vfs_getcwd(struct vnode *cwd, char *buf, size_t len)
{
	long r;

	mutex_lock(&vfs_lock);
	r = vfs_path_locked(cwd, buf, len);
	mutex_unlock(&vfs_lock);
	return r;
}

/* ---- mounts and boot ------------------------------------------------ */

/* Attach sb at mountpoint mp (NULL: the root mount).  vfs_lock held. */
static int mount_attach(struct superblock *sb, struct vnode *mp)
{
	struct mount *m = kzalloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->sb = sb;
	m->mountpoint = mp;
	if (mp) {
		vnode_get(mp);
		mp->mounted = m;
	}
	sb->mnt = m;
	list_add_tail(&m->link, &mounts);
	return 0;
}

int vfs_mount_new(struct vnode *dir, const char *path, const char *fstype,
		  const char *source, unsigned long flags, const char *data,
		  const struct vfs_cred *cred)
{
	struct superblock *sb = NULL;
	struct vnode *mp;
	int err;

	err = vfs_lookup(dir, path, LOOKUP_FOLLOW, cred, &mp);
	if (err)
		return err;
	if (!vfs_capable(cred, CAP_SYS_ADMIN)) {
		vnode_put(mp);
		return -EPERM;
	}
	if (!kos_strcmp(fstype, "tmpfs")) {
		sb = ramfs_create();
		err = sb ? ramfs_apply_options(sb, data) : -ENOMEM;
	} else if (!kos_strcmp(fstype, "devtmpfs")) {
		sb = ramfs_create();
		err = sb ? dev_fill_devtmpfs(sb->root) : -ENOMEM;
		if (sb)
			sb->fstype = "devtmpfs";
	} else if (!kos_strcmp(fstype, "proc")) {
		sb = vfs_procfs();
		err = sb ? 0 : -ENOMEM;
		if (!err && sb->mnt)
			err = -EBUSY; /* one mount of it for now */
	} else if (!kos_strcmp(fstype, "mqueue")) {
		sb = mqueue_sb(); /* ipc/mqueue.c: one instance, like proc */
		err = sb ? 0 : -ENOMEM;
		if (!err && sb->mnt)
			err = -EBUSY;
	} else {
		err = -ENODEV;
	}
	mutex_lock(&vfs_lock);
	if (!err && !S_ISDIR(mp->mode))
		err = -ENOTDIR;
	if (!err && mp->mounted)
		err = -EBUSY;
	if (!err)
		err = mount_attach(sb, mp);
	if (!err) {
		kos_strlcpy(sb->mnt->source, source ? source : "none",
			    sizeof(sb->mnt->source));
		sb->mnt->flags = flags;
	}
	mutex_unlock(&vfs_lock);
	if (err && sb && sb->ops->put_super && !sb->mnt) {
		vnode_put(sb->root);
		sb->ops->put_super(sb);
	}
	vnode_put(mp);
	return err;
}

/*
 * Is anything of sb in use beyond its mount's hold on the root: an open
 * file, a cwd, a mount below?  Looks at every process: umount is rare.
 */
static bool sb_busy(struct superblock *sb)
{
	struct mount *m;

	list_for_each_entry (m, &mounts, link)
		if (m->mountpoint && m->mountpoint->sb == sb)
			return true;
	return __atomic_load_n(&sb->root->refcnt, __ATOMIC_ACQUIRE) > 1 ||
	       proc_uses_sb(sb);
}

int vfs_umount(struct vnode *dir, const char *path, bool nofollow, bool detach,
	       const struct vfs_cred *cred)
{
	struct vnode *v, *mp = NULL;
	struct superblock *sb = NULL;
	struct mount *m = NULL;
	int err;

	err = vfs_lookup(dir, path, nofollow ? 0 : LOOKUP_FOLLOW, cred, &v);
	if (err)
		return err;
	if (!vfs_capable(cred, CAP_SYS_ADMIN)) {
		vnode_put(v);
		return -EPERM;
	}
	mutex_lock(&vfs_lock);
	if (v != v->sb->root || !v->sb->mnt || !v->sb->mnt->mountpoint) {
		err = -EINVAL;
	} else {
		sb = v->sb;
		m = sb->mnt;
		vnode_put(v); /* our lookup's reference, before counting */
		v = NULL;
		if (!detach && sb_busy(sb))
			err = -EBUSY;
	}
	if (!err) {
		list_del(&m->link);
		mp = m->mountpoint;
		mp->mounted = NULL;
		sb->mnt = NULL;
	}
	mutex_unlock(&vfs_lock);
	vnode_put(v);
	if (err)
		return err;
	kfree(m);
	vnode_put(mp);
	/*
	 * The tree goes with its last user: at once when not detached, and
	 * then the superblock too.  proc is one instance for every mount
	 * and keeps its tree.
	 */
	if (kos_strcmp(sb->fstype, "proc") &&
	    kos_strcmp(sb->fstype, "mqueue")) {
		vnode_put(sb->root);
		if (!detach) {
			sb->root = NULL;
			if (sb->ops->put_super)
				sb->ops->put_super(sb);
		}
	}
	return 0;
}

int vfs_mount_root(struct vnode *dir, const char *path,
		   const struct vfs_cred *cred)
{
	struct vnode *v;
	int err = vfs_lookup(dir, path, LOOKUP_FOLLOW, cred, &v);

	if (err)
		return err;
	if (!vfs_capable(cred, CAP_SYS_ADMIN))
		err = -EPERM;
	else if (v != v->sb->root || !v->sb->mnt)
		err = -EINVAL;
	vnode_put(v);
	return err;
}

void vfs_show_mounts(void (*sink)(void *ctx, const char *s, size_t n),
		     void *ctx)
{
	char *path = kmalloc(PATH_MAX), line[160];
	struct mount *m;

	if (!path)
		return;
	mutex_lock(&vfs_lock);
	list_for_each_entry (m, &mounts, link) {
		int n;

		if (!m->mountpoint)
			kos_strlcpy(path, "/", PATH_MAX);
		else if (vfs_path_locked(m->mountpoint, path, PATH_MAX) < 0)
			continue;
		n = kos_snprintf(line, sizeof(line), "%s ",
				 m->mountpoint ? m->source : "rootfs");
		sink(ctx, line, (size_t)n);
		sink(ctx, path, kos_strlen(path));
		n = kos_snprintf(line, sizeof(line), " %s %s%s 0 0\n",
				 m->mountpoint ? m->sb->fstype : "rootfs",
				 (m->flags & VFS_MNT_RDONLY) ? "ro" : "rw",
				 m->mountpoint ? ",relatime" : "");
		sink(ctx, line, (size_t)n);
	}
	mutex_unlock(&vfs_lock);
	kfree(path);
}

int vfs_mount(struct superblock *sb, const char *path)
{
	struct vnode *mp;
	int err;

	err = vfs_lookup(NULL, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, NULL,
			 &mp);
	if (err)
		return err;
	mutex_lock(&vfs_lock);
	if (mp->mounted || sb->mnt)
		err = -EBUSY;
	else
		err = mount_attach(sb, mp);
	mutex_unlock(&vfs_lock);
	vnode_put(mp);
	return err;
}

int vfs_init(const void *initrd, size_t size)
{
	struct superblock *sb;
	int err;

	sb = ramfs_create();
	if (!sb)
		return -ENOMEM;
	list_init(&mounts);
	mutex_lock(&vfs_lock);
	err = mount_attach(sb, NULL);
	root_vnode = sb->root;
	mutex_unlock(&vfs_lock);
	if (err)
		return err;
	if (initrd && size) {
		err = cpio_unpack(root_vnode, initrd, size);
		if (err == -ENOMEM)
			return err;
		if (err)
			log_err("vfs: initramfs damaged (%d); keeping what "
				"was unpacked",
				err);
	}
	err = dev_populate(root_vnode);
	if (err)
		log_err("vfs: cannot populate /dev (%d)", err);
	return err == -ENOMEM ? err : 0;
}

int vfs_reset_root(const void *initrd, size_t size)
{
	struct superblock *old;
	struct mount *m;

	mutex_lock(&vfs_lock);
	old = root_vnode->sb;
	m = old->mnt;
	if (mounts.next != &m->link || mounts.prev != &m->link ||
	    __atomic_load_n(&root_vnode->refcnt, __ATOMIC_ACQUIRE) != 1) {
		mutex_unlock(&vfs_lock);
		return -EBUSY;
	}
	list_del(&m->link);
	old->mnt = NULL;
	root_vnode = NULL;
	mutex_unlock(&vfs_lock);
	kfree(m);
	/* Nobody else holds the root: this frees the whole tree. */
	vnode_put(old->root);
	old->root = NULL;
	if (old->ops->put_super)
		old->ops->put_super(old);
	return vfs_init(initrd, size);
}
