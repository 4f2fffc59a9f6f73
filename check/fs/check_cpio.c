/*
 * Unit tests for the initramfs unpacker (libkos/fs/cpio.c): archives
 * built here and by the host's cpio(1), hard links, device nodes,
 * attributes, concatenated archives, and malformed input (truncation,
 * bad magic/hex/sizes, random corruption) which must fail gracefully.
 */

#include "fs_test.h"

static void build_sample(struct newc *a)
{
	static const char hl[] = "linked data";

	newc_add(a, ".", S_IFDIR | 0755, NULL);
	newc_add(a, "bin", S_IFDIR | 0755, NULL);
	newc_add(a, "bin/prog", S_IFREG | 0755, "#!prog\n");
	newc_add(a, "./etc", S_IFDIR | 0700, NULL);
	newc_add(a, "etc/motd", S_IFREG | 0644, "hi\n");
	newc_add(a, "etc/sh", S_IFLNK | 0777, "/bin/prog");
	newc_add_ino(a, "etc/h1", S_IFREG | 0600, 77, 2, NULL, 0, 0, 0);
	newc_add_ino(a, "etc/h2", S_IFREG | 0600, 77, 2, hl, strlen(hl), 0, 0);
	newc_add(a, "dev", S_IFDIR | 0755, NULL);
	newc_add_ino(a, "dev/mynull", S_IFCHR | 0666, 0, 1, NULL, 0, 1, 3);
	newc_end(a);
}

START_TEST(test_cpio_unpacks_tree)
{
	struct newc a = { 0 };
	struct vnode *v, *h1, *h2;
	struct kstat st;
	struct file *f;
	char buf[32];

	build_sample(&a);
	fs_test_setup_with(a.buf, a.len);
	v = t_lookup("/bin/prog", 0);
	vfs_getattr(v, &st);
	ck_assert_uint_eq(st.mode, S_IFREG | 0755);
	ck_assert_uint_eq(st.uid, 1000);
	ck_assert_uint_eq(st.gid, 100);
	ck_assert_int_eq(st.mtime.sec, 1600000000);
	ck_assert_int_eq(st.size, 7);
	vnode_put(v);
	v = t_lookup("/etc", 0);
	ck_assert_uint_eq(v->mode, S_IFDIR | 0700);
	vnode_put(v);
	f = t_open("/etc/sh", O_RDONLY, NULL); /* through the symlink */
	ck_assert_int_eq(t_read(f, buf, sizeof(buf)), 7);
	ck_assert_int_eq(memcmp(buf, "#!prog\n", 7), 0);
	file_put(f);
	h1 = t_lookup("/etc/h1", 0);
	h2 = t_lookup("/etc/h2", 0);
	ck_assert_ptr_eq(h1, h2);
	ck_assert_uint_eq(h1->nlink, 2);
	ck_assert_uint_eq(h1->size, 11);
	vnode_put(h1);
	vnode_put(h2);
	/* the archive's own device node opens by number (null) */
	f = t_open("/dev/mynull", O_RDWR, NULL);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(t_read(f, buf, sizeof(buf)), 0);
	ck_assert_int_eq(t_write(f, "abc", 3), 3);
	file_put(f);
	/* the standard nodes were added beside it */
	v = t_lookup("/dev/console", 0);
	ck_assert_uint_eq(v->rdev, KDEV(5, 1));
	vnode_put(v);
	free(a.buf);
}
END_TEST

START_TEST(test_cpio_concatenated_and_padding)
{
	struct newc a = { 0 };

	newc_add(&a, "one", S_IFREG | 0644, "1");
	newc_end(&a);
	newc_put(&a, "\0\0\0\0\0\0\0\0", 8);
	newc_add(&a, "two", S_IFREG | 0644, "22");
	newc_add(&a, "one", S_IFREG | 0600, "replaced"); /* overwrite */
	newc_end(&a);
	fs_test_setup_with(a.buf, a.len);
	ck_assert_int_eq(t_lookup_err("/two", 0), 0);
	{
		struct vnode *v = t_lookup("/one", 0);

		ck_assert_uint_eq(v->size, 8);
		ck_assert_uint_eq(v->mode & 0777, 0600);
		vnode_put(v);
	}
	free(a.buf);
}
END_TEST

