/*
 * The anonymous inode behind eventfd, timerfd and signalfd files, as
 * Linux's anon_inodefs: one inode for all of them (mode 0600, no file
 * type, owner root), made on first use and kept for good.
 */
#include <kos/fdtypes.h>
#include <kos/file.h>
#include <kos/mutex.h>
#include <kos/vfs.h>

static struct superblock anon_sb = { .fstype = "anon_inodefs" };
static const struct vnode_ops anon_vops; /* no operations: unnamed */
static struct mutex anon_lock = MUTEX_INIT(anon_lock, "anon inode");
static struct vnode *anon_inode; /* anon_lock to create; then constant */

/* The shared inode, made on first use.  NULL if memory is short. */
static struct vnode *anon_get_inode(void)
{
	struct vnode *v;

	mutex_lock(&anon_lock);
	if (!anon_inode) {
		if (!anon_sb.dev)
			anon_sb.dev = vfs_anon_dev();
		v = vnode_alloc(&anon_sb, &anon_vops, sizeof(*v));
		if (v) {
			v->mode = 0600;
			v->nlink = 1;
			v->ino = 1;
			anon_inode = v;
		}
	}
	v = anon_inode;
	mutex_unlock(&anon_lock);
	return v;
}

struct file *file_alloc_anon(const struct file_ops *ops, unsigned int flags,
			     void *priv)
{
	struct vnode *v = anon_get_inode();
	struct file *f;

	if (!v)
		return NULL;
	f = file_alloc(v, ops, flags);
	if (f)
		f->priv = priv;
	return f;
}
