/*
 * Processes one after another, many at once, and what one leaves behind
 * for the next (docs/hosted-seccomp.md, "Fork and exec: spare stubs"): hosted KOS in
 * seccomp mode gives a new address space the cleaned stub of one that
 * ended, so this checks that nothing of a process reaches the next one.
 *
 *   leftovers   a child maps a page at a fixed address and fills it
 *               with a pattern, puts the pattern in general and vector
 *               registers across system calls of both of seccomp mode's
 *               paths (so it lands in its stub thread's signal frames)
 *               and tries to store it into the hosted stub's reservation
 *               [1 MiB, 4 MiB) (the stub's image, command area and
 *               thread slots: its .bss stack is writable unless made
 *               read-only); then it exits.  The next child (forked, and
 *               exec'd) must find that address unmapped (SIGSEGV, as on
 *               Linux, which never maps the reservation either) and the
 *               pattern nowhere in the reservation.  Also after a child
 *               with four threads blocked in system calls, and after one
 *               with twelve (more than hosted KOS cleans; its stub is
 *               killed);
 *   in a row    200 fork+exec+wait and 200 fork+exit+wait, each child
 *               checking that it runs (argument and status round trip);
 *   many alive  eight children alive at once (none can have a spare
 *               stub), released together, then forks again.
 *
 * The reservation is scanned page by page under a SIGSEGV handler, with
 * the pattern compared as two 32-bit halves, so that the scanner never
 * has the whole pattern in a register (its own frames are in its slot).
 * "stubreuse -v" says where it found the pattern.  Seen to fail: with
 * the stub's .bss left writable the pattern turns up at 0x103ff8 in the
 * next child; without the unmapping of a spare's old guest memory the
 * kernel itself crashed (a stale guest mapping of a frame reused for a
 * kernel stack).
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define RESV_START 0x100000UL
#define RESV_END 0x400000UL
#define FIXED_ADDR 0x6f0000000000UL /* far from Linux's own placements */
#define PAGE 4096UL

/* The pattern, built at run time from two halves. */
static volatile uint32_t pat_lo = 0x0ddba11u, pat_hi = 0x5ca1ab1eu;

static sigjmp_buf jb;
static int verbose;

static void on_segv(int sig)
{
	siglongjmp(jb, 1);
}

