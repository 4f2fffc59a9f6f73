# Benchmarks (docs/benchmarks.md).  Not part of `make check`: speed is
# measured here, never asserted in tests.
#
#   make bench      build the benchmark program and its initramfs, then
#                   scripts/bench runs it on Linux/QEMU, KOS/QEMU, the host,
#                   hosted KOS, UML and gVisor and prints the ratios
#   make bench BENCH_FLAGS='--systems "native kos-hosted"'
#
# The program lives in check/bench/src/ (not check/bench/), so that the
# unit-test wildcard check/*/*.c does not pick it up.

BENCH_FLAGS ?=

$(BUILD)/bench/bench: check/bench/src/bench.c check/bench/module.mk \
		| $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	$(Q)musl-gcc -static -O2 -g -Wall -Wextra -Werror -o $@ $<

# The network benchmarks (netbench), run by scripts/bench's net section.
$(BUILD)/bench/netbench: check/bench/src/netbench.c check/bench/module.mk \
		| $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	$(Q)musl-gcc -static -O2 -g -Wall -Wextra -Werror -o $@ $<

# The archive tar_xf_2000 extracts: 2,000 files in nested directories.
$(BUILD)/bench/bench-tree.tar: check/bench/mktree
	@mkdir -p $(@D)
	@echo "  MKTREE  $@"
	$(Q)python3 check/bench/mktree $@.tmp 2000 && mv $@.tmp $@

# The archive disk_tar_xf_5000 extracts onto the disk.
$(BUILD)/bench/bench-tree5k.tar: check/bench/mktree
	@mkdir -p $(@D)
	@echo "  MKTREE  $@"
	$(Q)python3 check/bench/mktree $@.tmp 5000 && mv $@.tmp $@

# /bench, /netbench, an empty /dev (Linux mounts devtmpfs there; KOS fills
# it), the archives and BusyBox (Debian's busybox-static) for tar_xf_2000 and
# disk_tar_xf_5000 (without it those benchmarks report n/a).
$(BUILD)/bench/bench.cpio: $(BUILD)/bench/bench $(BUILD)/bench/netbench \
		$(BUILD)/bench/bench-tree.tar $(BUILD)/bench/bench-tree5k.tar
	@echo "  CPIO    $@"
	$(Q)rm -rf $(BUILD)/bench/root && \
	mkdir -p $(BUILD)/bench/root/dev $(BUILD)/bench/root/bin && \
	cp $< $(BUILD)/bench/root/bench && \
	cp $(BUILD)/bench/netbench $(BUILD)/bench/root/netbench && \
	cp $(BUILD)/bench/bench-tree.tar $(BUILD)/bench/bench-tree5k.tar \
		$(BUILD)/bench/root/ && \
	{ [ ! -x /bin/busybox ] || cp /bin/busybox $(BUILD)/bench/root/bin/; } && \
	cd $(BUILD)/bench/root && find . -mindepth 1 | LC_ALL=C sort | \
		cpio --quiet -o -H newc --owner=0:0 --reproducible \
		> $(CURDIR)/$@

# Then the single-app images' boot time and sizes (scripts/bench-apps,
# docs/apps.md), the system-call cost in linked mode, process mode and
# Linux (scripts/bench-linked, docs/linked-mode.md) and httpd under wrk
# (scripts/bench-httpd); make bench-apps, make bench-linked and make
# bench-httpd run those parts alone.
bench: $(BUILD)/bench/bench.cpio $(BUILD)/hosted/kos \
		$(BUILD)/x86_64/BOOTX64.EFI $(APP_CHECK_TARGETS)
	$(Q)KOS_BUILD=$(BUILD) scripts/bench --layouts 6 $(BENCH_FLAGS)
	$(Q)KOS_BUILD=$(BUILD) scripts/bench-apps
	$(Q)KOS_BUILD=$(BUILD) scripts/bench-linked 300000
	$(Q)KOS_BUILD=$(BUILD) scripts/bench-httpd
	$(Q)KOS_BUILD=$(BUILD) scripts/bench-debian

# The macro benchmarks on the Debian image (scripts/bench-debian,
# docs/benchmarks.md); n/a where the image cannot be built.
bench-debian: $(BUILD)/hosted/kos $(BUILD)/x86_64/BOOTX64.EFI
	$(Q)KOS_BUILD=$(BUILD) scripts/bench-debian $(BENCH_DEBIAN_FLAGS)

bench-apps: $(APP_CHECK_TARGETS)
	$(Q)KOS_BUILD=$(BUILD) scripts/bench-apps

bench-linked:
	$(Q)KOS_BUILD=$(BUILD) scripts/bench-linked 300000

# httpd's requests/s under wrk: Linux in QEMU vs KOS in each mode
# (scripts/bench-httpd, docs/apps.md).
bench-httpd: $(APP_TARGETS_httpd)
	$(Q)KOS_BUILD=$(BUILD) scripts/bench-httpd

.PHONY: bench-apps bench-linked bench-httpd bench-debian
