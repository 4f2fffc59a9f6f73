/*
 * netpeer: the guest side of scripts/check-net-peers' bulk, UDP and
 * many-connection checks (not a cases.txt test: its peers are the
 * script's servers on the host).  Every mode prints one line the script
 * parses; byte streams are summed with CRC-32 (zlib's polynomial, so the
 * host's zlib.crc32 gives the same value).
 *
 *   netpeer send-echo HOST PORT BYTES
 *	connect to an echo server, send BYTES of a pseudo-random stream
 *	while reading the echo back (poll, non-blocking: neither side
 *	waits for the other), then shut down the write side and read to
 *	EOF.  Prints "sent N crc X got M crc Y".
 *   netpeer echo-server PORT
 *	accept one connection on PORT, echo everything until EOF, close.
 *	Prints "got N crc X".
 *   netpeer udp-echo HOST PORT COUNT
 *	send COUNT datagrams of 1..1400 bytes to a UDP echo server, one at
 *	a time, each resent (at most 10 times, 1 s apart) until its echo
 *	comes back intact.  Prints "udp N of COUNT, R resent".
 *   netpeer epoll-server PORT
 *	an edge-triggered epoll echo server for any number of connections
 *	(RLIMIT_NOFILE raised to its maximum): it echoes what each
 *	connection sends and closes the connection at EOF; a connection
 *	whose data begins "stat" is answered "open O fds F memfree K"
 *	instead (O: the other connections open, F: descriptors open
 *	besides the listener, the epoll instance, stdio and the asking
 *	connection, K: MemFree in /proc/meminfo), one whose data begins
 *	"quit" ends the server.  Prints "epoll accepted A
 *	most M open O fds F" (M: the most connections open at once, O: open
 *	at the end besides the quitting one, closed at once, F:
 *	descriptors in /proc/self/fd at the end less those at the start).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define BUF 65536

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

/* Running CRC-32: start with 0, feed every chunk. */
static uint32_t crc32(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void die(const char *what)
{
	printf("netpeer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct sockaddr_in addr_of(const char *host, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		printf("netpeer: bad address %s\n", host);
		exit(2);
	}
	return a;
}

static int listener(const char *port, int backlog)
{
	struct sockaddr_in a = addr_of("0.0.0.0", port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(fd, backlog) < 0)
		die("listen");
	return fd;
}

/* xorshift64: the stream send-echo sends. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static void fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rnd_state ^= rnd_state << 13;
		rnd_state ^= rnd_state >> 7;
		rnd_state ^= rnd_state << 17;
		p[i] = (unsigned char)rnd_state;
	}
}

static int send_echo(const char *host, const char *port, long long total)
{
	static unsigned char out[BUF], in[BUF];
	struct sockaddr_in a = addr_of(host, port);
	long long sent = 0, got = 0;
	size_t have = 0, off = 0;
	uint32_t sc = 0, rc = 0;
	bool wr_open = true;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (wr_open && sent == total) {
			if (shutdown(fd, SHUT_WR) < 0)
				die("shutdown");
			wr_open = false;
		}
		if (wr_open)
			p.events |= POLLOUT;
		if (poll(&p, 1, 60000) <= 0) {
			printf("netpeer: stalled after sending %lld and "
			       "receiving %lld\n",
			       sent, got);
			return 1;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(fd, in, sizeof(in));
			if (n < 0 && errno != EAGAIN)
				die("read");
			if (n == 0)
				break;
			if (n > 0) {
				rc = crc32(rc, in, (size_t)n);
				got += n;
			}
		}
		if (wr_open && (p.revents & POLLOUT)) {
			if (off == have) {
				long long left = total - sent;

				have = left < BUF ? (size_t)left : BUF;
				fill(out, have);
				off = 0;
			}
			n = write(fd, out + off, have - off);
			if (n < 0 && errno != EAGAIN)
				die("write");
			if (n > 0) {
				sc = crc32(sc, out + off, (size_t)n);
				off += (size_t)n;
				sent += n;
			}
		}
	}
	close(fd);
	printf("sent %lld crc %08x got %lld crc %08x\n", sent, sc, got, rc);
	return 0;
}

static int echo_server(const char *port)
{
	static unsigned char buf[BUF];
	int lfd = listener(port, 1), fd;
	long long got = 0;
	uint32_t crc = 0;
	ssize_t n;

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(lfd);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		crc = crc32(crc, buf, (size_t)n);
		got += n;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));

			if (w <= 0)
				die("write");
			off += w;
		}
	}
	if (n < 0)
		die("read");
	close(fd);
	printf("got %lld crc %08x\n", got, crc);
	return 0;
}

static int udp_echo(const char *host, const char *port, int count)
{
	static unsigned char out[1400], in[2048];
	struct sockaddr_in a = addr_of(host, port);
	struct timeval tv = { 1, 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ok = 0, resent = 0;

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < count; i++) {
		size_t len = 1 + (size_t)(i * 997) % sizeof(out);

		fill(out, len);
		out[0] = (unsigned char)i;
		for (int tries = 0; tries < 10; tries++) {
			ssize_t n;

			if (tries)
				resent++;
			if (send(fd, out, len, 0) != (ssize_t)len)
				die("send");
			/* Skip late echoes of earlier datagrams. */
			while ((n = recv(fd, in, sizeof(in), 0)) >= 0 &&
			       !((size_t)n == len && !memcmp(in, out, len)))
				;
			if (n >= 0) {
				ok++;
				break;
			}
			if (errno != EAGAIN)
				die("recv");
		}
	}
	close(fd);
	printf("udp %d of %d, %d resent\n", ok, count, resent);
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own */
}

