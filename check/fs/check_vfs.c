/*
 * Unit tests for path lookup and the namespace operations
 * (libkos/fs/vfs.c): ".", "..", slashes, symlinks (and the 40-link
 * limit), name lengths, open(2) flag semantics, permissions, getcwd and
 * mount crossing.  Expected errnos are Linux's (checked on the host).
 */
#include "fs_test.h"

static void mkdirs(void)
{
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d", 0755, NULL), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d/e", 0755, NULL), 0);
	t_mkfile("/d/f", "hello");
}

START_TEST(test_vfs_lookup_dots_and_slashes)
{
	struct vnode *root = vfs_root(), *d, *v;

	mkdirs();
	d = t_lookup("/d", 0);
	v = t_lookup("//d//e/..//./", 0);
	ck_assert_ptr_eq(v, d);
	vnode_put(v);
	v = t_lookup("/..", 0);
	ck_assert_ptr_eq(v, root);
	vnode_put(v);
	v = t_lookup("/../../d/..", 0);
	ck_assert_ptr_eq(v, root);
	vnode_put(v);
	/* relative to a start directory */
	ck_assert_int_eq(vfs_lookup(d, "e/../f", 0, NULL, &v), 0);
	ck_assert(S_ISREG(v->mode));
	vnode_put(v);
	ck_assert_int_eq(vfs_lookup(d, "", 0, NULL, &v), -ENOENT);
	ck_assert_int_eq(vfs_lookup(d, "", LOOKUP_EMPTY, NULL, &v), 0);
	ck_assert_ptr_eq(v, d);
	vnode_put(v);
	vnode_put(d);
	ck_assert_int_eq(t_lookup_err("/d/f/", 0), -ENOTDIR);
	ck_assert_int_eq(t_lookup_err("/d/f/.", 0), -ENOTDIR);
	ck_assert_int_eq(t_lookup_err("/d/f/..", 0), -ENOTDIR);
	ck_assert_int_eq(t_lookup_err("/d/f/x", 0), -ENOTDIR);
	ck_assert_int_eq(t_lookup_err("/d/nx", 0), -ENOENT);
	ck_assert_int_eq(t_lookup_err("/d/nx/y", 0), -ENOENT);
	ck_assert_int_eq(t_lookup_err("/d/f", LOOKUP_DIRECTORY), -ENOTDIR);
	ck_assert_int_eq(t_lookup_err("/d/e/", 0), 0);
}
END_TEST

START_TEST(test_vfs_lookup_name_lengths)
{
	char *p = malloc(PATH_MAX + 10);

	memset(p, 'a', 256);
	p[0] = '/';
	p[256] = 0; /* component of 255: fine, absent */
	ck_assert_int_eq(t_lookup_err(p, 0), -ENOENT);
	p[256] = 'a';
	p[257] = 0; /* 256 */
	ck_assert_int_eq(t_lookup_err(p, 0), -ENAMETOOLONG);
	/* PATH_MAX - 1 bytes of "/" is fine; PATH_MAX is too long */
	memset(p, '/', PATH_MAX + 1);
	p[PATH_MAX - 1] = 0;
	ck_assert_int_eq(t_lookup_err(p, 0), 0);
	p[PATH_MAX - 1] = '/';
	p[PATH_MAX] = 0;
	ck_assert_int_eq(t_lookup_err(p, 0), -ENAMETOOLONG);
	free(p);
}
END_TEST

