/*
 * Partition tables: GPT (the UEFI specification's GUID partition table)
 * and the PC's MBR with its extended and logical partitions, read the
 * way Linux reads them, so that a disk gets the same partitions under
 * the same numbers.  blkdev.c turns the result into block devices.
 *
 * GPT.  A protective MBR -- an entry of type 0xee starting at LBA 1;
 * hybrid MBRs, with other entries beside it, count too -- says the disk
 * is GPT.  The header at LBA 1 must carry the signature "EFI PART", a
 * size from 92 bytes to a block, its own CRC-32, its own LBA, usable
 * LBAs inside the disk, 128-byte entries, and the entry array's CRC-32.
 * As in Linux, the backup header is read only to warn about it when the
 * primary is good; a bad primary is replaced by the backup at the last
 * LBA only when "gpt" is on the kernel command line (which also lets a
 * disk without a protective MBR be read as GPT).  Entry i is partition
 * i + 1; an entry with a zero type GUID is unused; one that ends before
 * it starts or past the disk is left out.  As in Linux, a disk has
 * partitions 1-255 (1-15 numbered in its own minors, the rest in major
 * 259: blkdev.c): used entries after the 255th are left out, with a log
 * line.
 *
 * MBR.  The signature 0x55aa, and boot flags 0 or 0x80 only (a sector
 * with anything else is not a table: a FAT boot sector, say, or a
 * disk's data).  A type 0xee entry anywhere means GPT, so an MBR reading
 * of it gives nothing.  Entries 1-4 are primary partitions 1-4.  An
 * extended one (types 0x05, 0x0f, 0x85) is shown as a partition of its
 * first KiB, as Linux does (tools read its first sector through it), and
 * starts a chain of extended boot records: each holds a logical
 * partition placed relative to the record itself, and a link to the
 * next record placed relative to the extended partition's start.
 * Logical partitions are numbered from 5 on.  The walk stops at a record
 * without the signature, after 100 records in a row without a partition
 * (a loop), or at partition 255.
 *
 * Sector numbers in both tables are in the disk's logical blocks; the
 * result is in BLK_SECTOR units.  Nothing here trusts the table: every
 * read is bounded by the disk and every count is capped.
 */
#include <kos/cmdline.h>
#include <kos/crc32.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/string.h>
#include <uapi/errno.h>

#include "internal.h"

#define MBR_SIG 0xaa55
#define MBR_ENTRIES 0x1be /* offset of the four 16-byte entries */
#define MBR_TYPE_GPT 0xee
#define EBR_MAX_EMPTY 100 /* Linux's bound on links without a partition */

#define GPT_SIG 0x5452415020494645ULL /* "EFI PART" little-endian */
#define GPT_HDR_MIN 92
#define GPT_ENTRY 128
#define GPT_MAX_ARRAY (4u << 20) /* Linux's KMALLOC_MAX_SIZE on x86-64 */

