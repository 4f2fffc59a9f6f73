/*
 * Unit tests for the VFS page cache (libkos/fs/pcache.c) with a fake
 * disk file system whose readpage/writepage move pages to and from an
 * array ("the disk") and count the calls: pages are read from the store
 * once and then served from memory, writes mark pages dirty, fsync and
 * sync write each dirty page back once, truncation and hole punching
 * drop pages, sparse files far apart in the index work, a file on the
 * dirty list is kept alive until it is written back, readahead and
 * writeback go in batches when the store can, and reclaim drops
 * only clean pages nobody else holds (and they are read again).
 */
#include "fs_test.h"

#include <kos/plat/mem.h>

#define DISK_PAGES 8

static char disk[DISK_PAGES][PAGE_SIZE];
static int reads, writes, evicts;
static int fail_write; /* writepage gives -EIO while set */

static int fake_readpage(struct vnode *v, uint64_t idx, void *page)
{
	(void)v;
	reads++;
	if (idx < DISK_PAGES)
		memcpy(page, disk[idx], PAGE_SIZE);
	return 0;
}

static int fake_writepage(struct vnode *v, uint64_t idx, const void *page)
{
	(void)v;
	if (fail_write)
		return -EIO;
	writes++;
	if (idx < DISK_PAGES)
		memcpy(disk[idx], page, PAGE_SIZE);
	return 0;
}

static int batch_reads, batch_writes; /* readpages/writepages calls */

static int fake_readpages(struct vnode *v, uint64_t idx, void *const *pages,
			  unsigned int n)
{
	batch_reads++;
	for (unsigned int i = 0; i < n; i++)
		fake_readpage(v, idx + i, pages[i]);
	return 0;
}

static int fake_writepages(struct vnode *v, uint64_t idx, void *const *pages,
			   unsigned int n)
{
	batch_writes++;
	for (unsigned int i = 0; i < n; i++)
		fake_writepage(v, idx + i, pages[i]);
	return 0;
}

static void fake_evict(struct vnode *v)
{
	evicts++;
	kfree(v);
}

static const struct vnode_ops disk_vops = {
	.read = pcache_read,
	.write = pcache_write,
	.truncate = pcache_truncate,
	.fallocate = pcache_fallocate,
	.getpage = pcache_getpage,
	.readpage = fake_readpage,
	.writepage = fake_writepage,
};
static const struct vnode_ops batch_vops = {
	.read = pcache_read,
	.write = pcache_write,
	.truncate = pcache_truncate,
	.fallocate = pcache_fallocate,
	.getpage = pcache_getpage,
	.readpage = fake_readpage,
	.writepage = fake_writepage,
	.readpages = fake_readpages,
	.writepages = fake_writepages,
};
static const struct vnode_ops mem_vops = {
	.read = pcache_read,
	.write = pcache_write,
	.truncate = pcache_truncate,
	.fallocate = pcache_fallocate,
	.getpage = pcache_getpage,
};
static const struct super_ops fake_sops = { .evict = fake_evict };
static struct superblock fake_sb = { .ops = &fake_sops,
				     .fstype = "fake",
				     .max_file_size = 1ULL << 40 };

static struct vnode *new_file(const struct vnode_ops *ops, uint64_t size)
{
	struct vnode *v = vnode_alloc(&fake_sb, ops, sizeof(*v));

	ck_assert_ptr_nonnull(v);
	v->mode = S_IFREG | 0644;
	v->size = size;
	reads = writes = evicts = fail_write = 0;
	return v;
}

static ssize_t kread(struct vnode *v, void *buf, size_t n, uint64_t off)
{
	struct uio u;

	uio_init_kernel(&u, buf, n);
	return pcache_read(v, &u, off);
}

static ssize_t kwrite(struct vnode *v, const void *buf, size_t n, uint64_t off)
{
	struct uio u;

	uio_init_kernel(&u, (void *)buf, n);
	return pcache_write(v, &u, off);
}

static uint64_t npages(struct vnode *v, uint64_t *dirty)
{
	uint64_t p, d;

	pcache_counts(v, &p, &d);
	if (dirty)
		*dirty = d;
	return p;
}

