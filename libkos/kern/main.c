/*
 * kos_main: the core's boot sequence, the same on every platform.
 *
 * The platform calls kos_main() once, on the boot CPU, with interrupts
 * disabled, a working console and a stack of at least 16 KiB.  From here:
 * command line → log level → symbols (indexed at the first lookup) →
 * page allocator (its metadata written as memory is first needed) →
 * kmalloc → scheduler (the boot context becomes thread "main") → timers →
 * the vDSO
 * → interrupts on → the network (net_init) → devices (plat_devices_init)
 * → the work the command line asks for (selftest, init=, batch=) → power
 * off with its status.
 */
#include <kos/blkdev.h>
#include <kos/boot.h>
#include <kos/cmdline.h>
#include <kos/console.h>
#include <kos/exec.h>
#include <kos/init.h>
#include <kos/ipc.h>
#include <kos/kmalloc.h>
#include <kos/ksym.h>
#include <kos/log.h>
#include <kos/netdev.h>
#include <kos/panic.h>
#include <kos/plat/cpu.h>
#include <kos/plat/dev.h>
#include <kos/plat/power.h>
#include <kos/pmm.h>
#include <kos/proc.h>
#include <kos/sched.h>
#include <kos/syscall.h>
#include <kos/selftest.h>
#include <kos/socket.h>
#include <kos/string.h>
#include <kos/timer.h>
#include <kos/vdso.h>
#include <kos/version.h>
#include <kos/vfs.h>
#include <kos/file.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

/* The boot information with the command line's limits applied. */
static struct kos_bootinfo boot_info;

/*
 * mem=SIZE: like Linux, forget usable RAM above SIZE bytes of physical
 * address space.  Reserved ranges are kept as they are.
 */
static void apply_mem_limit(struct kos_bootinfo *bi, uint64_t limit)
{
	for (unsigned int i = 0; i < bi->nmem; i++) {
		struct kos_memrange *r = &bi->mem[i];

		if (r->type != KOS_MEM_USABLE)
			continue;
		if (r->base >= limit)
			r->len = 0;
		else if (r->base + r->len > limit)
			r->len = ALIGN_DOWN(limit - r->base, PAGE_SIZE);
	}
}

static void print_memory(const struct kos_bootinfo *bi)
{
	uint64_t usable = 0;

	for (unsigned int i = 0; i < bi->nmem; i++) {
		const struct kos_memrange *r = &bi->mem[i];

		log_debug("mem: [%#014llx-%#014llx] %s",
			  (unsigned long long)r->base,
			  (unsigned long long)(r->base + r->len - 1),
			  r->type == KOS_MEM_USABLE ? "usable" : "reserved");
		if (r->type == KOS_MEM_USABLE)
			usable += r->len;
	}
	log_info("mem: %llu MiB usable in %u ranges, %llu KiB free after init",
		 (unsigned long long)(usable >> 20), bi->nmem,
		 (unsigned long long)(pmm_free_pages() * (PAGE_SIZE / 1024)));
}

/* console=: we know the serial port (bare metal) and stdio (hosted). */
static void check_console_param(void)
{
	const char *c = cmdline_get(&kos_cmdline, "console");

	if (c && kos_strncmp(c, "ttyS0", 5) != 0 && kos_strcmp(c, "stdio") &&
	    kos_strncmp(c, "tty0", 4) != 0)
		log_warn("console=%s: unknown console, using the boot console",
			 c);
}

/*
 * debug=init: the time each boot step took (as Linux's initcall_debug),
 * to see where boot time goes.  Steps are recorded in memory and shown
 * together at PID 1's first system call (or when the table fills), so
 * the console output costs no step anything: under TCG a logged line
 * costs tens of microseconds of port I/O.
 */
#define INIT_STEPS_MAX 64
static bool init_debug;
static uint64_t init_step_ns;
static struct {
	const char *name;
	uint64_t ns;
	uint64_t at;
} init_steps[INIT_STEPS_MAX];
static unsigned int init_nsteps;

