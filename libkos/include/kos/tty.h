/*
 * Terminals: one tty layer for every terminal (the console, the slave
 * side of each pseudo-terminal).
 *
 * A struct tty is the terminal as programs see it: its termios and window
 * size, the line discipline's input buffer (canonical lines, echo,
 * signal characters), output post-processing, flow control, and the
 * job-control state (session, foreground process group).  A driver
 * (struct tty_driver) moves processed output to the device and feeds
 * input with tty_receive().  The line discipline is Linux's N_TTY, the
 * only one there is (TIOCSETD accepts only N_TTY).
 *
 * Lifetime: tty_get/tty_put count references (open files, controlling
 * terminal pointers of processes, the driver's own); the driver's
 * release hook runs with the last.  Each open file of a tty remembers the
 * tty's hangup generation: a hangup (tty_hangup) makes every file opened
 * before it dead -- read 0, write -EIO -- while later opens work again.
 *
 * Locking:
 *	t->lock (spin, interrupts off)	termios, winsize, the input buffer
 *		and read state, output column, stop flags, the driver's
 *		output buffer (a pty's master queue), opens, hangup_gen
 *	proc_lock (mutex)		t->session, t->pgrp, proc->tty
 * Order: proc_lock, then t->lock.  Signals are sent with neither held
 * (the line discipline collects them and the caller sends them after
 * unlocking).
 */
#ifndef KOS_TTY_H
#define KOS_TTY_H

#include <kos/spinlock.h>
#include <kos/types.h>
#include <kos/waitq.h>
#include <uapi/termios.h>

struct tty;
struct file;
struct proc;
struct uio;
struct poll_table;

#define TTY_BUF 4096	 /* input buffer (Linux's N_TTY_BUF_SIZE) */
#define TTY_ECHO_BUF 256 /* echo output held back (see ldisc.c) */

struct tty_driver {
	const char *name; /* "ttyS0", "pts/3" for logs and /proc */
	/*
	 * Take n processed output bytes; the caller checked room first, so
	 * all must be taken.  t->lock held, interrupts off.
	 */
	void (*write)(struct tty *t, const char *buf, size_t n);
	/* Bytes write may take now.  t->lock held. */
	size_t (*write_room)(struct tty *t);
	/* Output bytes queued but not yet sent (TIOCOUTQ).  t->lock held. */
	size_t (*chars_in_buffer)(struct tty *t);
	/* Send what write() buffered.  t->lock held.  Optional. */
	void (*flush)(struct tty *t);
	/* Drop queued output (TCOFLUSH).  t->lock held.  Optional. */
	void (*flush_output)(struct tty *t);
	/*
	 * The termios changed (old: before): the driver may correct it (a
	 * pty keeps CS8|CREAD).  t->lock held.  Optional.
	 */
	void (*set_termios)(struct tty *t, const struct termios *old);
	/* A reader took input: room for more (wake writers).  No locks. */
	void (*input_room)(struct tty *t);
	/* The last reference went: free the driver's part. */
	void (*release)(struct tty *t);
	/* Extra ioctls (a pty's TIOCGPTN & co).  -ENOIOCTLCMD if unknown. */
	long (*ioctl)(struct tty *t, struct file *f, unsigned int cmd,
		      unsigned long arg);
	/* The open files of the tty went from some to none.  Optional. */
	void (*last_close)(struct tty *t);
	bool noctty; /* opening it never makes it a controlling tty */
	bool is_pty; /* a session leader's exit signals, not hangs up */
};

