/*
 * Page faults: demand-zero anonymous pages, file pages (the page cache's
 * own page for shared mappings, the same page copy-on-write for private
 * ones, or a private copy read at first touch when the file system has
 * no page cache), the kernel's pages of special mappings (like private
 * file pages), and stack growth (see kos/vm.h).
 *
 * The user loop calls vm_fault() when plat_user_run() reports a page
 * fault; uaccess.c calls the same code when a copy finds a page missing.
 * All of it runs under vm->lock; file reads sleep with the lock held.
 * Every frame an entry maps carries PTE_OWNED: the entry holds one
 * reference (a fresh private page's only one, or one of a page-cache
 * page's several) and is counted as a user mapping of the page
 * (pmm_page_map()); frames are PMM_USER pages.
 */
#include <kos/file.h>
#include <kos/pmm.h>
#include <kos/plat/mem.h>
#include <kos/string.h>
#include <uapi/errno.h>
#include <uapi/mman.h>

#include "vm_internal.h"

/* The file offset of the page at va in v. */
static uint64_t file_off(struct vma *v, unsigned long va)
{
	return v->off + (va - v->start);
}

/*
 * Fill the frame at kva with the file page of v at va: read up to a page,
 * zero the rest.  0, or VM_FAULT_SIGBUS if the page lies wholly past EOF
 * or the read fails.
 */
