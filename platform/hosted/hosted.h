/*
 * Private interface between the files of the hosted platform.
 *
 * The hosted platform runs libkos as an ordinary Linux process:
 *
 *   main.c     command line, boot information, the call into kos_main()
 *   mem.c      "physical memory": one memfd mapped MAP_SHARED
 *   irq.c      interrupts: host signals behind a soft interrupt flag,
 *              the idle wait, interrupt sources
 *   timer.c    monotonic/wall clocks and the one-shot timer (SIGALRM)
 *   console.c  stdout output, stdin input (SIGIO)
 *   cpu.c      CPU id, kernel-stack registration with valgrind
 *   power.c    poweroff (process exit) and halt (abort)
 *   fault.c    report host faults in kernel code (SIGSEGV, ...)
 *   random.c   plat_entropy from getrandom()
 *   disk.c     disks backed by host files (--disk), host I/O threads
 *   net.c      network devices (--net): libslirp or TAP, a host thread each
 *   user.c     guest processes: plat_as_*, plat_user_run (guest.h)
 *   mirror.c   mirroring the core's page tables into guest stubs
 *   spawn.c    starting, driving and killing the stub processes
 *   prof.c     KOS_HOSTED_PROFILE: host time per phase of guest processes
 *   stub/      the stub itself, a separate static executable (kos-stub)
 *
 * This is host code: it may include glibc headers and kos/plat headers, but
 * libkos never includes this file.
 */
#ifndef HOSTED_H
#define HOSTED_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- mem.c ------------------------------------------------------------- */

/* The memfd that backs physical memory (guest stubs map it too). */
extern int hosted_ram_fd;
/* Where the whole of physical memory is mapped in this process. */
extern unsigned char *hosted_ram_base;
extern uint64_t hosted_ram_size;

/*
 * Create and map size bytes of physical memory.  Returns 0, or -errno
 * with a message already printed.
 */
int hosted_mem_init(uint64_t size);

/* --- irq.c ------------------------------------------------------------- */

/*
 * Interrupt sources.  Each is one bit of the pending mask and one host
 * signal; several sources may share a signal (their handlers then check
 * whether they have work).
 */
#define HOSTED_IRQ_TIMER 0   /* SIGALRM from the POSIX timer */
#define HOSTED_IRQ_CONSOLE 1 /* SIGIO from stdin */
#define HOSTED_IRQ_WINCH 2   /* SIGWINCH: the host terminal's size */
#define HOSTED_IRQ_DISK 3    /* SIGUSR1 from a disk's I/O thread */
#define HOSTED_IRQ_NET 4     /* SIGUSR2 from a network device's thread */
#define HOSTED_IRQ_MAX 8

/*
 * Route host signal sig to interrupt source irq, whose handler runs in
 * interrupt context (soft flag off) on the interrupted thread's stack.
 * Call before sig can first arrive.
 */
void hosted_irq_register(unsigned int irq, int sig, void (*handler)(void));

/* Mark irq pending as if its signal had arrived (async-signal-safe). */
void hosted_irq_raise(unsigned int irq);

/* Block every interrupt signal for good (poweroff/halt paths). */
void hosted_irq_shutdown(void);

/* --- timer.c ----------------------------------------------------------- */

/*
 * Pin this process, and so every stub it starts, to the CPU it runs on
 * (spawn.c).  Once, at startup, before hosted_timer_init().
 */
void hosted_pin_cpu(void);

/*
 * Calibrate the clock (kernel time 0 is now) and create the host timer.
 * 0 or -errno.
 */
int hosted_timer_init(void);
/*
 * Re-measure the TSC clock's rate if it is time to (at most once a
 * second; a few host clock reads).  Interrupts off and no guest running:
 * plat_user_run() calls it just before it resumes a guest.
 */
void hosted_clock_refine(void);

/* --- console.c --------------------------------------------------------- */

/* Set up stdin input interrupts if stdin is a tty, pipe or socket. */
void hosted_console_init(void);
/* Undo what hosted_console_init changed on the shared stdin file. */
void hosted_console_restore(void);

/* --- disk.c ----------------------------------------------------------- */

#define HOSTED_MAX_DISKS 8

/*
 * --disk FILE[,ro|,rw]: open FILE as the next disk (vda, vdb, ...), which
 * plat_devices_init() registers.  Before kos_main(); 0, or -1 with a
 * message printed.
 */
int hosted_disk_add(const char *spec);

/* --- net.c ------------------------------------------------------------ */

#define HOSTED_MAX_NETS 4

/*
 * --net user[,hostfwd=...][,ipv6=on|off] or --net tap,ifname=NAME: the
 * next network device (eth0, eth1, ...).  Before kos_main(); 0, or -1
 * with a message printed.
 */
int hosted_net_add(const char *spec);
/*
 * Open the back ends (slirp and its port forwards, TAP devices) before
 * boot.  0, or -1 with a message printed.
 */
int hosted_net_setup(void);
/* Register the devices and start their threads (plat_devices_init). */
void hosted_net_init(void);

/* --- fault.c ----------------------------------------------------------- */

/* Report host faults (SIGSEGV, ...) in kernel code before dying of them. */
void hosted_fault_init(void);

/* --- user.c, spawn.c --------------------------------------------------- */

/*
 * How guest processes trap to the kernel (docs/hosted-seccomp.md):
 * PTRACE_SYSEMU stops of a traced stub, or seccomp user notifications
 * from the stub's own signal handlers.  Chosen before boot; if the host
 * cannot do seccomp mode, hosted_user_init() falls back to ptrace.
 */
