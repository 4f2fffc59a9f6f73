/*
 * AF_UNIX sockets: SOCK_STREAM, SOCK_DGRAM (SOCK_RAW is SOCK_DGRAM, as
 * on Linux) and SOCK_SEQPACKET, with path and abstract names, fd passing
 * and credentials.
 *
 * Messages.  Every send makes one or more struct unix_skb (data copied
 * in, the sender's name and credentials, the files of SCM_RIGHTS) and
 * appends them to the receiver's queue (rq).  A stream reads across skbs
 * (stopping after one that carried files, as Linux); a datagram or
 * seqpacket read takes one skb and drops what does not fit (MSG_TRUNC).
 * Each skb is charged to its sender (wmem: data plus UNIX_SKB_COST) until
 * it is read or dropped: a stream or seqpacket sender blocks while its
 * wmem is at least its sndbuf, and is writable for poll when wmem * 4 <=
 * sndbuf (Linux's unix_writable).  A datagram receiver that is nobody's
 * connected peer also refuses more than UNIX_DGRAM_QLEN queued skbs
 * (net.unix.max_dgram_qlen: the sender waits or gets -EAGAIN).
 *
 * Connections.  connect() on a stream/seqpacket socket makes the server
 * side at once (an "embryo", already connected to the client, as Linux
 * does) and queues it on the listener's accept queue; accept() hands it
 * out.  Data sent before the accept waits in the embryo's queue.  A
 * closed end marks its peer shut down both ways (POLLHUP, EOF) and, if
 * it left unread data or was never accepted, gives the peer ECONNRESET.
 *
 * Names.  A path name is an S_IFSOCK node made through the VFS
 * (vfs_mknodat: EADDRINUSE if the name exists) whose vnode the socket
 * keeps referenced; connect and sendto look the path up, need write
 * permission on it, and find the socket by (superblock, inode).  An
 * abstract name (sun_path[0] == 0) lives only in the list of bound
 * sockets, one name space per socket type (a stream socket cannot reach
 * a datagram one by it: ECONNREFUSED, where a path gives EPROTOTYPE).  Autobind gives an unbound socket an abstract name of five hex
 * digits (bind with only the family, or SO_PASSCRED before connect or
 * send).
 *
 * Files in flight.  An SCM_RIGHTS skb holds a reference on each file it
 * carries; a unix socket whose file is in flight counts it (inflight).
 * A socket sent over itself, or a cycle of them, would never be freed:
 * unix_gc(), run when a unix socket is released while anything is in
 * flight, finds the sockets whose every file reference is in flight and
 * that cannot be reached from a socket still reachable by a program, and
 * purges their queues, which drops the references.
 *
 * Locking.  One mutex, unix_lock, guards every unix socket's state:
 * queues, peers, names, wmem, inflight, the bound list.  With one lock
 * there is no order between two sockets to get wrong.  It is held while
 * data is copied to the user (a page fault does not need it) but never
 * while a file reference is dropped (a socket's release takes it): files
 * to drop are collected and put after unlocking.  s->lock serialises
 * bind on one socket and is taken before unix_lock.  Waits drop
 * unix_lock (sock_wait).
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/socket.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>
#include <uapi/un.h>

#include "../sys/fs_internal.h"
#include "net_internal.h"

#define UNIX_SKB_COST 256    /* charged per skb beyond its data */
#define UNIX_DGRAM_QLEN 10   /* net.unix.max_dgram_qlen */
#define UNIX_MAX_CHUNK 65536 /* the largest stream skb */
#define UNIX_ADDR_OFF offsetof(struct sockaddr_un, sun_path)

/* A bound name, shared by its socket and the skbs it sent (refcnt atomic). */
struct unix_addr {
	unsigned int refcnt;
	unsigned int len; /* bytes of sun that count */
	struct sockaddr_un sun;
};

struct unix_skb {
	struct list_head link;	/* on the receiver's rq */
	struct unix_sock *from; /* the sender, referenced: charged */
	struct unix_addr *addr; /* the sender's name then, or NULL */
	size_t len, off;	/* data bytes; read so far (stream) */
	size_t charge;		/* what the sender was charged */
	struct ucred cred;	/* SCM_CREDENTIALS */
	struct file **fds;	/* SCM_RIGHTS: nfds references */
	unsigned int nfds;
	uint8_t data[];
};

enum unix_state { UNIX_UNCONN, UNIX_LISTEN, UNIX_CONNECTED };

struct unix_sock {
	struct socket sk; /* first: the generic part */
	enum unix_state state;
	bool dead; /* the fd side is gone */
	/*
	 * Stream/seqpacket: the other end (while connected, and after it
	 * closed, until we close).  Datagram: where send() goes.
	 * Referenced.
	 */
	struct unix_sock *peer;
	struct list_head rq; /* struct unix_skb, oldest first */
	unsigned int rq_len;
	size_t rq_bytes;	     /* unread data bytes */
	size_t wmem;		     /* charged for our skbs not yet read */
	struct unix_addr *addr;	     /* our name, or NULL */
	struct vnode *vnode;	     /* a path name's node, referenced */
	struct list_head bound_link; /* on unix_bound while addr */
	struct list_head all_link;   /* on unix_all until released */
	/* listener: embryos waiting for accept (accept_link), referenced */
	struct list_head acceptq;
	unsigned int acceptq_len;
	int backlog;
	struct list_head accept_link;
	/* SO_PEERCRED: the peer's at connect (listener: our own) */
	struct ucred peercred;
	bool has_peercred;
	/* files in flight: times our file sits in an skb */
	unsigned int inflight;
	struct list_head inflight_link; /* on unix_inflight while > 0 */
	/* unix_gc's marks */
	bool gc_cand, gc_alive;
	unsigned int gc_refs;
};

static struct mutex unix_lock = MUTEX_INIT(unix_lock, "unix");
static LIST_HEAD(unix_bound); /* bound sockets */
/*
 * Every unix socket from its creation (an embryo: from the connect that
 * queues it) to its release, for /proc/net/unix (unix_for_each).
 */
static LIST_HEAD(unix_all);
static LIST_HEAD(unix_inflight); /* sockets whose file is in flight */
static unsigned int unix_autobind_next;

static const struct sock_ops unix_stream_ops, unix_dgram_ops,
	unix_seqpacket_ops;

static struct unix_sock *usk(struct socket *s)
{
	return (struct unix_sock *)s;
}

static bool unix_connection(const struct unix_sock *u)
{
	return u->sk.type != SOCK_DGRAM;
}

/* ---- objects ---------------------------------------------------------- */

