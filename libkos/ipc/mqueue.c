/*
 * POSIX message queues (mq_overview(7)): mq_open, mq_unlink,
 * mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr, and the
 * mqueue file system that shows the queues as files.
 *
 * Layers:
 *   the file system   one instance (KOS has one IPC name space), made at
 *                     the first use: a root directory (mode 1777) whose
 *                     entries are the queues.  mq_open/mq_unlink work on
 *                     it directly; `mount -t mqueue` shows the same
 *                     instance (open(2) with O_CREAT there makes a queue
 *                     with the default attributes, unlink(2) removes
 *                     one, reading a queue gives Linux's
 *                     "QSIZE:... NOTIFY:... SIGNO:... NOTIFY_PID:..."
 *                     line).  Its regular files open with mq_fops (the
 *                     superblock's reg_fops), so an fd from open(2) is a
 *                     message queue descriptor too, as on Linux.
 *   a queue           a vnode (struct mq_node) holding the messages,
 *                     highest priority first and FIFO within one, the
 *                     sleeping senders and receivers and the
 *                     notification.  As in Linux a send hands its
 *                     message straight to a sleeping receiver, and a
 *                     receive that makes room takes a sleeping sender's
 *                     message into the queue.
 *
 * Limits are Linux's defaults (/proc/sys/fs/mqueue): at most 256 queues
 * without CAP_SYS_RESOURCE, mq_maxmsg 1..10 (65536 with it), mq_msgsize
 * 1..8192 (16 MiB with it), defaults 10 and 8192; each queue charges its
 * creator's real uid Linux's estimate of its memory against
 * RLIMIT_MSGQUEUE (EMFILE past it) until the queue is gone.
 *
 * mq_notify: SIGEV_NONE and SIGEV_SIGNAL (one shot, when a message
 * arrives in an empty queue and no receiver is waiting; si_code
 * SI_MESGQ, the sender's pid and uid).  SIGEV_THREAD needs a netlink
 * socket in sigev_signo, which KOS does not have: the fd is looked at
 * as Linux does (EBADF, then ENOTSOCK for anything that is not a
 * socket).  The registration goes with its process (Linux also drops it
 * when the process closes a descriptor of the queue: KOS has no close
 * hook for that, see docs/ipc.md).
 *
 * Locking: the file system's root vnode's lock guards the directory
 * (its entries and attributes; the VFS holds it around the directory
 * ops, mq_open and mqueue_reset take it themselves, so the name cache is
 * off here: names change behind the VFS);
 * each queue's lock its messages, sleepers, attributes and
 * notification; mq_acct_lock the per-user charges and the queue count.
 * Order: the root's lock, then a queue's lock; mq_acct_lock innermost.
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/ipc.h>
#include <kos/kmalloc.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/capability.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/ipc.h>
#include <uapi/resource.h>
#include <uapi/stat.h>
#include <uapi/time.h>

#include "internal.h"

#define MQ_QUEUES_MAX 256
#define MQ_MSG_MAX 10
#define MQ_MSGSIZE_MAX 8192
#define MQ_HARD_MSGMAX 65536
#define MQ_HARD_MSGSIZEMAX (16 * 1024 * 1024)
#define MQ_MSG_OVERHEAD 48  /* Linux's struct msg_msg on x86-64 */
#define MQ_NODE_OVERHEAD 48 /* and its struct posix_msg_tree_node */
#define MQ_DIRENT_SIZE 20   /* what a directory entry adds to its size */
#define MQ_FILENT_SIZE 80   /* a queue file's size */

struct mq_msg {
	struct list_head link; /* on node->msgs */
	unsigned int prio;
	size_t len;
	char data[];
};

/* A sleeping sender or receiver (on its caller's stack). */
struct mq_waiter {
	struct list_head link;
	struct mq_msg *msg; /* a sender's message; what a receiver got */
	bool done;
	struct waitq wq;
};

struct mq_node {
	struct vnode v;
	struct mutex lock;
	/* The rest: lock. */
	long maxmsg, msgsize, curmsgs;
	uint64_t qsize;		    /* bytes of all messages */
	struct list_head msgs;	    /* struct mq_msg, by priority */
	struct list_head senders;   /* struct mq_waiter, FIFO */
	struct list_head receivers; /* struct mq_waiter, FIFO */
	struct waitq poll_wq;	    /* poll/epoll/select on a descriptor */
	struct proc *notify_owner;  /* referenced; NULL: nobody */
	int notify_how;		    /* SIGEV_NONE or SIGEV_SIGNAL */
	int notify_signo;
	uint64_t notify_value;
	/* Constant: who is charged, how much. */
	uint32_t charged_uid;
	uint64_t charge;
};

