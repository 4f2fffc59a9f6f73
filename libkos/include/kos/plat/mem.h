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

#endif
