/*
 * Unit tests for user-memory access (libkos/mm/uaccess.c): copies go
 * through the page tables and fault pages in; every bad pointer is
 * -EFAULT (unmapped, PROT_NONE, read-only destination, kernel half,
 * wrapping ranges, a file page past EOF).
 */
#include <kos/uaccess.h>

#include "vm_test.h"

#define U 0x20000000UL

static struct vm_space *ua_setup_vm(void)
{
	struct vm_space *vm = vm_create();

	ck_assert_ptr_nonnull(vm);
	vt_map_fixed(vm, U, 4 * PG, PROT_READ | PROT_WRITE);
	vm_set_current_for_test(vm);
	return vm;
}

START_TEST(test_uaccess_roundtrip_across_pages)
{
	struct vm_space *vm = ua_setup_vm();
	static char in[3 * 4096], out[3 * 4096];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 13);
	ck_assert_int_eq(copy_to_user((void *)(U + 100), in, sizeof(in)), 0);
	ck_assert_int_eq(copy_from_user(out, (void *)(U + 100), sizeof(out)),
			 0);
	ck_assert_mem_eq(in, out, sizeof(in));
	ck_assert_int_eq(vt_frame(vm, U + PG)[0], (unsigned char)in[PG - 100]);
	/* Reading untouched memory faults in zeros. */
	ck_assert_int_eq(vm_unmap(vm, U + 3 * PG, PG), 0);
	vt_map_fixed(vm, U + 3 * PG, PG, PROT_READ);
	ck_assert_uint_eq(vt_pte(vm, U + 3 * PG + 200), 0);
	ck_assert_int_eq(copy_from_user(out, (void *)(U + 3 * PG + 200), 10),
			 0);
	ck_assert(vt_pte(vm, U + 3 * PG) & PTE_P);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(out[i], 0);
	ck_assert_int_eq(clear_user((void *)(U + 50), 100), 0);
	ck_assert_int_eq(vt_frame(vm, U + 149)[0], 0);
	ck_assert_int_eq(vt_frame(vm, U + 150)[0], (unsigned char)in[50]);
	ck_assert_int_eq(copy_to_user((void *)1, in, 0), 0);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_uaccess_efault_cases)
{
	struct vm_space *vm = ua_setup_vm();
	char buf[64] = "x";

	/* Unmapped, straddling the end of the mapping. */
	ck_assert_int_eq(copy_from_user(buf, (void *)(U - 8), 8), -EFAULT);
	ck_assert_int_eq(copy_from_user(buf, (void *)(U + 4 * PG - 8), 16),
			 -EFAULT);
	ck_assert_int_eq(copy_to_user((void *)(U + 4 * PG), buf, 1), -EFAULT);
	ck_assert_int_eq(copy_from_user(buf, NULL, 1), -EFAULT);
	/* Kernel half and wrapping ranges. */
	ck_assert_int_eq(copy_from_user(buf, (void *)0xffff800000000000UL, 8),
			 -EFAULT);
	ck_assert_int_eq(copy_to_user((void *)0xffffffff80000000UL, buf, 8),
			 -EFAULT);
	ck_assert_int_eq(copy_from_user(buf, (void *)(-16UL), 32), -EFAULT);
	ck_assert_int_eq(copy_from_user(buf, (void *)(U + 8), -1UL), -EFAULT);
	ck_assert_int_eq(copy_from_user(buf, (void *)(VM_USER_TOP - 8), 16),
			 -EFAULT);
	/* PROT_NONE, read-only destination, exec-only is readable. */
	ck_assert_int_eq(vm_protect(vm, U, PG, PROT_NONE), 0);
	ck_assert_int_eq(copy_from_user(buf, (void *)U, 1), -EFAULT);
	ck_assert_int_eq(vm_protect(vm, U, PG, PROT_READ), 0);
	ck_assert_int_eq(copy_from_user(buf, (void *)U, 1), 0);
	ck_assert_int_eq(copy_to_user((void *)U, buf, 1), -EFAULT);
	ck_assert_int_eq(clear_user((void *)U, 1), -EFAULT);
	ck_assert_int_eq(vm_protect(vm, U, PG, PROT_EXEC), 0);
	ck_assert_int_eq(copy_from_user(buf, (void *)U, 1), 0);
	/* No address space at all (a kernel thread). */
	vm_set_current_for_test(NULL);
	ck_assert_int_eq(copy_from_user(buf, (void *)U, 1), -EFAULT);
	ck_assert_int_eq(strncpy_from_user(buf, (void *)U, 8), -EFAULT);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_uaccess_user_range_ok)
{
	ck_assert(user_range_ok(0, 0));
	ck_assert(user_range_ok(U, PG));
	ck_assert(user_range_ok(VM_USER_TOP - 8, 8));
	ck_assert(!user_range_ok(VM_USER_TOP - 8, 9));
	ck_assert(user_range_ok(VM_USER_TOP, 0));
	ck_assert(!user_range_ok(VM_USER_TOP + 1, 0));
	ck_assert(!user_range_ok(-16UL, 32));
	ck_assert(!user_range_ok(0xffff800000000000UL, 1));
}
END_TEST