static void unix_addr_put(struct unix_addr *a)
{
	if (a && __atomic_sub_fetch(&a->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(a);
}

static struct unix_addr *unix_addr_get(struct unix_addr *a)
{
	if (a)
		__atomic_add_fetch(&a->refcnt, 1, __ATOMIC_RELAXED);
	return a;
}

static void unix_free(struct socket *s)
{
	struct unix_sock *u = usk(s);

	unix_addr_put(u->addr);
	if (u->vnode)
		vnode_put(u->vnode);
	kfree(u);
}

static void unix_put(struct unix_sock *u)
{
	sock_put(&u->sk, unix_free);
}

static const struct sock_ops *unix_ops_for(int type)
{
	switch (type) {
	case SOCK_STREAM:
		return &unix_stream_ops;
	case SOCK_DGRAM:
		return &unix_dgram_ops;
	case SOCK_SEQPACKET:
		return &unix_seqpacket_ops;
	}
	return NULL;
}

static struct unix_sock *unix_alloc(int type)
{
	struct unix_sock *u = kzalloc(sizeof(*u));

	if (!u)
		return NULL;
	sock_init(&u->sk, AF_UNIX, type, 0, unix_ops_for(type));
	u->state = UNIX_UNCONN;
	list_init(&u->rq);
	list_init(&u->bound_link);
	list_init(&u->all_link);
	list_init(&u->acceptq);
	list_init(&u->accept_link);
	list_init(&u->inflight_link);
	return u;
}

static int unix_create(int type, int protocol, struct socket **out)
{
	struct unix_sock *u;

	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = SOCK_DGRAM;
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	u = unix_alloc(type);
	if (!u)
		return -ENOMEM;
	mutex_lock(&unix_lock);
	list_add_tail(&u->all_link, &unix_all);
	mutex_unlock(&unix_lock);
	*out = &u->sk;
	return 0;
}

/*
 * /proc/net/unix's view of each live socket.  Linux's numbers where
 * they are cheap to match: the reference count is 2 plus one for a peer
 * (as a program sees it there), an embryo (no file yet) is SS_CONNECTING
 * with inode 0, a socket with a peer SS_CONNECTED.
 */
void unix_for_each(void (*fn)(void *ctx, const struct unix_sock_info *i),
		   void *ctx)
{
	struct unix_sock_info info;
	struct unix_sock *u;

	mutex_lock(&unix_lock);
	list_for_each_entry (u, &unix_all, all_link) {
		bool embryo = !u->sk.file;

		kos_memset(&info, 0, sizeof(info));
		info.refcnt = 2 + (u->peer != NULL);
		info.flags = u->state == UNIX_LISTEN ? 0x10000 : 0;
		info.type = u->sk.type;
		info.state = embryo		       ? 2
			     : u->state == UNIX_LISTEN ? 1
			     : u->peer		       ? 3
						       : 1;
		info.ino = embryo ? 0 : u->sk.ino;
		if (u->addr && u->addr->len > UNIX_ADDR_OFF) {
			info.namelen = u->addr->len - UNIX_ADDR_OFF;
			if (info.namelen > sizeof(info.name))
				info.namelen = sizeof(info.name);
			kos_memcpy(info.name, u->addr->sun.sun_path,
				   info.namelen);
		}
		fn(ctx, &info);
	}
	mutex_unlock(&unix_lock);
}

/* The caller's ids for SO_PEERCRED (effective) or SCM_CREDENTIALS (real). */
static void unix_cur_cred(struct ucred *c, bool effective)
{
	struct proc *cur = proc_current();

	c->pid = cur ? cur->pid : 0;
	c->uid = cur ? (effective ? cur->cred.euid : cur->cred.uid) : 0;
	c->gid = cur ? (effective ? cur->cred.egid : cur->cred.gid) : 0;
}

static bool unix_writable(struct unix_sock *u);

/*
 * skb leaves its queue for good: uncharge its sender (who may now
 * write) and take its files out of the in-flight count.  unix_lock held.
 * The references it holds go with skb_free(), without the lock.
 */
static void skb_detach(struct unix_skb *skb)
{
	struct unix_sock *from = skb->from;

	from->wmem -= skb->charge;
	skb->charge = 0;
	sock_wake_space(&from->sk, unix_writable(from));
	for (unsigned int i = 0; i < skb->nfds; i++) {
		struct socket *s = sock_from_file(skb->fds[i]);

		if (s && s->family == AF_UNIX && !--usk(s)->inflight)
			list_del(&usk(s)->inflight_link);
	}
}

/* Put what a detached skb holds and free it.  unix_lock NOT held. */
static void skb_free(struct unix_skb *skb)
{
	for (unsigned int i = 0; i < skb->nfds; i++)
		file_put(skb->fds[i]);
	kfree(skb->fds);
	unix_addr_put(skb->addr);
	unix_put(skb->from);
	kfree(skb);
}

/* skb_free() every skb on q (detached ones).  unix_lock NOT held. */
static void skbs_free(struct list_head *q)
{
	while (!list_empty(q)) {
		struct unix_skb *skb =
			list_first_entry(q, struct unix_skb, link);

		list_del(&skb->link);
		skb_free(skb);
	}
}

/* Move every skb of u's queue, detached, to q.  unix_lock held. */
static void rq_purge(struct unix_sock *u, struct list_head *q)
{
	struct unix_skb *skb, *tmp;

	list_for_each_entry_safe (skb, tmp, &u->rq, link) {
		list_del(&skb->link);
		skb_detach(skb);
		list_add_tail(&skb->link, q);
	}
	u->rq_len = 0;
	u->rq_bytes = 0;
}

/* ---- names -------------------------------------------------------------- */

/*
 * The bound socket of (sb, ino) / of an abstract name and type (as on
 * Linux, abstract names are per type).  unix_lock held.
 */
static struct unix_sock *unix_find_inode(struct vnode *v)
{
	struct unix_sock *u;

	list_for_each_entry (u, &unix_bound, bound_link) {
		if (u->vnode && u->vnode->sb == v->sb &&
		    u->vnode->ino == v->ino)
			return u;
	}
	return NULL;
}

static struct unix_sock *unix_find_abstract(const struct sockaddr_un *sun,
					    unsigned int len, int type)
{
	struct unix_sock *u;

	list_for_each_entry (u, &unix_bound, bound_link) {
		if (!u->vnode && u->sk.type == type && u->addr->len == len &&
		    !kos_memcmp(&u->addr->sun, sun, len))
			return u;
	}
	return NULL;
}

/*
 * Linux's unix_validate_addr: the family and a length with at least one
 * byte of name.  -EINVAL.
 */
static int unix_validate(const struct sockaddr *a, unsigned int len)
{
	if (len <= UNIX_ADDR_OFF || len > sizeof(struct sockaddr_un) ||
	    a->sa_family != AF_UNIX)
		return -EINVAL;
	return 0;
}

/*
 * A path name as a NUL-terminated kernel string in buf (its sun_path
 * up to the first NUL or len), and the length Linux stores for it.
 */
static unsigned int unix_path(const struct sockaddr *a, unsigned int len,
			      char *buf)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)a;
	size_t n = kos_strnlen(sun->sun_path, len - UNIX_ADDR_OFF);

	kos_memcpy(buf, sun->sun_path, n);
	buf[n] = 0;
	return (unsigned int)(UNIX_ADDR_OFF + n + 1);
}

static struct unix_addr *unix_addr_new(const void *name, unsigned int len)
{
	struct unix_addr *a = kzalloc(sizeof(*a));

	if (!a)
		return NULL;
	a->refcnt = 1;
	a->len = len;
	kos_memcpy(&a->sun, name, MIN(len, (unsigned int)sizeof(a->sun)));
	a->sun.sun_family = AF_UNIX;
	return a;
}

