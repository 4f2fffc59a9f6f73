/*
 * Unit tests for libkos/kern/ksym.c and the backtrace/panic half of
 * libkos/kern/panic.c.
 *
 * The symbol table under test is this test binary's own: /proc/self/exe is
 * read into a buffer and its load bias taken from the dynamic loader
 * (dl_iterate_phdr), independently of the code under test.  Lookups of
 * known functions must give their names; truncated, corrupted and random
 * images must simply disable symbolization.  kos_panic() runs in a forked
 * child (it never returns); the parent collects the child's console output
 * and exit status.
 */
#include <check.h>
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kos/cmdline.h>
#include <kos/ksym.h>
#include <kos/panic.h>
#include <kos/string.h>

#include "../plat_test.h"

static unsigned char *self_img;
static size_t self_size;
static uintptr_t self_bias;

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
	/* The first object reported is the main program. */
	*(uintptr_t *)data = info->dlpi_addr;
	return 1;
}

/* Read /proc/self/exe once (exact-size buffer, so overreads are caught). */
static void load_self(void)
{
	FILE *f;
	long n;

	if (self_img)
		return;
	f = fopen("/proc/self/exe", "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, (long)sizeof(Elf64_Ehdr));
	rewind(f);
	self_img = malloc((size_t)n);
	ck_assert_ptr_nonnull(self_img);
	ck_assert_uint_eq(fread(self_img, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	self_size = (size_t)n;
	dl_iterate_phdr(first_object, &self_bias);
}

/* An image copy of exactly size bytes. */
static unsigned char *copy_of(size_t size)
{
	unsigned char *p = malloc(size ? size : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, self_img, size < self_size ? size : self_size);
	return p;
}

static void teardown(void)
{
	/* Never leave the index pointing into a buffer that goes away. */
	ksym_init(NULL, 0, 0);
}

__attribute__((noinline)) int ksym_test_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

static __attribute__((noinline)) int ksym_static_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x ^ 0x5a;
}

static void assert_lookup(const void *fn, unsigned long off, const char *want)
{
	const char *name = NULL;
	unsigned long got = 99999;

	ck_assert_int_eq(ksym_lookup((unsigned long)fn + off, &name, &got), 0);
	ck_assert_str_eq(name, want);
	ck_assert_uint_eq(got, off);
}

/* Load ourselves, check the index is usable.  Returns the count. */
static unsigned int init_self(void)
{
	unsigned int n;

	load_self();
	n = ksym_init(self_img, self_size, self_bias);
	ck_assert_uint_gt(n, 10);
	return n;
}

START_TEST(test_ksym_finds_own_functions)
{
	init_self();
	assert_lookup((const void *)ksym_test_target, 0, "ksym_test_target");
	assert_lookup((const void *)ksym_test_target, 4, "ksym_test_target");
	assert_lookup((const void *)ksym_static_target, 1,
		      "ksym_static_target");
	assert_lookup((const void *)kos_strlen, 0, "kos_strlen");
	assert_lookup((const void *)kos_strlen, 3, "kos_strlen");
	assert_lookup((const void *)ksym_lookup, 2, "ksym_lookup");
	assert_lookup((const void *)kos_panic, 0, "kos_panic");
	/* keep the statics referenced */
	ck_assert_int_eq(ksym_test_target(1) + ksym_static_target(0), 4 + 0x5a);
}
END_TEST

/* ksym_init_lazy(): the first lookup builds the index, then as before. */
START_TEST(test_ksym_lazy_init_indexes_at_first_lookup)
{
	load_self();
	ksym_init_lazy(self_img, self_size, self_bias);
	assert_lookup((const void *)ksym_test_target, 4, "ksym_test_target");
	assert_lookup((const void *)kos_strlen, 3, "kos_strlen");
	/* A lazy NULL image disables lookups, as ksym_init(NULL) does. */
	ksym_init_lazy(NULL, 0, 0);
	{
		const char *name;
		unsigned long off;

		ck_assert_int_eq(
			ksym_lookup((unsigned long)kos_strlen, &name, &off),
			-1);
	}
}
END_TEST

START_TEST(test_ksym_misses_outside_functions)
{
	static int data_object = 1;
	const char *name = "untouched";
	unsigned long off = 7;

	init_self();
	ck_assert_int_eq(ksym_lookup(0, &name, &off), -1);
	ck_assert_int_eq(ksym_lookup(16, &name, &off), -1);
	ck_assert_int_eq(ksym_lookup((unsigned long)&data_object, &name, &off),
			 -1);
	ck_assert_int_eq(ksym_lookup(~0UL, &name, &off), -1);
	ck_assert_str_eq(name, "untouched");
	ck_assert_uint_eq(off, 7);
}
END_TEST

START_TEST(test_ksym_symbolize_format)
{
	char buf[128], want[64];

	init_self();
	ck_assert_str_eq(kos_symbolize((unsigned long)kos_strlen + 0x1a, buf,
				       sizeof(buf)),
			 "kos_strlen+0x1a");
	/* Truncation keeps the buffer terminated. */
	ck_assert_str_eq(kos_symbolize((unsigned long)kos_strlen, buf, 5),
			 "kos_");
	snprintf(want, sizeof(want), "0x%lx", 0x1234UL);
	ck_assert_str_eq(kos_symbolize(0x1234, buf, sizeof(buf)), want);

	/* Disabled: plain hex. */
	ksym_init(NULL, 0, 0);
	snprintf(want, sizeof(want), "0x%lx", (unsigned long)kos_strlen);
	ck_assert_str_eq(
		kos_symbolize((unsigned long)kos_strlen, buf, sizeof(buf)),
		want);
}
END_TEST

START_TEST(test_ksym_wrong_bias_misses)
{
	const char *name;
	unsigned long off;

	load_self();
	/* Bias 0 on a PIE: our run-time addresses match nothing. */
	if (self_bias == 0)
		return;
	ksym_init(self_img, self_size, 0);
	ck_assert_int_ne(ksym_lookup((unsigned long)ksym_test_target, &name,
				     &off) == 0 &&
				 strcmp(name, "ksym_test_target") == 0,
			 1);
}
END_TEST

START_TEST(test_ksym_truncated_images_disable)
{
	const char *name;
	unsigned long off;
	size_t sizes[11] = { 0, 1, 4, 16, 63, 64, 65, 4096 };

	load_self();
	sizes[8] = self_size / 2;
	sizes[9] = self_size - 64;
	sizes[10] = self_size - 1;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = copy_of(sizes[i]);

		/* Section headers sit at the end: every cut loses them. */
		ck_assert_uint_eq(ksym_init(p, sizes[i], self_bias), 0);
		ck_assert_int_eq(
			ksym_lookup((unsigned long)kos_strlen, &name, &off),
			-1);
		free(p);
	}
	ck_assert_uint_eq(ksym_init(NULL, 12345, 0), 0);
}
END_TEST

/* Section header i of image p. */
static Elf64_Shdr *shdr(unsigned char *p, unsigned int i)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)p;

	return (Elf64_Shdr *)(p + eh->e_shoff) + i;
}

