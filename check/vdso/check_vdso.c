/*
 * Unit tests for the vDSO (libkos/vdso/): the built-in image itself, run
 * here on the host with a data page the test writes (the clocks from the
 * TSC, the fallbacks to real host system calls, the sequence count), and
 * the kernel side: the mapping exec installs, the data page it publishes
 * from the platform's clock.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <kos/boot.h>
#include <kos/kmalloc.h>
#include <kos/pgtable.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/plat/user.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/time.h>
#include <kos/vdso.h>
#include <kos/vm.h>
#include <uapi/elf.h>

#include "../plat_test.h"

#define PG 4096UL
#define NS 1000000000ULL

typedef int (*gettime_fn)(int, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, struct timezone *);
typedef long (*time_fn)(long *);
typedef int (*getcpu_fn)(unsigned *, unsigned *, void *);

/* The image loaded into host memory, below it its data page. */
static struct {
	unsigned char *map; /* [vvar] pages, then the image */
	volatile struct vdso_data *data;
	unsigned char *image;
	gettime_fn gettime, getres;
	gettimeofday_fn gtod;
	time_fn time;
	getcpu_fn getcpu;
} hv;

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* An exported symbol of the loaded image, by a walk of its dynsym. */
static void *image_sym(const char *name)
{
	const struct elf64_ehdr *eh = (const void *)hv.image;
	const struct elf64_phdr *ph = (const void *)(hv.image + eh->e_phoff);
	const uint64_t *dyn = NULL;
	const struct elf64_sym *syms = NULL;
	const char *strs = NULL;
	const uint32_t *hash = NULL;

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const void *)(hv.image + ph[i].p_offset);
	ck_assert_ptr_nonnull(dyn);
	for (; dyn[0]; dyn += 2) {
		if (dyn[0] == 4) /* DT_HASH */
			hash = (const void *)(hv.image + dyn[1]);
		if (dyn[0] == 5) /* DT_STRTAB */
			strs = (const void *)(hv.image + dyn[1]);
		if (dyn[0] == 6) /* DT_SYMTAB */
			syms = (const void *)(hv.image + dyn[1]);
	}
	ck_assert(hash && strs && syms);
	for (uint32_t i = 1; i < hash[1]; i++)
		if (!strcmp(strs + syms[i].st_name, name))
			return hv.image + syms[i].st_value;
	ck_abort_msg("no %s in the image", name);
	return NULL;
}

static void host_setup(void)
{
	size_t size = vdso_image_end - vdso_image_start;
	size_t len = (VDSO_VVAR_PAGES + VDSO_TEXT_PAGES) * PG;

	hv.map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(hv.map != MAP_FAILED);
	hv.data = (void *)hv.map;
	hv.image = hv.map + VDSO_VVAR_PAGES * PG;
	ck_assert_uint_le(size, VDSO_TEXT_PAGES * PG);
	memcpy(hv.image, vdso_image_start, size);
	ck_assert_int_eq(
		mprotect(hv.image, VDSO_TEXT_PAGES * PG, PROT_READ | PROT_EXEC),
		0);
	hv.gettime = (gettime_fn)image_sym("__vdso_clock_gettime");
	hv.getres = (gettime_fn)image_sym("__vdso_clock_getres");
	hv.gtod = (gettimeofday_fn)image_sym("__vdso_gettimeofday");
	hv.time = (time_fn)image_sym("__vdso_time");
	hv.getcpu = (getcpu_fn)image_sym("__vdso_getcpu");
	ck_assert_ptr_eq(image_sym("clock_gettime"), (void *)hv.gettime);
	hv.data->hres_ns = 1;
	hv.data->coarse_ns = 10000000;
}

static void host_teardown(void)
{
	munmap(hv.map, (VDSO_VVAR_PAGES + VDSO_TEXT_PAGES) * PG);
}

