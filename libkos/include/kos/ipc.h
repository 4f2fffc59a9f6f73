/*
 * Inter-process communication (libkos/ipc/, docs/ipc.md): System V
 * shared memory, semaphores and message queues, POSIX message queues
 * and their file system (mqueue), and the boot-time /dev/shm.
 *
 * The system calls are the subsystem's own (shmget, semop, mq_open, ...,
 * declared in kos/syscalls.h); this header is what the rest of the kernel
 * calls.
 */
#ifndef KOS_IPC_H
#define KOS_IPC_H

#include <kos/types.h>

struct proc;
struct superblock;

/*
 * The last thread of p is leaving: apply and drop its SEM_UNDO
 * adjustments (semop(2)).  proc_lock may be held.
 */
void ipc_exit(struct proc *p);

/*
 * Forget every System V object and POSIX message queue nobody uses
 * (the test batch runner between two cases, as after a boot).
 */
void ipc_reset(void);

/*
 * mount -t mqueue: the one instance of the mqueue file system (its
 * root's reference is the caller's; KOS has one IPC name space, so every
 * mount would show the same queues: a second one is -EBUSY, as proc).
 * NULL if memory is short.
 */
struct superblock *mqueue_sb(void);

/*
 * Boot: make /dev/shm a tmpfs of mode 1777 (POSIX shared memory and
 * named semaphores of both C libraries live there).  0 or -errno
 * (logged).  ipc_devshm_umount() takes it away again (detached), for
 * the batch runner's fresh root.
 */
int ipc_devshm_mount(void);
void ipc_devshm_umount(void);

#endif
