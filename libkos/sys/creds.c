/*
 * Credentials: user and group ids (real, effective, saved, file system),
 * supplementary groups and capabilities, with Linux's rules for who may
 * change what.
 *
 * A process with CAP_SETUID (CAP_SETGID for groups) may set any ids;
 * others may only move between the ids they already have.  As on Linux,
 * changing user ids changes capabilities: leaving euid 0 drops the
 * effective set, ending up with no id 0 at all drops the permitted set
 * too, and becoming euid 0 again restores effective from permitted.
 * Credentials belong to the process here (Linux keeps them per thread;
 * C libraries make every thread change them together anyway).
 *
 * Locking: proc_lock while changing p->cred.
 */
#include <kos/kmalloc.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <uapi/capability.h>
#include <uapi/errno.h>

#define CAP_ALL ((1ULL << (CAP_LAST + 1)) - 1)
#define NOID 0xffffffffU /* -1: "unchanged" */

#define CAP_VERSION_1 0x19980330
#define CAP_VERSION_2 0x20071026
#define CAP_VERSION_3 0x20080522

struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

static bool capable(const struct creds *c, int cap)
{
	return c->cap_effective & (1ULL << cap);
}

SYSCALL_DEFINE0(getuid)
{
	return proc_current()->cred.uid;
}

SYSCALL_DEFINE0(geteuid)
{
	return proc_current()->cred.euid;
}

SYSCALL_DEFINE0(getgid)
{
	return proc_current()->cred.gid;
}

SYSCALL_DEFINE0(getegid)
{
	return proc_current()->cred.egid;
}

/* Capabilities follow a change of user ids (cap_emulate_setxuid). */
static void fix_caps(struct creds *c, const struct creds *old)
{
	bool had_root = !old->uid || !old->euid || !old->suid;

	if (had_root && c->uid && c->euid && c->suid && !c->keepcaps) {
		c->cap_permitted = 0;
		c->cap_effective = 0;
	}
	if (!old->euid && c->euid)
		c->cap_effective = 0;
	if (old->euid && !c->euid)
		c->cap_effective = c->cap_permitted;
}

/* Is id one of the three (or "unchanged")? */
static bool one_of(unsigned int id, unsigned int a, unsigned int b,
		   unsigned int c)
{
	return id == NOID || id == a || id == b || id == c;
}

/*
 * setresuid()'s core, shared by every setuid variant: r, e, s (NOID:
 * unchanged) after the caller checked the rights.  proc_lock held.
 */
static void set_uids(struct creds *c, unsigned int r, unsigned int e,
		     unsigned int s)
{
	struct creds old = *c;

	if (r != NOID)
		c->uid = r;
	if (e != NOID)
		c->euid = e;
	if (s != NOID)
		c->suid = s;
	c->fsuid = c->euid;
	fix_caps(c, &old);
}

static void set_gids(struct creds *c, unsigned int r, unsigned int e,
		     unsigned int s)
{
	if (r != NOID)
		c->gid = r;
	if (e != NOID)
		c->egid = e;
	if (s != NOID)
		c->sgid = s;
	c->fsgid = c->egid;
}

SYSCALL_DEFINE1(setuid, unsigned int, uid)
{
	struct creds *c = &proc_current()->cred;
	long r = 0;

	if (uid == NOID)
		return -EINVAL;
	mutex_lock(&proc_lock);
	if (capable(c, CAP_SETUID))
		set_uids(c, uid, uid, uid);
	else if (uid == c->uid || uid == c->suid)
		set_uids(c, NOID, uid, NOID);
	else
		r = -EPERM;
	mutex_unlock(&proc_lock);
	return r;
}

SYSCALL_DEFINE1(setgid, unsigned int, gid)
{
	struct creds *c = &proc_current()->cred;
	long r = 0;

	if (gid == NOID)
		return -EINVAL;
	mutex_lock(&proc_lock);
	if (capable(c, CAP_SETGID))
		set_gids(c, gid, gid, gid);
	else if (gid == c->gid || gid == c->sgid)
		set_gids(c, NOID, gid, NOID);
	else
		r = -EPERM;
	mutex_unlock(&proc_lock);
	return r;
}

SYSCALL_DEFINE2(setreuid, unsigned int, ruid, unsigned int, euid)
{
	struct creds *c = &proc_current()->cred;
	unsigned int s = NOID;
	long r = 0;

	mutex_lock(&proc_lock);
	if (!capable(c, CAP_SETUID) &&
	    (!one_of(ruid, c->uid, c->euid, c->uid) ||
	     !one_of(euid, c->uid, c->euid, c->suid))) {
		r = -EPERM;
	} else {
		/* A new real id, or an effective one other than the real
		 * one, becomes the saved id too. */
		if (ruid != NOID || (euid != NOID && euid != c->uid))
			s = euid != NOID ? euid : c->euid;
		set_uids(c, ruid, euid, s);
	}
	mutex_unlock(&proc_lock);
	return r;
}

