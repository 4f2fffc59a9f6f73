/*
 * procfs: the kernel's state as files, mounted at /proc.
 *
 * Nothing is stored.  A vnode is made for each lookup (its kind, and
 * the pid, tid or fd it is about) and freed with its last reference;
 * inode numbers are computed from the same facts, so they are stable.
 * Reading a file generates its whole text (struct pbuf) from the live
 * objects and copies the asked range, as Linux's seq files do for
 * small files; st_size is 0.  Symbolic links (self, exe, cwd, fd/N)
 * generate their target.
 *
 * Layout:
 *	/proc/{self,thread-self,mounts}			symlinks
 *	/proc/{meminfo,uptime,stat,version,filesystems,cmdline,cpuinfo,
 *	       loadavg,partitions}
 *	/proc/sys/kernel/{hostname,ostype,osrelease,pid_max,
 *			  randomize_va_space (writable by root)}
 *	/proc/sys/vm/overcommit_memory
 *	/proc/sys/fs/inotify/{max_queued_events,max_user_instances,
 *			      max_user_watches}	(writable by root)
 *	/proc/<pid>/{stat,statm,status,cmdline,environ,comm,mounts,limits,
 *		     maps,personality,exe,cwd,root,fd/,task/<tid>/}
 *	/proc/<pid>/net/{tcp,tcp6,udp,udp6,raw,raw6,unix,dev,route,
 *			 if_inet6}	(net/procnet.c); /proc/net -> self/net
 *
 * Locking: the directory ops run under the directory's vnode lock
 * (readlink and read under none); process data is looked up under
 * proc_lock and pinned with a reference, and an address space is read
 * under its own lock (vm_read_kernel).  Order: vnode locks, then
 * proc_lock.  Names come and go with processes, behind the VFS's back,
 * so the superblock is VFS_SB_NOCACHE (no name cache).
 */
#include <kos/arch.h>
#include <kos/blkdev.h>
#include <kos/cmdline.h>
#include <kos/exec.h>
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/pgtable.h>
#include <kos/pidfd.h>
#include <kos/notify.h>
#include <kos/pcache.h>
#include <kos/pmm.h>
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/socket.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/utsname.h>
#include <kos/version.h>
#include <kos/tty.h>
#include <kos/vfs.h>
#include <kos/vm.h>
#include <stdarg.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/mman.h>
#include <uapi/stat.h>

#include "internal.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define CLK_TCK 100

enum pkind {
	PK_ROOT = 1,
	PK_SELF,
	PK_THREAD_SELF,
	PK_MOUNTS_LINK,
	PK_MEMINFO,
	PK_UPTIME,
	PK_STAT,
	PK_VERSION,
	PK_FILESYSTEMS,
	PK_CMDLINE_K,
	PK_LOADAVG,
	PK_CPUINFO,
	PK_PARTITIONS,
	PK_SYS,
	PK_SYS_KERNEL,
	PK_SYS_VM,
	PK_HOSTNAME,
	PK_OSTYPE,
	PK_OSRELEASE,
	PK_PID_MAX,
	PK_RANDOMIZE_VA,
	PK_OVERCOMMIT,
	PK_SYS_FS,
	PK_SYS_INOTIFY,
	PK_INO_QUEUED,
	PK_INO_INSTANCES,
	PK_INO_WATCHES,
	PK_PID, /* a process's directory (or a thread's, under task/) */
	PK_P_STAT,
	PK_P_STATM,
	PK_P_STATUS,
	PK_P_CMDLINE,
	PK_P_ENVIRON,
	PK_P_COMM,
	PK_P_MOUNTS,
	PK_P_LIMITS,
	PK_P_MAPS,
	PK_P_EXE,
	PK_P_CWD,
	PK_P_ROOT,
	PK_P_FD,
	PK_P_TASK,
	PK_P_FD_LINK,
	PK_P_SMAPS,
	PK_P_MOUNTINFO,
	PK_P_FDINFO,
	PK_P_FDINFO_FILE,
	PK_P_PERSONALITY,
	PK_NET_LINK, /* /proc/net -> self/net */
	PK_P_NET,
	PK_NET_FIRST, /* the files of net/: NET_PROC_* + PK_NET_FIRST */
	PK_NET_LAST = PK_NET_FIRST + NET_PROC_N - 1,
	PK_NKINDS
};

struct pent {
	const char *name;
	int kind;
	uint32_t mode;
};

#define DIR_MODE (S_IFDIR | 0555)
#define REG_MODE (S_IFREG | 0444)
#define LNK_MODE (S_IFLNK | 0777)

static const struct pent root_ents[] = {
	{ "self", PK_SELF, LNK_MODE },
	{ "thread-self", PK_THREAD_SELF, LNK_MODE },
	{ "mounts", PK_MOUNTS_LINK, LNK_MODE },
	{ "net", PK_NET_LINK, LNK_MODE },
	{ "meminfo", PK_MEMINFO, REG_MODE },
	{ "uptime", PK_UPTIME, REG_MODE },
	{ "stat", PK_STAT, REG_MODE },
	{ "version", PK_VERSION, REG_MODE },
	{ "loadavg", PK_LOADAVG, REG_MODE },
	{ "filesystems", PK_FILESYSTEMS, REG_MODE },
	{ "cmdline", PK_CMDLINE_K, REG_MODE },
	{ "cpuinfo", PK_CPUINFO, REG_MODE },
	{ "partitions", PK_PARTITIONS, REG_MODE },
	{ "sys", PK_SYS, DIR_MODE },
	{ NULL, 0, 0 },
};
static const struct pent sys_ents[] = {
	{ "kernel", PK_SYS_KERNEL, DIR_MODE },
	{ "vm", PK_SYS_VM, DIR_MODE },
	{ "fs", PK_SYS_FS, DIR_MODE },
	{ NULL, 0, 0 },
};
static const struct pent sysfs_ents[] = {
	{ "inotify", PK_SYS_INOTIFY, DIR_MODE },
	{ NULL, 0, 0 },
};
static const struct pent inotify_ents[] = {
	{ "max_queued_events", PK_INO_QUEUED, S_IFREG | 0644 },
	{ "max_user_instances", PK_INO_INSTANCES, S_IFREG | 0644 },
	{ "max_user_watches", PK_INO_WATCHES, S_IFREG | 0644 },
	{ NULL, 0, 0 },
};
static const struct pent kernel_ents[] = {
	{ "hostname", PK_HOSTNAME, S_IFREG | 0644 },
	{ "ostype", PK_OSTYPE, REG_MODE },
	{ "osrelease", PK_OSRELEASE, REG_MODE },
	{ "pid_max", PK_PID_MAX, S_IFREG | 0644 },
	{ "randomize_va_space", PK_RANDOMIZE_VA, S_IFREG | 0644 },
	{ NULL, 0, 0 },
};
static const struct pent vm_ents[] = {
	{ "overcommit_memory", PK_OVERCOMMIT, S_IFREG | 0644 },
	{ NULL, 0, 0 },
};
static const struct pent pid_ents[] = {
	{ "stat", PK_P_STAT, REG_MODE },
	{ "statm", PK_P_STATM, REG_MODE },
	{ "status", PK_P_STATUS, REG_MODE },
	{ "cmdline", PK_P_CMDLINE, REG_MODE },
	{ "environ", PK_P_ENVIRON, S_IFREG | 0400 },
	{ "comm", PK_P_COMM, S_IFREG | 0644 },
	{ "mounts", PK_P_MOUNTS, REG_MODE },
	{ "limits", PK_P_LIMITS, REG_MODE },
	{ "maps", PK_P_MAPS, REG_MODE },
	{ "personality", PK_P_PERSONALITY, S_IFREG | 0400 },
	{ "smaps", PK_P_SMAPS, REG_MODE },
	{ "mountinfo", PK_P_MOUNTINFO, REG_MODE },
	{ "exe", PK_P_EXE, LNK_MODE },
	{ "cwd", PK_P_CWD, LNK_MODE },
	{ "root", PK_P_ROOT, LNK_MODE },
	{ "fd", PK_P_FD, S_IFDIR | 0500 },
	{ "fdinfo", PK_P_FDINFO, S_IFDIR | 0500 },
	{ "task", PK_P_TASK, DIR_MODE },
	{ "net", PK_P_NET, DIR_MODE },
	{ NULL, 0, 0 },
};
static const struct pent net_ents[] = {
	{ "tcp", PK_NET_FIRST + NET_PROC_TCP, REG_MODE },
	{ "tcp6", PK_NET_FIRST + NET_PROC_TCP6, REG_MODE },
	{ "udp", PK_NET_FIRST + NET_PROC_UDP, REG_MODE },
	{ "udp6", PK_NET_FIRST + NET_PROC_UDP6, REG_MODE },
	{ "udplite", PK_NET_FIRST + NET_PROC_UDPLITE, REG_MODE },
	{ "udplite6", PK_NET_FIRST + NET_PROC_UDPLITE6, REG_MODE },
	{ "raw", PK_NET_FIRST + NET_PROC_RAW, REG_MODE },
	{ "raw6", PK_NET_FIRST + NET_PROC_RAW6, REG_MODE },
	{ "unix", PK_NET_FIRST + NET_PROC_UNIX, REG_MODE },
	{ "dev", PK_NET_FIRST + NET_PROC_DEV, REG_MODE },
	{ "route", PK_NET_FIRST + NET_PROC_ROUTE, REG_MODE },
	{ "if_inet6", PK_NET_FIRST + NET_PROC_IF_INET6, REG_MODE },
	{ NULL, 0, 0 },
};
/* ino_of() keeps a kind in 6 bits. */
_Static_assert(PK_NKINDS <= 64, "procfs kinds overflow ino_of");

