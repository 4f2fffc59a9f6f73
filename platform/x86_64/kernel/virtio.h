/*
 * virtio over PCI, the modern (virtio 1.x) interface, and split
 * virtqueues: what the drivers of this folder (virtio_blk.c) share.
 * Written from the OASIS virtio 1.2 specification, sections 2 (the
 * device basics, split virtqueues) and 4.1 (virtio over PCI).
 *
 * A driver calls, in the order the specification's initialization
 * sequence (3.1.1) asks for:
 *
 *   virtio_pci_init(vp, pci)            find the capabilities, map them,
 *                                       reset, ACKNOWLEDGE | DRIVER
 *   virtio_pci_negotiate(vp, wanted)    features (VERSION_1 required),
 *                                       FEATURES_OK
 *   virtq_setup(vp, 0, vq, max, msix)   each queue, then
 *   virtio_pci_driver_ok(vp)            DRIVER_OK: the device is live
 *
 * and virtio_pci_fail(vp) on any error on the way.  Queues: the driver
 * owns descriptor allocation; virtq_push() publishes a chain head,
 * virtq_kick() notifies, virtq_pop() takes a used element.  None of
 * these lock: the driver serializes them (its queue lock).
 *
 * Interrupts: virtio_irq_setup(vp, vi) (before the queues, whose MSI-X
 * entry it chooses) gives the device MSI-X entry 0 on a vector of its
 * own when the function has MSI-X, else its INTx line through the
 * IOAPIC.  INTx lines are level triggered and shared: every virtio
 * device on one line (a disk and a NIC may be) hangs a struct
 * virtio_irq on the same vector, and one dispatcher here calls each
 * whose ISR status says it interrupted, then sends the EOI, then calls
 * the after_eoi hooks.
 */
#ifndef KOS_X86_VIRTIO_H
#define KOS_X86_VIRTIO_H

#include <kos/types.h>

#include "x86.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_BLK_TRANSITIONAL 0x1001
#define VIRTIO_PCI_BLK_MODERN 0x1042 /* 0x1040 + device id 2 */
#define VIRTIO_PCI_NET_TRANSITIONAL 0x1000
#define VIRTIO_PCI_NET_MODERN 0x1041 /* 0x1040 + device id 1 */

/* Feature bits common to all devices. */
#define VIRTIO_F_VERSION_1 32

/* Queue vector meaning "no MSI-X vector". */
#define VIRTIO_NO_VECTOR 0xffff

/* Split virtqueue layout (2.7). */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2 /* the device writes this buffer */

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1 /* avail.flags: a hint, not a promise */

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id; /* head of the chain */
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

#define VIRTQ_SIZE_MAX 128 /* all three parts fit in one page */

struct virtq {
	uint16_t size;	    /* entries, a power of two */
	uint16_t index;	    /* the queue's number */
	uint16_t last_used; /* next used index to look at */
	struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	volatile uint16_t *notify; /* the queue's notification register */
	paddr_t ring;		   /* the page holding all three */
};

struct virtio_pci {
	struct x86_pci_dev pci;
	volatile uint8_t *common; /* common configuration structure */
	volatile uint8_t *isr;	  /* ISR status byte */
	volatile uint8_t *device; /* device-specific configuration */
	uint32_t device_len;
	volatile uint8_t *notify; /* notification structure */
	uint32_t notify_len, notify_mul;
	uint64_t features; /* negotiated */
};

/*
 * Find the vendor capabilities (common, notify, ISR, device), map them,
 * enable memory decoding and bus mastering, reset the device and set
 * ACKNOWLEDGE and DRIVER.  0, -ENODEV (not a modern device), -ENOMEM.
 */
int virtio_pci_init(struct virtio_pci *vp, const struct x86_pci_dev *pci);
/*
 * Accept the features of wanted (a mask of bit numbers' bits) that the
 * device offers, and nothing else; VERSION_1 must be among them.  Sets
 * vp->features.  0, or -ENODEV if the device refuses.
 */
int virtio_pci_negotiate(struct virtio_pci *vp, uint64_t wanted);
/* Copy len bytes of device configuration at off, consistently (4.1.4.3). */
void virtio_pci_config(struct virtio_pci *vp, unsigned int off, void *buf,
		       unsigned int len);
