/*
 * The Linux x86-64 system-call ABI.
 *
 * The dispatcher's face to the rest of the kernel.  Handlers are named
 * sys_<linux name>; kos/syscalls.h declares them all and explains how one
 * is defined.  The table in libkos/sys/table.c maps x86-64 numbers to
 * them; a number without a handler returns -ENOSYS and is logged once by
 * name.
 */
#ifndef KOS_SYSCALL_H
#define KOS_SYSCALL_H

#include <kos/types.h>

struct uregs;

/*
 * Dispatch the system call in regs (orig_rax, rdi..r9) to its handler,
 * each argument converted to the handler's C type; returns rax.
 */
long syscall_dispatch(struct uregs *regs);

/* Name of system call nr, or NULL if Linux has none by that number. */
const char *syscall_name(unsigned long nr);

/* How many numbers have a handler (for the boot log). */
unsigned int syscall_count_implemented(void);

#endif
