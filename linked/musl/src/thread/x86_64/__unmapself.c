/*
 * KOS linked mode: musl's __unmapself (replaces musl's
 * src/thread/x86_64/__unmapself.s, whose SYSCALL instruction would trap
 * in ring 0, and the generic src/thread/__unmapself.c, which runs munmap
 * and exit on a 256-byte shared stack -- too small for the kernel's own
 * frames, which in linked mode sit on the caller's stack).
 *
 * A detached thread's last act: unmap its own stack and exit.  The kernel
 * does both once the thread has left that stack
 * (kos_linked_unmapself()).
 */
#include "pthread_impl.h"

_Noreturn void kos_linked_unmapself(void *base, unsigned long len);

void __unmapself(void *base, size_t size)
{
	kos_linked_unmapself(base, size);
}
