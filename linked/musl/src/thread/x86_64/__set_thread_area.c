/*
 * KOS linked mode: musl's __set_thread_area (replaces musl's
 * src/thread/x86_64/__set_thread_area.s, whose SYSCALL instruction would
 * trap in ring 0).  The same arch_prctl(ARCH_SET_FS) as musl's, made
 * through the kernel's dispatcher; KOS keeps the value for
 * kos_linked_get_tp() (pthread_arch.h).
 */
#include "pthread_impl.h"

int __set_thread_area(void *p)
{
	return __syscall(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, p);
}
