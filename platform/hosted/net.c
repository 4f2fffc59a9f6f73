/*
 * Hosted network devices: eth0, eth1, ... backed by the host
 * (build/hosted/kos --net user[,hostfwd=...] | --net tap,ifname=NAME).
 *
 * Two back ends give a struct kos_netdev (kos/netdev.h) Ethernet frames:
 *
 *   user  Debian's libslirp, the user-mode TCP/IP that QEMU's -netdev user
 *         is built on, with QEMU's addressing: the guest network
 *         10.0.2.0/24, the gateway (and the host) 10.0.2.2, DNS 10.0.2.3,
 *         the guest 10.0.2.15 (what slirp's DHCP hands out); IPv6 prefix
 *         fec0::/64, gateway fec0::2, DNS fec0::3.  Connections the guest
 *         makes to 10.0.2.2 reach the host's 127.0.0.1.  Port forwards
 *         from the host into the guest: hostfwd=[tcp|udp]:[HOSTADDR]:
 *         HOSTPORT-[GUESTADDR]:GUESTPORT, QEMU's syntax, as often as
 *         wanted; HOSTADDR defaults to 127.0.0.1 (QEMU's to every
 *         address: KOS keeps forwards on the loopback unless asked),
 *         GUESTADDR to 10.0.2.15.  No root needed.
 *   tap   a Linux TAP device (/dev/net/tun, IFF_TAP | IFF_NO_PI) named
 *         ifname, created if missing (CAP_NET_ADMIN), or a persistent one
 *         the caller made: tests make it in a network namespace of their
 *         own (unshare -rn) and give the host side an address there.
 *
 * Threads.  libslirp is not thread-safe and everything it does (its
 * sockets, its timers, slirp_input) may block or take time, so each
 * device has a host thread of its own that alone touches the back end,
 * as disk.c's I/O threads do; the kernel never waits for it.  The thread
 * blocks every signal and sleeps in poll() on the back end's file
 * descriptors (slirp's sockets, or the TAP fd) plus an eventfd, wake_fd,
 * by which the kernel tells it that frames wait to be sent:
 *
 *   kernel (xmit, stack lock)   net thread                kernel (interrupt)
 *   lock; copy frame into tx;   poll() returns
 *   unlock; write(wake_fd)      lock; tx slots; unlock
 *                               slirp_input / write(tap)
 *                               slirp_pollfds_poll / read(tap):
 *                                 lock; frame into rx;
 *                                 unlock; first one:
 *                                 kill(getpid(), SIGUSR2) → HOSTED_IRQ_NET:
 *                                                           lock; take rx
 *                                                           slots; unlock;
 *                                                           netdev_rx()
 *
 * Rings.  tx and rx are rings of NET_RING slots of NET_SLOT bytes,
 * allocated once: neither side allocates per frame (the interrupt handler
 * runs on a kernel thread's stack, where malloc is not safe to call).
 * Each ring has one producer and one consumer; the producer copies a
 * frame into the slot at head and advances head, the consumer reads the
 * slots between tail and head and then advances tail, both indexes moved
 * under the device's mutex.  A full tx ring drops the frame (-EAGAIN,
 * tx_dropped), a full rx ring drops it too (rx_dropped): TCP retransmits.
 *
 * Wake-ups are sent once per batch: the kernel writes wake_fd only when
 * tx_kick is clear (the thread clears it when it takes the slots, so a
 * frame queued after that writes again), the thread raises the interrupt
 * only when rx_irq is clear (the handler clears it when it finds the ring
 * empty).  Both flags live under the mutex, so no wake-up is lost.
 *
 * Locking: lock (a pthread mutex) guards both rings' indexes and the two
 * flags.  The kernel takes it with interrupts (the soft flag) off, so the
 * interrupt handler never finds it held by the code it interrupted; the
 * net thread holds it only to move indexes and copy one frame.  Slirp's
 * state, its timers and the poll array belong to the thread alone (and
 * to main() before the thread starts).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include <kos/log.h>
#include <kos/netdev.h>
#include <kos/plat/cpu.h>

#include "hosted.h"

#define NET_RING 256  /* frames per ring */
#define NET_SLOT 1536 /* bytes per slot: 1514 + room for a VLAN tag */
#define NET_MTU 1500
#define NET_MAX_FWD 16
#define TAP_BUF 65536

