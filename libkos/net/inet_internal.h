/*
 * Between the files of KOS's AF_INET/AF_INET6 sockets: net/inet.c (the
 * families, addresses, port binding, IP-level options), net/inet_tcp.c
 * (SOCK_STREAM) and net/inet_dgram.c (UDP and ICMP echo sockets).  See
 * net/inet.c for the design.
 */
#ifndef KOS_NET_INET_INTERNAL_H
#define KOS_NET_INET_INTERNAL_H

#include <kos/kmalloc.h>
#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/socket.h>
#include <uapi/in.h>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "stack.h"

struct tcp_pcb;
struct udp_pcb;
struct raw_pcb;

/* Linux's socket->state of a stream socket (SS_*). */
enum inet_ss {
	INET_SS_UNCONNECTED,
	INET_SS_CONNECTING,
	INET_SS_CONNECTED,
};

/* One queued datagram (UDP, ICMP): its pbuf and where it came from. */
struct inet_dgram {
	struct list_head link;
	struct pbuf *p;
	ip_addr_t from;
	ip_addr_t to;	  /* the destination in the IP header (IP_PKTINFO) */
	uint16_t port;	  /* host order; 0 for ICMP */
	uint8_t ttl, tos; /* IPv6: hop limit and traffic class */
	uint8_t ifindex;  /* where it came in (lwIP's netif index) */
};

/*
 * An inet socket.  Everything below sk is guarded by the stack lock
 * (inet_lock()), except rx_mutex/tx_mutex themselves, which serialize
 * the receivers and the senders of one socket around the copies to and
 * from user memory that run without the stack lock.
 */
struct inet_sock {
	struct socket sk;
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
		struct raw_pcb *raw;
		void *any;
	} pcb; /* NULL once lwIP freed it (reset, closed) */
	struct mutex rx_mutex, tx_mutex;
	struct list_head all_link; /* on inet_all from create to release */
	bool v6only;		   /* IPV6_V6ONLY (AF_INET6) */
	bool bound; /* bind() or an automatic bind gave it a port */
	int ttl;    /* IP_TTL / IPV6_UNICAST_HOPS: -1 the default */
	int tos;
	int mc_ttl;
	bool mc_loop;
	bool recv_pktinfo, recv_ttl, recv_tos; /* IP_PKTINFO, IP_RECV* */
	bool recv_hoplimit;		       /* IPV6_RECVHOPLIMIT */
	bool recv_hoplimit2292;		       /* IPV6_2292HOPLIMIT */
	bool recv_pktinfo6;		       /* IPV6_RECVPKTINFO */
	bool recv_tclass;		       /* IPV6_RECVTCLASS */
	/*
	 * UDP-Lite: UDPLITE_SEND_CSCOV / UDPLITE_RECV_CSCOV (0 or 8..65535)
	 * and whether each was ever set (Linux's UDPLITE_SEND_CC/RECV_CC)
	 */
	bool lite_send_cc, lite_recv_cc;
	uint16_t lite_send_cscov, lite_recv_cscov;
	/* raw ICMP: ICMP_FILTER / ICMP6_FILTER, blocked types' bits */
	uint32_t icmp_filter[8];

	/* SOCK_STREAM */
	enum inet_ss ss;
	bool listening;
	bool ever_connected; /* reached ESTABLISHED once */
	bool fin_rcvd;	     /* the peer's FIN is in (after rx data) */
	bool closed;	     /* lwIP closed both ways: pcb gone, no error */
	bool nodelay, cork;
	int keepidle, keepintvl, keepcnt; /* seconds, seconds, count */
	int maxseg;			  /* TCP_MAXSEG set by the user, 0 */
	struct pbuf *rxq, *rxq_tail;	  /* received, not yet read */
	size_t rxq_off;			  /* bytes of rxq already read */
	size_t rx_len;			  /* bytes readable */
	/* listener: accepted connections not yet taken (struct inet_sock) */
	struct list_head acceptq;
	unsigned int acceptq_len;
	int backlog;
	struct list_head accept_link; /* in the listener's acceptq */
	struct inet_sock *parent;     /* listener while queued */

	/* SOCK_DGRAM, SOCK_RAW */
	struct list_head dgq; /* struct inet_dgram */
	size_t dgq_bytes;     /* payload bytes queued */
	unsigned int dgq_count;
	bool peer_set; /* connect()ed: the default destination */
	ip_addr_t peer;
	uint16_t peer_port;
	uint16_t ping_id; /* ICMP echo sockets: the identifier (= "port") */
};

