/*
 * Private declarations shared by the physical page allocator (pmm.c) and
 * the slab allocator (slab.c).
 */
#ifndef KOS_MM_INTERNAL_H
#define KOS_MM_INTERNAL_H

#include <kos/list.h>
#include <kos/pmm.h>
#include <kos/types.h>

#ifndef KOS_DEBUG
#define KOS_DEBUG 1
#endif

/* Bytes in the largest block the page allocator hands out. */
#define PMM_MAX_BLOCK_BYTES (PAGE_SIZE << PMM_MAX_ORDER)

/* struct page.flags: what the allocator knows about a page. */
#define PG_RESERVED 0x1 /* not owned: hole, reserved range or metadata */
#define PG_FREE 0x2	/* first page of a free block (on a free list) */
#define PG_ALLOC 0x4	/* first page of an allocated block */
/* 0: any other owned page (inside a free or an allocated block). */

/* struct page.use: what the holder of an allocated block uses it for. */
#define PAGE_USE_NONE 0	   /* kernel memory (the default) */
#define PAGE_USE_SLAB 1	   /* every page of a slab; owner = the slab */
#define PAGE_USE_KMALLOC 2 /* first page of a large kmalloc block */
#define PAGE_USE_USER 3	   /* PMM_USER page: may be mapped into user space */

/* struct page.mflags: sticky history bits (atomic; see pmm.c). */
#define PGM_STALE 0x1 /* may hold code some CPU ran: clear before reuse */

/*
 * Metadata for one physical page.  flags, order and link belong to the
 * page allocator and are guarded by its lock.  use and owner belong to
 * whoever holds the allocated block; pmm_alloc() clears them on the
 * block's first page and the holder must clear them on any other page it
 * set before freeing.  refcnt (atomic, first page of an allocated block
 * only) counts the holders of an order-0 page (pmm_page_get/put); it is
 * 1 from pmm_alloc() and 0 while free.  mapcount (atomic, PAGE_USE_USER
 * pages only, sharing owner's storage) counts the user page-table entries
 * that hold the page; it is never larger than refcnt.  mflags survive
 * free and allocation: PGM_STALE is set for every page at init and by an
 * executable user mapping, and cleared only by clearing the page.
 *
 * Every byte of the structure is written at init (no padding), so the
 * metadata itself never keeps stale code (see pmm.c).
 */
struct page {
	struct list_head link; /* free list of its order (PG_FREE only) */
	union {
		void *owner;	   /* holder's back pointer (slab) */
		uint64_t mapcount; /* atomic; user entries (USER pages) */
	};
	uint8_t flags;	 /* PG_* */
	uint8_t order;	 /* block order (PG_FREE / PG_ALLOC) */
	uint8_t use;	 /* PAGE_USE_* */
	uint8_t mflags;	 /* PGM_*; atomic */
	uint32_t refcnt; /* atomic; holders of a PG_ALLOC block */
};

_Static_assert(sizeof(struct page) == 32, "struct page has padding");

/*
 * Metadata of the page containing pa, or NULL if the page allocator does
 * not own it.  Lock-free; the caller must hold the block or only read.
 */
struct page *pmm_page(paddr_t pa);

#endif
