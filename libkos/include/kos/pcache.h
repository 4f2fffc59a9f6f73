/*
 * The page cache: a regular file's data in physical pages, keyed by the
 * vnode and the page index, owned by the VFS and shared by every file
 * system (tmpfs keeps its files only here; a disk file system fills
 * pages from its store and writes dirty ones back).
 *
 * Each vnode embeds a struct pcache (a radix tree of 64-way nodes whose
 * leaves hold a page's physical address and its dirty bit).  A file
 * system hooks in through these vnode ops and one super op:
 *   readpage   fill a new page from the store (NULL: a new page is a
 *              hole and reads as zeros); readpages, if there, fills a
 *              run of them for read(2)'s readahead (up to 32 pages
 *              past what a sequential reader asked for);
 *   writepage  write a dirty page back (NULL: pages live only in
 *              memory, as tmpfs's, and stay dirty); writepages, if
 *              there, writes runs of consecutive dirty pages;
 *   charge     (super_ops) account pages in and out (tmpfs's size=).
 * and uses pcache_read/write/truncate/fallocate/getpage as its data ops.
 *
 * Every page the cache holds holds one page reference; mappings take
 * their own (pcache_getpage), so a page truncated away stays alive for
 * them (but is no longer the file's).  A file without readpage lives
 * in its pages only, so they are its st_blocks (and its charge); a file
 * with one keeps st_blocks as its file system says.  Writes, fallocate
 * and the first store through a shared mapping (page_mkwrite: the VM
 * maps such pages read-only until then, PTE_WNOTIFY) mark pages dirty.
 *
 * Files with a store (readpage/writepage) share memory with the rest of
 * the kernel:
 *   - a file with writepage and dirty pages sits on a global list that
 *     sync(2) and the writeback thread ("flush") walk: every 5 s it
 *     writes back files dirty for 30 s or more, and at once when dirty
 *     pages pass 10% of RAM; a writer that finds them past 20% writes
 *     its own file back before it returns (Linux's dirty_writeback,
 *     dirty_expire, dirty_background_ratio and dirty_ratio);
 *   - a file with readpage and pages sits on the reclaim list: when free
 *     memory runs low (pcache_reclaim, called before the cache grows and
 *     by the page allocator when it runs dry) clean pages that only the
 *     cache holds are dropped, a file at a time in turn; they are read
 *     again when next needed.
 *
 * Locking: struct pcache.lock guards the tree, the counters, and the
 * file's size and st_blocks.  Order: vnode locks, then an address
 * space's lock (getpage runs inside page faults), then pcache.lock, then
 * the two global lists' locks.  Reclaim goes the other way (a list, then
 * a file) and so only ever tries a file's lock (mutex_trylock).
 * User memory is never touched with it held (data goes through a
 * bounce page), so a fault during the copy may itself read a cached
 * file.  readpage/writepage are called with it held.
 */
#ifndef KOS_PCACHE_H
#define KOS_PCACHE_H

#include <kos/list.h>
#include <kos/mutex.h>
#include <kos/types.h>

struct vnode;
struct superblock;
struct uio;

struct pcache {
	struct mutex lock;
	uintptr_t root;	       /* height 0: page 0's leaf; else a node */
	unsigned int height;   /* node levels: covers 64^height pages */
	uint64_t nr_pages;     /* pages held */
	uint64_t nr_dirty;     /* of which dirty */
	struct list_head sync; /* on the dirty-files list; pcache_sync_lock */
	uint64_t dirtied;      /* when it went on it (ns); pcache_sync_lock */
	/*
	 * On the reclaim list: changed with both this lock and
	 * pcache_lru_lock held, so either one is enough to read on_lru.
	 */
	struct list_head lru;
	bool on_lru;
	uint64_t ra_next; /* readahead: where a sequential reader goes next */
	uint64_t reclaim_at; /* reclaim goes on from this page */
};

/* Set up / tear down (vnode_alloc and vnode eviction call these). */
void pcache_init(struct pcache *pc);
/* Free every page (the file is going away): nothing is written back. */
void pcache_release(struct vnode *v);