START_TEST(test_uaccess_strncpy_from_user)
{
	struct vm_space *vm = ua_setup_vm();
	char buf[32];
	const char *s = "hello";

	ck_assert_int_eq(copy_to_user((void *)U, s, 6), 0);
	ck_assert_int_eq(strncpy_from_user(buf, (void *)U, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "hello");
	ck_assert_int_eq(strncpy_from_user(buf, (void *)U, 6), 5);
	ck_assert_int_eq(strncpy_from_user(buf, (void *)U, 5), -ENAMETOOLONG);
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_int_eq(strncpy_from_user(buf, (void *)U, 0), -ENAMETOOLONG);
	/* A string ending right at the last mapped byte is fine ... */
	ck_assert_int_eq(copy_to_user((void *)(U + 4 * PG - 3), "ab", 3), 0);
	ck_assert_int_eq(
		strncpy_from_user(buf, (void *)(U + 4 * PG - 3), sizeof(buf)),
		2);
	ck_assert_str_eq(buf, "ab");
	/* ... one running into the unmapped page is -EFAULT. */
	ck_assert_int_eq(copy_to_user((void *)(U + 4 * PG - 3), "abc", 3), 0);
	ck_assert_int_eq(
		strncpy_from_user(buf, (void *)(U + 4 * PG - 3), sizeof(buf)),
		-EFAULT);
	ck_assert_int_eq(strncpy_from_user(buf, (void *)(U + 4 * PG - 3), 3),
			 -ENAMETOOLONG);
	/* Across a page boundary. */
	ck_assert_int_eq(copy_to_user((void *)(U + PG - 4), "abcdefgh", 9), 0);
	ck_assert_int_eq(
		strncpy_from_user(buf, (void *)(U + PG - 4), sizeof(buf)), 8);
	ck_assert_str_eq(buf, "abcdefgh");
	ck_assert_int_eq(strncpy_from_user(buf, (void *)(-1UL), 8), -EFAULT);
	ck_assert_int_eq(strncpy_from_user(buf, (void *)VM_USER_TOP, 8),
			 -EFAULT);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_uaccess_write_kernel_ignores_protection)
{
	struct vm_space *vm = ua_setup_vm();
	char buf[8];

	ck_assert_int_eq(vm_protect(vm, U, 2 * PG, PROT_READ), 0);
	ck_assert_int_eq(vm_write_kernel(vm, U + PG - 2, "wxyz", 4), 0);
	ck_assert_int_eq(copy_from_user(buf, (void *)(U + PG - 2), 4), 0);
	ck_assert_mem_eq(buf, "wxyz", 4);
	ck_assert(!(vt_pte(vm, U) & PTE_RW));
	ck_assert_int_eq(vm_protect(vm, U, PG, PROT_NONE), 0);
	ck_assert_int_eq(vm_read_kernel(vm, buf, U + PG - 2, 4), 0);
	ck_assert_mem_eq(buf, "wxyz", 4);
	ck_assert_int_eq(vm_write_kernel(vm, U + 4 * PG, "a", 1), -EFAULT);
	ck_assert_int_eq(vm_write_kernel(vm, VM_USER_TOP, "a", 1), -EFAULT);
	ck_assert(test_as_mirror_ok(vm->as));
	vm_destroy(vm);
}
END_TEST

START_TEST(test_uaccess_file_past_eof_is_efault)
{
	struct vm_space *vm = ua_setup_vm();
	static const unsigned char data[100] = { 1, 2, 3 };
	struct fake_file ff;
	unsigned long r;
	char buf[4];

	fake_file_init(&ff, data, sizeof(data), 0);
	ck_assert_int_eq(vm_map(vm, U + 8 * PG, 2 * PG, PROT_READ,
				MAP_PRIVATE | MAP_FIXED, &ff.f, 0, &r),
			 0);
	ck_assert_int_eq(copy_from_user(buf, (void *)(U + 8 * PG), 4), 0);
	ck_assert_mem_eq(buf, "\1\2\3\0", 4);
	ck_assert_int_eq(copy_from_user(buf, (void *)(U + 9 * PG), 4), -EFAULT);
	vm_destroy(vm);
}
END_TEST

START_TEST(test_uaccess_grows_stack)
{
	struct vm_space *vm = vm_create();

	vm_set_current_for_test(vm);
	ck_assert_int_eq(vm_map_stack(vm, VM_USER_TOP, 4 * PG), 0);
	ck_assert_int_eq(copy_to_user((void *)(VM_USER_TOP - 6 * PG), "s", 1),
			 0);
	ck_assert_uint_eq(vm->vmas.v[0]->start, VM_USER_TOP - 6 * PG);
	vm_destroy(vm);
}
END_TEST

Suite *uaccess_suite(void)
{
	Suite *s = suite_create("uaccess");
	TCase *tc = vm_test_tcase("copy");

	tcase_add_test(tc, test_uaccess_roundtrip_across_pages);
	tcase_add_test(tc, test_uaccess_efault_cases);
	tcase_add_test(tc, test_uaccess_user_range_ok);
	tcase_add_test(tc, test_uaccess_strncpy_from_user);
	tcase_add_test(tc, test_uaccess_write_kernel_ignores_protection);
	tcase_add_test(tc, test_uaccess_file_past_eof_is_efault);
	tcase_add_test(tc, test_uaccess_grows_stack);
	suite_add_tcase(s, tc);
	return s;
}
