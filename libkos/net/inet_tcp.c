/*
 * TCP sockets (SOCK_STREAM of AF_INET/AF_INET6) on lwIP's raw TCP API;
 * net/inet.c has the design and the locking.
 *
 * States.  Linux keeps two: the socket's (SS_UNCONNECTED, SS_CONNECTING,
 * SS_CONNECTED: is->ss, which decides EISCONN/EALREADY and the second
 * connect() after a non-blocking one) and the connection's (TCP_*),
 * which here is the pcb's state (tcp_linux_state()); a socket whose pcb
 * lwIP freed (reset, timeout, both sides closed) is TCP_CLOSE with both
 * directions shut, as after Linux's tcp_done().
 *
 * Receive.  lwIP's recv callback appends the pbufs it is given to rxq
 * (no copy); recvmsg copies out of them without the stack lock (only the
 * rx_mutex holder ever removes from rxq) and then frees what it consumed
 * and opens the window with tcp_recved(), so the TCP window is the
 * receive buffer.  The peer's FIN sets fin_rcvd (Linux's RCV_SHUTDOWN).
 *
 * Send.  sendmsg copies up to 64 KiB of the user's data into a kernel
 * buffer without the stack lock, then hands as much as lwIP's send
 * buffer takes to tcp_write(), waiting (inet_wait) for the sent callback
 * when it is full.  POLLOUT follows lwIP's low-water marks.
 *
 * Listen.  tcp_listen gives a listening pcb with lwIP's backlog set to
 * Linux's backlog + 1 (at most 255: lwIP's is a byte); each connection
 * lwIP completes becomes a socket without a file on the listener's
 * acceptq (tcp_backlog_delayed() keeps it counted until accept takes it).
 * accept4 checks for a free fd before it takes one (net/socket.c), so
 * EMFILE leaves the connection queued, as Linux.
 *
 * Close.  Unread data or SO_LINGER {1, 0} resets; SO_LINGER with a time
 * sends the FIN and waits for the peer to acknowledge data and FIN
 * (tcp_linger); otherwise tcp_close and lwIP finishes alone.
 *
 * SO_RCVLOWAT is recv's target (as MSG_WAITALL's) and poll's POLLIN
 * mark; SO_PEEK_OFF moves with peeks and reads (tcp_peek_off_move).
 */
#include <kos/kmalloc.h>
#include <kos/poll.h>
#include <kos/socket.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/ioctl.h>

#include "inet_internal.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#define TCP_TX_CHUNK (64 * 1024)
#define TCP_MIN_MSS 88
#define TCP_MAX_KEEPIDLE 32767
#define TCP_MAX_KEEPCNT 127

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
			 err_t err);
static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len);
static void tcp_err_cb(void *arg, err_t err);

/* ---- pcbs and callbacks ----------------------------------------------- */

static void tcp_attach(struct inet_sock *is, struct tcp_pcb *pcb)
{
	is->pcb.tcp = pcb;
	tcp_arg(pcb, is);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_sent(pcb, tcp_sent_cb);
	tcp_err(pcb, tcp_err_cb);
}

/* Cut the pcb loose from is: lwIP's defaults take over. */
static void tcp_detach(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->pcb.tcp;

	if (!pcb)
		return;
	tcp_arg(pcb, NULL);
	if (pcb->state == LISTEN) {
		tcp_accept(pcb, NULL);
	} else {
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
	}
	is->pcb.tcp = NULL;
}

/* A fresh pcb for is, with its options (created, or reused after a reset). */
static int tcp_new_pcb(struct inet_sock *is)
{
	u8_t type = is->sk.family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY;
	struct tcp_pcb *pcb = tcp_new_ip_type(type);

	if (!pcb)
		return -ENOBUFS;
	pcb->so_options = SOF_REUSEADDR | inet_sof(is);
	if (is->sk.keepalive)
		ip_set_option(pcb, SOF_KEEPALIVE);
	if (is->nodelay)
		tcp_nagle_disable(pcb);
	if (is->keepidle)
		pcb->keep_idle = is->keepidle * 1000U;
#if LWIP_TCP_KEEPALIVE
	if (is->keepintvl)
		pcb->keep_intvl = is->keepintvl * 1000U;
	if (is->keepcnt)
		pcb->keep_cnt = is->keepcnt;
#endif
	tcp_attach(is, pcb);
	is->bound = false;
	is->closed = false;
	is->fin_rcvd = false;
	is->sk.shutdown = 0;
	inet_apply_ip_opts(is);
	return 0;
}

int inet_tcp_create(struct inet_sock *is)
{
	return tcp_new_pcb(is);
}

static void rxq_free(struct inet_sock *is)
{
	if (is->rxq)
		pbuf_free(is->rxq);
	is->rxq = is->rxq_tail = NULL;
	is->rxq_off = 0;
	is->rx_len = 0;
}

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
			 err_t err)
{
	struct inet_sock *is = arg;

	if (!is) { /* detached: drop it, as lwIP's tcp_recv_null */
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		is->fin_rcvd = true;
	} else {
		struct pbuf *last = p;

		while (last->next)
			last = last->next;
		is->rx_len += p->tot_len;
		if (is->rxq_tail)
			is->rxq_tail->next = p;
		else
			is->rxq = p;
		is->rxq_tail = last;
	}
	sock_wake(&is->sk);
	return ERR_OK;
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct inet_sock *is = arg;

	if (is)
		sock_wake_space(&is->sk, true);
	return ERR_OK;
}

