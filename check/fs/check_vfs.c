/*
 * Unit tests for path lookup and the namespace operations
 * (libkos/fs/vfs.c): ".", "..", slashes, symlinks (and the 40-link
 * limit), name lengths, open(2) flag semantics, permissions, getcwd and
 * mount crossing, rename(2) and renameat2(2) flags, attribute changes
 * (chmod, chown, utimes), capabilities and supplementary groups, sticky
 * and setgid directories, pivot_root.  Expected errnos are Linux's
 * (checked on the host).
 */
#include "fs_test.h"

#include <uapi/capability.h>

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

/* Size and link count of the node at path (root credentials). */
static uint64_t t_size(const char *path)
{
	struct vnode *v = t_lookup(path, 0);
	uint64_t n = v->size;

	vnode_put(v);
	return n;
}

static uint32_t t_nlink(const char *path)
{
	struct vnode *v = t_lookup(path, 0);
	uint32_t n = v->nlink;

	vnode_put(v);
	return n;
}

/* Is path (not followed) the vnode v? */
static bool t_is(const char *path, struct vnode *v)
{
	struct vnode *w = t_lookup(path, 0);

	vnode_put(w);
	return w == v;
}

/* Create an empty regular file as cred. */
static int t_create_as(const char *path, uint32_t mode,
		       const struct vfs_cred *cred)
{
	struct file *f;
	int err = vfs_openat(NULL, path, O_CREAT | O_EXCL | O_WRONLY, mode,
			     cred, &f);

	if (!err)
		file_put(f);
	return err;
}

/* Root sets v's owner, group and permission bits. */
static void t_chown_mode(struct vnode *v, uint32_t uid, uint32_t gid,
			 uint32_t mode)
{
	struct vfs_attr a = { .valid = VFS_ATTR_UID | VFS_ATTR_GID |
				       VFS_ATTR_MODE,
			      .uid = uid,
			      .gid = gid,
			      .mode = mode };

	ck_assert_int_eq(vfs_setattr(v, &a, NULL), 0);
}

/* A ramfs directory's st_size: 40 when empty, 20 more per entry. */
#define DIR_SIZE(n) (40 + 20 * (n))

START_TEST(test_vfs_rename_files)
{
	struct vnode *d, *f, *g;
	struct file *held;
	char buf[8];

	mkdirs(); /* /d holds e and f */
	d = t_lookup("/d", 0);
	ck_assert_uint_eq(d->size, DIR_SIZE(2));
	f = t_lookup("/d/f", 0);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/g", 0, NULL), 0);
	ck_assert_int_eq(t_lookup_err("/d/f", 0), -ENOENT);
	ck_assert(t_is("/d/g", f));
	ck_assert_uint_eq(f->nlink, 1);
	ck_assert_uint_eq(d->size, DIR_SIZE(2));
	/* onto itself: nothing happens */
	ck_assert_int_eq(vfs_renameat(d, "g", d, "g", 0, NULL), 0);
	ck_assert(t_is("/d/g", f));
	ck_assert_uint_eq(f->nlink, 1);
	/* replacing a file: it loses its last name, lives on while held */
	t_mkfile("/d/h", "old");
	ck_assert_uint_eq(d->size, DIR_SIZE(3));
	g = t_lookup("/d/h", 0);
	held = t_open("/d/h", O_RDONLY, NULL);
	ck_assert_ptr_nonnull(held);
	ck_assert_int_eq(vfs_renameat(d, "g", NULL, "/d/h", 0, NULL), 0);
	ck_assert_uint_eq(g->nlink, 0);
	ck_assert_uint_eq(f->nlink, 1);
	ck_assert(t_is("/d/h", f));
	ck_assert_int_eq(t_lookup_err("/d/g", 0), -ENOENT);
	ck_assert_uint_eq(d->size, DIR_SIZE(2));
	ck_assert_int_eq(t_read(held, buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "old", 3), 0);
	file_put(held);
	vnode_put(g);
	/* into a subdirectory */
	ck_assert_int_eq(vfs_renameat(NULL, "/d/h", NULL, "/d/e/h", 0, NULL),
			 0);
	ck_assert(t_is("/d/e/h", f));
	ck_assert_uint_eq(d->size, DIR_SIZE(1));
	ck_assert_uint_eq(t_size("/d/e"), DIR_SIZE(1));
	ck_assert_uint_eq(d->nlink, 3);
	/* errors: no source, trailing slashes on a non-directory */
	ck_assert_int_eq(vfs_renameat(NULL, "/d/nx", NULL, "/d/y", 0, NULL),
			 -ENOENT);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e/h/", NULL, "/d/y", 0, NULL),
			 -ENOTDIR);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e/h", NULL, "/d/y/", 0, NULL),
			 -ENOTDIR);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e/h", NULL, "/nx/y", 0, NULL),
			 -ENOENT);
	ck_assert(t_is("/d/e/h", f));
	vnode_put(f);
	vnode_put(d);
}
END_TEST

