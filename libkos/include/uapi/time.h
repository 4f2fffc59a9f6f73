/* Time types and clock ids of the Linux x86-64 ABI. */
#ifndef UAPI_TIME_H
#define UAPI_TIME_H

#include <uapi/types.h>

struct timespec {
	__s64 tv_sec;
	__s64 tv_nsec;
};

struct timeval {
	__s64 tv_sec;
	__s64 tv_usec;
};

struct timezone {
	__s32 tz_minuteswest;
	__s32 tz_dsttime;
};

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11

#define TIMER_ABSTIME 1

struct itimerval {
	struct timeval it_interval;
	struct timeval it_value;
};

struct itimerspec {
	struct timespec it_interval;
	struct timespec it_value;
};

#endif
