/*
 * Character devices: the table that maps device numbers to file ops, the
 * memory devices (/dev/null 1:3, zero 1:5, random 1:8, urandom 1:9),
 * /dev/tty (5:0) and the console (5:1), and the creation of /dev at boot
 * (nodes and the /dev/fd, /dev/std* links).
 *
 * A device node opens by its number, so an initramfs may carry its own
 * /dev entries (with any names); dev_populate() only adds the standard
 * names that are missing.
 *
 * The console has no line discipline yet: input is passed through as the
 * platform delivers it (the hosted console's terminal or QEMU's serial
 * line does the echo and line editing).  TCGETS still reports a cooked
 * terminal (ICANON, ECHO, ISIG on; 38400 baud, 8 bits) so programs treat
 * it as a tty; TCSETS* are accepted and remembered for later TCGETS but
 * change nothing else.  TIOCGWINSZ reports 24 rows x 80 columns until
 * TIOCSWINSZ sets another size.
 */
#include <kos/console.h>
#include <kos/file.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/random.h>
#include <kos/spinlock.h>
#include <kos/string.h>
#include <kos/uaccess.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/ioctl.h>
#include <uapi/stat.h>
#include <uapi/termios.h>

#include "internal.h"

#define BOUNCE 4096 /* bytes moved per round for device I/O */

/* ---- memory devices ------------------------------------------------- */

static ssize_t null_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return 0;
}

static ssize_t null_write(struct file *f, struct uio *u, uint64_t *pos)
{
	ssize_t n = (ssize_t)u->resid;

	u->resid = 0;
	return n;
}

static ssize_t zero_read(struct file *f, struct uio *u, uint64_t *pos)
{
	size_t n = u->resid;

	if (uio_zero(u, n))
		return n == u->resid ? -EFAULT : (ssize_t)(n - u->resid);
	return (ssize_t)n;
}

/* /dev/full: reads as /dev/zero, every write finds the disk full. */
static ssize_t full_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return -ENOSPC;
}

/*
 * The result of a transfer that started with want bytes to move and
 * stopped when done or at a fault: the count moved, -EFAULT if a fault
 * stopped it before anything moved.
 */
static ssize_t dev_moved(struct uio *u, size_t want)
{
	if (want && u->resid == want)
		return -EFAULT;
	return (ssize_t)(want - u->resid);
}

static ssize_t random_read(struct file *f, struct uio *u, uint64_t *pos)
{
	size_t want = u->resid;
	char buf[256];
	int err = 0;

	while (u->resid > 0 && !err) {
		size_t chunk = MIN(u->resid, sizeof(buf));

		kos_random_bytes(buf, chunk);
		err = uio_copyout(u, buf, chunk);
	}
	kos_memset(buf, 0, sizeof(buf));
	return dev_moved(u, want);
}

/* Writing to random devices mixes the data into the pool, as Linux. */
static ssize_t random_write(struct file *f, struct uio *u, uint64_t *pos)
{
	size_t want = u->resid;
	char buf[256];

	while (u->resid > 0) {
		size_t chunk = MIN(u->resid, sizeof(buf)), before = u->resid;
		int err = uio_copyin(u, buf, chunk);

		kos_random_mix(buf, before - u->resid);
		if (err)
			break;
	}
	return dev_moved(u, want);
}

/* /dev/zero maps as anonymous memory (shared or private), as Linux. */
static int zero_mmap(struct file *f, bool shared)
{
	return FILE_MMAP_ANON;
}

static const struct file_ops null_fops = {
	.read = null_read,
	.write = null_write,
	.llseek = file_llseek_noop,
};

static const struct file_ops zero_fops = {
	.read = zero_read,
	.write = null_write,
	.llseek = file_llseek_noop,
	.mmap = zero_mmap,
};

static const struct file_ops full_fops = {
	.read = zero_read,
	.write = full_write,
	.llseek = file_llseek_noop,
};

static const struct file_ops random_fops = {
	.read = random_read,
	.write = random_write,
	.llseek = file_llseek_noop,
};

