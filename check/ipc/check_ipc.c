/*
 * Unit tests for libkos/ipc/util.c: how ids are numbered (Linux's
 * cyclic indices and sequence numbers), stale ids, keys, and the
 * ipcperms() rules (owner, creator, groups, CAP_IPC_OWNER) and the
 * owner check of IPC_SET/IPC_RMID.  Expectations are Linux's.
 */
#include <check.h>
#include <string.h>

#include <kos/boot.h>
#include <kos/kmalloc.h>
#include <kos/plat/cpu.h>
#include <kos/pmm.h>
#include <uapi/capability.h>
#include <uapi/errno.h>

#include "../plat_test.h"
#include "../../libkos/ipc/internal.h"

static void setup(void)
{
	struct kos_bootinfo bi;

	plat_irq_disable();
	test_bootinfo(&bi, 16UL << 20);
	pmm_init(&bi);
	kmalloc_init();
	plat_irq_enable();
}

static struct ipc_cred cred(uint32_t uid, uint32_t gid, uint64_t caps)
{
	struct ipc_cred c;

	memset(&c, 0, sizeof(c));
	c.vc.uid = uid;
	c.vc.gid = gid;
	c.vc.caps = caps;
	c.egid = gid;
	return c;
}

START_TEST(test_ipc_ids_cycle)
{
	struct ipc_ids ids = IPC_IDS_INIT(100);
	struct ipc_cred c = cred(0, 0, ~0ULL);
	static struct ipc_obj o[70];

	/* A fresh table numbers 0, 1, 2, ... */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ipc_add(&ids, &o[i], 0, 0600, &c), i);
	/* Removing one does not give its index back at once. */
	ipc_remove(&ids, &o[1]);
	ck_assert_ptr_null(ipc_find_id(&ids, 1));
	ck_assert_int_eq(ipc_add(&ids, &o[1], 0, 0600, &c), 3);
	/* Past the 64 cycled indices the search wraps: next sequence. */
	for (int i = 4; i < 64; i++) {
		ck_assert_int_eq(ipc_add(&ids, &o[i], 0, 0600, &c), i);
		ipc_remove(&ids, &o[i]);
	}
	ck_assert_int_eq(ipc_add(&ids, &o[64], 0, 0600, &c), IPC_SEQ_MULT + 1);
	/* The old id of index 1 is stale now. */
	ck_assert_ptr_null(ipc_find_id(&ids, 1));
	ck_assert_ptr_eq(ipc_find_id(&ids, IPC_SEQ_MULT + 1), &o[64]);
	ck_assert_ptr_eq(ipc_find_idx(&ids, 1), &o[64]);
	ck_assert_int_eq(ipc_info_idx(&ids), 3);
	/* With more in use the cycle is longer (1.5 times the count). */
	for (int i = 4; i < 64; i++)
		ck_assert_int_eq(ipc_add(&ids, &o[i], 0, 0600, &c),
				 IPC_SEQ_MULT + i);
	ck_assert_int_eq(ipc_add(&ids, &o[65], 0, 0600, &c), IPC_SEQ_MULT + 64);
	for (int i = 0; i <= 65; i++)
		if (i != 3) /* o[3] was never added */
			ipc_remove(&ids, &o[i]);
	ck_assert_int_eq(ids.in_use, 0);
	ck_assert_int_eq(ipc_info_idx(&ids), 0);
}
END_TEST

START_TEST(test_ipc_ids_full)
{
	struct ipc_ids ids = IPC_IDS_INIT(2);
	struct ipc_cred c = cred(0, 0, 0);
	static struct ipc_obj o[3];

	ck_assert_int_eq(ipc_add(&ids, &o[0], 7, 0600, &c), 0);
	ck_assert_int_eq(ipc_add(&ids, &o[1], 8, 0600, &c), 1);
	ck_assert_int_eq(ipc_add(&ids, &o[2], 9, 0600, &c), -ENOSPC);
	ck_assert_int_eq(ipc_info_idx(&ids), 1);
	ck_assert_ptr_eq(ipc_find_key(&ids, 8), &o[1]);
	ck_assert_ptr_null(ipc_find_key(&ids, 9));
	ipc_remove(&ids, &o[0]);
	ipc_remove(&ids, &o[1]);
}
END_TEST

START_TEST(test_ipc_perms)
{
	struct ipc_ids ids = IPC_IDS_INIT(10);
	struct ipc_cred owner = cred(1000, 100, 0);
	struct ipc_cred grp = cred(2000, 100, 0);
	struct ipc_cred other = cred(3000, 300, 0);
	struct ipc_cred capable = cred(3000, 300, 1ULL << CAP_IPC_OWNER);
	struct ipc_cred admin = cred(3000, 300, 1ULL << CAP_SYS_ADMIN);
	struct ipc64_perm set;
	struct ipc_obj o;

	ck_assert_int_eq(ipc_add(&ids, &o, 5, 01640 | IPC_CREAT, &owner), 0);
	ck_assert_uint_eq(o.mode, 0640); /* only the permission bits */
	ck_assert_int_eq(ipc_perms(&o, 0600, &owner), 0);
	ck_assert_int_eq(ipc_perms(&o, 0400, &grp), 0);
	ck_assert_int_eq(ipc_perms(&o, 0200, &grp), -EACCES);
	ck_assert_int_eq(ipc_perms(&o, 0400, &other), -EACCES);
	ck_assert_int_eq(ipc_perms(&o, 0, &other), 0);
	ck_assert_int_eq(ipc_perms(&o, 0600, &capable), 0);
	/* The owner's class wins even where the others' would allow. */
	o.mode = 0007;
	ck_assert_int_eq(ipc_perms(&o, 0400, &owner), -EACCES);
	ck_assert_int_eq(ipc_perms(&o, 0400, &other), 0);
	/* A supplementary group counts. */
	other.vc.groups[0] = 100;
	other.vc.ngroups = 1;
	o.mode = 0040;
	ck_assert_int_eq(ipc_perms(&o, 0400, &other), 0);
	/* IPC_SET/IPC_RMID: owner, creator, CAP_SYS_ADMIN. */
	ck_assert_int_eq(ipc_check_owner(&o, &owner), 0);
	ck_assert_int_eq(ipc_check_owner(&o, &grp), -EPERM);
	ck_assert_int_eq(ipc_check_owner(&o, &admin), 0);
	memset(&set, 0, sizeof(set));
	set.uid = 2000;
	set.gid = 200;
	set.mode = 07777;
	ck_assert_int_eq(ipc_update_perm(&o, &set), 0);
	ck_assert_uint_eq(o.mode, 0777);
	ck_assert_int_eq(ipc_check_owner(&o, &grp), 0);	  /* new owner */
	ck_assert_int_eq(ipc_check_owner(&o, &owner), 0); /* creator */
	set.uid = (uint32_t)-1;
	ck_assert_int_eq(ipc_update_perm(&o, &set), -EINVAL);
	ipc_remove(&ids, &o);
}
END_TEST

Suite *ipc_suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("util");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_ipc_ids_cycle);
	tcase_add_test(tc, test_ipc_ids_full);
	tcase_add_test(tc, test_ipc_perms);
	suite_add_tcase(s, tc);
	return s;
}
