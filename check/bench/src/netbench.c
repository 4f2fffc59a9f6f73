/*
 * netbench: network micro-benchmarks (issue 12), one static binary for
 * every system under comparison: KOS and Linux in the same QEMU machine
 * (the same -netdev user), hosted KOS and the host natively.
 *
 * Output, as check/bench/src/bench.c's, which scripts/bench parses:
 *
 *	bench <name> <ns_per_op>
 *	bench-end <number of benchmarks>
 *
 * The operations (--list prints the names):
 *
 *   --local (everything inside the system, 127.0.0.1 and AF_UNIX):
 *	tcp_lo_stream_mib	one MiB sent over a TCP connection on
 *				127.0.0.1 (64 KiB writes; the clock stops
 *				when the receiver, a forked child, has read
 *				everything and answered one byte)
 *	tcp_lo_rtt		a 1-byte ping-pong over TCP on 127.0.0.1
 *				(TCP_NODELAY both ends)
 *	tcp_lo_connect_close	connect to a forked server on 127.0.0.1,
 *				read the byte it writes after accept, close;
 *				the server closes at the EOF (the client's
 *				side keeps the TIME_WAIT)
 *	tcp_lo_accept_close	the same, but the server closes right after
 *				its byte and the client waits for the EOF
 *				before closing (the server's side keeps the
 *				TIME_WAIT, as with a web server)
 *	udp_lo_rtt		a 64-byte datagram to a forked echo server on
 *				127.0.0.1 and its echo back
 *	unix_stream_rtt		a 1-byte ping-pong over an AF_UNIX stream
 *				socketpair between two processes
 *
 *   --host ADDR:PORT (the host's peers, check/bench/nethost, reached
 *   through the user network's gateway 10.0.2.2):
 *	tcp_to_host_mib		one MiB to the host's TCP sink at PORT (an
 *				8-byte count first; the clock stops at its
 *				one-byte answer after the last byte)
 *	tcp_from_host_mib	one MiB from the host's TCP source at PORT+1
 *				(the count asked for, then that many bytes)
 *	udp_host_rtt		a 64-byte datagram to the host's UDP echo at
 *				PORT and its echo back
 *
 *   --http PORT: after the others, a small HTTP/1.1 server (epoll,
 *   keep-alive, a fixed 612-byte page) on 0.0.0.0:PORT for wrk on the
 *   host through a hostfwd.  It prints "netbench-http-ready" when it
 *   listens and stops at "GET /quit" or after --http-secs (default 120)
 *   seconds.  Its figures are wrk's, which scripts/bench adds to the log.
 *
 * Method, as bench.c's: throughput runs move --mib MiB (default 32 on
 * 127.0.0.1, 16 to and from the host) per sample; the round trips and
 * connect+close calibrate their count by doubling until a sample takes
 * --target ms (default 50); the fastest of --samples samples (default 3)
 * is reported.  The sockets are made through musl's wrappers (system
 * calls, no vDSO); time is clock_gettime(CLOCK_MONOTONIC), once per
 * sample.  A peer that does not answer within 10 s (SO_RCVTIMEO) makes
 * the benchmark n/a, never a hang.
 *
 * --init and --poweroff are for PID 1 of a bare Linux initramfs, as in
 * bench.c, and --lo-up brings lo up there (SIOCSIFFLAGS): scripts/bench
 * uses them for UML; it boots Linux in QEMU through kos-run's linux-qemu,
 * whose init needs none of them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define MIB (1024L * 1024)
#define DGRAM 64
#define MAX_CONNS 256

static long opt_target_ms = 50, opt_samples = 3, opt_mib_lo = 32,
	    opt_mib_host = 16, opt_http_secs = 120;
static struct sockaddr_in host_addr; /* sin_port 0: no --host */
static char buf[CHUNK];

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void err(const char *what)
{
	printf("bench-error %s: %d\n", what, -errno);
	fflush(stdout);
}

