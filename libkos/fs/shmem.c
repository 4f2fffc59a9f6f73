/*
 * Anonymous shared memory: the object behind MAP_SHARED|MAP_ANONYMOUS.
 *
 * Shared anonymous memory must outlive fork: parent and child map the
 * same pages, including pages neither has touched yet.  Like Linux's
 * shmem, each such mapping is backed by a file nobody can name: a ramfs
 * file created in a private ramfs instance and unlinked at once, so its
 * page cache (ramfs_getpage) is what every mapping of it shares, and the
 * pages go when the last mapping (the last file reference) goes.
 *
 * Locking: shm_lock guards the lazily created instance and the name
 * counter; the rest is ordinary VFS locking.
 */
#include <kos/file.h>
#include <kos/mutex.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>

#include "internal.h"

static struct mutex shm_lock = MUTEX_INIT(shm_lock, "shmem");
static struct superblock *shm_sb; /* shm_lock */
static uint64_t shm_seq;	  /* shm_lock */

int shmem_file_create(uint64_t size, struct file **out)
{
	return shmem_file_create_mode(size, 0600, out);
}

int shmem_file_create_mode(uint64_t size, uint32_t mode, struct file **out)
{
	struct vnode *dir, *v;
	char name[32];
	int err;

	mutex_lock(&shm_lock);
	if (!shm_sb)
		shm_sb = ramfs_create();
	if (!shm_sb) {
		mutex_unlock(&shm_lock);
		return -ENOMEM;
	}
	dir = shm_sb->root;
	kos_snprintf(name, sizeof(name), "shm%llu",
		     (unsigned long long)++shm_seq);
	err = vfs_create_vnode(dir, name, S_IFREG | (mode & 07777), 0, NULL,
			       &v);
	mutex_unlock(&shm_lock);
	if (err)
		return err;
	err = v->ops->truncate ? v->ops->truncate(v, size) : -EINVAL;
	if (!err)
		err = vfs_open_vnode(v, O_RDWR, out);
	vfs_unlinkat(dir, name, false, NULL);
	vnode_put(v);
	return err;
}

void shmem_shutdown(void)
{
	struct superblock *sb;

	mutex_lock(&shm_lock);
	sb = shm_sb;
	shm_sb = NULL;
	mutex_unlock(&shm_lock);
	if (!sb)
		return;
	vnode_put(sb->root);
	sb->root = NULL;
	if (sb->ops->put_super)
		sb->ops->put_super(sb);
}
