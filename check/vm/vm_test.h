/*
 * Shared set-up for the virtual-memory unit tests: fresh page allocator,
 * heap and scheduler (mutexes need a current thread) on the fake
 * platform, a fake file type for file-backed mappings, and helpers that
 * look at the page tables directly.
 */
#ifndef CHECK_VM_TEST_H
#define CHECK_VM_TEST_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include <kos/boot.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/pgtable.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/plat/user.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/vfs.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/mman.h>

#include "../plat_test.h"

#define VM_TEST_RAM (32UL << 20)
#define PG PAGE_SIZE

/*
 * Fake files: f->priv points at a struct fake_file holding the contents.
 * refs counts references taken through the vm's file ops.
 */
#define FAKE_PAGES 8

struct fake_file {
	struct file f;
	const unsigned char *data;
	size_t size;
	int refs;
	int reads;
	bool fail; /* every read returns -EIO */
	/*
	 * With paged, the file has a page cache: getpage hands out
	 * pages[] (filled from data at first use, one reference held
	 * here; fake_file_release() drops them).
	 */
	bool paged;
	paddr_t pages[FAKE_PAGES];
	int getpages;
	int peeks;
	/* With wnotify, the file hears of first stores (mkwrites++). */
	bool wnotify;
	int mkwrites;
	int fsyncs;
};

static inline void fake_get(struct file *f)
{
	((struct fake_file *)f->priv)->refs++;
}

static inline void fake_put(struct file *f)
{
	((struct fake_file *)f->priv)->refs--;
}

static inline ssize_t fake_pread(struct file *f, void *buf, size_t len,
				 uint64_t off)
{
	struct fake_file *ff = f->priv;

	ff->reads++;
	if (ff->fail)
		return -EIO;
	if (off >= ff->size)
		return 0;
	if (len > ff->size - off)
		len = ff->size - off;
	/* Short reads on purpose: the fault path must loop. */
	if (len > 1000)
		len = 1000;
	memcpy(buf, ff->data + off, len);
	return (ssize_t)len;
}

static inline int fake_getpage(struct file *f, uint64_t pgoff, paddr_t *pa)
{
	struct fake_file *ff = f->priv;

	ff->getpages++;
	if (!ff->paged)
		return -ENOSYS;
	if (pgoff >= (ff->size + PG - 1) / PG)
		return -ENXIO;
	ck_assert_uint_lt(pgoff, FAKE_PAGES);
	if (!ff->pages[pgoff]) {
		size_t off = (size_t)pgoff * PG;
		size_t n = ff->size - off < PG ? ff->size - off : PG;
		unsigned char *kva;

		ff->pages[pgoff] = pmm_alloc_flags(0, PMM_USER | PMM_ZERO);
		ck_assert(ff->pages[pgoff] != PMM_NOPAGE);
		kva = plat_phys_to_virt(ff->pages[pgoff]);
		memcpy(kva, ff->data + off, n);
	}
	pmm_page_get(ff->pages[pgoff]);
	*pa = ff->pages[pgoff];
	return 0;
}

/* getpage of a page already in the fake cache only; else -ENOENT. */
static inline int fake_peekpage(struct file *f, uint64_t pgoff, paddr_t *pa)
{
	struct fake_file *ff = f->priv;

	ff->peeks++;
	if (!ff->paged)
		return -ENOSYS;
	if (pgoff >= (ff->size + PG - 1) / PG)
		return -ENXIO;
	if (pgoff >= FAKE_PAGES || !ff->pages[pgoff])
		return -ENOENT;
	pmm_page_get(ff->pages[pgoff]);
	*pa = ff->pages[pgoff];
	return 0;
}

static inline bool fake_wants_mkwrite(struct file *f)
{
	return ((struct fake_file *)f->priv)->wnotify;
}

static inline int fake_page_mkwrite(struct file *f, uint64_t pgoff)
{
	(void)pgoff;
	((struct fake_file *)f->priv)->mkwrites++;
	return 0;
}

static inline int fake_fsync(struct file *f)
{
	((struct fake_file *)f->priv)->fsyncs++;
	return 0;
}

static const struct vm_file_ops fake_file_ops = {
	.get = fake_get,
	.put = fake_put,
	.pread = fake_pread,
	.getpage = fake_getpage,
	.peekpage = fake_peekpage,
	.wants_mkwrite = fake_wants_mkwrite,
	.page_mkwrite = fake_page_mkwrite,
	.fsync = fake_fsync,
};

