/*
 * The generic socket layer (kos/socket.h): the socket system calls, the
 * socket file, the family registry and the SOL_SOCKET options every
 * family shares.
 *
 * Layers.  A system call looks up its fd (-EBADF, then -ENOTSOCK),
 * copies and checks what the user handed in (addresses, iovecs, control
 * messages, option values: -EFAULT/-EINVAL/-EMSGSIZE/-ENOBUFS in Linux's
 * order), calls the family's sock_ops and copies the results back.  The
 * families never see a user address except through the uio of a message
 * and the cmsg area of a receive (sock_put_cmsg).
 *
 * The socket file.  Every socket has an inode of its own on a private
 * "sockfs" superblock (S_IFSOCK | 0777, the creator's ids, st_ino the
 * socket's inode number), so fstat and /proc/<pid>/fd ("socket:[ino]")
 * look as on Linux.  read/write/readv/writev are recv/send with no flags;
 * poll, ioctl and the last close go to the family.
 *
 * Options.  SOL_SOCKET options that only hold a value live in struct
 * socket (set here under s->lock, read by the family); after storing one
 * the family's setsockopt is told (SOL_SOCKET, name) so that it can pass
 * it on (inet hands SO_KEEPALIVE to lwIP); -ENOPROTOOPT from it is
 * ignored there.  Other SOL_SOCKET options (SO_PEERCRED, ...) and every
 * other level go to the family: NULL or -ENOPROTOOPT is -ENOPROTOOPT at
 * SOL_SOCKET, a NULL hook -EOPNOTSUPP at the other levels (as Linux's
 * sock_no_setsockopt).  SO_RCVTIMEO/SO_SNDTIMEO keep nanoseconds but
 * round as Linux with HZ 250 (Debian's) does: up to 4 ms ticks.
 *
 * Locking: only s->lock around the option fields; the family locks the
 * rest (kos/socket.h).
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/signal.h>
#include <kos/socket.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/ioctl.h>
#include <uapi/limits.h>
#include <uapi/stat.h>
#include <uapi/time.h>

#include "../sys/fs_internal.h"
#include "ifioctl.h"

/* net.core.wmem_max / rmem_max and the smallest buffers Linux allows. */
#define SOCK_WMEM_MAX 212992
#define SOCK_RMEM_MAX 212992
#define SOCK_MIN_SNDBUF 4608
#define SOCK_MIN_RCVBUF 2304
#define SOCK_DEFAULT_BUF 212992 /* net.core.[rw]mem_default */
/* Linux's timeouts count jiffies: Debian's HZ. */
#define SOCK_HZ 250
#define SOCK_TICK_NS (1000000000ULL / SOCK_HZ)

static const struct sock_family *families[AF_MAX];
static uint64_t sock_ino_counter; /* atomic */

static const struct file_ops sock_fops;
static const struct vnode_ops sock_vops; /* no operations: unnamed */
static struct superblock sock_sb = { .fstype = "sockfs",
				     .magic = 0x534F434B /* SOCKFS_MAGIC */ };

/* ---- registry, life cycle ------------------------------------------- */

void sock_register(const struct sock_family *fam)
{
	KOS_ASSERT(fam->family > 0 && fam->family < AF_MAX);
	families[fam->family] = fam;
}

unsigned long sock_next_ino(void)
{
	return __atomic_add_fetch(&sock_ino_counter, 1, __ATOMIC_RELAXED);
}

void sock_init(struct socket *s, int family, int type, int protocol,
	       const struct sock_ops *ops)
{
	s->refcnt = 1;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->ops = ops;
	s->file = NULL;
	s->ino = sock_next_ino();
	mutex_init(&s->lock, "socket");
	waitq_init(&s->wq);
	s->rcvtimeo_ns = 0;
	s->sndtimeo_ns = 0;
	s->rcvbuf = SOCK_DEFAULT_BUF;
	s->sndbuf = SOCK_DEFAULT_BUF;
	s->rcvlowat = 1;
	s->peek_off = -1;
	s->so_error = 0;
	s->linger.l_onoff = 0;
	s->linger.l_linger = 0;
	s->shutdown = 0;
}

void sock_get(struct socket *s)
{
	__atomic_add_fetch(&s->refcnt, 1, __ATOMIC_RELAXED);
}

void sock_put(struct socket *s, void (*free)(struct socket *s))
{
	if (__atomic_sub_fetch(&s->refcnt, 1, __ATOMIC_ACQ_REL) == 0) {
		waitq_free_notify(&s->wq);
		free(s);
	}
}

struct socket *sock_from_file(struct file *f)
{
	return f && f->ops == &sock_fops ? f->priv : NULL;
}

/*
 * A file for s (flags: O_NONBLOCK), with its own sockfs inode.  NULL
 * when memory is short (s untouched).
 */
static struct file *sock_alloc_file(struct socket *s, unsigned int flags)
{
	struct proc *cur = proc_current();
	struct vnode *v;
	struct file *f;

	if (!sock_sb.dev)
		sock_sb.dev = vfs_anon_dev();
	v = vnode_alloc(&sock_sb, &sock_vops, sizeof(*v));
	if (!v)
		return NULL;
	v->mode = S_IFSOCK | 0777;
	v->nlink = 1;
	v->uid = cur ? cur->cred.fsuid : 0;
	v->gid = cur ? cur->cred.fsgid : 0;
	v->ino = s->ino;
	f = file_alloc(v, &sock_fops, O_RDWR | (flags & O_NONBLOCK));
	vnode_put(v);
	if (!f)
		return NULL;
	f->priv = s;
	s->file = f;
	return f;
}

