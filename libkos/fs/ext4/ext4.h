/*
 * ext4, private declarations (docs/ext4.md has the design).
 *
 * On-disk structures are little-endian and KOS runs on x86-64 only, so
 * they are read as packed C structs straight out of the buffers.  Every
 * number taken from them is range-checked before it is used as an
 * index, a length or a block number; a failed check or checksum is
 * logged with the inode or block it concerns and gives -EUCLEAN
 * (Linux's EFSCORRUPTED).
 *
 * Files:
 *   super.c   mount: superblock, features, group descriptors, statfs,
 *             the inode cache, unmount
 *   inode.c   inodes: reading and checking, attributes, the vnode ops
 *             (read-only ones refuse with -EROFS), symlinks, readpage
 *   extent.c  logical to physical block mapping: extent trees, and the
 *             old indirect block maps
 *   dir.c     directories: leaf blocks, linear lookup, readdir, and
 *             hash-tree (dir_index) lookup with its name hashes
 *   xattr.c   extended attributes in the inode and in a block
 *   alloc.c   block and inode allocation, bitmaps, group descriptors
 */
#ifndef KOS_FS_EXT4_H
#define KOS_FS_EXT4_H

#include <kos/bcache.h>
#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/vfs.h>

#define EXT4_SUPER_MAGIC 0xef53
#define EXT4_SB_OFFSET 1024
#define EXT4_ROOT_INO 2
#define EXT4_GOOD_OLD_INODE_SIZE 128
#define EXT4_N_BLOCKS 15 /* i_block[]: 60 bytes */
#define EXT4_NAME_LEN 255

/* s_state bits. */
#define EXT4_VALID_FS 0x1 /* unmounted cleanly */
#define EXT4_ERROR_FS 0x2 /* errors detected */

/* Feature bits (s_feature_compat / _incompat / _ro_compat). */
#define EXT4_COMPAT_HAS_JOURNAL 0x4
#define EXT4_COMPAT_EXT_ATTR 0x8
#define EXT4_COMPAT_DIR_INDEX 0x20
#define EXT4_COMPAT_ORPHAN_FILE 0x1000

#define EXT4_INCOMPAT_FILETYPE 0x2
#define EXT4_INCOMPAT_RECOVER 0x4
#define EXT4_INCOMPAT_JOURNAL_DEV 0x8
#define EXT4_INCOMPAT_META_BG 0x10
#define EXT4_INCOMPAT_EXTENTS 0x40
#define EXT4_INCOMPAT_64BIT 0x80
#define EXT4_INCOMPAT_MMP 0x100
#define EXT4_INCOMPAT_FLEX_BG 0x200
#define EXT4_INCOMPAT_EA_INODE 0x400
#define EXT4_INCOMPAT_DIRDATA 0x1000
#define EXT4_INCOMPAT_CSUM_SEED 0x2000
#define EXT4_INCOMPAT_LARGEDIR 0x4000
#define EXT4_INCOMPAT_INLINE_DATA 0x8000
#define EXT4_INCOMPAT_ENCRYPT 0x10000
#define EXT4_INCOMPAT_CASEFOLD 0x20000

#define EXT4_RO_COMPAT_SPARSE_SUPER 0x1
#define EXT4_RO_COMPAT_LARGE_FILE 0x2
#define EXT4_RO_COMPAT_HUGE_FILE 0x8
#define EXT4_RO_COMPAT_GDT_CSUM 0x10
#define EXT4_RO_COMPAT_DIR_NLINK 0x20
#define EXT4_RO_COMPAT_EXTRA_ISIZE 0x40
#define EXT4_RO_COMPAT_BIGALLOC 0x200
#define EXT4_RO_COMPAT_METADATA_CSUM 0x400
#define EXT4_RO_COMPAT_ORPHAN_PRESENT 0x10000

