/*
 * auxv/startup: the initial process state the ELF loader builds (argv,
 * envp, auxiliary vector, stack layout, initial fds, signal state, TLS).
 * These run first, before other tests change the process.
 */
#include <elf.h>
#include <stdbool.h>
#include <signal.h>

#include "contract.h"

#define CONTRACT_AREA "startup"

extern char _start[];
extern char end[];
extern char __ehdr_start[];

static unsigned long aux(unsigned long type, int *found)
{
	for (unsigned long *a = ct_auxv; a[0] != AT_NULL; a += 2) {
		if (a[0] == type) {
			if (found)
				*found = 1;
			return a[1];
		}
	}
	if (found)
		*found = 0;
	return 0;
}

CONTRACT_TEST(argv)
{
	CHECK("argc >= 1", ct_argc >= 1);
	ct_say("argc: %d", ct_argc);
	for (int i = 0; i < ct_argc; i++)
		ct_say("argv[%d]: \"%s\"", i, ct_argv[i]);
	CHECK("argv[argc] == NULL", ct_argv[ct_argc] == NULL);
	CHECK("argv[0] is absolute", ct_argv[0][0] == '/');
}

/* Linux starts init with HOME=/ and TERM=linux. */
CONTRACT_TEST(envp)
{
	int n = 0;

	CHECK("envp == argv + argc + 1", ct_envp == ct_argv + ct_argc + 1);
	for (char **e = ct_envp; *e; e++, n++)
		ct_say("env: \"%s\"", *e);
	CHECK("HOME=/ present", n >= 1);
}

/* Which of the always-present AT_* entries exist. */
CONTRACT_TEST(auxv_present)
{
	static const struct {
		unsigned long type;
		const char *name;
	} want[] = {
		{ AT_HWCAP, "AT_HWCAP" },
		{ AT_PAGESZ, "AT_PAGESZ" },
		{ AT_CLKTCK, "AT_CLKTCK" },
		{ AT_PHDR, "AT_PHDR" },
		{ AT_PHENT, "AT_PHENT" },
		{ AT_PHNUM, "AT_PHNUM" },
		{ AT_BASE, "AT_BASE" },
		{ AT_FLAGS, "AT_FLAGS" },
		{ AT_ENTRY, "AT_ENTRY" },
		{ AT_UID, "AT_UID" },
		{ AT_EUID, "AT_EUID" },
		{ AT_GID, "AT_GID" },
		{ AT_EGID, "AT_EGID" },
		{ AT_SECURE, "AT_SECURE" },
		{ AT_RANDOM, "AT_RANDOM" },
		{ AT_EXECFN, "AT_EXECFN" },
		{ AT_PLATFORM, "AT_PLATFORM" },
		{ AT_SYSINFO_EHDR, "AT_SYSINFO_EHDR" },
	};
	int n = 0, dup = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int found;

		aux(want[i].type, &found);
		CHECK(want[i].name, found);
	}
	/* Every entry at most once, the vector ends with AT_NULL. */
	for (unsigned long *a = ct_auxv; a[0] != AT_NULL; a += 2, n++)
		for (unsigned long *b = a + 2; b[0] != AT_NULL; b += 2)
			dup += a[0] == b[0];
	CHECK("no duplicate entries", dup == 0);
	CHECK("at least 17 entries", n >= 17);
}

/* Does the program have a PT_INTERP (the dynamic contract variant)? */
static bool has_interp(void)
{
	const Elf64_Phdr *ph = (const void *)aux(AT_PHDR, NULL);

	for (unsigned long i = 0; ph && i < aux(AT_PHNUM, NULL); i++)
		if (ph[i].p_type == PT_INTERP)
			return true;
	return false;
}