struct pnode {
	struct vnode v;
	int kind;
	int pid; /* the process (PK_PID and below) */
	int tid; /* the thread (0: the process's leader) */
	int fd;	 /* PK_P_FD_LINK, PK_P_FDINFO_FILE */
};

static const struct vnode_ops proc_vops;
static struct superblock *proc_sb;

static struct pnode *PN(struct vnode *v)
{
	return container_of(v, struct pnode, v);
}

/* The entry table of a directory kind (NULL: not a table directory). */
static const struct pent *table_of(int kind)
{
	switch (kind) {
	case PK_ROOT:
		return root_ents;
	case PK_SYS:
		return sys_ents;
	case PK_SYS_KERNEL:
		return kernel_ents;
	case PK_SYS_VM:
		return vm_ents;
	case PK_SYS_FS:
		return sysfs_ents;
	case PK_SYS_INOTIFY:
		return inotify_ents;
	case PK_PID:
		return pid_ents;
	case PK_P_NET:
		return net_ents;
	default:
		return NULL;
	}
}

/* Stable inode numbers: root 1, fixed files by kind, per-pid below. */
static uint64_t ino_of(int kind, int pid, int tid, int fd)
{
	if (pid <= 0)
		return kind == PK_ROOT ? 1 : (uint64_t)kind;
	return ((uint64_t)pid << 32) | ((uint64_t)tid << 12) |
	       ((uint64_t)(fd + 1) << 6) | (uint64_t)kind;
}

/* The process pid with a reference, or NULL if it is gone. */
static struct proc *proc_ref(int pid)
{
	struct proc *p;

	mutex_lock(&proc_lock);
	p = pid_proc(pid);
	if (p)
		proc_get(p);
	mutex_unlock(&proc_lock);
	return p;
}

/* A new node of kind for pid/tid/fd, owned as Linux shows it. */
static struct vnode *node_new(int kind, uint32_t mode, int pid, int tid, int fd)
{
	struct pnode *n =
		(struct pnode *)vnode_alloc(proc_sb, &proc_vops, sizeof(*n));
	struct vfs_time now = vfs_now();
	struct proc *p;

	if (!n)
		return NULL;
	n->kind = kind;
	n->pid = pid;
	n->tid = tid;
	n->fd = fd;
	n->v.mode = mode;
	n->v.nlink = S_ISDIR(mode) ? 2 : 1;
	n->v.ino = ino_of(kind, pid, tid, fd);
	n->v.atime = n->v.mtime = n->v.ctime = now;
	if (pid > 0 && (p = proc_ref(pid))) {
		/* Files of a process belong to its effective ids. */
		n->v.uid = p->cred.euid;
		n->v.gid = p->cred.egid;
		proc_put(p);
	}
	return &n->v;
}

/* ---- text generation ------------------------------------------------ */

struct pbuf {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void pb_put(struct pbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *nb;

		while (cap < b->len + n + 1)
			cap *= 2;
		nb = kmalloc(cap);
		if (!nb) {
			b->oom = true;
			return;
		}
		if (b->buf)
			kos_memcpy(nb, b->buf, b->len);
		kfree(b->buf);
		b->buf = nb;
		b->cap = cap;
	}
	kos_memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = 0;
}

static void pb_printf(struct pbuf *b, const char *fmt, ...) __printf(2, 3);
static void pb_printf(struct pbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kos_vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	pb_put(b, tmp, MIN((size_t)n, sizeof(tmp) - 1));
}

/* "S.SS": ns as seconds with two decimals. */
static void pb_secs(struct pbuf *b, uint64_t ns)
{
	pb_printf(b, "%llu.%02llu", (unsigned long long)(ns / 1000000000),
		  (unsigned long long)(ns % 1000000000 / 10000000));
}

static uint64_t ticks(uint64_t ns)
{
	return ns / (1000000000 / CLK_TCK);
}

static void gen_meminfo(struct pbuf *b)
{
	const uint64_t kb = PAGE_SIZE / 1024;
	uint64_t total = pmm_total_pages() * kb;
	uint64_t free = pmm_free_pages() * kb;
	uint64_t cached, dirty;

	/*
	 * Cached: pages of files with a store (disk files and disks; tmpfs
	 * pages are not counted yet); the clean ones can be reclaimed, so
	 * they are available.
	 */
	pcache_stats(&cached, &dirty);
	cached *= kb;
	dirty *= kb;
	pb_printf(b, "MemTotal:       %8llu kB\n", (unsigned long long)total);
	pb_printf(b, "MemFree:        %8llu kB\n", (unsigned long long)free);
	pb_printf(b, "MemAvailable:   %8llu kB\n",
		  (unsigned long long)(free + cached - MIN(dirty, cached)));
	pb_printf(b, "Buffers:        %8u kB\n", 0);
	pb_printf(b, "Cached:         %8llu kB\n", (unsigned long long)cached);
	pb_printf(b, "SwapCached:     %8u kB\n", 0);
	pb_printf(b, "SwapTotal:      %8u kB\n", 0);
	pb_printf(b, "SwapFree:       %8u kB\n", 0);
	pb_printf(b, "Dirty:          %8llu kB\n", (unsigned long long)dirty);
	pb_printf(b, "Writeback:      %8u kB\n", 0);
	pb_printf(b, "Shmem:          %8u kB\n", 0);
}

