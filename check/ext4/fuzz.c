/* The ext4 fuzzers' common part (fuzz.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/errno.h>

#include "fuzz.h"
#include "host.h"

void fuzz_init(struct ext4_fuzz *fz, const char *dir, const char *image,
	       uint64_t seed, unsigned int runs)
{
	char path[512], *list, *p, *dot;
	size_t len;

	memset(fz, 0, sizeof(*fz));
	snprintf(path, sizeof(path), "%s/%s", dir, image);
	dot = strstr(path, ".img");
	ck_assert_ptr_nonnull(dot);
	strcpy(dot, ".blocks");
	list = host_slurp(path, &len);
	ck_assert_msg(list != NULL, "no %s (make the ext4 test images)", path);
	list = realloc(list, len + 1);
	list[len] = 0;
	for (p = list;
	     *p && fz->nblocks < sizeof(fz->blocks) / sizeof(fz->blocks[0]);) {
		char *end;

		fz->blocks[fz->nblocks] = (uint32_t)strtoul(p, &end, 10);
		if (end == p)
			break;
		fz->nblocks++;
		p = end;
	}
	free(list);
	ck_assert_uint_gt(fz->nblocks, 10);
	fz->max_flips = 4;
	if (getenv("KOS_EXT4_FUZZ_FLIPS"))
		fz->max_flips = (unsigned int)strtoul(
			getenv("KOS_EXT4_FUZZ_FLIPS"), NULL, 0);
	if (!fz->max_flips)
		fz->max_flips = 1;
	fz->runs = runs;
	if (getenv("KOS_EXT4_FUZZ_RUNS"))
		fz->runs = (unsigned int)strtoul(getenv("KOS_EXT4_FUZZ_RUNS"),
						 NULL, 0);
	if (getenv("KOS_EXT4_FUZZ_SEED"))
		seed ^= strtoull(getenv("KOS_EXT4_FUZZ_SEED"), NULL, 0);
	fz->seed = fz->rng = seed;
}

void fuzz_add_block(struct ext4_fuzz *fz, uint32_t blk)
{
	for (size_t i = 0; i < fz->nblocks; i++)
		if (fz->blocks[i] == blk)
			return;
	if (fz->nblocks < sizeof(fz->blocks) / sizeof(fz->blocks[0]))
		fz->blocks[fz->nblocks++] = blk;
}

/* xorshift64: the stream; never 0 (a 0 seed would stay 0). */
uint32_t fuzz_rnd(struct ext4_fuzz *fz)
{
	if (!fz->rng)
		fz->rng = 0x9e3779b97f4a7c15ull;
	fz->rng ^= fz->rng << 13;
	fz->rng ^= fz->rng >> 7;
	fz->rng ^= fz->rng << 17;
	return (uint32_t)fz->rng;
}

void fuzz_seed_run(struct ext4_fuzz *fz, unsigned int r)
{
	/* splitmix64 of (seed, r): runs' streams do not overlap */
	uint64_t z = fz->seed + (r + 1) * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	fz->rng = z ^ (z >> 31);
}

void fuzz_flip(struct ext4_fuzz *fz, unsigned int r, uint8_t *img, size_t size)
{
	/* every other run a heavier one: up to ten times the bytes */
	unsigned int flips =
		1 + fuzz_rnd(fz) % (fz->max_flips * (r % 2 ? 10 : 1));

	for (unsigned int i = 0; i < flips; i++) {
		size_t blk = fz->blocks[fuzz_rnd(fz) % fz->nblocks];
		size_t off = blk * 1024 + fuzz_rnd(fz) % 1024;

		if (off < size)
			img[off] ^= (uint8_t)(1 + fuzz_rnd(fz) % 255);
	}
}

void fuzz_count(unsigned long *tab, int err)
{
	unsigned int e = (unsigned int)-err;

	tab[e < FUZZ_ERRNOS ? e : FUZZ_ERRNOS - 1]++;
}

void fuzz_print_errs(const unsigned long *tab)
{
	static const char *const names[] = {
		[EPERM] = "EPERM",
		[ENOENT] = "ENOENT",
		[EIO] = "EIO",
		[ENOMEM] = "ENOMEM",
		[EBUSY] = "EBUSY",
		[EEXIST] = "EEXIST",
		[EXDEV] = "EXDEV",
		[ENOTDIR] = "ENOTDIR",
		[EISDIR] = "EISDIR",
		[EINVAL] = "EINVAL",
		[EFBIG] = "EFBIG",
		[ENOSPC] = "ENOSPC",
		[EROFS] = "EROFS",
		[EMLINK] = "EMLINK",
		[ERANGE] = "ERANGE",
		[ENAMETOOLONG] = "ENAMETOOLONG",
		[ENOTEMPTY] = "ENOTEMPTY",
		[ELOOP] = "ELOOP",
		[ENODATA] = "ENODATA",
		[EOVERFLOW] = "EOVERFLOW",
		[EOPNOTSUPP] = "EOPNOTSUPP",
		[EUCLEAN] = "EUCLEAN",
		[EAGAIN] = "EAGAIN",
		[E2BIG] = "E2BIG",
	};
	int n = (int)(sizeof(names) / sizeof(names[0]));

	for (int e = 0; e < FUZZ_ERRNOS; e++)
		if (tab[e]) {
			if (e < n && names[e])
				printf(" %s %lu", names[e], tab[e]);
			else
				printf(" errno%d %lu", e, tab[e]);
		}
}
