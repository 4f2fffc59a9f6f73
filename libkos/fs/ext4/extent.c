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

/*
 * The checksum after eh_max entries of tree block b (disk block blk):
 * its place every time, the crc once per read of the block from the
 * disk (the buffer's verified mark, kos/bcache.h).
 */
static int check_node_csum(struct ext4_inode_info *ei, struct bbuf *b,
			   uint64_t blk)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	const void *block = b->data;
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
	if (bcache_verified(b))
		return 0;
	kos_memcpy(&want, (const char *)block + tail, 4);
	if (kos_crc32c(ei->csum_seed, block, tail) != want)
		return ext4_corrupt(fs,
				    "inode %llu: bad extent block checksum "
				    "(block %llu)",
				    (unsigned long long)ei->v.ino,
				    (unsigned long long)blk);
	bcache_set_verified(b);
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
		/* data over metadata: Linux's block_validity says corrupt */
		if (ei->v.ino != fs->es->s_journal_inum &&
		    ext4_blocks_are_metadata(fs, start, len))
			return ext4_corrupt(fs,
					    "inode %llu: extent %u over "
					    "metadata (block %llu)",
					    (unsigned long long)ei->v.ino, i,
					    (unsigned long long)blk);
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
			err = check_node_csum(ei, b, child);
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
	int err;

	if (max == 0)
		max = 1;
	if (!(ei->flags & EXT4_EXTENTS_FL))
		return map_indirect(ei, lblk, pblk, count);
	mutex_lock(&ei->map_lock);
	err = map_extents(ei, lblk, max, pblk, count);
	mutex_unlock(&ei->map_lock);
	return err;
}

/* ---- changing extent trees ------------------------------------------ */

/*
 * A walk from the root to the leaf for one logical block: level 0 is
 * the root in i_block, each deeper level a tree block held in b.  At an
 * index level pos is the entry followed; at the leaf, the extent the
 * block falls in or after (-1: before the first).
 */
struct ext_path {
	struct ext4_extent_header *eh;
	struct bbuf *b; /* NULL: the root */
	uint64_t blk;
	int pos;
};

struct ext_walk {
	struct ext_path p[EXT4_EXT_MAX_DEPTH + 1];
	int depth; /* of the tree: p[depth] is the leaf */
};

static uint64_t ext_pblk(const struct ext4_extent *ex)
{
	return ex->ee_start_lo | (uint64_t)ex->ee_start_hi << 32;
}

static void ext_set_pblk(struct ext4_extent *ex, uint64_t pblk)
{
	ex->ee_start_lo = (uint32_t)pblk;
	ex->ee_start_hi = (uint16_t)(pblk >> 32);
}

static uint32_t ext_len(const struct ext4_extent *ex)
{
	return ex->ee_len > EXT4_EXT_INIT_MAX_LEN
		       ? ex->ee_len - EXT4_EXT_INIT_MAX_LEN
		       : ex->ee_len;
}

static bool ext_unwritten(const struct ext4_extent *ex)
{
	return ex->ee_len > EXT4_EXT_INIT_MAX_LEN;
}

static uint64_t idx_pblk(const struct ext4_extent_idx *ix)
{
	return ix->ei_leaf_lo | (uint64_t)ix->ei_leaf_hi << 32;
}

static void walk_release(struct ext_walk *w)
{
	for (int i = 0; i <= w->depth && i <= EXT4_EXT_MAX_DEPTH; i++) {
		bcache_put(w->p[i].b);
		w->p[i].b = NULL;
	}
}

/* A tree block's checksum tail, recomputed, and the buffer dirty. */
static void node_dirty(struct ext4_inode_info *ei, struct ext_path *p)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);

	if (!p->b)
		return; /* the root: written with the inode */
	if (fs->csum) {
		size_t tail = sizeof(*p->eh) +
			      p->eh->eh_max * sizeof(struct ext4_extent);
		uint32_t c = kos_crc32c(ei->csum_seed, p->b->data, tail);

		kos_memcpy((char *)p->b->data + tail, &c, 4);
	}
	bcache_mark_dirty(p->b);
}

