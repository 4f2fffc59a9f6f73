/*
 * Unit tests for partition tables (libkos/blk/part.c) and the faces a
 * block device shows user space: partitions as devices (I/O through
 * them, their bounds), BLKRRPART, /proc/partitions, /sys/block and the
 * /dev nodes.
 *
 * The disks are images the host's sfdisk made at build time
 * (check/blk/mkimages), loaded into a RAM disk; what KOS must find in
 * each is what sfdisk itself reads back (NAME.want), with Linux's own
 * rules on top where Linux differs from a partitioning tool: partitions
 * 16 and up are numbered in major 259, an extended partition shows as
 * its first KiB, a partition past the end of the disk is left out and one that
 * ends past it is cut short, and a GPT with a bad primary is read from
 * its backup only with "gpt" on the command line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kos/blkdev.h>
#include <kos/cmdline.h>
#include <kos/crc32.h>
#include <kos/plat/mem.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/mman.h>
#include <uapi/stat.h>

#include "../fs/fs_test.h"

#ifndef BLK_IMAGES
#define BLK_IMAGES "build/check/blk"
#endif

#define BLKRRPART 0x125f
#define BLKGETSIZE64 0x80081272
#define HDIO_GETGEO 0x0301

static uint8_t *img;
static size_t img_size;
static struct kos_blkdev disk;

/* One line of NAME.want: a partition as sfdisk reads it. */
struct want {
	unsigned int n;
	uint64_t start, size;
	char type[40];
	char name[40]; /* the GPT name; "-": none */
};

static struct want wants[32];
static int nwants;

static int ram_submit(struct kos_blkdev *bd, struct blk_request *rq)
{
	uint8_t *p = img + rq->sector * BLK_SECTOR;
	void *buf = plat_phys_to_virt(rq->pa);

	ck_assert_ptr_eq(bd, &disk); /* partitions pass requests on */
	ck_assert_uint_le(rq->sector * BLK_SECTOR + rq->len, img_size);
	rq->status = 0;
	if (rq->op == BLK_READ)
		memcpy(buf, p, rq->len);
	else if (rq->op == BLK_WRITE)
		memcpy(p, buf, rq->len);
	rq->done(rq);
	return 0;
}

static const struct blkdev_ops ram_ops = { .submit = ram_submit };

static void setup(void)
{
	fs_test_setup();
	blkdev_reset();
	cmdline_parse(&kos_cmdline, "");
}

static void teardown(void)
{
	blkdev_reset();
	free(img);
	img = NULL;
	fs_test_teardown();
}

