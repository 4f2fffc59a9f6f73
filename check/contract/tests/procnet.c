/*
 * /proc/net (issue 12) against Linux: the headers of tcp, tcp6, udp,
 * udp6, raw, unix, dev and route; this program's own sockets found by
 * their inode numbers (st_ino of the fd, as netstat -p and ss map them)
 * with Linux's addresses, ports, states, queue counts and line widths;
 * /proc/net is /proc/self/net.  Only the program's own lines are looked
 * at: the oracle shares the host's network.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "contract.h"
#include "netlib.h"

#define CONTRACT_AREA "procnet"

/*
 * The last file slurp() read.  It grows: on the host, /proc/net/tcp lists
 * every socket of the host's namespace, and a concurrent test's TIME_WAIT
 * sockets (make check's net-peers rounds) run to megabytes.
 */
static char *text;
static size_t text_room;

/* Each test mounts /proc for itself (and unmounts it at the end). */
static void proc_up(void)
{
	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
}

/* The whole of /proc/self/net/<name> into text: its length or -1. */
static long slurp(const char *name)
{
	char path[64];
	long n = 0;
	ssize_t r;
	int fd;

	if (!text) { /* so that text is a string even if the open fails */
		text = calloc(1, 1 << 20);
		if (!text)
			return -1;
		text_room = 1 << 20;
	}
	snprintf(path, sizeof(path), "/proc/self/net/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	for (;;) {
		if ((size_t)n + 1 >= text_room) {
			size_t room = 2 * text_room;
			char *t = realloc(text, room);

			if (!t)
				break;
			text = t;
			text_room = room;
		}
		r = read(fd, text + n, text_room - 1 - (size_t)n);
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	text[n] = 0;
	return n;
}

/* The first line of text, copied into line. */
static void first_line(char *line, size_t room)
{
	size_t n = strcspn(text, "\n");

	n = n < room - 1 ? n : room - 1;
	memcpy(line, text, n);
	line[n] = 0;
}

/* Trailing blanks off s. */
static char *rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == ' ')
		s[--n] = 0;
	return s;
}

/*
 * The line of text whose inode column (field col, counted from 0 by
 * blanks) is ino, into line (its length returned), or -1.
 */
static long find_ino(unsigned long ino, int col, char *line, size_t room)
{
	char *p = text, *e;

	while (*p) {
		char copy[512], *f, *save;
		size_t n;
		int i = 0;

		e = strchr(p, '\n');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n < sizeof(copy)) {
			memcpy(copy, p, n);
			copy[n] = 0;
			for (f = strtok_r(copy, " ", &save); f;
			     f = strtok_r(NULL, " ", &save), i++)
				if (i == col) {
					if (strtoul(f, NULL, 10) == ino &&
					    n < room) {
						memcpy(line, p, n);
						line[n] = 0;
						return (long)n;
					}
					break;
				}
		}
		if (!e)
			break;
		p = e + 1;
	}
	return -1;
}

static unsigned long ino_of(int fd)
{
	struct stat st;

	EXPECT(fstat(fd, &st) == 0);
	return st.st_ino;
}

/* Field i (from 0, blank separated) of line into out. */
static void field(const char *line, int i, char *out, size_t room)
{
	char copy[512], *f, *save;

	snprintf(copy, sizeof(copy), "%s", line);
	out[0] = 0;
	for (f = strtok_r(copy, " ", &save); f && i > 0;
	     f = strtok_r(NULL, " ", &save))
		i--;
	if (f)
		snprintf(out, room, "%s", f);
}

CONTRACT_TEST(headers)
{
	proc_up();
	static const char *const names[] = { "tcp",   "tcp6",	 "udp",
					     "udp6",  "udplite", "udplite6",
					     "raw",   "unix",	 "dev",
					     "route", "raw6",	 "if_inet6" };
	char line[256];

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long n = slurp(names[i]);

		if (n < 0) {
			ct_say("%s: cannot open: %s", names[i],
			       strerror(errno));
			continue;
		}
		if (!strcmp(names[i], "if_inet6"))
			continue; /* no header */
		first_line(line, sizeof(line));
		ct_say("%s: \"%s\" (%zu wide)", names[i], rtrim(line),
		       strcspn(text, "\n"));
	}
	if (slurp("dev") > 0)
		ct_say("dev second line: \"%.*s\"",
		       (int)strcspn(text + strcspn(text, "\n") + 1, "\n"),
		       text + strcspn(text, "\n") + 1);
	CHECK("dev lists lo", strstr(text, "\n    lo:") != NULL);
	umount2("/proc", 0);
}

CONTRACT_TEST(self_link)
{
	proc_up();
	char buf[64];
	ssize_t n = readlink("/proc/net", buf, sizeof(buf) - 1);

	if (n >= 0)
		buf[n] = 0;
	CHECK_STR("/proc/net", n >= 0 ? buf : "?", "self/net");
	CHECK_RET("/proc/net/tcp opens", access("/proc/net/tcp", R_OK), 0);
	CHECK_RET("/proc/self/net/unix opens",
		  access("/proc/self/net/unix", R_OK), 0);
	umount2("/proc", 0);
}