struct net_slot {
	uint16_t len;
	uint8_t data[NET_SLOT];
};

/* One direction: slots [tail, head) hold frames (indexes mod NET_RING). */
struct net_ring {
	struct net_slot *slot;
	unsigned int head, tail; /* lock; free-running */
};

struct net_fwd {
	bool udp;
	struct in_addr host, guest;
	int host_port, guest_port;
};

/* A slirp timer (libslirp has one, for IPv6 router advertisements). */
struct net_timer {
	SlirpTimerId id;
	void *cb_opaque;
	SlirpTimerCb cb;   /* the older timer_new interface, else NULL */
	int64_t expire_ms; /* -1: not armed */
	struct net_timer *next;
};

struct hnet {
	struct kos_netdev nd;
	bool tap;
	/* user */
	Slirp *slirp;
	bool ipv6;
	struct net_fwd fwd[NET_MAX_FWD];
	unsigned int nfwd;
	struct net_timer *timers; /* the thread's */
	/* tap */
	char ifname[IFNAMSIZ];
	int tap_fd;

	int wake_fd; /* eventfd: the kernel queued tx frames */
	pthread_t thread;
	pthread_mutex_t lock;
	struct net_ring tx, rx;
	bool tx_kick; /* lock: wake_fd written, slots not yet taken */
	bool rx_irq;  /* lock: interrupt raised, ring not yet found empty */
	/* the thread's poll array */
	struct pollfd *pfd;
	unsigned int npfd, pfd_cap;
};

static struct hnet nets[HOSTED_MAX_NETS];
static unsigned int nnets;

/* --- the rings ------------------------------------------------------- */

static bool ring_full(const struct net_ring *r)
{
	return r->head - r->tail == NET_RING;
}

/* Copy a frame in at head.  lock held; false if the ring is full. */
static bool ring_put(struct net_ring *r, const void *frame, size_t len)
{
	struct net_slot *s;

	if (ring_full(r))
		return false;
	s = &r->slot[r->head % NET_RING];
	s->len = (uint16_t)len;
	memcpy(s->data, frame, len);
	r->head++;
	return true;
}

/* --- kernel side ------------------------------------------------------- */

/* ops->xmit: stack lock held, thread context. */
static int hnet_xmit(struct kos_netdev *nd, const struct netdev_tx *tx)
{
	struct hnet *n = nd->priv;
	unsigned long flags;
	bool queued, kick = false;

	if (tx->len > NET_SLOT || tx->len < NETDEV_ETH_HLEN) {
		__atomic_add_fetch(&nd->stats.tx_errors, 1, __ATOMIC_RELAXED);
		return -EIO;
	}
	flags = plat_irq_save();
	pthread_mutex_lock(&n->lock);
	queued = ring_put(&n->tx, tx->frame, tx->len);
	if (queued && !n->tx_kick)
		kick = n->tx_kick = true;
	pthread_mutex_unlock(&n->lock);
	plat_irq_restore(flags);
	if (!queued) {
		__atomic_add_fetch(&nd->stats.tx_dropped, 1, __ATOMIC_RELAXED);
		return -EAGAIN;
	}
	if (kick) {
		uint64_t one = 1;

		/* Never blocks: the counter cannot get near its limit. */
		if (write(n->wake_fd, &one, sizeof(one)) < 0)
			log_warn("hosted: %s: wake write: %s", nd->name,
				 strerror(errno));
	}
	__atomic_add_fetch(&nd->stats.tx_packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nd->stats.tx_bytes, tx->len, __ATOMIC_RELAXED);
	return 0;
}

static const struct netdev_ops hnet_ops = { .xmit = hnet_xmit };

/*
 * HOSTED_IRQ_NET: hand every received frame of every device to the
 * core.  Interrupt context.  The slots are read outside the lock: the
 * thread writes only at head, never between tail and head.
 */
