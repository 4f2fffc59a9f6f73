/*
 * FPU state images (kos/fpu.h): the initial state and the checks that
 * keep XRSTOR/FXRSTOR from faulting on an image user space supplied (a
 * signal frame's fpstate at rt_sigreturn).
 */
#include <kos/fpu.h>
#include <kos/string.h>
#include <uapi/errno.h>

void fpu_image_init(void *image, size_t size)
{
	uint8_t *p = image;

	kos_memset(p, 0, size);
	*(uint16_t *)(p + FPU_FCW_OFF) = FPU_FCW_INIT;
	*(uint32_t *)(p + FPU_MXCSR_OFF) = FPU_MXCSR_INIT;
}

int fpu_image_check(const void *image, uint64_t xfeatures, uint32_t mxcsr_mask)
{
	const uint8_t *p = image;
	const uint64_t *hdr = (const uint64_t *)(p + FPU_HDR_OFF);

	if (*(const uint32_t *)(p + FPU_MXCSR_OFF) & ~mxcsr_mask)
		return -EINVAL;
	if (!xfeatures)
		return 0;
	if (hdr[0] & ~xfeatures || hdr[1])
		return -EINVAL;
	for (int i = 2; i < FPU_HDR_SIZE / 8; i++)
		if (hdr[i])
			return -EINVAL;
	return 0;
}