START_TEST(test_pcache_reads_store_once)
{
	struct vnode *v;
	char buf[100];

	memset(disk[0], 'a', PAGE_SIZE);
	memset(disk[1], 'b', PAGE_SIZE);
	v = new_file(&disk_vops, 2 * PAGE_SIZE);
	ck_assert_int_eq(kread(v, buf, sizeof(buf), PAGE_SIZE - 50), 100);
	ck_assert_int_eq(buf[0], 'a');
	ck_assert_int_eq(buf[99], 'b');
	ck_assert_int_eq(reads, 2);
	ck_assert_int_eq(kread(v, buf, sizeof(buf), 10), 100);
	ck_assert_int_eq(reads, 2); /* cached */
	ck_assert_uint_eq(npages(v, NULL), 2);
	/* st_blocks is the store's to say, not the cache's */
	ck_assert_uint_eq(v->blocks, 0);
	/* past the end: nothing, and no read of the store */
	ck_assert_int_eq(kread(v, buf, sizeof(buf), 2 * PAGE_SIZE), 0);
	ck_assert_int_eq(reads, 2);
	vnode_put(v);
	ck_assert_int_eq(evicts, 1);
}
END_TEST

START_TEST(test_pcache_reclaim_clean_unmapped)
{
	struct vnode *v, *mem;
	uint64_t dirty, cached, sdirty;
	paddr_t held;
	char buf[8];

	memset(disk, 'x', sizeof(disk));
	v = new_file(&disk_vops, DISK_PAGES * PAGE_SIZE);
	mem = new_file(&mem_vops, 0);
	ck_assert_int_eq(kwrite(mem, "tmp", 3, 0), 3);
	for (int i = 0; i < DISK_PAGES; i++)
		ck_assert_int_eq(kread(v, buf, 1, (uint64_t)i * PAGE_SIZE), 1);
	ck_assert_int_eq(reads, DISK_PAGES);
	ck_assert_int_eq(kwrite(v, "d", 1, 2 * PAGE_SIZE), 1); /* dirty */
	ck_assert_int_eq(pcache_getpage(v, 5, &held), 0);      /* mapped */
	pcache_stats(&cached, &sdirty);
	ck_assert_uint_ge(cached, DISK_PAGES);
	ck_assert_uint_ge(sdirty, 1);
	/* Everything it may take: all but the dirty and the held pages. */
	ck_assert_uint_eq(pcache_reclaim(1000), DISK_PAGES - 2);
	ck_assert_uint_eq(npages(v, &dirty), 2);
	ck_assert_uint_eq(dirty, 1); /* handing a page out is no store */
	ck_assert_uint_eq(npages(mem, NULL), 1); /* memory-only: kept */
	/* A dropped page is read from the store again. */
	ck_assert_int_eq(kread(v, buf, 1, 0), 1);
	ck_assert_int_eq(buf[0], 'x');
	ck_assert_int_eq(reads, DISK_PAGES + 1);
	/* Written back, the pages may go too (the mapped one stays). */
	ck_assert_int_eq(pcache_writeback(v), 0);
	pmm_page_put(held);
	ck_assert_uint_eq(pcache_reclaim(1000), 3);
	ck_assert_uint_eq(npages(v, NULL), 0);
	ck_assert_int_eq(kread(v, buf, 1, 2 * PAGE_SIZE), 1);
	ck_assert_int_eq(buf[0], 'd');
	vnode_put(v);
	vnode_put(mem);
	ck_assert_uint_eq(pcache_reclaim(1000), 0); /* unlisted at release */
}
END_TEST

START_TEST(test_pcache_readahead_and_clusters)
{
	static char buf[DISK_PAGES * PAGE_SIZE];
	struct vnode *v;

	for (int i = 0; i < DISK_PAGES; i++)
		memset(disk[i], 'A' + i, PAGE_SIZE);
	v = new_file(&batch_vops, DISK_PAGES * PAGE_SIZE - 100);
	batch_reads = batch_writes = 0;
	/* a sequential reader from 0: one batch fills the whole file */
	ck_assert_int_eq(kread(v, buf, 10, 0), 10);
	ck_assert_int_eq(batch_reads, 1);
	ck_assert_int_eq(reads, DISK_PAGES);
	ck_assert_int_eq(kread(v, buf, sizeof(buf), 0), sizeof(buf) - 100);
	ck_assert_int_eq(reads, DISK_PAGES);
	for (int i = 0; i < DISK_PAGES; i++)
		ck_assert_int_eq(buf[i * PAGE_SIZE], 'A' + i);
	/* dirty pages 1-3 and 5: two runs, one of them a batch */
	for (int i = 1; i < DISK_PAGES - 2; i++)
		if (i != 4)
			ck_assert_int_eq(kwrite(v, "z", 1, i * PAGE_SIZE), 1);
	ck_assert_int_eq(pcache_writeback(v), 0);
	ck_assert_int_eq(batch_writes, 1);
	ck_assert_int_eq(writes, 4);
	ck_assert_int_eq(disk[3][0], 'z');
	ck_assert_int_eq(disk[4][0], 'A' + 4);
	ck_assert_int_eq(disk[5][0], 'z');
	vnode_put(v);
}
END_TEST

