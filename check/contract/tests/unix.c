/*
 * AF_UNIX (issue 12): stream, datagram and seqpacket sockets; path and
 * abstract names, autobind; connect/listen/accept and their errors;
 * EOF, EPIPE, ECONNRESET; MSG_PEEK/DONTWAIT/WAITALL/TRUNC; poll bits in
 * every state; SCM_RIGHTS (truncation, MSG_CMSG_CLOEXEC, a cycle of
 * sockets in flight), SCM_CREDENTIALS, SO_PASSCRED, SO_PEERCRED;
 * permission on the socket file; FIONREAD; a full sender.
 */
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "proclib.h"

#define CONTRACT_AREA "unix"

#define SPATH "/tmp/ct-unix-sock"
#define SPATH2 "/tmp/ct-unix-sock2"

static int sv[2] = { -1, -1 };

static int mkpair(int type)
{
	sv[0] = sv[1] = -1;
	return socketpair(AF_UNIX, type, 0, sv);
}

static void close2(void)
{
	close(sv[0]);
	close(sv[1]);
}

/* An address for path (abstract if it starts with '@'); its length. */
static socklen_t mkaddr(struct sockaddr_un *a, const char *path)
{
	size_t n = strlen(path);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, path, n);
	if (path[0] == '@')
		a->sun_path[0] = 0;
	else
		n++; /* the NUL, as most programs pass it */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
}

