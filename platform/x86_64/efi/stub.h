/*
 * KOS UEFI stub: shared declarations.
 *
 * The stub is a gnu-efi application that carries the kernel ELF and an
 * initramfs inside its own PE image (payload.S).  It loads the kernel into
 * memory of a private OS-loader memory type, builds the kernel's first page
 * tables, exits boot services, fills struct kos_bootinfo and jumps to the
 * kernel.  See docs/boot-x86_64.md for the memory layout and the handoff
 * contract.
 *
 *   main.c    control flow, command line, ESP files, firmware tables
 *   elf.c     validating and loading the kernel ELF
 *   mmu.c     the 4-level page tables handed to the kernel
 *   memmap.c  UEFI memory map -> kos_bootinfo, ExitBootServices, jump
 */
#ifndef KOS_EFI_STUB_H
#define KOS_EFI_STUB_H

#include <efi.h>
#include <efilib.h>

#include <kos/boot.h>

/* Upper-half direct map of all physical memory (2 MiB pages). */
#define KOS_DIRECT_MAP 0xffff800000000000ULL
#define DMAP(pa) ((uint64_t)(pa) + KOS_DIRECT_MAP)

/*
 * Memory type for everything the kernel keeps (kernel image, ELF copy,
 * initrd, boot stack, bootinfo, page tables).  0x80000000 and up are
 * reserved by the UEFI spec for OS loaders; the bootinfo map reports it
 * as KOS_MEM_RESERVED.
 */
#define KOS_EFI_MEMTYPE ((EFI_MEMORY_TYPE)0x80000000)

#define KOS_BOOT_STACK_SIZE (64 * 1024)

/* The kernel must be linked in the top 2 GiB (kernel.ld). */
#define KOS_KERNEL_VMIN 0xffffffff80000000ULL
/* Largest kernel image span the stub accepts. */
#define KOS_KERNEL_MAX_SPAN (512ULL << 20)

/* Page-table entry bits. */
#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

/* Payload linked into the stub image by payload.S. */
extern const unsigned char kos_payload_kernel[], kos_payload_kernel_end[];
extern const unsigned char kos_payload_initrd[], kos_payload_initrd_end[];
extern const unsigned char kos_payload_cmdline[], kos_payload_cmdline_end[];

/* A kernel ELF that passed elf_check(). */
struct kimage {
	const unsigned char *file;
	uint64_t file_size;
	uint64_t vmin, vmax; /* page-aligned span of all PT_LOADs */
	/*
	 * The leading read-only segments whose pages the file itself can
	 * back (page-aligned file, offsets congruent to addresses, no page
	 * shared with a copied segment) are mapped in place; the rest is
	 * loaded into a block for [cmin, vmax).
	 */
	unsigned int ninplace; /* PT_LOADs mapped in place */
	uint64_t cmin;
	uint64_t entry;
};

/* elf.c */
const char *elf_check(struct kimage *ki, const void *file, uint64_t size);
void elf_load(const struct kimage *ki, unsigned char *dst);
int elf_map(const struct kimage *ki, uint64_t phys, uint64_t file_phys);

/* mmu.c */
EFI_STATUS mmu_init(uint64_t phys_end, uint64_t kernel_span, int nx);
void mmu_map_direct(void);
int mmu_map_page(uint64_t va, uint64_t pa, uint64_t flags);
uint64_t mmu_root(void);
uint64_t mmu_pte_nx(void);

/* memmap.c */
struct efi_map {
	EFI_MEMORY_DESCRIPTOR *desc;
	UINTN size; /* bytes in use */
	UINTN cap;  /* bytes allocated */
	UINTN key;
	UINTN desc_size;
	UINT32 desc_version;
	struct kos_memrange *scratch; /* cap / desc_size + 3 entries */
	/*
	 * Pages of the stub's own image the kernel keeps using in place
	 * (the embedded kernel ELF and initramfs): reported reserved,
	 * although the firmware's map calls them loader memory.
	 */
	uint64_t keep_base, keep_end;
};

EFI_STATUS efi_map_alloc(struct efi_map *m);
EFI_STATUS efi_map_read(struct efi_map *m);
uint64_t efi_map_phys_end(const struct efi_map *m);
EFI_STATUS exit_boot_services(EFI_HANDLE image, struct efi_map *m);
void bootinfo_set_memory(struct kos_bootinfo *bi, struct efi_map *m);
void handoff(uint64_t cr3, uint64_t stack_top, uint64_t bootinfo,
	     uint64_t entry, int nx) __attribute__((noreturn));

/* main.c: small helpers shared by the stub files */
void *stub_alloc(uint64_t bytes, uint64_t *phys);
void *stub_alloc_raw(uint64_t bytes, uint64_t *phys);
void stub_memset(void *dst, int c, uint64_t n);
void stub_memcpy(void *dst, const void *src, uint64_t n);

#endif