void init_steps_show(void)
{
	/* PID 1's first call may race the boot thread: one shows them. */
	unsigned int n = __atomic_exchange_n(&init_nsteps, 0, __ATOMIC_ACQ_REL);
	int level = kos_log_get_level();

	if (!n)
		return;
	kos_log_set_level(LOG_NOTICE > level ? LOG_NOTICE : level);
	for (unsigned int i = 0; i < n; i++)
		kos_log(LOG_NOTICE, "init: %s took %llu us (done at %llu us)",
			init_steps[i].name,
			(unsigned long long)(init_steps[i].ns / 1000),
			(unsigned long long)(init_steps[i].at / 1000));
	kos_log_set_level(level);
}

static void init_step(const char *name)
{
	uint64_t now = plat_clock_ns();

	if (init_debug) {
		if (init_nsteps == INIT_STEPS_MAX)
			init_steps_show();
		init_steps[init_nsteps].name = name;
		init_steps[init_nsteps].ns = now - init_step_ns;
		init_steps[init_nsteps++].at = now;
	}
	init_step_ns = now;
}

/* Platforms without devices (the unit tests') have none to find. */
__attribute__((weak)) void plat_devices_init(void)
{
}

void kos_poweroff(int status)
{
	/*
	 * Always shown, whatever loglevel=: runners read the full status
	 * from this line (QEMU's debug-exit code carries only 7 bits).
	 */
	kos_log_set_level(LOG_NOTICE > kos_log_get_level()
				  ? LOG_NOTICE
				  : kos_log_get_level());
	kos_log(LOG_NOTICE, "kos: power off, status %d", status);
	plat_poweroff(status);
}

static const char *const init_envp[] = { "HOME=/", "TERM=linux", NULL };

/* Wait for PID 1 p (NULL: it did not start, err) to end: the status. */
static int init_wait(struct proc *p, const char *const argv[], int err)
{
	int ws;

	if (!p) {
		log_err("kos: cannot run init %s: error %d", argv[0], -err);
		return 127;
	}
	ws = proc_wait_init(p);
	if ((ws & 0x7f) == 0) {
		log_notice("kos: init exited with status %d", (ws >> 8) & 0xff);
		return (ws >> 8) & 0xff;
	}
	log_notice("kos: init killed by signal %d", ws & 0x7f);
	return 128 + (ws & 0x7f);
}

int init_run(const char *const argv[])
{
	struct proc *p;
	int err = 0;

	p = proc_start_init(argv[0], argv, init_envp, &err);
	init_step("proc_start_init (PID 1 made, its program loaded)");
	init_steps_show();
	return init_wait(p, argv, err);
}

/*
 * Linked mode: the program linked into the kernel is PID 1, named by
 * init= (default "app"), with the command line's words after "--".
 */
static int run_linked(const char *name)
{
	const char *argv[CMDLINE_MAX_INIT_ARGS + 2];
	unsigned int n = 0;
	struct proc *p;
	int err = 0;

	/*
	 * As Linux without an initramfs (init/noinitramfs.c): the root
	 * gets /dev and /dev/console, which PID 1's fds 0-2 need.
	 */
	err = vfs_mkdirat(NULL, "/dev", 0755, NULL);
	if (err && err != -EEXIST)
		log_warn("linked mode: cannot make /dev: error %d", err);
	err = vfs_mknodat(NULL, "/dev/console", S_IFCHR | 0600, KDEV(5, 1),
			  NULL);
	if (err && err != -EEXIST)
		log_warn("linked mode: cannot make /dev/console: error %d",
			 err);
	err = 0;
	argv[n++] = name ? name : "app";
	for (unsigned int i = 0; i < kos_cmdline.ninit_args; i++)
		argv[n++] = kos_cmdline.init_args[i];
	argv[n] = NULL;
	log_info("linked mode: starting %s", argv[0]);
	p = proc_start_linked(argv, init_envp, &err);
	init_step("proc_start_linked (PID 1 made)");
	init_steps_show();
	return init_wait(p, argv, err);
}

/*
 * The device number root= names: a block device node ("/dev/vda1"), or
 * "MAJOR:MINOR" as Linux takes it.  0 if neither.
 */
static uint32_t root_dev_number(const char *dev)
{
	const char *end;
	unsigned long long major = kos_strtoull(dev, &end, 10);
	struct vnode *v;
	uint32_t rdev = 0;

	if (end != dev && *end == ':') {
		unsigned long long minor = kos_strtoull(end + 1, &end, 10);

		return *end || major > 0xfff || minor > 0xfffff
			       ? 0
			       : KDEV((uint32_t)major, (uint32_t)minor);
	}
	if (vfs_lookup(NULL, dev, LOOKUP_FOLLOW, NULL, &v))
		return 0;
	if (S_ISBLK(v->mode))
		rdev = v->rdev;
	vnode_put(v);
	return rdev;
}

