/*
 * Unit tests for the system-wide calls of libkos/sys/reboot.c and
 * sys/system.c: reboot(2)'s checks and what each command does (power off
 * and halt exit with status 0 on the fake platform, restart with
 * PLAT_RESTART_STATUS), and sethostname/setdomainname as uname shows
 * them.  Called directly, with user pointers into a real user address
 * space of a fake current process, root or not.
 */
#include <kos/plat/power.h>
#include <kos/plat/user.h>
#include <kos/proc.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/mman.h>
#include <uapi/reboot.h>
#include <uapi/utsname.h>

#include "../fs/fs_test.h"

#define U 0x40000000UL
#define ULEN (4 * 4096UL)
#define BAD ((void *)0x1000UL) /* unmapped */
#define M1 ((int)LINUX_REBOOT_MAGIC1)
#define M2 ((int)LINUX_REBOOT_MAGIC2)

static struct proc tproc;
static struct uthread tut;

/* A fake process, root with every capability, with user pages at U. */
static void setup_root(void)
{
	struct vm_space *vm;
	unsigned long r;

	fs_test_setup();
	vm = vm_create();
	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm_map(vm, U, ULEN, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
				0, &r),
			 0);
	vm_set_current_for_test(vm);
	memset(&tproc, 0, sizeof(tproc));
	memset(&tut, 0, sizeof(tut));
	tproc.pid = 1;
	tproc.cred.cap_effective = tproc.cred.cap_permitted = ~0ULL;
	tut.proc = &tproc;
	tut.vm = vm;
	sched_current()->priv = &tut;
}

static void teardown(void)
{
	sched_current()->priv = NULL;
	vm_set_current_for_test(NULL);
}

/* s copied to user memory at U + off */
static char *ustr(unsigned long off, const char *s)
{
	char *p = (char *)(U + off);

	ck_assert_int_eq(copy_to_user(p, s, strlen(s) + 1), 0);
	return p;
}

/* uname(2) through a user buffer, copied back */
static void uname_now(struct new_utsname *u)
{
	void *ubuf = (void *)(U + 4096);

	memset(u, 'x', sizeof(*u));
	ck_assert_int_eq(sys_uname(ubuf), 0);
	ck_assert_int_eq(copy_from_user(u, ubuf, sizeof(*u)), 0);
}

START_TEST(test_reboot_checks)
{
	ck_assert_int_eq(sys_reboot(0, M2, LINUX_REBOOT_CMD_POWER_OFF, NULL),
			 -EINVAL);
	ck_assert_int_eq(
		sys_reboot(M1, 0x28121968, LINUX_REBOOT_CMD_POWER_OFF, NULL),
		-EINVAL);
	ck_assert_int_eq(sys_reboot(M2, M1, LINUX_REBOOT_CMD_POWER_OFF, NULL),
			 -EINVAL);
	/* every magic2 works; then the command decides */
	ck_assert_int_eq(sys_reboot(M1, LINUX_REBOOT_MAGIC2A, 1, NULL),
			 -EINVAL);
	ck_assert_int_eq(sys_reboot(M1, LINUX_REBOOT_MAGIC2B, 1, NULL),
			 -EINVAL);
	ck_assert_int_eq(sys_reboot(M1, LINUX_REBOOT_MAGIC2C, 1, NULL),
			 -EINVAL);
	ck_assert_int_eq(sys_reboot(M1, M2, LINUX_REBOOT_CMD_SW_SUSPEND, NULL),
			 -EINVAL);
	ck_assert_int_eq(sys_reboot(M1, M2, LINUX_REBOOT_CMD_KEXEC, NULL),
			 -EINVAL);
	ck_assert_int_eq(sys_reboot(M1, M2, LINUX_REBOOT_CMD_CAD_OFF, NULL), 0);
	ck_assert_int_eq(sys_reboot(M1, LINUX_REBOOT_MAGIC2C,
				    LINUX_REBOOT_CMD_CAD_ON, NULL),
			 0);
	/* a bad RESTART2 string fails before anything happens */
	ck_assert_int_eq(sys_reboot(M1, M2, LINUX_REBOOT_CMD_RESTART2, BAD),
			 -EFAULT);
}
END_TEST