START_TEST(test_vfs_rename_dirs)
{
	struct vnode *d, *x, *e, *t, *v;
	char buf[64];

	mkdirs();
	ck_assert_int_eq(vfs_mkdirat(NULL, "/x", 0755, NULL), 0);
	d = t_lookup("/d", 0);
	x = t_lookup("/x", 0);
	e = t_lookup("/d/e", 0);
	ck_assert_uint_eq(d->nlink, 3);
	ck_assert_uint_eq(x->nlink, 2);
	ck_assert_uint_eq(x->size, DIR_SIZE(0));
	/* between parents: the link counts and ".." follow */
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e", x, "e2", 0, NULL), 0);
	ck_assert_uint_eq(d->nlink, 2);
	ck_assert_uint_eq(x->nlink, 3);
	ck_assert_uint_eq(e->nlink, 2);
	ck_assert_uint_eq(d->size, DIR_SIZE(1));
	ck_assert_uint_eq(x->size, DIR_SIZE(1));
	ck_assert_int_eq(t_lookup_err("/d/e", 0), -ENOENT);
	ck_assert(t_is("/x/e2", e));
	ck_assert(t_is("/x/e2/..", x));
	ck_assert_int_eq(vfs_lookup(e, "..", 0, NULL, &v), 0);
	ck_assert_ptr_eq(v, x);
	vnode_put(v);
	ck_assert_int_eq(vfs_getcwd(e, buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "/x/e2");
	/* within one parent nothing is counted twice */
	ck_assert_int_eq(vfs_renameat(x, "e2", x, "e3", 0, NULL), 0);
	ck_assert_uint_eq(x->nlink, 3);
	ck_assert_uint_eq(x->size, DIR_SIZE(1));
	/* over an empty directory (trailing slashes are fine for dirs) */
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d/empty", 0755, NULL), 0);
	ck_assert_uint_eq(d->nlink, 3);
	t = t_lookup("/d/empty", 0);
	ck_assert_int_eq(
		vfs_renameat(NULL, "/x/e3/", NULL, "/d/empty/", 0, NULL), 0);
	ck_assert_uint_eq(t->nlink, 0);
	ck_assert_uint_eq(d->nlink, 3);
	ck_assert_uint_eq(x->nlink, 2);
	ck_assert_uint_eq(d->size, DIR_SIZE(2));
	ck_assert_uint_eq(x->size, DIR_SIZE(0));
	ck_assert(t_is("/d/empty", e));
	ck_assert(t_is("/d/empty/..", d));
	/* the replaced directory is gone: nothing can be created in it */
	ck_assert_int_eq(vfs_mkdirat(t, "z", 0755, NULL), -ENOENT);
	vnode_put(t);
	/* over a non-empty one: nothing changes */
	ck_assert_int_eq(vfs_mkdirat(NULL, "/x/full", 0755, NULL), 0);
	t_mkfile("/x/full/f", "1");
	ck_assert_int_eq(
		vfs_renameat(NULL, "/d/empty", NULL, "/x/full", 0, NULL),
		-ENOTEMPTY);
	ck_assert(t_is("/d/empty", e));
	ck_assert_uint_eq(d->nlink, 3);
	ck_assert_uint_eq(x->nlink, 3);
	ck_assert_uint_eq(t_nlink("/x/full"), 2);
	ck_assert_uint_eq(d->size, DIR_SIZE(2));
	ck_assert_uint_eq(x->size, DIR_SIZE(1));
	/* file over directory, directory over file */
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/empty", 0, NULL),
			 -EISDIR);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/empty", NULL, "/d/f", 0, NULL),
			 -ENOTDIR);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/x/full", 0, NULL),
			 -EISDIR);
	ck_assert(t_is("/d/empty", e));
	ck_assert_uint_eq(t_nlink("/d/f"), 1);
	ck_assert_uint_eq(d->size, DIR_SIZE(2));
	vnode_put(e);
	vnode_put(x);
	vnode_put(d);
}
END_TEST

START_TEST(test_vfs_rename_into_own_subtree)
{
	mkdirs();
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d/e/s", 0755, NULL), 0);
	/* the source is an ancestor of the new parent */
	ck_assert_int_eq(vfs_renameat(NULL, "/d", NULL, "/d/x", 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(vfs_renameat(NULL, "/d", NULL, "/d/e/s/x", 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e", NULL, "/d/e/s/x", 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e", NULL, "/d/e/s", 0, NULL),
			 -EINVAL);
	/* the target is an ancestor of the old parent */
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e/s", NULL, "/d", 0, NULL),
			 -ENOTEMPTY);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e/s", NULL, "/d/e", 0, NULL),
			 -ENOTEMPTY);
	/* ... before the type check: a file gives the same */
	t_mkfile("/d/e/s/file", "x");
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e/s/file", NULL, "/d", 0, NULL),
			 -ENOTEMPTY);
	ck_assert_int_eq(
		vfs_renameat(NULL, "/d/e/s/file", NULL, "/d/e", 0, NULL),
		-ENOTEMPTY);
	/* exchanging with an ancestor: EINVAL either way round */
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e/s", NULL, "/d",
				      VFS_RENAME_EXCHANGE, NULL),
			 -EINVAL);
	ck_assert_int_eq(vfs_renameat(NULL, "/d", NULL, "/d/e/s",
				      VFS_RENAME_EXCHANGE, NULL),
			 -EINVAL);
	/* nothing moved */
	ck_assert_int_eq(t_lookup_err("/d/e/s/file", 0), 0);
	ck_assert_uint_eq(t_nlink("/d"), 3);
	ck_assert_uint_eq(t_nlink("/d/e"), 3);
	ck_assert_uint_eq(t_size("/d/e"), DIR_SIZE(1));
}
END_TEST

