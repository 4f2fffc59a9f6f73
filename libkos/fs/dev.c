/*
 * Character devices: the table that maps device numbers to file ops, the
 * memory devices (/dev/null 1:3, zero 1:5, random 1:8, urandom 1:9), and
 * the creation of /dev at boot (nodes, including one per registered disk
 * and partition, /dev/pts and the /dev/fd, /dev/std* links).  The terminals -- /dev/tty (5:0), /dev/console (5:1),
 * /dev/ptmx (5:2), /dev/ttyS0 (4:64), /dev/pts/N (136:N) -- are the tty
 * layer's (libkos/tty/, kos/tty.h).
 *
 * A device node opens by its number, so an initramfs may carry its own
 * /dev entries (with any names); dev_populate() only adds the standard
 * names that are missing.
 */
#include <kos/blkdev.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/random.h>
#include <kos/spinlock.h>
#include <kos/string.h>
#include <kos/tty.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/ioctl.h>
#include <uapi/stat.h>
#include <uapi/termios.h>

#include "internal.h"

#define BOUNCE 4096 /* bytes moved per round for device I/O */

/* ---- memory devices ------------------------------------------------- */

static ssize_t null_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return 0;
}

static ssize_t null_write(struct file *f, struct uio *u, uint64_t *pos)
{
	ssize_t n = (ssize_t)u->resid;

	u->resid = 0;
	return n;
}

static ssize_t zero_read(struct file *f, struct uio *u, uint64_t *pos)
{
	size_t n = u->resid;

	if (uio_zero(u, n))
		return n == u->resid ? -EFAULT : (ssize_t)(n - u->resid);
	return (ssize_t)n;
}

/* /dev/full: reads as /dev/zero, every write finds the disk full. */
static ssize_t full_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return -ENOSPC;
}

/*
 * The result of a transfer that started with want bytes to move and
 * stopped when done or at a fault: the count moved, -EFAULT if a fault
 * stopped it before anything moved.
 */
static ssize_t dev_moved(struct uio *u, size_t want)
{
	if (want && u->resid == want)
		return -EFAULT;
	return (ssize_t)(want - u->resid);
}

static ssize_t random_read(struct file *f, struct uio *u, uint64_t *pos)
{
	size_t want = u->resid;
	char buf[256];
	int err = 0;

	while (u->resid > 0 && !err) {
		size_t chunk = MIN(u->resid, sizeof(buf));

		kos_random_bytes(buf, chunk);
		err = uio_copyout(u, buf, chunk);
	}
	kos_memset(buf, 0, sizeof(buf));
	return dev_moved(u, want);
}

/* Writing to random devices mixes the data into the pool, as Linux. */
static ssize_t random_write(struct file *f, struct uio *u, uint64_t *pos)
{
	size_t want = u->resid;
	char buf[256];

	while (u->resid > 0) {
		size_t chunk = MIN(u->resid, sizeof(buf)), before = u->resid;
		int err = uio_copyin(u, buf, chunk);

		kos_random_mix(buf, before - u->resid);
		if (err)
			break;
	}
	return dev_moved(u, want);
}

/* /dev/zero maps as anonymous memory (shared or private), as Linux. */
static int zero_mmap(struct file *f, bool shared)
{
	return FILE_MMAP_ANON;
}

static const struct file_ops null_fops = {
	.read = null_read,
	.write = null_write,
	.llseek = file_llseek_noop,
};

static const struct file_ops zero_fops = {
	.read = zero_read,
	.write = null_write,
	.llseek = file_llseek_noop,
	.mmap = zero_mmap,
};

static const struct file_ops full_fops = {
	.read = zero_read,
	.write = full_write,
	.llseek = file_llseek_noop,
};

static const struct file_ops random_fops = {
	.read = random_read,
	.write = random_write,
	.llseek = file_llseek_noop,
	.fasync = true,
};

/* ---- the table ------------------------------------------------------ */

struct chrdev {
	uint32_t rdev;
	const char *name; /* under /dev */
	uint32_t mode;	  /* permissions of the node */
	const struct file_ops *fops;
	bool populate; /* created in /dev at boot if missing */
};

