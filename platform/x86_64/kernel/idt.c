/*
 * Interrupt descriptor table and the C side of every trap.
 *
 * All 256 vectors point at the stubs in traps.S, which build a struct
 * x86_frame and call x86_trap().  Vector map (x86.h):
 *
 *	0x00-0x1f  CPU exceptions (DF on IST1, NMI on IST2, MC on IST3)
 *	0x20-0x2f  legacy 8259 PIC, remapped here and masked (only spurious
 *		   IRQs could show up; they are ignored)
 *	0x30-0x47  IOAPIC inputs (GSI n -> 0x30 + n); COM1 is GSI 4
 *	0x50-0xef  MSI-X messages (x86_msi_vector_alloc, apic.c)
 *	0xf0       local APIC timer
 *	0xfe       local APIC error
 *	0xff       local APIC spurious
 *
 * Every gate is an interrupt gate (IF cleared on entry), DPL 0 except #BP
 * and #OF, which user code may raise with int3/into as on Linux.
 *
 * Traps from ring 3 belong to the running plat_user_run() (user.c).  An
 * exception in ring 0 is a kernel bug: x86_trap() prints a register
 * dump (rip symbolized, cr2 for page faults) and panics -- except a page
 * fault in the direct user copy (uaccess.S), which returns to its fixup,
 * and a linked program's fault on its own memory (proc_linked_fault(),
 * which delivers SIGSEGV to it).  NMIs are logged
 * and ignored.  External interrupts go to the handler registered for the
 * vector, which sends the EOI itself; x86_trap() then calls
 * kos_irq_exit(), which may switch threads.
 */
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/plat/user.h>
#include <kos/sched.h>
#include <kos/string.h>

#include "x86.h"

struct x86_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type_attr; /* P | DPL | 0 | type */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __packed;

struct x86_idt_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

#define GATE_INTR 0x8e	    /* present, DPL 0, 64-bit interrupt gate */
#define GATE_INTR_USER 0xee /* present, DPL 3 */

extern const uint64_t x86_trap_stubs[256];

static struct x86_gate idt[256] __aligned(16);
static x86_irq_handler_t irq_handlers[256]; /* set at boot, irqs off */
static unsigned int unexpected_count;

static const char *const exc_names[X86_NR_EXCEPTIONS] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating point",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating point",
	[20] = "#VE virtualization",
	[21] = "#CP control protection",
	[28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication",
	[30] = "#SX security",
};

static void set_gate(unsigned int vec, uint64_t addr, uint8_t attr, uint8_t ist)
{
	struct x86_gate *g = &idt[vec];

	g->off_lo = addr & 0xffff;
	g->sel = X86_SEL_KERNEL_CS;
	g->ist = ist;
	g->type_attr = attr;
	g->off_mid = (addr >> 16) & 0xffff;
	g->off_hi = addr >> 32;
	g->reserved = 0;
}

/* Fill and load the IDT.  Boot CPU, once, interrupts disabled. */
void x86_idt_init(void)
{
	struct x86_idt_ptr p = { sizeof(idt) - 1, (uint64_t)idt };

	for (unsigned int v = 0; v < 256; v++) {
		uint8_t attr = (v == 3 || v == 4) ? GATE_INTR_USER : GATE_INTR;
		uint8_t ist = 0;

		if (v == X86_VEC_DF)
			ist = X86_IST_DF;
		else if (v == X86_VEC_NMI)
			ist = X86_IST_NMI;
		else if (v == X86_VEC_MC)
			ist = X86_IST_MC;
		set_gate(v, x86_trap_stubs[v], attr, ist);
	}
	__asm__ __volatile__("lidt %0" : : "m"(p) : "memory");
}

/* Register fn for vector (0x20..0xfe).  Boot time, interrupts disabled. */
void x86_irq_set_handler(unsigned int vector, x86_irq_handler_t fn)
{
	KOS_ASSERT(vector >= X86_NR_EXCEPTIONS && vector < 256);
	irq_handlers[vector] = fn;
}

static const char *exc_name(unsigned int vec)
{
	const char *n = vec < X86_NR_EXCEPTIONS ? exc_names[vec] : NULL;

	return n ? n : "reserved exception";
}

/* Decode a page-fault error code into buf ("write, not-present, ..."). */
static const char *pf_reason(uint64_t err, char *buf, size_t len)
{
	kos_snprintf(buf, len, "%s %s%s%s%s",
		     err & 0x10 ? "ifetch" : (err & 2 ? "write" : "read"),
		     err & 1 ? "protection-violation" : "not-present",
		     err & 4 ? ", user" : ", kernel",
		     err & 8 ? ", reserved-bit" : "",
		     err & 0x20 ? ", protection-key" : "");
	return buf;
}

