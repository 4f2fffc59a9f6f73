/*
 * ramfs: a file system that lives entirely in kernel memory (the root
 * file system the initramfs is unpacked into, later /tmp and friends).
 *
 * Directories are lists of entries in creation order, each with a cookie
 * that never changes, so a getdents position (the next cookie) survives
 * entries being added or removed.  Cookies 0 and 1 are "." and "..".
 * A regular file's data lives only in the VFS page cache (kos/pcache.h,
 * with no readpage or writepage op): pages are allocated on write or
 * when a mapping touches them, missing pages read as zeros (holes), and
 * the size= option is enforced through the cache's charge hook.
 * Symlinks hold their target.
 *
 * Extended attributes are a per-node list of name/value pairs kept in
 * descending strcmp() order of the names, the order Linux's tmpfs lists
 * them in; the VFS (fs/xattr.c) checks namespaces and permissions first.
 *
 * Every directory entry holds a reference to its vnode, so a vnode lives
 * while it has a name or an open file; the last vnode_put() evicts it.
 *
 * Locking: a directory's entries, a node's attributes and its extended
 * attributes change under the node's vnode lock, which the VFS holds
 * around the ops (kos/vfs.h says which).  File data is guarded by the
 * page cache (kos/pcache.h has its rules).
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/mutex.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#include "internal.h"

#define RAMFS_MAX_SIZE (16ULL << 30) /* larger writes: -EFBIG */
#define RAMFS_DIRENT_SIZE 20	     /* st_size per entry, as tmpfs */

struct ramfs_sb {
	struct superblock sb;
	uint64_t next_ino; /* atomic */
	/* atomic: pages held by files; the size= limit (0: none). */
	uint64_t used_pages, max_pages;
};

struct ramfs_dirent {
	struct list_head link;
	struct vnode *v; /* referenced */
	uint64_t cookie;
	size_t len;
	char name[];
};

/* One extended attribute: name (NUL terminated) then the value. */
struct ramfs_xattr {
	struct list_head link;
	size_t size; /* of the value */
	char *value; /* points into data, after the name */
	char data[];
};

struct ramfs_node {
	struct vnode v;
	struct list_head xattrs; /* v.lock; descending name order */
	/* directories */
	struct list_head entries; /* v.lock */
	uint64_t next_cookie;
	/*
	 * Not referenced: a linked directory keeps its parent alive (the
	 * parent is not empty).  Self for the root and once removed.
	 */
	struct vnode *parent;
	/* symlinks */
	char *target;
	/* an O_TMPFILE file without O_EXCL: link() may give it a name */
	bool linkable;
};

static const struct vnode_ops ramfs_vops;

static struct ramfs_node *RN(struct vnode *v)
{
	return container_of(v, struct ramfs_node, v);
}

static struct ramfs_sb *RSB(struct superblock *sb)
{
	return container_of(sb, struct ramfs_sb, sb);
}

static void touch(struct vnode *v, bool modify)
{
	struct vfs_time now = vfs_now();

	v->ctime = now;
	if (modify)
		v->mtime = now;
}

static struct ramfs_dirent *dir_find(struct ramfs_node *d, const char *name,
				     size_t len)
{
	struct ramfs_dirent *e;

	list_for_each_entry (e, &d->entries, link)
		if (e->len == len && kos_memcmp(e->name, name, len) == 0)
			return e;
	return NULL;
}

/* A new entry for name -> v in d at the end (no reference taken). */
static struct ramfs_dirent *dirent_new(const char *name, size_t len,
				       struct vnode *v)
{
	struct ramfs_dirent *e = kmalloc(sizeof(*e) + len);

	if (e) {
		kos_memcpy(e->name, name, len);
		e->len = len;
		e->v = v;
	}
	return e;
}

static void dirent_insert(struct ramfs_node *d, struct ramfs_dirent *e)
{
	e->cookie = d->next_cookie++;
	list_add_tail(&e->link, &d->entries);
	d->v.size += RAMFS_DIRENT_SIZE;
}

static void dirent_remove(struct ramfs_node *d, struct ramfs_dirent *e)
{
	list_del(&e->link);
	d->v.size -= RAMFS_DIRENT_SIZE;
}

/* Add name -> v to d, taking a reference to v.  d's lock held. */
static int dir_add(struct ramfs_node *d, const char *name, size_t len,
		   struct vnode *v)
{
	struct ramfs_dirent *e = dirent_new(name, len, v);

	if (!e)
		return -ENOMEM;
	vnode_get(v);
	dirent_insert(d, e);
	touch(&d->v, true);
	return 0;
}

