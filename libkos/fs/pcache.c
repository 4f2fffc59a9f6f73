/*
 * The page cache (kos/pcache.h has the model and the locking rules).
 *
 * The index is a radix tree of 64-way nodes.  At height 0 the root is
 * page 0's leaf itself, so the many one-page files cost no node; at
 * height h the root node covers pages [0, 64^h).  A leaf is the page's
 * physical address (page aligned) with PC_DIRTY in bit 0 and the
 * owner's marks (pcache_page_marks) in bits 1-8; 0 is "no page".  Nodes are freed with the file (pcache_release); truncation
 * frees pages, not nodes.
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/pcache.h>
#include <kos/plat/mem.h>
#include <kos/pmm.h>
#include <kos/sched.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/vfs.h>
#include <kos/waitq.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#define PC_BITS 6
#define PC_FAN (1u << PC_BITS)
#define PC_DIRTY 0x1UL
#define PC_MARK_SHIFT 1
#define PC_MARKS (0xffUL << PC_MARK_SHIFT)
#define PC_PA(leaf) ((paddr_t)((leaf) & ~(uintptr_t)(PAGE_SIZE - 1)))

struct pc_node {
	uintptr_t slot[PC_FAN];
};

/* Files with dirty pages and a writepage op: each holds a reference. */
static struct mutex pcache_sync_lock =
	MUTEX_INIT(pcache_sync_lock, "pcache.sync");
static LIST_HEAD(dirty_files); /* pcache_sync_lock */

/* Files with readpage and pages: no reference (release unlists). */
static struct mutex pcache_lru_lock = MUTEX_INIT(pcache_lru_lock, "pcache.lru");
static LIST_HEAD(lru_files); /* pcache_lru_lock */

/* Pages of files with a store, and dirty ones of those with writepage. */
static uint64_t store_pages; /* atomic */
static uint64_t store_dirty; /* atomic */

/* The writeback thread (started with the first dirty page). */
#define FLUSH_PERIOD_NS (5ULL * NSEC_PER_SEC)
#define FLUSH_EXPIRE_NS (30ULL * NSEC_PER_SEC)
static struct waitq flush_wq = WAITQ_INIT(flush_wq);
static bool flush_started; /* atomic */
static bool flush_kicked;  /* atomic */

void pcache_init(struct pcache *pc)
{
	mutex_init(&pc->lock, "pcache");
	list_init(&pc->sync);
	list_init(&pc->lru);
	pc->on_lru = false;
}

static bool has_store(const struct vnode *v)
{
	return v->ops->readpage || v->ops->writepage;
}

/* Free pages below which the cache gives back clean pages first. */
static uint64_t low_water(void)
{
	return MAX(pmm_total_pages() / 32, 64);
}

static uint64_t drop_all_unused(struct vnode *v, uint64_t want);

/*
 * Before the cache of v grows: with free memory low, give back clean
 * pages -- v's own first (a big file streamed through is the usual
 * case, and reclaim proper cannot take v's lock while we hold it),
 * then other files'.  pc->lock not held.
 */
static void make_room(struct vnode *v)
{
	uint64_t got;

	if (!v->ops->readpage || pmm_free_pages() >= low_water())
		return;
	mutex_lock(&v->pages.lock);
	got = drop_all_unused(v, 64);
	mutex_unlock(&v->pages.lock);
	if (got < 64)
		pcache_reclaim(64 - got);
}

/* Dirty pages past which writeback starts / writers write their own. */
static uint64_t dirty_background(void)
{
	return pmm_total_pages() / 10;
}

static uint64_t dirty_limit(void)
{
	return pmm_total_pages() / 5;
}

static char *page_va(paddr_t pa)
{
	return plat_phys_to_virt(pa);
}

/* Pages [0, limit) the tree can index at height h. */
static uint64_t span(unsigned int h)
{
	return h == 0 ? 1 : (uint64_t)1 << (PC_BITS * h);
}

/*
 * The leaf slot of page idx; with create, grow the tree and allocate
 * nodes on the way (NULL on -ENOMEM); without, NULL when the page
 * cannot be there.  pc->lock held.
 */
static uintptr_t *slot_of(struct pcache *pc, uint64_t idx, bool create)
{
	uintptr_t *slot;

	while (idx >= span(pc->height)) {
		struct pc_node *n;

		if (!create)
			return NULL;
		n = kzalloc(sizeof(*n));
		if (!n)
			return NULL;
		n->slot[0] = pc->root;
		pc->root = (uintptr_t)n;
		pc->height++;
	}
	slot = &pc->root;
	for (unsigned int lvl = pc->height; lvl > 0; lvl--) {
		struct pc_node *n = (struct pc_node *)*slot;

		if (!n) {
			if (!create)
				return NULL;
			n = kzalloc(sizeof(*n));
			if (!n)
				return NULL;
			*slot = (uintptr_t)n;
		}
		slot = &n->slot[(idx >> (PC_BITS * (lvl - 1))) & (PC_FAN - 1)];
	}
	return slot;
}

