/*
 * Unit tests for the address-space layer (libkos/mm/vm.c, fault.c,
 * arch/x86_64/pgtable.c) and the mm system calls (libkos/sys/mm.c).
 * Scenarios check the VMA list, walk the page tables, and check that the
 * fake platform's mirror of the tables saw every change (plat_tlb_flush).
 * The teardown checks that every page went back to the allocator.
 */
#include <kos/syscalls.h>
#include <uapi/fcntl.h>

#include "vm_test.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define A 0x10000000UL /* a convenient fixed address */

START_TEST(test_vm_create_destroy_no_leak)
{
	struct vm_space *vm = vm_create();

	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(test_as_live, 1);
	ck_assert_uint_eq(vm->vmas.n, 0);
	ck_assert_uint_eq(arch_pgt_count_tables(vm->pml4), 0);
	ck_assert_uint_eq(vm->mmap_base, VM_MMAP_BASE);
	vm_destroy(vm);
	vm_destroy(NULL);
}
END_TEST

START_TEST(test_vm_mmap_topdown_and_merge)
{
	struct vm_space *vm = vm_create();
	unsigned long a, b;

	ck_assert_int_eq(vm_map(vm, 0, 3 * PG, RW, ANON, NULL, 0, &a), 0);
	ck_assert_uint_eq(a, VM_MMAP_BASE - 3 * PG);
	ck_assert_int_eq(vm_map(vm, 0, 5000, RW, ANON, NULL, 0, &b), 0);
	ck_assert_uint_eq(b, a - 2 * PG);
	/* Adjacent compatible anonymous mappings merge, as in Linux. */
	ck_assert_uint_eq(vm->vmas.n, 1);
	ck_assert_int_eq(vm_map(vm, 0, PG, PROT_READ, ANON, NULL, 0, &a), 0);
	ck_assert_uint_eq(a, b - PG);
	ck_assert_uint_eq(vm->vmas.n, 2);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_mmap_hint)
{
	struct vm_space *vm = vm_create();
	unsigned long a, b;

	ck_assert_int_eq(vm_map(vm, A + 123, PG, RW, ANON, NULL, 0, &a), 0);
	ck_assert_uint_eq(a, A);
	/* Taken: placed elsewhere, top-down. */
	ck_assert_int_eq(vm_map(vm, A, PG, RW, ANON, NULL, 0, &b), 0);
	ck_assert_uint_eq(b, VM_MMAP_BASE - PG);
	/* Below mmap_min_addr: raised to it. */
	ck_assert_int_eq(vm_map(vm, 0x1000, PG, RW, ANON, NULL, 0, &b), 0);
	ck_assert_uint_eq(b, VM_MMAP_MIN);
	/* Below a page it is no hint at all (Linux rounds it down to 0). */
	ck_assert_int_eq(vm_map(vm, 0x100, PG, RW, ANON, NULL, 0, &b), 0);
	ck_assert_uint_eq(b, VM_MMAP_BASE - 2 * PG);
	/* A hint that would not fit below the top is ignored. */
	ck_assert_int_eq(
		vm_map(vm, VM_USER_TOP - PG, 2 * PG, RW, ANON, NULL, 0, &b), 0);
	ck_assert_uint_eq(b, VM_MMAP_BASE - 4 * PG);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_map_fixed_replaces)
{
	struct vm_space *vm = vm_create();
	static const unsigned long want[][2] = {
		{ A, A + PG },
		{ A + PG, A + 2 * PG },
		{ A + 2 * PG, A + 3 * PG },
	};
	uint64_t free0;

	vt_map_fixed(vm, A, 3 * PG, RW);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(vt_touch(vm, A + i * PG, true), 0);
		vt_frame(vm, A + i * PG)[0] = 'a' + i;
	}
	free0 = pmm_free_pages();
	vt_map_fixed(vm, A + PG, PG, PROT_READ);
	vt_expect_vmas(vm, want, 3);
	ck_assert_uint_eq(pmm_free_pages(), free0 + 1);
	ck_assert_uint_eq(vt_pte(vm, A + PG), 0);
	ck_assert_int_eq(vt_touch(vm, A + PG, false), 0);
	ck_assert_int_eq(vt_frame(vm, A + PG)[0], 0);
	ck_assert_int_eq(vt_frame(vm, A)[0], 'a');
	ck_assert_int_eq(vt_frame(vm, A + 2 * PG)[0], 'c');
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_fixed_noreplace)
{
	struct vm_space *vm = vm_create();
	unsigned long r = 0;
	int fl = ANON | MAP_FIXED_NOREPLACE;

	vt_map_fixed(vm, A, 2 * PG, RW);
	ck_assert_int_eq(vm_map(vm, A + PG, PG, RW, fl, NULL, 0, &r), -EEXIST);
	ck_assert_int_eq(vm_map(vm, A - PG, 2 * PG, RW, fl, NULL, 0, &r),
			 -EEXIST);
	ck_assert_int_eq(vm_map(vm, A - PG, PG, RW, fl, NULL, 0, &r), 0);
	ck_assert_uint_eq(r, A - PG);
	ck_assert_int_eq(vm_map(vm, A + 2 * PG + 1, PG, RW, fl, NULL, 0, &r),
			 -EINVAL);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_munmap_middle_splits)
{
	struct vm_space *vm = vm_create();
	static const unsigned long want[][2] = {
		{ A, A + PG },
		{ A + 3 * PG, A + 4 * PG },
	};
	uint64_t free0;

	vt_map_fixed(vm, A, 4 * PG, RW);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(vt_touch(vm, A + i * PG, true), 0);
	vt_frame(vm, A + 3 * PG)[5] = 77;
	free0 = pmm_free_pages();
	ck_assert_int_eq(vm_unmap(vm, A + PG, 2 * PG), 0);
	vt_expect_vmas(vm, want, 2);
	ck_assert_uint_eq(pmm_free_pages(), free0 + 2);
	ck_assert_uint_eq(vt_pte(vm, A + PG), 0);
	ck_assert_uint_eq(vt_pte(vm, A + 2 * PG), 0);
	ck_assert(vt_pte(vm, A) & PTE_P);
	ck_assert_int_eq(vt_frame(vm, A + 3 * PG)[5], 77);
	ck_assert_int_eq(vt_touch(vm, A + PG, false), -EFAULT);
	ck_assert(test_as_mirror_ok(vm->as));
	/* Unmapping nothing is fine; a partial page length rounds up. */
	ck_assert_int_eq(vm_unmap(vm, A + PG, 1), 0);
	ck_assert_int_eq(vm_unmap(vm, A, 1), 0);
	ck_assert_uint_eq(vm->vmas.n, 1);
	ck_assert_int_eq(vm_unmap(vm, A + 1, PG), -EINVAL);
	ck_assert_int_eq(vm_unmap(vm, A, 0), -EINVAL);
	ck_assert_int_eq(vm_unmap(vm, VM_USER_TOP, PG), -EINVAL);
	ck_assert_int_eq(vm_unmap(vm, VM_USER_TOP - PG, 2 * PG), -EINVAL);
	ck_assert_int_eq(vm_unmap(vm, -PG, PG), -EINVAL);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_munmap_frees_page_tables)
{
	struct vm_space *vm = vm_create();
	const unsigned long base = 0x40000000UL; /* 1 GiB aligned */

	vt_map_fixed(vm, base, 4UL << 20, RW);
	for (unsigned long a = base; a < base + (4UL << 20); a += 64 * PG)
		ck_assert_int_eq(vt_touch(vm, a, true), 0);
	ck_assert_uint_eq(arch_pgt_count_tables(vm->pml4),
			  4); /* PDPT PD PT PT */
	ck_assert_int_eq(vm_unmap(vm, base + (2UL << 20), 2UL << 20), 0);
	ck_assert_uint_eq(arch_pgt_count_tables(vm->pml4), 3);
	/* Everything: the tables of the whole first 512 GiB go too. */
	ck_assert_int_eq(vm_unmap(vm, 0, VM_USER_TOP), 0);
	ck_assert_uint_eq(arch_pgt_count_tables(vm->pml4), 0);
	ck_assert_uint_eq(vm->vmas.n, 0);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_mprotect_split_merge_keeps_data)
{
	struct vm_space *vm = vm_create();
	static const unsigned long three[][2] = {
		{ A, A + PG },
		{ A + PG, A + 2 * PG },
		{ A + 2 * PG, A + 3 * PG },
	};
	static const unsigned long one[][2] = { { A, A + 3 * PG } };
	pte_t e;

	vt_map_fixed(vm, A, 3 * PG, RW);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(vt_touch(vm, A + i * PG, true), 0);
		vt_frame(vm, A + i * PG)[1] = 10 + i;
	}
	ck_assert_int_eq(vm_protect(vm, A + PG, PG, PROT_READ), 0);
	vt_expect_vmas(vm, three, 3);
	e = vt_pte(vm, A + PG);
	ck_assert((e & PTE_P) && !(e & PTE_RW) && (e & PTE_NX));
	ck_assert_int_eq(vt_touch(vm, A + PG, true), -EFAULT);
	ck_assert_int_eq(vt_touch(vm, A + PG, false), 0);

	ck_assert_int_eq(vm_protect(vm, A + PG, PG, PROT_NONE), 0);
	e = vt_pte(vm, A + PG);
	ck_assert(!(e & PTE_P) && (e & PTE_PROTNONE));
	ck_assert_int_eq(vt_touch(vm, A + PG, false), -EFAULT);
	ck_assert(test_as_mirror_ok(vm->as));

	ck_assert_int_eq(vm_protect(vm, A, 3 * PG, RW | PROT_EXEC), 0);
	vt_expect_vmas(vm, one, 1);
	e = vt_pte(vm, A + PG);
	ck_assert((e & PTE_P) && (e & PTE_RW) && !(e & PTE_NX));
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(vt_frame(vm, A + i * PG)[1], 10 + i);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_mprotect_errors)
{
	struct vm_space *vm = vm_create();
	static const unsigned long want[][2] = {
		{ A, A + PG },
		{ A + 3 * PG, A + 4 * PG },
	};

	vt_map_fixed(vm, A, PG, RW);
	vt_map_fixed(vm, A + 3 * PG, PG, RW);
	ck_assert_int_eq(vm_protect(vm, A + 1, PG, PROT_READ), -EINVAL);
	ck_assert_int_eq(vm_protect(vm, A, 0, 0x80), 0);
	ck_assert_int_eq(vm_protect(vm, A + 1, 0, 0x80), -EINVAL);
	ck_assert_int_eq(vm_protect(vm, A, PG, 0x80), -EINVAL);
	ck_assert_int_eq(vm_protect(vm, A, PG, PROT_READ | PROT_SEM), 0);
	ck_assert_int_eq(vm_protect(vm, A, -PG, PROT_READ), -ENOMEM);
	ck_assert_int_eq(vm_protect(vm, A, PG, PROT_GROWSDOWN | PROT_GROWSUP),
			 -EINVAL);
	ck_assert_int_eq(vm_protect(vm, A, PG, PROT_GROWSDOWN | PROT_READ),
			 -EINVAL);
	ck_assert_int_eq(vm_protect(vm, A + PG, PG, PROT_READ), -ENOMEM);
	/* A hole: the part before it is changed anyway (Linux does). */
	ck_assert_int_eq(vm_protect(vm, A, 4 * PG, PROT_EXEC), -ENOMEM);
	ck_assert_uint_eq(vm->vmas.v[0]->prot, PROT_EXEC);
	ck_assert_uint_eq(vm->vmas.v[1]->prot, RW);
	vt_expect_vmas(vm, want, 2);
	ck_assert_int_eq(vm_protect(vm, VM_USER_TOP, PG, PROT_READ), -ENOMEM);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_fault_demand_zero)
{
	struct vm_space *vm = vm_create();
	pte_t e;

	vt_map_fixed(vm, A, 2 * PG, PROT_READ);
	ck_assert_int_eq(vt_touch(vm, A + 5, false), 0);
	e = vt_pte(vm, A);
	ck_assert((e & PTE_P) && (e & PTE_US) && !(e & PTE_RW) &&
		  (e & PTE_NX) && (e & PTE_OWNED));
	for (size_t i = 0; i < PG; i++)
		ck_assert_int_eq(vt_frame(vm, A)[i], 0);
	/* Spurious second fault: nothing changes. */
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	ck_assert_uint_eq(vt_pte(vm, A), e);
	ck_assert_int_eq(vt_touch(vm, A + PG, true), -EFAULT);
	ck_assert_int_eq(vm_fault(vm, A, PLAT_FAULT_EXEC | PLAT_FAULT_USER),
			 -EFAULT);
	ck_assert_int_eq(vt_touch(vm, A + 2 * PG, false), -EFAULT);
	ck_assert_int_eq(vt_touch(vm, 0, false), -EFAULT);
	ck_assert_int_eq(vt_touch(vm, VM_USER_TOP, false), -EFAULT);
	ck_assert_int_eq(vt_touch(vm, 0xffff800000000000UL, false), -EFAULT);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

/* How many pages of [va, va + n pages) have a present entry. */
static unsigned int present_pages(struct vm_space *vm, unsigned long va,
				  unsigned int n)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < n; i++)
		k += (vt_pte(vm, va + i * PG) & PTE_P) != 0;
	return k;
}