int sock_install_fd(struct socket *s, unsigned int flags)
{
	struct file *f = sock_alloc_file(s, flags);
	int fd;

	if (!f) {
		s->ops->release(s);
		return -ENOMEM;
	}
	fd = fd_install(f, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f); /* releases s */
	return fd;
}

/*
 * The socket on fd into *sp, with a file reference in *fp: 0, -EBADF,
 * -ENOTSOCK.
 */
static int sock_fd(int fd, struct file **fp, struct socket **sp)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	*sp = sock_from_file(f);
	if (!*sp) {
		file_put(f);
		return -ENOTSOCK;
	}
	*fp = f;
	return 0;
}

/* ---- waiting -------------------------------------------------------- */

int sock_wait(struct socket *s, struct mutex *lock, bool (*cond)(void *arg),
	      void *arg, uint64_t deadline_ns)
{
	struct waitq_entry e;
	int err = 0;

	for (;;) {
		waitq_prepare(&s->wq, &e);
		if (cond(arg))
			break;
		if (sig_pending()) {
			/* Linux's sock_intr_errno: timed waits never restart. */
			err = deadline_ns == UINT64_MAX ? -ERESTARTSYS : -EINTR;
			break;
		}
		if (lock)
			mutex_unlock(lock);
		err = waitq_sleep(&e, deadline_ns);
		if (lock)
			mutex_lock(lock);
		if (err) {
			err = cond(arg) ? 0 : -EAGAIN;
			break;
		}
	}
	waitq_finish(&s->wq, &e);
	return err;
}

static uint64_t deadline_for(uint64_t timeo_ns)
{
	return timeo_ns ? clock_deadline_after(timeo_ns) : UINT64_MAX;
}

uint64_t sock_rcv_deadline(struct socket *s)
{
	return deadline_for(READ_ONCE(s->rcvtimeo_ns));
}

uint64_t sock_snd_deadline(struct socket *s)
{
	return deadline_for(READ_ONCE(s->sndtimeo_ns));
}

void sock_wake(struct socket *s)
{
	waitq_wake_all(&s->wq);
}

void sock_wake_space(struct socket *s, bool writable)
{
	fasync_wake_quiet(&s->wq);
	if (writable &&
	    __atomic_exchange_n(&s->nospace, false, __ATOMIC_RELAXED))
		fasync_notify(&s->wq);
}

void sock_sigpipe(unsigned int msg_flags)
{
	struct uthread *ut = uthread_current();
	struct ksiginfo info;

	if (!ut || (msg_flags & MSG_NOSIGNAL))
		return;
	sig_info_user(&info, SIGPIPE, SI_USER);
	sig_send_thread(ut, SIGPIPE, &info);
}

/* ---- control messages ------------------------------------------------- */

/* The header at offset off of m->ctl if a whole header fits there. */
static struct cmsghdr *cmsg_at(struct sock_msg *m, size_t off)
{
	if (!m->ctl || off > m->ctl_len ||
	    m->ctl_len - off < sizeof(struct cmsghdr))
		return NULL;
	return (struct cmsghdr *)((char *)m->ctl + off);
}

struct cmsghdr *cmsg_first(struct sock_msg *m)
{
	return cmsg_at(m, 0);
}

struct cmsghdr *cmsg_next(struct sock_msg *m, struct cmsghdr *c)
{
	size_t off = (size_t)((char *)c - (char *)m->ctl);

	if (c->cmsg_len > m->ctl_len)
		return NULL;
	return cmsg_at(m, off + CMSG_ALIGN(c->cmsg_len));
}

void *cmsg_data(struct cmsghdr *c)
{
	return (char *)c + CMSG_ALIGN(sizeof(*c));
}

size_t cmsg_datalen(const struct cmsghdr *c)
{
	return c->cmsg_len - CMSG_ALIGN(sizeof(*c));
}

/*
 * Every header of a send's control data must be whole and inside the
 * buffer (Linux's CMSG_OK in __scm_send and its kin): -EINVAL.
 */
static int cmsg_check_all(struct sock_msg *m)
{
	for (struct cmsghdr *c = cmsg_first(m); c; c = cmsg_next(m, c)) {
		size_t off = (size_t)((char *)c - (char *)m->ctl);

		if (c->cmsg_len < sizeof(*c) || c->cmsg_len > m->ctl_len - off)
			return -EINVAL;
	}
	return 0;
}

int sock_put_cmsg(struct sock_msg *m, int level, int type, const void *data,
		  size_t len)
{
	struct cmsghdr h;
	size_t cmlen = CMSG_LEN(len), space;

	if (!m->uctl || m->uctl_room < sizeof(h)) {
		m->flags |= MSG_CTRUNC;
		return -ENOSPC;
	}
	/* What does not fit is cut, the header saying so (Linux's put_cmsg). */
	if (m->uctl_room < cmlen) {
		m->flags |= MSG_CTRUNC;
		cmlen = m->uctl_room;
	}
	h.cmsg_len = cmlen;
	h.cmsg_level = level;
	h.cmsg_type = type;
	if (copy_to_user((void *)m->uctl, &h, sizeof(h)) ||
	    copy_to_user((char *)m->uctl + CMSG_ALIGN(sizeof(h)), data,
			 cmlen - CMSG_ALIGN(sizeof(h))))
		return -EFAULT;
	space = MIN(CMSG_SPACE(len), m->uctl_room);
	m->uctl += space;
	m->uctl_room -= space;
	m->uctl_used += space;
	return cmlen < CMSG_LEN(len) ? -ENOSPC : 0;
}

/* ---- addresses ---------------------------------------------------------- */

