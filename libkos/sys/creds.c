/*
 * Credentials of the calling process: the real and effective user and
 * group ids (getuid, geteuid, getgid, getegid).  Every process runs as
 * root so far; nothing changes them yet.
 */
#include <kos/proc.h>
#include <kos/syscalls.h>

SYSCALL_DEFINE0(getuid)
{
	return proc_current()->cred.uid;
}

SYSCALL_DEFINE0(geteuid)
{
	return proc_current()->cred.euid;
}

SYSCALL_DEFINE0(getgid)
{
	return proc_current()->cred.gid;
}

SYSCALL_DEFINE0(getegid)
{
	return proc_current()->cred.egid;
}
