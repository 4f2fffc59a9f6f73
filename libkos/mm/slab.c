/*
 * Slab allocator and kmalloc.
 *
 * A cache hands out objects of one size.  It gets memory in slabs: blocks
 * of 2^order pages from the page allocator, each starting with a struct
 * slab header followed by equal slots.  A slot is
 *
 *	[ left red zone | object | right red zone and padding ]
 *
 * where the red zones exist only in debug builds (KOS_DEBUG).  Free
 * objects of a slab are chained through their first word.  Every page of a
 * slab points back to it (struct page.owner), so an object's slab and
 * cache are found from its address alone; kfree() relies on that.
 *
 * A cache keeps its slabs on three lists: partial (some objects free),
 * full and empty; it keeps at most one empty slab and returns the others
 * to the page allocator.
 *
 * Debug checks, each of which panics naming the cache:
 *  - on free, both red zones must still hold RZ_LIVE (overflow/underflow);
 *    a left red zone holding RZ_FREE means the object is already free;
 *  - freed objects are filled with POISON_FREE (except the free-list
 *    word); when an object is handed out again its poison must be intact
 *    (write after free) and its free-list link must point into the slab.
 *
 * kmalloc() uses one cache per power of two from 16 to KMALLOC_MAX_SLAB
 * bytes; larger requests get a page block of their own, marked
 * PAGE_USE_KMALLOC on its first page.
 *
 * Locking: each cache's lock (interrupts disabled) guards its slab lists,
 * its counters and the free lists of its slabs; the page allocator's lock
 * nests inside it.  Object memory itself is the caller's.
 */
#include <kos/kmalloc.h>
#include <kos/list.h>
#include <kos/panic.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/spinlock.h>
#include <kos/string.h>

#include "internal.h"

#define RZ_SIZE 16	 /* minimum bytes of each red zone */
#define RZ_LIVE 0xbb	 /* red zone of an allocated object */
#define RZ_FREE 0xcc	 /* left red zone of a free object */
#define POISON_FREE 0x6b /* body of a free object */

#define SLAB_KMALLOC 0x1 /* cache belongs to kmalloc */
#define SLAB_MAX_ORDER 3 /* preferred largest slab (32 KiB) */
#define SLAB_NAME_MAX 24

#define KMALLOC_MIN_SHIFT 4  /* 16 bytes */
#define KMALLOC_MAX_SHIFT 11 /* KMALLOC_MAX_SLAB */
#define KMALLOC_NCLASSES (KMALLOC_MAX_SHIFT - KMALLOC_MIN_SHIFT + 1)

struct slab_cache {
	struct spinlock lock;
	char name[SLAB_NAME_MAX];
	size_t size;		  /* object bytes the user owns */
	size_t align;		  /* object alignment, power of two */
	size_t lpad;		  /* left red zone bytes (0 unless debug) */
	size_t stride;		  /* bytes per slot */
	size_t first;		  /* offset of the first slot in a slab */
	unsigned int order;	  /* slab = 2^order pages */
	unsigned int per_slab;	  /* slots per slab */
	unsigned int flags;	  /* SLAB_* */
	struct list_head partial; /* by lock */
	struct list_head full;	  /* by lock */
	struct list_head empty;	  /* by lock */
	unsigned int nempty;	  /* by lock */
	uint64_t live;		  /* objects allocated; by lock */
};

struct slab {
	struct list_head link;	  /* on a list of cache; by cache lock */
	struct slab_cache *cache; /* constant */
	void *freelist;		  /* first free object; by cache lock */
	unsigned int inuse;	  /* objects allocated; by cache lock */
	char *slots;		  /* first slot; constant */
};

static struct slab_cache kmalloc_caches[KMALLOC_NCLASSES];
static const char *const kmalloc_names[KMALLOC_NCLASSES] = {
	"kmalloc-16",  "kmalloc-32",  "kmalloc-64",   "kmalloc-128",
	"kmalloc-256", "kmalloc-512", "kmalloc-1024", "kmalloc-2048",
};
static uint64_t kmalloc_bytes; /* atomic */
static bool kmalloc_ready;

