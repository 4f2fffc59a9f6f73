/*
 * The vDSO: a small shared object the kernel maps into every process
 * (Linux's linux-vdso.so.1), whose functions answer clock_gettime,
 * gettimeofday, time, clock_getres and getcpu in user space, without a
 * system call, from a data page the kernel keeps current.
 *
 * Layout of the mapping, as Linux 6.1 with address randomization off,
 * placed by exec where mmap() would put it (top-down below the mmap base,
 * after the program):
 *
 *	[vvar]	VDSO_VVAR_PAGES pages, read-only; page 0 is the data page
 *		(struct vdso_data), the others fault with SIGBUS (Linux's
 *		pvclock, hvclock and time-namespace pages, absent)
 *	[vdso]	VDSO_TEXT_PAGES pages, read + execute: the ELF image;
 *		AT_SYSINFO_EHDR points at its ELF header
 *
 * The image is built from libkos/vdso/user/ and linked to run at any
 * address: it finds the data page at a fixed distance below itself.
 *
 * This header is shared with the vDSO's own (user-space) code: the data
 * page layout is the interface between the two.
 */
#ifndef KOS_VDSO_H
#define KOS_VDSO_H

#define VDSO_VVAR_PAGES 4
#define VDSO_TEXT_PAGES 2

/* The rest is C (the vDSO's linker script includes the sizes above). */
#ifndef __ASSEMBLER__

#include <kos/plat/time.h>
#include <kos/types.h>

struct vm_space;

/* struct vdso_data.clock_mode */
#define VDSO_CLOCK_SYSCALL 0 /* no user-space clock: make system calls */
#define VDSO_CLOCK_TSC 1     /* clock computes the time from the TSC */

/*
 * The data page.  The kernel writes it under a sequence count: seq is odd
 * while it changes, and a reader that saw an odd seq, or a different seq
 * after reading, reads again.  Readers must load seq before and after the
 * fields they use (x86 keeps loads in order; the compiler must too).
 *
 * With clock_mode VDSO_CLOCK_TSC, for the TSC value t read in user space:
 *	CLOCK_MONOTONIC, _RAW, _COARSE, CLOCK_BOOTTIME:
 *		plat_tsc_clock_ns(&clock, t)
 *	CLOCK_REALTIME, _COARSE, CLOCK_TAI: that + realtime_offset
 * exactly what the system calls return (sys/time.c: KOS does not
 * suspend, so BOOTTIME is MONOTONIC, and its COARSE clocks are as fine as
 * the others).
 */
struct vdso_data {
	uint32_t seq;
	uint32_t clock_mode; /* VDSO_CLOCK_* */
	struct plat_tsc_clock clock;
	uint64_t realtime_offset; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t hres_ns;	  /* clock_getres of the fine clocks */
	uint64_t coarse_ns;	  /* clock_getres of the _COARSE clocks */
	int32_t tz_minuteswest;	  /* what gettimeofday's tz reports */
	int32_t tz_dsttime;
};

/*
 * Build the vDSO's pages (the data page and a copy of the image) and
 * publish the clock.  Once at boot, after the page allocator and before
 * the first exec; panics if memory is short or the built-in image is
 * not a sane ELF shared object (a broken build).
 */
void vdso_init(void);

/*
 * Map [vvar] and [vdso] into vm (a fresh address space being built by
 * exec) where mmap() would place them.  *base gets the address of the
 * image (AT_SYSINFO_EHDR).  0, or -ENOMEM; -ENOSYS before vdso_init().
 */
int vdso_map(struct vm_space *vm, unsigned long *base);

/*
 * Rewrite the data page's clock from the platform (plat_clock_tsc()) and
 * the real-time clock's adjustment (clock_realtime_adjust_ns()).  Any context; does
 * nothing before vdso_init().  kos_clock_changed() and
 * clock_set_realtime_ns() call it.
 */
void vdso_update_clock(void);

/* The built-in image (libkos/vdso/image.S). */
extern const unsigned char vdso_image_start[], vdso_image_end[];

#endif /* __ASSEMBLER__ */
#endif
