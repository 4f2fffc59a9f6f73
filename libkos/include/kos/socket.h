/*
 * Sockets: the generic layer between the socket system calls and the
 * address families (docs/net.md).
 *
 * libkos/net/socket.c owns the system calls (socket, socketpair, bind,
 * listen, accept/accept4, connect, shutdown, getsockname, getpeername,
 * sendto/sendmsg/sendmmsg, recvfrom/recvmsg/recvmmsg, setsockopt,
 * getsockopt), the socket file (read/write/readv/writev/poll/ioctl/
 * release on an fd are sendmsg/recvmsg/poll/ioctl/release of its socket),
 * everything that is the same in every family (copying addresses, iovecs
 * and control messages in and out of user memory, SOL_SOCKET options
 * that only store a value, SO_TYPE/SO_DOMAIN/SO_PROTOCOL/SO_ERROR,
 * timeouts, the EFAULT/EINVAL/ENOTSOCK/EOPNOTSUPP checks), and the
 * family registry.  A family (net/unix.c, net/inet.c, net/netlink.c)
 * provides a struct sock_family with its create function and one struct
 * sock_ops per socket type it makes.
 *
 * Objects and references.  A struct socket is allocated by its family's
 * create (the family's own struct embeds it first) and belongs to exactly
 * one struct file (f->priv): the file's last reference calls ops->release,
 * which frees it.  A family that lets other objects point at a socket
 * (a Unix peer, a listener's accept queue, lwIP's callbacks) counts those
 * pointers itself, with sock_get()/sock_put() on s->refcnt; release is
 * then "the fd side is gone", and the memory goes at the last sock_put.
 * s->file is a plain pointer, good while the file is open.
 *
 * Locking.  s->lock (a mutex) guards the family's state of one socket;
 * the generic layer takes it only around the option fields below.  A
 * family may keep a lock of its own instead (inet sockets use the one
 * stack lock, net/lwip.c) and say so in its file.  Never hold a socket's
 * lock while taking another socket's unless the family defines an order
 * (net/unix.c: by address).  Readiness changes wake s->wq (poll, epoll
 * and blocked callers all wait there); wakers may run in interrupt
 * context (lwIP's callbacks do).
 *
 * Blocking.  A call that would block returns -EAGAIN with O_NONBLOCK on
 * the file or MSG_DONTWAIT, else sleeps with sock_wait() (interruptible;
 * -ERESTARTSYS for a signal, or -EINTR where Linux never restarts;
 * -EAGAIN when SO_RCVTIMEO/SO_SNDTIMEO runs out, as Linux's EAGAIN/
 * EWOULDBLOCK).  A call that moved some bytes before the signal or the
 * timeout returns the count.
 */
#ifndef KOS_SOCKET_H
#define KOS_SOCKET_H

#include <kos/file.h>
#include <kos/mutex.h>
#include <kos/types.h>
#include <kos/waitq.h>
#include <uapi/socket.h>

struct socket;
struct poll_table;

/*
 * One message on its way between sendmsg/recvmsg and a family, in kernel
 * form.  The generic layer fills it from the user's msghdr (checking the
 * iovecs; data stays in user memory behind uio) and copies the results
 * back.
 */
struct sock_msg {
	struct uio *uio; /* the data: resid bytes wanted or offered */
	/*
	 * send: the destination address copied in (namelen 0: none);
	 * recv: the family stores the source here and sets namelen (0: no
	 * address, as a connected stream reports).
	 */
	struct sockaddr_storage name;
	unsigned int namelen;
	unsigned int flags; /* MSG_* of the call (in); msg_flags (out) */
	/*
	 * Control messages.  send: the user's cmsg buffer, copied into
	 * kernel memory (ctl, ctl_len; NULL/0 for none), for the family to
	 * parse with cmsg_first()/cmsg_next() below.  recv: the family
	 * appends what it has with sock_put_cmsg(), which writes straight
	 * to the user's buffer and sets MSG_CTRUNC when it runs out.
	 */
	void *ctl;
	size_t ctl_len;
	unsigned long uctl; /* recv: user address of the next cmsg */
	size_t uctl_room;   /* recv: bytes left there */
	size_t uctl_used;   /* recv: bytes written (msg_controllen out) */
};

