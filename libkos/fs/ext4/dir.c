/*
 * ext4 directories.
 *
 * A directory's data blocks (mapped like a file's) hold variable-length
 * entries: inode, rec_len (distance to the next entry), name_len,
 * file type, name.  With metadata_csum each leaf block ends in a
 * 12-byte fake entry holding the block's crc32c.  Every leaf block is
 * checked whole before use: rec_len at least 12, a multiple of 4, long
 * enough for the name and not past the block's end; inode numbers in
 * range; a name for every used entry; the checksum tail (its crc only
 * the first time after the block is read from the disk: the buffer's
 * verified mark, kos/bcache.h; every change rewrites it).
 *
 * Hash-tree directories (dir_index, INDEX_FL) keep the same leaves and
 * add an index: block 0 holds "." and ".." (whose rec_len covers the
 * rest of the block), the root info and (hash, block) entries; with
 * two or three levels, interior blocks are one empty fake entry
 * spanning the block followed by entries.  A lookup hashes the name
 * (legacy, half-MD4 or TEA, signed or unsigned chars, the superblock's
 * seed), walks down choosing the last entry whose hash is not above
 * the name's, and searches that leaf; when the next leaf's starting
 * hash has the collision bit set and the same hash, the search goes on
 * there.  Index blocks are checked (root info, limits, counts, levels,
 * block numbers, and the dx tail checksum).
 *
 * readdir, as Linux's: with dir_index, a hash-tree directory or one of
 * exactly one block is listed in (major, minor) name-hash order, "."
 * and ".." of a tree first, the position being the next entry's hash
 * (Linux's 64-bit cookie; every call collects and sorts what is left);
 * otherwise the blocks in order (interior index blocks yield nothing),
 * the position being the byte offset of the next entry.
 */
#include <kos/blkdev.h>
#include <kos/crc32c.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/string.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#include "ext4.h"

#define DX_ROOT_ENTRIES 0x20 /* count/limit in block 0 */
#define DX_NODE_ENTRIES 0x8  /* count/limit after the fake entry */
#define DX_BLOCK_MASK 0x0fffffff
#define DX_MAX_LEVELS 3

/* ---- name hashes -------------------------------------------------------- */

static uint32_t rol32(uint32_t x, unsigned int s)
{
	return (x << s) | (x >> (32 - s));
}

/*
 * Pack up to num words of msg (len bytes left in the whole name) four
 * bytes to a word, big end first, starting from and padding with a
 * word made of the length.
 */
static void pack_name(const char *msg, size_t len, uint32_t *out, int num,
		      bool uns)
{
	uint32_t pad = (uint32_t)len * 0x01010101u, word = pad;
	size_t n = MIN(len, (size_t)num * 4);

	for (size_t i = 0; i < n; i++) {
		int c = uns ? (int)(unsigned char)msg[i]
			    : (int)(signed char)msg[i];

		word = (uint32_t)c + (word << 8);
		if (i % 4 == 3) {
			*out++ = word;
			word = pad;
			num--;
		}
	}
	if (num-- > 0) {
		*out++ = word;
		while (num-- > 0)
			*out++ = pad;
	}
}

#define MD4_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MD4_G(x, y, z) (((x) & (y)) + (((x) ^ (y)) & (z)))
#define MD4_H(x, y, z) ((x) ^ (y) ^ (z))

/* Three rounds of MD4 over eight words, the result added into st. */
static void half_md4(uint32_t st[4], const uint32_t in[8])
{
	static const uint8_t order[3][8] = {
		{ 0, 1, 2, 3, 4, 5, 6, 7 },
		{ 1, 3, 5, 7, 0, 2, 4, 6 },
		{ 3, 7, 2, 6, 1, 5, 0, 4 },
	};
	static const uint8_t shift[3][4] = { { 3, 7, 11, 19 },
					     { 3, 5, 9, 13 },
					     { 3, 9, 11, 15 } };
	static const uint32_t k[3] = { 0, 0x5a827999, 0x6ed9eba1 };
	uint32_t r[4] = { st[0], st[1], st[2], st[3] };

	for (int round = 0; round < 3; round++)
		for (int step = 0; step < 8; step++) {
			/* a, d, c, b take turns as the word updated */
			int t = (4 - step % 4) % 4;
			uint32_t x = r[(t + 1) % 4], y = r[(t + 2) % 4],
				 z = r[(t + 3) % 4], f;

			f = round == 0	 ? MD4_F(x, y, z)
			    : round == 1 ? MD4_G(x, y, z)
					 : MD4_H(x, y, z);
			r[t] = rol32(r[t] + f + in[order[round][step]] +
					     k[round],
				     shift[round][step % 4]);
		}
	for (int i = 0; i < 4; i++)
		st[i] += r[i];
}

/* Sixteen rounds of TEA over four words, added into st[0..1]. */
static void tea(uint32_t st[4], const uint32_t in[4])
{
	uint32_t sum = 0, b0 = st[0], b1 = st[1];

	for (int n = 0; n < 16; n++) {
		sum += 0x9e3779b9;
		b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >> 5) + in[1]);
		b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >> 5) + in[3]);
	}
	st[0] += b0;
	st[1] += b1;
}

/* The original ext3 hash. */
static uint32_t legacy_hash(const char *name, size_t len, bool uns)
{
	uint32_t h0 = 0x12a3fe2d, h1 = 0x37abe8f9;

	for (size_t i = 0; i < len; i++) {
		int c = uns ? (int)(unsigned char)name[i]
			    : (int)(signed char)name[i];
		uint32_t h = h1 + (h0 ^ (uint32_t)(c * 7152373));

		if (h & 0x80000000u)
			h -= 0x7fffffff;
		h1 = h0;
		h0 = h;
	}
	return h0 << 1;
}

