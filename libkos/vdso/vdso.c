/*
 * The vDSO, kernel side (see kos/vdso.h): its pages, the data page the
 * kernel keeps current, and the mapping exec puts into every process.
 *
 * At boot vdso_init() copies the built-in image (image.S: the shared
 * object libkos/vdso/user/ builds, included whole) into PMM_USER pages
 * and allocates the data page; both are kept forever and mapped into
 * every address space as special mappings (mm/special.c), so a process
 * can read them but never change what others see: [vdso] copies on
 * write if a debugger or mprotect() makes it writable, [vvar] cannot be
 * made writable at all.
 *
 * The data page is written only here, under its sequence count, with
 * interrupts disabled (on one CPU no user code runs meanwhile; hosted,
 * the platform changes its clock only while every guest is stopped).
 *
 * Locking: vdso_pages and vdso_ready are written once at boot, before
 * any process exists; the data page with interrupts off.
 */
#include <kos/compiler.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/vdso.h>
#include <kos/vm.h>
#include <uapi/elf.h>
#include <uapi/errno.h>
#include <uapi/mman.h>

static paddr_t vdso_text[VDSO_TEXT_PAGES];
static paddr_t vdso_vvar[1];
static struct vdso_data *vdso_data;
static bool vdso_ready;

static const struct vm_special vdso_vvar_map = {
	.name = "[vvar]",
	.size = VDSO_VVAR_PAGES * PAGE_SIZE,
	.pages = vdso_vvar,
	.npages = 1,
	.prot = PROT_READ,
	.flags = VMA_NOWRITE | VMA_NOEXEC | VMA_IO | VMA_DONTDUMP,
};

static const struct vm_special vdso_text_map = {
	.name = "[vdso]",
	.size = VDSO_TEXT_PAGES * PAGE_SIZE,
	.pages = vdso_text,
	.npages = VDSO_TEXT_PAGES,
	.prot = PROT_READ | PROT_EXEC,
};

static const struct vm_special *const vdso_maps[] = { &vdso_vvar_map,
						      &vdso_text_map };

/* Is the built-in image an x86-64 ELF shared object that fits? */
static bool image_ok(const unsigned char *img, size_t size)
{
	const struct elf64_ehdr *eh = (const void *)img;

	return size >= sizeof(*eh) && size <= VDSO_TEXT_PAGES * PAGE_SIZE &&
	       kos_memcmp(eh->e_ident, ELFMAG, 4) == 0 &&
	       eh->e_ident[4] == ELFCLASS64 && eh->e_type == ET_DYN &&
	       eh->e_machine == EM_X86_64 &&
	       eh->e_phoff + (uint64_t)eh->e_phnum *
				       sizeof(struct elf64_phdr) <=
		       size;
}

void vdso_update_clock(void)
{
	struct vdso_data *d = vdso_data;
	struct plat_tsc_clock c;
	unsigned long fl;
	bool tsc;

	if (!READ_ONCE(vdso_ready))
		return;
	fl = plat_irq_save();
	tsc = plat_clock_tsc(&c);
	WRITE_ONCE(d->seq, d->seq + 1);
	barrier();
	if (tsc) {
		d->clock = c;
		d->realtime_offset = c.wall_offset + clock_realtime_adjust_ns();
	}
	d->clock_mode = tsc ? VDSO_CLOCK_TSC : VDSO_CLOCK_SYSCALL;
	barrier();
	WRITE_ONCE(d->seq, d->seq + 1);
	plat_irq_restore(fl);
}

void vdso_init(void)
{
	size_t size = (size_t)(vdso_image_end - vdso_image_start);

	if (vdso_ready)
		return;
	if (!image_ok(vdso_image_start, size))
		panic("vdso: the built-in image is not a usable ELF object");
	for (int i = 0; i < VDSO_TEXT_PAGES; i++) {
		size_t off = (size_t)i * PAGE_SIZE;

		vdso_text[i] = pmm_alloc_flags(0, PMM_USER | PMM_ZERO);
		if (vdso_text[i] == PMM_NOPAGE)
			panic("vdso: out of memory");
		if (off < size)
			kos_memcpy(plat_phys_to_virt(vdso_text[i]),
				   vdso_image_start + off,
				   MIN(size - off, PAGE_SIZE));
	}
	vdso_vvar[0] = pmm_alloc_flags(0, PMM_USER | PMM_ZERO);
	if (vdso_vvar[0] == PMM_NOPAGE)
		panic("vdso: out of memory");
	vdso_data = plat_phys_to_virt(vdso_vvar[0]);
	vdso_data->hres_ns = 1;
	vdso_data->coarse_ns = NSEC_PER_SEC / SCHED_HZ;
	WRITE_ONCE(vdso_ready, true);
	vdso_update_clock();
	log_info("vdso: %zu bytes, clock %s", size,
		 vdso_data->clock_mode == VDSO_CLOCK_TSC ? "TSC" : "syscall");
}

int vdso_map(struct vm_space *vm, unsigned long *base)
{
	unsigned long a;
	int err;

	if (!vdso_ready)
		return -ENOSYS;
	err = vm_map_special(vm, 0, vdso_maps, ARRAY_SIZE(vdso_maps), &a);
	if (err)
		return err;
	*base = a + vdso_vvar_map.size;
	return 0;
}
