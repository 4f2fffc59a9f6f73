/*
 * getrandom: bytes from the kernel's generator (kos/random.h), copied out
 * through a uio (kos/file.h) so that a fault part-way still returns the
 * bytes stored before it.
 */
#include <kos/file.h>
#include <kos/random.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM 0x2
#define GRND_INSECURE 0x4

/*
 * getrandom: the generator is seeded at first use, so it never blocks and
 * GRND_RANDOM draws from the same pool (as Linux 5.6+ does).
 */
SYSCALL_DEFINE3(getrandom, void __user *, buf, size_t, len,
		__as_hex unsigned int, flags)
{
	unsigned char tmp[256];
	struct uio u;

	if (flags &
	    ~(unsigned long)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	/* A bad page part-way: the bytes before it count (as Linux). */
	uio_init_user(&u, (unsigned long)buf, len);
	while (u.resid > 0) {
		size_t n = MIN(u.resid, sizeof(tmp));

		kos_random_bytes(tmp, n);
		if (uio_copyout(&u, tmp, n))
			break;
	}
	kos_memset(tmp, 0, sizeof(tmp));
	if (len && u.resid == len)
		return -EFAULT;
	return (long)(len - u.resid);
}
