/*
 * Hosted disks: a host file per disk (build/hosted/kos --disk FILE[,ro]).
 *
 * Each disk is a struct kos_blkdev whose requests a host thread of its
 * own carries out with pread/pwrite/fdatasync straight into the RAM
 * memfd mapping (a request's pa is hosted_ram_base + pa here), so the
 * kernel never waits for the host's I/O: submit queues the request and
 * returns, and the thread's completion arrives as an interrupt.
 *
 *   kernel (submit)            I/O thread                kernel (interrupt)
 *   lock; queue rq; signal     wait; take rq; unlock
 *                              pread/pwrite/fdatasync
 *                              lock; done list; unlock
 *                              kill(getpid(), SIGUSR1) → HOSTED_IRQ_DISK:
 *                                                        lock; take done
 *                                                        list; rq->done
 *
 * Locking: each disk's mutex guards its two lists and the thread's stop
 * flag.  The kernel side takes it with interrupts (the soft flag) off,
 * so an interrupt handler on the kernel thread can never find it held by
 * the code it interrupted; the I/O thread blocks every signal, so
 * nothing runs on it but this file's loop.  The interrupt is shared by
 * all disks: its handler looks at each disk's done list.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <kos/blkdev.h>
#include <kos/log.h>
#include <kos/plat/cpu.h>
#include <kos/plat/dev.h>

#include "hosted.h"

struct hdisk {
	struct kos_blkdev bd;
	const char *path;
	int fd;
	bool read_only;
	uint64_t bytes;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;	/* queue non-empty (or stop) */
	struct list_head queue; /* submitted, not started: lock */
	struct list_head done;	/* finished, done() not called: lock */
};

static struct hdisk disks[HOSTED_MAX_DISKS];
static unsigned int ndisks;

int hosted_disk_add(const char *spec)
{
	struct hdisk *d;
	const char *comma = strchr(spec, ',');
	char *path;
	struct stat st;

	if (ndisks == HOSTED_MAX_DISKS) {
		fprintf(stderr, "kos: at most %d disks\n", HOSTED_MAX_DISKS);
		return -1;
	}
	d = &disks[ndisks];
	if (comma && strcmp(comma, ",ro") && strcmp(comma, ",rw")) {
		fprintf(stderr, "kos: --disk %s: options are ro or rw\n", spec);
		return -1;
	}
	path = comma ? strndup(spec, (size_t)(comma - spec)) : strdup(spec);
	if (!path || !*path) {
		fprintf(stderr, "kos: --disk needs a FILE\n");
		free(path);
		return -1;
	}
	d->read_only = comma && !strcmp(comma, ",ro");
	d->fd = open(path, (d->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->fd < 0 || fstat(d->fd, &st) < 0) {
		fprintf(stderr, "kos: --disk %s: %s\n", path, strerror(errno));
		if (d->fd >= 0)
			close(d->fd);
		free(path);
		return -1;
	}
	/* As QEMU: the capacity is the file's size in whole sectors. */
	d->bytes = (uint64_t)st.st_size & ~(uint64_t)(BLK_SECTOR - 1);
	if (!S_ISREG(st.st_mode) || !d->bytes) {
		fprintf(stderr,
			"kos: --disk %s: not a regular file of at "
			"least one sector\n",
			path);
		close(d->fd);
		free(path);
		return -1;
	}
	d->path = path;
	ndisks++;
	return 0;
}

#define MAX_RUN 64 /* requests merged into one preadv/pwritev */

static bool request_ok(const struct hdisk *d, const struct blk_request *rq)
{
	return rq->pa + rq->len <= hosted_ram_size &&
	       rq->sector * BLK_SECTOR + rq->len <= d->bytes;
}

/*
 * Carry out n requests of one op whose sectors follow each other with
 * one preadv/pwritev; set each one's status (0 or -EIO).
 */
static void do_run(struct hdisk *d, struct blk_request **rq, unsigned int n)
{
	struct iovec iov[MAX_RUN];
	off_t off = (off_t)(rq[0]->sector * BLK_SECTOR);
	unsigned int first = 0;
	int status = 0;

	for (unsigned int i = 0; i < n; i++)
		iov[i] = (struct iovec){ hosted_ram_base + rq[i]->pa,
					 rq[i]->len };
	while (first < n) {
		ssize_t got = rq[0]->op == BLK_READ
				      ? preadv(d->fd, iov + first,
					       (int)(n - first), off)
				      : pwritev(d->fd, iov + first,
						(int)(n - first), off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) { /* the file shrank under us, or a host error */
			status = -EIO;
			break;
		}
		off += got;
		/* Step over what was done; a short one resumes mid-vector. */
		while (first < n && (size_t)got >= iov[first].iov_len)
			got -= (ssize_t)iov[first++].iov_len;
		if (first < n) {
			iov[first].iov_base = (char *)iov[first].iov_base + got;
			iov[first].iov_len -= (size_t)got;
		}
	}
	for (unsigned int i = 0; i < n; i++)
		rq[i]->status = i < first ? 0 : status;
}

/*
 * Carry out every request of list todo, in order, merging neighbours
 * (same op, consecutive sectors) into one host call.
 */
static void do_requests(struct hdisk *d, struct list_head *todo)
{
	struct blk_request *run[MAX_RUN], *rq;
	unsigned int n = 0;

	list_for_each_entry (rq, todo, link) {
		if (n && (n == MAX_RUN || rq->op != run[0]->op ||
			  rq->sector != run[n - 1]->sector +
						run[n - 1]->len / BLK_SECTOR)) {
			do_run(d, run, n);
			n = 0;
		}
		if (rq->op == BLK_FLUSH) {
			rq->status = fdatasync(d->fd) < 0 ? -EIO : 0;
		} else if (!request_ok(d, rq)) {
			rq->status = -EIO;
		} else {
			run[n++] = rq;
		}
	}
	if (n)
		do_run(d, run, n);
}

static void *io_thread(void *arg)
{
	struct hdisk *d = arg;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct list_head todo;
		bool idle;

		while (list_empty(&d->queue))
			pthread_cond_wait(&d->more, &d->lock);
		list_init(&todo);
		list_splice_init(&d->queue, &todo);
		pthread_mutex_unlock(&d->lock);
		do_requests(d, &todo);
		pthread_mutex_lock(&d->lock);
		idle = list_empty(&d->done);
		list_splice_init(&todo, &d->done);
		/*
		 * The interrupt: any thread but this one takes it.  A done
		 * list that was not empty has one on its way already.
		 */
		if (idle)
			kill(getpid(), SIGUSR1);
	}
	return NULL;
}

