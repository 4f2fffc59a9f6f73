/*
 * libdyn.so: the shared library check/dynamic/dyntest.c links against.
 * A thread-local variable that lives in this object (TLS in a shared
 * object), a function LD_PRELOAD can override, and a constructor.
 */
#include <stdio.h>

__thread int dyn_tls = 5;
int dyn_inited;

__attribute__((constructor)) static void dyn_init(void)
{
	dyn_inited = 1;
}

int dyn_add(int a, int b)
{
	return a + b;
}

/* This thread's copy of dyn_tls, bumped by n. */
int dyn_tls_bump(int n)
{
	dyn_tls += n;
	return dyn_tls;
}
