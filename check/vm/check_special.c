/*
 * Unit tests for special mappings (libkos/mm/special.c and its hooks in
 * vm.c, vma.c, fault.c): a [vvar]-like mapping (four pages, one backed,
 * read-only for good, VMA_IO) below a [vdso]-like one (two pages, R-X,
 * may be made writable and then copies on write), as the vDSO maps them.
 * The rules are Linux's for its vDSO mappings: never split, no write or
 * exec on [vvar], no dropping or populating [vvar], SIGBUS past the
 * backed pages.
 */
#include <kos/uaccess.h>

#include "vm_test.h"

#define A 0x30000000UL /* a fixed address for the pair */
#define VVAR_PAGES 4
#define TEXT_PAGES 2

static paddr_t sp_text[TEXT_PAGES], sp_data[1];

static const struct vm_special sp_vvar = {
	.name = "[vvar]",
	.size = VVAR_PAGES * PAGE_SIZE,
	.pages = sp_data,
	.npages = 1,
	.prot = PROT_READ,
	.flags = VMA_NOWRITE | VMA_NOEXEC | VMA_IO | VMA_DONTDUMP,
};

static const struct vm_special sp_vdso = {
	.name = "[vdso]",
	.size = TEXT_PAGES * PAGE_SIZE,
	.pages = sp_text,
	.npages = TEXT_PAGES,
	.prot = PROT_READ | PROT_EXEC,
};

static const struct vm_special *const sp_pair[] = { &sp_vvar, &sp_vdso };

/* The kernel's pages, with recognizable contents. */
static void sp_setup(void)
{
	vm_test_setup();
	for (int i = 0; i < TEXT_PAGES; i++) {
		sp_text[i] = pmm_alloc_flags(0, PMM_USER | PMM_ZERO);
		ck_assert(sp_text[i] != PMM_NOPAGE);
		memset(plat_phys_to_virt(sp_text[i]), 0xc0 + i, PG);
	}
	sp_data[0] = pmm_alloc_flags(0, PMM_USER | PMM_ZERO);
	ck_assert(sp_data[0] != PMM_NOPAGE);
	memcpy(plat_phys_to_virt(sp_data[0]), "vvar", 5);
}

static void sp_teardown(void)
{
	for (int i = 0; i < TEXT_PAGES; i++) {
		ck_assert_uint_eq(pmm_page_refs(sp_text[i]), 1);
		ck_assert_uint_eq(pmm_page_mapcount(sp_text[i]), 0);
		pmm_page_put(sp_text[i]);
	}
	ck_assert_uint_eq(pmm_page_refs(sp_data[0]), 1);
	pmm_page_put(sp_data[0]);
	vm_test_teardown();
}

/* A fresh address space with the pair at A. */
static struct vm_space *sp_vm(void)
{
	struct vm_space *vm = vm_create();
	unsigned long r = 0;

	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm_map_special(vm, A, sp_pair, 2, &r), 0);
	ck_assert_uint_eq(r, A);
	return vm;
}

#define VDSO (A + VVAR_PAGES * PG)