/* ---- cache geometry ---------------------------------------------------- */

static bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

/*
 * Lay out cache c for objects of size bytes aligned to align (a power of
 * two <= PAGE_SIZE): red zones, slot stride and slab order.  Returns false
 * if no slab of at most PMM_MAX_ORDER can hold one object.
 */
static bool cache_layout(struct slab_cache *c, size_t size, size_t align)
{
	size_t rz = KOS_DEBUG ? RZ_SIZE : 0;
	unsigned int o;

	c->size = size;
	c->align = align;
	c->lpad = ALIGN_UP(rz, align);
	c->stride = ALIGN_UP(c->lpad + size + rz, align);
	c->first = ALIGN_UP(sizeof(struct slab), align);
	if (c->stride > PMM_MAX_BLOCK_BYTES - c->first)
		return false;

	/* Smallest slab wasting at most 1/8; else the smallest that fits. */
	for (o = 0; o <= SLAB_MAX_ORDER; o++) {
		size_t avail = (PAGE_SIZE << o) - c->first;
		size_t n = avail / c->stride;

		if (n && avail - n * c->stride <= (PAGE_SIZE << o) / 8)
			break;
	}
	if (o > SLAB_MAX_ORDER) {
		for (o = 0; (PAGE_SIZE << o) - c->first < c->stride; o++)
			;
	}
	c->order = o;
	c->per_slab = ((PAGE_SIZE << o) - c->first) / c->stride;
	return true;
}

static void cache_setup(struct slab_cache *c, const char *name)
{
	size_t i;

	spin_init(&c->lock, c->name);
	for (i = 0; i + 1 < sizeof(c->name) && name && name[i]; i++)
		c->name[i] = name[i];
	c->name[i] = 0;
	list_init(&c->partial);
	list_init(&c->full);
	list_init(&c->empty);
	c->nempty = 0;
	c->live = 0;
}

/* ---- debug checks ------------------------------------------------------ */

/* Offset of the first byte in p[0..n) that is not v, or n. */
static size_t pattern_mismatch(const void *p, size_t n, uint8_t v)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != v)
			break;
	return i;
}

static uint8_t *slot_of(const struct slab_cache *c, void *obj)
{
	return (uint8_t *)obj - c->lpad;
}

/* Bytes of right red zone (and padding) after an object. */
static size_t rz_right_len(const struct slab_cache *c)
{
	return c->stride - c->lpad - c->size;
}

/* Fill a slot as a free object: free red zone, poison, intact right zone. */
static void debug_mark_free(struct slab_cache *c, void *obj)
{
	uint8_t *slot = slot_of(c, obj);

	kos_memset(slot, RZ_FREE, c->lpad);
	kos_memset(obj, POISON_FREE, c->size);
	kos_memset((uint8_t *)obj + c->size, RZ_LIVE, rz_right_len(c));
}

/*
 * obj is about to be freed: check its red zones and that it is not free
 * already.  Called with c->lock held; drops it before panicking.
 */
static void debug_check_free(struct slab_cache *c, void *obj, unsigned long fl)
{
	uint8_t *slot = slot_of(c, obj);
	size_t bad;

	if (pattern_mismatch(slot, c->lpad, RZ_LIVE) != c->lpad) {
		spin_unlock_irqrestore(&c->lock, fl);
		if (pattern_mismatch(slot, c->lpad, RZ_FREE) == c->lpad)
			kos_panic("slab %s: double free of %p", c->name, obj);
		kos_panic("slab %s: red zone before %p overwritten "
			  "(buffer underflow)",
			  c->name, obj);
	}
	bad = pattern_mismatch((uint8_t *)obj + c->size, rz_right_len(c),
			       RZ_LIVE);
	if (bad != rz_right_len(c)) {
		spin_unlock_irqrestore(&c->lock, fl);
		kos_panic("slab %s: red zone after %p (size %zu) overwritten "
			  "at offset %zu (buffer overflow)",
			  c->name, obj, c->size, c->size + bad);
	}
}

