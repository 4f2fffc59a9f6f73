/*
 * Formatted output: kos_vsnprintf and kos_snprintf.
 *
 * The conversions and flags follow C99 as glibc implements them, so host
 * snprintf is the reference in the unit tests:
 *
 *   flags       - + space 0 #
 *   width       decimal or *, a negative * width means '-'
 *   precision   .decimal or .*, a negative * precision is ignored
 *   length      hh h l ll z t j
 *   conversion  d i u x X o p s c %
 *
 * "%s" of NULL prints "(null)" (or nothing when the precision is below 6,
 * as glibc does), "%p" prints like "%#lx" and "(nil)" for NULL.  An unknown
 * conversion is copied to the output as written; "%n" and floating point
 * are not supported (libkos is built without SSE).
 *
 * Output goes through a small cursor that counts every character but
 * stores only what fits, which gives the C99 return value for free.  No
 * locks, no allocation: safe in any context.
 */
#include <kos/string.h>

struct out {
	char *buf;
	size_t size; /* capacity of buf, including the final NUL */
	size_t pos;  /* characters produced so far (may exceed size) */
};

static void out_char(struct out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	while (n--)
		out_char(o, *s++);
}

/* One parsed conversion specification. */
struct spec {
	bool left;  /* '-' */
	bool plus;  /* '+' */
	bool space; /* ' ' */
	bool zero;  /* '0' */
	bool alt;   /* '#' */
	int width;  /* 0 if none */
	int prec;   /* -1 if none */
	bool upper; /* %X */
};

/* Write s (len bytes) padded to the field width. */
static void out_field(struct out *o, const struct spec *sp, const char *s,
		      size_t len)
{
	int pad = sp->width > (int)len ? sp->width - (int)len : 0;

	if (!sp->left)
		out_repeat(o, ' ', pad);
	out_mem(o, s, len);
	if (sp->left)
		out_repeat(o, ' ', pad);
}

/*
 * Format magnitude v in base (8, 10 or 16) with sign character sign (0 for
 * none) according to sp.
 */
static void out_number(struct out *o, const struct spec *sp,
		       unsigned long long v, unsigned int base, char sign)
{
	const char *xdigits =
		sp->upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24]; /* 22 octal digits cover 64 bits */
	char prefix[3];
	int ndig = 0, nprefix = 0, zeros, pad;
	int i;

	/* Digits, least significant first; "%.0d" of 0 prints nothing. */
	if (v || sp->prec != 0) {
		do {
			digits[ndig++] = xdigits[v % base];
			v /= base;
		} while (v);
	}

	if (sign)
		prefix[nprefix++] = sign;
	/* "%#x" of anything but 0 gets "0x" (after the sign "%+p" has). */
	if (sp->alt && base == 16 && ndig > 0 &&
	    !(ndig == 1 && digits[0] == '0')) {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = sp->upper ? 'X' : 'x';
	}

	zeros = sp->prec > ndig ? sp->prec - ndig : 0;
	/* "%#o" makes sure the first digit printed is a 0. */
	if (sp->alt && base == 8 && zeros == 0 &&
	    !(ndig > 0 && digits[ndig - 1] == '0'))
		zeros = 1;
	/* The 0 flag pads with zeros, unless '-' or a precision is given. */
	if (sp->zero && !sp->left && sp->prec < 0 &&
	    sp->width > nprefix + zeros + ndig)
		zeros = sp->width - nprefix - ndig;

	pad = sp->width - nprefix - zeros - ndig;
	if (!sp->left)
		out_repeat(o, ' ', pad);
	out_mem(o, prefix, (size_t)nprefix);
	out_repeat(o, '0', zeros);
	for (i = ndig - 1; i >= 0; i--)
		out_char(o, digits[i]);
	if (sp->left)
		out_repeat(o, ' ', pad);
}

