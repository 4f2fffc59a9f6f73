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
 * than PMM_MAX_ORDER.  The contents are undefined, except that a page is
 * never handed out with code on it that a CPU may have run (see pmm.c:
 * such pages are cleared first).
 */
paddr_t pmm_alloc(unsigned int order);

/* Flags for pmm_alloc_flags(). */
#define PMM_ZERO 0x1 /* clear the block */
#define PMM_USER 0x2 /* order 0 only: a page user space may map */

/*
 * pmm_alloc() with flags: PMM_ZERO clears the block (cheaper than a
 * memset afterwards: pages cleared for reuse are not cleared twice);
 * PMM_USER marks an order-0 page as one that may appear in user page
 * tables (anonymous memory, page-cache pages).  Only PMM_USER pages may
 * be mapped into user space; see pmm_page_map().
 */
paddr_t pmm_alloc_flags(unsigned int order, unsigned int flags);

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

/*
 * User mappings.  The vm layer calls pmm_page_map() for every user
 * page-table entry that starts holding a page (with exec true if the
 * entry lets user code run from it) and pmm_page_unmap() for every entry
 * that stops; pmm_page_exec() when an entry holding the page becomes
 * executable.  The page must be a PMM_USER page holding a reference per
 * entry (pmm_page_get()).  These are the guards of one rule: a page is
 * never both in user page tables and in the kernel's own use.  Mapping a
 * page that is not PMM_USER, unmapping one more time than it was mapped,
 * and freeing a page that is still mapped all panic.  A page that was
 * mapped executable is cleared before it is handed out again.
 * pmm_page_mapcount() is the current number of entries (for tests).
 */
void pmm_page_map(paddr_t pa, bool exec);
void pmm_page_unmap(paddr_t pa);
void pmm_page_exec(paddr_t pa);
unsigned int pmm_page_mapcount(paddr_t pa);

/* pmm_alloc() returning the block's direct-map address, or NULL. */
void *pmm_alloc_va(unsigned int order);

/* pmm_free() by direct-map address; NULL is ignored. */
void pmm_free_va(void *va, unsigned int order);

/* Pages currently free. */
uint64_t pmm_free_pages(void);

/* Pages the allocator owns (free or allocated, excluding its metadata). */
uint64_t pmm_total_pages(void);

#endif
