/*
 * Signal delivery: kill/tkill/tgkill/rt_sigqueueinfo errors and siginfo,
 * init's immunity to signals it does not catch, blocking and pending
 * (standard signals coalesce, real-time ones queue in order with their
 * values, lowest number first), handler masks, SA_NODEFER,
 * SA_RESETHAND, nested handlers, sigaltstack and SA_ONSTACK, SA_RESTART
 * and EINTR, restart after a stop, rt_sigsuspend, rt_sigtimedwait,
 * pause, every default action, stop/continue interplay, RLIMIT_SIGPENDING,
 * and SIGIO from O_ASYNC files (fs/fasync.c).
 * Handlers are installed with raw rt_sigaction (ct_sigaction) and put
 * back to SIG_DFL.  Staged (issue 8).
 */
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "proclib.h"

#define CONTRACT_AREA "signal"

/* raw: musl's wrapper checks the size and flags itself */
#define SS(ss, old) syscall(SYS_sigaltstack, ss, old)

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

/* Signals seen by rec(), in order. */
static volatile int seen[64], nseen;
static volatile int seen_val[64];
static volatile int seen_code[64];

static void rec(int sig, siginfo_t *si, void *uc)
{
	if (nseen < 64) {
		seen_val[nseen] = si->si_value.sival_int;
		seen_code[nseen] = si->si_code;
		seen[nseen++] = sig;
	}
}

static void reset_seen(void)
{
	nseen = 0;
	memset((void *)seen, 0, sizeof(seen));
}

static const char *seen_list(void)
{
	static char buf[256];
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < nseen && n < sizeof(buf) - 16; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "",
			      ct_signame(seen[i]));
	return nseen ? buf : "none";
}

static long sigqueue_self(int sig, int val)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = syscall(SYS_getpid);
	si.si_value.sival_int = val;
	return syscall(SYS_rt_sigqueueinfo, si.si_pid, sig, &si);
}

CONTRACT_TEST(kill_errors)
{
	siginfo_t si;
	pid_t pid = ct_fork_exit(0, 50);

	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	CHECK_ERR("kill(self, 65)", kill(1, 65), EINVAL);
	CHECK_ERR("kill(self, -1)", kill(1, -1), EINVAL);
	CHECK_ERR("kill(12345, 0)", kill(12345, 0), ESRCH);
	CHECK_ERR("kill(-1, 0) from init with no one else",
		  (ct_wait(pid), kill(-1, 0)), ESRCH);
	CHECK_RET("kill(self, 0)", kill(1, 0), 0);
	CHECK_ERR("tkill(0, SIGUSR1)", syscall(SYS_tkill, 0, SIGUSR1), EINVAL);
	CHECK_ERR("tkill(-1, SIGUSR1)", syscall(SYS_tkill, -1, SIGUSR1),
		  EINVAL);
	CHECK_ERR("tkill(self, 65)", syscall(SYS_tkill, 1, 65), EINVAL);
	CHECK_ERR("tkill(12345, 0)", syscall(SYS_tkill, 12345, 0), ESRCH);
	CHECK_ERR("tgkill(0, self, 0)", syscall(SYS_tgkill, 0, 1, 0), EINVAL);
	CHECK_ERR("tgkill(self, 0, 0)", syscall(SYS_tgkill, 1, 0, 0), EINVAL);
	CHECK_ERR("tgkill(self, 12345, 0)", syscall(SYS_tgkill, 1, 12345, 0),
		  ESRCH);
	CHECK_ERR("tgkill(12345, self, 0)", syscall(SYS_tgkill, 12345, 1, 0),
		  ESRCH);
	CHECK_RET("tgkill(self, self, 0)", syscall(SYS_tgkill, 1, 1, 0), 0);
	CHECK_ERR("rt_sigqueueinfo(self, 65)",
		  syscall(SYS_rt_sigqueueinfo, 1, 65, &si), EINVAL);
	CHECK_ERR("rt_sigqueueinfo bad siginfo pointer",
		  syscall(SYS_rt_sigqueueinfo, 1, SIGUSR1, BAD_LOW), EFAULT);
	CHECK_ERR("rt_sigqueueinfo(12345)",
		  syscall(SYS_rt_sigqueueinfo, 12345, SIGUSR1, &si), ESRCH);
	CHECK_ERR("rt_tgsigqueueinfo(self, 12345)",
		  syscall(SYS_rt_tgsigqueueinfo, 1, 12345, SIGUSR1, &si),
		  ESRCH);
	CHECK_ERR("rt_sigpending sigsetsize 16",
		  syscall(SYS_rt_sigpending, &si, 16), EINVAL);
	CHECK_RET("rt_sigpending sigsetsize 4",
		  syscall(SYS_rt_sigpending, &si, 4), 0);
}

/* Init is not killed by signals it leaves at SIG_DFL, even its own. */
CONTRACT_TEST(init_immune)
{
	CHECK_RET("kill(self, SIGTERM) at SIG_DFL", kill(1, SIGTERM), 0);
	CHECK_RET("kill(self, SIGSEGV) at SIG_DFL", kill(1, SIGSEGV), 0);
	CHECK_RET("tgkill(self, self, SIGUSR1)",
		  syscall(SYS_tgkill, 1, 1, SIGUSR1), 0);
	CHECK_EQX("not even left pending", ct_pending(), 0);
	ct_block(CT_SIGBIT(SIGTERM));
	kill(1, SIGTERM);
	CHECK_EQX("blocked: pending", ct_pending(), CT_SIGBIT(SIGTERM));
	ct_setmask(0);
	CHECK_EQX("unblocked: dropped", ct_pending(), 0);
	CHECK("still alive", 1);
}

CONTRACT_TEST(handler_sync)
{
	reset_seen();
	ct_sigaction(SIGUSR1, rec, 0, 0);
	CHECK_RET("kill(self)", kill(1, SIGUSR1), 0);
	CHECK_EQ("handled before kill returned", nseen, 1);
	CHECK_RET("tgkill(self)", syscall(SYS_tgkill, 1, 1, SIGUSR1), 0);
	CHECK_RET("tkill(self)", syscall(SYS_tkill, 1, SIGUSR1), 0);
	CHECK_RET("rt_sigqueueinfo(self)", sigqueue_self(SIGUSR1, 5), 0);
	CHECK_EQ("four deliveries", nseen, 4);
	CHECK_EQ("si_code of kill: SI_USER", seen_code[0], SI_USER);
	CHECK_EQ("of tgkill: SI_TKILL", seen_code[1], SI_TKILL);
	CHECK_EQ("of tkill: SI_TKILL", seen_code[2], SI_TKILL);
	CHECK_EQ("of rt_sigqueueinfo: SI_QUEUE", seen_code[3], SI_QUEUE);
	CHECK_EQ("its value", seen_val[3], 5);
	ct_sigdfl(SIGUSR1);
}

