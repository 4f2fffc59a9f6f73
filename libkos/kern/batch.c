/*
 * The test batch runner: many programs per boot, each as if it were the
 * only one.
 *
 * batch=LIST names a file in the initramfs listing test cases, one per
 * line: the case's name, then the program's argv, separated by tabs (so
 * arguments may hold spaces and need no quoting); empty lines and lines
 * starting with '#' are skipped.  batch.from=N starts at the case with
 * index N (counting from 0), so that a runner can resume after a case
 * that brought the kernel down; batch.only=A,B runs only the cases of
 * those names.
 *
 * Every case runs on a system reset to its state after boot: the root file
 * system is thrown away and unpacked anew from the initramfs, and pid
 * numbering starts at 1 again, so the program is PID 1 of a fresh root,
 * exactly what the Linux oracle gives it (check/contract/oracle: a new
 * tmpfs root and pid namespace per run).  What the kernel keeps between
 * cases is what a reboot would not reset on its own either: the clocks,
 * the random pool and the log.
 *
 * Around each case the console shows, on lines of their own,
 *
 *	=== kos-batch begin NAME
 *	... the program's output ...
 *	=== kos-batch end NAME status S[ newline-added]
 *
 * where S is what the power-off status would have been for that program
 * alone (exit code, or 128 + signal), and "newline-added" says that the
 * program's output did not end in a newline and the kernel added one
 * before the marker.  "=== kos-batch done N" follows the last case.  A
 * case that never reaches its end marker took the kernel down with it.
 *
 * Runs in the boot thread ("main"), after vfs_init().
 */
#include <kos/cmdline.h>
#include <kos/console.h>
#include <kos/file.h>
#include <kos/init.h>
#include <kos/ipc.h>
#include <kos/kmalloc.h>
#include <kos/log.h>
#include <kos/pmm.h>
#include <kos/proc.h>
#include <kos/string.h>
#include <kos/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#define BATCH_MAX_LIST (256 << 10)
#define BATCH_MAX_ARGS 64

/* The list file's contents, NUL terminated, in *out (kmalloc'd). */
static int batch_read(const char *path, char **out)
{
	struct kstat st;
	struct file *f;
	ssize_t n;
	char *buf;
	int err;

	err = vfs_open_kernel(path, O_RDONLY, &f);
	if (err)
		return err;
	err = vfs_stat_file(f, &st);
	if (!err && st.size > BATCH_MAX_LIST)
		err = -EFBIG;
	buf = err ? NULL : kmalloc((size_t)st.size + 1);
	if (!err && !buf)
		err = -ENOMEM;
	if (!err) {
		n = file_pread_kernel(f, buf, (size_t)st.size, 0);
		if (n < 0) {
			err = (int)n;
		} else {
			buf[n] = 0;
			*out = buf;
		}
	}
	file_put(f);
	if (err)
		kfree(buf);
	return err;
}

/*
 * Split one line (NUL terminated, modified in place) at tabs into
 * words[]; returns the count, or -1 if there are too many.
 */
static int split_tabs(char *line, char *words[], int max)
{
	int n = 0;

	for (;;) {
		char *tab = kos_strchr(line, '\t');

		if (n == max)
			return -1;
		words[n++] = line;
		if (!tab)
			return n;
		*tab = 0;
		line = tab + 1;
	}
}

static void say(const char *a, const char *b, const char *c)
{
	console_write(a, kos_strlen(a));
	console_write(b, kos_strlen(b));
	console_write(c, kos_strlen(c));
}

/* Run one case: markers, program, markers. */
static void batch_case(const char *name, const char *const argv[])
{
	char tail[48];
	bool added = false;
	int status;

	say("=== kos-batch begin ", name, "\n");
	status = init_run(argv);
	if (!console_at_line_start()) {
		console_write("\n", 1);
		added = true;
	}
	kos_snprintf(tail, sizeof(tail), " status %d%s\n", status,
		     added ? " newline-added" : "");
	say("=== kos-batch end ", name, tail);
}

/* Reset the system between two cases; false if it cannot be done. */
static bool batch_reset(const struct kos_bootinfo *bi)
{
	int err = proc_restart_pids();

	if (!err) {
		/* As after a boot: no IPC objects, a fresh /dev/shm. */
		ipc_devshm_umount();
		ipc_reset();
		err = vfs_reset_root(bi->initrd, bi->initrd_size);
		if (!err)
			ipc_devshm_mount();
	}
	if (err)
		log_err("batch: cannot reset the system for the next case: "
			"error %d",
			err);
	else
		log_debug("batch: reset, %llu pages free",
			  (unsigned long long)pmm_free_pages());
	return !err;
}

int batch_run(const struct kos_bootinfo *bi, const char *list)
{
	long from = (long)cmdline_get_int(&kos_cmdline, "batch.from", 0);
	char *words[BATCH_MAX_ARGS + 1];
	char *buf = NULL, *line, *next, tail[32];
	long index = 0, ran = 0;
	int n, err, status = 0;

	err = batch_read(list, &buf);
	if (err) {
		log_err("batch: cannot read %s: error %d", list, -err);
		return 1;
	}
	for (line = buf; line && *line; line = next) {
		next = kos_strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!*line || *line == '#')
			continue;
		n = split_tabs(line, words, BATCH_MAX_ARGS);
		if (n < 2) {
			log_err("batch: %s: bad case line (a name, a program "
				"and at most %d arguments)",
				list, BATCH_MAX_ARGS - 2);
			status = 1;
			break;
		}
		if (index++ < from ||
		    (cmdline_has(&kos_cmdline, "batch.only") &&
		     !cmdline_list_has(&kos_cmdline, "batch.only", words[0])))
			continue;
		if (ran && !batch_reset(bi)) {
			status = 1;
			break;
		}
		words[n] = NULL;
		batch_case(words[0], (const char *const *)&words[1]);
		ran++;
	}
	kfree(buf);
	kos_snprintf(tail, sizeof(tail), "%ld\n", ran);
	say("=== kos-batch done ", tail, "");
	return status;
}
