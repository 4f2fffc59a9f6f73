/*
 * Pseudo-terminals: /dev/ptmx (5:2) opens a new pair; the slave is a tty
 * (kos/tty.h) shown as /dev/pts/N (136:N) by the devpts file system.
 *
 * A pair is one struct pty and its slave tty.  The master is no tty of
 * its own (Linux's master is one in raw mode, which behaves the same):
 * what the slave writes (after OPOST) queues in obuf for master reads;
 * what the master writes is the slave's input, through the line
 * discipline.  Termios, window-size and job-control requests on the
 * master act on the slave, as on Linux; FIONREAD, TCFLSH, TCXONC,
 * TIOCSTI and TIOCEXCL act on the master's own side.
 *
 * Life: ptmx open makes the pair, its devpts node and the master file;
 * the slave starts locked (TIOCSPTLCK 0 unlocks it).  When the last
 * slave file closes, master reads drain obuf and then say -EIO, poll
 * says POLLHUP; when the master closes, the node goes and the slave is
 * hung up (read 0, write -EIO, SIGHUP to its session leader).  The
 * number is free again when the slave tty's last reference goes.
 *
 * devpts: one instance for the whole system (Linux makes one per
 * mount); every mount shows it, and the options of the latest mount
 * (mode=, gid=, uid=, ptmxmode=) apply to nodes made after it.
 *
 * Locking: pty_lock (mutex) guards ptys[] and the devpts options; the
 * slave tty's lock guards the rest of a pty (obuf, masters, the flags).
 */
#include <kos/fdtable.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/mutex.h>
#include <kos/poll.h>
#include <kos/proc.h>
#include <kos/signal.h>
#include <kos/string.h>
#include <kos/tty.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/ioctl.h>
#include <uapi/poll.h>
#include <uapi/signal.h>
#include <uapi/stat.h>

#include "internal.h"

#define PTY_MAX 4096 /* /proc/sys/kernel/pty/max */
#define PTY_OBUF 8192
#define PTS_MAJOR 136
#define DEVPTS_MAGIC 0x1cd1
#define CHUNK 256

struct pty {
	int index;
	struct tty *slave;
	struct vnode *node; /* the /dev/pts/N node; NULL once the master left */
	char obuf[PTY_OBUF]; /* slave->lock: output for the master */
	size_t ohead, otail;
	unsigned int masters;	/* slave->lock: open master files */
	bool slave_closed;	/* slave->lock: had slaves, none now */
	bool mstopped;		/* slave->lock: TCXONC TCOOFF on the master */
	bool mexclusive;	/* slave->lock: TIOCEXCL on the master */
	struct waitq mread_wq;	/* master readers */
	struct waitq mwrite_wq; /* master writers (room in the slave) */
};

static struct mutex pty_lock = MUTEX_INIT(pty_lock, "pty");
static struct pty *ptys[PTY_MAX]; /* pty_lock */
static struct superblock *devpts; /* pty_lock: made on first use */
static struct vnode *ptmx_node;	  /* pty_lock */
/* pty_lock: mount options */
static uint32_t opt_mode = 0600, opt_ptmxmode = 0, opt_uid, opt_gid;
static bool opt_setuid, opt_setgid;

static struct pty *PTY(struct tty *t)
{
	return t->drv_data;
}

/* ---- the slave's driver -------------------------------------------------- */

static size_t obuf_used(struct pty *p)
{
	return p->ohead - p->otail;
}

static void pts_write(struct tty *t, const char *buf, size_t n)
{
	struct pty *p = PTY(t);

	if (!p->masters)
		return; /* the master is gone: the output is lost */
	for (size_t i = 0; i < n; i++)
		p->obuf[p->ohead++ % PTY_OBUF] = buf[i];
}

static void pts_flush(struct tty *t)
{
	waitq_wake_all(&PTY(t)->mread_wq);
}

