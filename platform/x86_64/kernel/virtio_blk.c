/*
 * virtio-blk (virtio 1.2 specification, 5.2) over the modern PCI
 * transport (virtio.c): the platform's block devices.
 *
 * One request queue (queue 0), at most VIRTQ_SIZE_MAX entries.  Each
 * request in flight takes a slot, and slot s owns descriptors 3s, 3s+1,
 * 3s+2, chained once and for all as header -> data -> status (a FLUSH
 * skips the data descriptor), plus header s and status byte s of the
 * disk's header page.  So a request needs no descriptor allocation: a
 * free slot is all.  Requests that find every slot busy wait in order
 * on the disk's waiting list and start as completions free slots.
 *
 *   submit (thread)                      interrupt
 *   lock; slot free? fill header,        lock; for each used chain: status
 *   data descriptor, push, kick;         -> rq->status, free the slot;
 *   else queue on waiting; unlock        start waiting requests; unlock;
 *                                        rq->done() for each finished one
 *
 * done() is called without the disk's lock, so it may submit again.
 *
 * Interrupts (virtio_irq_setup, virtio.c): an MSI-X vector of its own per
 * disk when the function has MSI-X (QEMU's does), else its INTx line
 * through the IOAPIC, level triggered and possibly shared with other
 * functions (virtio.c's dispatcher reads each device's ISR register,
 * which tells whether it was this one and deasserts the line).  Finished
 * requests gather on the disk's done list before the EOI and complete
 * after it.
 *
 * Features acknowledged: VERSION_1, FLUSH (the disk has a volatile write
 * cache: FLUSH requests go to the device; without it a FLUSH completes at
 * once), RO (a read-only disk), BLK_SIZE (the logical block size, used
 * when it is 512 or 4096).  Nothing else.
 *
 * Locking: each disk's spinlock (interrupts off) guards its queue, slots
 * and waiting list; the done list is the interrupt handler's alone.
 */
#include <kos/blkdev.h>
#include <kos/kmalloc.h>
#include <kos/list.h>
#include <kos/log.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/spinlock.h>
#include <kos/string.h>
#include <uapi/errno.h>

#include "virtio.h"

/* Feature bits (5.2.3) */
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9

/* Device configuration (5.2.4) */
#define VBLK_CFG_CAPACITY 0x00
#define VBLK_CFG_BLK_SIZE 0x14

/* Request types and status values (5.2.6) */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_NONE 0xff /* ours: the device has not written it */

#define VBLK_MAX_SLOTS (VIRTQ_SIZE_MAX / 3)
#define VBLK_STATUS_OFF 1024 /* status bytes in the header page */

struct vblk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct vblk {
	struct kos_blkdev bd;
	struct virtio_pci vp;
	struct virtq vq;
	struct spinlock lock;
	unsigned int nslots;
	uint64_t free_slots; /* bit s: slot s is free: lock */
	struct blk_request *slot_rq[VBLK_MAX_SLOTS]; /* lock */
	struct list_head waiting;		     /* lock */
	struct vblk_hdr *hdr;			     /* the header page */
	volatile uint8_t *status;		     /* in it */
	paddr_t hdr_pa;
	bool flush;	       /* VIRTIO_BLK_F_FLUSH */
	struct virtio_irq irq; /* MSI-X or INTx */
	struct list_head done; /* interrupt handler: finished requests */
};

static unsigned int nvblks; /* boot time only */

/*
 * Put rq into free slot s and hand it to the device (no notification:
 * the caller kicks).  Lock held.
 */
static void vblk_start(struct vblk *vb, unsigned int s, struct blk_request *rq)
{
	struct virtq_desc *d = &vb->vq.desc[3 * s];
	struct vblk_hdr *h = &vb->hdr[s];

	vb->free_slots &= ~(1ULL << s);
	vb->slot_rq[s] = rq;
	h->type = rq->op == BLK_READ	? VIRTIO_BLK_T_IN
		  : rq->op == BLK_WRITE ? VIRTIO_BLK_T_OUT
					: VIRTIO_BLK_T_FLUSH;
	h->reserved = 0;
	h->sector = rq->op == BLK_FLUSH ? 0 : rq->sector;
	vb->status[s] = VIRTIO_BLK_S_NONE;
	if (rq->op == BLK_FLUSH) {
		d[0].next = (uint16_t)(3 * s + 2);
	} else {
		d[0].next = (uint16_t)(3 * s + 1);
		d[1].addr = rq->pa;
		d[1].len = (uint32_t)rq->len;
		d[1].flags = VIRTQ_DESC_F_NEXT |
			     (rq->op == BLK_READ ? VIRTQ_DESC_F_WRITE : 0);
	}
	virtq_push(&vb->vq, (uint16_t)(3 * s));
}