/*
 * Anonymous fault-around (a hosted platform's 15 pages): a fault fills
 * its page and 15 after it; a fault on the page right after that window
 * fills twice as many plus one (31), then 63 at most; a fault anywhere
 * else starts over at 15; the window never leaves the VMA or the page
 * table.
 */
START_TEST(test_vm_fault_around_grows_in_order)
{
	struct vm_space *vm = vm_create();
	const unsigned long B = A + 512 * PG;  /* a page table's start */
	const unsigned long C = A + 2048 * PG; /* another one */

	test_fault_around = 15;
	vt_map_fixed(vm, B, 300 * PG, RW);
	ck_assert_int_eq(vt_touch(vm, B, true), 0);
	ck_assert_uint_eq(present_pages(vm, B, 300), 16);
	ck_assert_int_eq(vt_touch(vm, B + 16 * PG, true), 0);
	ck_assert_uint_eq(present_pages(vm, B, 300), 16 + 32);
	ck_assert_int_eq(vt_touch(vm, B + 48 * PG, true), 0);
	ck_assert_uint_eq(present_pages(vm, B, 300), 48 + 64);
	ck_assert_int_eq(vt_touch(vm, B + 112 * PG, true), 0);
	ck_assert_uint_eq(present_pages(vm, B, 300), 112 + 64);
	/* Out of order: back to 16 pages. */
	ck_assert_int_eq(vt_touch(vm, B + 200 * PG, false), 0);
	ck_assert_uint_eq(present_pages(vm, B + 176 * PG, 124), 16);
	/* In order again, but the VMA ends at 300. */
	ck_assert_int_eq(vt_touch(vm, B + 216 * PG, false), 0);
	ck_assert_uint_eq(present_pages(vm, B + 176 * PG, 124), 16 + 32);
	ck_assert_int_eq(vt_touch(vm, B + 248 * PG, false), 0);
	ck_assert_uint_eq(present_pages(vm, B, 300), 300 - 24);
	ck_assert_uint_eq(vt_pte(vm, B + 300 * PG) & PTE_P, 0);
	for (size_t i = 0; i < PG; i++)
		ck_assert_int_eq(vt_frame(vm, B + 299 * PG)[i], 0);
	/*
	 * Four pages before a page table ends: the window stops there;
	 * the next fault, the table's first page, is in order.
	 */
	vt_map_fixed(vm, C - 4 * PG, 64 * PG, RW);
	ck_assert_int_eq(vt_touch(vm, C - 4 * PG, true), 0);
	ck_assert_uint_eq(present_pages(vm, C - 4 * PG, 64), 4);
	ck_assert_int_eq(vt_touch(vm, C, true), 0);
	ck_assert_uint_eq(present_pages(vm, C - 4 * PG, 64), 4 + 32);
	ck_assert(test_as_mirror_ok(vm->as));
	test_fault_around = 0;
	vm_destroy(vm);
}
END_TEST

