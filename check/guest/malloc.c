/* malloc stress: many sizes, patterns checked, everything freed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"

#define SLOTS 1000

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

int main(void)
{
	static unsigned char *p[SLOTS];
	static size_t sz[SLOTS];
	int corrupt = 0;

	for (int step = 0; step < 50000; step++) {
		int i = rnd() % SLOTS;

		if (p[i]) {
			for (size_t k = 0; k < sz[i]; k += 97)
				corrupt += p[i][k] != (unsigned char)(i ^ k);
			free(p[i]);
			p[i] = NULL;
			continue;
		}
		sz[i] = 1 + rnd() % (rnd() % 16 ? 512 : 300000);
		p[i] = malloc(sz[i]);
		CHECK(p[i] != NULL);
		if (!p[i])
			break;
		CHECK(((uintptr_t)p[i] & 15) == 0);
		for (size_t k = 0; k < sz[i]; k += 97)
			p[i][k] = (unsigned char)(i ^ k);
	}
	CHECK(corrupt == 0);
	for (int i = 0; i < SLOTS; i++)
		free(p[i]);

	void *big = calloc(1, 64 << 20);
	CHECK(big != NULL);
	if (big) {
		CHECK(((char *)big)[12345678] == 0);
		memset(big, 1, 64 << 20);
		free(big);
	}
	void *r = realloc(NULL, 10);
	CHECK(r != NULL);
	r = realloc(r, 100000);
	CHECK(r != NULL);
	free(r);
	return guest_done("malloc");
}