/* Linux's move_addr_to_kernel: 0, -EINVAL (length), -EFAULT. */
static int addr_in(const void __user *uaddr, int len,
		   struct sockaddr_storage *a)
{
	if (len < 0 || len > (int)sizeof(*a))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (copy_from_user(a, uaddr, (size_t)len))
		return -EFAULT;
	return 0;
}

/*
 * Linux's move_addr_to_user: klen bytes of a into the user's buffer of
 * *ulen bytes (cut to fit) and the full length into *ulen.
 */
static int addr_out(const struct sockaddr_storage *a, int klen,
		    void __user *uaddr, int __user *ulen)
{
	int len;

	if (copy_from_user(&len, ulen, sizeof(len)))
		return -EFAULT;
	if (len > klen)
		len = klen;
	if (len < 0)
		return -EINVAL;
	if (len && copy_to_user(uaddr, a, (size_t)len))
		return -EFAULT;
	if (copy_to_user(ulen, &klen, sizeof(klen)))
		return -EFAULT;
	return 0;
}

/* ---- socket, socketpair ------------------------------------------------ */

/* A new socket for socket(2)/socketpair(2): checks in Linux's order. */
static int sock_create(int family, int type, int protocol, struct socket **out)
{
	const struct sock_family *fam;

	if (family < 0 || family >= AF_MAX)
		return -EAFNOSUPPORT;
	if (type < 0 || type > SOCK_PACKET)
		return -EINVAL;
	fam = families[family];
	if (!fam)
		return -EAFNOSUPPORT;
	return fam->create(type, protocol, out);
}

SYSCALL_DEFINE3(socket, int, family, int, type, int, protocol)
{
	unsigned int flags = (unsigned int)type & ~SOCK_TYPE_MASK;
	struct socket *s;
	int err;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	err = sock_create(family, type & SOCK_TYPE_MASK, protocol, &s);
	if (err)
		return err;
	return sock_install_fd(s, flags);
}

SYSCALL_DEFINE4(socketpair, int, family, int, type, int, protocol, int __user *,
		usv)
{
	unsigned int flags = (unsigned int)type & ~SOCK_TYPE_MASK;
	struct fdtable *fdt = sys_cur_fdt();
	struct socket *a, *b;
	struct file *fa, *fb;
	int err, fds[2];

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	if (!fdt)
		return -EMFILE;
	err = sock_create(family, type & SOCK_TYPE_MASK, protocol, &a);
	if (err)
		return err;
	err = sock_create(family, type & SOCK_TYPE_MASK, protocol, &b);
	if (err) {
		a->ops->release(a);
		return err;
	}
	fa = sock_alloc_file(a, flags);
	fb = fa ? sock_alloc_file(b, flags) : NULL;
	if (!fb) {
		if (fa)
			file_put(fa);
		else
			a->ops->release(a);
		b->ops->release(b);
		return -ENOMEM;
	}
	err = a->ops->pair ? a->ops->pair(a, b) : -EOPNOTSUPP;
	if (err)
		goto fail;
	fds[0] = fdt_install(fdt, fa, 0, flags & O_CLOEXEC);
	if (fds[0] < 0) {
		err = fds[0];
		goto fail;
	}
	fds[1] = fdt_install(fdt, fb, 0, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		fdt_close(fdt, fds[0]);
		file_put(fb);
		return fds[1];
	}
	if (copy_to_user(usv, fds, sizeof(fds))) {
		fdt_close(fdt, fds[0]);
		fdt_close(fdt, fds[1]);
		return -EFAULT;
	}
	return 0;
fail:
	file_put(fa);
	file_put(fb);
	return err;
}

/* ---- bind, connect, listen, accept, names, shutdown -------------------- */

SYSCALL_DEFINE3(bind, __as_fd int, fd, void __user *, uaddr, int, addrlen)
{
	struct sockaddr_storage a;
	struct socket *s;
	struct file *f;
	int err = sock_fd(fd, &f, &s);

	if (err)
		return err;
	err = addr_in(uaddr, addrlen, &a);
	if (!err)
		err = s->ops->bind ? s->ops->bind(s, (struct sockaddr *)&a,
						  (unsigned int)addrlen)
				   : -EOPNOTSUPP;
	file_put(f);
	return err;
}

SYSCALL_DEFINE3(connect, __as_fd int, fd, void __user *, uaddr, int, addrlen)
{
	struct sockaddr_storage a;
	struct socket *s;
	struct file *f;
	int err = sock_fd(fd, &f, &s);

	if (err)
		return err;
	err = addr_in(uaddr, addrlen, &a);
	if (!err)
		err = s->ops->connect
			      ? s->ops->connect(s, (struct sockaddr *)&a,
						(unsigned int)addrlen, f->flags)
			      : -EOPNOTSUPP;
	file_put(f);
	return err;
}

