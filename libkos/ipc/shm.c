/*
 * System V shared memory: shmget(2), shmat(2), shmdt(2), shmctl(2).
 *
 * A segment's memory is an unnamed shmem file (fs/shmem.c, the object
 * behind MAP_SHARED|MAP_ANONYMOUS): its page cache is what every
 * attachment maps.  shmat() opens a new file on that file's vnode -- an
 * attachment, with the access mode SHM_RDONLY asks for and its own ops
 * (shm_att_fops) -- and maps it MAP_SHARED with the ordinary vm_map(),
 * so faults, fork (the child's VMA takes another reference on the
 * attachment), munmap, exec and exit (the VMAs go, and with them their
 * references) need nothing of their own.
 *
 * Ownership:
 *   segment  in shm_ids while it has an id (until IPC_RMID, or the last
 *            detach after IPC_RMID); it holds the shmem file.  It is
 *            freed when it is out of the table and has no attachment.
 *   attachment (struct file, priv a struct shm_att) references its
 *            segment; every VMA mapping it holds a file reference, so
 *            its release (the last VMA gone) is the detach.
 * shm_nattch is the sum of the attachments' file reference counts: the
 * number of VMAs, as Linux counts it (a VMA split by munmap or mprotect
 * counts twice there too).
 *
 * Locking: ipc_lock guards the table and every field below.  vm_map()
 * and vm_unmap() run without it (their file references call back into
 * shm_att_release, which takes it).
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/syscalls.h>
#include <kos/uaccess.h>
#include <kos/vm.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/mman.h>
#include <uapi/resource.h>

#include "internal.h"

#define SHMLBA PAGE_SIZE

struct shm_seg {
	struct ipc_obj perm; /* mode carries SHM_DEST and SHM_LOCKED */
	uint64_t segsz;	     /* as asked for (not rounded) */
	uint64_t pages;	     /* segsz in pages, counted in shm_tot */
	struct file *file;   /* the shmem file; constant, referenced */
	int64_t atime, dtime, ctime;
	int cpid, lpid;
	struct list_head atts; /* struct shm_att.link */
};

/* One shmat(): the priv of its file. */
struct shm_att {
	struct list_head link; /* on seg->atts */
	struct shm_seg *seg;
	struct file *file; /* not referenced: it owns us */
};

static struct ipc_ids shm_ids = IPC_IDS_INIT(IPC_SHMMNI);
static uint64_t shm_tot; /* ipc_lock: pages of all segments */

static void shm_att_release(struct file *f);

/* The file ops of an attachment: only mapped, never read or written. */
static const struct file_ops shm_att_fops = {
	.release = shm_att_release,
};

static unsigned long seg_nattch(const struct shm_seg *s)
{
	const struct shm_att *a;
	unsigned long n = 0;

	list_for_each_entry (a, &s->atts, link)
		n += __atomic_load_n(&a->file->refcnt, __ATOMIC_RELAXED);
	return n;
}

/*
 * Take s out of the table (if it still is) and, if nothing is attached,
 * free it.  ipc_lock held; returns the file to put after unlocking (or
 * NULL when s lives on).
 */
static struct file *seg_unlink(struct shm_seg *s)
{
	struct file *f;

	if (!s->perm.deleted)
		ipc_remove(&shm_ids, &s->perm);
	if (!list_empty(&s->atts))
		return NULL;
	shm_tot -= s->pages;
	f = s->file;
	kfree(s);
	return f;
}

static void shm_att_release(struct file *f)
{
	struct shm_att *a = f->priv;
	struct shm_seg *s = a->seg;
	struct proc *p = proc_current();
	struct file *dead = NULL;

	mutex_lock(&ipc_lock);
	list_del(&a->link);
	s->dtime = ipc_now();
	if (p)
		s->lpid = p->pid;
	if ((s->perm.mode & SHM_DEST) && list_empty(&s->atts))
		dead = seg_unlink(s);
	mutex_unlock(&ipc_lock);
	kfree(a);
	if (dead)
		file_put(dead);
}