static unsigned char file_data[4 * 4096];

static void fill_file_data(void)
{
	for (size_t i = 0; i < sizeof(file_data); i++)
		file_data[i] = (unsigned char)(i * 7 + 3);
}

START_TEST(test_vm_file_private_fault)
{
	struct vm_space *vm = vm_create();
	struct fake_file ff;
	unsigned long r;
	unsigned char *p;

	fill_file_data();
	fake_file_init(&ff, file_data, 5000, 0);
	ck_assert_int_eq(vm_map(vm, A, 3 * PG, RW, MAP_PRIVATE | MAP_FIXED,
				&ff.f, 0, &r),
			 0);
	ck_assert_int_eq(ff.refs, 1);
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	ck_assert_mem_eq(vt_frame(vm, A), file_data, PG);
	ck_assert_int_eq(vt_touch(vm, A + PG + 10, true), 0);
	p = vt_frame(vm, A + PG);
	ck_assert_mem_eq(p, file_data + PG, 5000 - PG);
	for (size_t i = 5000 - PG; i < PG; i++)
		ck_assert_int_eq(p[i], 0);
	ck_assert(vt_pte(vm, A + PG) & PTE_RW);
	/* Wholly past EOF: SIGBUS, and nothing mapped. */
	ck_assert_int_eq(vt_touch(vm, A + 2 * PG, false), VM_FAULT_SIGBUS);
	ck_assert_uint_eq(vt_pte(vm, A + 2 * PG), 0);
	/* Splitting keeps offsets; each half holds a reference. */
	ck_assert_int_eq(vm_unmap(vm, A + PG, PG), 0);
	ck_assert_int_eq(ff.refs, 2);
	ck_assert_uint_eq(vm->vmas.v[1]->off, 2 * PG);
	ck_assert_int_eq(vm_unmap(vm, A + 2 * PG, PG), 0);
	ck_assert_int_eq(ff.refs, 1);
	/* An offset mapping reads from there; a read error is SIGBUS. */
	ck_assert_int_eq(vm_map(vm, A + 8 * PG, PG, PROT_READ,
				MAP_PRIVATE | MAP_FIXED, &ff.f, PG, &r),
			 0);
	ck_assert_int_eq(vt_touch(vm, A + 8 * PG, false), 0);
	ck_assert_mem_eq(vt_frame(vm, A + 8 * PG), file_data + PG, 904);
	ck_assert_int_eq(vm_map(vm, A + 9 * PG, PG, PROT_READ,
				MAP_PRIVATE | MAP_FIXED, &ff.f, 0, &r),
			 0);
	ff.fail = true;
	ck_assert_int_eq(vt_touch(vm, A + 9 * PG, false), VM_FAULT_SIGBUS);
	ck_assert_int_eq(
		vm_map(vm, A, PG, RW, MAP_PRIVATE | MAP_FIXED, &ff.f, 123, &r),
		-EINVAL);
	ck_assert_int_eq(vm_map(vm, A, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED,
				&ff.f, -PG, &r),
			 -EOVERFLOW);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
	ck_assert_int_eq(ff.refs, 0);
}
END_TEST

/* A fake file with a page cache, open for reading (and writing if rw). */
static void paged_file(struct fake_file *ff, size_t size, bool rw)
{
	fill_file_data();
	fake_file_init(ff, file_data, size, rw ? O_RDWR : O_RDONLY);
	ff->f.fmode = FMODE_READ | (rw ? FMODE_WRITE : 0);
	ff->paged = true;
}

