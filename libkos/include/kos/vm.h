/*
 * Virtual memory: per-process address spaces.
 *
 * A struct vm_space is one user address space: a set of VMAs (virtual
 * memory areas: page-aligned, non-overlapping [start, end) ranges with one
 * protection and one backing each) and the x86-64 page tables that map
 * them (kos/pgtable.h), created lazily by page faults.  Anonymous
 * memory is demand-zero and private to the address space.  File mappings
 * use the file system's page cache (vnode_ops.getpage) when it has one:
 * a shared mapping maps the file's own pages, so stores are file data
 * and write()s show through; a private mapping maps them read-only and
 * copy-on-write (PTE_COW), so it sees the file until it writes a page,
 * then has its own copy.  Without a page cache a private mapping reads
 * its page from the file at the first touch.  Every frame a PTE maps is
 * reference counted (PTE_OWNED, pmm_page_get()), so a page-cache page
 * outlives truncation while mapped.  Not done: truncation does not yet
 * unmap pages past the new end of file from existing mappings (they
 * keep the old frame; faults past EOF do give SIGBUS).
 *
 * Layout follows Linux x86-64's default (legacy layout off): user space
 * is [0, VM_USER_TOP); mmap() places mappings top-down below mmap_base
 * (VM_USER_TOP - 128 MiB, or where the ELF loader's randomization puts
 * it: proc/exec.c); the stack sits below VM_USER_TOP (or lower) and
 * grows down on faults (VMA_GROWSDOWN) up to stack_max; brk grows up
 * from the base the ELF loader sets.
 *
 * Locking: vm->lock (a mutex, may sleep) guards the VMA set, the page
 * tables and the brk/mmap fields.  Every vm_* function takes it itself
 * unless its name ends in _locked; vm_find_vma() requires it held.  File
 * reads for page-ins happen with the lock held.  After every change to
 * the page tables the platform is told with plat_tlb_flush() (also for
 * newly installed entries, which a mirroring platform must see).
 */
#ifndef KOS_VM_H
#define KOS_VM_H

#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/types.h>
#include <uapi/errno.h>

struct file;
struct plat_as;
struct vm_special;

#define VM_USER_TOP 0x00007ffffffff000UL /* end of user space (47-bit) */
#define VM_MMAP_MIN 0x10000UL		 /* lowest address mmap picks */
#define VM_MMAP_GAP (128UL << 20)	 /* stack room above mmap_base */
#define VM_MMAP_BASE (VM_USER_TOP - VM_MMAP_GAP)
#define VM_STACK_MAX (8UL << 20)	       /* RLIMIT_STACK default */
#define VM_STACK_GUARD_GAP (256UL * PAGE_SIZE) /* kept below stacks */

/* Page-fault results besides 0, -EFAULT (SIGSEGV) and -ENOMEM. */
#define VM_FAULT_SIGBUS (-EBUSY) /* file page wholly past EOF / I/O */

/* struct vma.flags */
#define VMA_SHARED 0x01	   /* MAP_SHARED anonymous (private until fork) */
#define VMA_GROWSDOWN 0x02 /* stack: faults just below extend it */
#define VMA_DONTFORK 0x04  /* madvise hints, kept for fork */
#define VMA_WIPEONFORK 0x08
#define VMA_DONTDUMP 0x10
/*
 * MAP_SHARED of a file not open for writing: mapped like a private
 * mapping (it can never write), and mprotect() may not add PROT_WRITE
 * (-EACCES), as Linux.
 */
#define VMA_NOWRITE 0x20
/* mprotect() may not add PROT_EXEC (-EACCES). */
#define VMA_NOEXEC 0x40
/*
 * A special mapping (vma.special, see vm_map_special()): never split
 * (-EINVAL from a munmap, mprotect, MAP_FIXED or madvise that would cut
 * it) and never merged, as Linux's [vdso] and [vvar]; MADV_FREE and
 * MADV_DODUMP are -EINVAL.
 */
#define VMA_SPECIAL 0x80
/*
 * The pages are not ordinary memory (Linux's VM_IO | VM_PFNMAP, [vvar]):
 * never copied on write, so a forced write (vm_write_kernel()) is
 * -EFAULT; madvise() that drops or populates pages is -EINVAL.
 */
