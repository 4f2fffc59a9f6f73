/*
 * Unit tests for the slab allocator and kmalloc (libkos/mm/slab.c), on the
 * fake RAM of check/plat_test.c.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kos/boot.h>
#include <kos/kmalloc.h>
#include <kos/pmm.h>

#include "../plat_test.h"

static struct kos_bootinfo bi;
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void setup(void)
{
	test_bootinfo(&bi, TEST_RAM_SIZE);
	pmm_init(&bi);
	kmalloc_init();
	rng_state = 0x9e3779b97f4a7c15ULL;
}

/* Expected usable size of a kmalloc(size) block. */
static size_t class_size(size_t size)
{
	size_t c = 16;

	if (size > KMALLOC_MAX_SLAB) {
		c = PAGE_SIZE;
		while (c < size)
			c <<= 1;
		return c;
	}
	while (c < size)
		c <<= 1;
	return c;
}

static bool all_bytes(const void *p, size_t n, uint8_t v)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

START_TEST(test_kmalloc_sizes)
{
	enum { MAXP = 1024 };
	static void *ptr[MAXP];
	static size_t sz[MAXP];
	uint64_t start = kmalloc_bytes_in_use();
	uint64_t expect = start;
	unsigned int n = 0;

	/* Every size up to 300, then around each power of two. */
	for (size_t s = 1; s <= 300; s++)
		sz[n++] = s;
	for (size_t p = 512; p <= (4UL << 20); p <<= 1) {
		sz[n++] = p - 1;
		sz[n++] = p;
		if (p < (4UL << 20))
			sz[n++] = p + 1;
	}
	for (unsigned int i = 0; i < n; i++) {
		size_t us;

		ptr[i] = kmalloc(sz[i]);
		ck_assert_msg(ptr[i] != NULL, "kmalloc(%zu) failed", sz[i]);
		ck_assert_uint_eq((uintptr_t)ptr[i] % KMALLOC_MIN_ALIGN, 0);
		us = kmalloc_usable_size(ptr[i]);
		ck_assert_uint_ge(us, sz[i]);
		ck_assert_uint_eq(us, class_size(sz[i]));
		memset(ptr[i], (int)(i & 0xff), us);
		expect += us;
		ck_assert_uint_eq(kmalloc_bytes_in_use(), expect);
	}
	for (unsigned int i = 0; i < n; i++) {
		size_t us = kmalloc_usable_size(ptr[i]);

		ck_assert_msg(all_bytes(ptr[i], us, i & 0xff),
			      "block %u (size %zu) overwritten", i, sz[i]);
		kfree(ptr[i]);
	}
	ck_assert_uint_eq(kmalloc_bytes_in_use(), start);
}
END_TEST

START_TEST(test_kmalloc_edge_sizes)
{
	void *p;

	ck_assert_ptr_null(kmalloc(0));
	ck_assert_ptr_null(kzalloc(0));
	ck_assert_ptr_null(kmalloc(SIZE_MAX));
	ck_assert_ptr_null(kmalloc((PAGE_SIZE << PMM_MAX_ORDER) + 1));
	p = kmalloc(PAGE_SIZE << PMM_MAX_ORDER);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % PAGE_SIZE, 0);
	kfree(p);
	kfree(NULL);
	ck_assert_uint_eq(kmalloc_usable_size(NULL), 0);
	ck_assert_uint_eq(kmalloc_bytes_in_use(), 0);
}
END_TEST

START_TEST(test_kzalloc_zeroes)
{
	static const size_t sizes[] = { 1, 24, 100, 2048, 3000, 70000 };

	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		uint8_t *p = kmalloc(n);
		uint8_t *q;

		ck_assert_ptr_nonnull(p);
		memset(p, 0xff, n);
		kfree(p);
		q = kzalloc(n);
		ck_assert_ptr_nonnull(q);
		ck_assert(all_bytes(q, n, 0));
		kfree(q);
	}
	ck_assert_uint_eq(kmalloc_bytes_in_use(), 0);
}
END_TEST

