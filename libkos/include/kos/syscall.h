/*
 * The Linux x86-64 system-call ABI.
 *
 * Handlers are named sys_<linux name>, take the arguments the man page
 * lists (as long / unsigned long / user pointers), and return the result
 * or -EXXX, which goes straight to user space in rax.  The table in
 * libkos/sys/table.c maps x86-64 numbers to handlers, names and argument
 * formats (for debug=syscall tracing).  A number without a handler returns
 * -ENOSYS and is logged once by name.
 *
 * Handlers run on the calling thread's kernel stack with interrupts
 * enabled; they may sleep.  User pointers are touched only through
 * copy_from_user()/copy_to_user()/strncpy_from_user() (kos/uaccess.h).
 */
#ifndef KOS_SYSCALL_H
#define KOS_SYSCALL_H

#include <kos/types.h>

struct uregs;

/* The uniform handler type the table stores (arguments rdi..r9). */
typedef long (*syscall_fn_t)(unsigned long, unsigned long, unsigned long,
			     unsigned long, unsigned long, unsigned long);

/* Dispatch the system call in regs (orig_rax, rdi.. r9); returns rax. */
long syscall_dispatch(struct uregs *regs);

/*
 * Cut the six raw arguments to the widths a table format string gives
 * (libkos/sys/table.c): 32-bit C types ignore the upper half of their
 * register, as on Linux.
 */
void syscall_narrow_args(const char *fmt, unsigned long a[6]);

/* Name of system call nr, or NULL if Linux has none by that number. */
const char *syscall_name(unsigned long nr);

/* How many numbers have a handler (for the boot log). */
unsigned int syscall_count_implemented(void);

#endif
