/*
 * Guest FPU/SSE/AVX state as images (plat_fpu_*, kos/plat/user.h).
 *
 * A guest thread's FPU state lives in the stub that runs it, between runs
 * and across system calls (the stub's own code never touches it).  The
 * image format is the host's XSAVE layout for the host's XCR0, which is
 * exactly what PTRACE_GETREGSET/SETREGSET with NT_X86_XSTATE exchange
 * (without XSAVE, the 512-byte FXSAVE region through PTRACE_GETFPREGS).
 *
 * Several threads may share an address space, and so one stub (CLONE_VM:
 * threads, vfork).  Only one of them runs guest code at a time (one
 * CPU), so the stub holds the FPU state of one thread, the address
 * space's fpu_owner; the others keep theirs in memory (struct
 * hosted_uthread.image, NULL meaning the initial state).  Before a thread
 * runs guest code, hosted_fpu_bind() parks the owner's state and loads
 * the thread's, only when the owner changes -- the same deferred switch
 * bare metal does with the registers.
 *
 * The image size and the features come from the host kernel itself (a
 * PTRACE_GETREGSET of a stopped child), not from CPUID and XGETBV: under
 * valgrind those are valgrind's, which may know fewer features than the
 * host kernel saves (an AVX-512 host: 2,696 bytes, not 832), and the
 * kernel refuses an image of any other size (-EFAULT).  The child is the
 * first guest stub, stopped after its exec (stub_spawn() calls
 * hosted_fpu_probe_stub()), before any guest thread has FPU state; only
 * if the core asks for the size before any stub exists is a child forked
 * for the purpose.  (A fork at every start cost 3-10 ms of an app's
 * boot time.)
 *
 * Locking: a thread's state is used by that thread, or by the thread
 * creating it before it runs; the stubs are stopped whenever the core
 * runs (docs/hosted.md).
 */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kos/fpu.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/plat/cpu.h>
#include <kos/sched.h>

/* After the kos headers: sys/user.h's PAGE_MASK is spelt differently. */
#include "guest.h"
#include "hosted.h"

static size_t image_size = FPU_FX_SIZE;
static uint64_t xfeatures;
static bool probed; /* image_size and xfeatures are set */
static uint32_t mxcsr_mask = FPU_MXCSR_MASK_DEFAULT;

/* Where ptrace's NT_X86_XSTATE puts the enabled features (XCR0): the
 * first 8 of the FXSAVE region's software-usable bytes. */
#define FX_SW_XFEATURES 464

/*
 * What the host kernel's NT_X86_XSTATE regset holds: its size and the
 * enabled features, from pid, a child stopped under our ptrace.  false
 * if that cannot be had (no XSAVE, ptrace refused).
 */
static bool probe_regset(pid_t pid)
{
	static uint8_t buf[16384] __attribute__((aligned(64)));
	struct iovec iov = { buf, sizeof(buf) };

	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov) < 0 ||
	    iov.iov_len <= FPU_FX_SIZE)
		return false;
	memcpy(&xfeatures, buf + FX_SW_XFEATURES, sizeof(xfeatures));
	image_size = iov.iov_len;
	return xfeatures != 0;
}

/*
 * probe_regset() on a child forked and stopped for the purpose, when no
 * stub has been started yet.  On the calling thread's stack: the child
 * only touches its copy of it.
 */
static bool probe_xstate(void)
{
	bool ok = false;
	pid_t pid;
	int st = 0;

	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0)
			kill(getpid(), SIGSTOP);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSTOPPED(st))
		ok = probe_regset(pid);
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return ok;
}

static void fpu_probe(void);
extern bool
	kos_linked_app_present; /* kos/proc.h, which clashes with <signal.h> */

/* The MXCSR mask, from our own FXSAVE.  Boot, once. */
void hosted_fpu_init(void)
{
	uint8_t fx[FPU_FX_SIZE] __attribute__((aligned(16)));
	uint32_t m;

	__asm__ __volatile__("fxsave64 %0" : "=m"(fx));
	m = *(uint32_t *)(fx + FPU_MXCSR_MASK_OFF);
	if (m)
		mxcsr_mask = m;
	/*
	 * A linked program starts no stub to probe through, and its first
	 * pthread_create asks for the size from a kernel thread in the middle
	 * of the program, where forking the probe's child crashed (a host
	 * SEGV at rip 0 in check-linked's thread programs): probe now, at
	 * boot, as every start did before the stub probe.
	 */
	if (kos_linked_app_present)
		fpu_probe();
}

/*
 * Size the images after the host's XSAVE configuration, as the regset
 * probe found it (ok), else from CPUID and XGETBV, or FXSAVE alone.
 */
static void fpu_configure(bool ok)
{
	unsigned int a, b, c, d;

	probed = true;
	if (ok)
		return;
	xfeatures = 0;
	image_size = FPU_FX_SIZE;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) &&
	    __get_cpuid_count(0xd, 0, &a, &b, &c, &d)) {
		uint32_t lo, hi;

		__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xfeatures = lo | ((uint64_t)hi << 32);
		image_size = b; /* bytes for the enabled features */
	}
}

