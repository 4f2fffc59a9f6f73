/*
 * The few ACPI facts the platform needs, read once at boot from the
 * firmware's tables (ACPI spec 6.x, chapter 5):
 *
 *   MADT ("APIC"): local APIC address, the IOAPIC (address and first GSI),
 *                  and interrupt source overrides for ISA IRQs;
 *   FADT ("FACP"): the PM1 control ports, SMI command port, the PM
 *                  timer's port, the reset register (ACPI 2.0+) and the
 *                  DSDT;
 *   DSDT:          the \_S5 package's SLP_TYPa/SLP_TYPb values, found by
 *                  a bounded byte scan for "_S5_" rather than by running
 *                  AML (enough on QEMU and on the firmware we care about).
 *
 * Firmware tables are input, not trusted: every pointer is checked to lie
 * in mapped physical memory, every length is bounded, checksums are
 * verified, and anything odd leaves the corresponding field at zero (the
 * callers then use their documented fallbacks).  Runs once, at boot,
 * before interrupts are enabled; the results in x86_acpi are read-only
 * afterwards.
 */
#include <kos/log.h>
#include <kos/string.h>

#include "x86.h"

#define SDT_HDR_LEN 36
#define TABLE_MAX_LEN (4U << 20) /* refuse absurd table lengths */

struct x86_acpi_info x86_acpi;

/* Highest physical address the direct map is known to cover. */
static uint64_t phys_limit;

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	kos_memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	kos_memcpy(&v, p, sizeof(v));
	return v;
}

static bool phys_ok(uint64_t pa, uint64_t len)
{
	return pa != 0 && len < phys_limit && pa <= phys_limit - len;
}

static bool checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

/*
 * Map the system description table at pa; NULL unless its header and
 * full length are in mapped memory, its length is sane and its checksum
 * is right.  With sig non-NULL the signature must match.
 */
static const uint8_t *sdt_map(uint64_t pa, const char *sig, uint32_t *len)
{
	const uint8_t *t;
	uint32_t l;

	if (!phys_ok(pa, SDT_HDR_LEN))
		return NULL;
	t = (const uint8_t *)(KOS_DIRECT_MAP + pa);
	if (sig && kos_memcmp(t, sig, 4) != 0)
		return NULL;
	l = rd32(t + 4);
	if (l < SDT_HDR_LEN || l > TABLE_MAX_LEN || !phys_ok(pa, l))
		return NULL;
	if (!checksum_ok(t, l)) {
		log_warn("acpi: table %.4s at %#llx: bad checksum, ignored",
			 (const char *)t, (unsigned long long)pa);
		return NULL;
	}
	*len = l;
	return t;
}

/* Walk the MADT's variable-length entries. */
static void parse_madt(const uint8_t *t, uint32_t len)
{
	uint32_t off = SDT_HDR_LEN + 8;
	uint32_t best_gsi = UINT32_MAX;

	x86_acpi.have_madt = true;
	x86_acpi.lapic_base = rd32(t + SDT_HDR_LEN);
	while (off + 2 <= len) {
		const uint8_t *e = t + off;
		uint8_t type = e[0], elen = e[1];

		if (elen < 2 || off + elen > len)
			break;
		if (type == 1 && elen >= 12 && rd32(e + 8) < best_gsi) {
			/* IOAPIC: keep the one serving the lowest GSIs. */
			best_gsi = rd32(e + 8);
			x86_acpi.ioapic_base = rd32(e + 4);
			x86_acpi.ioapic_gsi_base = best_gsi;
		} else if (type == 2 && elen >= 10 && e[2] == 0 && e[3] < 16) {
			/* Interrupt source override for an ISA IRQ. */
			x86_acpi.isa_gsi[e[3]] = rd32(e + 4);
			x86_acpi.isa_flags[e[3]] = (uint16_t)(e[8] | e[9] << 8);
		} else if (type == 5 && elen >= 12) {
			x86_acpi.lapic_base = rd64(e + 4);
		}
		off += elen;
	}
}