START_TEST(test_special_map_topdown)
{
	struct vm_space *vm = vm_create();
	unsigned long a, b;
	const unsigned long top = VM_MMAP_BASE - (VVAR_PAGES + TEXT_PAGES) * PG;

	ck_assert_int_eq(vm_map_special(vm, 0, sp_pair, 2, &a), 0);
	ck_assert_uint_eq(a, top);
	ck_assert_uint_eq(vm->vmas.n, 2);
	ck_assert_str_eq(vm->vmas.v[0]->name, "[vvar]");
	ck_assert_uint_eq(vm->vmas.v[0]->end, a + VVAR_PAGES * PG);
	ck_assert_uint_eq(vm->vmas.v[0]->prot, PROT_READ);
	ck_assert(vm->vmas.v[0]->flags & VMA_SPECIAL);
	ck_assert(vm->vmas.v[0]->flags & VMA_IO);
	ck_assert_str_eq(vm->vmas.v[1]->name, "[vdso]");
	ck_assert_uint_eq(vm->vmas.v[1]->start, a + VVAR_PAGES * PG);
	ck_assert_uint_eq(vm->vmas.v[1]->prot, PROT_READ | PROT_EXEC);
	ck_assert_ptr_eq(vm->vmas.v[1]->special, &sp_vdso);
	/* A second pair goes below; neighbours never merge. */
	ck_assert_int_eq(vm_map_special(vm, 0, sp_pair, 2, &b), 0);
	ck_assert_uint_eq(b, top - (VVAR_PAGES + TEXT_PAGES) * PG);
	ck_assert_uint_eq(vm->vmas.n, 4);
	/* An anonymous mapping goes below both. */
	ck_assert_int_eq(vm_map(vm, 0, PG, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &a),
			 0);
	ck_assert_uint_eq(a, b - PG);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_special_map_errors)
{
	struct vm_space *vm = sp_vm();
	struct vm_special bad = sp_vdso;
	const struct vm_special *badp[] = { &bad };
	unsigned long r = 1;

	ck_assert_int_eq(vm_map_special(vm, A, sp_pair, 2, &r), -EEXIST);
	ck_assert_int_eq(vm_map_special(vm, VDSO + PG, sp_pair, 1, &r),
			 -EEXIST);
	ck_assert_int_eq(vm_map_special(vm, A + 1, sp_pair, 2, &r), -EINVAL);
	ck_assert_int_eq(vm_map_special(vm, 0, sp_pair, 0, &r), -EINVAL);
	ck_assert_int_eq(vm_map_special(vm, VM_USER_TOP - PG, sp_pair, 2, &r),
			 -EINVAL);
	bad.npages = 3; /* more pages than the mapping holds */
	ck_assert_int_eq(vm_map_special(vm, 0, badp, 1, &r), -EINVAL);
	bad.npages = 1;
	bad.size = PG + 1;
	ck_assert_int_eq(vm_map_special(vm, 0, badp, 1, &r), -EINVAL);
	bad.size = 0;
	ck_assert_int_eq(vm_map_special(vm, 0, badp, 1, &r), -EINVAL);
	ck_assert_uint_eq(r, 1);
	ck_assert_uint_eq(vm->vmas.n, 2);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_special_fault_maps_kernel_pages)
{
	struct vm_space *vm = sp_vm();
	pte_t e;

	ck_assert_int_eq(vt_touch(vm, VDSO + PG + 5, false), 0);
	e = vt_pte(vm, VDSO + PG);
	ck_assert_uint_eq(PTE_ADDR(e), sp_text[1]);
	ck_assert(!(e & PTE_RW) && !(e & PTE_NX) && (e & PTE_OWNED));
	ck_assert_uint_eq(pmm_page_refs(sp_text[1]), 2);
	ck_assert_uint_eq(pmm_page_mapcount(sp_text[1]), 1);
	ck_assert_int_eq(vt_frame(vm, VDSO + PG)[5], 0xc1);
	/* [vvar]: the data page itself; the kernel's stores show through. */
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	e = vt_pte(vm, A);
	ck_assert_uint_eq(PTE_ADDR(e), sp_data[0]);
	ck_assert(!(e & PTE_RW) && (e & PTE_NX) && (e & PTE_COW));
	((char *)plat_phys_to_virt(sp_data[0]))[0] = 'V';
	ck_assert_int_eq(vt_frame(vm, A)[0], 'V');
	/* Unbacked pages: SIGBUS; rights: SIGSEGV. */
	ck_assert_int_eq(vt_touch(vm, A + PG, false), VM_FAULT_SIGBUS);
	ck_assert_int_eq(vt_touch(vm, A + 3 * PG + 100, false),
			 VM_FAULT_SIGBUS);
	ck_assert_int_eq(vt_touch(vm, VDSO, true), -EFAULT);
	ck_assert_int_eq(vt_touch(vm, A, true), -EFAULT);
	ck_assert_int_eq(vm_fault(vm, A, PLAT_FAULT_USER | PLAT_FAULT_EXEC),
			 -EFAULT);
	ck_assert_int_eq(vm_fault(vm, VDSO, PLAT_FAULT_USER | PLAT_FAULT_EXEC),
			 0);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_special_mprotect_rules)
{
	struct vm_space *vm = sp_vm();
	unsigned char *copy;

	/* [vvar] never gets write or exec rights; partial changes split. */
	ck_assert_int_eq(vm_protect(vm, A, PG, PROT_READ | PROT_WRITE),
			 -EACCES);
	ck_assert_int_eq(vm_protect(vm, A, VVAR_PAGES * PG, PROT_EXEC),
			 -EACCES);
	ck_assert_int_eq(vm_protect(vm, A, PG, PROT_NONE), -EINVAL);
	ck_assert_int_eq(vm_protect(vm, A, VVAR_PAGES * PG, PROT_NONE), 0);
	ck_assert_int_eq(vt_touch(vm, A, false), -EFAULT);
	ck_assert_int_eq(vm_protect(vm, A, VVAR_PAGES * PG, PROT_READ), 0);
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	ck_assert_uint_eq(vm->vmas.n, 2);
	/* [vdso] may be made writable, as a whole; stores copy the page. */
	ck_assert_int_eq(vt_touch(vm, VDSO, false), 0);
	ck_assert_int_eq(vm_protect(vm, VDSO, PG, PROT_READ), -EINVAL);
	ck_assert_int_eq(vm_protect(vm, VDSO, TEXT_PAGES * PG,
				    PROT_READ | PROT_WRITE | PROT_EXEC),
			 0);
	ck_assert(!(vt_pte(vm, VDSO) & PTE_RW)); /* still copy-on-write */
	ck_assert_int_eq(vt_touch(vm, VDSO + 7, true), 0);
	ck_assert(vt_pte(vm, VDSO) & PTE_RW);
	ck_assert_uint_ne(PTE_ADDR(vt_pte(vm, VDSO)), sp_text[0]);
	copy = vt_frame(vm, VDSO);
	ck_assert_int_eq(copy[100], 0xc0);
	copy[7] = 0x11;
	ck_assert_int_eq(((unsigned char *)plat_phys_to_virt(sp_text[0]))[7],
			 0xc0);
	ck_assert_uint_eq(pmm_page_refs(sp_text[0]), 1);
	ck_assert_uint_eq(pmm_page_mapcount(sp_text[0]), 0);
	/* A write fault on a page not yet present copies at once. */
	ck_assert_int_eq(vt_touch(vm, VDSO + PG, true), 0);
	ck_assert_uint_ne(PTE_ADDR(vt_pte(vm, VDSO + PG)), sp_text[1]);
	ck_assert_int_eq(vt_frame(vm, VDSO + PG)[0], 0xc1);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_special_unmap_rules)
{
	struct vm_space *vm = sp_vm();
	unsigned long r;

	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	ck_assert_int_eq(vt_touch(vm, VDSO, false), 0);
	ck_assert_int_eq(vt_touch(vm, VDSO + PG, false), 0);
	/* Cutting either: -EINVAL, nothing changes. */
	ck_assert_int_eq(vm_unmap(vm, A, PG), -EINVAL);
	ck_assert_int_eq(vm_unmap(vm, VDSO + PG, 4 * PG), -EINVAL);
	ck_assert_int_eq(vm_map(vm, VDSO, PG, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
				0, &r),
			 -EINVAL);
	ck_assert_uint_eq(vm->vmas.n, 2);
	ck_assert_uint_eq(PTE_ADDR(vt_pte(vm, VDSO)), sp_text[0]);
	/* Whole: fine, and the references go back. */
	ck_assert_int_eq(vm_unmap(vm, VDSO, TEXT_PAGES * PG), 0);
	ck_assert_uint_eq(vm->vmas.n, 1);
	ck_assert_uint_eq(pmm_page_refs(sp_text[0]), 1);
	ck_assert_uint_eq(pmm_page_refs(sp_text[1]), 1);
	ck_assert_int_eq(vt_touch(vm, VDSO, false), -EFAULT);
	/* MAP_FIXED over the whole [vvar] replaces it. */
	ck_assert_int_eq(vm_map(vm, A, VVAR_PAGES * PG, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
				0, &r),
			 0);
	ck_assert_uint_eq(vm->vmas.n, 1);
	ck_assert_ptr_null(vm->vmas.v[0]->special);
	ck_assert_uint_eq(pmm_page_refs(sp_data[0]), 1);
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	ck_assert_int_eq(vt_frame(vm, A)[0], 0);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_special_madvise_rules)
{
	struct vm_space *vm = sp_vm();

	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	ck_assert_int_eq(vt_touch(vm, VDSO, false), 0);
	ck_assert_int_eq(vm_madvise(vm, A, PG, MADV_DONTNEED), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, PG, MADV_POPULATE_READ), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, PG, MADV_FREE), -EINVAL);
	ck_assert_uint_eq(PTE_ADDR(vt_pte(vm, A)), sp_data[0]);
	/* [vdso]: dropped pages come back from the kernel's copy. */
	ck_assert_int_eq(vm_madvise(vm, VDSO, PG, MADV_DONTNEED), 0);
	ck_assert_uint_eq(vt_pte(vm, VDSO), 0);
	ck_assert_uint_eq(pmm_page_refs(sp_text[0]), 1);
	ck_assert_int_eq(vm_madvise(vm, VDSO, 2 * PG, MADV_POPULATE_READ), 0);
	ck_assert_uint_eq(PTE_ADDR(vt_pte(vm, VDSO)), sp_text[0]);
	ck_assert_uint_eq(PTE_ADDR(vt_pte(vm, VDSO + PG)), sp_text[1]);
	ck_assert_int_eq(vm_madvise(vm, VDSO, PG, MADV_POPULATE_WRITE),
			 -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, VDSO, PG, MADV_FREE), -EINVAL);
	/* Flag advice: whole mappings only; DODUMP never. */
	ck_assert_int_eq(vm_madvise(vm, VDSO, PG, MADV_DONTDUMP), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, VDSO, 2 * PG, MADV_DONTDUMP), 0);
	ck_assert(vm->vmas.v[1]->flags & VMA_DONTDUMP);
	ck_assert_int_eq(vm_madvise(vm, VDSO, 2 * PG, MADV_DODUMP), -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, VVAR_PAGES * PG, MADV_DODUMP),
			 -EINVAL);
	ck_assert_int_eq(vm_madvise(vm, A, 6 * PG, MADV_NORMAL), 0);
	ck_assert_uint_eq(vm->vmas.n, 2);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_special_user_copies)
{
	struct vm_space *vm = sp_vm();
	char buf[8] = { 0 };

	vm_set_current_for_test(vm);
	ck_assert_int_eq(copy_from_user(buf, (void *)A, 5), 0);
	ck_assert_str_eq(buf, "vvar");
	ck_assert_int_eq(copy_from_user(buf, (void *)(A + PG), 1), -EFAULT);
	ck_assert_int_eq(copy_to_user((void *)A, "x", 1), -EFAULT);
	ck_assert_int_eq(copy_to_user((void *)VDSO, "x", 1), -EFAULT);
	/* Forced writes: never into [vvar]; [vdso] gets a private copy. */
	ck_assert_int_eq(vm_write_kernel(vm, A, "x", 1), -EFAULT);
	ck_assert_int_eq(vm_write_kernel(vm, VDSO + 3, "x", 1), 0);
	ck_assert_int_eq(vt_frame(vm, VDSO)[3], 'x');
	ck_assert_int_eq(((unsigned char *)plat_phys_to_virt(sp_text[0]))[3],
			 0xc0);
	ck_assert_int_eq(vm_read_kernel(vm, buf, A, 4), 0);
	ck_assert_int_eq(memcmp(buf, "vvar", 4), 0);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_special_destroy_releases)
{
	struct vm_space *vm = sp_vm(), *vm2 = sp_vm();

	for (unsigned long a = VDSO; a < VDSO + TEXT_PAGES * PG; a += PG) {
		ck_assert_int_eq(vt_touch(vm, a, false), 0);
		ck_assert_int_eq(vt_touch(vm2, a, false), 0);
	}
	ck_assert_int_eq(vt_touch(vm, A, false), 0);
	ck_assert_uint_eq(pmm_page_refs(sp_text[0]), 3);
	ck_assert_uint_eq(pmm_page_mapcount(sp_text[0]), 2);
	vm_destroy(vm);
	ck_assert_uint_eq(pmm_page_refs(sp_text[0]), 2);
	ck_assert_uint_eq(pmm_page_refs(sp_data[0]), 1);
	vm_destroy(vm2);
}
END_TEST

Suite *special_suite(void)
{
	Suite *s = suite_create("special");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, sp_setup, sp_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_special_map_topdown);
	tcase_add_test(tc, test_special_map_errors);
	tcase_add_test(tc, test_special_fault_maps_kernel_pages);
	tcase_add_test(tc, test_special_mprotect_rules);
	tcase_add_test(tc, test_special_unmap_rules);
	tcase_add_test(tc, test_special_madvise_rules);
	tcase_add_test(tc, test_special_user_copies);
	tcase_add_test(tc, test_special_destroy_releases);
	suite_add_tcase(s, tc);
	return s;
}