START_TEST(test_vfs_symlinks)
{
	struct vnode *v, *f;
	char buf[64];

	mkdirs();
	ck_assert_int_eq(vfs_symlinkat("f", NULL, "/d/rel", NULL), 0);
	ck_assert_int_eq(vfs_symlinkat("/d/e", NULL, "/abs", NULL), 0);
	ck_assert_int_eq(vfs_symlinkat("../rel", NULL, "/d/e/up", NULL), 0);
	ck_assert_int_eq(vfs_symlinkat("nowhere", NULL, "/d/dang", NULL), 0);
	ck_assert_int_eq(vfs_symlinkat("", NULL, "/d/empty", NULL), -ENOENT);
	ck_assert_int_eq(vfs_symlinkat("x", NULL, "/d/rel", NULL), -EEXIST);
	f = t_lookup("/d/f", 0);
	v = t_lookup("/d/rel", LOOKUP_FOLLOW);
	ck_assert_ptr_eq(v, f);
	vnode_put(v);
	v = t_lookup("/d/rel", 0);
	ck_assert(S_ISLNK(v->mode));
	ck_assert_uint_eq(v->size, 1);
	vnode_put(v);
	v = t_lookup("/abs/up", LOOKUP_FOLLOW); /* chain of two */
	ck_assert_ptr_eq(v, f);
	vnode_put(v);
	v = t_lookup("/abs/../f", 0); /* ".." of the target dir */
	ck_assert_ptr_eq(v, f);
	vnode_put(v);
	vnode_put(f);
	ck_assert_int_eq(t_lookup_err("/d/dang", LOOKUP_FOLLOW), -ENOENT);
	ck_assert_int_eq(t_lookup_err("/d/dang", 0), 0);
	ck_assert_int_eq(t_lookup_err("/d/rel/", 0), -ENOTDIR);
	ck_assert_int_eq(t_lookup_err("/abs/", 0), 0);
	ck_assert_int_eq(
		vfs_readlinkat(NULL, "/d/e/up", buf, sizeof(buf), NULL), 6);
	ck_assert_int_eq(memcmp(buf, "../rel", 6), 0);
	ck_assert_int_eq(vfs_readlinkat(NULL, "/d/e/up", buf, 3, NULL), 3);
	ck_assert_int_eq(vfs_readlinkat(NULL, "/d/f", buf, 3, NULL), -EINVAL);
}
END_TEST

START_TEST(test_vfs_symlink_loops_eloop)
{
	char name[32], target[32];
	struct vnode *v;

	ck_assert_int_eq(vfs_symlinkat("loop", NULL, "/loop", NULL), 0);
	ck_assert_int_eq(t_lookup_err("/loop", LOOKUP_FOLLOW), -ELOOP);
	ck_assert_int_eq(t_lookup_err("/loop/x", 0), -ELOOP);
	ck_assert_int_eq(vfs_symlinkat("b", NULL, "/a", NULL), 0);
	ck_assert_int_eq(vfs_symlinkat("a", NULL, "/b", NULL), 0);
	ck_assert_int_eq(t_lookup_err("/a", LOOKUP_FOLLOW), -ELOOP);
	/* A chain of exactly 40 links resolves; 41 is too many. */
	t_mkfile("/target", "x");
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "/l%d", i);
		if (i == 1)
			snprintf(target, sizeof(target), "target");
		else
			snprintf(target, sizeof(target), "l%d", i - 1);
		ck_assert_int_eq(vfs_symlinkat(target, NULL, name, NULL), 0);
	}
	ck_assert_int_eq(vfs_lookup(NULL, "/l40", LOOKUP_FOLLOW, NULL, &v), 0);
	ck_assert(S_ISREG(v->mode));
	vnode_put(v);
	ck_assert_int_eq(t_lookup_err("/l41", LOOKUP_FOLLOW), -ELOOP);
	ck_assert_int_eq(t_lookup_err("/l41", 0), 0);
}
END_TEST

