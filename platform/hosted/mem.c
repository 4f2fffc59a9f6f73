/*
 * Hosted "physical memory".
 *
 * RAM is one memfd ("kos-ram") of the size given by mem=, mapped MAP_SHARED
 * once into the kernel process.  Physical address pa lives at
 * hosted_ram_base + pa, which is the whole of the platform's direct map.
 * A memfd rather than anonymous memory because guest stub processes map
 * the very same pages at the guest's virtual addresses to mirror the
 * core's page tables (mmap(hosted_ram_fd, pa)).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kos/panic.h>
#include <kos/plat/mem.h>

#include "hosted.h"

int hosted_ram_fd = -1;
unsigned char *hosted_ram_base;
uint64_t hosted_ram_size;

int hosted_mem_init(uint64_t size)
{
	void *p;
	int fd, err;

	fd = memfd_create("kos-ram", MFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		perror("kos: memfd_create");
		return err;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		err = -errno;
		perror("kos: ftruncate(kos-ram)");
		goto out_close;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		perror("kos: mmap(kos-ram)");
		goto out_close;
	}
	hosted_ram_fd = fd;
	hosted_ram_base = p;
	hosted_ram_size = size;
	return 0;

out_close:
	close(fd);
	return err;
}

/*
 * The direct map.  Both directions accept the one-past-the-end address
 * (the end of a range) and panic on anything else outside RAM: a wild
 * physical address is a kernel bug, and a panic with a backtrace is more
 * useful than a host SIGSEGV somewhere later.
 */
void *plat_phys_to_virt(paddr_t pa)
{
	if (unlikely(pa > hosted_ram_size))
		kos_panic("plat_phys_to_virt: pa %#llx beyond RAM (%#llx)",
			  (unsigned long long)pa,
			  (unsigned long long)hosted_ram_size);
	return hosted_ram_base + pa;
}

paddr_t plat_virt_to_phys(const void *va)
{
	const unsigned char *p = va;

	if (unlikely(p < hosted_ram_base ||
		     p > hosted_ram_base + hosted_ram_size))
		kos_panic("plat_virt_to_phys: %p is not in RAM", va);
	return (paddr_t)(p - hosted_ram_base);
}

/* A fault is a ptrace round trip: fill 16 pages per anonymous fault. */
unsigned int plat_fault_around_pages(void)
{
	return 15;
}

/*
 * Linked mode's page rights: the program's memory is RAM, i.e. this
 * process's mapping of the memfd, so the host's mprotect() sets them.
 * (Guest stubs map the same pages with rights of their own; a linked
 * program has none.)
 */
int plat_direct_protect(void *va, size_t len, unsigned int prot)
{
	int host = prot & 2 ? PROT_READ | PROT_WRITE : prot & 1 ? PROT_READ : 0;

	if (mprotect(va, len, host) < 0)
		return -errno;
	return 0;
}
