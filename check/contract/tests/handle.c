/*
 * name_to_handle_at(2) and open_by_handle_at(2): the argument checks in
 * Linux's order.  KOS's file systems export no handles: name_to_handle_at
 * is EOPNOTSUPP after the path (what Linux says for proc, used here), and
 * no handle decodes (ESTALE).  handle.tmpfs shows where Linux's tmpfs,
 * which encodes handles, differs (check/contract/divergences.txt).
 */
#include <sys/mount.h>

#include "proclib.h"

#define CONTRACT_AREA "handle"

struct fh {
	unsigned int bytes;
	int type;
	unsigned char h[128];
};

static long n2h(int dfd, const char *path, void *h, void *mnt, int flags)
{
	return syscall(SYS_name_to_handle_at, dfd, path, h, mnt, flags);
}

static long obh(int fd, void *h, int flags)
{
	return syscall(SYS_open_by_handle_at, fd, h, flags);
}

CONTRACT_TEST(name_to_handle)
{
	struct fh h = { 128, 0, { 0 } };
	int mnt, fd;

	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	CHECK_ERR("flags -1", n2h(AT_FDCWD, "/nonexistent", &h, &mnt, -1),
		  EINVAL);
	CHECK_ERR("flag 0x4", n2h(AT_FDCWD, "/proc/self/stat", &h, &mnt, 4),
		  EINVAL);
	CHECK_ERR("flag 0x2000", n2h(AT_FDCWD, "/proc", &h, &mnt, 0x2000),
		  EINVAL);
	CHECK_ERR("bad dfd", n2h(99, "x", &h, &mnt, 0), EBADF);
	CHECK_ERR("bad path", n2h(AT_FDCWD, BAD_LOW, &h, &mnt, 0), EFAULT);
	CHECK_ERR("ENOENT", n2h(AT_FDCWD, "/nonexistent", &h, &mnt, 0), ENOENT);
	CHECK_ERR("empty path", n2h(AT_FDCWD, "", &h, &mnt, 0), ENOENT);
	CHECK_ERR("ENOTDIR", n2h(AT_FDCWD, DATA "/small/x", &h, &mnt, 0),
		  ENOTDIR);
	CHECK_ERR("proc file", n2h(AT_FDCWD, "/proc/self/stat", &h, &mnt, 0),
		  EOPNOTSUPP);
	CHECK_ERR("proc, bad handle",
		  n2h(AT_FDCWD, "/proc/self/stat", BAD_LOW, &mnt, 0),
		  EOPNOTSUPP);
	CHECK_ERR("proc, bad mnt_id",
		  n2h(AT_FDCWD, "/proc/self/stat", &h, BAD_LOW, 0), EOPNOTSUPP);
	CHECK_ERR("proc, CONNECTABLE",
		  n2h(AT_FDCWD, "/proc/self/stat", &h, &mnt, 2), EOPNOTSUPP);
	CHECK_ERR("proc, FOLLOW",
		  n2h(AT_FDCWD, "/proc/self/stat", &h, &mnt, AT_SYMLINK_FOLLOW),
		  EOPNOTSUPP);
	fd = open("/proc/self/stat", O_RDONLY);
	CHECK_ERR("proc, EMPTY_PATH", n2h(fd, "", &h, &mnt, AT_EMPTY_PATH),
		  EOPNOTSUPP);
	close(fd);
	umount2("/proc", 0);
}

CONTRACT_TEST(open_by_handle)
{
	struct fh h = { 8, 1, { 1, 2, 3, 4, 5, 6, 7, 8 } };
	int fd;

	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	fd = open("/proc", O_RDONLY | O_DIRECTORY);
	CHECK_ERR("bad handle, bad fd", obh(99, BAD_LOW, O_RDONLY), EFAULT);
	h.bytes = 0;
	CHECK_ERR("0 bytes, bad fd", obh(99, &h, O_RDONLY), EINVAL);
	h.bytes = 129;
	CHECK_ERR("129 bytes", obh(fd, &h, O_RDONLY), EINVAL);
	h.bytes = 8;
	CHECK_ERR("bad fd", obh(99, &h, O_RDONLY), EBADF);
	CHECK_ERR("proc: nothing decodes", obh(fd, &h, O_RDONLY), ESTALE);
	close(fd);
	umount2("/proc", 0);
}

static void nobody(void *arg)
{
	struct fh h = { 8, 1, { 1, 2, 3, 4, 5, 6, 7, 8 } };

	EXPECT(setgid(65534) == 0 && setuid(65534) == 0);
	CHECK_ERR("bad fd", obh(99, &h, O_RDONLY), EBADF);
	CHECK_ERR("no CAP_DAC_READ_SEARCH", obh(AT_FDCWD, &h, O_RDONLY), EPERM);
}

CONTRACT_TEST(open_by_handle_perm)
{
	ct_child_ok("as uid 65534", nobody, NULL);
}

/* Linux's tmpfs encodes handles; KOS's does not (a divergence). */
CONTRACT_TEST(tmpfs)
{
	struct fh h = { 128, 0, { 0 } }, s = { 0, 0, { 0 } };
	int mnt, fd;

	CHECK_RET("a file", n2h(AT_FDCWD, DATA "/small", &h, &mnt, 0), 0);
	CHECK("handle_bytes > 0", h.bytes > 0 && h.bytes <= 128);
	CHECK_ERR("too small", n2h(AT_FDCWD, DATA "/small", &s, &mnt, 0),
		  EOVERFLOW);
	CHECK("handle_bytes wanted", s.bytes == h.bytes);
	CHECK_ERR("bad handle", n2h(AT_FDCWD, DATA "/small", BAD_LOW, &mnt, 0),
		  EFAULT);
	fd = (int)obh(AT_FDCWD, &h, O_RDONLY);
	CHECK_RET("open it", fd, 3);
	close(fd);
}