START_TEST(test_vfs_open_flags)
{
	struct file *f;
	int err;

	mkdirs();
	ck_assert_int_eq(vfs_symlinkat("f", NULL, "/d/l", NULL), 0);
	ck_assert_int_eq(vfs_symlinkat("new", NULL, "/d/dang", NULL), 0);
	ck_assert_ptr_null(t_open("/d/f", O_CREAT | O_EXCL | O_RDWR, &err));
	ck_assert_int_eq(err, -EEXIST);
	ck_assert_ptr_null(t_open("/d/l", O_CREAT | O_EXCL | O_RDWR, &err));
	ck_assert_int_eq(err, -EEXIST);
	ck_assert_ptr_null(t_open("/d/f", O_RDONLY | O_DIRECTORY, &err));
	ck_assert_int_eq(err, -ENOTDIR);
	ck_assert_ptr_null(t_open("/d", O_WRONLY, &err));
	ck_assert_int_eq(err, -EISDIR);
	ck_assert_ptr_null(t_open("/d", O_RDONLY | O_CREAT, &err));
	ck_assert_int_eq(err, -EISDIR);
	ck_assert_ptr_null(t_open("/d/nx/", O_RDONLY | O_CREAT, &err));
	ck_assert_int_eq(err, -EISDIR);
	ck_assert_ptr_null(t_open("/d/f/", O_RDONLY, &err));
	ck_assert_int_eq(err, -ENOTDIR);
	ck_assert_ptr_null(t_open("/d/l", O_RDONLY | O_NOFOLLOW, &err));
	ck_assert_int_eq(err, -ELOOP);
	ck_assert_ptr_null(t_open("/d/nx", O_RDONLY, &err));
	ck_assert_int_eq(err, -ENOENT);
	ck_assert_ptr_null(t_open("", O_RDONLY, &err));
	ck_assert_int_eq(err, -ENOENT);
	/* O_PATH|O_NOFOLLOW opens the link itself */
	f = t_open("/d/l", O_PATH | O_NOFOLLOW, &err);
	ck_assert_ptr_nonnull(f);
	ck_assert(S_ISLNK(f->vnode->mode));
	ck_assert_uint_eq(f->flags, O_PATH | O_NOFOLLOW);
	ck_assert_int_eq(file_pread_kernel(f, &err, 1, 0), -EBADF);
	file_put(f);
	/* O_CREAT through a dangling symlink creates its target */
	f = t_open("/d/dang", O_CREAT | O_RDWR, &err);
	ck_assert_ptr_nonnull(f);
	file_put(f);
	ck_assert_int_eq(t_lookup_err("/d/new", 0), 0);
	/* F_GETFL view: O_LARGEFILE added, creation flags dropped */
	f = t_open("/d/f", O_RDWR | O_CLOEXEC | O_TRUNC | O_APPEND, &err);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->flags, O_RDWR | O_APPEND | O_LARGEFILE);
	ck_assert_uint_eq(f->vnode->size, 0); /* O_TRUNC */
	file_put(f);
	f = t_open("/d", O_RDONLY | O_DIRECTORY, &err);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->flags, O_DIRECTORY | O_LARGEFILE);
	file_put(f);
}
END_TEST

START_TEST(test_vfs_permissions)
{
	struct vfs_cred user = { .uid = 1000, .gid = 100 },
			other = { .uid = 2000, .gid = 200 };
	struct vnode *v;
	struct file *f;

	mkdirs();
	v = t_lookup("/d/f", 0);
	v->mode = S_IFREG | 0640;
	v->uid = 1000;
	v->gid = 100;
	ck_assert_int_eq(vfs_permission(v, MAY_READ | MAY_WRITE, &user), 0);
	ck_assert_int_eq(vfs_permission(v, MAY_EXEC, &user), -EACCES);
	ck_assert_int_eq(vfs_permission(v, MAY_READ, &other), -EACCES);
	other.gid = 100;
	ck_assert_int_eq(vfs_permission(v, MAY_READ, &other), 0);
	ck_assert_int_eq(vfs_permission(v, MAY_WRITE, &other), -EACCES);
	/* root: read/write always, exec only with some x bit */
	ck_assert_int_eq(vfs_permission(v, MAY_READ | MAY_WRITE, NULL), 0);
	ck_assert_int_eq(vfs_permission(v, MAY_EXEC, NULL), -EACCES);
	ck_assert_int_eq(vfs_may_exec(v, NULL), -EACCES);
	v->mode = S_IFREG | 0001;
	ck_assert_int_eq(vfs_permission(v, MAY_EXEC, NULL), 0);
	ck_assert_int_eq(vfs_may_exec(v, NULL), 0);
	vnode_put(v);
	v = t_lookup("/d", 0);
	ck_assert_int_eq(vfs_may_exec(v, NULL), -EACCES); /* a dir */
	ck_assert_int_eq(vfs_permission(v, MAY_EXEC, NULL), 0);
	/* search permission on the way */
	v->mode = S_IFDIR | 0700;
	ck_assert_int_eq(vfs_lookup(NULL, "/d/f", 0, &user, &v), -EACCES);
	ck_assert_int_eq(vfs_openat(NULL, "/d/f", O_RDONLY, 0, &user, &f),
			 -EACCES);
	ck_assert_int_eq(vfs_openat(NULL, "/d/f", O_RDONLY, 0, NULL, &f), 0);
	file_put(f);
	/* creating needs write on the directory */
	ck_assert_int_eq(
		vfs_openat(NULL, "/d/g", O_CREAT | O_WRONLY, 0600, &other, &f),
		-EACCES);
}
END_TEST

