/*
 * The ELF loader.
 *
 * exec_load() turns a file into a fresh address space plus initial
 * registers, in three steps:
 *
 *   1. check: open the file, require a regular executable file and an
 *      x86-64 ELF64 little-endian ET_EXEC or ET_DYN image with sane
 *      program headers;
 *   2. map: each PT_LOAD segment as a private file mapping with its
 *      protection, the part of memsz beyond filesz as zero memory (the
 *      tail of the last file page is cleared), the break right after
 *      the highest segment, the vDSO ([vvar] and [vdso], kos/vdso.h)
 *      where mmap would put it, and the stack below VM_USER_TOP (or a
 *      randomized top);
 *   3. stack: argument and environment strings, AT_RANDOM bytes and the
 *      platform string at the top, then (16-byte aligned) the auxiliary
 *      vector, envp, argv and argc, exactly in Linux's order.
 *
 * Placement matches Linux's: ET_EXEC at its link address; a static PIE
 * (ET_DYN without PT_INTERP) where mmap would put it (top-down below the
 * mmap base), its break at ELF_ET_DYN_BASE.
 *
 * Randomization (struct exec_layout, exec_layout_for()), with Linux
 * x86-64's amounts: the mmap base moves down by up to 2^28 pages (and
 * leaves room for the stack's own randomization above it), a PIE's base
 * up by up to 2^28 pages, the stack top down by up to 2^22 pages and
 * then by less than 8 KiB, rounded up to a page (the stack mapping's
 * end); below the argument strings another gap of less than 8 KiB
 * comes before the platform string (the sub-page offset of the initial
 * stack pointer); the break moves up by up to 1 GiB (randomize_va_space
 * 2), after a page of gap unless it is a static PIE's.  The vDSO and the
 * interpreter go where mmap would put them, so they move with the mmap
 * base.  Without randomization every address is Linux's setarch -R one.
 *
 * Dynamic programs (PT_INTERP): the interpreter named there (the first
 * PT_INTERP; the interpreter's own is ignored, as Linux) is opened for
 * execution relative to the caller's cwd and checked like the program,
 * with Linux's errors for it (-ENOENT/-EACCES from the open, -EIO for a
 * short header, -ELIBBAD for no x86-64 ELF, -EINVAL for a wrong type).
 * The program goes first: a PIE at ELF_ET_DYN_BASE (0x555555554000,
 * plus its random offset, rounded down to its largest segment
 * alignment), ET_EXEC at its
 * address; its break right after it.  Then the interpreter (ET_DYN)
 * where mmap would put it, right below the mmap base, then the vDSO
 * below that: the order and addresses of Linux's setarch -R layout.
 * Execution starts at the interpreter's entry; the auxiliary vector
 * tells it AT_BASE (its load bias) and the program's AT_PHDR, AT_PHNUM,
 * AT_ENTRY.
 *
 * Nothing of the calling process changes: the caller installs the new
 * address space, so a failed exec leaves the old program intact.
 */
#include <kos/cmdline.h>
#include <kos/exec.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/plat/user.h>
#include <kos/proc.h>
#include <kos/random.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/vdso.h>
#include <kos/vfs.h>
#include <kos/vm.h>
#include <uapi/elf.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/mman.h>
#include <uapi/personality.h>
#include <uapi/stat.h>

#define EXEC_MAX_PHNUM 128
#define EXEC_INITIAL_STACK (128UL << 10) /* mapped up front */
/*
 * Where Linux puts the break of a static PIE: ELF_ET_DYN_BASE (2/3 of the
 * 47-bit user space, 0x555555554aaa) rounded up to a page, before its
 * randomization.
 */
#define EXEC_PIE_BRK 0x555555555000UL
/* Where Linux loads a PIE that has an interpreter: ELF_ET_DYN_BASE. */
#define EXEC_DYN_BASE 0x555555554000UL
#define EXEC_PATH_MAX 4096
/* Randomization, Linux x86-64's: mmap64_rnd_bits, STACK_RND_MASK... */
#define EXEC_MMAP_RND_PAGES (1UL << 28)	 /* mmap base, PIE base */
#define EXEC_STACK_RND_PAGES (1UL << 22) /* stack top */
#define EXEC_STACK_RND_BYTES 8192UL	 /* arch_align_stack()'s */
#define EXEC_BRK_RND (1UL << 30)	 /* the break's range */
/* The gap between the stack top and the mmap base: within these. */
#define EXEC_MMAP_GAP_MIN (128UL << 20)
#define EXEC_MMAP_GAP_MAX (VM_USER_TOP / 6 * 5)
#define USER_CS 0x33
#define USER_SS 0x2b
#define RFLAGS_IF 0x200

