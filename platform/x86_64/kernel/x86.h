/*
 * Private header of the bare-metal x86-64 kernel side (platform/x86_64/
 * kernel/).  Nothing in libkos includes it.
 *
 * It holds the machine constants the files share (address-space layout,
 * GDT selectors, interrupt vectors), tiny inline wrappers for privileged
 * instructions, and the functions one file of this folder offers another.
 * Everything here assumes one CPU; SMP will add per-CPU state.
 */
#ifndef KOS_X86_H
#define KOS_X86_H

/* --- address-space layout (shared with the EFI stub) ------------------- */

/* All physical memory is mapped here (2 MiB pages, write-back). */
#define KOS_DIRECT_MAP 0xffff800000000000UL
/* Size of the window reserved for the direct map (64 TiB). */
#define KOS_DIRECT_MAP_SIZE (1UL << 46)
/*
 * Device registers (PCI BARs) are mapped uncached in this window, after
 * the direct map's (x86_ioremap, mem.c): PML4 slot 384, 512 GiB.
 */
#define KOS_MMIO_MAP 0xffffc00000000000UL
#define KOS_MMIO_MAP_SIZE (1UL << 39)
/* The kernel image is linked in the top 2 GiB (see kernel.ld). */
#define KOS_KERNEL_VMA 0xffffffff80000000UL

/* --- GDT selectors (the layout SYSCALL/SYSRET need, as on Linux) ------- */

#define X86_SEL_KERNEL_CS 0x08
#define X86_SEL_KERNEL_DS 0x10
#define X86_SEL_USER32_CS 0x23 /* entry 4, RPL 3: SYSRET's STAR base */
#define X86_SEL_USER_DS 0x2b   /* entry 5, RPL 3 */
#define X86_SEL_USER_CS 0x33   /* entry 6, RPL 3 */
#define X86_SEL_TSS 0x40       /* entries 8-9 (a 16-byte system descriptor) */

/* --- interrupt vectors ------------------------------------------------- */

#define X86_NR_EXCEPTIONS 32
#define X86_VEC_DF 8  /* double fault, runs on IST1 */
#define X86_VEC_NMI 2 /* runs on IST2 */
#define X86_VEC_MC 18 /* machine check, runs on IST3 */
#define X86_VEC_PF 14
#define X86_VEC_PIC_BASE 0x20 /* 8259 remapped here, then masked */
#define X86_VEC_GSI_BASE 0x30 /* IOAPIC input n arrives as 0x30 + n */
#define X86_NR_GSI 24	      /* GSIs we route (one IOAPIC's worth) */
#define X86_VEC_MSI_BASE 0x50 /* MSI-X vectors handed out from here */
#define X86_VEC_MSI_END 0xf0  /* (exclusive) */
#define X86_VEC_APIC_TIMER 0xf0
#define X86_VEC_APIC_ERROR 0xfe
#define X86_VEC_SPURIOUS 0xff

/* IST slots in the TSS (1-based, as the IDT gate encodes them). */
#define X86_IST_DF 1
#define X86_IST_NMI 2
#define X86_IST_MC 3

/* Offset of RSP0 in the TSS (x86_tss, gdt.c); usermode.S stores into it. */
#define X86_TSS_RSP0 4

/*
 * Offsets in struct uregs (kos/plat/user.h) for usermode.S; user.c checks
 * them against the C layout at compile time.
 */
#define UREGS_R15 0
#define UREGS_R14 8
#define UREGS_R13 16
#define UREGS_R12 24
#define UREGS_RBP 32
#define UREGS_RBX 40
#define UREGS_R11 48
#define UREGS_R10 56
#define UREGS_R9 64
#define UREGS_R8 72
#define UREGS_RAX 80
#define UREGS_RCX 88
#define UREGS_RDX 96
#define UREGS_RSI 104
#define UREGS_RDI 112
#define UREGS_ORIG_RAX 120
#define UREGS_RIP 128
#define UREGS_CS 136
#define UREGS_EFLAGS 144
#define UREGS_RSP 152
#define UREGS_SS 160

