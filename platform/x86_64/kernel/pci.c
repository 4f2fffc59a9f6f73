/*
 * PCI: configuration space, BARs, MSI-X, and the device scan behind
 * plat_devices_init().
 *
 * Configuration space is reached through configuration mechanism #1
 * (address port 0xcf8, data port 0xcfc), which both QEMU machines (pc and
 * q35) and every PC chipset offer; it covers the first 256 bytes of each
 * function, all the drivers here need.  The firmware (OVMF) has already
 * assigned BARs and the interrupt line register, so the scan only reads:
 * every bus, slot and function (functions 1-7 only of multi-function
 * devices), and each function whose vendor/device a driver knows goes to
 * that driver's probe.
 *
 * MSI-X: the table lives in one of the function's BARs; it is mapped
 * uncached with x86_ioremap() and an entry is pointed at a local APIC
 * vector of this CPU (x86_msi_message, apic.c).
 *
 * Everything here runs at boot from plat_devices_init() (thread context,
 * interrupts on, one CPU); the 0xcf8/0xcfc pair is used with interrupts
 * disabled so no handler can come between the two port accesses.
 */
#include <kos/log.h>
#include <kos/plat/cpu.h>
#include <kos/plat/dev.h>
#include <uapi/errno.h>

#include "virtio.h"
#include "x86.h"

#define PCI_ADDR_PORT 0xcf8
#define PCI_DATA_PORT 0xcfc
#define PCI_ENABLE 0x80000000U

/* Standard header (type 0) offsets. */
#define PCI_VENDOR 0x00
#define PCI_DEVICE 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_IRQ_LINE 0x3c
#define PCI_IRQ_PIN 0x3d

#define PCI_STATUS_CAPS 0x0010
#define PCI_HEADER_MULTI 0x80
#define PCI_BAR_IO 0x1
#define PCI_BAR_TYPE_MASK 0x6
#define PCI_BAR_TYPE_64 0x4

/* MSI-X capability. */
#define PCI_CAP_MSIX 0x11
#define MSIX_CTRL 2  /* message control */
#define MSIX_TABLE 4 /* table offset | BIR */
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000
#define MSIX_CTRL_SIZE 0x07ff /* table size - 1 */
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_ADDR_LO 0
#define MSIX_ENTRY_ADDR_HI 4
#define MSIX_ENTRY_DATA 8
#define MSIX_ENTRY_CTRL 12
#define MSIX_ENTRY_MASKED 0x1

/* The known devices: vendor, device, probe. */
static const struct {
	uint16_t vendor, device;
	void (*probe)(const struct x86_pci_dev *d);
} pci_drivers[] = {
	{ VIRTIO_PCI_VENDOR, VIRTIO_PCI_BLK_TRANSITIONAL, virtio_blk_probe },
	{ VIRTIO_PCI_VENDOR, VIRTIO_PCI_BLK_MODERN, virtio_blk_probe },
	{ VIRTIO_PCI_VENDOR, VIRTIO_PCI_NET_TRANSITIONAL, virtio_net_probe },
	{ VIRTIO_PCI_VENDOR, VIRTIO_PCI_NET_MODERN, virtio_net_probe },
};

static uint32_t cfg_addr(uint8_t bus, uint8_t slot, uint8_t fn,
			 unsigned int off)
{
	return PCI_ENABLE | (uint32_t)bus << 16 | (uint32_t)slot << 11 |
	       (uint32_t)fn << 8 | (off & 0xfc);
}

/* The aligned dword holding off, of bus/slot/fn. */
static uint32_t cfg_read(uint8_t bus, uint8_t slot, uint8_t fn,
			 unsigned int off)
{
	unsigned long fl = plat_irq_save();
	uint32_t v;

	outl(PCI_ADDR_PORT, cfg_addr(bus, slot, fn, off));
	v = inl(PCI_DATA_PORT);
	plat_irq_restore(fl);
	return v;
}

uint32_t x86_pci_read32(const struct x86_pci_dev *d, unsigned int off)
{
	return cfg_read(d->bus, d->slot, d->fn, off);
}

uint16_t x86_pci_read16(const struct x86_pci_dev *d, unsigned int off)
{
	return (uint16_t)(x86_pci_read32(d, off) >> ((off & 2) * 8));
}

uint8_t x86_pci_read8(const struct x86_pci_dev *d, unsigned int off)
{
	return (uint8_t)(x86_pci_read32(d, off) >> ((off & 3) * 8));
}

void x86_pci_write32(const struct x86_pci_dev *d, unsigned int off, uint32_t v)
{
	unsigned long fl = plat_irq_save();

	outl(PCI_ADDR_PORT, cfg_addr(d->bus, d->slot, d->fn, off));
	outl(PCI_DATA_PORT, v);
	plat_irq_restore(fl);
}

void x86_pci_write16(const struct x86_pci_dev *d, unsigned int off, uint16_t v)
{
	unsigned long fl = plat_irq_save();

	outl(PCI_ADDR_PORT, cfg_addr(d->bus, d->slot, d->fn, off));
	outw((uint16_t)(PCI_DATA_PORT + (off & 2)), v);
	plat_irq_restore(fl);
}

/*
 * Walk the capability list; a list longer than the space could hold (a
 * loop in a broken device) ends the walk.
 */