struct exec_image {
	struct file *file;
	struct elf64_ehdr eh;
	struct elf64_phdr *ph;
	unsigned long bias;	 /* added to every p_vaddr */
	unsigned long phdr_addr; /* AT_PHDR */
	unsigned long brk;	 /* end of the highest segment */
	bool exec_stack;	 /* PT_GNU_STACK asks for PROT_EXEC */
	unsigned long vdso;	 /* AT_SYSINFO_EHDR, 0 if none */
	const struct elf64_phdr *interp_ph; /* PT_INTERP, NULL if none */
	bool is_interp;			    /* the program's interpreter */
};

unsigned int exec_randomize_va_space = 2;

void exec_init(void)
{
	if (cmdline_has(&kos_cmdline, "norandmaps"))
		exec_randomize_va_space = 0;
}

void exec_layout_for(unsigned int persona, uint64_t stack_limit,
		     struct exec_layout *lay)
{
	unsigned int va =
		__atomic_load_n(&exec_randomize_va_space, __ATOMIC_RELAXED);

	lay->randomize = va != 0 && !(persona & ADDR_NO_RANDOMIZE);
	lay->randomize_brk = lay->randomize && va > 1;
	lay->stack_limit = stack_limit;
}

/* A random number in [0, n), n > 0, from the kernel's generator. */
static unsigned long exec_rnd(unsigned long n)
{
	unsigned long r;

	kos_random_bytes(&r, sizeof(r));
	return r % n;
}

/*
 * Where top-down mmap starts (Linux's mmap_base()): below the stack's
 * room -- its limit, the guard gap and, randomized, the stack top's own
 * range, kept between 128 MiB and 5/6 of user space -- and, randomized,
 * a random number of pages lower still.
 */
static unsigned long exec_mmap_base(const struct exec_layout *lay)
{
	uint64_t gap = lay->stack_limit;
	uint64_t pad = VM_STACK_GUARD_GAP;
	unsigned long rnd = 0;

	if (lay->randomize) {
		pad += (EXEC_STACK_RND_PAGES - 1) * PAGE_SIZE;
		rnd = exec_rnd(EXEC_MMAP_RND_PAGES) * PAGE_SIZE;
	}
	if (gap + pad > gap) /* RLIM_INFINITY would wrap */
		gap += pad;
	gap = MAX(gap, EXEC_MMAP_GAP_MIN);
	gap = MIN(gap, EXEC_MMAP_GAP_MAX);
	return ALIGN_UP(VM_USER_TOP - gap - rnd, PAGE_SIZE);
}

/*
 * The end of the stack mapping: VM_USER_TOP, or randomized a random
 * number of pages below it and then less than EXEC_STACK_RND_BYTES
 * lower, rounded (16 bytes down, then up to a page) as Linux's
 * setup_arg_pages() does.
 */
static unsigned long exec_stack_top(const struct exec_layout *lay)
{
	unsigned long top = VM_USER_TOP;

	if (!lay->randomize)
		return top;
	top -= exec_rnd(EXEC_STACK_RND_PAGES) * PAGE_SIZE;
	top -= exec_rnd(EXEC_STACK_RND_BYTES);
	return ALIGN_UP(top & ~15UL, PAGE_SIZE);
}

static unsigned long cpu_hwcap(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d;
}

static unsigned int elf_prot(uint32_t pflags)
{
	return (pflags & PF_R ? PROT_READ : 0) |
	       (pflags & PF_W ? PROT_WRITE : 0) |
	       (pflags & PF_X ? PROT_EXEC : 0);
}

/*
 * Step 1: the headers of the (opened, checked) file.  A program that is
 * no ELF image for this machine is -ENOEXEC; its interpreter, as Linux
 * says, -EIO when shorter than the header, -ELIBBAD when it is no x86-64
 * ELF image or its program headers are unusable, -EINVAL when it is
 * neither ET_EXEC nor ET_DYN.
 */