static size_t pts_write_room(struct tty *t)
{
	struct pty *p = PTY(t);

	if (!p->masters)
		return PTY_OBUF; /* nobody reads: output goes nowhere */
	return PTY_OBUF - obuf_used(p);
}

/*
 * No flush_output: Linux's pty flush drops only what the master's side
 * has not yet taken in from its flip buffer; here the master's queue
 * takes output at once, and a slave's TCOFLUSH or signal character
 * leaves what the master has to read alone.
 */

/* Linux's pty_set_termios: a pty is always 8 bits, no parity, CREAD. */
static void pts_set_termios(struct tty *t, const struct termios *old)
{
	t->termios.c_cflag &= ~(unsigned int)(CSIZE | PARENB);
	t->termios.c_cflag |= CS8 | CREAD;
}

static void pts_input_room(struct tty *t)
{
	waitq_wake_all(&PTY(t)->mwrite_wq);
}

static void pts_last_close(struct tty *t)
{
	struct pty *p = PTY(t);
	unsigned long fl = spin_lock_irqsave(&t->lock);

	p->slave_closed = true;
	spin_unlock_irqrestore(&t->lock, fl);
	waitq_wake_all(&p->mread_wq);
	waitq_wake_all(&p->mwrite_wq);
}

static void pts_release(struct tty *t)
{
	struct pty *p = PTY(t);

	mutex_lock(&pty_lock);
	if (ptys[p->index] == p)
		ptys[p->index] = NULL;
	mutex_unlock(&pty_lock);
	waitq_free_notify(&p->mread_wq);
	waitq_free_notify(&p->mwrite_wq);
	kfree(p);
}

static const struct tty_driver pts_driver = {
	.name = "pts",
	.write = pts_write,
	.flush = pts_flush,
	.write_room = pts_write_room,
	.set_termios = pts_set_termios,
	.input_room = pts_input_room,
	.last_close = pts_last_close,
	.release = pts_release,
	.is_pty = true,
};

/* /dev/pts/N opened (tty.c): the slave, referenced, or -EIO. */
int tty_pty_slave_get(unsigned int index, struct tty **out)
{
	struct pty *p;
	int err = -EIO;

	mutex_lock(&pty_lock);
	p = index < PTY_MAX ? ptys[index] : NULL;
	if (p && p->node) {
		tty_get(p->slave);
		*out = p->slave;
		err = 0;
	}
	mutex_unlock(&pty_lock);
	return err;
}

/* ---- devpts ---------------------------------------------------------- */

static const struct vnode_ops devpts_vops;

static void devpts_evict(struct vnode *v)
{
	kfree(v);
}

static void devpts_put_super(struct superblock *sb)
{
	kfree(sb);
}

static const struct super_ops devpts_sops = {
	.evict = devpts_evict,
	.put_super = devpts_put_super,
};