static unsigned int symtab_index(unsigned char *p)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)p;

	for (unsigned int i = 0; i < eh->e_shnum; i++)
		if (shdr(p, i)->sh_type == SHT_SYMTAB)
			return i;
	ck_abort_msg("test binary has no .symtab");
	return 0;
}

/* Apply one corruption to a fresh copy and check ksym_init survives it. */
static void corrupt_and_init(int which)
{
	unsigned char *p = copy_of(self_size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)p;
	unsigned int si = symtab_index(p);
	Elf64_Shdr *sym = shdr(p, si);
	Elf64_Shdr *str = shdr(p, sym->sh_link);
	Elf64_Sym *syms = (Elf64_Sym *)(p + sym->sh_offset);
	size_t nsyms = sym->sh_size / sizeof(Elf64_Sym);
	unsigned int n;
	const char *name;
	unsigned long off;

	switch (which) {
	case 0:
		eh->e_ident[EI_CLASS] = ELFCLASS32;
		break;
	case 1:
		eh->e_ident[EI_DATA] = ELFDATA2MSB;
		break;
	case 2:
		eh->e_shoff = self_size - 8;
		break;
	case 3:
		eh->e_shoff = ~0ULL - 8;
		break;
	case 4:
		eh->e_shnum = 0xffff;
		break;
	case 5:
		eh->e_shentsize = 32;
		break;
	case 6:
		sym->sh_offset = self_size - 8;
		break;
	case 7:
		sym->sh_size = ~0ULL;
		break;
	case 8:
		sym->sh_offset = ~0ULL - 16;
		break;
	case 9:
		sym->sh_link = 0xffff;
		break;
	case 10:
		sym->sh_link = si;
		break; /* link to itself */
	case 11:
		str->sh_size = self_size;
		break;
	case 12:
		str->sh_offset = self_size - 2;
		break;
	case 13:
		sym->sh_entsize = 0;
		break;
	case 14:
		eh->e_shnum = 0;
		shdr(p, 0)->sh_size = 0x7fffffff;
		break;
	case 15: /* names past the end of strtab */
		for (size_t i = 0; i < nsyms; i++)
			syms[i].st_name = (Elf64_Word)(str->sh_size + i);
		break;
	case 16: /* section indexes out of range */
		for (size_t i = 0; i < nsyms; i++)
			syms[i].st_shndx = (Elf64_Half)(eh->e_shnum + i % 200);
		break;
	case 17: /* strtab without a final NUL, names in the last bytes */
		memset(p + str->sh_offset, 'A', str->sh_size);
		for (size_t i = 0; i < nsyms; i++)
			syms[i].st_name =
				(Elf64_Word)(str->sh_size - 1 - i % 8);
		break;
	case 18: /* every size huge */
		for (size_t i = 0; i < nsyms; i++)
			syms[i].st_size = ~0ULL - i;
		break;
	}
	n = ksym_init(p, self_size, self_bias);
	if (which <= 14)
		ck_assert_msg(n == 0, "corruption %d accepted (%u)", which, n);
	if (which == 15 || which == 16 || which == 17)
		ck_assert_msg(n == 0, "corruption %d gave %u symbols", which,
			      n);
	/* Whatever was accepted must look up without faulting. */
	ksym_lookup((unsigned long)kos_strlen, &name, &off);
	ksym_lookup(0, &name, &off);
	ksym_lookup(~0UL, &name, &off);
	ksym_init(NULL, 0, 0);
	free(p);
}

