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
 */
#ifndef KOS_X86_VIRTIO_H
#define KOS_X86_VIRTIO_H

#include <kos/types.h>

#include "x86.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_BLK_TRANSITIONAL 0x1001
#define VIRTIO_PCI_BLK_MODERN 0x1042 /* 0x1040 + device id 2 */

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

/* Make descriptor chain head available to the device. */
void virtq_push(struct virtq *vq, uint16_t head);
/* Tell the device there is something new in vq. */
void virtq_kick(struct virtq *vq);
/* Take the next used element: true and *head, or false if none. */
bool virtq_pop(struct virtq *vq, uint16_t *head);

/* virtio_blk.c: the driver's probe for virtio block functions. */
void virtio_blk_probe(const struct x86_pci_dev *pci);

#endif
