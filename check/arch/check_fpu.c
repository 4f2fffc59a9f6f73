/*
 * Unit tests for the FPU image helpers (libkos/arch/x86_64/fpu.c): the
 * initial state and the checks that keep XRSTOR from faulting on an
 * image user space handed back at rt_sigreturn.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include <kos/fpu.h>
#include <uapi/errno.h>

#define SIZE 1088 /* legacy + header + the AVX component */
#define XF (XFEATURE_X87 | XFEATURE_SSE | (1ULL << 2))

static uint8_t img[SIZE] __attribute__((aligned(64)));

START_TEST(test_fpu_image_init)
{
	memset(img, 0xa5, sizeof(img));
	fpu_image_init(img, sizeof(img));
	ck_assert_uint_eq(*(uint16_t *)(img + FPU_FCW_OFF), 0x37f);
	ck_assert_uint_eq(*(uint32_t *)(img + FPU_MXCSR_OFF), 0x1f80);
	ck_assert_uint_eq(img[2], 0);
	ck_assert_uint_eq(img[FPU_HDR_OFF], 0);
	ck_assert_uint_eq(img[SIZE - 1], 0);
	ck_assert_int_eq(fpu_image_check(img, XF, 0xffbf), 0);
	ck_assert_int_eq(fpu_image_check(img, 0, 0xffbf), 0);
}
END_TEST

START_TEST(test_fpu_image_check_rejects)
{
	uint64_t *hdr = (uint64_t *)(img + FPU_HDR_OFF);

	fpu_image_init(img, sizeof(img));
	/* MXCSR bit 6 (DAZ) is reserved on CPUs whose mask lacks it. */
	*(uint32_t *)(img + FPU_MXCSR_OFF) = 0x1f80 | 0x40;
	ck_assert_int_eq(fpu_image_check(img, XF, 0xffbf), -EINVAL);
	ck_assert_int_eq(fpu_image_check(img, XF, 0xffff), 0);
	*(uint32_t *)(img + FPU_MXCSR_OFF) = 0x10000 | 0x1f80;
	ck_assert_int_eq(fpu_image_check(img, 0, 0xffff), -EINVAL);
	*(uint32_t *)(img + FPU_MXCSR_OFF) = 0x1f80;
	/* XSTATE_BV outside the enabled features, compacted, reserved. */
	hdr[0] = XF | (1ULL << 5);
	ck_assert_int_eq(fpu_image_check(img, XF, 0xffbf), -EINVAL);
	hdr[0] = XF;
	ck_assert_int_eq(fpu_image_check(img, XF, 0xffbf), 0);
	hdr[1] = 1ULL << 63;
	ck_assert_int_eq(fpu_image_check(img, XF, 0xffbf), -EINVAL);
	hdr[1] = 0;
	hdr[7] = 1;
	ck_assert_int_eq(fpu_image_check(img, XF, 0xffbf), -EINVAL);
	/* FXRSTOR (no XSAVE) ignores the header. */
	ck_assert_int_eq(fpu_image_check(img, 0, 0xffbf), 0);
}
END_TEST

Suite *fpu_suite(void)
{
	Suite *s = suite_create("fpu");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fpu_image_init);
	tcase_add_test(tc, test_fpu_image_check_rejects);
	suite_add_tcase(s, tc);
	return s;
}
