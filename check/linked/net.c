/*
 * net: sockets, poll and epoll in a linked-mode program
 * (docs/linked-mode.md), and the same source as an ordinary static
 * program; the output is the same on Linux.  A TCP server on the
 * loopback interface waits for its connection with epoll; a client
 * thread connects, sends a request and reads the answer with poll; the
 * server echoes it back upper-cased.  Then a UDP datagram to itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in addr;
static char answer[64];
static int client_ok;

static void *client(void *arg)
{
	struct pollfd pfd;
	const char *req = "hello over loopback";
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	(void)arg;
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)))
		return NULL;
	if (write(s, req, strlen(req)) != (ssize_t)strlen(req))
		return NULL;
	pfd.fd = s;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 10000) != 1 || !(pfd.revents & POLLIN))
		return NULL;
	n = read(s, answer, sizeof(answer) - 1);
	if (n > 0)
		answer[n] = 0;
	client_ok = n > 0;
	close(s);
	return NULL;
}

int main(void)
{
	struct epoll_event ev, got;
	socklen_t len = sizeof(addr);
	int ls, ep, cs, one = 1, us;
	char buf[64];
	pthread_t t;
	ssize_t n;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&addr, sizeof(addr)) || listen(ls, 4) ||
	    getsockname(ls, (struct sockaddr *)&addr, &len)) {
		printf("listen: %s\n", strerror(errno));
		return 1;
	}
	printf("listening on 127.0.0.1, port %s\n",
	       ntohs(addr.sin_port) ? "chosen" : "0");
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.u32 = 7;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	pthread_create(&t, NULL, client, NULL);
	n = epoll_wait(ep, &got, 1, 10000);
	printf("epoll_wait: %d ready, tag %u\n", (int)n, got.data.u32);
	cs = accept(ls, NULL, NULL);
	printf("accept: %s\n", cs >= 0 ? "ok" : strerror(errno));
	n = read(cs, buf, sizeof(buf) - 1);
	if (n < 0)
		n = 0;
	buf[n] = 0;
	printf("server got: %s\n", buf);
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] >= 'a' && buf[i] <= 'z')
			buf[i] -= 'a' - 'A';
	if (write(cs, buf, n) != n)
		printf("write: %s\n", strerror(errno));
	pthread_join(t, NULL);
	printf("client got: %s\n", client_ok ? answer : "nothing");
	n = read(cs, buf, sizeof(buf));
	printf("after the client closed: read %d\n", (int)n);
	close(cs);
	close(ls);
	close(ep);

	us = socket(AF_INET, SOCK_DGRAM, 0);
	addr.sin_port = 0;
	len = sizeof(addr);
	if (bind(us, (struct sockaddr *)&addr, sizeof(addr)) ||
	    getsockname(us, (struct sockaddr *)&addr, &len) ||
	    sendto(us, "datagram", 8, 0, (struct sockaddr *)&addr,
		   sizeof(addr)) != 8) {
		printf("udp: %s\n", strerror(errno));
		return 1;
	}
	n = recv(us, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	printf("udp to itself: %s\n", buf);
	close(us);
	return 0;
}
