/*
 * System V IPC, the common part: the id tables, keys, permissions and
 * the get/ctl logic shm.c, sem.c and msg.c share.
 *
 * KOS has one IPC name space: keys and ids are system wide.  Each kind
 * of object has a table (struct ipc_ids) mapping an index to the object;
 * an object's id is seq * 32768 + index, and indices are handed out
 * cyclically over the first max(64, 1.5 * in use) slots with the sequence
 * number moving on whenever the search wraps -- Linux's ipc_idr_alloc(),
 * so ids come out as Linux numbers them (0, 1, 2, ... in a fresh name
 * space) and a stale id is not taken for a new object at once.
 *
 * Permissions are Linux's ipcperms(): the owner's or the creator's bits
 * for the effective uid, the group bits for the object's group or its
 * creator's group (file-system gid and supplementary groups, as
 * in_group_p()), the others' bits otherwise; CAP_IPC_OWNER passes.
 * IPC_SET and IPC_RMID need the owner, the creator or CAP_SYS_ADMIN.
 *
 * Locking: everything here runs with ipc_lock held (internal.h says
 * which way it nests with the others).
 */
#include <kos/kmalloc.h>
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/time.h>
#include <uapi/capability.h>
#include <uapi/errno.h>

#include "internal.h"

struct mutex ipc_lock = MUTEX_INIT(ipc_lock, "ipc");

void ipc_cred_current(struct ipc_cred *c)
{
	struct proc *p = proc_current();

	proc_vfs_cred(p, &c->vc, false);
	c->egid = 0;
	c->ruid = 0;
	c->pid = 0;
	if (p) {
		c->vc.uid = p->cred.euid;
		c->egid = p->cred.egid;
		c->ruid = p->cred.uid;
		c->pid = p->pid;
	}
}

int ipc_perms(const struct ipc_obj *o, int flag, const struct ipc_cred *c)
{
	int want = (flag >> 6) | (flag >> 3) | flag;
	uint32_t granted = o->mode;

	if (c->vc.uid == o->cuid || c->vc.uid == o->uid)
		granted >>= 6;
	else if (vfs_in_group(&c->vc, o->cgid) || vfs_in_group(&c->vc, o->gid))
		granted >>= 3;
	if ((want & ~granted & 07) && !vfs_capable(&c->vc, CAP_IPC_OWNER))
		return -EACCES;
	return 0;
}

int ipc_check_owner(const struct ipc_obj *o, const struct ipc_cred *c)
{
	if (c->vc.uid == o->cuid || c->vc.uid == o->uid ||
	    vfs_capable(&c->vc, CAP_SYS_ADMIN))
		return 0;
	return -EPERM;
}

int ipc_update_perm(struct ipc_obj *o, const struct ipc64_perm *in)
{
	if (in->uid == (uint32_t)-1 || in->gid == (uint32_t)-1)
		return -EINVAL;
	o->uid = in->uid;
	o->gid = in->gid;
	o->mode = (o->mode & ~IPC_S_IRWXUGO) | (in->mode & IPC_S_IRWXUGO);
	return 0;
}

void ipc_fill_perm(const struct ipc_obj *o, struct ipc64_perm *out)
{
	kos_memset(out, 0, sizeof(*out));
	out->key = o->key;
	out->uid = o->uid;
	out->gid = o->gid;
	out->cuid = o->cuid;
	out->cgid = o->cgid;
	out->mode = o->mode;
	out->seq = o->seq;
}

