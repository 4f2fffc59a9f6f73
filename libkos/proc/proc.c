/*
 * Processes and the user-thread loop.
 *
 * Every user thread is a kernel thread whose priv points at its struct
 * uthread.  Its life is one loop (uthread_loop):
 *
 *	plat_user_run()		user code runs until it traps
 *	handle the trap		system call / page fault / exception
 *	check for exit		exit_group() or a fatal signal ends the loop
 *
 * A process ends when its (only, for now) thread leaves the loop: the
 * thread drops the address space and the files, marks the process exited
 * and wakes whoever waits in proc_wait().
 *
 * Locking: proc_lock guards the process list and pid allocation; a
 * process's own fields are touched only by its threads, except exited /
 * exit_status, which are written once before exit_wq is woken.
 */
#include <kos/exec.h>
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
#include <kos/panic.h>
#include <kos/plat/user.h>
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/syscall.h>
#include <kos/vfs.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

static struct mutex proc_lock;
static bool proc_lock_ready;
static LIST_HEAD(proc_list); /* proc_lock */
static int next_pid = 1;     /* proc_lock */

static const char *const signal_names[32] = {
	[1] = "SIGHUP",	  [2] = "SIGINT",   [3] = "SIGQUIT",  [4] = "SIGILL",
	[5] = "SIGTRAP",  [6] = "SIGABRT",  [7] = "SIGBUS",   [8] = "SIGFPE",
	[9] = "SIGKILL",  [11] = "SIGSEGV", [13] = "SIGPIPE", [14] = "SIGALRM",
	[15] = "SIGTERM", [31] = "SIGSYS",
};

struct uthread *uthread_current(void)
{
	struct thread *t = sched_current();

	return t ? t->priv : NULL;
}

struct proc *proc_current(void)
{
	struct uthread *ut = uthread_current();

	return ut ? ut->proc : NULL;
}

static struct proc *proc_alloc(void)
{
	struct proc *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	if (!proc_lock_ready) {
		mutex_init(&proc_lock, "proc");
		proc_lock_ready = true;
	}
	waitq_init(&p->exit_wq);
	proc_rlimits_init(p);
	mutex_lock(&proc_lock);
	p->pid = next_pid++;
	list_add_tail(&p->link, &proc_list);
	mutex_unlock(&proc_lock);
	return p;
}

static void proc_set_comm(struct proc *p, const char *path)
{
	const char *base = kos_strrchr(path, '/');

	kos_strlcpy(p->comm, base ? base + 1 : path, sizeof(p->comm));
}

void proc_exit_group(int status)
{
	struct proc *p = proc_current();

	if (!p->exiting) {
		p->exiting = true;
		p->exit_status = status;
	}
}

void proc_fatal_signal(int sig, const char *why, unsigned long addr)
{
	struct proc *p = proc_current();
	struct uthread *ut = uthread_current();
	const char *name = sig > 0 && sig < 32 ? signal_names[sig] : NULL;

	log_notice("kos: pid %d (%s) killed by %s: %s at ip %#lx addr %#lx",
		   p->pid, p->comm, name ? name : "signal", why,
		   (unsigned long)ut->regs.rip, addr);
	if (!p->exiting) {
		p->exiting = true;
		p->exit_status = sig & 0x7f;
	}
}

/* x86 exception vector -> the signal Linux sends for it. */
static int exception_signal(unsigned int vector, const char **why)
{
	switch (vector) {
	case 0:
		*why = "divide error";
		return SIGFPE;
	case 1:
	case 3:
		*why = "breakpoint";
		return SIGTRAP;
	case 6:
		*why = "invalid opcode";
		return SIGILL;
	case 16:
	case 19:
		*why = "floating-point exception";
		return SIGFPE;
	case 11:
	case 12:
		*why = "segment not present / stack fault";
		return SIGBUS;
	case 17:
		*why = "alignment check";
		return SIGBUS;
	default:
		*why = "general protection";
		return SIGSEGV;
	}
}

static void handle_page_fault(const struct plat_trapinfo *ti)
{
	struct proc *p = proc_current();
	int err = vm_fault(p->vm, ti->fault_addr, ti->fault_access);

	if (err == 0)
		return;
	if (err == VM_FAULT_SIGBUS)
		proc_fatal_signal(SIGBUS, "bus error", ti->fault_addr);
	else if (err == -ENOMEM)
		proc_fatal_signal(SIGKILL, "out of memory", ti->fault_addr);
	else
		proc_fatal_signal(SIGSEGV, "segmentation fault",
				  ti->fault_addr);
}

