/*
 * The boot self-test's "net-stack" case (kos/selftest.h): the running
 * TCP/IP stack (net/lwip.c) on real interrupts and the real clock, on
 * both platforms:
 *
 *   1. an ICMP echo to 127.0.0.1 is answered through lo;
 *   2. ST_TCP_BYTES cross a TCP connection on 127.0.0.1 (lwIP's raw
 *      API, as the socket layer uses it), every byte checked;
 *   3. if an Ethernet interface is up with an IPv4 gateway (ip= or the
 *      default 10.0.2.15/24 via 10.0.2.2 on eth0), an ICMP echo to the
 *      gateway is answered: ARP and IP through the device's driver to a
 *      real peer (QEMU's or libslirp's user network, a TAP device's
 *      namespace).  Asked again every second; without such an
 *      interface this part is skipped (said in the reason).
 *
 * Everything is set up under the stack lock; the callbacks run in the
 * stack thread and wake st_wq.
 */
#include <kos/kmalloc.h>
#include <kos/netdev.h>
#include <kos/selftest.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/waitq.h>
#include <uapi/if.h>

#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/netif.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "stack.h"

#define ST_TIMEOUT_NS (5 * NSEC_PER_SEC)
#define ST_TCP_BYTES (4U << 20)
#define ST_TCP_PORT 7
#define ST_ICMP_ID 0x4b53 /* "KS" */

static struct waitq st_wq = WAITQ_INIT(st_wq);

/* --- ICMP echo --- */

static uint32_t echo_from; /* stack lock: who must answer */
static uint16_t echo_seq;  /* stack lock: the sequence awaited */
static volatile int echo_ok;

static u8_t echo_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p,
		      const ip_addr_t *addr)
{
	struct icmp_echo_hdr h;
	uint16_t hlen = IPH_HL_BYTES((struct ip_hdr *)p->payload);

	if (pbuf_copy_partial(p, &h, sizeof(h), hlen) != sizeof(h) ||
	    h.type != ICMP_ER || h.id != PP_HTONS(ST_ICMP_ID))
		return 0; /* the request itself, others' replies: not ours */
	if (lwip_ntohs(h.seqno) == echo_seq && IP_IS_V4(addr) &&
	    ip4_addr_get_u32(ip_2_ip4(addr)) == echo_from) {
		echo_ok = 1;
		waitq_wake_all(&st_wq);
	}
	pbuf_free(p);
	return 1;
}

static int echo_send(struct raw_pcb *pcb, uint32_t to)
{
	struct icmp_echo_hdr *h;
	struct pbuf *p;
	ip_addr_t dst;
	err_t err;

	p = pbuf_alloc(PBUF_IP, sizeof(*h) + 32, PBUF_RAM);
	if (!p)
		return -1;
	h = p->payload;
	kos_memset(h, 0x5a, p->len);
	h->type = ICMP_ECHO;
	h->code = 0;
	h->id = PP_HTONS(ST_ICMP_ID);
	h->seqno = lwip_htons(++echo_seq);
	h->chksum = 0;
	h->chksum = inet_chksum(h, p->len);
	ip_addr_set_ip4_u32_val(dst, to);
	echo_from = to;
	err = raw_sendto(pcb, p, &dst);
	pbuf_free(p);
	return err == ERR_OK ? 0 : -1;
}

static bool echo_done(void *arg)
{
	return echo_ok;
}

/* Ping to (network order) until answered or ST_TIMEOUT_NS; true if so. */
static bool ping(uint32_t to)
{
	uint64_t deadline = clock_deadline_after(ST_TIMEOUT_NS);
	struct raw_pcb *pcb;
	bool ok = false;

	lwipk_lock();
	pcb = raw_new(IP_PROTO_ICMP);
	if (pcb)
		raw_recv(pcb, echo_recv, NULL);
	lwipk_unlock();
	if (!pcb)
		return false;
	while (!ok && clock_monotonic_ns() < deadline) {
		lwipk_lock();
		echo_ok = 0;
		echo_send(pcb, to);
		lwipk_unlock();
		ok = !waitq_wait_timeout(&st_wq, echo_done, NULL, NSEC_PER_SEC);
	}
	lwipk_lock();
	raw_remove(pcb);
	lwipk_unlock();
	return ok;
}

/* --- TCP over 127.0.0.1 --- */

struct st_tcp {
	uint8_t *buf; /* ST_TCP_BYTES of pattern */
	size_t sent, rcvd;
	unsigned long bad;
	struct tcp_pcb *srv;
	volatile int done; /* 1 all in, -1 error */
};

static struct st_tcp st_tcp;
static struct tcp_pcb *st_cli; /* stack lock; NULL once lwIP freed it */

