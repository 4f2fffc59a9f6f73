/*
 * Unit tests for the physical page allocator (libkos/mm/pmm.c), on the
 * fake RAM of check/plat_test.c.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kos/boot.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>

#include "../plat_test.h"

#define MiB (1ULL << 20)
#define RAM_PAGES (TEST_RAM_SIZE / PAGE_SIZE)
#define BLOCK(o) (PAGE_SIZE << (o))

static struct kos_bootinfo bi;

/* Deterministic xorshift generator, so failures reproduce. */
static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s ? s : 1;
}

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void bi_reset(void)
{
	memset(&bi, 0, sizeof(bi));
	bi.platform = "test";
	bi.cmdline = "";
}

static void bi_add(paddr_t base, uint64_t len, uint32_t type)
{
	bi.mem[bi.nmem].base = base;
	bi.mem[bi.nmem].len = len;
	bi.mem[bi.nmem].type = type;
	bi.nmem++;
}

static void setup(void)
{
	test_bootinfo(&bi, TEST_RAM_SIZE);
	pmm_init(&bi);
}

/* True if [pa, pa + len) lies in one usable range of bi and not page 0. */
static bool in_usable(paddr_t pa, uint64_t len)
{
	if (pa < PAGE_SIZE)
		return false;
	for (unsigned int i = 0; i < bi.nmem; i++) {
		const struct kos_memrange *r = &bi.mem[i];

		if (r->type == KOS_MEM_USABLE && pa >= r->base &&
		    pa + len <= r->base + r->len)
			return true;
	}
	return false;
}

/* Allocate max-order blocks until none is left, free them, return count. */
static unsigned int count_max_blocks(void)
{
	paddr_t blocks[64];
	unsigned int n = 0;
	paddr_t pa;

	while ((pa = pmm_alloc(PMM_MAX_ORDER)) != PMM_NOPAGE) {
		ck_assert_uint_lt(n, 64);
		blocks[n++] = pa;
	}
	for (unsigned int i = 0; i < n; i++)
		pmm_free(blocks[i], PMM_MAX_ORDER);
	return n;
}

static int cmp_paddr(const void *a, const void *b)
{
	paddr_t x = *(const paddr_t *)a, y = *(const paddr_t *)b;

	return x < y ? -1 : x > y;
}

START_TEST(test_pmm_init_counts)
{
	uint64_t usable = RAM_PAGES - 1;

	ck_assert_uint_eq(pmm_free_pages(), pmm_total_pages());
	ck_assert_uint_le(pmm_total_pages(), usable);
	/* Metadata costs well under 1%. */
	ck_assert_uint_ge(pmm_total_pages(), usable - usable / 100);
	ck_assert_uint_ge(count_max_blocks(), 10);
	ck_assert_uint_eq(pmm_free_pages(), pmm_total_pages());
}
END_TEST

