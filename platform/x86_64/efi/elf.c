/*
 * Validating and loading the kernel ELF.
 *
 * The kernel is a static, non-relocatable ELF64 x86-64 executable whose
 * PT_LOAD segments all lie in the top 2 GiB of the address space.  The
 * leading read-only segments (text, rodata) are mapped where the file
 * already is, in the stub's image; the rest is copied into one physically
 * contiguous block (virtual offset == physical offset).  Every page that
 * belongs to a segment is mapped with that segment's permissions.  Under
 * QEMU's TCG each megabyte copied or cleared costs milliseconds of boot.
 */
#include "stub.h"

#include <uapi/elf.h>

/* ELF64 layouts and constants: uapi/elf.h. */

#define PAGE 4096ULL
#define PG_DOWN(x) ((x) & ~(PAGE - 1))
#define PG_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))

static const struct elf64_phdr *phdr(const struct kimage *ki, unsigned int i)
{
	const struct elf64_ehdr *eh = (const void *)ki->file;

	return (const void *)(ki->file + eh->e_phoff +
			      (uint64_t)i * sizeof(struct elf64_phdr));
}

static unsigned int phnum(const struct kimage *ki)
{
	return ((const struct elf64_ehdr *)(const void *)ki->file)->e_phnum;
}

/* Is segment ph one the file can back in place (ki->file page-aligned)? */
static int can_map_in_place(const struct kimage *ki,
			    const struct elf64_phdr *ph)
{
	return !(ph->p_flags & PF_W) && ph->p_filesz == ph->p_memsz &&
	       ((ph->p_offset ^ ph->p_vaddr) & (PAGE - 1)) == 0 &&
	       ((uint64_t)ki->file & (PAGE - 1)) == 0;
}

/*
 * Set ki->ninplace and ki->cmin: the leading PT_LOADs (ascending, as
 * elf_check() insists) that can be mapped in place, up to the first one
 * that cannot.  None if any page would be shared by two segments (two
 * backings for one page).
 */
static void find_inplace(struct kimage *ki)
{
	uint64_t end = 0; /* page end of the segment before */
	unsigned int i, n = 0;

	ki->cmin = ki->vmax;
	for (i = 0; i < phnum(ki); i++) {
		const struct elf64_phdr *ph = phdr(ki, i);

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		if (PG_DOWN(ph->p_vaddr) < end) {
			n = 0;
			ki->cmin = ki->vmin;
			break;
		}
		if (!can_map_in_place(ki, ph)) {
			ki->cmin = PG_DOWN(ph->p_vaddr);
			break;
		}
		end = PG_UP(ph->p_vaddr + ph->p_memsz);
		n++;
	}
	ki->ninplace = n;
}

/*
 * Check that file[0..size) is a kernel the stub can load and fill ki.
 * Returns NULL, or a short reason for the rejection.  Never reads outside
 * the file, whatever its contents.
 */
