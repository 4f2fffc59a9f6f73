/*
 * Unit tests for the block-device core (libkos/blk/blkdev.c) over a RAM
 * disk driver that completes requests inside submit: registration and
 * Linux's numbers, blkdev_io round trips and its checks (alignment, the
 * end of the disk, read-only), errors from the driver, and a block device
 * node's file through the disk's cache: unaligned reads and writes, data
 * reaching the disk on fsync (write back, then flush), BLKFLSBUF dropping
 * the cache, lseek with the disk's size, ENOSPC at the end, the BLK*
 * ioctls.
 */
#include <check.h>
#include <string.h>

#include <kos/blkdev.h>
#include <kos/plat/mem.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/mman.h>
#include <uapi/stat.h>

#include "../fs/fs_test.h"

#define DISK_SECTORS 64 /* 32 KiB: eight pages */

static uint8_t ram[DISK_SECTORS * BLK_SECTOR];
static int flushes, fail_next;
static struct kos_blkdev disk;

static int ram_submit(struct kos_blkdev *bd, struct blk_request *rq)
{
	uint8_t *p = ram + rq->sector * BLK_SECTOR;
	void *buf = plat_phys_to_virt(rq->pa);

	ck_assert_uint_le(rq->sector * BLK_SECTOR + rq->len, sizeof(ram));
	ck_assert_uint_eq(rq->len % bd->block_size, 0);
	rq->status = 0;
	if (fail_next) {
		fail_next = 0;
		rq->status = -EIO;
	} else if (rq->op == BLK_READ) {
		memcpy(buf, p, rq->len);
	} else if (rq->op == BLK_WRITE) {
		memcpy(p, buf, rq->len);
	} else {
		flushes++;
	}
	rq->done(rq);
	return 0;
}

static const struct blkdev_ops ram_ops = { .submit = ram_submit };

static void setup(void)
{
	fs_test_setup();
	blkdev_reset();
	for (size_t i = 0; i < sizeof(ram); i++)
		ram[i] = (uint8_t)(i * 7 + i / 512);
	flushes = fail_next = 0;
	memset(&disk, 0, sizeof(disk));
	disk.nsectors = DISK_SECTORS;
	disk.block_size = 512;
	disk.ops = &ram_ops;
	ck_assert_int_eq(blkdev_register(&disk), 0);
}

START_TEST(test_blk_register)
{
	struct kos_blkdev b2 = disk, bad = disk;

	ck_assert_str_eq(disk.name, "vda");
	ck_assert_uint_eq(disk.rdev, KDEV(254, 0));
	ck_assert_int_eq(blkdev_register(&b2), 0);
	ck_assert_str_eq(b2.name, "vdb");
	ck_assert_uint_eq(b2.rdev, KDEV(254, 16));
	ck_assert_ptr_eq(blkdev_lookup(KDEV(254, 16)), &b2);
	ck_assert_ptr_null(blkdev_lookup(KDEV(254, 1))); /* a partition */
	ck_assert_ptr_null(blkdev_lookup(KDEV(254, 32)));
	bad.block_size = 1000;
	ck_assert_int_eq(blkdev_register(&bad), -EINVAL);
	bad.block_size = 4096;
	bad.nsectors = 9; /* not whole blocks */
	ck_assert_int_eq(blkdev_register(&bad), -EINVAL);
}
END_TEST

START_TEST(test_blk_io)
{
	static uint8_t buf[3 * 4096 + 512], want[sizeof(buf)];

	/* more than a page: bounced in pieces */
	ck_assert_int_eq(blkdev_io(&disk, BLK_READ, 1024, buf, sizeof(buf)), 0);
	ck_assert(!memcmp(buf, ram + 1024, sizeof(buf)));
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(255 - i);
	ck_assert_int_eq(blkdev_io(&disk, BLK_WRITE, 512, want, sizeof(want)),
			 0);
	ck_assert(!memcmp(ram + 512, want, sizeof(want)));
	ck_assert_int_eq(blkdev_io(&disk, BLK_READ, 100, buf, 512), -EINVAL);
	ck_assert_int_eq(blkdev_io(&disk, BLK_READ, 0, buf, 100), -EINVAL);
	ck_assert_int_eq(blkdev_io(&disk, BLK_READ, sizeof(ram), buf, 512),
			 -EINVAL);
	ck_assert_int_eq(blkdev_io(&disk, BLK_FLUSH, 0, NULL, 0), 0);
	ck_assert_int_eq(flushes, 1);
	fail_next = 1;
	ck_assert_int_eq(blkdev_io(&disk, BLK_READ, 0, buf, 512), -EIO);
	disk.read_only = true;
	ck_assert_int_eq(blkdev_io(&disk, BLK_WRITE, 0, buf, 512), -EROFS);
}
END_TEST

#define U 0x40000000UL

/* A user page at U for the ioctls to write into. */
static void map_user(void)
{
	struct vm_space *vm = vm_create();
	unsigned long r;

	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm_map(vm, U, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
				0, &r),
			 0);
	vm_set_current_for_test(vm);
}

/* ioctl cmd of f into user memory: the n-byte value it stored. */
static int64_t ioctl_val(struct file *f, unsigned int cmd, size_t n)
{
	uint64_t v = 0;

	ck_assert_int_eq(clear_user((void *)U, 8), 0);
	ck_assert_int_eq(f->ops->ioctl(f, cmd, U), 0);
	ck_assert_int_eq(copy_from_user(&v, (const void *)U, n), 0);
	return (int64_t)v;
}