static void gen_uptime(struct pbuf *b)
{
	pb_secs(b, clock_monotonic_ns());
	pb_put(b, " ", 1);
	pb_secs(b, sched_idle_ns());
	pb_put(b, "\n", 1);
}

/* CPU time of every process there is, and of those they reaped. */
static void all_times(uint64_t *user, uint64_t *sys, unsigned int *running,
		      unsigned int *nprocs)
{
	struct proc *p;

	*user = *sys = 0;
	*running = 1; /* the reader */
	*nprocs = 0;
	mutex_lock(&proc_lock);
	list_for_each_entry (p, &proc_list, link) {
		struct proc_times t;

		proc_times_sum(p, &t);
		*user += t.utime + p->children_time.utime;
		*sys += t.stime + p->children_time.stime;
		(*nprocs)++;
	}
	mutex_unlock(&proc_lock);
}

static void gen_loadavg(struct pbuf *b)
{
	unsigned long l[3];
	unsigned int running;
	int last = 0;
	struct proc *p;

	sched_loadavg(l, &running);
	mutex_lock(&proc_lock);
	list_for_each_entry (p, &proc_list, link)
		last = MAX(last, p->pid);
	mutex_unlock(&proc_lock);
	for (int i = 0; i < 3; i++) /* two decimals, rounded as Linux */
		pb_printf(b, "%lu.%02lu ", (l[i] + 5) >> 11,
			  (((l[i] + 5) & 2047) * 100) >> 11);
	pb_printf(b, "%u/%u %d\n", running, sched_nr_threads(), last);
}

static void gen_stat(struct pbuf *b)
{
	uint64_t user, sys, idle = sched_idle_ns();
	uint64_t boot =
		(clock_realtime_ns() - clock_monotonic_ns()) / 1000000000;
	unsigned int running, nprocs;

	all_times(&user, &sys, &running, &nprocs);
	for (int cpu = -1; cpu < 1; cpu++) {
		if (cpu < 0)
			pb_put(b, "cpu ", 4);
		else
			pb_printf(b, "cpu%d", cpu);
		pb_printf(b, " %llu 0 %llu %llu 0 0 0 0 0 0\n",
			  (unsigned long long)ticks(user),
			  (unsigned long long)ticks(sys),
			  (unsigned long long)ticks(idle));
	}
	pb_printf(b, "intr 0\nctxt %llu\nbtime %llu\nprocesses %u\n",
		  (unsigned long long)sched_context_switches(),
		  (unsigned long long)boot, nprocs);
	pb_printf(b, "procs_running %u\nprocs_blocked 0\n", running);
}

static void pb_sink(void *b, const char *s, size_t n)
{
	pb_put(b, s, n);
}

static void gen_mounts(struct pbuf *b)
{
	vfs_show_mounts(pb_sink, b);
}

/* The kernel command line, rebuilt from its parsed words. */
static void gen_cmdline_k(struct pbuf *b)
{
	const struct cmdline *cl = &kos_cmdline;

	for (unsigned int i = 0; i < cl->nparams; i++) {
		pb_printf(b, "%s%s", i ? " " : "", cl->params[i].key);
		if (cl->params[i].value)
			pb_printf(b, "=%s", cl->params[i].value);
	}
	if (cl->ninit_args)
		pb_put(b, " --", 3);
	for (unsigned int i = 0; i < cl->ninit_args; i++)
		pb_printf(b, " %s", cl->init_args[i]);
	pb_put(b, "\n", 1);
}

/* Bytes mapped in vm (the sum of its VMAs). */
static unsigned long vm_total_bytes(struct vm_space *vm)
{
	unsigned long sum = 0;

	mutex_lock(&vm->lock);
	for (size_t i = 0; i < vm->vmas.n; i++)
		sum += vm->vmas.v[i]->end - vm->vmas.v[i]->start;
	mutex_unlock(&vm->lock);
	return sum;
}

/* ---- per-process files ---------------------------------------------- */

static char state_char(struct proc *p, struct uthread *ut)
{
	if (p->state != PROC_LIVE)
		return 'Z';
	if (p->sigflags & PROC_STOPPED)
		return 'T';
	if (ut && ut->thread && ut->thread == sched_current())
		return 'R';
	return 'S';
}

/* The thread a per-thread file is about: tid, or the group's leader. */
static struct uthread *thread_of(struct proc *p, int tid)
{
	struct uthread *ut;

	if (!tid)
		return p->leader;
	list_for_each_entry (ut, &p->threads, group_link)
		if (ut->tid == tid)
			return ut;
	return NULL;
}

static void gen_pid_stat(struct pbuf *b, struct proc *p, int tid)
{
	struct uthread *ut;
	struct proc_times t;
	struct vm_space *vm;
	unsigned long vsize = 0, rss = 0;
	int ppid, nthreads, tpgid;
	unsigned int tty_nr;
	char st;

	mutex_lock(&proc_lock);
	ut = thread_of(p, tid);
	tty_proc_stat(p, &tty_nr, &tpgid);
	ppid = p->parent ? p->parent->pid : 0;
	nthreads = p->nr_threads;
	st = state_char(p, ut);
	proc_times_sum(p, &t);
	vm = ut && !ut->exited ? ut->vm : NULL;
	if (vm) {
		vsize = vm_total_bytes(vm);
		rss = vm->rss;
	}
	pb_printf(b, "%d (%s) %c %d %d %d %u %d 4194304 ", tid ? tid : p->pid,
		  ut ? ut->comm : p->comm, st, ppid, p->pgid, p->sid, tty_nr,
		  tpgid);
	pb_printf(b, "%llu %llu %llu %llu ", (unsigned long long)t.minflt,
		  (unsigned long long)p->children_time.minflt,
		  (unsigned long long)t.majflt,
		  (unsigned long long)p->children_time.majflt);
	pb_printf(b, "%llu %llu %llu %llu ", (unsigned long long)ticks(t.utime),
		  (unsigned long long)ticks(t.stime),
		  (unsigned long long)ticks(p->children_time.utime),
		  (unsigned long long)ticks(p->children_time.stime));
	pb_printf(b, "%d %d %d 0 %llu %lu %lu 18446744073709551615 ",
		  20 + p->nice, p->nice, nthreads,
		  (unsigned long long)ticks(p->start_ns), vsize, rss);
	pb_printf(b, "0 0 %lu 0 0 0 0 0 0 0 0 0 %d 0 0 0 0 0 0 0 0 ",
		  vm ? vm->stack_top : 0, p->exit_signal);
	pb_printf(b, "%lu %lu %lu %lu %lu 0\n", vm ? vm->brk_start : 0,
		  vm ? vm->arg_start : 0, vm ? vm->arg_end : 0,
		  vm ? vm->env_start : 0, vm ? vm->env_end : 0);
	mutex_unlock(&proc_lock);
}

static void gen_pid_statm(struct pbuf *b, struct proc *p)
{
	unsigned long size = 0, rss = 0;

	mutex_lock(&proc_lock);
	if (p->leader && !p->leader->exited && p->leader->vm) {
		size = vm_total_bytes(p->leader->vm) / PAGE_SIZE;
		rss = p->leader->vm->rss;
	}
	mutex_unlock(&proc_lock);
	pb_printf(b, "%lu %lu 0 0 0 0 0\n", size, rss);
}

/*
 * The signal lines of status: pending for the thread and for the group
 * (ShdPnd), blocked, and the signals whose action is to ignore them or a
 * handler (SigIgn, SigCgt), as Linux's task_sig().  proc_lock held.
 */
