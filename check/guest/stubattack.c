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
 *   jump-into-stub   (attack 5) eight children, each with four threads
 *                    that jump to random offsets of the stub's code page
 *                    (where the doorbell site is) with random registers;
 *                    the child's main thread ends it after 300 ms.  Each
 *                    child dies or exits; the kernel must go on (a case
 *                    that takes it down fails)
 *   map-over-stub    (attack 7) mmap MAP_FIXED over the stub's first page
 *                    and over the first thread slot, munmap and mprotect
 *                    PROT_NONE of the whole reservation: the core refuses
 *                    or ignores each (the range is not the guest's), and
 *                    the stub must then be unchanged and serve a call and
 *                    a signal ("map-over-stub: FAILED" if not)
 *   forged-reply     (attack 2) the main thread blocks in the kernel while
 *                    a second thread rewrites its thread slot: first in
 *                    read() on a pipe (header garbage, the frame's rax
 *                    and rip forged, then 8 bytes written to the pipe),
 *                    then in pause() (a slow-path call, so a doorbell
 *                    frame: the real frame gets rip = evil(), a decoy
 *                    copy of it goes lower in the slot and the header's
 *                    frame_off points at the decoy; then SIGUSR1).  The
 *                    read must return the pipe's 8 bytes, pause() EINTR
 *                    after the handler, both back where they were called:
 *                    the kernel answers into the frame it validated, with
 *                    the whole register file.  A kernel that took the
 *                    frame's place from the slot when answering (the
 *                    defence removed) resumes the thread in evil(), which
 *                    exits 44: printed as "forged-reply: FAILED" even
 *                    without -v
 *   race-frame       (attack 3) the main thread makes slow-path calls
 *                    (sigaltstack, a signal every 64 calls) and fast-path
 *                    ones (getppid) in a loop while a second thread flips
 *                    one class of fields of its slot between the real
 *                    value and an invalid one as fast as it can: general
 *                    registers, rip and rsp, the selectors, the XSAVE
 *                    header, mxcsr, the fpstate pointer, the size and
 *                    magic fields of the XSAVE area and of the slot
 *                    header, uc_flags and uc_stack; one child per class.
 *                    Meanwhile a bystander process checks its own calls'
 *                    results.  The victim may end any way a process that
 *                    corrupts its own memory can (killed by a signal:
 *                    a malformed message, a bad frame at rt_sigreturn,
 *                    registers it did not expect; or exit 45 for a wrong
 *                    result); the kernel must stay up (valgrind clean),
 *                    every child must end, and the bystander must see
 *                    only right answers ("race-frame: FAILED" if not).
 *                    A kernel that did not check the header's frame
 *                    offset against the slot copies from outside it
 *                    (tried with the check removed: the kernel process
 *                    died of SIGSEGV in sc_recv during the sizes class,
 *                    so the case fails)
 *   forged-spin      (attack 8, only when the stub spins, KOS_HOSTED_SPIN:
 *                    the command area's spin budget is not 0) the main
 *                    thread makes a call, then at once rewrites the frame
 *                    its slot still holds into a read() of an empty pipe
 *                    and sets the slot's spin word to "stopped", and runs
 *                    on reading a page; the spinning kernel takes that
 *                    for a stop and blocks the thread in the read.  A
 *                    second thread, once /proc shows the main thread
 *                    asleep, munmaps the page the main thread reads.  The
 *                    kernel must not take the page away while a thread it
 *                    cannot vouch for runs: it asks the main thread to
 *                    ring its doorbell, which it does not, and kills its
 *                    stub after 2 s (the child dies of SIGSEGV, as for
 *                    any stub that fails).  Exit 47 (the
 *                    munmap returned) is "forged-spin: FAILED"; exit 49
 *                    means the kernel did not take the forged stop (it had
 *                    stopped spinning), tried three times
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STUB_BASE 0x100000UL
#define STUB_TEXT_END 0x180000UL
#define STUB_SLOTS 0x190000UL

/*
 * A thread slot (the stub's struct stub_tslot, then the thread's
 * alternate signal stack) and the frame in it (longs of the kernel's
 * struct ucontext): written from stub.h and the x86-64 signal ABI.
 */
#define SLOT_SIZE 16384UL
#define SLOT_HDR 256UL
struct slot_hdr {
	unsigned int kind, signo;
	unsigned long frame_off, info_off;
	unsigned long fsbase, gsbase, set_fsbase, set_gsbase;
};
#define UC_FLAGS 0
#define UC_SS_SP 2
#define UC_SS_SIZE 4
#define UC_GREG(r) (5 + (r))
#define G_RDI 8
#define G_RSI 9
#define G_RBX 11
#define G_RDX 12
#define G_RAX 13
#define G_RSP 15
#define G_RIP 16
#define G_CSGSFS 18
#define UC_FPSTATE 28
#define UC_LONGS 38

static int verbose;
static sigjmp_buf jb;
static size_t stub_text_len; /* what stub_text() could read */

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
	stub_text_len = n;
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

/* Is the first thread slot there (seccomp mode)? */
static int slots_mapped(void)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	volatile int ok = 0;

	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(jb, 1)) {
		(void)*(volatile unsigned int *)STUB_SLOTS;
		ok = 1;
	}
	sigaction(SIGSEGV, &old, NULL);
	return ok;
}

