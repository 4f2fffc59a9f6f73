/*
 * The ext4 fuzzers' common part (check/ext4/fuzz.c): a seeded random
 * stream, the list of an image's metadata blocks (scripts/mkext4-test's
 * fuzz-*.blocks), flipping random bytes in them, and tables of errors
 * by errno with a printer.  The read-only fuzz (check_ext4.c) and the
 * read-write one (check_ext4rwfuzz.c) drive the kernel themselves.
 */
#ifndef CHECK_EXT4_FUZZ_H
#define CHECK_EXT4_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_ERRNOS 200

struct ext4_fuzz {
	uint64_t seed, rng;
	uint32_t blocks[512]; /* metadata blocks (1 KiB) to flip bytes in */
	size_t nblocks;
	unsigned int runs;	/* runs to do */
	unsigned int max_flips; /* at most this many bytes a run (x10 odd) */
};

/*
 * Read image's block list from dir (image "x.img": "x.blocks") and the
 * hand-soak overrides: KOS_EXT4_FUZZ_RUNS=N, KOS_EXT4_FUZZ_SEED=S
 * (xored into seed), KOS_EXT4_FUZZ_FLIPS=F (default 4).
 */
void fuzz_init(struct ext4_fuzz *fz, const char *dir, const char *image,
	       uint64_t seed, unsigned int runs);
/* Add a block to flip bytes in (if not there yet and there is room). */
void fuzz_add_block(struct ext4_fuzz *fz, uint32_t blk);
/* The next number of the stream. */
uint32_t fuzz_rnd(struct ext4_fuzz *fz);
/* Restart the stream for run r alone (so a run replays by itself). */
void fuzz_seed_run(struct ext4_fuzz *fz, unsigned int r);
/*
 * Flip the bytes of run r in the image img of size bytes: 1..F of them,
 * 1..10 F on odd runs, at random offsets in random listed blocks.
 */
void fuzz_flip(struct ext4_fuzz *fz, unsigned int r, uint8_t *img, size_t size);
/* Count -err (an errno) in tab[FUZZ_ERRNOS]. */
void fuzz_count(unsigned long *tab, int err);
/* " NAME count" for every errno counted in tab, on stdout. */
void fuzz_print_errs(const unsigned long *tab);

#endif