CONTRACT_TEST(coalesce_and_queue)
{
	int rt = 40;

	reset_seen();
	ct_sigaction(SIGUSR1, rec, 0, 0);
	ct_sigaction(rt, rec, 0, 0);
	ct_block(CT_SIGBIT(SIGUSR1) | CT_SIGBIT(rt));
	for (int i = 1; i <= 3; i++) {
		kill(1, SIGUSR1);
		sigqueue_self(rt, i * 10);
	}
	CHECK_EQX("pending", ct_pending(), CT_SIGBIT(SIGUSR1) | CT_SIGBIT(rt));
	CHECK_EQ("nothing delivered while blocked", nseen, 0);
	ct_setmask(0);
	/* USR1 is dequeued first, its frame set up, then RT8 (10) on top:
	 * that one runs first, blocking RT8 until it returns */
	CHECK_STR("handlers ran on unblock", seen_list(),
		  "SIGRT8 SIGRT8 SIGRT8 SIGUSR1");
	CHECK("values in the order queued",
	      seen_val[0] == 10 && seen_val[1] == 20 && seen_val[2] == 30);
	ct_sigdfl(SIGUSR1);
	ct_sigdfl(rt);
}

CONTRACT_TEST(delivery_order)
{
	static const int sigs[] = { 45, SIGUSR2, 35, SIGUSR1, 64, SIGHUP };
	uint64_t all = 0;

	reset_seen();
	for (int i = 0; i < 6; i++)
		all |= CT_SIGBIT(sigs[i]);
	for (int i = 0; i < 6; i++)
		ct_sigaction(sigs[i], rec, 0, 0);
	ct_block(all);
	for (int i = 0; i < 6; i++)
		kill(1, sigs[i]);
	ct_setmask(0);
	/* dequeued lowest first, each frame on top of the previous one */
	CHECK_STR("handlers run (nested)", seen_list(),
		  "SIGRT32 SIGRT13 SIGRT3 SIGUSR2 SIGUSR1 SIGHUP");
	reset_seen();
	for (int i = 0; i < 6; i++)
		ct_sigaction(sigs[i], rec, 0, all);
	ct_block(all);
	for (int i = 0; i < 6; i++)
		kill(1, sigs[i]);
	ct_setmask(0);
	CHECK_STR("with sa_mask blocking the others: one at a time",
		  seen_list(), "SIGHUP SIGUSR1 SIGUSR2 SIGRT3 SIGRT13 SIGRT32");
	for (int i = 0; i < 6; i++)
		ct_sigdfl(sigs[i]);
}

/* Who sent it: si_pid and si_uid of a signal from a child. */
static volatile siginfo_t got_si;

static void keep_si(int sig, siginfo_t *si, void *uc)
{
	got_si = *si;
}

CONTRACT_TEST(siginfo_from_child)
{
	uint64_t set = CT_SIGBIT(SIGUSR2);
	struct timespec ts = { 2, 0 };
	siginfo_t si;
	pid_t pid;

	ct_block(set);
	pid = ct_fork();
	if (pid == 0) {
		kill(1, SIGUSR2);
		_exit(0);
	}
	memset(&si, 0, sizeof(si));
	CHECK_RET("rt_sigtimedwait",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &ts, 8), SIGUSR2);
	CHECK_EQ("si_signo", si.si_signo, SIGUSR2);
	CHECK_EQ("si_code SI_USER", si.si_code, SI_USER);
	CHECK("si_pid is the child", si.si_pid == pid);
	CHECK_EQ("si_uid", si.si_uid, 0);
	ct_wait(pid);
	ct_setmask(0);
}

/* Only the process itself may queue signals claiming a kernel or kill()
 * origin (si_code >= 0, or SI_TKILL). */
CONTRACT_TEST(sigqueueinfo_rules)
{
	siginfo_t si;
	pid_t pid;
	int st;

	memset(&si, 0, sizeof(si));
	ct_sigaction(SIGUSR1, keep_si, 0, 0);
	si.si_code = SI_USER;
	si.si_pid = 4242;
	CHECK_RET("to self with si_code SI_USER",
		  syscall(SYS_rt_sigqueueinfo, 1, SIGUSR1, &si), 0);
	CHECK_EQ("si_code as given", got_si.si_code, SI_USER);
	CHECK_EQ("si_pid as given", got_si.si_pid, 4242);
	si.si_code = 1;
	CHECK_RET("to self with si_code 1 (kernel)",
		  syscall(SYS_rt_sigqueueinfo, 1, SIGUSR1, &si), 0);
	ct_sigdfl(SIGUSR1);
	pid = ct_fork();
	if (pid == 0) {
		for (int i = 0; i < 10; i++)
			ct_msleep(10);
		_exit(0);
	}
	si.si_code = SI_USER;
	CHECK_ERR("to another process with SI_USER",
		  syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si), EPERM);
	si.si_code = SI_TKILL;
	CHECK_ERR("with SI_TKILL",
		  syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si), EPERM);
	CHECK_ERR("rt_tgsigqueueinfo with SI_TKILL",
		  syscall(SYS_rt_tgsigqueueinfo, pid, pid, SIGUSR1, &si),
		  EPERM);
	si.si_code = SI_QUEUE;
	CHECK_RET("with SI_QUEUE, signal 0",
		  syscall(SYS_rt_sigqueueinfo, pid, 0, &si), 0);
	CHECK_RET("with SI_QUEUE, SIGTERM",
		  syscall(SYS_rt_sigqueueinfo, pid, SIGTERM, &si), 0);
	st = ct_wait(pid);
	CHECK_STR("status", ct_status(st), "killed SIGTERM");
}

static volatile uint64_t mask_in_handler;

static void grab_mask(int sig, siginfo_t *si, void *uc)
{
	mask_in_handler = ct_getmask();
	rec(sig, si, uc);
}