START_TEST(test_vm_file_shared_maps_page_cache)
{
	struct vm_space *vm = vm_create();
	struct fake_file ff;
	unsigned long r;
	char k[4];
	pte_t e;

	paged_file(&ff, 5000, true);
	ck_assert_int_eq(
		vm_map(vm, A, 3 * PG, RW, MAP_SHARED | MAP_FIXED, &ff.f, 0, &r),
		0);
	ck_assert(vm->vmas.v[0]->flags & VMA_SHARED);
	/* A read fault maps the file's own page, writable, not COW. */
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	e = vt_pte(vm, A);
	ck_assert_uint_eq(PTE_ADDR(e), ff.pages[0]);
	ck_assert((e & PTE_RW) && (e & PTE_OWNED) && !(e & PTE_COW));
	ck_assert_uint_eq(pmm_page_refs(ff.pages[0]), 2);
	ck_assert_uint_eq(pmm_page_mapcount(ff.pages[0]), 1);
	/* Stores are the file's data; the file's changes show through. */
	ck_assert_int_eq(vm_copy_to(vm, A + 3, "X", 1), 0);
	ck_assert_int_eq(fake_page(&ff, 0)[3], 'X');
	fake_page(&ff, 0)[5] = 'Y';
	ck_assert_int_eq(vm_copy_from(vm, k, A + 3, 3), 0);
	ck_assert_int_eq(k[0], 'X');
	ck_assert_int_eq(k[2], 'Y');
	/* The partial last page too; wholly past EOF is SIGBUS. */
	ck_assert_int_eq(vt_touch(vm, A + PG + 10, true), 0);
	ck_assert_uint_eq(PTE_ADDR(vt_pte(vm, A + PG)), ff.pages[1]);
	ck_assert_int_eq(vt_touch(vm, A + 2 * PG, false), VM_FAULT_SIGBUS);
	ck_assert_uint_eq(vt_pte(vm, A + 2 * PG), 0);
	/* Unmapping drops the mapping's reference, not the file's. */
	ck_assert_int_eq(vm_unmap(vm, A, PG), 0);
	ck_assert_uint_eq(pmm_page_refs(ff.pages[0]), 1);
	ck_assert_uint_eq(pmm_page_mapcount(ff.pages[0]), 0);
	ck_assert_int_eq(fake_page(&ff, 0)[3], 'X');
	/* A mapping that outlives the file's copy keeps the frame alive. */
	ck_assert_uint_eq(pmm_page_refs(ff.pages[1]), 2);
	pmm_page_put(ff.pages[1]);
	ff.pages[1] = 0;
	ck_assert_int_eq(vm_copy_to(vm, A + PG, "Z", 1), 0);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
	ck_assert_int_eq(ff.refs, 0);
	fake_file_release(&ff);
}
END_TEST

START_TEST(test_vm_file_shared_write_notify)
{
	struct vm_space *vm = vm_create();
	struct fake_file ff;
	unsigned long r;
	pte_t e;

	paged_file(&ff, 3 * PG, true);
	ff.wnotify = true;
	ck_assert_int_eq(
		vm_map(vm, A, 3 * PG, RW, MAP_SHARED | MAP_FIXED, &ff.f, 0, &r),
		0);
	/* A read fault maps the file's page read-only, to hear of stores */
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	e = vt_pte(vm, A);
	ck_assert_uint_eq(PTE_ADDR(e), ff.pages[0]);
	ck_assert(!(e & PTE_RW) && (e & PTE_WNOTIFY) && !(e & PTE_COW));
	ck_assert_int_eq(ff.mkwrites, 0);
	/* mprotect does not make it writable behind the file's back */
	ck_assert_int_eq(vm_protect(vm, A, PG, PROT_READ), 0);
	ck_assert_int_eq(vm_protect(vm, A, PG, RW), 0);
	ck_assert(!(vt_pte(vm, A) & PTE_RW));
	/* the first store tells the file, then the entry is writable */
	ck_assert_int_eq(vt_touch(vm, A, true), 0);
	ck_assert_int_eq(ff.mkwrites, 1);
	e = vt_pte(vm, A);
	ck_assert((e & PTE_RW) && !(e & PTE_WNOTIFY));
	ck_assert_int_eq(vm_copy_to(vm, A + 1, "W", 1), 0);
	ck_assert_int_eq(ff.mkwrites, 1);
	ck_assert_int_eq(fake_page(&ff, 0)[1], 'W');
	/* a write fault on a missing page tells the file at once */
	ck_assert_int_eq(vt_touch(vm, A + PG, true), 0);
	ck_assert_int_eq(ff.mkwrites, 2);
	ck_assert(vt_pte(vm, A + PG) & PTE_RW);
	/* msync: MS_SYNC writes the file back, MS_ASYNC does not */
	ck_assert_int_eq(vm_msync(vm, A, 3 * PG, false), 0);
	ck_assert_int_eq(ff.fsyncs, 0);
	ck_assert_int_eq(vm_msync(vm, A, 3 * PG, true), 0);
	ck_assert_int_eq(ff.fsyncs, 1);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
	ck_assert_int_eq(ff.refs, 0);
	fake_file_release(&ff);
}
END_TEST

/*
 * File fault-around (hosted): in a mapping of a file nobody may write
 * or truncate (FMODE_DENY_WRITE: a running program's), a read fault that
 * maps a page-cache page maps those of the file's next pages that are in
 * the cache already, as read faults on them would (COW when private,
 * write-notified when shared and the file asks), up to the file's end;
 * nothing is read or allocated for the others.  A write fault, a file
 * without a page cache, or one without FMODE_DENY_WRITE (truncation
 * would leave such pages stale), maps only its own page.
 */