/*
 * Call fn on every leaf slot holding a page in [start, end), in index
 * order; fn returns nonzero to stop (that value is returned).
 */
typedef int (*leaf_fn)(struct vnode *v, uint64_t idx, uintptr_t *leaf,
		       void *ctx);

static int walk(struct vnode *v, uintptr_t *slot, unsigned int lvl,
		uint64_t base, uint64_t start, uint64_t end, leaf_fn fn,
		void *ctx)
{
	struct pc_node *n;
	uint64_t step;
	int r;

	if (!*slot || base >= end || base + span(lvl) <= start)
		return 0;
	if (lvl == 0)
		return fn(v, base, slot, ctx);
	n = (struct pc_node *)*slot;
	step = span(lvl - 1);
	for (unsigned int i = 0; i < PC_FAN; i++) {
		r = walk(v, &n->slot[i], lvl - 1, base + i * step, start, end,
			 fn, ctx);
		if (r)
			return r;
	}
	return 0;
}

static int walk_range(struct vnode *v, uint64_t start, uint64_t end, leaf_fn fn,
		      void *ctx)
{
	return walk(v, &v->pages.root, v->pages.height, 0, start, end, fn, ctx);
}

static void free_nodes(uintptr_t node, unsigned int lvl)
{
	struct pc_node *n = (struct pc_node *)node;

	if (!n || lvl == 0)
		return;
	for (unsigned int i = 0; i < PC_FAN; i++)
		free_nodes(n->slot[i], lvl - 1);
	kfree(n);
}

/* ---- dirty pages and writeback ------------------------------------- */

static void flush_start(void);

/* Mark *leaf dirty (and v as having dirty pages).  pc->lock held. */
static void mark_dirty(struct vnode *v, uintptr_t *leaf)
{
	if (*leaf & PC_DIRTY)
		return;
	*leaf |= PC_DIRTY;
	v->pages.nr_dirty++;
	if (!v->ops->writepage)
		return;
	__atomic_add_fetch(&store_dirty, 1, __ATOMIC_RELAXED);
	if (list_empty(&v->pages.sync)) {
		vnode_get(v);
		mutex_lock(&pcache_sync_lock);
		list_add_tail(&v->pages.sync, &dirty_files);
		v->pages.dirtied = clock_monotonic_ns();
		mutex_unlock(&pcache_sync_lock);
		flush_start();
	}
}

static void clear_dirty(struct vnode *v, uintptr_t *leaf)
{
	if (!(*leaf & PC_DIRTY))
		return;
	*leaf &= ~PC_DIRTY;
	v->pages.nr_dirty--;
	if (v->ops->writepage)
		__atomic_sub_fetch(&store_dirty, 1, __ATOMIC_RELAXED);
}

/* Off the dirty list if clean: true if the caller must vnode_put(v). */
static bool maybe_unlist(struct vnode *v)
{
	bool was = false;

	if (v->pages.nr_dirty)
		return false;
	mutex_lock(&pcache_sync_lock);
	if (!list_empty(&v->pages.sync)) {
		list_del(&v->pages.sync);
		list_init(&v->pages.sync);
		was = true;
	}
	mutex_unlock(&pcache_sync_lock);
	return was;
}

unsigned int pcache_sync_pins(struct vnode *v)
{
	unsigned int n;

	mutex_lock(&pcache_sync_lock);
	n = list_empty(&v->pages.sync) ? 0 : 1;
	mutex_unlock(&pcache_sync_lock);
	return n;
}

#define PC_RUN 32 /* pages per readahead or clustered write */

/* A run of consecutive dirty pages collected for writepages. */
struct wb_run {
	uintptr_t *leaf[PC_RUN];
	void *page[PC_RUN];
	uint64_t first;
	unsigned int n;
	int err; /* the first error */
};

/*
 * A page written back is clean -- unless some mapping still has it: a
 * writable one may store into it unseen (no entry is write-protected
 * again after writeback), so it stays dirty while mapped.
 */
static void written(struct vnode *v, uintptr_t *leaf)
{
	if (!pmm_page_mapcount(PC_PA(*leaf)))
		clear_dirty(v, leaf);
}

