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

/*
 * The name cache (dcache.c; its locking rules at the top there).
 * dcache_lookup: 0 with a new reference in *out, -ENOENT for a cached
 * "no such name", 1 for a miss.  dcache_add remembers v (NULL: the name
 * does not exist) for name in dir and dcache_forget drops what is known
 * about it; both with dir's lock held.  dcache_forget_dir drops every
 * entry in dir, dcache_forget_sb every entry of a file system.
 */
int dcache_lookup(struct vnode *dir, const char *name, size_t len,
		  struct vnode **out);
void dcache_add(struct vnode *dir, const char *name, size_t len,
		struct vnode *v);
void dcache_forget(struct vnode *dir, const char *name, size_t len);
void dcache_forget_dir(struct vnode *dir);
void dcache_forget_sb(struct superblock *sb);

struct dcache_stats {
	uint64_t hits, neg_hits, misses, evictions;
	size_t entries;
};
void dcache_get_stats(struct dcache_stats *out);

/*
 * The root mount (vfs.c, for rootfs.c): vfs_set_root makes sb the root
 * (of a fresh mount table); vfs_drop_root unmounts and frees it, -EBUSY
 * if anything else is mounted or anyone holds the root.
 */
int vfs_set_root(struct superblock *sb);
int vfs_drop_root(void);

#endif