static const struct chrdev chrdevs[] = {
	{ KDEV(1, 3), "null", 0666, &null_fops, true },
	{ KDEV(1, 5), "zero", 0666, &zero_fops, true },
	{ KDEV(1, 7), "full", 0666, &full_fops, false }, /* mknod makes it */
	{ KDEV(1, 8), "random", 0666, &random_fops, true },
	{ KDEV(1, 9), "urandom", 0666, &random_fops, true },
	{ KDEV(5, 0), "tty", 0666, &tty_fops, true },
	{ KDEV(5, 1), "console", 0600, &tty_fops, true },
	{ KDEV(5, 2), "ptmx", 0666, &tty_ptmx_fops, true },
	{ KDEV(4, 64), "ttyS0", 0660, &tty_fops, true },
};

const struct file_ops *chrdev_fops(uint32_t rdev)
{
	if (KDEV_MAJOR(rdev) == 136) /* /dev/pts/N */
		return &tty_fops;
	for (size_t i = 0; i < ARRAY_SIZE(chrdevs); i++)
		if (chrdevs[i].rdev == rdev)
			return chrdevs[i].fops;
	return NULL;
}

/* The device nodes under dir/prefix; all: also those boot leaves out. */
static int make_nodes(struct vnode *dir, const char *prefix, bool all)
{
	char path[32];
	int err;

	struct blkdev_info bi;

	/* Partitions first: a disk's table is read before its nodes exist. */
	blkdev_scan_new();
	for (unsigned int m = 0; blkdev_next(&m, &bi); m++) {
		/* Linux's udev: disk group, rw for root and the group */
		kos_snprintf(path, sizeof(path), "%s%s", prefix, bi.name);
		err = vfs_create_vnode(dir, path, S_IFBLK | 0660, bi.rdev, NULL,
				       NULL);
		if (err == -ENOMEM)
			return err;
		if (err && err != -EEXIST)
			log_warn("vfs: cannot create /%s (%d)", path, err);
	}
	for (size_t i = 0; i < ARRAY_SIZE(chrdevs); i++) {
		kos_snprintf(path, sizeof(path), "%s%s", prefix,
			     chrdevs[i].name);
		if (!chrdevs[i].populate && !all)
			continue;
		err = vfs_create_vnode(dir, path, S_IFCHR | chrdevs[i].mode,
				       chrdevs[i].rdev, NULL, NULL);
		if (err == -ENOMEM)
			return err;
		if (err && err != -EEXIST)
			log_warn("vfs: cannot create /%s (%d)", path, err);
	}
	return 0;
}

/*
 * The links udev (and systemd) make on Linux, which programs and shells
 * expect: /dev/fd -> /proc/self/fd, /dev/std{in,out,err} ->
 * /proc/self/fd/{0,1,2}.  They work once /proc is mounted.
 */
static int make_links(struct vnode *root)
{
	static const char *const links[][2] = {
		{ "dev/fd", "/proc/self/fd" },
		{ "dev/stdin", "/proc/self/fd/0" },
		{ "dev/stdout", "/proc/self/fd/1" },
		{ "dev/stderr", "/proc/self/fd/2" },
	};
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		err = vfs_create_vnode(root, links[i][0], S_IFLNK | 0777, 0,
				       links[i][1], NULL);
		if (err == -ENOMEM)
			return err;
		if (err && err != -EEXIST)
			log_warn("vfs: cannot create /%s (%d)", links[i][0],
				 err);
	}
	return 0;
}

/* A directory for devpts, as udev makes it. */
static int make_dir(struct vnode *root, const char *path)
{
	int err = vfs_create_vnode(root, path, S_IFDIR | 0755, 0, NULL, NULL);

	return err == -EEXIST ? 0 : err;
}

int dev_populate(struct vnode *root)
{
	int err = vfs_create_vnode(root, "dev", S_IFDIR | 0755, 0, NULL, NULL);

	if (err && err != -EEXIST)
		return err;
	err = make_nodes(root, "dev/", false);
	if (!err)
		err = make_dir(root, "dev/pts");
	if (!err)
		err = make_links(root);
	return err;
}

int dev_fill_devtmpfs(struct vnode *root)
{
	int err;

	root->mode = S_IFDIR | 0755;
	err = make_nodes(root, "", true);
	return err ? err : make_dir(root, "pts");
}
