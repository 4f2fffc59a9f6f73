/*
 * Hosted platform entry:
 *   build/hosted/kos [--initrd FILE] [--cmdline TEXT] [--disk FILE[,ro]]...
 *                    [--net user[,hostfwd=...]|tap,ifname=NAME]... [--] WORD...
 *
 * The words form the kernel command line, joined by single spaces
 * (--cmdline TEXT gives it as one string instead).  A single-app
 * executable (build/apps/NAME/NAME-hosted, app.c) is this same program
 * with an initramfs and a command line embedded: they are used when no
 * --initrd and no words or --cmdline are given.  main()
 * sizes RAM from mem=, creates the memfd RAM, the timer and the console
 * interrupt, fills a struct kos_bootinfo and calls kos_main() on the main
 * thread's stack with interrupts (the soft flag) off.  kos_main() never
 * returns; the process ends in plat_poweroff() with the kernel's status, or
 * in plat_halt() with SIGABRT.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kos/boot.h>
#include <kos/cmdline.h>

#include "hosted.h"

#define RAM_DEFAULT (256ULL << 20)
#define RAM_MIN (4ULL << 20)
#define RAM_MAX (64ULL << 30)

/* Static: bootinfo pointers must stay valid for the kernel's lifetime. */
static struct kos_bootinfo bootinfo;
static char cmdline[CMDLINE_MAX];

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--initrd FILE] [--cmdline TEXT] [--disk FILE[,ro]]...\n"
		"       [--hosted-mode ptrace|seccomp]\n"
		"       [--net user[,hostfwd=[tcp|udp]:[HADDR]:HPORT-[GADDR]:GPORT]...\n"
		"        |tap,ifname=NAME]... [--] WORD...\n"
		"Run the KOS kernel as a host process.  The WORDs, joined by\n"
		"spaces, are the kernel command line, e.g.\n"
		"  %s selftest loglevel=7 mem=128M panic=poweroff\n"
		"--cmdline TEXT gives the whole command line as one string.\n"
		"An app executable (make app) has an initramfs and a command\n"
		"line built in: --initrd and words or --cmdline replace them.\n"
		"mem=SIZE[K|M|G] sizes RAM (default 256M).  Each --disk is a\n"
		"host file the kernel sees as a disk (/dev/vda, /dev/vdb, ...;\n"
		",ro: read-only).  Each --net is a network device (eth0,\n"
		"eth1, ...): user networking as QEMU's -netdev user (guest\n"
		"10.0.2.15, gateway and host 10.0.2.2, DNS 10.0.2.3; hostfwd's\n"
		"HADDR defaults to 127.0.0.1, GADDR to 10.0.2.15), or a host TAP\n"
		"device.  --hosted-mode (default: $KOS_HOSTED_MODE, else seccomp)\n"
		"chooses how guest processes trap to the kernel: seccomp user\n"
		"notifications (docs/hosted-seccomp.md), or PTRACE_SYSEMU stops.\n"
		"The exit status is the one the kernel powers off with.\n",
		prog, prog);
}

