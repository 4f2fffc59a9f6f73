/*
 * Kernel symbol table (see kos/ksym.h).
 *
 * ksym_init() walks the section headers of the kernel's ELF64 file image,
 * finds the SHT_SYMTAB section and its string table, and copies every
 * function-like symbol into ksyms[], which is then sorted by address.
 * "Function-like" means a named STT_FUNC or STT_NOTYPE symbol defined in a
 * section with SHF_EXECINSTR: hand-written assembly entry points are often
 * STT_NOTYPE with size 0, and the executable-section test keeps out the
 * linker's data markers.  A symbol without a size is taken to extend to the
 * next symbol (or the end of its section).
 *
 * The image is untrusted input as far as this file is concerned: every
 * offset, size and index is checked against the image size before use, and
 * any inconsistency leaves the table empty rather than faulting.
 *
 * ksym_init_lazy() only records the image: the index is built by the
 * first ksym_lookup() (a panic's backtrace, usually never).  Reading the
 * symbol table at every boot cost about a millisecond hosted (page
 * faults on the mapped file) and more under TCG, for nothing.
 *
 * Locking: none.  ksym_init() and ksym_init_lazy() run single-threaded at
 * boot (or in tests); afterwards the table changes once, in the first
 * lookup (uniprocessor: a lookup from an interrupt in the middle of that
 * finds the table still empty and says "not found").
 */
#include <kos/ksym.h>
#include <kos/string.h>
#include <uapi/elf.h>

/* ELF64 layouts: uapi/elf.h. */

/* Set in ksym.size when the size was guessed (clamped to the next symbol). */
#define KSYM_SIZE_GUESSED 0x80000000u

struct ksym {
	uint64_t addr; /* run-time address */
	uint32_t size; /* bytes; KSYM_SIZE_GUESSED flag */
	uint32_t name; /* offset into strtab */
};

static struct ksym ksyms[KSYM_MAX];
static unsigned int nksyms;
static const char *strtab; /* NULL: symbolization disabled */
/* ksym_init_lazy()'s image, indexed at the first lookup. */
static const void *lazy_elf;
static size_t lazy_size;
static uint64_t lazy_bias;