static int walk(struct ext4_inode_info *ei, uint32_t lblk, struct ext_walk *w)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	struct ext4_extent_header *eh = (void *)ext4_raw(ei)->i_block;
	size_t room = sizeof(ext4_raw(ei)->i_block);
	int want = -1, err, lvl = 0;

	kos_memset(w, 0, sizeof(*w));
	for (;;) {
		struct ext4_extent_idx *ix = (void *)(eh + 1);
		int i = -1;

		err = check_node(ei, eh, room, want, w->p[lvl].blk);
		if (err)
			goto fail;
		w->p[lvl].eh = eh;
		if (lvl == 0)
			w->depth = eh->eh_depth;
		if (eh->eh_depth == 0)
			break;
		if (eh->eh_entries == 0) {
			err = ext4_corrupt(fs, "inode %llu: empty extent index",
					   (unsigned long long)ei->v.ino);
			goto fail;
		}
		for (unsigned int k = 0; k < eh->eh_entries; k++) {
			if (k && ix[k].ei_block <= ix[k - 1].ei_block) {
				err = ext4_corrupt(
					fs,
					"inode %llu: unsorted "
					"extent index",
					(unsigned long long)ei->v.ino);
				goto fail;
			}
			if (ix[k].ei_block > lblk && k)
				break;
			i = (int)k;
		}
		w->p[lvl].pos = i;
		want = eh->eh_depth - 1;
		lvl++;
		w->p[lvl].blk = idx_pblk(&ix[i]);
		err = ext4_bread(fs, w->p[lvl].blk, &w->p[lvl].b);
		if (!err)
			err = check_node_csum(ei, w->p[lvl].b, w->p[lvl].blk);
		if (err)
			goto fail;
		eh = w->p[lvl].b->data;
		room = fs->bs;
	}
	{
		struct ext4_extent *ex = (void *)(eh + 1);
		int i = -1;

		for (unsigned int k = 0; k < eh->eh_entries; k++) {
			uint32_t len = ext_len(&ex[k]);
			uint64_t start = ext_pblk(&ex[k]);

			if (len == 0 ||
			    (k &&
			     ex[k].ee_block < (uint64_t)ex[k - 1].ee_block +
						      ext_len(&ex[k - 1])) ||
			    (uint64_t)ex[k].ee_block + len > (1ULL << 32) ||
			    start <= fs->first_data_block ||
			    start >= fs->nblocks || len > fs->nblocks - start) {
				err = ext4_corrupt(
					fs, "inode %llu: bad extent %u",
					(unsigned long long)ei->v.ino, k);
				goto fail;
			}
			if (ex[k].ee_block <= lblk)
				i = (int)k;
		}
		w->p[lvl].pos = i;
	}
	return 0;
fail:
	walk_release(w);
	return err;
}

/* A new, empty tree block at depth, near goal; i_blocks counts it. */
static int new_node(struct ext4_inode_info *ei, uint64_t goal, int depth,
		    struct ext_path *p)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	uint64_t blk;
	uint32_t got;
	int err = ext4_alloc_blocks(fs, goal, 1, false, &blk, &got);

	if (err)
		return err;
	err = bcache_get(fs->bc, blk, &p->b);
	if (err) {
		ext4_free_blocks(fs, blk, 1);
		return err;
	}
	kos_memset(p->b->data, 0, fs->bs);
	p->blk = blk;
	p->eh = p->b->data;
	p->eh->eh_magic = EXT4_EXT_MAGIC;
	p->eh->eh_max = (uint16_t)((fs->bs - sizeof(*p->eh)) /
				   sizeof(struct ext4_extent));
	p->eh->eh_depth = (uint16_t)depth;
	ei->v.blocks += fs->bs / 512;
	return 0;
}

/* The first logical block a node covers (its first entry's). */
static uint32_t node_first(const struct ext4_extent_header *eh)
{
	return ((const struct ext4_extent_idx *)(eh + 1))->ei_block;
}

/*
 * Make room: the root moves into a new block under it (the tree grows
 * by a level), or the full node below the deepest one with room is
 * split in two.  The caller walks again.
 */