static void net_irq(void)
{
	for (unsigned int i = 0; i < nnets; i++) {
		struct hnet *n = &nets[i];
		unsigned int head, tail;

		for (;;) {
			pthread_mutex_lock(&n->lock);
			head = n->rx.head;
			tail = n->rx.tail;
			if (head == tail)
				n->rx_irq = false;
			pthread_mutex_unlock(&n->lock);
			if (head == tail)
				break;
			for (; tail != head; tail++) {
				struct net_slot *s =
					&n->rx.slot[tail % NET_RING];

				__atomic_add_fetch(&n->nd.stats.rx_packets, 1,
						   __ATOMIC_RELAXED);
				__atomic_add_fetch(&n->nd.stats.rx_bytes,
						   s->len, __ATOMIC_RELAXED);
				netdev_rx(&n->nd, s->data, s->len, false);
			}
			pthread_mutex_lock(&n->lock);
			n->rx.tail = tail;
			pthread_mutex_unlock(&n->lock);
		}
	}
}

/* --- the net thread ---------------------------------------------------- */

/* A frame for the kernel (the thread's context, e.g. slirp's send_packet). */
static void rx_frame(struct hnet *n, const void *frame, size_t len)
{
	bool queued, irq = false;

	if (len > NET_SLOT || len < NETDEV_ETH_HLEN) {
		__atomic_add_fetch(&n->nd.stats.rx_errors, 1, __ATOMIC_RELAXED);
		return;
	}
	pthread_mutex_lock(&n->lock);
	queued = ring_put(&n->rx, frame, len);
	if (queued && !n->rx_irq)
		irq = n->rx_irq = true;
	pthread_mutex_unlock(&n->lock);
	if (!queued)
		__atomic_add_fetch(&n->nd.stats.rx_dropped, 1,
				   __ATOMIC_RELAXED);
	/* Any thread but this one takes it: this one blocks every signal. */
	if (irq)
		kill(getpid(), SIGUSR2);
}

