/*
 * Unit tests for the name cache (libkos/fs/dcache.c) as path walks see
 * it: misses fill it, repeated walks hit it (negative entries too), and
 * every change of a name through the VFS (create, unlink, rmdir,
 * rename, link, symlink) is visible at once; the cache holds references
 * that umount and rmdir give back; it stays within its bound.
 */
#include "fs_test.h"

#include "../../libkos/fs/internal.h"

static struct dcache_stats st(void)
{
	struct dcache_stats s;

	dcache_get_stats(&s);
	return s;
}

START_TEST(test_dcache_hits_and_negative_entries)
{
	struct dcache_stats a, b;

	ck_assert_int_eq(vfs_mkdirat(NULL, "/d", 0755, NULL), 0);
	t_mkfile("/d/f", "x");
	ck_assert_int_eq(t_lookup_err("/d/f", 0), 0);
	a = st();
	ck_assert_int_eq(t_lookup_err("/d/f", 0), 0);
	b = st();
	ck_assert_uint_eq(b.hits, a.hits + 2); /* "d" and "f" */
	ck_assert_uint_eq(b.misses, a.misses);
	ck_assert_int_eq(t_lookup_err("/d/nx", 0), -ENOENT);
	a = st();
	ck_assert_int_eq(t_lookup_err("/d/nx", 0), -ENOENT);
	b = st();
	ck_assert_uint_eq(b.neg_hits, a.neg_hits + 1);
	ck_assert_uint_eq(b.misses, a.misses);
}
END_TEST

START_TEST(test_dcache_follows_name_changes)
{
	struct vnode *f, *v;

	ck_assert_int_eq(vfs_mkdirat(NULL, "/d", 0755, NULL), 0);
	/* negative, then created by each kind of call */
	ck_assert_int_eq(t_lookup_err("/d/a", 0), -ENOENT);
	t_mkfile("/d/a", "x");
	ck_assert_int_eq(t_lookup_err("/d/a", 0), 0);
	ck_assert_int_eq(t_lookup_err("/d/s", 0), -ENOENT);
	ck_assert_int_eq(vfs_symlinkat("a", NULL, "/d/s", NULL), 0);
	ck_assert_int_eq(t_lookup_err("/d/s", 0), 0);
	ck_assert_int_eq(t_lookup_err("/d/h", 0), -ENOENT);
	ck_assert_int_eq(vfs_linkat(NULL, "/d/a", NULL, "/d/h", 0, NULL), 0);
	f = t_lookup("/d/a", 0);
	v = t_lookup("/d/h", 0);
	ck_assert_ptr_eq(f, v);
	vnode_put(v);
	/* rename: the old name goes, the new one is the file */
	ck_assert_int_eq(t_lookup_err("/d/b", 0), -ENOENT);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/a", NULL, "/d/b", 0, NULL), 0);
	ck_assert_int_eq(t_lookup_err("/d/a", 0), -ENOENT);
	v = t_lookup("/d/b", 0);
	ck_assert_ptr_eq(f, v);
	vnode_put(v);
	/* rename over an existing name replaces what the cache says */
	t_mkfile("/d/c", "y");
	ck_assert_int_eq(t_lookup_err("/d/c", 0), 0);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/b", NULL, "/d/c", 0, NULL), 0);
	v = t_lookup("/d/c", 0);
	ck_assert_ptr_eq(f, v);
	vnode_put(v);
	/* exchange */
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d/e", 0755, NULL), 0);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/c", NULL, "/d/e",
				      VFS_RENAME_EXCHANGE, NULL),
			 0);
	v = t_lookup("/d/e", 0);
	ck_assert_ptr_eq(f, v);
	vnode_put(v);
	ck_assert_int_eq(t_lookup_err("/d/c", LOOKUP_DIRECTORY), 0);
	/* unlink */
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/e", false, NULL), 0);
	ck_assert_int_eq(t_lookup_err("/d/e", 0), -ENOENT);
	vnode_put(f);
}
END_TEST

START_TEST(test_dcache_rmdir_forgets_children)
{
	struct vnode *old, *v;

	ck_assert_int_eq(vfs_mkdirat(NULL, "/d", 0755, NULL), 0);
	old = t_lookup("/d", 0);
	ck_assert_int_eq(t_lookup_err("/d/x", 0), -ENOENT); /* negative */
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d", true, NULL), 0);
	ck_assert_int_eq(t_lookup_err("/d", 0), -ENOENT);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d", 0755, NULL), 0);
	t_mkfile("/d/x", "z");
	v = t_lookup("/d/x", 0);
	ck_assert(S_ISREG(v->mode));
	vnode_put(v);
	/* the removed directory: nothing creatable in it, nothing found */
	ck_assert_int_eq(vfs_lookup(old, "x", 0, NULL, &v), -ENOENT);
	ck_assert_int_eq(vfs_mkdirat(old, "y", 0755, NULL), -ENOENT);
	vnode_put(old);
}
END_TEST

START_TEST(test_dcache_umount_gives_back_references)
{
	struct superblock *sb = ramfs_create();
	struct vnode *root, *v;

	ck_assert_ptr_nonnull(sb);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/mnt", 0755, NULL), 0);
	ck_assert_int_eq(vfs_mount(sb, "/mnt"), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/mnt/a", 0755, NULL), 0);
	t_mkfile("/mnt/a/f", "x");
	ck_assert_int_eq(t_lookup_err("/mnt/a/f", 0), 0);
	ck_assert_int_eq(t_lookup_err("/mnt/a/nx", 0), -ENOENT);
	root = sb->root;
	v = t_lookup("/mnt/a", 0);
	/* the cache's references are not users: umount succeeds */
	vnode_put(v);
	ck_assert_int_eq(vfs_umount(NULL, "/mnt", false, false, NULL), 0);
	(void)root;
	ck_assert_int_eq(t_lookup_err("/mnt/a", 0), -ENOENT);
}
END_TEST

START_TEST(test_dcache_bounded)
{
	struct dcache_stats s;
	char name[32];

	ck_assert_int_eq(vfs_mkdirat(NULL, "/d", 0755, NULL), 0);
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "/d/n%d", i);
		ck_assert_int_eq(t_lookup_err(name, 0), -ENOENT);
	}
	s = st();
	ck_assert_uint_le(s.entries, 16384);
	ck_assert_uint_gt(s.evictions, 0);
	/* evicted entries are just misses again */
	ck_assert_int_eq(t_lookup_err("/d/n0", 0), -ENOENT);
}
END_TEST

Suite *dcache_suite(void)
{
	Suite *s = suite_create("dcache");
	TCase *tc = fs_test_tcase("core");

	tcase_add_test(tc, test_dcache_hits_and_negative_entries);
	tcase_add_test(tc, test_dcache_follows_name_changes);
	tcase_add_test(tc, test_dcache_rmdir_forgets_children);
	tcase_add_test(tc, test_dcache_umount_gives_back_references);
	tcase_add_test(tc, test_dcache_bounded);
	suite_add_tcase(s, tc);
	return s;
}
