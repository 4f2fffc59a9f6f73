/*
 * sysfs: a minimal, truthful /sys (mount -t sysfs sysfs /sys).
 *
 * A fixed tree of directories and read-only files, each file's text made
 * at read time:
 *
 *	/sys/devices/system/cpu/{online,possible,present}   "0": one CPU
 *	/sys/devices/system/cpu/cpu0/			     (glibc counts these)
 *	/sys/kernel/mm/transparent_hugepage/enabled	     "always madvise [never]"
 *	/sys/kernel/uevent_seqnum			     "0": no uevents sent
 *	/sys/fs/					     (empty)
 *
 * Nothing else is invented: programs that look for more find ENOENT, as
 * on a Linux built without that subsystem.  Like Linux's kernfs, files
 * are mode 0444 and directories 0755, owned by root, st_size 4096 for
 * files; statfs says SYSFS_MAGIC.  Not like Linux: root may open a file
 * for writing (Linux's kernfs says EACCES without a store method), and
 * the write is then -EINVAL.
 *
 * Each mount is an instance of its own (Linux shares one, which is
 * indistinguishable here: nothing in it changes).  A vnode is made per
 * lookup and freed with its last reference; the root lives with the
 * superblock.  The vnode ops run under vnode locks; nothing here has state
 * of its own to lock.
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#include "internal.h"

#define SYSFS_MAGIC 0x62656572

/* The tree: each node names its parent by index; 0 is the root. */
struct snode {
	const char *name;
	int parent;
	uint32_t mode;
	const char *text; /* a file's contents */
};

#define SD (S_IFDIR | 0755)
#define SF (S_IFREG | 0444)

/* KOS schedules one CPU (sched/): CPU 0 is all there is. */
static const struct snode tree[] = {
	/* 0 */ { "", 0, SD, NULL },
	/* 1 */ { "devices", 0, SD, NULL },
	/* 2 */ { "system", 1, SD, NULL },
	/* 3 */ { "cpu", 2, SD, NULL },
	/* 4 */ { "online", 3, SF, "0\n" },
	/* 5 */ { "possible", 3, SF, "0\n" },
	/* 6 */ { "present", 3, SF, "0\n" },
	/* 7 */ { "cpu0", 3, SD, NULL },
	/* 8 */ { "kernel", 0, SD, NULL },
	/* 9 */ { "mm", 8, SD, NULL },
	/* 10 */ { "transparent_hugepage", 9, SD, NULL },
	/* 11 */ { "enabled", 10, SF, "always madvise [never]\n" },
	/* 12 */ { "uevent_seqnum", 8, SF, "0\n" },
	/* 13 */ { "fs", 0, SD, NULL },
};

#define NNODES ((int)(sizeof(tree) / sizeof(tree[0])))

struct sysfs_vnode {
	struct vnode v;
	int idx; /* into tree[] */
};

static const struct vnode_ops sysfs_vops;

static int IDX(struct vnode *v)
{
	return container_of(v, struct sysfs_vnode, v)->idx;
}

static struct vnode *node_new(struct superblock *sb, int idx)
{
	struct sysfs_vnode *n =
		(struct sysfs_vnode *)vnode_alloc(sb, &sysfs_vops, sizeof(*n));

	if (!n)
		return NULL;
	n->idx = idx;
	n->v.mode = tree[idx].mode;
	n->v.ino = (uint64_t)idx + 1;
	n->v.size = S_ISREG(tree[idx].mode) ? 4096 : 0;
	n->v.nlink = 1;
	if (S_ISDIR(tree[idx].mode)) {
		n->v.nlink = 2;
		for (int i = 1; i < NNODES; i++)
			if (tree[i].parent == idx && S_ISDIR(tree[i].mode))
				n->v.nlink++;
	}
	return &n->v;
}

static int sysfs_lookup(struct vnode *dir, const char *name, size_t len,
			struct vnode **out)
{
	int d = IDX(dir), i;

	if (len == 2 && name[0] == '.' && name[1] == '.') {
		if (d == 0) {
			vnode_get(dir);
			*out = dir;
			return 0;
		}
		i = tree[d].parent;
		if (i == 0) {
			vnode_get(dir->sb->root);
			*out = dir->sb->root;
			return 0;
		}
		*out = node_new(dir->sb, i);
		return *out ? 0 : -ENOMEM;
	}
	for (i = 1; i < NNODES; i++)
		if (tree[i].parent == d && kos_strlen(tree[i].name) == len &&
		    !kos_memcmp(tree[i].name, name, len)) {
			*out = node_new(dir->sb, i);
			return *out ? 0 : -ENOMEM;
		}
	return -ENOENT;
}

/* Positions: 0 ".", 1 "..", then 2 + the index of each child. */
static int sysfs_readdir(struct vnode *dir, uint64_t *pos, vfs_filldir_t fill,
			 void *ctx)
{
	int d = IDX(dir);

	if (*pos == 0) {
		if (!fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (!fill(ctx, "..", 2, (uint64_t)tree[d].parent + 1, DT_DIR,
			  2))
			return 0;
		*pos = 2;
	}
	for (int i = 1; i < NNODES; i++) {
		if (tree[i].parent != d || (uint64_t)i + 2 < *pos)
			continue;
		if (!fill(ctx, tree[i].name, kos_strlen(tree[i].name),
			  (uint64_t)i + 1,
			  S_ISDIR(tree[i].mode) ? DT_DIR : DT_REG,
			  (uint64_t)i + 3))
			return 0;
		*pos = (uint64_t)i + 3;
	}
	return 0;
}

static ssize_t sysfs_read(struct vnode *v, struct uio *u, uint64_t off)
{
	const char *t = tree[IDX(v)].text;
	size_t len = t ? kos_strlen(t) : 0, n;
	int err;

	if (off >= len)
		return 0;
	n = MIN(u->resid, len - (size_t)off);
	err = uio_copyout(u, t + off, n);
	return err ? err : (ssize_t)n;
}

static void sysfs_evict(struct vnode *v)
{
	kfree(container_of(v, struct sysfs_vnode, v));
}

static void sysfs_put_super(struct superblock *sb)
{
	kfree(sb);
}

static const struct vnode_ops sysfs_vops = {
	.lookup = sysfs_lookup,
	.readdir = sysfs_readdir,
	.read = sysfs_read,
};

static const struct super_ops sysfs_sops = {
	.evict = sysfs_evict,
	.put_super = sysfs_put_super,
};

struct superblock *sysfs_create(void)
{
	struct superblock *sb = kzalloc(sizeof(*sb));

	if (!sb)
		return NULL;
	vfs_sb_init(sb);
	sb->ops = &sysfs_sops;
	sb->fstype = "sysfs";
	sb->magic = SYSFS_MAGIC;
	sb->dev = vfs_anon_dev();
	sb->root = node_new(sb, 0);
	if (!sb->root) {
		kfree(sb);
		return NULL;
	}
	return sb;
}