/* The frame slot 0's header names, or NULL if it names none. */
static volatile unsigned long *slot0_frame(void)
{
	volatile struct slot_hdr *h = (void *)STUB_SLOTS;
	unsigned long fo = h->frame_off;

	if (fo < SLOT_HDR || fo % 8 || fo > SLOT_SIZE - UC_LONGS * 8)
		return NULL;
	return (volatile unsigned long *)(STUB_SLOTS + fo);
}

static volatile int phase, framed;
static pid_t victim_tid;
static unsigned long evil_stack[512] __attribute__((aligned(16)));

/* Where a forged frame sends the victim. */
static void evil(void)
{
	_exit(44);
}

/* Point the frame uc at evil(), on evil_stack. */
static void aim_at_evil(volatile unsigned long *uc)
{
	uc[UC_GREG(G_RIP)] = (unsigned long)evil;
	uc[UC_GREG(G_RSP)] = (unsigned long)(evil_stack + 511); /* 8 mod 16 */
	uc[UC_GREG(G_RAX)] = 0x666;
}

static unsigned long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000UL + ts.tv_nsec / 1000000;
}

/* Attack 2's second thread: forge the blocked main thread's slot. */
static void *forger(void *arg)
{
	volatile struct slot_hdr *h = (void *)STUB_SLOTS;
	volatile unsigned long *uc, *decoy;
	unsigned long v = 0x1122334455667788UL;
	int *pfd = arg;

	while (phase != 1)
		usleep(1000);
	usleep(30000);
	/* Blocked in read(): a fast-path call has no frame; forge anyway. */
	uc = slot0_frame();
	if (uc)
		aim_at_evil(uc);
	h->kind = 0xdead;
	h->signo = 999;
	h->frame_off = 8;
	h->info_off = 1UL << 40;
	if (write(pfd[1], &v, sizeof(v)) != sizeof(v))
		_exit(49);
	while (phase != 2)
		usleep(1000);
	/*
	 * Blocked in pause(): a slow-path call, stopped at a doorbell whose
	 * SIGSYS frame has rax = SYS_pause (1 s at most: with one slot for
	 * both threads, KOS_HOSTED_STUBTHREADS=0, our own stops show).
	 */
	for (unsigned long end = now_ms() + 1000; now_ms() < end;) {
		uc = slot0_frame();
		if (uc && h->kind == 1 && h->signo == SIGSYS &&
		    uc[UC_GREG(G_RAX)] == SYS_pause)
			break;
		usleep(1000);
	}
	usleep(10000);
	uc = slot0_frame();
	if (uc && h->kind == 1 && h->signo == SIGSYS &&
	    uc[UC_GREG(G_RAX)] == SYS_pause &&
	    (unsigned long)uc >= STUB_SLOTS + SLOT_HDR + 2 * UC_LONGS * 8) {
		decoy = (volatile unsigned long *)(STUB_SLOTS + SLOT_HDR);
		for (int i = 0; i < UC_LONGS; i++)
			decoy[i] = uc[i];
		aim_at_evil(uc);
		h->frame_off = SLOT_HDR;
		framed = 1;
	}
	/* Again until pause() returned, should it not have begun yet. */
	for (int i = 0; phase == 2 && i < 50; i++) {
		syscall(SYS_tgkill, getpid(), victim_tid, SIGUSR1);
		usleep(20000);
	}
	return NULL;
}

