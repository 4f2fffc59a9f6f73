/*
 * Address spaces: creation, the mmap family and brk (see kos/vm.h).
 *
 * Layers: the system-call handlers (sys/mm.c) validate Linux arguments
 * and call vm_map/vm_unmap/vm_protect/vm_brk/vm_madvise here; these edit
 * the VMA set (vma.c) and the page tables (arch/x86_64/pgtable.c) under
 * vm->lock; pages appear later through faults (fault.c) or user copies
 * (uaccess.c).  Every page-table change is reported to the platform by
 * vm_flush() before the lock is dropped.
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/pmm.h>
#include <kos/spinlock.h>
#include <kos/string.h>
#include <uapi/mman.h>

#include "vm_internal.h"

static const struct vm_file_ops *file_ops;

/* Every address space, for vm_report_frame(). */
static LIST_HEAD(all_vms);
static struct spinlock all_lock = SPINLOCK_INIT("vm list");

/*
 * [resv_start, resv_end): user addresses no address space may map (see
 * vm_reserve_range()); empty unless the platform asked.  Written once at
 * boot, before any address space exists; read without a lock.
 */
static unsigned long resv_start, resv_end;

void vm_reserve_range(unsigned long start, unsigned long end)
{
	KOS_ASSERT(!(start & ~PAGE_MASK) && !(end & ~PAGE_MASK));
	KOS_ASSERT(start < end && end <= VM_USER_TOP);
	resv_start = start;
	resv_end = end;
}

bool vm_range_reserved(unsigned long start, unsigned long end)
{
	return start < resv_end && resv_start < end;
}

void vm_set_file_ops(const struct vm_file_ops *ops)
{
	file_ops = ops;
}

void vm_file_get(struct file *f)
{
	if (file_ops)
		file_ops->get(f);
	else
		file_get(f);
}

void vm_file_put(struct file *f)
{
	if (file_ops)
		file_ops->put(f);
	else
		file_put(f);
}

ssize_t vm_file_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
	if (file_ops)
		return file_ops->pread(f, buf, len, off);
	return file_pread_kernel(f, buf, len, off);
}

int vm_file_getpage(struct file *f, uint64_t pgoff, paddr_t *pa)
{
	if (file_ops)
		return file_ops->getpage ? file_ops->getpage(f, pgoff, pa)
					 : -ENOSYS;
	return file_getpage(f, pgoff, pa);
}

int vm_file_peekpage(struct file *f, uint64_t pgoff, paddr_t *pa)
{
	if (file_ops)
		return file_ops->peekpage ? file_ops->peekpage(f, pgoff, pa)
					  : -ENOSYS;
	return file_peekpage(f, pgoff, pa);
}

int vm_file_fsync(struct file *f)
{
	if (file_ops)
		return file_ops->fsync ? file_ops->fsync(f) : 0;
	return f->ops && f->ops->fsync ? f->ops->fsync(f, false) : 0;
}

bool vm_file_wants_mkwrite(struct file *f)
{
	if (file_ops)
		return file_ops->wants_mkwrite && file_ops->wants_mkwrite(f);
	return file_wants_mkwrite(f);
}

int vm_file_mkwrite(struct file *f, uint64_t pgoff)
{
	if (file_ops)
		return file_ops->page_mkwrite ? file_ops->page_mkwrite(f, pgoff)
					      : 0;
	return file_page_mkwrite(f, pgoff);
}

void vm_flush(struct vm_space *vm, unsigned long start, unsigned long end)
{
	if (start < end)
		plat_tlb_flush(vm->as, start, end - start);
}

void vm_flush_grow(struct vm_space *vm, unsigned long start, unsigned long end)
{
	if (start < end)
		plat_tlb_grow(vm->as, start, end - start);
}

/* vm_create() and vm_create_linked(): a linked space has no platform state. */
static struct vm_space *vm_alloc(bool linked)
{
	struct vm_space *vm = kzalloc(sizeof(*vm));
	unsigned long fl;

