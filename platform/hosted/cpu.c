/*
 * Hosted CPU odds and ends: the CPU id and kernel-stack registration.
 *
 * Kernel thread stacks come from the core's page allocator, i.e. from the
 * memfd RAM, not from anything valgrind knows as a stack.  Valgrind tells a
 * stack switch from a huge stack frame by the size of the jump in the
 * stack pointer (--max-stackframe) unless both stacks are registered, and
 * neighbouring kernel stacks are much closer than that; so every kernel
 * stack is registered for its lifetime.
 *
 * Memcheck also marks the part of a stack below the stack pointer as
 * inaccessible whenever the stack shrinks.  Those marks outlive the stack:
 * once its pages go back to the page allocator and come out again as
 * kmalloc memory, every access would be reported.  So unregistering also
 * returns the whole range to "defined", the state memcheck gives the rest
 * of the memfd mapping.  That needs the range at unregister time, hence the
 * slot table (no malloc: it is not safe against our own thread switches).
 *
 * Outside valgrind none of this is needed and both calls return at once.
 */
#include <stdio.h>
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#include <kos/plat/cpu.h>

#include "hosted.h"

#define STACK_SLOTS 16384

struct stack_slot {
	void *lo; /* NULL: free */
	size_t len;
	unsigned int vg_id; /* valgrind's stack id */
};

/* Guarded by disabling interrupts. */
static struct stack_slot stack_slots[STACK_SLOTS];
static unsigned int stack_hint; /* where to look for a free slot first */

unsigned int plat_cpu_id(void)
{
	return 0;
}

/*
 * Tell valgrind that [lo, lo + len) is a stack.  The end given is one past
 * the top, which is where a fresh stack's pointer starts.  Returns the
 * cookie for plat_stack_unregister(): slot index + 1, or 0 when not
 * registered (not under valgrind, or the table is full).
 */
unsigned long plat_stack_register(void *lo, size_t len)
{
	static int warned;
	unsigned long fl, cookie = 0;
	unsigned int i, n;

	if (!RUNNING_ON_VALGRIND)
		return 0;
	fl = plat_irq_save();
	for (n = 0; n < STACK_SLOTS; n++) {
		i = (stack_hint + n) % STACK_SLOTS;
		if (!stack_slots[i].lo)
			break;
	}
	if (n < STACK_SLOTS) {
		stack_slots[i].lo = lo;
		stack_slots[i].len = len;
		stack_slots[i].vg_id =
			VALGRIND_STACK_REGISTER(lo, (char *)lo + len);
		stack_hint = i + 1;
		cookie = i + 1;
	} else if (!warned++) {
		fprintf(stderr,
			"kos: more than %d kernel stacks; valgrind "
			"will not know the rest\n",
			STACK_SLOTS);
	}
	plat_irq_restore(fl);
	return cookie;
}

void plat_stack_unregister(unsigned long cookie)
{
	struct stack_slot *s;
	unsigned long fl;

	if (!cookie || cookie > STACK_SLOTS)
		return;
	fl = plat_irq_save();
	s = &stack_slots[cookie - 1];
	if (s->lo) {
		VALGRIND_STACK_DEREGISTER(s->vg_id);
		VALGRIND_MAKE_MEM_DEFINED(s->lo, s->len);
		s->lo = NULL;
	}
	plat_irq_restore(fl);
}
