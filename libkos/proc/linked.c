/*
 * Linked mode: a program linked into the kernel image as PID 1
 * (docs/linked-mode.md).
 *
 * The library-OS form of a single-app image.  The program and its C
 * library (musl, built by scripts/build-musl with KOS's replacement files
 * from linked/musl/) are linked with libkos.a into the kernel itself; the
 * program's system calls are plain C calls:
 *
 *	program -> musl's __syscallN -> kos_linked_syscall(nr, a1..a6)
 *		-> syscall_dispatch() -> sys_<name>
 *
 * the same dispatcher and handlers a trapping user program reaches, with
 * no trap, no mode switch and no page-table switch.  On bare metal the
 * program runs in ring 0 in the kernel's address space; hosted, inside
 * the kernel's own Linux process (gdb steps from the program into the
 * kernel, valgrind sees both).
 *
 * The layers:
 *   - proc_start_linked(): PID 1 as proc_start_init() makes it (console
 *     on fds 0-2, root, cwd, signal handlers), but with a linked address
 *     space (vm_create_linked(), mm/linked.c: user pointers are kernel
 *     addresses, mmap hands out kernel memory) and, instead of an ELF
 *     program, a kernel thread with a big stack (LINKED_STACK_ORDER: the
 *     program's frames and the kernel's below them share it) that calls
 *     the program's entry, kos_linked_app_start(argc, argv) (linked/
 *     start.c, in the program's object), with argv, envp and an auxiliary
 *     vector laid out as on a process stack, in kernel memory.
 *   - kos_linked_syscall(): the calling thread's uthread holds the
 *     arguments in its uregs, as the trap path leaves them, and the
 *     dispatcher runs.  fork, vfork, clone, clone3, execve and execveat
 *     are -ENOSYS (one process, as in Unikraft); rt_sigreturn too (a
 *     handler returns into the kernel).  On the way back
 *     (linked_syscall_return()) pending signals are delivered -- their
 *     handlers called right there -- and an interrupted call restarted
 *     or failed with EINTR as for a trapping thread; a thread that must
 *     exit (exit, exit_group, a fatal signal to the group) leaves there,
 *     never returning into the program.
 *   - kos_linked_clone() (musl's __clone): threads.  A new thread of the
 *     process (proc_clone(), as clone(CLONE_THREAD) makes one) whose
 *     kernel thread switches to the stack musl mapped for it and calls
 *     fn(arg) there; it ends back on its own kernel stack.  See
 *     "threads" below.
 *   - kos_linked_get_tp(): musl's thread pointer.  musl sets it with
 *     arch_prctl(ARCH_SET_FS), which stores it in uregs.fs_base as for
 *     any thread; it is never loaded into the FS base (the hosted
 *     kernel's glibc owns %fs; on metal the kernel does not switch it per
 *     kernel thread), so musl asks for it here.
 *
 *   - the FPU: the program uses SSE in the kernel.  A voluntary switch
 *     (inside a call) needs nothing, the ABI makes the vector registers
 *     caller-saved; a preempted linked thread's registers are kept as a
 *     user thread's are (thread->kernel_fpu, plat_fpu_kernel_own(): on
 *     metal it owns the deferred-save registers again on the way back
 *     from every call and interrupt; hosted the host's signal frame holds
 *     them).
 *
 * Preemption: a linked thread that never makes a call is preempted as
 * any kernel thread is (metal: the timer interrupt in ring 0; hosted:
 * the timer's host signal, which runs on whatever stack it interrupts),
 * so a spinning thread does not starve the others on either platform.
 *
 * Between calls: a thread in the program's code (uthread.linked_user)
 * takes its signals, or its end, on the way out of an interrupt
 * (proc_linked_interrupt(), called by the platform), as after a call.
 *
 * Not yet (docs/linked-mode.md): shared file mappings, __thread
 * variables in the program, CPU time accounting (the thread's time
 * counts as neither user nor system).
 *
 * Faults: a program's access against the rights it gave its memory
 * (mprotect, mm/linked.c) faults in the kernel's context; the platform
 * hands it to proc_linked_fault(), which delivers SIGSEGV as after a
 * call.
 */
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/proc.h>
#include <kos/random.h>
#include <kos/sched.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/syscall.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/elf.h>
#include <uapi/errno.h>
#include <uapi/mman.h>
#include <uapi/sched.h>
#include <uapi/unistd.h>

