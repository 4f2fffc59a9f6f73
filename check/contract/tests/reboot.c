/*
 * reboot(2)'s checks, the paths that return: CAP_SYS_BOOT before the
 * magic numbers (EPERM, then EINVAL), unknown commands, and the commands
 * a Linux without hibernation or kexec refuses.
 *
 * Nothing here may succeed at stopping the machine, and CAD_ON/CAD_OFF
 * cannot be compared: the oracle runs the program as init of a child pid
 * name space, where Linux turns POWER_OFF, HALT and RESTART into a signal
 * that kills the program and refuses every other command with EINVAL
 * (reboot_pid_ns) -- while KOS, with one name space, returns 0 for
 * CAD_ON/CAD_OFF.  Every call below fails before that difference.
 */
#include <sys/reboot.h>

#include "proclib.h"

#define CONTRACT_AREA "reboot"

#define MAGIC1 0xfee1deadL
#define MAGIC2 672274793L /* 0x28121969 */
#define CMD_CAD_ON 0x89abcdefL
#define CMD_POWER_OFF 0x4321fedcL
#define CMD_SW_SUSPEND 0xd000fce1L
#define CMD_KEXEC 0x45584543L

static long sys_reboot(long m1, long m2, long cmd)
{
	return syscall(SYS_reboot, m1, m2, cmd, 0);
}

CONTRACT_TEST(magic)
{
	CHECK_ERR("magic1 wrong", sys_reboot(0xfee1deaf, MAGIC2, CMD_POWER_OFF),
		  EINVAL);
	CHECK_ERR("magic2 wrong", sys_reboot(MAGIC1, 12345, CMD_POWER_OFF),
		  EINVAL);
	CHECK_ERR("magic1 as magic2", sys_reboot(MAGIC1, MAGIC1, CMD_POWER_OFF),
		  EINVAL);
	CHECK_ERR("magic numbers swapped",
		  sys_reboot(MAGIC2, MAGIC1, CMD_POWER_OFF), EINVAL);
}

CONTRACT_TEST(commands)
{
	static const long magic2s[] = { 672274793, 85072278, 369367448,
					537993216 };

	/* each magic2 is accepted: the command decides */
	for (unsigned int i = 0; i < 4; i++)
		CHECK_ERR("unknown command", sys_reboot(MAGIC1, magic2s[i], 1),
			  EINVAL);
	CHECK_ERR("SW_SUSPEND", sys_reboot(MAGIC1, MAGIC2, CMD_SW_SUSPEND),
		  EINVAL);
	CHECK_ERR("KEXEC", sys_reboot(MAGIC1, MAGIC2, CMD_KEXEC), EINVAL);
	CHECK_ERR("0x12345678", sys_reboot(MAGIC1, MAGIC2, 0x12345678), EINVAL);
}

static void not_root(void *arg)
{
	CHECK_RET("setuid(65534)", setuid(65534), 0);
	CHECK_ERR("CAD_ON as nobody", sys_reboot(MAGIC1, MAGIC2, CMD_CAD_ON),
		  EPERM);
	CHECK_ERR("POWER_OFF as nobody",
		  sys_reboot(MAGIC1, MAGIC2, CMD_POWER_OFF), EPERM);
	CHECK_ERR("bad magic as nobody: EPERM first",
		  sys_reboot(1, 2, CMD_POWER_OFF), EPERM);
	CHECK_ERR("libc reboot(RB_POWER_OFF) as nobody", reboot(RB_POWER_OFF),
		  EPERM);
}

CONTRACT_TEST(eperm)
{
	ct_child_ok("child", not_root, NULL);
}