/* lwIP freed the pcb: reset, timeout, or both directions closed. */
static void tcp_err_cb(void *arg, err_t err)
{
	struct inet_sock *is = arg;

	if (!is)
		return;
	is->pcb.tcp = NULL;
	if (err == ERR_CLSD) {
		is->closed = true;
	} else if (err == ERR_RST && is->fin_rcvd) {
		is->sk.so_error = EPIPE; /* Linux: a reset in CLOSE_WAIT */
	} else if (!is->ever_connected) {
		is->sk.so_error = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
	} else if (!is->closed) {
		is->sk.so_error = err == ERR_RST ? ECONNRESET : ETIMEDOUT;
	}
	is->sk.shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
	sock_wake(&is->sk);
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *is = arg;

	if (is) {
		is->ever_connected = true;
		sock_wake(&is->sk);
	}
	return ERR_OK;
}

static void sock_copy_opts(struct socket *to, const struct socket *from)
{
	to->rcvbuf = from->rcvbuf;
	to->sndbuf = from->sndbuf;
	to->rcvlowat = from->rcvlowat;
	to->linger = from->linger;
	to->reuseaddr = from->reuseaddr;
	to->reuseport = from->reuseport;
	to->keepalive = from->keepalive;
	to->oobinline = from->oobinline;
	to->priority = from->priority;
	to->mark = from->mark;
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *l = arg, *c;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	if (!l || !l->listening || !(c = kzalloc(sizeof(*c)))) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	sock_init(&c->sk, l->sk.family, SOCK_STREAM, IPPROTO_TCP,
		  &inet_tcp_ops);
	sock_copy_opts(&c->sk, &l->sk);
	mutex_init(&c->rx_mutex, "inet-rx");
	mutex_init(&c->tx_mutex, "inet-tx");
	list_init(&c->acceptq);
	list_init(&c->dgq);
	c->v6only = l->v6only;
	c->ttl = l->ttl;
	c->tos = l->tos;
	c->mc_ttl = l->mc_ttl;
	c->mc_loop = l->mc_loop;
	c->nodelay = l->nodelay;
	c->keepidle = l->keepidle;
	c->keepintvl = l->keepintvl;
	c->keepcnt = l->keepcnt;
	c->maxseg = l->maxseg;
	c->bound = true;
	c->ss = INET_SS_CONNECTED;
	c->ever_connected = true;
	tcp_attach(c, pcb);
	pcb->so_options = SOF_REUSEADDR | inet_sof(c) |
			  (c->sk.keepalive ? SOF_KEEPALIVE : 0);
	if (c->nodelay)
		tcp_nagle_disable(pcb);
	inet_apply_ip_opts(c);
	tcp_backlog_delayed(pcb);
	c->parent = l;
	list_add_tail(&c->all_link, &inet_all);
	list_add_tail(&c->accept_link, &l->acceptq);
	l->acceptq_len++;
	sock_wake(&l->sk);
	return ERR_OK;
}

/* Linux's TCP_* state of is. */
static int tcp_linux_state(struct inet_sock *is)
{
	static const uint8_t map[] = {
		[CLOSED] = TCP_CLOSE,
		[LISTEN] = TCP_LISTEN,
		[SYN_SENT] = TCP_SYN_SENT,
		[SYN_RCVD] = TCP_SYN_RECV,
		[ESTABLISHED] = TCP_ESTABLISHED,
		[FIN_WAIT_1] = TCP_FIN_WAIT1,
		[FIN_WAIT_2] = TCP_FIN_WAIT2,
		[CLOSE_WAIT] = TCP_CLOSE_WAIT,
		[CLOSING] = TCP_CLOSING,
		[LAST_ACK] = TCP_LAST_ACK,
		[TIME_WAIT] = TCP_TIME_WAIT,
	};

	if (!is->pcb.tcp)
		return TCP_CLOSE;
	return map[is->pcb.tcp->state];
}

static bool tcp_can_send_state(int st)
{
	return st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT;
}

/* Take the pending error (Linux's sock_error()): -errno or 0. */
static int tcp_take_error(struct inet_sock *is)
{
	int e = is->sk.so_error;

	is->sk.so_error = 0;
	return -e;
}

/* ---- bind, listen, connect, accept ----------------------------------- */

/*
 * Bind the pcb to ip:*port (0: an ephemeral port), Linux's checks done.
 * Stack lock held.
 */
static int tcp_do_bind(struct inet_sock *is, ip_addr_t *ip, uint16_t port)
{
	unsigned int sof = inet_sof(is);
	int err;

	err = inet_port_check(IPPROTO_TCP, is->pcb.tcp, ip, &port, sof, false);
	if (err)
		return err;
	is->pcb.tcp->so_options =
		inet_so_options(is, is->pcb.tcp->so_options) | SOF_REUSEADDR;
	err_t e = tcp_bind(is->pcb.tcp, ip, port);

	if (e)
		return e == ERR_USE ? -EADDRINUSE : -inet_errno(e);
	is->bound = true;
	return 0;
}

