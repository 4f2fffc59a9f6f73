/*
 * x86_start: the kernel side's C entry, called once by entry.S on the boot
 * stack with interrupts disabled.  It brings the CPU from "whatever the
 * firmware left" to the state the core expects (see kos_main()), in an
 * order where each step can report its failures:
 *
 *   serial (so plat_console_write works) -> GDT/TSS -> IDT (our exception
 *   handlers from here on) -> CPU features -> ACPI tables -> 8259 off ->
 *   local APIC -> IOAPIC -> clocks (TSC/LAPIC calibration) -> serial input
 *   -> identity map dropped -> kos_main().
 *
 * Interrupts stay disabled; the core enables them with plat_irq_enable()
 * once its timers and console are ready.
 */
#include <kos/boot.h>
#include <kos/log.h>
#include <kos/plat/power.h>
#include <kos/string.h>

#include "x86.h"

#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CR0_NE (1UL << 5)
#define CR0_WP (1UL << 16)
#define CR4_TSD (1UL << 2)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_SMEP (1UL << 20)
#define CR4_SMAP (1UL << 21)

#define CPUID_EXT_NX (1U << 20)	  /* leaf 0x80000001, EDX */
#define CPUID7_EBX_SMEP (1U << 7) /* leaf 7, EBX */
#define CPUID7_EBX_SMAP (1U << 20)

/*
 * Switch on what the kernel and user space rely on: no-execute pages,
 * write protection in ring 0, SSE with native x87 errors, then XSAVE
 * and the user FPU components (fpu.c) and SYSCALL (user.c).  SMEP and
 * SMAP go on when the CPU has them: the kernel never executes user pages
 * and touches user memory through user addresses only in the direct copy
 * (uaccess.S), which lifts SMAP with stac for the copy alone, so any
 * other such access is a kernel bug and faults.
 */
static void cpu_features_init(void)
{
	uint32_t a, b, c, d, max, maxext;
	uint64_t cr4_extra = 0;
	char brand[49] = "";

	cpuid(0x80000000, 0, &maxext, &b, &c, &d);
	if (maxext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		if (d & CPUID_EXT_NX)
			wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	}
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE | CR0_WP);
	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		if (b & CPUID7_EBX_SMEP)
			cr4_extra |= CR4_SMEP;
		if (b & CPUID7_EBX_SMAP)
			cr4_extra |= CR4_SMAP;
	}
	/* RDTSC stays allowed in ring 3 (TSD clear): the vDSO reads it. */
	write_cr4((read_cr4() & ~CR4_TSD) | CR4_OSFXSR | CR4_OSXMMEXCPT |
		  cr4_extra);
	x86_fpu_init();
	x86_user_init();

	if (maxext >= 0x80000004) {
		uint32_t *w = (uint32_t *)brand;

		for (uint32_t leaf = 0; leaf < 3; leaf++)
			cpuid(0x80000002 + leaf, 0, &w[leaf * 4],
			      &w[leaf * 4 + 1], &w[leaf * 4 + 2],
			      &w[leaf * 4 + 3]);
		brand[48] = '\0';
	}
	log_info("x86: CPU \"%s\", NX %s, SMEP %s, SMAP %s", brand,
		 rdmsr(MSR_EFER) & EFER_NXE ? "on" : "absent",
		 cr4_extra & CR4_SMEP ? "on" : "absent",
		 cr4_extra & CR4_SMAP ? "on" : "absent");
}

uint64_t x86_entry_tsc;

void x86_start(const struct kos_bootinfo *bi)
{
	x86_entry_tsc = rdtsc(); /* the boot's profile: clock.c logs it */
	x86_serial_init();
	x86_gdt_init();
	x86_idt_init();
	if (!bi) {
		x86_puts("x86: no boot information from the EFI stub\n");
		plat_halt();
	}
	cpu_features_init();
	x86_acpi_init(bi->acpi_rsdp, bi);
	x86_pic_disable();
	x86_lapic_init();
	x86_ioapic_init();
	x86_clock_init(bi);
	x86_serial_enable_rx();
	x86_mem_drop_identity();
	kos_main(bi);
}