struct sock_ops {
	/* 0 or -EXXX.  a is a kernel copy, len its length (<= SOCKADDR_MAX). */
	int (*bind)(struct socket *s, const struct sockaddr *a,
		    unsigned int len);
	/* fflags: the file's O_NONBLOCK.  -EINPROGRESS for non-blocking TCP. */
	int (*connect)(struct socket *s, const struct sockaddr *a,
		       unsigned int len, unsigned int fflags);
	int (*listen)(struct socket *s, int backlog); /* backlog clamped */
	/*
	 * A new connection: *newp, a fresh socket of the same family, with
	 * no file yet (the generic layer makes one, O_NONBLOCK/O_CLOEXEC
	 * from accept4's flags).  fflags: the listener file's flags.
	 */
	int (*accept)(struct socket *s, struct socket **newp,
		      unsigned int fflags);
	/* The local (peer false) or peer address into a; its length or -EXXX. */
	int (*getname)(struct socket *s, struct sockaddr_storage *a, bool peer);
	int (*shutdown)(struct socket *s, int how); /* SHUT_*, checked */
	/* Bytes sent/received, or -EXXX (see Blocking). */
	ssize_t (*sendmsg)(struct socket *s, struct sock_msg *m,
			   unsigned int fflags);
	ssize_t (*recvmsg)(struct socket *s, struct sock_msg *m,
			   unsigned int fflags);
	/* POLL* bits now; poll_wait(pt, &s->wq) (kos/poll.h). */
	unsigned int (*poll)(struct socket *s, struct poll_table *pt);
	/*
	 * Options of any level but those SOL_SOCKET ones the generic layer
	 * keeps itself (see "Options" in net/socket.c); val is a kernel
	 * copy of len bytes (<= 256) / room for *len bytes.  NULL or
	 * -ENOPROTOOPT: not supported (-EOPNOTSUPP for a NULL hook at a
	 * level other than SOL_SOCKET, as Linux).  setsockopt also hears of
	 * every SOL_SOCKET option the generic layer keeps, before it is
	 * stored (the value is at least an int): an error other than
	 * -ENOPROTOOPT refuses it (unix: SO_REUSEPORT), 0 lets it be stored
	 * (inet passes SO_KEEPALIVE on to lwIP).
	 */
	int (*setsockopt)(struct socket *s, int level, int name,
			  const void *val, unsigned int len);
	int (*getsockopt)(struct socket *s, int level, int name, void *val,
			  unsigned int *len);
	/* ioctl(2) on the socket's fd (arg raw); NULL: -ENOTTY. */
	long (*ioctl)(struct socket *s, unsigned int cmd, unsigned long arg);
	/* socketpair(2): connect two fresh sockets of this type; NULL: -EOPNOTSUPP. */
	int (*pair)(struct socket *a, struct socket *b);
	/* The fd side is gone (see Objects and references).  Required. */
	void (*release)(struct socket *s);
	/*
	 * SO_PEEK_OFF is honoured by recvmsg (MSG_PEEK starts at
	 * s->peek_off when it is >= 0 and moves it on; reads move it back,
	 * not below 0).  false: the option is EOPNOTSUPP, as Linux for a
	 * family without set_peek_off.
	 */
	bool peek_off;
	/* /proc/<pid>/fdinfo lines after the generic ones.  Optional. */
	void (*show_fdinfo)(struct socket *s,
			    void (*sink)(void *ctx, const char *t, size_t n),
			    void *ctx);
};

struct socket {
	unsigned int refcnt; /* atomic: see Objects and references */
	int family;	     /* AF_* */
	int type;	     /* SOCK_* without SOCK_NONBLOCK/CLOEXEC */
	int protocol;	     /* as created (0 resolved to the real one) */
	const struct sock_ops *ops;
	struct file *file; /* the fd side; NULL before sock_attach_file */
	unsigned long ino; /* socket:[ino], st_ino of the fd */
	struct mutex lock;
	struct waitq wq; /* readiness changes: see Locking */
	/*
	 * SOL_SOCKET state every family shares (lock): set by the generic
	 * layer, read by the family.
	 */
	/* 0: wait for ever; 1: do not wait (a negative time was set) */
	uint64_t rcvtimeo_ns, sndtimeo_ns;
	int rcvbuf, sndbuf; /* as SO_RCVBUF/SO_SNDBUF report */
	int rcvlowat;
	int peek_off; /* SO_PEEK_OFF: -1 (off) or any value set (ops->peek_off) */
	int so_error; /* pending error for SO_ERROR, 0 if none (positive) */
	/*
	 * SO_LINGER as getsockopt reports it; a negative time set is "for
	 * ever" and reads back as Linux's (int)(LONG_MAX / HZ).
	 */
	struct linger linger;
	bool reuseaddr, reuseport, keepalive, broadcast, passcred, oobinline;
	bool dontroute, timestamp, debug, no_check;
	bool acceptconn; /* SO_ACCEPTCONN: the family's listen sets it */
	int priority, mark;
	unsigned int shutdown; /* SEND_SHUTDOWN | RCV_SHUTDOWN, family's */
	/*
	 * A send found no room since room last came back (atomic; Linux's
	 * SOCKWQ_ASYNC_NOSPACE): only then does room coming back signal
	 * an O_ASYNC owner (sock_wake_space).
	 */
	bool nospace;
};

#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2

