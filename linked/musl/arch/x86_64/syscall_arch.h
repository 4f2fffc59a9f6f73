/*
 * KOS linked mode: musl's system-call entry points (replaces musl's
 * arch/x86_64/syscall_arch.h at build time; docs/linked-mode.md).
 *
 * In a linked-mode image the program and musl are part of the kernel
 * image, so a system call is a plain C call into the kernel's dispatcher,
 * kos_linked_syscall(), which returns what the SYSCALL instruction would
 * leave in %rax: a result, or -errno.  The unused arguments are passed as
 * 0; the dispatcher reads all six as Linux's entry code does.
 *
 * There is no vDSO in linked mode (clock_gettime is the system call
 * itself, and costs no more), so VDSO_USEFUL stays undefined.
 */
long kos_linked_syscall(long n, long a1, long a2, long a3, long a4, long a5,
			long a6);

#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

static __inline long __syscall0(long n)
{
	return kos_linked_syscall(n, 0, 0, 0, 0, 0, 0);
}

static __inline long __syscall1(long n, long a1)
{
	return kos_linked_syscall(n, a1, 0, 0, 0, 0, 0);
}

static __inline long __syscall2(long n, long a1, long a2)
{
	return kos_linked_syscall(n, a1, a2, 0, 0, 0, 0);
}

static __inline long __syscall3(long n, long a1, long a2, long a3)
{
	return kos_linked_syscall(n, a1, a2, a3, 0, 0, 0);
}

static __inline long __syscall4(long n, long a1, long a2, long a3, long a4)
{
	return kos_linked_syscall(n, a1, a2, a3, a4, 0, 0);
}

static __inline long __syscall5(long n, long a1, long a2, long a3, long a4,
				long a5)
{
	return kos_linked_syscall(n, a1, a2, a3, a4, a5, 0);
}

static __inline long __syscall6(long n, long a1, long a2, long a3, long a4,
				long a5, long a6)
{
	return kos_linked_syscall(n, a1, a2, a3, a4, a5, a6);
}

#define IPC_64 0