struct mq_dirent {
	struct list_head link; /* on mq_entries */
	struct vnode *v;       /* referenced */
	uint64_t cookie;       /* readdir position */
	size_t len;
	char name[];
};

/* Bytes charged to one user (RLIMIT_MSGQUEUE). */
struct mq_user {
	struct list_head link;
	uint32_t uid;
	uint64_t bytes;
};

static struct mutex mq_init_lock = MUTEX_INIT(mq_init_lock, "mqueue.init");
static struct superblock *mq_sb; /* mq_init_lock to create; then constant */
static LIST_HEAD(mq_entries);	 /* mq_sb->root->lock */
static uint64_t mq_next_cookie = 2, mq_next_ino = 2; /* root's lock */

static struct mutex mq_acct_lock = MUTEX_INIT(mq_acct_lock, "mqueue.acct");
static LIST_HEAD(mq_users); /* mq_acct_lock */
static int mq_count;	    /* mq_acct_lock: queues in existence */

static const struct file_ops mq_fops;
static const struct vnode_ops mq_dir_vops;
/* A queue's own vnode ops: none (its file ops do everything). */
static const struct vnode_ops mq_file_vops;

static struct mq_node *MQ(struct vnode *v)
{
	return (struct mq_node *)v;
}

/* ---- accounting --------------------------------------------------------- */

static struct mq_user *acct_user(uint32_t uid, bool make)
{
	struct mq_user *u;

	list_for_each_entry (u, &mq_users, link)
		if (u->uid == uid)
			return u;
	if (!make)
		return NULL;
	u = kzalloc(sizeof(*u));
	if (u) {
		u->uid = uid;
		list_add(&u->link, &mq_users);
	}
	return u;
}

/*
 * Count one more queue of bytes for uid with limit (RLIMIT_MSGQUEUE),
 * Linux's order: the number of queues (ENOSPC without CAP_SYS_RESOURCE)
 * is checked by the caller first; here EMFILE past the limit.
 */
static int acct_charge(uint32_t uid, uint64_t bytes, uint64_t limit)
{
	struct mq_user *u;
	int err = 0;

	mutex_lock(&mq_acct_lock);
	u = acct_user(uid, true);
	if (!u)
		err = -ENOMEM;
	else if (u->bytes + bytes < u->bytes || u->bytes + bytes > limit)
		err = -EMFILE;
	else
		u->bytes += bytes;
	if (!err)
		mq_count++;
	mutex_unlock(&mq_acct_lock);
	return err;
}

static void acct_uncharge(uint32_t uid, uint64_t bytes)
{
	struct mq_user *u;

	mutex_lock(&mq_acct_lock);
	u = acct_user(uid, false);
	if (u) {
		u->bytes -= bytes;
		if (!u->bytes) {
			list_del(&u->link);
			kfree(u);
		}
	}
	mq_count--;
	mutex_unlock(&mq_acct_lock);
}

/* ---- the file system ------------------------------------------------------ */

static void mq_evict(struct vnode *v)
{
	struct mq_node *q = MQ(v);
	struct mq_msg *m, *n;

	list_for_each_entry_safe (m, n, &q->msgs, link)
		kfree(m);
	if (q->notify_owner)
		proc_put(q->notify_owner);
	acct_uncharge(q->charged_uid, q->charge);
	kfree(q);
}

static const struct super_ops mq_sops = {
	.evict = mq_evict,
};

struct superblock *mqueue_sb(void)
{
	struct superblock *sb;
	struct vnode *root;

	mutex_lock(&mq_init_lock);
	if (mq_sb)
		goto out;
	sb = kzalloc(sizeof(*sb));
	if (!sb)
		goto out;
	vfs_sb_init(sb);
	sb->flags = VFS_SB_NOCACHE | VFS_SB_SINGLE;
	sb->ops = &mq_sops;
	sb->fstype = "mqueue";
	sb->magic = MQUEUE_MAGIC;
	sb->dev = vfs_anon_dev();
	sb->reg_fops = &mq_fops;
	root = vnode_alloc(sb, &mq_dir_vops, sizeof(*root));
	if (!root) {
		kfree(sb);
		goto out;
	}
	root->mode = S_IFDIR | S_ISVTX | 0777;
	root->nlink = 2;
	root->ino = 1;
	root->size = 2 * MQ_DIRENT_SIZE;
	sb->root = root;
	mq_sb = sb;
out:
	mutex_unlock(&mq_init_lock);
	return mq_sb;
}