struct tty {
	unsigned int refcnt; /* atomic */
	const struct tty_driver *drv;
	void *drv_data;
	uint32_t rdev; /* the device number, for stat and TIOCGDEV */
	int index;     /* the pty number, or 0 */
	struct spinlock lock;
	struct termios termios;	   /* lock */
	uint32_t ispeed, ospeed;   /* lock: baud, termios2's fields */
	struct winsize ws;	   /* lock */
	unsigned int opens;	   /* lock: open files */
	unsigned int hangup_gen;   /* lock: bumped by each hangup */
	bool locked;		   /* lock: a pty slave before TIOCSPTLCK 0 */
	bool stopped;		   /* lock: output stopped (^S, TCOOFF) */
	bool tco_stopped;	   /* lock: by TCOOFF: only TCOON restarts */
	bool exclusive;		   /* lock: TIOCEXCL */
	bool input_eof;		   /* lock: the device's input ended for good */
	bool lnext, erasing;	   /* lock: line discipline state */
	bool pushing;		   /* lock: VEOF at line start pending */
	unsigned int column;	   /* lock: output column (tabs, erase) */
	unsigned int canon_column; /* lock: column where the line started */
	/* lock: echo output not yet given to the driver (ldisc.c), and the
	 * columns from before it */
	char echo_buf[TTY_ECHO_BUF];
	size_t echo_len;
	unsigned int echo_column, echo_canon_column;
	/* lock: the input ring; head - tail bytes, canon_head: end of lines */
	size_t read_head, read_tail, canon_head;
	char rbuf[TTY_BUF];
	uint8_t delim[TTY_BUF / 8]; /* lock: a line ends at this byte */
	uint8_t eofmk[TTY_BUF / 8]; /* lock: ...as VEOF (not returned) */
	struct waitq read_wq;	    /* input arrived, hangup */
	struct waitq write_wq;	    /* output room, restart, hangup */
	int session, pgrp;	    /* proc_lock: 0 if none */
};

/* A new tty with refcount 1, Linux's standard termios, no window size
 * (0x0, as Linux's new ttys). */
struct tty *tty_alloc(const struct tty_driver *drv, void *data, uint32_t rdev);
void tty_get(struct tty *t);
void tty_put(struct tty *t);

/*
 * Input from the device: the line discipline takes what fits (echoing,
 * editing, raising signals) and returns the count it took; 0 when the
 * buffer is full (the caller waits for drv->input_room).  Thread
 * context, no locks held (it sends signals).
 */
size_t tty_receive(struct tty *t, const char *buf, size_t n);
/* The device's input ended (hosted stdin at EOF): reads return 0. */
void tty_input_eof(struct tty *t);

/*
 * Hang t up: every open file of it dies (read 0, write -EIO, poll
 * POLLHUP), processes lose it as controlling tty; session: Linux's
 * rules for the signals (see tty.c).  No locks held.
 */
void tty_hangup(struct tty *t);

/* Send the signals in mask sigs (SIGBIT) to t's foreground group. */
void tty_signal_fg(struct tty *t, uint64_t sigs);
/* Room in the output direction changed, or output restarted. */
void tty_wake_writers(struct tty *t);
/* Bytes readers could take now (FIONREAD).  t->lock held. */
size_t tty_input_avail(struct tty *t);

/*
 * Open file f on t (f->priv = a reference to t).  noctty: O_NOCTTY or
 * a device that never becomes one; a session leader without a
 * controlling terminal otherwise acquires t, as on Linux.
 */
int tty_open_file(struct tty *t, struct file *f, bool noctty);
extern const struct file_ops tty_fops;

/*
 * Processes: the controlling terminal goes with fork (referenced), is
 * dropped by setsid and at exit; a session leader's exit hangs up or
 * signals as Linux's disassociate_ctty(1).  proc_lock held.
 */
void tty_fork(struct proc *child, struct proc *parent);
void tty_setsid(struct proc *p);
void tty_exit(struct proc *p);
/* /proc/<pid>/stat's tty_nr (the device number) and tpgid.  proc_lock. */
void tty_proc_stat(struct proc *p, unsigned int *tty_nr, int *tpgid);

/* The console tty (/dev/console 5:1 and /dev/ttyS0 4:64). */
struct tty *console_tty(void);
/* Ptys: /dev/ptmx (5:2) opens a new pair; /dev/pts/N (136:N). */
extern const struct file_ops tty_ptmx_fops;
struct superblock;
struct superblock *tty_devpts_create(const char *data, int *err);

#endif