/* How x86_user_enter() came back (usermode.S <-> user.c). */
#define X86_USER_SYSCALL 1   /* 64-bit SYSCALL; regs saved by usermode.S */
#define X86_USER_SYSCALL32 2 /* SYSCALL from compatibility mode (AMD) */
#define X86_USER_TRAP 3	     /* interrupt/exception; x86_user_trap() */

#ifndef __ASSEMBLY__

#include <kos/boot.h>
#include <kos/compiler.h>
#include <kos/types.h>

/*
 * The register frame every interrupt and exception stub builds on the
 * stack (traps.S), lowest address first.  vector/error are pushed by the
 * stub (error is 0 for vectors without a CPU error code); rip..ss are the
 * CPU's own interrupt frame.
 */
struct x86_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* RFLAGS bits. */
#define X86_RFLAGS_CF (1UL << 0)
#define X86_RFLAGS_FIXED (1UL << 1) /* reads as 1 */
#define X86_RFLAGS_PF (1UL << 2)
#define X86_RFLAGS_AF (1UL << 4)
#define X86_RFLAGS_ZF (1UL << 6)
#define X86_RFLAGS_SF (1UL << 7)
#define X86_RFLAGS_TF (1UL << 8)
#define X86_RFLAGS_IF (1UL << 9)
#define X86_RFLAGS_DF (1UL << 10)
#define X86_RFLAGS_OF (1UL << 11)
#define X86_RFLAGS_IOPL (3UL << 12)
#define X86_RFLAGS_NT (1UL << 14)
#define X86_RFLAGS_RF (1UL << 16)
#define X86_RFLAGS_AC (1UL << 18)
#define X86_RFLAGS_ID (1UL << 21)

/* --- privileged-instruction wrappers ----------------------------------- */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr"
			     :
			     : "c"(msr), "a"((uint32_t)v),
			       "d"((uint32_t)(v >> 32))
			     : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(sub));
}

#define X86_READ_CR(n)                                                \
	static inline uint64_t read_cr##n(void)                       \
	{                                                             \
		uint64_t v;                                           \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v)); \
		return v;                                             \
	}
X86_READ_CR(0)
X86_READ_CR(2)
X86_READ_CR(3)
X86_READ_CR(4)
#undef X86_READ_CR