/* Bind u to a fresh abstract name "\0xxxxx".  unix_lock held. */
static int unix_autobind_locked(struct unix_sock *u)
{
	struct sockaddr_un sun;
	struct unix_addr *a;

	if (u->addr)
		return 0;
	for (unsigned int tries = 0; tries < 0x100000; tries++) {
		unsigned int n = unix_autobind_next++ & 0xfffff;

		kos_memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		kos_snprintf(sun.sun_path + 1, 6, "%05x", n);
		if (unix_find_abstract(&sun, UNIX_ADDR_OFF + 6, u->sk.type))
			continue;
		a = unix_addr_new(&sun, UNIX_ADDR_OFF + 6);
		if (!a)
			return -ENOMEM;
		u->addr = a;
		list_add_tail(&u->bound_link, &unix_bound);
		return 0;
	}
	return -ENOSPC;
}

/* The caller's cwd-relative lookups need its credentials. */
static void cur_cred(struct vfs_cred *c)
{
	sys_cur_cred(c, false);
}

static int unix_bind(struct socket *s, const struct sockaddr *a,
		     unsigned int len)
{
	struct unix_sock *u = usk(s);
	struct vnode *cwd, *v = NULL;
	struct unix_addr *ua;
	struct vfs_cred cred;
	bool made;
	char *path;
	int err;

	if (len == UNIX_ADDR_OFF && a->sa_family == AF_UNIX) {
		mutex_lock(&unix_lock);
		err = unix_autobind_locked(u);
		mutex_unlock(&unix_lock);
		return err;
	}
	err = unix_validate(a, len);
	if (err)
		return err;
	mutex_lock(&s->lock);
	if (((const struct sockaddr_un *)a)->sun_path[0] == 0) {
		/* Abstract. */
		ua = unix_addr_new(a, len);
		if (!ua) {
			err = -ENOMEM;
			goto out;
		}
		mutex_lock(&unix_lock);
		if (u->addr)
			err = -EINVAL;
		else if (unix_find_abstract(&ua->sun, len, s->type))
			err = -EADDRINUSE;
		if (!err) {
			u->addr = ua;
			list_add_tail(&u->bound_link, &unix_bound);
		}
		mutex_unlock(&unix_lock);
		if (err)
			unix_addr_put(ua);
		goto out;
	}
	path = kmalloc(sizeof(((struct sockaddr_un *)0)->sun_path) + 1);
	if (!path) {
		err = -ENOMEM;
		goto out;
	}
	len = unix_path(a, len, path);
	cur_cred(&cred);
	cwd = sys_cur_cwd();
	/* Linux makes the node first, then finds the socket bound. */
	err = vfs_mknodat(cwd, path, S_IFSOCK | (0777 & ~sys_cur_umask()), 0,
			  &cred);
	if (err == -EEXIST)
		err = -EADDRINUSE;
	made = !err;
	if (!err)
		err = vfs_lookup(cwd, path, 0, &cred, &v);
	if (!err) {
		ua = unix_addr_new(a, len);
		if (!ua)
			err = -ENOMEM;
	}
	if (!err) {
		ua->sun.sun_path[len - UNIX_ADDR_OFF - 1] = 0;
		mutex_lock(&unix_lock);
		if (u->addr) {
			err = -EINVAL;
		} else {
			u->addr = ua;
			u->vnode = v;
			list_add_tail(&u->bound_link, &unix_bound);
			v = NULL;
			ua = NULL;
		}
		mutex_unlock(&unix_lock);
		unix_addr_put(ua);
	}
	/* Not bound after all: the node we made goes again. */
	if (err && made)
		vfs_unlinkat(cwd, path, false, &cred);
	if (v)
		vnode_put(v);
	vnode_put(cwd);
	kfree(path);
out:
	mutex_unlock(&s->lock);
	return err;
}

/*
 * The socket a name stands for, referenced: Linux's unix_find_other.
 * Path: the lookup's errors, -EACCES without write permission,
 * -ECONNREFUSED if it is no socket or none is bound there; abstract:
 * -ECONNREFUSED.  A bound socket of another type: -EPROTOTYPE.
 */
static int unix_find_other(const struct sockaddr *a, unsigned int len, int type,
			   struct unix_sock **out)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)a;
	struct unix_sock *o;
	struct vnode *cwd, *v;
	struct vfs_cred cred;
	char path[UNIX_PATH_MAX + 1];
	int err;

	if (sun->sun_path[0]) {
		unix_path(a, len, path);
		cur_cred(&cred);
		cwd = sys_cur_cwd();
		err = vfs_lookup(cwd, path, LOOKUP_FOLLOW, &cred, &v);
		vnode_put(cwd);
		if (err)
			return err;
		err = vfs_permission(v, MAY_WRITE, &cred);
		if (!err && !S_ISSOCK(v->mode))
			err = -ECONNREFUSED;
		if (err) {
			vnode_put(v);
			return err;
		}
		mutex_lock(&unix_lock);
		o = unix_find_inode(v);
		vnode_put(v);
	} else {
		mutex_lock(&unix_lock);
		o = unix_find_abstract(sun, len, type);
	}
	if (!o)
		err = -ECONNREFUSED;
	else if (o->sk.type != type)
		err = -EPROTOTYPE;
	else
		sock_get(&o->sk);
	mutex_unlock(&unix_lock);
	if (err)
		return err;
	*out = o;
	return 0;
}

static int unix_getname(struct socket *s, struct sockaddr_storage *a, bool peer)
{
	struct unix_sock *u = usk(s), *p;
	struct unix_addr *ua;
	int len;

	mutex_lock(&unix_lock);
	if (peer) {
		p = u->peer;
		if (!p || (unix_connection(u) && u->state != UNIX_CONNECTED)) {
			mutex_unlock(&unix_lock);
			return -ENOTCONN;
		}
		ua = p->addr;
	} else {
		ua = u->addr;
	}
	if (ua) {
		kos_memcpy(a, &ua->sun, ua->len);
		len = (int)ua->len;
	} else {
		a->ss_family = AF_UNIX;
		len = UNIX_ADDR_OFF;
	}
	mutex_unlock(&unix_lock);
	return len;
}

/* ---- control messages ------------------------------------------------- */

/* What a send carries besides data. */
struct unix_scm {
	struct file **fds; /* referenced */
	unsigned int nfds;
	struct ucred cred;
};

static void scm_release(struct unix_scm *scm)
{
	for (unsigned int i = 0; i < scm->nfds; i++)
		file_put(scm->fds[i]);
	kfree(scm->fds);
	scm->fds = NULL;
	scm->nfds = 0;
}

/* Linux's scm_check_creds: claim only ids we hold (or may take). */
static int scm_check_cred(const struct ucred *c)
{
	struct proc *cur = proc_current();
	const struct creds *k;
	uint64_t caps;

	if (!cur)
		return 0;
	k = &cur->cred;
	caps = k->cap_effective;
	if (c->pid != cur->pid && !(caps & (1ULL << CAP_SYS_ADMIN)))
		return -EPERM;
	if (c->uid != k->uid && c->uid != k->euid && c->uid != k->suid &&
	    !(caps & (1ULL << CAP_SETUID)))
		return -EPERM;
	if (c->gid != k->gid && c->gid != k->egid && c->gid != k->sgid &&
	    !(caps & (1ULL << CAP_SETGID)))
		return -EPERM;
	return 0;
}

