/*
 * Extended attributes, the VFS side: which namespaces exist and who may
 * touch them, as Linux's xattr_permission(), the capability hooks
 * (cap_inode_setxattr/removexattr) and xattr_resolve_name() decide, in
 * that order.  The file system stores the pairs (vnode_ops getxattr,
 * setxattr, listxattr; ramfs keeps a list per node).
 *
 * Locking: the vnode's lock is held around the check and the op, so the
 * attributes checked (mode, owner) and the list change together; the
 * callers copy to and from user memory outside it.
 */
#include <kos/vfs.h>
#include <kos/notify.h>
#include <kos/string.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

enum xattr_ns { XNS_OTHER, XNS_USER, XNS_TRUSTED, XNS_SECURITY, XNS_SYSTEM };

static const struct {
	const char *prefix;
	size_t len;
	enum xattr_ns ns;
} prefixes[] = {
	{ "user.", 5, XNS_USER },
	{ "trusted.", 8, XNS_TRUSTED },
	{ "security.", 9, XNS_SECURITY },
	{ "system.", 7, XNS_SYSTEM },
};

/* The namespace of name; *bare: the name is the prefix alone. */
static enum xattr_ns xattr_ns(const char *name, bool *bare)
{
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!kos_memcmp(name, prefixes[i].prefix, prefixes[i].len)) {
			*bare = name[prefixes[i].len] == 0;
			return prefixes[i].ns;
		}
	*bare = false;
	return XNS_OTHER;
}

/* Linux's xattr_permission(); mask MAY_READ or MAY_WRITE. */
static int xattr_permission(struct vnode *v, enum xattr_ns ns, int mask,
			    const struct vfs_cred *cred)
{
	bool write = mask & MAY_WRITE;

	if (ns == XNS_SECURITY || ns == XNS_SYSTEM)
		return 0;
	if (ns == XNS_TRUSTED)
		return vfs_capable(cred, CAP_SYS_ADMIN) ? 0
		       : write				? -EPERM
							: -ENODATA;
	if (ns == XNS_USER) {
		if (!S_ISREG(v->mode) && !S_ISDIR(v->mode))
			return write ? -EPERM : -ENODATA;
		if (S_ISDIR(v->mode) && (v->mode & S_ISVTX) && write &&
		    !(cred && cred->uid == v->uid) &&
		    !vfs_capable(cred, CAP_FOWNER))
			return -EPERM;
	}
	return vfs_permission(v, mask, cred);
}

/*
 * The checks of a get (mask MAY_READ) or a change (MAY_WRITE) up to the
 * file system's op: 0 or the error.  v's lock held.
 */
static int xattr_check(struct vnode *v, const char *name, int mask,
		       const struct vfs_cred *cred)
{
	bool bare;
	enum xattr_ns ns = xattr_ns(name, &bare);
	int err;

	if ((mask & MAY_WRITE) && vfs_read_only(v))
		return -EROFS;
	err = xattr_permission(v, ns, mask, cred);
	if (err)
		return err;
	/* The capability LSM: changing security.* is for CAP_SYS_ADMIN. */
	if ((mask & MAY_WRITE) && ns == XNS_SECURITY &&
	    !vfs_capable(cred, CAP_SYS_ADMIN))
		return -EPERM;
	if (ns == XNS_OTHER || ns == XNS_SYSTEM)
		return -EOPNOTSUPP;
	return bare ? -EINVAL : 0;
}

ssize_t vfs_getxattr(struct vnode *v, const char *name, void *buf, size_t size,
		     const struct vfs_cred *cred)
{
	ssize_t r;

	mutex_lock(&v->lock);
	r = xattr_check(v, name, MAY_READ, cred);
	if (!r)
		r = v->ops->getxattr ? v->ops->getxattr(v, name, buf, size)
				     : -EOPNOTSUPP;
	mutex_unlock(&v->lock);
	return r;
}

int vfs_setxattr(struct vnode *v, const char *name, const void *value,
		 size_t size, int flags, const struct vfs_cred *cred)
{
	int err;

	if (!value)
		flags = VFS_XATTR_REPLACE; /* Linux's __vfs_removexattr() */
	mutex_lock(&v->lock);
	err = xattr_check(v, name, MAY_WRITE, cred);
	if (!err)
		err = v->ops->setxattr
			      ? v->ops->setxattr(v, name, value, size, flags)
			      : -EOPNOTSUPP;
	mutex_unlock(&v->lock);
	if (!err)
		fsnotify_change(v, IN_ATTRIB);
	return err;
}

ssize_t vfs_listxattr(struct vnode *v, char *buf, size_t size,
		      const struct vfs_cred *cred)
{
	ssize_t r = 0;

	mutex_lock(&v->lock);
	if (v->ops->listxattr)
		r = v->ops->listxattr(v, buf, size,
				      vfs_capable(cred, CAP_SYS_ADMIN));
	mutex_unlock(&v->lock);
	return r;
}
