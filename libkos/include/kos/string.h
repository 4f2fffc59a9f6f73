/*
 * Strings and memory.  libkos names its C-library-like helpers kos_* so the
 * hosted build can sit beside glibc.  The mem* helpers are compiler
 * builtins: gcc expands small constant cases inline and otherwise calls
 * memcpy/memset/memmove/memcmp, which the platform provides (glibc hosted,
 * platform/x86_64/klib.c on bare metal).
 */
#ifndef KOS_STRING_H
#define KOS_STRING_H

#include <kos/compiler.h>
#include <kos/types.h>

#define kos_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define kos_memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define kos_memset(d, c, n) __builtin_memset((d), (c), (n))
#define kos_memcmp(a, b, n) __builtin_memcmp((a), (b), (n))

size_t kos_strlen(const char *s);
size_t kos_strnlen(const char *s, size_t max);
int kos_strcmp(const char *a, const char *b);
int kos_strncmp(const char *a, const char *b, size_t n);
char *kos_strchr(const char *s, int c);
char *kos_strrchr(const char *s, int c);
/* The first byte c in [s, s + n), or NULL. */
void *kos_memchr(const void *s, int c, size_t n);
/* Copy with truncation; always NUL-terminates when size > 0; returns strlen(src). */
size_t kos_strlcpy(char *dst, const char *src, size_t size);
/*
 * Parse an unsigned integer in base (0: auto 0x/0 prefixes).  *end (if not
 * NULL) gets the first unparsed character.
 */
unsigned long long kos_strtoull(const char *s, const char **end, int base);
long long kos_strtoll(const char *s, const char **end, int base);

/*
 * printf family: %d %i %u %x %X %o %p %s %c %% with flags "-+ 0#",
 * width/precision (also *), and length modifiers hh h l ll z t j.
 * Return the length the full output would have had (C99 semantics).
 */
int kos_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int kos_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