/* Print everything we know about frame f at LOG_EMERG. */
static void dump_frame(const struct x86_frame *f)
{
	char sym[96];

	kos_log(LOG_EMERG, "x86: %s (vector %llu) in %s mode, error %#llx",
		exc_name((unsigned int)f->vector),
		(unsigned long long)f->vector, (f->cs & 3) ? "user" : "kernel",
		(unsigned long long)f->error);
	if (f->vector == X86_VEC_PF) {
		char why[80];

		kos_log(LOG_EMERG, "x86: fault address %#018llx (%s)",
			(unsigned long long)read_cr2(),
			pf_reason(f->error, why, sizeof(why)));
	}
	kos_log(LOG_EMERG, "RIP: %04llx:%016llx %s", (unsigned long long)f->cs,
		(unsigned long long)f->rip,
		kos_symbolize(f->rip, sym, sizeof(sym)));
	kos_log(LOG_EMERG, "RSP: %04llx:%016llx RFLAGS: %08llx",
		(unsigned long long)f->ss, (unsigned long long)f->rsp,
		(unsigned long long)f->rflags);
	kos_log(LOG_EMERG, "RAX: %016llx RBX: %016llx RCX: %016llx",
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx);
	kos_log(LOG_EMERG, "RDX: %016llx RSI: %016llx RDI: %016llx",
		(unsigned long long)f->rdx, (unsigned long long)f->rsi,
		(unsigned long long)f->rdi);
	kos_log(LOG_EMERG, "RBP: %016llx R08: %016llx R09: %016llx",
		(unsigned long long)f->rbp, (unsigned long long)f->r8,
		(unsigned long long)f->r9);
	kos_log(LOG_EMERG, "R10: %016llx R11: %016llx R12: %016llx",
		(unsigned long long)f->r10, (unsigned long long)f->r11,
		(unsigned long long)f->r12);
	kos_log(LOG_EMERG, "R13: %016llx R14: %016llx R15: %016llx",
		(unsigned long long)f->r13, (unsigned long long)f->r14,
		(unsigned long long)f->r15);
	kos_log(LOG_EMERG, "CR0: %016llx CR2: %016llx CR3: %016llx",
		(unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		(unsigned long long)read_cr3());
	kos_log(LOG_EMERG, "CR4: %016llx EFER: %016llx",
		(unsigned long long)read_cr4(),
		(unsigned long long)rdmsr(MSR_EFER));
}

/*
 * A CPU exception in ring 0 (or #DF/#MC from anywhere).  Every one other
 * than an NMI is a kernel bug: dump and panic.  kos_panic()'s backtrace
 * runs through the frame record traps.S built, so it starts at the
 * faulting instruction.
 */
static void exception(struct x86_frame *f)
{
	struct thread *cur = sched_current();
	char sym[96];

	/*
	 * A linked program's access against its own mapping's rights: it
	 * runs in ring 0 with interrupts on, so the fault is its own.  The
	 * core delivers SIGSEGV right here on its stack, interrupts on as
	 * in the program (the handler may block, switch, or end the thread,
	 * which then never comes back); then the instruction runs again.
	 */
	if (f->vector == X86_VEC_PF && cur && cur->kernel_fpu &&
	    (f->rflags & X86_RFLAGS_IF)) {
		uint64_t addr = read_cr2();
		bool mine;

		x86_sti();
		mine = proc_linked_fault(addr, f->error & 2);
		x86_cli();
		if (mine) {
			plat_fpu_kernel_own(cur);
			return;
		}
	}
	if (f->vector == X86_VEC_NMI) {
		/* Real NMIs come from watchdogs or hardware errors. */
		kos_log(LOG_WARNING, "x86: NMI at %s, ignored",
			kos_symbolize(f->rip, sym, sizeof(sym)));
		return;
	}
	dump_frame(f);
	kos_panic("x86: fatal %s at %s", exc_name((unsigned int)f->vector),
		  kos_symbolize(f->rip, sym, sizeof(sym)));
}

/*
 * External interrupt: the registered handler sends the EOI, then
 * kos_irq_exit() may switch threads; the interrupted context is resumed
 * when this thread runs again.  Interrupts disabled.
 */
void x86_interrupt(struct x86_frame *f)
{
	unsigned int vec = (unsigned int)f->vector;
	x86_irq_handler_t fn;

	if (vec == X86_VEC_SPURIOUS)
		return; /* no EOI for the spurious vector */
	fn = irq_handlers[vec];
	if (!fn) {
		/*
		 * Masked 8259 lines can still raise spurious IRQ 7/15; they
		 * need no EOI.  Anything else unknown came through the local
		 * APIC: acknowledge it so its priority class is not blocked.
		 */
		if (vec >= X86_VEC_GSI_BASE)
			x86_lapic_eoi();
		if (unexpected_count++ < 8)
			kos_log(LOG_WARNING, "x86: unexpected interrupt %#x",
				vec);
		return;
	}
	fn(f);
	kos_irq_exit();
	/*
	 * Back in the interrupted thread.  A linked one that was running
	 * the program (interrupts on) takes its signals, or its end, here,
	 * as on the way back from a call: interrupts on again, on top of
	 * this frame (proc_linked_interrupt()).  Then it gets its FPU back.
	 */
	if (sched_current()->kernel_fpu) {
		if (f->rflags & X86_RFLAGS_IF) {
			x86_sti();
			proc_linked_interrupt();
			x86_cli();
		}
		plat_fpu_kernel_own(sched_current());
	}
}

/* Vectors that run on an IST stack, not at TSS.RSP0. */
static bool on_ist(unsigned int vec)
{
	return vec == X86_VEC_NMI || vec == X86_VEC_DF || vec == X86_VEC_MC;
}

/*
 * C entry for every vector, interrupts disabled, on the stack of whatever
 * was interrupted (or an IST stack).  Traps from ring 3 go to
 * x86_user_trap(), which ends the running plat_user_run(); an NMI from
 * ring 3 is only logged and returns straight to user mode.
 */
void x86_trap(struct x86_frame *f)
{
	unsigned int vec = (unsigned int)f->vector;

	if ((f->cs & 3) && !on_ist(vec))
		x86_user_trap(f);
	if (vec == X86_VEC_PF && f->rip >= (uint64_t)x86_ucopy_start &&
	    f->rip < (uint64_t)x86_ucopy_end) {
		f->rip = (uint64_t)x86_ucopy_fault; /* uaccess.S */
		return;
	}
	if (vec < X86_NR_EXCEPTIONS)
		exception(f);
	else
		x86_interrupt(f);
}