/* The fake file's cached page pgoff (must exist), by direct map. */
static inline unsigned char *fake_page(struct fake_file *ff, uint64_t pgoff)
{
	ck_assert(ff->pages[pgoff] != 0);
	return plat_phys_to_virt(ff->pages[pgoff]);
}

/* Drop the fake page cache's own references. */
static inline void fake_file_release(struct fake_file *ff)
{
	for (int i = 0; i < FAKE_PAGES; i++) {
		if (ff->pages[i])
			pmm_page_put(ff->pages[i]);
		ff->pages[i] = 0;
	}
}

static inline void fake_file_init(struct fake_file *ff,
				  const unsigned char *data, size_t size,
				  unsigned int accmode)
{
	memset(ff, 0, sizeof(*ff));
	ff->f.priv = ff;
	ff->f.flags = accmode;
	ff->data = data;
	ff->size = size;
}

static uint64_t vm_test_free0, vm_test_heap0;

static inline void vm_test_setup(void)
{
	struct kos_bootinfo bi;

	plat_irq_disable();
	test_bootinfo(&bi, VM_TEST_RAM);
	pmm_init(&bi);
	kmalloc_init();
	sched_init();
	plat_irq_enable();
	vm_set_file_ops(&fake_file_ops);
	vm_set_current_for_test(NULL);
	test_as_live = 0;
	/*
	 * Leave every kmalloc cache holding its one cached empty slab, so
	 * pages the heap keeps after the test do not look like a leak.
	 */
	for (size_t sz = 16; sz <= KMALLOC_MAX_SLAB; sz *= 2)
		kfree(kmalloc(sz));
	vm_test_heap0 = kmalloc_bytes_in_use();
	vm_test_free0 = pmm_free_pages();
}

/* Every test must give back every page and address space. */
static inline void vm_test_teardown(void)
{
	vm_set_current_for_test(NULL);
	vm_set_file_ops(NULL);
	shmem_shutdown();
	ck_assert_int_eq(test_as_live, 0);
	ck_assert_uint_eq(kmalloc_bytes_in_use(), vm_test_heap0);
	ck_assert_uint_eq(pmm_free_pages(), vm_test_free0);
}

static inline TCase *vm_test_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, vm_test_setup, vm_test_teardown);
	tcase_set_timeout(tc, 20);
	return tc;
}

/* The leaf entry for va. */
static inline pte_t vt_pte(struct vm_space *vm, unsigned long va)
{
	return arch_pgt_lookup(vm->pml4, va);
}

/* Direct-map pointer to the frame behind va (must be present). */
static inline unsigned char *vt_frame(struct vm_space *vm, unsigned long va)
{
	pte_t e = vt_pte(vm, va);

	ck_assert_msg(PTE_HOLDS_FRAME(e), "no frame at %#lx", va);
	return (unsigned char *)plat_phys_to_virt(PTE_ADDR(e)) +
	       (va & ~PAGE_MASK);
}

/* Fault like a user access would; returns vm_fault()'s result. */
static inline int vt_touch(struct vm_space *vm, unsigned long va, bool write)
{
	return vm_fault(vm, va,
			PLAT_FAULT_USER | (write ? PLAT_FAULT_WRITE : 0));
}

/* Check the VMA list is exactly the n [start, end) pairs in want. */
static inline void vt_expect_vmas(struct vm_space *vm,
				  const unsigned long (*want)[2], size_t n)
{
	ck_assert_uint_eq(vm->vmas.n, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(vm->vmas.v[i]->start == want[i][0] &&
				      vm->vmas.v[i]->end == want[i][1],
			      "vma %zu is %#lx-%#lx, want %#lx-%#lx", i,
			      vm->vmas.v[i]->start, vm->vmas.v[i]->end,
			      want[i][0], want[i][1]);
	}
}

/* Map anonymous memory at a fixed address; asserts success. */
static inline void vt_map_fixed(struct vm_space *vm, unsigned long addr,
				size_t len, unsigned int prot)
{
	unsigned long r = 0;

	ck_assert_int_eq(vm_map(vm, addr, len, prot,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
				0, &r),
			 0);
	ck_assert_uint_eq(r, addr);
}

#endif