START_TEST(test_vm_file_fault_around)
{
	const unsigned long B = A + 512 * PG, C = A + 1024 * PG;
	const unsigned long D = A + 1536 * PG, E = A + 2048 * PG;
	struct vm_space *vm = vm_create();
	struct fake_file ff, plain;
	unsigned long r;
	paddr_t pa;
	pte_t e;

	test_fault_around = 15;
	paged_file(&ff, 4 * PG - 100, true);
	ff.wnotify = true;
	ff.f.fmode |= FMODE_DENY_WRITE;
	ck_assert_int_eq(vm_map(vm, A, 6 * PG, RW, MAP_PRIVATE | MAP_FIXED,
				&ff.f, 0, &r),
			 0);
	/* Nothing else cached yet: the faulting page alone. */
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	ck_assert_uint_eq(present_pages(vm, A, 6), 1);
	ck_assert_int_eq(ff.getpages, 1);
	ck_assert(ff.pages[1] == 0 && ff.pages[2] == 0 && ff.pages[3] == 0);
	/* Pages 1 and 3 cached (2 is not): the next fault maps both. */
	for (int i = 1; i < 4; i += 2) {
		ck_assert_int_eq(fake_getpage(&ff.f, i, &pa), 0);
		pmm_page_put(pa);
	}
	ck_assert_int_eq(vm_map(vm, E, 6 * PG, RW, MAP_PRIVATE | MAP_FIXED,
				&ff.f, 0, &r),
			 0);
	ck_assert_int_eq(vt_touch(vm, E, false), 0);
	ck_assert_uint_eq(present_pages(vm, E, 6), 3); /* 0, 1, 3 */
	ck_assert_uint_eq(vt_pte(vm, E + 2 * PG), 0);
	ck_assert(ff.pages[2] == 0);
	ck_assert_int_eq(ff.getpages, 4); /* two faults', our two: no more */
	ck_assert_int_eq(vm_unmap(vm, A, 6 * PG), 0);
	for (int i = 0; i < 4; i += 1 + (i == 1)) {
		e = vt_pte(vm, E + i * PG);
		ck_assert_uint_eq(PTE_ADDR(e), ff.pages[i]);
		ck_assert(!(e & PTE_RW) && (e & PTE_COW) && (e & PTE_OWNED));
		ck_assert_uint_eq(pmm_page_refs(ff.pages[i]), 2);
		ck_assert_uint_eq(pmm_page_mapcount(ff.pages[i]), 1);
	}
	/* A store into one of them copies it; the file stays. */
	ck_assert_int_eq(vm_copy_to(vm, E + PG + 5, "Q", 1), 0);
	ck_assert_uint_ne(PTE_ADDR(vt_pte(vm, E + PG)), ff.pages[1]);
	ck_assert_int_eq(fake_page(&ff, 1)[5], file_data[PG + 5]);
	ck_assert_int_eq(vt_touch(vm, E + 4 * PG, false), VM_FAULT_SIGBUS);
	/* A write fault maps its own copy only. */
	ck_assert_int_eq(vm_map(vm, B, 4 * PG, RW, MAP_PRIVATE | MAP_FIXED,
				&ff.f, 0, &r),
			 0);
	ck_assert_int_eq(vt_touch(vm, B, true), 0);
	ck_assert_uint_eq(present_pages(vm, B, 4), 1);
	/* Shared: the pages themselves, read-only until the file hears. */
	ck_assert_int_eq(
		vm_map(vm, C, 4 * PG, RW, MAP_SHARED | MAP_FIXED, &ff.f, 0, &r),
		0);
	ck_assert_int_eq(vt_touch(vm, C, false), 0);
	ck_assert_uint_eq(present_pages(vm, C, 4), 3);
	e = vt_pte(vm, C + 3 * PG);
	ck_assert_uint_eq(PTE_ADDR(e), ff.pages[3]);
	ck_assert(!(e & PTE_RW) && (e & PTE_WNOTIFY) && !(e & PTE_COW));
	ck_assert_int_eq(ff.mkwrites, 0);
	ck_assert_int_eq(vt_touch(vm, C + 3 * PG, true), 0);
	ck_assert_int_eq(ff.mkwrites, 1);
	/* No page cache: private copies read one at a time. */
	fake_file_init(&plain, file_data, 3 * PG, 0);
	ck_assert_int_eq(vm_map(vm, D, 3 * PG, RW, MAP_PRIVATE | MAP_FIXED,
				&plain.f, 0, &r),
			 0);
	ck_assert_int_eq(vt_touch(vm, D, false), 0);
	ck_assert_uint_eq(present_pages(vm, D, 3), 1);
	/* A file that may be truncated: its own page only. */
	ff.f.fmode &= ~FMODE_DENY_WRITE;
	ck_assert_int_eq(vm_unmap(vm, E, 6 * PG), 0);
	ck_assert_int_eq(vm_map(vm, E, 4 * PG, PROT_READ,
				MAP_PRIVATE | MAP_FIXED, &ff.f, 0, &r),
			 0);
	ck_assert_int_eq(vt_touch(vm, E, false), 0);
	ck_assert_uint_eq(present_pages(vm, E, 4), 1);
	ck_assert(test_as_mirror_ok(vm->as));
	test_fault_around = 0;
	vm_destroy(vm);
	ck_assert_int_eq(ff.refs, 0);
	ck_assert_int_eq(plain.refs, 0);
	for (int i = 0; i < 4; i += 1 + (i == 1))
		ck_assert_uint_eq(pmm_page_refs(ff.pages[i]), 1);
	ck_assert(ff.pages[2] == 0); /* never read: a hole stays one */
	fake_file_release(&ff);
}
END_TEST

START_TEST(test_vm_file_private_copy_on_write)
{
	struct vm_space *vm = vm_create();
	struct fake_file ff;
	unsigned long r;
	unsigned char k;
	pte_t e;

	paged_file(&ff, 3 * PG, false);
	ck_assert_int_eq(vm_map(vm, A, 3 * PG, RW, MAP_PRIVATE | MAP_FIXED,
				&ff.f, 0, &r),
			 0);
	/* Read: the page-cache page itself, read-only, copy-on-write. */
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	e = vt_pte(vm, A);
	ck_assert_uint_eq(PTE_ADDR(e), ff.pages[0]);
	ck_assert(!(e & PTE_RW) && (e & PTE_COW) && (e & PTE_OWNED));
	ck_assert_uint_eq(pmm_page_refs(ff.pages[0]), 2);
	ck_assert_uint_eq(pmm_page_mapcount(ff.pages[0]), 1);
	/* Until it writes, the mapping sees the file change. */
	fake_page(&ff, 0)[7] = 0xaa;
	ck_assert_int_eq(vm_copy_from(vm, &k, A + 7, 1), 0);
	ck_assert_int_eq(k, 0xaa);
	/* A write copies: its own page, the file untouched. */
	ck_assert_int_eq(vt_touch(vm, A + 8, true), 0);
	e = vt_pte(vm, A);
	ck_assert_uint_ne(PTE_ADDR(e), ff.pages[0]);
	ck_assert((e & PTE_RW) && !(e & PTE_COW));
	ck_assert_uint_eq(pmm_page_refs(ff.pages[0]), 1);
	ck_assert_uint_eq(pmm_page_mapcount(ff.pages[0]), 0);
	ck_assert_uint_eq(pmm_page_mapcount(PTE_ADDR(e)), 1);
	ck_assert_mem_eq(vt_frame(vm, A), fake_page(&ff, 0), PG);
	ck_assert_int_eq(vm_copy_to(vm, A + 7, "Q", 1), 0);
	ck_assert_int_eq(fake_page(&ff, 0)[7], 0xaa);
	fake_page(&ff, 0)[9] = 0x11;
	ck_assert_int_ne(vt_frame(vm, A)[9], 0x11);
	/* A first write copies at once, without mapping the cache page. */
	ck_assert_int_eq(vm_copy_to(vm, A + PG, "W", 1), 0);
	ck_assert_uint_ne(PTE_ADDR(vt_pte(vm, A + PG)), ff.pages[1]);
	ck_assert_uint_eq(pmm_page_refs(ff.pages[1]), 1);
	ck_assert_int_eq(fake_page(&ff, 1)[0], file_data[PG]);
	/* mprotect never makes a COW entry writable. */
	ck_assert_int_eq(vm_protect(vm, A + 2 * PG, PG, PROT_READ), 0);
	ck_assert_int_eq(vt_touch(vm, A + 2 * PG, false), 0);
	ck_assert_int_eq(vm_protect(vm, A + 2 * PG, PG, RW), 0);
	e = vt_pte(vm, A + 2 * PG);
	ck_assert(!(e & PTE_RW) && (e & PTE_COW));
	ck_assert_int_eq(vt_touch(vm, A + 2 * PG, false), 0);
	ck_assert(!(vt_pte(vm, A + 2 * PG) & PTE_RW));
	/* PROT_NONE and back keeps it COW. */
	ck_assert_int_eq(vm_protect(vm, A + 2 * PG, PG, PROT_NONE), 0);
	ck_assert_int_eq(vm_protect(vm, A + 2 * PG, PG, RW), 0);
	ck_assert_uint_eq(PTE_ADDR(vt_pte(vm, A + 2 * PG)), ff.pages[2]);
	ck_assert_int_eq(vt_touch(vm, A + 2 * PG, true), 0);
	ck_assert_uint_ne(PTE_ADDR(vt_pte(vm, A + 2 * PG)), ff.pages[2]);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
	ck_assert_uint_eq(pmm_page_refs(ff.pages[0]), 1);
	fake_file_release(&ff);
}
END_TEST