/* Write the collected run back.  pc->lock held. */
static void wb_flush(struct vnode *v, struct wb_run *r)
{
	int err;

	if (!r->n)
		return;
	if (r->n == 1 || !v->ops->writepages)
		for (unsigned int i = 0; i < r->n; i++) {
			err = v->ops->writepage(v, r->first + i, r->page[i]);
			if (err && !r->err)
				r->err = err;
			if (!err)
				written(v, r->leaf[i]);
		}
	else if ((err = v->ops->writepages(v, r->first, r->page, r->n))) {
		if (!r->err)
			r->err = err;
	} else {
		for (unsigned int i = 0; i < r->n; i++)
			written(v, r->leaf[i]);
	}
	r->n = 0;
}

static int write_one(struct vnode *v, uint64_t idx, uintptr_t *leaf, void *ctx)
{
	struct wb_run *r = ctx;

	if (!(*leaf & PC_DIRTY))
		return 0;
	if (r->n && (r->n == PC_RUN || idx != r->first + r->n))
		wb_flush(v, r);
	if (!r->n)
		r->first = idx;
	r->leaf[r->n] = leaf;
	r->page[r->n++] = page_va(PC_PA(*leaf));
	return 0;
}

int pcache_writeback(struct vnode *v)
{
	struct wb_run *r;
	int first = 0;
	bool put;

	if (!v->ops->writepage)
		return 0;
	r = kzalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	mutex_lock(&v->pages.lock);
	if (v->pages.nr_dirty) {
		walk_range(v, 0, UINT64_MAX, write_one, r);
		wb_flush(v, r);
		first = r->err;
		/* Still dirty (mapped pages): the next round in 30 s. */
		if (v->pages.nr_dirty) {
			mutex_lock(&pcache_sync_lock);
			v->pages.dirtied = clock_monotonic_ns();
			mutex_unlock(&pcache_sync_lock);
		}
	}
	put = maybe_unlist(v);
	mutex_unlock(&v->pages.lock);
	kfree(r);
	if (put)
		vnode_put(v);
	return first;
}

/*
 * Write back the dirty files of sb (NULL: all) that went dirty at or
 * before time dirtied_by: 0 or the first error.
 */
static int sync_files(struct superblock *sb, uint64_t dirtied_by)
{
	struct pcache *pc, *tmp;
	struct vnode **todo;
	size_t n = 0, i = 0;
	int first = 0, err;

	/* A snapshot: files dirtied meanwhile wait for the next sync. */
	mutex_lock(&pcache_sync_lock);
	list_for_each_entry (pc, &dirty_files, sync)
		n++;
	todo = n ? kmalloc(n * sizeof(*todo)) : NULL;
	if (todo)
		list_for_each_entry_safe (pc, tmp, &dirty_files, sync) {
			struct vnode *v = container_of(pc, struct vnode, pages);

			if ((sb && v->sb != sb) || pc->dirtied > dirtied_by)
				continue;
			vnode_get(v);
			todo[i++] = v;
		}
	mutex_unlock(&pcache_sync_lock);
	if (n && !todo)
		return -ENOMEM;
	for (size_t k = 0; k < i; k++) {
		err = pcache_writeback(todo[k]);
		if (err && !first)
			first = err;
		vnode_put(todo[k]);
	}
	kfree(todo);
	return first;
}

int pcache_sync(struct superblock *sb)
{
	return sync_files(sb, UINT64_MAX);
}

static int undirty_leaf(struct vnode *v, uint64_t idx, uintptr_t *leaf,
			void *ctx)
{
	(void)idx;
	(void)ctx;
	clear_dirty(v, leaf);
	return 0;
}

void pcache_forget_dirty(struct superblock *sb)
{
	struct pcache *pc, *tmp;
	struct vnode **todo;
	size_t n = 0, i = 0;

	mutex_lock(&pcache_sync_lock);
	list_for_each_entry (pc, &dirty_files, sync)
		n++;
	todo = n ? kmalloc(n * sizeof(*todo)) : NULL;
	if (todo)
		list_for_each_entry_safe (pc, tmp, &dirty_files, sync) {
			struct vnode *v = container_of(pc, struct vnode, pages);

			if (v->sb != sb)
				continue;
			vnode_get(v);
			todo[i++] = v;
		}
	mutex_unlock(&pcache_sync_lock);
	if (n && !todo)
		log_err("pcache: unmount: dirty files left listed (no memory)");
	for (size_t k = 0; k < i; k++) {
		struct vnode *v = todo[k];
		bool put;

		mutex_lock(&v->pages.lock);
		walk_range(v, 0, UINT64_MAX, undirty_leaf, NULL);
		put = maybe_unlist(v);
		mutex_unlock(&v->pages.lock);
		if (put)
			vnode_put(v);
		vnode_put(v);
	}
	kfree(todo);
}

