/*
 * What the system says about itself: uname, sethostname, setdomainname,
 * getcpu, sysinfo.  KOS answers as the Linux release it implements
 * (KOS_UNAME_RELEASE), with its own version string; the host and domain
 * names live in kern/utsname.c.
 */
#include <kos/pmm.h>
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/time.h>
#include <kos/utsname.h>
#include <kos/version.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/personality.h>
#include <uapi/utsname.h>

/*
 * uname: the system's names.  A thread whose personality is PER_LINUX32
 * (setarch i386, linux32) is told the machine is "i686", as Linux tells
 * it (override_architecture); its flags do not matter.
 */
SYSCALL_DEFINE1(uname, struct new_utsname __user *, buf)
{
	struct new_utsname u;

	kos_memset(&u, 0, sizeof(u));
	kos_strlcpy(u.sysname, "Linux", sizeof(u.sysname));
	uts_get_hostname(u.nodename);
	kos_strlcpy(u.release, KOS_UNAME_RELEASE, sizeof(u.release));
	kos_strlcpy(u.version, "#1 KOS " KOS_VERSION, sizeof(u.version));
	kos_strlcpy(u.machine,
		    (uthread_current()->personality & PER_MASK) == PER_LINUX32
			    ? "i686"
			    : "x86_64",
		    sizeof(u.machine));
	uts_get_domainname(u.domainname);
	return copy_to_user(buf, &u, sizeof(u));
}

/*
 * Read a new host or domain name of len bytes (no NUL needed), in Linux's
 * order: CAP_SYS_ADMIN (-EPERM), 0 <= len < UTS_LEN (-EINVAL), the bytes
 * (-EFAULT).
 */
static int uts_name_from_user(char *dst, const char __user *name, int len)
{
	if (!(proc_current()->cred.cap_effective & (1ULL << CAP_SYS_ADMIN)))
		return -EPERM;
	if (len < 0 || len >= UTS_LEN)
		return -EINVAL;
	return copy_from_user(dst, name, (size_t)len) ? -EFAULT : 0;
}

/* sethostname: what uname's nodename shows from now on. */
SYSCALL_DEFINE2(sethostname, const char __user *, name, int, len)
{
	char tmp[UTS_LEN];
	int err = uts_name_from_user(tmp, name, len);

	if (!err)
		uts_set_hostname(tmp, (size_t)len);
	return err;
}

/* setdomainname: what uname's domainname shows from now on. */
SYSCALL_DEFINE2(setdomainname, const char __user *, name, int, len)
{
	char tmp[UTS_LEN];
	int err = uts_name_from_user(tmp, name, len);

	if (!err)
		uts_set_domainname(tmp, (size_t)len);
	return err;
}

/*
 * getcpu: the CPU and NUMA node the caller runs on, each stored if its
 * pointer is not NULL; the cache argument is unused, as in Linux.  KOS
 * runs on one CPU of one node (the vDSO's getcpu says the same).
 * 0 or -EFAULT.
 */
SYSCALL_DEFINE3(getcpu, unsigned int __user *, cpu, unsigned int __user *, node,
		void __user *, cache)
{
	unsigned int zero = 0;
	int err = 0;

	if (cpu && copy_to_user(cpu, &zero, sizeof(zero)))
		err = -EFAULT;
	if (node && copy_to_user(node, &zero, sizeof(zero)))
		err = -EFAULT;
	return err;
}

/* Linux's struct sysinfo on x86-64. */
struct sysinfo_k {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram;
	uint64_t totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
};

/*
 * sysinfo(2): uptime, the load averages (16 fraction bits here), memory
 * from the page allocator (no swap, no buffers), the number of threads.
 */
SYSCALL_DEFINE1(sysinfo, struct sysinfo_k __user *, info)
{
	struct sysinfo_k s;
	unsigned long l[3];

	kos_memset(&s, 0, sizeof(s));
	sched_loadavg(l, NULL);
	s.uptime = (int64_t)((clock_monotonic_ns() + 999999999) / 1000000000);
	for (int i = 0; i < 3; i++)
		s.loads[i] = l[i] << (16 - 11);
	s.totalram = pmm_total_pages() * PAGE_SIZE;
	s.freeram = pmm_free_pages() * PAGE_SIZE;
	s.procs = (uint16_t)sched_nr_threads();
	s.mem_unit = 1;
	return copy_to_user(info, &s, sizeof(s)) ? -EFAULT : 0;
}