START_TEST(test_vfs_getcwd_and_mount)
{
	char buf[64];
	struct superblock *sb;
	struct vnode *v, *e;

	mkdirs();
	ck_assert_int_eq(vfs_getcwd(vfs_root(), buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "/");
	e = t_lookup("/d/e", 0);
	ck_assert_int_eq(vfs_getcwd(e, buf, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "/d/e");
	ck_assert_int_eq(vfs_getcwd(e, buf, 4), -ERANGE);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/e", true, NULL), 0);
	ck_assert_int_eq(vfs_getcwd(e, buf, sizeof(buf)), -ENOENT);
	vnode_put(e);
	/* a second ramfs on /mnt */
	ck_assert_int_eq(vfs_mkdirat(NULL, "/mnt", 0755, NULL), 0);
	sb = ramfs_create();
	ck_assert_ptr_nonnull(sb);
	ck_assert_int_eq(vfs_mount(sb, "/mnt"), 0);
	ck_assert_int_eq(vfs_mount(sb, "/d"), -EBUSY);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/mnt/sub", 0755, NULL), 0);
	v = t_lookup("/mnt", 0);
	ck_assert_ptr_eq(v, sb->root);
	vnode_put(v);
	v = t_lookup("/mnt/sub/../..", 0);
	ck_assert_ptr_eq(v, vfs_root());
	vnode_put(v);
	v = t_lookup("/mnt/sub", 0);
	ck_assert_ptr_eq(v->sb, sb);
	ck_assert_int_eq(vfs_getcwd(v, buf, sizeof(buf)), 9);
	ck_assert_str_eq(buf, "/mnt/sub");
	vnode_put(v);
	t_mkfile("/d/x", "1");
	ck_assert_int_eq(vfs_linkat(NULL, "/d/x", NULL, "/mnt/x", 0, NULL),
			 -EXDEV);
}
END_TEST

START_TEST(test_vfs_mkdir_link_unlink)
{
	struct vnode *v, *d;
	struct file *f;
	char buf[8];

	mkdirs();
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d", 0755, NULL), -EEXIST);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d/.", 0755, NULL), -EEXIST);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/nx/y", 0755, NULL), -ENOENT);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d/new/", 0755, NULL), 0);
	d = t_lookup("/d", 0);
	ck_assert_uint_eq(d->nlink, 4); /* ., .., e, new */
	ck_assert_int_eq(vfs_linkat(NULL, "/d/f", NULL, "/d/g", 0, NULL), 0);
	ck_assert_int_eq(vfs_linkat(NULL, "/d", NULL, "/d2", 0, NULL), -EPERM);
	v = t_lookup("/d/g", 0);
	ck_assert_uint_eq(v->nlink, 2);
	f = t_open("/d/f", O_RDONLY, NULL);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/f", false, NULL), 0);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/f", false, NULL), -ENOENT);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/g", false, NULL), 0);
	ck_assert_uint_eq(v->nlink, 0);
	/* still readable while open */
	ck_assert_int_eq(t_read(f, buf, sizeof(buf)), 5);
	file_put(f);
	vnode_put(v);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d", true, NULL), -ENOTEMPTY);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d", false, NULL), -EISDIR);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/e", false, NULL), -EISDIR);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/e/.", true, NULL), -EINVAL);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/e", true, NULL), 0);
	ck_assert_uint_eq(d->nlink, 3);
	vnode_put(d);
}
END_TEST

Suite *vfs_suite(void)
{
	Suite *s = suite_create("vfs");
	TCase *tc = fs_test_tcase("core");

	tcase_add_test(tc, test_vfs_lookup_dots_and_slashes);
	tcase_add_test(tc, test_vfs_lookup_name_lengths);
	tcase_add_test(tc, test_vfs_symlinks);
	tcase_add_test(tc, test_vfs_symlink_loops_eloop);
	tcase_add_test(tc, test_vfs_open_flags);
	tcase_add_test(tc, test_vfs_permissions);
	tcase_add_test(tc, test_vfs_getcwd_and_mount);
	tcase_add_test(tc, test_vfs_mkdir_link_unlink);
	suite_add_tcase(s, tc);
	return s;
}
