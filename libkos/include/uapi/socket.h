/*
 * Linux's socket ABI (x86-64): address families, socket types, message
 * flags, the generic socket options and the control-message layout.
 * Values as <linux/socket.h>, <asm-generic/socket.h> and <bits/socket.h>.
 * Protocol-specific ABI lives beside its family (uapi/in.h, uapi/un.h,
 * uapi/netlink.h).
 */
#ifndef KOS_UAPI_SOCKET_H
#define KOS_UAPI_SOCKET_H

#include <kos/types.h>
#include <uapi/uio.h>

typedef unsigned short sa_family_t;
typedef unsigned int socklen_t;

struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

/* Room for any family's address (Linux's __kernel_sockaddr_storage). */
#define SOCKADDR_MAX 128
struct sockaddr_storage {
	sa_family_t ss_family;
	char ss_data[SOCKADDR_MAX - sizeof(sa_family_t)];
} __attribute__((aligned(8)));

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_LOCAL AF_UNIX
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define AF_PACKET 17
#define AF_MAX 46

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_RDM 4
#define SOCK_SEQPACKET 5
#define SOCK_PACKET 10
#define SOCK_TYPE_MASK 0xf
/* socket(2)/socketpair(2)/accept4(2) flags, or'ed into the type */
#define SOCK_NONBLOCK 00004000 /* O_NONBLOCK */
#define SOCK_CLOEXEC 02000000  /* O_CLOEXEC */

#define SOMAXCONN 4096 /* net.core.somaxconn's default since 5.4 */

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_DONTROUTE 0x4
#define MSG_CTRUNC 0x8
#define MSG_PROXY 0x10
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_FIN 0x200
#define MSG_SYN 0x400
#define MSG_CONFIRM 0x800
#define MSG_RST 0x1000
#define MSG_ERRQUEUE 0x2000
#define MSG_NOSIGNAL 0x4000
#define MSG_MORE 0x8000
#define MSG_WAITFORONE 0x10000
#define MSG_BATCH 0x40000
#define MSG_ZEROCOPY 0x4000000
#define MSG_FASTOPEN 0x20000000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SOL_SOCKET 1
#define SOL_IP 0
#define SOL_TCP 6
#define SOL_UDP 17
#define SOL_IPV6 41
#define SOL_RAW 255
#define SOL_NETLINK 270

#define SO_DEBUG 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_DONTROUTE 5
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_OOBINLINE 10
#define SO_NO_CHECK 11
#define SO_PRIORITY 12
#define SO_LINGER 13
#define SO_BSDCOMPAT 14
#define SO_REUSEPORT 15
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVLOWAT 18
#define SO_SNDLOWAT 19
#define SO_RCVTIMEO 20 /* SO_RCVTIMEO_OLD: struct timeval */
#define SO_SNDTIMEO 21 /* SO_SNDTIMEO_OLD */
#define SO_BINDTODEVICE 25
#define SO_ATTACH_FILTER 26
#define SO_DETACH_FILTER 27
#define SO_PEERNAME 28
#define SO_TIMESTAMP 29
#define SO_ACCEPTCONN 30
#define SO_PEERSEC 31
#define SO_SNDBUFFORCE 32
#define SO_PASSSEC 34
#define SO_MARK 36
#define SO_RCVBUFFORCE 33
#define SO_TIMESTAMPNS 35
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define SO_RXQ_OVFL 40
#define SO_PEEK_OFF 42
#define SO_NOFCS 43
#define SO_BUSY_POLL 46
#define SO_INCOMING_CPU 49
#define SO_PEERGROUPS 59
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67

struct linger {
	int l_onoff;
	int l_linger;
};

/* SCM_CREDENTIALS, SO_PEERCRED */
struct ucred {
	int32_t pid;
	uint32_t uid;
	uint32_t gid;
};

struct msghdr {
	void *msg_name;
	socklen_t msg_namelen;
	struct iovec *msg_iov;
	size_t msg_iovlen;
	void *msg_control;
	size_t msg_controllen;
	unsigned int msg_flags;
};

struct mmsghdr {
	struct msghdr msg_hdr;
	unsigned int msg_len;
};

struct cmsghdr {
	size_t cmsg_len; /* header and data, not the final padding */
	int cmsg_level;
	int cmsg_type;
};

#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define SCM_SECURITY 3
#define SCM_MAX_FD 253 /* Linux's limit on fds in one SCM_RIGHTS */

#define CMSG_ALIGN(len) (((len) + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1))
#define CMSG_SPACE(len) (CMSG_ALIGN(sizeof(struct cmsghdr)) + CMSG_ALIGN(len))
#define CMSG_LEN(len) (CMSG_ALIGN(sizeof(struct cmsghdr)) + (len))

#endif