	if (!vm)
		return NULL;
	vm->pml4 = arch_pgt_create();
	if (vm->pml4 == PMM_NOPAGE)
		goto out_free;
	vm->linked = linked;
	list_init(&vm->linked_maps);
	if (!linked) {
		vm->as = plat_as_create(vm->pml4);
		if (!vm->as)
			goto out_pgt;
	}
	vm->users = 1;
	mutex_init(&vm->lock, "vm");
	vm_vma_set_init(&vm->vmas);
	vm->mmap_base = VM_MMAP_BASE;
	vm->stack_max = VM_STACK_MAX;
	vm->data_limit = UINT64_MAX;
	fl = spin_lock_irqsave(&all_lock);
	list_add_tail(&vm->all, &all_vms);
	spin_unlock_irqrestore(&all_lock, fl);
	return vm;

out_pgt:
	arch_pgt_destroy(vm->pml4);
out_free:
	kfree(vm);
	return NULL;
}

struct vm_space *vm_create(void)
{
	return vm_alloc(false);
}

struct vm_space *vm_create_linked(void)
{
	return vm_alloc(true);
}

void vm_destroy(struct vm_space *vm)
{
	unsigned long fl;

	if (!vm)
		return;
	fl = spin_lock_irqsave(&all_lock);
	list_del(&vm->all);
	spin_unlock_irqrestore(&all_lock, fl);
	/* The platform lets go of the tables before they are freed. */
	plat_as_destroy(vm->as);
	vm_linked_release(vm);
	for (size_t i = 0; i < vm->vmas.n; i++)
		vm_vma_free(vm->vmas.v[i]);
	vm_vma_set_release(&vm->vmas);
	arch_pgt_destroy(vm->pml4);
	if (vm->exe)
		vm_file_put(vm->exe);
	kfree(vm);
}

struct frame_report {
	struct vm_space *vm;
	paddr_t pa;
	unsigned int n;
};

static void report_entry(vaddr_t va, pte_t pte, void *arg)
{
	struct frame_report *r = arg;

	if (!PTE_HOLDS_FRAME(pte) || PTE_ADDR(pte) != r->pa)
		return;
	r->n++;
	kos_log(LOG_ERR, "  vm %p (%u users) maps it at %#lx, entry %#llx",
		(void *)r->vm, r->vm->users, (unsigned long)va,
		(unsigned long long)pte);
}

void vm_report_frame(paddr_t pa)
{
	struct frame_report r = { NULL, pa, 0 };
	struct vm_space *vm;

	kos_log(LOG_ERR, "frame %#llx: its user entries",
		(unsigned long long)pa);
	list_for_each_entry (vm, &all_vms, all) {
		r.vm = vm;
		arch_pgt_for_each(vm->pml4, 0, VM_USER_TOP, report_entry, &r);
	}
	kos_log(LOG_ERR, "frame %#llx: %u entries in all",
		(unsigned long long)pa, r.n);
}

void vm_unmap_pages(struct vm_space *vm, unsigned long start, unsigned long end)
{
	size_t n = arch_pgt_unmap_range(vm->pml4, start, end);

	if (!n)
		return;
	vm->rss = vm->rss > n ? vm->rss - n : 0;
	vm_flush(vm, start, end);
}

void vm_get(struct vm_space *vm)
{
	__atomic_add_fetch(&vm->users, 1, __ATOMIC_RELAXED);
}

void vm_put(struct vm_space *vm)
{
	if (vm && !__atomic_sub_fetch(&vm->users, 1, __ATOMIC_ACQ_REL))
		vm_destroy(vm);
}

struct vma *vm_find_vma(struct vm_space *vm, unsigned long addr)
{
	return vm_vma_lookup(&vm->vmas, addr);
}

/* Lowest address a new mapping may end at below v (stacks keep a gap). */
static unsigned long vma_start_gap(const struct vma *v)
{
	if ((v->flags & VMA_GROWSDOWN) && v->start > VM_STACK_GUARD_GAP)
		return v->start - VM_STACK_GUARD_GAP;
	return (v->flags & VMA_GROWSDOWN) ? 0 : v->start;
}

/* Is [addr, addr+len) free, keeping stack guard gaps? */
static bool range_free(struct vm_space *vm, unsigned long addr, size_t len)
{
	size_t i = vm_vma_lower_bound(&vm->vmas, addr);

	if (vm_range_reserved(addr, addr + len))
		return false;
	if (i == vm->vmas.n)
		return true;
	return addr + len <= vma_start_gap(vm->vmas.v[i]);
}