const char *elf_check(struct kimage *ki, const void *file, uint64_t size)
{
	const struct elf64_ehdr *eh = file;
	const unsigned char *id = eh->e_ident;
	int entry_ok = 0, nload = 0;
	unsigned int i;

	if (size < sizeof(*eh))
		return "file too small";
	if (((uint64_t)file & 7) != 0)
		return "misaligned image";
	if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
		return "not an ELF file";
	if (id[4] != ELFCLASS64 || id[5] != ELFDATA2LSB || id[6] != EV_CURRENT)
		return "not a little-endian ELF64 file";
	if (eh->e_type != ET_EXEC || eh->e_machine != EM_X86_64)
		return "not an x86-64 executable";
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == 0)
		return "bad program header size";
	if (eh->e_phoff > size || (eh->e_phoff & 7) != 0 ||
	    (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr) >
		    size - eh->e_phoff)
		return "program headers outside the file";

	ki->file = file;
	ki->file_size = size;
	ki->vmin = ~0ULL;
	ki->vmax = 0;
	ki->entry = eh->e_entry;
	for (i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *ph = phdr(ki, i);

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		/* ascending and apart, as the ELF spec has them (elf_load) */
		if (nload && ph->p_vaddr < ki->vmax)
			return "segments overlap or out of order";
		if (ph->p_filesz > ph->p_memsz)
			return "segment file size exceeds memory size";
		if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
			return "segment outside the file";
		/* The last page stays unused, so PG_UP() cannot wrap. */
		if (ph->p_vaddr < KOS_KERNEL_VMIN || ph->p_vaddr > -PAGE ||
		    ph->p_memsz > -PAGE - ph->p_vaddr)
			return "segment not in the top 2 GiB";
		if (PG_DOWN(ph->p_vaddr) < ki->vmin)
			ki->vmin = PG_DOWN(ph->p_vaddr);
		if (PG_UP(ph->p_vaddr + ph->p_memsz) > ki->vmax)
			ki->vmax = PG_UP(ph->p_vaddr + ph->p_memsz);
		if ((ph->p_flags & PF_X) && eh->e_entry >= ph->p_vaddr &&
		    eh->e_entry - ph->p_vaddr < ph->p_memsz)
			entry_ok = 1;
		nload++;
	}
	if (nload == 0)
		return "no loadable segment";
	find_inplace(ki);
	if (ki->vmax - ki->vmin > KOS_KERNEL_MAX_SPAN)
		return "kernel image too large";
	if (!entry_ok)
		return "entry point not in an executable segment";
	return NULL;
}

/*
 * Load the copied part of a checked kernel into dst, ki->vmax - ki->cmin
 * uncleared bytes: each copied segment's file bytes, and zeros everywhere
 * else (.bss, the rest of each segment's last page, gaps).  Clearing only
 * what no segment fills saves a pass over the block.
 */
void elf_load(const struct kimage *ki, unsigned char *dst)
{
	uint64_t done = 0; /* bytes of dst written */
	unsigned int i, k = 0;

	for (i = 0; i < phnum(ki); i++) {
		const struct elf64_phdr *ph = phdr(ki, i);
		uint64_t at = ph->p_vaddr - ki->cmin;

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0 ||
		    k++ < ki->ninplace)
			continue;
		stub_memset(dst + done, 0, at - done);
		stub_memcpy(dst + at, ki->file + ph->p_offset, ph->p_filesz);
		done = at + ph->p_filesz;
	}
	stub_memset(dst + done, 0, ki->vmax - ki->cmin - done);
}

/*
 * Map every page of every segment at its link address: in-place segments
 * backed by the file at physical address file_phys, the others by the
 * block at phys (loaded by elf_load()).  Pages are present and readable;
 * writable only for PF_W segments, executable only for PF_X segments
 * (when NX is available).  A page shared by two copied segments gets the
 * union of their permissions.  Returns 0 or -1 if the page-table pool
 * ran out.
 */
int elf_map(const struct kimage *ki, uint64_t phys, uint64_t file_phys)
{
	unsigned int i, k = 0;
	uint64_t va, pa;

	for (i = 0; i < phnum(ki); i++) {
		const struct elf64_phdr *ph = phdr(ki, i);
		uint64_t flags = PTE_P;
		int in_place;

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		in_place = k++ < ki->ninplace;
		if (ph->p_flags & PF_W)
			flags |= PTE_W;
		if (!(ph->p_flags & PF_X))
			flags |= mmu_pte_nx();
		for (va = PG_DOWN(ph->p_vaddr);
		     va < PG_UP(ph->p_vaddr + ph->p_memsz); va += PAGE) {
			pa = in_place ? file_phys + PG_DOWN(ph->p_offset) +
						(va - PG_DOWN(ph->p_vaddr))
				      : phys + (va - ki->cmin);
			if (mmu_map_page(va, pa, flags))
				return -1;
		}
	}
	return 0;
}