#define VMA_IO 0x100
/*
 * A private file mapping that is or was writable (Linux's VM_ACCOUNT,
 * which mprotect never takes back from a file mapping): never merged
 * with one that is not, so a RELRO part made read-only stays apart from
 * the read-only segment below it in /proc/<pid>/maps, as on Linux.
 * (Anonymous mappings do not track it.)
 */
#define VMA_ACCOUNT 0x200

/*
 * One mapping.  All fields are guarded by the owning vm_space's lock.
 * file (a reference, NULL for anonymous memory) is read at offset off
 * for the page at start.
 */
struct vma {
	unsigned long start, end; /* page aligned, start < end */
	unsigned int prot;	  /* PROT_READ | PROT_WRITE | PROT_EXEC */
	unsigned int flags;	  /* VMA_* */
	struct file *file;
	uint64_t off;
	const char *name; /* "[heap]", "[stack]" or NULL; static */
	/* The pages of a special mapping (VMA_SPECIAL), else NULL. */
	const struct vm_special *special;
};

/*
 * The VMA set: an array of VMA pointers sorted by address (binary search,
 * O(log n) lookup; insert/remove move pointers, O(n), which for the few
 * hundred mappings real programs have is cheaper than a tree's
 * bookkeeping), plus a one-entry cache of the last VMA found.
 */
struct vma_set {
	struct vma **v;
	size_t n, cap;
	struct vma *cache;
};

struct vm_space {
	unsigned int users; /* atomic: threads sharing it (CLONE_VM) */
	/*
	 * Atomic: user threads whose uthread.vm it is (users also counts
	 * other references, /proc's); plat_thread_reserve() checks it.
	 */
	unsigned int nr_threads;
	struct mutex lock;
	paddr_t pml4;	    /* page-table root; constant */
	struct plat_as *as; /* platform state; constant */
	struct vma_set vmas;
	unsigned long brk_start; /* initial break (brk can't go lower) */
	unsigned long brk;	 /* current break, not page aligned */
	unsigned long mmap_base; /* top-down mmap search starts here */
	unsigned long stack_top; /* end of the stack VMA, 0 if none */
	unsigned long stack_max; /* how far the stack may grow, bytes */
	uint64_t data_limit;	 /* RLIMIT_DATA soft limit, bytes */
	/*
	 * The program execve() loaded (a reference; it denies writes to
	 * its vnode, ETXTBSY), or NULL.  Set before the space is shared.
	 */
	struct file *exe;
	/*
	 * For /proc: where the program's argument and environment strings
	 * lie.  Set before the space is shared.
	 */
	unsigned long arg_start, arg_end, env_start, env_end;
	/*
	 * Resident pages (entries holding a frame) and their peak, for
	 * getrusage's maxrss.  lock.
	 */
	unsigned long rss, hiwater_rss;
	/*
	 * Anonymous fault-around (mm/fault.c): the page after the last
	 * page the previous fault filled, and how many it filled after
	 * its own.  A fault right there grows the next window (a
	 * sequential toucher); any other starts over.  lock.
	 */
	unsigned long fa_next;
	unsigned int fa_pages;
	struct list_head all; /* on the list of every space; vm.c's all_lock */
	/*
	 * A linked-mode space (mm/linked.c, docs/linked-mode.md): the
	 * program runs in the kernel's own address space, its "user"
	 * pointers are kernel addresses, and its anonymous mappings are
	 * blocks of kernel memory on linked_maps (lock).  Constant.
	 */
	bool linked;
	struct list_head linked_maps;
	/* Some linked mapping has had fewer rights than read-write. */
	bool linked_protected;
};

/*
 * Log every entry of every address space that holds frame pa, and how
 * many there are: a post-mortem for the page-count panics (pmm.c).  Takes
 * no sleeping lock and trusts nothing but the list; only for a kernel
 * that is about to stop.
 */
void vm_report_frame(paddr_t pa);

/* The peak resident size of vm in KiB (getrusage's ru_maxrss). */
static inline uint64_t vm_maxrss_kb(const struct vm_space *vm)
{
	return (uint64_t)vm->hiwater_rss * (PAGE_SIZE / 1024);
}

/*
 * Backing-file operations the vm layer uses.  They default to the VFS's
 * file_get/file_put/file_pread_kernel; unit tests substitute fakes.
 */