/* Pass every frame the kernel queued to send(). */
static void tx_drain(struct hnet *n,
		     void (*send)(struct hnet *, const void *, size_t))
{
	unsigned int head, tail;
	uint64_t count;

	/* Non-blocking: clears a wake-up we may be about to consume. */
	if (read(n->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("hosted: %s: wake read: %s", n->nd.name,
			 strerror(errno));
	for (;;) {
		pthread_mutex_lock(&n->lock);
		head = n->tx.head;
		tail = n->tx.tail;
		n->tx_kick = false;
		pthread_mutex_unlock(&n->lock);
		if (head == tail)
			return;
		for (; tail != head; tail++) {
			struct net_slot *s = &n->tx.slot[tail % NET_RING];

			send(n, s->data, s->len);
		}
		pthread_mutex_lock(&n->lock);
		n->tx.tail = tail;
		pthread_mutex_unlock(&n->lock);
	}
}

/* Add fd to the thread's poll array; returns its index. */
static int pfd_add(struct hnet *n, int fd, short events)
{
	if (n->npfd == n->pfd_cap) {
		unsigned int cap = n->pfd_cap ? 2 * n->pfd_cap : 16;
		struct pollfd *p = realloc(n->pfd, cap * sizeof(*p));

		if (!p) {
			fprintf(stderr, "kos: net thread: out of memory\n");
			abort();
		}
		n->pfd = p;
		n->pfd_cap = cap;
	}
	n->pfd[n->npfd] = (struct pollfd){ .fd = fd, .events = events };
	return (int)n->npfd++;
}

/* --- libslirp ----------------------------------------------------------- */

static int64_t host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static ssize_t slirp_send_cb(const void *buf, size_t len, void *opaque)
{
	rx_frame(opaque, buf, len);
	return (ssize_t)len;
}

static void slirp_guest_error_cb(const char *msg, void *opaque)
{
	struct hnet *n = opaque;

	fprintf(stderr, "kos: %s: slirp: %s\n", n->nd.name, msg);
}

static int64_t slirp_clock_cb(void *opaque)
{
	return host_ns();
}

static struct net_timer *timer_add(struct hnet *n, SlirpTimerId id,
				   SlirpTimerCb cb, void *cb_opaque)
{
	struct net_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->id = id;
	t->cb = cb;
	t->cb_opaque = cb_opaque;
	t->expire_ms = -1;
	t->next = n->timers;
	n->timers = t;
	return t;
}

static void *slirp_timer_new_opaque_cb(SlirpTimerId id, void *cb_opaque,
				       void *opaque)
{
	return timer_add(opaque, id, NULL, cb_opaque);
}

static void *slirp_timer_new_cb(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	return timer_add(opaque, SLIRP_TIMER_NUM, cb, cb_opaque);
}

static void slirp_timer_free_cb(void *timer, void *opaque)
{
	struct hnet *n = opaque;
	struct net_timer **pp;

	for (pp = &n->timers; *pp; pp = &(*pp)->next)
		if (*pp == timer) {
			*pp = (*pp)->next;
			free(timer);
			return;
		}
}

static void slirp_timer_mod_cb(void *timer, int64_t expire_ms, void *opaque)
{
	((struct net_timer *)timer)->expire_ms = expire_ms;
}

/*
 * Slirp registers its sockets here for a poller that keeps a set; ours
 * asks slirp_pollfds_fill() every round instead.
 */
static void slirp_register_poll_fd_cb(int fd, void *opaque)
{
}

static void slirp_unregister_poll_fd_cb(int fd, void *opaque)
{
}

/* Room for guest forwards (slirp_add_guestfwd): none are made. */
static void slirp_notify_cb(void *opaque)
{
}

static const SlirpCb slirp_cbs = {
	.send_packet = slirp_send_cb,
	.guest_error = slirp_guest_error_cb,
	.clock_get_ns = slirp_clock_cb,
	.timer_new = slirp_timer_new_cb,
	.timer_free = slirp_timer_free_cb,
	.timer_mod = slirp_timer_mod_cb,
	.register_poll_fd = slirp_register_poll_fd_cb,
	.unregister_poll_fd = slirp_unregister_poll_fd_cb,
	.notify = slirp_notify_cb,
	.timer_new_opaque = slirp_timer_new_opaque_cb,
};

static short poll_events(int slirp_events)
{
	short ev = 0;

	if (slirp_events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (slirp_events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (slirp_events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	return ev;
}

static int slirp_add_poll_cb(int fd, int events, void *opaque)
{
	return pfd_add(opaque, fd, poll_events(events));
}

static int slirp_get_revents_cb(int idx, void *opaque)
{
	struct hnet *n = opaque;
	short re;
	int ev = 0;

	if (idx < 0 || (unsigned int)idx >= n->npfd)
		return 0;
	re = n->pfd[idx].revents;
	if (re & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (re & POLLERR)
		ev |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

static void slirp_tx(struct hnet *n, const void *frame, size_t len)
{
	slirp_input(n->slirp, frame, (int)len);
}

/* Run the timers that are due; the milliseconds to the next one, or -1. */
static int timers_run(struct hnet *n)
{
	int64_t now = host_ns() / 1000000, next = -1;
	struct net_timer *t;
	bool again;

	do {
		again = false;
		for (t = n->timers; t; t = t->next) {
			if (t->expire_ms < 0 || t->expire_ms > now)
				continue;
			t->expire_ms = -1;
			if (t->cb)
				t->cb(t->cb_opaque);
			else
				slirp_handle_timer(n->slirp, t->id,
						   t->cb_opaque);
			again = true; /* the callback may have changed the list */
			break;
		}
	} while (again);
	for (t = n->timers; t; t = t->next)
		if (t->expire_ms >= 0 && (next < 0 || t->expire_ms < next))
			next = t->expire_ms;
	return next < 0 ? -1 : (int)(next - now);
}

static void *user_thread(void *arg)
{
	struct hnet *n = arg;

	for (;;) {
		uint32_t timeout = UINT32_MAX;
		int tnext, got;

		tnext = timers_run(n);
		n->npfd = 0;
		pfd_add(n, n->wake_fd, POLLIN);
		slirp_pollfds_fill(n->slirp, &timeout, slirp_add_poll_cb, n);
		if (tnext >= 0 && (uint32_t)tnext < timeout)
			timeout = (uint32_t)tnext;
		/* UINT32_MAX: no deadline (nor is anything past INT_MAX) */
		got = poll(n->pfd, n->npfd,
			   timeout > INT_MAX ? -1 : (int)timeout);
		if (got < 0 && errno != EINTR) {
			fprintf(stderr, "kos: %s: poll: %s\n", n->nd.name,
				strerror(errno));
			abort();
		}
		slirp_pollfds_poll(n->slirp, got < 0, slirp_get_revents_cb, n);
		tx_drain(n, slirp_tx);
	}
	return NULL;
}

/*
 * libslirp listens on a TCP forward with a backlog of 1: the host's
 * kernel then holds at most two connections slirp has not accepted yet
 * and drops the SYNs of any more, so a client opening many connections
 * at once waits for its SYN retransmissions (a second or more each).
 * Slirp keeps the socket to itself, so find it (the listening TCP
 * socket on the forward's address and port) among the process's
 * descriptors and listen() again with the backlog Linux's own servers
 * get; the new backlog applies from then on.  Best effort: a forward
 * keeps slirp's backlog if its socket is not found.
 */
static void hostfwd_backlog(const struct net_fwd *f)
{
	struct rlimit rl;
	int max = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536)
		max = (int)rl.rlim_cur;
	for (int fd = 0; fd < max; fd++) {
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);
		int v = 0;
		socklen_t vlen = sizeof(v);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vlen) || !v)
			continue;
		if (getsockname(fd, (struct sockaddr *)&sa, &len) ||
		    sa.sin_family != AF_INET ||
		    sa.sin_port != htons((uint16_t)f->host_port) ||
		    sa.sin_addr.s_addr != f->host.s_addr)
			continue;
		if (listen(fd, SOMAXCONN) < 0)
			fprintf(stderr, "kos: hostfwd %d: listen: %s\n",
				f->host_port, strerror(errno));
		return;
	}
}

/* Make the slirp instance and its forwards.  0, or -1 with a message. */
static int user_setup(struct hnet *n)
{
	SlirpConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.version = 4;
	cfg.in_enabled = true;
	inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
	inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
	inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
	inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
	cfg.in6_enabled = n->ipv6;
	inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
	cfg.vprefix_len = 64;
	inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
	inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
	cfg.vhostname = "kos";
	n->slirp = slirp_new(&cfg, &slirp_cbs, n);
	if (!n->slirp) {
		fprintf(stderr, "kos: --net user: slirp_new failed\n");
		return -1;
	}
	for (unsigned int i = 0; i < n->nfwd; i++) {
		struct net_fwd *f = &n->fwd[i];
		char h[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &f->host, h, sizeof(h));
		inet_ntop(AF_INET, &f->guest, g, sizeof(g));
		if (slirp_add_hostfwd(n->slirp, f->udp, f->host, f->host_port,
				      f->guest, f->guest_port) < 0) {
			fprintf(stderr,
				"kos: --net user: cannot forward %s %s:%d "
				"(in use?)\n",
				f->udp ? "udp" : "tcp", h, f->host_port);
			return -1;
		}
		if (!f->udp)
			hostfwd_backlog(f);
	}
	return 0;
}

/* --- TAP ---------------------------------------------------------------- */

static void tap_tx(struct hnet *n, const void *frame, size_t len)
{
	ssize_t w;

	do
		w = write(n->tap_fd, frame, len);
	while (w < 0 && errno == EINTR);
	/* EAGAIN: the host's queue is full; EIO: the link is down.  Drop. */
	if (w < 0)
		__atomic_add_fetch(&n->nd.stats.tx_errors, 1, __ATOMIC_RELAXED);
}

static void *tap_thread(void *arg)
{
	struct hnet *n = arg;
	uint8_t *buf = malloc(TAP_BUF); /* any frame the host may send */

	if (!buf) {
		fprintf(stderr, "kos: %s: out of memory\n", n->nd.name);
		abort();
	}
	for (;;) {
		n->npfd = 0;
		pfd_add(n, n->wake_fd, POLLIN);
		pfd_add(n, n->tap_fd, POLLIN);
		if (poll(n->pfd, n->npfd, -1) < 0 && errno != EINTR) {
			fprintf(stderr, "kos: %s: poll: %s\n", n->nd.name,
				strerror(errno));
			abort();
		}
		/* At most a ring's worth at a time, so sending keeps up. */
		for (unsigned int i = 0;
		     i < NET_RING && (n->pfd[1].revents & POLLIN); i++) {
			ssize_t got = read(n->tap_fd, buf, TAP_BUF);

			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				break;
			rx_frame(n, buf, (size_t)got);
		}
		tx_drain(n, tap_tx);
	}
	return NULL;
}

static int tap_setup(struct hnet *n)
{
	struct ifreq ifr;

	n->tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (n->tap_fd < 0) {
		fprintf(stderr, "kos: --net tap: /dev/net/tun: %s\n",
			strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, n->ifname, sizeof(ifr.ifr_name));
	if (ioctl(n->tap_fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "kos: --net tap: %s: %s\n", n->ifname,
			strerror(errno));
		close(n->tap_fd);
		return -1;
	}
	return 0;
}

/* --- options ------------------------------------------------------------ */

/* "PORT" in 1..65535, the whole of s. */
static int parse_port(const char *s, size_t len)
{
	char buf[8], *end;
	long v;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	v = strtol(buf, &end, 10);
	return *end || v < 1 || v > 65535 ? -1 : (int)v;
}

/* "[ADDR]:PORT" of len bytes; an empty ADDR leaves *addr as it is. */
static int parse_addr_port(const char *s, size_t len, struct in_addr *addr,
			   int *port)
{
	const char *colon = memchr(s, ':', len);
	char buf[INET_ADDRSTRLEN];
	size_t alen;

	if (!colon)
		return -1;
	alen = (size_t)(colon - s);
	if (alen) {
		if (alen >= sizeof(buf))
			return -1;
		memcpy(buf, s, alen);
		buf[alen] = 0;
		if (inet_pton(AF_INET, buf, addr) != 1)
			return -1;
	}
	*port = parse_port(colon + 1, len - alen - 1);
	return *port < 0 ? -1 : 0;
}

/* hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static int parse_hostfwd(struct hnet *n, const char *v, size_t len)
{
	const char *colon = memchr(v, ':', len), *dash;
	struct net_fwd *f;
	size_t plen;

	if (n->nfwd == NET_MAX_FWD) {
		fprintf(stderr, "kos: --net: at most %d hostfwd=\n",
			NET_MAX_FWD);
		return -1;
	}
	f = &n->fwd[n->nfwd];
	if (!colon)
		return -1;
	plen = (size_t)(colon - v);
	if (plen == 3 && !memcmp(v, "udp", 3))
		f->udp = true;
	else if (plen && !(plen == 3 && !memcmp(v, "tcp", 3)))
		return -1;
	len -= plen + 1;
	v = colon + 1;
	dash = memchr(v, '-', len);
	if (!dash)
		return -1;
	inet_pton(AF_INET, "127.0.0.1", &f->host);
	inet_pton(AF_INET, "10.0.2.15", &f->guest);
	if (parse_addr_port(v, (size_t)(dash - v), &f->host, &f->host_port) ||
	    parse_addr_port(dash + 1, len - (size_t)(dash - v) - 1, &f->guest,
			    &f->guest_port))
		return -1;
	n->nfwd++;
	return 0;
}

/* One KEY=VALUE option of spec (without the back end's name). */
static int parse_option(struct hnet *n, const char *opt, size_t len)
{
	const char *eq = memchr(opt, '=', len);
	size_t klen = eq ? (size_t)(eq - opt) : len;
	const char *v = eq ? eq + 1 : opt + len;
	size_t vlen = eq ? len - klen - 1 : 0;

#define KEY(k) (klen == sizeof(k) - 1 && !memcmp(opt, k, klen))
	if (!n->tap && KEY("hostfwd"))
		return parse_hostfwd(n, v, vlen);
	if (!n->tap && KEY("ipv6")) {
		if (vlen == 2 && !memcmp(v, "on", 2))
			n->ipv6 = true;
		else if (vlen == 3 && !memcmp(v, "off", 3))
			n->ipv6 = false;
		else
			return -1;
		return 0;
	}
	if (n->tap && KEY("ifname")) {
		if (!vlen || vlen >= sizeof(n->ifname))
			return -1;
		memcpy(n->ifname, v, vlen);
		n->ifname[vlen] = 0;
		return 0;
	}
#undef KEY
	return -1;
}

int hosted_net_add(const char *spec)
{
	struct hnet *n;
	const char *p, *end;
	size_t len;

	if (nnets == HOSTED_MAX_NETS) {
		fprintf(stderr, "kos: at most %d --net\n", HOSTED_MAX_NETS);
		return -1;
	}
	n = &nets[nnets];
	memset(n, 0, sizeof(*n));
	n->ipv6 = true;
	n->tap_fd = -1;
	len = strcspn(spec, ",");
	if (len == 4 && !memcmp(spec, "user", 4)) {
		n->tap = false;
	} else if (len == 3 && !memcmp(spec, "tap", 3)) {
		n->tap = true;
	} else {
		fprintf(stderr, "kos: --net %s: user or tap\n", spec);
		return -1;
	}
	for (p = spec + len; *p; p = end) {
		p++; /* the comma */
		end = p + strcspn(p, ",");
		if (parse_option(n, p, (size_t)(end - p)) < 0) {
			fprintf(stderr, "kos: --net %s: bad option %.*s\n",
				spec, (int)(end - p), p);
			return -1;
		}
	}
	if (n->tap && !n->ifname[0]) {
		fprintf(stderr, "kos: --net tap needs ifname=NAME\n");
		return -1;
	}
	nnets++;
	return 0;
}

/*
 * Set up each device's back end before boot, so that a forward that
 * cannot be made (a port in use) or a TAP that cannot be opened ends the
 * run at once.  0, or -1 with a message printed.
 */
int hosted_net_setup(void)
{
	for (unsigned int i = 0; i < nnets; i++) {
		struct hnet *n = &nets[i];

		if (n->tap ? tap_setup(n) : user_setup(n))
			return -1;
		n->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		n->tx.slot = calloc(NET_RING, sizeof(struct net_slot));
		n->rx.slot = calloc(NET_RING, sizeof(struct net_slot));
		if (n->wake_fd < 0 || !n->tx.slot || !n->rx.slot) {
			fprintf(stderr, "kos: --net: %s\n", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Register every device (eth0, eth1, ... in --net order) and start its
 * thread.  From plat_devices_init(), interrupts on.
 */
void hosted_net_init(void)
{
	sigset_t all, old;

	if (!nnets)
		return;
	hosted_irq_register(HOSTED_IRQ_NET, SIGUSR2, net_irq);
	/* The threads inherit a mask that blocks every signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned int i = 0; i < nnets; i++) {
		struct hnet *n = &nets[i];
		int err;

		pthread_mutex_init(&n->lock, NULL);
		n->nd.type = ARPHRD_ETHER;
		/* QEMU's default MAC, the last byte counting devices */
		memcpy(n->nd.mac,
		       (uint8_t[]){ 0x52, 0x54, 0, 0x12, 0x34, 0x56 },
		       NETDEV_ETH_ALEN);
		n->nd.mac[5] += (uint8_t)i;
		n->nd.mtu = n->nd.max_mtu = NET_MTU;
		n->nd.ops = &hnet_ops;
		n->nd.priv = n;
		err = netdev_register(&n->nd);
		if (err) {
			log_err("hosted: net %u: cannot register (%d)", i, err);
			continue;
		}
		err = pthread_create(&n->thread, NULL,
				     n->tap ? tap_thread : user_thread, n);
		if (err) {
			log_err("hosted: %s: no thread (%s)", n->nd.name,
				strerror(err));
			abort();
		}
		netdev_link(&n->nd, true);
		if (n->tap)
			log_info("hosted: %s is TAP %s", n->nd.name, n->ifname);
		else
			log_info(
				"hosted: %s is user networking (libslirp %s): "
				"10.0.2.15/24, gateway 10.0.2.2, dns 10.0.2.3, "
				"%u port forward%s",
				n->nd.name, slirp_version_string(), n->nfwd,
				n->nfwd == 1 ? "" : "s");
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
