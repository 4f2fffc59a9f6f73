/*
 * Hosted guest stubs: starting, driving and killing the stub processes.
 *
 * A stub is build/hosted/kos-stub (platform/hosted/stub/), found next to
 * the kernel's own executable; an app executable (apps/module.mk) carries
 * it inside and execs it from a memfd (app.c).  Starting one:
 *
 *   1. vfork() on a private static stack (see spawn_on_private_stack());
 *      the child puts the RAM memfd at STUB_RAM_FD without close-on-exec,
 *      moves to its own process group (terminal signals are not for it),
 *      turns address randomization off (a predictable host layout that
 *      never collides with the stub image), asks to be traced
 *      (PTRACE_TRACEME) and execs the stub;
 *   2. the stub stops with SIGTRAP right after exec; we set
 *      PTRACE_O_EXITKILL (the stub dies with us, however we die) and
 *      PTRACE_O_TRACESYSGOOD, learn the host's segment registers, pass
 *      the command area's physical address in rdi and let it run;
 *   3. the stub unmaps everything the host mapped outside its
 *      reservation, maps the command area, and stops at an int3 with
 *      rax = STUB_READY and rsi = its batch entry point.
 *
 * Why the private stack: kernel threads run on stacks in the MAP_SHARED
 * RAM memfd.  A forked child would share those stack pages with us and
 * scribble on the very frames the parent is using; vfork is fine natively
 * (the parent waits), but valgrind turns vfork into fork.  On a static
 * .bss stack the child gets its own copy-on-write pages either way.
 * Interrupts stay off while we are on it, so no thread switch can reuse it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <linux/futex.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include <kos/log.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/vm.h>

#include "guest.h"
#include "hosted.h"

struct user_regs_struct stub_regs_template;

enum hosted_mode hosted_mode = HOSTED_MODE_SECCOMP;

int hosted_mode_set(const char *name)
{
	if (!strcmp(name, "ptrace"))
		hosted_mode = HOSTED_MODE_PTRACE;
	else if (!strcmp(name, "seccomp"))
		hosted_mode = HOSTED_MODE_SECCOMP;
	else
		return -1;
	return 0;
}

/*
 * Can this host run seccomp mode?  It needs user notifications
 * (SECCOMP_RET_USER_NOTIF, Linux 5.0).  (The stub's handlers keep the guest's
 * fs/gs base with arch_prctl: hosts without user-mode FSGSBASE, like
 * this one, need no more.)  NULL if it can, else what is missing.
 */
static const char *seccomp_mode_missing(void)
{
	unsigned int action = SECCOMP_RET_USER_NOTIF;

	/* (valgrind 3.19 does not know seccomp(2); the stub, which calls
	 * it, runs natively.) */
	if (!RUNNING_ON_VALGRIND &&
	    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) < 0)
		return "SECCOMP_RET_USER_NOTIF";
	return NULL;
}

bool hosted_fastpath = true;
bool hosted_park = true;
bool hosted_stubthreads = true;
uint64_t hosted_spin_ns, hosted_spin_tsc;
uint64_t hosted_kick_race_ns;

/* Is the environment variable name set to "0" (a feature turned off)? */
static bool env_is_0(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "0");
}

/* The environment variable name as a decimal number; 0 if unset. */
static unsigned long long env_number(const char *name)
{
	const char *v = getenv(name);

	return v ? strtoull(v, NULL, 10) : 0;
}

/*
 * Can the guest filter take SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV?  A
 * filter install with a NULL program fails on the flags first (EINVAL
 * if unknown) and otherwise on the copy (EFAULT), changing nothing.
 * Assumed under valgrind, which does not know seccomp(2).
 */
static bool seccomp_has_killable_recv(void)
{
	if (RUNNING_ON_VALGRIND)
		return true;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		       SECCOMP_FILTER_FLAG_NEW_LISTENER |
			       SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
		       NULL) < 0 &&
	       errno == EFAULT;
}

