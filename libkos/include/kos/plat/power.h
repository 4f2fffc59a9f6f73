/*
 * Platform interface: power.
 */
#ifndef KOS_PLAT_POWER_H
#define KOS_PLAT_POWER_H

#include <kos/compiler.h>

/*
 * Power the machine off, reporting status to whoever started it
 * (scripts/kos-run exits with it).  status is 0..127.  Bare metal: QEMU's
 * isa-debug-exit device when present (QEMU exits with 2*status+1), ACPI
 * power-off otherwise; hosted: the host process exits with status.
 */
void plat_poweroff(int status) __noreturn;

/* Stop this CPU forever with interrupts disabled (used by panic). */
void plat_halt(void) __noreturn;

#endif
