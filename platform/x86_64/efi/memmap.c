/*
 * The last steps of the stub: the UEFI memory map, ExitBootServices, the
 * conversion of the final map into struct kos_bootinfo, and the jump.
 *
 * Everything after ExitBootServices runs without firmware services and
 * without allocating: the map buffer and the scratch array used to sort
 * it are allocated (with slack) beforehand by efi_map_alloc().
 */
#include "stub.h"

#define MAP_SLACK_DESCS 64 /* room for the map to grow while we work */
#define EXIT_TRIES 8

static EFI_MEMORY_DESCRIPTOR *map_desc(const struct efi_map *m, UINTN i)
{
	return (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)m->desc + i * m->desc_size);
}

static UINTN map_count(const struct efi_map *m)
{
	return m->desc_size ? m->size / m->desc_size : 0;
}

/*
 * Allocate the map buffer and the scratch array, large enough for the
 * current map plus MAP_SLACK_DESCS descriptors.  Call before the last
 * allocation the stub makes that it wants to see in the map.
 */
EFI_STATUS efi_map_alloc(struct efi_map *m)
{
	EFI_STATUS st;
	UINTN n;

	m->size = 0;
	m->desc = NULL;
	m->keep_base = m->keep_end = 0;
	st = BS->GetMemoryMap(&m->size, NULL, &m->key, &m->desc_size,
			      &m->desc_version);
	if (st != EFI_BUFFER_TOO_SMALL)
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	if (m->desc_size < sizeof(EFI_MEMORY_DESCRIPTOR))
		return EFI_UNSUPPORTED;
	m->cap = m->size + MAP_SLACK_DESCS * m->desc_size;
	n = m->cap / m->desc_size + 3; /* page 0, keep_base's split */
	st = BS->AllocatePool(EfiLoaderData, m->cap, (void **)&m->desc);
	if (EFI_ERROR(st))
		return st;
	return BS->AllocatePool(EfiLoaderData, n * sizeof(*m->scratch),
				(void **)&m->scratch);
}

/* Read the current map into m (no allocation; legal after a failed exit). */
EFI_STATUS efi_map_read(struct efi_map *m)
{
	m->size = m->cap;
	return BS->GetMemoryMap(&m->size, m->desc, &m->key, &m->desc_size,
				&m->desc_version);
}

/* End of the highest range of any type in the map. */
uint64_t efi_map_phys_end(const struct efi_map *m)
{
	uint64_t end = 0, e;
	UINTN i;

	for (i = 0; i < map_count(m); i++) {
		EFI_MEMORY_DESCRIPTOR *d = map_desc(m, i);

		e = d->PhysicalStart + d->NumberOfPages * 4096;
		if (e > end)
			end = e;
	}
	return end;
}

/*
 * Read the final map and exit boot services, retrying with a fresh map
 * key if the map changed under us (EFI_INVALID_PARAMETER).
 */
EFI_STATUS exit_boot_services(EFI_HANDLE image, struct efi_map *m)
{
	EFI_STATUS st = EFI_INVALID_PARAMETER;
	int i;

	for (i = 0; i < EXIT_TRIES && st == EFI_INVALID_PARAMETER; i++) {
		st = efi_map_read(m);
		if (EFI_ERROR(st))
			return st;
		st = BS->ExitBootServices(image, m->key);
	}
	return st;
}

static uint32_t kos_type(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiLoaderCode:
	case EfiLoaderData:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiConventionalMemory:
		return KOS_MEM_USABLE;
	default:
		return KOS_MEM_RESERVED;
	}
}

/* Drop entry i of r[0..*n). */
static void range_del(struct kos_memrange *r, unsigned int *n, unsigned int i)
{
	for (; i + 1 < *n; i++)
		r[i] = r[i + 1];
	(*n)--;
}

/*
 * Take in r[n], a range just read from the firmware's map: if it is
 * usable memory overlapping [kb, ke), keep only its parts outside (up to
 * two ranges; [kb, ke) itself is listed reserved).  The new count.
 */
static unsigned int keep_out(struct kos_memrange *r, unsigned int n,
			     uint64_t kb, uint64_t ke)
{
	uint64_t b = r[n].base, e = b + r[n].len;

	if (r[n].type != KOS_MEM_USABLE || e <= kb || b >= ke)
		return n + 1;
	if (b < kb) {
		r[n].len = kb - b;
		n++;
	}
	if (e > ke) {
		r[n] = (struct kos_memrange){ ke, e - ke, KOS_MEM_USABLE };
		n++;
	}
	return n;
}

/*
 * Index of the range to drop when there are too many: the smallest
 * reserved one (unlisted memory is never used anyway), or if there is
 * none, the smallest usable one.
 */
