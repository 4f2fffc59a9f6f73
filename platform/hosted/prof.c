/*
 * Hosted phase profile: where the host time of guest processes goes.
 *
 * With KOS_HOSTED_PROFILE=1 in the environment, the hosted platform adds
 * the host wall time (CLOCK_MONOTONIC) of a few phases of a guest
 * process's life (starting a stub, starting a stub thread, mirror
 * batches, killing a stub, waiting for guest code) and prints one line
 * per phase on stderr when the kernel exits: how often, the total and the
 * mean.  docs/hosted-seccomp.md ("Fork and exec: where the time goes")
 * has figures taken with it.  Off (the default), each phase costs one
 * test of a flag.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hosted.h"

bool hosted_prof_on;

static const char *const prof_names[HOSTED_PROF_MAX] = {
	[HOSTED_PROF_SPAWN] = "stub start (as create)",
	[HOSTED_PROF_SPAWN_WAIT] = "  of which: waiting for ready",
	[HOSTED_PROF_TSTART] = "stub thread start",
	[HOSTED_PROF_UNPARK] = "parked stub thread taken",
	[HOSTED_PROF_MIRROR] = "mirror batch",
	[HOSTED_PROF_MIRROR_FIRST] = "  first batch of a thread",
	[HOSTED_PROF_KILL] = "stub kill (as destroy)",
	[HOSTED_PROF_GUEST] = "waiting for the guest",
	[HOSTED_PROF_SPARE_PUT] = "stub made a spare (as destroy)",
	[HOSTED_PROF_SPARE_TAKE] = "spare stub taken (as create)",
};

static struct {
	uint64_t n, ns, items;
} prof[HOSTED_PROF_MAX];

uint64_t hosted_prof_now(void)
{
	struct timespec ts;

	if (!hosted_prof_on)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void hosted_prof_add(enum hosted_prof phase, uint64_t t0, uint64_t items)
{
	if (!hosted_prof_on || phase >= HOSTED_PROF_MAX)
		return;
	prof[phase].n++;
	prof[phase].ns += t0 ? hosted_prof_now() - t0 : 0;
	prof[phase].items += items;
}

void hosted_prof_init(void)
{
	const char *v = getenv("KOS_HOSTED_PROFILE");

	hosted_prof_on = v && *v && strcmp(v, "0");
}

void hosted_prof_dump(void)
{
	if (!hosted_prof_on)
		return;
	fprintf(stderr, "hosted profile: phase, count, total ms, mean us, "
			"items (mirror: operations)\n");
	for (int i = 0; i < HOSTED_PROF_MAX; i++)
		if (prof[i].n)
			fprintf(stderr,
				"hosted profile: %-30s %8llu %10.1f "
				"%9.1f %8llu\n",
				prof_names[i], (unsigned long long)prof[i].n,
				prof[i].ns / 1e6, prof[i].ns / 1e3 / prof[i].n,
				(unsigned long long)prof[i].items);
}
