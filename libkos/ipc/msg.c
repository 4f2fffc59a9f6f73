/*
 * System V message queues: msgget(2), msgsnd(2), msgrcv(2), msgctl(2).
 *
 * A queue is a FIFO list of typed messages with a byte limit (msg_qbytes,
 * MSGMNB by default), plus the receivers and senders asleep on it.  As
 * in Linux, a send hands its message straight to the first sleeping
 * receiver that wants it (a receiver whose buffer is too small, without
 * MSG_NOERROR, gets E2BIG instead and the next one is tried), so a
 * message never sits in the queue while someone waits for it; a receive
 * that makes room wakes the senders whose messages now fit, in order.
 * IPC_RMID wakes everyone with EIDRM; IPC_SET wakes receivers (they look
 * again, permissions may have changed) and senders (the limit may have
 * grown).  A signal interrupts a sleeping call with EINTR if a handler
 * runs (Linux's ERESTARTNOHAND: restarted only if none does).
 *
 * Locking: ipc_lock guards the table, the queues, their messages and
 * their sleepers.  Sleepers live on their callers' stacks; whoever takes
 * one off a queue sets its done flag under ipc_lock, after which the
 * queue may be gone (the sleeper then only reads its own status).
 */
#include <kos/kmalloc.h>
#include <kos/proc.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <uapi/capability.h>
#include <uapi/errno.h>

#include "internal.h"

struct msg_msg {
	struct list_head link; /* on queue->messages */
	long type;
	size_t len;
	char text[];
};

struct msg_queue {
	struct ipc_obj perm;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int lspid, lrpid;
	struct list_head messages;  /* struct msg_msg, oldest first */
	struct list_head receivers; /* struct msg_receiver, FIFO */
	struct list_head senders;   /* struct msg_sender, FIFO */
};

/* How msgrcv picks a message (Linux's SEARCH_*). */
enum {
	SEARCH_ANY,
	SEARCH_EQUAL,
	SEARCH_NOTEQUAL,
	SEARCH_LESSEQUAL,
	SEARCH_NUMBER
};

struct msg_receiver {
	struct list_head link;
	long type;
	int mode;
	size_t maxsize;
	int pid;
	struct msg_msg *msg; /* handed over (status 0) */
	int status;	     /* 0, -E2BIG, -EIDRM, -EAGAIN (look again) */
	bool done;
	struct waitq wq;
};

struct msg_sender {
	struct list_head link;
	size_t len;
	int status; /* 0 (try again) or -EIDRM */
	bool done;
	struct waitq wq;
};

static struct ipc_ids msg_ids = IPC_IDS_INIT(IPC_MSGMNI);
static uint64_t msg_hdrs, msg_bytes; /* ipc_lock: in all queues */

static long msq_create(int32_t key, int flg, unsigned long unused,
		       const struct ipc_cred *c)
{
	struct msg_queue *q = kzalloc(sizeof(*q));
	long id;

	if (!q)
		return -ENOMEM;
	q->qbytes = IPC_MSGMNB;
	q->ctime = ipc_now();
	list_init(&q->messages);
	list_init(&q->receivers);
	list_init(&q->senders);
	id = ipc_add(&msg_ids, &q->perm, key, flg, c);
	if (id < 0)
		kfree(q);
	return id;
}

/* msgget: the queue of key, or a new one. */
SYSCALL_DEFINE2(msgget, int, key, __as_hex int, msgflg)
{
	struct ipc_cred c;
	long r;

	ipc_cred_current(&c);
	mutex_lock(&ipc_lock);
	r = ipc_get(&msg_ids, key, msgflg, 0, msq_create, NULL, &c);
	mutex_unlock(&ipc_lock);
	return r;
}

static bool fits(const struct msg_queue *q, size_t len)
{
	return len + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes;
}

