/*
 * Hosted power: poweroff and restart are process exits, halt is abort().
 *
 * Both may be called on any kernel thread's stack and from interrupt
 * context, so neither runs atexit handlers: hosted_exit() flushes stdio
 * itself and leaves with _exit().
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <kos/plat/console.h>
#include <kos/plat/power.h>

#include "hosted.h"

void hosted_exit(int status)
{
	hosted_irq_shutdown();
	hosted_console_restore();
	hosted_spares_kill();
	hosted_prof_dump();
	fflush(NULL);
	_exit(status & 0xff);
}

void plat_poweroff(int status)
{
	hosted_exit(status);
}

/* A restart is an exit that scripts/kos-run recognises (kos/plat/power.h). */
void plat_restart(void)
{
	hosted_exit(PLAT_RESTART_STATUS);
}

/*
 * Stop for good.  SIGABRT makes gdb stop right here with the kernel's
 * stack intact, and lets test runners tell a halt from a clean exit.
 */
void plat_halt(void)
{
	static const char msg[] = "kos: halted\n";

	hosted_irq_shutdown();
	hosted_console_restore();
	plat_console_write(msg, sizeof(msg) - 1);
	fflush(NULL);
	abort();
}
