/*
 * Private declarations of the IPC subsystem (libkos/ipc/): the object
 * tables System V IPC shares (util.c) and the pieces shm.c, sem.c,
 * msg.c and mqueue.c use from each other.
 */
#ifndef KOS_IPC_INTERNAL_H
#define KOS_IPC_INTERNAL_H

#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/types.h>
#include <kos/vfs.h>
#include <kos/waitq.h>
#include <uapi/ipc.h>

/*
 * One lock for all System V IPC objects and tables: ipc_lock.  It is a
 * mutex, dropped while a caller sleeps (semop, msgsnd, msgrcv).  Never
 * held while calling into the vm layer (the vm lock comes first: a
 * munmap drops the last reference to a shm attachment, whose release
 * takes ipc_lock) and taken after proc_lock (process exit applies
 * SEM_UNDO adjustments with proc_lock held).
 */
extern struct mutex ipc_lock;

/* Linux's default limits (include/uapi/linux/{shm,sem,msg}.h). */
#define IPC_SHMMNI 4096
#define IPC_SHMMIN 1
#define IPC_SHMMAX (~0UL - (1UL << 24))
#define IPC_SHMALL (~0UL - (1UL << 24))
#define IPC_SEMMSL 32000
#define IPC_SEMMNI 32000
#define IPC_SEMMNS (IPC_SEMMNI * IPC_SEMMSL)
#define IPC_SEMOPM 500
#define IPC_SEMVMX 32767
#define IPC_SEMAEM IPC_SEMVMX
#define IPC_SEMUME IPC_SEMOPM
#define IPC_SEMMNU IPC_SEMMNS
#define IPC_SEMMAP IPC_SEMMNS
#define IPC_SEMUSZ 20
#define IPC_MSGMNI 32000
#define IPC_MSGMAX 8192
#define IPC_MSGMNB 16384
#define IPC_MSGPOOL (IPC_MSGMNI * IPC_MSGMNB / 1024)
#define IPC_MSGMAP IPC_MSGMNB
#define IPC_MSGTQL IPC_MSGMNB
#define IPC_MSGSSZ 16
#define IPC_MSGSEG 0xffff

/* An id is seq * IPC_SEQ_MULT + the table index (Linux's ipc_buildid). */
#define IPC_SEQ_MULT 32768
#define IPC_SEQ_MAX (INT32_MAX / IPC_SEQ_MULT)
#define IPC_MIN_CYCLE 64 /* indices cycle through at least this many */

/* Permission bits as ipcperms() takes them. */
#define IPC_S_IRUGO 0444
#define IPC_S_IWUGO 0222
#define IPC_S_IXUGO 0111
#define IPC_S_IRWXUGO 0777

/*
 * Who asks, copied at the start of the call: in vc the effective uid
 * (vc.uid), the file-system gid and supplementary groups (what Linux's
 * in_group_p() looks at) and the effective capabilities; the effective
 * gid (new objects' group), the real uid and the tgid.
 */
struct ipc_cred {
	struct vfs_cred vc;
	uint32_t egid, ruid;
	int pid;
};

/* Linux's kern_ipc_perm: the head of every System V object. */
struct ipc_obj {
	int id;	     /* constant */
	int32_t key; /* ipc_lock; IPC_PRIVATE once removed */
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode; /* ipc_lock: permission bits (and SHM_DEST...) */
	uint16_t seq;
	bool deleted; /* ipc_lock: out of its table */
};

/* One table: shm, sem or msg objects by index (ipc_lock). */
struct ipc_ids {
	struct ipc_obj **slot;
	int cap;      /* slots allocated */
	int in_use;   /* objects in the table */
	int max_idx;  /* highest index in use, -1 if none */
	int next;     /* where the cyclic search starts (idr_next) */
	int last_idx; /* the index handed out last, -1 at first */
	uint16_t seq; /* the sequence number of new ids */
	int mni;      /* most objects */
};

#define IPC_IDS_INIT(n)                       \
	{                                     \
		NULL, 0, 0, -1, 0, -1, 0, (n) \
	}

void ipc_cred_current(struct ipc_cred *c);

/* Linux's ipcperms(): may c use o for flag's S_I*UGO bits?  0/-EACCES. */
int ipc_perms(const struct ipc_obj *o, int flag, const struct ipc_cred *c);
/* IPC_SET/IPC_RMID: the owner, the creator or CAP_SYS_ADMIN.  -EPERM. */
int ipc_check_owner(const struct ipc_obj *o, const struct ipc_cred *c);
/* IPC_SET's uid, gid and mode bits; -EINVAL for an invalid id. */
int ipc_update_perm(struct ipc_obj *o, const struct ipc64_perm *in);
void ipc_fill_perm(const struct ipc_obj *o, struct ipc64_perm *out);

/*
 * Put o into ids with key and mode's permission bits, owned by c:
 * fills o's head and returns its id, or -ENOSPC (table full) / -ENOMEM.
 */
int ipc_add(struct ipc_ids *ids, struct ipc_obj *o, int32_t key, int mode,
	    const struct ipc_cred *c);
void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o);
struct ipc_obj *ipc_find_key(struct ipc_ids *ids, int32_t key);
/* By id (-EINVAL: none, or a stale sequence number) / by index. */
struct ipc_obj *ipc_find_id(struct ipc_ids *ids, int id);
struct ipc_obj *ipc_find_idx(struct ipc_ids *ids, int idx);
/* The highest index in use for IPC_INFO (0 if none), as Linux. */
int ipc_info_idx(const struct ipc_ids *ids);

/*
 * shmget/semget/msgget: find key or make a new object (create(key, flg,
 * arg, c) returns the id or -errno) in Linux's order of checks;
 * more(o, arg) is the type's own check of an existing object.  The id
 * or -errno.  ipc_lock held.
 */
long ipc_get(struct ipc_ids *ids, int32_t key, int flg, unsigned long arg,
	     long (*create)(int32_t key, int flg, unsigned long arg,
			    const struct ipc_cred *c),
	     int (*more)(struct ipc_obj *o, unsigned long arg),
	     const struct ipc_cred *c);

/* Seconds of CLOCK_REALTIME (the *_time fields). */
int64_t ipc_now(void);

/*
 * Sleep on wq until *done, the deadline (monotonic; UINT64_MAX: none)
 * or a signal, with ipc_lock (held on entry and on return) dropped.
 * 0 once *done, else -ETIMEDOUT or -EINTR.
 */
int ipc_wait(struct waitq *wq, const bool *done, uint64_t deadline);

/* Objects of each kind (for ipc_reset). */
void ipc_shm_reset(void);
void ipc_sem_reset(void);
void ipc_msg_reset(void);
void mqueue_reset(void);

#endif