/* Parse "128M"-style sizes.  Returns 0, or -1 if malformed. */
static int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMG";
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -1;
	if (*end) {
		const char *u = strchr(units, toupper((unsigned char)*end));

		if (u) {
			shift = 10 * (unsigned int)(u - units + 1);
			end++;
		}
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/*
 * RAM size from the last mem= of the kernel command line, before a lone
 * "--" (what follows belongs to init).  Scans the joined line, since a
 * caller may pass the whole line as one word.  Returns 0, or -1 with a
 * message if the value is unusable.
 */
static int ram_size_from_cmdline(const char *line, uint64_t *size)
{
	char word[CMDLINE_MAX], *v;
	size_t n;

	*size = RAM_DEFAULT;
	while (*line) {
		line += strspn(line, " \t\n");
		n = strcspn(line, " \t\n");
		if (!n)
			break;
		memcpy(word, line, n);
		word[n] = 0;
		line += n;
		if (!strcmp(word, "--"))
			break;
		if (strncmp(word, "mem=", 4))
			continue;
		v = word + 4;
		if (*v == '"' && n > 5 && word[n - 1] == '"') {
			word[n - 1] = 0;
			v++;
		}
		if (parse_size(v, size) < 0 || *size < RAM_MIN ||
		    *size > RAM_MAX) {
			fprintf(stderr, "kos: bad %s (want 4M..64G)\n", word);
			return -1;
		}
	}
	*size &= ~(uint64_t)(PAGE_SIZE - 1);
	return 0;
}

/* Join words with single spaces into cmdline.  0, or -1 if too long. */
static int join_words(char **words, int n)
{
	size_t len = 0, wl;
	int i;

	cmdline[0] = 0;
	for (i = 0; i < n; i++) {
		wl = strlen(words[i]);
		if (len + !!i + wl >= sizeof(cmdline)) {
			fprintf(stderr, "kos: command line longer than %zu\n",
				sizeof(cmdline) - 1);
			return -1;
		}
		if (i)
			cmdline[len++] = ' ';
		memcpy(cmdline + len, words[i], wl + 1);
		len += wl;
	}
	return 0;
}

/* Read a whole file into malloc'd memory.  NULL (errno set) on failure. */
static void *read_file(const char *path, size_t *size)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	char *buf;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		goto out_close;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out_close;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		goto out_close;
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n ? errno : EIO;
			free(buf);
			errno = err;
			goto out_close;
		}
		done += (size_t)n;
	}
	close(fd);
	*size = done;
	return buf;

out_close:
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

/*
 * Map a whole file read-only (a private mapping: the pages the reader
 * touches come from the page cache, the rest are never read).  NULL
 * (errno set) on failure.
 */