static void sig_lines(struct pbuf *b, struct proc *p, struct uthread *ut)
{
	ksigset_t pnd = 0, shd = 0, blk = 0, ign = 0, cgt = 0;
	unsigned long fl;

	if (ut && !ut->exited && ut->sighand) {
		fl = spin_lock_irqsave(&ut->sighand->lock);
		pnd = ut->pending.set;
		shd = p->shared.set;
		blk = ut->blocked;
		for (int sig = 1; sig <= _NSIG; sig++) {
			__u64 h = ut->sighand->action[sig - 1].handler;

			if (h == SIG_IGN)
				ign |= SIGBIT(sig);
			else if (h != SIG_DFL)
				cgt |= SIGBIT(sig);
		}
		spin_unlock_irqrestore(&ut->sighand->lock, fl);
	}
	pb_printf(b, "SigPnd:\t%016llx\nShdPnd:\t%016llx\n",
		  (unsigned long long)pnd, (unsigned long long)shd);
	pb_printf(b, "SigBlk:\t%016llx\nSigIgn:\t%016llx\nSigCgt:\t%016llx\n",
		  (unsigned long long)blk, (unsigned long long)ign,
		  (unsigned long long)cgt);
}

static void gen_pid_status(struct pbuf *b, struct proc *p, int tid)
{
	static const char *const names[] = { "R (running)", "S (sleeping)",
					     "T (stopped)", "Z (zombie)" };
	const struct creds *c = &p->cred;
	struct uthread *ut;
	char st;
	int idx;

	mutex_lock(&proc_lock);
	ut = thread_of(p, tid);
	st = state_char(p, ut);
	idx = st == 'R' ? 0 : st == 'S' ? 1 : st == 'T' ? 2 : 3;
	pb_printf(b, "Name:\t%s\n", ut ? ut->comm : p->comm);
	pb_printf(b, "Umask:\t%04o\n", ut && ut->fs ? ut->fs->umask : 022);
	pb_printf(b, "State:\t%s\n", names[idx]);
	pb_printf(b, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n", p->pid,
		  tid ? tid : p->pid, p->parent ? p->parent->pid : 0);
	pb_printf(b, "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\n", c->uid, c->euid,
		  c->suid, c->fsuid);
	pb_printf(b, "Gid:\t%u\t%u\t%u\t%u\n", c->gid, c->egid, c->sgid,
		  c->fsgid);
	pb_put(b, "Groups:\t", 8);
	for (unsigned int i = 0; i < c->ngroups; i++)
		pb_printf(b, "%u ", c->groups[i]);
	pb_put(b, "\n", 1);
	if (ut && !ut->exited && ut->vm)
		pb_printf(b, "VmSize:\t%8lu kB\nVmRSS:\t%8lu kB\n",
			  vm_total_bytes(ut->vm) / 1024,
			  ut->vm->rss * (PAGE_SIZE / 1024));
	pb_printf(b, "Threads:\t%d\n", p->nr_threads);
	sig_lines(b, p, ut);
	pb_printf(b, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n",
		  (unsigned long long)c->cap_inheritable,
		  (unsigned long long)c->cap_permitted,
		  (unsigned long long)c->cap_effective);
	pb_printf(b, "NoNewPrivs:\t%d\n", p->no_new_privs);
	mutex_unlock(&proc_lock);
}

/* p's address space with a reference (NULL once it has none). */
static struct vm_space *leader_vm(struct proc *p)
{
	struct vm_space *vm = NULL;

	mutex_lock(&proc_lock);
	if (p->leader && !p->leader->exited && p->leader->vm) {
		vm = p->leader->vm;
		vm_get(vm);
	}
	mutex_unlock(&proc_lock);
	return vm;
}

/*
 * The path names of an address space's file mappings, for maps and
 * smaps.  file_path() may take vnode locks, which rank before vm->lock
 * (a fault in a copy to user space under a vnode lock takes it), so
 * the names are found with the space unlocked: map_names_get() takes a
 * reference to each mapped file under the lock, then names them;
 * map_name() finds a VMA's name again (NULL if that VMA was not there
 * then, or its file has no name).
 */
struct map_name {
	unsigned long start;
	struct file *file; /* referenced */
	char *path;	   /* kmalloc'd, or NULL */
};

struct map_names {
	struct map_name *v;
	size_t n, next; /* next: where map_name() looks first */
};

static void map_names_get(struct vm_space *vm, struct map_names *mn)
{
	char *tmp;

	mn->n = mn->next = 0;
	mutex_lock(&vm->lock);
	mn->v = vm->vmas.n ? kzalloc(vm->vmas.n * sizeof(*mn->v)) : NULL;
	for (size_t i = 0; mn->v && i < vm->vmas.n; i++) {
		const struct vma *v = vm->vmas.v[i];

		if (!v->file || v->name)
			continue;
		file_get(v->file);
		mn->v[mn->n].start = v->start;
		mn->v[mn->n++].file = v->file;
	}
	mutex_unlock(&vm->lock);
	tmp = kmalloc(PATH_MAX);
	for (size_t i = 0; tmp && i < mn->n; i++)
		if (file_path(mn->v[i].file, tmp, PATH_MAX) > 0)
			mn->v[i].path = kstrdup(tmp);
	kfree(tmp);
}

static void map_names_put(struct map_names *mn)
{
	for (size_t i = 0; i < mn->n; i++) {
		file_put(mn->v[i].file);
		kfree(mn->v[i].path);
	}
	kfree(mn->v);
}

/* v's name in mn; VMAs are asked for in address order. */
static const char *map_name(struct map_names *mn, const struct vma *v)
{
	while (mn->next < mn->n && mn->v[mn->next].start < v->start)
		mn->next++;
	if (mn->next < mn->n && mn->v[mn->next].start == v->start &&
	    mn->v[mn->next].file == v->file)
		return mn->v[mn->next].path;
	return NULL;
}

/*
 * One VMA's line of /proc/<pid>/maps (smaps starts each block with it),
 * as Linux prints it: the file's device (major:minor, hex) and inode,
 * and after them, from column 73, the name: [heap], [stack], [vdso]...,
 * or the mapped file's path (name, NULL if none).
 */
static void maps_line(struct pbuf *b, const struct vma *v, const char *name)
{
	const struct vnode *vn = v->file ? v->file->vnode : NULL;
	uint32_t dev = vn && vn->sb ? vn->sb->dev : 0;
	char head[128];
	int len;

	len = kos_snprintf(head, sizeof(head),
			   "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %llu ",
			   v->start, v->end, (v->prot & PROT_READ) ? 'r' : '-',
			   (v->prot & PROT_WRITE) ? 'w' : '-',
			   (v->prot & PROT_EXEC) ? 'x' : '-',
			   (v->flags & VMA_SHARED) ? 's' : 'p',
			   (unsigned long long)(v->file ? v->off : 0),
			   KDEV_MAJOR(dev), KDEV_MINOR(dev),
			   (unsigned long long)(vn ? vn->ino : 0));
	len = MIN(len, (int)sizeof(head) - 1);
	pb_put(b, head, (size_t)len);
	if (v->name)
		name = v->name;
	if (name)
		pb_printf(b, "%*s%s", len < 72 ? 73 - len : 1, "", name);
	pb_put(b, "\n", 1);
}

/*
 * cmdline after a setproctitle(): argv's last byte is no longer its NUL.
 * Linux then shows the string at arg_start up to its NUL (included),
 * which may run on into the environment (not past it), at most a page.
 * Returns the end to read to, or 0 for argv as it was.
 */
