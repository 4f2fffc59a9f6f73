/*
 * File-descriptor tables (see kos/fdtable.h).
 *
 * Slots grow by doubling up to the table's RLIMIT_NOFILE.  Every function
 * takes fdt->lock around slot changes and drops file references only after
 * releasing it, because the last file_put() runs release hooks that may
 * sleep or take the VFS lock.
 *
 * Every fd that leaves a table goes through fdt_release(): a table owns
 * POSIX record locks (kos/lock.h), and closing any fd for a file drops
 * all of the table's locks on that file.
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/lock.h>
#include <kos/notify.h>
#include <kos/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#define FDT_MIN_SLOTS 64

/*
 * f left one of fdt's slots (fdt->lock not held): POSIX's close rule
 * for the table's record locks, then the slot's reference.  NULL ignored.
 */
static void fdt_release(struct fdtable *fdt, struct file *f)
{
	if (!f)
		return;
	file_lock_close(f, fdt);
	if (f->fmode & FMODE_DNOTIFY)
		dnotify_close(f, fdt); /* Linux's dnotify_flush */
	file_put(f);
}

struct fdtable *fdtable_create(void)
{
	struct fdtable *fdt = kzalloc(sizeof(*fdt));

	if (!fdt)
		return NULL;
	mutex_init(&fdt->lock, "fdtable");
	fdt->refcnt = 1;
	fdt->nofile = FDT_DEFAULT_NOFILE;
	return fdt;
}

/* Make room for slot fd.  fdt->lock held.  0 or -ENOMEM. */
static int fdt_grow(struct fdtable *fdt, unsigned int fd)
{
	unsigned int n = fdt->size ? fdt->size : FDT_MIN_SLOTS;
	struct file **files;
	uint8_t *cloexec;

	if (fd < fdt->size)
		return 0;
	while (n <= fd)
		n *= 2;
	files = kzalloc(n * sizeof(*files));
	cloexec = kzalloc(n);
	if (!files || !cloexec) {
		kfree(files);
		kfree(cloexec);
		return -ENOMEM;
	}
	if (fdt->size) {
		kos_memcpy(files, fdt->files, fdt->size * sizeof(*files));
		kos_memcpy(cloexec, fdt->cloexec, fdt->size);
	}
	kfree(fdt->files);
	kfree(fdt->cloexec);
	fdt->files = files;
	fdt->cloexec = cloexec;
	fdt->size = n;
	return 0;
}

/* Lowest free fd >= minfd below the limit, or -EMFILE.  lock held. */
static int fdt_find_free(struct fdtable *fdt, unsigned int minfd)
{
	unsigned long fd;

	for (fd = minfd; fd < fdt->nofile; fd++)
		if (fd >= fdt->size || !fdt->files[fd])
			return (int)fd;
	return -EMFILE;
}

int fdt_install(struct fdtable *fdt, struct file *f, int minfd, bool cloexec)
{
	int fd;

	if (minfd < 0)
		return -EINVAL;
	/* Nothing free in [minfd, limit): Linux's alloc_fd says EMFILE. */
	if ((unsigned long)minfd >= fdt->nofile)
		return -EMFILE;
	mutex_lock(&fdt->lock);
	fd = fdt_find_free(fdt, (unsigned int)minfd);
	if (fd >= 0 && fdt_grow(fdt, (unsigned int)fd))
		fd = -ENOMEM;
	if (fd >= 0) {
		fdt->files[fd] = f;
		fdt->cloexec[fd] = cloexec;
	}
	mutex_unlock(&fdt->lock);
	return fd;
}

bool fdt_has_free(struct fdtable *fdt)
{
	int fd;

	mutex_lock(&fdt->lock);
	fd = fdt_find_free(fdt, 0);
	mutex_unlock(&fdt->lock);
	return fd >= 0;
}

struct file *fdt_get(struct fdtable *fdt, int fd)
{
	struct file *f = NULL;

	if (fd < 0)
		return NULL;
	mutex_lock(&fdt->lock);
	if ((unsigned int)fd < fdt->size && fdt->files[fd]) {
		f = fdt->files[fd];
		file_get(f);
	}
	mutex_unlock(&fdt->lock);
	return f;
}

struct file *fdt_get_light(struct fdtable *fdt, int fd, bool *counted)
{
	if (__atomic_load_n(&fdt->refcnt, __ATOMIC_ACQUIRE) != 1) {
		*counted = true;
		return fdt_get(fdt, fd);
	}
	*counted = false;
	if (fd < 0 || (unsigned int)fd >= fdt->size)
		return NULL;
	return fdt->files[fd];
}

int fdt_close(struct fdtable *fdt, int fd)
{
	struct file *f = NULL;

	if (fd < 0)
		return -EBADF;
	mutex_lock(&fdt->lock);
	if ((unsigned int)fd < fdt->size) {
		f = fdt->files[fd];
		fdt->files[fd] = NULL;
		fdt->cloexec[fd] = 0;
	}
	mutex_unlock(&fdt->lock);
	if (!f)
		return -EBADF;
	fdt_release(fdt, f);
	return 0;
}