static struct ramfs_node *node_new(struct superblock *sb, uint32_t mode,
				   uint32_t uid, uint32_t gid)
{
	struct ramfs_node *n;

	n = (struct ramfs_node *)vnode_alloc(sb, &ramfs_vops, sizeof(*n));
	if (!n)
		return NULL;
	n->v.mode = mode;
	n->v.uid = uid;
	n->v.gid = gid;
	n->v.nlink = 1;
	n->v.ino = __atomic_fetch_add(&RSB(sb)->next_ino, 1, __ATOMIC_RELAXED);
	list_init(&n->entries);
	list_init(&n->xattrs);
	n->next_cookie = 2;
	if (S_ISDIR(mode)) {
		n->v.nlink = 2;
		n->v.size = 2 * RAMFS_DIRENT_SIZE;
	}
	return n;
}

/* ---- vnode ops (the locks kos/vfs.h names held) --------------------- */

static int ramfs_lookup(struct vnode *dir, const char *name, size_t len,
			struct vnode **out)
{
	struct ramfs_node *d = RN(dir);
	struct ramfs_dirent *e;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		vnode_get(d->parent);
		*out = d->parent;
		return 0;
	}
	e = dir_find(d, name, len);
	if (!e)
		return -ENOENT;
	vnode_get(e->v);
	*out = e->v;
	return 0;
}

/* Link a fresh node n under dir as name; hands n's reference to *out. */
static int attach_new(struct vnode *dir, const char *name, size_t len,
		      struct ramfs_node *n, struct vnode **out)
{
	int err = dir_add(RN(dir), name, len, &n->v);

	if (err) {
		n->v.nlink = 0;
		vnode_put(&n->v);
		return err;
	}
	if (S_ISDIR(n->v.mode)) {
		n->parent = dir;
		dir->nlink++;
	}
	*out = &n->v;
	return 0;
}

static int ramfs_create_op(struct vnode *dir, const char *name, size_t len,
			   uint32_t mode, uint32_t rdev, uint32_t uid,
			   uint32_t gid, struct vnode **out)
{
	struct ramfs_node *n;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->nlink == 0)
		return -ENOENT; /* removed directory */
	if (dir_find(RN(dir), name, len))
		return -EEXIST;
	n = node_new(dir->sb, mode, uid, gid);
	if (!n)
		return -ENOMEM;
	if (S_ISCHR(mode) || S_ISBLK(mode))
		n->v.rdev = rdev;
	return attach_new(dir, name, len, n, out);
}

static int ramfs_symlink(struct vnode *dir, const char *name, size_t len,
			 const char *target, uint32_t uid, uint32_t gid,
			 struct vnode **out)
{
	size_t tlen = kos_strlen(target);
	struct ramfs_node *n;

	if (dir->nlink == 0)
		return -ENOENT;
	if (dir_find(RN(dir), name, len))
		return -EEXIST;
	n = node_new(dir->sb, S_IFLNK | 0777, uid, gid);
	if (!n)
		return -ENOMEM;
	n->target = kmalloc(tlen + 1);
	if (!n->target) {
		n->v.nlink = 0;
		vnode_put(&n->v);
		return -ENOMEM;
	}
	kos_memcpy(n->target, target, tlen + 1);
	n->v.size = tlen;
	return attach_new(dir, name, len, n, out);
}

static int ramfs_link(struct vnode *dir, const char *name, size_t len,
		      struct vnode *v)
{
	int err;

	if (dir->nlink == 0 || (v->nlink == 0 && !RN(v)->linkable))
		return -ENOENT;
	if (dir_find(RN(dir), name, len))
		return -EEXIST;
	err = dir_add(RN(dir), name, len, v);
	if (!err) {
		v->nlink++;
		RN(v)->linkable = false;
		touch(v, false);
	}
	return err;
}

static int ramfs_unlink(struct vnode *dir, const char *name, size_t len,
			bool dir_only)
{
	struct ramfs_node *d = RN(dir);
	struct ramfs_dirent *e = dir_find(d, name, len);
	struct vnode *v;

	if (!e)
		return -ENOENT;
	v = e->v;
	if (S_ISDIR(v->mode)) {
		if (!list_empty(&RN(v)->entries))
			return -ENOTEMPTY;
		v->nlink = 0;
		dir->nlink--;
		RN(v)->parent = v; /* dir may go while v is someone's cwd */
	} else {
		v->nlink--;
		touch(v, false);
	}
	dirent_remove(d, e);
	kfree(e);
	touch(dir, true);
	vnode_put(v);
	return 0;
}