static char stub_path[PATH_MAX];

/* The stack vfork() runs on; guarded by disabling interrupts. */
#define SPAWN_STACK_SIZE 65536
static char spawn_stack[SPAWN_STACK_SIZE] __attribute__((aligned(16)));

/*
 * Call fn(arg) on the stack whose top is top, and come back.  Interrupts
 * must be off (the stack is shared by all callers).
 */
void hosted_call_on_stack(void *arg, void (*fn)(void *), void *top);
__asm__(".text\n"
	".globl hosted_call_on_stack\n"
	".type hosted_call_on_stack, @function\n"
	"hosted_call_on_stack:\n"
	"	.cfi_startproc\n"
	"	push %rbp\n"
	"	.cfi_def_cfa_offset 16\n"
	"	.cfi_offset %rbp, -16\n"
	"	mov %rsp, %rbp\n"
	"	.cfi_def_cfa_register %rbp\n"
	"	mov %rdx, %rsp\n"
	"	call *%rsi\n"
	"	mov %rbp, %rsp\n"
	"	pop %rbp\n"
	"	.cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size hosted_call_on_stack, .-hosted_call_on_stack\n");

/* The CPUs the process had, but the one it pinned itself to (spinning). */
static cpu_set_t other_cpus;

struct spawn_args {
	int ram_fd;
	int done_efd, sock; /* seccomp mode; else -1 */
	char *const *argv;
	pid_t pid; /* out */
	int err;   /* out: 0 or -errno */
};

/* The vfork child: runs on spawn_stack, execs the stub or _exits. */
static void __attribute__((noreturn)) stub_child(const struct spawn_args *a)
{
	char *const envp[] = { NULL };
	int pers;

	if (a->done_efd >= 0) {
		/* Out of the way first, then into place: no clobbering. */
		int ram = fcntl(a->ram_fd, F_DUPFD, 10);
		int done = fcntl(a->done_efd, F_DUPFD, 10);
		int start = fcntl(a->sock, F_DUPFD, 10);

		if (ram < 0 || done < 0 || start < 0 ||
		    dup2(ram, STUB_RAM_FD) < 0 ||
		    dup2(done, STUB_DONE_FD) < 0 ||
		    dup2(start, STUB_SOCK_FD) < 0)
			_exit(126);
		setpgid(0, 0);
		pers = personality(0xffffffff);
		if (pers != -1)
			personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
		execve(stub_path, a->argv, envp);
		_exit(127);
	}
	if (a->ram_fd == STUB_RAM_FD) {
		if (fcntl(STUB_RAM_FD, F_SETFD, 0) < 0)
			_exit(126);
	} else if (dup2(a->ram_fd, STUB_RAM_FD) < 0) {
		_exit(126);
	}
	setpgid(0, 0);
	pers = personality(0xffffffff);
	if (pers != -1)
		personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		_exit(126);
	execve(stub_path, a->argv, envp);
	_exit(127);
}

static void spawn_on_private_stack(void *arg)
{
	struct spawn_args *a = arg;
	pid_t pid = vfork();

	if (pid == 0)
		stub_child(a);
	a->pid = pid;
	a->err = pid < 0 ? -errno : 0;
}

/* What hosted_pin_cpu() did: the CPU, or -errno; logged at user init. */
static int pinned_cpu = -ENOSYS;

/*
 * Pin the kernel process (and so every stub it starts later) to the CPU
 * it is on: a PTRACE_SYSEMU round trip costs ~10 us on one CPU and ~50 us
 * across two (cross-CPU wakeups), and every TSC read of the clock (kernel
 * and vDSO, timer.c) then happens on that one CPU.  At startup, before
 * the clock is calibrated; no logging yet (no clock).
 */
void hosted_pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		cpu = 0;
	CPU_ZERO(&other_cpus);
	if (sched_getaffinity(0, sizeof(other_cpus), &other_cpus) < 0)
		CPU_ZERO(&other_cpus);
	CPU_CLR(cpu, &other_cpus);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pinned_cpu = sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : cpu;
}