START_TEST(test_ksym_corrupt_images_disable)
{
	load_self();
	for (int which = 0; which <= 18; which++)
		corrupt_and_init(which);
}
END_TEST

START_TEST(test_ksym_random_garbage_no_crash)
{
	unsigned int seed = 12345;

	load_self();
	/* Random bytes after a valid ELF64 identification. */
	for (int round = 0; round < 200; round++) {
		size_t size = 64 + (size_t)(rand_r(&seed) % 8192);
		unsigned char *p = malloc(size);

		ck_assert_ptr_nonnull(p);
		for (size_t i = 0; i < size; i++)
			p[i] = (unsigned char)rand_r(&seed);
		memcpy(p, self_img, 16);
		ksym_init(p, size, 0);
		ksym_lookup((unsigned long)rand_r(&seed), &(const char *){ 0 },
			    &(unsigned long){ 0 });
		ksym_init(NULL, 0, 0);
		free(p);
	}
	/* Random flips in the real section header table. */
	for (int round = 0; round < 100; round++) {
		unsigned char *p = copy_of(self_size);
		Elf64_Ehdr *eh = (Elf64_Ehdr *)p;
		size_t tbl = (size_t)eh->e_shnum * sizeof(Elf64_Shdr);

		for (int k = 0; k < 4; k++)
			p[eh->e_shoff + (size_t)rand_r(&seed) % tbl] ^=
				(unsigned char)(1u << (rand_r(&seed) % 8));
		ksym_init(p, self_size, self_bias);
		ksym_lookup((unsigned long)kos_strlen, &(const char *){ 0 },
			    &(unsigned long){ 0 });
		ksym_init(NULL, 0, 0);
		free(p);
	}
}
END_TEST

