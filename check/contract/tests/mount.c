/*
 * mount(2) and umount2(2) with tmpfs and proc, and what /proc shows of
 * the calling process.  tmpfs: its mode (1777 unless mode=), uid=, gid=,
 * size= (statfs and ENOSPC), bad options (EINVAL), read-only mounts
 * (EROFS), remounts (read-only and back, EBUSY with writers, size=),
 * nosuid/nodev/noexec and the atime flags (mount.flags), a
 * mount hiding what is below; umount: EINVAL on a directory
 * that is not a mount, EBUSY while in use (a cwd, an open file),
 * MNT_DETACH anyway; errors in Linux's order (flags, the path, the
 * privilege), umount2(".") of a mount on top of the cwd; pivot_root(2):
 * its errors, a pivot into a tmpfs and back, pivot_root(".", ".") with
 * umount2(".", MNT_DETACH).  /proc: self, stat and status fields that are
 * deterministic, cmdline, exe, cwd, fd links, mounts, filesystems,
 * statfs, the process directory's owner, status's signal masks;
 * numbers as relations.
 */
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "mount"

#define M "/tmp/mnt"

static void mkmnt(void)
{
	mkdir(M, 0755);
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_mode;
}

/* The text of a small file (NUL bytes become spaces). */
static const char *slurp(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[n] = 0;
	return buf;
}

/* Does /proc/mounts (mounted) have a line starting with prefix? */
static int mounted_line(const char *prefix)
{
	const char *s = slurp("/proc/mounts");

	while (*s) {
		if (!strncmp(s, prefix, strlen(prefix)))
			return 1;
		s = strchr(s, '\n');
		if (!s)
			break;
		s++;
	}
	return 0;
}

CONTRACT_TEST(tmpfs)
{
	struct statfs sf;
	struct stat st;
	int fd;

	mkmnt();
	close(open(M "/below", O_WRONLY | O_CREAT, 0644));
	CHECK_RET("mount tmpfs", mount("none", M, "tmpfs", 0, NULL), 0);
	CHECK_EQO("root mode", mode_of(M), S_IFDIR | 01777);
	CHECK_ERR("what was below is hidden", access(M "/below", F_OK), ENOENT);
	statfs(M, &sf);
	CHECK_EQX("f_type", sf.f_type, 0x01021994);
	stat(M, &st);
	CHECK("another device", ({
		      struct stat t;
		      stat("/tmp", &t);
		      t.st_dev != st.st_dev;
	      }));
	CHECK_RET("MS_PRIVATE on the mount's root",
		  mount(NULL, M, NULL, MS_PRIVATE, NULL), 0);
	CHECK_ERR("MS_PRIVATE on a directory that is no mount",
		  (mkdir(M "/sub", 0755),
		   mount(NULL, M "/sub", NULL, MS_PRIVATE, NULL)),
		  EINVAL);
	rmdir(M "/sub");
	CHECK_RET("create in it", close(open(M "/f", O_WRONLY | O_CREAT, 0644)),
		  0);
	fd = open(M "/f", O_RDONLY);
	CHECK_ERR("umount while a file is open", umount2(M, 0), EBUSY);
	close(fd);
	chdir(M);
	CHECK_ERR("umount while it is the cwd", umount2(M, 0), EBUSY);
	chdir("/");
	CHECK_RET("umount", umount2(M, 0), 0);
	CHECK_RET("what was below is back", access(M "/below", F_OK), 0);
	CHECK_ERR("umount again: not a mount", umount2(M, 0), EINVAL);
	unlink(M "/below");
	rmdir(M);
}

CONTRACT_TEST(tmpfs_options)
{
	struct statfs sf;
	struct stat st;
	char buf[4096];
	int fd, n = 0;

	mkmnt();
	CHECK_RET("size=64k,mode=0750,uid=5,gid=6",
		  mount("t", M, "tmpfs", 0, "size=64k,mode=0750,uid=5,gid=6"),
		  0);
	stat(M, &st);
	CHECK_EQO("mode", st.st_mode, S_IFDIR | 0750);
	CHECK_EQ("uid", st.st_uid, 5);
	CHECK_EQ("gid", st.st_gid, 6);
	statfs(M, &sf);
	CHECK_EQ("f_blocks", sf.f_blocks, 16);
	CHECK_EQ("f_bfree", sf.f_bfree, 16);
	fd = open(M "/f", O_WRONLY | O_CREAT, 0644);
	memset(buf, 'x', sizeof(buf));
	while (write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) && n < 100)
		n++;
	CHECK_EQ("pages written before it is full", n, 16);
	CHECK_ERR("then ENOSPC", write(fd, buf, 1), ENOSPC);
	statfs(M, &sf);
	CHECK_EQ("f_bfree", sf.f_bfree, 0);
	close(fd);
	unlink(M "/f");
	CHECK_RET("umount", umount2(M, 0), 0);
	CHECK_ERR("an unknown option", mount("t", M, "tmpfs", 0, "bogus=1"),
		  EINVAL);
	CHECK_ERR("a bad size", mount("t", M, "tmpfs", 0, "size=12q"), EINVAL);
	CHECK_ERR("an unknown type", mount("t", M, "nosuchfs", 0, NULL),
		  ENODEV);
	CHECK_ERR("a missing target", mount("t", M "/nx", "tmpfs", 0, NULL),
		  ENOENT);
	CHECK_ERR("a file as target",
		  (close(open("/tmp/mntfile", O_WRONLY | O_CREAT, 0644)),
		   mount("t", "/tmp/mntfile", "tmpfs", 0, NULL)),
		  ENOTDIR);
	unlink("/tmp/mntfile");
	CHECK_ERR("bad type address",
		  syscall(SYS_mount, "t", M, BAD_LOW, 0, NULL), EFAULT);
	rmdir(M);
}

