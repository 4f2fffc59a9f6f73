/*
 * The vDSO as a program finds it: AT_SYSINFO_EHDR, its ELF header and
 * dynamic section, the five functions by name and version through both
 * hash tables (as musl and glibc look them up), their results against
 * the system calls, and Linux's rules for the [vdso]/[vvar] mappings.
 * Prints only what holds on any x86-64 Linux with a vDSO, since the host
 * runs this as the oracle: no addresses, no times, only relations.  (Not
 * clock 16: Linux 6.17's auxiliary clocks start there.)
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096
#define NS 1000000000L

typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, struct timezone *);
typedef time_t (*time_fn)(time_t *);
typedef int (*getres_fn)(clockid_t, struct timespec *);
typedef int (*getcpu_fn)(unsigned *, unsigned *, void *);

/* The image as the dynamic section describes it. */
static struct {
	const Elf64_Ehdr *eh;
	uintptr_t bias; /* load address - link address */
	const Elf64_Sym *syms;
	const char *strs;
	const uint32_t *hash;	  /* DT_HASH */
	const uint32_t *gnu_hash; /* DT_GNU_HASH */
	const uint16_t *versym;
	const Elf64_Verdef *verdef;
	int rel; /* relocation entries of any kind */
} vd;

static void parse(const Elf64_Ehdr *eh)
{
	const Elf64_Phdr *ph = (const void *)((const char *)eh + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	int loads = 0;

	vd.eh = eh;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && loads++ == 0)
			vd.bias =
				(uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const void *)((const char *)eh + ph[i].p_offset);
	}
	printf("PT_LOAD segments: %d\n", loads);
	printf("PT_DYNAMIC: %s\n", dyn ? "yes" : "no");
	if (!dyn)
		return;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const void *p = (const void *)(vd.bias + dyn->d_un.d_ptr);

		switch (dyn->d_tag) {
		case DT_SYMTAB:
			vd.syms = p;
			break;
		case DT_STRTAB:
			vd.strs = p;
			break;
		case DT_HASH:
			vd.hash = p;
			break;
		case DT_GNU_HASH:
			vd.gnu_hash = p;
			break;
		case DT_VERSYM:
			vd.versym = p;
			break;
		case DT_VERDEF:
			vd.verdef = p;
			break;
		case DT_REL:
		case DT_RELA:
		case DT_JMPREL:
		case DT_TEXTREL:
			vd.rel++;
			break;
		}
	}
}

static const char *soname(const Elf64_Ehdr *eh)
{
	const Elf64_Phdr *ph = (const void *)((const char *)eh + eh->e_phoff);

	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Dyn *d;

		if (ph[i].p_type != PT_DYNAMIC)
			continue;
		d = (const void *)((const char *)eh + ph[i].p_offset);
		for (; d->d_tag != DT_NULL; d++)
			if (d->d_tag == DT_SONAME && vd.strs)
				return vd.strs + d->d_un.d_val;
	}
	return "";
}

/* Is symbol i defined in version ver (by its versym and verdef)? */
static int has_version(uint32_t i, const char *ver)
{
	const Elf64_Verdef *d = vd.verdef;
	uint16_t want;

	if (!vd.versym || !d)
		return 0;
	want = vd.versym[i] & 0x7fff;
	for (;;) {
		const Elf64_Verdaux *a =
			(const void *)((const char *)d + d->vd_aux);

		if (d->vd_ndx == want && !(d->vd_flags & VER_FLG_BASE))
			return !strcmp(vd.strs + a->vda_name, ver);
		if (!d->vd_next)
			return 0;
		d = (const void *)((const char *)d + d->vd_next);
	}
}

static int sym_matches(uint32_t i, const char *name, const char *ver)
{
	const Elf64_Sym *s = &vd.syms[i];

	return s->st_shndx != SHN_UNDEF &&
	       ELF64_ST_TYPE(s->st_info) == STT_FUNC &&
	       !strcmp(vd.strs + s->st_name, name) && has_version(i, ver);
}