/*
 * Random kmalloc/kfree; every block holds its own byte pattern, checked
 * when it is freed, so overlapping blocks would show.
 */
START_TEST(test_kmalloc_stress)
{
	enum { OPS = 40000, MAXLIVE = 2000 };
	static uint8_t *ptr[MAXLIVE];
	static size_t sz[MAXLIVE];
	static uint8_t tag[MAXLIVE];
	unsigned int nlive = 0;
	uint64_t start_pages = pmm_free_pages();

	for (int op = 0; op < OPS; op++) {
		if (nlive == 0 || (nlive < MAXLIVE && rng() % 100 < 52)) {
			size_t n =
				rng() % 8 ? 1 + rng() % 600 : 1 + rng() % 20000;
			uint8_t *p = kmalloc(n);

			ck_assert_ptr_nonnull(p);
			ck_assert_uint_eq((uintptr_t)p % 16, 0);
			tag[nlive] = (uint8_t)rng();
			memset(p, tag[nlive], n);
			ptr[nlive] = p;
			sz[nlive++] = n;
		} else {
			unsigned int i = rng() % nlive;

			ck_assert(all_bytes(ptr[i], sz[i], tag[i]));
			kfree(ptr[i]);
			nlive--;
			ptr[i] = ptr[nlive];
			sz[i] = sz[nlive];
			tag[i] = tag[nlive];
		}
	}
	while (nlive--) {
		ck_assert(all_bytes(ptr[nlive], sz[nlive], tag[nlive]));
		kfree(ptr[nlive]);
	}
	ck_assert_uint_eq(kmalloc_bytes_in_use(), 0);
	/* Each kmalloc cache keeps at most one empty slab (<= 8 pages). */
	ck_assert_uint_ge(pmm_free_pages(), start_pages - 8 * 8);
}
END_TEST

/* Run memory dry with small and with large blocks; both fail cleanly. */
START_TEST(test_kmalloc_exhaustion)
{
	size_t size = _i ? (1UL << 20) : 2048;
	size_t max = TEST_RAM_SIZE / size + 1;
	void **p = malloc(max * sizeof(*p));
	size_t n = 0;

	ck_assert_ptr_nonnull(p);
	while ((p[n] = kmalloc(size)) != NULL)
		ck_assert_uint_lt(++n, max);
	ck_assert_uint_gt(n, (TEST_RAM_SIZE / size) / 2);
	ck_assert_ptr_null(kmalloc(size));
	while (n--)
		kfree(p[n]);
	free(p);
	ck_assert_uint_eq(kmalloc_bytes_in_use(), 0);
	ck_assert_ptr_nonnull(pmm_alloc_va(PMM_MAX_ORDER));
}
END_TEST

START_TEST(test_slab_cache_objects)
{
	enum { N = 1500 };
	static void *obj[N];
	struct slab_cache *c;
	uint64_t kbytes, pages;

	/* Warm up so the cache struct's own kmalloc slab exists. */
	slab_cache_destroy(slab_cache_create("warm", 8, 0));
	kbytes = kmalloc_bytes_in_use();
	pages = pmm_free_pages();

	c = slab_cache_create("test-obj", 24, 64);
	ck_assert_ptr_nonnull(c);
	for (unsigned int i = 0; i < N; i++) {
		obj[i] = slab_alloc(c);
		ck_assert_ptr_nonnull(obj[i]);
		ck_assert_uint_eq((uintptr_t)obj[i] % 64, 0);
		memset(obj[i], (int)(i & 0xff), 24);
	}
	for (unsigned int i = N - 1; i > 0; i--) {
		unsigned int j = rng() % (i + 1);
		void *t = obj[i];

		obj[i] = obj[j];
		obj[j] = t;
	}
	for (unsigned int i = 0; i < N; i++) {
		uint8_t v = *(uint8_t *)obj[i];

		ck_assert(all_bytes(obj[i], 24, v));
		slab_free(c, obj[i]);
	}
	/* Reuse after everything went back. */
	obj[0] = slab_alloc(c);
	ck_assert_ptr_nonnull(obj[0]);
	slab_free(c, obj[0]);
	slab_cache_destroy(c);
	ck_assert_uint_eq(kmalloc_bytes_in_use(), kbytes);
	ck_assert_uint_eq(pmm_free_pages(), pages);
}
END_TEST

