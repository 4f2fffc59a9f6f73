/*
 * The tty core: terminals as files (read, write, poll, the termios and
 * job-control ioctls), controlling terminals, hangup.  The line
 * discipline is in ldisc.c, the drivers in console.c and pty.c.
 *
 * Job control follows Linux (drivers/tty/tty_jobctrl.c): a process whose
 * controlling terminal t is, and whose group is not t's foreground
 * group, gets SIGTTIN for a read and -- with TOSTOP, or for a request
 * that changes the terminal -- SIGTTOU for a write; a blocked or
 * ignored signal makes the read -EIO and lets the write through, an
 * orphaned group gets -EIO.
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/time.h>
#include <kos/tty.h>
#include <kos/uaccess.h>
#include <uapi/capability.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/ioctl.h>
#include <uapi/poll.h>
#include <uapi/signal.h>

#include "internal.h"

#define CHUNK 256 /* bytes moved per lock hold */

/* Linux's INIT_C_CC: ^C ^\ ^? ^U ^D 0 1 0 ^Q ^S ^Z 0 ^R ^O ^W ^V 0 */
static const uint8_t std_cc[NCCS] = { 003, 034, 0177, 025, 004, 0,
				      1,   0,	021,  023, 032, 0,
				      022, 017, 027,  026, 0 };

struct tty *tty_alloc(const struct tty_driver *drv, void *data, uint32_t rdev)
{
	struct tty *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	t->refcnt = 1;
	t->drv = drv;
	t->drv_data = data;
	t->rdev = rdev;
	spin_init(&t->lock, "tty");
	t->termios.c_iflag = ICRNL | IXON;
	t->termios.c_oflag = OPOST | ONLCR;
	t->termios.c_cflag = B38400 | CS8 | CREAD | HUPCL;
	t->termios.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL |
			     ECHOKE | IEXTEN;
	kos_memcpy(t->termios.c_cc, std_cc, NCCS);
	t->ispeed = t->ospeed = 38400;
	waitq_init(&t->read_wq);
	waitq_init(&t->write_wq);
	return t;
}

void tty_get(struct tty *t)
{
	__atomic_add_fetch(&t->refcnt, 1, __ATOMIC_RELAXED);
}

void tty_put(struct tty *t)
{
	if (!t || __atomic_sub_fetch(&t->refcnt, 1, __ATOMIC_ACQ_REL))
		return;
	if (t->drv->release)
		t->drv->release(t);
	waitq_free_notify(&t->read_wq);
	waitq_free_notify(&t->write_wq);
	kfree(t);
}

/* ---- signals and job control ------------------------------------------ */

/* Send sig to every live process of group pgid.  proc_lock held. */
static void kill_pgrp_locked(int pgid, int sig)
{
	struct proc *p;

	if (pgid <= 0)
		return;
	list_for_each_entry (p, &proc_list, link)
		if (p->pgid == pgid && p->state == PROC_LIVE)
			sig_send_proc(p, sig, NULL);
}

void tty_signal_fg(struct tty *t, uint64_t sigs)
{
	if (!sigs)
		return;
	mutex_lock(&proc_lock);
	for (int sig = 1; sig <= 64; sig++)
		if (sigs & SIGBIT(sig))
			kill_pgrp_locked(t->pgrp, sig);
	mutex_unlock(&proc_lock);
}

/* Is sig blocked by the calling thread or ignored by its process? */
static bool sig_shut_out(int sig)
{
	struct uthread *ut = uthread_current();
	unsigned long fl = spin_lock_irqsave(&ut->sighand->lock);
	bool r = (ut->blocked & SIGBIT(sig)) ||
		 ut->sighand->action[sig - 1].handler == SIG_IGN;

	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	return r;
}

/*
 * Linux's __tty_check_change: may the caller read (SIGTTIN) or write/
 * change (SIGTTOU) t?  0, -EIO, or -ERESTARTSYS after signalling its
 * group.
 */
static int tty_check_change(struct tty *t, int sig)
{
	struct proc *me = proc_current();
	int r = 0;

	if (!me) /* a kernel thread: no job control */
		return 0;
	mutex_lock(&proc_lock);
	if (me->tty != t || !t->pgrp || me->pgid == t->pgrp)
		goto out;
	if (sig_shut_out(sig)) {
		if (sig == SIGTTIN)
			r = -EIO;
	} else if (proc_pgrp_orphaned(me->pgid, NULL)) {
		r = -EIO;
	} else {
		kill_pgrp_locked(me->pgid, sig);
		r = -ERESTARTSYS;
	}
out:
	mutex_unlock(&proc_lock);
	return r;
}