static long shm_create(int32_t key, int flg, unsigned long size,
		       const struct ipc_cred *c)
{
	uint64_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	struct shm_seg *s;
	long id;
	int err;

	if (size < IPC_SHMMIN || size > IPC_SHMMAX)
		return -EINVAL;
	if (pages << PAGE_SHIFT < size)
		return -ENOSPC;
	if (shm_tot + pages < shm_tot || shm_tot + pages > IPC_SHMALL)
		return -ENOSPC;
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	err = shmem_file_create(size, &s->file);
	if (err) {
		kfree(s);
		return err == -EFBIG ? -ENOMEM : err;
	}
	s->segsz = size;
	s->pages = pages;
	s->cpid = c->pid;
	s->ctime = ipc_now();
	list_init(&s->atts);
	id = ipc_add(&shm_ids, &s->perm, key, flg, c);
	if (id < 0) {
		file_put(s->file); /* no sleep-sensitive lock is held */
		kfree(s);
		return id;
	}
	shm_tot += pages;
	return id;
}

static int shm_more(struct ipc_obj *o, unsigned long size)
{
	return ((struct shm_seg *)o)->segsz < size ? -EINVAL : 0;
}

/*
 * shmget: the segment of key (or a new one: IPC_PRIVATE, IPC_CREAT) of
 * at least size bytes.  Errors in Linux's order: a new segment's size
 * (EINVAL, ENOSPC), then for an existing one EEXIST, its size (EINVAL)
 * and the permissions flg asks for (EACCES); ENOENT.
 */
SYSCALL_DEFINE3(shmget, int, key, __as_hex size_t, size, __as_hex int, shmflg)
{
	struct ipc_cred c;
	long r;

	ipc_cred_current(&c);
	mutex_lock(&ipc_lock);
	r = ipc_get(&shm_ids, key, shmflg, size, shm_create, shm_more, &c);
	mutex_unlock(&ipc_lock);
	return r;
}

/*
 * shmat: map the segment shmid MAP_SHARED, read-only with SHM_RDONLY,
 * executable with SHM_EXEC; at shmaddr (rounded down with SHM_RND; a
 * mapping there only with SHM_REMAP, else -EINVAL) or where mmap would
 * put it.  The address, or -errno.
 */
SYSCALL_DEFINE3(shmat, int, shmid, __as_ptr unsigned long, shmaddr,
		__as_hex int, shmflg)
{
	struct vm_space *vm = vm_current();
	unsigned int prot, flags = MAP_SHARED;
	unsigned long addr = shmaddr, result;
	int acc, oflags;
	struct ipc_cred c;
	struct shm_seg *s;
	struct shm_att *a;
	struct file *f;
	uint64_t size;
	long rc;

	if (shmid < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (SHMLBA - 1)) {
			if (!(shmflg & SHM_RND))
				return -EINVAL;
			addr &= ~(unsigned long)(SHMLBA - 1);
			if (!addr && (shmflg & SHM_REMAP))
				return -EINVAL;
		}
		flags |= (shmflg & SHM_REMAP) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	} else if (shmflg & SHM_REMAP) {
		return -EINVAL;
	}
	if (shmflg & SHM_RDONLY) {
		prot = PROT_READ;
		acc = IPC_S_IRUGO;
		oflags = O_RDONLY;
	} else {
		prot = PROT_READ | PROT_WRITE;
		acc = IPC_S_IRUGO | IPC_S_IWUGO;
		oflags = O_RDWR;
	}
	if (shmflg & SHM_EXEC) {
		prot |= PROT_EXEC;
		acc |= IPC_S_IXUGO;
	}
	if (!vm)
		return -ENOMEM;
	ipc_cred_current(&c);
	a = kzalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	mutex_lock(&ipc_lock);
	s = (struct shm_seg *)ipc_find_id(&shm_ids, shmid);
	if (!s) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (ipc_perms(&s->perm, acc, &c)) {
		rc = -EACCES;
		goto out_unlock;
	}
	f = file_alloc(s->file->vnode, &shm_att_fops, (unsigned int)oflags);
	if (!f) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	a->seg = s;
	a->file = f;
	f->priv = a;
	list_add_tail(&a->link, &s->atts);
	size = s->segsz;
	mutex_unlock(&ipc_lock);

	if (addr && !(shmflg & SHM_REMAP) && addr + size < addr)
		rc = -EINVAL;
	else
		rc = vm_map(vm, addr, size, prot, flags, f, 0, &result);
	if (rc == -EEXIST)
		rc = -EINVAL; /* something is mapped there */
	if (!rc) {
		mutex_lock(&ipc_lock);
		s->atime = ipc_now();
		s->lpid = c.pid;
		mutex_unlock(&ipc_lock);
		rc = (long)result;
	}
	file_put(f); /* the VMA holds its own; on failure this detaches */
	return rc;

out_unlock:
	mutex_unlock(&ipc_lock);
	kfree(a);
	return rc;
}

