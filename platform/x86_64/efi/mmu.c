/*
 * The page tables the stub hands to the kernel.
 *
 * One 4-level hierarchy, allocated up front (before ExitBootServices) as a
 * pool of zeroed pages of the OS-loader memory type:
 *
 *   PML4[256..]  direct map: physical [0, phys_end) at KOS_DIRECT_MAP,
 *                2 MiB pages, read/write, not executable (NX in the PML4
 *                entry, when the CPU has NX)
 *   PML4[0..]    identity map of the same range, executable, so the stub
 *                keeps running after it loads CR3.  These entries point to
 *                the SAME page-directory-pointer tables as the direct map;
 *                the kernel drops the identity map by clearing PML4[0..255]
 *                and must not free those tables.
 *   PML4[511]    the kernel image, 4 KiB pages with per-segment permissions
 *
 * While the stub builds the tables, UEFI's identity mapping is active, so
 * a table's physical address is also a pointer to it.
 */
#include "stub.h"

#define GIB (1ULL << 30)
#define MIB2 (2ULL << 20)

static uint64_t *pool;	   /* next free page-table page */
static uint64_t pool_left; /* pages left in the pool */
static uint64_t *pml4;
static uint64_t direct_end; /* bytes covered by the direct map */
static uint64_t nx_bit;	    /* PTE_NX if NX is usable, else 0 */

static uint64_t *pt_alloc(void)
{
	uint64_t *p;

	if (pool_left == 0)
		return NULL;
	p = pool;
	pool += 512;
	pool_left--;
	return p;
}

/*
 * Size and allocate the pool for a direct map of [0, phys_end) and a
 * kernel image of kernel_span bytes; allocate the PML4.  phys_end is
 * rounded up to a whole GiB, and at least 4 GiB (to cover the local and
 * I/O APICs).  nx says whether NX bits may be used.
 */
EFI_STATUS mmu_init(uint64_t phys_end, uint64_t kernel_span, int nx)
{
	uint64_t ngib, npdpt, npages, pa;

	if (phys_end < 4 * GIB)
		phys_end = 4 * GIB;
	direct_end = (phys_end + GIB - 1) & ~(GIB - 1);
	ngib = direct_end / GIB;
	npdpt = (ngib + 511) / 512;
	if (npdpt > 128) /* 64 TiB: more than 4-level paging can place */
		return EFI_UNSUPPORTED;
	/*
	 * PML4 + the direct map's PDPTs and PDs + the kernel's PDPT, up to
	 * two PDs (it may straddle a 1 GiB line) and its page tables.
	 */
	npages = 1 + npdpt + ngib + 1 + 2 + kernel_span / MIB2 + 2;
	pool = stub_alloc(npages * 4096, &pa);
	if (!pool)
		return EFI_OUT_OF_RESOURCES;
	pool_left = npages;
	nx_bit = nx ? PTE_NX : 0;
	pml4 = pt_alloc();
	return EFI_SUCCESS;
}

uint64_t mmu_root(void)
{
	return (uint64_t)pml4;
}

uint64_t mmu_pte_nx(void)
{
	return nx_bit;
}

/*
 * Build the direct map and the lower-half identity map that shares its
 * tables.  mmu_init() sized the pool for exactly this, so it cannot fail.
 */
void mmu_map_direct(void)
{
	uint64_t pa, *pdpt = NULL, *pd = NULL;
	unsigned int i4;

	for (pa = 0; pa < direct_end; pa += MIB2) {
		if ((pa & (512 * GIB - 1)) == 0) {
			pdpt = pt_alloc();
			i4 = pa / (512 * GIB);
			pml4[256 + i4] =
				(uint64_t)pdpt | PTE_P | PTE_W | nx_bit;
			pml4[i4] = (uint64_t)pdpt | PTE_P | PTE_W;
		}
		if ((pa & (GIB - 1)) == 0) {
			pd = pt_alloc();
			pdpt[(pa / GIB) % 512] = (uint64_t)pd | PTE_P | PTE_W;
		}
		pd[(pa / MIB2) % 512] = pa | PTE_P | PTE_W | PTE_PS;
	}
}

/* Entry idx of table t, allocating the next-level table if absent. */
static uint64_t *next_table(uint64_t *t, unsigned int idx)
{
	uint64_t *n;

	if (t[idx] & PTE_P)
		return (uint64_t *)(t[idx] & PTE_ADDR);
	n = pt_alloc();
	if (n)
		t[idx] = (uint64_t)n | PTE_P | PTE_W;
	return n;
}

/*
 * Map the 4 KiB page at va to pa with flags (PTE_P, PTE_W, PTE_NX).  If
 * va is already mapped, its permissions become the union of the old and
 * new ones.  Returns 0, or -1 if the pool is exhausted.
 */
int mmu_map_page(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pdpt, *pd, *pt, *pte;

	pdpt = next_table(pml4, (va >> 39) & 511);
	pd = pdpt ? next_table(pdpt, (va >> 30) & 511) : NULL;
	pt = pd ? next_table(pd, (va >> 21) & 511) : NULL;
	if (!pt)
		return -1;
	pte = &pt[(va >> 12) & 511];
	if (*pte & PTE_P) {
		/* writable if either is, executable if either is */
		*pte = ((*pte | flags) & ~PTE_NX) | (*pte & flags & PTE_NX);
		return 0;
	}
	*pte = (pa & PTE_ADDR) | flags;
	return 0;
}
