/* getdents64(2) records. */
#ifndef UAPI_DIRENT_H
#define UAPI_DIRENT_H

#include <uapi/types.h>

/*
 * One directory entry: d_reclen covers the header, the NUL-terminated
 * name and padding up to a multiple of 8 bytes.
 */
struct linux_dirent64 {
	__u64 d_ino;
	__s64 d_off; /* cookie of the next entry */
	__u16 d_reclen;
	__u8 d_type;
	char d_name[];
};

#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12
#define DT_WHT 14

#endif