/* MemFree from /proc/meminfo, in kB; -1 if missing. */
static long mem_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* The answer to "stat": open connections, extra descriptors, MemFree. */
static ssize_t stat_line(char *buf, size_t size, long open, int fds)
{
	return snprintf(buf, size, "open %ld fds %d memfree %ld\n", open, fds,
			mem_free());
}

static int epoll_server(const char *port)
{
	static char buf[4096];
	struct rlimit rl;
	struct epoll_event ev;
	int lfd, ep, fds0;
	long accepted = 0, open = 0, most = 0;
	bool quit = false;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	lfd = listener(port, 1024);
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET,
				   .data.fd = lfd };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl");
	fds0 = count_fds();
	while (!quit) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				/* Edge-triggered: accept until EAGAIN. */
				int c;

				while ((c = accept4(lfd, NULL, NULL,
						    SOCK_NONBLOCK)) >= 0) {
					ev = (struct epoll_event){
						.events = EPOLLIN | EPOLLRDHUP |
							  EPOLLET,
						.data.fd = c
					};
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c,
						      &ev) < 0)
						die("epoll_ctl add");
					accepted++;
					if (++open > most)
						most = open;
				}
				if (errno != EAGAIN && errno != ECONNABORTED &&
				    errno != EMFILE)
					die("accept4");
				continue;
			}
			/* Read until EAGAIN; echo; EOF or an error closes. */
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r > 0) {
					if (r >= 4 && !memcmp(buf, "quit", 4)) {
						quit = true;
						close(fd);
						open--;
						break;
					}
					if (r >= 4 && !memcmp(buf, "stat", 4))
						r = stat_line(buf, sizeof(buf),
							      open - 1,
							      count_fds() -
								      fds0 - 1);
					/* Small echoes: the socket takes them
					 * whole; a short write is an error. */
					if (write(fd, buf, (size_t)r) != r)
						r = -1;
					else
						continue;
				}
				if (r < 0 && errno == EAGAIN)
					break;
				close(fd); /* leaves the epoll set too */
				open--;
				break;
			}
		}
	}
	printf("epoll accepted %ld most %ld open %ld fds %d\n", accepted, most,
	       open, count_fds() - fds0);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	crc_init();
	if (argc == 5 && !strcmp(argv[1], "send-echo"))
		return send_echo(argv[2], argv[3], atoll(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "echo-server"))
		return echo_server(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "udp-echo"))
		return udp_echo(argv[2], argv[3], atoi(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "epoll-server"))
		return epoll_server(argv[2]);
	fprintf(stderr, "usage: netpeer send-echo HOST PORT BYTES | "
			"echo-server PORT | udp-echo HOST PORT COUNT | "
			"epoll-server PORT\n");
	return 2;
}
