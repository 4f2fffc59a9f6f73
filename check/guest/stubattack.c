/*
 * Guest code attacking the hosted stub (docs/hosted-seccomp.md, section
 * 5): each attack runs in a child, which may survive or die; what must
 * hold is that the kernel goes on and the parent sees every child end.
 *
 * The stub exists only on hosted KOS (its code is readable at 0x100000,
 * docs/hosted.md "Limits"); on Linux and bare-metal KOS the attacks find
 * nothing and are skipped.  So the plain output, compared with Linux's,
 * is the same everywhere; "stubattack -v" also says what each attack did
 * (hosted KOS only; docs/hosted.md "Seccomp mode" lists the results):
 *
 *   forged-doorbell  garbage in the thread slot's header, then a call of
 *                    the stub's doorbell site: seccomp mode kills the
 *                    child (a malformed message), ptrace mode sees an
 *                    unknown system call (ENOSYS) and the slot write
 *                    faults (not mapped in ptrace mode)
 *   doorbell-new     the last real header with kind "start trap": killed
 *   arch-prctl-site  the stub's arch_prctl site with a code its filter
 *                    does not allow (ARCH_SET_CPUID): a guest system
 *                    call, answered as the same call made directly
 *   block-kick       the stub's rt_sigreturn site with a forged frame
 *                    that blocks SIGVTALRM (the kernel's kick), then a
 *                    spin: seccomp mode's kick watchdog kills the child
 *                    after 2 s (without it, it would spin for ever and
 *                    its alarm could never be delivered); in ptrace mode
 *                    KOS runs the sigreturn itself and the alarm ends it
 *   block-kick-calls the same forged frame, then system calls, and a
 *                    SIGUSR1 with a handler, whose delivery needs the
 *                    whole register file: seccomp mode's fast path
 *                    fetches it with the kick, which is blocked, so the
 *                    next message is a system call, not the kick's
 *                    doorbell, and the child is killed (a malformed
 *                    message); in ptrace mode and on the slow path the
 *                    handler runs and the child exits 0 after its calls
 *   jump-mmap        the mapper's mmap instruction with mmap(fd 3, offset
 *                    0) of the RAM memfd's number: a guest mmap of the
 *                    guest's own fd 3 (a read-only file here), which KOS
 *                    answers as the direct call (it maps the file).  The
 *                    mapper's code then goes on with the guest's
 *                    registers, every call a guest call: its "done"
 *                    write(4, stub_one, 8) fails with EFAULT (stub_one is
 *                    in the stub's text, which is not guest memory, so
 *                    nothing reaches fd 4, the pipe the parent reads);
 *                    back at its loop it finds cmd->seq unequal to the
 *                    guest's r12 and replays the kernel's last batch
 *                    (the command area is readable) as guest calls: its
 *                    first mmap maps fd 3 MAP_SHARED with PROT_WRITE,
 *                    which Linux refuses for a read-only descriptor
 *                    (EACCES), and the mapper's exit_group(-errno) ends
 *                    the child with status 13.  (debug=syscall shows the
 *                    four calls.)  So the child's EACCES is correct
 *                    behaviour, not a failed jump; what matters is that
 *                    every call ran as the guest's.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STUB_BASE 0x100000UL
#define STUB_TEXT_END 0x180000UL
#define STUB_SLOTS 0x190000UL

static int verbose;
static sigjmp_buf jb;

static void on_segv(int sig)
{
	siglongjmp(jb, 1);
}

/* Copy the stub's text (NULL if it cannot be read: no stub). */
static unsigned char *stub_text(void)
{
	static unsigned char copy[STUB_TEXT_END - STUB_BASE];
	struct sigaction sa = { .sa_handler = on_segv }, old_segv, old_bus;
	volatile size_t n = 0;

	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	if (!sigsetjmp(jb, 1))
		for (; n < sizeof(copy); n++)
			copy[n] = *(volatile unsigned char *)(STUB_BASE + n);
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return n >= 4096 ? copy : NULL;
}