START_TEST(test_vfs_rename_noreplace_exchange)
{
	struct vnode *d, *x, *e, *f, *g, *file;

	mkdirs();
	t_mkfile("/d/g", "g");
	d = t_lookup("/d", 0);
	e = t_lookup("/d/e", 0);
	f = t_lookup("/d/f", 0);
	g = t_lookup("/d/g", 0);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/g",
				      VFS_RENAME_NOREPLACE, NULL),
			 -EEXIST);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/e",
				      VFS_RENAME_NOREPLACE, NULL),
			 -EEXIST);
	ck_assert(t_is("/d/f", f));
	ck_assert(t_is("/d/g", g));
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/n",
				      VFS_RENAME_NOREPLACE, NULL),
			 0);
	ck_assert(t_is("/d/n", f));
	ck_assert_int_eq(vfs_renameat(NULL, "/d/n", NULL, "/d/f",
				      VFS_RENAME_NOREPLACE, NULL),
			 0);
	ck_assert_uint_eq(d->size, DIR_SIZE(3));
	/* exchange two files: the names swap vnodes, both stay linked */
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/g",
				      VFS_RENAME_EXCHANGE, NULL),
			 0);
	ck_assert(t_is("/d/f", g));
	ck_assert(t_is("/d/g", f));
	ck_assert_uint_eq(f->nlink, 1);
	ck_assert_uint_eq(g->nlink, 1);
	ck_assert_uint_eq(d->size, DIR_SIZE(3));
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/nx",
				      VFS_RENAME_EXCHANGE, NULL),
			 -ENOENT);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/nx", NULL, "/d/f",
				      VFS_RENAME_EXCHANGE, NULL),
			 -ENOENT);
	ck_assert(t_is("/d/f", g));
	/* a directory with a file in another directory */
	ck_assert_int_eq(vfs_mkdirat(NULL, "/x", 0755, NULL), 0);
	t_mkfile("/x/file", "1");
	x = t_lookup("/x", 0);
	file = t_lookup("/x/file", 0);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e", NULL, "/x/file",
				      VFS_RENAME_EXCHANGE, NULL),
			 0);
	ck_assert(t_is("/x/file", e));
	ck_assert(t_is("/d/e", file));
	ck_assert(t_is("/x/file/..", x));
	ck_assert_uint_eq(d->nlink, 2);
	ck_assert_uint_eq(x->nlink, 3);
	ck_assert_uint_eq(e->nlink, 2);
	ck_assert_uint_eq(file->nlink, 1);
	ck_assert_uint_eq(d->size, DIR_SIZE(3));
	ck_assert_uint_eq(x->size, DIR_SIZE(1));
	/* "name/" naming a non-directory target of an exchange */
	ck_assert_int_eq(vfs_renameat(NULL, "/x/file", NULL, "/d/e/",
				      VFS_RENAME_EXCHANGE, NULL),
			 -ENOTDIR);
	vnode_put(file);
	vnode_put(x);
	vnode_put(g);
	vnode_put(f);
	vnode_put(e);
	vnode_put(d);
}
END_TEST

START_TEST(test_vfs_rename_links_and_dots)
{
	struct vnode *f;

	mkdirs();
	ck_assert_int_eq(vfs_linkat(NULL, "/d/f", NULL, "/d/l", 0, NULL), 0);
	f = t_lookup("/d/f", 0);
	/* two names of one file: success, and nothing happens */
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/l", 0, NULL), 0);
	ck_assert(t_is("/d/f", f));
	ck_assert(t_is("/d/l", f));
	ck_assert_uint_eq(f->nlink, 2);
	ck_assert_uint_eq(t_size("/d"), DIR_SIZE(3));
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/l",
				      VFS_RENAME_EXCHANGE, NULL),
			 0);
	ck_assert_uint_eq(f->nlink, 2);
	vnode_put(f);
	/* ".", ".." and "/" as the last component: EBUSY */
	ck_assert_int_eq(vfs_renameat(NULL, "/d/.", NULL, "/x", 0, NULL),
			 -EBUSY);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e/..", NULL, "/x", 0, NULL),
			 -EBUSY);
	ck_assert_int_eq(vfs_renameat(NULL, "/", NULL, "/x", 0, NULL), -EBUSY);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/.", 0, NULL),
			 -EBUSY);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/e/..", 0, NULL),
			 -EBUSY);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/e", NULL, "/", 0, NULL),
			 -EBUSY);
	/* ... but an existing name for RENAME_NOREPLACE */
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/..",
				      VFS_RENAME_NOREPLACE, NULL),
			 -EEXIST);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/.", NULL, "/d/x",
				      VFS_RENAME_NOREPLACE, NULL),
			 -EBUSY);
	ck_assert_int_eq(t_lookup_err("/x", 0), -ENOENT);
	ck_assert_int_eq(t_lookup_err("/d/x", 0), -ENOENT);
}
END_TEST