static void timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 10 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EPIPE;
			return -1;
		}
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static struct sockaddr_in lo_addr(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((unsigned short)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A socket of TYPE bound to 127.0.0.1 on a port the kernel picks (a
 * listening one for TCP); *a gets its address. */
static int lo_server(int type, struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, type, 0);

	*a = lo_addr(0);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) ||
	    getsockname(fd, (struct sockaddr *)a, &len) ||
	    (type == SOCK_STREAM && listen(fd, 128))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(int type, const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		return -1;
	timeouts(fd);
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void stop_child(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
}

static void report(const char *name, double ns)
{
	if (ns < 0)
		printf("bench %s n/a\n", name);
	else
		printf("bench %s %.1f\n", name, ns);
	fflush(stdout);
}

/* ---------------------------------------------------------- throughput */

/* Send MIB MiB on FD (after COUNT_FIRST an 8-byte count) and wait for the
 * peer's one byte; ns per MiB, or -1. */
static double send_mib(int fd, long mib, int count_first)
{
	long t0 = now_ns(), left = mib * MIB;
	char ack;

	if (count_first && write_all(fd, &left, sizeof(left)))
		return -1;
	while (left > 0) {
		if (write_all(fd, buf, CHUNK))
			return -1;
		left -= CHUNK;
	}
	if (read_all(fd, &ack, 1))
		return -1;
	return (double)(now_ns() - t0) / (double)mib;
}

/* Read everything up to N bytes from FD; 0 once all came. */
static int sink(int fd, long n)
{
	static char rbuf[CHUNK];

	while (n > 0) {
		ssize_t r = read(fd, rbuf, sizeof(rbuf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n -= r;
	}
	return 0;
}

static double best_of(double (*one)(void *), void *arg)
{
	double best = -1;

	for (long s = 0; s < opt_samples; s++) {
		double ns = one(arg);

		if (ns < 0)
			return -1;
		if (best < 0 || ns < best)
			best = ns;
	}
	return best;
}

static double lo_stream_once(void *unused)
{
	struct sockaddr_in a;
	int lfd = lo_server(SOCK_STREAM, &a), fd;
	double ns = -1;
	pid_t pid;

	(void)unused;
	if (lfd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int c = accept(lfd, NULL, NULL);

		_exit(c < 0 || sink(c, opt_mib_lo * MIB) ||
		      write_all(c, "k", 1));
	}
	close(lfd);
	if (pid < 0)
		return -1;
	fd = connect_to(SOCK_STREAM, &a);
	if (fd >= 0) {
		ns = send_mib(fd, opt_mib_lo, 0);
		close(fd);
	}
	stop_child(pid);
	return ns;
}

static double to_host_once(void *unused)
{
	int fd = connect_to(SOCK_STREAM, &host_addr);
	double ns;

	(void)unused;
	if (fd < 0)
		return -1;
	ns = send_mib(fd, opt_mib_host, 1);
	close(fd);
	return ns;
}

static double from_host_once(void *unused)
{
	struct sockaddr_in a = host_addr;
	long n = opt_mib_host * MIB, t0;
	int fd;
	double ns = -1;

	(void)unused;
	a.sin_port = htons((unsigned short)(ntohs(a.sin_port) + 1));
	fd = connect_to(SOCK_STREAM, &a);
	if (fd < 0)
		return -1;
	t0 = now_ns();
	if (!write_all(fd, &n, sizeof(n)) && !sink(fd, n))
		ns = (double)(now_ns() - t0) / (double)opt_mib_host;
	close(fd);
	return ns;
}

/* ---------------------------------------------------------- round trips */

/* One calibrated measurement of LOOP(fd, iters) (0 on success): doubled
 * from 1 until a sample takes the target, then the fastest sample; ns per
 * iteration or -1. */
static double timed(int (*loop)(int, long), int fd)
{
	long iters = 1, t;
	double best = -1;

	if (loop(fd, 1)) /* warm-up */
		return -1;
	for (;;) {
		t = now_ns();
		if (loop(fd, iters))
			return -1;
		t = now_ns() - t;
		if (t >= opt_target_ms * 1000000L || iters >= (1L << 24))
			break;
		iters *= 2;
	}
	for (long s = 0; s < opt_samples; s++) {
		double ns;

		t = now_ns();
		if (loop(fd, iters))
			return -1;
		ns = (double)(now_ns() - t) / (double)iters;
		if (best < 0 || ns < best)
			best = ns;
	}
	return best;
}

static int pingpong_loop(int fd, long iters)
{
	char c = 'p';

	for (long i = 0; i < iters; i++)
		if (write_all(fd, &c, 1) || read_all(fd, &c, 1))
			return -1;
	return 0;
}

static int dgram_loop(int fd, long iters)
{
	for (long i = 0; i < iters; i++) {
		if (send(fd, buf, DGRAM, 0) != DGRAM ||
		    recv(fd, buf, DGRAM, 0) != DGRAM)
			return -1;
	}
	return 0;
}

/* The other end of a ping-pong: echo every byte until EOF. */
static void echo_bytes(int fd)
{
	char c;

	while (read(fd, &c, 1) == 1)
		if (write(fd, &c, 1) != 1)
			break;
	_exit(0);
}

static double tcp_lo_rtt(void)
{
	struct sockaddr_in a;
	int lfd = lo_server(SOCK_STREAM, &a), fd;
	double ns = -1;
	pid_t pid;

	if (lfd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int c = accept(lfd, NULL, NULL);

		if (c < 0)
			_exit(1);
		nodelay(c);
		echo_bytes(c);
	}
	close(lfd);
	if (pid < 0)
		return -1;
	fd = connect_to(SOCK_STREAM, &a);
	if (fd >= 0) {
		nodelay(fd);
		ns = timed(pingpong_loop, fd);
		close(fd);
	}
	stop_child(pid);
	return ns;
}

static double unix_stream_rtt(void)
{
	int sv[2];
	double ns;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		echo_bytes(sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	timeouts(sv[0]);
	ns = timed(pingpong_loop, sv[0]);
	close(sv[0]);
	stop_child(pid);
	return ns;
}

static double udp_rtt(const struct sockaddr_in *peer)
{
	int fd = connect_to(SOCK_DGRAM, peer);
	double ns;

	if (fd < 0)
		return -1;
	ns = timed(dgram_loop, fd);
	close(fd);
	return ns;
}

static double udp_lo_rtt(void)
{
	struct sockaddr_in a;
	int sfd = lo_server(SOCK_DGRAM, &a);
	double ns;
	pid_t pid;

	if (sfd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sockaddr_in from;
		socklen_t len;
		char d[DGRAM];

		for (;;) {
			ssize_t r;

			len = sizeof(from);
			r = recvfrom(sfd, d, sizeof(d), 0,
				     (struct sockaddr *)&from, &len);
			if (r > 0)
				sendto(sfd, d, (size_t)r, 0,
				       (struct sockaddr *)&from, len);
		}
	}
	close(sfd);
	if (pid < 0)
		return -1;
	ns = udp_rtt(&a);
	stop_child(pid);
	return ns;
}

/* tcp_lo_connect_close: the client closes first (its side ends in
 * TIME_WAIT); tcp_lo_accept_close: the server does (the web server's way,
 * TIME_WAIT on the server's side). */
static int server_closes;

static int connect_close_loop(int lfd, long iters)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char c;

	if (getsockname(lfd, (struct sockaddr *)&a, &len))
		return -1;
	for (long i = 0; i < iters; i++) {
		int fd = connect_to(SOCK_STREAM, &a);

		if (fd < 0) {
			printf("bench-error connect %ld of %ld: %d\n", i + 1,
			       iters, -errno);
			return -1;
		}
		/* the server's byte: it has accepted; then, when the
		 * server closes first, its EOF */
		if (read(fd, &c, 1) != 1 ||
		    (server_closes && read(fd, &c, 1) != 0)) {
			close(fd);
			errno = EPROTO;
			return -1;
		}
		close(fd);
	}
	return 0;
}

static double connect_close(int srv_closes)
{
	struct sockaddr_in a;
	int lfd = lo_server(SOCK_STREAM, &a);
	double ns;
	pid_t pid;

	if (lfd < 0)
		return -1;
	server_closes = srv_closes;
	pid = fork();
	if (pid == 0) {
		for (;;) {
			int c = accept(lfd, NULL, NULL);
			char d;

			if (c < 0) {
				if (errno != EINTR && errno != ECONNABORTED)
					_exit(1);
				continue;
			}
			timeouts(c);
			/* one byte; without server_closes, wait for the
			 * client's close (EOF) before closing */
			if (write(c, "a", 1) == 1 && !server_closes)
				while (read(c, &d, 1) > 0)
					;
			close(c);
		}
	}
	if (pid < 0) {
		close(lfd);
		return -1;
	}
	/* the parent keeps its copy of lfd only for its address */
	ns = timed(connect_close_loop, lfd);
	close(lfd);
	stop_child(pid);
	return ns;
}

static double tcp_lo_connect_close(void)
{
	return connect_close(0);
}

static double tcp_lo_accept_close(void)
{
	return connect_close(1);
}

static double udp_host_rtt(void)
{
	return udp_rtt(&host_addr);
}

/* ---------------------------------------------------------- HTTP server */

static const char page_head[] = "HTTP/1.1 200 OK\r\n"
				"Content-Type: text/html\r\n"
				"Content-Length: 612\r\n\r\n";

static long http_requests; /* answered by http_serve() */

struct conn {
	int fd;
	size_t len;
	char in[2048];
};

/* Answer every complete request in C; 1 after /quit, -1 to drop C. */
static int http_serve(struct conn *c, const char *resp, size_t resp_len)
{
	char *end;
	int quit = 0;

	while ((end = memmem(c->in, c->len, "\r\n\r\n", 4))) {
		size_t n = (size_t)(end + 4 - c->in);

		if (!strncmp(c->in, "GET /quit", 9))
			quit = 1;
		if (write_all(c->fd, resp, resp_len))
			return -1;
		http_requests++;
		memmove(c->in, c->in + n, c->len - n);
		c->len -= n;
	}
	if (c->len == sizeof(c->in))
		return -1; /* a request too long for us */
	return quit;
}

static int http_server(int port)
{
	static struct conn conns[MAX_CONNS];
	static char resp[sizeof(page_head) + 612];
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((unsigned short)port) };
	struct epoll_event ev, evs[32];
	size_t resp_len = sizeof(page_head) - 1 + 612;
	long deadline = now_ns() + opt_http_secs * 1000000000L;
	int lfd, ep, one = 1, quit = 0;

	memcpy(resp, page_head, sizeof(page_head) - 1);
	memset(resp + sizeof(page_head) - 1, 'k', 612);
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ep = epoll_create1(0);
	if (lfd < 0 || ep < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 128)) {
		err("http listen");
		return -1;
	}
	ev.events = EPOLLIN;
	ev.data.u32 = MAX_CONNS;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) {
		err("http epoll_ctl");
		return -1;
	}
	printf("netbench-http-ready %d\n", port);
	fflush(stdout);
	while (!quit && now_ns() < deadline) {
		int n = epoll_wait(ep, evs, 32, 1000);

		for (int i = 0; i < n; i++) {
			unsigned int k = evs[i].data.u32;
			struct conn *c;
			ssize_t r;

			if (k == MAX_CONNS) {
				int fd = accept4(lfd, NULL, NULL, 0);
				int j = 0;

				if (fd < 0)
					continue;
				while (j < MAX_CONNS && conns[j].fd >= 0)
					j++;
				if (j == MAX_CONNS) {
					close(fd);
					continue;
				}
				nodelay(fd);
				timeouts(fd);
				conns[j].fd = fd;
				conns[j].len = 0;
				ev.events = EPOLLIN;
				ev.data.u32 = (unsigned int)j;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				continue;
			}
			c = &conns[k];
			r = read(c->fd, c->in + c->len, sizeof(c->in) - c->len);
			if (r > 0) {
				int s;

				c->len += (size_t)r;
				s = http_serve(c, resp, resp_len);
				if (s >= 0) {
					quit |= s;
					continue;
				}
			} else if (r < 0 && errno == EINTR) {
				continue;
			}
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			c->fd = -1;
		}
	}
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	close(ep);
	close(lfd);
	printf("netbench-http-done %s, %ld requests\n",
	       quit ? "quit" : "time limit", http_requests);
	return quit ? 0 : -1;
}

/* ---------------------------------------------------------- main */

struct bench {
	const char *name;
	int host; /* needs --host */
	double (*fn)(void);
};

static double tcp_lo_stream(void)
{
	return best_of(lo_stream_once, NULL);
}

static double tcp_to_host(void)
{
	return best_of(to_host_once, NULL);
}

static double tcp_from_host(void)
{
	return best_of(from_host_once, NULL);
}

static const struct bench benches[] = {
	{ "tcp_lo_stream_mib", 0, tcp_lo_stream },
	{ "tcp_lo_rtt", 0, tcp_lo_rtt },
	{ "tcp_lo_connect_close", 0, tcp_lo_connect_close },
	{ "tcp_lo_accept_close", 0, tcp_lo_accept_close },
	{ "udp_lo_rtt", 0, udp_lo_rtt },
	{ "unix_stream_rtt", 0, unix_stream_rtt },
	{ "tcp_to_host_mib", 1, tcp_to_host },
	{ "tcp_from_host_mib", 1, tcp_from_host },
	{ "udp_host_rtt", 1, udp_host_rtt },
};

static void linux_init(void)
{
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	int fd = open("/dev/console", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* --lo-up: a bare Linux boot (UML) leaves lo down; bring it up. */
static void lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		err("lo SIOCGIFFLAGS");
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			err("lo SIOCSIFFLAGS");
	}
	if (fd >= 0)
		close(fd);
}

static int parse_host(const char *s)
{
	char ip[64];
	const char *colon = strrchr(s, ':');
	long port;

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = 0;
	port = atol(colon + 1);
	host_addr.sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &host_addr.sin_addr) != 1 || port <= 0 ||
	    port > 65534)
		return -1;
	host_addr.sin_port = htons((unsigned short)port);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: netbench [--local] [--host ADDR:PORT] [--http PORT]\n"
		"                [--http-secs S] [--mib N] [--host-mib N]\n"
		"                [--target MS] [--samples N] [--only NAME]\n"
		"                [--list] [--init] [--lo-up] [--poweroff]\n");
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int local = 0, http = 0, init = 0, poweroff = 0, count = 0, rc = 0;
	int up = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--local")) {
			local = 1;
		} else if (!strcmp(a, "--init")) {
			init = 1;
		} else if (!strcmp(a, "--poweroff")) {
			poweroff = 1;
		} else if (!strcmp(a, "--lo-up")) {
			up = 1;
		} else if (!strcmp(a, "--list")) {
			for (size_t k = 0;
			     k < sizeof(benches) / sizeof(benches[0]); k++)
				printf("%s\n", benches[k].name);
			return 0;
		} else if (v && !strcmp(a, "--host")) {
			if (parse_host(v)) {
				usage();
				return 2;
			}
			i++;
		} else if (v && !strcmp(a, "--http")) {
			http = atoi(v), i++;
		} else if (v && !strcmp(a, "--http-secs")) {
			opt_http_secs = atol(v), i++;
		} else if (v && !strcmp(a, "--mib")) {
			opt_mib_lo = atol(v), i++;
		} else if (v && !strcmp(a, "--host-mib")) {
			opt_mib_host = atol(v), i++;
		} else if (v && !strcmp(a, "--target")) {
			opt_target_ms = atol(v), i++;
		} else if (v && !strcmp(a, "--samples")) {
			opt_samples = atol(v), i++;
		} else if (v && !strcmp(a, "--only")) {
			only = v, i++;
		} else if (a[0] != '-') {
			continue; /* a word a kernel added */
		} else {
			usage();
			return 2;
		}
	}
	if (opt_target_ms <= 0 || opt_samples <= 0 || opt_mib_lo <= 0 ||
	    opt_mib_host <= 0 || opt_http_secs <= 0 || http < 0 ||
	    http > 65535) {
		usage();
		return 2;
	}
	if (init)
		linux_init();
	if (up)
		lo_up();
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'x', sizeof(buf));
	printf("bench-start local=%d host=%s samples=%ld target_ms=%ld\n",
	       local, host_addr.sin_port ? "yes" : "no", opt_samples,
	       opt_target_ms);
	fflush(stdout);
	for (size_t k = 0; k < sizeof(benches) / sizeof(benches[0]); k++) {
		const struct bench *b = &benches[k];
		double ns;

		if (only && strcmp(only, b->name))
			continue;
		if (b->host ? !host_addr.sin_port : !local)
			continue;
		errno = 0;
		ns = b->fn();
		if (ns < 0 && errno)
			err(b->name);
		report(b->name, ns);
		count++;
	}
	if (http && http_server(http))
		rc = 1;
	printf("bench-end %d\n", count);
	fflush(stdout);
	if (poweroff) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return rc;
}
