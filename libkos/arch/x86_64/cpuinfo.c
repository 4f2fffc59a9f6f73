/*
 * /proc/cpuinfo from the CPUID instruction, on both platforms: on bare
 * metal it describes the (virtual) CPU QEMU gives, hosted the host CPU
 * the kernel process runs on -- CPUID works in user mode, and that CPU is
 * the one guest programs run on too, so the answer is the true one in
 * both cases.  KOS runs one CPU, so there is one "processor" block.
 *
 * The fields are Linux's (arch/x86/kernel/cpu/proc.c) in its order.  The
 * flags are the CPUID feature bits Linux names, read from the leaves
 * 1, 7, 0xd(1), 0x80000001, 0x80000007 and 0x80000008; Linux adds
 * synthetic flags of its own (constant_tsc, rep_good, ...), which KOS
 * does not invent.  "cpu MHz" and "bogomips" come from the TSC rate the
 * platform measured.  bugs and power management are left empty.
 */
#include <kos/arch.h>
#include <kos/plat/time.h>
#include <kos/string.h>
#include <kos/types.h>

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* Linux's names of the bits of one CPUID register (NULL: unnamed). */
struct flagreg {
	uint32_t leaf, sub;
	int reg; /* 0 eax .. 3 edx */
	const char *names[32];
};

static const struct flagreg flagregs[] = {
	{ 1, 0, 3, { "fpu", "vme",  "de",   "pse",   "tsc", "msr",     "pae",
		     "mce", "cx8",  "apic", NULL,    "sep", "mtrr",    "pge",
		     "mca", "cmov", "pat",  "pse36", "pn",  "clflush", NULL,
		     "dts", "acpi", "mmx",  "fxsr",  "sse", "sse2",    "ss",
		     "ht",  "tm",   "ia64", "pbe" } },
	{ 0x80000001,
	  0,
	  3,
	  { [11] = "syscall",
	    [19] = "mp",
	    [20] = "nx",
	    [22] = "mmxext",
	    [25] = "fxsr_opt",
	    [26] = "pdpe1gb",
	    [27] = "rdtscp",
	    [29] = "lm",
	    [30] = "3dnowext",
	    [31] = "3dnow" } },
	{ 1,
	  0,
	  2,
	  { "pni",    "pclmulqdq", "dtes64", "monitor", "ds_cpl",
	    "vmx",    "smx",	   "est",    "tm2",	"ssse3",
	    "cid",    "sdbg",	   "fma",    "cx16",	"xtpr",
	    "pdcm",   NULL,	   "pcid",   "dca",	"sse4_1",
	    "sse4_2", "x2apic",	   "movbe",  "popcnt",	"tsc_deadline_timer",
	    "aes",    "xsave",	   NULL,     "avx",	"f16c",
	    "rdrand", "hypervisor" } },
	{ 0x80000001, 0, 2, { "lahf_lm",    "cmp_legacy",  "svm",
			      "extapic",    "cr8_legacy",  "abm",
			      "sse4a",	    "misalignsse", "3dnowprefetch",
			      "osvw",	    "ibs",	   "xop",
			      "skinit",	    "wdt",	   NULL,
			      "lwp",	    "fma4",	   "tce",
			      NULL,	    "nodeid_msr",  NULL,
			      "tbm",	    "topoext",	   "perfctr_core",
			      "perfctr_nb", NULL,	   "bpext",
			      "ptsc",	    "perfctr_llc", "mwaitx" } },
	{ 7, 0, 1, { "fsgsbase", "tsc_adjust", "sgx",	   "bmi1",
		     "hle",	 "avx2",       NULL,	   "smep",
		     "bmi2",	 "erms",       "invpcid",  "rtm",
		     "cqm",	 NULL,	       "mpx",	   "rdt_a",
		     "avx512f",	 "avx512dq",   "rdseed",   "adx",
		     "smap",	 "avx512ifma", NULL,	   "clflushopt",
		     "clwb",	 "intel_pt",   "avx512pf", "avx512er",
		     "avx512cd", "sha_ni",     "avx512bw", "avx512vl" } },
	{ 0xd, 1, 0, { "xsaveopt", "xsavec", "xgetbv1", "xsaves" } },
	{ 7,
	  0,
	  2,
	  { [1] = "avx512vbmi",
	    [2] = "umip",
	    [3] = "pku",
	    [4] = "ospke",
	    [5] = "waitpkg",
	    [6] = "avx512_vbmi2",
	    [8] = "gfni",
	    [9] = "vaes",
	    [10] = "vpclmulqdq",
	    [11] = "avx512_vnni",
	    [12] = "avx512_bitalg",
	    [13] = "tme",
	    [14] = "avx512_vpopcntdq",
	    [16] = "la57",
	    [22] = "rdpid",
	    [25] = "cldemote",
	    [27] = "movdiri",
	    [28] = "movdir64b" } },
	{ 7,
	  0,
	  3,
	  { [2] = "avx512_4vnniw",
	    [3] = "avx512_4fmaps",
	    [4] = "fsrm",
	    [8] = "avx512_vp2intersect",
	    [10] = "md_clear",
	    [14] = "serialize",
	    [16] = "tsxldtrk",
	    [18] = "pconfig",
	    [19] = "arch_lbr",
	    [22] = "amx_bf16",
	    [23] = "avx512_fp16",
	    [24] = "amx_tile",
	    [25] = "amx_int8",
	    [28] = "flush_l1d",
	    [29] = "arch_capabilities" } },
};