/* What this implementation reads; anything else is refused. */
#define EXT4_INCOMPAT_SUPPORTED                                                \
	(EXT4_INCOMPAT_FILETYPE | EXT4_INCOMPAT_RECOVER |                      \
	 EXT4_INCOMPAT_EXTENTS | EXT4_INCOMPAT_64BIT | EXT4_INCOMPAT_FLEX_BG | \
	 EXT4_INCOMPAT_CSUM_SEED | EXT4_INCOMPAT_LARGEDIR |                    \
	 EXT4_INCOMPAT_INLINE_DATA | EXT4_INCOMPAT_EA_INODE |                  \
	 EXT4_INCOMPAT_MMP)

/* Inode flags (i_flags). */
#define EXT4_INDEX_FL 0x1000
#define EXT4_HUGE_FILE_FL 0x40000
#define EXT4_EXTENTS_FL 0x80000
#define EXT4_EA_INODE_FL 0x200000
#define EXT4_INLINE_DATA_FL 0x10000000

struct ext4_super {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count_lo;
	uint32_t s_r_blocks_count_lo;
	uint32_t s_free_blocks_count_lo;
	uint32_t s_free_inodes_count;
	uint32_t s_first_data_block;
	uint32_t s_log_block_size;
	uint32_t s_log_cluster_size;
	uint32_t s_blocks_per_group;
	uint32_t s_clusters_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime, s_wtime;
	uint16_t s_mnt_count, s_max_mnt_count;
	uint16_t s_magic, s_state, s_errors, s_minor_rev_level;
	uint32_t s_lastcheck, s_checkinterval, s_creator_os, s_rev_level;
	uint16_t s_def_resuid, s_def_resgid;
	uint32_t s_first_ino;			 /* 0x54 */
	uint16_t s_inode_size, s_block_group_nr; /* 0x58 */
	uint32_t s_feature_compat;		 /* 0x5c */
	uint32_t s_feature_incompat;		 /* 0x60 */
	uint32_t s_feature_ro_compat;		 /* 0x64 */
	uint8_t s_uuid[16];			 /* 0x68 */
	char s_volume_name[16];			 /* 0x78 */
	char s_last_mounted[64];		 /* 0x88 */
	uint32_t s_algorithm_usage_bitmap;	 /* 0xc8 */
	uint8_t s_prealloc_blocks, s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks;			/* 0xce */
	uint8_t s_journal_uuid[16];			/* 0xd0 */
	uint32_t s_journal_inum;			/* 0xe0 */
	uint32_t s_journal_dev, s_last_orphan;		/* 0xe4 */
	uint32_t s_hash_seed[4];			/* 0xec */
	uint8_t s_def_hash_version;			/* 0xfc */
	uint8_t s_jnl_backup_type;			/* 0xfd */
	uint16_t s_desc_size;				/* 0xfe */
	uint32_t s_default_mount_opts;			/* 0x100 */
	uint32_t s_first_meta_bg, s_mkfs_time;		/* 0x104 */
	uint32_t s_jnl_blocks[17];			/* 0x10c */
	uint32_t s_blocks_count_hi;			/* 0x150 */
	uint32_t s_r_blocks_count_hi;			/* 0x154 */
	uint32_t s_free_blocks_count_hi;		/* 0x158 */
	uint16_t s_min_extra_isize, s_want_extra_isize; /* 0x15c */
	uint32_t s_flags;				/* 0x160 */
	uint8_t s_pad1[0x248 - 0x164];
	uint32_t s_overhead_clusters; /* 0x248 */
	uint8_t s_pad2[0x270 - 0x24c];
	uint32_t s_checksum_seed; /* 0x270 */
	uint8_t s_pad3[0x3fc - 0x274];
	uint32_t s_checksum; /* 0x3fc */
} __attribute__((packed));

#define EXT4_FLAGS_UNSIGNED_HASH 0x2 /* s_flags */