/*
 * root=DEV: Linux's prepare_namespace() -- mount the real root file
 * system (DEV a block device node or MAJOR:MINOR, mounted as /dev/root;
 * rootfstype=, default ext4; read-only unless "rw"; rootflags= are its
 * options) on /root of the initramfs, devtmpfs on its /dev if there is
 * one (unless devtmpfs.mount=0), move it onto "/" and make it PID 1's
 * root and cwd.  The initramfs stays below, out of init's reach, as on
 * Linux.  A root that cannot be mounted is fatal, as on Linux.
 */
static struct vnode *mount_real_root(const char *dev)
{
	const char *fstype = cmdline_get(&kos_cmdline, "rootfstype");
	const char *opts = cmdline_get(&kos_cmdline, "rootflags");
	bool rw = cmdline_has(&kos_cmdline, "rw");
	uint32_t rdev = root_dev_number(dev);
	struct vnode *root, *d;
	int err;

	if (!fstype)
		fstype = "ext4";
	/*
	 * Linux mounts a block device root as /dev/root, a node it makes in
	 * the initramfs (so /proc/mounts says /dev/root); other sources
	 * (root=none rootfstype=tmpfs) go as they are.
	 */
	if (rdev) {
		err = vfs_mknodat(NULL, "/dev/root", S_IFBLK | 0600, rdev,
				  NULL);
		if (err && err != -EEXIST)
			panic("VFS: cannot make /dev/root: error %d", err);
		dev = "/dev/root";
	}
	err = vfs_mkdirat(NULL, "/root", 0700, NULL);
	if (err && err != -EEXIST)
		panic("VFS: cannot make /root for the root file system: "
		      "error %d",
		      err);
	err = vfs_mount_new(NULL, "/root", fstype, dev, rw ? 0 : VFS_MNT_RDONLY,
			    opts ? opts : "", NULL);
	if (err)
		panic("VFS: Cannot open root device \"%s\" or mount it as "
		      "%s: error %d",
		      dev, fstype, err);
	err = vfs_lookup(NULL, "/root", LOOKUP_FOLLOW, NULL, &root);
	if (err)
		panic("VFS: the root file system went away: error %d", err);
	log_notice("VFS: Mounted root (%s filesystem) %s on device %u:%u.",
		   fstype, rw ? "read-write" : "readonly", KDEV_MAJOR(rdev),
		   KDEV_MINOR(rdev));
	/*
	 * CONFIG_DEVTMPFS_MOUNT: devtmpfs goes on the root's /dev unless
	 * devtmpfs.mount=0 (Linux's parameter) keeps the nodes the root file
	 * system itself has there.
	 */
	if (cmdline_get_int(&kos_cmdline, "devtmpfs.mount", 1) &&
	    vfs_lookup(root, "dev", LOOKUP_DIRECTORY, NULL, &d) == 0) {
		vnode_put(d);
		err = vfs_mount_new(root, "dev", "devtmpfs", "devtmpfs", 0, "",
				    NULL);
		if (err)
			log_warn("devtmpfs: cannot mount on /dev: error %d",
				 err);
		else
			log_info("devtmpfs: mounted");
	}
	err = vfs_move_mount(NULL, "/root", NULL, "/", NULL);
	if (err)
		panic("VFS: cannot move the root file system to /: error %d",
		      err);
	proc_set_init_root(root);
	vfs_chroot_kernel(root);
	return root;
}

/* PID 1 running path, with the command line's words after "--". */
static int run_init_path(const char *path)
{
	const char *argv[CMDLINE_MAX_INIT_ARGS + 2];
	unsigned int n = 0;

	argv[n++] = path;
	for (unsigned int i = 0; i < kos_cmdline.ninit_args; i++)
		argv[n++] = kos_cmdline.init_args[i];
	argv[n] = NULL;
	return init_run(argv);
}

/*
 * PID 1 on the real root: init= or, as Linux, the first of /sbin/init,
 * /etc/init, /bin/init and /bin/sh that starts.
 */
