/*
 * Private declarations of the virtual-memory subsystem (vm.c, vma.c,
 * fault.c, uaccess.c).  Everything here requires vm->lock unless noted.
 */
#ifndef KOS_MM_VM_INTERNAL_H
#define KOS_MM_VM_INTERNAL_H

#include <kos/pgtable.h>
#include <kos/plat/user.h>
#include <kos/vm.h>

/* --- vma.c: the sorted VMA array ---------------------------------------- */

void vm_vma_set_init(struct vma_set *s);
/* Free the array (not the VMAs). */
void vm_vma_set_release(struct vma_set *s);
/* Index of the first VMA whose end is above addr (s->n if none). */
size_t vm_vma_lower_bound(struct vma_set *s, unsigned long addr);
/* The VMA containing addr, or NULL. */
struct vma *vm_vma_lookup(struct vma_set *s, unsigned long addr);
/* Make room for extra more entries.  0 or -ENOMEM. */
int vm_vma_reserve(struct vma_set *s, size_t extra);
/* Insert v (overlapping nothing).  0 or -ENOMEM. */
int vm_vma_insert(struct vma_set *s, struct vma *v);
/* Take entry i out of the array (the VMA itself stays allocated). */
void vm_vma_remove(struct vma_set *s, size_t i);
/* A zeroed VMA, or NULL. */
struct vma *vm_vma_alloc(void);
/* Free v, dropping its file reference. */
void vm_vma_free(struct vma *v);
/*
 * Split entry i at page-aligned addr strictly inside it: entry i becomes
 * [start, addr), a new entry i+1 [addr, end).  0, -ENOMEM, or -EINVAL
 * for a special mapping (VMA_SPECIAL), which is never split.
 */
int vm_vma_split(struct vma_set *s, size_t i, unsigned long addr);
/* Merge adjacent compatible VMAs among those touching [lo, hi]. */
void vm_vma_merge_range(struct vma_set *s, unsigned long lo, unsigned long hi);

/* --- vm.c ---------------------------------------------------------------- */

void vm_file_get(struct file *f);
void vm_file_put(struct file *f);
ssize_t vm_file_pread(struct file *f, void *buf, size_t len, uint64_t off);
int vm_file_getpage(struct file *f, uint64_t pgoff, paddr_t *pa);
int vm_file_peekpage(struct file *f, uint64_t pgoff, paddr_t *pa);
int vm_file_fsync(struct file *f);
bool vm_file_wants_mkwrite(struct file *f);
int vm_file_mkwrite(struct file *f, uint64_t pgoff);

/* Does [start, end) overlap the range vm_reserve_range() set aside? */
bool vm_range_reserved(unsigned long start, unsigned long end);

/* Tell the platform that entries in [start, end) changed. */
void vm_flush(struct vm_space *vm, unsigned long start, unsigned long end);
/* ... when every entry that changed was empty before (plat_tlb_grow()). */
void vm_flush_grow(struct vm_space *vm, unsigned long start, unsigned long end);

/* Where mmap() would place a new mapping of len bytes (no hint); 0: none. */
unsigned long vm_place_locked(struct vm_space *vm, size_t len);

/* --- special.c ----------------------------------------------------------- */

/*
 * The page of special mapping v at va, with a reference for the caller,
 * in *pa.  0, or -ENXIO past its backed pages (SIGBUS).
 */
int vm_special_getpage(struct vma *v, unsigned long va, paddr_t *pa);

/* --- fault.c ------------------------------------------------------------- */

/*
 * Make the page at va (inside v) present, and writable by the kernel if
 * want_write (a copy-on-write page is copied).  With force the VMA's
 * rights are not checked (debugger-style access; the entry keeps the
 * VMA's rights).  0, -EFAULT, VM_FAULT_SIGBUS or -ENOMEM.
 */
int vm_fault_page(struct vm_space *vm, struct vma *v, unsigned long va,
		  bool want_write, bool force);

/* The VMA for addr, growing a stack VMA down to it if allowed; or NULL. */
struct vma *vm_find_or_grow(struct vm_space *vm, unsigned long addr);

/* Drop the entries of [start, end) (their frames), counting rss. lock. */
void vm_unmap_pages(struct vm_space *vm, unsigned long start,
		    unsigned long end);

/* vm.c: is advice one madvise() knows? */
bool vm_advice_known(int advice);
/* vm.c: madvise's argument checks; -EINVAL, 0 (empty range) or 1. */
int vm_madvise_range(unsigned long addr, size_t len, int advice,
		     unsigned long *end);
/* linked.c: free a linked space's mappings (vm_destroy). */
void vm_linked_release(struct vm_space *vm);

#endif