CONTRACT_TEST(readonly)
{
	mkmnt();
	CHECK_RET("mount tmpfs", mount("t", M, "tmpfs", 0, NULL), 0);
	mkdir(M "/d", 0755);
	close(open(M "/f", O_WRONLY | O_CREAT, 0644));
	CHECK_RET("umount", umount2(M, 0), 0);
	CHECK_RET("mount read-only", mount("t", M, "tmpfs", MS_RDONLY, NULL),
		  0);
	CHECK_ERR("create", open(M "/g", O_WRONLY | O_CREAT, 0644), EROFS);
	CHECK_ERR("mkdir", mkdir(M "/e", 0755), EROFS);
	CHECK_ERR("chmod", chmod(M, 0700), EROFS);
	CHECK_ERR("symlink", symlink("x", M "/l"), EROFS);
	CHECK_RET("read the root", access(M, R_OK), 0);
	CHECK_RET("umount", umount2(M, 0), 0);
	rmdir(M);
}

/*
 * MS_REMOUNT: read-only and back on the mount's root (EINVAL elsewhere),
 * EBUSY while a file is open for writing, statfs's ST_RDONLY, what
 * /proc/mounts says, and tmpfs's size= (EINVAL below what is used).
 */
CONTRACT_TEST(remount)
{
	struct statfs sf;
	char big[8192];
	int fd;

	mkmnt();
	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	CHECK_RET("mount tmpfs", mount("t", M, "tmpfs", 0, "size=1m"), 0);
	mkdir(M "/d", 0755);
	fd = open(M "/f", O_WRONLY | O_CREAT, 0644);
	CHECK_ERR("remount read-only with a writer",
		  mount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY, NULL), EBUSY);
	CHECK_RET("still writable", write(fd, "x", 1), 1);
	close(fd);
	CHECK_ERR("remount a directory that is not a mount's root",
		  mount(NULL, M "/d", NULL, MS_REMOUNT | MS_RDONLY, NULL),
		  EINVAL);
	CHECK_ERR("remount a missing path",
		  mount(NULL, M "/nx", NULL, MS_REMOUNT, NULL), ENOENT);
	CHECK_RET("remount read-only",
		  mount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	CHECK_ERR("open for writing", open(M "/f", O_WRONLY), EROFS);
	CHECK_ERR("create", open(M "/g", O_WRONLY | O_CREAT, 0644), EROFS);
	CHECK_ERR("unlink", unlink(M "/f"), EROFS);
	CHECK_RET("read", access(M "/f", R_OK), 0);
	CHECK_RET("statfs", statfs(M, &sf), 0);
	CHECK("ST_RDONLY", (sf.f_flags & ST_RDONLY) != 0);
	CHECK("/proc/mounts says ro", mounted_line("t /tmp/mnt tmpfs ro"));
	CHECK_RET("remount read-write", mount(NULL, M, NULL, MS_REMOUNT, NULL),
		  0);
	CHECK("/proc/mounts says rw", mounted_line("t /tmp/mnt tmpfs rw"));
	CHECK_RET("statfs", statfs(M, &sf), 0);
	CHECK("no ST_RDONLY", (sf.f_flags & ST_RDONLY) == 0);
	fd = open(M "/f", O_WRONLY);
	CHECK("writable again", fd >= 0);
	memset(big, 'b', sizeof(big));
	CHECK_RET("write 8 KiB", write(fd, big, sizeof(big)), 8192);
	close(fd);
	CHECK_ERR("remount size below what is used",
		  mount(NULL, M, NULL, MS_REMOUNT, "size=4k"), EINVAL);
	CHECK_RET("remount size=2m",
		  mount(NULL, M, NULL, MS_REMOUNT, "size=2m"), 0);
	CHECK_RET("statfs", statfs(M, &sf), 0);
	CHECK_EQ("blocks", sf.f_blocks, 512);
	CHECK_ERR("remount with a bad option",
		  mount(NULL, M, NULL, MS_REMOUNT, "bogus=1"), EINVAL);
	CHECK_EQO("mode kept", mode_of(M) & 07777, 01777);
	unlink(M "/f");
	rmdir(M "/d");
	CHECK_RET("umount", umount2(M, 0), 0);
	umount2("/proc", 0);
	rmdir(M);
}

/* The helper's uids, run from the program's copy prog as uid 1000. */
static void as_1000(void *arg)
{
	setresuid(1000, 1000, 1000);
}

static const char *ids_of(const char *prog)
{
	static const char *const words[] = { "ids", NULL };
	static char out[512];
	const char *self = ct_self;

	ct_self = prog;
	ct_run_helper(words, NULL, as_1000, NULL, out, sizeof(out));
	ct_self = self;
	return ct_field(out, "uids");
}

/* A copy of the program itself at path, mode mode: 0 or -1. */
static int copy_self(const char *path, int mode)
{
	static char buf[65536];
	int in = open(ct_self, O_RDONLY), out, ok = in >= 0;
	ssize_t n;

	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	while (ok && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, (size_t)n) == n;
	close(in);
	close(out);
	return ok && out >= 0 && !chmod(path, mode) ? 0 : -1;
}

/*
 * MS_NOSUID, MS_NODEV, MS_NOEXEC and the atime flags: what /proc/mounts
 * and statfs say, what each refuses, and what remounts replace (all
 * but the atime flags, which stay unless one is named).
 */
