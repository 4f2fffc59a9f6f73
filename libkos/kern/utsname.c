/*
 * The host and domain names (kos/utsname.h), behind one spinlock so that
 * a reader never sees half of a name being set.
 */
#include <kos/spinlock.h>
#include <kos/string.h>
#include <kos/utsname.h>

static struct spinlock uts_lock = SPINLOCK_INIT("utsname");
static char hostname[UTS_LEN] = "(none)";   /* uts_lock */
static char domainname[UTS_LEN] = "(none)"; /* uts_lock */

static void get(char *dst, const char *src)
{
	unsigned long fl = spin_lock_irqsave(&uts_lock);

	kos_memcpy(dst, src, UTS_LEN);
	spin_unlock_irqrestore(&uts_lock, fl);
}

/* As Linux: the name's bytes, then zeroes to the end of the field. */
static void set(char *dst, const char *name, size_t len)
{
	unsigned long fl = spin_lock_irqsave(&uts_lock);

	kos_memcpy(dst, name, len);
	kos_memset(dst + len, 0, UTS_LEN - len);
	spin_unlock_irqrestore(&uts_lock, fl);
}

void uts_get_hostname(char buf[UTS_LEN])
{
	get(buf, hostname);
}

void uts_get_domainname(char buf[UTS_LEN])
{
	get(buf, domainname);
}

void uts_set_hostname(const char *name, size_t len)
{
	set(hostname, name, len);
}

void uts_set_domainname(const char *name, size_t len)
{
	set(domainname, name, len);
}
