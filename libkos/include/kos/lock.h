/*
 * File locks: flock(2) locks and fcntl(2) byte-range ("record") locks,
 * with Linux's semantics.  The system calls (libkos/sys/lock.c) turn the
 * user's requests into struct file_lock and call these.
 *
 * Three kinds, told apart by who owns a lock:
 *
 *   FILE_LOCK_POSIX  fcntl F_SETLK/F_SETLKW.  Owned by the fd table the
 *                    request came through, as Linux's are owned by its
 *                    files_struct: in practice the process (its threads
 *                    share the table; a fork child gets a table of its
 *                    own, so it inherits none).  All the owner's locks
 *                    on a file go when the owner closes ANY fd for that
 *                    file (file_lock_close(), called by fdtable.c), which
 *                    covers exit and exec's close-on-exec too.
 *   FILE_LOCK_OFD    F_OFD_SETLK/F_OFD_SETLKW.  Owned by the open file
 *                    description (struct file): shared by dup and fork,
 *                    released with its last reference (file_lock_release()
 *                    from file_put()).
 *   FILE_LOCK_FLOCK  flock(2): whole-file, owned by the open file
 *                    description like OFD locks, but on a list of their
 *                    own: flock and fcntl locks never conflict.
 *
 * POSIX and OFD locks share one list per file and conflict with each
 * other when their owners differ (a process's OFD lock conflicts with its
 * own POSIX lock).  Each owner's locks form one run in that list, sorted
 * by start, never overlapping, neighbours of one type merged; runs stand
 * in the order their owners first locked, which is the order F_GETLK
 * finds conflicts in (as Linux's list).
 *
 * Locking: one mutex guards every file's lock lists and the list of
 * blocked requests.  A blocked request sleeps without it, on a wait queue
 * of its own, until the lock it waits for changes or goes (or a signal).
 */
#ifndef KOS_LOCK_H
#define KOS_LOCK_H

#include <kos/list.h>
#include <kos/types.h>

struct file;
struct vnode;

#define FILE_LOCK_POSIX 1
#define FILE_LOCK_OFD 2
#define FILE_LOCK_FLOCK 3

/* The largest file offset (Linux's OFFSET_MAX): end of a lock to EOF. */
#define FILE_LOCK_MAX INT64_MAX

/*
 * One lock, or a request for one.  For a request, link is unused; type
 * may also be F_UNLCK (remove the range).
 */
struct file_lock {
	struct list_head link; /* on the file's list; lock.c's mutex */
	int64_t start, end;    /* bytes [start, end]; end FILE_LOCK_MAX: EOF */
	int type;	       /* F_RDLCK, F_WRLCK (uapi/fcntl.h) */
	int kind;	       /* FILE_LOCK_* */
	const void *owner;     /* fd table (POSIX), struct file (OFD, flock) */
	int pid;	       /* tgid of the process that set it (POSIX) */
};

/*
 * F_SETLK/F_SETLKW and the OFD ones: apply req (kind POSIX or OFD, type
 * F_RDLCK/F_WRLCK/F_UNLCK, owner, pid) to v's locks, splitting, merging
 * and converting the owner's own locks as needed.  A conflicting lock of
 * another owner makes it -EAGAIN, or with wait, sleep until it is gone:
 * -ERESTARTSYS if a signal comes first, -EDEADLK (POSIX requests only) if
 * the wait would close a cycle of owners waiting for each other.
 * -ENOLCK if memory is short.  req is not changed.
 */
int file_lock_posix(struct vnode *v, const struct file_lock *req, bool wait);

/*
 * F_GETLK/F_OFD_GETLK: the first of v's POSIX and OFD locks that would
 * conflict with req (type F_RDLCK/F_WRLCK), copied into *req; or, if none
 * does, req->type = F_UNLCK and the rest unchanged.  A request of type
 * F_UNLCK (F_OFD_GETLK only) finds the first lock of req's own owner that
 * overlaps it instead, as Linux does.
 */
void file_lock_test(struct vnode *v, struct file_lock *req);

/*
 * flock(2) on f: type F_RDLCK (LOCK_SH), F_WRLCK (LOCK_EX) or F_UNLCK.
 * Converting first drops f's old lock, as Linux does, so a conversion
 * that fails has lost it.  0, -EAGAIN (a conflict and !wait),
 * -ERESTARTSYS, -ENOLCK.
 */
int file_lock_flock(struct file *f, int type, bool wait);

/*
 * The POSIX rule for close: owner (an fd table) is closing an fd for f,
 * so all its POSIX locks on f's file go.  Called for every fd leaving a
 * table (close, dup2 over it, close-on-exec, the table's end).
 */
void file_lock_close(struct file *f, const void *owner);

/* f's last reference is gone: its OFD and flock locks go. */
void file_lock_release(struct file *f);

/*
 * Copy v's POSIX and OFD locks, in list order, into out[0..max) (tests
 * and debugging).  Returns how many v has (may exceed max).
 */
int file_lock_list(struct vnode *v, struct file_lock *out, int max);

#endif
