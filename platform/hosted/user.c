/*
 * Hosted guest processes: placeholder.
 *
 * Guest address spaces become ptrace'd stub processes that map the RAM
 * memfd (hosted_ram_fd) at the guest's addresses, and plat_user_run() runs
 * a guest thread in its stub until it traps (docs/hosted.md, "Guest
 * processes").  That arrives with the next issue.  Until then no address
 * space can be created, so exec fails cleanly with -ENOMEM in vm_create()
 * and plat_user_run() is unreachable.
 */
#include <kos/log.h>
#include <kos/panic.h>
#include <kos/plat/user.h>

#include "hosted.h"

struct plat_as *plat_as_create(paddr_t pml4)
{
	static bool warned;

	if (!warned) {
		warned = true;
		log_warn("hosted: guest processes are not implemented yet");
	}
	return NULL;
}

void plat_as_destroy(struct plat_as *as)
{
}

void plat_as_activate(struct plat_as *as)
{
}

void plat_tlb_flush(struct plat_as *as, vaddr_t va, size_t len)
{
}

void plat_user_run(struct plat_as *as, struct uregs *regs,
		   struct plat_trapinfo *ti)
{
	kos_panic("plat_user_run: no address space can exist on hosted yet");
}
