/*
 * Kernel symbols for backtraces.
 *
 * The platform hands the core its own ELF file image (bootinfo kernel_elf);
 * ksym_init() indexes the function symbols of its .symtab so that
 * ksym_lookup() can turn a code address into "function + offset".  Nothing
 * is allocated: the index is a fixed static table and names point into the
 * image, which must stay mapped while symbols are in use.  A malformed or
 * missing image just leaves symbolization disabled.
 *
 * ksym_init() runs once at boot, before other CPUs or interrupts could
 * call ksym_lookup(); lookups are read-only and safe in any context,
 * including panic.
 */
#ifndef KOS_KSYM_H
#define KOS_KSYM_H

#include <kos/types.h>

/* Most function symbols indexed; further ones are ignored. */
#define KSYM_MAX 16384

/*
 * Index the function symbols of the ELF64 image elf[size]; symbol values
 * plus load_bias are run-time addresses.  Replaces any previous index.
 * elf == NULL, or an image that fails validation, disables lookups.
 * Returns the number of symbols indexed (0 when disabled).
 */
unsigned int ksym_init(const void *elf, size_t size, uint64_t load_bias);

/*
 * The same, done by the first ksym_lookup() instead of now (boot: the
 * table is rarely needed).  The image must stay mapped.
 */
void ksym_init_lazy(const void *elf, size_t size, uint64_t load_bias);

/*
 * Find the function containing addr.  On a hit, *name gets its name and
 * *offset addr minus its start, and the result is 0; otherwise -1.
 */
int ksym_lookup(unsigned long addr, const char **name, unsigned long *offset);

#endif