static int tcp_bind_op(struct socket *s, const struct sockaddr *a,
		       unsigned int len)
{
	struct inet_sock *is = inet_sk(s);
	ip_addr_t ip;
	uint16_t port;
	int err;

	inet_lock();
	err = inet_bind_addr(is, a, len, &ip, &port);
	if (err)
		;
	else if (is->bound || is->listening || !is->pcb.tcp ||
		 is->pcb.tcp->state != CLOSED)
		err = -EINVAL;
	else
		err = tcp_do_bind(is, &ip, port);
	inet_unlock();
	return err;
}

/* A listener's queued, never accepted connections: reset and freed. */
static void tcp_drop_acceptq(struct inet_sock *l)
{
	struct inet_sock *c, *n;

	list_for_each_entry_safe (c, n, &l->acceptq, accept_link) {
		list_del(&c->accept_link);
		struct tcp_pcb *pcb = c->pcb.tcp;

		tcp_detach(c);
		if (pcb)
			tcp_abort(pcb);
		rxq_free(c);
		list_del(&c->all_link);
		sock_put(&c->sk, inet_free);
	}
	l->acceptq_len = 0;
}

/* Stop listening (shutdown(SHUT_RD), connect(AF_UNSPEC)). */
static void tcp_unlisten(struct inet_sock *is)
{
	struct tcp_pcb *lpcb = is->pcb.tcp;

	tcp_drop_acceptq(is);
	tcp_detach(is);
	tcp_close(lpcb);
	is->listening = false;
	is->sk.acceptconn = false;
	tcp_new_pcb(is);
	sock_wake(&is->sk);
}

static int tcp_listen_op(struct socket *s, int backlog)
{
	struct inet_sock *is = inet_sk(s);
	int lbacklog = MIN(backlog + 1, 255);
	int err = 0;

	if (lbacklog < 1)
		lbacklog = 1;
	inet_lock();
	if (is->ss != INET_SS_UNCONNECTED) {
		err = -EINVAL;
		goto out;
	}
	if (is->listening) {
		is->backlog = backlog;
		tcp_backlog_set(is->pcb.tcp, (u8_t)lbacklog);
		goto out;
	}
	if (!is->pcb.tcp && (err = tcp_new_pcb(is)))
		goto out;
	if (is->pcb.tcp->state != CLOSED) {
		err = -EINVAL;
		goto out;
	}
	if (!is->bound) {
		ip_addr_t any;

		inet_any_addr(is, &any);
		err = tcp_do_bind(is, &any, 0);
	} else {
		uint16_t port = is->pcb.tcp->local_port;

		err = inet_port_check(IPPROTO_TCP, is->pcb.tcp,
				      &is->pcb.tcp->local_ip, &port,
				      inet_sof(is), true);
	}
	if (err)
		goto out;
	err_t e;
	struct tcp_pcb *pcb = is->pcb.tcp;
	struct tcp_pcb *lpcb =
		tcp_listen_with_backlog_and_err(pcb, (u8_t)lbacklog, &e);

	if (!lpcb) {
		err = e == ERR_USE ? -EADDRINUSE : -ENOBUFS;
		goto out;
	}
	is->pcb.tcp = lpcb; /* the old pcb is freed */
	tcp_accept(lpcb, tcp_accept_cb);
	is->listening = true;
	is->backlog = backlog;
	s->acceptconn = true;
out:
	inet_unlock();
	return err;
}

static bool tcp_connect_done(void *arg)
{
	struct inet_sock *is = arg;
	int st = tcp_linux_state(is);

	return st != TCP_SYN_SENT && st != TCP_SYN_RECV;
}

static int tcp_connect_op(struct socket *s, const struct sockaddr *a,
			  unsigned int len, unsigned int fflags)
{
	struct inet_sock *is = inet_sk(s);
	ip_addr_t ip;
	uint16_t port;
	int err = 0, st;

	if (len < sizeof(sa_family_t))
		return -EINVAL;
	inet_lock();
	if (a->sa_family == AF_UNSPEC) {
		/* Linux's tcp_disconnect: back to a fresh, closed socket. */
		if (is->listening) {
			tcp_unlisten(is);
		} else if (is->pcb.tcp && is->pcb.tcp->state != CLOSED) {
			struct tcp_pcb *pcb = is->pcb.tcp;

			tcp_detach(is);
			tcp_abort(pcb);
			rxq_free(is);
			err = tcp_new_pcb(is);
		}
		is->ss = INET_SS_UNCONNECTED;
		is->ever_connected = false;
		inet_unlock();
		return 0;
	}
	switch (is->ss) {
	case INET_SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case INET_SS_CONNECTING:
		err = -EALREADY;
		break;
	case INET_SS_UNCONNECTED:
		if (tcp_linux_state(is) != TCP_CLOSE) {
			err = -EISCONN;
			goto out;
		}
		if (is->sk.family == AF_INET) {
			if (len < sizeof(struct sockaddr_in)) {
				err = -EINVAL;
				goto out;
			}
			if (a->sa_family != AF_INET) {
				err = -EAFNOSUPPORT;
				goto out;
			}
		} else {
			if (len < SIN6_LEN_RFC2133) {
				err = -EINVAL;
				goto out;
			}
			if (a->sa_family != AF_INET6) {
				err = -EAFNOSUPPORT;
				goto out;
			}
		}
		err = inet_addr_in(is, a, len, &ip, &port);
		if (err)
			goto out;
		if (IP_IS_V4(&ip) && is->v6only) {
			err = -ENETUNREACH;
			goto out;
		}
		/* BSD: connecting to the any address means this host. */
		if (ip_addr_isany(&ip)) {
			if (IP_IS_V4(&ip))
				ip_addr_copy(ip, inet_loopback4);
			else
				ip_addr_copy(ip, inet_loopback6);
		}
		if (!is->pcb.tcp && (err = tcp_new_pcb(is)))
			goto out;
		if (!is->bound) {
			ip_addr_t any;

			inet_any_addr(is, &any);
			if (IP_IS_V4(&ip) && is->sk.family == AF_INET6)
				ip_addr_copy(any, *IP4_ADDR_ANY);
			err = tcp_do_bind(is, &any, 0);
			if (err)
				goto out;
		}
		is->sk.so_error = 0;
		err_t e = tcp_connect(is->pcb.tcp, &ip, port, tcp_connected_cb);

		if (e) {
			err = e == ERR_USE ? -EADDRNOTAVAIL : -inet_errno(e);
			goto out;
		}
		is->ss = INET_SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	}
	st = tcp_linux_state(is);
	if (st == TCP_SYN_SENT || st == TCP_SYN_RECV) {
		if (fflags & 04000 /* O_NONBLOCK */)
			goto out;
		int w = inet_wait(is, tcp_connect_done, is,
				  sock_snd_deadline(s));

		if (w == -EAGAIN) /* SO_SNDTIMEO ran out */
			goto out;
		if (w) {
			err = w;
			goto out;
		}
	}
	if (tcp_linux_state(is) == TCP_CLOSE) {
		err = tcp_take_error(is);
		if (!err)
			err = -ECONNABORTED;
		/* Linux's tcp_disconnect: a fresh socket again */
		is->ss = INET_SS_UNCONNECTED;
		if (!is->pcb.tcp)
			tcp_new_pcb(is);
		goto out;
	}
	is->ss = INET_SS_CONNECTED;
	err = 0;
out:
	inet_unlock();
	return err;
}

