/*
 * The name cache: (directory, name) -> vnode, or -> "no such name" (a
 * negative entry), in front of every file system's lookup op.
 *
 * A path walk asks the cache first and the file system only on a miss;
 * what the file system answers (a vnode, or -ENOENT) is remembered.
 * Every change to a directory's names goes through the VFS, which
 * forgets the names it changes while it holds the directory's lock, so
 * the cache never says something the file system would not.  ".." is
 * not cached (a directory's parent changes with rename), nor is anything
 * on a superblock with VFS_SB_NOCACHE (procfs, whose names come and go
 * with processes).
 *
 * Ownership: a positive entry holds a reference to its vnode; no entry
 * holds its directory.  Instead each directory lists its entries
 * (vnode.dchildren), and they are dropped before the directory is
 * evicted (vnode_put), removed (rmdir) or its file system unmounted, so
 * an entry never outlives the vnode its key points to.  The cache is
 * bounded: past DCACHE_MAX entries the least recently used go.
 *
 * Locking: dcache_lock guards the hash chains, the LRU list and every
 * directory's dchildren list; it is a leaf lock (vnode_put of dropped
 * entries happens after it is released).  Adding or forgetting the
 * names of a directory needs that directory's lock as well (callers
 * hold it), so that the file system and the cache change together;
 * looking up needs only dcache_lock.
 */
#include <kos/kmalloc.h>
#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <uapi/errno.h>

#include "internal.h"

#define DCACHE_BUCKETS 1024 /* a power of two */
#define DCACHE_MAX 16384    /* entries, negative ones included */

struct dentry {
	struct list_head hash;	  /* bucket chain */
	struct list_head sibling; /* dir->dchildren */
	struct list_head lru;	  /* lru: oldest first */
	struct vnode *dir;	  /* not referenced (see above) */
	struct vnode *v;	  /* referenced; NULL: negative */
	uint32_t hashval;
	uint32_t len;
	char name[];
};

static struct mutex dcache_lock = MUTEX_INIT(dcache_lock, "dcache");
static struct list_head buckets[DCACHE_BUCKETS]; /* dcache_lock */
static LIST_HEAD(lru);				 /* dcache_lock */
static size_t nentries;				 /* dcache_lock */
static bool ready;				 /* buckets initialised */

/* Statistics (dcache_lock): for /proc and the tests. */
static struct dcache_stats stats;

static uint32_t name_hash(const struct vnode *dir, const char *name, size_t len)
{
	uint64_t h = (uint64_t)(uintptr_t)dir * 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static void init_buckets(void)
{
	for (size_t i = 0; i < DCACHE_BUCKETS; i++)
		list_init(&buckets[i]);
	ready = true;
}

static bool cacheable(const struct vnode *dir)
{
	return !(dir->sb && (dir->sb->flags & VFS_SB_NOCACHE));
}

/* The entry for (dir, name), or NULL.  dcache_lock held. */
static struct dentry *find(const struct vnode *dir, const char *name,
			   size_t len, uint32_t h)
{
	struct dentry *d;

	list_for_each_entry (d, &buckets[h & (DCACHE_BUCKETS - 1)], hash)
		if (d->hashval == h && d->dir == dir && d->len == len &&
		    kos_memcmp(d->name, name, len) == 0)
			return d;
	return NULL;
}

/* Unhook d; the caller frees it and puts d->v.  dcache_lock held. */
static void unhook(struct dentry *d)
{
	list_del(&d->hash);
	list_del(&d->sibling);
	list_del(&d->lru);
	nentries--;
}

static void release(struct dentry *d)
{
	vnode_put(d->v);
	kfree(d);
}

int dcache_lookup(struct vnode *dir, const char *name, size_t len,
		  struct vnode **out)
{
	uint32_t h;
	struct dentry *d;
	int r = 1;

	if (!cacheable(dir))
		return 1;
	h = name_hash(dir, name, len);
	mutex_lock(&dcache_lock);
	if (ready && (d = find(dir, name, len, h))) {
		list_del(&d->lru);
		list_add_tail(&d->lru, &lru);
		if (d->v) {
			vnode_get(d->v);
			*out = d->v;
			r = 0;
			stats.hits++;
		} else {
			r = -ENOENT;
			stats.neg_hits++;
		}
	} else {
		stats.misses++;
	}
	mutex_unlock(&dcache_lock);
	return r;
}

void dcache_add(struct vnode *dir, const char *name, size_t len,
		struct vnode *v)
{
	struct dentry *d, *old = NULL, *victim = NULL;
	uint32_t h;

	if (!cacheable(dir) || len == 0 || len > NAME_MAX)
		return;
	d = kmalloc(sizeof(*d) + len);
	if (!d)
		return; /* only a cache */
	h = name_hash(dir, name, len);
	d->dir = dir;
	d->v = v;
	d->hashval = h;
	d->len = (uint32_t)len;
	kos_memcpy(d->name, name, len);
	if (v)
		vnode_get(v);
	mutex_lock(&dcache_lock);
	if (!ready)
		init_buckets();
	old = find(dir, name, len, h);
	if (old)
		unhook(old);
	list_add(&d->hash, &buckets[h & (DCACHE_BUCKETS - 1)]);
	list_add(&d->sibling, &dir->dchildren);
	list_add_tail(&d->lru, &lru);
	nentries++;
	if (nentries > DCACHE_MAX) {
		victim = list_first_entry(&lru, struct dentry, lru);
		unhook(victim);
		stats.evictions++;
	}
	mutex_unlock(&dcache_lock);
	if (old)
		release(old);
	if (victim)
		release(victim);
}

void dcache_forget(struct vnode *dir, const char *name, size_t len)
{
	struct dentry *d = NULL;
	uint32_t h;

	if (!cacheable(dir))
		return;
	h = name_hash(dir, name, len);
	mutex_lock(&dcache_lock);
	if (ready && (d = find(dir, name, len, h)))
		unhook(d);
	mutex_unlock(&dcache_lock);
	if (d)
		release(d);
}

/* Move every entry matching keep() == false onto out.  dcache_lock. */
static void collect_dir(struct vnode *dir, struct list_head *out)
{
	struct dentry *d, *tmp;

	list_for_each_entry_safe (d, tmp, &dir->dchildren, sibling) {
		unhook(d);
		list_add(&d->lru, out);
	}
}

static void release_list(struct list_head *l)
{
	struct dentry *d, *tmp;

	list_for_each_entry_safe (d, tmp, l, lru)
		release(d);
}

void dcache_forget_dir(struct vnode *dir)
{
	LIST_HEAD(gone);

	if (list_empty(&dir->dchildren))
		return;
	mutex_lock(&dcache_lock);
	collect_dir(dir, &gone);
	mutex_unlock(&dcache_lock);
	release_list(&gone);
}

void dcache_forget_sb(struct superblock *sb)
{
	struct dentry *d, *tmp;
	LIST_HEAD(gone);

	/*
	 * Entries pin vnodes of sb, whose evictions may forget more (a
	 * directory's own entries): repeat until none is left.
	 */
	for (;;) {
		mutex_lock(&dcache_lock);
		list_for_each_entry_safe (d, tmp, &lru, lru)
			if (d->dir->sb == sb) {
				unhook(d);
				list_add(&d->lru, &gone);
			}
		mutex_unlock(&dcache_lock);
		if (list_empty(&gone))
			return;
		release_list(&gone);
		list_init(&gone);
	}
}

void dcache_get_stats(struct dcache_stats *out)
{
	mutex_lock(&dcache_lock);
	*out = stats;
	out->entries = nentries;
	mutex_unlock(&dcache_lock);
}
