/*
 * Kernel panic, backtraces and address symbolization.
 *
 * kos_panic() is a small assembly entry that snapshots every general
 * register exactly as the caller left them (plus the caller's rsp, return
 * address and flags) into panic_regs, then tail-jumps to kos_panic_body()
 * with the argument registers and stack untouched, so the variadic
 * arguments arrive intact.  The C side disables interrupts, refuses to
 * recurse, prints
 *
 *	KOS PANIC: <message>
 *	 RIP: <return address> <symbol>
 *	 RSP/RBP/RFLAGS and the other registers
 *	 Backtrace:
 *	 #0 0x... symbol+0xoff
 *	 ...
 *
 * on the console with kos_console_puts() (never through the locked log
 * path), records the message in the log ring, and then powers off with
 * status 125 when the command line says panic=poweroff, or halts.
 *
 * Backtraces follow the frame-pointer chain (libkos is built with
 * -fno-omit-frame-pointer): at fp sits the caller's fp, at fp + 8 the return
 * address.  The walk stops after KOS_BT_MAX frames or at the first frame
 * pointer that is NULL, misaligned, not above the previous one, or
 * implausibly far from it.
 *
 * Locking: none.  Everything here runs with interrupts disabled on the
 * panicking CPU; panic_depth stops a second panic from re-entering.
 */
#include <kos/cmdline.h>
#include <kos/ksym.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/plat/power.h>
#include <kos/string.h>

#define KOS_BT_MAX 32
#define KOS_BT_MAX_FRAME (1UL << 20) /* largest believable frame */

/* The registers of kos_panic()'s caller; the layout is known to the asm. */
struct panic_regs {
	unsigned long rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	unsigned long r8, r9, r10, r11, r12, r13, r14, r15;
	unsigned long rip, rflags;
};

static struct panic_regs panic_regs __attribute__((used));
/* Bit 0 set once panic_regs holds the first panic's snapshot. */
static unsigned long panic_regs_taken __attribute__((used));
/* Number of panics entered; > 1 means a panic while panicking. */
static int panic_depth;

void kos_panic_body(const char *fmt, ...) __noreturn __printf(1, 2);

/*
 * kos_panic(fmt, ...): save the caller's registers (only for the first
 * panic; a nested one must not overwrite them) and jump to
 * kos_panic_body() as if it had been called directly.  On entry (%rsp)
 * is the return address; pushfq puts the flags below it.
 */
__asm__("	.text\n"
	"	.globl kos_panic\n"
	"	.type kos_panic, @function\n"
	"kos_panic:\n"
	"	pushfq\n"
	"	lock btsq $0, panic_regs_taken(%rip)\n"
	"	jc 1f\n"
	"	movq %rax, panic_regs+0(%rip)\n"
	"	movq %rbx, panic_regs+8(%rip)\n"
	"	movq %rcx, panic_regs+16(%rip)\n"
	"	movq %rdx, panic_regs+24(%rip)\n"
	"	movq %rsi, panic_regs+32(%rip)\n"
	"	movq %rdi, panic_regs+40(%rip)\n"
	"	movq %rbp, panic_regs+48(%rip)\n"
	"	movq %r8, panic_regs+64(%rip)\n"
	"	movq %r9, panic_regs+72(%rip)\n"
	"	movq %r10, panic_regs+80(%rip)\n"
	"	movq %r11, panic_regs+88(%rip)\n"
	"	movq %r12, panic_regs+96(%rip)\n"
	"	movq %r13, panic_regs+104(%rip)\n"
	"	movq %r14, panic_regs+112(%rip)\n"
	"	movq %r15, panic_regs+120(%rip)\n"
	"	leaq 16(%rsp), %rax\n"
	"	movq %rax, panic_regs+56(%rip)\n"
	"	movq 8(%rsp), %rax\n"
	"	movq %rax, panic_regs+128(%rip)\n"
	"	movq (%rsp), %rax\n"
	"	movq %rax, panic_regs+136(%rip)\n"
	"	movq panic_regs+0(%rip), %rax\n"
	"1:	leaq 8(%rsp), %rsp\n"
	"	jmp kos_panic_body\n"
	"	.size kos_panic, .-kos_panic\n");

_Static_assert(__builtin_offsetof(struct panic_regs, rsp) == 56, "asm");
_Static_assert(__builtin_offsetof(struct panic_regs, r8) == 64, "asm");
_Static_assert(__builtin_offsetof(struct panic_regs, rip) == 128, "asm");
_Static_assert(__builtin_offsetof(struct panic_regs, rflags) == 136, "asm");

/*
 * Resolve addr to "symbol+0xoff", or "0x<addr>" when no symbol covers it.
 * Writes into buf[len] and returns buf.  Any context.
 */
