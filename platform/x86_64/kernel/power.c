/*
 * Power off and halt (kos/plat/power.h).
 *
 * plat_poweroff(status), in order of preference:
 *  1. QEMU's isa-debug-exit device at port 0xf4 (scripts/kos-run adds
 *     it): writing status makes QEMU exit with 2 * status + 1.  On a
 *     machine without it the write goes nowhere.
 *  2. ACPI S5: SLP_TYPa/b from the DSDT's \_S5 package with SLP_EN, into
 *     PM1a_CNT (and PM1b_CNT); ACPI mode is switched on first through
 *     SMI_CMD if the firmware left it off.  Found at boot by acpi.c.
 *  3. Halt forever.
 * plat_restart(), likewise:
 *  1. the FADT's reset register (on QEMU's q35, 0x06 into port 0xcf9);
 *  2. the keyboard controller's pulse of the reset line (0xfe to 0x64);
 *  3. a triple fault: an empty IDT and an exception.
 * Nothing is printed: the core has already said why.
 */
#include <kos/plat/power.h>

#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4
#define KBC_STATUS_PORT 0x64	 /* read: status; write: command */
#define KBC_STATUS_IN_FULL 0x02	 /* input buffer full: busy */
#define KBC_CMD_PULSE_RESET 0xfe /* pulse output line 0: CPU reset */
#define PM1_SCI_EN 0x0001
#define PM1_SLP_EN (1U << 13)
#define PM1_SLP_TYP_SHIFT 10

static void acpi_s5(void)
{
	const struct x86_acpi_info *a = &x86_acpi;

	if (!a->have_s5 || !a->pm1a_cnt || a->pm1a_cnt > 0xffff)
		return;
	if (!(inw((uint16_t)a->pm1a_cnt) & PM1_SCI_EN) && a->smi_cmd &&
	    a->smi_cmd <= 0xffff && a->acpi_enable) {
		outb((uint16_t)a->smi_cmd, a->acpi_enable);
		for (unsigned int i = 0; i < 1000000; i++) {
			if (inw((uint16_t)a->pm1a_cnt) & PM1_SCI_EN)
				break;
			cpu_relax();
		}
	}
	outw((uint16_t)a->pm1a_cnt,
	     (uint16_t)(a->slp_typa << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
	if (a->pm1b_cnt && a->pm1b_cnt <= 0xffff)
		outw((uint16_t)a->pm1b_cnt,
		     (uint16_t)(a->slp_typb << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
}

void plat_poweroff(int status)
{
	__asm__ __volatile__("cli" ::: "memory");
	outb(DEBUG_EXIT_PORT, (uint8_t)(status & 0x7f));
	acpi_s5();
	plat_halt();
}

/* Wait (bounded) for the keyboard controller to take a command. */
static void kbc_wait(void)
{
	for (unsigned int i = 0; i < 100000; i++) {
		if (!(inb(KBC_STATUS_PORT) & KBC_STATUS_IN_FULL))
			return;
		cpu_relax();
	}
}

/* Give each way to reset ~10 ms (a dummy port write is ~1 us). */
static void reset_wait(void)
{
	for (unsigned int i = 0; i < 10000; i++)
		outb(0x80, 0);
}

void plat_restart(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	__asm__ __volatile__("cli" ::: "memory");
	if (x86_acpi.have_reset) {
		outb(x86_acpi.reset_port, x86_acpi.reset_value);
		reset_wait();
	}
	kbc_wait();
	outb(KBC_STATUS_PORT, KBC_CMD_PULSE_RESET);
	reset_wait();
	/* No IDT: the exception cannot be delivered, nor the double fault. */
	__asm__ __volatile__("lidt %0\n\tint3" : : "m"(no_idt) : "memory");
	plat_halt();
}

void plat_halt(void)
{
	for (;;)
		__asm__ __volatile__("cli\n\thlt" ::: "memory");
}
