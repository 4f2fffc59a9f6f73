/*
 * System V semaphores: semget(2), semop(2), semtimedop(2), semctl(2).
 *
 * A set is an array of values with a queue of blocked operations.  An
 * operation array applies all at once or not at all (each op in turn,
 * undone on a failure, as Linux's perform_atomic_semop_slow(), which is
 * what its fast path computes too).  A caller that cannot proceed queues
 * a waiter (on its own stack) on the set and sleeps; whoever changes the
 * values afterwards runs the queue in order (update_queue) and completes
 * the operations that now can proceed *for* the sleepers, so that when
 * semop() returns in the waker the sleeper's operation is already done
 * -- Linux's semantics, visible to GETVAL.  A sleeper leaves with the
 * result the waker gave it, -EIDRM when the set is removed, -EAGAIN at
 * its timeout, -EINTR for a signal (semop is never restarted).
 *
 * SEM_UNDO: each process has a list of undo records, one per set it used
 * SEM_UNDO on, holding the adjustment of each semaphore (the negation of
 * what it did).  The last thread's exit (ipc_exit) applies them, the
 * values clamped to 0..SEMVMX.  fork does not copy them; exec keeps
 * them.  SETVAL and SETALL clear the affected adjustments in every
 * process; IPC_RMID cuts the records off their set.  (Threads of a
 * process share the list, as CLONE_SYSVSEM does; CLONE_SYSVSEM between
 * processes is not supported.)
 *
 * Locking: ipc_lock guards the table, every set, the waiters and the
 * undo lists (proc->sysvsem included).
 */
#include <kos/kmalloc.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/time.h>

#include "internal.h"

struct sem {
	int val;
	int pid; /* the last process to change it (or operate on it) */
};

struct sem_set {
	struct ipc_obj perm;
	int nsems;
	int64_t otime, ctime;
	struct list_head pending; /* struct sem_waiter.link, FIFO */
	struct list_head undos;	  /* struct sem_undo.set_link */
	struct sem sems[];
};

/* One sleeping semop() (on its caller's stack). */
struct sem_waiter {
	struct list_head link; /* on set->pending while it waits */
	const struct sembuf *sops;
	unsigned int nsops;
	struct sem_undo *undo;
	const struct sembuf *blocking; /* the op it waits for */
	bool alter;
	int pid;
	int status; /* set with done */
	bool done;
	struct waitq wq;
};

/* SEM_UNDO adjustments of one process for one set. */
struct sem_undo {
	struct list_head proc_link; /* on the process's undo list */
	struct list_head set_link;  /* on set->undos while the set lives */
	int semid;		    /* -1 once the set is gone */
	struct sem_set *set;	    /* NULL once the set is gone */
	short adj[];
};

struct ipc_undo_list {
	struct list_head undos; /* struct sem_undo.proc_link */
};

static struct ipc_ids sem_ids = IPC_IDS_INIT(IPC_SEMMNI);
static uint64_t used_sems; /* ipc_lock: semaphores in all sets */

/*
 * Try sops on set: 0 (applied; undo adjusted, pids set), 1 (would
 * block on w->blocking), -EAGAIN (would block, IPC_NOWAIT) or -ERANGE.
 * Nothing changes unless it returns 0.
 */
