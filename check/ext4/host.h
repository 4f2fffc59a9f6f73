/*
 * The host's side of the ext4 tests: what the host's own system calls
 * say about the source tree the images were made from (check/ext4/
 * host.c; kept apart because glibc's stat and dirent headers clash
 * with KOS's uapi ones).  Errors are -errno.
 */
#ifndef CHECK_EXT4_HOST_H
#define CHECK_EXT4_HOST_H

#include <stddef.h>
#include <stdint.h>

struct host_stat {
	uint32_t mode, nlink, uid, gid;
	uint32_t rdev_major, rdev_minor;
	uint64_t size, ino;
	int64_t atime_sec, mtime_sec, ctime_sec;
	uint32_t atime_nsec, mtime_nsec, ctime_nsec;
};

int host_lstat(const char *path, struct host_stat *st);
/* The names in directory path but "." and ".." (malloc'd, sorted). */
int host_list(const char *path, char ***names, size_t *n);
void host_free_list(char **names, size_t n);
/* The whole file, malloc'd (NULL on failure; *len its size). */
void *host_slurp(const char *path, size_t *len);
long host_readlink(const char *path, char *buf, size_t len);
long host_listxattr(const char *path, char *buf, size_t len);
long host_getxattr(const char *path, const char *name, void *buf, size_t len);
/* Run a shell command: its standard output, malloc'd, or NULL. */
char *host_run(const char *cmd);

#endif