enum hosted_mode { HOSTED_MODE_PTRACE, HOSTED_MODE_SECCOMP };
extern enum hosted_mode hosted_mode;
/*
 * Seccomp mode: guest system calls that need only their arguments reach
 * the kernel as user notifications without a signal (the fast path;
 * docs/hosted-seccomp.md, 4.2).  On unless KOS_HOSTED_FASTPATH=0 or the
 * host lacks SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19).
 */
extern bool hosted_fastpath;
/* Seccomp: spares keep their first guest thread (KOS_HOSTED_PARK=0: no). */
extern bool hosted_park;
/*
 * Seccomp mode: one stub thread per guest thread (docs/hosted-seccomp.md,
 * plan step 4); with KOS_HOSTED_STUBTHREADS=0 the process's threads
 * take turns on one, as before step 4.
 */
extern bool hosted_stubthreads;
/*
 * Seccomp mode, spinning (docs/hosted-seccomp.md, "Spinning"): with
 * KOS_HOSTED_SPIN=1 (or =N, N microseconds) and a second CPU, a guest
 * thread's stop waits up to that long in its slot for the kernel, which
 * waits as long for it there, instead of both sleeping in the host.
 * 0 when off (the default).  Both budgets: the kernel's in ns, the
 * stub's in TSC ticks.
 */
extern uint64_t hosted_spin_ns, hosted_spin_tsc;
/*
 * KOS_HOSTED_KICK_RACE_US (a test, scripts/check-kick-race): how long a
 * seccomp-mode guest stop waits, interrupts on, before the kernel stops
 * calling its thread running, so that ticks kick it after its stop.
 */
extern uint64_t hosted_kick_race_ns;
/*
 * Spinning: guest thread tid of a stub goes to the CPUs other than the
 * kernel's, where it may spin; the stub's mapper stays on the kernel's
 * CPU, which it uses only while the kernel waits for it.
 */
void hosted_spin_place(pid_t tid);
/* "ptrace" or "seccomp" (main.c's option).  0, or -1 if neither. */
int hosted_mode_set(const char *name);

/*
 * Find the stub (embedded in an app executable, else next to our
 * executable) and reserve its addresses in the core's vm layer.  Before
 * kos_main().
 */
void hosted_user_init(void);

/* --- app.c: a single-app executable's embedded payload ---------------- */

/* True in an app executable (apps/module.mk), false in build/hosted/kos. */
bool hosted_app_present(void);
/* The embedded initramfs (size in *size), or NULL if there is none. */
const void *hosted_app_initrd_get(size_t *size);
/* The embedded default command line, or NULL outside an app executable. */
const char *hosted_app_cmdline_get(void);
/* Put the embedded stub in a memfd; its exec path in path.  0 or -errno. */
int hosted_app_stub_path(char *path, size_t len);
/* Size guest FPU images after the host's XSAVE configuration (fpu.c). */
void hosted_fpu_init(void);
/* The first guest stub, stopped under ptrace: probe the XSAVE layout. */
void hosted_fpu_probe_stub(pid_t pid);
/* Probe it through a child of our own, if not done yet (forks). */
void hosted_fpu_probe(void);

/*
 * Kill and reap the spare stubs (spawn.c), so that they are gone, and
 * counted as our children, when the kernel exits.
 */
void hosted_spares_kill(void);

/*
 * Interrupt context, before kos_irq_exit(): stop the guest whose kernel
 * thread this interrupt arrived on, so that thread can be preempted.
 */
void hosted_user_kick(void);

/* --- prof.c: KOS_HOSTED_PROFILE=1, host time per phase ------------------ */

enum hosted_prof {
	HOSTED_PROF_SPAWN,	  /* stub_spawn(): a new stub, ready */
	HOSTED_PROF_SPAWN_WAIT,	  /* ... of which waiting for it */
	HOSTED_PROF_TSTART,	  /* seccomp: a stub thread started */
	HOSTED_PROF_UNPARK,	  /* seccomp: a spare's parked one taken */
	HOSTED_PROF_MIRROR,	  /* one mirror batch (items: operations) */
	HOSTED_PROF_MIRROR_FIRST, /* ... the first of a stub thread */
	HOSTED_PROF_KILL,	  /* stub_kill(): SIGKILL and reap */
	HOSTED_PROF_GUEST,	  /* guest code runs (resume to stop) */
	HOSTED_PROF_SPARE_PUT,	  /* a stub cleaned and kept as a spare */
	HOSTED_PROF_SPARE_TAKE,	  /* a spare stub taken for a new one */
	HOSTED_PROF_MAX
};

extern bool hosted_prof_on;
/* Read KOS_HOSTED_PROFILE.  At startup. */
void hosted_prof_init(void);
/* Now in host ns, or 0 when profiling is off. */
uint64_t hosted_prof_now(void);
/* One more of phase, begun at t0 (hosted_prof_now()), items counted. */
void hosted_prof_add(enum hosted_prof phase, uint64_t t0, uint64_t items);
/* The totals on stderr (at exit). */
void hosted_prof_dump(void);

/* --- power.c ----------------------------------------------------------- */

/* Exit the process with status after flushing and restoring the tty. */
void hosted_exit(int status) __attribute__((noreturn));

/* From kos/proc.h, which clashes with the host's headers. */
bool proc_linked_present(void);

#endif