/* A bound socket of type at path (listening for connection types). */
static int server(int type, const char *path, int backlog)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, path);
	int fd = socket(AF_UNIX, type, 0);

	if (fd < 0 || bind(fd, (void *)&a, l) < 0 ||
	    (type != SOCK_DGRAM && listen(fd, backlog) < 0)) {
		ct_say("server %s: %s", path, ct_errname(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int client(int type, const char *path, int flags)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, path);
	int fd = socket(AF_UNIX, type | flags, 0);

	if (connect(fd, (void *)&a, l) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static unsigned int revents(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDHUP | POLLPRI, 0 };

	return poll(&p, 1, 0) < 0 ? 0xdead : p.revents;
}

CONTRACT_TEST(stream_pair)
{
	char b[64];

	CHECK_RET("socketpair", mkpair(SOCK_STREAM), 0);
	CHECK_EQX("poll fresh pair", revents(sv[0]), POLLOUT);
	CHECK_RET("send 5", send(sv[0], "hello", 5, 0), 5);
	CHECK_RET("send 6", send(sv[0], " world", 6, 0), 6);
	CHECK_EQX("poll with data", revents(sv[1]), POLLIN | POLLOUT);
	CHECK_RET("FIONREAD", ioctl(sv[1], FIONREAD, &(int){ 0 }), 0);
	{
		int n = -1, q = -1;

		ioctl(sv[1], FIONREAD, &n);
		CHECK_EQ("bytes queued", n, 11);
		ioctl(sv[0], TIOCOUTQ, &q);
		CHECK("SIOCOUTQ of the sender > 0", q > 0);
	}
	CHECK_RET("peek across sends", recv(sv[1], b, 64, MSG_PEEK), 11);
	CHECK("peeked", !memcmp(b, "hello world", 11));
	CHECK_RET("read 3", recv(sv[1], b, 3, 0), 3);
	CHECK_RET("peek rest", recv(sv[1], b, 64, MSG_PEEK), 8);
	CHECK("lo world", !memcmp(b, "lo world", 8));
	CHECK_RET("read rest", recv(sv[1], b, 64, MSG_TRUNC), 8);
	CHECK_ERR("empty, MSG_DONTWAIT", recv(sv[1], b, 1, MSG_DONTWAIT),
		  EAGAIN);
	{
		socklen_t l = sizeof(struct sockaddr_un);
		struct sockaddr_un a;

		memset(&a, 0x55, sizeof(a));
		send(sv[0], "x", 1, 0);
		CHECK_RET("recvfrom", recvfrom(sv[1], b, 1, 0, (void *)&a, &l),
			  1);
		CHECK_EQ("address length (unbound peer)", l, 0);
		CHECK_RET("getsockname",
			  getsockname(sv[0], (void *)&a, &(socklen_t){ 110 }),
			  0);
		l = sizeof(a);
		CHECK_RET("getpeername", getpeername(sv[0], (void *)&a, &l), 0);
		CHECK("family only", l == 2 && a.sun_family == AF_UNIX);
	}
	CHECK_ERR("sendto with an address",
		  sendto(sv[0], "x", 1, 0,
			 (void *)&(struct sockaddr_un){ 1, "" },
			 sizeof(struct sockaddr_un)),
		  EISCONN);
	CHECK_ERR("MSG_OOB", recv(sv[0], b, 1, MSG_OOB | MSG_DONTWAIT), EINVAL);
	CHECK_RET("shutdown SHUT_WR", shutdown(sv[1], SHUT_WR), 0);
	CHECK_EQX("peer: RDHUP, IN, OUT", revents(sv[0]),
		  POLLIN | POLLOUT | POLLRDHUP);
	CHECK_EQX("own side: OUT", revents(sv[1]), POLLOUT);
	CHECK_RET("peer reads EOF", recv(sv[0], b, 1, 0), 0);
	CHECK_ERR("send after SHUT_WR", send(sv[1], "x", 1, MSG_NOSIGNAL),
		  EPIPE);
	CHECK_RET("peer can still send", send(sv[0], "y", 1, 0), 1);
	CHECK_RET("and it arrives", recv(sv[1], b, 1, 0), 1);
	CHECK_RET("shutdown SHUT_RD", shutdown(sv[1], SHUT_RD), 0);
	CHECK_EQX("both shut: HUP", revents(sv[1]),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_ERR("peer send after our SHUT_RD",
		  send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK_RET("recv after SHUT_RD", recv(sv[1], b, 1, 0), 0);
	close2();
}

CONTRACT_TEST(stream_close)
{
	char b[8];

	mkpair(SOCK_STREAM);
	send(sv[0], "abc", 3, 0);
	CHECK_RET("close the sender", close(sv[0]), 0);
	CHECK_EQX("poll: data, HUP", revents(sv[1]),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_RET("data first", recv(sv[1], b, 8, 0), 3);
	CHECK_RET("then EOF", recv(sv[1], b, 8, 0), 0);
	CHECK_ERR("send", send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
	close(sv[1]);
	mkpair(SOCK_STREAM);
	send(sv[0], "abc", 3, 0);
	CHECK_RET("close the receiver with unread data", close(sv[1]), 0);
	CHECK_EQX("poll: ERR, HUP", revents(sv[0]),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLERR);
	{
		int e = -1;
		socklen_t l = sizeof(e);

		getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &e, &l);
		CHECK_EQ("SO_ERROR", e, ECONNRESET);
		getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &e, &l);
		CHECK_EQ("read again", e, 0);
	}
	CHECK_RET("recv EOF once the error is read", recv(sv[0], b, 8, 0), 0);
	close(sv[0]);
	mkpair(SOCK_STREAM);
	send(sv[0], "abc", 3, 0);
	close(sv[1]);
	CHECK_ERR("recv: ECONNRESET", recv(sv[0], b, 8, 0), ECONNRESET);
	CHECK_RET("then EOF", recv(sv[0], b, 8, 0), 0);
	close(sv[0]);
}

CONTRACT_TEST(states_poll)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	int q = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	char b[4];

	CHECK_EQX("fresh stream", revents(s), POLLOUT | POLLHUP);
	CHECK_EQX("fresh dgram", revents(d), POLLOUT);
	CHECK_EQX("fresh seqpacket", revents(q), POLLOUT | POLLHUP);
	CHECK_ERR("stream recv unconnected", recv(s, b, 1, 0), EINVAL);
	CHECK_ERR("stream send unconnected", send(s, b, 1, 0), ENOTCONN);
	CHECK_ERR("seqpacket recv unconnected", recv(q, b, 1, 0), ENOTCONN);
	CHECK_ERR("seqpacket send unconnected", send(q, b, 1, 0), ENOTCONN);
	CHECK_ERR("dgram recv unconnected", recv(d, b, 1, MSG_DONTWAIT),
		  EAGAIN);
	CHECK_ERR("dgram send unconnected", send(d, b, 1, 0), ENOTCONN);
	CHECK_RET("shutdown unconnected", shutdown(s, SHUT_RDWR), 0);
	CHECK_EQX("then", revents(s), POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
	CHECK_ERR("getpeername", getpeername(s, (void *)b, &(socklen_t){ 4 }),
		  ENOTCONN);
	CHECK_ERR("accept unbound", accept(s, NULL, NULL), EINVAL);
	CHECK_ERR("listen unbound", listen(q, 1), EINVAL);
	CHECK_ERR("listen dgram", listen(d, 1), EOPNOTSUPP);
	CHECK_ERR("accept dgram", accept(d, NULL, NULL), EOPNOTSUPP);
	close(s);
	close(d);
	close(q);
}

CONTRACT_TEST(bind_path)
{
	struct sockaddr_un a, g;
	socklen_t l = mkaddr(&a, SPATH), gl;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	int t = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct stat st;

	unlink(SPATH);
	unlink(SPATH2);
	CHECK_ERR("length 1", bind(s, (void *)&a, 1), EINVAL);
	CHECK_ERR("length 111", bind(s, (void *)&a, 111), EINVAL);
	a.sun_family = AF_INET;
	CHECK_ERR("AF_INET", bind(s, (void *)&a, l), EINVAL);
	a.sun_family = AF_UNIX;
	CHECK_ERR("bad address", bind(s, BAD_LOW, l), EFAULT);
	{
		struct sockaddr_un n;
		socklen_t nl = mkaddr(&n, "/tmp/no/such/dir/s");

		CHECK_ERR("missing directory", bind(s, (void *)&n, nl), ENOENT);
	}
	CHECK_RET("bind", bind(s, (void *)&a, l), 0);
	CHECK_RET("stat", stat(SPATH, &st), 0);
	CHECK_EQO("mode (umask 022)", st.st_mode, S_IFSOCK | 0755);
	CHECK_ERR("open", open(SPATH, O_RDONLY), ENXIO);
	CHECK_ERR("bind another there", bind(t, (void *)&a, l), EADDRINUSE);
	CHECK_ERR("bind a bound socket to a taken name", bind(s, (void *)&a, l),
		  EADDRINUSE);
	{
		struct sockaddr_un n;
		socklen_t nl = mkaddr(&n, SPATH2);

		CHECK_ERR("bind a bound socket again", bind(s, (void *)&n, nl),
			  EINVAL);
		CHECK_ERR("and no node is left", access(SPATH2, F_OK), ENOENT);
	}
	gl = sizeof(g);
	memset(&g, 0x55, sizeof(g));
	CHECK_RET("getsockname", getsockname(s, (void *)&g, &gl), 0);
	CHECK_EQ("length: family, path, NUL", gl, 2 + strlen(SPATH) + 1);
	CHECK_STR("path", g.sun_path, SPATH);
	gl = 4;
	CHECK_RET("getsockname, short buffer", getsockname(s, (void *)&g, &gl),
		  0);
	CHECK_EQ("full length reported", gl, 2 + strlen(SPATH) + 1);
	/* The length without the NUL is the same name. */
	CHECK_ERR("name without NUL", bind(t, (void *)&a, l - 1), EADDRINUSE);
	close(s);
	CHECK_RET("the node outlives the socket", stat(SPATH, &st), 0);
	CHECK_ERR("bind while the node exists", bind(t, (void *)&a, l),
		  EADDRINUSE);
	CHECK_ERR("connect: nobody there", connect(t, (void *)&a, l),
		  ECONNREFUSED);
	unlink(SPATH);
	CHECK_ERR("connect: no node", connect(t, (void *)&a, l), ENOENT);
	{
		struct sockaddr_un n;
		socklen_t nl = mkaddr(&n, DATA "/small");

		CHECK_ERR("connect to a regular file",
			  connect(t, (void *)&n, nl), ECONNREFUSED);
	}
	close(t);
}

CONTRACT_TEST(abstract_autobind)
{
	struct sockaddr_un a, g;
	socklen_t l = mkaddr(&a, "@kos-ct-abstract"), gl;
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	int t = socket(AF_UNIX, SOCK_DGRAM, 0);
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	char b[8];

	CHECK_RET("bind abstract", bind(s, (void *)&a, l), 0);
	gl = sizeof(g);
	CHECK_RET("getsockname", getsockname(s, (void *)&g, &gl), 0);
	CHECK("same name back", gl == l && !memcmp(&g, &a, l));
	CHECK_ERR("taken", bind(t, (void *)&a, l), EADDRINUSE);
	CHECK_RET("a longer name is another", bind(t, (void *)&a, l + 1), 0);
	close(t);
	t = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_RET("autobind", bind(t, (void *)&a, 2), 0);
	gl = sizeof(g);
	getsockname(t, (void *)&g, &gl);
	CHECK("5 hex digits",
	      gl == 8 && g.sun_path[0] == 0 &&
		      strspn(g.sun_path + 1, "0123456789abcdef") == 5);
	CHECK_RET("autobind again is a no-op", bind(t, (void *)&a, 2), 0);
	CHECK_RET("sendto the abstract name",
		  sendto(t, "hi", 2, 0, (void *)&a, l), 2);
	gl = sizeof(g);
	CHECK_RET("recvfrom", recvfrom(s, b, 8, 0, (void *)&g, &gl), 2);
	CHECK("source is the autobound name", gl == 8 && g.sun_path[0] == 0);
	CHECK_ERR("stream connect to a dgram name (names are per type)",
		  connect(u, (void *)&a, l), ECONNREFUSED);
	{
		int v = socket(AF_UNIX, SOCK_STREAM, 0);

		CHECK_RET("a stream socket may take it too",
			  bind(v, (void *)&a, l), 0);
		close(v);
	}
	{
		int one = 1;

		close(u);
		u = socket(AF_UNIX, SOCK_DGRAM, 0);
		setsockopt(u, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
		CHECK_RET("connect with SO_PASSCRED", connect(u, (void *)&a, l),
			  0);
		gl = sizeof(g);
		getsockname(u, (void *)&g, &gl);
		CHECK("autobound by it", gl == 8 && g.sun_path[0] == 0);
	}
	close(s);
	close(t);
	close(u);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_RET("the name is free after close", bind(s, (void *)&a, l), 0);
	close(s);
}

CONTRACT_TEST(listen_accept)
{
	struct sockaddr_un a, g;
	socklen_t gl;
	int srv, c, c2, c3, n;
	char b[8];

	unlink(SPATH);
	srv = server(SOCK_STREAM, SPATH, 5);
	CHECK("server", srv >= 0);
	CHECK_EQ("SO_ACCEPTCONN", ({
			 int v = -1;
			 getsockopt(srv, SOL_SOCKET, SO_ACCEPTCONN, &v,
				    &(socklen_t){ 4 });
			 v;
		 }),
		 1);
	CHECK_EQX("poll listener", revents(srv), 0);
	CHECK_ERR("accept4 bad flags", syscall(SYS_accept4, srv, NULL, NULL, 1),
		  EINVAL);
	CHECK_RET("F_SETFL", fcntl(srv, F_SETFL, O_NONBLOCK), 0);
	CHECK_ERR("accept, nobody", accept(srv, NULL, NULL), EAGAIN);
	c = client(SOCK_STREAM, SPATH, 0);
	CHECK("connect", c >= 0);
	CHECK_EQX("poll listener", revents(srv), POLLIN);
	CHECK_EQX("poll client", revents(c), POLLOUT);
	CHECK_RET("send before accept", send(c, "early", 5, 0), 5);
	gl = sizeof(g);
	memset(&g, 0x55, sizeof(g));
	n = accept4(srv, (void *)&g, &gl, SOCK_CLOEXEC | SOCK_NONBLOCK);
	CHECK("accept4", n >= 0);
	CHECK_EQ("peer address: unbound", gl, 2);
	CHECK_EQ("FD_CLOEXEC", fcntl(n, F_GETFD), FD_CLOEXEC);
	CHECK_EQO("O_NONBLOCK", fcntl(n, F_GETFL), O_RDWR | O_NONBLOCK);
	CHECK_RET("early data", recv(n, b, 8, 0), 5);
	gl = sizeof(g);
	getsockname(n, (void *)&g, &gl);
	CHECK("accepted socket's name is the listener's",
	      gl == 2 + strlen(SPATH) + 1 && !strcmp(g.sun_path, SPATH));
	gl = sizeof(g);
	getpeername(c, (void *)&g, &gl);
	CHECK("client's peer is the path", !strcmp(g.sun_path, SPATH));
	{
		struct ucred uc;
		socklen_t ul = sizeof(uc);

		getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &ul);
		CHECK("client's SO_PEERCRED: us, root",
		      uc.pid == getpid() && uc.uid == 0 && uc.gid == 0);
		getsockopt(n, SOL_SOCKET, SO_PEERCRED, &uc, &ul);
		CHECK("server's SO_PEERCRED: us", uc.pid == getpid());
	}
	mkaddr(&a, SPATH);
	CHECK_ERR("connect again", connect(c, (void *)&a, sizeof(a)), EISCONN);
	CHECK_ERR("listen on a connected socket", listen(c, 1), EINVAL);
	CHECK_ERR("accept on a connected socket", accept(c, NULL, NULL),
		  EINVAL);
	CHECK_ERR("connect a listener", connect(srv, (void *)&a, sizeof(a)),
		  EINVAL);
	CHECK_ERR("seqpacket to a stream listener",
		  client(SOCK_SEQPACKET, SPATH, 0), EPROTOTYPE);
	close(n);
	close(c);
	/* Backlog 0: one connection waits, the next finds it full. */
	CHECK_RET("listen 0", listen(srv, 0), 0);
	c = client(SOCK_STREAM, SPATH, 0);
	CHECK("first connect", c >= 0);
	CHECK_ERR("second, non-blocking",
		  (c2 = client(SOCK_STREAM, SPATH, SOCK_NONBLOCK)), EAGAIN);
	CHECK_RET("listen 2", listen(srv, 2), 0);
	c2 = client(SOCK_STREAM, SPATH, SOCK_NONBLOCK);
	CHECK("now it fits", c2 >= 0);
	c3 = client(SOCK_STREAM, SPATH, SOCK_NONBLOCK);
	CHECK("and a third", c3 >= 0);
	CHECK_RET("send", send(c, "x", 1, 0), 1);
	CHECK_RET("close the listener", close(srv), 0);
	CHECK_EQX("waiting client: reset", revents(c),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLERR);
	CHECK_ERR("recv", recv(c, b, 1, 0), ECONNRESET);
	CHECK_ERR("send", send(c, b, 1, MSG_NOSIGNAL), EPIPE);
	close(c);
	close(c2);
	close(c3);
	CHECK_ERR("connect after close", client(SOCK_STREAM, SPATH, 0),
		  ECONNREFUSED);
	unlink(SPATH);
}

static void waitall_child(void *arg)
{
	(void)arg;
	close(sv[1]);
	for (int i = 0; i < 4; i++) {
		ct_msleep(20);
		send(sv[0], "ab", 2, 0);
	}
	_exit(0);
}

CONTRACT_TEST(blocking)
{
	char b[16];
	pid_t pid;

	mkpair(SOCK_STREAM);
	pid = ct_fork();
	if (pid == 0)
		waitall_child(NULL);
	close(sv[0]);
	CHECK_RET("MSG_WAITALL gathers 8", recv(sv[1], b, 8, MSG_WAITALL), 8);
	CHECK("data", !memcmp(b, "abababab", 8));
	CHECK_STR("child", ct_status(ct_wait(pid)), "exited 0");
	close(sv[1]);
	mkpair(SOCK_STREAM);
	pid = ct_fork();
	if (pid == 0)
		waitall_child(NULL);
	close(sv[0]);
	CHECK_RET("plain recv returns what is there", recv(sv[1], b, 8, 0), 2);
	ct_wait(pid);
	CHECK_RET("WAITALL stops at EOF", recv(sv[1], b, 16, MSG_WAITALL), 6);
	close(sv[1]);
}

CONTRACT_TEST(full_sender)
{
	char b[4096];
	long total = 0, got = 0, n;
	int sz = 4096;

	memset(b, 'q', sizeof(b));
	mkpair(SOCK_STREAM);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	while ((n = send(sv[0], b, sizeof(b), MSG_DONTWAIT)) > 0)
		total += n;
	CHECK_ERR("full: EAGAIN", send(sv[0], b, sizeof(b), MSG_DONTWAIT),
		  EAGAIN);
	CHECK("something was sent", total > 0);
	CHECK("less than a lot", total < 65536);
	CHECK_EQX("not writable", revents(sv[0]) & POLLOUT, 0);
	while ((n = recv(sv[1], b, sizeof(b), MSG_DONTWAIT)) > 0)
		got += n;
	CHECK("all of it arrives", got == total);
	CHECK_EQX("writable again", revents(sv[0]) & POLLOUT, POLLOUT);
	close2();
}

CONTRACT_TEST(dgram)
{
	struct sockaddr_un a, g;
	socklen_t l, gl;
	int s, t, u, n;
	char b[16];

	unlink(SPATH);
	s = server(SOCK_DGRAM, SPATH, 0);
	l = mkaddr(&a, SPATH);
	t = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK_RET("sendto", sendto(t, "one", 3, 0, (void *)&a, l), 3);
	CHECK_RET("sendto empty", sendto(t, "", 0, 0, (void *)&a, l), 0);
	CHECK_RET("sendto", sendto(t, "three", 5, 0, (void *)&a, l), 5);
	CHECK_RET("FIONREAD: the first datagram", ioctl(s, FIONREAD, &n), 0);
	CHECK_EQ("bytes", n, 3);
	gl = sizeof(g);
	memset(&g, 0x55, sizeof(g));
	CHECK_RET("recvfrom", recvfrom(s, b, 16, 0, (void *)&g, &gl), 3);
	CHECK_EQ("unbound sender: no address", gl, 0);
	CHECK_RET("empty datagram", recv(s, b, 16, 0), 0);
	CHECK_RET("truncated", recv(s, b, 2, 0), 2);
	CHECK_ERR("the rest is gone", recv(s, b, 16, MSG_DONTWAIT), EAGAIN);
	sendto(t, "three", 5, 0, (void *)&a, l);
	CHECK_RET("MSG_TRUNC: real length", recv(s, b, 2, MSG_TRUNC), 5);
	sendto(t, "three", 5, 0, (void *)&a, l);
	{
		struct iovec iov = { b, 2 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		CHECK_RET("recvmsg", recvmsg(s, &mh, 0), 2);
		CHECK_EQX("MSG_TRUNC in msg_flags", mh.msg_flags, MSG_TRUNC);
	}
	{
		static char big[300000];

		CHECK_ERR("larger than the send buffer",
			  sendto(t, big, sizeof(big), 0, (void *)&a, l),
			  EMSGSIZE);
	}
	CHECK_ERR("send, not connected", send(t, "x", 1, 0), ENOTCONN);
	CHECK_RET("connect", connect(t, (void *)&a, l), 0);
	CHECK_RET("send", send(t, "conn", 4, 0), 4);
	CHECK_RET("recv", recv(s, b, 16, 0), 4);
	gl = sizeof(g);
	getpeername(t, (void *)&g, &gl);
	CHECK("peer name", gl == l && !strcmp(g.sun_path, SPATH));
	/* s connects elsewhere: t may no longer send to it. */
	u = socket(AF_UNIX, SOCK_DGRAM, 0);
	{
		struct sockaddr_un ua;
		socklen_t ul = mkaddr(&ua, "@kos-ct-dgram-u");

		bind(u, (void *)&ua, ul);
		CHECK_RET("s connects to u", connect(s, (void *)&ua, ul), 0);
	}
	CHECK_ERR("t to s now", send(t, "x", 1, 0), EPERM);
	{
		struct sockaddr un = { AF_UNSPEC };

		CHECK_RET("s dissolves", connect(s, &un, sizeof(un)), 0);
	}
	CHECK_RET("t to s again", send(t, "x", 1, 0), 1);
	/* A full queue (net.unix.max_dgram_qlen, 10 by default). */
	fcntl(t, F_SETFL, O_NONBLOCK);
	for (n = 1; n < 100; n++)
		if (send(t, "x", 1, 0) < 0)
			break;
	CHECK_ERR("queue full: EAGAIN", send(t, "x", 1, 0), EAGAIN);
	CHECK_EQ("datagrams queued", n, 11);
	CHECK_EQX("t not writable", revents(t) & POLLOUT, 0);
	recv(s, b, 16, 0);
	CHECK_EQX("after one read", revents(t) & POLLOUT, POLLOUT);
	close(s);
	CHECK_ERR("receiver gone", send(t, "x", 1, 0), ECONNREFUSED);
	CHECK_ERR("then not connected", send(t, "x", 1, 0), ENOTCONN);
	CHECK_ERR("sendto a dead name", sendto(t, "x", 1, 0, (void *)&a, l),
		  ECONNREFUSED);
	unlink(SPATH);
	CHECK_ERR("sendto a missing name", sendto(t, "x", 1, 0, (void *)&a, l),
		  ENOENT);
	close(t);
	close(u);
	mkpair(SOCK_DGRAM);
	close(sv[1]);
	CHECK_EQX("pair, peer closed", revents(sv[0]), POLLOUT);
	CHECK_ERR("send", send(sv[0], "x", 1, 0), ECONNREFUSED);
	CHECK_ERR("recv", recv(sv[0], b, 1, MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
}

CONTRACT_TEST(seqpacket)
{
	char b[16];
	int srv, c, n;

	mkpair(SOCK_SEQPACKET);
	send(sv[0], "first", 5, 0);
	send(sv[0], "second", 6, 0);
	CHECK_RET("records stay whole", recv(sv[1], b, 16, 0), 5);
	CHECK_RET("truncated record", recv(sv[1], b, 3, 0), 3);
	CHECK_ERR("rest dropped", recv(sv[1], b, 16, MSG_DONTWAIT), EAGAIN);
	CHECK_RET("sendto ignores the address",
		  sendto(sv[0], "x", 1, 0,
			 (void *)&(struct sockaddr_un){ 1, "" },
			 sizeof(struct sockaddr_un)),
		  1);
	recv(sv[1], b, 16, 0);
	close(sv[1]);
	CHECK_EQX("peer closed", revents(sv[0]),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_RET("recv EOF", recv(sv[0], b, 16, 0), 0);
	CHECK_ERR("send", send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	close(sv[0]);
	unlink(SPATH);
	srv = server(SOCK_SEQPACKET, SPATH, 1);
	c = client(SOCK_SEQPACKET, SPATH, 0);
	CHECK("connected", c >= 0);
	n = accept(srv, NULL, NULL);
	CHECK("accepted", n >= 0);
	send(c, "rec", 3, 0);
	CHECK_RET("record", recv(n, b, 16, 0), 3);
	close(n);
	close(c);
	close(srv);
	unlink(SPATH);
}

/* Send fds[0..n) over fd with data "F". */
static long send_fds(int fd, const int *fds, int n, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 260)];
	struct iovec iov = { "F", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return syscall(SYS_sendmsg, fd, &mh, flags); /* musl caps control */
}

/* Receive with room bytes of control; the fds into out, their count. */
static int recv_fds(int fd, size_t room, int flags, int *out, int *mflags)
{
	char cbuf[512], b[4];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int n = 0;

	mh.msg_control = room ? cbuf : NULL;
	mh.msg_controllen = room;
	if (recvmsg(fd, &mh, flags) < 0)
		return -errno - 1000;
	*mflags = mh.msg_flags;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(out, CMSG_DATA(c), n * sizeof(int));
		}
	return n;
}

CONTRACT_TEST(scm_rights)
{
	int p[2], got[8], fl, n, fds[300];
	char b[8];

	ct_pipe(p);
	mkpair(SOCK_STREAM);
	CHECK_RET("send a pipe's read end", send_fds(sv[0], p, 1, 0), 1);
	close(p[0]);
	n = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), 0, got, &fl);
	CHECK_EQ("one fd", n, 1);
	CHECK_EQX("msg_flags", fl, 0);
	CHECK_EQ("lowest free fd", got[0], 3);
	CHECK_EQ("not close-on-exec", fcntl(got[0], F_GETFD), 0);
	write(p[1], "via", 3);
	CHECK_RET("read through it", read(got[0], b, 8), 3);
	close(got[0]);
	ct_pipe(p);
	send_fds(sv[0], p, 2, 0);
	n = recv_fds(sv[1], CMSG_LEN(sizeof(int)), MSG_CMSG_CLOEXEC, got, &fl);
	CHECK_EQ("room for one of two", n, 1);
	CHECK_EQX("MSG_CTRUNC (and MSG_CMSG_CLOEXEC back)", fl,
		  MSG_CTRUNC | MSG_CMSG_CLOEXEC);
	CHECK_EQ("close-on-exec", fcntl(got[0], F_GETFD), FD_CLOEXEC);
	CHECK_ERR("the other was not installed", fcntl(got[0] + 1, F_GETFD),
		  EBADF);
	close(got[0]);
	send_fds(sv[0], p, 1, 0);
	n = recv_fds(sv[1], 0, 0, got, &fl);
	CHECK_EQ("no room", n, 0);
	CHECK_EQX("MSG_CTRUNC", fl, MSG_CTRUNC);
	/* Stream: a read stops after the bytes that carried fds. */
	send(sv[0], "ab", 2, 0);
	send_fds(sv[0], p, 1, 0);
	send(sv[0], "cd", 2, 0);
	n = recv_fds(sv[1], 64, 0, got, &fl);
	CHECK_EQ("ab, then F with its fd", n, 1);
	close(got[0]);
	CHECK_RET("then the rest", recv(sv[1], b, 8, 0), 2);
	CHECK("cd", !memcmp(b, "cd", 2));
	CHECK_ERR("a bad fd", send_fds(sv[0], (int[]){ 99 }, 1, 0), EBADF);
	for (int i = 0; i < 300; i++)
		fds[i] = p[0];
	CHECK_RET("253 fds", send_fds(sv[0], fds, 253, 0), 1);
	CHECK_ERR("254 fds", send_fds(sv[0], fds, 254, 0), EINVAL);
	n = recv_fds(sv[1], 512, 0, got, &fl);
	CHECK("(truncated to what fits)", n > 0 && (fl & MSG_CTRUNC));
	for (int fd = 3; fd < 200; fd++)
		if (fd != sv[0] && fd != sv[1] && fd != p[0] && fd != p[1])
			close(fd);
	/* Peek gives copies; the fds stay with the message. */
	send_fds(sv[0], p, 1, 0);
	n = recv_fds(sv[1], 64, MSG_PEEK, got, &fl);
	CHECK_EQ("peek: one fd", n, 1);
	close(got[0]);
	n = recv_fds(sv[1], 64, 0, got, &fl);
	CHECK_EQ("and again for real", n, 1);
	close(got[0]);
	close(p[0]);
	close(p[1]);
	close2();
}

CONTRACT_TEST(scm_rights_cycle)
{
	struct sockaddr_un a;
	socklen_t l = mkaddr(&a, "@kos-ct-gc");
	int s, r = -1;

	mkpair(SOCK_DGRAM);
	CHECK_RET("bind one end", bind(sv[0], (void *)&a, l), 0);
	/* Each end in flight in its own queue: only a cycle holds them. */
	CHECK_RET("send sv[0] to sv[1]'s queue", send_fds(sv[0], &sv[0], 1, 0),
		  1);
	CHECK_RET("send sv[1] to sv[0]'s queue", send_fds(sv[1], &sv[1], 1, 0),
		  1);
	close2();
	/* Linux collects from a work queue: allow it a moment. */
	for (int i = 0; i < 200; i++) {
		s = socket(AF_UNIX, SOCK_DGRAM, 0);
		r = bind(s, (void *)&a, l);
		close(s);
		if (r == 0)
			break;
		ct_msleep(10);
	}
	CHECK_RET("the cycle is freed: its name is free", r, 0);
}

/* Receive one message's SCM_CREDENTIALS, or pid -1. */
static struct ucred recv_cred(int fd)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))], b[4];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct ucred uc = { -1, 0, 0 };
	struct cmsghdr *c;

	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(fd, &mh, 0) < 0)
		return uc;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_type == SCM_CREDENTIALS)
			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
	return uc;
}

