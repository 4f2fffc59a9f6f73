/*
 * The system-call table and dispatcher.
 *
 * IMPLEMENTED lists every handler with an argument format, one letter per
 * argument, that says how to trace it and how wide its C type is:
 *	d signed decimal	u unsigned decimal	x hex
 *	p user pointer		s user string
 * are 64-bit (long, size_t, pointers); the 32-bit types are
 *	D int			U unsigned int		X unsigned int, hex
 *	O mode (octal)		f fd (int; AT_FDCWD shown by name)
 * Like Linux (whose syscall wrappers cast every argument to its declared
 * type), the dispatcher ignores the upper half of a 32-bit argument: D and
 * f are sign-extended from bit 31, U, X and O zero-extended, before the
 * handler sees them.  So openat(0xffffffff00000000 | AT_FDCWD, ...) is
 * openat(AT_FDCWD, ...), and ioctl's command is never sign-extended.
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
	X(open, "sXO") \
	X(close, "f") \
	X(stat, "sp") \
	X(fstat, "fp") \
	X(lstat, "sp") \
	X(lseek, "fdU") \
	X(mmap, "pxxxfx") \
	X(mprotect, "pxx") \
	X(munmap, "px") \
	X(brk, "p") \
	X(rt_sigaction, "Dppu") \
	X(rt_sigprocmask, "Dppu") \
	X(ioctl, "fXp") \
	X(pread64, "fpud") \
	X(pwrite64, "fpud") \
	X(readv, "fpd") \
	X(writev, "fpd") \
	X(access, "sO") \
	X(sched_yield, "") \
	X(madvise, "pxD") \
	X(msync, "pxX") \
	X(dup, "f") \
	X(dup2, "ff") \
	X(nanosleep, "pp") \
	X(getpid, "") \
	X(exit, "D") \
	X(uname, "p") \
	X(fcntl, "fUx") \
	X(getcwd, "pu") \
	X(chdir, "s") \
	X(fchdir, "f") \
	X(readlink, "spD") \
	X(gettimeofday, "pp") \
	X(getrlimit, "Up") \
	X(getuid, "") \
	X(getgid, "") \
	X(geteuid, "") \
	X(getegid, "") \
	X(getppid, "") \
	X(arch_prctl, "Xp") \
	X(setrlimit, "Up") \
	X(gettid, "") \
	X(time, "p") \
	X(getdents64, "fpU") \
	X(set_tid_address, "p") \
	X(clock_gettime, "Dp") \
	X(clock_getres, "Dp") \
	X(clock_nanosleep, "DXpp") \
	X(exit_group, "D") \
	X(openat, "fsXO") \
	X(newfstatat, "fspX") \
	X(readlinkat, "fspD") \
	X(faccessat, "fsO") \
	X(set_robust_list, "pu") \
	X(dup3, "ffX") \
	X(prlimit64, "DUpp") \
	X(getrandom, "puX") \
	X(statx, "fsXXp") \
	X(faccessat2, "fsOX")
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

static void trace_call(const struct uregs *r, const unsigned long a[6],
		       const char *fmt, long ret)
{
	const char *name = syscall_name(r->orig_rax);
	struct proc *p = proc_current();
	char buf[400];
	size_t len = 0, room = sizeof(buf);

	for (int i = 0; fmt && fmt[i] && i < 6 && len < room; i++) {
		const char *sep = i ? ", " : "";

		switch (fmt[i]) {
		case 'd':
		case 'D':
			len += kos_snprintf(buf + len, room - len, "%s%ld", sep,
					    (long)a[i]);
			break;
		case 'u':
		case 'U':
			len += kos_snprintf(buf + len, room - len, "%s%lu", sep,
					    a[i]);
			break;
		case 'O':
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

/*
 * Cut each argument to the width of its C type, as the format says: the
 * 32-bit ones lose their upper half (D and f sign-extend, U, X and O
 * zero-extend); the rest stay as they are.
 */
void syscall_narrow_args(const char *fmt, unsigned long a[6])
{
	for (int i = 0; fmt && fmt[i] && i < 6; i++) {
		switch (fmt[i]) {
		case 'D':
		case 'f':
			a[i] = (unsigned long)(long)(int)a[i];
			break;
		case 'U':
		case 'X':
		case 'O':
			a[i] = (uint32_t)a[i];
			break;
		}
	}
}

long syscall_dispatch(struct uregs *r)
{
	/* Linux looks at the low 32 bits of the number only. */
	unsigned long nr = (unsigned int)r->orig_rax;
	unsigned long a[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	const struct syscall_entry *e = NULL;
	long ret;

	if (nr < SYSCALL_MAX && syscall_table[nr].fn)
		e = &syscall_table[nr];
	if (e) {
		syscall_narrow_args(e->fmt, a);
		ret = e->fn(a[0], a[1], a[2], a[3], a[4], a[5]);
	} else {
		ret = enosys(nr);
	}
	if (tracing())
		trace_call(r, a, e ? e->fmt : "xxxxxx", ret);
	return ret;
}

unsigned int syscall_count_implemented(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < SYSCALL_MAX; i++)
		n += syscall_table[i].fn != NULL;
	return n;
}
