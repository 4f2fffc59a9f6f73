/*
 * virtio-net (virtio 1.2 specification, 5.1) over the modern PCI
 * transport (virtio.c): the platform's Ethernet devices, each a struct
 * kos_netdev (kos/netdev.h) named eth0, eth1, ... in PCI scan order.
 *
 * Queues: one receive queue (0) and one transmit queue (1); no control
 * queue, so the device filters nothing (QEMU's default is promiscuous)
 * and there is one queue pair.  Each queue has at most VIRTQ_SIZE_MAX
 * entries, and descriptor i of a queue owns buffer i of that queue for
 * good: one descriptor per buffer, so nothing is ever allocated after
 * the probe.  Every frame, either way, is preceded by the 12-byte
 * struct vnet_hdr (5.1.6: with VERSION_1 num_buffers is always there).
 *
 *   receive (interrupt)                  transmit (xmit, stack lock held)
 *   for each used buffer: frame ->       tx_lock; reclaim used buffers;
 *   netdev_rx() (which copies it);       a free buffer? header + frame
 *   the buffer goes straight back on     copied in, push, kick; else
 *   the ring; one kick for the batch     -EAGAIN (dropped); unlock
 *
 * So the receive ring is always full: a buffer leaves it only while the
 * handler copies the frame out.  With VIRTIO_NET_F_MRG_RXBUF the
 * buffers are VNET_RXBUF bytes (cmdline virtio_net.rxbuf=N, 128..4096,
 * to try other sizes) and a frame larger than one is spread over
 * num_buffers consecutive used buffers, gathered into the device's
 * scratch buffer first; without it every buffer holds a whole frame of
 * the device's MTU.  Transmit buffers hold header + the largest frame
 * (mtu, at most VNET_MTU_CAP, + Ethernet and VLAN headers).  Transmit
 * interrupts are suppressed (VIRTQ_AVAIL_F_NO_INTERRUPT): used transmit
 * buffers are reclaimed by the next xmit (and by any interrupt that
 * comes anyway), since the frame was copied and nobody waits for them.
 *
 * Features acknowledged: VERSION_1; MAC (else a random locally
 * administered address); STATUS (link state: a configuration interrupt
 * reads it and calls netdev_link(); without it the link is always up);
 * MRG_RXBUF; MTU (the device's MTU becomes mtu and max_mtu); CSUM
 * (NETDEV_F_TXCSUM: a frame xmit leaves partial goes out with
 * NEEDS_CSUM, csum_start and csum_offset, the partial field holding the
 * pseudo-header sum as virtio wants; without CSUM the driver finishes
 * such a frame itself); GUEST_CSUM (NETDEV_F_RXCSUM: DATA_VALID frames
 * are passed with csum_ok; a NEEDS_CSUM frame, whose checksum the sender
 * left partial, is completed here first).  QEMU offers CSUM and
 * GUEST_CSUM only with a backend that takes virtio headers (TAP with
 * vnet_hdr), not with -netdev user.  No GSO, no control queue, no
 * multiqueue, no event index.
 *
 * Interrupts: virtio_irq_setup() (virtio.c): MSI-X entry 0 on a vector
 * of the device's own for both queues and configuration changes, or
 * the INTx line, shared with any other virtio function on it.
 *
 * Frames arriving between DRIVER_OK and netdev_register() (the stack
 * cannot take them yet) go back on the ring unseen: live says when.
 * Before DRIVER_OK (ready) the handler ignores the device altogether.
 *
 * Self-test (cmdline virtio_net.selftest[=N]): after each device is
 * registered, the probe runs virtio_net_selftest() (virtio_net_test.c:
 * ARP, ICMP echo and UDP echo bursts to the gateway 10.0.2.2) on it,
 * with every received frame shown to virtio_net_test_rx() as well, and
 * logs what the driver saw meanwhile: the most buffers in flight, the
 * frames gathered, the checksum flags either way.
 *
 * Locking: tx_lock (a spinlock, interrupts off) guards the transmit
 * queue, its free list and the transmit counters.  The receive queue,
 * the scratch buffer and the receive counters belong to the interrupt
 * handler (interrupts off; the probe touches them before DRIVER_OK).
 */