START_TEST(test_pmm_alignment_every_order)
{
	enum { PER_ORDER = 3 };
	paddr_t got[(PMM_MAX_ORDER + 1) * PER_ORDER][2];
	unsigned int n = 0;
	uint64_t used = 0;

	for (unsigned int o = 0; o <= PMM_MAX_ORDER; o++) {
		for (unsigned int k = 0; k < PER_ORDER; k++) {
			paddr_t pa = pmm_alloc(o);
			uint32_t *va;

			ck_assert_uint_ne(pa, PMM_NOPAGE);
			ck_assert_uint_eq(pa & (BLOCK(o) - 1), 0);
			ck_assert(in_usable(pa, BLOCK(o)));
			/* Tag first and last word to catch overlaps. */
			va = plat_phys_to_virt(pa);
			va[0] = n;
			va[BLOCK(o) / 4 - 1] = ~n;
			got[n][0] = pa;
			got[n][1] = o;
			n++;
			used += 1ULL << o;
			ck_assert_uint_eq(pmm_free_pages(),
					  pmm_total_pages() - used);
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		uint32_t *va = plat_phys_to_virt(got[i][0]);

		ck_assert_uint_eq(va[0], i);
		ck_assert_uint_eq(va[BLOCK(got[i][1]) / 4 - 1], ~i);
		for (unsigned int j = 0; j < n; j++) {
			paddr_t a = got[i][0], ae = a + BLOCK(got[i][1]);
			paddr_t b = got[j][0], be = b + BLOCK(got[j][1]);

			if (i != j)
				ck_assert(ae <= b || be <= a);
		}
	}
	for (unsigned int i = 0; i < n; i++)
		pmm_free(got[i][0], got[i][1]);
	ck_assert_uint_eq(pmm_free_pages(), pmm_total_pages());
}
END_TEST

START_TEST(test_pmm_va_roundtrip)
{
	void *va = pmm_alloc_va(3);

	ck_assert_ptr_nonnull(va);
	ck_assert_uint_eq(plat_virt_to_phys(va) & (BLOCK(3) - 1), 0);
	memset(va, 0x5a, BLOCK(3));
	ck_assert_uint_eq(pmm_free_pages(), pmm_total_pages() - 8);
	pmm_free_va(va, 3);
	pmm_free_va(NULL, 0);
	ck_assert_uint_eq(pmm_free_pages(), pmm_total_pages());
}
END_TEST

START_TEST(test_pmm_coalesce)
{
	unsigned int nmax = count_max_blocks();
	uint64_t total = pmm_total_pages();
	paddr_t *pages = malloc(total * sizeof(*pages));
	uint64_t n = 0;
	paddr_t pa;

	ck_assert_ptr_nonnull(pages);
	while ((pa = pmm_alloc(0)) != PMM_NOPAGE) {
		ck_assert_uint_lt(n, total);
		ck_assert_uint_ne(pa, 0);
		pages[n++] = pa;
	}
	ck_assert_uint_eq(n, total);
	ck_assert_uint_eq(pmm_free_pages(), 0);
	ck_assert_uint_eq(pmm_alloc(PMM_MAX_ORDER), PMM_NOPAGE);

	/* Every page exactly once. */
	qsort(pages, n, sizeof(*pages), cmp_paddr);
	for (uint64_t i = 1; i < n; i++)
		ck_assert_uint_lt(pages[i - 1], pages[i]);

	/* Free in a random order; everything must merge back. */
	rng_seed(42);
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = rng() % (i + 1);
		paddr_t t = pages[i];

		pages[i] = pages[j];
		pages[j] = t;
	}
	for (uint64_t i = 0; i < n; i++)
		pmm_free(pages[i], 0);
	free(pages);
	ck_assert_uint_eq(pmm_free_pages(), total);
	ck_assert_uint_eq(count_max_blocks(), nmax);
}
END_TEST

START_TEST(test_pmm_exhaustion)
{
	paddr_t *blocks = malloc(RAM_PAGES * sizeof(*blocks));
	unsigned int *orders = malloc(RAM_PAGES * sizeof(*orders));
	uint64_t n = 0, pages = 0;

	ck_assert(blocks && orders);
	for (int o = PMM_MAX_ORDER; o >= 0; o--) {
		paddr_t pa;

		while ((pa = pmm_alloc(o)) != PMM_NOPAGE) {
			ck_assert_uint_eq(pa & (BLOCK(o) - 1), 0);
			blocks[n] = pa;
			orders[n++] = o;
			pages += 1ULL << o;
		}
	}
	ck_assert_uint_eq(pages, pmm_total_pages());
	ck_assert_uint_eq(pmm_free_pages(), 0);
	ck_assert_uint_eq(pmm_alloc(0), PMM_NOPAGE);
	ck_assert_ptr_null(pmm_alloc_va(0));
	for (uint64_t i = 0; i < n; i++)
		pmm_free(blocks[i], orders[i]);
	free(blocks);
	free(orders);
	ck_assert_uint_eq(pmm_free_pages(), pmm_total_pages());
}
END_TEST

