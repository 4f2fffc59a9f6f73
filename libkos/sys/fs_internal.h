/* Shared by libkos/sys/fs.c, fd.c and lock.c. */
#ifndef KOS_SYS_FS_INTERNAL_H
#define KOS_SYS_FS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

struct fdtable;

/*
 * An fd argument as Linux reads it (unsigned int): values above INT_MAX
 * are never valid descriptors (-1, a bad fd).
 */
static inline int fdarg(unsigned int fd)
{
	return fd > INT32_MAX ? -1 : (int)fd;
}

/*
 * The calling process's fd table (NULL for kernel threads), with its
 * limit synced to the process's RLIMIT_NOFILE.
 */
struct fdtable *sys_cur_fdt(void);

struct vnode;
struct vfs_cred;

/* The caller's credentials: fs ids, or the real ones for access(2). */
void sys_cur_cred(struct vfs_cred *c, bool real);
/* A new reference to the caller's cwd (the root for kernel threads). */
struct vnode *sys_cur_cwd(void);
/*
 * Copy a user path into a new PATH_MAX kernel buffer (*out, kfree it).
 * -EFAULT, -ENAMETOOLONG; an empty path is returned as "".
 */
long sys_get_path(const char *upath, char **out);
/*
 * The directory a *at() call starts from: the cwd for AT_FDCWD, else the
 * directory open on dfd (-EBADF, -ENOTDIR).  For an absolute path dfd is
 * not looked at.  With empty_ok, dfd may be any file (AT_EMPTY_PATH).
 * *out: new reference.
 */
int sys_at_dir(int dfd, const char *path, bool empty_ok, struct vnode **out);
/*
 * Resolve (dfd, user path) to a referenced vnode for cred with lflags
 * (LOOKUP_*).  With empty_path (AT_EMPTY_PATH), "" is dfd's own file;
 * otherwise "" is -ENOENT.
 */
int sys_user_lookup(int dfd, const char *upath, unsigned int lflags,
		    bool empty_path, const struct vfs_cred *cred,
		    struct vnode **out);
/* The caller's umask (022 for kernel threads). */
unsigned int sys_cur_umask(void);

struct file;

/*
 * fcntl(2)'s record-lock commands (F_GETLK, F_SETLK, F_SETLKW and the
 * F_OFD_ ones) on f, open at fd in fdt; arg is the user's struct flock
 * (sys/lock.c).  The result for fcntl to return.
 */
long sys_fcntl_lock(struct fdtable *fdt, int fd, struct file *f,
		    unsigned int cmd, unsigned long arg);

#endif
