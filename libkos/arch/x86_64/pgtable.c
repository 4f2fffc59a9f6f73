/*
 * x86-64 4-level page tables (see kos/pgtable.h).
 *
 * Tables live in pmm pages and are reached through the platform's direct
 * map.  Every operation is a short recursion over the levels (4 = PML4
 * .. 1 = PT) restricted to the user half; a range operation skips missing
 * tables whole, so sparse address spaces are cheap to walk.
 *
 * Locking: none here; the vm layer holds the address space's lock.
 */
#include <kos/panic.h>
#include <kos/pgtable.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <uapi/errno.h>
#include <uapi/mman.h>

/* Bits an intermediate entry carries: the leaf decides the rights. */
#define PGT_TABLE_BITS (PTE_P | PTE_RW | PTE_US)

static pte_t *table_va(paddr_t pa)
{
	return plat_phys_to_virt(pa);
}

/* A zeroed page-table page, or PMM_NOPAGE. */
static paddr_t table_alloc(void)
{
	return pmm_alloc_flags(0, PMM_ZERO);
}

paddr_t arch_pgt_create(void)
{
	return table_alloc();
}

pte_t *arch_pgt_walk(paddr_t root, vaddr_t va, bool alloc)
{
	pte_t *table = table_va(root);

	if (va >= PGT_USER_END)
		return NULL;
	for (int level = 4; level > 1; level--) {
		pte_t *e = &table[PGT_INDEX(va, level)];

		if (!(*e & PTE_P)) {
			paddr_t pa;

			if (!alloc)
				return NULL;
			pa = table_alloc();
			if (pa == PMM_NOPAGE)
				return NULL;
			*e = pa | PGT_TABLE_BITS;
		}
		KOS_ASSERT(!(*e & PTE_PS));
		table = table_va(PTE_ADDR(*e));
	}
	return &table[PGT_INDEX(va, 1)];
}

pte_t arch_pgt_lookup(paddr_t root, vaddr_t va)
{
	pte_t *e = arch_pgt_walk(root, va, false);

	return e ? *e : 0;
}

pte_t arch_pgt_prot_bits(unsigned int prot)
{
	pte_t bits;

	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return PTE_PROTNONE;
	bits = PTE_P | PTE_US;
	if (prot & PROT_WRITE)
		bits |= PTE_RW;
	if (!(prot & PROT_EXEC))
		bits |= PTE_NX;
	return bits;
}

/* Bytes one entry of a level-l table spans. */
static uint64_t level_span(int level)
{
	return 1ULL << PGT_LEVEL_SHIFT(level);
}

/* Clamp a range to the user half; false if nothing is left. */
static bool clamp_user(vaddr_t *start, vaddr_t *end)
{
	if (*end > PGT_USER_END)
		*end = PGT_USER_END;
	return *start < *end;
}

/*
 * Clear leaves in [start, end) under table (a level-l table whose first
 * entry maps base); free tables fully inside the range.
 */
static size_t unmap_level(pte_t *table, int level, vaddr_t base, vaddr_t start,
			  vaddr_t end)
{
	uint64_t span = level_span(level);
	size_t held = 0;

	for (unsigned int i = (start - base) / span; i < PGT_ENTRIES; i++) {
		vaddr_t lo = base + i * span, hi = lo + span;
		pte_t e = table[i];

		if (lo >= end)
			break;
		if (level == 1) {
			if (PTE_HOLDS_FRAME(e)) {
				held++;
				if (e & PTE_OWNED) {
					pmm_page_unmap(PTE_ADDR(e));
					pmm_page_put(PTE_ADDR(e));
				}
			}
			table[i] = 0;
			continue;
		}
		if (!(e & PTE_P))
			continue;
		held += unmap_level(table_va(PTE_ADDR(e)), level - 1, lo,
				    MAX(start, lo), MIN(end, hi));
		if (start <= lo && hi <= end) {
			table[i] = 0;
			pmm_free(PTE_ADDR(e), 0);
		}
	}
	return held;
}

size_t arch_pgt_unmap_range(paddr_t root, vaddr_t start, vaddr_t end)
{
	if (!clamp_user(&start, &end))
		return 0;
	return unmap_level(table_va(root), 4, 0, start, end);
}

void arch_pgt_destroy(paddr_t root)
{
	arch_pgt_unmap_range(root, 0, PGT_USER_END);
	pmm_free(root, 0);
}

#define PTE_RIGHTS (PTE_P | PTE_RW | PTE_US | PTE_NX | PTE_PROTNONE)

static size_t protect_level(pte_t *table, int level, vaddr_t base,
			    vaddr_t start, vaddr_t end, pte_t bits)
{
	uint64_t span = level_span(level);
	size_t changed = 0;

	for (unsigned int i = (start - base) / span; i < PGT_ENTRIES; i++) {
		vaddr_t lo = base + i * span, hi = lo + span;
		pte_t e = table[i], ne;

		if (lo >= end)
			break;
		if (level > 1) {
			if (e & PTE_P)
				changed += protect_level(
					table_va(PTE_ADDR(e)), level - 1, lo,
					MAX(start, lo), MIN(end, hi), bits);
			continue;
		}
		if (!PTE_HOLDS_FRAME(e))
			continue;
		ne = (e & ~PTE_RIGHTS) | bits;
		if (ne & (PTE_COW | PTE_WNOTIFY))
			ne &= ~PTE_RW;
		if (ne != e) {
			table[i] = ne;
			changed++;
			if ((ne & PTE_OWNED) && (ne & PTE_P) && !(ne & PTE_NX))
				pmm_page_exec(PTE_ADDR(ne));
		}
	}
	return changed;
}

size_t arch_pgt_protect_range(paddr_t root, vaddr_t start, vaddr_t end,
			      pte_t prot_bits)
{
	if (!clamp_user(&start, &end))
		return 0;
	return protect_level(table_va(root), 4, 0, start, end,
			     prot_bits & PTE_RIGHTS);
}

static void for_each_level(pte_t *table, int level, vaddr_t base, vaddr_t start,
			   vaddr_t end, void (*fn)(vaddr_t, pte_t, void *),
			   void *arg)
{
	uint64_t span = level_span(level);

	for (unsigned int i = (start - base) / span; i < PGT_ENTRIES; i++) {
		vaddr_t lo = base + i * span, hi = lo + span;
		pte_t e = table[i];

		if (lo >= end)
			break;
		if (level == 1) {
			if (e)
				fn(lo, e, arg);
		} else if (e & PTE_P) {
			for_each_level(table_va(PTE_ADDR(e)), level - 1, lo,
				       MAX(start, lo), MIN(end, hi), fn, arg);
		}
	}
}

void arch_pgt_for_each(paddr_t root, vaddr_t start, vaddr_t end,
		       void (*fn)(vaddr_t va, pte_t pte, void *arg), void *arg)
{
	if (!clamp_user(&start, &end))
		return;
	for_each_level(table_va(root), 4, 0, start, end, fn, arg);
}

static size_t count_level(pte_t *table, int level)
{
	size_t n = 0;
	unsigned int lim = level == 4 ? PGT_USER_ENTRIES : PGT_ENTRIES;

	if (level == 1)
		return 0;
	for (unsigned int i = 0; i < lim; i++)
		if (table[i] & PTE_P)
			n += 1 + count_level(table_va(PTE_ADDR(table[i])),
					     level - 1);
	return n;
}

size_t arch_pgt_count_tables(paddr_t root)
{
	return count_level(table_va(root), 4);
}
