/*
 * Kernel command line parsing (see kos/cmdline.h).
 *
 * cmdline_parse() copies the words of the line into cl->buf, with quotes
 * removed and each key, value and init argument NUL terminated, and points
 * cl->params / cl->init_args into that copy.  The rules are Linux's:
 *
 *   - words are separated by unquoted white space;
 *   - a double quote toggles quoting anywhere in a word and is removed
 *     ("a b"=c, key="a b" and key=a" "b all keep the space);
 *   - the first unquoted '=' splits a word into key and value;
 *   - a lone "--" (after quote removal, as Linux does) ends the
 *     parameters; the words after it are the arguments for init.
 *
 * The copy never needs more room than the input plus one byte, so the only
 * overflows are a line of CMDLINE_MAX bytes or more and too many words;
 * those return -EINVAL and keep what fitted.  A struct cmdline is not
 * locked: it is parsed once at boot and read-only afterwards.
 */
#include <kos/cmdline.h>
#include <kos/string.h>
#include <uapi/errno.h>

struct cmdline kos_cmdline;

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/*
 * Copy the word at *src into cl->buf at *out, unquoting it.  Sets *eq to
 * the buffer position of the first unquoted '=' (or NULL).  Returns the
 * start of the copy, or NULL if buf is full.  *src and *out advance past
 * the word and its terminator.
 */
static char *copy_word(struct cmdline *cl, const char **src, size_t *out,
		       char **eq)
{
	const char *s = *src;
	char *start = cl->buf + *out;
	size_t o = *out;
	bool quoted = false;

	*eq = NULL;
	for (; *s && (quoted || !is_blank(*s)); s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (o + 1 >= sizeof(cl->buf))
			return NULL;
		if (*s == '=' && !quoted && !*eq)
			*eq = cl->buf + o;
		cl->buf[o++] = *s;
	}
	cl->buf[o++] = '\0';
	*src = s;
	*out = o;
	return start;
}

/*
 * Parse text (NULL counts as empty) into cl, replacing its previous
 * contents.  Returns 0, or -EINVAL when the line does not fit (CMDLINE_MAX
 * bytes, CMDLINE_MAX_PARAMS parameters, CMDLINE_MAX_INIT_ARGS init
 * arguments); the words that fitted are kept.
 */
int cmdline_parse(struct cmdline *cl, const char *text)
{
	const char *s = text ? text : "";
	size_t out = 0;
	bool after_dashes = false;
	int ret = 0;

	cl->nparams = 0;
	cl->ninit_args = 0;
	cl->buf[0] = '\0';
	if (kos_strnlen(s, CMDLINE_MAX) >= CMDLINE_MAX)
		ret = -EINVAL;

	for (;;) {
		char *word, *eq;

		while (is_blank(*s))
			s++;
		if (!*s)
			break;
		word = copy_word(cl, &s, &out, &eq);
		if (!word)
			return -EINVAL;

		if (after_dashes) {
			if (cl->ninit_args >= CMDLINE_MAX_INIT_ARGS)
				return -EINVAL;
			cl->init_args[cl->ninit_args++] = word;
			continue;
		}
		if (kos_strcmp(word, "--") == 0) {
			after_dashes = true;
			continue;
		}
		if (cl->nparams >= CMDLINE_MAX_PARAMS)
			return -EINVAL;
		cl->params[cl->nparams].key = word;
		cl->params[cl->nparams].value = NULL;
		if (eq) {
			*eq = '\0';
			cl->params[cl->nparams].value = eq + 1;
		}
		cl->nparams++;
	}
	return ret;
}

/* Index of the last parameter named key, or -1. */
static int find_last(const struct cmdline *cl, const char *key)
{
	int i;

	for (i = (int)cl->nparams - 1; i >= 0; i--)
		if (kos_strcmp(cl->params[i].key, key) == 0)
			return i;
	return -1;
}

const char *cmdline_get(const struct cmdline *cl, const char *key)
{
	int i = find_last(cl, key);

	return i < 0 ? NULL : cl->params[i].value;
}

bool cmdline_has(const struct cmdline *cl, const char *key)
{
	return find_last(cl, key) >= 0;
}

/* The value must be a whole integer (C syntax, base prefixes allowed). */
long long cmdline_get_int(const struct cmdline *cl, const char *key,
			  long long def)
{
	const char *v = cmdline_get(cl, key);
	const char *end;
	long long n;

	if (!v || !*v)
		return def;
	n = kos_strtoll(v, &end, 0);
	if (end == v || *end)
		return def;
	return n;
}

/*
 * A number with an optional K, M, G or T suffix (either case, powers of
 * 1024); def if absent, malformed, negative or overflowing 64 bits.
 */
uint64_t cmdline_get_size(const struct cmdline *cl, const char *key,
			  uint64_t def)
{
	const char *v = cmdline_get(cl, key);
	const char *end;
	unsigned int shift = 0;
	uint64_t n;

	if (!v || *v < '0' || *v > '9')
		return def;
	n = kos_strtoull(v, &end, 0);
	if (end == v || n == ~0ULL)
		return def;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	case '\0':
		return n;
	default:
		return def;
	}
	if (end[1] || n > (~0ULL >> shift))
		return def;
	return n << shift;
}

/* key's value is a comma separated list; is word one of its items? */
/* Is word in the comma-separated list v? */
static bool list_has(const char *v, const char *word)
{
	size_t wlen = kos_strlen(word);

	while (v && *v) {
		const char *comma = kos_strchr(v, ',');
		size_t n = comma ? (size_t)(comma - v) : kos_strlen(v);

		if (n == wlen && kos_strncmp(v, word, n) == 0)
			return true;
		v = comma ? comma + 1 : NULL;
	}
	return false;
}

bool cmdline_list_has(const struct cmdline *cl, const char *key,
		      const char *word)
{
	for (unsigned int i = 0; i < cl->nparams; i++)
		if (kos_strcmp(cl->params[i].key, key) == 0 &&
		    list_has(cl->params[i].value, word))
			return true;
	return false;
}
