/*
 * Physical page allocator: a binary buddy system.
 *
 * Layers, bottom up:
 *  - spans: the usable ranges of the boot memory map, page aligned, with
 *    reserved ranges and page 0 cut out, sorted and merged.  Kept after
 *    pmm_init(): the lazy set-up below reads them.
 *  - sections: one or more spans close together, each with an array of
 *    struct page (one per page of the section, holes included) carved out
 *    of usable memory at init.  pmm_page() maps a physical address to its
 *    struct page through the (few) sections.
 *  - lazy set-up: pmm_init() only carves the arrays; it writes no struct
 *    page.  Each section is made ready from its top down, one chunk (the
 *    largest block's size and alignment, 4 MiB) at a time, when an
 *    allocation finds the free lists without a block big enough
 *    (pmm_grow()): the chunk's struct pages are written and its usable
 *    pages go on the free lists.  Writing the metadata of all RAM at boot
 *    cost milliseconds (hosted, 256 MiB) to tens of milliseconds (QEMU,
 *    512 MiB) before the first program could start.  The counters count
 *    every usable page from the start, so pmm_free_pages() and
 *    pmm_total_pages() do not change.  A page below its section's ready
 *    line has no struct page yet: pmm_page() says NULL, as for a page the
 *    allocator does not own, which is right, since nobody can hold it.
 *    Chunks are aligned to the largest block, so a block and its buddy
 *    are always in the same chunk and never merge across the line.
 *  - free lists: one list per order of free blocks; a free block is named
 *    by its first page (PG_FREE, with its order).  An allocated block's
 *    first page carries PG_ALLOC and its order, so pmm_free() can check
 *    what it is given; all other pages of a block have no flag.
 *
 * Allocation takes the smallest free block that fits and splits it,
 * putting the upper halves back on the lower free lists.  Freeing merges
 * the block with its buddy (the block at pa ^ size) while the buddy is a
 * free block of the same order.  Since free blocks only ever contain
 * usable pages, a block never spans a hole or two sections.
 *
 * Stale code.  A page some CPU ran code from is never handed out
 * uncleared: every page starts marked PGM_STALE (the firmware and the
 * boot loader ran code all over memory we now own), an executable user
 * mapping marks it again, and allocation clears marked pages before the
 * caller sees them.  On hardware that costs one page clear per reuse.
 * Under an emulator with a translation cache (QEMU's TCG) it is what keeps
 * the machine fast: TCG keeps translations of code it ran until the very
 * bytes they came from are overwritten, and until then every write to the
 * page takes its slow self-modifying-code path.  A kernel stack or a hot
 * kernel structure on such a page (only partly written, so the old code
 * is never overwritten) made every system call ~100x slower, depending
 * only on where the allocator happened to put it.
 *
 * User mappings.  The vm layer reports every user page-table entry that
 * starts or stops holding a page (pmm_page_map/unmap); only pages
 * allocated with PMM_USER may be mapped, and a page still mapped cannot
 * be freed.  Together with the reference counts this keeps any page out
 * of user page tables and kernel use at the same time.
 *
 * Locking: pmm.lock (interrupts disabled) guards the free lists, the
 * counters and the flags/order/link fields of every struct page.  mflags,
 * refcnt and mapcount are atomics.
 */
#include <kos/boot.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/pcache.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/spinlock.h>
#include <kos/string.h>
#include <kos/vm.h>

#include "internal.h"

/* At most this many sections; more spans are folded into the last one. */
#define PMM_MAX_SECTIONS 16
/* Spans closer than this (or than the section's size) share a section. */
#define PMM_SECTION_GAP (16ULL << 20)

#define BLOCK_BYTES(order) (PAGE_SIZE << (order))

struct pmm_span {
	paddr_t base;
	paddr_t end;
};

struct pmm_section {
	paddr_t base;	    /* page aligned */
	paddr_t end;	    /* exclusive */
	struct page *pages; /* one per page of [base, end); NULL: unused */
	paddr_t ready;	    /* struct pages of [ready, end) written; pmm.lock */
};