/* The data page as the kernel would write it: 1 ns per tick from now. */
static void set_clock(uint64_t tsc_base, uint64_t ns_base, uint64_t mult,
		      uint64_t rt_offset)
{
	hv.data->seq++;
	hv.data->clock_mode = VDSO_CLOCK_TSC;
	hv.data->clock.tsc_base = tsc_base;
	hv.data->clock.ns_base = ns_base;
	hv.data->clock.mult = mult;
	hv.data->clock.shift = 32;
	hv.data->realtime_offset = rt_offset;
	hv.data->seq++;
}

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * NS + (uint64_t)t->tv_nsec;
}

START_TEST(test_vdso_image_clocks_from_tsc)
{
	const uint64_t base = 5 * NS, off = 1700000000ULL * NS;
	static const int mono[] = { CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW,
				    CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME };
	static const int real[] = { CLOCK_REALTIME, CLOCK_REALTIME_COARSE,
				    CLOCK_TAI };
	uint64_t t0 = tsc(), t1;
	struct timespec ts;

	set_clock(t0, base, 1ULL << 32, off);
	for (size_t i = 0; i < sizeof(mono) / sizeof(mono[0]); i++) {
		uint64_t a = tsc(), b;

		ck_assert_int_eq(hv.gettime(mono[i], &ts), 0);
		b = tsc();
		ck_assert_uint_ge(ts_ns(&ts), base + (a - t0));
		ck_assert_uint_le(ts_ns(&ts), base + (b - t0));
		ck_assert_int_lt(ts.tv_nsec, NS);
	}
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		uint64_t a = tsc(), b;

		ck_assert_int_eq(hv.gettime(real[i], &ts), 0);
		b = tsc();
		ck_assert_uint_ge(ts_ns(&ts), off + base + (a - t0));
		ck_assert_uint_le(ts_ns(&ts), off + base + (b - t0));
	}
	/* gettimeofday and time: the same real time, tz from the page. */
	{
		struct timeval tv;
		struct timezone tz = { 0, 0 };
		long t = 0, r;

		hv.data->tz_minuteswest = -60;
		hv.data->tz_dsttime = 1;
		t1 = tsc();
		ck_assert_int_eq(hv.gtod(&tv, &tz), 0);
		ck_assert_uint_ge((uint64_t)tv.tv_sec * 1000000 + tv.tv_usec,
				  (off + base + (t1 - t0)) / 1000);
		ck_assert_int_eq(tz.tz_minuteswest, -60);
		ck_assert_int_eq(tz.tz_dsttime, 1);
		ck_assert_int_eq(hv.gtod(NULL, NULL), 0);
		r = hv.time(&t);
		ck_assert_int_eq(r, t);
		ck_assert_int_ge(r, (long)(off / NS) + 5);
		ck_assert_int_eq(hv.time(NULL), r);
	}
}
END_TEST

START_TEST(test_vdso_image_fixed_point)
{
	struct timespec ts;
	uint64_t now = tsc(), back = 1ULL << 50, mult = 1653562408ULL;
	unsigned __int128 lo = (unsigned __int128)back * mult >> 32;
	uint64_t got;

	/* A TSC base far back: the product needs all 128 bits. */
	set_clock(now - back, 7, mult, 0);
	ck_assert_int_eq(hv.gettime(CLOCK_MONOTONIC, &ts), 0);
	got = ts_ns(&ts);
	ck_assert_uint_ge(got, 7 + (uint64_t)lo);
	ck_assert_uint_le(got, 7 + (uint64_t)lo + 10 * NS);
	/* A TSC base in the future (another CPU's TSC ahead): ns_base. */
	set_clock(tsc() + (1ULL << 40), 123456789, 1ULL << 32, 0);
	ck_assert_int_eq(hv.gettime(CLOCK_MONOTONIC, &ts), 0);
	ck_assert_uint_eq(ts_ns(&ts), 123456789);
}
END_TEST