static bool test_msg(const struct msg_msg *m, long type, int mode)
{
	switch (mode) {
	case SEARCH_ANY:
	case SEARCH_NUMBER:
		return true;
	case SEARCH_LESSEQUAL:
		return m->type <= type;
	case SEARCH_EQUAL:
		return m->type == type;
	default: /* SEARCH_NOTEQUAL */
		return m->type != type;
	}
}

/* Wake the senders whose messages fit now, in order (Linux's ss_wakeup). */
static void wake_senders(struct msg_queue *q)
{
	struct msg_sender *s, *n, *stop = NULL;

	list_for_each_entry_safe (s, n, &q->senders, link) {
		if (s == stop)
			break;
		if (!fits(q, s->len)) {
			if (!stop)
				stop = s;
			list_del(&s->link);
			list_add_tail(&s->link, &q->senders);
			continue;
		}
		list_del(&s->link);
		s->status = 0;
		s->done = true;
		waitq_wake_all(&s->wq);
	}
}

/* Take every receiver off q with status (-EIDRM, -EAGAIN). */
static void expunge_receivers(struct msg_queue *q, int status)
{
	struct msg_receiver *r, *n;

	list_for_each_entry_safe (r, n, &q->receivers, link) {
		list_del(&r->link);
		r->status = status;
		r->done = true;
		waitq_wake_all(&r->wq);
	}
}

/* Hand m to a sleeping receiver that wants it; true if one took it. */
static bool pipelined_send(struct msg_queue *q, struct msg_msg *m)
{
	struct msg_receiver *r, *n;

	list_for_each_entry_safe (r, n, &q->receivers, link) {
		if (!test_msg(m, r->type, r->mode))
			continue;
		list_del(&r->link);
		r->done = true;
		if (r->maxsize < m->len) {
			r->status = -E2BIG;
			waitq_wake_all(&r->wq);
			continue;
		}
		q->lrpid = r->pid;
		q->rtime = ipc_now();
		r->status = 0;
		r->msg = m;
		waitq_wake_all(&r->wq);
		return true;
	}
	return false;
}

/*
 * msgsnd: append (mtype, msgsz bytes of mtext) to msqid, waiting for
 * room unless IPC_NOWAIT.  Errors in Linux's order: mtype unreadable
 * (EFAULT), msgsz or msqid (EINVAL), mtype < 1 (EINVAL), mtext (EFAULT),
 * no such queue (EINVAL), permission (EACCES), EAGAIN, EIDRM, EINTR.
 */
SYSCALL_DEFINE4(msgsnd, int, msqid, const void __user *, msgp, __as_hex size_t,
		msgsz, __as_hex int, msgflg)
{
	struct msg_queue *q;
	struct msg_sender s;
	struct msg_msg *m;
	struct ipc_cred c;
	long type, rc;

	if (copy_from_user(&type, msgp, sizeof(type)))
		return -EFAULT;
	if (msgsz > IPC_MSGMAX || (long)msgsz < 0 || msqid < 0)
		return -EINVAL;
	if (type < 1)
		return -EINVAL;
	m = kmalloc(sizeof(*m) + msgsz);
	if (!m)
		return -ENOMEM;
	m->type = type;
	m->len = msgsz;
	if (copy_from_user(m->text, (const char __user *)msgp + sizeof(long),
			   msgsz)) {
		kfree(m);
		return -EFAULT;
	}
	ipc_cred_current(&c);
	mutex_lock(&ipc_lock);
	q = (struct msg_queue *)ipc_find_id(&msg_ids, msqid);
	if (!q) {
		rc = -EINVAL;
		goto out;
	}
	for (;;) {
		if (ipc_perms(&q->perm, IPC_S_IWUGO, &c)) {
			rc = -EACCES;
			goto out;
		}
		if (fits(q, msgsz))
			break;
		if (msgflg & IPC_NOWAIT) {
			rc = -EAGAIN;
			goto out;
		}
		kos_memset(&s, 0, sizeof(s));
		s.len = msgsz;
		waitq_init(&s.wq);
		list_add_tail(&s.link, &q->senders);
		ipc_wait(&s.wq, &s.done, UINT64_MAX);
		if (!s.done)
			list_del(&s.link);
		else if (s.status) {
			rc = s.status; /* the queue is gone */
			goto out;
		}
		if (sig_pending()) {
			rc = -ERESTARTNOHAND;
			goto out;
		}
	}
	q->lspid = c.pid;
	q->stime = ipc_now();
	if (!pipelined_send(q, m)) {
		list_add_tail(&m->link, &q->messages);
		q->cbytes += msgsz;
		q->qnum++;
		msg_bytes += msgsz;
		msg_hdrs++;
	}
	m = NULL;
	rc = 0;
out:
	mutex_unlock(&ipc_lock);
	kfree(m);
	return rc;
}

