/*
 * The start of a linked-mode program (docs/linked-mode.md): what crt1.o
 * and __libc_start_main are for a process, compiled with musl's headers
 * into the program's object (linked/module.mk), not into libkos.
 *
 * The kernel (libkos/proc/linked.c) calls kos_linked_app_start() on the
 * program's thread with argv laid out as on a process stack: argv[argc]
 * is NULL, the environment follows, then the auxiliary vector.  musl is
 * set up from them (__init_libc: environ, the auxiliary vector, the
 * thread pointer and TLS, the stack-protector canary) and main runs; its
 * status goes to exit(), which ends in exit_group and never returns.
 *
 * Constructors and destructors of the program are not run yet: the
 * object must have no .init_array/.fini_array (linked/module.mk checks),
 * and the bounds musl's exit() walks are defined empty here, so that the
 * hosted link cannot hand it the host program's own arrays.
 */
#include <stdbool.h>
#include <stdlib.h>

int main(int argc, char **argv, char **envp);

/* musl's (hidden in libc.a, visible to this object in the same link). */
void __init_libc(char **envp, char *pn);

/* Tells the kernel a program is linked in (libkos has a weak false). */
bool kos_linked_app_present = true;

__asm__(".pushsection .rodata\n"
	".globl __init_array_start, __init_array_end\n"
	".globl __fini_array_start, __fini_array_end\n"
	".hidden __init_array_start, __init_array_end\n"
	".hidden __fini_array_start, __fini_array_end\n"
	"__init_array_start:\n__init_array_end:\n"
	"__fini_array_start:\n__fini_array_end:\n"
	".popsection\n");

int kos_linked_app_start(int argc, char **argv)
{
	char **envp = argv + argc + 1;

	__init_libc(envp, argv[0]);
	exit(main(argc, argv, envp));
}
