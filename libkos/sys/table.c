/*
 * The system-call table and dispatcher.
 *
 * IMPLEMENTED lists every handler with an argument format for tracing, one
 * letter per argument:
 *	d signed decimal	u unsigned decimal	x hex
 *	o octal (modes)		p user pointer		s user string
 *	f fd (AT_FDCWD shown by name)
 * Every number without a handler reports -ENOSYS (logged once by name,
 * with its number).
 *
 * debug=syscall on the command line prints every call strace-style:
 *	[pid] name(args) = result
 */
#include <kos/cmdline.h>
#include <kos/log.h>
#include <kos/plat/user.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/syscall.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/unistd.h>

/* clang-format off */
#define IMPLEMENTED(X) \
	X(read, "fpu") \
	X(write, "fpu") \
	X(open, "sxo") \
	X(close, "f") \
	X(stat, "sp") \
	X(fstat, "fp") \
	X(lstat, "sp") \
	X(lseek, "fdd") \
	X(mmap, "pxxxfx") \
	X(mprotect, "pxx") \
	X(munmap, "px") \
	X(brk, "p") \
	X(rt_sigaction, "dppu") \
	X(rt_sigprocmask, "dppu") \
	X(ioctl, "fxp") \
	X(pread64, "fpud") \
	X(pwrite64, "fpud") \
	X(readv, "fpd") \
	X(writev, "fpd") \
	X(access, "so") \
	X(sched_yield, "") \
	X(madvise, "pxd") \
	X(msync, "pxx") \
	X(dup, "f") \
	X(dup2, "ff") \
	X(nanosleep, "pp") \
	X(getpid, "") \
	X(exit, "d") \
	X(uname, "p") \
	X(fcntl, "fdx") \
	X(getcwd, "pu") \
	X(chdir, "s") \
	X(fchdir, "f") \
	X(readlink, "spu") \
	X(gettimeofday, "pp") \
	X(getrlimit, "dp") \
	X(getuid, "") \
	X(getgid, "") \
	X(geteuid, "") \
	X(getegid, "") \
	X(getppid, "") \
	X(arch_prctl, "xp") \
	X(setrlimit, "dp") \
	X(gettid, "") \
	X(time, "p") \
	X(getdents64, "fpu") \
	X(set_tid_address, "p") \
	X(clock_gettime, "dp") \
	X(clock_getres, "dp") \
	X(clock_nanosleep, "dxpp") \
	X(exit_group, "d") \
	X(openat, "fsxo") \
	X(newfstatat, "fspx") \
	X(readlinkat, "fspu") \
	X(faccessat, "fso") \
	X(set_robust_list, "pu") \
	X(dup3, "ffx") \
	X(prlimit64, "ddpp") \
	X(getrandom, "pux") \
	X(statx, "fsxxp") \
	X(faccessat2, "fsox")
/* clang-format on */

#define DECLARE(name, fmt)                                                  \
	extern long sys_##name(unsigned long, unsigned long, unsigned long, \
			       unsigned long, unsigned long, unsigned long);
IMPLEMENTED(DECLARE)

struct syscall_entry {
	syscall_fn_t fn;
	const char *fmt;
};

#define ENTRY(name, f) [__NR_##name] = { sys_##name, f },
static const struct syscall_entry syscall_table[SYSCALL_MAX] = { IMPLEMENTED(
	ENTRY) };

#define NAME(nr, name) [nr] = #name,
static const char *const syscall_names[SYSCALL_MAX] = { SYSCALL_LIST(NAME) };

/* One bit per number: already logged as unimplemented. */
static uint64_t enosys_logged[(SYSCALL_MAX + 63) / 64];

static int trace_state = -1; /* -1: not yet read from the command line */

const char *syscall_name(unsigned long nr)
{
	if (nr < SYSCALL_MAX && syscall_names[nr])
		return syscall_names[nr];
	return NULL;
}

static bool tracing(void)
{
	if (trace_state < 0)
		trace_state =
			cmdline_list_has(&kos_cmdline, "debug", "syscall");
	return trace_state;
}