CONTRACT_TEST(handler_mask)
{
	ct_sigaction(SIGUSR1, grab_mask, 0, CT_SIGBIT(SIGHUP));
	kill(1, SIGUSR1);
	CHECK_EQX("mask in the handler: the signal and sa_mask",
		  mask_in_handler, CT_SIGBIT(SIGUSR1) | CT_SIGBIT(SIGHUP));
	CHECK_EQX("mask after it returned", ct_getmask(), 0);
	ct_sigaction(SIGUSR1, grab_mask, SA_NODEFER, CT_SIGBIT(SIGHUP));
	kill(1, SIGUSR1);
	CHECK_EQX("with SA_NODEFER", mask_in_handler, CT_SIGBIT(SIGHUP));
	ct_block(CT_SIGBIT(SIGUSR2));
	ct_sigaction(SIGUSR1, grab_mask, 0, CT_SIGBIT(SIGKILL));
	kill(1, SIGUSR1);
	CHECK_EQX("sa_mask with SIGKILL, USR2 blocked before", mask_in_handler,
		  CT_SIGBIT(SIGUSR1) | CT_SIGBIT(SIGUSR2));
	ct_setmask(0);
	ct_sigdfl(SIGUSR1);
}

CONTRACT_TEST(resethand)
{
	struct ct_kact ka;

	reset_seen();
	ct_sigaction(SIGUSR1, grab_mask, SA_RESETHAND, 0);
	syscall(SYS_rt_sigaction, SIGUSR1, NULL, &ka, 8);
	CHECK_EQX("flags read back", ka.flags & ~K_SA_RESTORER,
		  SA_SIGINFO | SA_RESETHAND);
	kill(1, SIGUSR1);
	CHECK_EQ("handled once", nseen, 1);
	CHECK_EQX("mask in the handler", mask_in_handler, CT_SIGBIT(SIGUSR1));
	syscall(SYS_rt_sigaction, SIGUSR1, NULL, &ka, 8);
	CHECK("disposition back to SIG_DFL", ka.handler == SIG_DFL);
	CHECK_EQX("flags then (SA_RESETHAND stays)", ka.flags & ~K_SA_RESTORER,
		  SA_SIGINFO | SA_RESETHAND);
	ct_sigdfl(SIGUSR1);
}

/* Nesting: a signal raised in a handler runs in a frame below. */
static volatile uintptr_t frame1, frame2;
static volatile int depth, maxdepth, ncalls;

static void inner(int sig, siginfo_t *si, void *uc)
{
	volatile char here;

	frame2 = (uintptr_t)&here;
	rec(sig, si, uc);
}

static void outer(int sig, siginfo_t *si, void *uc)
{
	volatile char here;

	frame1 = (uintptr_t)&here;
	rec(sig, si, uc);
	if (++depth > maxdepth)
		maxdepth = depth;
	if (++ncalls < 3)
		kill(1, SIGUSR1);
	kill(1, SIGUSR2);
	rec(0, si, uc);
	depth--;
}

CONTRACT_TEST(nested)
{
	reset_seen();
	depth = maxdepth = ncalls = 0;
	ct_sigaction(SIGUSR1, outer, 0, 0);
	ct_sigaction(SIGUSR2, inner, 0, 0);
	kill(1, SIGUSR1);
	CHECK("the inner handler's frame is below the outer's",
	      frame2 < frame1);
	CHECK_STR("sequence (0: outer handler ends)", seen_list(),
		  "SIGUSR1 SIGUSR2 0 SIGUSR1 SIGUSR2 0 SIGUSR1 SIGUSR2 0");
	CHECK_EQ("SIGUSR1 raised in its handler waits: depth", maxdepth, 1);
	reset_seen();
	depth = maxdepth = ncalls = 0;
	ct_sigaction(SIGUSR1, outer, SA_NODEFER, 0);
	kill(1, SIGUSR1);
	CHECK_EQ("with SA_NODEFER it nests: depth", maxdepth, 3);
	ct_sigdfl(SIGUSR1);
	ct_sigdfl(SIGUSR2);
}

/* --- sigaltstack ----------------------------------------------------- */

static volatile uintptr_t handler_sp;
static volatile int alt_flags, alt_change;

static void on_alt(int sig, siginfo_t *si, void *uc)
{
	volatile char here;
	stack_t cur, ss = { NULL, 0, 65536 };

	handler_sp = (uintptr_t)&here;
	SS(NULL, &cur);
	alt_flags = cur.ss_flags;
	ss.ss_sp = cur.ss_sp;
	alt_change = SS(&ss, NULL) ? errno : 0;
}

CONTRACT_TEST(sigaltstack_errors)
{
	char *mem = ct_map(16 * PG, PROT_READ | PROT_WRITE);
	stack_t ss = { mem, 0, 2047 }, old;

	CHECK_RET("query", SS(NULL, &old), 0);
	CHECK_EQ("initially SS_DISABLE", old.ss_flags, SS_DISABLE);
	CHECK_EQ("initial size", old.ss_size, 0);
	CHECK_ERR("size 2047 (< MINSIGSTKSZ)", SS(&ss, NULL), ENOMEM);
	ss.ss_size = 2048;
	CHECK_RET("size 2048", SS(&ss, NULL), 0);
	ss.ss_flags = 0x10;
	CHECK_ERR("flags 0x10", SS(&ss, NULL), EINVAL);
	ss.ss_flags = SS_ONSTACK;
	CHECK_RET("flags SS_ONSTACK (accepted, means 0)", SS(&ss, &old), 0);
	CHECK("old stack returned", old.ss_sp == mem && old.ss_size == 2048);
	ss.ss_flags = SS_DISABLE;
	ss.ss_size = 1;
	CHECK_RET("SS_DISABLE with size 1 (size ignored)", SS(&ss, NULL), 0);
	SS(NULL, &old);
	CHECK_EQ("disabled", old.ss_flags, SS_DISABLE);
	CHECK_ERR("bad pointer", SS(BAD_LOW, NULL), EFAULT);
	munmap(mem, 16 * PG);
}

