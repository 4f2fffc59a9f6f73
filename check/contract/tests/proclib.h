/*
 * Helpers for the process, thread and signal areas (issue 8): children
 * whose output the parent prints, raw clone, threads, raw signal calls,
 * and the helper image the exec tests start.
 *
 * Children never write to the test program's stdout themselves: a child
 * started with ct_child() has its fd 1 on a pipe, and the parent copies
 * what it wrote to stdout once it has exited, so lines come out in one
 * order on every kernel.  A child may use ct_say and the CHECK_* helpers;
 * a failed check in the child fails the test in the parent.
 *
 * Threads made with ct_clone() share the caller's TLS (errno lives
 * there), so their code uses ct_raw() only and leaves its results in
 * memory for the main thread to print.
 */
#ifndef PROCLIB_H
#define PROCLIB_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "contract.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* futex(2) (musl has no <linux/futex.h>) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_OWNER_DIED 0x40000000
#define FUTEX_WAITERS 0x80000000
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

/* The kernel's struct sigaction (rt_sigaction), with a 64-bit mask. */
struct ct_kact {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

#define CT_SIGBIT(s) (1ULL << ((s)-1))
#define K_SA_RESTORER 0x04000000UL
#define K_SIGRTMIN 32 /* the kernel's; libcs reserve the first few */

/* clone3's argument block (Linux 5.5+: 88 bytes, version 2). */
struct ct_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

typedef void (*ct_sigfn)(int, siginfo_t *, void *);

/* Failures counted so far in this test; count one more silently (a
 * child's FAIL line, already printed).  main.c. */
int ct_failures(void);
void ct_mark_failed(void);

/* A raw system call: returns -errno, never touches errno. */
long ct_raw(long n, long a, long b, long c, long d, long e, long f);
#define RAW0(n) ct_raw(n, 0, 0, 0, 0, 0, 0)
#define RAW1(n, a) ct_raw(n, (long)(a), 0, 0, 0, 0, 0)
#define RAW2(n, a, b) ct_raw(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define RAW3(n, a, b, c) ct_raw(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define RAW4(n, a, b, c, d) \
	ct_raw(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define RAW6(n, a, b, c, d, e, f)                                        \
	ct_raw(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), \
	       (long)(f))

/*
 * clone(2) onto a new stack (stack_top, 16-byte aligned inside): the child
 * calls fn(arg) and exits (SYS_exit) with its return value.  Returns what
 * clone returned in the parent (the child's tid or -errno).
 */
long ct_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid,
	      unsigned long tls, int (*fn)(void *), void *arg);
/* The same through clone3: args->stack/stack_size must be set. */
long ct_clone3(struct ct_clone_args *args, size_t size, int (*fn)(void *),
	       void *arg);

/* A thread (or a clone child) with its own 64 KiB stack. */
struct ct_thr {
	volatile int ctid; /* the tid while it runs; 0 once it has exited */
	int tid;	   /* what clone returned */
	char *stack;
};

#define CT_THREAD_FLAGS                                                     \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
	 CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

/* Start fn(arg) with clone(flags); ctid/ptid point at t->ctid.  Returns
 * the tid or -errno. */
long ct_thr_start(struct ct_thr *t, unsigned long flags, int (*fn)(void *),
		  void *arg);
/* Wait (futex on t->ctid, at most ~5 s) for CLONE_CHILD_CLEARTID; free the
 * stack.  Returns 0, or -1 if the thread did not end. */
int ct_thr_join(struct ct_thr *t);
/*
 * tgkill(tgid, tid, 0) once the thread has gone: CLONE_CHILD_CLEARTID
 * wakes a joiner before Linux has unhashed the thread, so a tgkill just
 * after ct_thr_join may still find it.  Retries for up to two seconds
 * while it does; returns the last result (-1 with errno ESRCH once gone).
 */
long ct_tgkill_gone(pid_t tgid, pid_t tid);