/* Directory v moves from odir to ndir: its ".." and both link counts. */
static void reparent(struct vnode *v, struct vnode *odir, struct vnode *ndir)
{
	if (!S_ISDIR(v->mode) || odir == ndir)
		return;
	RN(v)->parent = ndir;
	odir->nlink--;
	ndir->nlink++;
}

/*
 * The VFS checked permissions and types.  A moved name gets a new
 * position at the end of its new directory (as tmpfs does); an exchange
 * swaps the files behind the two entries.
 */
static int ramfs_rename(struct vnode *odir, const char *oname, size_t olen,
			struct vnode *ndir, const char *nname, size_t nlen,
			unsigned int flags)
{
	struct ramfs_dirent *oe = dir_find(RN(odir), oname, olen);
	struct ramfs_dirent *ne = dir_find(RN(ndir), nname, nlen), *e;
	struct vnode *v, *t;

	if (!oe || ndir->nlink == 0)
		return -ENOENT;
	v = oe->v;
	if (flags & VFS_RENAME_EXCHANGE) {
		if (!ne)
			return -ENOENT;
		t = ne->v;
		oe->v = t;
		ne->v = v;
		reparent(v, odir, ndir);
		reparent(t, ndir, odir);
		touch(t, false);
	} else {
		t = ne ? ne->v : NULL;
		if (t && S_ISDIR(t->mode) && !list_empty(&RN(t)->entries))
			return -ENOTEMPTY;
		e = dirent_new(nname, nlen, v);
		if (!e)
			return -ENOMEM;
		if (t) {
			dirent_remove(RN(ndir), ne);
			kfree(ne);
			if (S_ISDIR(t->mode)) {
				t->nlink = 0;
				ndir->nlink--;
				RN(t)->parent = t;
			} else {
				t->nlink--;
				touch(t, false);
			}
			vnode_put(t);
		}
		dirent_remove(RN(odir), oe);
		kfree(oe); /* its reference to v moves to e */
		dirent_insert(RN(ndir), e);
		reparent(v, odir, ndir);
	}
	touch(v, false);
	touch(odir, true);
	touch(ndir, true);
	return 0;
}

static int ramfs_tmpfile(struct vnode *dir, uint32_t mode, uint32_t uid,
			 uint32_t gid, bool linkable, struct vnode **out)
{
	struct ramfs_node *n;

	if (dir->nlink == 0)
		return -ENOENT;
	n = node_new(dir->sb, S_IFREG | (mode & 07777), uid, gid);
	if (!n)
		return -ENOMEM;
	n->v.nlink = 0;
	n->linkable = linkable;
	*out = &n->v;
	return 0;
}

static ssize_t ramfs_readlink(struct vnode *v, char *buf, size_t len)
{
	size_t n = MIN(len, (size_t)v->size);

	kos_memcpy(buf, RN(v)->target, n);
	return (ssize_t)n;
}

static unsigned int dtype(uint32_t mode)
{
	return (mode & S_IFMT) >> 12;
}