/* Read or write n bytes of f at off through its ops. */
static ssize_t frw(struct file *f, bool write, void *buf, size_t n,
		   uint64_t off)
{
	struct uio u;

	uio_init_kernel(&u, buf, n);
	return write ? f->ops->write(f, &u, &off) : f->ops->read(f, &u, &off);
}

START_TEST(test_blk_file)
{
	static uint8_t before[sizeof(ram)];
	struct file *f;
	char buf[700];

	map_user();
	ck_assert_int_eq(
		vfs_mknodat(NULL, "/vda", S_IFBLK | 0600, disk.rdev, NULL), 0);
	ck_assert_int_eq(
		vfs_mknodat(NULL, "/vdz", S_IFBLK | 0600, KDEV(254, 48), NULL),
		0);
	ck_assert_int_eq(vfs_open_kernel("/vdz", O_RDONLY, &f), -ENXIO);
	ck_assert_int_eq(vfs_open_kernel("/vda", O_RDWR, &f), 0);
	/* unaligned: a read across a block and a page boundary */
	ck_assert_int_eq(frw(f, false, buf, sizeof(buf), 4000), sizeof(buf));
	ck_assert(!memcmp(buf, ram + 4000, sizeof(buf)));
	/* an unaligned write keeps the bytes around it */
	memcpy(before, ram, sizeof(ram));
	memset(buf, 0x5a, sizeof(buf));
	ck_assert_int_eq(frw(f, true, buf, 300, 4090), 300);
	/* in the disk's cache until written back */
	ck_assert(!memcmp(ram, before, sizeof(ram)));
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(frw(f, false, buf, 300, 4090), 300);
	ck_assert_int_eq(buf[0], 0x5a);
	ck_assert_int_eq(buf[299], 0x5a);
	ck_assert_int_eq(f->ops->fsync(f, false), 0);
	ck_assert_int_eq(flushes, 1);
	ck_assert(!memcmp(ram, before, 4090));
	ck_assert(!memcmp(ram + 4090, buf, 300));
	ck_assert(!memcmp(ram + 4390, before + 4390, sizeof(ram) - 4390));
	/* BLKFLSBUF forgets the cached pages: a change below shows */
	ram[5] ^= 0xff;
	ck_assert_int_eq(frw(f, false, buf, 1, 5), 1);
	ck_assert_int_eq((uint8_t)buf[0], before[5]);
	ck_assert_int_eq(f->ops->ioctl(f, 0x1261, 0), 0);
	ck_assert_int_eq(flushes, 2);
	ck_assert_int_eq(frw(f, false, buf, 1, 5), 1);
	ck_assert_int_eq((uint8_t)buf[0], (uint8_t)(before[5] ^ 0xff));
	/* the end of the disk */
	ck_assert_int_eq(frw(f, false, buf, sizeof(buf), sizeof(ram) - 10), 10);
	ck_assert_int_eq(frw(f, false, buf, 1, sizeof(ram)), 0);
	memset(buf, 0x33, 20);
	ck_assert_int_eq(frw(f, true, buf, 20, sizeof(ram) - 10), 10);
	ck_assert_int_eq(frw(f, true, buf, 1, sizeof(ram)), -ENOSPC);
	ck_assert_int_eq(f->ops->llseek(f, 0, SEEK_END), sizeof(ram));
	ck_assert_int_eq(f->ops->llseek(f, 1, SEEK_END), -EINVAL);
	ck_assert_int_eq(f->ops->llseek(f, -1, SEEK_SET), -EINVAL);
	/* ioctls, into user memory */
	ck_assert_int_eq(ioctl_val(f, 0x80081272, 8), sizeof(ram));
	ck_assert_int_eq(ioctl_val(f, 0x1260, 8), DISK_SECTORS);
	ck_assert_int_eq(ioctl_val(f, 0x1268, 4), 512);
	ck_assert_int_eq(ioctl_val(f, 0x127b, 4), 512);
	ck_assert_int_eq(ioctl_val(f, 0x125e, 4), 0);
	ck_assert_int_eq(f->ops->ioctl(f, 0x80081272, 0x1000), -EFAULT);
	ck_assert_int_eq(f->ops->ioctl(f, 0x5401, U), -ENOTTY);
	ck_assert_int_eq(f->ops->fsync(f, false), 0);
	ck_assert_int_eq(flushes, 3);
	ck_assert(!memcmp(ram + sizeof(ram) - 10, buf, 10));
	file_put(f);
	/* read-only disks open for writing but refuse writes, as on Linux */
	disk.read_only = true;
	ck_assert_int_eq(vfs_open_kernel("/vda", O_WRONLY, &f), 0);
	ck_assert_int_eq(frw(f, true, buf, 512, 0), -EPERM);
	ck_assert_int_eq(frw(f, true, buf, 512, sizeof(ram)), -EPERM);
	file_put(f);
	ck_assert_int_eq(vfs_open_kernel("/vda", O_RDONLY, &f), 0);
	ck_assert_int_eq(ioctl_val(f, 0x125e, 4), 1);
	file_put(f);
	vm_set_current_for_test(NULL);
}
END_TEST

Suite *blk_suite(void)
{
	Suite *s = suite_create("blk");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, fs_test_teardown);
	tcase_add_test(tc, test_blk_register);
	tcase_add_test(tc, test_blk_io);
	tcase_add_test(tc, test_blk_file);
	suite_add_tcase(s, tc);
	return s;
}