static int try_sops(struct sem_set *set, struct sem_waiter *w)
{
	const struct sembuf *sop, *end = w->sops + w->nsops;
	int rc;

	for (sop = w->sops; sop < end; sop++) {
		struct sem *s = &set->sems[sop->sem_num];
		int result = s->val;

		if (!sop->sem_op && result)
			goto would_block;
		result += sop->sem_op;
		if (result < 0)
			goto would_block;
		if (result > IPC_SEMVMX) {
			rc = -ERANGE;
			goto undo;
		}
		if (sop->sem_flg & SEM_UNDO) {
			int u = w->undo->adj[sop->sem_num] - sop->sem_op;

			if (u < -IPC_SEMAEM - 1 || u > IPC_SEMAEM) {
				rc = -ERANGE;
				goto undo;
			}
			w->undo->adj[sop->sem_num] = (short)u;
		}
		s->val = result;
	}
	for (sop = w->sops; sop < end; sop++)
		set->sems[sop->sem_num].pid = w->pid;
	return 0;

would_block:
	w->blocking = sop;
	rc = (sop->sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
undo:
	while (sop-- > w->sops) {
		set->sems[sop->sem_num].val -= sop->sem_op;
		if (sop->sem_flg & SEM_UNDO)
			w->undo->adj[sop->sem_num] += sop->sem_op;
	}
	return rc;
}

static void waiter_complete(struct sem_waiter *w, int status)
{
	list_del(&w->link);
	w->status = status;
	w->done = true;
	waitq_wake_all(&w->wq);
}

/*
 * The values changed: complete every queued operation that can now
 * proceed, oldest first, starting over after each one that changed
 * values.  ipc_lock held.
 */
static void update_queue(struct sem_set *set)
{
	struct sem_waiter *w, *n;

again:
	list_for_each_entry_safe (w, n, &set->pending, link) {
		int rc = try_sops(set, w);

		if (rc == 1)
			continue;
		waiter_complete(w, rc);
		if (!rc) {
			set->otime = ipc_now();
			if (w->alter)
				goto again;
		}
	}
}

static long sem_create(int32_t key, int flg, unsigned long nsems,
		       const struct ipc_cred *c)
{
	struct sem_set *set;
	long id;

	if (!nsems)
		return -EINVAL;
	if (used_sems + nsems > (uint64_t)IPC_SEMMNS)
		return -ENOSPC;
	set = kzalloc(sizeof(*set) + nsems * sizeof(struct sem));
	if (!set)
		return -ENOMEM;
	set->nsems = (int)nsems;
	set->ctime = ipc_now();
	list_init(&set->pending);
	list_init(&set->undos);
	id = ipc_add(&sem_ids, &set->perm, key, flg, c);
	if (id < 0) {
		kfree(set);
		return id;
	}
	used_sems += nsems;
	return id;
}

static int sem_more(struct ipc_obj *o, unsigned long nsems)
{
	return nsems > (unsigned long)((struct sem_set *)o)->nsems ? -EINVAL
								   : 0;
}

/* semget: the set of key (or a new one of nsems semaphores). */
SYSCALL_DEFINE3(semget, int, key, int, nsems, __as_hex int, semflg)
{
	struct ipc_cred c;
	long r;

	if (nsems < 0 || nsems > IPC_SEMMSL)
		return -EINVAL;
	ipc_cred_current(&c);
	mutex_lock(&ipc_lock);
	r = ipc_get(&sem_ids, key, semflg, (unsigned long)nsems, sem_create,
		    sem_more, &c);
	mutex_unlock(&ipc_lock);
	return r;
}

/* Free set, waking its sleepers with -EIDRM.  ipc_lock held. */
static void sem_free(struct sem_set *set)
{
	struct sem_waiter *w, *wn;
	struct sem_undo *u, *un;

	list_for_each_entry_safe (w, wn, &set->pending, link)
		waiter_complete(w, -EIDRM);
	list_for_each_entry_safe (u, un, &set->undos, set_link) {
		list_del(&u->set_link);
		list_init(&u->set_link);
		u->semid = -1;
		u->set = NULL;
	}
	ipc_remove(&sem_ids, &set->perm);
	used_sems -= (uint64_t)set->nsems;
	kfree(set);
}

/*
 * The calling process's undo record for semid, made if need be (Linux's
 * find_alloc_undo: before the other checks, so a bad id is -EINVAL
 * here).  ipc_lock held.
 */
static long find_undo(int semid, struct sem_undo **out)
{
	struct proc *p = proc_current();
	struct ipc_undo_list *ul;
	struct sem_set *set;
	struct sem_undo *u;

	if (!p)
		return -EINVAL;
	ul = p->sysvsem;
	if (ul) {
		list_for_each_entry (u, &ul->undos, proc_link) {
			if (u->semid == semid) {
				*out = u;
				return 0;
			}
		}
	}
	set = (struct sem_set *)ipc_find_id(&sem_ids, semid);
	if (!set)
		return -EINVAL;
	if (!ul) {
		ul = kzalloc(sizeof(*ul));
		if (!ul)
			return -ENOMEM;
		list_init(&ul->undos);
		p->sysvsem = ul;
	}
	u = kzalloc(sizeof(*u) + (size_t)set->nsems * sizeof(short));
	if (!u)
		return -ENOMEM;
	u->semid = semid;
	u->set = set;
	list_add(&u->proc_link, &ul->undos);
	list_add(&u->set_link, &set->undos);
	*out = u;
	return 0;
}

static long do_semop(int semid, const struct sembuf __user *usops,
		     unsigned int nsops, const struct timespec *ts)
{
	struct sembuf fast[8], *sops = fast;
	uint64_t deadline = UINT64_MAX;
	bool undos = false, alter = false;
	struct sem_waiter w;
	struct sem_undo *undo = NULL;
	struct sem_set *set;
	struct ipc_cred c;
	unsigned int max = 0;
	long rc;

	if (nsops < 1 || semid < 0)
		return -EINVAL;
	if (nsops > IPC_SEMOPM)
		return -E2BIG;
	if (nsops > 8) {
		sops = kmalloc(nsops * sizeof(*sops));
		if (!sops)
			return -ENOMEM;
	}
	if (copy_from_user(sops, usops, nsops * sizeof(*sops))) {
		rc = -EFAULT;
		goto out_free;
	}
	if (ts) {
		if (ts->tv_sec < 0 || ts->tv_nsec < 0 ||
		    ts->tv_nsec >= (int64_t)NSEC_PER_SEC) {
			rc = -EINVAL;
			goto out_free;
		}
		deadline = clock_deadline_after((uint64_t)ts->tv_sec *
							NSEC_PER_SEC +
						(uint64_t)ts->tv_nsec);
	}
	for (unsigned int i = 0; i < nsops; i++) {
		max = MAX(max, sops[i].sem_num);
		if (sops[i].sem_flg & SEM_UNDO)
			undos = true;
		if (sops[i].sem_op)
			alter = true;
	}
	ipc_cred_current(&c);
	mutex_lock(&ipc_lock);
	if (undos && (rc = find_undo(semid, &undo)))
		goto out_unlock;
	set = (struct sem_set *)ipc_find_id(&sem_ids, semid);
	if (!set) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (max >= (unsigned int)set->nsems) {
		rc = -EFBIG;
		goto out_unlock;
	}
	if (ipc_perms(&set->perm, alter ? IPC_S_IWUGO : IPC_S_IRUGO, &c)) {
		rc = -EACCES;
		goto out_unlock;
	}
	if (undo && undo->semid == -1) {
		rc = -EIDRM;
		goto out_unlock;
	}
	kos_memset(&w, 0, sizeof(w));
	w.sops = sops;
	w.nsops = nsops;
	w.undo = undo;
	w.alter = alter;
	w.pid = c.pid;
	waitq_init(&w.wq);
	rc = try_sops(set, &w);
	if (rc == 0) {
		set->otime = ipc_now();
		if (alter)
			update_queue(set);
		goto out_unlock;
	}
	if (rc < 0)
		goto out_unlock;
	/* Sleep until a waker completes us (or the set goes). */
	list_add_tail(&w.link, &set->pending);
	rc = ipc_wait(&w.wq, &w.done, deadline);
	if (w.done)
		rc = w.status;
	else
		list_del(&w.link);
	if (rc == -ETIMEDOUT)
		rc = -EAGAIN;
out_unlock:
	mutex_unlock(&ipc_lock);
out_free:
	if (sops != fast)
		kfree(sops);
	return rc;
}

/* semop: the operations of sops, all or none; may block. */
SYSCALL_DEFINE3(semop, int, semid, struct sembuf __user *, sops, unsigned int,
		nsops)
{
	return do_semop(semid, sops, nsops, NULL);
}

/* semtimedop: semop with a relative timeout (EAGAIN when it passes). */
SYSCALL_DEFINE4(semtimedop, int, semid, struct sembuf __user *, sops,
		unsigned int, nsops, const struct timespec __user *, timeout)
{
	struct timespec ts;

	if (!timeout)
		return do_semop(semid, sops, nsops, NULL);
	if (copy_from_user(&ts, timeout, sizeof(ts)))
		return -EFAULT;
	return do_semop(semid, sops, nsops, &ts);
}

/* How many sleepers wait for semnum to grow (GETNCNT) or be 0 (GETZCNT). */
static int count_waiters(struct sem_set *set, int semnum, bool zero)
{
	struct sem_waiter *w;
	int n = 0;

	list_for_each_entry (w, &set->pending, link) {
		const struct sembuf *b = w->blocking;

		if (b->sem_num != semnum)
			continue;
		if (zero ? b->sem_op == 0 : b->sem_op < 0)
			n++;
	}
	return n;
}

/* Forget the undo adjustments of semnum (-1: all) in every process. */
static void clear_undos(struct sem_set *set, int semnum)
{
	struct sem_undo *u;

	list_for_each_entry (u, &set->undos, set_link) {
		if (semnum >= 0)
			u->adj[semnum] = 0;
		else
			kos_memset(u->adj, 0,
				   (size_t)set->nsems * sizeof(short));
	}
}

static long sem_setval(int semid, int semnum, int val, const struct ipc_cred *c)
{
	struct sem_set *set;
	long rc = 0;

	if (val > IPC_SEMVMX || val < 0)
		return -ERANGE;
	mutex_lock(&ipc_lock);
	set = (struct sem_set *)ipc_find_id(&sem_ids, semid);
	if (!set)
		rc = -EINVAL;
	else if (semnum < 0 || semnum >= set->nsems)
		rc = -EINVAL;
	else if (ipc_perms(&set->perm, IPC_S_IWUGO, c))
		rc = -EACCES;
	if (!rc) {
		clear_undos(set, semnum);
		set->sems[semnum].val = val;
		set->sems[semnum].pid = c->pid;
		set->ctime = ipc_now();
		update_queue(set);
	}
	mutex_unlock(&ipc_lock);
	return rc;
}

/* GETALL, SETALL, GETVAL, GETPID, GETNCNT, GETZCNT (semctl_main). */
static long sem_main(int semid, int semnum, int cmd, void __user *p,
		     const struct ipc_cred *c)
{
	uint16_t *vals = NULL;
	struct sem_set *set;
	int nsems;
	long rc;

	mutex_lock(&ipc_lock);
	set = (struct sem_set *)ipc_find_id(&sem_ids, semid);
	if (!set) {
		rc = -EINVAL;
		goto out;
	}
	nsems = set->nsems;
	if (ipc_perms(&set->perm, cmd == SETALL ? IPC_S_IWUGO : IPC_S_IRUGO,
		      c)) {
		rc = -EACCES;
		goto out;
	}
	if (cmd == GETALL || cmd == SETALL) {
		vals = kmalloc((size_t)nsems * sizeof(*vals));
		if (!vals) {
			rc = -ENOMEM;
			goto out;
		}
	}
	switch (cmd) {
	case GETALL:
		for (int i = 0; i < nsems; i++)
			vals[i] = (uint16_t)set->sems[i].val;
		/* Copy out without the lock: the buffer may fault. */
		mutex_unlock(&ipc_lock);
		rc = copy_to_user(p, vals, (size_t)nsems * sizeof(*vals))
			     ? -EFAULT
			     : 0;
		kfree(vals);
		return rc;
	case SETALL:
		mutex_unlock(&ipc_lock);
		rc = copy_from_user(vals, p, (size_t)nsems * sizeof(*vals))
			     ? -EFAULT
			     : 0;
		for (int i = 0; !rc && i < nsems; i++)
			if (vals[i] > IPC_SEMVMX)
				rc = -ERANGE;
		mutex_lock(&ipc_lock);
		if (rc)
			goto out;
		if (set != (struct sem_set *)ipc_find_id(&sem_ids, semid)) {
			rc = -EIDRM;
			goto out;
		}
		for (int i = 0; i < nsems; i++) {
			set->sems[i].val = vals[i];
			set->sems[i].pid = c->pid;
		}
		clear_undos(set, -1);
		set->ctime = ipc_now();
		update_queue(set);
		goto out;
	}
	if (semnum < 0 || semnum >= nsems) {
		rc = -EINVAL;
		goto out;
	}
	switch (cmd) {
	case GETVAL:
		rc = set->sems[semnum].val;
		break;
	case GETPID:
		rc = set->sems[semnum].pid;
		break;
	case GETNCNT:
		rc = count_waiters(set, semnum, false);
		break;
	default: /* GETZCNT */
		rc = count_waiters(set, semnum, true);
		break;
	}
out:
	mutex_unlock(&ipc_lock);
	kfree(vals);
	return rc;
}

static long sem_info(int cmd, void __user *p)
{
	struct seminfo si;
	long idx;

	kos_memset(&si, 0, sizeof(si));
	si.semmni = IPC_SEMMNI;
	si.semmns = IPC_SEMMNS;
	si.semmsl = IPC_SEMMSL;
	si.semopm = IPC_SEMOPM;
	si.semvmx = IPC_SEMVMX;
	si.semmnu = IPC_SEMMNU;
	si.semmap = IPC_SEMMAP;
	si.semume = IPC_SEMUME;
	mutex_lock(&ipc_lock);
	if (cmd == SEM_INFO) {
		si.semusz = sem_ids.in_use;
		si.semaem = (int)used_sems;
	} else {
		si.semusz = IPC_SEMUSZ;
		si.semaem = IPC_SEMAEM;
	}
	idx = ipc_info_idx(&sem_ids);
	mutex_unlock(&ipc_lock);
	return copy_to_user(p, &si, sizeof(si)) ? -EFAULT : idx;
}

static long sem_stat(int semid, int cmd, void __user *p,
		     const struct ipc_cred *c)
{
	struct semid64_ds ds;
	struct sem_set *set;
	long rc;

	mutex_lock(&ipc_lock);
	if (cmd == IPC_STAT)
		set = (struct sem_set *)ipc_find_id(&sem_ids, semid);
	else
		set = (struct sem_set *)ipc_find_idx(&sem_ids, semid);
	if (!set) {
		mutex_unlock(&ipc_lock);
		return -EINVAL;
	}
	if (cmd != SEM_STAT_ANY && ipc_perms(&set->perm, IPC_S_IRUGO, c)) {
		mutex_unlock(&ipc_lock);
		return -EACCES;
	}
	kos_memset(&ds, 0, sizeof(ds));
	ipc_fill_perm(&set->perm, &ds.sem_perm);
	ds.sem_otime = set->otime;
	ds.sem_ctime = set->ctime;
	ds.sem_nsems = (uint64_t)set->nsems;
	rc = cmd == IPC_STAT ? 0 : set->perm.id;
	mutex_unlock(&ipc_lock);
	return copy_to_user(p, &ds, sizeof(ds)) ? -EFAULT : rc;
}

static long sem_down(int semid, int cmd, const struct semid64_ds *in,
		     const struct ipc_cred *c)
{
	struct sem_set *set;
	long rc;

	mutex_lock(&ipc_lock);
	set = (struct sem_set *)ipc_find_id(&sem_ids, semid);
	rc = set ? ipc_check_owner(&set->perm, c) : -EINVAL;
	if (!rc) {
		if (cmd == IPC_RMID) {
			sem_free(set);
		} else {
			rc = ipc_update_perm(&set->perm, &in->sem_perm);
			if (!rc)
				set->ctime = ipc_now();
		}
	}
	mutex_unlock(&ipc_lock);
	return rc;
}

/*
 * semctl: arg is the union semun as passed (SETVAL's int in its low
 * half, else a pointer).  Commands as Linux on x86-64 (IPC_64: -EINVAL).
 */
SYSCALL_DEFINE4(semctl, int, semid, int, semnum, __as_hex int, cmd,
		__as_hex unsigned long, arg)
{
	void __user *p = (void __user *)arg;
	struct semid64_ds ds;
	struct ipc_cred c;

	if (semid < 0)
		return -EINVAL;
	ipc_cred_current(&c);
	switch (cmd) {
	case IPC_INFO:
	case SEM_INFO:
		return sem_info(cmd, p);
	case IPC_STAT:
	case SEM_STAT:
	case SEM_STAT_ANY:
		return sem_stat(semid, cmd, p, &c);
	case GETALL:
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT:
	case SETALL:
		return sem_main(semid, semnum, cmd, p, &c);
	case SETVAL:
		return sem_setval(semid, semnum, (int)arg, &c);
	case IPC_SET:
		if (copy_from_user(&ds, p, sizeof(ds)))
			return -EFAULT;
		return sem_down(semid, cmd, &ds, &c);
	case IPC_RMID:
		return sem_down(semid, cmd, NULL, &c);
	default:
		return -EINVAL;
	}
}

void ipc_exit(struct proc *p)
{
	struct ipc_undo_list *ul;
	struct sem_undo *u, *un;

	mutex_lock(&ipc_lock);
	ul = p->sysvsem;
	p->sysvsem = NULL;
	if (!ul) {
		mutex_unlock(&ipc_lock);
		return;
	}
	list_for_each_entry_safe (u, un, &ul->undos, proc_link) {
		struct sem_set *set = u->set;

		if (set) {
			for (int i = 0; i < set->nsems; i++) {
				struct sem *s = &set->sems[i];

				if (!u->adj[i])
					continue;
				s->val += u->adj[i];
				if (s->val < 0)
					s->val = 0;
				if (s->val > IPC_SEMVMX)
					s->val = IPC_SEMVMX;
				s->pid = p->pid;
			}
			list_del(&u->set_link);
			set->otime = ipc_now();
			update_queue(set);
		}
		list_del(&u->proc_link);
		kfree(u);
	}
	mutex_unlock(&ipc_lock);
	kfree(ul);
}

void ipc_sem_reset(void)
{
	mutex_lock(&ipc_lock);
	for (int i = sem_ids.max_idx; i >= 0; i--) {
		struct sem_set *set =
			(struct sem_set *)ipc_find_idx(&sem_ids, i);

		if (set && list_empty(&set->pending))
			sem_free(set);
	}
	if (!sem_ids.in_use) {
		sem_ids.seq = 0;
		sem_ids.next = 0;
		sem_ids.last_idx = -1;
	}
	mutex_unlock(&ipc_lock);
}