/* The stub address of pat (n bytes) in text, or 0. */
static uintptr_t find(const unsigned char *text, const char *pat, size_t n)
{
	for (size_t i = 0; i + n <= STUB_TEXT_END - STUB_BASE; i++)
		if (!memcmp(text + i, pat, n))
			return STUB_BASE + i;
	return 0;
}

static void report(const char *name, int status, const char *what)
{
	if (!verbose)
		return;
	if (WIFSIGNALED(status))
		printf("  %s: child killed by signal %d%s%s\n", name,
		       WTERMSIG(status), what ? "; " : "", what ? what : "");
	else
		printf("  %s: child exited %d%s%s\n", name, WEXITSTATUS(status),
		       what ? "; " : "", what ? what : "");
}

/* Run fn in a child (killed after 3 s); its wait status. */
static int in_child(void (*fn)(uintptr_t), uintptr_t arg)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		alarm(3);
		fn(arg);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		;
	return st;
}

static void forged_doorbell(uintptr_t site)
{
	memset((void *)STUB_SLOTS, 0xee, 64);
	((long (*)(void))site)();
	_exit(40);
}

static void doorbell_new(uintptr_t site)
{
	*(volatile unsigned int *)STUB_SLOTS = 2; /* STUB_MSG_NEW */
	((long (*)(void))site)();
	_exit(41);
}

static void arch_prctl_site(uintptr_t site)
{
	long direct = syscall(SYS_arch_prctl, 0x1012 /* ARCH_SET_CPUID */, 1);
	long r = ((long (*)(long, long))site)(0x1012, 1);

	/* The same answer as the direct (KOS) call, as a raw -errno. */
	_exit(r == (direct < 0 ? -errno : direct) ? 0 : 42);
}

static void spin(void)
{
	for (;;)
		__asm__ __volatile__("pause");
}

/* The kernel's struct ucontext (x86-64), as rt_sigreturn reads it. */
struct kucontext {
	unsigned long uc_flags, uc_link, ss_sp;
	int ss_flags, ss_pad;
	unsigned long ss_size, gregs[23], fpstate, reserved[8], sigmask;
};

/* rt_sigreturn at site into fn with SIGVTALRM blocked. */
static void forged_sigreturn(uintptr_t site, void (*fn)(void))
{
	static unsigned char stack[16384] __attribute__((aligned(16)));
	static struct kucontext uc __attribute__((aligned(64)));

	uc.ss_sp = STUB_SLOTS + 256; /* the slot's alternate stack, kept */
	uc.ss_size = 16384 - 256;
	uc.gregs[16] = (unsigned long)fn;			   /* rip */
	uc.gregs[15] = (unsigned long)(stack + sizeof(stack) - 8); /* rsp */
	uc.gregs[17] = 0x202;					   /* eflags */
	uc.gregs[18] = 0x33 | (0x2bUL << 48);			   /* cs, ss */
	uc.sigmask = 1UL << (SIGVTALRM - 1);
	__asm__ __volatile__("mov %0, %%rsp; jmp *%1"
			     :
			     : "r"(&uc), "r"(site)
			     : "memory");
}

static void block_kick(uintptr_t site)
{
	forged_sigreturn(site, spin);
}

static volatile int usr1_seen;

static void on_usr1(int sig)
{
	usr1_seen = 1;
}

/* With the kick blocked: calls, and a signal with a handler. */
static void calls_kick_blocked(void)
{
	for (int i = 0; i < 2000; i++) {
		if (i == 10)
			syscall(SYS_kill, syscall(SYS_getpid), SIGUSR1);
		syscall(SYS_getppid);
	}
	_exit(usr1_seen ? 0 : 43);
}

static void block_kick_calls(uintptr_t site)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
	forged_sigreturn(site, calls_kick_blocked);
}

