/*
 * Standalone host prototype for docs/hosted-seccomp.md (issue 15): how
 * much does a guest system call cost when it is trapped with seccomp
 * (SECCOMP_RET_TRAP) inside the "stub" and handed to another process
 * (the "kernel") through a shared page and a futex, against the
 * PTRACE_SYSEMU round trip the hosted platform uses today?
 *
 * Not part of KOS and not built by make: a measurement and a check of
 * the host facts the design relies on.
 *
 *   gcc -O2 -o proto check/hosted-seccomp-proto/src/proto.c
 *   ./proto [iterations]
 *
 * Modes (each in fresh processes):
 *   sysemu       the stub is traced; every getpid is a PTRACE_SYSEMU stop,
 *                the tracer does GETREGS, sets rax, SETREGS, SYSEMU again
 *   sigsys-self  seccomp traps getpid, the SIGSYS handler answers itself
 *                (the signal-delivery + rt_sigreturn cost alone)
 *   futex        seccomp traps getpid, the handler posts the registers to
 *                a MAP_SHARED page and FUTEX_WAITs; the kernel process
 *                FUTEX_WAITs for requests, answers, FUTEX_WAKEs
 *   spin         as futex, but both sides spin (up to SPIN rounds) on the
 *                state word before they sleep
 *   yield        as spin, with sched_yield() as the spin step
 *   unotif       no signal: SECCOMP_RET_USER_NOTIF, the kernel process
 *                answers with SECCOMP_IOCTL_NOTIF_RECV/SEND (return value
 *                only, no register access); "sync" adds
 *                SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6)
 * each with both processes on one CPU, and (if there are two) on two.
 *
 * Checks (printed as ok/FAILED):
 *   - a syscall from the exempted instruction address is allowed, the
 *     same syscall from elsewhere is trapped (SIGSYS, si_syscall right);
 *   - FUTEX_WAIT works on a read-only MAP_SHARED mapping of a memfd (the
 *     mapper thread's command word) and is woken by a write elsewhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define SPIN 2000

enum { ST_RUN = 0, ST_REQ = 1, ST_QUIT = 2 };

/* The shared page: one request slot. */
struct slot {
	volatile uint32_t state; /* futex word */
	uint32_t pad;
	uint64_t nr, args[6], ret;
	uint64_t count;
};

static struct slot *sl;
static int spin_mode;

/*
 * The stub's only system-call instruction: the seccomp filter allows
 * whatever is issued from here (instruction_pointer == stub_sc_end) and
 * traps getpid from anywhere else.
 */
long stub_sc(long nr, long a, long b, long c, long d);
extern char stub_sc_end[];
__asm__(".text\n"
	".globl stub_sc\n"
	"stub_sc:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov %r8, %r10\n"
	"	syscall\n"
	".globl stub_sc_end\n"
	"stub_sc_end:\n"
	"	ret\n");