/* Is v a piece of an attachment that starts at addr (Linux's test)? */
static bool att_piece(const struct vma *v, unsigned long addr)
{
	return v->file && v->file->ops == &shm_att_fops &&
	       (v->start - addr) / PAGE_SIZE == v->off / PAGE_SIZE;
}

/*
 * shmdt: detach the attachment mapped at addr -- every piece of it
 * (mprotect or munmap may have split it) within the segment's size from
 * addr.  -EINVAL if addr is unaligned or no attachment starts there.
 */
SYSCALL_DEFINE1(shmdt, __as_ptr unsigned long, addr)
{
	struct vm_space *vm = vm_current();
	unsigned long *range = NULL;
	struct file *file = NULL;
	uint64_t size = 0;
	size_t i, n = 0;
	long rc = -EINVAL;

	if ((addr & ~PAGE_MASK) || !vm)
		return -EINVAL;
	mutex_lock(&vm->lock);
	range = kmalloc((vm->vmas.n + 1) * 2 * sizeof(*range));
	if (!range) {
		mutex_unlock(&vm->lock);
		return -ENOMEM;
	}
	for (i = 0; i < vm->vmas.n; i++) {
		struct vma *v = vm->vmas.v[i];

		if (v->end <= addr)
			continue;
		if (!file) {
			if (!att_piece(v, addr))
				continue;
			file = v->file;
			size = ALIGN_UP(file->vnode->size, PAGE_SIZE);
			rc = 0;
		} else if (v->end - addr > size) {
			break;
		} else if (v->file != file || !att_piece(v, addr)) {
			continue;
		}
		range[n++] = v->start;
		range[n++] = v->end;
	}
	mutex_unlock(&vm->lock);
	for (i = 0; i < n; i += 2)
		vm_unmap(vm, range[i], range[i + 1] - range[i]);
	kfree(range);
	return rc;
}

static void shm_fill(const struct shm_seg *s, struct shmid64_ds *ds)
{
	kos_memset(ds, 0, sizeof(*ds));
	ipc_fill_perm(&s->perm, &ds->shm_perm);
	ds->shm_segsz = s->segsz;
	ds->shm_atime = s->atime;
	ds->shm_dtime = s->dtime;
	ds->shm_ctime = s->ctime;
	ds->shm_cpid = s->cpid;
	ds->shm_lpid = s->lpid;
	ds->shm_nattch = seg_nattch(s);
}

/* IPC_INFO and SHM_INFO: the limits / the usage.  The highest index. */
static long shm_info(int cmd, void __user *buf)
{
	union {
		struct shminfo64 lim;
		struct shm_info_k use;
	} u;
	size_t len;
	long idx;

	kos_memset(&u, 0, sizeof(u));
	mutex_lock(&ipc_lock);
	if (cmd == IPC_INFO) {
		u.lim.shmmax = IPC_SHMMAX;
		u.lim.shmmin = IPC_SHMMIN;
		u.lim.shmmni = u.lim.shmseg = IPC_SHMMNI;
		u.lim.shmall = IPC_SHMALL;
		len = sizeof(u.lim);
	} else {
		struct shm_seg *s;

		u.use.used_ids = shm_ids.in_use;
		u.use.shm_tot = shm_tot;
		for (int i = 0; i <= shm_ids.max_idx; i++) {
			s = (struct shm_seg *)shm_ids.slot[i];
			if (s)
				u.use.shm_rss += s->file->vnode->blocks / 8;
		}
		len = sizeof(u.use);
	}
	idx = ipc_info_idx(&shm_ids);
	mutex_unlock(&ipc_lock);
	return copy_to_user(buf, &u, len) ? -EFAULT : idx;
}

/* IPC_STAT, SHM_STAT (by index), SHM_STAT_ANY (no read permission). */
static long shm_stat(int shmid, int cmd, void __user *buf,
		     const struct ipc_cred *c)
{
	struct shmid64_ds ds;
	struct shm_seg *s;
	long rc;

	mutex_lock(&ipc_lock);
	if (cmd == IPC_STAT)
		s = (struct shm_seg *)ipc_find_id(&shm_ids, shmid);
	else
		s = (struct shm_seg *)ipc_find_idx(&shm_ids, shmid);
	if (!s) {
		mutex_unlock(&ipc_lock);
		return -EINVAL;
	}
	if (cmd != SHM_STAT_ANY && ipc_perms(&s->perm, IPC_S_IRUGO, c)) {
		mutex_unlock(&ipc_lock);
		return -EACCES;
	}
	shm_fill(s, &ds);
	rc = cmd == IPC_STAT ? 0 : s->perm.id;
	mutex_unlock(&ipc_lock);
	return copy_to_user(buf, &ds, sizeof(ds)) ? -EFAULT : rc;
}