/* Where len bytes fit in [lo, hi) (highest or lowest place), else 0. */
static unsigned long fit(unsigned long lo, unsigned long hi, size_t len,
			 bool topdown)
{
	if (hi <= lo || hi - lo < len)
		return 0;
	return topdown ? hi - len : lo;
}

/* fit() in [lo, hi) minus the reserved range. */
static unsigned long fit_unreserved(unsigned long lo, unsigned long hi,
				    size_t len, bool topdown)
{
	unsigned long below, above;

	if (!vm_range_reserved(lo, hi))
		return fit(lo, hi, len, topdown);
	below = fit(lo, MIN(hi, resv_start), len, topdown);
	above = fit(MAX(lo, resv_end), hi, len, topdown);
	if (topdown)
		return above ? above : below;
	return below ? below : above;
}

/*
 * Find len bytes free inside [low, high): the highest such range
 * (top-down) or the lowest (bottom-up).  Returns its start or 0.
 */
static unsigned long find_gap(struct vm_space *vm, size_t len,
			      unsigned long low, unsigned long high,
			      bool topdown)
{
	struct vma_set *s = &vm->vmas;
	size_t n = s->n;

	if (high < low || high - low < len)
		return 0;
	for (size_t k = 0; k <= n; k++) {
		size_t i = topdown ? n - k : k; /* gap below entry i */
		unsigned long lo = i ? s->v[i - 1]->end : 0;
		unsigned long hi = i < n ? vma_start_gap(s->v[i]) : VM_USER_TOP;
		unsigned long a;

		lo = MAX(lo, low);
		hi = MIN(hi, high);
		a = fit_unreserved(lo, hi, len, topdown);
		if (a)
			return a;
	}
	return 0;
}

/* Choose where a non-fixed mapping of len bytes goes; 0 if nowhere. */
static unsigned long place(struct vm_space *vm, unsigned long hint, size_t len,
			   unsigned int flags)
{
	unsigned long a;

	if (flags & MAP_32BIT)
		return find_gap(vm, len, 0x40000000UL, 0x80000000UL, false);
	hint &= PAGE_MASK;
	if (hint && hint < VM_MMAP_MIN)
		hint = VM_MMAP_MIN;
	if (hint && hint <= VM_USER_TOP - len && range_free(vm, hint, len))
		return hint;
	a = find_gap(vm, len, VM_MMAP_MIN, vm->mmap_base, true);
	if (!a)
		a = find_gap(vm, len, VM_MMAP_MIN, VM_USER_TOP, true);
	return a;
}

unsigned long vm_place_locked(struct vm_space *vm, size_t len)
{
	return place(vm, 0, len, 0);
}

/*
 * Remove [start, end) from the VMA set and the page tables.  Splits
 * happen first, so a failure (-ENOMEM) leaves every mapping intact.
 */
static int unmap_locked(struct vm_space *vm, unsigned long start,
			unsigned long end)
{
	struct vma_set *s = &vm->vmas;
	size_t i = vm_vma_lower_bound(s, start);
	int rc;

	if (i < s->n && s->v[i]->start < start && s->v[i]->end > start) {
		rc = vm_vma_split(s, i, start);
		if (rc)
			return rc;
		i++;
	}
	{
		size_t j = vm_vma_lower_bound(s, end);

		if (j < s->n && s->v[j]->start < end) {
			rc = vm_vma_split(s, j, end);
			if (rc)
				return rc;
		}
	}
	while (i < s->n && s->v[i]->start < end) {
		struct vma *v = s->v[i];

		vm_vma_remove(s, i);
		vm_vma_free(v);
	}
	vm_unmap_pages(vm, start, end);
	return 0;
}

static unsigned int vma_flags_of(unsigned int mflags)
{
	unsigned int f = 0;

	if ((mflags & MAP_TYPE) != MAP_PRIVATE)
		f |= VMA_SHARED;
	if (mflags & MAP_GROWSDOWN)
		f |= VMA_GROWSDOWN;
	return f;
}

/* Does a mapping count against RLIMIT_DATA (Linux's is_data_mapping)? */
static bool is_data(unsigned int prot, unsigned int vflags)
{
	return (prot & PROT_WRITE) &&
	       !(vflags & (VMA_SHARED | VMA_GROWSDOWN | VMA_NOWRITE));
}