SYSCALL_DEFINE2(setregid, unsigned int, rgid, unsigned int, egid)
{
	struct creds *c = &proc_current()->cred;
	unsigned int s = NOID;
	long r = 0;

	mutex_lock(&proc_lock);
	if (!capable(c, CAP_SETGID) &&
	    (!one_of(rgid, c->gid, c->egid, c->gid) ||
	     !one_of(egid, c->gid, c->egid, c->sgid))) {
		r = -EPERM;
	} else {
		if (rgid != NOID || (egid != NOID && egid != c->gid))
			s = egid != NOID ? egid : c->egid;
		set_gids(c, rgid, egid, s);
	}
	mutex_unlock(&proc_lock);
	return r;
}

SYSCALL_DEFINE3(setresuid, unsigned int, ruid, unsigned int, euid, unsigned int,
		suid)
{
	struct creds *c = &proc_current()->cred;
	long r = 0;

	mutex_lock(&proc_lock);
	if (!capable(c, CAP_SETUID) &&
	    (!one_of(ruid, c->uid, c->euid, c->suid) ||
	     !one_of(euid, c->uid, c->euid, c->suid) ||
	     !one_of(suid, c->uid, c->euid, c->suid)))
		r = -EPERM;
	else
		set_uids(c, ruid, euid, suid);
	mutex_unlock(&proc_lock);
	return r;
}

SYSCALL_DEFINE3(setresgid, unsigned int, rgid, unsigned int, egid, unsigned int,
		sgid)
{
	struct creds *c = &proc_current()->cred;
	long r = 0;

	mutex_lock(&proc_lock);
	if (!capable(c, CAP_SETGID) &&
	    (!one_of(rgid, c->gid, c->egid, c->sgid) ||
	     !one_of(egid, c->gid, c->egid, c->sgid) ||
	     !one_of(sgid, c->gid, c->egid, c->sgid)))
		r = -EPERM;
	else
		set_gids(c, rgid, egid, sgid);
	mutex_unlock(&proc_lock);
	return r;
}

