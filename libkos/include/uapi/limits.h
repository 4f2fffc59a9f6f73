/* Limits of the Linux ABI (linux/limits.h, uio.h). */
#ifndef UAPI_LIMITS_H
#define UAPI_LIMITS_H

#define NAME_MAX 255		 /* bytes in a path component */
#define PATH_MAX 4096		 /* bytes in a path, including the NUL */
#define SYMLOOP_MAX 40		 /* symlinks followed in one lookup */
#define NR_OPEN 1048576		 /* hard ceiling of RLIMIT_NOFILE */
#define UIO_MAXIOV 1024		 /* iovecs per readv/writev */
#define MAX_RW_COUNT 0x7ffff000L /* largest single read/write */

#endif