/* ---- controlling terminals -------------------------------------------- */

/* p (a session leader) takes t.  proc_lock held. */
static void set_ctty(struct proc *p, struct tty *t)
{
	tty_get(t);
	tty_put(p->tty);
	p->tty = t;
	t->session = p->sid;
	t->pgrp = p->pgid;
}

/* Every process of session sid loses t as its terminal.  proc_lock. */
static void session_clear_tty(int sid, struct tty *t)
{
	struct proc *p;

	list_for_each_entry (p, &proc_list, link)
		if (p->sid == sid && p->tty == t) {
			p->tty = NULL;
			tty_put(t);
		}
}

void tty_fork(struct proc *child, struct proc *parent)
{
	child->tty = parent->tty;
	if (child->tty)
		tty_get(child->tty);
}

void tty_setsid(struct proc *p)
{
	tty_put(p->tty);
	p->tty = NULL;
}

/*
 * Linux's disassociate_ctty(): the session leader p gives up its
 * terminal (TIOCNOTTY: on_exit false) or exits (on_exit true).
 * proc_lock held.  Returns the tty to hang up (referenced) or NULL: a
 * hangup takes t->lock and wakes sleepers, done after proc_lock.
 */
static struct tty *disassociate(struct proc *p, bool on_exit)
{
	struct tty *t = p->tty;

	if (!t || p->sid != p->pid)
		return NULL;
	if (on_exit && !t->drv->is_pty) {
		tty_get(t);
		return t;
	}
	if (t->pgrp) {
		kill_pgrp_locked(t->pgrp, SIGHUP);
		if (!on_exit)
			kill_pgrp_locked(t->pgrp, SIGCONT);
	}
	t->session = t->pgrp = 0;
	session_clear_tty(p->sid, t);
	return NULL;
}

void tty_exit(struct proc *p)
{
	struct tty *hup = disassociate(p, true);

	tty_put(p->tty);
	p->tty = NULL;
	if (hup) {
		/* proc_lock is held: the hangup's signalling needs it too. */
		tty_hangup_locked(hup, true);
		tty_put(hup);
	}
}

void tty_proc_stat(struct proc *p, unsigned int *tty_nr, int *tpgid)
{
	struct tty *t = p->tty;

	*tty_nr = 0;
	*tpgid = -1;
	if (!t)
		return;
	*tty_nr = (unsigned int)kdev_encode(t->rdev);
	*tpgid = t->pgrp ? t->pgrp : -1;
}

/* ---- hangup ----------------------------------------------------------- */

/*
 * Linux's __tty_hangup with proc_lock held: the session's processes lose
 * t, its leader gets SIGHUP and SIGCONT, on a session leader's exit the
 * foreground group SIGHUP; every file opened so far goes dead.
 */
void tty_hangup_locked(struct tty *t, bool exit_session)
{
	unsigned long fl;
	int pgrp = t->pgrp;
	struct proc *p;

	if (t->session) {
		list_for_each_entry (p, &proc_list, link) {
			if (p->sid != t->session || p->state != PROC_LIVE)
				continue;
			if (p->tty == t) {
				p->tty = NULL;
				tty_put(t);
			}
			if (p->pid == p->sid) {
				sig_send_proc(p, SIGHUP, NULL);
				sig_send_proc(p, SIGCONT, NULL);
			}
		}
	}
	if (pgrp && exit_session)
		kill_pgrp_locked(pgrp, SIGHUP);
	t->session = t->pgrp = 0;
	fl = spin_lock_irqsave(&t->lock);
	t->hangup_gen++;
	tty_ldisc_flush_input(t);
	t->echo_len = 0; /* the waiting echo too */
	t->stopped = t->tco_stopped = false;
	spin_unlock_irqrestore(&t->lock, fl);
	waitq_wake_all(&t->read_wq);
	waitq_wake_all(&t->write_wq);
}

