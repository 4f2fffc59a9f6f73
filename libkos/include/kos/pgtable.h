/*
 * x86-64 4-level page tables (PML4 -> PDPT -> PD -> PT), the format both
 * platforms use: bare metal loads the root into CR3, hosted mirrors the
 * leaf entries into its guest stub processes.
 *
 * This layer knows the format and nothing about VMAs.  It only ever
 * creates or frees entries 0..255 of a PML4 (the user half, below
 * 0x0000800000000000); the platform owns entries 256..511 (the kernel
 * half on bare metal).  Intermediate tables come from the page allocator,
 * zeroed, and are always present, writable and user-accessible: the leaf
 * entry alone decides the access rights.  Only 4 KiB leaves are created.
 *
 * Leaf entries may carry three software bits:
 *   PTE_OWNED     the entry holds a reference to its frame (an order-0
 *                 PMM_USER page, pmm_page_get(), counted as a user
 *                 mapping with pmm_page_map()) and drops both when
 *                 unmapped,
 *                 which frees a private frame and leaves a shared one
 *                 (a file's page-cache page) to its other holders;
 *   PTE_PROTNONE  the entry holds a frame but is inaccessible (P clear,
 *                 the address kept), for PROT_NONE pages whose contents
 *                 must survive an mprotect() back;
 *   PTE_COW       the frame is shared copy-on-write (a page-cache page in
 *                 a private mapping): the entry is never made writable,
 *                 a write fault copies the frame.
 * An entry "holds a frame" if P or PTE_PROTNONE is set.
 *
 * None of these functions lock: the caller (the vm layer) holds the
 * address space's lock.  None of them call plat_tlb_flush(); the caller
 * does, for every range it changed.
 */
#ifndef KOS_PGTABLE_H
#define KOS_PGTABLE_H

#include <kos/types.h>

typedef uint64_t pte_t;

#define PTE_P (1ULL << 0)	  /* present */
#define PTE_RW (1ULL << 1)	  /* writable */
#define PTE_US (1ULL << 2)	  /* user accessible */
#define PTE_PWT (1ULL << 3)	  /* write-through */
#define PTE_PCD (1ULL << 4)	  /* cache disable */
#define PTE_A (1ULL << 5)	  /* accessed (set by the CPU) */
#define PTE_D (1ULL << 6)	  /* dirty (set by the CPU, leaves only) */
#define PTE_PS (1ULL << 7)	  /* large page (PDPT/PD entries) */
#define PTE_G (1ULL << 8)	  /* global */
#define PTE_OWNED (1ULL << 9)	  /* software: core frees the frame */
#define PTE_PROTNONE (1ULL << 10) /* software: frame held, no access */
#define PTE_COW (1ULL << 11)	  /* software: shared, copy on write */
/*
 * Software: a shared file page mapped read-only until its first write,
 * which tells the file (vm_file_mkwrite: the page is dirty) and then
 * makes the entry writable.  Like PTE_COW it keeps PTE_RW off through
 * mprotect.  Bit 52: ignored by the MMU.
 */
#define PTE_WNOTIFY (1ULL << 52)
#define PTE_NX (1ULL << 63) /* no execute */

#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define PTE_ADDR(pte) ((paddr_t)((pte)&PTE_ADDR_MASK))
/* Does this leaf entry hold a frame (present or PROT_NONE)? */
#define PTE_HOLDS_FRAME(pte) (((pte) & (PTE_P | PTE_PROTNONE)) != 0)

#define PGT_ENTRIES 512
#define PGT_USER_ENTRIES 256		   /* PML4 slots of the user half */
#define PGT_USER_END 0x0000800000000000ULL /* end of the user half */

#define PGT_LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * ((l)-1)) /* l = 1 (PT)..4 */
#define PGT_INDEX(va, l) (((va) >> PGT_LEVEL_SHIFT(l)) & 0x1ff)

/*
 * Allocate an empty (zeroed) PML4.  Returns its physical address or
 * PMM_NOPAGE.  The platform fills the kernel half in plat_as_create().
 */
paddr_t arch_pgt_create(void);

/*
 * Free everything below the user half of root: drop the reference of
 * every entry with PTE_OWNED, free every intermediate table, and finally
 * root itself.
 */
void arch_pgt_destroy(paddr_t root);

/*
 * The leaf entry for user address va, or NULL if a table on the way is
 * missing.  With alloc, missing tables are allocated (NULL then means out
 * of memory).  The pointer is valid until the tables are changed.
 */
pte_t *arch_pgt_walk(paddr_t root, vaddr_t va, bool alloc);

/* The leaf entry for va, or 0 if there is none. */
pte_t arch_pgt_lookup(paddr_t root, vaddr_t va);

/*
 * Clear every leaf entry in [start, end) (page aligned), dropping the
 * references of PTE_OWNED entries (pmm_page_put()), and free every table
 * whose whole span lies inside the range.  Returns the number of entries
 * that held a frame.
 */
size_t arch_pgt_unmap_range(paddr_t root, vaddr_t start, vaddr_t end);

/*
 * Rewrite the access bits of every entry holding a frame in [start, end):
 * keep the frame and the software OWNED and COW bits, replace
 * P/RW/US/NX/PROTNONE with those of prot_bits (as built by
 * arch_pgt_prot_bits()), except that PTE_COW entries never get RW.
 * Returns the number of entries changed.
 */
size_t arch_pgt_protect_range(paddr_t root, vaddr_t start, vaddr_t end,
			      pte_t prot_bits);

/*
 * Entry bits (without frame) for a user page with Linux PROT_* rights:
 * PROT_NONE gives PTE_PROTNONE (not present); otherwise P|US, RW for
 * PROT_WRITE, NX unless PROT_EXEC.  On x86 every accessible page is
 * readable.
 */
pte_t arch_pgt_prot_bits(unsigned int prot);

/*
 * Call fn(va, pte, arg) for every non-zero leaf entry in [start, end), in
 * address order, skipping missing tables quickly.  fn may rewrite the
 * leaf entry it is given (through arch_pgt_walk) but must not add or
 * free tables of root.  (Mirroring platforms, fork, tests.)
 */
void arch_pgt_for_each(paddr_t root, vaddr_t start, vaddr_t end,
		       void (*fn)(vaddr_t va, pte_t pte, void *arg), void *arg);

/* Page-table pages (not counting root) allocated below root; for tests. */
size_t arch_pgt_count_tables(paddr_t root);

#endif
