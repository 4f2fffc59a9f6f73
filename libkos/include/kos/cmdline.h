/*
 * Kernel command line.  Linux syntax: words separated by spaces, each
 * "key" or "key=value"; a value may be double-quoted to hold spaces.
 * Everything after a lone "--" is handed to init as its arguments.
 *
 * Known keys: console= init= loglevel= mem= debug= (comma separated list)
 * panic=poweroff, selftest, batch= batch.from= batch.only= (kern/batch.c),
 * ip= (net/ipconfig.c).
 */
#ifndef KOS_CMDLINE_H
#define KOS_CMDLINE_H

#include <kos/types.h>

#define CMDLINE_MAX 1024
#define CMDLINE_MAX_PARAMS 64
#define CMDLINE_MAX_INIT_ARGS 32

struct cmdline_param {
	const char *key;
	const char *value; /* NULL for a bare "key" */
};

struct cmdline {
	char buf[CMDLINE_MAX]; /* parsed copy; params point into it */
	struct cmdline_param params[CMDLINE_MAX_PARAMS];
	unsigned int nparams;
	const char *init_args[CMDLINE_MAX_INIT_ARGS]; /* after "--" */
	unsigned int ninit_args;
};

/*
 * Parse text into cl.  Returns 0, or -EINVAL if the line is too long or has
 * too many words (the parse keeps what fitted).
 */
int cmdline_parse(struct cmdline *cl, const char *text);

/* Last value given for key (NULL if absent or bare). */
const char *cmdline_get(const struct cmdline *cl, const char *key);
/* True if key appears at all (bare or with a value). */
bool cmdline_has(const struct cmdline *cl, const char *key);
/* Integer value of key; def if absent or malformed. */
long long cmdline_get_int(const struct cmdline *cl, const char *key,
			  long long def);
/*
 * Size value with optional K/M/G suffix ("512M"); def if absent or
 * malformed.
 */
uint64_t cmdline_get_size(const struct cmdline *cl, const char *key,
			  uint64_t def);
/*
 * True if word is in key's comma-separated list (debug=syscall,vm), in
 * any of key's occurrences (debug=init debug=boottime: both).
 */
bool cmdline_list_has(const struct cmdline *cl, const char *key,
		      const char *word);

/* The kernel's parsed command line (valid after early boot). */
extern struct cmdline kos_cmdline;

#endif
