/*
 * The boot console: a 16550 UART at COM1 (I/O port 0x3f8), 115200 baud,
 * 8N1, FIFOs on.
 *
 * Output polls the transmit-holding-register-empty bit, one byte at a
 * time, with interrupts disabled for the whole write so lines from an
 * interrupt handler do not interleave with a thread's.  Kernel text
 * (plat_console_write) has "\n" sent as "\r\n"; terminal output
 * (plat_console_put) was processed by the tty layer and goes out as it
 * is.  If no UART is present the status port reads 0xff, which looks
 * like "ready", so writes never hang.
 *
 * Input: the "received data available" interrupt (ISA IRQ 4) is routed
 * through the IOAPIC; its handler drains the receive FIFO into
 * kos_console_input().  If the IOAPIC route cannot be set up, the LAPIC
 * timer interrupt polls the UART instead (x86_serial_polled; input then
 * only arrives while some timer is armed).
 */
#include <kos/log.h>
#include <kos/plat/console.h>
#include <kos/plat/cpu.h>

#include "x86.h"

#define COM1 0x3f8
#define UART_DATA 0 /* RBR/THR; DLL when LCR.DLAB */
#define UART_IER 1  /* DLM when LCR.DLAB */
#define UART_IIR 2  /* read: interrupt id; write: FCR */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* FIFO on, clear both, trigger at 1 byte */
#define MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the IRQ line on PCs */
#define IER_RX 0x01
#define LSR_DR 0x01
#define LSR_THRE 0x20

bool x86_serial_polled;

/* Program COM1 for 115200 8N1 with interrupts off.  First thing at boot. */
void x86_serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DATA, 1); /* divisor 1: 115200 baud */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_IIR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void put_byte(char c)
{
	for (unsigned int i = 0; i < 1000000; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void plat_console_write(const char *buf, size_t len)
{
	unsigned long fl = plat_irq_save();

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			put_byte('\r');
		put_byte(buf[i]);
	}
	plat_irq_restore(fl);
}

void plat_console_put(const char *buf, size_t len)
{
	unsigned long fl = plat_irq_save();

	for (size_t i = 0; i < len; i++)
		put_byte(buf[i]);
	plat_irq_restore(fl);
}

/* The UART's FIFO holds what it can; nothing waits for room here. */
void plat_console_input_room(void)
{
}

void x86_puts(const char *s)
{
	while (*s)
		plat_console_write(s++, 1);
}

/*
 * Hand every byte waiting in the receive FIFO to the core.  Interrupt
 * context (interrupts disabled).  Bounded, so a stuck LSR cannot wedge
 * the CPU.
 */
void x86_serial_poll(void)
{
	char buf[64];
	size_t n = 0;

	for (unsigned int i = 0; i < 4096; i++) {
		uint8_t lsr = inb(COM1 + UART_LSR);

		if (!(lsr & LSR_DR) || lsr == 0xff)
			break;
		buf[n++] = (char)inb(COM1 + UART_DATA);
		if (n == sizeof(buf)) {
			kos_console_input(buf, n);
			n = 0;
		}
	}
	if (n)
		kos_console_input(buf, n);
}

/* IRQ 4: drain the FIFO, acknowledge, deliver.  kos_irq_exit() follows. */
static void serial_irq(struct x86_frame *f)
{
	(void)inb(COM1 + UART_IIR);
	x86_serial_poll();
	x86_lapic_eoi();
}

/* Turn on receive interrupts through the IOAPIC, or fall back to polling. */
void x86_serial_enable_rx(void)
{
	unsigned int vec;

	if (x86_ioapic_route_isa(4, &vec) < 0) {
		x86_serial_polled = true;
		log_warn("x86: COM1 IRQ not routable, polling on timer ticks");
		return;
	}
	x86_irq_set_handler(vec, serial_irq);
	/* Drop stale input and status, then enable the interrupt. */
	for (unsigned int i = 0; i < 4096; i++) {
		uint8_t lsr = inb(COM1 + UART_LSR);

		if (!(lsr & LSR_DR) || lsr == 0xff)
			break;
		(void)inb(COM1 + UART_DATA);
	}
	outb(COM1 + UART_IER, IER_RX);
	log_info("x86: COM1 input on IRQ 4, vector %#x", vec);
}