/* Attack 2 (see the top): 0 if the kernel's answers alone counted. */
static void forged_reply(uintptr_t unused)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	volatile unsigned long canary = 0x5a5aa5a5cafef00dUL;
	unsigned long v = 0;
	pthread_t t;
	int pfd[2], r, e;

	alarm(10); /* up to ~2.5 s of waits below, on a loaded machine */
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(pfd) < 0)
		_exit(50);
	victim_tid = (pid_t)syscall(SYS_gettid);
	if (pthread_create(&t, NULL, forger, pfd))
		_exit(50);
	phase = 1;
	if (read(pfd[0], &v, sizeof(v)) != sizeof(v) ||
	    v != 0x1122334455667788UL)
		_exit(46);
	phase = 2;
	r = -1;
	e = EINTR;
	while (!usr1_seen && r == -1 && e == EINTR) {
		r = pause();
		e = errno;
	}
	phase = 3;
	if (r != -1 || e != EINTR || !usr1_seen ||
	    canary != 0x5a5aa5a5cafef00dUL)
		_exit(48);
	pthread_join(t, NULL);
	_exit(framed ? 0 : 47);
}

/* Attack 3's classes of fields (see the top). */
enum {
	RC_REGS,
	RC_RIPRSP,
	RC_SEGS,
	RC_XHDR,
	RC_MXCSR,
	RC_FPPTR,
	RC_SIZES,
	RC_UCSTACK,
	RC_N
};
static const char *const rc_names[RC_N] = {
	"registers", "rip-rsp",	    "selectors", "xsave-header",
	"mxcsr",     "fpstate-ptr", "sizes",	 "uc-stack",
};

/* Shared with the parent (MAP_SHARED): calls, signals, flips, framed. */
static volatile unsigned long *race_counts;
static volatile int race_stop;

/* Toggle the 64-bit word at p with mask. */
static void flip64(volatile void *p, unsigned long mask)
{
	*(volatile unsigned long *)p ^= mask;
}

static void flip32(volatile void *p, unsigned int mask)
{
	*(volatile unsigned int *)p ^= mask;
}

/* Attack 3's second thread: flip one class of the main thread's frame. */
static void *flipper(void *arg)
{
	volatile struct slot_hdr *h = (void *)STUB_SLOTS;
	int cls = (int)(long)arg;
	unsigned long n = 0, seen = 0, fo = 0;

	while (!race_stop) {
		volatile unsigned long *uc;
		volatile unsigned char *x;
		unsigned long fp, cur = h->frame_off;

		if (cls == RC_SIZES) {
			/* Every combination of the three, in turn. */
			flip64(&h->frame_off, 1UL << 40);
			if (n & 1)
				flip64(&h->info_off, 0x4000);
			if ((n & 3) == 3)
				flip32(&h->kind, 0x10);
		}
		if (cur >= SLOT_HDR && cur % 8 == 0 &&
		    cur <= SLOT_SIZE - UC_LONGS * 8)
			fo = cur;
		if (++n % 1024 == 0) {
			race_counts[2] = n;
			race_counts[3] = seen;
		}
		if (!fo)
			continue;
		seen++;
		uc = (volatile unsigned long *)(STUB_SLOTS + fo);
		fp = uc[UC_FPSTATE];
		x = fp >= STUB_SLOTS + SLOT_HDR &&
				    fp <= STUB_SLOTS + SLOT_SIZE - 1024
			    ? (volatile unsigned char *)fp
			    : NULL;
		switch (cls) {
		case RC_REGS:
			for (int r = 0; r < 15; r++)
				flip64(&uc[UC_GREG(r)], 0x8000000000000001UL);
			break;
		case RC_RIPRSP:
			flip64(&uc[UC_GREG(G_RIP)], 1UL << 62);
			flip64(&uc[UC_GREG(G_RSP)], 1UL << 62);
			break;
		case RC_SEGS:
			flip64(&uc[UC_GREG(G_CSGSFS)], 0xfffc00000000fffcUL);
			break;
		case RC_XHDR:
			if (x) {
				flip64(x + 512, 1UL << 62); /* xstate_bv */
				flip64(x + 520, 1UL << 63); /* xcomp_bv */
			}
			break;
		case RC_MXCSR:
			if (x)
				flip32(x + 24, 0xffff0000);
			break;
		case RC_FPPTR:
			flip64(&uc[UC_FPSTATE], 0x7ff000000000UL);
			break;
		case RC_SIZES:
			if (x) {
				flip32(x + 464, 1);	  /* magic1 */
				flip32(x + 468, 0x10000); /* extended_size */
				flip32(x + 480, 0x10000); /* xstate_size */
			}
			break;
		case RC_UCSTACK:
			flip64(&uc[UC_FLAGS], 0xff);
			flip64(&uc[UC_SS_SP], 0x10000000);
			flip64(&uc[UC_SS_SIZE], 1UL << 40);
			break;
		}
	}
	race_counts[2] = n;
	race_counts[3] = seen;
	return NULL;
}

