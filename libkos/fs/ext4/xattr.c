/*
 * ext4 extended attributes: reading and writing them.
 *
 * Two places hold them: the inode's spare room after i_extra_isize (a
 * magic word, then entries; values counted from the first entry) and
 * one block named by i_file_acl (a 32-byte header with magic, refcount,
 * block count 1, hash and with metadata_csum a crc32c over the block
 * number and the block; entries after it, values counted from the
 * block's start).  Entries are a name index (the prefix: user.,
 * trusted., security., system.), the rest of the name, and the value's
 * offset and size; four zero bytes end the list.  Every entry and value
 * is checked to lie inside its region.  Values kept in their own inode
 * (ea_inode) and the POSIX ACLs (stored in ext4's own format, which
 * would need converting) are not read: -EOPNOTSUPP, and ACLs are not
 * listed (but kept when the region is rewritten).  Writing: see
 * "setxattr" below.
 *
 * The VFS (fs/xattr.c) has checked the namespace and permissions and
 * holds the vnode's lock for all three operations.
 */
#include <kos/blkdev.h>
#include <kos/crc32c.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
#include <kos/panic.h>
#include <kos/string.h>
#include <uapi/errno.h>

#include "ext4.h"

static const char *const prefixes[] = {
	[1] = "user.",
	[4] = "trusted.",
	[6] = "security.",
	[7] = "system.",
};

/* A list of entries [ents, end) whose values start at vbase. */
struct xregion {
	const char *ents, *end, *vbase;
	size_t vlen; /* bytes from vbase the values may use */
};

/*
 * What walk() calls for every entry (prefix NULL: a name index KOS does
 * not show, such as the POSIX ACLs'; value NULL: in its own inode):
 * nonzero stops the walk.
 */
typedef int (*xattr_fn)(void *ctx, const struct ext4_xattr_entry *e,
			const char *prefix, const char *value);

static int walk(struct ext4_inode_info *ei, const struct xregion *r,
		xattr_fn fn, void *ctx)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	const char *p = r->ents;

	for (;;) {
		const struct ext4_xattr_entry *e = (const void *)p;
		size_t left = (size_t)(r->end - p), elen;
		uint32_t first;
		const char *prefix = NULL;
		int ret;

		if (left < 4)
			goto bad;
		kos_memcpy(&first, p, 4);
		if (first == 0)
			return 0;
		elen = ALIGN_UP(sizeof(*e) + e->e_name_len, (size_t)4);
		if (left < sizeof(*e) || elen > left)
			goto bad;
		if (!e->e_value_inum &&
		    ((size_t)e->e_value_offs > r->vlen ||
		     e->e_value_size > r->vlen - e->e_value_offs))
			goto bad;
		if (e->e_name_index < ARRAY_SIZE(prefixes))
			prefix = prefixes[e->e_name_index];
		ret = fn(ctx, e, prefix,
			 e->e_value_inum ? NULL : r->vbase + e->e_value_offs);
		if (ret)
			return ret;
		p += elen;
	}
bad:
	return ext4_corrupt(fs, "inode %llu: bad extended attribute entry",
			    (unsigned long long)ei->v.ino);
}

/* The in-inode region, if the inode has one. */
static bool ibody_region(struct ext4_inode_info *ei, struct xregion *r)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	size_t start = EXT4_GOOD_OLD_INODE_SIZE + ext4_raw(ei)->i_extra_isize;
	uint32_t magic;

	if (fs->inode_size <= EXT4_GOOD_OLD_INODE_SIZE ||
	    start + 4 > fs->inode_size)
		return false;
	kos_memcpy(&magic, ei->raw + start, 4);
	if (magic != EXT4_XATTR_MAGIC)
		return false;
	r->ents = (const char *)ei->raw + start + 4;
	r->end = (const char *)ei->raw + fs->inode_size;
	r->vbase = r->ents;
	r->vlen = (size_t)(r->end - r->ents);
	return true;
}

/*
 * A shared block's refcount and checksum change under xblock_lock
 * (xblock_release, below), so a checksum is verified under it too.
 */
static struct mutex xblock_lock = MUTEX_INIT(xblock_lock, "ext4 xattr block");

