/*
 * System V IPC (shmget(2), semget(2), msgget(2) and their ctl and op
 * calls) and POSIX message queues (mq_overview(7)): flags, commands and
 * the x86-64 layouts of the structures user space passes (the "64"
 * versions, the only ones x86-64 has: a command with IPC_64 set is
 * -EINVAL there, as on Linux).
 */
#ifndef UAPI_IPC_H
#define UAPI_IPC_H

#include <uapi/types.h>

/* ipc(5) keys and get flags */
#define IPC_PRIVATE 0
#define IPC_CREAT 00001000
#define IPC_EXCL 00002000
#define IPC_NOWAIT 00004000

/* Generic control commands */
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPC_64 0x0100

/* shmat flags, shmctl commands, mode bits shown by IPC_STAT */
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHM_DEST 01000
#define SHM_LOCKED 02000

/* semop flags, semctl commands */
#define SEM_UNDO 0x1000
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20

/* msgrcv flags, msgctl commands */
#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000
#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13

struct ipc64_perm {
	__s32 key;
	__u32 uid, gid, cuid, cgid;
	__u32 mode;
	__u16 seq;
	__u16 __pad2;
	__u64 __unused1, __unused2;
};

struct shmid64_ds {
	struct ipc64_perm shm_perm;
	__u64 shm_segsz;
	__s64 shm_atime, shm_dtime, shm_ctime;
	__s32 shm_cpid, shm_lpid;
	__u64 shm_nattch;
	__u64 __unused4, __unused5;
};

struct shminfo64 {
	__u64 shmmax, shmmin, shmmni, shmseg, shmall;
	__u64 __unused1, __unused2, __unused3, __unused4;
};

struct shm_info_k {
	__s32 used_ids;
	__u32 __pad;
	__u64 shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

struct semid64_ds {
	struct ipc64_perm sem_perm;
	__s64 sem_otime;
	__u64 __unused1;
	__s64 sem_ctime;
	__u64 __unused2;
	__u64 sem_nsems;
	__u64 __unused3, __unused4;
};

struct sembuf {
	__u16 sem_num;
	__s16 sem_op;
	__s16 sem_flg;
};

struct seminfo {
	__s32 semmap, semmni, semmns, semmnu, semmsl;
	__s32 semopm, semume, semusz, semvmx, semaem;
};

struct msqid64_ds {
	struct ipc64_perm msg_perm;
	__s64 msg_stime, msg_rtime, msg_ctime;
	__u64 msg_cbytes, msg_qnum, msg_qbytes;
	__s32 msg_lspid, msg_lrpid;
	__u64 __unused4, __unused5;
};

struct msginfo {
	__s32 msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	__u16 msgseg;
};

/* POSIX message queues */
#define MQ_PRIO_MAX 32768
#define MQUEUE_MAGIC 0x19800202

struct mq_attr {
	__s64 mq_flags;	  /* O_NONBLOCK or 0 */
	__s64 mq_maxmsg;  /* messages the queue holds */
	__s64 mq_msgsize; /* largest message, bytes */
	__s64 mq_curmsgs; /* messages in the queue now */
	__s64 __reserved[4];
};

#endif
