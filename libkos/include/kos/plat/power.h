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

/*
 * Restart the machine (reboot(2) RESTART).  Bare metal: a reset through
 * the ACPI reset register, else the keyboard controller, else a triple
 * fault (QEMU under -no-reboot exits with status 0 instead of booting
 * again); hosted: the host process exits with PLAT_RESTART_STATUS.  Either
 * way scripts/kos-run tells a restart from a power-off (by the status, or
 * by the "kos: restart" console line) and boots again with --reboot.
 */
void plat_restart(void) __noreturn;

/* The hosted process's exit status after plat_restart(). */
#define PLAT_RESTART_STATUS 251

/* Stop this CPU forever with interrupts disabled (used by panic). */
void plat_halt(void) __noreturn;

#endif
