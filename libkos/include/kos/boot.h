/*
 * What a platform hands the core at boot.  The platform fills one
 * struct kos_bootinfo and calls kos_main(), which never returns.
 *
 * All pointers are kernel virtual addresses valid for the kernel's lifetime
 * (the platform keeps the memory they point into out of the memory map).
 */
#ifndef KOS_BOOT_H
#define KOS_BOOT_H

#include <kos/compiler.h>
#include <kos/types.h>

#define KOS_MEM_MAX_RANGES 128

/* Types of physical memory ranges. */
#define KOS_MEM_USABLE 1   /* free RAM the page allocator may own */
#define KOS_MEM_RESERVED 2 /* firmware, MMIO, kernel image, boot data */

struct kos_memrange {
	paddr_t base;  /* page aligned */
	uint64_t len;  /* bytes, page multiple */
	uint32_t type; /* KOS_MEM_* */
};

struct kos_bootinfo {
	const char *platform; /* "x86_64" or "hosted" */
	const char *cmdline;  /* kernel command line, NUL terminated */

	struct kos_memrange mem[KOS_MEM_MAX_RANGES];
	unsigned int nmem;

	const void *initrd; /* cpio newc archive, or NULL */
	size_t initrd_size;

	/*
	 * The kernel's own ELF file image, for symbolizing backtraces
	 * (.symtab/.strtab are read from it).  Symbol values plus
	 * kernel_load_bias give run-time addresses.  NULL if unavailable.
	 */
	const void *kernel_elf;
	size_t kernel_elf_size;
	uint64_t kernel_load_bias;

	/* Wall-clock time at boot, ns since the Unix epoch (0 if unknown). */
	uint64_t boot_wallclock_ns;
	/* Physical address of the ACPI RSDP, 0 if none (bare metal only). */
	paddr_t acpi_rsdp;
};

/* The core's entry point; the platform calls it once on the boot CPU. */
void kos_main(const struct kos_bootinfo *bi) __noreturn;

#endif