static bool flush_wanted(void *arg)
{
	(void)arg;
	return __atomic_load_n(&flush_kicked, __ATOMIC_ACQUIRE);
}

/* "flush": Linux's periodic and background writeback in one loop. */
static void flush_main(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t now;
		int err;

		waitq_wait_timeout(&flush_wq, flush_wanted, NULL,
				   FLUSH_PERIOD_NS);
		__atomic_store_n(&flush_kicked, false, __ATOMIC_RELEASE);
		now = clock_monotonic_ns();
		if (__atomic_load_n(&store_dirty, __ATOMIC_RELAXED) >
		    dirty_background())
			err = sync_files(NULL, UINT64_MAX);
		else
			err = sync_files(NULL, now > FLUSH_EXPIRE_NS
						       ? now - FLUSH_EXPIRE_NS
						       : 0);
		if (err)
			log_warn("pcache: writeback failed (%d)", err);
	}
}

/* Start the writeback thread if it is not running (thread context). */
static void flush_start(void)
{
	struct thread *t;

	if (__atomic_exchange_n(&flush_started, true, __ATOMIC_ACQ_REL))
		return;
	t = kthread_create("flush", flush_main, NULL);
	if (!t) {
		log_warn("pcache: no writeback thread (out of memory)");
		__atomic_store_n(&flush_started, false, __ATOMIC_RELEASE);
		return;
	}
	kthread_detach(t);
}

/* After a write: past the limits, write back now (v) or soon (all). */
static void balance_dirty(struct vnode *v)
{
	uint64_t dirty = __atomic_load_n(&store_dirty, __ATOMIC_RELAXED);

	if (!v->ops->writepage || dirty <= dirty_background())
		return;
	__atomic_store_n(&flush_kicked, true, __ATOMIC_RELEASE);
	waitq_wake_all(&flush_wq);
	if (dirty > dirty_limit())
		pcache_writeback(v);
}

/* ---- reclaim -------------------------------------------------------- */

struct reclaim_ctx {
	uint64_t want, freed;
};

static int drop_leaf(struct vnode *v, uint64_t idx, uintptr_t *leaf, void *ctx);

static int reclaim_leaf(struct vnode *v, uint64_t idx, uintptr_t *leaf,
			void *arg)
{
	struct reclaim_ctx *c = arg;

	if ((*leaf & PC_DIRTY) || pmm_page_refs(PC_PA(*leaf)) != 1)
		return 0; /* unwritten, or mapped somewhere */
	drop_leaf(v, idx, leaf, NULL);
	v->pages.reclaim_at = idx + 1;
	return ++c->freed >= c->want;
}

/*
 * Drop up to c->want of v's clean unmapped pages, going on from where
 * the last round stopped (a file streamed through loses the pages
 * behind its reader without a walk over all the emptied index each
 * time).  pc->lock held.
 */
static void reclaim_file(struct vnode *v, struct reclaim_ctx *c)
{
	uint64_t from = v->pages.reclaim_at;

	walk_range(v, from, UINT64_MAX, reclaim_leaf, c);
	if (c->freed < c->want && from)
		walk_range(v, 0, from, reclaim_leaf, c);
}

uint64_t pcache_reclaim(uint64_t want)
{
	struct reclaim_ctx c = { want, 0 };
	struct pcache *pc;
	size_t n = 0;

	if (!mutex_trylock(&pcache_lru_lock))
		return 0;
	list_for_each_entry (pc, &lru_files, lru)
		n++;
	/* Each file once, in turn: the one visited goes to the back. */
	while (n-- && c.freed < want) {
		struct vnode *v;

		pc = list_first_entry(&lru_files, struct pcache, lru);
		v = container_of(pc, struct vnode, pages);
		list_del(&pc->lru);
		list_add_tail(&pc->lru, &lru_files);
		if (!mutex_trylock(&pc->lock))
			continue;
		reclaim_file(v, &c);
		if (!pc->nr_pages) {
			list_del(&pc->lru);
			pc->on_lru = false;
		}
		mutex_unlock(&pc->lock);
	}
	mutex_unlock(&pcache_lru_lock);
	return c.freed;
}

/* Drop up to want of v's clean unmapped pages.  pc->lock held. */
static uint64_t drop_all_unused(struct vnode *v, uint64_t want)
{
	struct reclaim_ctx c = { want, 0 };

	reclaim_file(v, &c);
	return c.freed;
}