/* The block checksum (metadata_csum): block number, block, no csum. */
static uint32_t xblock_csum(struct ext4_fs *fs, uint64_t blk,
			    const struct ext4_xattr_header *h)
{
	uint32_t zero = 0, crc;

	crc = kos_crc32c(fs->csum_seed, &blk, 8);
	crc = kos_crc32c(crc, h, 16);
	crc = kos_crc32c(crc, &zero, 4);
	return kos_crc32c(crc, (const char *)h + 20, fs->bs - 20);
}

/* The attribute block, read and checked into *b (NULL: none). */
static int block_region(struct ext4_inode_info *ei, struct bbuf **b,
			struct xregion *r)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	const struct ext4_xattr_header *h;
	uint64_t blk = ei->file_acl;
	uint32_t crc;
	bool bad;
	int err;

	*b = NULL;
	if (!blk)
		return 0;
	err = ext4_bread(fs, blk, b);
	if (err)
		return err;
	h = (*b)->data;
	if (h->h_magic != EXT4_XATTR_MAGIC || h->h_blocks != 1) {
		err = ext4_corrupt(fs,
				   "inode %llu: bad extended attribute block "
				   "%llu",
				   (unsigned long long)ei->v.ino,
				   (unsigned long long)blk);
		goto fail;
	}
	if (fs->csum && !bcache_verified(*b)) {
		/*
		 * Once per read of the block from the disk (the buffer's
		 * verified mark, kos/bcache.h: every change below seals it
		 * again).  Another inode may be changing a shared block's
		 * refcount meanwhile.
		 */
		mutex_lock(&xblock_lock);
		crc = xblock_csum(fs, blk, h);
		bad = crc != h->h_checksum;
		if (!bad)
			bcache_set_verified(*b);
		mutex_unlock(&xblock_lock);
		if (bad) {
			err = ext4_corrupt(fs,
					   "inode %llu: bad checksum of "
					   "extended attribute block %llu",
					   (unsigned long long)ei->v.ino,
					   (unsigned long long)blk);
			goto fail;
		}
	}
	r->ents = (const char *)(*b)->data + sizeof(*h);
	r->end = (const char *)(*b)->data + fs->bs;
	r->vbase = (*b)->data;
	r->vlen = fs->bs;
	return 0;
fail:
	bcache_put(*b);
	*b = NULL;
	return err;
}

/* Walk the in-inode entries, then the block's. */
static int walk_all(struct ext4_inode_info *ei, xattr_fn fn, void *ctx)
{
	struct xregion r;
	struct bbuf *b;
	int ret = 0;

	if (ibody_region(ei, &r))
		ret = walk(ei, &r, fn, ctx);
	if (ret)
		return ret;
	ret = block_region(ei, &b, &r);
	if (!ret && b)
		ret = walk(ei, &r, fn, ctx);
	bcache_put(b);
	return ret;
}

/* ---- getxattr ----------------------------------------------------------- */

struct get_ctx {
	const char *name;
	void *buf;
	size_t size;
	ssize_t result;
};

#define FOUND 1

static int get_one(void *arg, const struct ext4_xattr_entry *e,
		   const char *prefix, const char *value)
{
	struct get_ctx *c = arg;
	size_t plen;

	if (!prefix)
		return 0;
	plen = kos_strlen(prefix);
	if (kos_strncmp(c->name, prefix, plen) ||
	    kos_strlen(c->name + plen) != e->e_name_len ||
	    kos_memcmp(c->name + plen, e->e_name, e->e_name_len))
		return 0;
	if (!value) {
		log_warn("ext4: inode value of xattr %s is not supported",
			 c->name);
		c->result = -EOPNOTSUPP;
	} else if (c->buf && c->size < e->e_value_size) {
		c->result = -ERANGE;
	} else {
		if (c->buf)
			kos_memcpy(c->buf, value, e->e_value_size);
		c->result = e->e_value_size;
	}
	return FOUND;
}

ssize_t ext4_getxattr(struct vnode *v, const char *name, void *buf, size_t size)
{
	struct get_ctx c = { name, buf, size, -ENODATA };
	int ret;

	if (!kos_strcmp(name, "system.posix_acl_access") ||
	    !kos_strcmp(name, "system.posix_acl_default"))
		return -EOPNOTSUPP;
	ret = walk_all(EXT4_I(v), get_one, &c);
	if (ret < 0)
		return ret;
	return c.result;
}