/*
 * Would mapping [addr, addr+len) as data exceed RLIMIT_DATA?  Data pages
 * already in that range (about to be replaced) do not count twice.
 */
static bool data_over_limit(struct vm_space *vm, unsigned long addr, size_t len)
{
	uint64_t total = len;

	if (vm->data_limit == UINT64_MAX)
		return false;
	for (size_t i = 0; i < vm->vmas.n; i++) {
		const struct vma *v = vm->vmas.v[i];
		unsigned long lo, hi;

		if (!is_data(v->prot, v->flags))
			continue;
		total += v->end - v->start;
		lo = MAX(v->start, addr);
		hi = MIN(v->end, addr + len);
		if (lo < hi)
			total -= hi - lo;
	}
	return total > vm->data_limit;
}

void vm_set_data_limit(struct vm_space *vm, uint64_t limit)
{
	mutex_lock(&vm->lock);
	vm->data_limit = limit;
	mutex_unlock(&vm->lock);
}

void vm_set_stack_limit(struct vm_space *vm, uint64_t limit)
{
	mutex_lock(&vm->lock);
	vm->stack_max = (unsigned long)limit; /* 64-bit: RLIM_INFINITY fits */
	mutex_unlock(&vm->lock);
}

void vm_set_mmap_base(struct vm_space *vm, unsigned long base)
{
	KOS_ASSERT(!(base & ~PAGE_MASK) && base <= VM_USER_TOP);
	mutex_lock(&vm->lock);
	vm->mmap_base = base;
	mutex_unlock(&vm->lock);
}

/* vm_map() with the lock held; name is the VMA's debugging name. */
static int map_locked(struct vm_space *vm, unsigned long addr, size_t len,
		      unsigned int prot, unsigned int flags, struct file *file,
		      uint64_t off, const char *name, unsigned long *result)
{
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	struct vma *v;
	int rc;

	if (!len)
		return -EINVAL;
	if (len > VM_USER_TOP)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (file && (off & ~PAGE_MASK))
		return -EINVAL;
	if (file && off + len < off)
		return -EOVERFLOW;
	if (fixed) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (addr > VM_USER_TOP - len)
			return -ENOMEM;
		if (vm_range_reserved(addr, addr + len))
			return -ENOMEM;
		if (!(flags & MAP_FIXED)) {
			size_t i = vm_vma_lower_bound(&vm->vmas, addr);

			if (i < vm->vmas.n && vm->vmas.v[i]->start < addr + len)
				return -EEXIST;
		}
	} else {
		addr = place(vm, addr, len, flags);
		if (!addr)
			return -ENOMEM;
	}

	if (is_data(prot, vma_flags_of(flags)) &&
	    data_over_limit(vm, addr, len))
		return -ENOMEM;

	v = vm_vma_alloc();
	if (!v)
		return -ENOMEM;
	/* Reserve room for the new entry plus two splits before any change. */
	if (vm_vma_reserve(&vm->vmas, 3)) {
		kfree(v);
		return -ENOMEM;
	}
	v->start = addr;
	v->end = addr + len;
	v->prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	v->flags = vma_flags_of(flags);
	if (file && file_noexec(file))
		v->flags |= VMA_NOEXEC; /* mprotect(PROT_EXEC): -EACCES */
	if (file && (v->flags & VMA_SHARED) && !(file->fmode & FMODE_WRITE))
		v->flags = (v->flags & ~VMA_SHARED) | VMA_NOWRITE;
	if (file && !(v->flags & (VMA_SHARED | VMA_NOWRITE)) &&
	    (prot & PROT_WRITE) && !(flags & MAP_NORESERVE))
		v->flags |= VMA_ACCOUNT;
	v->file = file;
	v->off = file ? off : 0;
	v->name = name;
	if (flags & MAP_FIXED) {
		rc = unmap_locked(vm, addr, addr + len);
		if (rc) {
			kfree(v);
			return rc;
		}
	}
	rc = vm_vma_insert(&vm->vmas, v);
	if (rc) {
		kfree(v);
		return rc;
	}
	if (file)
		vm_file_get(file);
	vm_vma_merge_range(&vm->vmas, addr, addr + len);
	*result = addr;
	return 0;
}