START_TEST(test_pmm_bad_order)
{
	ck_assert_uint_eq(pmm_alloc(PMM_MAX_ORDER + 1), PMM_NOPAGE);
	ck_assert_uint_eq(pmm_alloc(~0u), PMM_NOPAGE);
	ck_assert_ptr_null(pmm_alloc_va(PMM_MAX_ORDER + 1));
	ck_assert_uint_eq(pmm_free_pages(), pmm_total_pages());
}
END_TEST

/*
 * Random allocations and frees checked against a shadow map of which
 * pages are handed out.
 */
START_TEST(test_pmm_stress_shadow)
{
	enum { OPS = 30000, MAXLIVE = 4096 };
	static uint8_t shadow[RAM_PAGES];
	static paddr_t live_pa[MAXLIVE];
	static unsigned int live_order[MAXLIVE];
	unsigned int nlive = 0, nmax = count_max_blocks();
	uint64_t used = 0;

	memset(shadow, 0, sizeof(shadow));
	rng_seed(_i + 1);
	for (int op = 0; op < OPS; op++) {
		bool do_alloc =
			nlive == 0 || (nlive < MAXLIVE && rng() % 100 < 55);

		if (do_alloc) {
			unsigned int o = rng() % 16
						 ? rng() % 4
						 : rng() % (PMM_MAX_ORDER + 1);
			paddr_t pa = pmm_alloc(o);

			if (pa == PMM_NOPAGE) {
				/* Only when no block that big is left. */
				ck_assert_uint_lt(pmm_free_pages(),
						  (uint64_t)RAM_PAGES);
				if (o == 0)
					ck_assert_uint_eq(pmm_free_pages(), 0);
				continue;
			}
			ck_assert_uint_eq(pa & (BLOCK(o) - 1), 0);
			ck_assert(in_usable(pa, BLOCK(o)));
			for (uint64_t p = 0; p < (1ULL << o); p++) {
				ck_assert_uint_eq(shadow[pa / PAGE_SIZE + p],
						  0);
				shadow[pa / PAGE_SIZE + p] = 1;
			}
			live_pa[nlive] = pa;
			live_order[nlive++] = o;
			used += 1ULL << o;
		} else {
			unsigned int i = rng() % nlive;
			paddr_t pa = live_pa[i];
			unsigned int o = live_order[i];

			for (uint64_t p = 0; p < (1ULL << o); p++)
				shadow[pa / PAGE_SIZE + p] = 0;
			pmm_free(pa, o);
			live_pa[i] = live_pa[--nlive];
			live_order[i] = live_order[nlive];
			used -= 1ULL << o;
		}
		ck_assert_uint_eq(pmm_free_pages(), pmm_total_pages() - used);
	}
	while (nlive) {
		nlive--;
		pmm_free(live_pa[nlive], live_order[nlive]);
	}
	ck_assert_uint_eq(pmm_free_pages(), pmm_total_pages());
	ck_assert_uint_eq(count_max_blocks(), nmax);
}
END_TEST

/*
 * Several usable ranges, unsorted, overlapping, unaligned, with reserved
 * ranges cutting into them and page 0 marked usable.
 */
