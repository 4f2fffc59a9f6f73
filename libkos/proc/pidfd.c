/*
 * Process file descriptors (pidfd_open(2), CLONE_PIDFD): a file that
 * names one process for as long as it is open, so signals and waits
 * reach that process even if its pid number is reused.  The file holds
 * a reference to the struct proc; it has no data (read/write: -EINVAL)
 * and an anonymous inode (mode 0600, no type) for fstat.  O_NONBLOCK on
 * it makes waitid(P_PIDFD) behave as with WNOHANG.
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/pidfd.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#include "internal.h"

static void pidfd_release(struct file *f)
{
	proc_put(f->priv);
}

static const struct file_ops pidfd_fops = {
	.release = pidfd_release,
};

static struct superblock pidfd_sb = { .fstype = "anon_inodefs" };
static const struct vnode_ops pidfd_vops;
static struct vnode *pidfd_inode; /* one for all pidfds, as Linux */

int pidfd_create(struct proc *p, int flags, struct file **out)
{
	struct file *f;

	if (!pidfd_inode) {
		if (!pidfd_sb.dev)
			pidfd_sb.dev = vfs_anon_dev();
		pidfd_inode = vnode_alloc(&pidfd_sb, &pidfd_vops,
					  sizeof(*pidfd_inode));
		if (!pidfd_inode)
			return -ENOMEM;
		pidfd_inode->mode = 0600;
		pidfd_inode->nlink = 1;
		pidfd_inode->ino = 1;
	}
	f = file_alloc(pidfd_inode, &pidfd_fops, O_RDWR | (flags & O_NONBLOCK));
	if (!f)
		return -ENOMEM;
	proc_get(p);
	f->priv = p;
	*out = f;
	return 0;
}

struct proc *pidfd_proc(struct file *f)
{
	return f->ops == &pidfd_fops ? f->priv : NULL;
}

int pidfd_lookup(int fd, struct file **fp, struct proc **pp)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	*pp = pidfd_proc(f);
	if (!*pp) {
		file_put(f);
		return -EBADF;
	}
	*fp = f;
	return 0;
}