/* The kernel side of a user thread: run, handle the trap, repeat. */
static void uthread_loop(struct uthread *ut)
{
	struct proc *p = ut->proc;
	struct plat_trapinfo ti;
	const char *why;
	int sig;

	while (!p->exiting) {
		plat_user_run(p->vm->as, &ut->regs, &ti);
		switch (ti.reason) {
		case PLAT_TRAP_SYSCALL:
			ut->regs.rax = syscall_dispatch(&ut->regs);
			break;
		case PLAT_TRAP_PAGE_FAULT:
			handle_page_fault(&ti);
			break;
		case PLAT_TRAP_EXCEPTION:
			sig = exception_signal(ti.vector, &why);
			proc_fatal_signal(sig, why, 0);
			break;
		case PLAT_TRAP_INTERRUPTED:
			break;
		}
	}
}

/* Drop everything the process owns and tell its waiters. */
static void proc_teardown(struct proc *p)
{
	if (p->fdt) {
		fdtable_destroy(p->fdt);
		p->fdt = NULL;
	}
	if (p->vm) {
		vm_destroy(p->vm);
		p->vm = NULL;
	}
	if (p->cwd) {
		vnode_put(p->cwd);
		p->cwd = NULL;
	}
	p->exited = true;
	waitq_wake_all(&p->exit_wq);
}

static void uthread_main(void *arg)
{
	struct uthread *ut = arg;

	ut->thread = sched_current();
	ut->thread->priv = ut;
	uthread_loop(ut);
	ut->thread->priv = NULL;
	proc_teardown(ut->proc);
	kfree(ut);
}

/* Open /dev/console as fds 0, 1 and 2 of p. */
static int open_console(struct proc *p)
{
	for (int fd = 0; fd < 3; fd++) {
		struct file *f;
		int err = vfs_open_kernel("/dev/console", O_RDWR, &f);

		if (err)
			return err;
		err = fdt_install(p->fdt, f, fd, false);
		if (err != fd) {
			file_put(f);
			return err < 0 ? err : -EBADF;
		}
	}
	return 0;
}

struct proc *proc_start_init(const char *path, const char *const argv[],
			     const char *const envp[], int *errp)
{
	struct proc *p = proc_alloc();
	struct uthread *ut = NULL;
	struct thread *t;
	int err = -ENOMEM;

	if (!p)
		goto fail;
	proc_set_comm(p, path);
	p->fdt = fdtable_create();
	ut = kzalloc(sizeof(*ut));
	if (!p->fdt || !ut)
		goto fail;
	p->cwd = vfs_root();
	vnode_get(p->cwd);
	err = open_console(p);
	if (err) {
		log_err("init: cannot open /dev/console: error %d", err);
		goto fail;
	}
	err = exec_load(p, path, argv, envp, &p->vm, &ut->regs);
	if (err)
		goto fail;
	vm_set_data_limit(p->vm, p->rlim[RLIMIT_DATA].rlim_cur);
	ut->proc = p;
	ut->tid = p->pid;
	t = kthread_create(p->comm, uthread_main, ut);
	if (!t) {
		err = -ENOMEM;
		goto fail;
	}
	kthread_detach(t);
	return p;
fail:
	kfree(ut);
	if (p) {
		proc_teardown(p);
		mutex_lock(&proc_lock);
		list_del(&p->link);
		mutex_unlock(&proc_lock);
		kfree(p);
	}
	*errp = err;
	return NULL;
}

static bool proc_has_exited(void *arg)
{
	return ((struct proc *)arg)->exited;
}

int proc_wait(struct proc *p)
{
	waitq_wait_timeout(&p->exit_wq, proc_has_exited, p, UINT64_MAX);
	return p->exit_status;
}

void proc_release(struct proc *p)
{
	KOS_ASSERT(p->exited);
	mutex_lock(&proc_lock);
	list_del(&p->link);
	mutex_unlock(&proc_lock);
	kfree(p);
}

int proc_restart_pids(void)
{
	int err = 0;

	if (!proc_lock_ready)
		return 0;
	mutex_lock(&proc_lock);
	if (list_empty(&proc_list))
		next_pid = 1;
	else
		err = -EBUSY;
	mutex_unlock(&proc_lock);
	return err;
}