/* ---- listxattr ---------------------------------------------------------- */

struct list_ctx {
	char *buf;
	size_t size, total;
	bool trusted, overflow;
};

static int list_one(void *arg, const struct ext4_xattr_entry *e,
		    const char *prefix, const char *value)
{
	struct list_ctx *c = arg;
	size_t plen, len;

	if (!prefix)
		return 0;
	plen = kos_strlen(prefix);
	len = plen + e->e_name_len + 1;
	if (!c->trusted && !kos_strcmp(prefix, "trusted."))
		return 0;
	if (c->buf) {
		if (c->size - c->total < len) {
			c->overflow = true;
			return FOUND;
		}
		kos_memcpy(c->buf + c->total, prefix, plen);
		kos_memcpy(c->buf + c->total + plen, e->e_name, e->e_name_len);
		c->buf[c->total + len - 1] = 0;
	}
	c->total += len;
	return 0;
}

ssize_t ext4_listxattr(struct vnode *v, char *buf, size_t size, bool trusted)
{
	struct list_ctx c = { buf, size, 0, trusted, false };
	int ret = walk_all(EXT4_I(v), list_one, &c);

	if (ret < 0)
		return ret;
	return c.overflow ? -ERANGE : (ssize_t)c.total;
}

/* ---- setxattr ----------------------------------------------------------- */

/*
 * Writing follows Linux 6.1 (fs/ext4/xattr.c): a value goes into the
 * inode if it fits there (replacing the old one wherever it was), else
 * into the block; removing takes it from where it is.  Each region is
 * parsed from a copy into a list of entries, changed in the list, and
 * rebuilt: entries packed after the region's header (in the block kept
 * sorted by name index, name length and name, as Linux inserts them; in
 * the inode a new one goes last), values packed down from the region's
 * end, four-byte aligned, every entry with its hash (name, then value
 * words, as e2fsck checks it).
 *
 * The block: a header with magic, h_refcount (the inodes naming it),
 * h_blocks 1, h_hash (over the entries' hashes) and with metadata_csum
 * its crc32c.  An unshared block (refcount 1) is rewritten in place; a
 * shared one (mkfs.ext4 -d or Linux's mbcache made it) is copied: the
 * change goes to a new block near the inode's group and the old one's
 * refcount drops.  A block left without entries is released and
 * i_file_acl cleared.  i_blocks counts the block (512-byte units).
 * Values kept in their own inode (ea_inode) are carried along but not
 * changed or removed (-EOPNOTSUPP), nor is a block holding one.
 *
 * The VFS holds the vnode's lock; ei->lock is taken for the raw inode.
 * xblock_lock (above) makes a shared block's refcount change and the
 * "am I the only one" question atomic between inodes; no I/O is done
 * under it.
 */

#define XNAME_HASH_SHIFT 5
#define XVALUE_HASH_SHIFT 16
#define XBLOCK_HASH_SHIFT 16

static uint32_t xattr_hash(const struct ext4_xattr_entry *e, const char *value)
{
	uint32_t hash = 0;

	for (unsigned int i = 0; i < e->e_name_len; i++)
		hash = (hash << XNAME_HASH_SHIFT) ^
		       (hash >> (32 - XNAME_HASH_SHIFT)) ^
		       (uint32_t)(int32_t)(signed char)e->e_name[i];
	if (!e->e_value_inum && e->e_value_size) {
		for (size_t off = 0; off < e->e_value_size; off += 4) {
			uint32_t w = 0;

			kos_memcpy(&w, value + off,
				   MIN(4, e->e_value_size - off));
			hash = (hash << XVALUE_HASH_SHIFT) ^
			       (hash >> (32 - XVALUE_HASH_SHIFT)) ^ w;
		}
	}
	return hash;
}

/* The name index of name's prefix and the rest of it (NULL: none). */
static const char *split_name(const char *name, uint8_t *index)
{
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t plen;

		if (!prefixes[i])
			continue;
		plen = kos_strlen(prefixes[i]);
		if (!kos_strncmp(name, prefixes[i], plen)) {
			*index = (uint8_t)i;
			return name + plen;
		}
	}
	return NULL;
}

/* One entry of a region's list: name and value point into a copy. */
struct xent {
	uint8_t index, name_len;
	uint32_t inum, size, hash;
	const char *name, *value;
};

