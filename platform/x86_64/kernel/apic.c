/*
 * Interrupt controllers: the legacy 8259 pair (silenced), the local APIC
 * (timer, EOI, spurious and error vectors) and the IOAPIC (external
 * interrupt routing).
 *
 * Local APIC: xAPIC through MMIO at the base from IA32_APIC_BASE, reached
 * through the direct map (the firmware's MTRRs make that range uncached,
 * which wins over the map's write-back PAT type), or x2APIC through MSRs
 * when the firmware left x2APIC mode on.  The timer runs one-shot with
 * divide-by-16; clock.c calibrates its rate.  LINT0 (where the 8259 would
 * deliver in virtual-wire mode) is masked; LINT1 stays NMI.
 *
 * IOAPIC: the one from the ACPI MADT serving the lowest GSIs (only one is
 * used).  Without a MADT we assume the PC/QEMU default: one IOAPIC at
 * 0xfec00000 serving GSIs from 0, ISA IRQs identity mapped.  All inputs
 * start masked; x86_ioapic_route_isa() unmasks one, edge/high unless the
 * MADT overrides say otherwise, delivered to this CPU at 0x30 + GSI.
 *
 * All of this runs at boot with interrupts disabled, except EOI and the
 * timer, which run with interrupts disabled from their callers.
 */
#include <kos/log.h>
#include <uapi/errno.h>

#include "x86.h"

/* Local APIC register offsets (xAPIC MMIO; x2APIC MSR = 0x800 + off/16). */
#define LAPIC_ID 0x020
#define LAPIC_VER 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ESR 0x280
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define LVT_MASKED (1U << 16)
#define LVT_NMI (4U << 8)
#define SVR_ENABLE (1U << 8)
#define TIMER_DIV_16 0x3

#define APIC_BASE_X2APIC (1UL << 10)
#define APIC_BASE_ENABLE (1UL << 11)
#define APIC_BASE_ADDR 0x000ffffffffff000UL

/* IOAPIC */
#define IOAPIC_DEFAULT_BASE 0xfec00000UL
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REDIR(n) (0x10 + 2 * (n))
#define REDIR_ACTIVE_LOW (1U << 13)
#define REDIR_LEVEL (1U << 15)
#define REDIR_MASKED (1U << 16)

/* 8259 */
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

static uint64_t lapic_base; /* physical; set once at boot */
static bool lapic_x2;
static uint64_t ioapic_base; /* physical, 0 if none */
static uint32_t ioapic_gsi_base, ioapic_pins;

static uint32_t lapic_read(uint32_t reg)
{
	if (lapic_x2)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return mmio_read32(lapic_base + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (lapic_x2)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio_write32(lapic_base + reg, v);
}

static void io_wait(void)
{
	outb(0x80, 0);
}

/*
 * Remap the 8259s to vectors 0x20-0x2f (so a stray IRQ cannot look like
 * an exception) and mask every line.
 */
void x86_pic_disable(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: init, expect ICW4 */
	io_wait();
	outb(PIC2_CMD, 0x11);
	io_wait();
	outb(PIC1_DATA, X86_VEC_PIC_BASE); /* ICW2: vector base */
	io_wait();
	outb(PIC2_DATA, X86_VEC_PIC_BASE + 8);
	io_wait();
	outb(PIC1_DATA, 4); /* ICW3: slave on IRQ2 */
	io_wait();
	outb(PIC2_DATA, 2);
	io_wait();
	outb(PIC1_DATA, 1); /* ICW4: 8086 mode */
	io_wait();
	outb(PIC2_DATA, 1);
	io_wait();
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void x86_lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint32_t x86_lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return lapic_x2 ? id : id >> 24;
}

/* Vector 0xfe: the APIC detected an illegal vector or a send error. */
static void lapic_error_irq(struct x86_frame *f)
{
	uint32_t esr;

	lapic_write(LAPIC_ESR, 0);
	esr = lapic_read(LAPIC_ESR);
	x86_lapic_eoi();
	log_warn("x86: local APIC error, ESR %#x", esr);
}

/* Enable this CPU's local APIC with every local source quiet. */
void x86_lapic_init(void)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);
	unsigned int maxlvt;

	if (!(msr & APIC_BASE_ENABLE)) {
		msr |= APIC_BASE_ENABLE;
		wrmsr(MSR_APIC_BASE, msr);
	}
	lapic_x2 = msr & APIC_BASE_X2APIC;
	lapic_base = msr & APIC_BASE_ADDR;
	maxlvt = (lapic_read(LAPIC_VER) >> 16) & 0xff;

	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | X86_VEC_APIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	if (maxlvt >= 4)
		lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
	if (maxlvt >= 5)
		lapic_write(LAPIC_LVT_THERMAL, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, X86_VEC_APIC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | X86_VEC_SPURIOUS);
	x86_lapic_eoi(); /* drop anything the firmware left in service */
	x86_irq_set_handler(X86_VEC_APIC_ERROR, lapic_error_irq);
	log_info("x86: local APIC id %u at %#llx%s", x86_lapic_id(),
		 (unsigned long long)lapic_base, lapic_x2 ? " (x2APIC)" : "");
}

/* Count down from the maximum with the interrupt masked (calibration). */
void x86_lapic_timer_start_free(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | X86_VEC_APIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, UINT32_MAX);
}