/* The first stub, stopped after its exec: probe through it.  Once. */
void hosted_fpu_probe_stub(pid_t pid)
{
	if (!probed)
		fpu_configure(probe_regset(pid));
}

/* The configuration, probed through a child of our own if no stub was. */
static void fpu_probe(void)
{
	if (!probed)
		fpu_configure(probe_xstate());
}

void hosted_fpu_probe(void)
{
	fpu_probe();
}

size_t plat_fpu_size(void)
{
	fpu_probe();
	return image_size;
}

uint64_t plat_fpu_xfeatures(void)
{
	fpu_probe();
	return xfeatures;
}

/* t's hosted state, created if need be; NULL if memory is short. */
struct hosted_uthread *hosted_uthread(struct thread *t)
{
	struct hosted_uthread *hu = t->plat_priv;

	if (!hu) {
		hu = kzalloc(sizeof(*hu));
		if (!hu)
			return NULL;
		list_init(&hu->as_link);
		t->plat_priv = hu;
	}
	return hu;
}

/*
 * Per-thread mode: hu's stub thread, stopped for good as far as hu is
 * concerned, goes to its address space's spare ones (the next new thread
 * takes it over: docs/hosted-seccomp.md, section 0).
 */
static void park_stub_thread(struct hosted_uthread *hu)
{
	struct sc_thread *st = hu->st;
	unsigned long fl;

	if (!st)
		return;
	fl = plat_irq_save();
	st->stop_owner = NULL;
	if (hu->as->run_st == st)
		hu->as->run_st = NULL;
	list_del(&st->free_link);
	list_add(&st->free_link, &hu->as->st_free);
	hu->st = NULL;
	plat_irq_restore(fl);
}

void plat_thread_free(struct thread *t)
{
	struct hosted_uthread *hu = t->plat_priv;

	if (hu) {
		if (hu->as && hu->as->fpu_owner == hu)
			hu->as->fpu_owner = NULL;
		if (hu->as && hu->as->sts[0] &&
		    hu->as->sts[0]->stop_owner == hu)
			hu->as->sts[0]->stop_owner = NULL;
		if (hu->as && hu->st)
			park_stub_thread(hu);
		list_del(&hu->as_link);
		kfree(hu->image);
		kfree(hu);
		t->plat_priv = NULL;
	}
}

/*
 * Seccomp mode: the state is the XSAVE area of the guest thread's frame
 * while it waits at a doorbell (user.c checked at its start that the
 * area has the image's size and layout).  Its software-reserved bytes
 * (464-511) stay the signal frame's; in the image they say what ptrace's
 * regset says (the features).
 */
int hosted_frame_fpu(struct sc_thread *st, bool set, void *image)
{
	unsigned char *fp;

	if (!st || !st->frame_valid)
		return -EIO;
	fp = st->slots + st->fp_off;
	if (set) {
		memcpy(fp, image, 464);
		if (image_size > FPU_FX_SIZE)
			memcpy(fp + FPU_FX_SIZE,
			       (unsigned char *)image + FPU_FX_SIZE,
			       image_size - FPU_FX_SIZE);
		return 0;
	}
	memcpy(image, fp, image_size);
	memset((unsigned char *)image + 464, 0, FPU_FX_SIZE - 464);
	if (xfeatures)
		memcpy((unsigned char *)image + FX_SW_XFEATURES, &xfeatures,
		       sizeof(xfeatures));
	return 0;
}

/* PTRACE_{GET,SET}REGSET NT_X86_XSTATE (or the FXSAVE region). */
static int stub_fpu(struct plat_as *as, bool set, void *image)
{
	struct iovec iov = { image, image_size };
	pid_t pid = as->pid;
	long r;

	if (as->seccomp)
		return hosted_frame_fpu(as->sts[0], set, image);
	if (xfeatures)
		r = ptrace(set ? PTRACE_SETREGSET : PTRACE_GETREGSET, pid,
			   (void *)NT_X86_XSTATE, &iov);
	else
		r = ptrace(set ? PTRACE_SETFPREGS : PTRACE_GETFPREGS, pid, NULL,
			   image);
	return r < 0 ? -errno : 0;
}

/*
 * stub_fpu() for as, keeping as->fpu_known: a read or a write of the
 * stub's state is what the stub holds until its guest runs.  A write of
 * exactly the state it is known to hold is skipped.
 */
static int as_fpu(struct plat_as *as, bool set, void *image)
{
	int err;

	if (set && as->fpu_known_valid &&
	    !memcmp(as->fpu_known, image, image_size))
		return 0;
	if (!set && as->fpu_known_valid) {
		memcpy(image, as->fpu_known, image_size);
		return 0;
	}
	err = stub_fpu(as, set, image);
	if (err) {
		as->fpu_known_valid = false;
		return err;
	}
	if (!as->fpu_known)
		as->fpu_known = kmalloc(image_size);
	if (as->fpu_known) {
		memcpy(as->fpu_known, image, image_size);
		as->fpu_known_valid = true;
	}
	return 0;
}