static int exec_check(struct exec_image *im, struct file *f)
{
	int bad = im->is_interp ? -ELIBBAD : -ENOEXEC;
	int shortread = im->is_interp ? -EIO : -ENOEXEC;
	size_t phsize;

	file_get(f);
	im->file = f;
	if (file_pread_kernel(im->file, &im->eh, sizeof(im->eh), 0) !=
	    sizeof(im->eh))
		return shortread;
	if (kos_memcmp(im->eh.e_ident, ELFMAG, 4) != 0 ||
	    im->eh.e_ident[4] != ELFCLASS64 ||
	    im->eh.e_ident[5] != ELFDATA2LSB || im->eh.e_machine != EM_X86_64)
		return bad;
	if (im->eh.e_phentsize != sizeof(struct elf64_phdr) ||
	    im->eh.e_phnum == 0 || im->eh.e_phnum > EXEC_MAX_PHNUM)
		return bad;
	if (im->eh.e_type != ET_EXEC && im->eh.e_type != ET_DYN)
		return im->is_interp ? -EINVAL : -ENOEXEC;
	phsize = im->eh.e_phnum * sizeof(struct elf64_phdr);
	im->ph = kmalloc(phsize);
	if (!im->ph)
		return -ENOMEM;
	if (file_pread_kernel(im->file, im->ph, phsize, im->eh.e_phoff) !=
	    (ssize_t)phsize)
		return shortread;
	return 0;
}

/* The span [lo, hi) of all PT_LOAD segments, page aligned; -ENOEXEC. */
static int exec_span(struct exec_image *im, unsigned long *lo,
		     unsigned long *hi)
{
	bool any = false;

	*lo = ~0UL;
	*hi = 0;
	for (int i = 0; i < im->eh.e_phnum; i++) {
		const struct elf64_phdr *p = &im->ph[i];

		if (p->p_type == PT_GNU_STACK && !im->is_interp)
			im->exec_stack = p->p_flags & PF_X;
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		if (p->p_filesz > p->p_memsz ||
		    p->p_vaddr + p->p_memsz < p->p_vaddr ||
		    p->p_vaddr + p->p_memsz > VM_USER_TOP ||
		    (p->p_vaddr & (PAGE_SIZE - 1)) !=
			    (p->p_offset & (PAGE_SIZE - 1)))
			return -ENOEXEC;
		*lo = MIN(*lo, ALIGN_DOWN(p->p_vaddr, PAGE_SIZE));
		*hi = MAX(*hi, ALIGN_UP(p->p_vaddr + p->p_memsz, PAGE_SIZE));
		any = true;
	}
	return any ? 0 : -ENOEXEC;
}

/* Map one PT_LOAD segment at bias. */
static int exec_map_segment(struct vm_space *vm, struct exec_image *im,
			    const struct elf64_phdr *p)
{
	unsigned long start = im->bias + p->p_vaddr;
	unsigned long page = ALIGN_DOWN(start, PAGE_SIZE);
	unsigned long file_end = start + p->p_filesz;
	unsigned long mem_end = start + p->p_memsz;
	unsigned long file_page_end = ALIGN_UP(file_end, PAGE_SIZE);
	unsigned int prot = elf_prot(p->p_flags);
	unsigned long got;
	int err;

	if (p->p_filesz) {
		err = vm_map(vm, page, file_page_end - page, prot,
			     MAP_PRIVATE | MAP_FIXED, im->file,
			     ALIGN_DOWN(p->p_offset, PAGE_SIZE), &got);
		if (err)
			return err;
		/*
		 * With a .bss, the rest of the last file page after filesz is
		 * zero up to the page's end, as Linux clears it: glibc's
		 * ld.so takes its first allocations from there, unzeroed.
		 */
		if (mem_end > file_end && (file_end & (PAGE_SIZE - 1))) {
			static const char zeros[256];
			unsigned long a = file_end;
			unsigned long stop = file_page_end;

			while (a < stop) {
				size_t n = MIN(stop - a, sizeof(zeros));

				err = vm_write_kernel(vm, a, zeros, n);
				if (err)
					return err;
				a += n;
			}
		}
	} else {
		file_page_end = page;
	}
	if (ALIGN_UP(mem_end, PAGE_SIZE) > file_page_end) {
		err = vm_map(vm, file_page_end,
			     ALIGN_UP(mem_end, PAGE_SIZE) - file_page_end, prot,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0,
			     &got);
		if (err)
			return err;
	}
	if (mem_end > im->brk)
		im->brk = mem_end;
	return 0;
}

/* The largest power-of-two p_align of the PT_LOAD segments (0: none). */
static unsigned long exec_max_align(const struct exec_image *im)
{
	unsigned long align = 0;

	for (int i = 0; i < im->eh.e_phnum; i++) {
		unsigned long a = im->ph[i].p_align;

		if (im->ph[i].p_type == PT_LOAD && a && !(a & (a - 1)))
			align = MAX(align, a);
	}
	return align;
}