static int make_room(struct ext4_inode_info *ei, struct ext_walk *w,
		     uint64_t goal)
{
	struct ext_path np = { 0 };
	int k = w->depth, err;

	while (k >= 0 && w->p[k].eh->eh_entries >= w->p[k].eh->eh_max)
		k--;
	if (k < 0) { /* everything full: grow */
		struct ext4_extent_header *root = w->p[0].eh;
		struct ext4_extent_idx *ix = (void *)(root + 1);

		if (w->depth >= EXT4_EXT_MAX_DEPTH)
			return -ENOSPC;
		err = new_node(ei, goal, root->eh_depth, &np);
		if (err)
			return err;
		kos_memcpy(np.eh + 1, root + 1,
			   root->eh_entries * sizeof(struct ext4_extent));
		np.eh->eh_entries = root->eh_entries;
		node_dirty(ei, &np);
		root->eh_depth++;
		root->eh_entries = 1;
		ix[0].ei_block = node_first(np.eh);
		ix[0].ei_leaf_lo = (uint32_t)np.blk;
		ix[0].ei_leaf_hi = (uint16_t)(np.blk >> 32);
		ix[0].ei_unused = 0;
		bcache_put(np.b);
		return 0;
	}
	/* Split node k + 1 (full), a child of k (room). */
	{
		struct ext_path *c = &w->p[k + 1], *par = &w->p[k];
		struct ext4_extent_idx *pix = (void *)(par->eh + 1);
		unsigned int n = c->eh->eh_entries, keep, at;
		int pos = w->p[k + 1].pos;

		/* Appending at the end: move just the last entry. */
		keep = (pos >= 0 && (unsigned int)pos + 1 >= n) ? n - 1 : n / 2;
		err = new_node(ei, goal, c->eh->eh_depth, &np);
		if (err)
			return err;
		kos_memcpy(np.eh + 1,
			   (char *)(c->eh + 1) +
				   keep * sizeof(struct ext4_extent),
			   (n - keep) * sizeof(struct ext4_extent));
		np.eh->eh_entries = (uint16_t)(n - keep);
		c->eh->eh_entries = (uint16_t)keep;
		node_dirty(ei, &np);
		node_dirty(ei, c);
		at = (unsigned int)par->pos + 1;
		kos_memmove(&pix[at + 1], &pix[at],
			    (par->eh->eh_entries - at) * sizeof(*pix));
		pix[at].ei_block = node_first(np.eh);
		pix[at].ei_leaf_lo = (uint32_t)np.blk;
		pix[at].ei_leaf_hi = (uint16_t)(np.blk >> 32);
		pix[at].ei_unused = 0;
		par->eh->eh_entries++;
		node_dirty(ei, par);
		bcache_put(np.b);
	}
	return 0;
}

/*
 * Put extent nx (not overlapping any) into the tree, merging it into
 * the extent before it when they continue each other.
 */
static int ext_insert(struct ext4_inode_info *ei, const struct ext4_extent *nx)
{
	struct ext_walk w;
	int err;

	for (int tries = 0; tries < 4 * (EXT4_EXT_MAX_DEPTH + 1); tries++) {
		struct ext_path *lf;
		struct ext4_extent *ex;
		int pos;

		err = walk(ei, nx->ee_block, &w);
		if (err)
			return err;
		lf = &w.p[w.depth];
		ex = (void *)(lf->eh + 1);
		pos = lf->pos;
		if (pos >= 0 && ext_unwritten(&ex[pos]) == ext_unwritten(nx) &&
		    ex[pos].ee_block + ext_len(&ex[pos]) == nx->ee_block &&
		    ext_pblk(&ex[pos]) + ext_len(&ex[pos]) == ext_pblk(nx) &&
		    ext_len(&ex[pos]) + ext_len(nx) <=
			    (ext_unwritten(nx) ? EXT4_EXT_INIT_MAX_LEN - 1
					       : EXT4_EXT_INIT_MAX_LEN)) {
			ex[pos].ee_len += (uint16_t)ext_len(nx);
			node_dirty(ei, lf);
			walk_release(&w);
			return 0;
		}
		if (lf->eh->eh_entries < lf->eh->eh_max) {
			unsigned int at = (unsigned int)(pos + 1);

			kos_memmove(&ex[at + 1], &ex[at],
				    (lf->eh->eh_entries - at) * sizeof(*ex));
			ex[at] = *nx;
			lf->eh->eh_entries++;
			node_dirty(ei, lf);
			/* A new first entry: the index keys above follow. */
			for (int l = w.depth - 1; l >= 0 && at == 0; l--) {
				struct ext4_extent_idx *ix =
					(void *)(w.p[l].eh + 1);

				if (ix[w.p[l].pos].ei_block <= nx->ee_block)
					break;
				ix[w.p[l].pos].ei_block = nx->ee_block;
				node_dirty(ei, &w.p[l]);
				at = (unsigned int)w.p[l].pos;
			}
			walk_release(&w);
			return 0;
		}
		err = make_room(ei, &w, ext_pblk(nx));
		walk_release(&w);
		if (err)
			return err;
	}
	return ext4_corrupt(EXT4_FS(ei->v.sb),
			    "inode %llu: extent tree will not take an extent",
			    (unsigned long long)ei->v.ino);
}

/* Where new blocks for lblk should go: after the extent before it. */
static uint64_t alloc_goal(struct ext4_inode_info *ei, struct ext_walk *w,
			   uint32_t lblk)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	struct ext_path *lf = &w->p[w->depth];
	struct ext4_extent *ex = (void *)(lf->eh + 1);

	if (lf->pos >= 0)
		return ext_pblk(&ex[lf->pos]) + (lblk - ex[lf->pos].ee_block);
	if (lf->eh->eh_entries)
		return ext_pblk(&ex[0]);
	return fs->first_data_block +
	       (uint64_t)((ei->v.ino - 1) / fs->inodes_per_group) *
		       fs->blocks_per_group;
}