/* The entry called (name, len), or NULL.  The root's lock held. */
static struct mq_dirent *dir_find(const char *name, size_t len)
{
	struct mq_dirent *e;

	list_for_each_entry (e, &mq_entries, link)
		if (e->len == len && !kos_memcmp(e->name, name, len))
			return e;
	return NULL;
}

static int mq_lookup(struct vnode *dir, const char *name, size_t len,
		     struct vnode **out)
{
	struct mq_dirent *e;

	if (len == 2 && name[0] == '.' && name[1] == '.') {
		vnode_get(dir);
		*out = dir;
		return 0;
	}
	e = dir_find(name, len);
	if (!e)
		return -ENOENT;
	vnode_get(e->v);
	*out = e->v;
	return 0;
}

/* What the calling process may exceed (CAP_SYS_RESOURCE) and charge. */
static bool may_exceed(void)
{
	struct proc *p = proc_current();

	return !p || (p->cred.cap_effective & (1ULL << CAP_SYS_RESOURCE));
}

/*
 * Make the queue (name, len) in the root with mode (permission bits),
 * owned by uid/gid, with attr's sizes (NULL: the defaults).  Linux's
 * mqueue_create_attr() and mqueue_get_inode(): ENOSPC (too many
 * queues), EINVAL (sizes), EOVERFLOW, EMFILE (RLIMIT_MSGQUEUE).
 * *out: a new reference.  The root's lock held.
 */
static int mq_make(struct vnode *dir, const char *name, size_t len,
		   uint32_t mode, uint32_t uid, uint32_t gid,
		   const struct mq_attr *attr, struct vnode **out)
{
	struct proc *p = proc_current();
	long maxmsg = MQ_MSG_MAX, msgsize = MQ_MSGSIZE_MAX;
	bool cap = may_exceed();
	uint64_t bytes, tree, limit = RLIM64_INFINITY;
	uint32_t ruid = p ? p->cred.uid : 0;
	struct mq_dirent *e;
	struct mq_node *q;
	int err;

	if (__atomic_load_n(&mq_count, __ATOMIC_RELAXED) >= MQ_QUEUES_MAX &&
	    !cap)
		return -ENOSPC;
	if (attr) {
		maxmsg = attr->mq_maxmsg;
		msgsize = attr->mq_msgsize;
	}
	if (maxmsg <= 0 || msgsize <= 0)
		return -EINVAL;
	if (cap ? maxmsg > MQ_HARD_MSGMAX || msgsize > MQ_HARD_MSGSIZEMAX
		: maxmsg > MQ_MSG_MAX || msgsize > MQ_MSGSIZE_MAX)
		return -EINVAL;
	if ((uint64_t)msgsize > UINT64_MAX / (uint64_t)maxmsg)
		return -EOVERFLOW;
	bytes = (uint64_t)maxmsg * (uint64_t)msgsize;
	tree = (uint64_t)maxmsg * MQ_MSG_OVERHEAD +
	       (uint64_t)MIN(maxmsg, MQ_PRIO_MAX) * MQ_NODE_OVERHEAD;
	if (bytes + tree < bytes)
		return -EOVERFLOW;
	bytes += tree;
	if (p)
		limit = p->rlim[RLIMIT_MSGQUEUE].rlim_cur;
	e = kzalloc(sizeof(*e) + len + 1);
	q = (struct mq_node *)vnode_alloc(dir->sb, &mq_file_vops, sizeof(*q));
	if (!e || !q) {
		kfree(e);
		kfree(q);
		return -ENOMEM;
	}
	err = acct_charge(ruid, bytes, limit);
	if (err) {
		kfree(e);
		kfree(q);
		return err;
	}
	mutex_init(&q->lock, "mqueue");
	q->maxmsg = maxmsg;
	q->msgsize = msgsize;
	list_init(&q->msgs);
	list_init(&q->senders);
	list_init(&q->receivers);
	waitq_init(&q->poll_wq);
	q->charged_uid = ruid;
	q->charge = bytes;
	q->v.mode = S_IFREG | (mode & 07777);
	q->v.uid = uid;
	q->v.gid = gid;
	q->v.nlink = 1;
	q->v.size = MQ_FILENT_SIZE;
	q->v.ino = mq_next_ino++;
	kos_memcpy(e->name, name, len);
	e->len = len;
	e->v = &q->v; /* the directory's reference: vnode_alloc's */
	e->cookie = mq_next_cookie++;
	list_add_tail(&e->link, &mq_entries);
	dir->size += MQ_DIRENT_SIZE;
	dir->mtime = dir->ctime = vfs_now();
	vnode_get(&q->v);
	*out = &q->v;
	return 0;
}

