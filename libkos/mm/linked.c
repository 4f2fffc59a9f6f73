/*
 * Memory of a linked-mode process (docs/linked-mode.md).
 *
 * A linked-mode program is part of the kernel image and runs in the
 * kernel's own address space: in ring 0 on bare metal, inside the hosted
 * kernel's Linux process.  There is nothing to map for it, so its
 * vm_space (vm_create_linked) has no platform half, no VMAs and no
 * page-table entries.  What it still needs from the memory system calls:
 *
 *   - mmap of anonymous memory, private or shared (one process: the
 *     same thing; musl's malloc gets all of its memory this way): a
 *     zeroed block of 2^order pages from the page allocator, the caller
 *     gets its direct-map address.  Above the largest block (4 MiB),
 *     several largest blocks that are physically adjacent, so one range
 *     of direct-map addresses (alloc_run()).  Each mapping is a struct
 *     linked_map on vm->linked_maps naming the part of its block it
 *     still covers; munmap frees or trims those and splits one that a
 *     hole is punched into (the block is shared then, and counted), and
 *     a block goes back to the allocator with its last piece.
 *   - private file mappings: the same memory, filled with a copy of the
 *     file's bytes from the offset (file_pread_kernel; zeros after its
 *     end).  Later writes to the file do not show in the copy (Linux
 *     shows them until the page is first written; documented).
 *   - MAP_FIXED inside the program's own mappings: the range is filled
 *     as a new mapping would be (zeros, or the file's bytes); the records
 *     stay as they are.  MAP_FIXED_NOREPLACE there is -EEXIST.
 *   - brk: the program has no heap segment; the break stays where it
 *     is (0), as on Linux when it cannot move, and musl's malloc falls
 *     back to mmap.
 *
 *   - rights: mmap's prot and mprotect() set the rights of the
 *     mapping's pages in the kernel's own page tables
 *     (plat_direct_protect(): metal splits the direct map's large pages
 *     there and flushes the TLB; hosted mprotect()s the host mapping of
 *     RAM).  Each record keeps its prot; mprotect splits records at its
 *     ends as Linux splits VMAs.  Pages get all rights back before they
 *     leave a mapping (munmap, MAP_FIXED over them, the end), so the
 *     allocator never hands out a page the kernel cannot write.  Only
 *     read and write count: PROT_EXEC is accepted and means nothing
 *     (the direct map is not executable on metal, the RAM mapping not
 *     hosted).  A program's access against the rights faults; the
 *     platform hands such a fault of a linked thread to
 *     proc_linked_fault(), which delivers SIGSEGV (SEGV_ACCERR) as
 *     process mode does.  The kernel's own copies check first
 *     (vm_linked_access_ok(): -EFAULT, as Linux's copies give).
 *   - madvise: MADV_DONTNEED makes private pages new again (zeros, or
 *     the file's bytes); every other known advice is accepted and does
 *     nothing.  msync checks the range only (nothing is file-backed).
 *
 * What is refused, and why: shared file mappings (-ENODEV: writes would
 * have to reach the file, and reads of it see them, which a copy cannot
 * do honestly); MAP_FIXED outside the program's mappings (-ENOMEM: a
 * program cannot choose kernel addresses); a mapping for which no run of
 * adjacent free blocks is found (-ENOMEM).  sys_mmap's checks of the file
 * (EBADF, EACCES, ENODEV for files that do not map) come first, as for a
 * process.
 *
 * The system calls' uaccess copies go straight through the program's
 * pointers (mm/uaccess.c); vm_linked_range_ok() is the check they get:
 * not the zero page, no wrap, canonical.  A wild pointer that passes it
 * faults in the kernel as the program's own access would: there is no
 * isolation between a linked program and the kernel (as in Unikraft).
 *
 * Locking: vm->lock guards linked_maps, the records' fields and the
 * blocks' counts.
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/string.h>
#include <kos/vm.h>
#include <uapi/mman.h>

#include "vm_internal.h"

/* A block of pages, shared by the pieces a munmap hole leaves. */
struct linked_block {
	paddr_t pa;
	unsigned int order;
	size_t nblocks;	   /* adjacent 2^order blocks from pa (above 4 MiB) */
	unsigned int refs; /* linked_maps pointing at it */
};

