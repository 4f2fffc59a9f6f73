/*
 * The pid table: thread ids by number.
 *
 * Numbers run from 1 to PID_MAX - 1.  Like Linux, a new number is the
 * next one after the last handed out, wrapping to PID_RESERVED at the
 * top, so recently used numbers are not reused soon.  A number is taken
 * while the table maps it to a thread (from clone until the thread is
 * reaped) or while a living process has it as its process group or
 * session id (Linux keeps those struct pids alive the same way).  The
 * table is an array indexed by number: 256 KiB for Linux's default
 * pid_max, and O(1) lookups.
 *
 * Locking: proc_lock for everything.
 */
#include <kos/kmalloc.h>
#include <kos/proc.h>
#include <uapi/errno.h>

#include "internal.h"

static struct uthread **table; /* PID_MAX entries */
static int last_pid;	       /* the number handed out last */

int pid_table_init(void)
{
	if (!table) {
		table = kzalloc(PID_MAX * sizeof(*table));
		if (!table)
			return -ENOMEM;
	}
	return 0;
}

void pid_table_reset(void)
{
	last_pid = 0;
}

bool pid_used_by_group(int nr)
{
	struct proc *p;

	list_for_each_entry (p, &proc_list, link)
		if (p->state != PROC_DEAD && (p->pgid == nr || p->sid == nr))
			return true;
	return false;
}

int pid_alloc(struct uthread *ut)
{
	int nr = last_pid;

	KOS_ASSERT(mutex_held(&proc_lock));
	if (!table && pid_table_init())
		return -ENOMEM;
	for (int tries = 0; tries < PID_MAX; tries++) {
		nr++;
		if (nr >= PID_MAX)
			nr = last_pid ? PID_RESERVED : 1;
		if (!table[nr] && !pid_used_by_group(nr)) {
			table[nr] = ut;
			last_pid = nr;
			return nr;
		}
	}
	return -EAGAIN;
}

void pid_free(int nr)
{
	KOS_ASSERT(mutex_held(&proc_lock));
	if (table && nr > 0 && nr < PID_MAX)
		table[nr] = NULL;
}

struct uthread *pid_task(int tid)
{
	if (!table || tid <= 0 || tid >= PID_MAX)
		return NULL;
	return table[tid];
}

struct proc *pid_proc(int pid)
{
	struct uthread *ut = pid_task(pid);

	if (!ut || ut->proc->pid != pid || ut->proc->state == PROC_DEAD)
		return NULL;
	return ut->proc;
}

void pid_set(int nr, struct uthread *ut)
{
	KOS_ASSERT(mutex_held(&proc_lock) && table && nr > 0 && nr < PID_MAX);
	table[nr] = ut;
}