const char *kos_symbolize(unsigned long addr, char *buf, size_t len)
{
	const char *name;
	unsigned long off;

	if (ksym_lookup(addr, &name, &off) == 0)
		kos_snprintf(buf, len, "%s+0x%lx", name, off);
	else
		kos_snprintf(buf, len, "0x%lx", addr);
	return buf;
}

/*
 * Print one backtrace line " #n 0x<addr> <symbol>" for return address
 * addr.  The symbol is looked up for addr - 1: a call to a noreturn
 * function can be the last instruction of its caller, so its return address
 * may already belong to the next function.
 */
static void print_frame(unsigned int n, unsigned long addr)
{
	char sym[128], line[192];
	const char *name;
	unsigned long off;

	if (ksym_lookup(addr - 1, &name, &off) == 0)
		kos_snprintf(sym, sizeof(sym), "%s+0x%lx", name, off + 1);
	else
		kos_snprintf(sym, sizeof(sym), "0x%lx", addr);
	kos_snprintf(line, sizeof(line), " #%u 0x%016lx %s\n", n, addr, sym);
	kos_console_puts(line);
}

/*
 * Walk the frame-pointer chain from fp, numbering frames from first, and
 * stop at KOS_BT_MAX frames in all or at the first implausible link.
 */
static void backtrace_from(unsigned long fp, unsigned int first)
{
	unsigned int n;

	for (n = first; n < KOS_BT_MAX; n++) {
		const unsigned long *frame = (const unsigned long *)fp;
		unsigned long next, ret;

		if (!fp || fp % sizeof(unsigned long))
			return;
		ret = frame[1];
		if (!ret)
			return;
		print_frame(n, ret);
		next = frame[0];
		if (next <= fp || next - fp > KOS_BT_MAX_FRAME)
			return;
		fp = next;
	}
}

/*
 * Print the return addresses of the frames starting at frame pointer fp
 * (e.g. __builtin_frame_address(0)), one " #n 0x... symbol+0xoff" line
 * each, to the console.  Any context.
 */
void kos_backtrace(unsigned long fp)
{
	backtrace_from(fp, 0);
}

/* Print the caller's registers saved by the kos_panic entry. */
static void dump_regs(const struct panic_regs *r)
{
	char line[160];

	kos_snprintf(line, sizeof(line), " RIP: %016lx (return address)\n",
		     r->rip);
	kos_console_puts(line);
	kos_snprintf(line, sizeof(line),
		     " RSP: %016lx RBP: %016lx RFLAGS: %08lx\n", r->rsp, r->rbp,
		     r->rflags);
	kos_console_puts(line);
	kos_snprintf(line, sizeof(line),
		     " RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx,
		     r->rcx);
	kos_console_puts(line);
	kos_snprintf(line, sizeof(line),
		     " RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi,
		     r->rdi);
	kos_console_puts(line);
	kos_snprintf(line, sizeof(line),
		     " R8:  %016lx R9:  %016lx R10: %016lx\n", r->r8, r->r9,
		     r->r10);
	kos_console_puts(line);
	kos_snprintf(line, sizeof(line),
		     " R11: %016lx R12: %016lx R13: %016lx\n", r->r11, r->r12,
		     r->r13);
	kos_console_puts(line);
	kos_snprintf(line, sizeof(line), " R14: %016lx R15: %016lx\n", r->r14,
		     r->r15);
	kos_console_puts(line);
}

/*
 * The C half of kos_panic(), entered from the assembly stub with
 * panic_regs filled in.  Never returns.
 */
void kos_panic_body(const char *fmt, ...)
{
	char msg[256];
	const char *how;
	va_list ap;

	plat_irq_disable();
	if (__atomic_fetch_add(&panic_depth, 1, __ATOMIC_SEQ_CST) != 0) {
		kos_console_puts("\nKOS PANIC: recursive panic, halting\n");
		plat_halt();
	}

	kos_memcpy(msg, "KOS PANIC: ", 11);
	va_start(ap, fmt);
	kos_vsnprintf(msg + 11, sizeof(msg) - 11, fmt, ap);
	va_end(ap);
	kos_console_puts("\n");
	kos_console_puts(msg);
	kos_console_puts("\n");
	kos_log_store(LOG_EMERG, msg);

	dump_regs(&panic_regs);
	kos_console_puts(" Backtrace:\n");
	print_frame(0, panic_regs.rip);
	backtrace_from(panic_regs.rbp, 1);

	how = cmdline_get(&kos_cmdline, "panic");
	if (how && kos_strcmp(how, "poweroff") == 0) {
		kos_console_puts("KOS PANIC: powering off\n");
		plat_poweroff(125);
	}
	kos_console_puts("KOS PANIC: halted\n");
	plat_halt();
}
