/*
 * Unit tests for the VMA set (libkos/mm/vma.c): sorted insert, lookup
 * with its cache, lower bound, split (file offsets, references) and
 * merge rules, checked against a simple model over many random VMAs.
 */
#include <stdlib.h>

#include "vm_test.h"
#include "../../libkos/mm/vm_internal.h"

static struct vma *mk(unsigned long start, unsigned long end, unsigned int prot)
{
	struct vma *v = vm_vma_alloc();

	ck_assert_ptr_nonnull(v);
	v->start = start;
	v->end = end;
	v->prot = prot;
	return v;
}

static void release_all(struct vma_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		vm_vma_free(s->v[i]);
	vm_vma_set_release(s);
}

START_TEST(test_vma_insert_lookup_random)
{
	struct vma_set s;
	static unsigned char used[2048]; /* one slot = 4 pages */

	vm_vma_set_init(&s);
	memset(used, 0, sizeof(used));
	srand(7);
	for (int k = 0; k < 600; k++) {
		unsigned int slot = rand() % 2048;

		if (used[slot])
			continue;
		used[slot] = 1;
		ck_assert_int_eq(vm_vma_insert(&s, mk(slot * 4 * PG,
						      slot * 4 * PG + 3 * PG,
						      PROT_READ)),
				 0);
	}
	for (size_t i = 1; i < s.n; i++)
		ck_assert_uint_le(s.v[i - 1]->end, s.v[i]->start);
	for (unsigned int slot = 0; slot < 2048; slot++) {
		unsigned long base = slot * 4 * PG;
		struct vma *v = vm_vma_lookup(&s, base + PG + 5);

		if (used[slot]) {
			ck_assert_ptr_nonnull(v);
			ck_assert_uint_eq(v->start, base);
			ck_assert_ptr_eq(vm_vma_lookup(&s, base + 3 * PG - 1),
					 v);
		} else {
			ck_assert_ptr_null(v);
		}
		ck_assert_ptr_null(vm_vma_lookup(&s, base + 3 * PG));
	}
	/* Remove every other one; lookups follow. */
	for (size_t i = 0; i < s.n; i++) {
		struct vma *v = s.v[i];

		used[v->start / (4 * PG)] = 0;
		vm_vma_remove(&s, i);
		vm_vma_free(v);
	}
	for (unsigned int slot = 0; slot < 2048; slot++) {
		struct vma *v = vm_vma_lookup(&s, slot * 4 * PG);

		ck_assert(used[slot] ? v != NULL : v == NULL);
	}
	release_all(&s);
}
END_TEST

START_TEST(test_vma_lower_bound)
{
	struct vma_set s;

	vm_vma_set_init(&s);
	ck_assert_uint_eq(vm_vma_lower_bound(&s, 0), 0);
	vm_vma_insert(&s, mk(0x10000, 0x20000, PROT_READ));
	vm_vma_insert(&s, mk(0x40000, 0x50000, PROT_READ));
	ck_assert_uint_eq(vm_vma_lower_bound(&s, 0), 0);
	ck_assert_uint_eq(vm_vma_lower_bound(&s, 0x1ffff), 0);
	ck_assert_uint_eq(vm_vma_lower_bound(&s, 0x20000), 1);
	ck_assert_uint_eq(vm_vma_lower_bound(&s, 0x4ffff), 1);
	ck_assert_uint_eq(vm_vma_lower_bound(&s, 0x50000), 2);
	release_all(&s);
}
END_TEST

START_TEST(test_vma_split_file_offsets_and_refs)
{
	struct vma_set s;
	struct fake_file ff;
	struct vma *v;

	fake_file_init(&ff, NULL, 0, 0);
	vm_vma_set_init(&s);
	v = mk(0x100000, 0x108000, PROT_READ);
	v->file = &ff.f;
	v->off = 0x3000;
	ff.refs = 1;
	vm_vma_insert(&s, v);
	ck_assert_int_eq(vm_vma_split(&s, 0, 0x102000), 0);
	ck_assert_int_eq(vm_vma_split(&s, 1, 0x105000), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_int_eq(ff.refs, 3);
	ck_assert_uint_eq(s.v[0]->end, 0x102000);
	ck_assert_uint_eq(s.v[1]->off, 0x5000);
	ck_assert_uint_eq(s.v[2]->off, 0x8000);
	ck_assert_uint_eq(s.v[2]->end, 0x108000);
	/* Back together: offsets are contiguous, so they merge. */
	vm_vma_merge_range(&s, 0x100000, 0x108000);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(ff.refs, 1);
	ck_assert_uint_eq(s.v[0]->end, 0x108000);
	release_all(&s);
	ck_assert_int_eq(ff.refs, 0);
}
END_TEST

START_TEST(test_vma_merge_rules)
{
	struct vma_set s;
	struct fake_file ff;
	struct vma *a, *b;

	fake_file_init(&ff, NULL, 0, 0);
	vm_vma_set_init(&s);
	vm_vma_insert(&s, mk(0x10000, 0x11000, PROT_READ));
	vm_vma_insert(&s, mk(0x11000, 0x12000, PROT_WRITE)); /* prot differs */
	vm_vma_insert(&s, mk(0x13000, 0x14000, PROT_WRITE)); /* not adjacent */
	a = mk(0x14000, 0x15000, PROT_WRITE);		     /* file: no */
	a->file = &ff.f;
	a->off = 0;
	b = mk(0x15000, 0x16000, PROT_WRITE); /* off gap */
	b->file = &ff.f;
	b->off = 0x2000;
	ff.refs = 2;
	vm_vma_insert(&s, a);
	vm_vma_insert(&s, b);
	vm_vma_merge_range(&s, 0, 0x20000);
	ck_assert_uint_eq(s.n, 5);
	b->off = 0x1000;
	vm_vma_merge_range(&s, 0x15000, 0x15000);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_int_eq(ff.refs, 1);
	release_all(&s);
}
END_TEST

START_TEST(test_vma_many_mappings_via_vm)
{
	struct vm_space *vm = vm_create();
	unsigned long r;

	/* Alternate prots so nothing merges: 1000 VMAs. */
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(
			vm_map(vm, 0, PG, i % 2 ? PROT_READ : PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &r),
			0);
	ck_assert_uint_eq(vm->vmas.n, 1000);
	ck_assert_uint_eq(r, VM_MMAP_BASE - 1000 * PG);
	/* Punch every other one out, then refill the holes from the top. */
	for (int i = 0; i < 1000; i += 2)
		ck_assert_int_eq(vm_unmap(vm, VM_MMAP_BASE - (i + 1) * PG, PG),
				 0);
	ck_assert_uint_eq(vm->vmas.n, 500);
	ck_assert_int_eq(vm_map(vm, 0, PG, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &r),
			 0);
	ck_assert_uint_eq(r, VM_MMAP_BASE - PG);
	ck_assert_int_eq(vm_map(vm, 0, 2 * PG, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &r),
			 0);
	ck_assert_uint_eq(r, VM_MMAP_BASE - 1002 * PG);
	vm_destroy(vm);
}
END_TEST

Suite *vma_suite(void)
{
	Suite *s = suite_create("vma");
	TCase *tc = vm_test_tcase("set");

	tcase_add_test(tc, test_vma_insert_lookup_random);
	tcase_add_test(tc, test_vma_lower_bound);
	tcase_add_test(tc, test_vma_split_file_offsets_and_refs);
	tcase_add_test(tc, test_vma_merge_rules);
	tcase_add_test(tc, test_vma_many_mappings_via_vm);
	suite_add_tcase(s, tc);
	return s;
}
