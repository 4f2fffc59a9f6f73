/*
 * Access to user memory from the kernel.
 *
 * Every user pointer a system call receives goes through these functions.
 * They check the range against the calling process's address space (VMAs
 * and page tables owned by the core), fault pages in as a user access
 * would (demand-zero, file-backed), and copy through the platform's direct
 * map — so they work the same on bare metal and hosted, and a bad pointer
 * is -EFAULT, never a kernel fault.  Kernel addresses (the upper half) are
 * never user memory.
 *
 * They may sleep (page-in).  Call from a user thread's kernel side.
 */
#ifndef KOS_UACCESS_H
#define KOS_UACCESS_H

#include <kos/types.h>

#define __user /* marks user pointers for readers (no checker yet) */

/* Copy n bytes from user src to kernel dst.  0, or -EFAULT. */
int copy_from_user(void *dst, const void __user *src, size_t n);

/* Copy n bytes from kernel src to user dst.  0, or -EFAULT. */
int copy_to_user(void __user *dst, const void *src, size_t n);

/* Zero n bytes of user memory.  0, or -EFAULT. */
int clear_user(void __user *dst, size_t n);

/*
 * Copy a NUL-terminated string of at most max bytes including the NUL.
 * Returns its length (without the NUL), -EFAULT, or -ENAMETOOLONG if no
 * NUL was found within max bytes (dst then holds max bytes, unterminated).
 */
long strncpy_from_user(char *dst, const char __user *src, size_t max);

/* True if [uaddr, uaddr+n) lies in the user half (no VMA check). */
bool user_range_ok(unsigned long uaddr, size_t n);

/*
 * Atomically (for user code) read the aligned 32-bit word at uaddr into
 * *old and, with op, replace it by op(*old, arg).  0 or -EFAULT.
 */
int user_u32_op(unsigned long uaddr, uint32_t (*op)(uint32_t, void *),
		void *arg, uint32_t *old);

/*
 * What identifies the word at uaddr for futexes: in a shared mapping its
 * physical address (*shared set, *pa filled), else the address itself.
 * 0 or -EFAULT.
 */
int user_futex_key(unsigned long uaddr, bool *shared, paddr_t *pa);

#endif