static void count_usr1(int sig)
{
	race_counts[1]++;
}

/*
 * Attack 3 (see the top): calls for 300 ms while the second thread
 * flips; 0 if every result was right, 45 if not.
 */
static void race_frame(uintptr_t cls)
{
	struct sigaction sa = { .sa_handler = count_usr1 };
	pid_t ppid = getppid(), tid = (pid_t)syscall(SYS_gettid);
	unsigned long end;
	pthread_t t;
	int bad = 0;

	sigaction(SIGUSR1, &sa, NULL);
	if (pthread_create(&t, NULL, flipper, (void *)cls))
		_exit(50);
	end = now_ms() + 300;
	for (unsigned long i = 0; now_ms() < end; i++) {
		stack_t ss;

		if (syscall(SYS_sigaltstack, NULL, &ss) != 0 ||
		    ss.ss_flags != SS_DISABLE)
			bad++;
		if (syscall(SYS_getppid) != ppid)
			bad++;
		if (i % 64 == 0)
			syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
		race_counts[0] += 2;
	}
	race_stop = 1;
	pthread_join(t, NULL);
	_exit(bad ? 45 : 0);
}

/* Another process, checking its own calls' answers while attacks run. */
static pid_t bystander(int stop[2])
{
	pid_t pid = fork();

	if (pid == 0) {
		pid_t ppid = getppid();
		int pfd[2], bad = 0;
		char c;

		close(stop[1]);
		fcntl(stop[0], F_SETFL, O_NONBLOCK);
		if (pipe(pfd) < 0)
			_exit(50);
		/* Until the parent closes its end of stop. */
		for (unsigned long i = 0; read(stop[0], &c, 1) < 0; i++) {
			unsigned long v = 0;

			if (getppid() != ppid)
				bad++;
			if (write(pfd[1], &i, sizeof(i)) != sizeof(i) ||
			    read(pfd[0], &v, sizeof(v)) != sizeof(v) || v != i)
				bad++;
		}
		_exit(bad ? 49 : 0);
	}
	close(stop[0]);
	return pid;
}

/* Attack 5's registers: a fixed sequence per child (an LCG). */
static unsigned long rnd_state, stub_xpage;

static unsigned long rnd(void)
{
	rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
	return rnd_state >> 17;
}

/* Attack 5's threads: into the stub's code page with random registers. */
static void *jumper(void *arg)
{
	register long r10 __asm__("r10") = (long)(rnd() & 0xffff);
	register long r8 __asm__("r8") = (long)(rnd() & 0xff);
	register long r12 __asm__("r12") = (long)rnd();
	unsigned long target = stub_xpage + rnd() % 4096;

	__asm__ __volatile__("jmp *%[t]"
			     :
			     : [t] "r"(target), "a"(rnd() % 512),
			       "D"(rnd() % 8), "S"(rnd()), "d"(rnd() % 8),
			       "r"(r10), "r"(r8), "r"(r12)
			     : "memory");
	return arg;
}

/*
 * Attack 5: four threads jump to random offsets of the stub's code page;
 * the main thread ends the child after 300 ms, if it still runs.
 */
static void jump_into_stub(uintptr_t seed)
{
	pthread_t t;

	rnd_state = seed;
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t, NULL, jumper, NULL))
			_exit(50);
	usleep(300000);
	_exit(0);
}

