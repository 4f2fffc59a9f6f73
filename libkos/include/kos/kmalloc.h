/*
 * Kernel heap: object caches (slab allocator) and kmalloc.
 *
 * A slab cache hands out fixed-size objects carved from page blocks of the
 * physical page allocator; each slab keeps its own free list.  kmalloc()
 * serves requests up to KMALLOC_MAX_SLAB bytes from power-of-two caches
 * (16 .. 2048 bytes) and larger ones directly from pmm pages.
 *
 * Debug builds (KOS_DEBUG) surround every object with red zones checked
 * on free, poison freed objects and check the poison when they are handed
 * out again, and catch double frees; each of these panics naming the
 * cache.  All functions are safe from interrupt context (per-cache
 * spinlocks, interrupts disabled while held).
 */
#ifndef KOS_KMALLOC_H
#define KOS_KMALLOC_H

#include <kos/types.h>

#define KMALLOC_MIN_ALIGN 16
#define KMALLOC_MAX_SLAB 2048 /* larger requests take whole pages */

struct slab_cache;

/* Set up the kmalloc caches.  Call once after pmm_init(). */
void kmalloc_init(void);

/*
 * Allocate size bytes, aligned to KMALLOC_MIN_ALIGN (large blocks are page
 * aligned).  Returns NULL if size is 0 or memory is short.  The contents
 * are undefined.
 */
void *kmalloc(size_t size);

/* kmalloc() with the first size bytes zeroed. */
void *kzalloc(size_t size);

/* Free a kmalloc() block; NULL is ignored. */
void kfree(void *p);

/* Bytes the caller may use in a kmalloc() block (>= the size asked for). */
size_t kmalloc_usable_size(const void *p);

/* Bytes currently handed out by kmalloc (by usable size), for leak checks. */
uint64_t kmalloc_bytes_in_use(void);

/*
 * Create a cache of objects of size bytes aligned to align (0 or a power of
 * two up to PAGE_SIZE; at least 8 is used).  The name is copied (and
 * truncated) for messages.  Returns NULL on bad arguments or no memory.
 */
/* A kmalloc'd copy of s, or NULL. */
char *kstrdup(const char *s);

struct slab_cache *slab_cache_create(const char *name, size_t size,
				     size_t align);

/* Allocate one object from c, or NULL if memory is short. */
void *slab_alloc(struct slab_cache *c);

/* Return obj, which slab_alloc(c) handed out, to c. */
void slab_free(struct slab_cache *c, void *obj);

/*
 * Release c and all its memory.  Panics if objects are still allocated.
 * NULL is ignored.
 */
void slab_cache_destroy(struct slab_cache *c);

#endif
