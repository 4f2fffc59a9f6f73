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
 * Nothing is printed: the core has already said why.
 */
#include <kos/plat/power.h>

#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4
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

void plat_halt(void)
{
	for (;;)
		__asm__ __volatile__("cli\n\thlt" ::: "memory");
}