START_TEST(test_vfs_setattr_owner_rules)
{
	struct vfs_cred owner = { .uid = 1000,
				  .gid = 100,
				  .ngroups = 2,
				  .groups = { 50, 300 } },
			other = { .uid = 2000, .gid = 100 },
			fowner = { .uid = 3000,
				   .gid = 300,
				   .caps = 1ULL << CAP_FOWNER },
			chowner = { .uid = 3000,
				    .gid = 300,
				    .caps = 1ULL << CAP_CHOWN };
	struct vfs_attr a = { 0 };
	struct vnode *v;

	mkdirs();
	v = t_lookup("/d/f", 0);
	t_chown_mode(v, 1000, 100, 0644);
	/* chmod: the owner or CAP_FOWNER */
	a.valid = VFS_ATTR_MODE;
	a.mode = 0600;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 0600);
	a.mode = 0666;
	ck_assert_int_eq(vfs_setattr(v, &a, &other), -EPERM);
	ck_assert_uint_eq(v->mode, S_IFREG | 0600);
	ck_assert_int_eq(vfs_setattr(v, &a, &chowner), -EPERM);
	ck_assert_int_eq(vfs_setattr(v, &a, &fowner), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 0666);
	/* the type bits never change */
	a.mode = S_IFDIR | 0640;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 0640);
	/* chown: only CAP_CHOWN gives a file away */
	a.valid = VFS_ATTR_UID;
	a.uid = 2000;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), -EPERM);
	ck_assert_int_eq(vfs_setattr(v, &a, &other), -EPERM);
	ck_assert_int_eq(vfs_setattr(v, &a, &fowner), -EPERM);
	ck_assert_uint_eq(v->uid, 1000);
	a.uid = 1000; /* to oneself: allowed */
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), 0);
	a.uid = 2000;
	ck_assert_int_eq(vfs_setattr(v, &a, &chowner), 0);
	ck_assert_uint_eq(v->uid, 2000);
	a.uid = 1000;
	ck_assert_int_eq(vfs_setattr(v, &a, NULL), 0);
	ck_assert_uint_eq(v->uid, 1000);
	/* chgrp: the owner to one of its groups */
	a.valid = VFS_ATTR_GID;
	a.gid = 300;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), 0);
	ck_assert_uint_eq(v->gid, 300);
	a.gid = 50;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), 0);
	ck_assert_uint_eq(v->gid, 50);
	a.gid = 100;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), 0);
	ck_assert_uint_eq(v->gid, 100);
	a.gid = 400;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), -EPERM);
	a.gid = 100; /* not the owner, even to its own group */
	ck_assert_int_eq(vfs_setattr(v, &a, &other), -EPERM);
	ck_assert_uint_eq(v->gid, 100);
	a.gid = 400;
	ck_assert_int_eq(vfs_setattr(v, &a, &chowner), 0);
	ck_assert_uint_eq(v->gid, 400);
	/* a failed change leaves the rest alone */
	a.valid = VFS_ATTR_MODE | VFS_ATTR_GID;
	a.mode = 0777;
	a.gid = 999;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), -EPERM);
	ck_assert_uint_eq(v->mode, S_IFREG | 0640);
	ck_assert_uint_eq(v->gid, 400);
	/* chmod g+s: kept only for a group of one's own */
	a.valid = VFS_ATTR_MODE;
	a.mode = 02755;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 0755);
	a.valid = VFS_ATTR_MODE | VFS_ATTR_GID;
	a.gid = 300;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 02755);
	ck_assert_uint_eq(v->gid, 300);
	vnode_put(v);
}
END_TEST

START_TEST(test_vfs_setattr_kill_suid)
{
	struct vfs_cred owner = { .uid = 1000, .gid = 100 };
	struct vfs_attr a = { .valid = VFS_ATTR_KILL_SUID };
	struct vnode *v;

	mkdirs();
	v = t_lookup("/d/f", 0);
	t_chown_mode(v, 1000, 100, 06755);
	ck_assert_int_eq(vfs_setattr(v, &a, NULL), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 0755);
	/* setgid without group exec (mandatory locking) stays */
	t_chown_mode(v, 1000, 100, 06745);
	ck_assert_int_eq(vfs_setattr(v, &a, NULL), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 02745);
	t_chown_mode(v, 1000, 100, 02711);
	ck_assert_int_eq(vfs_setattr(v, &a, NULL), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 0711);
	t_chown_mode(v, 1000, 100, 0755);
	ck_assert_int_eq(vfs_setattr(v, &a, NULL), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 0755);
	/* as chown(2) passes it: with the new owner */
	t_chown_mode(v, 1000, 100, 04755);
	a.valid = VFS_ATTR_UID | VFS_ATTR_GID | VFS_ATTR_KILL_SUID;
	a.uid = 2000;
	a.gid = 200;
	ck_assert_int_eq(vfs_setattr(v, &a, NULL), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 0755);
	ck_assert_uint_eq(v->uid, 2000);
	ck_assert_uint_eq(v->gid, 200);
	/* the owner's chown to itself drops setuid too */
	t_chown_mode(v, 1000, 100, 04755);
	a.uid = 1000;
	a.gid = 100;
	ck_assert_int_eq(vfs_setattr(v, &a, &owner), 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 0755);
	vnode_put(v);
}
END_TEST