START_TEST(test_slab_cache_args)
{
	struct slab_cache *c;
	void *a, *b;

	ck_assert_ptr_null(slab_cache_create("zero", 0, 0));
	ck_assert_ptr_null(slab_cache_create("align3", 16, 3));
	ck_assert_ptr_null(slab_cache_create("align", 16, 2 * PAGE_SIZE));
	ck_assert_ptr_null(
		slab_cache_create("huge", PAGE_SIZE << PMM_MAX_ORDER, 0));
	slab_cache_destroy(NULL);

	/* Tiny objects, default alignment, an over-long name. */
	c = slab_cache_create("a-very-long-cache-name-that-gets-truncated", 1,
			      0);
	ck_assert_ptr_nonnull(c);
	a = slab_alloc(c);
	b = slab_alloc(c);
	ck_assert(a && b && a != b);
	ck_assert_uint_eq((uintptr_t)a % 8, 0);
	slab_free(c, a);
	slab_free(c, b);
	slab_cache_destroy(c);

	/* Objects bigger than a page; page alignment. */
	c = slab_cache_create("big", 100000, PAGE_SIZE);
	ck_assert_ptr_nonnull(c);
	a = slab_alloc(c);
	b = slab_alloc(c);
	ck_assert(a && b);
	ck_assert_uint_eq((uintptr_t)a % PAGE_SIZE, 0);
	ck_assert_uint_eq((uintptr_t)b % PAGE_SIZE, 0);
	memset(a, 1, 100000);
	memset(b, 2, 100000);
	ck_assert(all_bytes(a, 100000, 1));
	slab_free(c, a);
	slab_free(c, b);
	slab_cache_destroy(c);
	ck_assert_uint_eq(kmalloc_bytes_in_use(), 0);
}
END_TEST

/* ---- kernel bugs that must panic (SIGABRT via plat_halt) ---------------- */

/* Panic tests use test_expect_panic() from check/plat_test.h. */

START_TEST(test_slab_destroy_live_panics)
{
	struct slab_cache *c = slab_cache_create("live", 32, 0);

	test_expect_panic("cache live still has 1 live objects");
	slab_alloc(c);
	slab_cache_destroy(c);
}
END_TEST

START_TEST(test_kfree_interior_panics)
{
	char *p = kmalloc(64);

	test_expect_panic("is not the start of a kmalloc-64 object");
	kfree(p + 16);
}
END_TEST

START_TEST(test_kfree_large_interior_panics)
{
	char *p = kmalloc(10000);

	test_expect_panic("was not allocated by kmalloc");
	kfree(p + PAGE_SIZE);
}
END_TEST

START_TEST(test_kfree_large_double_panics)
{
	void *p = kmalloc(10000);

	test_expect_panic("was not allocated by kmalloc");
	kfree(p);
	kfree(p);
}
END_TEST

START_TEST(test_kfree_foreign_panics)
{
	static char not_heap[64];

	test_expect_panic("was not allocated by kmalloc");
	kfree(not_heap);
}
END_TEST

START_TEST(test_kfree_cache_object_panics)
{
	struct slab_cache *c = slab_cache_create("obj", 32, 0);

	test_expect_panic("belongs to slab cache obj, not kmalloc");
	kfree(slab_alloc(c));
}
END_TEST

