/*
 * Registers across system calls while threads take turns and signals
 * arrive.  Two threads ping-pong a byte through two pipes (each blocking
 * read hands the CPU to the other) and make sched_yield and getppid calls
 * in between, all through pcall(), which loads every register a system
 * call must keep (rbx rbp r12-r15, the argument registers, r8-r10 beyond
 * the call's own, xmm0 and xmm1) with a pattern of its thread, makes
 * the call and checks them afterwards.  A 1 ms interval timer delivers
 * SIGALRM (SA_RESTART) whose handler does the same with a third
 * pattern, so blocking reads are interrupted and restarted.
 *
 * Hosted seccomp mode's fast path leaves every register but a call's
 * number, arguments and rip in the host thread while the kernel handles
 * the call; they must come back intact when another kernel thread takes
 * the stub (its registers are fetched with the kick trick and held), and
 * when a signal frame or a restart needs them (docs/hosted-seccomp.md).
 * Linux keeps them all, so the expected output is "errors: 0".
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

struct pregs {
	uint64_t rbx, rbp, r12, r13, r14, r15, r10, r9, r8, rdi, rsi, rdx;
	uint64_t xmm0, xmm1;
};

/*
 * long pcall(long nr, long a0, long a1, long a2, uint64_t pat,
 *            struct pregs *out): the call with rbx = pat, rbp = pat + 1,
 * r12..r15 = pat + 2..5, r10 = pat + 6, r9 = pat + 7, r8 = pat + 8,
 * xmm0 = pat, xmm1 = pat + 1; the registers after it into *out.
 */
long pcall(long nr, long a0, long a1, long a2, uint64_t pat, struct pregs *out);
__asm__(".text\n"
	".globl pcall\n"
	"pcall:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n"
	"	push %r14\n push %r15\n push %r9\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov %r8, %rbx\n"
	"	lea 1(%r8), %rbp\n"
	"	lea 2(%r8), %r12\n"
	"	lea 3(%r8), %r13\n"
	"	lea 4(%r8), %r14\n"
	"	lea 5(%r8), %r15\n"
	"	lea 6(%r8), %r10\n"
	"	lea 7(%r8), %r9\n"
	"	movq %rbx, %xmm0\n"
	"	movq %rbp, %xmm1\n"
	"	lea 8(%r8), %r8\n"
	"	syscall\n"
	"	mov (%rsp), %rcx\n"
	"	mov %rbx, 0(%rcx)\n mov %rbp, 8(%rcx)\n"
	"	mov %r12, 16(%rcx)\n mov %r13, 24(%rcx)\n"
	"	mov %r14, 32(%rcx)\n mov %r15, 40(%rcx)\n"
	"	mov %r10, 48(%rcx)\n mov %r9, 56(%rcx)\n"
	"	mov %r8, 64(%rcx)\n mov %rdi, 72(%rcx)\n"
	"	mov %rsi, 80(%rcx)\n mov %rdx, 88(%rcx)\n"
	"	movq %xmm0, 96(%rcx)\n movq %xmm1, 104(%rcx)\n"
	"	pop %r9\n pop %r15\n pop %r14\n pop %r13\n"
	"	pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n");

static volatile int errors;
static volatile unsigned long alarms;

/* The call through pcall(); count any register that changed. */
static long checked(long nr, long a0, long a1, long a2, uint64_t pat)
{
	struct pregs o;
	long r = pcall(nr, a0, a1, a2, pat, &o);
	uint64_t want[] = { pat,     pat + 1,	   pat + 2,	 pat + 3,
			    pat + 4, pat + 5,	   pat + 6,	 pat + 7,
			    pat + 8, (uint64_t)a0, (uint64_t)a1, (uint64_t)a2,
			    pat,     pat + 1 };
	uint64_t got[sizeof(want) / sizeof(want[0])];

	memcpy(got, &o, sizeof(got));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (got[i] != want[i]) {
			if (errors < 5)
				printf("register %zu: %#llx, want %#llx\n", i,
				       (unsigned long long)got[i],
				       (unsigned long long)want[i]);
			errors++;
		}
	}
	return r;
}

static void on_alarm(int sig __attribute__((unused)))
{
	alarms++;
	checked(SYS_getppid, 7, 8, 9, 0x5a5a000000000000ULL);
}

#define ROUNDS 3000

static int ab[2], ba[2];

static void *partner(void *arg __attribute__((unused)))
{
	char c;

	for (int i = 0; i < ROUNDS; i++) {
		if (checked(SYS_read, ab[0], (long)&c, 1,
			    0xb0b0000000000000ULL) != 1)
			break;
		checked(SYS_getppid, 1, 2, 3, 0xb1b1000000000000ULL);
		if (checked(SYS_write, ba[1], (long)&c, 1,
			    0xb2b2000000000000ULL) != 1)
			break;
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	pthread_t t;
	char c = 'x';
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	if (pipe(ab) || pipe(ba) || pthread_create(&t, NULL, partner, NULL)) {
		perror("setup");
		return 1;
	}
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < ROUNDS; i++) {
		if (checked(SYS_write, ab[1], (long)&c, 1,
			    0xa0a0000000000000ULL) != 1)
			break;
		checked(SYS_sched_yield, 4, 5, 6, 0xa1a1000000000000ULL);
		if (checked(SYS_read, ba[0], (long)&c, 1,
			    0xa2a2000000000000ULL) != 1)
			break;
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	pthread_join(t, NULL);
	printf("rounds: %d\n", i);
	printf("errors: %d\n", errors);
	return errors != 0;
}