static long send_cred(int fd, pid_t pid, uid_t uid, gid_t gid)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { "C", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct ucred uc = { pid, uid, gid };
	struct cmsghdr *c;

	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(uc));
	memcpy(CMSG_DATA(c), &uc, sizeof(uc));
	return sendmsg(fd, &mh, 0);
}

static void cred_child(void *arg)
{
	(void)arg;
	if (setgid(1000) || setuid(1000)) {
		ct_say("setuid failed");
		return;
	}
	CHECK_ERR("claim uid 0", send_cred(sv[0], getpid(), 0, 1000), EPERM);
	CHECK_ERR("claim another pid", send_cred(sv[0], 1, 1000, 1000), EPERM);
	CHECK_RET("own ids", send_cred(sv[0], getpid(), 1000, 1000), 1);
}

CONTRACT_TEST(scm_credentials)
{
	int one = 1;
	struct ucred uc;
	char b[4];

	mkpair(SOCK_DGRAM);
	send(sv[0], "a", 1, 0);
	uc = recv_cred(sv[1]);
	CHECK_EQ("no SO_PASSCRED: no credentials", uc.pid, -1);
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	send(sv[0], "a", 1, 0);
	uc = recv_cred(sv[1]);
	CHECK("implicit: our pid, root",
	      uc.pid == getpid() && uc.uid == 0 && uc.gid == 0);
	CHECK_RET("explicit, as root", send_cred(sv[0], getpid(), 5, 6), 1);
	uc = recv_cred(sv[1]);
	CHECK("as claimed", uc.uid == 5 && uc.gid == 6);
	{
		char cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { "C", 1 };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDENTIALS;
		c->cmsg_len = CMSG_LEN(sizeof(struct ucred)) - 1;
		CHECK_ERR("wrong length", sendmsg(sv[0], &mh, 0), EINVAL);
	}
	ct_child_ok("unprivileged", cred_child, NULL);
	uc = recv_cred(sv[1]);
	CHECK("its credentials", uc.uid == 1000 && uc.gid == 1000 &&
					 uc.pid != getpid() && uc.pid > 0);
	CHECK_ERR("nothing else", recv(sv[1], b, 4, MSG_DONTWAIT), EAGAIN);
	close2();
}