CONTRACT_TEST(flags)
{
	const char *argv[] = { M "/prog", NULL }, *envp[] = { NULL };
	struct statfs sf;
	void *p;
	int fd;

	mkmnt();
	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	CHECK_RET(
		"mount tmpfs nosuid,nodev,noexec",
		mount("t", M, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL),
		0);
	CHECK("/proc/mounts",
	      mounted_line(
		      "t /tmp/mnt tmpfs rw,nosuid,nodev,noexec,relatime "));
	CHECK_RET("statfs", statfs(M, &sf), 0);
	CHECK_EQX("f_flags: ST_VALID, NOSUID, NODEV, NOEXEC, RELATIME",
		  sf.f_flags,
		  0x20 | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME);
	CHECK_RET("a copy of the program, set-user-ID root",
		  copy_self(M "/prog", 04755), 0);
	CHECK_ERR("access X_OK", access(M "/prog", X_OK), EACCES);
	CHECK_RET("access R_OK", access(M "/prog", R_OK), 0);
	CHECK_ERR("execve", syscall(SYS_execve, argv[0], argv, envp), EACCES);
	fd = open(M "/prog", O_RDONLY);
	CHECK_ERR("mmap PROT_EXEC",
		  (long)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd,
			     0),
		  EPERM);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK("mmap PROT_READ", p != MAP_FAILED);
	CHECK_ERR("mprotect PROT_EXEC",
		  mprotect(p, 4096, PROT_READ | PROT_EXEC), EACCES);
	munmap(p, 4096);
	close(fd);
	CHECK_RET("mknod /dev/null's twin",
		  mknod(M "/null", S_IFCHR | 0666, makedev(1, 3)), 0);
	CHECK_ERR("open it", open(M "/null", O_RDWR), EACCES);
	CHECK_RET("open it O_PATH", close(open(M "/null", O_PATH)), 0);

	CHECK_RET("remount nosuid,nodev",
		  mount(NULL, M, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV, NULL),
		  0);
	CHECK("/proc/mounts",
	      mounted_line("t /tmp/mnt tmpfs rw,nosuid,nodev,relatime "));
	CHECK_RET("access X_OK", access(M "/prog", X_OK), 0);
	CHECK_STR("uid 1000 runs it: set-user-ID ignored", ids_of(M "/prog"),
		  "1000 1000 1000");
	CHECK_RET("remount nodev",
		  mount(NULL, M, NULL, MS_REMOUNT | MS_NODEV, NULL), 0);
	CHECK_STR("set-user-ID applies", ids_of(M "/prog"), "1000 0 0");
	CHECK_ERR("open the device", open(M "/null", O_RDWR), EACCES);
	CHECK_RET("remount", mount(NULL, M, NULL, MS_REMOUNT, NULL), 0);
	fd = open(M "/null", O_RDWR);
	CHECK("open the device", fd >= 0);
	close(fd);
	CHECK_RET("statfs", statfs(M, &sf), 0);
	CHECK_EQX("f_flags", sf.f_flags, 0x20 | ST_RELATIME);

	CHECK_RET("remount noatime,nodiratime",
		  mount(NULL, M, NULL, MS_REMOUNT | MS_NOATIME | MS_NODIRATIME,
			NULL),
		  0);
	CHECK("/proc/mounts",
	      mounted_line("t /tmp/mnt tmpfs rw,noatime,nodiratime "));
	CHECK_RET("statfs", statfs(M, &sf), 0);
	CHECK_EQX("f_flags", sf.f_flags, 0x20 | ST_NOATIME | ST_NODIRATIME);
	CHECK_RET("remount naming no atime flag",
		  mount(NULL, M, NULL, MS_REMOUNT | MS_NOSUID, NULL), 0);
	CHECK("/proc/mounts: kept",
	      mounted_line("t /tmp/mnt tmpfs rw,nosuid,noatime,nodiratime "));
	CHECK_RET("remount strictatime",
		  mount(NULL, M, NULL, MS_REMOUNT | MS_STRICTATIME, NULL), 0);
	CHECK("/proc/mounts", mounted_line("t /tmp/mnt tmpfs rw 0 0"));
	CHECK_RET("remount relatime",
		  mount(NULL, M, NULL, MS_REMOUNT | MS_RELATIME, NULL), 0);
	CHECK("/proc/mounts", mounted_line("t /tmp/mnt tmpfs rw,relatime "));
	unlink(M "/prog");
	unlink(M "/null");
	CHECK_RET("umount", umount2(M, 0), 0);
	umount2("/proc", 0);
	rmdir(M);
}

#define B "/tmp/b"

static long ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_ino;
}

/* Does /proc/mounts have a line whose mount point is path? */
static int mounted_on(const char *path)
{
	char want[128];

	snprintf(want, sizeof(want), " %s ", path);
	return strstr(slurp("/proc/mounts"), want) != NULL;
}

/*
 * MS_BIND: a directory (and a file) shown in a second place, the same
 * inodes, changes visible both ways, ".." and getcwd through the bind
 * mount, umount; MS_MOVE of a tmpfs; Linux's errors for each.
 */
