/*
 * Linker script of the vDSO image (kos/vdso.h), preprocessed by cpp.
 *
 * One read + execute PT_LOAD segment at address 0 holds everything: the
 * ELF and program headers, the dynamic symbol tables (both hash styles,
 * so musl, which reads DT_HASH, and glibc, which prefers DT_GNU_HASH,
 * find the symbols), the version definitions, the dynamic section, the
 * unwind tables and the code.  There is no writable data: the only
 * variable is the kernel's data page, kos_vvar, at a fixed distance
 * below the image.  The program headers add PT_DYNAMIC and
 * PT_GNU_EH_FRAME, which point into that segment.
 */
#include <kos/vdso.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)

PHDRS
{
	text PT_LOAD FILEHDR PHDRS FLAGS(5); /* R + X */
	dynamic PT_DYNAMIC FLAGS(4);
	eh_frame_hdr PT_GNU_EH_FRAME FLAGS(4);
}

SECTIONS
{
	/* [vvar] page 0 lies VDSO_VVAR_PAGES pages below the ELF header. */
	HIDDEN(kos_vvar = -VDSO_VVAR_PAGES * 4096);

	. = SIZEOF_HEADERS;
	.hash : { *(.hash) } :text
	.gnu.hash : { *(.gnu.hash) } :text
	.dynsym : { *(.dynsym) } :text
	.dynstr : { *(.dynstr) } :text
	.gnu.version : { *(.gnu.version) } :text
	.gnu.version_d : { *(.gnu.version_d) } :text
	.gnu.version_r : { *(.gnu.version_r) } :text
	.dynamic : { *(.dynamic) } :text :dynamic
	.rodata : { *(.rodata .rodata.*) } :text
	.eh_frame_hdr : { *(.eh_frame_hdr) } :text :eh_frame_hdr
	.eh_frame : { KEEP(*(.eh_frame)) } :text
	.text : { *(.text .text.*) } :text

	/* Anything writable or relocated would break the mapping. */
	.data : { *(.data .data.* .bss .bss.* COMMON) } :text
	.got : { *(.got .got.plt) } :text
	.rela.dyn : { *(.rela.*) } :text
	ASSERT(SIZEOF(.data) == 0, "the vDSO may not have writable data")
	ASSERT(SIZEOF(.got) == 0, "the vDSO may not need a GOT")
	ASSERT(SIZEOF(.rela.dyn) == 0, "the vDSO may not need relocations")
	ASSERT(. <= VDSO_TEXT_PAGES * 4096, "the vDSO outgrew its pages")

	/DISCARD/ : { *(.note.GNU-stack) *(.note.gnu.property) *(.comment) }
}

/* Linux's symbol version, and its names: __vdso_* and the libc names. */
VERSION
{
	LINUX_2.6 {
	global:
		clock_gettime;
		__vdso_clock_gettime;
		gettimeofday;
		__vdso_gettimeofday;
		time;
		__vdso_time;
		clock_getres;
		__vdso_clock_getres;
		getcpu;
		__vdso_getcpu;
	local: *;
	};
}