struct ext4_group_desc {
	uint32_t bg_block_bitmap_lo;
	uint32_t bg_inode_bitmap_lo;
	uint32_t bg_inode_table_lo;
	uint16_t bg_free_blocks_count_lo;
	uint16_t bg_free_inodes_count_lo;
	uint16_t bg_used_dirs_count_lo;
	uint16_t bg_flags;
	uint32_t bg_exclude_bitmap_lo;
	uint16_t bg_block_bitmap_csum_lo;
	uint16_t bg_inode_bitmap_csum_lo;
	uint16_t bg_itable_unused_lo;
	uint16_t bg_checksum; /* 0x1e */
	/* 64bit only (s_desc_size >= 64): */
	uint32_t bg_block_bitmap_hi;
	uint32_t bg_inode_bitmap_hi;
	uint32_t bg_inode_table_hi;
	uint16_t bg_free_blocks_count_hi;
	uint16_t bg_free_inodes_count_hi;
	uint16_t bg_used_dirs_count_hi;
	uint16_t bg_itable_unused_hi;
	uint32_t bg_exclude_bitmap_hi;
	uint16_t bg_block_bitmap_csum_hi;
	uint16_t bg_inode_bitmap_csum_hi;
	uint32_t bg_reserved;
} __attribute__((packed));

struct ext4_inode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size_lo;
	uint32_t i_atime, i_ctime, i_mtime, i_dtime;
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks_lo;
	uint32_t i_flags;
	uint32_t i_version_lo;
	uint8_t i_block[EXT4_N_BLOCKS * 4]; /* 0x28 */
	uint32_t i_generation;		    /* 0x64 */
	uint32_t i_file_acl_lo;
	uint32_t i_size_high;
	uint32_t i_obso_faddr;
	uint16_t i_blocks_high; /* 0x74 */
	uint16_t i_file_acl_high;
	uint16_t i_uid_high, i_gid_high;
	uint16_t i_checksum_lo; /* 0x7c */
	uint16_t i_reserved;
	/* the large inode's extra part, i_extra_isize bytes of it: */
	uint16_t i_extra_isize; /* 0x80 */
	uint16_t i_checksum_hi;
	uint32_t i_ctime_extra, i_mtime_extra, i_atime_extra;
	uint32_t i_crtime, i_crtime_extra;
	uint32_t i_version_hi;
	uint32_t i_projid;
} __attribute__((packed));

/* How far into the extra part a field reaches (its end - 128). */
#define EXT4_EXTRA_END(field)                           \
	(__builtin_offsetof(struct ext4_inode, field) + \
	 sizeof(((struct ext4_inode *)0)->field) - EXT4_GOOD_OLD_INODE_SIZE)

/* Extent trees. */
#define EXT4_EXT_MAGIC 0xf30a
#define EXT4_EXT_MAX_DEPTH 5
#define EXT4_EXT_INIT_MAX_LEN 32768 /* longer: an unwritten extent */

struct ext4_extent_header {
	uint16_t eh_magic, eh_entries, eh_max, eh_depth;
	uint32_t eh_generation;
} __attribute__((packed));

struct ext4_extent_idx {
	uint32_t ei_block;
	uint32_t ei_leaf_lo;
	uint16_t ei_leaf_hi;
	uint16_t ei_unused;
} __attribute__((packed));

struct ext4_extent {
	uint32_t ee_block;
	uint16_t ee_len;
	uint16_t ee_start_hi;
	uint32_t ee_start_lo;
} __attribute__((packed));

/* Directories. */
struct ext4_dirent {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type;
	char name[];
} __attribute__((packed));

#define EXT4_DIRENT_HEAD 8
#define EXT4_DIR_TAIL_SIZE 12
#define EXT4_DIR_TAIL_FT 0xde

struct ext4_dir_tail {
	uint32_t det_reserved_zero1;
	uint16_t det_rec_len; /* 12 */
	uint8_t det_reserved_zero2;
	uint8_t det_reserved_ft; /* 0xde */
	uint32_t det_checksum;
} __attribute__((packed));