/* Linux's find_msg(): the message msgrcv takes, or NULL. */
static struct msg_msg *find_msg(struct msg_queue *q, long *type, int mode)
{
	struct msg_msg *m, *found = NULL;
	long count = 0;

	list_for_each_entry (m, &q->messages, link) {
		if (!test_msg(m, *type, mode))
			continue;
		if (mode == SEARCH_LESSEQUAL && m->type != 1) {
			*type = m->type - 1;
			found = m;
		} else if (mode == SEARCH_NUMBER) {
			if (*type == count)
				return m;
		} else {
			return m;
		}
		count++;
	}
	return found;
}

/* Copy m out as msgrcv does: mtype, then up to bufsz bytes of text. */
static long fill_user(void __user *msgp, const struct msg_msg *m, size_t bufsz)
{
	size_t n = MIN(bufsz, m->len);

	if (copy_to_user(msgp, &m->type, sizeof(m->type)))
		return -EFAULT;
	if (copy_to_user((char __user *)msgp + sizeof(long), m->text, n))
		return -EFAULT;
	return (long)n;
}

/*
 * msgrcv: take a message of msqid -- the first (msgtyp 0), the first of
 * type msgtyp (> 0; with MSG_EXCEPT the first of another type), the
 * first of the lowest type <= |msgtyp| (< 0), or with MSG_COPY a copy of
 * the msgtyp-th -- waiting for one unless IPC_NOWAIT (ENOMSG).  A longer
 * message is E2BIG unless MSG_NOERROR cuts it.  The text's length.
 */
