/*
 * A dynamically linked test program, built with musl (loader
 * /lib/ld-musl-x86_64.so.1) and glibc (/lib64/ld-linux-x86-64.so.2) and
 * linked against libdyn.so in /t/dyn/lib, which the loader finds
 * through LD_LIBRARY_PATH (or /etc/ld.so.cache).  Each argument names a
 * check: hello, auxv, lib, tls, dlopen, memcpy, maps, cached.
 */
#include <dlfcn.h>
#include <elf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int dyn_add(int a, int b);
int dyn_tls_bump(int n);
extern int dyn_inited;
#ifdef CACHED
const char *cached_name(void);
#endif

static void *tls_thread(void *arg)
{
	int n = (int)(long)arg;
	int a = dyn_tls_bump(n);
	int b = dyn_tls_bump(n);

	return (void *)(long)(a * 100 + b);
}

static void check_tls(void)
{
	pthread_t t1, t2;
	void *r1, *r2;

	pthread_create(&t1, NULL, tls_thread, (void *)1L);
	pthread_join(t1, &r1);
	pthread_create(&t2, NULL, tls_thread, (void *)10L);
	pthread_join(t2, &r2);
	printf("tls: main %d thread1 %ld thread2 %ld main %d\n",
	       dyn_tls_bump(0), (long)r1, (long)r2, dyn_tls_bump(1));
}

static void check_dlopen(void)
{
	void *h = dlopen("libplug.so", RTLD_NOW);
	int (*f)(int);

	if (!h) {
		printf("dlopen: failed\n");
		return;
	}
	f = (int (*)(int))dlsym(h, "plug_value");
	printf("dlopen: plug_value %d %d\n", f ? f(2) : -1, f ? f(2) : -1);
	printf("dlsym missing: %s\n",
	       dlsym(h, "no_such_symbol") ? "found" : "NULL");
	printf("dlclose: %d\n", dlclose(h));
	printf("dlopen missing: %s\n",
	       dlopen("libnosuch.so", RTLD_NOW) ? "found" : "NULL");
}

static void check_memcpy(void)
{
	static char a[70000], b[70000];

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (char)(i * 7);
	memcpy(b, a, sizeof(a));
	memmove(b + 1, b, sizeof(b) - 1);
	printf("memcpy: %d %d\n", memcmp(a, b + 1, sizeof(a) - 1) == 0,
	       (int)strlen("ifunc-resolved strlen"));
}

/*
 * The permissions of this program's and libdyn.so's mappings, in order
 * (found by inode: RELRO shows as a read-only piece of the writable
 * segment, after the loader's mprotect).
 */
static void check_maps(void)
{
	struct stat prog, lib;
	Dl_info info;
	FILE *f = NULL;
	bool mounted = false;
	char line[512];

	if (!dladdr((void *)dyn_add, &info) || stat(info.dli_fname, &lib) ||
	    stat("/proc/self/exe", &prog)) {
		/* PID 1 of a bare initramfs: no /proc yet */
		mkdir("/proc", 0555);
		mounted = mount("proc", "/proc", "proc", 0, NULL) == 0;
	}
	if (dladdr((void *)dyn_add, &info) && !stat(info.dli_fname, &lib) &&
	    !stat("/proc/self/exe", &prog))
		f = fopen("/proc/self/maps", "r");
	if (!f)
		printf("maps: no /proc/self/maps\n");
	while (f && fgets(line, sizeof(line), f)) {
		char perms[8];
		unsigned long long ino;

		if (sscanf(line, "%*s %7s %*s %*s %llu", perms, &ino) != 2)
			continue;
		if (ino == prog.st_ino)
			printf("maps: %s dyntest\n", perms);
		else if (ino == lib.st_ino)
			printf("maps: %s libdyn.so\n", perms);
	}
	if (f)
		fclose(f);
	if (mounted)
		umount("/proc");
}

static void check_auxv(void)
{
	const Elf64_Phdr *ph = (const void *)getauxval(AT_PHDR);
	unsigned long base = getauxval(AT_BASE);
	extern char _start[] __attribute__((weak));

	printf("auxv: base %s phent %lu entry-is-_start %d phdr0-type %u\n",
	       base ? "set" : "0", getauxval(AT_PHENT),
	       (void *)getauxval(AT_ENTRY) == (void *)_start,
	       ph ? ph[0].p_type : 0);
	printf("auxv: secure %lu minsigstksz %s\n", getauxval(AT_SECURE),
	       getauxval(AT_MINSIGSTKSZ) >= 1024 ? "ok" : "small");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *c = argv[i];

		if (!strcmp(c, "hello"))
			printf("hello, dynamic world\n");
		else if (!strcmp(c, "auxv"))
			check_auxv();
		else if (!strcmp(c, "lib"))
			printf("lib: inited %d dyn_add %d\n", dyn_inited,
			       dyn_add(2, 3));
		else if (!strcmp(c, "tls"))
			check_tls();
		else if (!strcmp(c, "dlopen"))
			check_dlopen();
		else if (!strcmp(c, "memcpy"))
			check_memcpy();
		else if (!strcmp(c, "maps"))
			check_maps();
#ifdef CACHED
		else if (!strcmp(c, "cached"))
			printf("cached: %s\n", cached_name());
#endif
		else
			printf("unknown check %s\n", c);
	}
	return 0;
}