CONTRACT_TEST(bind_move)
{
	char cwd[256];
	int fd;

	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	mkdir(B, 0755);
	mkdir(B "/src", 0755);
	mkdir(B "/dst", 0755);
	mkdir(B "/dst2", 0755);
	fd = open(B "/src/f", O_WRONLY | O_CREAT, 0644);
	EXPECT(write(fd, "src", 3) == 3);
	close(fd);
	close(open(B "/file1", O_WRONLY | O_CREAT, 0644));
	CHECK_ERR("bind a missing source",
		  mount(B "/nx", B "/dst", NULL, MS_BIND, NULL), ENOENT);
	CHECK_ERR("bind onto a missing target",
		  mount(B "/src", B "/nx", NULL, MS_BIND, NULL), ENOENT);
	CHECK_ERR("bind a directory onto a file",
		  mount(B "/src", B "/file1", NULL, MS_BIND, NULL), ENOTDIR);
	CHECK_RET("bind", mount(B "/src", B "/dst", NULL, MS_BIND, NULL), 0);
	CHECK("same inode", ino_of(B "/dst/f") == ino_of(B "/src/f"));
	CHECK("the root is the source's", ino_of(B "/dst") == ino_of(B "/src"));
	CHECK("/proc/mounts shows it", mounted_on(B "/dst"));
	close(open(B "/dst/g", O_WRONLY | O_CREAT, 0644));
	CHECK_RET("made through the bind, seen in the source",
		  access(B "/src/g", F_OK), 0);
	CHECK("\"..\" of the bind's root is its mount point's parent",
	      ino_of(B "/dst/..") == ino_of(B));
	EXPECT(chdir(B "/dst") == 0);
	CHECK("getcwd inside",
	      getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, B "/dst"));
	EXPECT(chdir("/") == 0);
	CHECK_RET("umount the bind", umount2(B "/dst", 0), 0);
	CHECK_ERR("its view is gone", access(B "/dst/f", F_OK), ENOENT);
	CHECK_RET("the source stays", access(B "/src/f", F_OK), 0);
	/* a file onto a file */
	CHECK_RET("bind a file",
		  mount(B "/src/f", B "/file1", NULL, MS_BIND, NULL), 0);
	CHECK("the file's inode", ino_of(B "/file1") == ino_of(B "/src/f"));
	CHECK("/proc/mounts shows it", mounted_on(B "/file1"));
	CHECK_RET("umount it", umount2(B "/file1", 0), 0);
	CHECK("the file under it again",
	      ino_of(B "/file1") != ino_of(B "/src/f"));
	/* MS_MOVE */
	mkdir(B "/m1", 0755);
	EXPECT(mount("t", B "/m1", "tmpfs", 0, NULL) == 0);
	mkdir(B "/m1/sub", 0755);
	close(open(B "/m1/x", O_WRONLY | O_CREAT, 0644));
	CHECK_ERR("move a directory that is not a mount",
		  mount(B "/src", B "/dst2", NULL, MS_MOVE, NULL), EINVAL);
	CHECK_ERR("move into itself",
		  mount(B "/m1", B "/m1/sub", NULL, MS_MOVE, NULL), ELOOP);
	CHECK_ERR("move a missing source",
		  mount(B "/nx", B "/dst2", NULL, MS_MOVE, NULL), ENOENT);
	CHECK_RET("move", mount(B "/m1", B "/dst2", NULL, MS_MOVE, NULL), 0);
	CHECK_RET("there now", access(B "/dst2/x", F_OK), 0);
	CHECK_ERR("not here any more", access(B "/m1/x", F_OK), ENOENT);
	CHECK("/proc/mounts: the new place", mounted_on(B "/dst2"));
	CHECK("/proc/mounts: not the old", !mounted_on(B "/m1"));
	CHECK("\"..\" after the move",
	      ino_of(B "/dst2/sub/../..") == ino_of(B));
	CHECK_ERR("umount the old place", umount2(B "/m1", 0), EINVAL);
	CHECK_RET("umount the new", umount2(B "/dst2", 0), 0);
	unlink(B "/src/f");
	unlink(B "/src/g");
	unlink(B "/file1");
	rmdir(B "/src");
	rmdir(B "/dst");
	rmdir(B "/dst2");
	rmdir(B "/m1");
	rmdir(B);
	umount2("/proc", 0);
}

#define CR "/tmp/cr"

static long ino_at(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_ino;
}