/*
 * The SOL_SOCKET control messages of a send (Linux's __scm_send):
 * SCM_RIGHTS (-EBADF, -EINVAL beyond SCM_MAX_FD in all), SCM_CREDENTIALS
 * (-EINVAL for a wrong length, -EPERM); another type is -EINVAL, other
 * levels are ignored.
 */
static int scm_parse(struct sock_msg *m, struct unix_scm *scm)
{
	struct cmsghdr *c;
	int err = 0;

	scm->fds = NULL;
	scm->nfds = 0;
	unix_cur_cred(&scm->cred, false);
	for (c = cmsg_first(m); c && !err; c = cmsg_next(m, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS) {
			if (c->cmsg_len != CMSG_LEN(sizeof(struct ucred))) {
				err = -EINVAL;
				break;
			}
			kos_memcpy(&scm->cred, cmsg_data(c), sizeof(scm->cred));
			err = scm_check_cred(&scm->cred);
		} else if (c->cmsg_type == SCM_RIGHTS) {
			size_t n = cmsg_datalen(c) / sizeof(int);
			const int *fd = cmsg_data(c);
			struct file **nf;

			if (!n)
				continue;
			if (scm->nfds + n > SCM_MAX_FD) {
				err = -EINVAL;
				break;
			}
			nf = kmalloc((scm->nfds + n) * sizeof(*nf));
			if (!nf) {
				err = -ENOMEM;
				break;
			}
			if (scm->nfds)
				kos_memcpy(nf, scm->fds,
					   scm->nfds * sizeof(*nf));
			kfree(scm->fds);
			scm->fds = nf;
			for (size_t i = 0; i < n; i++) {
				struct file *f = fd_get_file(fd[i]);

				if (!f) {
					err = -EBADF;
					break;
				}
				scm->fds[scm->nfds++] = f;
			}
		} else {
			err = -EINVAL;
		}
	}
	if (err)
		scm_release(scm);
	return err;
}

/*
 * Give the receiver skb's files (Linux's scm_detach_fds): as many as fit
 * in the control buffer and the fd table, MSG_CTRUNC for the rest, which
 * are put (peek: the skb keeps its own, the receiver gets new
 * references).  unix_lock held; files to put go onto *put (kmalloc'd).
 */
static void scm_give_fds(struct sock_msg *m, struct unix_skb *skb, bool peek,
			 struct unix_scm *put)
{
	size_t room = m->uctl ? m->uctl_room : 0;
	unsigned int max =
		room > sizeof(struct cmsghdr)
			? (unsigned int)((room - sizeof(struct cmsghdr)) /
					 sizeof(int))
			: 0;
	unsigned int i, n = skb->nfds;
	bool cloexec = m->flags & MSG_CMSG_CLOEXEC;
	int fds[SCM_MAX_FD];

	for (i = 0; i < n && i < max; i++) {
		struct file *f = skb->fds[i];
		int fd;

		if (peek)
			file_get(f);
		fd = fd_install(f, cloexec);
		if (fd < 0) {
			if (peek)
				file_put(f); /* not the last: skb holds one */
			break;
		}
		fds[i] = fd;
		if (!peek) {
			struct socket *s = sock_from_file(f);

			skb->fds[i] = NULL;
			if (s && s->family == AF_UNIX && !--usk(s)->inflight)
				list_del(&usk(s)->inflight_link);
		}
	}
	if (i) {
		struct cmsghdr h = { CMSG_LEN(i * sizeof(int)), SOL_SOCKET,
				     SCM_RIGHTS };
		size_t space = MIN(CMSG_SPACE(i * sizeof(int)), room);

		if (copy_to_user((void *)m->uctl, &h, sizeof(h)) ||
		    copy_to_user((char *)m->uctl + sizeof(h), fds,
				 i * sizeof(int)))
			m->flags |= MSG_CTRUNC; /* the fds stay installed */
		m->uctl += space;
		m->uctl_room -= space;
		m->uctl_used += space;
	}
	if (i < n || (n && !max))
		m->flags |= MSG_CTRUNC;
	if (peek)
		return;
	/* What was not installed is dropped. */
	put->fds = skb->fds;
	put->nfds = 0;
	for (unsigned int j = i; j < n; j++) {
		struct socket *s = sock_from_file(skb->fds[j]);

		if (s && s->family == AF_UNIX && !--usk(s)->inflight)
			list_del(&usk(s)->inflight_link);
		put->fds[put->nfds++] = skb->fds[j];
	}
	skb->fds = NULL;
	skb->nfds = 0;
}

/* SCM_CREDENTIALS for a receiver with SO_PASSCRED. */
static void scm_give_cred(struct unix_sock *u, struct sock_msg *m,
			  const struct unix_skb *skb)
{
	if (u->sk.passcred)
		sock_put_cmsg(m, SOL_SOCKET, SCM_CREDENTIALS, &skb->cred,
			      sizeof(skb->cred));
}

/* ---- skbs ---------------------------------------------------------------- */

/*
 * A new skb of len bytes from m's data, sent by u, carrying scm's files
 * (moved in) and credentials.  -ENOMEM, -EFAULT.
 */
static int skb_make(struct unix_sock *u, struct sock_msg *m, size_t len,
		    struct unix_scm *scm, struct unix_skb **out)
{
	struct unix_skb *skb = kmalloc(sizeof(*skb) + len);
	int err;

	if (!skb)
		return -ENOMEM;
	err = uio_copyin(m->uio, skb->data, len);
	if (err) {
		kfree(skb);
		return err;
	}
	list_init(&skb->link);
	skb->from = u;
	skb->addr = NULL;
	skb->len = len;
	skb->off = 0;
	skb->charge = 0;
	skb->cred = scm->cred;
	skb->fds = scm->fds;
	skb->nfds = scm->nfds;
	scm->fds = NULL;
	scm->nfds = 0;
	*out = skb;
	return 0;
}

/* Queue skb on to's queue, charged to its sender.  unix_lock held. */
static void skb_queue(struct unix_sock *to, struct unix_skb *skb)
{
	struct unix_sock *from = skb->from;

	sock_get(&from->sk);
	skb->addr = unix_addr_get(from->addr);
	skb->charge = skb->len + UNIX_SKB_COST;
	from->wmem += skb->charge;
	for (unsigned int i = 0; i < skb->nfds; i++) {
		struct socket *s = sock_from_file(skb->fds[i]);

		if (s && s->family == AF_UNIX && !usk(s)->inflight++)
			list_add_tail(&usk(s)->inflight_link, &unix_inflight);
	}
	list_add_tail(&skb->link, &to->rq);
	to->rq_len++;
	to->rq_bytes += skb->len;
	sock_wake(&to->sk);
}

/* Free an skb that was never queued (its files and memory). */
static void skb_discard(struct unix_skb *skb)
{
	for (unsigned int i = 0; i < skb->nfds; i++)
		file_put(skb->fds[i]);
	kfree(skb->fds);
	kfree(skb);
}

/* ---- connections ------------------------------------------------------ */

static void unix_link(struct unix_sock *a, struct unix_sock *b)
{
	sock_get(&b->sk);
	a->peer = b;
	sock_get(&a->sk);
	b->peer = a;
	a->state = UNIX_CONNECTED;
	b->state = UNIX_CONNECTED;
}

