/*
 * Unit-test runner: runs every suite that is linked in.  Suites are weak
 * references, so a subsystem's tests join simply by defining <name>_suite().
 * Usage: unit [suite-name]   (CK_FORK etc. work as usual)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define SUITES(X) \
	X(string) \
	X(printf) \
	X(cmdline) \
	X(log) \
	X(ksym) \
	X(random) \
	X(fpu) \
	X(klib) \
	X(pmm) \
	X(slab) \
	X(sched) \
	X(waitq) \
	X(mutex) \
	X(timer) \
	X(clock) \
	X(vm) \
	X(vma) \
	X(uaccess) \
	X(special) \
	X(vfs) \
	X(dcache) \
	X(pcache) \
	X(ramfs) \
	X(cpio) \
	X(fdtable) \
	X(lock) \
	X(notify) \
	X(dev) \
	X(sysfs) \
	X(vdso) \
	X(system) \
	X(ipc) \
	X(tty) \
	X(console) \
	X(blk) \
	X(part) \
	X(bcache) \
	X(ext4) \
	X(ext4w) \
	X(ext4data) \
	X(ext4ns) \
	X(ext4rwfuzz) \
	X(net)
/* clang-format on */

#define DECLARE(n) extern Suite *n##_suite(void) __attribute__((weak));
SUITES(DECLARE)

struct entry {
	const char *name;
	Suite *(*fn)(void);
};

#define ENTRY(n) { #n, n##_suite },
static const struct entry suites[] = { SUITES(ENTRY) };

int main(int argc, char **argv)
{
	SRunner *sr = NULL;
	int failed;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (!suites[i].fn)
			continue;
		if (argc > 1 && strcmp(argv[1], suites[i].name) != 0)
			continue;
		if (!sr)
			sr = srunner_create(suites[i].fn());
		else
			srunner_add_suite(sr, suites[i].fn());
	}
	if (!sr) {
		fprintf(stderr, "unit: no suites linked%s%s\n",
			argc > 1 ? " named " : "", argc > 1 ? argv[1] : "");
		return 1;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
