/*
 * SIGIO for files with O_ASYNC (fcntl F_SETFL, ioctl FIOASYNC): the
 * file's owner (F_SETOWN, F_SETOWN_EX) gets SIGIO, or F_SETSIG's
 * signal, when the file's state may have changed.
 *
 * Linux's objects call kill_fasync() where data arrives or space frees.
 * KOS reuses what epoll already has instead: while O_ASYNC is on, a
 * file hangs a callback entry on each wait queue its poll names (struct
 * file_async), so every wake-up of the file's queues means "tell the
 * owner".  The queues are woken where Linux calls kill_fasync (a pipe's
 * readers at each write, its writers at each read and at either end's
 * close; a socket's at data, shutdown and close), so the same calls
 * signal.  A wake-up for the other direction of a file open for both
 * (a pipe opened O_RDWR) signals too; Linux's would as well, through its
 * second fasync list.
 *
 * A wake-up runs in the waker's context with interrupts off, where
 * neither the owner's lookup (proc_lock) nor F_SETSIG's poll may run.
 * So the callback only takes a reference to the file and queues it
 * (fasync_ring, at most once per file), and the signal is sent later,
 * in thread context, by fasync_run():
 *   - the waking thread runs it before it next returns to user mode
 *     (the callback sets its user_work; sig_handle calls fasync_run),
 *     so a program signalled by its own write has the signal when the
 *     write returns, as on Linux;
 *   - the "sigio" kernel thread, woken by the callback, runs it for
 *     wake-ups from elsewhere (an interrupt, the network thread).
 * A ring that is full drops the wake-up: several files, each with a
 * standard SIGIO already on the way.
 *
 * dnotify (fs/notify.c) owes signals the same way, through
 * fasync_queue(), with the reason POLL_MSG and the watch's fd, whether
 * or not the directory's file has O_ASYNC.
 *
 * Who may be signalled: the credentials of whoever last set the owner
 * (file.owner_cred) against the target's, as Linux's sigio_perm: root's
 * euid, or either uid matching the target's uid or saved uid.
 *
 * F_SETSIG's siginfo carries a reason and band.  Linux's caller names
 * the event; a KOS wake-up does not, so the reason is read off the
 * file's readiness when the signal is sent: POLL_IN if readable, else
 * POLL_OUT if writable, else POLL_HUP/POLL_ERR, POLL_IN otherwise.  si_fd
 * is the descriptor O_ASYNC was turned on through, as Linux's.
 *
 * Locking:
 *   fasync_lock (mutex)  every file's async pointer and its hooks'
 *                        queueing, turning O_ASYNC on or off, the last
 *                        reference's fasync_forget.  Taken inside no
 *                        file's own locks; a file's poll (which may
 *                        take them) runs before it.
 *   interrupts off       the ring; a hook's wq (WAITQ_FREEING clears it);
 *                        callbacks, which only read file.async's
 *                        constant parts.  (KOS is uniprocessor.)
 */
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
#include <kos/plat/cpu.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include <uapi/signal.h>

#define FASYNC_RING 64

struct file_async;

/* A callback entry on one queue the file's poll names. */
struct fasync_hook {
	struct waitq_entry e;  /* on *wq while e.queued */
	struct waitq *wq;      /* NULL once that queue was freed */
	struct file_async *fa; /* constant */
};

struct file_async {
	struct file *file; /* constant; not referenced (it holds us) */
	int fd;		   /* fasync_lock: si_fd, the last fd that set it */
	unsigned int n;	   /* hooks in use */
	struct fasync_hook hook[POLL_MAX_QUEUES];
};

static struct mutex fasync_lock = MUTEX_INIT(fasync_lock, "fasync");

/*
 * A signal owed to a file's owner: the file (referenced), and why:
 * 0 for a wake-up of an O_ASYNC file (the reason is read off its
 * readiness), or a POLL_* reason with the si_fd to report (dnotify).
 */
struct fasync_item {
	struct file *file;
	int reason, fd;
};

static struct fasync_item fasync_ring[FASYNC_RING];
static unsigned int ring_head, ring_count; /* interrupts off */
static struct waitq sigio_wq = WAITQ_INIT(sigio_wq);
static bool muted; /* interrupts off: inside fasync_wake_quiet() */

static void sigio_start(void);
static bool sigio_started; /* atomic */