/* Append an escaped, truncated user string like strace's "abc"... */
static size_t trace_string(char *out, size_t room, unsigned long uptr)
{
	char s[40];
	long n = strncpy_from_user(s, (const char *)uptr, sizeof(s));
	size_t len = 0;

	if (n == -EFAULT)
		return kos_snprintf(out, room, "%#lx", uptr);
	if (n < 0)
		n = sizeof(s) - 1;
	len += kos_snprintf(out + len, room > len ? room - len : 0, "\"");
	for (long i = 0; i < n && len < room; i++) {
		unsigned char c = s[i];

		if (c == '\n')
			len += kos_snprintf(out + len, room - len, "\\n");
		else if (c == '"' || c == '\\')
			len += kos_snprintf(out + len, room - len, "\\%c", c);
		else if (c < 32 || c > 126)
			len += kos_snprintf(out + len, room - len, "\\%o", c);
		else
			out[len++] = c;
	}
	if (len < room)
		len += kos_snprintf(out + len, room - len, "\"%s",
				    n == (long)sizeof(s) - 1 ? "..." : "");
	return len;
}

static void trace_call(const struct uregs *r, const char *fmt, long ret)
{
	unsigned long a[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	const char *name = syscall_name(r->orig_rax);
	struct proc *p = proc_current();
	char buf[400];
	size_t len = 0, room = sizeof(buf);

	for (int i = 0; fmt && fmt[i] && i < 6 && len < room; i++) {
		const char *sep = i ? ", " : "";

		switch (fmt[i]) {
		case 'd':
			len += kos_snprintf(buf + len, room - len, "%s%ld", sep,
					    (long)a[i]);
			break;
		case 'u':
			len += kos_snprintf(buf + len, room - len, "%s%lu", sep,
					    a[i]);
			break;
		case 'o':
			len += kos_snprintf(buf + len, room - len, "%s%#lo",
					    sep, a[i]);
			break;
		case 'f':
			if ((int)a[i] == -100)
				len += kos_snprintf(buf + len, room - len,
						    "%sAT_FDCWD", sep);
			else
				len += kos_snprintf(buf + len, room - len,
						    "%s%d", sep, (int)a[i]);
			break;
		case 's':
			len += kos_snprintf(buf + len, room - len, "%s", sep);
			if (len < room)
				len += trace_string(buf + len, room - len,
						    a[i]);
			break;
		case 'p':
			if (!a[i]) {
				len += kos_snprintf(buf + len, room - len,
						    "%sNULL", sep);
				break;
			}
			/* fall through */
		default:
			len += kos_snprintf(buf + len, room - len, "%s%#lx",
					    sep, a[i]);
			break;
		}
	}
	if (len >= room)
		len = room - 1;
	buf[len] = 0;
	if (p && p->exiting) /* exit, exit_group: no return, as strace says */
		kos_log(LOG_NOTICE, "[%d] %s(%s) = ?", p->pid,
			name ? name : "?", buf);
	else if (ret < 0 && ret >= -4095)
		kos_log(LOG_NOTICE, "[%d] %s(%s) = -1 (errno %ld)",
			p ? p->pid : 0, name ? name : "?", buf, -ret);
	else if (ret >= 0 && ret < 0x10000)
		kos_log(LOG_NOTICE, "[%d] %s(%s) = %ld", p ? p->pid : 0,
			name ? name : "?", buf, ret);
	else
		kos_log(LOG_NOTICE, "[%d] %s(%s) = %#lx", p ? p->pid : 0,
			name ? name : "?", buf, ret);
}

static long enosys(unsigned long nr)
{
	if (nr < SYSCALL_MAX &&
	    !(enosys_logged[nr / 64] & (1ULL << (nr % 64)))) {
		enosys_logged[nr / 64] |= 1ULL << (nr % 64);
		log_warn("syscall %lu (%s) not implemented: ENOSYS", nr,
			 syscall_name(nr) ? syscall_name(nr) : "unknown");
	} else if (nr >= SYSCALL_MAX) {
		log_debug("syscall %lu out of range: ENOSYS", nr);
	}
	return -ENOSYS;
}

long syscall_dispatch(struct uregs *r)
{
	/* Linux looks at the low 32 bits of the number only. */
	unsigned long nr = (unsigned int)r->orig_rax;
	const struct syscall_entry *e = NULL;
	long ret;

	if (nr < SYSCALL_MAX && syscall_table[nr].fn)
		e = &syscall_table[nr];
	if (e)
		ret = e->fn(r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9);
	else
		ret = enosys(nr);
	if (tracing())
		trace_call(r, e ? e->fmt : "xxxxxx", ret);
	return ret;
}

unsigned int syscall_count_implemented(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < SYSCALL_MAX; i++)
		n += syscall_table[i].fn != NULL;
	return n;
}
