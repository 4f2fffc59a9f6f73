/*
 * Memory of a linked-mode process (docs/linked-mode.md).
 *
 * A linked-mode program is part of the kernel image and runs in the
 * kernel's own address space: in ring 0 on bare metal, inside the hosted
 * kernel's Linux process.  There is nothing to map for it, so its
 * vm_space (vm_create_linked) has no platform half, no VMAs and no
 * page-table entries.  What it still needs from the memory system calls:
 *
 *   - mmap of anonymous private memory (musl's malloc gets all of its
 *     memory this way): a zeroed block of 2^order pages from the page
 *     allocator, the caller gets its direct-map address.  Each mapping is
 *     a struct linked_map on vm->linked_maps naming the part of its block
 *     it still covers; munmap frees or trims those and splits one that a
 *     hole is punched into (the block is shared then, and counted), and
 *     a block goes back to the allocator with its last piece.
 *   - brk: the program has no heap segment; the break stays where it
 *     is (0), as on Linux when it cannot move, and musl's malloc falls
 *     back to mmap.
 *
 * What is refused, and why: file and shared mappings (-ENODEV, not yet:
 * they need the page cache's frames mapped at kernel addresses);
 * MAP_FIXED (-ENOMEM: a program cannot choose kernel addresses); a
 * mapping larger than the largest block (PMM_MAX_ORDER, -ENOMEM).  The
 * kernel's memory has no per-page rights, so every mapping is readable
 * and writable whatever prot says, mprotect() to such rights succeeds,
 * and mprotect() that would take rights away is -ENOSYS (musl's malloc
 * expects that answer from kernels without mprotect).
 *
 * The system calls' uaccess copies go straight through the program's
 * pointers (mm/uaccess.c); vm_linked_range_ok() is the check they get:
 * not the zero page, no wrap, canonical.  A wild pointer that passes it
 * faults in the kernel as the program's own access would: there is no
 * isolation between a linked program and the kernel (as in Unikraft).
 *
 * Locking: vm->lock guards linked_maps and the blocks' counts.
 */
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/vm.h>
#include <uapi/mman.h>

#include "vm_internal.h"

/* A block of pages, shared by the pieces a munmap hole leaves. */
struct linked_block {
	paddr_t pa;
	unsigned int order;
	unsigned int refs; /* linked_maps pointing at it */
};

/* One mapping: [start, end) of block's pages. */
struct linked_map {
	struct list_head link; /* vm->linked_maps */
	unsigned long start, end;
	struct linked_block *block;
};

#define CANONICAL_LOW_END 0x0000800000000000UL
#define CANONICAL_HIGH 0xffff800000000000UL

bool vm_linked_range_ok(unsigned long addr, size_t n)
{
	unsigned long last;

	if (addr < PAGE_SIZE || n > ~0UL - addr)
		return false;
	last = n ? addr + n - 1 : addr;
	if (addr < CANONICAL_LOW_END)
		return last < CANONICAL_LOW_END;
	return addr >= CANONICAL_HIGH;
}

static void block_put(struct linked_block *b)
{
	if (--b->refs)
		return;
	pmm_free(b->pa, b->order);
	kfree(b);
}

/* Log once per kind what linked mode refuses. */
static void refuse_once(bool *said, const char *what)
{
	if (*said)
		return;
	*said = true;
	log_warn("linked mode: %s not supported", what);
}

