/*
 * Fake platform for unit tests.  See plat_test.h.
 */
#include "plat_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include <kos/boot.h>
#include <kos/fpu.h>
#include <kos/sched.h>
#include <uapi/errno.h>
#include <kos/plat/console.h>
#include <kos/plat/cpu.h>
#include <kos/plat/mem.h>
#include <kos/plat/power.h>
#include <kos/plat/time.h>
#include <kos/plat/user.h>
#include <kos/pgtable.h>

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

/* Thread stacks live in the fake RAM; tell valgrind (no-op natively). */
unsigned long plat_stack_register(void *lo, size_t len)
{
	return VALGRIND_STACK_REGISTER(lo, (char *)lo + len) + 1;
}

void plat_stack_unregister(unsigned long cookie)
{
	VALGRIND_STACK_DEREGISTER(cookie - 1);
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

const void *test_clock_tsc;

bool plat_clock_tsc(struct plat_tsc_clock *c)
{
	if (!test_clock_tsc)
		return false;
	*c = *(const struct plat_tsc_clock *)test_clock_tsc;
	return true;
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

size_t test_console_out_limit, test_console_out_queued;

/* Terminal output lands in the same buffer as kernel text. */
void plat_console_put(const char *buf, size_t len)
{
	if (test_console_out_limit) {
		if (len > plat_console_out_room())
			abort(); /* the core must ask for room first */
		test_console_out_queued += len;
	}
	plat_console_write(buf, len);
}

size_t plat_console_out_room(void)
{
	if (!test_console_out_limit)
		return (size_t)1 << 20;
	return test_console_out_limit - test_console_out_queued;
}

size_t plat_console_out_pending(void)
{
	return test_console_out_queued;
}

void test_console_out_drain(void)
{
	test_console_out_queued = 0;
	kos_console_out_room();
}

void plat_console_input_room(void)
{
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

void plat_restart(void)
{
	exit(PLAT_RESTART_STATUS);
}

static const char *panic_expect;

static void on_abort(int sig)
{
	static const char hdr[] = "wrong panic; console:\n";

	if (!strstr(test_console_buf, panic_expect)) {
		(void)!write(2, hdr, sizeof(hdr) - 1);
		(void)!write(2, test_console_buf, test_console_len);
		_exit(3);
	}
	signal(SIGABRT, SIG_DFL);
	raise(sig);
}

bool test_forking(void)
{
	const char *f = getenv("CK_FORK");

	return !f || strcmp(f, "no") != 0;
}

void test_expect_panic(const char *msg)
{
	panic_expect = msg;
	test_console_reset();
	signal(SIGABRT, on_abort);
}

/* A panic nobody expected: its console lines are what explains it. */
void plat_halt(void)
{
	if (!panic_expect)
		fwrite(test_console_buf, 1, test_console_len, stderr);
	abort();
}

/*
 * Address spaces.  The fake platform mirrors the core's page tables the
 * way the hosted platform does: on every plat_tlb_flush() it forgets what
 * it knew about the range and re-reads the present leaf entries there.
 * test_as_mirror_ok() then tells whether the core reported every change.
 */
struct test_as_ent {
	vaddr_t va;
	pte_t pte;
};

struct plat_as {
	paddr_t pml4;
	size_t nflush;
	struct test_as_ent *m; /* mirrored present entries */
	size_t mn, mcap;
};

long test_as_live;

struct plat_as *plat_as_create(paddr_t pml4)
{
	struct plat_as *as = calloc(1, sizeof(*as));

	if (!as)
		abort();
	as->pml4 = pml4;
	test_as_live++;
	return as;
}

void plat_as_destroy(struct plat_as *as)
{
	if (!as)
		return;
	free(as->m);
	free(as);
	test_as_live--;
}

void plat_as_activate(struct plat_as *as)
{
}

static void mirror_add(vaddr_t va, pte_t pte, void *arg)
{
	struct plat_as *as = arg;

	if (!(pte & PTE_P))
		return;
	if (as->mn == as->mcap) {
		as->mcap = as->mcap ? 2 * as->mcap : 64;
		as->m = realloc(as->m, as->mcap * sizeof(*as->m));
		if (!as->m)
			abort();
	}
	as->m[as->mn].va = va;
	as->m[as->mn].pte = pte;
	as->mn++;
}

/* No direct access: the unit tests exercise the page-table walk. */
int plat_user_copy(struct plat_as *as, void *dst, const void *src, size_t n)
{
	return -1;
}

void plat_tlb_flush(struct plat_as *as, vaddr_t va, size_t len);

void plat_tlb_grow(struct plat_as *as, vaddr_t va, size_t len)
{
	plat_tlb_flush(as, va, len);
}

void plat_tlb_flush(struct plat_as *as, vaddr_t va, size_t len)
{
	size_t j = 0;

	as->nflush++;
	for (size_t i = 0; i < as->mn; i++)
		if (as->m[i].va < va || as->m[i].va - va >= len)
			as->m[j++] = as->m[i];
	as->mn = j;
	arch_pgt_for_each(as->pml4, va, va + len, mirror_add, as);
}

size_t test_as_flushes(struct plat_as *as)
{
	return as->nflush;
}

struct mirror_cmp {
	struct plat_as *as;
	size_t seen;
	bool ok;
};

static void mirror_cmp_one(vaddr_t va, pte_t pte, void *arg)
{
	struct mirror_cmp *c = arg;
	bool found = false;

	if (!(pte & PTE_P))
		return;
	c->seen++;
	for (size_t i = 0; i < c->as->mn; i++)
		if (c->as->m[i].va == va)
			found = c->as->m[i].pte == pte;
	if (!found) {
		fprintf(stderr, "mirror: %#lx pte %#lx stale or missing\n",
			(unsigned long)va, (unsigned long)pte);
		c->ok = false;
	}
}

bool test_as_mirror_ok(struct plat_as *as)
{
	struct mirror_cmp c = { as, 0, true };

	arch_pgt_for_each(as->pml4, 0, PGT_USER_END, mirror_cmp_one, &c);
	if (c.seen != as->mn) {
		fprintf(stderr, "mirror: %zu entries, tables have %zu\n",
			as->mn, c.seen);
		c.ok = false;
	}
	return c.ok;
}

/*
 * Unit tests never run user code.  Weak, so a test that scripts user traps
 * can supply its own.
 */
__attribute__((weak)) void plat_user_run(struct plat_as *as, struct uregs *regs,
					 struct plat_trapinfo *ti)
{
	fprintf(stderr, "plat_user_run: no user mode in unit tests\n");
	abort();
}

/*
 * FPU images: the legacy 512-byte format (no XSAVE), one per thread in
 * plat_priv, so the process code that copies them can be tested.
 */
size_t plat_fpu_size(void)
{
	return FPU_FX_SIZE;
}

uint64_t plat_fpu_xfeatures(void)
{
	return 0;
}

void plat_fpu_save(struct thread *t, void *image)
{
	if (t->plat_priv)
		memcpy(image, t->plat_priv, FPU_FX_SIZE);
	else
		fpu_image_init(image, FPU_FX_SIZE);
}

int plat_fpu_restore(struct thread *t, const void *image)
{
	if (fpu_image_check(image, 0, FPU_MXCSR_MASK_DEFAULT))
		return -EINVAL;
	if (!t->plat_priv)
		t->plat_priv = malloc(FPU_FX_SIZE);
	if (!t->plat_priv)
		return -ENOMEM;
	memcpy(t->plat_priv, image, FPU_FX_SIZE);
	return 0;
}

void plat_fpu_reset(struct thread *t)
{
	free(t->plat_priv);
	t->plat_priv = NULL;
}

void plat_thread_free(struct thread *t)
{
	free(t->plat_priv);
	t->plat_priv = NULL;
}

unsigned int test_fault_around; /* 0: faults are cheap here */

unsigned int plat_fault_around_pages(void)
{
	return test_fault_around;
}

/* No linked program runs on the test platform. */
int plat_direct_protect(void *va, size_t len, unsigned int prot)
{
	return -ENOSYS;
}