SYSCALL_DEFINE5(msgrcv, int, msqid, void __user *, msgp, __as_hex size_t, msgsz,
		long, msgtyp, __as_hex int, msgflg)
{
	struct msg_msg *m = NULL, *copy = NULL;
	struct msg_receiver r;
	struct msg_queue *q;
	struct ipc_cred c;
	int mode;
	long rc;

	if (msqid < 0 || (long)msgsz < 0)
		return -EINVAL;
	if (msgflg & MSG_COPY) {
		if ((msgflg & MSG_EXCEPT) || !(msgflg & IPC_NOWAIT))
			return -EINVAL;
		mode = SEARCH_NUMBER;
	} else if (!msgtyp) {
		mode = SEARCH_ANY;
	} else if (msgtyp < 0) {
		msgtyp = msgtyp == INT64_MIN ? INT64_MAX : -msgtyp;
		mode = SEARCH_LESSEQUAL;
	} else {
		mode = (msgflg & MSG_EXCEPT) ? SEARCH_NOTEQUAL : SEARCH_EQUAL;
	}
	ipc_cred_current(&c);
	mutex_lock(&ipc_lock);
	q = (struct msg_queue *)ipc_find_id(&msg_ids, msqid);
	if (!q) {
		rc = -EINVAL;
		goto out;
	}
	for (;;) {
		long type = msgtyp;

		if (ipc_perms(&q->perm, IPC_S_IRUGO, &c)) {
			rc = -EACCES;
			goto out;
		}
		m = find_msg(q, &type, mode);
		if (m) {
			if (msgsz < m->len && !(msgflg & MSG_NOERROR)) {
				rc = -E2BIG;
				m = NULL;
				goto out;
			}
			if (msgflg & MSG_COPY) {
				if (m->len > MIN(msgsz, (size_t)IPC_MSGMAX)) {
					rc = -EINVAL;
					m = NULL;
					goto out;
				}
				copy = kmalloc(sizeof(*m) + m->len);
				if (!copy) {
					rc = -ENOMEM;
					m = NULL;
					goto out;
				}
				kos_memcpy(copy, m, sizeof(*m) + m->len);
				m = copy;
				break;
			}
			list_del(&m->link);
			q->qnum--;
			q->cbytes -= m->len;
			q->rtime = ipc_now();
			q->lrpid = c.pid;
			msg_bytes -= m->len;
			msg_hdrs--;
			wake_senders(q);
			break;
		}
		if (msgflg & IPC_NOWAIT) {
			rc = -ENOMSG;
			goto out;
		}
		kos_memset(&r, 0, sizeof(r));
		r.type = msgtyp;
		r.mode = mode;
		r.maxsize = (msgflg & MSG_NOERROR) ? (size_t)INT32_MAX : msgsz;
		r.pid = c.pid;
		waitq_init(&r.wq);
		list_add_tail(&r.link, &q->receivers);
		ipc_wait(&r.wq, &r.done, UINT64_MAX);
		if (r.done && r.status != -EAGAIN) {
			rc = r.status;
			m = r.msg;
			if (rc)
				goto out; /* the queue may be gone */
			break;
		}
		if (!r.done)
			list_del(&r.link);
		if (sig_pending()) {
			rc = -ERESTARTNOHAND;
			goto out;
		}
	}
	mutex_unlock(&ipc_lock);
	rc = fill_user(msgp, m, msgsz);
	kfree(m);
	return rc;
out:
	mutex_unlock(&ipc_lock);
	return rc;
}

static long msq_info(int cmd, void __user *buf)
{
	struct msginfo mi;
	long idx;

	kos_memset(&mi, 0, sizeof(mi));
	mi.msgmni = IPC_MSGMNI;
	mi.msgmax = IPC_MSGMAX;
	mi.msgmnb = IPC_MSGMNB;
	mi.msgssz = IPC_MSGSSZ;
	mi.msgseg = IPC_MSGSEG;
	mutex_lock(&ipc_lock);
	if (cmd == MSG_INFO) {
		mi.msgpool = msg_ids.in_use;
		mi.msgmap = (int)MIN(msg_hdrs, (uint64_t)INT32_MAX);
		mi.msgtql = (int)MIN(msg_bytes, (uint64_t)INT32_MAX);
	} else {
		mi.msgmap = IPC_MSGMAP;
		mi.msgpool = IPC_MSGPOOL;
		mi.msgtql = IPC_MSGTQL;
	}
	idx = ipc_info_idx(&msg_ids);
	mutex_unlock(&ipc_lock);
	return copy_to_user(buf, &mi, sizeof(mi)) ? -EFAULT : idx;
}

static long msq_stat(int msqid, int cmd, void __user *buf,
		     const struct ipc_cred *c)
{
	struct msqid64_ds ds;
	struct msg_queue *q;
	long rc;

	mutex_lock(&ipc_lock);
	if (cmd == IPC_STAT)
		q = (struct msg_queue *)ipc_find_id(&msg_ids, msqid);
	else
		q = (struct msg_queue *)ipc_find_idx(&msg_ids, msqid);
	if (!q) {
		mutex_unlock(&ipc_lock);
		return -EINVAL;
	}
	if (cmd != MSG_STAT_ANY && ipc_perms(&q->perm, IPC_S_IRUGO, c)) {
		mutex_unlock(&ipc_lock);
		return -EACCES;
	}
	kos_memset(&ds, 0, sizeof(ds));
	ipc_fill_perm(&q->perm, &ds.msg_perm);
	ds.msg_stime = q->stime;
	ds.msg_rtime = q->rtime;
	ds.msg_ctime = q->ctime;
	ds.msg_cbytes = q->cbytes;
	ds.msg_qnum = q->qnum;
	ds.msg_qbytes = q->qbytes;
	ds.msg_lspid = q->lspid;
	ds.msg_lrpid = q->lrpid;
	rc = cmd == IPC_STAT ? 0 : q->perm.id;
	mutex_unlock(&ipc_lock);
	return copy_to_user(buf, &ds, sizeof(ds)) ? -EFAULT : rc;
}