/* The lowest free slot, or -1.  Lock held. */
static int vblk_free_slot(struct vblk *vb)
{
	return vb->free_slots ? __builtin_ctzll(vb->free_slots) : -1;
}

/*
 * blkdev_ops.submit: start rq, or queue it behind the others when every
 * slot is busy.  Any context (interrupts may be off).  0, or -EINVAL /
 * -EROFS for a request the device must not see (then no done).
 */
static int vblk_submit(struct kos_blkdev *bd, struct blk_request *rq)
{
	struct vblk *vb = bd->priv;
	unsigned long fl;
	int s;

	if (rq->op == BLK_FLUSH && !vb->flush) {
		rq->status = 0; /* no volatile cache: nothing to write back */
		rq->done(rq);
		return 0;
	}
	if (rq->op != BLK_FLUSH &&
	    (!rq->len || rq->len % BLK_SECTOR || rq->len > UINT32_MAX ||
	     rq->sector > bd->nsectors ||
	     rq->len / BLK_SECTOR > bd->nsectors - rq->sector))
		return -EINVAL;
	if (rq->op == BLK_WRITE && bd->read_only)
		return -EROFS;
	fl = spin_lock_irqsave(&vb->lock);
	s = vblk_free_slot(vb);
	if (s < 0) {
		list_add_tail(&rq->link, &vb->waiting);
	} else {
		vblk_start(vb, (unsigned int)s, rq);
		virtq_kick(&vb->vq);
	}
	spin_unlock_irqrestore(&vb->lock, fl);
	return 0;
}

static const struct blkdev_ops vblk_ops = {
	.submit = vblk_submit,
};

/*
 * Take vb's finished requests off the used ring (onto *done), free their
 * slots and start waiting requests in them.  Interrupt context.
 */
static void vblk_reap(struct vblk *vb, struct list_head *done)
{
	unsigned long fl = spin_lock_irqsave(&vb->lock);
	bool kick = false;
	uint16_t head;

	while (virtq_pop(&vb->vq, &head, NULL)) {
		unsigned int s = head / 3;
		struct blk_request *rq;

		if (head % 3 || s >= vb->nslots ||
		    (vb->free_slots & (1ULL << s))) {
			log_err("%s: bogus used element %u", vb->bd.name, head);
			continue;
		}
		rq = vb->slot_rq[s];
		rq->status = vb->status[s] == VIRTIO_BLK_S_OK ? 0 : -EIO;
		vb->slot_rq[s] = NULL;
		vb->free_slots |= 1ULL << s;
		list_add_tail(&rq->link, done);
	}
	while (!list_empty(&vb->waiting) && vb->free_slots) {
		struct blk_request *rq = list_first_entry(
			&vb->waiting, struct blk_request, link);

		list_del(&rq->link);
		vblk_start(vb, (unsigned int)vblk_free_slot(vb), rq);
		kick = true;
	}
	if (kick)
		virtq_kick(&vb->vq);
	spin_unlock_irqrestore(&vb->lock, fl);
}

/*
 * The disk interrupted (virtio.c's dispatcher, before the EOI): its
 * finished requests go onto its done list.
 */
static void vblk_intr(struct virtio_irq *vi, uint8_t isr)
{
	struct vblk *vb = container_of(vi, struct vblk, irq);

	(void)isr; /* a configuration change (capacity): not followed */
	vblk_reap(vb, &vb->done);
}

/* After the EOI: complete the requests vblk_intr() gathered. */
static void vblk_after_eoi(struct virtio_irq *vi)
{
	struct vblk *vb = container_of(vi, struct vblk, irq);

	while (!list_empty(&vb->done)) {
		struct blk_request *rq =
			list_first_entry(&vb->done, struct blk_request, link);

		list_del(&rq->link);
		rq->done(rq);
	}
}

/*
 * The disk's interrupt (MSI-X entry 0 for queue 0 if the function has
 * MSI-X, else its INTx line) and its queue.  0, -ENODEV or -ENOMEM.
 */
static int vblk_irq_setup(struct vblk *vb)
{
	int err;

	vb->irq.handler = vblk_intr;
	vb->irq.after_eoi = vblk_after_eoi;
	err = virtio_irq_setup(&vb->vp, &vb->irq);
	if (err)
		return err;
	err = virtq_setup(&vb->vp, 0, &vb->vq, VIRTQ_SIZE_MAX,
			  vb->irq.msix_entry);
	if (err)
		virtio_irq_cancel(&vb->irq);
	return err;
}

