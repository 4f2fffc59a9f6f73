/* Shared by libkos/sys/fs.c and libkos/sys/fd.c. */
#ifndef KOS_SYS_FS_INTERNAL_H
#define KOS_SYS_FS_INTERNAL_H

struct fdtable;

/*
 * The calling process's fd table (NULL for kernel threads), with its
 * limit synced to the process's RLIMIT_NOFILE.
 */
struct fdtable *sys_cur_fdt(void);

#endif