void pcache_drop_clean(struct vnode *v)
{
	mutex_lock(&v->pages.lock);
	drop_all_unused(v, UINT64_MAX);
	mutex_unlock(&v->pages.lock);
}

void pcache_stats(uint64_t *cached, uint64_t *dirty)
{
	*cached = __atomic_load_n(&store_pages, __ATOMIC_RELAXED);
	*dirty = __atomic_load_n(&store_dirty, __ATOMIC_RELAXED);
}

/* ---- pages ---------------------------------------------------------- */

/* The superblock's largest file size (default: 16 GiB, as ramfs had). */
static uint64_t max_size(struct vnode *v)
{
	return v->sb && v->sb->max_file_size ? v->sb->max_file_size
					     : 16ULL << 30;
}

static int charge(struct vnode *v, long n)
{
	if (v->sb && v->sb->ops && v->sb->ops->charge)
		return v->sb->ops->charge(v->sb, n);
	return 0;
}

/* Drop the page at *leaf from the file.  pc->lock held. */
static int drop_leaf(struct vnode *v, uint64_t idx, uintptr_t *leaf, void *ctx)
{
	(void)idx;
	(void)ctx;
	clear_dirty(v, leaf);
	pmm_page_put(PC_PA(*leaf));
	*leaf = 0;
	v->pages.nr_pages--;
	if (has_store(v))
		__atomic_sub_fetch(&store_pages, 1, __ATOMIC_RELAXED);
	else
		v->blocks -= PAGE_SIZE / 512;
	charge(v, -1);
	return 0;
}

/*
 * Put new page p (its reference the cache's now) at *leaf: counted in
 * the file (st_blocks for a memory-only file, the store's pages
 * otherwise) and, with a store to read from, on the reclaim list.
 * pc->lock held.
 */
static void add_page(struct vnode *v, uintptr_t *leaf, paddr_t p)
{
	struct pcache *pc = &v->pages;

	*leaf = p;
	pc->nr_pages++;
	if (has_store(v))
		__atomic_add_fetch(&store_pages, 1, __ATOMIC_RELAXED);
	else
		v->blocks += PAGE_SIZE / 512;
	if (v->ops->readpage && !pc->on_lru) {
		mutex_lock(&pcache_lru_lock);
		list_add_tail(&pc->lru, &lru_files);
		pc->on_lru = true;
		mutex_unlock(&pcache_lru_lock);
	}
}

/*
 * The page idx of v: the one cached, or a new one (zeroed, then filled
 * by readpage) when create or the file system has a store to read.
 * *pa = 0 for a hole left alone.  pc->lock held.
 */
static int page_get(struct vnode *v, uint64_t idx, bool create, paddr_t *pa,
		    uintptr_t **leafp)
{
	struct pcache *pc = &v->pages;
	uintptr_t *leaf;
	paddr_t p;
	int err;

	create = create || v->ops->readpage;
	leaf = slot_of(pc, idx, create);
	if (!leaf && create)
		return -ENOMEM;
	if (leaf && *leaf) {
		*pa = PC_PA(*leaf);
		*leafp = leaf;
		return 0;
	}
	*pa = 0;
	*leafp = leaf;
	if (!create)
		return 0;
	err = charge(v, 1);
	if (err)
		return err;
	p = pmm_alloc_flags(0, PMM_USER | PMM_ZERO);
	if (p == PMM_NOPAGE) {
		charge(v, -1);
		return -ENOMEM;
	}
	if (v->ops->readpage) {
		err = v->ops->readpage(v, idx, page_va(p));
		if (err) {
			pmm_page_put(p);
			charge(v, -1);
			return err;
		}
	}
	add_page(v, leaf, p);
	*pa = p;
	return 0;
}

/*
 * Readahead: fill the pages missing from idx on (up to want of them, no
 * further than the end of the file and the next cached page) with one
 * readpages call, so their I/O is in flight together.  Errors are left
 * for page_get to meet again one page at a time.  pc->lock held.
 */