/* One mapping: [start, end) of block's pages. */
struct linked_map {
	struct list_head link; /* vm->linked_maps */
	unsigned long start, end;
	struct linked_block *block;
	unsigned int prot; /* PROT_READ/WRITE/EXEC as asked */
	bool shared;	   /* MAP_SHARED (anonymous) */
	struct file *file; /* a private file mapping's file (a reference) */
	uint64_t off;	   /* its offset at start */
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
	for (size_t i = 0; i < b->nblocks; i++)
		pmm_free(b->pa + i * (PAGE_SIZE << b->order), b->order);
	kfree(b);
}

#define PROT_RW (PROT_READ | PROT_WRITE)

/* The page-table rights prot gives (read and write only). */
static unsigned int rights(unsigned int prot)
{
	if (prot & PROT_WRITE)
		return PROT_RW; /* x86 pages cannot be write-only */
	return prot & PROT_READ;
}

/* Set [start, end)'s rights in the kernel's page tables. */
static int set_rights(unsigned long start, unsigned long end, unsigned int prot)
{
	if (start >= end)
		return 0;
	return plat_direct_protect((void *)start, end - start, rights(prot));
}

/* Give [start, end) of m all rights again, if it had fewer. */
static void restore_rights(const struct linked_map *m, unsigned long start,
			   unsigned long end)
{
	if (rights(m->prot) != PROT_RW && set_rights(start, end, PROT_RW))
		kos_panic("linked: cannot give pages back their rights");
}

/* Forget a record: its rights back, its file and block let go. */
static void map_free(struct linked_map *m)
{
	restore_rights(m, m->start, m->end);
	list_del(&m->link);
	if (m->file)
		file_put(m->file);
	block_put(m->block);
	kfree(m);
}

/* Log once per kind what linked mode refuses. */
static void refuse_once(bool *said, const char *what)
{
	if (*said)
		return;
	*said = true;
	log_warn("linked mode: %s not supported", what);
}

/*
 * 2^order-page blocks, n of them physically adjacent: *pa, or -ENOMEM.
 * More than one block (a mapping above 4 MiB) is found by taking free
 * blocks of the largest order until n adjacent ones are among them (the
 * direct map makes them one range of addresses too); the others go back.
 */
static int alloc_run(unsigned int order, size_t n, paddr_t *pa)
{
	size_t bsize = PAGE_SIZE << order, got = 0, cap = 64, i, j, run;
	paddr_t *have, b;
	int err = -ENOMEM;

	if (n == 1) {
		*pa = pmm_alloc_flags(order, PMM_ZERO);
		return *pa == PMM_NOPAGE ? -ENOMEM : 0;
	}
	have = kmalloc(cap * sizeof(*have));
	while (have) {
		b = pmm_alloc_flags(order, 0);
		if (b == PMM_NOPAGE)
			break;
		if (got == cap) {
			paddr_t *more = kmalloc(2 * cap * sizeof(*have));

			if (!more) {
				pmm_free(b, order);
				break;
			}
			kos_memcpy(more, have, got * sizeof(*have));
			kfree(have);
			have = more;
			cap *= 2;
		}
		/* Keep them sorted; look for n in a row around b. */
		for (i = got; i > 0 && have[i - 1] > b; i--)
			have[i] = have[i - 1];
		have[i] = b;
		got++;
		for (j = i; j > 0 && have[j - 1] + bsize == have[j]; j--)
			;
		for (run = 1; j + run < got &&
			      have[j + run - 1] + bsize == have[j + run];
		     run++)
			;
		if (run >= n) {
			*pa = have[j];
			for (i = 0; i < got; i++)
				if (i < j || i >= j + n)
					pmm_free(have[i], order);
			got = 0;
			err = 0;
			break;
		}
	}
	for (i = 0; i < got; i++)
		pmm_free(have[i], order);
	kfree(have);
	if (!err)
		for (i = 0; i < n; i++)
			kos_memset(plat_phys_to_virt(*pa + i * bsize), 0,
				   bsize);
	return err;
}

/* The maps covering [addr, end) entirely?  vm->lock held. */
static bool range_mapped(struct vm_space *vm, unsigned long addr,
			 unsigned long end)
{
	struct linked_map *m;
	bool progress = true;

	while (addr < end && progress) {
		progress = false;
		list_for_each_entry (m, &vm->linked_maps, link) {
			if (m->start <= addr && addr < m->end) {
				addr = m->end;
				progress = true;
				break;
			}
		}
	}
	return addr >= end;
}

/*
 * Fill [addr, addr + len) as a new mapping would: the file's bytes from
 * off (zeros after its end), or zeros.  -errno from the read.
 */
