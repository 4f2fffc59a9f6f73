/*
 * The boot console: a 16550 UART at COM1 (I/O port 0x3f8), 115200 baud,
 * 8N1, FIFOs on.
 *
 * Terminal output (plat_console_put: processed by the tty layer, sent as
 * it is) is interrupt driven: it queues in tx_ring, and the "transmitter
 * holding register empty" interrupt refills the 16-byte FIFO from it, so
 * no thread spins on the UART while a program writes a lot.  The tty
 * layer asks for room first (plat_console_out_room); as the ring drains,
 * kos_console_out_room() lets writers go on.
 *
 * Kernel text (plat_console_write: log lines, panics) is synchronous:
 * with interrupts disabled it first sends what the ring holds, then the
 * text ("\n" as "\r\n"), polling the transmit-empty bit, so the order
 * of everything on the line is the order it was written and a panic
 * needs no interrupts.  Until the IRQ is set up, or if it cannot be,
 * terminal output is polled the same way.  If no UART is present the
 * status port reads 0xff, which looks like "ready", so writes never hang.
 *
 * Input: the "received data available" interrupt (ISA IRQ 4, shared
 * with the transmitter's) is routed through the IOAPIC; its handler
 * drains the receive FIFO into kos_console_input().  If the IOAPIC route
 * cannot be set up, the LAPIC timer interrupt polls the UART instead
 * (x86_serial_polled; input then only arrives while some timer is armed).
 *
 * Locking: the ring and tx_* are used with interrupts disabled (one
 * CPU).
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
#define IER_THRI 0x02
#define IIR_NONE 0x01 /* no interrupt pending */
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define UART_FIFO 16

#define TX_RING 4096 /* power of two */

bool x86_serial_polled;

static char tx_ring[TX_RING];
static size_t tx_head, tx_tail; /* free-running; head - tail = queued */
static bool tx_irq;		/* output is interrupt driven */
static bool tx_busy;		/* THRI enabled: the interrupt refills */

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

/* Send what the ring holds, polling.  Interrupts disabled. */
static void tx_drain_polled(void)
{
	while (tx_head != tx_tail)
		put_byte(tx_ring[tx_tail++ % TX_RING]);
}

/*
 * Fill the FIFO from the ring if the transmitter is empty; keep the
 * interrupt on while bytes remain.  Interrupts disabled.
 */
static void tx_fill(void)
{
	bool was_full = tx_head - tx_tail > TX_RING / 2;
	uint8_t lsr = inb(COM1 + UART_LSR);

	if ((lsr & LSR_THRE) && lsr != 0xff)
		for (int i = 0; i < UART_FIFO && tx_head != tx_tail; i++)
			outb(COM1 + UART_DATA,
			     (uint8_t)tx_ring[tx_tail++ % TX_RING]);
	else if (lsr == 0xff)
		tx_tail = tx_head; /* no UART: nothing will ever go */
	if (tx_head != tx_tail && !tx_busy) {
		tx_busy = true;
		outb(COM1 + UART_IER, IER_RX | IER_THRI);
	} else if (tx_head == tx_tail && tx_busy) {
		tx_busy = false;
		outb(COM1 + UART_IER, IER_RX);
	}
	if ((was_full && tx_head - tx_tail <= TX_RING / 2) ||
	    tx_head == tx_tail)
		kos_console_out_room();
}

void plat_console_write(const char *buf, size_t len)
{
	unsigned long fl = plat_irq_save();

	tx_drain_polled();
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

	if (!tx_irq) {
		for (size_t i = 0; i < len; i++)
			put_byte(buf[i]);
		plat_irq_restore(fl);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (tx_head - tx_tail == TX_RING) /* more than was asked */
			put_byte(tx_ring[tx_tail++ % TX_RING]);
		tx_ring[tx_head++ % TX_RING] = buf[i];
	}
	if (!tx_busy)
		tx_fill();
	plat_irq_restore(fl);
}

size_t plat_console_out_room(void)
{
	unsigned long fl = plat_irq_save();
	size_t n = tx_irq ? TX_RING - (tx_head - tx_tail) : (size_t)1 << 30;

	plat_irq_restore(fl);
	return n;
}

size_t plat_console_out_pending(void)
{
	unsigned long fl = plat_irq_save();
	size_t n = tx_head - tx_tail;

	plat_irq_restore(fl);
	return n;
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

/*
 * IRQ 4: until the UART has nothing pending (the IOAPIC line is edge
 * triggered: a cause left pending would never interrupt again), take
 * the input and refill the transmitter.  kos_irq_exit() follows.
 */
static void serial_irq(struct x86_frame *f)
{
	for (int i = 0; i < 16; i++) {
		uint8_t iir = inb(COM1 + UART_IIR);

		if ((iir & IIR_NONE) || iir == 0xff)
			break;
		if ((iir & 0x0e) == 0x06)
			(void)inb(COM1 + UART_LSR); /* line status */
		else if ((iir & 0x0e) == 0x00)
			(void)inb(COM1 + 6); /* modem status */
		x86_serial_poll();
		if (tx_busy)
			tx_fill();
	}
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
	tx_irq = true;
	log_info("x86: COM1 input and output on IRQ 4, vector %#x", vec);
}