static const void *map_file(const char *path, size_t *size)
{
	struct stat st;
	void *p;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		goto out_close;
	if (!S_ISREG(st.st_mode) || !st.st_size) {
		errno = EINVAL;
		goto out_close;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		goto out_close;
	close(fd);
	*size = (size_t)st.st_size;
	return p;

out_close:
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

/* dl_iterate_phdr visits the main executable first: take its bias. */
static int main_object_bias(struct dl_phdr_info *info, size_t size, void *data)
{
	*(uint64_t *)data = info->dlpi_addr;
	return 1;
}

/*
 * Our own ELF image for the core's symbolizer, mapped (the symbolizer
 * reads its section headers, .symtab and .strtab: a few hundred KiB of
 * the 4+ MB file; reading all of it cost milliseconds of every start, an
 * app's boot time).  Opened by the path the
 * kernel (or valgrind, which emulates the link) reports for
 * /proc/self/exe: opening /proc/self/exe directly under valgrind would
 * read valgrind's tool binary.
 */
static void load_kernel_elf(struct kos_bootinfo *bi)
{
	char path[PATH_MAX];
	ssize_t n;

	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = 0;
		bi->kernel_elf = map_file(path, &bi->kernel_elf_size);
	}
	if (!bi->kernel_elf) {
		fprintf(stderr, "kos: no kernel ELF for symbols: %m\n");
		bi->kernel_elf_size = 0;
	}
	dl_iterate_phdr(main_object_bias, &bi->kernel_load_bias);
}

/*
 * Enter the core on the main thread's stack with rbp = 0, so the core's
 * frame-pointer backtraces end at kos_main() as they do in a kernel thread
 * (arch_thread_start) instead of wandering into glibc's frames.
 */
static void __attribute__((noreturn)) boot(struct kos_bootinfo *bi)
{
	__asm__ volatile("xorl %%ebp, %%ebp\n\t"
			 "andq $-16, %%rsp\n\t"
			 "call kos_main\n\t"
			 "ud2"
			 :
			 : "D"(bi)
			 : "memory");
	__builtin_unreachable();
}

int main(int argc, char **argv)
{
	struct kos_bootinfo *bi = &bootinfo;
	const char *initrd = NULL, *line = NULL;
	struct timespec now;
	uint64_t ram;
	int i;

	hosted_prof_init();
	if (getenv("KOS_HOSTED_MODE") && *getenv("KOS_HOSTED_MODE") &&
	    hosted_mode_set(getenv("KOS_HOSTED_MODE")) < 0) {
		fprintf(stderr, "kos: KOS_HOSTED_MODE: ptrace or seccomp\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--initrd")) {
			if (i + 1 == argc) {
				fprintf(stderr, "kos: --initrd needs a FILE\n");
				usage(stderr, argv[0]);
				return 2;
			}
			initrd = argv[++i];
		} else if (!strncmp(a, "--initrd=", 9) && a[9]) {
			initrd = a + 9;
		} else if (!strcmp(a, "--cmdline")) {
			if (i + 1 == argc) {
				fprintf(stderr, "kos: --cmdline needs TEXT\n");
				usage(stderr, argv[0]);
				return 2;
			}
			line = argv[++i];
		} else if (!strncmp(a, "--cmdline=", 10)) {
			line = a + 10;
		} else if (!strcmp(a, "--disk") || !strncmp(a, "--disk=", 7)) {
			const char *spec = a[6] ? a + 7 : argv[i + 1];

			if (!a[6] && i + 1 < argc)
				i++;
			if (!spec || hosted_disk_add(spec) < 0) {
				usage(stderr, argv[0]);
				return 2;
			}
		} else if (!strcmp(a, "--net") || !strncmp(a, "--net=", 6)) {
			const char *spec = a[5] ? a + 6 : argv[i + 1];

			if (!a[5] && i + 1 < argc)
				i++;
			if (!spec || hosted_net_add(spec) < 0) {
				usage(stderr, argv[0]);
				return 2;
			}
		} else if (!strcmp(a, "--hosted-mode") ||
			   !strncmp(a, "--hosted-mode=", 14)) {
			const char *m = a[13] ? a + 14 : argv[i + 1];

			if (!a[13] && i + 1 < argc)
				i++;
			if (!m || hosted_mode_set(m) < 0) {
				fprintf(stderr, "kos: --hosted-mode: ptrace or "
						"seccomp\n");
				usage(stderr, argv[0]);
				return 2;
			}
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout, argv[0]);
			return 0;
		} else if (a[0] == '-') {
			fprintf(stderr, "kos: bad option %s\n", a);
			usage(stderr, argv[0]);
			return 2;
		} else {
			break;
		}
	}
	if (line && i < argc) {
		fprintf(stderr, "kos: --cmdline and words: give one of them\n");
		usage(stderr, argv[0]);
		return 2;
	}
	/* No words and no --cmdline: an app's embedded line, if any. */
	if (!line && i == argc)
		line = hosted_app_cmdline_get();
	if (line) {
		if (strlen(line) >= sizeof(cmdline)) {
			fprintf(stderr, "kos: command line longer than %zu\n",
				sizeof(cmdline) - 1);
			return 2;
		}
		strcpy(cmdline, line);
	} else if (join_words(argv + i, argc - i) < 0) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (ram_size_from_cmdline(cmdline, &ram) < 0) {
		usage(stderr, argv[0]);
		return 2;
	}

	if (hosted_net_setup() < 0)
		return 1;
	bi->platform = "hosted";
	bi->cmdline = cmdline;
	if (initrd) {
		bi->initrd = read_file(initrd, &bi->initrd_size);
		if (!bi->initrd) {
			fprintf(stderr, "kos: initrd %s: %m\n", initrd);
			return 2;
		}
	} else {
		bi->initrd = hosted_app_initrd_get(&bi->initrd_size);
	}
	load_kernel_elf(bi);
	clock_gettime(CLOCK_REALTIME, &now);
	bi->boot_wallclock_ns =
		(uint64_t)now.tv_sec * NSEC_PER_SEC + (uint64_t)now.tv_nsec;

	hosted_pin_cpu(); /* before the clock: one CPU, one TSC */
	if (hosted_mem_init(ram) < 0 || hosted_timer_init() < 0)
		return 1;
	/* Physical page 0 stays reserved so that pa 0 is never handed out. */
	bi->mem[0] = (struct kos_memrange){ 0, PAGE_SIZE, KOS_MEM_RESERVED };
	bi->mem[1] = (struct kos_memrange){ PAGE_SIZE, ram - PAGE_SIZE,
					    KOS_MEM_USABLE };
	bi->nmem = 2;

	hosted_console_init();
	hosted_fault_init();
	hosted_user_init();
	hosted_fpu_init();
	fflush(NULL);
	boot(bi);
}