static struct {
	struct spinlock lock;
	struct list_head free[PMM_MAX_ORDER + 1]; /* by pmm.lock */
	uint64_t nfree;				  /* by pmm.lock */
	uint64_t ntotal;			  /* set at init */
	struct pmm_section sec[PMM_MAX_SECTIONS]; /* set at init */
	unsigned int nsec;
} pmm = {
	.lock = SPINLOCK_INIT("pmm"),
};

/* Set by pmm_init(); read by pmm_grow() afterwards. */
static struct pmm_span spans[KOS_MEM_MAX_RANGES];
static unsigned int nspans;

/* ---- page metadata lookup ------------------------------------------ */

static struct pmm_section *section_of(paddr_t pa)
{
	for (unsigned int i = 0; i < pmm.nsec; i++) {
		struct pmm_section *s = &pmm.sec[i];

		if (s->pages && pa >= s->ready && pa < s->end)
			return s;
	}
	return NULL;
}

/* The section whose range holds pa and that has metadata, ready or not. */
static struct pmm_section *section_of_any(paddr_t pa)
{
	for (unsigned int i = 0; i < pmm.nsec; i++) {
		struct pmm_section *s = &pmm.sec[i];

		if (s->pages && pa >= s->base && pa < s->end)
			return s;
	}
	return NULL;
}

/*
 * struct page of pa, reserved pages included; NULL outside all sections
 * and below a section's ready line.
 */
static struct page *page_any(paddr_t pa)
{
	struct pmm_section *s = section_of(pa);

	if (!s)
		return NULL;
	return &s->pages[(pa - s->base) >> PAGE_SHIFT];
}

struct page *pmm_page(paddr_t pa)
{
	struct page *pg = page_any(pa);

	if (!pg || (pg->flags & PG_RESERVED))
		return NULL;
	return pg;
}

/* Physical address of the page pg describes. */
static paddr_t page_pa(const struct page *pg)
{
	for (unsigned int i = 0; i < pmm.nsec; i++) {
		struct pmm_section *s = &pmm.sec[i];
		uint64_t n = (s->end - s->base) >> PAGE_SHIFT;

		if (s->pages && pg >= s->pages && pg < s->pages + n)
			return s->base +
			       ((paddr_t)(pg - s->pages) << PAGE_SHIFT);
	}
	kos_panic("pmm: struct page %p belongs to no section", pg);
}

/* ---- init: memory map to spans ---------------------------------------- */

/* Add [base, end) to the spans, if non-empty and there is room. */
static void span_add(paddr_t base, paddr_t end)
{
	if (base >= end)
		return;
	if (nspans == ARRAY_SIZE(spans)) {
		log_warn("pmm: too many memory ranges, ignoring %#llx-%#llx",
			 (unsigned long long)base, (unsigned long long)end);
		return;
	}
	spans[nspans].base = base;
	spans[nspans].end = end;
	nspans++;
}

/*
 * The pages of range r: those wholly inside it (inward) or all it touches
 * (outward), as [*b, *e).  Ranges running past the top are clamped.
 */
static void range_pages(const struct kos_memrange *r, bool inward, paddr_t *b,
			paddr_t *e)
{
	const paddr_t top = ALIGN_DOWN(~(paddr_t)0, PAGE_SIZE);
	paddr_t end = r->base + r->len;

	if (end < r->base || end > top)
		end = top;
	if (inward) {
		*b = r->base > top ? top : ALIGN_UP(r->base, PAGE_SIZE);
		*e = ALIGN_DOWN(end, PAGE_SIZE);
	} else {
		*b = ALIGN_DOWN(r->base, PAGE_SIZE);
		*e = ALIGN_UP(end, PAGE_SIZE);
	}
}

