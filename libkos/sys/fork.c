/*
 * Creating and replacing processes: fork, vfork, clone, clone3 (the
 * engine is proc_clone, libkos/proc/fork.c), execve and execveat
 * (exec_program, libkos/proc/execve.c), and waiting for children: wait4
 * and waitid (proc_wait, libkos/proc/exit.c).  This file parses and
 * checks the arguments as Linux does, in Linux's order.
 */
#include <kos/exec.h>
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/pidfd.h>
#include <kos/proc.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/limits.h>
#include <uapi/sched.h>
#include <uapi/wait.h>

#include "fs_internal.h"

SYSCALL_DEFINE0(fork)
{
	struct clone_req r = { .exit_signal = SIGCHLD };

	return proc_clone(&r);
}

SYSCALL_DEFINE0(vfork)
{
	struct clone_req r = { .flags = CLONE_VM | CLONE_VFORK,
			       .exit_signal = SIGCHLD };

	return proc_clone(&r);
}

/* x86-64's argument order: flags, stack, parent_tid, child_tid, tls. */
SYSCALL_DEFINE5(clone, __as_hex unsigned long, flags, __as_ptr unsigned long,
		newsp, int __user *, parent_tid, int __user *, child_tid,
		__as_ptr unsigned long, tls)
{
	struct clone_req r = {
		.flags = flags & ~(unsigned long)CSIGNAL,
		.exit_signal = (int)(flags & CSIGNAL),
		.stack = newsp,
		.tls = tls,
		.parent_tid = (unsigned long)parent_tid,
		.child_tid = (unsigned long)child_tid,
		.pidfd = (unsigned long)parent_tid,
	};

	/* clone() returns the pidfd through parent_tid: not both. */
	if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID))
		return -EINVAL;
	/* Legacy: CLONE_DETACHED is ignored without CLONE_PIDFD. */
	if (!(flags & CLONE_PIDFD))
		r.flags &= ~(uint64_t)CLONE_DETACHED;
	return proc_clone(&r);
}

SYSCALL_DEFINE2(clone3, struct kclone_args __user *, uargs, size_t, size)
{
	struct kclone_args a;
	struct clone_req r;
	uint8_t extra;

	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	kos_memset(&a, 0, sizeof(a));
	if (copy_from_user(&a, uargs, MIN(size, sizeof(a))))
		return -EFAULT;
	/* Bytes past what KOS knows must be zero. */
	for (size_t off = sizeof(a); off < size; off++) {
		if (copy_from_user(&extra, (uint8_t *)uargs + off, 1))
			return -EFAULT;
		if (extra)
			return -E2BIG;
	}
	if (a.set_tid_size > 32 || (!a.set_tid && a.set_tid_size) ||
	    (a.set_tid && !a.set_tid_size))
		return -EINVAL;
	if ((a.exit_signal & ~(uint64_t)CSIGNAL) || a.exit_signal > _NSIG)
		return -EINVAL;
	if ((a.flags & CLONE_INTO_CGROUP) &&
	    (a.cgroup > INT32_MAX || size < CLONE_ARGS_SIZE_VER2))
		return -EINVAL;
	/* clone3_args_valid(): flags, signals, stack. */
	if (a.flags &
	    ~(0xffffffffULL | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP))
		return -EINVAL;
	if (a.flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME)))
		return -EINVAL;
	if ((a.flags & (CLONE_CLEAR_SIGHAND | CLONE_SIGHAND)) ==
	    (CLONE_CLEAR_SIGHAND | CLONE_SIGHAND))
		return -EINVAL;
	if ((a.flags & (CLONE_THREAD | CLONE_PARENT)) && a.exit_signal)
		return -EINVAL;
	if ((a.stack == 0) != (a.stack_size == 0))
		return -EINVAL;
	if (a.set_tid)
		return -EINVAL; /* choosing pids: not supported */
	r.flags = a.flags;
	r.exit_signal = (int)a.exit_signal;
	r.stack = a.stack ? a.stack + a.stack_size : 0;
	r.tls = a.tls;
	r.parent_tid = a.parent_tid;
	r.child_tid = a.child_tid;
	r.pidfd = a.pidfd;
	return proc_clone(&r);
}

/* ---- execve ---------------------------------------------------------- */

/* The stack rlimit decides how much argv/envp may hold (Linux). */
static size_t args_limit(void)
{
	uint64_t stack = proc_current()->rlim[RLIMIT_STACK].rlim_cur;
	uint64_t lim = (8ULL << 20) / 4 * 3;

	if (stack / 4 < lim)
		lim = stack / 4;
	if (lim < 32 * PAGE_SIZE)
		lim = 32 * PAGE_SIZE;
	return (size_t)lim;
}