/*
 * Extent pos of the leaf (unwritten) has [lblk, lblk + n) written now:
 * it keeps its first piece, the others go in as new extents.
 */
static int convert_unwritten(struct ext4_inode_info *ei, struct ext_walk *w,
			     uint32_t lblk, uint32_t n)
{
	struct ext_path *lf = &w->p[w->depth];
	struct ext4_extent *e = (struct ext4_extent *)(lf->eh + 1) + lf->pos;
	struct ext4_extent pieces[3];
	uint32_t s = e->ee_block, len = ext_len(e);
	uint64_t pb = ext_pblk(e);
	int np = 0, err = 0;

	/* Writing the head next to a written extent: that one grows. */
	if (lblk == s && lf->pos > 0) {
		struct ext4_extent *pv = e - 1;

		if (!ext_unwritten(pv) &&
		    pv->ee_block + ext_len(pv) == (uint64_t)s &&
		    ext_pblk(pv) + ext_len(pv) == pb &&
		    ext_len(pv) + n <= EXT4_EXT_INIT_MAX_LEN) {
			pv->ee_len = (uint16_t)(pv->ee_len + n);
			if (n == len) { /* e is gone */
				unsigned int at = (unsigned int)lf->pos;

				kos_memmove(e, e + 1,
					    (lf->eh->eh_entries - at - 1) *
						    sizeof(*e));
				lf->eh->eh_entries--;
			} else {
				e->ee_block = s + n;
				e->ee_len = (uint16_t)(len - n +
						       EXT4_EXT_INIT_MAX_LEN);
				ext_set_pblk(e, pb + n);
			}
			node_dirty(ei, lf);
			walk_release(w);
			return 0;
		}
	}
	if (lblk > s) {
		pieces[np].ee_block = s;
		pieces[np].ee_len =
			(uint16_t)(lblk - s + EXT4_EXT_INIT_MAX_LEN);
		ext_set_pblk(&pieces[np++], pb);
	}
	pieces[np].ee_block = lblk;
	pieces[np].ee_len = (uint16_t)n;
	ext_set_pblk(&pieces[np++], pb + (lblk - s));
	if (lblk + n < s + len) {
		pieces[np].ee_block = lblk + n;
		pieces[np].ee_len =
			(uint16_t)(s + len - lblk - n + EXT4_EXT_INIT_MAX_LEN);
		ext_set_pblk(&pieces[np++], pb + (lblk + n - s));
	}
	*e = pieces[0];
	node_dirty(ei, lf);
	walk_release(w);
	for (int i = 1; i < np && !err; i++)
		err = ext_insert(ei, &pieces[i]);
	return err;
}

static int get_blocks(struct ext4_inode_info *ei, uint32_t lblk, uint32_t max,
		      bool unwritten, uint64_t *pblk, uint32_t *count,
		      bool *fresh);

int ext4_get_blocks(struct ext4_inode_info *ei, uint32_t lblk, uint32_t max,
		    bool create, uint64_t *pblk, uint32_t *count, bool *fresh)
{
	int err;

	*fresh = false;
	if (max == 0)
		max = 1;
	if (!create)
		return ext4_map(ei, lblk, max, pblk, count);
	mutex_lock(&ei->map_lock);
	err = get_blocks(ei, lblk, max, false, pblk, count, fresh);
	mutex_unlock(&ei->map_lock);
	return err;
}

int ext4_prealloc(struct ext4_inode_info *ei, uint32_t lblk, uint32_t max,
		  uint32_t *count)
{
	uint64_t pblk;
	bool fresh;
	int err;

	if (max == 0)
		max = 1;
	mutex_lock(&ei->map_lock);
	err = get_blocks(ei, lblk, max, true, &pblk, count, &fresh);
	mutex_unlock(&ei->map_lock);
	return err;
}