void tty_hangup(struct tty *t)
{
	mutex_lock(&proc_lock);
	tty_hangup_locked(t, false);
	mutex_unlock(&proc_lock);
}

/* ---- input from the device -------------------------------------------- */

size_t tty_receive(struct tty *t, const char *buf, size_t n)
{
	uint64_t sigs = 0;
	size_t done = 0, took;
	unsigned long fl;

	while (done < n) {
		fl = spin_lock_irqsave(&t->lock);
		took = tty_ldisc_receive(t, buf + done, MIN(n - done, CHUNK),
					 &sigs);
		tty_out_flush(t);
		spin_unlock_irqrestore(&t->lock, fl);
		done += took;
		if (took < MIN(n - done + took, CHUNK))
			break;
	}
	if (done)
		waitq_wake_all(&t->read_wq);
	/* An output restart (^Q) or echo may let writers on. */
	waitq_wake_all(&t->write_wq);
	tty_signal_fg(t, sigs);
	return done;
}

void tty_input_eof(struct tty *t)
{
	unsigned long fl = spin_lock_irqsave(&t->lock);

	t->input_eof = true;
	spin_unlock_irqrestore(&t->lock, fl);
	waitq_wake_all(&t->read_wq);
}

void tty_wake_writers(struct tty *t)
{
	waitq_wake_all(&t->write_wq);
}

/* ---- files -------------------------------------------------------------- */

int tty_open_file(struct tty *t, struct file *f, bool noctty)
{
	struct tty_file *tf = kzalloc(sizeof(*tf));
	struct proc *me = proc_current();
	unsigned long fl;
	int err = 0;

	if (!tf)
		return -ENOMEM;
	fl = spin_lock_irqsave(&t->lock);
	if (t->locked) {
		err = -EIO;
	} else if (t->exclusive && me &&
		   !(me->cred.cap_effective & (1ULL << CAP_SYS_ADMIN))) {
		err = -EBUSY;
	} else {
		t->opens++;
		tf->gen = t->hangup_gen;
	}
	spin_unlock_irqrestore(&t->lock, fl);
	if (err) {
		kfree(tf);
		return err;
	}
	tty_get(t);
	tf->tty = t;
	f->priv = tf;
	/* Linux's tty_open_proc_set_tty. */
	if (me && !noctty && !t->drv->noctty && (f->fmode & FMODE_READ)) {
		mutex_lock(&proc_lock);
		if (me->sid == me->pid && !me->tty && !t->session)
			set_ctty(me, t);
		mutex_unlock(&proc_lock);
	}
	return 0;
}

/*
 * Opening a tty device node: /dev/tty (5:0) is the caller's controlling
 * terminal; /dev/console (5:1) the console tty, never acquired by open
 * and immune to hangups (Linux's redirected console files); /dev/ttyS0
 * (4:64) the console tty itself; /dev/pts/N (136:N) a pty slave.
 */
static int tty_dev_open(struct file *f)
{
	uint32_t rdev = f->vnode->rdev;
	bool noctty = f->flags & O_NOCTTY;
	struct proc *me = proc_current();
	struct tty *t = NULL;
	int err;

	/* A tty is a stream: no lseek, no pread (Linux: -ESPIPE). */
	f->fmode &= ~(unsigned int)(FMODE_LSEEK | FMODE_PREAD);
	if (rdev == KDEV(5, 0)) {
		if (!me)
			return -ENXIO;
		mutex_lock(&proc_lock);
		t = me->tty;
		if (t)
			tty_get(t);
		mutex_unlock(&proc_lock);
		if (!t)
			return -ENXIO;
		noctty = true;
	} else if (rdev == KDEV(5, 1) || rdev == KDEV(4, 64)) {
		t = console_tty();
		tty_get(t);
		noctty |= rdev == KDEV(5, 1);
	} else if (KDEV_MAJOR(rdev) == 136) {
		err = tty_pty_slave_get(rdev & 0xfffff, &t);
		if (err)
			return err;
	} else {
		return -ENXIO;
	}
	err = tty_open_file(t, f, noctty);
	if (!err && rdev == KDEV(5, 1))
		((struct tty_file *)f->priv)->nohup = true;
	tty_put(t);
	return err;
}