int vm_map(struct vm_space *vm, unsigned long addr, size_t len,
	   unsigned int prot, unsigned int flags, struct file *file,
	   uint64_t off, unsigned long *result)
{
	int rc;

	mutex_lock(&vm->lock);
	rc = map_locked(vm, addr, len, prot, flags, file, off, NULL, result);
	mutex_unlock(&vm->lock);
	return rc;
}

int vm_map_stack(struct vm_space *vm, unsigned long top, size_t size)
{
	unsigned long a;
	int rc;

	if ((top & ~PAGE_MASK) || !size || size > top || top > VM_USER_TOP)
		return -EINVAL;
	size = ALIGN_UP(size, PAGE_SIZE);
	mutex_lock(&vm->lock);
	rc = map_locked(vm, top - size, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN,
			NULL, 0, "[stack]", &a);
	if (!rc)
		vm->stack_top = top;
	mutex_unlock(&vm->lock);
	return rc;
}

int vm_unmap(struct vm_space *vm, unsigned long addr, size_t len)
{
	unsigned long end;
	int rc;

	if ((addr & ~PAGE_MASK) || !len || len > VM_USER_TOP)
		return -EINVAL;
	end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (end > VM_USER_TOP || end < addr)
		return -EINVAL;
	mutex_lock(&vm->lock);
	rc = unmap_locked(vm, addr, end);
	mutex_unlock(&vm->lock);
	return rc;
}

/* Set prot on [start, end), which lies inside entry *ip; advances *ip. */
static int protect_one(struct vm_space *vm, size_t *ip, unsigned long start,
		       unsigned long end, unsigned int prot)
{
	struct vma_set *s = &vm->vmas;
	struct vma *v = s->v[*ip];
	int rc;

	if (v->start < start) {
		rc = vm_vma_split(s, *ip, start);
		if (rc)
			return rc;
		(*ip)++;
		v = s->v[*ip];
	}
	if (v->end > end) {
		rc = vm_vma_split(s, *ip, end);
		if (rc)
			return rc;
	}
	v->prot = prot;
	if (v->file && (prot & PROT_WRITE) &&
	    !(v->flags & (VMA_SHARED | VMA_NOWRITE)))
		v->flags |= VMA_ACCOUNT;
	if (arch_pgt_protect_range(vm->pml4, v->start, v->end,
				   arch_pgt_prot_bits(prot)))
		vm_flush(vm, v->start, v->end);
	(*ip)++;
	return 0;
}

