/*
 * ext4: mounting (superblock, features, group descriptors), statfs, the
 * inode cache and unmounting.
 *
 * Mount reads the superblock at byte 1024, checks its magic, checksum,
 * features and geometry, reads and checks every group descriptor, and
 * reads the root inode.  A read-write mount is refused (-EROFS) for
 * what cannot or must not be written (rw_refusal, and a journal with
 * transactions to replay); otherwise it counts the mount, sets
 * needs_recovery in the superblock as Linux does for a journalled file
 * system and clears the valid bit of s_state as Linux does without a
 * journal (KOS writes metadata in place, unjournalled: after a crash
 * e2fsck must check the whole file system), then processes the orphan
 * list.  Unmount and remount,ro restore both (mark_clean).  An image
 * left with needs_recovery by a crash whose journal is empty (no
 * transaction: always so after KOS) is mounted as Linux would after
 * replaying nothing.  sync_fs writes the superblock with the free
 * counters and the dirty buffers.  A read-only mount of an image whose
 * journal needs recovery does not replay it (a line in the log says
 * so), as Linux's "ro,noload" would.
 *
 * The inode cache keeps one vnode per inode number while it is
 * referenced, so hard links share their vnode (and page cache).  A
 * vnode whose count fell to zero is on its way out (evict removes it):
 * a lookup that finds one makes a new vnode instead.
 *
 * Locking: struct ext4_fs is set at mount and read-only after, except
 * the inode cache (icache_lock, a leaf lock), the groups' counts (each
 * group's lock, alloc.c), the free counters and the superblock copy
 * (sb_lock) and rw (mount, remount, unmount).  Metadata
 * blocks come through the buffer cache (kos/bcache.h), which has its
 * own lock.
 */
#include <kos/blkdev.h>
#include <kos/crc32c.h>
#include <kos/ext4.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/pcache.h>
#include <kos/string.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#include "ext4.h"

#define EXT4_BCACHE_LIMIT 256 /* metadata buffers kept per mount */

static const struct super_ops ext4_sops;

int ext4_corrupt(struct ext4_fs *fs, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	kos_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("ext4 (%s): corrupt: %s", fs->bd->name, msg);
	return -EUCLEAN;
}

int ext4_bread(struct ext4_fs *fs, uint64_t blk, struct bbuf **out)
{
	*out = NULL;
	if (blk < fs->first_data_block || blk >= fs->nblocks)
		return ext4_corrupt(fs, "block %llu outside the file system",
				    (unsigned long long)blk);
	return bcache_get(fs->bc, blk, out);
}

/* ---- the inode cache -------------------------------------------------- */

static struct list_head *ihash(struct ext4_fs *fs, uint32_t ino)
{
	return &fs->icache[ino % EXT4_IHASH];
}

/* A live vnode for ino in the cache, referenced, or NULL.  icache_lock. */
static struct vnode *icache_find(struct ext4_fs *fs, uint32_t ino)
{
	struct ext4_inode_info *ei;

