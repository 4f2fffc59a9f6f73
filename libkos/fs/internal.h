/* Private declarations shared by libkos/fs/. */
#ifndef KOS_FS_INTERNAL_H
#define KOS_FS_INTERNAL_H

#include <kos/file.h>
#include <kos/vfs.h>

/* File ops of character device rdev, or NULL (dev.c). */
const struct file_ops *chrdev_fops(uint32_t rdev);

/* Create /dev and the standard nodes that are missing (dev.c). */
int dev_populate(struct vnode *root);
/* A fresh devtmpfs: every device node KOS has, in its root (dev.c). */
int dev_fill_devtmpfs(struct vnode *root);

/*
 * Create path under dir as the kernel (no permission checks): mode gives
 * the type, S_IFLNK takes target.  *out (if not NULL): new reference.
 */
int vfs_create_vnode(struct vnode *dir, const char *path, uint32_t mode,
		     uint32_t rdev, const char *target, struct vnode **out);

#endif