unsigned int x86_pci_find_cap(const struct x86_pci_dev *d, uint8_t cap,
			      unsigned int from)
{
	unsigned int off, hops;

	if (!(x86_pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	off = from ? x86_pci_read8(d, from + 1) : x86_pci_read8(d, PCI_CAP_PTR);
	for (hops = 0; off >= 0x40 && hops < 48; hops++) {
		off &= 0xfc;
		if (x86_pci_read8(d, off) == cap)
			return off;
		off = x86_pci_read8(d, off + 1);
	}
	return 0;
}

paddr_t x86_pci_bar(const struct x86_pci_dev *d, unsigned int bar)
{
	uint32_t lo;
	uint64_t base;

	if (bar > 5)
		return 0;
	lo = x86_pci_read32(d, PCI_BAR0 + 4 * bar);
	if (lo & PCI_BAR_IO)
		return 0;
	base = lo & ~0xfU;
	if ((lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64) {
		if (bar == 5)
			return 0;
		base |= (uint64_t)x86_pci_read32(d, PCI_BAR0 + 4 * bar + 4)
			<< 32;
	}
	return base;
}

void x86_pci_enable(const struct x86_pci_dev *d, uint16_t bits)
{
	uint16_t cmd = x86_pci_read16(d, PCI_COMMAND);

	x86_pci_write16(d, PCI_COMMAND, cmd | bits);
}

int x86_pci_msix_route(const struct x86_pci_dev *d, unsigned int entry,
		       unsigned int vector)
{
	unsigned int cap = x86_pci_find_cap(d, PCI_CAP_MSIX, 0);
	uint16_t ctrl;
	uint32_t tbl;
	unsigned int n;
	paddr_t bar;
	volatile uint8_t *t;
	uint64_t addr;
	uint32_t data;

	if (!cap)
		return -ENODEV;
	ctrl = x86_pci_read16(d, cap + MSIX_CTRL);
	n = (ctrl & MSIX_CTRL_SIZE) + 1;
	tbl = x86_pci_read32(d, cap + MSIX_TABLE);
	bar = x86_pci_bar(d, tbl & 7);
	if (entry >= n || !bar)
		return -ENODEV;
	t = x86_ioremap(bar + (tbl & ~7U), n * MSIX_ENTRY_SIZE);
	if (!t)
		return -ENOMEM;
	/* Enabled with every vector masked while the table is written. */
	x86_pci_write16(d, cap + MSIX_CTRL,
			ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	for (unsigned int i = 0; i < n; i++) {
		volatile uint32_t *e = (volatile uint32_t *)(t + i * 16);

		e[MSIX_ENTRY_CTRL / 4] = MSIX_ENTRY_MASKED;
	}
	x86_msi_message(vector, &addr, &data);
	{
		volatile uint32_t *e =
			(volatile uint32_t *)(t + entry * MSIX_ENTRY_SIZE);

		e[MSIX_ENTRY_ADDR_LO / 4] = (uint32_t)addr;
		e[MSIX_ENTRY_ADDR_HI / 4] = (uint32_t)(addr >> 32);
		e[MSIX_ENTRY_DATA / 4] = data;
		e[MSIX_ENTRY_CTRL / 4] = 0;
	}
	x86_pci_write16(d, cap + MSIX_CTRL,
			(ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
	x86_pci_enable(d, PCI_CMD_INTX_OFF);
	return 0;
}

/* Hand function bus/slot/fn to its driver, if one knows it. */
static void probe_function(uint8_t bus, uint8_t slot, uint8_t fn, uint32_t id)
{
	struct x86_pci_dev d = {
		.bus = bus,
		.slot = slot,
		.fn = fn,
		.vendor = (uint16_t)id,
		.device = (uint16_t)(id >> 16),
	};
	uint32_t irq;

	for (unsigned int i = 0; i < ARRAY_SIZE(pci_drivers); i++) {
		if (pci_drivers[i].vendor != d.vendor ||
		    pci_drivers[i].device != d.device)
			continue;
		irq = x86_pci_read32(&d, PCI_IRQ_LINE);
		d.irq_line = (uint8_t)irq;
		d.irq_pin = (uint8_t)(irq >> 8);
		log_debug("pci: %02x:%02x.%u %04x:%04x irq line %u pin %u", bus,
			  slot, fn, d.vendor, d.device, d.irq_line, d.irq_pin);
		pci_drivers[i].probe(&d);
		return;
	}
}

/* Scan every bus, slot and function and probe the ones we have drivers for. */
void plat_devices_init(void)
{
	for (unsigned int bus = 0; bus < 256; bus++) {
		for (unsigned int slot = 0; slot < 32; slot++) {
			uint32_t id = cfg_read(bus, slot, 0, PCI_VENDOR);
			unsigned int nfn;

			if ((uint16_t)id == 0xffff)
				continue;
			nfn = (cfg_read(bus, slot, 0, PCI_HEADER_TYPE & ~3) >>
			       16) & PCI_HEADER_MULTI
				      ? 8
				      : 1;
			for (unsigned int fn = 0; fn < nfn; fn++) {
				if (fn)
					id = cfg_read(bus, slot, fn,
						      PCI_VENDOR);
				if ((uint16_t)id != 0xffff)
					probe_function(bus, slot, fn, id);
			}
		}
	}
}
