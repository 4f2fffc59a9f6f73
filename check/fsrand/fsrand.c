/*
 * fsrand: a seeded random file-system workload, and a canonical dump of
 * a tree, for comparing a file system under test with the host Linux.
 *
 *   fsrand run [-v] SEED DIR [OPS]   OPS operations (default 1000) in DIR
 *   fsrand dump [-r BYTES] DIR       the tree under DIR, one line an entry
 *   fsrand check [-v] SEED DIR [OPS] run, then dump (one command a test)
 *
 * run: DIR must be empty (it is created if missing).  The workload is a
 * function of SEED and of what the system calls return: an in-memory
 * model of the tree (names, types, hard-link identity) picks each
 * operation's targets and is updated only by calls that succeed, so two
 * kernels that answer every call alike build the same tree.  The
 * operations: create (O_EXCL, O_TRUNC), write at offsets inside, at and
 * past the end (sparse), append, truncate and ftruncate (grow, shrink),
 * fallocate (allocate, keep size, punch hole), writes through a shared
 * mapping (msync, munmap), rename (within and across directories, over
 * files and empty directories, RENAME_NOREPLACE, RENAME_EXCHANGE), link,
 * unlink, mkdir, rmdir, symlink (short, long, dangling), mkfifo, fsync,
 * fdatasync, chmod, lchown, open-unlink-write-close (orphans), reads,
 * lstat and directory counts; about one in ten is meant to fail (EEXIST,
 * ENOTEMPTY, EISDIR, ENOTDIR, EINVAL, EPERM, ENAMETOOLONG, ...).  No
 * operation follows a symbolic link, so nothing outside DIR is touched.
 * Every call's result (and what reads, lstat and directory counts see)
 * goes into a trace hash; run prints one line with the counts and the
 * hash, and with -v one line per operation.
 *
 * dump: the tree sorted by path (bytewise), never in readdir order:
 *
 *   PATH TYPE MODE UID:GID NLINK [size=N fnv=H | entries=N | -> TARGET]
 *        [same=PATH]
 *
 * TYPE is f, d, l, p, s, c or b (c and b add rdev=MAJ:MIN); MODE the
 * octal permission bits (07777); fnv the FNV-1a 64 hash of the file's
 * bytes (holes read as zeros, and skipped by SEEK_DATA/SEEK_HOLE); entries the names in a directory; same=
 * the first path (in the dump's order) of the same inode, so hard links
 * are checked without inode numbers.  The root is ".".  -r reads at
 * most BYTES of each file's data (holes skipped are free) and marks a
 * file cut short with "read-limit": for corrupt images, whose sizes may
 * be anything.  No timestamps,
 * inode numbers, block counts or directory sizes, which differ between
 * file systems that are both right.
 *
 * The PRNG is xoshiro256** seeded through splitmix64 (no libc rand), so
 * a seed means the same workload under every libc.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 1
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 2
#endif

#define MAXENT 8192    /* model entries, live or dead */
#define MAXPATH 3000   /* longest relative path the workload makes */
#define MAXDEPTH 10    /* deepest directory mkdir makes */
#define FAR (4u << 20) /* furthest offset a sparse write reaches */
#define BUFSZ (1u << 17)

/* ---- PRNG: splitmix64 to seed xoshiro256** -------------------------- */

static uint64_t rs[4];

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(void)
{
	uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;

	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl(rs[3], 45);
	return r;
}

/* A number in [0, n); n > 0.  (The bias of % is of no concern here.) */
static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

/* True with probability 1/n. */
static int one_in(uint64_t n)
{
	return below(n) == 0;
}

/* ---- FNV-1a 64 ------------------------------------------------------- */

#define FNV_INIT 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= FNV_PRIME;
	}
	return h;
}

/*
 * The same over a file's data, faster through runs of zeros (holes):
 * eight zero bytes multiply the hash by the prime to the eighth.
 */
static uint64_t fnv_data(uint64_t h, const unsigned char *c, size_t n)
{
	const uint64_t p8 = FNV_PRIME * FNV_PRIME * FNV_PRIME * FNV_PRIME *
			    FNV_PRIME * FNV_PRIME * FNV_PRIME * FNV_PRIME;
	uint64_t w;

	for (; n >= 8; c += 8, n -= 8) {
		memcpy(&w, c, 8);
		if (w)
			h = fnv(h, c, 8);
		else
			h *= p8;
	}
	return fnv(h, c, n);
}

/* ---- the trace --------------------------------------------------------- */

static int verbose;
static uint64_t trace = FNV_INIT;
static long nops, nerr;
static long errcount[160];