START_TEST(test_pcache_dirty_and_writeback)
{
	struct vnode *v = new_file(&disk_vops, 0);
	uint64_t dirty;

	memset(disk, 0, sizeof(disk));
	ck_assert_int_eq(kwrite(v, "hello", 5, 0), 5);
	ck_assert_int_eq(kwrite(v, "world", 5, 3 * PAGE_SIZE), 5);
	ck_assert_uint_eq(v->size, 3 * PAGE_SIZE + 5);
	ck_assert_uint_eq(npages(v, &dirty), 2);
	ck_assert_uint_eq(dirty, 2);
	ck_assert_int_eq(disk[0][0], 0); /* not written yet */
	/* A failing store keeps the pages dirty. */
	fail_write = 1;
	ck_assert_int_eq(pcache_writeback(v), -EIO);
	npages(v, &dirty);
	ck_assert_uint_eq(dirty, 2);
	fail_write = 0;
	ck_assert_int_eq(pcache_writeback(v), 0);
	ck_assert_int_eq(writes, 2);
	ck_assert_mem_eq(disk[0], "hello", 5);
	ck_assert_mem_eq(disk[3], "world", 5);
	npages(v, &dirty);
	ck_assert_uint_eq(dirty, 0);
	ck_assert_int_eq(pcache_writeback(v), 0);
	ck_assert_int_eq(writes, 2); /* clean: nothing again */
	/* Rewriting one page dirties only it. */
	ck_assert_int_eq(kwrite(v, "H", 1, 0), 1);
	ck_assert_int_eq(pcache_writeback(v), 0);
	ck_assert_int_eq(writes, 3);
	ck_assert_int_eq(disk[0][0], 'H');
	vnode_put(v);
	ck_assert_int_eq(evicts, 1);
}
END_TEST

START_TEST(test_pcache_sync_keeps_dirty_files_alive)
{
	struct vnode *a = new_file(&disk_vops, 0), *b;
	uint64_t dirty;

	b = vnode_alloc(&fake_sb, &disk_vops, sizeof(*b));
	b->mode = S_IFREG | 0644;
	ck_assert_int_eq(kwrite(a, "A", 1, 0), 1);
	ck_assert_int_eq(kwrite(b, "B", 1, PAGE_SIZE), 1);
	/* Dropped while dirty: the dirty list still holds them. */
	vnode_put(a);
	vnode_put(b);
	ck_assert_int_eq(evicts, 0);
	ck_assert_int_eq(pcache_sync(NULL), 0);
	ck_assert_int_eq(writes, 2);
	ck_assert_int_eq(disk[0][0], 'A');
	ck_assert_int_eq(disk[1][0], 'B');
	ck_assert_int_eq(evicts, 2);
	(void)dirty;
}
END_TEST

START_TEST(test_pcache_truncate_and_punch)
{
	struct vnode *v = new_file(&mem_vops, 0);
	char buf[PAGE_SIZE];

	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(kwrite(v, buf, PAGE_SIZE, i * PAGE_SIZE),
				 PAGE_SIZE);
	ck_assert_uint_eq(npages(v, NULL), 4);
	/* punch [100, 2 pages + 100): page 1 goes, 0 and 2 are zeroed */
	ck_assert_int_eq(
		pcache_fallocate(v,
				 VFS_FALLOC_PUNCH_HOLE | VFS_FALLOC_KEEP_SIZE,
				 100, 2 * PAGE_SIZE),
		0);
	ck_assert_uint_eq(npages(v, NULL), 3);
	ck_assert_int_eq(kread(v, buf, PAGE_SIZE, 0), PAGE_SIZE);
	ck_assert_int_eq(buf[99], 'x');
	ck_assert_int_eq(buf[100], 0);
	ck_assert_int_eq(kread(v, buf, PAGE_SIZE, 2 * PAGE_SIZE), PAGE_SIZE);
	ck_assert_int_eq(buf[99], 0);
	ck_assert_int_eq(buf[100], 'x');
	/* truncate into page 2: pages 3 goes, the tail of 2 is zero */
	ck_assert_int_eq(pcache_truncate(v, 2 * PAGE_SIZE + 200), 0);
	ck_assert_uint_eq(npages(v, NULL), 2);
	ck_assert_int_eq(pcache_truncate(v, 3 * PAGE_SIZE), 0);
	ck_assert_int_eq(kread(v, buf, PAGE_SIZE, 2 * PAGE_SIZE), PAGE_SIZE);
	ck_assert_int_eq(buf[199], 'x');
	ck_assert_int_eq(buf[200], 0);
	ck_assert_int_eq(pcache_truncate(v, 0), 0);
	ck_assert_uint_eq(npages(v, NULL), 0);
	ck_assert_uint_eq(v->blocks, 0);
	vnode_put(v);
}
END_TEST