struct vm_file_ops {
	void (*get)(struct file *f);
	void (*put)(struct file *f);
	/* Read into a kernel buffer; short at EOF; bytes or -errno. */
	ssize_t (*pread)(struct file *f, void *buf, size_t len, uint64_t off);
	/*
	 * The file's page-cache page pgoff, referenced (file_getpage());
	 * -ENOSYS without a page cache, -ENXIO past EOF.  NULL: -ENOSYS.
	 */
	int (*getpage)(struct file *f, uint64_t pgoff, paddr_t *pa);
	/* file_peekpage(): only a cached page, else -ENOENT; NULL: -ENOSYS */
	int (*peekpage)(struct file *f, uint64_t pgoff, paddr_t *pa);
	/* file_wants_mkwrite / file_page_mkwrite; NULL: no. */
	bool (*wants_mkwrite)(struct file *f);
	int (*page_mkwrite)(struct file *f, uint64_t pgoff);
	/* msync(MS_SYNC): write the file back; NULL: nothing to do. */
	int (*fsync)(struct file *f);
};

/* Replace the file operations (NULL restores the VFS's).  Tests only. */
void vm_set_file_ops(const struct vm_file_ops *ops);

/*
 * Keep [start, end) (page aligned, below VM_USER_TOP) out of every address
 * space: placement skips it, and MAP_FIXED, brk and stack growth into it
 * fail (-ENOMEM; brk keeps the old break).  For a platform that needs a
 * few pages of its own at a fixed user address in every address space
 * (the hosted stub, docs/hosted.md).  Call once at boot, before any
 * address space exists.  Without a call nothing is reserved.
 */
void vm_reserve_range(unsigned long start, unsigned long end);

/* A new empty address space (one user), or NULL if out of memory. */
struct vm_space *vm_create(void);

/*
 * The space of a linked-mode process (mm/linked.c): no page tables the
 * platform runs, no VMAs; uaccess copies through the kernel addresses
 * the program passes, mmap hands out kernel memory.  NULL if out of
 * memory.
 */
struct vm_space *vm_create_linked(void);

/*
 * A linked space's mmap/munmap/mprotect/brk (the system calls' checks
 * done): anonymous private memory only, zeroed, readable and writable
 * whatever prot says (the kernel's own memory has no per-page
 * protection); see mm/linked.c for what is refused.
 */
struct file;
long vm_linked_mmap(struct vm_space *vm, unsigned long addr, size_t len,
		    unsigned long prot, unsigned long flags, struct file *f,
		    uint64_t off);
int vm_linked_munmap(struct vm_space *vm, unsigned long addr, size_t len);
int vm_linked_mprotect(struct vm_space *vm, unsigned long addr, size_t len,
		       unsigned long prot);

/*
 * The linked mapping holding addr: 0 and its [*start, *end), or -ENOMEM
 * if none does (a linked thread's stack, proc/linked.c).
 */
int vm_linked_find(struct vm_space *vm, unsigned long addr,
		   unsigned long *start, unsigned long *end);
/*
 * madvise and msync for a linked space: MADV_DONTNEED makes private
 * pages new, other advice does nothing; msync checks the range.
 */
int vm_linked_madvise(struct vm_space *vm, unsigned long addr, size_t len,
		      int advice);
int vm_linked_msync(struct vm_space *vm, unsigned long addr, size_t len);
/*
 * May the kernel read (or write) [addr, addr + n) for a linked space?
 * False where a mapping's rights (mmap's prot, mprotect) refuse it.
 */
bool vm_linked_access_ok(struct vm_space *vm, unsigned long addr, size_t n,
			 bool write);
/* Is [addr, addr + n) an acceptable range for a linked space's copies? */
bool vm_linked_range_ok(unsigned long addr, size_t n);

/* Unmap everything, free the page tables and vm.  NULL is ignored. */
void vm_destroy(struct vm_space *vm);

/* CLONE_VM sharing: another user / one fewer (the last destroys). */
void vm_get(struct vm_space *vm);
void vm_put(struct vm_space *vm);

/*
 * fork(): a copy of vm for a child.  Private pages become copy-on-write
 * in both (read-only, PTE_COW, one frame with two references; the first
 * write copies it, or takes it over if nobody else holds it), shared
 * mappings share their frames, MADV_DONTFORK ranges are left out and
 * MADV_WIPEONFORK ones start empty.  NULL if memory is short.
 */
struct vm_space *vm_fork(struct vm_space *vm);

