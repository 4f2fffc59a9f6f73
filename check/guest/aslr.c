/*
 * Address-space layout randomization, the same program built four ways
 * (static: /t/aslr, static PIE: /t/aslr-pie, and dynamic PIEs with musl
 * and glibc: /t/dyn/{musl,glibc}/aslr).
 *
 *	aslr show	print this process's layout, one "key value" a line:
 *			exe (load bias), interp (AT_BASE), vdso, stack (end
 *			of the stack mapping), brkrel (the initial break
 *			less where Linux starts it without randomization),
 *			mmap (a fresh mapping), gap (argv[0] less
 *			AT_PLATFORM: the sub-page stack offset)
 *	aslr layout	the same but mmap and gap, which depend on the
 *			vDSO's size and the environment (for BusyBox's
 *			"linux64 -R": the fixed layout, as the host's)
 *	aslr random PROG
 *			run "PROG show" four times and say, for each key,
 *			whether the runs differ; check each run's values lie
 *			in Linux's ranges
 *	aslr fixed PROG	personality(ADDR_NO_RANDOMIZE), then run "PROG
 *			show" twice: the values (but mmap and gap, which
 *			depend on the vDSO's size and the environment) and
 *			whether the runs agree
 *	aslr maps	the file mappings of /proc/self/maps: permissions,
 *			offset and path of each; each one's device and
 *			inode must be stat()'s, its path start in column 74
 *			as Linux pads it
 *	aslr persona	personality(2)'s answers: query, set, unknown
 *			domains, the 32-bit argument, inheritance over fork
 *			and execve (READ_IMPLIES_EXEC dropped there),
 *			/proc/self/personality, uname's machine under
 *			PER_LINUX32
 *
 * The host (Linux with randomize_va_space 2) is the oracle: the same
 * lines must come out of KOS.
 */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define PAGE 4096UL
#define TOP 0x7ffffffff000UL	  /* Linux's x86-64 user top */
#define DYN_BASE 0x555555554000UL /* ELF_ET_DYN_BASE, page */
#define PIE_BRK 0x555555555000UL  /* a static PIE's break */
#define STACK_RND (PAGE << 22)	  /* the stack top's range */
#define MMAP_RND (PAGE << 28)	  /* the mmap base's, a PIE's */
#define BRK_RND (1UL << 30)	  /* the break's */
#define RUNS 4

extern char _end[];

enum { K_EXE, K_INTERP, K_VDSO, K_STACK, K_BRKREL, K_MMAP, K_GAP, K_N };
static const char *const keys[K_N] = { "exe",	 "interp", "vdso", "stack",
				       "brkrel", "mmap",   "gap" };

static unsigned long page_up(unsigned long a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

/* The program's load bias, from AT_PHDR and its program headers. */
static unsigned long load_bias(void)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);

	for (unsigned long i = 0; i < n; i++)
		if (ph[i].p_type == PT_PHDR)
			return (unsigned long)ph - ph[i].p_vaddr;
	for (unsigned long i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
			return (unsigned long)ph - sizeof(Elf64_Ehdr) -
			       ph[i].p_vaddr;
	return 0;
}

static int show(char **argv, int all)
{
	unsigned long v[K_N];
	unsigned long brk = (unsigned long)syscall(SYS_brk, 0);
	void *m =
		mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	v[K_EXE] = load_bias();
	v[K_INTERP] = getauxval(AT_BASE);
	v[K_VDSO] = getauxval(AT_SYSINFO_EHDR);
	v[K_STACK] = page_up(getauxval(AT_EXECFN));
	/* Linux without randomization: a static PIE's break at PIE_BRK,
	 * the others' right after the image; with it, one page more. */
	if (v[K_EXE] && !v[K_INTERP])
		v[K_BRKREL] = brk - PIE_BRK;
	else
		v[K_BRKREL] = brk - (page_up((unsigned long)_end) + PAGE);
	v[K_MMAP] = (unsigned long)m;
	v[K_GAP] = (unsigned long)argv[0] - getauxval(AT_PLATFORM);
	for (int k = 0; k < K_N; k++)
		if (all || (k != K_MMAP && k != K_GAP))
			printf("%s %lx\n", keys[k], v[k]);
	return 0;
}