#include "internal.h"

/* 256 KiB: the program's stack, and the kernel's under its calls. */
#define LINKED_STACK_ORDER 6

/*
 * The program's entry (linked/start.c): sets musl up from argv, the
 * environment after it and the auxiliary vector after that, and runs
 * main; ends with exit_group, so it does not return.  A linked program's
 * object defines it and kos_linked_app_present (true); these weak
 * defaults stand in a kernel without one.
 */
__attribute__((weak)) bool kos_linked_app_present = false;

__attribute__((weak)) int kos_linked_app_start(int argc, char **argv)
{
	return -ENOEXEC;
}

bool proc_linked_present(void)
{
	return kos_linked_app_present;
}

/*
 * The start-up block: argv and envp pointer arrays, the auxiliary vector,
 * 16 random bytes (AT_RANDOM) and the strings, in one mapping of the
 * program's space, so it lives as long as the program -- its pointers
 * (environ) stay in musl's hands, and other threads may outlive the
 * first -- and goes with the space.
 */
struct linked_start {
	int argc;
	char **argv;
};

#define LINKED_AUXV 8 /* pairs, with AT_NULL */

/* Lay argv, envp and the auxiliary vector out as on a process stack. */
static int linked_start_build(struct linked_start *s, struct vm_space *vm,
			      const char *const argv[],
			      const char *const envp[])
{
	long addr;

	size_t argc = 0, envc = 0, strings = 0, nptr, i;
	unsigned long *v;
	char *str, *rnd;

	while (argv[argc])
		strings += kos_strlen(argv[argc++]) + 1;
	while (envp[envc])
		strings += kos_strlen(envp[envc++]) + 1;
	nptr = argc + 1 + envc + 1 + 2 * LINKED_AUXV;
	addr = vm_linked_mmap(vm, 0, nptr * sizeof(*v) + 16 + strings,
			      PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	/* Kernel addresses: on metal they are "negative". */
	if ((unsigned long)addr >= -4095UL)
		return (int)addr;
	v = (unsigned long *)addr;
	rnd = (char *)(v + nptr);
	str = rnd + 16;
	kos_random_bytes(rnd, 16);
	s->argc = (int)argc;
	s->argv = (char **)v;
	for (i = 0; i < argc; i++) {
		size_t n = kos_strlen(argv[i]) + 1;

		*v++ = (unsigned long)str;
		kos_memcpy(str, argv[i], n);
		str += n;
	}
	*v++ = 0;
	for (i = 0; i < envc; i++) {
		size_t n = kos_strlen(envp[i]) + 1;

		*v++ = (unsigned long)str;
		kos_memcpy(str, envp[i], n);
		str += n;
	}
	*v++ = 0;
	/* PID 1 runs as root; no hardware capability bits are claimed. */
	*v++ = AT_PAGESZ;
	*v++ = PAGE_SIZE;
	*v++ = AT_CLKTCK;
	*v++ = 100;
	*v++ = AT_UID;
	*v++ = 0;
	*v++ = AT_UID + 1; /* AT_EUID */
	*v++ = 0;
	*v++ = AT_UID + 2; /* AT_GID */
	*v++ = 0;
	*v++ = AT_UID + 3; /* AT_EGID */
	*v++ = 0;
	*v++ = AT_RANDOM;
	*v++ = (unsigned long)rnd;
	*v++ = AT_NULL;
	*v++ = 0;
	return 0;
}

/* Free the start-up record (the block goes with the space). */
static void linked_start_free(struct linked_start *s)
{
	kfree(s);
}

/*
 * The thread leaves the program's code for the kernel's: from here until
 * linked_syscall_return() hands back a result, an interrupt delivers
 * nothing (proc_linked_interrupt()), so no kernel lock or half-done call
 * is ever left behind by a handler or the thread's end.
 */
static inline void linked_enter(struct uthread *ut)
{
	ut->linked_user = false;
	barrier();
}

/* ... and goes back to it. */
static inline void linked_leave(struct uthread *ut)
{
	barrier();
	ut->linked_user = true;
}

/* The end of a linked thread: uthread_main()'s tail.  No return. */
static __noreturn void linked_thread_exit(struct uthread *ut)
{
	linked_start_free(ut->linked_start);
	ut->linked_start = NULL;
	proc_thread_exit(ut, ut->exit_code);
	ut->thread->priv = NULL;
	ut->thread = NULL;
	uthread_put(ut); /* the kernel thread's reference */
	kthread_exit(0);
}

static void linked_main(void *arg)
{
	struct uthread *ut = arg;
	struct linked_start *s = ut->linked_start;

	ut->thread = sched_current();
	ut->thread->priv = ut;
	ut->thread->kernel_fpu = true;
	plat_fpu_kernel_own(ut->thread);
	linked_leave(ut);
	kos_linked_app_start(s->argc, s->argv);
	/* Not reached: musl's exit ends in exit_group. */
	log_err("linked: the program's entry returned");
	ut->exit_code = 127 << 8;
	linked_thread_exit(ut);
}

struct proc *proc_start_linked(const char *const argv[],
			       const char *const envp[], int *errp)
{
	struct linked_start *s = kzalloc(sizeof(*s));
	struct uthread *ut;
	struct proc *p;
	struct thread *t;
	int err;

	if (!proc_linked_present()) {
		kfree(s);
		*errp = -ENOEXEC;
		return NULL;
	}
	if (!s) {
		*errp = -ENOMEM;
		return NULL;
	}
	err = proc_init_create(argv[0], &p, &ut);
	if (err) {
		kfree(s);
		*errp = err;
		return NULL;
	}
	err = -ENOMEM;
	ut->vm = vm_create_linked();
	if (ut->vm)
		ut->vm->nr_threads = 1;
	if (!ut->vm || linked_start_build(s, ut->vm, argv, envp))
		goto fail;
	ut->linked_start = s;
	proc_get(p);	 /* the caller's, before the program can run and end */
	uthread_get(ut); /* the kernel thread's */
	t = kthread_create_stack(ut->comm[0] ? ut->comm : "linked", linked_main,
				 ut, LINKED_STACK_ORDER);
	if (!t) {
		__atomic_sub_fetch(&ut->refcnt, 1, __ATOMIC_RELAXED);
		proc_put(p);
		goto fail;
	}
	kthread_detach(t);
	return p;
fail:
	ut->linked_start = NULL;
	linked_start_free(s);
	proc_init_abort(p, ut);
	*errp = err;
	return NULL;
}

static long linked_syscall_return(struct uthread *ut, long ret);

/* A handler's type, for proc_linked_call_on(). */
typedef void (*linked_handler_frame_fn)(int, void *, void *);

/* ---- threads ---------------------------------------------------------- */

/*
 * A thread made by kos_linked_clone() runs fn(arg) on the stack musl gave
 * it, not on its kernel thread's own (16 KiB) stack:
 *
 *	linked_clone_main()		on the kernel stack
 *	  proc_linked_run_on(fn, arg, sp, &lt->ksp)
 *	    fn(arg)			on the program's stack, with every
 *	      ... kos_linked_syscall()	system call below it
 *	        proc_linked_leave_stack(lt->ksp)	at exit: back to the kernel
 *	  (proc_linked_run_on returns)	stack, where the thread ends
 *
 * The thread ends on its kernel stack, so a detached thread can free the
 * stack it ran on (kos_linked_unmapself(), musl's __unmapself) before it
 * is gone.  The program's stack is registered with the platform while the
 * thread runs on it (valgrind's stack switches, hosted).
 */
struct linked_thread {
	unsigned long ksp; /* the kernel stack, in proc_linked_run_on */
	unsigned long unmap_start, unmap_len; /* munmap at the end, if len */
};

long proc_linked_run_on(int (*fn)(void *), void *arg, unsigned long sp,
			unsigned long *ksp, volatile bool *user);
__noreturn void proc_linked_leave_stack(unsigned long ksp);
__noreturn void proc_linked_fn_returned(int code);

/*
 * proc_linked_run_on(fn, arg, sp, ksp, user): save the callee-saved
 * registers on this stack and the stack pointer in *ksp, switch to sp
 * (16-byte aligned down), set *user (uthread.linked_user: from now on an
 * interrupt may end the thread, which needs *ksp) and call fn(arg).  It
 * comes back here only through proc_linked_leave_stack, which returns 0
 * from proc_linked_run_on; if fn returns, its value is the thread's exit
 * code (clone(2)'s rule), via proc_linked_fn_returned.
 */
__asm__(".text\n"
	".globl proc_linked_run_on\n"
	".type proc_linked_run_on, @function\n"
	"proc_linked_run_on:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	movq %rsp, (%rcx)\n"
	"	andq $-16, %rdx\n"
	"	movq %rdx, %rsp\n"
	"	xorl %ebp, %ebp\n"
	"	movb $1, (%r8)\n"
	"	movq %rdi, %rax\n"
	"	movq %rsi, %rdi\n"
	"	call *%rax\n"
	"	movl %eax, %edi\n"
	"	call proc_linked_fn_returned@PLT\n"
	"	ud2\n"
	".size proc_linked_run_on, .-proc_linked_run_on\n"
	".globl proc_linked_leave_stack\n"
	".type proc_linked_leave_stack, @function\n"
	"proc_linked_leave_stack:\n"
	"	movq %rdi, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	".size proc_linked_leave_stack, .-proc_linked_leave_stack\n");

static void linked_clone_main(void *arg)
{
	struct uthread *ut = arg;
	struct linked_thread lt = { 0 };
	unsigned long lo, hi, cookie = 0;
	struct thread *t = sched_current();

	ut->thread = t;
	t->priv = ut;
	t->kernel_fpu = true;
	ut->linked_thread = &lt;
	/* Linux copies the parent's FPU state; the initial one here. */
	kfree(ut->fpu_image);
	ut->fpu_image = NULL;
	plat_fpu_kernel_own(t);
	if (ut->set_child_tid) {
		int tid = ut->tid;

		copy_to_user((void *)ut->set_child_tid, &tid, sizeof(tid));
	}
	if (!vm_linked_find(ut->vm, ut->regs.rsp - 1, &lo, &hi))
		cookie = plat_stack_register((void *)lo, ut->regs.rsp - lo);
	/* A group exit that came first: never start. */
	if (!uthread_must_exit(ut))
		proc_linked_run_on((int (*)(void *))ut->regs.rip,
				   (void *)ut->regs.rdi, ut->regs.rsp, &lt.ksp,
				   &ut->linked_user);
	linked_enter(ut);
	if (cookie)
		plat_stack_unregister(cookie);
	if (lt.unmap_len)
		vm_linked_munmap(ut->vm, lt.unmap_start, lt.unmap_len);
	ut->linked_thread = NULL;
	proc_thread_exit(ut, ut->exit_code);
	t->priv = NULL;
	ut->thread = NULL;
	uthread_put(ut); /* the kernel thread's reference */
}

int proc_linked_thread_start(struct uthread *ut)
{
	struct thread *t;

	uthread_get(ut); /* for the kernel thread */
	t = kthread_create(ut->comm[0] ? ut->comm : "linked", linked_clone_main,
			   ut);
	if (!t) {
		__atomic_sub_fetch(&ut->refcnt, 1, __ATOMIC_RELAXED);
		return -ENOMEM;
	}
	kthread_detach(t);
	return 0;
}

/* The end of the calling thread, from a system call or its fn's return. */
static __noreturn void linked_exit_now(struct uthread *ut)
{
	if (ut->linked_thread)
		proc_linked_leave_stack(ut->linked_thread->ksp);
	linked_thread_exit(ut);
}

#define LINKED_CLONE_THREAD (CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)

long kos_linked_clone(int (*fn)(void *), void *stack, unsigned long flags,
		      void *arg, int *ptid, void *tls, int *ctid)
{
	struct uthread *ut = uthread_current();
	struct clone_req req = {
		.flags = flags & ~(unsigned long)CSIGNAL,
		.exit_signal = (int)(flags & CSIGNAL),
		.stack = (unsigned long)stack,
		.tls = (unsigned long)tls,
		.parent_tid = (unsigned long)ptid,
		.child_tid = (unsigned long)ctid,
	};
	long ret;

	linked_enter(ut);
	/* One process: a thread, or nothing (fork-like clones are ENOSYS). */
	if ((flags & LINKED_CLONE_THREAD) != LINKED_CLONE_THREAD ||
	    (flags & (CLONE_VFORK | CLONE_PIDFD)))
		return linked_syscall_return(ut, -ENOSYS);
	if (!fn || !stack)
		return linked_syscall_return(ut, -EINVAL);
	/* The new thread's fn and arg ride in the registers it copies. */
	ut->regs.orig_rax = __NR_clone;
	ut->regs.rip = (unsigned long)fn;
	ut->regs.rdi = (unsigned long)arg;
	ret = proc_clone(&req);
	return linked_syscall_return(ut, ret);
}

__noreturn void kos_linked_unmapself(void *base, unsigned long len)
{
	struct uthread *ut = uthread_current();

	/* musl's __unmapself: munmap(base, len), then exit(0). */
	linked_enter(ut);
	if (ut->linked_thread) {
		ut->linked_thread->unmap_start = (unsigned long)base;
		ut->linked_thread->unmap_len = len;
	} else {
		vm_linked_munmap(ut->vm, (unsigned long)base, len);
	}
	ut->exit_thread = true;
	ut->exit_code = 0;
	linked_exit_now(ut);
}

__noreturn void proc_linked_fn_returned(int code)
{
	struct uthread *ut = uthread_current();

	linked_enter(ut);
	ut->exit_thread = true;
	ut->exit_code = (code & 0xff) << 8;
	linked_exit_now(ut);
}

/*
 * Signals.  A linked program's handlers run on the way back from any of
 * its calls (linked_syscall_return()), with sig_handle() -- the same
 * engine as for a trapping thread -- doing the work in between: the
 * interrupted call is finished (-EINTR, or marked for a restart), a
 * default action is taken (a fatal one ends the group as in process
 * mode), or a handler frame (siginfo, ucontext, the FPU state) is built
 * "on the user stack", here a block of the thread's own stack below this
 * function.  The handler is then called directly, fn(sig, info, uc), and
 * when it returns, rt_sigreturn's own handler reads the frame back as it
 * would for a trapping thread: the blocked mask, the registers -- where
 * the result of the call is, or its restart.
 *
 * LINKED_PC stands for the program's instruction pointer: a restart
 * shows as LINKED_PC - 2 (the trap path backs up over SYSCALL), which
 * runs the call again with the registers the frame gave back.  One
 * handler per sig_handle() pass (it stops after one for a linked
 * thread); the loop takes the next.
 *
 * The alternate stack: the registers' rsp is the program's stack pointer
 * at each call (kos_linked_syscall() records it), so sigaltstack() sees
 * whether the program is on its alternate stack, and sig_handle() puts
 * the frame of an SA_ONSTACK handler on that stack as for any thread.
 * The handler is then called there: proc_linked_call_on() switches to
 * the frame, so the handler -- and every call it makes, and a handler
 * nested in those -- runs on the alternate stack, and switches back when
 * it returns.  (A handler already on the stack, or without SA_ONSTACK,
 * gets its frame in a block of the current stack and runs right there.)
 *
 * A thread that makes no calls gets the same from the interrupt path:
 * proc_linked_interrupt().
 */
#define LINKED_PC ((unsigned long)kos_linked_syscall + 16)

void proc_linked_call_on(linked_handler_frame_fn fn, long sig, void *info,
			 void *uc, unsigned long sp);

/*
 * proc_linked_call_on(fn, sig, info, uc, sp): call fn(sig, info, uc) with
 * the stack pointer at sp (16-byte aligned: fn's return address goes at
 * sp - 8, where a signal frame's restorer address is), and come back to
 * this stack.  rbp, callee-saved, keeps the way back.
 */
__asm__(".text\n"
	".globl proc_linked_call_on\n"
	".type proc_linked_call_on, @function\n"
	"proc_linked_call_on:\n"
	"	pushq %rbp\n"
	"	movq %rsp, %rbp\n"
	"	movq %r8, %rsp\n"
	"	movq %rdi, %rax\n"
	"	movl %esi, %edi\n"
	"	movq %rdx, %rsi\n"
	"	movq %rcx, %rdx\n"
	"	call *%rax\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp\n"
	"	ret\n"
	".size proc_linked_call_on, .-proc_linked_call_on\n");

/* Room for one frame: red zone, FPU state, rt_sigframe, alignment. */
static size_t linked_frame_room(void)
{
	return 128 + plat_fpu_size() + FP_XSTATE_MAGIC2_SIZE +
	       sizeof(struct krt_sigframe) + 64 + 16 + 64;
}

/* One pass of sig_handle() and, if it set one up, the handler. */
static __attribute__((noinline)) void linked_signal_pass(struct uthread *ut)
{
	struct uregs *r = &ut->regs;
	size_t room = linked_frame_room();
	char *frame_room = __builtin_alloca(room);
	struct kstack alt;
	unsigned long frame;

	r->rsp = (unsigned long)frame_room + room;
	r->rip = LINKED_PC;
	alt = ut->altstack; /* before SS_AUTODISARM clears it */
	sig_handle(ut);
	if (r->rip == LINKED_PC || r->rip == LINKED_PC - 2 ||
	    uthread_must_exit(ut))
		return;
	/* A handler: rdi, rsi, rdx are its arguments, rsp its frame. */
	frame = r->rsp;
	plat_fpu_kernel_own(ut->thread);
	linked_leave(ut); /* the handler is the program's code */
	if (frame >= (unsigned long)frame_room &&
	    frame < (unsigned long)frame_room + room) {
		((linked_handler_frame_fn)r->rip)((int)r->rdi, (void *)r->rsi,
						  (void *)r->rdx);
	} else {
		/* On the alternate stack, valgrind told of the switch. */
		unsigned long cookie =
			plat_stack_register((void *)alt.ss_sp, alt.ss_size);

		proc_linked_call_on((linked_handler_frame_fn)r->rip,
				    (long)r->rdi, (void *)r->rsi,
				    (void *)r->rdx, frame + 8);
		plat_stack_unregister(cookie);
	}
	linked_enter(ut);
	/* Its return: the restorer's rt_sigreturn, the frame popped. */
	r->rsp = frame + 8;
	r->orig_rax = __NR_rt_sigreturn;
	r->rax = (unsigned long)syscall_dispatch(r);
}

/*
 * The way back into the program from any call: signals are delivered
 * (handlers run), a restarted call runs again, a thread that must exit
 * leaves here (never returning into the program), and the FPU registers
 * are the thread's again.  Returns the call's result.
 */
static long linked_syscall_return(struct uthread *ut, long ret)
{
	struct uregs *r = &ut->regs;

	r->rax = (unsigned long)ret;
	for (;;) {
		if (uthread_must_exit(ut))
			linked_exit_now(ut);
		if (!ut->thread->user_work && !sig_restart_code(r) &&
		    !ut->restore_blocked)
			break;
		linked_signal_pass(ut);
		if (r->rip == LINKED_PC - 2) {
			/* Restart: the number is in rax, as for SYSCALL. */
			r->rip = LINKED_PC;
			r->orig_rax = r->rax;
			r->rax = (unsigned long)syscall_dispatch(r);
		} else {
			r->orig_rax = (unsigned long)-1;
		}
	}
	plat_fpu_kernel_own(ut->thread);
	ret = (long)r->rax;
	linked_leave(ut);
	return ret;
}

bool proc_linked_fault(unsigned long addr, bool write)
{
	struct uthread *ut = uthread_current();
	struct uregs *r;

	/*
	 * The program's own code only (the kernel's copies check the rights
	 * first: a fault in a call is a kernel bug, with locks perhaps
	 * held), and any access to a page without every right counts.
	 */
	if (!ut || !ut->linked_user || !ut->vm || !ut->vm->linked ||
	    !ut->thread || vm_linked_access_ok(ut->vm, addr, 1, true))
		return false;
	linked_enter(ut);
	r = &ut->regs;
	ut->trap_nr = 14;
	ut->trap_err = 5 | (write ? 2 : 0); /* present, user, write */
	ut->trap_addr = addr;
	sig_force_fault(SIGSEGV, SEGV_ACCERR, addr);
	r->orig_rax = (unsigned long)-1; /* no call to finish or restart */
	linked_syscall_return(ut, 0);
	return true;
}

void proc_linked_interrupt(void)
{
	struct uthread *ut = uthread_current();

	/* Only the program's code, and only with something to do. */
	if (!ut || !ut->linked_user || !ut->vm || !ut->vm->linked ||
	    (!ut->thread->user_work && !uthread_must_exit(ut)))
		return;
	linked_enter(ut);
	ut->regs.orig_rax = (unsigned long)-1; /* no call to finish */
	linked_syscall_return(ut, 0);
}

/* Calls a linked program may not make: one process, no signal frames. */
static bool linked_refused(unsigned long nr)
{
	switch (nr) {
	case __NR_fork:
	case __NR_vfork:
	case __NR_clone:
	case __NR_clone3:
	case __NR_execve:
	case __NR_execveat:
	case __NR_rt_sigreturn: /* handlers return into the kernel */
		return true;
	}
	return false;
}

long kos_linked_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
			long a6)
{
	struct uthread *ut = uthread_current();
	struct uregs *r = &ut->regs;
	long ret;

	linked_enter(ut);
	if (linked_refused((unsigned int)nr)) {
		linked_leave(ut);
		return -ENOSYS;
	}
	r->orig_rax = (unsigned long)nr;
	r->rsp = (unsigned long)__builtin_frame_address(0); /* sigaltstack */
	r->rdi = (unsigned long)a1;
	r->rsi = (unsigned long)a2;
	r->rdx = (unsigned long)a3;
	r->r10 = (unsigned long)a4;
	r->r8 = (unsigned long)a5;
	r->r9 = (unsigned long)a6;
	ret = syscall_dispatch(r);
	return linked_syscall_return(ut, ret);
}

unsigned long kos_linked_get_tp(void)
{
	return uthread_current()->regs.fs_base;
}

/* Platforms whose switches keep a kernel thread's FPU state (hosted). */
__attribute__((weak)) void plat_fpu_kernel_own(struct thread *t)
{
}