/* Is [off, off + len) inside an image of size bytes? */
static bool in_image(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

/*
 * Order by address; at equal addresses guessed sizes sort first, so the
 * lookup, which scans backwards, prefers a symbol with a real size.
 */
static bool ksym_less(const struct ksym *a, const struct ksym *b)
{
	if (a->addr != b->addr)
		return a->addr < b->addr;
	return (a->size & KSYM_SIZE_GUESSED) > (b->size & KSYM_SIZE_GUESSED);
}

/* Restore the max-heap property below node i of ksyms[0..n). */
static void sift_down(unsigned int i, unsigned int n)
{
	for (;;) {
		unsigned int big = i, l = 2 * i + 1, r = l + 1;
		struct ksym t;

		if (l < n && ksym_less(&ksyms[big], &ksyms[l]))
			big = l;
		if (r < n && ksym_less(&ksyms[big], &ksyms[r]))
			big = r;
		if (big == i)
			return;
		t = ksyms[i];
		ksyms[i] = ksyms[big];
		ksyms[big] = t;
		i = big;
	}
}

/* Heapsort ksyms[0..n): in place, no recursion, O(n log n). */
static void sort_ksyms(unsigned int n)
{
	unsigned int i;

	for (i = n / 2; i-- > 0;)
		sift_down(i, n);
	for (i = n; i-- > 1;) {
		struct ksym t = ksyms[0];

		ksyms[0] = ksyms[i];
		ksyms[i] = t;
		sift_down(0, i);
	}
}

/*
 * Find the section headers' table and the symbol table's two sections.
 * Returns false if the image is not a usable little-endian ELF64 file.
 */
static bool find_symtab(const uint8_t *img, size_t size,
			const struct elf64_shdr **shdrs, uint32_t *shnum,
			const struct elf64_shdr **symtab,
			const struct elf64_shdr **strsec)
{
	const struct elf64_ehdr *eh = (const void *)img;
	const struct elf64_shdr *sh;
	uint64_t n;
	uint32_t i;

	if (size < sizeof(*eh) || kos_memcmp(eh->e_ident, "\177ELF", 4) ||
	    eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB)
		return false;
	if (eh->e_shentsize != sizeof(*sh) || eh->e_shoff % 8 ||
	    !in_image(eh->e_shoff, sizeof(*sh), size))
		return false;
	sh = (const void *)(img + eh->e_shoff);
	/* Extended numbering: the count lives in section 0's sh_size. */
	n = eh->e_shnum ? eh->e_shnum : sh[0].sh_size;
	if (n == 0 || n > size / sizeof(*sh) ||
	    !in_image(eh->e_shoff, n * sizeof(*sh), size))
		return false;

	for (i = 0; i < n; i++) {
		const struct elf64_shdr *st;

		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		if (sh[i].sh_link >= n)
			return false;
		st = &sh[sh[i].sh_link];
		if (st->sh_type != SHT_STRTAB || st->sh_size == 0 ||
		    !in_image(st->sh_offset, st->sh_size, size) ||
		    sh[i].sh_entsize != sizeof(struct elf64_sym) ||
		    sh[i].sh_offset % 8 ||
		    !in_image(sh[i].sh_offset, sh[i].sh_size, size))
			return false;
		*shdrs = sh;
		*shnum = (uint32_t)n;
		*symtab = &sh[i];
		*strsec = st;
		return true;
	}
	return false;
}

/*
 * Build the index from elf[size] (see kos/ksym.h).  Clears the old index
 * first, so a failure at any point leaves lookups disabled.
 */
unsigned int ksym_init(const void *elf, size_t size, uint64_t load_bias)
{
	const uint8_t *img = elf;
	const struct elf64_shdr *sh, *symsec, *strsec;
	const struct elf64_sym *syms;
	const char *names;
	uint64_t nsyms, strsize, i;
	uint32_t shnum;
	unsigned int n = 0;

	strtab = NULL;
	nksyms = 0;
	lazy_elf = NULL;
	if (!img || !find_symtab(img, size, &sh, &shnum, &symsec, &strsec))
		return 0;

	syms = (const void *)(img + symsec->sh_offset);
	nsyms = symsec->sh_size / sizeof(*syms);
	names = (const char *)img + strsec->sh_offset;
	strsize = strsec->sh_size;

	for (i = 0; i < nsyms && n < KSYM_MAX; i++) {
		const struct elf64_sym *s = &syms[i];
		const struct elf64_shdr *sec;
		unsigned int type = ELF_ST_TYPE(s->st_info);
		uint64_t size_guess;

		if (type != STT_FUNC && type != STT_NOTYPE)
			continue;
		if (s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE ||
		    s->st_shndx >= shnum)
			continue;
		sec = &sh[s->st_shndx];
		if (!(sec->sh_flags & SHF_EXECINSTR))
			continue;
		/* The name must be non-empty and terminated inside strtab. */
		if (s->st_name == 0 || s->st_name >= strsize ||
		    kos_strnlen(names + s->st_name, strsize - s->st_name) ==
			    strsize - s->st_name ||
		    names[s->st_name] == '\0')
			continue;
		/* Skip assembler-local labels that made it into the table. */
		if (names[s->st_name] == '.' && names[s->st_name + 1] == 'L')
			continue;

		ksyms[n].addr = s->st_value + load_bias;
		ksyms[n].name = (uint32_t)s->st_name;
		if (s->st_size && s->st_size < KSYM_SIZE_GUESSED) {
			ksyms[n].size = (uint32_t)s->st_size;
		} else {
			/* Until the end of its section, clamped below. */
			size_guess = 0;
			if (s->st_value >= sec->sh_addr &&
			    s->st_value - sec->sh_addr < sec->sh_size)
				size_guess = sec->sh_addr + sec->sh_size -
					     s->st_value;
			if (size_guess >= KSYM_SIZE_GUESSED)
				size_guess = KSYM_SIZE_GUESSED - 1;
			ksyms[n].size =
				(uint32_t)size_guess | KSYM_SIZE_GUESSED;
		}
		n++;
	}
	if (n == 0)
		return 0;

	sort_ksyms(n);
	/* A guessed size never runs into the next symbol. */
	for (i = 0; i + 1 < n; i++) {
		uint64_t gap = ksyms[i + 1].addr - ksyms[i].addr;
		uint32_t sz = ksyms[i].size & ~KSYM_SIZE_GUESSED;

		if ((ksyms[i].size & KSYM_SIZE_GUESSED) && gap < sz)
			ksyms[i].size = (uint32_t)gap | KSYM_SIZE_GUESSED;
	}
	nksyms = n;
	strtab = names;
	return n;
}

void ksym_init_lazy(const void *elf, size_t size, uint64_t load_bias)
{
	strtab = NULL;
	nksyms = 0;
	lazy_elf = elf;
	lazy_size = size;
	lazy_bias = load_bias;
}

/*
 * Binary search for the last symbol starting at or below addr, then check
 * it (or one of the few before it, for aliases and nested labels) covers
 * addr.  Read-only; any context.
 */
int ksym_lookup(unsigned long addr, const char **name, unsigned long *offset)
{
	const struct ksym *k;
	unsigned int lo = 0, hi;
	int i;

	if (lazy_elf)
		ksym_init(lazy_elf, lazy_size, lazy_bias);
	if (!strtab || !nksyms)
		return -1;
	hi = nksyms;
	/* Find the last symbol at or below addr. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/*
	 * Several symbols can share one start (aliases) or nest; look back
	 * a few entries for one that covers addr.
	 */
	for (i = (int)lo - 1; i >= 0 && i >= (int)lo - 8; i--) {
		k = &ksyms[i];
		if (addr - k->addr < (k->size & ~KSYM_SIZE_GUESSED)) {
			*name = strtab + k->name;
			*offset = addr - k->addr;
			return 0;
		}
	}
	return -1;
}