/*
 * mmap() core.  len > 0 (rounded up to pages); prot PROT_*; flags MAP_*
 * (type MAP_PRIVATE or MAP_SHARED, plus MAP_FIXED, MAP_FIXED_NOREPLACE,
 * MAP_ANONYMOUS, MAP_GROWSDOWN, MAP_32BIT; others ignored); file (NULL
 * for anonymous memory; a reference is taken) read from page-aligned
 * offset off.  Placement: MAP_FIXED replaces whatever is there;
 * MAP_FIXED_NOREPLACE fails with -EEXIST if anything is; otherwise addr
 * is a hint used if the range is free, else the highest free range below
 * mmap_base.  *result gets the address.  A shared file mapping whose
 * file lacks FMODE_WRITE becomes VMA_NOWRITE.  0, -EINVAL (unaligned
 * fixed address or offset), -ENOMEM (no room, or out of memory), -EEXIST,
 * -EOVERFLOW (offset + len wraps).
 */
int vm_map(struct vm_space *vm, unsigned long addr, size_t len,
	   unsigned int prot, unsigned int flags, struct file *file,
	   uint64_t off, unsigned long *result);

/*
 * munmap() core: remove [addr, addr+len) (len rounded up), splitting
 * VMAs at the edges.  Unmapped parts are fine.  0, -EINVAL (unaligned,
 * len 0, outside user space), -ENOMEM (a split failed).
 */
int vm_unmap(struct vm_space *vm, unsigned long addr, size_t len);

/*
 * mprotect() core: set prot (PROT_READ|WRITE|EXEC, optionally
 * PROT_GROWSDOWN) on [addr, addr+len).  Splits and merges VMAs; pages
 * keep their contents.  0, -EINVAL, -ENOMEM (part of the range is not
 * mapped; the part before the hole is changed, as in Linux), -EACCES
 * (PROT_WRITE on a VMA_NOWRITE mapping; likewise).
 */
int vm_protect(struct vm_space *vm, unsigned long addr, size_t len,
	       unsigned long prot);

/*
 * brk() core: move the break to newbrk if possible.  Returns the break
 * afterwards (the old one if newbrk is below brk_start, collides with a
 * mapping, or memory is short).  newbrk 0 just reads it.
 */
unsigned long vm_brk(struct vm_space *vm, unsigned long newbrk);

/* Set the initial break (ELF loader, after mapping the image). */
void vm_set_brk_base(struct vm_space *vm, unsigned long base);

/*
 * madvise() core.  MADV_DONTNEED (and _LOCKED, and MADV_FREE on
 * anonymous memory) drop the pages: the next touch sees zeros (anonymous)
 * or the file's contents (private file).  MADV_POPULATE_READ/WRITE fault
 * pages in.  Pure hints are accepted and ignored.  0, -EINVAL (unknown
 * advice, unaligned, unsuitable mapping), -ENOMEM (holes in the range).
 */
int vm_madvise(struct vm_space *vm, unsigned long addr, size_t len, int advice);

/*
 * msync() core: [addr, addr+len) (len rounded up) must be mapped.  Page
 * cache pages are the files' data already; with sync (MS_SYNC) every
 * file mapped shared in the range is written back to its store (fsync),
 * as Linux.  0, -EINVAL (unaligned), -ENOMEM (holes in the range, or it
 * wraps), or the write-back's error.
 */
int vm_msync(struct vm_space *vm, unsigned long addr, size_t len, bool sync);

/*
 * Map the stack: anonymous, read/write, grows down, [top - size, top).
 * Records stack_top.  For the ELF loader.  0 or -errno.
 */
int vm_map_stack(struct vm_space *vm, unsigned long top, size_t size);

/*
 * RLIMIT_DATA: private writable mappings that are not stacks ("data", as
 * Linux counts them, brk included) may not grow past limit bytes; such a
 * mapping fails with -ENOMEM and brk stays where it is.  UINT64_MAX: none.
 */
void vm_set_data_limit(struct vm_space *vm, uint64_t limit);
/* RLIMIT_STACK: how far the stack may grow from now on. */
void vm_set_stack_limit(struct vm_space *vm, uint64_t limit);
/*
 * Where top-down mmap placement starts (page aligned, at most
 * VM_USER_TOP): the ELF loader's, before the space is shared.
 */
void vm_set_mmap_base(struct vm_space *vm, unsigned long base);