/* One disk being read: a block buffer and the disk's geometry. */
struct reader {
	struct kos_blkdev *disk;
	uint8_t *blk;	  /* one logical block */
	uint32_t bs;	  /* logical block size */
	uint32_t ssz;	  /* BLK_SECTORs in a logical block */
	uint64_t nblocks; /* disk size in logical blocks */
	struct blk_table *t;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * Logical block lba into r->blk: 0 or an error.  Through the disk's
 * cache, as Linux reads tables: what fdisk just wrote to /dev/vda is
 * what the table is, written back or not.
 */
static int read_block(struct reader *r, uint64_t lba)
{
	struct uio u;
	ssize_t n;

	if (lba >= r->nblocks)
		return -EINVAL;
	uio_init_kernel(&u, r->blk, r->bs);
	n = blkdev_cache_rw(r->disk, &u, lba * r->bs, false);
	if (n < 0)
		return (int)n;
	return n == (ssize_t)r->bs ? 0 : -EIO;
}

/* The 512 bytes of BLK_SECTOR sector s into out: 0 or an error. */
static int read_sector(struct reader *r, uint64_t s, uint8_t *out)
{
	uint64_t lba = s / r->ssz;
	int err = read_block(r, lba);

	if (!err)
		kos_memcpy(out, r->blk + (s % r->ssz) * BLK_SECTOR, BLK_SECTOR);
	return err;
}

static void put_part(struct reader *r, unsigned int n, uint64_t start,
		     uint64_t nsectors)
{
	if (n > BLK_MAX_PARTS)
		return;
	r->t->parts[n].start = start;
	r->t->parts[n].nsectors = nsectors;
}

/* ---- GPT ---------------------------------------------------------------- */

/* The header fields KOS uses (UEFI specification, "GPT Header"). */
struct gpt_hdr {
	uint64_t alternate_lba;
	uint64_t entries_lba;
	uint32_t nentries;
	uint32_t nlater; /* used entries after the 255th */
};

/* Does the MBR in mbr protect a GPT (Linux's is_pmbr_valid)? */
static bool pmbr_valid(const uint8_t *mbr)
{
	if (le16(mbr + 510) != MBR_SIG)
		return false;
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = mbr + MBR_ENTRIES + 16 * i;

		if (e[4] == MBR_TYPE_GPT && le32(e + 8) == 1)
			return true;
	}
	return false;
}

static bool guid_zero(const uint8_t *g)
{
	for (int i = 0; i < 16; i++)
		if (g[i])
			return false;
	return true;
}

/*
 * Stream the entry array of h through the CRC, keep the first
 * BLK_MAX_PARTS entries in ents and count the used ones after them in
 * h->nlater.  Why it is bad, or NULL.
 */
static const char *gpt_read_entries(struct reader *r, struct gpt_hdr *h,
				    uint8_t *ents, uint32_t want_crc)
{
	uint64_t bytes = (uint64_t)h->nentries * GPT_ENTRY, done = 0;
	uint64_t lba = h->entries_lba;
	uint32_t crc = 0;

	h->nlater = 0;

	kos_memset(ents, 0, BLK_MAX_PARTS * GPT_ENTRY);
	if (bytes > GPT_MAX_ARRAY)
		return "entry array too large";
	if (lba >= r->nblocks || (bytes + r->bs - 1) / r->bs > r->nblocks - lba)
		return "entry array past the end of the disk";
	while (done < bytes) {
		size_t n = (size_t)MIN(bytes - done, r->bs);

		if (read_block(r, lba++))
			return "I/O error reading the entries";
		crc = kos_crc32(crc, r->blk, n);
		for (size_t e = 0; e < n; e += GPT_ENTRY) {
			if (done + e < BLK_MAX_PARTS * GPT_ENTRY)
				kos_memcpy(ents + done + e, r->blk + e,
					   GPT_ENTRY);
			else if (!guid_zero(r->blk + e))
				h->nlater++;
		}
		done += n;
	}
	return crc == want_crc ? NULL : "entry array CRC mismatch";
}

/*
 * Check the GPT header at lba as Linux's is_gpt_valid does and read its
 * entries: why it is bad, or NULL (h and ents filled).
 */
static const char *gpt_check(struct reader *r, uint64_t lba, struct gpt_hdr *h,
			     uint8_t *ents)
{
	uint64_t last = r->nblocks - 1, first_usable, last_usable;
	uint32_t hsize, crc, ents_crc;

	if (read_block(r, lba))
		return "I/O error or outside the disk";
	if (le64(r->blk) != GPT_SIG)
		return "no signature";
	hsize = le32(r->blk + 12);
	if (hsize < GPT_HDR_MIN || hsize > r->bs)
		return "bad header size";
	crc = le32(r->blk + 16);
	kos_memset(r->blk + 16, 0, 4);
	if (kos_crc32(0, r->blk, hsize) != crc)
		return "header CRC mismatch";
	if (le64(r->blk + 24) != lba)
		return "header is not at its own LBA";
	first_usable = le64(r->blk + 40);
	last_usable = le64(r->blk + 48);
	if (first_usable > last || last_usable > last ||
	    last_usable < first_usable)
		return "usable LBAs outside the disk";
	if (le32(r->blk + 84) != GPT_ENTRY)
		return "entry size is not 128";
	h->alternate_lba = le64(r->blk + 32);
	h->entries_lba = le64(r->blk + 72);
	h->nentries = le32(r->blk + 80);
	ents_crc = le32(r->blk + 88);
	return gpt_read_entries(r, h, ents, ents_crc);
}