/* Free q, waking everyone asleep on it with EIDRM.  ipc_lock held. */
static void msq_free(struct msg_queue *q)
{
	struct msg_sender *s, *sn;
	struct msg_msg *m, *mn;

	expunge_receivers(q, -EIDRM);
	list_for_each_entry_safe (s, sn, &q->senders, link) {
		list_del(&s->link);
		s->status = -EIDRM;
		s->done = true;
		waitq_wake_all(&s->wq);
	}
	list_for_each_entry_safe (m, mn, &q->messages, link) {
		msg_bytes -= m->len;
		msg_hdrs--;
		kfree(m);
	}
	ipc_remove(&msg_ids, &q->perm);
	kfree(q);
}

static long msq_down(int msqid, int cmd, const struct msqid64_ds *in,
		     const struct ipc_cred *c)
{
	struct msg_queue *q;
	long rc;

	mutex_lock(&ipc_lock);
	q = (struct msg_queue *)ipc_find_id(&msg_ids, msqid);
	rc = q ? ipc_check_owner(&q->perm, c) : -EINVAL;
	if (rc)
		goto out;
	if (cmd == IPC_RMID) {
		msq_free(q);
		goto out;
	}
	if (in->msg_qbytes > IPC_MSGMNB &&
	    !vfs_capable(&c->vc, CAP_SYS_RESOURCE)) {
		rc = -EPERM;
		goto out;
	}
	rc = ipc_update_perm(&q->perm, &in->msg_perm);
	if (rc)
		goto out;
	q->qbytes = in->msg_qbytes;
	q->ctime = ipc_now();
	expunge_receivers(q, -EAGAIN);
	wake_senders(q);
out:
	mutex_unlock(&ipc_lock);
	return rc;
}

/* msgctl: cmd as Linux has it on x86-64 (IPC_64: -EINVAL). */
SYSCALL_DEFINE3(msgctl, int, msqid, __as_hex int, cmd, void __user *, buf)
{
	struct msqid64_ds ds;
	struct ipc_cred c;

	if (msqid < 0 || cmd < 0)
		return -EINVAL;
	ipc_cred_current(&c);
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO:
		return msq_info(cmd, buf);
	case IPC_STAT:
	case MSG_STAT:
	case MSG_STAT_ANY:
		return msq_stat(msqid, cmd, buf, &c);
	case IPC_SET:
		if (copy_from_user(&ds, buf, sizeof(ds)))
			return -EFAULT;
		return msq_down(msqid, cmd, &ds, &c);
	case IPC_RMID:
		return msq_down(msqid, cmd, NULL, &c);
	default:
		return -EINVAL;
	}
}

void ipc_msg_reset(void)
{
	mutex_lock(&ipc_lock);
	for (int i = msg_ids.max_idx; i >= 0; i--) {
		struct msg_queue *q =
			(struct msg_queue *)ipc_find_idx(&msg_ids, i);

		if (q && list_empty(&q->receivers) && list_empty(&q->senders))
			msq_free(q);
	}
	if (!msg_ids.in_use) {
		msg_ids.seq = 0;
		msg_ids.next = 0;
		msg_ids.last_idx = -1;
	}
	mutex_unlock(&ipc_lock);
}
