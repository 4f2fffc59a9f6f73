/*
 * reboot(2): power off, halt or restart the machine, or say what
 * Ctrl-Alt-Del does.
 *
 * As on Linux, the kernel does not sync or unmount anything first: user
 * space does that (BusyBox init runs its shutdown actions, kills every
 * process and syncs before it calls reboot).  Power off and halt both end
 * the run with status 0 (kos_poweroff: "kos: power off, status 0"); a
 * halted machine that waited forever would only leave QEMU or the hosted
 * process to be killed by hand.  Restart logs "kos: restart" and asks the
 * platform for a reset (plat_restart: a machine reset on x86_64, which
 * QEMU under -no-reboot turns into an exit; hosted, an exit with
 * PLAT_RESTART_STATUS); scripts/kos-run boots again when told --reboot.
 *
 * KOS has one pid name space, so the child name space rules of Linux
 * (signal that name space's init instead) never apply.
 */
#include <kos/log.h>
#include <kos/plat/power.h>
#include <kos/console.h>
#include <kos/proc.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/reboot.h>

/*
 * Does Ctrl-Alt-Del restart at once (true, Linux's default) or send
 * SIGINT to init?  Nothing delivers the keystroke yet: the console has no
 * keyboard.
 */
static bool cad_restarts = true;

/* Log "kos: restart" whatever the log level (runners look for it). */
static void __noreturn reboot_restart(const char *cmd)
{
	if (kos_log_get_level() < LOG_NOTICE)
		kos_log_set_level(LOG_NOTICE);
	if (cmd)
		kos_log(LOG_NOTICE, "kos: restart, command '%s'", cmd);
	else
		kos_log(LOG_NOTICE, "kos: restart");
	plat_restart();
}

static bool magic_ok(int magic1, int magic2)
{
	return (unsigned int)magic1 == LINUX_REBOOT_MAGIC1 &&
	       ((unsigned int)magic2 == LINUX_REBOOT_MAGIC2 ||
		(unsigned int)magic2 == LINUX_REBOOT_MAGIC2A ||
		(unsigned int)magic2 == LINUX_REBOOT_MAGIC2B ||
		(unsigned int)magic2 == LINUX_REBOOT_MAGIC2C);
}

/*
 * reboot: checks in Linux's order: CAP_SYS_BOOT (-EPERM), the magic
 * numbers (-EINVAL), then the command: CAD_ON/CAD_OFF return 0; the
 * others do not return; RESTART2's string is read first (-EFAULT, cut
 * at 255 bytes); SW_SUSPEND and KEXEC are -EINVAL as on a Linux built
 * without hibernation and kexec, and so is any other command.
 */
SYSCALL_DEFINE4(reboot, __as_hex int, magic1, __as_hex int, magic2,
		__as_hex unsigned int, cmd, void __user *, arg)
{
	char buf[256];
	long n;

	if (!(proc_current()->cred.cap_effective & (1ULL << CAP_SYS_BOOT)))
		return -EPERM;
	if (!magic_ok(magic1, magic2))
		return -EINVAL;

	switch (cmd) {
	case LINUX_REBOOT_CMD_CAD_ON:
		cad_restarts = true;
		return 0;
	case LINUX_REBOOT_CMD_CAD_OFF:
		cad_restarts = false;
		return 0;
	case LINUX_REBOOT_CMD_POWER_OFF:
		log_notice("reboot: Power down");
		kos_poweroff(0);
	case LINUX_REBOOT_CMD_HALT:
		log_notice("reboot: System halted");
		kos_poweroff(0);
	case LINUX_REBOOT_CMD_RESTART:
		reboot_restart(NULL);
	case LINUX_REBOOT_CMD_RESTART2:
		n = strncpy_from_user(buf, arg, sizeof(buf) - 1);
		if (n == -EFAULT)
			return -EFAULT;
		buf[sizeof(buf) - 1] = '\0';
		reboot_restart(buf);
	default:
		return -EINVAL;
	}
}
