/* Signals of the Linux x86-64 ABI (numbers, kernel sigaction layout). */
#ifndef UAPI_SIGNAL_H
#define UAPI_SIGNAL_H

#include <uapi/types.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31
#define SIGRTMIN 32
#define _NSIG 64

#define SIG_DFL 0UL
#define SIG_IGN 1UL

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO 0x00000004
#define SA_RESTORER 0x04000000
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1U << 31)
#define MINSIGSTKSZ 2048

/* si_code values. */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
#define SI_MESGQ (-3)
#define SI_ASYNCIO (-4)
#define SI_SIGIO (-5)
#define SI_TKILL (-6)
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTDIV 3
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define TRAP_BRKPT 1
#define TRAP_TRACE 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_TRAPPED 4
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define POLL_IN 1
#define POLL_OUT 2
#define POLL_MSG 3
#define POLL_ERR 4
#define POLL_PRI 5
#define POLL_HUP 6

/* sigevent.sigev_notify */
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4

typedef __u64 ksigset_t; /* the kernel's sigset: 64 bits on x86-64 */

/* Bit of signal sig (1..64) in a ksigset_t. */
#define SIGBIT(sig) (1ULL << ((sig)-1))

/* siginfo_t as the kernel lays it out on x86-64 (128 bytes). */
struct ksiginfo {
	__s32 si_signo;
	__s32 si_errno;
	__s32 si_code;
	__s32 _pad0;
	union {
		struct { /* kill, tkill, sigqueue (value) */
			__s32 pid;
			__u32 uid;
			__u64 value;
		} kill;
		struct { /* POSIX timers */
			__s32 tid;
			__s32 overrun;
			__u64 value;
			__s32 sys_private;
		} timer;
		struct { /* SIGCHLD */
			__s32 pid;
			__u32 uid;
			__s32 status;
			__s32 _pad;
			__s64 utime;
			__s64 stime;
		} chld;
		struct { /* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
			__u64 addr;
			__s16 addr_lsb;
		} fault;
		struct { /* SIGIO/SIGPOLL */
			__s64 band;
			__s32 fd;
		} poll;
		__u8 _raw[112];
	};
};

/* stack_t (sigaltstack, uc_stack). */
struct kstack {
	__u64 ss_sp;
	__s32 ss_flags;
	__s32 _pad;
	__u64 ss_size;
};

/* struct sigcontext: the registers in a signal frame. */
struct ksigcontext {
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	__u16 cs, gs, fs, ss;
	__u64 err, trapno, oldmask, cr2;
	__u64 fpstate; /* user pointer to the FPU state, or 0 */
	__u64 reserved1[8];
};

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4

struct kucontext {
	__u64 uc_flags;
	__u64 uc_link;
	struct kstack uc_stack;
	struct ksigcontext uc_mcontext;
	ksigset_t uc_sigmask;
};

/* The frame a handler finds at its stack pointer. */
struct krt_sigframe {
	__u64 pretcode; /* the restorer: where the handler returns */
	struct kucontext uc;
	struct ksiginfo info;
};

/* struct _fpx_sw_bytes, in the FPU state's software-reserved bytes. */
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define FP_XSTATE_MAGIC2_SIZE 4
struct kfpx_sw_bytes {
	__u32 magic1;
	__u32 extended_size;
	__u64 xfeatures;
	__u32 xstate_size;
	__u32 padding[7];
};

/* struct sigevent (timer_create). */
struct ksigevent {
	__u64 sigev_value;
	__s32 sigev_signo;
	__s32 sigev_notify;
	union {
		__s32 tid;
		__u8 _pad[48];
	};
};

/* struct sigaction as rt_sigaction(2) passes it (not glibc's layout). */
struct ksigaction {
	__u64 handler;
	__u64 flags;
	__u64 restorer;
	ksigset_t mask;
};

#endif
