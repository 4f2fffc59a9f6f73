/* readv(2)/writev(2) vectors. */
#ifndef UAPI_UIO_H
#define UAPI_UIO_H

#include <uapi/types.h>

struct iovec {
	void *iov_base;
	__u64 iov_len;
};

/* preadv2(2)/pwritev2(2) flags */
#define RWF_HIPRI 0x00000001 /* poll for completion (O_DIRECT only) */
#define RWF_DSYNC 0x00000002
#define RWF_SYNC 0x00000004
#define RWF_NOWAIT 0x00000008
#define RWF_APPEND 0x00000010

#endif
