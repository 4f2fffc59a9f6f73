/*
 * Loading programs: the ELF loader behind PID 1 and execve(2).
 */
#ifndef KOS_EXEC_H
#define KOS_EXEC_H

#include <kos/types.h>

struct proc;
struct uregs;
struct vm_space;

/* Limits on what exec accepts (Linux: MAX_ARG_STRLEN, ARG_MAX-ish). */
#define EXEC_MAX_ARG_STRLEN (32 * PAGE_SIZE)
#define EXEC_MAX_ARGS_BYTES (2UL << 20)

/*
 * Load the program at path (a kernel string) for process p into a fresh
 * address space: map its PT_LOAD segments (static and static-PIE x86-64
 * ELF), set the break after them, map the stack and build the initial
 * stack (argc, argv, envp, auxv as Linux lays them out).  argv and envp
 * are NULL-terminated arrays of kernel strings.  On success *vm_out is
 * the new address space and *regs the initial user registers; p is not
 * changed (the caller switches p->vm and frees the old one).  Errors:
 * -ENOENT, -EACCES, -ENOEXEC (not an x86-64 ELF executable we can run),
 * -E2BIG, -ENOMEM, -EIO.
 */
int exec_load(struct proc *p, const char *path, const char *const argv[],
	      const char *const envp[], struct vm_space **vm_out,
	      struct uregs *regs);

#endif