	list_for_each_entry (ei, ihash(fs, ino), hash) {
		unsigned int n =
			__atomic_load_n(&ei->v.refcnt, __ATOMIC_ACQUIRE);

		if (ei->v.ino != ino)
			continue;
		/* Take a reference unless it is already dying. */
		while (n && !__atomic_compare_exchange_n(
				    &ei->v.refcnt, &n, n + 1, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			;
		if (n)
			return &ei->v;
	}
	return NULL;
}

/*
 * special: the inode may be one of the reserved ones below s_first_ino
 * (the journal) or have no links (an orphan found at mount).
 */
static int iget(struct ext4_fs *fs, uint32_t ino, bool special,
		struct vnode **out)
{
	struct ext4_inode_info *ei;
	struct vnode *v;
	int err;

	mutex_lock(&fs->icache_lock);
	v = icache_find(fs, ino);
	mutex_unlock(&fs->icache_lock);
	if (v) {
		*out = v;
		return 0;
	}
	v = vnode_alloc(&fs->sb, &ext4_vops, sizeof(*ei));
	if (!v)
		return -ENOMEM;
	ei = EXT4_I(v);
	list_init(&ei->hash);
	list_init(&ei->orphan_link);
	mutex_init(&ei->lock, "ext4.inode");
	ei->special = special;
	err = ext4_inode_fill(fs, ei, ino);
	if (err) {
		ext4_inode_free(ei); /* so evict does not take it for one */
		vnode_put(v);
		return err;
	}
	/* Someone may have read the same inode meanwhile: use theirs. */
	mutex_lock(&fs->icache_lock);
	*out = icache_find(fs, ino);
	if (!*out) {
		list_add(&ei->hash, ihash(fs, ino));
		*out = v;
		v = NULL;
	}
	mutex_unlock(&fs->icache_lock);
	vnode_put(v);
	return 0;
}

int ext4_iget(struct ext4_fs *fs, uint32_t ino, struct vnode **out)
{
	return iget(fs, ino, false, out);
}

struct ext4_inode_info *ext4_icache_peek(struct ext4_fs *fs, uint32_t ino)
{
	struct ext4_inode_info *ei, *found = NULL;

	mutex_lock(&fs->icache_lock);
	list_for_each_entry (ei, ihash(fs, ino), hash)
		if (ei->v.ino == ino) {
			found = ei;
			break;
		}
	mutex_unlock(&fs->icache_lock);
	return found;
}

void ext4_icache_add(struct ext4_fs *fs, struct ext4_inode_info *ei)
{
	mutex_lock(&fs->icache_lock);
	list_add(&ei->hash, ihash(fs, (uint32_t)ei->v.ino));
	mutex_unlock(&fs->icache_lock);
}

static void ext4_evict(struct vnode *v)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	struct ext4_fs *fs = EXT4_FS(v->sb);

	ext4_evict_inode(ei);
	ext4_orphan_forget(ei); /* still listed: not rw, or it has links */
	mutex_lock(&fs->icache_lock);
	list_del(&ei->hash);
	mutex_unlock(&fs->icache_lock);
	ext4_inode_free(ei);
	kfree(ei);
}

/* ---- statfs and unmount ----------------------------------------------- */

static void ext4_statfs(struct superblock *sb, struct kstatfs *st)
{
	struct ext4_fs *fs = EXT4_FS(sb);
	const struct ext4_super *es = fs->es;
	uint64_t bfree, ifree, resv = fs->r_blocks;

	(void)es;
	mutex_lock(&fs->sb_lock);
	bfree = fs->free_blocks;
	ifree = fs->free_inodes;
	mutex_unlock(&fs->sb_lock);
	st->bsize = fs->bs;
	st->blocks = fs->nblocks - fs->overhead;
	st->bfree = bfree;
	st->bavail = bfree > resv ? bfree - resv : 0;
	st->files = fs->ninodes;
	st->ffree = ifree;
}

/* ---- writing the superblock, sync ------------------------------------ */

/*
 * The superblock copy, its counters brought up to date, into its
 * buffer (checksummed, dirty).  Superblock backups are left alone, as
 * Linux does outside a resize.
 */
static int write_super(struct ext4_fs *fs)
{
	struct ext4_super *es = fs->es;
	uint64_t blk = EXT4_SB_OFFSET >> fs->log_bs;
	struct bbuf *b;
	int err;

	err = ext4_bread(fs, blk, &b); /* outside sb_lock: it may read */
	if (err)
		return err;
	mutex_lock(&fs->sb_lock);
	es->s_free_blocks_count_lo = (uint32_t)fs->free_blocks;
	if (fs->incompat & EXT4_INCOMPAT_64BIT)
		es->s_free_blocks_count_hi = (uint32_t)(fs->free_blocks >> 32);
	es->s_free_inodes_count = (uint32_t)fs->free_inodes;
	es->s_wtime = (uint32_t)vfs_now().sec;
	if (fs->csum)
		es->s_checksum = kos_crc32c(~0u, es, 0x3fc);
	fs->sb_dirty = false;
	kos_memcpy((char *)b->data + EXT4_SB_OFFSET % fs->bs, es, sizeof(*es));
	mutex_unlock(&fs->sb_lock);
	bcache_mark_dirty(b);
	bcache_put(b);
	return 0;
}

/* The superblock and every dirty metadata buffer to the disk. */
static int ext4_sync_fs(struct superblock *sb, bool wait)
{
	struct ext4_fs *fs = EXT4_FS(sb);
	int err;

	if (!fs->rw)
		return 0;
	err = write_super(fs);
	if (!err)
		err = bcache_sync(fs->bc); /* writes, then flushes the disk */
	(void)wait;
	return err;
}

static void ext4_dirty_inode(struct vnode *v)
{
	struct ext4_inode_info *ei = EXT4_I(v);
	int err;

	if (!EXT4_FS(v->sb)->rw || !ei->raw)
		return;
	mutex_lock(&ei->lock);
	err = ext4_inode_write(ei);
	mutex_unlock(&ei->lock);
	if (err)
		log_err("ext4 (%s): inode %llu: not written (%d)",
			EXT4_FS(v->sb)->bd->name, (unsigned long long)v->ino,
			err);
}

/*
 * Unmounting (or a read-write mount failing late): the journal marked
 * empty again (needs_recovery cleared), the superblock and buffers
 * written and the disk flushed.
 */
static void mark_clean(struct ext4_fs *fs)
{
	if (!fs->rw)
		return;
	mutex_lock(&fs->sb_lock);
	fs->es->s_feature_incompat &= ~EXT4_INCOMPAT_RECOVER;
	fs->es->s_state |= fs->mount_state & EXT4_VALID_FS;
	mutex_unlock(&fs->sb_lock);
	if (ext4_sync_fs(&fs->sb, true))
		log_err("ext4 (%s): unmount: metadata not all written",
			fs->bd->name);
	fs->rw = false;
}

static const char *rw_refusal(struct ext4_fs *fs);
static int start_rw(struct ext4_fs *fs);

/*
 * remount,ro: left clean as at unmount, unless a file is still in use
 * with no name left (on the orphan list: the VFS has written the pages
 * and dropped the writeback's references first): -EBUSY, as Linux's
 * check of unlinked inodes still in use gives.  remount,rw: as a rw
 * mount.
 */
static int ext4_remount(struct superblock *sb, bool ro)
{
	struct ext4_fs *fs = EXT4_FS(sb);
	const char *why;
	bool orphans;

	if (ro) {
		mutex_lock(&fs->sb_lock);
		orphans = fs->rw && fs->es->s_last_orphan;
		mutex_unlock(&fs->sb_lock);
		if (orphans)
			return -EBUSY;
		mark_clean(fs);
		return 0;
	}
	if (fs->rw)
		return 0;
	why = rw_refusal(fs);
	if (why) {
		log_notice("ext4 (%s): cannot remount read-write: %s",
			   fs->bd->name, why);
		return -EROFS;
	}
	return start_rw(fs);
}

static void fs_free(struct ext4_fs *fs)
{
	blkdev_put(fs->bd);
	bcache_destroy(fs->bc);
	kfree(fs->groups);
	kfree(fs->es);
	kfree(fs);
}

static void ext4_put_super(struct superblock *sb)
{
	/*
	 * Files still on the dirty list (written, closed, never synced)
	 * hold a reference there: their pages go now, and the unlinked
	 * among them are evicted (blocks and inode freed), before the
	 * metadata is written for the last time.  Else the data was lost
	 * and a later sync(2) wrote pages into a freed file system.
	 */
	if (EXT4_FS(sb)->rw && pcache_sync(sb))
		log_err("ext4 (%s): unmount: file data not all written",
			EXT4_FS(sb)->bd->name);
	/* what could not be written is lost, and must not stay listed */
	pcache_forget_dirty(sb);
	mark_clean(EXT4_FS(sb));
	fs_free(EXT4_FS(sb));
}

static const struct super_ops ext4_sops = {
	.evict = ext4_evict,
	.put_super = ext4_put_super,
	.statfs = ext4_statfs,
	.dirty_inode = ext4_dirty_inode,
	.sync_fs = ext4_sync_fs,
	.remount = ext4_remount,
};

/*
 * Why fs cannot be mounted read-write (NULL: it can): what this
 * implementation cannot write, or must not (a journal to replay, a
 * write-protected disk).
 */
static const char *rw_refusal(struct ext4_fs *fs)
{
	const uint32_t ro_known =
		EXT4_RO_COMPAT_SPARSE_SUPER | EXT4_RO_COMPAT_LARGE_FILE |
		EXT4_RO_COMPAT_HUGE_FILE | EXT4_RO_COMPAT_GDT_CSUM |
		EXT4_RO_COMPAT_DIR_NLINK | EXT4_RO_COMPAT_EXTRA_ISIZE |
		EXT4_RO_COMPAT_METADATA_CSUM;

	if (fs->bd->read_only || (fs->bd->disk && fs->bd->disk->read_only))
		return "the disk is write-protected";
	if (fs->ro_compat & EXT4_RO_COMPAT_ORPHAN_PRESENT)
		return "orphan inodes present (run e2fsck)";
	if (!(fs->incompat & EXT4_INCOMPAT_EXTENTS))
		return "no extents (ext2/ext3 layout): read-only here";
	if (fs->incompat & (EXT4_INCOMPAT_INLINE_DATA | EXT4_INCOMPAT_MMP |
			    EXT4_INCOMPAT_EA_INODE))
		return "inline_data, mmp or ea_inode: read-only here";
	if (fs->ro_compat & ~ro_known)
		return "unknown read-only-compatible features";
	if (fs->es->s_state & EXT4_ERROR_FS)
		return "errors recorded on it (run e2fsck)";
	return NULL;
}

/*
 * Is the journal empty (1), or has it transactions to replay (0)?  Its
 * first block holds the jbd2 superblock (big-endian): magic, block type
 * 3 or 4 (v1, v2), and s_start, the first block of the log, 0 when
 * there is nothing to replay.  A journal on another device, or one that
 * cannot be read, counts as not empty.
 */
static int journal_empty(struct ext4_fs *fs)
{
	const uint32_t *j;
	struct vnode *v;
	struct bbuf *b;
	uint64_t pblk;
	uint32_t n, type;
	int err;

	if (fs->es->s_journal_dev || !fs->es->s_journal_inum)
		return 0;
	err = iget(fs, fs->es->s_journal_inum, true, &v);
	if (err)
		return err;
	err = ext4_map(EXT4_I(v), 0, 1, &pblk, &n);
	vnode_put(v);
	if (err)
		return err;
	if (!pblk)
		return ext4_corrupt(fs, "journal: no first block");
	err = ext4_bread(fs, pblk, &b);
	if (err)
		return err;
	j = b->data;
	type = __builtin_bswap32(j[1]);
	if (__builtin_bswap32(j[0]) != 0xc03b3998u || (type != 3 && type != 4))
		err = ext4_corrupt(fs, "journal: bad superblock");
	else
		err = j[7] == 0; /* s_start */
	bcache_put(b);
	return err;
}

/*
 * The orphan list at a read-write mount, as Linux processes it: an
 * inode with no links left (open when the system stopped) is freed;
 * one with links (a truncate that did not finish) loses its blocks
 * past its size.  Each leaves the head of the list; a list that does
 * not shrink, or loops, is corruption.
 */
static int orphan_cleanup(struct ext4_fs *fs)
{
	unsigned int freed = 0, truncated = 0;
	uint32_t ino;
	int err = 0;

	for (uint32_t steps = 0; !err && (ino = fs->es->s_last_orphan);
	     steps++) {
		struct ext4_inode_info *ei;
		struct vnode *v;

		if (steps > fs->ninodes || ino < fs->first_ino ||
		    ino > fs->ninodes)
			return ext4_corrupt(fs, "orphan list: bad inode %u",
					    ino);
		err = iget(fs, ino, true, &v);
		if (err)
			break;
		ei = EXT4_I(v);
		ext4_orphan_adopt(ei);
		if (v->nlink) {
			mutex_lock(&ei->lock);
			if (ei->flags & EXT4_EXTENTS_FL)
				err = ext4_truncate_blocks(
					ei, (uint32_t)((v->size + fs->bs - 1) >>
						       fs->log_bs));
			mutex_unlock(&ei->lock);
			if (!err)
				err = ext4_orphan_del(ei);
			truncated++;
		} else {
			freed++; /* evict frees it and takes it off */
		}
		vnode_put(v);
		if (!err && fs->es->s_last_orphan == ino)
			err = ext4_corrupt(fs, "orphan list: inode %u stays",
					   ino);
	}
	if (freed || truncated)
		log_info("ext4 (%s): orphans: %u inodes freed, %u truncated",
			 fs->bd->name, freed, truncated);
	return err;
}

/*
 * A read-write mount begins: what Linux records in the superblock (mount
 * count and time; needs_recovery while it is mounted, and the valid
 * bit cleared, see the top of the file), written at once; then the
 * orphans.  -EROFS when the journal has transactions to replay.
 */
static int start_rw(struct ext4_fs *fs)
{
	struct ext4_super *es = fs->es;
	int err;

	if (fs->incompat & EXT4_INCOMPAT_RECOVER) {
		err = journal_empty(fs);
		if (err <= 0) {
			log_notice("ext4 (%s): cannot mount read-write: the "
				   "journal needs recovery (run e2fsck)",
				   fs->bd->name);
			return -EROFS;
		}
		log_notice("ext4 (%s): the journal is empty: nothing to "
			   "replay",
			   fs->bd->name);
		fs->incompat &= ~EXT4_INCOMPAT_RECOVER;
	}
	if (!(es->s_state & EXT4_VALID_FS))
		log_warn("ext4 (%s): mounting an unchecked file system; "
			 "running e2fsck is recommended",
			 fs->bd->name);
	if ((int16_t)es->s_max_mnt_count == 0)
		es->s_max_mnt_count = 20; /* Linux's default */
	es->s_mnt_count++;
	es->s_mtime = (uint32_t)vfs_now().sec;
	if (fs->compat & EXT4_COMPAT_HAS_JOURNAL)
		es->s_feature_incompat |= EXT4_INCOMPAT_RECOVER;
	else
		es->s_feature_incompat &= ~EXT4_INCOMPAT_RECOVER;
	es->s_state &= (uint16_t)~EXT4_VALID_FS;
	fs->rw = true;
	err = ext4_sync_fs(&fs->sb, true);
	if (!err)
		err = orphan_cleanup(fs);
	return err;
}

/* ---- mount ------------------------------------------------------------ */

/* Does group g hold a copy of the superblock (sparse_super's rule)? */
bool ext4_group_has_super(struct ext4_fs *fs, uint32_t g)
{
	if (g <= 1 || !(fs->ro_compat & EXT4_RO_COMPAT_SPARSE_SUPER))
		return true;
	if (!(g & 1))
		return false;
	for (uint32_t p = 3; p <= 7; p += 2) {
		uint64_t x = p;

		while (x < g)
			x *= p;
		if (x == g)
			return true;
	}
	return false;
}

/*
 * The blocks statfs leaves out: s_overhead_clusters when mkfs recorded
 * it, else what Linux counts: superblock copies, descriptor blocks and
 * their reserve, bitmaps, inode tables and the journal.
 */
static uint64_t overhead(struct ext4_fs *fs, uint32_t gdt_blocks)
{
	const struct ext4_super *es = fs->es;
	uint64_t n = fs->first_data_block;
	uint64_t itb =
		((uint64_t)fs->inodes_per_group * fs->inode_size + fs->bs - 1) /
		fs->bs;

	if (es->s_overhead_clusters && es->s_overhead_clusters < fs->nblocks)
		return es->s_overhead_clusters;
	for (uint32_t g = 0; g < fs->ngroups; g++) {
		if (ext4_group_has_super(fs, g))
			n += 1 + gdt_blocks + es->s_reserved_gdt_blocks;
		n += 2 + itb;
	}
	return MIN(n, fs->nblocks);
}

/* Check and copy the group descriptors. */
static int read_groups(struct ext4_fs *fs, uint32_t *gdt_blocks)
{
	uint32_t per_block = fs->bs / fs->desc_size;
	uint64_t itb =
		((uint64_t)fs->inodes_per_group * fs->inode_size + fs->bs - 1) /
		fs->bs;
	bool big = fs->desc_size >= 64;

	*gdt_blocks = (fs->ngroups + per_block - 1) / per_block;
	fs->groups = kzalloc(fs->ngroups * sizeof(*fs->groups));
	if (!fs->groups)
		return -ENOMEM;
	for (uint32_t g = 0; g < fs->ngroups; g++) {
		uint64_t blk = fs->first_data_block + 1 + g / per_block;
		struct ext4_group *grp = &fs->groups[g];
		const struct ext4_group_desc *gd;
		struct bbuf *b;
		int err = ext4_bread(fs, blk, &b);

		if (err)
			return err;
		gd = (const void *)((char *)b->data +
				    (g % per_block) * fs->desc_size);
		if (fs->gdt_csum) {
			if (ext4_group_csum(fs, g, gd) != gd->bg_checksum) {
				bcache_put(b);
				return ext4_corrupt(fs,
						    "group descriptor %u: bad "
						    "checksum",
						    g);
			}
		}
		grp->block_bitmap = gd->bg_block_bitmap_lo;
		grp->inode_bitmap = gd->bg_inode_bitmap_lo;
		grp->inode_table = gd->bg_inode_table_lo;
		grp->free_blocks = gd->bg_free_blocks_count_lo;
		grp->free_inodes = gd->bg_free_inodes_count_lo;
		grp->used_dirs = gd->bg_used_dirs_count_lo;
		grp->flags = gd->bg_flags;
		grp->itable_unused = gd->bg_itable_unused_lo;
		mutex_init(&grp->lock, "ext4.group");
		if (big) {
			grp->itable_unused |= (uint32_t)gd->bg_itable_unused_hi
					      << 16;
			grp->block_bitmap |= (uint64_t)gd->bg_block_bitmap_hi
					     << 32;
			grp->inode_bitmap |= (uint64_t)gd->bg_inode_bitmap_hi
					     << 32;
			grp->inode_table |= (uint64_t)gd->bg_inode_table_hi
					    << 32;
			grp->free_blocks |=
				(uint32_t)gd->bg_free_blocks_count_hi << 16;
			grp->free_inodes |=
				(uint32_t)gd->bg_free_inodes_count_hi << 16;
			grp->used_dirs |= (uint32_t)gd->bg_used_dirs_count_hi
					  << 16;
		}
		bcache_put(b);
		fs->free_blocks += grp->free_blocks;
		fs->free_inodes += grp->free_inodes;
		if (grp->block_bitmap <= fs->first_data_block ||
		    grp->block_bitmap >= fs->nblocks ||
		    grp->inode_bitmap <= fs->first_data_block ||
		    grp->inode_bitmap >= fs->nblocks ||
		    grp->inode_table <= fs->first_data_block ||
		    grp->inode_table + itb > fs->nblocks ||
		    grp->free_blocks > fs->blocks_per_group ||
		    grp->free_inodes > fs->inodes_per_group ||
		    grp->itable_unused > fs->inodes_per_group)
			return ext4_corrupt(fs,
					    "group descriptor %u: bad "
					    "bitmap, table or counts",
					    g);
	}
	return 0;
}

/* Check the superblock's geometry and fill fs from it. */
static int parse_super(struct ext4_fs *fs)
{
	const struct ext4_super *es = fs->es;
	uint64_t disk_blocks, groups;

	if (es->s_magic != EXT4_SUPER_MAGIC) {
		log_info("ext4 (%s): no ext4 file system (bad magic)",
			 fs->bd->name);
		return -EINVAL;
	}
	fs->mount_state = es->s_state;
	fs->compat = es->s_feature_compat;
	fs->incompat = es->s_feature_incompat;
	fs->ro_compat = es->s_feature_ro_compat;
	if (es->s_rev_level == 0) /* the old format: no features */
		fs->compat = fs->incompat = fs->ro_compat = 0;
	fs->csum = fs->ro_compat & EXT4_RO_COMPAT_METADATA_CSUM;
	if (fs->csum) {
		if (((const uint8_t *)es)[0x175] != 1) /* s_checksum_type */
			return ext4_corrupt(fs, "unknown checksum type");
		if (kos_crc32c(~0u, es, 0x3fc) != es->s_checksum)
			return ext4_corrupt(fs, "bad superblock checksum");
	}
	if (fs->incompat & ~EXT4_INCOMPAT_SUPPORTED) {
		log_err("ext4 (%s): unsupported incompatible features %#x",
			fs->bd->name, fs->incompat & ~EXT4_INCOMPAT_SUPPORTED);
		return -EINVAL;
	}
	if (fs->ro_compat & EXT4_RO_COMPAT_BIGALLOC) {
		log_err("ext4 (%s): bigalloc is not supported", fs->bd->name);
		return -EINVAL;
	}
	if (es->s_log_block_size > 2 ||
	    (1024u << es->s_log_block_size) > PAGE_SIZE)
		return ext4_corrupt(fs, "block size 2^%u KiB unsupported",
				    es->s_log_block_size);
	fs->log_bs = 10 + es->s_log_block_size;
	fs->bs = 1u << fs->log_bs;
	if (fs->bs < fs->bd->block_size) {
		log_err("ext4 (%s): block size %u below the disk's %u",
			fs->bd->name, fs->bs, fs->bd->block_size);
		return -EINVAL;
	}
	fs->nblocks = es->s_blocks_count_lo;
	if (fs->incompat & EXT4_INCOMPAT_64BIT)
		fs->nblocks |= (uint64_t)es->s_blocks_count_hi << 32;
	disk_blocks = fs->bd->nsectors * BLK_SECTOR / fs->bs;
	if (fs->nblocks > disk_blocks) {
		log_err("ext4 (%s): %llu blocks, the disk has %llu",
			fs->bd->name, (unsigned long long)fs->nblocks,
			(unsigned long long)disk_blocks);
		return -EINVAL;
	}
	fs->first_data_block = es->s_first_data_block;
	fs->blocks_per_group = es->s_blocks_per_group;
	fs->inodes_per_group = es->s_inodes_per_group;
	fs->ninodes = es->s_inodes_count;
	if (fs->first_data_block != (fs->bs == 1024 ? 1u : 0u) ||
	    fs->nblocks <= fs->first_data_block + 1 ||
	    fs->blocks_per_group < 8 || fs->blocks_per_group > 8 * fs->bs ||
	    fs->inodes_per_group == 0 || fs->inodes_per_group > 8 * fs->bs)
		return ext4_corrupt(fs, "bad geometry");
	groups = (fs->nblocks - fs->first_data_block + fs->blocks_per_group -
		  1) /
		 fs->blocks_per_group;
	if (groups > (1u << 20) ||
	    (uint64_t)fs->ninodes != groups * fs->inodes_per_group)
		return ext4_corrupt(fs, "bad group or inode count");
	fs->ngroups = (uint32_t)groups;
	if (es->s_rev_level == 0) {
		fs->inode_size = EXT4_GOOD_OLD_INODE_SIZE;
		fs->first_ino = 11;
	} else {
		fs->inode_size = es->s_inode_size;
		fs->first_ino = es->s_first_ino;
	}
	if (fs->inode_size < EXT4_GOOD_OLD_INODE_SIZE ||
	    fs->inode_size > fs->bs ||
	    (fs->inode_size & (fs->inode_size - 1)) || fs->first_ino < 11 ||
	    fs->first_ino > fs->ninodes)
		return ext4_corrupt(fs, "bad inode size or first inode");
	fs->desc_size = 32;
	if (fs->incompat & EXT4_INCOMPAT_64BIT) {
		fs->desc_size = es->s_desc_size;
		if (fs->desc_size < 64 || fs->desc_size > fs->bs ||
		    (fs->desc_size & (fs->desc_size - 1)))
			return ext4_corrupt(fs, "bad descriptor size %u",
					    fs->desc_size);
	}
	if (fs->incompat & EXT4_INCOMPAT_CSUM_SEED)
		fs->csum_seed = es->s_checksum_seed;
	else
		fs->csum_seed = kos_crc32c(~0u, es->s_uuid, sizeof(es->s_uuid));
	kos_memcpy(fs->hash_seed, es->s_hash_seed, sizeof(fs->hash_seed));
	fs->hash_unsigned = es->s_flags & EXT4_FLAGS_UNSIGNED_HASH;
	fs->gdt_csum = fs->csum || (fs->ro_compat & EXT4_RO_COMPAT_GDT_CSUM);
	fs->r_blocks = es->s_r_blocks_count_lo;
	if (fs->incompat & EXT4_INCOMPAT_64BIT)
		fs->r_blocks |= (uint64_t)es->s_r_blocks_count_hi << 32;
	return 0;
}

/*
 * Mount options: the ones Linux's ext4 takes that change nothing for a
 * read-only mount here.  Anything else is -EINVAL, as Linux.
 */
static int check_options(struct ext4_fs *fs, const char *data)
{
	static const char *const ok[] = {
		"user_xattr",	 "nouser_xattr", "acl",
		"noacl",	 "barrier",	 "nobarrier",
		"noload",	 "norecovery",	 "errors=",
		"data=",	 "commit=",	 "journal_checksum",
		"nodelalloc",	 "delalloc",	 "discard",
		"nodiscard",	 "init_itable",	 "noinit_itable",
		"auto_da_alloc",
	};

	while (data && *data) {
		const char *end = kos_strchr(data, ',');
		size_t len = end ? (size_t)(end - data) : kos_strlen(data);
		bool known = len == 0;

		for (size_t i = 0; i < ARRAY_SIZE(ok) && !known; i++) {
			size_t n = kos_strlen(ok[i]);
			bool with_value = ok[i][n - 1] == '=';

			known = (with_value ? len > n : len == n) &&
				!kos_memcmp(data, ok[i], n);
		}
		if (!known) {
			log_err("ext4 (%s): unknown mount option \"%.*s\"",
				fs->bd->name, (int)len, data);
			return -EINVAL;
		}
		data = end ? end + 1 : NULL;
	}
	return 0;
}

/* The superblock: the disk's first 2 KiB (or one disk block). */
static int read_super(struct ext4_fs *fs)
{
	size_t len = MAX(2048u, fs->bd->block_size);
	char *buf;
	int err;

	if (fs->bd->nsectors * BLK_SECTOR < len)
		return -EINVAL;
	buf = kmalloc(len);
	fs->es = kmalloc(sizeof(*fs->es));
	if (!buf || !fs->es) {
		kfree(buf);
		return -ENOMEM;
	}
	err = blkdev_io(fs->bd, BLK_READ, 0, buf, len);
	if (!err)
		kos_memcpy(fs->es, buf + EXT4_SB_OFFSET, sizeof(*fs->es));
	kfree(buf);
	return err;
}

/* Write back what the device's page cache holds dirty. */
static void sync_dev_cache(struct kos_blkdev *bd)
{
	struct vnode *c = blkdev_cache(bd);

	if (c)
		pcache_writeback(c);
}

int ext4_mount(struct kos_blkdev *bd, bool read_only, const char *data,
	       struct superblock **out)
{
	struct ext4_fs *fs = kzalloc(sizeof(*fs));
	uint32_t gdt_blocks;
	struct vnode *root;
	int err;