START_TEST(test_vfs_setattr_times)
{
	struct vfs_cred owner = { .uid = 1000, .gid = 100 },
			writer = { .uid = 2000, .gid = 100 },
			other = { .uid = 3000, .gid = 300 },
			fowner = { .uid = 3000,
				   .gid = 300,
				   .caps = 1ULL << CAP_FOWNER };
	struct vfs_attr set = { .valid = VFS_ATTR_ATIME | VFS_ATTR_MTIME |
					 VFS_ATTR_TIMES_SET,
				.atime = { 100, 5 },
				.mtime = { 200, 6 } },
			now = { .valid = VFS_ATTR_ATIME | VFS_ATTR_MTIME |
					 VFS_ATTR_ATIME_NOW |
					 VFS_ATTR_MTIME_NOW };
	struct vfs_time t;
	struct vnode *v;

	mkdirs();
	v = t_lookup("/d/f", 0);
	t_chown_mode(v, 1000, 100, 0664);
	/* explicit times: the owner (or CAP_FOWNER) only */
	ck_assert_int_eq(vfs_setattr(v, &set, &owner), 0);
	ck_assert_int_eq(v->atime.sec, 100);
	ck_assert_uint_eq(v->atime.nsec, 5);
	ck_assert_int_eq(v->mtime.sec, 200);
	ck_assert_uint_eq(v->mtime.nsec, 6);
	ck_assert_int_eq(vfs_setattr(v, &set, &writer), -EPERM);
	ck_assert_int_eq(vfs_setattr(v, &set, &other), -EPERM);
	set.atime.sec = 300;
	ck_assert_int_eq(vfs_setattr(v, &set, &fowner), 0);
	ck_assert_int_eq(v->atime.sec, 300);
	/* "now": also anyone who may write */
	test_clock_set(test_clock_now + 5000000000ULL);
	t = vfs_now();
	ck_assert_int_eq(vfs_setattr(v, &now, &other), -EACCES);
	ck_assert_int_eq(v->mtime.sec, 200);
	ck_assert_int_eq(vfs_setattr(v, &now, &writer), 0);
	ck_assert_int_eq(v->atime.sec, t.sec);
	ck_assert_int_eq(v->mtime.sec, t.sec);
	ck_assert_int_eq(v->ctime.sec, t.sec);
	/* the owner needs no write permission */
	t_chown_mode(v, 1000, 100, 0444);
	ck_assert_int_eq(vfs_setattr(v, &set, &owner), 0);
	ck_assert_int_eq(vfs_setattr(v, &now, &owner), 0);
	ck_assert_int_eq(vfs_setattr(v, &now, &writer), -EACCES);
	vnode_put(v);
}
END_TEST

