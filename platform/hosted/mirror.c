/*
 * Hosted address spaces: mirroring the core's page tables into a stub.
 *
 * The core owns real x86-64 page tables in "physical" memory (the RAM
 * memfd) and calls plat_tlb_flush(as, va, len) after every change to user
 * entries, new ones included.  We only remember the changed ranges
 * (mirror_dirty); before the guest runs again, plat_user_run() asks
 * mirror_build() to turn them into one batch of operations for the stub:
 * walking the tables over each range, every page with a present entry
 * becomes mmap(MAP_SHARED|MAP_FIXED, memfd, offset = its frame, its
 * rights), everything else munmap.  Runs of pages that are contiguous both
 * virtually and physically with equal rights become one operation, and so
 * do runs of absent pages, so a batch is short: typically one operation
 * per fault, a handful per mmap/munmap.
 *
 * Rights: present = PROT_READ (x86 has no write-only or exec-only pages),
 * RW adds PROT_WRITE, NX clear adds PROT_EXEC.  PROT_NONE pages (the
 * software PTE_PROTNONE bit, not present) are unmapped: the guest's access
 * faults and the core decides, exactly as the CPU would make it.
 *
 * The stub's reservation [STUB_BASE, STUB_END) and everything at or above
 * STUB_HOST_TOP are never touched: ranges are clipped when recorded, and
 * the dirty list never merges two ranges across the reservation.
 *
 * Locking: the dirty list is changed with interrupts off (one CPU, so
 * that excludes every other kernel thread).  mirror_build() runs with
 * interrupts off too, so the tables cannot change under its walk.
 */
#include <string.h>

#include <kos/log.h>
#include <kos/panic.h>
#include <kos/pgtable.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <uapi/mman.h>

#include "guest.h"
#include "hosted.h"

#define PAGE_SZ 4096UL

/* --- the dirty list ----------------------------------------------------- */

/* Would merging dirty[k] and dirty[k + 1] cover the reservation? */
static bool straddles_stub(const struct plat_as *as, unsigned int k)
{
	return as->dirty[k].end <= STUB_BASE &&
	       as->dirty[k + 1].start >= STUB_END;
}

/* Make room: merge the two neighbours with the smallest gap between them. */
static void dirty_squeeze(struct plat_as *as)
{
	unsigned int k, best = AS_DIRTY_MAX;
	vaddr_t gap = 0;

	for (k = 0; k + 1 < as->ndirty; k++) {
		vaddr_t g = as->dirty[k + 1].start - as->dirty[k].end;

		if (straddles_stub(as, k))
			continue;
		if (best == AS_DIRTY_MAX || g < gap) {
			best = k;
			gap = g;
		}
	}
	KOS_ASSERT(best < AS_DIRTY_MAX);
	as->dirty[best].end = as->dirty[best + 1].end;
	memmove(&as->dirty[best + 1], &as->dirty[best + 2],
		(as->ndirty - best - 2) * sizeof(as->dirty[0]));
	as->ndirty--;
}

/*
 * Add [s, e) (page aligned, outside the reservation) keeping the list
 * sorted and disjoint: overlapping or touching ranges are merged.
 * Interrupts off.
 */
static void dirty_add(struct plat_as *as, vaddr_t s, vaddr_t e)
{
	unsigned int i = 0, j;

	while (i < as->ndirty && as->dirty[i].end < s)
		i++;
	j = i;
	while (j < as->ndirty && as->dirty[j].start <= e) {
		s = MIN(s, as->dirty[j].start);
		e = MAX(e, as->dirty[j].end);
		j++;
	}
	if (j > i) {
		/* Replace dirty[i..j) by the union. */
		as->dirty[i].start = s;
		as->dirty[i].end = e;
		memmove(&as->dirty[i + 1], &as->dirty[j],
			(as->ndirty - j) * sizeof(as->dirty[0]));
		as->ndirty -= j - i - 1;
		return;
	}
	if (as->ndirty == AS_DIRTY_MAX) {
		dirty_squeeze(as);
		dirty_add(as, s, e);
		return;
	}
	memmove(&as->dirty[i + 1], &as->dirty[i],
		(as->ndirty - i) * sizeof(as->dirty[0]));
	as->dirty[i].start = s;
	as->dirty[i].end = e;
	as->ndirty++;
}

void mirror_dirty(struct plat_as *as, vaddr_t start, vaddr_t end)
{
	unsigned long fl;

	start &= ~(PAGE_SZ - 1);
	end = (end + PAGE_SZ - 1) & ~(PAGE_SZ - 1);
	if (end > STUB_HOST_TOP || end < start)
		end = STUB_HOST_TOP;
	if (start >= end)
		return;
	fl = plat_irq_save();
	if (start < STUB_BASE)
		dirty_add(as, start, MIN(end, STUB_BASE));
	if (end > STUB_END)
		dirty_add(as, MAX(start, STUB_END), end);
	plat_irq_restore(fl);
}

/* --- walking the core's tables ------------------------------------------ */

/*
 * Find the first non-zero leaf entry at or above *va and below end
 * (end <= PGT_USER_END), skipping missing tables whole.  On success *va
 * is its address and *pte the entry.
 */