static inline struct inet_sock *inet_sk(struct socket *s)
{
	return (struct inet_sock *)s;
}

/* The stack lock of net/lwip.c. */
static inline void inet_lock(void)
{
	lwipk_lock();
}

static inline void inet_unlock(void)
{
	lwipk_unlock();
}

/* sock_wait() on is with the stack lock held (dropped while asleep). */
int inet_wait(struct inet_sock *is, bool (*cond)(void *arg), void *arg,
	      uint64_t deadline);

/*
 * Bits of a pcb's so_options that KOS keeps beside lwIP's own: the
 * socket's SO_REUSEADDR and SO_REUSEPORT as Linux sees them, so that a
 * pcb that outlives its socket (TIME_WAIT) still answers for them.  lwIP
 * itself always sees SOF_REUSEADDR: KOS does the address-in-use checks.
 */
#define INET_SOF_REUSEADDR 0x01
#define INET_SOF_REUSEPORT 0x02

/*
 * Every inet socket from socket(2) (or the accept callback) to its
 * release, guarded by the stack lock: /proc/net/raw walks it (lwIP keeps
 * its raw pcbs to itself).  TCP and UDP are listed from lwIP's pcb lists.
 */
extern struct list_head inet_all;

/* 127.0.0.1 and ::1 */
extern const ip_addr_t inet_loopback4, inet_loopback6;

/* Translating addresses. */
int inet_addr_in(struct inet_sock *is, const struct sockaddr *a,
		 unsigned int len, ip_addr_t *ip, uint16_t *port);
int inet_addr_out(struct inet_sock *is, const ip_addr_t *ip, uint16_t port,
		  struct sockaddr_storage *out);
bool inet_addr_is_local(const ip_addr_t *ip, struct netif *only, bool wild);
/* bind(2)'s checks of a's family, length and address, and EACCES. */
int inet_bind_addr(struct inet_sock *is, const struct sockaddr *a,
		   unsigned int len, ip_addr_t *ip, uint16_t *port);
/* The address bind(2) would use when an unbound socket sends / connects. */
void inet_any_addr(struct inet_sock *is, ip_addr_t *ip);

/*
 * Port binding with Linux's EADDRINUSE rules.  proto IPPROTO_TCP,
 * IPPROTO_UDP or IPPROTO_UDPLITE (a port space of its own, its pcbs the
 * udp_pcbs flagged UDP_FLAGS_UDPLITE); port 0 picks an ephemeral one.  0 and *port, or -EXXX.
 */
int inet_port_check(int proto, void *self, const ip_addr_t *ip, uint16_t *port,
		    unsigned int sof, bool listening);

/* The so_options KOS keeps for is (see INET_SOF_*). */
unsigned int inet_sof(struct inet_sock *is);
/* A pcb's so_options cur with KOS's INET_SOF_* bits replaced by is's. */
uint8_t inet_so_options(struct inet_sock *is, uint8_t cur);

/* IP-level options shared by every type (SOL_IP, SOL_IPV6). */
int inet_ip_setsockopt(struct inet_sock *is, int level, int name,
		       const void *val, unsigned int len);
int inet_ip_getsockopt(struct inet_sock *is, int level, int name, void *val,
		       unsigned int *len);
/* Apply ttl/tos to the pcb (after creating or replacing it). */
void inet_apply_ip_opts(struct inet_sock *is);

/* errno of an lwIP err_t. */
int inet_errno(int err);

/* Copying a pbuf chain from offset off into a uio: 0 or -EFAULT. */
int inet_pbuf_copyout(struct uio *u, struct pbuf *p, size_t off, size_t n);

/* The socket types' operations and constructors. */
extern const struct sock_ops inet_tcp_ops;
extern const struct sock_ops inet_dgram_ops; /* UDP, ping, raw ICMP */
int inet_tcp_create(struct inet_sock *is);
int inet_udp_create(struct inet_sock *is);
int inet_ping_create(struct inet_sock *is, bool raw);
/*
 * The memory of an inet socket, for sock_put (static: taking the address
 * of an extern function would need the GOT in PIE code).
 */
static inline void inet_free(struct socket *s)
{
	kfree(s);
}

static inline bool inet_nonblock(unsigned int fflags, unsigned int mflags)
{
	return (fflags & 04000 /* O_NONBLOCK */) || (mflags & MSG_DONTWAIT);
}

#endif