static bool tcp_accept_ready(void *arg)
{
	struct inet_sock *is = arg;

	return is->acceptq_len || !is->listening;
}

static int tcp_accept_op(struct socket *s, struct socket **newp,
			 unsigned int fflags)
{
	struct inet_sock *is = inet_sk(s);
	int err = 0;

	inet_lock();
	while (is->listening && !is->acceptq_len) {
		if (fflags & 04000 /* O_NONBLOCK */) {
			err = -EAGAIN;
			goto out;
		}
		err = inet_wait(is, tcp_accept_ready, is, sock_rcv_deadline(s));
		if (err)
			goto out;
	}
	if (!is->listening) {
		err = -EINVAL;
		goto out;
	}
	struct inet_sock *c =
		list_first_entry(&is->acceptq, struct inet_sock, accept_link);

	list_del(&c->accept_link);
	is->acceptq_len--;
	c->parent = NULL;
	if (c->pcb.tcp)
		tcp_backlog_accepted(c->pcb.tcp);
	*newp = &c->sk;
out:
	inet_unlock();
	return err;
}

static int tcp_getname(struct socket *s, struct sockaddr_storage *a, bool peer)
{
	struct inet_sock *is = inet_sk(s);
	struct tcp_pcb *pcb;
	int ret;

	inet_lock();
	pcb = is->pcb.tcp;
	if (peer) {
		int st = tcp_linux_state(is);

		if (!pcb || st == TCP_CLOSE || st == TCP_SYN_SENT ||
		    st == TCP_LISTEN)
			ret = -ENOTCONN;
		else
			ret = inet_addr_out(is, &pcb->remote_ip,
					    pcb->remote_port, a);
	} else if (pcb) {
		ret = inet_addr_out(is, &pcb->local_ip, pcb->local_port, a);
	} else {
		ip_addr_t any;

		inet_any_addr(is, &any);
		ret = inet_addr_out(is, &any, 0, a);
	}
	inet_unlock();
	return ret;
}

static int tcp_shutdown_op(struct socket *s, int how)
{
	struct inet_sock *is = inet_sk(s);
	unsigned int bits = how + 1; /* SHUT_RD 0 -> RCV 1, ... */
	int err = 0, st;

	inet_lock();
	if (is->ss == INET_SS_CONNECTING) {
		st = tcp_linux_state(is);
		if (st == TCP_SYN_SENT || st == TCP_SYN_RECV || st == TCP_CLOSE)
			is->ss = INET_SS_UNCONNECTED; /* "disconnecting" */
		else
			is->ss = INET_SS_CONNECTED;
	}
	st = tcp_linux_state(is);
	switch (st) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		is->sk.shutdown |= bits;
		break;
	case TCP_LISTEN:
		if (bits & RCV_SHUTDOWN)
			tcp_unlisten(is);
		break;
	case TCP_SYN_SENT: {
		struct tcp_pcb *pcb = is->pcb.tcp;

		tcp_detach(is);
		tcp_abort(pcb);
		tcp_new_pcb(is);
		is->ss = INET_SS_UNCONNECTED;
		break;
	}
	default:
		is->sk.shutdown |= bits;
		if ((bits & SEND_SHUTDOWN) && is->pcb.tcp)
			tcp_shutdown(is->pcb.tcp, 0, 1);
		break;
	}
	sock_wake(&is->sk);
	inet_unlock();
	return err;
}

/* ---- data ----------------------------------------------------------- */

struct tcp_rx_wait {
	struct inet_sock *is;
	size_t have; /* bytes already seen (MSG_PEEK) */
};

