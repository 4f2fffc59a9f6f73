/*
 * Core dumps: the ELF core file a "core" signal leaves behind.
 *
 * Like Linux with core_pattern "core": the file is "core" in the dying
 * process's cwd, created mode 0600 as its fs uid (an existing file is
 * truncated), written only if the process is dumpable and RLIMIT_CORE
 * allows at least a page; the dump stops at RLIMIT_CORE.  The status
 * carries WCOREFLAG only when the file was written.
 *
 * Layout: the ELF header; a PT_NOTE segment with NT_PRSTATUS (the
 * registers of the thread that writes the dump: the first to leave after
 * the fatal signal) and NT_PRPSINFO; one PT_LOAD per mapping, page
 * aligned.  Only pages that are present are written, so untouched
 * memory is a hole that reads as zeros.  Device mappings, special ones
 * (the vDSO) and MADV_DONTDUMP ones get a header with no contents.
 *
 * Who dumps: a fatal "core" signal sets PROC_COREDUMP with the group
 * exit (signal.c); the first thread of the group to reach
 * proc_thread_exit() takes the flag and writes the file while it still
 * holds the address space, before its robust futexes are released.
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/mman.h>
#include <uapi/resource.h>
#include <uapi/stat.h>
#include <uapi/wait.h>

#include "internal.h"

#define ET_CORE 4
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define NT_PRSTATUS 1
#define NT_PRPSINFO 3

struct core_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct core_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct core_nhdr {
	uint32_t namesz, descsz, type;
	char name[8]; /* "CORE", padded to 4 */
};

/* Linux's struct elf_prstatus on x86-64 (336 bytes). */
struct core_prstatus {
	int32_t si_signo, si_code, si_errno;
	int16_t cursig;
	uint16_t pad0;
	uint64_t sigpend, sighold;
	int32_t pid, ppid, pgrp, sid;
	int64_t utime[2], stime[2], cutime[2], cstime[2];
	uint64_t reg[27]; /* struct user_regs_struct: struct uregs' order */
	int32_t fpvalid;
	int32_t pad1;
};

/* Linux's struct elf_prpsinfo on x86-64 (136 bytes). */
struct core_prpsinfo {
	char state, sname, zomb, nice;
	uint32_t pad0;
	uint64_t flag;
	uint32_t uid, gid;
	int32_t pid, ppid, pgrp, sid;
	char fname[16];
	char psargs[80];
};

_Static_assert(sizeof(struct core_prstatus) == 336, "elf_prstatus");
_Static_assert(sizeof(struct core_prpsinfo) == 136, "elf_prpsinfo");
_Static_assert(sizeof(struct uregs) == 27 * 8, "user_regs_struct");

/* The notes, as written. */
struct core_notes {
	struct core_nhdr prstatus_hdr;
	struct core_prstatus prstatus;
	struct core_nhdr prpsinfo_hdr;
	struct core_prpsinfo prpsinfo;
};

/* A mapping, copied out from under the address space's lock. */
struct core_seg {
	unsigned long start, end;
	unsigned int prot;
	bool dump;
};

struct core_out {
	struct file *f;
	uint64_t limit; /* RLIMIT_CORE */
	int err;
};

static void emit(struct core_out *o, const void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	if (o->err)
		return;
	if (off + len > o->limit) {
		o->err = -EFBIG;
		return;
	}
	n = file_pwrite_kernel(o->f, buf, len, off);
	if (n != (ssize_t)len)
		o->err = n < 0 ? (int)n : -EIO;
}

static void note_hdr(struct core_nhdr *h, uint32_t type, uint32_t descsz)
{
	h->namesz = 5;
	h->descsz = descsz;
	h->type = type;
	kos_memcpy(h->name, "CORE\0\0\0", 8);
}

static void fill_notes(struct uthread *ut, int sig, struct core_notes *n)
{
	struct proc *p = ut->proc;
	struct core_prstatus *s = &n->prstatus;
	struct core_prpsinfo *i = &n->prpsinfo;

	kos_memset(n, 0, sizeof(*n));
	note_hdr(&n->prstatus_hdr, NT_PRSTATUS, sizeof(*s));
	s->si_signo = sig;
	s->cursig = (int16_t)sig;
	s->sighold = ut->blocked;
	s->pid = ut->tid;
	mutex_lock(&proc_lock);
	s->ppid = p->parent ? p->parent->pid : 0;
	s->pgrp = p->pgid;
	s->sid = p->sid;
	i->uid = p->cred.uid;
	i->gid = p->cred.gid;
	i->ppid = s->ppid;
	mutex_unlock(&proc_lock);
	s->utime[0] = (int64_t)(ut->utime_ns / 1000000000);
	s->utime[1] = (int64_t)(ut->utime_ns % 1000000000 / 1000);
	s->stime[0] = (int64_t)(ut->stime_ns / 1000000000);
	s->stime[1] = (int64_t)(ut->stime_ns % 1000000000 / 1000);
	kos_memcpy(s->reg, &ut->regs, sizeof(s->reg));

	note_hdr(&n->prpsinfo_hdr, NT_PRPSINFO, sizeof(*i));
	i->state = 0;
	i->sname = 'R';
	i->pid = p->pid;
	i->pgrp = s->pgrp;
	i->sid = s->sid;
	kos_strlcpy(i->fname, ut->comm, sizeof(i->fname));
	kos_strlcpy(i->psargs, ut->comm, sizeof(i->psargs));
}

/* The mappings of vm; *n of them in a kmalloc'd array, or NULL. */
static struct core_seg *list_segs(struct vm_space *vm, size_t *n)
{
	struct core_seg *s;