/* A region's entries, at most max (every entry takes 16 bytes or more). */
struct xlist {
	struct xent *e;
	unsigned int n, max;
};

static int collect_one(void *arg, const struct ext4_xattr_entry *e,
		       const char *prefix, const char *value)
{
	struct xlist *l = arg;

	(void)prefix;
	KOS_ASSERT(l->n < l->max);
	l->e[l->n++] = (struct xent){ e->e_name_index,
				      e->e_name_len,
				      e->e_value_inum,
				      e->e_value_size,
				      e->e_hash,
				      e->e_name,
				      value };
	return 0;
}

/* The index in l of the entry (index, name) or -1. */
static int xlist_find(const struct xlist *l, uint8_t index, const char *name,
		      size_t len)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (l->e[i].index == index && l->e[i].name_len == len &&
		    !kos_memcmp(l->e[i].name, name, len))
			return (int)i;
	return -1;
}

static size_t xent_len(size_t name_len)
{
	return ALIGN_UP(sizeof(struct ext4_xattr_entry) + name_len, (size_t)4);
}

static size_t xval_len(const struct xent *x)
{
	return x->inum ? 0 : ALIGN_UP((size_t)x->size, (size_t)4);
}

/* Bytes l's entries and values take (not the end marker). */
static size_t xlist_used(const struct xlist *l)
{
	size_t n = 0;

	for (unsigned int i = 0; i < l->n; i++)
		n += xent_len(l->e[i].name_len) + xval_len(&l->e[i]);
	return n;
}

static void xlist_remove(struct xlist *l, unsigned int i)
{
	l->n--;
	for (; i < l->n; i++)
		l->e[i] = l->e[i + 1];
}

/*
 * Entry x into l, in place of entry at (>= 0) or new: last, or in
 * Linux's block order if sorted.  -ENOSPC unless the region's cap bytes
 * (after its header, before the end marker) take the result; l is
 * unchanged then.
 */
static int xlist_put(struct xlist *l, int at, const struct xent *x, bool sorted,
		     size_t cap)
{
	size_t used = xlist_used(l) + xent_len(x->name_len) + xval_len(x);
	unsigned int pos = l->n;

	if (at >= 0)
		used -= xent_len(l->e[at].name_len) + xval_len(&l->e[at]);
	if (used > cap || (at < 0 && l->n == l->max))
		return -ENOSPC;
	if (at >= 0) {
		l->e[at] = *x;
		return 0;
	}
	if (sorted) {
		for (pos = 0; pos < l->n; pos++) {
			const struct xent *y = &l->e[pos];
			int cmp = (int)x->index - (int)y->index;

			if (!cmp)
				cmp = (int)x->name_len - (int)y->name_len;
			if (!cmp)
				cmp = kos_memcmp(x->name, y->name, x->name_len);
			if (cmp <= 0)
				break;
		}
	}
	for (unsigned int i = l->n; i > pos; i--)
		l->e[i] = l->e[i - 1];
	l->e[pos] = *x;
	l->n++;
	return 0;
}

/*
 * Write l's entries at vbase + eoff on and their values down from
 * vbase + end (offsets from vbase), after zeroing [eoff, end).  The
 * caller has checked that they fit.
 */
static void xlist_pack(const struct xlist *l, char *vbase, size_t eoff,
		       size_t end)
{
	size_t voff = end;

	kos_memset(vbase + eoff, 0, end - eoff);
	for (unsigned int i = 0; i < l->n; i++) {
		const struct xent *x = &l->e[i];
		struct ext4_xattr_entry *e = (void *)(vbase + eoff);

		e->e_name_len = x->name_len;
		e->e_name_index = x->index;
		e->e_value_inum = x->inum;
		e->e_value_size = x->size;
		kos_memcpy(e->e_name, x->name, x->name_len);
		if (!x->inum && x->size) {
			voff -= xval_len(x);
			kos_memcpy(vbase + voff, x->value, x->size);
			e->e_value_offs = (uint16_t)voff;
		}
		/* a value in its own inode keeps the hash Linux gave it */
		e->e_hash = x->inum ? x->hash
				    : xattr_hash(e, vbase + e->e_value_offs);
		eoff += xent_len(x->name_len);
	}
}