CONTRACT_TEST(sigaltstack_delivery)
{
	char *mem = ct_map(16 * PG, PROT_READ | PROT_WRITE);
	stack_t ss = { mem, 0, 16 * PG }, off = { NULL, SS_DISABLE, 0 };
	volatile char here;

	SS(&ss, NULL);
	ct_sigaction(SIGUSR1, on_alt, SA_ONSTACK, 0);
	kill(1, SIGUSR1);
	CHECK("SA_ONSTACK handler runs on the alternate stack",
	      handler_sp >= (uintptr_t)mem &&
		      handler_sp < (uintptr_t)mem + 16 * PG);
	CHECK_EQ("sigaltstack in the handler says SS_ONSTACK", alt_flags,
		 SS_ONSTACK);
	CHECK_STR("changing it there", ct_errname(alt_change), "EPERM");
	ct_sigaction(SIGUSR1, on_alt, 0, 0);
	kill(1, SIGUSR1);
	CHECK("without SA_ONSTACK: the normal stack",
	      handler_sp < (uintptr_t)&here &&
		      handler_sp > (uintptr_t)&here - 65536);
	CHECK_EQ("flags there", alt_flags, 0);
	ss.ss_flags = SS_AUTODISARM;
	CHECK_RET("SS_AUTODISARM", SS(&ss, NULL), 0);
	ct_sigaction(SIGUSR1, on_alt, SA_ONSTACK, 0);
	kill(1, SIGUSR1);
	CHECK("on the alternate stack",
	      handler_sp >= (uintptr_t)mem &&
		      handler_sp < (uintptr_t)mem + 16 * PG);
	CHECK_EQ("in the handler it reads disabled", alt_flags, SS_DISABLE);
	SS(NULL, &ss);
	CHECK_EQ("restored after the handler", ss.ss_flags, (int)SS_AUTODISARM);
	SS(&off, NULL);
	ct_sigdfl(SIGUSR1);
	munmap(mem, 16 * PG);
}

/* --- interrupted system calls ---------------------------------------- */

static volatile int alarms;

static void on_alarm(int s)
{
	alarms++;
}

static int alarm_fd = -1;

static void alarm_writes(int s)
{
	alarms++;
	write(alarm_fd, "late", 4);
}

CONTRACT_TEST(sa_restart_read)
{
	int p[2];
	char buf[8];

	ct_pipe(p);
	alarms = 0;
	ct_sigsimple(SIGALRM, on_alarm, 0);
	if (ct_arm_ms(10))
		goto out;
	CHECK_ERR("read of an empty pipe, handler without SA_RESTART",
		  read(p[0], buf, sizeof(buf)), EINTR);
	/* the handler writes to the pipe: the restarted read gets it */
	alarm_fd = p[1];
	ct_sigsimple(SIGALRM, alarm_writes, SA_RESTART);
	if (ct_arm_ms(10))
		goto out;
	CHECK_RET("with SA_RESTART: the read goes on and gets the data",
		  read(p[0], buf, sizeof(buf)), 4);
	CHECK_EQ("handler runs", alarms, 2);
out:
	ct_sigdfl(SIGALRM);
	close(p[0]);
	close(p[1]);
}

CONTRACT_TEST(nanosleep_eintr)
{
	struct timespec ts = { 1, 0 }, rem = { -1, -1 };

	alarms = 0;
	ct_sigsimple(SIGALRM, on_alarm, SA_RESTART);
	ct_arm_ms(10);
	CHECK_ERR("nanosleep (SA_RESTART does not apply)",
		  syscall(SYS_nanosleep, &ts, &rem), EINTR);
	CHECK("remaining time written, below 1 s",
	      rem.tv_sec == 0 && rem.tv_nsec > 0);
	if (ct_arm_ms(10) == 0)
		CHECK_ERR("pause", syscall(SYS_pause), EINTR);
	ct_arm_ms(10);
	ts.tv_sec = 1;
	CHECK_RET("clock_nanosleep (returns the error)",
		  clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &rem), EINTR);
	CHECK_EQ("handler runs", alarms, 3);
	ct_sigdfl(SIGALRM);
}

/* A stop and continue without a handler restarts the sleep
 * (restart_syscall): the child sees nanosleep return 0. */
CONTRACT_TEST(restart_after_stop)
{
	int p[2];
	long r = -2;
	pid_t pid;

	ct_pipe(p);
	pid = ct_fork();
	if (pid == 0) {
		struct timespec ts = { 0, 150000000 };
		long v = syscall(SYS_nanosleep, &ts, NULL);

		write(p[1], &v, sizeof(v));
		_exit(0);
	}
	if (pid == CT_NOPID)
		goto out;
	ct_msleep(30);
	kill(pid, SIGSTOP);
	syscall(SYS_wait4, pid, NULL, WUNTRACED, NULL);
	kill(pid, SIGCONT);
	read(p[0], &r, sizeof(r));
	CHECK_EQ("the child's nanosleep result", r, 0);
	ct_wait(pid);
out:
	close(p[0]);
	close(p[1]);
}

CONTRACT_TEST(sigsuspend)
{
	uint64_t empty = 0, usr1 = CT_SIGBIT(SIGUSR1);

	reset_seen();
	alarms = 0;
	ct_sigaction(SIGUSR1, rec, 0, 0);
	ct_sigsimple(SIGALRM, on_alarm, 0);
	ct_block(CT_SIGBIT(SIGUSR1));
	kill(1, SIGUSR1);
	/* (only with it pending: nothing else would end the wait) */
	CHECK_ERR("rt_sigsuspend(empty) with SIGUSR1 pending",
		  ct_pending() ? syscall(SYS_rt_sigsuspend, &empty, 8) : 0,
		  EINTR);
	CHECK_STR("handled", seen_list(), "SIGUSR1");
	CHECK_EQX("mask restored", ct_getmask(), CT_SIGBIT(SIGUSR1));
	reset_seen();
	kill(1, SIGUSR1);
	CHECK_ERR("rt_sigsuspend(USR1) until SIGALRM",
		  ct_arm_ms(10) ? 0 : syscall(SYS_rt_sigsuspend, &usr1, 8),
		  EINTR);
	CHECK_EQ("SIGALRM handled", alarms, 1);
	CHECK_STR("SIGUSR1 not", seen_list(), "none");
	CHECK_ERR("sigsetsize 4", syscall(SYS_rt_sigsuspend, &empty, 4),
		  EINVAL);
	ct_setmask(0);
	CHECK_STR("SIGUSR1 once unblocked", seen_list(), "SIGUSR1");
	ct_sigdfl(SIGUSR1);
	ct_sigdfl(SIGALRM);
}

