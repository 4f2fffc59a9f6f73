/*
 * /proc files of issue 10: /proc/<pid>/smaps (per-VMA sizes from the page
 * tables: Rss, Pss, private/shared, Anonymous after touching pages, a
 * MAP_SHARED mapping seen from two processes), /proc/<pid>/fdinfo/<fd>
 * (pos, flags with O_CLOEXEC, eventfd and signalfd lines, inotify's one
 * line per watch), /proc/self/mountinfo (the fields, the root and proc
 * lines), /proc/cpuinfo (one block per online CPU), /proc/thread-self and
 * /proc/sys/fs/inotify, and /proc/<pid>/fd/N and cwd followed to the
 * open file itself (a pipe end, a deleted file), not to the text
 * readlink gives, /proc/<pid>/cmdline after setproctitle-style writes
 * over argv.  Values that depend on the machine print as relations.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "proclib.h"

#define CONTRACT_AREA "procinfo"

static char text[65536];

/* Read a whole file into text; its length or -1. */
static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, text + n, sizeof(text) - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	text[n] = 0;
	return n;
}

static void mount_proc(void)
{
	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
}

/* The line of text starting with key, printed; "" if none. */
static void say_line(const char *key)
{
	const char *p = text;
	size_t k = strlen(key);

	while (p && *p) {
		if (!strncmp(p, key, k)) {
			const char *e = strchr(p, '\n');

			ct_say("%.*s", (int)(e ? e - p : (long)strlen(p)), p);
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	ct_say("%s (missing)", key);
}

/* The value in kB of field in the smaps block of the VMA at addr. */
static long smaps_field(unsigned long addr, const char *field)
{
	char head[32];
	const char *p, *q;

	snprintf(head, sizeof(head), "%08lx-", addr);
	p = strstr(text, head);
	if (!p)
		return -1;
	q = strstr(p, field);
	return q ? strtol(q + strlen(field), NULL, 10) : -1;
}

/* /proc/self/cmdline into text; its length or -1 (text NUL-ended). */
static long read_cmdline(void)
{
	return slurp("/proc/self/cmdline");
}

/*
 * In a child (it rewrites its own argv): the bits of what held.  1: the
 * plain cmdline is the argv area; 2: with the area's last NUL overwritten
 * it is the string at argv[0] up to the next NUL (argv[0]'s own when
 * there are arguments); 4: a title written over argv and on into
 * the environment reads back whole, up to its NUL; 8: there is an
 * environment right after argv to write into.
 */
static int cmdline_title_child(void)
{
	extern char **environ;
	char *start = ct_argv[0], *end, *envend;
	int argc = 0, bits = 0;
	long n, len0 = (long)strlen(ct_argv[0]);
	size_t want;

	while (ct_argv[argc])
		argc++;
	end = ct_argv[argc - 1] + strlen(ct_argv[argc - 1]) + 1;
	envend = end;
	for (int i = 0; environ[i]; i++)
		if (environ[i] == envend)
			envend += strlen(environ[i]) + 1;
	n = read_cmdline();
	if (n == end - start && !memcmp(text, start, (size_t)n))
		bits |= 1;
	/* the string at argv[0] now ends at the next NUL: argv[1]'s, or
	 * (argc 1) the first environment string's */
	end[-1] = 'X';
	want = strnlen(start, (size_t)(envend - start));
	if (want < (size_t)(envend - start))
		want++;
	n = read_cmdline();
	if (n == (long)want && !memcmp(text, start, want) &&
	    (argc == 1 || n == len0 + 1))
		bits |= 2;
	/* A title longer than argv, half way into the environment */
	if (envend - end >= 2)
		bits |= 8;
	n = (end - start) + (envend - end) / 2;
	memset(start, 't', (size_t)n - 1);
	memcpy(start, "title:", 6);
	start[n - 1] = 0;
	if (read_cmdline() == n && !strcmp(text, start))
		bits |= 4;
	return bits;
}

CONTRACT_TEST(cmdline_title)
{
	int st = -1;
	pid_t c;

	mount_proc();
	c = fork();
	if (c == 0)
		_exit(cmdline_title_child());
	CHECK("child reaped", waitpid(c, &st, 0) == c);
	CHECK("exited", WIFEXITED(st));
	CHECK_EQ("plain: the argv area", WEXITSTATUS(st) & 1, 1);
	CHECK_EQ("argv's last NUL overwritten: up to the next NUL",
		 (WEXITSTATUS(st) >> 1) & 1, 1);
	CHECK_EQ("the environment follows argv", (WEXITSTATUS(st) >> 3) & 1, 1);
	CHECK_EQ("a title into the environment: whole",
		 (WEXITSTATUS(st) >> 2) & 1, 1);
	umount2("/proc", 0);
}

CONTRACT_TEST(smaps)
{
	/*
	 * Between PROT_NONE guard pages, so that it merges with no
	 * neighbour (a dynamic program has anonymous mappings of its
	 * loader's right above it).
	 */
	char *g = mmap(NULL, 10 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char *m = g + PG;
	char *s = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long a = (unsigned long)m;
	int p[2];
	pid_t pid;

	EXPECT(mprotect(m, 8 * PG, PROT_READ | PROT_WRITE) == 0);
	mount_proc();
	/* every page: hosted KOS faults neighbours in too (fault-around) */
	for (int i = 0; i < 8; i++)
		m[PG * i] = 1;
	s[0] = s[PG] = 1;
	CHECK("smaps read", slurp("/proc/self/smaps") > 0);
	CHECK_EQ("shared: Rss", smaps_field((unsigned long)s, "\nRss:"), 8);
	CHECK_EQ("shared: Pss", smaps_field((unsigned long)s, "\nPss:"), 8);
	CHECK_EQ("shared: Anonymous",
		 smaps_field((unsigned long)s, "\nAnonymous:"), 0);
	CHECK_EQ("Private_Dirty before fork",
		 smaps_field(a, "\nPrivate_Dirty:"), 32);
	EXPECT(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[0]);
	CHECK("smaps read", slurp("/proc/self/smaps") > 0);
	CHECK_EQ("Size", smaps_field(a, "\nSize:"), 32);
	CHECK_EQ("Rss", smaps_field(a, "\nRss:"), 32);
	CHECK_EQ("Anonymous", smaps_field(a, "\nAnonymous:"), 32);
	/* after fork, the pages are shared copy-on-write */
	CHECK_EQ("Pss", smaps_field(a, "\nPss:"), 16);
	CHECK_EQ("Shared_Dirty", smaps_field(a, "\nShared_Dirty:"), 32);
	CHECK_EQ("Private_Dirty", smaps_field(a, "\nPrivate_Dirty:"), 0);
	CHECK_EQ("KernelPageSize", smaps_field(a, "\nKernelPageSize:"), 4);
	CHECK_EQ("Swap", smaps_field(a, "\nSwap:"), 0);
	close(p[1]);
	waitpid(pid, NULL, 0);
	CHECK("smaps read", slurp("/proc/self/smaps") > 0);
	CHECK_EQ("Rss after the child", smaps_field(a, "\nRss:"), 32);
	CHECK_EQ("Pss after the child", smaps_field(a, "\nPss:"), 32);
	CHECK_EQ("Private_Dirty", smaps_field(a, "\nPrivate_Dirty:"), 32);
	{
		char head[32], *v;

		snprintf(head, sizeof(head), "%08lx-", a);
		v = strstr(strstr(text, head), "VmFlags:");
		CHECK("VmFlags has rd wr",
		      v && !strncmp(v, "VmFlags: rd wr", 14));
	}
	munmap(g, 10 * PG);
	munmap(s, 4 * PG);
	umount2("/proc", 0);
}

CONTRACT_TEST(fdinfo)
{
	int fd, efd, sfd, ino;
	sigset_t set;
	char path[64];

	mount_proc();
	fd = open(DATA "/small", O_RDONLY | O_CLOEXEC);
	EXPECT(lseek(fd, 5, SEEK_SET) == 5);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	CHECK("read", slurp(path) > 0);
	say_line("pos:");
	say_line("flags:");
	CHECK("mnt_id line", strstr(text, "\nmnt_id:\t") != NULL);
	CHECK("ino line", strstr(text, "\nino:\t") != NULL);
	close(fd);
	fd = open(RW "/scratch", O_WRONLY | O_APPEND | O_NONBLOCK);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	slurp(path);
	say_line("flags:");
	close(fd);
	efd = eventfd(5, EFD_SEMAPHORE | EFD_NONBLOCK);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", efd);
	slurp(path);
	say_line("flags:");
	say_line("eventfd-count:");
	say_line("eventfd-semaphore:");
	CHECK("eventfd-id line", strstr(text, "\neventfd-id: ") != NULL);
	close(efd);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sfd = signalfd(-1, &set, 0);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", sfd);
	slurp(path);
	say_line("sigmask:");
	close(sfd);
	ino = inotify_init1(0);
	inotify_add_watch(ino, "/tmp", IN_CREATE);
	inotify_add_watch(ino, DATA, IN_OPEN);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ino);
	slurp(path);
	{
		int n = 0;

		for (char *p = text; (p = strstr(p, "inotify wd:")); p++)
			n++;
		CHECK_EQ("inotify lines", n, 2);
	}
	close(ino);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", 99);
	CHECK_ERR("closed fd", open(path, O_RDONLY), ENOENT);
	umount2("/proc", 0);
}

CONTRACT_TEST(mountinfo)
{
	char *line, *save;
	int lines = 0, proc_ok = 0, root_ok = 0, fields_ok = 1;

	mount_proc();
	CHECK("read", slurp("/proc/self/mountinfo") > 0);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int id, parent, maj, min, n = 0;
		char root[64], mp[64], opts[64], sep[8], type[32];

		lines++;
		if (sscanf(line, "%d %d %d:%d %63s %63s %63s %7s %31s", &id,
			   &parent, &maj, &min, root, mp, opts, sep,
			   type) != 9 ||
		    strcmp(sep, "-"))
			fields_ok = 0;
		if (!strcmp(mp, "/proc") && !strcmp(type, "proc") &&
		    !strcmp(root, "/") && !strncmp(opts, "rw", 2))
			proc_ok = 1;
		if (!strcmp(mp, "/") && !strcmp(root, "/"))
			root_ok = 1;
		(void)n;
	}
	CHECK("a few lines", lines >= 2);
	CHECK("fields", fields_ok);
	CHECK("root line", root_ok);
	CHECK("proc line", proc_ok);
	CHECK("self/mounts too", slurp("/proc/self/mounts") > 0);
	umount2("/proc", 0);
}

CONTRACT_TEST(cpuinfo)
{
	long n = 0;

	mount_proc();
	CHECK("read", slurp("/proc/cpuinfo") > 0);
	for (char *p = text; (p = strstr(p, "processor\t: ")); p++)
		n++;
	CHECK("one block per CPU", n == sysconf(_SC_NPROCESSORS_ONLN));
	CHECK("vendor_id", strstr(text, "\nvendor_id\t: ") != NULL);
	CHECK("model name", strstr(text, "\nmodel name\t: ") != NULL);
	CHECK("flags has fpu", strstr(text, "\nflags\t\t: fpu ") != NULL);
	CHECK("flags has lm", strstr(text, " lm ") != NULL);
	umount2("/proc", 0);
}

CONTRACT_TEST(thread_self)
{
	char buf[64], want[64];
	long n;

	mount_proc();
	n = readlink("/proc/thread-self", buf, sizeof(buf) - 1);
	CHECK("readlink", n > 0);
	buf[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), "%d/task/%d", getpid(),
		 (int)syscall(SYS_gettid));
	CHECK("pid/task/tid", !strcmp(buf, want));
	CHECK("comm through it", slurp("/proc/thread-self/comm") > 0);
	CHECK_EQ("max_queued_events",
		 slurp("/proc/sys/fs/inotify/max_queued_events") > 0
			 ? atol(text)
			 : -1,
		 16384);
	{
		int fd = open("/proc/sys/fs/inotify/max_user_instances",
			      O_WRONLY);

		CHECK("open for writing", fd >= 0);
		CHECK_ERR("write, not a number", write(fd, "x\n", 2), EINVAL);
		close(fd);
	}
	umount2("/proc", 0);
}