/* h_hash from the entries' hashes (0 if one is 0), then the checksum. */
static void xblock_seal(struct ext4_fs *fs, uint64_t blk,
			struct ext4_xattr_header *h)
{
	const char *p = (const char *)(h + 1);
	uint32_t hash = 0, first;

	for (;;) {
		const struct ext4_xattr_entry *e = (const void *)p;

		kos_memcpy(&first, p, 4);
		if (!first)
			break;
		if (!e->e_hash) {
			hash = 0;
			break;
		}
		hash = (hash << XBLOCK_HASH_SHIFT) ^
		       (hash >> (32 - XBLOCK_HASH_SHIFT)) ^ e->e_hash;
		p += xent_len(e->e_name_len);
	}
	h->h_hash = hash;
	if (fs->csum)
		h->h_checksum = xblock_csum(fs, blk, h);
}

/*
 * Drop ei's reference to its block blk: the refcount goes down, and the
 * block is freed with the last; i_blocks stops counting it either way
 * (as Linux's ext4_xattr_release_block).  ei->file_acl is the caller's.
 */
static int xblock_release(struct ext4_inode_info *ei, uint64_t blk)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	struct ext4_xattr_header *h;
	struct bbuf *b;
	uint32_t rc;
	int err = ext4_bread(fs, blk, &b);

	if (err)
		return err;
	h = b->data;
	if (h->h_magic != EXT4_XATTR_MAGIC || h->h_blocks != 1) {
		bcache_put(b);
		return ext4_corrupt(fs,
				    "inode %llu: bad extended attribute block "
				    "%llu",
				    (unsigned long long)ei->v.ino,
				    (unsigned long long)blk);
	}
	mutex_lock(&xblock_lock);
	rc = h->h_refcount;
	if (rc > 1) {
		h->h_refcount = rc - 1;
		if (fs->csum)
			h->h_checksum = xblock_csum(fs, blk, h);
		bcache_mark_dirty(b);
	}
	mutex_unlock(&xblock_lock);
	bcache_put(b);
	if (rc <= 1) {
		err = ext4_free_blocks(fs, blk, 1);
		if (err)
			return err;
	}
	ei->v.blocks -= MIN(ei->v.blocks, (uint64_t)fs->bs / 512);
	return 0;
}

void ext4_xattr_drop_block(struct ext4_inode_info *ei)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	int err;

	if (!ei->file_acl)
		return;
	err = xblock_release(ei, ei->file_acl);
	if (err)
		log_warn("ext4 (%s): inode %llu: xattr block %llu not "
			 "released (%d)",
			 fs->bd->name, (unsigned long long)ei->v.ino,
			 (unsigned long long)ei->file_acl, err);
	ei->file_acl = 0;
}

/*
 * ei's block becomes l (released if l is empty): in place if ei is its
 * only user, else in a new block.  Nothing changes on failure.
 */
static int xblock_store(struct ext4_inode_info *ei, const struct xlist *l)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	uint64_t old = ei->file_acl, blk = 0, goal;
	struct ext4_xattr_header *h;
	struct bbuf *b = NULL;
	uint32_t got;
	bool shared = true;
	int err;

	if (!l->n) {
		err = old ? xblock_release(ei, old) : 0;
		if (!err)
			ei->file_acl = 0;
		return err;
	}
	if (old) {
		err = ext4_bread(fs, old, &b);
		if (err)
			return err;
		mutex_lock(&xblock_lock);
		shared = ((struct ext4_xattr_header *)b->data)->h_refcount != 1;
		mutex_unlock(&xblock_lock);
		if (!shared)
			blk = old;
		else
			bcache_put(b);
	}
	if (shared) {
		goal = fs->first_data_block +
		       (uint64_t)((ei->v.ino - 1) / fs->inodes_per_group) *
			       fs->blocks_per_group;
		err = ext4_alloc_blocks(fs, goal, 1, false, &blk, &got);
		if (err)
			return err;
		err = bcache_get(fs->bc, blk, &b);
		if (err) {
			ext4_free_blocks(fs, blk, 1);
			return err;
		}
	}
	h = b->data;
	kos_memset(h, 0, sizeof(*h));
	h->h_magic = EXT4_XATTR_MAGIC;
	h->h_refcount = 1;
	h->h_blocks = 1;
	xlist_pack(l, b->data, sizeof(*h), fs->bs);
	xblock_seal(fs, blk, h);
	bcache_mark_dirty(b);
	bcache_put(b);
	if (!shared)
		return 0;
	ei->v.blocks += fs->bs / 512;
	ei->file_acl = blk;
	if (old) {
		err = xblock_release(ei, old);
		if (err)
			log_warn("ext4 (%s): inode %llu: old xattr block "
				 "%llu not released (%d)",
				 fs->bd->name, (unsigned long long)ei->v.ino,
				 (unsigned long long)old, err);
	}
	return 0;
}

