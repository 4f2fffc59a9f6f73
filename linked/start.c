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
 * Constructors and destructors run as in a static musl program: the
 * ld -r of the program's object (linked/object.lds) gathers .init_array
 * and .fini_array between __init_array_start/_end and __fini_array_start/
 * _end, under section names the final links leave alone (else the hosted
 * kernel's glibc would run them at the host process's start).  Here the
 * constructors run forwards once musl is set up, before main, as musl's
 * __libc_start_main does after __init_libc; musl's exit() runs the
 * destructors backwards after the atexit handlers, before stdio is
 * flushed, as for any program.  These bounds are defined in the object
 * itself, so neither kernel link can hand the program another's arrays.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

int main(int argc, char **argv, char **envp);

/* musl's (hidden in libc.a, visible to this object in the same link). */
void __init_libc(char **envp, char *pn);

/* Tells the kernel a program is linked in (libkos has a weak false). */
bool kos_linked_app_present = true;

/* linked/object.lds */
typedef void (*linked_ctor)(void);
extern const linked_ctor __init_array_start[]
	__attribute__((visibility("hidden")));
extern const linked_ctor __init_array_end[]
	__attribute__((visibility("hidden")));

int kos_linked_app_start(int argc, char **argv)
{
	char **envp = argv + argc + 1;

	__init_libc(envp, argv[0]);
	/* Compared as integers, as musl does: two arrays to C. */
	for (uintptr_t a = (uintptr_t)__init_array_start;
	     a < (uintptr_t)__init_array_end; a += sizeof(linked_ctor))
		(*(const linked_ctor *)a)();
	exit(main(argc, argv, envp));
}