static const char *const errnames[] = {
	[EPERM] = "EPERM",
	[ENOENT] = "ENOENT",
	[EIO] = "EIO",
	[EBADF] = "EBADF",
	[EACCES] = "EACCES",
	[EBUSY] = "EBUSY",
	[EEXIST] = "EEXIST",
	[EXDEV] = "EXDEV",
	[ENODEV] = "ENODEV",
	[ENOTDIR] = "ENOTDIR",
	[EISDIR] = "EISDIR",
	[EINVAL] = "EINVAL",
	[EMFILE] = "EMFILE",
	[EFBIG] = "EFBIG",
	[ENOSPC] = "ENOSPC",
	[ESPIPE] = "ESPIPE",
	[EROFS] = "EROFS",
	[EMLINK] = "EMLINK",
	[ENAMETOOLONG] = "ENAMETOOLONG",
	[ENOSYS] = "ENOSYS",
	[ENOTEMPTY] = "ENOTEMPTY",
	[ELOOP] = "ELOOP",
	[ENXIO] = "ENXIO",
	[ENODATA] = "ENODATA",
	[EOPNOTSUPP] = "EOPNOTSUPP",
	[ENOMEM] = "ENOMEM",
	[EFAULT] = "EFAULT",
	[ETXTBSY] = "ETXTBSY",
	[EUCLEAN] = "EUCLEAN",
	[EOVERFLOW] = "EOVERFLOW",
};