START_TEST(test_vdso_image_falls_back_to_syscalls)
{
	struct timespec ts, a, b;
	struct timeval tv;
	unsigned cpu = 9, node = 9;

	/* CPU-time and unknown clocks: the real system call's answers. */
	set_clock(tsc(), 0, 1ULL << 32, 0);
	ck_assert_int_eq(hv.gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), 0);
	ck_assert_int_eq(hv.gettime(12, &ts), -EINVAL);
	ck_assert_int_eq(
		hv.gettime(-1, &ts),
		-(int)(syscall(SYS_clock_gettime, -1, &ts) ? errno : 0));
	ck_assert_int_eq(hv.getres(100, &ts), -EINVAL);
	ck_assert_int_eq(hv.getres(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
	/* No TSC clock: every clock is the host's. */
	hv.data->seq++;
	hv.data->clock_mode = VDSO_CLOCK_SYSCALL;
	hv.data->seq++;
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(hv.gettime(CLOCK_MONOTONIC, &ts), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_uint_ge(ts_ns(&ts), ts_ns(&a));
	ck_assert_uint_le(ts_ns(&ts), ts_ns(&b));
	ck_assert_int_eq(hv.gtod(&tv, NULL), 0);
	ck_assert_int_ge(tv.tv_sec, a.tv_sec > 1000 ? 1000 : 0);
	ck_assert_int_eq(hv.gettime(12, &ts), -EINVAL);
	ck_assert_int_gt(hv.time(NULL), 1600000000L);
	/* Resolutions and getcpu do not depend on the clock. */
	ck_assert_int_eq(hv.getres(CLOCK_MONOTONIC, &ts), 0);
	ck_assert_int_eq(ts.tv_sec, 0);
	ck_assert_int_eq(ts.tv_nsec, 1);
	ck_assert_int_eq(hv.getres(CLOCK_MONOTONIC_COARSE, &ts), 0);
	ck_assert_int_eq(ts.tv_nsec, 10000000);
	ck_assert_int_eq(hv.getres(CLOCK_REALTIME, NULL), 0);
	ck_assert_int_eq(hv.getcpu(&cpu, &node, NULL), 0);
	ck_assert_uint_eq(cpu, 0);
	ck_assert_uint_eq(node, 0);
	ck_assert_int_eq(hv.getcpu(NULL, NULL, NULL), 0);
}
END_TEST

static volatile uint64_t update_value;

/* SIGALRM: the "kernel" finishes its update. */
static void finish_update(int sig)
{
	hv.data->clock.ns_base = update_value;
	hv.data->seq++;
}

/* A reader waits out an update in progress and sees its result. */
START_TEST(test_vdso_image_waits_for_the_writer)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	struct timespec ts;

	set_clock(tsc(), 0, 0, 0); /* mult 0: the time is ns_base */
	ck_assert_int_eq(hv.gettime(CLOCK_MONOTONIC, &ts), 0);
	ck_assert_uint_eq(ts_ns(&ts), 0);
	update_value = 42 * NS;
	signal(SIGALRM, finish_update);
	hv.data->seq++; /* odd: the kernel is writing */
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	ck_assert_int_eq(hv.gettime(CLOCK_MONOTONIC, &ts), 0);
	ck_assert_uint_eq(ts_ns(&ts), 42 * NS);
	ck_assert_uint_eq(hv.data->seq & 1, 0);
	signal(SIGALRM, SIG_DFL);
}
END_TEST

/* --- the kernel side ------------------------------------------------- */

static const struct plat_tsc_clock kclock = {
	.tsc_base = 1000,
	.ns_base = 77,
	.mult = 3ULL << 31,
	.shift = 32,
	.wall_offset = 1700000000ULL * NS,
};

/*
 * vdso_init() builds its pages once per process, so this runs only in a
 * forked test (a later pmm_init() would hand its pages out again).
 */
START_TEST(test_vdso_kernel_map_and_publish)
{
	struct kos_bootinfo bi;
	struct vm_space *vm;
	volatile struct vdso_data *d;
	unsigned long base;
	unsigned char img[64];
	uint32_t seq;

	plat_irq_disable();
	test_bootinfo(&bi, 32UL << 20);
	pmm_init(&bi);
	kmalloc_init();
	sched_init();
	plat_irq_enable();
	test_clock_tsc = NULL;
	clock_set_realtime_ns(plat_wallclock_ns()); /* no adjustment */
	ck_assert_uint_eq(clock_realtime_adjust_ns(), 0);
	vdso_init();
	vm = vm_create();
	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vdso_map(vm, &base), 0);
	ck_assert_uint_eq(base, VM_MMAP_BASE - VDSO_TEXT_PAGES * PG);
	ck_assert_uint_eq(vm->vmas.n, 2);
	ck_assert_str_eq(vm->vmas.v[0]->name, "[vvar]");
	ck_assert_uint_eq(vm->vmas.v[0]->start, base - VDSO_VVAR_PAGES * PG);
	ck_assert_str_eq(vm->vmas.v[1]->name, "[vdso]");
	ck_assert_uint_eq(vm->vmas.v[1]->end, base + VDSO_TEXT_PAGES * PG);
	/* The process sees the image, and the data page below it. */
	ck_assert_int_eq(vm_read_kernel(vm, img, base, sizeof(img)), 0);
	ck_assert_int_eq(memcmp(img, vdso_image_start, sizeof(img)), 0);
	ck_assert_int_eq(
		vm_fault(vm, base - VDSO_VVAR_PAGES * PG, PLAT_FAULT_USER), 0);
	d = plat_phys_to_virt(PTE_ADDR(
		arch_pgt_lookup(vm->pml4, base - VDSO_VVAR_PAGES * PG)));
	ck_assert_uint_eq(d->clock_mode, VDSO_CLOCK_SYSCALL);
	ck_assert_uint_eq(d->seq & 1, 0);
	ck_assert_uint_eq(d->coarse_ns, NS / SCHED_HZ);
	ck_assert_uint_eq(d->hres_ns, 1);
	/* The platform gets a TSC clock: the page follows. */
	seq = d->seq;
	test_clock_tsc = &kclock;
	kos_clock_changed();
	ck_assert_uint_eq(d->seq, seq + 2);
	ck_assert_uint_eq(d->clock_mode, VDSO_CLOCK_TSC);
	ck_assert_uint_eq(d->clock.tsc_base, kclock.tsc_base);
	ck_assert_uint_eq(d->clock.ns_base, kclock.ns_base);
	ck_assert_uint_eq(d->clock.mult, kclock.mult);
	ck_assert_uint_eq(d->clock.shift, 32);
	ck_assert_uint_eq(d->realtime_offset, kclock.wall_offset);
	/* Setting the real-time clock moves the page's offset with it. */
	clock_set_realtime_ns(plat_wallclock_ns() + 5 * NS);
	ck_assert_uint_eq(d->realtime_offset, kclock.wall_offset + 5 * NS);
	ck_assert_uint_eq(d->seq & 1, 0);
	test_clock_tsc = NULL;
	vm_destroy(vm);
}
END_TEST

Suite *vdso_suite(void)
{
	Suite *s = suite_create("vdso");
	TCase *tc = tcase_create("image");

	tcase_add_checked_fixture(tc, host_setup, host_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_vdso_image_clocks_from_tsc);
	tcase_add_test(tc, test_vdso_image_fixed_point);
	tcase_add_test(tc, test_vdso_image_falls_back_to_syscalls);
	tcase_add_test(tc, test_vdso_image_waits_for_the_writer);
	suite_add_tcase(s, tc);
	if (test_forking()) {
		tc = tcase_create("kernel");
		tcase_set_timeout(tc, 20);
		tcase_add_test(tc, test_vdso_kernel_map_and_publish);
		suite_add_tcase(s, tc);
	}
	return s;
}
