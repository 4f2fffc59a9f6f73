/*
 * Linux's Internet-protocol ABI (x86-64): IPv4 and IPv6 socket
 * addresses, protocol numbers, and the option names of SOL_IP,
 * SOL_IPV6, SOL_TCP and SOL_RAW that KOS's inet sockets know
 * (libkos/net/inet.c).  Values as <linux/in.h>, <linux/in6.h>,
 * <linux/tcp.h> and <linux/icmp.h>.  Addresses and ports are in network
 * byte order, as user space sees them.
 */
#ifndef KOS_UAPI_IN_H
#define KOS_UAPI_IN_H

#include <uapi/socket.h>
#include <uapi/types.h>

#define IPPROTO_IP 0
#define IPPROTO_ICMP 1
#define IPPROTO_IGMP 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define IPPROTO_ICMPV6 58
#define IPPROTO_SCTP 132
#define IPPROTO_UDPLITE 136
#define IPPROTO_RAW 255

struct in_addr {
	__u32 s_addr;
};

struct sockaddr_in {
	sa_family_t sin_family;
	__u16 sin_port;
	struct in_addr sin_addr;
	unsigned char sin_zero[8];
};

struct in6_addr {
	union {
		__u8 s6_addr[16];
		__u16 s6_addr16[8];
		__u32 s6_addr32[4];
	};
};

struct sockaddr_in6 {
	sa_family_t sin6_family;
	__u16 sin6_port;
	__u32 sin6_flowinfo;
	struct in6_addr sin6_addr;
	__u32 sin6_scope_id;
};

/* RFC 2133's sockaddr_in6 had no scope id: Linux still accepts 24 bytes. */
#define SIN6_LEN_RFC2133 24

/* In host byte order. */
#define INADDR_ANY 0x00000000U
#define INADDR_BROADCAST 0xffffffffU
#define INADDR_NONE 0xffffffffU
#define INADDR_LOOPBACK 0x7f000001U

/* SOL_IP */
#define IP_TOS 1
#define IP_TTL 2
#define IP_HDRINCL 3
#define IP_OPTIONS 4
#define IP_RECVOPTS 6
#define IP_RETOPTS 7
#define IP_PKTINFO 8
#define IP_MTU_DISCOVER 10
#define IP_RECVERR 11
#define IP_RECVTTL 12
#define IP_RECVTOS 13
#define IP_MTU 14
#define IP_FREEBIND 15
#define IP_TRANSPARENT 19
#define IP_BIND_ADDRESS_NO_PORT 24
#define IP_MULTICAST_IF 32
#define IP_MULTICAST_TTL 33
#define IP_MULTICAST_LOOP 34
#define IP_ADD_MEMBERSHIP 35
#define IP_DROP_MEMBERSHIP 36
#define IP_MULTICAST_ALL 49
#define IP_PROTOCOL 52 /* a send's control message (raw) */

struct ip_mreq {
	struct in_addr imr_multiaddr;
	struct in_addr imr_interface;
};

struct ip_mreqn {
	struct in_addr imr_multiaddr;
	struct in_addr imr_address;
	int imr_ifindex;
};

struct in_pktinfo {
	int ipi_ifindex;
	struct in_addr ipi_spec_dst;
	struct in_addr ipi_addr;
};

/* SOL_UDP (17) and SOL_UDPLITE: UDP-Lite's checksum coverage (RFC 3828) */
#define SOL_UDPLITE 136
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11

/* SOL_IPV6 */
#define IPV6_ADDRFORM 1
#define IPV6_2292PKTINFO 2 /* RFC 2292's names (2-5, 8) */
#define IPV6_2292HOPOPTS 3
#define IPV6_2292DSTOPTS 4
#define IPV6_2292RTHDR 5
#define IPV6_2292HOPLIMIT 8 /* still used by BusyBox */
#define IPV6_FLOWINFO 11
#define IPV6_CHECKSUM 7 /* at SOL_RAW */
#define IPV6_UNICAST_HOPS 16
#define IPV6_MULTICAST_IF 17
#define IPV6_MULTICAST_HOPS 18
#define IPV6_MULTICAST_LOOP 19
#define IPV6_ADD_MEMBERSHIP 20
#define IPV6_DROP_MEMBERSHIP 21
#define IPV6_MTU_DISCOVER 23
#define IPV6_MTU 24
#define IPV6_RECVERR 25
#define IPV6_V6ONLY 26
#define IPV6_RECVPKTINFO 49
#define IPV6_PKTINFO 50
#define IPV6_RECVHOPLIMIT 51
#define IPV6_HOPLIMIT 52
#define IPV6_HOPOPTS 54
#define IPV6_RTHDRDSTOPTS 55
#define IPV6_RTHDR 57
#define IPV6_DSTOPTS 59
#define IPV6_DONTFRAG 62
#define IPV6_RECVTCLASS 66
#define IPV6_TCLASS 67

