/*
 * execve(2): replacing the calling thread's program.
 *
 *   1. open the file for execution (a regular file with execute
 *      permission, exec_open);
 *   2. "#!" scripts: the first line names an interpreter and at most one
 *      argument; the interpreter is run with argv = interpreter, the
 *      argument if any, the script's path, then argv[1..] -- nested up to
 *      EXEC_MAX_DEPTH levels (-ELOOP beyond, as Linux);
 *   3. load the ELF program into a new address space (exec.c).  Up to
 *      here nothing of the process has changed, so any error returns to
 *      the caller;
 *   4. commit: the other threads of the process exit (de_thread); if the
 *      caller was not the leader it takes over the leader's tid, which
 *      is the process's pid; the old address space goes (after the robust
 *      futexes and clear_child_tid of the old program are settled), the
 *      fd table and signal actions are unshared from other processes,
 *      close-on-exec fds are closed, caught signals go back to the
 *      default (ignored ones stay ignored, the mask stays), the FPU state
 *      and the alternate stack are reset, set-user/group-ID bits apply,
 *      and a vfork parent may go on.
 */
#include <kos/exec.h>
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/personality.h>
#include <uapi/stat.h>

#include "internal.h"

#define EXEC_MAX_DEPTH 6  /* the program and 5 levels of interpreters */
#define EXEC_BUF_SIZE 256 /* the part of the file "#!" parsing sees */

/*
 * Name f as path relative to dir (NULL: the root), as open(2) names its
 * files: /proc/<pid>/exe shows the program by this name.  -ENOMEM.
 */
static int exec_name_file(struct file *f, struct vnode *dir, const char *path)
{
	f->oname = kstrdup(path);
	if (!f->oname)
		return -ENOMEM;
	if (path[0] != '/' && dir) {
		vnode_get(dir);
		f->odir = dir;
	}
	return 0;
}

int exec_open(struct vnode *dir, const char *path, bool nofollow,
	      struct file **out)
{
	struct proc *p = proc_current();
	struct vfs_cred cred, *cp = NULL;
	struct vnode *v;
	int err;

	if (p) {
		proc_vfs_cred(p, &cred, false);
		cp = &cred;
	}
	err = vfs_lookup(dir, path, nofollow ? 0 : LOOKUP_FOLLOW, cp, &v);
	if (err)
		return err;
	if (S_ISLNK(v->mode))
		err = -ELOOP;
	else
		err = vfs_may_exec(v, cp);
	if (!err)
		err = vfs_open_vnode(v, O_RDONLY, out);
	vnode_put(v);
	if (!err) {
		err = exec_name_file(*out, dir, path);
		if (!err) /* open for writing: ETXTBSY */
			err = file_deny_write(*out);
		if (err) {
			file_put(*out);
			*out = NULL;
		}
	}
	return err;
}

/*
 * The "#!" line in buf (n bytes): interpreter and optional argument,
 * NUL-terminated in place.  0, or -ENOEXEC if it names no interpreter
 * (or the name does not fit in the buffer, as Linux).
 */
static int parse_shebang(char *buf, size_t n, char **interp, char **arg)
{
	char *p = buf + 2, *end = buf + n, *nl, *e;

	nl = kos_memchr(p, '\n', (size_t)(end - p));
	if (nl)
		end = nl;
	*end = 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return -ENOEXEC;
	*interp = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	if (p == end && !nl && n == EXEC_BUF_SIZE - 1)
		return -ENOEXEC; /* the name runs past what we read */
	*arg = NULL;
	if (p < end) {
		*p++ = 0;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		/* The rest of the line, trailing blanks removed, is one arg. */
		e = end;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = 0;
		if (p < e)
			*arg = p;
	}
	return 0;
}

/* The kernel's view of the arguments while interpreters pile up. */
struct exec_args {
	char **argv; /* argc entries + NULL; strings owned unless borrowed */
	int argc;
	bool owned[4]; /* argv[0..3] allocated here (script rewriting) */
};

/* Prepend interp [arg] script to a, replacing argv[0]. */
static int args_for_script(struct exec_args *a, const char *interp,
			   const char *arg, const char *script)
{
	int extra = arg ? 2 : 1;
	char **nv = kmalloc((a->argc + extra + 2) * sizeof(char *));
	int i = 0;

	if (!nv)
		return -ENOMEM;
	nv[i++] = kstrdup(interp);
	if (arg)
		nv[i++] = kstrdup(arg);
	nv[i++] = kstrdup(script);
	for (int k = 1; k < a->argc; k++)
		nv[i++] = a->argv[k];
	nv[i] = NULL;
	for (int k = 0; k < i && k < extra + 1; k++)
		if (!nv[k]) {
			for (int j = 0; j < extra + 1; j++)
				kfree(nv[j]);
			kfree(nv);
			return -ENOMEM;
		}
	/* argv[0] of the old vector is dropped (and freed if ours). */
	if (a->owned[0])
		kfree(a->argv[0]);
	kfree(a->argv);
	a->argv = nv;
	a->argc = i;
	for (int k = 0; k < 4; k++)
		a->owned[k] = k < extra + 1;
	return 0;
}