static void in_chroot(void *arg)
{
	char cwd[256];
	long root_ino = ino_at(CR);

	(void)arg;
	CHECK_ERR("chroot to a missing directory", chroot(CR "/nx"), ENOENT);
	CHECK_ERR("chroot to a file", chroot(CR "/d/f"), ENOTDIR);
	CHECK_ERR("chroot through a file", chroot(CR "/d/f/x"), ENOTDIR);
	CHECK_ERR("chroot to \"\"", chroot(""), ENOENT);
	CHECK_RET("chroot", chroot(CR), 0);
	CHECK("getcwd(2): the old cwd is outside, \"(unreachable)\"",
	      syscall(SYS_getcwd, cwd, sizeof(cwd)) > 0 &&
		      !strncmp(cwd, "(unreachable)/", 14));
	CHECK_ERR("the C library's getcwd", getcwd(cwd, sizeof(cwd)) ? 0 : -1,
		  ENOENT);
	CHECK_RET("an absolute path starts at the new root",
		  access("/d/f", F_OK), 0);
	CHECK_ERR("the old tree is gone", access(CR "/d/f", F_OK), ENOENT);
	CHECK("\"/\" is the new root", ino_at("/") == root_ino);
	CHECK("\"/..\" stays there", ino_at("/..") == root_ino);
	CHECK("\"/d/../../..\" too", ino_at("/d/../../..") == root_ino);
	EXPECT(chdir("/d") == 0);
	CHECK("getcwd inside", getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/d"));
	CHECK("relative \"..\" stops at the root",
	      ino_at("../../..") == root_ino);
	CHECK_RET("an absolute symlink resolves inside", access("/d/l", F_OK),
		  0);
}

static void chroot_unprivileged(void *arg)
{
	(void)arg;
	EXPECT(setuid(65534) == 0);
	CHECK_ERR("chroot as uid 65534", chroot(CR), EPERM);
	CHECK_ERR("missing path first", chroot(CR "/nx"), ENOENT);
}

/* chroot(2): errors, "/" and ".." in the new root, getcwd outside it. */
CONTRACT_TEST(chroot)
{
	mkdir(CR, 0755);
	mkdir(CR "/d", 0755);
	close(open(CR "/d/f", O_WRONLY | O_CREAT, 0644));
	EXPECT(symlink("/d/f", CR "/d/l") == 0);
	ct_child_ok("chroot", in_chroot, NULL);
	ct_child_ok("uid 65534", chroot_unprivileged, NULL);
	CHECK_RET("the parent's root is untouched", access(CR "/d/f", F_OK), 0);
	unlink(CR "/d/l");
	unlink(CR "/d/f");
	rmdir(CR "/d");
	rmdir(CR);
}

CONTRACT_TEST(umount_errors)
{
	int fd;

	mkmnt();
	CHECK_ERR("bad flags", umount2(M, 0x100), EINVAL);
	CHECK_ERR("MNT_EXPIRE|MNT_DETACH", umount2(M, MNT_EXPIRE | MNT_DETACH),
		  EINVAL);
	CHECK_ERR("not a mount", umount2(M, 0), EINVAL);
	CHECK_ERR("missing", umount2(M "/nx", 0), ENOENT);
	CHECK_ERR("empty path", umount2("", 0), ENOENT);
	mount("t", M, "tmpfs", 0, NULL);
	fd = open(M "/f", O_RDWR | O_CREAT, 0644);
	CHECK_RET("MNT_DETACH while busy", umount2(M, MNT_DETACH), 0);
	CHECK_RET("the open file still works", write(fd, "abc", 3), 3);
	CHECK_ERR("the name is gone", access(M "/f", F_OK), ENOENT);
	close(fd);
	rmdir(M);
}

/*
 * umount2 follows what is mounted on its last component (Linux's
 * LOOKUP_MOUNTPOINT): "." in a directory covered after the chdir names
 * the mount on top.
 */
CONTRACT_TEST(umount_dot)
{
	mkmnt();
	EXPECT(chdir(M) == 0);
	EXPECT(mount("t", M, "tmpfs", 0, NULL) == 0);
	CHECK_ERR("\".\" is the covered directory", access("f", F_OK), ENOENT);
	close(open(M "/f", O_WRONLY | O_CREAT, 0644));
	CHECK_ERR("still, after a file is made on top", access("./f", F_OK),
		  ENOENT);
	CHECK_RET("umount2(\".\") takes the mount on top", umount2(".", 0), 0);
	CHECK_ERR("then nothing is mounted there", umount2(".", 0), EINVAL);
	EXPECT(chdir("/") == 0);
	rmdir(M);
}

/* A mount of a file system's root over itself (proc on /proc again,
 * a bind of a mount point onto itself): Linux stacks them; KOS, where
 * mounts do not stack, refuses (divergence mount.stack_self), and the
 * names under it keep working either way. */
CONTRACT_TEST(stack_self)
{
	struct stat st;

	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	CHECK_RET("proc on /proc again",
		  mount("proc", "/proc", "proc", 0, NULL), 0);
	CHECK_RET("stat /proc/self/stat", stat("/proc/self/stat", &st), 0);
	while (umount2("/proc", 0) == 0)
		;
	mkmnt();
	EXPECT(mount("t", M, "tmpfs", 0, NULL) == 0);
	CHECK_RET("bind the mount point onto itself",
		  mount(M, M, NULL, MS_BIND, NULL), 0);
	CHECK_RET("create under it", mknod(M "/f", S_IFREG | 0600, 0), 0);
	while (umount2(M, 0) == 0)
		;
	rmdir(M);
}

static void nonroot_mount(void *arg)
{
	EXPECT(setuid(1000) == 0);
	CHECK_ERR("mount as uid 1000", mount("t", M, "tmpfs", 0, NULL), EPERM);
	CHECK_ERR("mount on a missing path (ENOENT first)",
		  mount("t", M "/nx", "tmpfs", 0, NULL), ENOENT);
	CHECK_ERR("umount as uid 1000", umount2("/proc", 0), EPERM);
}

CONTRACT_TEST(privilege)
{
	mkmnt();
	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	ct_child_ok("uid 1000", nonroot_mount, NULL);
	umount2("/proc", 0);
	rmdir(M);
}

/* ---- /proc --------------------------------------------------------- */

/* Field n (1-based) of /proc/self/stat, after the ")" of the name. */
static long stat_field(int n)
{
	const char *s = strrchr(slurp("/proc/self/stat"), ')');
	long v = 0;

	if (!s)
		return -1;
	s += 2; /* ") " then field 3 */
	for (int f = 3; f < n && *s; f++) {
		s = strchr(s, ' ');
		if (!s)
			return -1;
		s++;
	}
	sscanf(s, "%ld", &v);
	return v;
}

CONTRACT_TEST(proc_self)
{
	char buf[256], want[64];
	struct stat st;
	int fd;

	mkdir("/proc", 0555);
	CHECK_RET("mount proc", mount("proc", "/proc", "proc", 0, NULL), 0);
	CHECK_EQ("readlink self is the pid",
		 readlink("/proc/self", buf, sizeof(buf)),
		 snprintf(want, sizeof(want), "%d", getpid()));
	CHECK("same text", !memcmp(buf, want, strlen(want)));
	snprintf(want, sizeof(want), "%d (", getpid());
	CHECK("stat starts with the pid and (",
	      !strncmp(slurp("/proc/self/stat"), want, strlen(want)));
	{
		char name[32] = "", state = '?';

		sscanf(slurp("/proc/self/stat"), "%*d (%31[^)]) %c", name,
		       &state);
		CHECK_STR("stat: name", name, ({
				  static char c[32];
				  snprintf(c, sizeof(c), "%.15s",
					   ct_argv[0] + strlen("/contract/"));
				  c;
			  }));
		CHECK_EQ("stat: state R", state, 'R');
	}
	CHECK_EQ("stat: ppid", stat_field(4), 0);
	CHECK_EQ("stat: pgrp", stat_field(5), 0);
	CHECK_EQ("stat: num_threads", stat_field(20), 1);
	CHECK_EQ("stat: nice", stat_field(19), 0);
	CHECK("status: Name line",
	      !strncmp(slurp("/proc/self/status"), "Name:\t", 6));
	CHECK("status: Uid line", strstr(slurp("/proc/self/status"),
					 "\nUid:\t0\t0\t0\t0\n") != NULL);
	CHECK("status: Gid line", strstr(slurp("/proc/self/status"),
					 "\nGid:\t0\t0\t0\t0\n") != NULL);
	CHECK("status: Umask",
	      strstr(slurp("/proc/self/status"), "\nUmask:\t0022\n") != NULL);
	CHECK_STR("cmdline", slurp("/proc/self/cmdline"), ({
			  static char c[512];
			  c[0] = 0;
			  for (int i = 0; i < ct_argc; i++) {
				  strcat(c, ct_argv[i]);
				  strcat(c, " ");
			  }
			  c;
		  }));
	memset(buf, 0, sizeof(buf));
	readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	CHECK_STR("exe", buf, ct_argv[0]);
	memset(buf, 0, sizeof(buf));
	readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
	CHECK_STR("cwd", buf, "/");
	fd = open("/contract/data/small", O_RDONLY);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	memset(buf, 0, sizeof(buf));
	readlink(want, buf, sizeof(buf) - 1);
	CHECK_STR("fd link of an open file", buf, "/contract/data/small");
	close(fd);
	CHECK_ERR("fd link of a closed fd", readlink(want, buf, sizeof(buf)),
		  ENOENT);
	CHECK_STR("comm", slurp("/proc/self/comm"), ({
			  static char c[32];
			  snprintf(c, sizeof(c), "%.15s\n",
				   ct_argv[0] + strlen("/contract/"));
			  c;
		  }));
	stat("/proc/self", &st);
	CHECK_EQO("the process directory's mode", st.st_mode, S_IFDIR | 0555);
	CHECK_EQ("its owner", st.st_uid, 0);
	CHECK_ERR("a pid that does not exist", access("/proc/99999", F_OK),
		  ENOENT);
	CHECK("meminfo starts with MemTotal:",
	      !strncmp(slurp("/proc/meminfo"), "MemTotal:", 9));
	CHECK("filesystems has tmpfs",
	      strstr(slurp("/proc/filesystems"), "nodev\ttmpfs\n") != NULL);
	CHECK("filesystems has proc",
	      strstr(slurp("/proc/filesystems"), "nodev\tproc\n") != NULL);
	CHECK("mounts has the proc mount", mounted_line("proc /proc proc rw"));
	CHECK("uptime: two numbers", ({
		      double a = -1, b = -1;
		      sscanf(slurp("/proc/uptime"), "%lf %lf", &a, &b) == 2 &&
			      a >= 0 && b >= 0;
	      }));
	CHECK("loadavg: five fields", ({
		      double a, b, c;
		      int r, t, l;
		      sscanf(slurp("/proc/loadavg"), "%lf %lf %lf %d/%d %d", &a,
			     &b, &c, &r, &t, &l) == 6;
	      }));
	CHECK("stat: a cpu line", !strncmp(slurp("/proc/stat"), "cpu ", 4));
	CHECK_STR("sys/kernel/ostype", slurp("/proc/sys/kernel/ostype"),
		  "Linux\n");
	CHECK_EQX("statfs f_type (PROC_SUPER_MAGIC)", ({
			  struct statfs sf;
			  statfs("/proc", &sf);
			  sf.f_type;
		  }),
		  0x9fa0);
	CHECK_RET("umount proc", umount2("/proc", 0), 0);
}

/* The mask on line "name:\t<hex>" of /proc/self/status (0 if none). */
static unsigned long long status_mask(const char *name)
{
	const char *s = slurp("/proc/self/status"), *l;
	char key[16];
	unsigned long long m = 0;

	snprintf(key, sizeof(key), "\n%s:\t", name);
	l = strstr(s, key);
	if (l)
		sscanf(l + strlen(key), "%llx", &m);
	return m;
}

static void status_handler(int sig)
{
}

/* In a child: the signal lines of its status as it changes them. */
static void status_signals(void *arg)
{
	struct sigaction ign = { .sa_handler = SIG_IGN },
			 catch = { .sa_handler = status_handler };
	sigset_t set;
	int sig = 0;

	CHECK_EQX("SigIgn at first", status_mask("SigIgn"), 0);
	sigaction(SIGQUIT, &ign, NULL);
	sigaction(SIGUSR1, &catch, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
	kill(getpid(), SIGTERM);
	CHECK_EQX("SigIgn: SIGQUIT", status_mask("SigIgn"),
		  1ULL << (SIGQUIT - 1));
	CHECK_EQX("SigCgt has SIGUSR1, not SIGQUIT",
		  status_mask("SigCgt") &
			  (1ULL << (SIGUSR1 - 1) | 1ULL << (SIGQUIT - 1)),
		  1ULL << (SIGUSR1 - 1));
	CHECK_EQX("SigBlk has SIGUSR2 and SIGTERM",
		  status_mask("SigBlk") &
			  (1ULL << (SIGUSR2 - 1) | 1ULL << (SIGTERM - 1)),
		  1ULL << (SIGUSR2 - 1) | 1ULL << (SIGTERM - 1));
	CHECK_EQX("SigPnd: the thread's SIGUSR2", status_mask("SigPnd"),
		  1ULL << (SIGUSR2 - 1));
	CHECK_EQX("ShdPnd: the process's SIGTERM", status_mask("ShdPnd"),
		  1ULL << (SIGTERM - 1));
	sigwait(&set, &sig);
	sigwait(&set, &sig);
	CHECK_EQX("nothing pending after sigwait",
		  status_mask("SigPnd") | status_mask("ShdPnd"), 0);
	sigaction(SIGQUIT, &catch, NULL);
	CHECK_EQX("SigIgn once SIGQUIT is caught", status_mask("SigIgn"), 0);
}

/* SigPnd, ShdPnd, SigBlk, SigIgn and SigCgt of /proc/self/status. */
CONTRACT_TEST(proc_status_signals)
{
	mkdir("/proc", 0555);
	CHECK_RET("mount proc", mount("proc", "/proc", "proc", 0, NULL), 0);
	ct_child_ok("the child", status_signals, NULL);
	CHECK_RET("umount proc", umount2("/proc", 0), 0);
}

/* The image an exec'd file named: a symlink's target, a script's interpreter. */
static void exec_exe(void *arg)
{
	static const char *const envp[] = { "CT_HELPER=exe /proc", NULL };
	const char *argv[] = { arg, NULL };

	syscall(SYS_execve, arg, argv, envp);
	ct_say("exec: %s", ct_errname(errno));
	_exit(127);
}

CONTRACT_TEST(proc_exe)
{
	static char out[1024], text[256];

	mkdir("/proc", 0555);
	CHECK_RET("mount proc", mount("proc", "/proc", "proc", 0, NULL), 0);
	snprintf(text, sizeof(text), "#!%s\n", ct_self);
	EXPECT(ct_write_file("/tmp/exe-script", text, 0755) == 0);
	EXPECT(symlink("exe-script", "/tmp/exe-script-link") == 0);
	ct_capture(exec_exe, (void *)ct_self, out, sizeof(out));
	CHECK_STR("the program itself", ct_field(out, "exe"), ct_self);
	ct_capture(exec_exe, "/tmp/exe-script", out, sizeof(out));
	CHECK_STR("a #! script: its interpreter", ct_field(out, "exe"),
		  ct_self);
	ct_capture(exec_exe, "/tmp/exe-script-link", out, sizeof(out));
	CHECK_STR("a symlink to a script: the interpreter",
		  ct_field(out, "exe"), ct_self);
	unlink("/tmp/exe-script-link");
	unlink("/tmp/exe-script");
	CHECK_RET("umount proc", umount2("/proc", 0), 0);
}

CONTRACT_TEST(proc_exe_symlink)
{
	static char out[1024];

	mkdir("/proc", 0555);
	CHECK_RET("mount proc", mount("proc", "/proc", "proc", 0, NULL), 0);
	EXPECT(symlink(ct_self, "/tmp/exe-link") == 0);
	ct_capture(exec_exe, "/tmp/exe-link", out, sizeof(out));
	CHECK_STR("through a symlink: its target", ct_field(out, "exe"),
		  ct_self);
	unlink("/tmp/exe-link");
	CHECK_RET("umount proc", umount2("/proc", 0), 0);
}

/* ---- pivot_root(2) -------------------------------------------------- */

#define PV "/tmp/pv"

/* The names in directory path (not "." and ".."), sorted, joined by ' '. */
static const char *names_in(const char *path)
{
	static char out[512];
	char names[16][64];
	int n = 0;
	DIR *d = opendir(path);
	struct dirent *e;

	out[0] = 0;
	if (!d)
		return "(error)";
	while ((e = readdir(d)) && n < 16) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(names[n++], sizeof(names[0]), "%.63s", e->d_name);
	}
	closedir(d);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0;
		     j--) {
			char t[64];

			memcpy(t, names[j], sizeof(t));
			memcpy(names[j], names[j - 1], sizeof(t));
			memcpy(names[j - 1], t, sizeof(t));
		}
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, names[i]);
	}
	return out;
}