struct ipv6_mreq {
	struct in6_addr ipv6mr_multiaddr;
	int ipv6mr_interface;
};

struct in6_pktinfo {
	struct in6_addr ipi6_addr;
	int ipi6_ifindex;
};

/* SOL_TCP */
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_CORK 3
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_SYNCNT 7
#define TCP_LINGER2 8
#define TCP_DEFER_ACCEPT 9
#define TCP_WINDOW_CLAMP 10
#define TCP_INFO 11
#define TCP_QUICKACK 12
#define TCP_CONGESTION 13
#define TCP_USER_TIMEOUT 18
#define TCP_FASTOPEN 23
#define TCP_NOTSENT_LOWAT 25

/* Linux's TCP states (tcpi_state, /proc/net/tcp). */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_FIN_WAIT1 4
#define TCP_FIN_WAIT2 5
#define TCP_TIME_WAIT 6
#define TCP_CLOSE 7
#define TCP_CLOSE_WAIT 8
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10
#define TCP_CLOSING 11

#define TCPI_OPT_TIMESTAMPS 1
#define TCPI_OPT_SACK 2
#define TCPI_OPT_WSCALE 4

/*
 * TCP_INFO: the leading part of Linux's struct tcp_info, up to
 * tcpi_total_retrans (104 bytes); getsockopt copies min(len, size).
 */
struct tcp_info {
	__u8 tcpi_state;
	__u8 tcpi_ca_state;
	__u8 tcpi_retransmits;
	__u8 tcpi_probes;
	__u8 tcpi_backoff;
	__u8 tcpi_options;
	__u8 tcpi_wscale; /* snd_wscale:4, rcv_wscale:4 */
	__u8 tcpi_flags;  /* delivery_rate_app_limited:1, ... */
	__u32 tcpi_rto;
	__u32 tcpi_ato;
	__u32 tcpi_snd_mss;
	__u32 tcpi_rcv_mss;
	__u32 tcpi_unacked;
	__u32 tcpi_sacked;
	__u32 tcpi_lost;
	__u32 tcpi_retrans;
	__u32 tcpi_fackets;
	__u32 tcpi_last_data_sent;
	__u32 tcpi_last_ack_sent;
	__u32 tcpi_last_data_recv;
	__u32 tcpi_last_ack_recv;
	__u32 tcpi_pmtu;
	__u32 tcpi_rcv_ssthresh;
	__u32 tcpi_rtt;
	__u32 tcpi_rttvar;
	__u32 tcpi_snd_ssthresh;
	__u32 tcpi_snd_cwnd;
	__u32 tcpi_advmss;
	__u32 tcpi_reordering;
	__u32 tcpi_rcv_rtt;
	__u32 tcpi_rcv_space;
	__u32 tcpi_total_retrans;
};

/* SOL_RAW, IPPROTO_ICMP raw sockets: a __u32 of blocked types (< 32) */
#define ICMP_FILTER 1
/* SOL_ICMPV6 (58), IPPROTO_ICMPV6 raw sockets: 256 bits of blocked types */
#define SOL_ICMPV6 58
#define ICMP6_FILTER 1

/* ICMP message types the ping sockets handle. */
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

/* ioctls of inet sockets besides FIONREAD (SIOCINQ) */
#define SIOCINQ 0x541B	/* FIONREAD */
#define SIOCOUTQ 0x5411 /* TIOCOUTQ */
#define SIOCOUTQNSD 0x894B
#define SIOCATMARK 0x8905

#endif