/* The inode's region start (its magic word), or 0 if it has none. */
static size_t ibody_start(struct ext4_inode_info *ei)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	size_t start = EXT4_GOOD_OLD_INODE_SIZE + ext4_raw(ei)->i_extra_isize;

	if (fs->inode_size <= EXT4_GOOD_OLD_INODE_SIZE ||
	    ext4_raw(ei)->i_extra_isize == 0 || start + 8 > fs->inode_size)
		return 0;
	return start;
}

/* The inode's region becomes l (no magic word if l is empty). */
static void ibody_store(struct ext4_inode_info *ei, const struct xlist *l)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	size_t start = ibody_start(ei);
	uint32_t magic = l->n ? EXT4_XATTR_MAGIC : 0;

	if (!start)
		return;
	kos_memcpy(ei->raw + start, &magic, 4);
	xlist_pack(l, (char *)ei->raw + start + 4, 0,
		   fs->inode_size - start - 4);
}

/* Linux sets the ext_attr feature with the first attribute written. */
static void note_ext_attr(struct ext4_fs *fs)
{
	mutex_lock(&fs->sb_lock);
	if (!(fs->es->s_feature_compat & EXT4_COMPAT_EXT_ATTR)) {
		fs->es->s_feature_compat |= EXT4_COMPAT_EXT_ATTR;
		fs->compat |= EXT4_COMPAT_EXT_ATTR;
		fs->sb_dirty = true;
	}
	mutex_unlock(&fs->sb_lock);
}

/* What a set works on: copies of both regions and their lists. */
struct xset {
	char *icopy, *bcopy;
	struct xlist il, bl;
	size_t icap, bcap; /* bytes for entries and values */
};

static void xset_free(struct xset *s)
{
	kfree(s->icopy);
	kfree(s->bcopy);
	kfree(s->il.e);
	kfree(s->bl.e);
}

/* Parse ei's regions into s (copies: they are rewritten later). */
static int xset_load(struct ext4_inode_info *ei, struct xset *s)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	size_t start = ibody_start(ei);
	struct xregion r;
	struct bbuf *b;
	int err;

	s->icopy = kmalloc(fs->inode_size);
	s->bcopy = kmalloc(fs->bs);
	s->il.max = fs->inode_size / sizeof(struct ext4_xattr_entry) + 1;
	s->bl.max = fs->bs / sizeof(struct ext4_xattr_entry) + 1;
	s->il.e = kmalloc(sizeof(struct xent) * s->il.max);
	s->bl.e = kmalloc(sizeof(struct xent) * s->bl.max);
	if (!s->icopy || !s->bcopy || !s->il.e || !s->bl.e)
		return -ENOMEM;
	s->icap = start ? fs->inode_size - start - 8 : 0;
	s->bcap = fs->bs - sizeof(struct ext4_xattr_header) - 4;
	kos_memcpy(s->icopy, ei->raw, fs->inode_size);
	if (start && ibody_region(ei, &r)) {
		r.ents = s->icopy + (r.ents - (const char *)ei->raw);
		r.end = s->icopy + fs->inode_size;
		r.vbase = r.ents;
		err = walk(ei, &r, collect_one, &s->il);
		if (err)
			return err;
	}
	err = block_region(ei, &b, &r);
	if (err || !b)
		return err;
	kos_memcpy(s->bcopy, b->data, fs->bs);
	bcache_put(b);
	r.ents = s->bcopy + sizeof(struct ext4_xattr_header);
	r.end = s->bcopy + fs->bs;
	r.vbase = s->bcopy;
	return walk(ei, &r, collect_one, &s->bl);
}

static bool has_inum(const struct xlist *l)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (l->e[i].inum)
			return true;
	return false;
}