/* Into the mapper's mmap syscall with our own registers (see top). */
static void jump_mmap(uintptr_t site)
{
	register long r10 __asm__("r10") = 0x11; /* MAP_SHARED|MAP_FIXED */
	register long r8 __asm__("r8") = 3;
	register long r9 __asm__("r9") = 0;
	register long r14 __asm__("r14") = 1; /* this one operation */

	__asm__ __volatile__("jmp *%[site]"
			     :
			     : [site] "r"(site), "a"(9L), "D"(0x20000000L),
			       "S"(4096L), "d"(1L /* PROT_READ */), "r"(r10),
			       "r"(r8), "r"(r9), "r"(r14)
			     : "memory");
}

int main(int argc, char **argv)
{
	static const char doorbell[] = "\xb8\x00\x70\x00\x00\x0f\x05\xc3";
	static const char aprctl[] = "\xb8\x9e\x00\x00\x00\x0f\x05\xc3";
	static const char mmap9[] = "\xb8\x09\x00\x00\x00";
	unsigned char *text;
	uintptr_t site, mm;
	int st;

	verbose = argc > 1 && !strcmp(argv[1], "-v");
	setvbuf(stdout, NULL, _IONBF, 0);
	text = stub_text();
	if (!text) {
		if (verbose)
			printf("  no stub: nothing to attack\n");
		printf("stubattack: done\n");
		return 0;
	}
	site = find(text, doorbell, 8);
	if (site) {
		st = in_child(forged_doorbell, site);
		report("forged-doorbell", st, NULL);
		st = in_child(doorbell_new, site);
		report("doorbell-new", st, NULL);
	}
	site = find(text, aprctl, 8);
	if (site) {
		st = in_child(arch_prctl_site, site);
		report("arch-prctl-site", st,
		       WIFEXITED(st) && !WEXITSTATUS(st)
			       ? "answered as a direct call"
			       : "NOT answered as a direct call");
	}
	site = find(text, "\xb8\x0f\x00\x00\x00\x0f\x05", 7);
	if (site) {
		st = in_child(block_kick, site);
		report("block-kick", st, NULL);
		st = in_child(block_kick_calls, site);
		report("block-kick-calls", st, NULL);
	}
	mm = find(text, mmap9, 5);
	site = 0;
	for (uintptr_t p = mm; mm && p < mm + 48; p++)
		if (text[p - STUB_BASE] == 0x0f &&
		    text[p - STUB_BASE + 1] == 0x05) {
			site = p;
			break;
		}
	if (site) {
		int pfd[2], fd;
		unsigned long v = 0;
		char what[160];

		if (pipe(pfd) < 0)
			return 1;
		/* Out of the way of 3 and 4. */
		pfd[0] = fcntl(pfd[0], F_DUPFD, 10);
		pfd[1] = fcntl(pfd[1], F_DUPFD, 10);
		close(3);
		close(4);
		fd = open("/t/hello", O_RDONLY);
		if (fd < 0 || dup2(fd, 3) < 0 || dup2(pfd[1], 4) < 0)
			return 1;
		/* What the guest's own mmap of its fd 3 says (0 or errno). */
		errno = 0;
		void *m = mmap((void *)0x20000000, 4096, PROT_READ,
			       MAP_SHARED | MAP_FIXED, 3, 0);
		int direct = m == MAP_FAILED ? errno : 0;
		if (m != MAP_FAILED)
			munmap(m, 4096);
		st = in_child(jump_mmap, site);
		close(4);
		close(pfd[1]);
		fcntl(pfd[0], F_SETFL, O_NONBLOCK);
		if (read(pfd[0], &v, sizeof(v)) == 8 && v == 1)
			snprintf(what, sizeof(what),
				 "mmap as the guest's; the mapper's done "
				 "write reached the guest's fd 4");
		else
			snprintf(what, sizeof(what),
				 "the mapper's calls ran as the guest's, "
				 "exit_group(-errno) last (a direct mmap of "
				 "fd 3: errno %d)",
				 direct);
		report("jump-mmap", st, what);
	}
	printf("stubattack: done\n");
	return 0;
}