static void tcp_more(struct tcp_pcb *pcb)
{
	struct st_tcp *t = &st_tcp;

	while (t->sent < ST_TCP_BYTES && tcp_sndbuf(pcb) > 0) {
		size_t n = MIN((size_t)ST_TCP_BYTES - t->sent,
			       (size_t)tcp_sndbuf(pcb));

		n = MIN(n, (size_t)30000);
		if (tcp_write(pcb, t->buf + t->sent, (u16_t)n,
			      TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
		t->sent += n;
	}
	tcp_output(pcb);
}

static err_t tcp_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	tcp_more(pcb);
	return ERR_OK;
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	tcp_sent(pcb, tcp_sent_cb);
	tcp_more(pcb);
	return ERR_OK;
}

/* lwIP freed the pcb (reset, abort): forget it (arg: our pointer). */
static void tcp_err_cb(void *arg, err_t err)
{
	if (arg)
		*(struct tcp_pcb **)arg = NULL;
	st_tcp.done = -1;
	waitq_wake_all(&st_wq);
}

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
			 err_t err)
{
	struct st_tcp *t = &st_tcp;

	if (!p) {
		t->done = -1;
		waitq_wake_all(&st_wq);
		return ERR_OK;
	}
	for (struct pbuf *q = p; q; q = q->next) {
		if (t->rcvd + q->len > ST_TCP_BYTES ||
		    kos_memcmp(q->payload, t->buf + t->rcvd, q->len))
			t->bad++;
		t->rcvd += q->len;
	}
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	if (t->rcvd >= ST_TCP_BYTES) {
		t->done = 1;
		waitq_wake_all(&st_wq);
	}
	return ERR_OK;
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	st_tcp.srv = pcb;
	tcp_arg(pcb, &st_tcp.srv);
	tcp_recv(pcb, tcp_recv_cb);
	tcp_err(pcb, tcp_err_cb);
	return ERR_OK;
}

static bool tcp_done(void *arg)
{
	return st_tcp.done != 0;
}

static bool tcp_lo(char *reason, size_t size)
{
	struct st_tcp *t = &st_tcp;
	struct tcp_pcb *l = NULL, *c;
	ip_addr_t lo4;
	bool ok = false;

	kos_memset(t, 0, sizeof(*t));
	t->buf = kmalloc(ST_TCP_BYTES);
	if (!t->buf) {
		kos_snprintf(reason, size, "no memory");
		return false;
	}
	for (size_t i = 0; i < ST_TCP_BYTES; i++)
		t->buf[i] = (uint8_t)(i * 13 + (i >> 11));
	IP_ADDR4(&lo4, 127, 0, 0, 1);
	lwipk_lock();
	l = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (l && tcp_bind(l, &lo4, ST_TCP_PORT) == ERR_OK)
		l = tcp_listen(l);
	c = st_cli = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (l && c) {
		tcp_accept(l, tcp_accept_cb);
		tcp_arg(c, &st_cli);
		tcp_err(c, tcp_err_cb);
		if (tcp_connect(c, &lo4, ST_TCP_PORT, tcp_connected_cb))
			t->done = -1;
	}
	lwipk_unlock();
	if (!l || !c) {
		kos_snprintf(reason, size, "cannot make the pcbs");
		goto out;
	}
	if (waitq_wait_timeout(&st_wq, tcp_done, NULL, 4 * ST_TIMEOUT_NS))
		kos_snprintf(reason, size, "TCP on lo: %zu of %u bytes",
			     t->rcvd, ST_TCP_BYTES);
	else if (t->done < 0 || t->bad)
		kos_snprintf(reason, size, "TCP on lo: error, %lu bad chunks",
			     t->bad);
	else
		ok = true;
out:
	/* RST both ends: nothing lingers in TIME_WAIT, no callback after */
	lwipk_lock();
	if (st_cli) {
		tcp_err(st_cli, NULL);
		tcp_abort(st_cli);
	}
	if (t->srv) {
		tcp_err(t->srv, NULL);
		tcp_recv(t->srv, NULL);
		tcp_abort(t->srv);
	}
	if (l)
		tcp_close(l);
	lwipk_unlock();
	kfree(t->buf);
	return ok;
}

/* The first Ethernet interface that is up with an IPv4 gateway. */
static struct kos_netdev *eth_with_gateway(uint32_t *gw)
{
	struct kos_netdev *nd;
	unsigned int idx = 0;
	bool found = false;

	while ((nd = netdev_next(idx))) {
		idx = nd->ifindex;
		if (nd->type != ARPHRD_ETHER)
			continue;
		lwipk_lock();
		if (lwipk_netif(nd) && netif_is_up(lwipk_netif(nd))) {
			*gw = ip4_addr_get_u32(netif_ip4_gw(lwipk_netif(nd)));
			found = *gw != 0;
		}
		lwipk_unlock();
		if (found)
			return nd;
	}
	return NULL;
}

bool net_stack_selftest(char *reason, size_t size)
{
	struct kos_netdev *nd;
	uint32_t gw;

	reason[0] = '\0';
	if (!lwipk_running()) {
		kos_snprintf(reason, size, "skipped: no stack");
		return true;
	}
	if (!ping(PP_HTONL(0x7f000001))) {
		kos_snprintf(reason, size, "no echo reply from 127.0.0.1");
		return false;
	}
	if (!tcp_lo(reason, size))
		return false;
	nd = eth_with_gateway(&gw);
	if (!nd) {
		kos_snprintf(reason, size,
			     "lo: ping, %u KiB over TCP; no gateway to ping",
			     ST_TCP_BYTES >> 10);
		return true;
	}
	gw = lwip_ntohl(gw);
	if (!ping(lwip_htonl(gw))) {
		kos_snprintf(reason, size, "%s: no echo reply from %u.%u.%u.%u",
			     nd->name, gw >> 24, (gw >> 16) & 0xff,
			     (gw >> 8) & 0xff, gw & 0xff);
		return false;
	}
	kos_snprintf(reason, size,
		     "lo: ping, %u KiB over TCP; %s: ping %u.%u.%u.%u",
		     ST_TCP_BYTES >> 10, nd->name, gw >> 24, (gw >> 16) & 0xff,
		     (gw >> 8) & 0xff, gw & 0xff);
	return true;
}