/* The hash tree's root block: "." and ".." then this. */
struct ext4_dx_root_info {
	uint32_t reserved_zero;
	uint8_t hash_version;
	uint8_t info_length; /* 8 */
	uint8_t indirect_levels;
	uint8_t unused_flags;
} __attribute__((packed));

struct ext4_dx_entry {
	uint32_t hash;
	uint32_t block;
} __attribute__((packed));

struct ext4_dx_countlimit {
	uint16_t limit, count;
} __attribute__((packed));

struct ext4_dx_tail {
	uint32_t dt_reserved;
	uint32_t dt_checksum;
} __attribute__((packed));

#define EXT4_HASH_LEGACY 0
#define EXT4_HASH_HALF_MD4 1
#define EXT4_HASH_TEA 2
#define EXT4_HASH_UNSIGNED 3 /* added to the above: unsigned chars */

/* Extended attributes. */
#define EXT4_XATTR_MAGIC 0xea020000

struct ext4_xattr_header {
	uint32_t h_magic;
	uint32_t h_refcount;
	uint32_t h_blocks;
	uint32_t h_hash;
	uint32_t h_checksum;
	uint32_t h_reserved[3];
} __attribute__((packed));

struct ext4_xattr_entry {
	uint8_t e_name_len;
	uint8_t e_name_index;
	uint16_t e_value_offs;
	uint32_t e_value_inum;
	uint32_t e_value_size;
	uint32_t e_hash;
	char e_name[];
} __attribute__((packed));

/* ---- in memory --------------------------------------------------------- */

/* Group descriptor flags (bg_flags). */
#define EXT4_BG_INODE_UNINIT 0x1
#define EXT4_BG_BLOCK_UNINIT 0x2
#define EXT4_BG_INODE_ZEROED 0x4

/*
 * A block group.  The locations are set at mount and read-only after;
 * the rest (and the group's bitmaps and descriptor on disk) under lock.
 * The counts are read without it where a stale value only steers a
 * choice (statfs, picking a group).
 */
struct ext4_group {
	uint64_t block_bitmap, inode_bitmap, inode_table;
	uint32_t free_blocks, free_inodes, used_dirs; /* lock */
	uint32_t itable_unused;			      /* lock */
	uint16_t flags;				      /* bg_flags; lock */
	bool bb_checked, ib_checked; /* bitmap checksums verified; lock */
	struct mutex lock;
};

#define EXT4_IHASH 64

/*
 * A mounted ext4 file system.  Everything but the inode cache is set at
 * mount and read-only after.
 */
struct ext4_fs {
	struct superblock sb;
	struct kos_blkdev *bd;
	struct bcache *bc;
	struct ext4_super *es; /* a copy of the superblock */
	uint32_t bs;	       /* block size: 1024..PAGE_SIZE */
	unsigned int log_bs;
	uint64_t nblocks;
	uint32_t first_data_block;
	uint32_t blocks_per_group, inodes_per_group, ninodes, ngroups;
	uint32_t inode_size, desc_size, first_ino;
	uint32_t incompat, ro_compat, compat;
	bool csum;	    /* metadata_csum */
	uint32_t csum_seed; /* kos_crc32c(~0, uuid) or s_checksum_seed */
	uint32_t hash_seed[4];
	bool hash_unsigned;
	uint64_t overhead;   /* blocks statfs does not count */
	uint32_t gdt_blocks; /* descriptor blocks (no reserve) */
	bool gdt_csum;	     /* descriptor checksums: crc16 or crc32c */
	struct ext4_group *groups;
	/* Read-write state: */
	struct mutex sb_lock;
	/*
	 * The orphan chain (s_last_orphan and each orphan's i_dtime link)
	 * and its in-memory copy, orphans (namei.c): every add and delete
	 * runs under it.
	 */
	struct mutex orphan_lock;
	struct list_head orphans; /* orphan_lock: newest first */
	uint64_t free_blocks;	  /* sb_lock: the superblock's counters */
	uint64_t free_inodes;	  /* sb_lock */
	uint64_t r_blocks;	  /* the root reserve, set at mount */
	bool sb_dirty;		  /* sb_lock: counters changed since written */
	bool rw;	      /* mounted read-write (set at mount, unmount) */
	uint16_t mount_state; /* s_state as found at mount (super.c) */
	/* The journal's blocks (from s_jnl_blocks), never allocated: */
	struct {
		uint64_t start;
		uint32_t len;
	} jnl[4];
	unsigned int njnl;
	struct mutex icache_lock;
	struct list_head icache[EXT4_IHASH]; /* icache_lock */
};