/* Make room for index idx in the table.  0 or -ENOMEM. */
static int ids_grow(struct ipc_ids *ids, int idx)
{
	struct ipc_obj **n;
	int cap;

	if (idx < ids->cap)
		return 0;
	cap = ids->cap ? ids->cap : IPC_MIN_CYCLE;
	while (cap <= idx)
		cap *= 2;
	if (cap > ids->mni)
		cap = ids->mni;
	n = kzalloc((size_t)cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	if (ids->slot)
		kos_memcpy(n, ids->slot, (size_t)ids->cap * sizeof(*n));
	kfree(ids->slot);
	ids->slot = n;
	ids->cap = cap;
	return 0;
}

/* The lowest free index in [from, end), or -1. */
static int ids_free_from(const struct ipc_ids *ids, int from, int end)
{
	for (int i = from; i < end; i++)
		if (i >= ids->cap || !ids->slot[i])
			return i;
	return -1;
}

int ipc_add(struct ipc_ids *ids, struct ipc_obj *o, int32_t key, int mode,
	    const struct ipc_cred *c)
{
	int end, idx;

	if (ids->in_use >= ids->mni)
		return -ENOSPC;
	end = MAX(ids->in_use * 3 / 2, IPC_MIN_CYCLE);
	end = MIN(end, ids->mni);
	idx = ids_free_from(ids, ids->next < end ? ids->next : end, end);
	if (idx < 0)
		idx = ids_free_from(ids, 0, end);
	if (idx < 0)
		return -ENOSPC;
	if (ids_grow(ids, idx))
		return -ENOMEM;
	if (idx <= ids->last_idx) {
		ids->seq++;
		if (ids->seq >= IPC_SEQ_MAX)
			ids->seq = 0;
	}
	ids->last_idx = idx;
	ids->next = idx + 1;
	o->key = key;
	o->mode = (uint32_t)mode & IPC_S_IRWXUGO;
	o->uid = o->cuid = c->vc.uid;
	o->gid = o->cgid = c->egid;
	o->seq = ids->seq;
	o->id = ids->seq * IPC_SEQ_MULT + idx;
	o->deleted = false;
	ids->slot[idx] = o;
	ids->in_use++;
	if (idx > ids->max_idx)
		ids->max_idx = idx;
	return o->id;
}

void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o)
{
	int idx = o->id % IPC_SEQ_MULT;

	KOS_ASSERT(idx < ids->cap && ids->slot[idx] == o);
	ids->slot[idx] = NULL;
	ids->in_use--;
	o->deleted = true;
	if (idx == ids->max_idx) {
		while (ids->max_idx >= 0 && !ids->slot[ids->max_idx])
			ids->max_idx--;
	}
	if (!ids->in_use) {
		kfree(ids->slot);
		ids->slot = NULL;
		ids->cap = 0;
	}
}

struct ipc_obj *ipc_find_key(struct ipc_ids *ids, int32_t key)
{
	for (int i = 0; i <= ids->max_idx; i++)
		if (ids->slot[i] && ids->slot[i]->key == key)
			return ids->slot[i];
	return NULL;
}

struct ipc_obj *ipc_find_idx(struct ipc_ids *ids, int idx)
{
	if (idx < 0 || idx > ids->max_idx)
		return NULL;
	return ids->slot[idx];
}

struct ipc_obj *ipc_find_id(struct ipc_ids *ids, int id)
{
	struct ipc_obj *o;

	if (id < 0)
		return NULL;
	o = ipc_find_idx(ids, id % IPC_SEQ_MULT);
	return o && o->id == id ? o : NULL;
}

int ipc_info_idx(const struct ipc_ids *ids)
{
	if (!ids->in_use)
		return 0;
	if (ids->in_use == ids->mni)
		return ids->mni - 1;
	return ids->max_idx;
}

long ipc_get(struct ipc_ids *ids, int32_t key, int flg, unsigned long arg,
	     long (*create)(int32_t key, int flg, unsigned long arg,
			    const struct ipc_cred *c),
	     int (*more)(struct ipc_obj *o, unsigned long arg),
	     const struct ipc_cred *c)
{
	struct ipc_obj *o;
	int err;

	if (key == IPC_PRIVATE)
		return create(key, flg, arg, c);
	o = ipc_find_key(ids, key);
	if (!o)
		return (flg & IPC_CREAT) ? create(key, flg, arg, c) : -ENOENT;
	if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
		return -EEXIST;
	if (more && (err = more(o, arg)))
		return err;
	if (ipc_perms(o, flg, c))
		return -EACCES;
	return o->id;
}

int64_t ipc_now(void)
{
	return (int64_t)(clock_realtime_ns() / NSEC_PER_SEC);
}

int ipc_wait(struct waitq *wq, const bool *done, uint64_t deadline)
{
	struct waitq_entry e;
	int err = 0;

	for (;;) {
		waitq_prepare(wq, &e);
		if (*done)
			break;
		if (sig_pending()) {
			/* The loop must look at what interrupted us. */
			sched_current()->user_work = 1;
			err = -EINTR;
			break;
		}
		mutex_unlock(&ipc_lock);
		err = waitq_sleep(&e, deadline);
		mutex_lock(&ipc_lock);
		if (err)
			break;
	}
	waitq_finish(wq, &e);
	return *done ? 0 : err;
}

void ipc_reset(void)
{
	ipc_shm_reset();
	ipc_sem_reset();
	ipc_msg_reset();
	mqueue_reset();
}