/*
 * Copy a user argv/envp array into kernel strings (*out, NULL-terminated;
 * free with free_strings).  *total accumulates bytes plus pointer sizes
 * against limit.  -EFAULT, -E2BIG, -ENOMEM.
 */
static int copy_strings(const char __user *const __user *uv, char ***out,
			int *count, size_t *total, size_t limit)
{
	int n = 0, cap = 16, err = 0;
	char **v = kmalloc(cap * sizeof(char *));

	if (!v)
		return -ENOMEM;
	for (; uv; n++) {
		uint64_t up;
		char *s;
		long len;

		if (copy_from_user(&up, uv + n, sizeof(up))) {
			err = -EFAULT;
			break;
		}
		if (!up)
			break;
		if (n + 2 > cap) {
			char **nv = kmalloc(cap * 2 * sizeof(char *));

			if (!nv) {
				err = -ENOMEM;
				break;
			}
			kos_memcpy(nv, v, n * sizeof(char *));
			kfree(v);
			v = nv;
			cap *= 2;
		}
		s = kmalloc(EXEC_MAX_ARG_STRLEN);
		if (!s) {
			err = -ENOMEM;
			break;
		}
		len = strncpy_from_user(s, (const char *)up,
					EXEC_MAX_ARG_STRLEN);
		if (len < 0) {
			kfree(s);
			err = len == -ENAMETOOLONG ? -E2BIG : (int)len;
			break;
		}
		*total += (size_t)len + 1 + sizeof(char *);
		if (*total > limit) {
			kfree(s);
			err = -E2BIG;
			break;
		}
		v[n] = kstrdup(s);
		kfree(s);
		if (!v[n]) {
			err = -ENOMEM;
			break;
		}
	}
	v[n] = NULL;
	*out = v;
	*count = n;
	return err;
}

static void free_strings(char **v)
{
	for (int i = 0; v && v[i]; i++)
		kfree(v[i]);
	kfree(v);
}

static long do_execve(int dfd, const char __user *upath,
		      const char __user *const __user *uargv,
		      const char __user *const __user *uenvp, int flags)
{
	char *path = NULL, **argv = NULL, **envp = NULL, *fdname = NULL;
	struct exec_target t = { 0 };
	struct vnode *dir = NULL;
	struct file *dfile = NULL;
	size_t total = 0, limit;
	int argc = 0, envc = 0;
	long err;

	err = sys_get_path(upath, &path);
	if (err)
		return err;
	/* Linux looks at the name before the flags. */
	if (!path[0] && !(flags & AT_EMPTY_PATH)) {
		err = -ENOENT;
		goto out;
	}
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		err = -EINVAL;
		goto out;
	}
	if (!path[0]) {
		dfile = fd_get_file(dfd);
		if (!dfile) {
			err = -EBADF;
			goto out;
		}
	} else {
		err = sys_at_dir(dfd, path, false, &dir);
		if (err)
			goto out;
	}
	/* A program named through an fd is /dev/fd/N[/path], as Linux. */
	if (dfd != AT_FDCWD && path[0] != '/') {
		size_t n = kos_strlen(path) + 32;
		struct fdtable *fdt = sys_cur_fdt();
		int fdflags = fdt ? fdt_get_fdflags(fdt, dfd) : -EBADF;

		fdname = kmalloc(n);
		if (!fdname) {
			err = -ENOMEM;
			goto out;
		}
		if (path[0])
			kos_snprintf(fdname, n, "/dev/fd/%d/%s", dfd, path);
		else
			kos_snprintf(fdname, n, "/dev/fd/%d", dfd);
		t.fd_inaccessible = fdflags > 0 && (fdflags & FD_CLOEXEC);
	}
	t.dir = dir;
	t.path = path;
	t.file = dfile;
	t.nofollow = flags & AT_SYMLINK_NOFOLLOW;
	t.filename = fdname ? fdname : path;
	t.cwd = sys_cur_cwd();
	limit = args_limit();
	err = copy_strings(uargv, &argv, &argc, &total, limit);
	if (!err)
		err = copy_strings(uenvp, &envp, &envc, &total, limit);
	if (!err)
		err = exec_program(&t, argv, argc, envp, envc);
	if (t.cwd)
		vnode_put(t.cwd);
