/*
 * The generic socket layer (issue 12), exercised through AF_UNIX: socket
 * and socketpair flags and errors, the socket file (fstat, /proc fd
 * links, read/write/readv/writev, fcntl O_NONBLOCK), ENOTSOCK/EBADF/
 * EFAULT/EINVAL on every call, msghdr checks, sendmmsg/recvmmsg, and the
 * SOL_SOCKET options (buffer doubling, timeouts, SO_ERROR, SO_LINGER...).
 * Values that depend on the host's sysctls (net.core.wmem_max) are
 * printed as relations.
 */
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <stdlib.h>
#include <time.h>

#include "proclib.h"

#define CONTRACT_AREA "socket"

/* Raw calls: the C libraries may check or rewrite arguments. */
static long rsocket(int d, int t, int p)
{
	return syscall(SYS_socket, d, t, p);
}

static long rpair(int d, int t, int p, int *sv)
{
	return syscall(SYS_socketpair, d, t, p, sv);
}

static void close2(int *sv)
{
	close(sv[0]);
	close(sv[1]);
}

static int getint(int fd, int name)
{
	int v = -12345;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, name, &v, &l) < 0)
		return -errno - 1000;
	return v;
}

static int setint(int fd, int name, int v)
{
	return setsockopt(fd, SOL_SOCKET, name, &v, sizeof(v));
}