/* Read BLK_IMAGES/name.suffix whole; its size in *size. */
static uint8_t *slurp(const char *name, const char *suffix, size_t *size)
{
	char path[256];
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s.%s", BLK_IMAGES, name, suffix);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (make the images)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/*
 * The image name as vda (not scanned yet), a disk of bs-byte logical
 * blocks, and sfdisk's view of it.
 */
static void load_bs(const char *name, uint32_t bs)
{
	size_t n;
	char *w = (char *)slurp(name, "want", &n), *line, *save = NULL;

	free(img);
	img = slurp(name, "img", &img_size);
	nwants = 0;
	for (line = strtok_r(w, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct want *x = &wants[nwants++];

		ck_assert_int_lt(nwants, 32);
		ck_assert_int_eq(sscanf(line, "%u %lu %lu %39s %39s", &x->n,
					&x->start, &x->size, x->type, x->name),
				 5);
	}
	free(w);
	memset(&disk, 0, sizeof(disk));
	disk.nsectors = img_size / BLK_SECTOR;
	disk.block_size = bs;
	disk.ops = &ram_ops;
	ck_assert_int_eq(blkdev_register(&disk), 0);
}

static void load(const char *name)
{
	load_bs(name, 512);
}

/* Number of partitions of vda in the registry. */
static int count_parts(void)
{
	struct blkdev_info bi;
	int n = 0;

	for (unsigned int m = 0; blkdev_next(&m, &bi); m++)
		n += bi.partno != 0;
	return n;
}

/* Number of registered devices named vda<n>. */
static int count_named(unsigned int n)
{
	struct blkdev_info bi;
	char name[8];
	int k = 0;

	snprintf(name, sizeof(name), "vda%u", n);
	for (unsigned int m = 0; blkdev_next(&m, &bi); m++)
		k += !strcmp(bi.name, name);
	return k;
}

static bool extended_type(const char *t)
{
	return !strcmp(t, "5") || !strcmp(t, "f") || !strcmp(t, "85");
}

/*
 * Linux's number for partition n of vda, the ext-th of vda's to need
 * one of major 259 (on a registry with no other disk's).
 */
static uint32_t linux_number(unsigned int n, unsigned int ext)
{
	return n < 16 ? KDEV(254, n) : KDEV(259, ext);
}

/*
 * vda's partitions are sfdisk's, under Linux's rules (see the top):
 * the number of partitions expected.
 */
static int check_wants(void)
{
	unsigned int ext = 0;
	int expect = 0;

	for (int i = 0; i < nwants; i++) {
		const struct want *x = &wants[i];
		uint64_t size = x->size;
		struct kos_blkdev *p;
		char name[8];

		if (x->start >= disk.nsectors) {
			ck_assert_msg(count_named(x->n) == 0,
				      "p%u past the end", x->n);
			continue;
		}
		p = blkdev_lookup(linux_number(x->n, ext));
		ext += x->n >= 16;
		/* an extended partition: its first KiB, or block */
		if (extended_type(x->type))
			size = MIN(size, MAX(disk.block_size / 512, 2));
		if (size > disk.nsectors - x->start)
			size = disk.nsectors - x->start;
		ck_assert_msg(p != NULL, "no vda%u", x->n);
		snprintf(name, sizeof(name), "vda%u", x->n);
		ck_assert_str_eq(p->name, name);
		ck_assert_uint_eq(p->partno, x->n);
		ck_assert_ptr_eq(p->disk, &disk);
		ck_assert_uint_eq(p->start, x->start);
		ck_assert_uint_eq(p->nsectors, size);
		ck_assert_uint_eq(p->block_size, disk.block_size);
		ck_assert_str_eq(p->volname,
				 strcmp(x->name, "-") ? x->name : "");
		expect++;
	}
	ck_assert_int_eq(count_parts(), expect);
	return expect;
}

/* Read the whole of path (kernel, root) into buf, NUL-terminated. */
static char *read_all(const char *path, char *buf, size_t len)
{
	struct file *f = t_open(path, O_RDONLY, NULL);
	ssize_t n, total = 0;

	ck_assert_msg(f != NULL, "open %s", path);
	while ((n = t_read(f, buf + total, len - 1 - (size_t)total)) > 0)
		total += n;
	ck_assert_int_ge(n, 0);
	buf[total] = 0;
	file_put(f);
	return buf;
}

/* The text of a sysfs file. */
static const char *sys(const char *path)
{
	static char buf[512];

	return read_all(path, buf, sizeof(buf));
}

/* A /dev with the registry's nodes, as at boot. */
static void mount_dev(void)
{
	int err = vfs_mkdirat(NULL, "/dev", 0755, NULL);

	ck_assert(err == 0 || err == -EEXIST);
	ck_assert_int_eq(vfs_mount_new(NULL, "/dev", "devtmpfs", "devtmpfs", 0,
				       NULL, NULL),
			 0);
}

START_TEST(test_part_crc32)
{
	size_t n;
	uint8_t *g = slurp("gpt", "img", &n), hdr[92];
	uint32_t stored;

	ck_assert_uint_eq(kos_crc32(0, "123456789", 9), 0xcbf43926u);
	ck_assert_uint_eq(kos_crc32(kos_crc32(0, "1234", 4), "56789", 5),
			  0xcbf43926u);
	/* the CRC sfdisk wrote into the primary GPT header */
	memcpy(hdr, g + 512, sizeof(hdr));
	memcpy(&stored, hdr + 16, 4);
	memset(hdr + 16, 0, 4);
	ck_assert_uint_eq(kos_crc32(0, hdr, sizeof(hdr)), stored);
	free(g);
}
END_TEST

START_TEST(test_part_mbr_logical)
{
	load("mbr");
	ck_assert_int_eq(count_parts(), 0); /* not at registration */
	blkdev_scan_new();
	ck_assert_int_eq(check_wants(), 7);
	/* the extended partition: its first KiB, as Linux */
	ck_assert_uint_eq(blkdev_lookup(KDEV(254, 3))->nsectors, 2);
	ck_assert_uint_eq(blkdev_lookup(KDEV(254, 3))->rdev, KDEV(254, 3));
	/* scanned once */
	blkdev_scan_new();
	ck_assert_int_eq(count_parts(), 7);
}
END_TEST

/* blkdev_show_partitions' sink: append to a NUL-terminated buffer. */
static void cat_out(void *arg, const char *s, size_t n)
{
	strncat(arg, s, n);
}

START_TEST(test_part_mbr_limit)
{
	static char text[2048];
	struct kos_blkdev *p16;
	char row[128];
	struct file *f;

	load("many");
	ck_assert_int_eq(nwants, 18);
	ck_assert_int_eq(blkdev_scan(&disk), 0);
	/* as Linux: 1, 2, 5-15 in vda's minors, 16-20 as 259:0-4 */
	ck_assert_int_eq(check_wants(), 18);
	ck_assert_ptr_null(blkdev_lookup(KDEV(254, 16))); /* vdb's number */
	p16 = blkdev_lookup(KDEV(259, 0));
	ck_assert_str_eq(p16->name, "vda16");
	ck_assert_str_eq(blkdev_lookup(KDEV(259, 4))->name, "vda20");
	ck_assert_ptr_null(blkdev_lookup(KDEV(259, 5)));
	/* a node of major 259 opens to the partition */
	mount_dev();
	f = t_open("/dev/vda16", O_RDONLY, NULL);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_eq(f->priv, p16);
	ck_assert_int_eq(f->ops->ioctl(f, BLKRRPART, 0), -EINVAL);
	file_put(f);
	/* /proc/partitions: the row after vda15's, as Linux prints it */
	text[0] = 0;
	blkdev_show_partitions(cat_out, text);
	snprintf(row, sizeof(row), "%4d  %7d %10llu %s\n", 254, 15,
		 (unsigned long long)wants[12].size / 2, "vda15");
	snprintf(row + strlen(row), sizeof(row) - strlen(row),
		 "%4d  %7d %10llu %s\n", 259, 0,
		 (unsigned long long)wants[13].size / 2, "vda16");
	ck_assert_uint_eq(wants[13].n, 16);
	ck_assert_msg(strstr(text, row) != NULL, "%s", text);
	ck_assert(strstr(text, " 259        0        500 vda16\n"));
	/* sysfs names them by those numbers too */
	ck_assert_int_eq(vfs_mkdirat(NULL, "/sys", 0755, NULL), 0);
	ck_assert_int_eq(vfs_mount(sysfs_create(), "/sys"), 0);
	ck_assert_str_eq(sys("/sys/class/block/vda16/dev"), "259:0\n");
	ck_assert_str_eq(sys("/sys/dev/block/259:4/partition"), "20\n");
	ck_assert_str_eq(sys("/sys/block/vda/vda20/uevent"),
			 "MAJOR=259\nMINOR=4\nDEVNAME=vda20\n"
			 "DEVTYPE=partition\nPARTN=20\n");
	ck_assert_str_eq(sys("/sys/block/vda/ext_range"), "256\n");
	/* a re-read gives the numbers again, lowest free first */
	ck_assert_int_eq(blkdev_scan(&disk), 0);
	ck_assert_int_eq(check_wants(), 18);
}
END_TEST

START_TEST(test_part_gpt)
{
	load("gpt");
	ck_assert_int_eq(blkdev_scan(&disk), 0);
	ck_assert_int_eq(check_wants(), 3);
	ck_assert_ptr_null(blkdev_lookup(KDEV(254, 3))); /* unused entry */
	/* a named one says so in its uevent, as Linux */
	ck_assert_str_eq(wants[0].name, "root");
	ck_assert_int_eq(vfs_mkdirat(NULL, "/sys", 0755, NULL), 0);
	ck_assert_int_eq(vfs_mount(sysfs_create(), "/sys"), 0);
	ck_assert_str_eq(sys("/sys/class/block/vda1/uevent"),
			 "MAJOR=254\nMINOR=1\nDEVNAME=vda1\nDEVTYPE=partition\n"
			 "PARTN=1\nPARTNAME=root\n");
	ck_assert_str_eq(sys("/sys/class/block/vda2/uevent"),
			 "MAJOR=254\nMINOR=2\nDEVNAME=vda2\nDEVTYPE=partition\n"
			 "PARTN=2\n");
	load("gptmany");
	ck_assert_int_eq(nwants, 18);
	/* registered as vdb now */
	ck_assert_str_eq(disk.name, "vdb");
	blkdev_reset();
	load("gptmany");
	ck_assert_int_eq(blkdev_scan(&disk), 0);
	ck_assert_int_eq(check_wants(), 18);
}
END_TEST

START_TEST(test_part_4k)
{
	struct kos_blkdev *p;
	uint8_t buf[4096];

	load_bs("g4k", 4096);
	ck_assert_int_eq(blkdev_scan(&disk), 0);
	ck_assert_int_eq(check_wants(), 2);
	ck_assert_str_eq(blkdev_lookup(KDEV(254, 1))->volname, "boot4k");
	/* a block of the partition is a block of the disk, 4 KiB aligned */
	p = blkdev_lookup(KDEV(254, 3));
	memset(buf, 0x3c, sizeof(buf));
	ck_assert_int_eq(blkdev_io(p, BLK_WRITE, 4096, buf, 4096), 0);
	ck_assert(!memcmp(img + (p->start * 512) + 4096, buf, 4096));
	ck_assert_int_eq(blkdev_io(p, BLK_WRITE, 512, buf, 512), -EINVAL);
	blkdev_reset();
	load_bs("m4k", 4096);
	ck_assert_int_eq(blkdev_scan(&disk), 0);
	ck_assert_int_eq(check_wants(), 4);
	/* the extended partition is one block here: Linux's max(block, 1 KiB) */
	ck_assert_uint_eq(blkdev_lookup(KDEV(254, 2))->nsectors, 8);
}
END_TEST

START_TEST(test_part_gpt_backup)
{
	static const char *const bad[] = { "gpt-badhdr", "gpt-badents" };

	for (int i = 0; i < 2; i++) {
		/* as Linux: a bad primary is no table without "gpt" */
		blkdev_reset();
		cmdline_parse(&kos_cmdline, "");
		load(bad[i]);
		ck_assert_int_eq(nwants, 3); /* sfdisk used the backup */
		ck_assert_int_eq(blkdev_scan(&disk), 0);
		ck_assert_int_eq(count_parts(), 0);
		/* with it, the backup at the last LBA */
		cmdline_parse(&kos_cmdline, "gpt");
		ck_assert_int_eq(blkdev_scan(&disk), 0);
		ck_assert_int_eq(check_wants(), 3);
	}
	/* "gpt" does not turn an MBR disk into anything else */
	blkdev_reset();
	load("mbr");
	ck_assert_int_eq(blkdev_scan(&disk), 0);
	ck_assert_int_eq(check_wants(), 7);
}
END_TEST

START_TEST(test_part_garbage)
{
	static const char *const names[] = { "garbage", "badmbr", "ebrloop" };
	static const int expect[] = { 0, 3, 2 };

	for (int i = 0; i < 3; i++) {
		blkdev_reset();
		load(names[i]);
		ck_assert_int_eq(blkdev_scan(&disk), 0);
		ck_assert_int_eq(check_wants(), expect[i]);
	}
	ck_assert_int_eq(nwants, 2); /* ebrloop: the loop holds nothing */
	/* badmbr: sfdisk saw four, one starts past the end */
	blkdev_reset();
	load("badmbr");
	ck_assert_int_eq(nwants, 4);
}
END_TEST

#define U 0x40000000UL

static void map_user(void)
{
	struct vm_space *vm = vm_create();
	unsigned long r;

	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(vm_map(vm, U, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
				0, &r),
			 0);
	vm_set_current_for_test(vm);
}

static ssize_t frw(struct file *f, bool write, void *buf, size_t n,
		   uint64_t off)
{
	struct uio u;

	uio_init_kernel(&u, buf, n);
	return write ? f->ops->write(f, &u, &off) : f->ops->read(f, &u, &off);
}

START_TEST(test_part_io)
{
	const struct want *p6 = &wants[5];
	uint64_t base, bytes, v = 0;
	struct kstat st;
	struct file *f;
	char buf[1500], in[1500];
	uint8_t geo[16];

	load("mbr");
	mount_dev(); /* scans vda */
	ck_assert_int_eq(p6->n, 6);
	base = p6->start * 512;
	bytes = p6->size * 512;
	f = t_open("/dev/vda6", O_RDWR, NULL);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(vfs_stat_file(f, &st), 0);
	ck_assert(S_ISBLK(st.mode));
	ck_assert_uint_eq(st.rdev, KDEV(254, 6));
	/* lands at the partition's offset on the disk, unaligned too */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 13 + 1);
	ck_assert_int_eq(frw(f, true, buf, sizeof(buf), 700), sizeof(buf));
	ck_assert_int_eq(f->ops->fsync(f, false), 0); /* out of the cache */
	ck_assert(!memcmp(img + base + 700, buf, sizeof(buf)));
	memcpy(img + base + 4096, "through the disk", 16);
	ck_assert_int_eq(frw(f, false, in, 16, 4096), 16);
	ck_assert(!memcmp(in, "through the disk", 16));
	/* the end of the partition, not of the disk */
	ck_assert_int_eq(frw(f, false, in, sizeof(in), bytes - 100), 100);
	ck_assert_int_eq(frw(f, false, in, 1, bytes), 0);
	memcpy(in, img + base + bytes, 64); /* the next sector is safe */
	ck_assert_int_eq(frw(f, true, buf, 300, bytes - 10), 10);
	ck_assert_int_eq(frw(f, true, buf, 1, bytes), -ENOSPC);
	ck_assert_int_eq(f->ops->fsync(f, false), 0);
	ck_assert(!memcmp(img + base + bytes - 10, buf, 10));
	ck_assert(!memcmp(in, img + base + bytes, 64));
	ck_assert_int_eq(f->ops->llseek(f, 0, SEEK_END), (int64_t)bytes);
	/* blkdev_io is bounded by the partition too */
	ck_assert_int_eq(blkdev_io(blkdev_lookup(KDEV(254, 6)), BLK_READ, bytes,
				   in, 512),
			 -EINVAL);
	/* ioctls: the partition's size, its start in the geometry */
	map_user();
	ck_assert_int_eq(f->ops->ioctl(f, BLKGETSIZE64, U), 0);
	ck_assert_int_eq(copy_from_user(&v, (void *)U, 8), 0);
	ck_assert_uint_eq(v, bytes);
	ck_assert_int_eq(f->ops->ioctl(f, HDIO_GETGEO, U), 0);
	ck_assert_int_eq(copy_from_user(geo, (void *)U, 16), 0);
	memcpy(&v, geo + 8, 8);
	ck_assert_uint_eq(v, p6->start);
	ck_assert_uint_eq(geo[0], 64); /* virtio-blk's made-up heads */
	ck_assert_uint_eq(geo[1], 32);
	memcpy(&v, geo + 2, 2);
	ck_assert_uint_eq(v & 0xffff, disk.nsectors >> 11);
	/* the device's own, when the driver has it (QEMU's for 16 MiB) */
	disk.geometry.cylinders = 32;
	disk.geometry.heads = 16;
	disk.geometry.sectors = 63;
	ck_assert_int_eq(f->ops->ioctl(f, HDIO_GETGEO, U), 0);
	ck_assert_int_eq(copy_from_user(geo, (void *)U, 16), 0);
	ck_assert_uint_eq(geo[0], 16);
	ck_assert_uint_eq(geo[1], 63);
	memcpy(&v, geo + 2, 2);
	ck_assert_uint_eq(v & 0xffff, 32);
	memcpy(&v, geo + 8, 8);
	ck_assert_uint_eq(v, p6->start);
	file_put(f);
	vm_set_current_for_test(NULL);
}
END_TEST

START_TEST(test_part_rrpart)
{
	struct file *d, *p;
	uint8_t sig[2], zero[2] = { 0, 0 };

	load("mbr");
	mount_dev();
	d = t_open("/dev/vda", O_RDWR, NULL);
	p = t_open("/dev/vda1", O_RDONLY, NULL);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(p);
	/* as Linux: a partition cannot, the disk is busy while one is open */
	ck_assert_int_eq(p->ops->ioctl(p, BLKRRPART, 0), -EINVAL);
	ck_assert_int_eq(d->ops->ioctl(d, BLKRRPART, 0), -EBUSY);
	ck_assert_int_eq(count_parts(), 7);
	file_put(p);
	/*
	 * A tool writes a new table to /dev/vda: a re-read sees it, through
	 * the disk's cache (as Linux), before it is written back.
	 */
	memcpy(sig, img + 510, 2);
	ck_assert_int_eq(frw(d, true, zero, 2, 510), 2);
	ck_assert_int_eq(d->ops->ioctl(d, BLKRRPART, 0), 0);
	ck_assert_int_eq(count_parts(), 0);
	ck_assert(!memcmp(img + 510, sig, 2)); /* still in the cache */
	ck_assert_int_eq(t_open("/dev/vda1", O_RDONLY, NULL) == NULL, 1);
	ck_assert_int_eq(frw(d, true, sig, 2, 510), 2);
	ck_assert_int_eq(d->ops->ioctl(d, BLKRRPART, 0), 0);
	ck_assert_int_eq(check_wants(), 7);
	p = t_open("/dev/vda5", O_RDONLY, NULL);
	ck_assert_ptr_nonnull(p);
	file_put(p);
	file_put(d);
}
END_TEST

START_TEST(test_part_proc_partitions)
{
	char got[2048], want[2048];
	size_t w;

	ck_assert_int_eq(vfs_mkdirat(NULL, "/proc", 0555, NULL), 0);
	ck_assert_int_eq(vfs_mount(vfs_procfs(), "/proc"), 0);
	/* no disk: an empty file, as Linux (no header either) */
	ck_assert_str_eq(read_all("/proc/partitions", got, sizeof(got)), "");
	load("mbr");
	blkdev_scan_new();
	/* Linux's seq_printf format, block/genhd.c; #blocks in KiB */
	w = (size_t)snprintf(want, sizeof(want),
			     "major minor  #blocks  name\n\n"
			     "%4d  %7d %10llu %s\n",
			     254, 0, (unsigned long long)img_size / 1024,
			     "vda");
	for (int i = 0; i < nwants; i++) {
		uint64_t s = extended_type(wants[i].type) ? 2 : wants[i].size;
		char name[8];

		snprintf(name, sizeof(name), "vda%u", wants[i].n);
		w += (size_t)snprintf(want + w, sizeof(want) - w,
				      "%4d  %7d %10llu %s\n", 254, wants[i].n,
				      (unsigned long long)s / 2, name);
	}
	ck_assert_str_eq(read_all("/proc/partitions", got, sizeof(got)), want);
	ck_assert(strstr(got, "\n 254        0      16384 vda\n"));
	ck_assert(strstr(got, "\n 254        3          1 vda3\n"));
}
END_TEST

static bool list_fill(void *ctx, const char *name, size_t len, uint64_t ino,
		      unsigned int dtype, uint64_t next)
{
	char *out = ctx;

	strncat(out, name, len);
	strcat(out, dtype == DT_LNK ? "@ " : dtype == DT_DIR ? "/ " : " ");
	return true;
}

/* A directory's listing, "name/ link@ file ...". */
static const char *list(const char *path)
{
	static char out[1024];
	struct file *f = t_open(path, O_RDONLY | O_DIRECTORY, NULL);

	ck_assert_msg(f != NULL, "open %s", path);
	out[0] = 0;
	ck_assert_int_eq(f->ops->iterate(f, list_fill, out), 0);
	file_put(f);
	return out;
}

START_TEST(test_part_sysfs)
{
	char buf[128], want[128];
	const struct want *p5 = &wants[4];
	uint8_t zero[2] = { 0, 0 };
	struct file *d;
	struct uio u;

	load("mbr");
	blkdev_scan_new();
	ck_assert_int_eq(vfs_mkdirat(NULL, "/sys", 0755, NULL), 0);
	ck_assert_int_eq(vfs_mount(sysfs_create(), "/sys"), 0);
	ck_assert_str_eq(sys("/sys/block/vda/dev"), "254:0\n");
	snprintf(want, sizeof(want), "%zu\n", img_size / 512);
	ck_assert_str_eq(sys("/sys/block/vda/size"), want);
	ck_assert_str_eq(sys("/sys/block/vda/ro"), "0\n");
	ck_assert_str_eq(sys("/sys/block/vda/removable"), "0\n");
	ck_assert_str_eq(sys("/sys/block/vda/range"), "16\n");
	ck_assert_str_eq(sys("/sys/block/vda/queue/logical_block_size"),
			 "512\n");
	ck_assert_str_eq(sys("/sys/block/vda/queue/hw_sector_size"), "512\n");
	ck_assert_str_eq(sys("/sys/block/vda/uevent"),
			 "MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n");
	ck_assert_int_eq(p5->n, 5);
	ck_assert_str_eq(sys("/sys/block/vda/vda5/dev"), "254:5\n");
	snprintf(want, sizeof(want), "%lu\n", p5->start);
	ck_assert_str_eq(sys("/sys/block/vda/vda5/start"), want);
	snprintf(want, sizeof(want), "%lu\n", p5->size);
	ck_assert_str_eq(sys("/sys/block/vda/vda5/size"), want);
	ck_assert_str_eq(sys("/sys/block/vda/vda5/partition"), "5\n");
	ck_assert_str_eq(sys("/sys/class/block/vda5/partition"), "5\n");
	ck_assert_str_eq(sys("/sys/dev/block/254:5/partition"), "5\n");
	ck_assert_str_eq(sys("/sys/block/vda/vda3/size"), "2\n");
	ck_assert_int_eq(t_lookup_err("/sys/block/vda/vda8", 0), -ENOENT);
	ck_assert_int_eq(t_lookup_err("/sys/block/vda/queue/start", 0),
			 -ENOENT);
	ck_assert_int_eq(t_lookup_err("/sys/block/vda/vda5/queue", 0), -ENOENT);
	/* the links, as Linux's for a device without a bus */
	ck_assert_int_eq(
		vfs_readlinkat(NULL, "/sys/block/vda", buf, sizeof(buf), NULL),
		28);
	ck_assert(!memcmp(buf, "../devices/virtual/block/vda", 28));
	ck_assert_int_eq(vfs_readlinkat(NULL, "/sys/class/block/vda5", buf,
					sizeof(buf), NULL),
			 36);
	ck_assert(!memcmp(buf, "../../devices/virtual/block/vda/vda5", 36));
	ck_assert_str_eq(list("/sys/block"), "./ ../ vda@ ");
	ck_assert_str_eq(list("/sys/block/vda/vda1"),
			 "./ ../ dev size start partition ro uevent ");
	ck_assert_str_eq(list("/sys/block/vda/"),
			 "./ ../ dev size ro removable range ext_range uevent "
			 "queue/ vda1/ vda2/ vda3/ vda4/ vda5/ vda6/ vda7/ ");
	ck_assert_str_eq(list("/sys/dev/block"),
			 "./ ../ 254:0@ 254:1@ 254:2@ 254:3@ 254:4@ 254:5@ "
			 "254:6@ 254:7@ ");
	ck_assert_str_eq(list("/sys/devices/virtual/block/vda/queue"),
			 "./ ../ logical_block_size physical_block_size "
			 "hw_sector_size minimum_io_size ");
	/* a partition that goes away: its nodes say so */
	d = t_open("/sys/block/vda/vda7/size", O_RDONLY, NULL);
	ck_assert_ptr_nonnull(d);
	uio_init_kernel(&u, zero, 2); /* as a tool would: into the cache */
	ck_assert_int_eq(blkdev_cache_rw(&disk, &u, 510, true), 2);
	ck_assert_int_eq(blkdev_scan(&disk), 0);
	ck_assert_int_eq(t_read(d, buf, sizeof(buf)), -ENODEV);
	file_put(d);
	ck_assert_int_eq(t_lookup_err("/sys/block/vda/vda7", 0), -ENOENT);
	ck_assert_str_eq(list("/sys/class/block"), "./ ../ vda@ ");
}
END_TEST

Suite *part_suite(void)
{
	Suite *s = suite_create("part");
	TCase *tc = tcase_create("tables");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_part_crc32);
	tcase_add_test(tc, test_part_mbr_logical);
	tcase_add_test(tc, test_part_mbr_limit);
	tcase_add_test(tc, test_part_gpt);
	tcase_add_test(tc, test_part_4k);
	tcase_add_test(tc, test_part_gpt_backup);
	tcase_add_test(tc, test_part_garbage);
	tcase_add_test(tc, test_part_io);
	tcase_add_test(tc, test_part_rrpart);
	tcase_add_test(tc, test_part_proc_partitions);
	tcase_add_test(tc, test_part_sysfs);
	suite_add_tcase(s, tc);
	return s;
}