/* One inode: the vnode and what the ops need of the on-disk inode. */
struct ext4_inode_info {
	struct vnode v;
	struct list_head hash; /* fs->icache; icache_lock */
	uint32_t flags;	       /* i_flags */
	uint32_t generation;
	uint32_t csum_seed; /* for checksums of its blocks */
	uint64_t file_acl;  /* xattr block, 0: none */
	struct vfs_time btime;
	bool has_btime;
	/*
	 * A directory: the directory it was found in (0: not yet), atomic.
	 * One parent while it lives, so a corrupt entry cannot make a loop
	 * of name-cache references (dir.c, ext4_lookup).
	 */
	uint32_t parent;
	uint8_t *raw; /* the on-disk inode, fs->inode_size bytes */
	/* on the orphan list (namei.c): set under orphan_lock and ei->lock */
	bool orphan;
	struct list_head orphan_link; /* fs->orphans; fs->orphan_lock */
	/*
	 * An O_TMPFILE made without O_EXCL and not linked yet: the one
	 * inode with no links that link(2) may name (Linux's I_LINKABLE);
	 * as nlink, under the VFS's locks for link.
	 */
	bool linkable;
	bool special;	   /* read though reserved or unlinked (super.c iget) */
	struct mutex lock; /* ext4.h "writing": extent tree, raw, size */
	/*
	 * The extent tree's blocks and root while extent.c reads or
	 * changes them: readpage/writepage map under the page cache's
	 * lock, where ei->lock cannot be taken.  Inside the page cache's
	 * lock, outside the groups' locks (extent.c takes it itself).
	 */
	struct mutex map_lock;
};

static inline struct ext4_fs *EXT4_FS(struct superblock *sb)
{
	return container_of(sb, struct ext4_fs, sb);
}

static inline struct ext4_inode_info *EXT4_I(struct vnode *v)
{
	return container_of(v, struct ext4_inode_info, v);
}

static inline struct ext4_inode *ext4_raw(struct ext4_inode_info *ei)
{
	return (struct ext4_inode *)ei->raw;
}