/* futex(2) on a word: WAIT with a relative timeout in ms (0: none). */
long ct_futex_wait(volatile int *w, int val, long ms);
long ct_futex_wake(volatile int *w, int n);
/* Wait until *w == val (futex, ~5 s at most); 0 or -1. */
int ct_wait_value(volatile int *w, int val);

/* Signals, raw (no libc wrappers that reserve or rewrite signals). */
int ct_sigaction(int sig, ct_sigfn fn, unsigned long flags, uint64_t mask);
int ct_sigsimple(int sig, void (*fn)(int), unsigned long flags);
int ct_sigdfl(int sig);
int ct_sigign(int sig);
uint64_t ct_getmask(void);
uint64_t ct_setmask(uint64_t mask); /* returns the old mask */
uint64_t ct_block(uint64_t set);
uint64_t ct_pending(void);
/* kill/tgkill of the calling process/thread */
long ct_kill_self(int sig);
long ct_tgkill_self(int sig);
void ct_restorer(void); /* rt_sigreturn trampoline for SA_RESTORER */

/* Names: "SIGUSR1", "SIGRTMIN+3". */
const char *ct_signame(int sig);
/* A wait status in words: "exited 3", "killed SIGTERM", "killed SIGQUIT
 * (core)", "stopped SIGTSTP", "continued". */
const char *ct_status(int st);

/* Sleep ms milliseconds (nanosleep, restarted after EINTR). */
void ct_msleep(long ms);

/*
 * Run fn(arg) in a forked child whose stdout is a pipe; once the child
 * has exited, copy its output to stdout.  The child exits 0 if its checks
 * passed, 1 if not, unless fn exits itself.  Returns the wait status (-1
 * if fork failed); a child that failed a check fails the test.
 */
int ct_child(void (*fn)(void *), void *arg);
/* fork, stdout to a pipe, body(arg) in the child (it may exec), collect
 * the child's output in out (NUL-terminated).  Returns the wait status.
 * A body that returns makes the child exit 0. */
int ct_capture(void (*body)(void *), void *arg, char *out, size_t len);
/* Write captured output to stdout as it is. */
void ct_print(const char *out);
/* Same, and the child must exit 0; returns the status. */
int ct_child_ok(const char *what, void (*fn)(void *), void *arg);

/*
 * fork(), but a failure (reported) gives CT_NOPID, a pid no process has:
 * kill(CT_NOPID) is ESRCH and wait4 ECHILD, where -1 would reach every
 * process.  Tests whose parent then blocks on the child return early.
 */
#define CT_NOPID 0x3ffffff0
pid_t ct_fork(void);
/* pipe(2) with both fds -1 first (never 0: a failed pipe must not leave
 * a test reading stdin); reports a failure. */
int ct_pipe(int p[2]);
/* ITIMER_REAL, one shot, in ms; reports a failure (then a test must not
 * wait for SIGALRM). */
int ct_arm_ms(long ms);

/* fork + _exit(code) right away / after ms milliseconds. */
pid_t ct_fork_exit(int code, long ms);
/* wait4(pid, __WALL) and return the status (-1 on error, with a FAIL). */
int ct_wait(pid_t pid);
/* Reap every child left (after a failure). */
void ct_reap_all(void);

/*
 * Start the program itself as "--helper WORDS..." (ct_helper) with envp
 * (NULL: HOME=/), from a fork in which setup(arg) ran first; collect its
 * stdout in out (NUL-terminated).  Returns the wait status.
 */
extern const char *ct_self;
int ct_run_helper(const char *const *words, const char *const *envp,
		  void (*setup)(void *), void *arg, char *out, size_t len);
/* The value of the line "key: value" in out, or "(missing)". */
const char *ct_field(const char *out, const char *key);
/* The helper image's main: main.c calls it for "--helper" as argv[1] or
 * CT_HELPER=WORDS in the environment (ct_helper_env). */
int ct_helper(int argc, char **argv, char **envp);
const char *ct_helper_env(char **envp);

/* A file holding text, mode mode (for scripts under /tmp). */
int ct_write_file(const char *path, const char *text, int mode);

#endif