/*
 * Set up queue index with at most max entries (a power of two, at most
 * VIRTQ_SIZE_MAX), interrupting through MSI-X entry msix (or
 * VIRTIO_NO_VECTOR).  0, -ENODEV (no such queue, or the device refused
 * the vector), -ENOMEM.
 */
int virtq_setup(struct virtio_pci *vp, uint16_t index, struct virtq *vq,
		uint16_t max, uint16_t msix);
void virtio_pci_driver_ok(struct virtio_pci *vp);
/* Give up on the device: FAILED. */
void virtio_pci_fail(struct virtio_pci *vp);
/* Read (and so acknowledge) the ISR status: bit 0 queue, bit 1 config. */
uint8_t virtio_pci_isr(struct virtio_pci *vp);
#define VIRTIO_ISR_QUEUE 0x1
#define VIRTIO_ISR_CONFIG 0x2
/* A 16-bit field of the device configuration at off (2-aligned). */
uint16_t virtio_pci_config16(struct virtio_pci *vp, unsigned int off);
/*
 * Send configuration-change interrupts to MSI-X entry msix (4.1.4.3):
 * 0, or -ENODEV if the device refused the vector.
 */
int virtio_pci_config_vector(struct virtio_pci *vp, uint16_t msix);

/*
 * A device's interrupt (see above).  The driver fills handler (and
 * after_eoi, optional) and calls virtio_irq_setup(); the rest is
 * virtio.c's.  handler runs in interrupt context before the EOI, with
 * the ISR status it read (INTx), or 0 with MSI-X (which does not need
 * the ISR: a driver that wants the config bit reads it itself);
 * after_eoi runs after the EOI, interrupts still off.
 */
struct virtio_irq {
	void (*handler)(struct virtio_irq *vi, uint8_t isr);
	void (*after_eoi)(struct virtio_irq *vi);
	struct virtio_pci *vp;
	unsigned int vector;
	bool msix;		 /* MSI-X entry 0, else INTx */
	uint16_t msix_entry;	 /* for virtq_setup: 0 or VIRTIO_NO_VECTOR */
	struct virtio_irq *next; /* the dispatcher's list (boot time) */
};
/*
 * Route vp's interrupt (MSI-X entry 0 on a new vector, else INTx) to
 * vi's handler.  Boot time (plat_devices_init).  0, or -ENODEV with no
 * way to interrupt.
 */
int virtio_irq_setup(struct virtio_pci *vp, struct virtio_irq *vi);
/*
 * Take vi off the dispatcher's list again (a probe that fails after
 * virtio_irq_setup, before it frees vi).  Boot time.
 */
void virtio_irq_cancel(struct virtio_irq *vi);

/* Make descriptor chain head available to the device. */
void virtq_push(struct virtq *vq, uint16_t head);
/* Tell the device there is something new in vq. */
void virtq_kick(struct virtq *vq);
/*
 * Take the next used element: true and *head (and *len, the bytes the
 * device wrote, when len is not NULL), or false if none.
 */
bool virtq_pop(struct virtq *vq, uint16_t *head, uint32_t *len);

/* virtio_blk.c: the driver's probe for virtio block functions. */
void virtio_blk_probe(const struct x86_pci_dev *pci);
/* virtio_net.c: the driver's probe for virtio network functions. */
void virtio_net_probe(const struct x86_pci_dev *pci);
/* Add len bytes at p, as big-endian 16-bit words, to sum (RFC 1071). */
uint32_t virtio_net_csum_add(uint32_t sum, const uint8_t *p, size_t len);
/* The folded, complemented checksum of a sum. */
uint16_t virtio_net_csum_fold(uint32_t sum);
/*
 * virtio_net_test.c: the driver's boot self-test (cmdline
 * virtio_net.selftest), run on each device after it registered; while
 * virtio_net_testing is set the driver shows it every received frame
 * (interrupt context).
 */
struct kos_netdev;
void virtio_net_selftest(struct kos_netdev *nd);
extern bool virtio_net_testing;
void virtio_net_test_rx(struct kos_netdev *nd, const uint8_t *frame,
			size_t len);

#endif
