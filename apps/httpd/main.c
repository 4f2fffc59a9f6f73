/*
 * httpd: a small static-file HTTP/1.1 server (issue 13's showcase app;
 * apps/httpd/README.md, docs/apps.md).
 *
 *   httpd [-p PORT] [-d DIR] [-n N] [-q]
 *
 * Plain C and libc only: the same source is an ordinary Linux program
 * (cc apps/httpd/main.c), a static musl binary in a KOS image (process
 * mode) and a program linked into the kernel (linked mode).
 *
 * Design.  One thread, one epoll instance, level-triggered, every socket
 * non-blocking.  The listening socket is read until accept4 says EAGAIN.
 * Each connection is a struct conn (indexed by its fd) holding
 *
 *   in[]     the bytes received and not yet consumed: requests, possibly
 *            several (pipelining), possibly a partial one;
 *   hdr[]    the response head being sent (hdr_off of hdr_len sent);
 *   file     the open file whose body follows (file_off, file_left), or
 *            -1; a small body (the error pages) is part of hdr[].
 *
 * A connection is either reading (epoll waits for EPOLLIN) or writing
 * (EPOLLOUT): while a response is in flight no further request is
 * parsed, so pipelined requests are answered one after another in order.
 * serve() alternates: parse one complete request from in[], build its
 * response, send as much as the socket takes (write for the head,
 * sendfile for the body, falling back to pread+write where sendfile is
 * refused); on EAGAIN wait for EPOLLOUT and resume there; when the
 * response is done, consume the request and parse the next one.  A
 * response that ends the connection (HTTP/1.0, "Connection: close",
 * errors that leave the stream unparseable) ends it when sent: our side
 * is shut down (FIN) and what the peer still sends is read and dropped
 * until its EOF ("lingering"), because closing with unread bytes would
 * reset the connection and could destroy the response before the peer
 * reads it.  The peer's EOF with requests still in in[] answers them
 * first; a partial one is dropped.
 *
 * Requests: "METHOD SP target SP HTTP/1.x" and header lines, CRLF or LF
 * line ends.  GET and HEAD; any other method 405 (Allow: GET, HEAD).
 * HTTP/1.1 keeps the connection open unless "Connection: close";
 * HTTP/1.0 closes after the response; HTTP/2+ is 505.  HTTP/1.1 without
 * Host is 400.  A request body (Content-Length) is read and dropped;
 * Transfer-Encoding is 400.  The target: origin form ("/..."), the query
 * and fragment dropped, %XX decoded; a target over MAX_TARGET bytes or a
 * request line that does not fit in[] is 414; a head over IN_SIZE bytes
 * is 431; a ".." segment, a %00 or a path outside DIR is 403; a name that
 * does not exist 404; a directory without a trailing slash 301 to the
 * slashed one; a directory serves its index.html (404 without one); a
 * file that is not regular or not readable 403.
 *
 * Responses: HTTP/1.1 status line, Server, Date, Content-Type (by the
 * name's extension), Content-Length, Connection (keep-alive or close),
 * then the body (none for HEAD).  No Last-Modified or ETag, so the head
 * of every response is the same wherever the files were copied (the test
 * compares KOS's with the same binary's on the host, minus Date).
 *
 * Options: -p PORT (default 80), -d DIR (default /www), -n N (exit 0
 * after N responses; for tests), -q (no per-request log line).
 * "httpd: listening on port N" is printed when the socket is ready.
 * With -n, the Nth response "drains" the server: the listening socket
 * and idle connections are closed, responses in flight are finished and
 * their connections linger as above, and only when none is left does
 * httpd print "httpd: N requests served, exiting" and exit: exiting at
 * once could lose the last bytes still in the socket buffers (on KOS,
 * PID 1's exit powers the machine off).
 *
 * Limits: MAX_CONNS descriptors (connections beyond are closed at
 * once), no idle timeout (a client that never closes keeps its slot),
 * no ranges, no conditional requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IN_SIZE 8192	/* request head limit (and read buffer) */