/* open(2) with O_CREAT in a mount: a queue with the default sizes. */
static int mq_create(struct vnode *dir, const char *name, size_t len,
		     uint32_t mode, uint32_t rdev, uint32_t uid, uint32_t gid,
		     struct vnode **out)
{
	if (!S_ISREG(mode))
		return -EPERM; /* no mkdir, mknod or symlink here */
	if (dir_find(name, len))
		return -EEXIST;
	return mq_make(dir, name, len, mode, uid, gid, NULL, out);
}

static int mq_unlink_op(struct vnode *dir, const char *name, size_t len,
			bool dir_only)
{
	struct mq_dirent *e = dir_find(name, len);

	if (!e)
		return -ENOENT;
	if (dir_only)
		return -ENOTDIR;
	list_del(&e->link);
	dir->size -= MQ_DIRENT_SIZE;
	dir->mtime = dir->ctime = vfs_now();
	e->v->nlink = 0;
	e->v->ctime = dir->ctime;
	vnode_put(e->v);
	kfree(e);
	return 0;
}

static int mq_readdir(struct vnode *dir, uint64_t *pos, vfs_filldir_t fill,
		      void *ctx)
{
	struct mq_dirent *e;

	if (*pos == 0) {
		if (!fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (!fill(ctx, "..", 2, dir->ino, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	list_for_each_entry (e, &mq_entries, link) {
		if (e->cookie < *pos)
			continue;
		if (!fill(ctx, e->name, e->len, e->v->ino, DT_REG,
			  e->cookie + 1))
			return 0;
		*pos = e->cookie + 1;
	}
	return 0;
}

static const struct vnode_ops mq_dir_vops = {
	.lookup = mq_lookup,
	.create = mq_create,
	.unlink = mq_unlink_op,
	.readdir = mq_readdir,
};

/* ---- queue operations (q->lock) ------------------------------------------ */

/* Insert m: after every message of its priority or higher. */
static void msg_insert(struct mq_node *q, struct mq_msg *m)
{
	struct mq_msg *it;

	list_for_each_entry (it, &q->msgs, link) {
		if (it->prio < m->prio) {
			list_add_tail(&m->link, &it->link);
			goto added;
		}
	}
	list_add_tail(&m->link, &q->msgs);
added:
	q->curmsgs++;
	q->qsize += m->len;
}

static struct mq_msg *msg_take(struct mq_node *q)
{
	struct mq_msg *m = list_first_entry(&q->msgs, struct mq_msg, link);

	list_del(&m->link);
	q->curmsgs--;
	q->qsize -= m->len;
	return m;
}

static void waiter_done(struct mq_waiter *w, struct mq_msg *m)
{
	list_del(&w->link);
	w->msg = m;
	w->done = true;
	waitq_wake_all(&w->wq);
}

/* Who sends: for the notification's siginfo. */
struct mq_sender {
	int pid;
	uint32_t uid;
};

/*
 * A message arrived in an empty queue: notify the owner once, if any
 * and still alive (Linux's __do_notify()); then wake pollers.
 */
static void do_notify(struct mq_node *q, const struct mq_sender *s)
{
	struct proc *owner = q->notify_owner;

	if (owner && q->curmsgs == 1) {
		if (q->notify_how == SIGEV_SIGNAL && q->notify_signo &&
		    __atomic_load_n(&owner->state, __ATOMIC_ACQUIRE) ==
			    PROC_LIVE) {
			struct ksiginfo info;

			kos_memset(&info, 0, sizeof(info));
			info.si_signo = q->notify_signo;
			info.si_code = SI_MESGQ;
			info.kill.pid = s->pid;
			info.kill.uid = s->uid;
			info.kill.value = q->notify_value;
			sig_send_proc(owner, q->notify_signo, &info);
		}
		q->notify_owner = NULL;
		proc_put(owner);
	}
	waitq_wake_all(&q->poll_wq);
}

/* Sleep on w with q->lock dropped: 0 once done, -ETIMEDOUT, -EINTR. */
static int mq_sleep(struct mq_node *q, struct mq_waiter *w, uint64_t deadline)
{
	struct waitq_entry e;
	int err = 0;

	for (;;) {
		waitq_prepare(&w->wq, &e);
		if (w->done)
			break;
		if (sig_pending()) {
			sched_current()->user_work = 1;
			err = -EINTR;
			break;
		}
		mutex_unlock(&q->lock);
		err = waitq_sleep(&e, deadline);
		mutex_lock(&q->lock);
		if (err)
			break;
	}
	waitq_finish(&w->wq, &e);
	if (w->done)
		return 0;
	list_del(&w->link);
	return err;
}

/* The owner of a registration, or NULL if there is none (or it died). */
static struct proc *notify_owner(struct mq_node *q)
{
	struct proc *o = q->notify_owner;

	if (o && __atomic_load_n(&o->state, __ATOMIC_ACQUIRE) != PROC_LIVE) {
		q->notify_owner = NULL;
		proc_put(o);
		o = NULL;
	}
	return o;
}

/* ---- the descriptor ------------------------------------------------------- */

static ssize_t mq_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct mq_node *q = MQ(f->vnode);
	struct proc *owner;
	char buf[MQ_FILENT_SIZE];
	size_t len, n;
	int err;

	mutex_lock(&q->lock);
	owner = notify_owner(q);
	kos_snprintf(buf, sizeof(buf),
		     "QSIZE:%-10llu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
		     (unsigned long long)q->qsize, owner ? q->notify_how : 0,
		     owner && q->notify_how == SIGEV_SIGNAL ? q->notify_signo
							    : 0,
		     owner ? owner->pid : 0);
	mutex_unlock(&q->lock);
	len = kos_strlen(buf);
	if (*pos >= len)
		return 0;
	n = MIN(len - (size_t)*pos, u->resid);
	err = uio_copyout(u, buf + *pos, n);
	if (err)
		return err;
	*pos += n;
	f->vnode->atime = f->vnode->ctime = vfs_now();
	return (ssize_t)n;
}

static unsigned int mq_poll(struct file *f, struct poll_table *pt)
{
	struct mq_node *q = MQ(f->vnode);
	unsigned int r = 0;

	poll_wait(pt, &q->poll_wq);
	mutex_lock(&q->lock);
	if (q->curmsgs)
		r |= POLLIN | POLLRDNORM;
	if (q->curmsgs < q->maxmsg)
		r |= POLLOUT | POLLWRNORM;
	mutex_unlock(&q->lock);
	return r;
}

static const struct file_ops mq_fops = {
	.read = mq_read,
	.llseek = file_llseek_generic,
	.poll = mq_poll,
};

/* The queue behind descriptor fd (a reference on the file), or NULL. */
static struct file *mq_file(int fd)
{
	struct file *f = fd_get_file(fd);

	if (f && f->ops != &mq_fops) {
		file_put(f);
		f = NULL;
	}
	return f;
}

/* ---- system calls --------------------------------------------------------- */

/*
 * A queue name from user space as Linux's getname() and
 * lookup_one_len() take it: EFAULT, ENAMETOOLONG (PATH_MAX), ENOENT
 * (empty), EACCES ("." "..", or a '/' in it).  *out is kmalloc'd.
 */
static long get_name(const char __user *u, char **out, size_t *len)
{
	char *name = kmalloc(PATH_MAX);
	long n;

	if (!name)
		return -ENOMEM;
	n = strncpy_from_user(name, u, PATH_MAX);
	if (n < 0 || n == 0) {
		kfree(name);
		return n < 0 ? n : -ENOENT;
	}
	if ((n == 1 && name[0] == '.') ||
	    (n == 2 && name[0] == '.' && name[1] == '.') ||
	    kos_strchr(name, '/')) {
		kfree(name);
		return -EACCES;
	}
	*out = name;
	*len = (size_t)n;
	return 0;
}

/*
 * mq_open(name, oflag, mode, attr): the queue name (no leading '/': the
 * C libraries strip it), made with O_CREAT (mode less the umask; attr's
 * mq_maxmsg and mq_msgsize, or the defaults).  The descriptor is always
 * close-on-exec, as Linux makes it.  Errors in Linux's order: attr
 * (EFAULT), the name, permission to search the root (EACCES), then
 * ENOENT, or for a new queue EACCES and mq_make()'s, for an existing one
 * EEXIST (O_EXCL), EINVAL (access mode 3) and EACCES.
 */
SYSCALL_DEFINE4(mq_open, const char __user *, uname, __as_hex int, oflag,
		__as_oct umode_t, mode, struct mq_attr __user *, uattr)
{
	static const int acc_mask[3] = { MAY_READ, MAY_WRITE,
					 MAY_READ | MAY_WRITE };
	struct superblock *sb = mqueue_sb();
	struct mq_attr attr;
	struct vfs_cred cred;
	struct mq_dirent *e;
	struct vnode *v = NULL;
	struct proc *p = proc_current();
	struct file *f;
	char *name;
	size_t len;
	long err;
	int fd;

	if (uattr && copy_from_user(&attr, uattr, sizeof(attr)))
		return -EFAULT;
	err = get_name(uname, &name, &len);
	if (err)
		return err;
	if (!sb) {
		kfree(name);
		return -ENOMEM;
	}
	proc_vfs_cred(p, &cred, false);
	mutex_lock(&sb->root->lock);
	err = vfs_permission(sb->root, MAY_EXEC, &cred);
	if (err)
		goto out_unlock;
	if (len > NAME_MAX) {
		err = -ENAMETOOLONG;
		goto out_unlock;
	}
	e = dir_find(name, len);
	if (!e) {
		uint32_t umask = 022;

		if (!(oflag & O_CREAT)) {
			err = -ENOENT;
			goto out_unlock;
		}
		err = vfs_permission(sb->root, MAY_WRITE | MAY_EXEC, &cred);
		if (err)
			goto out_unlock;
		if (p) {
			mutex_lock(&uthread_current()->fs->lock);
			umask = uthread_current()->fs->umask;
			mutex_unlock(&uthread_current()->fs->lock);
		}
		err = mq_make(sb->root, name, len, mode & ~umask & 07777,
			      cred.uid, cred.gid, uattr ? &attr : NULL, &v);
		if (err)
			goto out_unlock;
	} else {
		if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
			err = -EEXIST;
			goto out_unlock;
		}
		if ((oflag & O_ACCMODE) == O_ACCMODE) {
			err = -EINVAL;
			goto out_unlock;
		}
		err = vfs_permission(e->v, acc_mask[oflag & O_ACCMODE], &cred);
		if (err)
			goto out_unlock;
		v = e->v;
		vnode_get(v);
	}
	mutex_unlock(&sb->root->lock);
	kfree(name);
	f = file_alloc(v, &mq_fops,
		       (unsigned int)oflag & ~(O_CREAT | O_EXCL | O_NOCTTY |
					       O_TRUNC | O_CLOEXEC));
	vnode_put(v);
	if (!f)
		return -ENOMEM;
	f->fmode |= FMODE_LSEEK | FMODE_PREAD;
	fd = fd_install(f, true);
	if (fd < 0)
		file_put(f);
	return fd;

out_unlock:
	mutex_unlock(&sb->root->lock);
	kfree(name);
	return err;
}

/* mq_unlink(name): remove the name; the queue lives while open. */
SYSCALL_DEFINE1(mq_unlink, const char __user *, uname)
{
	struct superblock *sb = mqueue_sb();
	struct vfs_cred cred;
	char *name;
	size_t len;
	long err;

	err = get_name(uname, &name, &len);
	if (err)
		return err;
	if (!sb) {
		kfree(name);
		return -ENOMEM;
	}
	proc_vfs_cred(proc_current(), &cred, false);
	err = vfs_unlinkat(sb->root, name, false, &cred);
	kfree(name);
	return err;
}

/*
 * An absolute CLOCK_REALTIME timeout as a monotonic deadline (NULL:
 * none).  EFAULT, EINVAL (a negative or unnormalised value).
 */
static int get_deadline(const struct timespec __user *uts, uint64_t *deadline)
{
	struct timespec ts;
	uint64_t ns, now_rt;

	*deadline = UINT64_MAX;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
	    ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	now_rt = clock_realtime_ns();
	*deadline = clock_monotonic_ns() + (ns > now_rt ? ns - now_rt : 0);
	return 0;
}

/*
 * mq_timedsend: queue msg_len bytes at priority prio, waiting for room
 * until the absolute CLOCK_REALTIME timeout unless O_NONBLOCK.  Errors
 * in Linux's order: the timeout (EFAULT, EINVAL), prio (EINVAL), the
 * descriptor (EBADF: not a queue, not open for writing), EMSGSIZE, the
 * message (EFAULT), EAGAIN, ETIMEDOUT, EINTR (restarted with SA_RESTART).
 */
SYSCALL_DEFINE5(mq_timedsend, int, mqdes, const char __user *, umsg, size_t,
		msg_len, unsigned int, msg_prio, const struct timespec __user *,
		abs_timeout)
{
	struct proc *p = proc_current();
	struct mq_sender s = { p ? p->pid : 0, p ? p->cred.uid : 0 };
	struct mq_waiter w, *r;
	uint64_t deadline;
	struct mq_node *q;
	struct mq_msg *m;
	struct file *f;
	long err;

	err = get_deadline(abs_timeout, &deadline);
	if (err)
		return err;
	if (msg_prio >= MQ_PRIO_MAX)
		return -EINVAL;
	f = mq_file(mqdes);
	if (!f)
		return -EBADF;
	if (!(f->fmode & FMODE_WRITE)) {
		err = -EBADF;
		goto out;
	}
	q = MQ(f->vnode);
	if (msg_len > (size_t)q->msgsize) {
		err = -EMSGSIZE;
		goto out;
	}
	m = kmalloc(sizeof(*m) + msg_len);
	if (!m) {
		err = -ENOMEM;
		goto out;
	}
	m->prio = msg_prio;
	m->len = msg_len;
	if (copy_from_user(m->data, umsg, msg_len)) {
		kfree(m);
		err = -EFAULT;
		goto out;
	}
	mutex_lock(&q->lock);
	if (q->curmsgs == q->maxmsg) {
		if (f->flags & O_NONBLOCK) {
			err = -EAGAIN;
		} else {
			kos_memset(&w, 0, sizeof(w));
			w.msg = m;
			waitq_init(&w.wq);
			list_add_tail(&w.link, &q->senders);
			err = mq_sleep(q, &w, deadline);
			if (err == -EINTR)
				err = -ERESTARTSYS;
			if (!err)
				m = NULL; /* a receiver queued it */
		}
	} else {
		if (!list_empty(&q->receivers)) {
			r = list_first_entry(&q->receivers, struct mq_waiter,
					     link);
			waiter_done(r, m);
		} else {
			msg_insert(q, m);
			do_notify(q, &s);
		}
		m = NULL;
		f->vnode->atime = f->vnode->mtime = f->vnode->ctime = vfs_now();
	}
	mutex_unlock(&q->lock);
	kfree(m);
out:
	file_put(f);
	return err;
}

/*
 * mq_timedreceive: take the oldest message of the highest priority
 * into umsg (msg_len at least mq_msgsize: EMSGSIZE), its priority into
 * *uprio; wait as mq_timedsend does.  The message's length.  A bad
 * buffer is EFAULT and the message is lost, as on Linux.
 */
SYSCALL_DEFINE5(mq_timedreceive, int, mqdes, char __user *, umsg, size_t,
		msg_len, unsigned int __user *, uprio,
		const struct timespec __user *, abs_timeout)
{
	struct mq_msg *m = NULL;
	struct mq_waiter w, *s;
	uint64_t deadline;
	struct mq_node *q;
	struct file *f;
	long err;

	err = get_deadline(abs_timeout, &deadline);
	if (err)
		return err;
	f = mq_file(mqdes);
	if (!f)
		return -EBADF;
	if (!(f->fmode & FMODE_READ)) {
		err = -EBADF;
		goto out;
	}
	q = MQ(f->vnode);
	if (msg_len < (size_t)q->msgsize) {
		err = -EMSGSIZE;
		goto out;
	}
	mutex_lock(&q->lock);
	if (!q->curmsgs) {
		if (f->flags & O_NONBLOCK) {
			err = -EAGAIN;
		} else {
			kos_memset(&w, 0, sizeof(w));
			waitq_init(&w.wq);
			list_add_tail(&w.link, &q->receivers);
			err = mq_sleep(q, &w, deadline);
			if (err == -EINTR)
				err = -ERESTARTSYS;
			m = w.msg;
		}
	} else {
		m = msg_take(q);
		f->vnode->atime = f->vnode->mtime = f->vnode->ctime = vfs_now();
		/* Room now: a sleeping sender's message goes in. */
		if (!list_empty(&q->senders)) {
			s = list_first_entry(&q->senders, struct mq_waiter,
					     link);
			msg_insert(q, s->msg);
			waiter_done(s, NULL);
		} else {
			waitq_wake_all(&q->poll_wq);
		}
	}
	mutex_unlock(&q->lock);
	if (m) {
		err = (long)m->len;
		if ((uprio && copy_to_user(uprio, &m->prio, sizeof(m->prio))) ||
		    copy_to_user(umsg, m->data, m->len))
			err = -EFAULT;
		kfree(m);
	}
out:
	file_put(f);
	return err;
}

/*
 * SIGEV_THREAD: Linux takes a 32-byte cookie from sigev_value and a
 * netlink socket from sigev_signo.  KOS has no netlink sockets, so this
 * ends where Linux would for any descriptor that is not one.
 */
static long notify_thread(const struct ksigevent *ev)
{
	char cookie[32];
	struct file *f;

	if (copy_from_user(cookie, (const void __user *)ev->sigev_value,
			   sizeof(cookie)))
		return -EFAULT;
	f = fd_get_file(ev->sigev_signo);
	if (!f)
		return -EBADF;
	file_put(f);
	return -ENOTSOCK;
}

/*
 * mq_notify(mqdes, sevp): register the calling process for one
 * notification (SIGEV_SIGNAL, SIGEV_NONE), or with sevp NULL drop its
 * registration.  EINVAL (notify type, signal number), EBADF, EBUSY (some
 * other live process is registered).
 */
SYSCALL_DEFINE2(mq_notify, int, mqdes, const struct ksigevent __user *, usev)
{
	struct proc *p = proc_current();
	struct ksigevent ev;
	struct mq_node *q;
	struct proc *owner;
	struct file *f;
	long err = 0;

	if (usev) {
		if (copy_from_user(&ev, usev, sizeof(ev)))
			return -EFAULT;
		if (ev.sigev_notify != SIGEV_NONE &&
		    ev.sigev_notify != SIGEV_SIGNAL &&
		    ev.sigev_notify != SIGEV_THREAD)
			return -EINVAL;
		if (ev.sigev_notify == SIGEV_SIGNAL &&
		    (ev.sigev_signo < 0 || ev.sigev_signo > _NSIG))
			return -EINVAL;
		if (ev.sigev_notify == SIGEV_THREAD)
			return notify_thread(&ev);
	}
	f = mq_file(mqdes);
	if (!f)
		return -EBADF;
	if (!p) {
		file_put(f);
		return -EINVAL;
	}
	q = MQ(f->vnode);
	mutex_lock(&q->lock);
	owner = notify_owner(q);
	if (!usev) {
		if (owner == p) {
			q->notify_owner = NULL;
			proc_put(p);
		}
	} else if (owner) {
		err = -EBUSY;
	} else {
		q->notify_how = ev.sigev_notify;
		q->notify_signo =
			ev.sigev_notify == SIGEV_SIGNAL ? ev.sigev_signo : 0;
		q->notify_value = ev.sigev_value;
		proc_get(p);
		q->notify_owner = p;
	}
	if (!err)
		f->vnode->atime = f->vnode->ctime = vfs_now();
	mutex_unlock(&q->lock);
	file_put(f);
	return err;
}

/*
 * mq_getsetattr(mqdes, new, old): the attributes (mq_flags is the
 * descriptor's O_NONBLOCK) and, with new, set O_NONBLOCK (the only flag:
 * EINVAL for others).
 */
SYSCALL_DEFINE3(mq_getsetattr, int, mqdes, const struct mq_attr __user *, unew,
		struct mq_attr __user *, uold)
{
	struct mq_attr nattr, oattr;
	struct mq_node *q;
	struct file *f;

	if (unew && copy_from_user(&nattr, unew, sizeof(nattr)))
		return -EFAULT;
	if (unew && (nattr.mq_flags & ~(int64_t)O_NONBLOCK))
		return -EINVAL;
	f = mq_file(mqdes);
	if (!f)
		return -EBADF;
	q = MQ(f->vnode);
	mutex_lock(&q->lock);
	kos_memset(&oattr, 0, sizeof(oattr));
	oattr.mq_flags = f->flags & O_NONBLOCK;
	oattr.mq_maxmsg = q->maxmsg;
	oattr.mq_msgsize = q->msgsize;
	oattr.mq_curmsgs = q->curmsgs;
	if (unew) {
		if (nattr.mq_flags & O_NONBLOCK)
			__atomic_or_fetch(&f->flags, O_NONBLOCK,
					  __ATOMIC_RELAXED);
		else
			__atomic_and_fetch(&f->flags, ~(unsigned int)O_NONBLOCK,
					   __ATOMIC_RELAXED);
		f->vnode->atime = f->vnode->ctime = vfs_now();
	}
	mutex_unlock(&q->lock);
	file_put(f);
	if (uold && copy_to_user(uold, &oattr, sizeof(oattr)))
		return -EFAULT;
	return 0;
}

void mqueue_reset(void)
{
	struct mq_dirent *e, *n;

	if (!mq_sb)
		return;
	mutex_lock(&mq_sb->root->lock);
	list_for_each_entry_safe (e, n, &mq_entries, link) {
		list_del(&e->link);
		mq_sb->root->size -= MQ_DIRENT_SIZE;
		e->v->nlink = 0;
		vnode_put(e->v);
		kfree(e);
	}
	mutex_unlock(&mq_sb->root->lock);
}
