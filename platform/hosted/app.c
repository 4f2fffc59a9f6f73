/*
 * Single-app hosted executables: the embedded payload.
 *
 * An app's hosted executable (build/apps/NAME/NAME-hosted, apps/module.mk)
 * is the hosted kernel linked with one more object, payload.S, that holds
 * the app's initramfs, its default command line and the guest stub in a
 * section of its own (.kos_app).  build/hosted/kos links no payload: the
 * weak references below are then null and everything here says "none".
 *
 * So one file runs the app: main() takes the embedded initramfs unless
 * --initrd names one, the embedded command line unless words or
 * --cmdline are given, and hosted_user_init() execs the embedded stub
 * from a memfd instead of looking for kos-stub next to the executable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hosted.h"

extern const char hosted_app_initrd[] __attribute__((weak));
extern const char hosted_app_initrd_end[] __attribute__((weak));
extern const char hosted_app_stub[] __attribute__((weak));
extern const char hosted_app_stub_end[] __attribute__((weak));
extern const char hosted_app_cmdline[] __attribute__((weak));

/* The stub's memfd is moved this high, out of the way of STUB_RAM_FD. */
#define APP_STUB_FD_MIN 64

bool hosted_app_present(void)
{
	return hosted_app_cmdline != NULL;
}

const void *hosted_app_initrd_get(size_t *size)
{
	size_t n;

	if (!hosted_app_present())
		return NULL;
	n = (size_t)((uintptr_t)hosted_app_initrd_end -
		     (uintptr_t)hosted_app_initrd);
	if (!n)
		return NULL;
	*size = n;
	return hosted_app_initrd;
}

const char *hosted_app_cmdline_get(void)
{
	return hosted_app_present() ? hosted_app_cmdline : NULL;
}

/*
 * Copy the embedded stub into a close-on-exec memfd and put the path
 * that execs it, /proc/self/fd/N, in path (exec of an ELF file through
 * that path works with close-on-exec set, and the stub then does not
 * inherit the descriptor).  Returns 0, -ENOENT if there is no embedded
 * stub, or -errno.
 */
int hosted_app_stub_path(char *path, size_t len)
{
	size_t size, done = 0;
	ssize_t n;
	int fd, hi, err;

	if (!hosted_app_present())
		return -ENOENT;
	size = (size_t)((uintptr_t)hosted_app_stub_end -
			(uintptr_t)hosted_app_stub);
	if (!size)
		return -ENOENT;
	fd = memfd_create("kos-stub", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < size) {
		n = write(fd, hosted_app_stub + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n ? -errno : -EIO;
			goto out_close;
		}
		done += (size_t)n;
	}
	hi = fcntl(fd, F_DUPFD_CLOEXEC, APP_STUB_FD_MIN);
	if (hi < 0) {
		err = -errno;
		goto out_close;
	}
	close(fd);
	snprintf(path, len, "/proc/self/fd/%d", hi);
	return 0;

out_close:
	close(fd);
	return err;
}