/* Run "prog show" and read its values into v.  0 or -1. */
static int run(const char *prog, unsigned long v[K_N])
{
	char buf[1024], name[16];
	int fd[2], st, off = 0;
	ssize_t n;
	pid_t pid;
	FILE *f;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		execl(prog, prog, "show", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while (off < (int)sizeof(buf) - 1 &&
	       (n = read(fd[0], buf + off, sizeof(buf) - 1 - off)) > 0)
		off += (int)n;
	buf[off] = 0;
	close(fd[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0)
		return -1;
	f = fmemopen(buf, off, "r");
	for (int k = 0; k < K_N; k++)
		if (!f || fscanf(f, "%15s %lx", name, &v[k]) != 2 ||
		    strcmp(name, keys[k]))
			return -1;
	fclose(f);
	return 0;
}

/* A mapping placed top-down below a randomized mmap base. */
static int below_mmap_base(unsigned long a)
{
	return a < TOP - STACK_RND && a > TOP - STACK_RND - MMAP_RND - BRK_RND;
}

static int random_runs(const char *prog)
{
	unsigned long v[RUNS][K_N];

	for (int r = 0; r < RUNS; r++) {
		CHECK(run(prog, v[r]) == 0);
		if (guest_failed)
			return guest_done("aslr random");
	}
	for (int k = 0; k < K_N; k++) {
		int differ = 0;

		for (int r = 1; r < RUNS; r++)
			differ |= v[r][k] != v[0][k];
		printf("%s %s\n", keys[k], differ ? "differs" : "same");
	}
	for (int r = 0; r < RUNS; r++) {
		unsigned long *x = v[r];

		CHECK(x[K_STACK] <= TOP &&
		      x[K_STACK] >= TOP - STACK_RND - PAGE);
		CHECK(x[K_STACK] % PAGE == 0);
		CHECK(below_mmap_base(x[K_VDSO]));
		CHECK(below_mmap_base(x[K_MMAP]));
		CHECK(x[K_BRKREL] < BRK_RND && x[K_BRKREL] % PAGE == 0);
		CHECK(x[K_GAP] > 0 && x[K_GAP] < 8192 + 16 + 8);
		if (x[K_INTERP]) {
			CHECK(below_mmap_base(x[K_INTERP]));
			CHECK(x[K_EXE] >= DYN_BASE &&
			      x[K_EXE] < DYN_BASE + MMAP_RND);
		} else if (x[K_EXE]) {
			CHECK(below_mmap_base(x[K_EXE]));
		}
	}
	return guest_done("aslr random");
}

static int fixed_runs(const char *prog)
{
	unsigned long v[2][K_N];

	CHECK(personality(ADDR_NO_RANDOMIZE) == PER_LINUX);
	for (int r = 0; r < 2; r++) {
		CHECK(run(prog, v[r]) == 0);
		if (guest_failed)
			return guest_done("aslr fixed");
	}
	for (int k = 0; k < K_N; k++) {
		if (k != K_MMAP && k != K_GAP)
			printf("%s %lx\n", keys[k], v[0][k]);
		printf("%s %s\n", keys[k],
		       v[0][k] == v[1][k] ? "same" : "differs");
	}
	return guest_done("aslr fixed");
}

static int maps(void)
{
	char line[512], perms[8], path[256];
	unsigned long long off, ino;
	unsigned int ma, mi;
	int mounted = 0, col;
	struct stat st;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f) { /* PID 1 of a bare initramfs: no /proc yet */
		mkdir("/proc", 0555);
		mounted = mount("proc", "/proc", "proc", 0, NULL) == 0;
		f = fopen("/proc/self/maps", "r");
	}
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %7s %llx %x:%x %llu %n%255s", perms, &off,
			   &ma, &mi, &ino, &col, path) != 6 ||
		    path[0] != '/')
			continue;
		printf("%s %llx %s\n", perms, off, path);
		CHECK(stat(path, &st) == 0);
		CHECK(major(st.st_dev) == ma && minor(st.st_dev) == mi);
		CHECK(st.st_ino == ino);
		CHECK(strstr(line, path) - line == 73);
	}
	if (f)
		fclose(f);
	if (mounted)
		umount("/proc");
	return guest_done("aslr maps");
}