struct sock_family {
	int family; /* AF_* */
	/*
	 * A new socket of (type, protocol): 0 and *out, or -ESOCKTNOSUPPORT,
	 * -EPROTONOSUPPORT, -EPERM (SOCK_RAW without CAP_NET_RAW), -ENOMEM.
	 * The family calls sock_init() on it.
	 */
	int (*create)(int type, int protocol, struct socket **out);
};

/* Families register once at start (kos_main calls net_init()). */
void sock_register(const struct sock_family *fam);

/*
 * Fill the generic fields of a new socket: refcnt 1, ops, defaults
 * (rcvbuf/sndbuf as Linux's for the family's caller to override, no
 * timeouts), a fresh inode number.
 */
void sock_init(struct socket *s, int family, int type, int protocol,
	       const struct sock_ops *ops);
void sock_get(struct socket *s);
/* The last reference: free(s) is called (the family's memory). */
void sock_put(struct socket *s, void (*free)(struct socket *s));

/*
 * Give s a file (flags: O_NONBLOCK, O_CLOEXEC is the fd's) and install it
 * as a new fd: the fd or -EMFILE/-ENOMEM (s is then released).  For
 * families that hand out sockets of their own (accept does it through
 * the generic layer already).
 */
int sock_install_fd(struct socket *s, unsigned int flags);
/* The socket behind file f, or NULL if f is no socket. */
struct socket *sock_from_file(struct file *f);

/*
 * Sleep on s->wq until cond(arg) holds, a signal (-ERESTARTSYS; -EINTR
 * when there is a deadline, as Linux never restarts a timed socket
 * wait), or the deadline (monotonic ns, UINT64_MAX none: -EAGAIN).
 * Drops and retakes lock around the sleep if it is not NULL.
 */
int sock_wait(struct socket *s, struct mutex *lock, bool (*cond)(void *arg),
	      void *arg, uint64_t deadline_ns);
/* The deadline SO_RCVTIMEO / SO_SNDTIMEO give a call starting now. */
uint64_t sock_rcv_deadline(struct socket *s);
uint64_t sock_snd_deadline(struct socket *s);
/* Wake everything waiting on s (readiness changed).  Any context. */
void sock_wake(struct socket *s);
/*
 * Room to send came back to s (its data read or acknowledged): wake its
 * sleepers and pollers, and its O_ASYNC owner only if a send had found
 * no room (s->nospace) and s is writable now.  Any context.
 */
void sock_wake_space(struct socket *s, bool writable);
/* A send found no room (see nospace). */
static inline void sock_set_nospace(struct socket *s)
{
	__atomic_store_n(&s->nospace, true, __ATOMIC_RELAXED);
}

/*
 * Send SIGPIPE to the calling thread for an EPIPE on a send without
 * MSG_NOSIGNAL (the families call it where Linux does).
 */
void sock_sigpipe(unsigned int msg_flags);

/*
 * Control messages of a send (m->ctl): the first / the next header whose
 * length fits, or NULL.  cmsg_data() is its payload, cmsg_datalen() the
 * payload's length.
 */
struct cmsghdr *cmsg_first(struct sock_msg *m);
struct cmsghdr *cmsg_next(struct sock_msg *m, struct cmsghdr *c);
void *cmsg_data(struct cmsghdr *c);
size_t cmsg_datalen(const struct cmsghdr *c);
/*
 * Append a control message to a receive (level, type, len bytes of
 * data): 0; or sets MSG_CTRUNC and returns -ENOSPC when it does not fit
 * (the caller decides what is lost, e.g. fds of SCM_RIGHTS are closed);
 * -EFAULT for a bad buffer.  recvmsg with MSG_CMSG_CLOEXEC is the
 * family's to honour for SCM_RIGHTS.
 */
int sock_put_cmsg(struct sock_msg *m, int level, int type, const void *data,
		  size_t len);

/* Socket inode numbers and /proc/net helpers share this counter. */
unsigned long sock_next_ino(void);

/* The files of /proc/net (net/procnet.c), in directory order. */
enum {
	NET_PROC_TCP,
	NET_PROC_TCP6,
	NET_PROC_UDP,
	NET_PROC_UDP6,
	NET_PROC_UDPLITE,
	NET_PROC_UDPLITE6,
	NET_PROC_RAW,
	NET_PROC_RAW6,
	NET_PROC_UNIX,
	NET_PROC_DEV,
	NET_PROC_ROUTE,
	NET_PROC_IF_INET6,
	NET_PROC_N
};
/*
 * The whole text of /proc/net/<which>, handed to sink a line at a time
 * (sink may allocate; it is called with network locks held).
 */
void net_proc_show(int which, void (*sink)(void *ctx, const char *t, size_t n),
		   void *ctx);

/* Start the network: families, lwIP and interfaces (net/net.c). */
void net_init(void);

#endif