/*
 * obj, a free object, is about to be handed out: check its poison, red
 * zones and free-list link.  Called with c->lock held; drops it before
 * panicking.
 */
static void debug_check_alloc(struct slab_cache *c, struct slab *s, void *obj,
			      unsigned long fl)
{
	uint8_t *next = *(uint8_t **)obj;
	uint8_t *lo = (uint8_t *)s->slots + c->lpad;
	size_t skip = sizeof(void *);
	size_t bad;

	if (next && (next < lo || next >= lo + c->per_slab * c->stride ||
		     (size_t)(next - lo) % c->stride)) {
		spin_unlock_irqrestore(&c->lock, fl);
		kos_panic("slab %s: free list link in %p corrupted (%p): "
			  "write after free",
			  c->name, obj, next);
	}
	bad = pattern_mismatch((uint8_t *)obj + skip, c->size - skip,
			       POISON_FREE);
	if (bad != c->size - skip) {
		spin_unlock_irqrestore(&c->lock, fl);
		kos_panic("slab %s: free object %p modified at offset %zu: "
			  "write after free",
			  c->name, obj, skip + bad);
	}
	if (pattern_mismatch(slot_of(c, obj), c->lpad, RZ_FREE) != c->lpad ||
	    pattern_mismatch((uint8_t *)obj + c->size, rz_right_len(c),
			     RZ_LIVE) != rz_right_len(c)) {
		spin_unlock_irqrestore(&c->lock, fl);
		kos_panic("slab %s: red zone of free object %p overwritten",
			  c->name, obj);
	}
}

/* ---- slabs ------------------------------------------------------------- */

/* Point every page of the slab at s (or at nothing). */
static void slab_mark_pages(struct slab_cache *c, paddr_t pa, struct slab *s)
{
	for (unsigned int i = 0; i < (1U << c->order); i++) {
		struct page *pg = pmm_page(pa + i * PAGE_SIZE);

		pg->owner = s;
		pg->use = s ? PAGE_USE_SLAB : PAGE_USE_NONE;
	}
}

/* A new slab with every object free, or NULL.  c->lock held. */
static struct slab *slab_new(struct slab_cache *c)
{
	paddr_t pa = pmm_alloc(c->order);
	struct slab *s;

	if (pa == PMM_NOPAGE)
		return NULL;
	s = plat_phys_to_virt(pa);
	s->cache = c;
	s->inuse = 0;
	s->slots = (char *)s + c->first;
	s->freelist = NULL;
	for (unsigned int i = c->per_slab; i-- > 0;) {
		void *obj = s->slots + i * c->stride + c->lpad;

		if (KOS_DEBUG)
			debug_mark_free(c, obj);
		*(void **)obj = s->freelist;
		s->freelist = obj;
	}
	slab_mark_pages(c, pa, s);
	return s;
}

/* Give an empty slab back to the page allocator.  c->lock held. */
static void slab_release(struct slab_cache *c, struct slab *s)
{
	paddr_t pa = plat_virt_to_phys(s);

	list_del(&s->link);
	slab_mark_pages(c, pa, NULL);
	pmm_free(pa, c->order);
}

/* The slab holding obj, if obj is an object slot of cache c; else NULL. */
static struct slab *slab_of(struct slab_cache *c, const void *obj)
{
	struct page *pg = pmm_page(plat_virt_to_phys(obj));
	struct slab *s;
	size_t off;

	if (!pg || pg->use != PAGE_USE_SLAB)
		return NULL;
	s = pg->owner;
	if (s->cache != c || (const char *)obj < s->slots + c->lpad)
		return NULL;
	off = (size_t)((const char *)obj - s->slots - c->lpad);
	if (off % c->stride || off / c->stride >= c->per_slab)
		return NULL;
	return s;
}

/* ---- caches ------------------------------------------------------------ */