/* CPUs in a sysfs list ("0", "0-3", "0-3,8-11"); -1 if malformed. */
static long cpu_list_count(const char *s)
{
	long n = 0;

	while (*s && *s != '\n') {
		char *e;
		long a = strtol(s, &e, 10), b = a;

		if (e == s)
			return -1;
		if (*e == '-') {
			s = e + 1;
			b = strtol(s, &e, 10);
		}
		n += b - a + 1;
		s = *e == ',' ? e + 1 : e;
	}
	return n;
}

CONTRACT_TEST(sysfs)
{
	struct statfs sf;
	struct stat st;

	mkdir("/sys", 0555);
	CHECK_RET("mount sysfs", mount("sysfs", "/sys", "sysfs", 0, NULL), 0);
	CHECK_RET("statfs", statfs("/sys", &sf), 0);
	CHECK_EQX("f_type", sf.f_type, 0x62656572);
	CHECK("online", slurp("/sys/devices/system/cpu/online") > 0);
	CHECK("online CPUs as sysconf says",
	      cpu_list_count(text) == sysconf(_SC_NPROCESSORS_ONLN));
	CHECK("possible", slurp("/sys/devices/system/cpu/possible") > 0);
	CHECK("possible >= online",
	      cpu_list_count(text) >= sysconf(_SC_NPROCESSORS_ONLN));
	CHECK("present", slurp("/sys/devices/system/cpu/present") > 0);
	CHECK("present >= online",
	      cpu_list_count(text) >= sysconf(_SC_NPROCESSORS_ONLN));
	CHECK_RET("stat cpu0", stat("/sys/devices/system/cpu/cpu0", &st), 0);
	CHECK("a directory", S_ISDIR(st.st_mode));
	CHECK_RET("stat online", stat("/sys/devices/system/cpu/online", &st),
		  0);
	CHECK_EQO("mode", st.st_mode, S_IFREG | 0444);
	CHECK_EQ("size", st.st_size, 4096);
	CHECK_EQ("owner", st.st_uid, 0);
	CHECK("THP setting",
	      slurp("/sys/kernel/mm/transparent_hugepage/enabled") > 0 &&
		      strchr(text, '[') != NULL);
	CHECK("uevent_seqnum", slurp("/sys/kernel/uevent_seqnum") > 0);
	CHECK_ERR("no such file", open("/sys/nonexistent", O_RDONLY), ENOENT);
	CHECK_ERR("mkdir", mkdir("/sys/x", 0755), EPERM);
	CHECK_RET("umount", umount2("/sys", 0), 0);
}

