/*
 * Memory: mmap placement, hints, MAP_FIXED / MAP_FIXED_NOREPLACE,
 * protections, munmap splits, mprotect ranges, madvise, brk edges.
 * Signals are not delivered on KOS yet, so access rights are probed
 * through the kernel (ct_kreadable/ct_kwritable: EFAULT or not), never by
 * touching an inaccessible page.  Addresses are printed only as relations.
 */
#include <sys/resource.h>

#include "contract.h"

#define CONTRACT_AREA "mem"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW_ (PROT_READ | PROT_WRITE)

/* A free region far from everything else, for hint/fixed tests. */
#define FAR ((char *)0x200000000000UL)

static void *mm(void *a, long len, int prot, int flags, int fd, long off)
{
	return (void *)syscall(SYS_mmap, a, len, prot, flags, fd, off);
}

static long mmap_err(void *a, long len, int prot, int flags, int fd, long off)
{
	void *p = mm(a, len, prot, flags, fd, off);

	if (p != MAP_FAILED) {
		munmap(p, len ? len : PG);
		return 0;
	}
	return -1;
}

CONTRACT_TEST(anon_zeroed_aligned)
{
	volatile char *a = ct_map(8 * PG, RW_);
	int nonzero = 0;

	if (!a)
		return;
	CHECK("page aligned", ((uintptr_t)a & (PG - 1)) == 0);
	for (long i = 0; i < 8 * PG; i += 512)
		nonzero += a[i] != 0;
	CHECK("zero filled", nonzero == 0);
	a[100] = 42;
	CHECK("writable", a[100] == 42);
	CHECK_RET("munmap", munmap((void *)a, 8 * PG), 0);
}

/* Without a hint the allocator goes top-down: the next one sits below. */
CONTRACT_TEST(placement_topdown)
{
	char *a = ct_map(4 * PG, RW_), *b = ct_map(2 * PG, RW_);
	char *stack = (char *)&a;
	char *brk = (char *)syscall(SYS_brk, 0);

	CHECK("second mapping directly below the first", b + 2 * PG == a);
	CHECK("below the stack", a < stack);
	CHECK("above the break", b > brk);
	munmap(a, 4 * PG);
	munmap(b, 2 * PG);
	/* The freed range is reused. */
	char *c = ct_map(4 * PG, RW_);
	CHECK("freed range reused", c == a);
	munmap(c, 4 * PG);
}

CONTRACT_TEST(hints)
{
	char *p = mm(FAR, PG, PROT_READ, ANON, -1, 0);

	CHECK("free hint honoured", p == FAR);
	char *q = mm(FAR, PG, PROT_READ, ANON, -1, 0);
	CHECK("occupied hint: placed elsewhere", q != MAP_FAILED && q != FAR);
	munmap(q, PG);
	munmap(p, PG);
	p = mm(FAR + 0x123, PG, PROT_READ, ANON, -1, 0);
	CHECK("unaligned hint: page aligned result",
	      p != MAP_FAILED && ((uintptr_t)p & (PG - 1)) == 0);
	ct_say("unaligned hint placed at hint page + %ld pages",
	       (long)(p - FAR) / PG);
	munmap(p, PG);
	p = mm((void *)0x800000000000UL, PG, PROT_READ, ANON, -1, 0);
	CHECK("hint above user space: placed below it",
	      p != MAP_FAILED && (uintptr_t)p < 0x800000000000UL);
	munmap(p, PG);
}

CONTRACT_TEST(map_fixed)
{
	volatile char *a = mm(FAR, 3 * PG, RW_, ANON, -1, 0);
	char *f;

	if (a != FAR)
		return ct_fail(__FILE__, __LINE__, "hint not honoured");
	a[10] = 1;
	a[PG + 10] = 2;
	f = mm(FAR + PG, PG, RW_, ANON | MAP_FIXED, -1, 0);
	CHECK("MAP_FIXED returns the address", f == FAR + PG);
	CHECK("replaced page is zero", a[PG + 10] == 0);
	CHECK("neighbour kept", a[10] == 1);
	CHECK("MAP_FIXED unaligned: EINVAL",
	      mm(FAR + 1, PG, RW_, ANON | MAP_FIXED, -1, 0) == MAP_FAILED &&
		      errno == EINVAL);
	CHECK("MAP_FIXED above user space: ENOMEM",
	      mm((void *)0x7ffffffff000UL, PG, RW_, ANON | MAP_FIXED, -1, 0) ==
			      MAP_FAILED &&
		      errno == ENOMEM);
	munmap(FAR, 3 * PG);
}