out:
	free_strings(argv);
	free_strings(envp);
	if (dir)
		vnode_put(dir);
	if (dfile)
		file_put(dfile);
	kfree(path);
	kfree(fdname);
	return err;
}

SYSCALL_DEFINE3(execve, const char __user *, path,
		const char __user *const __user *, argv,
		const char __user *const __user *, envp)
{
	return do_execve(AT_FDCWD, path, argv, envp, 0);
}

SYSCALL_DEFINE5(execveat, __as_fd int, dfd, const char __user *, path,
		const char __user *const __user *, argv,
		const char __user *const __user *, envp, __as_hex int, flags)
{
	return do_execve(dfd, path, argv, envp, flags);
}

/* ---- wait ------------------------------------------------------------ */

/* struct rusage from process times. */
static void fill_rusage(struct rusage *ru, const struct proc_times *t)
{
	kos_memset(ru, 0, sizeof(*ru));
	ru->ru_utime.tv_sec = (long)(t->utime / NSEC_PER_SEC);
	ru->ru_utime.tv_usec = (long)(t->utime % NSEC_PER_SEC / 1000);
	ru->ru_stime.tv_sec = (long)(t->stime / NSEC_PER_SEC);
	ru->ru_stime.tv_usec = (long)(t->stime % NSEC_PER_SEC / 1000);
	ru->ru_maxrss = (long)t->maxrss_kb;
	ru->ru_minflt = (long)t->minflt;
	ru->ru_majflt = (long)t->majflt;
	ru->ru_nvcsw = (long)t->nvcsw;
	ru->ru_nivcsw = (long)t->nivcsw;
}

SYSCALL_DEFINE4(wait4, int, pid, int __user *, wstatus, __as_hex int, options,
		struct rusage __user *, uru)
{
	struct kwait_result r;
	struct rusage ru;
	int which, id;
	long ret;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD |
			__WCLONE | __WALL))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid == -1) {
		which = P_ALL;
		id = 0;
	} else if (pid < 0) {
		which = P_PGID;
		id = -pid;
	} else if (pid == 0) {
		which = P_PGID;
		id = 0;
	} else {
		which = P_PID;
		id = pid;
	}
	kos_memset(&r, 0, sizeof(r));
	ret = proc_wait(which, id, (unsigned int)options | WEXITED, &r);
	if (ret <= 0)
		return ret;
	if (wstatus && copy_to_user(wstatus, &r.status, sizeof(int)))
		return -EFAULT;
	if (uru) {
		fill_rusage(&ru, &r.times);
		if (copy_to_user(uru, &ru, sizeof(ru)))
			return -EFAULT;
	}
	return ret;
}

SYSCALL_DEFINE5(waitid, int, which, int, upid, struct ksiginfo __user *, uinfo,
		__as_hex int, options, struct rusage __user *, uru)
{
	struct kwait_result r;
	struct ksiginfo info;
	struct rusage ru;
	bool nonblock_pidfd = false;
	long ret;

	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED |
			__WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	switch (which) {
	case P_ALL:
		break;
	case P_PID:
		if (upid <= 0)
			return -EINVAL;
		break;
	case P_PGID:
		if (upid < 0)
			return -EINVAL;
		break;
	case P_PIDFD: {
		struct file *f;
		struct proc *p;
		long err;

		if (upid < 0)
			return -EINVAL;
		err = pidfd_lookup(upid, &f, &p);
		if (err)
			return err;
		which = P_PID;
		upid = p->pid;
		if ((f->flags & O_NONBLOCK) && !(options & WNOHANG)) {
			options |= WNOHANG;
			nonblock_pidfd = true;
		}
		file_put(f);
		break;
	}
	default:
		return -EINVAL;
	}
	kos_memset(&r, 0, sizeof(r));
	ret = proc_wait(which, upid, (unsigned int)options, &r);
	if (ret < 0)
		return ret;
	if (!ret && nonblock_pidfd)
		return -EAGAIN;
	if (uru) {
		fill_rusage(&ru, &r.times);
		if (copy_to_user(uru, &ru, sizeof(ru)))
			return -EFAULT;
	}
	if (uinfo) {
		kos_memset(&info, 0, sizeof(info));
		if (ret > 0) {
			info.si_signo = SIGCHLD;
			info.si_code = r.code;
			info.chld.pid = r.pid;
			info.chld.uid = r.uid;
			info.chld.status = r.signo_status;
		}
		if (copy_to_user(uinfo, &info, sizeof(info)))
			return -EFAULT;
	}
	return 0;
}
