/*
 * memprot: page rights and the other memory calls in a linked-mode
 * program (docs/linked-mode.md), and the same source as an ordinary
 * static program; the output is the same on Linux.  One line per check:
 *
 *   read-only      mprotect(PROT_READ): reads work, a write is SIGSEGV
 *                  with SEGV_ACCERR and the address; read(2) into the
 *                  page is EFAULT, write(2) from it works
 *   none           mprotect(PROT_NONE): a read is SIGSEGV, write(2) from
 *                  the page EFAULT
 *   handler fixes  a SIGSEGV handler that gives the page its rights back
 *                  and returns: the write runs again and goes through
 *   back           mprotect back to read-write keeps the contents; a
 *                  middle page alone (the mapping split), neighbours
 *                  writable; mmap(PROT_READ) is read-only from the start;
 *                  memory unmapped while read-only is fine for the next
 *                  mapping
 *   errors         EINVAL and ENOMEM as Linux gives them
 *   madvise        MADV_DONTNEED: private anonymous pages read zero, a
 *                  private file mapping the file's bytes again, shared
 *                  anonymous pages keep theirs; other advice; errors
 *   msync          on anonymous memory; errors
 *   fatal          last: a write to a read-only page without a handler
 *                  ends the program with SIGSEGV
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096
#define FILE_PATH "/tmp/kos-linked-memprot.dat"

static sigjmp_buf env;
static volatile int segv_code;
static void *volatile segv_addr;
static char *volatile fix_page; /* the handler makes it writable, or NULL */

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	segv_code = si->si_code;
	segv_addr = si->si_addr;
	if (fix_page) {
		mprotect(fix_page, PG, PROT_READ | PROT_WRITE);
		return;
	}
	siglongjmp(env, 1);
}

static const char *code_name(int code)
{
	return code == SEGV_ACCERR   ? "SEGV_ACCERR"
	       : code == SEGV_MAPERR ? "SEGV_MAPERR"
				     : "other";
}

/* Write (or read) *p; what happened. */
static void try_access(const char *what, volatile char *p, int write)
{
	volatile char c = 0;

	segv_code = 0;
	segv_addr = NULL;
	if (!sigsetjmp(env, 1)) {
		if (write)
			*p = 'w';
		else
			c = *p;
		printf("%s: no fault (%c)\n", what, c ? c : '-');
		return;
	}
	printf("%s: SIGSEGV, %s, %s\n", what, code_name(segv_code),
	       segv_addr == (void *)p ? "at the address" : "elsewhere");
}

static void report(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
}

