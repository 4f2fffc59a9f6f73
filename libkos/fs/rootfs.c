/*
 * Boot-time set-up of the root file system, kept out of the VFS core
 * (fs/vfs.c): a tmpfs root, the initramfs unpacked into it, as Linux
 * does, and the standard /dev nodes.  The batch test runner
 * (kern/batch.c) throws the root away and builds it again.
 */
#include <kos/log.h>
#include <kos/vfs.h>
#include <uapi/errno.h>

#include "internal.h"

int vfs_init(const void *initrd, size_t size)
{
	struct superblock *sb;
	struct vnode *root;
	int err;

	sb = ramfs_create();
	if (!sb)
		return -ENOMEM;
	err = vfs_set_root(sb);
	if (err)
		return err;
	root = vfs_root();
	if (initrd && size) {
		err = cpio_unpack(root, initrd, size);
		if (err == -ENOMEM)
			return err;
		if (err)
			log_err("vfs: initramfs damaged (%d); keeping what "
				"was unpacked",
				err);
	}
	err = dev_populate(root);
	if (err)
		log_err("vfs: cannot populate /dev (%d)", err);
	return err == -ENOMEM ? err : 0;
}

int vfs_reset_root(const void *initrd, size_t size)
{
	int err = vfs_drop_root();

	return err ? err : vfs_init(initrd, size);
}
