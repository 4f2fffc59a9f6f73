/* poll(2) of the Linux x86-64 ABI. */
#ifndef UAPI_POLL_H
#define UAPI_POLL_H

#include <uapi/types.h>

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLMSG 0x400
#define POLLRDHUP 0x2000 /* the peer shut its sending side (EPOLLRDHUP) */

struct pollfd {
	__s32 fd;
	__s16 events;
	__s16 revents;
};

#endif
