/*
 * The payload of a single-app hosted executable (apps/module.mk): the
 * app's initramfs, its default kernel command line and the guest stub,
 * each included verbatim from the files named by KOS_PAYLOAD_INITRD,
 * KOS_PAYLOAD_CMDLINE and KOS_PAYLOAD_STUB (string macros set by the
 * build).  Only app executables link this object; build/hosted/kos has
 * none, and platform/hosted/app.c sees its weak references as null.
 *
 * The section is named .kos_app so that scripts/kos-run can tell an
 * app executable (which carries its own initramfs and command line)
 * from the plain hosted kernel with readelf.
 */
	.section .kos_app, "a"

	.balign 4096
	.globl hosted_app_initrd, hosted_app_initrd_end
hosted_app_initrd:
	.incbin KOS_PAYLOAD_INITRD
hosted_app_initrd_end:

	.balign 4096
	.globl hosted_app_stub, hosted_app_stub_end
hosted_app_stub:
	.incbin KOS_PAYLOAD_STUB
hosted_app_stub_end:

	.balign 16
	.globl hosted_app_cmdline
hosted_app_cmdline:
	.incbin KOS_PAYLOAD_CMDLINE
	.byte 0

	.section .note.GNU-stack, "", @progbits