START_TEST(test_cpio_malformed_archives)
{
	struct newc a = { 0 };
	struct vnode *root = vfs_root();
	char *bad;

	build_sample(&a);
	bad = malloc(a.len);
	/* every truncation: never a crash; the full archive is fine */
	for (size_t n = 1; n < a.len; n += 7) {
		struct superblock *sb = ramfs_create();
		int r = cpio_unpack(sb->root, a.buf, n);

		ck_assert(r == 0 || r == -EINVAL);
	}
	memcpy(bad, a.buf, a.len);
	bad[0] = 'X';
	ck_assert_int_eq(cpio_unpack(root, bad, a.len), -EINVAL);
	memcpy(bad, a.buf, a.len);
	bad[10] = 'g'; /* not hex */
	ck_assert_int_eq(cpio_unpack(root, bad, a.len), -EINVAL);
	memcpy(bad, a.buf, a.len);
	memcpy(bad + 94, "FFFFFFFF", 8); /* namesize */
	ck_assert_int_eq(cpio_unpack(root, bad, a.len), -EINVAL);
	memcpy(bad, a.buf, a.len);
	memcpy(bad + 54, "7FFFFFFF", 8); /* filesize */
	ck_assert_int_eq(cpio_unpack(root, bad, a.len), -EINVAL);
	bad[0] = 0x1f;
	bad[1] = 0x8b; /* gzip */
	ck_assert_int_eq(cpio_unpack(root, bad, a.len), -EINVAL);
	/* random corruption */
	srand(1);
	for (int i = 0; i < 400; i++) {
		struct superblock *sb = ramfs_create();
		int r;

		memcpy(bad, a.buf, a.len);
		for (int k = 0; k < 4; k++)
			bad[rand() % a.len] = (char)rand();
		r = cpio_unpack(sb->root, bad, a.len);
		ck_assert(r == 0 || r == -EINVAL);
	}
	free(bad);
	free(a.buf);
}
END_TEST

/* Read a whole host file into memory. */
static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

START_TEST(test_cpio_host_cpio_archive)
{
	char dir[] = "/tmp/kos-cpio-XXXXXX", cmd[512], path[256];
	struct vnode *a, *b;
	struct file *f;
	char *img, buf[16];
	size_t len;

	if (system("command -v cpio >/dev/null") != 0)
		return; /* no host cpio: covered by the builder tests */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p root/sub && echo data > root/sub/file && "
		 "ln root/sub/file root/hard && ln -s sub/file root/soft && "
		 "chmod 750 root/sub && "
		 "(cd root && find . | cpio -o -H newc --quiet) > img",
		 dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/img", dir);
	img = slurp(path, &len);
	ck_assert_ptr_nonnull(img);
	fs_test_setup_with(img, len);
	f = t_open("/soft", O_RDONLY, NULL);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(t_read(f, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "data\n", 5), 0);
	file_put(f);
	a = t_lookup("/hard", 0);
	b = t_lookup("/sub/file", 0);
	ck_assert_ptr_eq(a, b);
	ck_assert_uint_eq(a->nlink, 2);
	vnode_put(a);
	vnode_put(b);
	a = t_lookup("/sub", 0);
	ck_assert_uint_eq(a->mode, S_IFDIR | 0750);
	vnode_put(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(img);
}
END_TEST

/*
 * vfs_reset_root() (the batch runner's fresh root): what was written is
 * gone, the archive is back, and nothing of the old tree stays allocated.
 */
START_TEST(test_vfs_reset_root_fresh_tree)
{
	struct newc a = { 0 };
	struct vnode *v;
	uint64_t free_after_reset = 0;
	char big[3 * 4096];
	struct superblock *sb;
	struct file *f;

	build_sample(&a);
	fs_test_setup_with(a.buf, a.len);
	memset(big, 'x', sizeof(big));
	for (int round = 0; round < 3; round++) {
		t_mkfile("/new", "scratch");
		f = t_open("/etc/motd", O_WRONLY | O_TRUNC, NULL);
		ck_assert_int_eq(t_write(f, big, sizeof(big)), sizeof(big));
		file_put(f);
		/* Someone still holds the root: nothing changes. */
		v = t_lookup("/", 0);
		ck_assert_int_eq(vfs_reset_root(a.buf, a.len), -EBUSY);
		vnode_put(v);
		ck_assert_int_eq(vfs_reset_root(a.buf, a.len), 0);
		ck_assert_int_eq(t_lookup_err("/new", 0), -ENOENT);
		v = t_lookup("/etc/motd", 0);
		ck_assert_int_eq(v->size, 3);
		vnode_put(v);
		v = t_lookup("/dev/null", 0); /* /dev is populated again */
		vnode_put(v);
		/* The same work leaves the same memory behind every time. */
		if (round == 1)
			free_after_reset = pmm_free_pages();
		if (round == 2)
			ck_assert_uint_eq(pmm_free_pages(), free_after_reset);
	}
	/* Anything mounted besides the root: -EBUSY. */
	sb = ramfs_create();
	ck_assert_ptr_nonnull(sb);
	ck_assert_int_eq(vfs_mount(sb, "/etc"), 0);
	ck_assert_int_eq(vfs_reset_root(a.buf, a.len), -EBUSY);
	free(a.buf);
}
END_TEST

Suite *cpio_suite(void)
{
	Suite *s = suite_create("cpio");
	TCase *tc = tcase_create("core");

	/* each test does its own set-up (the archive goes to vfs_init) */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cpio_unpacks_tree);
	tcase_add_test(tc, test_cpio_concatenated_and_padding);
	tcase_add_test(tc, test_cpio_host_cpio_archive);
	tcase_add_test(tc, test_vfs_reset_root_fresh_tree);
	suite_add_tcase(s, tc);
	tc = fs_test_tcase("malformed");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cpio_malformed_archives);
	suite_add_tcase(s, tc);
	return s;
}
