/*
 * System V IPC: shmget/shmat/shmdt/shmctl, semget/semop/semtimedop/
 * semctl, msgget/msgsnd/msgrcv/msgctl -- every call's errors in Linux's
 * order, IPC_STAT's fields, attachments across fork, exec and exit,
 * IPC_RMID of attached segments, blocking and wake-ups (EINTR, EIDRM,
 * timeouts), SEM_UNDO at exit, message selection by type, and the
 * permission rules as uid 65534.  The oracle runs in an IPC name space
 * of its own, so keys and ids are as after a boot.
 */
#include <grp.h>
#include <limits.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>

#include "proclib.h"

#define CONTRACT_AREA "sysvipc"

#define KEY1 0x4b4f5301
#define KEY2 0x4b4f5302
#define K_IPC_64 0x100
#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif
#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif
#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

struct kmsg {
	long mtype;
	char mtext[64];
};

static void become_nobody(void)
{
	EXPECT(setgroups(0, NULL) == 0);
	EXPECT(setgid(65534) == 0);
	EXPECT(setuid(65534) == 0);
}

static long shm_nattch(int id)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds))
		return -errno;
	return (long)ds.shm_nattch;
}

static int semval(int id, int n)
{
	return semctl(id, n, GETVAL);
}

static int sem_op1(int id, int num, int op, int flg)
{
	struct sembuf b = { (unsigned short)num, (short)op, (short)flg };

	return semop(id, &b, 1);
}

/* ---- shared memory ------------------------------------------------- */

CONTRACT_TEST(shm_get)
{
	int id, id2;

	CHECK_ERR("size 0", shmget(IPC_PRIVATE, 0, 0600), EINVAL);
	CHECK_ERR("no such key", shmget(KEY1, 4096, 0600), ENOENT);
	id = shmget(KEY1, 5000, IPC_CREAT | IPC_EXCL | 0640);
	CHECK("created", id >= 0);
	CHECK_ERR("IPC_CREAT|IPC_EXCL again",
		  shmget(KEY1, 5000, IPC_CREAT | IPC_EXCL | 0640), EEXIST);
	id2 = shmget(KEY1, 4096, IPC_CREAT | 0600);
	CHECK("IPC_CREAT finds it", id2 == id);
	CHECK("size 0 finds it", shmget(KEY1, 0, 0) == id);
	CHECK_ERR("larger than the segment", shmget(KEY1, 5001, 0), EINVAL);
	CHECK_ERR("huge new segment",
		  shmget(IPC_PRIVATE, (size_t)-1, IPC_CREAT | 0600), EINVAL);
	CHECK_RET("IPC_RMID", shmctl(id, IPC_RMID, NULL), 0);
	CHECK_ERR("IPC_RMID again", shmctl(id, IPC_RMID, NULL), EINVAL);
	CHECK_ERR("the key is gone", shmget(KEY1, 0, 0), ENOENT);
	CHECK_ERR("shmctl id -1", shmctl(-1, IPC_STAT, NULL), EINVAL);
	CHECK_ERR("shmat id -1", (long)shmat(-1, NULL, 0), EINVAL);
}