static int run_real_init(struct vnode *root, const char *init)
{
	static const char *const defaults[] = { "/sbin/init", "/etc/init",
						"/bin/init", "/bin/sh" };

	if (init)
		return run_init_path(init);
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		struct vnode *v;

		/* The name, in the new root (a link need not resolve here). */
		if (vfs_lookup(root, defaults[i] + 1, 0, NULL, &v))
			continue;
		vnode_put(v);
		return run_init_path(defaults[i]);
	}
	panic("No working init found.  Try passing init= option to kernel.");
}

/*
 * User space: build the root file system from the initramfs, then run
 * the test batch (batch=), or PID 1: init= names the program (default
 * /init), the words after "--" are its arguments; with root= (and no
 * /init in the initramfs, as Linux) PID 1 runs on that device instead.
 * Returns the power-off status.
 */
static int run_user(const struct kos_bootinfo *bi, const char *init)
{
	const char *batch = cmdline_get(&kos_cmdline, "batch");
	const char *root;
	struct file *f;

	if (vfs_init(bi->initrd, bi->initrd_size) < 0)
		panic("cannot create the root file system");
	init_step("vfs_init (initramfs)");
	ipc_devshm_mount();
	log_info("syscalls: %u implemented", syscall_count_implemented());
	init_step("ipc_devshm_mount");
	if (batch)
		return batch_run(bi, batch);
	if (proc_linked_present())
		return run_linked(init);
	root = cmdline_get(&kos_cmdline, "root");
	if (root && vfs_open_kernel("/init", 0, &f) == 0) {
		file_put(f); /* Linux: an initramfs with /init mounts root */
		root = NULL;
	}
	if (root) {
		struct vnode *r = mount_real_root(root);
		int status = run_real_init(r, init);

		vnode_put(r);
		return status;
	}
	if (!init) {
		if (vfs_open_kernel("/init", 0, &f) < 0) {
			log_notice("no /init and no init=: running the "
				   "self-test instead");
			return selftest_run();
		}
		file_put(f);
		init = "/init";
	}
	return run_init_path(init);
}

void kos_main(const struct kos_bootinfo *bi)
{
	const char *init;
	int status;

	boot_info = *bi;
	if (cmdline_parse(&kos_cmdline, bi->cmdline ? bi->cmdline : "") < 0)
		log_warn("command line too long or too many words; truncated");
	kos_log_set_level(
		(int)cmdline_get_int(&kos_cmdline, "loglevel", LOG_INFO));
	log_notice("KOS %s (%s) booting", KOS_VERSION,
		   bi->platform ? bi->platform : "?");
	log_info("command line: %s", bi->cmdline ? bi->cmdline : "");
	check_console_param();
	init_debug = cmdline_list_has(&kos_cmdline, "debug", "init");
	init_step("platform, to kos_main");

	ksym_init_lazy(bi->kernel_elf, bi->kernel_elf_size,
		       bi->kernel_load_bias);
	if (cmdline_has(&kos_cmdline, "mem"))
		apply_mem_limit(
			&boot_info,
			cmdline_get_size(&kos_cmdline, "mem", UINT64_MAX));
	pmm_init(&boot_info);
	init_step("pmm_init");
	kmalloc_init();
	print_memory(&boot_info);
	init_step("kmalloc_init");

	sched_init();
	timer_init();
	sched_load_start(); /* not in timer_init(): tests want no timer */
	init_step("sched_init, timer_init");
	console_init();
	init_step("console_init");
	vdso_init();
	exec_init(); /* norandmaps */
	init_step("vdso_init, exec_init");
	plat_irq_enable();
	net_init();
	init_step("net_init");
	net_stack_init(); /* lwIP and lo, before the devices register */
	init_step("net_stack_init (lwIP, lo)");
	plat_devices_init();
	init_step("plat_devices_init");
	blkdev_scan_new(); /* the disks' partition tables */
	net_ipconfig();	   /* ip=: before init starts */
	init_step("blkdev_scan_new, net_ipconfig");

	if (bi->initrd)
		log_info("initrd: %zu bytes", bi->initrd_size);

	init = cmdline_get(&kos_cmdline, "init");
	if (cmdline_has(&kos_cmdline, "selftest"))
		status = selftest_run();
	else
		status = run_user(bi, init);
	kos_poweroff(status);
}