#include <kos/cmdline.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/netdev.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/random.h>
#include <kos/spinlock.h>
#include <kos/string.h>
#include <uapi/errno.h>

#include "virtio.h"

/* Feature bits (5.1.3) */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16

/* Device configuration (5.1.4) */
#define VNET_CFG_MAC 0
#define VNET_CFG_STATUS 6
#define VNET_CFG_MTU 10
#define VIRTIO_NET_S_LINK_UP 1

#define VNET_RXQ 0
#define VNET_TXQ 1

/* The header before every frame (5.1.6), little-endian like the CPU. */
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VNET_HDR sizeof(struct vnet_hdr)

#define VNET_ETH_VLAN_HLEN 18 /* Ethernet header with one VLAN tag */
#define VNET_MTU_DEFAULT 1500
#define VNET_MTU_MIN 68
#define VNET_MTU_CAP 9216 /* transmit buffers for more cost too much */
#define VNET_RXBUF 2048	  /* receive buffers with MRG_RXBUF */
#define VNET_MAX_DEVS 8

struct vnet {
	struct kos_netdev nd;
	struct virtio_pci vp;
	struct virtio_irq irq;
	struct virtq rxq, txq;
	unsigned int rx_size, tx_size; /* bytes per buffer */
	uint8_t *rx_buf[VIRTQ_SIZE_MAX];
	uint8_t *tx_buf[VIRTQ_SIZE_MAX];
	paddr_t rx_pa[VIRTQ_SIZE_MAX], tx_pa[VIRTQ_SIZE_MAX];
	struct spinlock tx_lock;
	uint16_t tx_free[VIRTQ_SIZE_MAX]; /* tx_lock: a stack of free slots */
	unsigned int ntx_free;		  /* tx_lock */
	uint8_t *scratch;		  /* MRG_RXBUF: gathered frames */
	size_t scratch_len;
	bool mrg;    /* VIRTIO_NET_F_MRG_RXBUF */
	bool status; /* VIRTIO_NET_F_STATUS */
	bool ready;  /* queues and buffers set up: the handler may look */
	bool live;   /* registered: frames go to the stack */
	/* measurements: tx_lock for tx, the interrupt handler's for rx */
	unsigned int tx_peak;	  /* most transmit buffers in flight */
	unsigned int tx_csum_dev; /* partial checksums the device finished */
	unsigned int tx_csum_sw;  /* partial checksums finished here */
	unsigned int rx_peak;	  /* most frames taken in one interrupt */
	unsigned int rx_multi;	  /* frames that spanned several buffers */
	unsigned int rx_needs_csum, rx_data_valid; /* frames so flagged */
};

static unsigned int nvnets; /* boot time only */

/* --- checksums (RFC 1071) --------------------------------------------- */

uint32_t virtio_net_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)p[i] << 8 | p[i + 1];
		if (sum & 0x80000000U)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

