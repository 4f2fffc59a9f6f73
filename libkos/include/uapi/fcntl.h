/*
 * open(2)/fcntl(2) flags and commands, x86-64 values
 * (asm-generic/fcntl.h numbering).
 */
#ifndef UAPI_FCNTL_H
#define UAPI_FCNTL_H

#include <uapi/types.h>

#define O_ACCMODE 00000003
#define O_RDONLY 00000000
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_EXCL 00000200
#define O_NOCTTY 00000400
#define O_TRUNC 00001000
#define O_APPEND 00002000
#define O_NONBLOCK 00004000
#define O_DSYNC 00010000
#define FASYNC 00020000
#define O_ASYNC FASYNC
#define O_DIRECT 00040000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW 00400000
#define O_NOATIME 01000000
#define O_CLOEXEC 02000000
#define __O_SYNC 04000000
#define O_SYNC (__O_SYNC | O_DSYNC)
#define O_PATH 010000000
#define __O_TMPFILE 020000000
#define O_TMPFILE (__O_TMPFILE | O_DIRECTORY)
#define O_NDELAY O_NONBLOCK

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_SETOWN 8
#define F_GETOWN 9
#define F_SETSIG 10
#define F_GETSIG 11
#define F_SETOWN_EX 15
#define F_GETOWN_EX 16
#define F_OFD_GETLK 36 /* open file description locks */
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_LINUX_SPECIFIC_BASE 1024
#define F_SETLEASE (F_LINUX_SPECIFIC_BASE + 0)
#define F_GETLEASE (F_LINUX_SPECIFIC_BASE + 1)
#define F_NOTIFY (F_LINUX_SPECIFIC_BASE + 2)
/* F_NOTIFY's events (dnotify) */
#define DN_ACCESS 0x00000001
#define DN_MODIFY 0x00000002
#define DN_CREATE 0x00000004
#define DN_DELETE 0x00000008
#define DN_RENAME 0x00000010
#define DN_ATTRIB 0x00000020
#define DN_MULTISHOT 0x80000000
#define F_DUPFD_CLOEXEC (F_LINUX_SPECIFIC_BASE + 6)
#define F_SETPIPE_SZ (F_LINUX_SPECIFIC_BASE + 7)
#define F_GETPIPE_SZ (F_LINUX_SPECIFIC_BASE + 8)
#define F_ADD_SEALS (F_LINUX_SPECIFIC_BASE + 9)
#define F_GET_SEALS (F_LINUX_SPECIFIC_BASE + 10)

#define FD_CLOEXEC 1

/* fcntl(F_SETOWN_EX/F_GETOWN_EX): who gets the file's SIGIO */
#define F_OWNER_TID 0
#define F_OWNER_PID 1
#define F_OWNER_PGRP 2

struct f_owner_ex {
	__s32 type; /* F_OWNER_* */
	__s32 pid;
};

/* Record locks: struct flock's l_type */
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

/*
 * fcntl(F_GETLK/F_SETLK/F_SETLKW and the F_OFD_ ones): the x86-64 layout,
 * 32 bytes with padding after l_whence and l_pid (Linux copies the
 * whole structure in and back, padding included).
 */
struct flock {
	__s16 l_type;
	__s16 l_whence;
	__s64 l_start;
	__s64 l_len; /* 0: to the end of file; < 0: the bytes before l_start */
	__s32 l_pid;
};

/* flock(2) operations */
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4 /* or'd: do not block */
#define LOCK_UN 8
#define LOCK_MAND 32 /* the removed mandatory locks: ignored */

/* *at() directory fd and flags */
#define AT_FDCWD -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EACCESS 0x200
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define AT_STATX_SYNC_TYPE 0x6000
#define AT_STATX_SYNC_AS_STAT 0x0000
#define AT_STATX_FORCE_SYNC 0x2000
#define AT_STATX_DONT_SYNC 0x4000

/* access(2) modes */
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

/* lseek(2) */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

#endif