int vm_protect(struct vm_space *vm, unsigned long addr, size_t len,
	       unsigned long prot)
{
	unsigned long grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	unsigned long start = addr, end, cur;
	struct vma_set *s = &vm->vmas;
	size_t i;
	int rc = 0;

	prot &= ~grows;
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (end <= addr || ALIGN_UP(len, PAGE_SIZE) < len)
		return -ENOMEM;
	if (prot &
	    ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;

	mutex_lock(&vm->lock);
	i = vm_vma_lower_bound(s, start);
	if (i == s->n || s->v[i]->start >= end) {
		rc = -ENOMEM;
		goto out;
	}
	if (grows & PROT_GROWSUP) {
		rc = -EINVAL;
		goto out;
	}
	if (grows & PROT_GROWSDOWN) {
		if (!(s->v[i]->flags & VMA_GROWSDOWN)) {
			rc = -EINVAL;
			goto out;
		}
		start = s->v[i]->start;
	} else if (s->v[i]->start > start) {
		rc = -ENOMEM;
		goto out;
	}
	cur = start;
	while (cur < end) {
		if (i == s->n || s->v[i]->start > cur) {
			rc = -ENOMEM; /* a hole: Linux keeps what it did */
			break;
		}
		if (((prot & PROT_WRITE) && (s->v[i]->flags & VMA_NOWRITE)) ||
		    ((prot & PROT_EXEC) && (s->v[i]->flags & VMA_NOEXEC))) {
			rc = -EACCES; /* likewise */
			break;
		}
		rc = protect_one(vm, &i, cur, MIN(end, s->v[i]->end), prot);
		if (rc)
			break;
		cur = s->v[i - 1]->end;
	}
	vm_vma_merge_range(s, start, cur);
out:
	mutex_unlock(&vm->lock);
	return rc;
}

void vm_set_brk_base(struct vm_space *vm, unsigned long base)
{
	mutex_lock(&vm->lock);
	vm->brk_start = base;
	vm->brk = base;
	mutex_unlock(&vm->lock);
}

unsigned long vm_brk(struct vm_space *vm, unsigned long newbrk)
{
	unsigned long oldend, newend, ret, a;

	mutex_lock(&vm->lock);
	ret = vm->brk;
	if (newbrk < vm->brk_start || newbrk > VM_USER_TOP)
		goto out;
	oldend = ALIGN_UP(vm->brk, PAGE_SIZE);
	newend = ALIGN_UP(newbrk, PAGE_SIZE);
	if (newend < oldend) {
		if (unmap_locked(vm, newend, oldend))
			goto out;
	} else if (newend > oldend) {
		/* Like Linux, keep a page free above the new break. */
		if (!range_free(vm, oldend, newend - oldend + PAGE_SIZE))
			goto out;
		if (map_locked(
			    vm, oldend, newend - oldend, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			    NULL, 0, "[heap]", &a))
			goto out;
	}
	vm->brk = newbrk;
	ret = newbrk;
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/* Advice that is only a hint and may be ignored. */
static bool advice_is_hint(int advice)
{
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_COLD:
	case MADV_PAGEOUT:
		return true;
	}
	return false;
}

/* Apply advice to [start, end) inside v. */
static int madvise_one(struct vm_space *vm, struct vma *v, unsigned long start,
		       unsigned long end, int advice)
{
	bool shared_anon = !v->file && (v->flags & VMA_SHARED);

	/* Linux: no dropping or populating VM_IO/VM_PFNMAP pages. */
	if (v->flags & VMA_IO)
		return -EINVAL;
	switch (advice) {
	case MADV_FREE:
		if (v->file || shared_anon || (v->flags & VMA_SPECIAL))
			return -EINVAL;
		/* Dropping at once is a valid MADV_FREE. */
		/* fallthrough */
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
		/*
		 * Shared anonymous memory keeps its contents on Linux (the
		 * pages belong to a shmem object).  Until KOS has that object,
		 * the PTEs are the only holders, so they stay.
		 */
		if (shared_anon)
			return 0;
		vm_unmap_pages(vm, start, end);
		return 0;
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		for (unsigned long a = start; a < end; a += PAGE_SIZE) {
			bool w = advice == MADV_POPULATE_WRITE;
			int rc;

			if (!v->prot || (w && !(v->prot & PROT_WRITE)))
				return -EINVAL;
			rc = vm_fault_page(vm, v, a, w, false);
			if (rc == VM_FAULT_SIGBUS)
				return -EFAULT;
			if (rc)
				return rc;
		}
		return 0;
	}
	return 0;
}

/* Flag-setting advice: which VMA flag, and whether it is set or cleared. */
static bool advice_flag(int advice, unsigned int *flag, bool *set)
{
	static const struct {
		int advice;
		unsigned int flag;
		bool set;
	} tab[] = {
		{ MADV_DONTFORK, VMA_DONTFORK, true },
		{ MADV_DOFORK, VMA_DONTFORK, false },
		{ MADV_WIPEONFORK, VMA_WIPEONFORK, true },
		{ MADV_KEEPONFORK, VMA_WIPEONFORK, false },
		{ MADV_DONTDUMP, VMA_DONTDUMP, true },
		{ MADV_DODUMP, VMA_DONTDUMP, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(tab); i++) {
		if (tab[i].advice == advice) {
			*flag = tab[i].flag;
			*set = tab[i].set;
			return true;
		}
	}
	return false;
}

/*
 * madvise(2)'s checks of its arguments, in Linux's order: *end the
 * page-aligned end.  -EINVAL, 0 for an empty range (nothing to do), or 1.
 */
int vm_madvise_range(unsigned long addr, size_t len, int advice,
		     unsigned long *end)
{
	if (!vm_advice_known(advice) || (addr & ~PAGE_MASK))
		return -EINVAL;
	*end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (*end < addr || ALIGN_UP(len, PAGE_SIZE) < len)
		return -EINVAL;
	return *end != addr;
}

bool vm_advice_known(int advice)
{
	unsigned int f;
	bool set;

	switch (advice) {
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
	case MADV_FREE:
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		return true;
	}
	return advice_is_hint(advice) || advice_flag(advice, &f, &set);
}

int vm_madvise(struct vm_space *vm, unsigned long addr, size_t len, int advice)
{
	struct vma_set *s = &vm->vmas;
	unsigned long end, cur;
	unsigned int flag = 0;
	bool set = false, flagged;
	int rc = 0, hole = 0;
	size_t i;

	rc = vm_madvise_range(addr, len, advice, &end);
	if (rc <= 0)
		return rc;
	rc = 0;
	flagged = advice_flag(advice, &flag, &set);

	mutex_lock(&vm->lock);
	cur = addr;
	i = vm_vma_lower_bound(s, addr);
	while (cur < end) {
		unsigned long a, b;

		if (i == s->n || s->v[i]->start >= end) {
			hole = -ENOMEM;
			break;
		}
		if (s->v[i]->start > cur)
			hole = -ENOMEM;
		a = MAX(cur, s->v[i]->start);
		b = MIN(end, s->v[i]->end);
		if (flagged) {
			struct vma *v;

			if (advice == MADV_WIPEONFORK &&
			    (s->v[i]->file || (s->v[i]->flags & VMA_SHARED))) {
				rc = -EINVAL;
				break;
			}
			if (advice == MADV_DODUMP &&
			    (s->v[i]->flags & VMA_SPECIAL)) {
				rc = -EINVAL;
				break;
			}
			/* Split so the flag covers exactly [a, b). */
			if (s->v[i]->start < a) {
				rc = vm_vma_split(s, i, a);
				if (rc)
					break;
				i++;
			}
			if (s->v[i]->end > b) {
				rc = vm_vma_split(s, i, b);
				if (rc)
					break;
			}
			v = s->v[i];
			v->flags = set ? v->flags | flag : v->flags & ~flag;
		} else if (!advice_is_hint(advice)) {
			rc = madvise_one(vm, s->v[i], a, b, advice);
			if (rc)
				break;
		}
		cur = b;
		i++;
	}
	if (flagged)
		vm_vma_merge_range(s, addr, cur);
	mutex_unlock(&vm->lock);
	return rc ? rc : hole;
}

int vm_msync(struct vm_space *vm, unsigned long addr, size_t len, bool sync)
{
	struct vma_set *s = &vm->vmas;
	unsigned long end, cur = addr;
	struct file *files[16];
	unsigned int nfiles = 0;
	int rc = 0;
	size_t i;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	/* As Linux: a length that rounds up to 0 syncs nothing. */
	end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (end < addr)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	i = vm_vma_lower_bound(s, addr);
	while (cur < end) {
		if (i == s->n || s->v[i]->start >= end) {
			rc = -ENOMEM;
			break;
		}
		if (s->v[i]->start > cur)
			rc = -ENOMEM; /* a hole; Linux goes on */
		if (sync && s->v[i]->file && (s->v[i]->flags & VMA_SHARED) &&
		    nfiles < ARRAY_SIZE(files)) {
			vm_file_get(s->v[i]->file);
			files[nfiles++] = s->v[i]->file;
		}
		cur = s->v[i++]->end;
	}
	mutex_unlock(&vm->lock);
	/* Written back outside vm->lock: writeback may sleep on I/O. */
	for (unsigned int k = 0; k < nfiles; k++) {
		int err = vm_file_fsync(files[k]);

		if (err && !rc)
			rc = err;
		vm_file_put(files[k]);
	}
	return rc;
}

void vm_dump(struct vm_space *vm)
{
	mutex_lock(&vm->lock);
	for (size_t i = 0; i < vm->vmas.n; i++) {
		struct vma *v = vm->vmas.v[i];

		log_debug("vma %012lx-%012lx %c%c%c%c %08llx %s\n", v->start,
			  v->end, v->prot & PROT_READ ? 'r' : '-',
			  v->prot & PROT_WRITE ? 'w' : '-',
			  v->prot & PROT_EXEC ? 'x' : '-',
			  v->flags & VMA_SHARED ? 's' : 'p',
			  (unsigned long long)v->off,
			  v->name ? v->name : (v->file ? "file" : ""));
	}
	mutex_unlock(&vm->lock);
}