START_TEST(test_reboot_not_root)
{
	tproc.cred.cap_effective = tproc.cred.cap_permitted = 0;
	tproc.cred.uid = tproc.cred.euid = 65534;
	ck_assert_int_eq(sys_reboot(M1, M2, LINUX_REBOOT_CMD_POWER_OFF, NULL),
			 -EPERM);
	ck_assert_int_eq(sys_reboot(M1, M2, LINUX_REBOOT_CMD_CAD_ON, NULL),
			 -EPERM);
	/* the capability is checked before the magic numbers */
	ck_assert_int_eq(sys_reboot(1, 2, 3, NULL), -EPERM);
	ck_assert_int_eq(sys_sethostname(ustr(0, "x"), 1), -EPERM);
	ck_assert_int_eq(sys_sethostname(ustr(0, "x"), 100), -EPERM);
	ck_assert_int_eq(sys_setdomainname(ustr(0, "x"), 1), -EPERM);
}
END_TEST

/* Each of these ends the run: the fake platform's exit status is checked. */
START_TEST(test_reboot_power_off)
{
	sys_reboot(M1, M2, LINUX_REBOOT_CMD_POWER_OFF, NULL);
	ck_abort_msg("POWER_OFF returned");
}
END_TEST

START_TEST(test_reboot_halt)
{
	sys_reboot(M1, M2, LINUX_REBOOT_CMD_HALT, NULL);
	ck_abort_msg("HALT returned");
}
END_TEST

START_TEST(test_reboot_restart)
{
	sys_reboot(M1, M2, LINUX_REBOOT_CMD_RESTART, NULL);
	ck_abort_msg("RESTART returned");
}
END_TEST

START_TEST(test_reboot_restart2)
{
	sys_reboot(M1, M2, LINUX_REBOOT_CMD_RESTART2, ustr(0, "rescue"));
	ck_abort_msg("RESTART2 returned");
}
END_TEST

START_TEST(test_system_hostname)
{
	struct new_utsname u;
	char big[80];

	uname_now(&u);
	ck_assert_str_eq(u.nodename, "(none)");
	ck_assert_str_eq(u.domainname, "(none)");
	ck_assert_int_eq(sys_sethostname(ustr(0, "kosbox"), 3), 0);
	uname_now(&u);
	ck_assert_str_eq(u.nodename, "kos");
	ck_assert_int_eq(sys_setdomainname(ustr(0, "example.org"), 11), 0);
	uname_now(&u);
	ck_assert_str_eq(u.domainname, "example.org");
	ck_assert_str_eq(u.nodename, "kos");

	memset(big, 'h', sizeof(big));
	big[sizeof(big) - 1] = 0;
	ck_assert_int_eq(sys_sethostname(ustr(0, big), 65), -EINVAL);
	ck_assert_int_eq(sys_sethostname(ustr(0, big), -1), -EINVAL);
	ck_assert_int_eq(sys_sethostname(BAD, 4), -EFAULT);
	ck_assert_int_eq(sys_sethostname(BAD, 65), -EINVAL);
	uname_now(&u);
	ck_assert_str_eq(u.nodename, "kos");
	ck_assert_int_eq(sys_sethostname(ustr(0, big), 64), 0);
	uname_now(&u);
	ck_assert_uint_eq(strlen(u.nodename), 64);
	ck_assert_int_eq(sys_sethostname(NULL, 0), 0);
	uname_now(&u);
	ck_assert_str_eq(u.nodename, "");
}
END_TEST

Suite *system_suite(void)
{
	Suite *s = suite_create("system");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup_root, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_reboot_checks);
	tcase_add_test(tc, test_reboot_not_root);
	tcase_add_exit_test(tc, test_reboot_power_off, 0);
	tcase_add_exit_test(tc, test_reboot_halt, 0);
	tcase_add_exit_test(tc, test_reboot_restart, PLAT_RESTART_STATUS);
	tcase_add_exit_test(tc, test_reboot_restart2, PLAT_RESTART_STATUS);
	tcase_add_test(tc, test_system_hostname);
	suite_add_tcase(s, tc);
	return s;
}
