/*
 * Entropy for the kernel's random generator (kos/plat/random.h).
 *
 * Sources, best first: RDSEED (CPUID.(7,0):EBX bit 18, the conditioned
 * hardware source itself), RDRAND (CPUID.1:ECX bit 30, a DRBG reseeded
 * from it).  Both may report "no data yet" (CF = 0); we retry a bounded
 * number of times and fall back to the next source.  Every 64-bit word is
 * additionally mixed with TSC readings, so a CPU without either
 * instruction still gets something: the TSC's low bits around a loop of
 * data-dependent length jitter a little even under emulation.  That
 * fallback is weak (an observer who knows the boot time can guess much of
 * it) and is logged once.  The core only seeds its ChaCha20 generator
 * from here.
 */
#include <kos/log.h>
#include <kos/plat/random.h>
#include <kos/string.h>

#include "x86.h"

#define CPUID1_ECX_RDRAND (1U << 30)
#define CPUID7_EBX_RDSEED (1U << 18)
#define HW_RETRIES 64

static bool probed, have_rdrand, have_rdseed;

static void probe(void)
{
	uint32_t a, b, c, d, max;

	cpuid(0, 0, &max, &b, &c, &d);
	cpuid(1, 0, &a, &b, &c, &d);
	have_rdrand = c & CPUID1_ECX_RDRAND;
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		have_rdseed = b & CPUID7_EBX_RDSEED;
	}
	probed = true;
	if (!have_rdrand && !have_rdseed)
		log_warn("x86: no RDRAND/RDSEED, seeding the RNG from the "
			 "TSC only");
}

static bool rdseed64(uint64_t *v)
{
	bool ok;

	__asm__ __volatile__("rdseed %0\n\tsetc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}

static bool rdrand64(uint64_t *v)
{
	bool ok;

	__asm__ __volatile__("rdrand %0\n\tsetc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}

/* One 64-bit word from the hardware; false if neither source delivered. */
static bool hw_word(uint64_t *v)
{
	for (int i = 0; have_rdseed && i < HW_RETRIES; i++)
		if (rdseed64(v))
			return true;
	for (int i = 0; have_rdrand && i < HW_RETRIES; i++)
		if (rdrand64(v))
			return true;
	return false;
}

/* A 64-bit finalizer with full avalanche (every input bit affects all). */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* TSC jitter: time a loop whose length depends on the previous reading. */
static uint64_t tsc_word(uint64_t state)
{
	for (int i = 0; i < 8; i++) {
		uint64_t t0 = rdtsc();
		volatile uint64_t sink = 0;

		for (uint64_t n = (t0 ^ state) & 0xff; n; n--)
			sink += n;
		state = mix64(state ^ (rdtsc() - t0) ^ (t0 << 17) ^ sink);
	}
	return state;
}

void plat_entropy(void *buf, size_t len)
{
	static uint64_t state = 0x6b6f732d656e7472ULL; /* carried over calls */
	uint8_t *p = buf;

	if (!probed)
		probe();
	while (len) {
		uint64_t hw, w;
		size_t n = len < sizeof(w) ? len : sizeof(w);

		if (!hw_word(&hw))
			hw = 0;
		state = tsc_word(state ^ hw); /* mix64 is a bijection */
		w = state;
		kos_memcpy(p, &w, n);
		p += n;
		len -= n;
	}
}
