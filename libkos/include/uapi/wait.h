/* wait4(2)/waitid(2) options and status words (x86-64). */
#ifndef UAPI_WAIT_H
#define UAPI_WAIT_H

#include <uapi/types.h>

#define WNOHANG 0x00000001
#define WUNTRACED 0x00000002
#define WSTOPPED WUNTRACED
#define WEXITED 0x00000004
#define WCONTINUED 0x00000008
#define WNOWAIT 0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000

#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define P_PIDFD 3

/* Status words: exited (code << 8), killed (sig [| 0x80 core]), stopped. */
#define W_EXITCODE(code, sig) (((code) << 8) | (sig))
#define W_STOPCODE(sig) (((sig) << 8) | 0x7f)
#define W_CONTINUED 0xffff
#define WCOREFLAG 0x80

#endif
