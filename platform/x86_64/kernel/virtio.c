/*
 * The virtio PCI transport (modern interface) and split virtqueues; see
 * virtio.h for the order a driver uses them in.
 *
 * The device describes where its register blocks are with vendor-specific
 * PCI capabilities (cfg_type 1 common, 2 notify, 3 ISR, 4 device; the
 * first of each type is the one to use), each a (BAR, offset, length)
 * triple.  Each block is mapped uncached on its own with x86_ioremap().
 * A transitional device (QEMU's default) also has the legacy I/O BAR,
 * which is left alone.
 *
 * Memory ordering: x86 keeps stores in order and loads in order, and
 * uncached MMIO is not reordered around ordinary accesses, so a compiler
 * barrier is all the ring updates need between filling descriptors and
 * publishing the avail index, and between reading the used index and
 * the elements it covers.
 */
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/string.h>
#include <uapi/errno.h>

#include "virtio.h"

#define PCI_CAP_VENDOR 0x09

/* struct virtio_pci_cap (4.1.4) */
#define VCAP_TYPE 3
#define VCAP_BAR 4
#define VCAP_OFFSET 8
#define VCAP_LENGTH 12
#define VCAP_NOTIFY_MUL 16 /* notify capability only */

#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_NOTIFY 2
#define VIRTIO_CAP_ISR 3
#define VIRTIO_CAP_DEVICE 4

/* struct virtio_pci_common_cfg (4.1.4.3) */
#define COMMON_DFSELECT 0x00
#define COMMON_DF 0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF 0x0c
#define COMMON_MSIX 0x10
#define COMMON_NUMQ 0x12
#define COMMON_STATUS 0x14
#define COMMON_CFGGEN 0x15
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE 0x18
#define COMMON_Q_MSIX 0x1a
#define COMMON_Q_ENABLE 0x1c
#define COMMON_Q_NOFF 0x1e
#define COMMON_Q_DESC 0x20
#define COMMON_Q_AVAIL 0x28
#define COMMON_Q_USED 0x30

/* Device status bits (2.1) */
#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define STATUS_FAILED 128

#define barrier() __asm__ __volatile__("" ::: "memory")

static uint8_t rd8(volatile uint8_t *base, unsigned int off)
{
	return *(volatile uint8_t *)(base + off);
}

static uint16_t rd16(volatile uint8_t *base, unsigned int off)
{
	return *(volatile uint16_t *)(base + off);
}

static uint32_t rd32(volatile uint8_t *base, unsigned int off)
{
	return *(volatile uint32_t *)(base + off);
}

static void wr8(volatile uint8_t *base, unsigned int off, uint8_t v)
{
	*(volatile uint8_t *)(base + off) = v;
}

static void wr16(volatile uint8_t *base, unsigned int off, uint16_t v)
{
	*(volatile uint16_t *)(base + off) = v;
}

