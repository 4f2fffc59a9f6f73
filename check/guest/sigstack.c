/*
 * Nested and alternate-stack signals: a chain of 8 handlers, each
 * raising the next signal, runs in frames each below the last and
 * unwinds in order with every mask restored; on an alternate stack
 * (SA_ONSTACK) a nested signal stays on it, below the first frame, even
 * without SA_ONSTACK; sigaltstack reports SS_ONSTACK in there; a
 * siglongjmp out of two nested handlers restores the mask; deep
 * recursion ends in a SIGSEGV that only an alternate stack can take.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define FIRST 40
#define CHAIN 8

static volatile uintptr_t frame_at[CHAIN];
static volatile int order[2 * CHAIN], norder;
static volatile uint64_t mask_at[CHAIN];

static uint64_t getmask(void)
{
	uint64_t m = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
	return m;
}

static void chain(int sig)
{
	volatile char here;
	int i = sig - FIRST;

	frame_at[i] = (uintptr_t)&here;
	mask_at[i] = getmask();
	order[norder++] = sig;
	if (i + 1 < CHAIN)
		kill(getpid(), sig + 1);
	order[norder++] = -sig;
}

static void nesting(void)
{
	struct sigaction sa;
	int ok = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = chain;
	for (int i = 0; i < CHAIN; i++)
		sigaction(FIRST + i, &sa, NULL);
	kill(getpid(), FIRST);
	for (int i = 1; i < CHAIN; i++)
		ok &= frame_at[i] < frame_at[i - 1];
	CHECK(ok);
	for (int i = 0; i < CHAIN; i++) {
		CHECK(order[i] == FIRST + i);
		CHECK(order[2 * CHAIN - 1 - i] == -(FIRST + i));
		/* each handler blocks its own signal on top of the outer ones */
		uint64_t want = 0;

		for (int j = 0; j <= i; j++)
			want |= 1ULL << (FIRST + j - 1);
		CHECK(mask_at[i] == want);
	}
	CHECK(getmask() == 0);
	printf("a chain of %d nested handlers: frames descend, unwind in "
	       "order, masks nest\n",
	       CHAIN);
	for (int i = 0; i < CHAIN; i++)
		signal(FIRST + i, SIG_DFL);
}

static char *alt;
#define ALT_SIZE (64 * 1024)
static volatile uintptr_t on_alt[2];
static volatile int alt_flags[2];

static int in_alt(uintptr_t p)
{
	return p >= (uintptr_t)alt && p < (uintptr_t)alt + ALT_SIZE;
}

static void inner_alt(int sig)
{
	volatile char here;
	stack_t ss;

	on_alt[1] = (uintptr_t)&here;
	sigaltstack(NULL, &ss);
	alt_flags[1] = ss.ss_flags;
}

static void outer_alt(int sig)
{
	volatile char here;
	stack_t ss;

	on_alt[0] = (uintptr_t)&here;
	sigaltstack(NULL, &ss);
	alt_flags[0] = ss.ss_flags;
	kill(getpid(), SIGUSR2); /* its handler has no SA_ONSTACK */
}

static void altstack(void)
{
	stack_t ss = { 0 };
	struct sigaction sa;

	alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	CHECK(sigaltstack(&ss, NULL) == 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = outer_alt;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = inner_alt;
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	kill(getpid(), SIGUSR1);
	CHECK(in_alt(on_alt[0]) && in_alt(on_alt[1]));
	CHECK(on_alt[1] < on_alt[0]);
	CHECK(alt_flags[0] == SS_ONSTACK && alt_flags[1] == SS_ONSTACK);
	printf("alternate stack: the handler and the one nested in it both "
	       "run there (%s), nested below (%s)\n",
	       in_alt(on_alt[0]) && in_alt(on_alt[1]) ? "yes" : "no",
	       on_alt[1] < on_alt[0] ? "yes" : "no");
	kill(getpid(), SIGUSR2);
	CHECK(!in_alt(on_alt[1]));
	printf("the same non-SA_ONSTACK handler alone: normal stack (%s)\n",
	       in_alt(on_alt[1]) ? "no" : "yes");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

static sigjmp_buf jb;

static void jump_inner(int sig)
{
	siglongjmp(jb, 1);
}

static void jump_outer(int sig)
{
	kill(getpid(), SIGUSR2);
}

static void longjmp_out(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = jump_outer;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = jump_inner;
	sigaction(SIGUSR2, &sa, NULL);
	if (sigsetjmp(jb, 1) == 0) {
		kill(getpid(), SIGUSR1);
		CHECK(0);
	}
	CHECK(getmask() == 0);
	printf("siglongjmp out of two nested handlers: mask restored (%s)\n",
	       getmask() == 0 ? "yes" : "no");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

static volatile uintptr_t segv_sp;
static volatile int depth;

static void on_segv(int sig)
{
	volatile char here;

	segv_sp = (uintptr_t)&here;
	siglongjmp(jb, 1);
}

static int recurse(int n)
{
	volatile char pad[2048];

	pad[0] = (char)n;
	depth = n;
	if (n > 1000000)
		return pad[0];
	return recurse(n + 1) + pad[100];
}

static void overflow(void)
{
	struct sigaction sa;
	struct rlimit rl = { 512 * 1024, RLIM_INFINITY };

	setrlimit(RLIMIT_STACK, &rl);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(jb, 1) == 0)
		recurse(0);
	CHECK(in_alt(segv_sp));
	CHECK(depth > 100 && depth < 1000);
	printf("stack overflow: SIGSEGV handled on the alternate stack (%s)\n",
	       in_alt(segv_sp) ? "yes" : "no");
	signal(SIGSEGV, SIG_DFL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	nesting();
	altstack();
	longjmp_out();
	overflow();
	return guest_done("sigstack");
}
