/*
 * System-call handlers: each one declared once, here, and defined once,
 * with SYSCALL_DEFINEn() in libkos/sys/.
 *
 * SYSCALLS_IMPLEMENTED lists every handler in x86-64 number order with
 * its C prototype.  It declares sys_<name>() for every caller (the
 * dispatcher, other handlers, unit tests) and tells libkos/sys/table.c
 * which numbers have a handler.  A handler is defined like this:
 *
 *	SYSCALL_DEFINE4(openat, __as_fd int, dfd, const char __user *, path,
 *			__as_hex int, flags, __as_oct umode_t, mode)
 *	{
 *		...
 *	}
 *
 * The name is Linux's (it must have an __NR_ number in uapi/unistd.h);
 * then come (type, name) pairs with the C type Linux gives the argument.
 * The macro defines the typed function sys_openat() with the body that
 * follows, and the argument description the table stores for it
 * (syscall_desc_openat): its entry point, which takes the six raw
 * registers and converts each to its declared type before it calls
 * sys_openat(), and how the trace shows each argument.
 *
 * The conversion is the one Linux's own wrappers do: an argument declared
 * int or unsigned int is the low 32 bits of its register, whatever the
 * upper half holds, so openat(0xffffffff00000000 | AT_FDCWD, ...) is
 * openat(AT_FDCWD, ...).  Declare the type Linux declares, and the width
 * follows.
 *
 * How debug=syscall shows an argument follows from its type:
 *	signed integer		decimal
 *	unsigned integer	unsigned decimal
 *	const char *		a user string, quoted and escaped as strace
 *				does (so user buffers are void *, not char *)
 *	any other pointer	NULL or hex
 * and one of these marks in front of an integer type chooses otherwise:
 *	__as_fd		a descriptor (int or unsigned int): decimal, -100
 *			as AT_FDCWD
 *	__as_hex	hex: flags, commands, lengths of mappings
 *	__as_oct	octal: permission bits
 *	__as_ptr	an address held in an unsigned long: NULL or hex
 * The trace reads each register at the width of its type, so it shows
 * the value the handler saw.  C cannot tell a typedef from the type it
 * names, hence marks rather than types such as fd_t; a mark that does not
 * fit its type (__as_fd on a long, __as_hex on a pointer) does not
 * compile.
 *
 * Mistakes do not compile either: SYSCALL_DEFINEn() checks that the
 * definition has exactly the types of the prototype listed here (a
 * handler that is not listed is an error too), and the table refers to
 * syscall_desc_<name> of every listed handler, so a listed handler that is
 * never defined does not link.  scripts/check-lto (make check) links the
 * system-call code with -flto, which catches any other declaration that
 * disagrees with a definition.
 *
 * Handlers return the result or -EXXX, which goes to user space in rax
 * as it is.  They run on the calling thread's kernel stack with
 * interrupts enabled and may sleep; they touch user memory only through
 * kos/uaccess.h.  File handlers act on proc_current(): its fd table, its
 * cwd (NULL: the root) and its credentials; new files get the mode minus
 * a umask of 022 until processes carry one.
 */
#ifndef KOS_SYSCALLS_H
#define KOS_SYSCALLS_H

#include <kos/types.h>
#include <kos/uaccess.h>
#include <uapi/signal.h>

struct cap_data;
struct cap_header;
struct iovec;
struct itimerspec;
struct itimerval;
struct kclone_args;
struct mmsghdr;
struct msghdr;
struct new_utsname;
struct pollfd;
struct rusage;
struct rlimit64;
struct robust_list_head;
struct stat;
struct statx;
struct timespec;
struct timeval;
struct timezone;
struct tms;
struct file_handle;
struct sembuf;
struct mq_attr;
struct epoll_event_k;
struct sysinfo_k;
struct statfs_k;
struct pselect_sig;
struct utimbuf_k;