void hosted_spin_place(pid_t tid)
{
	if (hosted_spin_ns)
		sched_setaffinity(tid, sizeof(other_cpus), &other_cpus);
}

/* TSC ticks per host microsecond, measured over ~2 ms.  0 if unknown. */
static uint64_t tsc_per_us(void)
{
	struct timespec a, b;
	uint64_t t0, t1, ns;
	uint32_t lo, hi;

	clock_gettime(CLOCK_MONOTONIC, &a);
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	t0 = ((uint64_t)hi << 32) | lo;
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ULL +
		     (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
	} while (ns < 2000000);
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	t1 = ((uint64_t)hi << 32) | lo;
	return (t1 - t0) * 1000 / ns;
}

/*
 * KOS_HOSTED_SPIN: 1 (100 us) or the budget in microseconds.  Only in
 * seccomp mode with a stub thread per guest thread, and only with a CPU
 * for the stubs besides the kernel's: spinning on one CPU would only
 * keep the other side from running.
 */
static void spin_init(void)
{
	unsigned long long us = env_number("KOS_HOSTED_SPIN");
	uint64_t rate;

	if (!us)
		return;
	if (us == 1)
		us = 100;
	if (hosted_mode != HOSTED_MODE_SECCOMP || !hosted_stubthreads ||
	    proc_linked_present()) {
		log_warn("hosted: KOS_HOSTED_SPIN needs seccomp mode with "
			 "stub threads: not spinning");
		return;
	}
	if (pinned_cpu < 0 || CPU_COUNT(&other_cpus) < 1) {
		log_warn("hosted: KOS_HOSTED_SPIN needs a second CPU: not "
			 "spinning");
		return;
	}
	rate = tsc_per_us();
	if (!rate) {
		log_warn("hosted: KOS_HOSTED_SPIN: no TSC rate: not spinning");
		return;
	}
	hosted_spin_ns = (uint64_t)us * 1000;
	hosted_spin_tsc = (uint64_t)us * rate;
	/* A guest call must reach the handler, which spins: no notification. */
	hosted_fastpath = false;
}

