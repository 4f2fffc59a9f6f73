/*
 * SIGSEGV handlers that inspect si_addr and repair the fault, the way
 * garbage collectors and user-space pagers do: a PROT_NONE arena whose
 * pages the handler opens (mprotect) on first touch; dirty-page tracking
 * by write-protecting a region and recording each first write; a page
 * mapped in by the handler (MAP_FIXED) where nothing was mapped; every
 * fault reports the exact address and the right si_code (SEGV_ACCERR or
 * SEGV_MAPERR).  Counts are printed; they are the same on every kernel.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

#define PAGE 4096
#define NPAGES 64

static char *arena;
static int faults, wrong_addr, wrong_code, want_code;
static char touched[NPAGES];
static enum { OPEN_RW, TRACK, MAP } mode;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	char *a = si->si_addr;
	char *page = (char *)((uintptr_t)a & ~(uintptr_t)(PAGE - 1));
	long i = (page - arena) / PAGE;

	faults++;
	if (si->si_code != want_code)
		wrong_code++;
	if (i < 0 || i >= NPAGES) {
		wrong_addr++;
		_exit(3); /* cannot repair: would loop */
	}
	touched[i]++;
	if (mode == MAP)
		mmap(page, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	else
		mprotect(page, PAGE, PROT_READ | PROT_WRITE);
}

/* A fixed pseudo-random walk over the pages (same on every run). */
static unsigned next(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

static void reset(void)
{
	faults = wrong_addr = wrong_code = 0;
	memset(touched, 0, sizeof(touched));
}

static int count_touched(void)
{
	int n = 0;

	for (int i = 0; i < NPAGES; i++) {
		n += touched[i] != 0;
		if (touched[i] > 1)
			wrong_addr++;
	}
	return n;
}

int main(void)
{
	struct sigaction sa;
	unsigned seed = 1;
	long sum = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);

	/* lazy allocation: open pages on first touch */
	arena = mmap(NULL, NPAGES * PAGE, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mode = OPEN_RW;
	want_code = SEGV_ACCERR;
	reset();
	for (int i = 0; i < 500; i++) {
		unsigned off = (next(&seed) * 37u) % (NPAGES * PAGE);

		arena[off] = (char)i;
		sum += arena[off];
	}
	int opened = count_touched();

	printf("lazy arena: %d faults for %d distinct pages (500 touches)\n",
	       faults, opened);
	CHECK(faults == opened && wrong_addr == 0 && wrong_code == 0);

	/* dirty tracking: write-protect, note each first write */
	mprotect(arena, NPAGES * PAGE, PROT_READ);
	mode = TRACK;
	reset();
	for (int i = 0; i < NPAGES; i += 3)
		arena[i * PAGE + 100] = 1;
	for (int i = 0; i < NPAGES; i += 3)
		arena[i * PAGE + 200] = 2; /* no second fault */
	for (int i = 0; i < NPAGES; i++)
		sum += arena[i * PAGE]; /* reads never fault */
	int dirty = count_touched();

	printf("dirty tracking: %d pages written, %d faults\n", dirty, faults);
	CHECK(dirty == (NPAGES + 2) / 3 && faults == dirty);
	CHECK(wrong_addr == 0 && wrong_code == 0);

	/* nothing mapped: the handler maps the page */
	munmap(arena, NPAGES * PAGE);
	mode = MAP;
	want_code = SEGV_MAPERR;
	reset();
	for (int i = 0; i < NPAGES; i += 8)
		arena[i * PAGE + 5] = 5;
	int mapped = count_touched();

	printf("unmapped pages mapped by the handler: %d (SEGV_MAPERR)\n",
	       mapped);
	CHECK(mapped == NPAGES / 8 && faults == mapped && wrong_code == 0);
	for (int i = 0; i < NPAGES; i += 8)
		CHECK(arena[i * PAGE + 5] == 5);
	(void)sum;
	return guest_done("segv");
}
