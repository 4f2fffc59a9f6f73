/* struct utsname as uname(2) fills it on Linux (new_utsname, 6 x 65). */
#ifndef UAPI_UTSNAME_H
#define UAPI_UTSNAME_H

#define UTS_LEN 65

struct new_utsname {
	char sysname[UTS_LEN];
	char nodename[UTS_LEN];
	char release[UTS_LEN];
	char version[UTS_LEN];
	char machine[UTS_LEN];
	char domainname[UTS_LEN];
};

#endif
