/*
 * Special mappings: kernel-provided pages mapped into user space (see
 * kos/vm.h, struct vm_special).  The vDSO's [vvar] and [vdso] are the
 * users.
 *
 * A special mapping is an ordinary VMA with VMA_SPECIAL set and
 * vma.special pointing at its description; vma.off is the byte offset
 * of vma.start into it (always 0: special VMAs are never split).  The
 * rest of the vm layer treats it like a private file mapping whose page
 * cache is the description's page array: fault.c maps pages[i] itself
 * (copy-on-write, as a private file page), vma.c refuses to split or
 * merge it, vm.c applies the VMA_NOWRITE/VMA_NOEXEC/VMA_IO rules.
 *
 * Locking: vm->lock, taken here or held by the caller (_getpage).
 */
#include <kos/kmalloc.h>
#include <kos/panic.h>
#include <kos/pmm.h>
#include <uapi/errno.h>

#include "vm_internal.h"

int vm_special_getpage(struct vma *v, unsigned long va, paddr_t *pa)
{
	const struct vm_special *sp = v->special;
	size_t i = (v->off + (va - v->start)) / PAGE_SIZE;

	if (i >= sp->npages)
		return -ENXIO;
	pmm_page_get(sp->pages[i]);
	*pa = sp->pages[i];
	return 0;
}

/* Is sp a description vm_map_special() can map? */
static bool special_ok(const struct vm_special *sp)
{
	return sp && sp->size && !(sp->size & ~PAGE_MASK) &&
	       sp->size < VM_USER_TOP && sp->npages <= sp->size / PAGE_SIZE &&
	       (sp->pages || !sp->npages);
}

/* Is [addr, addr + len) free of mappings and outside the reservation? */
static bool special_room(struct vm_space *vm, unsigned long addr, size_t len)
{
	size_t i = vm_vma_lower_bound(&vm->vmas, addr);

	if (vm_range_reserved(addr, addr + len))
		return false;
	return i == vm->vmas.n || vm->vmas.v[i]->start >= addr + len;
}

int vm_map_special(struct vm_space *vm, unsigned long addr,
		   const struct vm_special *const sp[], size_t n,
		   unsigned long *result)
{
	struct vma *v[8] = { NULL };
	size_t total = 0, i;
	unsigned long a;
	int rc = 0;

	if (!n || n > ARRAY_SIZE(v))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!special_ok(sp[i]) || total + sp[i]->size >= VM_USER_TOP)
			return -EINVAL;
		total += sp[i]->size;
	}
	if ((addr & ~PAGE_MASK) || (addr && addr > VM_USER_TOP - total))
		return -EINVAL;
	/* Everything that can fail comes before the first insertion. */
	for (i = 0; i < n; i++) {
		v[i] = vm_vma_alloc();
		if (!v[i]) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	mutex_lock(&vm->lock);
	if (vm_vma_reserve(&vm->vmas, n)) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	if (!addr) {
		addr = vm_place_locked(vm, total);
		if (!addr) {
			rc = -ENOMEM;
			goto out_unlock;
		}
	} else if (!special_room(vm, addr, total)) {
		rc = vm_range_reserved(addr, addr + total) ? -ENOMEM : -EEXIST;
		goto out_unlock;
	}
	a = addr;
	for (i = 0; i < n; i++) {
		v[i]->start = a;
		v[i]->end = a + sp[i]->size;
		v[i]->prot = sp[i]->prot;
		v[i]->flags = VMA_SPECIAL | sp[i]->flags;
		v[i]->name = sp[i]->name;
		v[i]->special = sp[i];
		rc = vm_vma_insert(&vm->vmas, v[i]);
		KOS_ASSERT(rc == 0); /* room was reserved above */
		v[i] = NULL;
		a += sp[i]->size;
	}
	*result = addr;
out_unlock:
	mutex_unlock(&vm->lock);
out_free:
	for (i = 0; i < n; i++)
		kfree(v[i]);
	return rc;
}