static int all(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

int main(void)
{
	struct sigaction sa;
	char *p, *q, buf[2 * PG];
	int fd, pipefd[2];

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	/* A pipe reads its writer's bytes (/dev/null would not). */
	if (pipe(pipefd))
		return 1;
	mkdir("/tmp", 0755);
	fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 'F', sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf)) {
		printf("cannot set up\n");
		return 1;
	}

	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 'a', 4 * PG);
	report("mprotect read-only", mprotect(p + PG, PG, PROT_READ));
	try_access("read it", p + PG + 8, 0);
	try_access("write it", p + PG + 8, 1);
	try_access("write the page before", p + PG - 1, 1);
	report("pread(2) into it", pread(fd, p + PG, 1, 0));
	report("write(2) from it", write(pipefd[1], p + PG, 1));
	report("mprotect none", mprotect(p + 2 * PG, PG, PROT_NONE));
	try_access("read it", p + 2 * PG + 100, 0);
	report("write(2) from it", write(pipefd[1], p + 2 * PG, 1));
	report("mprotect one page of two read-only",
	       mprotect(p + PG, 2 * PG, PROT_READ));
	fix_page = p + 2 * PG;
	try_access("handler fixes the rights", p + 2 * PG + 5, 1);
	fix_page = NULL;
	printf("  the handler ran: %s, the write went through: %s\n",
	       segv_code == SEGV_ACCERR ? "yes" : "no",
	       p[2 * PG + 5] == 'w' ? "yes" : "no");
	report("mprotect back to read-write",
	       mprotect(p, 4 * PG, PROT_READ | PROT_WRITE));
	p[PG - 1] = 'a';
	p[2 * PG + 5] = 'a';
	printf("  contents kept: %s\n", all(p, 4 * PG, 'a') ? "yes" : "no");
	report("mprotect the middle page", mprotect(p + PG, PG, PROT_READ));
	p[0] = p[2 * PG] = 'b';
	try_access("  the middle page", p + PG, 1);
	printf("  neighbours writable: %s\n",
	       p[0] == 'b' && p[2 * PG] == 'b' ? "yes" : "no");
	report("munmap it read-only", munmap(p, 4 * PG));
	report("mprotect unmapped", mprotect(p, PG, PROT_READ));
	report("madvise unmapped", madvise(p, PG, MADV_DONTNEED));
	report("msync unmapped", msync(p, PG, MS_SYNC));
	q = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return 1;
	memset(q, 'n', 64 * PG);
	printf("a new mapping, filled: %s\n",
	       all(q, 64 * PG, 'n') ? "ok" : "no");
	munmap(q, 64 * PG);

	p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap PROT_READ: %s, zeroed %s\n",
	       p == MAP_FAILED ? strerror(errno) : "ok",
	       p != MAP_FAILED && all(p, 2 * PG, 0) ? "yes" : "no");
	if (p == MAP_FAILED)
		return 1;
	try_access("  write it", p + PG, 1);
	q = mmap(p, PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("MAP_FIXED read-write over it: %s\n",
	       q == p ? "at the address" : "elsewhere");
	try_access("  write it", p + 1, 1);
	try_access("  write the other page", p + PG + 1, 1);
	munmap(p, 2 * PG);

	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	/* musl's mprotect() rounds the address down itself. */
	report("mprotect unaligned",
	       syscall(SYS_mprotect, p + 1, PG, PROT_READ));
	report("mprotect bad prot", mprotect(p, PG, 0x100));
	report("mprotect length 0", mprotect(p, 0, PROT_READ));

	memset(p, 'd', 4 * PG);
	report("madvise DONTNEED private",
	       madvise(p + PG, 2 * PG, MADV_DONTNEED));
	printf("  zeroed: %s, neighbours kept: %s\n",
	       all(p + PG, 2 * PG, 0) ? "yes" : "no",
	       all(p, PG, 'd') && all(p + 3 * PG, PG, 'd') ? "yes" : "no");
	report("madvise WILLNEED", madvise(p, 4 * PG, MADV_WILLNEED));
	report("madvise NORMAL", madvise(p, 4 * PG, MADV_NORMAL));
	report("madvise bad advice", madvise(p, PG, 9999));
	report("madvise unaligned", madvise(p + 1, PG, MADV_DONTNEED));
	report("msync MS_SYNC", msync(p, 4 * PG, MS_SYNC));
	report("msync MS_ASYNC", msync(p, PG, MS_ASYNC));
	report("msync bad flags", msync(p, PG, MS_SYNC | MS_ASYNC));
	munmap(p, 4 * PG);
	p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 's', 2 * PG);
	report("madvise DONTNEED shared", madvise(p, 2 * PG, MADV_DONTNEED));
	printf("  kept: %s\n", all(p, 2 * PG, 's') ? "yes" : "no");
	munmap(p, 2 * PG);
	p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 'x', 2 * PG);
	report("madvise DONTNEED private file",
	       madvise(p + PG, PG, MADV_DONTNEED));
	printf("  the file's bytes again: %s, the other page kept: %s\n",
	       all(p + PG, PG, 'F') ? "yes" : "no",
	       all(p, PG, 'x') ? "yes" : "no");
	munmap(p, 2 * PG);
	close(fd);
	unlink(FILE_PATH);

	/* Last: no handler, the program dies of it. */
	p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	signal(SIGSEGV, SIG_DFL);
	printf("fatal: writing to a read-only page without a handler\n");
	fflush(stdout);
	*(volatile char *)p = 1;
	printf("not reached: the write went through\n");
	return 0;
}
