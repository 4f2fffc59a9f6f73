/*
 * C-string helpers and integer parsing for the core.
 *
 * These are the kos_* versions of the usual C library routines (see
 * kos/string.h); libkos never links against a C library.  The byte loops are
 * written plainly; KOS_NO_LIBCALL keeps gcc's loop-distribution pass from
 * recognising a loop as "strlen" or "memset" and emitting a call to the very
 * libc function these routines stand in for.
 *
 * None of these functions take locks or depend on any kernel state; they
 * are safe in any context, including interrupts and panic.
 */
#include <kos/string.h>

#define KOS_NO_LIBCALL \
	__attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Length of s, not counting the terminating NUL. */
KOS_NO_LIBCALL size_t kos_strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

/* Length of s, but look at no more than max bytes. */
KOS_NO_LIBCALL size_t kos_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Compare as unsigned chars, like C: <0, 0 or >0. */
int kos_strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return (int)*x - (int)*y;
}

/* Compare at most n characters. */
int kos_strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return (int)*x - (int)*y;
		if (!*x)
			break;
	}
	return 0;
}

/* First occurrence of (char)c in s; c == 0 finds the terminator. */
char *kos_strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* Last occurrence of (char)c in s; c == 0 finds the terminator. */
void *kos_memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

char *kos_strrchr(const char *s, int c)
{
	char ch = (char)c;
	const char *last = NULL;

	for (;; s++) {
		if (*s == ch)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

/*
 * Copy src into dst[size], truncating; dst is NUL terminated whenever
 * size > 0.  Returns strlen(src), so truncation is "ret >= size".
 */
KOS_NO_LIBCALL size_t kos_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = kos_strlen(src);
	size_t i;

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		for (i = 0; i < n; i++)
			dst[i] = src[i];
		dst[n] = '\0';
	}
	return len;
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Value of digit c in any base up to 36, or 36 if c is not a digit. */
static unsigned int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned int)(c - '0');
	if (c >= 'a' && c <= 'z')
		return (unsigned int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'Z')
		return (unsigned int)(c - 'A' + 10);
	return 36;
}

/*
 * Shared parser for kos_strtoull and kos_strtoll.  Skips leading white
 * space, takes one optional sign (reported in *neg), applies the base
 * prefix rules of C (base 0: "0x" hex, "0" octal, else decimal; base 16
 * accepts "0x"), and accumulates the magnitude.  *overflow is set when the
 * magnitude does not fit in 64 bits (the result is then ULLONG_MAX).  *end
 * gets the first unparsed character, or s itself when there were no
 * digits.  A base outside 0 and 2..36 parses nothing.
 */
static unsigned long long parse_ull(const char *s, const char **end, int base,
				    bool *neg, bool *overflow)
{
	const char *p = s;
	unsigned long long v = 0;
	bool any = false;

	*neg = false;
	*overflow = false;
	if (base < 0 || base == 1 || base > 36)
		goto out;

	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-') {
		*neg = *p == '-';
		p++;
	}
	/* "0x" counts as a prefix only if a hex digit follows. */
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}

	for (;; p++) {
		unsigned int d = digit_value(*p);

		if (d >= (unsigned int)base)
			break;
		any = true;
		if (v > (~0ULL - d) / (unsigned int)base)
			*overflow = true;
		else
			v = v * (unsigned int)base + d;
	}
out:
	if (end)
		*end = any ? p : s;
	if (!any) {
		*neg = false;
		return 0;
	}
	return *overflow ? ~0ULL : v;
}

/*
 * Parse an unsigned 64-bit integer like C's strtoull: a leading '-' negates
 * the value modulo 2^64, an out-of-range value saturates at ULLONG_MAX.
 */
unsigned long long kos_strtoull(const char *s, const char **end, int base)
{
	bool neg, ovf;
	unsigned long long v = parse_ull(s, end, base, &neg, &ovf);

	if (ovf)
		return ~0ULL;
	return neg ? -v : v;
}

/*
 * Parse a signed 64-bit integer like C's strtoll; out-of-range values
 * saturate at LLONG_MIN / LLONG_MAX.
 */
long long kos_strtoll(const char *s, const char **end, int base)
{
	const unsigned long long max = ~0ULL >> 1; /* LLONG_MAX */
	bool neg, ovf;
	unsigned long long v = parse_ull(s, end, base, &neg, &ovf);

	if (neg) {
		if (ovf || v > max + 1)
			return -(long long)max - 1;
		return (long long)(0 - v);
	}
	if (ovf || v > max)
		return (long long)max;
	return (long long)v;
}