static int unix_pair(struct socket *sa, struct socket *sb)
{
	struct unix_sock *a = usk(sa), *b = usk(sb);

	mutex_lock(&unix_lock);
	unix_link(a, b);
	unix_cur_cred(&a->peercred, true);
	b->peercred = a->peercred;
	a->has_peercred = b->has_peercred = true;
	mutex_unlock(&unix_lock);
	return 0;
}

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = usk(s);
	int err = 0;

	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	mutex_lock(&unix_lock);
	if (!u->addr || (u->state != UNIX_UNCONN && u->state != UNIX_LISTEN)) {
		err = -EINVAL;
		goto out;
	}
	if (backlog > u->backlog)
		sock_wake(s); /* connectors waiting for room */
	u->backlog = backlog;
	u->state = UNIX_LISTEN;
	s->acceptconn = true;
	unix_cur_cred(&u->peercred, true);
	u->has_peercred = true;
out:
	mutex_unlock(&unix_lock);
	return err;
}

static bool listener_room(void *arg)
{
	struct unix_sock *o = arg;

	return o->dead || o->state != UNIX_LISTEN ||
	       o->acceptq_len <= (unsigned int)o->backlog;
}

static int unix_stream_connect(struct socket *s, const struct sockaddr *a,
			       unsigned int len, unsigned int fflags)
{
	struct unix_sock *u = usk(s), *o, *e;
	uint64_t deadline = sock_snd_deadline(s);
	int err = unix_validate(a, len);

	if (err)
		return err;
	if (s->passcred && !u->addr) {
		mutex_lock(&unix_lock);
		err = unix_autobind_locked(u);
		mutex_unlock(&unix_lock);
		if (err)
			return err;
	}
	e = unix_alloc(s->type);
	if (!e)
		return -ENOMEM;
	err = unix_find_other(a, len, s->type, &o);
	if (err) {
		unix_put(e);
		return err;
	}
	mutex_lock(&unix_lock);
	for (;;) {
		if (o->dead || o->state != UNIX_LISTEN) {
			err = -ECONNREFUSED;
			break;
		}
		if (o->acceptq_len <= (unsigned int)o->backlog)
			break;
		if (fflags & O_NONBLOCK) {
			err = -EAGAIN;
			break;
		}
		err = sock_wait(&o->sk, &unix_lock, listener_room, o, deadline);
		if (err)
			break;
	}
	if (!err && u->state != UNIX_UNCONN)
		err = u->state == UNIX_CONNECTED ? -EISCONN : -EINVAL;
	if (!err) {
		unix_link(u, e);
		unix_cur_cred(&e->peercred, true);
		e->has_peercred = true;
		u->peercred = o->peercred;
		u->has_peercred = true;
		e->addr = unix_addr_get(o->addr);
		/* The accept queue holds e's first reference. */
		list_add_tail(&e->accept_link, &o->acceptq);
		list_add_tail(&e->all_link, &unix_all);
		o->acceptq_len++;
		sock_wake(&o->sk);
		e = NULL;
	}
	mutex_unlock(&unix_lock);
	if (e)
		unix_put(e);
	unix_put(o);
	return err;
}

static bool acceptq_ready(void *arg)
{
	struct unix_sock *u = arg;

	return !list_empty(&u->acceptq) || u->state != UNIX_LISTEN;
}

static int unix_accept(struct socket *s, struct socket **newp,
		       unsigned int fflags)
{
	struct unix_sock *u = usk(s), *e;
	int err = 0;

	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	mutex_lock(&unix_lock);
	for (;;) {
		if (u->state != UNIX_LISTEN) {
			err = -EINVAL;
			break;
		}
		if (!list_empty(&u->acceptq))
			break;
		if (fflags & O_NONBLOCK) {
			err = -EAGAIN;
			break;
		}
		err = sock_wait(s, &unix_lock, acceptq_ready, u,
				sock_rcv_deadline(s));
		if (err)
			break;
	}
	if (!err) {
		e = list_first_entry(&u->acceptq, struct unix_sock,
				     accept_link);
		list_del(&e->accept_link);
		u->acceptq_len--;
		e->sk.passcred = s->passcred;
		sock_wake(s); /* connectors waiting for room */
		*newp = &e->sk;
	}
	mutex_unlock(&unix_lock);
	return err;
}

static int unix_dgram_connect(struct socket *s, const struct sockaddr *a,
			      unsigned int len, unsigned int fflags)
{
	struct unix_sock *u = usk(s), *o = NULL, *old;
	int err;

	if (len >= sizeof(sa_family_t) && a->sa_family == AF_UNSPEC) {
		/* Dissolve the association. */
		mutex_lock(&unix_lock);
		old = u->peer;
		u->peer = NULL;
		u->state = UNIX_UNCONN;
		mutex_unlock(&unix_lock);
		if (old)
			unix_put(old);
		return 0;
	}
	err = unix_validate(a, len);
	if (err)
		return err;
	if (s->passcred && !u->addr) {
		mutex_lock(&unix_lock);
		err = unix_autobind_locked(u);
		mutex_unlock(&unix_lock);
		if (err)
			return err;
	}
	err = unix_find_other(a, len, s->type, &o);
	if (err)
		return err;
	mutex_lock(&unix_lock);
	if (o->dead) {
		err = -ECONNREFUSED;
	} else if (o != u && o->peer && o->peer != u) {
		err = -EPERM; /* it only hears from its own peer */
	} else {
		old = u->peer;
		u->peer = o;
		u->state = UNIX_CONNECTED;
		o = old;
	}
	mutex_unlock(&unix_lock);
	if (o)
		unix_put(o);
	return err;
}

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = usk(s), *p;
	unsigned int mode =
		(unsigned int)(how + 1) & (RCV_SHUTDOWN | SEND_SHUTDOWN);

	mutex_lock(&unix_lock);
	s->shutdown |= mode;
	sock_wake(s);
	p = u->peer;
	if (p && unix_connection(u)) {
		if (mode & RCV_SHUTDOWN)
			p->sk.shutdown |= SEND_SHUTDOWN;
		if (mode & SEND_SHUTDOWN)
			p->sk.shutdown |= RCV_SHUTDOWN;
		sock_wake(&p->sk);
	}
	mutex_unlock(&unix_lock);
	return 0;
}

/* ---- sending ------------------------------------------------------------ */

/* Can u's stream send go on (room, or something to report)? */
static bool stream_send_ready(void *arg)
{
	struct unix_sock *u = arg, *p = u->peer;

	return u->wmem < (size_t)u->sk.sndbuf ||
	       (u->sk.shutdown & SEND_SHUTDOWN) || !p || p->dead ||
	       (p->sk.shutdown & RCV_SHUTDOWN);
}