static bool tcp_rx_ready(void *arg)
{
	struct tcp_rx_wait *w = arg;
	struct inet_sock *is = w->is;

	return is->rx_len > w->have || is->fin_rcvd || is->sk.so_error ||
	       (is->sk.shutdown & RCV_SHUTDOWN) || !is->pcb.tcp ||
	       is->listening;
}

/* Drop n bytes from the head of rxq and open the window by as many. */
static void rxq_consume(struct inet_sock *is, size_t n)
{
	size_t left = n;

	while (left && is->rxq) {
		struct pbuf *p = is->rxq;
		size_t k = MIN(left, (size_t)p->len - is->rxq_off);

		is->rxq_off += k;
		left -= k;
		if (is->rxq_off == p->len) {
			is->rxq = p->next;
			if (!is->rxq)
				is->rxq_tail = NULL;
			p->next = NULL;
			pbuf_free(p);
			is->rxq_off = 0;
		}
	}
	is->rx_len -= n;
	for (size_t w = n; w && is->pcb.tcp; w -= MIN(w, 0xffff))
		tcp_recved(is->pcb.tcp, (u16_t)MIN(w, 0xffff));
}

/* SO_PEEK_OFF (when >= 0) follows a peek of n (n > 0) or a read of -n. */
static void tcp_peek_off_move(struct socket *s, long n)
{
	long off = READ_ONCE(s->peek_off);

	if (off < 0)
		return;
	off += n;
	WRITE_ONCE(s->peek_off, (int)MIN(MAX(off, 0L), (long)INT32_MAX));
}

static ssize_t tcp_recvmsg(struct socket *s, struct sock_msg *m,
			   unsigned int fflags)
{
	struct inet_sock *is = inet_sk(s);
	unsigned int flags = m->flags;
	bool peek = flags & MSG_PEEK;
	bool nonblock = inet_nonblock(fflags, flags);
	size_t want = m->uio->resid, copied = 0;
	/* Linux's sock_rcvlowat: MSG_WAITALL, else SO_RCVLOWAT, at most want */
	size_t target = (flags & MSG_WAITALL)
				? want
				: MIN(want, (size_t)READ_ONCE(s->rcvlowat));
	uint64_t deadline = sock_rcv_deadline(s);
	ssize_t ret = 0;

	m->namelen = 0;
	m->flags = 0;
	if (flags & MSG_OOB)
		return -EINVAL;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	if (target < 1 || (target > 1 && peek))
		target = 1;
	mutex_lock(&is->rx_mutex);
	inet_lock();
	if (is->listening) {
		ret = -ENOTCONN;
		goto out;
	}
	/* SO_PEEK_OFF: a peek starts that far in (if it is >= 0) */
	int poff = peek ? READ_ONCE(s->peek_off) : -1;
	size_t skip = poff > 0 ? (size_t)poff : 0;

	while (copied < want) {
		size_t have = peek ? skip + copied : 0;

		if (is->rx_len > have) {
			size_t n = MIN(want - copied, is->rx_len - have);
			int err = 0;

			inet_unlock();
			if (!(flags & MSG_TRUNC))
				err = inet_pbuf_copyout(m->uio, is->rxq,
							is->rxq_off + have, n);
			inet_lock();
			if (err) {
				ret = err;
				break;
			}
			if (!peek)
				rxq_consume(is, n);
			tcp_peek_off_move(s, peek ? (long)n : -(long)n);
			copied += n;
			if (copied >= target)
				break;
			continue;
		}
		if (copied && (is->sk.so_error || nonblock))
			break;
		if (is->sk.so_error) {
			ret = tcp_take_error(is);
			break;
		}
		if (is->fin_rcvd || (is->sk.shutdown & RCV_SHUTDOWN) ||
		    is->closed)
			break;
		if (is->pcb.tcp && is->pcb.tcp->state == CLOSED) {
			ret = -ENOTCONN;
			break;
		}
		if (nonblock) {
			ret = -EAGAIN;
			break;
		}
		struct tcp_rx_wait w = { is, have };
		int err = inet_wait(is, tcp_rx_ready, &w, deadline);

		if (err) {
			ret = err;
			break;
		}
	}
out:
	inet_unlock();
	mutex_unlock(&is->rx_mutex);
	if (copied)
		return copied;
	return ret;
}

struct tcp_tx_wait {
	struct inet_sock *is;
	unsigned int need; /* bytes of send buffer wanted */
};

static bool tcp_tx_ready(void *arg)
{
	struct tcp_tx_wait *w = arg;
	struct inet_sock *is = w->is;
	struct tcp_pcb *pcb = is->pcb.tcp;
	int st = tcp_linux_state(is);

	if (!pcb || is->sk.so_error || (is->sk.shutdown & SEND_SHUTDOWN))
		return true;
	if (st == TCP_SYN_SENT || st == TCP_SYN_RECV)
		return false;
	if (!tcp_can_send_state(st))
		return true;
	return tcp_sndbuf(pcb) >= w->need &&
	       tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN;
}

/*
 * Wait until is can take data (stack lock held): 0 with room in lwIP's
 * send buffer, or -EXXX (-EPIPE: the caller raises SIGPIPE).
 */