/* Remove [rb, re) from every span, splitting spans it falls inside. */
static void span_cut(paddr_t rb, paddr_t re)
{
	unsigned int n = nspans;

	for (unsigned int i = 0; i < n; i++) {
		struct pmm_span *s = &spans[i];

		if (re <= s->base || rb >= s->end)
			continue;
		if (rb <= s->base && re >= s->end) {
			s->end = s->base; /* emptied; dropped later */
		} else if (rb <= s->base) {
			s->base = re;
		} else if (re >= s->end) {
			s->end = rb;
		} else {
			paddr_t tail = s->end;

			s->end = rb;
			span_add(re, tail);
		}
	}
}

/* Sort spans by base, merge overlapping or touching ones, drop empties. */
static void spans_normalize(void)
{
	unsigned int out = 0;

	for (unsigned int i = 1; i < nspans; i++) {
		struct pmm_span key = spans[i];
		unsigned int j = i;

		while (j > 0 && spans[j - 1].base > key.base) {
			spans[j] = spans[j - 1];
			j--;
		}
		spans[j] = key;
	}
	for (unsigned int i = 0; i < nspans; i++) {
		if (spans[i].base >= spans[i].end)
			continue;
		if (out && spans[i].base <= spans[out - 1].end) {
			if (spans[i].end > spans[out - 1].end)
				spans[out - 1].end = spans[i].end;
			continue;
		}
		spans[out++] = spans[i];
	}
	nspans = out;
}

/* Fill spans from the memory map: usable minus reserved minus page 0. */
static void spans_from_bootinfo(const struct kos_bootinfo *bi)
{
	unsigned int nmem = MIN(bi->nmem, (unsigned int)KOS_MEM_MAX_RANGES);
	paddr_t b, e;

	nspans = 0;
	for (unsigned int i = 0; i < nmem; i++) {
		if (bi->mem[i].type != KOS_MEM_USABLE)
			continue;
		range_pages(&bi->mem[i], true, &b, &e);
		span_add(b, e);
	}
	for (unsigned int i = 0; i < nmem; i++) {
		if (bi->mem[i].type == KOS_MEM_USABLE || bi->mem[i].len == 0)
			continue;
		range_pages(&bi->mem[i], false, &b, &e);
		span_cut(b, e);
	}
	span_cut(0, PAGE_SIZE); /* page 0 is never handed out */
	spans_normalize();
}

/* ---- init: sections and their metadata -------------------------------- */

/* Group spans into sections. */
static void sections_build(void)
{
	pmm.nsec = 0;
	for (unsigned int i = 0; i < nspans; i++) {
		struct pmm_section *cur =
			pmm.nsec ? &pmm.sec[pmm.nsec - 1] : NULL;

		if (cur &&
		    (pmm.nsec == PMM_MAX_SECTIONS ||
		     spans[i].base - cur->end <=
			     MAX(PMM_SECTION_GAP, cur->end - cur->base))) {
			cur->end = spans[i].end;
			continue;
		}
		cur = &pmm.sec[pmm.nsec++];
		cur->base = spans[i].base;
		cur->end = spans[i].end;
		cur->pages = NULL;
	}
}

/*
 * Take bytes (page multiple) from the end of the largest span that has
 * them; returns the physical address or PMM_NOPAGE.
 */
static paddr_t span_carve(uint64_t bytes)
{
	struct pmm_span *best = NULL;

	for (unsigned int i = 0; i < nspans; i++) {
		uint64_t len = spans[i].end - spans[i].base;

		if (len >= bytes && (!best || len > best->end - best->base))
			best = &spans[i];
	}
	if (!best)
		return PMM_NOPAGE;
	best->end -= bytes;
	return best->end;
}

