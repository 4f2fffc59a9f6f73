/* Resource limits (getrlimit(2), prlimit64) of the Linux ABI. */
#ifndef UAPI_RESOURCE_H
#define UAPI_RESOURCE_H

#include <uapi/types.h>

struct rlimit64 {
	__u64 rlim_cur;
	__u64 rlim_max;
};

#define RLIM64_INFINITY (~0ULL)

#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_LOCKS 10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE 12
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14
#define RLIMIT_RTTIME 15
#define RLIM_NLIMITS 16

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2

struct rusage_timeval {
	__s64 tv_sec;
	__s64 tv_usec;
};

struct rusage {
	struct rusage_timeval ru_utime, ru_stime;
	__s64 ru_maxrss, ru_ixrss, ru_idrss, ru_isrss;
	__s64 ru_minflt, ru_majflt, ru_nswap, ru_inblock, ru_oublock;
	__s64 ru_msgsnd, ru_msgrcv, ru_nsignals, ru_nvcsw, ru_nivcsw;
};

#endif
