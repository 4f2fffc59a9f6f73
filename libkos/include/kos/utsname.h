/*
 * The system's names: the host name and NIS domain name that
 * sethostname(2) and setdomainname(2) set and uname(2) and
 * /proc/sys/kernel/hostname show.  KOS has one UTS name space.  Both
 * start as Linux's "(none)".
 */
#ifndef KOS_UTSNAME_H
#define KOS_UTSNAME_H

#include <stddef.h>
#include <uapi/utsname.h>

/* Copy the host name, NUL-terminated, into buf (UTS_LEN bytes). */
void uts_get_hostname(char buf[UTS_LEN]);

/* Copy the domain name, NUL-terminated, into buf (UTS_LEN bytes). */
void uts_get_domainname(char buf[UTS_LEN]);

/* Set the host name to name[0..len), len < UTS_LEN (not checked again). */
void uts_set_hostname(const char *name, size_t len);

/* Set the domain name to name[0..len), len < UTS_LEN. */
void uts_set_domainname(const char *name, size_t len);

#endif
