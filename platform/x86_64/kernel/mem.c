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
 *
 * Device registers get their own window (KOS_MMIO_MAP, one PML4 slot):
 * x86_ioremap() maps them with 4 KiB pages, cache disabled (PCD|PWT is
 * UC with the power-on PAT, which nothing here changes).  The direct map
 * is write-back and covers only RAM and the first 4 GiB, so it is no
 * place for a BAR the firmware put above 4 GiB.  The window's PDPT is in
 * .bss and is entered into the kernel's PML4 at boot, before any address
 * space copies the kernel half, so every address space sees the tables
 * added under it later.
 */
#include <kos/types.h>
#include <uapi/errno.h>
#include <kos/panic.h>
#include <kos/pgtable.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/spinlock.h>
#include <kos/string.h>

#include "x86.h"

static uint64_t mmio_pdpt[512] __aligned(PAGE_SIZE);
static struct spinlock mmio_lock = SPINLOCK_INIT("mmio");
static uint64_t mmio_next; /* bytes of the window used: mmio_lock */

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
	uint64_t table = read_cr3() & PTE_ADDR_MASK;

	for (int level = 3; level >= 0; level--) {
		unsigned int shift = 12 + 9 * level;
		const uint64_t *t = plat_phys_to_virt(table);
		uint64_t e = t[(va >> shift) & 511];

		if (!(e & PTE_P))
			return false;
		if (level == 0 || (level <= 2 && (e & PTE_PS))) {
			uint64_t mask = (1UL << shift) - 1;

			*pa = ((e & PTE_ADDR_MASK) & ~mask) | (va & mask);
			return true;
		}
		table = e & PTE_ADDR_MASK;
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
	uint64_t *pml4 = plat_phys_to_virt(cr3 & PTE_ADDR_MASK);

	for (int i = 0; i < 256; i++)
		pml4[i] = 0;
	pml4[(KOS_MMIO_MAP >> 39) & 511] =
		plat_virt_to_phys(mmio_pdpt) | PTE_P | PTE_RW;
	write_cr3(cr3);
	x86_kernel_pml4 = cr3 & PTE_ADDR_MASK;
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

/*
 * The next-level table under entry e (allocated, zeroed, when absent), as
 * a pointer; NULL when out of memory.
 */
static uint64_t *mmio_table(uint64_t *e)
{
	paddr_t t;

	if (!(*e & PTE_P)) {
		t = pmm_alloc_flags(0, PMM_ZERO);
		if (t == PMM_NOPAGE)
			return NULL;
		*e = t | PTE_P | PTE_RW;
	}
	return plat_phys_to_virt(*e & PTE_ADDR_MASK);
}

volatile void *x86_ioremap(paddr_t pa, size_t len)
{
	uint64_t nx = rdmsr(MSR_EFER) & EFER_NXE ? PTE_NX : 0;
	paddr_t first = pa & PAGE_MASK;
	size_t span = ((pa + len + PAGE_SIZE - 1) & PAGE_MASK) - first;
	uint64_t va, off;
	unsigned long fl;

	if (!len || pa + len < pa)
		return NULL;
	fl = spin_lock_irqsave(&mmio_lock);
	if (span > KOS_MMIO_MAP_SIZE - mmio_next)
		goto fail;
	va = KOS_MMIO_MAP + mmio_next;
	for (off = 0; off < span; off += PAGE_SIZE) {
		uint64_t v = va + off;
		uint64_t *pd = mmio_table(&mmio_pdpt[(v >> 30) & 511]);
		uint64_t *pt = pd ? mmio_table(&pd[(v >> 21) & 511]) : NULL;

		if (!pt)
			goto fail; /* the pages mapped so far stay unused */
		pt[(v >> 12) & 511] =
			(first + off) | PTE_P | PTE_RW | PTE_PCD | PTE_PWT | nx;
	}
	mmio_next += span;
	spin_unlock_irqrestore(&mmio_lock, fl);
	return (volatile void *)(va + (pa - first));
fail:
	spin_unlock_irqrestore(&mmio_lock, fl);
	return NULL;
}

/*
 * Linked mode's page rights (plat_direct_protect, kos/plat/mem.h).  The
 * direct map is built of 2 MiB (or 1 GiB) pages; a range whose rights
 * change gets 4 KiB pages where it needs them: the large entry becomes a
 * table of 512 entries with the same frames and bits, and stays split.
 * Every address space shares the kernel half's tables below the PML4, so
 * one change is seen everywhere; one CPU, so invlpg is the whole flush
 * (it drops global and large-page entries as well).
 */

/* The bits of a 4 KiB entry that keep a large entry's meaning. */
#define SPLIT_BITS \
	(PTE_P | PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)

/*
 * The table under *e, made of its large page first if it is one (level:
 * 2 for a 1 GiB entry, 1 for a 2 MiB one); NULL without memory.
 */
static uint64_t *split_table(uint64_t *e, unsigned int level)
{
	uint64_t span = 1UL << (12 + 9 * (level - 1));
	uint64_t base, bits, *t;
	paddr_t pa;

	if (!(*e & PTE_PS))
		return plat_phys_to_virt(*e & PTE_ADDR_MASK);
	pa = pmm_alloc_flags(0, 0);
	if (pa == PMM_NOPAGE)
		return NULL;
	t = plat_phys_to_virt(pa);
	base = *e & PTE_ADDR_MASK & ~((span << 9) - 1);
	bits = *e & SPLIT_BITS;
	for (unsigned int i = 0; i < 512; i++)
		t[i] = (base + i * span) | bits | (level > 1 ? PTE_PS : 0);
	*e = pa | (*e & (PTE_P | PTE_RW | PTE_US | PTE_NX));
	return t;
}

/* The rights bits an entry gets for prot. */
static uint64_t prot_bits(unsigned int prot)
{
	if (!(prot & 1)) /* PROT_READ */
		return 0;
	return (prot & 2) ? PTE_P | PTE_RW : PTE_P;
}

int plat_direct_protect(void *va, size_t len, unsigned int prot)
{
	uint64_t want = prot_bits(prot), v = (uint64_t)va, end = v + len;
	uint64_t *pml4 = plat_phys_to_virt(read_cr3() & PTE_ADDR_MASK);
	unsigned long fl = plat_irq_save();
	int err = 0;

	while (v < end) {
		uint64_t *pdpt = plat_phys_to_virt(pml4[(v >> 39) & 511] &
						   PTE_ADDR_MASK);
		uint64_t *e = &pdpt[(v >> 30) & 511], *pd, *pt;

		/* A large page that has the rights already stays whole. */
		if ((*e & PTE_PS) && (*e & (PTE_P | PTE_RW)) == want &&
		    !(v & ((1UL << 30) - 1)) && end - v >= (1UL << 30)) {
			v += 1UL << 30;
			continue;
		}
		pd = split_table(e, 2);
		e = pd ? &pd[(v >> 21) & 511] : NULL;
		if (e && (*e & PTE_PS) && (*e & (PTE_P | PTE_RW)) == want) {
			v = (v | ((1UL << 21) - 1)) + 1;
			continue;
		}
		pt = e ? split_table(e, 1) : NULL;
		if (!pt) {
			err = -ENOMEM;
			break;
		}
		e = &pt[(v >> 12) & 511];
		*e = (*e & ~(PTE_P | PTE_RW)) | want;
		__asm__ __volatile__("invlpg (%0)" ::"r"(v) : "memory");
		v += PAGE_SIZE;
	}
	plat_irq_restore(fl);
	return err;
}