static unsigned long proctitle_end(struct vm_space *vm)
{
	unsigned long start = vm->arg_start, limit = vm->arg_end;
	char chunk[256], c;

	if (start >= limit || vm_read_kernel(vm, &c, limit - 1, 1) || !c)
		return 0;
	if (vm->env_start == vm->arg_end && vm->env_end >= vm->env_start)
		limit = vm->env_end;
	limit = MIN(limit, start + PAGE_SIZE);
	while (start < limit) {
		size_t n = MIN(sizeof(chunk), (size_t)(limit - start));
		char *nul;

		if (vm_read_kernel(vm, chunk, start, n))
			return start;
		nul = kos_memchr(chunk, 0, n);
		if (nul)
			return start + (unsigned long)(nul - chunk) + 1;
		start += n;
	}
	return limit;
}

/* The user memory [start, end) of p's program (cmdline, environ). */
static void gen_user_range(struct pbuf *b, struct proc *p, bool env)
{
	struct vm_space *vm;
	unsigned long start, end, title;
	char chunk[256];

	vm = leader_vm(p);
	if (!vm)
		return;
	start = env ? vm->env_start : vm->arg_start;
	end = env ? vm->env_end : vm->arg_end;
	if (!env && (title = proctitle_end(vm)))
		end = title;
	while (start < end) {
		size_t n = MIN(sizeof(chunk), (size_t)(end - start));

		if (vm_read_kernel(vm, chunk, start, n))
			break;
		pb_put(b, chunk, n);
		start += n;
	}
	vm_put(vm);
}

static void gen_pid_maps(struct pbuf *b, struct proc *p)
{
	struct vm_space *vm;
	struct map_names mn;

	vm = leader_vm(p);
	if (!vm)
		return;
	map_names_get(vm, &mn);
	mutex_lock(&vm->lock);
	for (size_t i = 0; i < vm->vmas.n; i++)
		maps_line(b, vm->vmas.v[i], map_name(&mn, vm->vmas.v[i]));
	mutex_unlock(&vm->lock);
	map_names_put(&mn);
	vm_put(vm);
}

/* What one VMA's pages add up to (smaps), in bytes. */
struct smaps_acc {
	const struct vma *vma;
	uint64_t rss, pss_x, shared_clean, shared_dirty, private_clean,
		private_dirty, referenced, anon;
};

#define PSS_SHIFT 12 /* Linux's fixed point for Pss */

/* The smaps fields KOS has nothing for. */
static const char smaps_zero[] = "KSM:                   0 kB\n"
				 "LazyFree:              0 kB\n"
				 "AnonHugePages:         0 kB\n"
				 "ShmemPmdMapped:        0 kB\n"
				 "FilePmdMapped:         0 kB\n"
				 "Shared_Hugetlb:        0 kB\n"
				 "Private_Hugetlb:       0 kB\n"
				 "Swap:                  0 kB\n"
				 "SwapPss:               0 kB\n"
				 "Locked:                0 kB\n"
				 "THPeligible:           0\n";

static void smaps_pte(vaddr_t va, pte_t pte, void *arg)
{
	struct smaps_acc *a = arg;
	paddr_t pa = pte & PTE_ADDR_MASK;
	unsigned int maps = 1;
	bool anon, dirty;

	if (!PTE_HOLDS_FRAME(pte))
		return;
	if (pte & PTE_OWNED)
		maps = pmm_page_mapcount(pa);
	if (!maps)
		maps = 1;
	/*
	 * Anonymous: a mapping without a file, or a private copy in a
	 * private file mapping (the file's own pages are PTE_COW there).
	 * Anonymous pages are dirty by nature (Linux: swap-backed); file
	 * pages are dirty if the CPU set the PTE's D bit.
	 */
	anon = !a->vma->file ||
	       (!(a->vma->flags & VMA_SHARED) && !(pte & PTE_COW) &&
		!(a->vma->flags & VMA_SPECIAL));
	dirty = anon || (pte & PTE_D);
	a->rss += PAGE_SIZE;
	a->pss_x += ((uint64_t)PAGE_SIZE << PSS_SHIFT) / maps;
	if (maps > 1) {
		if (dirty)
			a->shared_dirty += PAGE_SIZE;
		else
			a->shared_clean += PAGE_SIZE;
	} else if (dirty) {
		a->private_dirty += PAGE_SIZE;
	} else {
		a->private_clean += PAGE_SIZE;
	}
	if (pte & PTE_A)
		a->referenced += PAGE_SIZE;
	if (anon)
		a->anon += PAGE_SIZE;
	(void)va;
}

/*
 * /proc/<pid>/smaps: maps' line for each VMA, then what its page-table
 * entries hold: Rss (frames mapped), Pss (each shared by its map count),
 * shared/private by map count, dirty as above, Referenced from the
 * accessed bits, Anonymous.  Zero because KOS has none of them: huge
 * pages, KSM, lazy-free, swap, mlock (Locked).
 */
static void gen_pid_smaps(struct pbuf *b, struct proc *p)
{
	struct vm_space *vm = leader_vm(p);
	struct map_names mn;

	if (!vm)
		return;
	map_names_get(vm, &mn);
	mutex_lock(&vm->lock);
	for (size_t i = 0; i < vm->vmas.n; i++) {
		const struct vma *v = vm->vmas.v[i];
		struct smaps_acc a = { .vma = v };

		arch_pgt_for_each(vm->pml4, v->start, v->end, smaps_pte, &a);
		maps_line(b, v, map_name(&mn, v));
#define KB(x) (unsigned long long)((x) >> 10)
		pb_printf(b, "Size:           %8llu kB\n",
			  KB(v->end - v->start));
		pb_printf(b, "KernelPageSize: %8u kB\nMMUPageSize:    %8u kB\n",
			  4, 4);
		pb_printf(b, "Rss:            %8llu kB\n", KB(a.rss));
		pb_printf(b, "Pss:            %8llu kB\n",
			  KB(a.pss_x >> PSS_SHIFT));
		pb_printf(b, "Pss_Dirty:      %8llu kB\n",
			  KB(a.private_dirty + a.shared_dirty));
		pb_printf(b, "Shared_Clean:   %8llu kB\n", KB(a.shared_clean));
		pb_printf(b, "Shared_Dirty:   %8llu kB\n", KB(a.shared_dirty));
		pb_printf(b, "Private_Clean:  %8llu kB\n", KB(a.private_clean));
		pb_printf(b, "Private_Dirty:  %8llu kB\n", KB(a.private_dirty));
		pb_printf(b, "Referenced:     %8llu kB\n", KB(a.referenced));
		pb_printf(b, "Anonymous:      %8llu kB\n", KB(a.anon));
#undef KB
		pb_put(b, smaps_zero, sizeof(smaps_zero) - 1);
		pb_printf(b, "VmFlags:%s%s%s%s%s%s%s%s%s%s\n",
			  (v->prot & PROT_READ) ? " rd" : "",
			  (v->prot & PROT_WRITE) ? " wr" : "",
			  (v->prot & PROT_EXEC) ? " ex" : "",
			  (v->flags & VMA_SHARED) ? " sh" : "", " mr",
			  (v->flags & VMA_NOWRITE) ? "" : " mw",
			  (v->flags & VMA_NOEXEC) ? "" : " me",
			  (v->flags & VMA_SHARED) ? " ms" : "",
			  (v->flags & VMA_GROWSDOWN) ? " gd" : "",
			  (v->flags & VMA_DONTDUMP) ? " dd" : "");
	}
	mutex_unlock(&vm->lock);
	map_names_put(&mn);
	vm_put(vm);
}

