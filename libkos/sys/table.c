/*
 * The system-call table and dispatcher.
 *
 * The table maps x86-64 numbers to the argument descriptions that
 * SYSCALL_DEFINEn() generates for every handler listed in
 * kos/syscalls.h: the entry point that converts the six raw registers to
 * the handler's C types (which cuts 32-bit arguments to their width, as
 * Linux does), and how to trace each argument.  Every number without a
 * handler reports -ENOSYS (logged once by name, with its number).
 *
 * debug=syscall on the command line prints every call strace-style:
 *	[pid] name(args) = result
 * with each argument read at the width of its C type; calls that do not
 * return (exit, exit_group) end in "= ?", unknown ones show six
 * arguments in hex.
 *
 * debug=boottime prints one line at the first system call the kernel
 * sees, whoever makes it (in a single-app image: the app's C library
 * setting up, just before main):
 *	kos: first system call at tsc T, boot clock S, realtime R
 * at any loglevel; scripts/bench-apps measures boot time to it for every
 * app in every mode, with no help from the app.  Both options are read
 * from the command line at the first call; the dispatcher's fast path
 * costs one load and branch for the two.
 */
#include <kos/arch.h>
#include <kos/cmdline.h>
#include <kos/log.h>
#include <kos/plat/time.h>
#include <kos/plat/user.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/syscall.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/unistd.h>

#define ENTRY(name, ...) [__NR_##name] = &syscall_desc_##name,
static const struct syscall_desc *const syscall_table[SYSCALL_MAX] = {
	SYSCALLS_IMPLEMENTED(ENTRY)
};

/* What the trace shows of a number without a handler. */
static const struct syscall_desc unknown_desc = {
	.nargs = 6,
	.args = { { SYSCALL_ARG_HEX, 8 },
		  { SYSCALL_ARG_HEX, 8 },
		  { SYSCALL_ARG_HEX, 8 },
		  { SYSCALL_ARG_HEX, 8 },
		  { SYSCALL_ARG_HEX, 8 },
		  { SYSCALL_ARG_HEX, 8 } },
};

#define NAME(nr, name) [nr] = #name,
static const char *const syscall_names[SYSCALL_MAX] = { SYSCALL_LIST(NAME) };

/* One bit per number: already logged as unimplemented. */
static uint64_t enosys_logged[(SYSCALL_MAX + 63) / 64];

#define TRACE_CALLS 1	     /* debug=syscall */
#define TRACE_MARK 2	     /* debug=boottime, until the first call */
static int trace_state = -1; /* -1: not yet read from the command line */

const char *syscall_name(unsigned long nr)
{
	if (nr < SYSCALL_MAX && syscall_names[nr])
		return syscall_names[nr];
	return NULL;
}

/*
 * The first call with debug=boottime: one line, shown whatever the
 * loglevel, with the TSC (bare metal: against the stub's "TSC at entry")
 * and the realtime clock (hosted: against the host's time at exec).
 */
static void boottime_mark(void)
{
	uint64_t tsc = arch_rdtsc(), ns = plat_clock_ns();
	uint64_t wall = plat_wallclock_ns();
	int level = kos_log_get_level();

	trace_state &= ~TRACE_MARK;
	init_steps_show();
	kos_log_set_level(LOG_NOTICE > level ? LOG_NOTICE : level);
	kos_log(LOG_NOTICE,
		"kos: first system call at tsc %llu, boot clock "
		"%llu.%09llu, realtime %llu.%09llu",
		(unsigned long long)tsc,
		(unsigned long long)(ns / NSEC_PER_SEC),
		(unsigned long long)(ns % NSEC_PER_SEC),
		(unsigned long long)(wall / NSEC_PER_SEC),
		(unsigned long long)(wall % NSEC_PER_SEC));
	kos_log_set_level(level);
}

/* Read the debug= options once; then any bits left: the slow path. */
static int trace_flags(void)
{
	if (unlikely(trace_state < 0)) {
		trace_state = 0;
		if (cmdline_list_has(&kos_cmdline, "debug", "syscall"))
			trace_state |= TRACE_CALLS;
		if (cmdline_list_has(&kos_cmdline, "debug", "boottime"))
			trace_state |= TRACE_MARK;
	}
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

/*
 * The value of an argument as its handler saw it: the register cut to the
 * size of the C type, sign-extended for the signed kinds.
 */
static unsigned long arg_value(const struct syscall_arg *arg, unsigned long raw)
{
	unsigned int bits = arg->size * 8;
	unsigned long sign;

	if (bits >= 64)
		return raw;
	raw &= (1UL << bits) - 1;
	sign = 1UL << (bits - 1);
	if ((arg->kind == SYSCALL_ARG_DEC || arg->kind == SYSCALL_ARG_FD) &&
	    (raw & sign))
		raw |= ~((1UL << bits) - 1);
	return raw;
}

/* Append one argument as the trace shows it; returns the length. */
static size_t trace_arg(char *out, size_t room, const struct syscall_arg *arg,
			unsigned long raw)
{
	unsigned long v = arg_value(arg, raw);

	switch (arg->kind) {
	case SYSCALL_ARG_DEC:
		return kos_snprintf(out, room, "%ld", (long)v);
	case SYSCALL_ARG_UDEC:
		return kos_snprintf(out, room, "%lu", v);
	case SYSCALL_ARG_OCT:
		return kos_snprintf(out, room, "%#lo", v);
	case SYSCALL_ARG_FD:
		if ((long)v == AT_FDCWD)
			return kos_snprintf(out, room, "AT_FDCWD");
		return kos_snprintf(out, room, "%ld", (long)v);
	case SYSCALL_ARG_STR:
		return trace_string(out, room, v);
	case SYSCALL_ARG_PTR:
		if (!v)
			return kos_snprintf(out, room, "NULL");
		/* fall through */
	default:
		return kos_snprintf(out, room, "%#lx", v);
	}
}

static void trace_call(unsigned long nr, const unsigned long a[6],
		       const struct syscall_desc *d, long ret)
{
	const char *name = syscall_name(nr);
	struct proc *p = proc_current();
	char buf[400];
	size_t len = 0, room = sizeof(buf);

	for (int i = 0; i < d->nargs && len < room; i++) {
		if (i)
			len += kos_snprintf(buf + len, room - len, ", ");
		if (len < room)
			len += trace_arg(buf + len, room - len, &d->args[i],
					 a[i]);
	}
	if (len >= room)
		len = room - 1;
	buf[len] = 0;
	if (p && (uthread_current()->exit_thread ||
		  (p->sigflags & PROC_GROUP_EXIT))) /* no return, as strace */
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
	unsigned long a[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	const struct syscall_desc *d = NULL;
	int flags = trace_state;
	long ret;

	if (unlikely(flags)) {
		flags = trace_flags();
		if (flags & TRACE_MARK)
			boottime_mark();
	}
	if (nr < SYSCALL_MAX)
		d = syscall_table[nr];
	if (d)
		ret = d->call(a);
	else
		ret = enosys(nr);
	if (unlikely(flags & TRACE_CALLS))
		trace_call(nr, a, d ? d : &unknown_desc, ret);
	return ret;
}

unsigned int syscall_count_implemented(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < SYSCALL_MAX; i++)
		n += syscall_table[i] != NULL;
	return n;
}