START_TEST(test_vfs_cred_capabilities)
{
	struct vfs_cred root_nocaps = { .uid = 0, .gid = 0 },
			rs = { .uid = 2000,
			       .gid = 200,
			       .caps = 1ULL << CAP_DAC_READ_SEARCH },
			ovr = { .uid = 2000,
				.gid = 200,
				.caps = 1ULL << CAP_DAC_OVERRIDE };
	struct vfs_attr a = { .valid = VFS_ATTR_MODE, .mode = 0644 };
	struct vnode *v, *d, *w;

	ck_assert(vfs_capable(NULL, CAP_CHOWN));
	ck_assert(vfs_capable(NULL, CAP_MKNOD));
	ck_assert(!vfs_capable(&root_nocaps, CAP_DAC_OVERRIDE));
	ck_assert(vfs_capable(&rs, CAP_DAC_READ_SEARCH));
	ck_assert(!vfs_capable(&rs, CAP_DAC_OVERRIDE));
	mkdirs();
	v = t_lookup("/d/f", 0);
	d = t_lookup("/d", 0);
	t_chown_mode(v, 1000, 100, 0600);
	/* the kernel may do anything */
	ck_assert_int_eq(vfs_permission(v, MAY_READ | MAY_WRITE, NULL), 0);
	/* uid 0 without capabilities is nobody special */
	ck_assert_int_eq(vfs_permission(v, MAY_READ, &root_nocaps), -EACCES);
	ck_assert_int_eq(vfs_permission(v, MAY_WRITE, &root_nocaps), -EACCES);
	ck_assert_int_eq(vfs_setattr(v, &a, &root_nocaps), -EPERM);
	ck_assert_int_eq(vfs_mknodat(NULL, "/d/c", S_IFCHR | 0600, KDEV(1, 3),
				     &root_nocaps),
			 -EPERM);
	ck_assert_int_eq(
		vfs_mknodat(NULL, "/d/c", S_IFCHR | 0600, KDEV(1, 3), NULL), 0);
	/* CAP_DAC_READ_SEARCH: read and search, not write */
	ck_assert_int_eq(vfs_permission(v, MAY_READ, &rs), 0);
	ck_assert_int_eq(vfs_permission(v, MAY_WRITE, &rs), -EACCES);
	ck_assert_int_eq(vfs_permission(v, MAY_READ | MAY_WRITE, &rs), -EACCES);
	ck_assert_int_eq(vfs_permission(v, MAY_EXEC, &rs), -EACCES);
	/* CAP_DAC_OVERRIDE: read and write; exec only with some x bit */
	ck_assert_int_eq(vfs_permission(v, MAY_READ | MAY_WRITE, &ovr), 0);
	ck_assert_int_eq(vfs_permission(v, MAY_EXEC, &ovr), -EACCES);
	t_chown_mode(v, 1000, 100, 0610);
	ck_assert_int_eq(vfs_permission(v, MAY_EXEC, &ovr), 0);
	ck_assert_int_eq(vfs_permission(v, MAY_EXEC, &rs), -EACCES);
	/* a closed directory */
	t_chown_mode(d, 1000, 100, 0700);
	ck_assert_int_eq(vfs_lookup(NULL, "/d/f", 0, &root_nocaps, &w),
			 -EACCES);
	ck_assert_int_eq(vfs_lookup(NULL, "/d/f", 0, &rs, &w), 0);
	ck_assert_ptr_eq(w, v);
	vnode_put(w);
	ck_assert_int_eq(vfs_permission(d, MAY_READ | MAY_EXEC, &rs), 0);
	ck_assert_int_eq(vfs_permission(d, MAY_WRITE | MAY_EXEC, &rs), -EACCES);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d/n", 0755, &rs), -EACCES);
	ck_assert_int_eq(vfs_permission(d, MAY_WRITE | MAY_EXEC, &ovr), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d/n", 0755, &ovr), 0);
	vnode_put(d);
	vnode_put(v);
}
END_TEST

START_TEST(test_vfs_cred_groups)
{
	struct vfs_cred u = { .uid = 1000,
			      .gid = 100,
			      .ngroups = 3,
			      .groups = { 5, 300, 700 } },
			none = { .uid = 1000, .gid = 100 };
	struct vnode *v;

	ck_assert(vfs_in_group(&u, 100));
	ck_assert(vfs_in_group(&u, 5));
	ck_assert(vfs_in_group(&u, 300));
	ck_assert(vfs_in_group(&u, 700));
	ck_assert(!vfs_in_group(&u, 0));
	ck_assert(!vfs_in_group(&u, 4));
	ck_assert(!vfs_in_group(&u, 6));
	ck_assert(!vfs_in_group(&u, 301));
	ck_assert(!vfs_in_group(&u, 800));
	ck_assert(!vfs_in_group(&none, 300));
	ck_assert(!vfs_in_group(NULL, 0));
	mkdirs();
	v = t_lookup("/d/f", 0);
	/* a supplementary group grants the group bits */
	t_chown_mode(v, 2000, 700, 0060);
	ck_assert_int_eq(vfs_permission(v, MAY_READ | MAY_WRITE, &u), 0);
	ck_assert_int_eq(vfs_permission(v, MAY_EXEC, &u), -EACCES);
	ck_assert_int_eq(vfs_permission(v, MAY_READ, &none), -EACCES);
	t_chown_mode(v, 2000, 5, 0060);
	ck_assert_int_eq(vfs_permission(v, MAY_READ | MAY_WRITE, &u), 0);
	/* the first class that matches decides: the owner's bits */
	t_chown_mode(v, 1000, 700, 0066);
	ck_assert_int_eq(vfs_permission(v, MAY_READ, &u), -EACCES);
	/* ... the group's even if others may */
	t_chown_mode(v, 2000, 300, 0006);
	ck_assert_int_eq(vfs_permission(v, MAY_READ, &u), -EACCES);
	ck_assert_int_eq(vfs_permission(v, MAY_READ, &none), 0);
	vnode_put(v);
}
END_TEST

START_TEST(test_vfs_sticky_dir)
{
	struct vfs_cred a = { .uid = 1000, .gid = 100 },
			b = { .uid = 2000, .gid = 100 },
			o = { .uid = 3000, .gid = 300 },
			fowner = { .uid = 4000,
				   .gid = 400,
				   .caps = 1ULL << CAP_FOWNER };
	struct vnode *tmp;

	ck_assert_int_eq(vfs_mkdirat(NULL, "/tmp", 01777, NULL), 0);
	tmp = t_lookup("/tmp", 0);
	ck_assert_uint_eq(tmp->mode, S_IFDIR | 01777);
	t_chown_mode(tmp, 3000, 300, 01777);
	ck_assert_int_eq(t_create_as("/tmp/a", 0666, &a), 0);
	ck_assert_int_eq(t_create_as("/tmp/a2", 0666, &a), 0);
	ck_assert_int_eq(t_create_as("/tmp/a3", 0666, &a), 0);
	ck_assert_int_eq(t_create_as("/tmp/b", 0666, &b), 0);
	/* neither the file's nor the directory's owner */
	ck_assert_int_eq(vfs_unlinkat(NULL, "/tmp/a", false, &b), -EPERM);
	ck_assert_int_eq(vfs_renameat(NULL, "/tmp/a", NULL, "/tmp/c", 0, &b),
			 -EPERM);
	ck_assert_int_eq(vfs_renameat(NULL, "/tmp/b", NULL, "/tmp/a", 0, &b),
			 -EPERM);
	ck_assert_int_eq(vfs_renameat(NULL, "/tmp/b", NULL, "/tmp/a",
				      VFS_RENAME_EXCHANGE, &b),
			 -EPERM);
	ck_assert_int_eq(t_lookup_err("/tmp/a", 0), 0);
	ck_assert_int_eq(t_lookup_err("/tmp/b", 0), 0);
	/* one's own files */
	ck_assert_int_eq(vfs_renameat(NULL, "/tmp/b", NULL, "/tmp/b2", 0, &b),
			 0);
	ck_assert_int_eq(vfs_renameat(NULL, "/tmp/a", NULL, "/tmp/c", 0, &a),
			 0);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/tmp/c", false, &a), 0);
	/* the directory's owner, CAP_FOWNER */
	ck_assert_int_eq(vfs_unlinkat(NULL, "/tmp/a2", false, &o), 0);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/tmp/b2", false, &fowner), 0);
	/* without the sticky bit anyone who may write the directory */
	t_chown_mode(tmp, 3000, 300, 0777);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/tmp/a3", false, &b), 0);
	ck_assert_uint_eq(tmp->size, DIR_SIZE(0));
	vnode_put(tmp);
}
END_TEST

START_TEST(test_vfs_setgid_dir)
{
	struct vfs_cred u = { .uid = 1000, .gid = 100 }, member = {
		.uid = 2000, .gid = 200, .ngroups = 1, .groups = { 500 }
	};
	struct vnode *sg, *v;

	ck_assert_int_eq(vfs_mkdirat(NULL, "/sg", 0777, NULL), 0);
	sg = t_lookup("/sg", 0);
	t_chown_mode(sg, 0, 500, 02777);
	ck_assert_uint_eq(sg->mode, S_IFDIR | 02777);
	/* a file takes the directory's group */
	ck_assert_int_eq(t_create_as("/sg/f", 0644, &u), 0);
	v = t_lookup("/sg/f", 0);
	ck_assert_uint_eq(v->uid, 1000);
	ck_assert_uint_eq(v->gid, 500);
	ck_assert_uint_eq(v->mode, S_IFREG | 0644);
	vnode_put(v);
	/* a directory its group and the setgid bit */
	ck_assert_int_eq(vfs_mkdirat(NULL, "/sg/sub", 0755, &u), 0);
	v = t_lookup("/sg/sub", 0);
	ck_assert_uint_eq(v->uid, 1000);
	ck_assert_uint_eq(v->gid, 500);
	ck_assert_uint_eq(v->mode, S_IFDIR | 02755);
	vnode_put(v);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/sg/sub/deeper", 0700, &u), 0);
	v = t_lookup("/sg/sub/deeper", 0);
	ck_assert_uint_eq(v->gid, 500);
	ck_assert_uint_eq(v->mode, S_IFDIR | 02700);
	vnode_put(v);
	/* a setgid-executable file outside one's groups loses the bit */
	ck_assert_int_eq(vfs_mknodat(NULL, "/sg/x", S_IFREG | 02755, 0, &u), 0);
	v = t_lookup("/sg/x", 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 0755);
	ck_assert_uint_eq(v->gid, 500);
	vnode_put(v);
	ck_assert_int_eq(vfs_mknodat(NULL, "/sg/y", S_IFREG | 02745, 0, &u), 0);
	v = t_lookup("/sg/y", 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 02745);
	vnode_put(v);
	ck_assert_int_eq(
		vfs_mknodat(NULL, "/sg/z", S_IFREG | 02755, 0, &member), 0);
	v = t_lookup("/sg/z", 0);
	ck_assert_uint_eq(v->mode, S_IFREG | 02755);
	ck_assert_uint_eq(v->gid, 500);
	vnode_put(v);
	/* elsewhere: the creator's group */
	mkdirs();
	v = t_lookup("/d", 0);
	t_chown_mode(v, 0, 0, 0777);
	vnode_put(v);
	ck_assert_int_eq(t_create_as("/d/g", 0644, &u), 0);
	v = t_lookup("/d/g", 0);
	ck_assert_uint_eq(v->gid, 100);
	vnode_put(v);
	vnode_put(sg);
}
END_TEST

START_TEST(test_vfs_unlink_errors_order)
{
	mkdirs();
	/* the kind of last component comes first */
	ck_assert_int_eq(vfs_unlinkat(NULL, "/", true, NULL), -EBUSY);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/.", true, NULL), -EINVAL);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/..", true, NULL), -ENOTEMPTY);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/e/..", true, NULL), -ENOTEMPTY);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/", false, NULL), -EISDIR);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/.", false, NULL), -EISDIR);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/..", false, NULL), -EISDIR);
	/* then the type */
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/e", false, NULL), -EISDIR);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/e/", false, NULL), -EISDIR);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/f/", false, NULL), -ENOTDIR);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/f", true, NULL), -ENOTDIR);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/f/", true, NULL), -ENOTDIR);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/nx", false, NULL), -ENOENT);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/nx/", false, NULL), -ENOENT);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/f/x", false, NULL), -ENOTDIR);
	ck_assert_uint_eq(t_size("/d"), DIR_SIZE(2));
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/e/", true, NULL), 0);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/f", false, NULL), 0);
	ck_assert_uint_eq(t_size("/d"), DIR_SIZE(0));
	ck_assert_uint_eq(t_nlink("/d"), 2);
}
END_TEST

