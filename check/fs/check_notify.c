/*
 * Unit tests for file-system notification (libkos/fs/notify.c): events
 * of the VFS name operations and of file I/O in Linux's order, parent
 * reports with the child's name, a watch pinning its vnode and the
 * IN_DELETE_SELF/IN_IGNORED pair when the last name and user go, the
 * record layout and padding, coalescing, rm and close of an instance.
 * The instance is read through file_read() into a kernel buffer.
 */
#include <kos/notify.h>
#include <uapi/inotify.h>

#include "fs_test.h"

static struct file *inst(void)
{
	struct file *f = NULL;

	ck_assert_int_eq(inotify_create(O_NONBLOCK, &f), 0);
	return f;
}

static int watch(struct file *in, const char *path, uint32_t mask)
{
	struct vnode *v;
	int wd;

	ck_assert_int_eq(vfs_lookup(NULL, path, LOOKUP_FOLLOW, NULL, &v), 0);
	wd = inotify_add(in, v, mask);
	vnode_put(v);
	return wd;
}

/* The queued events as "wd:MASKHEX:name ..." (name "-" when none). */
static const char *events(struct file *in)
{
	static char out[1024];
	char buf[1024] __attribute__((aligned(8)));
	struct uio u;
	ssize_t n;
	size_t len = 0;

	uio_init_kernel(&u, buf, sizeof(buf));
	n = file_read(in, &u, -1);
	out[0] = 0;
	if (n < 0)
		return n == -EAGAIN ? "" : "error";
	for (char *p = buf; p < buf + n;) {
		struct inotify_event *e = (void *)p;

		len += (size_t)snprintf(out + len, sizeof(out) - len,
					"%s%d:%x:%s", len ? " " : "", e->wd,
					e->mask, e->len ? e->name : "-");
		p += sizeof(*e) + e->len;
	}
	return out;
}

static void put_file(const char *path)
{
	struct file *f = t_open(path, O_CREAT | O_WRONLY, NULL);

	ck_assert_ptr_nonnull(f);
	file_put(f);
}

START_TEST(test_notify_idle_costs_nothing)
{
	ck_assert_uint_eq(fsnotify_nwatches, 0);
	put_file("/a");
	ck_assert_int_eq(vfs_unlinkat(NULL, "/a", false, NULL), 0);
}
END_TEST

START_TEST(test_notify_names)
{
	struct file *in = inst();

	ck_assert_int_eq(vfs_mkdirat(NULL, "/d", 0755, NULL), 0);
	ck_assert_int_eq(watch(in, "/d", IN_ALL_EVENTS), 1);
	ck_assert_uint_eq(fsnotify_nwatches, 1);
	ck_assert_int_eq(vfs_mkdirat(NULL, "/d/sub", 0755, NULL), 0);
	put_file("/d/f");
	ck_assert_str_eq(events(in), "1:40000100:sub 1:100:f 1:20:f 1:8:f");
	ck_assert_int_eq(watch(in, "/d/f", IN_ALL_EVENTS), 2);
	ck_assert_int_eq(vfs_renameat(NULL, "/d/f", NULL, "/d/g", 0, NULL), 0);
	ck_assert_str_eq(events(in), "1:40:f 1:80:g 2:800:-");
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/g", false, NULL), 0);
	ck_assert_str_eq(events(in), "2:4:- 2:400:- 2:8000:- 1:200:g");
	ck_assert_uint_eq(fsnotify_nwatches, 1);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/d/sub", true, NULL), 0);
	ck_assert_str_eq(events(in), "1:40000200:sub");
	file_put(in);
	ck_assert_uint_eq(fsnotify_nwatches, 0);
}
END_TEST

