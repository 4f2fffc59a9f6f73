/*
 * User-memory access (kos/uaccess.h, and vm_copy_* in kos/vm.h).
 *
 * A copy first tries the platform's direct access (plat_user_copy: on
 * bare metal a copy through the user addresses with a page-fault fixup,
 * as user code itself would touch them; hosted has none).  Whatever that
 * could not copy -- a page not yet present, copy-on-write, not allowed --
 * takes the walk: the range page by page, each page looked up in the
 * address space's page tables; if it is missing or lacks the right
 * (write), resolved exactly as a user fault would (vm_fault_locked),
 * which also enforces the VMA's protection; then copied through the
 * platform's direct map of the frame.  Nothing here dereferences a user
 * address, so a bad pointer can only produce -EFAULT.  vm->lock is held
 * across the whole walk.  Forced accesses (vm_write_kernel and
 * vm_read_kernel, which ignore the VMA's rights) only walk.
 *
 * A linked-mode process (mm/linked.c) passes kernel addresses: its
 * copies go straight through them, after vm_linked_range_ok().
 */
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/plat/user.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <uapi/mman.h>

#include "vm_internal.h"

enum uaccess_mode {
	UA_READ,  /* user -> kernel */
	UA_WRITE, /* kernel -> user */
	UA_CLEAR, /* zero user memory */
};

static struct vm_space *test_vm;

void vm_set_current_for_test(struct vm_space *vm)
{
	test_vm = vm;
}

struct vm_space *vm_current(void)
{
	struct uthread *ut;

	if (test_vm)
		return test_vm;
	ut = uthread_current();
	return ut ? ut->vm : NULL;
}

bool user_range_ok(unsigned long uaddr, size_t n)
{
	struct vm_space *vm = vm_current();

	if (vm && vm->linked)
		return vm_linked_range_ok(uaddr, n);
	return uaddr <= VM_USER_TOP && n <= VM_USER_TOP - uaddr;
}

/*
 * access_user() for a linked space: the program's pointers are ours,
 * but not where the program's own rights (mprotect) refuse the access.
 */
static int access_linked(struct vm_space *vm, unsigned long uaddr, void *kbuf,
			 size_t n, enum uaccess_mode mode)
{
	/* Forced accesses too: the page tables would refuse them. */
	if (!vm_linked_range_ok(uaddr, n) ||
	    !vm_linked_access_ok(vm, uaddr, n, mode != UA_READ))
		return -EFAULT;
	if (mode == UA_READ)
		kos_memcpy(kbuf, (const void *)uaddr, n);
	else if (mode == UA_WRITE)
		kos_memcpy((void *)uaddr, kbuf, n);
	else
		kos_memset((void *)uaddr, 0, n);
	return 0;
}

/*
 * Direct-map address of user address va for an access (write or not),
 * faulting the page in if needed.  force ignores the VMA's rights.
 * NULL if the access is not allowed (or memory is short).
 */
static void *user_page(struct vm_space *vm, unsigned long va, bool write,
		       bool force)
{
	unsigned long off = va & ~PAGE_MASK;
	pte_t e = arch_pgt_lookup(vm->pml4, va);

	if (!force && (e & PTE_P) && (e & PTE_US) && (!write || (e & PTE_RW)))
		return (char *)plat_phys_to_virt(PTE_ADDR(e)) + off;
	/*
	 * A forced write to a copy-on-write page copies it first; one to a
	 * write-notified page tells the file first (vm_fault_page).
	 */
	if (force && PTE_HOLDS_FRAME(e) &&
	    !(write && (e & (PTE_COW | PTE_WNOTIFY))))
		return (char *)plat_phys_to_virt(PTE_ADDR(e)) + off;
	if (force) {
		struct vma *v = vm_find_or_grow(vm, va);

		if (!v || vm_fault_page(vm, v, va, write, true))
			return NULL;
	} else if (vm_fault_locked(vm, va,
				   PLAT_FAULT_USER |
					   (write ? PLAT_FAULT_WRITE : 0))) {
		return NULL;
	}
	e = arch_pgt_lookup(vm->pml4, va);
	if (!PTE_HOLDS_FRAME(e))
		return NULL;
	return (char *)plat_phys_to_virt(PTE_ADDR(e)) + off;
}

