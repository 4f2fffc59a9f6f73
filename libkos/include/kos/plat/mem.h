/*
 * Platform interface: physical memory.
 *
 * The core owns physical memory as described by the boot memory map and
 * reaches any physical page through the platform's direct map: the whole
 * of physical memory mapped at one kernel virtual offset (bare metal: the
 * upper-half direct map built by the EFI stub; hosted: the mmap of the
 * memfd that stands in for RAM).
 */
#ifndef KOS_PLAT_MEM_H
#define KOS_PLAT_MEM_H

#include <kos/types.h>

void *plat_phys_to_virt(paddr_t pa);
paddr_t plat_virt_to_phys(const void *va);

/*
 * How many pages after a faulting anonymous page to fill in the same
 * fault (0: none).  Where a page fault costs tens of microseconds of
 * host round trips (hosted: ptrace stop, mapping batch, resume), filling
 * the neighbours of a demand-zero page at once is cheaper than faulting
 * on each; on hardware it only wastes memory, so bare metal says 0.
 */
unsigned int plat_fault_around_pages(void);

/*
 * Set the rights of the direct-map pages [va, va + len) (page-aligned):
 * prot is 0 (no access), PROT_READ, or PROT_READ|PROT_WRITE (uapi
 * values).  For linked mode's mprotect (mm/linked.c): the program's
 * memory is direct-map memory.  Bare metal splits the direct map's large
 * pages as needed and flushes the TLB; hosted mprotect()s the RAM
 * mapping.  0, or -ENOMEM (no page for a table).
 */
int plat_direct_protect(void *va, size_t len, unsigned int prot);

#endif
