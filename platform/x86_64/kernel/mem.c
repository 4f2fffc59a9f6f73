/*
 * Physical <-> virtual translation (kos/plat/mem.h).
 *
 * Physical memory is reached through the direct map the EFI stub built at
 * KOS_DIRECT_MAP (at least the first 4 GiB and everything in the EFI
 * memory map).  Kernel-image addresses (.data/.bss buffers handed to
 * devices, say) are translated by walking the live page tables, because
 * the stub may place the image's segments anywhere in physical memory.
 * Any other address is a kernel bug and panics.
 *
 * At boot x86_mem_drop_identity() removes the stub's identity map of low
 * memory, so the whole lower half is empty (NULL dereferences fault) until
 * the core's VM puts user space there.
 */
#include <kos/types.h>
#include <kos/panic.h>
#include <kos/plat/mem.h>

#include "x86.h"

#define PTE_PRESENT 0x1UL
#define PTE_LARGE 0x80UL
#define PTE_ADDR 0x000ffffffffff000UL

void *plat_phys_to_virt(paddr_t pa)
{
	return (void *)(KOS_DIRECT_MAP + pa);
}

/*
 * Walk CR3's 4-level tables for va.  Returns false if not mapped.  Large
 * pages (1 GiB, 2 MiB) end the walk early.
 */
static bool walk(uint64_t va, paddr_t *pa)
{
	uint64_t table = read_cr3() & PTE_ADDR;

	for (int level = 3; level >= 0; level--) {
		unsigned int shift = 12 + 9 * level;
		const uint64_t *t = plat_phys_to_virt(table);
		uint64_t e = t[(va >> shift) & 511];

		if (!(e & PTE_PRESENT))
			return false;
		if (level == 0 || (level <= 2 && (e & PTE_LARGE))) {
			uint64_t mask = (1UL << shift) - 1;

			*pa = ((e & PTE_ADDR) & ~mask) | (va & mask);
			return true;
		}
		table = e & PTE_ADDR;
	}
	return false;
}

/*
 * Clear PML4 entries 0-255 of the boot page tables and flush the TLB.  The
 * stub's identity map shares its lower tables with the direct map, so
 * only the root entries go.  What is left -- the kernel half -- is the
 * master copy plat_as_create() gives every address space; it is recorded
 * in x86_kernel_pml4.  Boot CPU, interrupts disabled, once.
 */
void x86_mem_drop_identity(void)
{
	uint64_t cr3 = read_cr3();
	uint64_t *pml4 = plat_phys_to_virt(cr3 & PTE_ADDR);

	for (int i = 0; i < 256; i++)
		pml4[i] = 0;
	write_cr3(cr3);
	x86_kernel_pml4 = cr3 & PTE_ADDR;
}

paddr_t plat_virt_to_phys(const void *p)
{
	uint64_t va = (uint64_t)p;
	paddr_t pa;

	if (va >= KOS_DIRECT_MAP && va - KOS_DIRECT_MAP < KOS_DIRECT_MAP_SIZE)
		return va - KOS_DIRECT_MAP;
	if (va >= KOS_KERNEL_VMA && walk(va, &pa))
		return pa;
	kos_panic("plat_virt_to_phys: %p is neither direct-map nor kernel", p);
}

unsigned int plat_fault_around_pages(void)
{
	return 0; /* faults are cheap here */
}