/*
 * The name of a GPT entry (36 UTF-16LE units at e + 56) as Linux shows
 * it: each unit's low byte, '!' for one that is not printable.
 */
static void gpt_volname(const uint8_t *e, char *out)
{
	for (int i = 0; i < BLK_VOLNAME - 1; i++) {
		uint8_t c = e[56 + 2 * i];

		if (c && (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)))
			c = '!';
		out[i] = (char)c;
	}
	out[BLK_VOLNAME - 1] = 0;
}

/*
 * The GPT of r's disk, if it has a valid one: true with r->t filled;
 * false (and a log line if a GPT was expected) otherwise.
 */
static bool gpt_read(struct reader *r, const uint8_t *mbr)
{
	bool force = cmdline_has(&kos_cmdline, "gpt");
	const char *name = r->disk->name, *why, *why_alt;
	uint64_t last = r->nblocks - 1;
	struct gpt_hdr h, alt;
	uint8_t *ents;
	unsigned int n;

	if (!force && !pmbr_valid(mbr))
		return false;
	ents = kzalloc(BLK_MAX_PARTS * GPT_ENTRY);
	if (!ents)
		return false;
	why = gpt_check(r, 1, &h, ents);
	if (!why) {
		/* As Linux: the backup is only looked at, to warn. */
		uint8_t *scratch = kzalloc(BLK_MAX_PARTS * GPT_ENTRY);

		why_alt = scratch ? gpt_check(r, h.alternate_lba, &alt, scratch)
				  : NULL;
		if (why_alt)
			log_warn("blk: %s: alternate GPT is invalid (%s), "
				 "using primary GPT",
				 name, why_alt);
		kfree(scratch);
	} else if (force) {
		why_alt = gpt_check(r, last, &h, ents);
		if (why_alt) {
			log_warn("blk: %s: no valid GPT (primary: %s; "
				 "alternate: %s)",
				 name, why, why_alt);
			kfree(ents);
			return false;
		}
		log_warn("blk: %s: primary GPT is invalid (%s), using "
			 "alternate GPT",
			 name, why);
	} else {
		log_warn("blk: %s: protective MBR but no valid GPT (%s); "
			 "\"gpt\" on the command line tries the backup",
			 name, why);
		kfree(ents);
		return false;
	}
	r->t->kind = "gpt";
	n = MIN(h.nentries, (uint32_t)BLK_MAX_PARTS);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *e = ents + i * GPT_ENTRY;
		uint64_t start = le64(e + 32), end = le64(e + 40);

		if (guid_zero(e) || start > last || end > last)
			continue;
		if (end < start) {
			log_warn("blk: %s: GPT entry %u ends before it starts",
				 name, i + 1);
			continue;
		}
		put_part(r, i + 1, start * r->ssz, (end - start + 1) * r->ssz);
		gpt_volname(e, r->t->parts[i + 1].volname);
	}
	kfree(ents);
	if (h.nlater)
		log_info("blk: %s: %u GPT partitions after the %uth are left "
			 "out",
			 name, h.nlater, BLK_MAX_PARTS);
	return true;
}

/* ---- MBR ---------------------------------------------------------------- */

static bool dos_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

