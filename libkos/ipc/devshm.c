/*
 * /dev/shm: POSIX shared memory (shm_open) and named semaphores
 * (sem_open) are C-library code on files there, so like a Linux system
 * booted by systemd, KOS mounts a tmpfs of mode 1777 on /dev/shm once the
 * root exists (kern/main.c) and again after each reset of the root by
 * the test batch runner (kern/batch.c), which takes it away first.
 */
#include <kos/ipc.h>
#include <kos/log.h>
#include <kos/vfs.h>
#include <uapi/errno.h>

#define DEVSHM "/dev/shm"

int ipc_devshm_mount(void)
{
	int err = vfs_mkdirat(NULL, DEVSHM, 01777, NULL);

	if (!err || err == -EEXIST)
		err = vfs_mount_new(NULL, DEVSHM, "tmpfs", "tmpfs", 0,
				    "mode=1777", NULL);
	if (err)
		log_warn("ipc: cannot mount a tmpfs on " DEVSHM " (%d)", err);
	return err;
}

void ipc_devshm_umount(void)
{
	/* Detached only if something still uses it (nothing should). */
	if (vfs_umount(NULL, DEVSHM, true, false, NULL) == -EBUSY)
		vfs_umount(NULL, DEVSHM, true, true, NULL);
}