static int get_blocks(struct ext4_inode_info *ei, uint32_t lblk, uint32_t max,
		      bool unwritten, uint64_t *pblk, uint32_t *count,
		      bool *fresh)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	struct ext_walk w;
	struct ext_path *lf;
	struct ext4_extent *ex, nx;
	uint64_t end = 1ULL << 32, first;
	uint32_t got;
	int err;

	*fresh = false;
	if (!(ei->flags & EXT4_EXTENTS_FL))
		return -EOPNOTSUPP; /* writing block-mapped files: not done */
	max = (uint32_t)MIN((uint64_t)max, (1ULL << 32) - lblk);
	err = walk(ei, lblk, &w);
	if (err)
		return err;
	lf = &w.p[w.depth];
	ex = (void *)(lf->eh + 1);
	if (lf->pos >= 0 &&
	    lblk < (uint64_t)ex[lf->pos].ee_block + ext_len(&ex[lf->pos])) {
		struct ext4_extent *e = &ex[lf->pos];
		uint32_t off = lblk - e->ee_block;

		if (ei->v.ino != fs->es->s_journal_inum &&
		    ext4_blocks_are_metadata(fs, ext_pblk(e), ext_len(e))) {
			walk_release(&w);
			return ext4_corrupt(fs,
					    "inode %llu: extent %d over "
					    "metadata",
					    (unsigned long long)ei->v.ino,
					    lf->pos);
		}
		*pblk = ext_pblk(e) + off;
		*count = MIN(max, ext_len(e) - off);
		if (!ext_unwritten(e) || unwritten) {
			walk_release(&w);
			return 0;
		}
		*fresh = true;
		err = convert_unwritten(ei, &w, lblk, *count);
		goto out;
	}
	/* A hole up to the next extent, in this leaf or the next. */
	if ((unsigned int)(lf->pos + 1) < lf->eh->eh_entries)
		end = ex[lf->pos + 1].ee_block;
	for (int l = w.depth - 1; l >= 0; l--) {
		struct ext4_extent_idx *ix = (void *)(w.p[l].eh + 1);

		if ((unsigned int)(w.p[l].pos + 1) < w.p[l].eh->eh_entries)
			end = MIN(end, (uint64_t)ix[w.p[l].pos + 1].ei_block);
	}
	if (end <= lblk) { /* a corrupt index the walk let by */
		walk_release(&w);
		return ext4_corrupt(fs, "inode %llu: extent index out of order",
				    (unsigned long long)ei->v.ino);
	}
	max = (uint32_t)MIN((uint64_t)max, end - lblk);
	max = MIN(max, (uint32_t)(unwritten ? EXT4_EXT_INIT_MAX_LEN - 1
					    : EXT4_EXT_INIT_MAX_LEN));
	first = alloc_goal(ei, &w, lblk);
	walk_release(&w);
	err = ext4_alloc_blocks(fs, first, max, false, &first, &got);
	if (err)
		return err;
	nx.ee_block = lblk;
	nx.ee_len = (uint16_t)(got + (unwritten ? EXT4_EXT_INIT_MAX_LEN : 0));
	ext_set_pblk(&nx, first);
	err = ext_insert(ei, &nx);
	if (err) {
		ext4_free_blocks(fs, first, got);
		return err;
	}
	ei->v.blocks += (uint64_t)got * (fs->bs / 512);
	*pblk = first;
	*count = got;
	*fresh = true;
out:
	if (!err)
		err = ext4_inode_write(ei);
	return err;
}

/*
 * Free what node eh (depth levels above the leaves) maps at or past
 * lblk; *freed counts the blocks given back (data and tree).
 */
static int trunc_node(struct ext4_inode_info *ei, struct ext4_extent_header *eh,
		      uint32_t lblk, uint64_t *freed, int lvl)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	int err = 0;

	if (eh->eh_depth == 0) {
		struct ext4_extent *ex = (void *)(eh + 1);

		while (eh->eh_entries && !err) {
			struct ext4_extent *e = &ex[eh->eh_entries - 1];
			uint32_t len = ext_len(e);
			uint64_t pb = ext_pblk(e);

			if ((uint64_t)e->ee_block + len <= lblk)
				break;
			if (len == 0 || pb <= fs->first_data_block ||
			    pb >= fs->nblocks || len > fs->nblocks - pb)
				return ext4_corrupt(
					fs, "inode %llu: bad extent",
					(unsigned long long)ei->v.ino);
			if (e->ee_block >= lblk) {
				err = ext4_free_blocks(fs, pb, len);
				*freed += len;
				eh->eh_entries--;
			} else {
				uint32_t keep = lblk - e->ee_block;

				err = ext4_free_blocks(fs, pb + keep,
						       len - keep);
				*freed += len - keep;
				e->ee_len =
					(uint16_t)(e->ee_len - (len - keep));
			}
		}
		return err;
	}
	{
		struct ext4_extent_idx *ix = (void *)(eh + 1);

		if (lvl > EXT4_EXT_MAX_DEPTH)
			return ext4_corrupt(fs,
					    "inode %llu: extent tree too "
					    "deep",
					    (unsigned long long)ei->v.ino);
		while (eh->eh_entries && !err) {
			unsigned int k = eh->eh_entries - 1;
			uint64_t child = idx_pblk(&ix[k]);
			struct ext_path p = { 0 };
			bool covered = ix[k].ei_block >= lblk;

			err = ext4_bread(fs, child, &p.b);
			if (!err)
				err = check_node_csum(ei, p.b, child);
			if (!err)
				err = check_node(ei, p.b->data, fs->bs,
						 eh->eh_depth - 1, child);
			if (err) {
				bcache_put(p.b);
				break;
			}
			p.eh = p.b->data;
			p.blk = child;
			err = trunc_node(ei, p.eh, lblk, freed, lvl + 1);
			if (!err && p.eh->eh_entries == 0) {
				bcache_put(p.b);
				p.b = NULL;
				err = ext4_free_blocks(fs, child, 1);
				*freed += 1;
				eh->eh_entries--;
			} else {
				node_dirty(ei, &p);
				bcache_put(p.b);
			}
			if (!covered)
				break;
		}
	}
	return err;
}