static void args_free(struct exec_args *a)
{
	for (int k = 0; k < 4 && k < a->argc; k++)
		if (a->owned[k])
			kfree(a->argv[k]);
	kfree(a->argv);
}

/* Other threads leave; the caller becomes the leader.  0 or -EINTR. */
static int de_thread(struct uthread *ut)
{
	struct proc *p = ut->proc;
	struct waitq_entry e;
	unsigned long fl;
	struct uthread *old;
	int err = 0;

	fl = spin_lock_irqsave(&ut->sighand->lock);
	if ((p->sigflags & PROC_GROUP_EXIT) || p->exec_owner) {
		spin_unlock_irqrestore(&ut->sighand->lock, fl);
		return -EINTR;
	}
	p->exec_owner = ut;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	sig_wake_group(p);

	for (;;) {
		waitq_prepare(&p->thread_wq, &e);
		mutex_lock(&proc_lock);
		if (p->nr_threads == 1) {
			mutex_unlock(&proc_lock);
			break;
		}
		mutex_unlock(&proc_lock);
		if (p->sigflags & PROC_GROUP_EXIT) {
			err = -EINTR;
			break;
		}
		waitq_sleep(&e, UINT64_MAX);
	}
	waitq_finish(&p->thread_wq, &e);

	mutex_lock(&proc_lock);
	fl = spin_lock_irqsave(&ut->sighand->lock);
	p->exec_owner = NULL;
	old = p->leader;
	if (!err && old != ut) {
		list_del(&old->group_link);
		list_init(&old->group_link);
		proc_thread_children(p, ut->tid, p->pid, false);
		pid_free(ut->tid);
		ut->tid = p->pid;
		pid_set(p->pid, ut);
		p->leader = ut;
	} else {
		old = NULL;
	}
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	mutex_unlock(&proc_lock);
	if (old)
		uthread_put(old); /* the group's reference */
	return err;
}

/*
 * Do f's set-user-ID or set-group-ID bits apply (nnp: the process has
 * no_new_privs)?  Such a program does not inherit PER_CLEAR_ON_SETID.
 */
static bool exec_setid(const struct file *f, bool nnp)
{
	const struct vnode *v = f ? f->vnode : NULL;

	if (!v || nnp || (vfs_mnt_flags(v) & VFS_MNT_NOSUID))
		return false;
	return (v->mode & S_ISUID) ||
	       ((v->mode & S_ISGID) && (v->mode & S_IXGRP));
}

/* Set-user-ID / set-group-ID bits of the program. */
static void apply_setid(struct proc *p, struct file *f)
{
	struct vnode *v = f ? f->vnode : NULL;
	bool setid =
		v && !p->no_new_privs && !(vfs_mnt_flags(v) & VFS_MNT_NOSUID);

	mutex_lock(&proc_lock);
	if (setid && (v->mode & S_ISUID))
		p->cred.euid = v->uid;
	if (setid && (v->mode & S_ISGID) && (v->mode & S_IXGRP))
		p->cred.egid = v->gid;
	p->cred.suid = p->cred.euid;
	p->cred.fsuid = p->cred.euid;
	p->cred.sgid = p->cred.egid;
	p->cred.fsgid = p->cred.egid;
	p->cred.keepcaps = false;
	/* A new program may dump core, unless it changed identity. */
	p->dumpable =
		p->cred.euid == p->cred.uid && p->cred.egid == p->cred.gid;
	mutex_unlock(&proc_lock);
}

