/*
 * Starting user space: PID 1 (init=) and the test batch runner (batch=).
 */
#ifndef KOS_INIT_H
#define KOS_INIT_H

#include <kos/boot.h>

/*
 * Run argv[0] with argv as PID 1 and wait for it.  Returns what the
 * machine's power-off status should be: its exit code, 128 + the signal
 * that killed it (the shell's convention), or 127 if it could not start.
 */
int init_run(const char *const argv[]);

/*
 * batch=LIST: run every case listed in the file LIST, one after another,
 * each as PID 1 of a freshly booted system (see kern/batch.c for the
 * format and the markers printed).  bi supplies the initramfs the root
 * file system is rebuilt from.  Returns 0 when every case ran (whatever
 * their results), 1 if the list is unusable or the system could not be
 * reset.
 */
int batch_run(const struct kos_bootinfo *bi, const char *list);

#endif