/* ---- console -------------------------------------------------------- */

static struct spinlock tty_lock = SPINLOCK_INIT("tty");
static struct termios tty_termios;		      /* tty_lock */
static struct winsize tty_winsize = { 24, 80, 0, 0 }; /* tty_lock */
static bool tty_termios_set;			      /* tty_lock */

/* The termios a freshly opened Linux terminal reports. */
static void tty_default(struct termios *t)
{
	kos_memset(t, 0, sizeof(*t));
	t->c_iflag = ICRNL | IXON | IUTF8;
	t->c_oflag = OPOST | ONLCR;
	t->c_cflag = B38400 | CS8 | CREAD | HUPCL;
	t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
		     IEXTEN;
	t->c_cc[VINTR] = 3;
	t->c_cc[VQUIT] = 28;
	t->c_cc[VERASE] = 127;
	t->c_cc[VKILL] = 21;
	t->c_cc[VEOF] = 4;
	t->c_cc[VTIME] = 0;
	t->c_cc[VMIN] = 1;
	t->c_cc[VSTART] = 17;
	t->c_cc[VSTOP] = 19;
	t->c_cc[VSUSP] = 26;
	t->c_cc[VREPRINT] = 18;
	t->c_cc[VDISCARD] = 15;
	t->c_cc[VWERASE] = 23;
	t->c_cc[VLNEXT] = 22;
}

static int console_open(struct file *f)
{
	/* A tty is a stream: no lseek, no pread (Linux: -ESPIPE). */
	f->fmode &= ~(FMODE_LSEEK | FMODE_PREAD);
	return 0;
}

static ssize_t console_fread(struct file *f, struct uio *u, uint64_t *pos)
{
	char *buf = kmalloc(BOUNCE);
	size_t want = u->resid;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	n = console_read(buf, MIN(u->resid, (size_t)BOUNCE),
			 (f->flags & O_NONBLOCK) != 0);
	/* Input that met a bad buffer is lost (the count says so). */
	if (n > 0 && uio_copyout(u, buf, (size_t)n))
		n = dev_moved(u, want);
	kfree(buf);
	return n;
}

static ssize_t console_fwrite(struct file *f, struct uio *u, uint64_t *pos)
{
	char *buf = kmalloc(BOUNCE);
	size_t want = u->resid;

	if (!buf)
		return -ENOMEM;
	while (u->resid > 0) {
		size_t chunk = MIN(u->resid, (size_t)BOUNCE), before = u->resid;
		int err = uio_copyin(u, buf, chunk);

		console_write(buf, before - u->resid);
		if (err)
			break;
	}
	kfree(buf);
	return dev_moved(u, want);
}