CONTRACT_TEST(auxv_values)
{
	CHECK_EQ("AT_PAGESZ", aux(AT_PAGESZ, NULL), 4096);
	CHECK_EQ("AT_PHENT", aux(AT_PHENT, NULL), sizeof(Elf64_Phdr));
	CHECK_EQ("AT_CLKTCK", aux(AT_CLKTCK, NULL), 100);
	if (has_interp())
		CHECK("AT_BASE (dynamic: the interpreter's base)",
		      aux(AT_BASE, NULL) != 0 &&
			      !(aux(AT_BASE, NULL) & (4096 - 1)));
	else
		CHECK_EQ("AT_BASE (static: no interpreter)", aux(AT_BASE, NULL),
			 0);
	CHECK_EQ("AT_FLAGS", aux(AT_FLAGS, NULL), 0);
	CHECK_EQ("AT_SECURE", aux(AT_SECURE, NULL), 0);
	CHECK("AT_UID == getuid()", aux(AT_UID, NULL) == getuid());
	CHECK("AT_EUID == geteuid()", aux(AT_EUID, NULL) == geteuid());
	CHECK("AT_GID == getgid()", aux(AT_GID, NULL) == getgid());
	CHECK("AT_EGID == getegid()", aux(AT_EGID, NULL) == getegid());
	/* x86-64 always has FPU, TSC, CX8, CMOV, FXSR, SSE, SSE2. */
	CHECK("AT_HWCAP has sse2 (bit 26)", aux(AT_HWCAP, NULL) & (1 << 26));
	CHECK_STR("AT_PLATFORM", (const char *)aux(AT_PLATFORM, NULL),
		  "x86_64");
	CHECK_STR("AT_EXECFN", (const char *)aux(AT_EXECFN, NULL), ct_argv[0]);
	/* The vDSO: a page-aligned ELF shared object. */
	{
		const Elf64_Ehdr *vdso =
			(const void *)aux(AT_SYSINFO_EHDR, NULL);

		CHECK("AT_SYSINFO_EHDR page aligned",
		      vdso && !((uintptr_t)vdso & (PG - 1)));
		CHECK("AT_SYSINFO_EHDR is an ELF shared object",
		      vdso && !memcmp(vdso->e_ident, ELFMAG, SELFMAG) &&
			      vdso->e_type == ET_DYN);
	}
}