/* Give every section room for its struct page array (not yet written). */
static uint64_t sections_alloc_metadata(void)
{
	uint64_t meta_total = 0;

	for (unsigned int i = 0; i < pmm.nsec; i++) {
		struct pmm_section *s = &pmm.sec[i];
		uint64_t n = (s->end - s->base) >> PAGE_SHIFT;
		uint64_t bytes = ALIGN_UP(n * sizeof(struct page), PAGE_SIZE);
		paddr_t pa = span_carve(bytes);

		if (pa == PMM_NOPAGE) {
			log_warn("pmm: no room for metadata of %#llx-%#llx, "
				 "range unused",
				 (unsigned long long)s->base,
				 (unsigned long long)s->end);
			continue;
		}
		s->pages = plat_phys_to_virt(pa);
		s->ready = s->end; /* nothing written yet: pmm_grow() */
		meta_total += bytes;
	}
	return meta_total;
}

/* Put a free block on its list.  Called with pmm.lock held (or at init). */
static void block_put(struct page *pg, unsigned int order)
{
	pg->flags = PG_FREE;
	pg->order = order;
	list_add(&pg->link, &pmm.free[order]);
}

/* Hand the pages of [b, e), in one chunk, to the free lists. */
static void chunk_release(struct pmm_section *s, paddr_t b, paddr_t e)
{
	paddr_t pa;

	for (pa = b; pa < e; pa += PAGE_SIZE)
		s->pages[(pa - s->base) >> PAGE_SHIFT].flags = 0;
	for (pa = b; pa < e;) {
		unsigned int o = PMM_MAX_ORDER;

		while (o > 0 &&
		       ((pa & (BLOCK_BYTES(o) - 1)) || e - pa < BLOCK_BYTES(o)))
			o--;
		block_put(&s->pages[(pa - s->base) >> PAGE_SHIFT], o);
		pa += BLOCK_BYTES(o);
	}
}

/*
 * Make the next chunk ready: the highest section with pages below its
 * ready line gets the chunk under the line written (all reserved) and the
 * usable pages in it put on the free lists.  pmm.lock held (or at init).
 * False when every section is ready.
 */
static bool pmm_grow(void)
{
	const uint64_t chunk = BLOCK_BYTES(PMM_MAX_ORDER);
	struct pmm_section *s = NULL;
	paddr_t b, e;

	for (unsigned int i = pmm.nsec; i-- > 0;) {
		if (pmm.sec[i].pages && pmm.sec[i].ready > pmm.sec[i].base) {
			s = &pmm.sec[i];
			break;
		}
	}
	if (!s)
		return false;
	e = s->ready;
	b = ALIGN_DOWN(e - 1, chunk);
	if (b < s->base)
		b = s->base;
	for (paddr_t pa = b; pa < e; pa += PAGE_SIZE) {
		struct page *pg = &s->pages[(pa - s->base) >> PAGE_SHIFT];

		list_init(&pg->link);
		pg->owner = NULL;
		pg->flags = PG_RESERVED;
		pg->order = 0;
		pg->use = PAGE_USE_NONE;
		pg->mflags = PGM_STALE;
		pg->refcnt = 0;
	}
	s->ready = b;
	for (unsigned int i = 0; i < nspans; i++) {
		paddr_t sb = MAX(spans[i].base, b), se = MIN(spans[i].end, e);

		if (sb < se)
			chunk_release(s, sb, se);
	}
	return true;
}

/* Count the usable pages (those in a section with metadata) as free. */
static void spans_count(void)
{
	for (unsigned int i = 0; i < nspans; i++) {
		if (section_of_any(spans[i].base))
			pmm.ntotal +=
				(spans[i].end - spans[i].base) >> PAGE_SHIFT;
	}
	pmm.nfree = pmm.ntotal;
}

void pmm_init(const struct kos_bootinfo *bi)
{
	uint64_t meta;

	spin_init(&pmm.lock, "pmm");
	for (unsigned int o = 0; o <= PMM_MAX_ORDER; o++)
		list_init(&pmm.free[o]);
	pmm.nfree = 0;
	pmm.ntotal = 0;

	spans_from_bootinfo(bi);
	sections_build();
	meta = sections_alloc_metadata();
	spans_count();

	log_debug("pmm: %llu KiB usable in %u ranges, %u sections, "
		  "%llu KiB metadata",
		  (unsigned long long)(pmm.ntotal << PAGE_SHIFT) >> 10, nspans,
		  pmm.nsec, (unsigned long long)meta >> 10);
}

