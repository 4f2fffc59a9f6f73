# Unit tests (Check), hosted.  Each check/<subsys>/check_*.c exports
# Suite *<name>_suite(void); check/runner.c lists the suites.  The tests link
# libkos.a against check/plat_test.c, a fake platform with a settable clock.
CHECK_SRCS += $(sort $(filter-out check/guest/% check/fsrand/% check/linked/% check/dynamic/%,$(wildcard check/*.c check/*/*.c)))
CHECK_OBJS := $(call hobj,$(CHECK_SRCS))
HCFLAGS_check/ += $(shell pkg-config --cflags check 2>/dev/null)

# The network object goes in before libkos.a with lwIP's symbols still
# global (check/net uses lwIP's raw API); libkos.a's own net.o is then
# never pulled in.
$(BUILD)/check/unit: $(CHECK_OBJS) $(NET_ALL_OBJ) $(BUILD)/libkos.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) -o $@ $(CHECK_OBJS) $(NET_ALL_OBJ) $(BUILD)/libkos.a \
		$$(pkg-config --libs check) -lpthread

CHECK_TARGETS += $(BUILD)/check/unit

include check/blk/module.mk
include check/net/module.mk

# --- guest programs --------------------------------------------------------
# Small C programs run as Linux binaries on both platforms (and natively on
# the host as the oracle).  Each is built twice with musl: static
# (build/guest/NAME) and static-PIE (build/guest/NAME-pie).  Debian's
# musl-gcc cannot link a static PIE by itself, so that link is by hand.
# The programs in GUEST_GLIBC_PROGS are also built with glibc, static
# (build/guest/NAME-glibc): glibc's threads, posix_spawn and timers use
# other system calls (clone3, rseq, its own helper threads) than musl's.
GUEST_PROGS := $(notdir $(basename $(wildcard check/guest/*.c)))
GUEST_GLIBC_PROGS := pthreads spawn timers
MUSL_LIB := /usr/lib/x86_64-linux-musl
GUEST_CFLAGS := -O2 -g -Wall -Werror -D_GNU_SOURCE
GUEST_BINS := $(foreach p,$(GUEST_PROGS),$(BUILD)/guest/$(p) $(BUILD)/guest/$(p)-pie) \
	$(foreach p,$(GUEST_GLIBC_PROGS),$(BUILD)/guest/$(p)-glibc)
include check/fsrand/module.mk
include check/dynamic/module.mk
# BusyBox shell scripts (check/guest/sh/*.sh, installed in /t/sh) run
# with PATH=/t/bin, where these applets are links to /bin/busybox; /t/tmp
# is theirs to write.  The scripts they run by path (check/guest/sh/lib,
# in /t/sh/lib) are installed executable.
GUEST_SCRIPTS := $(wildcard check/guest/sh/*.sh)
GUEST_SCRIPT_LIB := $(wildcard check/guest/sh/lib/*.sh)
GUEST_BB_APPLETS := sh echo cat tr sort uniq head tail wc seq yes tee \
	xargs env sleep kill timeout true false printf test expr sed grep \
	awk cut ls rm mkdir chmod pwd basename id cp mv ln find touch tar \
	gzip gunzip stat mount umount df readlink mkfifo rmdir ps pidof nproc \
	syslogd logger

$(BUILD)/guest/%: check/guest/%.c check/guest/guest.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	$(Q)musl-gcc -static $(GUEST_CFLAGS) -o $@ $<

$(BUILD)/guest/%-pie.o: check/guest/%.c check/guest/guest.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)musl-gcc -fPIE $(GUEST_CFLAGS) -c -o $@ $<

$(BUILD)/guest/%-glibc: check/guest/%.c check/guest/guest.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  GLIBC   $@"
	$(Q)$(CC) -static $(GUEST_CFLAGS) -o $@ $<

$(BUILD)/guest/%-pie: $(BUILD)/guest/%-pie.o
	@echo "  MUSLPIE $@"
	$(Q)ld -static -pie --no-dynamic-linker -z text -o $@ \
		$(MUSL_LIB)/rcrt1.o $(MUSL_LIB)/crti.o \
		$$($(CC) -print-file-name=crtbeginS.o) $< \
		-L$(MUSL_LIB) -lc $$($(CC) -print-libgcc-file-name) \
		$$($(CC) -print-file-name=crtendS.o) $(MUSL_LIB)/crtn.o

# The guest initramfs: the default tree + BusyBox + the programs in /t,
# and /t/cases, the list the kernel's batch= runner reads (one boot runs
# every case; scripts/run-guest-tests).  /dev/shm is there as a directory
# because KOS mounts a tmpfs on it at boot (so /dev looks the same to
# the Linux oracle).
$(BUILD)/guest/initramfs.cpio: $(GUEST_BINS) $(DYN_BINS) $(INITRAMFS_FILES) check/module.mk \
		scripts/mkcpio check/guest/cases.txt scripts/kostest.py \
		$(GUEST_SCRIPTS) $(GUEST_SCRIPT_LIB)
	@echo "  CPIO    $@"
	$(Q)rm -rf $(BUILD)/guest/root && mkdir -p $(BUILD)/guest/root/t \
		$(BUILD)/guest/root/bin $(BUILD)/guest/root/t/sh/lib \
		$(BUILD)/guest/root/t/bin $(BUILD)/guest/root/t/tmp && \
	chmod 1777 $(BUILD)/guest/root/t/tmp && \
	cp -a images/initramfs/. $(BUILD)/guest/root/ && \
	mkdir -p $(BUILD)/guest/root/dev/shm && \
	chmod 1777 $(BUILD)/guest/root/dev/shm && \
	cp $(GUEST_BINS) $(BUILD)/guest/root/t/ && \
	$(call dyn_install,$(BUILD)/guest/root) && \
	cp $(GUEST_SCRIPTS) $(BUILD)/guest/root/t/sh/ && \
	install -m 755 $(GUEST_SCRIPT_LIB) $(BUILD)/guest/root/t/sh/lib/ && \
	for a in $(GUEST_BB_APPLETS); do \
		ln -s /bin/busybox $(BUILD)/guest/root/t/bin/$$a || exit 1; \
	done && \
	python3 scripts/kostest.py batch-list check/guest/cases.txt \
		$(BUILD)/guest/root/t/cases && \
	printf '#!/bin/busybox sh\nexit 3\n' > $(BUILD)/guest/root/t/procs.sh && \
	chmod 755 $(BUILD)/guest/root/t/procs.sh && \
	cp /bin/busybox $(BUILD)/guest/root/bin/busybox && \
	printf 'charlie\nalpha\nbravo\ndelta echo\n' > $(BUILD)/guest/root/etc/words && \
	scripts/mkcpio $@ $(BUILD)/guest/root $(DEV_NODES)

CHECK_TARGETS += $(BUILD)/guest/initramfs.cpio
include check/ext4/module.mk