static int fill_from_file(struct vma *v, unsigned long va, void *kva)
{
	uint64_t off = file_off(v, va);
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

/* A getpage error as a fault result. */
static int getpage_fault(int err)
{
	return err == -ENOMEM ? -ENOMEM : VM_FAULT_SIGBUS;
}

/* Does an entry with these bits let user code run from its frame? */
static bool bits_exec(pte_t bits)
{
	return (bits & PTE_P) && !(bits & PTE_NX);
}

/*
 * Point the empty entry e at frame pa, whose reference the entry takes
 * over, with bits (rights and COW); counts the user mapping.
 */
static void install(struct vm_space *vm, pte_t *e, paddr_t pa, pte_t bits)
{
	pmm_page_map(pa, bits_exec(bits));
	*e = pa | bits | PTE_OWNED;
	if (++vm->rss > vm->hiwater_rss)
		vm->hiwater_rss = vm->rss;
}

/*
 * The entry bits for a frame: the VMA's rights, never RW when COW or
 * waiting to tell the file of the first write (PTE_WNOTIFY).
 */
static pte_t entry_bits(pte_t bits, bool cow, bool wnotify)
{
	if (cow)
		return (bits & ~PTE_RW) | PTE_COW;
	return wnotify ? (bits & ~PTE_RW) | PTE_WNOTIFY : bits;
}

/*
 * A private copy of frame src in a new page, or PMM_NOPAGE if memory is
 * short.
 */
static paddr_t copy_frame(paddr_t src)
{
	paddr_t pa = pmm_alloc_flags(0, PMM_USER);

	if (pa != PMM_NOPAGE)
		kos_memcpy(plat_phys_to_virt(pa), plat_phys_to_virt(src),
			   PAGE_SIZE);
	return pa;
}

/*
 * A new frame for the missing page at va of v, with one reference for
 * the entry, in *pa; *cow says whether it must be mapped copy-on-write,
 * *wnotify whether read-only until the file hears of the first write
 * (a shared page of a file with a store: its dirty tracking).
 * 0, VM_FAULT_SIGBUS or -ENOMEM.
 */
static int new_frame(struct vma *v, unsigned long va, bool want_write,
		     paddr_t *pa, bool *cow, bool *wnotify)
{
	paddr_t cache;
	int rc;

	*cow = *wnotify = false;
	if (v->special) {
		/* The kernel's page itself, private: like a file page. */
		rc = vm_special_getpage(v, va, &cache);
		if (rc)
			return getpage_fault(rc);
		if (!want_write) {
			/*
			 * COW even if never writable: a forced write must not
			 * land in the kernel's page (vm_fault_page() refuses
			 * VMA_IO, copies the others).
			 */
			*cow = true;
			*pa = cache;
			return 0;
		}
		*pa = copy_frame(cache);
		pmm_page_put(cache);
		return *pa == PMM_NOPAGE ? -ENOMEM : 0;
	}
	if (v->file) {
		rc = vm_file_getpage(v->file, file_off(v, va) / PAGE_SIZE,
				     &cache);
		if (rc == 0 && (v->flags & VMA_SHARED) &&
		    vm_file_wants_mkwrite(v->file)) {
			*pa = cache;
			if (!want_write) {
				*wnotify = true;
				return 0;
			}
			rc = vm_file_mkwrite(v->file,
					     file_off(v, va) / PAGE_SIZE);
			if (rc)
				pmm_page_put(cache);
			return rc ? getpage_fault(rc) : 0;
		}
		if (rc == 0) {
			if ((v->flags & VMA_SHARED) || !want_write) {
				/* The page itself; private ones COW. */
				*cow = !(v->flags & VMA_SHARED);
				*pa = cache;
				return 0;
			}
			/* A private write: copy at once. */
			*pa = copy_frame(cache);
			pmm_page_put(cache);
			return *pa == PMM_NOPAGE ? -ENOMEM : 0;
		}
		if (rc != -ENOSYS)
			return getpage_fault(rc);
		if (v->flags & VMA_SHARED)
			return VM_FAULT_SIGBUS; /* no page cache to share */
	}
	/* fill_from_file() writes the whole page; anonymous ones start 0. */
	*pa = pmm_alloc_flags(0, PMM_USER | (v->file ? 0 : PMM_ZERO));
	if (*pa == PMM_NOPAGE)
		return -ENOMEM;
	if (v->file) {
		rc = fill_from_file(v, va, plat_phys_to_virt(*pa));
		if (rc) {
			pmm_free(*pa, 0);
			return rc;
		}
		/* The read may have slept, but vm->lock kept the tables. */
	}
	return 0;
}

/*
 * The most pages one fault fills after its own: the window doubles from
 * plat_fault_around_pages() while faults come in order, up to this.
 */
#define FAULT_AROUND_MAX 63

/*
 * After a read fault at va that mapped a page of v's file from its page
 * cache: map those of the n pages after it in the same page table that
 * are unmapped and in the cache already, as read faults on them would
 * (the cache's page itself, copy-on-write when private, write-notified
 * when the file wants to hear of stores), up to the file's end.  Nothing
 * is read or allocated: a hole of a sparse file stays one.  Returns the
 * last page mapped (va if none).
 */
static unsigned long file_fault_around(struct vm_space *vm, struct vma *v,
				       unsigned long va, pte_t bits,
				       unsigned int n)
{
	bool shared = v->flags & VMA_SHARED;
	bool wnotify = shared && vm_file_wants_mkwrite(v->file);
	unsigned long last = va, end;

	end = MIN(v->end, (va | (PGT_ENTRIES * PAGE_SIZE - 1)) + 1);
	end = MIN(end, va + (n + 1) * PAGE_SIZE);
	for (unsigned long a = va + PAGE_SIZE; a < end; a += PAGE_SIZE) {
		pte_t *e = arch_pgt_walk(vm->pml4, a, false);
		paddr_t cache;
		int rc;

		if (!e)
			break;
		if (*e)
			continue;
		rc = vm_file_peekpage(v->file, file_off(v, a) / PAGE_SIZE,
				      &cache);
		if (rc == -ENOENT)
			continue;
		if (rc)
			break; /* the end of the file, or no cache at all */
		install(vm, e, cache, entry_bits(bits, !shared, wnotify));
		last = a;
	}
	return last;
}

/*
 * After a fault at va: fill up to plat_fault_around_pages() empty pages
 * after it in the same mapping and page table, never in a stack or a
 * special mapping, never for a forced access.  A private anonymous
 * mapping gets fresh zero pages; a mapping of a running program's file,
 * after a read fault that mapped a page of the file's page cache, the
 * file's next pages (file_fault_around()).  For anonymous memory, a
 * fault on the page right after the previous fault's window doubles the
 * window (up to FAULT_AROUND_MAX): memory touched in order takes ever
 * fewer faults.
 * Returns the last page filled (va if none).  vm->lock held.
 */
static unsigned long fault_around(struct vm_space *vm, struct vma *v,
				  unsigned long va, pte_t bits, bool force,
				  bool cached_read)
{
	unsigned int n = plat_fault_around_pages();
	unsigned long last = va, end;

	if (!n || force || v->special || !(v->prot & PROT_READ) ||
	    (v->flags & (VMA_GROWSDOWN | VMA_IO)))
		return va;
	/*
	 * Files only while nothing can write or truncate them (a running
	 * program's, FMODE_DENY_WRITE, held by this very mapping):
	 * truncation does not unmap pages past the new end from mappings
	 * (kos/vm.h, "Not done"), so a page mapped ahead of its first
	 * touch would keep stale data where Linux gives SIGBUS.
	 */
	if (v->file)
		return cached_read && (v->file->fmode & FMODE_DENY_WRITE)
			       ? file_fault_around(vm, v, va, bits, n)
			       : va;
	if (v->flags & VMA_SHARED)
		return va;
	if (va == vm->fa_next && vm->fa_pages >= n)
		n = MIN(2 * vm->fa_pages + 1, FAULT_AROUND_MAX);
	vm->fa_pages = n;
	/* Within this page table: one walk's worth of entries. */
	end = MIN(v->end, (va | (PGT_ENTRIES * PAGE_SIZE - 1)) + 1);
	end = MIN(end, va + (n + 1) * PAGE_SIZE);
	for (unsigned long a = va + PAGE_SIZE; a < end; a += PAGE_SIZE) {
		pte_t *e = arch_pgt_walk(vm->pml4, a, false);
		paddr_t pa;

		if (!e || *e)
			break;
		pa = pmm_alloc_flags(0, PMM_USER | PMM_ZERO);
		if (pa == PMM_NOPAGE)
			break;
		install(vm, e, pa, bits);
		last = a;
	}
	vm->fa_next = last + PAGE_SIZE;
	return last;
}

int vm_fault_page(struct vm_space *vm, struct vma *v, unsigned long va,
		  bool want_write, bool force)
{
	pte_t bits = arch_pgt_prot_bits(v->prot);
	pte_t *e, want;
	paddr_t pa;
	bool cow, wnotify;
	int rc;

	va &= PAGE_MASK;
	if (want_write && (v->flags & VMA_IO))
		return -EFAULT; /* not even forced: no private copies */
	if (!force) {
		if (want_write && !(v->prot & PROT_WRITE))
			return -EFAULT;
		if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
			return -EFAULT;
	}
	e = arch_pgt_walk(vm->pml4, va, true);
	if (!e)
		return -ENOMEM;
	if (PTE_HOLDS_FRAME(*e) && want_write && (*e & PTE_COW) &&
	    pmm_page_refs(PTE_ADDR(*e)) == 1) {
		/* Nobody else holds the frame (the other side of a fork
		 * copied or left): keep it, writable. */
		pa = PTE_ADDR(*e);
		pmm_page_unmap(pa);
		*e = 0;
		vm->rss--;
		install(vm, e, pa, bits);
		vm_flush(vm, va, va + PAGE_SIZE);
		return 0;
	}
	if (PTE_HOLDS_FRAME(*e) && want_write && (*e & PTE_COW)) {
		/* Break copy-on-write: the mapping gets its own page. */
		pa = copy_frame(PTE_ADDR(*e));
		if (pa == PMM_NOPAGE)
			return -ENOMEM;
		pmm_page_unmap(PTE_ADDR(*e));
		pmm_page_put(PTE_ADDR(*e));
		*e = 0;
		vm->rss--;
		install(vm, e, pa, bits);
		vm_flush(vm, va, va + PAGE_SIZE);
		return 0;
	}
	if (PTE_HOLDS_FRAME(*e) && want_write && (*e & PTE_WNOTIFY)) {
		/* The first store into a shared file page: it is dirty. */
		rc = vm_file_mkwrite(v->file, file_off(v, va) / PAGE_SIZE);
		if (rc)
			return getpage_fault(rc);
		*e &= ~PTE_WNOTIFY; /* the rights follow below */
	}
	if (PTE_HOLDS_FRAME(*e)) {
		/*
		 * Already there (a racing fault, or a platform catching up).
		 * Entries always carry the VMA's rights (less RW when COW or
		 * write-notified); re-assert them if they drifted.
		 */
		want = entry_bits(bits, *e & PTE_COW, *e & PTE_WNOTIFY);
		if ((*e & ~PTE_ADDR_MASK & ~(PTE_A | PTE_D | PTE_OWNED)) !=
		    want) {
			*e = (*e &
			      (PTE_ADDR_MASK | PTE_A | PTE_D | PTE_OWNED)) |
			     want;
			if ((*e & PTE_OWNED) && bits_exec(want))
				pmm_page_exec(PTE_ADDR(*e));
			vm_flush(vm, va, va + PAGE_SIZE);
		}
		return 0;
	}
	rc = new_frame(v, va, want_write, &pa, &cow, &wnotify);
	if (rc)
		return rc;
	install(vm, e, pa, entry_bits(bits, cow, wnotify));
	/*
	 * A read of a file page that is the cache's own: cow or shared.
	 * The entries were empty (fault-around fills only empty ones).
	 */
	vm_flush_grow(
		vm, va,
		fault_around(vm, v, va, bits, force,
			     !want_write && (cow || (v->flags & VMA_SHARED))) +
			PAGE_SIZE);
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
