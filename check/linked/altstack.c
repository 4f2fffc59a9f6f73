/*
 * altstack: the alternate signal stack in a linked-mode program
 * (docs/linked-mode.md), and the same source as an ordinary static
 * program; the output is the same on Linux.  One line per check:
 *
 *   query          sigaltstack(NULL, &old) before any: SS_DISABLE
 *   errors         a size under MINSIGSTKSZ is ENOMEM, bad flags EINVAL
 *   SA_ONSTACK     the handler runs on the alternate stack (a local's
 *                  address is inside it); sigaltstack() there says
 *                  SS_ONSTACK; the ucontext's uc_stack is the stack as
 *                  set, with the flags of the interrupted code (0);
 *                  changing the stack there is EPERM
 *   nested         a second SA_ONSTACK signal raised in that handler runs
 *                  on the same stack, below the first; its uc_stack has
 *                  the flags as set (Linux reports those, not whether
 *                  the interrupted code was on the stack)
 *   no SA_ONSTACK  a handler without the flag runs on the thread's stack
 *   after          back on the thread's stack, the stack is still set,
 *                  not SS_ONSTACK
 *   SS_AUTODISARM  the stack is disarmed while the handler runs on it
 *                  (SS_DISABLE there; uc_stack has it as set) and set
 *                  again after the handler returns
 *   thread         a thread's own alternate stack, SA_ONSTACK handler
 *                  from pthread_kill
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define ALT_SIZE (64 * 1024)

static char *alt, *talt;
static volatile int nested_on, nested_below, nested_uc_flags;
static volatile uintptr_t outer_local;

static int on(const char *base, const void *p)
{
	return (const char *)p >= base && (const char *)p < base + ALT_SIZE;
}

/* The flags' names; four calls may share one printf. */
static const char *flags_name(int f)
{
	static char bufs[4][64];
	static int next;
	char *buf = bufs[next++ % 4];
	size_t n;

	snprintf(buf, 64, "%s%s%s%s", f & SS_ONSTACK ? "SS_ONSTACK " : "",
		 f & SS_DISABLE ? "SS_DISABLE " : "",
		 f & SS_AUTODISARM ? "SS_AUTODISARM " : "",
		 f & ~(SS_ONSTACK | SS_DISABLE | SS_AUTODISARM) ? "other "
								: "");
	n = strlen(buf);
	if (!n)
		return "0";
	buf[n - 1] = 0;
	return buf;
}

static void on_usr2(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	int local;

	(void)sig;
	(void)si;
	nested_on = on(alt, &local);
	nested_below = (uintptr_t)&local < outer_local;
	nested_uc_flags = uc->uc_stack.ss_flags;
}

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	stack_t cur, ss = { .ss_sp = alt, .ss_size = ALT_SIZE };
	int local, r;

	(void)sig;
	(void)si;
	outer_local = (uintptr_t)&local;
	printf("SA_ONSTACK handler: on the alternate stack %s\n",
	       on(alt, &local) ? "yes" : "no");
	sigaltstack(NULL, &cur);
	printf("  sigaltstack there: %s, same stack %s\n",
	       flags_name(cur.ss_flags),
	       cur.ss_sp == alt && cur.ss_size == ALT_SIZE ? "yes" : "no");
	printf("  uc_stack: %s, flags %s\n",
	       uc->uc_stack.ss_sp == alt && uc->uc_stack.ss_size == ALT_SIZE
		       ? "the stack"
		       : "other",
	       flags_name(uc->uc_stack.ss_flags));
	r = sigaltstack(&ss, NULL);
	printf("  changing it there: %s\n", r ? strerror(errno) : "ok");
	raise(SIGUSR2);
	printf("  nested: on the stack %s, below the first %s, uc_stack %s\n",
	       nested_on ? "yes" : "no", nested_below ? "yes" : "no",
	       flags_name(nested_uc_flags));
}

static void on_term(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	stack_t cur;
	int local;

	(void)sig;
	(void)si;
	sigaltstack(NULL, &cur);
	printf("handler without SA_ONSTACK: on the alternate stack %s, "
	       "sigaltstack %s, uc_stack flags %s\n",
	       on(alt, &local) ? "yes" : "no", flags_name(cur.ss_flags),
	       flags_name(uc->uc_stack.ss_flags));
}

static void on_hup(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	stack_t cur;
	int local;

	(void)sig;
	(void)si;
	sigaltstack(NULL, &cur);
	printf("SS_AUTODISARM handler: on the stack %s, sigaltstack %s, "
	       "uc_stack flags %s\n",
	       on(alt, &local) ? "yes" : "no", flags_name(cur.ss_flags),
	       flags_name(uc->uc_stack.ss_flags));
}

static void on_thread_sig(int sig, siginfo_t *si, void *ucv)
{
	stack_t cur;
	int local;

	(void)sig;
	(void)si;
	(void)ucv;
	sigaltstack(NULL, &cur);
	printf("thread's handler: on its alternate stack %s, sigaltstack %s\n",
	       on(talt, &local) ? "yes" : "no", flags_name(cur.ss_flags));
}

static void *thread_fn(void *arg)
{
	stack_t ss = { .ss_sp = talt, .ss_size = ALT_SIZE }, cur;

	(void)arg;
	sigaltstack(NULL, &cur);
	printf("thread: its own stack at first %s\n", flags_name(cur.ss_flags));
	if (sigaltstack(&ss, NULL))
		printf("thread: sigaltstack %s\n", strerror(errno));
	pthread_kill(pthread_self(), SIGURG);
	return NULL;
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

int main(void)
{
	stack_t ss, cur;
	pthread_t t;
	int local;

	alt = malloc(ALT_SIZE);
	talt = malloc(ALT_SIZE);
	if (!alt || !talt)
		return 1;
	sigaltstack(NULL, &cur);
	printf("before any: %s\n", flags_name(cur.ss_flags));
	ss = (stack_t){ .ss_sp = alt, .ss_size = 1024 };
	printf("too small: %s\n",
	       sigaltstack(&ss, NULL) ? strerror(errno) : "ok");
	ss = (stack_t){ .ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0x40 };
	printf("bad flags: %s\n",
	       sigaltstack(&ss, NULL) ? strerror(errno) : "ok");
	ss = (stack_t){ .ss_sp = alt, .ss_size = ALT_SIZE };
	printf("set: %s\n", sigaltstack(&ss, NULL) ? strerror(errno) : "ok");

	handle(SIGUSR1, on_usr1, SA_ONSTACK);
	handle(SIGUSR2, on_usr2, SA_ONSTACK);
	handle(SIGTERM, on_term, 0);
	raise(SIGUSR1);
	raise(SIGTERM);
	sigaltstack(NULL, &cur);
	printf("after: %s, on the alternate stack %s\n",
	       flags_name(cur.ss_flags), on(alt, &local) ? "yes" : "no");

	ss = (stack_t){ .ss_sp = alt,
			.ss_size = ALT_SIZE,
			.ss_flags = SS_AUTODISARM };
	printf("set with SS_AUTODISARM: %s\n",
	       sigaltstack(&ss, NULL) ? strerror(errno) : "ok");
	handle(SIGHUP, on_hup, SA_ONSTACK);
	raise(SIGHUP);
	sigaltstack(NULL, &cur);
	printf("  after it: %s\n", flags_name(cur.ss_flags));

	handle(SIGURG, on_thread_sig, SA_ONSTACK);
	if (pthread_create(&t, NULL, thread_fn, NULL) || pthread_join(t, NULL))
		printf("thread: failed\n");
	return 0;
}
