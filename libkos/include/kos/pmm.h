/*
 * Physical page allocator (buddy system).
 *
 * pmm_init() takes ownership of every KOS_MEM_USABLE range of the boot
 * memory map (minus overlapping reserved ranges, and never physical page 0)
 * and hands it out in blocks of 2^order contiguous pages, each block
 * naturally aligned (a block of order n starts on a 2^n page boundary).
 *
 * All functions are safe from any context, including interrupt handlers:
 * the allocator's state is guarded by one spinlock taken with interrupts
 * disabled.  Freeing a block that is not allocated, freeing with the wrong
 * order, or freeing memory the allocator does not own is a kernel bug and
 * panics.
 */
#ifndef KOS_PMM_H
#define KOS_PMM_H

#include <kos/boot.h>
#include <kos/types.h>

#define PMM_NOPAGE ((paddr_t)-1)
#define PMM_MAX_ORDER 10 /* blocks up to 4 MiB */

/*
 * Build the allocator from the boot memory map.  Page metadata is carved
 * out of the usable memory itself.  Called once at boot (unit tests call
 * it again to start over; everything allocated before is forgotten).
 */
void pmm_init(const struct kos_bootinfo *bi);

/*
 * Allocate 2^order contiguous, naturally aligned pages.  Returns their
 * physical address, or PMM_NOPAGE if no block is free or order is larger
 * than PMM_MAX_ORDER.  The contents are undefined.
 */
paddr_t pmm_alloc(unsigned int order);

/*
 * Free a block pmm_alloc(order) returned; order must match.  The block
 * must have no holders besides the caller (see pmm_page_get()).
 */
void pmm_free(paddr_t pa, unsigned int order);

/*
 * Reference counting of single (order-0) pages shared by several holders,
 * e.g. a file's page-cache page mapped into address spaces.  pmm_alloc()
 * returns a page with one reference; pmm_page_get() adds one;
 * pmm_page_put() drops one and frees the page with the last.  Using them
 * on anything but an allocated order-0 page panics.  pmm_page_refs() is
 * the current count (for tests and assertions).
 */
void pmm_page_get(paddr_t pa);
void pmm_page_put(paddr_t pa);
unsigned int pmm_page_refs(paddr_t pa);

/* pmm_alloc() returning the block's direct-map address, or NULL. */
void *pmm_alloc_va(unsigned int order);

/* pmm_free() by direct-map address; NULL is ignored. */
void pmm_free_va(void *va, unsigned int order);

/* Pages currently free. */
uint64_t pmm_free_pages(void);

/* Pages the allocator owns (free or allocated, excluding its metadata). */
uint64_t pmm_total_pages(void);

#endif