static int ramfs_readdir(struct vnode *dir, uint64_t *pos, vfs_filldir_t fill,
			 void *ctx)
{
	struct ramfs_node *d = RN(dir);
	struct ramfs_dirent *e;

	if (*pos == 0) {
		if (!fill(ctx, ".", 1, dir->ino, dtype(dir->mode), 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (!fill(ctx, "..", 2, d->parent->ino, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	list_for_each_entry (e, &d->entries, link) {
		if (e->cookie < *pos)
			continue;
		if (!fill(ctx, e->name, e->len, e->v->ino, dtype(e->v->mode),
			  e->cookie + 1))
			return 0;
		*pos = e->cookie + 1;
	}
	return 0;
}

/* ---- file data: the VFS page cache (kos/pcache.h) ------------------- */

/* The size= limit: pages are taken one at a time, given back in bulk. */
static int ramfs_charge(struct superblock *sb, long n)
{
	struct ramfs_sb *rs = RSB(sb);
	uint64_t max = __atomic_load_n(&rs->max_pages, __ATOMIC_RELAXED);
	uint64_t used = __atomic_add_fetch(&rs->used_pages, (uint64_t)n,
					   __ATOMIC_RELAXED);

	if (n > 0 && max && used > max) {
		__atomic_sub_fetch(&rs->used_pages, (uint64_t)n,
				   __ATOMIC_RELAXED);
		return -ENOSPC;
	}
	return 0;
}

/* ---- extended attributes (the node's lock held) --------------------- */

/*
 * The attribute called name in n, or NULL; *pos is the entry to insert
 * a new one before (the list's head if it goes last).
 */
static struct ramfs_xattr *xattr_find(struct ramfs_node *n, const char *name,
				      struct list_head **pos)
{
	struct ramfs_xattr *x;

	*pos = &n->xattrs;
	list_for_each_entry (x, &n->xattrs, link) {
		int c = kos_strcmp(x->data, name);

		if (c == 0)
			return x;
		if (c < 0) {
			*pos = &x->link;
			return NULL;
		}
	}
	return NULL;
}

static ssize_t ramfs_getxattr(struct vnode *v, const char *name, void *buf,
			      size_t size)
{
	struct list_head *pos;
	struct ramfs_xattr *x = xattr_find(RN(v), name, &pos);

	if (!x)
		return -ENODATA;
	if (buf) {
		if (size < x->size)
			return -ERANGE;
		kos_memcpy(buf, x->value, x->size);
	}
	return (ssize_t)x->size;
}

static int ramfs_setxattr(struct vnode *v, const char *name, const void *value,
			  size_t size, int flags)
{
	struct list_head *pos;
	struct ramfs_xattr *old = xattr_find(RN(v), name, &pos), *x = NULL;
	size_t nlen = kos_strlen(name) + 1;

	if (old && (flags & VFS_XATTR_CREATE))
		return -EEXIST;
	if (!old && (flags & VFS_XATTR_REPLACE))
		return -ENODATA;
	if (value) {
		x = kmalloc(sizeof(*x) + nlen + size);
		if (!x)
			return -ENOMEM;
		kos_memcpy(x->data, name, nlen);
		x->value = x->data + nlen;
		x->size = size;
		kos_memcpy(x->value, value, size);
		list_add_tail(&x->link, old ? &old->link : pos);
	}
	if (old) {
		list_del(&old->link);
		kfree(old);
	}
	touch(v, false);
	return 0;
}

static ssize_t ramfs_listxattr(struct vnode *v, char *buf, size_t size,
			       bool trusted)
{
	struct ramfs_xattr *x;
	size_t total = 0;

	list_for_each_entry (x, &RN(v)->xattrs, link) {
		size_t len = kos_strlen(x->data) + 1;

		if (!trusted && !kos_memcmp(x->data, "trusted.", 8))
			continue;
		if (buf) {
			if (size - total < len)
				return -ERANGE;
			kos_memcpy(buf + total, x->data, len);
		}
		total += len;
	}
	return (ssize_t)total;
}

/* ---- super ---------------------------------------------------------- */

static void ramfs_evict(struct vnode *v)
{
	struct ramfs_node *n = RN(v);
	struct ramfs_dirent *e, *tmp;
	struct ramfs_xattr *x, *xtmp;

	list_for_each_entry_safe (x, xtmp, &n->xattrs, link)
		kfree(x);
	list_for_each_entry_safe (e, tmp, &n->entries, link) {
		list_del(&e->link);
		vnode_put(e->v);
		kfree(e);
	}
	kfree(n->target);
	kfree(n);
}

/* tmpfs: allocate and PUNCH_HOLE only (as Linux's shmem). */
static int ramfs_fallocate(struct vnode *v, int mode, uint64_t off,
			   uint64_t len)
{
	if (mode & ~(VFS_FALLOC_KEEP_SIZE | VFS_FALLOC_PUNCH_HOLE))
		return -EOPNOTSUPP;
	return pcache_fallocate(v, mode, off, len);
}

static const struct vnode_ops ramfs_vops = {
	.lookup = ramfs_lookup,
	.create = ramfs_create_op,
	.symlink = ramfs_symlink,
	.link = ramfs_link,
	.tmpfile = ramfs_tmpfile,
	.unlink = ramfs_unlink,
	.rename = ramfs_rename,
	.readlink = ramfs_readlink,
	.readdir = ramfs_readdir,
	.read = pcache_read,
	.write = pcache_write,
	.truncate = pcache_truncate,
	.fallocate = ramfs_fallocate,
	.getpage = pcache_getpage,
	.peekpage = pcache_peekpage,
	.getxattr = ramfs_getxattr,
	.setxattr = ramfs_setxattr,
	.listxattr = ramfs_listxattr,
};

static void ramfs_put_super(struct superblock *sb)
{
	kfree(RSB(sb));
}

/*
 * Like tmpfs without a size= option: half of memory in blocks, the free
 * ones what the page allocator has left (not above that), and as many
 * inodes as blocks.
 */
static void ramfs_statfs(struct superblock *sb, struct kstatfs *st)
{
	struct ramfs_sb *rs = RSB(sb);
	uint64_t total = rs->max_pages ? rs->max_pages : pmm_total_pages() / 2;
	uint64_t free = pmm_free_pages(), used = rs->used_pages;

	st->bsize = PAGE_SIZE;
	st->blocks = total;
	st->bfree = st->bavail = MIN(free, total > used ? total - used : 0);
	st->files = total;
	st->ffree = total > RSB(sb)->next_ino ? total - RSB(sb)->next_ino : 0;
}

static const struct super_ops ramfs_sops = {
	.evict = ramfs_evict,
	.put_super = ramfs_put_super,
	.statfs = ramfs_statfs,
	.charge = ramfs_charge,
};

/* A number with an optional k/m/g suffix, or a % of memory: bytes. */
static bool parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (!i)
		return false;
	if (i + 1 == len) {
		switch (s[i] | 0x20) {
		case 'k':
			v <<= 10;
			break;
		case 'm':
			v <<= 20;
			break;
		case 'g':
			v <<= 30;
			break;
		case '%':
			v = pmm_total_pages() * PAGE_SIZE / 100 * v;
			break;
		default:
			return false;
		}
	} else if (i != len) {
		return false;
	}
	*out = v;
	return true;
}

static bool parse_num(const char *s, size_t len, int base, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		int d = s[i] - '0';

		if (d < 0 || d >= base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return true;
}

int ramfs_apply_options(struct superblock *sb, const char *data, bool remount)
{
	struct ramfs_sb *rs = RSB(sb);
	struct vnode *root = sb->root;
	uint64_t max = rs->max_pages;
	uint32_t mode = S_IFDIR | 01777; /* tmpfs's default for a mount */
	uint32_t uid = root->uid, gid = root->gid;

	while (data && *data) {
		const char *end = data, *eq;
		uint64_t v;
		size_t klen, vlen;

		while (*end && *end != ',')
			end++;
		for (eq = data; eq < end && *eq != '='; eq++)
			;
		klen = (size_t)(eq - data);
		vlen = eq < end ? (size_t)(end - eq - 1) : 0;
#define KEY(k) (klen == sizeof(k) - 1 && !kos_memcmp(data, k, klen))
		if (KEY("size") && parse_size(eq + 1, vlen, &v))
			max = (v + PAGE_SIZE - 1) / PAGE_SIZE;
		else if (KEY("nr_blocks") && parse_size(eq + 1, vlen, &v))
			max = v;
		else if (KEY("mode") && parse_num(eq + 1, vlen, 8, &v))
			mode = S_IFDIR | (uint32_t)(v & 07777);
		else if (KEY("uid") && parse_num(eq + 1, vlen, 10, &v))
			uid = (uint32_t)v;
		else if (KEY("gid") && parse_num(eq + 1, vlen, 10, &v))
			gid = (uint32_t)v;
		else if (KEY("nr_inodes") && parse_size(eq + 1, vlen, &v))
			;
		else if (klen)
			return -EINVAL;
#undef KEY
		data = *end ? end + 1 : end;
	}
	/*
	 * A remount changes the limit only (not below what is in use:
	 * -EINVAL, as Linux); the root's mode and owner are set at mount.
	 */
	if (remount) {
		if (max &&
		    max < __atomic_load_n(&rs->used_pages, __ATOMIC_RELAXED))
			return -EINVAL;
		__atomic_store_n(&rs->max_pages, max, __ATOMIC_RELAXED);
		return 0;
	}
	rs->max_pages = max;
	root->mode = mode;
	root->uid = uid;
	root->gid = gid;
	return 0;
}

struct superblock *ramfs_create(void)
{
	struct ramfs_sb *rs = kzalloc(sizeof(*rs));
	struct ramfs_node *root;

	if (!rs)
		return NULL;
	vfs_sb_init(&rs->sb);
	rs->sb.ops = &ramfs_sops;
	rs->sb.fstype = "tmpfs";
	rs->sb.magic = 0x01021994; /* TMPFS_MAGIC */
	rs->sb.dev = vfs_anon_dev();
	rs->next_ino = 1;
	rs->sb.max_file_size = RAMFS_MAX_SIZE;
	root = node_new(&rs->sb, S_IFDIR | 0755, 0, 0);
	if (!root) {
		kfree(rs);
		return NULL;
	}
	root->parent = &root->v;
	rs->sb.root = &root->v;
	return &rs->sb;
}