/* SHM_LOCK / SHM_UNLOCK: the SHM_LOCKED mark (pages never swap here). */
static long shm_lock(int shmid, int cmd, const struct ipc_cred *c)
{
	struct proc *p = proc_current();
	struct shm_seg *s;
	long rc = 0;

	mutex_lock(&ipc_lock);
	s = (struct shm_seg *)ipc_find_id(&shm_ids, shmid);
	if (!s) {
		rc = -EINVAL;
		goto out;
	}
	if (!vfs_capable(&c->vc, CAP_IPC_LOCK)) {
		uint64_t lim = p ? p->rlim[RLIMIT_MEMLOCK].rlim_cur : 0;

		if (c->vc.uid != s->perm.uid && c->vc.uid != s->perm.cuid) {
			rc = -EPERM;
			goto out;
		}
		if (cmd == SHM_LOCK && !lim) {
			rc = -EPERM;
			goto out;
		}
		if (cmd == SHM_LOCK && lim != RLIM64_INFINITY &&
		    s->pages > lim / PAGE_SIZE) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (cmd == SHM_LOCK)
		s->perm.mode |= SHM_LOCKED;
	else
		s->perm.mode &= ~SHM_LOCKED;
out:
	mutex_unlock(&ipc_lock);
	return rc;
}

/* IPC_SET and IPC_RMID: the owner's commands. */
static long shm_down(int shmid, int cmd, const struct shmid64_ds *in,
		     const struct ipc_cred *c)
{
	struct file *dead = NULL;
	struct shm_seg *s;
	long rc;

	mutex_lock(&ipc_lock);
	s = (struct shm_seg *)ipc_find_id(&shm_ids, shmid);
	rc = s ? ipc_check_owner(&s->perm, c) : -EINVAL;
	if (rc)
		goto out;
	if (cmd == IPC_RMID) {
		/* Attached: gone by key, alive until the last detach. */
		if (!list_empty(&s->atts)) {
			s->perm.mode |= SHM_DEST;
			s->perm.key = IPC_PRIVATE;
		} else {
			dead = seg_unlink(s);
		}
	} else {
		rc = ipc_update_perm(&s->perm, &in->shm_perm);
		if (!rc)
			s->ctime = ipc_now();
	}
out:
	mutex_unlock(&ipc_lock);
	if (dead)
		file_put(dead);
	return rc;
}

/*
 * shmctl: cmd as Linux has it on x86-64 (no IPC_64 bit: -EINVAL).
 * IPC_STAT/SHM_STAT/SHM_STAT_ANY and the INFO commands return what
 * Linux returns (0, the id, the highest index).
 */
SYSCALL_DEFINE3(shmctl, int, shmid, __as_hex int, cmd, void __user *, buf)
{
	struct shmid64_ds ds;
	struct ipc_cred c;

	if (cmd < 0 || shmid < 0)
		return -EINVAL;
	ipc_cred_current(&c);
	switch (cmd) {
	case IPC_INFO:
	case SHM_INFO:
		return shm_info(cmd, buf);
	case IPC_STAT:
	case SHM_STAT:
	case SHM_STAT_ANY:
		return shm_stat(shmid, cmd, buf, &c);
	case IPC_SET:
		if (copy_from_user(&ds, buf, sizeof(ds)))
			return -EFAULT;
		return shm_down(shmid, cmd, &ds, &c);
	case IPC_RMID:
		return shm_down(shmid, cmd, NULL, &c);
	case SHM_LOCK:
	case SHM_UNLOCK:
		return shm_lock(shmid, cmd, &c);
	default:
		return -EINVAL;
	}
}

void ipc_shm_reset(void)
{
	mutex_lock(&ipc_lock);
	for (int i = shm_ids.max_idx; i >= 0; i--) {
		struct shm_seg *s = (struct shm_seg *)ipc_find_idx(&shm_ids, i);
		struct file *dead;

		if (!s || !list_empty(&s->atts))
			continue;
		dead = seg_unlink(s);
		mutex_unlock(&ipc_lock);
		file_put(dead);
		mutex_lock(&ipc_lock);
	}
	if (!shm_ids.in_use) {
		shm_ids.seq = 0;
		shm_ids.next = 0;
		shm_ids.last_idx = -1;
	}
	mutex_unlock(&ipc_lock);
}