void hosted_user_init(void)
{
	ssize_t n;
	char *slash;
	int err;

	/* An app executable carries its own stub (app.c). */
	err = hosted_app_stub_path(stub_path, sizeof(stub_path));
	if (!err)
		goto reserve;
	if (err != -ENOENT)
		log_warn("hosted: cannot set up the embedded stub: error %d",
			 -err);
	n = readlink("/proc/self/exe", stub_path,
		     sizeof(stub_path) - sizeof("/kos-stub"));
	if (n <= 0) {
		strcpy(stub_path, "kos-stub");
	} else {
		stub_path[n] = 0;
		slash = strrchr(stub_path, '/');
		strcpy(slash ? slash : stub_path,
		       slash ? "/kos-stub" : "kos-stub");
	}
reserve:
	if (hosted_mode == HOSTED_MODE_SECCOMP && !proc_linked_present()) {
		const char *missing = seccomp_mode_missing();

		if (missing) {
			log_warn("hosted: seccomp mode needs %s: using ptrace",
				 missing);
			hosted_mode = HOSTED_MODE_PTRACE;
		}
	}
	if (env_is_0("KOS_HOSTED_STUBTHREADS"))
		hosted_stubthreads = false;
	if (env_is_0("KOS_HOSTED_PARK"))
		hosted_park = false;
	if (env_is_0("KOS_HOSTED_FASTPATH"))
		hosted_fastpath = false;
	if (hosted_mode == HOSTED_MODE_SECCOMP && hosted_fastpath &&
	    !proc_linked_present() && !seccomp_has_killable_recv()) {
		log_warn("hosted: the seccomp fast path needs "
			 "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19): "
			 "every guest call takes the slow path");
		hosted_fastpath = false;
	}
	spin_init();
	/* Fault injection for scripts/check-kick-race. */
	hosted_kick_race_ns = env_number("KOS_HOSTED_KICK_RACE_US") * 1000;
	if (hosted_kick_race_ns)
		log_warn("hosted: KOS_HOSTED_KICK_RACE_US: every guest stop "
			 "waits %llu us before it is unpublished (a test)",
			 (unsigned long long)hosted_kick_race_ns / 1000);
	/* The stub's code and command area: no guest may map there. */
	vm_reserve_range(STUB_BASE, STUB_END);
	/* Before kos_main() sets the console level, like metal's CPU lines. */
	/* A linked program runs in this process: no stub will start. */
	log_info("hosted: %llu MiB RAM (memfd), guest stub %s, reserved "
		 "[%#lx, %#lx), %s mode",
		 (unsigned long long)(hosted_ram_size >> 20),
		 proc_linked_present() ? "none (linked program)" : stub_path,
		 STUB_BASE, STUB_END,
		 hosted_mode != HOSTED_MODE_SECCOMP ? "ptrace"
		 : hosted_fastpath		    ? "seccomp (fast path)"
				   : "seccomp (slow path only)");
	if (pinned_cpu >= 0 && hosted_spin_ns)
		log_info("hosted: kernel pinned to CPU %d, guest stubs on the "
			 "%d others; spinning up to %llu us",
			 pinned_cpu, CPU_COUNT(&other_cpus),
			 (unsigned long long)(hosted_spin_ns / 1000));
	else if (pinned_cpu >= 0)
		log_info("hosted: kernel and guest stubs pinned to CPU %d",
			 pinned_cpu);
	else
		log_warn("hosted: cannot pin to one CPU: error %d",
			 -pinned_cpu);
	if (RUNNING_ON_VALGRIND)
		VALGRIND_STACK_REGISTER(spawn_stack,
					spawn_stack + SPAWN_STACK_SIZE);
}

int stub_wait(struct plat_as *as, int *status)
{
	for (;;) {
		pid_t r = waitpid(as->pid, status, __WALL);

		if (r == as->pid)
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -errno : -ECHILD;
	}
}

/* Forget a stub that exited (status says how). */
static void stub_gone(struct plat_as *as, int status)
{
	if (WIFSIGNALED(status))
		log_err("hosted: guest stub %d killed by signal %d", as->pid,
			WTERMSIG(status));
	else
		log_err("hosted: guest stub %d exited with status %d", as->pid,
			WEXITSTATUS(status));
	as->pid = 0;
	as->dead = true;
}

/*
 * Resume the stopped stub with PTRACE_CONT and wait for its next int3
 * (SIGTRAP), swallowing stray kick signals on the way.  On success the
 * stub's registers are in *r.  0 or -errno.
 */
static int stub_cont_to_trap(struct plat_as *as, struct user_regs_struct *r)
{
	int status, err, sig = 0;

	hosted_fpu_running(as); /* stub code runs: assume nothing */
	for (;;) {
		if (ptrace(PTRACE_CONT, as->pid, NULL, (void *)(long)sig) < 0)
			return -errno;
		err = stub_wait(as, &status);
		if (err)
			return err;
		if (!WIFSTOPPED(status)) {
			stub_gone(as, status);
			return -ECHILD;
		}
		sig = WSTOPSIG(status);
		if (sig == SIGTRAP)
			break;
		if (sig == STUB_KICK_SIG || sig == SIGSTOP || sig == SIGTSTP ||
		    sig == SIGTTIN || sig == SIGTTOU) {
			sig = 0;
			continue;
		}
		log_err("hosted: guest stub %d: unexpected signal %d", as->pid,
			sig);
		return -EFAULT;
	}
	if (ptrace(PTRACE_GETREGS, as->pid, NULL, r) < 0)
		return -errno;
	return 0;
}

/* fpu.c's probe on the private stack (it forks). */
static void fpu_probe_on_private_stack(void *arg)
{
	hosted_fpu_probe();
}

