/*
 * Credentials of the calling process: the real and effective user and
 * group ids (getuid, geteuid, getgid, getegid).  Every process runs as
 * root so far; nothing changes them yet.
 */
#include <kos/proc.h>

long sys_getuid(void)
{
	return proc_current()->uid;
}

long sys_geteuid(void)
{
	return proc_current()->euid;
}

long sys_getgid(void)
{
	return proc_current()->gid;
}

long sys_getegid(void)
{
	return proc_current()->egid;
}