/* SysV hash (DT_HASH): buckets then chains. */
static void *lookup_sysv(const char *name, const char *ver)
{
	const unsigned char *p = (const void *)name;
	uint32_t h = 0, g, nbucket, i;

	if (!vd.hash)
		return NULL;
	while (*p) {
		h = (h << 4) + *p++;
		g = h & 0xf0000000;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	nbucket = vd.hash[0];
	for (i = vd.hash[2 + h % nbucket]; i; i = vd.hash[2 + nbucket + i])
		if (sym_matches(i, name, ver))
			return (void *)(vd.bias + vd.syms[i].st_value);
	return NULL;
}

/* GNU hash (DT_GNU_HASH): Bloom filter, buckets, hash chains. */
static void *lookup_gnu(const char *name, const char *ver)
{
	const unsigned char *p = (const void *)name;
	uint32_t h = 5381, nbuckets, symoffset, bloom_size, shift, i;
	const uint64_t *bloom;
	const uint32_t *buckets, *chain;
	uint64_t word;

	if (!vd.gnu_hash)
		return NULL;
	while (*p)
		h = h * 33 + *p++;
	nbuckets = vd.gnu_hash[0];
	symoffset = vd.gnu_hash[1];
	bloom_size = vd.gnu_hash[2];
	shift = vd.gnu_hash[3];
	bloom = (const void *)&vd.gnu_hash[4];
	buckets = (const void *)&bloom[bloom_size];
	chain = &buckets[nbuckets];
	word = bloom[(h / 64) % bloom_size];
	if (!((word >> (h % 64)) & (word >> ((h >> shift) % 64)) & 1))
		return NULL;
	i = buckets[h % nbuckets];
	if (i < symoffset)
		return NULL;
	for (;; i++) {
		uint32_t h2 = chain[i - symoffset];

		if ((h | 1) == (h2 | 1) && sym_matches(i, name, ver))
			return (void *)(vd.bias + vd.syms[i].st_value);
		if (h2 & 1)
			return NULL;
	}
}

/* Look name up both ways; they must agree. */
static void *lookup(const char *name)
{
	void *a = lookup_sysv(name, "LINUX_2.6");
	void *b = lookup_gnu(name, "LINUX_2.6");

	printf("%s@LINUX_2.6: %s, %s\n", name, a ? "found" : "missing",
	       a == b ? "DT_HASH and DT_GNU_HASH agree" : "hash tables differ");
	CHECK(a && a == b);
	CHECK(!lookup_sysv(name, "LINUX_9.9") &&
	      !lookup_gnu(name, "LINUX_9.9"));
	return a;
}

static long ts_ns(const struct timespec *t)
{
	return t->tv_sec * NS + t->tv_nsec;
}

static long sys_gettime(clockid_t id, struct timespec *t)
{
	return syscall(SYS_clock_gettime, id, t);
}

/*
 * clock_gettime(id) through the vDSO against the system call: the same
 * result, and for a clock that works, a time between two system calls.
 */
static void check_gettime(gettime_fn f, clockid_t id)
{
	struct timespec a = { 0, 0 }, b = { 0, 0 }, c = { 0, 0 };
	long ra = sys_gettime(id, &a);
	int rb = f(id, &b);
	long rc = sys_gettime(id, &c);

	/* The vDSO returns -errno, the system call wrapper -1 and errno. */
	printf("clock_gettime(%d): vdso %d, syscall %s\n", (int)id, rb,
	       rc == 0 ? "0" : strerror(errno));
	CHECK(ra == rc);
	CHECK(rc == 0 ? rb == 0 : rb == -errno);
	if (rb == 0 && rc == 0) {
		int ordered = ts_ns(&a) <= ts_ns(&b) && ts_ns(&b) <= ts_ns(&c);

		printf("  between two system calls: %s\n",
		       ordered ? "yes" : "no");
		CHECK(b.tv_nsec >= 0 && b.tv_nsec < NS);
		CHECK(ordered);
	}
}

/* A program that mixes both never sees the clock go back. */
static void check_mixed(gettime_fn f, clockid_t id, const char *name)
{
	struct timespec t;
	long prev = 0, back = 0;

	for (int i = 0; i < 2000; i++) {
		long now;

		if (i & 1)
			f(id, &t);
		else
			sys_gettime(id, &t);
		now = ts_ns(&t);
		back += now < prev;
		prev = now;
	}
	printf("%s mixed with the system call never goes back: %s\n", name,
	       back ? "no" : "yes");
	CHECK(back == 0);
}

static void check_getres(getres_fn f, clockid_t id)
{
	struct timespec a, b;
	long ra, rb;

	memset(&a, 0x55, sizeof(a));
	memset(&b, 0x55, sizeof(b));
	ra = syscall(SYS_clock_getres, id, &a);
	rb = f(id, &b);
	printf("clock_getres(%d): %s\n", (int)id,
	       (ra == 0 ? rb == 0 && !memcmp(&a, &b, sizeof(a)) : rb == -errno)
		       ? "same as the system call"
		       : "differs");
	CHECK(ra == 0 ? rb == 0 && !memcmp(&a, &b, sizeof(a)) : rb == -errno);
	ra = syscall(SYS_clock_getres, id, NULL);
	rb = f(id, NULL);
	CHECK(ra == 0 ? rb == 0 : rb == -errno);
}

static void check_time_functions(gettimeofday_fn gtod, time_fn tm)
{
	struct timeval tv;
	struct timezone tz = { 77, 77 }, stz = { 99, 99 };
	struct timespec a, c;
	time_t t = 0, r, s0, s1;
	long us;

	sys_gettime(CLOCK_REALTIME, &a);
	CHECK(gtod(&tv, &tz) == 0);
	sys_gettime(CLOCK_REALTIME, &c);
	us = tv.tv_sec * 1000000L + tv.tv_usec;
	printf("gettimeofday between two REALTIME reads: %s\n",
	       us >= ts_ns(&a) / 1000 && us <= ts_ns(&c) / 1000 ? "yes" : "no");
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	CHECK(us >= ts_ns(&a) / 1000 && us <= ts_ns(&c) / 1000);
	CHECK(syscall(SYS_gettimeofday, NULL, &stz) == 0);
	printf("gettimeofday tz as the system call's: %s\n",
	       tz.tz_minuteswest == stz.tz_minuteswest &&
			       tz.tz_dsttime == stz.tz_dsttime
		       ? "yes"
		       : "no");
	CHECK(gtod(NULL, NULL) == 0);
	CHECK(gtod(&tv, NULL) == 0);
	CHECK(gtod(NULL, &tz) == 0);

	s0 = syscall(SYS_time, NULL);
	r = tm(&t);
	s1 = syscall(SYS_time, NULL);
	printf("time: returns *t, between two system calls: %s\n",
	       r == t && r >= s0 && r <= s1 ? "yes" : "no");
	CHECK(r == t && r >= s0 && r <= s1);
	CHECK(tm(NULL) >= s0);
}

static void check_getcpu(getcpu_fn f)
{
	unsigned cpu = 77, node = 77, scpu = 99, snode = 99;
	int agree = 0;

	/* The scheduler may move us between the two calls: retry. */
	for (int i = 0; i < 100 && !agree; i++) {
		CHECK(f(&cpu, &node, NULL) == 0);
		CHECK(syscall(SYS_getcpu, &scpu, &snode, NULL) == 0);
		agree = cpu == scpu && node == snode;
	}
	printf("getcpu agrees with the system call: %s\n",
	       agree ? "yes" : "no");
	CHECK(agree);
	CHECK(f(NULL, NULL, NULL) == 0);
	CHECK(f(&cpu, NULL, NULL) == 0);
}

/*
 * Can the kernel read this byte of ours?  access() reads a path there
 * (the ELF magic: no such file) and says EFAULT if it cannot.
 */
static int readable(const void *p)
{
	errno = 0;
	return access(p, F_OK) == 0 || errno != EFAULT;
}

/*
 * Linux's rules for the mappings: the image is two pages that cannot be
 * cut, the data below it cannot be made writable, the image can be made
 * writable whole (the store lands in a private copy) and unmapped whole.
 * Last: afterwards the C library's vDSO pointers dangle.
 */
static void check_mappings(char *base, gettime_fn f)
{
	struct timespec t;

	CHECK(readable(base) == 1);
	CHECK_ERR(munmap(base, PG), EINVAL);
	CHECK_ERR(mprotect(base, PG, PROT_READ), EINVAL);
	CHECK_ERR(mprotect(base - PG, PG, PROT_READ | PROT_WRITE), EACCES);
	CHECK_ERR(mprotect(base - PG, PG, PROT_READ | PROT_EXEC), EACCES);
	CHECK(madvise(base, PG, MADV_DONTNEED) == 0);
	CHECK(f(CLOCK_MONOTONIC, &t) == 0);
	CHECK(mprotect(base, 2 * PG, PROT_READ | PROT_WRITE | PROT_EXEC) == 0);
	base[EI_PAD] = 0x5a;
	CHECK(base[EI_PAD] == 0x5a);
	CHECK(f(CLOCK_MONOTONIC, &t) == 0);
	CHECK(mprotect(base, 2 * PG, PROT_READ | PROT_EXEC) == 0);
	CHECK(munmap(base, 2 * PG) == 0);
	printf("[vdso] unmapped: %s\n",
	       readable(base) ? "still there" : "gone");
	CHECK(readable(base) == 0);
}

int main(void)
{
	static const clockid_t ids[] = {
		CLOCK_REALTIME,
		CLOCK_MONOTONIC,
		CLOCK_PROCESS_CPUTIME_ID,
		CLOCK_THREAD_CPUTIME_ID,
		CLOCK_MONOTONIC_RAW,
		CLOCK_REALTIME_COARSE,
		CLOCK_MONOTONIC_COARSE,
		CLOCK_BOOTTIME,
		CLOCK_TAI,
		10,
		12,
		100,
		0x7fffffff,
	};
	char *base = (char *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const void *)base;
	gettime_fn gettime;
	gettimeofday_fn gtod;
	time_fn tm;
	getres_fn getres;
	getcpu_fn getcpu;
	struct timespec t;

	printf("AT_SYSINFO_EHDR: %s\n", base ? "present" : "missing");
	CHECK(base != NULL);
	if (!base)
		return guest_done("vdso");
	printf("page aligned: %s\n",
	       ((uintptr_t)base & (PG - 1)) ? "no" : "yes");
	printf("ELF magic %s, class %d, data %d, type %d, machine %d\n",
	       memcmp(eh->e_ident, ELFMAG, SELFMAG) ? "bad" : "ok",
	       eh->e_ident[EI_CLASS], eh->e_ident[EI_DATA], eh->e_type,
	       eh->e_machine);
	CHECK(eh->e_phentsize == sizeof(Elf64_Phdr));
	parse(eh);
	CHECK(vd.syms && vd.strs);
	if (!vd.syms || !vd.strs)
		return guest_done("vdso");
	printf("DT_HASH: %s, DT_GNU_HASH: %s, versions: %s\n",
	       vd.hash ? "yes" : "no", vd.gnu_hash ? "yes" : "no",
	       vd.versym && vd.verdef ? "yes" : "no");
	printf("relocations: %d\n", vd.rel);
	printf("soname: %s\n", soname(eh));

	gettime = (gettime_fn)lookup("__vdso_clock_gettime");
	gtod = (gettimeofday_fn)lookup("__vdso_gettimeofday");
	tm = (time_fn)lookup("__vdso_time");
	getres = (getres_fn)lookup("__vdso_clock_getres");
	getcpu = (getcpu_fn)lookup("__vdso_getcpu");
	if (!gettime || !gtod || !tm || !getres || !getcpu)
		return guest_done("vdso");

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		check_gettime(gettime, ids[i]);
	check_mixed(gettime, CLOCK_MONOTONIC, "MONOTONIC");
	check_mixed(gettime, CLOCK_REALTIME, "REALTIME");
	check_mixed(gettime, CLOCK_BOOTTIME, "BOOTTIME");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		check_getres(getres, ids[i]);
	check_time_functions(gtod, tm);
	check_getcpu(getcpu);

	/* The C library's own calls reach the same answers. */
	CHECK(clock_gettime(CLOCK_MONOTONIC, &t) == 0);
	CHECK_ERR(clock_gettime(12, &t), EINVAL);
	CHECK_ERR(clock_getres(100, &t), EINVAL);

	check_mappings(base, gettime);
	return guest_done("vdso");
}