/*
 * Decode one AML integer element of a package at p[*i] (ZeroOp, OneOp,
 * OnesOp, BytePrefix, WordPrefix); false if it is anything else.
 */
static bool aml_small_int(const uint8_t *p, uint32_t len, uint32_t *i,
			  uint8_t *val)
{
	if (*i >= len)
		return false;
	switch (p[*i]) {
	case 0x00: /* ZeroOp */
	case 0x01: /* OneOp */
		*val = p[*i];
		*i += 1;
		return true;
	case 0xff: /* OnesOp */
		*val = 0xff;
		*i += 1;
		return true;
	case 0x0a: /* BytePrefix */
		if (*i + 1 >= len)
			return false;
		*val = p[*i + 1];
		*i += 2;
		return true;
	case 0x0b: /* WordPrefix: SLP_TYP fits in the low byte */
		if (*i + 2 >= len)
			return false;
		*val = p[*i + 1];
		*i += 3;
		return true;
	}
	return false;
}

/*
 * Find "Name(_S5_, Package(){a, b, ...})" in the DSDT and take a and b as
 * SLP_TYPa/SLP_TYPb.
 */
static void find_s5(const uint8_t *d, uint32_t len)
{
	for (uint32_t i = SDT_HDR_LEN; i + 4 < len; i++) {
		uint32_t j;
		uint8_t a, b;

		if (kos_memcmp(d + i, "_S5_", 4) != 0)
			continue;
		if (!(d[i - 1] == 0x08 ||
		      (d[i - 1] == '\\' && d[i - 2] == 0x08)))
			continue; /* not a NameOp */
		j = i + 4;
		if (j + 1 >= len || d[j] != 0x12) /* PackageOp */
			continue;
		j += 1 + 1 + (d[j + 1] >> 6); /* PkgLength */
		j += 1;			      /* NumElements */
		if (!aml_small_int(d, len, &j, &a) ||
		    !aml_small_int(d, len, &j, &b))
			continue;
		x86_acpi.slp_typa = a & 7;
		x86_acpi.slp_typb = b & 7;
		x86_acpi.have_s5 = true;
		return;
	}
}

#define FADT_RESET_REG_SUP (1U << 10) /* Flags: RESET_REG is usable */
#define FADT_TMR_VAL_EXT (1U << 8)    /* Flags: the PM timer has 32 bits */
#define GAS_SYSTEM_IO 1

/*
 * The FADT's RESET_REG (a generic address at byte 116) and RESET_VALUE
 * (byte 128), kept when the flags say it is supported and it is a port.
 */
static void parse_reset_reg(const uint8_t *t, uint32_t len)
{
	uint64_t port;

	if (len < 129 || !(rd32(t + 112) & FADT_RESET_REG_SUP) ||
	    t[116] != GAS_SYSTEM_IO)
		return;
	port = rd64(t + 120);
	if (!port || port > 0xffff)
		return;
	x86_acpi.have_reset = true;
	x86_acpi.reset_port = (uint16_t)port;
	x86_acpi.reset_value = t[128];
}

