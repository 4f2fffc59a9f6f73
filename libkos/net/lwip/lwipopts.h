/*
 * lwIP's configuration in KOS (see libkos/net/lwip.c for the design and
 * docs/net.md, "lwIP, the stack thread and the loopback").
 *
 * The shape: NO_SYS=1 (lwIP's raw API only: no threads, no mailboxes, no
 * netconn or sockets of its own; KOS implements the Linux socket layer
 * itself), every call made under KOS's one stack lock, and lwIP never
 * entered from interrupt context, hence SYS_LIGHTWEIGHT_PROT 0.
 *
 * Memory: MEM_LIBC_MALLOC and MEMP_MEM_MALLOC, i.e. lwIP's heap and every
 * pool (pcbs, segments, pbufs) come from kmalloc.  lwIP's own heap and
 * pools are fixed arrays sized at build time, which would either cap the
 * 1,000 concurrent connections KOS must carry or reserve their worst
 * case for every boot; with kmalloc the stack takes what it uses, gives
 * it back to the kernel when idle, and its memory shows in
 * kmalloc_bytes_in_use() (the leak tests count on that).  The MEMP_NUM_*
 * numbers below are then only lwIP's statistics' bounds, not limits.
 *
 * TCP is sized for throughput: window scaling with a 256 KiB receive
 * window and send buffer, an MSS of up to 8 KiB where the interface
 * allows it (lo; Ethernet clamps to 1460 from its MTU), and
 * LWIP_NETIF_TX_SINGLE_PBUF so a segment reaches the driver in one piece.
 */
#ifndef KOS_LWIPOPTS_H
#define KOS_LWIPOPTS_H

/* --- system --- */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_TIMERS 1
/*
 * Only for lwip_cyclic_timer() (not static then): net/lwip.c cancels the
 * IGMP, MLD and DHCP-fine cyclic timers with it and runs them on demand.
 * In lwIP 2.1 the test mode changes nothing else.
 */
#define LWIP_TESTMODE 1
/* Every entry into lwIP must hold the stack lock (net/lwip.c). */
void lwipk_assert_locked(void);
#define LWIP_ASSERT_CORE_LOCKED() lwipk_assert_locked()

/* --- memory: kmalloc (see above) --- */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
void *kmalloc(unsigned long size);
void kfree(void *p);
void *lwipk_calloc(unsigned long n, unsigned long size);
#define mem_clib_malloc kmalloc
#define mem_clib_free kfree
#define mem_clib_calloc lwipk_calloc
#define MEMP_NUM_TCP_PCB 4096
#define MEMP_NUM_TCP_PCB_LISTEN 1024
#define MEMP_NUM_UDP_PCB 1024
#define MEMP_NUM_RAW_PCB 256
#define MEMP_NUM_TCP_SEG 8192
#define MEMP_NUM_REASSDATA 64
#define MEMP_NUM_FRAG_PBUF 256
#define MEMP_NUM_ARP_QUEUE 256
#define MEMP_NUM_ND6_QUEUE 64
#define MEMP_NUM_SYS_TIMEOUT 64
#define MEMP_NUM_PBUF 4096
#define PBUF_POOL_SIZE 1024
#define MEMP_NUM_IGMP_GROUP 64
#define MEMP_NUM_MLD6_GROUP 64
/* Received frames are the netdev queue's buffers, wrapped (net/lwip.c). */
#define LWIP_SUPPORT_CUSTOM_PBUF 1

/* --- protocols --- */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_UDPLITE 1 /* UDP-Lite: net/inet_dgram.c */
#define LWIP_TCP 1
#define LWIP_IGMP 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0 /* no 1-2 s wait at boot; slirp's lease is ours */
#define LWIP_AUTOIP 0
#define LWIP_DNS 0 /* user space resolves names */
#define LWIP_IPV6_MLD 1
#define LWIP_ICMP6 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
/* 64-bit pointers do not fit in the fragment header lwIP reuses */
#define IPV6_FRAG_COPYHEADER 1
#define LWIP_IPV6_NUM_ADDRESSES 4
#define LWIP_ND6_ALLOW_RA_UPDATES 1
#define IP_FRAG 1
#define IP_REASSEMBLY 1
#define IP_REASS_MAX_PBUFS 128
#define IP_FORWARD 0
#define IP_SOF_BROADCAST 1 /* SO_BROADCAST needed to send to broadcast */
#define IP_SOF_BROADCAST_RECV 0
#define LWIP_MULTICAST_TX_OPTIONS 1
#define IP_DEFAULT_TTL 64 /* Linux's net.ipv4.ip_default_ttl */
#define ARP_QUEUEING 1
#define ARP_TABLE_SIZE 32
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define LWIP_ALTCP 0

/* --- TCP (see above) --- */
#define TCP_MSS 8192
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (256 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN 1024
#define TCP_SNDLOWAT (16 * 1024)
#define TCP_QUEUE_OOSEQ 1
/* TIME_WAIT lasts 2 * TCP_MSL: Linux's 60 s (TCP_TIMEWAIT_LEN) */
#define TCP_MSL 30000UL
#define TCP_LISTEN_BACKLOG 1
#define LWIP_TCP_KEEPALIVE 1
#define SO_REUSE 1
#define TCP_MAXRTX 12
#define TCP_SYNMAXRTX 6
#define LWIP_NETIF_TX_SINGLE_PBUF 1
#define LWIP_CALLBACK_API 1

/* --- interfaces --- */
#define LWIP_SINGLE_NETIF 0
#define LWIP_HAVE_LOOPIF 0    /* KOS's own lo (net/loopback.c) */
#define LWIP_NETIF_LOOPBACK 0 /* local traffic goes through lo, as Linux */
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_NUM_NETIF_CLIENT_DATA 1
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define LWIP_NETIF_API 0

/* --- statistics and debugging --- */
#define LWIP_STATS 0
#define LWIP_DEBUG 0

/*
 * The Internet checksum 8 bytes at a time (lwipk_chksum, net/lwip.c);
 * lwIP's own takes 2, and under QEMU's TCG its 1.5 KiB frames' sums
 * cost 3-5 times as much.  Same contract: the non-inverted sum of the
 * 16-bit words as they lie in memory, any alignment.
 */
unsigned short lwipk_chksum(const void *data, int len);
#define LWIP_CHKSUM lwipk_chksum

/* Byte order by the compiler's builtins. */
#define lwip_htons(x) ((u16_t)__builtin_bswap16(x))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32(x))

#endif