/* personality(2) through syscall(): the raw value, the full register. */
static long persona(unsigned long p)
{
	return syscall(SYS_personality, p);
}

/* What /proc/self/personality and uname(2) show of it. */
static void persona_seen(void)
{
	char line[64] = "";
	struct utsname u;
	int mounted = 0;
	FILE *f;

	persona(ADDR_NO_RANDOMIZE);
	f = fopen("/proc/self/personality", "r");
	if (!f) { /* PID 1 of a bare initramfs: no /proc yet */
		mkdir("/proc", 0555);
		mounted = mount("proc", "/proc", "proc", 0, NULL) == 0;
		f = fopen("/proc/self/personality", "r");
	}
	CHECK(f && fgets(line, sizeof(line), f));
	printf("/proc/self/personality %s", line);
	if (f)
		fclose(f);
	if (mounted)
		umount("/proc");
	persona(PER_LINUX32);
	CHECK(uname(&u) == 0);
	printf("PER_LINUX32: machine %s\n", u.machine);
	persona(PER_LINUX32 | ADDR_NO_RANDOMIZE);
	CHECK(uname(&u) == 0);
	printf("PER_LINUX32|ADDR_NO_RANDOMIZE: machine %s\n", u.machine);
	persona(PER_LINUX);
	CHECK(uname(&u) == 0);
	printf("PER_LINUX: machine %s\n", u.machine);
}

static int persona_tests(const char *self)
{
	int st;
	pid_t pid;

	printf("query %lx\n", persona(0xffffffff));
	printf("set no-randomize %lx\n", persona(ADDR_NO_RANDOMIZE));
	printf("query %lx\n", persona(0xffffffff));
	printf("set unknown 0x5a %lx\n", persona(0x5a));
	printf("query %lx\n", persona(0xffffffff));
	printf("set flags 0x7fe0000 %lx\n", persona(0x7fe0000));
	printf("set 0x1ffffffff (query) %lx\n", persona(0x1ffffffffUL));
	printf("set 0x100000042 %lx\n", persona(0x100000042UL));
	printf("query %lx\n", persona(0xffffffff));
	printf("set PER_LINUX|READ_IMPLIES_EXEC|ADDR_NO_RANDOMIZE %lx\n",
	       persona(PER_LINUX | READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		printf("fork child %lx\n", persona(0xffffffff));
		fflush(stdout);
		execl(self, self, "persona-exec", (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && st == 0);
	printf("parent %lx\n", persona(PER_LINUX));
	printf("query %lx\n", persona(0xffffffff));
	persona_seen();
	return guest_done("aslr persona");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "show"))
		return show(argv, 1);
	if (argc == 2 && !strcmp(argv[1], "layout"))
		return show(argv, 0);
	if (argc == 3 && !strcmp(argv[1], "random"))
		return random_runs(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "fixed"))
		return fixed_runs(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "persona"))
		return persona_tests(argv[0]);
	if (argc == 2 && !strcmp(argv[1], "maps"))
		return maps();
	if (argc == 2 && !strcmp(argv[1], "persona-exec")) {
		printf("after execve %lx\n", persona(0xffffffff));
		return 0;
	}
	printf("usage: aslr show | layout | random PROG | fixed PROG | "
	       "persona | maps\n");
	return 2;
}