CONTRACT_TEST(sigtimedwait)
{
	uint64_t set = CT_SIGBIT(SIGUSR1) | CT_SIGBIT(40);
	struct timespec zero = { 0, 0 }, ten = { 0, 10000000 },
			bad = { 0, 1000000000 };
	siginfo_t si;

	ct_block(set);
	kill(1, SIGUSR1);
	sigqueue_self(40, 77);
	memset(&si, 0, sizeof(si));
	CHECK_RET("takes SIGUSR1",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 8), SIGUSR1);
	CHECK_EQ("si_code", si.si_code, SI_USER);
	CHECK_RET("then the real-time one",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 8), 40);
	CHECK_EQ("si_value", si.si_value.sival_int, 77);
	CHECK_ERR("none left, timeout 0",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 8), EAGAIN);
	CHECK_ERR("timeout 10 ms",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &ten, 8), EAGAIN);
	CHECK_ERR("tv_nsec 1e9",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &bad, 8), EINVAL);
	CHECK_ERR("sigsetsize 4",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 4), EINVAL);
	alarms = 0;
	ct_sigsimple(SIGALRM, on_alarm, SA_RESTART);
	CHECK_ERR("interrupted by a handled signal (SA_RESTART or not)",
		  ct_arm_ms(10)
			  ? 0
			  : syscall(SYS_rt_sigtimedwait, &set, &si, NULL, 8),
		  EINTR);
	CHECK_EQ("handler ran", alarms, 1);
	ct_setmask(0);
	ct_sigdfl(SIGALRM);
}

/*
 * A signal that would kill (SIG_DFL) stays pending while blocked, sent
 * to the thread (tgkill) or to the process; a blocked one that
 * rt_sigtimedwait waits for is taken there, not fatal.
 */
static void fatal_blocked(void *arg)
{
	uint64_t set = CT_SIGBIT(SIGUSR2) | CT_SIGBIT(SIGTERM);
	struct timespec zero = { 0, 0 };
	siginfo_t si;

	ct_block(set);
	CHECK_RET("tgkill(self, self, SIGUSR2)",
		  syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid),
			  SIGUSR2),
		  0);
	CHECK_RET("kill(self, SIGTERM)", kill(getpid(), SIGTERM), 0);
	CHECK_EQX("both pending", ct_pending(), set);
	CHECK_RET("takes SIGUSR2",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 8), SIGUSR2);
	CHECK_RET("takes SIGTERM",
		  syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 8), SIGTERM);
}

/* A child that waits in rt_sigtimedwait for SIGTERM, blocked: exits 0
 * when it got it. */
static void wait_for_term(int *p)
{
	uint64_t set = CT_SIGBIT(SIGTERM);

	ct_block(set);
	write(p[1], "r", 1);
	_exit(syscall(SYS_rt_sigtimedwait, &set, NULL, NULL, 8) == SIGTERM ? 0
									   : 1);
}

static void term_waiter(void)
{
	int p[2];
	pid_t pid;
	char c;

	EXPECT(pipe(p) == 0);
	pid = ct_fork();
	if (pid == 0)
		wait_for_term(p);
	EXPECT(read(p[0], &c, 1) == 1);
	ct_msleep(20);
	kill(pid, SIGTERM);
	CHECK_STR("a process's SIGTERM, to its waiter", ct_status(ct_wait(pid)),
		  "exited 0");
	close(p[0]);
	close(p[1]);
}

CONTRACT_TEST(fatal_blocked)
{
	ct_child_ok("blocked, sent twice", fatal_blocked, NULL);
	term_waiter();
}

/* --- default actions ------------------------------------------------- */

/* In a new session (an orphaned group): raise sig at SIG_DFL. */
static int default_action(int sig)
{
	pid_t pid = ct_fork();
	int st = -1;

	if (pid == 0) {
		setsid();
		ct_kill_self(sig);
		_exit(0);
	}
	syscall(SYS_wait4, pid, &st, WUNTRACED, NULL);
	if (WIFSTOPPED(st)) {
		kill(pid, SIGKILL);
		ct_wait(pid);
	}
	return st;
}

CONTRACT_TEST(default_actions)
{
	static const char *const want[] = {
		[SIGHUP] = "killed SIGHUP",    [SIGINT] = "killed SIGINT",
		[SIGQUIT] = "killed SIGQUIT",  [SIGILL] = "killed SIGILL",
		[SIGTRAP] = "killed SIGTRAP",  [SIGABRT] = "killed SIGABRT",
		[SIGBUS] = "killed SIGBUS",    [SIGFPE] = "killed SIGFPE",
		[SIGKILL] = "killed SIGKILL",  [SIGUSR1] = "killed SIGUSR1",
		[SIGSEGV] = "killed SIGSEGV",  [SIGUSR2] = "killed SIGUSR2",
		[SIGPIPE] = "killed SIGPIPE",  [SIGALRM] = "killed SIGALRM",
		[SIGTERM] = "killed SIGTERM",  [SIGSTKFLT] = "killed SIGSTKFLT",
		[SIGCHLD] = "exited 0",	       [SIGCONT] = "exited 0",
		[SIGSTOP] = "stopped SIGSTOP", [SIGTSTP] = "exited 0",
		[SIGTTIN] = "exited 0",	       [SIGTTOU] = "exited 0",
		[SIGURG] = "exited 0",	       [SIGXCPU] = "killed SIGXCPU",
		[SIGXFSZ] = "killed SIGXFSZ",  [SIGVTALRM] = "killed SIGVTALRM",
		[SIGPROF] = "killed SIGPROF",  [SIGWINCH] = "exited 0",
		[SIGIO] = "killed SIGIO",      [SIGPWR] = "killed SIGPWR",
		[SIGSYS] = "killed SIGSYS",
	};

	for (int s = 1; s < 32; s++)
		CHECK_STR(ct_signame(s), ct_status(default_action(s)), want[s]);
	CHECK_STR("SIGRT0", ct_status(default_action(32)), "killed SIGRT0");
	CHECK_STR("SIGRT32", ct_status(default_action(64)), "killed SIGRT32");
}

/* SIGCONT discards pending stop signals and a stop signal a pending
 * SIGCONT, even when blocked. */