/*
 * Attack 7: map over the reservation, unmap it, change its rights; then
 * the stub must still be there, unchanged, and serve calls and signals.
 * The answers go to the shared page (race_counts' first 3 words).
 */
static void map_over_stub(uintptr_t text)
{
	const unsigned char *copy = (const void *)text;
	volatile unsigned long *res = race_counts;
	struct sigaction sa = { .sa_handler = on_usr1 };
	void *m;

	errno = 0;
	m = mmap((void *)STUB_BASE, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	res[0] = m == MAP_FAILED ? (unsigned long)errno : 0;
	m = mmap((void *)STUB_SLOTS, 16384, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	res[0] |= (m == MAP_FAILED ? (unsigned long)errno : 0) << 16;
	res[1] = munmap((void *)STUB_BASE, 0x300000) ? errno : 0;
	res[2] = mprotect((void *)STUB_BASE, 0x300000, PROT_NONE) ? errno : 0;
	/*
	 * Still the stub: its code and read-only data as before (the first
	 * three pages; its stack follows), calls and a signal work.
	 */
	sigaction(SIGUSR1, &sa, NULL);
	syscall(SYS_kill, syscall(SYS_getpid), SIGUSR1);
	for (size_t i = 0; i < stub_text_len && i < 3 * 4096; i++)
		if (*(volatile unsigned char *)(STUB_BASE + i) != copy[i])
			_exit(51);
	_exit(usr1_seen && getppid() > 0 ? 0 : 52);
}

/* Attack 8 (see the top): the stub's command area and slot header. */
#define STUB_CMD 0x180000UL
#define CMD_SPIN_TSC 0x38 /* struct stub_cmd's spin_tsc */
#define SLOT_SPIN 56	  /* struct stub_tslot's spin */
#define SPIN_REQ 1

static volatile unsigned long *fs_page;
static int fs_pipe[2];
static pid_t fs_main_tid;

/* Is thread tid asleep ("S" in its /proc stat)? */
static int thread_asleep(pid_t tid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

static void *fs_unmapper(void *arg)
{
	for (int i = 0; i < 50 && !thread_asleep(fs_main_tid); i++)
		usleep(10000);
	if (!thread_asleep(fs_main_tid))
		_exit(49);
	munmap((void *)fs_page, 4096);
	_exit(47);
}

static void forged_spin(uintptr_t unused)
{
	volatile struct slot_hdr *h = (void *)STUB_SLOTS;
	volatile unsigned int *w = (void *)(STUB_SLOTS + SLOT_SPIN);
	volatile unsigned long *uc;
	static char buf[8];
	pthread_t t;

	alarm(10);
	fs_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fs_page == MAP_FAILED || pipe(fs_pipe) < 0)
		_exit(50);
	fs_page[0] = 1;
	fs_main_tid = (pid_t)syscall(SYS_gettid);
	if (pthread_create(&t, NULL, fs_unmapper, NULL))
		_exit(50);
	/* A stop: its SIGSYS frame stays in the slot. */
	syscall(SYS_getppid);
	uc = slot0_frame();
	if (!uc || h->signo != SIGSYS)
		_exit(48);
	uc[UC_GREG(G_RAX)] = SYS_read;
	uc[UC_GREG(G_RDI)] = (unsigned long)fs_pipe[0];
	uc[UC_GREG(G_RSI)] = (unsigned long)buf;
	uc[UC_GREG(G_RDX)] = 1;
	*w = SPIN_REQ;
	for (;;)
		(void)fs_page[0];
}

/* Attack 8 (see the top). */
static void spin_attack(void)
{
	int st = 0;

	/* PID 1 of the guest tests has no /proc: one for this attack. */
	int made = !mkdir("/proc", 0555);
	int mounted = !mount("proc", "/proc", "proc", 0, NULL);

	for (int i = 0; i < 3; i++) {
		st = in_child(forged_spin, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 49)
			break;
	}
	if (mounted)
		umount("/proc");
	if (made)
		rmdir("/proc");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 47)
		printf("forged-spin: FAILED (the page was unmapped while a "
		       "forged stop ran on)\n");
	else
		report("forged-spin", st,
		       WIFSIGNALED(st)
			       ? "killed when it did not ring its doorbell"
		       : WIFEXITED(st) && WEXITSTATUS(st) == 49
			       ? "the forged stop was never taken"
			       : "unexpected end");
}

/* Attacks 2 and 3 (thread slots: seccomp mode only). */
static void slot_attacks(void)
{
	int st, failed = 0, stop[2];
	pid_t by;

	st = in_child(forged_reply, 0);
	if (!WIFEXITED(st) || (WEXITSTATUS(st) && WEXITSTATUS(st) != 47)) {
		printf("forged-reply: FAILED (status %#x: %s)\n", st,
		       WIFEXITED(st) && WEXITSTATUS(st) == 44
			       ? "the forged frame was used"
		       : WIFEXITED(st) && WEXITSTATUS(st) == 46
			       ? "read() did not return the pipe's data"
		       : WIFEXITED(st) && WEXITSTATUS(st) == 48
			       ? "pause() did not return EINTR after the handler"
			       : "unexpected end");
	} else {
		report("forged-reply", st,
		       WEXITSTATUS(st) == 47
			       ? "no doorbell frame at pause() to forge"
			       : "read and pause answered by the kernel alone, "
				 "the forged frame and header ignored");
	}
	if (race_counts == MAP_FAILED || pipe(stop) < 0)
		return;
	by = bystander(stop);
	for (int cls = 0; cls < RC_N; cls++) {
		volatile unsigned long *c = race_counts;
		char what[160];

		memset((void *)race_counts, 0, 4 * sizeof(long));
		st = in_child(race_frame, (uintptr_t)cls);
		snprintf(what, sizeof(what),
			 "%lu calls, %lu signals, ~%lu flips (~%lu with a "
			 "frame)",
			 c[0], c[1], c[2], c[3]);
		if (WIFEXITED(st) && WEXITSTATUS(st) && WEXITSTATUS(st) != 45) {
			printf("race-frame %s: FAILED (status %#x)\n",
			       rc_names[cls], st);
			failed = 1;
		}
		if (verbose) {
			char name[40];

			snprintf(name, sizeof(name), "race-frame %s",
				 rc_names[cls]);
			report(name, st, what);
		}
	}
	close(stop[1]);
	while (waitpid(by, &st, 0) < 0)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("race-frame: FAILED (the bystander's status %#x)\n", st);
		failed = 1;
	}
	if (verbose && !failed)
		printf("  race-frame: the bystander saw only right answers\n");
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
	site = find(text, doorbell, 8);
	if (site) {
		char ends[80] = "";

		stub_xpage = site & ~4095UL;
		for (unsigned long i = 1; i <= 8; i++) {
			size_t n = strlen(ends);

			st = in_child(jump_into_stub, i * 0x9e3779b97f4a7c15UL);
			snprintf(ends + n, sizeof(ends) - n, " %s%d",
				 WIFSIGNALED(st) ? "sig" : "exit",
				 WIFSIGNALED(st) ? WTERMSIG(st)
						 : WEXITSTATUS(st));
		}
		if (verbose)
			printf("  jump-into-stub: 8 children of 4 threads "
			       "each:%s\n",
			       ends);
	}
	race_counts = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (race_counts != MAP_FAILED) {
		memset((void *)race_counts, 0, 4 * sizeof(long));
		st = in_child(map_over_stub, (uintptr_t)text);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			printf("map-over-stub: FAILED (status %#x)\n", st);
		else if (verbose)
			printf("  map-over-stub: mmap MAP_FIXED errno %lu (slot: "
			       "%lu), munmap errno %lu, mprotect errno %lu; "
			       "the stub unchanged and working\n",
			       race_counts[0] & 0xffff, race_counts[0] >> 16,
			       race_counts[1], race_counts[2]);
	}
	if (slots_mapped())
		slot_attacks();
	else if (verbose)
		printf("  no thread slots (ptrace mode): no attacks 2 and 3\n");
	if (slots_mapped() &&
	    *(volatile unsigned long *)(STUB_CMD + CMD_SPIN_TSC))
		spin_attack();
	else if (verbose)
		printf("  not spinning: no attack 8\n");
	printf("stubattack: done\n");
	return 0;
}
