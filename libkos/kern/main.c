/*
 * kos_main: the core's boot sequence, the same on every platform.
 *
 * The platform calls kos_main() once, on the boot CPU, with interrupts
 * disabled, a working console and a stack of at least 16 KiB.  From here:
 * command line → log level → symbols → page allocator → kmalloc →
 * scheduler (the boot context becomes thread "main") → timers → interrupts
 * on → the work the command line asks for → power off with its status.
 */
#include <kos/boot.h>
#include <kos/cmdline.h>
#include <kos/console.h>
#include <kos/kmalloc.h>
#include <kos/ksym.h>
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/plat/power.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/selftest.h>
#include <kos/string.h>
#include <kos/timer.h>
#include <kos/version.h>
#include <uapi/errno.h>

/* The boot information with the command line's limits applied. */
static struct kos_bootinfo boot_info;

/*
 * mem=SIZE: like Linux, forget usable RAM above SIZE bytes of physical
 * address space.  Reserved ranges are kept as they are.
 */
static void apply_mem_limit(struct kos_bootinfo *bi, uint64_t limit)
{
	for (unsigned int i = 0; i < bi->nmem; i++) {
		struct kos_memrange *r = &bi->mem[i];

		if (r->type != KOS_MEM_USABLE)
			continue;
		if (r->base >= limit)
			r->len = 0;
		else if (r->base + r->len > limit)
			r->len = ALIGN_DOWN(limit - r->base, PAGE_SIZE);
	}
}

static void print_memory(const struct kos_bootinfo *bi)
{
	uint64_t usable = 0;

	for (unsigned int i = 0; i < bi->nmem; i++) {
		const struct kos_memrange *r = &bi->mem[i];

		log_debug("mem: [%#014llx-%#014llx] %s",
			  (unsigned long long)r->base,
			  (unsigned long long)(r->base + r->len - 1),
			  r->type == KOS_MEM_USABLE ? "usable" : "reserved");
		if (r->type == KOS_MEM_USABLE)
			usable += r->len;
	}
	log_info("mem: %llu MiB usable in %u ranges, %llu KiB free after init",
		 (unsigned long long)(usable >> 20), bi->nmem,
		 (unsigned long long)(pmm_free_pages() * (PAGE_SIZE / 1024)));
}

/* console=: we know the serial port (bare metal) and stdio (hosted). */
static void check_console_param(void)
{
	const char *c = cmdline_get(&kos_cmdline, "console");

	if (c && kos_strncmp(c, "ttyS0", 5) != 0 && kos_strcmp(c, "stdio") &&
	    kos_strncmp(c, "tty0", 4) != 0)
		log_warn("console=%s: unknown console, using the boot console",
			 c);
}

void kos_poweroff(int status)
{
	kos_log(LOG_NOTICE, "kos: power off, status %d", status);
	plat_poweroff(status);
}

void kos_main(const struct kos_bootinfo *bi)
{
	const char *init;
	int status;

	boot_info = *bi;
	if (cmdline_parse(&kos_cmdline, bi->cmdline ? bi->cmdline : "") < 0)
		log_warn("command line too long or too many words; truncated");
	kos_log_set_level(
		(int)cmdline_get_int(&kos_cmdline, "loglevel", LOG_INFO));
	log_notice("KOS %s (%s) booting", KOS_VERSION,
		   bi->platform ? bi->platform : "?");
	log_info("command line: %s", bi->cmdline ? bi->cmdline : "");
	check_console_param();

	ksym_init(bi->kernel_elf, bi->kernel_elf_size, bi->kernel_load_bias);
	if (cmdline_has(&kos_cmdline, "mem"))
		apply_mem_limit(
			&boot_info,
			cmdline_get_size(&kos_cmdline, "mem", UINT64_MAX));
	pmm_init(&boot_info);
	kmalloc_init();
	print_memory(&boot_info);

	sched_init();
	timer_init();
	console_init();
	plat_irq_enable();

	if (bi->initrd)
		log_info("initrd: %zu bytes", bi->initrd_size);

	init = cmdline_get(&kos_cmdline, "init");
	if (cmdline_has(&kos_cmdline, "selftest") || !init) {
		status = selftest_run();
	} else {
		/* Running programs arrives with the ELF loader and the VFS. */
		log_err("init=%s: cannot start programs yet (no exec)", init);
		status = -ENOSYS & 0x7f;
	}
	kos_poweroff(status);
}
