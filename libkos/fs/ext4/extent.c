/*
 * ext4 block mapping: a file's logical block to the disk block that
 * holds it.
 *
 * Extent trees (EXTENTS_FL): the root node sits in the inode's i_block
 * (a 12-byte header and up to four 12-byte entries); deeper nodes are
 * blocks with the same header, their entries, and with metadata_csum a
 * crc32c tail after eh_max entries.  Index entries point to the node
 * covering the logical blocks from theirs to the next entry's; leaf
 * entries are extents (first logical block, length, first disk block;
 * a length over 32768 marks an unwritten extent of length - 32768).
 * Every node is checked before use: magic, entry counts against the
 * room there is, depth (at most 5, one less at each level), ascending
 * and non-overlapping entries, children and extents inside the file
 * system, and the checksum of each block.
 *
 * Inodes without EXTENTS_FL use the old ext2/ext3 map: twelve direct
 * block numbers, then single, double and triple indirect blocks.
 *
 * Nothing is cached between calls beyond what the buffer cache keeps:
 * a lookup of a depth-d tree costs d buffer-cache gets.
 */
#include <kos/blkdev.h>
#include <kos/crc32c.h>
#include <kos/string.h>
#include <uapi/errno.h>

#include "ext4.h"

/*
 * Check an extent node header: room bytes of node hold it and its
 * entries; depth must be want (or anything up to the maximum for the
 * root, want < 0).
 */
static int check_node(struct ext4_inode_info *ei,
		      const struct ext4_extent_header *eh, size_t room,
		      int want, uint64_t blk)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	size_t cap = (room - sizeof(*eh)) / sizeof(struct ext4_extent);

	if (eh->eh_magic != EXT4_EXT_MAGIC || eh->eh_max == 0 ||
	    eh->eh_max > cap || eh->eh_entries > eh->eh_max ||
	    eh->eh_depth > EXT4_EXT_MAX_DEPTH ||
	    (want >= 0 && eh->eh_depth != want))
		return ext4_corrupt(fs,
				    "inode %llu: bad extent node (block "
				    "%llu)",
				    (unsigned long long)ei->v.ino,
				    (unsigned long long)blk);
	return 0;
}

/* The checksum after eh_max entries of a tree block. */
static int check_node_csum(struct ext4_inode_info *ei, const void *block,
			   uint64_t blk)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	const struct ext4_extent_header *eh = block;
	size_t tail = sizeof(*eh) + eh->eh_max * sizeof(struct ext4_extent);
	uint32_t want;

	if (!fs->csum)
		return 0;
	if (tail + 4 > fs->bs)
		return ext4_corrupt(fs,
				    "inode %llu: no room for the extent "
				    "block checksum (block %llu)",
				    (unsigned long long)ei->v.ino,
				    (unsigned long long)blk);
	kos_memcpy(&want, (const char *)block + tail, 4);
	if (kos_crc32c(ei->csum_seed, block, tail) != want)
		return ext4_corrupt(fs,
				    "inode %llu: bad extent block checksum "
				    "(block %llu)",
				    (unsigned long long)ei->v.ino,
				    (unsigned long long)blk);
	return 0;
}

/* A hole from lblk up to (not including) end: at most max blocks. */
static void hole(uint32_t lblk, uint64_t end, uint32_t max, uint64_t *pblk,
		 uint32_t *count)
{
	*pblk = 0;
	*count = (uint32_t)MIN((uint64_t)max, end - lblk);
}

/* Look lblk up in a leaf's extents; end bounds what the leaf covers. */
static int map_leaf(struct ext4_inode_info *ei,
		    const struct ext4_extent_header *eh, uint64_t end,
		    uint32_t lblk, uint32_t max, uint64_t *pblk,
		    uint32_t *count, uint64_t blk)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	const struct ext4_extent *ex = (const void *)(eh + 1);
	uint64_t prev_end = 0;

	for (unsigned int i = 0; i < eh->eh_entries; i++) {
		uint32_t len = ex[i].ee_len;
		bool unwritten = len > EXT4_EXT_INIT_MAX_LEN;
		uint64_t start = ex[i].ee_start_lo | (uint64_t)ex[i].ee_start_hi
							     << 32;
		uint64_t off;

		if (unwritten)
			len -= EXT4_EXT_INIT_MAX_LEN;
		if (len == 0 || ex[i].ee_block < prev_end ||
		    (uint64_t)ex[i].ee_block + len > (1ULL << 32) ||
		    start <= fs->first_data_block || start >= fs->nblocks ||
		    len > fs->nblocks - start)
			return ext4_corrupt(fs,
					    "inode %llu: bad extent %u "
					    "(block %llu)",
					    (unsigned long long)ei->v.ino, i,
					    (unsigned long long)blk);
		prev_end = (uint64_t)ex[i].ee_block + len;
		if (lblk < ex[i].ee_block) {
			hole(lblk, ex[i].ee_block, max, pblk, count);
			return 0;
		}
		if (lblk >= prev_end)
			continue;
		off = lblk - ex[i].ee_block;
		*pblk = unwritten ? 0 : start + off;
		*count = (uint32_t)MIN((uint64_t)max, len - off);
		return 0;
	}
	hole(lblk, end, max, pblk, count);
	return 0;
}

