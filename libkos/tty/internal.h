/* Between the files of the tty layer (libkos/tty/). */
#ifndef KOS_TTY_INTERNAL_H
#define KOS_TTY_INTERNAL_H

#include <kos/tty.h>

/* ldisc.c, all with t->lock held. */
int tty_ldisc_out_char(struct tty *t, unsigned char c);
/* Hand the waiting echo output to the driver, unless output is stopped. */
void tty_ldisc_flush_echoes(struct tty *t);
size_t tty_ldisc_receive(struct tty *t, const char *buf, size_t n,
			 uint64_t *sigs);
size_t tty_ldisc_receive_room(struct tty *t);
void tty_ldisc_flush_input(struct tty *t);
void tty_ldisc_termios_changed(struct tty *t, const struct termios *old);
size_t tty_ldisc_take(struct tty *t, char *kbuf, size_t n, bool *line_done);

/* Not a real errno: a driver's ioctl does not know the request. */
#define ENOIOCTLCMD 515

/* tty.c: hang t up with proc_lock held (see tty_hangup). */
void tty_hangup_locked(struct tty *t, bool exit_session);
struct tty_file;
/*
 * The ioctls of a tty file; master: through a pty master, whose
 * requests act on its slave t.
 */
long tty_ioctl_common(struct tty *t, struct tty_file *tf, struct file *f,
		      bool master, unsigned int cmd, unsigned long arg);
/* May the caller TIOCSTI into t (NULL: a pty master)?  0 or -EPERM. */
int tty_sti_allowed(struct tty *t);
/* Call the driver's flush hook, if any.  t->lock held. */
static inline void tty_out_flush(struct tty *t)
{
	if (t->drv->flush)
		t->drv->flush(t);
}

/* pty.c: /dev/pts/N's slave, referenced; -EIO if there is none. */
int tty_pty_slave_get(unsigned int index, struct tty **out);

/* An open file of a tty (file->priv). */
struct tty_file {
	struct tty *tty;  /* referenced */
	unsigned int gen; /* t->hangup_gen at open */
	bool master;	  /* a pty master (pty.c's own file ops) */
	bool nohup;	  /* /dev/console: hangups do not kill it (Linux) */
};

/* The hangup generation check: is f's tty dead for it?  t->lock held. */
static inline bool tty_file_hung(const struct tty_file *tf)
{
	return !tf->nohup && tf->gen != __atomic_load_n(&tf->tty->hangup_gen,
							__ATOMIC_RELAXED);
}

#endif