CONTRACT_TEST(create_errors)
{
	int sv[2] = { -1, -1 };

	CHECK_ERR("family -1", rsocket(-1, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR("family 46", rsocket(46, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR("family 1000", rsocket(1000, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR("AF_UNIX type 0", rsocket(AF_UNIX, 0, 0), ESOCKTNOSUPPORT);
	CHECK_ERR("AF_UNIX type 4", rsocket(AF_UNIX, 4, 0), ESOCKTNOSUPPORT);
	CHECK_ERR("AF_UNIX type 11", rsocket(AF_UNIX, 11, 0), EINVAL);
	CHECK_ERR("AF_UNIX type -1", rsocket(AF_UNIX, -1, 0), EINVAL);
	CHECK_ERR("unknown flag", rsocket(AF_UNIX, SOCK_STREAM | 0x1000, 0),
		  EINVAL);
	CHECK_ERR("protocol 2", rsocket(AF_UNIX, SOCK_STREAM, 2),
		  EPROTONOSUPPORT);
	CHECK_ERR("pair family -1", rpair(-1, SOCK_STREAM, 0, sv),
		  EAFNOSUPPORT);
	CHECK_ERR("pair unknown flag",
		  rpair(AF_UNIX, SOCK_STREAM | 0x1000, 0, sv), EINVAL);
	CHECK_ERR("pair bad vector", rpair(AF_UNIX, SOCK_STREAM, 0, BAD_LOW),
		  EFAULT);
	CHECK_EQ("lowest free fd after EFAULT", dup(0), 3);
	close(3);
}

CONTRACT_TEST(create_flags)
{
	int sv[2] = { -1, -1 }, fd;
	struct stat st;
	char path[64], link[64];
	ssize_t n;

	fd = rsocket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 1);
	CHECK_RET("socket with both flags, protocol 1", fd, 3);
	CHECK_EQ("FD_CLOEXEC", fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQO("F_GETFL", fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK);
	CHECK_RET("fstat", fstat(fd, &st), 0);
	CHECK_EQO("st_mode", st.st_mode, S_IFSOCK | 0777);
	CHECK_EQ("st_nlink", st.st_nlink, 1);
	CHECK_EQ("st_size", st.st_size, 0);
	mkdir("/proc", 0555);
	EXPECT(mount("proc", "/proc", "proc", 0, NULL) == 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	umount2("/proc", 0);
	CHECK("fd link is socket:[ino]",
	      n > 9 && !memcmp(link, "socket:[", 8) && link[n - 1] == ']');
	link[n > 0 ? n : 0] = 0;
	CHECK("its number is st_ino",
	      strtoull(link + 8, NULL, 10) == (unsigned long long)st.st_ino);
	CHECK_EQ("SO_TYPE", getint(fd, SO_TYPE), SOCK_STREAM);
	CHECK_EQ("SO_DOMAIN", getint(fd, SO_DOMAIN), AF_UNIX);
	CHECK_EQ("SO_PROTOCOL", getint(fd, SO_PROTOCOL), 0);
	close(fd);
	fd = rsocket(AF_UNIX, SOCK_RAW, 0);
	CHECK_RET("SOCK_RAW", fd, 3);
	CHECK_EQ("SOCK_RAW is SOCK_DGRAM", getint(fd, SO_TYPE), SOCK_DGRAM);
	close(fd);
	CHECK_RET("socketpair",
		  rpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	CHECK("fds 3 and 4", sv[0] == 3 && sv[1] == 4);
	CHECK("both close-on-exec",
	      fcntl(sv[0], F_GETFD) == FD_CLOEXEC &&
		      fcntl(sv[1], F_GETFD) == FD_CLOEXEC);
	CHECK_EQ("SO_TYPE", getint(sv[1], SO_TYPE), SOCK_SEQPACKET);
	fstat(sv[0], &st);
	{
		struct stat st2;

		fstat(sv[1], &st2);
		CHECK("two inodes", st.st_ino != st2.st_ino);
	}
	close2(sv);
}

CONTRACT_TEST(not_a_socket)
{
	struct sockaddr_un a = { AF_UNIX, "/tmp/x" };
	socklen_t l = sizeof(a);
	struct msghdr mh = { 0 };
	char b[4];
	int v = 1;

	CHECK_ERR("bind", bind(0, (void *)&a, sizeof(a)), ENOTSOCK);
	CHECK_ERR("connect", connect(0, (void *)&a, sizeof(a)), ENOTSOCK);
	CHECK_ERR("listen", listen(0, 1), ENOTSOCK);
	CHECK_ERR("accept", accept(0, NULL, NULL), ENOTSOCK);
	CHECK_ERR("accept4 bad flags first",
		  syscall(SYS_accept4, 0, NULL, NULL, 1), EINVAL);
	CHECK_ERR("getsockname", getsockname(0, (void *)&a, &l), ENOTSOCK);
	CHECK_ERR("getpeername", getpeername(0, (void *)&a, &l), ENOTSOCK);
	CHECK_ERR("shutdown", shutdown(0, SHUT_RD), ENOTSOCK);
	CHECK_ERR("sendto", sendto(0, b, 1, 0, NULL, 0), ENOTSOCK);
	CHECK_ERR("recvfrom", recvfrom(0, b, 1, 0, NULL, NULL), ENOTSOCK);
	CHECK_ERR("sendmsg", sendmsg(0, &mh, 0), ENOTSOCK);
	CHECK_ERR("recvmsg", recvmsg(0, &mh, 0), ENOTSOCK);
	CHECK_ERR("setsockopt", setsockopt(0, SOL_SOCKET, SO_DEBUG, &v, 4),
		  ENOTSOCK);
	CHECK_ERR("getsockopt", getsockopt(0, SOL_SOCKET, SO_TYPE, &v, &l),
		  ENOTSOCK);
	CHECK_ERR("sendmmsg", syscall(SYS_sendmmsg, 0, NULL, 0, 0), ENOTSOCK);
	CHECK_ERR("recvmmsg", syscall(SYS_recvmmsg, 0, NULL, 0, 0, NULL),
		  ENOTSOCK);
	CHECK_ERR("bind EBADF", bind(99, (void *)&a, sizeof(a)), EBADF);
	CHECK_ERR("recvfrom EBADF", recvfrom(-1, b, 1, 0, NULL, NULL), EBADF);
	CHECK_ERR("getsockopt EBADF",
		  getsockopt(99, SOL_SOCKET, SO_TYPE, &v, &l), EBADF);
}

CONTRACT_TEST(file_io)
{
	int sv[2] = { -1, -1 };
	char b[16] = { 0 };
	struct iovec iov[2] = { { b, 3 }, { b + 8, 4 } };
	struct pollfd p;

	CHECK_RET("socketpair", rpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_RET("write", write(sv[0], "abcdefg", 7), 7);
	CHECK_RET("readv", readv(sv[1], iov, 2), 7);
	CHECK("readv split", !memcmp(b, "abc", 3) && !memcmp(b + 8, "defg", 4));
	CHECK_RET("writev", writev(sv[1], iov, 2), 7);
	CHECK_RET("read 0", read(sv[0], b, 0), 0);
	CHECK_RET("read", read(sv[0], b, 16), 7);
	CHECK_ERR("lseek", lseek(sv[0], 0, SEEK_SET), ESPIPE);
	CHECK_ERR("pread", pread(sv[0], b, 1, 0), ESPIPE);
	CHECK_RET("F_SETFL O_NONBLOCK", fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	CHECK_ERR("read empty, O_NONBLOCK", read(sv[0], b, 1), EAGAIN);
	CHECK_ERR("recv empty, O_NONBLOCK", recv(sv[0], b, 1, 0), EAGAIN);
	CHECK_ERR("recv 0 bytes, empty", recv(sv[0], b, 0, 0), EAGAIN);
	CHECK_ERR("recv MSG_DONTWAIT on the blocking end",
		  recv(sv[1], b, 1, MSG_DONTWAIT), EAGAIN);
	CHECK_RET("FIONBIO off", ioctl(sv[0], FIONBIO, &(int){ 0 }), 0);
	CHECK_EQO("F_GETFL", fcntl(sv[0], F_GETFL), O_RDWR);
	CHECK_ERR("recv into a bad buffer, empty",
		  recv(sv[0], BAD_KERN, 1, MSG_DONTWAIT), EFAULT);
	CHECK_RET("send 1", send(sv[1], "z", 1, 0), 1);
	CHECK_ERR("recv into an unmapped buffer",
		  recv(sv[0], BAD_LOW, 1, MSG_DONTWAIT), EFAULT);
	CHECK_RET("the byte is still there", recv(sv[0], b, 1, 0), 1);
	CHECK_ERR("send from a bad buffer", send(sv[1], BAD_LOW, 1, 0), EFAULT);
	p.fd = sv[0];
	p.events = POLLIN | POLLOUT;
	CHECK_RET("poll", poll(&p, 1, 0), 1);
	CHECK_EQX("revents", p.revents, POLLOUT);
	CHECK_ERR("ioctl unknown", ioctl(sv[0], 0x1234, 0), ENOTTY);
	close2(sv);
}

CONTRACT_TEST(msghdr)
{
	int sv[2] = { -1, -1 };
	char b[16];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr mh = { 0 };
	static struct iovec many[1025];

	CHECK_RET("socketpair", rpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	CHECK_ERR("sendmsg bad msghdr", syscall(SYS_sendmsg, sv[0], BAD_LOW, 0),
		  EFAULT);
	CHECK_ERR("recvmsg bad msghdr", syscall(SYS_recvmsg, sv[0], BAD_LOW, 0),
		  EFAULT);
	for (int i = 0; i < 1025; i++) {
		many[i].iov_base = b;
		many[i].iov_len = 0;
	}
	mh.msg_iov = many;
	mh.msg_iovlen = 1025;
	CHECK_ERR("1025 iovecs", syscall(SYS_sendmsg, sv[0], &mh, 0), EMSGSIZE);
	mh.msg_iovlen = 1024;
	CHECK_RET("1024 empty iovecs", syscall(SYS_sendmsg, sv[0], &mh, 0), 0);
	mh.msg_iov = BAD_LOW;
	mh.msg_iovlen = 1;
	CHECK_ERR("bad iovec array", syscall(SYS_sendmsg, sv[0], &mh, 0),
		  EFAULT);
	iov.iov_len = (size_t)-1;
	mh.msg_iov = &iov;
	CHECK_ERR("negative iov_len", syscall(SYS_sendmsg, sv[0], &mh, 0),
		  EINVAL);
	iov.iov_len = 4;
	memcpy(b, "msg1", 4);
	mh.msg_control = b;
	mh.msg_controllen = 0x80000000UL;
	CHECK_ERR("msg_controllen > INT_MAX",
		  syscall(SYS_sendmsg, sv[0], &mh, 0), ENOBUFS);
	mh.msg_controllen = 8;
	CHECK_RET("control shorter than a header: none",
		  syscall(SYS_sendmsg, sv[0], &mh, 0), 4);
	{
		struct cmsghdr c[2] = { { 0 } };

		c[0].cmsg_len = 4;
		c[0].cmsg_level = SOL_SOCKET;
		mh.msg_control = c;
		mh.msg_controllen = sizeof(c);
		CHECK_ERR("cmsg_len < header",
			  syscall(SYS_sendmsg, sv[0], &mh, 0), EINVAL);
		c[0].cmsg_len = sizeof(c) + 1;
		CHECK_ERR("cmsg_len past the buffer",
			  syscall(SYS_sendmsg, sv[0], &mh, 0), EINVAL);
		c[0].cmsg_len = sizeof(c[0]);
		c[0].cmsg_level = 99;
		c[1].cmsg_len = sizeof(c[1]);
		c[1].cmsg_level = 99;
		CHECK_RET("other levels are ignored",
			  syscall(SYS_sendmsg, sv[0], &mh, 0), 4);
		c[1].cmsg_level = SOL_SOCKET;
		c[1].cmsg_type = 77;
		CHECK_ERR("unknown SOL_SOCKET type",
			  syscall(SYS_sendmsg, sv[0], &mh, 0), EINVAL);
	}
	mh.msg_control = NULL;
	mh.msg_controllen = 0;
	mh.msg_name = b;
	mh.msg_namelen = 0x80000000U;
	CHECK_ERR("negative msg_namelen", syscall(SYS_sendmsg, sv[0], &mh, 0),
		  EINVAL);
	mh.msg_name = NULL;
	mh.msg_namelen = 0;
	iov.iov_len = sizeof(b);
	mh.msg_flags = 0x7777;
	mh.msg_controllen = 99;
	CHECK_RET("recvmsg", syscall(SYS_recvmsg, sv[1], &mh, 0), 0);
	CHECK_EQX("msg_flags", mh.msg_flags, 0);
	CHECK_EQ("msg_controllen", mh.msg_controllen, 0);
	CHECK_RET("recvmsg second", syscall(SYS_recvmsg, sv[1], &mh, 0), 4);
	CHECK("data", !memcmp(b, "msg1", 4));
	close2(sv);
}

CONTRACT_TEST(mmsg)
{
	int sv[2] = { -1, -1 };
	char b[3][8];
	struct iovec iov[3];
	struct mmsghdr mm[3];
	struct timespec ts = { 0, 0 };

	CHECK_RET("socketpair", rpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		snprintf(b[i], sizeof(b[i]), "dg%d", i);
		iov[i].iov_base = b[i];
		iov[i].iov_len = 3 + (size_t)i;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_len = 99;
	}
	CHECK_RET("sendmmsg 3", syscall(SYS_sendmmsg, sv[0], mm, 3, 0), 3);
	CHECK("msg_len 3 4 5",
	      mm[0].msg_len == 3 && mm[1].msg_len == 4 && mm[2].msg_len == 5);
	CHECK_RET("sendmmsg 0", syscall(SYS_sendmmsg, sv[0], mm, 0, 0), 0);
	memset(b, 0, sizeof(b));
	for (int i = 0; i < 3; i++) {
		iov[i].iov_len = 8;
		mm[i].msg_len = 99;
	}
	CHECK_RET("recvmmsg 2", syscall(SYS_recvmmsg, sv[1], mm, 2, 0, NULL),
		  2);
	CHECK("lengths 3 4", mm[0].msg_len == 3 && mm[1].msg_len == 4);
	CHECK("data", !strcmp(b[0], "dg0") && !memcmp(b[1], "dg1", 3));
	CHECK_RET("recvmmsg WAITFORONE",
		  syscall(SYS_recvmmsg, sv[1], mm, 3, MSG_WAITFORONE, NULL), 1);
	CHECK_EQ("its length", mm[0].msg_len, 5);
	CHECK_ERR("recvmmsg empty, DONTWAIT",
		  syscall(SYS_recvmmsg, sv[1], mm, 3, MSG_DONTWAIT, NULL),
		  EAGAIN);
	ts.tv_nsec = 1000000000;
	CHECK_ERR("recvmmsg bad timeout",
		  syscall(SYS_recvmmsg, sv[1], mm, 3, 0, &ts), EINVAL);
	CHECK_ERR("recvmmsg timeout fault",
		  syscall(SYS_recvmmsg, sv[1], mm, 3, 0, BAD_LOW), EFAULT);
	CHECK_ERR("sendmmsg bad vector",
		  syscall(SYS_sendmmsg, sv[0], BAD_LOW, 1, 0), EFAULT);
	close2(sv);
}

CONTRACT_TEST(options)
{
	int fd = rsocket(AF_UNIX, SOCK_STREAM, 0), v;
	socklen_t l;
	struct linger lg;
	char big[300];

	CHECK_RET("socket", fd, 3);
	CHECK_EQ("SO_RCVBUF default", getint(fd, SO_RCVBUF), 212992);
	CHECK_EQ("SO_SNDBUF default", getint(fd, SO_SNDBUF), 212992);
	CHECK_RET("SO_SNDBUF 1", setint(fd, SO_SNDBUF, 1), 0);
	CHECK_EQ("read back (minimum)", getint(fd, SO_SNDBUF), 4608);
	CHECK_RET("SO_RCVBUF 1", setint(fd, SO_RCVBUF, 1), 0);
	CHECK_EQ("read back (minimum)", getint(fd, SO_RCVBUF), 2304);
	setint(fd, SO_SNDBUF, 10000);
	CHECK_EQ("SO_SNDBUF 10000 doubles", getint(fd, SO_SNDBUF), 20000);
	setint(fd, SO_RCVBUF, 10000);
	CHECK_EQ("SO_RCVBUF 10000 doubles", getint(fd, SO_RCVBUF), 20000);
	setint(fd, SO_SNDBUF, -1);
	CHECK("SO_SNDBUF -1 is the maximum, doubled",
	      getint(fd, SO_SNDBUF) >= 2 * 212992);
	CHECK_EQ("SO_SNDLOWAT", getint(fd, SO_SNDLOWAT), 1);
	CHECK_EQ("SO_RCVLOWAT", getint(fd, SO_RCVLOWAT), 1);
	setint(fd, SO_RCVLOWAT, -5);
	CHECK_EQ("SO_RCVLOWAT -5", getint(fd, SO_RCVLOWAT), 0x7fffffff);
	setint(fd, SO_RCVLOWAT, 0);
	CHECK_EQ("SO_RCVLOWAT 0", getint(fd, SO_RCVLOWAT), 1);
	CHECK_ERR("SO_SNDLOWAT set", setint(fd, SO_SNDLOWAT, 1), ENOPROTOOPT);
	CHECK_ERR("SO_TYPE set", setint(fd, SO_TYPE, 1), ENOPROTOOPT);
	CHECK_ERR("SO_ERROR set", setint(fd, SO_ERROR, 1), ENOPROTOOPT);
	CHECK_ERR("unknown", setint(fd, 999, 1), ENOPROTOOPT);
	CHECK_EQ("unknown get", getint(fd, 999), -ENOPROTOOPT - 1000);
	CHECK_ERR("SO_REUSEPORT on AF_UNIX", setint(fd, SO_REUSEPORT, 1),
		  EOPNOTSUPP);
	CHECK_RET("SO_REUSEPORT 0", setint(fd, SO_REUSEPORT, 0), 0);
	v = 1;
	CHECK_ERR("SOL_TCP on AF_UNIX", setsockopt(fd, 6, 1, &v, 4),
		  EOPNOTSUPP);
	l = 4;
	CHECK_ERR("getsockopt SOL_TCP on AF_UNIX", getsockopt(fd, 6, 1, &v, &l),
		  EOPNOTSUPP);
	for (int o = SO_DEBUG; o <= SO_KEEPALIVE; o++) {
		if (o == SO_TYPE || o == SO_ERROR || o == SO_SNDBUF ||
		    o == SO_RCVBUF || o == SO_DEBUG || o == SO_REUSEPORT)
			continue;
		setint(fd, o, 5);
		ct_say("bool option %d: %d", o, getint(fd, o));
		setint(fd, o, 0);
		ct_say("cleared: %d", getint(fd, o));
	}
	CHECK_RET("SO_PASSCRED", setint(fd, SO_PASSCRED, 1), 0);
	CHECK_EQ("read back", getint(fd, SO_PASSCRED), 1);
	setint(fd, SO_PASSCRED, 0);
	CHECK_RET("SO_OOBINLINE", setint(fd, SO_OOBINLINE, 1), 0);
	CHECK_EQ("read back", getint(fd, SO_OOBINLINE), 1);
	CHECK_RET("SO_PRIORITY 6", setint(fd, SO_PRIORITY, 6), 0);
	CHECK_EQ("read back", getint(fd, SO_PRIORITY), 6);
	CHECK_ERR("short int", setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, 2),
		  EINVAL);
	CHECK_ERR("negative length",
		  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, -1), EINVAL);
	CHECK_ERR("bad value pointer",
		  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, BAD_LOW, 4), EFAULT);
	memset(big, 0, sizeof(big));
	CHECK_RET("long value",
		  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, big, sizeof(big)),
		  0);
	l = 2;
	v = 0x12345678;
	CHECK_RET("getsockopt 2 bytes",
		  getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l), 0);
	CHECK_EQ("length", l, 2);
	CHECK_EQX("value", v, 0x12340001);
	l = 100;
	CHECK_RET("getsockopt 100 bytes",
		  getsockopt(fd, SOL_SOCKET, SO_TYPE, big, &l), 0);
	CHECK_EQ("length", l, 4);
	l = (socklen_t)-1;
	CHECK_ERR("negative length",
		  getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l), EINVAL);
	CHECK_ERR("bad length pointer",
		  getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, BAD_LOW), EFAULT);
	l = 4;
	CHECK_ERR("bad value pointer",
		  getsockopt(fd, SOL_SOCKET, SO_TYPE, BAD_LOW, &l), EFAULT);
	CHECK_EQ("SO_ACCEPTCONN", getint(fd, SO_ACCEPTCONN), 0);
	/* SO_LINGER: the time stays when it is switched off. */
	lg.l_onoff = 1;
	lg.l_linger = 7;
	CHECK_RET("SO_LINGER on 7",
		  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	lg.l_onoff = 0;
	lg.l_linger = 3;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	l = sizeof(lg);
	getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l);
	CHECK("off, 7 kept", lg.l_onoff == 0 && lg.l_linger == 7 && l == 8);
	lg.l_onoff = 1;
	lg.l_linger = -1;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	l = sizeof(lg);
	getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l);
	CHECK_EQ("linger -1 reads back", lg.l_linger, -1752346657);
	CHECK_ERR("SO_LINGER short",
		  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, 4), EINVAL);
	{
		struct ucred c;

		l = sizeof(c);
		CHECK_RET("SO_PEERCRED unconnected",
			  getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &l), 0);
		CHECK("pid 0, ids -1", c.pid == 0 && c.uid == (uid_t)-1 &&
					       c.gid == (gid_t)-1 && l == 12);
	}
	close(fd);
}

CONTRACT_TEST(timeouts)
{
	int sv[2] = { -1, -1 };
	struct timeval tv = { 1, 1 };
	socklen_t l = sizeof(tv);
	struct timespec t0, t1;
	char b[4];
	long ms;

	CHECK_RET("socketpair", rpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_RET("SO_RCVTIMEO 1.000001",
		  setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		  0);
	getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
	CHECK("rounded up to a tick",
	      tv.tv_sec == 1 && tv.tv_usec > 0 && tv.tv_usec <= 10000);
	tv.tv_sec = 0;
	tv.tv_usec = 1000000;
	CHECK_ERR("usec 1000000",
		  setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		  EDOM);
	tv.tv_usec = -1;
	CHECK_ERR("usec -1",
		  setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)),
		  EDOM);
	CHECK_ERR("short", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, 8),
		  EINVAL);
	tv.tv_sec = -1;
	tv.tv_usec = 0;
	CHECK_RET("negative seconds",
		  setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		  0);
	l = sizeof(tv);
	getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
	CHECK("reads 0", tv.tv_sec == 0 && tv.tv_usec == 0 && l == 16);
	CHECK_ERR("recv does not wait", recv(sv[0], b, 1, 0), EAGAIN);
	tv.tv_sec = 0;
	tv.tv_usec = 200000;
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	l = sizeof(tv);
	getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
	CHECK("0.2 s", tv.tv_sec == 0 && tv.tv_usec == 200000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_ERR("recv times out", recv(sv[0], b, 1, 0), EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK("after about 0.2 s", ms >= 190 && ms < 2000);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	l = sizeof(tv);
	getsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, &l);
	CHECK("SO_SNDTIMEO default 0", tv.tv_sec == 0 && tv.tv_usec == 0);
	close2(sv);
}