	mutex_lock(&vm->lock);
	*n = vm->vmas.n;
	s = kmalloc((*n ? *n : 1) * sizeof(*s));
	for (size_t i = 0; s && i < *n; i++) {
		const struct vma *v = vm->vmas.v[i];

		s[i].start = v->start;
		s[i].end = v->end;
		s[i].prot = v->prot;
		s[i].dump = (v->prot & PROT_READ) &&
			    !(v->flags & (VMA_IO | VMA_SPECIAL | VMA_DONTDUMP));
	}
	mutex_unlock(&vm->lock);
	return s;
}

static int write_core(struct uthread *ut, int sig, struct file *f,
		      uint64_t limit)
{
	struct core_out o = { f, limit, 0 };
	struct core_ehdr eh = { 0 };
	struct core_notes *notes = kmalloc(sizeof(*notes));
	void *page = kmalloc(PAGE_SIZE);
	struct core_seg *segs;
	uint64_t off, data;
	size_t n = 0;

	segs = list_segs(ut->vm, &n);
	if (!notes || !page || !segs) {
		o.err = -ENOMEM;
		goto out;
	}
	kos_memcpy(eh.ident, "\177ELF\2\1\1", 7);
	eh.type = ET_CORE;
	eh.machine = EM_X86_64;
	eh.version = 1;
	eh.phoff = sizeof(eh);
	eh.ehsize = sizeof(eh);
	eh.phentsize = sizeof(struct core_phdr);
	eh.phnum = (uint16_t)(n + 1);
	emit(&o, &eh, sizeof(eh), 0);

	fill_notes(ut, sig, notes);
	off = sizeof(eh) + (n + 1) * sizeof(struct core_phdr);
	{
		struct core_phdr ph = { PT_NOTE,	0, off, 0, 0,
					sizeof(*notes), 0, 4 };

		emit(&o, &ph, sizeof(ph), sizeof(eh));
		emit(&o, notes, sizeof(*notes), off);
	}
	data = (off + sizeof(*notes) + PAGE_SIZE - 1) & PAGE_MASK;
	off = data;
	for (size_t i = 0; i < n; i++) {
		uint64_t len = segs[i].end - segs[i].start;
		struct core_phdr ph = {
			.type = PT_LOAD,
			.offset = off,
			.vaddr = segs[i].start,
			.filesz = segs[i].dump ? len : 0,
			.memsz = len,
			.align = PAGE_SIZE,
		};

		ph.flags = ((segs[i].prot & PROT_READ) ? PF_R : 0) |
			   ((segs[i].prot & PROT_WRITE) ? PF_W : 0) |
			   ((segs[i].prot & PROT_EXEC) ? PF_X : 0);
		emit(&o, &ph, sizeof(ph),
		     sizeof(eh) + (i + 1) * sizeof(struct core_phdr));
		off += ph.filesz;
	}
	/* The contents: present pages only; the rest stays a hole. */
	off = data;
	for (size_t i = 0; i < n && !o.err; i++) {
		if (!segs[i].dump)
			continue;
		for (unsigned long va = segs[i].start; va < segs[i].end;
		     va += PAGE_SIZE, off += PAGE_SIZE) {
			if (vm_peek_page(ut->vm, va, page))
				emit(&o, page, PAGE_SIZE, off);
			if (o.err)
				break;
		}
	}
	/* The file covers every segment, holes included. */
	if (!o.err && off > data && f->vnode->size < off) {
		char zero = 0;

		emit(&o, &zero, 1, off - 1);
	}
out:
	kfree(segs);
	kfree(page);
	kfree(notes);
	return o.err;
}

/* Write p's core file for sig as ut; 0 if it was written. */
static int dump_core(struct uthread *ut, int sig)
{
	struct proc *p = ut->proc;
	struct vfs_cred cred;
	struct vnode *cwd;
	struct file *f;
	uint64_t limit;
	int err;

	mutex_lock(&proc_lock);
	cred.uid = p->cred.fsuid;
	cred.gid = p->cred.fsgid;
	limit = p->rlim[RLIMIT_CORE].rlim_cur;
	mutex_unlock(&proc_lock);
	if (!ut->vm || !ut->fs)
		return -EINVAL;
	cwd = fs_info_cwd(ut->fs);
	err = vfs_openat(cwd, "core",
			 O_CREAT | O_WRONLY | O_TRUNC | O_NOFOLLOW |
				 O_LARGEFILE,
			 0600, &cred, &f);
	vnode_put(cwd);
	if (err)
		return err;
	if (!f->vnode || !S_ISREG(f->vnode->mode))
		err = -EINVAL;
	else
		err = write_core(ut, sig, f, limit);
	file_put(f);
	return err;
}

void proc_coredump(struct uthread *ut)
{
	struct proc *p = ut->proc;
	struct sighand *sh = ut->sighand;
	unsigned long fl;
	int sig;

	if (!sh)
		return;
	fl = spin_lock_irqsave(&sh->lock);
	if (!(p->sigflags & PROC_COREDUMP)) {
		spin_unlock_irqrestore(&sh->lock, fl);
		return;
	}
	p->sigflags &= ~PROC_COREDUMP;
	sig = p->group_exit_status & 0x7f;
	spin_unlock_irqrestore(&sh->lock, fl);
	uthread_regs_full(ut); /* the note holds every register */

	if (dump_core(ut, sig)) {
		fl = spin_lock_irqsave(&sh->lock);
		p->group_exit_status &= ~WCOREFLAG;
		spin_unlock_irqrestore(&sh->lock, fl);
	}
}