/* A value, new or replacing one: the inode if it fits, else the block. */
static int xset_value(struct ext4_inode_info *ei, struct xset *s,
		      const struct xent *x)
{
	int in = xlist_find(&s->il, x->index, x->name, x->name_len);
	int bn = in >= 0 ? -1
			 : xlist_find(&s->bl, x->index, x->name, x->name_len);
	int err;

	if (ibody_start(ei) && !xlist_put(&s->il, in, x, false, s->icap)) {
		if (bn >= 0) {
			xlist_remove(&s->bl, (unsigned int)bn);
			err = xblock_store(ei, &s->bl);
			if (err)
				return err;
		}
		ibody_store(ei, &s->il);
		return 0;
	}
	if (has_inum(&s->bl)) {
		log_warn("ext4: inode %llu: an xattr block with ea_inode "
			 "values is not written",
			 (unsigned long long)ei->v.ino);
		return -EOPNOTSUPP;
	}
	err = xlist_put(&s->bl, bn, x, true, s->bcap);
	if (!err)
		err = xblock_store(ei, &s->bl);
	if (err)
		return err;
	if (in >= 0) {
		xlist_remove(&s->il, (unsigned int)in);
		ibody_store(ei, &s->il);
	}
	return 0;
}

/*
 * The change itself, under ei->lock: x (x->value NULL: remove) against
 * the parsed regions, as Linux's ext4_xattr_set_handle orders it.  The
 * block is written before the inode's region changes, so a failure
 * (-ENOSPC, -EIO) leaves the attribute as it was.  1: the same value
 * again, nothing to do.
 */
static int xset_apply(struct ext4_inode_info *ei, struct xset *s,
		      const struct xent *x, int flags)
{
	int in = xlist_find(&s->il, x->index, x->name, x->name_len);
	int bn = in >= 0 ? -1
			 : xlist_find(&s->bl, x->index, x->name, x->name_len);
	const struct xent *old = in >= 0   ? &s->il.e[in]
				 : bn >= 0 ? &s->bl.e[bn]
					   : NULL;

	if (!old)
		return (flags & VFS_XATTR_REPLACE) || !x->value
			       ? -ENODATA
			       : xset_value(ei, s, x);
	if (flags & VFS_XATTR_CREATE)
		return -EEXIST;
	if (old->inum || (bn >= 0 && has_inum(&s->bl))) {
		log_warn("ext4: inode %llu: changing an xattr kept in its own "
			 "inode (ea_inode) is not supported",
			 (unsigned long long)ei->v.ino);
		return -EOPNOTSUPP;
	}
	if (!x->value) {
		if (in >= 0) {
			xlist_remove(&s->il, (unsigned int)in);
			ibody_store(ei, &s->il);
			return 0;
		}
		xlist_remove(&s->bl, (unsigned int)bn);
		return xblock_store(ei, &s->bl);
	}
	if (old->size == x->size && !kos_memcmp(old->value, x->value, x->size))
		return 1; /* Linux leaves even ctime alone */
	return xset_value(ei, s, x);
}

int ext4_setxattr(struct vnode *v, const char *name, const void *value,
		  size_t size, int flags)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	struct xset s = { 0 };
	struct xent x = { 0 };
	const char *suffix = split_name(name, &x.index);
	int err;

	if (__atomic_load_n(&v->sb->flags, __ATOMIC_RELAXED) & VFS_SB_RDONLY)
		return -EROFS;
	if (!suffix || !*suffix)
		return -EOPNOTSUPP;
	if (!kos_strcmp(name, "system.posix_acl_access") ||
	    !kos_strcmp(name, "system.posix_acl_default"))
		return -EOPNOTSUPP;
	if (kos_strlen(suffix) > 255)
		return -ERANGE;
	if (value && size > fs->bs)
		return -ENOSPC;
	x.name_len = (uint8_t)kos_strlen(suffix);
	x.name = suffix;
	x.value = value;
	x.size = value ? (uint32_t)size : 0;
	mutex_lock(&ei->lock);
	err = xset_load(ei, &s);
	if (!err)
		err = xset_apply(ei, &s, &x, flags);
	if (!err) {
		note_ext_attr(fs);
		ei->v.ctime = vfs_now();
		err = ext4_inode_write(ei);
	}
	mutex_unlock(&ei->lock);
	xset_free(&s);
	return err == 1 ? 0 : err;
}