START_TEST(test_vfs_rename_permissions_and_mounts)
{
	struct vfs_cred u = { .uid = 1000, .gid = 100 };
	struct superblock *sb;
	struct vnode *v;

	ck_assert_int_eq(vfs_mkdirat(NULL, "/u", 0755, NULL), 0);
	v = t_lookup("/u", 0);
	t_chown_mode(v, 1000, 100, 0755);
	vnode_put(v);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/u/sub", 0755, &u), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/u/ro", 0555, &u), 0);
	ck_assert_int_eq(t_create_as("/u/file", 0644, &u), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/v", 0755, NULL), 0);
	t_mkfile("/v/rootfile", "r");
	/* a directory changing parent needs write on itself (its "..") */
	ck_assert_int_eq(vfs_renameat(NULL, "/u/ro", NULL, "/u/sub/ro", 0, &u),
			 -EACCES);
	ck_assert_int_eq(vfs_renameat(NULL, "/u/ro", NULL, "/u/ro2", 0, &u), 0);
	/* write on both parents */
	ck_assert_int_eq(vfs_renameat(NULL, "/u/file", NULL, "/v/file", 0, &u),
			 -EACCES);
	ck_assert_int_eq(vfs_renameat(NULL, "/v/rootfile", NULL, "/u/x", 0, &u),
			 -EACCES);
	ck_assert_int_eq(
		vfs_renameat(NULL, "/u/file", NULL, "/v/rootfile", 0, &u),
		-EACCES);
	ck_assert_int_eq(t_lookup_err("/u/file", 0), 0);
	ck_assert_int_eq(t_lookup_err("/v/rootfile", 0), 0);
	/* across file systems; mount points stay put */
	ck_assert_int_eq(vfs_mkdirat(NULL, "/mnt", 0755, NULL), 0);
	sb = ramfs_create();
	ck_assert_ptr_nonnull(sb);
	ck_assert_int_eq(vfs_mount(sb, "/mnt"), 0);
	ck_assert_int_eq(
		vfs_renameat(NULL, "/u/file", NULL, "/mnt/file", 0, NULL),
		-EXDEV);
	t_mkfile("/mnt/m", "m");
	ck_assert_int_eq(vfs_renameat(NULL, "/mnt/m", NULL, "/v/m", 0, NULL),
			 -EXDEV);
	ck_assert_int_eq(vfs_renameat(NULL, "/mnt/m", NULL, "/mnt/m2", 0, NULL),
			 0);
	ck_assert_int_eq(vfs_renameat(NULL, "/mnt", NULL, "/mnt2", 0, NULL),
			 -EBUSY);
	ck_assert_int_eq(vfs_renameat(NULL, "/u/sub", NULL, "/mnt", 0, NULL),
			 -EBUSY);
	ck_assert_int_eq(t_lookup_err("/mnt/m2", 0), 0);
	ck_assert_int_eq(t_lookup_err("/u/sub", 0), 0);
}
END_TEST

