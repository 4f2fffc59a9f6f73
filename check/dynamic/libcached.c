/* libcached.so: found only through /etc/ld.so.cache (glibc). */
const char *cached_name(void)
{
	return "libcached";
}