/* How the trace shows an argument (see above). */
enum syscall_arg_kind {
	SYSCALL_ARG_DEC,  /* signed decimal */
	SYSCALL_ARG_UDEC, /* unsigned decimal */
	SYSCALL_ARG_HEX,
	SYSCALL_ARG_OCT,
	SYSCALL_ARG_FD,	 /* decimal, AT_FDCWD by name */
	SYSCALL_ARG_PTR, /* NULL or hex */
	SYSCALL_ARG_STR, /* user string */
};

struct syscall_arg {
	uint8_t kind; /* enum syscall_arg_kind */
	uint8_t size; /* bytes of the C type: how much of the register counts */
};

/* What SYSCALL_DEFINEn() gives the table for one handler. */
struct syscall_desc {
	/* Converts regs[0..5] (rdi, rsi, rdx, r10, r8, r9), calls sys_<name>. */
	long (*call)(const unsigned long regs[6]);
	uint8_t nargs;
	struct syscall_arg args[6];
};

/* clang-format off */
#define SYSCALLS_IMPLEMENTED(X) \
	X(read, unsigned int fd, void __user *buf, size_t count) \
	X(write, unsigned int fd, const void __user *buf, size_t count) \
	X(open, const char __user *path, int flags, umode_t mode) \
	X(close, unsigned int fd) \
	X(stat, const char __user *path, struct stat __user *statbuf) \
	X(fstat, unsigned int fd, struct stat __user *statbuf) \
	X(lstat, const char __user *path, struct stat __user *statbuf) \
	X(poll, struct pollfd __user *ufds, unsigned int nfds, int timeout_msecs) \
	X(lseek, unsigned int fd, long off, unsigned int whence) \
	X(mmap, unsigned long addr, unsigned long len, unsigned long prot, \
	  unsigned long flags, int fd, unsigned long off) \
	X(mprotect, unsigned long addr, size_t len, unsigned long prot) \
	X(munmap, unsigned long addr, size_t len) \
	X(brk, unsigned long newbrk) \
	X(rt_sigaction, int sig, const struct ksigaction __user *act, \
	  struct ksigaction __user *oact, size_t sigsetsize) \
	X(rt_sigprocmask, int how, const ksigset_t __user *set, \
	  ksigset_t __user *oset, size_t sigsetsize) \
	X(rt_sigreturn, void) \
	X(ioctl, unsigned int fd, unsigned int cmd, unsigned long arg) \
	X(pread64, unsigned int fd, void __user *buf, size_t count, long pos) \
	X(pwrite64, unsigned int fd, const void __user *buf, size_t count, \
	  long pos) \
	X(readv, unsigned int fd, const struct iovec __user *iov, \
	  unsigned long iovcnt) \
	X(writev, unsigned int fd, const struct iovec __user *iov, \
	  unsigned long iovcnt) \
	X(access, const char __user *path, int mode) \
	X(pipe, int __user *fds) \
	X(select, int n, uint64_t __user *inp, uint64_t __user *outp, uint64_t __user *exp, struct timeval __user *tvp) \
	X(sched_yield, void) \
	X(msync, unsigned long addr, size_t len, int flags) \
	X(madvise, unsigned long addr, size_t len, int advice) \
	X(shmget, int key, size_t size, int shmflg) \
	X(shmat, int shmid, unsigned long shmaddr, int shmflg) \
	X(shmctl, int shmid, int cmd, void __user *buf) \
	X(dup, unsigned int fd) \
	X(dup2, unsigned int oldfd, unsigned int newfd) \
	X(pause, void) \
	X(nanosleep, const struct timespec __user *req, \
	  struct timespec __user *rem) \
	X(getitimer, int which, struct itimerval __user *value) \
	X(alarm, unsigned int seconds) \
	X(setitimer, int which, const struct itimerval __user *value, struct itimerval __user *ovalue) \
	X(getpid, void) \
	X(sendfile, int out_fd, int in_fd, int64_t __user *offset, size_t count) \
	X(socket, int family, int type, int protocol) \
	X(connect, int fd, void __user *uaddr, int addrlen) \
	X(accept, int fd, void __user *uaddr, int __user *ulen) \
	X(sendto, int fd, void __user *buf, size_t len, unsigned int flags, \
	  void __user *uaddr, int addrlen) \
	X(recvfrom, int fd, void __user *buf, size_t len, unsigned int flags, \
	  void __user *uaddr, int __user *ulen) \
	X(sendmsg, int fd, struct msghdr __user *msg, unsigned int flags) \
	X(recvmsg, int fd, struct msghdr __user *msg, unsigned int flags) \
	X(shutdown, int fd, int how) \
	X(bind, int fd, void __user *uaddr, int addrlen) \
	X(listen, int fd, int backlog) \
	X(getsockname, int fd, void __user *uaddr, int __user *ulen) \
	X(getpeername, int fd, void __user *uaddr, int __user *ulen) \
	X(socketpair, int family, int type, int protocol, int __user *sv) \
	X(setsockopt, int fd, int level, int name, void __user *val, int len) \
	X(getsockopt, int fd, int level, int name, void __user *val, \
	  int __user *len) \
	X(clone, unsigned long flags, unsigned long newsp, int __user *parent_tid, int __user *child_tid, unsigned long tls) \
	X(fork, void) \
	X(vfork, void) \
	X(execve, const char __user *path, const char __user *const __user *argv, const char __user *const __user *envp) \
	X(exit, int code) \
	X(wait4, int pid, int __user *wstatus, int options, struct rusage __user *ru) \
	X(kill, int pid, int sig) \
	X(uname, struct new_utsname __user *buf) \
	X(semget, int key, int nsems, int semflg) \
	X(semop, int semid, struct sembuf __user *sops, unsigned int nsops) \
	X(semctl, int semid, int semnum, int cmd, unsigned long arg) \
	X(shmdt, unsigned long addr) \
	X(msgget, int key, int msgflg) \
	X(msgsnd, int msqid, const void __user *msgp, size_t msgsz, int msgflg) \
	X(msgrcv, int msqid, void __user *msgp, size_t msgsz, long msgtyp, int msgflg) \
	X(msgctl, int msqid, int cmd, void __user *buf) \
	X(fcntl, unsigned int fd, unsigned int cmd, unsigned long arg) \
	X(flock, unsigned int fd, unsigned int cmd) \
	X(fsync, unsigned int fd) \
	X(fdatasync, unsigned int fd) \
	X(truncate, const char __user *path, long length) \
	X(ftruncate, unsigned int fd, long length) \
	X(getcwd, char __user *buf, unsigned long size) \
	X(chdir, const char __user *path) \
	X(fchdir, unsigned int fd) \
	X(rename, const char __user *opath, const char __user *npath) \
	X(mkdir, const char __user *path, umode_t mode) \
	X(rmdir, const char __user *path) \
	X(creat, const char __user *path, umode_t mode) \
	X(link, const char __user *opath, const char __user *npath) \
	X(unlink, const char __user *path) \
	X(symlink, const char __user *target, const char __user *path) \
	X(readlink, const char __user *path, char __user *buf, int bufsiz) \
	X(chmod, const char __user *path, umode_t mode) \
	X(fchmod, unsigned int fd, umode_t mode) \
	X(chown, const char __user *path, unsigned int uid, unsigned int gid) \
	X(fchown, unsigned int fd, unsigned int uid, unsigned int gid) \
	X(lchown, const char __user *path, unsigned int uid, unsigned int gid) \
	X(umask, unsigned int mask) \
	X(gettimeofday, struct timeval __user *tv, struct timezone __user *tz) \
	X(getrlimit, unsigned int resource, struct rlimit64 __user *rl) \
	X(getrusage, int who, struct rusage __user *ru) \
	X(sysinfo, struct sysinfo_k __user *info) \
	X(times, struct tms __user *buf) \
	X(getuid, void) \
	X(getgid, void) \
	X(setuid, unsigned int uid) \
	X(setgid, unsigned int gid) \
	X(geteuid, void) \
	X(getegid, void) \
	X(setpgid, int pid, int pgid) \
	X(getppid, void) \
	X(getpgrp, void) \
	X(setsid, void) \
	X(setreuid, unsigned int ruid, unsigned int euid) \
	X(setregid, unsigned int rgid, unsigned int egid) \
	X(getgroups, int size, unsigned int __user *list) \
	X(setgroups, int size, const unsigned int __user *list) \
	X(setresuid, unsigned int ruid, unsigned int euid, unsigned int suid) \
	X(getresuid, unsigned int __user *ruid, unsigned int __user *euid, unsigned int __user *suid) \
	X(setresgid, unsigned int rgid, unsigned int egid, unsigned int sgid) \
	X(getresgid, unsigned int __user *rgid, unsigned int __user *egid, unsigned int __user *sgid) \
	X(getpgid, int pid) \
	X(setfsuid, unsigned int uid) \
	X(setfsgid, unsigned int gid) \
	X(getsid, int pid) \
	X(capget, struct cap_header __user *hdr, struct cap_data __user *data) \
	X(capset, struct cap_header __user *hdr, const struct cap_data __user *data) \
	X(rt_sigpending, ksigset_t __user *set, size_t sigsetsize) \
	X(rt_sigtimedwait, const ksigset_t __user *set, struct ksiginfo __user *info, const struct timespec __user *ts, size_t sigsetsize) \
	X(rt_sigqueueinfo, int pid, int sig, const struct ksiginfo __user *info) \
	X(rt_sigsuspend, const ksigset_t __user *mask, size_t sigsetsize) \
	X(sigaltstack, const struct kstack __user *ss, struct kstack __user *oss) \
	X(utime, const char __user *path, const struct utimbuf_k __user *times) \
	X(mknod, const char __user *path, umode_t mode, unsigned int dev) \
	X(personality, unsigned int persona) \
	X(statfs, const char __user *path, struct statfs_k __user *buf) \
	X(fstatfs, unsigned int fd, struct statfs_k __user *buf) \
	X(getpriority, int which, int who) \
	X(setpriority, int which, int who, int niceval) \
	X(sched_setparam, int pid, const int __user *param) \
	X(sched_getparam, int pid, int __user *param) \
	X(sched_setscheduler, int pid, int policy, const int __user *param) \
	X(sched_getscheduler, int pid) \
	X(sched_get_priority_max, int policy) \
	X(sched_get_priority_min, int policy) \
	X(sched_rr_get_interval, int pid, struct timespec __user *interval) \
	X(prctl, int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5) \
	X(arch_prctl, int code, unsigned long addr) \
	X(setrlimit, unsigned int resource, const struct rlimit64 __user *rl) \
	X(chroot, const char __user *upath) \
	X(sync) \
	X(mount, const char __user *usource, const char __user *utarget, const char __user *utype, unsigned long flags, const void __user *udata) \
	X(umount2, const char __user *utarget, int flags) \
	X(pivot_root, const char __user *unew, const char __user *uold) \
	X(reboot, int magic1, int magic2, unsigned int cmd, void __user *arg) \
	X(sethostname, const char __user *name, int len) \
	X(setdomainname, const char __user *name, int len) \
	X(gettid, void) \
	X(readahead, int fd, long off, size_t count) \
	X(setxattr, const char __user *path, const char __user *name, const void __user *value, size_t size, int flags) \
	X(lsetxattr, const char __user *path, const char __user *name, const void __user *value, size_t size, int flags) \
	X(fsetxattr, int fd, const char __user *name, const void __user *value, size_t size, int flags) \
	X(getxattr, const char __user *path, const char __user *name, void __user *value, size_t size) \
	X(lgetxattr, const char __user *path, const char __user *name, void __user *value, size_t size) \
	X(fgetxattr, int fd, const char __user *name, void __user *value, size_t size) \
	X(listxattr, const char __user *path, void __user *list, size_t size) \
	X(llistxattr, const char __user *path, void __user *list, size_t size) \
	X(flistxattr, int fd, void __user *list, size_t size) \
	X(removexattr, const char __user *path, const char __user *name) \
	X(lremovexattr, const char __user *path, const char __user *name) \
	X(fremovexattr, int fd, const char __user *name) \
	X(tkill, int tid, int sig) \
	X(time, int64_t __user *tloc) \
	X(futex, unsigned int __user *uaddr, int op, unsigned int val, const struct timespec __user *ts, unsigned int __user *uaddr2, unsigned int val3) \
	X(sched_setaffinity, int pid, unsigned int len, const unsigned long __user *mask) \
	X(sched_getaffinity, int pid, unsigned int len, unsigned long __user *mask) \
	X(epoll_create, int size) \
	X(getdents64, unsigned int fd, void __user *dirent, unsigned int count) \
	X(set_tid_address, int __user *tidptr) \
	X(restart_syscall, void) \
	X(semtimedop, int semid, struct sembuf __user *sops, unsigned int nsops, const struct timespec __user *timeout) \
	X(fadvise64, int fd, long off, long len, int advice) \
	X(timer_create, int clockid, struct ksigevent __user *sev, int __user *timerid) \
	X(timer_settime, int timerid, int flags, const struct itimerspec __user *new_value, struct itimerspec __user *old_value) \
	X(timer_gettime, int timerid, struct itimerspec __user *value) \
	X(timer_getoverrun, int timerid) \
	X(timer_delete, int timerid) \
	X(clock_gettime, int id, struct timespec __user *tp) \
	X(clock_getres, int id, struct timespec __user *tp) \
	X(clock_nanosleep, int id, int flags, \
	  const struct timespec __user *req, struct timespec __user *rem) \
	X(exit_group, int code) \
	X(epoll_wait, int epfd, struct epoll_event_k __user *events, int maxevents, int timeout) \
	X(epoll_ctl, int epfd, int op, int fd, struct epoll_event_k __user *uev) \
	X(tgkill, int tgid, int tid, int sig) \
	X(utimes, const char __user *path, const struct timeval __user *utimes) \
	X(mq_open, const char __user *name, int oflag, umode_t mode, struct mq_attr __user *attr) \
	X(mq_unlink, const char __user *name) \
	X(mq_timedsend, int mqdes, const char __user *msg, size_t len, unsigned int prio, const struct timespec __user *abs_timeout) \
	X(mq_timedreceive, int mqdes, char __user *msg, size_t len, unsigned int __user *prio, const struct timespec __user *abs_timeout) \
	X(mq_notify, int mqdes, const struct ksigevent __user *sev) \
	X(mq_getsetattr, int mqdes, const struct mq_attr __user *newattr, struct mq_attr __user *oldattr) \
	X(waitid, int which, int pid, struct ksiginfo __user *info, int options, struct rusage __user *ru) \
	X(inotify_init) \
	X(inotify_add_watch, int fd, const char __user *path, uint32_t mask) \
	X(inotify_rm_watch, int fd, int32_t wd) \
	X(openat, int dfd, const char __user *path, int flags, umode_t mode) \
	X(mkdirat, int dfd, const char __user *upath, umode_t mode) \
	X(mknodat, int dfd, const char __user *upath, umode_t mode, unsigned int dev) \
	X(fchownat, int dfd, const char __user *path, unsigned int uid, unsigned int gid, int flags) \
	X(futimesat, int dfd, const char __user *path, const struct timeval __user *utimes) \
	X(newfstatat, int dfd, const char __user *path, \
	  struct stat __user *statbuf, int flags) \
	X(unlinkat, int dfd, const char __user *upath, int flags) \
	X(renameat, int odfd, const char __user *opath, int ndfd, const char __user *npath) \
	X(linkat, int odfd, const char __user *uopath, int ndfd, const char __user *unpath, int flags) \
	X(symlinkat, const char __user *utarget, int dfd, const char __user *upath) \
	X(readlinkat, int dfd, const char __user *path, char __user *buf, \
	  int bufsiz) \
	X(fchmodat, int dfd, const char __user *path, umode_t mode) \
	X(faccessat, int dfd, const char __user *path, int mode) \
	X(pselect6, int n, uint64_t __user *inp, uint64_t __user *outp, uint64_t __user *exp, struct timespec __user *tsp, const struct pselect_sig __user *usig) \
	X(ppoll, struct pollfd __user *ufds, unsigned int nfds, \
	  struct timespec __user *tsp, \
	  const ksigset_t __user *sigmask, size_t sigsetsize) \
	X(set_robust_list, struct robust_list_head __user *head, size_t len) \
	X(get_robust_list, int pid, struct robust_list_head __user *__user *head, size_t __user *len) \
	X(splice, int fd_in, int64_t __user *off_in, int fd_out, int64_t __user *off_out, size_t len, unsigned int flags) \
	X(tee, int fd_in, int fd_out, size_t len, unsigned int flags) \
	X(utimensat, int dfd, const char __user *path, const struct timespec __user *utimes, int flags) \
	X(epoll_pwait, int epfd, struct epoll_event_k __user *events, int maxevents, int timeout, const ksigset_t __user *sigmask, size_t sigsetsize) \
	X(signalfd, int fd, const ksigset_t __user *mask, size_t sizemask) \
	X(timerfd_create, int clockid, int flags) \
	X(eventfd, unsigned int count) \
	X(fallocate, int fd, int mode, long off, long len) \
	X(timerfd_settime, int fd, int flags, const struct itimerspec __user *new_value, struct itimerspec __user *old_value) \
	X(timerfd_gettime, int fd, struct itimerspec __user *cur) \
	X(accept4, int fd, void __user *uaddr, int __user *ulen, int flags) \
	X(signalfd4, int fd, const ksigset_t __user *mask, size_t sizemask, int flags) \
	X(eventfd2, unsigned int count, int flags) \
	X(epoll_create1, int flags) \
	X(dup3, unsigned int oldfd, unsigned int newfd, int flags) \
	X(pipe2, int __user *fds, int flags) \
	X(inotify_init1, int flags) \
	X(preadv, unsigned int fd, const struct iovec __user *iov, \
	  unsigned long iovcnt, unsigned long pos_l, unsigned long pos_h) \
	X(pwritev, unsigned int fd, const struct iovec __user *iov, \
	  unsigned long iovcnt, unsigned long pos_l, unsigned long pos_h) \
	X(rt_tgsigqueueinfo, int tgid, int tid, int sig, const struct ksiginfo __user *info) \
	X(recvmmsg, int fd, struct mmsghdr __user *mmsg, unsigned int vlen, \
	  unsigned int flags, struct timespec __user *timeout) \
	X(prlimit64, int pid, unsigned int resource, \
	  const struct rlimit64 __user *new_lim, \
	  struct rlimit64 __user *old_lim) \
	X(name_to_handle_at, int dfd, const char __user *path, struct file_handle __user *handle, void __user *mnt_id, int flags) \
	X(open_by_handle_at, int mountdirfd, struct file_handle __user *handle, int flags) \
	X(syncfs, int fd) \
	X(sendmmsg, int fd, struct mmsghdr __user *mmsg, unsigned int vlen, \
	  unsigned int flags) \
	X(getcpu, unsigned int __user *cpu, unsigned int __user *node, \
	  void __user *cache) \
	X(renameat2, int odfd, const char __user *uopath, int ndfd, const char __user *unpath, unsigned int flags) \
	X(getrandom, void __user *buf, size_t len, unsigned int flags) \
	X(memfd_create, const char __user *uname, unsigned int flags) \
	X(execveat, int dfd, const char __user *path, const char __user *const __user *argv, const char __user *const __user *envp, int flags) \
	X(copy_file_range, int fd_in, int64_t __user *off_in, int fd_out, int64_t __user *off_out, size_t len, unsigned int flags) \
	X(preadv2, unsigned int fd, const struct iovec __user *iov, \
	  unsigned long iovcnt, unsigned long pos_l, unsigned long pos_h, \
	  int flags) \
	X(pwritev2, unsigned int fd, const struct iovec __user *iov, \
	  unsigned long iovcnt, unsigned long pos_l, unsigned long pos_h, \
	  int flags) \
	X(statx, int dfd, const char __user *path, unsigned int flags, \
	  unsigned int mask, struct statx __user *statxbuf) \
	X(pidfd_send_signal, int pidfd, int sig, struct ksiginfo __user *info, unsigned int flags) \
	X(pidfd_open, int pid, unsigned int flags) \
	X(clone3, struct kclone_args __user *args, size_t size) \
	X(faccessat2, int dfd, const char __user *path, int mode, int flags) \
	X(epoll_pwait2, int epfd, struct epoll_event_k __user *events, int maxevents, const struct timespec __user *tsp, const ksigset_t __user *sigmask, size_t sigsetsize)