static int hdisk_submit(struct kos_blkdev *bd, struct blk_request *rq)
{
	struct hdisk *d = bd->priv;
	unsigned long flags = plat_irq_save();

	pthread_mutex_lock(&d->lock);
	list_add_tail(&rq->link, &d->queue);
	pthread_cond_signal(&d->more);
	pthread_mutex_unlock(&d->lock);
	plat_irq_restore(flags);
	return 0;
}

static const struct blkdev_ops hdisk_ops = { .submit = hdisk_submit };

/* HOSTED_IRQ_DISK: complete what the I/O threads finished. */
static void disk_irq(void)
{
	for (unsigned int i = 0; i < ndisks; i++) {
		struct hdisk *d = &disks[i];
		struct list_head done;

		list_init(&done);
		pthread_mutex_lock(&d->lock);
		list_splice_init(&d->done, &done);
		pthread_mutex_unlock(&d->lock);
		while (!list_empty(&done)) {
			struct blk_request *rq = list_first_entry(
				&done, struct blk_request, link);

			list_del(&rq->link);
			rq->done(rq);
		}
	}
}

void plat_devices_init(void)
{
	sigset_t all, old;

	hosted_net_init();
	if (!ndisks)
		return;
	hosted_irq_register(HOSTED_IRQ_DISK, SIGUSR1, disk_irq);
	/* The I/O threads inherit a mask that blocks every signal. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned int i = 0; i < ndisks; i++) {
		struct hdisk *d = &disks[i];
		int err;

		pthread_mutex_init(&d->lock, NULL);
		pthread_cond_init(&d->more, NULL);
		list_init(&d->queue);
		list_init(&d->done);
		d->bd.nsectors = d->bytes / BLK_SECTOR;
		d->bd.block_size = BLK_SECTOR;
		d->bd.read_only = d->read_only;
		d->bd.ops = &hdisk_ops;
		d->bd.priv = d;
		err = blkdev_register(&d->bd);
		if (err) {
			log_err("hosted: disk %s: cannot register (%d)",
				d->path, err);
			continue;
		}
		err = pthread_create(&d->thread, NULL, io_thread, d);
		if (err) {
			log_err("hosted: disk %s: no I/O thread (%s)", d->path,
				strerror(err));
			abort();
		}
		log_info("hosted: %s is %s, %llu MiB (%llu sectors), %s",
			 d->bd.name, d->path,
			 (unsigned long long)(d->bytes >> 20),
			 (unsigned long long)d->bd.nsectors,
			 d->read_only ? "ro" : "rw");
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