static int tcp_send_ready(struct inet_sock *is, bool nonblock,
			  uint64_t deadline, unsigned int need)
{
	for (;;) {
		struct tcp_pcb *pcb = is->pcb.tcp;
		int st = tcp_linux_state(is);

		if (is->sk.so_error)
			return tcp_take_error(is);
		if (is->sk.shutdown & SEND_SHUTDOWN)
			return -EPIPE;
		if (!tcp_can_send_state(st) && st != TCP_SYN_SENT &&
		    st != TCP_SYN_RECV)
			return -EPIPE;
		if (tcp_can_send_state(st) && tcp_sndbuf(pcb) >= need &&
		    tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN)
			return 0;
		sock_set_nospace(&is->sk);
		if (nonblock)
			return -EAGAIN;
		if (pcb && tcp_can_send_state(st))
			tcp_output(pcb);
		struct tcp_tx_wait w = { is, need };
		int err = inet_wait(is, tcp_tx_ready, &w, deadline);

		if (err)
			return err;
	}
}

static ssize_t tcp_sendmsg(struct socket *s, struct sock_msg *m,
			   unsigned int fflags)
{
	struct inet_sock *is = inet_sk(s);
	unsigned int flags = m->flags;
	bool nonblock = inet_nonblock(fflags, flags);
	uint64_t deadline = sock_snd_deadline(s);
	size_t sent = 0, pend = 0, poff = 0;
	size_t bufsz = MIN(m->uio->resid, (size_t)TCP_TX_CHUNK);
	uint8_t *buf = NULL;
	int err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (bufsz && !(buf = kmalloc(bufsz)))
		return -ENOBUFS;
	mutex_lock(&is->tx_mutex);
	if (!m->uio->resid) { /* a zero-length send still sees errors */
		inet_lock();
		err = tcp_send_ready(is, true, 0, 0);
		if (err == -EAGAIN)
			err = 0;
		inet_unlock();
	}
	while (pend || m->uio->resid) {
		if (!pend) {
			size_t n = MIN(m->uio->resid, bufsz);

			if (uio_copyin(m->uio, buf, n)) {
				err = -EFAULT;
				break;
			}
			pend = n;
			poff = 0;
		}
		inet_lock();
		err = tcp_send_ready(is, nonblock, deadline, 1);
		if (err) {
			inet_unlock();
			break;
		}
		struct tcp_pcb *pcb = is->pcb.tcp;
		size_t w = MIN(pend, (size_t)tcp_sndbuf(pcb));
		u8_t wf = TCP_WRITE_FLAG_COPY;

		if (w < pend || m->uio->resid || (flags & MSG_MORE))
			wf |= TCP_WRITE_FLAG_MORE;
		err_t e = tcp_write(pcb, buf + poff, (u16_t)MIN(w, 0xffff), wf);

		if (e == ERR_OK) {
			w = MIN(w, 0xffff);
			poff += w;
			pend -= w;
			sent += w;
		} else if (e != ERR_MEM) {
			err = -inet_errno(e);
			inet_unlock();
			break;
		}
		if (!is->cork && !(flags & MSG_MORE))
			tcp_output(pcb);
		if (e == ERR_MEM && !pcb->unsent && !pcb->unacked) {
			/* Nothing in flight whose acknowledgement frees room. */
			err = -ENOBUFS;
			inet_unlock();
			break;
		}
		if (e == ERR_MEM) {
			/* Out of segments: wait for acknowledgements. */
			err = tcp_send_ready(is, nonblock, deadline,
					     tcp_sndbuf(pcb) + 1);
			if (err) {
				inet_unlock();
				break;
			}
		}
		inet_unlock();
	}
	mutex_unlock(&is->tx_mutex);
	kfree(buf);
	if (sent)
		return sent;
	if (err == -EPIPE)
		sock_sigpipe(flags);
	return err;
}

/* ---- readiness, ioctls, options ------------------------------------------ */

static bool tcp_writable(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->pcb.tcp;

	return !pcb || (tcp_sndbuf(pcb) >= TCP_SNDLOWAT &&
			tcp_sndqueuelen(pcb) < TCP_SNDQUEUELOWAT);
}

static unsigned int tcp_poll_op(struct socket *s, struct poll_table *pt)
{
	struct inet_sock *is = inet_sk(s);
	unsigned int mask = 0, shut;
	int st;

	poll_wait(pt, &s->wq);
	inet_lock();
	st = tcp_linux_state(is);
	if (is->listening) {
		mask = is->acceptq_len ? POLLIN | POLLRDNORM : 0;
		goto out;
	}
	shut = is->sk.shutdown | (is->fin_rcvd ? RCV_SHUTDOWN : 0);
	if (shut == (RCV_SHUTDOWN | SEND_SHUTDOWN) || st == TCP_CLOSE)
		mask |= POLLHUP;
	if (shut & RCV_SHUTDOWN)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (st != TCP_SYN_SENT && st != TCP_SYN_RECV) {
		/* readable at SO_RCVLOWAT bytes, as Linux's tcp_poll */
		if (is->rx_len &&
		    is->rx_len >= (size_t)READ_ONCE(is->sk.rcvlowat))
			mask |= POLLIN | POLLRDNORM;
		if (!(shut & SEND_SHUTDOWN)) {
			if (tcp_writable(is))
				mask |= POLLOUT | POLLWRNORM;
		} else {
			mask |= POLLOUT | POLLWRNORM;
		}
	}
	if (is->sk.so_error)
		mask |= POLLERR;
out:
	inet_unlock();
	return mask;
}

