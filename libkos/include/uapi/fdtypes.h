/*
 * eventfd(2), timerfd_create(2) and signalfd(2): flags and the record a
 * signalfd read returns (from the man pages and the x86-64 ABI).
 */
#ifndef UAPI_FDTYPES_H
#define UAPI_FDTYPES_H

#include <uapi/types.h>

/* eventfd2 flags besides O_CLOEXEC and O_NONBLOCK */
#define EFD_SEMAPHORE 1

/* timerfd_settime flags */
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2

/* struct signalfd_siginfo: 128 bytes per signal read. */
struct signalfd_siginfo {
	__u32 ssi_signo;
	__s32 ssi_errno;
	__s32 ssi_code;
	__u32 ssi_pid;
	__u32 ssi_uid;
	__s32 ssi_fd;
	__u32 ssi_tid;
	__u32 ssi_band;
	__u32 ssi_overrun;
	__u32 ssi_trapno;
	__s32 ssi_status;
	__s32 ssi_int;
	__u64 ssi_ptr;
	__u64 ssi_utime;
	__u64 ssi_stime;
	__u64 ssi_addr;
	__u16 ssi_addr_lsb;
	__u16 __pad2;
	__s32 ssi_syscall;
	__u64 ssi_call_addr;
	__u32 ssi_arch;
	__u8 __pad[28];
};

#endif