/* One TCP line's fields we compare: local, remote, st, queues. */
static void show_tcp_line(const char *label, const char *line, int lport,
			  int rport)
{
	char f[128], want[64];

	ct_say("%s: %s", label,
	       strlen(line) == 149 ? "149 wide" : "not padded");
	field(line, 1, f, sizeof(f));
	snprintf(want, sizeof(want), ":%04X", lport);
	CHECK("  local port", !strcmp(f + strlen(f) - 5, want));
	ct_say("  local host word: %.*s", (int)(strlen(f) - 5), f);
	field(line, 2, f, sizeof(f));
	snprintf(want, sizeof(want), ":%04X", rport);
	CHECK("  remote port", !strcmp(f + strlen(f) - 5, want));
	ct_say("  remote host word: %.*s", (int)(strlen(f) - 5), f);
	field(line, 3, f, sizeof(f));
	ct_say("  st: %s", f);
	field(line, 4, f, sizeof(f));
	ct_say("  tx_queue:rx_queue: %s", f);
	field(line, 7, f, sizeof(f));
	CHECK_EQ("  uid", strtol(f, NULL, 10), getuid());
}

static void tcp_lines(int fam)
{
	const char *file = fam == AF_INET ? "tcp" : "tcp6";
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(fam, &ss, 0);
	int l = socket(fam, SOCK_STREAM, 0), c, a, port, cport;
	char line[512];

	EXPECT(bind(l, (void *)&ss, len) == 0);
	EXPECT(listen(l, 4) == 0);
	port = ct_port_of(l);
	slurp(file);
	CHECK("listener listed",
	      find_ino(ino_of(l), 9, line, sizeof(line)) > 0);
	show_tcp_line("listener", line, port, 0);

	c = socket(fam, SOCK_STREAM, 0);
	len = ct_lo_addr(fam, &ss, port);
	EXPECT(connect(c, (void *)&ss, len) == 0);
	cport = ct_port_of(c);
	EXPECT(send(c, "hello", 5, 0) == 5);
	/*
	 * Until it is acknowledged the data counts in tx_queue: Linux acks
	 * at once (quick-ack mode), lwIP delays the ACK up to 250 ms.
	 */
	usleep(400000);
	slurp(file);
	CHECK("listener listed",
	      find_ino(ino_of(l), 9, line, sizeof(line)) > 0);
	show_tcp_line("listener, one queued", line, port, 0);
	CHECK("client listed", find_ino(ino_of(c), 9, line, sizeof(line)) > 0);
	show_tcp_line("client", line, cport, port);
	a = accept(l, NULL, NULL);
	EXPECT(a >= 0);
	slurp(file);
	CHECK("accepted listed",
	      find_ino(ino_of(a), 9, line, sizeof(line)) > 0);
	show_tcp_line("accepted, 5 bytes unread", line, port, cport);
	unsigned long lino = ino_of(l);

	close(a);
	close(c);
	close(l);
	slurp(file);
	CHECK_EQ("closed listener gone", find_ino(lino, 9, line, sizeof(line)),
		 -1);
}

CONTRACT_TEST(tcp)
{
	proc_up();
	tcp_lines(AF_INET);
	umount2("/proc", 0);
}

CONTRACT_TEST(tcp6)
{
	proc_up();
	tcp_lines(AF_INET6);
	umount2("/proc", 0);
}

CONTRACT_TEST(udp)
{
	proc_up();
	struct sockaddr_storage ss;
	socklen_t len = ct_lo_addr(AF_INET, &ss, 0);
	int a = socket(AF_INET, SOCK_DGRAM, 0), b, port;
	char line[512], f[128];

	slurp("udp");
	CHECK_EQ("unbound not listed",
		 find_ino(ino_of(a), 9, line, sizeof(line)), -1);
	EXPECT(bind(a, (void *)&ss, len) == 0);
	port = ct_port_of(a);
	slurp("udp");
	CHECK("bound listed", find_ino(ino_of(a), 9, line, sizeof(line)) > 0);
	ct_say("bound: %zu wide", strlen(line));
	field(line, 1, f, sizeof(f));
	CHECK("local port", strtol(f + 9, NULL, 16) == port);
	ct_say("  local host word: %.8s", f);
	field(line, 3, f, sizeof(f));
	ct_say("  st: %s", f);
	b = socket(AF_INET, SOCK_DGRAM, 0);
	len = ct_lo_addr(AF_INET, &ss, port);
	EXPECT(connect(b, (void *)&ss, len) == 0);
	slurp("udp");
	CHECK("connected listed",
	      find_ino(ino_of(b), 9, line, sizeof(line)) > 0);
	field(line, 2, f, sizeof(f));
	CHECK("remote port", strtol(f + 9, NULL, 16) == port);
	ct_say("  remote host word: %.8s", f);
	field(line, 3, f, sizeof(f));
	ct_say("  st: %s", f);
	close(a);
	close(b);
	umount2("/proc", 0);
}