static unsigned int range_victim(const struct kos_memrange *r, unsigned int n)
{
	unsigned int i, best = 0;
	int best_res = 0;

	for (i = 0; i < n; i++) {
		int res = r[i].type != KOS_MEM_USABLE;

		if (res > best_res ||
		    (res == best_res && r[i].len < r[best].len)) {
			best = i;
			best_res = res;
		}
	}
	return best;
}

/*
 * Convert the (final) UEFI map in m into bi->mem: classify each range,
 * keep the stub's kept pages (m->keep_base..keep_end) reserved, sort by
 * base, clip overlaps (the earlier range wins), merge neighbours
 * of the same type, keep page 0 out of usable memory, and if more than
 * KOS_MEM_MAX_RANGES remain drop the least useful ones.  Runs after
 * ExitBootServices; uses only m->scratch.
 */
void bootinfo_set_memory(struct kos_bootinfo *bi, struct efi_map *m)
{
	struct kos_memrange *r = m->scratch, t;
	unsigned int n = 0, i, j;
	uint64_t end;

	r[n++] = (struct kos_memrange){ 0, 4096, KOS_MEM_RESERVED };
	/* Usable ranges are split around it (keep_out()). */
	if (m->keep_end > m->keep_base)
		r[n++] = (struct kos_memrange){ m->keep_base,
						m->keep_end - m->keep_base,
						KOS_MEM_RESERVED };
	for (i = 0; i < map_count(m); i++) {
		EFI_MEMORY_DESCRIPTOR *d = map_desc(m, i);

		if (d->NumberOfPages == 0)
			continue;
		r[n].base = d->PhysicalStart & ~4095ULL;
		r[n].len = d->NumberOfPages * 4096;
		r[n].type = kos_type(d->Type);
		if (r[n].base == 0) { /* page 0 is already listed */
			r[n].base += 4096;
			r[n].len -= 4096;
			if (r[n].len == 0)
				continue;
		}
		n = keep_out(r, n, m->keep_base, m->keep_end);
	}

	/* insertion sort by base; the firmware's map is nearly sorted */
	for (i = 1; i < n; i++) {
		t = r[i];
		for (j = i; j > 0 && r[j - 1].base > t.base; j--)
			r[j] = r[j - 1];
		r[j] = t;
	}

	for (i = 1; i < n;) {
		end = r[i - 1].base + r[i - 1].len;
		if (r[i].base < end) {
			if (r[i].base + r[i].len <= end) {
				range_del(r, &n, i);
				continue;
			}
			r[i].len -= end - r[i].base;
			r[i].base = end;
		}
		if (r[i].base == end && r[i].type == r[i - 1].type) {
			r[i - 1].len += r[i].len;
			range_del(r, &n, i);
			continue;
		}
		i++;
	}

	while (n > KOS_MEM_MAX_RANGES)
		range_del(r, &n, range_victim(r, n));

	for (i = 0; i < n; i++)
		bi->mem[i] = r[i];
	bi->nmem = n;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((uint32_t)v),
			     "d"((uint32_t)(v >> 32)));
}

#define MSR_EFER 0xc0000080
#define EFER_NXE (1ULL << 11)
#define CR0_WP (1ULL << 16)
#define CR4_PGE (1ULL << 7)

/*
 * Enter the kernel: interrupts off, EFER.NXE set if nx, CR3 = our tables
 * (flushing global TLB entries too), CR0.WP set, RSP = stack_top,
 * RDI = bootinfo, RBP = 0, DF = 0, then jump to entry.  Runs on the
 * identity map, so it keeps working across the CR3 switch.
 */
void handoff(uint64_t cr3, uint64_t stack_top, uint64_t bootinfo,
	     uint64_t entry, int nx)
{
	__asm__ __volatile__("cli" ::: "memory");
	if (nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	__asm__ __volatile__("mov %0, %%cr3\n\t"
			     "mov %%cr4, %%rax\n\t"
			     "mov %%rax, %%rcx\n\t"
			     "and %4, %%rcx\n\t"
			     "mov %%rcx, %%cr4\n\t"
			     "mov %%rax, %%cr4\n\t"
			     "mov %%cr0, %%rax\n\t"
			     "or %5, %%rax\n\t"
			     "mov %%rax, %%cr0\n\t"
			     "mov %1, %%rsp\n\t"
			     "xor %%ebp, %%ebp\n\t"
			     "cld\n\t"
			     "jmp *%3"
			     :
			     : "r"(cr3), "r"(stack_top), "D"(bootinfo),
			       "r"(entry), "i"(~CR4_PGE), "i"(CR0_WP)
			     : "rax", "rcx", "memory");
	__builtin_unreachable();
}