/*
 * /proc/<pid>/fdinfo/<fd>: Linux's seq_show() lines (pos, flags in
 * octal with O_CLOEXEC from the fd, mnt_id, ino), then the file's own
 * (file_ops.show_fdinfo).  Empty if the fd is gone.
 */
static void gen_pid_fdinfo(struct pbuf *b, struct proc *p, int fd)
{
	struct fdtable *fdt = NULL;
	struct file *f = NULL;
	int fdflags = 0;

	mutex_lock(&proc_lock);
	if (p->leader && !p->leader->exited && p->leader->fdt) {
		fdt = p->leader->fdt;
		f = fdt_get(fdt, fd);
		if (f)
			fdflags = fdt_get_fdflags(fdt, fd);
	}
	mutex_unlock(&proc_lock);
	if (!f)
		return;
	pb_printf(b, "pos:\t%llu\nflags:\t0%o\nmnt_id:\t%d\nino:\t%llu\n",
		  (unsigned long long)f->pos,
		  f->flags | (fdflags > 0 && (fdflags & 1) ? O_CLOEXEC : 0),
		  f->vnode ? vfs_mount_id(f->vnode->sb) : 0,
		  (unsigned long long)(f->vnode ? f->vnode->ino : 0));
	if (f->ops && f->ops->show_fdinfo)
		f->ops->show_fdinfo(f, pb_sink, b);
	file_put(f);
}

static void gen_pid_limits(struct pbuf *b, struct proc *p)
{
	static const char *const names[RLIM_NLIMITS] = {
		"Max cpu time",		 "Max file size",
		"Max data size",	 "Max stack size",
		"Max core file size",	 "Max resident set",
		"Max processes",	 "Max open files",
		"Max locked memory",	 "Max address space",
		"Max file locks",	 "Max pending signals",
		"Max msgqueue size",	 "Max nice priority",
		"Max realtime priority", "Max realtime timeout",
	};
	static const char *const units[RLIM_NLIMITS] = {
		"seconds",   "bytes", "bytes", "bytes", "bytes", "bytes",
		"processes", "files", "bytes", "bytes", "locks", "signals",
		"bytes",     "",      "",      "us",
	};

	pb_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit",
		  "Hard Limit", "Units");
	mutex_lock(&proc_lock);
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		char s[24], h[24];
		uint64_t cur = p->rlim[i].rlim_cur, max = p->rlim[i].rlim_max;

		if (cur == RLIM64_INFINITY)
			kos_strlcpy(s, "unlimited", sizeof(s));
		else
			kos_snprintf(s, sizeof(s), "%llu",
				     (unsigned long long)cur);
		if (max == RLIM64_INFINITY)
			kos_strlcpy(h, "unlimited", sizeof(h));
		else
			kos_snprintf(h, sizeof(h), "%llu",
				     (unsigned long long)max);
		pb_printf(b, "%-25s %-20s %-20s %-10s\n", names[i], s, h,
			  units[i]);
	}
	mutex_unlock(&proc_lock);
}

/* The variable behind a writable sysctl kind, or NULL. */
static unsigned int *sysctl_var(int kind)
{
	switch (kind) {
	case PK_INO_QUEUED:
		return &inotify_max_queued_events;
	case PK_INO_INSTANCES:
		return &inotify_max_user_instances;
	case PK_INO_WATCHES:
		inotify_user_watches_max(); /* computed on first use */
		return &inotify_max_user_watches;
	case PK_RANDOMIZE_VA:
		return &exec_randomize_va_space;
	default:
		return NULL;
	}
}

/* The largest value a writable sysctl kind takes. */
static unsigned int sysctl_max(int kind)
{
	return kind == PK_RANDOMIZE_VA ? 2 : INT32_MAX;
}

/* Generate the text of file node n (empty for a vanished process). */
static void generate(struct pnode *n, struct pbuf *b)
{
	struct proc *p = NULL;

	if (n->pid > 0) {
		p = proc_ref(n->pid);
		if (!p)
			return;
	}
	switch (n->kind) {
	case PK_MEMINFO:
		gen_meminfo(b);
		break;
	case PK_UPTIME:
		gen_uptime(b);
		break;
	case PK_STAT:
		gen_stat(b);
		break;
	case PK_VERSION:
		pb_printf(b, "Linux version %s (kos@kos) (gcc) #1 KOS %s\n",
			  KOS_UNAME_RELEASE, KOS_VERSION);
		break;
	case PK_FILESYSTEMS:
		pb_printf(b, "nodev\tsysfs\nnodev\ttmpfs\nnodev\tdevtmpfs\n"
			     "nodev\tproc\nnodev\tmqueue\nnodev\tdevpts\n");
		break;
	case PK_CMDLINE_K:
		gen_cmdline_k(b);
		break;
	case PK_LOADAVG:
		gen_loadavg(b);
		break;
	case PK_HOSTNAME: {
		char name[UTS_LEN];

		uts_get_hostname(name);
		pb_printf(b, "%s\n", name);
		break;
	}
	case PK_OSTYPE:
		pb_put(b, "Linux\n", 6);
		break;
	case PK_OSRELEASE:
		pb_printf(b, "%s\n", KOS_UNAME_RELEASE);
		break;
	case PK_PID_MAX:
		pb_printf(b, "%d\n", PID_MAX);
		break;
	case PK_OVERCOMMIT:
		pb_put(b, "0\n", 2);
		break;
	case PK_INO_QUEUED:
	case PK_INO_INSTANCES:
	case PK_INO_WATCHES:
	case PK_RANDOMIZE_VA:
		pb_printf(b, "%u\n", *sysctl_var(n->kind));
		break;
	case PK_P_STAT:
		gen_pid_stat(b, p, n->tid);
		break;
	case PK_P_STATM:
		gen_pid_statm(b, p);
		break;
	case PK_P_STATUS:
		gen_pid_status(b, p, n->tid);
		break;
	case PK_P_CMDLINE:
		gen_user_range(b, p, false);
		break;
	case PK_P_ENVIRON:
		gen_user_range(b, p, true);
		break;
	case PK_P_COMM:
		mutex_lock(&proc_lock);
		pb_printf(b, "%s\n", p->comm);
		mutex_unlock(&proc_lock);
		break;
	case PK_P_MOUNTS:
		gen_mounts(b);
		break;
	case PK_P_LIMITS:
		gen_pid_limits(b, p);
		break;
	case PK_P_MAPS:
		gen_pid_maps(b, p);
		break;
	case PK_P_PERSONALITY: {
		struct uthread *ut;

		mutex_lock(&proc_lock);
		ut = thread_of(p, n->tid);
		if (ut)
			pb_printf(b, "%08x\n", ut->personality);
		mutex_unlock(&proc_lock);
		break;
	}
	case PK_P_SMAPS:
		gen_pid_smaps(b, p);
		break;
	case PK_P_MOUNTINFO:
		vfs_show_mountinfo(pb_sink, b);
		break;
	case PK_P_FDINFO_FILE:
		gen_pid_fdinfo(b, p, n->fd);
		break;
	case PK_CPUINFO:
		arch_cpuinfo(pb_sink, b);
		break;
	case PK_PARTITIONS:
		blkdev_show_partitions(pb_sink, b);
		break;
	default:
		if (n->kind >= PK_NET_FIRST && n->kind <= PK_NET_LAST)
			net_proc_show(n->kind - PK_NET_FIRST, pb_sink, b);
		break;
	}
	if (p)
		proc_put(p);
}