/* --- backtrace and panic ------------------------------------------- */

__attribute__((noinline)) void ksym_bt_inner(void)
{
	kos_backtrace((unsigned long)__builtin_frame_address(0));
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void ksym_bt_outer(void)
{
	ksym_bt_inner();
	__asm__ volatile("" ::: "memory");
}

START_TEST(test_ksym_backtrace_names_callers)
{
	const char *a, *b;

	init_self();
	test_console_reset();
	ksym_bt_outer();
	/* #0 is the return into ksym_bt_outer, #1 into this test. */
	a = strstr(test_console_buf, " #0 0x");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(strstr(a, " ksym_bt_outer+0x"));
	b = strstr(test_console_buf, " #1 0x");
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(strstr(b, " test_ksym_backtrace_names_callers"));
	ck_assert(a < b);
	ck_assert_ptr_null(strstr(test_console_buf, " #32 "));
}
END_TEST

START_TEST(test_ksym_backtrace_stops_on_bad_fp)
{
	unsigned long fake[4];

	test_console_reset();
	kos_backtrace(0);
	kos_backtrace(0x1001); /* misaligned */
	ck_assert_str_eq(test_console_buf, "");

	/* A frame that links to itself prints once and stops. */
	fake[0] = (unsigned long)&fake[0];
	fake[1] = 0x4242;
	kos_backtrace((unsigned long)&fake[0]);
	ck_assert_str_eq(test_console_buf, " #0 0x0000000000004242 0x4242\n");

	/* A frame linking downwards stops too; a NULL return stops first. */
	test_console_reset();
	fake[2] = (unsigned long)&fake[0];
	fake[3] = 0x99;
	fake[1] = 0;
	kos_backtrace((unsigned long)&fake[2]);
	ck_assert_str_eq(test_console_buf, " #0 0x0000000000000099 0x99\n");
}
END_TEST

static int dump_fd = -1;

/* Child side: send the captured console to the parent. */
static void dump_console(void)
{
	size_t done = 0;

	while (done < test_console_len) {
		ssize_t n = write(dump_fd, test_console_buf + done,
				  test_console_len - done);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
}

static int abort_depth;

/* plat_halt() aborts in the fake platform; report instead of dying. */
static void on_abort(int sig)
{
	if (abort_depth++ == 0 && getenv("KSYM_TEST_RECURSE"))
		kos_panic("second panic");
	dump_console();
	_exit(99);
}

const char ksym_panic_fmt[] = "boom %d %s";

__attribute__((noinline)) void ksym_panic_caller(void)
{
	kos_panic(ksym_panic_fmt, 42, "x");
}

/*
 * Fork; the child parses cmdline into kos_cmdline and panics.  Returns the
 * child's wait status and its console output in out[size].
 */
static __attribute__((noinline)) int
run_panic_child(const char *cmdline, bool recurse, char *out, size_t size)
{
	int fds[2], status;
	size_t len = 0;
	pid_t pid;

	init_self();
	ck_assert_int_eq(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		dump_fd = fds[1];
		test_console_reset();
		atexit(dump_console);
		signal(SIGABRT, on_abort);
		if (recurse)
			setenv("KSYM_TEST_RECURSE", "1", 1);
		cmdline_parse(&kos_cmdline, cmdline);
		ksym_panic_caller();
		_exit(1); /* not reached */
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], out + len, size - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

START_TEST(test_ksym_panic_poweroff_prints_report)
{
	static char out[65536];
	char want[64];
	int st = run_panic_child("quiet panic=poweroff", false, out,
				 sizeof(out));

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 125,
		      "status %#x, output:\n%s", st, out);
	ck_assert_ptr_nonnull(strstr(out, "\nKOS PANIC: boom 42 x\n"));
	/* The caller's argument registers: fmt in rdi, 42 in rsi. */
	snprintf(want, sizeof(want), "RDI: %016lx\n",
		 (unsigned long)ksym_panic_fmt);
	ck_assert_msg(strstr(out, want) != NULL, "no \"%s\" in:\n%s", want,
		      out);
	ck_assert_ptr_nonnull(strstr(out, "RSI: 000000000000002a "));
	ck_assert_ptr_nonnull(strstr(out, " #0 0x"));
	ck_assert_ptr_nonnull(strstr(out, " ksym_panic_caller+0x"));
	ck_assert_msg(strstr(out, " run_panic_child") != NULL,
		      "no caller frame in:\n%s", out);
	ck_assert_ptr_nonnull(strstr(out, "KOS PANIC: powering off\n"));
}
END_TEST

START_TEST(test_ksym_panic_without_poweroff_halts)
{
	static char out[65536];
	int st = run_panic_child("panic=reboot", false, out, sizeof(out));

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 99,
		      "status %#x, output:\n%s", st, out);
	ck_assert_ptr_nonnull(strstr(out, "KOS PANIC: boom 42 x\n"));
	ck_assert_ptr_nonnull(strstr(out, "KOS PANIC: halted\n"));
	ck_assert_ptr_null(strstr(out, "powering off"));
}
END_TEST

START_TEST(test_ksym_recursive_panic_halts)
{
	static char out[65536];
	const char *first, *second;
	/* The first panic halts; the abort handler then panics again. */
	int st = run_panic_child("", true, out, sizeof(out));

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 99,
		      "status %#x, output:\n%s", st, out);
	first = strstr(out, "KOS PANIC: halted\n");
	ck_assert_ptr_nonnull(first);
	second = strstr(out, "KOS PANIC: recursive panic, halting\n");
	ck_assert_ptr_nonnull(second);
	ck_assert(first < second);
	/* The second panic printed no second report. */
	ck_assert_ptr_null(strstr(out, "second panic"));
}
END_TEST

Suite *ksym_suite(void)
{
	Suite *s = suite_create("ksym");
	TCase *tc = tcase_create("core");
	TCase *tp = tcase_create("panic");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_ksym_finds_own_functions);
	tcase_add_test(tc, test_ksym_lazy_init_indexes_at_first_lookup);
	tcase_add_test(tc, test_ksym_misses_outside_functions);
	tcase_add_test(tc, test_ksym_symbolize_format);
	tcase_add_test(tc, test_ksym_wrong_bias_misses);
	tcase_add_test(tc, test_ksym_truncated_images_disable);
	tcase_add_test(tc, test_ksym_corrupt_images_disable);
	tcase_add_test(tc, test_ksym_random_garbage_no_crash);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tp, NULL, teardown);
	tcase_add_test(tp, test_ksym_backtrace_names_callers);
	tcase_add_test(tp, test_ksym_backtrace_stops_on_bad_fp);
	tcase_add_test(tp, test_ksym_panic_poweroff_prints_report);
	tcase_add_test(tp, test_ksym_panic_without_poweroff_halts);
	tcase_add_test(tp, test_ksym_recursive_panic_halts);
	tcase_set_timeout(tp, 120);
	suite_add_tcase(s, tp);
	return s;
}