/* FADT: PM1 control ports, SMI command, reset, and the DSDT's \_S5. */
static void parse_fadt(const uint8_t *t, uint32_t len)
{
	uint64_t dsdt_pa = 0;
	const uint8_t *d;
	uint32_t dlen;

	if (len < 116)
		return;
	x86_acpi.smi_cmd = rd32(t + 48);
	x86_acpi.acpi_enable = t[52];
	x86_acpi.pm1a_cnt = rd32(t + 64);
	x86_acpi.pm1b_cnt = rd32(t + 68);
	parse_reset_reg(t, len);
	/* ACPI 2.0+ extended blocks, when in system I/O space. */
	if (len >= 184 && t[172] == 1 && rd64(t + 176))
		x86_acpi.pm1a_cnt = (uint32_t)rd64(t + 176);
	if (len >= 196 && t[184] == 1 && rd64(t + 188))
		x86_acpi.pm1b_cnt = (uint32_t)rd64(t + 188);
	/* PM_TMR_BLK (PM_TMR_LEN 4), or X_PM_TMR_BLK in system I/O. */
	if (t[91] == 4 && rd32(t + 76) && rd32(t + 76) <= 0xfffc)
		x86_acpi.pm_tmr = (uint16_t)rd32(t + 76);
	if (len >= 220 && t[208] == 1 && rd64(t + 212) &&
	    rd64(t + 212) <= 0xfffc)
		x86_acpi.pm_tmr = (uint16_t)rd64(t + 212);
	x86_acpi.pm_tmr_32 = (rd32(t + 112) & FADT_TMR_VAL_EXT) != 0;
	if (len >= 148)
		dsdt_pa = rd64(t + 140);
	if (!dsdt_pa)
		dsdt_pa = rd32(t + 40);
	d = sdt_map(dsdt_pa, "DSDT", &dlen);
	if (d)
		find_s5(d, dlen);
}

/*
 * Read the tables reachable from the RSDP at physical address rsdp.  The
 * direct map covers at least 4 GiB and everything in the boot memory map.
 */
void x86_acpi_init(paddr_t rsdp, const struct kos_bootinfo *bi)
{
	const uint8_t *r, *root;
	uint32_t rlen, entsz, n;
	uint64_t root_pa;

	for (unsigned int i = 0; i < 16; i++)
		x86_acpi.isa_gsi[i] = i; /* identity unless overridden */
	phys_limit = 1ULL << 32;
	for (unsigned int i = 0; i < bi->nmem && i < KOS_MEM_MAX_RANGES; i++)
		phys_limit = MAX(phys_limit, bi->mem[i].base + bi->mem[i].len);

	if (!phys_ok(rsdp, 36)) {
		log_warn("acpi: no RSDP; using PC defaults");
		return;
	}
	r = (const uint8_t *)(KOS_DIRECT_MAP + rsdp);
	if (kos_memcmp(r, "RSD PTR ", 8) != 0 || !checksum_ok(r, 20)) {
		log_warn("acpi: bad RSDP at %#llx; using PC defaults",
			 (unsigned long long)rsdp);
		return;
	}
	if (r[15] >= 2 && rd64(r + 24) && checksum_ok(r, 36)) {
		root = sdt_map(rd64(r + 24), "XSDT", &rlen);
		entsz = 8;
	} else {
		root = sdt_map(rd32(r + 16), "RSDT", &rlen);
		entsz = 4;
	}
	if (!root) {
		log_warn("acpi: no usable RSDT/XSDT; using PC defaults");
		return;
	}
	n = (rlen - SDT_HDR_LEN) / entsz;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = root + SDT_HDR_LEN + i * entsz;
		const uint8_t *t;
		uint32_t len;

		root_pa = entsz == 8 ? rd64(e) : rd32(e);
		t = sdt_map(root_pa, NULL, &len);
		if (!t)
			continue;
		if (!kos_memcmp(t, "APIC", 4) && !x86_acpi.have_madt)
			parse_madt(t, len);
		else if (!kos_memcmp(t, "FACP", 4) && !x86_acpi.pm1a_cnt)
			parse_fadt(t, len);
	}
	log_info("acpi: ioapic %#llx (gsi %u), pm1a_cnt %#x, s5 %s %u/%u, "
		 "reset %#x:%#x",
		 (unsigned long long)x86_acpi.ioapic_base,
		 x86_acpi.ioapic_gsi_base, x86_acpi.pm1a_cnt,
		 x86_acpi.have_s5 ? "yes" : "no", x86_acpi.slp_typa,
		 x86_acpi.slp_typb, x86_acpi.reset_port, x86_acpi.reset_value);
}