static long raw_getpid(void)
{
	long r;

	__asm__ __volatile__("syscall"
			     : "=a"(r)
			     : "a"((long)SYS_getpid)
			     : "rcx", "r11", "memory");
	return r;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static int install_filter(void)
{
	uint64_t ip = (uint64_t)stub_sc_end;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		/* From the stub's instruction: allowed. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, instruction_pointer)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, instruction_pointer) +
				 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ip >> 32), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* Elsewhere: getpid traps, the rest (the harness) runs. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p);
}

static volatile long self_seen_nr = -1;

static void sigsys_self(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	self_seen_nr = si->si_syscall;
	uc->uc_mcontext.gregs[REG_RAX] = 4242;
}

static void sigsys_futex(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	greg_t *g = uc->uc_mcontext.gregs;

	sl->nr = si->si_syscall;
	sl->args[0] = g[REG_RDI];
	sl->args[1] = g[REG_RSI];
	sl->args[2] = g[REG_RDX];
	__atomic_store_n(&sl->state, ST_REQ, __ATOMIC_RELEASE);
	if (spin_mode) {
		for (int i = 0; i < SPIN; i++) {
			if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) !=
			    ST_REQ)
				goto done;
			if (spin_mode == 2)
				stub_sc(SYS_sched_yield, 0, 0, 0, 0);
			else
				__builtin_ia32_pause();
		}
	}
	stub_sc(SYS_futex, (long)&sl->state, FUTEX_WAKE, 1, 0);
	while (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) == ST_REQ)
		stub_sc(SYS_futex, (long)&sl->state, FUTEX_WAIT, ST_REQ, 0);
done:
	g[REG_RAX] = sl->ret;
}

static void set_handler(void (*h)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSYS, &sa, NULL);
}

/* The guest: n getpid calls, must see the kernel's answer every time. */
static int guest_loop(long n, long want)
{
	for (long i = 0; i < n; i++)
		if (raw_getpid() != want)
			return 1;
	return 0;
}

/* --- modes ------------------------------------------------------------ */

static double run_sysemu(long n, int cpu_k, int cpu_g)
{
	pid_t pid = fork();
	int st;
	double t0, t1;

	if (pid == 0) {
		pin(cpu_g);
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		_exit(guest_loop(n, 4242));
	}
	pin(cpu_k);
	waitpid(pid, &st, 0);
	t0 = now();
	for (;;) {
		struct user_regs_struct r;

		ptrace(PTRACE_SYSEMU, pid, 0, 0);
		waitpid(pid, &st, 0);
		if (!WIFSTOPPED(st))
			break;
		ptrace(PTRACE_GETREGS, pid, 0, &r);
		if (r.orig_rax == SYS_getpid) {
			r.rax = 4242;
			ptrace(PTRACE_SETREGS, pid, 0, &r);
		} else {
			/* The harness's own exit: let it run for real. */
			ptrace(PTRACE_DETACH, pid, 0, 0);
			/* SYSEMU skipped it: rewind to re-issue. */
			break;
		}
	}
	t1 = now();
	if (WIFSTOPPED(st) || !WIFEXITED(st)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	return (t1 - t0) / n * 1e9;
}

static double run_sigsys_self(long n, int cpu)
{
	double t0, t1;
	pid_t pid;
	int st, p[2];

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		pin(cpu);
		set_handler(sigsys_self);
		if (install_filter())
			_exit(2);
		t0 = now();
		if (guest_loop(n, 4242))
			_exit(3);
		t1 = now();
		double ns = (t1 - t0) / n * 1e9;
		if (write(p[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(4);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	double ns = -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	    read(p[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	close(p[0]);
	close(p[1]);
	return ns;
}

static double run_futex(long n, int cpu_k, int cpu_g, int spin)
{
	pid_t pid;
	int st;
	double t0, t1;
	long served = 0;

	memset(sl, 0, sizeof(*sl));
	sl->state = ST_RUN;
	spin_mode = spin;
	pid = fork();
	if (pid == 0) {
		pin(cpu_g);
		set_handler(sigsys_futex);
		if (install_filter())
			_exit(2);
		_exit(guest_loop(n, 4242) ? 3 : 0);
	}
	pin(cpu_k);
	t0 = now();
	while (served < n) {
		uint32_t s = __atomic_load_n(&sl->state, __ATOMIC_ACQUIRE);

		if (s != ST_REQ && spin) {
			for (int i = 0; i < SPIN && s != ST_REQ; i++) {
				if (spin == 2)
					sched_yield();
				else
					__builtin_ia32_pause();
				s = __atomic_load_n(&sl->state,
						    __ATOMIC_ACQUIRE);
			}
		}
		if (s != ST_REQ) {
			struct timespec to = { 0, 100 * 1000 * 1000 };

			if (syscall(SYS_futex, &sl->state, FUTEX_WAIT, ST_RUN,
				    &to, 0, 0) < 0 &&
			    errno == ETIMEDOUT && waitpid(pid, &st, WNOHANG))
				return -1;
			continue;
		}
		/* Copy the request once, then answer. */
		uint64_t nr = sl->nr;

		sl->ret = nr == SYS_getpid ? 4242 : -ENOSYS;
		__atomic_store_n(&sl->state, ST_RUN, __ATOMIC_RELEASE);
		syscall(SYS_futex, &sl->state, FUTEX_WAKE, 1, 0, 0, 0);
		served++;
	}
	t1 = now();
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return (t1 - t0) / n * 1e9;
}

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static double run_unotif(long n, int cpu_k, int cpu_g, int sync)
{
	uint64_t ip = (uint64_t)stub_sc_end;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, instruction_pointer)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, instruction_pointer) +
				 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ip >> 32), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	int p[2], q[2], st, lfd, cfd;
	pid_t pid;
	double t0, t1;
	char go = 1;

	/* p: listener number to the kernel; q: "go" to the guest. */
	if (pipe(p) || pipe(q))
		return -1;
	pid = fork();
	if (pid == 0) {
		pin(cpu_g);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		cfd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			      SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (write(p[1], &cfd, sizeof(cfd)) != sizeof(cfd) || cfd < 0)
			_exit(2);
		/*
		 * Wait until the kernel process holds the listener, then drop
		 * our own copy: while the stub holds one, a dead kernel
		 * process would leave it blocked in the notification forever.
		 */
		if (stub_sc(SYS_read, q[0], (long)&go, 1, 0) != 1)
			_exit(3);
		stub_sc(SYS_close, cfd, 0, 0, 0);
		_exit(guest_loop(n, 4242) ? 4 : 0);
	}
	pin(cpu_k);
	if (read(p[0], &cfd, sizeof(cfd)) != sizeof(cfd) || cfd < 0)
		return -1;
	int pfd = syscall(SYS_pidfd_open, pid, 0);
	lfd = syscall(SYS_pidfd_getfd, pfd, cfd, 0);
	if (lfd < 0)
		return -1;
	close(pfd);
	if (sync && ioctl(lfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
			  SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return -2;
	}
	if (write(q[1], &go, 1) != 1)
		return -1;
	t0 = now();
	for (long i = 0; i < n; i++) {
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;

		memset(&req, 0, sizeof(req));
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			break;
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.val = req.data.nr == SYS_getpid ? 4242 : 0;
		if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
			break;
	}
	t1 = now();
	close(lfd); /* releases the guest if the loop failed */
	waitpid(pid, &st, 0);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return (t1 - t0) / n * 1e9;
}

/* --- checks ------------------------------------------------------------ */

static int check_exemption(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		set_handler(sigsys_self);
		if (install_filter())
			_exit(2);
		/* From the stub's instruction: the real getpid. */
		if (stub_sc(SYS_getpid, 0, 0, 0, 0) != syscall(SYS_gettid))
			_exit(3);
		if (self_seen_nr != -1)
			_exit(4);
		/* From elsewhere: trapped, handled, si_syscall right. */
		if (raw_getpid() != 4242 || self_seen_nr != SYS_getpid)
			_exit(5);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static int check_ro_futex(void)
{
	int fd = memfd_create("ro-futex", 0);
	volatile uint32_t *rw, *ro;
	pid_t pid;
	int st;

	if (fd < 0 || ftruncate(fd, 4096))
		return 1;
	rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (rw == MAP_FAILED || ro == MAP_FAILED)
		return 2;
	*rw = 0;
	pid = fork();
	if (pid == 0) {
		/* Waits through the read-only mapping. */
		while (*ro == 0) {
			long r = syscall(SYS_futex, ro, FUTEX_WAIT, 0, 0, 0, 0);

			if (r < 0 && errno != EAGAIN && errno != EINTR)
				_exit(10 + errno);
		}
		_exit(0);
	}
	usleep(50000);
	*rw = 1;
	syscall(SYS_futex, rw, FUTEX_WAKE, 1, 0, 0, 0);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	int two = sysconf(_SC_NPROCESSORS_ONLN) > 1;
	int r;

	sl = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sl == MAP_FAILED)
		return 1;
	r = check_exemption();
	printf("check: syscall from exempted rip allowed, elsewhere trapped: %s (%d)\n",
	       r ? "FAILED" : "ok", r);
	r = check_ro_futex();
	printf("check: FUTEX_WAIT through a read-only MAP_SHARED mapping: %s (%d)\n",
	       r ? "FAILED" : "ok", r);
	printf("getpid round trip, ns per call, %ld calls:\n", n);
	printf("  native getpid                 %8.0f\n", ({
		       double t0 = now();
		       for (long i = 0; i < n; i++)
			       raw_getpid();
		       (now() - t0) / n * 1e9;
	       }));
	printf("  sigsys-self (1 cpu)           %8.0f\n",
	       run_sigsys_self(n, 0));
	printf("  sysemu, 1 cpu                 %8.0f\n", run_sysemu(n, 0, 0));
	printf("  seccomp+futex, 1 cpu          %8.0f\n",
	       run_futex(n, 0, 0, 0));
	printf("  seccomp+futex+spin, 1 cpu     %8.0f\n",
	       run_futex(n, 0, 0, 1));
	printf("  seccomp+futex+yield, 1 cpu    %8.0f\n",
	       run_futex(n, 0, 0, 2));
	printf("  user-notif, 1 cpu             %8.0f\n",
	       run_unotif(n, 0, 0, 0));
	printf("  user-notif sync, 1 cpu        %8.0f\n",
	       run_unotif(n, 0, 0, 1));
	if (two) {
		printf("  sysemu, 2 cpus                %8.0f\n",
		       run_sysemu(n, 0, 1));
		printf("  seccomp+futex, 2 cpus         %8.0f\n",
		       run_futex(n, 0, 1, 0));
		printf("  seccomp+futex+spin, 2 cpus    %8.0f\n",
		       run_futex(n, 0, 1, 1));
		printf("  seccomp+futex+yield, 2 cpus   %8.0f\n",
		       run_futex(n, 0, 1, 2));
		printf("  user-notif, 2 cpus            %8.0f\n",
		       run_unotif(n, 0, 1, 0));
		printf("  user-notif sync, 2 cpus       %8.0f\n",
		       run_unotif(n, 0, 1, 1));
	}
	return 0;
}