static void read_ahead(struct vnode *v, uint64_t idx, uint64_t want)
{
	struct pcache *pc = &v->pages;
	uint64_t end = (v->size + PAGE_SIZE - 1) / PAGE_SIZE;
	paddr_t pa[PC_RUN];
	void *page[PC_RUN];
	unsigned int n = 0;

	want = MIN(want, (uint64_t)PC_RUN);
	while (n < want && idx + n < end) {
		uintptr_t *leaf = slot_of(pc, idx + n, false);

		if (leaf && *leaf)
			break;
		pa[n] = pmm_alloc_flags(0, PMM_USER | PMM_ZERO);
		if (pa[n] == PMM_NOPAGE)
			break;
		page[n] = page_va(pa[n]);
		n++;
	}
	if (n > 1 && v->ops->readpages(v, idx, page, n) == 0) {
		for (unsigned int i = 0; i < n; i++) {
			uintptr_t *leaf = slot_of(pc, idx + i, true);

			if (!leaf) /* no memory for the index: drop the rest */
				break;
			add_page(v, leaf, pa[i]);
			pa[i] = 0;
		}
	}
	for (unsigned int i = 0; i < n; i++)
		if (pa[i])
			pmm_page_put(pa[i]);
}

/*
 * Zero the bytes past size in its last page (a mapping may have stored
 * there) before the size grows over them.  pc->lock held.
 */
static void zero_tail(struct vnode *v, uint64_t size)
{
	size_t in = (size_t)(size % PAGE_SIZE);
	uintptr_t *leaf;

	if (!in)
		return;
	leaf = slot_of(&v->pages, size / PAGE_SIZE, false);
	if (leaf && *leaf)
		kos_memset(page_va(PC_PA(*leaf)) + in, 0, PAGE_SIZE - in);
}

/* A data change: ctime, and mtime if modify. */
static void touch(struct vnode *v, bool modify)
{
	struct vfs_time now = vfs_now();

	mutex_lock(&v->lock);
	v->ctime = now;
	if (modify)
		v->mtime = now;
	vfs_dirty_inode(v);
	mutex_unlock(&v->lock);
}

ssize_t pcache_read(struct vnode *v, struct uio *u, uint64_t off)
{
	struct pcache *pc = &v->pages;
	char *bounce = NULL;
	ssize_t done = 0;

	if (u->user) {
		bounce = kmalloc(PAGE_SIZE);
		if (!bounce)
			return -ENOMEM;
	}
	while (u->resid > 0) {
		size_t in = (size_t)(off % PAGE_SIZE), chunk, before;
		const char *src;
		uintptr_t *leaf;
		paddr_t pa;
		int err;

		make_room(v);
		mutex_lock(&pc->lock);
		if (off >= v->size) {
			mutex_unlock(&pc->lock);
			break;
		}
		chunk = MIN(u->resid, PAGE_SIZE - in);
		chunk = MIN(chunk, (size_t)(v->size - off));
		if (v->ops->readpages) {
			uint64_t idx = off / PAGE_SIZE;
			uint64_t want =
				(in + u->resid + PAGE_SIZE - 1) / PAGE_SIZE;
			uintptr_t *l = slot_of(pc, idx, false);

			/* A sequential reader gets a full window. */
			if (idx == pc->ra_next)
				want = PC_RUN;
			if (!l || !*l)
				read_ahead(v, idx, want);
			pc->ra_next = idx + 1;
		}
		err = page_get(v, off / PAGE_SIZE, false, &pa, &leaf);
		if (err) {
			mutex_unlock(&pc->lock);
			if (!done)
				done = err;
			break;
		}
		src = pa ? page_va(pa) + in : NULL;
		before = u->resid;
		if (bounce) {
			if (src)
				kos_memcpy(bounce, src, chunk);
			else
				kos_memset(bounce, 0, chunk);
			mutex_unlock(&pc->lock);
			err = uio_copyout(u, bounce, chunk);
		} else {
			err = src ? uio_copyout(u, src, chunk)
				  : uio_zero(u, chunk);
			mutex_unlock(&pc->lock);
		}
		/* A fault part-way still counts the bytes before it. */
		done += (ssize_t)(before - u->resid);
		off += before - u->resid;
		if (err) {
			if (!done)
				done = err;
			break;
		}
	}
	kfree(bounce);
	return done;
}

