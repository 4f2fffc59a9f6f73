/*
 * Hosted entropy: the host's getrandom().
 */
#include <errno.h>
#include <sys/random.h>

#include <kos/plat/random.h>

/* Fill buf from the host's random pool (blocks only before it is seeded). */
void plat_entropy(void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* leave the rest as it was: only a seed */
		}
		p += n;
		len -= (size_t)n;
	}
}