static ssize_t unix_stream_sendmsg(struct socket *s, struct sock_msg *m,
				   unsigned int fflags)
{
	struct unix_sock *u = usk(s), *p;
	uint64_t deadline = sock_snd_deadline(s);
	struct unix_scm scm;
	struct unix_skb *skb;
	size_t sent = 0, chunk, max;
	int err;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->namelen) {
		bool conn = READ_ONCE(u->state) == UNIX_CONNECTED;

		return conn ? -EISCONN : -EOPNOTSUPP;
	}
	err = scm_parse(m, &scm);
	if (err)
		return err;
	mutex_lock(&unix_lock);
	if (u->state != UNIX_CONNECTED) {
		err = -ENOTCONN;
		goto out;
	}
	do {
		p = u->peer;
		if ((s->shutdown & SEND_SHUTDOWN) || p->dead ||
		    (p->sk.shutdown & RCV_SHUTDOWN)) {
			err = -EPIPE;
			break;
		}
		if (u->wmem >= (size_t)s->sndbuf) {
			sock_set_nospace(s);
			if (m->flags & MSG_DONTWAIT) {
				err = -EAGAIN;
				break;
			}
			err = sock_wait(s, &unix_lock, stream_send_ready, u,
					deadline);
			if (err)
				break;
			continue;
		}
		max = (size_t)s->sndbuf / 2 > 64 ? (size_t)s->sndbuf / 2 - 64
						 : 64;
		chunk = MIN(m->uio->resid, MIN(max, (size_t)UNIX_MAX_CHUNK));
		err = skb_make(u, m, chunk, &scm, &skb);
		if (err)
			break;
		skb_queue(p, skb);
		sent += chunk;
	} while (m->uio->resid);
	if (err == -EPIPE && !sent)
		sock_sigpipe(m->flags);
out:
	mutex_unlock(&unix_lock);
	scm_release(&scm);
	return sent ? (ssize_t)sent : err;
}

struct dgram_wait {
	struct unix_sock *u, *o;
};

/* May a datagram from u go to o now (or is there something to report)? */
static bool dgram_send_ready(void *arg)
{
	struct dgram_wait *w = arg;
	struct unix_sock *u = w->u, *o = w->o;

	if (o->dead || (o->sk.shutdown & RCV_SHUTDOWN))
		return true;
	if (u->wmem >= (size_t)u->sk.sndbuf)
		return false;
	return o == u || o->peer == u || o->rq_len <= UNIX_DGRAM_QLEN;
}

static ssize_t unix_dgram_sendmsg(struct socket *s, struct sock_msg *m,
				  unsigned int fflags)
{
	struct unix_sock *u = usk(s), *o = NULL;
	uint64_t deadline = sock_snd_deadline(s);
	struct dgram_wait w;
	struct unix_scm scm;
	struct unix_skb *skb = NULL;
	size_t len = m->uio->resid;
	bool seq = s->type == SOCK_SEQPACKET;
	int err;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (seq) {
		if (READ_ONCE(u->state) != UNIX_CONNECTED)
			return -ENOTCONN;
		m->namelen = 0; /* ignored, as Linux */
	}
	err = scm_parse(m, &scm);
	if (err)
		return err;
	if (m->namelen) {
		err = unix_validate((struct sockaddr *)&m->name, m->namelen);
		if (err)
			goto out_scm;
	}
	if (len > (size_t)s->sndbuf - 32) {
		err = -EMSGSIZE;
		goto out_scm;
	}
	if (s->passcred && !u->addr) {
		mutex_lock(&unix_lock);
		err = unix_autobind_locked(u);
		mutex_unlock(&unix_lock);
		if (err)
			goto out_scm;
	}
	if (m->namelen) {
		err = unix_find_other((struct sockaddr *)&m->name, m->namelen,
				      s->type, &o);
		if (err)
			goto out_scm;
	}
	err = skb_make(u, m, len, &scm, &skb);
	if (err)
		goto out_put;
	mutex_lock(&unix_lock);
	if (!o) {
		o = u->peer;
		if (!o) {
			err = -ENOTCONN;
			goto out_unlock;
		}
		sock_get(&o->sk);
	}
	w.u = u;
	w.o = o;
	for (;;) {
		if (s->shutdown & SEND_SHUTDOWN) {
			err = -EPIPE;
			break;
		}
		if (o->dead) {
			if (seq) {
				err = -EPIPE;
				break;
			}
			/* A dead peer: forget it (Linux says ECONNREFUSED). */
			if (u->peer == o) {
				u->peer = NULL;
				u->state = UNIX_UNCONN;
				unix_put(o); /* not the last: we hold one */
			}
			err = -ECONNREFUSED;
			break;
		}
		if (o != u && o->peer && o->peer != u) {
			err = -EPERM;
			break;
		}
		if (o->sk.shutdown & RCV_SHUTDOWN) {
			err = -EPIPE;
			break;
		}
		if (dgram_send_ready(&w))
			break;
		sock_set_nospace(s);
		if (m->flags & MSG_DONTWAIT) {
			err = -EAGAIN;
			break;
		}
		/* Wait where the reason will change: o's reads or ours. */
		err = sock_wait(u->wmem >= (size_t)s->sndbuf ? s : &o->sk,
				&unix_lock, dgram_send_ready, &w, deadline);
		if (err)
			break;
	}
	if (!err) {
		skb_queue(o, skb);
		skb = NULL;
	}
	/* (Linux raises no SIGPIPE for datagram or seqpacket sends.) */
out_unlock:
	mutex_unlock(&unix_lock);
out_put:
	if (o)
		unix_put(o);
	if (skb)
		skb_discard(skb);
out_scm:
	scm_release(&scm);
	return err ? err : (ssize_t)len;
}

/* ---- receiving -------------------------------------------------------- */

static bool recv_ready(void *arg)
{
	struct unix_sock *u = arg;

	return !list_empty(&u->rq) || (u->sk.shutdown & RCV_SHUTDOWN) ||
	       u->sk.so_error || u->state == UNIX_LISTEN;
}

/* The sender's name of skb into m (none: namelen 0). */
static void recv_name(struct sock_msg *m, const struct unix_skb *skb)
{
	if (skb->addr) {
		kos_memcpy(&m->name, &skb->addr->sun, skb->addr->len);
		m->namelen = skb->addr->len;
	} else {
		m->namelen = 0;
	}
}

/*
 * The skb holding the byte skip bytes into u's receive queue (peeks), and
 * that byte's offset in it (*in_off); NULL when the queue is shorter.
 */
static struct unix_skb *unix_peek_seek(struct unix_sock *u, size_t skip,
				       size_t *in_off)
{
	struct unix_skb *skb;

	list_for_each_entry (skb, &u->rq, link) {
		size_t l = skb->len - skb->off;

		if (skip < l) {
			*in_off = skip;
			return skb;
		}
		skip -= l;
	}
	*in_off = 0;
	return NULL;
}

/* SO_PEEK_OFF (when >= 0) follows a peek of n (n > 0) or a read of -n. */
static void unix_peek_off_move(struct socket *s, long n)
{
	long off = READ_ONCE(s->peek_off);

	if (off < 0)
		return;
	off += n;
	WRITE_ONCE(s->peek_off, (int)MIN(MAX(off, 0L), (long)INT32_MAX));
}