ssize_t pcache_write(struct vnode *v, struct uio *u, uint64_t off)
{
	struct pcache *pc = &v->pages;
	uint64_t limit = max_size(v);
	char *bounce = NULL;
	ssize_t done = 0;
	int err = 0;

	if (u->user) {
		bounce = kmalloc(PAGE_SIZE);
		if (!bounce)
			return -ENOMEM;
	}
	if (off == UINT64_MAX) { /* O_APPEND */
		mutex_lock(&pc->lock);
		off = v->size;
		mutex_unlock(&pc->lock);
	}
	while (u->resid > 0) {
		size_t in = (size_t)(off % PAGE_SIZE);
		size_t chunk = MIN(u->resid, PAGE_SIZE - in);
		uintptr_t *leaf;
		int cerr = 0;
		paddr_t pa;

		if (off >= limit) {
			err = -EFBIG;
			break;
		}
		chunk = (size_t)MIN((uint64_t)chunk, limit - off);
		if (bounce) {
			size_t before = u->resid;

			/* A fault part-way: write what came in, then stop. */
			cerr = uio_copyin(u, bounce, chunk);
			chunk = before - u->resid;
			if (!chunk) {
				err = cerr;
				break;
			}
		}
		make_room(v);
		mutex_lock(&pc->lock);
		err = page_get(v, off / PAGE_SIZE, true, &pa, &leaf);
		if (!err) {
			if (off + chunk > v->size)
				zero_tail(v, v->size);
			if (bounce)
				kos_memcpy(page_va(pa) + in, bounce, chunk);
			else
				err = uio_copyin(u, page_va(pa) + in, chunk);
		}
		if (!err) {
			*leaf &= ~PC_MARKS;
			mark_dirty(v, leaf);
			if (off + chunk > v->size)
				v->size = off + chunk;
		}
		mutex_unlock(&pc->lock);
		if (err == -ENOMEM)
			err = -ENOSPC;
		if (err)
			break;
		done += (ssize_t)chunk;
		off += chunk;
		if (cerr) {
			err = cerr;
			break;
		}
	}
	if (done > 0) {
		touch(v, true);
		balance_dirty(v);
	}
	kfree(bounce);
	return done ? done : err;
}

int pcache_truncate(struct vnode *v, uint64_t size)
{
	struct pcache *pc = &v->pages;

	if (!S_ISREG(v->mode))
		return -EINVAL;
	if (size > max_size(v))
		return -EFBIG;
	mutex_lock(&pc->lock);
	if (size < v->size)
		walk_range(v, (size + PAGE_SIZE - 1) / PAGE_SIZE, UINT64_MAX,
			   drop_leaf, NULL);
	zero_tail(v, MIN(size, v->size));
	v->size = size;
	mutex_unlock(&pc->lock);
	touch(v, true);
	return 0;
}

/* Zero [from, to) of the page at idx if the file has it.  pc->lock. */
static void zero_part(struct vnode *v, uint64_t idx, size_t from, size_t to)
{
	uintptr_t *leaf = slot_of(&v->pages, idx, false);

	if (leaf && *leaf) {
		kos_memset(page_va(PC_PA(*leaf)) + from, 0, to - from);
		*leaf &= ~PC_MARKS;
		mark_dirty(v, leaf);
	}
}

int pcache_fallocate(struct vnode *v, int mode, uint64_t off, uint64_t len)
{
	struct pcache *pc = &v->pages;
	uint64_t end = off + len;
	int err = 0;

	if (end > max_size(v))
		return -EFBIG;
	mutex_lock(&pc->lock);
	if (mode & VFS_FALLOC_PUNCH_HOLE) {
		/* Whole pages go; the (at most two) partial ones are zeroed. */
		uint64_t ends[2] = { off / PAGE_SIZE, (end - 1) / PAGE_SIZE };

		walk_range(v, (off + PAGE_SIZE - 1) / PAGE_SIZE,
			   end / PAGE_SIZE, drop_leaf, NULL);
		for (int i = 0; i < 2 && len; i++) {
			uint64_t ps = ends[i] * PAGE_SIZE, pe = ps + PAGE_SIZE;

			if ((i == 1 && ends[1] == ends[0]) ||
			    (ps >= off && pe <= end))
				continue;
			zero_part(v, ends[i], (size_t)(MAX(off, ps) - ps),
				  (size_t)(MIN(end, pe) - ps));
		}
	} else {
		for (uint64_t idx = off / PAGE_SIZE;
		     !err && idx * PAGE_SIZE < end; idx++) {
			uintptr_t *leaf;
			paddr_t pa;

			err = page_get(v, idx, true, &pa, &leaf);
		}
		if (err == -ENOMEM)
			err = -ENOSPC;
		if (!err && !(mode & VFS_FALLOC_KEEP_SIZE) && end > v->size) {
			zero_tail(v, v->size);
			v->size = end;
		}
	}
	mutex_unlock(&pc->lock);
	touch(v, (mode & VFS_FALLOC_PUNCH_HOLE) != 0);
	return err;
}

int pcache_getpage(struct vnode *v, uint64_t idx, paddr_t *pa)
{
	if (!S_ISREG(v->mode))
		return -ENXIO;
	return pcache_page_ref(v, idx, pa);
}

