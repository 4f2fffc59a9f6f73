/*
 * Unit tests for the buffer cache (libkos/blk/bcache.c) over a RAM disk
 * that counts its requests: a page is read once and its blocks served
 * from the disk's page cache, buffers and the block device see one copy,
 * held and dirty pages survive reclaim, a failed read caches nothing,
 * dirty pages stay until bcache_sync writes them and flushes, data
 * written around the cache is copied into it, and bad arguments are
 * refused.
 */
#include <check.h>
#include <string.h>

#include <kos/bcache.h>
#include <kos/blkdev.h>
#include <kos/file.h>
#include <kos/pcache.h>
#include <kos/plat/mem.h>

#include "../fs/fs_test.h"

#define SECTORS 128 /* 64 KiB: 64 blocks of 1 KiB */

static uint8_t disk_ram[SECTORS * BLK_SECTOR];
static unsigned int reads, writes, flushes, fail_reads;
static struct kos_blkdev disk;

static int ram_submit(struct kos_blkdev *bd, struct blk_request *rq)
{
	uint8_t *p = disk_ram + rq->sector * BLK_SECTOR;
	void *buf = plat_phys_to_virt(rq->pa);

	rq->status = 0;
	if (rq->op == BLK_READ) {
		reads++;
		if (fail_reads) {
			fail_reads--;
			rq->status = -EIO;
		} else {
			memcpy(buf, p, rq->len);
		}
	} else if (rq->op == BLK_WRITE) {
		writes++;
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
	for (size_t i = 0; i < sizeof(disk_ram); i++)
		disk_ram[i] = (uint8_t)(i / 1024 + i * 3);
	reads = writes = flushes = fail_reads = 0;
	memset(&disk, 0, sizeof(disk));
	disk.nsectors = SECTORS;
	disk.block_size = 512;
	disk.ops = &ram_ops;
	ck_assert_int_eq(blkdev_register(&disk), 0);
}

START_TEST(test_bcache_get_put)
{
	struct bcache *bc = bcache_create(&disk, 1024, 0);
	struct bbuf *a, *b, *c;

	ck_assert_ptr_nonnull(bc);
	ck_assert_int_eq(bcache_get(bc, 5, &a), 0);
	ck_assert(!memcmp(a->data, disk_ram + 5 * 1024, 1024));
	ck_assert_int_eq(bcache_get(bc, 5, &b), 0);
	ck_assert_ptr_eq(a, b); /* one buffer per block in use */
	ck_assert_uint_eq(reads, 1);
	/* block 6 shares block 5's page: no second read */
	ck_assert_int_eq(bcache_get(bc, 6, &c), 0);
	ck_assert_ptr_ne(c, a);
	ck_assert(!memcmp(c->data, disk_ram + 6 * 1024, 1024));
	ck_assert_uint_eq(reads, 1);
	ck_assert_uint_eq(bc->count, 2);
	bcache_put(a);
	bcache_put(b);
	bcache_put(c);
	ck_assert_uint_eq(bc->count, 0);
	/* the page stays in the disk's cache */
	ck_assert_int_eq(bcache_get(bc, 4, &a), 0);
	ck_assert_uint_eq(reads, 1);
	bcache_put(a);
	ck_assert_int_eq(bcache_get(bc, 64, &a), -EINVAL); /* past the end */
	ck_assert_ptr_null(a);
	bcache_destroy(bc);
	ck_assert_ptr_null(bcache_create(&disk, 256, 8));
	ck_assert_ptr_null(bcache_create(&disk, 1536, 8));
	ck_assert_ptr_null(bcache_create(&disk, 8192, 8));
}
END_TEST

/* Read or write n bytes at off through the disk's own cache. */
static ssize_t disk_rw(bool write, void *buf, size_t n, uint64_t off)
{
	struct uio u;

	uio_init_kernel(&u, buf, n);
	return blkdev_cache_rw(&disk, &u, off, write);
}

START_TEST(test_bcache_one_copy)
{
	struct bcache *bc = bcache_create(&disk, 1024, 0);
	char buf[8];
	struct bbuf *b;

	/* a change through a buffer shows in the block device at once */
	ck_assert_int_eq(bcache_get(bc, 9, &b), 0);
	memcpy((char *)b->data + 10, "meta", 4);
	bcache_mark_dirty(b);
	ck_assert_int_eq(disk_rw(false, buf, 4, 9 * 1024 + 10), 4);
	ck_assert(!memcmp(buf, "meta", 4));
	/* and the other way round */
	ck_assert_int_eq(disk_rw(true, "file", 4, 9 * 1024 + 20), 4);
	ck_assert(!memcmp((char *)b->data + 20, "file", 4));
	/* a held buffer's page survives reclaim */
	pcache_reclaim(1000);
	bcache_put(b);
	ck_assert_uint_eq(reads, 1);
	ck_assert_int_eq(bcache_get(bc, 10, &b), 0);
	ck_assert_uint_eq(reads, 1);
	bcache_put(b);
	/* data written around the cache is copied into cached pages only */
	memset(buf, 'D', sizeof(buf));
	bcache_alias_write(bc, 11, 1, disk_ram + 11 * 1024); /* cached */
	memset(disk_ram + 11 * 1024, 'D', 1024);
	bcache_alias_write(bc, 11, 1, disk_ram + 11 * 1024);
	ck_assert_int_eq(bcache_get(bc, 11, &b), 0);
	ck_assert_uint_eq(((uint8_t *)b->data)[0], 'D');
	bcache_put(b);
	bcache_alias_write(bc, 40, 1, disk_ram + 11 * 1024); /* not cached */
	ck_assert_uint_eq(reads, 1);
	ck_assert_int_eq(bcache_sync(bc), 0);
	bcache_destroy(bc);
}
END_TEST

START_TEST(test_bcache_read_error)
{
	struct bcache *bc = bcache_create(&disk, 1024, 0);
	struct bbuf *b;

	fail_reads = 1;
	ck_assert_int_eq(bcache_get(bc, 3, &b), -EIO);
	ck_assert_ptr_null(b);
	ck_assert_uint_eq(bc->count, 0);
	ck_assert_int_eq(bcache_get(bc, 3, &b), 0); /* tried again */
	ck_assert_uint_eq(reads, 2);
	ck_assert(!memcmp(b->data, disk_ram + 3 * 1024, 1024));
	bcache_put(b);
	bcache_destroy(bc);
}
END_TEST

START_TEST(test_bcache_dirty_sync)
{
	struct bcache *bc = bcache_create(&disk, 4096, 0);
	struct bbuf *b;

	ck_assert_int_eq(bcache_get(bc, 2, &b), 0);
	memset(b->data, 0xab, 4096);
	bcache_mark_dirty(b);
	bcache_put(b);
	/* a dirty page is not reclaimed */
	pcache_reclaim(1000);
	ck_assert_uint_eq(writes, 0);
	ck_assert_int_eq(bcache_get(bc, 2, &b), 0);
	ck_assert_uint_eq(((uint8_t *)b->data)[100], 0xab);
	bcache_put(b);
	ck_assert_int_eq(bcache_sync(bc), 0);
	ck_assert_uint_eq(writes, 1);
	ck_assert_uint_eq(flushes, 1);
	ck_assert_uint_eq(disk_ram[2 * 4096 + 100], 0xab);
	ck_assert_int_eq(bcache_sync(bc), 0); /* clean now */
	ck_assert_uint_eq(writes, 1);
	/* clean and unheld, it may go; then it is read again */
	bcache_shrink(bc);
	ck_assert_int_eq(bcache_get(bc, 2, &b), 0);
	ck_assert_uint_eq(reads, 2);
	bcache_put(b);
	bcache_destroy(bc);
}
END_TEST

Suite *bcache_suite(void)
{
	Suite *s = suite_create("bcache");
	TCase *tc = tcase_create("bcache");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_bcache_get_put);
	tcase_add_test(tc, test_bcache_one_copy);
	tcase_add_test(tc, test_bcache_read_error);
	tcase_add_test(tc, test_bcache_dirty_sync);
	suite_add_tcase(s, tc);
	return s;
}