/*
 * How long stub_wait_fd() blocks before it asks the host whether the
 * stub still lives: a unix datagram socket shows no hang-up when its
 * peer dies, so a stub killed from outside (the host's OOM killer, a
 * kill -9) during a mapper batch would otherwise leave the kernel
 * waiting for ever.
 */
#define STUB_ALIVE_CHECK_MS 100

int stub_wait_fd(struct plat_as *as, int fd)
{
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { as->sock, 0, 0 } };
	uint64_t v;
	int status, r;

	for (;;) {
		r = poll(p, 2, STUB_ALIVE_CHECK_MS);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 && (p[0].revents & POLLIN) &&
		    (fd != as->done_efd || read(fd, &v, sizeof(v)) == 8))
			return 0;
		if (r > 0 && p[1].revents) {
			if (stub_wait(as, &status) == 0)
				stub_gone(as, status);
			as->pid = 0;
			as->dead = true;
			return -ECHILD;
		}
		/* A timeout or a signal: is the stub still there? */
		if (r <= 0 && as->pid <= 0)
			return -ECHILD;
		if (r <= 0 &&
		    waitpid(as->pid, &status, WNOHANG | __WALL) == as->pid &&
		    !WIFSTOPPED(status)) {
			stub_gone(as, status);
			return -ECHILD;
		}
	}
}

/*
 * Seccomp mode: start the stub untraced with the command area, the
 * thread slots and our pid on its command line and the eventfds at
 * STUB_DONE_FD and STUB_START_FD, and wait for its "ready".
 */
static int stub_spawn_seccomp(struct plat_as *as)
{
	char cmd[20], slots[20], ppid[20];
	int sv[2];
	char *argv[] = {
		(char *)"kos-stub", (char *)"S", cmd, slots, ppid, NULL
	};
	struct spawn_args a = { .ram_fd = hosted_ram_fd, .argv = argv };
	unsigned long fl;
	uint64_t t0;
	int err;

	snprintf(cmd, sizeof(cmd), "%lx", (unsigned long)as->cmd_pa);
	snprintf(slots, sizeof(slots), "%lx", (unsigned long)as->slots_pa);
	snprintf(ppid, sizeof(ppid), "%lx", (unsigned long)getpid());
	as->done_efd = eventfd(0, EFD_CLOEXEC);
	if (as->done_efd < 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		log_err("hosted: cannot start a guest stub: error %d", err);
		return err;
	}
	as->sock = sv[0];
	a.done_efd = as->done_efd;
	a.sock = sv[1];
	fl = plat_irq_save();
	hosted_call_on_stack(NULL, fpu_probe_on_private_stack,
			     spawn_stack + SPAWN_STACK_SIZE);
	hosted_call_on_stack(&a, spawn_on_private_stack,
			     spawn_stack + SPAWN_STACK_SIZE);
	plat_irq_restore(fl);
	close(sv[1]);
	if (a.err) {
		log_err("hosted: cannot start a guest stub: vfork error %d",
			a.err);
		return a.err;
	}
	as->pid = a.pid;
	t0 = hosted_prof_now();
	err = stub_wait_fd(as, as->done_efd);
	hosted_prof_add(HOSTED_PROF_SPAWN_WAIT, t0, 0);
	if (err)
		log_err("hosted: cannot start the guest stub %s", stub_path);
	return err;
}

static int stub_spawn_mode(struct plat_as *as);

int stub_spawn(struct plat_as *as)
{
	uint64_t t0 = hosted_prof_now();
	int err = stub_spawn_mode(as);

	hosted_prof_add(HOSTED_PROF_SPAWN, t0, 0);
	return err;
}