/* clang-format on */

#define __SC_DECLARE(name, ...)       \
	long sys_##name(__VA_ARGS__); \
	extern const struct syscall_desc syscall_desc_##name;
SYSCALLS_IMPLEMENTED(__SC_DECLARE)
#undef __SC_DECLARE

/* Trace marks: each expands to its kind in parentheses (see above). */
#define __as_fd (SYSCALL_ARG_FD)
#define __as_hex (SYSCALL_ARG_HEX)
#define __as_oct (SYSCALL_ARG_OCT)
#define __as_ptr (SYSCALL_ARG_PTR)

#define SYSCALL_DEFINE0(name)                                     \
	__SC_CHECK_DECL(name, void)                               \
	static long __sc_call_##name(const unsigned long regs[6]) \
	{                                                         \
		return sys_##name();                              \
	}                                                         \
	const struct syscall_desc syscall_desc_##name = {         \
		.call = __sc_call_##name,                         \
	};                                                        \
	long sys_##name(void)

#define SYSCALL_DEFINE1(name, ...) __SYSCALL_DEFINEx(1, name, __VA_ARGS__)
#define SYSCALL_DEFINE2(name, ...) __SYSCALL_DEFINEx(2, name, __VA_ARGS__)
#define SYSCALL_DEFINE3(name, ...) __SYSCALL_DEFINEx(3, name, __VA_ARGS__)
#define SYSCALL_DEFINE4(name, ...) __SYSCALL_DEFINEx(4, name, __VA_ARGS__)
#define SYSCALL_DEFINE5(name, ...) __SYSCALL_DEFINEx(5, name, __VA_ARGS__)
#define SYSCALL_DEFINE6(name, ...) __SYSCALL_DEFINEx(6, name, __VA_ARGS__)

