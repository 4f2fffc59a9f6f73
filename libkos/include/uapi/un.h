/* AF_UNIX addresses (<linux/un.h>). */
#ifndef KOS_UAPI_UN_H
#define KOS_UAPI_UN_H

#include <uapi/socket.h>

#define UNIX_PATH_MAX 108

struct sockaddr_un {
	sa_family_t sun_family; /* AF_UNIX */
	char sun_path[UNIX_PATH_MAX];
};

/* SIOCINQ / SIOCOUTQ: FIONREAD / TIOCOUTQ's numbers on sockets. */
#define SIOCINQ 0x541B
#define SIOCOUTQ 0x5411

#endif