/* Length modifiers. */
enum len_mod { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

/* Fetch a signed integer argument of the given length from ap. */
static long long arg_signed(va_list *ap, enum len_mod len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return va_arg(*ap, ssize_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

/* Fetch an unsigned integer argument of the given length from ap. */
static unsigned long long arg_unsigned(va_list *ap, enum len_mod len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_T:
		return (unsigned long long)va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/*
 * Parse flags, width, precision and length of the specification starting
 * just after '%'; returns the pointer to the conversion character.
 */
static const char *parse_spec(const char *f, struct spec *sp, enum len_mod *len,
			      va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };

	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}

	if (*f == '*') {
		int w = va_arg(*ap, int);

		if (w < 0) {
			sp->left = true;
			w = w == -2147483647 - 1 ? 2147483647 : -w;
		}
		sp->width = w;
		f++;
	} else {
		while (*f >= '0' && *f <= '9') {
			if (sp->width < 100000000)
				sp->width = sp->width * 10 + (*f - '0');
			f++;
		}
	}

	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		} else {
			while (*f >= '0' && *f <= '9') {
				if (sp->prec < 100000000)
					sp->prec = sp->prec * 10 + (*f - '0');
				f++;
			}
		}
	}

	*len = LEN_NONE;
	switch (*f) {
	case 'h':
		*len = f[1] == 'h' ? LEN_HH : LEN_H;
		f += *len == LEN_HH ? 2 : 1;
		break;
	case 'l':
		*len = f[1] == 'l' ? LEN_LL : LEN_L;
		f += *len == LEN_LL ? 2 : 1;
		break;
	case 'z':
		*len = LEN_Z;
		f++;
		break;
	case 't':
		*len = LEN_T;
		f++;
		break;
	case 'j':
		*len = LEN_J;
		f++;
		break;
	}
	return f;
}

/*
 * Format into buf[size] (NUL terminated when size > 0; buf may be NULL
 * when size is 0).  Returns the length the complete output has, which is
 * >= size when it was truncated.
 */
int kos_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .pos = 0 };
	va_list args;
	const char *f;

	va_copy(args, ap);
	for (f = fmt; *f; f++) {
		const char *start = f;
		struct spec sp;
		enum len_mod len;

		if (*f != '%') {
			out_char(&o, *f);
			continue;
		}
		f = parse_spec(f + 1, &sp, &len, &args);

		switch (*f) {
		case 'd':
		case 'i': {
			long long v = arg_signed(&args, len);
			unsigned long long mag =
				v < 0 ? 0ULL - (unsigned long long)v
				      : (unsigned long long)v;
			char sign = v < 0      ? '-'
				    : sp.plus  ? '+'
				    : sp.space ? ' '
					       : 0;

			out_number(&o, &sp, mag, 10, sign);
			break;
		}
		case 'u':
			out_number(&o, &sp, arg_unsigned(&args, len), 10, 0);
			break;
		case 'X':
			sp.upper = true;
			/* fall through */
		case 'x':
			out_number(&o, &sp, arg_unsigned(&args, len), 16, 0);
			break;
		case 'o':
			out_number(&o, &sp, arg_unsigned(&args, len), 8, 0);
			break;
		case 'p': {
			void *p = va_arg(args, void *);

			if (!p) {
				out_field(&o, &sp, "(nil)", 5);
				break;
			}
			sp.alt = true;
			out_number(&o, &sp, (unsigned long)p, 16,
				   sp.plus    ? '+'
				   : sp.space ? ' '
					      : 0);
			break;
		}
		case 's': {
			const char *s = va_arg(args, const char *);
			size_t n;

			if (!s)
				s = sp.prec < 0 || sp.prec >= 6 ? "(null)" : "";
			n = sp.prec < 0 ? kos_strlen(s)
					: kos_strnlen(s, (size_t)sp.prec);
			out_field(&o, &sp, s, n);
			break;
		}
		case 'c': {
			char c = (char)va_arg(args, int);

			out_field(&o, &sp, &c, 1);
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			/* A lone '%' at the end: print it, stop. */
			out_mem(&o, start, (size_t)(f - start));
			f--;
			break;
		default:
			/* Unknown conversion: show it as written. */
			out_mem(&o, start, (size_t)(f - start + 1));
			break;
		}
	}
	va_end(args);

	if (size)
		buf[o.pos < size ? o.pos : size - 1] = '\0';
	return o.pos > 0x7fffffff ? 0x7fffffff : (int)o.pos;
}

/* kos_vsnprintf with variadic arguments. */
int kos_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kos_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