SYSCALL_DEFINE2(listen, __as_fd int, fd, int, backlog)
{
	struct socket *s;
	struct file *f;
	int err = sock_fd(fd, &f, &s);

	if (err)
		return err;
	/* Linux compares as unsigned: a negative backlog is the maximum. */
	if ((unsigned int)backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	err = s->ops->listen ? s->ops->listen(s, backlog) : -EOPNOTSUPP;
	file_put(f);
	return err;
}

SYSCALL_DEFINE4(accept4, __as_fd int, fd, void __user *, uaddr, int __user *,
		ulen, __as_hex int, flags)
{
	struct sockaddr_storage a;
	struct socket *s, *ns;
	struct file *f, *nf;
	int err, nfd, len;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	err = sock_fd(fd, &f, &s);
	if (err)
		return err;
	/*
	 * Linux takes the fd before the connection: with the table full,
	 * EMFILE, and the connection stays queued for a later accept.  (A
	 * thread that fills the table while this one sleeps in accept still
	 * loses the connection to the EMFILE below.)
	 */
	if (!sys_cur_fdt() || !fdt_has_free(sys_cur_fdt())) {
		err = -EMFILE;
		goto out;
	}
	if (!s->ops->accept) {
		err = -EOPNOTSUPP;
		goto out;
	}
	err = s->ops->accept(s, &ns, f->flags);
	if (err)
		goto out;
	nf = sock_alloc_file(ns, (unsigned int)flags);
	if (!nf) {
		ns->ops->release(ns);
		err = -ENOMEM;
		goto out;
	}
	if (uaddr) {
		kos_memset(&a, 0, sizeof(a));
		len = ns->ops->getname(ns, &a, true);
		err = len < 0 ? -ECONNABORTED : addr_out(&a, len, uaddr, ulen);
		if (err) {
			file_put(nf);
			goto out;
		}
	}
	nfd = fd_install(nf, flags & SOCK_CLOEXEC);
	if (nfd < 0)
		file_put(nf);
	err = nfd;
out:
	file_put(f);
	return err;
}

SYSCALL_DEFINE3(accept, __as_fd int, fd, void __user *, uaddr, int __user *,
		ulen)
{
	return sys_accept4(fd, uaddr, ulen, 0);
}

static int sock_getname(int fd, void __user *uaddr, int __user *ulen, bool peer)
{
	struct sockaddr_storage a;
	struct socket *s;
	struct file *f;
	int err = sock_fd(fd, &f, &s);
	int len;

	if (err)
		return err;
	kos_memset(&a, 0, sizeof(a));
	len = s->ops->getname ? s->ops->getname(s, &a, peer) : -EOPNOTSUPP;
	err = len < 0 ? len : addr_out(&a, len, uaddr, ulen);
	file_put(f);
	return err;
}

SYSCALL_DEFINE3(getsockname, __as_fd int, fd, void __user *, uaddr,
		int __user *, ulen)
{
	return sock_getname(fd, uaddr, ulen, false);
}

SYSCALL_DEFINE3(getpeername, __as_fd int, fd, void __user *, uaddr,
		int __user *, ulen)
{
	return sock_getname(fd, uaddr, ulen, true);
}

SYSCALL_DEFINE2(shutdown, __as_fd int, fd, int, how)
{
	struct socket *s;
	struct file *f;
	int err = sock_fd(fd, &f, &s);

	if (err)
		return err;
	if (how < SHUT_RD || how > SHUT_RDWR)
		err = -EINVAL;
	else
		err = s->ops->shutdown ? s->ops->shutdown(s, how) : -EOPNOTSUPP;
	file_put(f);
	return err;
}

/* ---- sending and receiving -------------------------------------------- */

/* Hand m to the family (MSG_DONTWAIT for an O_NONBLOCK file). */
static ssize_t sock_do_send(struct socket *s, struct file *f,
			    struct sock_msg *m)
{
	if (f->flags & O_NONBLOCK)
		m->flags |= MSG_DONTWAIT;
	if (!s->ops->sendmsg)
		return -EOPNOTSUPP;
	return s->ops->sendmsg(s, m, f->flags);
}

static ssize_t sock_do_recv(struct socket *s, struct file *f,
			    struct sock_msg *m)
{
	if (f->flags & O_NONBLOCK)
		m->flags |= MSG_DONTWAIT;
	m->namelen = 0;
	if (!s->ops->recvmsg)
		return -EOPNOTSUPP;
	return s->ops->recvmsg(s, m, f->flags);
}

static void msg_init(struct sock_msg *m, struct uio *u, unsigned int flags)
{
	kos_memset(m, 0, offsetof(struct sock_msg, name));
	m->uio = u;
	m->namelen = 0;
	m->flags = flags;
	m->ctl = NULL;
	m->ctl_len = 0;
	m->uctl = 0;
	m->uctl_room = 0;
	m->uctl_used = 0;
}

/* A user buffer as a uio (Linux's import_ubuf): -EFAULT outside user space. */
static int uio_single(struct uio *u, void __user *buf, size_t len)
{
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (len && !user_range_ok((unsigned long)buf, len))
		return -EFAULT;
	uio_init_user(u, (unsigned long)buf, len);
	return 0;
}

SYSCALL_DEFINE6(sendto, __as_fd int, fd, void __user *, buf, size_t, len,
		__as_hex unsigned int, flags, void __user *, uaddr, int,
		addrlen)
{
	struct sock_msg m;
	struct socket *s;
	struct file *f;
	struct uio u;
	long err = sock_fd(fd, &f, &s);

	if (err)
		return err;
	err = uio_single(&u, buf, len);
	if (err)
		goto out;
	msg_init(&m, &u, flags);
	if (uaddr) {
		err = addr_in(uaddr, addrlen, &m.name);
		if (err)
			goto out;
		m.namelen = (unsigned int)addrlen;
	}
	err = sock_do_send(s, f, &m);
out:
	file_put(f);
	return err;
}

SYSCALL_DEFINE6(recvfrom, __as_fd int, fd, void __user *, buf, size_t, len,
		__as_hex unsigned int, flags, void __user *, uaddr,
		int __user *, ulen)
{
	struct sock_msg m;
	struct socket *s;
	struct file *f;
	struct uio u;
	long err = sock_fd(fd, &f, &s);
	int e2;

	if (err)
		return err;
	err = uio_single(&u, buf, len);
	if (err)
		goto out;
	msg_init(&m, &u, flags);
	err = sock_do_recv(s, f, &m);
	if (err >= 0 && uaddr) {
		e2 = addr_out(&m.name, (int)m.namelen, uaddr, ulen);
		if (e2)
			err = e2;
	}
out:
	file_put(f);
	return err;
}

/*
 * A user msghdr in kernel form: the header into *h, the iovecs (kmalloc'd
 * into *iovp, NULL for none) behind u, the name for a send.  Linux's
 * copy_msghdr_from_user and import_iovec: -EFAULT, -EINVAL (name length,
 * a negative iov_len), -EMSGSIZE (more than UIO_MAXIOV vectors).
 */
static int msg_import(const struct msghdr __user *um, struct msghdr *h,
		      struct iovec **iovp, struct uio *u, struct sock_msg *m,
		      bool send)
{
	struct iovec *iov = NULL;
	size_t total = 0;

	*iovp = NULL;
	if (copy_from_user(h, um, sizeof(*h)))
		return -EFAULT;
	if ((int)h->msg_namelen < 0)
		return -EINVAL;
	if (h->msg_namelen > sizeof(struct sockaddr_storage))
		h->msg_namelen = sizeof(struct sockaddr_storage);
	if (!h->msg_name)
		h->msg_namelen = 0;
	if (send && h->msg_namelen) {
		if (copy_from_user(&m->name, h->msg_name, h->msg_namelen))
			return -EFAULT;
		m->namelen = h->msg_namelen;
	}
	if (h->msg_iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	if (h->msg_iovlen) {
		iov = kmalloc(h->msg_iovlen * sizeof(*iov));
		if (!iov)
			return -ENOMEM;
		if (copy_from_user(iov, h->msg_iov,
				   h->msg_iovlen * sizeof(*iov))) {
			kfree(iov);
			return -EFAULT;
		}
	}
	for (size_t i = 0; i < h->msg_iovlen; i++) {
		if ((ssize_t)iov[i].iov_len < 0) {
			kfree(iov);
			return -EINVAL;
		}
		if (iov[i].iov_len > MAX_RW_COUNT - total)
			iov[i].iov_len = MAX_RW_COUNT - total;
		if (iov[i].iov_len &&
		    !user_range_ok((unsigned long)iov[i].iov_base,
				   iov[i].iov_len)) {
			kfree(iov);
			return -EFAULT;
		}
		total += iov[i].iov_len;
	}
	u->iov = iov;
	u->nr = (unsigned int)h->msg_iovlen;
	u->idx = 0;
	u->off = 0;
	u->resid = total;
	u->user = true;
	*iovp = iov;
	return 0;
}

/* net.core.optmem_max: the largest control buffer a send may carry. */
#define SOCK_OPTMEM_MAX 131072

/* One sendmsg: the count or -EXXX; *ok: the message was looked at. */
static ssize_t sock_sendmsg_one(struct socket *s, struct file *f,
				const struct msghdr __user *um,
				unsigned int flags)
{
	struct msghdr h;
	struct iovec *iov;
	struct sock_msg m;
	struct uio u;
	ssize_t r;

	msg_init(&m, &u, flags);
	r = msg_import(um, &h, &iov, &u, &m, true);
	if (r)
		return r;
	if (h.msg_controllen > INT32_MAX) {
		r = -ENOBUFS;
		goto out;
	}
	if (h.msg_controllen) {
		if (h.msg_controllen > SOCK_OPTMEM_MAX) {
			r = -ENOBUFS;
			goto out;
		}
		m.ctl = kmalloc(h.msg_controllen);
		if (!m.ctl) {
			r = -ENOMEM;
			goto out;
		}
		m.ctl_len = h.msg_controllen;
		if (copy_from_user(m.ctl, h.msg_control, m.ctl_len)) {
			r = -EFAULT;
			goto out;
		}
		r = cmsg_check_all(&m);
		if (r)
			goto out;
	}
	r = sock_do_send(s, f, &m);
out:
	kfree(m.ctl);
	kfree(iov);
	return r;
}

/* One recvmsg, its results written back into *um. */
static ssize_t sock_recvmsg_one(struct socket *s, struct file *f,
				struct msghdr __user *um, unsigned int flags)
{
	struct msghdr h;
	struct iovec *iov;
	struct sock_msg m;
	struct uio u;
	unsigned int in;
	ssize_t r;
	int e2;

	msg_init(&m, &u, flags);
	r = msg_import(um, &h, &iov, &u, &m, false);
	if (r)
		return r;
	m.uctl = (unsigned long)h.msg_control;
	m.uctl_room = h.msg_controllen;
	in = flags | ((f->flags & O_NONBLOCK) ? MSG_DONTWAIT : 0);
	r = sock_do_recv(s, f, &m);
	if (r < 0)
		goto out;
	if (h.msg_name) {
		e2 = addr_out(&m.name, (int)m.namelen, h.msg_name,
			      (int *)&um->msg_namelen);
		if (e2) {
			r = e2;
			goto out;
		}
	}
	/*
	 * msg_flags: what the family added (a flag the caller passed in,
	 * such as MSG_TRUNC, cannot be told from one it reports), and
	 * MSG_CMSG_CLOEXEC if it was asked for, as Linux echoes it.
	 */
	m.flags = (m.flags & ~in) | (flags & MSG_CMSG_CLOEXEC);
	if (copy_to_user(&um->msg_flags, &m.flags, sizeof(m.flags)) ||
	    copy_to_user(&um->msg_controllen, &m.uctl_used,
			 sizeof(m.uctl_used)))
		r = -EFAULT;
out:
	kfree(iov);
	return r;
}

SYSCALL_DEFINE3(sendmsg, __as_fd int, fd, struct msghdr __user *, um,
		__as_hex unsigned int, flags)
{
	struct socket *s;
	struct file *f;
	long err = sock_fd(fd, &f, &s);

	if (err)
		return err;
	err = sock_sendmsg_one(s, f, um, flags);
	file_put(f);
	return err;
}

SYSCALL_DEFINE3(recvmsg, __as_fd int, fd, struct msghdr __user *, um,
		__as_hex unsigned int, flags)
{
	struct socket *s;
	struct file *f;
	long err = sock_fd(fd, &f, &s);

	if (err)
		return err;
	err = sock_recvmsg_one(s, f, um, flags);
	file_put(f);
	return err;
}

SYSCALL_DEFINE4(sendmmsg, __as_fd int, fd, struct mmsghdr __user *, umm,
		unsigned int, vlen, __as_hex unsigned int, flags)
{
	struct socket *s;
	struct file *f;
	long err = sock_fd(fd, &f, &s);
	unsigned int n = 0, len;
	ssize_t r = 0;

	if (err)
		return err;
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	while (n < vlen) {
		r = sock_sendmsg_one(s, f, &umm[n].msg_hdr,
				     flags | (n + 1 < vlen ? MSG_BATCH : 0));
		if (r < 0)
			break;
		len = (unsigned int)r;
		if (copy_to_user(&umm[n].msg_len, &len, sizeof(len))) {
			r = -EFAULT;
			break;
		}
		n++;
	}
	file_put(f);
	return n ? (long)n : r;
}

/* A recvmmsg timeout: 0, -EFAULT, -EINVAL. */
static int timespec_in(const struct timespec __user *uts, struct timespec *ts)
{
	if (copy_from_user(ts, uts, sizeof(*ts)))
		return -EFAULT;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return -EINVAL;
	return 0;
}

SYSCALL_DEFINE5(recvmmsg, __as_fd int, fd, struct mmsghdr __user *, umm,
		unsigned int, vlen, __as_hex unsigned int, flags,
		struct timespec __user *, uts)
{
	struct timespec ts;
	uint64_t end = UINT64_MAX, now;
	struct socket *s;
	struct file *f;
	long err;
	unsigned int n = 0, len;
	ssize_t r = 0;

	if (uts) {
		err = timespec_in(uts, &ts);
		if (err)
			return err;
		end = clock_monotonic_ns() + (uint64_t)ts.tv_sec * 1000000000 +
		      (uint64_t)ts.tv_nsec;
	}
	err = sock_fd(fd, &f, &s);
	if (err)
		return err;
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	while (n < vlen) {
		r = sock_recvmsg_one(s, f, &umm[n].msg_hdr, flags);
		if (r < 0)
			break;
		len = (unsigned int)r;
		if (copy_to_user(&umm[n].msg_len, &len, sizeof(len))) {
			r = -EFAULT;
			break;
		}
		n++;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (uts && clock_monotonic_ns() >= end)
			break;
	}
	/* A later error is kept for the next call (Linux's sk_err). */
	if (n && r < 0 && r != -EAGAIN && r != -ERESTARTSYS && r != -EINTR) {
		mutex_lock(&s->lock);
		s->so_error = (int)-r;
		mutex_unlock(&s->lock);
	}
	file_put(f);
	if (uts && (n || r >= 0)) {
		now = clock_monotonic_ns();
		now = now < end ? end - now : 0;
		ts.tv_sec = (long)(now / 1000000000);
		ts.tv_nsec = (long)(now % 1000000000);
		if (copy_to_user(uts, &ts, sizeof(ts)))
			return -EFAULT;
	}
	return n ? (long)n : r;
}

/* ---- options ------------------------------------------------------------ */

/* SO_RCVTIMEO/SO_SNDTIMEO (struct timeval) as Linux's sock_set_timeout. */
static int timeo_set(struct socket *s, uint64_t *timeo, const void *val,
		     unsigned int len)
{
	struct timeval tv;
	uint64_t ticks;

	if (len < sizeof(tv))
		return -EINVAL;
	kos_memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	mutex_lock(&s->lock);
	if (tv.tv_sec < 0) {
		*timeo = 1; /* no wait at all; reads back as 0 */
	} else if (!tv.tv_sec && !tv.tv_usec) {
		*timeo = 0; /* for ever */
	} else if ((uint64_t)tv.tv_sec >= UINT64_MAX / 2 / 1000000000) {
		*timeo = 0;
	} else {
		ticks = (uint64_t)tv.tv_sec * SOCK_HZ +
			((uint64_t)tv.tv_usec + 1000000 / SOCK_HZ - 1) /
				(1000000 / SOCK_HZ);
		*timeo = ticks * SOCK_TICK_NS;
	}
	mutex_unlock(&s->lock);
	return 0;
}

static void timeo_get(uint64_t timeo, struct timeval *tv)
{
	uint64_t ticks = timeo / SOCK_TICK_NS;

	tv->tv_sec = (long)(ticks / SOCK_HZ);
	tv->tv_usec = (long)((ticks % SOCK_HZ) * (1000000 / SOCK_HZ));
}

static bool cur_capable(int cap)
{
	struct proc *cur = proc_current();

	return !cur || (cur->cred.cap_effective & (1ULL << cap));
}

/*
 * The SOL_SOCKET options the generic layer keeps: 0 or -EXXX, or
 * -ENOPROTOOPT for one it does not know (the family's then).
 */
static int sock_setopt_generic(struct socket *s, int name, const void *val,
			       unsigned int len)
{
	int v, err = 0;
	bool b;

	if (name == SO_RCVTIMEO || name == SO_SNDTIMEO)
		return timeo_set(s,
				 name == SO_RCVTIMEO ? &s->rcvtimeo_ns
						     : &s->sndtimeo_ns,
				 val, len);
	if (len < sizeof(int))
		return -EINVAL;
	kos_memcpy(&v, val, sizeof(v));
	b = v != 0;
	mutex_lock(&s->lock);
	switch (name) {
	case SO_DEBUG:
		if (v && !cur_capable(CAP_NET_ADMIN))
			err = -EACCES;
		else
			s->debug = b;
		break;
	case SO_REUSEADDR:
		s->reuseaddr = b;
		break;
	case SO_REUSEPORT:
		s->reuseport = b;
		break;
	case SO_DONTROUTE:
		s->dontroute = b;
		break;
	case SO_BROADCAST:
		s->broadcast = b;
		break;
	case SO_KEEPALIVE:
		s->keepalive = b;
		break;
	case SO_OOBINLINE:
		s->oobinline = b;
		break;
	case SO_NO_CHECK:
		s->no_check = b;
		break;
	case SO_PASSCRED:
		s->passcred = b;
		break;
	case SO_TIMESTAMP:
		s->timestamp = b;
		break;
	case SO_SNDBUFFORCE:
	case SO_SNDBUF:
		if (name == SO_SNDBUFFORCE && !cur_capable(CAP_NET_ADMIN)) {
			err = -EPERM;
			break;
		}
		/* Compared as unsigned: a negative size is the maximum. */
		if (name == SO_SNDBUF && (unsigned int)v > SOCK_WMEM_MAX)
			v = SOCK_WMEM_MAX;
		if (v < 0 || v > INT32_MAX / 2)
			v = v < 0 ? 0 : INT32_MAX / 2;
		s->sndbuf = v * 2 < SOCK_MIN_SNDBUF ? SOCK_MIN_SNDBUF : v * 2;
		break;
	case SO_RCVBUFFORCE:
	case SO_RCVBUF:
		if (name == SO_RCVBUFFORCE && !cur_capable(CAP_NET_ADMIN)) {
			err = -EPERM;
			break;
		}
		if (name == SO_RCVBUF && (unsigned int)v > SOCK_RMEM_MAX)
			v = SOCK_RMEM_MAX;
		if (v < 0 || v > INT32_MAX / 2)
			v = v < 0 ? 0 : INT32_MAX / 2;
		s->rcvbuf = v * 2 < SOCK_MIN_RCVBUF ? SOCK_MIN_RCVBUF : v * 2;
		break;
	case SO_RCVLOWAT:
		if (v < 0)
			v = INT32_MAX;
		s->rcvlowat = v ? v : 1;
		break;
	case SO_PEEK_OFF: /* any value: Linux's sk_set_peek_off */
		if (s->ops->peek_off)
			WRITE_ONCE(s->peek_off, v);
		else
			err = -EOPNOTSUPP;
		break;
	case SO_PRIORITY:
		if ((v < 0 || v > 6) && !cur_capable(CAP_NET_RAW) &&
		    !cur_capable(CAP_NET_ADMIN))
			err = -EPERM;
		else
			s->priority = v;
		break;
	case SO_MARK:
		if (!cur_capable(CAP_NET_RAW) && !cur_capable(CAP_NET_ADMIN))
			err = -EPERM;
		else
			s->mark = v;
		break;
	case SO_LINGER: {
		struct linger l;

		if (len < sizeof(l)) {
			err = -EINVAL;
			break;
		}
		kos_memcpy(&l, val, sizeof(l));
		if (!l.l_onoff) {
			s->linger.l_onoff = 0;
			break;
		}
		s->linger.l_onoff = 1;
		/*
		 * Linux keeps jiffies: a negative time is "for ever",
		 * which reads back as LONG_MAX / HZ cut to an int.
		 */
		s->linger.l_linger = l.l_linger < 0 ? (int)(INT64_MAX / SOCK_HZ)
						    : l.l_linger;
		break;
	}
	default:
		err = -ENOPROTOOPT;
	}
	mutex_unlock(&s->lock);
	return err;
}

/* Is name one sock_setopt_generic keeps? */
static bool sock_opt_kept(int name)
{
	switch (name) {
	case SO_DEBUG:
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_OOBINLINE:
	case SO_NO_CHECK:
	case SO_PASSCRED:
	case SO_TIMESTAMP:
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
	case SO_RCVLOWAT:
	case SO_PEEK_OFF:
	case SO_PRIORITY:
	case SO_MARK:
	case SO_LINGER:
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
		return true;
	}
	return false;
}

#define SOCK_OPT_MAX 256 /* the largest option value copied in */

SYSCALL_DEFINE5(setsockopt, __as_fd int, fd, int, level, int, name,
		void __user *, uval, int, len)
{
	char val[SOCK_OPT_MAX];
	unsigned int klen;
	struct socket *s;
	struct file *f;
	int err = sock_fd(fd, &f, &s);

	if (err)
		return err;
	if (len < 0) {
		err = -EINVAL;
		goto out;
	}
	klen = MIN((unsigned int)len, (unsigned int)sizeof(val));
	if (klen && copy_from_user(val, uval, klen)) {
		err = -EFAULT;
		goto out;
	}
	if (level != SOL_SOCKET) {
		err = s->ops->setsockopt
			      ? s->ops->setsockopt(s, level, name, val, klen)
			      : -EOPNOTSUPP;
		goto out;
	}
	if (sock_opt_kept(name)) {
		/* The family may refuse (unix: SO_REUSEPORT) or pass it on. */
		if (s->ops->setsockopt && len >= (int)sizeof(int)) {
			err = s->ops->setsockopt(s, level, name, val, klen);
			if (err && err != -ENOPROTOOPT)
				goto out;
		}
		err = sock_setopt_generic(s, name, val, klen);
		goto out;
	}
	err = s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, klen)
				 : -ENOPROTOOPT;
out:
	file_put(f);
	return err;
}

/* The SOL_SOCKET options answered here: length or -ENOPROTOOPT. */
static int sock_getopt_generic(struct socket *s, int name, void *val)
{
	int *v = val;

	switch (name) {
	case SO_DEBUG:
		*v = s->debug;
		break;
	case SO_REUSEADDR:
		*v = s->reuseaddr;
		break;
	case SO_REUSEPORT:
		*v = s->reuseport;
		break;
	case SO_DONTROUTE:
		*v = s->dontroute;
		break;
	case SO_BROADCAST:
		*v = s->broadcast;
		break;
	case SO_KEEPALIVE:
		*v = s->keepalive;
		break;
	case SO_OOBINLINE:
		*v = s->oobinline;
		break;
	case SO_NO_CHECK:
		*v = s->no_check;
		break;
	case SO_PASSCRED:
		*v = s->passcred;
		break;
	case SO_TIMESTAMP:
		*v = s->timestamp;
		break;
	case SO_SNDBUF:
		*v = s->sndbuf;
		break;
	case SO_RCVBUF:
		*v = s->rcvbuf;
		break;
	case SO_RCVLOWAT:
		*v = s->rcvlowat;
		break;
	case SO_PEEK_OFF:
		if (!s->ops->peek_off)
			return -EOPNOTSUPP;
		*v = READ_ONCE(s->peek_off);
		break;
	case SO_SNDLOWAT:
		*v = 1;
		break;
	case SO_PRIORITY:
		*v = s->priority;
		break;
	case SO_MARK:
		*v = s->mark;
		break;
	case SO_TYPE:
		*v = s->type;
		break;
	case SO_DOMAIN:
		*v = s->family;
		break;
	case SO_PROTOCOL:
		*v = s->protocol;
		break;
	case SO_ACCEPTCONN:
		*v = s->acceptconn;
		break;
	case SO_ERROR:
		/* Reading it clears it. */
		*v = s->so_error;
		s->so_error = 0;
		break;
	case SO_LINGER:
		kos_memcpy(val, &s->linger, sizeof(s->linger));
		return sizeof(s->linger);
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
		timeo_get(name == SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns,
			  val);
		return sizeof(struct timeval);
	default:
		return -ENOPROTOOPT;
	}
	return sizeof(int);
}

SYSCALL_DEFINE5(getsockopt, __as_fd int, fd, int, level, int, name,
		void __user *, uval, int __user *, ulen)
{
	char val[SOCK_OPT_MAX];
	unsigned int klen;
	struct socket *s;
	struct file *f;
	int err = sock_fd(fd, &f, &s), len;

	if (err)
		return err;
	if (copy_from_user(&len, ulen, sizeof(len))) {
		err = -EFAULT;
		goto out;
	}
	if (len < 0) {
		err = -EINVAL;
		goto out;
	}
	kos_memset(val, 0, sizeof(val));
	klen = MIN((unsigned int)len, (unsigned int)sizeof(val));
	if (level != SOL_SOCKET) {
		err = s->ops->getsockopt
			      ? s->ops->getsockopt(s, level, name, val, &klen)
			      : -EOPNOTSUPP;
	} else {
		mutex_lock(&s->lock);
		err = sock_getopt_generic(s, name, val);
		mutex_unlock(&s->lock);
		if (err >= 0) {
			klen = MIN(klen, (unsigned int)err);
			err = 0;
		} else if (err == -ENOPROTOOPT) {
			err = s->ops->getsockopt
				      ? s->ops->getsockopt(s, level, name, val,
							   &klen)
				      : -ENOPROTOOPT;
		}
		if (err == -ENOPROTOOPT && name == SO_PEERCRED) {
			/* No peer credentials: pid 0, uid and gid -1. */
			struct ucred c = { 0, (uint32_t)-1, (uint32_t)-1 };

			kos_memcpy(val, &c, sizeof(c));
			klen = MIN(klen, (unsigned int)sizeof(c));
			err = 0;
		}
	}
	if (err)
		goto out;
	len = (int)klen;
	if (copy_to_user(uval, val, klen) ||
	    copy_to_user(ulen, &len, sizeof(len)))
		err = -EFAULT;
out:
	file_put(f);
	return err;
}

/* ---- the socket file ---------------------------------------------------- */

static ssize_t sock_file_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct sock_msg m;

	if (!u->resid)
		return 0;
	msg_init(&m, u, 0);
	return sock_do_recv(f->priv, f, &m);
}