static void tty_release(struct file *f)
{
	struct tty_file *tf = f->priv;
	struct tty *t = tf->tty;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool last = --t->opens == 0;

	spin_unlock_irqrestore(&t->lock, fl);
	if (last && t->drv->last_close)
		t->drv->last_close(t);
	kfree(tf);
	tty_put(t);
}

struct read_wait {
	struct tty_file *tf;
	size_t want; /* bytes that end the wait (non-canonical) */
};

static bool readable(void *arg)
{
	struct read_wait *w = arg;
	struct tty *t = w->tf->tty;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool r = tty_input_avail(t) >= w->want || t->input_eof ||
		 tty_file_hung(w->tf);

	spin_unlock_irqrestore(&t->lock, fl);
	return r;
}

static ssize_t tty_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct tty_file *tf = f->priv;
	struct tty *t = tf->tty;
	struct read_wait w = { tf, 1 };
	uint64_t deadline = UINT64_MAX, inter = 0;
	size_t done = 0, minimum = 1;
	char kbuf[CHUNK];
	unsigned long fl;
	int err;

	if (tty_file_hung(tf))
		return 0;
	err = tty_check_change(t, SIGTTIN);
	if (err)
		return err;
	fl = spin_lock_irqsave(&t->lock);
	if (!(t->termios.c_lflag & ICANON)) {
		unsigned int vmin = t->termios.c_cc[VMIN];
		unsigned int vtime = t->termios.c_cc[VTIME];

		if (vmin) {
			minimum = vmin;
			inter = (uint64_t)vtime * 100000000ULL;
		} else {
			deadline =
				vtime ? clock_monotonic_ns() +
						(uint64_t)vtime * 100000000ULL
				      : 0;
		}
	}
	spin_unlock_irqrestore(&t->lock, fl);
	while (u->resid) {
		bool line_done = false, canon;
		size_t n;

		fl = spin_lock_irqsave(&t->lock);
		canon = t->termios.c_lflag & ICANON;
		n = tty_input_avail(t)
			    ? tty_ldisc_take(t, kbuf,
					     MIN(u->resid, sizeof(kbuf)),
					     &line_done)
			    : 0;
		if (!n && canon && line_done) {
			/* VEOF at the start of a line: end of file. */
			spin_unlock_irqrestore(&t->lock, fl);
			if (t->drv->input_room)
				t->drv->input_room(t);
			break;
		}
		if (n || tty_input_avail(t)) {
			spin_unlock_irqrestore(&t->lock, fl);
			if (t->drv->input_room)
				t->drv->input_room(t);
			if (uio_copyout(u, kbuf, n))
				return done ? (ssize_t)done : -EFAULT;
			done += n;
			if (canon ? line_done : done >= minimum)
				break;
			if (inter)
				deadline = clock_monotonic_ns() + inter;
			continue;
		}
		if ((canon && done) || t->input_eof || tty_file_hung(tf)) {
			spin_unlock_irqrestore(&t->lock, fl);
			break;
		}
		spin_unlock_irqrestore(&t->lock, fl);
		if (!deadline)
			break;
		if (f->flags & O_NONBLOCK) {
			if (!done)
				return -EAGAIN;
			break;
		}
		w.want = 1;
		err = sig_wait(&t->read_wq, readable, &w, deadline);
		if (err == -ETIMEDOUT)
			break;
		if (err)
			return done ? (ssize_t)done : -ERESTARTSYS;
	}
	return (ssize_t)done;
}

static bool writable(void *arg)
{
	struct tty_file *tf = arg;
	struct tty *t = tf->tty;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool r = (!t->stopped && t->drv->write_room(t) >= 2) ||
		 tty_file_hung(tf);

	spin_unlock_irqrestore(&t->lock, fl);
	return r;
}

