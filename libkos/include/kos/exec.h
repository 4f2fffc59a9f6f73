/*
 * Loading programs: the ELF loader behind PID 1 and execve(2).
 */
#ifndef KOS_EXEC_H
#define KOS_EXEC_H

#include <kos/types.h>

struct creds;
struct file;
struct uregs;
struct vm_space;
struct vnode;

/* Limits on what exec accepts (Linux: MAX_ARG_STRLEN, ARG_MAX-ish). */
#define EXEC_MAX_ARG_STRLEN (32 * PAGE_SIZE)
#define EXEC_MAX_ARGS_BYTES (2UL << 20)

/*
 * Address-space layout randomization, as Linux's randomize_va_space
 * (/proc/sys/kernel/randomize_va_space): 0 none, 1 the stack, the mmap
 * base (so the interpreter, the vDSO and every mmap), a PIE's base;
 * 2 (the default) the break too.  "norandmaps" on the kernel command
 * line starts it at 0 (exec_init()).  Read at each execve; root may
 * write 0..2 through procfs.
 */
extern unsigned int exec_randomize_va_space;

/* Apply the command line's norandmaps.  Once, at boot. */
void exec_init(void);

/* How exec_load() lays out a program. */
struct exec_layout {
	bool randomize;	      /* stack, mmap base, PIE base (>= 1) */
	bool randomize_brk;   /* the break as well (randomize_va_space 2) */
	uint64_t stack_limit; /* RLIMIT_STACK: the gap above the mmap base */
};

/*
 * The layout for a program run with personality persona (the thread's,
 * less what a set-user/group-ID program clears) and stack limit
 * stack_limit: randomized unless persona has ADDR_NO_RANDOMIZE or
 * exec_randomize_va_space is 0.
 */
void exec_layout_for(unsigned int persona, uint64_t stack_limit,
		     struct exec_layout *lay);

/*
 * Load the ELF program open on f into a fresh address space: map its
 * PT_LOAD segments (static, static-PIE and dynamic x86-64 ELF), its
 * PT_INTERP interpreter if it has one (opened relative to cwd, NULL: the
 * root), set the break after the program, map the stack and build the
 * initial stack (argc, argv, envp, auxv as Linux lays them out;
 * AT_*UID/GID from cr, AT_EXECFN path), where lay says (randomized or
 * not).  argv and envp are NULL-terminated arrays of kernel strings.  On success *vm_out is the
 * new address space and *regs the initial user registers (at the
 * interpreter's entry if any); nothing else changes.  Errors: -ENOEXEC
 * (not an x86-64 ELF executable we can run), -E2BIG, -ENOMEM, -EIO, and
 * for the interpreter the open's errors (-ENOENT, -EACCES), -ELIBBAD (not
 * an x86-64 ELF image) and -EINVAL (neither ET_EXEC nor ET_DYN).
 */
int exec_load(struct file *f, struct vnode *cwd, const struct creds *cr,
	      const struct exec_layout *lay, const char *path,
	      const char *const argv[], const char *const envp[],
	      struct vm_space **vm_out, struct uregs *regs);

/*
 * Open path (relative to dir, NULL: the root) for execution: a regular
 * file the caller (cred NULL: root) may execute.  With nofollow a final
 * symlink is -ELOOP.  *out referenced.  -ENOENT, -EACCES, -ELOOP, ...
 */
int exec_open(struct vnode *dir, const char *path, bool nofollow,
	      struct file **out);

/* What execve(2) runs: a name or an open file, and how to name it. */
struct exec_target {
	struct vnode *dir;    /* path is relative to dir (NULL: the root) */
	const char *path;     /* "" with file for AT_EMPTY_PATH */
	struct file *file;    /* or NULL */
	bool nofollow;	      /* AT_SYMLINK_NOFOLLOW */
	const char *filename; /* AT_EXECFN and a script's argument:
			       * path, or /dev/fd/N[/path] for an fd */
	bool fd_inaccessible; /* that fd closes on exec: a script's
			       * interpreter could not open it (-ENOENT) */
	struct vnode *cwd;    /* where relative interpreter names start */
};

/*
 * Steps 1-3 of execve (proc/execve.c): open what t names, follow "#!"
 * interpreters (argv rewritten as Linux does; relative interpreter names
 * from t->cwd) and load the ELF program they end at, with creds cr.  On
 * success *vm_out and *regs are the new program and *exe the file it
 * came from (referenced, kept from writers); nothing else changes.  Used
 * by execve and to start PID 1.  persona is the caller's personality
 * and stack_limit its RLIMIT_STACK (the layout: exec_layout_for();
 * a set-user/group-ID program drops PER_CLEAR_ON_SETID first).
 */
int exec_prepare(const struct exec_target *t, const struct creds *cr,
		 unsigned int persona, uint64_t stack_limit, char **argv,
		 int argc, char **envp, struct vm_space **vm_out,
		 struct uregs *regs, struct file **exe);

/*
 * execve(2) for the calling thread, with kernel copies of the arguments
 * (argv may be empty).  Returns 0 with the thread running the new
 * program, or -errno with nothing changed, except when the process was
 * killed meanwhile.
 */
int exec_program(const struct exec_target *t, char **argv, int argc,
		 char **envp, int envc);

#endif
