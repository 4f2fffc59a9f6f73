/*
 * Unpacking a cpio "newc" initramfs (the format of cpio -H newc and of
 * Linux's initramfs, magic 070701; 070702 "crc" archives are accepted and
 * their checksums ignored).
 *
 * Each member is a 110-byte ASCII header of thirteen 8-digit hex fields,
 * the NUL-terminated name padded to a multiple of 4 (counting the
 * header), then the data padded to a multiple of 4.  "TRAILER!!!" ends an
 * archive; several archives may follow each other, with zero padding in
 * between.  Regular files that share an inode number (nlink > 1) become
 * hard links of the first one seen; the data may come with any of them.
 *
 * Bad input never crashes: a member that does not fit the buffer or has a
 * malformed header stops the unpacking with -EINVAL (logged); a member
 * that cannot be created (missing parent, unknown type) is logged and
 * skipped.  Compressed archives are not supported (logged).
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#include "internal.h"

#define CPIO_HDR 110

struct cpio_hdr {
	uint32_t ino, mode, uid, gid, nlink, mtime, filesize;
	uint32_t devmajor, devminor, rdevmajor, rdevminor, namesize, check;
};

/* A hard-link group seen so far: the path of its first member. */
struct cpio_link {
	struct cpio_link *next;
	uint32_t ino, devmajor, devminor;
	char path[];
};

/*
 * Directory times are set after the whole archive is unpacked (creating
 * entries inside a directory would move its mtime), as Linux's initramfs
 * unpacker does.
 */
struct cpio_dirtime {
	struct cpio_dirtime *next;
	struct vnode *v; /* referenced */
	uint32_t mtime;
};

/* Remember v's archive mtime for later; failure to allocate is harmless. */
static void defer_dirtime(struct cpio_dirtime **list, struct vnode *v,
			  uint32_t mtime)
{
	struct cpio_dirtime *d = kmalloc(sizeof(*d));

	if (!d)
		return;
	vnode_get(v);
	d->v = v;
	d->mtime = mtime;
	d->next = *list;
	*list = d;
}