/* ---- allocation -------------------------------------------------------- */

/*
 * Make a block just taken off the free lists ready for its holder: clear
 * every page that may hold stale code, or all of them for PMM_ZERO.  The
 * block is the caller's alone, so no lock.
 */
static void block_prepare(paddr_t pa, unsigned int order, unsigned int flags)
{
	struct page *pg = page_any(pa);

	for (unsigned long i = 0; i < (1UL << order); i++, pg++) {
		bool stale = __atomic_load_n(&pg->mflags, __ATOMIC_RELAXED) &
			     PGM_STALE;

		if (stale || (flags & PMM_ZERO))
			kos_memset(plat_phys_to_virt(pa + i * PAGE_SIZE), 0,
				   PAGE_SIZE);
		if (stale)
			__atomic_and_fetch(&pg->mflags, (uint8_t)~PGM_STALE,
					   __ATOMIC_RELAXED);
	}
}

/*
 * Out of free blocks: in thread context with interrupts on (so no
 * spinlock is held and we are not in an interrupt handler), let the page
 * cache give back clean pages, once.  It never sleeps on a lock.
 */
static bool reclaim(unsigned int order)
{
	if (!plat_irq_enabled())
		return false;
	return pcache_reclaim((1ULL << order) + 32) != 0;
}

paddr_t pmm_alloc_flags(unsigned int order, unsigned int flags)
{
	bool retried = false;
	unsigned long fl;
	unsigned int o;
	struct page *pg;
	paddr_t pa;

	if (order > PMM_MAX_ORDER || ((flags & PMM_USER) && order != 0))
		return PMM_NOPAGE;

again:
	fl = spin_lock_irqsave(&pmm.lock);
	for (;;) {
		for (o = order; o <= PMM_MAX_ORDER; o++)
			if (!list_empty(&pmm.free[o]))
				break;
		if (o <= PMM_MAX_ORDER || !pmm_grow())
			break;
	}
	if (o > PMM_MAX_ORDER) {
		spin_unlock_irqrestore(&pmm.lock, fl);
		if (!retried && reclaim(order)) {
			retried = true;
			goto again;
		}
		return PMM_NOPAGE;
	}
	pg = list_first_entry(&pmm.free[o], struct page, link);
	list_del(&pg->link);
	pa = page_pa(pg);
	while (o > order) { /* give back the upper halves */
		o--;
		block_put(page_any(pa + BLOCK_BYTES(o)), o);
	}
	pg->flags = PG_ALLOC;
	pg->order = order;
	pg->owner = NULL;
	pg->use = flags & PMM_USER ? PAGE_USE_USER : PAGE_USE_NONE;
	pg->refcnt = 1;
	pmm.nfree -= 1ULL << order;
	spin_unlock_irqrestore(&pmm.lock, fl);
	block_prepare(pa, order, flags);
	return pa;
}

paddr_t pmm_alloc(unsigned int order)
{
	return pmm_alloc_flags(order, 0);
}

/* Why pmm_free() refuses a block; see pmm_free_check(). */
enum pmm_free_err {
	PMM_FREE_OK,
	PMM_FREE_NOT_OWNED,
	PMM_FREE_DOUBLE,
	PMM_FREE_NOT_BLOCK,
	PMM_FREE_BAD_ORDER,
	PMM_FREE_SHARED,
	PMM_FREE_MAPPED,
};

/* Check that pa is an allocated block of order.  pmm.lock held. */
static enum pmm_free_err pmm_free_check(paddr_t pa, unsigned int order,
					struct page **pgp)
{
	struct page *pg = pmm_page(pa);