static int stub_spawn_mode(struct plat_as *as)
{
	struct spawn_args a = { .ram_fd = hosted_ram_fd,
				.done_efd = -1,
				.sock = -1 };
	char *argv[] = { (char *)"kos-stub", NULL };
	struct user_regs_struct r;
	unsigned long fl;
	uint64_t t0;
	int status, err;

	if (as->seccomp)
		return stub_spawn_seccomp(as);
	a.argv = argv;
	fl = plat_irq_save();
	hosted_call_on_stack(&a, spawn_on_private_stack,
			     spawn_stack + SPAWN_STACK_SIZE);
	plat_irq_restore(fl);
	if (a.err) {
		log_err("hosted: cannot start a guest stub: vfork error %d",
			a.err);
		return a.err;
	}
	as->pid = a.pid;

	/* The stop after exec (or the child's _exit if exec failed). */
	t0 = hosted_prof_now();
	err = stub_wait(as, &status);
	if (err)
		goto fail;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
		log_err("hosted: cannot start the guest stub %s (status %#x)",
			stub_path, status);
		if (WIFSTOPPED(status))
			goto fail_kill;
		as->pid = 0;
		return -ENOEXEC;
	}
	hosted_fpu_probe_stub(as->pid);
	if (ptrace(PTRACE_SETOPTIONS, as->pid, NULL,
		   (void *)(long)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD)) <
		    0 ||
	    ptrace(PTRACE_GETREGS, as->pid, NULL, &r) < 0) {
		err = -errno;
		goto fail;
	}
	stub_regs_template = r;
	r.rdi = as->cmd_pa;
	if (ptrace(PTRACE_SETREGS, as->pid, NULL, &r) < 0) {
		err = -errno;
		goto fail;
	}
	err = stub_cont_to_trap(as, &r);
	if (err)
		goto fail;
	if (r.rax != STUB_READY || r.rdx) {
		log_err("hosted: guest stub failed to set up: error %ld",
			(long)r.rdx);
		err = r.rdx ? (int)r.rdx : -EPROTO;
		goto fail_kill;
	}
	as->batch_entry = r.rsi;
	hosted_prof_add(HOSTED_PROF_SPAWN_WAIT, t0, 0);
	return 0;

fail:
	log_err("hosted: guest stub setup failed: error %d", err);
fail_kill:
	stub_kill(as);
	return err ? err : -EPROTO;
}

/*
 * Spare stubs: a stub whose address space is gone is cleaned (user.c:
 * as_make_spare()) and kept here for the next address space, which so
 * skips the vfork+exec and set-up of a new stub; see
 * docs/hosted-seccomp.md, "Fork and exec: spare stubs".  All spares are of the one mode
 * (hosted_mode).  Interrupts off for the list.
 */
#define STUB_SPARES 4

static struct stub_spare {
	pid_t pid;
	int done_efd, sock;
	paddr_t cmd_pa, slots_pa;
	unsigned long batch_entry;
	struct sc_parked parked;
} spares[STUB_SPARES];
static unsigned int nspares;

bool stub_spare_room(void)
{
	return nspares < STUB_SPARES;
}

/* Read and drop whatever is queued on a spare's socket (fds closed). */
static void spare_drain(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(16 * sizeof(int))];
	} c;
	char data[64];

	for (;;) {
		struct iovec iov = { data, sizeof(data) };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = c.buf,
				    .msg_controllen = sizeof(c.buf) };
		struct cmsghdr *h;

		if (recvmsg(sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
			return;
		for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
			if (h->cmsg_level != SOL_SOCKET ||
			    h->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t i = 0;
			     i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			     i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(h) + i * sizeof(int),
				       sizeof(fd));
				close(fd);
			}
		}
	}
}