CONTRACT_TEST(shm_stat)
{
	int id = shmget(KEY2, 10000, IPC_CREAT | IPC_EXCL | 0604);
	struct shmid_ds ds, bad;

	memset(&ds, 0xff, sizeof(ds));
	CHECK_RET("IPC_STAT", shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQX("key", ds.shm_perm.__key, KEY2);
	CHECK_EQO("mode", ds.shm_perm.mode, 0604);
	CHECK_EQ("uid", ds.shm_perm.uid, 0);
	CHECK_EQ("cgid", ds.shm_perm.cgid, 0);
	CHECK_EQ("segsz", ds.shm_segsz, 10000);
	CHECK_EQ("nattch", ds.shm_nattch, 0);
	CHECK("cpid is us", ds.shm_cpid == getpid());
	CHECK_EQ("lpid", ds.shm_lpid, 0);
	CHECK_EQ("atime", ds.shm_atime, 0);
	CHECK_EQ("dtime", ds.shm_dtime, 0);
	CHECK("ctime set", ds.shm_ctime > 0);
	CHECK_ERR("IPC_STAT|IPC_64",
		  syscall(SYS_shmctl, id, IPC_STAT | K_IPC_64, &ds), EINVAL);
	CHECK_ERR("unknown command", shmctl(id, 99, &ds), EINVAL);
	CHECK_ERR("IPC_STAT to a bad buffer", shmctl(id, IPC_STAT, BAD_LOW),
		  EFAULT);
	CHECK_ERR("IPC_SET from a bad buffer", shmctl(id, IPC_SET, BAD_LOW),
		  EFAULT);
	ds.shm_perm.mode = 01640; /* only the permission bits count */
	ds.shm_perm.uid = 5;
	ds.shm_perm.gid = 6;
	CHECK_RET("IPC_SET", shmctl(id, IPC_SET, &ds), 0);
	shmctl(id, IPC_STAT, &bad);
	CHECK_EQO("mode now", bad.shm_perm.mode, 0640);
	CHECK_EQ("uid now", bad.shm_perm.uid, 5);
	CHECK_EQ("gid now", bad.shm_perm.gid, 6);
	CHECK_EQ("cuid kept", bad.shm_perm.cuid, 0);
	bad.shm_perm.uid = (uid_t)-1;
	CHECK_ERR("IPC_SET uid -1", shmctl(id, IPC_SET, &bad), EINVAL);
	CHECK_RET("SHM_LOCK", shmctl(id, SHM_LOCK, NULL), 0);
	shmctl(id, IPC_STAT, &ds);
	CHECK_EQO("mode locked", ds.shm_perm.mode, 02640);
	CHECK_RET("SHM_UNLOCK", shmctl(id, SHM_UNLOCK, NULL), 0);
	shmctl(id, IPC_STAT, &ds);
	CHECK_EQO("mode unlocked", ds.shm_perm.mode, 0640);
	CHECK_RET("IPC_RMID", shmctl(id, IPC_RMID, NULL), 0);
}

CONTRACT_TEST(shm_info)
{
	struct shminfo si;
	struct shm_info su;
	int id = shmget(IPC_PRIVATE, 3 * PG, 0600);

	CHECK("IPC_INFO", shmctl(0, IPC_INFO, (struct shmid_ds *)&si) >= 0);
	CHECK_EQ("shmmni", si.shmmni, 4096);
	CHECK_EQ("shmmin", si.shmmin, 1);
	CHECK_EQX("shmmax", si.shmmax, ~0UL - (1UL << 24));
	CHECK_EQX("shmall", si.shmall, ~0UL - (1UL << 24));
	CHECK_EQ("shmseg", si.shmseg, 4096);
	CHECK("SHM_INFO", shmctl(0, SHM_INFO, (struct shmid_ds *)&su) >= 0);
	CHECK_EQ("used_ids", su.used_ids, 1);
	CHECK_EQ("shm_tot (pages)", su.shm_tot, 3);
	CHECK_ERR("IPC_INFO to a bad buffer", shmctl(0, IPC_INFO, BAD_LOW),
		  EFAULT);
	shmctl(id, IPC_RMID, NULL);
}

CONTRACT_TEST(shm_attach)
{
	int id = shmget(IPC_PRIVATE, 2 * PG + 100, 0600);
	char *a, *b, *c, *hole;
	struct shmid_ds ds;

	a = shmat(id, NULL, 0);
	CHECK("attached", a != (void *)-1);
	CHECK_EQ("nattch", shm_nattch(id), 1);
	shmctl(id, IPC_STAT, &ds);
	CHECK("lpid is us", ds.shm_lpid == getpid());
	CHECK("atime set", ds.shm_atime > 0);
	CHECK("starts zeroed", a[0] == 0 && a[2 * PG + 99] == 0);
	a[0] = 'x';
	a[2 * PG + 99] = 'y';
	b = shmat(id, NULL, SHM_RDONLY);
	CHECK("second attachment", b != (void *)-1 && b != a);
	CHECK("same memory", b[0] == 'x' && b[2 * PG + 99] == 'y');
	CHECK("tail of the last page usable", b[3 * PG - 1] == 0);
	CHECK_EQ("nattch", shm_nattch(id), 2);
	CHECK_ERR("mprotect a read-only attachment writable",
		  mprotect(b, PG, PROT_READ | PROT_WRITE), EACCES);
	CHECK_RET("shmdt", shmdt(b), 0);
	CHECK_EQ("nattch", shm_nattch(id), 1);
	shmctl(id, IPC_STAT, &ds);
	CHECK("dtime set", ds.shm_dtime > 0);
	CHECK_ERR("shmdt again", shmdt(b), EINVAL);
	CHECK_ERR("shmdt unaligned", shmdt(a + 1), EINVAL);
	CHECK_ERR("shmdt inside", shmdt(a + PG), EINVAL);
	CHECK_ERR("shmdt of other memory", shmdt(ct_map(PG, PROT_READ)),
		  EINVAL);

	/* Addresses. */
	hole = ct_map(4 * PG, PROT_READ);
	munmap(hole, 4 * PG);
	CHECK_ERR("unaligned address", (long)shmat(id, hole + 10, 0), EINVAL);
	c = shmat(id, hole + 10, SHM_RND);
	CHECK("SHM_RND rounds down", c == hole);
	CHECK("there", c[0] == 'x');
	CHECK_ERR("on top of it without SHM_REMAP",
		  (long)shmat(id, hole + PG, 0), EINVAL);
	CHECK("with SHM_REMAP", shmat(id, hole + PG, SHM_REMAP) == hole + PG);
	CHECK_ERR("SHM_REMAP without an address",
		  (long)shmat(id, NULL, SHM_REMAP), EINVAL);
	CHECK_ERR("SHM_RND below a page with SHM_REMAP",
		  (long)shmat(id, (void *)100, SHM_RND | SHM_REMAP), EINVAL);
	CHECK_EQ("nattch", shm_nattch(id), 3);
	CHECK_RET("shmdt the remapped one", shmdt(hole + PG), 0);
	/* the first one lost its pages from hole + PG on: nothing more */
	CHECK_RET("shmdt the cut one", shmdt(hole), 0);
	CHECK_EQ("nattch", shm_nattch(id), 1);
	CHECK_RET("SHM_EXEC", shmdt(shmat(id, NULL, SHM_EXEC)), 0);
	CHECK_ERR("bad id", (long)shmat(id + 1, NULL, 0), EINVAL);
	shmctl(id, IPC_RMID, NULL);
	CHECK_RET("shmdt after IPC_RMID", shmdt(a), 0);
	CHECK_EQ("then gone (-EINVAL)", shm_nattch(id), -EINVAL);
}

CONTRACT_TEST(shm_split)
{
	int id = shmget(IPC_PRIVATE, 4 * PG, 0600);
	char *a = shmat(id, NULL, 0);

	CHECK_RET("mprotect the middle", mprotect(a + PG, PG, PROT_READ), 0);
	CHECK_EQ("nattch counts the pieces", shm_nattch(id), 3);
	CHECK_RET("munmap the second piece", munmap(a + PG, PG), 0);
	CHECK_EQ("nattch", shm_nattch(id), 2);
	CHECK_RET("shmdt takes the rest", shmdt(a), 0);
	CHECK_EQ("nattch", shm_nattch(id), 0);
	CHECK("nothing left mapped", !ct_kreadable(a + 3 * PG));
	shmctl(id, IPC_RMID, NULL);
}

CONTRACT_TEST(shm_rmid_attached)
{
	int id = shmget(KEY1, PG, IPC_CREAT | IPC_EXCL | 0600);
	char *a = shmat(id, NULL, 0), *b;
	struct shmid_ds ds;

	a[5] = 42;
	CHECK_RET("IPC_RMID while attached", shmctl(id, IPC_RMID, NULL), 0);
	CHECK_RET("IPC_STAT still works", shmctl(id, IPC_STAT, &ds), 0);
	CHECK_EQO("mode has SHM_DEST", ds.shm_perm.mode, 01600);
	CHECK_EQ("key is private now", ds.shm_perm.__key, 0);
	CHECK_ERR("the key is free", shmget(KEY1, PG, 0600), ENOENT);
	b = shmat(id, NULL, 0);
	CHECK("attach by id still works", b != (void *)-1 && b[5] == 42);
	CHECK_EQ("nattch", shm_nattch(id), 2);
	CHECK_RET("IPC_RMID again", shmctl(id, IPC_RMID, NULL), 0);
	shmdt(a);
	CHECK_EQ("nattch", shm_nattch(id), 1);
	CHECK_RET("last detach", shmdt(b), 0);
	CHECK_EQ("segment gone (-EINVAL)", shm_nattch(id), -EINVAL);
}

static void shm_fork_child(void *arg)
{
	int id = *(int *)arg;
	char *a = shmat(id, NULL, 0);

	CHECK_EQ("child: nattch (2 inherited + 1)", shm_nattch(id), 3);
	a[1] = 'c';
	shmdt(a);
}

CONTRACT_TEST(shm_fork_exec_exit)
{
	int id = shmget(IPC_PRIVATE, PG, 0600);
	char *a = shmat(id, NULL, 0), *b = shmat(id, NULL, 0);
	char *argv[] = { (char *)ct_self, "--helper", "sleep", "100", NULL };
	char *envp[] = { "HOME=/", NULL };
	int p[2], st;
	char buf[8];
	pid_t pid;

	a[0] = 'p';
	shmdt(b);
	ct_child_ok("child", shm_fork_child, &id);
	CHECK("child's store seen", a[1] == 'c');
	CHECK_EQ("nattch after the child exited", shm_nattch(id), 1);

	/* exec drops attachments (a close-on-exec pipe tells when). */
	EXPECT(pipe2(p, O_CLOEXEC) == 0);
	pid = ct_fork();
	if (pid == 0) {
		shmat(id, NULL, 0);
		execve(ct_self, argv, envp);
		_exit(127);
	}
	close(p[1]);
	EXPECT(read(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);
	CHECK_EQ("nattch once the child exec'd", shm_nattch(id), 1);
	st = ct_wait(pid);
	CHECK_STR("child", ct_status(st), "exited 0");
	shmdt(a);
	shmctl(id, IPC_RMID, NULL);
}

/*
 * A child that runs while the parent acts: its stdout is a pipe the
 * parent reads once it has exited (children never write to stdout
 * directly: lines would interleave differently on every kernel).
 */
struct kid {
	pid_t pid;
	int fd;
};

static pid_t kid_fork(struct kid *k)
{
	int p[2];

	k->fd = -1;
	if (pipe2(p, O_CLOEXEC)) {
		EXPECT(0);
		return k->pid = CT_NOPID;
	}
	k->pid = ct_fork();
	if (k->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		return 0;
	}
	close(p[1]);
	k->fd = p[0];
	return k->pid;
}

/* Wait for k, print its output (its failures fail the test). */
static void kid_reap(struct kid *k, const char *label)
{
	static char out[8192];
	size_t n = 0;
	ssize_t r;
	int st = ct_wait(k->pid);

	while (k->fd >= 0 &&
	       (r = read(k->fd, out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = 0;
	close(k->fd);
	ct_print(out);
	if (strstr(out, "FAIL "))
		ct_mark_failed();
	CHECK_STR(label, ct_status(st), "exited 0");
}

/* ---- semaphores ---------------------------------------------------- */

CONTRACT_TEST(sem_get)
{
	int id;

	CHECK_ERR("nsems -1", semget(IPC_PRIVATE, -1, 0600), EINVAL);
	CHECK_ERR("nsems 32001", semget(IPC_PRIVATE, 32001, 0600), EINVAL);
	CHECK_ERR("nsems 0, new", semget(IPC_PRIVATE, 0, 0600), EINVAL);
	CHECK_ERR("no such key", semget(KEY1, 1, 0600), ENOENT);
	id = semget(KEY1, 3, IPC_CREAT | IPC_EXCL | 0600);
	CHECK("created", id >= 0);
	CHECK_ERR("again with IPC_EXCL",
		  semget(KEY1, 3, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	CHECK("nsems 0 finds it", semget(KEY1, 0, 0) == id);
	CHECK("fewer finds it", semget(KEY1, 2, 0) == id);
	CHECK_ERR("more", semget(KEY1, 4, 0), EINVAL);
	CHECK_RET("IPC_RMID", semctl(id, 0, IPC_RMID), 0);
	CHECK_ERR("IPC_RMID again", semctl(id, 0, IPC_RMID), EINVAL);
	CHECK_ERR("semid -1", semctl(-1, 0, GETVAL), EINVAL);
}

CONTRACT_TEST(sem_ctl)
{
	int id = semget(IPC_PRIVATE, 3, 0640);
	unsigned short vals[3] = { 1, 2, 3 }, got[3];
	struct semid_ds ds;
	union semun u;
	struct seminfo si;

	CHECK_EQ("GETVAL starts 0", semval(id, 0), 0);
	u.val = 7;
	CHECK_RET("SETVAL", semctl(id, 1, SETVAL, u), 0);
	CHECK_EQ("GETVAL", semval(id, 1), 7);
	CHECK("GETPID is us", semctl(id, 1, GETPID) == getpid());
	CHECK_EQ("GETPID of an untouched one", semctl(id, 0, GETPID), 0);
	u.val = 32768;
	CHECK_ERR("SETVAL 32768", semctl(id, 1, SETVAL, u), ERANGE);
	u.val = -1;
	CHECK_ERR("SETVAL -1", semctl(id, 1, SETVAL, u), ERANGE);
	u.val = 1;
	CHECK_ERR("SETVAL semnum 3", semctl(id, 3, SETVAL, u), EINVAL);
	CHECK_ERR("GETVAL semnum -1", semctl(id, -1, GETVAL), EINVAL);
	CHECK_ERR("GETVAL|IPC_64",
		  syscall(SYS_semctl, id, 0, GETVAL | K_IPC_64, 0), EINVAL);
	CHECK_ERR("unknown command", semctl(id, 0, 99), EINVAL);
	u.array = vals;
	CHECK_RET("SETALL", semctl(id, 0, SETALL, u), 0);
	u.array = got;
	CHECK_RET("GETALL", semctl(id, 0, GETALL, u), 0);
	CHECK("values", got[0] == 1 && got[1] == 2 && got[2] == 3);
	vals[2] = 40000;
	u.array = vals;
	CHECK_ERR("SETALL 40000", semctl(id, 0, SETALL, u), ERANGE);
	CHECK_EQ("nothing set", semval(id, 0), 1);
	u.array = BAD_LOW;
	CHECK_ERR("GETALL to a bad buffer", semctl(id, 0, GETALL, u), EFAULT);
	CHECK_ERR("SETALL from a bad buffer", semctl(id, 0, SETALL, u), EFAULT);
	CHECK_EQ("GETNCNT", semctl(id, 0, GETNCNT), 0);
	CHECK_EQ("GETZCNT", semctl(id, 0, GETZCNT), 0);
	u.buf = &ds;
	CHECK_RET("IPC_STAT", semctl(id, 0, IPC_STAT, u), 0);
	CHECK_EQ("nsems", ds.sem_nsems, 3);
	CHECK_EQO("mode", ds.sem_perm.mode, 0640);
	CHECK_EQ("otime", ds.sem_otime, 0);
	CHECK("ctime set", ds.sem_ctime > 0);
	ds.sem_perm.mode = 0600;
	CHECK_RET("IPC_SET", semctl(id, 0, IPC_SET, u), 0);
	semctl(id, 0, IPC_STAT, u);
	CHECK_EQO("mode now", ds.sem_perm.mode, 0600);
	u.buf = BAD_LOW;
	CHECK_ERR("IPC_STAT to a bad buffer", semctl(id, 0, IPC_STAT, u),
		  EFAULT);
	u.buf = (struct semid_ds *)&si;
	CHECK("IPC_INFO", semctl(id, 0, IPC_INFO, u) >= 0);
	CHECK_EQ("semmsl", si.semmsl, 32000);
	CHECK_EQ("semopm", si.semopm, 500);
	CHECK_EQ("semvmx", si.semvmx, 32767);
	CHECK_EQ("semmni", si.semmni, 32000);
	CHECK("SEM_INFO", semctl(id, 0, SEM_INFO, u) >= 0);
	CHECK_EQ("sets in use", si.semusz, 1);
	CHECK_EQ("semaphores in use", si.semaem, 3);
	semctl(id, 0, IPC_RMID);
}

CONTRACT_TEST(sem_op)
{
	int id = semget(IPC_PRIVATE, 2, 0600);
	struct sembuf two[2] = { { 0, 1, 0 }, { 1, -1, IPC_NOWAIT } };
	struct sembuf many[501];
	struct timespec ts = { 0, 20000000 }, bad = { 0, 1000000000 };
	struct semid_ds ds;
	union semun u = { .buf = &ds };

	CHECK_RET("+2", sem_op1(id, 0, 2, 0), 0);
	CHECK_EQ("value", semval(id, 0), 2);
	semctl(id, 0, IPC_STAT, u);
	CHECK("otime set", ds.sem_otime > 0);
	CHECK_RET("-1", sem_op1(id, 0, -1, 0), 0);
	CHECK_ERR("-2, IPC_NOWAIT", sem_op1(id, 0, -2, IPC_NOWAIT), EAGAIN);
	CHECK_ERR("wait for zero, IPC_NOWAIT", sem_op1(id, 0, 0, IPC_NOWAIT),
		  EAGAIN);
	CHECK_RET("wait for zero of a zero", sem_op1(id, 1, 0, 0), 0);
	CHECK_ERR("all or nothing", semop(id, two, 2), EAGAIN);
	CHECK_EQ("first op undone", semval(id, 0), 1);
	CHECK_ERR("past SEMVMX", sem_op1(id, 0, 32767, 0), ERANGE);
	CHECK_ERR("sem_num 2", sem_op1(id, 2, 1, 0), EFBIG);
	CHECK_ERR("nsops 0", semop(id, two, 0), EINVAL);
	memset(many, 0, sizeof(many));
	CHECK_ERR("nsops 501", semop(id, many, 501), E2BIG);
	for (int i = 0; i < 501; i++)
		many[i].sem_num = 1;
	CHECK_RET("nsops 500 (all zero-waits on 1)", semop(id, many, 500), 0);
	CHECK_ERR("bad sops", semop(id, BAD_LOW, 1), EFAULT);
	CHECK_ERR("semid -1", sem_op1(-1, 0, 1, 0), EINVAL);
	CHECK_ERR("stale id", sem_op1(id + 32768, 0, 1, 0), EINVAL);
	CHECK_ERR("semtimedop times out", semtimedop(id, &two[1], 1, &ts),
		  EAGAIN);
	CHECK_ERR("semtimedop bad timeout", semtimedop(id, &two[1], 1, &bad),
		  EINVAL);
	CHECK_ERR("semtimedop timeout at a bad address",
		  semtimedop(id, &two[1], 1, BAD_LOW), EFAULT);
	{
		/* Duplicates apply in order. */
		struct sembuf dup[3] = { { 1, 2, 0 },
					 { 1, -1, 0 },
					 { 1, -1, 0 } };

		CHECK_RET("+2 -1 -1 on one semaphore", semop(id, dup, 3), 0);
		CHECK_EQ("value", semval(id, 1), 0);
	}
	semctl(id, 0, IPC_RMID);
}

static void sem_waiter(void *arg)
{
	int id = *(int *)arg;

	CHECK_RET("child: -1 (blocks)", sem_op1(id, 0, -1, 0), 0);
}

static void sem_zero_waiter(void *arg)
{
	int id = *(int *)arg;

	CHECK_RET("child: wait for zero (blocks)", sem_op1(id, 1, 0, 0), 0);
}

/* Wait until cnt(id) says n sleep there (at most ~5 s). */
static int wait_cnt(int id, int num, int cmd, int n)
{
	for (int i = 0; i < 500; i++) {
		if (semctl(id, num, cmd) == n)
			return 0;
		ct_msleep(10);
	}
	return -1;
}

CONTRACT_TEST(sem_block)
{
	int id = semget(IPC_PRIVATE, 2, 0600);
	union semun u = { .val = 1 };
	struct kid k1, k2;
	pid_t pid, pid2;

	pid = kid_fork(&k1);
	if (pid == 0) {
		sem_waiter(&id);
		_exit(ct_failures() ? 1 : 0);
	}
	CHECK_RET("GETNCNT reaches 1", wait_cnt(id, 0, GETNCNT, 1), 0);
	CHECK_EQ("GETZCNT", semctl(id, 0, GETZCNT), 0);
	CHECK_RET("+1", sem_op1(id, 0, 1, 0), 0);
	CHECK_EQ("the sleeper's -1 is already done", semval(id, 0), 0);
	CHECK_EQ("GETNCNT", semctl(id, 0, GETNCNT), 0);
	kid_reap(&k1, "child");
	CHECK("GETPID is the child", semctl(id, 0, GETPID) == pid);

	semctl(id, 1, SETVAL, u);
	pid2 = kid_fork(&k2);
	if (pid2 == 0) {
		sem_zero_waiter(&id);
		_exit(ct_failures() ? 1 : 0);
	}
	CHECK_RET("GETZCNT reaches 1", wait_cnt(id, 1, GETZCNT, 1), 0);
	u.val = 0;
	CHECK_RET("SETVAL 0 wakes it", semctl(id, 1, SETVAL, u), 0);
	kid_reap(&k2, "child");
	semctl(id, 0, IPC_RMID);
}

static volatile int got_usr1;
static void on_usr1(int sig)
{
	got_usr1 = 1;
}

CONTRACT_TEST(sem_eintr_eidrm)
{
	int id = semget(IPC_PRIVATE, 1, 0600), p[2];
	char c;
	struct kid k1;
	pid_t pid;

	EXPECT(ct_pipe(p) == 0);
	pid = kid_fork(&k1);
	if (pid == 0) {
		close(p[0]);
		ct_sigsimple(SIGUSR1, on_usr1, SA_RESTART);
		CHECK_ERR("child: -1 interrupted (SA_RESTART too)",
			  sem_op1(id, 0, -1, 0), EINTR);
		CHECK("child: handler ran", got_usr1);
		EXPECT(write(p[1], "x", 1) == 1);
		CHECK_ERR("child: -1 again, set removed", sem_op1(id, 0, -1, 0),
			  EIDRM);
		_exit(ct_failures() ? 1 : 0);
	}
	close(p[1]);
	EXPECT(wait_cnt(id, 0, GETNCNT, 1) == 0);
	kill(pid, SIGUSR1);
	EXPECT(read(p[0], &c, 1) == 1);
	close(p[0]);
	EXPECT(wait_cnt(id, 0, GETNCNT, 1) == 0);
	CHECK_RET("IPC_RMID with a sleeper", semctl(id, 0, IPC_RMID), 0);
	kid_reap(&k1, "child");
}

static void undo_child(void *arg)
{
	int id = *(int *)arg;
	pid_t pid;

	CHECK_RET("child: +3 SEM_UNDO", sem_op1(id, 0, 3, SEM_UNDO), 0);
	CHECK_RET("child: -1 SEM_UNDO", sem_op1(id, 0, -1, SEM_UNDO), 0);
	CHECK_RET("child: +5 on the other, SEM_UNDO",
		  sem_op1(id, 1, 5, SEM_UNDO), 0);
	/* A grandchild has no adjustments of its own. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	CHECK_EQ("child: after a grandchild exited", semval(id, 0), 2);
	/* Someone else lowers semaphore 1: the undo clamps at 0. */
	{
		union semun u = { .val = 2 };

		semctl(id, 1, SETVAL, u); /* clears the adjustment of 1 */
	}
	CHECK_RET("child: +1 on 1, SEM_UNDO", sem_op1(id, 1, 1, SEM_UNDO), 0);
}

CONTRACT_TEST(sem_undo)
{
	int id = semget(IPC_PRIVATE, 2, 0600);
	char *argv[] = { (char *)ct_self, "--helper", "exit", "0", NULL };
	char *envp[] = { "HOME=/", NULL };
	pid_t pid;

	ct_child_ok("child", undo_child, &id);
	CHECK_EQ("semaphore 0 back to 0 at its exit", semval(id, 0), 0);
	CHECK_EQ("semaphore 1 (SETVAL cleared the first +5)", semval(id, 1), 2);
	/* exec keeps the adjustments: they apply when the new image exits. */
	pid = ct_fork();
	if (pid == 0) {
		if (sem_op1(id, 0, 4, SEM_UNDO) == 0)
			execve(ct_self, argv, envp);
		_exit(127);
	}
	CHECK_STR("child", ct_status(ct_wait(pid)), "exited 0");
	CHECK_EQ("undone after exec and exit", semval(id, 0), 0);
	semctl(id, 0, IPC_RMID);
}

CONTRACT_TEST(sem_undo_range)
{
	int id = semget(IPC_PRIVATE, 1, 0600);
	union semun u = { .val = 32767 };
	struct kid k1;
	pid_t pid = kid_fork(&k1);

	if (pid == 0) {
		semctl(id, 0, SETVAL, u);
		CHECK_RET("child: -32767 SEM_UNDO (adjustment 32767)",
			  sem_op1(id, 0, -32767, SEM_UNDO), 0);
		CHECK_RET("child: +1", sem_op1(id, 0, 1, 0), 0);
		CHECK_ERR("child: -1 SEM_UNDO (adjustment 32768)",
			  sem_op1(id, 0, -1, SEM_UNDO), ERANGE);
		CHECK_EQ("child: value", semval(id, 0), 1);
		_exit(ct_failures() ? 1 : 0);
	}
	kid_reap(&k1, "child");
	CHECK_EQ("1 + 32767 clamped at exit", semval(id, 0), 32767);
	semctl(id, 0, IPC_RMID);
}

/*
 * A child about to block says so on sync_p; the parent waits for that
 * and 100 ms more (it cannot see the sleep itself).
 */
static int sync_p[2] = { -1, -1 };

static void sync_open(void)
{
	EXPECT(ct_pipe(sync_p) == 0);
}

static void sync_close(void)
{
	close(sync_p[0]);
	close(sync_p[1]);
}

static void child_ready(void)
{
	EXPECT(write(sync_p[1], "x", 1) == 1);
}

static void await_ready(void)
{
	char c;

	EXPECT(read(sync_p[0], &c, 1) == 1);
	ct_msleep(100);
}

/* ---- message queues ------------------------------------------------ */

static int msg_send(int id, long type, const char *text, int flg)
{
	struct kmsg m;

	m.mtype = type;
	strncpy(m.mtext, text, sizeof(m.mtext));
	return msgsnd(id, &m, strlen(text), flg);
}

/* Receive into a 64-byte buffer; print "type text". */
static void msg_take(const char *label, int id, long type, int flg)
{
	struct kmsg m;
	long n;

	memset(&m, 0, sizeof(m));
	errno = 0;
	n = msgrcv(id, &m, sizeof(m.mtext), type, flg);
	if (n < 0)
		ct_say("%s: -1 %s", label, ct_errname(errno));
	else
		ct_say("%s: %ld bytes, type %ld, '%.*s'", label, n, m.mtype,
		       (int)n, m.mtext);
}

CONTRACT_TEST(msg_get)
{
	int id;

	CHECK_ERR("no such key", msgget(KEY1, 0600), ENOENT);
	id = msgget(KEY1, IPC_CREAT | IPC_EXCL | 0600);
	CHECK("created", id >= 0);
	CHECK_ERR("again with IPC_EXCL", msgget(KEY1, IPC_CREAT | IPC_EXCL),
		  EEXIST);
	CHECK("found", msgget(KEY1, 0) == id);
	CHECK_RET("IPC_RMID", msgctl(id, IPC_RMID, NULL), 0);
	CHECK_ERR("gone", msgctl(id, IPC_RMID, NULL), EINVAL);
	CHECK_ERR("msqid -1", msgctl(-1, IPC_STAT, NULL), EINVAL);
	CHECK_ERR("cmd -1", msgctl(0, -1, NULL), EINVAL);
}

CONTRACT_TEST(msg_sendrecv)
{
	int id = msgget(IPC_PRIVATE, 0600);
	struct msqid_ds ds;
	struct kmsg m;
	static char big[8200];

	CHECK_RET("send", msg_send(id, 5, "hello", 0), 0);
	CHECK_ERR("mtype 0", msg_send(id, 0, "x", 0), EINVAL);
	CHECK_ERR("mtype -1", msg_send(id, -1, "x", 0), EINVAL);
	CHECK_ERR("8193 bytes", msgsnd(id, big, 8193, 0), EINVAL);
	CHECK_ERR("size -1", msgsnd(id, &m, (size_t)-1, 0), EINVAL);
	CHECK_ERR("mtype unreadable", msgsnd(id, BAD_LOW, 1, 0), EFAULT);
	CHECK_ERR("bad msqid", msg_send(id + 1, 5, "x", 0), EINVAL);
	CHECK_ERR("bad msqid before mtype 0", msg_send(-1, 0, "x", 0), EINVAL);
	((long *)big)[0] = 1;
	CHECK_RET("8192 bytes", msgsnd(id, big, 8192, 0), 0);
	msgctl(id, IPC_STAT, &ds);
	CHECK_EQ("qnum", ds.msg_qnum, 2);
	CHECK_EQ("cbytes", ds.msg_cbytes, 8197);
	CHECK_EQ("qbytes", ds.msg_qbytes, 16384);
	CHECK("lspid is us", ds.msg_lspid == getpid());
	CHECK_EQ("lrpid", ds.msg_lrpid, 0);
	CHECK("stime set", ds.msg_stime > 0);
	CHECK_EQ("rtime", ds.msg_rtime, 0);
	CHECK_ERR("a short buffer", msgrcv(id, &m, 3, 0, 0), E2BIG);
	CHECK_EQ("message still there",
		 (msgctl(id, IPC_STAT, &ds), ds.msg_qnum), 2);
	CHECK_RET("MSG_NOERROR cuts", msgrcv(id, &m, 3, 0, MSG_NOERROR), 3);
	CHECK("the first three bytes", !memcmp(m.mtext, "hel", 3));
	msgctl(id, IPC_STAT, &ds);
	CHECK("lrpid is us", ds.msg_lrpid == getpid());
	CHECK_EQ("qnum", ds.msg_qnum, 1);
	CHECK_RET("the big one", msgrcv(id, big, 8192, 0, 0), 8192);
	CHECK_ERR("empty, IPC_NOWAIT", msgrcv(id, &m, 64, 0, IPC_NOWAIT),
		  ENOMSG);
	CHECK_ERR("size -1", msgrcv(id, &m, (size_t)-1, 0, 0), EINVAL);
	CHECK_ERR("MSG_COPY without IPC_NOWAIT",
		  msgrcv(id, &m, 64, 0, MSG_COPY), EINVAL);
	CHECK_ERR("MSG_COPY with MSG_EXCEPT",
		  msgrcv(id, &m, 64, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT),
		  EINVAL);
	msg_send(id, 2, "zz", 0);
	CHECK_ERR("mtype unwritable: message lost",
		  msgrcv(id, BAD_LOW, 64, 0, 0), EFAULT);
	CHECK_EQ("qnum", (msgctl(id, IPC_STAT, &ds), ds.msg_qnum), 0);
	CHECK_ERR("IPC_STAT|IPC_64",
		  syscall(SYS_msgctl, id, IPC_STAT | K_IPC_64, &ds), EINVAL);
	CHECK_ERR("IPC_STAT to a bad buffer", msgctl(id, IPC_STAT, BAD_LOW),
		  EFAULT);
	msgctl(id, IPC_RMID, NULL);
}

CONTRACT_TEST(msg_types)
{
	int id = msgget(IPC_PRIVATE, 0600);

	msg_send(id, 3, "three", 0);
	msg_send(id, 1, "one-a", 0);
	msg_send(id, 2, "two", 0);
	msg_send(id, 1, "one-b", 0);
	msg_send(id, 4, "four", 0);
	msg_take("MSG_COPY 2", id, 2, MSG_COPY | IPC_NOWAIT);
	msg_take("MSG_COPY 9", id, 9, MSG_COPY | IPC_NOWAIT);
	msg_take("type 2", id, 2, 0);
	msg_take("type -3 (lowest <= 3)", id, -3, 0);
	msg_take("MSG_EXCEPT 1", id, 1, MSG_EXCEPT);
	msg_take("type 0", id, 0, 0);
	msg_take("type 7, IPC_NOWAIT", id, 7, IPC_NOWAIT);
	msg_take("type LONG_MIN", id, LONG_MIN, 0);
	msg_take("empty", id, 0, IPC_NOWAIT);
	msgctl(id, IPC_RMID, NULL);
}

/*
 * Drop CAP_SYS_RESOURCE (the host the oracle runs on may lack it; a
 * booted Linux's init has it): tests of the limits it lifts run so.
 */
static void drop_sys_resource(void)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = { 0x20080522, 0 };
	struct {
		uint32_t eff, perm, inh;
	} d[2];

	EXPECT(syscall(SYS_capget, &hdr, d) == 0);
	d[0].eff &= ~(1u << 24);
	d[0].perm &= ~(1u << 24);
	EXPECT(syscall(SYS_capset, &hdr, d) == 0);
}

static void lower_caps_set(void *arg)
{
	int id = *(int *)arg;
	struct msqid_ds ds;

	drop_sys_resource();
	msgctl(id, IPC_STAT, &ds);
	ds.msg_qbytes = 16385;
	CHECK_ERR("child: raise msg_qbytes past MSGMNB",
		  msgctl(id, IPC_SET, &ds), EPERM);
}

CONTRACT_TEST(msg_limits)
{
	int id = msgget(IPC_PRIVATE, 0600);
	static char big[8200];
	struct msqid_ds ds;
	struct msginfo mi;
	struct kid k1;
	pid_t pid;

	((long *)big)[0] = 1;
	CHECK_RET("8192", msgsnd(id, big, 8192, 0), 0);
	CHECK_RET("8192", msgsnd(id, big, 8192, 0), 0);
	CHECK_ERR("full, IPC_NOWAIT", msgsnd(id, big, 1, IPC_NOWAIT), EAGAIN);
	sync_open();
	pid = kid_fork(&k1);
	if (pid == 0) {
		child_ready();
		CHECK_RET("child: send blocks, then goes",
			  msgsnd(id, big, 100, 0), 0);
		_exit(ct_failures() ? 1 : 0);
	}
	await_ready();
	CHECK_EQ("qnum while it waits",
		 (msgctl(id, IPC_STAT, &ds), ds.msg_qnum), 2);
	CHECK_RET("receive one", msgrcv(id, big, 8192, 0, 0), 8192);
	kid_reap(&k1, "child");
	CHECK_EQ("qnum", (msgctl(id, IPC_STAT, &ds), ds.msg_qnum), 2);
	sync_close();
	ds.msg_qbytes = 20000;
	ct_child_ok("child without CAP_SYS_RESOURCE", lower_caps_set, &id);
	ds.msg_qbytes = 8292;
	CHECK_RET("lower it to what is queued", msgctl(id, IPC_SET, &ds), 0);
	CHECK_ERR("one byte more does not fit", msgsnd(id, big, 1, IPC_NOWAIT),
		  EAGAIN);
	ds.msg_qbytes = 0;
	CHECK_RET("msg_qbytes 0", msgctl(id, IPC_SET, &ds), 0);
	CHECK_ERR("now nothing fits", msgsnd(id, big, 0, IPC_NOWAIT), EAGAIN);
	CHECK("IPC_INFO", msgctl(0, IPC_INFO, (struct msqid_ds *)&mi) >= 0);
	CHECK_EQ("msgmax", mi.msgmax, 8192);
	CHECK_EQ("msgmnb", mi.msgmnb, 16384);
	CHECK_EQ("msgmni", mi.msgmni, 32000);
	CHECK_EQ("msgpool", mi.msgpool, 512000);
	CHECK_EQ("msgseg", mi.msgseg, 0xffff);
	CHECK("MSG_INFO", msgctl(0, MSG_INFO, (struct msqid_ds *)&mi) >= 0);
	CHECK_EQ("queues", mi.msgpool, 1);
	CHECK_EQ("messages", mi.msgmap, 2);
	CHECK_EQ("bytes", mi.msgtql, 8292);
	msgctl(id, IPC_RMID, NULL);
}

CONTRACT_TEST(msg_block)
{
	int id = msgget(IPC_PRIVATE, 0600);
	struct msqid_ds ds;
	struct kid k1, k2;
	pid_t pid, pid2;

	sync_open();
	pid = kid_fork(&k1);
	if (pid == 0) {
		child_ready();
		msg_take("child: type 9 (waits)", id, 9, 0);
		_exit(0);
	}
	await_ready();
	pid2 = kid_fork(&k2);
	if (pid2 == 0) {
		struct kmsg m;

		child_ready();
		CHECK_ERR("child 2: too small for it", msgrcv(id, &m, 2, 0, 0),
			  E2BIG);
		_exit(ct_failures() ? 1 : 0);
	}
	await_ready();
	sync_close();
	msg_send(id, 9, "for you", 0);
	msgctl(id, IPC_STAT, &ds);
	CHECK_EQ("handed over at once: qnum", ds.msg_qnum, 0);
	CHECK("lrpid is the child", ds.msg_lrpid == pid);
	kid_reap(&k1, "child");
	msg_send(id, 1, "long message", 0);
	kid_reap(&k2, "child 2");
	CHECK_EQ("the message stays", (msgctl(id, IPC_STAT, &ds), ds.msg_qnum),
		 1);
	msgctl(id, IPC_RMID, NULL);
}

CONTRACT_TEST(msg_eintr_eidrm)
{
	int id = msgget(IPC_PRIVATE, 0600);
	struct kid k1, k2;
	pid_t pid, pid2;
	static char big[16400];

	sync_open();
	pid = kid_fork(&k1);
	if (pid == 0) {
		struct kmsg m;

		ct_sigsimple(SIGUSR1, on_usr1, SA_RESTART);
		child_ready();
		CHECK_ERR("child: msgrcv interrupted (SA_RESTART too)",
			  msgrcv(id, &m, 64, 99, 0), EINTR);
		CHECK_ERR("child: msgrcv, queue removed",
			  msgrcv(id, &m, 64, 99, 0), EIDRM);
		_exit(ct_failures() ? 1 : 0);
	}
	await_ready();
	((long *)big)[0] = 1;
	msgsnd(id, big, 8192, 0);
	msgsnd(id, big, 8192, 0);
	pid2 = kid_fork(&k2);
	if (pid2 == 0) {
		child_ready();
		CHECK_ERR("child 2: msgsnd, queue removed",
			  msgsnd(id, big, 8192, 0), EIDRM);
		_exit(ct_failures() ? 1 : 0);
	}
	await_ready();
	kill(pid, SIGUSR1);
	ct_msleep(100);
	sync_close();
	CHECK_RET("IPC_RMID", msgctl(id, IPC_RMID, NULL), 0);
	kid_reap(&k1, "child");
	kid_reap(&k2, "child 2");
}

/* ---- permissions --------------------------------------------------- */

struct ids {
	int shm_private, shm_shared, sem_private, sem_shared, msg_private,
		msg_shared;
};

static void nobody_ipc(void *arg)
{
	struct ids *ids = arg;
	struct shmid_ds sds;
	struct msqid_ds mds;
	union semun u = { .val = 1 };
	int own;
	void *p;

	become_nobody();
	CHECK_ERR("shmat a 0600 segment",
		  (long)shmat(ids->shm_private, NULL, 0), EACCES);
	CHECK_ERR("IPC_STAT it", shmctl(ids->shm_private, IPC_STAT, &sds),
		  EACCES);
	CHECK("SHM_STAT_ANY needs no permission",
	      shmctl(ids->shm_private % 32768, SHM_STAT_ANY, &sds) ==
		      ids->shm_private);
	CHECK_ERR("IPC_RMID it", shmctl(ids->shm_private, IPC_RMID, NULL),
		  EPERM);
	CHECK_ERR("IPC_SET it", shmctl(ids->shm_private, IPC_SET, &sds), EPERM);
	CHECK_ERR("SHM_LOCK it", shmctl(ids->shm_private, SHM_LOCK, NULL),
		  EPERM);
	CHECK_ERR("shmget its key asking 0600", shmget(KEY1, 0, 0600), EACCES);
	CHECK("shmget its key asking nothing", shmget(KEY1, 0, 0) >= 0);
	p = shmat(ids->shm_shared, NULL, SHM_RDONLY);
	CHECK("shmat a 0644 segment read-only", p != (void *)-1);
	shmdt(p);
	CHECK_ERR("shmat it read-write", (long)shmat(ids->shm_shared, NULL, 0),
		  EACCES);
	CHECK_ERR("SHM_EXEC of it",
		  (long)shmat(ids->shm_shared, NULL, SHM_RDONLY | SHM_EXEC),
		  EACCES);

	CHECK_ERR("GETVAL of a 0600 set", semctl(ids->sem_private, 0, GETVAL),
		  EACCES);
	CHECK_ERR("semop on it", sem_op1(ids->sem_private, 0, 1, 0), EACCES);
	CHECK_ERR("IPC_RMID it", semctl(ids->sem_private, 0, IPC_RMID), EPERM);
	CHECK_EQ("GETVAL of a 0644 set", semctl(ids->sem_shared, 0, GETVAL), 0);
	CHECK_RET("wait-for-zero on it (read access)",
		  sem_op1(ids->sem_shared, 0, 0, 0), 0);
	CHECK_ERR("+1 on it", sem_op1(ids->sem_shared, 0, 1, 0), EACCES);
	CHECK_ERR("SETVAL on it", semctl(ids->sem_shared, 0, SETVAL, u),
		  EACCES);
	CHECK_ERR("semop bad semnum before permissions",
		  sem_op1(ids->sem_shared, 5, 1, 0), EFBIG);

	CHECK_ERR("msgsnd to a 0600 queue",
		  msg_send(ids->msg_private, 1, "x", 0), EACCES);
	CHECK_ERR("msgrcv from it", msgrcv(ids->msg_private, &mds, 8, 0, 0),
		  EACCES);
	CHECK_ERR("IPC_RMID it", msgctl(ids->msg_private, IPC_RMID, NULL),
		  EPERM);
	CHECK_RET("msgsnd to a 0622 queue",
		  msg_send(ids->msg_shared, 1, "x", 0), 0);
	CHECK_ERR("msgrcv from it", msgrcv(ids->msg_shared, &mds, 8, 0, 0),
		  EACCES);

	/* Objects of one's own. */
	own = msgget(IPC_PRIVATE, 0600);
	msgctl(own, IPC_STAT, &mds);
	CHECK_EQ("own queue's uid", mds.msg_perm.uid, 65534);
	CHECK_EQ("own queue's cgid", mds.msg_perm.cgid, 65534);
	mds.msg_qbytes = 16385;
	CHECK_ERR("raise msg_qbytes past MSGMNB", msgctl(own, IPC_SET, &mds),
		  EPERM);
	mds.msg_qbytes = 100;
	mds.msg_perm.uid = 0;
	CHECK_RET("give it to root, smaller", msgctl(own, IPC_SET, &mds), 0);
	CHECK_RET("the creator may still remove it",
		  msgctl(own, IPC_RMID, NULL), 0);
	own = shmget(IPC_PRIVATE, PG, 0600);
	CHECK_RET("SHM_LOCK one's own (RLIMIT_MEMLOCK)",
		  shmctl(own, SHM_LOCK, NULL), 0);
	shmctl(own, IPC_RMID, NULL);
}

CONTRACT_TEST(perm_nobody)
{
	struct ids ids;

	ids.shm_private = shmget(KEY1, PG, IPC_CREAT | IPC_EXCL | 0600);
	ids.shm_shared = shmget(IPC_PRIVATE, PG, 0644);
	ids.sem_private = semget(IPC_PRIVATE, 1, 0600);
	ids.sem_shared = semget(IPC_PRIVATE, 1, 0644);
	ids.msg_private = msgget(IPC_PRIVATE, 0600);
	ids.msg_shared = msgget(IPC_PRIVATE, 0622);
	ct_child_ok("nobody", nobody_ipc, &ids);
	shmctl(ids.shm_private, IPC_RMID, NULL);
	shmctl(ids.shm_shared, IPC_RMID, NULL);
	semctl(ids.sem_private, 0, IPC_RMID);
	semctl(ids.sem_shared, 0, IPC_RMID);
	msgctl(ids.msg_private, IPC_RMID, NULL);
	msgctl(ids.msg_shared, IPC_RMID, NULL);
}
