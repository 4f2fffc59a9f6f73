/*
 * Processes and the user-thread loop.
 *
 * Every user thread is a kernel thread whose priv points at its struct
 * uthread.  Its life is one loop (uthread_loop):
 *
 *	deliver signals		sig_handle(): handlers, stops, kills
 *	plat_user_run()		user code runs until it traps
 *	handle the trap		system call / page fault / exception
 *
 * until the thread exits (exit, exit_group, a fatal signal, another
 * thread's execve), which proc_thread_exit() carries out (exit.c).
 *
 * This file also holds the objects a thread shares or copies at clone
 * (fs_info, sighand; vm and fdtable have their own), reference counting
 * of processes and threads, and starting PID 1.  The locking rules are
 * in kos/proc.h.
 */
#include <kos/tty.h>
#include <kos/exec.h>
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/user.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/syscall.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/wait.h>

#include "internal.h"

struct mutex proc_lock = MUTEX_INIT(proc_lock, "proc");
LIST_HEAD(proc_list);
struct proc *init_proc;

/* ---- references ------------------------------------------------------- */

/* Does vm map a file of sb (or run one)? */
static bool vm_uses_sb(struct vm_space *vm, const struct superblock *sb)
{
	bool used = vm->exe && vm->exe->vnode && vm->exe->vnode->sb == sb;

	mutex_lock(&vm->lock);
	for (size_t i = 0; i < vm->vmas.n && !used; i++) {
		const struct file *f = vm->vmas.v[i]->file;

		used = f && f->vnode && f->vnode->sb == sb;
	}
	mutex_unlock(&vm->lock);
	return used;
}

/* Does any fd of fdt refer to a file of sb? */
static bool fdt_uses_sb(struct fdtable *fdt, const struct superblock *sb)
{
	bool used = false;

	mutex_lock(&fdt->lock);
	for (unsigned int i = 0; i < fdt->size && !used; i++) {
		const struct file *f = fdt->files[i];

		used = f && ((f->vnode && f->vnode->sb == sb) ||
			     (f->odir && f->odir->sb == sb));
	}
	mutex_unlock(&fdt->lock);
	return used;
}

bool proc_uses_sb(const struct superblock *sb)
{
	struct uthread *ut;
	struct proc *p;
	bool used = false;

	mutex_lock(&proc_lock);
	list_for_each_entry (p, &proc_list, link) {
		list_for_each_entry (ut, &p->threads, group_link) {
			if (ut->exited || used)
				continue;
			used = (ut->fs &&
				((ut->fs->cwd && ut->fs->cwd->sb == sb) ||
				 (ut->fs->root && ut->fs->root->sb == sb))) ||
			       (ut->fdt && fdt_uses_sb(ut->fdt, sb)) ||
			       (ut->vm && vm_uses_sb(ut->vm, sb));
		}
	}
	mutex_unlock(&proc_lock);
	return used;
}

unsigned int proc_fs_replace(struct vnode *from, struct vnode *to)
{
	unsigned int n = 0;
	struct uthread *ut;
	struct proc *p;

	mutex_lock(&proc_lock);
	list_for_each_entry (p, &proc_list, link) {
		list_for_each_entry (ut, &p->threads, group_link) {
			if (ut->exited || !ut->fs)
				continue;
			/* Threads sharing an fs_info see it changed once. */
			mutex_lock(&ut->fs->lock);
			if (ut->fs->root == from) {
				vnode_get(to);
				ut->fs->root = to;
				n++;
			}
			if (ut->fs->cwd == from) {
				vnode_get(to);
				ut->fs->cwd = to;
				n++;
			}
			mutex_unlock(&ut->fs->lock);
		}
	}
	mutex_unlock(&proc_lock);
	return n;
}

void proc_vfs_cred(struct proc *p, struct vfs_cred *c, bool real)
{
	const struct creds *cr;

	kos_memset(c, 0, sizeof(*c));
	if (!p) {
		c->caps = ~0ULL;
		return;
	}
	cr = &p->cred;
	c->uid = real ? cr->uid : cr->fsuid;
	c->gid = real ? cr->gid : cr->fsgid;
	if (!real)
		c->caps = cr->cap_effective;
	else
		c->caps = cr->uid ? 0 : cr->cap_permitted;
	if (READ_ONCE(cr->ngroups)) {
		mutex_lock(&proc_lock);
		c->ngroups = MIN(cr->ngroups, VFS_CRED_GROUPS);
		kos_memcpy(c->groups, cr->groups,
			   c->ngroups * sizeof(c->groups[0]));
		mutex_unlock(&proc_lock);
	}
}