static void no_ctty(void *arg)
{
	EXPECT(setsid() > 0);
	CHECK_ERR("open /dev/tty without a controlling terminal",
		  open("/dev/tty", O_RDWR), ENXIO);
}

CONTRACT_TEST(dev_links)
{
	char buf[64];
	long n;
	struct stat st;

	n = readlink("/dev/fd", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK_STR("/dev/fd", buf, "/proc/self/fd");
	n = readlink("/dev/stderr", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK_STR("/dev/stderr", buf, "/proc/self/fd/2");
	CHECK_RET("lstat /dev/tty", lstat("/dev/tty", &st), 0);
	CHECK_EQX("rdev", st.st_rdev, 0x500);
	mount_proc();
	CHECK_RET("fstat through /dev/stdin", stat("/dev/stdin", &st), 0);
	CHECK_RET("open /dev/fd/1", (n = open("/dev/fd/1", O_WRONLY)) >= 0, 1);
	close((int)n);
	umount2("/proc", 0);
	ct_child_ok("child", no_ctty, NULL);
}

/* Read what is there (up to 63 bytes) from fd as a string. */
static const char *get(int fd)
{
	static char b[64];
	long n = read(fd, b, sizeof(b) - 1);

	b[n > 0 ? n : 0] = 0;
	return b;
}

CONTRACT_TEST(fd_magic_links)
{
	char path[64], link[128];
	struct stat a, b;
	int p[2], r, w, f, g;
	long n;

	mount_proc();
	EXPECT(pipe(p) == 0);
	EXPECT(write(p[1], "one", 3) == 3);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	CHECK("readlink of a pipe end says pipe:[...]",
	      !strncmp(link, "pipe:[", 6));
	CHECK_RET("stat of it", stat(path, &a), 0);
	CHECK("a FIFO", S_ISFIFO(a.st_mode));
	fstat(p[0], &b);
	CHECK("the pipe's own inode", a.st_ino == b.st_ino);
	/* a new read end of the same pipe */
	CHECK_RET("open it O_RDONLY", (r = open(path, O_RDONLY)) >= 0, 1);
	CHECK_STR("read through the new end", get(r), "one");
	/* what a shell's "> /proc/self/fd/1" does with a pipe */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	CHECK_RET("open the write end O_WRONLY|O_CREAT|O_TRUNC",
		  (w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666)) >= 0, 1);
	CHECK_RET("write through it", write(w, "two", 3), 3);
	CHECK_STR("read at the first end", get(p[0]), "two");
	CHECK_ERR("a name under a pipe", open(strcat(path, "/x"), O_RDONLY),
		  ENOTDIR);
	close(w);
	close(p[1]);
	CHECK_RET("EOF once every write end is closed", read(r, link, 8), 0);
	close(r);
	close(p[0]);

	/* a child reopens the read end it inherited, as `echo x | cat
	 * /dev/stdin` does */
	EXPECT(pipe(p) == 0);
	if (fork() == 0) {
		char buf[16];
		int fd;

		close(p[1]);
		alarm(10);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
		_exit(n == 3 && !memcmp(buf, "abc", 3) && !read(fd, buf, 1)
			      ? 0
			      : 1);
	}
	close(p[0]);
	EXPECT(write(p[1], "abc", 3) == 3);
	close(p[1]);
	EXPECT(wait(&r) > 0);
	CHECK_EQ("the child read the data and then EOF (status)", r, 0);

	/* a deleted file still opens */
	f = open("/tmp/magic", O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT(f >= 0 && write(f, "kept", 4) == 4);
	unlink("/tmp/magic");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	CHECK_STR("readlink of a deleted file", link, "/tmp/magic (deleted)");
	CHECK_RET("open it", (g = open(path, O_RDONLY)) >= 0, 1);
	CHECK_STR("its data", get(g), "kept");
	fstat(f, &a);
	fstat(g, &b);
	CHECK("the same inode", a.st_ino == b.st_ino);
	CHECK_EQ("st_nlink", b.st_nlink, 0);
	close(g);
	close(f);

	/* cwd is followed to the directory, whatever its name */
	CHECK_RET("stat /proc/self/cwd/", stat("/proc/self/cwd/", &a), 0);
	stat("/", &b);
	CHECK("cwd is /", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	umount2("/proc", 0);
}