uint16_t virtio_net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Finish a partial checksum as virtio's NEEDS_CSUM means it: sum the
 * frame from start to its end (the field at start + off already holds
 * the pseudo-header's sum) and store the result there.  A zero result
 * is stored as 0xffff, the same value in ones' complement and what UDP
 * requires.  False if the offsets do not fit the frame.
 */
static bool vnet_csum_finish(uint8_t *frame, size_t len, unsigned int start,
			     unsigned int off)
{
	uint16_t c;

	if (start >= len || off + 2 > len - start)
		return false;
	c = virtio_net_csum_fold(
		virtio_net_csum_add(0, frame + start, len - start));
	if (!c)
		c = 0xffff;
	frame[start + off] = (uint8_t)(c >> 8);
	frame[start + off + 1] = (uint8_t)c;
	return true;
}

/* --- buffers ---------------------------------------------------------- */

/*
 * n physically contiguous buffers of size bytes each: several to a
 * page when they fit, else a block each.  0 or -ENOMEM (then nothing
 * stays allocated).
 */
static int vnet_pool_alloc(unsigned int n, unsigned int size, uint8_t **va,
			   paddr_t *pa)
{
	unsigned int order = 0, per;

	while ((PAGE_SIZE << order) < size)
		order++;
	per = (unsigned int)((PAGE_SIZE << order) / size);
	for (unsigned int i = 0; i < n; i++) {
		if (i % per) {
			va[i] = va[i - 1] + size;
			pa[i] = pa[i - 1] + size;
			continue;
		}
		va[i] = pmm_alloc_va(order);
		if (!va[i]) {
			for (unsigned int j = 0; j < i; j += per)
				pmm_free(pa[j], order);
			return -ENOMEM;
		}
		pa[i] = plat_virt_to_phys(va[i]);
	}
	return 0;
}

static void vnet_pool_free(unsigned int n, unsigned int size, paddr_t *pa)
{
	unsigned int order = 0, per;

	while ((PAGE_SIZE << order) < size)
		order++;
	per = (unsigned int)((PAGE_SIZE << order) / size);
	for (unsigned int i = 0; i < n; i += per)
		pmm_free(pa[i], order);
}

/* --- transmit --------------------------------------------------------- */

/* Put transmit buffers the device is done with back on the free list. */
static void vnet_tx_reclaim(struct vnet *vn)
{
	uint16_t head;

	while (virtq_pop(&vn->txq, &head, NULL)) {
		if (head >= vn->txq.size || vn->ntx_free >= vn->txq.size) {
			log_err("%s: bogus used transmit buffer %u",
				vn->nd.name, head);
			continue;
		}
		vn->tx_free[vn->ntx_free++] = head;
	}
}

/* netdev_ops.xmit (kos/netdev.h: the frame is copied before return). */
static int vnet_xmit(struct kos_netdev *nd, const struct netdev_tx *tx)
{
	struct vnet *vn = nd->priv;
	struct vnet_hdr *h;
	unsigned long fl;
	unsigned int inflight;
	uint16_t s;

	if (tx->len < NETDEV_ETH_HLEN || tx->len > vn->tx_size - VNET_HDR ||
	    (tx->csum_offset && tx->csum_start >= tx->len)) {
		__atomic_add_fetch(&nd->stats.tx_errors, 1, __ATOMIC_RELAXED);
		return -EIO;
	}
	fl = spin_lock_irqsave(&vn->tx_lock);
	vnet_tx_reclaim(vn);
	if (!vn->ntx_free) {
		spin_unlock_irqrestore(&vn->tx_lock, fl);
		__atomic_add_fetch(&nd->stats.tx_dropped, 1, __ATOMIC_RELAXED);
		return -EAGAIN;
	}
	s = vn->tx_free[--vn->ntx_free];
	h = (struct vnet_hdr *)vn->tx_buf[s];
	kos_memset(h, 0, VNET_HDR);
	kos_memcpy(vn->tx_buf[s] + VNET_HDR, tx->frame, tx->len);
	if (tx->csum_offset && (nd->features & NETDEV_F_TXCSUM)) {
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = tx->csum_start;
		h->csum_offset = tx->csum_offset;
		vn->tx_csum_dev++;
	} else if (tx->csum_offset) {
		if (!vnet_csum_finish(vn->tx_buf[s] + VNET_HDR, tx->len,
				      tx->csum_start, tx->csum_offset)) {
			vn->tx_free[vn->ntx_free++] = s;
			spin_unlock_irqrestore(&vn->tx_lock, fl);
			__atomic_add_fetch(&nd->stats.tx_errors, 1,
					   __ATOMIC_RELAXED);
			return -EIO;
		}
		vn->tx_csum_sw++;
	}
	vn->txq.desc[s].addr = vn->tx_pa[s];
	vn->txq.desc[s].len = (uint32_t)(VNET_HDR + tx->len);
	vn->txq.desc[s].flags = 0;
	virtq_push(&vn->txq, s);
	virtq_kick(&vn->txq);
	inflight = vn->txq.size - vn->ntx_free;
	if (inflight > vn->tx_peak)
		vn->tx_peak = inflight;
	spin_unlock_irqrestore(&vn->tx_lock, fl);
	__atomic_add_fetch(&nd->stats.tx_packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nd->stats.tx_bytes, tx->len, __ATOMIC_RELAXED);
	return 0;
}

static const struct netdev_ops vnet_ops = {
	.xmit = vnet_xmit,
};

/* --- receive ---------------------------------------------------------- */

/*
 * One received frame (its header h): finish or trust its checksum as h
 * says, count it and hand it to the stack.  Interrupt context.
 */
static void vnet_deliver(struct vnet *vn, const struct vnet_hdr *h,
			 uint8_t *frame, size_t len)
{
	bool csum_ok = false;

	if (len < NETDEV_ETH_HLEN) {
		__atomic_add_fetch(&vn->nd.stats.rx_errors, 1,
				   __ATOMIC_RELAXED);
		return;
	}
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (!vnet_csum_finish(frame, len, h->csum_start,
				      h->csum_offset)) {
			__atomic_add_fetch(&vn->nd.stats.rx_errors, 1,
					   __ATOMIC_RELAXED);
			return;
		}
		vn->rx_needs_csum++;
		csum_ok = true;
	} else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		vn->rx_data_valid++;
		csum_ok = true;
	}
	__atomic_add_fetch(&vn->nd.stats.rx_packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&vn->nd.stats.rx_bytes, len, __ATOMIC_RELAXED);
	if (virtio_net_testing)
		virtio_net_test_rx(&vn->nd, frame, len);
	netdev_rx(&vn->nd, frame, len, csum_ok);
}