/* The instance, made on first use.  pty_lock held. */
static int devpts_init(void)
{
	struct superblock *sb;

	if (devpts)
		return 0;
	sb = kzalloc(sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	vfs_sb_init(sb);
	sb->ops = &devpts_sops;
	sb->fstype = "devpts";
	sb->magic = DEVPTS_MAGIC;
	sb->flags = VFS_SB_NOCACHE | VFS_SB_SINGLE;
	sb->dev = vfs_anon_dev();
	sb->root = vnode_alloc(sb, &devpts_vops, sizeof(struct vnode));
	ptmx_node = vnode_alloc(sb, &devpts_vops, sizeof(struct vnode));
	if (!sb->root || !ptmx_node) {
		kfree(sb->root);
		kfree(ptmx_node);
		kfree(sb);
		return -ENOMEM;
	}
	sb->root->mode = S_IFDIR | 0755;
	sb->root->ino = 1;
	sb->root->nlink = 2;
	ptmx_node->mode = S_IFCHR | opt_ptmxmode;
	ptmx_node->rdev = KDEV(5, 2);
	ptmx_node->ino = 2;
	ptmx_node->nlink = 1;
	devpts = sb;
	return 0;
}

/* Parse "mode=620,gid=5,ptmxmode=666,newinstance": 0 or -EINVAL. */
static int parse_options(const char *data)
{
	while (data && *data) {
		const char *end = data, *eq = NULL;
		char key[16];
		uint64_t val = 0;
		size_t klen;
		bool octal;

		while (*end && *end != ',') {
			if (*end == '=' && !eq)
				eq = end;
			end++;
		}
		klen = (size_t)((eq ? eq : end) - data);
		if (klen >= sizeof(key))
			return -EINVAL;
		kos_memcpy(key, data, klen);
		key[klen] = 0;
		octal = !kos_strcmp(key, "mode") ||
			!kos_strcmp(key, "ptmxmode");
		if (eq) {
			for (const char *c = eq + 1; c < end; c++) {
				if (*c < '0' || *c > (octal ? '7' : '9'))
					return -EINVAL;
				val = val * (octal ? 8 : 10) +
				      (uint64_t)(*c - '0');
			}
		}
		if (!kos_strcmp(key, "mode") && eq)
			opt_mode = (uint32_t)val & 07777;
		else if (!kos_strcmp(key, "ptmxmode") && eq)
			opt_ptmxmode = (uint32_t)val & 07777;
		else if (!kos_strcmp(key, "uid") && eq)
			opt_uid = (uint32_t)val, opt_setuid = true;
		else if (!kos_strcmp(key, "gid") && eq)
			opt_gid = (uint32_t)val, opt_setgid = true;
		else if (kos_strcmp(key, "newinstance") &&
			 kos_strcmp(key, "max") && kos_strcmp(key, ""))
			return -EINVAL;
		data = *end ? end + 1 : end;
	}
	return 0;
}

struct superblock *tty_devpts_create(const char *data, int *err)
{
	struct superblock *sb = NULL;

	mutex_lock(&pty_lock);
	*err = parse_options(data);
	if (!*err)
		*err = devpts_init();
	if (!*err) {
		ptmx_node->mode = S_IFCHR | opt_ptmxmode;
		sb = devpts;
	}
	mutex_unlock(&pty_lock);
	return sb;
}

static int devpts_lookup(struct vnode *dir, const char *name, size_t len,
			 struct vnode **out)
{
	unsigned int idx = 0;
	struct vnode *v = NULL;

	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.')) {
		vnode_get(dir);
		*out = dir;
		return 0;
	}
	mutex_lock(&pty_lock);
	if (len == 4 && !kos_memcmp(name, "ptmx", 4)) {
		v = ptmx_node;
	} else if (len > 0 && len < 5 && (name[0] != '0' || len == 1)) {
		size_t i;

		for (i = 0; i < len && name[i] >= '0' && name[i] <= '9'; i++)
			idx = idx * 10 + (unsigned int)(name[i] - '0');
		if (i == len && idx < PTY_MAX && ptys[idx])
			v = ptys[idx]->node;
	}
	if (v)
		vnode_get(v);
	mutex_unlock(&pty_lock);
	*out = v;
	return v ? 0 : -ENOENT;
}

