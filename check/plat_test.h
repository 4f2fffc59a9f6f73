/*
 * The fake platform unit tests link against: RAM is a malloc'd buffer,
 * interrupts are a flag, the clock only moves when a test (or plat_idle)
 * moves it, and console output is captured.
 */
#ifndef CHECK_PLAT_TEST_H
#define CHECK_PLAT_TEST_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct kos_bootinfo;

#define TEST_RAM_SIZE (64UL << 20)

/* Fill bi with one usable range [4 KiB, ram_size) of the fake RAM. */
void test_bootinfo(struct kos_bootinfo *bi, uint64_t ram_size);

/* Fake monotonic clock. */
extern uint64_t test_clock_now;
void test_clock_set(uint64_t ns);
/*
 * What plat_clock_tsc() answers: *test_clock_tsc if it is not NULL (a
 * struct plat_tsc_clock), else false.  The fake clock itself stays
 * test_clock_now either way.
 */
extern const void *test_clock_tsc;
/* Deadline of the last plat_timer_arm(), UINT64_MAX if none. */
extern uint64_t test_timer_deadline;
/*
 * Move the clock to the armed deadline and deliver the timer interrupt
 * (kos_timer_interrupt + kos_irq_exit), as plat_idle does.
 */
void test_fire_timer(void);

/* Everything written to the console, NUL terminated. */
extern char test_console_buf[65536];
extern size_t test_console_len;
void test_console_reset(void);
/*
 * A platform console that queues terminal output, as metal's UART ring
 * does: with test_console_out_limit non-zero, plat_console_out_room() is
 * the limit less what is queued; test_console_out_drain() sends the
 * queue and calls kos_console_out_room() as the interrupt would.
 */
extern size_t test_console_out_limit, test_console_out_queued;
void test_console_out_drain(void);

/*
 * Fake address spaces (plat_as_*): each mirrors the present leaf entries
 * of its page tables as of the last plat_tlb_flush() of every range.
 */
struct plat_as;
extern long test_as_live; /* created minus destroyed */
size_t test_as_flushes(struct plat_as *as);
/* True if the mirror matches the page tables (every change was flushed). */
bool test_as_mirror_ok(struct plat_as *as);

/* What plat_fault_around_pages() says (0, as on bare metal, unless set). */
extern unsigned int test_fault_around;

/*
 * Panic tests: kos_panic() prints to the (captured) console and ends in
 * plat_halt(), which aborts.  After test_expect_panic(msg) the abort goes
 * through (SIGABRT, for tcase_add_test_raise_signal) only if the console
 * shows msg; otherwise the child exits with status 3 and the test fails.
 */
void test_expect_panic(const char *msg);

/* Tests that expect a crash need Check's fork mode (CK_FORK is not "no"). */
bool test_forking(void);

#endif