static ssize_t tty_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct tty_file *tf = f->priv;
	struct tty *t = tf->tty;
	size_t done = 0;
	char kbuf[CHUNK];
	int err;

	if (tty_file_hung(tf))
		return -EIO;
	if (t->termios.c_lflag & TOSTOP) {
		err = tty_check_change(t, SIGTTOU);
		if (err)
			return err;
	}
	while (u->resid) {
		size_t n = MIN(u->resid, sizeof(kbuf)), i = 0;

		if (uio_copyin(u, kbuf, n))
			return done ? (ssize_t)done : -EFAULT;
		while (i < n) {
			unsigned long fl = spin_lock_irqsave(&t->lock);
			bool hung = tty_file_hung(tf);

			/* Waiting echo goes first (Linux's n_tty_write). */
			tty_ldisc_flush_echoes(t);
			while (!hung && !t->stopped && !t->echo_len && i < n &&
			       tty_ldisc_out_char(t, (unsigned char)kbuf[i]))
				i++;
			tty_out_flush(t);
			spin_unlock_irqrestore(&t->lock, fl);
			if (hung)
				return done + i ? (ssize_t)(done + i) : -EIO;
			if (i == n)
				break;
			if (f->flags & O_NONBLOCK)
				return done + i ? (ssize_t)(done + i) : -EAGAIN;
			if (sig_wait(&t->write_wq, writable, tf, UINT64_MAX))
				return done + i ? (ssize_t)(done + i)
						: -ERESTARTSYS;
		}
		done += n;
	}
	return (ssize_t)done;
}

static unsigned int tty_poll(struct file *f, struct poll_table *pt)
{
	struct tty_file *tf = f->priv;
	struct tty *t = tf->tty;
	unsigned int m = 0;
	unsigned long fl;

	poll_wait(pt, &t->read_wq);
	poll_wait(pt, &t->write_wq);
	fl = spin_lock_irqsave(&t->lock);
	if (tty_file_hung(tf)) {
		m = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP |
		    POLLERR;
	} else {
		size_t want = 1;

		if (!(t->termios.c_lflag & ICANON) && t->termios.c_cc[VMIN] &&
		    !t->termios.c_cc[VTIME])
			want = t->termios.c_cc[VMIN];
		if (tty_input_avail(t) >= want || t->input_eof)
			m |= POLLIN | POLLRDNORM;
		if (!t->stopped && t->drv->write_room(t) > 0)
			m |= POLLOUT | POLLWRNORM;
	}
	spin_unlock_irqrestore(&t->lock, fl);
	return m;
}

/* ---- ioctl ------------------------------------------------------------ */

/* The baud rate a CBAUD code stands for (termios2's speed fields). */
static uint32_t baud_of(uint32_t code)
{
	static const uint32_t low[] = { 0,    50,   75,	   110,	 134,  150,
					200,  300,  600,   1200, 1800, 2400,
					4800, 9600, 19200, 38400 };
	static const uint32_t high[] = { 0,	  57600,   115200,  230400,
					 460800,  500000,  576000,  921600,
					 1000000, 1152000, 1500000, 2000000,
					 2500000, 3000000, 3500000, 4000000 };

	if (code & CBAUDEX)
		return high[code & 017];
	return low[code & 017];
}

/* Linux's tty_termios_baud_rate & co: the speeds after a TCSETS. */
static void set_speeds(struct tty *t, const struct termios2 *t2, bool two)
{
	uint32_t ocode = t2->c_cflag & CBAUD;
	uint32_t icode = (t2->c_cflag & CIBAUD) >> IBSHIFT;

	if (two && ocode == BOTHER)
		t->ospeed = t2->c_ospeed;
	else
		t->ospeed = baud_of(ocode);
	if (two && icode == BOTHER)
		t->ispeed = t2->c_ispeed;
	else if (icode)
		t->ispeed = baud_of(icode);
	else
		t->ispeed = t->ospeed;
}

static bool all_sent(void *arg)
{
	struct tty *t = arg;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool r = !t->drv->chars_in_buffer(t);

	spin_unlock_irqrestore(&t->lock, fl);
	return r;
}

/*
 * Linux's tty_wait_until_sent (tcdrain, TCSETSW, TCSETSF): sleep until
 * the driver has sent what it queued (the console's transmit ring on
 * metal; ptys queue nothing of their own, as on Linux).  The driver's
 * kos_console_out_room() wakes write_wq when its queue empties.  0 or
 * -ERESTARTSYS.
 */
static int wait_until_sent(struct tty *t)
{
	if (!t->drv->chars_in_buffer)
		return 0;
	return sig_wait(&t->write_wq, all_sent, t, UINT64_MAX) ? -ERESTARTSYS
							       : 0;
}