static void catch_segv(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* Can the byte at a be read (no SIGSEGV)? */
static int readable(volatile const unsigned char *a)
{
	if (sigsetjmp(jb, 1))
		return 0;
	(void)*a;
	return 1;
}

/*
 * Does the reservation hold the pattern anywhere?  Pages that cannot be
 * read are skipped (on Linux none can).
 */
static int reservation_has_pattern(void)
{
	uint32_t lo = pat_lo, hi = pat_hi;

	for (unsigned long p = RESV_START; p < RESV_END; p += PAGE) {
		volatile const uint32_t *w = (const void *)p;

		if (!readable((const void *)p))
			continue;
		for (unsigned long i = 0; i + 1 < PAGE / 4; i += 2)
			if (w[i] == lo && w[i + 1] == hi) {
				if (verbose)
					printf("pattern at %#lx\n", p + i * 4);
				return 1;
			}
	}
	return 0;
}

/* The pattern as one 64-bit value (only the leaving child builds it). */
static uint64_t pattern(void)
{
	return (uint64_t)pat_hi << 32 | pat_lo;
}

/*
 * Leave the pattern wherever a process can: a page at FIXED_ADDR, the
 * callee-saved registers and xmm0-15 across a system call of each of
 * seccomp mode's paths (getppid: a user notification; sigaltstack with
 * no arguments: a SIGSYS frame), and stores into the reservation.
 */
static void leave_traces(void)
{
	uint64_t v = pattern();
	uint64_t *page =
		mmap((void *)FIXED_ADDR, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (page != MAP_FAILED)
		for (unsigned long i = 0; i < PAGE / 8; i++)
			page[i] = v;
	for (int i = 0; i < 2; i++) {
		long nr = i ? SYS_sigaltstack : SYS_getppid;

		__asm__ __volatile__(
			"movq %1, %%xmm0\n\t"
			"pshufd $0x44, %%xmm0, %%xmm0\n\t"
			"movdqa %%xmm0, %%xmm1\n\tmovdqa %%xmm0, %%xmm2\n\t"
			"movdqa %%xmm0, %%xmm3\n\tmovdqa %%xmm0, %%xmm4\n\t"
			"movdqa %%xmm0, %%xmm5\n\tmovdqa %%xmm0, %%xmm6\n\t"
			"movdqa %%xmm0, %%xmm7\n\tmovdqa %%xmm0, %%xmm8\n\t"
			"movdqa %%xmm0, %%xmm9\n\tmovdqa %%xmm0, %%xmm10\n\t"
			"movdqa %%xmm0, %%xmm11\n\tmovdqa %%xmm0, %%xmm12\n\t"
			"movdqa %%xmm0, %%xmm13\n\tmovdqa %%xmm0, %%xmm14\n\t"
			"movdqa %%xmm0, %%xmm15\n\t"
			"mov %1, %%rbx\n\tmov %1, %%r12\n\tmov %1, %%r13\n\t"
			"mov %1, %%r14\n\tmov %1, %%r15\n\t"
			"xor %%edi, %%edi\n\txor %%esi, %%esi\n\t"
			"syscall"
			: "+a"(nr)
			: "r"(v)
			: "rbx", "r12", "r13", "r14", "r15", "rdi", "rsi",
			  "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2",
			  "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			  "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
			  "xmm15");
	}
	catch_segv();
	for (unsigned long p = RESV_START; p < RESV_END; p += PAGE) {
		volatile uint64_t *w = (void *)p;

		if (sigsetjmp(jb, 1) == 0)
			w[PAGE / 8 - 1] = v; /* the top of each page */
	}
}

/* What a child that comes after must find.  0 if clean, else a code. */
static int check_clean(void)
{
	catch_segv();
	if (readable((const void *)FIXED_ADDR))
		return 2;
	if (reservation_has_pattern())
		return 3;
	return 0;
}

static void *blocked_thread(void *arg)
{
	char c;

	read(*(int *)arg, &c, 1); /* never returns: the process exits */
	return NULL;
}

/*
 * A child that leaves traces, with nthreads - 1 more threads blocked in
 * read(2) when it exits.
 */
static void traces_child(int nthreads)
{
	static pthread_t t[16];
	static int fds[2];

	if (pipe(fds) < 0)
		_exit(20);
	for (int i = 1; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, blocked_thread, &fds[0]))
			_exit(21);
	usleep(10000); /* let them block */
	leave_traces();
	_exit(0);
}

static char *self;

/* Run fn in a child; its exit status, or -1 if it did not exit. */
static int in_child(void (*fn)(int), int arg)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void check_child(int unused)
{
	_exit(check_clean());
}

/* The same check in an exec'd child ("stubreuse check"). */
static int exec_check(void)
{
	char *argv[] = { self, "check", NULL };
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		execv(self, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void leftovers(int nthreads)
{
	CHECK(in_child(traces_child, nthreads) == 0);
	CHECK(in_child(check_child, 0) == 0);
	CHECK(in_child(traces_child, nthreads) == 0);
	CHECK(exec_check() == 0);
}

static void in_a_row(void)
{
	int bad_exec = 0, bad_exit = 0;

	for (int i = 0; i < 200; i++) {
		char arg[16];
		char *argv[] = { self, "status", arg, NULL };
		int st;
		pid_t pid;

		snprintf(arg, sizeof(arg), "%d", i);
		pid = fork();
		if (pid == 0) {
			execv(self, argv);
			_exit(255);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != (i * 7) % 251)
			bad_exec++;
	}
	for (int i = 0; i < 200; i++) {
		int st;
		pid_t pid = fork();

		if (pid == 0)
			_exit(i % 253);
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != i % 253)
			bad_exit++;
	}
	CHECK(bad_exec == 0);
	CHECK(bad_exit == 0);
}

static void many_alive(void)
{
	int go[2], bad = 0;
	pid_t kids[8];

	CHECK(pipe(go) == 0);
	for (int i = 0; i < 8; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char c;

			close(go[1]);
			_exit(read(go[0], &c, 1) == 0 ? 40 + i : 1);
		}
	}
	close(go[0]);
	close(go[1]); /* every child reads end of file */
	for (int i = 0; i < 8; i++) {
		int st;

		if (kids[i] < 0 || waitpid(kids[i], &st, 0) != kids[i] ||
		    !WIFEXITED(st) || WEXITSTATUS(st) != 40 + i)
			bad++;
	}
	CHECK(bad == 0);
	CHECK(in_child(check_child, 0) == 0);
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc > 1 && !strcmp(argv[1], "-v"))
		verbose = 1;
	if (argc > 1 && !strcmp(argv[1], "check"))
		return check_clean();
	if (argc > 2 && !strcmp(argv[1], "status"))
		return (atoi(argv[2]) * 7) % 251;
	leftovers(1);
	leftovers(4);
	leftovers(12);
	in_a_row();
	many_alive();
	leftovers(1);
	return guest_done("stubreuse");
}