static ssize_t proc_read(struct vnode *v, struct uio *u, uint64_t off)
{
	struct pbuf b = { 0 };
	ssize_t r = 0;
	int err;

	generate(PN(v), &b);
	if (b.oom) {
		kfree(b.buf);
		return -ENOMEM;
	}
	if (off < b.len) {
		size_t n = MIN(u->resid, b.len - (size_t)off);

		err = uio_copyout(u, b.buf + off, n);
		r = err ? err : (ssize_t)n;
	}
	kfree(b.buf);
	return r;
}

/*
 * write(2) to a writable sysctl (in /proc/sys/fs/inotify,
 * kernel/randomize_va_space): a decimal number from offset 0,
 * surrounding blanks allowed (Linux's proc_dointvec_minmax() with a
 * minimum of 0 and sysctl_max()): -EINVAL otherwise.
 */
static ssize_t proc_write(struct vnode *v, struct uio *u, uint64_t off)
{
	size_t len = u->resid, i = 0;
	unsigned int *var = sysctl_var(PN(v)->kind);
	uint64_t n = 0;
	char buf[24];
	int err;

	if (!var)
		return -EINVAL;
	if (off != 0 && off != UINT64_MAX)
		return (ssize_t)len; /* Linux ignores writes past the start */
	if (len >= sizeof(buf))
		return -EINVAL;
	err = uio_copyin(u, buf, len);
	if (err)
		return err;
	buf[len] = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (i == len || buf[i] < '0' || buf[i] > '9')
		return -EINVAL;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		n = n * 10 + (uint64_t)(buf[i] - '0');
		if (n > sysctl_max(PN(v)->kind))
			return -EINVAL;
	}
	while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t'))
		i++;
	if (i != len)
		return -EINVAL;
	__atomic_store_n(var, (unsigned int)n, __ATOMIC_RELAXED);
	return (ssize_t)len;
}

/* ---- symbolic links ---------------------------------------------------- */

/* Copy s into buf (len bytes at most, no NUL): the length copied. */
static ssize_t put_link(char *buf, size_t len, const char *s)
{
	size_t n = MIN(len, kos_strlen(s));

	kos_memcpy(buf, s, n);
	return (ssize_t)n;
}

/*
 * What exe, cwd, root or fd/N of p point to: a directory (*v) or an open
 * file (*f), referenced, or neither.
 */
static void link_ref(struct proc *p, struct pnode *n, struct vnode **vp,
		     struct file **fp)
{
	struct vnode *v = NULL;
	struct file *f = NULL;
	struct uthread *ut;

	mutex_lock(&proc_lock);
	ut = p->leader && !p->leader->exited ? p->leader : NULL;
	/* exe: the file the program was loaded from (a script's
	 * interpreter; symlinks resolved), as Linux */
	if (ut && n->kind == PK_P_EXE && ut->vm && ut->vm->exe) {
		f = ut->vm->exe;
		file_get(f);
	}
	if (ut && ut->fs && (n->kind == PK_P_CWD || n->kind == PK_P_ROOT)) {
		v = n->kind == PK_P_CWD ? ut->fs->cwd : ut->fs->root;
		if (v)
			vnode_get(v);
	}
	if (ut && ut->fdt && n->kind == PK_P_FD_LINK)
		f = fdt_get(ut->fdt, n->fd);
	mutex_unlock(&proc_lock);
	*vp = v;
	*fp = f;
}

/*
 * The text of exe, cwd, root or fd/N of p.  No vnode lock is held
 * (readlink runs without one), so vfs_path() may take them.
 */
static ssize_t link_target(struct proc *p, struct pnode *n, char *buf,
			   size_t len)
{
	char *tmp = kmalloc(PATH_MAX);
	struct vnode *v;
	struct file *f;
	ssize_t r = -ENOENT;

	if (!tmp)
		return -ENOMEM;
	link_ref(p, n, &v, &f);
	if (v) {
		if (vfs_path(v, tmp, PATH_MAX) > 0)
			r = put_link(buf, len, tmp);
		vnode_put(v);
	}
	if (f) {
		if (file_path(f, tmp, PATH_MAX) > 0)
			r = put_link(buf, len, tmp);
		file_put(f);
	}
	kfree(tmp);
	return r;
}

static ssize_t proc_readlink(struct vnode *v, char *buf, size_t len)
{
	struct pnode *n = PN(v);
	struct uthread *cur = uthread_current();
	char tmp[64];
	const char *s = tmp;
	struct proc *p = NULL;
	ssize_t r;

	tmp[0] = 0;
	switch (n->kind) {
	case PK_SELF:
		if (!cur)
			return -ENOENT;
		kos_snprintf(tmp, sizeof(tmp), "%d", cur->proc->pid);
		break;
	case PK_THREAD_SELF:
		if (!cur)
			return -ENOENT;
		kos_snprintf(tmp, sizeof(tmp), "%d/task/%d", cur->proc->pid,
			     cur->tid);
		break;
	case PK_MOUNTS_LINK:
		s = "self/mounts";
		break;
	case PK_NET_LINK:
		s = "self/net";
		break;
	case PK_P_EXE:
	case PK_P_CWD:
	case PK_P_ROOT:
	case PK_P_FD_LINK:
		p = proc_ref(n->pid);
		if (!p)
			return -ENOENT;
		break;
	default:
		return -EINVAL;
	}
	if (p) {
		r = link_target(p, n, buf, len);
		proc_put(p);
		return r;
	}
	r = (ssize_t)MIN(len, kos_strlen(s));
	kos_memcpy(buf, s, (size_t)r);
	return r;
}

/*
 * Following exe, cwd, root or fd/N goes to the file itself, as on Linux:
 * a deleted file, a pipe or a file outside the caller's root opens all
 * the same.  A file with no vnode (eventfd and the like): -ENOENT.
 */
static int proc_get_link(struct vnode *v, struct vnode **out)
{
	struct pnode *n = PN(v);
	struct vnode *t;
	struct file *f;
	struct proc *p;

	if (n->kind != PK_P_EXE && n->kind != PK_P_CWD &&
	    n->kind != PK_P_ROOT && n->kind != PK_P_FD_LINK)
		return -ENOSYS; /* self, thread-self, mounts, net: text */
	p = proc_ref(n->pid);
	if (!p)
		return -ENOENT;
	link_ref(p, n, &t, &f);
	proc_put(p);
	if (f) {
		t = f->vnode;
		if (t)
			vnode_get(t);
		file_put(f);
	}
	if (!t)
		return -ENOENT;
	*out = t;
	return 0;
}

/* ---- directories -------------------------------------------------------- */

