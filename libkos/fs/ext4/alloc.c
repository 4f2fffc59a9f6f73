/*
 * ext4: block and inode allocation.
 *
 * Blocks: a run as long as possible (up to what was asked) starting at
 * the goal if it is free, else the first free block after the goal in
 * its group, else in the groups after it (wrapping round).  The count
 * is taken from the superblock's counter first (sb_lock), so the root
 * reserve holds however many allocate at once; what the run fell short
 * of is given back.
 *
 * Inodes: a directory goes to a group with at least the average free
 * inodes and free blocks and the fewest directories (an Orlov-like
 * spread), other files to their directory's group, else the next group
 * with a free inode.
 *
 * Bitmaps are read through the buffer cache, their checksums verified
 * once per mount and rewritten with every change; a group still marked
 * BLOCK_UNINIT or INODE_UNINIT gets its bitmap built when first used
 * (the group's own metadata marked, the padding bits set).  Every
 * block handed out or freed is checked against the groups' metadata
 * (superblock copies, descriptors and their reserve, bitmaps, inode
 * tables): a bitmap that says otherwise is corruption.
 *
 * Locking: a group's mutex covers its bitmaps, counts and descriptor
 * (the descriptor block is shared with other groups, each writing only
 * its own bytes); fs->sb_lock the superblock counters, taken inside a
 * group's lock or alone.  No lock is held across two groups.
 */
#include <kos/crc32c.h>
#include <kos/log.h>
#include <kos/string.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#include "ext4.h"

/* ---- descriptors -------------------------------------------------------- */

/* CRC-16 (ANSI, reflected 0xa001) as the old gdt_csum feature uses. */
static uint16_t crc16(uint16_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xa001 : crc >> 1;
	}
	return crc;
}

uint16_t ext4_group_csum(struct ext4_fs *fs, uint32_t g, const void *desc)
{
	uint32_t le = g;
	uint16_t zero = 0;

	if (fs->csum) {
		uint32_t crc = kos_crc32c(fs->csum_seed, &le, 4);

		crc = kos_crc32c(crc, desc, 0x1e);
		crc = kos_crc32c(crc, &zero, 2);
		crc = kos_crc32c(crc, (const char *)desc + 0x20,
				 fs->desc_size - 0x20);
		return (uint16_t)crc;
	} else {
		uint16_t crc = crc16(0xffff, fs->es->s_uuid, 16);

		crc = crc16(crc, &le, 4);
		crc = crc16(crc, desc, 0x1e);
		if (fs->desc_size > 0x20)
			crc = crc16(crc, (const char *)desc + 0x20,
				    fs->desc_size - 0x20);
		return crc;
	}
}

int ext4_group_write(struct ext4_fs *fs, uint32_t g)
{
	uint32_t per_block = fs->bs / fs->desc_size;
	struct ext4_group *grp = &fs->groups[g];
	struct ext4_group_desc *gd;
	struct bbuf *b;
	int err = ext4_bread(fs, fs->first_data_block + 1 + g / per_block, &b);

	if (err)
		return err;
	gd = (void *)((char *)b->data + (g % per_block) * fs->desc_size);
	gd->bg_free_blocks_count_lo = (uint16_t)grp->free_blocks;
	gd->bg_free_inodes_count_lo = (uint16_t)grp->free_inodes;
	gd->bg_used_dirs_count_lo = (uint16_t)grp->used_dirs;
	gd->bg_itable_unused_lo = (uint16_t)grp->itable_unused;
	gd->bg_flags = grp->flags;
	if (fs->desc_size >= 64) {
		gd->bg_free_blocks_count_hi =
			(uint16_t)(grp->free_blocks >> 16);
		gd->bg_free_inodes_count_hi =
			(uint16_t)(grp->free_inodes >> 16);
		gd->bg_used_dirs_count_hi = (uint16_t)(grp->used_dirs >> 16);
		gd->bg_itable_unused_hi = (uint16_t)(grp->itable_unused >> 16);
	}
	if (fs->gdt_csum)
		gd->bg_checksum = ext4_group_csum(fs, g, gd);
	bcache_mark_dirty(b);
	bcache_put(b);
	return 0;
}

/* ---- bitmaps ------------------------------------------------------------ */

static bool test_bit(const uint8_t *map, uint32_t i)
{
	return map[i / 8] & (1u << (i % 8));
}

