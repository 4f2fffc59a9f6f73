/*
 * Permissions: what a process that is not root may and may not do, in
 * children that drop to uid 1000 (1001): reading another user's 0600
 * file, writing into a root-owned 0755 directory, chown and chmod of
 * other people's files, times, device nodes, search permission, the
 * supplementary groups, sticky directories (/tmp's rule), setgid
 * directories, and what the owner may change of its own files.
 */
#include <grp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "proclib.h"

#define CONTRACT_AREA "perm"

#define P "/tmp/perm"

static void mkfile(const char *path, int mode, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	EXPECT(fd >= 0);
	if (text)
		EXPECT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	EXPECT(fchmod(fd, mode) == 0);
	close(fd);
}

/* Remove the tree setup() makes (and what tests leave in it). */
static void cleanup(void)
{
	static const char *const files[] = {
		"secret",	 "open",	"ro",	    "grp", "hidden/f",
		"sticky/theirs", "sticky/mine", "sticky/x", "own", NULL
	};

	for (int i = 0; files[i]; i++) {
		char p[64];

		snprintf(p, sizeof(p), P "/%s", files[i]);
		unlink(p);
	}
	rmdir(P "/hidden");
	rmdir(P "/sticky");
	rmdir(P);
}

static void setup(void)
{
	cleanup();
	umask(0);
	EXPECT(mkdir(P, 0755) == 0);
	mkfile(P "/secret", 0600, "s");
	mkfile(P "/open", 0666, "o");
	mkfile(P "/ro", 0644, "r");
	mkfile(P "/grp", 0040, "g");
	EXPECT(chown(P "/grp", 0, 50) == 0);
	EXPECT(mkdir(P "/hidden", 0700) == 0);
	mkfile(P "/hidden/f", 0644, "h");
	EXPECT(mkdir(P "/sticky", 01777) == 0);
	mkfile(P "/sticky/theirs", 0666, "t");
	EXPECT(chown(P "/sticky/theirs", 1000, 1000) == 0);
	mkfile(P "/own", 0644, "w");
	EXPECT(chown(P "/own", 1000, 1000) == 0);
	umask(022);
}

/* Become uid (and gid) with the supplementary groups given. */
static void become(unsigned int id, int ngroups, const gid_t *groups)
{
	EXPECT(setgroups(ngroups, groups) == 0);
	EXPECT(setgid(id) == 0);
	EXPECT(setuid(id) == 0);
}

static void nobody_files(void *arg)
{
	struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };

	become(1000, 0, NULL);
	CHECK_ERR("read another user's 0600 file", open(P "/secret", O_RDONLY),
		  EACCES);
	CHECK_ERR("access R_OK", access(P "/secret", R_OK), EACCES);
	CHECK_ERR("write a 0644 root file", open(P "/ro", O_WRONLY), EACCES);
	CHECK_RET("read it", close(open(P "/ro", O_RDONLY)), 0);
	CHECK_ERR("O_TRUNC of it", open(P "/ro", O_RDONLY | O_TRUNC), EACCES);
	CHECK_ERR("create in a root 0755 directory",
		  open(P "/new", O_WRONLY | O_CREAT, 0644), EACCES);
	CHECK_RET("O_CREAT of an existing writable file",
		  close(open(P "/open", O_WRONLY | O_CREAT, 0644)), 0);
	CHECK_ERR("mkdir there", mkdir(P "/newdir", 0755), EACCES);
	CHECK_ERR("symlink there", symlink("x", P "/sl"), EACCES);
	CHECK_ERR("mknod a FIFO there", mknod(P "/fifo", S_IFIFO | 0644, 0),
		  EACCES);
	CHECK_ERR("unlink there", unlink(P "/open"), EACCES);
	CHECK_ERR("rename there", rename(P "/open", P "/open2"), EACCES);
	CHECK_ERR("rmdir there", rmdir(P "/hidden"), EACCES);
	CHECK_ERR("chmod another user's file", chmod(P "/open", 0777), EPERM);
	CHECK_ERR("chown it to oneself", chown(P "/open", 1000, 1000), EPERM);
	CHECK_RET("chown it, ids unchanged (-1)", chown(P "/open", -1, -1), 0);
	CHECK_ERR("set its times", utimensat(AT_FDCWD, P "/open", ts, 0),
		  EPERM);
	CHECK_RET("touch it (writable: allowed)",
		  utimensat(AT_FDCWD, P "/open", NULL, 0), 0);
	CHECK_ERR("touch a read-only one",
		  utimensat(AT_FDCWD, P "/ro", NULL, 0), EACCES);
	CHECK_ERR("search a 0700 directory", open(P "/hidden/f", O_RDONLY),
		  EACCES);
	CHECK_ERR("stat in it", access(P "/hidden/f", F_OK), EACCES);
	CHECK_ERR("chdir into it", chdir(P "/hidden"), EACCES);
	CHECK_ERR("read a group-only file, not in the group",
		  open(P "/grp", O_RDONLY), EACCES);
	CHECK_ERR("a character device in /tmp",
		  mknod("/tmp/perm-null", S_IFCHR | 0666, makedev(1, 3)),
		  EPERM);
	CHECK_RET("a FIFO in /tmp", mknod("/tmp/perm-fifo", S_IFIFO | 0644, 0),
		  0);
	CHECK_RET("remove it", unlink("/tmp/perm-fifo"), 0);
}