static int truncate_blocks(struct ext4_inode_info *ei, uint32_t lblk)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	struct ext4_extent_header *root = (void *)ext4_raw(ei)->i_block;
	uint64_t freed = 0;
	int err;

	if (!(ei->flags & EXT4_EXTENTS_FL))
		return -EOPNOTSUPP; /* block-mapped files: not done */
	err = check_node(ei, root, sizeof(ext4_raw(ei)->i_block), -1, 0);
	if (err)
		return err;
	err = trunc_node(ei, root, lblk, &freed, 0);
	if (root->eh_entries == 0)
		root->eh_depth = 0;
	/* One child whose entries fit in the root: pull them up. */
	while (!err && root->eh_depth > 0 && root->eh_entries == 1) {
		struct ext4_extent_idx *ix = (void *)(root + 1);
		uint64_t child = idx_pblk(ix);
		struct bbuf *b;
		struct ext4_extent_header *ch;

		err = ext4_bread(fs, child, &b);
		if (err)
			break;
		ch = b->data;
		if (ch->eh_entries > root->eh_max ||
		    ch->eh_depth != root->eh_depth - 1) {
			bcache_put(b);
			break;
		}
		kos_memcpy(root + 1, ch + 1,
			   ch->eh_entries * sizeof(struct ext4_extent));
		root->eh_entries = ch->eh_entries;
		root->eh_depth = ch->eh_depth;
		bcache_put(b);
		err = ext4_free_blocks(fs, child, 1);
		freed++;
	}
	freed *= fs->bs / 512;
	ei->v.blocks = ei->v.blocks > freed ? ei->v.blocks - freed : 0;
	if (!err)
		err = ext4_inode_write(ei);
	return err;
}

/*
 * Node lvl of the walk lost its first entry or got a new one: the index
 * keys above follow its first key.
 */
static void fix_keys(struct ext4_inode_info *ei, struct ext_walk *w, int lvl)
{
	for (int l = lvl - 1; l >= 0; l--) {
		struct ext4_extent_idx *ix = (void *)(w->p[l].eh + 1);
		uint32_t key = node_first(w->p[l + 1].eh);

		if (!w->p[l + 1].eh->eh_entries ||
		    ix[w->p[l].pos].ei_block == key)
			break;
		ix[w->p[l].pos].ei_block = key;
		node_dirty(ei, &w->p[l]);
		if (w->p[l].pos != 0)
			break;
	}
}

/*
 * Entry pos of node lvl goes; a tree block left empty is freed and its
 * entry in the parent goes in turn (an empty root becomes depth 0).
 */
static int drop_entry(struct ext4_inode_info *ei, struct ext_walk *w, int lvl,
		      int pos, uint64_t *freed)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);

	for (;;) {
		struct ext_path *p = &w->p[lvl];
		char *ents = (char *)(p->eh + 1);
		size_t sz = sizeof(struct ext4_extent);

		kos_memmove(ents + (size_t)pos * sz,
			    ents + (size_t)(pos + 1) * sz,
			    (p->eh->eh_entries - pos - 1) * sz);
		p->eh->eh_entries--;
		if (p->eh->eh_entries || lvl == 0) {
			if (lvl == 0 && !p->eh->eh_entries)
				p->eh->eh_depth = 0;
			node_dirty(ei, p);
			if (pos == 0)
				fix_keys(ei, w, lvl);
			return 0;
		}
		/* an emptied tree block */
		bcache_put(p->b);
		p->b = NULL;
		{
			int err = ext4_free_blocks(fs, p->blk, 1);

			if (err)
				return err;
		}
		(*freed)++;
		lvl--;
		pos = w->p[lvl].pos;
	}
}

