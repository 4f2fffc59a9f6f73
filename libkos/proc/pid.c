/*
 * The pid table: thread ids by number.
 *
 * Numbers run from 1 to PID_MAX - 1.  Like Linux, a new number is the
 * next one after the last handed out, wrapping to PID_RESERVED at the
 * top, so recently used numbers are not reused soon.  A number is taken
 * while the table maps it to a thread (from clone until the thread is
 * reaped) or while a living process has it as its process group or
 * session id (Linux keeps those struct pids alive the same way).  The
 * table has two levels, like a page table: a directory of PID_DIR
 * pointers to leaves of PID_LEAF entries, each leaf one page allocated
 * when a number in its range is first handed out.  Lookups stay O(1);
 * a system with a few processes holds one 4 KiB leaf, not the 256 KiB
 * that a flat array for Linux's default pid_max would take (zeroing
 * that at boot cost 25-50 ms under TCG).  Leaves are never freed.
 *
 * Locking: proc_lock for everything.
 */
#include <kos/kmalloc.h>
#include <kos/proc.h>
#include <uapi/errno.h>

#include "internal.h"

#define PID_LEAF 512 /* entries per leaf: one 4 KiB page */
#define PID_DIR ((PID_MAX + PID_LEAF - 1) / PID_LEAF)

static struct uthread **table[PID_DIR]; /* leaves, NULL until needed */
static int last_pid;			/* the number handed out last */

/* The slot for nr, allocating its leaf if alloc; NULL if none. */
static struct uthread **pid_slot(int nr, bool alloc)
{
	struct uthread ***leaf = &table[nr / PID_LEAF];

	if (!*leaf && alloc)
		*leaf = kzalloc(PID_LEAF * sizeof(**leaf));
	return *leaf ? &(*leaf)[nr % PID_LEAF] : NULL;
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
	for (int tries = 0; tries < PID_MAX; tries++) {
		struct uthread **slot;

		nr++;
		if (nr >= PID_MAX)
			nr = last_pid ? PID_RESERVED : 1;
		slot = pid_slot(nr, true);
		if (!slot)
			return -ENOMEM;
		if (!*slot && !pid_used_by_group(nr)) {
			*slot = ut;
			last_pid = nr;
			return nr;
		}
	}
	return -EAGAIN;
}

void pid_free(int nr)
{
	struct uthread **slot;

	KOS_ASSERT(mutex_held(&proc_lock));
	if (nr > 0 && nr < PID_MAX && (slot = pid_slot(nr, false)))
		*slot = NULL;
}

struct uthread *pid_task(int tid)
{
	struct uthread **slot;

	if (tid <= 0 || tid >= PID_MAX || !(slot = pid_slot(tid, false)))
		return NULL;
	return *slot;
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
	struct uthread **slot;

	KOS_ASSERT(mutex_held(&proc_lock) && nr > 0 && nr < PID_MAX);
	slot = pid_slot(nr, true);
	KOS_ASSERT(slot);
	*slot = ut;
}