static long pivot(const char *new_root, const char *put_old)
{
	return syscall(SYS_pivot_root, new_root, put_old);
}

/*
 * The tree the pivot tests start from: tmpfs A on PV with a_file and
 * plain/, tmpfs B on PV/new with b_file, old/ and sub/, tmpfs C on
 * PV/other; with outside, tmpfs D on /tmp/pvd (outside A) with sub/.
 */
static void pivot_tree(int outside)
{
	mkdir(PV, 0755);
	EXPECT(mount("A", PV, "tmpfs", 0, NULL) == 0);
	close(open(PV "/a_file", O_WRONLY | O_CREAT, 0644));
	mkdir(PV "/plain", 0755);
	mkdir(PV "/new", 0755);
	EXPECT(mount("B", PV "/new", "tmpfs", 0, NULL) == 0);
	close(open(PV "/new/b_file", O_WRONLY | O_CREAT, 0644));
	mkdir(PV "/new/old", 0755);
	mkdir(PV "/new/sub", 0755);
	if (!outside)
		return;
	mkdir(PV "/other", 0755);
	EXPECT(mount("C", PV "/other", "tmpfs", 0, NULL) == 0);
	mkdir("/tmp/pvd", 0755);
	EXPECT(mount("D", "/tmp/pvd", "tmpfs", 0, NULL) == 0);
	mkdir("/tmp/pvd/sub", 0755);
}

