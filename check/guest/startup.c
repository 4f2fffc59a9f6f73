/*
 * The initial process state: argv, envp and the auxiliary vector as the
 * ELF loader built them.  Prints only what is the same on every Linux
 * (argv/env contents, which auxv entries exist, their invariants).
 */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "guest.h"

extern char **environ;

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i > 0 ? i : 0,
		       i > 0 ? argv[i] : "(name)");
	CHECK(argv[argc] == NULL);
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "GUEST_", 6))
			printf("env %s\n", *e);

	/* Stack alignment and layout: argv strings above the vectors. */
	CHECK(((uintptr_t)argv & 7) == 0);
	CHECK((uintptr_t)argv[0] > (uintptr_t)argv);

	CHECK(getauxval(AT_PAGESZ) == 4096);
	CHECK(getauxval(AT_PHENT) == sizeof(Elf64_Phdr));
	CHECK(getauxval(AT_PHNUM) > 0);
	CHECK(getauxval(AT_PHDR) != 0);
	CHECK(getauxval(AT_ENTRY) != 0);
	CHECK(getauxval(AT_CLKTCK) == 100);
	CHECK(getauxval(AT_UID) == getuid());
	CHECK(getauxval(AT_EUID) == geteuid());
	CHECK(getauxval(AT_GID) == getgid());
	CHECK(getauxval(AT_EGID) == getegid());
	CHECK(getauxval(AT_SECURE) == 0);
	CHECK(getauxval(AT_HWCAP) != 0);

	const unsigned char *rnd = (const void *)getauxval(AT_RANDOM);
	CHECK(rnd != NULL);
	if (rnd) {
		int nonzero = 0;
		for (int i = 0; i < 16; i++)
			nonzero += rnd[i] != 0;
		CHECK(nonzero > 8);
	}
	const char *plat = (const char *)getauxval(AT_PLATFORM);
	CHECK(plat && !strcmp(plat, "x86_64"));
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	CHECK(execfn && !strcmp(execfn, argv[0]));

	/* The program headers AT_PHDR points at are ours. */
	const Elf64_Phdr *ph = (const void *)getauxval(AT_PHDR);
	int have_load = 0;
	for (unsigned long i = 0; ph && i < getauxval(AT_PHNUM); i++)
		have_load |= ph[i].p_type == PT_LOAD;
	CHECK(have_load);
	return guest_done("startup");
}
