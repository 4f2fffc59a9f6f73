/* readv(2)/writev(2) vectors. */
#ifndef UAPI_UIO_H
#define UAPI_UIO_H

#include <uapi/types.h>

struct iovec {
	void *iov_base;
	__u64 iov_len;
};

#endif
