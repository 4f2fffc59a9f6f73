/*
 * Private to libkos/blk: the partition-table readers (part.c) and what
 * they hand the registry (blkdev.c).
 */
#ifndef KOS_BLK_INTERNAL_H
#define KOS_BLK_INTERNAL_H

#include <kos/blkdev.h>

#define BLK_MAX_PARTS (BLK_PARTS - 1) /* partition numbers 1..255 */

/* A disk's partition table as read: parts[n] is partition n (1..255). */
struct blk_table {
	const char *kind; /* "gpt", "dos" or NULL: no table */
	struct {
		uint64_t start;	   /* first sector (BLK_SECTOR units) */
		uint64_t nsectors; /* 0: no partition n */
		char volname[BLK_VOLNAME];
	} parts[BLK_PARTS];
};

/*
 * Read disk's partition table into t (zeroed first): GPT if the disk has
 * a protective MBR (or "gpt" is on the command line), else an MBR with
 * its logical partitions, else nothing.  Entries are as the table says,
 * not yet checked against the disk's size.  0, or -ENOMEM; a table that
 * does not check out (or an I/O error) is no table, with a log line.
 */
int blk_read_table(struct kos_blkdev *disk, struct blk_table *t);

#endif