/* Give receive buffer i back to the device (the caller kicks). */
static void vnet_rx_post(struct vnet *vn, uint16_t i)
{
	vn->rxq.desc[i].addr = vn->rx_pa[i];
	vn->rxq.desc[i].len = vn->rx_size;
	vn->rxq.desc[i].flags = VIRTQ_DESC_F_WRITE;
	virtq_push(&vn->rxq, i);
}

/*
 * The rest of a frame that spans nbufs buffers (MRG_RXBUF), whose first
 * part (len bytes, already in the scratch buffer) came in the first:
 * take the others off the used ring, gather them, re-post them.  The
 * frame's length, or 0 (counted as an error) when it is bad already
 * (the first part did not fit), or the device sent too few buffers or
 * too many bytes.
 */
static size_t vnet_rx_gather(struct vnet *vn, unsigned int nbufs, size_t len,
			     bool bad)
{
	uint16_t head;
	uint32_t blen;

	for (unsigned int k = 1; k < nbufs; k++) {
		if (!virtq_pop(&vn->rxq, &head, &blen)) {
			bad = true; /* the device owes us buffers: give up */
			break;
		}
		if (head >= vn->rxq.size) {
			log_err("%s: bogus used receive buffer %u", vn->nd.name,
				head);
			bad = true;
			continue;
		}
		if (!bad && blen <= vn->rx_size &&
		    blen <= vn->scratch_len - len) {
			kos_memcpy(vn->scratch + len, vn->rx_buf[head], blen);
			len += blen;
		} else {
			bad = true;
		}
		vnet_rx_post(vn, head);
	}
	vn->rx_multi++;
	if (!bad)
		return len;
	__atomic_add_fetch(&vn->nd.stats.rx_errors, 1, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Take every used receive buffer: deliver the frames, re-post the
 * buffers, kick once.  Interrupt context.
 */
static void vnet_rx(struct vnet *vn)
{
	unsigned int frames = 0;
	uint16_t head;
	uint32_t len;

	while (virtq_pop(&vn->rxq, &head, &len)) {
		struct vnet_hdr h;
		uint8_t *buf;
		unsigned int nbufs;
		size_t flen;

		if (head >= vn->rxq.size) {
			log_err("%s: bogus used receive buffer %u", vn->nd.name,
				head);
			continue;
		}
		frames++;
		buf = vn->rx_buf[head];
		if (len < VNET_HDR || len > vn->rx_size) {
			__atomic_add_fetch(&vn->nd.stats.rx_errors, 1,
					   __ATOMIC_RELAXED);
			vnet_rx_post(vn, head);
			continue;
		}
		kos_memcpy(&h, buf, VNET_HDR);
		nbufs = vn->mrg ? h.num_buffers : 1;
		flen = len - VNET_HDR;
		if (nbufs <= 1) {
			if (vn->live)
				vnet_deliver(vn, &h, buf + VNET_HDR, flen);
			vnet_rx_post(vn, head);
			continue;
		}
		if (flen > vn->scratch_len) {
			/* more than the device's MTU in the first part */
			vnet_rx_post(vn, head);
			vnet_rx_gather(vn, nbufs, 0, true);
			continue;
		}
		kos_memcpy(vn->scratch, buf + VNET_HDR, flen);
		vnet_rx_post(vn, head);
		flen = vnet_rx_gather(vn, nbufs, flen, false);
		if (flen && vn->live)
			vnet_deliver(vn, &h, vn->scratch, flen);
	}
	if (frames) {
		virtq_kick(&vn->rxq);
		if (frames > vn->rx_peak)
			vn->rx_peak = frames;
	}
}

/* Read the link status and tell the stack if it changed. */
static void vnet_link_check(struct vnet *vn)
{
	bool up = virtio_pci_config16(&vn->vp, VNET_CFG_STATUS) &
		  VIRTIO_NET_S_LINK_UP;

	if (up == vn->nd.carrier)
		return;
	log_info("virtio-net: %s: link %s", vn->nd.name, up ? "up" : "down");
	netdev_link(&vn->nd, up);
}

/*
 * The device interrupted (virtio.c's dispatcher): a configuration change
 * (the ISR says; with MSI-X it is read here), received frames, perhaps
 * transmit completions.
 */
static void vnet_intr(struct virtio_irq *vi, uint8_t isr)
{
	struct vnet *vn = container_of(vi, struct vnet, irq);
	unsigned long fl;

	if (!vn->ready)
		return; /* a shared line, or a device too eager: nothing yet */
	if (vn->status) {
		if (vi->msix)
			isr = virtio_pci_isr(&vn->vp);
		if ((isr & VIRTIO_ISR_CONFIG) && vn->live)
			vnet_link_check(vn);
	}
	vnet_rx(vn);
	fl = spin_lock_irqsave(&vn->tx_lock);
	vnet_tx_reclaim(vn);
	spin_unlock_irqrestore(&vn->tx_lock, fl);
}

/* --- probe ------------------------------------------------------------ */

/* What the driver measured (after the self-test). */
static void vnet_log_counters(struct vnet *vn)
{
	unsigned long fl = spin_lock_irqsave(&vn->tx_lock);

	log_info("virtio-net: %s: in flight: up to %u transmit buffers, %u "
		 "frames taken in one interrupt, %u frames over several "
		 "buffers; checksums: %u finished by the device, %u here, "
		 "received %u NEEDS_CSUM, %u DATA_VALID",
		 vn->nd.name, vn->tx_peak, vn->rx_peak, vn->rx_multi,
		 vn->tx_csum_dev, vn->tx_csum_sw, vn->rx_needs_csum,
		 vn->rx_data_valid);
	spin_unlock_irqrestore(&vn->tx_lock, fl);
}

/*
 * Log "virtio-net: eth0 52:54:00:12:34:56, mtu 1500, link up, mrg_rxbuf,
 * 128+128 buffers, MSI-X vector 0x51" (or "INTx line 10, vector 0x3a").
 */
static void vnet_report(const struct vnet *vn)
{
	const uint8_t *m = vn->nd.mac;
	char irq[40];

	if (vn->irq.msix)
		kos_snprintf(irq, sizeof(irq), "MSI-X vector %#x",
			     vn->irq.vector);
	else
		kos_snprintf(irq, sizeof(irq), "INTx line %u, vector %#x",
			     vn->vp.pci.irq_line, vn->irq.vector);
	log_info("virtio-net: %s %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, "
		 "link %s%s%s%s, %u+%u buffers of %u+%u bytes, %s",
		 vn->nd.name, m[0], m[1], m[2], m[3], m[4], m[5], vn->nd.mtu,
		 vn->nd.carrier ? "up" : "down", vn->mrg ? ", mrg_rxbuf" : "",
		 vn->nd.features & NETDEV_F_TXCSUM ? ", tx csum" : "",
		 vn->nd.features & NETDEV_F_RXCSUM ? ", rx csum" : "",
		 vn->rxq.size, vn->txq.size, vn->rx_size, vn->tx_size, irq);
}

/*
 * Read what the negotiated features say about the device: MAC, MTU,
 * link, offloads; choose the buffer sizes.  0 or -ENODEV.
 */
static int vnet_config(struct vnet *vn)
{
	uint64_t f = vn->vp.features;
	unsigned int dev_mtu = VNET_MTU_DEFAULT;
	long long rxbuf;

	if (f & (1ULL << VIRTIO_NET_F_MAC)) {
		virtio_pci_config(&vn->vp, VNET_CFG_MAC, vn->nd.mac,
				  NETDEV_ETH_ALEN);
	} else {
		kos_random_bytes(vn->nd.mac, NETDEV_ETH_ALEN);
		vn->nd.mac[0] = (uint8_t)((vn->nd.mac[0] & ~1) | 2);
	}
	if (f & (1ULL << VIRTIO_NET_F_MTU)) {
		dev_mtu = virtio_pci_config16(&vn->vp, VNET_CFG_MTU);
		if (dev_mtu < VNET_MTU_MIN)
			return -ENODEV;
	}
	vn->nd.type = ARPHRD_ETHER;
	vn->nd.mtu = vn->nd.max_mtu = MIN(dev_mtu, VNET_MTU_CAP);
	vn->mrg = f & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
	vn->status = f & (1ULL << VIRTIO_NET_F_STATUS);
	vn->nd.carrier =
		!vn->status || (virtio_pci_config16(&vn->vp, VNET_CFG_STATUS) &
				VIRTIO_NET_S_LINK_UP);
	if (f & (1ULL << VIRTIO_NET_F_CSUM))
		vn->nd.features |= NETDEV_F_TXCSUM;
	if (f & (1ULL << VIRTIO_NET_F_GUEST_CSUM))
		vn->nd.features |= NETDEV_F_RXCSUM;

	vn->tx_size = (unsigned int)ALIGN_UP(
		VNET_HDR + VNET_ETH_VLAN_HLEN + vn->nd.max_mtu, 64);
	/* what the device may send: its own MTU, not our cap */
	vn->scratch_len = VNET_ETH_VLAN_HLEN + dev_mtu;
	if (vn->mrg) {
		rxbuf = cmdline_get_int(&kos_cmdline, "virtio_net.rxbuf",
					VNET_RXBUF);
		if (rxbuf < 128 || rxbuf > 4096)
			rxbuf = VNET_RXBUF;
		vn->rx_size = (unsigned int)ALIGN_UP(rxbuf, 64);
	} else {
		vn->rx_size =
			(unsigned int)ALIGN_UP(VNET_HDR + vn->scratch_len, 64);
	}
	return 0;
}

/* Queues, buffers, scratch: 0, -ENODEV or -ENOMEM (nothing then kept). */
static int vnet_queues(struct vnet *vn)
{
	int err;

	err = virtq_setup(&vn->vp, VNET_RXQ, &vn->rxq, VIRTQ_SIZE_MAX,
			  vn->irq.msix_entry);
	if (!err)
		err = virtq_setup(&vn->vp, VNET_TXQ, &vn->txq, VIRTQ_SIZE_MAX,
				  vn->irq.msix_entry);
	if (!err && vn->status && vn->irq.msix)
		err = virtio_pci_config_vector(&vn->vp, 0);
	if (err)
		return err; /* the rings' pages stay with the failed device */
	if (vnet_pool_alloc(vn->rxq.size, vn->rx_size, vn->rx_buf, vn->rx_pa))
		return -ENOMEM;
	if (vnet_pool_alloc(vn->txq.size, vn->tx_size, vn->tx_buf, vn->tx_pa)) {
		vnet_pool_free(vn->rxq.size, vn->rx_size, vn->rx_pa);
		return -ENOMEM;
	}
	if (vn->mrg) {
		vn->scratch = kmalloc(vn->scratch_len);
		if (!vn->scratch) {
			vnet_pool_free(vn->rxq.size, vn->rx_size, vn->rx_pa);
			vnet_pool_free(vn->txq.size, vn->tx_size, vn->tx_pa);
			return -ENOMEM;
		}
	}
	for (uint16_t i = 0; i < vn->rxq.size; i++)
		vnet_rx_post(vn, i);
	for (uint16_t i = 0; i < vn->txq.size; i++)
		vn->tx_free[vn->ntx_free++] = (uint16_t)(vn->txq.size - 1 - i);
	vn->txq.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	return 0;
}

void virtio_net_probe(const struct x86_pci_dev *pci)
{
	uint64_t wanted =
		1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_NET_F_MAC |
		1ULL << VIRTIO_NET_F_STATUS | 1ULL << VIRTIO_NET_F_MRG_RXBUF |
		1ULL << VIRTIO_NET_F_MTU | 1ULL << VIRTIO_NET_F_CSUM |
		1ULL << VIRTIO_NET_F_GUEST_CSUM;
	struct vnet *vn;
	unsigned long fl;
	int err;

	if (nvnets == VNET_MAX_DEVS)
		return;
	vn = kzalloc(sizeof(*vn));
	if (!vn)
		return;
	spin_init(&vn->tx_lock, "virtio-net-tx");
	vn->irq.handler = vnet_intr;
	err = virtio_pci_init(&vn->vp, pci);
	if (!err)
		err = virtio_pci_negotiate(&vn->vp, wanted);
	if (!err)
		err = vnet_config(vn);
	if (!err)
		err = virtio_irq_setup(&vn->vp, &vn->irq);
	if (!err) {
		err = vnet_queues(vn);
		if (err)
			virtio_irq_cancel(&vn->irq);
	}
	if (err) {
		log_warn("virtio-net: %02x:%02x.%u: cannot use it (%d)",
			 pci->bus, pci->slot, pci->fn, err);
		virtio_pci_fail(&vn->vp);
		kfree(vn);
		return;
	}
	vn->nd.ops = &vnet_ops;
	vn->nd.priv = vn;
	nvnets++;
	vn->ready = true;
	virtio_pci_driver_ok(&vn->vp);
	virtq_kick(&vn->rxq);
	err = netdev_register(&vn->nd);
	if (err) {
		/* live, but its frames go nowhere and nothing sends */
		log_warn("virtio-net: %02x:%02x.%u: not registered (%d)",
			 pci->bus, pci->slot, pci->fn, err);
		return;
	}
	fl = plat_irq_save();
	vn->live = true;
	if (vn->status)
		vnet_link_check(vn); /* a change since vnet_config */
	plat_irq_restore(fl);
	vnet_report(vn);
	if (cmdline_has(&kos_cmdline, "virtio_net.selftest")) {
		virtio_net_selftest(&vn->nd);
		vnet_log_counters(vn);
	}
}
