/*
 * The vDSO image (build/vdso/vdso.so, libkos/vdso/module.mk), included
 * whole.  vdso_init() copies it into the pages every process maps.
 */
	.section .rodata.vdso, "a"
	.balign 64
	.globl vdso_image_start
	.type vdso_image_start, @object
vdso_image_start:
	.incbin KOS_VDSO_IMAGE
	.globl vdso_image_end
vdso_image_end:
	.size vdso_image_start, vdso_image_end - vdso_image_start

	.section .note.GNU-stack, "", @progbits
