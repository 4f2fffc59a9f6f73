/*
 * The x86 FPU/SSE/AVX state image both platforms exchange with the core
 * (kos/plat/user.h: plat_fpu_*): XSAVE's standard format, which is also
 * what Linux stores in a signal frame.  Helpers shared by the platforms
 * (libkos/arch/x86_64/fpu.c).
 *
 *	[0, 512)	the legacy FXSAVE region (x87, MXCSR, XMM0-15)
 *	[464, 512)	  of which the bytes software may use; Linux's signal
 *			  frames keep struct _fpx_sw_bytes there
 *	[512, 576)	the XSAVE header: XSTATE_BV, XCOMP_BV, reserved
 *	[576, ...)	the components, each at its CPUID.(0xd,i) offset
 */
#ifndef KOS_FPU_H
#define KOS_FPU_H

#include <kos/types.h>

#define FPU_FX_SIZE 512 /* the legacy region */
#define FPU_HDR_OFF 512 /* the XSAVE header */
#define FPU_HDR_SIZE 64
#define FPU_FCW_OFF 0	 /* x87 control word (16 bits) */
#define FPU_MXCSR_OFF 24 /* MXCSR (32 bits) */
#define FPU_MXCSR_MASK_OFF 28
#define FPU_SW_OFF 464 /* software-available bytes of the legacy region */
#define FPU_FCW_INIT 0x037f
#define FPU_MXCSR_INIT 0x1f80
#define FPU_MXCSR_MASK_DEFAULT 0xffbf /* when FXSAVE reports 0 */

#define XFEATURE_X87 (1ULL << 0)
#define XFEATURE_SSE (1ULL << 1)

/* Fill an image of size bytes with the initial state. */
void fpu_image_init(void *image, size_t size);

/*
 * Would XRSTOR (xfeatures != 0) or FXRSTOR (xfeatures == 0) load this
 * image without a fault?  MXCSR must have no bit outside mxcsr_mask; with
 * XSAVE, XSTATE_BV must lie within xfeatures, XCOMP_BV must be 0 (the
 * standard format) and the header's reserved bytes 0.  0 or -EINVAL.
 */
int fpu_image_check(const void *image, uint64_t xfeatures, uint32_t mxcsr_mask);

#endif