static int set_termios(struct tty *t, struct tty_file *tf, unsigned int cmd,
		       unsigned long arg)
{
	bool two = cmd == TCSETS2 || cmd == TCSETSW2 || cmd == TCSETSF2;
	bool flush = cmd == TCSETSF || cmd == TCSETSF2;
	struct termios2 t2 = { 0 };
	struct termios old;
	unsigned long fl;
	int err;

	err = tty_check_change(t, SIGTTOU);
	if (err)
		return err;
	if (two) {
		if (copy_from_user(&t2, (const void *)arg, sizeof(t2)))
			return -EFAULT;
	} else if (copy_from_user(&t2, (const void *)arg,
				  sizeof(struct termios))) {
		return -EFAULT;
	}
	if (cmd != TCSETS && cmd != TCSETS2) {
		err = wait_until_sent(t);
		if (err)
			return err;
	}
	fl = spin_lock_irqsave(&t->lock);
	if (flush)
		tty_ldisc_flush_input(t);
	old = t->termios;
	kos_memcpy(&t->termios, &t2, sizeof(struct termios));
	if (t->drv->set_termios)
		t->drv->set_termios(t, &old);
	set_speeds(t, &t2, two);
	tty_ldisc_termios_changed(t, &old);
	spin_unlock_irqrestore(&t->lock, fl);
	waitq_wake_all(&t->read_wq);
	waitq_wake_all(&t->write_wq);
	if (t->drv->input_room)
		t->drv->input_room(t);
	return 0;
}

static int get_termios(struct tty *t, unsigned long arg, bool two)
{
	struct termios2 t2;
	unsigned long fl = spin_lock_irqsave(&t->lock);

	kos_memcpy(&t2, &t->termios, sizeof(struct termios));
	t2.c_ispeed = t->ispeed;
	t2.c_ospeed = t->ospeed;
	spin_unlock_irqrestore(&t->lock, fl);
	return copy_to_user((void *)arg, &t2,
			    two ? sizeof(t2) : sizeof(struct termios))
		       ? -EFAULT
		       : 0;
}

/* TIOCSCTTY (Linux's tiocsctty). */
static long tiocsctty(struct tty *t, struct file *f, unsigned long arg)
{
	struct proc *me = proc_current();
	bool admin = me->cred.cap_effective & (1ULL << CAP_SYS_ADMIN);
	long r = 0;

	mutex_lock(&proc_lock);
	if (me->sid == me->pid && t->session == me->sid)
		goto out;
	if (me->sid != me->pid || me->tty) {
		r = -EPERM;
		goto out;
	}
	if (t->session) {
		if (arg == 1 && admin) {
			session_clear_tty(t->session, t);
		} else {
			r = -EPERM;
			goto out;
		}
	}
	if (!(f->fmode & FMODE_READ) && !admin) {
		r = -EPERM;
		goto out;
	}
	set_ctty(me, t);
out:
	mutex_unlock(&proc_lock);
	return r;
}

static long tiocspgrp(struct tty *real, unsigned long arg)
{
	struct proc *me = proc_current(), *p;
	int pgrp;
	long r;

	r = tty_check_change(real, SIGTTOU);
	if (r == -EIO)
		return -ENOTTY;
	if (r)
		return r;
	if (copy_from_user(&pgrp, (const void *)arg, sizeof(pgrp)))
		return -EFAULT;
	mutex_lock(&proc_lock);
	if (me->tty != real || real->session != me->sid) {
		r = -ENOTTY;
	} else if (pgrp < 0) {
		r = -EINVAL;
	} else {
		/* Linux's session_of_pgrp: the group's session, else that of
		 * the process with that pid (EPERM unless ours); ESRCH only
		 * for a number nothing uses */
		struct proc *by_pid = NULL;

		r = -ESRCH;
		list_for_each_entry (p, &proc_list, link) {
			if (p->state == PROC_DEAD)
				continue;
			if (p->pid == pgrp)
				by_pid = p;
			if (p->pgid != pgrp)
				continue;
			r = p->sid == me->sid ? 0 : -EPERM;
			break;
		}
		if (r == -ESRCH && by_pid)
			r = by_pid->sid == me->sid ? 0 : -EPERM;
		if (!r)
			real->pgrp = pgrp;
	}
	mutex_unlock(&proc_lock);
	return r;
}

