/*
 * The VMA set of an address space: an array of VMA pointers kept sorted
 * by address, searched by binary search, with a one-entry cache of the
 * last lookup (most faults and copies hit the same VMA as the previous
 * one).  Insert and remove shift pointers; the array doubles as needed.
 *
 * Locking: the owning vm_space's lock, held by every caller.
 */
#include <kos/kmalloc.h>
#include <kos/panic.h>
#include <kos/string.h>

#include "vm_internal.h"

#define VMA_SET_MIN_CAP 16

void vm_vma_set_init(struct vma_set *s)
{
	s->v = NULL;
	s->n = 0;
	s->cap = 0;
	s->cache = NULL;
}

void vm_vma_set_release(struct vma_set *s)
{
	kfree(s->v);
	vm_vma_set_init(s);
}

size_t vm_vma_lower_bound(struct vma_set *s, unsigned long addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid]->end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct vma *vm_vma_lookup(struct vma_set *s, unsigned long addr)
{
	struct vma *c = s->cache;
	size_t i;

	if (c && c->start <= addr && addr < c->end)
		return c;
	i = vm_vma_lower_bound(s, addr);
	if (i == s->n || s->v[i]->start > addr)
		return NULL;
	s->cache = s->v[i];
	return s->v[i];
}

int vm_vma_reserve(struct vma_set *s, size_t extra)
{
	size_t cap = s->cap ? s->cap : VMA_SET_MIN_CAP;
	struct vma **nv;

	while (cap < s->n + extra)
		cap *= 2;
	if (cap == s->cap)
		return 0;
	nv = kmalloc(cap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	if (s->n)
		kos_memcpy(nv, s->v, s->n * sizeof(*nv));
	kfree(s->v);
	s->v = nv;
	s->cap = cap;
	return 0;
}

int vm_vma_insert(struct vma_set *s, struct vma *v)
{
	size_t i;

	if (vm_vma_reserve(s, 1))
		return -ENOMEM;
	i = vm_vma_lower_bound(s, v->start);
	KOS_ASSERT(i == s->n || s->v[i]->start >= v->end);
	KOS_ASSERT(i == 0 || s->v[i - 1]->end <= v->start);
	kos_memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = v;
	s->n++;
	return 0;
}

void vm_vma_remove(struct vma_set *s, size_t i)
{
	KOS_ASSERT(i < s->n);
	if (s->cache == s->v[i])
		s->cache = NULL;
	kos_memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

struct vma *vm_vma_alloc(void)
{
	return kzalloc(sizeof(struct vma));
}

void vm_vma_free(struct vma *v)
{
	if (v->file)
		vm_file_put(v->file);
	kfree(v);
}

int vm_vma_split(struct vma_set *s, size_t i, unsigned long addr)
{
	struct vma *v = s->v[i], *r;

	KOS_ASSERT(v->start < addr && addr < v->end);
	KOS_ASSERT(!(addr & ~PAGE_MASK));
	if (v->flags & VMA_SPECIAL)
		return -EINVAL; /* as Linux: special mappings stay whole */
	if (vm_vma_reserve(s, 1))
		return -ENOMEM;
	r = vm_vma_alloc();
	if (!r)
		return -ENOMEM;
	*r = *v;
	r->start = addr;
	if (r->file) {
		r->off += addr - v->start;
		vm_file_get(r->file);
	}
	v->end = addr;
	kos_memmove(&s->v[i + 2], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->v[i + 1] = r;
	s->n++;
	return 0;
}

/* Can b (directly above a) be folded into a? */
static bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	if (a->end != b->start || a->prot != b->prot || a->flags != b->flags ||
	    a->file != b->file || a->name != b->name ||
	    (a->flags & VMA_SPECIAL))
		return false;
	return !a->file || a->off + (a->end - a->start) == b->off;
}

void vm_vma_merge_range(struct vma_set *s, unsigned long lo, unsigned long hi)
{
	size_t i = vm_vma_lower_bound(s, lo ? lo - 1 : 0);

	while (i + 1 < s->n && s->v[i + 1]->start <= hi) {
		struct vma *a = s->v[i], *b = s->v[i + 1];

		if (!vma_mergeable(a, b)) {
			i++;
			continue;
		}
		a->end = b->end;
		vm_vma_remove(s, i + 1);
		vm_vma_free(b);
	}
}