START_TEST(test_pmm_ranges_with_holes)
{
	/* Intended usable pages; see the map below. */
	static const paddr_t want[][2] = {
		{ 4096, 1 * MiB },
		{ 2 * MiB, 3 * MiB },
		{ 3 * MiB + 8192, 6 * MiB },
		{ 8 * MiB + 4096, 8 * MiB + 0x5000 },
		{ 16 * MiB, 56 * MiB },
	};
	uint64_t want_pages = 0, n = 0, total;
	paddr_t *pages;
	paddr_t pa;

	bi_reset();
	bi_add(16 * MiB, 32 * MiB, KOS_MEM_USABLE);
	bi_add(0, 1 * MiB, KOS_MEM_USABLE); /* page 0 too */
	bi_add(1 * MiB, 1 * MiB, KOS_MEM_RESERVED);
	bi_add(2 * MiB, 4 * MiB, KOS_MEM_USABLE);
	bi_add(3 * MiB + 100, 4096, KOS_MEM_RESERVED);	    /* cuts 2 pages */
	bi_add(8 * MiB + 0x800, 0x5000, KOS_MEM_USABLE);    /* unaligned */
	bi_add(40 * MiB, 16 * MiB, KOS_MEM_USABLE);	    /* overlaps */
	bi_add(60 * MiB, 0, KOS_MEM_USABLE);		    /* empty */
	bi_add(~0ULL & PAGE_MASK, 1 * MiB, KOS_MEM_USABLE); /* wraps */
	bi_add(62 * MiB, 1 * MiB, KOS_MEM_RESERVED);
	pmm_init(&bi);

	for (unsigned int i = 0; i < ARRAY_SIZE(want); i++)
		want_pages += (want[i][1] - want[i][0]) / PAGE_SIZE;
	total = pmm_total_pages();
	ck_assert_uint_le(total, want_pages);
	ck_assert_uint_ge(total, want_pages - want_pages / 100);
	ck_assert_uint_eq(pmm_free_pages(), total);

	pages = malloc(total * sizeof(*pages));
	ck_assert_ptr_nonnull(pages);
	while ((pa = pmm_alloc(0)) != PMM_NOPAGE) {
		bool ok = false;

		for (unsigned int i = 0; i < ARRAY_SIZE(want); i++)
			if (pa >= want[i][0] && pa < want[i][1])
				ok = true;
		ck_assert_msg(ok, "page %#llx outside usable memory",
			      (unsigned long long)pa);
		ck_assert_uint_lt(n, total);
		pages[n++] = pa;
	}
	ck_assert_uint_eq(n, total);
	for (uint64_t i = 0; i < n; i++)
		pmm_free(pages[i], 0);
	free(pages);
	ck_assert_uint_eq(pmm_free_pages(), total);
	/* [16M, 56M) minus metadata still holds 9 blocks of 4 MiB. */
	ck_assert_uint_ge(count_max_blocks(), 9);
}
END_TEST

/* Ranges far apart get sections of their own; both must work. */
START_TEST(test_pmm_sections)
{
	paddr_t a, b;

	bi_reset();
	bi_add(4 * MiB, 4 * MiB, KOS_MEM_USABLE);
	bi_add(40 * MiB, 8 * MiB, KOS_MEM_USABLE);
	pmm_init(&bi);
	ck_assert_uint_ge(pmm_total_pages(), (12 * MiB / PAGE_SIZE) - 32);
	/* Both sections' metadata comes out of the 8 MiB range. */
	ck_assert_uint_eq(count_max_blocks(), 2);
	a = pmm_alloc(PMM_MAX_ORDER);
	b = pmm_alloc(PMM_MAX_ORDER);
	ck_assert(in_usable(a, BLOCK(PMM_MAX_ORDER)));
	ck_assert(in_usable(b, BLOCK(PMM_MAX_ORDER)));
	pmm_free(a, PMM_MAX_ORDER);
	pmm_free(b, PMM_MAX_ORDER);
	ck_assert_uint_eq(pmm_free_pages(), pmm_total_pages());
}
END_TEST

START_TEST(test_pmm_no_memory)
{
	bi_reset();
	bi_add(0, 16 * MiB, KOS_MEM_RESERVED);
	pmm_init(&bi);
	ck_assert_uint_eq(pmm_total_pages(), 0);
	ck_assert_uint_eq(pmm_free_pages(), 0);
	ck_assert_uint_eq(pmm_alloc(0), PMM_NOPAGE);

	/* One page: all of it goes to metadata, nothing is handed out. */
	bi_reset();
	bi_add(0, 8192, KOS_MEM_USABLE);
	pmm_init(&bi);
	ck_assert_uint_eq(pmm_total_pages(), 0);
	ck_assert_uint_eq(pmm_alloc(0), PMM_NOPAGE);
}
END_TEST