/* Positions: 0 ".", 1 "..", 2 "ptmx", then 3 + the pty number. */
static int devpts_readdir(struct vnode *dir, uint64_t *pos, vfs_filldir_t fill,
			  void *ctx)
{
	char name[8];

	if (*pos == 0) {
		if (!fill(ctx, ".", 1, 1, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (!fill(ctx, "..", 2, 1, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	if (*pos == 2) {
		if (!fill(ctx, "ptmx", 4, 2, DT_CHR, 3))
			return 0;
		*pos = 3;
	}
	for (uint64_t i = *pos - 3; i < PTY_MAX; i++) {
		bool live;

		mutex_lock(&pty_lock);
		live = ptys[i] && ptys[i]->node;
		mutex_unlock(&pty_lock);
		if (!live)
			continue;
		kos_snprintf(name, sizeof(name), "%u", (unsigned int)i);
		if (!fill(ctx, name, kos_strlen(name), i + 3, DT_CHR, i + 4))
			return 0;
		*pos = i + 4;
	}
	return 0;
}

static const struct vnode_ops devpts_vops = {
	.lookup = devpts_lookup,
	.readdir = devpts_readdir,
};

/* ---- the master ------------------------------------------------------------ */

static int ptmx_open(struct file *f)
{
	struct proc *me = proc_current();
	struct tty_file *tf = kzalloc(sizeof(*tf));
	struct pty *p = kzalloc(sizeof(*p));
	struct vfs_cred cred;
	int idx = -1, err = -ENOMEM;

	if (!tf || !p)
		goto fail;
	waitq_init(&p->mread_wq);
	waitq_init(&p->mwrite_wq);
	p->masters = 1;
	kos_memset(&cred, 0, sizeof(cred));
	if (me)
		proc_vfs_cred(me, &cred, false);
	mutex_lock(&pty_lock);
	err = devpts_init();
	for (int i = 0; !err && i < PTY_MAX; i++)
		if (!ptys[i]) {
			idx = i;
			break;
		}
	if (!err && idx < 0)
		err = -ENOSPC;
	if (!err) {
		p->slave = tty_alloc(&pts_driver, p, KDEV(PTS_MAJOR, idx));
		p->node =
			vnode_alloc(devpts, &devpts_vops, sizeof(struct vnode));
		if (!p->slave || !p->node)
			err = -ENOMEM;
	}
	if (err) {
		mutex_unlock(&pty_lock);
		if (p->slave) {
			p->slave->drv_data =
				NULL; /* not in ptys[]: free here */
			kfree(p->slave);
		}
		kfree(p->node);
		goto fail;
	}
	p->index = idx;
	p->node->mode = S_IFCHR | opt_mode;
	p->node->rdev = KDEV(PTS_MAJOR, idx);
	p->node->ino = (uint64_t)idx + 3;
	p->node->nlink = 1;
	p->node->uid = opt_setuid ? opt_uid : cred.uid;
	p->node->gid = opt_setgid ? opt_gid : cred.gid;
	p->node->atime = p->node->mtime = p->node->ctime = vfs_now();
	p->slave->index = idx;
	p->slave->locked = true;
	p->slave->termios.c_cflag = B38400 | CS8 | CREAD;
	ptys[idx] = p;
	mutex_unlock(&pty_lock);
	tf->tty = p->slave; /* the reference tty_alloc gave */
	tf->master = true;
	f->priv = tf;
	f->fmode &= ~(unsigned int)(FMODE_LSEEK | FMODE_PREAD);
	return 0;
fail:
	kfree(tf);
	kfree(p);
	return err;
}

static void ptmx_release(struct file *f)
{
	struct tty_file *tf = f->priv;
	struct tty *t = tf->tty;
	struct pty *p = PTY(t);
	struct vnode *node;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool last = --p->masters == 0;

	if (last)
		p->otail = p->ohead;
	spin_unlock_irqrestore(&t->lock, fl);
	if (last) {
		mutex_lock(&pty_lock);
		node = p->node;
		p->node = NULL;
		mutex_unlock(&pty_lock);
		vnode_put(node);
		tty_hangup(t);
	}
	kfree(tf);
	tty_put(t);
}

static bool master_readable(void *arg)
{
	struct tty *t = arg;
	struct pty *p = PTY(t);
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool r = obuf_used(p) || (p->slave_closed && !t->opens);

	spin_unlock_irqrestore(&t->lock, fl);
	return r;
}

static ssize_t ptmx_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct tty_file *tf = f->priv;
	struct tty *t = tf->tty;
	struct pty *p = PTY(t);
	size_t done = 0;
	char kbuf[CHUNK];

	while (u->resid) {
		unsigned long fl = spin_lock_irqsave(&t->lock);
		size_t n = 0;
		bool closed = p->slave_closed && !t->opens;

		while (n < MIN(u->resid, sizeof(kbuf)) && obuf_used(p))
			kbuf[n++] = p->obuf[p->otail++ % PTY_OBUF];
		spin_unlock_irqrestore(&t->lock, fl);
		if (n) {
			tty_wake_writers(t);
			if (uio_copyout(u, kbuf, n))
				return done ? (ssize_t)done : -EFAULT;
			done += n;
			continue;
		}
		if (done)
			break;
		if (closed)
			return -EIO;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sig_wait(&p->mread_wq, master_readable, t, UINT64_MAX))
			return -ERESTARTSYS;
	}
	return (ssize_t)done;
}

static bool master_writable(void *arg)
{
	struct tty *t = arg;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool r = (!PTY(t)->mstopped && tty_ldisc_receive_room(t) > 0) ||
		 !t->opens;

	spin_unlock_irqrestore(&t->lock, fl);
	return r;
}

/* Input for the slave from a master write, unless the master is stopped. */
static size_t master_send(struct tty *t, const char *buf, size_t n)
{
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool stopped = PTY(t)->mstopped;

	spin_unlock_irqrestore(&t->lock, fl);
	return stopped ? 0 : tty_receive(t, buf, n);
}

static ssize_t ptmx_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct tty_file *tf = f->priv;
	struct tty *t = tf->tty;
	struct pty *p = PTY(t);
	size_t done = 0;
	char kbuf[CHUNK];

	while (u->resid) {
		size_t n = MIN(u->resid, sizeof(kbuf)), i = 0;

		if (uio_copyin(u, kbuf, n))
			return done ? (ssize_t)done : -EFAULT;
		while (i < n) {
			if (!__atomic_load_n(&t->opens, __ATOMIC_RELAXED))
				return done + i ? (ssize_t)(done + i) : -EIO;
			i += master_send(t, kbuf + i, n - i);
			if (i == n)
				break;
			if (f->flags & O_NONBLOCK)
				return done + i ? (ssize_t)(done + i) : -EAGAIN;
			if (sig_wait(&p->mwrite_wq, master_writable, t,
				     UINT64_MAX))
				return done + i ? (ssize_t)(done + i)
						: -ERESTARTSYS;
		}
		done += n;
	}
	return (ssize_t)done;
}

static unsigned int ptmx_poll(struct file *f, struct poll_table *pt)
{
	struct tty_file *tf = f->priv;
	struct tty *t = tf->tty;
	struct pty *p = PTY(t);
	unsigned int m = 0;
	unsigned long fl;

	poll_wait(pt, &p->mread_wq);
	poll_wait(pt, &p->mwrite_wq);
	fl = spin_lock_irqsave(&t->lock);
	if (obuf_used(p))
		m |= POLLIN | POLLRDNORM;
	if (p->slave_closed && !t->opens)
		m |= POLLHUP;
	if (!p->mstopped && tty_ldisc_receive_room(t))
		m |= POLLOUT | POLLWRNORM;
	spin_unlock_irqrestore(&t->lock, fl);
	return m;
}

/* TIOCGPTPEER: the slave as a new fd of the caller, without a path walk. */
static long open_peer(struct tty *t, unsigned long flags)
{
	struct pty *p = PTY(t);
	struct vnode *node;
	struct file *f;
	int err, fd;

	if (flags &
	    ~(unsigned long)(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	mutex_lock(&pty_lock);
	node = p->node;
	if (node)
		vnode_get(node);
	mutex_unlock(&pty_lock);
	if (!node)
		return -EIO;
	f = file_alloc(node, &tty_fops, (unsigned int)flags & ~O_CLOEXEC);
	vnode_put(node);
	if (!f)
		return -ENOMEM;
	f->fmode &= ~(unsigned int)(FMODE_LSEEK | FMODE_PREAD);
	err = tty_open_file(t, f, flags & O_NOCTTY);
	if (err) {
		f->ops = NULL; /* nothing to release */
		file_put(f);
		return err;
	}
	fd = fd_install(f, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

/*
 * TCFLSH, TCXONC and TIOCSTI on the master act on the master's own side
 * (Linux's master is a tty in raw mode with the standard control
 * characters): its input is obuf, its output the slave's input.
 */
static long master_flow_ioctl(struct tty *t, unsigned int cmd,
			      unsigned long arg)
{
	struct pty *p = PTY(t);
	unsigned long fl;
	char c;
	int r;

	switch (cmd) {
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		/* TCOFLUSH: the slave took its input in at once: nothing */
		if (arg == TCIFLUSH || arg == TCIOFLUSH) {
			fl = spin_lock_irqsave(&t->lock);
			p->otail = p->ohead;
			spin_unlock_irqrestore(&t->lock, fl);
			tty_wake_writers(t);
		}
		return 0;
	case TCXONC:
		switch (arg) {
		case TCOOFF:
		case TCOON:
			fl = spin_lock_irqsave(&t->lock);
			p->mstopped = arg == TCOOFF;
			spin_unlock_irqrestore(&t->lock, fl);
			waitq_wake_all(&p->mwrite_wq);
			return 0;
		case TCIOFF:
		case TCION:
			c = arg == TCIOFF ? 023 : 021; /* ^S, ^Q */
			tty_receive(t, &c, 1);
			return 0;
		}
		return -EINVAL;
	case TIOCSTI:
		r = tty_sti_allowed(NULL);
		if (r)
			return r;
		if (copy_from_user(&c, (const void *)arg, 1))
			return -EFAULT;
		fl = spin_lock_irqsave(&t->lock);
		if (obuf_used(p) < PTY_OBUF)
			p->obuf[p->ohead++ % PTY_OBUF] = c;
		spin_unlock_irqrestore(&t->lock, fl);
		waitq_wake_all(&p->mread_wq);
		return 0;
	}
	return -ENOTTY;
}

static long ptmx_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct tty_file *tf = f->priv;
	struct tty *t = tf->tty;
	struct pty *p = PTY(t);
	unsigned long fl;
	int v;

	switch (cmd) {
	case FIONREAD: /* the master's own input: what the slave wrote */
		fl = spin_lock_irqsave(&t->lock);
		v = (int)obuf_used(p);
		spin_unlock_irqrestore(&t->lock, fl);
		return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TIOCEXCL: /* the master's own flag: the slave stays open */
	case TIOCNXCL:
		fl = spin_lock_irqsave(&t->lock);
		p->mexclusive = cmd == TIOCEXCL;
		spin_unlock_irqrestore(&t->lock, fl);
		return 0;
	case TIOCGEXCL:
		v = p->mexclusive;
		return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TCFLSH:
	case TCXONC:
	case TIOCSTI:
		return master_flow_ioctl(t, cmd, arg);
	case TIOCGPTN:
		v = t->index;
		return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TIOCSPTLCK:
		if (copy_from_user(&v, (const void *)arg, sizeof(v)))
			return -EFAULT;
		fl = spin_lock_irqsave(&t->lock);
		t->locked = v != 0;
		spin_unlock_irqrestore(&t->lock, fl);
		return 0;
	case TIOCGPTLCK:
		fl = spin_lock_irqsave(&t->lock);
		v = t->locked;
		spin_unlock_irqrestore(&t->lock, fl);
		return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TIOCGPTPEER:
		return open_peer(t, arg);
	case TIOCSIG:
		if (arg != SIGINT && arg != SIGQUIT && arg != SIGTSTP)
			return -EINVAL;
		tty_signal_fg(t, SIGBIT(arg));
		return 0;
	}
	return tty_ioctl_common(t, tf, f, true, cmd, arg);
}

const struct file_ops tty_ptmx_fops = {
	.open = ptmx_open,
	.read = ptmx_read,
	.write = ptmx_write,
	.poll = ptmx_poll,
	.ioctl = ptmx_ioctl,
	.release = ptmx_release,
	.fasync = true,
};