int pcache_peekpage(struct vnode *v, uint64_t idx, paddr_t *pa)
{
	struct pcache *pc = &v->pages;
	uintptr_t *leaf;
	int err = -ENOENT;

	if (!S_ISREG(v->mode))
		return -ENXIO;
	mutex_lock(&pc->lock);
	if (idx >= (v->size + PAGE_SIZE - 1) / PAGE_SIZE) {
		err = -ENXIO;
	} else {
		/* A leaf is a filled page: page_get adds it once read. */
		leaf = slot_of(pc, idx, false);
		if (leaf && *leaf) {
			*pa = PC_PA(*leaf);
			pmm_page_get(*pa);
			err = 0;
		}
	}
	mutex_unlock(&pc->lock);
	return err;
}

int pcache_page_ref(struct vnode *v, uint64_t idx, paddr_t *pa)
{
	struct pcache *pc = &v->pages;
	uintptr_t *leaf;
	int err;

	make_room(v);
	mutex_lock(&pc->lock);
	if (idx >= (v->size + PAGE_SIZE - 1) / PAGE_SIZE) {
		err = -ENXIO;
	} else {
		err = page_get(v, idx, true, pa, &leaf);
		if (!err)
			pmm_page_get(*pa);
	}
	mutex_unlock(&pc->lock);
	return err;
}

void pcache_poke(struct vnode *v, uint64_t idx, size_t in, const void *src,
		 size_t n)
{
	uintptr_t *leaf;

	mutex_lock(&v->pages.lock);
	leaf = slot_of(&v->pages, idx, false);
	if (leaf && *leaf) {
		kos_memcpy(page_va(PC_PA(*leaf)) + in, src, n);
		*leaf &= ~PC_MARKS;
	}
	mutex_unlock(&v->pages.lock);
}

/*
 * Page idx is dirty (a page truncated away is no longer the file's:
 * nothing to do); its marks go too unless keep_marks.
 */
static void page_dirty(struct vnode *v, uint64_t idx, bool keep_marks)
{
	uintptr_t *leaf;

	mutex_lock(&v->pages.lock);
	leaf = slot_of(&v->pages, idx, false);
	if (leaf && *leaf) {
		if (!keep_marks)
			*leaf &= ~PC_MARKS;
		mark_dirty(v, leaf);
	}
	mutex_unlock(&v->pages.lock);
}

int pcache_page_mkwrite(struct vnode *v, uint64_t idx)
{
	page_dirty(v, idx, false);
	return 0;
}

void pcache_page_dirty(struct vnode *v, uint64_t idx)
{
	page_dirty(v, idx, true);
}

unsigned int pcache_page_marks(struct vnode *v, uint64_t idx)
{
	unsigned int marks = 0;
	uintptr_t *leaf;

	mutex_lock(&v->pages.lock);
	leaf = slot_of(&v->pages, idx, false);
	if (leaf && *leaf)
		marks = (unsigned int)((*leaf & PC_MARKS) >> PC_MARK_SHIFT);
	mutex_unlock(&v->pages.lock);
	return marks;
}

void pcache_page_set_marks(struct vnode *v, uint64_t idx, unsigned int marks)
{
	uintptr_t *leaf;

	mutex_lock(&v->pages.lock);
	leaf = slot_of(&v->pages, idx, false);
	if (leaf && *leaf)
		*leaf |= ((uintptr_t)marks << PC_MARK_SHIFT) & PC_MARKS;
	mutex_unlock(&v->pages.lock);
}

void pcache_release(struct vnode *v)
{
	struct pcache *pc = &v->pages;

	/*
	 * First off the reclaim list, whose lock reclaim takes before
	 * trying ours (it may have unlisted us meanwhile: look again).
	 */
	if (READ_ONCE(pc->on_lru)) {
		mutex_lock(&pcache_lru_lock);
		if (pc->on_lru)
			list_del(&pc->lru);
		pc->on_lru = false;
		mutex_unlock(&pcache_lru_lock);
	}
	if (!pc->root)
		return;
	/* The last reference is gone: nobody else can hold pc->lock. */
	mutex_lock(&pc->lock);
	walk_range(v, 0, UINT64_MAX, drop_leaf, NULL);
	free_nodes(pc->height ? pc->root : 0, pc->height);
	pc->root = 0;
	pc->height = 0;
	mutex_unlock(&pc->lock);
}

void pcache_counts(struct vnode *v, uint64_t *pages, uint64_t *dirty)
{
	mutex_lock(&v->pages.lock);
	*pages = v->pages.nr_pages;
	*dirty = v->pages.nr_dirty;
	mutex_unlock(&v->pages.lock);
}