/* Log a corruption (naming what) and give -EUCLEAN. */
int ext4_corrupt(struct ext4_fs *fs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* super.c */
int ext4_mount(struct kos_blkdev *bd, bool read_only, const char *data,
	       struct superblock **out);
/* The vnode of inode ino (a new reference): 0, -EUCLEAN, -EIO, -ENOMEM. */
int ext4_iget(struct ext4_fs *fs, uint32_t ino, struct vnode **out);
/* A metadata block of the fs, checked to lie inside it. */
int ext4_bread(struct ext4_fs *fs, uint64_t blk, struct bbuf **out);
/* Does group g hold a superblock copy (and descriptors)? */
bool ext4_group_has_super(struct ext4_fs *fs, uint32_t g);
/* Put a new inode's vnode (one reference, the caller's) in the cache. */
void ext4_icache_add(struct ext4_fs *fs, struct ext4_inode_info *ei);
/*
 * The in-memory inode ino, live or already dying (its last reference
 * gone, its eviction under way), without taking a reference; NULL if
 * not cached.  Only for a caller that knows the inode cannot be freed
 * meanwhile (the unit tests' look at orphans: an orphan is freed only
 * after it is off the list, which takes fs->orphan_lock).
 */
struct ext4_inode_info *ext4_icache_peek(struct ext4_fs *fs, uint32_t ino);

/* inode.c */
extern const struct vnode_ops ext4_vops;
int ext4_inode_fill(struct ext4_fs *fs, struct ext4_inode_info *ei,
		    uint32_t ino);
void ext4_inode_free(struct ext4_inode_info *ei);

/* extent.c */
/*
 * Map logical block lblk of ei: *pblk the disk block (0: a hole or an
 * unwritten extent, which read as zeros), *count how many blocks from
 * lblk on map alike (contiguous on disk, or all holes), at least 1 and
 * at most max.  0, -EUCLEAN, -EIO, -ENOMEM.
 */
int ext4_map(struct ext4_inode_info *ei, uint32_t lblk, uint32_t max,
	     uint64_t *pblk, uint32_t *count);

/* dir.c */
int ext4_lookup(struct vnode *dir, const char *name, size_t len,
		struct vnode **out);
int ext4_readdir(struct vnode *dir, uint64_t *pos, vfs_filldir_t fill,
		 void *ctx);
/*
 * The hash tree's name hash (exposed for the unit tests); *minor (if
 * not NULL) gets the minor hash readdir orders by as well.
 */
uint32_t ext4_dirhash(const char *name, size_t len, int version,
		      const uint32_t seed[4], uint32_t *minor);

/*
 * ---- writing (step 7 of docs/plan-block-ext4.md) --------------------
 *
 * The interfaces the writing parts share; each file's owner may add to
 * them.  Locks, in the order they nest (outermost first):
 *   vnode.lock (the VFS's)   attributes, a directory's entries
 *   fs->orphan_lock          the orphan chain
 *   ei->lock                 ei's extent tree, raw inode and size
 *   a group's lock           its bitmaps, free counts, descriptor
 *   fs->sb_lock              the superblock copy's counters and state
 * bcache and page-cache locks are inside all of these.  No lock is held
 * across a wait for the disk that another file's I/O would need.
 */

/* alloc.c */
/*
 * Up to want (>= 1) free blocks in one contiguous run, as near goal as
 * can be (0: no preference), marked used in their bitmap, counted in
 * the group and superblock: the first in *first, how many in *got
 * (>= 1).  The root reserve (s_r_blocks_count) is left alone unless
 * reserve.  -ENOSPC, -EUCLEAN, -EIO.
 */
int ext4_alloc_blocks(struct ext4_fs *fs, uint64_t goal, uint32_t want,
		      bool reserve, uint64_t *first, uint32_t *got);
/* Give blocks [first, first + count) back (they must be in use). */
int ext4_free_blocks(struct ext4_fs *fs, uint64_t first, uint64_t count);
/*
 * Does [blk, blk + n) overlap metadata: a superblock copy and its
 * descriptors, a bitmap, an inode table, the journal (Linux's "system
 * zone")?  File data there is corruption.
 */
bool ext4_blocks_are_metadata(struct ext4_fs *fs, uint64_t blk, uint64_t n);
/*
 * A free inode number for a new node of mode in directory dir_ino:
 * directories spread over the groups, other files near their
 * directory.  -ENOSPC.
 */
int ext4_alloc_ino(struct ext4_fs *fs, uint32_t dir_ino, uint32_t mode,
		   uint32_t *ino);
int ext4_free_ino(struct ext4_fs *fs, uint32_t ino, bool is_dir);
/* At mount: what alloc.c needs beyond the groups (the journal's place). */
void ext4_alloc_init(struct ext4_fs *fs);
/* Group descriptor g into its block (checksummed, dirty); g's lock. */
int ext4_group_write(struct ext4_fs *fs, uint32_t g);
/* The descriptor checksum of desc (group g), metadata_csum or crc16. */
uint16_t ext4_group_csum(struct ext4_fs *fs, uint32_t g, const void *desc);
/* Free blocks the caller may have (reserve: with the root reserve). */
uint64_t ext4_avail_blocks(struct ext4_fs *fs, bool reserve);

/* inode.c */
/*
 * A new inode in dir's file system: allocated, initialised on disk
 * (mode, owner, times now, crtime, extents flag and an empty tree,
 * extra_isize, generation, checksum) with nlink 0; the caller links it
 * and sets v.nlink.  *out: a new reference.
 */
int ext4_new_inode(struct ext4_inode_info *dir, uint32_t mode, uint32_t uid,
		   uint32_t gid, struct ext4_inode_info **out);
/*
 * Store ei's in-memory state (the vnode's attributes, size, blocks,
 * flags) into ei->raw and raw into its inode table block (checksum
 * updated, the buffer dirty).  With ei->lock held.  Fields with no
 * vnode counterpart (i_dtime, i_block) are raw's own: set them there.
 */
int ext4_inode_write(struct ext4_inode_info *ei);

/*
 * The last reference to ei goes (super.c's evict): with no links left,
 * its blocks, its xattr block reference and the inode are freed
 * (i_dtime set).
 */
void ext4_evict_inode(struct ext4_inode_info *ei);

/* extent.c */
/*
 * As ext4_map, and with create, holes and unwritten extents in
 * [lblk, lblk + max) become written blocks (allocated near the blocks
 * before them): *pblk is never 0 then, and *fresh says the run's blocks
 * are new (their old contents must not be read; the caller writes or
 * zeroes them).  With ei->lock held.  -ENOSPC, -EUCLEAN, -EIO.
 */
int ext4_get_blocks(struct ext4_inode_info *ei, uint32_t lblk, uint32_t max,
		    bool create, uint64_t *pblk, uint32_t *count, bool *fresh);
/*
 * fallocate: holes in [lblk, lblk + max) from lblk on become unwritten
 * extents (read as zeros); *count blocks from lblk are allocated after
 * (newly or already).  With ei->lock held.  -ENOSPC, -EUCLEAN, -EIO.
 */
int ext4_prealloc(struct ext4_inode_info *ei, uint32_t lblk, uint32_t max,
		  uint32_t *count);
/* Free the blocks in [a, b) (fallocate PUNCH_HOLE).  ei->lock held. */
int ext4_punch_blocks(struct ext4_inode_info *ei, uint32_t a, uint32_t b);
/* Free every block at or past lblk (truncate), shrinking the tree. */
int ext4_truncate_blocks(struct ext4_inode_info *ei, uint32_t lblk);
/*
 * COLLAPSE_RANGE: free the blocks in [a, b) and move every extent past
 * them down by b - a.  INSERT_RANGE: move every block at or past a up
 * by n (an extent across a is split), leaving a hole [a, a + n); -EFBIG
 * if the last extent would pass block 2^32.  Extent-mapped files only
 * (else -EOPNOTSUPP).  ei->lock held; the page cache is the caller's.
 */
int ext4_collapse_blocks(struct ext4_inode_info *ei, uint32_t a, uint32_t b);
int ext4_insert_blocks(struct ext4_inode_info *ei, uint32_t a, uint32_t n);

/* dir.c (the caller holds dir's vnode lock) */
/* The directory entry file type of a mode (0: unknown). */
uint8_t ext4_ftype(uint32_t mode);
/*
 * Add the entry name -> ino (of type mode) to dir; the caller checked
 * the name is not there.  -EAGAIN: no room, and one more block would
 * do: the caller maps block nlblk = the directory's block count (size
 * grown to cover it) and calls ext4_dir_add_grown with it, which
 * makes it a leaf holding the name (a linear directory) or splits the
 * name's full leaf into it (a hash tree; -EAGAIN again if the name's
 * half is still full).  -ENOSPC: the hash tree's index block is full
 * (index splits and new levels are not written yet).
 */
int ext4_dir_add(struct ext4_inode_info *dir, const char *name, size_t len,
		 uint32_t ino, uint32_t mode);
int ext4_dir_add_grown(struct ext4_inode_info *dir, const char *name,
		       size_t len, uint32_t ino, uint32_t mode, uint32_t nlblk,
		       struct bbuf *nb);
/* Remove the entry name from dir: its inode in *ino.  -ENOENT. */
int ext4_dir_remove(struct ext4_inode_info *dir, const char *name, size_t len,
		    uint32_t *ino);
/* Point dir's entry name (".." too) at ino of type mode.  -ENOENT. */
int ext4_dir_retarget(struct ext4_inode_info *dir, const char *name, size_t len,
		      uint32_t ino, uint32_t mode);
/* 0 if dir holds nothing but "." and "..", else -ENOTEMPTY. */
int ext4_dir_empty(struct ext4_inode_info *dir);
/* The inode of dir's entry name (".." too): 0 or -ENOENT. */
int ext4_dir_find(struct ext4_inode_info *dir, const char *name, size_t len,
		  uint32_t *ino);

/* namei.c: the namespace vnode ops (ext4_vops). */
int ext4_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
		uint32_t rdev, uint32_t uid, uint32_t gid, struct vnode **out);