START_TEST(test_pmm_page_refcount)
{
	uint64_t free0 = pmm_free_pages();
	paddr_t pa = pmm_alloc(0);

	ck_assert_uint_eq(pmm_page_refs(pa), 1);
	pmm_page_get(pa);
	pmm_page_get(pa);
	ck_assert_uint_eq(pmm_page_refs(pa), 3);
	pmm_page_put(pa);
	pmm_page_put(pa);
	ck_assert_uint_eq(pmm_free_pages(), free0 - 1);
	ck_assert_uint_eq(pmm_page_refs(pa), 1);
	/* The last reference frees the page. */
	pmm_page_put(pa);
	ck_assert_uint_eq(pmm_free_pages(), free0);
	/* A fresh allocation starts at one again. */
	pa = pmm_alloc(0);
	ck_assert_uint_eq(pmm_page_refs(pa), 1);
	pmm_free(pa, 0);
	ck_assert_uint_eq(pmm_free_pages(), free0);
}
END_TEST

/* True if the page at pa holds only zero bytes. */
static bool page_is_zero(paddr_t pa)
{
	const unsigned char *p = plat_phys_to_virt(pa);

	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Memory the firmware may have run code from is cleared before first
 * use (a stale translation on a hot kernel page made a program ~100x
 * slower under QEMU): whatever RAM held at init, every page comes out
 * zeroed the first time.
 */
START_TEST(test_pmm_first_use_cleared)
{
	paddr_t pa;
	unsigned int n = 0;

	test_bootinfo(&bi, 8 * MiB);
	memset(plat_phys_to_virt(0), 0xc3, 8 * MiB); /* "ret" everywhere */
	pmm_init(&bi);
	while ((pa = pmm_alloc(n % 3)) != PMM_NOPAGE) {
		for (unsigned int i = 0; i < (1U << (n % 3)); i++)
			ck_assert_msg(page_is_zero(pa + i * PAGE_SIZE),
				      "page %#llx handed out uncleared",
				      (unsigned long long)pa);
		n++;
	}
	ck_assert_uint_gt(n, 100);
}
END_TEST

/* A page user code could run from is cleared before it is reused. */
START_TEST(test_pmm_exec_mapped_cleared_on_reuse)
{
	paddr_t pa = pmm_alloc_flags(0, PMM_USER), again;

	memset(plat_phys_to_virt(pa), 0x90, PAGE_SIZE);
	pmm_page_get(pa); /* the entry's reference */
	pmm_page_map(pa, true);
	ck_assert_uint_eq(pmm_page_mapcount(pa), 1);
	pmm_page_unmap(pa);
	pmm_page_put(pa);
	pmm_page_put(pa);     /* freed */
	again = pmm_alloc(0); /* the free list is last in, first out */
	ck_assert_uint_eq(again, pa);
	ck_assert(page_is_zero(again));
	pmm_free(again, 0);

	/* mprotect(PROT_EXEC) on a mapped page counts the same. */
	pa = pmm_alloc_flags(0, PMM_USER);
	memset(plat_phys_to_virt(pa), 0x90, PAGE_SIZE);
	pmm_page_get(pa);
	pmm_page_map(pa, false);
	pmm_page_exec(pa);
	pmm_page_unmap(pa);
	pmm_page_put(pa);
	pmm_page_put(pa);
	ck_assert_uint_eq(pmm_alloc(0), pa);
	ck_assert(page_is_zero(pa));
}
END_TEST

/* Data pages are not cleared needlessly; PMM_ZERO always clears. */
START_TEST(test_pmm_data_page_kept_zero_flag_clears)
{
	paddr_t pa = pmm_alloc_flags(0, PMM_USER);

	memset(plat_phys_to_virt(pa), 0x5a, PAGE_SIZE);
	pmm_page_get(pa);
	pmm_page_map(pa, false);
	pmm_page_unmap(pa);
	pmm_page_put(pa);
	pmm_page_put(pa);
	ck_assert_uint_eq(pmm_alloc(0), pa);
	ck_assert_uint_eq(*(unsigned char *)plat_phys_to_virt(pa + 99), 0x5a);
	pmm_free(pa, 0);
	ck_assert_uint_eq(pmm_alloc_flags(0, PMM_ZERO), pa);
	ck_assert(page_is_zero(pa));
	/* PMM_USER is for single pages only. */
	ck_assert_uint_eq(pmm_alloc_flags(1, PMM_USER), PMM_NOPAGE);
}
END_TEST

START_TEST(test_pmm_mapcount)
{
	paddr_t pa = pmm_alloc_flags(0, PMM_USER);
	paddr_t k = pmm_alloc(0);

	ck_assert_uint_eq(pmm_page_mapcount(pa), 0);
	ck_assert_uint_eq(pmm_page_mapcount(k), 0);
	pmm_page_get(pa);
	pmm_page_get(pa);
	pmm_page_map(pa, false);
	pmm_page_map(pa, false);
	ck_assert_uint_eq(pmm_page_mapcount(pa), 2);
	ck_assert_uint_eq(pmm_page_refs(pa), 3);
	pmm_page_unmap(pa);
	pmm_page_put(pa);
	pmm_page_unmap(pa);
	pmm_page_put(pa);
	ck_assert_uint_eq(pmm_page_mapcount(pa), 0);
	pmm_page_put(pa);
	pmm_free(k, 0);
}
END_TEST

/* ---- kernel bugs that must panic (SIGABRT via plat_halt) ---------------- */

/* Panic tests use test_expect_panic() from check/plat_test.h. */

START_TEST(test_pmm_double_free_panics)
{
	paddr_t pa = pmm_alloc(0);

	test_expect_panic("pmm_free: double free of");
	pmm_free(pa, 0);
	pmm_free(pa, 0);
}
END_TEST

START_TEST(test_pmm_double_free_merged_panics)
{
	paddr_t a, b;

	/*
	 * Two buddies: after both are freed, b is inside a merged block.
	 * Which two pages in a row are buddies depends on the free lists'
	 * state (single pages at the ends of ranges): try a few.
	 */
	a = pmm_alloc(0);
	b = pmm_alloc(0);
	for (int i = 0; i < 16 && (a ^ b) != PAGE_SIZE; i++) {
		a = b;
		b = pmm_alloc(0);
	}
	ck_assert_uint_eq(a ^ b, PAGE_SIZE);
	test_expect_panic("is not an allocated block");
	pmm_free(a, 0);
	pmm_free(b, 0);
	pmm_free(b, 0);
}
END_TEST

START_TEST(test_pmm_free_wrong_order_panics)
{
	paddr_t pa = pmm_alloc(2);

	test_expect_panic("allocated with order 2, freed with order 1");
	pmm_free(pa, 1);
}
END_TEST

START_TEST(test_pmm_free_inside_block_panics)
{
	paddr_t pa = pmm_alloc(2);

	test_expect_panic("is not an allocated block");
	pmm_free(pa + PAGE_SIZE, 0);
}
END_TEST

START_TEST(test_pmm_free_page0_panics)
{
	test_expect_panic("0 is not memory the page allocator owns");
	pmm_free(0, 0);
}
END_TEST

START_TEST(test_pmm_free_unowned_panics)
{
	test_expect_panic("is not memory the page allocator owns");
	pmm_free(TEST_RAM_SIZE + 16 * MiB, 0);
}
END_TEST

START_TEST(test_pmm_free_misaligned_panics)
{
	test_expect_panic("pmm_free: bad block");
	pmm_free(pmm_alloc(0) + 16, 0);
}
END_TEST

START_TEST(test_pmm_free_shared_page_panics)
{
	paddr_t pa = pmm_alloc(0);

	pmm_page_get(pa);
	test_expect_panic("still has 2 holders");
	pmm_free(pa, 0);
}
END_TEST

START_TEST(test_pmm_put_free_page_panics)
{
	paddr_t pa = pmm_alloc(0);

	pmm_page_put(pa);
	test_expect_panic("is not an allocated order-0 page");
	pmm_page_put(pa);
}
END_TEST

START_TEST(test_pmm_get_large_block_panics)
{
	test_expect_panic("is not an allocated order-0 page");
	pmm_page_get(pmm_alloc(1));
}
END_TEST

/* The guards: no page is in user page tables and kernel use at once. */
START_TEST(test_pmm_map_kernel_page_panics)
{
	paddr_t pa = pmm_alloc(0);

	pmm_page_get(pa);
	test_expect_panic("is kernel memory (use 0), not a user page");
	pmm_page_map(pa, false);
}
END_TEST

START_TEST(test_pmm_free_mapped_page_panics)
{
	paddr_t pa = pmm_alloc_flags(0, PMM_USER);

	pmm_page_map(pa, true);
	test_expect_panic("is still mapped into user space (1 entries)");
	pmm_free(pa, 0);
}
END_TEST

START_TEST(test_pmm_put_of_mapped_reference_panics)
{
	paddr_t pa = pmm_alloc_flags(0, PMM_USER);

	pmm_page_map(pa, true);
	/* A reference-counting mistake: the entry's reference is gone. */
	test_expect_panic("has 1 entries but 0 references left");
	pmm_page_put(pa);
}
END_TEST

START_TEST(test_pmm_map_without_reference_panics)
{
	paddr_t pa = pmm_alloc_flags(0, PMM_USER);

	pmm_page_map(pa, false);
	test_expect_panic("has 2 entries but 1 references");
	pmm_page_map(pa, false);
}
END_TEST

START_TEST(test_pmm_unmap_unmapped_panics)
{
	paddr_t pa = pmm_alloc_flags(0, PMM_USER);

	test_expect_panic("is not mapped");
	pmm_page_unmap(pa);
}
END_TEST

Suite *pmm_suite(void)
{
	Suite *s = suite_create("pmm");
	TCase *tc = tcase_create("core");
	TCase *tp = tcase_create("panic");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pmm_init_counts);
	tcase_add_test(tc, test_pmm_alignment_every_order);
	tcase_add_test(tc, test_pmm_va_roundtrip);
	tcase_add_test(tc, test_pmm_coalesce);
	tcase_add_test(tc, test_pmm_exhaustion);
	tcase_add_test(tc, test_pmm_bad_order);
	tcase_add_loop_test(tc, test_pmm_stress_shadow, 0, 3);
	tcase_add_test(tc, test_pmm_ranges_with_holes);
	tcase_add_test(tc, test_pmm_sections);
	tcase_add_test(tc, test_pmm_no_memory);
	tcase_add_test(tc, test_pmm_page_refcount);
	tcase_add_test(tc, test_pmm_first_use_cleared);
	tcase_add_test(tc, test_pmm_exec_mapped_cleared_on_reuse);
	tcase_add_test(tc, test_pmm_data_page_kept_zero_flag_clears);
	tcase_add_test(tc, test_pmm_mapcount);
	suite_add_tcase(s, tc);

	if (test_forking()) {
		tcase_add_checked_fixture(tp, setup, NULL);
		tcase_set_timeout(tp, 60);
		tcase_add_test_raise_signal(tp, test_pmm_double_free_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(
			tp, test_pmm_double_free_merged_panics, SIGABRT);
		tcase_add_test_raise_signal(
			tp, test_pmm_free_wrong_order_panics, SIGABRT);
		tcase_add_test_raise_signal(
			tp, test_pmm_free_inside_block_panics, SIGABRT);
		tcase_add_test_raise_signal(tp, test_pmm_free_page0_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(tp, test_pmm_free_unowned_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(tp, test_pmm_free_misaligned_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(
			tp, test_pmm_free_shared_page_panics, SIGABRT);
		tcase_add_test_raise_signal(tp, test_pmm_put_free_page_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(tp, test_pmm_get_large_block_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(tp, test_pmm_map_kernel_page_panics,
					    SIGABRT);
		tcase_add_test_raise_signal(
			tp, test_pmm_free_mapped_page_panics, SIGABRT);
		tcase_add_test_raise_signal(
			tp, test_pmm_put_of_mapped_reference_panics, SIGABRT);
		tcase_add_test_raise_signal(
			tp, test_pmm_map_without_reference_panics, SIGABRT);
		tcase_add_test_raise_signal(tp, test_pmm_unmap_unmapped_panics,
					    SIGABRT);
		suite_add_tcase(s, tp);
	}
	return s;
}
