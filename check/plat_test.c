/*
 * Fake platform for unit tests.  See plat_test.h.
 */
#include "plat_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kos/boot.h>
#include <kos/plat/console.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/plat/power.h>
#include <kos/plat/time.h>

static unsigned char *test_ram;
static int irq_on = 1;
uint64_t test_clock_now = 1000000;
uint64_t test_timer_deadline = UINT64_MAX;
char test_console_buf[65536];
size_t test_console_len;

static unsigned char *ram(void)
{
	if (!test_ram) {
		test_ram = aligned_alloc(2UL << 20, TEST_RAM_SIZE);
		if (!test_ram)
			abort();
	}
	return test_ram;
}

void test_bootinfo(struct kos_bootinfo *bi, uint64_t ram_size)
{
	memset(bi, 0, sizeof(*bi));
	if (ram_size > TEST_RAM_SIZE)
		ram_size = TEST_RAM_SIZE;
	ram();
	bi->platform = "test";
	bi->cmdline = "";
	bi->mem[0].base = 0;
	bi->mem[0].len = 4096;
	bi->mem[0].type = KOS_MEM_RESERVED;
	bi->mem[1].base = 4096;
	bi->mem[1].len = ram_size - 4096;
	bi->mem[1].type = KOS_MEM_USABLE;
	bi->nmem = 2;
}

void *plat_phys_to_virt(paddr_t pa)
{
	return ram() + pa;
}

paddr_t plat_virt_to_phys(const void *va)
{
	return (paddr_t)((const unsigned char *)va - ram());
}

unsigned long plat_irq_save(void)
{
	unsigned long was = irq_on;

	irq_on = 0;
	return was;
}

void plat_irq_restore(unsigned long flags)
{
	irq_on = (int)flags;
}

void plat_irq_enable(void)
{
	irq_on = 1;
}

void plat_irq_disable(void)
{
	irq_on = 0;
}

bool plat_irq_enabled(void)
{
	return irq_on;
}

void test_fire_timer(void)
{
	unsigned long fl = plat_irq_save();

	if (test_timer_deadline != UINT64_MAX &&
	    test_timer_deadline > test_clock_now)
		test_clock_now = test_timer_deadline;
	test_timer_deadline = UINT64_MAX;
	kos_timer_interrupt();
	kos_irq_exit();
	plat_irq_restore(fl);
}

void plat_idle(void)
{
	if (test_timer_deadline == UINT64_MAX) {
		fprintf(stderr, "plat_idle: nothing armed, deadlock\n");
		abort();
	}
	test_fire_timer();
}

unsigned int plat_cpu_id(void)
{
	return 0;
}

unsigned long plat_stack_register(void *lo, size_t len)
{
	return 1;
}

void plat_stack_unregister(unsigned long cookie)
{
}

uint64_t plat_clock_ns(void)
{
	return test_clock_now;
}

uint64_t plat_wallclock_ns(void)
{
	return 1700000000ULL * 1000000000ULL + test_clock_now;
}

void test_clock_set(uint64_t ns)
{
	test_clock_now = ns;
}

void plat_timer_arm(uint64_t deadline_ns)
{
	test_timer_deadline = deadline_ns;
}

void plat_console_write(const char *buf, size_t len)
{
	size_t room = sizeof(test_console_buf) - 1 - test_console_len;

	if (len > room)
		len = room;
	memcpy(test_console_buf + test_console_len, buf, len);
	test_console_len += len;
	test_console_buf[test_console_len] = 0;
}

void test_console_reset(void)
{
	test_console_len = 0;
	test_console_buf[0] = 0;
}

void plat_poweroff(int status)
{
	exit(status);
}

void plat_halt(void)
{
	abort();
}
