/*
 * Contract tests: small self-checking tests whose output must be the same,
 * line for line, on the host Linux and on KOS.
 *
 * Each source file defines CONTRACT_AREA ("mem", "fd", ...) and registers
 * tests with CONTRACT_TEST(name) { ... }.  The descriptors land in the
 * "ct_tests" linker section; main.c walks it, runs every test (or those
 * named on the command line) in one process and prints
 *
 *	=== <area>.<name>
 *	<the test's lines>
 *	--- ok | --- FAIL
 *
 * A test prints only deterministic values: results, errno names, sizes,
 * modes, relations ("yes"/"no").  Never addresses, pids or times.  The
 * CHECK_* helpers print what was observed and, independently, compare it
 * with what Linux is known to do, so a test is self-checking on the host
 * and the host's output is the oracle for KOS.
 *
 * Tests share one process: close what you open, unmap what you map,
 * restore limits and the working directory.  main.c reports a leaked fd,
 * a changed cwd or RLIMIT_NOFILE as a failure of the test that left it.
 */
#ifndef CONTRACT_H
#define CONTRACT_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ct_test {
	const char *area;
	const char *name;
	void (*fn)(void);
	long line;
};

#define CONTRACT_TEST(tname)                                               \
	static void ct_fn_##tname(void);                                   \
	static const struct ct_test ct_desc_##tname                        \
		__attribute__((used, section("ct_tests"), aligned(8))) = { \
			CONTRACT_AREA, #tname, ct_fn_##tname, __LINE__     \
		};                                                         \
	static void ct_fn_##tname(void)

/* The process's startup state, saved by main() before any test runs. */
extern int ct_argc;
extern char **ct_argv;
extern char **ct_envp;
extern unsigned long *ct_auxv;

#define PG 4096L

/* The kernel's O_LARGEFILE (glibc defines O_LARGEFILE as 0 on x86-64). */
#define K_O_LARGEFILE 0100000

/* Pointers no system call may dereference. */
#define BAD_LOW ((void *)0x10)
#define BAD_KERN ((void *)0xffff800000001000UL)
#define BAD_NONCANON ((void *)0x0000900000000000UL)

/* The fixed test tree (check/contract/mkroot). */
#define DATA "/contract/data"
#define RW "/contract/rw"
#define SMALL_TEXT "hello, contract\n" /* DATA/small */
#define BIG_SIZE 10000		       /* DATA/big */
#define TREE_MTIME 1700000000L	       /* every file's mtime */

/*
 * The tree is an ext4 file system (scripts/run-contract --fs ext4), not
 * the initramfs's tmpfs.  Where Linux's own answer depends on that, a
 * test asks (each run's oracle is Linux on the same file system).
 */
int ct_tree_ext4(void);
/* st_size of a small directory: tmpfs's (20 per entry), or ext4's block. */
#define CT_DIRSIZE(tmpfs_size) (ct_tree_ext4() ? 4096L : (long)(tmpfs_size))

/* Byte i of DATA/big and DATA/page. */
static inline unsigned char ct_pattern(long i)
{
	return (unsigned char)((i * 131 + 7) % 251);
}

/* Output: one line per call, written with write(2) (no stdio). */
void ct_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ct_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *ct_errname(int err);

void ct_check_err(const char *file, int line, const char *label, long r,
		  int err, int want);
void ct_check_ret(const char *file, int line, const char *label, long r,
		  int err, long want);
void ct_check_eq(const char *file, int line, const char *label, long got,
		 long want, int base);
void ct_check_yes(const char *file, int line, const char *label, int cond);
void ct_check_str(const char *file, int line, const char *label,
		  const char *got, const char *want);

/* A system call (or libc call) that must fail with exactly err. */
#define CHECK_ERR(label, call, want)                                      \
	do {                                                              \
		errno = 0;                                                \
		long r_ = (long)(call);                                   \
		ct_check_err(__FILE__, __LINE__, label, r_, errno, want); \
	} while (0)

/* A call that must return exactly want (prints the result or -1 ENAME). */
#define CHECK_RET(label, call, want)                               \
	do {                                                       \
		errno = 0;                                         \
		long r_ = (long)(call);                            \
		ct_check_ret(__FILE__, __LINE__, label, r_, errno, \
			     (long)(want));                        \
	} while (0)

/* A value that must equal want, printed in decimal, octal or hex. */
#define CHECK_EQ(label, got, want) \
	ct_check_eq(__FILE__, __LINE__, label, (long)(got), (long)(want), 10)
#define CHECK_EQO(label, got, want) \
	ct_check_eq(__FILE__, __LINE__, label, (long)(got), (long)(want), 8)
#define CHECK_EQX(label, got, want) \
	ct_check_eq(__FILE__, __LINE__, label, (long)(got), (long)(want), 16)
/* A relation that must hold: prints "label: yes". */
#define CHECK(label, cond) ct_check_yes(__FILE__, __LINE__, label, !!(cond))
#define CHECK_STR(label, got, want) \
	ct_check_str(__FILE__, __LINE__, label, got, want)
/* A silent check: prints only when it fails. */
#define EXPECT(cond)                                              \
	do {                                                      \
		if (!(cond))                                      \
			ct_fail(__FILE__, __LINE__, "%s", #cond); \
	} while (0)

/* Helpers shared by the areas (main.c). */
int ct_open(const char *path, int flags); /* EXPECTs success */
void *ct_map(long len, int prot);	  /* anonymous private */
/* Can the kernel read / write the byte at p? (EFAULT probes) */
int ct_kreadable(const void *p);
int ct_kwritable(void *p);
/* A range of n pages with the last one unmapped; returns the base. */
char *ct_map_with_hole(long pages);

#endif