uint32_t ext4_dirhash(const char *name, size_t len, int version,
		      const uint32_t seed[4], uint32_t *minor)
{
	uint32_t st[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	bool uns = version >= EXT4_HASH_UNSIGNED;
	uint32_t in[8], hash, min = 0;

	if (seed && (seed[0] | seed[1] | seed[2] | seed[3]))
		kos_memcpy(st, seed, sizeof(st));
	switch (version % EXT4_HASH_UNSIGNED) {
	case EXT4_HASH_HALF_MD4:
		for (size_t off = 0; off < len || off == 0; off += 32) {
			pack_name(name + off, len - off, in, 8, uns);
			half_md4(st, in);
			if (len <= off + 32)
				break;
		}
		hash = st[1];
		min = st[2];
		break;
	case EXT4_HASH_TEA:
		for (size_t off = 0; off < len || off == 0; off += 16) {
			pack_name(name + off, len - off, in, 4, uns);
			tea(st, in);
			if (len <= off + 16)
				break;
		}
		hash = st[0];
		min = st[1];
		break;
	default:
		hash = legacy_hash(name, len, uns);
		break;
	}
	hash &= ~1u;
	if (hash == 0xfffffffeu) /* the end-of-directory value is reserved */
		hash = 0xfffffffcu;
	if (minor)
		*minor = min;
	return hash;
}

/* ---- blocks --------------------------------------------------------------- */

static struct ext4_fs *DFS(struct ext4_inode_info *dir)
{
	return EXT4_FS(dir->v.sb);
}

static uint32_t dir_blocks(struct ext4_inode_info *dir)
{
	uint64_t n = (dir->v.size + DFS(dir)->bs - 1) >> DFS(dir)->log_bs;

	return (uint32_t)MIN(n, (uint64_t)UINT32_MAX);
}

static bool is_htree(struct ext4_inode_info *dir)
{
	return dir->flags & EXT4_INDEX_FL;
}

/* Block lblk of dir, read (not yet checked). */
static int dir_bread(struct ext4_inode_info *dir, uint32_t lblk,
		     struct bbuf **out)
{
	struct ext4_fs *fs = DFS(dir);
	uint64_t pblk;
	uint32_t n;
	int err;

	*out = NULL;
	if (dir->flags & EXT4_INLINE_DATA_FL) {
		log_warn("ext4 (%s): directory %llu: inline data is not "
			 "supported",
			 fs->bd->name, (unsigned long long)dir->v.ino);
		return -EOPNOTSUPP;
	}
	err = ext4_map(dir, lblk, 1, &pblk, &n);
	if (err)
		return err;
	if (!pblk)
		return ext4_corrupt(fs, "directory %llu: hole at block %u",
				    (unsigned long long)dir->v.ino, lblk);
	return ext4_bread(fs, pblk, out);
}

/*
 * Check the entries of a block in [0, end): the rules at the top of
 * this file.  lblk only names the block in the log.
 */
static int check_entries(struct ext4_inode_info *dir, const char *blk,
			 size_t end, uint32_t lblk)
{
	struct ext4_fs *fs = DFS(dir);
	size_t off = 0;

	while (off < end) {
		const struct ext4_dirent *de = (const void *)(blk + off);

		if (end - off < 12 || de->rec_len < 12 || de->rec_len % 4 ||
		    de->rec_len > end - off ||
		    EXT4_DIRENT_HEAD + de->name_len > de->rec_len ||
		    de->inode > fs->ninodes || (de->inode && !de->name_len))
			return ext4_corrupt(fs,
					    "directory %llu: bad entry at "
					    "block %u offset %zu",
					    (unsigned long long)dir->v.ino,
					    lblk, off);
		off += de->rec_len;
	}
	return 0;
}

/*
 * The checksum tail of leaf block b; its entries end where it starts.
 * The crc is computed once per read of the block from the disk (the
 * buffer's verified mark, kos/bcache.h), the tail's shape every time.
 */
static int check_leaf_tail(struct ext4_inode_info *dir, struct bbuf *b,
			   uint32_t lblk)
{
	struct ext4_fs *fs = DFS(dir);
	const char *blk = b->data;
	const struct ext4_dir_tail *t =
		(const void *)(blk + fs->bs - EXT4_DIR_TAIL_SIZE);

	if (t->det_reserved_zero1 || t->det_rec_len != EXT4_DIR_TAIL_SIZE ||
	    t->det_reserved_zero2 || t->det_reserved_ft != EXT4_DIR_TAIL_FT)
		return ext4_corrupt(fs,
				    "directory %llu: block %u has no "
				    "checksum tail",
				    (unsigned long long)dir->v.ino, lblk);
	if (bcache_verified(b))
		return 0;
	if (kos_crc32c(dir->csum_seed, blk, fs->bs - EXT4_DIR_TAIL_SIZE) !=
	    t->det_checksum)
		return ext4_corrupt(fs,
				    "directory %llu: bad checksum of block "
				    "%u",
				    (unsigned long long)dir->v.ino, lblk);
	bcache_set_verified(b);
	return 0;
}

/* An interior hash-tree block: one empty entry spanning the block. */
static bool is_dx_node(struct ext4_fs *fs, const char *blk)
{
	const struct ext4_dirent *de = (const void *)blk;

	return de->inode == 0 && de->rec_len == fs->bs && de->name_len == 0;
}

/*
 * The dx tail checksum of index block b (entries at coff): its place
 * every time, the crc once per read from the disk (as a leaf's).
 */
static int check_dx_csum(struct ext4_inode_info *dir, struct bbuf *b,
			 size_t coff, uint32_t lblk)
{
	struct ext4_fs *fs = DFS(dir);
	const char *blk = b->data;
	const struct ext4_dx_countlimit *cl = (const void *)(blk + coff);
	size_t toff = coff + (size_t)cl->limit * sizeof(struct ext4_dx_entry);
	const struct ext4_dx_tail *t = (const void *)(blk + toff);
	uint32_t crc, zero = 0;

	if (!fs->csum)
		return 0;
	if (toff + sizeof(*t) > fs->bs)
		return ext4_corrupt(fs,
				    "directory %llu: no room for the index "
				    "checksum in block %u",
				    (unsigned long long)dir->v.ino, lblk);
	if (bcache_verified(b))
		return 0;
	crc = kos_crc32c(dir->csum_seed, blk,
			 coff + (size_t)cl->count *
					 sizeof(struct ext4_dx_entry));
	crc = kos_crc32c(crc, &t->dt_reserved, sizeof(t->dt_reserved));
	crc = kos_crc32c(crc, &zero, sizeof(zero)); /* dt_checksum as zero */
	if (crc != t->dt_checksum)
		return ext4_corrupt(fs,
				    "directory %llu: bad index checksum in "
				    "block %u",
				    (unsigned long long)dir->v.ino, lblk);
	bcache_set_verified(b);
	return 0;
}

/*
 * Check the count and limit of index block b's entries at coff: the
 * limit must be what the block holds, the count within it.
 */
static int check_dx_entries(struct ext4_inode_info *dir, struct bbuf *b,
			    size_t coff, uint32_t lblk)
{
	struct ext4_fs *fs = DFS(dir);
	const struct ext4_dx_countlimit *cl =
		(const void *)((const char *)b->data + coff);
	size_t limit = (fs->bs - coff) / sizeof(struct ext4_dx_entry) -
		       (fs->csum ? 1 : 0);

	if (cl->limit != limit || cl->count == 0 || cl->count > cl->limit)
		return ext4_corrupt(fs,
				    "directory %llu: bad index count/limit "
				    "in block %u",
				    (unsigned long long)dir->v.ino, lblk);
	return check_dx_csum(dir, b, coff, lblk);
}

/* Check block 0 of a hash-tree directory: dot entries, info, entries. */
static int check_dx_root(struct ext4_inode_info *dir, struct bbuf *b,
			 unsigned int *levels)
{
	struct ext4_fs *fs = DFS(dir);
	const char *blk = b->data;
	const struct ext4_dirent *dot = (const void *)blk,
				 *dotdot = (const void *)(blk + 12);
	const struct ext4_dx_root_info *info = (const void *)(blk + 24);
	unsigned int max = (fs->incompat & EXT4_INCOMPAT_LARGEDIR) ? 3 : 2;

	if (dot->rec_len != 12 || dot->name_len != 1 || dot->name[0] != '.' ||
	    dotdot->rec_len != fs->bs - 12 || dotdot->name_len != 2 ||
	    dotdot->name[0] != '.' || dotdot->name[1] != '.' ||
	    dotdot->inode > fs->ninodes || info->reserved_zero ||
	    info->info_length != 8 || info->hash_version > EXT4_HASH_TEA ||
	    info->indirect_levels >= max)
		return ext4_corrupt(fs, "directory %llu: bad hash-tree root",
				    (unsigned long long)dir->v.ino);
	*levels = info->indirect_levels;
	return check_dx_entries(dir, b, DX_ROOT_ENTRIES, 0);
}

/*
 * Block lblk of dir, read and checked: *from..*end are the bytes
 * holding entries (none for an interior index block).
 */
static int dir_block(struct ext4_inode_info *dir, uint32_t lblk,
		     struct bbuf **out, size_t *end)
{
	struct ext4_fs *fs = DFS(dir);
	unsigned int levels;
	const char *blk;
	int err = dir_bread(dir, lblk, out);

	if (err)
		return err;
	blk = (*out)->data;
	*end = fs->bs;
	if (lblk == 0 && is_htree(dir)) {
		err = check_dx_root(dir, *out, &levels);
		*end = 24; /* "." and ".." */
		if (!err)
			err = check_entries(dir, blk, 12, 0);
	} else if (is_dx_node(fs, blk)) {
		*end = 0;
	} else {
		if (fs->csum) {
			err = check_leaf_tail(dir, *out, lblk);
			*end = fs->bs - EXT4_DIR_TAIL_SIZE;
		}
		if (!err)
			err = check_entries(dir, blk, *end, lblk);
	}
	if (err) {
		bcache_put(*out);
		*out = NULL;
	}
	return err;
}

/* Look for name in the checked entries [0, end) of blk: its inode. */
static uint32_t find_in_block(const char *blk, size_t end, const char *name,
			      size_t len)
{
	size_t off = 0;

	while (off < end) {
		const struct ext4_dirent *de = (const void *)(blk + off);
		size_t rec = MIN((size_t)de->rec_len, end - off);

		if (de->inode && de->name_len == len &&
		    !kos_memcmp(de->name, name, len))
			return de->inode;
		off += rec;
	}
	return 0;
}

/* Search the blocks [from, to) of dir one by one. */
static int linear_find(struct ext4_inode_info *dir, uint32_t from, uint32_t to,
		       const char *name, size_t len, uint32_t *ino)
{
	for (uint32_t lblk = from; lblk < to; lblk++) {
		struct bbuf *b;
		size_t end;
		int err = dir_block(dir, lblk, &b, &end);

		if (err)
			return err;
		*ino = find_in_block(b->data, end, name, len);
		bcache_put(b);
		if (*ino)
			return 0;
	}
	return -ENOENT;
}

/* ---- hash-tree lookup ------------------------------------------------------ */

struct dx_frame {
	struct bbuf *b;
	const struct ext4_dx_entry *ents; /* ents[0] holds count/limit */
	unsigned int count, at;
};

/* Point f at b's entries at coff and pick the one for hash. */
static void dx_frame_set(struct dx_frame *f, struct bbuf *b, size_t coff,
			 uint32_t hash)
{
	const struct ext4_dx_countlimit *cl =
		(const void *)((char *)b->data + coff);

	f->b = b;
	f->ents = (const void *)cl;
	f->count = cl->count;
	f->at = 0;
	for (unsigned int i = 1; i < f->count && f->ents[i].hash <= hash; i++)
		f->at = i;
}

/* Read and check the index block the entry of frame f points to. */
static int dx_child(struct ext4_inode_info *dir, const struct dx_frame *f,
		    struct bbuf **out, uint32_t *lblk)
{
	struct ext4_fs *fs = DFS(dir);
	int err;

	*lblk = f->ents[f->at].block & DX_BLOCK_MASK;
	if (*lblk == 0 || *lblk >= dir_blocks(dir))
		return ext4_corrupt(fs, "directory %llu: bad index block %u",
				    (unsigned long long)dir->v.ino, *lblk);
	err = dir_bread(dir, *lblk, out);
	if (err)
		return err;
	if (!is_dx_node(fs, (*out)->data))
		err = ext4_corrupt(fs,
				   "directory %llu: block %u is not an "
				   "index block",
				   (unsigned long long)dir->v.ino, *lblk);
	if (!err)
		err = check_dx_entries(dir, *out, DX_NODE_ENTRIES, *lblk);
	if (err) {
		bcache_put(*out);
		*out = NULL;
	}
	return err;
}

/* Fill frames[from + 1 .. levels] going down from frames[from]. */
static int dx_descend(struct ext4_inode_info *dir, struct dx_frame *frames,
		      unsigned int from, unsigned int levels, uint32_t hash)
{
	for (unsigned int l = from; l < levels; l++) {
		struct bbuf *b;
		uint32_t lblk;
		int err = dx_child(dir, &frames[l], &b, &lblk);

		if (err)
			return err;
		bcache_put(frames[l + 1].b);
		dx_frame_set(&frames[l + 1], b, DX_NODE_ENTRIES, hash);
	}
	return 0;
}

static int dx_find(struct ext4_inode_info *dir, const char *name, size_t len,
		   uint32_t *ino)
{
	struct ext4_fs *fs = DFS(dir);
	struct dx_frame frames[DX_MAX_LEVELS] = { 0 };
	const struct ext4_dx_root_info *info;
	unsigned int levels, version;
	struct bbuf *root;
	uint32_t hash;
	int err = dir_bread(dir, 0, &root);

	if (err)
		return err;
	err = check_dx_root(dir, root, &levels);
	if (err) {
		bcache_put(root);
		return err;
	}
	info = (const void *)((char *)root->data + 24);
	version = info->hash_version;
	if (fs->hash_unsigned)
		version += EXT4_HASH_UNSIGNED;
	hash = ext4_dirhash(name, len, (int)version, fs->hash_seed, NULL);
	dx_frame_set(&frames[0], root, DX_ROOT_ENTRIES, hash);
	err = dx_descend(dir, frames, 0, levels, hash);
	while (!err) {
		const struct dx_frame *leaf = &frames[levels];
		uint32_t lblk = leaf->ents[leaf->at].block & DX_BLOCK_MASK;
		int l;

		if (lblk == 0 || lblk >= dir_blocks(dir)) {
			err = ext4_corrupt(
				fs, "directory %llu: bad leaf block %u",
				(unsigned long long)dir->v.ino, lblk);
			break;
		}
		err = linear_find(dir, lblk, lblk + 1, name, len, ino);
		if (err != -ENOENT)
			break;
		/*
		 * Not there: go on to the next leaf only if it starts with
		 * the same hash, marked as a continuation (bit 0).
		 */
		for (l = (int)levels; l >= 0; l--)
			if (frames[l].at + 1 < frames[l].count)
				break;
		if (l < 0)
			break;
		{
			uint32_t next = frames[l].ents[frames[l].at + 1].hash;

			if (!(next & 1) || (next & ~1u) != hash)
				break;
		}
		frames[l].at++;
		err = dx_descend(dir, frames, (unsigned int)l, levels, 0);
		if (!err)
			for (unsigned int k = (unsigned int)l + 1; k <= levels;
			     k++)
				frames[k].at = 0;
	}
	for (unsigned int l = 0; l < DX_MAX_LEVELS; l++)
		bcache_put(frames[l].b);
	return err;
}

/* ---- vnode ops ------------------------------------------------------------- */

/*
 * Record dir as child's parent, or check it is the one recorded: a
 * directory reached from a second directory (or from itself, or the
 * root from anywhere) is corrupt, and would loop the name cache.
 */
static bool claim_parent(struct ext4_inode_info *child,
			 struct ext4_inode_info *dir)
{
	uint32_t want = (uint32_t)dir->v.ino, cur = 0;

	if (child == dir)
		return false;
	if (__atomic_compare_exchange_n(&child->parent, &cur, want, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return true;
	return cur == want;
}

int ext4_lookup(struct vnode *v, const char *name, size_t len,
		struct vnode **out)
{
	struct ext4_inode_info *dir = EXT4_I(v);
	struct ext4_fs *fs = DFS(dir);
	bool dots =
		name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'));
	uint32_t ino = 0;
	int err;

	if (len > EXT4_NAME_LEN)
		return -ENAMETOOLONG;
	if (dots)
		err = linear_find(dir, 0, MIN(1u, dir_blocks(dir)), name, len,
				  &ino); /* dot entries live in block 0 */
	else if (is_htree(dir) && (fs->compat & EXT4_COMPAT_DIR_INDEX))
		err = dx_find(dir, name, len, &ino);
	else
		err = linear_find(dir, 0, dir_blocks(dir), name, len, &ino);
	if (err)
		return err;
	err = ext4_iget(fs, ino, out);
	if (err || dots)
		return err;
	if (S_ISDIR((*out)->mode) && !claim_parent(EXT4_I(*out), dir)) {
		uint32_t other = EXT4_I(*out)->parent;

		vnode_put(*out);
		*out = NULL;
		return ext4_corrupt(fs,
				    "directory %u has two parents (%u and "
				    "%llu)",
				    ino, other, (unsigned long long)dir->v.ino);
	}
	return 0;
}

static unsigned int dtype(struct ext4_fs *fs, uint8_t ft)
{
	static const uint8_t map[8] = { DT_UNKNOWN, DT_REG,  DT_DIR,  DT_CHR,
					DT_BLK,	    DT_FIFO, DT_SOCK, DT_LNK };

	if (!(fs->incompat & EXT4_INCOMPAT_FILETYPE) || ft >= 8)
		return DT_UNKNOWN;
	return map[ft];
}

/* ---- readdir in hash order ------------------------------------------------ */

#define HTREE_EOF 0x7fffffffffffffffull /* the position past the last */

/* An entry to list: its position (hash cookie) and where it lies. */
struct hent {
	uint64_t key;
	uint32_t lblk, off;
};

/*
 * Linux lists a directory by name hash when the file system has
 * dir_index and the directory is a hash tree or exactly one block (it
 * becomes a hash tree when it grows), so that positions survive the
 * tree's splits.  The hash is the tree's (or for one block the
 * superblock's default), *version gets it; false: by block order.
 */
static bool hash_order(struct ext4_inode_info *dir, int *version)
{
	struct ext4_fs *fs = DFS(dir);
	unsigned int v = fs->es->s_def_hash_version, levels;
	struct bbuf *root;

	if (!(fs->compat & EXT4_COMPAT_DIR_INDEX))
		return false;
	if (is_htree(dir)) {
		/* A broken root: Linux falls back to the block order. */
		if (dir_bread(dir, 0, &root))
			return false;
		if (check_dx_root(dir, root, &levels)) {
			bcache_put(root);
			return false;
		}
		v = ((const struct ext4_dx_root_info *)((char *)root->data +
							24))
			    ->hash_version;
		bcache_put(root);
	} else if ((dir->v.size >> fs->log_bs) != 1) {
		return false;
	}
	if (fs->hash_unsigned && v <= EXT4_HASH_TEA)
		v += EXT4_HASH_UNSIGNED;
	*version = (int)v;
	return true;
}

/*
 * The position of an entry: the major hash (whose low bit is always
 * clear) over the minor one, as Linux's hash2pos for 64-bit callers.
 * A hash tree's "." and ".." (block 0) come first, as hashes 0 and 2.
 */
static uint64_t hent_key(struct ext4_inode_info *dir, int version,
			 uint32_t lblk, const struct ext4_dirent *de)
{
	uint32_t major, minor;

	if (lblk == 0 && is_htree(dir))
		return de->name_len == 1 ? 0 : (uint64_t)1 << 32;
	major = ext4_dirhash(de->name, de->name_len, version,
			     DFS(dir)->hash_seed, &minor);
	return ((uint64_t)(major >> 1) << 32) | minor;
}

/*
 * The entries of dir at or after position from: their number, and (if
 * out) the first max of them in out, in block order.
 */
static int hent_scan(struct ext4_inode_info *dir, int version, uint64_t from,
		     struct hent *out, size_t max, size_t *n)
{
	uint32_t nblocks = dir_blocks(dir);

	*n = 0;
	for (uint32_t lblk = 0; lblk < nblocks; lblk++) {
		size_t off = 0, end;
		struct bbuf *b;
		int err = dir_block(dir, lblk, &b, &end);

		if (err)
			return err;
		while (off < end) {
			const struct ext4_dirent *de =
				(const void *)((char *)b->data + off);
			uint64_t key;

			if (de->inode) {
				key = hent_key(dir, version, lblk, de);
				if (key >= from && out && *n < max)
					out[*n] =
						(struct hent){ key, lblk,
							       (uint32_t)off };
				*n += key >= from;
			}
			off += MIN((size_t)de->rec_len, end - off);
		}
		bcache_put(b);
	}
	return 0;
}

/* Sift a[i] down the heap a[0..n) (largest key on top). */
static void hent_sift(struct hent *a, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;
		struct hent t;

		if (c >= n)
			return;
		if (c + 1 < n && a[c + 1].key > a[c].key)
			c++;
		if (a[i].key >= a[c].key)
			return;
		t = a[i];
		a[i] = a[c];
		a[c] = t;
		i = c;
	}
}

/* Heapsort by key (the directory may be large: no recursion). */
static void hent_sort(struct hent *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		hent_sift(a, i, n);
	for (size_t k = n; k > 1; k--) {
		struct hent t = a[0];

		a[0] = a[k - 1];
		a[k - 1] = t;
		hent_sift(a, 0, k - 1);
	}
}

/*
 * readdir by hash: every call collects the entries from *pos on and
 * sorts them (the directory's lock is held, so nothing changes between
 * the two passes); *pos is the next entry's hash, HTREE_EOF at the end.
 * Entries with one hash go out together only if they fit, as Linux's.
 */
static int readdir_hashed(struct ext4_inode_info *dir, int version,
			  uint64_t *pos, vfs_filldir_t fill, void *ctx)
{
	struct ext4_fs *fs = DFS(dir);
	struct bbuf *b = NULL;
	struct hent *a;
	size_t n, got;
	int err = hent_scan(dir, version, *pos, NULL, 0, &n);

	if (err || !n) {
		if (!err)
			*pos = HTREE_EOF;
		return err;
	}
	a = kmalloc(n * sizeof(*a));
	if (!a)
		return -ENOMEM;
	err = hent_scan(dir, version, *pos, a, n, &got);
	if (!err && got != n)
		err = ext4_corrupt(fs, "directory %llu changed under readdir",
				   (unsigned long long)dir->v.ino);
	if (err)
		goto out;
	hent_sort(a, n);
	for (size_t i = 0; i < n; i++) {
		uint64_t next = i + 1 < n ? a[i + 1].key : HTREE_EOF;
		const struct ext4_dirent *de;
		size_t end;

		if (i == 0 || a[i].lblk != a[i - 1].lblk) {
			bcache_put(b);
			b = NULL;
			err = dir_block(dir, a[i].lblk, &b, &end);
			if (err)
				goto out;
		}
		de = (const void *)((char *)b->data + a[i].off);
		if (!fill(ctx, de->name, de->name_len, de->inode,
			  dtype(fs, de->file_type), next)) {
			*pos = a[i].key;
			goto out;
		}
		*pos = next;
	}
out:
	bcache_put(b);
	kfree(a);
	return err;
}

int ext4_readdir(struct vnode *v, uint64_t *pos, vfs_filldir_t fill, void *ctx)
{
	struct ext4_inode_info *dir = EXT4_I(v);
	struct ext4_fs *fs = DFS(dir);
	uint32_t nblocks = dir_blocks(dir);
	int version;

	if (hash_order(dir, &version))
		return readdir_hashed(dir, version, pos, fill, ctx);

	while ((*pos >> fs->log_bs) < nblocks) {
		uint32_t lblk = (uint32_t)(*pos >> fs->log_bs);
		size_t skip = (size_t)(*pos & (fs->bs - 1)), off = 0, end;
		uint64_t base = (uint64_t)lblk << fs->log_bs;
		struct bbuf *b;
		int err = dir_block(dir, lblk, &b, &end);

		if (err)
			return err;
		while (off < end) {
			const struct ext4_dirent *de =
				(const void *)((char *)b->data + off);
			size_t rec = MIN((size_t)de->rec_len, end - off);
			uint64_t next = base + off + rec;

			if (off >= skip && de->inode) {
				if (!fill(ctx, de->name, de->name_len,
					  de->inode, dtype(fs, de->file_type),
					  next)) {
					*pos = base + off;
					bcache_put(b);
					return 0;
				}
				*pos = next;
			}
			off += rec;
		}
		bcache_put(b);
		*pos = base + fs->bs;
	}
	return 0;
}

/* ---- writing entries ------------------------------------------------------ */

/* The bytes an entry with a name of len bytes needs (a multiple of 4). */
static size_t rec_need(size_t len)
{
	return (EXT4_DIRENT_HEAD + len + 3) & ~(size_t)3;
}

uint8_t ext4_ftype(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return 1;
	case S_IFDIR:
		return 2;
	case S_IFCHR:
		return 3;
	case S_IFBLK:
		return 4;
	case S_IFIFO:
		return 5;
	case S_IFSOCK:
		return 6;
	case S_IFLNK:
		return 7;
	default:
		return 0;
	}
}

/* Recompute the checksum tail of a leaf block (with metadata_csum). */
static void leaf_csum_set(struct ext4_inode_info *dir, char *blk)
{
	struct ext4_fs *fs = DFS(dir);
	struct ext4_dir_tail *t = (void *)(blk + fs->bs - EXT4_DIR_TAIL_SIZE);

	if (fs->csum)
		t->det_checksum = kos_crc32c(dir->csum_seed, blk,
					     fs->bs - EXT4_DIR_TAIL_SIZE);
}

/*
 * Put an entry (ino, name, ft) into the checked entries [0, end) of
 * blk: into an unused entry big enough, or the slack after a used
 * one's name, split off.  false: no room.
 */
static bool insert_in_block(char *blk, size_t end, const char *name, size_t len,
			    uint32_t ino, uint8_t ft)
{
	size_t need = rec_need(len), off = 0;

	while (off < end) {
		struct ext4_dirent *de = (void *)(blk + off);
		size_t used = de->inode ? rec_need(de->name_len) : 0;

		if (de->rec_len >= used + need) {
			if (used) {
				struct ext4_dirent *n =
					(void *)(blk + off + used);

				n->rec_len = (uint16_t)(de->rec_len - used);
				de->rec_len = (uint16_t)used;
				de = n;
			}
			de->inode = ino;
			de->name_len = (uint8_t)len;
			de->file_type = ft;
			kos_memcpy(de->name, name, len);
			return true;
		}
		off += de->rec_len;
	}
	return false;
}

/*
 * Try block lblk of dir for room: 0 (added), -ENOSPC (full), or an
 * error reading it.
 */
static int add_to_block(struct ext4_inode_info *dir, uint32_t lblk,
			const char *name, size_t len, uint32_t ino, uint8_t ft)
{
	struct bbuf *b;
	size_t end;
	int err = dir_block(dir, lblk, &b, &end);

	if (err)
		return err;
	if (!insert_in_block(b->data, end, name, len, ino, ft)) {
		bcache_put(b);
		return -ENOSPC;
	}
	leaf_csum_set(dir, b->data);
	bcache_mark_dirty(b);
	bcache_put(b);
	return 0;
}

/* The name hash of a hash-tree directory (root block checked). */
static uint32_t dx_hash(struct ext4_inode_info *dir, const char *root,
			const char *name, size_t len)
{
	struct ext4_fs *fs = DFS(dir);
	const struct ext4_dx_root_info *info = (const void *)(root + 24);
	unsigned int version = info->hash_version;

	if (fs->hash_unsigned)
		version += EXT4_HASH_UNSIGNED;
	return ext4_dirhash(name, len, (int)version, fs->hash_seed, NULL);
}

/*
 * The path from the root of a hash-tree directory down to the leaf for
 * name: frames[0..*levels] hold references (put them with dx_put),
 * *hash the name's hash, *lblk the leaf.
 */
static int dx_path(struct ext4_inode_info *dir, const char *name, size_t len,
		   struct dx_frame frames[DX_MAX_LEVELS], unsigned int *levels,
		   uint32_t *hash, uint32_t *lblk)
{
	struct ext4_fs *fs = DFS(dir);
	struct bbuf *root;
	int err = dir_bread(dir, 0, &root);

	if (err)
		return err;
	err = check_dx_root(dir, root, levels);
	if (err) {
		bcache_put(root);
		return err;
	}
	*hash = dx_hash(dir, root->data, name, len);
	dx_frame_set(&frames[0], root, DX_ROOT_ENTRIES, *hash);
	err = dx_descend(dir, frames, 0, *levels, *hash);
	if (!err) {
		const struct dx_frame *leaf = &frames[*levels];

		*lblk = leaf->ents[leaf->at].block & DX_BLOCK_MASK;
		if (*lblk == 0 || *lblk >= dir_blocks(dir))
			err = ext4_corrupt(
				fs, "directory %llu: bad leaf block %u",
				(unsigned long long)dir->v.ino, *lblk);
	}
	return err;
}

static void dx_put(struct dx_frame frames[DX_MAX_LEVELS])
{
	for (unsigned int l = 0; l < DX_MAX_LEVELS; l++) {
		bcache_put(frames[l].b);
		frames[l].b = NULL;
	}
}

/* Does the index block of frame f have room for another entry? */
static bool dx_room(const struct dx_frame *f)
{
	const struct ext4_dx_countlimit *cl = (const void *)f->ents;

	return cl->count < cl->limit;
}

static bool dx_can_grow(struct ext4_inode_info *dir,
			const struct dx_frame *frames, unsigned int levels);

int ext4_dir_add(struct ext4_inode_info *dir, const char *name, size_t len,
		 uint32_t ino, uint32_t mode)
{
	struct ext4_fs *fs = DFS(dir);
	uint8_t ft =
		(fs->incompat & EXT4_INCOMPAT_FILETYPE) ? ext4_ftype(mode) : 0;
	uint32_t nblocks = dir_blocks(dir), lblk;
	int err;

	if (len == 0 || len > EXT4_NAME_LEN)
		return -ENAMETOOLONG;
	if (is_htree(dir) && (fs->compat & EXT4_COMPAT_DIR_INDEX)) {
		struct dx_frame frames[DX_MAX_LEVELS] = { 0 };
		unsigned int levels;
		uint32_t hash;
		bool room;

		err = dx_path(dir, name, len, frames, &levels, &hash, &lblk);
		room = !err && dx_can_grow(dir, frames, levels);
		dx_put(frames);
		if (!err)
			err = add_to_block(dir, lblk, name, len, ino, ft);
		/* a full index block would split: not written yet */
		return err == -ENOSPC && room ? -EAGAIN : err;
	}
	for (lblk = 0; lblk < nblocks; lblk++) {
		err = add_to_block(dir, lblk, name, len, ino, ft);
		if (err != -ENOSPC)
			return err;
	}
	return -EAGAIN; /* a new leaf, or (one block, dir_index) a hash tree */
}

/* Recompute the dx tail checksum of an index block (entries at coff). */
static void dx_csum_set(struct ext4_inode_info *dir, char *blk, size_t coff)
{
	struct ext4_fs *fs = DFS(dir);
	struct ext4_dx_countlimit *cl = (void *)(blk + coff);
	struct ext4_dx_tail *t =
		(void *)(blk + coff +
			 (size_t)cl->limit * sizeof(struct ext4_dx_entry));
	uint32_t crc, zero = 0;

	if (!fs->csum)
		return;
	crc = kos_crc32c(dir->csum_seed, blk,
			 coff + (size_t)cl->count *
					 sizeof(struct ext4_dx_entry));
	crc = kos_crc32c(crc, &t->dt_reserved, sizeof(t->dt_reserved));
	t->dt_checksum = kos_crc32c(crc, &zero, sizeof(zero));
}

static size_t dx_coff(unsigned int level)
{
	return level ? DX_NODE_ENTRIES : DX_ROOT_ENTRIES;
}

/* Levels of index a hash tree may have (indirect_levels below it). */
static unsigned int dx_max_levels(struct ext4_fs *fs)
{
	return (fs->incompat & EXT4_INCOMPAT_LARGEDIR) ? 3 : 2;
}

/*
 * Split the full index block of frames[l] (l > 0, its parent with
 * room) into nb (block nlblk): the upper half of its entries moves, an
 * entry for nb goes into the parent after the block's own.
 */
static void dx_split_node(struct ext4_inode_info *dir, struct dx_frame *frames,
			  unsigned int l, uint32_t nlblk, struct bbuf *nb)
{
	struct ext4_fs *fs = DFS(dir);
	struct dx_frame *f = &frames[l], *p = &frames[l - 1];
	struct ext4_dx_entry *old = (void *)f->ents, *neu,
			     *pe = (void *)p->ents;
	struct ext4_dx_countlimit *ocl = (void *)old, *ncl;
	struct ext4_dirent *fake = nb->data;
	unsigned int count = f->count, mid = count / 2;

	kos_memset(nb->data, 0, fs->bs);
	fake->rec_len = (uint16_t)fs->bs;
	neu = (void *)((char *)nb->data + DX_NODE_ENTRIES);
	ncl = (void *)neu;
	ncl->limit = ocl->limit;
	ncl->count = (uint16_t)(count - mid);
	neu[0].block = old[mid].block;
	for (unsigned int i = 1; i < count - mid; i++)
		neu[i] = old[mid + i];
	ocl->count = (uint16_t)mid;
	kos_memmove(&pe[p->at + 2], &pe[p->at + 1],
		    (p->count - p->at - 1) * sizeof(*pe));
	pe[p->at + 1].hash = old[mid].hash;
	pe[p->at + 1].block = nlblk;
	((struct ext4_dx_countlimit *)pe)->count = (uint16_t)(p->count + 1);
	dx_csum_set(dir, f->b->data, DX_NODE_ENTRIES);
	dx_csum_set(dir, nb->data, DX_NODE_ENTRIES);
	dx_csum_set(dir, p->b->data, dx_coff(l - 1));
	bcache_mark_dirty(f->b);
	bcache_mark_dirty(nb);
	bcache_mark_dirty(p->b);
}

/* Move the full root's entries down into nb (block nlblk): a level more. */
static void dx_grow_root(struct ext4_inode_info *dir, struct dx_frame *root,
			 uint32_t nlblk, struct bbuf *nb)
{
	struct ext4_fs *fs = DFS(dir);
	struct ext4_dx_entry *re = (void *)root->ents, *neu;
	struct ext4_dx_countlimit *rcl = (void *)re, *ncl;
	struct ext4_dx_root_info *info = (void *)((char *)root->b->data + 24);
	struct ext4_dirent *fake = nb->data;

	kos_memset(nb->data, 0, fs->bs);
	fake->rec_len = (uint16_t)fs->bs;
	neu = (void *)((char *)nb->data + DX_NODE_ENTRIES);
	ncl = (void *)neu;
	kos_memcpy(neu, re, root->count * sizeof(*re));
	ncl->limit = (uint16_t)((fs->bs - DX_NODE_ENTRIES) / sizeof(*re) -
				(fs->csum ? 1 : 0));
	ncl->count = (uint16_t)root->count;
	rcl->count = 1;
	re[0].block = nlblk;
	info->indirect_levels++;
	dx_csum_set(dir, nb->data, DX_NODE_ENTRIES);
	dx_csum_set(dir, root->b->data, DX_ROOT_ENTRIES);
	bcache_mark_dirty(nb);
	bcache_mark_dirty(root->b);
}

/*
 * Use a new block to make room in the index above a full leaf: split
 * the lowest full index block whose parent has room, or grow the root
 * a level.  -ENOSPC if the tree is as deep as it may be and full.
 */
static int dx_make_room(struct ext4_inode_info *dir, struct dx_frame *frames,
			unsigned int levels, uint32_t nlblk, struct bbuf *nb)
{
	for (unsigned int l = levels; l > 0; l--)
		if (!dx_room(&frames[l]) && dx_room(&frames[l - 1])) {
			dx_split_node(dir, frames, l, nlblk, nb);
			return 0;
		}
	if (!dx_room(&frames[0]) && levels + 1 < dx_max_levels(DFS(dir))) {
		dx_grow_root(dir, &frames[0], nlblk, nb);
		return 0;
	}
	return -ENOSPC;
}

/* Could the path to a full leaf take a new block (see dx_make_room)? */
static bool dx_can_grow(struct ext4_inode_info *dir,
			const struct dx_frame *frames, unsigned int levels)
{
	for (unsigned int l = 0; l <= levels; l++)
		if (dx_room(&frames[l]))
			return true;
	return levels + 1 < dx_max_levels(DFS(dir));
}

/* An empty leaf block: one unused entry over it, the checksum tail. */
static void init_leaf(struct ext4_inode_info *dir, char *blk)
{
	struct ext4_fs *fs = DFS(dir);
	size_t tail = fs->csum ? EXT4_DIR_TAIL_SIZE : 0;
	struct ext4_dirent *de = (void *)blk;

	kos_memset(blk, 0, fs->bs);
	de->rec_len = (uint16_t)(fs->bs - tail);
	if (tail) {
		struct ext4_dir_tail *t = (void *)(blk + fs->bs - tail);

		t->det_rec_len = EXT4_DIR_TAIL_SIZE;
		t->det_reserved_ft = EXT4_DIR_TAIL_FT;
	}
}

struct split_ent {
	uint32_t hash;
	uint16_t off, rec;
};

/*
 * Split the full leaf lblk of a hash-tree directory: its entries sorted
 * by hash, the upper half moved to nb (block nlblk), an index entry for
 * nb put after the leaf's in the frame above (with the continuation
 * bit when the halves share a hash), then name added to its half.
 */
static int dx_split(struct ext4_inode_info *dir, const char *name, size_t len,
		    uint32_t ino, uint8_t ft, uint32_t nlblk, struct bbuf *nb)
{
	struct ext4_fs *fs = DFS(dir);
	struct dx_frame frames[DX_MAX_LEVELS] = { 0 };
	struct split_ent *ents = NULL;
	unsigned int levels, n = 0, mid;
	uint32_t hash, lblk, split;
	struct ext4_dx_entry *de;
	struct dx_frame *f;
	size_t end, off = 0;
	struct bbuf *b = NULL;
	char *copy = NULL;
	int err = dx_path(dir, name, len, frames, &levels, &hash, &lblk);

	if (!err)
		err = dir_block(dir, lblk, &b, &end);
	if (err)
		goto out;
	f = &frames[levels];
	if (!dx_room(f)) {
		/* the block goes to the index; the leaf wants another */
		err = dx_make_room(dir, frames, levels, nlblk, nb);
		if (!err)
			err = -EAGAIN;
		goto out;
	}
	ents = kmalloc(sizeof(*ents) * (fs->bs / 12 + 1));
	copy = kmalloc(fs->bs);
	if (!ents || !copy) {
		err = -ENOMEM;
		goto out;
	}
	kos_memcpy(copy, b->data, fs->bs);
	while (off < end) {
		const struct ext4_dirent *e = (const void *)(copy + off);

		if (e->inode) {
			struct split_ent x = {
				dx_hash(dir, frames[0].b->data, e->name,
					e->name_len),
				(uint16_t)off, (uint16_t)rec_need(e->name_len)
			};
			unsigned int i = n++;

			/* insertion sort by hash (a leaf holds a few hundred) */
			while (i > 0 && ents[i - 1].hash > x.hash) {
				ents[i] = ents[i - 1];
				i--;
			}
			ents[i] = x;
		}
		off += e->rec_len;
	}
	if (n < 2) {
		err = ext4_corrupt(fs,
				   "directory %llu: full leaf %u with %u "
				   "entries",
				   (unsigned long long)dir->v.ino, lblk, n);
		goto out;
	}
	mid = n / 2;
	split = ents[mid].hash;
	if (split == ents[mid - 1].hash)
		split |= 1; /* the hash goes on in the new block */
	init_leaf(dir, b->data);
	init_leaf(dir, nb->data);
	for (unsigned int i = 0; i < n; i++) {
		const struct ext4_dirent *e =
			(const void *)(copy + ents[i].off);

		insert_in_block(i < mid ? b->data : nb->data,
				fs->bs - (fs->csum ? EXT4_DIR_TAIL_SIZE : 0),
				e->name, e->name_len, e->inode, e->file_type);
	}
	/* the new index entry goes right after the leaf's */
	de = (struct ext4_dx_entry *)f->ents;
	kos_memmove(&de[f->at + 2], &de[f->at + 1],
		    (f->count - f->at - 1) * sizeof(*de));
	de[f->at + 1].hash = split;
	de[f->at + 1].block = nlblk;
	((struct ext4_dx_countlimit *)de)->count = (uint16_t)(f->count + 1);
	dx_csum_set(dir, f->b->data,
		    levels ? DX_NODE_ENTRIES : DX_ROOT_ENTRIES);
	bcache_mark_dirty(f->b);
	if (!insert_in_block(hash >= (split & ~1u) ? nb->data : b->data,
			     fs->bs - (fs->csum ? EXT4_DIR_TAIL_SIZE : 0), name,
			     len, ino, ft))
		err = -EAGAIN; /* its half is still full: split again */
	leaf_csum_set(dir, b->data);
	leaf_csum_set(dir, nb->data);
	bcache_mark_dirty(b);
	bcache_mark_dirty(nb);
out:
	kfree(ents);
	kfree(copy);
	bcache_put(b);
	dx_put(frames);
	return err;
}

/*
 * A linear directory of one full block becomes a hash tree (as Linux
 * does): its entries but "." and ".." move to nb (block 1), block 0
 * becomes the root with one index entry for block 1, INDEX_FL is set
 * (the caller writes the inode).  -EAGAIN: block 1 is full in turn and
 * the next block splits it.
 */
static int make_indexed(struct ext4_inode_info *dir, struct bbuf *nb)
{
	struct ext4_fs *fs = DFS(dir);
	size_t tail = fs->csum ? EXT4_DIR_TAIL_SIZE : 0, end, off;
	struct ext4_dirent *dot, *dotdot;
	struct ext4_dx_root_info *info;
	struct ext4_dx_countlimit *cl;
	struct ext4_dx_entry *ents;
	struct bbuf *b;
	int err = dir_block(dir, 0, &b, &end);

	if (err)
		return err;
	dot = b->data;
	if (end < 24 || dot->rec_len != 12 || dot->name_len != 1 ||
	    dot->name[0] != '.') {
		bcache_put(b);
		return ext4_corrupt(fs, "directory %llu: no \".\" entry",
				    (unsigned long long)dir->v.ino);
	}
	dotdot = (void *)((char *)b->data + 12);
	if (dotdot->name_len != 2 || dotdot->name[0] != '.' ||
	    dotdot->name[1] != '.') {
		bcache_put(b);
		return ext4_corrupt(fs, "directory %llu: no \"..\" entry",
				    (unsigned long long)dir->v.ino);
	}
	init_leaf(dir, nb->data);
	off = 12 + dotdot->rec_len;
	while (off < end) {
		const struct ext4_dirent *de =
			(const void *)((char *)b->data + off);

		if (de->inode)
			insert_in_block(nb->data, fs->bs - tail, de->name,
					de->name_len, de->inode, de->file_type);
		off += de->rec_len;
	}
	leaf_csum_set(dir, nb->data);
	bcache_mark_dirty(nb);
	/* block 0: ".", ".." over the rest, the root info, one entry */
	kos_memset((char *)b->data + 24, 0, fs->bs - 24);
	dotdot->rec_len = (uint16_t)(fs->bs - 12);
	info = (void *)((char *)b->data + 24);
	info->hash_version = fs->es->s_def_hash_version <= EXT4_HASH_TEA
				     ? fs->es->s_def_hash_version
				     : EXT4_HASH_HALF_MD4;
	info->info_length = 8;
	ents = (void *)((char *)b->data + DX_ROOT_ENTRIES);
	cl = (void *)ents;
	cl->limit = (uint16_t)((fs->bs - DX_ROOT_ENTRIES) / sizeof(*ents) -
			       (fs->csum ? 1 : 0));
	cl->count = 1;
	ents[0].block = 1;
	dx_csum_set(dir, b->data, DX_ROOT_ENTRIES);
	bcache_mark_dirty(b);
	bcache_put(b);
	dir->flags |= EXT4_INDEX_FL;
	return -EAGAIN;
}

int ext4_dir_add_grown(struct ext4_inode_info *dir, const char *name,
		       size_t len, uint32_t ino, uint32_t mode, uint32_t nlblk,
		       struct bbuf *nb)
{
	struct ext4_fs *fs = DFS(dir);
	uint8_t ft =
		(fs->incompat & EXT4_INCOMPAT_FILETYPE) ? ext4_ftype(mode) : 0;

	if (is_htree(dir) && (fs->compat & EXT4_COMPAT_DIR_INDEX))
		return dx_split(dir, name, len, ino, ft, nlblk, nb);
	if (nlblk == 1 && (fs->compat & EXT4_COMPAT_DIR_INDEX) &&
	    !(dir->flags & EXT4_INLINE_DATA_FL))
		return make_indexed(dir, nb);
	init_leaf(dir, nb->data);
	insert_in_block(nb->data, fs->bs - (fs->csum ? EXT4_DIR_TAIL_SIZE : 0),
			name, len, ino, ft);
	leaf_csum_set(dir, nb->data);
	bcache_mark_dirty(nb);
	return 0;
}

/*
 * Find name among the leaf entries of dir (every block; index blocks
 * hold none): the block (a reference), the entry's offset and the
 * offset of the entry before it in its block (-1: it is the first).
 */
static int find_entry(struct ext4_inode_info *dir, const char *name, size_t len,
		      struct bbuf **out, size_t *at, long *prev)
{
	uint32_t nblocks = dir_blocks(dir);

	for (uint32_t lblk = 0; lblk < nblocks; lblk++) {
		struct bbuf *b;
		size_t end, off = 0;
		long last = -1;
		int err = dir_block(dir, lblk, &b, &end);

		if (err)
			return err;
		while (off < end) {
			const struct ext4_dirent *de =
				(const void *)((char *)b->data + off);

			if (de->inode && de->name_len == len &&
			    !kos_memcmp(de->name, name, len)) {
				*out = b;
				*at = off;
				*prev = last;
				return 0;
			}
			last = (long)off;
			off += de->rec_len;
		}
		bcache_put(b);
	}
	return -ENOENT;
}

int ext4_dir_remove(struct ext4_inode_info *dir, const char *name, size_t len,
		    uint32_t *ino)
{
	struct bbuf *b;
	size_t at;
	long prev;
	int err = find_entry(dir, name, len, &b, &at, &prev);
	struct ext4_dirent *de;

	if (err)
		return err;
	de = (void *)((char *)b->data + at);
	if (ino)
		*ino = de->inode;
	if (prev >= 0) {
		struct ext4_dirent *p = (void *)((char *)b->data + prev);

		p->rec_len = (uint16_t)(p->rec_len + de->rec_len);
	} else {
		de->inode = 0;
	}
	leaf_csum_set(dir, b->data);
	bcache_mark_dirty(b);
	bcache_put(b);
	return 0;
}

int ext4_dir_retarget(struct ext4_inode_info *dir, const char *name, size_t len,
		      uint32_t ino, uint32_t mode)
{
	struct ext4_fs *fs = DFS(dir);
	struct bbuf *b;
	size_t at;
	long prev;
	int err = find_entry(dir, name, len, &b, &at, &prev);
	struct ext4_dirent *de;

	if (err)
		return err;
	de = (void *)((char *)b->data + at);
	de->inode = ino;
	if (fs->incompat & EXT4_INCOMPAT_FILETYPE)
		de->file_type = ext4_ftype(mode);
	leaf_csum_set(dir, b->data);
	bcache_mark_dirty(b);
	bcache_put(b);
	return 0;
}

int ext4_dir_empty(struct ext4_inode_info *dir)
{
	uint32_t nblocks = dir_blocks(dir);

	for (uint32_t lblk = 0; lblk < nblocks; lblk++) {
		struct bbuf *b;
		size_t end, off = 0;
		int err = dir_block(dir, lblk, &b, &end);

		if (err)
			return err;
		while (off < end) {
			const struct ext4_dirent *de =
				(const void *)((char *)b->data + off);
			bool dots = de->name_len <= 2 && de->name[0] == '.' &&
				    (de->name_len == 1 || de->name[1] == '.');

			if (de->inode && !(lblk == 0 && dots)) {
				bcache_put(b);
				return -ENOTEMPTY;
			}
			off += de->rec_len;
		}
		bcache_put(b);
	}
	return 0;
}

int ext4_dir_find(struct ext4_inode_info *dir, const char *name, size_t len,
		  uint32_t *ino)
{
	struct bbuf *b;
	size_t at;
	long prev;
	int err;

	if (len > EXT4_NAME_LEN)
		return -ENAMETOOLONG;
	/* names but the dot entries: through the index when there is one */
	if (len &&
	    !(name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))) &&
	    is_htree(dir) && (DFS(dir)->compat & EXT4_COMPAT_DIR_INDEX))
		return dx_find(dir, name, len, ino);
	err = find_entry(dir, name, len, &b, &at, &prev);
	if (err)
		return err;
	*ino = ((const struct ext4_dirent *)((char *)b->data + at))->inode;
	bcache_put(b);
	return 0;
}
