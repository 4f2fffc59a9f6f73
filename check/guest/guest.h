/*
 * Tiny self-checking test helpers for guest programs (run on the host
 * Linux and on KOS; output must match line for line).  Each CHECK prints
 * nothing when it passes and "FAIL file:line: expr" when it fails; main
 * returns guest_done(), which prints "<name>: N checks, N failed".
 */
#ifndef GUEST_H
#define GUEST_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int guest_checks, guest_failed;

#define CHECK(expr)                                                     \
	do {                                                            \
		guest_checks++;                                         \
		if (!(expr)) {                                          \
			guest_failed++;                                 \
			printf("FAIL %s:%d: %s (errno %d)\n", __FILE__, \
			       __LINE__, #expr, errno);                 \
		}                                                       \
	} while (0)

/* A system call that must fail with exactly err. */
#define CHECK_ERR(call, err)                                                 \
	do {                                                                 \
		errno = 0;                                                   \
		long r_ = (long)(call);                                      \
		guest_checks++;                                              \
		if (r_ != -1 || errno != (err)) {                            \
			guest_failed++;                                      \
			printf("FAIL %s:%d: %s = %ld errno %d, want "        \
			       "-1 errno %d\n",                              \
			       __FILE__, __LINE__, #call, r_, errno, (err)); \
		}                                                            \
	} while (0)

static inline int guest_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, guest_checks, guest_failed);
	fflush(stdout);
	return guest_failed ? 1 : 0;
}

#endif