/* A reference to f unless its last is already gone. */
static bool file_tryget(struct file *f)
{
	unsigned int n = __atomic_load_n(&f->refcnt, __ATOMIC_RELAXED);

	do {
		if (!n)
			return false;
	} while (!__atomic_compare_exchange_n(&f->refcnt, &n, n + 1, true,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	return true;
}

/*
 * Interrupts off: owe f's owner a signal for reason (fd: its si_fd),
 * unless a wake-up's (reason 0) is owed already; each dnotify event is
 * a signal of its own, as Linux's (a real-time one queues each).  The
 * thread running now sends it on its way back to user mode; the sigio
 * thread is woken for the case it never goes there (a kernel thread,
 * an interrupt).
 */
static void ring_push(struct file *f, int reason, int fd)
{
	struct thread *cur = sched_current();
	struct fasync_item *it;

	for (unsigned int i = 0; !reason && i < ring_count; i++) {
		it = &fasync_ring[(ring_head + i) % FASYNC_RING];
		if (it->file == f && !it->reason)
			return;
	}
	if (ring_count == FASYNC_RING || !file_tryget(f))
		return;
	it = &fasync_ring[(ring_head + ring_count++) % FASYNC_RING];
	it->file = f;
	it->reason = reason;
	it->fd = fd;
	if (cur)
		cur->user_work = 1;
	waitq_wake_all(&sigio_wq);
}

/* A queue of the file was woken (waker's context, interrupts off). */
static bool fasync_wake(struct waitq_entry *e, unsigned int why)
{
	struct fasync_hook *h = container_of(e, struct fasync_hook, e);
	struct file *f = h->fa->file;

	if (why == WAITQ_FREEING) {
		h->wq = NULL;
		return false;
	}
	if (!muted && __atomic_load_n(&f->owner, __ATOMIC_RELAXED))
		ring_push(f, 0, -1);
	return false;
}

/* The next signal owed into *it (its reference now the caller's). */
static bool ring_pop(struct fasync_item *it)
{
	unsigned long fl = plat_irq_save();
	bool any = ring_count != 0;

	if (any) {
		*it = fasync_ring[ring_head];
		ring_head = (ring_head + 1) % FASYNC_RING;
		ring_count--;
	}
	plat_irq_restore(fl);
	return any;
}

/* Linux's sigio_perm: may the owner's setter (cred) signal p? */
static bool sigio_perm(uint64_t cred, struct proc *p)
{
	unsigned int uid = (unsigned int)(cred >> 32);
	unsigned int euid = (unsigned int)cred;

	return euid == 0 || euid == p->cred.suid || euid == p->cred.uid ||
	       uid == p->cred.suid || uid == p->cred.uid;
}

/* proc_lock: signal p (thread ut if not NULL) as f's owner asked. */
static void sigio_one(struct proc *p, struct uthread *ut, int sig,
		      const struct ksiginfo *info, uint64_t cred)
{
	if (p->state != PROC_LIVE || !sigio_perm(cred, p))
		return;
	/* F_SETSIG's signal; plain SIGIO if it cannot be queued. */
	if (sig && !(ut ? sig_send_thread(ut, sig, info)
			: sig_send_proc(p, sig, info)))
		return;
	if (ut)
		sig_send_thread(ut, SIGIO, NULL);
	else
		sig_send_proc(p, SIGIO, NULL);
}

/* F_SETSIG's siginfo for it (see the top of the file). */
static void sigio_info(const struct fasync_item *it, int sig,
		       struct ksiginfo *info)
{
	struct file *f = it->file;
	unsigned int mask;
	int fd = -1;

	kos_memset(info, 0, sizeof(*info));
	info->si_signo = sig;
	if (it->reason == POLL_MSG) {
		info->si_code = POLL_MSG;
		info->poll.band = POLLIN | POLLRDNORM | POLLMSG;
		info->poll.fd = it->fd;
		return;
	}
	mask = file_poll(f, NULL);
	if (mask & POLLIN) {
		info->si_code = POLL_IN;
		info->poll.band = POLLIN | POLLRDNORM;
	} else if (mask & POLLOUT) {
		info->si_code = POLL_OUT;
		info->poll.band = POLLOUT | POLLWRNORM | POLLWRBAND;
	} else if (mask & POLLHUP) {
		info->si_code = POLL_HUP;
		info->poll.band = POLLHUP | POLLERR;
	} else if (mask & POLLERR) {
		info->si_code = POLL_ERR;
		info->poll.band = POLLERR;
	} else {
		info->si_code = POLL_IN;
		info->poll.band = POLLIN | POLLRDNORM;
	}
	mutex_lock(&fasync_lock);
	if (f->async)
		fd = f->async->fd;
	mutex_unlock(&fasync_lock);
	info->poll.fd = fd;
}

/* Signal the owner of it's file: if it still has O_ASYNC (a wake-up's
 * signal) and an owner. */
static void sigio_send(const struct fasync_item *it)
{
	struct file *f = it->file;
	uint64_t o = __atomic_load_n(&f->owner, __ATOMIC_RELAXED);
	uint64_t cred = __atomic_load_n(&f->owner_cred, __ATOMIC_RELAXED);
	int sig = __atomic_load_n(&f->owner_sig, __ATOMIC_RELAXED);
	int type = (int)(o >> 32), nr = (int)(uint32_t)o;
	struct ksiginfo info;
	struct uthread *ut;
	struct proc *p;

	if (nr <= 0 ||
	    (!it->reason &&
	     !(__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_ASYNC)))
		return;
	if (sig)
		sigio_info(it, sig, &info);
	mutex_lock(&proc_lock);
	if (type == F_OWNER_TID) {
		ut = pid_task(nr);
		if (ut && !ut->exited)
			sigio_one(ut->proc, ut, sig, &info, cred);
	} else if (type == F_OWNER_PID) {
		p = pid_proc(nr);
		if (p)
			sigio_one(p, NULL, sig, &info, cred);
	} else {
		list_for_each_entry (p, &proc_list, link)
			if (p->pgid == nr)
				sigio_one(p, NULL, sig, &info, cred);
	}
	mutex_unlock(&proc_lock);
}

void fasync_notify(struct waitq *wq)
{
	struct waitq_entry *e, *next;
	unsigned long fl;

	if (waitq_empty(wq))
		return;
	fl = plat_irq_save();
	list_for_each_entry_safe (e, next, &wq->waiters, link)
		if (e->func == fasync_wake)
			fasync_wake(e, WAITQ_WAKE);
	plat_irq_restore(fl);
}

void fasync_wake_quiet(struct waitq *wq)
{
	unsigned long fl = plat_irq_save();

	muted = true;
	waitq_wake_all(wq);
	muted = false;
	plat_irq_restore(fl);
}

void fasync_run(void)
{
	struct fasync_item it;

	while (READ_ONCE(ring_count) && ring_pop(&it)) {
		sigio_send(&it);
		file_put(it.file);
	}
}

void fasync_queue(struct file *f, int reason, int fd)
{
	unsigned long fl;

	sigio_start();
	fl = plat_irq_save();
	ring_push(f, reason, fd);
	plat_irq_restore(fl);
}

static bool ring_busy(void *arg)
{
	(void)arg;
	return READ_ONCE(ring_count) != 0;
}

static void sigio_main(void *arg)
{
	(void)arg;
	for (;;) {
		waitq_wait_timeout(&sigio_wq, ring_busy, NULL, UINT64_MAX);
		fasync_run();
	}
}

/* The sigio thread, made the first time a file turns O_ASYNC on. */
static void sigio_start(void)
{
	struct thread *t;

	if (__atomic_exchange_n(&sigio_started, true, __ATOMIC_ACQ_REL))
		return;
	t = kthread_create("sigio", sigio_main, NULL);
	if (!t) {
		log_warn("fasync: no sigio thread (out of memory)");
		__atomic_store_n(&sigio_started, false, __ATOMIC_RELEASE);
		return;
	}
	kthread_detach(t);
}

/* fasync_lock: take f's hooks off their queues and free them. */
static void async_drop(struct file *f)
{
	struct file_async *fa = f->async;

	if (!fa)
		return;
	for (unsigned int i = 0; i < fa->n; i++) {
		unsigned long fl = plat_irq_save();

		if (fa->hook[i].wq)
			waitq_finish(fa->hook[i].wq, &fa->hook[i].e);
		plat_irq_restore(fl);
	}
	f->async = NULL;
	kfree(fa);
}

int fasync_set(struct file *f, bool on, int fd)
{
	struct waitq *wq[POLL_MAX_QUEUES];
	struct file_async *fa = NULL;
	unsigned int n = 0;

	if (on) {
		fa = kzalloc(sizeof(*fa));
		if (!fa)
			return -ENOMEM;
		sigio_start();
		/* Before fasync_lock: a poll may take the file's own locks. */
		file_poll_queues(f, wq, &n);
	}
	mutex_lock(&fasync_lock);
	if (!on) {
		async_drop(f);
	} else if (f->async) {
		f->async->fd = fd; /* on again: Linux's fasync_insert_entry */
	} else {
		fa->file = f;
		fa->fd = fd;
		fa->n = n;
		for (unsigned int i = 0; i < n; i++) {
			fa->hook[i].fa = fa;
			fa->hook[i].wq = wq[i];
			waitq_add_callback(wq[i], &fa->hook[i].e, fasync_wake,
					   false);
		}
		f->async = fa;
		fa = NULL;
	}
	mutex_unlock(&fasync_lock);
	kfree(fa); /* O_ASYNC was on already */
	return 0;
}

void fasync_forget(struct file *f)
{
	mutex_lock(&fasync_lock);
	async_drop(f);
	mutex_unlock(&fasync_lock);
}
