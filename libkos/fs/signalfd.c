/*
 * signalfd(2): pending signals read from a file.
 *
 * A signalfd holds only a mask.  Whoever reads it takes the signals in
 * that mask pending for the reading thread or its process (blocked or
 * not: the program normally blocks them), in the order delivery would
 * take them, as struct signalfd_siginfo records of 128 bytes; so after a
 * fork the child's reads see the child's signals, as on Linux.  A read
 * waits for the first record (-EAGAIN with O_NONBLOCK, -ERESTARTSYS on
 * another signal) and then takes what else is pending without waiting.
 * poll says POLLIN while such a signal is pending for the poller.
 * SIGKILL and SIGSTOP never enter the mask.
 *
 * Locking: the mask is one word, written and read whole (READ_ONCE /
 * WRITE_ONCE); the pending sets are the caller's sighand->lock's.
 * Readers and pollers sleep on sighand->signalfd_wq, which send_signal
 * wakes whenever it queues a signal.  The struct signalfd belongs to its
 * one file.
 */
#include <kos/compiler.h>
#include <kos/fdtypes.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

struct signalfd {
	ksigset_t mask; /* READ_ONCE/WRITE_ONCE */
};

static const struct file_ops sfd_fops;

/*
 * Linux's siginfo_layout(): which union member of info is meaningful,
 * from the signal and its code.
 */
enum sfd_layout { SL_KILL, SL_TIMER, SL_POLL, SL_FAULT, SL_CHLD, SL_RT };

static enum sfd_layout sfd_layout(int sig, int code)
{
	if (code > SI_USER && code < SI_KERNEL) {
		switch (sig) {
		case SIGILL:
		case SIGFPE:
		case SIGSEGV:
		case SIGBUS:
		case SIGTRAP:
			return SL_FAULT;
		case SIGCHLD:
			return SL_CHLD;
		case SIGIO:
			return SL_POLL;
		default:
			return SL_KILL;
		}
	}
	if (code == SI_TIMER)
		return SL_TIMER;
	if (code == SI_SIGIO)
		return SL_POLL;
	return code < 0 ? SL_RT : SL_KILL;
}

/* Linux's signalfd_copyinfo(): the record for info. */
static void sfd_fill(struct signalfd_siginfo *s, const struct ksiginfo *info)
{
	kos_memset(s, 0, sizeof(*s));
	s->ssi_signo = (__u32)info->si_signo;
	s->ssi_errno = info->si_errno;
	s->ssi_code = info->si_code;
	switch (sfd_layout(info->si_signo, info->si_code)) {
	case SL_RT:
		s->ssi_ptr = info->kill.value;
		s->ssi_int = (__s32)info->kill.value;
		/* fall through */
	case SL_KILL:
		s->ssi_pid = (__u32)info->kill.pid;
		s->ssi_uid = info->kill.uid;
		break;
	case SL_TIMER:
		s->ssi_tid = (__u32)info->timer.tid;
		s->ssi_overrun = (__u32)info->timer.overrun;
		s->ssi_ptr = info->timer.value;
		s->ssi_int = (__s32)info->timer.value;
		break;
	case SL_POLL:
		s->ssi_band = (__u32)info->poll.band;
		s->ssi_fd = info->poll.fd;
		break;
	case SL_FAULT:
		s->ssi_addr = info->fault.addr;
		break;
	case SL_CHLD:
		s->ssi_pid = (__u32)info->chld.pid;
		s->ssi_uid = info->chld.uid;
		s->ssi_status = info->chld.status;
		s->ssi_utime = (__u64)info->chld.utime;
		s->ssi_stime = (__u64)info->chld.stime;
		break;
	}
}

/* Take one signal of mask pending for ut; 0 if none.  No locks held. */
static int sfd_dequeue(struct uthread *ut, ksigset_t mask,
		       struct ksiginfo *info)
{
	unsigned long fl = spin_lock_irqsave(&ut->sighand->lock);
	int sig = sig_dequeue_mask(ut, mask, info);

	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	return sig;
}