START_TEST(test_notify_pins_and_delete_self)
{
	struct file *in = inst(), *f;
	struct vnode *v;
	char c = 'x';
	struct uio u;

	put_file("/k");
	ck_assert_int_eq(watch(in, "/k", IN_ALL_EVENTS), 1);
	ck_assert_int_eq(vfs_lookup(NULL, "/k", 0, NULL, &v), 0);
	/* the name's reference, the name cache's, the watch's and ours */
	ck_assert_uint_eq(v->refcnt, 4);
	ck_assert_ptr_nonnull(v->notify);
	f = t_open("/k", O_RDWR, NULL);
	ck_assert_int_eq(vfs_unlinkat(NULL, "/k", false, NULL), 0);
	ck_assert_str_eq(events(in), "1:20:- 1:4:-");
	uio_init_kernel(&u, &c, 1);
	ck_assert_int_eq(file_write(f, &u, -1), 1);
	file_put(f);
	/* still ours: nothing yet */
	ck_assert_str_eq(events(in), "1:2:- 1:8:-");
	vnode_put(v);
	ck_assert_str_eq(events(in), "1:400:- 1:8000:-");
	ck_assert_uint_eq(fsnotify_nwatches, 0);
	file_put(in);
}
END_TEST

START_TEST(test_notify_records)
{
	struct file *in = inst();
	char buf[64] __attribute__((aligned(8)));
	struct inotify_event *e = (void *)buf;
	struct uio u;

	ck_assert_int_eq(watch(in, "/", IN_CREATE), 1);
	put_file("/x234567890abcdef");
	uio_init_kernel(&u, buf, 47);
	ck_assert_int_eq(file_read(in, &u, -1), -EINVAL);
	uio_init_kernel(&u, buf, 48);
	ck_assert_int_eq(file_read(in, &u, -1), 48);
	ck_assert_uint_eq(e->len, 32);
	ck_assert_str_eq(e->name, "x234567890abcdef");
	for (int i = 17; i < 32; i++)
		ck_assert_int_eq(e->name[i], 0);
	/* identical consecutive events merge */
	ck_assert_int_eq(vfs_unlinkat(NULL, "/x234567890abcdef", false, NULL),
			 0);
	put_file("/m");
	ck_assert_int_eq(vfs_unlinkat(NULL, "/m", false, NULL), 0);
	put_file("/m");
	ck_assert_str_eq(events(in), "1:100:m");
	ck_assert_int_eq(inotify_rm(in, 1), 0);
	ck_assert_int_eq(inotify_rm(in, 1), -EINVAL);
	ck_assert_str_eq(events(in), "1:8000:-");
	file_put(in);
}
END_TEST

START_TEST(test_notify_oneshot_and_same_wd)
{
	struct file *in = inst(), *in2 = inst();

	put_file("/o");
	ck_assert_int_eq(watch(in, "/o", IN_OPEN | IN_ONESHOT), 1);
	ck_assert_int_eq(watch(in, "/o", IN_OPEN | IN_ONESHOT | IN_MASK_ADD),
			 1);
	ck_assert_int_eq(watch(in, "/o", IN_OPEN | IN_MASK_CREATE), -EEXIST);
	ck_assert_int_eq(watch(in2, "/o", IN_CLOSE_NOWRITE), 1);
	file_put(t_open("/o", O_RDONLY, NULL));
	ck_assert_str_eq(events(in), "1:20:- 1:8000:-");
	ck_assert_str_eq(events(in2), "1:10:-");
	ck_assert_uint_eq(fsnotify_nwatches, 1);
	file_put(in2); /* its watch goes with it, silently */
	ck_assert_uint_eq(fsnotify_nwatches, 0);
	file_put(in);
}
END_TEST

Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = fs_test_tcase("core");

	tcase_add_test(tc, test_notify_idle_costs_nothing);
	tcase_add_test(tc, test_notify_names);
	tcase_add_test(tc, test_notify_pins_and_delete_self);
	tcase_add_test(tc, test_notify_records);
	tcase_add_test(tc, test_notify_oneshot_and_same_wd);
	suite_add_tcase(s, tc);
	return s;
}