/*
 * The data ops for a file system's vnode_ops (read, write, truncate,
 * fallocate, getpage), with the semantics kos/vfs.h gives them.  The
 * largest file size is the superblock's max_file_size (-EFBIG past it).
 */
ssize_t pcache_read(struct vnode *v, struct uio *u, uint64_t off);
ssize_t pcache_write(struct vnode *v, struct uio *u, uint64_t off);
int pcache_truncate(struct vnode *v, uint64_t size);
int pcache_fallocate(struct vnode *v, int mode, uint64_t off, uint64_t len);
int pcache_getpage(struct vnode *v, uint64_t idx, paddr_t *pa);
int pcache_peekpage(struct vnode *v, uint64_t idx, paddr_t *pa);
/* The same for a vnode of any type (a disk's cache: blk/bcache.c). */
int pcache_page_ref(struct vnode *v, uint64_t idx, paddr_t *pa);
/*
 * If v has page idx cached, copy n bytes of src to offset in of it,
 * leaving its dirty state alone (the bytes are on the store already);
 * its marks (below) are cleared.
 */
void pcache_poke(struct vnode *v, uint64_t idx, size_t in, const void *src,
		 size_t n);
/*
 * vnode_ops.page_mkwrite for files with a store: the page is dirty.  A
 * page written back stays dirty while any mapping has it (stores through
 * a writable one are not seen).
 */
int pcache_page_mkwrite(struct vnode *v, uint64_t idx);

/*
 * A page's marks: eight bits its owner keeps on a cached page (the
 * buffer cache's "checksum verified" blocks, kos/bcache.h).  They are
 * clear when the page comes into the cache from the store, and cleared
 * again whenever its bytes change other than through the owner's own
 * stores: write(2), fallocate, pcache_poke, pcache_page_mkwrite.  A page
 * dropped by reclaim and read again starts clear.  pcache_page_marks
 * gives them (0 if idx is not cached); pcache_page_set_marks adds some.
 */
unsigned int pcache_page_marks(struct vnode *v, uint64_t idx);
void pcache_page_set_marks(struct vnode *v, uint64_t idx, unsigned int marks);
/*
 * The owner changed the bytes of cached page idx itself (the buffer
 * cache's metadata writes): dirty, its marks kept.
 */
void pcache_page_dirty(struct vnode *v, uint64_t idx);

/*
 * Write v's dirty pages back through its writepage op (fsync): 0 or the
 * first error (pages that failed stay dirty).  No writepage: 0.
 */
int pcache_writeback(struct vnode *v);
/* sync(2)/syncfs(2): every file with dirty pages (of sb; NULL: all). */
int pcache_sync(struct superblock *sb);
/*
 * Unmount, after pcache_sync(sb): the pages of sb's files that are
 * still dirty (their writeback failed) stop being dirty, their data
 * lost (as Linux drops them when the inode goes), and the files leave
 * the dirty list and its reference, so no later sync or flush writes
 * through a file system that is gone.
 */
void pcache_forget_dirty(struct superblock *sb);

/*
 * Free about want pages by dropping clean, unmapped pages of files with
 * a store.  Never sleeps on a lock (files busy now are skipped), so any
 * thread context may call it.  Returns the pages freed.
 */
uint64_t pcache_reclaim(uint64_t want);

/* Forget v's clean pages that nobody else holds (BLKFLSBUF). */
void pcache_drop_clean(struct vnode *v);

/* Pages the cache holds for files with a store; of which dirty. */
void pcache_stats(uint64_t *cached, uint64_t *dirty);

/*
 * The references the list of files with dirty pages holds on v (1 while
 * it is listed, else 0): the writeback's, not a user's (inotify's "last
 * user gone" test leaves it out).
 */
unsigned int pcache_sync_pins(struct vnode *v);

/* Counters for tests and /proc: pages held, dirty. */
void pcache_counts(struct vnode *v, uint64_t *pages, uint64_t *dirty);

#endif
