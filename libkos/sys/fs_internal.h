/* Shared by libkos/sys/fs.c and libkos/sys/fd.c. */
#ifndef KOS_SYS_FS_INTERNAL_H
#define KOS_SYS_FS_INTERNAL_H

#include <stdint.h>

struct fdtable;

/*
 * An fd argument as Linux reads it (unsigned int): values above INT_MAX
 * are never valid descriptors (-1, a bad fd).
 */
static inline int fdarg(unsigned int fd)
{
	return fd > INT32_MAX ? -1 : (int)fd;
}

/*
 * The calling process's fd table (NULL for kernel threads), with its
 * limit synced to the process's RLIMIT_NOFILE.
 */
struct fdtable *sys_cur_fdt(void);

#endif