	*pgp = pg;
	if (!pg)
		return PMM_FREE_NOT_OWNED;
	if (pg->flags == PG_FREE)
		return PMM_FREE_DOUBLE;
	if (pg->flags != PG_ALLOC)
		return PMM_FREE_NOT_BLOCK;
	if (pg->order != order)
		return PMM_FREE_BAD_ORDER;
	if (__atomic_load_n(&pg->refcnt, __ATOMIC_ACQUIRE) > 1)
		return PMM_FREE_SHARED;
	if (pg->use == PAGE_USE_USER &&
	    __atomic_load_n(&pg->mapcount, __ATOMIC_ACQUIRE))
		return PMM_FREE_MAPPED;
	return PMM_FREE_OK;
}

void pmm_free(paddr_t pa, unsigned int order)
{
	enum pmm_free_err err;
	unsigned long fl;
	struct page *pg;

	if (order > PMM_MAX_ORDER || (pa & (BLOCK_BYTES(order) - 1)))
		kos_panic("pmm_free: bad block %#llx order %u",
			  (unsigned long long)pa, order);

	fl = spin_lock_irqsave(&pmm.lock);
	err = pmm_free_check(pa, order, &pg);
	if (err != PMM_FREE_OK)
		goto out_bug;

	pg->flags = 0;
	pg->owner = NULL;
	pg->use = PAGE_USE_NONE;
	pg->refcnt = 0;
	pmm.nfree += 1ULL << order;
	while (order < PMM_MAX_ORDER) {
		paddr_t bpa = pa ^ BLOCK_BYTES(order);
		struct page *buddy = pmm_page(bpa);

		if (!buddy || buddy->flags != PG_FREE || buddy->order != order)
			break;
		list_del(&buddy->link);
		buddy->flags = 0;
		pa = MIN(pa, bpa);
		order++;
	}
	block_put(page_any(pa), order);
	spin_unlock_irqrestore(&pmm.lock, fl);
	return;

out_bug:
	spin_unlock_irqrestore(&pmm.lock, fl);
	switch (err) {
	case PMM_FREE_NOT_OWNED:
		kos_panic("pmm_free: %#llx is not memory the page allocator "
			  "owns",
			  (unsigned long long)pa);
	case PMM_FREE_DOUBLE:
		kos_panic("pmm_free: double free of %#llx order %u",
			  (unsigned long long)pa, order);
	case PMM_FREE_SHARED:
		kos_panic("pmm_free: %#llx still has %u holders",
			  (unsigned long long)pa, pg->refcnt);
	case PMM_FREE_MAPPED:
		kos_panic("pmm_free: %#llx is still mapped into user space "
			  "(%llu entries)",
			  (unsigned long long)pa,
			  (unsigned long long)pg->mapcount);
	case PMM_FREE_NOT_BLOCK:
		kos_panic("pmm_free: %#llx is not an allocated block "
			  "(double free, or inside another block)",
			  (unsigned long long)pa);
	default:
		kos_panic("pmm_free: %#llx was allocated with order %u, "
			  "freed with order %u",
			  (unsigned long long)pa, pg->order, order);
	}
}

/* ---- page reference counts ------------------------------------------ */

/* The struct page of an allocated order-0 page; panics for anything else. */
static struct page *page_counted(paddr_t pa, const char *who)
{
	struct page *pg = pmm_page(pa);

	if (!pg || (pa & (PAGE_SIZE - 1)) || pg->flags != PG_ALLOC ||
	    pg->order != 0 || pg->refcnt == 0)
		kos_panic("%s: %#llx is not an allocated order-0 page", who,
			  (unsigned long long)pa);
	return pg;
}

void pmm_page_get(paddr_t pa)
{
	struct page *pg = page_counted(pa, "pmm_page_get");

	__atomic_add_fetch(&pg->refcnt, 1, __ATOMIC_RELAXED);
}