static void perm_child(void *arg)
{
	(void)arg;
	if (setgid(1000) || setuid(1000)) {
		ct_say("setuid failed");
		return;
	}
	CHECK_ERR("connect without write permission",
		  client(SOCK_STREAM, SPATH, 0), EACCES);
}

static void perm_child2(void *arg)
{
	int c;

	(void)arg;
	if (setgid(1000) || setuid(1000))
		return;
	c = client(SOCK_STREAM, SPATH, 0);
	CHECK("connect with write permission", c >= 0);
	close(c);
}

CONTRACT_TEST(permission)
{
	int srv;

	unlink(SPATH);
	srv = server(SOCK_STREAM, SPATH, 5);
	ct_child_ok("uid 1000, mode 0755", perm_child, NULL);
	chmod(SPATH, 0777);
	ct_child_ok("uid 1000, mode 0777", perm_child2, NULL);
	close(srv);
	unlink(SPATH);
}

CONTRACT_TEST(epoll_rdhup)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = { EPOLLIN | EPOLLRDHUP | EPOLLET, { 0 } },
			   out[2];

	mkpair(SOCK_STREAM);
	CHECK_RET("add", epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev), 0);
	CHECK_RET("nothing yet", epoll_wait(ep, out, 2, 0), 0);
	send(sv[1], "x", 1, 0);
	CHECK_RET("data", epoll_wait(ep, out, 2, 0), 1);
	CHECK_EQX("events", out[0].events, EPOLLIN);
	CHECK_RET("edge: not again", epoll_wait(ep, out, 2, 0), 0);
	shutdown(sv[1], SHUT_WR);
	CHECK_RET("peer shut", epoll_wait(ep, out, 2, 0), 1);
	CHECK_EQX("events", out[0].events, EPOLLIN | EPOLLRDHUP);
	close(sv[1]);
	CHECK_RET("peer closed", epoll_wait(ep, out, 2, 0), 1);
	CHECK_EQX("events", out[0].events, EPOLLIN | EPOLLRDHUP | EPOLLHUP);
	close(sv[0]);
	close(ep);
}
