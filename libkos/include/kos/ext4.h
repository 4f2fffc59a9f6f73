/*
 * ext4 (libkos/fs/ext4/, docs/ext4.md): read-only for now.
 */
#ifndef KOS_EXT4_H
#define KOS_EXT4_H

#include <kos/types.h>

struct kos_blkdev;
struct superblock;

/*
 * A new ext4 instance on disk bd (mount(2) of "ext4"): read_only must
 * be set (else -EROFS: not written yet); data holds the mount options.
 * It takes over the caller's reference to bd (blkdev_get), and gives
 * it back on failure or when the file system goes.  *out: the
 * superblock, its root referenced.  -EINVAL (not ext4, an unsupported
 * feature or option), -EUCLEAN (corrupt), -EIO, -ENOMEM.
 */
int ext4_mount(struct kos_blkdev *bd, bool read_only, const char *data,
	       struct superblock **out);

#endif