	_Static_assert(sizeof(struct ext4_super) == 1024, "superblock");
	_Static_assert(sizeof(struct ext4_inode) == 160, "inode");
	_Static_assert(sizeof(struct ext4_group_desc) == 64, "descriptor");
	if (!fs) {
		blkdev_put(bd);
		return -ENOMEM;
	}
	fs->bd = bd;
	/*
	 * What was written through the device's cache (its node, or the
	 * whole disk's for a partition) must be on the disk before the
	 * buffer cache reads past it.
	 */
	sync_dev_cache(bd);
	if (bd->disk)
		sync_dev_cache(bd->disk);
	mutex_init(&fs->icache_lock, "ext4.icache");
	mutex_init(&fs->sb_lock, "ext4.sb");
	mutex_init(&fs->orphan_lock, "ext4.orphan");
	list_init(&fs->orphans);
	for (int i = 0; i < EXT4_IHASH; i++)
		list_init(&fs->icache[i]);
	err = read_super(fs);
	if (!err)
		err = parse_super(fs);
	if (!err)
		err = check_options(fs, data);
	if (err)
		goto fail;
	fs->bc = bcache_create(bd, fs->bs, EXT4_BCACHE_LIMIT);
	if (!fs->bc) {
		err = -ENOMEM;
		goto fail;
	}
	err = read_groups(fs, &gdt_blocks);
	if (err)
		goto fail;
	fs->gdt_blocks = gdt_blocks;
	ext4_alloc_init(fs);
	fs->overhead = overhead(fs, gdt_blocks);
	if (!read_only && rw_refusal(fs)) {
		log_notice("ext4 (%s): cannot mount read-write: %s", bd->name,
			   rw_refusal(fs));
		err = -EROFS;
		goto fail;
	}
	if (read_only && (fs->incompat & EXT4_INCOMPAT_RECOVER))
		log_notice("ext4 (%s): the journal needs recovery; not "
			   "replayed (read-only mount)",
			   bd->name);
	if (read_only && (fs->ro_compat & EXT4_RO_COMPAT_ORPHAN_PRESENT))
		log_notice("ext4 (%s): orphan inodes present; left alone "
			   "(read-only mount)",
			   bd->name);
	vfs_sb_init(&fs->sb);
	fs->sb.ops = &ext4_sops;
	fs->sb.fstype = "ext4";
	fs->sb.magic = EXT4_SUPER_MAGIC;
	fs->sb.dev = bd->rdev;
	fs->sb.flags = 0; /* remount,rw asks ext4_remount */
	fs->sb.max_file_size = (uint64_t)fs->bs << 32;
	fs->sb.priv = fs;
	err = ext4_iget(fs, EXT4_ROOT_INO, &root);
	if (!err && !S_ISDIR(root->mode)) {
		vnode_put(root);
		err = ext4_corrupt(fs, "root inode is not a directory");
	}
	if (err)
		goto fail;
	EXT4_I(root)->parent = EXT4_ROOT_INO; /* its own: never a child */
	fs->sb.root = root;
	if (!read_only) {
		err = start_rw(fs);
		if (err) {
			mark_clean(fs);
			fs->sb.root = NULL;
			vnode_put(root);
			goto fail;
		}
	}
	log_info("ext4 (%s): mounted %s: %u-byte blocks, %llu blocks, "
		 "%u inodes%s",
		 bd->name, read_only ? "read-only" : "read-write", fs->bs,
		 (unsigned long long)fs->nblocks, fs->ninodes,
		 fs->csum ? ", metadata_csum" : "");
	*out = &fs->sb;
	return 0;
fail:
	fs_free(fs);
	return err;
}
