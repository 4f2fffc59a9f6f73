/*
 * Per-process file-descriptor tables.
 *
 * A table maps small integers to referenced struct files, each slot with
 * its FD_CLOEXEC flag.  Slots grow on demand up to the RLIMIT_NOFILE soft
 * limit kept in the table (default 1024; past it: -EMFILE).  The table's
 * mutex guards the slots; file references are dropped after it is
 * released, so a file's release hook may sleep or take other locks.
 *
 * The fdt_* functions take an explicit table (unit-testable); the
 * fd_* ones act on the calling process's (proc_current()->fdt).
 */
#ifndef KOS_FDTABLE_H
#define KOS_FDTABLE_H

#include <kos/mutex.h>
#include <kos/types.h>

struct file;

#define FDT_DEFAULT_NOFILE 1024

struct fdtable {
	struct mutex lock;
	unsigned int refcnt;  /* atomic; threads sharing it */
	unsigned int size;    /* slots allocated */
	struct file **files;  /* lock */
	uint8_t *cloexec;     /* lock; 1 = FD_CLOEXEC */
	unsigned long nofile; /* RLIMIT_NOFILE soft limit; lock */
};

/* An empty table (refcount 1), or NULL if memory is short. */
struct fdtable *fdtable_create(void);
/* Close every fd and free the table, whatever its refcount. */
void fdtable_destroy(struct fdtable *fdt);
/* fork(): a copy sharing the same open files; NULL if memory short. */
struct fdtable *fdtable_clone(struct fdtable *fdt);
/* CLONE_FILES sharing: take / drop a reference (last put destroys). */
void fdtable_get(struct fdtable *fdt);
void fdtable_put(struct fdtable *fdt);
/* execve(): close every fd marked FD_CLOEXEC. */
void fdtable_close_on_exec(struct fdtable *fdt);
/* setrlimit(RLIMIT_NOFILE): fds already above stay open (as Linux). */
void fdtable_set_nofile(struct fdtable *fdt, unsigned long nofile);

/*
 * Install f (the caller's reference moves into the table) at the lowest
 * free fd >= minfd.  Returns the fd, or -EMFILE (the caller keeps its
 * reference), -EINVAL if minfd >= the limit.
 */
int fdt_install(struct fdtable *fdt, struct file *f, int minfd, bool cloexec);
/* fdt_install(fdt, f, 0, ...) would find an fd now (accept4's check). */
bool fdt_has_free(struct fdtable *fdt);
/* A new reference to the file at fd, or NULL. */
struct file *fdt_get(struct fdtable *fdt, int fd);
/* close(2): 0 or -EBADF. */
int fdt_close(struct fdtable *fdt, int fd);
/* dup(2), F_DUPFD(_CLOEXEC) at >= minfd: new fd or -EBADF/-EMFILE/-EINVAL */
int fdt_dup(struct fdtable *fdt, int oldfd, int minfd, bool cloexec);
/* dup2(2) (flags -1) and dup3(2) (flags 0 or O_CLOEXEC). */
int fdt_dup3(struct fdtable *fdt, int oldfd, int newfd, int flags);
/* F_GETFD / F_SETFD: FD_CLOEXEC bit or -EBADF. */
int fdt_get_fdflags(struct fdtable *fdt, int fd);
int fdt_set_fdflags(struct fdtable *fdt, int fd, int fdflags);

/*
 * The file at fd for the length of the calling thread's system call,
 * for the hot read/write path: if the table is not shared (refcnt 1: no
 * other thread can close or replace the fd meanwhile; only the owner
 * changes its table, and a read or write never does), the slot's own
 * reference serves, with no lock and no reference taken (*counted
 * false); otherwise fdt_get() (*counted true).  Release with
 * fd_put_light().  Linux's fdget() does the same.
 */
struct file *fdt_get_light(struct fdtable *fdt, int fd, bool *counted);

/* The same on the calling process's table. */
struct file *fd_get_file(int fd);
struct file *fd_get_light(int fd, bool *counted);
void fd_put_light(struct file *f, bool counted);
int fd_install(struct file *f, bool cloexec);

#endif