static void in_group50(void *arg)
{
	gid_t g[] = { 50 };

	become(1000, 1, g);
	CHECK_RET("read a group-only file as a member",
		  close(open(P "/grp", O_RDONLY)), 0);
	CHECK_ERR("write it", open(P "/grp", O_WRONLY), EACCES);
}

static void owner(void *arg)
{
	gid_t g[] = { 50 };
	struct stat st;

	become(1000, 1, g);
	CHECK_RET("chmod one's own file", chmod(P "/own", 0600), 0);
	CHECK_RET("chgrp it to a supplementary group", chown(P "/own", -1, 50),
		  0);
	CHECK_ERR("chgrp it to another group", chown(P "/own", -1, 60), EPERM);
	CHECK_RET("chown it to oneself", chown(P "/own", 1000, -1), 0);
	CHECK_ERR("give it away", chown(P "/own", 1001, -1), EPERM);
	CHECK_RET("setgid with one's group", chmod(P "/own", 02755), 0);
	stat(P "/own", &st);
	CHECK_EQO("mode", st.st_mode & 07777, 02755);
	CHECK_RET("set its times", utimensat(AT_FDCWD, P "/own", NULL, 0), 0);
}

static void owner_other_group(void *arg)
{
	struct stat st;

	become(1000, 0, NULL);
	CHECK_RET("setgid with a group not one's own", chmod(P "/own", 02755),
		  0);
	stat(P "/own", &st);
	CHECK_EQO("setgid dropped", st.st_mode & 07777, 0755);
	CHECK_RET("setuid is fine", chmod(P "/own", 04755), 0);
	stat(P "/own", &st);
	CHECK_EQO("mode", st.st_mode & 07777, 04755);
	CHECK_RET("chown -1 -1 of one's setuid file", chown(P "/own", -1, -1),
		  0);
	stat(P "/own", &st);
	CHECK_EQO("setuid cleared", st.st_mode & 07777, 0755);
}

static void owner_sgid_nox(void *arg)
{
	struct stat st;

	become(1000, 0, NULL);
	CHECK_RET("chown -1 -1 of a setgid g-x file of another group",
		  chown(P "/own", -1, -1), 0);
	stat(P "/own", &st);
	CHECK_EQO("setgid cleared (not in the group)", st.st_mode & 07777,
		  0745);
}

