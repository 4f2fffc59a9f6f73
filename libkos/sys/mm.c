/*
 * Memory-management system calls: mmap, munmap, mprotect, brk, madvise,
 * msync.
 *
 * These validate the arguments the way Linux does (same checks, same
 * order, same errno; mmap(2), munmap(2), mprotect(2), brk(2),
 * madvise(2)) and hand the work to the vm layer (kos/vm.h) on the
 * calling process's address space.
 *
 * Which files map is the file's business (file_mmap_check()): regular
 * files of a file system with a page cache map shared and private,
 * /dev/zero maps as anonymous memory, directories and most devices
 * refuse with -ENODEV.
 *
 * Not supported yet, honestly refused:
 *  - MAP_SHARED|MAP_ANONYMOUS is backed by an unnamed ramfs file
 *    (fs/shmem.c), so forked children share it.
 *  - MAP_HUGETLB fails with -EINVAL (no huge pages), MAP_POPULATE,
 *    MAP_LOCKED, MAP_NORESERVE, MAP_STACK etc. are accepted as hints.
 */
#include <kos/file.h>
#include <kos/fdtable.h>
#include <kos/vfs.h>
#include <kos/syscalls.h>
#include <kos/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/mman.h>

/* Flags MAP_SHARED_VALIDATE accepts (others: -EOPNOTSUPP). */
#define MAP_VALIDATE_KNOWN                                                  \
	(MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT | MAP_GROWSDOWN | \
	 MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE |      \
	 MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB |            \
	 MAP_FIXED_NOREPLACE | MAP_SYNC)

/*
 * Check a file mapping in Linux's order: the type and the open mode
 * (-EOPNOTSUPP, -EACCES), whether the file maps at all (-ENODEV), then
 * MAP_GROWSDOWN (-EINVAL).  Returns 0 or FILE_MMAP_ANON (map anonymous
 * memory instead), or -errno.
 */
static long check_file_map(struct file *f, unsigned long prot,
			   unsigned long flags)
{
	bool shared = true;
	long rc;

	switch (flags & MAP_TYPE) {
	case MAP_SHARED_VALIDATE:
		if (flags & ~(unsigned long)MAP_VALIDATE_KNOWN)
			return -EOPNOTSUPP;
		/* fallthrough */
	case MAP_SHARED:
		if ((prot & PROT_WRITE) && !(f->fmode & FMODE_WRITE))
			return -EACCES;
		break;
	case MAP_PRIVATE:
		shared = false;
		break;
	default:
		return -EINVAL;
	}
	if (!(f->fmode & FMODE_READ))
		return -EACCES;
	/* A noexec mount's file: no PROT_EXEC now, nor by mprotect later. */
	if ((prot & PROT_EXEC) && file_noexec(f))
		return -EPERM;
	rc = file_mmap_check(f, shared);
	if (rc < 0)
		return rc;
	if (flags & MAP_GROWSDOWN)
		return -EINVAL;
	return rc;
}

SYSCALL_DEFINE6(mmap, __as_ptr unsigned long, addr, __as_hex unsigned long, len,
		__as_hex unsigned long, prot, __as_hex unsigned long, flags,
		__as_fd int, fd, __as_hex unsigned long, off)
{
	struct vm_space *vm = vm_current();
	struct file *f = NULL;
	unsigned long result;
	long rc;

	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (!vm)
		return -ENOMEM;
	if (!(flags & MAP_ANONYMOUS)) {
		f = fd_get_file(fd);
		if (!f)
			return -EBADF;
		if (f->fmode & FMODE_PATH) {
			file_put(f);
			return -EBADF;
		}
	} else if (flags & MAP_HUGETLB) {
		return -EINVAL;
	}
	if (!len) {
		rc = -EINVAL;
		goto out;
	}
	if (f) {
		if (len > VM_USER_TOP) {
			rc = -ENOMEM;
			goto out;
		}
		if (off > (uint64_t)INT64_MAX ||
		    ALIGN_UP(len, PAGE_SIZE) > (uint64_t)INT64_MAX - off) {
			rc = -EOVERFLOW;
			goto out;
		}
		rc = check_file_map(f, prot, flags);
		if (rc < 0)
			goto out;
		if (rc == FILE_MMAP_ANON) {
			file_put(f);
			f = NULL;
		}
	} else if (vm->linked) {
		/* One process: shared anonymous memory is private memory. */
		rc = vm_linked_mmap(vm, addr, len, prot, flags, NULL, 0);
		goto out;
	} else {
		switch (flags & MAP_TYPE) {
		case MAP_SHARED:
			if (flags & MAP_GROWSDOWN) {
				rc = -EINVAL;
				goto out;
			}
			/* Shared with children: an unnamed file backs it. */
			if (len > VM_USER_TOP) {
				rc = -ENOMEM;
				goto out;
			}
			rc = shmem_file_create(ALIGN_UP(len, PAGE_SIZE), &f);
			if (rc)
				goto out;
			off = 0;
			break;
		case MAP_PRIVATE:
			break;
		default:
			rc = -EINVAL;
			goto out;
		}
	}
	if (vm->linked) {
		rc = vm_linked_mmap(vm, addr, len, prot, flags, f, off);
		goto out;
	}
	rc = vm_map(vm, addr, len, (unsigned int)prot, (unsigned int)flags, f,
		    f ? off : 0, &result);
	if (!rc)
		rc = (long)result;
out:
	if (f)
		file_put(f); /* the VMA holds its own reference */
	return rc;
}

SYSCALL_DEFINE2(munmap, __as_ptr unsigned long, addr, __as_hex size_t, len)
{
	struct vm_space *vm = vm_current();

	if (!vm)
		return -EINVAL;
	if (vm->linked)
		return vm_linked_munmap(vm, addr, len);
	return vm_unmap(vm, addr, len);
}

SYSCALL_DEFINE3(mprotect, __as_ptr unsigned long, addr, __as_hex size_t, len,
		__as_hex unsigned long, prot)
{
	struct vm_space *vm = vm_current();

	if (!vm)
		return -ENOMEM;
	if (vm->linked)
		return vm_linked_mprotect(vm, addr, len, prot);
	return vm_protect(vm, addr, len, prot);
}

SYSCALL_DEFINE1(brk, __as_ptr unsigned long, newbrk)
{
	struct vm_space *vm = vm_current();

	if (!vm)
		return 0;
	if (vm->linked) /* no heap segment: the break cannot move */
		return (long)vm->brk;
	return (long)vm_brk(vm, newbrk);
}

SYSCALL_DEFINE3(madvise, __as_ptr unsigned long, addr, __as_hex size_t, len,
		int, advice)
{
	struct vm_space *vm = vm_current();

	if (!vm)
		return -ENOMEM;
	if (vm->linked)
		return vm_linked_madvise(vm, addr, len, advice);
	return vm_madvise(vm, addr, len, advice);
}

SYSCALL_DEFINE3(msync, __as_ptr unsigned long, addr, __as_hex size_t, len,
		__as_hex int, flags)
{
	struct vm_space *vm = vm_current();

	if (flags & ~(unsigned long)(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	if (!vm)
		return -ENOMEM;
	if (vm->linked)
		return vm_linked_msync(vm, addr, len);
	return vm_msync(vm, addr, len, flags & MS_SYNC);
}