static int punch_blocks(struct ext4_inode_info *ei, uint32_t a, uint32_t b)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	uint64_t freed = 0;
	uint32_t at = a;
	int err = 0;

	if (!(ei->flags & EXT4_EXTENTS_FL))
		return -EOPNOTSUPP;
	for (int guard = 0; at < b && !err; guard++) {
		struct ext_walk w;
		struct ext_path *lf;
		struct ext4_extent *ex, *e;
		uint32_t s, len;
		uint64_t pb, e_end;
		int pos;

		err = walk(ei, at, &w);
		if (err)
			break;
		lf = &w.p[w.depth];
		ex = (void *)(lf->eh + 1);
		pos = lf->pos;
		/* the extent at or after at */
		if (pos < 0 ||
		    (uint64_t)ex[pos].ee_block + ext_len(&ex[pos]) <= at)
			pos++;
		if ((unsigned int)pos >= lf->eh->eh_entries) {
			/* nothing more in this leaf: the next one's key */
			uint64_t next = 1ULL << 32;

			for (int l = w.depth - 1; l >= 0; l--) {
				struct ext4_extent_idx *ix =
					(void *)(w.p[l].eh + 1);

				if ((unsigned int)(w.p[l].pos + 1) <
				    w.p[l].eh->eh_entries)
					next = MIN(next,
						   (uint64_t)ix[w.p[l].pos + 1]
							   .ei_block);
			}
			walk_release(&w);
			if (next <= at)
				err = ext4_corrupt(
					fs,
					"inode %llu: extent "
					"index out of order",
					(unsigned long long)ei->v.ino);
			at = (uint32_t)MIN(next, (uint64_t)b);
			continue;
		}
		e = &ex[pos];
		s = e->ee_block;
		len = ext_len(e);
		pb = ext_pblk(e);
		e_end = (uint64_t)s + len;
		if (s >= b) {
			walk_release(&w);
			break;
		}
		if (s < at && e_end > b) { /* the middle: split */
			struct ext4_extent tail;

			tail.ee_block = b;
			tail.ee_len =
				(uint16_t)(e_end - b +
					   (ext_unwritten(e)
						    ? EXT4_EXT_INIT_MAX_LEN
						    : 0));
			ext_set_pblk(&tail, pb + (b - s));
			e->ee_len = (uint16_t)(e->ee_len - (e_end - at));
			node_dirty(ei, lf);
			walk_release(&w);
			err = ext4_free_blocks(fs, pb + (at - s), b - at);
			freed += b - at;
			if (!err)
				err = ext_insert(ei, &tail);
			break;
		}
		if (s < at) { /* the tail of e */
			e->ee_len = (uint16_t)(e->ee_len - (e_end - at));
			node_dirty(ei, lf);
			err = ext4_free_blocks(fs, pb + (at - s), e_end - at);
			freed += e_end - at;
		} else if (e_end > b) { /* the head of e */
			uint32_t cut = b - s;

			e->ee_block = b;
			e->ee_len = (uint16_t)(e->ee_len - cut);
			ext_set_pblk(e, pb + cut);
			node_dirty(ei, lf);
			if (pos == 0)
				fix_keys(ei, &w, w.depth);
			err = ext4_free_blocks(fs, pb, cut);
			freed += cut;
		} else { /* all of e */
			err = ext4_free_blocks(fs, pb, len);
			freed += len;
			if (!err)
				err = drop_entry(ei, &w, w.depth, pos, &freed);
		}
		walk_release(&w);
		at = (uint32_t)MIN(e_end, (uint64_t)b);
		if (guard > (1 << 30))
			break;
	}
	freed *= fs->bs / 512;
	ei->v.blocks = ei->v.blocks > freed ? ei->v.blocks - freed : 0;
	{
		int e2 = ext4_inode_write(ei);

		err = err ? err : e2;
	}
	return err;
}

int ext4_truncate_blocks(struct ext4_inode_info *ei, uint32_t lblk)
{
	int err;

	mutex_lock(&ei->map_lock);
	err = truncate_blocks(ei, lblk);
	mutex_unlock(&ei->map_lock);
	return err;
}

int ext4_punch_blocks(struct ext4_inode_info *ei, uint32_t a, uint32_t b)
{
	int err;

	mutex_lock(&ei->map_lock);
	err = punch_blocks(ei, a, b);
	mutex_unlock(&ei->map_lock);
	return err;
}

/* ---- moving extents (COLLAPSE_RANGE, INSERT_RANGE) ------------------------ */

/*
 * Move every extent of node eh (lvl levels below the root) that starts
 * at or past from by delta blocks, up or down, and the index keys with
 * them.  Down, the caller punched [lo, from) first, so a key inside that
 * gap (its child holds only extents past it) becomes lo.  The order of
 * the entries does not change.
 */