static void too_many_logical(struct reader *r)
{
	log_info("blk: %s: logical partitions after %u are left out",
		 r->disk->name, BLK_MAX_PARTS);
}

/*
 * Walk the chain of extended boot records of the extended partition at
 * first (size first_size, BLK_SECTOR units), adding logical partitions
 * from *next on.
 */
static void dos_logical(struct reader *r, uint64_t first, uint64_t first_size,
			unsigned int *next)
{
	uint64_t here = first, here_size = first_size;
	uint8_t ebr[BLK_SECTOR];
	int empty = 0;

	for (;;) {
		const uint8_t *link = NULL;

		if (++empty > EBR_MAX_EMPTY) {
			log_warn("blk: %s: extended partition loops; walk "
				 "stopped",
				 r->disk->name);
			return;
		}
		if (*next > BLK_MAX_PARTS)
			return;
		if (read_sector(r, here, ebr) || le16(ebr + 510) != MBR_SIG)
			return;
		for (int i = 0; i < 4; i++) {
			const uint8_t *e = ebr + MBR_ENTRIES + 16 * i;
			uint64_t off = (uint64_t)le32(e + 8) * r->ssz;
			uint64_t size = (uint64_t)le32(e + 12) * r->ssz;

			if (!size)
				continue;
			if (dos_extended(e[4])) {
				if (!link)
					link = e;
				continue;
			}
			/* entries 3 and 4 hold garbage as often as not */
			if (i >= 2 &&
			    (off + size > here_size || here + off < first ||
			     here + off + size > first + first_size))
				continue;
			if (*next > BLK_MAX_PARTS) {
				too_many_logical(r);
				return;
			}
			put_part(r, (*next)++, here + off, size);
			empty = 0;
		}
		if (!link)
			return;
		if (*next > BLK_MAX_PARTS) {
			too_many_logical(r);
			return;
		}
		here = first + (uint64_t)le32(link + 8) * r->ssz;
		here_size = (uint64_t)le32(link + 12) * r->ssz;
	}
}

/* The MBR partitions of mbr (Linux's msdos_partition), into r->t. */
static void dos_read(struct reader *r, const uint8_t *mbr)
{
	unsigned int next = 5;

	if (le16(mbr + 510) != MBR_SIG)
		return;
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = mbr + MBR_ENTRIES + 16 * i;

		if (e[0] != 0 && e[0] != 0x80)
			return; /* not a partition table */
		if (e[4] == MBR_TYPE_GPT)
			return; /* a GPT disk's: not ours to read */
	}
	r->t->kind = "dos";
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = mbr + MBR_ENTRIES + 16 * i;
		uint64_t start = (uint64_t)le32(e + 8) * r->ssz;
		uint64_t size = (uint64_t)le32(e + 12) * r->ssz;

		if (!size)
			continue;
		if (dos_extended(e[4])) {
			put_part(r, (unsigned int)i + 1, start,
				 MIN(size, MAX(r->ssz, 2u)));
			dos_logical(r, start, size, &next);
			continue;
		}
		put_part(r, (unsigned int)i + 1, start, size);
	}
}

int blk_read_table(struct kos_blkdev *disk, struct blk_table *t)
{
	struct reader r = {
		.disk = disk,
		.bs = disk->block_size,
		.ssz = disk->block_size / BLK_SECTOR,
		.nblocks = disk->nsectors / (disk->block_size / BLK_SECTOR),
		.t = t,
	};
	uint8_t mbr[BLK_SECTOR];

	kos_memset(t, 0, sizeof(*t));
	if (!r.nblocks)
		return 0;
	r.blk = kmalloc(r.bs);
	if (!r.blk)
		return -ENOMEM;
	if (read_sector(&r, 0, mbr))
		log_warn("blk: %s: cannot read the first sector", disk->name);
	else if (!gpt_read(&r, mbr))
		dos_read(&r, mbr);
	kfree(r.blk);
	return 0;
}