#define HDR_SIZE 4096	/* response head + error page */
#define MAX_TARGET 2048 /* longest request target */
#define MAX_CONNS 1024	/* open connections at once */
#define MAX_EVENTS 64
#define CHUNK 65536 /* sendfile / read+write step */

struct conn {
	int fd;
	int writing;	     /* a response is in flight (EPOLLOUT) */
	int eof;	     /* the peer has shut down its side */
	int lingering;	     /* our side is shut: drain until the peer's EOF */
	unsigned int events; /* what epoll waits for */
	int close_after;     /* close once the response is sent */
	size_t in_len;	     /* bytes in in[] */
	size_t req_len;	     /* bytes of in[] the current request takes */
	size_t discard;	     /* request body bytes still to drop */
	char hdr[HDR_SIZE];
	size_t hdr_len, hdr_off;
	int file;
	off_t file_off;
	size_t file_left;
	char peer[INET_ADDRSTRLEN + 8];
	char in[IN_SIZE];
};

static struct conn *conns[MAX_CONNS];
static int epfd = -1;
static int rootfd = -1;
static int quiet;
static long max_requests = -1; /* -n */
static long served;
static int draining; /* -n reached: finish, then exit */
static int nconns;
static int use_sendfile = 1;

static void die(const char *what)
{
	fprintf(stderr, "httpd: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int set_events(struct conn *c, unsigned int ev)
{
	struct epoll_event e = { .events = ev, .data.fd = c->fd };

	if (c->events == ev)
		return 0;
	c->events = ev;
	return epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
}

static void conn_close(struct conn *c)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->file >= 0)
		close(c->file);
	conns[c->fd] = NULL;
	free(c);
	nconns--;
}

/* ---- requests ------------------------------------------------------ */

struct request {
	char method[16];
	char target[MAX_TARGET + 1];
	char path[MAX_TARGET + 1]; /* decoded, query dropped */
	int minor;		   /* HTTP/1.minor */
	int has_host;
	int conn_close, conn_keep;
	long long content_length;
	int chunked;
};

/* The end of the head in in[0..len): the offset past the empty line,
 * or 0 if it is not all there. */