/* The common copy loop.  kbuf is the kernel side (unused for UA_CLEAR). */
static int access_user(struct vm_space *vm, unsigned long uaddr, void *kbuf,
		       size_t n, enum uaccess_mode mode, bool force)
{
	char *k = kbuf;
	int rc = 0;

	if (!n)
		return 0;
	if (vm && vm->linked)
		return access_linked(vm, uaddr, kbuf, n, mode);
	if (!vm || !user_range_ok(uaddr, n))
		return -EFAULT;
	/*
	 * Direct access first, as the user would; the walk for the rest.
	 * Not from user address 0: plat_user_copy() reads a NULL source as
	 * "zero the destination".
	 */
	while (!force && n && (uaddr || mode != UA_READ)) {
		size_t chunk = MIN(n, PLAT_USER_COPY_MAX);
		void *u = (void *)uaddr;

		if (plat_user_copy(
			    vm->as, mode == UA_READ ? k : u,
			    mode == UA_READ ? u : (mode == UA_WRITE ? k : NULL),
			    chunk))
			break;
		if (k)
			k += chunk;
		uaddr += chunk;
		n -= chunk;
	}
	if (!n)
		return 0;
	mutex_lock(&vm->lock);
	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE - (uaddr & ~PAGE_MASK));
		void *p = user_page(vm, uaddr, mode != UA_READ, force);

		if (!p) {
			rc = -EFAULT;
			break;
		}
		if (mode == UA_READ)
			kos_memcpy(k, p, chunk);
		else if (mode == UA_WRITE)
			kos_memcpy(p, k, chunk);
		else
			kos_memset(p, 0, chunk);
		if (k)
			k += chunk;
		uaddr += chunk;
		n -= chunk;
	}
	mutex_unlock(&vm->lock);
	return rc;
}

int vm_copy_from(struct vm_space *vm, void *dst, unsigned long src, size_t n)
{
	return access_user(vm, src, dst, n, UA_READ, false);
}

int vm_copy_to(struct vm_space *vm, unsigned long dst, const void *src,
	       size_t n)
{
	return access_user(vm, dst, (void *)src, n, UA_WRITE, false);
}

int vm_clear(struct vm_space *vm, unsigned long dst, size_t n)
{
	return access_user(vm, dst, NULL, n, UA_CLEAR, false);
}

int vm_write_kernel(struct vm_space *vm, unsigned long uaddr, const void *src,
		    size_t len)
{
	return access_user(vm, uaddr, (void *)src, len, UA_WRITE, true);
}

int vm_read_kernel(struct vm_space *vm, void *dst, unsigned long uaddr,
		   size_t len)
{
	return access_user(vm, uaddr, dst, len, UA_READ, true);
}

long vm_strncpy_from(struct vm_space *vm, char *dst, unsigned long src,
		     size_t max)
{
	long len = 0, rc = -ENAMETOOLONG;

	if (vm && vm->linked) {
		const char *p = (const char *)src;

		for (len = 0; (size_t)len < max; len++) {
			if (!vm_linked_range_ok(src + len, 1))
				return -EFAULT;
			/* The rights, once for each page the string reaches. */
			if ((!len || !((src + len) & ~PAGE_MASK)) &&
			    !vm_linked_access_ok(vm, src + len, 1, false))
				return -EFAULT;
			dst[len] = p[len];
			if (!p[len])
				return len;
		}
		return -ENAMETOOLONG;
	}
	if (!vm || src >= VM_USER_TOP)
		return -EFAULT;
	if (!max)
		return -ENAMETOOLONG;
	mutex_lock(&vm->lock);
	while (max) {
		size_t chunk = MIN(max, PAGE_SIZE - (src & ~PAGE_MASK));
		const char *p;
		size_t k;

		if (src >= VM_USER_TOP) {
			rc = -EFAULT;
			break;
		}
		p = user_page(vm, src, false, false);
		if (!p) {
			rc = -EFAULT;
			break;
		}
		for (k = 0; k < chunk && p[k]; k++)
			dst[k] = p[k];
		len += k;
		if (k < chunk) {
			dst[k] = '\0';
			rc = len;
			break;
		}
		dst += chunk;
		src += chunk;
		max -= chunk;
	}
	mutex_unlock(&vm->lock);
	return rc;
}

