/*
 * KOS linked mode: musl's __clone (replaces musl's
 * src/thread/x86_64/clone.s, whose SYSCALL instruction would trap in
 * ring 0, and the generic src/thread/clone.c, which is -ENOSYS).
 *
 * The kernel makes the new thread itself: kos_linked_clone() creates a
 * thread of the calling process that switches to stack and calls
 * fn(arg) there, in the kernel's address space, with tls as its thread
 * pointer (CLONE_SETTLS) and the parent/child tid words as clone(2)
 * handles them.  What fn returns is the thread's exit code.  Only
 * threads: a clone without CLONE_VM|CLONE_SIGHAND|CLONE_THREAD (a new
 * process) is -ENOSYS in linked mode.
 */
#include <stdarg.h>
#include "pthread_impl.h"

long kos_linked_clone(int (*fn)(void *), void *stack, unsigned long flags,
		      void *arg, int *ptid, void *tls, int *ctid);

int __clone(int (*func)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	int *ptid, *ctid;
	void *tls;

	va_start(ap, arg);
	ptid = va_arg(ap, int *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, int *);
	va_end(ap);
	return kos_linked_clone(func, stack, (unsigned)flags, arg, ptid, tls,
				ctid);
}