/*
 * The program's break.  Linux starts it right after the image, except
 * for a program that has no interpreter and is ET_DYN -- a static PIE,
 * loaded high, below the mmap base -- whose break starts at
 * ELF_ET_DYN_BASE instead.  Randomized, a page of gap follows the image
 * (not the moved break), then up to 1 GiB of random pages.
 */
static void exec_set_brk(struct vm_space *vm, const struct exec_image *im,
			 const struct exec_layout *lay)
{
	unsigned long brk;

	if (im->eh.e_type == ET_DYN && !im->interp_ph) {
		brk = EXEC_PIE_BRK;
	} else {
		brk = ALIGN_UP(im->brk, PAGE_SIZE);
		if (lay->randomize_brk)
			brk += PAGE_SIZE;
	}
	if (lay->randomize_brk)
		brk += exec_rnd(EXEC_BRK_RND / PAGE_SIZE) * PAGE_SIZE;
	vm_set_brk_base(vm, brk);
}

/*
 * Step 2: segments, program-header address, break.
 *
 * Where an image goes, as Linux without randomization:
 *   - ET_EXEC: at its link address (bias 0);
 *   - the interpreter (ET_DYN) and a static PIE (ET_DYN, no PT_INTERP):
 *     where mmap would put the whole span, top-down below the mmap base;
 *   - a PIE with an interpreter: at EXEC_DYN_BASE (ELF_ET_DYN_BASE),
 *     randomized up by up to 2^28 pages, rounded down to the largest
 *     segment alignment.
 * The span is reserved first and the segments mapped over it; what lies
 * between segments is unmapped again, so holes are holes as on Linux.
 */
static int exec_map(struct vm_space *vm, struct exec_image *im,
		    const struct exec_layout *lay)
{
	unsigned long lo, hi, got, prev_end = 0;
	int err = exec_span(im, &lo, &hi);

	if (err)
		return err;
	if (im->eh.e_type == ET_DYN && im->interp_ph) {
		unsigned long base = EXEC_DYN_BASE;
		unsigned long align = exec_max_align(im);

		if (lay->randomize)
			base += exec_rnd(EXEC_MMAP_RND_PAGES) * PAGE_SIZE;

		if (align > PAGE_SIZE)
			base = ALIGN_DOWN(base, align);
		if (base < lo || hi - lo > VM_USER_TOP - base)
			return -ENOMEM;
		im->bias = ALIGN_DOWN(base - lo, PAGE_SIZE);
		err = vm_map(vm, im->bias + lo, hi - lo, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0,
			     &got);
		if (err)
			return err;
	} else if (im->eh.e_type == ET_DYN) {
		/* Reserve the whole span where mmap would put it. */
		err = vm_map(vm, 0, hi - lo, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &got);
		if (err)
			return err;
		im->bias = got - lo;
	}
	im->phdr_addr = 0;
	for (int i = 0; i < im->eh.e_phnum; i++) {
		const struct elf64_phdr *p = &im->ph[i];
		unsigned long start, end;

		if (p->p_type == PT_PHDR)
			im->phdr_addr = im->bias + p->p_vaddr;
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		start = ALIGN_DOWN(im->bias + p->p_vaddr, PAGE_SIZE);
		end = ALIGN_UP(im->bias + p->p_vaddr + p->p_memsz, PAGE_SIZE);
		/* The reservation between two segments goes. */
		if (im->eh.e_type == ET_DYN && prev_end && start > prev_end) {
			err = vm_unmap(vm, prev_end, start - prev_end);
			if (err)
				return err;
		}
		prev_end = MAX(prev_end, end);
		err = exec_map_segment(vm, im, p);
		if (err)
			return err;
		if (!im->phdr_addr && im->eh.e_phoff >= p->p_offset &&
		    im->eh.e_phoff < p->p_offset + p->p_filesz)
			im->phdr_addr = im->bias + p->p_vaddr +
					(im->eh.e_phoff - p->p_offset);
	}
	if (im->is_interp)
		return 0; /* the break is the program's */
	exec_set_brk(vm, im, lay);
	return 0;
}

/*
 * The program's PT_INTERP (the first one, as Linux): read the path, open
 * it for execution relative to cwd (NULL: the root) and check its
 * headers into interp.  0 if the program has none.  A path that is too
 * short or long or not NUL-terminated is -ENOEXEC; the open's errors
 * (-ENOENT, -EACCES...) and exec_check's are returned as they are.  The
 * interpreter's own PT_INTERP, if any, is ignored, as Linux does.
 */