START_TEST(test_pcache_sparse_indexes)
{
	static const uint64_t idx[] = { 0, 1, 63, 64, 4095, 4096, 300000 };
	struct vnode *v = new_file(&mem_vops, 0);
	size_t free0 = pmm_free_pages();
	char c;

	for (size_t i = 0; i < ARRAY_SIZE(idx); i++) {
		c = (char)('a' + i);
		ck_assert_int_eq(kwrite(v, &c, 1, idx[i] * PAGE_SIZE), 1);
	}
	ck_assert_uint_eq(npages(v, NULL), ARRAY_SIZE(idx));
	for (size_t i = 0; i < ARRAY_SIZE(idx); i++) {
		ck_assert_int_eq(kread(v, &c, 1, idx[i] * PAGE_SIZE), 1);
		ck_assert_int_eq(c, 'a' + (int)i);
		if (i + 1 == ARRAY_SIZE(idx))
			break; /* its byte 1 is past the end of file */
		ck_assert_int_eq(kread(v, &c, 1, idx[i] * PAGE_SIZE + 1), 1);
		ck_assert_int_eq(c, 0);
	}
	/* holes between them read as zeros and stay holes */
	ck_assert_int_eq(kread(v, &c, 1, 2 * PAGE_SIZE), 1);
	ck_assert_int_eq(c, 0);
	ck_assert_int_eq(kread(v, &c, 1, 200000 * PAGE_SIZE), 1);
	ck_assert_int_eq(c, 0);
	ck_assert_uint_eq(npages(v, NULL), ARRAY_SIZE(idx));
	ck_assert_int_eq(pcache_truncate(v, PAGE_SIZE), 0);
	ck_assert_uint_eq(npages(v, NULL), 1);
	vnode_put(v);
	/* pages and nodes all went back */
	ck_assert_uint_ge(pmm_free_pages() + 4, free0);
}
END_TEST

START_TEST(test_pcache_getpage_is_the_data)
{
	struct vnode *v = new_file(&disk_vops, 0);
	uint64_t dirty;
	paddr_t pa;

	memset(disk, 0, sizeof(disk));
	ck_assert_int_eq(pcache_getpage(v, 0, &pa), -ENXIO); /* empty */
	ck_assert_int_eq(kwrite(v, "abc", 3, 0), 3);
	ck_assert_int_eq(pcache_writeback(v), 0);
	ck_assert_int_eq(pcache_getpage(v, 0, &pa), 0);
	npages(v, &dirty);
	ck_assert_uint_eq(dirty, 0); /* handing it out is no store */
	/* a shared mapping's first store: page_mkwrite, then the data */
	ck_assert_int_eq(pcache_page_mkwrite(v, 0), 0);
	pmm_page_map(pa, false);
	((char *)plat_phys_to_virt(pa))[1] = 'B';
	npages(v, &dirty);
	ck_assert_uint_eq(dirty, 1);
	ck_assert_int_eq(pcache_writeback(v), 0);
	ck_assert_mem_eq(disk[0], "aBc", 3);
	/* still mapped: it may be stored into unseen, so it stays dirty */
	npages(v, &dirty);
	ck_assert_uint_eq(dirty, 1);
	((char *)plat_phys_to_virt(pa))[2] = 'C';
	pmm_page_unmap(pa);
	ck_assert_int_eq(pcache_writeback(v), 0);
	ck_assert_mem_eq(disk[0], "aBC", 3);
	npages(v, &dirty);
	ck_assert_uint_eq(dirty, 0);
	pmm_page_put(pa);
	vnode_put(v);
}
END_TEST

Suite *pcache_suite(void)
{
	Suite *s = suite_create("pcache");
	TCase *tc = fs_test_tcase("core");

	tcase_add_test(tc, test_pcache_reads_store_once);
	tcase_add_test(tc, test_pcache_dirty_and_writeback);
	tcase_add_test(tc, test_pcache_reclaim_clean_unmapped);
	tcase_add_test(tc, test_pcache_readahead_and_clusters);
	tcase_add_test(tc, test_pcache_sync_keeps_dirty_files_alive);
	tcase_add_test(tc, test_pcache_truncate_and_punch);
	tcase_add_test(tc, test_pcache_sparse_indexes);
	tcase_add_test(tc, test_pcache_getpage_is_the_data);
	suite_add_tcase(s, tc);
	return s;
}