START_TEST(test_vm_file_cow_forced_and_readonly_shared)
{
	struct vm_space *vm = vm_create();
	struct fake_file ff, nc;
	unsigned long r;
	pte_t e;

	paged_file(&ff, 2 * PG, false);
	/* A debugger-style write into a read-only private page copies. */
	ck_assert_int_eq(vm_map(vm, A, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED,
				&ff.f, 0, &r),
			 0);
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	ck_assert_int_eq(vm_write_kernel(vm, A + 1, "K", 1), 0);
	e = vt_pte(vm, A);
	ck_assert_uint_ne(PTE_ADDR(e), ff.pages[0]);
	ck_assert(!(e & PTE_RW) && !(e & PTE_COW));
	ck_assert_int_eq(vt_frame(vm, A)[1], 'K');
	ck_assert_int_eq(fake_page(&ff, 0)[1], file_data[1]);
	/* MAP_SHARED of a read-only file: never writable, as Linux. */
	ck_assert_int_eq(vm_map(vm, A + 4 * PG, PG, PROT_READ,
				MAP_SHARED | MAP_FIXED, &ff.f, PG, &r),
			 0);
	ck_assert(vm->vmas.v[1]->flags & VMA_NOWRITE);
	ck_assert(!(vm->vmas.v[1]->flags & VMA_SHARED));
	ck_assert_int_eq(vm_protect(vm, A + 4 * PG, PG, RW), -EACCES);
	ck_assert_int_eq(vm_protect(vm, A + 4 * PG, PG, PROT_EXEC), 0);
	ck_assert_int_eq(vt_touch(vm, A + 4 * PG, false), 0);
	ck_assert_uint_eq(PTE_ADDR(vt_pte(vm, A + 4 * PG)), ff.pages[1]);
	ck_assert_int_eq(vt_touch(vm, A + 4 * PG, true), -EFAULT);
	/* Shared without a page cache: nothing to share, SIGBUS. */
	fake_file_init(&nc, file_data, PG, O_RDWR);
	nc.f.fmode = FMODE_READ | FMODE_WRITE;
	ck_assert_int_eq(vm_map(vm, A + 8 * PG, PG, RW, MAP_SHARED | MAP_FIXED,
				&nc.f, 0, &r),
			 0);
	ck_assert_int_eq(vt_touch(vm, A + 8 * PG, false), VM_FAULT_SIGBUS);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
	fake_file_release(&ff);
}
END_TEST

START_TEST(test_vm_madvise_dontneed)
{
	struct vm_space *vm = vm_create();
	struct fake_file ff;
	unsigned long r;

	fill_file_data();
	fake_file_init(&ff, file_data, sizeof(file_data), 0);
	vt_map_fixed(vm, A, 2 * PG, RW);
	ck_assert_int_eq(vm_map(vm, A + 4 * PG, PG, RW, MAP_PRIVATE | MAP_FIXED,
				&ff.f, 0, &r),
			 0);
	ck_assert_int_eq(vt_touch(vm, A, true), 0);
	ck_assert_int_eq(vt_touch(vm, A + 4 * PG, true), 0);
	vt_frame(vm, A)[9] = 99;
	vt_frame(vm, A + 4 * PG)[0] = 0x55;
	ck_assert_int_eq(vm_madvise(vm, A, 2 * PG, MADV_DONTNEED), 0);
	ck_assert_uint_eq(vt_pte(vm, A), 0);
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	ck_assert_int_eq(vt_frame(vm, A)[9], 0);
	/* Over a hole: still applied, then -ENOMEM. */
	ck_assert_int_eq(vm_madvise(vm, A, 5 * PG, MADV_DONTNEED), -ENOMEM);
	ck_assert_uint_eq(vt_pte(vm, A + 4 * PG), 0);
	ck_assert_int_eq(vt_touch(vm, A + 4 * PG, false), 0);
	ck_assert_int_eq(vt_frame(vm, A + 4 * PG)[0], file_data[0]);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_madvise_errors_and_hints)
{
	struct vm_space *vm = vm_create();
	struct fake_file ff;
	unsigned long r;

	fake_file_init(&ff, file_data, sizeof(file_data), 0);
	vt_map_fixed(vm, A, 2 * PG, RW);
	ck_assert_int_eq(vm_map(vm, A + 4 * PG, PG, RW, MAP_PRIVATE | MAP_FIXED,
				&ff.f, 0, &r),
			 0);
	ck_assert_int_eq(vm_madvise(vm, A, PG, 999), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, 0, 999), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, 0, MADV_DONTNEED), 0);
	ck_assert_int_eq(vm_madvise(vm, A + 1, PG, MADV_DONTNEED), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, -PG, MADV_DONTNEED), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, PG, MADV_REMOVE), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, PG, MADV_COLLAPSE), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, PG, MADV_HWPOISON), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, PG, MADV_NORMAL), 0);
	ck_assert_int_eq(vm_madvise(vm, A, PG, MADV_WILLNEED), 0);
	ck_assert_int_eq(vm_madvise(vm, A, PG, MADV_HUGEPAGE), 0);
	ck_assert_int_eq(vm_madvise(vm, A, PG, MADV_FREE), 0);
	ck_assert_int_eq(vm_madvise(vm, A + 4 * PG, PG, MADV_FREE), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A + 4 * PG, PG, MADV_WIPEONFORK),
			 -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A + 8 * PG, PG, MADV_NORMAL), -ENOMEM);
	/* Flag advice splits exactly. */
	ck_assert_int_eq(vm_madvise(vm, A + PG, PG, MADV_DONTFORK), 0);
	ck_assert_uint_eq(vm->vmas.n, 3);
	ck_assert(vm->vmas.v[1]->flags & VMA_DONTFORK);
	ck_assert_int_eq(vm_madvise(vm, A + PG, PG, MADV_DOFORK), 0);
	ck_assert_uint_eq(vm->vmas.n, 2);
	ck_assert_int_eq(vm_madvise(vm, A, 2 * PG, MADV_POPULATE_WRITE), 0);
	ck_assert(vt_pte(vm, A + PG) & PTE_RW);
	vm_destroy(vm);
}
END_TEST