/* Step 4 (see the top of the file).  The new program is vm/regs. */
static int exec_commit(struct uthread *ut, struct vm_space *vm,
		       const struct uregs *regs, struct file *f,
		       const char *path)
{
	struct vm_space *old;
	int err = de_thread(ut);

	if (err)
		return err;
	file_get(f);
	vm->exe = f; /* keeps writers out while the program runs */
	futex_exit_cleanup(ut);
	old = ut->vm;
	__atomic_add_fetch(&vm->nr_threads, 1, __ATOMIC_RELAXED);
	ut->vm = vm;
	proc_note_maxrss(ut->proc, old);
	if (old)
		__atomic_sub_fetch(&old->nr_threads, 1, __ATOMIC_RELAXED);
	vm_put(old);
	vm_set_data_limit(vm, ut->proc->rlim[RLIMIT_DATA].rlim_cur);
	vm_set_stack_limit(vm, ut->proc->rlim[RLIMIT_STACK].rlim_cur);
	/*
	 * Before close-on-exec: a parent that sees the exec close its pipe
	 * must find setpgid refused (pgrp.setpgid_after_exec).  setpgid
	 * reads the flag under proc_lock.
	 */
	mutex_lock(&proc_lock);
	ut->proc->exec_done = true;
	mutex_unlock(&proc_lock);
	if (__atomic_load_n(&ut->fdt->refcnt, __ATOMIC_RELAXED) > 1) {
		struct fdtable *n = fdtable_clone(ut->fdt);

		if (n) {
			fdtable_put(ut->fdt);
			ut->fdt = n;
		}
	}
	fdtable_close_on_exec(ut->fdt);
	if (__atomic_load_n(&ut->sighand->refcnt, __ATOMIC_RELAXED) > 1) {
		struct sighand *n = sighand_copy(ut->sighand);

		if (n) {
			sighand_put(ut->sighand);
			ut->sighand = n;
		}
	}
	sig_exec_reset(ut);
	proc_timers_exec(ut->proc);
	plat_fpu_reset(ut->thread);
	/* Linux's x86-64 execve drops READ_IMPLIES_EXEC; setid, more. */
	ut->personality &= ~READ_IMPLIES_EXEC;
	if (exec_setid(f, ut->proc->no_new_privs))
		ut->personality &= ~PER_CLEAR_ON_SETID;
	apply_setid(ut->proc, f);
	proc_set_comm(ut, path);
	ut->regs = *regs;
	ut->regs_partial = false;
	ut->set_child_tid = 0;
	vfork_release(ut);
	return 0;
}

int exec_prepare(const struct exec_target *t, const struct creds *cr,
		 unsigned int persona, uint64_t stack_limit, char **argv,
		 int argc, char **envp, struct vm_space **vm_out,
		 struct uregs *regs, struct file **exe)
{
	struct exec_args a = { NULL, 0, { false } };
	struct proc *cur = proc_current();
	struct exec_layout lay;
	const char *name = t->filename;
	char *buf = NULL, *interp, *arg;
	struct file *f = NULL;
	char *empty = "";
	int err, depth;

	a.argv = kmalloc((argc + 2) * sizeof(char *));
	buf = kmalloc(EXEC_BUF_SIZE);
	if (!a.argv || !buf) {
		err = -ENOMEM;
		goto out;
	}
	/* An empty argv gets an empty argv[0], as Linux does. */
	for (int i = 0; i < argc; i++)
		a.argv[i] = argv[i];
	a.argc = argc ? argc : 1;
	if (!argc)
		a.argv[0] = empty;
	a.argv[a.argc] = NULL;

	if (t->file) {
		/* A file of its own: the fd may be O_PATH or write-only. */
		struct vnode *v = t->file->vnode;

		if (!v || !S_ISREG(v->mode) || vfs_may_exec(v, NULL))
			err = -EACCES;
		else
			err = vfs_open_vnode(v, O_RDONLY, &f);
		if (!err && t->file->oname)
			err = exec_name_file(f, t->file->odir, t->file->oname);
		if (!err)
			err = file_deny_write(f);
	} else {
		err = exec_open(t->dir, t->path, t->nofollow, &f);
	}
	for (depth = 0; !err; depth++) {
		ssize_t n;

		if (depth >= EXEC_MAX_DEPTH) {
			err = -ELOOP;
			break;
		}
		n = file_pread_kernel(f, buf, EXEC_BUF_SIZE - 1, 0);
		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n < 2 || buf[0] != '#' || buf[1] != '!')
			break; /* not a script: the ELF loader decides */
		if (t->fd_inaccessible) {
			err = -ENOENT;
			break;
		}
		buf[n] = 0;
		err = parse_shebang(buf, (size_t)n, &interp, &arg);
		if (!err)
			err = args_for_script(&a, interp, arg, name);
		if (err)
			break;
		name = a.argv[0];
		file_put(f);
		f = NULL;
		err = exec_open(t->cwd, a.argv[0], false, &f);
	}
	if (!err) {
		if (exec_setid(f, cur && cur->no_new_privs))
			persona &= ~PER_CLEAR_ON_SETID;
		exec_layout_for(persona, stack_limit, &lay);
		err = exec_load(f, t->cwd, cr, &lay, t->filename,
				(const char *const *)a.argv,
				(const char *const *)envp, vm_out, regs);
	}
out:
	if (!err) {
		*exe = f;
	} else if (f) {
		file_put(f);
	}
	kfree(buf);
	if (a.argv)
		args_free(&a);
	return err;
}

int exec_program(const struct exec_target *t, char **argv, int argc,
		 char **envp, int envc)
{
	struct uthread *ut = uthread_current();
	struct vm_space *vm;
	struct file *f;
	struct uregs regs;
	int err;

	(void)envc;
	err = exec_prepare(t, &ut->proc->cred, ut->personality,
			   ut->proc->rlim[RLIMIT_STACK].rlim_cur, argv, argc,
			   envp, &vm, &regs, &f);
	if (err)
		return err;
	err = exec_commit(ut, vm, &regs, f, t->filename);
	if (err)
		vm_put(vm);
	file_put(f);
	return err;
}