static int map_extents(struct ext4_inode_info *ei, uint32_t lblk, uint32_t max,
		       uint64_t *pblk, uint32_t *count)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	const struct ext4_extent_header *eh =
		(const void *)ext4_raw(ei)->i_block;
	size_t room = sizeof(ext4_raw(ei)->i_block);
	uint64_t end = 1ULL << 32, blk = 0;
	struct bbuf *b = NULL;
	int want = -1, err;

	for (;;) {
		const struct ext4_extent_idx *ix = (const void *)(eh + 1);
		uint64_t child;
		int i = -1;

		err = check_node(ei, eh, room, want, blk);
		if (err || eh->eh_depth == 0)
			break;
		for (unsigned int k = 0; k < eh->eh_entries; k++) {
			if (k && ix[k].ei_block <= ix[k - 1].ei_block) {
				err = ext4_corrupt(
					fs,
					"inode %llu: unsorted "
					"extent index (block %llu)",
					(unsigned long long)ei->v.ino,
					(unsigned long long)blk);
				goto out;
			}
			if (ix[k].ei_block > lblk)
				break;
			i = (int)k;
		}
		if (i < 0) { /* before the first entry (or none at all) */
			hole(lblk, eh->eh_entries ? ix[0].ei_block : end, max,
			     pblk, count);
			goto out;
		}
		if ((unsigned int)i + 1 < eh->eh_entries)
			end = MIN(end, (uint64_t)ix[i + 1].ei_block);
		child = ix[i].ei_leaf_lo | (uint64_t)ix[i].ei_leaf_hi << 32;
		want = eh->eh_depth - 1;
		bcache_put(b);
		b = NULL;
		err = ext4_bread(fs, child, &b);
		if (!err)
			err = check_node_csum(ei, b->data, child);
		if (err)
			goto out;
		blk = child;
		eh = b->data;
		room = fs->bs;
	}
	if (!err)
		err = map_leaf(ei, eh, end, lblk, max, pblk, count, blk);
out:
	bcache_put(b);
	return err;
}

/* ---- the old indirect map ----------------------------------------------- */

/* Entry i of an indirect block blk (0: a hole). */
static int ind_entry(struct ext4_inode_info *ei, uint64_t blk, uint32_t i,
		     uint32_t *out)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	struct bbuf *b;
	int err = ext4_bread(fs, blk, &b);

	if (err)
		return err;
	kos_memcpy(out, (char *)b->data + (size_t)i * 4, 4);
	bcache_put(b);
	return 0;
}

static int map_indirect(struct ext4_inode_info *ei, uint32_t lblk,
			uint64_t *pblk, uint32_t *count)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	uint32_t per = fs->bs / 4, path[4], depth, cur;
	uint64_t l = lblk, pp = (uint64_t)per * per;

	*pblk = 0;
	*count = 1;
	if (l < 12) {
		path[0] = (uint32_t)l;
		depth = 1;
	} else if ((l -= 12) < per) {
		path[0] = 12;
		path[1] = (uint32_t)l;
		depth = 2;
	} else if ((l -= per) < pp) {
		path[0] = 13;
		path[1] = (uint32_t)(l / per);
		path[2] = (uint32_t)(l % per);
		depth = 3;
	} else if ((l -= pp) < pp * per) {
		path[0] = 14;
		path[1] = (uint32_t)(l / pp);
		path[2] = (uint32_t)(l / per % per);
		path[3] = (uint32_t)(l % per);
		depth = 4;
	} else {
		return 0; /* past what the map can address: a hole */
	}
	kos_memcpy(&cur, ext4_raw(ei)->i_block + path[0] * 4, 4);
	for (uint32_t d = 1; d < depth && cur; d++) {
		int err;

		if (cur <= fs->first_data_block || cur >= fs->nblocks)
			break;
		err = ind_entry(ei, cur, path[d], &cur);
		if (err)
			return err;
	}
	if (cur && (cur <= fs->first_data_block || cur >= fs->nblocks))
		return ext4_corrupt(fs, "inode %llu: bad block %u in its map",
				    (unsigned long long)ei->v.ino, cur);
	*pblk = cur;
	return 0;
}

int ext4_map(struct ext4_inode_info *ei, uint32_t lblk, uint32_t max,
	     uint64_t *pblk, uint32_t *count)
{
	if (max == 0)
		max = 1;
	if (ei->flags & EXT4_EXTENTS_FL)
		return map_extents(ei, lblk, max, pblk, count);
	return map_indirect(ei, lblk, pblk, count);
}
