/*
 * System calls that make the anonymous file types of kos/fdtypes.h:
 * eventfd, eventfd2, timerfd_create, timerfd_settime, timerfd_gettime,
 * signalfd and signalfd4; and memfd_create (a shmem file).  Argument
 * checks come in Linux's order (its errno when several are wrong); the
 * files do the rest.
 */
#include <kos/fdtable.h>
#include <kos/fdtypes.h>
#include <kos/file.h>
#include <kos/proc.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/kmalloc.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

/* Install a new file at the lowest free fd, or drop it. */
static long install(struct file *f, int flags)
{
	int fd;

	fd = fd_install(f, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

/* ---- eventfd ---------------------------------------------------------- */

#define EFD_FLAGS (O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE)

SYSCALL_DEFINE2(eventfd2, unsigned int, count, __as_hex int, flags)
{
	struct file *f;
	int err;

	if (flags & ~EFD_FLAGS)
		return -EINVAL;
	err = eventfd_create(count, flags, &f);
	return err ? err : install(f, flags);
}

SYSCALL_DEFINE1(eventfd, unsigned int, count)
{
	return sys_eventfd2(count, 0);
}

/* ---- timerfd ---------------------------------------------------------- */

#define TFD_CREATE_FLAGS (O_CLOEXEC | O_NONBLOCK)
#define TFD_SETTIME_FLAGS (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)

static bool is_alarm(int clockid)
{
	return clockid == CLOCK_REALTIME_ALARM ||
	       clockid == CLOCK_BOOTTIME_ALARM;
}

SYSCALL_DEFINE2(timerfd_create, int, clockid, __as_hex int, flags)
{
	struct proc *cur = proc_current();
	struct file *f;
	int err;

	if ((flags & ~TFD_CREATE_FLAGS) ||
	    (clockid != CLOCK_MONOTONIC && clockid != CLOCK_REALTIME &&
	     clockid != CLOCK_BOOTTIME && !is_alarm(clockid)))
		return -EINVAL;
	/* CAP_WAKE_ALARM: only root has it (KOS never suspends). */
	if (is_alarm(clockid) && cur && cur->cred.euid != 0)
		return -EPERM;
	err = timerfd_create(clockid, flags, &f);
	return err ? err : install(f, flags);
}

static bool ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
	       ts->tv_nsec < (int64_t)NSEC_PER_SEC;
}

/* The timerfd at fd, referenced: -EBADF, or -EINVAL for another file. */
static long timerfd_get(int fd, struct file **fp)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	if (!timerfd_is(f)) {
		file_put(f);
		return -EINVAL;
	}
	*fp = f;
	return 0;
}

SYSCALL_DEFINE4(timerfd_settime, __as_fd int, fd, __as_hex int, flags,
		const struct itimerspec __user *, unew,
		struct itimerspec __user *, uold)
{
	struct itimerspec nv, old;
	struct file *f;
	long err;

	if (copy_from_user(&nv, unew, sizeof(nv)))
		return -EFAULT;
	if ((flags & ~TFD_SETTIME_FLAGS) || !ts_valid(&nv.it_value) ||
	    !ts_valid(&nv.it_interval))
		return -EINVAL;
	err = timerfd_get(fd, &f);
	if (err)
		return err;
	timerfd_settime(f, flags, &nv, uold ? &old : NULL);
	file_put(f);
	return uold && copy_to_user(uold, &old, sizeof(old)) ? -EFAULT : 0;
}

SYSCALL_DEFINE2(timerfd_gettime, __as_fd int, fd, struct itimerspec __user *,
		ucur)
{
	struct itimerspec cur;
	struct file *f;
	long err = timerfd_get(fd, &f);

	if (err)
		return err;
	timerfd_gettime(f, &cur);
	file_put(f);
	return copy_to_user(ucur, &cur, sizeof(cur)) ? -EFAULT : 0;
}

/* ---- signalfd --------------------------------------------------------- */

#define SFD_FLAGS (O_CLOEXEC | O_NONBLOCK)

/* signalfd4 after the mask was read: create, or update fd's mask. */
static long do_signalfd(int fd, ksigset_t mask, int flags)
{
	struct file *f;
	long err;

	if (flags & ~SFD_FLAGS)
		return -EINVAL;
	if (fd == -1) {
		err = signalfd_create(mask, flags, &f);
		return err ? err : install(f, flags);
	}
	f = fd_get_file(fd);
	if (!f)
		return -EBADF;
	err = signalfd_set_mask(f, mask);
	file_put(f);
	return err ? err : fd;
}

SYSCALL_DEFINE4(signalfd4, __as_fd int, fd, const ksigset_t __user *, umask,
		size_t, sizemask, __as_hex int, flags)
{
	ksigset_t mask;

	if (sizemask != sizeof(mask))
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	return do_signalfd(fd, mask, flags);
}

SYSCALL_DEFINE3(signalfd, __as_fd int, fd, const ksigset_t __user *, umask,
		size_t, sizemask)
{
	return sys_signalfd4(fd, umask, sizemask, 0);
}

/* ---- memfd_create ------------------------------------------------------ */

#define MFD_CLOEXEC 0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#define MFD_HUGETLB 0x0004U
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#define MFD_HUGE_MASK (0x3fU << 26) /* MFD_HUGETLB's page size */
#define MFD_NAME_MAX 249	    /* NAME_MAX less "memfd:" */

/*
 * memfd_create: an unnamed shmem file, open read-write, that /proc shows
 * as "/memfd:NAME (deleted)", mode 0777 (0666 with MFD_NOEXEC_SEAL), as
 * Linux.  KOS has no huge pages (MFD_HUGETLB: ENOSYS, Linux without
 * hugetlbfs) and no seals yet: MFD_ALLOW_SEALING and MFD_NOEXEC_SEAL are
 * taken, but F_ADD_SEALS/F_GET_SEALS stay EINVAL (docs/filesystems.md).
 */
SYSCALL_DEFINE2(memfd_create, const char __user *, uname, __as_hex unsigned int,
		flags)
{
	char *name;
	struct file *f;
	long len;
	int err;

	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB |
		      MFD_NOEXEC_SEAL | MFD_EXEC | MFD_HUGE_MASK))
		return -EINVAL;
	if ((flags & MFD_HUGE_MASK) && !(flags & MFD_HUGETLB))
		return -EINVAL;
	if ((flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL))
		return -EINVAL;
	name = kmalloc(sizeof("/memfd:") + MFD_NAME_MAX + 1);
	if (!name)
		return -ENOMEM;
	kos_memcpy(name, "/memfd:", 7);
	len = strncpy_from_user(name + 7, uname, MFD_NAME_MAX + 1);
	if (len < 0) {
		kfree(name);
		return len == -ENAMETOOLONG ? -EINVAL : len;
	}
	if (flags & MFD_HUGETLB) {
		kfree(name);
		return -ENOSYS;
	}
	err = shmem_file_create_mode(0, (flags & MFD_NOEXEC_SEAL) ? 0666 : 0777,
				     &f);
	if (err) {
		kfree(name);
		return err;
	}
	f->flags |= O_LARGEFILE;
	f->oname = name;
	return install(f, (flags & MFD_CLOEXEC) ? O_CLOEXEC : 0);
}