int fdt_dup(struct fdtable *fdt, int oldfd, int minfd, bool cloexec)
{
	struct file *f;
	int fd;

	/* F_DUPFD's "arg >= limit" EINVAL is the caller's (fcntl) check. */
	if (minfd < 0)
		return -EINVAL;
	f = fdt_get(fdt, oldfd);
	if (!f)
		return -EBADF;
	fd = fdt_install(fdt, f, minfd, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

int fdt_dup3(struct fdtable *fdt, int oldfd, int newfd, int flags)
{
	struct file *f, *old = NULL;
	int err;

	if (flags != -1 && (flags & ~O_CLOEXEC))
		return -EINVAL;
	if (oldfd == newfd) {
		if (flags != -1)
			return -EINVAL; /* dup3 */
		f = fdt_get(fdt, oldfd);
		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	f = fdt_get(fdt, oldfd);
	if (!f)
		return -EBADF;
	if (newfd < 0 || (unsigned long)newfd >= fdt->nofile) {
		file_put(f);
		return -EBADF;
	}
	mutex_lock(&fdt->lock);
	err = fdt_grow(fdt, (unsigned int)newfd);
	if (!err) {
		old = fdt->files[newfd];
		fdt->files[newfd] = f;
		fdt->cloexec[newfd] = flags == O_CLOEXEC;
	}
	mutex_unlock(&fdt->lock);
	if (err) {
		file_put(f);
		return err;
	}
	fdt_release(fdt, old);
	return newfd;
}

int fdt_get_fdflags(struct fdtable *fdt, int fd)
{
	int r = -EBADF;

	if (fd < 0)
		return r;
	mutex_lock(&fdt->lock);
	if ((unsigned int)fd < fdt->size && fdt->files[fd])
		r = fdt->cloexec[fd] ? FD_CLOEXEC : 0;
	mutex_unlock(&fdt->lock);
	return r;
}

int fdt_set_fdflags(struct fdtable *fdt, int fd, int fdflags)
{
	int r = -EBADF;

	if (fd < 0)
		return r;
	mutex_lock(&fdt->lock);
	if ((unsigned int)fd < fdt->size && fdt->files[fd]) {
		fdt->cloexec[fd] = (fdflags & FD_CLOEXEC) != 0;
		r = 0;
	}
	mutex_unlock(&fdt->lock);
	return r;
}

/*
 * Close every fd for which pick says so (all when pick is NULL).  Files
 * are taken out under the lock and released one at a time after it.
 */
static void fdt_close_matching(struct fdtable *fdt, bool only_cloexec)
{
	for (unsigned int fd = 0;; fd++) {
		struct file *f = NULL;
		bool more;

		mutex_lock(&fdt->lock);
		more = fd < fdt->size;
		if (more && fdt->files[fd] &&
		    (!only_cloexec || fdt->cloexec[fd])) {
			f = fdt->files[fd];
			fdt->files[fd] = NULL;
			fdt->cloexec[fd] = 0;
		}
		mutex_unlock(&fdt->lock);
		if (!more)
			break;
		fdt_release(fdt, f);
	}
}

void fdtable_close_on_exec(struct fdtable *fdt)
{
	fdt_close_matching(fdt, true);
}

void fdtable_destroy(struct fdtable *fdt)
{
	if (!fdt)
		return;
	fdt_close_matching(fdt, false);
	kfree(fdt->files);
	kfree(fdt->cloexec);
	kfree(fdt);
}

struct fdtable *fdtable_clone(struct fdtable *fdt)
{
	struct fdtable *n = fdtable_create();

	if (!n)
		return NULL;
	mutex_lock(&fdt->lock);
	n->nofile = fdt->nofile;
	if (fdt->size && fdt_grow(n, fdt->size - 1)) {
		mutex_unlock(&fdt->lock);
		fdtable_destroy(n);
		return NULL;
	}
	for (unsigned int fd = 0; fd < fdt->size; fd++) {
		if (!fdt->files[fd])
			continue;
		n->files[fd] = fdt->files[fd];
		n->cloexec[fd] = fdt->cloexec[fd];
		file_get(n->files[fd]);
	}
	mutex_unlock(&fdt->lock);
	return n;
}

void fdtable_get(struct fdtable *fdt)
{
	__atomic_add_fetch(&fdt->refcnt, 1, __ATOMIC_RELAXED);
}

void fdtable_put(struct fdtable *fdt)
{
	if (fdt && __atomic_sub_fetch(&fdt->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		fdtable_destroy(fdt);
}

void fdtable_set_nofile(struct fdtable *fdt, unsigned long nofile)
{
	mutex_lock(&fdt->lock);
	fdt->nofile = nofile;
	mutex_unlock(&fdt->lock);
}