static long tiocnotty(struct tty *t)
{
	struct proc *me = proc_current();
	long r = 0;

	mutex_lock(&proc_lock);
	if (me->tty != t) {
		r = -ENOTTY;
	} else {
		disassociate(me, false);
		if (me->tty == t) {
			me->tty = NULL;
			tty_put(t);
		}
	}
	mutex_unlock(&proc_lock);
	return r;
}

/*
 * TIOCSTI's permission (Linux's tiocsti with dev.tty.legacy_tiocsti 1,
 * its default): the caller's controlling terminal t (NULL: a pty
 * master, which never is one), or CAP_SYS_ADMIN.  0 or -EPERM.
 */
int tty_sti_allowed(struct tty *t)
{
	struct proc *me = proc_current();
	bool ok;

	if (!me || (me->cred.cap_effective & (1ULL << CAP_SYS_ADMIN)))
		return 0;
	mutex_lock(&proc_lock);
	ok = t && me->tty == t;
	mutex_unlock(&proc_lock);
	return ok ? 0 : -EPERM;
}

/* Input bytes FIONREAD counts: whole lines without their VEOF ends. */
static int inq(struct tty *t)
{
	size_t n = 0, i;

	if (!(t->termios.c_lflag & ICANON))
		return (int)(t->read_head - t->read_tail);
	for (i = t->read_tail; i != t->canon_head; i++)
		if (!(t->eofmk[(i & (TTY_BUF - 1)) / 8] &
		      (1u << ((i & (TTY_BUF - 1)) % 8))))
			n++;
	return (int)n;
}