struct slab_cache *slab_cache_create(const char *name, size_t size,
				     size_t align)
{
	struct slab_cache *c;

	KOS_ASSERT(kmalloc_ready);
	if (size == 0 || (align && !is_pow2(align)) || align > PAGE_SIZE)
		return NULL;
	if (align < sizeof(void *))
		align = sizeof(void *);
	if (size < sizeof(void *))
		size = sizeof(void *);

	c = kzalloc(sizeof(*c));
	if (!c)
		return NULL;
	if (!cache_layout(c, size, align)) {
		kfree(c);
		return NULL;
	}
	cache_setup(c, name);
	return c;
}

void *slab_alloc(struct slab_cache *c)
{
	unsigned long fl = spin_lock_irqsave(&c->lock);
	struct slab *s;
	void *obj;

	if (!list_empty(&c->partial)) {
		s = list_first_entry(&c->partial, struct slab, link);
	} else if (!list_empty(&c->empty)) {
		s = list_first_entry(&c->empty, struct slab, link);
		list_del(&s->link);
		list_add(&s->link, &c->partial);
		c->nempty--;
	} else {
		s = slab_new(c);
		if (!s) {
			spin_unlock_irqrestore(&c->lock, fl);
			return NULL;
		}
		list_add(&s->link, &c->partial);
	}

	obj = s->freelist;
	if (KOS_DEBUG) {
		debug_check_alloc(c, s, obj, fl);
		kos_memset(slot_of(c, obj), RZ_LIVE, c->lpad);
	}
	s->freelist = *(void **)obj;
	if (KOS_DEBUG)
		*(uint64_t *)obj = 0x6b6b6b6b6b6b6b6bULL;
	if (++s->inuse == c->per_slab) {
		list_del(&s->link);
		list_add(&s->link, &c->full);
	}
	c->live++;
	spin_unlock_irqrestore(&c->lock, fl);
	return obj;
}

void slab_free(struct slab_cache *c, void *obj)
{
	unsigned long fl = spin_lock_irqsave(&c->lock);
	struct slab *s = slab_of(c, obj);

	if (!s) {
		spin_unlock_irqrestore(&c->lock, fl);
		kos_panic("slab %s: free of %p, which is not an object of "
			  "this cache",
			  c->name, obj);
	}
	if (KOS_DEBUG) {
		debug_check_free(c, obj, fl);
		debug_mark_free(c, obj);
	}
	if (s->inuse == 0) { /* only reachable without debug checks */
		spin_unlock_irqrestore(&c->lock, fl);
		kos_panic("slab %s: double free of %p", c->name, obj);
	}
	*(void **)obj = s->freelist;
	s->freelist = obj;
	if (s->inuse-- == c->per_slab) {
		list_del(&s->link);
		list_add(&s->link, &c->partial);
	}
	if (s->inuse == 0) {
		list_del(&s->link);
		if (c->nempty) {
			slab_release(c, s);
		} else {
			list_add(&s->link, &c->empty);
			c->nempty++;
		}
	}
	c->live--;
	spin_unlock_irqrestore(&c->lock, fl);
}

void slab_cache_destroy(struct slab_cache *c)
{
	struct slab *s, *tmp;
	unsigned long fl;

	if (!c)
		return;
	KOS_ASSERT(!(c->flags & SLAB_KMALLOC));
	fl = spin_lock_irqsave(&c->lock);
	if (c->live) {
		uint64_t live = c->live;

		spin_unlock_irqrestore(&c->lock, fl);
		kos_panic("slab_cache_destroy: cache %s still has %llu live "
			  "objects",
			  c->name, (unsigned long long)live);
	}
	list_for_each_entry_safe (s, tmp, &c->empty, link)
		slab_release(c, s);
	/* No live objects, so partial and full are empty too. */
	KOS_ASSERT(list_empty(&c->partial) && list_empty(&c->full));
	spin_unlock_irqrestore(&c->lock, fl);
	kfree(c);
}

/* ---- kmalloc ----------------------------------------------------------- */

void kmalloc_init(void)
{
	for (unsigned int i = 0; i < KMALLOC_NCLASSES; i++) {
		struct slab_cache *c = &kmalloc_caches[i];
		bool ok = cache_layout(c, 1UL << (i + KMALLOC_MIN_SHIFT),
				       KMALLOC_MIN_ALIGN);

		KOS_ASSERT(ok);
		cache_setup(c, kmalloc_names[i]);
		c->flags = SLAB_KMALLOC;
	}
	kmalloc_bytes = 0;
	kmalloc_ready = true;
}

