/*
 * ctors: constructors, destructors and atexit handlers in a KOS app
 * (check/apps/README.md).  Run by scripts/check-apps in process and
 * linked mode; check.out is what the same source prints on Linux
 * (cc main.c other.c && ./a.out one two, in this folder).
 *
 * Constructors run before main: those with a priority first, lowest
 * first, then the plain ones in link order (main.c's, then other.c's);
 * destructors in the reverse order, after the atexit handlers (last
 * registered first), and output still buffered in stdio is flushed
 * after them.  Exit status 7.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ctors.h"

static int step;
static int ready;

void note(const char *what)
{
	printf("%d %s\n", ++step, what);
}

static void at_exit_main(void)
{
	note("atexit handler from main");
}

static void at_exit_ctor(void)
{
	note("atexit handler from a constructor");
}

__attribute__((constructor(300))) static void ctor_300(void)
{
	note("constructor 300 main.c");
}

__attribute__((constructor)) static void ctor_main(void)
{
	ready = 1;
	note("constructor main.c");
	atexit(at_exit_ctor);
}

__attribute__((constructor(101))) static void ctor_101(void)
{
	note("constructor 101 main.c");
}

__attribute__((destructor)) static void dtor_main(void)
{
	note("destructor main.c");
}

__attribute__((destructor(101))) static void dtor_101(void)
{
	note("destructor 101 main.c");
}

int main(int argc, char **argv)
{
	note("main");
	printf("ready %d other_ready %d argc %d", ready, other_ready, argc);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	atexit(at_exit_main);
	return 7;
}