/*
 * Special mappings: a fixed set of pages the kernel provides, mapped into
 * user space as a private mapping of them (Linux's
 * _install_special_mapping; the vDSO's [vvar] and [vdso]).  A fault at
 * page i of the mapping maps pages[i] itself, read-only and copy-on-write
 * if the mapping is ever made writable (mprotect, unless VMA_NOWRITE), so
 * no process can change what the others see; pages at i >= npages
 * (mapping size beyond the backed pages) fault with SIGBUS.  The pages
 * must be PMM_USER pages on which the provider holds a reference for as
 * long as any address space may map them (in practice: forever); every
 * entry that maps one takes a reference of its own.  The VMA is
 * VMA_SPECIAL plus flags; munmap() removes it like any mapping.
 */
struct vm_special {
	const char *name;     /* VMA name, "[vdso]"; static */
	size_t size;	      /* bytes, page multiple: the mapping's size */
	const paddr_t *pages; /* the backed pages, npages of them */
	size_t npages;	      /* <= size / PAGE_SIZE */
	unsigned int prot;    /* initial PROT_* */
	unsigned int flags;   /* added VMA_* (VMA_NOWRITE, VMA_IO, ...) */
};

/*
 * Map the n special mappings sp[0..n) back to back, sp[0] lowest: at
 * addr if it is not 0 (page aligned; everything there must be free,
 * else -EEXIST), else where mmap() would put a mapping of their total
 * size (top-down below the mmap base).  *result gets the start of sp[0].
 * 0, -EINVAL (bad address or sizes), -ENOMEM (no room, out of memory),
 * -EEXIST.  Nothing is mapped on failure.
 */
int vm_map_special(struct vm_space *vm, unsigned long addr,
		   const struct vm_special *const sp[], size_t n,
		   unsigned long *result);

/* The VMA containing addr, or NULL.  Caller holds vm->lock. */
struct vma *vm_find_vma(struct vm_space *vm, unsigned long addr);

/*
 * Resolve a user page fault at addr with PLAT_FAULT_* access bits.
 * Returns 0 if the access may be retried, -EFAULT (SIGSEGV: no mapping
 * or a protection violation), VM_FAULT_SIGBUS (file-backed page wholly
 * past EOF or a read error), -ENOMEM (out of memory).
 */
int vm_fault(struct vm_space *vm, unsigned long addr, unsigned int access);
/* vm_fault() with vm->lock held. */
int vm_fault_locked(struct vm_space *vm, unsigned long addr,
		    unsigned int access);

/*
 * Copies between kernel memory and vm's user memory, with the user's
 * rights: the range must be mapped and readable (writable for the
 * destination); pages are faulted in as by a user access.  0 or -EFAULT.
 * These back copy_from_user() and friends (kos/uaccess.h).
 */
int vm_copy_from(struct vm_space *vm, void *dst, unsigned long src, size_t n);
int vm_copy_to(struct vm_space *vm, unsigned long dst, const void *src,
	       size_t n);
int vm_clear(struct vm_space *vm, unsigned long dst, size_t n);
/* strncpy_from_user() semantics: length, -EFAULT or -ENAMETOOLONG. */
long vm_strncpy_from(struct vm_space *vm, char *dst, unsigned long src,
		     size_t max);

/*
 * Copies that ignore the VMAs' protection (like a debugger's access):
 * the range must be mapped, pages are faulted in.  For the ELF loader
 * (initial stack, .bss tail) and ptrace.  0 or -EFAULT/-ENOMEM.
 */
int vm_write_kernel(struct vm_space *vm, unsigned long uaddr, const void *src,
		    size_t len);
int vm_read_kernel(struct vm_space *vm, void *dst, unsigned long uaddr,
		   size_t len);

/*
 * The calling process's address space (proc_current()->vm), or NULL for
 * a kernel thread.  copy_from_user() and friends and the sys_* handlers
 * act on it.
 */
struct vm_space *vm_current(void);

/* Unit tests: make vm_current() return vm (NULL to stop). */
void vm_set_current_for_test(struct vm_space *vm);

/* Log the VMA list at LOG_DEBUG (debugging aid). */
void vm_dump(struct vm_space *vm);

/*
 * Copy the page at va into buf (PAGE_SIZE) if a frame is mapped there,
 * without faulting anything in (core dumps).  1 if copied, else 0.
 */
int vm_peek_page(struct vm_space *vm, unsigned long va, void *buf);

#endif