/* The kmalloc cache for size (1 .. KMALLOC_MAX_SLAB). */
static struct slab_cache *kmalloc_cache(size_t size)
{
	unsigned int shift = KMALLOC_MIN_SHIFT;

	while ((1UL << shift) < size)
		shift++;
	return &kmalloc_caches[shift - KMALLOC_MIN_SHIFT];
}

void *kmalloc(size_t size)
{
	struct slab_cache *c;
	unsigned int order;
	struct page *pg;
	paddr_t pa;
	void *p;

	if (size == 0)
		return NULL;
	KOS_ASSERT(kmalloc_ready);
	if (size <= KMALLOC_MAX_SLAB) {
		c = kmalloc_cache(size);
		p = slab_alloc(c);
		if (p)
			__atomic_add_fetch(&kmalloc_bytes, c->size,
					   __ATOMIC_RELAXED);
		return p;
	}
	if (size > PMM_MAX_BLOCK_BYTES)
		return NULL;
	for (order = 0; (PAGE_SIZE << order) < size; order++)
		;
	pa = pmm_alloc(order);
	if (pa == PMM_NOPAGE)
		return NULL;
	pg = pmm_page(pa);
	pg->use = PAGE_USE_KMALLOC;
	__atomic_add_fetch(&kmalloc_bytes, PAGE_SIZE << order,
			   __ATOMIC_RELAXED);
	return plat_phys_to_virt(pa);
}

char *kstrdup(const char *s)
{
	size_t n = kos_strlen(s) + 1;
	char *d = kmalloc(n);

	if (d)
		kos_memcpy(d, s, n);
	return d;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		kos_memset(p, 0, size);
	return p;
}

/*
 * What p is: a kmalloc slab object (returns its cache) or the start of a
 * large block (returns NULL, *pgp set).  Panics for anything else.
 */
static struct slab_cache *kmalloc_lookup(const void *p, const char *who,
					 struct page **pgp)
{
	paddr_t pa = plat_virt_to_phys(p);
	struct page *pg = pmm_page(pa);

	*pgp = pg;
	if (pg && pg->use == PAGE_USE_SLAB) {
		struct slab *s = pg->owner;

		if (!(s->cache->flags & SLAB_KMALLOC))
			kos_panic(
				"%s: %p belongs to slab cache %s, not kmalloc",
				who, p, s->cache->name);
		if (!slab_of(s->cache, p))
			kos_panic("%s: %p is not the start of a %s object", who,
				  p, s->cache->name);
		return s->cache;
	}
	if (pg && pg->use == PAGE_USE_KMALLOC && !(pa & (PAGE_SIZE - 1)) &&
	    pg->flags == PG_ALLOC)
		return NULL;
	kos_panic("%s: %p was not allocated by kmalloc (or is already free)",
		  who, p);
}

void kfree(void *p)
{
	struct slab_cache *c;
	struct page *pg;
	unsigned int order;

	if (!p)
		return;
	c = kmalloc_lookup(p, "kfree", &pg);
	if (c) {
		slab_free(c, p);
		__atomic_sub_fetch(&kmalloc_bytes, c->size, __ATOMIC_RELAXED);
		return;
	}
	order = pg->order;
	pg->use = PAGE_USE_NONE;
	__atomic_sub_fetch(&kmalloc_bytes, PAGE_SIZE << order,
			   __ATOMIC_RELAXED);
	pmm_free(plat_virt_to_phys(p), order);
}

size_t kmalloc_usable_size(const void *p)
{
	struct slab_cache *c;
	struct page *pg;

	if (!p)
		return 0;
	c = kmalloc_lookup(p, "kmalloc_usable_size", &pg);
	return c ? c->size : PAGE_SIZE << pg->order;
}

uint64_t kmalloc_bytes_in_use(void)
{
	return __atomic_load_n(&kmalloc_bytes, __ATOMIC_RELAXED);
}
