/*
 * The payload carried inside the stub's PE image: the kernel ELF, the
 * default initramfs and the default command line, each included verbatim
 * from the files named by KOS_PAYLOAD_KERNEL, KOS_PAYLOAD_INITRD and
 * KOS_PAYLOAD_CMDLINE (string macros set by platform/x86_64/module.mk).
 * It lives in a .data.* section, which the gnu-efi linker script folds
 * into the PE .data section.  An empty file gives an empty blob.
 */
	.section .data.kos_payload, "aw"

	.balign 4096
	.globl kos_payload_kernel, kos_payload_kernel_end
kos_payload_kernel:
	.incbin KOS_PAYLOAD_KERNEL
kos_payload_kernel_end:

	.balign 4096
	.globl kos_payload_initrd, kos_payload_initrd_end
kos_payload_initrd:
	.incbin KOS_PAYLOAD_INITRD
kos_payload_initrd_end:

	.balign 16
	.globl kos_payload_cmdline, kos_payload_cmdline_end
kos_payload_cmdline:
	.incbin KOS_PAYLOAD_CMDLINE
kos_payload_cmdline_end:
	.byte 0

	.section .note.GNU-stack, "", @progbits