static ssize_t unix_stream_recvmsg(struct socket *s, struct sock_msg *m,
				   unsigned int fflags)
{
	struct unix_sock *u = usk(s);
	uint64_t deadline = sock_rcv_deadline(s);
	bool peek = m->flags & MSG_PEEK;
	struct unix_scm put = { 0 };
	struct unix_skb *skb;
	struct ucred cred;
	struct list_head done;
	size_t copied = 0, target, skip = 0, in_off = 0, n;
	bool have_cred = false;
	int err = 0;

	if (m->flags & MSG_OOB)
		return -EINVAL; /* no urgent byte is ever queued */
	list_init(&done);
	mutex_lock(&unix_lock);
	if (u->state != UNIX_CONNECTED) {
		err = -EINVAL;
		goto out;
	}
	target = (m->flags & MSG_WAITALL)
			 ? m->uio->resid
			 : MIN((size_t)s->rcvlowat, m->uio->resid);
	if (!target)
		target = 1;
	/* skip: bytes peeked past (SO_PEEK_OFF first, if it is >= 0) */
	if (peek && READ_ONCE(s->peek_off) > 0)
		skip = (size_t)READ_ONCE(s->peek_off);
	skb = unix_peek_seek(u, skip, &in_off);
	for (;;) {
		if (!skb || &skb->link == &u->rq) {
			if (copied >= target)
				break;
			if (s->so_error) {
				err = -s->so_error;
				s->so_error = 0;
				break;
			}
			if (s->shutdown & RCV_SHUTDOWN)
				break;
			if (m->flags & MSG_DONTWAIT) {
				err = -EAGAIN;
				break;
			}
			err = sock_wait(s, &unix_lock, recv_ready, u, deadline);
			if (err)
				break;
			/* Start again at the first byte not yet seen. */
			skb = unix_peek_seek(u, skip, &in_off);
			continue;
		}
		/* Credentials may not merge (Linux: with SO_PASSCRED). */
		if (have_cred && s->passcred &&
		    kos_memcmp(&cred, &skb->cred, sizeof(cred)))
			break;
		if (!have_cred) {
			cred = skb->cred;
			have_cred = true;
			recv_name(m, skb);
			scm_give_cred(u, m, skb);
		}
		n = MIN(skb->len - skb->off - in_off, m->uio->resid);
		if (n) {
			int e = uio_copyout(m->uio,
					    skb->data + skb->off + in_off, n);

			if (e) {
				if (!copied)
					err = e;
				break;
			}
		}
		copied += n;
		unix_peek_off_move(s, peek ? (long)n : -(long)n);
		if (peek) {
			skip += n;
			in_off = 0;
			if (skb->nfds) {
				scm_give_fds(m, skb, true, NULL);
				break;
			}
			if (!m->uio->resid)
				break;
			skb = &skb->link == u->rq.prev
				      ? NULL
				      : list_entry(skb->link.next,
						   struct unix_skb, link);
			continue;
		}
		skb->off += n;
		u->rq_bytes -= n;
		if (skb->nfds)
			scm_give_fds(m, skb, false, &put);
		if (skb->off == skb->len) {
			struct unix_skb *next =
				&skb->link == u->rq.prev
					? NULL
					: list_entry(skb->link.next,
						     struct unix_skb, link);
			bool had_fds = put.fds != NULL;

			list_del(&skb->link);
			u->rq_len--;
			skb_detach(skb);
			list_add_tail(&skb->link, &done);
			skb = next;
			if (had_fds)
				break;
		} else if (put.fds) {
			break;
		}
		if (!m->uio->resid)
			break;
	}
out:
	mutex_unlock(&unix_lock);
	skbs_free(&done);
	scm_release(&put);
	return copied ? (ssize_t)copied : err;
}

static ssize_t unix_dgram_recvmsg(struct socket *s, struct sock_msg *m,
				  unsigned int fflags)
{
	struct unix_sock *u = usk(s);
	uint64_t deadline = sock_rcv_deadline(s);
	bool peek = m->flags & MSG_PEEK;
	struct unix_scm put = { 0 };
	struct unix_skb *skb = NULL;
	size_t n;
	ssize_t r = 0;
	int err = 0;

	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	mutex_lock(&unix_lock);
	if (s->type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED) {
		err = -ENOTCONN;
		goto out;
	}
	for (;;) {
		if (!list_empty(&u->rq))
			break;
		if (s->so_error) {
			err = -s->so_error;
			s->so_error = 0;
			goto out;
		}
		if (s->shutdown & RCV_SHUTDOWN)
			goto out; /* 0 */
		if (m->flags & MSG_DONTWAIT) {
			err = -EAGAIN;
			goto out;
		}
		err = sock_wait(s, &unix_lock, recv_ready, u, deadline);
		if (err)
			goto out;
	}
	skb = list_first_entry(&u->rq, struct unix_skb, link);
	n = MIN(skb->len, m->uio->resid);
	err = uio_copyout(m->uio, skb->data, n);
	if (err)
		goto out;
	/* MSG_TRUNC asked: the datagram's real length (Linux). */
	r = (m->flags & MSG_TRUNC) ? (ssize_t)skb->len : (ssize_t)n;
	if (n < skb->len)
		m->flags |= MSG_TRUNC;
	recv_name(m, skb);
	scm_give_cred(u, m, skb);
	if (skb->nfds)
		scm_give_fds(m, skb, peek, &put);
	if (!peek) {
		list_del(&skb->link);
		u->rq_len--;
		u->rq_bytes -= skb->len;
		skb_detach(skb);
		sock_wake(s); /* senders waiting for room in our queue */
	} else {
		skb = NULL;
	}
out:
	mutex_unlock(&unix_lock);
	if (skb && !peek && !err)
		skb_free(skb);
	scm_release(&put);
	return err ? err : r;
}

/* ---- readiness, ioctl, options ---------------------------------------- */

static bool unix_writable(struct unix_sock *u)
{
	return u->state != UNIX_LISTEN && u->wmem * 4 <= (size_t)u->sk.sndbuf;
}

/* Linux's unix_poll (stream) and unix_dgram_poll (datagram, seqpacket). */
static unsigned int unix_poll(struct socket *s, struct poll_table *pt)
{
	struct unix_sock *u = usk(s), *o;
	unsigned int mask = 0, sh;
	bool w;

	poll_wait(pt, &s->wq);
	mutex_lock(&unix_lock);
	sh = s->shutdown;
	if (s->so_error)
		mask |= POLLERR;
	if (sh == (RCV_SHUTDOWN | SEND_SHUTDOWN))
		mask |= POLLHUP;
	if (sh & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&u->rq) || !list_empty(&u->acceptq))
		mask |= POLLIN | POLLRDNORM;
	if (s->type != SOCK_DGRAM && u->state == UNIX_UNCONN)
		mask |= POLLHUP;
	w = unix_writable(u);
	if (w && s->type == SOCK_DGRAM) {
		/* A full receiver that is not our peer's peer: not yet. */
		o = u->peer;
		if (o && o->peer != u && o->rq_len > UNIX_DGRAM_QLEN) {
			w = false;
			poll_wait(pt, &o->sk.wq);
		}
	}
	if (w)
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	mutex_unlock(&unix_lock);
	return mask;
}