int ext4_symlink(struct vnode *dir, const char *name, size_t len,
		 const char *target, uint32_t uid, uint32_t gid,
		 struct vnode **out);
int ext4_tmpfile(struct vnode *dir, uint32_t mode, uint32_t uid, uint32_t gid,
		 bool linkable, struct vnode **out);
int ext4_link(struct vnode *dir, const char *name, size_t len, struct vnode *v);
int ext4_unlink(struct vnode *dir, const char *name, size_t len, bool dir_only);
int ext4_rename(struct vnode *odir, const char *oname, size_t olen,
		struct vnode *ndir, const char *nname, size_t nlen,
		unsigned int flags);
/*
 * The orphan list (s_last_orphan, linked through i_dtime; in memory
 * fs->orphans, doubly linked): an inode whose link count reached 0 goes
 * on it at once (unlink, rmdir, rename over it), and ext4_evict_inode
 * takes it off (ext4_orphan_del, O(1)) before freeing it, so a crash
 * leaves it for the next mount to free.  ext4_orphan_adopt: the mount's
 * cleanup found ei at the head of the chain on the disk (from before
 * the mount) and puts it at the head in memory.  ext4_orphan_forget:
 * ei is being freed while still listed (not rw, or it kept links): off
 * the list in memory only.
 */
int ext4_orphan_add(struct ext4_inode_info *ei);
int ext4_orphan_del(struct ext4_inode_info *ei);
void ext4_orphan_adopt(struct ext4_inode_info *ei);
void ext4_orphan_forget(struct ext4_inode_info *ei);

/* xattr.c */
ssize_t ext4_getxattr(struct vnode *v, const char *name, void *buf,
		      size_t size);
ssize_t ext4_listxattr(struct vnode *v, char *buf, size_t size, bool trusted);
/*
 * Set (value NULL: remove) an attribute, in the inode if it fits, else
 * in the block (Linux 6.1's placement).  -ENOSPC: fits in neither;
 * -EOPNOTSUPP: ACLs, values in their own inode (ea_inode).
 */
int ext4_setxattr(struct vnode *v, const char *name, const void *value,
		  size_t size, int flags);
/*
 * A deleted inode's reference to its xattr block goes (the block is
 * freed with the last; i_blocks drops); ei->lock held.  Failures are
 * logged, the block left for e2fsck.
 */
void ext4_xattr_drop_block(struct ext4_inode_info *ei);

#endif