static long fill_map(unsigned long addr, size_t len, struct file *f,
		     uint64_t off)
{
	size_t full = ALIGN_UP(len, PAGE_SIZE);
	ssize_t n = 0;

	if (f) {
		n = file_pread_kernel(f, (void *)addr, full, off);
		if (n < 0)
			return n;
	}
	kos_memset((char *)addr + n, 0, full - (size_t)n);
	return 0;
}

/*
 * Split the record holding a in two at a, if a falls inside it (not at
 * its start): both pieces share the block.  vm->lock held.
 */
static int split_at(struct vm_space *vm, unsigned long a)
{
	struct linked_map *m, *t;

	list_for_each_entry (m, &vm->linked_maps, link) {
		if (m->start >= a || a >= m->end)
			continue;
		t = kmalloc(sizeof(*t));
		if (!t)
			return -ENOMEM;
		*t = *m;
		t->start = a;
		t->off = m->off + (a - m->start);
		if (t->file)
			file_get(t->file);
		m->block->refs++;
		m->end = a;
		list_add(&t->link, &m->link);
		return 0;
	}
	return 0;
}

/* Split the records at both ends of [addr, end).  vm->lock held. */
static int split_range(struct vm_space *vm, unsigned long addr,
		       unsigned long end)
{
	int err = split_at(vm, addr);

	return err ? err : split_at(vm, end);
}

/* A record's rights are to become prot. */
static int map_set_prot(struct vm_space *vm, struct linked_map *m,
			unsigned int prot)
{
	int err = 0;

	if (rights(prot) != rights(m->prot))
		err = set_rights(m->start, m->end, prot);
	if (err)
		return err;
	m->prot = prot;
	if (rights(prot) != PROT_RW)
		vm->linked_protected = true;
	return 0;
}

long vm_linked_mmap(struct vm_space *vm, unsigned long addr, size_t len,
		    unsigned long prot, unsigned long flags, struct file *f,
		    uint64_t off)
{
	static bool said_file, said_fixed;
	size_t pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE, nblocks = 1;
	unsigned int order = 0;
	struct linked_block *b;
	struct linked_map *m;
	unsigned long end;
	paddr_t pa;
	long err;

	if (f && (flags & MAP_TYPE) != MAP_PRIVATE) {
		refuse_once(&said_file, "shared mmap of files");
		return -ENODEV;
	}
	if (!len)
		return -EINVAL;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		/* Only inside what the program has: it is kernel memory. */
		if ((addr & ~PAGE_MASK) || !vm_linked_range_ok(addr, len))
			return -EINVAL;
		end = ALIGN_UP(addr + len, PAGE_SIZE);
		mutex_lock(&vm->lock);
		if (!range_mapped(vm, addr, end)) {
			mutex_unlock(&vm->lock);
			refuse_once(&said_fixed,
				    "mmap at a fixed address "
				    "outside the program's memory");
			return -ENOMEM;
		}
		if (!(flags & MAP_FIXED)) {
			mutex_unlock(&vm->lock);
			return -EEXIST; /* MAP_FIXED_NOREPLACE over a mapping */
		}
		/* The range becomes a new mapping: records of its own. */
		err = split_range(vm, addr, end);
		list_for_each_entry (m, &vm->linked_maps, link) {
			if (err || m->start < addr || m->end > end)
				continue;
			restore_rights(m, m->start, m->end);
			m->prot = PROT_RW;
			if (m->file)
				file_put(m->file);
			m->file = f;
			if (f)
				file_get(f);
			m->off = off + (m->start - addr);
			m->shared = (flags & MAP_TYPE) == MAP_SHARED;
		}
		if (!err)
			err = fill_map(addr, len, f, off);
		list_for_each_entry (m, &vm->linked_maps, link)
			if (!err && m->start >= addr && m->end <= end)
				err = map_set_prot(vm, m, (unsigned int)prot);
		mutex_unlock(&vm->lock);
		return err ? err : (long)addr;
	}
	if (pages > (1UL << PMM_MAX_ORDER)) {
		order = PMM_MAX_ORDER;
		nblocks = (pages + (1UL << order) - 1) >> order;
		if (nblocks > pmm_total_pages() >> order)
			return -ENOMEM;
	}
	while (nblocks == 1 && (1UL << order) < pages)
		order++;
	b = kmalloc(sizeof(*b));
	m = kzalloc(sizeof(*m));
	if (!b || !m || alloc_run(order, nblocks, &pa))
		goto nomem;
	b->pa = pa;
	b->order = order;
	b->nblocks = nblocks;
	b->refs = 1;
	m->block = b;
	m->start = (unsigned long)plat_phys_to_virt(b->pa);
	m->end = m->start + pages * PAGE_SIZE;
	m->prot = PROT_RW;
	m->shared = (flags & MAP_TYPE) == MAP_SHARED;
	m->off = off;
	err = f ? fill_map(m->start, len, f, off) : 0;
	if (!err)
		err = map_set_prot(vm, m, (unsigned int)prot);
	if (err) {
		block_put(b);
		kfree(m);
		return err;
	}
	if (f) {
		file_get(f);
		m->file = f;
	}
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
	int err;

	if ((addr & ~PAGE_MASK) || !len || len > ~0UL - addr)
		return -EINVAL;
	end = ALIGN_UP(addr + len, PAGE_SIZE);
	mutex_lock(&vm->lock);
	/* A hole leaves two pieces of a record, sharing its block. */
	err = split_range(vm, addr, end);
	list_for_each_entry_safe (m, tmp, &vm->linked_maps, link)
		if (!err && m->start >= addr && m->end <= end)
			map_free(m);
	mutex_unlock(&vm->lock);
	return err;
}