void proc_get(struct proc *p)
{
	__atomic_add_fetch(&p->refcnt, 1, __ATOMIC_RELAXED);
}

void proc_put(struct proc *p)
{
	if (p && __atomic_sub_fetch(&p->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		proc_free(p);
}

void uthread_get(struct uthread *ut)
{
	__atomic_add_fetch(&ut->refcnt, 1, __ATOMIC_RELAXED);
}

void uthread_put(struct uthread *ut)
{
	if (!ut || __atomic_sub_fetch(&ut->refcnt, 1, __ATOMIC_ACQ_REL))
		return;
	KOS_ASSERT(!ut->vm && !ut->fdt && !ut->fs && !ut->sighand);
	sigpending_flush(&ut->pending);
	proc_put(ut->proc);
	kfree(ut);
}

/* ---- fs_info and sighand ------------------------------------------------ */

struct fs_info *fs_info_create(struct vnode *root, struct vnode *cwd,
			       unsigned int umask)
{
	struct fs_info *fs = kzalloc(sizeof(*fs));

	if (!fs)
		return NULL;
	fs->refcnt = 1;
	mutex_init(&fs->lock, "fs_info");
	fs->root = root;
	fs->cwd = cwd;
	vnode_get(root);
	vnode_get(cwd);
	fs->umask = umask;
	return fs;
}

struct fs_info *fs_info_copy(struct fs_info *fs)
{
	struct fs_info *n;

	mutex_lock(&fs->lock);
	n = fs_info_create(fs->root, fs->cwd, fs->umask);
	mutex_unlock(&fs->lock);
	return n;
}

struct vnode *fs_info_cwd(struct fs_info *fs)
{
	struct vnode *v;

	mutex_lock(&fs->lock);
	v = fs->cwd;
	vnode_get(v);
	mutex_unlock(&fs->lock);
	return v;
}

void fs_info_put(struct fs_info *fs)
{
	if (!fs || __atomic_sub_fetch(&fs->refcnt, 1, __ATOMIC_ACQ_REL))
		return;
	vnode_put(fs->cwd);
	vnode_put(fs->root);
	kfree(fs);
}

struct sighand *sighand_create(void)
{
	struct sighand *sh = kzalloc(sizeof(*sh));

	if (!sh)
		return NULL;
	sh->refcnt = 1;
	spin_init(&sh->lock, "sighand");
	waitq_init(&sh->signalfd_wq);
	return sh;
}

struct sighand *sighand_copy(struct sighand *sh)
{
	struct sighand *n = sighand_create();
	unsigned long fl;

	if (!n)
		return NULL;
	fl = spin_lock_irqsave(&sh->lock);
	kos_memcpy(n->action, sh->action, sizeof(n->action));
	spin_unlock_irqrestore(&sh->lock, fl);
	return n;
}

void sighand_put(struct sighand *sh)
{
	if (sh && !__atomic_sub_fetch(&sh->refcnt, 1, __ATOMIC_ACQ_REL)) {
		/* epoll items signalfd's poll hooked here let go */
		waitq_free_notify(&sh->signalfd_wq);
		kfree(sh);
	}
}

/* ---- processes and threads ------------------------------------------ */

struct proc *proc_alloc(void)
{
	struct proc *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->refcnt = 1;
	p->state = PROC_LIVE;
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->threads);
	list_init(&p->link);
	proc_timers_init(p);
	waitq_init(&p->child_wq);
	waitq_init(&p->stop_wq);
	waitq_init(&p->thread_wq);
	sigpending_init(&p->shared);
	p->exit_signal = SIGCHLD;
	p->dumpable = true;
	p->start_ns = clock_monotonic_ns();
	return p;
}

void proc_free(struct proc *p)
{
	KOS_ASSERT(list_empty(&p->threads) && list_empty(&p->children));
	sigpending_flush(&p->shared);
	tty_put(p->tty); /* a fork that failed; exit dropped it otherwise */
	kfree(p->cred.groups);
	kfree(p);
}

struct uthread *uthread_alloc(struct proc *p)
{
	struct uthread *ut = kzalloc(sizeof(*ut));

	if (!ut)
		return NULL;
	ut->refcnt = 1;
	ut->proc = p;
	proc_get(p);
	list_init(&ut->group_link);
	sigpending_init(&ut->pending);
	ut->altstack.ss_flags = SS_DISABLE;
	proc_timers_thread_init(ut);
	return ut;
}

void proc_set_comm(struct uthread *ut, const char *path)
{
	const char *base = kos_strrchr(path, '/');

	kos_strlcpy(ut->comm, base ? base + 1 : path, sizeof(ut->comm));
	if (ut->proc->leader == ut || ut->proc->pid == ut->tid)
		kos_strlcpy(ut->proc->comm, ut->comm, sizeof(ut->proc->comm));
}

/* ---- the user-thread loop --------------------------------------------- */

/* Was addr inside (or just below a growable stack of) a mapping? */
static bool fault_addr_mapped(struct vm_space *vm, unsigned long addr)
{
	bool mapped;

	mutex_lock(&vm->lock);
	mapped = vm_find_vma(vm, addr) != NULL;
	mutex_unlock(&vm->lock);
	return mapped;
}

static void handle_page_fault(struct uthread *ut,
			      const struct plat_trapinfo *ti)
{
	unsigned long rss = ut->vm->rss;
	int err = vm_fault(ut->vm, ti->fault_addr, ti->fault_access);

	ut->trap_nr = 14;
	ut->trap_err = ti->fault_access;
	ut->trap_addr = ti->fault_addr;
	if (err == 0) {
		/* Pages a fault filled around itself count as faults too. */
		ut->minflt += ut->vm->rss > rss + 1 ? ut->vm->rss - rss : 1;
		return;
	}
	if (err == VM_FAULT_SIGBUS)
		sig_force_fault(SIGBUS, BUS_ADRERR, ti->fault_addr);
	else if (err == -ENOMEM)
		proc_fatal_signal(SIGKILL, "out of memory", ti->fault_addr);
	else
		sig_force_fault(SIGSEGV,
				fault_addr_mapped(ut->vm, ti->fault_addr)
					? SEGV_ACCERR
					: SEGV_MAPERR,
				ti->fault_addr);
}

/* An exception from user mode: the signal Linux sends for it. */
static void handle_exception(struct uthread *ut, const struct plat_trapinfo *ti)
{
	unsigned long ip = ut->regs.rip;

	ut->trap_nr = ti->vector;
	ut->trap_err = ti->error_code;
	ut->trap_addr = 0;
	switch (ti->vector) {
	case 0:
		sig_force_fault(SIGFPE, FPE_INTDIV, ip);
		break;
	case 1:
		sig_force_fault(SIGTRAP, TRAP_TRACE, ip);
		break;
	case 3:
		sig_force_fault(SIGTRAP, SI_KERNEL, 0);
		break;
	case 6:
		sig_force_fault(SIGILL, ILL_ILLOPN, ip);
		break;
	case 16:
	case 19:
		sig_force_fault(SIGFPE, FPE_FLTDIV, ip);
		break;
	case 11:
	case 12:
		sig_force_fault(SIGBUS, SI_KERNEL, 0);
		break;
	case 17:
		sig_force_fault(SIGBUS, BUS_ADRALN, 0);
		break;
	default:
		sig_force_fault(SIGSEGV, SI_KERNEL, 0);
		break;
	}
}

/* Platforms without partial stops (bare metal, hosted ptrace mode). */
__attribute__((weak)) void plat_user_regs(struct plat_as *as,
					  struct uregs *regs)
{
}

void uthread_regs_full(struct uthread *ut)
{
	if (ut->regs_partial) {
		plat_user_regs(ut->vm->as, &ut->regs);
		ut->regs_partial = false;
	}
}

/*
 * The kernel side of a user thread: signals, run, trap, repeat.  CPU time
 * is charged from the thread's run time: what passes inside
 * plat_user_run() is user time, the rest system time.
 */
static void uthread_loop(struct uthread *ut)
{
	struct plat_trapinfo ti;
	uint64_t mark = sched_runtime_ns(ut->thread), now, user_ns = 0;

	for (;;) {
		/* sig_handle()'s own first test, inline: no call if no work. */
		if (ut->thread->user_work || sig_restart_code(&ut->regs) ||
		    ut->restore_blocked)
			sig_handle(ut);
		if (uthread_must_exit(ut))
			return;
		now = sched_runtime_ns(ut->thread);
		ut->stime_ns += now - mark;
		/*
		 * The CPU timers are charged once per round trip, before user
		 * mode: the last user stretch and the kernel time since.  A
		 * signal this fires sets user_work, so plat_user_run() comes
		 * straight back to deliver it.
		 */
		proc_timers_account(ut, user_ns, now - mark);
		ti.regs_partial = false;
		plat_user_run(ut->vm->as, &ut->regs, &ti);
		ut->regs_partial = ti.regs_partial;
		mark = sched_runtime_ns(ut->thread);
		user_ns = mark - now;
		ut->utime_ns += user_ns;
		switch (ti.reason) {
		case PLAT_TRAP_SYSCALL:
			ut->regs.rax = syscall_dispatch(&ut->regs);
			break;
		case PLAT_TRAP_PAGE_FAULT:
			ut->regs.orig_rax = (uint64_t)-1;
			handle_page_fault(ut, &ti);
			break;
		case PLAT_TRAP_EXCEPTION:
			ut->regs.orig_rax = (uint64_t)-1;
			handle_exception(ut, &ti);
			break;
		case PLAT_TRAP_INTERRUPTED:
			ut->regs.orig_rax = (uint64_t)-1;
			break;
		}
	}
}

static void uthread_main(void *arg)
{
	struct uthread *ut = arg;

	ut->thread = sched_current();
	ut->thread->priv = ut;
	/* Signals sent before it had a kernel thread: look first. */
	ut->thread->user_work = 1;
	if (ut->fpu_image) {
		plat_fpu_restore(ut->thread, ut->fpu_image);
		kfree(ut->fpu_image);
		ut->fpu_image = NULL;
	}
	if (ut->set_child_tid) {
		int tid = ut->tid;

		copy_to_user((void *)ut->set_child_tid, &tid, sizeof(tid));
	}
	uthread_loop(ut);
	proc_timers_thread_exit(ut); /* only the loop arms it */
	proc_thread_exit(ut, ut->exit_code);
	ut->thread->priv = NULL;
	ut->thread = NULL;
	uthread_put(ut); /* the kernel thread's reference */
}

int uthread_start(struct uthread *ut)
{
	struct thread *t;

	if (ut->vm->linked)
		return proc_linked_thread_start(ut);
	uthread_get(ut); /* for the kernel thread */
	t = kthread_create(ut->comm[0] ? ut->comm : "user", uthread_main, ut);
	if (!t) {
		__atomic_sub_fetch(&ut->refcnt, 1, __ATOMIC_RELAXED);
		return -ENOMEM;
	}
	kthread_detach(t);
	return 0;
}

/* ---- PID 1 ----------------------------------------------------------- */

/* Open /dev/console as fds 0, 1 and 2. */
static int open_console(struct fdtable *fdt)
{
	for (int fd = 0; fd < 3; fd++) {
		struct file *f;
		int err = vfs_open_kernel("/dev/console", O_RDWR, &f);

		if (err)
			return err;
		err = fdt_install(fdt, f, fd, false);
		if (err != fd) {
			file_put(f);
			return err < 0 ? err : -EBADF;
		}
	}
	return 0;
}

/* Undo a half-built init (nothing runs it yet).  proc_lock free. */
static void init_abort(struct proc *p, struct uthread *ut)
{
	mutex_lock(&proc_lock);
	if (ut->tid)
		pid_free(ut->tid);
	list_del(&ut->group_link);
	list_del(&p->link);
	if (init_proc == p)
		init_proc = NULL;
	mutex_unlock(&proc_lock);
	uthread_release_resources(ut);
	sighand_put(ut->sighand);
	ut->sighand = NULL;
	p->state = PROC_DEAD;
	uthread_put(ut);
	proc_put(p);
}

/* The root and cwd PID 1 starts in (root=), referenced; NULL: "/". */
static struct vnode *init_root;

void proc_set_init_root(struct vnode *root)
{
	if (root)
		vnode_get(root);
	vnode_put(init_root);
	init_root = root;
}

int proc_init_create(const char *comm, struct proc **pp, struct uthread **utp)
{
	struct proc *p = proc_alloc();
	struct uthread *ut;
	int err = -ENOMEM;

	if (!p)
		return -ENOMEM;
	ut = uthread_alloc(p);
	if (!ut) {
		proc_put(p);
		return -ENOMEM;
	}
	proc_rlimits_init(p);
	p->cred.cap_effective = p->cred.cap_permitted = 0x1ffffffffffULL;
	p->sigflags = PROC_UNKILLABLE;
	mutex_lock(&proc_lock);
	err = pid_alloc(ut); /* allocates the table's first leaf */
	if (err > 0) {
		ut->tid = p->pid = err;
		p->pgid = p->sid = 0; /* as Linux's init: 0 until setsid() */
		p->leader = ut;
		p->nr_threads = 1;
		list_add_tail(&ut->group_link, &p->threads);
		list_add_tail(&p->link, &proc_list);
		init_proc = p;
		err = 0;
	}
	mutex_unlock(&proc_lock);
	if (err)
		goto fail;
	proc_set_comm(ut, comm);
	err = -ENOMEM;
	ut->fdt = fdtable_create();
	ut->fs = fs_info_create(init_root ? init_root : vfs_root(),
				init_root ? init_root : vfs_root(), 022);
	ut->sighand = sighand_create();
	if (!ut->fdt || !ut->fs || !ut->sighand)
		goto fail;
	err = open_console(ut->fdt);
	if (err) {
		log_err("init: cannot open /dev/console: error %d", err);
		goto fail;
	}
	*pp = p;
	*utp = ut;
	return 0;
fail:
	init_abort(p, ut);
	return err;
}

void proc_init_abort(struct proc *p, struct uthread *ut)
{
	init_abort(p, ut);
}

struct proc *proc_start_init(const char *path, const char *const argv[],
			     const char *const envp[], int *errp)
{
	struct proc *p;
	struct uthread *ut;
	int err = proc_init_create(path, &p, &ut);

	if (err) {
		*errp = err;
		return NULL;
	}
	{
		/* A "#!" script too, as Linux's init= and rdinit= */
		struct exec_target t = { .path = path, .filename = path };
		struct file *f;
		int argc = 0;

		while (argv[argc])
			argc++;
		err = exec_prepare(&t, &p->cred, ut->personality,
				   p->rlim[RLIMIT_STACK].rlim_cur,
				   (char **)argv, argc, (char **)envp, &ut->vm,
				   &ut->regs, &f);
		if (err)
			goto fail;
		ut->vm->nr_threads = 1;
		ut->vm->exe = f; /* the reference moves */
	}
	vm_set_data_limit(ut->vm, p->rlim[RLIMIT_DATA].rlim_cur);
	vm_set_stack_limit(ut->vm, p->rlim[RLIMIT_STACK].rlim_cur);
	proc_get(p); /* the caller's, before init can run and be reaped */
	err = uthread_start(ut);
	if (err) {
		proc_put(p);
		goto fail;
	}
	/* uthread_alloc()'s reference stays: it is the group's. */
	return p;
fail:
	init_abort(p, ut);
	*errp = err;
	return NULL;
}

static bool init_gone(void *arg)
{
	struct proc *p = arg;

	return p->state != PROC_LIVE && list_empty(&proc_list);
}

/* Wakes proc_wait_init() when the last process is reaped. */
struct waitq proc_gone_wq = WAITQ_INIT(proc_gone_wq);

int proc_wait_init(struct proc *p)
{
	int status;

	waitq_wait_timeout(&proc_gone_wq, init_gone, p, UINT64_MAX);
	status = p->exit_status;
	proc_put(p);
	return status;
}

int proc_restart_pids(void)
{
	int err = 0;

	mutex_lock(&proc_lock);
	if (list_empty(&proc_list))
		pid_table_reset();
	else
		err = -EBUSY;
	mutex_unlock(&proc_lock);
	return err;
}

int proc_count_uid(unsigned int uid)
{
	struct proc *p;
	int n = 0;

	list_for_each_entry (p, &proc_list, link)
		if (p->state == PROC_LIVE && p->cred.uid == uid)
			n += p->nr_threads;
	return n;
}