static void sticky_other(void *arg)
{
	become(1001, 0, NULL);
	CHECK_ERR("unlink another user's file in a sticky directory",
		  unlink(P "/sticky/theirs"), EPERM);
	CHECK_ERR("rename it", rename(P "/sticky/theirs", P "/sticky/x"),
		  EPERM);
	CHECK_ERR("replace it by rename",
		  (close(open(P "/sticky/mine", O_WRONLY | O_CREAT, 0644)),
		   rename(P "/sticky/mine", P "/sticky/theirs")),
		  EPERM);
	CHECK_RET("write it (0666)", close(open(P "/sticky/theirs", O_WRONLY)),
		  0);
	CHECK_RET("unlink one's own file there", unlink(P "/sticky/mine"), 0);
}

static void sticky_owner(void *arg)
{
	become(1000, 0, NULL);
	CHECK_RET("the owner renames it",
		  rename(P "/sticky/theirs", P "/sticky/x"), 0);
	CHECK_RET("and unlinks it", unlink(P "/sticky/x"), 0);
}

CONTRACT_TEST(nonroot)
{
	setup();
	ct_child_ok("uid 1000", nobody_files, NULL);
	ct_child_ok("uid 1000, group 50", in_group50, NULL);
	cleanup();
}

CONTRACT_TEST(owner)
{
	setup();
	ct_child_ok("owner with group 50", owner, NULL);
	EXPECT(chown(P "/own", 1000, 60) == 0);
	ct_child_ok("owner without group 60", owner_other_group, NULL);
	EXPECT(chmod(P "/own", 02745) == 0);
	ct_child_ok("owner, setgid g-x", owner_sgid_nox, NULL);
	cleanup();
}

CONTRACT_TEST(sticky)
{
	setup();
	ct_child_ok("uid 1001", sticky_other, NULL);
	ct_child_ok("uid 1000", sticky_owner, NULL);
	cleanup();
}

static void write_suid(void *arg)
{
	struct stat st;
	int fd;

	become(1000, 0, NULL);
	fd = open(P "/open", O_WRONLY);
	CHECK_RET("write to a setuid/setgid-exec file", write(fd, "x", 1), 1);
	close(fd);
	stat(P "/open", &st);
	CHECK_EQO("both bits gone", st.st_mode & 07777, 0777);
}

CONTRACT_TEST(write_clears_suid)
{
	struct stat st;
	int fd;

	setup();
	EXPECT(chmod(P "/open", 06777) == 0);
	fd = open(P "/open", O_WRONLY);
	CHECK_RET("root writes (CAP_FSETID)", write(fd, "y", 1), 1);
	close(fd);
	stat(P "/open", &st);
	CHECK_EQO("bits kept", st.st_mode & 07777, 06777);
	ct_child_ok("uid 1000", write_suid, NULL);
	EXPECT(chmod(P "/open", 02767) == 0);
	cleanup();
}

CONTRACT_TEST(setgid_dir)
{
	struct stat st;

	setup();
	EXPECT(mkdir(P "/g", 0775) == 0);
	EXPECT(chown(P "/g", 0, 100) == 0 && chmod(P "/g", 02775) == 0);
	CHECK_RET("create a file",
		  close(open(P "/g/f", O_WRONLY | O_CREAT, 0644)), 0);
	stat(P "/g/f", &st);
	CHECK_EQ("it takes the directory's group", st.st_gid, 100);
	CHECK_EQO("mode", st.st_mode & 07777, 0644);
	CHECK_RET("mkdir", mkdir(P "/g/sub", 0755), 0);
	stat(P "/g/sub", &st);
	CHECK_EQ("group", st.st_gid, 100);
	CHECK_EQO("mode: setgid inherited", st.st_mode & 07777, 02755);
	CHECK_RET("mknod a FIFO", mknod(P "/g/fifo", S_IFIFO | 0644, 0), 0);
	stat(P "/g/fifo", &st);
	CHECK_EQ("group", st.st_gid, 100);
	unlink(P "/g/f");
	unlink(P "/g/fifo");
	rmdir(P "/g/sub");
	rmdir(P "/g");
	cleanup();
}