uint32_t x86_lapic_timer_count(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

/* Interrupt at X86_VEC_APIC_TIMER after count ticks; 0 stops the timer. */
void x86_lapic_timer_oneshot(uint32_t count)
{
	lapic_write(LAPIC_LVT_TIMER, X86_VEC_APIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, count);
}

static uint32_t ioapic_read(uint32_t reg)
{
	mmio_write32(ioapic_base + IOAPIC_REGSEL, reg);
	return mmio_read32(ioapic_base + IOAPIC_WIN);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(ioapic_base + IOAPIC_REGSEL, reg);
	mmio_write32(ioapic_base + IOAPIC_WIN, v);
}

/* Find the IOAPIC and mask all its inputs. */
void x86_ioapic_init(void)
{
	uint32_t ver;

	ioapic_base = x86_acpi.ioapic_base;
	ioapic_gsi_base = x86_acpi.ioapic_gsi_base;
	if (!x86_acpi.have_madt) {
		ioapic_base = IOAPIC_DEFAULT_BASE;
		ioapic_gsi_base = 0;
		log_warn("x86: no MADT, assuming an IOAPIC at %#lx",
			 IOAPIC_DEFAULT_BASE);
	}
	if (!ioapic_base || ioapic_base >= (1ULL << 32))
		goto none;
	ver = ioapic_read(IOAPIC_REG_VER);
	if (ver == UINT32_MAX)
		goto none;
	ioapic_pins = ((ver >> 16) & 0xff) + 1;
	for (uint32_t i = 0; i < ioapic_pins; i++) {
		ioapic_write(IOAPIC_REDIR(i) + 1, 0);
		ioapic_write(IOAPIC_REDIR(i), REDIR_MASKED);
	}
	log_info("x86: IOAPIC at %#llx, GSIs %u-%u",
		 (unsigned long long)ioapic_base, ioapic_gsi_base,
		 ioapic_gsi_base + ioapic_pins - 1);
	return;
none:
	log_warn("x86: no usable IOAPIC");
	ioapic_base = 0;
}

/*
 * Route ISA IRQ irq to this CPU and unmask it; *vector gets the vector it
 * will arrive on.  -ENODEV without an IOAPIC input for it.
 */
int x86_ioapic_route_isa(unsigned int irq, unsigned int *vector)
{
	uint32_t gsi, pin, lo;
	uint16_t fl;

	if (!ioapic_base || irq >= 16)
		return -ENODEV;
	gsi = x86_acpi.isa_gsi[irq];
	fl = x86_acpi.isa_flags[irq];
	if (gsi < ioapic_gsi_base || gsi - ioapic_gsi_base >= ioapic_pins ||
	    gsi >= X86_NR_GSI)
		return -ENODEV;
	pin = gsi - ioapic_gsi_base;
	*vector = X86_VEC_GSI_BASE + gsi;
	lo = *vector; /* fixed delivery, physical destination */
	if ((fl & 3) == 3)
		lo |= REDIR_ACTIVE_LOW;
	if (((fl >> 2) & 3) == 3)
		lo |= REDIR_LEVEL;
	ioapic_write(IOAPIC_REDIR(pin) + 1, x86_lapic_id() << 24);
	ioapic_write(IOAPIC_REDIR(pin), lo);
	return 0;
}

/*
 * A PCI function's interrupt line register names an ISA IRQ (the PIC
 * input the firmware routed the pin to) or, above 15, a GSI.  PCI INTx
 * is level triggered, active low -- unless the MADT overrides say how
 * that ISA IRQ is really wired (QEMU: level, active high).
 */
int x86_ioapic_route_pci(unsigned int line, unsigned int *vector)
{
	uint32_t gsi = line, pin, lo;
	uint16_t fl = 0;

	if (!ioapic_base)
		return -ENODEV;
	if (line < 16) {
		gsi = x86_acpi.isa_gsi[line];
		fl = x86_acpi.isa_flags[line];
	}
	if (gsi < ioapic_gsi_base || gsi - ioapic_gsi_base >= ioapic_pins ||
	    gsi >= X86_NR_GSI)
		return -ENODEV;
	pin = gsi - ioapic_gsi_base;
	*vector = X86_VEC_GSI_BASE + gsi;
	lo = *vector | REDIR_LEVEL | REDIR_ACTIVE_LOW;
	if ((fl & 3) == 1)
		lo &= ~REDIR_ACTIVE_LOW;
	if (((fl >> 2) & 3) == 1)
		lo &= ~REDIR_LEVEL;
	ioapic_write(IOAPIC_REDIR(pin) + 1, x86_lapic_id() << 24);
	ioapic_write(IOAPIC_REDIR(pin), lo);
	return 0;
}

static unsigned int msi_next = X86_VEC_MSI_BASE;

unsigned int x86_msi_vector_alloc(void)
{
	return msi_next < X86_VEC_MSI_END ? msi_next++ : 0;
}

/*
 * Intel SDM vol. 3, "Message Signalled Interrupts": the address selects
 * the destination APIC (0xfee00000 | id << 12, physical mode), the data
 * the vector (fixed delivery, edge).  Under x2APIC an id above 255 would
 * need interrupt remapping; one CPU never has one.
 */
void x86_msi_message(unsigned int vector, uint64_t *addr, uint32_t *data)
{
	*addr = 0xfee00000UL | ((uint64_t)(x86_lapic_id() & 0xff) << 12);
	*data = vector & 0xff;
}
