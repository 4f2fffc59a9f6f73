/* The host's side of the ext4 tests (host.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "host.h"

int host_lstat(const char *path, struct host_stat *st)
{
	struct stat s;

	if (lstat(path, &s))
		return -errno;
	memset(st, 0, sizeof(*st));
	st->mode = s.st_mode;
	st->nlink = (uint32_t)s.st_nlink;
	st->uid = s.st_uid;
	st->gid = s.st_gid;
	st->rdev_major = major(s.st_rdev);
	st->rdev_minor = minor(s.st_rdev);
	st->size = (uint64_t)s.st_size;
	st->ino = s.st_ino;
	st->atime_sec = s.st_atim.tv_sec;
	st->atime_nsec = (uint32_t)s.st_atim.tv_nsec;
	st->mtime_sec = s.st_mtim.tv_sec;
	st->mtime_nsec = (uint32_t)s.st_mtim.tv_nsec;
	st->ctime_sec = s.st_ctim.tv_sec;
	st->ctime_nsec = (uint32_t)s.st_ctim.tv_nsec;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int host_list(const char *path, char ***names, size_t *n)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t cap = 16;

	*n = 0;
	*names = malloc(cap * sizeof(char *));
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*n == cap)
			*names = realloc(*names, (cap *= 2) * sizeof(char *));
		(*names)[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(*names, *n, sizeof(char *), cmp);
	return 0;
}

void host_free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void *host_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, got;

	*len = 0;
	if (!f)
		return NULL;
	do {
		if (*len == cap)
			buf = realloc(buf, cap = cap ? cap * 2 : 65536);
		got = fread(buf + *len, 1, cap - *len, f);
		*len += got;
	} while (got);
	fclose(f);
	return buf;
}

long host_readlink(const char *path, char *buf, size_t len)
{
	ssize_t n = readlink(path, buf, len);

	return n < 0 ? -errno : n;
}

long host_listxattr(const char *path, char *buf, size_t len)
{
	ssize_t n = llistxattr(path, buf, len);

	return n < 0 ? -errno : n;
}

long host_getxattr(const char *path, const char *name, void *buf, size_t len)
{
	ssize_t n = lgetxattr(path, name, buf, len);

	return n < 0 ? -errno : n;
}

char *host_run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *out = NULL;
	size_t cap = 0, len = 0, got;

	if (!p)
		return NULL;
	do {
		if (len + 1 >= cap)
			out = realloc(out, cap = cap ? cap * 2 : 4096);
		got = fread(out + len, 1, cap - len - 1, p);
		len += got;
	} while (got);
	out[len] = 0;
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