/* Is t's state the one in its stub right now? */
static bool in_stub(struct hosted_uthread *hu)
{
	return hu && hu->as && hu->as->fpu_owner == hu && !hu->as->dead;
}

/* Per-thread mode: t's state is in its own stub thread's frame. */
static struct sc_thread *own_stub_thread(struct hosted_uthread *hu)
{
	if (!hu || !hu->st || !hu->as || hu->as->dead)
		return NULL;
	return hu->st;
}

void plat_fpu_save(struct thread *t, void *image)
{
	struct hosted_uthread *hu = t->plat_priv;

	if (own_stub_thread(hu) &&
	    !hosted_frame_fpu(own_stub_thread(hu), false, image))
		return;
	if (in_stub(hu) && !as_fpu(hu->as, false, image))
		return;
	if (hu && hu->image)
		memcpy(image, hu->image, image_size);
	else
		fpu_image_init(image, image_size);
}

int plat_fpu_restore(struct thread *t, const void *image)
{
	struct hosted_uthread *hu;

	if (fpu_image_check(image, xfeatures, mxcsr_mask))
		return -EINVAL;
	hu = hosted_uthread(t);
	if (!hu)
		return -ENOMEM;
	if (own_stub_thread(hu) &&
	    !hosted_frame_fpu(own_stub_thread(hu), true, (void *)image))
		return 0;
	if (in_stub(hu) && !as_fpu(hu->as, true, (void *)image))
		return 0;
	if (!hu->image) {
		hu->image = kmalloc(image_size);
		if (!hu->image)
			return -ENOMEM;
	}
	memcpy(hu->image, image, image_size);
	return 0;
}

void plat_fpu_reset(struct thread *t)
{
	void *init = kmalloc(image_size);

	if (!init) {
		log_warn("hosted: no memory to reset an FPU state");
		return;
	}
	fpu_image_init(init, image_size);
	plat_fpu_restore(t, init);
	kfree(init);
}

int hosted_fpu_load(struct hosted_uthread *hu, struct sc_thread *st)
{
	void *init;
	int err;

	if (hu->image)
		return hosted_frame_fpu(st, true, hu->image);
	init = kmalloc(image_size);
	if (!init)
		return -ENOMEM;
	fpu_image_init(init, image_size);
	err = hosted_frame_fpu(st, true, init);
	kfree(init);
	return err;
}

int hosted_fpu_bind(struct thread *t, struct plat_as *as)
{
	struct hosted_uthread *hu = hosted_uthread(t), *old;
	int err;

	if (!hu)
		return -ENOMEM;
	if (as->per_thread) {
		if (hu->as == as)
			return 0;
		/* Its stub thread stays with the old address space. */
		if (hu->as && hu->st) {
			if (!hu->as->dead) {
				if (!hu->image)
					hu->image = kmalloc(image_size);
				if (hu->image)
					hosted_frame_fpu(hu->st, false,
							 hu->image);
			}
			park_stub_thread(hu);
		}
		list_del(&hu->as_link);
		list_add(&hu->as_link, &as->threads);
		hu->as = as;
		hu->held_valid = false;
		return 0;
	}
	if (hu->as != as) {
		/* Leaving a stub that holds our state: take it along. */
		if (hu->as && hu->as->fpu_owner == hu) {
			if (!hu->as->dead) {
				if (!hu->image)
					hu->image = kmalloc(image_size);
				if (hu->image)
					as_fpu(hu->as, false, hu->image);
			}
			hu->as->fpu_owner = NULL;
		}
		list_del(&hu->as_link);
		list_add(&hu->as_link, &as->threads);
		hu->as = as;
		hu->held_valid = false;
	}
	if (as->fpu_owner == hu)
		return 0;
	/* Another thread's state is in the stub: park it, load ours. */
	old = as->fpu_owner;
	if (old) {
		if (!old->image)
			old->image = kmalloc(image_size);
		if (!old->image)
			return -ENOMEM;
		err = as_fpu(as, false, old->image);
		if (err)
			return err;
	}
	as->fpu_owner = NULL;
	if (hu->image) {
		/* Skipped if the stub holds exactly our state already
		 * (threads that do not touch the FPU all look alike). */
		err = as_fpu(as, true, hu->image);
	} else {
		void *init = kmalloc(image_size);

		if (!init)
			return -ENOMEM;
		fpu_image_init(init, image_size);
		err = as_fpu(as, true, init);
		kfree(init);
	}
	if (!err)
		as->fpu_owner = hu;
	return err;
}

void hosted_fpu_unbind_all(struct plat_as *as)
{
	as->fpu_owner = NULL;
	if (as->sts[0])
		as->sts[0]->stop_owner = NULL;
	as->fpu_known_valid = false;
	kfree(as->fpu_known);
	as->fpu_known = NULL;
	while (!list_empty(&as->threads)) {
		struct hosted_uthread *hu = list_first_entry(
			&as->threads, struct hosted_uthread, as_link);

		list_del(&hu->as_link);
		list_init(&hu->as_link);
		hu->as = NULL;
		hu->st = NULL; /* freed with the address space */
		hu->held_valid = false;
	}
}