static void set_bit(uint8_t *map, uint32_t i)
{
	map[i / 8] |= (uint8_t)(1u << (i % 8));
}

static void clear_bit(uint8_t *map, uint32_t i)
{
	map[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

/* The first block of group g and how many it has. */
static uint64_t group_first(struct ext4_fs *fs, uint32_t g)
{
	return fs->first_data_block + (uint64_t)g * fs->blocks_per_group;
}

static uint32_t group_len(struct ext4_fs *fs, uint32_t g)
{
	return (uint32_t)MIN((uint64_t)fs->blocks_per_group,
			     fs->nblocks - group_first(fs, g));
}

static uint64_t itable_blocks(struct ext4_fs *fs)
{
	return ((uint64_t)fs->inodes_per_group * fs->inode_size + fs->bs - 1) /
	       fs->bs;
}

void ext4_alloc_init(struct ext4_fs *fs)
{
	const struct ext4_super *es = fs->es;
	struct ext4_extent_header eh;
	struct ext4_extent ex;

	/* The journal inode's i_block, as mkfs backs it up (type 1). */
	fs->njnl = 0;
	if (!(fs->compat & EXT4_COMPAT_HAS_JOURNAL) ||
	    es->s_jnl_backup_type != 1)
		return;
	kos_memcpy(&eh, es->s_jnl_blocks, sizeof(eh));
	if (eh.eh_magic != EXT4_EXT_MAGIC || eh.eh_depth != 0)
		return; /* deeper trees (huge journals) are not looked at */
	for (unsigned int i = 0; i < eh.eh_entries && i < 4; i++) {
		uint32_t len;

		kos_memcpy(&ex, (const char *)es->s_jnl_blocks + 12 * (i + 1),
			   sizeof(ex));
		len = ex.ee_len > EXT4_EXT_INIT_MAX_LEN
			      ? ex.ee_len - EXT4_EXT_INIT_MAX_LEN
			      : ex.ee_len;
		fs->jnl[fs->njnl].start =
			ex.ee_start_lo | (uint64_t)ex.ee_start_hi << 32;
		fs->jnl[fs->njnl++].len = len;
	}
}

static bool overlap(uint64_t a, uint64_t n, uint64_t b, uint64_t m)
{
	return a < b + m && b < a + n;
}

/*
 * Does [blk, blk + n), inside one group, hold metadata: its group's
 * superblock copy and descriptors, any group's bitmaps or inode table,
 * the journal?
 */
static bool is_metadata(struct ext4_fs *fs, uint64_t blk, uint64_t n)
{
	uint32_t g =
		(uint32_t)((blk - fs->first_data_block) / fs->blocks_per_group);
	uint64_t itb = itable_blocks(fs);

	if (blk < fs->first_data_block)
		return true;
	for (unsigned int i = 0; i < fs->njnl; i++)
		if (overlap(blk, n, fs->jnl[i].start, fs->jnl[i].len))
			return true;
	if (ext4_group_has_super(fs, g) &&
	    overlap(blk, n, group_first(fs, g),
		    1 + fs->gdt_blocks + fs->es->s_reserved_gdt_blocks))
		return true;
	for (uint32_t h = 0; h < fs->ngroups; h++) {
		const struct ext4_group *o = &fs->groups[h];

		if (overlap(blk, n, o->block_bitmap, 1) ||
		    overlap(blk, n, o->inode_bitmap, 1) ||
		    overlap(blk, n, o->inode_table, itb))
			return true;
	}
	return false;
}

bool ext4_blocks_are_metadata(struct ext4_fs *fs, uint64_t blk, uint64_t n)
{
	if (blk < fs->first_data_block)
		return true;
	while (n) {
		uint64_t in =
			(blk - fs->first_data_block) % fs->blocks_per_group;
		uint64_t chunk = MIN(n, fs->blocks_per_group - in);

		if (is_metadata(fs, blk, chunk))
			return true;
		blk += chunk;
		n -= chunk;
	}
	return false;
}

static uint32_t bitmap_csum(struct ext4_fs *fs, const void *map, size_t len)
{
	return kos_crc32c(fs->csum_seed, map, len);
}

/*
 * Store the block (or inode) bitmap's checksum in g's descriptor.  g's
 * lock; ext4_group_write marks the descriptor's block dirty.
 */
static int bitmap_csum_set(struct ext4_fs *fs, uint32_t g, const void *map,
			   bool inodes)
{
	uint32_t per_block = fs->bs / fs->desc_size;
	uint32_t crc;
	struct ext4_group_desc *gd;
	struct bbuf *b;
	int err;

	if (!fs->csum)
		return 0;
	crc = bitmap_csum(
		fs, map,
		(inodes ? fs->inodes_per_group : fs->blocks_per_group) / 8);
	err = ext4_bread(fs, fs->first_data_block + 1 + g / per_block, &b);
	if (err)
		return err;
	gd = (void *)((char *)b->data + (g % per_block) * fs->desc_size);
	if (inodes) {
		gd->bg_inode_bitmap_csum_lo = (uint16_t)crc;
		if (fs->desc_size >= 64)
			gd->bg_inode_bitmap_csum_hi = (uint16_t)(crc >> 16);
	} else {
		gd->bg_block_bitmap_csum_lo = (uint16_t)crc;
		if (fs->desc_size >= 64)
			gd->bg_block_bitmap_csum_hi = (uint16_t)(crc >> 16);
	}
	bcache_put(b);
	return 0;
}

/* Verify a bitmap against the checksum in g's descriptor. */
static int bitmap_check(struct ext4_fs *fs, uint32_t g, const void *map,
			bool inodes)
{
	uint32_t per_block = fs->bs / fs->desc_size;
	size_t len = (inodes ? fs->inodes_per_group : fs->blocks_per_group) / 8;
	uint32_t crc = bitmap_csum(fs, map, len), want;
	const struct ext4_group_desc *gd;
	struct bbuf *b;
	int err;

	if (!fs->csum)
		return 0;
	err = ext4_bread(fs, fs->first_data_block + 1 + g / per_block, &b);
	if (err)
		return err;
	gd = (const void *)((char *)b->data + (g % per_block) * fs->desc_size);
	want = inodes ? gd->bg_inode_bitmap_csum_lo
		      : gd->bg_block_bitmap_csum_lo;
	if (fs->desc_size >= 64)
		want |= (uint32_t)(inodes ? gd->bg_inode_bitmap_csum_hi
					  : gd->bg_block_bitmap_csum_hi)
			<< 16;
	else
		crc &= 0xffff;
	bcache_put(b);
	if (crc != want)
		return ext4_corrupt(fs, "group %u: bad %s bitmap checksum", g,
				    inodes ? "inode" : "block");
	return 0;
}

/*
 * Build g's block bitmap (BLOCK_UNINIT): its superblock copy and
 * descriptors, every group's bitmaps and inode table that lie in it,
 * the bits past its last block.
 */
static void block_bitmap_init(struct ext4_fs *fs, uint32_t g, uint8_t *map)
{
	uint64_t start = group_first(fs, g), itb = itable_blocks(fs);
	uint32_t len = group_len(fs, g);

	kos_memset(map, 0, fs->bs);
	if (ext4_group_has_super(fs, g))
		for (uint32_t i = 0;
		     i < 1 + fs->gdt_blocks + fs->es->s_reserved_gdt_blocks &&
		     i < len;
		     i++)
			set_bit(map, i);
	for (uint32_t h = 0; h < fs->ngroups; h++) {
		const struct ext4_group *o = &fs->groups[h];

		if (o->block_bitmap >= start && o->block_bitmap < start + len)
			set_bit(map, (uint32_t)(o->block_bitmap - start));
		if (o->inode_bitmap >= start && o->inode_bitmap < start + len)
			set_bit(map, (uint32_t)(o->inode_bitmap - start));
		for (uint64_t b = o->inode_table; b < o->inode_table + itb; b++)
			if (b >= start && b < start + len)
				set_bit(map, (uint32_t)(b - start));
	}
	for (uint32_t i = len; i < fs->bs * 8; i++)
		set_bit(map, i);
}

/* g's block bitmap, built or checked as need be.  g's lock held. */
static int block_bitmap(struct ext4_fs *fs, uint32_t g, struct bbuf **out)
{
	struct ext4_group *grp = &fs->groups[g];
	int err = ext4_bread(fs, grp->block_bitmap, out);

	if (err)
		return err;
	if (grp->flags & EXT4_BG_BLOCK_UNINIT) {
		block_bitmap_init(fs, g, (*out)->data);
		grp->flags &= ~EXT4_BG_BLOCK_UNINIT;
		err = bitmap_csum_set(fs, g, (*out)->data, false);
		if (!err)
			err = ext4_group_write(fs, g);
		bcache_mark_dirty(*out);
		grp->bb_checked = true;
	} else if (!grp->bb_checked) {
		err = bitmap_check(fs, g, (*out)->data, false);
		grp->bb_checked = !err;
	}
	if (err) {
		bcache_put(*out);
		*out = NULL;
	}
	return err;
}

static int inode_bitmap(struct ext4_fs *fs, uint32_t g, struct bbuf **out)
{
	struct ext4_group *grp = &fs->groups[g];
	int err = ext4_bread(fs, grp->inode_bitmap, out);

	if (err)
		return err;
	if (grp->flags & EXT4_BG_INODE_UNINIT) {
		uint8_t *map = (*out)->data;

		kos_memset(map, 0, fs->bs);
		for (uint32_t i = fs->inodes_per_group; i < fs->bs * 8; i++)
			set_bit(map, i);
		grp->flags &= ~EXT4_BG_INODE_UNINIT;
		err = bitmap_csum_set(fs, g, map, true);
		if (!err)
			err = ext4_group_write(fs, g);
		bcache_mark_dirty(*out);
		grp->ib_checked = true;
	} else if (!grp->ib_checked) {
		err = bitmap_check(fs, g, (*out)->data, true);
		grp->ib_checked = !err;
	}
	if (err) {
		bcache_put(*out);
		*out = NULL;
	}
	return err;
}

/* ---- blocks ------------------------------------------------------------- */

uint64_t ext4_avail_blocks(struct ext4_fs *fs, bool reserve)
{
	uint64_t r = reserve ? 0 : fs->r_blocks;

	return fs->free_blocks > r ? fs->free_blocks - r : 0;
}

/*
 * In group g (its lock held): a free run from bit start on (the first
 * free bit at or after start, then the rest of the group, wrapping to
 * its start), at most want long.  0 with *got 0: the group is full.
 */
static int take_run(struct ext4_fs *fs, uint32_t g, uint32_t start,
		    uint32_t want, uint64_t *first, uint32_t *got)
{
	struct ext4_group *grp = &fs->groups[g];
	uint32_t len = group_len(fs, g), i, n = 0;
	struct bbuf *b;
	uint8_t *map;
	int err;

	*got = 0;
	if (grp->free_blocks == 0)
		return 0;
	err = block_bitmap(fs, g, &b);
	if (err)
		return err;
	map = b->data;
	if (start >= len)
		start = 0;
	for (i = start; i < len && test_bit(map, i); i++)
		;
	if (i == len)
		for (i = 0; i < start && test_bit(map, i); i++)
			;
	if (i == len || (i == start && test_bit(map, i))) {
		bcache_put(b);
		return 0;
	}
	while (n < want && i + n < len && !test_bit(map, i + n))
		n++;
	if (is_metadata(fs, group_first(fs, g) + i, n)) {
		bcache_put(b);
		return ext4_corrupt(
			fs,
			"group %u: metadata in free blocks "
			"%llu+%u of its bitmap",
			g, (unsigned long long)(group_first(fs, g) + i), n);
	}
	if (n > grp->free_blocks) {
		bcache_put(b);
		return ext4_corrupt(fs, "group %u: free count below bitmap's",
				    g);
	}
	for (uint32_t k = 0; k < n; k++)
		set_bit(map, i + k);
	grp->free_blocks -= n;
	err = bitmap_csum_set(fs, g, map, false);
	bcache_mark_dirty(b);
	bcache_put(b);
	if (!err)
		err = ext4_group_write(fs, g);
	if (err)
		return err;
	*first = group_first(fs, g) + i;
	*got = n;
	return 0;
}

int ext4_alloc_blocks(struct ext4_fs *fs, uint64_t goal, uint32_t want,
		      bool reserve, uint64_t *first, uint32_t *got)
{
	uint32_t gg, n, start;
	int err = 0;

	*got = 0;
	if (want == 0)
		want = 1;
	want = MIN(want, fs->blocks_per_group);
	mutex_lock(&fs->sb_lock);
	n = (uint32_t)MIN((uint64_t)want, ext4_avail_blocks(fs, reserve));
	fs->free_blocks -= n;
	fs->sb_dirty = true;
	mutex_unlock(&fs->sb_lock);
	if (n == 0)
		return -ENOSPC;
	if (goal < fs->first_data_block || goal >= fs->nblocks)
		goal = fs->first_data_block;
	gg = (uint32_t)((goal - fs->first_data_block) / fs->blocks_per_group);
	start = (uint32_t)((goal - fs->first_data_block) %
			   fs->blocks_per_group);
	for (uint32_t k = 0; k < fs->ngroups && !err && !*got; k++) {
		uint32_t g = (gg + k) % fs->ngroups;

		mutex_lock(&fs->groups[g].lock);
		err = take_run(fs, g, k ? 0 : start, n, first, got);
		mutex_unlock(&fs->groups[g].lock);
	}
	mutex_lock(&fs->sb_lock);
	fs->free_blocks += n - *got;
	mutex_unlock(&fs->sb_lock);
	if (!err && !*got)
		err = ext4_corrupt(fs, "free block count above the bitmaps'");
	return err;
}

int ext4_free_blocks(struct ext4_fs *fs, uint64_t first, uint64_t count)
{
	if (count == 0)
		return 0;
	if (first < fs->first_data_block || first >= fs->nblocks ||
	    count > fs->nblocks - first)
		return ext4_corrupt(fs, "freeing blocks %llu+%llu outside",
				    (unsigned long long)first,
				    (unsigned long long)count);
	while (count) {
		uint32_t g = (uint32_t)((first - fs->first_data_block) /
					fs->blocks_per_group);
		uint32_t i = (uint32_t)(first - group_first(fs, g));
		uint32_t n =
			(uint32_t)MIN(count, (uint64_t)group_len(fs, g) - i);
		struct ext4_group *grp = &fs->groups[g];
		struct bbuf *b;
		uint8_t *map;
		int err;

		if (is_metadata(fs, first, n))
			return ext4_corrupt(fs, "freeing metadata in %llu+%u",
					    (unsigned long long)first, n);
		mutex_lock(&grp->lock);
		err = block_bitmap(fs, g, &b);
		if (err) {
			mutex_unlock(&grp->lock);
			return err;
		}
		map = b->data;
		for (uint32_t k = 0; k < n && !err; k++)
			if (!test_bit(map, i + k))
				err = ext4_corrupt(
					fs, "freeing free block %llu",
					(unsigned long long)(first + k));
		if (!err) {
			for (uint32_t k = 0; k < n; k++)
				clear_bit(map, i + k);
			grp->free_blocks += n;
			err = bitmap_csum_set(fs, g, map, false);
			bcache_mark_dirty(b);
		}
		bcache_put(b);
		if (!err)
			err = ext4_group_write(fs, g);
		mutex_unlock(&grp->lock);
		if (err)
			return err;
		mutex_lock(&fs->sb_lock);
		fs->free_blocks += n;
		fs->sb_dirty = true;
		mutex_unlock(&fs->sb_lock);
		first += n;
		count -= n;
	}
	return 0;
}

/* ---- inodes ------------------------------------------------------------- */

/*
 * A group for a new directory: among the groups with at least the
 * average free inodes and free blocks, the one with the fewest
 * directories, looked at from a start that depends on the parent (so
 * siblings spread).  Any group with a free inode if none is.
 */
static uint32_t dir_group(struct ext4_fs *fs, uint32_t dir_ino)
{
	uint64_t fi = 0, fb = 0;
	uint32_t best = UINT32_MAX, best_dirs = UINT32_MAX;
	uint32_t start = (dir_ino * 2654435761u) % fs->ngroups;

	for (uint32_t g = 0; g < fs->ngroups; g++) {
		fi += fs->groups[g].free_inodes;
		fb += fs->groups[g].free_blocks;
	}
	fi /= fs->ngroups;
	fb /= fs->ngroups;
	for (uint32_t k = 0; k < fs->ngroups; k++) {
		uint32_t g = (start + k) % fs->ngroups;
		const struct ext4_group *grp = &fs->groups[g];

		if (grp->free_inodes && grp->free_inodes >= fi &&
		    grp->free_blocks >= fb && grp->used_dirs < best_dirs) {
			best = g;
			best_dirs = grp->used_dirs;
		}
	}
	return best == UINT32_MAX ? start : best;
}

/* Take the first free inode of group g (its lock held); 0: none. */
static int take_ino(struct ext4_fs *fs, uint32_t g, bool is_dir, uint32_t *ino)
{
	struct ext4_group *grp = &fs->groups[g];
	uint32_t i = 0;
	struct bbuf *b;
	uint8_t *map;
	int err;

	*ino = 0;
	if (grp->free_inodes == 0)
		return 0;
	/* An inode in use needs the group's block bitmap made too. */
	if (grp->flags & EXT4_BG_BLOCK_UNINIT) {
		err = block_bitmap(fs, g, &b);
		if (err)
			return err;
		bcache_put(b);
	}
	err = inode_bitmap(fs, g, &b);
	if (err)
		return err;
	map = b->data;
	if (g == 0)
		i = fs->first_ino - 1; /* the reserved inodes */
	for (; i < fs->inodes_per_group && test_bit(map, i); i++)
		;
	if (i == fs->inodes_per_group) {
		bcache_put(b);
		return ext4_corrupt(fs,
				    "group %u: free inode count above "
				    "the bitmap's",
				    g);
	}
	set_bit(map, i);
	grp->free_inodes--;
	if (is_dir)
		grp->used_dirs++;
	if (fs->gdt_csum && i >= fs->inodes_per_group - grp->itable_unused)
		grp->itable_unused = fs->inodes_per_group - i - 1;
	err = bitmap_csum_set(fs, g, map, true);
	bcache_mark_dirty(b);
	bcache_put(b);
	if (!err)
		err = ext4_group_write(fs, g);
	if (!err)
		*ino = g * fs->inodes_per_group + i + 1;
	return err;
}

int ext4_alloc_ino(struct ext4_fs *fs, uint32_t dir_ino, uint32_t mode,
		   uint32_t *ino)
{
	bool is_dir = S_ISDIR(mode);
	uint32_t start;
	int err = 0;

	*ino = 0;
	mutex_lock(&fs->sb_lock);
	if (fs->free_inodes == 0) {
		mutex_unlock(&fs->sb_lock);
		return -ENOSPC;
	}
	fs->free_inodes--;
	fs->sb_dirty = true;
	mutex_unlock(&fs->sb_lock);
	if (is_dir)
		start = dir_group(fs, dir_ino);
	else if (dir_ino >= 1 && dir_ino <= fs->ninodes)
		start = (dir_ino - 1) / fs->inodes_per_group;
	else
		start = 0;
	for (uint32_t k = 0; k < fs->ngroups && !err && !*ino; k++) {
		uint32_t g = (start + k) % fs->ngroups;

		mutex_lock(&fs->groups[g].lock);
		err = take_ino(fs, g, is_dir, ino);
		mutex_unlock(&fs->groups[g].lock);
	}
	if (!*ino) {
		mutex_lock(&fs->sb_lock);
		fs->free_inodes++;
		mutex_unlock(&fs->sb_lock);
		if (!err)
			err = ext4_corrupt(fs, "free inode count above the "
					       "bitmaps'");
	}
	return err;
}

int ext4_free_ino(struct ext4_fs *fs, uint32_t ino, bool is_dir)
{
	uint32_t g, i;
	struct ext4_group *grp;
	struct bbuf *b;
	int err;

	if (ino < fs->first_ino || ino > fs->ninodes)
		return ext4_corrupt(fs, "freeing bad inode %u", ino);
	g = (ino - 1) / fs->inodes_per_group;
	i = (ino - 1) % fs->inodes_per_group;
	grp = &fs->groups[g];
	mutex_lock(&grp->lock);
	err = inode_bitmap(fs, g, &b);
	if (err) {
		mutex_unlock(&grp->lock);
		return err;
	}
	if (!test_bit(b->data, i)) {
		err = ext4_corrupt(fs, "freeing free inode %u", ino);
	} else {
		clear_bit(b->data, i);
		grp->free_inodes++;
		if (is_dir && grp->used_dirs)
			grp->used_dirs--;
		err = bitmap_csum_set(fs, g, b->data, true);
		bcache_mark_dirty(b);
	}
	bcache_put(b);
	if (!err)
		err = ext4_group_write(fs, g);
	mutex_unlock(&grp->lock);
	if (!err) {
		mutex_lock(&fs->sb_lock);
		fs->free_inodes++;
		fs->sb_dirty = true;
		mutex_unlock(&fs->sb_lock);
	}
	return err;
}