static void stopcont(void *arg)
{
	ct_block(CT_SIGBIT(SIGTSTP) | CT_SIGBIT(SIGCONT) | CT_SIGBIT(SIGTTIN));
	ct_kill_self(SIGTSTP);
	ct_kill_self(SIGTTIN);
	CHECK_EQX("TSTP and TTIN pending", ct_pending(),
		  CT_SIGBIT(SIGTSTP) | CT_SIGBIT(SIGTTIN));
	ct_kill_self(SIGCONT);
	CHECK_EQX("after SIGCONT: only CONT", ct_pending(), CT_SIGBIT(SIGCONT));
	ct_kill_self(SIGTSTP);
	CHECK_EQX("after SIGTSTP: only TSTP", ct_pending(), CT_SIGBIT(SIGTSTP));
	ct_sigign(SIGTSTP);
	CHECK_EQX("SIG_IGN discards it", ct_pending(), 0);
	ct_kill_self(SIGWINCH);
	CHECK_EQX("SIGWINCH at SIG_DFL (ignore) is not even queued unless "
		  "blocked",
		  ct_pending(), 0);
	ct_block(CT_SIGBIT(SIGWINCH));
	ct_kill_self(SIGWINCH);
	CHECK_EQX("blocked: queued", ct_pending(), CT_SIGBIT(SIGWINCH));
}

CONTRACT_TEST(stop_cont_pending)
{
	ct_child_ok("child", stopcont, NULL);
}

static void cont_handler(void *arg)
{
	int *p = arg;

	reset_seen();
	ct_sigaction(SIGCONT, rec, 0, 0);
	write(p[1], "r", 1);
	for (int i = 0; i < 200 && !nseen; i++)
		ct_msleep(5);
	CHECK_STR("handled after the stop", seen_list(), "SIGCONT");
}

CONTRACT_TEST(cont_handler)
{
	int p[2], st;
	char c;
	pid_t pid;

	ct_pipe(p);
	pid = ct_fork();
	if (pid == 0) {
		cont_handler(p);
		_exit(nseen == 1 ? 0 : 1);
	}
	if (pid != CT_NOPID)
		read(p[0], &c, 1);
	kill(pid, SIGSTOP);
	syscall(SYS_wait4, pid, &st, WUNTRACED, NULL);
	CHECK_STR("stopped", ct_status(st), "stopped SIGSTOP");
	kill(pid, SIGCONT);
	CHECK_STR("then", ct_status(ct_wait(pid)), "exited 0");
	close(p[0]);
	close(p[1]);
}

/* x86-64 needs SA_RESTORER: without it the frame cannot be set up and
 * the process dies of SIGSEGV. */
static void no_restorer(void *arg)
{
	struct ct_kact ka = { (void *)on_alarm, 0, NULL, 0 };

	syscall(SYS_rt_sigaction, SIGUSR1, &ka, NULL, 8);
	ct_kill_self(SIGUSR1);
	_exit(0);
}

CONTRACT_TEST(no_restorer)
{
	char buf[16];

	CHECK_STR("status",
		  ct_status(ct_capture(no_restorer, NULL, buf, sizeof(buf))),
		  "killed SIGSEGV");
}

/* RLIMIT_SIGPENDING counts queued signals per user; kill() of a
 * real-time signal may exceed it, rt_sigqueueinfo may not. */
static void sigpending_limit(void *arg)
{
	struct rlimit rl = { 2, 2 };
	uint64_t set = CT_SIGBIT(40);

	setrlimit(RLIMIT_SIGPENDING, &rl);
	setuid(23456);
	ct_block(set);
	CHECK_RET("queue 1", sigqueue_self(40, 1), 0);
	CHECK_RET("queue 2", sigqueue_self(40, 2), 0);
	CHECK_ERR("queue 3", sigqueue_self(40, 3), EAGAIN);
	CHECK_RET("kill() of the same signal (accepted, nothing queued)",
		  kill(getpid(), 40), 0);
	int n = 0;
	struct timespec zero = { 0, 0 };

	while (syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, 8) == 40)
		n++;
	CHECK_EQ("queued", n, 2);
}

CONTRACT_TEST(sigpending_limit)
{
	ct_child_ok("child", sigpending_limit, NULL);
}

CONTRACT_TEST(zombie)
{
	pid_t pid = ct_fork_exit(0, 0);
	siginfo_t si;

	syscall(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, NULL);
	CHECK_RET("kill(zombie, 0)", kill(pid, 0), 0);
	CHECK_RET("kill(zombie, SIGKILL)", kill(pid, SIGKILL), 0);
	CHECK_STR("status unchanged", ct_status(ct_wait(pid)), "exited 0");
	CHECK_ERR("kill(reaped, 0)", kill(pid, 0), ESRCH);
}

/* Non-root: signals to processes of the same user only. */
static void perms(void *arg)
{
	pid_t other = *(pid_t *)arg;

	setresuid(1000, 1000, 1000);
	CHECK_ERR("uid 1000 to a root process", kill(other, 0), EPERM);
	CHECK_ERR("to init", kill(1, SIGTERM), EPERM);
	CHECK_RET("to itself", kill(getpid(), 0), 0);
	pid_t c = ct_fork();

	if (c == 0) {
		ct_msleep(50);
		_exit(0);
	}
	CHECK_RET("to its own child", kill(c, 0), 0);
	ct_wait(c);
}

CONTRACT_TEST(kill_permissions)
{
	pid_t other = ct_fork();

	if (other == 0) {
		ct_msleep(100);
		_exit(0);
	}
	ct_child_ok("child", perms, &other);
	ct_wait(other);
}

/* ---- SIGIO: O_ASYNC files signal their owner (F_SETOWN) ---------------- */

static volatile int io_n, io_code, io_fd;
static volatile long io_band;

static void io_rec(int sig, siginfo_t *si, void *uc)
{
	io_n++;
	io_code = si->si_code;
	io_band = si->si_band;
	io_fd = si->si_fd;
}