static void pivot_unprivileged(void *arg)
{
	(void)arg;
	EXPECT(setuid(1000) == 0);
	CHECK_ERR("pivot_root as uid 1000", pivot("/new", "/new/old"), EPERM);
	CHECK_ERR("as uid 1000, missing paths (EPERM first)",
		  pivot("/nx", "/nx"), EPERM);
}

static void pivot_errors(void *arg)
{
	(void)arg;
	EXPECT(chdir("/tmp/pvd") == 0);
	CHECK_RET("chroot into A", chroot(PV), 0);
	CHECK_ERR("new_root outside the root (the cwd)", pivot(".", "./sub"),
		  EINVAL);
	EXPECT(chdir("/") == 0);
	CHECK_ERR("missing new_root", pivot("/nx", "/new/old"), ENOENT);
	CHECK_ERR("new_root a file", pivot("/a_file", "/new/old"), ENOTDIR);
	CHECK_ERR("missing put_old", pivot("/new", "/new/nx"), ENOENT);
	CHECK_ERR("put_old a file", pivot("/new", "/new/b_file"), ENOTDIR);
	CHECK_ERR("empty new_root", pivot("", "/new/old"), ENOENT);
	CHECK_ERR("empty put_old", pivot("/new", ""), ENOENT);
	CHECK_ERR("put_old a bad pointer", pivot("/new", (char *)1), EFAULT);
	CHECK_ERR("new_root's error before put_old is read",
		  pivot("/nx", (char *)1), ENOENT);
	CHECK_ERR("new_root \"/\"", pivot("/", "/new/old"), EBUSY);
	CHECK_ERR("new_root in the root's mount", pivot("/plain", "/new/old"),
		  EBUSY);
	CHECK_ERR("put_old in the root's mount", pivot("/new", "/plain"),
		  EBUSY);
	CHECK_ERR("new_root no mount point", pivot("/new/sub", "/new/old"),
		  EINVAL);
	CHECK_ERR("put_old in another mount", pivot("/new", "/other"), EINVAL);
	mkdir("/new/gone", 0755);
	EXPECT(chdir("/new/gone") == 0);
	EXPECT(rmdir("/new/gone") == 0);
	CHECK_ERR("put_old removed", pivot("/new", "."), ENOENT);
	EXPECT(chdir("/") == 0);
	ct_child_ok("uid 1000", pivot_unprivileged, NULL);
	CHECK_RET("nothing moved", access("/new/b_file", F_OK), 0);
}