/* RLIMIT_DATA: private writable mappings and brk stop at the limit. */
START_TEST(test_vm_data_limit)
{
	struct vm_space *vm = vm_create();
	unsigned long a;

	vm_set_brk_base(vm, 0x600000);
	vt_map_fixed(vm, 0x400000, 2 * PG, RW);
	vm_set_data_limit(vm, 3 * PG);
	/* One more data page fits, a second does not. */
	ck_assert_int_eq(vm_map(vm, 0, PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &a),
			 0);
	ck_assert_int_eq(vm_map(vm, 0, PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &a),
			 -ENOMEM);
	ck_assert_uint_eq(vm_brk(vm, 0x600000 + PG), 0x600000);
	/* Read-only and shared memory are not data. */
	ck_assert_int_eq(vm_map(vm, 0, PG, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &a),
			 0);
	ck_assert_int_eq(vm_map(vm, 0, PG, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, NULL, 0, &a),
			 0);
	/* Replacing data pages in place does not count them twice. */
	ck_assert_int_eq(vm_map(vm, 0x400000, PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
				0, &a),
			 0);
	vm_set_data_limit(vm, UINT64_MAX);
	ck_assert_uint_eq(vm_brk(vm, 0x600000 + PG), 0x600000 + PG);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_brk)
{
	struct vm_space *vm = vm_create();
	const unsigned long base = 0x600123;
	uint64_t free0;

	vm_set_brk_base(vm, base);
	ck_assert_uint_eq(vm_brk(vm, 0), base);
	ck_assert_uint_eq(vm_brk(vm, base - 1), base);
	ck_assert_uint_eq(vm_brk(vm, base + 10000), base + 10000);
	ck_assert_uint_eq(vm->vmas.n, 1);
	ck_assert_uint_eq(vm->vmas.v[0]->start, 0x601000);
	ck_assert_uint_eq(vm->vmas.v[0]->end, ALIGN_UP(base + 10000, PG));
	ck_assert_str_eq(vm->vmas.v[0]->name, "[heap]");
	ck_assert_int_eq(vt_touch(vm, base + 9999, true), 0);
	vt_frame(vm, base + 9999)[0] = 42;
	/* Growth is one VMA. */
	ck_assert_uint_eq(vm_brk(vm, base + 5 * PG), base + 5 * PG);
	ck_assert_uint_eq(vm->vmas.n, 1);
	/* Shrinking frees the pages; growing again gives zeros. */
	free0 = pmm_free_pages();
	ck_assert_uint_eq(vm_brk(vm, base), base);
	ck_assert_uint_eq(vm->vmas.n, 0);
	ck_assert_uint_eq(pmm_free_pages(), free0 + 1);
	ck_assert_uint_eq(vm_brk(vm, base + 10000), base + 10000);
	ck_assert_int_eq(vt_touch(vm, base + 9999, false), 0);
	ck_assert_int_eq(vt_frame(vm, base + 9999)[0], 0);
	/* Colliding with a mapping: the old break stays. */
	vt_map_fixed(vm, 0x700000, PG, RW);
	ck_assert_uint_eq(vm_brk(vm, 0x700001), base + 10000);
	/* Like Linux, a page above the break stays free. */
	ck_assert_uint_eq(vm_brk(vm, 0x700000), base + 10000);
	ck_assert_uint_eq(vm_brk(vm, 0x700000 - PG), 0x700000 - PG);
	ck_assert_uint_eq(vm_brk(vm, -PG), 0x700000 - PG);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_stack_grows_down)
{
	struct vm_space *vm = vm_create();
	const unsigned long top = VM_USER_TOP;

	ck_assert_int_eq(vm_map_stack(vm, top, 32 * PG), 0);
	ck_assert_str_eq(vm->vmas.v[0]->name, "[stack]");
	ck_assert_int_eq(vt_touch(vm, top - 8, true), 0);
	ck_assert_int_eq(vt_touch(vm, top - 40 * PG, true), 0);
	ck_assert_uint_eq(vm->vmas.v[0]->start, top - 40 * PG);
	ck_assert_int_eq(vt_touch(vm, top - VM_STACK_MAX, true), 0);
	ck_assert_int_eq(vt_touch(vm, top - VM_STACK_MAX - 1, true), -EFAULT);
	/* mmap keeps a guard gap below the stack. */
	vm->mmap_base = VM_USER_TOP;
	{
		unsigned long r;

		ck_assert_int_eq(vm_map(vm, 0, PG, RW, ANON, NULL, 0, &r), 0);
		ck_assert_uint_le(r + PG,
				  top - VM_STACK_MAX - VM_STACK_GUARD_GAP);
	}
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_msync)
{
	struct vm_space *vm = vm_create();

	vm_set_current_for_test(vm);
	vt_map_fixed(vm, A, 2 * PG, RW);
	vt_map_fixed(vm, A + 3 * PG, PG, RW);
	ck_assert_int_eq(sys_msync(A, 2 * PG, MS_SYNC), 0);
	ck_assert_int_eq(sys_msync(A, 1, MS_ASYNC | MS_INVALIDATE), 0);
	ck_assert_int_eq(sys_msync(A, 0, 0), 0);
	ck_assert_int_eq(sys_msync(A, -1UL, 0), 0); /* rounds to 0 */
	ck_assert_int_eq(sys_msync(A + 1, PG, 0), -EINVAL);
	ck_assert_int_eq(sys_msync(A, PG, 8), -EINVAL);
	ck_assert_int_eq(sys_msync(A, PG, MS_ASYNC | MS_SYNC), -EINVAL);
	ck_assert_int_eq(sys_msync(A, 4 * PG, MS_SYNC), -ENOMEM);
	ck_assert_int_eq(sys_msync(A + 2 * PG, PG, MS_SYNC), -ENOMEM);
	ck_assert_int_eq(sys_msync(A + 8 * PG, PG, MS_SYNC), -ENOMEM);
	ck_assert_int_eq(sys_msync(-PG, 2 * PG, MS_SYNC), -ENOMEM);
	vm_set_current_for_test(NULL);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_sys_errnos)
{
	struct vm_space *vm = vm_create();
	long a;

	vm_set_current_for_test(vm);
	ck_assert_int_eq(sys_mmap(0, 0, PROT_READ, ANON, -1, 0), -EINVAL);
	ck_assert_int_eq(sys_mmap(0, PG, PROT_READ, MAP_ANONYMOUS, -1, 0),
			 -EINVAL);
	ck_assert_int_eq(sys_mmap(0, PG, PROT_READ,
				  MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0),
			 -EINVAL);
	ck_assert_int_eq(sys_mmap(0, PG, PROT_READ, 0xf | MAP_ANONYMOUS, -1, 0),
			 -EINVAL);
	ck_assert_int_eq(sys_mmap(0, PG, PROT_READ, ANON, -1, 1), -EINVAL);
	ck_assert_int_eq(sys_mmap(0, PG, PROT_READ, MAP_PRIVATE, -1, 0),
			 -EBADF);
	ck_assert_int_eq(sys_mmap(0, 0, PROT_READ, MAP_PRIVATE, 99, 0), -EBADF);
	ck_assert_int_eq(sys_mmap(0, 0, PROT_READ, MAP_PRIVATE, 99, 1),
			 -EINVAL);
	ck_assert_int_eq(sys_mmap(0, -PG, PROT_READ, ANON, -1, 0), -ENOMEM);
	ck_assert_int_eq(sys_mmap(0, -1UL, PROT_READ, ANON, -1, 0), -ENOMEM);
	ck_assert_int_eq(sys_mmap(0, 1UL << 47, PROT_READ, ANON, -1, 0),
			 -ENOMEM);
	ck_assert_int_eq(
		sys_mmap(0x10001, PG, PROT_READ, ANON | MAP_FIXED, -1, 0),
		-EINVAL);
	ck_assert_int_eq(
		sys_mmap(VM_USER_TOP, PG, PROT_READ, ANON | MAP_FIXED, -1, 0),
		-ENOMEM);
	ck_assert_int_eq(sys_mmap(0, PG, PROT_READ,
				  MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN,
				  -1, 0),
			 -EINVAL);
	a = sys_mmap(VM_USER_TOP - PG, PG, PROT_READ,
		     ANON | MAP_FIXED_NOREPLACE, -1, 0);
	ck_assert_int_eq(a, (long)(VM_USER_TOP - PG));
	/* Shared anonymous memory is an unnamed VFS file (fs/shmem.c). */
	vm_set_file_ops(NULL);
	a = sys_mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	ck_assert_int_gt(a, 0);
	ck_assert(vm_find_vma(vm, a)->flags & VMA_SHARED);
	ck_assert_ptr_nonnull(vm_find_vma(vm, a)->file);
	ck_assert_int_eq(sys_munmap(a + 1, PG), -EINVAL);
	ck_assert_int_eq(sys_munmap(a, 0), -EINVAL);
	ck_assert_int_eq(sys_munmap(a, PG), 0);
	vm_set_file_ops(&fake_file_ops);
	ck_assert_int_eq(sys_mprotect(A, PG, 0x80), -EINVAL);
	ck_assert_int_eq(sys_mprotect(A, PG, PROT_READ), -ENOMEM);
	ck_assert_int_eq(sys_madvise(A, PG, 999), -EINVAL);
	ck_assert_int_eq(sys_brk(0), 0);
	vm_set_brk_base(vm, 0x500000);
	ck_assert_int_eq(sys_brk(0), 0x500000);
	ck_assert_int_eq(sys_brk(0x400000), 0x500000);
	ck_assert_int_eq(sys_brk(0x500010), 0x500010);
	vm_set_current_for_test(NULL);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_destroy_frees_everything)
{
	struct vm_space *vm = vm_create();
	unsigned long r;

	for (int i = 0; i < 40; i++) {
		ck_assert_int_eq(vm_map(vm, 0, (i % 5 + 1) * PG,
					i % 2 ? RW : PROT_READ, ANON, NULL, 0,
					&r),
				 0);
		ck_assert_int_eq(vt_touch(vm, r, false), 0);
	}
	vt_map_fixed(vm, 0x1000000, 8 * PG, RW);
	ck_assert_int_eq(vm_protect(vm, 0x1000000, 3 * PG, PROT_NONE), 0);
	ck_assert_int_eq(vt_touch(vm, 0x1000000 + 4 * PG, true), 0);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_vm_out_of_memory_is_enomem)
{
	struct vm_space *vm = vm_create();
	unsigned long a = 0x20000000UL;
	int rc = 0;

	vt_map_fixed(vm, a, 64UL << 20, RW);
	for (unsigned long p = a; p < a + (64UL << 20); p += PG) {
		rc = vt_touch(vm, p, true);
		if (rc)
			break;
	}
	ck_assert_int_eq(rc, -ENOMEM);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

Suite *vm_suite(void)
{
	Suite *s = suite_create("vm");
	TCase *tc = vm_test_tcase("core");

	tcase_add_test(tc, test_vm_create_destroy_no_leak);
	tcase_add_test(tc, test_vm_file_shared_write_notify);
	tcase_add_test(tc, test_vm_mmap_topdown_and_merge);
	tcase_add_test(tc, test_vm_mmap_hint);
	tcase_add_test(tc, test_vm_map_fixed_replaces);
	tcase_add_test(tc, test_vm_fixed_noreplace);
	tcase_add_test(tc, test_vm_munmap_middle_splits);
	tcase_add_test(tc, test_vm_munmap_frees_page_tables);
	tcase_add_test(tc, test_vm_mprotect_split_merge_keeps_data);
	tcase_add_test(tc, test_vm_mprotect_errors);
	tcase_add_test(tc, test_vm_fault_demand_zero);
	tcase_add_test(tc, test_vm_fault_around_grows_in_order);
	tcase_add_test(tc, test_vm_file_fault_around);
	tcase_add_test(tc, test_vm_file_private_fault);
	tcase_add_test(tc, test_vm_file_shared_maps_page_cache);
	tcase_add_test(tc, test_vm_file_private_copy_on_write);
	tcase_add_test(tc, test_vm_file_cow_forced_and_readonly_shared);
	tcase_add_test(tc, test_vm_madvise_dontneed);
	tcase_add_test(tc, test_vm_madvise_errors_and_hints);
	tcase_add_test(tc, test_vm_brk);
	tcase_add_test(tc, test_vm_data_limit);
	tcase_add_test(tc, test_vm_stack_grows_down);
	tcase_add_test(tc, test_vm_sys_errnos);
	tcase_add_test(tc, test_vm_msync);
	tcase_add_test(tc, test_vm_destroy_frees_everything);
	tcase_add_test(tc, test_vm_out_of_memory_is_enomem);
	suite_add_tcase(s, tc);
	return s;
}