static long tcp_ioctl(struct socket *s, unsigned int cmd, unsigned long arg)
{
	struct inet_sock *is = inet_sk(s);
	struct tcp_pcb *pcb;
	int v = 0;

	inet_lock();
	pcb = is->pcb.tcp;
	switch (cmd) {
	case SIOCINQ:
		if (is->listening)
			goto inval;
		v = (int)MIN(is->rx_len, (size_t)INT32_MAX);
		break;
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		if (is->listening)
			goto inval;
		if (pcb && pcb->state != CLOSED)
			v = cmd == SIOCOUTQ
				    ? (int)(pcb->snd_lbb - pcb->lastack)
				    : (int)(pcb->snd_lbb - pcb->snd_nxt);
		break;
	case SIOCATMARK:
		v = 0;
		break;
	default:
		inet_unlock();
		return -ENOTTY;
	}
	inet_unlock();
	return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
inval:
	inet_unlock();
	return -EINVAL;
}

static void tcp_fill_info(struct inet_sock *is, struct tcp_info *ti)
{
	struct tcp_pcb *pcb = is->pcb.tcp;

	kos_memset(ti, 0, sizeof(*ti));
	ti->tcpi_state = (uint8_t)tcp_linux_state(is);
	if (!pcb || is->listening) {
		if (is->listening) {
			ti->tcpi_unacked = is->acceptq_len;
			ti->tcpi_sacked = is->backlog;
		}
		return;
	}
	ti->tcpi_rto = (uint32_t)pcb->rto * TCP_SLOW_INTERVAL * 1000;
	ti->tcpi_snd_mss = pcb->mss;
	ti->tcpi_rcv_mss = pcb->mss;
	ti->tcpi_retransmits = pcb->nrtx;
	ti->tcpi_rtt = (uint32_t)(pcb->sa >> 3) * TCP_SLOW_INTERVAL * 1000;
	ti->tcpi_rttvar = (uint32_t)(pcb->sv >> 2) * TCP_SLOW_INTERVAL * 1000;
	ti->tcpi_snd_ssthresh = pcb->ssthresh / (pcb->mss ? pcb->mss : 1);
	ti->tcpi_snd_cwnd = pcb->cwnd / (pcb->mss ? pcb->mss : 1);
	ti->tcpi_advmss = pcb->mss;
	ti->tcpi_pmtu = pcb->mss + 40;
	ti->tcpi_rcv_space = pcb->rcv_wnd;
	ti->tcpi_reordering = 3;
}

static int get_opt_int(const void *val, unsigned int len, int *v)
{
	if (len < sizeof(int))
		return -EINVAL;
	kos_memcpy(v, val, sizeof(int));
	return 0;
}

static int put_opt_int(void *val, unsigned int *len, int v)
{
	unsigned int n = MIN(*len, (unsigned int)sizeof(int));

	kos_memcpy(val, &v, n);
	*len = n;
	return 0;
}

static int tcp_setsockopt(struct socket *s, int level, int name,
			  const void *val, unsigned int len)
{
	struct inet_sock *is = inet_sk(s);
	struct tcp_pcb *pcb;
	int v, err = 0;

	if (level == SOL_SOCKET) {
		/* Told before the generic layer stores the value. */
		if (get_opt_int(val, len, &v))
			return -ENOPROTOOPT;
		inet_lock();
		pcb = is->pcb.tcp;
		if (pcb && name == SO_KEEPALIVE) {
			if (v)
				ip_set_option(pcb, SOF_KEEPALIVE);
			else
				ip_reset_option(pcb, SOF_KEEPALIVE);
		} else if (pcb &&
			   (name == SO_REUSEADDR || name == SO_REUSEPORT)) {
			unsigned int bit = name == SO_REUSEADDR
						   ? INET_SOF_REUSEADDR
						   : INET_SOF_REUSEPORT;

			if (v)
				pcb->so_options |= bit;
			else
				pcb->so_options &= ~bit;
		}
		inet_unlock();
		return -ENOPROTOOPT;
	}
	if (level == SOL_IP || level == SOL_IPV6) {
		inet_lock();
		err = inet_ip_setsockopt(is, level, name, val, len);
		inet_unlock();
		return err;
	}
	if (level != SOL_TCP)
		return -ENOPROTOOPT;
	if (name != TCP_CONGESTION && get_opt_int(val, len, &v))
		return -EINVAL;
	inet_lock();
	pcb = is->listening ? NULL : is->pcb.tcp;
	switch (name) {
	case TCP_NODELAY:
		is->nodelay = v != 0;
		if (pcb && v)
			tcp_nagle_disable(pcb);
		else if (pcb)
			tcp_nagle_enable(pcb);
		if (pcb && v)
			tcp_output(pcb);
		break;
	case TCP_CORK:
		is->cork = v != 0;
		if (pcb && !v && tcp_can_send_state(tcp_linux_state(is)))
			tcp_output(pcb);
		break;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > TCP_MAX_KEEPIDLE) {
			err = -EINVAL;
			break;
		}
		if (name == TCP_KEEPIDLE) {
			is->keepidle = v;
			if (is->pcb.tcp)
				is->pcb.tcp->keep_idle = v * 1000U;
		} else {
			is->keepintvl = v;
#if LWIP_TCP_KEEPALIVE
			if (is->pcb.tcp)
				is->pcb.tcp->keep_intvl = v * 1000U;
#endif
		}
		break;
	case TCP_KEEPCNT:
		if (v < 1 || v > TCP_MAX_KEEPCNT) {
			err = -EINVAL;
			break;
		}
		is->keepcnt = v;
#if LWIP_TCP_KEEPALIVE
		if (is->pcb.tcp)
			is->pcb.tcp->keep_cnt = v;
#endif
		break;
	case TCP_MAXSEG:
		if (v && (v < TCP_MIN_MSS || v > 32767)) {
			err = -EINVAL;
			break;
		}
		is->maxseg = v;
		break;
	default:
		err = -ENOPROTOOPT;
		break;
	}
	inet_unlock();
	return err;
}