/*
 * UDP-Lite sockets are listed in udplite and udplite6, and only there;
 * a UDP socket never is.
 */
CONTRACT_TEST(udplite)
{
	proc_up();
	for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		const char *lite = fam == AF_INET ? "udplite" : "udplite6";
		const char *udp = fam == AF_INET ? "udp" : "udp6";
		struct sockaddr_storage ss;
		socklen_t len = ct_lo_addr(fam, &ss, 0);
		int l = socket(fam, SOCK_DGRAM, IPPROTO_UDPLITE);
		int u = socket(fam, SOCK_DGRAM, 0);
		char line[512], f[128];

		ct_say("%s: socket %s", lite, l >= 0 ? "ok" : strerror(errno));
		if (l < 0 || u < 0)
			continue;
		slurp(lite);
		CHECK_EQ("unbound not listed",
			 find_ino(ino_of(l), 9, line, sizeof(line)), -1);
		EXPECT(bind(l, (void *)&ss, len) == 0);
		EXPECT(bind(u, (void *)&ss, len) == 0);
		slurp(lite);
		CHECK("bound listed",
		      find_ino(ino_of(l), 9, line, sizeof(line)) > 0);
		if (fam == AF_INET) /* padded; udplite6's are not */
			ct_say("  %zu wide", strlen(line));
		field(line, 1, f, sizeof(f));
		CHECK("local port",
		      strtol(strchr(f, ':') ? strchr(f, ':') + 1 : f, NULL,
			     16) == ct_port_of(l));
		field(line, 3, f, sizeof(f));
		ct_say("  st: %s", f);
		CHECK_EQ("udp socket not in udplite",
			 find_ino(ino_of(u), 9, line, sizeof(line)), -1);
		slurp(udp);
		CHECK_EQ("udplite socket not in udp",
			 find_ino(ino_of(l), 9, line, sizeof(line)), -1);
		CHECK("udp socket in udp",
		      find_ino(ino_of(u), 9, line, sizeof(line)) > 0);
		close(l);
		close(u);
	}
	umount2("/proc", 0);
}

/* The unix line of ino: "Flags Type St" and the path. */
static void show_unix(const char *label, unsigned long ino)
{
	char line[512], f[128];
	int i;

	slurp("unix");
	if (find_ino(ino, 6, line, sizeof(line)) < 0) {
		ct_say("%s: not listed", label);
		return;
	}
	ct_say("%s:", label);
	for (i = 3; i <= 5; i++) {
		field(line, i, f, sizeof(f));
		ct_say("  %s: %s",
		       i == 3	? "Flags"
		       : i == 4 ? "Type"
				: "St",
		       f);
	}
}

CONTRACT_TEST(unix)
{
	proc_up();
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c, s, sv[2];
	char line[512], f[128], want[128];
	socklen_t len;

	EXPECT(bind(l, (void *)&a, sizeof(sa_family_t)) == 0);
	len = sizeof(a);
	EXPECT(getsockname(l, (void *)&a, &len) == 0);
	EXPECT(listen(l, 4) == 0);
	show_unix("listener", ino_of(l));
	find_ino(ino_of(l), 6, line, sizeof(line));
	field(line, 7, f, sizeof(f));
	snprintf(want, sizeof(want), "@%.*s",
		 (int)(len - offsetof(struct sockaddr_un, sun_path) - 1),
		 a.sun_path + 1);
	CHECK("autobound name", !strcmp(f, want));
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	show_unix("unconnected", ino_of(c));
	EXPECT(connect(c, (void *)&a, len) == 0);
	show_unix("client", ino_of(c));
	/* the connection waiting for accept: inode 0, the listener's name */
	{
		char *p = text, *e;
		int found = 0;

		slurp("unix");
		for (; (e = strchr(p, '\n')); p = e + 1) {
			*e = 0;
			field(p, 6, f, sizeof(f));
			if (!strcmp(f, "0")) {
				field(p, 7, f, sizeof(f));
				if (!strcmp(f, want)) {
					field(p, 5, f, sizeof(f));
					ct_say("embryo: St %s", f);
					found = 1;
				}
			}
		}
		CHECK("embryo listed", found);
	}
	s = accept(l, NULL, NULL);
	EXPECT(s >= 0);
	show_unix("accepted", ino_of(s));
	close(s);
	close(c);
	close(l);

	EXPECT(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	show_unix("seqpacket pair", ino_of(sv[0]));
	close(sv[0]);
	close(sv[1]);
	EXPECT(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	show_unix("datagram pair", ino_of(sv[0]));
	unsigned long ino0 = ino_of(sv[0]);

	close(sv[0]);
	show_unix("closed", ino0);
	close(sv[1]);
	umount2("/proc", 0);
}