/* The TSC rate in kHz from the platform's clock (0 if it has none). */
static uint64_t tsc_khz(void)
{
	struct plat_tsc_clock c;

	if (!plat_clock_tsc(&c) || !c.mult)
		return 0;
	/*
	 * mult is ns per tick << shift: kHz = 10^6 << shift / mult, in 64
	 * bits (no 128-bit division on metal): at most 43 bits of shift on
	 * the dividend, the rest taken off the divisor.
	 */
	uint32_t s1 = c.shift < 43 ? c.shift : 43;
	uint64_t div = c.mult >> (c.shift - s1);

	return div ? (1000000ULL << s1) / div : 0;
}

void arch_cpuinfo(void (*sink)(void *ctx, const char *s, size_t n), void *ctx)
{
	uint32_t r[4], max, maxext, sig, family, model;
	char vendor[13], brand[49], line[160];
	uint64_t khz = tsc_khz();
	int n;

	cpuid(0, 0, r);
	max = r[0];
	kos_memcpy(vendor, &r[1], 4);
	kos_memcpy(vendor + 4, &r[3], 4);
	kos_memcpy(vendor + 8, &r[2], 4);
	vendor[12] = 0;
	cpuid(0x80000000, 0, r);
	maxext = r[0];
	brand[0] = 0;
	if (maxext >= 0x80000004) {
		const char *p;

		for (uint32_t i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, r);
			kos_memcpy(brand + 16 * i, r, 16);
		}
		brand[48] = 0;
		for (p = brand; *p == ' '; p++)
			;
		kos_memmove(brand, p, kos_strlen(p) + 1);
	}
	cpuid(1, 0, r);
	sig = r[0];
	family = (sig >> 8) & 0xf;
	model = (sig >> 4) & 0xf;
	if (family == 0xf)
		family += (sig >> 20) & 0xff;
	if (family >= 6)
		model |= ((sig >> 16) & 0xf) << 4;
#define OUT(...)                                                           \
	do {                                                               \
		n = kos_snprintf(line, sizeof(line), __VA_ARGS__);         \
		sink(ctx, line, (size_t)MIN((size_t)n, sizeof(line) - 1)); \
	} while (0)
	OUT("processor\t: 0\n");
	OUT("vendor_id\t: %s\n", vendor);
	OUT("cpu family\t: %u\n", family);
	OUT("model\t\t: %u\n", model);
	OUT("model name\t: %s\n", brand[0] ? brand : "unknown");
	OUT("stepping\t: %u\n", sig & 0xf);
	if (khz)
		OUT("cpu MHz\t\t: %llu.%03llu\n",
		    (unsigned long long)(khz / 1000),
		    (unsigned long long)(khz % 1000));
	OUT("physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\n"
	    "cpu cores\t: 1\n");
	OUT("apicid\t\t: %u\ninitial apicid\t: %u\n", r[1] >> 24, r[1] >> 24);
	OUT("fpu\t\t: %s\nfpu_exception\t: %s\n", (r[3] & 1) ? "yes" : "no",
	    (r[3] & 1) ? "yes" : "no");
	OUT("cpuid level\t: %u\nwp\t\t: yes\nflags\t\t:", max);
	for (size_t i = 0; i < sizeof(flagregs) / sizeof(flagregs[0]); i++) {
		const struct flagreg *f = &flagregs[i];

		if ((f->leaf & 0x80000000) ? f->leaf > maxext : f->leaf > max)
			continue;
		cpuid(f->leaf, f->sub, r);
		for (int b = 0; b < 32; b++)
			if (f->names[b] && (r[f->reg] & (1u << b)))
				OUT(" %s", f->names[b]);
	}
	OUT("\nbugs\t\t:\n");
	if (khz)
		OUT("bogomips\t: %llu.%02llu\n",
		    (unsigned long long)(khz * 2 / 1000),
		    (unsigned long long)(khz * 2 % 1000 / 10));
	cpuid(1, 0, r);
	OUT("clflush size\t: %u\ncache_alignment\t: %u\n",
	    ((r[1] >> 8) & 0xff) * 8, ((r[1] >> 8) & 0xff) * 8);
	if (maxext >= 0x80000008) {
		cpuid(0x80000008, 0, r);
		OUT("address sizes\t: %u bits physical, %u bits virtual\n",
		    r[0] & 0xff, (r[0] >> 8) & 0xff);
	}
	OUT("power management:\n\n");
#undef OUT
}