static inline void write_cr0(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void write_cr4(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* The interrupt flag, for the platform's own hot paths (cpu.c exports). */
static inline void x86_cli(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static inline void x86_sti(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static inline uint64_t x86_read_rflags(void)
{
	uint64_t fl;

	__asm__ __volatile__("pushfq\n\tpopq %0" : "=r"(fl) : : "memory");
	return fl;
}

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

/* 32-bit MMIO through the direct map. */
static inline uint32_t mmio_read32(uint64_t pa)
{
	return *(volatile uint32_t *)(KOS_DIRECT_MAP + pa);
}

static inline void mmio_write32(uint64_t pa, uint32_t v)
{
	*(volatile uint32_t *)(KOS_DIRECT_MAP + pa) = v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr3" : : "r"(v) : "memory");
}

/* MSRs we touch. */
#define MSR_APIC_BASE 0x0000001b
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081	      /* SYSCALL/SYSRET selectors */
#define MSR_LSTAR 0xc0000082	      /* 64-bit SYSCALL entry */
#define MSR_CSTAR 0xc0000083	      /* compatibility-mode SYSCALL entry */
#define MSR_SFMASK 0xc0000084	      /* RFLAGS bits SYSCALL clears */
#define MSR_FS_BASE 0xc0000100	      /* user FS base (TLS) */
#define MSR_GS_BASE 0xc0000101	      /* user GS base (the kernel uses none) */
#define MSR_KERNEL_GS_BASE 0xc0000102 /* SWAPGS partner; unused, 0 */
#define EFER_SCE (1UL << 0)
#define EFER_NXE (1UL << 11)

/* Control-register bits. */
#define CR4_OSXSAVE (1UL << 18)

/* --- what one file offers the others ----------------------------------- */

/* start.c */
void x86_start(const struct kos_bootinfo *bi) __noreturn;

/* gdt.c: load the GDT and TSS (with IST stacks) on the boot CPU. */
void x86_gdt_init(void);

/* idt.c: load the IDT; every vector goes to x86_trap(). */
void x86_idt_init(void);
/*
 * Handler for an external interrupt vector (0x20..0xfe).  It runs with
 * interrupts disabled, must send the EOI itself, and is followed by
 * kos_irq_exit().  Returns nothing; replaces any previous handler.
 */
typedef void (*x86_irq_handler_t)(struct x86_frame *f);
void x86_irq_set_handler(unsigned int vector, x86_irq_handler_t fn);
/* C entry from traps.S for every vector. */
void x86_trap(struct x86_frame *f);
/*
 * The external-interrupt half of x86_trap(): the vector's handler (which
 * sends the EOI), then kos_irq_exit(), which may switch threads.
 */
void x86_interrupt(struct x86_frame *f);

/* start.c: the TSC when the kernel was entered. */
extern uint64_t x86_entry_tsc;

/* acpi.c: what the firmware tables told us (zeros where unknown). */
struct x86_acpi_info {
	uint64_t lapic_base;  /* MADT local APIC address */
	uint64_t ioapic_base; /* first IOAPIC's MMIO base, 0 if none */
	uint32_t ioapic_gsi_base;
	bool have_madt;
	/* ISA IRQ -> GSI with polarity/trigger, from MADT overrides. */
	uint32_t isa_gsi[16];
	uint16_t isa_flags[16]; /* MPS INTI flags (0 = bus default) */
	/* Power-off (S5). */
	uint32_t pm1a_cnt, pm1b_cnt; /* I/O ports, 0 if unknown */
	/* The ACPI PM timer (3.579545 MHz), an I/O port; 0 if unknown. */
	uint16_t pm_tmr;
	bool pm_tmr_32; /* 32 bits wide, else 24 */
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	bool have_s5;
	uint8_t slp_typa, slp_typb;
	/* Restart: the FADT's reset register, when it is an I/O port. */
	bool have_reset;
	uint16_t reset_port;
	uint8_t reset_value;
};
extern struct x86_acpi_info x86_acpi;
void x86_acpi_init(paddr_t rsdp, const struct kos_bootinfo *bi);

/* apic.c: local APIC, legacy PIC, IOAPIC. */
void x86_pic_disable(void);
void x86_lapic_init(void);
void x86_lapic_eoi(void);
uint32_t x86_lapic_id(void);
/* Start the LAPIC timer counting down from max, masked (calibration). */
void x86_lapic_timer_start_free(void);
uint32_t x86_lapic_timer_count(void);
/* Program the one-shot timer: fire after count ticks (0 = stop). */
void x86_lapic_timer_oneshot(uint32_t count);
/* Find the IOAPIC and mask all inputs; then route ISA IRQs (0 or -ENODEV). */
void x86_ioapic_init(void);
int x86_ioapic_route_isa(unsigned int irq, unsigned int *vector);
/*
 * Route the interrupt of a PCI function whose interrupt line register
 * says line (level triggered) to this CPU and unmask it; *vector as
 * above.  -ENODEV without an IOAPIC input for it.
 */
int x86_ioapic_route_pci(unsigned int line, unsigned int *vector);
/*
 * A free vector for an MSI/MSI-X message, or 0 when none is left.  Boot
 * time (plat_devices_init), not reentrant.
 */
unsigned int x86_msi_vector_alloc(void);
/* The message address and data that deliver vector to this CPU (fixed, edge). */
void x86_msi_message(unsigned int vector, uint64_t *addr, uint32_t *data);

/* clock.c */
void x86_clock_init(const struct kos_bootinfo *bi);

/* serial.c */
void x86_serial_init(void);
/* Route COM1 receive interrupts (falls back to polling on the timer). */
void x86_serial_enable_rx(void);
/* Drain received bytes into the core; called from interrupt context. */
void x86_serial_poll(void);
extern bool x86_serial_polled;
/* mem.c: unmap the stub's identity map of low memory. */
void x86_mem_drop_identity(void);
/* Physical address of the kernel's own PML4 (the boot tables). */
extern paddr_t x86_kernel_pml4;
/*
 * Map the device registers at [pa, pa + len) uncached (PCD|PWT, not
 * executable) in the MMIO window and return the address of pa there, or
 * NULL when out of memory or window.  Mappings are never undone.  Thread
 * context (allocates page tables), after the page allocator is up.
 */
volatile void *x86_ioremap(paddr_t pa, size_t len);

/*
 * pci.c: PCI configuration space through ports 0xcf8/0xcfc (mechanism
 * #1: buses 0-255, the standard 256 bytes of each function).
 */
struct x86_pci_dev {
	uint8_t bus, slot, fn;
	uint16_t vendor, device;
	uint8_t irq_line,
		irq_pin; /* 0x3c/0x3d: line 0xff = none, pin 0 = none */
};
uint8_t x86_pci_read8(const struct x86_pci_dev *d, unsigned int off);
uint16_t x86_pci_read16(const struct x86_pci_dev *d, unsigned int off);
uint32_t x86_pci_read32(const struct x86_pci_dev *d, unsigned int off);
void x86_pci_write16(const struct x86_pci_dev *d, unsigned int off, uint16_t v);
void x86_pci_write32(const struct x86_pci_dev *d, unsigned int off, uint32_t v);
/* Offset of the first capability with id cap after from (0: the first), or 0. */
unsigned int x86_pci_find_cap(const struct x86_pci_dev *d, uint8_t cap,
			      unsigned int from);
/*
 * The base of memory BAR bar (0-5; 64-bit BARs take two), or 0 if it is
 * an I/O BAR, unassigned, or the upper half of a 64-bit one.
 */
paddr_t x86_pci_bar(const struct x86_pci_dev *d, unsigned int bar);
/* Set bits in the command register (memory space, bus master, INTx off). */
void x86_pci_enable(const struct x86_pci_dev *d, uint16_t bits);
#define PCI_CMD_MEMORY 0x0002
#define PCI_CMD_MASTER 0x0004
#define PCI_CMD_INTX_OFF 0x0400
/*
 * Point MSI-X table entry entry of d at vector and enable MSI-X (all
 * other entries stay masked).  0, or -ENODEV without MSI-X or with fewer
 * entries, -ENOMEM if the table cannot be mapped.
 */
int x86_pci_msix_route(const struct x86_pci_dev *d, unsigned int entry,
		       unsigned int vector);

/* user.c: SYSCALL MSRs; ring-3 traps from x86_trap(). */
void x86_user_init(void);
/*
 * A trap (exception or interrupt, not on an IST stack) arrived from ring
 * 3: save the user state into the running plat_user_run() call, handle
 * the interrupt if it is one, and make plat_user_run() return.  Does not
 * return to the caller.
 */
void x86_user_trap(struct x86_frame *f) __noreturn;

/* uaccess.S: copy through user addresses; a page fault there returns 1. */
int x86_ucopy(void *dst, const void *src, size_t n);
extern const char x86_ucopy_start[], x86_ucopy_end[], x86_ucopy_fault[];

/* fpu.c: user FPU/SSE/AVX state, one save area per thread. */
void x86_fpu_init(void);
struct thread;
/* t's save area, allocated on first use (initial state); NULL if no memory. */
void *x86_fpu_area(struct thread *t);
/*
 * Put t's user FPU state into the registers (saving the previous owner's)
 * unless it is still there.  t has an area.  Interrupts disabled.
 */
extern struct thread *x86_fpu_owner;
void x86_fpu_switch(struct thread *t);

static inline void x86_fpu_load(struct thread *t)
{
	if (x86_fpu_owner != t)
		x86_fpu_switch(t);
}
/* Make t's area hold its current state (for signal frames, ptrace). */
void x86_fpu_sync(struct thread *t);

/* Text output before (and independent of) the core's log. */
void x86_puts(const char *s);

#endif /* !__ASSEMBLY__ */

#endif
