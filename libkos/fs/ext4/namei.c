/*
 * ext4 namespace operations: create (regular files, FIFOs, sockets,
 * devices, directories), symlink, O_TMPFILE, link, unlink/rmdir and
 * rename, on top of dir.c's entry writes and the new-inode and
 * inode-write calls of inode.c.  The VFS holds the directories' vnode
 * locks (both, for a rename) and has checked permissions and types.
 *
 * Link counts follow Linux: a directory counts "." and each
 * subdirectory's ".."; past EXT4_LINK_MAX a directory's count becomes 1
 * ("many") with dir_nlink in a hash-tree directory, and the mkdir is
 * -EMLINK otherwise; a file
 * with EXT4_LINK_MAX names refuses another (-EMLINK).  An unlinked
 * inode is freed by ext4_evict_inode when its last reference goes.
 *
 * Device numbers: the old 8:8 encoding in i_block[0] when major and
 * minor both fit a byte, else the new one in i_block[1] (as Linux).
 * Nodes that are not regular files, directories or slow symlinks keep
 * no block map (no EXTENTS_FL: e2fsck wants none on them).
 */
#include <kos/crc32c.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
#include <kos/string.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#include "ext4.h"

#define EXT4_LINK_MAX 65000
#define DX_BLOCK_LIMIT 0x0fffffff /* hash-tree block numbers: 28 bits */

static struct ext4_fs *NFS(struct ext4_inode_info *ei)
{
	return EXT4_FS(ei->v.sb);
}

/* Store ei's attributes on disk. */
static int store(struct ext4_inode_info *ei)
{
	int err;

	mutex_lock(&ei->lock);
	err = ext4_inode_write(ei);
	mutex_unlock(&ei->lock);
	return err;
}

/* Map (allocating) block lblk of ei: its disk block in *pblk. */
static int map_new(struct ext4_inode_info *ei, uint32_t lblk, uint64_t *pblk)
{
	uint32_t n;
	bool fresh;
	int err;

	mutex_lock(&ei->lock);
	err = ext4_get_blocks(ei, lblk, 1, true, pblk, &n, &fresh);
	mutex_unlock(&ei->lock);
	return err;
}

static void touch_dir(struct ext4_inode_info *dir)
{
	dir->v.mtime = dir->v.ctime = vfs_now();
}

/*
 * Add name -> ino to dir, growing it by a block at a time when dir.c
 * asks for one (-EAGAIN).
 */
static int dir_add(struct ext4_inode_info *dir, const char *name, size_t len,
		   uint32_t ino, uint32_t mode)
{
	struct ext4_fs *fs = NFS(dir);
	int err = ext4_dir_add(dir, name, len, ino, mode);

	for (int tries = 0; err == -EAGAIN && tries < 2 * 3 + 1; tries++) {
		uint64_t nlblk = (dir->v.size + fs->bs - 1) >> fs->log_bs;
		struct bbuf *b;
		uint64_t pblk;

		if (nlblk >= DX_BLOCK_LIMIT)
			return -ENOSPC;
		err = map_new(dir, (uint32_t)nlblk, &pblk);
		if (!err)
			err = ext4_bread(fs, pblk, &b);
		if (err)
			return err;
		dir->v.size = (nlblk + 1) << fs->log_bs;
		err = ext4_dir_add_grown(dir, name, len, ino, mode,
					 (uint32_t)nlblk, b);
		bcache_put(b);
		if (!err || err == -EAGAIN) {
			int serr = store(dir);

			if (serr)
				return serr;
		}
	}
	return err == -EAGAIN ? -ENOSPC : err;
}

/* One more link on a directory (a new or moved-in subdirectory). */
static void dir_inc_nlink(struct ext4_inode_info *dir)
{
	if (dir->v.nlink == 1) /* "many" already */
		return;
	if (++dir->v.nlink > EXT4_LINK_MAX)
		dir->v.nlink = 1;
}

/* One link fewer on a directory; a count of 1 ("many") or 2 stays. */
static void dir_dec_nlink(struct ext4_inode_info *dir)
{
	if (dir->v.nlink > 2)
		dir->v.nlink--;
}

/* Can dir take another subdirectory? */
static int dir_can_grow(struct ext4_inode_info *dir)
{
	/* as Linux: "many" needs dir_nlink and a hash-tree directory */
	if (dir->v.nlink >= EXT4_LINK_MAX &&
	    !((NFS(dir)->ro_compat & EXT4_RO_COMPAT_DIR_NLINK) &&
	      (dir->flags & EXT4_INDEX_FL)))
		return -EMLINK;
	return 0;
}