int vm_linked_mprotect(struct vm_space *vm, unsigned long addr, size_t len,
		       unsigned long prot)
{
	struct linked_map *m;
	unsigned long end;
	int err;

	if ((addr & ~PAGE_MASK) || len > ~0UL - addr)
		return -EINVAL;
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	end = ALIGN_UP(addr + len, PAGE_SIZE);
	if (end == addr)
		return 0;
	mutex_lock(&vm->lock);
	/* As Linux: every page of the range must be mapped (-ENOMEM). */
	err = range_mapped(vm, addr, end) ? split_range(vm, addr, end)
					  : -ENOMEM;
	list_for_each_entry (m, &vm->linked_maps, link)
		if (!err && m->start >= addr && m->end <= end)
			err = map_set_prot(vm, m, (unsigned int)prot);
	mutex_unlock(&vm->lock);
	return err;
}

int vm_linked_madvise(struct vm_space *vm, unsigned long addr, size_t len,
		      int advice)
{
	struct linked_map *m;
	unsigned long end, a, b;
	int err = 0;

	err = vm_madvise_range(addr, len, advice, &end);
	if (err <= 0)
		return err;
	err = 0;
	mutex_lock(&vm->lock);
	if (advice == MADV_DONTNEED || advice == MADV_DONTNEED_LOCKED) {
		/* Private pages start again: zeros, or the file's bytes. */
		list_for_each_entry (m, &vm->linked_maps, link) {
			a = MAX(addr, m->start);
			b = MIN(end, m->end);
			if (a >= b || m->shared)
				continue;
			restore_rights(m, a, b);
			err = fill_map(a, b - a, m->file,
				       m->off + (a - m->start));
			if (rights(m->prot) != PROT_RW &&
			    set_rights(a, b, m->prot))
				err = -ENOMEM;
			if (err)
				break;
		}
	}
	/* As Linux: the mapped parts get the advice, a hole says ENOMEM. */
	if (!err && !range_mapped(vm, addr, end))
		err = -ENOMEM;
	mutex_unlock(&vm->lock);
	return err;
}

int vm_linked_msync(struct vm_space *vm, unsigned long addr, size_t len)
{
	unsigned long end = addr + ALIGN_UP(len, PAGE_SIZE);
	bool mapped;

	if (end < addr)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	mapped = range_mapped(vm, addr, end);
	mutex_unlock(&vm->lock);
	return mapped ? 0 : -ENOMEM;
}

bool vm_linked_access_ok(struct vm_space *vm, unsigned long addr, size_t n,
			 bool write)
{
	unsigned int need = write ? PROT_WRITE : PROT_READ;
	unsigned long end = addr + n;
	struct linked_map *m;
	bool ok = true;

	/* The common case: nothing has fewer rights than read-write. */
	if (!__atomic_load_n(&vm->linked_protected, __ATOMIC_RELAXED) || !n)
		return true;
	mutex_lock(&vm->lock);
	list_for_each_entry (m, &vm->linked_maps, link) {
		if (m->start < end && addr < m->end &&
		    !(rights(m->prot) & need)) {
			ok = false;
			break;
		}
	}
	mutex_unlock(&vm->lock);
	return ok;
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

	list_for_each_entry_safe (m, tmp, &vm->linked_maps, link)
		map_free(m);
}