START_TEST(test_slab_free_wrong_cache_panics)
{
	struct slab_cache *a = slab_cache_create("a", 32, 0);
	struct slab_cache *b = slab_cache_create("b", 32, 0);

	test_expect_panic("slab b: free of");
	slab_free(b, slab_alloc(a));
}
END_TEST

START_TEST(test_slab_double_free_panics)
{
	void *keep = kmalloc(100);
	void *p = kmalloc(100);

	test_expect_panic("slab kmalloc-128: double free");
	kfree(p);
	kfree(p);
	kfree(keep);
}
END_TEST

START_TEST(test_slab_overflow_panics)
{
	char *p = kmalloc(32);

	test_expect_panic("slab kmalloc-32: red zone after");
	p[32] = 1; /* one past the usable size */
	kfree(p);
}
END_TEST

START_TEST(test_slab_underflow_panics)
{
	char *p = kmalloc(32);

	test_expect_panic("slab kmalloc-32: red zone before");
	p[-1] = 1;
	kfree(p);
}
END_TEST

START_TEST(test_slab_cache_overflow_panics)
{
	struct slab_cache *c = slab_cache_create("ovf", 24, 64);
	char *o = slab_alloc(c);

	test_expect_panic("slab ovf: red zone after");
	o[24] = 0; /* padding after the object counts too */
	slab_free(c, o);
}
END_TEST

START_TEST(test_slab_write_after_free_panics)
{
	char *p = kmalloc(64);

	test_expect_panic("slab kmalloc-64: free object");
	kfree(p);
	p[40] = 0;
	kmalloc(64); /* hands p out again and checks its poison */
}
END_TEST

START_TEST(test_slab_freelist_smash_panics)
{
	void **p = kmalloc(64);

	test_expect_panic("slab kmalloc-64: free list link");
	kfree(p);
	p[0] = (void *)0x1234; /* the free-list link */
	kmalloc(64);
	kmalloc(64);
}
END_TEST

Suite *slab_suite(void)
{
	Suite *s = suite_create("slab");
	TCase *tc = tcase_create("core");
	TCase *tp = tcase_create("panic");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_kmalloc_sizes);
	tcase_add_test(tc, test_kmalloc_edge_sizes);
	tcase_add_test(tc, test_kzalloc_zeroes);
	tcase_add_test(tc, test_kmalloc_stress);
	tcase_add_loop_test(tc, test_kmalloc_exhaustion, 0, 2);
	tcase_add_test(tc, test_slab_cache_objects);
	tcase_add_test(tc, test_slab_cache_args);
	suite_add_tcase(s, tc);

	if (!test_forking())
		return s;
	tcase_add_checked_fixture(tp, setup, NULL);
	tcase_set_timeout(tp, 60);
	tcase_add_test_raise_signal(tp, test_slab_destroy_live_panics, SIGABRT);
	tcase_add_test_raise_signal(tp, test_kfree_interior_panics, SIGABRT);
	tcase_add_test_raise_signal(tp, test_kfree_large_interior_panics,
				    SIGABRT);
	tcase_add_test_raise_signal(tp, test_kfree_large_double_panics,
				    SIGABRT);
	tcase_add_test_raise_signal(tp, test_kfree_foreign_panics, SIGABRT);
	tcase_add_test_raise_signal(tp, test_kfree_cache_object_panics,
				    SIGABRT);
	tcase_add_test_raise_signal(tp, test_slab_free_wrong_cache_panics,
				    SIGABRT);
	if (KOS_DEBUG) {
		/* The checks debug builds add. */
		tcase_add_test_raise_signal(tp, test_slab_double_free_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(tp, test_slab_overflow_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(tp, test_slab_underflow_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(tp, test_slab_cache_overflow_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(
			tp, test_slab_write_after_free_panics, SIGABRT);
		tcase_add_test_raise_signal(tp, test_slab_freelist_smash_panics,
					    SIGABRT);
	}
	suite_add_tcase(s, tp);
	return s;
}