/* i_block for a node with no block map (devices, FIFOs, sockets). */
static void no_block_map(struct ext4_inode_info *ei)
{
	ei->flags &= ~(uint32_t)(EXT4_EXTENTS_FL | EXT4_INDEX_FL);
	kos_memset(ext4_raw(ei)->i_block, 0, sizeof(ext4_raw(ei)->i_block));
}

static void set_rdev(struct ext4_inode_info *ei, uint32_t rdev)
{
	uint32_t ma = KDEV_MAJOR(rdev), mi = KDEV_MINOR(rdev), word;
	uint8_t *ib = ext4_raw(ei)->i_block;

	no_block_map(ei);
	if (ma < 256 && mi < 256) {
		word = (ma << 8) | mi;
		kos_memcpy(ib, &word, 4);
	} else {
		word = (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
		kos_memcpy(ib + 4, &word, 4);
	}
	ei->v.rdev = rdev;
}

/* Block 0 of a new directory: ".", "..", the checksum tail. */
static int init_dir_block(struct ext4_inode_info *ei, uint32_t parent)
{
	struct ext4_fs *fs = NFS(ei);
	struct ext4_dirent *dot, *dotdot;
	size_t tail = fs->csum ? EXT4_DIR_TAIL_SIZE : 0;
	struct bbuf *b;
	uint64_t pblk;
	int err = map_new(ei, 0, &pblk);

	if (!err)
		err = ext4_bread(fs, pblk, &b);
	if (err)
		return err;
	kos_memset(b->data, 0, fs->bs);
	dot = b->data;
	dot->inode = (uint32_t)ei->v.ino;
	dot->rec_len = 12;
	dot->name_len = 1;
	dot->file_type = (fs->incompat & EXT4_INCOMPAT_FILETYPE) ? 2 : 0;
	dot->name[0] = '.';
	dotdot = (void *)((char *)b->data + 12);
	dotdot->inode = parent;
	dotdot->rec_len = (uint16_t)(fs->bs - 12 - tail);
	dotdot->name_len = 2;
	dotdot->file_type = dot->file_type;
	dotdot->name[0] = dotdot->name[1] = '.';
	if (tail) {
		struct ext4_dir_tail *t =
			(void *)((char *)b->data + fs->bs - tail);

		t->det_rec_len = EXT4_DIR_TAIL_SIZE;
		t->det_reserved_ft = EXT4_DIR_TAIL_FT;
		t->det_checksum =
			kos_crc32c(ei->csum_seed, b->data, fs->bs - tail);
	}
	bcache_mark_dirty(b);
	bcache_put(b);
	ei->v.size = fs->bs;
	return 0;
}

/* Give up a new inode that got no name (evict frees it: nlink 0). */
static void drop_new(struct ext4_inode_info *ei)
{
	ei->v.nlink = 0;
	store(ei);
	vnode_put(&ei->v);
}

int ext4_create(struct vnode *d, const char *name, size_t len, uint32_t mode,
		uint32_t rdev, uint32_t uid, uint32_t gid, struct vnode **out)
{
	struct ext4_inode_info *dir = EXT4_I(d), *ei;
	uint32_t ino;
	int err;

	if (len > EXT4_NAME_LEN)
		return -ENAMETOOLONG;
	if (d->nlink == 0)
		return -ENOENT;
	err = ext4_dir_find(dir, name, len, &ino);
	if (err != -ENOENT)
		return err ? err : -EEXIST;
	if (S_ISDIR(mode) && (err = dir_can_grow(dir)))
		return err;
	err = ext4_new_inode(dir, mode, uid, gid, &ei);
	if (err)
		return err;
	switch (mode & S_IFMT) {
	case S_IFDIR:
		err = init_dir_block(ei, (uint32_t)d->ino);
		ei->v.nlink = 2;
		ei->parent = (uint32_t)d->ino;
		break;
	case S_IFCHR:
	case S_IFBLK:
		set_rdev(ei, rdev);
		ei->v.nlink = 1;
		break;
	case S_IFIFO:
	case S_IFSOCK:
		no_block_map(ei);
		ei->v.nlink = 1;
		break;
	default:
		ei->v.nlink = 1;
		break;
	}
	if (!err)
		err = store(ei);
	if (!err)
		err = dir_add(dir, name, len, (uint32_t)ei->v.ino, mode);
	if (err) {
		drop_new(ei);
		return err;
	}
	if (S_ISDIR(mode))
		dir_inc_nlink(dir);
	touch_dir(dir);
	err = store(dir);
	*out = &ei->v;
	return err;
}

int ext4_symlink(struct vnode *d, const char *name, size_t len,
		 const char *target, uint32_t uid, uint32_t gid,
		 struct vnode **out)
{
	struct ext4_inode_info *dir = EXT4_I(d), *ei;
	struct ext4_fs *fs = NFS(dir);
	size_t tlen = kos_strlen(target);
	uint32_t ino;
	int err;

	if (len > EXT4_NAME_LEN)
		return -ENAMETOOLONG;
	if (tlen + 1 > fs->bs)
		return -ENAMETOOLONG;
	if (d->nlink == 0)
		return -ENOENT;
	err = ext4_dir_find(dir, name, len, &ino);
	if (err != -ENOENT)
		return err ? err : -EEXIST;
	err = ext4_new_inode(dir, S_IFLNK | 0777, uid, gid, &ei);
	if (err)
		return err;
	ei->v.nlink = 1;
	ei->v.size = tlen;
	if (tlen < sizeof(ext4_raw(ei)->i_block)) {
		no_block_map(ei); /* a fast symlink: the target in i_block */
		kos_memcpy(ext4_raw(ei)->i_block, target, tlen);
	} else {
		struct bbuf *b;
		uint64_t pblk;

		err = map_new(ei, 0, &pblk);
		if (!err)
			err = ext4_bread(fs, pblk, &b);
		if (!err) {
			kos_memset(b->data, 0, fs->bs);
			kos_memcpy(b->data, target, tlen);
			bcache_mark_dirty(b);
			bcache_put(b);
		}
	}
	if (!err)
		err = store(ei);
	if (!err)
		err = dir_add(dir, name, len, (uint32_t)ei->v.ino, S_IFLNK);
	if (err) {
		drop_new(ei);
		return err;
	}
	touch_dir(dir);
	err = store(dir);
	*out = &ei->v;
	return err;
}

int ext4_tmpfile(struct vnode *d, uint32_t mode, uint32_t uid, uint32_t gid,
		 bool linkable, struct vnode **out)
{
	struct ext4_inode_info *ei;
	int err;

	if (d->nlink == 0)
		return -ENOENT;
	err = ext4_new_inode(EXT4_I(d), S_IFREG | (mode & 07777), uid, gid,
			     &ei);
	if (err)
		return err;
	ei->linkable = linkable;
	/* nlink 0 from the start: an orphan until linked or evicted */
	err = ext4_orphan_add(ei);
	if (err) {
		vnode_put(&ei->v);
		return err;
	}
	*out = &ei->v;
	return 0;
}

int ext4_link(struct vnode *d, const char *name, size_t len, struct vnode *v)
{
	struct ext4_inode_info *dir = EXT4_I(d), *ei = EXT4_I(v);
	uint32_t ino;
	int err;

	if (len > EXT4_NAME_LEN)
		return -ENAMETOOLONG;
	/* An unlinked file stays so, but for a linkable O_TMPFILE. */
	if (d->nlink == 0 || (v->nlink == 0 && !ei->linkable))
		return -ENOENT;
	if (v->nlink >= EXT4_LINK_MAX)
		return -EMLINK;
	err = ext4_dir_find(dir, name, len, &ino);
	if (err != -ENOENT)
		return err ? err : -EEXIST;
	err = dir_add(dir, name, len, (uint32_t)v->ino, v->mode);
	if (err)
		return err;
	v->nlink++;
	v->ctime = vfs_now();
	ei->linkable = false;
	err = v->nlink == 1 ? ext4_orphan_del(ei) : 0; /* an O_TMPFILE */
	if (!err)
		err = store(ei);
	touch_dir(dir);
	if (!err)
		err = store(dir);
	return err;
}

int ext4_unlink(struct vnode *d, const char *name, size_t len, bool dir_only)
{
	struct ext4_inode_info *dir = EXT4_I(d);
	struct vnode *v;
	uint32_t ino;
	int err = ext4_dir_find(dir, name, len, &ino);

	if (err)
		return err;
	err = ext4_iget(NFS(dir), ino, &v);
	if (err)
		return err;
	if (dir_only != S_ISDIR(v->mode)) {
		err = dir_only ? -ENOTDIR : -EISDIR;
		goto out;
	}
	if (dir_only && (err = ext4_dir_empty(EXT4_I(v))))
		goto out;
	err = ext4_dir_remove(dir, name, len, NULL);
	if (err)
		goto out;
	if (dir_only) {
		v->nlink = 0;
		dir_dec_nlink(dir);
	} else if (v->nlink) {
		v->nlink--;
	}
	v->ctime = vfs_now();
	touch_dir(dir);
	err = v->nlink ? store(EXT4_I(v)) : ext4_orphan_add(EXT4_I(v));
	if (!err)
		err = store(dir);
out:
	vnode_put(v);
	return err;
}

/* dir's entry ".." now names parent. */
static int set_dotdot(struct ext4_inode_info *child, uint32_t parent)
{
	__atomic_store_n(&child->parent, parent, __ATOMIC_RELEASE);
	return ext4_dir_retarget(child, "..", 2, parent, S_IFDIR);
}

static int rename_exchange(struct ext4_inode_info *odir, const char *oname,
			   size_t olen, struct ext4_inode_info *ndir,
			   const char *nname, size_t nlen, struct vnode *a,
			   struct vnode *b)
{
	int err =
		ext4_dir_retarget(odir, oname, olen, (uint32_t)b->ino, b->mode);

	if (!err)
		err = ext4_dir_retarget(ndir, nname, nlen, (uint32_t)a->ino,
					a->mode);
	if (err || odir == ndir)
		return err;
	if (S_ISDIR(a->mode)) {
		err = set_dotdot(EXT4_I(a), (uint32_t)ndir->v.ino);
		dir_dec_nlink(odir);
		dir_inc_nlink(ndir);
	}
	if (!err && S_ISDIR(b->mode)) {
		err = set_dotdot(EXT4_I(b), (uint32_t)odir->v.ino);
		dir_dec_nlink(ndir);
		dir_inc_nlink(odir);
	}
	return err;
}

int ext4_rename(struct vnode *od, const char *oname, size_t olen,
		struct vnode *nd, const char *nname, size_t nlen,
		unsigned int flags)
{
	struct ext4_inode_info *odir = EXT4_I(od), *ndir = EXT4_I(nd);
	struct ext4_fs *fs = NFS(odir);
	struct vnode *v = NULL, *t = NULL;
	uint32_t oino, nino = 0;
	int err;

	if (nlen > EXT4_NAME_LEN)
		return -ENAMETOOLONG;
	if (nd->nlink == 0)
		return -ENOENT;
	err = ext4_dir_find(odir, oname, olen, &oino);
	if (err)
		return err;
	err = ext4_dir_find(ndir, nname, nlen, &nino);
	if (err && err != -ENOENT)
		return err;
	if (nino && (flags & VFS_RENAME_NOREPLACE))
		return -EEXIST;
	if (!nino && (flags & VFS_RENAME_EXCHANGE))
		return -ENOENT;
	if (nino == oino)
		return 0; /* two names of one inode: nothing to do */
	err = ext4_iget(fs, oino, &v);
	if (!err && nino)
		err = ext4_iget(fs, nino, &t);
	if (err)
		goto out;
	if (flags & VFS_RENAME_EXCHANGE) {
		err = rename_exchange(odir, oname, olen, ndir, nname, nlen, v,
				      t);
		if (!err) {
			t->ctime = vfs_now();
			err = store(EXT4_I(t));
		}
	} else {
		if (t && S_ISDIR(t->mode) && (err = ext4_dir_empty(EXT4_I(t))))
			goto out;
		if (S_ISDIR(v->mode) && !t && odir != ndir &&
		    (err = dir_can_grow(ndir)))
			goto out;
		if (t)
			err = ext4_dir_retarget(ndir, nname, nlen,
						(uint32_t)v->ino, v->mode);
		else
			err = dir_add(ndir, nname, nlen, (uint32_t)v->ino,
				      v->mode);
		if (!err)
			err = ext4_dir_remove(odir, oname, olen, NULL);
		if (err)
			goto out;
		if (t) {
			t->ctime = vfs_now();
			if (S_ISDIR(t->mode)) {
				t->nlink = 0;
				dir_dec_nlink(ndir);
			} else if (t->nlink) {
				t->nlink--;
			}
			err = t->nlink ? store(EXT4_I(t))
				       : ext4_orphan_add(EXT4_I(t));
		}
		if (!err && S_ISDIR(v->mode) && odir != ndir) {
			err = set_dotdot(EXT4_I(v), (uint32_t)nd->ino);
			dir_dec_nlink(odir);
			dir_inc_nlink(ndir);
		}
	}
	if (err)
		goto out;
	v->ctime = vfs_now();
	touch_dir(odir);
	touch_dir(ndir);
	err = store(EXT4_I(v));
	if (!err)
		err = store(odir);
	if (!err && ndir != odir)
		err = store(ndir);
out:
	if (t)
		vnode_put(t);
	if (v)
		vnode_put(v);
	return err;
}

/*
 * The orphan list.  On the disk it is a singly linked chain:
 * s_last_orphan names the newest orphan, each orphan's i_dtime the one
 * added before it, 0 ends it.  In memory fs->orphans holds the same
 * inodes in the same order (newest first, ei->orphan_link), doubly
 * linked, so taking one off finds the inode whose link names it at
 * once instead of walking the chain (Linux's s_orphan).  The list is
 * always the chain's head part: an orphan made by this mount goes on
 * both at the front, one taken off leaves both, and the older part of
 * the chain a crash left is taken off at the read-write mount from the
 * front, each inode adopted (ext4_orphan_adopt) as it reaches it.
 * Everything under fs->orphan_lock, then the inode's lock.
 */
int ext4_orphan_add(struct ext4_inode_info *ei)
{
	struct ext4_fs *fs = NFS(ei);
	int err = 0;

	mutex_lock(&fs->orphan_lock);
	mutex_lock(&ei->lock);
	if (!ei->orphan) {
		mutex_lock(&fs->sb_lock);
		ext4_raw(ei)->i_dtime = fs->es->s_last_orphan;
		fs->es->s_last_orphan = (uint32_t)ei->v.ino;
		fs->sb_dirty = true;
		mutex_unlock(&fs->sb_lock);
		ei->orphan = true;
		list_add(&ei->orphan_link, &fs->orphans);
		err = ext4_inode_write(ei);
	}
	mutex_unlock(&ei->lock);
	mutex_unlock(&fs->orphan_lock);
	return err;
}

void ext4_orphan_adopt(struct ext4_inode_info *ei)
{
	struct ext4_fs *fs = NFS(ei);

	mutex_lock(&fs->orphan_lock);
	mutex_lock(&ei->lock);
	if (!ei->orphan) {
		ei->orphan = true;
		list_add(&ei->orphan_link, &fs->orphans);
	}
	mutex_unlock(&ei->lock);
	mutex_unlock(&fs->orphan_lock);
}

/*
 * Take ei off the orphan list: the orphan before it in memory (newer)
 * links past it, or, ei being the newest, s_last_orphan moves on.  A
 * link that does not name ei (the disk changed under the list: a bug
 * or a corrupt chain) is left alone, -EUCLEAN; ei leaves the list in
 * memory whatever happens, so it can be freed.
 */
int ext4_orphan_del(struct ext4_inode_info *ei)
{
	struct ext4_fs *fs = NFS(ei);
	uint32_t ino = (uint32_t)ei->v.ino, next;
	struct ext4_inode_info *prev = NULL;
	bool lost = false;
	int err, e2;

	mutex_lock(&fs->orphan_lock);
	mutex_lock(&ei->lock);
	if (!ei->orphan) {
		mutex_unlock(&ei->lock);
		mutex_unlock(&fs->orphan_lock);
		return 0;
	}
	next = ext4_raw(ei)->i_dtime;
	ext4_raw(ei)->i_dtime = 0;
	ei->orphan = false;
	if (ei->orphan_link.prev != &fs->orphans)
		prev = list_entry(ei->orphan_link.prev, struct ext4_inode_info,
				  orphan_link);
	list_del(&ei->orphan_link);
	if (!prev) {
		mutex_lock(&fs->sb_lock);
		if (fs->es->s_last_orphan == ino) {
			fs->es->s_last_orphan = next;
			fs->sb_dirty = true;
		} else {
			lost = true;
		}
		mutex_unlock(&fs->sb_lock);
	}
	err = ext4_inode_write(ei);
	mutex_unlock(&ei->lock);
	if (prev) {
		mutex_lock(&prev->lock);
		if (ext4_raw(prev)->i_dtime == ino) {
			ext4_raw(prev)->i_dtime = next;
			e2 = ext4_inode_write(prev);
			err = err ? err : e2;
		} else {
			lost = true;
		}
		mutex_unlock(&prev->lock);
	}
	mutex_unlock(&fs->orphan_lock);
	if (lost) {
		e2 = ext4_corrupt(fs,
				  "orphan list: inode %u not linked from "
				  "%s %llu",
				  ino, prev ? "inode" : "the superblock",
				  prev ? (unsigned long long)prev->v.ino
				       : 0ULL);
		err = err ? err : e2;
	}
	return err;
}

void ext4_orphan_forget(struct ext4_inode_info *ei)
{
	struct ext4_fs *fs = NFS(ei);

	mutex_lock(&fs->orphan_lock);
	if (ei->orphan) {
		ei->orphan = false;
		list_del(&ei->orphan_link);
	}
	mutex_unlock(&fs->orphan_lock);
}