long vm_linked_mmap(struct vm_space *vm, unsigned long addr, size_t len,
		    unsigned long prot, unsigned long flags, bool anon)
{
	static bool said_file, said_fixed;
	size_t pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
	unsigned int order = 0;
	struct linked_block *b;
	struct linked_map *m;

	if (!anon || (flags & MAP_TYPE) != MAP_PRIVATE) {
		refuse_once(&said_file, "mmap of files or shared memory");
		return -ENODEV;
	}
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		refuse_once(&said_fixed, "mmap at a fixed address");
		return -ENOMEM;
	}
	if (!len || len > (PAGE_SIZE << PMM_MAX_ORDER))
		return len ? -ENOMEM : -EINVAL;
	while ((1UL << order) < pages)
		order++;
	b = kmalloc(sizeof(*b));
	m = kmalloc(sizeof(*m));
	if (!b || !m)
		goto nomem;
	b->pa = pmm_alloc_flags(order, PMM_ZERO);
	if (b->pa == PMM_NOPAGE)
		goto nomem;
	b->order = order;
	b->refs = 1;
	m->block = b;
	m->start = (unsigned long)plat_phys_to_virt(b->pa);
	m->end = m->start + pages * PAGE_SIZE;
	mutex_lock(&vm->lock);
	list_add_tail(&m->link, &vm->linked_maps);
	mutex_unlock(&vm->lock);
	return (long)m->start;
nomem:
	kfree(b);
	kfree(m);
	return -ENOMEM;
}

int vm_linked_munmap(struct vm_space *vm, unsigned long addr, size_t len)
{
	struct linked_map *m, *tmp;
	unsigned long end;
	int err = 0;

	if ((addr & ~PAGE_MASK) || !len || len > ~0UL - addr)
		return -EINVAL;
	end = ALIGN_UP(addr + len, PAGE_SIZE);
	mutex_lock(&vm->lock);
	list_for_each_entry_safe (m, tmp, &vm->linked_maps, link) {
		if (m->end <= addr || m->start >= end)
			continue;
		if (addr > m->start && end < m->end) {
			/* A hole: the tail becomes a piece of its own. */
			struct linked_map *t = kmalloc(sizeof(*t));

			if (!t) {
				err = -ENOMEM;
				break;
			}
			t->start = end;
			t->end = m->end;
			t->block = m->block;
			m->block->refs++;
			list_add(&t->link, &m->link);
			m->end = addr;
		} else if (addr > m->start) {
			m->end = addr;
		} else if (end < m->end) {
			m->start = end;
		} else {
			list_del(&m->link);
			block_put(m->block);
			kfree(m);
		}
	}
	mutex_unlock(&vm->lock);
	return err;
}

int vm_linked_mprotect(struct vm_space *vm, unsigned long addr, size_t len,
		       unsigned long prot)
{
	static bool said;
	unsigned long end, at;
	struct linked_map *m;
	bool progress = true;

	if ((addr & ~PAGE_MASK) || len > ~0UL - addr)
		return -EINVAL;
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	end = ALIGN_UP(addr + len, PAGE_SIZE);
	/* As Linux: every page of the range must be mapped (-ENOMEM). */
	mutex_lock(&vm->lock);
	for (at = addr; at < end && progress;) {
		progress = false;
		list_for_each_entry (m, &vm->linked_maps, link) {
			if (m->start <= at && at < m->end) {
				at = m->end;
				progress = true;
				break;
			}
		}
	}
	mutex_unlock(&vm->lock);
	if (at < end)
		return -ENOMEM;
	if ((prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE)) {
		refuse_once(&said, "mprotect taking rights away");
		return -ENOSYS;
	}
	return 0;
}

int vm_linked_find(struct vm_space *vm, unsigned long addr,
		   unsigned long *start, unsigned long *end)
{
	struct linked_map *m;
	int err = -ENOMEM;

	mutex_lock(&vm->lock);
	list_for_each_entry (m, &vm->linked_maps, link) {
		if (m->start <= addr && addr < m->end) {
			*start = m->start;
			*end = m->end;
			err = 0;
			break;
		}
	}
	mutex_unlock(&vm->lock);
	return err;
}

void vm_linked_release(struct vm_space *vm)
{
	struct linked_map *m, *tmp;

	list_for_each_entry_safe (m, tmp, &vm->linked_maps, link) {
		list_del(&m->link);
		block_put(m->block);
		kfree(m);
	}
}