static ssize_t sock_file_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct sock_msg m;

	msg_init(&m, u, 0);
	return sock_do_send(f->priv, f, &m);
}

static unsigned int sock_file_poll(struct file *f, struct poll_table *pt)
{
	struct socket *s = f->priv;

	return s->ops->poll ? s->ops->poll(s, pt) : POLL_DEFAULT_MASK;
}

static long sock_file_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct socket *s = f->priv;
	bool handled;
	long r = net_iface_ioctl(s, cmd, arg, &handled); /* net/ifioctl.c */

	if (handled)
		return r;
	return s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;
}

static void sock_file_release(struct file *f)
{
	struct socket *s = f->priv;

	s->file = NULL;
	s->ops->release(s);
}

static void sock_file_fdinfo(struct file *f,
			     void (*sink)(void *ctx, const char *t, size_t n),
			     void *ctx)
{
	struct socket *s = f->priv;

	if (s->ops->show_fdinfo)
		s->ops->show_fdinfo(s, sink, ctx);
}

static const struct file_ops sock_fops = {
	.read = sock_file_read,
	.write = sock_file_write,
	.poll = sock_file_poll,
	.ioctl = sock_file_ioctl,
	.release = sock_file_release,
	.show_fdinfo = sock_file_fdinfo,
	.fasync = true,
};