void pmm_page_put(paddr_t pa)
{
	struct page *pg = page_counted(pa, "pmm_page_put");
	unsigned long fl = plat_irq_save();
	uint32_t n = __atomic_sub_fetch(&pg->refcnt, 1, __ATOMIC_ACQ_REL);
	uint64_t maps = __atomic_load_n(&pg->mapcount, __ATOMIC_RELAXED);

	plat_irq_restore(fl);
	/*
	 * Each user entry holds one of the references (entries are cleared
	 * before their reference goes): fewer references than entries means
	 * this put drops one its caller did not hold.  Both counts are read
	 * with interrupts off (see pmm_page_map()).
	 */
	if (pg->use == PAGE_USE_USER && n < maps) {
		vm_report_frame(pa);
		kos_panic("pmm_page_put: %#llx has %llu entries but %u "
			  "references left",
			  (unsigned long long)pa, (unsigned long long)maps, n);
	}
	if (n != 0)
		return;
	/* The last holder: nobody else can see the page any more. */
	pg->refcnt = 1;
	pmm_free(pa, 0);
}

unsigned int pmm_page_refs(paddr_t pa)
{
	return __atomic_load_n(&page_counted(pa, "pmm_page_refs")->refcnt,
			       __ATOMIC_RELAXED);
}

/* The struct page of a PMM_USER page; panics for anything else. */
static struct page *page_user(paddr_t pa, const char *who)
{
	struct page *pg = page_counted(pa, who);

	if (pg->use != PAGE_USE_USER)
		kos_panic("%s: %#llx is kernel memory (use %u), not a user "
			  "page",
			  who, (unsigned long long)pa, pg->use);
	return pg;
}

void pmm_page_map(paddr_t pa, bool exec)
{
	struct page *pg = page_user(pa, "pmm_page_map");
	/*
	 * The new entry count and the references at one instant: with
	 * preemption between the two, other address spaces may unmap and
	 * put the page meanwhile, and a stale count compared with a fresh
	 * reference total looks like a missing reference (this check
	 * panicked so under load, a false alarm).  Uniprocessor: interrupts
	 * off is enough; an SMP kernel needs both counts in one word.
	 */
	unsigned long fl = plat_irq_save();
	uint64_t n = __atomic_add_fetch(&pg->mapcount, 1, __ATOMIC_RELAXED);
	uint32_t refs = __atomic_load_n(&pg->refcnt, __ATOMIC_RELAXED);

	plat_irq_restore(fl);
	if (n > refs) {
		vm_report_frame(pa);
		kos_panic("pmm_page_map: %#llx has %llu entries but %u "
			  "references",
			  (unsigned long long)pa, (unsigned long long)n, refs);
	}
	if (exec)
		__atomic_or_fetch(&pg->mflags, PGM_STALE, __ATOMIC_RELAXED);
}

void pmm_page_unmap(paddr_t pa)
{
	struct page *pg = page_user(pa, "pmm_page_unmap");
	uint64_t n = __atomic_load_n(&pg->mapcount, __ATOMIC_RELAXED);

	do {
		if (n == 0)
			kos_panic("pmm_page_unmap: %#llx is not mapped",
				  (unsigned long long)pa);
	} while (!__atomic_compare_exchange_n(&pg->mapcount, &n, n - 1, false,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

void pmm_page_exec(paddr_t pa)
{
	struct page *pg = page_user(pa, "pmm_page_exec");

	__atomic_or_fetch(&pg->mflags, PGM_STALE, __ATOMIC_RELAXED);
}

unsigned int pmm_page_mapcount(paddr_t pa)
{
	struct page *pg = page_counted(pa, "pmm_page_mapcount");

	if (pg->use != PAGE_USE_USER)
		return 0;
	return (unsigned int)__atomic_load_n(&pg->mapcount, __ATOMIC_RELAXED);
}

void *pmm_alloc_va(unsigned int order)
{
	paddr_t pa = pmm_alloc(order);

	return pa == PMM_NOPAGE ? NULL : plat_phys_to_virt(pa);
}

void pmm_free_va(void *va, unsigned int order)
{
	if (va)
		pmm_free(plat_virt_to_phys(va), order);
}

uint64_t pmm_free_pages(void)
{
	return READ_ONCE(pmm.nfree);
}

uint64_t pmm_total_pages(void)
{
	return pmm.ntotal;
}
