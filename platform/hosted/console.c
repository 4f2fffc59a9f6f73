/*
 * Hosted console: output to fd 1, input from fd 0.
 *
 * Terminal.  When stdin is a terminal it is put in raw mode while KOS
 * runs, so that KOS's own line discipline does the echo, the editing and
 * ^C/^Z (which reach the guest as bytes, not as host signals).  The mode
 * is put back on every way out: poweroff and halt (hosted_exit,
 * plat_halt), a fault or panic (fault.c), and the host signals that end
 * a process (SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGPIPE: restored, then
 * the signal is raised again with its default action).  The host
 * terminal's size goes to the console tty at boot and on every SIGWINCH.
 * As with QEMU's serial console, Ctrl-A is an escape key on a raw
 * terminal: Ctrl-A X quits (status 0, "kos: terminated"), Ctrl-A Ctrl-A
 * sends one Ctrl-A, Ctrl-A H prints the keys; any other key after it is
 * dropped.
 *
 * Input is interrupt driven: when stdin is a tty, pipe or socket it gets
 * O_ASYNC with this process as owner, so new input raises SIGIO, the
 * HOSTED_IRQ_CONSOLE interrupt.  The handler polls fd 0 and reads only what
 * poll() reports ready and what the core has room for, so stdin stays
 * blocking (stdin and stdout are often one open file description, and
 * O_NONBLOCK would leak into our writes and into the shell after we
 * exit).  A regular file or /dev/null raises no SIGIO: the handler just
 * reads on, re-raising itself.  When the core's ring is full the handler
 * stops until plat_console_input_room() raises it again.  End of input
 * (read returns 0, or an error) is kos_console_eof(): the guest reads end
 * of file, so `kos < script` and CI runs never wait for input that cannot
 * come.
 *
 * Output: kernel text gets "\r\n" line ends while the terminal is raw;
 * terminal output goes as it is to a terminal, and with the "\r" of
 * "\r\n" dropped to a file or pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <kos/plat/console.h>

#include "hosted.h"

static int stdin_flags = -1; /* fd 0's flags before we added O_ASYNC */
static bool stdin_eof;
static bool stdin_pollable; /* a tty, pipe or socket: poll() works */
static bool out_tty;	    /* stdout is a terminal */
static bool raw_on;	    /* we changed the terminal's mode */
static struct termios saved_tio;
static bool esc_pending; /* Ctrl-A seen on a raw terminal (console_irq) */

#define ESC_KEY 0x01 /* Ctrl-A */

static void write_all(const char *buf, size_t len)
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

void plat_console_write(const char *buf, size_t len)
{
	size_t start = 0;

	if (!raw_on || !out_tty) {
		write_all(buf, len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		write_all(buf + start, i - start);
		write_all("\r\n", 2);
		start = i + 1;
	}
	write_all(buf + start, len - start);
}

void plat_console_put(const char *buf, size_t len)
{
	size_t start = 0;

	if (out_tty) {
		write_all(buf, len);
		return;
	}
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\r' || buf[i + 1] != '\n')
			continue;
		write_all(buf + start, i - start);
		start = i + 1;
	}
	write_all(buf + start, len - start);
}

/*
 * The Ctrl-A escapes of a raw terminal: buf[0..n) without them, in
 * place; the new length.  Ctrl-A X ends the run here.
 */
static size_t filter_escapes(char *buf, size_t n)
{
	static const char help[] = "\r\nC-a x    quit the hosted kernel\r\n"
				   "C-a C-a  send C-a\r\n"
				   "C-a h    these keys\r\n";
	static const char bye[] = "\r\nkos: terminated\r\n";
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if (!esc_pending) {
			if (c == ESC_KEY)
				esc_pending = true;
			else
				buf[out++] = c;
			continue;
		}
		esc_pending = false;
		if (c == 'x' || c == 'X') {
			write_all(bye, sizeof(bye) - 1);
			hosted_exit(0);
		} else if (c == ESC_KEY) {
			buf[out++] = c;
		} else if (c == 'h' || c == 'H') {
			write_all(help, sizeof(help) - 1);
		}
	}
	return out;
}

/* Output is written at once: there is always room and never a queue. */
size_t plat_console_out_room(void)
{
	return (size_t)1 << 20;
}

size_t plat_console_out_pending(void)
{
	return 0;
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
		size_t room = kos_console_room();

		if (!room)
			return; /* plat_console_input_room() calls again */
		if (stdin_pollable &&
		    (poll(&pfd, 1, 0) <= 0 ||
		     !(pfd.revents & (POLLIN | POLLHUP | POLLERR))))
			return;
		n = read(0, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n > 0) {
			size_t len = (size_t)n;

			if (raw_on)
				len = filter_escapes(buf, len);
			if (len)
				kos_console_input(buf, len);
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			/* End of input: stop asking for SIGIO. */
			stdin_eof = true;
			if (stdin_flags >= 0) {
				fcntl(0, F_SETFL, stdin_flags);
				stdin_flags = -1;
			}
			kos_console_eof();
		}
	}
	/* More may be waiting: come back once interrupts are on again. */
	if (!stdin_eof)
		hosted_irq_raise(HOSTED_IRQ_CONSOLE);
}

void plat_console_input_room(void)
{
	if (!stdin_eof)
		hosted_irq_raise(HOSTED_IRQ_CONSOLE);
}

static void winch_irq(void)
{
	struct winsize ws;

	if (ioctl(1, TIOCGWINSZ, &ws) == 0 || ioctl(0, TIOCGWINSZ, &ws) == 0)
		if (ws.ws_row && ws.ws_col)
			kos_console_winsize(ws.ws_row, ws.ws_col);
}

/* A host signal that ends the process: put the terminal back first. */
static void fatal_signal(int sig)
{
	hosted_console_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void make_raw(void)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGPIPE };
	struct termios t;

	if (tcgetattr(0, &saved_tio) < 0)
		return;
	t = saved_tio;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
				 IGNCR | ICRNL | IXON | IXOFF);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], fatal_signal);
	if (tcsetattr(0, TCSANOW, &t) == 0)
		raw_on = true;
}

void hosted_console_init(void)
{
	struct stat st;
	int fl;

	out_tty = isatty(1);
	if (out_tty || isatty(0)) {
		hosted_irq_register(HOSTED_IRQ_WINCH, SIGWINCH, winch_irq);
		hosted_irq_raise(HOSTED_IRQ_WINCH);
	}
	hosted_irq_register(HOSTED_IRQ_CONSOLE, SIGIO, console_irq);
	if (fstat(0, &st) < 0) {
		stdin_eof = true;
		kos_console_eof();
		return;
	}
	stdin_pollable =
		isatty(0) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
	if (isatty(0))
		make_raw();
	if (stdin_pollable) {
		fl = fcntl(0, F_GETFL);
		if (fl >= 0 && fcntl(0, F_SETOWN, getpid()) == 0 &&
		    fcntl(0, F_SETFL, fl | O_ASYNC) == 0)
			stdin_flags = fl;
	}
	/* Input that arrived before O_ASYNC raised no signal: look once. */
	hosted_irq_raise(HOSTED_IRQ_CONSOLE);
}

void hosted_console_restore(void)
{
	if (stdin_flags >= 0) {
		fcntl(0, F_SETFL, stdin_flags);
		stdin_flags = -1;
	}
	if (raw_on) {
		tcsetattr(0, TCSANOW, &saved_tio);
		raw_on = false;
	}
}