static long put_three(unsigned int __user *a, unsigned int __user *b,
		      unsigned int __user *c, unsigned int x, unsigned int y,
		      unsigned int z)
{
	if (copy_to_user(a, &x, 4) || copy_to_user(b, &y, 4) ||
	    copy_to_user(c, &z, 4))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE3(getresuid, unsigned int __user *, ruid, unsigned int __user *,
		euid, unsigned int __user *, suid)
{
	struct creds *c = &proc_current()->cred;

	return put_three(ruid, euid, suid, c->uid, c->euid, c->suid);
}

SYSCALL_DEFINE3(getresgid, unsigned int __user *, rgid, unsigned int __user *,
		egid, unsigned int __user *, sgid)
{
	struct creds *c = &proc_current()->cred;

	return put_three(rgid, egid, sgid, c->gid, c->egid, c->sgid);
}

/* setfsuid/setfsgid: always the old value; changed only if allowed. */
SYSCALL_DEFINE1(setfsuid, unsigned int, uid)
{
	struct creds *c = &proc_current()->cred;
	unsigned int old;

	mutex_lock(&proc_lock);
	old = c->fsuid;
	if (uid != NOID &&
	    (capable(c, CAP_SETUID) || uid == c->uid || uid == c->euid ||
	     uid == c->suid || uid == c->fsuid)) {
		if (!old && uid)
			c->cap_effective &= ~0x1fULL; /* the fs caps go */
		c->fsuid = uid;
	}
	mutex_unlock(&proc_lock);
	return old;
}

SYSCALL_DEFINE1(setfsgid, unsigned int, gid)
{
	struct creds *c = &proc_current()->cred;
	unsigned int old;

	mutex_lock(&proc_lock);
	old = c->fsgid;
	if (gid != NOID &&
	    (capable(c, CAP_SETGID) || gid == c->gid || gid == c->egid ||
	     gid == c->sgid || gid == c->fsgid))
		c->fsgid = gid;
	mutex_unlock(&proc_lock);
	return old;
}

SYSCALL_DEFINE2(getgroups, int, size, unsigned int __user *, list)
{
	struct creds *c = &proc_current()->cred;
	long n;

	if (size < 0)
		return -EINVAL;
	mutex_lock(&proc_lock);
	n = c->ngroups;
	if (size && n > size)
		n = -EINVAL;
	else if (size && n &&
		 copy_to_user(list, c->groups, n * sizeof(unsigned int)))
		n = -EFAULT;
	mutex_unlock(&proc_lock);
	return n;
}

static int cmp_gid(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

SYSCALL_DEFINE2(setgroups, int, size, const unsigned int __user *, list)
{
	struct creds *c = &proc_current()->cred;
	unsigned int *g = NULL, *old;

	if (size < 0 || size > NGROUPS_MAX)
		return -EINVAL;
	if (!capable(c, CAP_SETGID))
		return -EPERM;
	if (size) {
		g = kmalloc((size_t)size * sizeof(*g));
		if (!g)
			return -ENOMEM;
		if (copy_from_user(g, list, (size_t)size * sizeof(*g))) {
			kfree(g);
			return -EFAULT;
		}
		/* Sorted, as Linux keeps them (insertion sort: small sets). */
		for (int i = 1; i < size; i++)
			for (int j = i; j > 0 && cmp_gid(&g[j - 1], &g[j]) > 0;
			     j--) {
				unsigned int t = g[j];

				g[j] = g[j - 1];
				g[j - 1] = t;
			}
	}
	mutex_lock(&proc_lock);
	old = c->groups;
	c->groups = g;
	c->ngroups = (unsigned int)size;
	mutex_unlock(&proc_lock);
	kfree(old);
	return 0;
}

/* ---- capabilities ------------------------------------------------------ */

/* The header's version: how many data words; -EINVAL if unknown. */
static int cap_words(struct cap_header __user *uh, struct cap_header *h)
{
	if (copy_from_user(h, uh, sizeof(*h)))
		return -EFAULT;
	switch (h->version) {
	case CAP_VERSION_1:
		return 1;
	case CAP_VERSION_2:
	case CAP_VERSION_3:
		return 2;
	default: {
		uint32_t v = CAP_VERSION_3;

		if (copy_to_user(&uh->version, &v, sizeof(v)))
			return -EFAULT;
		return -EINVAL;
	}
	}
}

SYSCALL_DEFINE2(capget, struct cap_header __user *, uh,
		struct cap_data __user *, ud)
{
	struct cap_header h;
	struct cap_data d[2];
	struct proc *p;
	int words = cap_words(uh, &h);

	/* A probe (NULL data) succeeds even with a bad version, as Linux. */
	if (!ud && (words > 0 || words == -EINVAL))
		return 0;
	if (words < 0)
		return words;
	if (h.pid < 0)
		return -EINVAL;
	mutex_lock(&proc_lock);
	p = h.pid ? pid_proc(h.pid) : proc_current();
	if (!p) {
		mutex_unlock(&proc_lock);
		return -ESRCH;
	}
	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(p->cred.cap_effective >> (32 * i));
		d[i].permitted = (uint32_t)(p->cred.cap_permitted >> (32 * i));
		d[i].inheritable =
			(uint32_t)(p->cred.cap_inheritable >> (32 * i));
	}
	mutex_unlock(&proc_lock);
	return copy_to_user(ud, d, (size_t)words * sizeof(d[0])) ? -EFAULT : 0;
}

SYSCALL_DEFINE2(capset, struct cap_header __user *, uh,
		const struct cap_data __user *, ud)
{
	struct proc *me = proc_current();
	struct creds *c = &me->cred;
	struct cap_header h;
	struct cap_data d[2] = { { 0 } };
	uint64_t eff, perm, inh;
	int words = cap_words(uh, &h);
	long r = 0;

	if (words < 0)
		return words;
	if (h.pid && h.pid != me->pid)
		return -EPERM;
	if (copy_from_user(d, ud, (size_t)words * sizeof(d[0])))
		return -EFAULT;
	eff = d[0].effective | ((uint64_t)d[1].effective << 32);
	perm = d[0].permitted | ((uint64_t)d[1].permitted << 32);
	inh = d[0].inheritable | ((uint64_t)d[1].inheritable << 32);
	eff &= CAP_ALL;
	perm &= CAP_ALL;
	inh &= CAP_ALL;
	mutex_lock(&proc_lock);
	if ((perm & ~c->cap_permitted) || (eff & ~perm) ||
	    (!capable(c, CAP_SETPCAP) &&
	     (inh & ~(c->cap_inheritable | c->cap_permitted))))
		r = -EPERM;
	else {
		c->cap_effective = eff;
		c->cap_permitted = perm;
		c->cap_inheritable = inh;
	}
	mutex_unlock(&proc_lock);
	return r;
}
