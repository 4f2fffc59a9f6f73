/*
 * Hosted console: output to fd 1, input from fd 0.
 *
 * Input is interrupt driven: when stdin is a tty, pipe or socket it gets
 * O_ASYNC with this process as owner, so new input raises SIGIO, the
 * HOSTED_IRQ_CONSOLE interrupt.  The handler polls fd 0 and reads only what
 * poll() reports ready, so stdin stays blocking: stdin and stdout are often
 * one open file description (a terminal dup'ed by the shell), and
 * O_NONBLOCK on it would leak into our writes and into the shell after we
 * exit.  A tty also raises SIGIO when output space frees up; the handler
 * then finds nothing to read and returns.
 *
 * The terminal stays in the mode we found it (the host's line editing);
 * hosted_console_restore() puts back the file status flags we changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kos/plat/console.h>

#include "hosted.h"

static int stdin_flags = -1; /* fd 0's flags before we added O_ASYNC */
static bool stdin_eof;
static bool stdin_tty;

void plat_console_write(const char *buf, size_t len)
{
	struct pollfd pfd = { .fd = 1, .events = POLLOUT };
	ssize_t n;

	while (len) {
		n = write(1, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			poll(&pfd, 1, -1); /* someone made it O_NONBLOCK */
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			return; /* stdout is gone; drop the output */
		}
	}
}

/* HOSTED_IRQ_CONSOLE handler: interrupt context, async-signal-safe. */
static void console_irq(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char buf[512];
	ssize_t n;
	int rounds;

	/* Bounded, so a stream of input cannot starve everything else. */
	for (rounds = 0; rounds < 16 && !stdin_eof; rounds++) {
		if (poll(&pfd, 1, 0) <= 0 ||
		    !(pfd.revents & (POLLIN | POLLHUP)))
			return;
		n = read(0, buf, sizeof(buf));
		if (n > 0) {
			kos_console_input(buf, (size_t)n);
		} else if (n == 0 && stdin_tty) {
			return; /* ^D on an empty line: not the end */
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			/* End of input: stop asking for SIGIO. */
			stdin_eof = true;
			hosted_console_restore();
		}
	}
	/* More may be waiting: come back once interrupts are on again. */
	if (!stdin_eof)
		hosted_irq_raise(HOSTED_IRQ_CONSOLE);
}

void hosted_console_init(void)
{
	struct stat st;
	int fl;

	if (fstat(0, &st) < 0 ||
	    !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) ||
	      S_ISSOCK(st.st_mode)))
		return;
	if (S_ISCHR(st.st_mode) && !isatty(0))
		return; /* /dev/null and friends: no input, ever */
	fl = fcntl(0, F_GETFL);
	if (fl < 0)
		return;
	hosted_irq_register(HOSTED_IRQ_CONSOLE, SIGIO, console_irq);
	if (fcntl(0, F_SETOWN, getpid()) < 0 ||
	    fcntl(0, F_SETFL, fl | O_ASYNC) < 0)
		return;
	stdin_flags = fl;
	stdin_tty = S_ISCHR(st.st_mode);
	/* Input that arrived before O_ASYNC raised no signal: look once. */
	hosted_irq_raise(HOSTED_IRQ_CONSOLE);
}

void hosted_console_restore(void)
{
	if (stdin_flags >= 0) {
		fcntl(0, F_SETFL, stdin_flags);
		stdin_flags = -1;
	}
}
