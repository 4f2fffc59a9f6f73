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
 * and the block devices of the registry (kos/blkdev.h), as Linux lays
 * them out for a disk without a bus device in sysfs (a loop device's
 * place: KOS shows no PCI or virtio devices):
 *
 *	/sys/devices/virtual/block/vda/{dev,size,ro,removable,range,
 *					ext_range,uevent}
 *	/sys/devices/virtual/block/vda/queue/{logical_block_size,
 *		physical_block_size,hw_sector_size,minimum_io_size}
 *	/sys/devices/virtual/block/vda/vda1/{dev,size,start,partition,ro,
 *					     uevent}
 *	/sys/block/vda -> ../devices/virtual/block/vda
 *	/sys/class/block/vda1 -> ../../devices/virtual/block/vda/vda1
 *	/sys/dev/block/254:1 -> ../../devices/virtual/block/vda/vda1
 *
 * Nothing else is invented: programs that look for more find ENOENT, as
 * on a Linux built without that subsystem.  Like Linux's kernfs, files
 * are mode 0444 and directories 0755, owned by root, st_size 4096 for
 * files; statfs says SYSFS_MAGIC.  Not like Linux: root may open a file
 * for writing (Linux's kernfs says EACCES without a store method), and
 * the write is then -EINVAL.
 *
 * Each mount is an instance of its own (Linux shares one, which is
 * indistinguishable here).  A vnode is made per lookup and freed with
 * its last reference; the root lives with the superblock.  A block
 * device's node names it by registry position (blkdev_next), never by
 * pointer, and looks it up
 * again at each use: partitions come and go with BLKRRPART (a node of
 * one that went reads -ENODEV), so the superblock keeps no name cache.
 * The vnode ops run under vnode locks; the registry copies what they
 * read under its own lock (blkdev_next); nothing here has state of its
 * own to lock.
 */
#include <kos/blkdev.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#include "internal.h"

#define SYSFS_MAGIC 0x62656572

/* What a static directory holds besides its static children. */
enum dyn {
	DYN_NONE,
	DYN_DISK_LINKS,	 /* /sys/block: a link per disk */
	DYN_CLASS_LINKS, /* /sys/class/block: a link per disk and partition */
	DYN_DEV_LINKS,	 /* /sys/dev/block: the same, named "major:minor" */
	DYN_DISK_DIRS,	 /* /sys/devices/virtual/block: a dir per disk */
};

/* The tree: each node names its parent by index; 0 is the root. */
struct snode {
	const char *name;
	int parent;
	uint32_t mode;
	const char *text; /* a file's contents */
	enum dyn dyn;
};

#define SD (S_IFDIR | 0755)
#define SF (S_IFREG | 0444)
#define SL (S_IFLNK | 0777)

/* KOS schedules one CPU (sched/): CPU 0 is all there is. */
static const struct snode tree[] = {
	/* 0 */ { "", 0, SD, NULL, DYN_NONE },
	/* 1 */ { "devices", 0, SD, NULL, DYN_NONE },
	/* 2 */ { "system", 1, SD, NULL, DYN_NONE },
	/* 3 */ { "cpu", 2, SD, NULL, DYN_NONE },
	/* 4 */ { "online", 3, SF, "0\n", DYN_NONE },
	/* 5 */ { "possible", 3, SF, "0\n", DYN_NONE },
	/* 6 */ { "present", 3, SF, "0\n", DYN_NONE },
	/* 7 */ { "cpu0", 3, SD, NULL, DYN_NONE },
	/* 8 */ { "kernel", 0, SD, NULL, DYN_NONE },
	/* 9 */ { "mm", 8, SD, NULL, DYN_NONE },
	/* 10 */ { "transparent_hugepage", 9, SD, NULL, DYN_NONE },
	/* 11 */ { "enabled", 10, SF, "always madvise [never]\n", DYN_NONE },
	/* 12 */ { "uevent_seqnum", 8, SF, "0\n", DYN_NONE },
	/* 13 */ { "fs", 0, SD, NULL, DYN_NONE },
	/* 14 */ { "block", 0, SD, NULL, DYN_DISK_LINKS },
	/* 15 */ { "class", 0, SD, NULL, DYN_NONE },
	/* 16 */ { "block", 15, SD, NULL, DYN_CLASS_LINKS },
	/* 17 */ { "dev", 0, SD, NULL, DYN_NONE },
	/* 18 */ { "block", 17, SD, NULL, DYN_DEV_LINKS },
	/* 19 */ { "virtual", 1, SD, NULL, DYN_NONE },
	/* 20 */ { "block", 19, SD, NULL, DYN_DISK_DIRS },
};

#define VIRTUAL_BLOCK 20 /* the parent of the disks' directories */

#define NNODES ((int)(sizeof(tree) / sizeof(tree[0])))

/* The kinds of node: tree[] entries and the block devices' nodes. */
enum kind {
	K_STATIC,     /* tree[idx] */
	K_DISK_LINK,  /* /sys/block/<disk> */
	K_CLASS_LINK, /* /sys/class/block/<dev> */
	K_DEV_LINK,   /* /sys/dev/block/<major>:<minor> */
	K_DEV_DIR,    /* devices/virtual/block/<disk>[/<partition>] */
	K_QUEUE,      /* devices/virtual/block/<disk>/queue */
	K_ATTR,	      /* a file of one of the above: attrs[attr] */
};

/* Where an attribute appears. */
#define A_DISK 1
#define A_PART 2
#define A_QUEUE 4

enum attr_id {
	A_DEV = 1,
	A_SIZE,
	A_START,
	A_PARTITION,
	A_RO,
	A_REMOVABLE,
	A_RANGE,
	A_EXT_RANGE,
	A_UEVENT,
	A_LBS,
	A_PBS,
	A_HW_SECTOR,
	A_MIN_IO,
	NATTRS
};

static const struct {
	const char *name;
	int where;
} attrs[NATTRS] = {
	[A_DEV] = { "dev", A_DISK | A_PART },
	[A_SIZE] = { "size", A_DISK | A_PART },
	[A_START] = { "start", A_PART },
	[A_PARTITION] = { "partition", A_PART },
	[A_RO] = { "ro", A_DISK | A_PART },
	[A_REMOVABLE] = { "removable", A_DISK },
	[A_RANGE] = { "range", A_DISK },
	[A_EXT_RANGE] = { "ext_range", A_DISK },
	[A_UEVENT] = { "uevent", A_DISK | A_PART },
	[A_LBS] = { "logical_block_size", A_QUEUE },
	[A_PBS] = { "physical_block_size", A_QUEUE },
	[A_HW_SECTOR] = { "hw_sector_size", A_QUEUE },
	[A_MIN_IO] = { "minimum_io_size", A_QUEUE },
};

/* Directory positions: static children at 2 + index + 1, queue/ at
 * POS_QUEUE, devices at POS_DEV + their registry position. */
#define POS_QUEUE 100
#define POS_DEV 1000

/* A node's identity: what node_new() makes and readdir() lists. */
struct sid {
	enum kind kind;
	int idx;	  /* K_STATIC: into tree[] */
	unsigned int pos; /* a block device's registry position */
	int attr;	  /* K_ATTR: into attrs[] */
	enum kind owner;  /* K_ATTR: K_DEV_DIR or K_QUEUE */
};

struct sysfs_vnode {
	struct vnode v;
	struct sid id;
};

static const struct vnode_ops sysfs_vops;

static struct sid *ID(struct vnode *v)
{
	return &container_of(v, struct sysfs_vnode, v)->id;
}

static uint64_t sid_ino(const struct sid *id)
{
	if (id->kind == K_STATIC)
		return (uint64_t)id->idx + 1;
	return 4096 +
	       (((uint64_t)id->kind * 2 + (id->owner == K_QUEUE)) *
			(BLK_MAX_DISKS * BLK_PARTS) +
		id->pos) *
		       32 +
	       (uint64_t)id->attr;
}

/* The block device at position m, copied: true if it is there. */
static bool dev_info(unsigned int m, struct blkdev_info *bi)
{
	unsigned int found = m;

	return blkdev_next(&found, bi) && found == m;
}

/* One entry of a directory, as next_child() finds it. */
struct child {
	char name[24];
	uint32_t mode;
	uint64_t pos; /* its position; the next one is after it */
	struct sid id;
};

/* The first device child of a DYN_* list at position >= pos. */
static bool next_dyn(enum dyn dyn, uint64_t pos, struct child *c)
{
	unsigned int m = pos > POS_DEV ? (unsigned int)(pos - POS_DEV) : 0;
	struct blkdev_info bi;

	for (; blkdev_next(&m, &bi); m++) {
		if (bi.partno &&
		    (dyn == DYN_DISK_LINKS || dyn == DYN_DISK_DIRS))
			continue;
		if (dyn == DYN_DEV_LINKS)
			kos_snprintf(c->name, sizeof(c->name), "%u:%u",
				     KDEV_MAJOR(bi.rdev), KDEV_MINOR(bi.rdev));
		else
			kos_snprintf(c->name, sizeof(c->name), "%s", bi.name);
		c->mode = dyn == DYN_DISK_DIRS ? SD : SL;
		c->pos = POS_DEV + m;
		c->id.pos = m;
		c->id.kind = dyn == DYN_DISK_LINKS    ? K_DISK_LINK
			     : dyn == DYN_CLASS_LINKS ? K_CLASS_LINK
			     : dyn == DYN_DEV_LINKS   ? K_DEV_LINK
						      : K_DEV_DIR;
		return true;
	}
	return false;
}

/* The first attribute of an owner at position >= pos (2 + attr). */
static bool next_attr(int where, uint64_t pos, struct child *c)
{
	for (int a = 1; a < NATTRS; a++) {
		if (!(attrs[a].where & where) || (uint64_t)a + 2 < pos)
			continue;
		kos_snprintf(c->name, sizeof(c->name), "%s", attrs[a].name);
		c->mode = SF;
		c->pos = (uint64_t)a + 2;
		c->id.kind = K_ATTR;
		c->id.attr = a;
		c->id.owner = where == A_QUEUE ? K_QUEUE : K_DEV_DIR;
		return true;
	}
	return false;
}

/*
 * The first child of directory d at position >= pos (positions grow
 * along the listing): true with *c filled, false past the last.
 */
static bool next_child(const struct sid *d, uint64_t pos, struct child *c)
{
	struct blkdev_info bi;

	kos_memset(c, 0, sizeof(*c));
	c->id.pos = d->pos;
	if (d->kind == K_STATIC) {
		for (int i = 1; i < NNODES; i++) {
			if (tree[i].parent != d->idx || (uint64_t)i + 3 < pos)
				continue;
			kos_snprintf(c->name, sizeof(c->name), "%s",
				     tree[i].name);
			c->mode = tree[i].mode;
			c->pos = (uint64_t)i + 3;
			c->id.kind = K_STATIC;
			c->id.idx = i;
			return true;
		}
		return tree[d->idx].dyn != DYN_NONE &&
		       next_dyn(tree[d->idx].dyn, pos, c);
	}
	if (d->kind == K_QUEUE)
		return next_attr(A_QUEUE, pos, c);
	if (d->kind != K_DEV_DIR || !dev_info(d->pos, &bi))
		return false;
	if (next_attr(bi.partno ? A_PART : A_DISK, pos, c))
		return true;
	if (bi.partno)
		return false;
	if (pos <= POS_QUEUE) {
		kos_snprintf(c->name, sizeof(c->name), "queue");
		c->mode = SD;
		c->pos = POS_QUEUE;
		c->id.kind = K_QUEUE;
		return true;
	}
	/* the disk's partitions */
	for (unsigned int m =
		     MAX(d->pos + 1,
			 pos > POS_DEV ? (unsigned int)(pos - POS_DEV) : 0);
	     blkdev_next(&m, &bi) && bi.partno; m++) {
		kos_snprintf(c->name, sizeof(c->name), "%s", bi.name);
		c->mode = SD;
		c->pos = POS_DEV + m;
		c->id.kind = K_DEV_DIR;
		c->id.pos = m;
		return true;
	}
	return false;
}

static struct vnode *node_new(struct superblock *sb, const struct sid *id)
{
	struct sysfs_vnode *n =
		(struct sysfs_vnode *)vnode_alloc(sb, &sysfs_vops, sizeof(*n));
	uint32_t mode;
	struct child c;

	if (!n)
		return NULL;
	n->id = *id;
	switch (id->kind) {
	case K_STATIC:
		mode = tree[id->idx].mode;
		break;
	case K_DEV_DIR:
	case K_QUEUE:
		mode = SD;
		break;
	case K_ATTR:
		mode = SF;
		break;
	default:
		mode = SL;
		break;
	}
	n->v.mode = mode;
	n->v.ino = sid_ino(id);
	n->v.size = S_ISREG(mode) ? 4096 : 0;
	n->v.nlink = 1;
	if (S_ISDIR(mode)) {
		n->v.nlink = 2;
		for (uint64_t pos = 0; next_child(id, pos, &c); pos = c.pos + 1)
			if (S_ISDIR(c.mode))
				n->v.nlink++;
	}
	return &n->v;
}

/* The parent of directory d. */
static struct sid parent_of(const struct sid *d)
{
	struct sid p = { .kind = K_STATIC, .idx = 0 };

	if (d->kind == K_STATIC) {
		p.idx = tree[d->idx].parent;
	} else if (d->kind == K_QUEUE || d->pos % BLK_PARTS) {
		p.kind = K_DEV_DIR;
		p.pos = d->pos - d->pos % BLK_PARTS;
	} else {
		p.idx = VIRTUAL_BLOCK;
	}
	return p;
}

static int sysfs_lookup(struct vnode *dir, const char *name, size_t len,
			struct vnode **out)
{
	const struct sid *d = ID(dir);
	struct child c;

	if (len == 2 && name[0] == '.' && name[1] == '.') {
		struct sid p = parent_of(d);

		if (d->kind == K_STATIC && d->idx == 0) {
			vnode_get(dir);
			*out = dir;
			return 0;
		}
		if (p.kind == K_STATIC && p.idx == 0) {
			vnode_get(dir->sb->root);
			*out = dir->sb->root;
			return 0;
		}
		*out = node_new(dir->sb, &p);
		return *out ? 0 : -ENOMEM;
	}
	for (uint64_t pos = 0; next_child(d, pos, &c); pos = c.pos + 1)
		if (kos_strlen(c.name) == len &&
		    !kos_memcmp(c.name, name, len)) {
			*out = node_new(dir->sb, &c.id);
			return *out ? 0 : -ENOMEM;
		}
	return -ENOENT;
}

static unsigned int dtype(uint32_t mode)
{
	return S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK : DT_REG;
}

/* Positions: 0 ".", 1 "..", then each child's own position (+1). */
static int sysfs_readdir(struct vnode *dir, uint64_t *pos, vfs_filldir_t fill,
			 void *ctx)
{
	const struct sid *d = ID(dir);
	struct child c;

	if (*pos == 0) {
		if (!fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		struct sid p = parent_of(d);

		if (!fill(ctx, "..", 2, sid_ino(&p), DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	while (next_child(d, *pos, &c)) {
		if (!fill(ctx, c.name, kos_strlen(c.name), sid_ino(&c.id),
			  dtype(c.mode), c.pos + 1))
			return 0;
		*pos = c.pos + 1;
	}
	return 0;
}

/* The text of attribute a of device bi into buf: its length. */
static size_t attr_text(int a, const struct blkdev_info *bi, char *buf,
			size_t len)
{
	unsigned int maj = KDEV_MAJOR(bi->rdev), min = KDEV_MINOR(bi->rdev);
	unsigned long long n = 0;
	int r;

	switch (a) {
	case A_DEV:
		return (size_t)kos_snprintf(buf, len, "%u:%u\n", maj, min);
	case A_UEVENT:
		r = kos_snprintf(buf, len,
				 "MAJOR=%u\nMINOR=%u\nDEVNAME=%s\nDEVTYPE=%s\n",
				 maj, min, bi->name,
				 bi->partno ? "partition" : "disk");
		if (bi->partno)
			r += kos_snprintf(buf + r, len - (size_t)r,
					  "PARTN=%u\n", bi->partno);
		if (bi->volname[0])
			r += kos_snprintf(buf + r, len - (size_t)r,
					  "PARTNAME=%s\n", bi->volname);
		return (size_t)r;
	case A_SIZE:
		n = bi->nsectors;
		break;
	case A_START:
		n = bi->start;
		break;
	case A_PARTITION:
		n = bi->partno;
		break;
	case A_RO:
		n = bi->read_only;
		break;
	case A_RANGE: /* the disk's own minors */
		n = BLK_MINORS;
		break;
	case A_EXT_RANGE: /* with the numbers of major 259 */
		n = BLK_PARTS;
		break;
	case A_LBS:
	case A_PBS:
	case A_HW_SECTOR:
	case A_MIN_IO:
		n = bi->block_size;
		break;
	default: /* A_REMOVABLE */
		break;
	}
	return (size_t)kos_snprintf(buf, len, "%llu\n", n);
}

static ssize_t sysfs_read(struct vnode *v, struct uio *u, uint64_t off)
{
	const struct sid *id = ID(v);
	const char *t = NULL;
	struct blkdev_info bi;
	char buf[192];
	size_t len = 0, n;
	int err;

	if (id->kind == K_STATIC) {
		t = tree[id->idx].text;
		len = t ? kos_strlen(t) : 0;
	} else if (id->kind == K_ATTR) {
		if (!dev_info(id->pos, &bi))
			return -ENODEV; /* the partition is gone */
		len = attr_text(id->attr, &bi, buf, sizeof(buf));
		t = buf;
	}
	if (off >= len)
		return 0;
	n = MIN(u->resid, len - (size_t)off);
	err = uio_copyout(u, t + off, n);
	return err ? err : (ssize_t)n;
}

/* Where a block device's link points: its directory, from the link's. */
static ssize_t sysfs_readlink(struct vnode *v, char *buf, size_t len)
{
	const struct sid *id = ID(v);
	struct blkdev_info bi;
	char tmp[64];
	size_t n;

	if (id->kind == K_STATIC || id->kind >= K_DEV_DIR)
		return -EINVAL;
	if (!dev_info(id->pos, &bi))
		return -ENOENT;
	if (id->kind == K_DISK_LINK)
		n = (size_t)kos_snprintf(tmp, sizeof(tmp),
					 "../devices/virtual/block/%s",
					 bi.name);
	else if (bi.partno)
		n = (size_t)kos_snprintf(tmp, sizeof(tmp),
					 "../../devices/virtual/block/%s/%s",
					 bi.disk, bi.name);
	else
		n = (size_t)kos_snprintf(tmp, sizeof(tmp),
					 "../../devices/virtual/block/%s",
					 bi.name);
	n = MIN(n, len);
	kos_memcpy(buf, tmp, n);
	return (ssize_t)n;
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
	.readlink = sysfs_readlink,
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
	sb->flags = VFS_SB_NOCACHE; /* partitions come and go */
	sb->root = node_new(sb, &(struct sid){ .kind = K_STATIC, .idx = 0 });
	if (!sb->root) {
		kfree(sb);
		return NULL;
	}
	return sb;
}