static void wr32(volatile uint8_t *base, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

/* 64-bit fields as two 32-bit writes, low half first (4.1.3.1). */
static void wr64(volatile uint8_t *base, unsigned int off, uint64_t v)
{
	wr32(base, off, (uint32_t)v);
	wr32(base, off + 4, (uint32_t)(v >> 32));
}

/*
 * Map the block a vendor capability at cap describes; NULL if its BAR is
 * not a memory BAR or the mapping fails.  *len gets its length.
 */
static volatile uint8_t *map_cap(const struct x86_pci_dev *d, unsigned int cap,
				 uint32_t *len)
{
	uint8_t bar = x86_pci_read8(d, cap + VCAP_BAR);
	uint32_t off = x86_pci_read32(d, cap + VCAP_OFFSET);
	paddr_t base = x86_pci_bar(d, bar);

	*len = x86_pci_read32(d, cap + VCAP_LENGTH);
	if (bar > 5 || !base || !*len)
		return NULL;
	return x86_ioremap(base + off, *len);
}

static void set_status(struct virtio_pci *vp, uint8_t bits)
{
	wr8(vp->common, COMMON_STATUS, rd8(vp->common, COMMON_STATUS) | bits);
}

int virtio_pci_init(struct virtio_pci *vp, const struct x86_pci_dev *pci)
{
	unsigned int cap = 0;
	uint32_t len;

	kos_memset(vp, 0, sizeof(*vp));
	vp->pci = *pci;
	x86_pci_enable(pci, PCI_CMD_MEMORY | PCI_CMD_MASTER);
	while ((cap = x86_pci_find_cap(pci, PCI_CAP_VENDOR, cap))) {
		uint8_t type = x86_pci_read8(pci, cap + VCAP_TYPE);

		if (x86_pci_read8(pci, cap + 2) < 16)
			continue; /* cap_len: too short to be one of ours */
		if (type == VIRTIO_CAP_COMMON && !vp->common) {
			vp->common = map_cap(pci, cap, &len);
			if (vp->common && len < 0x38)
				vp->common = NULL;
		} else if (type == VIRTIO_CAP_NOTIFY && !vp->notify &&
			   x86_pci_read8(pci, cap + 2) >= 20) {
			vp->notify = map_cap(pci, cap, &vp->notify_len);
			vp->notify_mul =
				x86_pci_read32(pci, cap + VCAP_NOTIFY_MUL);
		} else if (type == VIRTIO_CAP_ISR && !vp->isr) {
			vp->isr = map_cap(pci, cap, &len);
		} else if (type == VIRTIO_CAP_DEVICE && !vp->device) {
			vp->device = map_cap(pci, cap, &vp->device_len);
		}
	}
	if (!vp->common || !vp->notify || !vp->isr || !vp->device)
		return -ENODEV;
	/* Reset, and wait for the device to say it is done (4.1.4.3.2). */
	wr8(vp->common, COMMON_STATUS, 0);
	for (unsigned int i = 0; rd8(vp->common, COMMON_STATUS); i++) {
		if (i == 1000000)
			return -ENODEV;
		cpu_relax();
	}
	set_status(vp, STATUS_ACKNOWLEDGE);
	set_status(vp, STATUS_DRIVER);
	return 0;
}

int virtio_pci_negotiate(struct virtio_pci *vp, uint64_t wanted)
{
	uint64_t offered;

	wr32(vp->common, COMMON_DFSELECT, 0);
	offered = rd32(vp->common, COMMON_DF);
	wr32(vp->common, COMMON_DFSELECT, 1);
	offered |= (uint64_t)rd32(vp->common, COMMON_DF) << 32;
	vp->features = offered & wanted;
	if (!(vp->features & (1ULL << VIRTIO_F_VERSION_1)))
		return -ENODEV;
	wr32(vp->common, COMMON_GFSELECT, 0);
	wr32(vp->common, COMMON_GF, (uint32_t)vp->features);
	wr32(vp->common, COMMON_GFSELECT, 1);
	wr32(vp->common, COMMON_GF, (uint32_t)(vp->features >> 32));
	set_status(vp, STATUS_FEATURES_OK);
	if (!(rd8(vp->common, COMMON_STATUS) & STATUS_FEATURES_OK))
		return -ENODEV;
	return 0;
}

void virtio_pci_config(struct virtio_pci *vp, unsigned int off, void *buf,
		       unsigned int len)
{
	uint8_t gen;

	KOS_ASSERT(off + len <= vp->device_len);
	do {
		gen = rd8(vp->common, COMMON_CFGGEN);
		for (unsigned int i = 0, n; i < len; i += n) {
			uint32_t v;

			/*
			 * Natural widths, never past len: a device (QEMU's)
			 * refuses an access that crosses the end of its
			 * configuration, and virtio-net's may end at 6.
			 */
			if (len - i >= 4 && !((off + i) & 3)) {
				n = 4;
				v = rd32(vp->device, off + i);
			} else if (len - i >= 2 && !((off + i) & 1)) {
				n = 2;
				v = rd16(vp->device, off + i);
			} else {
				n = 1;
				v = rd8(vp->device, off + i);
			}
			kos_memcpy((uint8_t *)buf + i, &v, n);
		}
	} while (gen != rd8(vp->common, COMMON_CFGGEN));
}

int virtq_setup(struct virtio_pci *vp, uint16_t index, struct virtq *vq,
		uint16_t max, uint16_t msix)
{
	uint16_t size, noff;
	uint8_t *page;

	KOS_ASSERT(max && max <= VIRTQ_SIZE_MAX && !(max & (max - 1)));
	if (index >= rd16(vp->common, COMMON_NUMQ))
		return -ENODEV;
	wr16(vp->common, COMMON_Q_SELECT, index);
	size = rd16(vp->common, COMMON_Q_SIZE);
	if (!size || rd16(vp->common, COMMON_Q_ENABLE))
		return -ENODEV;
	/* the largest power of two the device and we both allow */
	while (size & (size - 1))
		size &= (uint16_t)(size - 1);
	size = MIN(size, max);
	noff = rd16(vp->common, COMMON_Q_NOFF);
	if ((uint64_t)noff * vp->notify_mul + 2 > vp->notify_len)
		return -ENODEV;

	kos_memset(vq, 0, sizeof(*vq));
	vq->ring = pmm_alloc_flags(0, PMM_ZERO);
	if (vq->ring == PMM_NOPAGE)
		return -ENOMEM;
	/* one page: descriptors, then avail (2-aligned), used (4-aligned) */
	page = plat_phys_to_virt(vq->ring);
	vq->size = size;
	vq->index = index;
	vq->desc = (struct virtq_desc *)page;
	vq->avail = (struct virtq_avail *)(page + 16 * VIRTQ_SIZE_MAX);
	vq->used = (struct virtq_used *)(page + 16 * VIRTQ_SIZE_MAX + 512);
	vq->notify = (volatile uint16_t *)(vp->notify +
					   (uint32_t)noff * vp->notify_mul);

	wr16(vp->common, COMMON_Q_SIZE, size);
	wr64(vp->common, COMMON_Q_DESC, vq->ring);
	wr64(vp->common, COMMON_Q_AVAIL, plat_virt_to_phys((void *)vq->avail));
	wr64(vp->common, COMMON_Q_USED, plat_virt_to_phys((void *)vq->used));
	if (msix != VIRTIO_NO_VECTOR) {
		wr16(vp->common, COMMON_Q_MSIX, msix);
		if (rd16(vp->common, COMMON_Q_MSIX) != msix) {
			pmm_free(vq->ring, 0);
			return -ENODEV;
		}
	}
	wr16(vp->common, COMMON_Q_ENABLE, 1);
	return 0;
}

void virtio_pci_driver_ok(struct virtio_pci *vp)
{
	set_status(vp, STATUS_DRIVER_OK);
}

void virtio_pci_fail(struct virtio_pci *vp)
{
	if (vp->common)
		set_status(vp, STATUS_FAILED);
}

uint8_t virtio_pci_isr(struct virtio_pci *vp)
{
	return rd8(vp->isr, 0);
}

void virtq_push(struct virtq *vq, uint16_t head)
{
	uint16_t idx = vq->avail->idx;

	vq->avail->ring[idx & (vq->size - 1)] = head;
	barrier(); /* the entry (and its descriptors) before the index */
	vq->avail->idx = (uint16_t)(idx + 1);
}

void virtq_kick(struct virtq *vq)
{
	barrier();
	*vq->notify = vq->index;
}

bool virtq_pop(struct virtq *vq, uint16_t *head, uint32_t *len)
{
	volatile struct virtq_used_elem *e;

	if (vq->last_used == vq->used->idx)
		return false;
	barrier(); /* the index before the element it covers */
	e = &vq->used->ring[vq->last_used & (vq->size - 1)];
	*head = (uint16_t)e->id;
	if (len)
		*len = e->len;
	vq->last_used++;
	return true;
}

uint16_t virtio_pci_config16(struct virtio_pci *vp, unsigned int off)
{
	KOS_ASSERT(!(off & 1) && off + 2 <= vp->device_len);
	return rd16(vp->device, off);
}

int virtio_pci_config_vector(struct virtio_pci *vp, uint16_t msix)
{
	wr16(vp->common, COMMON_MSIX, msix);
	return rd16(vp->common, COMMON_MSIX) == msix ? 0 : -ENODEV;
}

/* --- interrupts ------------------------------------------------------- */

static struct virtio_irq *virtio_irqs; /* boot time: every device's */

/*
 * Every virtio vector's handler: the devices on it (one with MSI-X, any
 * number sharing an INTx line, where reading the ISR both says whether
 * it was this device and deasserts its line), the EOI, the after-EOI
 * hooks.
 */
static void virtio_irq_dispatch(struct x86_frame *f)
{
	struct virtio_irq *vi;

	for (vi = virtio_irqs; vi; vi = vi->next) {
		uint8_t isr = 0;

		if (vi->vector != f->vector)
			continue;
		if (!vi->msix) {
			isr = virtio_pci_isr(vi->vp);
			if (!isr)
				continue;
		}
		vi->handler(vi, isr);
	}
	x86_lapic_eoi();
	for (vi = virtio_irqs; vi; vi = vi->next)
		if (vi->vector == f->vector && vi->after_eoi)
			vi->after_eoi(vi);
}

int virtio_irq_setup(struct virtio_pci *vp, struct virtio_irq *vi)
{
	const struct x86_pci_dev *d = &vp->pci;
	unsigned int vec = x86_msi_vector_alloc();
	struct virtio_irq **p;

	vi->vp = vp;
	vi->next = NULL;
	if (vec && x86_pci_msix_route(d, 0, vec) == 0) {
		vi->msix = true;
		vi->msix_entry = 0;
		vi->vector = vec;
	} else {
		if (!d->irq_pin || d->irq_line == 0xff ||
		    x86_ioapic_route_pci(d->irq_line, &vi->vector))
			return -ENODEV;
		vi->msix = false;
		vi->msix_entry = VIRTIO_NO_VECTOR;
	}
	/* at the tail, so devices are asked in the order they came */
	for (p = &virtio_irqs; *p; p = &(*p)->next)
		;
	*p = vi;
	x86_irq_set_handler(vi->vector, virtio_irq_dispatch);
	return 0;
}

void virtio_irq_cancel(struct virtio_irq *vi)
{
	unsigned long fl = plat_irq_save();
	struct virtio_irq **p;

	for (p = &virtio_irqs; *p; p = &(*p)->next)
		if (*p == vi) {
			*p = vi->next;
			break;
		}
	plat_irq_restore(fl);
}
