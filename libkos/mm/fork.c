/*
 * Copying an address space for fork() (vm_fork, kos/vm.h).
 *
 * The child gets a copy of every VMA (file references taken) and of
 * every page-table entry that holds a frame, each with one more
 * reference and one more user mapping of the frame:
 *
 *   shared mappings    the same frame with the same rights, in both;
 *   private mappings   the same frame read-only and PTE_COW in both, so
 *                      the first write on either side faults and
 *                      fault.c copies the frame -- or takes it over,
 *                      when it is the last one holding it;
 *   MADV_DONTFORK      not copied at all;
 *   MADV_WIPEONFORK    the VMA is copied without its pages (anonymous
 *                      private memory then reads as zeroes in the child).
 *
 * Both address spaces are flushed for the ranges that changed (the
 * parent's entries lost PTE_RW; the child's are new), which hosted
 * mirrors into the two stubs.
 *
 * Locking: the parent's vm->lock is held throughout; the child is not
 * visible to anyone yet.
 */
#include <kos/kmalloc.h>
#include <kos/pmm.h>
#include <kos/string.h>

#include "vm_internal.h"

struct fork_ctx {
	struct vm_space *src, *dst;
	const struct vma *v;
	int err;
};

static void copy_entry(vaddr_t va, pte_t pte, void *arg)
{
	struct fork_ctx *c = arg;
	pte_t *se, *de;

	if (c->err || !PTE_HOLDS_FRAME(pte) || !(pte & PTE_OWNED))
		return;
	if (!(c->v->flags & VMA_SHARED)) {
		pte = (pte & ~PTE_RW) | PTE_COW;
		se = arch_pgt_walk(c->src->pml4, va, false);
		*se = pte;
	}
	de = arch_pgt_walk(c->dst->pml4, va, true);
	if (!de) {
		c->err = -ENOMEM;
		return;
	}
	pmm_page_get(PTE_ADDR(pte));
	pmm_page_map(PTE_ADDR(pte), (pte & PTE_P) && !(pte & PTE_NX));
	*de = pte;
}

struct vm_space *vm_fork(struct vm_space *src)
{
	struct vm_space *dst = vm_create();
	struct fork_ctx c = { src, dst, NULL, 0 };

	if (!dst)
		return NULL;
	mutex_lock(&src->lock);
	dst->brk_start = src->brk_start;
	dst->brk = src->brk;
	dst->mmap_base = src->mmap_base;
	dst->stack_top = src->stack_top;
	dst->stack_max = src->stack_max;
	dst->data_limit = src->data_limit;
	dst->rss = src->rss;
	dst->hiwater_rss = src->rss;
	dst->exe = src->exe;
	if (dst->exe)
		vm_file_get(dst->exe);
	dst->arg_start = src->arg_start;
	dst->arg_end = src->arg_end;
	dst->env_start = src->env_start;
	dst->env_end = src->env_end;
	if (vm_vma_reserve(&dst->vmas, src->vmas.n))
		c.err = -ENOMEM;
	for (size_t i = 0; i < src->vmas.n && !c.err; i++) {
		const struct vma *v = src->vmas.v[i];
		struct vma *nv;

		if (v->flags & VMA_DONTFORK)
			continue;
		nv = vm_vma_alloc();
		if (!nv) {
			c.err = -ENOMEM;
			break;
		}
		*nv = *v;
		if (nv->file)
			vm_file_get(nv->file);
		if (vm_vma_insert(&dst->vmas, nv)) {
			vm_vma_free(nv);
			c.err = -ENOMEM;
			break;
		}
		if ((v->flags & VMA_WIPEONFORK) && !v->file &&
		    !(v->flags & VMA_SHARED))
			continue;
		c.v = v;
		arch_pgt_for_each(src->pml4, v->start, v->end, copy_entry, &c);
		if (!(v->flags & VMA_SHARED))
			vm_flush(src, v->start, v->end);
		vm_flush(dst, v->start, v->end);
	}
	mutex_unlock(&src->lock);
	if (c.err) {
		vm_destroy(dst);
		return NULL;
	}
	return dst;
}