int user_u32_op(unsigned long uaddr, uint32_t (*op)(uint32_t, void *),
		void *arg, uint32_t *old)
{
	struct vm_space *vm = vm_current();
	unsigned long fl;
	uint32_t *p;

	if (!vm || (uaddr & 3) || !user_range_ok(uaddr, 4))
		return -EFAULT;
	if (vm->linked) {
		if (!vm_linked_access_ok(vm, uaddr, 4, op != NULL))
			return -EFAULT;
		p = (uint32_t *)uaddr;
		fl = plat_irq_save();
		*old = *p;
		if (op)
			*p = op(*old, arg);
		plat_irq_restore(fl);
		return 0;
	}
	mutex_lock(&vm->lock);
	p = user_page(vm, uaddr, op != NULL, false);
	if (!p) {
		mutex_unlock(&vm->lock);
		return -EFAULT;
	}
	/* No user code runs while interrupts are off: atomic for it. */
	fl = plat_irq_save();
	*old = *p;
	if (op)
		*p = op(*old, arg);
	plat_irq_restore(fl);
	mutex_unlock(&vm->lock);
	return 0;
}

int vm_peek_page(struct vm_space *vm, unsigned long va, void *buf)
{
	pte_t e;

	mutex_lock(&vm->lock);
	e = arch_pgt_lookup(vm->pml4, va & PAGE_MASK);
	if (PTE_HOLDS_FRAME(e))
		kos_memcpy(buf, plat_phys_to_virt(PTE_ADDR(e)), PAGE_SIZE);
	mutex_unlock(&vm->lock);
	return PTE_HOLDS_FRAME(e);
}

int user_futex_key(unsigned long uaddr, bool *shared, paddr_t *pa)
{
	struct vm_space *vm = vm_current();
	struct vma *v;
	void *k;

	if (!vm || !user_range_ok(uaddr, 4))
		return -EFAULT;
	if (vm->linked) { /* one process: every futex is private */
		*shared = false;
		return 0;
	}
	mutex_lock(&vm->lock);
	v = vm_find_vma(vm, uaddr);
	if (!v) { /* Linux looks the page up: nothing mapped is a fault */
		mutex_unlock(&vm->lock);
		return -EFAULT;
	}
	*shared = v->flags & VMA_SHARED;
	k = *shared ? user_page(vm, uaddr, false, false) : NULL;
	if (*shared && !k) {
		mutex_unlock(&vm->lock);
		return -EFAULT;
	}
	if (k)
		*pa = plat_virt_to_phys(k);
	mutex_unlock(&vm->lock);
	return 0;
}

int copy_from_user(void *dst, const void __user *src, size_t n)
{
	return vm_copy_from(vm_current(), dst, (unsigned long)src, n);
}

int copy_to_user(void __user *dst, const void *src, size_t n)
{
	return vm_copy_to(vm_current(), (unsigned long)dst, src, n);
}

int clear_user(void __user *dst, size_t n)
{
	return vm_clear(vm_current(), (unsigned long)dst, n);
}

long strncpy_from_user(char *dst, const char __user *src, size_t max)
{
	return vm_strncpy_from(vm_current(), dst, (unsigned long)src, max);
}