static int exec_find_interp(struct exec_image *im, struct vnode *cwd,
			    struct exec_image *interp)
{
	const struct elf64_phdr *p = NULL;
	struct file *f = NULL;
	char *path;
	int err;

	for (int i = 0; i < im->eh.e_phnum && !p; i++)
		if (im->ph[i].p_type == PT_INTERP)
			p = &im->ph[i];
	if (!p)
		return 0;
	im->interp_ph = p;
	if (p->p_filesz < 2 || p->p_filesz > EXEC_PATH_MAX)
		return -ENOEXEC;
	path = kmalloc(p->p_filesz);
	if (!path)
		return -ENOMEM;
	if (file_pread_kernel(im->file, path, p->p_filesz, p->p_offset) !=
	    (ssize_t)p->p_filesz)
		err = -EIO;
	else if (path[p->p_filesz - 1] != 0)
		err = -ENOEXEC;
	else
		err = exec_open(cwd, path, false, &f);
	kfree(path);
	if (err)
		return err;
	interp->is_interp = true;
	err = exec_check(interp, f);
	file_put(f); /* interp holds its own reference */
	return err;
}

/* Bytes of strings in a NULL-terminated array; -E2BIG if too much. */
static long strings_size(const char *const v[], int *count)
{
	long total = 0;
	int n = 0;

	for (; v && v[n]; n++) {
		size_t len = kos_strlen(v[n]) + 1;

		if (len > EXEC_MAX_ARG_STRLEN)
			return -E2BIG;
		total += len;
		if (total > (long)EXEC_MAX_ARGS_BYTES)
			return -E2BIG;
	}
	/* The argv/envp pointers count too, as on Linux. */
	if (total + (long)(n + 1) * 8 > (long)EXEC_MAX_ARGS_BYTES)
		return -E2BIG;
	*count = n;
	return total;
}

/*
 * Step 3: the initial stack, top down from top:
 *	[execfn string][env strings][arg strings] ... top of stack
 *	(16-byte aligned, randomized up to 8 KiB lower)
 *	[platform "x86_64"][16 random bytes]
 *	(align 16) auxv pairs, NULL, envp[], NULL, argv[], argc  <- rsp
 */
static int exec_stack(struct vm_space *vm, struct exec_image *im,
		      const struct exec_image *interp, const struct creds *cr,
		      const struct exec_layout *lay, unsigned long top,
		      const char *path, const char *const argv[],
		      const char *const envp[], unsigned long *sp_out)
{
	static const char platform[] = "x86_64";
	int argc, envc, nauxv, err;
	long argsz = strings_size(argv, &argc);
	long envsz = strings_size(envp, &envc);
	unsigned long sp = top, execfn, strings, plat, rnd;
	uint64_t aux[2 * 26];
	uint64_t *vec;
	size_t nvec, i = 0;
	uint8_t random[16];

	if (argsz < 0 || envsz < 0)
		return -E2BIG;
	/* Linux leaves the top 8 bytes as an end marker (NULL pointer). */
	sp -= sizeof(uint64_t);
	sp -= kos_strlen(path) + 1;
	execfn = sp;
	err = vm_write_kernel(vm, execfn, path, kos_strlen(path) + 1);
	if (err)
		return err;
	sp -= envsz + argsz;
	strings = sp;
	/* Linux's arch_align_stack(): randomized, up to 8 KiB lower. */
	if (lay->randomize)
		sp -= exec_rnd(EXEC_STACK_RND_BYTES);
	sp &= ~15UL;
	sp -= sizeof(platform);
	plat = sp;
	sp -= sizeof(random);
	rnd = sp;
	kos_random_bytes(random, sizeof(random));
	if ((err = vm_write_kernel(vm, plat, platform, sizeof(platform))) ||
	    (err = vm_write_kernel(vm, rnd, random, sizeof(random))))
		return err;

#define AUX(t, v) (aux[i++] = (t), aux[i++] = (uint64_t)(v))
	if (im->vdso)
		AUX(AT_SYSINFO_EHDR, im->vdso);
	AUX(AT_MINSIGSTKSZ, sig_frame_size());
	AUX(AT_HWCAP, cpu_hwcap());
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_CLKTCK, 100);
	AUX(AT_PHDR, im->phdr_addr);
	AUX(AT_PHENT, sizeof(struct elf64_phdr));
	AUX(AT_PHNUM, im->eh.e_phnum);
	AUX(AT_BASE, interp->file ? interp->bias : 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, im->bias + im->eh.e_entry);
	AUX(AT_UID, cr->uid);
	AUX(AT_EUID, cr->euid);
	AUX(AT_GID, cr->gid);
	AUX(AT_EGID, cr->egid);
	AUX(AT_SECURE, cr->uid != cr->euid || cr->gid != cr->egid);
	AUX(AT_RANDOM, rnd);
	AUX(AT_HWCAP2, 0);
	AUX(AT_EXECFN, execfn);
	AUX(AT_PLATFORM, plat);
	AUX(AT_NULL, 0);