/* Chain every slot's descriptors once and for all. */
static void vblk_chain_slots(struct vblk *vb)
{
	vb->nslots = MIN(vb->vq.size / 3U, (unsigned int)VBLK_MAX_SLOTS);
	vb->free_slots = vb->nslots == 64 ? ~0ULL : (1ULL << vb->nslots) - 1;
	for (unsigned int s = 0; s < vb->nslots; s++) {
		struct virtq_desc *d = &vb->vq.desc[3 * s];

		d[0].addr = vb->hdr_pa + s * sizeof(struct vblk_hdr);
		d[0].len = sizeof(struct vblk_hdr);
		d[0].flags = VIRTQ_DESC_F_NEXT;
		d[1].next = (uint16_t)(3 * s + 2);
		d[2].addr = vb->hdr_pa + VBLK_STATUS_OFF + s;
		d[2].len = 1;
		d[2].flags = VIRTQ_DESC_F_WRITE;
	}
}

/*
 * Log "virtio-blk: vda 64 MiB (131072 sectors), flush, rw, MSI-X vector
 * 0x50" (or "INTx line 10, vector 0x3a").
 */
static void vblk_report(const struct vblk *vb)
{
	uint64_t kib = vb->bd.nsectors / 2;
	char irq[40];

	if (vb->irq.msix)
		kos_snprintf(irq, sizeof(irq), "MSI-X vector %#x",
			     vb->irq.vector);
	else
		kos_snprintf(irq, sizeof(irq), "INTx line %u, vector %#x",
			     vb->vp.pci.irq_line, vb->irq.vector);
	log_info("virtio-blk: %s %llu %s (%llu sectors)%s%s, %s, %s",
		 vb->bd.name,
		 (unsigned long long)(kib >= 1024 ? kib / 1024 : kib),
		 kib >= 1024 ? "MiB" : "KiB",
		 (unsigned long long)vb->bd.nsectors,
		 vb->bd.block_size != 512 ? ", 4096-byte blocks" : "",
		 vb->flush ? ", flush" : "", vb->bd.read_only ? "ro" : "rw",
		 irq);
}

void virtio_blk_probe(const struct x86_pci_dev *pci)
{
	uint64_t wanted = 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_BLK_F_RO |
			  1ULL << VIRTIO_BLK_F_BLK_SIZE |
			  1ULL << VIRTIO_BLK_F_FLUSH;
	struct vblk *vb;
	uint64_t cap;
	uint32_t bsz = 512;
	int err;

	if (nvblks == BLK_MAX_DISKS)
		return;
	vb = kzalloc(sizeof(*vb));
	if (!vb)
		return;
	spin_init(&vb->lock, "virtio-blk");
	list_init(&vb->waiting);
	list_init(&vb->done);
	vb->hdr_pa = pmm_alloc_flags(0, PMM_ZERO);
	if (vb->hdr_pa == PMM_NOPAGE)
		goto out_free;
	vb->hdr = plat_phys_to_virt(vb->hdr_pa);
	vb->status = (volatile uint8_t *)vb->hdr + VBLK_STATUS_OFF;

	err = virtio_pci_init(&vb->vp, pci);
	if (!err)
		err = virtio_pci_negotiate(&vb->vp, wanted);
	if (!err)
		err = vblk_irq_setup(vb);
	if (err) {
		log_warn("virtio-blk: %02x:%02x.%u: cannot use it (%d)",
			 pci->bus, pci->slot, pci->fn, err);
		goto out_fail;
	}
	vblk_chain_slots(vb);
	virtio_pci_config(&vb->vp, VBLK_CFG_CAPACITY, &cap, sizeof(cap));
	if (vb->vp.features & (1ULL << VIRTIO_BLK_F_BLK_SIZE))
		virtio_pci_config(&vb->vp, VBLK_CFG_BLK_SIZE, &bsz,
				  sizeof(bsz));
	vb->flush = vb->vp.features & (1ULL << VIRTIO_BLK_F_FLUSH);
	vb->bd.block_size = bsz == 4096 ? 4096 : 512;
	/* whole blocks only (the core insists) */
	vb->bd.nsectors = cap - cap % (vb->bd.block_size / BLK_SECTOR);
	vb->bd.read_only = vb->vp.features & (1ULL << VIRTIO_BLK_F_RO);
	vb->bd.ops = &vblk_ops;
	vb->bd.priv = vb;
	nvblks++;
	virtio_pci_driver_ok(&vb->vp);
	err = blkdev_register(&vb->bd);
	if (err) {
		/* the device stays live but unused; its queue is empty */
		log_warn("virtio-blk: %02x:%02x.%u: not registered (%d)",
			 pci->bus, pci->slot, pci->fn, err);
		return;
	}
	vblk_report(vb);
	return;

out_fail:
	virtio_pci_fail(&vb->vp);
	pmm_free(vb->hdr_pa, 0);
out_free:
	kfree(vb);
}
