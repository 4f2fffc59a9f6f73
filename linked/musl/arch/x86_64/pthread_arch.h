/*
 * KOS linked mode: the thread pointer (replaces musl's
 * arch/x86_64/pthread_arch.h at build time; docs/linked-mode.md).
 *
 * musl reads its thread pointer (its struct pthread) from %fs:0.  A
 * linked-mode program runs inside the kernel -- in ring 0 on bare metal,
 * inside the hosted kernel's own Linux process, whose glibc owns %fs --
 * so KOS keeps the value musl sets with arch_prctl(ARCH_SET_FS) in the
 * calling thread's saved registers instead of the FS base, and musl asks
 * the kernel for it.  Code compiled with __thread variables (which the
 * compiler addresses through %fs) is therefore not supported yet.
 */
unsigned long kos_linked_get_tp(void);

static inline uintptr_t __get_tp()
{
	return kos_linked_get_tp();
}

#define MC_PC gregs[REG_RIP]