static size_t head_end(const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (in[i] != '\n')
			continue;
		if (i + 1 < len && in[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && in[i + 1] == '\r' && in[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int is_tchar(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decode target's path into path; 0, or the status it earns. */
static int decode_path(const char *target, char *path)
{
	size_t i, o = 0;

	if (target[0] != '/')
		return 400;
	for (i = 0; target[i] && target[i] != '?' && target[i] != '#'; i++) {
		int ch = (unsigned char)target[i];

		if (ch == '%') {
			int h = hexval(target[i + 1]), l;

			l = h < 0 ? -1 : hexval(target[i + 2]);
			if (l < 0)
				return 400;
			ch = h * 16 + l;
			if (ch == 0)
				return 403;
			i += 2;
		}
		path[o++] = (char)ch;
	}
	path[o] = 0;
	/* No ".." segment anywhere: nothing above DIR. */
	for (i = 0; path[i]; i++) {
		if (path[i] == '/' && path[i + 1] == '.' &&
		    path[i + 2] == '.' && (path[i + 3] == '/' || !path[i + 3]))
			return 403;
	}
	return 0;
}

/* Trim spaces and tabs around s[0..*n). */
static const char *trim(const char *s, size_t *n)
{
	while (*n && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n &&
	       (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\r'))
		(*n)--;
	return s;
}

/* Does the comma-separated list v[0..n) hold token tok? */
static int has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok);

	while (n) {
		size_t k = 0, m;
		const char *t;

		while (k < n && v[k] != ',')
			k++;
		m = k;
		t = trim(v, &m);
		if (m == tl && !strncasecmp(t, tok, tl))
			return 1;
		v += k < n ? k + 1 : k;
		n -= k < n ? k + 1 : k;
	}
	return 0;
}

/* Parse the head in[0..len) (len = head_end()); 0 or an error status. */
static int parse_request(const char *in, size_t len, struct request *r)
{
	const char *p = in, *end = in + len, *sp1, *sp2, *eol;
	size_t n;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	eol = memchr(p, '\n', len);
	n = (size_t)(eol - p);
	if (n && p[n - 1] == '\r')
		n--;
	sp1 = memchr(p, ' ', n);
	if (!sp1)
		return 400;
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p));
	if (!sp2 || sp1 == p || sp2 == sp1 + 1)
		return 400;
	if ((size_t)(sp1 - p) >= sizeof(r->method))
		return 405; /* a long token is no method we know */
	for (const char *q = p; q < sp1; q++)
		if (!is_tchar(*q))
			return 400;
	memcpy(r->method, p, (size_t)(sp1 - p));
	if ((size_t)(sp2 - sp1 - 1) > MAX_TARGET)
		return 414;
	memcpy(r->target, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	for (const char *q = r->target; *q; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return 400;
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT */
	if (p + n - (sp2 + 1) != 8 || memcmp(sp2 + 1, "HTTP/", 5) ||
	    sp2[6] < '0' || sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' ||
	    sp2[8] > '9')
		return 400;
	if (sp2[6] != '1')
		return sp2[6] == '0' ? 400 : 505;
	r->minor = sp2[8] - '0';

	/* Header fields. */
	for (p = eol + 1; p < end; p = eol + 1) {
		const char *colon, *v;
		size_t vl;

		eol = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)(eol - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (!n)
			break;
		colon = memchr(p, ':', n);
		if (!colon || colon == p)
			return 400;
		for (const char *q = p; q < colon; q++)
			if (!is_tchar(*q))
				return 400; /* also obs-fold, space before ':' */
		vl = n - (size_t)(colon + 1 - p);
		v = trim(colon + 1, &vl);
#define FIELD(name)                                 \
	((size_t)(colon - p) == sizeof(name) - 1 && \
	 !strncasecmp(p, name, sizeof(name) - 1))
		if (FIELD("Host")) {
			if (r->has_host)
				return 400;
			r->has_host = 1;
		} else if (FIELD("Connection")) {
			if (has_token(v, vl, "close"))
				r->conn_close = 1;
			if (has_token(v, vl, "keep-alive"))
				r->conn_keep = 1;
		} else if (FIELD("Content-Length")) {
			long long cl = 0;

			if (!vl || r->content_length >= 0)
				return 400;
			for (size_t k = 0; k < vl; k++) {
				if (v[k] < '0' || v[k] > '9' ||
				    cl > (LLONG_MAX - 9) / 10)
					return 400;
				cl = cl * 10 + (v[k] - '0');
			}
			r->content_length = cl;
		} else if (FIELD("Transfer-Encoding")) {
			r->chunked = 1;
		}
#undef FIELD
	}
	if (r->chunked)
		return 400; /* no request bodies but counted ones */
	if (r->minor >= 1 && !r->has_host)
		return 400;
	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
		return 405;
	return decode_path(r->target, r->path);
}

/* ---- responses ----------------------------------------------------- */

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 301:
		return "Moved Permanently";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 505:
		return "HTTP Version Not Supported";
	}
	return "Error";
}

static const struct {
	const char *ext, *type;
} types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "md", "text/plain; charset=utf-8" },
	{ "c", "text/plain; charset=utf-8" },
	{ "css", "text/css" },
	{ "js", "text/javascript" },
	{ "json", "application/json" },
	{ "xml", "application/xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "ico", "image/x-icon" },
	{ "webp", "image/webp" },
	{ "pdf", "application/pdf" },
	{ "wasm", "application/wasm" },
	{ "gz", "application/gzip" },
	{ "tar", "application/x-tar" },
};

static const char *content_type(const char *path)
{
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');

	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

/* Append to c->hdr; the head never outgrows HDR_SIZE (bounded fields). */
static void hdr_add(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->hdr + c->hdr_len, HDR_SIZE - c->hdr_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->hdr_len += (size_t)n < HDR_SIZE - c->hdr_len
				      ? (size_t)n
				      : HDR_SIZE - 1 - c->hdr_len;
}

static void hdr_start(struct conn *c, int status)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	c->hdr_len = c->hdr_off = 0;
	hdr_add(c, "HTTP/1.1 %d %s\r\nServer: kos-httpd\r\nDate: %s\r\n",
		status, reason(status), date);
}

static void hdr_end(struct conn *c)
{
	hdr_add(c, "Connection: %s\r\n\r\n",
		c->close_after ? "close" : "keep-alive");
}

/* An error page (or the 301), its body in hdr[] unless head_only. */
static void respond_error(struct conn *c, int status, int head_only,
			  const char *location)
{
	char body[256];
	int blen;

	blen = snprintf(body, sizeof(body),
			"<!DOCTYPE html>\n<html><head><title>%d %s</title>"
			"</head>\n<body><h1>%d %s</h1></body></html>\n",
			status, reason(status), status, reason(status));
	hdr_start(c, status);
	if (location)
		hdr_add(c, "Location: %s\r\n", location);
	if (status == 405)
		hdr_add(c, "Allow: GET, HEAD\r\n");
	hdr_add(c,
		"Content-Type: text/html; charset=utf-8\r\n"
		"Content-Length: %d\r\n",
		blen);
	hdr_end(c);
	if (!head_only)
		hdr_add(c, "%s", body);
}

/* Build the response to r: a file or an error page. */
static int respond(struct conn *c, struct request *r)
{
	int head = !strcmp(r->method, "HEAD");
	const char *rel = r->path + 1;
	char idx[MAX_TARGET + 16];
	struct stat st;
	int fd;

	while (*rel == '/')
		rel++; /* "//etc": openat would take it as absolute */
	if (!*rel)
		rel = ".";
	fd = openat(rootfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		goto err;
	if (fstat(fd, &st) < 0) {
		close(fd);
		goto err;
	}
	if (S_ISDIR(st.st_mode)) {
		size_t pl = strlen(r->path);

		close(fd);
		if (r->path[pl - 1] != '/') {
			/* The target's own bytes (still %-encoded), with a
			 * slash before the query. */
			char loc[MAX_TARGET + 2];
			size_t tl = strcspn(r->target, "?#");

			memcpy(loc, r->target, tl);
			loc[tl] = '/';
			strcpy(loc + tl + 1, r->target + tl);
			respond_error(c, 301, head, loc);
			return 301;
		}
		snprintf(idx, sizeof(idx), "%sindex.html",
			 rel[0] == '.' && !rel[1] ? "" : rel);
		fd = openat(rootfd, idx, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			goto err;
		if (fstat(fd, &st) < 0) {
			close(fd);
			goto err;
		}
		rel = idx;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		respond_error(c, 403, head, NULL);
		return 403;
	}
	hdr_start(c, 200);
	hdr_add(c, "Content-Type: %s\r\nContent-Length: %lld\r\n",
		content_type(rel), (long long)st.st_size);
	hdr_end(c);
	if (head || !st.st_size) {
		close(fd);
	} else {
		c->file = fd;
		c->file_off = 0;
		c->file_left = (size_t)st.st_size;
	}
	return 200;
err:
	switch (errno) {
	case ENOENT:
	case ENOTDIR:
		respond_error(c, 404, head, NULL);
		return 404;
	case ENAMETOOLONG:
		respond_error(c, 414, head, NULL);
		return 414;
	case EACCES:
	case EPERM:
	case ELOOP:
		respond_error(c, 403, head, NULL);
		return 403;
	}
	respond_error(c, 500, head, NULL);
	return 500;
}

/* ---- sending ------------------------------------------------------- */

/* Send what the socket takes: 1 done, 0 would block, -1 failed. */
static int send_some(struct conn *c)
{
	while (c->hdr_off < c->hdr_len) {
		ssize_t n = send(c->fd, c->hdr + c->hdr_off,
				 c->hdr_len - c->hdr_off, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0
			       : errno == EINTR ? send_some(c)
						: -1;
		c->hdr_off += (size_t)n;
	}
	while (c->file_left) {
		size_t step = c->file_left < CHUNK ? c->file_left : CHUNK;
		ssize_t n = -1;

		if (use_sendfile) {
			n = sendfile(c->fd, c->file, &c->file_off, step);
			if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
				use_sendfile = 0; /* pread + send from now on */
				continue;
			}
		} else {
			static char buf[CHUNK];
			ssize_t r = pread(c->file, buf, step, c->file_off);

			if (r <= 0) /* the file shrank: cut the connection */
				return -1;
			n = send(c->fd, buf, (size_t)r, MSG_NOSIGNAL);
			if (n > 0)
				c->file_off += n;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return -1;
		c->file_left -= (size_t)n;
	}
	if (c->file >= 0) {
		close(c->file);
		c->file = -1;
	}
	return 1;
}

/* The response is out: log it, drop its request from in[]. */
static void finish_response(struct conn *c)
{
	served++;
	memmove(c->in, c->in + c->req_len, c->in_len - c->req_len);
	c->in_len -= c->req_len;
	c->req_len = 0;
	c->writing = 0;
}

static void log_request(struct conn *c, const char *line, size_t n, int status)
{
	if (quiet)
		return;
	if (n > 120)
		n = 120;
	printf("httpd: %s \"%.*s\" %d\n", c->peer, (int)n, line, status);
	fflush(stdout);
}

/*
 * Parse and answer the requests in in[] until one is incomplete or a
 * response blocks.  0: keep the connection; -1: close it.
 */
static int serve(struct conn *c)
{
	for (;;) {
		struct request r;
		size_t end;
		int status, st;

		if (c->writing) {
			st = send_some(c);
			if (st < 0)
				return -1;
			if (st == 0)
				return set_events(c, EPOLLOUT) < 0 ? -1 : 0;
			finish_response(c);
			if (max_requests >= 0 && served >= max_requests)
				draining = c->close_after = 1;
			if (c->close_after) {
				/* Closing with unread bytes would reset the
				 * connection, and the peer could lose the
				 * response: shut our side, read until EOF. */
				if (c->eof || shutdown(c->fd, SHUT_WR) < 0)
					return -1;
				c->lingering = 1;
				return set_events(c, EPOLLIN) < 0 ? -1 : 0;
			}
			continue;
		}
		if (c->discard) {
			size_t k =
				c->discard < c->in_len ? c->discard : c->in_len;

			memmove(c->in, c->in + k, c->in_len - k);
			c->in_len -= k;
			c->discard -= k;
			if (c->discard) {
				if (c->eof)
					return -1;
				break;
			}
		}
		end = head_end(c->in, c->in_len);
		if (!end) {
			if (c->eof)
				return -1; /* a partial request at most */
			if (c->in_len < IN_SIZE)
				break; /* wait for more */
			/* Full and no head: too long a line or head. */
			status = memchr(c->in, '\n', c->in_len) ? 431 : 414;
			c->close_after = 1;
			respond_error(c, status, 0, NULL);
			c->req_len = c->in_len;
			log_request(c, c->in, strcspn(c->in, "\r\n"), status);
			c->writing = 1;
			continue;
		}
		status = parse_request(c->in, end, &r);
		c->req_len = end;
		c->close_after = r.minor == 0 || r.conn_close;
		if (status) {
			/* Methods we refuse (405), or a path we refuse, leave
			 * the stream intact; syntax errors do not. */
			if (status != 405 && status != 403 && status != 404)
				c->close_after = 1;
			respond_error(c, status, !strcmp(r.method, "HEAD"),
				      NULL);
		} else {
			status = respond(c, &r);
		}
		if (!c->close_after && r.content_length > 0) {
			/* Drop the body after this request's head. */
			c->discard = (size_t)r.content_length;
		}
		log_request(c, c->in, strcspn(c->in, "\r\n"), status);
		c->writing = 1;
	}
	return set_events(c, EPOLLIN) < 0 ? -1 : 0;
}

/* EPOLLIN: read what there is, then serve.  0 keep, -1 close. */
static int on_readable(struct conn *c)
{
	while (c->lingering) {
		ssize_t n = recv(c->fd, c->in, IN_SIZE, 0);

		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0
									  : -1;
	}
	for (;;) {
		ssize_t n;

		if (c->in_len == IN_SIZE)
			break;
		n = recv(c->fd, c->in + c->in_len, IN_SIZE - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n == 0) {
			c->eof = 1; /* answer what came, then close */
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		return -1;
	}
	return serve(c);
}

static void accept_all(int lfd)
{
	for (;;) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		struct epoll_event e = { .events = EPOLLIN };
		struct conn *c;
		int fd, one = 1;

		fd = accept4(lfd, (struct sockaddr *)&sa, &sl,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fprintf(stderr, "httpd: accept: %s\n",
					strerror(errno));
			return;
		}
		if (fd >= MAX_CONNS || !(c = calloc(1, sizeof(*c)))) {
			close(fd); /* too many at once */
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->file = -1;
		c->events = EPOLLIN;
		snprintf(c->peer, sizeof(c->peer), "%u.%u.%u.%u",
			 ntohl(sa.sin_addr.s_addr) >> 24,
			 (ntohl(sa.sin_addr.s_addr) >> 16) & 255,
			 (ntohl(sa.sin_addr.s_addr) >> 8) & 255,
			 ntohl(sa.sin_addr.s_addr) & 255);
		e.data.fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
			close(fd);
			free(c);
			continue;
		}
		conns[fd] = c;
		nconns++;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: httpd [-p PORT] [-d DIR] [-n N] [-q]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = "/www";
	long port = 80;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct epoll_event ev[MAX_EVENTS], e = { .events = EPOLLIN };
	int lfd, one = 1, opt;
	char *endp;

	while ((opt = getopt(argc, argv, "p:d:n:q")) != -1) {
		switch (opt) {
		case 'p':
			port = strtol(optarg, &endp, 10);
			if (*endp || port < 1 || port > 65535)
				usage();
			break;
		case 'd':
			dir = optarg;
			break;
		case 'n':
			max_requests = strtol(optarg, &endp, 10);
			if (*endp || max_requests < 0)
				usage();
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN); /* also MSG_NOSIGNAL: linked mode */
	draining = max_requests == 0;

	rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		die(dir);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	if (listen(lfd, 128) < 0)
		die("listen");
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	e.data.fd = lfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &e) < 0)
		die("epoll_ctl");
	printf("httpd: listening on port %ld\n", port);
	fflush(stdout);

	while (!draining || nconns) {
		int n = epoll_wait(epfd, ev, MAX_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd, r;
			struct conn *c;

			if (fd == lfd) {
				accept_all(lfd);
				continue;
			}
			c = conns[fd];
			if (!c)
				continue;
			if (ev[i].events & (EPOLLERR | EPOLLHUP) &&
			    !(ev[i].events & (EPOLLIN | EPOLLOUT))) {
				conn_close(c);
				continue;
			}
			r = c->writing ? serve(c) : on_readable(c);
			if (r < 0)
				conn_close(c);
		}
		if (draining) {
			/* -n: no new connections or requests; the responses
			 * in flight are finished and drained (exiting now
			 * could lose their last bytes). */
			if (lfd >= 0) {
				epoll_ctl(epfd, EPOLL_CTL_DEL, lfd, NULL);
				close(lfd);
				lfd = -1;
			}
			for (int fd = 0; fd < MAX_CONNS; fd++)
				if (conns[fd] && !conns[fd]->writing &&
				    !conns[fd]->lingering)
					conn_close(conns[fd]);
		}
	}
	printf("httpd: %ld requests served, exiting\n", served);
	fflush(stdout);
	return 0;
}