static long tty_ioctl_real(struct tty *real, struct tty_file *tf,
			   struct file *f, bool master, unsigned int cmd,
			   unsigned long arg)
{
	struct proc *me = proc_current();
	bool admin = !me || (me->cred.cap_effective & (1ULL << CAP_SYS_ADMIN));
	unsigned long fl;
	long r;
	int v;

	/* Requests about the caller's session need a process. */
	if (!me && (cmd == TIOCSCTTY || cmd == TIOCNOTTY || cmd == TIOCGPGRP ||
		    cmd == TIOCSPGRP || cmd == TIOCGSID))
		return -ENOTTY;

	switch (cmd) {
	case TCGETS:
	case TCGETS2:
		return get_termios(real, arg, cmd == TCGETS2);
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
	case TCSETS2:
	case TCSETSW2:
	case TCSETSF2:
		return set_termios(real, tf, cmd, arg);
	case TIOCGWINSZ: {
		struct winsize ws;

		fl = spin_lock_irqsave(&real->lock);
		ws = real->ws;
		spin_unlock_irqrestore(&real->lock, fl);
		return copy_to_user((void *)arg, &ws, sizeof(ws)) ? -EFAULT : 0;
	}
	case TIOCSWINSZ: {
		struct winsize ws;
		bool changed;

		if (copy_from_user(&ws, (const void *)arg, sizeof(ws)))
			return -EFAULT;
		fl = spin_lock_irqsave(&real->lock);
		changed = kos_memcmp(&ws, &real->ws, sizeof(ws)) != 0;
		real->ws = ws;
		spin_unlock_irqrestore(&real->lock, fl);
		if (changed)
			tty_signal_fg(real, SIGBIT(SIGWINCH));
		return 0;
	}
	case TCFLSH:
		r = tty_check_change(real, SIGTTOU);
		if (r)
			return r;
		if (arg > TCIOFLUSH)
			return -EINVAL;
		fl = spin_lock_irqsave(&real->lock);
		if (arg == TCIFLUSH || arg == TCIOFLUSH)
			tty_ldisc_flush_input(real);
		if ((arg == TCOFLUSH || arg == TCIOFLUSH) &&
		    real->drv->flush_output)
			real->drv->flush_output(real);
		spin_unlock_irqrestore(&real->lock, fl);
		if (real->drv->input_room)
			real->drv->input_room(real);
		waitq_wake_all(&real->write_wq);
		return 0;
	case TCXONC:
		r = tty_check_change(real, SIGTTOU);
		if (r)
			return r;
		fl = spin_lock_irqsave(&real->lock);
		switch (arg) {
		/* Linux keeps TCOOFF apart from ^S: TCOON restarts only
		 * what TCOOFF stopped, ^Q only what ^S stopped */
		case TCOOFF:
			real->stopped = real->tco_stopped = true;
			break;
		case TCOON:
			if (real->tco_stopped) {
				real->stopped = real->tco_stopped = false;
				tty_ldisc_flush_echoes(real);
			}
			break;
		case TCIOFF:
		case TCION: {
			unsigned char c =
				real->termios
					.c_cc[arg == TCIOFF ? VSTOP : VSTART];

			if (c && real->drv->write_room(real)) {
				real->drv->write(real, (const char *)&c, 1);
				tty_out_flush(real);
			}
			break;
		}
		default:
			r = -EINVAL;
		}
		spin_unlock_irqrestore(&real->lock, fl);
		waitq_wake_all(&real->write_wq);
		return r;
	case TCSBRK:
	case TCSBRKP:
		r = tty_check_change(real, SIGTTOU);
		return r ? r : wait_until_sent(real);
	case TIOCSBRK:
	case TIOCCBRK:
		return 0;
	case TIOCOUTQ:
		fl = spin_lock_irqsave(&real->lock);
		v = real->drv->chars_in_buffer
			    ? (int)real->drv->chars_in_buffer(real)
			    : 0;
		spin_unlock_irqrestore(&real->lock, fl);
		return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	case FIONREAD:
		fl = spin_lock_irqsave(&real->lock);
		v = inq(real);
		spin_unlock_irqrestore(&real->lock, fl);
		return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TIOCSTI: {
		char c;

		r = tty_sti_allowed(real);
		if (r)
			return r;
		if (copy_from_user(&c, (const void *)arg, 1))
			return -EFAULT;
		tty_receive(real, &c, 1);
		return 0;
	}
	case TIOCSCTTY:
		return tiocsctty(real, f, arg);
	case TIOCNOTTY:
		if (master)
			return -ENOTTY;
		return tiocnotty(real);
	case TIOCGPGRP:
	case TIOCGSID:
		mutex_lock(&proc_lock);
		if (!master && me->tty != real)
			r = -ENOTTY;
		else if (cmd == TIOCGSID && !real->session)
			r = -ENOTTY;
		else
			r = 0;
		v = cmd == TIOCGPGRP ? real->pgrp : real->session;
		mutex_unlock(&proc_lock);
		if (r)
			return r;
		return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TIOCSPGRP:
		return tiocspgrp(real, arg);
	case TIOCEXCL:
	case TIOCNXCL:
		fl = spin_lock_irqsave(&real->lock);
		real->exclusive = cmd == TIOCEXCL;
		spin_unlock_irqrestore(&real->lock, fl);
		return 0;
	case TIOCGEXCL:
		v = real->exclusive;
		return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TIOCGETD:
		v = 0; /* N_TTY */
		return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TIOCSETD:
		if (copy_from_user(&v, (const void *)arg, sizeof(v)))
			return -EFAULT;
		return v == 0 ? 0 : -EINVAL;
	case TIOCVHANGUP:
		if (!admin)
			return -EPERM;
		tty_hangup(real);
		return 0;
	case TIOCGDEV: {
		unsigned int d = (unsigned int)kdev_encode(real->rdev);

		return copy_to_user((void *)arg, &d, sizeof(d)) ? -EFAULT : 0;
	}
	case TIOCMGET:
	case TIOCMSET:
	case TIOCMBIS:
	case TIOCMBIC:
		return -ENOTTY;
	}
	return -ENOIOCTLCMD;
}

long tty_ioctl_common(struct tty *t, struct tty_file *tf, struct file *f,
		      bool master, unsigned int cmd, unsigned long arg)
{
	long r;

	if (tty_file_hung(tf))
		return cmd == TIOCSPGRP ? -ENOTTY : -EIO;
	if (t->drv->ioctl) {
		r = t->drv->ioctl(t, f, cmd, arg);
		if (r != -ENOIOCTLCMD)
			return r;
	}
	r = tty_ioctl_real(t, tf, f, master, cmd, arg);
	return r == -ENOIOCTLCMD ? -ENOTTY : r;
}

static long tty_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct tty_file *tf = f->priv;

	return tty_ioctl_common(tf->tty, tf, f, false, cmd, arg);
}

const struct file_ops tty_fops = {
	.open = tty_dev_open,
	.read = tty_read,
	.write = tty_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
	.release = tty_release,
	.fasync = true,
};