/* A pipe: readers hear of writes, writers of reads and of the close. */
CONTRACT_TEST(sigio_pipe)
{
	int p[2];
	char b[4];

	io_n = 0;
	ct_sigaction(SIGIO, io_rec, 0, 0);
	ct_sigign(SIGPIPE);
	if (ct_pipe(p))
		return;
	write(p[1], "x", 1);
	CHECK_EQ("no O_ASYNC: nothing", io_n, 0);
	CHECK_RET("F_SETFL O_ASYNC, read end", fcntl(p[0], F_SETFL, O_ASYNC),
		  0);
	write(p[1], "x", 1);
	CHECK_EQ("no owner: nothing", io_n, 0);
	CHECK_RET("F_SETOWN self", fcntl(p[0], F_SETOWN, getpid()), 0);
	CHECK_EQ("setting the owner sends nothing", io_n, 0);
	write(p[1], "x", 1);
	CHECK_EQ("a write: SIGIO before write returns", io_n, 1);
	CHECK_EQ("si_code SI_KERNEL", io_code, SI_KERNEL);
	write(p[1], "x", 1);
	CHECK_EQ("another write, data already there: another", io_n, 2);
	read(p[0], b, 1);
	CHECK_EQ("a read: not to the read end", io_n, 2);
	CHECK_RET("F_SETFL O_ASYNC, write end", fcntl(p[1], F_SETFL, O_ASYNC),
		  0);
	CHECK_RET("F_SETOWN self", fcntl(p[1], F_SETOWN, getpid()), 0);
	read(p[0], b, 1);
	CHECK_EQ("a read: to the write end", io_n, 3);
	write(p[1], "x", 1);
	CHECK_EQ("a write: to the read end", io_n, 4);
	CHECK_RET("F_SETFL 0, read end", fcntl(p[0], F_SETFL, 0), 0);
	write(p[1], "x", 1);
	CHECK_EQ("O_ASYNC off: nothing", io_n, 4);
	close(p[0]);
	CHECK_EQ("the read end's close: to the write end", io_n, 5);
	CHECK_ERR("write, no reader", write(p[1], "x", 1), EPIPE);
	CHECK_EQ("EPIPE: nothing", io_n, 5);
	close(p[1]);
	ct_sigdfl(SIGPIPE);
	ct_sigdfl(SIGIO);
}

/* A stream socket: data, the peer's shutdown and close, room after a
 * full send buffer; not reads and writes otherwise. */