static long unix_ioctl(struct socket *s, unsigned int cmd, unsigned long arg)
{
	struct unix_sock *u = usk(s);
	long n;
	int v;

	switch (cmd) {
	case SIOCINQ:
		mutex_lock(&unix_lock);
		if (u->state == UNIX_LISTEN)
			n = -EINVAL;
		else if (s->type == SOCK_DGRAM)
			n = list_empty(&u->rq)
				    ? 0
				    : (long)list_first_entry(
					      &u->rq, struct unix_skb, link)
					      ->len;
		else
			n = (long)u->rq_bytes;
		mutex_unlock(&unix_lock);
		break;
	case SIOCOUTQ:
		mutex_lock(&unix_lock);
		n = (long)u->wmem;
		mutex_unlock(&unix_lock);
		break;
	default:
		return -ENOTTY;
	}
	if (n < 0)
		return n;
	v = (int)n;
	return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int unix_setsockopt(struct socket *s, int level, int name,
			   const void *val, unsigned int len)
{
	int v;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name == SO_REUSEPORT) {
		kos_memcpy(&v, val, sizeof(v));
		return v ? -EOPNOTSUPP : 0;
	}
	return -ENOPROTOOPT;
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val,
			   unsigned int *len)
{
	struct unix_sock *u = usk(s);
	int err = -ENOPROTOOPT;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name == SO_PEERCRED) {
		mutex_lock(&unix_lock);
		if (u->has_peercred) {
			kos_memcpy(val, &u->peercred, sizeof(u->peercred));
			*len = MIN(*len, (unsigned int)sizeof(u->peercred));
			err = 0;
		}
		mutex_unlock(&unix_lock);
	}
	return err;
}

/* ---- release and the garbage collector ------------------------------- */

static bool unix_gc_running;

/* Every skb u's queues hold (its own and its embryos'): fn on each. */
static void gc_scan(struct unix_sock *u, void (*fn)(struct unix_sock *v))
{
	struct unix_sock *e;
	struct unix_skb *skb;

	list_for_each_entry (skb, &u->rq, link) {
		for (unsigned int i = 0; i < skb->nfds; i++) {
			struct socket *s = sock_from_file(skb->fds[i]);

			if (s && s->family == AF_UNIX)
				fn(usk(s));
		}
	}
	list_for_each_entry (e, &u->acceptq, accept_link)
		gc_scan(e, fn);
}

static void gc_count_ref(struct unix_sock *v)
{
	if (v->gc_cand)
		v->gc_refs++;
}

static bool gc_changed;

static void gc_mark_alive(struct unix_sock *v)
{
	if (v->gc_cand && !v->gc_alive) {
		v->gc_alive = true;
		gc_changed = true;
	}
}

/*
 * Free what only cycles of in-flight sockets hold.  Candidates: sockets
 * whose every file reference is in flight.  One held from a queue of a
 * non-candidate (gc_refs < inflight) is alive, and so is whatever an
 * alive candidate's queues hold; the rest is garbage: its queues are
 * purged, which puts the file references that kept it.
 */
static void unix_gc(void)
{
	struct unix_sock *u, *e;
	struct list_head dead;

	list_init(&dead);
	mutex_lock(&unix_lock);
	if (unix_gc_running || list_empty(&unix_inflight)) {
		mutex_unlock(&unix_lock);
		return;
	}
	unix_gc_running = true;
	list_for_each_entry (u, &unix_inflight, inflight_link) {
		struct file *f = u->sk.file;

		u->gc_cand =
			f && __atomic_load_n(&f->refcnt, __ATOMIC_RELAXED) ==
				     u->inflight;
		u->gc_alive = false;
		u->gc_refs = 0;
	}
	list_for_each_entry (u, &unix_inflight, inflight_link)
		if (u->gc_cand)
			gc_scan(u, gc_count_ref);
	list_for_each_entry (u, &unix_inflight, inflight_link)
		if (u->gc_cand && u->gc_refs < u->inflight)
			u->gc_alive = true;
	do {
		gc_changed = false;
		list_for_each_entry (u, &unix_inflight, inflight_link)
			if (u->gc_cand && u->gc_alive)
				gc_scan(u, gc_mark_alive);
	} while (gc_changed);
	/* Purging changes unix_inflight: collect the victims first. */
	for (;;) {
		struct unix_sock *victim = NULL;

		list_for_each_entry (u, &unix_inflight, inflight_link) {
			if (u->gc_cand && !u->gc_alive) {
				victim = u;
				break;
			}
		}
		if (!victim)
			break;
		victim->gc_cand = false;
		rq_purge(victim, &dead);
		list_for_each_entry (e, &victim->acceptq, accept_link)
			rq_purge(e, &dead);
	}
	mutex_unlock(&unix_lock);
	skbs_free(&dead);
	mutex_lock(&unix_lock);
	unix_gc_running = false;
	mutex_unlock(&unix_lock);
}

/*
 * The fd side of u is gone (embryo: a connection never accepted, its
 * listener closing).  Its peer sees the connection shut (and reset if
 * we leave unread data or were never accepted); embryos waiting on a
 * listener go the same way.
 */
static void unix_release_sock(struct unix_sock *u, bool embryo)
{
	struct unix_sock *p, *e;
	struct list_head dead, embryos;

	list_init(&dead);
	list_init(&embryos);
	mutex_lock(&unix_lock);
	u->dead = true;
	list_del(&u->all_link);
	list_init(&u->all_link);
	if (u->addr)
		list_del(&u->bound_link);
	p = u->peer;
	u->peer = NULL;
	if (p && unix_connection(u)) {
		p->sk.shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
		if (!list_empty(&u->rq) || embryo)
			p->sk.so_error = ECONNRESET;
		sock_wake(&p->sk);
	}
	while (!list_empty(&u->acceptq)) {
		e = list_first_entry(&u->acceptq, struct unix_sock,
				     accept_link);
		list_del(&e->accept_link);
		list_add_tail(&e->accept_link, &embryos);
	}
	u->acceptq_len = 0;
	u->state = UNIX_UNCONN;
	rq_purge(u, &dead);
	sock_wake(&u->sk);
	mutex_unlock(&unix_lock);
	while (!list_empty(&embryos)) {
		e = list_first_entry(&embryos, struct unix_sock, accept_link);
		list_del(&e->accept_link);
		unix_release_sock(e, true);
	}
	skbs_free(&dead);
	if (p)
		unix_put(p);
	unix_gc();
	unix_put(u);
}

static void unix_release(struct socket *s)
{
	unix_release_sock(usk(s), false);
}

/* ---- the families' tables ------------------------------------------------ */

static const struct sock_ops unix_stream_ops = {
	.bind = unix_bind,
	.connect = unix_stream_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.getname = unix_getname,
	.shutdown = unix_shutdown,
	.sendmsg = unix_stream_sendmsg,
	.recvmsg = unix_stream_recvmsg,
	.poll = unix_poll,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.ioctl = unix_ioctl,
	.pair = unix_pair,
	.release = unix_release,
	.peek_off = true, /* stream only: datagrams not yet */
};

static const struct sock_ops unix_seqpacket_ops = {
	.bind = unix_bind,
	.connect = unix_stream_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.getname = unix_getname,
	.shutdown = unix_shutdown,
	.sendmsg = unix_dgram_sendmsg,
	.recvmsg = unix_dgram_recvmsg,
	.poll = unix_poll,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.ioctl = unix_ioctl,
	.pair = unix_pair,
	.release = unix_release,
};

static const struct sock_ops unix_dgram_ops = {
	.bind = unix_bind,
	.connect = unix_dgram_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.getname = unix_getname,
	.shutdown = unix_shutdown,
	.sendmsg = unix_dgram_sendmsg,
	.recvmsg = unix_dgram_recvmsg,
	.poll = unix_poll,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.ioctl = unix_ioctl,
	.pair = unix_pair,
	.release = unix_release,
};

static const struct sock_family unix_family = {
	.family = AF_UNIX,
	.create = unix_create,
};

void unix_init(void)
{
	sock_register(&unix_family);
}