/* AT_PHDR/AT_PHNUM describe this very program; AT_ENTRY is _start. */
CONTRACT_TEST(auxv_phdr_entry)
{
	const Elf64_Phdr *ph = (const void *)aux(AT_PHDR, NULL);
	unsigned long n = aux(AT_PHNUM, NULL);
	int loads = 0, self = 0, covers_start = 0;
	unsigned long bias = 0;

	CHECK("AT_ENTRY == _start",
	      aux(AT_ENTRY, NULL) == (unsigned long)_start);
	/*
	 * The load bias: from PT_PHDR if there is one, else from the
	 * PT_LOAD at file offset 0 (the ELF header, then the headers).
	 */
	for (unsigned long i = 0; ph && i < n; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = (unsigned long)ph - ph[i].p_vaddr;
	for (unsigned long i = 0; ph && !bias && i < n; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
			bias = (unsigned long)ph - sizeof(Elf64_Ehdr) -
			       ph[i].p_vaddr;
	CHECK("ELF header before the program headers",
	      !memcmp((char *)ph - sizeof(Elf64_Ehdr), ELFMAG, SELFMAG));
	for (unsigned long i = 0; ph && i < n; i++) {
		unsigned long lo = ph[i].p_vaddr + bias;

		if (ph[i].p_type != PT_LOAD)
			continue;
		loads++;
		self |= (unsigned long)ph >= lo &&
			(unsigned long)ph < lo + ph[i].p_memsz;
		covers_start |= (unsigned long)_start >= lo &&
				(unsigned long)_start < lo + ph[i].p_memsz;
	}
	CHECK("has PT_LOAD", loads > 0);
	CHECK("a PT_LOAD maps the headers", self);
	CHECK("a PT_LOAD maps _start", covers_start);
}

CONTRACT_TEST(auxv_random)
{
	const unsigned char *r = (const void *)aux(AT_RANDOM, NULL);
	int nonzero = 0, distinct = 0;

	for (int i = 0; r && i < 16; i++) {
		nonzero += r[i] != 0;
		distinct += i && r[i] != r[i - 1];
	}
	CHECK("16 random bytes, mostly nonzero", nonzero >= 8);
	CHECK("not a constant fill", distinct >= 8);
	CHECK("on the stack above argv", (void *)r > (void *)ct_argv);
}

/*
 * At _start the stack pointer is 16-byte aligned and points at argc; argv
 * follows, then envp, then auxv.  The strings sit above the vectors in
 * order argv, envp; the exec file name is the last string, ending 8 bytes
 * below the top of the stack.
 */
CONTRACT_TEST(stack_layout)
{
	long *argcp = (long *)ct_argv - 1;
	char *top;
	const char *execfn = (const char *)aux(AT_EXECFN, NULL);
	int contiguous = 1;
	char **e;

	CHECK("argc slot is 16-byte aligned", ((uintptr_t)argcp & 15) == 0);
	CHECK("*argc slot == argc", *argcp == ct_argc);
	for (int i = 0; i + 1 < ct_argc; i++)
		contiguous &=
			ct_argv[i + 1] == ct_argv[i] + strlen(ct_argv[i]) + 1;
	CHECK("argv strings contiguous", contiguous);
	for (e = ct_envp; *e; e++) {
		char *prev = e == ct_envp ? ct_argv[ct_argc - 1] : e[-1];

		contiguous &= *e == prev + strlen(prev) + 1;
	}
	CHECK("env strings follow argv strings", contiguous);
	CHECK("auxv follows envp NULL", (unsigned long *)(e + 1) == ct_auxv);
	CHECK("strings above the auxv",
	      (uintptr_t)ct_argv[0] > (uintptr_t)ct_auxv);
	top = (char *)execfn + strlen(execfn) + 1;
	CHECK("AT_EXECFN ends 8 bytes below a page boundary",
	      ((uintptr_t)top & (PG - 1)) == PG - 8);
	CHECK("stack above the program", (uintptr_t)argcp > (uintptr_t)end);
}

CONTRACT_TEST(initial_fds)
{
	for (int fd = 0; fd < 3; fd++) {
		char l[32];

		snprintf(l, sizeof(l), "fcntl(%d, F_GETFD)", fd);
		CHECK_RET(l, fcntl(fd, F_GETFD), 0);
	}
	CHECK_ERR("fcntl(3, F_GETFD)", fcntl(3, F_GETFD), EBADF);
	CHECK("fd 1 is writable", (fcntl(1, F_GETFL) & O_ACCMODE) != O_RDONLY);
}

/* Nothing blocked, nothing caught: signal state of a fresh init. */
CONTRACT_TEST(initial_signals)
{
	uint64_t mask = ~0ULL;
	int dfl = 0;

	CHECK_RET("rt_sigprocmask(query)",
		  syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, 8), 0);
	CHECK_EQX("blocked mask", mask, 0);
	for (int sig = 1; sig < 32; sig++) {
		struct {
			void *handler;
			unsigned long flags;
			void *restorer;
			uint64_t mask;
		} ka = { (void *)1, 0, 0, 0 };

		if (syscall(SYS_rt_sigaction, sig, NULL, &ka, 8) == 0 &&
		    ka.handler == SIG_DFL)
			dfl++;
	}
	CHECK_EQ("signals 1..31 at SIG_DFL", dfl, 31);
}

CONTRACT_TEST(initial_cwd_ids)
{
	char buf[64];

	CHECK_STR("getcwd", getcwd(buf, sizeof(buf)), "/");
	CHECK_EQ("getuid", getuid(), 0);
	CHECK_EQ("geteuid", geteuid(), 0);
	CHECK_EQ("getgid", getgid(), 0);
	CHECK_EQ("getegid", getegid(), 0);
}

/* The thread pointer (FS base) points at itself (TLS ABI). */
CONTRACT_TEST(tls_fs_base)
{
	unsigned long fs = 0, self;

	CHECK_RET("arch_prctl(ARCH_GET_FS)",
		  syscall(SYS_arch_prctl, 0x1003, &fs), 0);
	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	CHECK("fs base == *(fs:0)", fs && fs == self);
}

/*
 * The initial break lies outside the image: above the bss for a static
 * executable; for a static PIE Linux moves it to ELF_ET_DYN_BASE, below.
 */
CONTRACT_TEST(initial_brk)
{
	uintptr_t b = syscall(SYS_brk, 0);

	CHECK("brk(0) outside the program image",
	      b >= (uintptr_t)end || b < (uintptr_t)__ehdr_start);
	ct_say("brk(0) above the program: %s",
	       b >= (uintptr_t)end ? "yes" : "no");
	CHECK("brk(0) below the stack", b < (uintptr_t)ct_argv);
	CHECK("brk(0) again is the same", (uintptr_t)syscall(SYS_brk, 0) == b);
}
