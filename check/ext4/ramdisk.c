/* The ext4 unit tests' RAM disk (ramdisk.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kos/boot.h>
#include <kos/kmalloc.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/vfs.h>
#include <uapi/stat.h>

#include "../plat_test.h"
#include "host.h"
#include "ramdisk.h"

uint8_t *ram;
size_t ram_size;
struct kos_blkdev disk;
unsigned long writes;

static int ram_submit(struct kos_blkdev *bd, struct blk_request *rq)
{
	void *buf = plat_phys_to_virt(rq->pa);

	ck_assert_uint_le(rq->sector * BLK_SECTOR + rq->len, ram_size);
	rq->status = 0;
	if (rq->op == BLK_READ) {
		memcpy(buf, ram + rq->sector * BLK_SECTOR, rq->len);
	} else if (rq->op == BLK_WRITE) {
		memcpy(ram + rq->sector * BLK_SECTOR, buf, rq->len);
		writes++;
	}
	rq->done(rq);
	return 0;
}

static const struct blkdev_ops ram_ops = { .submit = ram_submit };

const char *ramdisk_dir(void)
{
	const char *d = getenv("KOS_EXT4_TEST_DIR");

	return d ? d : EXT4_TEST_DIR;
}

char *ramdisk_path(const char *name)
{
	static char buf[4][512];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, 512, "%s/%s", ramdisk_dir(), name);
	return p;
}

void ramdisk_boot(const char *path)
{
	struct kos_bootinfo bi;

	plat_irq_disable();
	test_bootinfo(&bi, TEST_RAM_SIZE);
	pmm_init(&bi);
	kmalloc_init();
	sched_init();
	plat_irq_enable();
	blkdev_reset();
	ck_assert_int_eq(vfs_init(NULL, 0), 0);
	memset(&disk, 0, sizeof(disk));
	free(ram);
	ram = host_slurp(path, &ram_size);
	ck_assert_msg(ram != NULL, "no image %s (make the ext4 test images)",
		      path);
	disk.nsectors = ram_size / BLK_SECTOR;
	disk.block_size = 512;
	disk.ops = &ram_ops;
	writes = 0;
	ck_assert_int_eq(blkdev_register(&disk), 0);
	ck_assert_int_eq(
		vfs_mknodat(NULL, DEV, S_IFBLK | 0600, disk.rdev, NULL), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, MNT, 0755, NULL), 0);
}
