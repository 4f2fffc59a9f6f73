/*
 * Page faults: demand-zero anonymous pages, private file pages read at
 * first touch, and stack growth (see kos/vm.h).
 *
 * The user loop calls vm_fault() when plat_user_run() reports a page
 * fault; uaccess.c calls the same code when a copy finds a page missing.
 * All of it runs under vm->lock; file reads sleep with the lock held.
 */
#include <kos/pmm.h>
#include <kos/plat/mem.h>
#include <kos/string.h>
#include <uapi/mman.h>

#include "vm_internal.h"

/*
 * Fill the frame at kva with the file page of v at va: read up to a page,
 * zero the rest.  0, or VM_FAULT_SIGBUS if the page lies wholly past EOF
 * or the read fails.
 */
static int fill_from_file(struct vma *v, unsigned long va, void *kva)
{
	uint64_t off = v->off + (va - v->start);
	size_t got = 0;

	while (got < PAGE_SIZE) {
		ssize_t n = vm_file_pread(v->file, (char *)kva + got,
					  PAGE_SIZE - got, off + got);

		if (n < 0)
			return VM_FAULT_SIGBUS;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (!got)
		return VM_FAULT_SIGBUS;
	kos_memset((char *)kva + got, 0, PAGE_SIZE - got);
	return 0;
}

int vm_fault_page(struct vm_space *vm, struct vma *v, unsigned long va,
		  bool want_write, bool force)
{
	pte_t bits = arch_pgt_prot_bits(v->prot);
	pte_t *e;
	paddr_t pa;
	int rc;

	va &= PAGE_MASK;
	if (!force) {
		if (want_write && !(v->prot & PROT_WRITE))
			return -EFAULT;
		if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
			return -EFAULT;
	}
	e = arch_pgt_walk(vm->pml4, va, true);
	if (!e)
		return -ENOMEM;
	if (PTE_HOLDS_FRAME(*e)) {
		/*
		 * Already there (a racing fault, or a platform catching up).
		 * Pages are private copies, so entries always carry the
		 * VMA's rights; re-assert them if they drifted.
		 */
		if ((*e & ~PTE_ADDR_MASK & ~(PTE_A | PTE_D | PTE_OWNED)) !=
		    bits) {
			*e = (*e &
			      (PTE_ADDR_MASK | PTE_A | PTE_D | PTE_OWNED)) |
			     bits;
			vm_flush(vm, va, va + PAGE_SIZE);
		}
		return 0;
	}
	pa = pmm_alloc(0);
	if (pa == PMM_NOPAGE)
		return -ENOMEM;
	if (v->file) {
		rc = fill_from_file(v, va, plat_phys_to_virt(pa));
		if (rc) {
			pmm_free(pa, 0);
			return rc;
		}
		/* The read may have slept, but vm->lock kept the tables. */
	} else {
		kos_memset(plat_phys_to_virt(pa), 0, PAGE_SIZE);
	}
	*e = pa | bits | PTE_OWNED;
	vm_flush(vm, va, va + PAGE_SIZE);
	return 0;
}

struct vma *vm_find_or_grow(struct vm_space *vm, unsigned long addr)
{
	struct vma_set *s = &vm->vmas;
	struct vma *v = vm_vma_lookup(s, addr);
	unsigned long page = addr & PAGE_MASK;
	size_t i;

	if (v || addr >= VM_USER_TOP)
		return v;
	/* The next VMA up: a stack that may grow down to addr? */
	i = vm_vma_lower_bound(s, addr);
	if (i == s->n || !(s->v[i]->flags & VMA_GROWSDOWN))
		return NULL;
	v = s->v[i];
	if (v->end - page > vm->stack_max)
		return NULL;
	if (i > 0 && page < s->v[i - 1]->end + VM_STACK_GUARD_GAP)
		return NULL;
	if (v->file || vm_range_reserved(page, v->start))
		return NULL;
	v->start = page;
	return v;
}

int vm_fault_locked(struct vm_space *vm, unsigned long addr,
		    unsigned int access)
{
	struct vma *v;

	if (addr >= VM_USER_TOP)
		return -EFAULT;
	v = vm_find_or_grow(vm, addr);
	if (!v)
		return -EFAULT;
	if ((access & PLAT_FAULT_EXEC) && !(v->prot & PROT_EXEC))
		return -EFAULT;
	return vm_fault_page(vm, v, addr, access & PLAT_FAULT_WRITE, false);
}

int vm_fault(struct vm_space *vm, unsigned long addr, unsigned int access)
{
	int rc;

	mutex_lock(&vm->lock);
	rc = vm_fault_locked(vm, addr, access);
	mutex_unlock(&vm->lock);
	return rc;
}
