/*
 * Signals (libkos/proc/signal.c): sending, waiting interruptibly, and
 * delivery on the way back to user mode.
 *
 * A signal is pending for a thread (tkill, faults, thread timers) or for
 * its whole process (kill, most others); sending picks a thread that
 * does not block it and wakes it.  Each user thread checks for signals
 * before it returns to user mode (sig_handle), after every system call,
 * fault and interrupt: a handler gets a frame on the user stack laid out
 * exactly as Linux's (struct krt_sigframe + the FPU state), a default
 * action terminates, dumps (status with the core bit), stops or
 * continues the process, or nothing.
 *
 * Blocking system calls sleep interruptibly (sig_wait) and return one of
 * the restart codes below when a signal arrives; sig_handle turns them
 * into -EINTR or a restart of the call, as Linux does, depending on
 * whether a handler runs and its SA_RESTART flag.
 */
#ifndef KOS_SIGNAL_H
#define KOS_SIGNAL_H

#include <kos/plat/user.h>
#include <kos/types.h>
#include <uapi/signal.h>

struct proc;
struct uthread;
struct waitq;

/* Kernel-internal results of interrupted system calls (never seen). */
#define ERESTARTSYS 512		  /* restart if SA_RESTART or no handler */
#define ERESTARTNOINTR 513	  /* always restart */
#define ERESTARTNOHAND 514	  /* restart only if no handler ran */
#define ERESTART_RESTARTBLOCK 516 /* restart through restart_syscall */

#define SIG_KERNEL_ONLY (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/*
 * Send sig with info (NULL: SI_KERNEL) to process p / to thread ut.
 * Follows the action: ignored signals are dropped, SIGKILL and SIGCONT
 * act at once (kill / resume), stop signals stop the group when the
 * thread that receives them runs.  Any context, interrupts included.
 * 0, or -EAGAIN when a real-time signal cannot be queued.
 */
int sig_send_proc(struct proc *p, int sig, const struct ksiginfo *info);
int sig_send_thread(struct uthread *ut, int sig, const struct ksiginfo *info);
/* A POSIX timer is deleted: its queued signal (sig) goes.  No locks. */
void sig_drop_timer(struct proc *p, struct uthread *target, int sig, int id);

/*
 * A synchronous signal from a fault of the calling thread: delivered
 * even if blocked or ignored (then with the default action), with
 * Linux's si_code and si_addr.
 */
void sig_force_fault(int sig, int code, unsigned long addr);
/* A frame could not be built or read: SIGSEGV that cannot be caught. */
void sig_force_segv(struct uthread *ut);

/* Is there something that should interrupt the calling thread's sleep? */
bool sig_pending(void);
/* Only SIGKILL or an exiting group (for sleeps that ignore signals). */
bool sig_fatal_pending(void);

/*
 * Sleep on wq until cond(arg), the deadline (UINT64_MAX: none) or a
 * signal.  0, -ETIMEDOUT or -EINTR (the caller picks the restart code).
 */
int sig_wait(struct waitq *wq, bool (*cond)(void *), void *arg,
	     uint64_t deadline_ns);

/* True if r is a system call that ended with a restart code. */
static inline bool sig_restart_code(const struct uregs *r)
{
	long ret = (long)r->rax;

	return (long)r->orig_rax >= 0 &&
	       (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
		ret == -ERESTARTNOHAND || ret == -ERESTART_RESTARTBLOCK);
}

/*
 * Before ut returns to user mode: finish or restart an interrupted
 * system call (regs->orig_rax >= 0 and a restart code in rax), then act
 * on pending signals.  May stop the thread for a while, or make it exit.
 */
void sig_handle(struct uthread *ut);
/* Bytes of user stack a signal handler frame can take (AT_MINSIGSTKSZ). */
size_t sig_frame_size(void);

/* Drop every pending signal in mask of ut and its process (lock held). */
void sig_flush_pending(struct uthread *ut, ksigset_t mask);

/*
 * Take the next signal ut would act on (not blocked; thread-directed
 * faults first, then the lowest number) with its info; 0 if none.
 * sighand->lock held.
 */
int sig_dequeue(struct uthread *ut, struct ksiginfo *info);
/* The same for the signals in mask, blocked or not (signalfd). */
int sig_dequeue_mask(struct uthread *ut, ksigset_t mask, struct ksiginfo *info);

/*
 * ut's blocked mask changed (or a signal may have become deliverable):
 * make its loop look at signals before it next runs user code.
 */
void sig_recalc(struct uthread *ut);

/* The default action of sig kills the process (not ignore/stop/cont). */
bool sig_default_kills(int sig);

/* Fill info for a signal sent by the calling process (kill, tkill). */
void sig_info_user(struct ksiginfo *info, int sig, int code);

#endif