int stub_spare_put(struct plat_as *as)
{
	struct stub_spare *s;
	unsigned long fl;

	/*
	 * A guest thread may have sent anything on the socket (its start
	 * site is reachable); none is left to send more.
	 */
	if (as->sock >= 0)
		spare_drain(as->sock);
	fl = plat_irq_save();
	if (nspares == STUB_SPARES) {
		plat_irq_restore(fl);
		return -ENOSPC;
	}
	s = &spares[nspares++];
	s->pid = as->pid;
	s->done_efd = as->done_efd;
	s->sock = as->sock;
	s->cmd_pa = as->cmd_pa;
	s->slots_pa = as->slots_pa;
	s->batch_entry = as->batch_entry;
	s->parked = as->parked;
	plat_irq_restore(fl);
	as->parked.listener = -1;
	as->pid = 0;
	as->done_efd = as->sock = -1;
	as->cmd_pa = as->slots_pa = PMM_NOPAGE;
	as->cmd = NULL;
	return 0;
}

int stub_spare_take(struct plat_as *as)
{
	struct stub_spare s;
	unsigned long fl;
	int status;

	for (;;) {
		fl = plat_irq_save();
		if (!nspares) {
			plat_irq_restore(fl);
			return -ENOENT;
		}
		s = spares[--nspares];
		plat_irq_restore(fl);
		/* Died while it waited (killed from outside)?  Then the next. */
		if (waitpid(s.pid, &status, WNOHANG | __WALL) != s.pid ||
		    WIFSTOPPED(status))
			break;
		log_warn("hosted: spare guest stub %d died (status %#x)", s.pid,
			 status);
		if (s.done_efd >= 0)
			close(s.done_efd);
		if (s.sock >= 0)
			close(s.sock);
		if (s.parked.listener >= 0)
			close(s.parked.listener);
		pmm_free(s.cmd_pa, STUB_CMD_ORDER);
		if (s.slots_pa != PMM_NOPAGE)
			pmm_free(s.slots_pa, STUB_TSLOT_ORDER);
	}
	as->pid = s.pid;
	as->done_efd = s.done_efd;
	as->sock = s.sock;
	as->cmd_pa = s.cmd_pa;
	as->cmd = plat_phys_to_virt(s.cmd_pa);
	as->slots_pa = s.slots_pa;
	as->batch_entry = s.batch_entry;
	as->parked = s.parked;
	hosted_prof_add(HOSTED_PROF_SPARE_TAKE, 0, 0);
	return 0;
}

void hosted_spares_kill(void)
{
	unsigned long fl = plat_irq_save();

	while (nspares) {
		struct stub_spare *s = &spares[--nspares];

		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, __WALL) < 0 && errno == EINTR)
			;
	}
	plat_irq_restore(fl);
}

void stub_kill(struct plat_as *as)
{
	uint64_t t0 = hosted_prof_now();
	int status;

	if (!as->pid)
		return;
	kill(as->pid, SIGKILL);
	while (stub_wait(as, &status) == 0 && WIFSTOPPED(status))
		;
	as->pid = 0;
	as->dead = true;
	hosted_prof_add(HOSTED_PROF_KILL, t0, 0);
}

int stub_run_batch(struct plat_as *as, unsigned int nops)
{
	struct user_regs_struct r = stub_regs_template;
	int err;

	if (as->seccomp) {
		/* The mapper waits for seq to move (stub.c). */
		as->cmd->nops = nops;
		__atomic_store_n(&as->cmd->seq, as->cmd->seq + 1,
				 __ATOMIC_SEQ_CST);
		syscall(SYS_futex, &as->cmd->seq, FUTEX_WAKE, 1, NULL, NULL, 0);
		return stub_wait_fd(as, as->done_efd);
	}
	as->cmd->nops = nops;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r.rip = as->batch_entry;
	r.rsp = STUB_BASE; /* the entry loads its own stack */
	r.eflags = 0x202;
	r.orig_rax = -1UL;
	r.fs_base = 0;
	r.gs_base = 0;
	if (ptrace(PTRACE_SETREGS, as->pid, NULL, &r) < 0)
		return -errno;
	err = stub_cont_to_trap(as, &r);
	if (err)
		return err;
	if (r.rdx == 0 && r.rax == nops)
		return 0;
	return r.rdx ? (int)r.rdx : -EPROTO;
}