static int tcp_getsockopt(struct socket *s, int level, int name, void *val,
			  unsigned int *len)
{
	struct inet_sock *is = inet_sk(s);
	int err = 0, v;

	if (level == SOL_IP || level == SOL_IPV6) {
		inet_lock();
		err = inet_ip_getsockopt(is, level, name, val, len);
		inet_unlock();
		return err;
	}
	if (level != SOL_TCP)
		return -ENOPROTOOPT;
	if ((int)*len < 0)
		return -EINVAL;
	inet_lock();
	struct tcp_pcb *pcb = is->listening ? NULL : is->pcb.tcp;
	int st = tcp_linux_state(is);

	switch (name) {
	case TCP_NODELAY:
		v = is->nodelay;
		break;
	case TCP_CORK:
		v = is->cork;
		break;
	case TCP_KEEPIDLE:
		v = is->keepidle ? is->keepidle : 7200;
		break;
	case TCP_KEEPINTVL:
		v = is->keepintvl ? is->keepintvl : 75;
		break;
	case TCP_KEEPCNT:
		v = is->keepcnt ? is->keepcnt : 9;
		break;
	case TCP_MAXSEG:
		if (pcb && st != TCP_CLOSE && st != TCP_LISTEN)
			v = pcb->mss;
		else
			v = is->maxseg ? is->maxseg : 536;
		break;
	case TCP_INFO: {
		struct tcp_info ti;

		tcp_fill_info(is, &ti);
		*len = MIN(*len, (unsigned int)sizeof(ti));
		kos_memcpy(val, &ti, *len);
		inet_unlock();
		return 0;
	}
	default:
		err = -ENOPROTOOPT;
		break;
	}
	inet_unlock();
	if (err)
		return err;
	return put_opt_int(val, len, v);
}

/* ---- release ---------------------------------------------------------- */

/* SO_LINGER's wait: the data and the FIN are acknowledged (or it died). */
static bool tcp_linger_done(void *arg)
{
	struct inet_sock *is = arg;
	struct tcp_pcb *pcb = is->pcb.tcp;

	return !pcb || (pcb->state != FIN_WAIT_1 && pcb->state != CLOSING &&
			pcb->state != LAST_ACK);
}

/*
 * SO_LINGER with a time: close sends the FIN behind the data and waits
 * (at most l_linger seconds, or until a signal) for the peer to
 * acknowledge both, as Linux's tcp_close; then the connection goes on
 * without the socket, as after a plain close.
 */
static void tcp_linger(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->pcb.tcp;
	uint64_t secs = (uint64_t)is->sk.linger.l_linger;
	uint64_t deadline = secs >= UINT64_MAX / NSEC_PER_SEC / 2
				    ? UINT64_MAX
				    : clock_deadline_after(secs * NSEC_PER_SEC);

	if (pcb->state != ESTABLISHED && pcb->state != CLOSE_WAIT)
		return;
	if (tcp_shutdown(pcb, 0, 1) != ERR_OK)
		return;
	tcp_output(pcb);
	while (!tcp_linger_done(is))
		if (inet_wait(is, tcp_linger_done, is, deadline))
			break;
}

static void tcp_release(struct socket *s)
{
	struct inet_sock *is = inet_sk(s);
	struct tcp_pcb *pcb;

	inet_lock();
	if (!is->listening && is->pcb.tcp && s->linger.l_onoff &&
	    s->linger.l_linger > 0 && !is->rx_len)
		tcp_linger(is);
	pcb = is->pcb.tcp;
	if (is->listening) {
		tcp_drop_acceptq(is);
		tcp_detach(is);
		tcp_close(pcb);
	} else if (pcb) {
		pcb->so_options = inet_so_options(is, pcb->so_options);
		tcp_detach(is);
		if ((s->linger.l_onoff && !s->linger.l_linger) || is->rx_len) {
			/* Linux resets: SO_LINGER 0, or unread data lost. */
			tcp_abort(pcb);
		} else if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
		}
	}
	rxq_free(is);
	list_del(&is->all_link);
	inet_unlock();
	sock_put(s, inet_free);
}

const struct sock_ops inet_tcp_ops = {
	.bind = tcp_bind_op,
	.connect = tcp_connect_op,
	.listen = tcp_listen_op,
	.accept = tcp_accept_op,
	.getname = tcp_getname,
	.shutdown = tcp_shutdown_op,
	.sendmsg = tcp_sendmsg,
	.recvmsg = tcp_recvmsg,
	.poll = tcp_poll_op,
	.setsockopt = tcp_setsockopt,
	.getsockopt = tcp_getsockopt,
	.ioctl = tcp_ioctl,
	.release = tcp_release,
	.peek_off = true,
};