CONTRACT_TEST(shutdown_args)
{
	int sv[2] = { -1, -1 };

	CHECK_RET("socketpair", rpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_ERR("how -1", shutdown(sv[0], -1), EINVAL);
	CHECK_ERR("how 3", shutdown(sv[0], 3), EINVAL);
	CHECK_RET("SHUT_RDWR", shutdown(sv[0], SHUT_RDWR), 0);
	CHECK_RET("again", shutdown(sv[0], SHUT_RDWR), 0);
	close2(sv);
}

static void sigpipe_child(void *arg)
{
	int *sv = arg;

	send(sv[0], "x", 1, 0);
	ct_say("still alive");
}

CONTRACT_TEST(sigpipe)
{
	int sv[2] = { -1, -1 }, st;
	char b[1];

	CHECK_RET("socketpair", rpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	CHECK_ERR("send MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL),
		  EPIPE);
	CHECK_RET("recv EOF", recv(sv[0], b, 1, 0), 0);
	close(sv[0]);
	rpair(AF_UNIX, SOCK_STREAM, 0, sv);
	close(sv[1]);
	st = ct_capture(sigpipe_child, sv, (char[64]){ 0 }, 64);
	CHECK_STR("child", ct_status(st), "killed SIGPIPE");
	close(sv[0]);
}
