/*
 * The ext4 unit tests' disk: a copy of a test image in host memory
 * served as the block device vda (check/ext4/ramdisk.c), and a fresh
 * kernel per test around it.
 */
#ifndef CHECK_EXT4_RAMDISK_H
#define CHECK_EXT4_RAMDISK_H

#include <stddef.h>
#include <stdint.h>

#include <kos/blkdev.h>

#ifndef EXT4_TEST_DIR
#define EXT4_TEST_DIR "build/check/ext4-images"
#endif

#define DEV "/dev/vda"
#define MNT "/mnt"

extern uint8_t *ram; /* the disk's bytes */
extern size_t ram_size;
extern struct kos_blkdev disk;
extern unsigned long writes; /* write requests since ramdisk_boot */

/* The test images' directory: $KOS_EXT4_TEST_DIR or EXT4_TEST_DIR. */
const char *ramdisk_dir(void);
/* name in that directory (one of four static buffers). */
char *ramdisk_path(const char *name);
/*
 * A fresh kernel (memory, scheduler, VFS, no block devices) with the
 * bytes of the host file path (from ramdisk_path, or any path) on vda,
 * /dev/vda and the directory /mnt.
 */
void ramdisk_boot(const char *path);

#endif