/*
 * pivot_root as the kernel's own thread (its root: vfs_chroot_kernel):
 * ramfs A on /a is the root, B on /a/new the new one.  The top mount
 * cannot be pivoted (EINVAL); a pivot moves A onto /old and back; one
 * that would make walks cross mounts for ever (put_old bound onto the
 * old root first: mounts do not stack here) is refused and undone.
 */
START_TEST(test_vfs_pivot_root)
{
	struct superblock *a, *b;
	struct vnode *ar, *br, *v;

	ck_assert_int_eq(vfs_mkdirat(NULL, "/a", 0755, NULL), 0);
	a = ramfs_create();
	b = ramfs_create();
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(vfs_mount(a, "/a"), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/a/new", 0755, NULL), 0);
	ck_assert_int_eq(vfs_mount(b, "/a/new"), 0);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/a/new/old", 0755, NULL), 0);
	t_mkfile("/a/new/bf", "b");
	ar = a->root;
	br = b->root;
	ck_assert_int_eq(
		vfs_pivot_root(NULL, "/a/new", NULL, "/a/new/old", NULL),
		-EINVAL); /* the root is the top mount */
	vfs_chroot_kernel(ar);
	ck_assert_int_eq(vfs_pivot_root(NULL, "/new", NULL, "/new/old", NULL),
			 0);
	v = t_lookup("/", 0);
	ck_assert_ptr_eq(v, br);
	vnode_put(v);
	v = t_lookup("/old", 0);
	ck_assert_ptr_eq(v, ar);
	vnode_put(v);
	ck_assert_int_eq(t_lookup_err("/bf", 0), 0);
	ck_assert_int_eq(vfs_pivot_root(NULL, "/old", NULL, "/old/new", NULL),
			 0);
	v = t_lookup("/", 0);
	ck_assert_ptr_eq(v, ar);
	vnode_put(v);
	/* put_old bound onto the root: A on it would cross for ever */
	ck_assert_int_eq(vfs_bind(NULL, "/new/old", NULL, "/", NULL), 0);
	ck_assert_int_eq(vfs_pivot_root(NULL, "/new", NULL, "/new/old", NULL),
			 -EBUSY);
	v = t_lookup("/new", 0);
	ck_assert_ptr_eq(v, br);
	vnode_put(v);
	ck_assert_int_eq(t_lookup_err("/new/bf", 0), 0);
	ck_assert_int_eq(vfs_umount(NULL, "/", false, false, NULL), 0);
	ck_assert_int_eq(vfs_pivot_root(NULL, "/new", NULL, "/new/old", NULL),
			 0);
	vfs_chroot_kernel(vfs_root());
	v = t_lookup("/a/bf", 0); /* from the top: B on /a, A on its old */
	ck_assert_ptr_eq(v->sb, b);
	vnode_put(v);
	v = t_lookup("/a/old", 0);
	ck_assert_ptr_eq(v, ar);
	vnode_put(v);
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
	tcase_add_test(tc, test_vfs_rename_files);
	tcase_add_test(tc, test_vfs_rename_dirs);
	tcase_add_test(tc, test_vfs_rename_into_own_subtree);
	tcase_add_test(tc, test_vfs_rename_noreplace_exchange);
	tcase_add_test(tc, test_vfs_rename_links_and_dots);
	tcase_add_test(tc, test_vfs_rename_permissions_and_mounts);
	tcase_add_test(tc, test_vfs_pivot_root);
	tcase_add_test(tc, test_vfs_setattr_owner_rules);
	tcase_add_test(tc, test_vfs_setattr_kill_suid);
	tcase_add_test(tc, test_vfs_setattr_times);
	tcase_add_test(tc, test_vfs_cred_capabilities);
	tcase_add_test(tc, test_vfs_cred_groups);
	tcase_add_test(tc, test_vfs_sticky_dir);
	tcase_add_test(tc, test_vfs_setgid_dir);
	tcase_add_test(tc, test_vfs_unlink_errors_order);
	suite_add_tcase(s, tc);
	return s;
}