static const char *errname(int e)
{
	static char buf[16];

	if (e >= 0 && e < (int)(sizeof(errnames) / sizeof(errnames[0])) &&
	    errnames[e])
		return errnames[e];
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* Fold a value the kernel gave into the trace. */
static void note(uint64_t v)
{
	trace = fnv(trace, &v, sizeof(v));
}

/*
 * One operation's result: r is the call's return value (-1 with errno
 * for a failure).  Goes into the trace and, with -v, to stdout with the
 * description fmt.  Returns r, and keeps errno.
 */
static long result(long r, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	nops++;
	note(r < 0 ? 1000000 + e : (uint64_t)r);
	if (r < 0) {
		nerr++;
		if (e >= 0 && e < 160)
			errcount[e]++;
	}
	if (verbose) {
		printf("%ld ", nops);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		if (r < 0)
			printf(": %s\n", errname(e));
		else
			printf(": %ld\n", r);
	}
	errno = e;
	return r;
}

/* ---- the model --------------------------------------------------------- */

/*
 * A directory entry as the workload believes it is.  Entry 0 is DIR.
 * Hard links to one file share obj; a directory is its one entry.
 */
struct ent {
	int parent; /* index of the directory holding it */
	int obj;    /* identity of the inode */
	char type;  /* 'f' file, 'd' directory, 'l' symlink, 'p' fifo */
	char live;
	char name[256];
};

static struct ent ents[MAXENT];
static int nents;
static int live[MAXENT]; /* indexes of live entries, for picking */
static int nlive;
static int nobj;
static int rootfd;

static int new_ent(int parent, const char *name, char type, int obj)
{
	struct ent *e;

	if (nents == MAXENT)
		return -1;
	e = &ents[nents];
	e->parent = parent;
	e->obj = obj < 0 ? nobj++ : obj;
	e->type = type;
	e->live = 1;
	snprintf(e->name, sizeof(e->name), "%s", name);
	live[nlive++] = nents;
	return nents++;
}

static void kill_ent(int i)
{
	int k;

	ents[i].live = 0;
	for (k = 0; k < nlive; k++) {
		if (live[k] == i) {
			live[k] = live[--nlive];
			return;
		}
	}
}

/* The live entry called name in directory dir, or -1. */
static int lookup(int dir, const char *name)
{
	int k;

	for (k = 0; k < nlive; k++) {
		struct ent *e = &ents[live[k]];

		if (live[k] != 0 && e->parent == dir && !strcmp(e->name, name))
			return live[k];
	}
	return -1;
}

static int nchildren(int dir)
{
	int k, n = 0;

	for (k = 0; k < nlive; k++)
		n += live[k] != 0 && ents[live[k]].parent == dir;
	return n;
}

/* i's path relative to DIR ("." for DIR), in buf; its length. */
static size_t path_of(int i, char *buf, size_t size)
{
	size_t n;

	if (i == 0)
		return snprintf(buf, size, ".");
	if (ents[i].parent == 0)
		return snprintf(buf, size, "%s", ents[i].name);
	n = path_of(ents[i].parent, buf, size);
	if (n < size)
		n += snprintf(buf + n, size - n, "/%s", ents[i].name);
	return n;
}

static int depth_of(int i)
{
	int d = 0;

	for (; i; i = ents[i].parent)
		d++;
	return d;
}

/* A random live entry (of type t, if t; -1 if there is none of it). */
static int pick(char t)
{
	int k, n = 0, want;

	if (!t)
		return live[below(nlive)];
	for (k = 0; k < nlive; k++)
		n += ents[live[k]].type == t;
	if (!n)
		return -1;
	want = below(n);
	for (k = 0; k < nlive; k++)
		if (ents[live[k]].type == t && want-- == 0)
			return live[k];
	return -1;
}

/* A random entry other than DIR (-1 if the tree is empty). */
static int pick_nonroot(char t)
{
	int i, tries;

	for (tries = 0; tries < 8; tries++) {
		i = pick(t);
		if (i > 0)
			return i;
	}
	return -1;
}

/*
 * A name for something new: mostly from a small pool, so that names
 * collide (O_EXCL, rename over, EEXIST); sometimes 255 bytes long, and
 * rarely 256 (ENAMETOOLONG).
 */
static void new_name(char *buf)
{
	int n, k;

	if (one_in(40)) {
		n = one_in(4) ? 256 : 200 + below(56);
		for (k = 0; k < n; k++)
			buf[k] = 'a' + below(26);
		buf[n] = 0;
		return;
	}
	snprintf(buf, 256, "%c%u", "fdsxyz"[below(6)], (unsigned)below(24));
}

/* ---- data ---------------------------------------------------------- */

static unsigned char *buf;

/* n bytes of data for a write: random, a repeated byte, or text. */
static void fill(size_t n)
{
	size_t k;
	uint64_t x;

	switch (below(4)) {
	case 0:
		memset(buf, (int)below(256), n);
		break;
	case 1:
		for (k = 0; k < n; k++)
			buf[k] = "fsrand writes text\n"[k % 19];
		break;
	default:
		for (k = 0; k < n; k += 8) {
			x = rnd();
			memcpy(buf + k, &x, n - k < 8 ? n - k : 8);
		}
	}
}

/* A write length: 1 byte to 128 KiB, short ones more often. */
static size_t wlen(void)
{
	size_t n = 1 + below((size_t)1 << below(18));

	return n > BUFSZ ? BUFSZ : n;
}

/* An offset in a file of the given size: inside, at the end, past it. */
static off_t woff(off_t size)
{
	switch (below(6)) {
	case 0:
		return 0;
	case 1:
	case 2:
		return size ? (off_t)below(size) : 0;
	case 3:
		return size;
	case 4:
		return size + below(65536);
	default:
		return below(FAR);
	}
}

static off_t fsize(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_size;
}

/* ---- operations ------------------------------------------------------- */

static char p1[MAXPATH + 512], p2[MAXPATH + 1024];

/* An open of i's path that follows no symlink and never blocks. */
static int open_ent(int i, int flags)
{
	path_of(i, p1, sizeof(p1));
	return openat(rootfd, p1, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

/* A place for a new name: a directory not too deep, and a name. */
static int new_place(char *name, int dir_depth_limit)
{
	int d = pick('d');

	if (d < 0 || depth_of(d) >= dir_depth_limit)
		d = 0;
	new_name(name);
	return d;
}

/* Would a new entry under d called name make a path too long? */
static int too_long(int d, const char *name)
{
	return path_of(d, p1, sizeof(p1)) + strlen(name) + 1 > MAXPATH;
}

static void op_create(void)
{
	char name[260];
	int d = new_place(name, MAXDEPTH), fd, flags, mode;
	size_t n;

	if (too_long(d, name))
		return;
	flags = O_CREAT | O_WRONLY;
	if (one_in(4))
		flags |= O_EXCL;
	if (one_in(4))
		flags |= O_TRUNC;
	mode = one_in(8) ? (int)below(01000) : 0644;
	path_of(d, p1, sizeof(p1));
	snprintf(p2, sizeof(p2), "%s/%s", p1, name);
	fd = result(openat(rootfd, p2,
			   flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode),
		    "create %s flags %#o mode %#o", p2, flags, mode);
	if (fd < 0)
		return;
	if (lookup(d, name) < 0)
		new_ent(d, name, 'f', -1);
	if (one_in(2)) {
		n = wlen();
		fill(n);
		result(write(fd, buf, n), "write %s %zu", p2, n);
	}
	close(fd);
}

static void op_write(int append)
{
	int i = pick('f'), fd;
	size_t n;
	off_t off;

	if (i < 0)
		return;
	fd = open_ent(i, O_WRONLY | (append ? O_APPEND : 0));
	if (result(fd, "open %s for %s", p1, append ? "append" : "pwrite") < 0)
		return;
	n = wlen();
	fill(n);
	if (append) {
		result(write(fd, buf, n), "append %s %zu", p1, n);
	} else {
		off = woff(fsize(fd));
		result(pwrite(fd, buf, n, off), "pwrite %s %zu at %lld", p1, n,
		       (long long)off);
	}
	if (one_in(8))
		result(one_in(2) ? fsync(fd) : fdatasync(fd), "fsync %s", p1);
	close(fd);
}

static void op_truncate(void)
{
	int i = pick('f'), fd;
	off_t size, len;

	if (i < 0)
		return;
	fd = open_ent(i, O_RDWR);
	if (result(fd, "open %s", p1) < 0)
		return;
	size = fsize(fd);
	switch (below(4)) {
	case 0:
		len = 0;
		break;
	case 1:
		len = size / 2;
		break;
	case 2:
		len = size + below(1 << 20);
		break;
	default:
		len = below(FAR);
	}
	if (one_in(2))
		result(ftruncate(fd, len), "ftruncate %s %lld", p1,
		       (long long)len);
	else
		result(truncate(p1, len), "truncate %s %lld", p1,
		       (long long)len);
	close(fd);
}

static void op_fallocate(void)
{
	static const int modes[] = { 0, FALLOC_FL_KEEP_SIZE,
				     FALLOC_FL_PUNCH_HOLE |
					     FALLOC_FL_KEEP_SIZE };
	int i = pick('f'), fd, mode;
	off_t off, len;

	if (i < 0)
		return;
	fd = open_ent(i, O_RDWR);
	if (result(fd, "open %s", p1) < 0)
		return;
	mode = modes[below(3)];
	off = woff(fsize(fd));
	len = 1 + below((off_t)1 << below(20));
	result(fallocate(fd, mode, off, len), "fallocate %s mode %d %lld+%lld",
	       p1, mode, (long long)off, (long long)len);
	close(fd);
}

/* Writes through a shared mapping of the whole file, then msync. */
static void op_mmap(void)
{
	int i = pick('f'), fd, k, n;
	off_t size;
	unsigned char *m;

	if (i < 0)
		return;
	fd = open_ent(i, O_RDWR);
	if (result(fd, "open %s", p1) < 0)
		return;
	size = fsize(fd);
	if (size == 0 || size > FAR) {
		close(fd);
		return;
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (result(m == MAP_FAILED ? -1 : 0, "mmap %s %lld", p1,
		   (long long)size) < 0) {
		close(fd);
		return;
	}
	n = 1 + below(16);
	for (k = 0; k < n; k++) {
		off_t at = below(size);
		size_t len = 1 + below(8192);

		if ((off_t)len > size - at)
			len = size - at;
		fill(len);
		memcpy(m + at, buf, len);
	}
	if (!one_in(3))
		result(msync(m, size, MS_SYNC), "msync %s", p1);
	munmap(m, size);
	close(fd);
}

static void op_read(void)
{
	int i = pick('f'), fd;
	off_t off;
	ssize_t r;

	if (i < 0)
		return;
	fd = open_ent(i, O_RDONLY);
	if (result(fd, "open %s", p1) < 0)
		return;
	off = woff(fsize(fd));
	r = result(pread(fd, buf, BUFSZ, off), "pread %s at %lld", p1,
		   (long long)off);
	if (r > 0)
		trace = fnv(trace, buf, r);
	close(fd);
}

/*
 * rename: any entry to a new name or over another entry; sometimes with
 * RENAME_NOREPLACE or RENAME_EXCHANGE.  On success the model follows
 * Linux: the same inode under both names changes nothing; else the
 * target goes, the source takes its place (exchange: they swap).
 */
static void op_rename(void)
{
	char name[260];
	int s = pick_nonroot(0), d, t, flags = 0;
	long r;

	if (s < 0)
		return;
	if (one_in(3)) {
		t = pick_nonroot(0);
		if (t < 0)
			return;
		d = ents[t].parent;
		snprintf(name, sizeof(name), "%s", ents[t].name);
	} else {
		d = new_place(name, MAXDEPTH);
		t = lookup(d, name);
	}
	if (too_long(d, name) ||
	    (ents[s].type == 'd' && depth_of(d) + 1 >= MAXDEPTH + 2))
		return;
	if (one_in(8))
		flags = RENAME_NOREPLACE;
	else if (one_in(6))
		flags = RENAME_EXCHANGE;
	path_of(s, p1, sizeof(p1));
	{
		char dp[MAXPATH + 512];

		path_of(d, dp, sizeof(dp));
		snprintf(p2, sizeof(p2), "%s/%s", dp, name);
	}
	if (flags)
		r = syscall(SYS_renameat2, rootfd, p1, rootfd, p2, flags);
	else
		r = renameat(rootfd, p1, rootfd, p2);
	if (result(r, "rename %s %s flags %d", p1, p2, flags) < 0)
		return;
	if (t == s || (t >= 0 && ents[t].obj == ents[s].obj))
		return;
	if (flags == RENAME_EXCHANGE) {
		int sp = ents[s].parent;
		char sn[256];

		memcpy(sn, ents[s].name, sizeof(sn));
		ents[s].parent = ents[t].parent;
		memcpy(ents[s].name, ents[t].name, sizeof(sn));
		ents[t].parent = sp;
		memcpy(ents[t].name, sn, sizeof(sn));
		return;
	}
	if (t >= 0)
		kill_ent(t);
	ents[s].parent = d;
	snprintf(ents[s].name, sizeof(ents[s].name), "%s", name);
}

static void op_link(void)
{
	char name[260];
	int s = pick_nonroot(one_in(6) ? 0 : 'f'), d;

	if (s < 0)
		return;
	d = new_place(name, MAXDEPTH);
	if (too_long(d, name))
		return;
	path_of(d, p2, sizeof(p2));
	snprintf(p2 + strlen(p2), sizeof(p2) - strlen(p2), "/%s", name);
	path_of(s, p1, sizeof(p1));
	if (result(linkat(rootfd, p1, rootfd, p2, 0), "link %s %s", p1, p2) < 0)
		return;
	new_ent(d, name, ents[s].type, ents[s].obj);
}

static void op_unlink(void)
{
	int i = pick_nonroot(one_in(10) ? 'd' : 0);

	if (i < 0)
		return;
	path_of(i, p1, sizeof(p1));
	if (result(unlinkat(rootfd, p1, 0), "unlink %s", p1) == 0)
		kill_ent(i);
}

static void op_mkdir(void)
{
	char name[260];
	int d = new_place(name, MAXDEPTH), mode;

	if (too_long(d, name))
		return;
	mode = one_in(6) ? (int)below(01000) | 0700 : 0755;
	path_of(d, p1, sizeof(p1));
	snprintf(p2, sizeof(p2), "%s/%s", p1, name);
	if (result(mkdirat(rootfd, p2, mode), "mkdir %s %#o", p2, mode) == 0)
		new_ent(d, name, 'd', -1);
}

static void op_rmdir(void)
{
	int i = pick_nonroot(one_in(8) ? 0 : 'd');

	if (i < 0)
		return;
	path_of(i, p1, sizeof(p1));
	if (result(unlinkat(rootfd, p1, AT_REMOVEDIR), "rmdir %s", p1) == 0)
		kill_ent(i);
}

/*
 * symlink: to another entry by a relative path (up to DIR, down to it),
 * or to random text: short (in the inode on ext4), long (a block) or
 * dangling.
 */
static void op_symlink(void)
{
	char name[260], target[600];
	int d = new_place(name, MAXDEPTH), t, k, n;

	if (too_long(d, name))
		return;
	switch (below(3)) {
	case 0:
		t = pick_nonroot(0);
		if (t < 0)
			return;
		n = 0;
		for (k = depth_of(d); k > 0 && n < 300; k--)
			n += snprintf(target + n, sizeof(target) - n, "../");
		path_of(t, p1, sizeof(p1));
		if (n + strlen(p1) >= sizeof(target))
			return;
		snprintf(target + n, sizeof(target) - n, "%s", p1);
		break;
	case 1:
		n = 1 + below(one_in(3) ? 500 : 59);
		for (k = 0; k < n; k++)
			target[k] = "abcdefgh/._-xyz"[below(15)];
		target[n] = 0;
		break;
	default:
		snprintf(target, sizeof(target), "no/such/%u",
			 (unsigned)below(1000));
	}
	path_of(d, p1, sizeof(p1));
	snprintf(p2, sizeof(p2), "%s/%s", p1, name);
	if (result(symlinkat(target, rootfd, p2), "symlink %s -> %s", p2,
		   target) == 0)
		new_ent(d, name, 'l', -1);
}

static void op_mkfifo(void)
{
	char name[260];
	int d = new_place(name, MAXDEPTH);

	if (too_long(d, name))
		return;
	path_of(d, p1, sizeof(p1));
	snprintf(p2, sizeof(p2), "%s/%s", p1, name);
	if (result(mkfifoat(rootfd, p2, 0640), "mkfifo %s", p2) == 0)
		new_ent(d, name, 'p', -1);
}

static void op_fsync(void)
{
	int i = pick(0), fd, data = one_in(2);

	fd = open_ent(i, O_RDONLY);
	if (result(fd, "open %s", p1) < 0)
		return;
	result(data ? fdatasync(fd) : fsync(fd), "%s %s",
	       data ? "fdatasync" : "fsync", p1);
	close(fd);
}

static void op_chmod(void)
{
	int i = pick(0), mode;

	if (ents[i].type == 'l')
		return;
	mode = below(01000);
	if (ents[i].type == 'd')
		mode |= 0700 | (one_in(4) ? S_ISVTX : 0);
	else if (one_in(8))
		mode |= below(8) << 9;
	path_of(i, p1, sizeof(p1));
	result(fchmodat(rootfd, p1, mode, 0), "chmod %s %#o", p1, mode);
}

static void op_chown(void)
{
	static const unsigned ids[] = { 0, 1, 1000, 65534 };
	int i = pick(0);
	unsigned u = ids[below(4)], g = ids[below(4)];

	path_of(i, p1, sizeof(p1));
	result(fchownat(rootfd, p1, u, g, AT_SYMLINK_NOFOLLOW),
	       "lchown %s %u:%u", p1, u, g);
}

/*
 * An open file loses its name (or one of them) and is written and
 * checked after: with its last name gone it lives on as an orphan.
 */
static void op_orphan(void)
{
	int i = pick_nonroot('f'), fd;
	struct stat st;
	size_t n;

	if (i < 0)
		return;
	fd = open_ent(i, O_RDWR);
	if (result(fd, "open %s", p1) < 0)
		return;
	if (result(unlinkat(rootfd, p1, 0), "unlink open %s", p1) == 0)
		kill_ent(i);
	n = wlen();
	fill(n);
	result(pwrite(fd, buf, n, woff(fsize(fd))), "pwrite unlinked %zu", n);
	if (result(fstat(fd, &st), "fstat unlinked") == 0) {
		note(st.st_nlink);
		note(st.st_size);
	}
	close(fd);
}

static void op_stat(void)
{
	int i = pick(0);
	struct stat st;

	path_of(i, p1, sizeof(p1));
	if (result(fstatat(rootfd, p1, &st, AT_SYMLINK_NOFOLLOW), "lstat %s",
		   p1) < 0)
		return;
	note(st.st_mode);
	note(st.st_nlink);
	note(st.st_uid);
	note(st.st_gid);
	if (!S_ISDIR(st.st_mode))
		note(st.st_size);
}

/* Names in a directory, counted (the order readdir gives is no matter). */
static void op_readdir(void)
{
	int i = pick('d'), fd, n = 0;
	DIR *dir;
	struct dirent *de;

	if (i < 0)
		return;
	fd = open_ent(i, O_RDONLY | O_DIRECTORY);
	if (result(fd, "open %s", p1) < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir)))
		n++;
	closedir(dir);
	result(n, "readdir %s (model %d)", p1, nchildren(i) + 2);
}

static void run(uint64_t seed, const char *dirname, long ops)
{
	uint64_t x = seed;
	long k;
	int e;

	for (k = 0; k < 4; k++)
		rs[k] = splitmix(&x);
	mkdir(dirname, 0755);
	rootfd = open(dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		perror(dirname);
		exit(2);
	}
	{
		DIR *d = fdopendir(dup(rootfd));
		struct dirent *de;
		int n = 0;

		while (d && (de = readdir(d)))
			n += strcmp(de->d_name, ".") &&
			     strcmp(de->d_name, "..");
		if (!d || n) {
			fprintf(stderr, "fsrand: %s is not empty\n", dirname);
			exit(2);
		}
		closedir(d);
	}
	umask(0);
	if (fchdir(rootfd)) {
		perror(dirname);
		exit(2);
	}
	fchmod(rootfd, 0755);
	fchown(rootfd, 0, 0);
	new_ent(0, ".", 'd', -1);
	ents[0].parent = 0;
	for (k = 0; k < ops; k++) {
		switch (below(24)) {
		case 0:
		case 1:
		case 2:
			op_create();
			break;
		case 3:
		case 4:
		case 5:
			op_write(0);
			break;
		case 6:
			op_write(1);
			break;
		case 7:
			op_truncate();
			break;
		case 8:
			op_fallocate();
			break;
		case 9:
			op_mmap();
			break;
		case 10:
		case 11:
			op_rename();
			break;
		case 12:
			op_link();
			break;
		case 13:
			op_unlink();
			break;
		case 14:
		case 15:
			op_mkdir();
			break;
		case 16:
			op_rmdir();
			break;
		case 17:
			op_symlink();
			break;
		case 18:
			if (one_in(3))
				op_mkfifo();
			else
				op_orphan();
			break;
		case 19:
			op_fsync();
			break;
		case 20:
			op_chmod();
			break;
		case 21:
			op_chown();
			break;
		case 22:
			op_read();
			break;
		default:
			if (one_in(2))
				op_stat();
			else
				op_readdir();
		}
	}
	printf("fsrand run: seed %llu, %ld operations, %ld calls, %ld failed",
	       (unsigned long long)seed, ops, nops, nerr);
	for (e = 0; e < 160; e++)
		if (errcount[e])
			printf(", %s %ld", errname(e), errcount[e]);
	printf("; %d entries; trace %016llx\n", nlive,
	       (unsigned long long)trace);
	close(rootfd);
}

/* ---- dump ---------------------------------------------------------- */

struct rec {
	char *path;
	struct stat st;
	long entries;  /* directories: names in it */
	uint64_t hash; /* regular files: FNV-1a of the bytes */
	char *target;  /* symlinks */
	int same;      /* index of the first path of the same inode, or -1 */
	int cut;       /* read only up to the read limit (dump -r) */
	int err;       /* errno of a failed read */
};

static struct rec *recs;
static size_t nrecs, caprecs;
static uint64_t read_limit = UINT64_MAX; /* dump -r: data read a file */

static struct rec *add_rec(const char *path)
{
	struct rec *r;

	if (nrecs == caprecs) {
		caprecs = caprecs ? 2 * caprecs : 1024;
		recs = realloc(recs, caprecs * sizeof(*recs));
		if (!recs) {
			perror("fsrand");
			exit(2);
		}
	}
	r = &recs[nrecs++];
	memset(r, 0, sizeof(*r));
	r->path = strdup(path);
	r->same = -1;
	return r;
}

/* The FNV-1a hash after n more zero bytes: times the prime to the n. */
static uint64_t fnv_zeros(uint64_t h, uint64_t n)
{
	uint64_t p = FNV_PRIME;

	for (; n; n >>= 1, p *= p)
		if (n & 1)
			h *= p;
	return h;
}

/*
 * The hash of a file's bytes, its holes skipped with SEEK_DATA and
 * SEEK_HOLE (a hole hashes as the zeros it reads as), so a huge sparse
 * file, or a corrupt size, costs only its data.  The hash is the same
 * whatever holes the file system reports, as long as they read as
 * zeros; where SEEK_DATA is not supported the whole file is read.
 */
static void hash_file(int dirfd, const char *name, struct rec *r)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	off_t off = 0, size = r->st.st_size, data, hole;
	uint64_t got = 0;
	ssize_t n = 0;

	r->hash = FNV_INIT;
	if (fd < 0) {
		r->err = errno;
		return;
	}
	while (off < size) {
		data = lseek(fd, off, SEEK_DATA);
		if (data < 0)
			data = errno == ENXIO ? size : off;
		if (data > size)
			data = size;
		r->hash = fnv_zeros(r->hash, data - off);
		off = data;
		if (off >= size)
			break;
		hole = lseek(fd, off, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		if (hole <= off)
			hole = off + 1;
		while (off < hole) {
			size_t want = hole - off < BUFSZ ? hole - off : BUFSZ;

			if (got >= read_limit) {
				r->cut = 1;
				goto out;
			}
			n = pread(fd, buf, want, off);
			got += n > 0 ? n : 0;
			if (n <= 0)
				break;
			r->hash = fnv_data(r->hash, buf, n);
			off += n;
		}
		if (n <= 0)
			break;
	}
	if (n < 0)
		r->err = errno;
out:
	close(fd);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Record dirfd's entries (path is its path, "." for the top). */
static void walk(int dirfd, const char *path, struct rec *self)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *de;
	char **names = NULL, sub[8192];
	size_t n = 0, cap = 0, k;

	if (!d) {
		self->err = errno;
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names) {
				perror("fsrand");
				exit(2);
			}
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	self->entries = n;
	qsort(names, n, sizeof(*names), cmp_name);
	for (k = 0; k < n; k++) {
		struct rec *r;
		size_t at;

		if (!strcmp(path, "."))
			snprintf(sub, sizeof(sub), "%s", names[k]);
		else
			snprintf(sub, sizeof(sub), "%s/%s", path, names[k]);
		r = add_rec(sub);
		at = r - recs;
		if (fstatat(dirfd, names[k], &r->st, AT_SYMLINK_NOFOLLOW)) {
			r->err = errno;
		} else if (S_ISREG(r->st.st_mode)) {
			hash_file(dirfd, names[k], r);
		} else if (S_ISLNK(r->st.st_mode)) {
			char t[8192];
			ssize_t len =
				readlinkat(dirfd, names[k], t, sizeof(t) - 1);

			if (len < 0)
				r->err = errno;
			t[len < 0 ? 0 : len] = 0;
			r->target = strdup(t);
		} else if (S_ISDIR(r->st.st_mode)) {
			int fd = openat(dirfd, names[k],
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						O_CLOEXEC);

			if (fd < 0) {
				r->err = errno;
			} else {
				walk(fd, sub, r);
				close(fd);
			}
		}
		/* walk() may have moved recs */
		(void)at;
		free(names[k]);
	}
	free(names);
}

static int cmp_rec_path(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->path,
		      ((const struct rec *)b)->path);
}

static int cmp_rec_inode(const void *a, const void *b)
{
	const struct rec *x = &recs[*(const int *)a];
	const struct rec *y = &recs[*(const int *)b];

	if (x->st.st_dev != y->st.st_dev)
		return x->st.st_dev < y->st.st_dev ? -1 : 1;
	if (x->st.st_ino != y->st.st_ino)
		return x->st.st_ino < y->st.st_ino ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

/* A name as printed: bytes that are not printable ASCII, space and
 * backslash as \xHH. */
static void put_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c <= ' ' || c >= 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static char type_char(mode_t m)
{
	if (S_ISREG(m))
		return 'f';
	if (S_ISDIR(m))
		return 'd';
	if (S_ISLNK(m))
		return 'l';
	if (S_ISFIFO(m))
		return 'p';
	if (S_ISSOCK(m))
		return 's';
	if (S_ISCHR(m))
		return 'c';
	if (S_ISBLK(m))
		return 'b';
	return '?';
}

static int dump(const char *dirname)
{
	int fd = open(dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC), *order;
	size_t k;
	int bad = 0;
	struct rec *r;

	if (fd < 0) {
		perror(dirname);
		return 2;
	}
	r = add_rec(".");
	if (fstat(fd, &r->st))
		r->err = errno;
	walk(fd, ".", &recs[0]);
	close(fd);
	qsort(recs, nrecs, sizeof(*recs), cmp_rec_path);

	/* hard links: the first path (in this order) of each inode */
	order = malloc(nrecs * sizeof(*order));
	if (!order) {
		perror("fsrand");
		return 2;
	}
	for (k = 0; k < nrecs; k++)
		order[k] = k;
	qsort(order, nrecs, sizeof(*order), cmp_rec_inode);
	for (k = 1; k < nrecs; k++) {
		struct rec *a = &recs[order[k - 1]], *b = &recs[order[k]];

		if (!a->err && !b->err && !S_ISDIR(b->st.st_mode) &&
		    a->st.st_dev == b->st.st_dev &&
		    a->st.st_ino == b->st.st_ino)
			b->same = a->same >= 0 ? a->same : order[k - 1];
	}
	free(order);

	for (k = 0; k < nrecs; k++) {
		mode_t m;

		r = &recs[k];
		m = r->st.st_mode;
		put_escaped(r->path);
		if (r->err && !r->st.st_mode) {
			printf(" error %s\n", errname(r->err));
			bad = 1;
			continue;
		}
		printf(" %c %04o %u:%u %lu", type_char(m),
		       (unsigned)(m & 07777), (unsigned)r->st.st_uid,
		       (unsigned)r->st.st_gid, (unsigned long)r->st.st_nlink);
		if (S_ISREG(m))
			printf(" size=%lld fnv=%016llx",
			       (long long)r->st.st_size,
			       (unsigned long long)r->hash);
		else if (S_ISDIR(m))
			printf(" entries=%ld", r->entries);
		else if (S_ISLNK(m)) {
			printf(" size=%lld -> ", (long long)r->st.st_size);
			put_escaped(r->target ? r->target : "");
		} else if (S_ISCHR(m) || S_ISBLK(m))
			printf(" rdev=%u:%u", major(r->st.st_rdev),
			       minor(r->st.st_rdev));
		if (r->cut)
			printf(" read-limit");
		if (r->same >= 0) {
			printf(" same=");
			put_escaped(recs[r->same].path);
		}
		if (r->err) {
			printf(" error %s", errname(r->err));
			bad = 1;
		}
		putchar('\n');
	}
	printf("fsrand dump: %zu entries%s\n", nrecs, bad ? ", errors" : "");
	return bad;
}

static void usage(void)
{
	fprintf(stderr, "usage: fsrand run [-v] SEED DIR [OPS]\n"
			"       fsrand dump [-r BYTES] DIR\n"
			"       fsrand check [-v] SEED DIR [OPS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cmd;
	uint64_t seed;
	long ops = 1000;
	char *end;

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	buf = malloc(BUFSZ);
	if (!buf)
		return 2;
	if (argc < 3)
		usage();
	cmd = argv[1];
	argv += 2;
	argc -= 2;
	if (!strcmp(cmd, "dump")) {
		if (argc == 3 && !strcmp(argv[0], "-r")) {
			read_limit = strtoull(argv[1], &end, 0);
			if (*end)
				usage();
			argv += 2;
			argc -= 2;
		}
		if (argc != 1)
			usage();
		return dump(argv[0]);
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "check"))
		usage();
	if (argc && !strcmp(argv[0], "-v")) {
		verbose = 1;
		argv++;
		argc--;
	}
	if (argc < 2 || argc > 3)
		usage();
	seed = strtoull(argv[0], &end, 0);
	if (*end)
		usage();
	if (argc == 3) {
		ops = strtol(argv[2], &end, 0);
		if (*end || ops < 0)
			usage();
	}
	run(seed, argv[1], ops);
	fflush(stdout);
	if (!strcmp(cmd, "check"))
		return dump(argv[1]);
	return 0;
}