static bool pgt_next(paddr_t root, vaddr_t *va, vaddr_t end, pte_t *pte)
{
	vaddr_t a = *va;

	while (a < end) {
		pte_t *t = plat_phys_to_virt(root);
		int level;

		for (level = 4; level > 1; level--) {
			pte_t e = t[PGT_INDEX(a, level)];

			if (!(e & PTE_P))
				break;
			t = plat_phys_to_virt(PTE_ADDR(e));
		}
		if (level > 1) {
			/* No table below this entry: skip its whole span. */
			vaddr_t span = 1UL << PGT_LEVEL_SHIFT(level);

			a = (a & ~(span - 1)) + span;
			continue;
		}
		for (unsigned int i = PGT_INDEX(a, 1);
		     i < PGT_ENTRIES && a < end; i++, a += PAGE_SZ) {
			if (t[i]) {
				*va = a;
				*pte = t[i];
				return true;
			}
		}
	}
	return false;
}

/* --- building the batch ------------------------------------------------- */

/*
 * Operations go into cmd->ops through one pending operation that grows
 * while the next page continues it.  A new operation needs a free slot;
 * one slot is kept for the last pending operation, so finishing never
 * fails.
 */
struct batch {
	struct stub_cmd *cmd;
	unsigned int n;	    /* operations stored */
	bool have;	    /* pending operation valid */
	struct stub_op cur; /* the pending operation */
};

/* Start a new pending operation; false if the batch is full. */
static bool batch_start(struct batch *b, unsigned int kind, vaddr_t addr,
			unsigned long len, paddr_t off, unsigned int prot)
{
	if (b->have) {
		if (b->n + 1 >= STUB_MAX_OPS)
			return false;
		b->cmd->ops[b->n++] = b->cur;
	}
	b->have = true;
	b->cur.kind = kind;
	b->cur.addr = addr;
	b->cur.len = len;
	b->cur.off = off;
	b->cur.prot = prot;
	return true;
}

static bool batch_unmap(struct batch *b, vaddr_t addr, unsigned long len)
{
	if (b->have && b->cur.kind == STUB_OP_UNMAP &&
	    b->cur.addr + b->cur.len == addr) {
		b->cur.len += len;
		return true;
	}
	return batch_start(b, STUB_OP_UNMAP, addr, len, 0, 0);
}

static bool batch_map(struct batch *b, vaddr_t addr, paddr_t pa,
		      unsigned int prot)
{
	if (b->have && b->cur.kind == STUB_OP_MAP &&
	    b->cur.addr + b->cur.len == addr && b->cur.off + b->cur.len == pa &&
	    b->cur.prot == prot) {
		b->cur.len += PAGE_SZ;
		return true;
	}
	return batch_start(b, STUB_OP_MAP, addr, PAGE_SZ, pa, prot);
}

static void batch_finish(struct batch *b)
{
	if (b->have)
		b->cmd->ops[b->n++] = b->cur;
	b->have = false;
}

static unsigned int pte_prot(pte_t pte)
{
	unsigned int prot = PROT_READ;

	if (pte & PTE_RW)
		prot |= PROT_WRITE;
	if (!(pte & PTE_NX))
		prot |= PROT_EXEC;
	return prot;
}

/*
 * Add the operations that make the stub's [s, e) match the tables.
 * Returns e, or the address from which nothing was added because the
 * batch filled up.
 */
static vaddr_t mirror_range(struct batch *b, paddr_t root, vaddr_t s, vaddr_t e)
{
	static bool warned;
	vaddr_t cur = s, va = s;
	pte_t pte;

	while (pgt_next(root, &va, e, &pte)) {
		paddr_t pa = PTE_ADDR(pte);

		if (va > cur && !batch_unmap(b, cur, va - cur))
			return cur;
		if ((pte & PTE_P) && pa + PAGE_SZ > hosted_ram_size) {
			if (!warned) {
				warned = true;
				log_err("hosted: PTE %#llx at %#lx beyond RAM",
					(unsigned long long)pte,
					(unsigned long)va);
			}
			pte = 0;
		}
		if (pte & PTE_P) {
			if (!batch_map(b, va, pa, pte_prot(pte)))
				return va;
		} else if (!batch_unmap(b, va, PAGE_SZ)) {
			return va;
		}
		va += PAGE_SZ;
		cur = va;
	}
	if (cur < e && !batch_unmap(b, cur, e - cur))
		return cur;
	return e;
}

unsigned int mirror_build(struct plat_as *as)
{
	struct batch b = { .cmd = as->cmd };

	while (as->ndirty) {
		struct as_range r = as->dirty[0];
		vaddr_t stop = mirror_range(&b, as->pml4, r.start, r.end);

		if (stop < r.end) {
			as->dirty[0].start = stop;
			break;
		}
		memmove(&as->dirty[0], &as->dirty[1],
			(as->ndirty - 1) * sizeof(as->dirty[0]));
		as->ndirty--;
	}
	batch_finish(&b);
	for (unsigned int i = 0; i < b.n; i++) {
		const struct stub_op *op = &as->cmd->ops[i];

		KOS_ASSERT(op->addr + op->len <= STUB_BASE ||
			   op->addr >= STUB_END);
	}
	return b.n;
}
