/*
 * ext4 extended attributes: reading them.
 *
 * Two places hold them: the inode's spare room after i_extra_isize (a
 * magic word, then entries; values counted from the first entry) and
 * one block named by i_file_acl (a 32-byte header with magic, block
 * count 1 and with metadata_csum a crc32c over the block number and
 * the block; entries after it, values counted from the block's start).
 * Entries are a name index (the prefix: user., trusted., security.,
 * system.), the rest of the name, and the value's offset and size;
 * four zero bytes end the list.  Every entry and value is checked to lie
 * inside its region.  Values kept in their own inode (ea_inode) and the
 * POSIX ACLs (stored in ext4's own format, which would need
 * converting) are not read: -EOPNOTSUPP, and ACLs are not listed.
 *
 * The VFS (fs/xattr.c) has checked the namespace and permissions and
 * holds the vnode's lock; the inode's fields do not change anyway.
 */
#include <kos/blkdev.h>
#include <kos/crc32c.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
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

/* What walk() calls for every entry: nonzero stops the walk. */
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
		if (prefix) {
			ret = fn(ctx, e, prefix,
				 e->e_value_inum ? NULL
						 : r->vbase + e->e_value_offs);
			if (ret)
				return ret;
		}
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

/* The attribute block, read and checked into *b (NULL: none). */
static int block_region(struct ext4_inode_info *ei, struct bbuf **b,
			struct xregion *r)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	const struct ext4_xattr_header *h;
	uint64_t blk = ei->file_acl;
	uint32_t zero = 0, crc;
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
	if (fs->csum) {
		crc = kos_crc32c(fs->csum_seed, &blk, 8);
		crc = kos_crc32c(crc, h, 16);
		crc = kos_crc32c(crc, &zero, 4);
		crc = kos_crc32c(crc, (const char *)h + 20, fs->bs - 20);
		if (crc != h->h_checksum) {
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
	size_t plen = kos_strlen(prefix);

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
	size_t plen = kos_strlen(prefix), len = plen + e->e_name_len + 1;

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

/* ---- setxattr (in the inode) ---------------------------------------------- */

/*
 * Writing rebuilds the inode's region: its entries (in their order, a
 * new one last) packed after the magic word, their values packed down
 * from the region's end, each entry with its hash (name, then value
 * words, as e2fsck checks it), then the inode is written.  Attributes
 * in the block are not written yet: changing one gives -EOPNOTSUPP,
 * and a value that does not fit in the inode -ENOSPC.
 */

#define XNAME_HASH_SHIFT 5
#define XVALUE_HASH_SHIFT 16

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

struct xent {
	uint8_t index, name_len;
	uint32_t inum, size;
	const char *name, *value;
};

#define XENT_MAX 128

struct collect_ctx {
	struct xent *ents;
	unsigned int n;
	bool overflow;
};

static int collect_one(void *arg, const struct ext4_xattr_entry *e,
		       const char *prefix, const char *value)
{
	struct collect_ctx *c = arg;

	(void)prefix;
	if (c->n == XENT_MAX) {
		c->overflow = true;
		return FOUND;
	}
	c->ents[c->n++] =
		(struct xent){ e->e_name_index, e->e_name_len, e->e_value_inum,
			       e->e_value_size, e->e_name,     value };
	return 0;
}

/* Is the attribute (index, suffix) in the block? */
struct inblock_ctx {
	uint8_t index;
	const char *suffix;
	size_t len;
};

static int inblock_one(void *arg, const struct ext4_xattr_entry *e,
		       const char *prefix, const char *value)
{
	struct inblock_ctx *c = arg;

	(void)prefix;
	(void)value;
	return e->e_name_index == c->index && e->e_name_len == c->len &&
	       !kos_memcmp(e->e_name, c->suffix, c->len);
}

static int set_in_inode(struct ext4_inode_info *ei, uint8_t index,
			const char *suffix, size_t len, const void *value,
			size_t size, int flags)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	size_t start = EXT4_GOOD_OLD_INODE_SIZE + ext4_raw(ei)->i_extra_isize;
	struct xent *ents = NULL;
	struct collect_ctx c;
	struct xregion r;
	char *copy = NULL, *base;
	size_t region, need = 4, vneed = 0;
	uint32_t magic = EXT4_XATTR_MAGIC;
	int found = -1, err = 0;

	if (fs->inode_size <= EXT4_GOOD_OLD_INODE_SIZE ||
	    start + 8 > fs->inode_size)
		return -ENOSPC;
	region = fs->inode_size - start - 4;
	ents = kmalloc(sizeof(*ents) * XENT_MAX);
	copy = kmalloc(fs->inode_size);
	if (!ents || !copy) {
		err = -ENOMEM;
		goto out;
	}
	/* parse a copy: the raw inode is rewritten below */
	kos_memcpy(copy, ei->raw, fs->inode_size);
	c = (struct collect_ctx){ ents, 0, false };
	{
		uint8_t *raw = ei->raw;

		ei->raw = (uint8_t *)copy;
		if (ibody_region(ei, &r))
			err = walk(ei, &r, collect_one, &c);
		ei->raw = raw;
	}
	if (err < 0)
		goto out;
	err = 0;
	for (unsigned int i = 0; i < c.n; i++)
		if (ents[i].index == index && ents[i].name_len == len &&
		    !kos_memcmp(ents[i].name, suffix, len))
			found = (int)i;
	if (found < 0 && !value) {
		err = -ENODATA;
		goto out;
	}
	if (found >= 0 && (flags & VFS_XATTR_CREATE)) {
		err = -EEXIST;
		goto out;
	}
	if (found < 0 && (flags & VFS_XATTR_REPLACE)) {
		err = -ENODATA;
		goto out;
	}
	if (found >= 0) {
		if (value) {
			ents[found].value = value;
			ents[found].size = (uint32_t)size;
			ents[found].inum = 0;
		} else {
			ents[found] = ents[--c.n];
		}
	} else {
		if (c.n == XENT_MAX || c.overflow) {
			err = -ENOSPC;
			goto out;
		}
		ents[c.n++] =
			(struct xent){ index,	       (uint8_t)len, 0,
				       (uint32_t)size, suffix,	     value };
	}
	for (unsigned int i = 0; i < c.n; i++) {
		need += ALIGN_UP(sizeof(struct ext4_xattr_entry) +
					 ents[i].name_len,
				 (size_t)4);
		if (!ents[i].inum)
			vneed += ALIGN_UP((size_t)ents[i].size, (size_t)4);
	}
	if (need + vneed > region) {
		err = -ENOSPC;
		goto out;
	}
	mutex_lock(&ei->lock);
	base = (char *)ei->raw + start + 4;
	kos_memcpy(ei->raw + start, &magic, 4);
	kos_memset(base, 0, region);
	{
		size_t eoff = 0, voff = region;

		for (unsigned int i = 0; i < c.n; i++) {
			struct ext4_xattr_entry *e = (void *)(base + eoff);

			e->e_name_len = ents[i].name_len;
			e->e_name_index = ents[i].index;
			e->e_value_inum = ents[i].inum;
			e->e_value_size = ents[i].size;
			kos_memcpy(e->e_name, ents[i].name, ents[i].name_len);
			if (!ents[i].inum && ents[i].size) {
				voff -= ALIGN_UP((size_t)ents[i].size,
						 (size_t)4);
				kos_memcpy(base + voff, ents[i].value,
					   ents[i].size);
				e->e_value_offs = (uint16_t)voff;
			}
			e->e_hash = xattr_hash(e, base + e->e_value_offs);
			eoff += ALIGN_UP(sizeof(*e) + e->e_name_len, (size_t)4);
		}
	}
	ei->v.ctime = vfs_now();
	err = ext4_inode_write(ei);
	mutex_unlock(&ei->lock);
out:
	kfree(ents);
	kfree(copy);
	return err;
}

int ext4_setxattr(struct vnode *v, const char *name, const void *value,
		  size_t size, int flags)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);
	struct inblock_ctx ib;
	struct xregion r;
	struct bbuf *b;
	uint8_t index = 0;
	const char *suffix = split_name(name, &index);
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
	if (size > fs->bs)
		return -ENOSPC;
	ib = (struct inblock_ctx){ index, suffix, kos_strlen(suffix) };
	err = block_region(ei, &b, &r);
	if (!err && b)
		err = walk(ei, &r, inblock_one, &ib);
	bcache_put(b);
	if (err < 0)
		return err;
	if (err) {
		log_warn("ext4 (%s): inode %llu: changing xattr %s in the "
			 "attribute block is not supported yet",
			 fs->bd->name, (unsigned long long)v->ino, name);
		return -EOPNOTSUPP;
	}
	return set_in_inode(ei, index, suffix, ib.len, value, size, flags);
}
