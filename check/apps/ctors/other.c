/* ctors: the constructors of the second file (main.c). */
#include "ctors.h"

int other_ready;

__attribute__((constructor)) static void ctor_other(void)
{
	other_ready = 1;
	note("constructor other.c");
}

__attribute__((constructor(200))) static void ctor_200(void)
{
	note("constructor 200 other.c");
}

__attribute__((destructor)) static void dtor_other(void)
{
	note("destructor other.c");
}

__attribute__((destructor(200))) static void dtor_200(void)
{
	note("destructor 200 other.c");
}
