/*
 * POSIX shared memory and named semaphores: shm_open/shm_unlink and
 * sem_open/sem_close/sem_unlink/sem_wait/sem_post as the C library
 * implements them on /dev/shm (open, ftruncate, mmap, futex) -- each
 * variant's own library, so musl's and glibc's answers may differ and
 * each is compared with the same library on Linux.  A booted KOS has
 * /dev/shm (a tmpfs, mode 1777); the oracle's fresh root does not, so
 * the tests mount one there when it is missing.
 */
#include <grp.h>
#include <semaphore.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "posixshm"

#define TMPFS_MAGIC 0x01021994

static int mounted_here;

/* Make sure /dev/shm is a tmpfs (silently: KOS has one at boot). */
static void devshm_setup(void)
{
	struct statfs sfs;

	mounted_here = 0;
	if (statfs("/dev/shm", &sfs) == 0 && sfs.f_type == TMPFS_MAGIC)
		return;
	mkdir("/dev/shm", 01777);
	EXPECT(mount("tmpfs", "/dev/shm", "tmpfs", 0, "mode=1777") == 0);
	mounted_here = 1;
}

static void devshm_done(void)
{
	if (mounted_here) {
		EXPECT(umount("/dev/shm") == 0);
		rmdir("/dev/shm");
	}
}

static void become_nobody(void)
{
	EXPECT(setgroups(0, NULL) == 0);
	EXPECT(setgid(65534) == 0);
	EXPECT(setuid(65534) == 0);
}

CONTRACT_TEST(devshm)
{
	struct statfs sfs;
	struct stat st;

	devshm_setup();
	CHECK_RET("statfs /dev/shm", statfs("/dev/shm", &sfs), 0);
	CHECK_EQX("tmpfs", sfs.f_type, TMPFS_MAGIC);
	CHECK_RET("stat", stat("/dev/shm", &st), 0);
	CHECK_EQO("mode", st.st_mode, 041777);
	CHECK_EQ("owner", st.st_uid, 0);
	devshm_done();
}

static void shm_child(void *arg)
{
	int fd = shm_open("/ct-shm", O_RDWR, 0);
	char *p;

	CHECK("child: shm_open", fd >= 0);
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("child: sees the parent's bytes", p != MAP_FAILED && p[0] == 'P');
	p[1] = 'C';
	munmap(p, PG);
	close(fd);
}

CONTRACT_TEST(shm_open)
{
	struct stat st;
	char *p;
	int fd;

	devshm_setup();
	shm_unlink("/ct-shm");
	CHECK_ERR("no such object", shm_open("/ct-shm", O_RDWR, 0), ENOENT);
	fd = shm_open("/ct-shm", O_RDWR | O_CREAT | O_EXCL, 0640);
	CHECK("created", fd >= 3);
	CHECK_EQ("close-on-exec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_ERR("O_EXCL again",
		  shm_open("/ct-shm", O_RDWR | O_CREAT | O_EXCL, 0640), EEXIST);
	CHECK_RET("a file in /dev/shm", stat("/dev/shm/ct-shm", &st), 0);
	CHECK_EQO("its mode", st.st_mode, 0100640);
	CHECK_EQ("its size", st.st_size, 0);
	CHECK_RET("ftruncate", ftruncate(fd, PG), 0);
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("mapped", p != MAP_FAILED);
	p[0] = 'P';
	ct_child_ok("child", shm_child, NULL);
	CHECK("the child's store", p[1] == 'C');
	munmap(p, PG);
	close(fd);
	CHECK_RET("shm_unlink", shm_unlink("/ct-shm"), 0);
	CHECK_ERR("shm_unlink again", shm_unlink("/ct-shm"), ENOENT);
	CHECK_ERR("gone", stat("/dev/shm/ct-shm", &st), ENOENT);
	devshm_done();
}

static void sem_child(void *arg)
{
	sem_t *s = sem_open("/ct-sem", 0);

	CHECK("child: sem_open", s != SEM_FAILED);
	CHECK_RET("child: sem_wait (blocks until posted)", sem_wait(s), 0);
	CHECK_RET("child: sem_post", sem_post(s), 0);
	sem_close(s);
}

CONTRACT_TEST(sem_open)
{
	struct stat st;
	sem_t *s;
	int v = -1, st2;
	pid_t pid;
	int p[2];
	char out[512];

	devshm_setup();
	sem_unlink("/ct-sem");
	CHECK("no such semaphore",
	      sem_open("/ct-sem", 0) == SEM_FAILED && errno == ENOENT);
	s = sem_open("/ct-sem", O_CREAT | O_EXCL, 0600, 0);
	CHECK("created", s != SEM_FAILED);
	CHECK("O_EXCL again",
	      sem_open("/ct-sem", O_CREAT | O_EXCL, 0600, 0) == SEM_FAILED &&
		      errno == EEXIST);
	/* glibc names it sem.NAME, musl NAME. */
	CHECK("its file in /dev/shm",
	      stat("/dev/shm/sem.ct-sem", &st) == 0 ||
		      stat("/dev/shm/ct-sem", &st) == 0);
	CHECK_EQO("mode", st.st_mode, 0100600);
	CHECK_ERR("sem_trywait", sem_trywait(s), EAGAIN);
	EXPECT(pipe(p) == 0);
	pid = ct_fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		sem_child(NULL);
		_exit(ct_failures() ? 1 : 0);
	}
	close(p[1]);
	ct_msleep(100);
	CHECK_RET("sem_post", sem_post(s), 0);
	st2 = ct_wait(pid);
	memset(out, 0, sizeof(out));
	EXPECT(read(p[0], out, sizeof(out) - 1) > 0);
	close(p[0]);
	ct_print(out);
	CHECK_STR("child", ct_status(st2), "exited 0");
	CHECK_RET("sem_getvalue", sem_getvalue(s, &v), 0);
	CHECK_EQ("value", v, 1);
	CHECK_RET("sem_wait", sem_wait(s), 0);
	CHECK_RET("sem_close", sem_close(s), 0);
	CHECK_RET("sem_unlink", sem_unlink("/ct-sem"), 0);
	CHECK_ERR("sem_unlink again", sem_unlink("/ct-sem"), ENOENT);
	devshm_done();
}

static void nobody_shm(void *arg)
{
	int fd;

	become_nobody();
	CHECK_ERR("open root's 0600 object", shm_open("/ct-root", O_RDONLY, 0),
		  EACCES);
#ifdef __GLIBC__
	/* glibc turns unlink's EPERM into EACCES */
	CHECK_ERR("unlink it (sticky /dev/shm)", shm_unlink("/ct-root"),
		  EACCES);
#else
	CHECK_ERR("unlink it (sticky /dev/shm)", shm_unlink("/ct-root"), EPERM);
#endif
	fd = shm_open("/ct-mine", O_RDWR | O_CREAT, 0600);
	CHECK("create one's own", fd >= 0);
	close(fd);
	CHECK_RET("unlink it", shm_unlink("/ct-mine"), 0);
}

CONTRACT_TEST(perm)
{
	int fd;

	devshm_setup();
	fd = shm_open("/ct-root", O_RDWR | O_CREAT, 0600);
	close(fd);
	ct_child_ok("nobody", nobody_shm, NULL);
	shm_unlink("/ct-root");
	devshm_done();
}