static void apply_dirtimes(struct cpio_dirtime **list)
{
	struct cpio_dirtime *d;

	while ((d = *list)) {
		*list = d->next;
		mutex_lock(&d->v->lock);
		d->v->mtime.sec = d->mtime;
		d->v->mtime.nsec = 0;
		d->v->atime = d->v->mtime;
		mutex_unlock(&d->v->lock);
		vnode_put(d->v);
		kfree(d);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse the 13 hex fields after the magic.  false if any is not hex. */
static bool parse_hdr(const char *p, struct cpio_hdr *h)
{
	uint32_t *f = &h->ino;

	for (int i = 0; i < 13; i++) {
		uint32_t v = 0;

		for (int j = 0; j < 8; j++) {
			int d = hexval(p[6 + i * 8 + j]);

			if (d < 0)
				return false;
			v = (v << 4) | (uint32_t)d;
		}
		f[i] = v;
	}
	return true;
}

/* Set ownership, permissions and times from the header. */
static void set_attrs(struct vnode *v, const struct cpio_hdr *h)
{
	mutex_lock(&v->lock);
	v->mode = (v->mode & S_IFMT) | (h->mode & 07777);
	v->uid = h->uid;
	v->gid = h->gid;
	v->mtime.sec = h->mtime;
	v->mtime.nsec = 0;
	v->atime = v->mtime;
	mutex_unlock(&v->lock);
}

/* Remove an existing name that is in the way (not a dir kept as dir). */
static void clear_path(struct vnode *dir, const char *name, uint32_t type)
{
	struct vnode *old;

	if (vfs_lookup(dir, name, 0, NULL, &old))
		return;
	if (S_ISDIR(old->mode) && type == S_IFDIR) {
		vnode_put(old);
		return;
	}
	vfs_unlinkat(dir, name, S_ISDIR(old->mode), NULL);
	vnode_put(old);
}

static struct cpio_link *find_link(struct cpio_link *l,
				   const struct cpio_hdr *h)
{
	for (; l; l = l->next)
		if (l->ino == h->ino && l->devmajor == h->devmajor &&
		    l->devminor == h->devminor)
			return l;
	return NULL;
}

/* Write data to the regular file v (kernel buffer). */
static int fill_file(struct vnode *v, const void *data, size_t len)
{
	struct uio u;
	ssize_t n;

	if (!len)
		return 0;
	uio_init_kernel(&u, (void *)data, len);
	n = v->ops->write ? v->ops->write(v, &u, 0) : -EINVAL;
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -ENOSPC;
}

/* Create one member.  -ENOMEM is fatal; other errors skip the member. */
static int unpack_one(struct vnode *dir, const struct cpio_hdr *h,
		      const char *name, const char *data,
		      struct cpio_link **links, struct cpio_dirtime **dirs)
{
	uint32_t type = h->mode & S_IFMT;
	struct vnode *v = NULL;
	struct cpio_link *l;
	char *target;
	int err;

	if (*name == 0) {
		/* "." or "/": the directory we unpack into */
		if (type == S_IFDIR) {
			set_attrs(dir, h);
			defer_dirtime(dirs, dir, h->mtime);
		}
		return 0;
	}
	clear_path(dir, name, type);
	switch (type) {
	case S_IFDIR:
		err = vfs_create_vnode(dir, name, S_IFDIR | (h->mode & 07777),
				       0, NULL, &v);
		if (err == -EEXIST)
			err = vfs_lookup(dir, name, 0, NULL, &v);
		break;
	case S_IFREG:
		l = h->nlink > 1 ? find_link(*links, h) : NULL;
		if (l) {
			err = vfs_linkat(dir, l->path, dir, name, 0, NULL);
			if (!err)
				err = vfs_lookup(dir, name, 0, NULL, &v);
		} else {
			err = vfs_create_vnode(dir, name, S_IFREG, 0, NULL, &v);
			if (!err && h->nlink > 1) {
				size_t n = kos_strlen(name);

				l = kmalloc(sizeof(*l) + n + 1);
				if (!l) {
					err = -ENOMEM;
					break;
				}
				l->ino = h->ino;
				l->devmajor = h->devmajor;
				l->devminor = h->devminor;
				kos_memcpy(l->path, name, n + 1);
				l->next = *links;
				*links = l;
			}
		}
		if (!err)
			err = fill_file(v, data, h->filesize);
		break;
	case S_IFLNK:
		if (h->filesize == 0 || h->filesize >= PATH_MAX) {
			err = -EINVAL;
			break;
		}
		target = kmalloc(h->filesize + 1);
		if (!target) {
			err = -ENOMEM;
			break;
		}
		kos_memcpy(target, data, h->filesize);
		target[h->filesize] = 0;
		if (kos_strlen(target) != h->filesize)
			err = -EINVAL; /* NUL inside the target */
		else
			err = vfs_create_vnode(dir, name, S_IFLNK | 0777, 0,
					       target, &v);
		kfree(target);
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		err = vfs_create_vnode(dir, name, type | (h->mode & 07777),
				       KDEV(h->rdevmajor, h->rdevminor), NULL,
				       &v);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (!err)
		set_attrs(v, h);
	if (!err && type == S_IFDIR)
		defer_dirtime(dirs, v, h->mtime);
	vnode_put(v);
	if (err && err != -ENOMEM)
		log_warn("initramfs: cannot create %s (mode %o): %d", name,
			 h->mode, err);
	return err == -ENOMEM ? err : 0;
}

/* Drop "./" and "/" prefixes (and a lone "."). */
static const char *clean_name(const char *n)
{
	for (;;) {
		if (n[0] == '/') {
			n++;
		} else if (n[0] == '.' && n[1] == '/') {
			n += 2;
		} else if (n[0] == '.' && n[1] == 0) {
			n++;
		} else {
			return n;
		}
	}
}

int cpio_unpack(struct vnode *dir, const void *data, size_t size)
{
	const char *base = data, *p = data, *end = base + size;
	struct cpio_link *links = NULL, *l;
	struct cpio_dirtime *dirs = NULL;
	int err = 0;

	while (p < end) {
		struct cpio_hdr h;
		const char *name, *fdata;
		size_t left = (size_t)(end - p), hn;

		/* Padding between concatenated archives. */
		if (*p == 0) {
			p++;
			continue;
		}
		if (left < CPIO_HDR || kos_memcmp(p, "0707", 4) != 0 ||
		    p[4] != '0' || (p[5] != '1' && p[5] != '2')) {
			if (left >= 2 && ((unsigned char)p[0] == 0x1f ||
					  (unsigned char)p[0] == 0xfd))
				log_err("initramfs: compressed archives are "
					"not supported");
			else
				log_err("initramfs: bad magic at offset %zu",
					(size_t)(p - base));
			err = -EINVAL;
			break;
		}
		if (!parse_hdr(p, &h)) {
			log_err("initramfs: bad header at offset %zu",
				(size_t)(p - base));
			err = -EINVAL;
			break;
		}
		hn = ALIGN_UP(CPIO_HDR + (size_t)h.namesize, 4);
		if (h.namesize == 0 || h.namesize > PATH_MAX || hn > left ||
		    ALIGN_UP((size_t)h.filesize, 4) > left - hn ||
		    p[CPIO_HDR + h.namesize - 1] != 0) {
			log_err("initramfs: truncated or bad member at offset "
				"%zu",
				(size_t)(p - base));
			err = -EINVAL;
			break;
		}
		name = p + CPIO_HDR;
		fdata = p + hn;
		p = fdata + ALIGN_UP((size_t)h.filesize, 4);
		if (kos_strcmp(name, "TRAILER!!!") == 0) {
			/* forget hard-link groups: they are per archive */
			while ((l = links)) {
				links = l->next;
				kfree(l);
			}
			continue;
		}
		if (kos_strlen(name) + 1 != h.namesize) {
			log_warn("initramfs: NUL inside a name, skipped");
			continue;
		}
		err = unpack_one(dir, &h, clean_name(name), fdata, &links,
				 &dirs);
		if (err)
			break;
	}
	while ((l = links)) {
		links = l->next;
		kfree(l);
	}
	apply_dirtimes(&dirs);
	return err;
}