static long console_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct termios t;
	struct winsize ws;
	unsigned long fl;
	int n;

	switch (cmd) {
	case TCGETS:
		fl = spin_lock_irqsave(&tty_lock);
		if (!tty_termios_set)
			tty_default(&tty_termios);
		tty_termios_set = true;
		t = tty_termios;
		spin_unlock_irqrestore(&tty_lock, fl);
		return copy_to_user((void *)arg, &t, sizeof(t)) ? -EFAULT : 0;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if (copy_from_user(&t, (const void *)arg, sizeof(t)))
			return -EFAULT;
		fl = spin_lock_irqsave(&tty_lock);
		tty_termios = t;
		tty_termios_set = true;
		spin_unlock_irqrestore(&tty_lock, fl);
		return 0;
	case TIOCGWINSZ:
		fl = spin_lock_irqsave(&tty_lock);
		ws = tty_winsize;
		spin_unlock_irqrestore(&tty_lock, fl);
		return copy_to_user((void *)arg, &ws, sizeof(ws)) ? -EFAULT : 0;
	case TIOCSWINSZ:
		if (copy_from_user(&ws, (const void *)arg, sizeof(ws)))
			return -EFAULT;
		fl = spin_lock_irqsave(&tty_lock);
		tty_winsize = ws;
		spin_unlock_irqrestore(&tty_lock, fl);
		return 0;
	case FIONREAD:
		n = (int)console_input_pending();
		return copy_to_user((void *)arg, &n, sizeof(n)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

static unsigned int console_fpoll(struct file *f, struct poll_table *pt)
{
	return console_poll(pt);
}

static const struct file_ops console_fops = {
	.poll = console_fpoll,
	.open = console_open,
	.read = console_fread,
	.write = console_fwrite,
	.ioctl = console_ioctl,
};

/*
 * /dev/tty (5:0): the caller's controlling terminal.  KOS gives no
 * process one (no TIOCSCTTY; /dev/console never becomes one, as on
 * Linux), so opening it is -ENXIO, Linux's answer without one.
 */
static int tty_open(struct file *f)
{
	return -ENXIO;
}

static const struct file_ops tty_fops = {
	.open = tty_open,
};

/* ---- the table ------------------------------------------------------ */

struct chrdev {
	uint32_t rdev;
	const char *name; /* under /dev */
	uint32_t mode;	  /* permissions of the node */
	const struct file_ops *fops;
	bool populate; /* created in /dev at boot if missing */
};

static const struct chrdev chrdevs[] = {
	{ KDEV(1, 3), "null", 0666, &null_fops, true },
	{ KDEV(1, 5), "zero", 0666, &zero_fops, true },
	{ KDEV(1, 7), "full", 0666, &full_fops, false }, /* mknod makes it */
	{ KDEV(1, 8), "random", 0666, &random_fops, true },
	{ KDEV(1, 9), "urandom", 0666, &random_fops, true },
	{ KDEV(5, 0), "tty", 0666, &tty_fops, true },
	{ KDEV(5, 1), "console", 0600, &console_fops, true },
};

const struct file_ops *chrdev_fops(uint32_t rdev)
{
	for (size_t i = 0; i < ARRAY_SIZE(chrdevs); i++)
		if (chrdevs[i].rdev == rdev)
			return chrdevs[i].fops;
	return NULL;
}

/* The device nodes under dir/prefix; all: also those boot leaves out. */
static int make_nodes(struct vnode *dir, const char *prefix, bool all)
{
	char path[32];
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(chrdevs); i++) {
		kos_snprintf(path, sizeof(path), "%s%s", prefix,
			     chrdevs[i].name);
		if (!chrdevs[i].populate && !all)
			continue;
		err = vfs_create_vnode(dir, path, S_IFCHR | chrdevs[i].mode,
				       chrdevs[i].rdev, NULL, NULL);
		if (err == -ENOMEM)
			return err;
		if (err && err != -EEXIST)
			log_warn("vfs: cannot create /%s (%d)", path, err);
	}
	return 0;
}

/*
 * The links udev (and systemd) make on Linux, which programs and shells
 * expect: /dev/fd -> /proc/self/fd, /dev/std{in,out,err} ->
 * /proc/self/fd/{0,1,2}.  They work once /proc is mounted.
 */
static int make_links(struct vnode *root)
{
	static const char *const links[][2] = {
		{ "dev/fd", "/proc/self/fd" },
		{ "dev/stdin", "/proc/self/fd/0" },
		{ "dev/stdout", "/proc/self/fd/1" },
		{ "dev/stderr", "/proc/self/fd/2" },
	};
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		err = vfs_create_vnode(root, links[i][0], S_IFLNK | 0777, 0,
				       links[i][1], NULL);
		if (err == -ENOMEM)
			return err;
		if (err && err != -EEXIST)
			log_warn("vfs: cannot create /%s (%d)", links[i][0],
				 err);
	}
	return 0;
}

int dev_populate(struct vnode *root)
{
	int err = vfs_create_vnode(root, "dev", S_IFDIR | 0755, 0, NULL, NULL);

	if (err && err != -EEXIST)
		return err;
	err = make_nodes(root, "dev/", false);
	if (!err)
		err = make_links(root);
	return err;
}

int dev_fill_devtmpfs(struct vnode *root)
{
	root->mode = S_IFDIR | 0755;
	return make_nodes(root, "", true);
}