static bool is_num(const char *s, size_t len, int *out)
{
	long v = 0;

	if (!len || len > 9 || (s[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = (int)v;
	return true;
}

static int proc_lookup(struct vnode *dir, const char *name, size_t len,
		       struct vnode **out)
{
	struct pnode *d = PN(dir);
	const struct pent *t = table_of(d->kind);
	struct proc *p;
	int num;

	if (len == 2 && name[0] == '.' && name[1] == '.') {
		/* Up: the pid directory or the root (no parent pointers). */
		int kind = d->kind == PK_SYS_KERNEL || d->kind == PK_SYS_VM ||
					   d->kind == PK_SYS_FS
				   ? PK_SYS
			   : d->kind == PK_SYS_INOTIFY ? PK_SYS_FS
			   : d->kind == PK_P_FD || d->kind == PK_P_TASK ||
					   d->kind == PK_P_FDINFO ||
					   d->kind == PK_P_NET
				   ? PK_PID
			   : d->kind == PK_PID && d->tid ? PK_P_TASK
							 : PK_ROOT;

		if (kind == PK_ROOT) {
			vnode_get(proc_sb->root);
			*out = proc_sb->root;
			return 0;
		}
		*out = node_new(kind, DIR_MODE,
				kind == PK_SYS || kind == PK_SYS_FS ? 0
								    : d->pid,
				0, -1);
		return *out ? 0 : -ENOMEM;
	}
	for (; t && t->name; t++) {
		if (kos_strlen(t->name) != len ||
		    kos_memcmp(t->name, name, len))
			continue;
		if (d->tid && t->kind == PK_P_TASK)
			break; /* no task/ inside a thread's directory */
		*out = node_new(t->kind, t->mode, d->pid, d->tid, -1);
		return *out ? 0 : -ENOMEM;
	}
	if (!is_num(name, len, &num))
		return -ENOENT;
	switch (d->kind) {
	case PK_ROOT:
		p = proc_ref(num);
		if (!p)
			return -ENOENT;
		proc_put(p);
		*out = node_new(PK_PID, DIR_MODE, num, 0, -1);
		return *out ? 0 : -ENOMEM;
	case PK_P_TASK:
		p = proc_ref(d->pid);
		if (!p)
			return -ENOENT;
		mutex_lock(&proc_lock);
		num = thread_of(p, num) ? num : -1;
		mutex_unlock(&proc_lock);
		proc_put(p);
		if (num < 0)
			return -ENOENT;
		*out = node_new(PK_PID, DIR_MODE, d->pid, num, -1);
		return *out ? 0 : -ENOMEM;
	case PK_P_FD:
	case PK_P_FDINFO:
		p = proc_ref(d->pid);
		if (!p)
			return -ENOENT;
		mutex_lock(&proc_lock);
		{
			struct uthread *ut = p->leader;
			struct file *f = ut && !ut->exited && ut->fdt
						 ? fdt_get(ut->fdt, num)
						 : NULL;

			if (f)
				file_put(f);
			else
				num = -1;
		}
		mutex_unlock(&proc_lock);
		proc_put(p);
		if (num < 0)
			return -ENOENT;
		if (d->kind == PK_P_FDINFO)
			*out = node_new(PK_P_FDINFO_FILE, REG_MODE, d->pid, 0,
					num);
		else
			*out = node_new(PK_P_FD_LINK, S_IFLNK | 0700, d->pid, 0,
					num);
		return *out ? 0 : -ENOMEM;
	default:
		return -ENOENT;
	}
}

static unsigned int dtype(uint32_t mode)
{
	return (mode & S_IFMT) >> 12;
}

/* Up to max numbers of a directory's numeric entries, ascending. */
static unsigned int numbers(struct pnode *d, int *out, unsigned int max)
{
	unsigned int n = 0;
	struct proc *p;

	mutex_lock(&proc_lock);
	if (d->kind == PK_ROOT) {
		list_for_each_entry (p, &proc_list, link)
			if (p->state != PROC_DEAD && n < max)
				out[n++] = p->pid;
	} else if ((p = pid_proc(d->pid))) {
		if (d->kind == PK_P_TASK) {
			struct uthread *ut;

			list_for_each_entry (ut, &p->threads, group_link)
				if (!ut->exited && n < max)
					out[n++] = ut->tid;
		} else if (p->leader && !p->leader->exited && p->leader->fdt) {
			struct fdtable *fdt = p->leader->fdt;

			for (unsigned int fd = 0; fd < fdt->size && n < max;
			     fd++) {
				struct file *f = fdt_get(fdt, (int)fd);

				if (f) {
					file_put(f);
					out[n++] = (int)fd;
				}
			}
		}
	}
	mutex_unlock(&proc_lock);
	for (unsigned int i = 1; i < n; i++) /* insertion sort: small */
		for (unsigned int j = i; j > 0 && out[j - 1] > out[j]; j--) {
			int t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

#define NUM_BASE 1024 /* readdir positions of numeric entries: base + n */
#define NUM_MAX 4096

static int proc_readdir(struct vnode *dir, uint64_t *pos, vfs_filldir_t fill,
			void *ctx)
{
	struct pnode *d = PN(dir);
	const struct pent *t = table_of(d->kind);
	unsigned int i = 0, n;
	int *nums;

	if (*pos == 0) {
		if (!fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (!fill(ctx, "..", 2, 1, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	for (; t && t[i].name; i++) {
		if (*pos > 2 + i || (d->tid && t[i].kind == PK_P_TASK))
			continue;
		if (!fill(ctx, t[i].name, kos_strlen(t[i].name),
			  ino_of(t[i].kind, d->pid, d->tid, -1),
			  dtype(t[i].mode), 3 + i))
			return 0;
		*pos = 3 + i;
	}
	if (d->kind != PK_ROOT && d->kind != PK_P_TASK && d->kind != PK_P_FD &&
	    d->kind != PK_P_FDINFO)
		return 0;
	nums = kmalloc(NUM_MAX * sizeof(int));
	if (!nums)
		return -ENOMEM;
	n = numbers(d, nums, NUM_MAX);
	for (i = 0; i < n; i++) {
		char name[16];
		int len = kos_snprintf(name, sizeof(name), "%d", nums[i]);
		bool fd = d->kind == PK_P_FD || d->kind == PK_P_FDINFO;
		bool info = d->kind == PK_P_FDINFO;

		if (*pos > NUM_BASE + (uint64_t)nums[i])
			continue;
		if (!fill(ctx, name, (size_t)len,
			  ino_of(info ? PK_P_FDINFO_FILE
				 : fd ? PK_P_FD_LINK
				      : PK_PID,
				 fd ? d->pid
				    : (d->kind == PK_P_TASK ? d->pid : nums[i]),
				 d->kind == PK_P_TASK ? nums[i] : 0,
				 fd ? nums[i] : -1),
			  info ? DT_REG
			  : fd ? DT_LNK
			       : DT_DIR,
			  NUM_BASE + (uint64_t)nums[i] + 1))
			break;
		*pos = NUM_BASE + (uint64_t)nums[i] + 1;
	}
	kfree(nums);
	return 0;
}

static void proc_evict(struct vnode *v)
{
	kfree(PN(v));
}

int procfs_tgid_of(struct file *f)
{
	struct pnode *n;

	if (!f->vnode || f->vnode->ops != &proc_vops)
		return 0;
	n = PN(f->vnode);
	return n->kind == PK_PID && !n->tid && n->pid > 0 ? n->pid : 0;
}

static const struct vnode_ops proc_vops = {
	.lookup = proc_lookup,
	.readlink = proc_readlink,
	.get_link = proc_get_link,
	.readdir = proc_readdir,
	.read = proc_read,
	.write = proc_write,
};

static const struct super_ops proc_sops = {
	.evict = proc_evict,
};

/*
 * The one proc instance (every mount of proc shows the same tree, as
 * Linux's does within one pid namespace).  NULL if memory is short.
 */
struct superblock *vfs_procfs(void)
{
	struct superblock *sb;

	if (proc_sb)
		return proc_sb;
	sb = kzalloc(sizeof(*sb));
	if (!sb)
		return NULL;
	vfs_sb_init(sb);
	sb->flags = VFS_SB_NOCACHE | VFS_SB_SINGLE;
	sb->ops = &proc_sops;
	sb->fstype = "proc";
	sb->magic = PROC_SUPER_MAGIC;
	sb->dev = vfs_anon_dev();
	proc_sb = sb;
	sb->root = node_new(PK_ROOT, DIR_MODE, 0, 0, -1);
	if (!sb->root) {
		proc_sb = NULL;
		kfree(sb);
		return NULL;
	}
	return sb;
}