/*
 * One signal of sfd's mask for the calling thread, waiting if wait.
 * The signal number, or -EAGAIN / -ERESTARTSYS.
 */
static int sfd_take(struct signalfd *sfd, struct uthread *ut, bool wait,
		    struct ksiginfo *info)
{
	struct waitq *wq = &ut->sighand->signalfd_wq;
	struct waitq_entry e;
	int sig;

	for (;;) {
		waitq_prepare(wq, &e);
		sig = sfd_dequeue(ut, READ_ONCE(sfd->mask), info);
		if (sig)
			break;
		if (!wait) {
			sig = -EAGAIN;
			break;
		}
		if (sig_pending()) {
			sig = -ERESTARTSYS;
			break;
		}
		waitq_sleep(&e, UINT64_MAX);
	}
	waitq_finish(wq, &e);
	return sig;
}

static ssize_t sfd_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct signalfd *sfd = f->priv;
	struct uthread *ut = uthread_current();
	bool wait = !(f->flags & O_NONBLOCK);
	struct signalfd_siginfo rec;
	struct ksiginfo info;
	ssize_t done = 0;
	int r;

	if (u->resid < sizeof(rec))
		return -EINVAL;
	if (!ut)
		return -EAGAIN;
	/* Only the first record is waited for. */
	while (u->resid >= sizeof(rec)) {
		r = sfd_take(sfd, ut, wait && !done, &info);
		if (r > 0) {
			sfd_fill(&rec, &info);
			r = uio_copyout(u, &rec, sizeof(rec));
		}
		if (r < 0)
			return done ? done : r;
		done += (ssize_t)sizeof(rec);
	}
	return done;
}

static unsigned int sfd_poll(struct file *f, struct poll_table *pt)
{
	struct signalfd *sfd = f->priv;
	struct uthread *ut = uthread_current();
	ksigset_t pending;
	unsigned long fl;

	if (!ut)
		return 0;
	poll_wait(pt, &ut->sighand->signalfd_wq);
	fl = spin_lock_irqsave(&ut->sighand->lock);
	pending = ut->pending.set | ut->proc->shared.set;
	spin_unlock_irqrestore(&ut->sighand->lock, fl);
	return pending & READ_ONCE(sfd->mask) ? POLLIN : 0;
}

static void sfd_release(struct file *f)
{
	kfree(f->priv);
}

/* Linux's signalfd_show_fdinfo(): the mask in hex. */
static void sfd_show_fdinfo(struct file *f,
			    void (*sink)(void *ctx, const char *s, size_t n),
			    void *ctx)
{
	struct signalfd *sfd = f->priv;
	char line[40];
	int n = kos_snprintf(line, sizeof(line), "sigmask:\t%016llx\n",
			     (unsigned long long)READ_ONCE(sfd->mask));

	sink(ctx, line, (size_t)n);
}

static const struct file_ops sfd_fops = {
	.show_fdinfo = sfd_show_fdinfo,
	.llseek = file_llseek_noop, /* Linux's noop_llseek */
	.read = sfd_read,
	.poll = sfd_poll,
	.release = sfd_release,
};

int signalfd_create(ksigset_t mask, int flags, struct file **out)
{
	struct signalfd *sfd = kzalloc(sizeof(*sfd));

	if (!sfd)
		return -ENOMEM;
	sfd->mask = mask & ~SIG_KERNEL_ONLY;
	*out = file_alloc_anon(&sfd_fops, O_RDWR | (flags & O_NONBLOCK), sfd);
	if (!*out) {
		kfree(sfd);
		return -ENOMEM;
	}
	return 0;
}

int signalfd_set_mask(struct file *f, ksigset_t mask)
{
	struct signalfd *sfd = f->priv;
	struct uthread *ut = uthread_current();

	if (f->ops != &sfd_fops)
		return -EINVAL;
	WRITE_ONCE(sfd->mask, mask & ~SIG_KERNEL_ONLY);
	/* Waiters re-check against the new mask. */
	if (ut)
		waitq_wake_all(&ut->sighand->signalfd_wq);
	return 0;
}