CONTRACT_TEST(sigio_socket)
{
	static char big[16384];
	int sv[2];
	char b[4];

	io_n = 0;
	ct_sigaction(SIGIO, io_rec, 0, 0);
	CHECK_RET("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_RET("F_SETOWN self", fcntl(sv[0], F_SETOWN, getpid()), 0);
	CHECK_RET("ioctl FIOASYNC", ioctl(sv[0], FIOASYNC, &(int){ 1 }), 0);
	write(sv[1], "y", 1);
	CHECK_EQ("the peer writes", io_n, 1);
	read(sv[0], b, 1);
	CHECK_EQ("it reads", io_n, 1);
	write(sv[0], "z", 1);
	CHECK_EQ("it writes", io_n, 1);
	read(sv[1], b, 1);
	CHECK_EQ("the peer reads", io_n, 1);
	/* Room coming back signals once a send found none. */
	fcntl(sv[0], F_SETFL, O_ASYNC | O_NONBLOCK);
	while (write(sv[0], big, sizeof(big)) > 0)
		;
	CHECK_EQ("it fills the socket", io_n, 1);
	while (recv(sv[1], big, sizeof(big), MSG_DONTWAIT) > 0)
		;
	CHECK_EQ("the peer empties it: room", io_n, 2);
	write(sv[0], "z", 1);
	read(sv[1], b, 1);
	CHECK_EQ("the peer reads again", io_n, 2);
	shutdown(sv[1], SHUT_WR);
	CHECK_EQ("the peer shuts down writing", io_n, 3);
	close(sv[1]);
	CHECK_EQ("the peer closes", io_n, 4);
	close(sv[0]);
	ct_sigdfl(SIGIO);
}

/* F_SETSIG: that signal instead, with the reason, band and fd. */
CONTRACT_TEST(sigio_setsig)
{
	int p[2], rt = 40, tid = (int)syscall(SYS_gettid);
	struct f_owner_ex ex = { F_OWNER_TID, tid };
	char b[4];

	io_n = 0;
	ct_sigaction(rt, io_rec, 0, 0);
	if (ct_pipe(p))
		return;
	CHECK_RET("F_GETSIG, new", fcntl(p[0], F_GETSIG), 0);
	CHECK_ERR("F_SETSIG 65", fcntl(p[0], F_SETSIG, 65), EINVAL);
	CHECK_RET("F_SETSIG 40", fcntl(p[0], F_SETSIG, rt), 0);
	CHECK_RET("F_GETSIG", fcntl(p[0], F_GETSIG), rt);
	CHECK_RET("F_SETOWN_EX thread", fcntl(p[0], F_SETOWN_EX, &ex), 0);
	CHECK_RET("F_SETFL O_ASYNC", fcntl(p[0], F_SETFL, O_ASYNC), 0);
	write(p[1], "x", 1);
	CHECK_EQ("delivered", io_n, 1);
	CHECK_EQ("si_code POLL_IN", io_code, POLL_IN);
	CHECK_EQX("si_band", io_band, POLLIN | POLLRDNORM);
	CHECK_EQ("si_fd", io_fd, p[0]);
	CHECK_RET("F_SETSIG 40, write end", fcntl(p[1], F_SETSIG, rt), 0);
	CHECK_RET("F_SETOWN self", fcntl(p[1], F_SETOWN, getpid()), 0);
	CHECK_RET("F_SETFL O_ASYNC", fcntl(p[1], F_SETFL, O_ASYNC), 0);
	read(p[0], b, 1);
	CHECK_EQ("delivered", io_n, 2);
	CHECK_EQ("si_code POLL_OUT", io_code, POLL_OUT);
	CHECK_EQX("si_band", io_band, POLLOUT | POLLWRNORM | POLLWRBAND);
	CHECK_EQ("si_fd", io_fd, p[1]);
	close(p[0]);
	close(p[1]);
	ct_sigdfl(rt);
}

/* The child: block SIGIO, say ready, wait for it (5 s at most). */
static void sigio_wait(void *arg)
{
	int *ready = arg;

	io_n = 0;
	ct_sigaction(SIGIO, io_rec, 0, 0);
	ct_block(CT_SIGBIT(SIGIO));
	write(ready[1], "r", 1);
	ct_arm_ms(5000);
	while (!io_n)
		ct_raw(SYS_rt_sigsuspend, (long)&(uint64_t){ 0 }, 8, 0, 0, 0,
		       0);
	_exit(io_code == SI_KERNEL ? 0 : 1);
}

/* Another process, and a process group, as the owner. */
CONTRACT_TEST(sigio_other)
{
	int sv[2], ready[2];
	pid_t c;
	char b;

	CHECK_RET("socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	for (int grp = 0; grp < 2; grp++) {
		if (ct_pipe(ready))
			return;
		c = ct_fork();
		if (c == 0) {
			setpgid(0, 0);
			sigio_wait(ready); /* exits 0 once SIGIO came */
		}
		read(ready[0], &b, 1);
		setpgid(c, c);
		CHECK_RET("F_SETOWN", fcntl(sv[0], F_SETOWN, grp ? -c : c), 0);
		CHECK_RET("F_SETFL O_ASYNC", fcntl(sv[0], F_SETFL, O_ASYNC), 0);
		send(sv[1], "d", 1, 0);
		CHECK_EQ(grp ? "the group's process got SIGIO, SI_KERNEL"
			     : "the process got SIGIO, SI_KERNEL",
			 ct_wait(c), 0);
		fcntl(sv[0], F_SETFL, 0);
		recv(sv[0], &b, 1, 0);
		close(ready[0]);
		close(ready[1]);
	}
	close(sv[0]);
	close(sv[1]);
}

/* Who set the owner must be allowed to signal it: uid 1000 cannot make
 * a write signal root. */
static void sigio_setter(void *arg)
{
	int *p = arg;

	setresuid(1000, 1000, 1000);
	CHECK_RET("uid 1000: F_SETOWN to root's process",
		  fcntl(p[0], F_SETOWN, getppid()), 0);
}

CONTRACT_TEST(sigio_perm)
{
	int p[2];

	io_n = 0;
	ct_sigaction(SIGIO, io_rec, 0, 0);
	if (ct_pipe(p))
		return;
	CHECK_RET("F_SETFL O_ASYNC", fcntl(p[0], F_SETFL, O_ASYNC), 0);
	ct_child_ok("child", sigio_setter, p);
	CHECK_RET("F_GETOWN", fcntl(p[0], F_GETOWN), getpid());
	write(p[1], "x", 1);
	CHECK_EQ("not signalled", io_n, 0);
	CHECK_RET("F_SETOWN self", fcntl(p[0], F_SETOWN, getpid()), 0);
	write(p[1], "x", 1);
	CHECK_EQ("set by root: signalled", io_n, 1);
	close(p[0]);
	close(p[1]);
	ct_sigdfl(SIGIO);
}

#define DN_DIR "/tmp/dn"

/* dnotify: fcntl(F_NOTIFY) on a directory signals its owner. */
CONTRACT_TEST(dnotify)
{
	int d, f, g, rt = 41, n;
	char b[4];

	io_n = 0;
	ct_sigaction(SIGIO, io_rec, 0, 0);
	ct_sigaction(rt, io_rec, 0, 0);
	mkdir(DN_DIR, 0755);
	d = open(DN_DIR, O_RDONLY | O_DIRECTORY);
	f = open("/tmp/dn-file", O_RDWR | O_CREAT, 0644);
	CHECK_ERR("a file: ENOTDIR", fcntl(f, F_NOTIFY, DN_CREATE), ENOTDIR);
	CHECK_RET("F_NOTIFY 0 with nothing set", fcntl(d, F_NOTIFY, 0), 0);
	CHECK_RET("F_GETOWN before", fcntl(d, F_GETOWN), 0);
	CHECK_RET("F_NOTIFY DN_CREATE", fcntl(d, F_NOTIFY, DN_CREATE), 0);
	CHECK_RET("F_GETOWN: the caller", fcntl(d, F_GETOWN), getpid());
	close(open(DN_DIR "/a", O_WRONLY | O_CREAT, 0644));
	CHECK_EQ("create: SIGIO", io_n, 1);
	CHECK_EQ("si_code SI_KERNEL", io_code, SI_KERNEL);
	close(open(DN_DIR "/b", O_WRONLY | O_CREAT, 0644));
	CHECK_EQ("once only without DN_MULTISHOT", io_n, 1);
	CHECK_RET("F_SETSIG", fcntl(d, F_SETSIG, rt), 0);
	CHECK_RET("F_NOTIFY DN_DELETE|DN_RENAME|DN_MULTISHOT",
		  fcntl(d, F_NOTIFY, DN_DELETE | DN_RENAME | DN_MULTISHOT), 0);
	CHECK_RET("F_NOTIFY DN_MODIFY|DN_MULTISHOT adds",
		  fcntl(d, F_NOTIFY, DN_MODIFY | DN_MULTISHOT), 0);
	unlink(DN_DIR "/a");
	CHECK_EQ("unlink", io_n, 2);
	CHECK_EQ("si_code POLL_MSG", io_code, POLL_MSG);
	CHECK_EQX("si_band", io_band, POLLIN | POLLRDNORM | POLLMSG);
	CHECK_EQ("si_fd", io_fd, d);
	rename(DN_DIR "/b", DN_DIR "/c");
	n = io_n;
	CHECK_EQ("rename in the directory: DN_DELETE, DN_RENAME", n, 4);
	g = open(DN_DIR "/c", O_RDWR);
	write(g, "x", 1);
	CHECK_EQ("write a file in it", io_n, n + 1);
	lseek(g, 0, SEEK_SET);
	read(g, b, 1);
	CHECK_EQ("read: no DN_ACCESS asked", io_n, n + 1);
	chmod(DN_DIR "/c", 0600);
	CHECK_EQ("chmod: no DN_ATTRIB asked", io_n, n + 1);
	close(open(DN_DIR "/d", O_WRONLY | O_CREAT, 0644));
	CHECK_EQ("DN_CREATE fired once: gone", io_n, n + 1);
	CHECK_RET("F_NOTIFY 0", fcntl(d, F_NOTIFY, 0), 0);
	unlink(DN_DIR "/c");
	CHECK_EQ("removed: nothing", io_n, n + 1);
	CHECK_RET("F_NOTIFY DN_DELETE|DN_MULTISHOT",
		  fcntl(d, F_NOTIFY, DN_DELETE | DN_MULTISHOT), 0);
	close(dup(d));
	unlink(DN_DIR "/d");
	CHECK_EQ("closing a dup of it ends it", io_n, n + 1);
	close(d);
	close(f);
	close(g);
	unlink("/tmp/dn-file");
	rmdir(DN_DIR);
	ct_sigdfl(SIGIO);
	ct_sigdfl(rt);
}