CONTRACT_TEST(map_fixed_noreplace)
{
	char *a = mm(FAR, 2 * PG, RW_, ANON, -1, 0), *p;

	CHECK("setup", a == FAR);
	p = mm(FAR, PG, RW_, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK_EQ("over a mapping: errno", p == MAP_FAILED ? errno : 0, EEXIST);
	p = mm(FAR - PG, 2 * PG, RW_, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK_EQ("partial overlap: errno", p == MAP_FAILED ? errno : 0, EEXIST);
	p = mm(FAR + 2 * PG, PG, RW_, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK("adjacent free page: mapped there", p == FAR + 2 * PG);
	p = mm(FAR + 5 * PG + 7, PG, RW_, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK_EQ("unaligned: errno", p == MAP_FAILED ? errno : 0, EINVAL);
	munmap(FAR, 3 * PG);
}

CONTRACT_TEST(mmap_bad_args)
{
	int f = ct_open(DATA "/small", O_RDONLY);
	int d = ct_open(DATA, O_RDONLY | O_DIRECTORY);
	int w = ct_open(RW "/scratch", O_WRONLY);

	CHECK_ERR("len 0", mmap_err(NULL, 0, RW_, ANON, -1, 0), EINVAL);
	CHECK_ERR("neither PRIVATE nor SHARED",
		  mmap_err(NULL, PG, RW_, MAP_ANONYMOUS, -1, 0), EINVAL);
	CHECK_ERR("len 2^62", mmap_err(NULL, 1L << 62, RW_, ANON, -1, 0),
		  ENOMEM);
	CHECK_ERR("len -4096", mmap_err(NULL, -PG, RW_, ANON, -1, 0), ENOMEM);
	CHECK_ERR("bad fd", mmap_err(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0),
		  EBADF);
	CHECK_ERR("unaligned offset",
		  mmap_err(NULL, PG, PROT_READ, MAP_PRIVATE, f, 1), EINVAL);
	CHECK_ERR("directory", mmap_err(NULL, PG, PROT_READ, MAP_PRIVATE, d, 0),
		  ENODEV);
	CHECK_ERR("write-only fd",
		  mmap_err(NULL, PG, PROT_READ, MAP_PRIVATE, w, 0), EACCES);
	CHECK_ERR("SHARED+WRITE on read-only fd",
		  mmap_err(NULL, PG, RW_, MAP_SHARED, f, 0), EACCES);
	CHECK_RET("PRIVATE+WRITE on read-only fd",
		  mmap_err(NULL, PG, RW_, MAP_PRIVATE, f, 0), 0);
	CHECK_RET("anonymous ignores fd", mmap_err(NULL, PG, RW_, ANON, 999, 0),
		  0);
	close(f);
	close(d);
	close(w);
}

CONTRACT_TEST(munmap_split)
{
	char *a = ct_map(5 * PG, RW_);

	if (!a)
		return;
	a[0] = 1;
	a[4 * PG] = 5;
	CHECK_RET("munmap middle page", munmap(a + 2 * PG, PG), 0);
	CHECK("page 1 mapped", ct_kreadable(a + PG));
	CHECK("page 2 gone", !ct_kreadable(a + 2 * PG));
	CHECK("page 3 mapped", ct_kreadable(a + 3 * PG));
	CHECK("contents kept", a[0] == 1 && a[4 * PG] == 5);
	CHECK_RET("munmap(len 1) takes a whole page", munmap(a + 3 * PG, 1), 0);
	CHECK("page 3 gone", !ct_kreadable(a + 3 * PG));
	CHECK_RET("munmap across hole", munmap(a, 5 * PG), 0);
	CHECK("all gone", !ct_kreadable(a) && !ct_kreadable(a + 4 * PG));
	CHECK_RET("munmap of nothing", munmap(a, 5 * PG), 0);
}

CONTRACT_TEST(munmap_errors)
{
	char *a = ct_map(PG, RW_);

	CHECK_ERR("unaligned address", munmap(a + 1, PG), EINVAL);
	CHECK_ERR("length 0", munmap(a, 0), EINVAL);
	CHECK_ERR("beyond user space", munmap((void *)0x7ffffffff000UL, 2 * PG),
		  EINVAL);
	CHECK_ERR("kernel address", munmap(BAD_KERN, PG), EINVAL);
	CHECK("still mapped", ct_kreadable(a));
	munmap(a, PG);
}

CONTRACT_TEST(protections)
{
	char *a = ct_map(4 * PG, RW_);

	if (!a)
		return;
	CHECK_RET("mprotect(PROT_READ)", mprotect(a, PG, PROT_READ), 0);
	CHECK("READ: readable", ct_kreadable(a));
	CHECK("READ: not writable", !ct_kwritable(a));
	CHECK_RET("mprotect(PROT_NONE)", mprotect(a + PG, PG, PROT_NONE), 0);
	CHECK("NONE: not readable", !ct_kreadable(a + PG));
	CHECK("NONE: not writable", !ct_kwritable(a + PG));
	CHECK_RET("mprotect(PROT_WRITE)", mprotect(a + 2 * PG, PG, PROT_WRITE),
		  0);
	CHECK("WRITE implies READ on x86", ct_kreadable(a + 2 * PG));
	CHECK("WRITE: writable", ct_kwritable(a + 2 * PG));
	CHECK_RET("back to READ|WRITE", mprotect(a, 3 * PG, RW_), 0);
	CHECK("all writable again", ct_kwritable(a) && ct_kwritable(a + PG) &&
					    ct_kwritable(a + 2 * PG));
	char *r = mm(NULL, PG, PROT_READ, ANON, -1, 0);
	CHECK("PROT_READ mapping: not writable", !ct_kwritable(r));
	munmap(r, PG);
	munmap(a, 4 * PG);
}

CONTRACT_TEST(mprotect_ranges)
{
	char *a = ct_map(6 * PG, RW_);

	if (!a)
		return;
	CHECK_RET("len rounded up to a page",
		  syscall(SYS_mprotect, a, 1, PROT_READ), 0);
	CHECK("page 0 read-only", !ct_kwritable(a));
	CHECK("page 1 untouched", ct_kwritable(a + PG));
	CHECK_RET("len 0", syscall(SYS_mprotect, a, 0, PROT_NONE), 0);
	CHECK_ERR("unaligned address",
		  syscall(SYS_mprotect, a + 1, PG, PROT_READ), EINVAL);
	CHECK_ERR("bad prot bits", syscall(SYS_mprotect, a, PG, 0x10), EINVAL);
	CHECK_ERR("GROWSDOWN on a normal mapping",
		  syscall(SYS_mprotect, a, PG, PROT_READ | PROT_GROWSDOWN),
		  EINVAL);
	munmap(a + 3 * PG, PG);
	/* [0..3) mapped, 3 hole, [4..6) mapped. */
	CHECK_ERR("range over a hole",
		  syscall(SYS_mprotect, a + PG, 4 * PG, PROT_NONE), ENOMEM);
	CHECK("part before the hole changed", !ct_kreadable(a + 2 * PG));
	CHECK("part after the hole unchanged", ct_kwritable(a + 4 * PG));
	CHECK_ERR("unmapped range",
		  syscall(SYS_mprotect, a + 3 * PG, PG, PROT_READ), ENOMEM);
	CHECK_RET("spanning two mappings that touch",
		  syscall(SYS_mprotect, a, 3 * PG, RW_), 0);
	munmap(a, 6 * PG);
}

CONTRACT_TEST(madvise)
{
	volatile char *a = ct_map(4 * PG, RW_);
	int f = ct_open(DATA "/page", O_RDONLY);
	volatile char *m;

	if (!a)
		return;
	a[5] = 7;
	a[PG + 5] = 8;
	CHECK_RET("MADV_DONTNEED", madvise((void *)a, PG, MADV_DONTNEED), 0);
	CHECK("anonymous page zeroed", a[5] == 0);
	CHECK("next page kept", a[PG + 5] == 8);
	m = mm(NULL, PG, RW_, MAP_PRIVATE, f, 0);
	m[0] = 'X';
	CHECK("private copy written", m[0] == 'X');
	CHECK_RET("MADV_DONTNEED on a file",
		  madvise((void *)m, PG, MADV_DONTNEED), 0);
	CHECK("file page reverts to the file",
	      (unsigned char)m[0] == ct_pattern(0));
	munmap((void *)m, PG);
	CHECK_RET("MADV_NORMAL", madvise((void *)a, PG, MADV_NORMAL), 0);
	CHECK_RET("MADV_WILLNEED", madvise((void *)a, PG, MADV_WILLNEED), 0);
	CHECK_RET("length 0", madvise((void *)a, 0, MADV_DONTNEED), 0);
	CHECK_ERR("unknown advice", madvise((void *)a, PG, 12345), EINVAL);
	CHECK_ERR("unaligned", syscall(SYS_madvise, a + 1, PG, MADV_DONTNEED),
		  EINVAL);
	munmap((void *)a + 2 * PG, PG);
	CHECK_ERR("over a hole", madvise((void *)a, 4 * PG, MADV_NORMAL),
		  ENOMEM);
	munmap((void *)a, 4 * PG);
	close(f);
}

CONTRACT_TEST(file_private)
{
	int f = ct_open(DATA "/big", O_RDONLY);
	unsigned char *m = mm(NULL, 3 * PG, PROT_READ, MAP_PRIVATE, f, 0);
	unsigned char *o;
	int ok = 1;

	if (m == MAP_FAILED)
		return ct_fail(__FILE__, __LINE__, "mmap");
	for (long i = 0; i < BIG_SIZE; i += 97)
		ok &= m[i] == ct_pattern(i);
	CHECK("contents match the file", ok);
	CHECK("zero past EOF in the last page",
	      m[BIG_SIZE] == 0 && m[3 * PG - 1] == 0);
	o = mm(NULL, PG, PROT_READ, MAP_PRIVATE, f, 2 * PG);
	CHECK("offset mapping", o != MAP_FAILED && o[0] == ct_pattern(2 * PG));
	munmap(o, PG);
	munmap(m, 3 * PG);
	/* Pages wholly past EOF are not accessible (SIGBUS): EFAULT. */
	m = mm(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, f, 0);
	CHECK("page wholly past EOF: kernel access fails",
	      m != MAP_FAILED && !ct_kreadable(m + 3 * PG));
	CHECK("last partial page readable", ct_kreadable(m + 2 * PG));
	munmap(m, 4 * PG);
	close(f);
}

/* A private writable mapping never writes back. */
CONTRACT_TEST(file_private_cow)
{
	int f = ct_open(DATA "/page", O_RDONLY);
	unsigned char *m = mm(NULL, PG, RW_, MAP_PRIVATE, f, 0), c = 0;

	if (m == MAP_FAILED)
		return ct_fail(__FILE__, __LINE__, "mmap");
	m[1] = ct_pattern(1) + 1;
	CHECK_RET("pread byte 1", pread(f, &c, 1, 1), 1);
	CHECK("file unchanged", c == ct_pattern(1));
	munmap(m, PG);
	close(f);
}

CONTRACT_TEST(shared_mappings)
{
	int f = open(RW "/shared", O_RDWR | O_TRUNC);
	char buf[8] = "";
	volatile char *s;

	CHECK("open O_TRUNC", f >= 0);
	CHECK_RET("pwrite 16 bytes", pwrite(f, "0123456789abcdef", 16, 0), 16);
	s = mm(NULL, PG, RW_, MAP_SHARED, f, 0);
	CHECK("mapped", s != MAP_FAILED);
	if (s != MAP_FAILED) {
		s[3] = 'X';
		CHECK_RET("pread", pread(f, buf, 4, 0), 4);
		CHECK("store visible through read()", !memcmp(buf, "012X", 4));
		CHECK_RET("pwrite", pwrite(f, "Y", 1, 5), 1);
		CHECK("write visible through the mapping", s[5] == 'Y');
		munmap((void *)s, PG);
	}
	s = mm(NULL, 2 * PG, RW_, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK("shared anonymous: zeroed",
	      s != MAP_FAILED && s[0] == 0 && s[2 * PG - 1] == 0);
	munmap((void *)s, 2 * PG);
	close(f);
}

CONTRACT_TEST(brk_grow_shrink)
{
	char *b0 = (char *)syscall(SYS_brk, 0);
	char *top = (char *)(((uintptr_t)b0 + PG - 1) & ~(PG - 1));

	CHECK("grow 3 pages",
	      (char *)syscall(SYS_brk, top + 3 * PG) == top + 3 * PG);
	CHECK("query", (char *)syscall(SYS_brk, 0) == top + 3 * PG);
	CHECK("new pages zero", top[0] == 0 && top[3 * PG - 1] == 0);
	top[3 * PG - 1] = 1;
	CHECK("shrink", (char *)syscall(SYS_brk, top + PG) == top + PG);
	CHECK("released page not accessible", !ct_kreadable(top + 2 * PG));
	CHECK("kept page accessible", ct_kwritable(top));
	CHECK("regrow", (char *)syscall(SYS_brk, top + 3 * PG) == top + 3 * PG);
	CHECK("regrown page zero again", top[3 * PG - 1] == 0);
	CHECK("back to start", (char *)syscall(SYS_brk, b0) == b0);
}

CONTRACT_TEST(brk_unaligned)
{
	char *b0 = (char *)syscall(SYS_brk, 0);
	char *top = (char *)(((uintptr_t)b0 + PG - 1) & ~(PG - 1));
	char *r;

	r = (char *)syscall(SYS_brk, top + 10);
	CHECK("returns the exact unaligned value", r == top + 10);
	CHECK("whole page usable", ct_kwritable(top + PG - 1));
	top[5] = 9;
	r = (char *)syscall(SYS_brk, top + 3);
	CHECK("shrink within the page", r == top + 3);
	r = (char *)syscall(SYS_brk, top + 10);
	CHECK("byte above the break kept within its page", top[5] == 9);
	CHECK("restore", (char *)syscall(SYS_brk, b0) == b0);
}

CONTRACT_TEST(brk_limits)
{
	char *b0 = (char *)syscall(SYS_brk, 0);
	char *top = (char *)(((uintptr_t)b0 + PG - 1) & ~(PG - 1));
	char *m;

	CHECK("below the start: refused, break unchanged",
	      (char *)syscall(SYS_brk, b0 - 64 * PG) == b0);
	CHECK("above user space: refused",
	      (char *)syscall(SYS_brk, (char *)0x7fffffffff00UL) == b0);
	CHECK("kernel address: refused",
	      (char *)syscall(SYS_brk, BAD_KERN) == b0);
	/* A mapping 8 pages above the break: brk keeps a page of gap. */
	m = mm(top + 8 * PG, PG, RW_, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK("guard mapping placed", m == top + 8 * PG);
	CHECK("grow to one page below it",
	      (char *)syscall(SYS_brk, top + 7 * PG) == top + 7 * PG);
	CHECK("grow into the gap page: refused",
	      (char *)syscall(SYS_brk, top + 7 * PG + 1) == top + 7 * PG);
	CHECK("grow over it: refused",
	      (char *)syscall(SYS_brk, top + 9 * PG) == top + 7 * PG);
	CHECK("mapping intact", ct_kwritable(m));
	munmap(m, PG);
	CHECK("restore", (char *)syscall(SYS_brk, b0) == b0);
}

CONTRACT_TEST(brk_rlimit_data)
{
	char *b0 = (char *)syscall(SYS_brk, 0);
	struct rlimit old, rl = { PG, RLIM_INFINITY };

	getrlimit(RLIMIT_DATA, &old);
	CHECK_RET("setrlimit(DATA, 4096)", setrlimit(RLIMIT_DATA, &rl), 0);
	CHECK("brk refused", (char *)syscall(SYS_brk, b0 + 16 * PG) == b0);
	CHECK("private writable mmap refused: ENOMEM",
	      mm(NULL, PG, RW_, ANON, -1, 0) == MAP_FAILED && errno == ENOMEM);
	void *r = mm(NULL, PG, PROT_READ, ANON, -1, 0);
	CHECK("read-only mmap still allowed", r != MAP_FAILED);
	munmap(r, PG);
	CHECK_RET("restore", setrlimit(RLIMIT_DATA, &old), 0);
	CHECK("brk works again",
	      (char *)syscall(SYS_brk, b0 + 16 * PG) == b0 + 16 * PG);
	syscall(SYS_brk, b0);
}