/* pivot_root(2)'s errors, in Linux's order, from inside a chroot. */
CONTRACT_TEST(pivot_root_errors)
{
	pivot_tree(1);
	ct_child_ok("in A", pivot_errors, NULL);
	umount2("/tmp/pvd", 0);
	rmdir("/tmp/pvd");
	umount2(PV "/other", 0);
	umount2(PV "/new", 0);
	umount2(PV, 0);
	rmdir(PV);
}

static void pivot_there_and_back(void *arg)
{
	long a_ino, b_ino;
	char cwd[256];

	(void)arg;
	EXPECT(chroot(PV) == 0);
	EXPECT(chdir("/") == 0);
	a_ino = ino_of("/");
	b_ino = ino_of("/new");
	CHECK_RET("pivot_root", pivot("/new", "/new/old"), 0);
	CHECK("\"/\" is B's root", ino_of("/") == b_ino);
	CHECK_STR("/ lists", names_in("/"), "b_file old sub");
	CHECK("/old is A's root", ino_of("/old") == a_ino);
	CHECK_STR("/old lists", names_in("/old"), "a_file new plain");
	CHECK_STR("B left A's new", names_in("/old/new"), "");
	CHECK("the cwd (the old root) moved too", getcwd(cwd, sizeof(cwd)) &&
							  !strcmp(cwd, "/") &&
							  ino_of(".") == b_ino);
	CHECK("\"/old/..\" is the new root", ino_of("/old/..") == b_ino);
	CHECK_ERR("again: put_old in the root's mount", pivot("/old", "/sub"),
		  EBUSY);
	CHECK_RET("and back", pivot("/old", "/old/new"), 0);
	CHECK("\"/\" is A's root again", ino_of("/") == a_ino);
	CHECK("B is on /new again", ino_of("/new") == b_ino);
	CHECK_STR("/new lists", names_in("/new"), "b_file old sub");
}

static void pivot_dot_dot(void *arg)
{
	long b_ino;

	(void)arg;
	EXPECT(chroot(PV) == 0);
	EXPECT(chdir("/new") == 0);
	b_ino = ino_of(".");
	CHECK_RET("pivot_root(\".\", \".\")", pivot(".", "."), 0);
	CHECK("\"/\" is B's root", ino_of("/") == b_ino);
	CHECK_STR("/ lists", names_in("/"), "b_file old sub");
	CHECK_STR(". lists", names_in("."), "b_file old sub");
	CHECK_RET("umount2(\".\", MNT_DETACH)", umount2(".", MNT_DETACH), 0);
	CHECK("\"/\" is still B's root", ino_of("/") == b_ino);
	CHECK_STR("/ lists", names_in("/"), "b_file old sub");
}

/*
 * A successful pivot_root(2) in a chroot whose root is a tmpfs: "/",
 * put_old and the cwd after it, and back; then the "." "." idiom with
 * umount2(".", MNT_DETACH), and what the parent sees after each.
 */
CONTRACT_TEST(pivot_root)
{
	pivot_tree(0);
	ct_child_ok("pivot and back", pivot_there_and_back, NULL);
	CHECK_RET("the parent sees A on " PV, access(PV "/a_file", F_OK), 0);
	CHECK_RET("and B on " PV "/new", access(PV "/new/b_file", F_OK), 0);
	ct_child_ok("\".\" \".\"", pivot_dot_dot, NULL);
	CHECK_RET("the parent sees B on " PV, access(PV "/b_file", F_OK), 0);
	CHECK_ERR("A is gone", access(PV "/a_file", F_OK), ENOENT);
	CHECK_RET("umount B", umount2(PV, 0), 0);
	CHECK_ERR("nothing left there", umount2(PV, 0), EINVAL);
	rmdir(PV);
}