/*
 * The machinery.  __SC_MAP(n, m, sep, t1, a1, ..., tn, an) gives
 * m(0, t1, a1) sep() m(1, t2, a2) ... : the index, the (possibly marked)
 * type and the name of every argument.
 */
#define __SYSCALL_DEFINEx(n, name, ...)                                        \
	__SC_CHECK_DECL(name, __SC_MAP(n, __SC_TYPE, __SC_COMMA, __VA_ARGS__)) \
	__SC_MAP(n, __SC_CHECK_MARK, __SC_NOTHING, __VA_ARGS__)                \
	static long __sc_call_##name(const unsigned long regs[6])              \
	{                                                                      \
		return sys_##name(                                             \
			__SC_MAP(n, __SC_CONVERT, __SC_COMMA, __VA_ARGS__));   \
	}                                                                      \
	const struct syscall_desc syscall_desc_##name = {                      \
		.call = __sc_call_##name,                                      \
		.nargs = n,                                                    \
		.args = { __SC_MAP(n, __SC_ARG, __SC_COMMA, __VA_ARGS__) },    \
	};                                                                     \
	long sys_##name(__SC_MAP(n, __SC_PARAM, __SC_COMMA, __VA_ARGS__))

/* The definition's types are the declaration's (which must exist). */
#define __SC_CHECK_DECL(name, ...)                                          \
	_Static_assert(__builtin_types_compatible_p(__typeof__(sys_##name), \
						    long(__VA_ARGS__)),     \
		       "sys_" #name " differs from kos/syscalls.h");

#define __SC_COMMA() ,
#define __SC_NOTHING()
#define __SC_MAP(n, m, sep, ...) __SC_MAP##n(n, m, sep, __VA_ARGS__)
#define __SC_MAP1(n, m, sep, t, a) m(n - 1, t, a)
#define __SC_MAP2(n, m, sep, t, a, ...) \
	m(n - 2, t, a) sep() __SC_MAP1(n, m, sep, __VA_ARGS__)
#define __SC_MAP3(n, m, sep, t, a, ...) \
	m(n - 3, t, a) sep() __SC_MAP2(n, m, sep, __VA_ARGS__)
#define __SC_MAP4(n, m, sep, t, a, ...) \
	m(n - 4, t, a) sep() __SC_MAP3(n, m, sep, __VA_ARGS__)
#define __SC_MAP5(n, m, sep, t, a, ...) \
	m(n - 5, t, a) sep() __SC_MAP4(n, m, sep, __VA_ARGS__)
#define __SC_MAP6(n, m, sep, t, a, ...) \
	m(n - 6, t, a) sep() __SC_MAP5(n, m, sep, __VA_ARGS__)

/*
 * A marked type arrives as "(SYSCALL_ARG_HEX) int".  The mark is found
 * by applying a function-like macro to the type: only a type that starts
 * with a parenthesis invokes it, and its expansion shifts the second
 * argument of __SC_SECOND() from the fallback to the answer.
 */
#define __SC_SECOND(x, y, ...) y
#define __SC_SECOND_(...) __SC_SECOND(__VA_ARGS__)
#define __SC_UNMARK(kind) ~,
#define __SC_GETMARK(kind) ~, kind, ~
/* The C type without its mark. */
#define __SC_CTYPE(t) __SC_SECOND_(__SC_UNMARK t, t, ~)
/* The trace kind: the mark, or what the type implies. */
#define __SC_KIND(t) \
	__SC_SECOND_(__SC_GETMARK t, __SC_KIND_OF(__SC_CTYPE(t)), ~)

/* clang-format off */
#define __SC_KIND_OF(type) _Generic((type)0, \
	const char *: SYSCALL_ARG_STR, \
	char: SYSCALL_ARG_DEC, \
	signed char: SYSCALL_ARG_DEC, \
	short: SYSCALL_ARG_DEC, \
	int: SYSCALL_ARG_DEC, \
	long: SYSCALL_ARG_DEC, \
	long long: SYSCALL_ARG_DEC, \
	_Bool: SYSCALL_ARG_UDEC, \
	unsigned char: SYSCALL_ARG_UDEC, \
	unsigned short: SYSCALL_ARG_UDEC, \
	unsigned int: SYSCALL_ARG_UDEC, \
	unsigned long: SYSCALL_ARG_UDEC, \
	unsigned long long: SYSCALL_ARG_UDEC, \
	default: SYSCALL_ARG_PTR)

/* Marks go on integers; an fd is 32 bits, an address 64. */
#define __SC_MARK_FITS(kind, type) \
	(__SC_KIND_OF(type) != SYSCALL_ARG_DEC && \
	 __SC_KIND_OF(type) != SYSCALL_ARG_UDEC ? \
		(kind) == __SC_KIND_OF(type) : \
	 (kind) == SYSCALL_ARG_FD ? sizeof(type) == 4 : \
	 (kind) == SYSCALL_ARG_PTR ? sizeof(type) == 8 : \
	 (kind) != SYSCALL_ARG_STR)

#define __SC_CHECK_MARK(i, t, a) \
	_Static_assert(__SC_MARK_FITS(__SC_KIND(t), __SC_CTYPE(t)), \
		       "argument " #a ": trace mark does not fit its type");
#define __SC_TYPE(i, t, a) __SC_CTYPE(t)
#define __SC_PARAM(i, t, a) __SC_CTYPE(t) a
#define __SC_CONVERT(i, t, a) (__SC_CTYPE(t))regs[i]
#define __SC_ARG(i, t, a) { __SC_KIND(t), sizeof(__SC_CTYPE(t)) }
/* clang-format on */

#endif