static int shift_node(struct ext4_inode_info *ei, struct ext4_extent_header *eh,
		      uint32_t from, uint32_t delta, bool up, uint32_t lo,
		      int lvl)
{
	struct ext4_fs *fs = EXT4_FS(ei->v.sb);
	struct ext4_extent_idx *ix = (void *)(eh + 1);
	int err = 0;

	if (eh->eh_depth == 0) {
		struct ext4_extent *ex = (void *)(eh + 1);

		for (unsigned int k = 0; k < eh->eh_entries; k++)
			if (ex[k].ee_block >= from)
				ex[k].ee_block = up ? ex[k].ee_block + delta
						    : ex[k].ee_block - delta;
		return 0;
	}
	if (lvl >= EXT4_EXT_MAX_DEPTH)
		return ext4_corrupt(fs, "inode %llu: extent tree too deep",
				    (unsigned long long)ei->v.ino);
	for (unsigned int k = 0; k < eh->eh_entries && !err; k++) {
		struct ext_path p = { 0 };

		/* a child below the next key, itself below from: as it is */
		if (k + 1 < eh->eh_entries && ix[k + 1].ei_block <= from)
			continue;
		p.blk = idx_pblk(&ix[k]);
		err = ext4_bread(fs, p.blk, &p.b);
		if (!err)
			err = check_node_csum(ei, p.b, p.blk);
		if (!err)
			err = check_node(ei, p.b->data, fs->bs,
					 eh->eh_depth - 1, p.blk);
		if (!err) {
			p.eh = p.b->data;
			err = shift_node(ei, p.eh, from, delta, up, lo,
					 lvl + 1);
			node_dirty(ei, &p);
		}
		bcache_put(p.b);
		if (ix[k].ei_block >= from)
			ix[k].ei_block = up ? ix[k].ei_block + delta
					    : ix[k].ei_block - delta;
		else if (!up && ix[k].ei_block >= lo)
			ix[k].ei_block = lo;
	}
	return err;
}

/* The logical block just past the file's last extent (0: none). */
static int extents_end(struct ext4_inode_info *ei, uint64_t *end)
{
	struct ext_walk w;
	struct ext_path *lf;
	int err = walk(ei, UINT32_MAX, &w);

	if (err)
		return err;
	lf = &w.p[w.depth];
	*end = 0;
	if (lf->pos >= 0) {
		struct ext4_extent *ex = (void *)(lf->eh + 1);

		*end = (uint64_t)ex[lf->pos].ee_block + ext_len(&ex[lf->pos]);
	}
	walk_release(&w);
	return 0;
}

int ext4_collapse_blocks(struct ext4_inode_info *ei, uint32_t a, uint32_t b)
{
	struct ext4_extent_header *root = (void *)ext4_raw(ei)->i_block;
	int err;

	if (!(ei->flags & EXT4_EXTENTS_FL))
		return -EOPNOTSUPP;
	mutex_lock(&ei->map_lock);
	err = punch_blocks(ei, a, b);
	if (!err)
		err = check_node(ei, root, sizeof(ext4_raw(ei)->i_block), -1,
				 0);
	if (!err)
		err = shift_node(ei, root, b, b - a, false, a, 0);
	if (!err)
		err = ext4_inode_write(ei);
	mutex_unlock(&ei->map_lock);
	return err;
}

int ext4_insert_blocks(struct ext4_inode_info *ei, uint32_t a, uint32_t n)
{
	struct ext4_extent_header *root = (void *)ext4_raw(ei)->i_block;
	struct ext4_extent tail = { 0 };
	struct ext_walk w;
	uint64_t end;
	int err;

	if (!(ei->flags & EXT4_EXTENTS_FL))
		return -EOPNOTSUPP;
	mutex_lock(&ei->map_lock);
	err = extents_end(ei, &end);
	if (!err && end + n > (1ULL << 32))
		err = -EFBIG;
	if (!err)
		err = walk(ei, a, &w);
	if (err)
		goto out;
	{
		/* An extent across a: its part from a on becomes tail. */
		struct ext_path *lf = &w.p[w.depth];
		struct ext4_extent *e =
			(struct ext4_extent *)(lf->eh + 1) + lf->pos;

		if (lf->pos >= 0 && e->ee_block < a &&
		    (uint64_t)e->ee_block + ext_len(e) > a) {
			uint32_t keep = a - e->ee_block;

			tail.ee_block = a + n;
			tail.ee_len = (uint16_t)(e->ee_len - keep);
			ext_set_pblk(&tail, ext_pblk(e) + keep);
			e->ee_len = (uint16_t)(e->ee_len - (ext_len(e) - keep));
			node_dirty(ei, lf);
		}
		walk_release(&w);
	}
	err = check_node(ei, root, sizeof(ext4_raw(ei)->i_block), -1, 0);
	if (!err)
		err = shift_node(ei, root, a, n, true, 0, 0);
	/* After the move, so that it cannot merge back into its head. */
	if (!err && tail.ee_len)
		err = ext_insert(ei, &tail);
	if (!err)
		err = ext4_inode_write(ei);
out:
	mutex_unlock(&ei->map_lock);
	return err;
}
