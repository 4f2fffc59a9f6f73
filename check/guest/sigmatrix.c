/*
 * The signal matrix: every catchable signal (1-64 but SIGKILL and
 * SIGSTOP, real-time ones included, installed with raw rt_sigaction so
 * no libc reserves any) x sa_flags (0, SA_SIGINFO, SA_NODEFER,
 * SA_RESETHAND, SA_SIGINFO|SA_RESTART) x blocked or not x sender (kill,
 * tgkill, rt_sigqueueinfo).  Each case checks: one delivery, the signal
 * number, si_code for the sender, the mask inside the handler (the signal
 * blocked unless SA_NODEFER), nothing left pending, the disposition after
 * SA_RESETHAND.  Then: two sends while blocked (standard signals
 * coalesce, real-time ones queue), and SIG_IGN (discarded, but queued
 * while blocked).  One line per block of cases, then the summary.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

struct kact {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

#define K_SA_RESTORER 0x04000000UL
#define BIT(s) (1ULL << ((s)-1))

void restorer(void);
__asm__(".text\n.globl restorer\nrestorer:\n\tmov $15, %eax\n\tsyscall\n");

static volatile int hits, last_sig, last_code, last_val;
static volatile uint64_t mask_inside;

static uint64_t getmask(void)
{
	uint64_t m = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
	return m;
}

static void setmask(uint64_t m)
{
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, 8);
}

static uint64_t pending(void)
{
	uint64_t p = 0;

	syscall(SYS_rt_sigpending, &p, 8);
	return p;
}

static void handler(int sig, siginfo_t *si, void *uc)
{
	hits++;
	last_sig = sig;
	last_code = si ? si->si_code : 99;
	last_val = si ? si->si_value.sival_int : 0;
	mask_inside = getmask();
}

static void plain(int sig)
{
	handler(sig, NULL, NULL);
}

static int install(int sig, unsigned long flags, void *h)
{
	struct kact ka = { h, flags | K_SA_RESTORER, (void *)restorer, 0 };

	return syscall(SYS_rt_sigaction, sig, &ka, NULL, 8);
}

static void *current_handler(int sig)
{
	struct kact ka;

	syscall(SYS_rt_sigaction, sig, NULL, &ka, 8);
	return ka.handler;
}

static long send(int how, int sig, int val)
{
	siginfo_t si;

	switch (how) {
	case 0:
		return syscall(SYS_kill, getpid(), sig);
	case 1:
		return syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
	default:
		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_code = SI_QUEUE;
		si.si_pid = getpid();
		si.si_value.sival_int = val;
		return syscall(SYS_rt_sigqueueinfo, getpid(), sig, &si);
	}
}

static const unsigned long flag_sets[] = {
	0, SA_SIGINFO, SA_NODEFER, SA_RESETHAND, SA_SIGINFO | SA_RESTART,
};
static const char *const flag_names[] = {
	"0",
	"SA_SIGINFO",
	"SA_NODEFER",
	"SA_RESETHAND",
	"SA_SIGINFO|SA_RESTART",
};
static const char *const senders[] = { "kill", "tgkill", "rt_sigqueueinfo" };
static const int codes[] = { SI_USER, SI_TKILL, SI_QUEUE };

static int catchable(int s)
{
	return s != SIGKILL && s != SIGSTOP;
}

/* One case; returns 1 if everything was as Linux does it. */
static int one(int sig, int f, int blocked, int how)
{
	unsigned long flags = flag_sets[f];
	int info = flags & SA_SIGINFO;
	int ok = 1;

	hits = 0;
	last_sig = 0;
	install(sig, flags, info ? (void *)handler : (void *)plain);
	if (blocked)
		setmask(BIT(sig));
	send(how, sig, sig * 100 + how);
	if (blocked) {
		ok &= hits == 0 && pending() == BIT(sig);
		setmask(0);
	}
	ok &= hits == 1 && last_sig == sig && pending() == 0;
	if (info) {
		ok &= last_code == codes[how];
		if (how == 2)
			ok &= last_val == sig * 100 + how;
	}
	ok &= (mask_inside & BIT(sig)) == (flags & SA_NODEFER ? 0 : BIT(sig));
	ok &= getmask() == 0;
	if (flags & SA_RESETHAND)
		ok &= current_handler(sig) == SIG_DFL;
	else
		ok &= current_handler(sig) != SIG_DFL;
	if (!ok)
		printf("FAIL: signal %d flags %s %s %s: hits %d sig %d code %d "
		       "mask %#llx\n",
		       sig, flag_names[f], blocked ? "blocked" : "unblocked",
		       senders[how], hits, last_sig, last_code,
		       (unsigned long long)mask_inside);
	install(sig, 0, SIG_DFL);
	return ok;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int f = 0; f < 5; f++) {
		for (int blocked = 0; blocked < 2; blocked++) {
			for (int how = 0; how < 3; how++) {
				int n = 0, good = 0;

				for (int s = 1; s <= 64; s++) {
					if (!catchable(s))
						continue;
					n++;
					good += one(s, f, blocked, how);
				}
				CHECK(good == n);
				printf("%-22s %-9s %-15s %d/%d\n",
				       flag_names[f],
				       blocked ? "blocked" : "unblocked",
				       senders[how], good, n);
			}
		}
	}

	/* two sends while blocked */
	int std_ok = 0, rt_ok = 0;

	for (int s = 1; s <= 64; s++) {
		if (!catchable(s))
			continue;
		hits = 0;
		install(s, SA_SIGINFO, (void *)handler);
		setmask(BIT(s));
		send(2, s, 1);
		send(2, s, 2);
		setmask(0);
		if (s < 32)
			std_ok += hits == 1;
		else
			rt_ok += hits == 2;
		install(s, 0, SIG_DFL);
	}
	CHECK(std_ok == 29 && rt_ok == 33);
	printf("sent twice while blocked: %d of 29 standard signals coalesced, "
	       "%d of 33 real-time ones queued twice\n",
	       std_ok, rt_ok);

	/* SIG_IGN */
	int ign_ok = 0;

	for (int s = 1; s <= 64; s++) {
		if (!catchable(s))
			continue;
		install(s, 0, SIG_IGN);
		send(0, s, 0);
		int ok = pending() == 0;

		setmask(BIT(s));
		send(0, s, 0);
		ok &= pending() == BIT(s); /* blocked: queued all the same */
		setmask(0);
		ok &= pending() == 0;
		ign_ok += ok;
		install(s, 0, SIG_DFL);
	}
	CHECK(ign_ok == 62);
	printf("SIG_IGN: %d of 62 discarded (queued only while blocked)\n",
	       ign_ok);
	return guest_done("sigmatrix");
}