#undef AUX
	nauxv = i;

	/* argc + argv + NULL + envp + NULL + auxv, 16-byte aligned rsp. */
	nvec = 1 + argc + 1 + envc + 1 + nauxv;
	sp = ALIGN_DOWN(sp - nvec * sizeof(uint64_t), 16);
	vec = kmalloc(nvec * sizeof(uint64_t));
	if (!vec)
		return -ENOMEM;
	i = 0;
	vec[i++] = argc;
	unsigned long s = strings;
	for (int k = 0; k < argc; k++) {
		size_t len = kos_strlen(argv[k]) + 1;

		vec[i++] = s;
		err = vm_write_kernel(vm, s, argv[k], len);
		if (err)
			goto out;
		s += len;
	}
	vec[i++] = 0;
	for (int k = 0; k < envc; k++) {
		size_t len = kos_strlen(envp[k]) + 1;

		vec[i++] = s;
		err = vm_write_kernel(vm, s, envp[k], len);
		if (err)
			goto out;
		s += len;
	}
	vec[i++] = 0;
	vm->arg_start = strings;
	vm->arg_end = vm->env_start = strings + (unsigned long)argsz;
	vm->env_end = s;
	kos_memcpy(&vec[i], aux, nauxv * sizeof(uint64_t));
	err = vm_write_kernel(vm, sp, vec, nvec * sizeof(uint64_t));
	*sp_out = sp;
out:
	kfree(vec);
	return err;
}

int exec_load(struct file *f, struct vnode *cwd, const struct creds *cr,
	      const struct exec_layout *lay, const char *path,
	      const char *const argv[], const char *const envp[],
	      struct vm_space **vm_out, struct uregs *regs)
{
	struct exec_image im, interp;
	struct vm_space *vm = NULL;
	unsigned long sp = 0, top;
	int err;

	kos_memset(&im, 0, sizeof(im));
	kos_memset(&interp, 0, sizeof(interp));
	err = exec_check(&im, f);
	if (!err)
		err = exec_find_interp(&im, cwd, &interp);
	if (err)
		goto out;
	vm = vm_create();
	if (!vm) {
		err = -ENOMEM;
		goto out;
	}
	vm_set_mmap_base(vm, exec_mmap_base(lay));
	top = exec_stack_top(lay);
	err = exec_map(vm, &im, lay);
	if (!err && interp.file)
		err = exec_map(vm, &interp, lay);
	if (err)
		goto out;
	/* Where Linux maps it: after the program, where mmap() would. */
	err = vdso_map(vm, &im.vdso);
	if (err && err != -ENOSYS)
		goto out;
	err = vm_map_stack(vm, top, EXEC_INITIAL_STACK);
	if (err)
		goto out;
	if (im.exec_stack)
		err = vm_protect(vm, top - EXEC_INITIAL_STACK,
				 EXEC_INITIAL_STACK,
				 PROT_READ | PROT_WRITE | PROT_EXEC);
	if (err)
		goto out;
	err = exec_stack(vm, &im, &interp, cr, lay, top, path, argv, envp, &sp);
	if (err)
		goto out;

	kos_memset(regs, 0, sizeof(*regs));
	if (interp.file)
		regs->rip = interp.bias + interp.eh.e_entry;
	else
		regs->rip = im.bias + im.eh.e_entry;
	regs->rsp = sp;
	regs->cs = USER_CS;
	regs->ss = USER_SS;
	regs->eflags = RFLAGS_IF;
	regs->orig_rax = (uint64_t)-1;
	*vm_out = vm;
	vm = NULL;
out:
	if (vm)
		vm_destroy(vm);
	if (im.file)
		file_put(im.file);
	if (interp.file)
		file_put(interp.file);
	kfree(im.ph);
	kfree(interp.ph);
	return err;
}
